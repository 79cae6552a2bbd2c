// The framework service end to end, one file per resource (framework_adaptation_test.cc,
// framework_versions_test.cc, framework_documents_test.cc): a real PostgreSQL database, the
// real gRPC server on 127.0.0.1, called through the generated client.
#pragma once

#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/requests.h"
#include "tests/support/shared_hub.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing::framework_test {

namespace v1 = ::sixsteps::framework::v1;
using Stub = v1::FrameworkService::Stub;

inline constexpr char kBuiltIn[] = "frameworks/six-steps/versions/2019";

// The world of every case: the deployment administrator (token_). These tests are about
// the framework rules; framework_auth_test.cc is about who may call them.
struct FrameworkPeople {
  std::string token_;
};

// One hub for the suite (support/shared_hub.h): the framework service keeps nothing but its
// rows, which are put back before each case.
class FrameworkServiceTest : public SharedHubTest<FrameworkPeople> {
 protected:
  void SetUp() override {
    SetUpHub("framework");
    if (HasFatalFailure()) return;
    stub_ = hub_->FrameworkStub();
  }

  void MakePeople() override { token_ = hub_->admin_token(); }

  // Calls `method` as the deployment administrator.
  template <typename Request, typename Response>
  grpc::Status As(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const Request& request, Response* response) {
    grpc::ClientContext context;
    Authorize(context, token_);
    return (stub_.get()->*method)(&context, request, response);
  }

  grpc::Status GetVersion(const std::string& name, v1::FrameworkVersion* version) {
    return As(&Stub::GetFrameworkVersion, Named<v1::GetFrameworkVersionRequest>(name), version);
  }

  v1::FrameworkVersion MustGetVersion(const std::string& name) {
    v1::FrameworkVersion version;
    grpc::Status status = GetVersion(name, &version);
    EXPECT_THAT(status, IsOk());
    return version;
  }

  grpc::Status GetFramework(const std::string& name, v1::Framework* framework) {
    return As(&Stub::GetFramework, Named<v1::GetFrameworkRequest>(name), framework);
  }

  grpc::Status Adapt(const std::string& source, const std::string& id,
                     v1::AdaptFrameworkResponse* response) {
    v1::AdaptFrameworkRequest request;
    request.set_source_version(source);
    request.set_framework_id(id);
    request.set_display_name("Adapted " + id);
    request.set_region("north-east");
    return As(&Stub::AdaptFramework, request, response);
  }

  // Adapts the built-in framework into a draft "frameworks/{id}/versions/1".
  v1::FrameworkVersion MustAdapt(const std::string& id) {
    v1::AdaptFrameworkResponse response;
    EXPECT_THAT(Adapt(kBuiltIn, id, &response), IsOk());
    return response.version();
  }

  grpc::Status Update(const v1::FrameworkVersion& version, std::vector<std::string> paths,
                      v1::FrameworkVersion* updated) {
    v1::UpdateFrameworkVersionRequest request;
    *request.mutable_framework_version() = version;
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    return As(&Stub::UpdateFrameworkVersion, request, updated);
  }

  grpc::Status Publish(const std::string& name, v1::FrameworkVersion* published,
                       const std::string& etag = "") {
    auto request = Named<v1::PublishFrameworkVersionRequest>(name);
    request.set_etag(etag);
    return As(&Stub::PublishFrameworkVersion, request, published);
  }

  grpc::Status Retire(const std::string& name, v1::FrameworkVersion* retired) {
    return As(&Stub::RetireFrameworkVersion, Named<v1::RetireFrameworkVersionRequest>(name),
              retired);
  }

  grpc::Status Delete(const std::string& name) {
    google::protobuf::Empty empty;
    return As(&Stub::DeleteFrameworkVersion, Named<v1::DeleteFrameworkVersionRequest>(name),
              &empty);
  }

  grpc::Status CreateVersion(const std::string& parent, const std::string& version_id,
                             v1::FrameworkVersion* created) {
    auto request = ParentOf<v1::CreateFrameworkVersionRequest>(parent);
    request.set_version_id(version_id);
    return As(&Stub::CreateFrameworkVersion, request, created);
  }

  grpc::Status Export(const std::string& name, v1::FrameworkDocument* document) {
    v1::ExportFrameworkVersionResponse response;
    grpc::Status status = As(&Stub::ExportFrameworkVersion,
                             Named<v1::ExportFrameworkVersionRequest>(name), &response);
    *document = response.document();
    return status;
  }

  std::unique_ptr<v1::FrameworkService::Stub> stub_;
};

inline std::vector<std::string> StepIds(const v1::FrameworkVersion& version) {
  std::vector<std::string> ids;
  for (const auto& step : version.steps()) ids.push_back(step.id());
  return ids;
}

}  // namespace sixsteps::testing::framework_test
