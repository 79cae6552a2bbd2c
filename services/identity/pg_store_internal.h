// What the files of PgIdentityStore (pg_store*.cc, one per resource) share: the SQL of
// times and of the visibility filter, hex and time conversions, the audit insert and
// InsertOnce. Included by those files only.
#pragma once

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

#include <cstdint>
#include <string>

#include <pqxx/pqxx>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/db_rows.h"
#include "services/identity/store.h"

#define SIXSTEPS_MICROS(column) "(extract(epoch FROM " column ") * 1000000)::bigint"

// The visibility filter, for a table with region_id and partnership_id columns, as
// parameters $1 (everything), $2 (regions) and $3 (partnerships).
#define SIXSTEPS_VISIBLE(region, partnership) \
  "($1 OR " region " = ANY($2::text[]) OR " partnership " = ANY($3::text[]))"

namespace sixsteps::identity {

inline constexpr char kInsertAudit[] =
    "INSERT INTO audit_events (actor, action, target, region_id, detail) "
    "VALUES ($1, $2, $3, $4, $5::jsonb)";

inline std::string Hex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }
inline std::string Unhex(const pqxx::field& field) { return absl::HexStringToBytes(field.c_str()); }

inline int64_t Micros(absl::Time time) { return absl::ToUnixMicros(time); }
inline absl::Time TimeOf(const pqxx::field& field) {
  return field.is_null() ? absl::InfinitePast() : absl::FromUnixMicros(field.as<int64_t>());
}
inline void SetTime(const pqxx::field& field, google::protobuf::Timestamp* out) {
  if (!field.is_null())
    *out = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(field.as<int64_t>());
}

inline void Audit(pqxx::work& txn, const NewAuditEvent& event) {
  txn.exec_params(kInsertAudit, event.actor, event.action, event.target, event.region,
                  event.detail_json);
}

// Runs `insert`, turning a unique violation into ALREADY_EXISTS naming `what`.
template <typename Insert>
absl::Status InsertOnce(pqxx::work& txn, absl::string_view what, Insert insert) {
  try {
    pqxx::subtransaction sub(txn, "insert_once");
    insert(sub);
    sub.commit();
  } catch (const pqxx::unique_violation&) {
    return absl::AlreadyExistsError(absl::StrCat(what, " already exists"));
  }
  return absl::OkStatus();
}

}  // namespace sixsteps::identity
