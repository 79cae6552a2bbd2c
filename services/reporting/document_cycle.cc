// The scrutiny cycle's documents (H4, issue 15): the scrutineer's report as published
// (report 6), and the count charts the annual report section and the regional overview
// carry. Every text goes to the writers, which escape it.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/base/enum_text.h"
#include "services/base/names.h"
#include "services/reporting/document.h"
#include "services/reporting/render_internal.h"

namespace sixsteps::reporting::doc {
namespace {

namespace ri = render_internal;
namespace av1 = ::sixsteps::assessment::v1;

std::string VerdictWord(av1::PartnerAnswer::Verdict verdict) {
  switch (verdict) {
    case av1::PartnerAnswer::VERDICT_ACCEPT:
      return "Accepted";
    case av1::PartnerAnswer::VERDICT_ACCEPT_WITH_COMMENT:
      return "Accepted with comment";
    case av1::PartnerAnswer::VERDICT_DISPUTE:
      return "Disputed";
    default:
      return "Not answered";
  }
}

std::string OutcomeWord(const av1::PartnerAnswer& answer) {
  if (answer.verdict() != av1::PartnerAnswer::VERDICT_DISPUTE) return "";
  switch (answer.resolution().outcome()) {
    case av1::DisputeResolution::OUTCOME_UPHELD:
      return "Upheld";
    case av1::DisputeResolution::OUTCOME_NOT_UPHELD:
      return "Not upheld";
    default:
      return "Not resolved";
  }
}

std::string NameOf(const v1::ScrutineerReport& r, const std::string& organisation) {
  auto found = r.organisation_names().find(organisation);
  return found != r.organisation_names().end() ? found->second : LastSegment(organisation);
}

void AddFindings(const v1::ScrutineerReport& r, Document* d) {
  const av1::ScrutinyReport& report = r.report();
  AddSection(d, "Findings");
  if (report.findings().empty()) {
    d->sections.back().blocks.push_back(Para("The report records no findings."));
  }
  for (int i = 0; i < report.findings_size(); ++i) {
    const av1::Finding& f = report.findings(i);
    const bool strength = f.nature() == av1::Finding::NATURE_STRENGTH;
    Section& s = AddSection(
        d, absl::StrCat(i + 1, ". ", strength ? "Strength: " : "Concern: ", f.title()), 2);
    s.blocks.push_back(Para(f.narrative()));
    if (i < r.findings_size() && !r.findings(i).rests_on().empty()) {
      List rests;
      for (const std::string& line : r.findings(i).rests_on()) rests.items.push_back(Para(line));
      s.blocks.push_back(Paragraph{{Run{"Rests on:", true}}});
      s.blocks.push_back(std::move(rests));
    }
    if (!f.evidence().empty()) {
      Table evidence{{"Evidence cited", "Link", "Response"}, {}};
      for (const av1::CitedEvidence& e : f.evidence()) {
        evidence.rows.push_back({Text(e.description()), Text(e.link()), Text(e.response())});
      }
      s.blocks.push_back(std::move(evidence));
    }
  }
}

void AddRecommendations(const v1::ScrutineerReport& r, Document* d) {
  Section& s = AddSection(d, "Recommendations and their progress");
  if (r.recommendations().empty()) s.blocks.push_back(Para("The report makes no recommendations."));
  Table table{{"Recommendation", "Follows from", "Accepted", "Done", "Open", "Overdue"}, {}};
  for (const v1::RecommendationProgress& p : r.recommendations()) {
    table.rows.push_back({Text(p.text()), Text(absl::StrJoin(p.findings(), "; ")),
                          Status(p.accepted() ? "Yes" : "Not yet"), Number(p.actions().done()),
                          Number(p.actions().open()),
                          p.actions().overdue() > 0
                              ? Status(absl::StrCat("Overdue ", p.actions().overdue()), true)
                              : Number(0)});
  }
  if (!table.rows.empty()) s.blocks.push_back(std::move(table));
  Table actions{{"Action", "Answers", "Owner", "Due", "Status"}, {}};
  for (const v1::RecommendationProgress& p : r.recommendations()) {
    for (const v1::ActionLine& a : p.action_lines()) {
      actions.rows.push_back(
          {Text(a.description()), Text(p.text()), Text(NameOf(r, a.owner_organisation())),
           Date(a.due_date()),
           a.overdue() ? Status("Overdue", true) : Status(ri::EnumWords(a.action_status()))});
    }
  }
  if (!actions.rows.empty()) {
    Section& sub = AddSection(d, "The actions the recommendations became", 2);
    sub.blocks.push_back(std::move(actions));
  }
}

void AddAnswers(const v1::ScrutineerReport& r, Document* d) {
  const av1::ScrutinyReport& report = r.report();
  Section& s = AddSection(d, "The partners' answers and the resolution of disputes");
  if (report.answers().empty()) s.blocks.push_back(Para("No partner answered."));
  for (const av1::PartnerAnswer& a : report.answers()) {
    Section& sub = AddSection(d, NameOf(r, a.organisation()), 2);
    Facts facts;
    facts.items = {
        {"Answer", VerdictWord(a.verdict())},
        {a.verdict() == av1::PartnerAnswer::VERDICT_DISPUTE ? "Reason" : "Comment", a.comment()},
        {"Answered", ri::FormatTimestamp(a.answer_time())}};
    if (a.verdict() == av1::PartnerAnswer::VERDICT_DISPUTE) {
      facts.items.push_back({"Resolution by the lead scrutineer", OutcomeWord(a)});
      facts.items.push_back({"Resolution note", a.resolution().note()});
    }
    sub.blocks.push_back(std::move(facts));
  }
  if (!report.unanswered_note().empty()) {
    s.blocks.push_back(
        Para(absl::StrCat("Published before every partner answered: ", report.unanswered_note())));
  }
}

}  // namespace

CountChart CountChartOf(const v1::CountsOverTime& counts) {
  CountChart chart;
  chart.title = counts.title();
  chart.categories.assign(counts.dates().begin(), counts.dates().end());
  for (const v1::CountSeries& s : counts.series()) {
    chart.series.push_back({s.label(), {s.counts().begin(), s.counts().end()}});
  }
  return chart;
}

Document BuildDocument(const v1::ScrutineerReport& r) {
  const av1::ScrutinyReport& report = r.report();
  Document d;
  d.title =
      absl::StrCat("The scrutineer's report",
                   r.partnership_name().empty() ? "" : absl::StrCat(": ", r.partnership_name()));
  d.subtitle = r.round_title();
  d.facts.items = {
      {"Round", r.assessment()},
      {"Period", ri::Period(r.period_start(), r.period_end())},
      {"Framework", r.framework_title()},
      {"Version", absl::StrCat(report.version(), " of ", r.versions_size(), " published")},
      {"Published", ri::FormatTimestamp(report.publish_time())},
      {"Progress judged on", r.as_of_date()}};
  d.intro.push_back(Note(ri::FreshnessLine(r.freshness())));
  AddSection(&d, "Summary").blocks.push_back(Para(report.summary()));
  AddFindings(r, &d);
  AddRecommendations(r, &d);
  AddAnswers(r, &d);
  Section& history = AddSection(&d, "Version history");
  Table versions{{"Version", "Published", "Change note"}, {}};
  for (const v1::ScrutinyVersionLine& v : r.versions()) {
    versions.rows.push_back({Number(v.version()), Text(ri::FormatTimestamp(v.publish_time())),
                             Text(v.change_note().empty() ? "First version" : v.change_note())});
  }
  history.blocks.push_back(std::move(versions));
  d.attribution = r.attribution();
  return d;
}

}  // namespace sixsteps::reporting::doc
