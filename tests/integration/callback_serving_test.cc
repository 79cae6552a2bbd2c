// Serving on gRPC's callback API (services/common/callback_rpc.h, issue 18) and call
// deadlines in the database pool (services/common/call_deadline.h, issue 19), on a real
// gRPC server on 127.0.0.1 and the test PostgreSQL cluster.
//
// The test service is defined as the services' methods are (the macro, a Do<Method>
// handler), so its calls take the callback path: request id, admission, the handler on the
// server's executor with the call's deadline set for the pool. No assertion on time: the
// proof that a slow query was cancelled at the deadline is that its transaction failed with
// PostgreSQL's cancellation (and wrote nothing) instead of finishing the 20 s sleep.
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/call_deadline.h"
#include "services/common/config.h"
#include "services/common/db.h"
#include "services/common/grpc_reply.h"
#include "services/common/server.h"
#include "sixsteps/bench/v1/echo_service.grpc.pb.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"

namespace sixsteps {
namespace {

namespace bv1 = ::sixsteps::bench::v1;
using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::SharedPgCluster;
using ::sixsteps::testing::StatusIs;

constexpr char kHold[] = "hold";      // waits until released
constexpr char kSleep[] = "sleep";    // inserts a row, then sleeps 20 s, in one transaction
constexpr char kInsert[] = "insert";  // inserts a row

// Echo, with what the payload asks for done first.
class TestEcho final : public bv1::EchoService::Service {
 public:
  explicit TestEcho(db::ConnectionPool* pool = nullptr) : pool_(pool) {}

  grpc::Status Echo(grpc::ServerContext* context, const bv1::EchoRequest* request,
                    bv1::EchoResponse* response) override;

  // Bounded: until `n` calls are held, or 30 seconds.
  bool WaitUntilHeld(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(30), [&] { return held_ >= n; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    changed_.notify_all();
  }

  // What the pool answered the kSleep call's transaction.
  std::future<absl::Status> sleep_outcome() { return sleep_outcome_.get_future(); }

 private:
  absl::StatusOr<bv1::EchoResponse> DoEcho(const bv1::EchoRequest& request) {
    if (request.payload() == kHold) {
      std::unique_lock<std::mutex> lock(mu_);
      ++held_;
      changed_.notify_all();
      changed_.wait(lock, [this] { return released_; });
    }
    if (request.payload() == kSleep || request.payload() == kInsert) {
      const bool sleep = request.payload() == kSleep;
      absl::Status status = pool_->InTransaction([&](pqxx::work& txn) {
        txn.exec0("INSERT INTO writes (note) VALUES ('written')");
        if (sleep) txn.exec0("SELECT pg_sleep(20)");
        return absl::OkStatus();
      });
      if (sleep) sleep_outcome_.set_value(status);
      if (!status.ok()) return status;
    }
    bv1::EchoResponse response;
    response.set_payload(request.payload());
    return response;
  }

  db::ConnectionPool* pool_;
  std::mutex mu_;
  std::condition_variable changed_;
  int held_ = 0;
  bool released_ = false;
  std::promise<absl::Status> sleep_outcome_;
};

SIXSTEPS_UNAUTHENTICATED_RPC(TestEcho, Echo, bv1::EchoRequest, bv1::EchoResponse)

grpc::Status CallEcho(bv1::EchoService::Stub& stub, const std::string& payload,
                      absl::Duration deadline = absl::Seconds(30),
                      grpc::ClientContext* context_out = nullptr) {
  grpc::ClientContext own;
  grpc::ClientContext& context = context_out != nullptr ? *context_out : own;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  bv1::EchoRequest request;
  request.set_payload(payload);
  bv1::EchoResponse response;
  grpc::Status status = stub.Echo(&context, request, &response);
  if (status.ok() && response.payload() != payload) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "wrong payload: " + response.payload());
  }
  return status;
}

// The callback path is off by default (ServerLimits::callback_api); these tests serve on it.
ServerLimits CallbackLimits() {
  ServerLimits limits;
  limits.callback_api = true;
  return limits;
}

std::unique_ptr<bv1::EchoService::Stub> StubFor(const RunningServer& server) {
  return bv1::EchoService::NewStub(
      grpc::CreateChannel(server.target(), grpc::InsecureChannelCredentials()));
}

TEST(CallbackServingTest, ServesAndEchoesTheClientsRequestId) {
  TestEcho service;
  auto server = RunningServer::Start("127.0.0.1:0", {&service}, nullptr, CallbackLimits());
  ASSERT_THAT(server, IsOk());
  auto stub = StubFor(**server);
  grpc::ClientContext context;
  context.AddMetadata(kRequestIdKey, "callback-test-1");
  ASSERT_THAT(CallEcho(*stub, "hello", absl::Seconds(30), &context), IsOk());
  const auto& metadata = context.GetServerInitialMetadata();
  auto found = metadata.find(kRequestIdKey);
  ASSERT_NE(found, metadata.end());
  EXPECT_EQ(std::string(found->second.data(), found->second.size()), "callback-test-1");
}

TEST(CallbackServingTest, CallsPastTheLimitAreShedWhileTheAdmittedOnesAreHeld) {
  TestEcho service;
  ServerLimits limits = CallbackLimits();
  limits.max_calls_in_flight = 2;
  auto server = RunningServer::Start("127.0.0.1:0", {&service}, nullptr, limits);
  ASSERT_THAT(server, IsOk());
  auto stub = StubFor(**server);
  std::vector<std::future<grpc::Status>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::async(std::launch::async, [&] { return CallEcho(*stub, kHold); }));
  }
  ASSERT_TRUE(service.WaitUntilHeld(2));
  // Both admitted calls are still in their handler: the refusal did not wait for them.
  EXPECT_THAT(CallEcho(*stub, "third"), StatusIs(absl::StatusCode::kResourceExhausted));
  service.Release();
  for (auto& call : held) EXPECT_THAT(call.get(), IsOk());
  EXPECT_THAT(CallEcho(*stub, "after"), IsOk());
}

class CallDeadlineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> conninfo = SharedPgCluster().CreateDatabase("deadline");
    ASSERT_THAT(conninfo, IsOk());
    conninfo_ = *conninfo;
    pqxx::connection conn(conninfo_);
    pqxx::work txn(conn);
    txn.exec0("CREATE TABLE writes (id serial PRIMARY KEY, note text NOT NULL)");
    txn.commit();
    pool_ = std::make_unique<db::ConnectionPool>(conninfo_, 4);
  }

  long Rows() {
    pqxx::connection conn(conninfo_);
    pqxx::work txn(conn);
    return txn.exec1("SELECT count(*) FROM writes")[0].as<long>();
  }

  long SleepsRunning() {
    pqxx::connection conn(conninfo_);
    pqxx::work txn(conn);
    return txn
        .exec1(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'active' AND query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()")[0]
        .as<long>();
  }

  std::string conninfo_;
  std::unique_ptr<db::ConnectionPool> pool_;
};

TEST_F(CallDeadlineTest, ASlowQueryIsCancelledAtTheCallsDeadlineAndWritesNothing) {
  TestEcho service(pool_.get());
  auto server = RunningServer::Start("127.0.0.1:0", {&service}, nullptr, CallbackLimits());
  ASSERT_THAT(server, IsOk());
  auto stub = StubFor(**server);
  std::future<absl::Status> outcome = service.sleep_outcome();

  EXPECT_THAT(CallEcho(*stub, kSleep, absl::Milliseconds(500)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
  // Bounded: the handler ends when PostgreSQL cancels the statement (or, were it not
  // cancelled, when the 20 s sleep ends and the row commits, which fails below).
  ASSERT_EQ(outcome.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_THAT(outcome.get(), StatusIs(absl::StatusCode::kDeadlineExceeded, "query cancelled"));
  EXPECT_EQ(Rows(), 0);
  EXPECT_EQ(SleepsRunning(), 0);

  // The pool serves the next call, on the same connections.
  EXPECT_THAT(CallEcho(*stub, kInsert), IsOk());
  EXPECT_EQ(Rows(), 1);
}

TEST_F(CallDeadlineTest, NoTransactionBeginsOnceTheDeadlineHasPassed) {
  CallDeadlineScope deadline(absl::Now() - absl::Milliseconds(1));
  bool ran = false;
  absl::Status status = pool_->InTransaction([&](pqxx::work& txn) {
    ran = true;
    txn.exec0("INSERT INTO writes (note) VALUES ('late')");
    return absl::OkStatus();
  });
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_FALSE(ran);
  EXPECT_EQ(Rows(), 0);
}

TEST_F(CallDeadlineTest, TheStatementTimeoutIsTheTimeLeftAndOnlyForACallWithADeadline) {
  auto timeout_in = [&](auto& pool) {
    std::string value;
    EXPECT_THAT(pool.InReadTransaction([&](db::ConnectionPool::ReadTransaction& txn) {
      value = txn.exec1("SELECT current_setting('statement_timeout')")[0].c_str();
      return absl::OkStatus();
    }),
                IsOk());
    return value;
  };
  EXPECT_EQ(timeout_in(*pool_), "0");  // no call: none
  {
    CallDeadlineScope deadline(absl::Now() + absl::Seconds(10));
    std::string value = timeout_in(*pool_);
    EXPECT_NE(value, "0");
    EXPECT_THAT(value, ::testing::AnyOf(::testing::EndsWith("ms"), ::testing::EndsWith("s")));
  }
  {
    CallDeadlineScope deadline(absl::Now() + absl::Hours(24 * 365));
    EXPECT_EQ(timeout_in(*pool_), "15min");  // bounded above
  }
  {
    CallDeadlineScope deadline(absl::InfiniteFuture());
    EXPECT_EQ(timeout_in(*pool_), "0");  // a call without a deadline: none
  }
  EXPECT_EQ(timeout_in(*pool_), "0");  // SET LOCAL: gone with its transaction
}

}  // namespace
}  // namespace sixsteps
