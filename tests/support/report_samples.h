// Hand-built report messages for the renderer and HTTP endpoint tests: a 2-step x
// 2-question grid with every rating, a respondent label with a comma, a quote and
// non-ASCII text, and a question with markup that must be escaped.
#pragma once

#include <string>

#include "sixsteps/action/v1/action.pb.h"
#include "sixsteps/assessment/v1/assessment.pb.h"
#include "sixsteps/reporting/v1/reporting.pb.h"

namespace sixsteps::testing {

inline constexpr char kTrickyLabel[] = "Café – Sørensen, \"Independent\" Scrutineer";
inline constexpr char kScriptQuestion[] =
    "Is <script>alert(\"x\")</script> data shared & used to inform plans?";
inline constexpr char kMultilineQuestion[] =
    "Are wider partners engaged?\nIncluding business, sport & faith";
inline constexpr char kGreenDefinition[] =
    "a positive affirmation that the question can be answered with evidence to illustrate the "
    "positive response";
inline constexpr char kAmberDefinition[] =
    "acknowledgement that some parts of the question can be answered positively (with evidence "
    "to illustrate the positive response) but that there is still work to be done for full "
    "positive affirmation";
inline constexpr char kRedDefinition[] =
    "it is not possible to confirm that any part of the question can be answered with a "
    "positive response.";
inline constexpr char kAttribution[] =
    "Adapted from Pearce, J (2019) Six Steps for Independent Scrutiny: Safeguarding children "
    "arrangements. Institute of Applied Social Research, Luton, University of Bedfordshire";

inline reporting::v1::AssessmentReport SampleAssessmentReport() {
  using framework::v1::Rating;
  reporting::v1::AssessmentReport r;
  r.set_assessment("assessments/a-0123456789abcdef");
  r.set_partnership("partnerships/sunderland");
  r.set_partnership_name("Sunderland Safeguarding Children Partnership");
  r.set_region("regions/north-east");
  r.set_title("Independent scrutiny 2024");
  r.set_round_kind(assessment::v1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
  r.set_round_state(assessment::v1::Assessment::STATE_FINALISED);
  r.set_revision(3);
  r.set_period_start("2023-04-01");
  r.set_period_end("2024-03-31");
  r.set_framework_version("frameworks/six-steps/versions/1");
  r.set_framework_title("Six Steps for Independent Scrutiny");
  r.set_as_of_date("2024-05-01");
  r.mutable_finalise_time()->set_seconds(1714550400);  // 2024-05-01T08:00:00Z
  r.set_completeness_percent(75);
  r.set_open_challenges(1);
  r.set_attribution(kAttribution);

  struct Q {
    const char* id;
    const char* text;
    Rating rating;
    Rating tricky;
    Rating police;
    int evidence;
    bool missing;
    bool divergent;
    bool severe;
    int challenges;
  };
  struct S {
    const char* id;
    const char* title;
    Q questions[2];
  };
  const S steps[] = {
      {"step-1",
       "The three core partner leads are actively involved in strategic planning",
       {{"1a", "Have the three partners agreed a process for a child centred plan?",
         framework::v1::RATING_GREEN, framework::v1::RATING_GREEN, framework::v1::RATING_RED, 3,
         false, true, true, 0},
        {"1b", kMultilineQuestion, framework::v1::RATING_AMBER, framework::v1::RATING_AMBER,
         framework::v1::RATING_AMBER, 0, true, false, false, 1}}},
      {"step-2",
       "Appropriate quality assurance procedures are in place for data",
       {{"2a", kScriptQuestion, framework::v1::RATING_RED, framework::v1::RATING_RED,
         framework::v1::RATING_UNSPECIFIED, 1, false, false, false, 0},
        {"2b", "Is learning from reviews cascaded?", framework::v1::RATING_UNSPECIFIED,
         framework::v1::RATING_UNSPECIFIED, framework::v1::RATING_UNSPECIFIED, 0, false, false,
         false, 0}}},
  };
  for (const S& s : steps) {
    auto* step = r.add_steps();
    step->set_step_id(s.id);
    step->set_title(s.title);
    for (const Q& q : s.questions) {
      auto* row = step->add_questions();
      row->set_question_id(q.id);
      row->set_text(q.text);
      row->set_consolidated_rating(q.rating);
      row->set_rationale(std::string("Rationale for ") + q.id);
      row->set_remaining_work(
          q.rating == framework::v1::RATING_GREEN ? "" : std::string("Work for ") + q.id);
      row->set_evidence_items(q.evidence);
      row->set_evidence_missing(q.missing);
      row->set_divergent(q.divergent);
      row->set_severe_divergence(q.severe);
      row->set_open_challenges(q.challenges);
      auto* a = row->add_respondent_ratings();
      a->set_respondent("assessments/a-0123456789abcdef/respondents/r-1");
      a->set_label(kTrickyLabel);
      a->set_rating(q.tricky);
      a->set_evidence_items(q.evidence);
      auto* b = row->add_respondent_ratings();
      b->set_respondent("assessments/a-0123456789abcdef/respondents/r-2");
      b->set_label("Northumbria Police");
      b->set_rating(q.police);
      auto* counts = step->mutable_counts();
      switch (q.rating) {
        case framework::v1::RATING_RED:
          counts->set_red(counts->red() + 1);
          break;
        case framework::v1::RATING_AMBER:
          counts->set_amber(counts->amber() + 1);
          break;
        case framework::v1::RATING_GREEN:
          counts->set_green(counts->green() + 1);
          break;
        default:
          counts->set_unrated(counts->unrated() + 1);
      }
    }
    step->mutable_actions()->set_open(2);
    step->mutable_actions()->set_overdue(1);
  }
  r.mutable_counts()->set_red(1);
  r.mutable_counts()->set_amber(1);
  r.mutable_counts()->set_green(1);
  r.mutable_counts()->set_unrated(1);
  r.mutable_actions()->set_open(4);
  r.mutable_actions()->set_overdue(2);
  r.mutable_actions()->set_done(1);
  r.add_questions_missing_evidence("1b");
  r.add_divergent_questions("1a");
  for (auto [rating, text] : {std::pair{framework::v1::RATING_GREEN, kGreenDefinition},
                              std::pair{framework::v1::RATING_AMBER, kAmberDefinition},
                              std::pair{framework::v1::RATING_RED, kRedDefinition}}) {
    auto* d = r.add_rating_definitions();
    d->set_rating(rating);
    d->set_definition(text);
  }
  r.mutable_freshness()->set_sequence(42);
  r.mutable_freshness()->mutable_change_time()->set_seconds(1714550400);
  r.mutable_freshness()->mutable_report_time()->set_seconds(1714550460);
  return r;
}

inline reporting::v1::PartnershipTrend SamplePartnershipTrend() {
  reporting::v1::PartnershipTrend t;
  t.set_partnership("partnerships/sunderland");
  t.set_partnership_name("Sunderland, \"SSCP\"");
  t.set_kind("independent_scrutiny");
  for (const char* year : {"2023", "2024"}) {
    auto* round = t.add_rounds();
    round->set_assessment(std::string("assessments/a-") + year);
    round->set_title(std::string("Scrutiny ") + year);
    round->set_period_end(std::string(year) + "-03-31");
    round->set_framework_version("frameworks/six-steps/versions/1");
  }
  auto* q = t.add_questions();
  q->set_question_id("1a");
  q->set_text(kScriptQuestion);
  q->set_step_id("step-1");
  q->add_ratings(framework::v1::RATING_RED);
  q->add_ratings(framework::v1::RATING_GREEN);
  q->set_trend(reporting::v1::TREND_IMPROVED);
  q = t.add_questions();
  q->set_question_id("1b");
  q->set_text("Second question");
  q->set_step_id("step-1");
  q->add_ratings(framework::v1::RATING_UNSPECIFIED);
  q->add_ratings(framework::v1::RATING_AMBER);
  q->set_trend(reporting::v1::TREND_NOT_COMPARABLE);
  auto* s = t.add_steps();
  s->set_step_id("step-1");
  s->set_title("Strategic planning");
  s->add_counts()->set_red(1);
  s->add_counts()->set_green(1);
  s->set_trend(reporting::v1::TREND_IMPROVED);
  t.mutable_freshness()->set_sequence(7);
  return t;
}

inline reporting::v1::RegionalOverview SampleRegionalOverview() {
  reporting::v1::RegionalOverview o;
  o.set_region("regions/north-east");
  o.set_region_name("North East");
  o.set_as_of_date("2024-05-01");
  auto* p = o.add_partnerships();
  p->set_partnership("partnerships/sunderland");
  p->set_partnership_name("Sunderland, \"SSCP\"");
  p->set_assessment("assessments/a-1");
  p->set_last_scrutiny_date("2024-03-31");
  for (auto [id, heat] : {std::pair{"step-1", 1.0}, std::pair{"step-2", 2.0}}) {
    p->add_step_ids(id);
    p->add_step_counts()->set_red(1);
    p->add_step_heat(heat);
  }
  p->mutable_counts()->set_red(2);
  p->set_overdue_actions(3);
  auto* anon = o.add_partnerships();
  anon->set_anonymous(true);
  anon->set_partnership_name("Partnership B");
  anon->add_step_ids("step-1");
  anon->add_step_counts()->set_green(1);
  anon->add_step_heat(3.0);
  o.mutable_freshness()->set_sequence(9);
  return o;
}

inline reporting::v1::ActionTracker SampleActionTracker() {
  reporting::v1::ActionTracker t;
  t.set_scope("partnerships/sunderland");
  t.set_as_of_date("2024-05-01");
  t.mutable_counts()->set_open(2);
  t.mutable_counts()->set_overdue(1);
  reporting::v1::ActionLine a1;
  a1.set_action("assessments/a-1/actions/x-1");
  a1.set_assessment("assessments/a-1");
  a1.set_step_id("step-1");
  a1.set_description("Agree the plan, with <b>children</b>, \"quickly\"");
  a1.set_owner_organisation("partnerships/sunderland/organisations/police");
  a1.set_due_date("2024-04-01");
  a1.set_action_status(action::v1::Action::STATUS_IN_PROGRESS);
  a1.set_overdue(true);
  a1.set_age_days(60);
  a1.set_days_overdue(30);
  reporting::v1::ActionLine a2 = a1;
  a2.set_action("assessments/a-1/actions/x-2");
  a2.set_step_id("step-2");
  a2.set_description("Share the data");
  a2.set_due_date("2024-06-01");
  a2.set_overdue(false);
  a2.set_days_overdue(0);
  auto* owner = t.add_by_owner();
  owner->set_key("partnerships/sunderland/organisations/police");
  owner->set_label("Northumbria Police");
  owner->mutable_counts()->set_open(2);
  *owner->add_actions() = a1;
  *owner->add_actions() = a2;
  auto* s1 = t.add_by_step();
  s1->set_key("step-1");
  s1->set_label("Strategic planning");
  *s1->add_actions() = a1;
  auto* s2 = t.add_by_step();
  s2->set_key("step-2");
  s2->set_label("Data");
  *s2->add_actions() = a2;
  t.mutable_freshness()->set_sequence(11);
  return t;
}

inline reporting::v1::AnnualReportSection SampleAnnualReportSection() {
  reporting::v1::AnnualReportSection s;
  s.set_assessment("assessments/a-0123456789abcdef");
  s.set_partnership_name("Sunderland");
  s.set_markdown(
      "## Independent scrutiny 2024\n\n"
      "The partnership rated **1 Green**, *1 Amber* and 1 Red.\nA second line "
      "<script>x</script>.\n\n"
      "- Step 1: strong\n- Step 2: data gaps\n\n"
      "| Step | R | A | G |\n|---|---|---|---|\n| Step 1 | 0 | 1 | 1 |\n");
  s.set_attribution(kAttribution);
  s.mutable_freshness()->set_sequence(42);
  return s;
}

}  // namespace sixsteps::testing
