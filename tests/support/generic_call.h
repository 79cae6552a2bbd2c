// Calls any gRPC method with raw protobuf bytes, for services this build has no generated
// stubs for (health, reflection) and for tests that walk every method of a service.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/channel.h>
#include <grpcpp/support/status.h>

namespace sixsteps::testing {

// One unary call of `method` ("/package.Service/Method") with the serialised request;
// sets `response` to the serialised reply. `metadata` is sent with the call.
grpc::Status GenericUnary(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                          const std::string& request, std::string* response,
                          const std::vector<std::pair<std::string, std::string>>& metadata = {});

// The standard health check of service "" ; `serving` is true when it answers SERVING.
grpc::Status HealthCheck(const std::shared_ptr<grpc::Channel>& channel, bool* serving);

}  // namespace sixsteps::testing
