// The ScrutinyReportService end to end, over gRPC against real PostgreSQL databases: the
// scrutineer's report from draft to publication and correction, each refusal with nothing
// written, versions, amalgamation across scrutineers, recommendations becoming actions
// (the link read both ways), the concerns log and the annual report's drafts.
#include "services/assessment/scrutiny_report_domain.h"
#include "tests/integration/scrutiny_report_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

using ::testing::UnorderedElementsAre;

// ---- The whole lifecycle ----

TEST_F(ScrutinyReportTest, DraftSharedAnsweredResolvedPublishedCorrected) {
  const int64_t start = FeedHead();
  av1::ScrutinyReport draft = Create();
  EXPECT_EQ(draft.name(), absl::StrCat(round_.name(), "/scrutinyReport/versions/1"));
  EXPECT_EQ(draft.state(), av1::ScrutinyReport::STATE_DRAFT);
  EXPECT_EQ(draft.lead_scrutineer(), scrutineer_user_);
  EXPECT_EQ(draft.partnership(), kPartnership);

  // A draft is the scrutineers' alone.
  av1::GetScrutinyReportRequest get;
  get.set_parent(round_.name());
  av1::ScrutinyReport seen;
  EXPECT_THAT(S(&SStub::GetScrutinyReport, respondent_[kLa], get, &seen),
              StatusIs(Code::kNotFound));

  av1::ScrutinyReport edited;
  ASSERT_THAT(Edit(draft, &edited), IsOk());
  ASSERT_EQ(edited.findings_size(), 1);
  EXPECT_EQ(edited.findings(0).author(), scrutineer_user_);
  ASSERT_EQ(edited.recommendations_size(), 1);
  EXPECT_THAT(edited.recommendations(0).finding_ids(), ElementsAre(edited.findings(0).id()));

  av1::ScrutinyReport shared = Share(edited);
  EXPECT_EQ(shared.state(), av1::ScrutinyReport::STATE_SHARED);
  EXPECT_THAT(shared.partners(), UnorderedElementsAre(Org(kLa), Org(kPolice)));
  EXPECT_THAT(S(&SStub::GetScrutinyReport, respondent_[kLa], get, &seen), IsOk());

  av1::ScrutinyReport answered;
  ASSERT_THAT(AnswerAs(respondent_[kLa], kLa, av1::PartnerAnswer::VERDICT_ACCEPT_WITH_COMMENT,
                       "Accurate; the plan is now signed", &answered),
              IsOk());
  ASSERT_THAT(AnswerAs(respondent_[kPolice], kPolice, av1::PartnerAnswer::VERDICT_DISPUTE,
                       "The audit finished in February", &answered),
              IsOk());
  ASSERT_EQ(answered.answers_size(), 2);
  EXPECT_EQ(answered.answers(1).answered_by(), PrincipalOf(respondent_[kPolice]));

  av1::ScrutinyReport resolved = Resolve(kPolice);
  EXPECT_EQ(resolved.answers(1).resolution().outcome(), av1::DisputeResolution::OUTCOME_NOT_UPHELD);
  av1::ScrutinyReport published;
  ASSERT_THAT(Publish(resolved, &published), IsOk());
  EXPECT_EQ(published.state(), av1::ScrutinyReport::STATE_PUBLISHED);
  EXPECT_EQ(published.published_by(), scrutineer_user_);

  av1::CorrectScrutinyReportRequest correct;
  correct.set_parent(round_.name());
  correct.set_change_note("The audit's date was wrong");
  av1::ScrutinyReport v2 = MustS(&SStub::CorrectScrutinyReport, scrutineer_, correct);
  EXPECT_EQ(v2.version(), 2);
  EXPECT_EQ(v2.state(), av1::ScrutinyReport::STATE_DRAFT);
  EXPECT_EQ(v2.change_note(), "The audit's date was wrong");
  EXPECT_EQ(v2.findings(0).id(), published.findings(0).id());

  // Every version stays readable: the scrutineer sees both, a partner the published one.
  av1::ListScrutinyReportVersionsRequest list;
  list.set_parent(round_.name());
  list.set_page_size(1);
  auto page = MustS(&SStub::ListScrutinyReportVersions, scrutineer_, list);
  ASSERT_EQ(page.reports_size(), 1);
  EXPECT_EQ(page.reports(0).version(), 1);
  ASSERT_FALSE(page.next_page_token().empty());
  list.set_page_token(page.next_page_token());
  page = MustS(&SStub::ListScrutinyReportVersions, scrutineer_, list);
  ASSERT_EQ(page.reports_size(), 1);
  EXPECT_EQ(page.reports(0).version(), 2);
  EXPECT_TRUE(page.next_page_token().empty());
  list.clear_page_token();
  list.set_page_size(0);
  page = MustS(&SStub::ListScrutinyReportVersions, respondent_[kPolice], list);
  ASSERT_EQ(page.reports_size(), 1);
  EXPECT_EQ(page.reports(0).state(), av1::ScrutinyReport::STATE_PUBLISHED);
  av1::ScrutinyReport v1 = Latest(respondent_[kPolice]);
  EXPECT_EQ(v1.version(), 1);
  EXPECT_EQ(v1.answers(1).resolution().note(), resolved.answers(1).resolution().note());
  EXPECT_EQ(Latest(scrutineer_, 1).state(), av1::ScrutinyReport::STATE_PUBLISHED);

  EXPECT_THAT(
      KindsAfter(start),
      ElementsAre(
          av1::CHANGE_KIND_SCRUTINY_REPORT_CHANGED, av1::CHANGE_KIND_SCRUTINY_REPORT_CHANGED,
          av1::CHANGE_KIND_SCRUTINY_REPORT_CHANGED, av1::CHANGE_KIND_SCRUTINY_REPORT_SHARED,
          av1::CHANGE_KIND_SCRUTINY_REPORT_ANSWERED, av1::CHANGE_KIND_SCRUTINY_REPORT_ANSWERED,
          av1::CHANGE_KIND_SCRUTINY_DISPUTE_RESOLVED, av1::CHANGE_KIND_SCRUTINY_REPORT_PUBLISHED,
          av1::CHANGE_KIND_SCRUTINY_REPORT_CORRECTED));
  // The feed shows the new draft version to the scrutineers only, as GetScrutinyReport
  // does: to others the change comes with its record cleared.
  std::vector<av1::Change> changes = AllChanges(scrutineer_, start);
  EXPECT_EQ(changes.back().scrutiny_report().version(), 2);
  EXPECT_EQ(changes.back().assessment(), round_.name());
  changes = AllChanges(hub_->admin_token(), start);
  EXPECT_FALSE(changes.back().has_scrutiny_report());
  EXPECT_EQ(changes[changes.size() - 2].scrutiny_report().state(),
            av1::ScrutinyReport::STATE_PUBLISHED);
}

// ---- Refusals: each a precise status, and nothing written ----

TEST_F(ScrutinyReportTest, ARecommendationWithoutAFindingIsInvalidAndWritesNothing) {
  av1::ScrutinyReport draft = Create();
  av1::ScrutinyReport edited;
  ASSERT_THAT(Edit(draft, &edited), IsOk());
  const std::string before = ReportFingerprint();
  av1::UpdateScrutinyReportRequest request;
  request.set_parent(round_.name());
  request.set_etag(edited.etag());
  request.set_summary("Changed");
  *request.mutable_findings() = edited.findings();
  request.add_recommendations()->set_text("Do better");
  av1::ScrutinyReport written;
  EXPECT_THAT(S(&SStub::UpdateScrutinyReport, scrutineer_, request, &written),
              StatusIs(Code::kInvalidArgument, "finding"));
  // A question the round's framework does not have.
  request.mutable_recommendations(0)->add_finding_ids(edited.findings(0).id());
  request.mutable_findings(0)->add_question_ids("s9.q9");
  EXPECT_THAT(S(&SStub::UpdateScrutinyReport, scrutineer_, request, &written),
              StatusIs(Code::kInvalidArgument, "s9.q9"));
  EXPECT_EQ(ReportFingerprint(), before);
}

TEST_F(ScrutinyReportTest, APartnerAnsweringForAnotherIsDeniedAndWritesNothing) {
  SharedReport();
  const std::string before = ReportFingerprint();
  av1::ScrutinyReport written;
  EXPECT_THAT(AnswerAs(respondent_[kPolice], kLa, av1::PartnerAnswer::VERDICT_DISPUTE,
                       "Not our words", &written),
              StatusIs(Code::kPermissionDenied));
  // The school is not a respondent of the round, so it was not asked.
  EXPECT_THAT(
      AnswerAs(respondent_[kSchool], kSchool, av1::PartnerAnswer::VERDICT_ACCEPT, "", &written),
      StatusIs(Code::kNotFound));
  // Another tenant sees nothing.
  EXPECT_THAT(AnswerAs(outsider_, kPolice, av1::PartnerAnswer::VERDICT_ACCEPT, "", &written),
              StatusIs(Code::kNotFound));
  EXPECT_EQ(ReportFingerprint(), before);
}

TEST_F(ScrutinyReportTest, PublishingWithAnUnresolvedDisputeFailsAndWritesNothing) {
  SharedReport();
  av1::ScrutinyReport answered;
  ASSERT_THAT(AnswerAs(respondent_[kLa], kLa, av1::PartnerAnswer::VERDICT_ACCEPT, "", &answered),
              IsOk());
  ASSERT_THAT(AnswerAs(respondent_[kPolice], kPolice, av1::PartnerAnswer::VERDICT_DISPUTE, "Wrong",
                       &answered),
              IsOk());
  const std::string before = ReportFingerprint();
  av1::ScrutinyReport published;
  EXPECT_THAT(Publish(answered, &published, "regardless"),
              StatusIs(Code::kFailedPrecondition, "unresolved"));
  EXPECT_EQ(ReportFingerprint(), before);
}

TEST_F(ScrutinyReportTest, PublishingBeforeEveryPartnerAnsweredNeedsANote) {
  av1::ScrutinyReport shared = SharedReport();
  av1::ScrutinyReport answered;
  ASSERT_THAT(AnswerAs(respondent_[kLa], kLa, av1::PartnerAnswer::VERDICT_ACCEPT, "", &answered),
              IsOk());
  const std::string before = ReportFingerprint();
  av1::ScrutinyReport published;
  EXPECT_THAT(Publish(answered, &published), StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(ReportFingerprint(), before);
  ASSERT_THAT(Publish(answered, &published, "Police did not answer in 4 weeks"), IsOk());
  EXPECT_EQ(published.unanswered_note(), "Police did not answer in 4 weeks");
}

TEST_F(ScrutinyReportTest, APublishedVersionIsImmutable) {
  av1::ScrutinyReport published = PublishedReport();
  const std::string before = ReportFingerprint();
  av1::ScrutinyReport written;
  EXPECT_THAT(Edit(published, &written), StatusIs(Code::kFailedPrecondition));
  av1::SetScrutineerFindingsRequest own;
  own.set_parent(round_.name());
  own.set_etag(published.etag());
  *own.add_findings() = Finding("Late", "s1.q1");
  EXPECT_THAT(S(&SStub::SetScrutineerFindings, scrutineer_, own, &written),
              StatusIs(Code::kFailedPrecondition));
  EXPECT_THAT(
      AnswerAs(respondent_[kLa], kLa, av1::PartnerAnswer::VERDICT_DISPUTE, "Late", &written),
      StatusIs(Code::kFailedPrecondition));
  EXPECT_EQ(ReportFingerprint(), before);
}

TEST_F(ScrutinyReportTest, OnlyTheRoundsScrutineersWriteAndOnlyTheLeadDecides) {
  av1::CreateScrutinyReportRequest create;
  create.set_parent(round_.name());
  av1::ScrutinyReport written;
  const std::string before = ReportFingerprint();
  EXPECT_THAT(S(&SStub::CreateScrutinyReport, admin_, create, &written),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(S(&SStub::CreateScrutinyReport, outsider_, create, &written),
              StatusIs(Code::kNotFound));
  EXPECT_EQ(ReportFingerprint(), before);
  Create();
  EXPECT_THAT(S(&SStub::CreateScrutinyReport, scrutineer_, create, &written),
              StatusIs(Code::kAlreadyExists));
}

// ---- Several scrutineers (c3) ----

TEST_F(ScrutinyReportTest, EachScrutineerKeepsTheirFindingsAndTheLeadAmalgamates) {
  const std::string second =
      MustUser("second@sunderland.test", {{Role::ROLE_INDEPENDENT_SCRUTINEER, kPartnership, ""}});
  av1::Respondent respondent;
  respondent.set_scrutineer(PrincipalOf(second));
  av1::Respondent added;
  ASSERT_THAT(AddRespondent(admin_, round_, respondent, &added), IsOk());
  av1::ScrutinyReport draft = Create();

  av1::SetScrutineerFindingsRequest own;
  own.set_parent(round_.name());
  own.set_etag(draft.etag());
  *own.add_findings() = Finding("Health attends rarely", "s2.q1");
  av1::ScrutinyReport with_second = MustS(&SStub::SetScrutineerFindings, second, own);
  ASSERT_EQ(with_second.contributions_size(), 1);
  const av1::Finding& theirs = with_second.contributions(0).findings(0);
  EXPECT_EQ(theirs.author(), PrincipalOf(second));

  // The second scrutineer is not the lead: the report's own text is not theirs to write.
  av1::ScrutinyReport written;
  EXPECT_THAT(Edit(with_second, &written, false, second), StatusIs(Code::kPermissionDenied));

  av1::UpdateScrutinyReportRequest amalgamate;
  amalgamate.set_parent(round_.name());
  amalgamate.set_etag(with_second.etag());
  amalgamate.set_summary("Two scrutineers' view");
  av1::Finding joint = Finding("Health's attendance", "s2.q1");
  joint.add_amalgamates(theirs.id());
  *amalgamate.add_findings() = joint;
  av1::ScrutinyReport amalgamated = MustS(&SStub::UpdateScrutinyReport, scrutineer_, amalgamate);
  EXPECT_THAT(amalgamated.findings(0).amalgamates(), ElementsAre(theirs.id()));
  // Both stay visible.
  av1::ScrutinyReport read = Latest();
  EXPECT_EQ(read.contributions(0).findings(0).title(), "Health attends rarely");
  EXPECT_EQ(read.findings(0).title(), "Health's attendance");
}

// ---- Recommendations become actions ----

TEST_F(ScrutinyReportTest, AnAcceptedRecommendationBecomesActionsLinkedBothWays) {
  av1::ScrutinyReport published = PublishedReport();
  const std::string rec = absl::StrCat(round_.name(), "/scrutinyReport/recommendations/",
                                       published.recommendations(0).id());
  av1::AcceptRecommendationRequest accept =
      AcceptAsPoliceActions(rec, {"2026-06-30", "2026-09-30"});
  // A partner may not plan; nothing is written.
  const std::string before = ReportFingerprint();
  av1::AcceptRecommendationResponse refused;
  EXPECT_THAT(S(&SStub::AcceptRecommendation, respondent_[kPolice], accept, &refused),
              StatusIs(Code::kPermissionDenied));
  EXPECT_EQ(ReportFingerprint(), before);

  av1::AcceptRecommendationResponse accepted = MustS(&SStub::AcceptRecommendation, admin_, accept);
  ASSERT_EQ(accepted.actions_size(), 2);
  EXPECT_TRUE(accepted.report().recommendations(0).accepted());
  EXPECT_EQ(accepted.report().recommendations(0).actions_size(), 2);

  // The tracker shows which recommendation an action answers.
  acv1::GetActionRequest get_action;
  get_action.set_name(accepted.actions(0).name());
  acv1::Action action;
  ASSERT_THAT(
      Invoke(actions_.get(), &acv1::ActionService::Stub::GetAction, admin_, get_action, &action),
      IsOk());
  EXPECT_EQ(action.recommendation(), rec);
  EXPECT_EQ(action.assessment(), round_.name());

  // The report shows each recommendation's actions and where they stand.
  acv1::CompleteActionRequest done;
  done.set_name(action.name());
  done.set_completion_note("Audit complete");
  done.set_etag(action.etag());
  ASSERT_THAT(Invoke(actions_.get(), &acv1::ActionService::Stub::CompleteAction,
                     respondent_[kPolice], done, &action),
              IsOk());
  av1::ScrutinyReport read = Latest(respondent_[kLa]);
  ASSERT_EQ(read.recommendations(0).actions_size(), 2);
  std::map<std::string, acv1::Action::Status> statuses;
  for (const auto& link : read.recommendations(0).actions())
    statuses[link.action()] = link.status();
  EXPECT_EQ(statuses[accepted.actions(0).name()], acv1::Action::STATUS_DONE);
  EXPECT_EQ(statuses[accepted.actions(1).name()], acv1::Action::STATUS_PLANNED);

  // Accepted once.
  EXPECT_THAT(S(&SStub::AcceptRecommendation, admin_, accept, &refused),
              StatusIs(Code::kFailedPrecondition));
  // A correction keeps the acceptance.
  av1::CorrectScrutinyReportRequest correct;
  correct.set_parent(round_.name());
  correct.set_change_note("Typo");
  EXPECT_TRUE(
      MustS(&SStub::CorrectScrutinyReport, scrutineer_, correct).recommendations(0).accepted());
}

// ---- Concerns about the scrutiny (c4) ----

TEST_F(ScrutinyReportTest, ConcernsAreLoggedWithTheirOutcomeForTheRegionsHubAdministrators) {
  const int64_t start = FeedHead();
  av1::RaiseScrutinyConcernRequest raise;
  raise.set_partnership(kPartnership);
  raise.set_assessment(round_.name());
  raise.set_text("The scrutineer did not meet the police lead");
  av1::ScrutinyConcern concern = MustS(&SStub::RaiseScrutinyConcern, respondent_[kPolice], raise);
  EXPECT_EQ(concern.raised_by(), PrincipalOf(respondent_[kPolice]));
  EXPECT_EQ(concern.region(), absl::StrCat("regions/", kRegion));

  av1::ScrutinyConcern refused;
  EXPECT_THAT(S(&SStub::RaiseScrutinyConcern, outsider_, raise, &refused),
              StatusIs(Code::kNotFound));
  EXPECT_THAT(S(&SStub::RaiseScrutinyConcern, scrutineer_, raise, &refused),
              StatusIs(Code::kPermissionDenied));
  raise.set_text(std::string(sixsteps::assessment::kMaxConcernLength + 1, 'x'));
  EXPECT_THAT(S(&SStub::RaiseScrutinyConcern, respondent_[kPolice], raise, &refused),
              StatusIs(Code::kInvalidArgument));

  av1::ListScrutinyConcernsRequest list;
  list.set_partnership(kPartnership);
  EXPECT_EQ(MustS(&SStub::ListScrutinyConcerns, hub_admin_, list).concerns_size(), 1);
  EXPECT_EQ(MustS(&SStub::ListScrutinyConcerns, admin_, list).concerns_size(), 1);
  EXPECT_EQ(MustS(&SStub::ListScrutinyConcerns, respondent_[kPolice], list).concerns_size(), 1);
  EXPECT_EQ(MustS(&SStub::ListScrutinyConcerns, scrutineer_, list).concerns_size(), 0);
  EXPECT_EQ(MustS(&SStub::ListScrutinyConcerns, respondent_[kLa], list).concerns_size(), 0);

  av1::RecordScrutinyConcernOutcomeRequest outcome;
  outcome.set_name(concern.name());
  outcome.set_outcome("Met on 3 June; the scrutineer will meet every lead");
  EXPECT_THAT(S(&SStub::RecordScrutinyConcernOutcome, respondent_[kPolice], outcome, &refused),
              StatusIs(Code::kPermissionDenied));
  av1::ScrutinyConcern settled = MustS(&SStub::RecordScrutinyConcernOutcome, hub_admin_, outcome);
  EXPECT_EQ(settled.outcome_by(), PrincipalOf(hub_admin_));
  EXPECT_THAT(KindsAfter(start), ElementsAre(av1::CHANGE_KIND_SCRUTINY_CONCERN_RAISED,
                                             av1::CHANGE_KIND_SCRUTINY_CONCERN_OUTCOME));
}

// ---- The annual report's drafts (c16) ----

TEST_F(ScrutinyReportTest, ADraftOfTheAnnualReportKeepsTheScrutineersComments) {
  av1::AttachAnnualReportDraftRequest attach;
  attach.set_partnership(kPartnership);
  attach.mutable_draft()->set_title("Annual report 2025-26, draft 1");
  attach.mutable_draft()->set_year("2025-26");
  av1::AnnualReportDraft refused;
  EXPECT_THAT(S(&SStub::AttachAnnualReportDraft, admin_, attach, &refused),
              StatusIs(Code::kInvalidArgument, "text or a link"));
  attach.mutable_draft()->set_link("https://example.org/annual-draft-1.docx");
  EXPECT_THAT(S(&SStub::AttachAnnualReportDraft, scrutineer_, attach, &refused),
              StatusIs(Code::kPermissionDenied));
  av1::AnnualReportDraft draft = MustS(&SStub::AttachAnnualReportDraft, admin_, attach);

  av1::CommentOnAnnualReportDraftRequest comment;
  comment.set_name(draft.name());
  comment.set_text("Say who employs the scrutineer");
  MustS(&SStub::CommentOnAnnualReportDraft, scrutineer_, comment);
  comment.set_text("Add last year's actions");
  MustS(&SStub::CommentOnAnnualReportDraft, scrutineer_, comment);
  EXPECT_THAT(S(&SStub::CommentOnAnnualReportDraft, respondent_[kPolice], comment, &refused),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(S(&SStub::CommentOnAnnualReportDraft, outsider_, comment, &refused),
              StatusIs(Code::kNotFound));

  av1::GetAnnualReportDraftRequest get;
  get.set_name(draft.name());
  av1::AnnualReportDraft read = MustS(&SStub::GetAnnualReportDraft, respondent_[kPolice], get);
  ASSERT_EQ(read.comments_size(), 2);
  EXPECT_EQ(read.comments(0).text(), "Say who employs the scrutineer");
  EXPECT_EQ(read.comments(1).author(), scrutineer_user_);
  av1::ListAnnualReportDraftsRequest list;
  list.set_partnership(kPartnership);
  EXPECT_EQ(MustS(&SStub::ListAnnualReportDrafts, hub_admin_, list).drafts_size(), 1);
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
