#include "services/assessment/evidence_file_service.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/assessment/evidence_file_domain.h"
#include "services/assessment/keyset_page.h"
#include "services/assessment/page_sizes.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/base/personal_data.h"
#include "services/common/grpc_reply.h"
#include "services/common/pagination.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {
namespace {

absl::Status ValidateOptionalText(absl::string_view text, int max_length, absl::string_view field) {
  if (text.empty()) return absl::OkStatus();
  return ValidateText(text, max_length, field);
}

}  // namespace

grpc::Status EvidenceFileServiceImpl::UploadEvidenceFile(
    grpc::ServerContext* context, grpc::ServerReader<v1::UploadEvidenceFileRequest>* reader,
    v1::EvidenceFile* response) {
  return Authenticated(verifier(), context, response, [&](const Caller& caller) {
    return DoUploadEvidenceFile(caller, *context, [reader](v1::UploadEvidenceFileRequest* next) {
      return reader->Read(next);
    });
  });
}

absl::StatusOr<v1::EvidenceFile> EvidenceFileServiceImpl::CheckUpload(
    const Caller& caller, const v1::EvidenceFileUpload& metadata) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership_id,
                            ParsePartnership(metadata.partnership(), "metadata.partnership"));
  v1::EvidenceFile file;
  SIXSTEPS_ASSIGN_OR_RETURN(std::string file_name,
                            CleanFileName(metadata.file_name(), "metadata.file_name"));
  file.set_file_name(file_name);
  SIXSTEPS_ASSIGN_OR_RETURN(
      v1::Classification classification,
      EffectiveClassification(metadata.classification(), "metadata.classification"));
  file.set_classification(classification);
  // A file's name is free text too: "J Smith DOB 01.02.2015.pdf" must not reach the hub.
  SIXSTEPS_RETURN_IF_ERROR(CheckNoPersonalData("metadata.file_name", file_name));
  SIXSTEPS_RETURN_IF_ERROR(ValidateOptionalFreeText(
      metadata.description(), kMaxFileDescriptionLength, "metadata.description"));
  file.set_description(metadata.description());
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateExpectedSha256(metadata.expected_sha256(), "metadata.expected_sha256"));
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateOptionalText(metadata.target(), kMaxAttachmentTargetLength, "metadata.target"));
  file.set_target(metadata.target());
  std::string assessment_id;
  if (!metadata.assessment().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(assessment_id,
                              ParseAssessmentName(metadata.assessment(), "metadata.assessment"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::string region,
      ReadablePartnershipRegion(*directory_, caller, partnership_id, metadata.partnership()));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanUploadFiles(caller, region, partnership_id));
  // Nobody stores what they could not read back.
  if (!MayReadClassified(caller, region, partnership_id, classification)) {
    return absl::PermissionDeniedError(
        "OFFICIAL-SENSITIVE files are uploaded only by roles bound on the partnership itself");
  }
  if (!assessment_id.empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
    absl::StatusOr<StoredAssessment> round = rounds_->GetAssessment(assessment_id);
    if (!round.ok() || !CanReadRound(caller, visible, round->assessment)) {
      if (round.ok() || round.status().code() == absl::StatusCode::kNotFound) {
        return NotFound(metadata.assessment());
      }
      return round.status();
    }
    if (round->assessment.partnership() != metadata.partnership()) {
      return Invalid("metadata.assessment", "is a round of another partnership");
    }
    SIXSTEPS_RETURN_IF_ERROR(CheckWritable(round->assessment));
    file.set_assessment(round->assessment.name());
  }
  file.set_partnership(metadata.partnership());
  file.set_region(absl::StrCat("regions/", region));
  file.set_uploader(caller.principal);
  return file;
}

absl::StatusOr<v1::EvidenceFile> EvidenceFileServiceImpl::DoUploadEvidenceFile(
    const Caller& caller, const grpc::ServerContext& context, const ReadNext& read) {
  v1::UploadEvidenceFileRequest first;
  if (!read(&first)) {
    if (context.IsCancelled()) return absl::CancelledError("the upload was cancelled");
    return Invalid("metadata", "the stream ended before its first message");
  }
  // The first message is the one with text (CheckRequest, grpc_reply.h); a later one with
  // metadata is refused below, and chunks are bytes.
  SIXSTEPS_RETURN_IF_ERROR(CheckRequestStrings(first));
  if (!first.has_metadata()) return Invalid("metadata", "the first message must carry it");
  SIXSTEPS_ASSIGN_OR_RETURN(v1::EvidenceFile checked, CheckUpload(caller, first.metadata()));
  const std::string expected_sha256 = first.metadata().expected_sha256();
  return files_->StoreUpload([&](BlobWriter& writer) -> absl::StatusOr<v1::EvidenceFile> {
    UploadAccount account(max_file_bytes_);
    std::string media_type;
    // Counts and stores a chunk; detects the type once enough of the file is in.
    auto take = [&](const std::string& chunk) -> absl::Status {
      SIXSTEPS_RETURN_IF_ERROR(account.Add(chunk));
      if (media_type.empty() && static_cast<int64_t>(account.head().size()) >= kTypeSniffBytes) {
        SIXSTEPS_ASSIGN_OR_RETURN(media_type, DetectMediaType(account.head()));
        SIXSTEPS_RETURN_IF_ERROR(CheckAllowedMediaType(media_type));
      }
      return writer.Append(chunk);
    };
    SIXSTEPS_RETURN_IF_ERROR(take(first.chunk()));
    v1::UploadEvidenceFileRequest next;
    while (read(&next)) {
      if (next.has_metadata()) return Invalid("metadata", "only the first message carries it");
      SIXSTEPS_RETURN_IF_ERROR(take(next.chunk()));
    }
    // A stream that ends without the client closing it (cancelled, deadline passed, broken)
    // is not a whole file.
    if (context.IsCancelled()) return absl::CancelledError("the upload was cancelled");
    SIXSTEPS_ASSIGN_OR_RETURN(std::string sha256, account.Finish(expected_sha256));
    if (media_type.empty()) {
      SIXSTEPS_ASSIGN_OR_RETURN(media_type, DetectMediaType(account.head()));
      SIXSTEPS_RETURN_IF_ERROR(CheckAllowedMediaType(media_type));
    }
    v1::EvidenceFile file = checked;
    file.set_media_type(media_type);
    file.set_size_bytes(account.size());
    file.set_sha256(sha256);
    return file;
  });
}

grpc::Status EvidenceFileServiceImpl::DownloadEvidenceFile(
    grpc::ServerContext* context, const v1::DownloadEvidenceFileRequest* request,
    grpc::ServerWriter<v1::DownloadEvidenceFileResponse>* writer) {
  if (grpc::Status bad = CheckRequest(*request); !bad.ok()) return bad;
  absl::StatusOr<Caller> caller = verifier().Authenticate(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<StoredEvidenceFile> found = ReadableFile(*caller, request->name(), "name");
  if (!found.ok()) return ToGrpcStatus(found.status());
  const v1::EvidenceFile& file = found->file;
  if (file.classification() == v1::CLASSIFICATION_OFFICIAL_SENSITIVE) {
    // Recorded before the first byte leaves: a download that fails midway is still audited.
    v1::EvidenceFileDownload download;
    download.set_evidence_file(file.name());
    download.set_partnership(file.partnership());
    download.set_region(file.region());
    download.set_principal(caller->principal);
    *download.mutable_download_time() = TimestampNow();
    download.set_sha256(file.sha256());
    download.set_file_name(file.file_name());
    download.set_classification(file.classification());
    absl::Status recorded = files_->RecordDownload(download);
    if (!recorded.ok()) return ToGrpcStatus(recorded);
  }
  v1::DownloadEvidenceFileResponse head;
  *head.mutable_file() = file;
  if (!writer->Write(head)) return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
  v1::DownloadEvidenceFileResponse message;
  absl::Status sent = files_->ReadBlob(found->blob_id, [&](absl::string_view chunk) {
    message.set_chunk(chunk.data(), chunk.size());
    if (context->IsCancelled() || !writer->Write(message)) {
      return absl::CancelledError("the download was cancelled");
    }
    return absl::OkStatus();
  });
  return ToGrpcStatus(sent);
}

SIXSTEPS_RPC(EvidenceFileServiceImpl, GetEvidenceFile, v1::GetEvidenceFileRequest, v1::EvidenceFile)
absl::StatusOr<v1::EvidenceFile> EvidenceFileServiceImpl::DoGetEvidenceFile(
    const Caller& caller, const v1::GetEvidenceFileRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(StoredEvidenceFile found, ReadableFile(caller, r.name(), "name"));
  return found.file;
}

SIXSTEPS_RPC(EvidenceFileServiceImpl, ListEvidenceFiles, v1::ListEvidenceFilesRequest,
             v1::ListEvidenceFilesResponse)
absl::StatusOr<v1::ListEvidenceFilesResponse> EvidenceFileServiceImpl::DoListEvidenceFiles(
    const Caller& caller, const v1::ListEvidenceFilesRequest& r) {
  EvidenceFileQuery query;
  SIXSTEPS_ASSIGN_OR_RETURN(query.partnership, ParsePartnership(r.partnership(), "partnership"));
  if (!r.assessment().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(query.assessment, ParseAssessmentName(r.assessment(), "assessment"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(
      KeysetPage page,
      ReadKeysetPage(NormalisePageSize(r.page_size(), kListEvidenceFilesPage), r.page_token(),
                     absl::StrCat("evidenceFiles:", r.partnership(), ":", r.assessment())));
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::string region,
      ReadablePartnershipRegion(*directory_, caller, query.partnership, r.partnership()));
  query.include_sensitive = MayReadSensitive(caller, region, query.partnership);
  v1::ListEvidenceFilesResponse response;
  SIXSTEPS_ASSIGN_OR_RETURN(*response.mutable_next_page_token(),
                            page.Fill(
                                [&](int64_t before_seq, int limit, std::vector<int64_t>* seqs) {
                                  query.before_seq = before_seq;
                                  query.limit = limit;
                                  return files_->ListFiles(query, seqs);
                                },
                                response.mutable_evidence_files()));
  return response;
}

SIXSTEPS_RPC(EvidenceFileServiceImpl, ListEvidenceFileDownloads,
             v1::ListEvidenceFileDownloadsRequest, v1::ListEvidenceFileDownloadsResponse)
absl::StatusOr<v1::ListEvidenceFileDownloadsResponse>
EvidenceFileServiceImpl::DoListEvidenceFileDownloads(
    const Caller& caller, const v1::ListEvidenceFileDownloadsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string partnership_id,
                            ParsePartnership(r.partnership(), "partnership"));
  std::string file_id;
  if (!r.evidence_file().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(file_id, ParseEvidenceFileName(r.evidence_file(), "evidence_file"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(
      KeysetPage page,
      ReadKeysetPage(
          NormalisePageSize(r.page_size(), kListEvidenceFileDownloadsPage), r.page_token(),
          absl::StrCat("evidenceFileDownloads:", r.partnership(), ":", r.evidence_file())));
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::string region,
      ReadablePartnershipRegion(*directory_, caller, partnership_id, r.partnership()));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanReadDownloadAudit(caller, region, partnership_id));
  v1::ListEvidenceFileDownloadsResponse response;
  SIXSTEPS_ASSIGN_OR_RETURN(*response.mutable_next_page_token(),
                            page.Fill(
                                [&](int64_t before_seq, int limit, std::vector<int64_t>* seqs) {
                                  return files_->ListDownloads(partnership_id, file_id, before_seq,
                                                               limit, seqs);
                                },
                                response.mutable_downloads()));
  return response;
}

absl::StatusOr<StoredEvidenceFile> EvidenceFileServiceImpl::ReadableFile(const Caller& caller,
                                                                         const std::string& name,
                                                                         absl::string_view field) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseEvidenceFileName(name, field));
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  SIXSTEPS_ASSIGN_OR_RETURN(StoredEvidenceFile found, files_->GetFile(id));
  const std::string region(LastSegment(found.file.region()));
  const std::string partnership(LastSegment(found.file.partnership()));
  if (!CanReadPartnership(caller, visible, region, partnership) ||
      !MayReadClassified(caller, region, partnership, found.file.classification())) {
    return NotFound(name);
  }
  return found;
}

}  // namespace sixsteps::assessment
