// PgEvidenceFileStore: evidence files (issue 16). Parameterised statements only. Records
// travel as binary protobuf; contents as bytea rows of kBlobChunkBytes.
#include "services/assessment/pg_store_evidence_files.h"

#include "absl/strings/str_cat.h"
#include "services/assessment/evidence_file_domain.h"
#include "services/assessment/pg_blob_writer.h"
#include "services/assessment/pg_store_internal.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/common/ids.h"
#include "services/common/pg_record_page.h"

namespace sixsteps::assessment {
using namespace pg_store_internal;  // NOLINT(build/namespaces): the store's own helpers
namespace {

constexpr char kInsertChunk[] =
    "INSERT INTO evidence_blob_chunks (blob_id, chunk_index, data) VALUES ($1, $2, $3)";
constexpr char kFindBlob[] =
    "SELECT blob_id FROM evidence_blobs WHERE partnership_id = $1 AND sha256 = $2";
constexpr char kDropChunks[] = "DELETE FROM evidence_blob_chunks WHERE blob_id = $1";
constexpr char kInsertBlob[] =
    "INSERT INTO evidence_blobs (blob_id, partnership_id, sha256, size_bytes, chunk_count) "
    "VALUES ($1, $2, $3, $4, $5)";
constexpr char kInsertFile[] =
    "INSERT INTO evidence_files (file_id, partnership_id, region_id, assessment_id, "
    "classification, blob_id, record) VALUES ($1, $2, $3, $4, $5, $6, $7)";
constexpr char kSelectFile[] = "SELECT record, blob_id FROM evidence_files WHERE file_id = $1";
// $1 partnership, $2 assessment ('' all), $3 with sensitive, $4 before seq (0 none), $5 limit
constexpr char kListFiles[] =
    "SELECT record, seq FROM evidence_files WHERE partnership_id = $1 "
    "AND ($2 = '' OR assessment_id = $2) AND ($3 OR classification = 'official') "
    "AND ($4 = 0 OR seq < $4) ORDER BY seq DESC LIMIT $5";
constexpr char kChunkCount[] = "SELECT chunk_count FROM evidence_blobs WHERE blob_id = $1";
constexpr char kSelectChunk[] =
    "SELECT data FROM evidence_blob_chunks WHERE blob_id = $1 AND chunk_index = $2";
constexpr char kInsertDownload[] =
    "INSERT INTO evidence_file_downloads (download_id, file_id, partnership_id, record) "
    "VALUES ($1, $2, $3, $4)";
constexpr char kListDownloads[] =
    "SELECT record, seq FROM evidence_file_downloads WHERE partnership_id = $1 "
    "AND ($2 = '' OR file_id = $2) AND ($3 = 0 OR seq < $3) ORDER BY seq DESC LIMIT $4";

// Appends one change to the feed (see PgRoundTx::FlushChanges).
void AppendChange(pqxx::work& txn, v1::Change& change) {
  std::vector<v1::Change> one{change};
  AppendChanges(txn, one);
}

}  // namespace

absl::StatusOr<v1::EvidenceFile> PgEvidenceFileStore::StoreUpload(const ReceiveUpload& receive) {
  bool attempted = false;
  v1::EvidenceFile stored;
  absl::Status status = upload_pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    // The upload's stream has been read by the first attempt: it cannot run again.
    if (attempted) {
      return absl::UnavailableError(
          "the database connection was lost during the upload; nothing was stored, upload the "
          "file again");
    }
    attempted = true;
    std::string blob_id = RandomId("blob");
    PgBlobWriter writer(txn, kInsertChunk, blob_id, kBlobChunkBytes);
    SIXSTEPS_ASSIGN_OR_RETURN(v1::EvidenceFile file, receive(writer));
    const int chunks = writer.Finish();  // the transaction is this thread's again
    const std::string partnership_id(LastSegment(file.partnership()));
    // Two uploads of the same bytes at once: the second waits here and finds the first's.
    db::ExecPrepared(txn, kLockKey, absl::StrCat("blob\n", partnership_id, "\n", file.sha256()));
    pqxx::result existing = db::ExecPrepared(txn, kFindBlob, partnership_id, file.sha256());
    if (!existing.empty()) {
      db::ExecPrepared(txn, kDropChunks, blob_id);
      blob_id = existing[0][0].as<std::string>();
    } else {
      db::ExecPrepared(txn, kInsertBlob, blob_id, partnership_id, file.sha256(), file.size_bytes(),
                       chunks);
    }
    const std::string file_id = RandomId("ef");
    file.set_name(EvidenceFileName(file_id));
    *file.mutable_upload_time() = TimestampNow();
    db::ExecPrepared(txn, kInsertFile, file_id, partnership_id, LastSegment(file.region()),
                     LastSegment(file.assessment()), ClassificationWord(file.classification()),
                     blob_id, Blob(file.SerializeAsString()));
    v1::Change change = NewChange(v1::CHANGE_KIND_EVIDENCE_FILE_UPLOADED, file.partnership(),
                                  file.region(), file.uploader());
    change.set_assessment(file.assessment());
    *change.mutable_evidence_file() = file;
    AppendChange(txn, change);
    stored = std::move(file);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (signal_ != nullptr) signal_->Notify();
  return stored;
}

absl::StatusOr<StoredEvidenceFile> PgEvidenceFileStore::GetFile(const std::string& file_id) {
  StoredEvidenceFile found;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = db::ExecPrepared(txn, kSelectFile, file_id);
    if (rows.empty()) return NotFound(EvidenceFileName(file_id));
    SIXSTEPS_ASSIGN_OR_RETURN(found.file, Parse<v1::EvidenceFile>(rows[0][0], "evidence file"));
    found.blob_id = rows[0][1].as<std::string>();
    return absl::OkStatus();
  }));
  return found;
}

absl::StatusOr<std::vector<v1::EvidenceFile>> PgEvidenceFileStore::ListFiles(
    const EvidenceFileQuery& query, std::vector<int64_t>* seqs) {
  return db::ReadRecordPage<v1::EvidenceFile>(
      *pool_, kListFiles, "evidence file", seqs, query.partnership, query.assessment,
      query.include_sensitive, query.before_seq, query.limit);
}

absl::Status PgEvidenceFileStore::RecordDownload(v1::EvidenceFileDownload& download) {
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    const std::string id = RandomId("dl");
    download.set_name(absl::StrCat(download.evidence_file(), "/downloads/", id));
    db::ExecPrepared(txn, kInsertDownload, id, LastSegment(download.evidence_file()),
                     LastSegment(download.partnership()), Blob(download.SerializeAsString()));
    v1::Change change = NewChange(v1::CHANGE_KIND_EVIDENCE_FILE_DOWNLOADED, download.partnership(),
                                  download.region(), download.principal());
    *change.mutable_evidence_file_download() = download;
    AppendChange(txn, change);
    return absl::OkStatus();
  }));
  if (signal_ != nullptr) signal_->Notify();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::EvidenceFileDownload>> PgEvidenceFileStore::ListDownloads(
    const std::string& partnership_id, const std::string& file_id, int64_t before_seq, int limit,
    std::vector<int64_t>* seqs) {
  return db::ReadRecordPage<v1::EvidenceFileDownload>(*pool_, kListDownloads, "download", seqs,
                                                      partnership_id, file_id, before_seq, limit);
}

absl::Status PgEvidenceFileStore::ReadBlob(const std::string& blob_id, const ChunkSink& sink) {
  int chunk_count = 0;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = db::ExecPrepared(txn, kChunkCount, blob_id);
    if (rows.empty()) return absl::DataLossError("an evidence file's contents are missing");
    chunk_count = rows[0][0].as<int>();
    return absl::OkStatus();
  }));
  // One short transaction per row: a slow reader holds no connection while `sink` waits on
  // the network. A stored blob never changes, so the rows read apart still agree.
  for (int index = 0; index < chunk_count; ++index) {
    std::unique_ptr<pqxx::binarystring> chunk;
    SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
      pqxx::result rows = db::ExecPrepared(txn, kSelectChunk, blob_id, index);
      if (rows.empty()) return absl::DataLossError("an evidence file's contents are incomplete");
      chunk = std::make_unique<pqxx::binarystring>(rows[0][0]);
      return absl::OkStatus();
    }));
    SIXSTEPS_RETURN_IF_ERROR(
        sink(absl::string_view(reinterpret_cast<const char*>(chunk->data()), chunk->size())));
  }
  return absl::OkStatus();
}

}  // namespace sixsteps::assessment
