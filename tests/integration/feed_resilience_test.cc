// Issue 13, end to end: reporting keeps following the assessment feed for everyone when
// one action owner floods an action with notes, and when a change cannot be applied (a
// record the read model refuses) or cannot even be fetched (larger than any gRPC message
// may be): such a change is quarantined, counted and logged, and the changes after it are
// applied. The bad changes are written straight into the assessment feed's table, as a bug
// or an older release might have written them.
#include <gmock/gmock.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/assessment/action_domain.h"
#include "services/common/metrics.h"
#include "services/reporting/feed_consumer.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace asv1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;
namespace idv1 = ::sixsteps::identity::v1;
using ::google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Code = absl::StatusCode;
using Role = auth::Role;

constexpr char kRegion[] = "east";

double QuarantinedTotal() {
  return metrics::DefaultRegistry()
      .AddCounter("sixsteps_feed_quarantined_total", "ignored: the counter exists already")
      .Value({});
}

// One hub for the suite, with reporting following its feed: started by the first case and
// kept (support/shared_hub.h cannot put reporting's rows back, so nothing is restored).
// Each case works in a partnership of its own and looks only at what it wrote: its
// partnership's actions in the read model, the quarantine's rows after the feed's head at
// its start.
class FeedResilienceTest : public ::testing::Test {
 protected:
  static void TearDownTestSuite() { hub_.reset(); }

  void SetUp() override {
    if (hub_ == nullptr) {
      auto hub = TestHub::Start("feedres");
      ASSERT_THAT(hub, IsOk());
      ASSERT_THAT((*hub)->CreateRegion(kRegion), IsOk());
      ASSERT_THAT((*hub)->StartReporting(), IsOk());
      hub_ = std::move(*hub);
    }
    partnership_id_ = absl::StrCat("fenland-", ++cases_);
    const std::string partnership = absl::StrCat("partnerships/", partnership_id_);
    ASSERT_THAT(hub_->CreatePartnership(partnership_id_, kRegion), IsOk());
    ASSERT_THAT(hub_->CreateOrganisation(partnership_id_, "police", idv1::ORGANISATION_KIND_POLICE,
                                         /*core=*/true),
                IsOk());
    auto admin = hub_->UserWithRoles(absl::StrCat("admin@", partnership_id_, ".test"),
                                     {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, partnership, ""}});
    ASSERT_THAT(admin, IsOk());
    admin_ = *admin;
    auto owner = hub_->UserWithRoles(absl::StrCat("owner@", partnership_id_, ".test"),
                                     {{Role::ROLE_ACTION_OWNER, partnership,
                                       absl::StrCat(partnership, "/organisations/police")}});
    ASSERT_THAT(owner, IsOk());
    owner_ = *owner;
    grpc::ClientContext context;
    Authorize(context, admin_);
    ASSERT_THAT(
        hub_->AssessmentStub()->CreateAssessment(
            &context,
            RoundRequest(partnership, asv1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, "Round 1"),
            &round_),
        IsOk());
    start_ = FeedCounter();
    ASSERT_GE(start_, 0);
  }

  acv1::Action CreateAction(const std::string& step) {
    grpc::ClientContext context;
    Authorize(context, admin_);
    acv1::CreateActionRequest request;
    acv1::Action* action = request.mutable_action();
    action->set_assessment(round_.name());
    action->set_step_id(step);
    action->add_question_ids(absl::StrCat(step, ".q1"));
    action->set_description(absl::StrCat("Improve ", step));
    action->set_intended_outcome("Better");
    action->set_owner_organisation(
        absl::StrCat("partnerships/", partnership_id_, "/organisations/police"));
    action->set_due_date("2026-09-30");
    acv1::Action created;
    EXPECT_THAT(hub_->ActionStub()->CreateAction(&context, request, &created), IsOk());
    return created;
  }

  // The newest sequence of the feed, read from its table once the feed sequencer has
  // numbered every committed write (it does so a moment after commit); -1 if it never does.
  int64_t FeedCounter() {
    pqxx::connection connection(hub_->assessment_database_url());
    for (int i = 0; i < 600; ++i) {
      pqxx::work txn(connection);
      pqxx::row row = txn.exec1(
          "SELECT (SELECT last FROM feed_counter WHERE id = 1), "
          "EXISTS (SELECT 1 FROM unsequenced_changes)");
      if (!row[1].as<bool>()) return row[0].as<int64_t>();
      txn.commit();
      absl::SleepFor(absl::Milliseconds(10));
    }
    return -1;
  }

  // Appends `change` to the assessment feed behind the service's back; its sequence.
  int64_t AppendRawChange(asv1::Change change) {
    pqxx::connection connection(hub_->assessment_database_url());
    pqxx::work txn(connection);
    int64_t sequence =
        txn.exec("UPDATE feed_counter SET last = last + 1 WHERE id = 1 RETURNING last")[0][0]
            .as<int64_t>();
    change.set_sequence(sequence);
    txn.exec_params(
        "INSERT INTO changes (sequence, partnership_id, region_id, record) VALUES ($1, $2, $3, $4)",
        sequence, partnership_id_, kRegion, pqxx::binarystring(change.SerializeAsString()));
    txn.commit();
    return sequence;
  }

  asv1::Change ActionChange(const acv1::Action& action) {
    asv1::Change change;
    change.set_kind(asv1::CHANGE_KIND_ACTION_CHANGED);
    change.set_partnership(round_.partnership());
    change.set_region(round_.region());
    change.set_assessment(round_.name());
    change.set_actor("users/u-intruder");
    *change.mutable_time() = TimeUtil::GetCurrentTime();
    *change.mutable_action() = action;
    return change;
  }

  int64_t ReadModelCursor() {
    pqxx::connection connection(hub_->reporting_database_url());
    pqxx::work txn(connection);
    return txn.exec("SELECT sequence FROM feed_cursor WHERE id = 1")[0][0].as<int64_t>();
  }

  // Waits (at most a minute) until the read model has applied `sequence`.
  bool WaitForReadModel(int64_t sequence) {
    for (int i = 0; i < 600; ++i) {
      if (ReadModelCursor() >= sequence) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return false;
  }

  // The case's partnership's actions in the read model.
  std::vector<std::string> ReadModelActions() {
    pqxx::connection connection(hub_->reporting_database_url());
    pqxx::work txn(connection);
    std::vector<std::string> ids;
    for (const auto& row :
         txn.exec_params("SELECT action_id FROM actions WHERE partnership_id = $1 "
                         "ORDER BY action_id",
                         partnership_id_)) {
      ids.push_back(row[0].as<std::string>());
    }
    return ids;
  }

  struct Quarantined {
    int64_t sequence;
    std::string partnership;
    std::string kind;
    std::string error;
    bool has_record;
  };
  // The changes quarantined since the case began (the feed's other cases' come before).
  std::vector<Quarantined> QuarantineRows() {
    pqxx::connection connection(hub_->reporting_database_url());
    pqxx::work txn(connection);
    std::vector<Quarantined> rows;
    for (const auto& row :
         txn.exec_params("SELECT sequence, partnership_id, kind, error, record IS NOT NULL "
                         "FROM feed_quarantine WHERE sequence > $1 ORDER BY sequence",
                         start_)) {
      rows.push_back({row[0].as<int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(),
                      row[3].as<std::string>(), row[4].as<bool>()});
    }
    return rows;
  }

  static inline std::unique_ptr<TestHub> hub_;
  static inline int cases_ = 0;
  std::string partnership_id_;
  std::string admin_;
  std::string owner_;
  asv1::Assessment round_;
  // The feed's head when the case began.
  int64_t start_ = 0;
};

std::string IdOf(const std::string& name) { return name.substr(name.rfind('/') + 1); }

TEST_F(FeedResilienceTest, ANoteFloodOnOneActionLeavesReportingFollowingTheFeed) {
  acv1::Action flooded = CreateAction("s1");
  int accepted = 0;
  grpc::Status refused;
  for (int i = 0; i < 100000; ++i) {
    grpc::ClientContext context;
    Authorize(context, owner_);
    acv1::AddProgressUpdateRequest request;
    request.set_name(flooded.name());
    request.set_note(std::string(assessment::kMaxProgressNoteLength, 'x'));
    acv1::Action updated;
    refused = hub_->ActionStub()->AddProgressUpdate(&context, request, &updated);
    if (!refused.ok()) break;
    ++accepted;
  }
  EXPECT_THAT(refused, StatusIs(Code::kResourceExhausted));
  EXPECT_GT(accepted, 0);
  EXPECT_LE(accepted, assessment::kMaxProgressUpdatesPerAction);

  // Another partnership member's work after the flood reaches the reports.
  acv1::Action later = CreateAction("s2");
  ASSERT_TRUE(WaitForReadModel(FeedCounter())) << "the read model stopped at " << ReadModelCursor();
  EXPECT_THAT(ReadModelActions(),
              ::testing::UnorderedElementsAre(IdOf(flooded.name()), IdOf(later.name())));
  EXPECT_THAT(QuarantineRows(), IsEmpty());
  EXPECT_TRUE(hub_->feed_consumer()->is_leader());
}

TEST_F(FeedResilienceTest, PoisonChangesAreQuarantinedAndLaterChangesApplied) {
  acv1::Action before = CreateAction("s1");
  ASSERT_TRUE(WaitForReadModel(FeedCounter()));
  const double quarantined_before = QuarantinedTotal();

  // A change the read model refuses: its due date is no date.
  acv1::Action refused_record = before;
  refused_record.set_name("actions/act-poison");
  refused_record.set_due_date("not-a-date");
  const int64_t refused = AppendRawChange(ActionChange(refused_record));
  // A change no gRPC message may carry: larger than every server sends and every client
  // accepts (16 MiB).
  acv1::Action huge = before;
  huge.set_name("actions/act-huge");
  huge.set_description(std::string(20 * 1024 * 1024, 'h'));
  const int64_t too_large = AppendRawChange(ActionChange(huge));
  // Then ordinary work.
  acv1::Action after = CreateAction("s2");
  const int64_t head = FeedCounter();
  ASSERT_GT(head, too_large);

  ASSERT_TRUE(WaitForReadModel(head)) << "the read model stopped at " << ReadModelCursor();
  EXPECT_THAT(ReadModelActions(),
              ::testing::UnorderedElementsAre(IdOf(before.name()), IdOf(after.name())));
  std::vector<Quarantined> rows = QuarantineRows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].sequence, refused);
  EXPECT_EQ(rows[0].partnership, partnership_id_);
  EXPECT_EQ(rows[0].kind, "CHANGE_KIND_ACTION_CHANGED");
  EXPECT_THAT(rows[0].error, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_TRUE(rows[0].has_record);
  EXPECT_EQ(rows[1].sequence, too_large);
  EXPECT_THAT(rows[1].error, HasSubstr("RESOURCE_EXHAUSTED"));
  EXPECT_FALSE(rows[1].has_record);
  EXPECT_EQ(QuarantinedTotal() - quarantined_before, 2);

  // And it keeps following: the next change is applied too.
  acv1::Action last = CreateAction("s3");
  ASSERT_TRUE(WaitForReadModel(FeedCounter()));
  EXPECT_THAT(ReadModelActions(), ::testing::UnorderedElementsAre(
                                      IdOf(before.name()), IdOf(after.name()), IdOf(last.name())));
}

TEST(FeedErrorsTest, WhatIsRetriedAndWhatIsQuarantined) {
  using reporting::IsMessageTooLarge;
  using reporting::IsTransientFeedError;
  for (const absl::Status& retried :
       {absl::UnavailableError("database unavailable"), absl::AbortedError("race"),
        absl::DeadlineExceededError("slow"), absl::UnauthenticatedError("expired"),
        absl::PermissionDeniedError("binding revoked"), absl::InternalError("database error"),
        absl::ResourceExhaustedError("server busy")}) {
    EXPECT_TRUE(IsTransientFeedError(retried)) << retried;
  }
  for (const absl::Status& poison :
       {absl::InvalidArgumentError("not a date"), absl::FailedPreconditionError("a rule"),
        absl::DataLossError("unreadable"), absl::NotFoundError("no such version")}) {
    EXPECT_FALSE(IsTransientFeedError(poison)) << poison;
  }
  EXPECT_TRUE(IsMessageTooLarge(
      absl::ResourceExhaustedError("Received message larger than max (20971620 vs. 16777216)")));
  EXPECT_TRUE(IsMessageTooLarge(
      absl::ResourceExhaustedError("Sent message larger than max (20971620 vs. 16777216)")));
  EXPECT_FALSE(IsMessageTooLarge(absl::ResourceExhaustedError("")));
  EXPECT_FALSE(IsMessageTooLarge(absl::UnavailableError("message larger than max")));
}

}  // namespace
}  // namespace sixsteps::testing
