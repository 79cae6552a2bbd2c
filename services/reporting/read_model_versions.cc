// What the replicas' report caches are checked against (report_cache.h, issue 18): each
// round's last applied feed sequence and the directory's version, written in the
// consumer's transactions, which NOTIFY the replicas of what changed at commit. And what
// their overview caches are checked against (overview_cache.h): each region's last applied
// feed sequence, written in the same transactions.
#include <pqxx/pqxx>

#include <string>
#include <utility>
#include <vector>

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
// The regions the changes name, and those of the rounds they changed (a change of a round
// names its region; the rounds' own are the belt to those braces).
constexpr char kUpsertRegionVersions[] =
    "INSERT INTO region_versions (region_id, sequence) "
    "SELECT region_id, max(sequence) FROM ("
    "  SELECT * FROM unnest($1::text[], $2::bigint[]) AS c(region_id, sequence) "
    "  UNION ALL "
    "  SELECT r.region_id, c.sequence FROM unnest($3::text[], $4::bigint[]) "
    "    AS c(assessment_id, sequence) JOIN rounds r ON r.assessment_id = c.assessment_id"
    ") AS changed WHERE region_id <> '' GROUP BY region_id "
    "ON CONFLICT (region_id) DO UPDATE SET "
    "sequence = greatest(region_versions.sequence, EXCLUDED.sequence)";
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

constexpr Statement kSelectRegionVersion = {
    "reporting_region_version",
    "SELECT coalesce((SELECT sequence FROM region_versions WHERE region_id = $1), 0), "
    "directory_version FROM feed_cursor WHERE id = 1"};

// A map's keys and values as two text arrays, for unnest.
std::pair<std::vector<std::string>, std::vector<std::string>> Columns(
    const absl::flat_hash_map<std::string, int64_t>& map) {
  std::pair<std::vector<std::string>, std::vector<std::string>> columns;
  columns.first.reserve(map.size());
  columns.second.reserve(map.size());
  for (const auto& [key, sequence] : map) {
    columns.first.push_back(key);
    columns.second.push_back(std::to_string(sequence));
  }
  return columns;
}

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

void RecordRoundVersions(pqxx::work& txn, const absl::flat_hash_map<std::string, int64_t>& rounds,
                         const absl::flat_hash_map<std::string, int64_t>& regions) {
  const auto [ids, sequences] = Columns(rounds);
  if (!ids.empty()) {
    db::ExecPrepared(txn, kUpsertRoundVersions, db::TextArray(ids), db::TextArray(sequences));
  }
  if (!ids.empty() || !regions.empty()) {
    const auto [region_ids, region_sequences] = Columns(regions);
    db::ExecPrepared(txn, kUpsertRegionVersions, db::TextArray(region_ids),
                     db::TextArray(region_sequences), db::TextArray(ids), db::TextArray(sequences));
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

absl::StatusOr<RegionVersion> ReadModel::Snapshot::RegionVersionOf(const std::string& region_id) {
  pqxx::result rows = Run(*txn_, kSelectRegionVersion, region_id);
  if (rows.empty()) return absl::InternalError("the read model has no feed cursor");
  return RegionVersion{rows[0][0].as<int64_t>(), rows[0][1].as<int64_t>()};
}

}  // namespace sixsteps::reporting
