// The programme of rounds end to end: a planned round opens on its date exactly once (across
// a restart, and with two openers racing), with its standing respondents, the answers
// carried forward and their confirmation before submission, and response deadlines that
// lock answers until a partnership administrator extends them.
#include "tests/integration/programme_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

TEST_F(ProgrammeTest, OpensOnItsDateOnceAcrossARestartAndPlansTheNextYear) {
  Plan plan = MustPlan(NewPlan(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, {kLa, kPolice}));
  const int64_t head = FeedHead();
  // Not before its date.
  EXPECT_THAT(OpenOn("2030-03-31"), IsEmpty());
  EXPECT_THAT(Rounds(), IsEmpty());
  EXPECT_EQ(FeedHead(), head);

  // On its date a replica opens it...
  EXPECT_THAT(OpenOn(kOpens), ElementsAre(plan.name()));
  // ...and after a restart (a new replica, new connections) nothing opens again, that day or
  // any later day, though the next year's round is planned.
  EXPECT_THAT(OpenOn(kOpens), IsEmpty());
  EXPECT_THAT(OpenOn("2030-12-31"), IsEmpty());
  std::vector<av1::Assessment> rounds = Rounds();
  ASSERT_THAT(rounds, SizeIs(1));
  const av1::Assessment& round = rounds[0];
  EXPECT_EQ(round.kind(), av1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  EXPECT_EQ(round.title(), plan.title());
  EXPECT_EQ(round.framework_version(), kBuiltIn);
  EXPECT_EQ(round.state(), av1::Assessment::STATE_DRAFT);
  EXPECT_EQ(round.planned_round(), plan.name());
  EXPECT_EQ(round.response_deadline(), kDeadline);
  EXPECT_EQ(round.report_due_date(), "2030-06-30");
  EXPECT_EQ(round.creator(), "system");
  std::vector<av1::Respondent> respondents = RespondentsOf(round.name());
  ASSERT_THAT(respondents, SizeIs(2));
  std::set<std::string> orgs;
  for (const auto& r : respondents) {
    orgs.insert(r.organisation());
    EXPECT_EQ(r.response_deadline(), kDeadline);
  }
  EXPECT_THAT(orgs, ElementsAre(Org(kLa), Org(kPolice)));

  Plan opened = GetPlan(plan.name());
  EXPECT_EQ(opened.state(), Plan::STATE_OPENED);
  EXPECT_EQ(opened.assessment(), round.name());
  ASSERT_FALSE(opened.next_planned_round().empty());
  Plan next = GetPlan(opened.next_planned_round());
  EXPECT_EQ(next.state(), Plan::STATE_PLANNED);
  EXPECT_EQ(next.open_date(), "2031-04-01");
  EXPECT_EQ(next.period_start(), "2030-04-01");
  EXPECT_EQ(next.response_deadline(), "2031-05-31");
  EXPECT_EQ(next.previous_planned_round(), plan.name());
  EXPECT_THAT(Plans(), SizeIs(2));
  // An opened planned round is read-only.
  av1::CancelPlannedRoundRequest cancel;
  cancel.set_name(plan.name());
  cancel.set_reason("too late");
  Plan out;
  EXPECT_THAT(PCall(&PStub::CancelPlannedRound, admin_, cancel, &out),
              StatusIs(Code::kFailedPrecondition, "opened"));

  // The feed has the whole opening, in one transaction's consecutive sequences.
  std::vector<av1::Change> changes = AllChanges(hub_->admin_token(), head);
  std::vector<av1::ChangeKind> kinds;
  for (const auto& c : changes) kinds.push_back(c.kind());
  EXPECT_THAT(kinds,
              ElementsAre(av1::CHANGE_KIND_ASSESSMENT_CREATED, av1::CHANGE_KIND_RESPONDENT_ADDED,
                          av1::CHANGE_KIND_RESPONDENT_ADDED, av1::CHANGE_KIND_PLANNED_ROUND_OPENED,
                          av1::CHANGE_KIND_PLANNED_ROUND_CREATED));
  for (size_t i = 1; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].sequence(), changes[i - 1].sequence() + 1);
  }
  EXPECT_EQ(changes[3].assessment(), round.name());
  EXPECT_EQ(changes[3].planned_round().state(), Plan::STATE_OPENED);
  EXPECT_EQ(changes[4].planned_round().name(), next.name());
}

TEST_F(ProgrammeTest, TwoOpenersRacingOpenEachPlannedRoundOnce) {
  std::set<std::string> planned;
  for (int i = 0; i < 6; ++i) {
    av1::CreatePlannedRoundRequest request = NewPlan();
    request.mutable_planned_round()->set_cadence(Plan::CADENCE_ONE_OFF);
    request.mutable_planned_round()->set_title(absl::StrCat("Round ", i));
    planned.insert(MustPlan(request).name());
  }
  clock_.SetDay(kOpens);
  Replica first(hub_->assessment_database_url(), &clock_);
  Replica second(hub_->assessment_database_url(), &clock_);
  absl::StatusOr<std::vector<std::string>> by_first, by_second;
  std::thread a([&] { by_first = first.opener.OpenDue(); });
  std::thread b([&] { by_second = second.opener.OpenDue(); });
  a.join();
  b.join();
  ASSERT_THAT(by_first, IsOk());
  ASSERT_THAT(by_second, IsOk());
  std::multiset<std::string> opened(by_first->begin(), by_first->end());
  opened.insert(by_second->begin(), by_second->end());
  EXPECT_EQ(opened, std::multiset<std::string>(planned.begin(), planned.end()));
  std::vector<av1::Assessment> rounds = Rounds();
  ASSERT_THAT(rounds, SizeIs(6));
  std::set<std::string> from;
  for (const auto& r : rounds) from.insert(r.planned_round());
  EXPECT_EQ(from, planned);
}

TEST_F(ProgrammeTest, TheBackgroundOpenerOpensWhatIsDueWhenStarted) {
  Plan plan = MustPlan(NewPlan());
  clock_.SetDay(kOpens);
  Replica replica(hub_->assessment_database_url(), &clock_);
  replica.opener.Start();  // a pass at once, then hourly
  // Wait (not a timed assertion: the bound only ends a hung test) for the first pass.
  for (int i = 0; i < 300 && GetPlan(plan.name()).state() != Plan::STATE_OPENED; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  replica.opener.Stop();
  EXPECT_EQ(GetPlan(plan.name()).state(), Plan::STATE_OPENED);
  EXPECT_THAT(Rounds(), SizeIs(1));
}

TEST_F(ProgrammeTest, CarriedForwardAnswersMustBeConfirmedBeforeSubmission) {
  // Last year's finalised self-assessment: the local authority answered everything Green.
  av1::Assessment last = ReadyRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, fv1::RATING_GREEN, true);
  last = MustFinalise(last);
  ASSERT_EQ(last.state(), av1::Assessment::STATE_FINALISED);
  // This year's, carrying answers forward; police answers only step 1 and had no answers.
  av1::CreatePlannedRoundRequest request =
      NewPlan(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, {kLa}, true);
  request.mutable_planned_round()->add_standing_respondents()->set_organisation(Org(kPolice));
  Plan plan = MustPlan(request);
  const int64_t head = FeedHead();
  ASSERT_THAT(OpenOn(kOpens), ElementsAre(plan.name()));
  av1::Assessment round = Get(GetPlan(plan.name()).assessment());
  EXPECT_EQ(round.previous_assessment(), last.name());

  std::vector<av1::Response> carried = Responses(round);
  ASSERT_THAT(carried, SizeIs(24));
  for (const av1::Response& r : carried) {
    EXPECT_TRUE(r.carried_forward_unconfirmed()) << r.name();
    EXPECT_EQ(r.rating(), fv1::RATING_GREEN);
    EXPECT_EQ(r.evidence_size(), 1);
    EXPECT_THAT(r.carried_forward_from(), ::testing::StartsWith(last.name() + "/respondents/"));
    EXPECT_EQ(r.update_by(), "system");
  }
  int response_changes = 0;
  for (const av1::Change& c : AllChanges(hub_->admin_token(), head)) {
    if (c.kind() == av1::CHANGE_KIND_RESPONSE_CHANGED) {
      ++response_changes;
      EXPECT_TRUE(c.response().carried_forward_unconfirmed());
    }
  }
  EXPECT_EQ(response_changes, 24);

  // Submission waits for every one, and says which.
  av1::SubmitAssessmentForReviewRequest submit;
  submit.set_name(round.name());
  av1::Assessment out;
  const std::string before = Fingerprint(round);
  EXPECT_THAT(Call(&AStub::SubmitAssessmentForReview, admin_, submit, &out),
              StatusIs(Code::kFailedPrecondition, "24 carried-forward answers are not confirmed"));
  EXPECT_EQ(Fingerprint(round), before);

  // Saving one again (unchanged, with its etag) confirms it and keeps where it came from.
  av1::Response first = carried[0];
  av1::Response confirmed = MustUpsert(respondent_[kLa], first);
  EXPECT_FALSE(confirmed.carried_forward_unconfirmed());
  EXPECT_EQ(confirmed.carried_forward_from(), first.carried_forward_from());
  EXPECT_EQ(confirmed.evidence_size(), 1);
  EXPECT_THAT(Call(&AStub::SubmitAssessmentForReview, admin_, submit, &out),
              StatusIs(Code::kFailedPrecondition, "23 carried-forward answers"));
  // The rest in one batch; then the round may be submitted.
  std::vector<av1::Response> rest(carried.begin() + 1, carried.end());
  av1::BatchUpsertResponsesResponse written;
  ASSERT_THAT(Batch(respondent_[kLa], round, rest, &written), IsOk());
  for (const av1::Response& r : Responses(round)) EXPECT_FALSE(r.carried_forward_unconfirmed());
  EXPECT_EQ(MustSubmit(round).state(), av1::Assessment::STATE_IN_REVIEW);
}

TEST_F(ProgrammeTest, AnswersLockAfterTheDeadlineUntilAnAdministratorExtendsIt) {
  Plan plan = MustPlan(NewPlan(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, {kLa}));
  ASSERT_THAT(OpenOn(kOpens), SizeIs(1));
  av1::Assessment round = Get(GetPlan(plan.name()).assessment());
  av1::Respondent la = RespondentsOf(round.name()).at(0);

  // On the deadline day answers are taken...
  clock_.SetDay(kDeadline);
  av1::Response answered =
      MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la, "s1.q1"), fv1::RATING_AMBER));
  // ...the day after, not, and nothing is written.
  clock_.SetDay("2030-06-01");
  const std::string before = Fingerprint(round);
  av1::Response out;
  EXPECT_THAT(
      Upsert(respondent_[kLa], GoodAnswer(ResponseOf(la, "s1.q2"), fv1::RATING_GREEN), &out),
      StatusIs(Code::kFailedPrecondition, "2030-05-31"));
  av1::Response change = answered;
  change.set_commentary("Late thought");
  EXPECT_THAT(Upsert(respondent_[kLa], change, &out),
              StatusIs(Code::kFailedPrecondition, "deadline"));
  av1::BatchUpsertResponsesResponse batch_out;
  EXPECT_THAT(Batch(respondent_[kLa], round,
                    {GoodAnswer(ResponseOf(la, "s1.q3"), fv1::RATING_GREEN)}, &batch_out),
              StatusIs(Code::kFailedPrecondition, "deadline"));

  // Extending: only an administrator, later than now, with a reason.
  av1::ExtendResponseDeadlineRequest extend;
  extend.set_name(la.name());
  extend.set_deadline("2030-06-14");
  extend.set_reason("The council's lead was on leave");
  av1::Respondent refused;
  EXPECT_THAT(PCall(&PStub::ExtendResponseDeadline, respondent_[kLa], extend, &refused),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(PCall(&PStub::ExtendResponseDeadline, scrutineer_, extend, &refused),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(PCall(&PStub::ExtendResponseDeadline, outsider_, extend, &refused),
              StatusIs(Code::kNotFound));
  av1::ExtendResponseDeadlineRequest earlier = extend;
  earlier.set_deadline("2030-05-01");
  EXPECT_THAT(PCall(&PStub::ExtendResponseDeadline, admin_, earlier, &refused),
              StatusIs(Code::kInvalidArgument, "deadline: must be after the current deadline"));
  av1::ExtendResponseDeadlineRequest no_reason = extend;
  no_reason.clear_reason();
  EXPECT_THAT(PCall(&PStub::ExtendResponseDeadline, admin_, no_reason, &refused),
              StatusIs(Code::kInvalidArgument, "reason"));
  EXPECT_EQ(Fingerprint(round), before);

  const int64_t head = FeedHead();
  av1::Respondent extended = PMust(&PStub::ExtendResponseDeadline, admin_, extend);
  EXPECT_EQ(extended.response_deadline(), "2030-06-14");
  // The reason is kept and readable by anyone of the partnership.
  av1::Respondent listed = RespondentsOf(round.name()).at(0);
  ASSERT_EQ(listed.deadline_extensions_size(), 1);
  EXPECT_EQ(listed.deadline_extensions(0).reason(), "The council's lead was on leave");
  EXPECT_EQ(listed.deadline_extensions(0).previous_deadline(), kDeadline);
  EXPECT_EQ(listed.deadline_extensions(0).extended_by(), PrincipalOf(admin_));
  std::vector<av1::Change> changes = AllChanges(hub_->admin_token(), head);
  ASSERT_THAT(changes, SizeIs(1));
  EXPECT_EQ(changes[0].kind(), av1::CHANGE_KIND_RESPONSE_DEADLINE_EXTENDED);
  EXPECT_EQ(changes[0].respondent().response_deadline(), "2030-06-14");

  // The respondent writes again.
  MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la, "s1.q2"), fv1::RATING_GREEN));
  // A round not opened from a plan has no deadline to extend.
  av1::Assessment manual = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_, "Manual");
  av1::Respondent manual_la = MustAddOrg(manual, kLa);
  extend.set_name(manual_la.name());
  EXPECT_THAT(PCall(&PStub::ExtendResponseDeadline, admin_, extend, &refused),
              StatusIs(Code::kFailedPrecondition, "no response deadline"));
}

TEST_F(ProgrammeTest, TheReportingReadModelFollowsTheProgrammeWithoutQuarantiningIt) {
  // The read model does not report planned rounds yet: it must step over their changes
  // (and take the opened round, its respondents and their extended deadlines) without
  // quarantining any.
  ASSERT_THAT(hub_->StartReporting(), IsOk());
  Plan plan = MustPlan(NewPlan(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, {kLa}));
  ASSERT_THAT(OpenOn(kOpens), SizeIs(1));
  const std::string round = GetPlan(plan.name()).assessment();
  av1::ExtendResponseDeadlineRequest extend;
  extend.set_name(RespondentsOf(round).at(0).name());
  extend.set_deadline("2030-06-14");
  extend.set_reason("Leave");
  PMust(&PStub::ExtendResponseDeadline, admin_, extend);
  av1::CancelPlannedRoundRequest cancel;
  cancel.set_name(GetPlan(plan.name()).next_planned_round());
  cancel.set_reason("One year only after all");
  PMust(&PStub::CancelPlannedRound, admin_, cancel);

  rv1::GetAssessmentReportRequest request;
  request.set_assessment(round);
  request.set_min_sequence(FeedHead());
  grpc::ClientContext context;
  Authorize(context, admin_);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  rv1::AssessmentReport report;
  ASSERT_THAT(hub_->ReportingStub()->GetAssessmentReport(&context, request, &report), IsOk());
  EXPECT_EQ(report.assessment(), round);
  EXPECT_EQ(report.title(), plan.title());
  pqxx::connection connection(hub_->reporting_database_url());
  pqxx::work txn(connection);
  EXPECT_EQ(txn.exec("SELECT count(*) FROM feed_quarantine")[0][0].as<int>(), 0);
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
