// The gRPC FrameworkService: validates requests, applies the domain rules and calls the
// store. Each handler is one line over a method returning absl::StatusOr.
#pragma once

#include "absl/status/statusor.h"
#include "services/framework/store.h"
#include "sixsteps/framework/v1/framework_service.grpc.pb.h"

namespace sixsteps::framework {

class FrameworkServiceImpl final : public v1::FrameworkService::Service {
 public:
  // `store` must outlive the service.
  explicit FrameworkServiceImpl(FrameworkStore* store) : store_(store) {}

  grpc::Status GetFramework(grpc::ServerContext*, const v1::GetFrameworkRequest* request,
                            v1::Framework* response) override;
  grpc::Status ListFrameworks(grpc::ServerContext*, const v1::ListFrameworksRequest* request,
                              v1::ListFrameworksResponse* response) override;
  grpc::Status AdaptFramework(grpc::ServerContext*, const v1::AdaptFrameworkRequest* request,
                              v1::AdaptFrameworkResponse* response) override;
  grpc::Status GetFrameworkVersion(grpc::ServerContext*,
                                   const v1::GetFrameworkVersionRequest* request,
                                   v1::FrameworkVersion* response) override;
  grpc::Status ListFrameworkVersions(grpc::ServerContext*,
                                     const v1::ListFrameworkVersionsRequest* request,
                                     v1::ListFrameworkVersionsResponse* response) override;
  grpc::Status CreateFrameworkVersion(grpc::ServerContext*,
                                      const v1::CreateFrameworkVersionRequest* request,
                                      v1::FrameworkVersion* response) override;
  grpc::Status UpdateFrameworkVersion(grpc::ServerContext*,
                                      const v1::UpdateFrameworkVersionRequest* request,
                                      v1::FrameworkVersion* response) override;
  grpc::Status DeleteFrameworkVersion(grpc::ServerContext*,
                                      const v1::DeleteFrameworkVersionRequest* request,
                                      google::protobuf::Empty* response) override;
  grpc::Status PublishFrameworkVersion(grpc::ServerContext*,
                                       const v1::PublishFrameworkVersionRequest* request,
                                       v1::FrameworkVersion* response) override;
  grpc::Status RetireFrameworkVersion(grpc::ServerContext*,
                                      const v1::RetireFrameworkVersionRequest* request,
                                      v1::FrameworkVersion* response) override;
  grpc::Status ExportFrameworkVersion(grpc::ServerContext*,
                                      const v1::ExportFrameworkVersionRequest* request,
                                      v1::ExportFrameworkVersionResponse* response) override;
  grpc::Status ImportFrameworkVersion(grpc::ServerContext*,
                                      const v1::ImportFrameworkVersionRequest* request,
                                      v1::ImportFrameworkVersionResponse* response) override;
  grpc::Status DiffFrameworkVersions(grpc::ServerContext*,
                                     const v1::DiffFrameworkVersionsRequest* request,
                                     v1::DiffFrameworkVersionsResponse* response) override;

 private:
  absl::StatusOr<v1::ListFrameworksResponse> List(const v1::ListFrameworksRequest& request);
  absl::StatusOr<v1::AdaptFrameworkResponse> Adapt(const v1::AdaptFrameworkRequest& request);
  absl::StatusOr<v1::ListFrameworkVersionsResponse> ListVersions(
      const v1::ListFrameworkVersionsRequest& request);
  absl::StatusOr<v1::FrameworkVersion> CreateVersion(
      const v1::CreateFrameworkVersionRequest& request);
  absl::StatusOr<v1::FrameworkVersion> Update(const v1::UpdateFrameworkVersionRequest& request);
  absl::Status Delete(const v1::DeleteFrameworkVersionRequest& request);
  absl::StatusOr<v1::FrameworkVersion> Publish(const v1::PublishFrameworkVersionRequest& request);
  absl::StatusOr<v1::FrameworkVersion> Retire(const v1::RetireFrameworkVersionRequest& request);
  absl::StatusOr<v1::ExportFrameworkVersionResponse> Export(
      const v1::ExportFrameworkVersionRequest& request);
  absl::StatusOr<v1::ImportFrameworkVersionResponse> Import(
      const v1::ImportFrameworkVersionRequest& request);
  absl::StatusOr<v1::DiffFrameworkVersionsResponse> DiffVersions(
      const v1::DiffFrameworkVersionsRequest& request);

  // Ids a draft must not give to new items: those its predecessor used.
  absl::flat_hash_set<std::string> ReservedIds(const VersionName& draft);

  FrameworkStore* store_;
};

}  // namespace sixsteps::framework
