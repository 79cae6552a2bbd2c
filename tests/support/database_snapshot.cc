#include "tests/support/database_snapshot.h"

#include <vector>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"

namespace sixsteps::testing {
namespace {

constexpr char kSavedSchema[] = "test_saved";

}  // namespace

absl::StatusOr<DatabaseSnapshot> DatabaseSnapshot::Take(const std::string& database_url) {
  try {
    pqxx::connection connection(database_url);
    pqxx::work txn(connection);
    const std::string saved = txn.quote_name(kSavedSchema);
    txn.exec(absl::StrCat("DROP SCHEMA IF EXISTS ", saved, " CASCADE"));
    txn.exec(absl::StrCat("CREATE SCHEMA ", saved));
    // Emptying every table, then filling those that had rows: DELETE rather than TRUNCATE,
    // which makes new files for every table and index, costs more on the few rows a case
    // writes.
    std::string restore = "SET LOCAL session_replication_role = replica;\n";
    std::string refill;
    for (const pqxx::row& row : txn.exec(
             "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")) {
      const std::string table = absl::StrCat("public.", txn.quote_name(row[0].as<std::string>()));
      const std::string copy = absl::StrCat(saved, ".", txn.quote_name(row[0].as<std::string>()));
      absl::StrAppend(&restore, "DELETE FROM ", table, ";\n");
      if (txn.exec(absl::StrCat("SELECT EXISTS (SELECT 1 FROM ", table, ")"))[0][0].as<bool>()) {
        txn.exec(absl::StrCat("CREATE TABLE ", copy, " AS TABLE ", table));
        absl::StrAppend(&refill, "INSERT INTO ", table, " OVERRIDING SYSTEM VALUE TABLE ", copy,
                        ";\n");
      }
    }
    absl::StrAppend(&restore, refill);
    for (const pqxx::row& row :
         txn.exec("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' "
                  "ORDER BY sequencename")) {
      const std::string sequence =
          absl::StrCat("public.", txn.quote_name(row[0].as<std::string>()));
      pqxx::row value = txn.exec(absl::StrCat("SELECT last_value, is_called FROM ", sequence))[0];
      absl::StrAppend(&restore, "SELECT setval(", txn.quote(sequence), ", ", value[0].as<int64_t>(),
                      ", ", value[1].as<bool>() ? "true" : "false", ");\n");
    }
    txn.commit();
    return DatabaseSnapshot(database_url, std::move(restore));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("saving the database's rows: ", e.what()));
  }
}

absl::Status DatabaseSnapshot::Restore() const {
  try {
    pqxx::connection connection(database_url_);
    pqxx::work txn(connection);
    txn.exec(restore_sql_);
    txn.commit();
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("putting the database's rows back: ", e.what()));
  }
}

}  // namespace sixsteps::testing
