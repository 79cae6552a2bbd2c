// Storage of evidence files' records, their blobs and their download audit log, each
// write in one transaction with its change in the feed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/assessment/blob_store.h"
#include "sixsteps/assessment/v1/evidence_file.pb.h"

namespace sixsteps::assessment {

// A file's record and where its contents are.
struct StoredEvidenceFile {
  v1::EvidenceFile file;
  std::string blob_id;
};

// Filters and page of ListFiles.
struct EvidenceFileQuery {
  std::string partnership;         // id, required
  std::string assessment;          // id, or all
  bool include_sensitive = false;  // OFFICIAL-SENSITIVE files too
  int64_t before_seq = 0;          // keyset: older than this (0: from the newest)
  int limit = 0;
};

class EvidenceFileStore : public BlobStore {
 public:
  // Runs one upload in one transaction: `receive` appends the contents to the writer as
  // they arrive and returns the record to store (with partnership, region, sha256 and size
  // set) or an error, which stores nothing. The file then points at the partnership's blob
  // with the same SHA-256 if there is one (the bytes just written are dropped), else at the
  // new blob; the record gets its name and the change (EVIDENCE_FILE_UPLOADED) is appended
  // to the feed; all commit together. `receive` runs at most once: an upload interrupted by
  // a lost database connection is UNAVAILABLE, to be uploaded again.
  using ReceiveUpload = std::function<absl::StatusOr<v1::EvidenceFile>(BlobWriter& writer)>;
  virtual absl::StatusOr<v1::EvidenceFile> StoreUpload(const ReceiveUpload& receive) = 0;

  // NOT_FOUND if there is no such file.
  virtual absl::StatusOr<StoredEvidenceFile> GetFile(const std::string& file_id) = 0;
  // Newest first; `seqs` gets each file's page key.
  virtual absl::StatusOr<std::vector<v1::EvidenceFile>> ListFiles(const EvidenceFileQuery& query,
                                                                  std::vector<int64_t>* seqs) = 0;

  // Appends a download to the audit log, with its change (EVIDENCE_FILE_DOWNLOADED), in one
  // transaction; names the record.
  virtual absl::Status RecordDownload(v1::EvidenceFileDownload& download) = 0;
  // The partnership's downloads (of one file if `file_id` is set), newest first.
  virtual absl::StatusOr<std::vector<v1::EvidenceFileDownload>> ListDownloads(
      const std::string& partnership_id, const std::string& file_id, int64_t before_seq, int limit,
      std::vector<int64_t>* seqs) = 0;
};

}  // namespace sixsteps::assessment
