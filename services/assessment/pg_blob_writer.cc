#include "services/assessment/pg_blob_writer.h"

#include <algorithm>
#include <utility>

#include "services/common/db.h"

namespace sixsteps::assessment {

PgBlobWriter::PgBlobWriter(pqxx::work& txn, const char* insert_sql, std::string blob_id,
                           int64_t row_bytes)
    : txn_(txn),
      insert_sql_(insert_sql),
      blob_id_(std::move(blob_id)),
      row_bytes_(static_cast<size_t>(row_bytes)) {}

PgBlobWriter::~PgBlobWriter() { Stop(/*drop=*/true); }

absl::Status PgBlobWriter::Append(absl::string_view bytes) {
  while (!bytes.empty()) {
    // A whole row within `bytes` (the usual case: an upload message is 1 MiB) is copied
    // once, into the row handed over; only a row cut across two appends is gathered first.
    if (pending_.empty() && bytes.size() >= row_bytes_) {
      Hand(pqxx::binarystring(bytes.data(), row_bytes_));
      bytes.remove_prefix(row_bytes_);
      continue;
    }
    const size_t taken = std::min(row_bytes_ - pending_.size(), bytes.size());
    pending_.append(bytes.data(), taken);
    bytes.remove_prefix(taken);
    if (pending_.size() == row_bytes_) {
      Hand(pqxx::binarystring(pending_));
      pending_.clear();
    }
  }
  return absl::OkStatus();
}

int PgBlobWriter::Finish() {
  if (!thread_.joinable()) {
    // Nothing handed over yet (a file of at most one row): no thread to wait for.
    RethrowFailure();
    if (!pending_.empty()) Insert(pqxx::binarystring(pending_), rows_++);
    pending_.clear();
    return rows_;
  }
  if (!pending_.empty()) {
    Hand(pqxx::binarystring(pending_));
    pending_.clear();
  }
  Stop(/*drop=*/false);
  RethrowFailure();
  return rows_;
}

void PgBlobWriter::Hand(pqxx::binarystring row) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(
      lock, [&] { return failure_ != nullptr || static_cast<int>(queue_.size()) < kRowsWaiting; });
  if (failure_ != nullptr) std::rethrow_exception(failure_);
  queue_.push_back(std::move(row));
  ++rows_;
  if (!thread_.joinable()) thread_ = std::thread([this] { WriteRows(); });
  changed_.notify_all();
}

void PgBlobWriter::WriteRows() {
  for (;;) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return closing_ || !queue_.empty(); });
    if (queue_.empty()) return;  // closing, and every row handed over is written
    pqxx::binarystring row = std::move(queue_.front());
    queue_.pop_front();
    const int index = written_;
    changed_.notify_all();
    lock.unlock();
    try {
      Insert(row, index);
    } catch (...) {
      lock.lock();
      failure_ = std::current_exception();
      queue_.clear();
      changed_.notify_all();
      return;
    }
    lock.lock();
    ++written_;
  }
}

void PgBlobWriter::Insert(const pqxx::binarystring& row, int index) {
  db::ExecPrepared(txn_, insert_sql_, blob_id_, index, row);
}

void PgBlobWriter::Stop(bool drop) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
    if (drop) queue_.clear();
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void PgBlobWriter::RethrowFailure() {
  std::lock_guard<std::mutex> lock(mu_);
  if (failure_ != nullptr) std::rethrow_exception(failure_);
}

}  // namespace sixsteps::assessment
