// What the read model's SQL files share (read_model.cc, read_model_cycle.cc): prepared
// statements, records as bytea, and the scrutiny cycle's part of applying a change.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <pqxx/pqxx>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/base/status_macros.h"
#include "sixsteps/assessment/v1/assessment.pb.h"

namespace sixsteps::reporting::read_model_internal {

// The reports' statements: prepared on each connection the first time they run there, so
// parsed and planned once per connection rather than once per call.
struct Statement {
  const char* name;
  const char* sql;
};

template <typename... Args>
pqxx::result Run(pqxx::transaction_base& txn, const Statement& statement, Args&&... args) {
  // Defining it again with the same text does nothing; the server prepares it on first use.
  txn.conn().prepare(statement.name, statement.sql);
  return txn.exec_prepared(statement.name, std::forward<Args>(args)...);
}

// A bytea field's bytes.
std::string Bytes(const pqxx::field& field);
pqxx::binarystring Blob(const google::protobuf::Message& message);
// The last segment of a resource name.
std::string Id(absl::string_view name);
int64_t Micros(const google::protobuf::Timestamp& time);

template <typename Message>
absl::StatusOr<Message> Parse(const pqxx::field& field) {
  Message message;
  if (!message.ParseFromString(Bytes(field))) {
    return absl::DataLossError("a stored record of the read model cannot be read");
  }
  return message;
}

template <typename Message>
absl::StatusOr<std::vector<Message>> ParseAll(const pqxx::result& rows, int column = 0) {
  std::vector<Message> messages;
  for (const pqxx::row& row : rows) {
    SIXSTEPS_ASSIGN_OR_RETURN(Message message, Parse<Message>(row[column]));
    messages.push_back(std::move(message));
  }
  return messages;
}

// Writes a scrutiny-cycle record (planned round, scrutineer's report version, annual
// report draft, context answer) in the consumer's transaction (read_model_cycle.cc).
// Throws what libpqxx throws: a record the database refuses aborts the batch, and the
// consumer quarantines it.
void ApplyCycleRecord(pqxx::work& txn, const assessment::v1::Change& change);

// ---- report cache versions (issue 18; read_model_versions.cc) ----
// The id of the round a change belongs to; "" for none.
std::string RoundOfChange(const assessment::v1::Change& change);
// Sets each round's last applied sequence and NOTIFYs the replicas of them and of the
// cursor (call after the cursor is written; with no rounds, the cursor alone).
void RecordRoundVersions(pqxx::work& txn, const absl::flat_hash_map<std::string, int64_t>& rounds,
                         const absl::flat_hash_map<std::string, int64_t>& regions);
// Bumps the directory's version and NOTIFYs the replicas that every report changed.
void RecordDirectoryChanged(pqxx::work& txn);

}  // namespace sixsteps::reporting::read_model_internal
