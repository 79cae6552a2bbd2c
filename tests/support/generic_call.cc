#include "tests/support/generic_call.h"

#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sixsteps::testing {

grpc::Status GenericUnary(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                          const std::string& request, std::string* response,
                          const std::vector<std::pair<std::string, std::string>>& metadata) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&context, method, request_buffer, &cq);
  call->StartCall();
  void* const kDone = reinterpret_cast<void*>(1);
  call->Finish(&response_buffer, &status, kDone);
  void* tag = nullptr;
  bool ok = false;
  bool got = cq.Next(&tag, &ok);
  cq.Shutdown();
  void* ignored_tag;
  bool ignored_ok;
  while (cq.Next(&ignored_tag, &ignored_ok)) {
  }
  if (!got || !ok || tag != kDone) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "completion queue failed");
  }
  if (status.ok() && response != nullptr) {
    std::vector<grpc::Slice> slices;
    (void)response_buffer.Dump(&slices);
    response->clear();
    for (const grpc::Slice& s : slices) {
      response->append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  return status;
}

grpc::Status HealthCheck(const std::shared_ptr<grpc::Channel>& channel, bool* serving) {
  std::string response;
  // HealthCheckRequest{service: ""} is the empty message.
  grpc::Status status = GenericUnary(channel, "/grpc.health.v1.Health/Check", "", &response);
  // HealthCheckResponse{status: SERVING (1)}: field 1, varint 1.
  *serving = status.ok() && response == std::string("\x08\x01", 2);
  return status;
}

}  // namespace sixsteps::testing
