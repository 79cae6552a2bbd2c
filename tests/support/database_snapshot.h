// A database's rows as they were at one moment, put back on demand: the table reset between
// the cases of a suite that shares one test hub (issue 14: "what stays an integration test
// shares one cluster per suite and resets tables between cases").
//
// Take() copies every table of the public schema that holds rows into the schema
// `test_saved` of the same database and remembers every sequence's value; Restore() empties
// every table of the public schema, copies the saved rows back and sets the sequences, in one
// transaction. Foreign keys are not checked while it does (session_replication_role =
// replica: the test cluster's user is a superuser), so the order of the tables does not
// matter. Columns GENERATED ALWAYS AS IDENTITY get their saved values back.
//
// Only rows and sequences come back: what a service keeps in memory does not. A suite may
// share a hub only if its services keep nothing a case could change that the next case
// would read (the assessment fixture says which of its suites do).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sixsteps::testing {

class DatabaseSnapshot {
 public:
  // Saves the database's rows and sequences now. Nothing may be writing to it meanwhile.
  static absl::StatusOr<DatabaseSnapshot> Take(const std::string& database_url);

  // Puts the rows and sequences back as they were when Take() ran.
  absl::Status Restore() const;

 private:
  DatabaseSnapshot(std::string database_url, std::string restore_sql)
      : database_url_(std::move(database_url)), restore_sql_(std::move(restore_sql)) {}
  std::string database_url_;
  // Every statement of Restore(), made once by Take().
  std::string restore_sql_;
};

}  // namespace sixsteps::testing
