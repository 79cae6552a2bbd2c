// The scrutineer's report as plain functions: every lifecycle rule of the state machine
// over the record (draft -> shared -> answers -> resolutions -> published -> correction),
// what findings and recommendations must say, and who may do what.
#include "services/assessment/scrutiny_report_domain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::assessment {
namespace {

using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Role = auth::Role;
using Code = absl::StatusCode;

constexpr char kPolice[] = "partnerships/p1/organisations/police";
constexpr char kCouncil[] = "partnerships/p1/organisations/council";
constexpr char kLead[] = "users/lead";

FrameworkIndex Index() {
  fv1::FrameworkVersion version;
  for (const std::string step_id : {"s1", "s2"}) {
    fv1::Step* step = version.add_steps();
    step->set_id(step_id);
    for (int q = 1; q <= 4; ++q) step->add_questions()->set_id(step_id + ".q" + std::to_string(q));
  }
  return IndexOf(version);
}

v1::Finding AFinding(const std::string& id = "f-1") {
  v1::Finding f;
  f.set_id(id);
  f.set_title("Leadership is visible");
  f.set_narrative("The three partners chair the board in turn.");
  f.set_nature(v1::Finding::NATURE_STRENGTH);
  f.add_question_ids("s1.q1");
  return f;
}

v1::ScrutinyReport Draft() {
  v1::ScrutinyReport r;
  r.set_name("assessments/a-1/scrutinyReport/versions/1");
  r.set_assessment("assessments/a-1");
  r.set_version(1);
  r.set_state(v1::ScrutinyReport::STATE_DRAFT);
  r.set_lead_scrutineer(kLead);
  r.set_summary("A partnership that knows itself.");
  *r.add_findings() = AFinding();
  v1::Recommendation* rec = r.add_recommendations();
  rec->set_id("rec-1");
  rec->set_text("Publish the board's minutes");
  rec->add_finding_ids("f-1");
  return r;
}

v1::ScrutinyReport Shared() {
  v1::ScrutinyReport r = Draft();
  EXPECT_THAT(ShareReport(r, {kPolice, kCouncil}, absl::Now()), IsOk());
  return r;
}

v1::AnswerScrutinyReportRequest Answer(const std::string& org, v1::PartnerAnswer::Verdict verdict,
                                       const std::string& comment = "") {
  v1::AnswerScrutinyReportRequest a;
  a.set_parent("assessments/a-1");
  a.set_organisation(org);
  a.set_verdict(verdict);
  a.set_comment(comment);
  return a;
}

v1::ResolveScrutinyDisputeRequest Resolve(const std::string& org) {
  v1::ResolveScrutinyDisputeRequest r;
  r.set_organisation(org);
  r.set_outcome(v1::DisputeResolution::OUTCOME_NOT_UPHELD);
  r.set_note("The minutes show otherwise");
  return r;
}

// ---- The state machine ----

TEST(ScrutinyReportLifecycleTest, EachStepAppliesOnlyInItsState) {
  struct Case {
    ReportStep step;
    v1::ScrutinyReport::State allowed;
  };
  const std::vector<Case> cases = {
      {ReportStep::kEdit, v1::ScrutinyReport::STATE_DRAFT},
      {ReportStep::kShare, v1::ScrutinyReport::STATE_DRAFT},
      {ReportStep::kAnswer, v1::ScrutinyReport::STATE_SHARED},
      {ReportStep::kResolve, v1::ScrutinyReport::STATE_SHARED},
      {ReportStep::kPublish, v1::ScrutinyReport::STATE_SHARED},
      {ReportStep::kCorrect, v1::ScrutinyReport::STATE_PUBLISHED},
      {ReportStep::kAccept, v1::ScrutinyReport::STATE_PUBLISHED},
  };
  for (const Case& c : cases) {
    for (auto state : {v1::ScrutinyReport::STATE_DRAFT, v1::ScrutinyReport::STATE_SHARED,
                       v1::ScrutinyReport::STATE_PUBLISHED}) {
      v1::ScrutinyReport r = Draft();
      r.set_state(state);
      SCOPED_TRACE(static_cast<int>(c.step));
      SCOPED_TRACE(v1::ScrutinyReport::State_Name(state));
      if (state == c.allowed) {
        EXPECT_THAT(CheckReportStep(r, c.step), IsOk());
      } else {
        EXPECT_THAT(CheckReportStep(r, c.step), StatusIs(Code::kFailedPrecondition));
      }
    }
  }
}

TEST(ScrutinyReportLifecycleTest, APublishedVersionIsNeverEdited) {
  v1::ScrutinyReport r = Draft();
  r.set_state(v1::ScrutinyReport::STATE_PUBLISHED);
  EXPECT_THAT(CheckReportStep(r, ReportStep::kEdit),
              StatusIs(Code::kFailedPrecondition, "correct it"));
}

TEST(ScrutinyReportLifecycleTest, SharingAsksTheOrganisationsAndNeedsSummaryFindingAndPartner) {
  v1::ScrutinyReport r = Draft();
  ASSERT_THAT(ShareReport(r, {kPolice, kCouncil}, absl::Now()), IsOk());
  EXPECT_EQ(r.state(), v1::ScrutinyReport::STATE_SHARED);
  EXPECT_THAT(r.partners(), ElementsAre(kPolice, kCouncil));
  EXPECT_TRUE(r.has_share_time());

  v1::ScrutinyReport no_summary = Draft();
  no_summary.clear_summary();
  EXPECT_THAT(ShareReport(no_summary, {kPolice}, absl::Now()), StatusIs(Code::kFailedPrecondition));
  v1::ScrutinyReport no_finding = Draft();
  no_finding.clear_findings();
  EXPECT_THAT(ShareReport(no_finding, {kPolice}, absl::Now()), StatusIs(Code::kFailedPrecondition));
  v1::ScrutinyReport nobody = Draft();
  EXPECT_THAT(ShareReport(nobody, {}, absl::Now()), StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(nobody.state(), v1::ScrutinyReport::STATE_DRAFT);
}

TEST(ScrutinyReportLifecycleTest, EachPartnerAnswersOnceAndMayChangeItUntilResolved) {
  v1::ScrutinyReport r = Shared();
  ASSERT_THAT(
      ApplyAnswer(r, Answer(kPolice, v1::PartnerAnswer::VERDICT_ACCEPT), "users/p", absl::Now()),
      IsOk());
  ASSERT_THAT(ApplyAnswer(r, Answer(kPolice, v1::PartnerAnswer::VERDICT_DISPUTE, "Wrong date"),
                          "users/p", absl::Now()),
              IsOk());
  ASSERT_EQ(r.answers_size(), 1);
  EXPECT_EQ(r.answers(0).verdict(), v1::PartnerAnswer::VERDICT_DISPUTE);
  EXPECT_EQ(r.answers(0).answered_by(), "users/p");
  ASSERT_THAT(ApplyResolution(r, Resolve(kPolice), kLead, absl::Now()), IsOk());
  EXPECT_THAT(
      ApplyAnswer(r, Answer(kPolice, v1::PartnerAnswer::VERDICT_ACCEPT), "users/p", absl::Now()),
      StatusIs(Code::kFailedPrecondition));
}

TEST(ScrutinyReportLifecycleTest, AnswersNeedTheirTextAndAnAskedPartner) {
  v1::ScrutinyReport r = Shared();
  EXPECT_THAT(ApplyAnswer(r, Answer(kPolice, v1::PartnerAnswer::VERDICT_DISPUTE), "u", absl::Now()),
              StatusIs(Code::kInvalidArgument, "comment"));
  EXPECT_THAT(ApplyAnswer(r, Answer(kPolice, v1::PartnerAnswer::VERDICT_ACCEPT_WITH_COMMENT), "u",
                          absl::Now()),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(
      ApplyAnswer(r, Answer(kPolice, v1::PartnerAnswer::VERDICT_UNSPECIFIED), "u", absl::Now()),
      StatusIs(Code::kInvalidArgument, "verdict"));
  EXPECT_THAT(ApplyAnswer(r,
                          Answer(kPolice, v1::PartnerAnswer::VERDICT_ACCEPT,
                                 std::string(kMaxNoteLength + 1, 'x')),
                          "u", absl::Now()),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(
      ApplyAnswer(r,
                  Answer("partnerships/p1/organisations/school", v1::PartnerAnswer::VERDICT_ACCEPT),
                  "u", absl::Now()),
      StatusIs(Code::kNotFound));
  v1::AnswerScrutinyReportRequest unknown =
      Answer(kPolice, v1::PartnerAnswer::VERDICT_DISPUTE, "x");
  unknown.add_finding_ids("f-nope");
  EXPECT_THAT(ApplyAnswer(r, unknown, "u", absl::Now()), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(r.answers(), IsEmpty());
}

TEST(ScrutinyReportLifecycleTest, OnlyADisputeIsResolvedAndOnlyOnce) {
  v1::ScrutinyReport r = Shared();
  EXPECT_THAT(ApplyResolution(r, Resolve(kPolice), kLead, absl::Now()), StatusIs(Code::kNotFound));
  ASSERT_THAT(ApplyAnswer(r, Answer(kCouncil, v1::PartnerAnswer::VERDICT_ACCEPT), "u", absl::Now()),
              IsOk());
  EXPECT_THAT(ApplyResolution(r, Resolve(kCouncil), kLead, absl::Now()),
              StatusIs(Code::kFailedPrecondition));
  ASSERT_THAT(
      ApplyAnswer(r, Answer(kPolice, v1::PartnerAnswer::VERDICT_DISPUTE, "No"), "u", absl::Now()),
      IsOk());
  v1::ResolveScrutinyDisputeRequest no_note = Resolve(kPolice);
  no_note.clear_note();
  EXPECT_THAT(ApplyResolution(r, no_note, kLead, absl::Now()), StatusIs(Code::kInvalidArgument));
  v1::ResolveScrutinyDisputeRequest no_outcome = Resolve(kPolice);
  no_outcome.clear_outcome();
  EXPECT_THAT(ApplyResolution(r, no_outcome, kLead, absl::Now()), StatusIs(Code::kInvalidArgument));
  ASSERT_THAT(ApplyResolution(r, Resolve(kPolice), kLead, absl::Now()), IsOk());
  EXPECT_EQ(r.answers(1).resolution().resolved_by(), kLead);
  EXPECT_THAT(ApplyResolution(r, Resolve(kPolice), kLead, absl::Now()),
              StatusIs(Code::kFailedPrecondition));
}

TEST(ScrutinyReportLifecycleTest, PublishingWaitsForEveryDisputeToBeResolved) {
  v1::ScrutinyReport r = Shared();
  ASSERT_THAT(ApplyAnswer(r, Answer(kCouncil, v1::PartnerAnswer::VERDICT_ACCEPT), "u", absl::Now()),
              IsOk());
  ASSERT_THAT(
      ApplyAnswer(r, Answer(kPolice, v1::PartnerAnswer::VERDICT_DISPUTE, "No"), "u", absl::Now()),
      IsOk());
  EXPECT_THAT(PublishReport(r, "", kLead, absl::Now()),
              StatusIs(Code::kFailedPrecondition, "unresolved"));
  EXPECT_THAT(PublishReport(r, "anyway", kLead, absl::Now()), StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(r.state(), v1::ScrutinyReport::STATE_SHARED);
  ASSERT_THAT(ApplyResolution(r, Resolve(kPolice), kLead, absl::Now()), IsOk());
  ASSERT_THAT(PublishReport(r, "", kLead, absl::Now()), IsOk());
  EXPECT_EQ(r.state(), v1::ScrutinyReport::STATE_PUBLISHED);
  EXPECT_EQ(r.published_by(), kLead);
}

TEST(ScrutinyReportLifecycleTest, PublishingWithoutEveryAnswerNeedsAReason) {
  v1::ScrutinyReport r = Shared();
  ASSERT_THAT(ApplyAnswer(r, Answer(kCouncil, v1::PartnerAnswer::VERDICT_ACCEPT), "u", absl::Now()),
              IsOk());
  EXPECT_THAT(UnansweredPartners(r), ElementsAre(kPolice));
  EXPECT_THAT(PublishReport(r, "", kLead, absl::Now()),
              StatusIs(Code::kFailedPrecondition, kPolice));
  ASSERT_THAT(PublishReport(r, "Police did not answer within 4 weeks", kLead, absl::Now()), IsOk());
  EXPECT_EQ(r.unanswered_note(), "Police did not answer within 4 weeks");
}

TEST(ScrutinyReportLifecycleTest, ACorrectionIsANewDraftVersionWithItsNote) {
  v1::ScrutinyReport r = Shared();
  for (const char* org : {kPolice, kCouncil}) {
    ASSERT_THAT(ApplyAnswer(r, Answer(org, v1::PartnerAnswer::VERDICT_ACCEPT), "u", absl::Now()),
                IsOk());
  }
  ASSERT_THAT(PublishReport(r, "", kLead, absl::Now()), IsOk());
  v1::ScrutinyReport next = CorrectionOf(r, "The date of the audit was wrong", absl::Now());
  EXPECT_EQ(next.version(), 2);
  EXPECT_EQ(next.name(), "assessments/a-1/scrutinyReport/versions/2");
  EXPECT_EQ(next.state(), v1::ScrutinyReport::STATE_DRAFT);
  EXPECT_EQ(next.change_note(), "The date of the audit was wrong");
  EXPECT_THAT(next.answers(), IsEmpty());
  EXPECT_THAT(next.partners(), IsEmpty());
  EXPECT_EQ(next.findings_size(), 1);
  EXPECT_EQ(next.recommendations(0).id(), "rec-1");
  EXPECT_EQ(r.state(), v1::ScrutinyReport::STATE_PUBLISHED);  // the published one unchanged
}

TEST(ScrutinyReportLifecycleTest, ARecommendationIsAcceptedOnceFromAPublishedVersion) {
  v1::ScrutinyReport r = Draft();
  EXPECT_THAT(AcceptRecommendationIn(r, "rec-1", "users/admin", absl::Now()),
              StatusIs(Code::kFailedPrecondition));
  r.set_state(v1::ScrutinyReport::STATE_PUBLISHED);
  EXPECT_THAT(AcceptRecommendationIn(r, "rec-9", "users/admin", absl::Now()),
              StatusIs(Code::kNotFound));
  ASSERT_THAT(AcceptRecommendationIn(r, "rec-1", "users/admin", absl::Now()), IsOk());
  EXPECT_TRUE(r.recommendations(0).accepted());
  EXPECT_THAT(AcceptRecommendationIn(r, "rec-1", "users/admin", absl::Now()),
              StatusIs(Code::kFailedPrecondition));
}

// ---- What the report says ----

TEST(ScrutinyReportContentTest, ARecommendationWithoutAFindingIsRefused) {
  v1::ScrutinyReport r = Draft();
  r.mutable_recommendations(0)->clear_finding_ids();
  EXPECT_THAT(ValidateReportContent(r, Index()),
              StatusIs(Code::kInvalidArgument, "recommendations[0].finding_ids"));
  r.mutable_recommendations(0)->add_finding_ids("f-unknown");
  EXPECT_THAT(ValidateReportContent(r, Index()), StatusIs(Code::kInvalidArgument));
  r.mutable_recommendations(0)->set_finding_ids(0, "f-1");
  EXPECT_THAT(ValidateReportContent(r, Index()), IsOk());
}

TEST(ScrutinyReportContentTest, FindingsRestOnStepsAndQuestionsOfTheRoundsFramework) {
  v1::ScrutinyReport r = Draft();
  r.mutable_findings(0)->add_question_ids("s7.q1");
  EXPECT_THAT(ValidateReportContent(r, Index()), StatusIs(Code::kInvalidArgument, "question_ids"));
  r = Draft();
  r.mutable_findings(0)->add_step_ids("s9");
  EXPECT_THAT(ValidateReportContent(r, Index()), StatusIs(Code::kInvalidArgument, "step"));
  r = Draft();
  r.mutable_findings(0)->clear_question_ids();
  EXPECT_THAT(ValidateReportContent(r, Index()), StatusIs(Code::kInvalidArgument));
  r = Draft();
  r.mutable_findings(0)->set_nature(v1::Finding::NATURE_UNSPECIFIED);
  EXPECT_THAT(ValidateReportContent(r, Index()), StatusIs(Code::kInvalidArgument, "nature"));
}

TEST(ScrutinyReportContentTest, EveryTextHasALimit) {
  auto with = [](auto edit) {
    v1::ScrutinyReport r = Draft();
    edit(r);
    return ValidateReportContent(r, Index());
  };
  EXPECT_THAT(
      with([](v1::ScrutinyReport& r) { r.set_summary(std::string(kMaxSummaryLength + 1, 'x')); }),
      StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(with([](v1::ScrutinyReport& r) {
                r.mutable_findings(0)->set_title(std::string(kMaxTitleLength + 1, 'x'));
              }),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(with([](v1::ScrutinyReport& r) {
                r.mutable_findings(0)->set_narrative(std::string(kMaxTextLength + 1, 'x'));
              }),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(with([](v1::ScrutinyReport& r) {
                r.mutable_recommendations(0)->set_text(std::string(kMaxNoteLength + 1, 'x'));
              }),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(with([](v1::ScrutinyReport& r) {
                r.mutable_findings(0)->add_evidence()->set_description("Minutes");
                r.mutable_findings(0)->mutable_evidence(0)->set_link("ftp://x");
              }),
              StatusIs(Code::kInvalidArgument, "link"));
  EXPECT_THAT(with([](v1::ScrutinyReport& r) {
                r.mutable_findings(0)->add_evidence()->set_description("Their answer");
                r.mutable_findings(0)->mutable_evidence(0)->set_response(
                    "assessments/a-2/respondents/r-1/responses/s1.q1");
              }),
              StatusIs(Code::kInvalidArgument, "this round"));
  EXPECT_THAT(with([](v1::ScrutinyReport& r) {
                for (int i = 0; i < kMaxFindings; ++i)
                  *r.add_findings() = AFinding("f-x" + std::to_string(i));
              }),
              StatusIs(Code::kInvalidArgument, "at most"));
}

TEST(ScrutinyReportContentTest, TheLeadAmalgamatesOnlyScrutineersFindings) {
  v1::ScrutinyReport r = Draft();
  v1::ScrutineerContribution* own = r.add_contributions();
  own->set_scrutineer("users/second");
  *own->add_findings() = AFinding("f-own");
  r.mutable_findings(0)->add_amalgamates("f-own");
  EXPECT_THAT(ValidateReportContent(r, Index()), IsOk());
  r.mutable_findings(0)->add_amalgamates("f-nobody");
  EXPECT_THAT(ValidateReportContent(r, Index()), StatusIs(Code::kInvalidArgument, "amalgamates"));
  EXPECT_THAT(ValidateFindings(r.findings(), Index(), "a-1", {}, false, "findings"),
              StatusIs(Code::kInvalidArgument));
}

TEST(ScrutinyReportContentTest, NewFindingsAndRecommendationsGetIdsAndKeptOnesKeepTheirAuthor) {
  v1::ScrutinyReport r = Draft();
  r.mutable_findings(0)->set_author("users/first");
  google::protobuf::RepeatedPtrField<v1::Finding> edited = r.findings();
  v1::Finding added = AFinding("");
  *edited.Add() = added;
  AssignFindingIds(&edited, r.findings(), "users/second");
  EXPECT_EQ(edited[0].author(), "users/first");
  EXPECT_EQ(edited[1].author(), "users/second");
  EXPECT_THAT(edited[1].id(), ::testing::StartsWith("f-"));

  r.mutable_recommendations(0)->set_accepted(true);
  google::protobuf::RepeatedPtrField<v1::Recommendation> recs;
  v1::Recommendation* forged = recs.Add();
  forged->set_text("New");
  forged->set_accepted(true);  // acceptance is never the editor's to set
  v1::Recommendation* kept = recs.Add();
  kept->set_id("rec-1");
  AssignRecommendationIds(&recs, r.recommendations());
  EXPECT_FALSE(recs[0].accepted());
  EXPECT_THAT(recs[0].id(), ::testing::StartsWith("rec-"));
  EXPECT_TRUE(recs[1].accepted());
}

TEST(ScrutinyReportContentTest, RecommendationNamesRoundTrip) {
  EXPECT_EQ(RecommendationName("a-1", "rec-2"),
            "assessments/a-1/scrutinyReport/recommendations/rec-2");
  absl::StatusOr<ChildName> parsed =
      ParseRecommendationName("assessments/a-1/scrutinyReport/recommendations/rec-2", "name");
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->assessment_id, "a-1");
  EXPECT_EQ(parsed->id, "rec-2");
  EXPECT_THAT(ParseRecommendationName("assessments/a-1/recommendations/rec-2", "name"),
              StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ParsePartnershipChild("partnerships/p1/scrutinyConcerns/sc-1", kDrafts, "name"),
              StatusIs(Code::kInvalidArgument));
}

// ---- Who ----

Caller WithGrant(Role role, const std::string& partnership, const std::string& org = "") {
  Caller caller;
  caller.principal = "users/someone";
  auth::Grant grant;
  grant.role = role;
  grant.region = "r1";
  grant.partnership = partnership;
  grant.organisation = org;
  caller.grants.push_back(grant);
  return caller;
}

TEST(ScrutinyReportWhoTest, APartnerAnswersOnlyForItsOwnOrganisation) {
  Caller police = WithGrant(Role::ROLE_PARTNER_RESPONDENT, "p1", "police");
  EXPECT_THAT(CheckCanAnswerFor(police, "p1", kPolice), IsOk());
  EXPECT_THAT(CheckCanAnswerFor(police, "p1", kCouncil), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(CheckCanAnswerFor(police, "p1", "partnerships/p2/organisations/police"),
              StatusIs(Code::kPermissionDenied));
  Caller owner = WithGrant(Role::ROLE_ACTION_OWNER, "p1", "police");
  EXPECT_THAT(CheckCanAnswerFor(owner, "p1", kPolice), StatusIs(Code::kPermissionDenied));
}

TEST(ScrutinyReportWhoTest, TheLeadAndTheRoundsScrutineers) {
  Caller lead;
  lead.principal = kLead;
  Caller other;
  other.principal = "users/other";
  v1::ScrutinyReport r = Draft();
  EXPECT_THAT(CheckIsLead(lead, r), IsOk());
  EXPECT_THAT(CheckIsLead(other, r), StatusIs(Code::kPermissionDenied));
  std::vector<v1::Respondent> respondents(2);
  respondents[0].set_organisation(kPolice);
  respondents[1].set_scrutineer(kLead);
  EXPECT_TRUE(IsRoundScrutineer(lead, respondents));
  EXPECT_FALSE(IsRoundScrutineer(other, respondents));
  respondents.push_back(respondents[0]);
  EXPECT_THAT(OrganisationRespondents(respondents), ElementsAre(kPolice));
}

TEST(ScrutinyReportWhoTest, DraftsAreSeenOnlyByThePartnershipsScrutineers) {
  v1::Assessment round;
  round.set_partnership("partnerships/p1");
  round.set_region("regions/r1");
  v1::ScrutinyReport r = Draft();
  EXPECT_TRUE(CanSeeVersion(WithGrant(Role::ROLE_INDEPENDENT_SCRUTINEER, "p1"), round, r));
  EXPECT_FALSE(CanSeeVersion(WithGrant(Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "p1"), round, r));
  r.set_state(v1::ScrutinyReport::STATE_SHARED);
  EXPECT_TRUE(CanSeeVersion(WithGrant(Role::ROLE_VIEWER, "p1"), round, r));
}

TEST(ScrutinyReportWhoTest, ConcernsAndDrafts) {
  Caller police = WithGrant(Role::ROLE_PARTNER_RESPONDENT, "p1", "police");
  Caller viewer = WithGrant(Role::ROLE_VIEWER, "p1");
  Caller admin = WithGrant(Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "p1");
  Caller scrutineer = WithGrant(Role::ROLE_INDEPENDENT_SCRUTINEER, "p1");
  EXPECT_THAT(CheckCanRaiseConcern(police, "r1", "p1"), IsOk());
  EXPECT_THAT(CheckCanRaiseConcern(viewer, "r1", "p1"), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(CheckCanRaiseConcern(scrutineer, "r1", "p1"), StatusIs(Code::kPermissionDenied));
  EXPECT_TRUE(SeesEveryConcern(admin, "r1", "p1"));
  EXPECT_FALSE(SeesEveryConcern(scrutineer, "r1", "p1"));
  EXPECT_THAT(CheckCanSettleConcern(police, "r1", "p1"), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(CheckCanAttachDraft(admin, "r1", "p1"), IsOk());
  EXPECT_THAT(CheckCanAttachDraft(scrutineer, "r1", "p1"), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(CheckCanCommentOnDraft(scrutineer, "p1"), IsOk());
  EXPECT_THAT(CheckCanCommentOnDraft(admin, "p1"), StatusIs(Code::kPermissionDenied));

  v1::AnnualReportDraft draft;
  draft.set_title("Annual report 2025-26");
  draft.set_year("2025-26");
  EXPECT_THAT(ValidateDraft(draft), StatusIs(Code::kInvalidArgument, "text or a link"));
  draft.set_link("javascript:alert(1)");
  EXPECT_THAT(ValidateDraft(draft), StatusIs(Code::kInvalidArgument));
  draft.set_link("https://example.org/draft.pdf");
  EXPECT_THAT(ValidateDraft(draft), IsOk());
  draft.set_text(std::string(kMaxDraftTextLength + 1, 'x'));
  EXPECT_THAT(ValidateDraft(draft), StatusIs(Code::kInvalidArgument));
}

}  // namespace
}  // namespace sixsteps::assessment
