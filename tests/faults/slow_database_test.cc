// A slow database (issue 19): another session holds the lock every write on a round takes
// (its row in `assessments`, FOR UPDATE), so the assessment service's writes to that round
// wait in PostgreSQL. Every such call still ends at its deadline with DEADLINE_EXCEEDED, and
// its statement does not outlive it: the pool gave the transaction the call's time left as
// its statement_timeout (services/common/db.h), so while the lock is still held PostgreSQL
// cancels the waiting writes, the pool is back to no connection in use, no call is left in
// flight and no backend waits on the lock; once the lock goes, writes succeed again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <regex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/admission.h"
#include "services/common/metrics.h"
#include "tests/faults/fault_hub.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
namespace fv1 = ::sixsteps::framework::v1;

constexpr absl::Duration kPatience = absl::Seconds(120);
// More writes than the assessment pool has connections (8): some wait for a connection,
// the others for the lock.
constexpr int kBlockedWrites = 12;

// The sum of a gauge's values for `database` (the assessment service has two pools on it).
int64_t PoolGauge(const std::string& name, const std::string& database) {
  const std::regex line(name + R"re(\{database="([^"]+)"\} (\d+))re");
  std::string text = metrics::DefaultRegistry().Render();
  int64_t sum = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), line), end; it != end; ++it) {
    if ((*it)[1].str() == database) sum += std::stoll((*it)[2].str());
  }
  return sum;
}

std::string DatabaseOf(const std::string& url) {
  std::smatch found;
  std::regex_search(url, found, std::regex(R"(dbname=(\S+))"));
  return found[1].str();
}

grpc::Status Upsert(av1::AssessmentService::Stub& stub, const AckedWriteTargets& t,
                    const std::string& question, absl::Duration deadline) {
  grpc::ClientContext context;
  Authorize(context, t.single_token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  av1::UpsertResponseRequest request;
  av1::Response* r = request.mutable_response();
  r->set_name(absl::StrCat(t.single_respondent, "/responses/", question));
  r->set_rating(fv1::RATING_RED);
  av1::Response written;
  return stub.UpsertResponse(&context, request, &written);
}

TEST(SlowDatabaseTest, WritesHonourTheirDeadlineAndThePoolRecovers) {
  auto hub = TestHub::Start("slow_database");
  ASSERT_THAT(hub, IsOk());
  absl::StatusOr<AckedWriteTargets> targets = MakeFaultWorld(**hub);
  ASSERT_THAT(targets, IsOk());
  const AckedWriteTargets& t = *targets;
  auto stub = (*hub)->AssessmentStub();
  const std::string database = DatabaseOf((*hub)->assessment_database_url());

  // The lock, held by a session of its own.
  pqxx::connection holder((*hub)->assessment_database_url());
  auto locked = std::make_unique<pqxx::work>(holder);
  locked->exec_params("SELECT 1 FROM assessments WHERE assessment_id = $1 FOR UPDATE",
                      t.round.substr(t.round.rfind('/') + 1));

  std::vector<grpc::Status> blocked(kBlockedWrites);
  std::vector<std::thread> writers;
  for (int i = 0; i < kBlockedWrites; ++i) {
    writers.emplace_back([&, i] {
      blocked[i] =
          Upsert(*stub, t, absl::StrCat("s", i / 4 + 1, ".q", i % 4 + 1), absl::Seconds(1));
    });
  }
  for (std::thread& writer : writers) writer.join();
  for (const grpc::Status& status : blocked) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
        << status.error_code() << " " << status.error_message();
  }
  // With the lock still held, the writes' statements are cancelled at their calls' deadlines
  // (bounded wait: were they not, they would wait for the lock until it goes).
  auto lock_waiters = [&] {
    pqxx::connection observer((*hub)->assessment_database_url());
    pqxx::nontransaction query(observer);
    return query
        .exec_params(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
            "AND wait_event_type = 'Lock'",
            database)[0][0]
        .as<int>();
  };
  absl::Time deadline = absl::Now() + kPatience;
  while ((lock_waiters() > 0 || admission::CallsInFlight() > 0 ||
          PoolGauge("db_pool_in_use_connections", database) > 0) &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(lock_waiters(), 0) << "statements outlived their calls";
  EXPECT_EQ(admission::CallsInFlight(), 0) << "calls left running in the server";
  EXPECT_EQ(PoolGauge("db_pool_in_use_connections", database), 0) << "connections left in use";
  // No more connections than the two pools may hold (8 + 4).
  EXPECT_LE(PoolGauge("db_pool_open_connections", database), 12);

  // The lock goes.
  locked->abort();
  locked.reset();
  // The pool serves again: a write with an ordinary deadline succeeds.
  grpc::Status after = Upsert(*stub, t, "s6.q4", absl::Seconds(30));
  EXPECT_TRUE(after.ok()) << after.error_message();
}

}  // namespace
}  // namespace sixsteps::testing
