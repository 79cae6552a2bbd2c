// PgEvidenceFileStore: evidence files, their blobs and their download audit log in the
// assessment service's PostgreSQL database (the only evidence-file code with SQL).
#pragma once

#include "services/assessment/evidence_file_store.h"
#include "services/assessment/store.h"
#include "services/common/db.h"

namespace sixsteps::assessment {

// A blob is stored in rows of this many bytes (the last one shorter), and a download sends
// one row per message: small enough that many downloads at once stay light on memory.
inline constexpr int64_t kBlobChunkBytes = 256 * 1024;

class PgEvidenceFileStore final : public EvidenceFileStore {
 public:
  // `pool` serves the short reads and writes; `upload_pool` the uploads, each of which holds
  // one of its connections (and a transaction) from its first chunk to its last, so that
  // uploads in flight cannot take the connections every other call needs. Its size is how
  // many uploads run at once. `signal` (optional) is notified after every commit that added
  // changes to the feed.
  PgEvidenceFileStore(db::ConnectionPool* pool, db::ConnectionPool* upload_pool,
                      ChangeSignal* signal)
      : pool_(pool), upload_pool_(upload_pool), signal_(signal) {}

  absl::StatusOr<v1::EvidenceFile> StoreUpload(const ReceiveUpload& receive) override;
  absl::StatusOr<StoredEvidenceFile> GetFile(const std::string& file_id) override;
  absl::StatusOr<std::vector<v1::EvidenceFile>> ListFiles(const EvidenceFileQuery& query,
                                                          std::vector<int64_t>* seqs) override;
  absl::Status RecordDownload(v1::EvidenceFileDownload& download) override;
  absl::StatusOr<std::vector<v1::EvidenceFileDownload>> ListDownloads(
      const std::string& partnership_id, const std::string& file_id, int64_t before_seq, int limit,
      std::vector<int64_t>* seqs) override;
  absl::Status ReadBlob(const std::string& blob_id, const ChunkSink& sink) override;

 private:
  db::ConnectionPool* pool_;
  db::ConnectionPool* upload_pool_;
  ChangeSignal* signal_;
};

}  // namespace sixsteps::assessment
