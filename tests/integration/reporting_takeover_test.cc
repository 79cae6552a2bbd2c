// Two reporting replicas, one feed: identity, framework and assessment run in process (a
// TestHub), and two real sixsteps-reporting processes follow the assessment feed into one
// shared read-model database. Exactly one of them leads (holds the advisory lock); both
// serve reports. The leader is killed with SIGKILL half-way; the standby must take the
// lead, apply the writes made since, and serve a report with every action exactly once.

#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/status.h"
#include "tests/integration/one_partnership_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/paths.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace asv1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;
namespace idv1 = ::sixsteps::identity::v1;
namespace rv1 = ::sixsteps::reporting::v1;
using ::testing::ElementsAreArray;

constexpr char kOwner[] = "partnerships/tyneside/organisations/council";
constexpr char kAsOf[] = "2026-06-30";
// Long enough for a loaded two-core machine; the test never waits this long when all is well.
constexpr absl::Duration kPatience = absl::Seconds(90);

// One sixsteps-reporting replica: a ServiceProcess on free loopback ports (port 0
// everywhere; the bound ports are read back from its JSON log lines), named for messages.
struct Replica {
  std::string name;
  std::unique_ptr<ServiceProcess> process;
};

struct ReplicaOptions {
  std::string database_url;
  std::string api_key;
  std::string identity_address;
  std::string framework_address;
  std::string assessment_address;
};

absl::StatusOr<Replica> StartReplica(const std::string& name, const ReplicaOptions& options) {
  std::vector<std::string> args = {
      ServiceBinary("reporting"),
      "--listen=127.0.0.1:0",
      "--metrics_listen=127.0.0.1:0",
      "--http_listen=127.0.0.1:0",
      "--identity_address=" + options.identity_address,
      "--framework_address=" + options.framework_address,
      "--assessment_address=" + options.assessment_address,
      "--time_zone=UTC",
      "--db_pool_size=4",
      "--shutdown_grace=1s",
  };
  // The key and the connection string go in variables, as scripts/hub passes them.
  std::vector<std::string> env = {
      "SIXSTEPS_REPORTING_API_KEY=" + options.api_key,
      "SIXSTEPS_DATABASE_URL=" + options.database_url,
  };
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::unique_ptr<ServiceProcess> process,
      ServiceProcess::Start(std::move(args), std::move(env),
                            absl::StrCat("reporting_takeover_", name), kPatience));
  return Replica{name, std::move(process)};
}

std::unique_ptr<rv1::ReportingService::Stub> StubOf(const Replica& replica) {
  return rv1::ReportingService::NewStub(
      grpc::CreateChannel(replica.process->target(), grpc::InsecureChannelCredentials()));
}

// One gauge (a sample without labels) from the replica's GET /metrics; nullopt if absent or
// unreachable.
std::optional<double> Gauge(const Replica& replica, const std::string& metric) {
  httplib::Client client("127.0.0.1", replica.process->metrics_port());
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  httplib::Result response = client.Get("/metrics");
  if (!response || response->status != 200) return std::nullopt;
  for (absl::string_view line : absl::StrSplit(response->body, '\n', absl::SkipEmpty())) {
    if (!absl::ConsumePrefix(&line, metric) || !absl::ConsumePrefix(&line, " ")) continue;
    double value = 0;
    if (absl::SimpleAtod(line, &value)) return value;
  }
  return std::nullopt;
}

// Advisory locks granted in the read model's database (the migrations' lock is released
// once they are done, so in steady state only the feed consumer's leader lock is left).
int AdvisoryLocksHeld(const std::string& database_url) {
  pqxx::connection conn(database_url);
  pqxx::nontransaction query(conn);
  return query
      .exec(
          "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = "
          "(SELECT oid FROM pg_database WHERE datname = current_database())")[0][0]
      .as<int>();
}

std::vector<std::string> ActionIdsInReadModel(const std::string& database_url) {
  pqxx::connection conn(database_url);
  pqxx::nontransaction query(conn);
  std::vector<std::string> ids;
  for (const auto& row : query.exec("SELECT action_id FROM actions ORDER BY action_id")) {
    ids.push_back(row[0].as<std::string>());
  }
  return ids;
}

int64_t ReadModelSequence(const std::string& database_url) {
  pqxx::connection conn(database_url);
  pqxx::nontransaction query(conn);
  return query.exec("SELECT sequence FROM feed_cursor")[0][0].as<int64_t>();
}

std::string LastSegment(const std::string& name) { return name.substr(name.rfind('/') + 1); }

class ReportingTakeoverTest : public OnePartnershipTest {
 protected:
  ReportingTakeoverTest() : OnePartnershipTest("takeover") {}

  // The in-process consumer OnePartnershipTest starts is stopped at once: the processes
  // take over the read model it migrated.
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OnePartnershipTest::SetUp());
    hub_->StopReporting();
  }

  void TearDown() override {
    if (HasFailure()) {
      for (const Replica* replica : {&a_, &b_}) {
        if (replica->process != nullptr) {
          std::cerr << "---- " << replica->name << " ----\n" << replica->process->LogTail();
        }
      }
    }
    a_.process.reset();
    b_.process.reset();
  }

  ReplicaOptions Options() const {
    return {hub_->reporting_database_url(), hub_->reporting_api_key(), hub_->identity_target(),
            hub_->framework_target(), hub_->assessment_target()};
  }

  absl::StatusOr<acv1::Action> CreateAction(const std::string& round, int step) {
    acv1::CreateActionRequest request;
    acv1::Action* action = request.mutable_action();
    action->set_assessment(round);
    action->set_step_id(absl::StrCat("s", step));
    action->add_question_ids(absl::StrCat("s", step, ".q1"));
    action->set_kind(acv1::Action::KIND_IMPROVEMENT);
    action->set_description(absl::StrCat("Improve step ", step));
    action->set_intended_outcome("Children are safer");
    action->set_owner_organisation(kOwner);
    action->set_due_date("2027-03-31");
    acv1::Action created;
    SIXSTEPS_RETURN_IF_ERROR(Call(*hub_->ActionStub(), &acv1::ActionService::Stub::CreateAction,
                                  partnership_admin_, request, &created));
    return created;
  }

  absl::Status CompleteAction(const acv1::Action& action) {
    acv1::CompleteActionRequest request;
    request.set_name(action.name());
    request.set_etag(action.etag());
    request.set_completion_note("Done and audited");
    request.set_evidence("Audit report, March");
    acv1::Action completed;
    return Call(*hub_->ActionStub(), &acv1::ActionService::Stub::CompleteAction, partnership_admin_,
                request, &completed);
  }

  // The partnership's action tracker from one replica, once it reflects `min_sequence`.
  grpc::Status Tracker(const Replica& replica, int64_t min_sequence, rv1::ActionTracker* tracker) {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    rv1::GetActionTrackerRequest request;
    request.set_scope(kPartnership);
    request.set_min_sequence(min_sequence);
    request.set_as_of_date(kAsOf);
    return StubOf(replica)->GetActionTracker(&context, request, tracker);
  }

  // Each open action line of a tracker (grouped by owner), sorted: a duplicate shows twice.
  static std::vector<std::string> OpenLines(const rv1::ActionTracker& tracker) {
    std::vector<std::string> names;
    for (const rv1::ActionGroup& group : tracker.by_owner()) {
      for (const rv1::ActionLine& line : group.actions()) names.push_back(line.action());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  // The leader gauge of every running replica, polled until exactly one says 1 and the
  // others 0 (or the deadline passes). Returns the leader, or nullptr.
  Replica* AwaitSingleLeader(const std::vector<Replica*>& replicas) {
    absl::Time deadline = absl::Now() + kPatience;
    while (absl::Now() < deadline) {
      Replica* leader = nullptr;
      int leaders = 0, standbys = 0;
      for (Replica* replica : replicas) {
        std::optional<double> gauge = Gauge(*replica, "sixsteps_feed_leader");
        if (gauge == 1) {
          ++leaders;
          leader = replica;
        } else if (gauge == 0) {
          ++standbys;
        }
      }
      EXPECT_LE(leaders, 1) << "two replicas lead at once";
      if (leaders == 1 && leaders + standbys == static_cast<int>(replicas.size())) return leader;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return nullptr;
  }

  Replica a_, b_;
};

TEST_F(ReportingTakeoverTest, StandbyTakesOverWhenTheLeaderIsKilled) {
  absl::StatusOr<asv1::Assessment> round = CreateRound("Scrutiny 2025/26");
  ASSERT_THAT(round, IsOk());

  auto a = StartReplica("replica-a", Options());
  ASSERT_THAT(a, IsOk());
  a_ = std::move(*a);
  auto b = StartReplica("replica-b", Options());
  ASSERT_THAT(b, IsOk());
  b_ = std::move(*b);

  // Exactly one leads: its gauge says so, the other's says standby, and the read model's
  // database has one advisory lock held. It stays that way for a while.
  Replica* leader = AwaitSingleLeader({&a_, &b_});
  ASSERT_NE(leader, nullptr) << "no single leader emerged";
  Replica* standby = leader == &a_ ? &b_ : &a_;
  EXPECT_EQ(AdvisoryLocksHeld(hub_->reporting_database_url()), 1);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(Gauge(*leader, "sixsteps_feed_leader"), 1) << leader->name;
    EXPECT_EQ(Gauge(*standby, "sixsteps_feed_leader"), 0) << standby->name;
    absl::SleepFor(absl::Milliseconds(100));
  }

  // Writes before the kill: three actions, one of them then completed.
  std::vector<acv1::Action> actions;
  for (int step = 1; step <= 3; ++step) {
    absl::StatusOr<acv1::Action> action = CreateAction(round->name(), step);
    ASSERT_THAT(action, IsOk());
    actions.push_back(*action);
  }
  ASSERT_THAT(CompleteAction(actions[0]), IsOk());
  absl::StatusOr<int64_t> head = hub_->FeedHead();
  ASSERT_THAT(head, IsOk());

  // Both replicas serve the same report from the shared read model.
  std::vector<std::string> open_before = {actions[1].name(), actions[2].name()};
  std::sort(open_before.begin(), open_before.end());
  for (Replica* replica : {leader, standby}) {
    rv1::ActionTracker tracker;
    ASSERT_THAT(Tracker(*replica, *head, &tracker), IsOk()) << replica->name;
    EXPECT_THAT(OpenLines(tracker), ElementsAreArray(open_before)) << replica->name;
    EXPECT_EQ(tracker.counts().open(), 2) << replica->name;
    EXPECT_EQ(tracker.counts().done(), 1) << replica->name;
    EXPECT_EQ(tracker.freshness().sequence(), *head) << replica->name;
  }

  // The leader dies without a word; writes go on meanwhile.
  std::string dead = leader->name;
  leader->process->Kill();
  for (int step = 4; step <= 6; ++step) {
    absl::StatusOr<acv1::Action> action = CreateAction(round->name(), step);
    ASSERT_THAT(action, IsOk());
    actions.push_back(*action);
  }
  ASSERT_THAT(CompleteAction(actions[3]), IsOk());
  head = hub_->FeedHead();
  ASSERT_THAT(head, IsOk());

  // The standby takes the lead (its connection's lock went with the dead process)...
  Replica* survivor = AwaitSingleLeader({standby});
  ASSERT_EQ(survivor, standby) << standby->name << " did not take over from " << dead;
  EXPECT_EQ(AdvisoryLocksHeld(hub_->reporting_database_url()), 1);

  // ... and applies what was written after the kill, each change once: every action is
  // in the report exactly once, with its latest status.
  std::vector<std::string> open_after = {actions[1].name(), actions[2].name(), actions[4].name(),
                                         actions[5].name()};
  std::sort(open_after.begin(), open_after.end());
  rv1::ActionTracker tracker;
  ASSERT_THAT(Tracker(*survivor, *head, &tracker), IsOk());
  EXPECT_THAT(OpenLines(tracker), ElementsAreArray(open_after));
  EXPECT_EQ(tracker.counts().open(), 4);
  EXPECT_EQ(tracker.counts().done(), 2);
  EXPECT_EQ(tracker.counts().cancelled(), 0);
  EXPECT_EQ(tracker.freshness().sequence(), *head);
  ASSERT_EQ(tracker.by_step_size(), 6);
  for (const rv1::ActionGroup& step : tracker.by_step()) {
    EXPECT_EQ(step.counts().open() + step.counts().done(), 1) << step.key();
  }

  std::vector<std::string> all;
  for (const acv1::Action& action : actions) all.push_back(LastSegment(action.name()));
  std::sort(all.begin(), all.end());
  EXPECT_THAT(ActionIdsInReadModel(hub_->reporting_database_url()), ElementsAreArray(all));
  EXPECT_EQ(ReadModelSequence(hub_->reporting_database_url()), *head);
  EXPECT_EQ(Gauge(*survivor, "sixsteps_feed_sequence"), static_cast<double>(*head));
}

}  // namespace
}  // namespace sixsteps::testing
