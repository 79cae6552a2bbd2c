// The gRPC FrameworkService: validates requests, applies the domain rules and calls the
// store. Each handler is one line over a method returning absl::StatusOr.
#pragma once

#include "absl/status/statusor.h"
#include "services/common/auth.h"
#include "services/framework/store.h"
#include "sixsteps/framework/v1/framework_service.grpc.pb.h"

namespace sixsteps::framework {

class FrameworkServiceImpl final : public v1::FrameworkService::Service {
 public:
  // `store` and `verifier` must outlive the service.
  FrameworkServiceImpl(FrameworkStore* store, const auth::TokenVerifier* verifier)
      : store_(store), verifier_(verifier) {}

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
  absl::StatusOr<v1::ListFrameworksResponse> List(const auth::Caller& caller,
                                                  const v1::ListFrameworksRequest& request);
  absl::StatusOr<v1::AdaptFrameworkResponse> Adapt(const auth::Caller& caller,
                                                   const v1::AdaptFrameworkRequest& request);
  absl::StatusOr<v1::ListFrameworkVersionsResponse> ListVersions(
      const auth::Caller& caller, const v1::ListFrameworkVersionsRequest& request);
  absl::StatusOr<v1::FrameworkVersion> CreateVersion(
      const auth::Caller& caller, const v1::CreateFrameworkVersionRequest& request);
  absl::StatusOr<v1::FrameworkVersion> Update(const auth::Caller& caller,
                                              const v1::UpdateFrameworkVersionRequest& request);
  absl::StatusOr<google::protobuf::Empty> Delete(const auth::Caller& caller,
                                                 const v1::DeleteFrameworkVersionRequest& request);
  absl::StatusOr<v1::FrameworkVersion> Publish(const auth::Caller& caller,
                                               const v1::PublishFrameworkVersionRequest& request);
  absl::StatusOr<v1::FrameworkVersion> Retire(const auth::Caller& caller,
                                              const v1::RetireFrameworkVersionRequest& request);
  absl::StatusOr<v1::ExportFrameworkVersionResponse> Export(
      const auth::Caller& caller, const v1::ExportFrameworkVersionRequest& request);
  absl::StatusOr<v1::ImportFrameworkVersionResponse> Import(
      const auth::Caller& caller, const v1::ImportFrameworkVersionRequest& request);
  absl::StatusOr<v1::DiffFrameworkVersionsResponse> DiffVersions(
      const auth::Caller& caller, const v1::DiffFrameworkVersionsRequest& request);

  absl::StatusOr<v1::Framework> DoGetFramework(const auth::Caller& caller,
                                               const v1::GetFrameworkRequest& request);
  absl::StatusOr<v1::FrameworkVersion> DoGetVersion(const auth::Caller& caller,
                                                    const v1::GetFrameworkVersionRequest& request);
  // The framework if the caller may see it; NOT_FOUND otherwise, as if it did not exist.
  absl::StatusOr<v1::Framework> VisibleFramework(const auth::Caller& caller,
                                                 const std::string& framework_id);
  // The version if the caller may see its framework; NOT_FOUND otherwise.
  absl::StatusOr<v1::FrameworkVersion> VisibleVersion(const auth::Caller& caller,
                                                      const VersionName& name);
  // The framework of `name` if the caller may change it.
  absl::Status CheckCanManage(const auth::Caller& caller, const std::string& framework_id);

  // Ids a draft must not give to new items: those its predecessor used.
  absl::flat_hash_set<std::string> ReservedIds(const VersionName& draft);

  FrameworkStore* store_;
  const auth::TokenVerifier* verifier_;
};

}  // namespace sixsteps::framework
