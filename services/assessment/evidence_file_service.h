// The gRPC EvidenceFileService (issue 16): uploads by client streaming, downloads by server
// streaming, files' records and the download audit log of OFFICIAL-SENSITIVE files. Served
// by the assessment service, beside AssessmentService.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "services/assessment/directory.h"
#include "services/assessment/evidence_file_store.h"
#include "services/assessment/store.h"
#include "services/common/auth.h"
#include "sixsteps/assessment/v1/evidence_file_service.grpc.pb.h"

namespace sixsteps::assessment {

class EvidenceFileServiceImpl final : public v1::EvidenceFileService::Service {
 public:
  // Everything must outlive the service. `max_file_bytes` caps one file.
  EvidenceFileServiceImpl(EvidenceFileStore* files, AssessmentStore* rounds, Directory* directory,
                          const auth::TokenVerifier* verifier, int64_t max_file_bytes)
      : files_(files),
        rounds_(rounds),
        directory_(directory),
        verifier_(verifier),
        max_file_bytes_(max_file_bytes) {}

  grpc::Status UploadEvidenceFile(grpc::ServerContext* context,
                                  grpc::ServerReader<v1::UploadEvidenceFileRequest>* reader,
                                  v1::EvidenceFile* response) override;
  grpc::Status DownloadEvidenceFile(
      grpc::ServerContext* context, const v1::DownloadEvidenceFileRequest* request,
      grpc::ServerWriter<v1::DownloadEvidenceFileResponse>* writer) override;
  grpc::Status GetEvidenceFile(grpc::ServerContext*, const v1::GetEvidenceFileRequest*,
                               v1::EvidenceFile*) override;
  grpc::Status ListEvidenceFiles(grpc::ServerContext*, const v1::ListEvidenceFilesRequest*,
                                 v1::ListEvidenceFilesResponse*) override;
  grpc::Status ListEvidenceFileDownloads(grpc::ServerContext*,
                                         const v1::ListEvidenceFileDownloadsRequest*,
                                         v1::ListEvidenceFileDownloadsResponse*) override;

 private:
  const auth::TokenVerifier& verifier() const { return *verifier_; }

  // The stream's reads, so that the upload's rules can be tested without gRPC.
  using ReadNext = std::function<bool(v1::UploadEvidenceFileRequest*)>;
  absl::StatusOr<v1::EvidenceFile> DoUploadEvidenceFile(const Caller& caller,
                                                        const grpc::ServerContext& context,
                                                        const ReadNext& read);
  absl::StatusOr<v1::EvidenceFile> DoGetEvidenceFile(const Caller& caller,
                                                     const v1::GetEvidenceFileRequest& r);
  absl::StatusOr<v1::ListEvidenceFilesResponse> DoListEvidenceFiles(
      const Caller& caller, const v1::ListEvidenceFilesRequest& r);
  absl::StatusOr<v1::ListEvidenceFileDownloadsResponse> DoListEvidenceFileDownloads(
      const Caller& caller, const v1::ListEvidenceFileDownloadsRequest& r);

  // The upload's metadata checked, with the region filled in; the round checked if named.
  absl::StatusOr<v1::EvidenceFile> CheckUpload(const Caller& caller,
                                               const v1::EvidenceFileUpload& metadata);
  // A file the caller may read (its classification included); NOT_FOUND otherwise.
  absl::StatusOr<StoredEvidenceFile> ReadableFile(const Caller& caller, const std::string& name,
                                                  absl::string_view field);

  EvidenceFileStore* files_;
  AssessmentStore* rounds_;
  Directory* directory_;
  const auth::TokenVerifier* verifier_;
  const int64_t max_file_bytes_;
};

}  // namespace sixsteps::assessment
