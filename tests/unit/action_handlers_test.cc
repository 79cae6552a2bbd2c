// ActionService's handlers through the service class with gmock fakes of the store it
// shares with AssessmentService (services/assessment/mocks): refusals, and the page sizes
// of its two lists (services/assessment/page_sizes.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "services/assessment/action_service.h"
#include "services/assessment/page_sizes.h"
#include "tests/support/status_matchers.h"
#include "tests/unit/assessment_service_fixture.h"

namespace sixsteps::assessment {

// Calls ActionService's private handlers with a caller the test builds.
class ActionServicePeer {
 public:
  explicit ActionServicePeer(ActionServiceImpl& service) : service_(service) {}

  SIXSTEPS_PEER_HANDLER(CreateAction)
  SIXSTEPS_PEER_HANDLER(ListActions)
  SIXSTEPS_PEER_HANDLER(ListProgressUpdates)
  SIXSTEPS_PEER_HANDLER(CompleteAction)
  SIXSTEPS_PEER_HANDLER(CancelAction)

 private:
  ActionServiceImpl& service_;
};

namespace {

// The fixture, its callers, and gmock's _ and Return.
using namespace ::sixsteps::assessment::testing;  // NOLINT(build/namespaces)
using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::ElementsAre;

class ActionHandlersTest : public AssessmentServiceTest {
 protected:
  av1::CreateActionRequest CreateRequest() {
    av1::CreateActionRequest request;
    av1::Action* action = request.mutable_action();
    action->set_assessment("assessments/a1");
    action->set_step_id("s1");
    action->add_question_ids("s1.q1");
    action->set_description("Audit the referrals");
    action->set_intended_outcome("Every referral audited");
    action->set_owner_organisation("partnerships/durham/organisations/police");
    action->set_due_date("2026-06-30");
    return request;
  }

  ActionServiceImpl actions_{&store_, &directory_, &verifier_, absl::UTCTimeZone()};
  ActionServicePeer action_peer_{actions_};
};

TEST_F(ActionHandlersTest, CreateActionStoresAPlannedAction) {
  EXPECT_CALL(tx_, PutAction(_, _)).WillOnce(Return(absl::OkStatus()));
  absl::StatusOr<av1::Action> created = action_peer_.CreateAction(kAdmin, CreateRequest());
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->status(), av1::Action::STATUS_PLANNED);
  EXPECT_EQ(created->partnership(), "partnerships/durham");
}

TEST_F(ActionHandlersTest, CreateActionRefusals) {
  EXPECT_CALL(tx_, PutAction(_, _)).Times(0);
  // A round the caller cannot see does not exist for them.
  EXPECT_THAT(action_peer_.CreateAction(kStranger, CreateRequest()),
              StatusIs(absl::StatusCode::kNotFound, "assessments/a1"));
  // Respondents do not plan.
  EXPECT_THAT(action_peer_.CreateAction(kRespondent, CreateRequest()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // A question of another step.
  av1::CreateActionRequest wrong_step = CreateRequest();
  wrong_step.mutable_action()->set_step_id("s2");
  EXPECT_THAT(action_peer_.CreateAction(kAdmin, wrong_step),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A finalised round is read-only.
  round_.assessment.set_state(v1::Assessment::STATE_FINALISED);
  EXPECT_THAT(action_peer_.CreateAction(kAdmin, CreateRequest()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(ActionHandlersTest, ClosingAnActionNeedsItsNoteAndEtagBeforeAnythingIsRead) {
  EXPECT_CALL(store_, GetAction(_)).Times(0);
  EXPECT_CALL(store_, InRound(_, _, _, _, _)).Times(0);
  av1::CancelActionRequest cancel;
  cancel.set_name("actions/act-1");
  cancel.set_etag("2");
  EXPECT_THAT(action_peer_.CancelAction(kAdmin, cancel),
              StatusIs(absl::StatusCode::kInvalidArgument, "reason"));
  av1::CompleteActionRequest complete;
  complete.set_name("actions/act-1");
  complete.set_completion_note("done");
  EXPECT_THAT(action_peer_.CompleteAction(kAdmin, complete),
              StatusIs(absl::StatusCode::kInvalidArgument, "etag"));
}

TEST_F(ActionHandlersTest, ListActionsPageSizeDefaultsAndIsCapped) {
  std::vector<int> limits;
  ON_CALL(store_, ListActions(_, _, _))
      .WillByDefault([&](const Visibility&, const ActionFilter&, int limit) {
        limits.push_back(limit);
        return absl::StatusOr<std::vector<av1::Action>>(std::vector<av1::Action>());
      });
  av1::ListActionsRequest request;
  ASSERT_THAT(action_peer_.ListActions(kAdmin, request), IsOk());
  request.set_page_size(5000);
  ASSERT_THAT(action_peer_.ListActions(kAdmin, request), IsOk());
  EXPECT_THAT(limits,
              ElementsAre(kListActionsPage.default_size + 1, kListActionsPage.max_size + 1));
  request.set_page_size(-1);
  EXPECT_THAT(action_peer_.ListActions(kAdmin, request),
              StatusIs(absl::StatusCode::kInvalidArgument, "page_size"));
}

TEST_F(ActionHandlersTest, ListProgressUpdatesPageSizeDefaultsAndIsCapped) {
  av1::Action action;
  action.set_name("actions/act-1");
  action.set_partnership("partnerships/durham");
  action.set_region("regions/north");
  ON_CALL(store_, GetAction("act-1")).WillByDefault(Return(action));
  std::vector<int> limits;
  ON_CALL(store_, ListProgressUpdates("act-1", 0, _))
      .WillByDefault([&](const std::string&, int, int limit) {
        limits.push_back(limit);
        return absl::StatusOr<std::vector<av1::ProgressUpdate>>(std::vector<av1::ProgressUpdate>());
      });
  av1::ListProgressUpdatesRequest request;
  request.set_name("actions/act-1");
  ASSERT_THAT(action_peer_.ListProgressUpdates(kRespondent, request), IsOk());
  request.set_page_size(100000);
  ASSERT_THAT(action_peer_.ListProgressUpdates(kRespondent, request), IsOk());
  EXPECT_THAT(limits, ElementsAre(kListProgressUpdatesPage.default_size + 1,
                                  kListProgressUpdatesPage.max_size + 1));
  // Another partnership's action does not exist for the caller.
  EXPECT_THAT(action_peer_.ListProgressUpdates(kStranger, request),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace sixsteps::assessment
