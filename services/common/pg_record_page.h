// Reading a keyset page of stored records: rows of (record, seq), where `record` is a
// serialised protobuf message in a bytea column and `seq` the bigint its page token keys on.
// Every store's "newest first, page by page" list reads this shape; the SQL stays with each
// store. Header-only (templates).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/base/status_macros.h"
#include "services/common/db.h"

namespace sixsteps::db {

// Each row's message (column 0) in order, and its seq (column 1) into `seqs`; DATA_LOSS
// naming `what` for a record that does not parse.
template <typename Message>
absl::StatusOr<std::vector<Message>> RecordsAndSeqs(const pqxx::result& rows,
                                                    absl::string_view what,
                                                    std::vector<int64_t>* seqs) {
  std::vector<Message> messages;
  seqs->clear();
  for (const pqxx::row& row : rows) {
    Message message;
    if (!message.ParseFromString(pqxx::binarystring(row[0]).str())) {
      return absl::DataLossError(absl::StrCat("stored ", what, " cannot be read"));
    }
    messages.push_back(std::move(message));
    seqs->push_back(row[1].as<int64_t>());
  }
  return messages;
}

// Runs `sql` (a prepared statement, ExecPrepared) with `args` in a transaction of `pool` and
// reads its rows as RecordsAndSeqs does.
template <typename Message, typename... Args>
absl::StatusOr<std::vector<Message>> ReadRecordPage(ConnectionPool& pool, const char* sql,
                                                    absl::string_view what,
                                                    std::vector<int64_t>* seqs,
                                                    const Args&... args) {
  std::vector<Message> messages;
  SIXSTEPS_RETURN_IF_ERROR(pool.InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(messages,
                              RecordsAndSeqs<Message>(ExecPrepared(txn, sql, args...), what, seqs));
    return absl::OkStatus();
  }));
  return messages;
}

}  // namespace sixsteps::db
