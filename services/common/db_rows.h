// Reading the rows of a statement into values, for the services' stores: one transaction
// that turns every row (or the one row) a statement returns into a value, and one call that
// reads several columns of a row into fields. Keeps the retry rule of InTransaction (a
// transaction run again starts from an empty result) in one place.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/base/status_macros.h"
#include "services/common/db.h"

namespace sixsteps::db {

// Reads columns `first`, `first + 1`, ... of `row` into `fields`, in order, each as its own
// type (pqxx's `as<T>`: a NULL column throws, which the transaction turns into a status).
template <typename... Fields>
void ReadColumns(const pqxx::row& row, pqxx::row::size_type first, Fields*... fields) {
  pqxx::row::size_type column = first;
  ((*fields = row[column++].template as<Fields>()), ...);
}

// The value `Convert` makes of a row.
template <typename Convert>
using RowValue = std::decay_t<std::invoke_result_t<Convert&, const pqxx::row&>>;

// Runs `sql` with `args` (exec_params) in one transaction of `pool`; every row it returns,
// each turned into a value by `convert`.
template <typename Convert, typename... Args>
absl::StatusOr<std::vector<RowValue<Convert>>> ReadRows(ConnectionPool& pool, Convert convert,
                                                        const char* sql, const Args&... args) {
  std::vector<RowValue<Convert>> values;
  SIXSTEPS_RETURN_IF_ERROR(pool.InTransaction([&](pqxx::work& txn) -> absl::Status {
    values.clear();
    for (const pqxx::row& row : txn.exec_params(sql, args...)) values.push_back(convert(row));
    return absl::OkStatus();
  }));
  return values;
}

// The same for the first row only: `missing` when the statement returns none.
template <typename Convert, typename... Args>
absl::StatusOr<RowValue<Convert>> ReadRow(ConnectionPool& pool, Convert convert,
                                          absl::Status missing, const char* sql,
                                          const Args&... args) {
  std::optional<RowValue<Convert>> value;
  SIXSTEPS_RETURN_IF_ERROR(pool.InTransaction([&](pqxx::work& txn) -> absl::Status {
    value.reset();
    pqxx::result rows = txn.exec_params(sql, args...);
    if (rows.empty()) return missing;
    value = convert(rows[0]);
    return absl::OkStatus();
  }));
  return *std::move(value);
}

}  // namespace sixsteps::db
