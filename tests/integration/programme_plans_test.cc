// The programme of rounds end to end: planning, reading, listing, changing and cancelling
// planned rounds, and every refusal, each with nothing written.
#include "tests/integration/programme_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

TEST_F(ProgrammeTest, PlansARoundThatEveryoneOfThePartnershipReads) {
  const int64_t head = FeedHead();
  Plan plan = MustPlan(NewPlan(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, {kLa, kPolice}, true));
  EXPECT_THAT(plan.name(), ::testing::StartsWith("plannedRounds/p-"));
  EXPECT_EQ(plan.region(), absl::StrCat("regions/", kRegion));
  EXPECT_EQ(plan.state(), Plan::STATE_PLANNED);
  EXPECT_EQ(plan.creator(), PrincipalOf(admin_));
  EXPECT_EQ(plan.etag(), "1");
  EXPECT_EQ(plan.standing_respondents_size(), 2);
  EXPECT_TRUE(plan.carry_forward());
  // Any role of the partnership reads it; the region's hub administrator too.
  for (const std::string& token : {respondent_[kPolice], scrutineer_, hub_admin_}) {
    EXPECT_TRUE(MessageDifferencer::Equals(GetPlan(plan.name(), token), plan));
    EXPECT_THAT(Plans(token), SizeIs(1));
  }
  // The outsider does not learn it exists.
  av1::GetPlannedRoundRequest get;
  get.set_name(plan.name());
  Plan out;
  EXPECT_THAT(PCall(&PStub::GetPlannedRound, outsider_, get, &out), StatusIs(Code::kNotFound));
  EXPECT_THAT(Plans(outsider_), IsEmpty());
  // One change in the feed, with the record.
  std::vector<av1::Change> changes = AllChanges(hub_->admin_token(), head);
  ASSERT_THAT(changes, SizeIs(1));
  EXPECT_EQ(changes[0].kind(), av1::CHANGE_KIND_PLANNED_ROUND_CREATED);
  EXPECT_EQ(changes[0].partnership(), kPartnership);
  EXPECT_TRUE(changes[0].assessment().empty());
  EXPECT_TRUE(MessageDifferencer::Equals(changes[0].planned_round(), plan));
}

TEST_F(ProgrammeTest, RefusalsArePreciseAndWriteNothing) {
  MustPlan(NewPlan());
  const int64_t head = FeedHead();
  struct Case {
    std::string what;
    std::string token;
    std::function<void(Plan&)> spoil;
    Code code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"deadline before opening", admin_, [](Plan& p) { p.set_response_deadline("2030-03-31"); },
       Code::kInvalidArgument, "planned_round.response_deadline"},
      {"report due before deadline", admin_, [](Plan& p) { p.set_report_due_date("2030-05-30"); },
       Code::kInvalidArgument, "planned_round.report_due_date"},
      {"empty period", admin_, [](Plan& p) { p.set_period_end("2029-03-31"); },
       Code::kInvalidArgument, "planned_round.period_end"},
      {"opening in the past", admin_, [](Plan& p) { p.set_open_date("2030-02-28"); },
       Code::kInvalidArgument, "planned_round.open_date"},
      {"no cadence", admin_, [](Plan& p) { p.set_cadence(Plan::CADENCE_UNSPECIFIED); },
       Code::kInvalidArgument, "planned_round.cadence"},
      {"unknown framework version", admin_,
       [](Plan& p) { p.set_framework_version("frameworks/six-steps/versions/1999"); },
       Code::kNotFound, "1999"},
      {"malformed framework version", admin_, [](Plan& p) { p.set_framework_version("2019"); },
       Code::kInvalidArgument, "planned_round.framework_version"},
      {"organisation of another partnership", admin_,
       [](Plan& p) {
         p.add_standing_respondents()->set_organisation(
             absl::StrCat(kOtherPartnership, "/organisations/", kPolice));
       },
       Code::kInvalidArgument, "standing_respondents[1].organisation"},
      {"unknown organisation", admin_,
       [](Plan& p) { p.add_standing_respondents()->set_organisation(Org("nobody")); },
       Code::kNotFound, "nobody"},
      {"respondent twice", admin_,
       [](Plan& p) { p.add_standing_respondents()->set_organisation(Org(kLa)); },
       Code::kInvalidArgument, "given twice"},
      {"a user who is not a scrutineer", admin_,
       [this](Plan& p) {
         p.add_standing_respondents()->set_scrutineer(PrincipalOf(respondent_[kPolice]));
       },
       Code::kFailedPrecondition, ""},
      {"step not of the framework", admin_,
       [](Plan& p) { p.mutable_standing_respondents(0)->add_step_ids("s9"); },
       Code::kInvalidArgument, "'s9' is not a step"},
      {"a scrutineer plans", scrutineer_, [](Plan&) {}, Code::kPermissionDenied, ""},
      {"a respondent plans", respondent_[kLa], [](Plan&) {}, Code::kPermissionDenied, ""},
      {"an outsider plans", outsider_, [](Plan&) {}, Code::kNotFound, ""},
  };
  for (const Case& c : cases) {
    av1::CreatePlannedRoundRequest request = NewPlan();
    c.spoil(*request.mutable_planned_round());
    Plan out;
    EXPECT_THAT(PCall(&PStub::CreatePlannedRound, c.token, request, &out),
                StatusIs(c.code, c.message))
        << c.what;
  }
  EXPECT_EQ(FeedHead(), head);
  EXPECT_THAT(Plans(), SizeIs(1));
}

TEST_F(ProgrammeTest, UpdatesAndCancelsOnlyWhilePlannedWithItsEtag) {
  Plan plan = MustPlan(NewPlan());
  av1::UpdatePlannedRoundRequest update;
  *update.mutable_planned_round() = plan;
  update.mutable_planned_round()->set_title("Self-assessment, spring 2030");
  update.mutable_planned_round()->set_response_deadline("2030-06-14");
  update.mutable_update_mask()->add_paths("title");
  update.mutable_update_mask()->add_paths("response_deadline");
  Plan out;
  // The etag is required, and must be current.
  av1::UpdatePlannedRoundRequest no_etag = update;
  no_etag.mutable_planned_round()->clear_etag();
  EXPECT_THAT(PCall(&PStub::UpdatePlannedRound, admin_, no_etag, &out),
              StatusIs(Code::kInvalidArgument, "planned_round.etag"));
  av1::UpdatePlannedRoundRequest stale = update;
  stale.mutable_planned_round()->set_etag("7");
  EXPECT_THAT(PCall(&PStub::UpdatePlannedRound, admin_, stale, &out), StatusIs(Code::kAborted));
  // The rules of a plan hold for a change too.
  av1::UpdatePlannedRoundRequest backwards = update;
  backwards.mutable_planned_round()->set_response_deadline("2030-03-15");
  EXPECT_THAT(PCall(&PStub::UpdatePlannedRound, admin_, backwards, &out),
              StatusIs(Code::kInvalidArgument, "planned_round.response_deadline"));
  av1::UpdatePlannedRoundRequest bad_path = update;
  bad_path.mutable_update_mask()->add_paths("state");
  EXPECT_THAT(PCall(&PStub::UpdatePlannedRound, admin_, bad_path, &out),
              StatusIs(Code::kInvalidArgument, "update_mask"));
  EXPECT_THAT(PCall(&PStub::UpdatePlannedRound, scrutineer_, update, &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(PCall(&PStub::UpdatePlannedRound, outsider_, update, &out),
              StatusIs(Code::kNotFound));
  EXPECT_TRUE(MessageDifferencer::Equals(GetPlan(plan.name()), plan));

  Plan updated = PMust(&PStub::UpdatePlannedRound, admin_, update);
  EXPECT_EQ(updated.title(), "Self-assessment, spring 2030");
  EXPECT_EQ(updated.response_deadline(), "2030-06-14");
  EXPECT_EQ(updated.open_date(), kOpens);  // not in the mask
  EXPECT_NE(updated.etag(), plan.etag());

  av1::CancelPlannedRoundRequest cancel;
  cancel.set_name(plan.name());
  EXPECT_THAT(PCall(&PStub::CancelPlannedRound, admin_, cancel, &out),
              StatusIs(Code::kInvalidArgument, "reason"));
  cancel.set_reason("Merged into the joint inspection's preparation");
  EXPECT_THAT(PCall(&PStub::CancelPlannedRound, respondent_[kLa], cancel, &out),
              StatusIs(Code::kPermissionDenied));
  Plan cancelled = PMust(&PStub::CancelPlannedRound, hub_admin_, cancel);
  EXPECT_EQ(cancelled.state(), Plan::STATE_CANCELLED);
  EXPECT_EQ(cancelled.cancel_reason(), "Merged into the joint inspection's preparation");

  // Read-only from then on, and it never opens.
  const int64_t head = FeedHead();
  *update.mutable_planned_round() = cancelled;
  EXPECT_THAT(PCall(&PStub::UpdatePlannedRound, admin_, update, &out),
              StatusIs(Code::kFailedPrecondition, "cancelled"));
  EXPECT_THAT(PCall(&PStub::CancelPlannedRound, admin_, cancel, &out),
              StatusIs(Code::kFailedPrecondition, "cancelled"));
  EXPECT_EQ(FeedHead(), head);
  EXPECT_THAT(OpenOn(kOpens), IsEmpty());
  EXPECT_THAT(Rounds(), IsEmpty());

  std::vector<av1::ChangeKind> kinds;
  for (const av1::Change& change : AllChanges(hub_->admin_token(), 0, kPartnership)) {
    kinds.push_back(change.kind());
  }
  EXPECT_THAT(kinds, ElementsAre(av1::CHANGE_KIND_PLANNED_ROUND_CREATED,
                                 av1::CHANGE_KIND_PLANNED_ROUND_UPDATED,
                                 av1::CHANGE_KIND_PLANNED_ROUND_CANCELLED));
}

TEST_F(ProgrammeTest, ListsByOpeningDateInPages) {
  for (const char* opens : {"2030-09-01", "2030-04-01", "2030-06-01"}) {
    av1::CreatePlannedRoundRequest request = NewPlan();
    request.mutable_planned_round()->set_open_date(opens);
    request.mutable_planned_round()->set_response_deadline("2030-10-01");
    request.mutable_planned_round()->set_report_due_date("2030-11-01");
    MustPlan(request);
  }
  av1::ListPlannedRoundsRequest request;
  request.set_partnership(kPartnership);
  request.set_page_size(2);
  av1::ListPlannedRoundsResponse first = PMust(&PStub::ListPlannedRounds, admin_, request);
  ASSERT_EQ(first.planned_rounds_size(), 2);
  EXPECT_EQ(first.planned_rounds(0).open_date(), "2030-04-01");
  EXPECT_EQ(first.planned_rounds(1).open_date(), "2030-06-01");
  ASSERT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  av1::ListPlannedRoundsResponse second = PMust(&PStub::ListPlannedRounds, admin_, request);
  ASSERT_EQ(second.planned_rounds_size(), 1);
  EXPECT_EQ(second.planned_rounds(0).open_date(), "2030-09-01");
  EXPECT_TRUE(second.next_page_token().empty());
  // A token of another query, a negative page size and a missing partnership are refused.
  av1::ListPlannedRoundsResponse out;
  request.set_partnership(kOtherPartnership);
  EXPECT_THAT(PCall(&PStub::ListPlannedRounds, admin_, request, &out),
              StatusIs(Code::kInvalidArgument, "page_token"));
  request.clear_page_token();
  request.set_page_size(-1);
  EXPECT_THAT(PCall(&PStub::ListPlannedRounds, admin_, request, &out),
              StatusIs(Code::kInvalidArgument, "page_size"));
  EXPECT_THAT(PCall(&PStub::ListPlannedRounds, admin_, av1::ListPlannedRoundsRequest(), &out),
              StatusIs(Code::kInvalidArgument, "partnership"));
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
