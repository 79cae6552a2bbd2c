// PgBlobWriter: writes an evidence file's blob as rows of evidence_blob_chunks inside the
// upload's transaction, on a thread of its own, so that PostgreSQL stores one row while the
// upload's thread receives, hashes and cuts the next (docs/benchmarks.md, "Evidence upload
// (H3)": done in turn, the upload's thread waited on each row's INSERT).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include <pqxx/pqxx>

#include "absl/strings/string_view.h"
#include "services/assessment/blob_store.h"

namespace sixsteps::assessment {

class PgBlobWriter final : public BlobWriter {
 public:
  // How many cut rows wait for the writing thread at most (each `row_bytes`), beside the one
  // being written and the one being gathered: what an upload holds in memory.
  static constexpr int kRowsWaiting = 4;

  // Rows of `row_bytes` (the last one shorter) for `blob_id`, written by `insert_sql`
  // ($1 blob id, $2 row index from 0, $3 bytes).
  PgBlobWriter(pqxx::work& txn, const char* insert_sql, std::string blob_id, int64_t row_bytes);
  // Drops the rows not yet written and waits for the one being written: the transaction is
  // the caller's again (to roll back) once this returns.
  ~PgBlobWriter();
  PgBlobWriter(const PgBlobWriter&) = delete;
  PgBlobWriter& operator=(const PgBlobWriter&) = delete;

  // Cuts rows and hands them to the writing thread, waiting while kRowsWaiting are queued.
  // Throws what an earlier row's INSERT threw (as if the caller had run it), so the
  // transaction's owner sees a lost connection or a failed statement as before.
  absl::Status Append(absl::string_view bytes) override;

  // Writes the last, shorter row and waits until every row is written; then the
  // transaction is the caller's again. Returns how many rows the blob has; throws as Append.
  int Finish();

 private:
  void Hand(pqxx::binarystring row);
  void WriteRows();
  void Insert(const pqxx::binarystring& row, int index);
  // Ends the writing thread; with `drop`, rows still queued are not written.
  void Stop(bool drop);
  void RethrowFailure();

  pqxx::work& txn_;
  const char* const insert_sql_;
  const std::string blob_id_;
  const size_t row_bytes_;
  std::string pending_;  // a row cut across two appends, gathered here
  int rows_ = 0;         // rows handed over so far

  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<pqxx::binarystring> queue_;  // guarded by mu_
  bool closing_ = false;                  // guarded by mu_
  std::exception_ptr failure_;            // guarded by mu_
  int written_ = 0;                       // guarded by mu_
  std::thread thread_;
};

}  // namespace sixsteps::assessment
