// What the replicas' report caches are checked against (report_cache.h, issue 18): each
// round's last applied feed sequence and the directory's version, written in the
// consumer's transactions, which NOTIFY the replicas of what changed at commit.
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "services/reporting/read_model.h"
#include "services/reporting/read_model_internal.h"
#include "services/reporting/report_cache.h"

namespace sixsteps::reporting {
namespace {

using read_model_internal::Id;
using read_model_internal::Run;
using read_model_internal::Statement;

// Every round the batch changed in one statement (ids are distinct: a map's keys).
constexpr char kUpsertRoundVersions[] =
    "INSERT INTO round_versions (assessment_id, sequence) "
    "SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT (assessment_id) DO UPDATE SET "
    "sequence = greatest(round_versions.sequence, EXCLUDED.sequence)";
constexpr char kBumpDirectoryVersion[] =
    "UPDATE feed_cursor SET directory_version = directory_version + 1 WHERE id = 1";
// The cursor's part of the payload comes from the row this transaction wrote (see
// ReportCacheRounds); PostgreSQL delivers it at commit, in commit order.
constexpr char kNotify[] =
    "SELECT pg_notify('reporting_rounds', sequence::text || ' ' || "
    "coalesce((extract(epoch FROM change_time) * 1000000)::bigint, 0)::text || $1) "
    "FROM feed_cursor WHERE id = 1";

constexpr Statement kSelectRoundVersion = {
    "reporting_round_version",
    "SELECT r.partnership_id, r.region_id, coalesce(p.regional_comparison_opt_out, false), "
    "coalesce(v.sequence, 0), c.directory_version "
    "FROM rounds r LEFT JOIN partnerships p ON p.partnership_id = r.partnership_id "
    "LEFT JOIN round_versions v ON v.assessment_id = r.assessment_id "
    "CROSS JOIN feed_cursor c WHERE r.assessment_id = $1 AND c.id = 1"};

}  // namespace

namespace read_model_internal {

std::string RoundOfChange(const av1::Change& change) {
  if (!change.assessment().empty()) return Id(change.assessment());
  switch (change.record_case()) {
    case av1::Change::kAssessmentRecord:
      return Id(change.assessment_record().name());
    case av1::Change::kAction:
      return Id(change.action().assessment());
    default:
      return "";
  }
}

void RecordRoundVersions(pqxx::work& txn, const absl::flat_hash_map<std::string, int64_t>& rounds) {
  std::vector<std::string> ids, sequences;
  ids.reserve(rounds.size());
  sequences.reserve(rounds.size());
  for (const auto& [id, sequence] : rounds) {
    ids.push_back(id);
    sequences.push_back(std::to_string(sequence));
  }
  if (!ids.empty()) {
    db::ExecPrepared(txn, kUpsertRoundVersions, db::TextArray(ids), db::TextArray(sequences));
  }
  db::ExecPrepared(txn, kNotify, ReportCacheRounds(ids, false));
}

void RecordDirectoryChanged(pqxx::work& txn) {
  db::ExecPrepared(txn, kBumpDirectoryVersion);
  db::ExecPrepared(txn, kNotify, ReportCacheRounds({}, true));
}

}  // namespace read_model_internal

absl::StatusOr<ReadModel::Snapshot::VersionedOwner> ReadModel::Snapshot::RoundVersionOf(
    const std::string& assessment_id, const std::function<bool(const RoundOwner&)>& may_see) {
  pqxx::result rows = Run(*txn_, kSelectRoundVersion, assessment_id);
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("assessments/", assessment_id, " not found"));
  }
  VersionedOwner found;
  found.owner = {rows[0][0].as<std::string>(), rows[0][1].as<std::string>(), rows[0][2].as<bool>()};
  if (!may_see(found.owner)) {
    return absl::NotFoundError(absl::StrCat("assessments/", assessment_id, " not found"));
  }
  found.version = {rows[0][3].as<int64_t>(), rows[0][4].as<int64_t>()};
  return found;
}

}  // namespace sixsteps::reporting
