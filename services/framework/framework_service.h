// The gRPC FrameworkService: validates requests, applies the domain rules and calls the
// store. Each RPC authenticates (SIXSTEPS_RPC), then calls its handler Do{Rpc}, which returns
// absl::StatusOr.
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

  grpc::Status GetFramework(grpc::ServerContext*, const v1::GetFrameworkRequest*,
                            v1::Framework*) override;
  grpc::Status ListFrameworks(grpc::ServerContext*, const v1::ListFrameworksRequest*,
                              v1::ListFrameworksResponse*) override;
  grpc::Status AdaptFramework(grpc::ServerContext*, const v1::AdaptFrameworkRequest*,
                              v1::AdaptFrameworkResponse*) override;
  grpc::Status GetFrameworkVersion(grpc::ServerContext*, const v1::GetFrameworkVersionRequest*,
                                   v1::FrameworkVersion*) override;
  grpc::Status ListFrameworkVersions(grpc::ServerContext*, const v1::ListFrameworkVersionsRequest*,
                                     v1::ListFrameworkVersionsResponse*) override;
  grpc::Status CreateFrameworkVersion(grpc::ServerContext*,
                                      const v1::CreateFrameworkVersionRequest*,
                                      v1::FrameworkVersion*) override;
  grpc::Status UpdateFrameworkVersion(grpc::ServerContext*,
                                      const v1::UpdateFrameworkVersionRequest*,
                                      v1::FrameworkVersion*) override;
  grpc::Status DeleteFrameworkVersion(grpc::ServerContext*,
                                      const v1::DeleteFrameworkVersionRequest*,
                                      google::protobuf::Empty*) override;
  grpc::Status PublishFrameworkVersion(grpc::ServerContext*,
                                       const v1::PublishFrameworkVersionRequest*,
                                       v1::FrameworkVersion*) override;
  grpc::Status RetireFrameworkVersion(grpc::ServerContext*,
                                      const v1::RetireFrameworkVersionRequest*,
                                      v1::FrameworkVersion*) override;
  grpc::Status ExportFrameworkVersion(grpc::ServerContext*,
                                      const v1::ExportFrameworkVersionRequest*,
                                      v1::ExportFrameworkVersionResponse*) override;
  grpc::Status ImportFrameworkVersion(grpc::ServerContext*,
                                      const v1::ImportFrameworkVersionRequest*,
                                      v1::ImportFrameworkVersionResponse*) override;
  grpc::Status DiffFrameworkVersions(grpc::ServerContext*, const v1::DiffFrameworkVersionsRequest*,
                                     v1::DiffFrameworkVersionsResponse*) override;

 private:
  // What SIXSTEPS_RPC authenticates callers with.
  const auth::TokenVerifier& verifier() const { return *verifier_; }

  // The handlers of the RPCs, one per RPC, named Do{Rpc}.
  absl::StatusOr<v1::ListFrameworksResponse> DoListFrameworks(
      const auth::Caller& caller, const v1::ListFrameworksRequest& request);
  absl::StatusOr<v1::AdaptFrameworkResponse> DoAdaptFramework(
      const auth::Caller& caller, const v1::AdaptFrameworkRequest& request);
  absl::StatusOr<v1::ListFrameworkVersionsResponse> DoListFrameworkVersions(
      const auth::Caller& caller, const v1::ListFrameworkVersionsRequest& request);
  absl::StatusOr<v1::FrameworkVersion> DoCreateFrameworkVersion(
      const auth::Caller& caller, const v1::CreateFrameworkVersionRequest& request);
  absl::StatusOr<v1::FrameworkVersion> DoUpdateFrameworkVersion(
      const auth::Caller& caller, const v1::UpdateFrameworkVersionRequest& request);
  absl::StatusOr<google::protobuf::Empty> DoDeleteFrameworkVersion(
      const auth::Caller& caller, const v1::DeleteFrameworkVersionRequest& request);
  absl::StatusOr<v1::FrameworkVersion> DoPublishFrameworkVersion(
      const auth::Caller& caller, const v1::PublishFrameworkVersionRequest& request);
  absl::StatusOr<v1::FrameworkVersion> DoRetireFrameworkVersion(
      const auth::Caller& caller, const v1::RetireFrameworkVersionRequest& request);
  absl::StatusOr<v1::ExportFrameworkVersionResponse> DoExportFrameworkVersion(
      const auth::Caller& caller, const v1::ExportFrameworkVersionRequest& request);
  absl::StatusOr<v1::ImportFrameworkVersionResponse> DoImportFrameworkVersion(
      const auth::Caller& caller, const v1::ImportFrameworkVersionRequest& request);
  absl::StatusOr<v1::DiffFrameworkVersionsResponse> DoDiffFrameworkVersions(
      const auth::Caller& caller, const v1::DiffFrameworkVersionsRequest& request);

  absl::StatusOr<v1::Framework> DoGetFramework(const auth::Caller& caller,
                                               const v1::GetFrameworkRequest& request);
  absl::StatusOr<v1::FrameworkVersion> DoGetFrameworkVersion(
      const auth::Caller& caller, const v1::GetFrameworkVersionRequest& request);
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
