// RunningServer end to end on 127.0.0.1:0: the bound port, graceful shutdown, and the
// standard health and reflection services, which are called through grpc::GenericStub
// because Debian ships neither health.proto nor reflection.proto.
#include "services/common/server.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "sixsteps/framework/v1/framework_service.grpc.pb.h"
#include "tests/support/status_matchers.h"

namespace sixsteps {
namespace {

using ::sixsteps::framework::v1::Framework;
using ::sixsteps::framework::v1::FrameworkService;
using ::sixsteps::framework::v1::GetFrameworkRequest;
using ::sixsteps::testing::IsOk;
using ::sixsteps::testing::StatusIs;
using ::testing::AnyOf;
using ::testing::HasSubstr;

constexpr char kBlockingName[] = "frameworks/blocking";
// GetFramework("frameworks/bytes-N") answers with a name of N bytes.
constexpr char kBytesPrefix[] = "frameworks/bytes-";

// A one-shot gate: Wait() blocks until Open().
class Gate {
 public:
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// GetFramework echoes the name; for kBlockingName it first waits until released.
class TestFrameworkService final : public FrameworkService::Service {
 public:
  grpc::Status GetFramework(grpc::ServerContext* context, const GetFrameworkRequest* request,
                            Framework* response) override {
    if (request->name() == kBlockingName) {
      entered.Open();
      release.Wait();
    }
    int bytes = 0;
    if (absl::StartsWith(request->name(), kBytesPrefix) &&
        absl::SimpleAtoi(request->name().substr(sizeof(kBytesPrefix) - 1), &bytes)) {
      response->set_name(std::string(bytes, 'n'));
      return grpc::Status::OK;
    }
    response->set_name(request->name());
    return grpc::Status::OK;
  }

  Gate entered;
  Gate release;
};

// A channel of its own (not sharing connections with other channels to the same target).
std::shared_ptr<grpc::Channel> NewChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

grpc::Status CallGetFramework(FrameworkService::Stub& stub, const std::string& name,
                              Framework* response, absl::Duration deadline = absl::Seconds(10)) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  GetFrameworkRequest request;
  request.set_name(name);
  return stub.GetFramework(&context, request, response);
}

grpc::ByteBuffer BytesToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string BufferToBytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

// Waits for the next event of `cq` and checks that it is `tag` and succeeded.
bool Await(grpc::CompletionQueue& cq, int tag) {
  void* got = nullptr;
  bool ok = false;
  if (!cq.Next(&got, &ok)) return false;
  return ok && got == reinterpret_cast<void*>(static_cast<intptr_t>(tag));
}

void* Tag(int n) { return reinterpret_cast<void*>(static_cast<intptr_t>(n)); }

void DrainAndShutdown(grpc::CompletionQueue& cq) {
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
}

// One unary call of `method` with raw request bytes; returns the raw response bytes.
grpc::Status GenericUnary(const std::string& target, const std::string& method,
                          const std::string& request, std::string* response) {
  grpc::GenericStub stub(NewChannel(target));
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  grpc::ByteBuffer request_buffer = BytesToBuffer(request);
  grpc::ByteBuffer response_buffer;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&context, method, request_buffer, &cq);
  call->StartCall();
  call->Finish(&response_buffer, &status, Tag(1));
  bool done = Await(cq, 1);
  DrainAndShutdown(cq);
  if (!done) return grpc::Status(grpc::StatusCode::INTERNAL, "completion queue failed");
  if (status.ok()) *response = BufferToBytes(response_buffer);
  return status;
}

// Sends one message on a bidirectional stream, closes the sending side and reads one reply.
grpc::Status GenericBidiOnce(const std::string& target, const std::string& method,
                             const std::string& request, std::string* response) {
  grpc::GenericStub stub(NewChannel(target));
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  auto call = stub.PrepareCall(&context, method, &cq);
  grpc::ByteBuffer response_buffer;
  grpc::Status status;
  std::string failed_step;
  call->StartCall(Tag(1));
  if (!Await(cq, 1)) failed_step = "start";
  if (failed_step.empty()) {
    call->Write(BytesToBuffer(request), Tag(2));
    if (!Await(cq, 2)) failed_step = "write";
  }
  if (failed_step.empty()) {
    call->WritesDone(Tag(3));
    if (!Await(cq, 3)) failed_step = "writes done";
  }
  if (failed_step.empty()) {
    call->Read(&response_buffer, Tag(4));
    if (!Await(cq, 4)) failed_step = "read";
  }
  call->Finish(&status, Tag(5));
  bool finished = Await(cq, 5);
  DrainAndShutdown(cq);
  if (!status.ok()) return status;
  if (!finished) failed_step = "finish";
  if (!failed_step.empty()) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "stream failed at " + failed_step);
  }
  *response = BufferToBytes(response_buffer);
  return status;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = RunningServer::Start("127.0.0.1:0", {&service_});
    ASSERT_THAT(started, IsOk());
    server_ = std::move(started).value();
  }

  void TearDown() override {
    // Never leave a handler blocked: the server's destructor would wait for it.
    service_.release.Open();
    server_.reset();
  }

  TestFrameworkService service_;
  std::unique_ptr<RunningServer> server_;
};

TEST_F(ServerTest, BindsAFreePortAndServes) {
  EXPECT_GT(server_->port(), 0);
  EXPECT_EQ(server_->target(), "127.0.0.1:" + std::to_string(server_->port()));
  auto stub = FrameworkService::NewStub(NewChannel(server_->target()));
  Framework response;
  EXPECT_THAT(CallGetFramework(*stub, "frameworks/echo", &response), IsOk());
  EXPECT_EQ(response.name(), "frameworks/echo");
  // A method the test service does not override is UNIMPLEMENTED, not a crash.
  grpc::ClientContext context;
  sixsteps::framework::v1::ListFrameworksRequest request;
  sixsteps::framework::v1::ListFrameworksResponse list;
  EXPECT_THAT(stub->ListFrameworks(&context, request, &list),
              StatusIs(absl::StatusCode::kUnimplemented));
}

TEST_F(ServerTest, TwoServersGetDifferentPorts) {
  TestFrameworkService other_service;
  auto other = RunningServer::Start("127.0.0.1:0", {&other_service});
  ASSERT_THAT(other, IsOk());
  EXPECT_GT((*other)->port(), 0);
  EXPECT_NE((*other)->port(), server_->port());
}

TEST_F(ServerTest, HealthServiceReportsServing) {
  std::string response;
  // HealthCheckRequest{service: ""} encodes as no bytes at all.
  ASSERT_THAT(GenericUnary(server_->target(), "/grpc.health.v1.Health/Check", "", &response),
              IsOk());
  // HealthCheckResponse{status: SERVING (1)}: field 1, varint 1.
  EXPECT_EQ(response, std::string("\x08\x01", 2));

  // A service the health checker does not know is NOT_FOUND.
  std::string unknown_request = std::string("\x0a\x0f", 2) + "no.such.Service";
  EXPECT_THAT(
      GenericUnary(server_->target(), "/grpc.health.v1.Health/Check", unknown_request, &response),
      StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ServerTest, ReflectionListsTheServices) {
  std::string response;
  // ServerReflectionRequest{list_services: ""}: field 7, length-delimited, empty.
  ASSERT_THAT(GenericBidiOnce(server_->target(),
                              "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                              std::string("\x3a\x00", 2), &response),
              IsOk());
  EXPECT_THAT(response, HasSubstr("sixsteps.framework.v1.FrameworkService"));
  EXPECT_THAT(response, HasSubstr("grpc.reflection.v1alpha.ServerReflection"));
}

TEST_F(ServerTest, ShutdownLetsInFlightCallsFinishAndRefusesNewOnes) {
  const std::string target = server_->target();
  auto stub = FrameworkService::NewStub(NewChannel(target));

  grpc::Status in_flight_status;
  Framework in_flight_response;
  std::thread in_flight(
      [&] { in_flight_status = CallGetFramework(*stub, kBlockingName, &in_flight_response); });
  service_.entered.Wait();  // The call is inside the handler.

  std::thread shutdown([&] { server_->Shutdown(absl::Seconds(5)); });

  // Poll until the server refuses new calls: that is when shutdown has begun. Each attempt
  // uses a new channel, so that it cannot ride on a connection opened before shutdown.
  grpc::Status refused;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (absl::Now() < give_up) {
    auto fresh = FrameworkService::NewStub(NewChannel(target));
    Framework response;
    refused = CallGetFramework(*fresh, "frameworks/quick", &response, absl::Seconds(2));
    if (!refused.ok()) break;
    absl::SleepFor(absl::Milliseconds(10));
  }
  // A call that reaches the server as it stops taking streams is refused with UNAVAILABLE; one
  // whose stream the transport had already opened when shutdown began is reset and ends
  // CANCELLED (gRPC's race, seen in CI). Neither returns an answer: both are refusals.
  EXPECT_THAT(refused, AnyOf(StatusIs(absl::StatusCode::kUnavailable),
                             StatusIs(absl::StatusCode::kCancelled)));

  // The call that was in flight when shutdown began still completes normally.
  service_.release.Open();
  in_flight.join();
  EXPECT_THAT(in_flight_status, IsOk());
  EXPECT_EQ(in_flight_response.name(), kBlockingName);
  shutdown.join();

  // After shutdown nothing is served, not even on the channel that was connected.
  Framework response;
  EXPECT_THAT(CallGetFramework(*stub, "frameworks/late", &response, absl::Seconds(2)),
              StatusIs(absl::StatusCode::kUnavailable));
  // Shutting down twice is harmless.
  server_->Shutdown(absl::ZeroDuration());
}

// ---- Limits (issue 13): message sizes, threads ----

TEST(ServerLimitsTest, ARequestOverTheServersLimitIsRefusedWithResourceExhausted) {
  TestFrameworkService service;
  auto server = RunningServer::Start("127.0.0.1:0", {&service});
  ASSERT_THAT(server, IsOk());
  auto stub = FrameworkService::NewStub(NewChannel((*server)->target()));
  Framework response;
  // A client that sends whatever it likes (gRPC clients send without limit by default).
  EXPECT_THAT(CallGetFramework(*stub, std::string(kMaxRequestMessageBytes + 1, 'x'), &response),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(CallGetFramework(*stub, std::string(1024 * 1024, 'x'), &response), IsOk());
}

TEST(ServerLimitsTest, ConfiguredMessageLimitsAreEnforcedBothWays) {
  TestFrameworkService service;
  ServerLimits limits;
  limits.max_receive_message_bytes = 64 * 1024;
  limits.max_send_message_bytes = 32 * 1024;
  auto server = RunningServer::Start("127.0.0.1:0", {&service}, nullptr, limits);
  ASSERT_THAT(server, IsOk());
  auto stub = FrameworkService::NewStub(NewChannel((*server)->target()));
  Framework response;
  EXPECT_THAT(CallGetFramework(*stub, std::string(100 * 1024, 'x'), &response),
              StatusIs(absl::StatusCode::kResourceExhausted));
  // Received (under 64 KiB), but the echo is over the 32 KiB the server may send.
  EXPECT_THAT(CallGetFramework(*stub, std::string(48 * 1024, 'x'), &response),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(CallGetFramework(*stub, std::string(16 * 1024, 'x'), &response), IsOk());
  EXPECT_EQ(response.name().size(), 16u * 1024);
}

TEST(ServerLimitsTest, ServiceChannelsSendAndAcceptWhatTheServersDo) {
  TestFrameworkService service;
  auto server = RunningServer::Start("127.0.0.1:0", {&service});
  ASSERT_THAT(server, IsOk());
  auto stub = FrameworkService::NewStub(grpc::CreateCustomChannel(
      (*server)->target(), grpc::InsecureChannelCredentials(), ServiceChannelArguments()));
  Framework response;
  // A response over gRPC's default 4 MiB (a report export, a long page) is accepted...
  EXPECT_THAT(CallGetFramework(*stub, absl::StrCat(kBytesPrefix, 5 * 1024 * 1024), &response),
              IsOk());
  EXPECT_EQ(response.name().size(), 5u * 1024 * 1024);
  // ...one over 16 MiB is not sent...
  EXPECT_THAT(
      CallGetFramework(*stub, absl::StrCat(kBytesPrefix, kMaxResponseMessageBytes + 1), &response),
      StatusIs(absl::StatusCode::kResourceExhausted));
  // ...and the client sends no request over the servers' 4 MiB.
  EXPECT_THAT(CallGetFramework(*stub, std::string(kMaxRequestMessageBytes + 1, 'x'), &response),
              StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_THAT(CallGetFramework(*stub, "frameworks/after", &response), IsOk());
}

// One client holding every thread gets the calls beyond refused, rather than the server
// starting threads without bound; when its calls end the server serves again.
TEST(ServerLimitsTest, CallsBeyondTheThreadCapAreRefused) {
  TestFrameworkService service;
  ServerLimits limits;
  limits.max_threads = 8;
  auto server = RunningServer::Start("127.0.0.1:0", {&service}, nullptr, limits);
  ASSERT_THAT(server, IsOk());
  auto stub = FrameworkService::NewStub(NewChannel((*server)->target()));
  constexpr int kCalls = 40;
  std::atomic<int> exhausted{0};
  std::atomic<int> served{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&] {
      Framework response;
      grpc::Status status = CallGetFramework(*stub, kBlockingName, &response, absl::Seconds(60));
      if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) ++exhausted;
      if (status.ok()) ++served;
    });
  }
  // Bounded: until some call has been refused, or 30 seconds.
  for (int i = 0; i < 300 && exhausted == 0; ++i) absl::SleepFor(absl::Milliseconds(100));
  service.release.Open();
  for (std::thread& caller : callers) caller.join();
  EXPECT_GT(exhausted.load(), 0);
  EXPECT_GT(served.load(), 0);
  EXPECT_EQ(exhausted + served, kCalls);
  Framework response;
  EXPECT_THAT(CallGetFramework(*stub, "frameworks/after", &response), IsOk());
}

}  // namespace
}  // namespace sixsteps
