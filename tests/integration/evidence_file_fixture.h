// The fixture of the evidence-file integration tests (evidence_file_*_test.cc): the
// assessment fixture's hub and people (assessment_fixture.h), a region dashboard and a
// partnership viewer besides, and uploads and downloads through the generated streaming
// client.
#pragma once

#include <pqxx/pqxx>

#include "services/assessment/evidence_file_domain.h"
#include "tests/integration/assessment_fixture.h"

namespace sixsteps::testing::assessment_test {

using FStub = av1::EvidenceFileService::Stub;
inline constexpr int kMiB = 1024 * 1024;

// `size` bytes of CSV (an allowed type), different for each `seed`.
inline std::string CsvBytes(int64_t size, int seed = 0) {
  std::string csv = "agency,cases,graded,seed\n";
  for (int row = 0; static_cast<int64_t>(csv.size()) < size; ++row) {
    absl::StrAppend(&csv, "agency", row % 7, ",", row, ",", (row * 31 + seed) % 97, ",", seed,
                    "\n");
  }
  csv.resize(static_cast<size_t>(size));
  csv.back() = '\n';
  return csv;
}

inline std::string HexSha256(const std::string& bytes) {
  sixsteps::assessment::Sha256 hash;
  hash.Update(bytes);
  return hash.HexDigest();
}

inline av1::EvidenceFileUpload Metadata(
    const std::string& file_name,
    av1::Classification classification = av1::CLASSIFICATION_UNSPECIFIED) {
  av1::EvidenceFileUpload metadata;
  metadata.set_partnership(kPartnership);
  metadata.set_file_name(file_name);
  metadata.set_classification(classification);
  return metadata;
}

struct Download {
  grpc::Status status;
  av1::EvidenceFile file;
  std::string bytes;
  int messages = 0;
};

class EvidenceFileTest : public AssessmentServiceTest {
 protected:
  void SetUp() override {
    AssessmentServiceTest::SetUp();
    files_ = hub_->EvidenceFileStub();
    dashboard_ = MustUser("dashboard@north-east.test",
                          {{Role::ROLE_DASHBOARD, absl::StrCat("regions/", kRegion), ""}});
    region_viewer_ = MustUser("viewer@north-east.test",
                              {{Role::ROLE_VIEWER, absl::StrCat("regions/", kRegion), ""}});
    viewer_ = MustUser("viewer@sunderland.test", {{Role::ROLE_VIEWER, kPartnership, ""}});
  }

  using UploadWriter = std::unique_ptr<grpc::ClientWriter<av1::UploadEvidenceFileRequest>>;

  // Opens an upload on `stub` as `token` (on `context`, which must outlive it: two minutes at
  // most) and sends a first message carrying only `metadata`, then `bytes` in chunks of
  // `chunk_size`. `*open` says whether every message was taken; the caller ends the upload.
  static UploadWriter SendUpload(FStub& stub, grpc::ClientContext& context,
                                 const std::string& token, const av1::EvidenceFileUpload& metadata,
                                 const std::string& bytes, av1::EvidenceFile* file, bool* open,
                                 int64_t chunk_size = kMiB) {
    Authorize(context, token);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    UploadWriter writer = stub.UploadEvidenceFile(&context, file);
    av1::UploadEvidenceFileRequest first;
    *first.mutable_metadata() = metadata;
    *open = writer->Write(first);
    for (size_t at = 0; *open && at < bytes.size(); at += static_cast<size_t>(chunk_size)) {
      av1::UploadEvidenceFileRequest next;
      next.set_chunk(bytes.substr(at, static_cast<size_t>(chunk_size)));
      *open = writer->Write(next);
    }
    return writer;
  }

  // Uploads `bytes` in chunks of `chunk_size`, the first message carrying only `metadata`.
  grpc::Status Upload(const std::string& token, const av1::EvidenceFileUpload& metadata,
                      const std::string& bytes, av1::EvidenceFile* file,
                      int64_t chunk_size = kMiB) {
    grpc::ClientContext context;
    bool open = false;
    UploadWriter writer =
        SendUpload(*files_, context, token, metadata, bytes, file, &open, chunk_size);
    writer->WritesDone();
    return writer->Finish();
  }

  av1::EvidenceFile MustUpload(const std::string& token, const av1::EvidenceFileUpload& metadata,
                               const std::string& bytes) {
    av1::EvidenceFile file;
    EXPECT_THAT(Upload(token, metadata, bytes, &file), IsOk()) << metadata.file_name();
    return file;
  }

  Download Fetch(const std::string& token, const std::string& name) {
    Download result;
    grpc::ClientContext context;
    Authorize(context, token);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    av1::DownloadEvidenceFileRequest request;
    request.set_name(name);
    auto reader = files_->DownloadEvidenceFile(&context, request);
    av1::DownloadEvidenceFileResponse message;
    while (reader->Read(&message)) {
      if (result.messages++ == 0) {
        result.file = message.file();
        EXPECT_TRUE(message.chunk().empty());
      } else {
        EXPECT_FALSE(message.has_file());
        EXPECT_LE(static_cast<int64_t>(message.chunk().size()), kMiB);
        result.bytes += message.chunk();
      }
    }
    result.status = reader->Finish();
    return result;
  }

  grpc::Status GetFile(const std::string& token, const std::string& name, av1::EvidenceFile* out) {
    av1::GetEvidenceFileRequest request;
    request.set_name(name);
    return Invoke(files_.get(), &FStub::GetEvidenceFile, token, request, out);
  }

  std::vector<std::string> ListedNames(const std::string& token) {
    av1::ListEvidenceFilesRequest request;
    request.set_partnership(kPartnership);
    av1::ListEvidenceFilesResponse response;
    EXPECT_THAT(Invoke(files_.get(), &FStub::ListEvidenceFiles, token, request, &response), IsOk());
    std::vector<std::string> names;
    for (const auto& file : response.evidence_files()) names.push_back(file.name());
    return names;
  }

  // Rows of a table of the assessment database (`where` may be empty).
  int64_t Rows(const std::string& table, const std::string& where = "") {
    pqxx::connection connection(hub_->assessment_database_url());
    pqxx::work txn(connection);
    return txn
        .exec(absl::StrCat("SELECT count(*) FROM ", table, where.empty() ? "" : " WHERE ",
                           where))[0][0]
        .as<int64_t>();
  }

  // Nothing of any upload is stored: no file, blob, chunk, nor its change.
  void ExpectNothingStored() {
    EXPECT_EQ(Rows("evidence_files"), 0);
    EXPECT_EQ(Rows("evidence_blobs"), 0);
    EXPECT_EQ(Rows("evidence_blob_chunks"), 0);
    EXPECT_EQ(Rows("changes",
                   "sequence > 0 AND record IS NOT NULL AND octet_length(record) > 0 "
                   "AND position('evidenceFiles/'::bytea in record) > 0"),
              0);
  }

  // Waits (without asserting on time) until no session of the assessment database holds an
  // open transaction: an upload the server is still unwinding has then ended.
  void AwaitNoOpenTransactions() {
    for (int i = 0; i < 600; ++i) {
      int64_t open = Rows("pg_stat_activity",
                          "datname = current_database() AND pid <> pg_backend_pid() "
                          "AND xact_start IS NOT NULL");
      if (open == 0) return;
      absl::SleepFor(absl::Milliseconds(50));
    }
  }

  std::unique_ptr<FStub> files_;
  std::string dashboard_;
  std::string region_viewer_;
  std::string viewer_;
};

}  // namespace sixsteps::testing::assessment_test
