// Issue 13, finding 12, in the assessment service: a partnership opted out of regional
// comparison is NOT_FOUND to region-wide viewers and dashboards, and absent from their
// lists and change feed, so they cannot rebuild its ratings from the raw records; its
// members, hub administrators, integrations and viewers on "*" (the reporting service's
// account) still read everything. Identity, framework and assessment are served on
// 127.0.0.1 with real PostgreSQL databases; one hub serves every case.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/auth.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::action::v1;
namespace asv1 = ::sixsteps::assessment::v1;
namespace idv1 = ::sixsteps::identity::v1;
using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;
using Code = absl::StatusCode;
using Role = auth::Role;

constexpr char kRegion[] = "north";
constexpr char kOptedOut[] = "hartlepool";  // opted out of regional comparison
constexpr char kOpen[] = "durham";          // not opted out

std::string P(const std::string& id) { return absl::StrCat("partnerships/", id); }

// The partnerships (resource names) of what a list returned.
template <typename Records>
std::set<std::string> PartnershipsOf(const Records& records) {
  std::set<std::string> partnerships;
  for (const auto& record : records) partnerships.insert(record.partnership());
  return partnerships;
}

class OptOutTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto hub = TestHub::Start("optout");
    ASSERT_THAT(hub, IsOk());
    hub_ = std::move(*hub).release();
    ASSERT_THAT(hub_->CreateRegion(kRegion), IsOk());
    for (const char* p : {kOptedOut, kOpen}) {
      ASSERT_THAT(hub_->CreatePartnership(p, kRegion), IsOk());
      ASSERT_THAT(
          hub_->CreateOrganisation(p, "police", idv1::ORGANISATION_KIND_POLICE, /*core=*/true),
          IsOk());
      round_[p] = MustCreateRound(p);
      action_[p] = MustCreateAction(round_[p], p);
    }
    // Opted out before any region-wide caller has asked about the region (the directory
    // keeps what it learnt for 30 s).
    idv1::Partnership stored;
    {
      grpc::ClientContext context;
      Authorize(context, hub_->admin_token());
      idv1::GetPartnershipRequest get;
      get.set_name(P(kOptedOut));
      ASSERT_THAT(hub_->IdentityStub()->GetPartnership(&context, get, &stored), IsOk());
    }
    {
      grpc::ClientContext context;
      Authorize(context, hub_->admin_token());
      idv1::UpdatePartnershipRequest update;
      update.mutable_partnership()->set_name(P(kOptedOut));
      update.mutable_partnership()->set_etag(stored.etag());
      update.mutable_partnership()->set_regional_comparison_opt_out(true);
      update.mutable_update_mask()->add_paths("regional_comparison_opt_out");
      idv1::Partnership updated;
      ASSERT_THAT(hub_->IdentityStub()->UpdatePartnership(&context, update, &updated), IsOk());
      ASSERT_TRUE(updated.regional_comparison_opt_out());
    }
    const std::string region = absl::StrCat("regions/", kRegion);
    region_viewer_ = MustUser("viewer@north.test", {{Role::ROLE_VIEWER, region, ""}});
    region_dashboard_ = MustUser("dashboard@north.test", {{Role::ROLE_DASHBOARD, region, ""}});
    member_ = MustUser("viewer@hartlepool.test", {{Role::ROLE_VIEWER, P(kOptedOut), ""}});
    hub_admin_ = MustUser("hub@north.test", {{Role::ROLE_HUB_ADMINISTRATOR, region, ""}});
    viewer_and_member_ =
        MustUser("both@north.test", {{Role::ROLE_DASHBOARD, region, ""},
                                     {Role::ROLE_PARTNER_RESPONDENT, P(kOptedOut),
                                      absl::StrCat(P(kOptedOut), "/organisations/police")}});
    // Accounts identity would sign these grants for (service accounts): the reporting
    // service's viewer on "*", and a region-wide case-management integration.
    every_region_viewer_ = MustMint("serviceAccounts/reporting-test", Role::ROLE_VIEWER, "*");
    region_integration_ =
        MustMint("serviceAccounts/case-system-test", Role::ROLE_INTEGRATION, kRegion);
  }

  static void TearDownTestSuite() {
    delete hub_;
    hub_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(hub_, nullptr) << "the hub did not start"; }

  static std::string MustUser(const std::string& email,
                              const std::vector<TestHub::Binding>& roles) {
    absl::StatusOr<std::string> token = hub_->UserWithRoles(email, roles);
    EXPECT_THAT(token, IsOk());
    return token.ok() ? *token : "";
  }

  static std::string MustMint(const std::string& principal, Role role, const std::string& region) {
    auth::Caller account;
    account.principal = principal;
    account.service_account = true;
    account.grants.push_back(auth::Grant{role, region, "", ""});
    absl::StatusOr<std::string> token = hub_->MintToken(
        auth::ClaimsFor(account, absl::Now(), absl::Minutes(30), absl::StrCat("t-", principal)));
    EXPECT_THAT(token, IsOk());
    return token.ok() ? *token : "";
  }

  static asv1::Assessment MustCreateRound(const std::string& partnership) {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    asv1::CreateAssessmentRequest request =
        RoundRequest(P(partnership), asv1::ASSESSMENT_KIND_SELF_ASSESSMENT,
                     absl::StrCat("Self-assessment of ", partnership));
    asv1::Assessment created;
    EXPECT_THAT(hub_->AssessmentStub()->CreateAssessment(&context, request, &created), IsOk());
    return created;
  }

  static av1::Action MustCreateAction(const asv1::Assessment& round,
                                      const std::string& partnership) {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    av1::CreateActionRequest request;
    av1::Action* action = request.mutable_action();
    action->set_assessment(round.name());
    action->set_step_id("s1");
    action->add_question_ids("s1.q1");
    action->set_description("Audit the front door");
    action->set_intended_outcome("A positive affirmation for s1");
    action->set_owner_organisation(absl::StrCat(P(partnership), "/organisations/police"));
    action->set_due_date("2026-06-30");
    av1::Action created;
    EXPECT_THAT(hub_->ActionStub()->CreateAction(&context, request, &created), IsOk());
    return created;
  }

  static grpc::Status GetRound(const std::string& token, const std::string& partnership) {
    grpc::ClientContext context;
    Authorize(context, token);
    asv1::GetAssessmentRequest request;
    request.set_name(round_[partnership].name());
    asv1::Assessment round;
    return hub_->AssessmentStub()->GetAssessment(&context, request, &round);
  }

  static grpc::Status ListConsolidations(const std::string& token, const std::string& partnership) {
    grpc::ClientContext context;
    Authorize(context, token);
    asv1::ListConsolidationsRequest request;
    request.set_parent(round_[partnership].name());
    asv1::ListConsolidationsResponse response;
    return hub_->AssessmentStub()->ListConsolidations(&context, request, &response);
  }

  static grpc::Status ListResponses(const std::string& token, const std::string& partnership) {
    grpc::ClientContext context;
    Authorize(context, token);
    asv1::ListResponsesRequest request;
    request.set_parent(round_[partnership].name());
    asv1::ListResponsesResponse response;
    return hub_->AssessmentStub()->ListResponses(&context, request, &response);
  }

  static grpc::Status GetAction(const std::string& token, const std::string& partnership) {
    grpc::ClientContext context;
    Authorize(context, token);
    av1::GetActionRequest request;
    request.set_name(action_[partnership].name());
    av1::Action action;
    return hub_->ActionStub()->GetAction(&context, request, &action);
  }

  static grpc::Status ListNotes(const std::string& token, const std::string& partnership) {
    grpc::ClientContext context;
    Authorize(context, token);
    av1::ListProgressUpdatesRequest request;
    request.set_name(action_[partnership].name());
    av1::ListProgressUpdatesResponse response;
    return hub_->ActionStub()->ListProgressUpdates(&context, request, &response);
  }

  // The partnerships of every round ListAssessments gives the caller (with `filter`).
  static std::set<std::string> ListedRounds(const std::string& token,
                                            const std::string& filter = "") {
    grpc::ClientContext context;
    Authorize(context, token);
    asv1::ListAssessmentsRequest request;
    request.set_partnership(filter);
    request.set_page_size(500);
    asv1::ListAssessmentsResponse response;
    EXPECT_THAT(hub_->AssessmentStub()->ListAssessments(&context, request, &response), IsOk());
    EXPECT_THAT(response.next_page_token(), IsEmpty());
    return PartnershipsOf(response.assessments());
  }

  static std::set<std::string> ListedActions(const std::string& token,
                                             const std::string& filter = "") {
    grpc::ClientContext context;
    Authorize(context, token);
    av1::ListActionsRequest request;
    request.set_partnership(filter);
    request.set_page_size(1000);
    av1::ListActionsResponse response;
    EXPECT_THAT(hub_->ActionStub()->ListActions(&context, request, &response), IsOk());
    EXPECT_THAT(response.next_page_token(), IsEmpty());
    return PartnershipsOf(response.actions());
  }

  // The partnerships of every change ListChanges gives the caller, read from the start
  // (at most 20 pages: the feed here holds a few dozen changes).
  static std::set<std::string> FeedPartnerships(const std::string& token,
                                                const std::string& filter = "") {
    std::set<std::string> partnerships;
    int64_t after = 0;
    for (int page = 0; page < 20; ++page) {
      grpc::ClientContext context;
      Authorize(context, token);
      asv1::ListChangesRequest request;
      request.set_after_sequence(after);
      request.set_partnership(filter);
      request.set_page_size(10);
      asv1::ListChangesResponse response;
      EXPECT_THAT(hub_->AssessmentStub()->ListChanges(&context, request, &response), IsOk());
      for (const asv1::Change& change : response.changes()) {
        partnerships.insert(change.partnership());
      }
      if (response.changes_size() == 0) break;
      after = response.next_after_sequence();
    }
    return partnerships;
  }

  // A region-wide viewer or dashboard: the opted-out partnership does not exist for them;
  // the other is unaffected.
  static void ExpectHidden(const std::string& token) {
    EXPECT_THAT(GetRound(token, kOptedOut), StatusIs(Code::kNotFound));
    EXPECT_THAT(ListResponses(token, kOptedOut), StatusIs(Code::kNotFound));
    EXPECT_THAT(ListConsolidations(token, kOptedOut), StatusIs(Code::kNotFound));
    EXPECT_THAT(GetAction(token, kOptedOut), StatusIs(Code::kNotFound));
    EXPECT_THAT(ListNotes(token, kOptedOut), StatusIs(Code::kNotFound));
    EXPECT_THAT(ListedRounds(token), Not(Contains(P(kOptedOut))));
    EXPECT_THAT(ListedRounds(token, P(kOptedOut)), IsEmpty());
    EXPECT_THAT(ListedActions(token), Not(Contains(P(kOptedOut))));
    EXPECT_THAT(ListedActions(token, P(kOptedOut)), IsEmpty());
    EXPECT_THAT(FeedPartnerships(token), Not(Contains(P(kOptedOut))));
    EXPECT_THAT(FeedPartnerships(token, P(kOptedOut)), IsEmpty());

    EXPECT_THAT(GetRound(token, kOpen), IsOk());
    EXPECT_THAT(ListResponses(token, kOpen), IsOk());
    EXPECT_THAT(ListConsolidations(token, kOpen), IsOk());
    EXPECT_THAT(GetAction(token, kOpen), IsOk());
    EXPECT_THAT(ListNotes(token, kOpen), IsOk());
    EXPECT_THAT(ListedRounds(token), Contains(P(kOpen)));
    EXPECT_THAT(ListedActions(token), Contains(P(kOpen)));
    EXPECT_THAT(FeedPartnerships(token), Contains(P(kOpen)));
  }

  // Everyone the opt-out does not apply to reads the opted-out partnership's records (and
  // the other's, when `both`: a member of the opted-out one alone does not see it).
  static void ExpectSeen(const std::string& token, bool both = true) {
    std::vector<std::string> seen = {kOptedOut};
    if (both) seen.push_back(kOpen);
    for (const std::string& p : seen) {
      EXPECT_THAT(GetRound(token, p), IsOk()) << p;
      EXPECT_THAT(ListResponses(token, p), IsOk()) << p;
      EXPECT_THAT(ListConsolidations(token, p), IsOk()) << p;
      EXPECT_THAT(GetAction(token, p), IsOk()) << p;
      EXPECT_THAT(ListNotes(token, p), IsOk()) << p;
      EXPECT_THAT(ListedRounds(token), Contains(P(p))) << p;
      EXPECT_THAT(ListedActions(token), Contains(P(p))) << p;
      EXPECT_THAT(FeedPartnerships(token), Contains(P(p))) << p;
    }
  }

  static TestHub* hub_;
  static std::map<std::string, asv1::Assessment> round_;
  static std::map<std::string, av1::Action> action_;
  static std::string region_viewer_, region_dashboard_, member_, hub_admin_, viewer_and_member_,
      every_region_viewer_, region_integration_;
};

TestHub* OptOutTest::hub_ = nullptr;
std::map<std::string, asv1::Assessment> OptOutTest::round_;
std::map<std::string, av1::Action> OptOutTest::action_;
std::string OptOutTest::region_viewer_, OptOutTest::region_dashboard_, OptOutTest::member_,
    OptOutTest::hub_admin_, OptOutTest::viewer_and_member_, OptOutTest::every_region_viewer_,
    OptOutTest::region_integration_;

TEST_F(OptOutTest, ARegionWideViewerCannotReadAnOptedOutPartnership) {
  ExpectHidden(region_viewer_);
}

TEST_F(OptOutTest, ARegionWideDashboardCannotReadAnOptedOutPartnership) {
  ExpectHidden(region_dashboard_);
}

TEST_F(OptOutTest, ARegionWideDashboardsWatchCarriesNothingOfAnOptedOutPartnership) {
  // The feed's last change of the open partnership, as the administrator sees it: the
  // dashboard's stream is read until it has delivered that one.
  int64_t last_open = 0;
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    asv1::ListChangesRequest request;
    request.set_partnership(P(kOpen));
    request.set_page_size(1000);
    asv1::ListChangesResponse response;
    ASSERT_THAT(hub_->AssessmentStub()->ListChanges(&context, request, &response), IsOk());
    ASSERT_GT(response.changes_size(), 0);
    last_open = response.changes(response.changes_size() - 1).sequence();
  }
  grpc::ClientContext context;
  Authorize(context, region_dashboard_);
  // Bounds the test if the stream never delivers it.
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  asv1::WatchChangesRequest request;
  std::unique_ptr<grpc::ClientReader<asv1::WatchChangesResponse>> stream =
      hub_->AssessmentStub()->WatchChanges(&context, request);
  std::set<std::string> partnerships;
  asv1::WatchChangesResponse message;
  while (stream->Read(&message)) {
    partnerships.insert(message.change().partnership());
    if (message.change().sequence() >= last_open) break;
  }
  context.TryCancel();
  EXPECT_THAT(partnerships, Contains(P(kOpen)));
  EXPECT_THAT(partnerships, Not(Contains(P(kOptedOut))));
}

TEST_F(OptOutTest, ItsMembersStillReadIt) {
  ExpectSeen(member_, /*both=*/false);
  // A region-wide dashboard who is also a member of the partnership is a member.
  ExpectSeen(viewer_and_member_);
}

TEST_F(OptOutTest, HubAdministratorsStillReadIt) {
  ExpectSeen(hub_admin_);
  ExpectSeen(hub_->admin_token());
}

TEST_F(OptOutTest, ViewersOnEveryRegionAndIntegrationsStillReadIt) {
  // The reporting service's own account, and an integration that writes its records.
  ExpectSeen(every_region_viewer_);
  ExpectSeen(region_integration_);
}

}  // namespace
}  // namespace sixsteps::testing
