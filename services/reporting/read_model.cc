// The reporting service's SQL. Parameterised statements only; records travel as binary
// protobuf.
#include "services/reporting/read_model.h"

#include <google/protobuf/util/time_util.h>

#include <array>
#include <cstdint>
#include <set>

#include <pqxx/pqxx>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/status.h"
#include "services/reporting/read_model_internal.h"
#include "services/reporting/reports_cycle.h"

namespace sixsteps::reporting {

using read_model_internal::Blob;
using read_model_internal::Bytes;
using read_model_internal::Id;
using read_model_internal::Micros;
using read_model_internal::Parse;
using read_model_internal::ParseAll;
using read_model_internal::Run;
using read_model_internal::Statement;

namespace {

using google::protobuf::util::TimeUtil;

constexpr char kSelectCursorForUpdate[] =
    "SELECT sequence FROM feed_cursor WHERE id = 1 FOR UPDATE";
constexpr char kUpdateCursor[] =
    "UPDATE feed_cursor SET sequence = $1, change_time = to_timestamp($2::bigint / 1000000.0), "
    "update_time = now() WHERE id = 1";

constexpr char kAdvanceCursor[] =
    "UPDATE feed_cursor SET sequence = $1, update_time = now() WHERE id = 1";
constexpr char kInsertQuarantine[] =
    "INSERT INTO feed_quarantine (sequence, partnership_id, kind, error, record) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sequence) DO NOTHING";
constexpr char kInsertQuarantineUnread[] =
    "INSERT INTO feed_quarantine (sequence, error) VALUES ($1, $2) "
    "ON CONFLICT (sequence) DO NOTHING";

constexpr char kHasFramework[] = "SELECT 1 FROM frameworks WHERE framework_version = $1";
constexpr char kInsertFramework[] =
    "INSERT INTO frameworks (framework_version, content) VALUES ($1, $2) "
    "ON CONFLICT (framework_version) DO NOTHING";

constexpr char kMissingPartnerships[] =
    "SELECT id FROM unnest($1::text[]) AS u(id) "
    "WHERE NOT EXISTS (SELECT 1 FROM partnerships WHERE partnership_id = u.id)";
constexpr char kUpsertRegion[] =
    "INSERT INTO regions (region_id, display_name) VALUES ($1, $2) ON CONFLICT (region_id) "
    "DO UPDATE SET display_name = EXCLUDED.display_name "
    "WHERE regions.display_name IS DISTINCT FROM EXCLUDED.display_name";
constexpr char kUpsertPartnership[] =
    "INSERT INTO partnerships (partnership_id, region_id, display_name, "
    "regional_comparison_opt_out) VALUES ($1, $2, $3, $4) ON CONFLICT (partnership_id) DO UPDATE "
    "SET region_id = EXCLUDED.region_id, display_name = EXCLUDED.display_name, "
    "regional_comparison_opt_out = EXCLUDED.regional_comparison_opt_out, refresh_time = now() "
    "WHERE (partnerships.region_id, partnerships.display_name, "
    "partnerships.regional_comparison_opt_out) IS DISTINCT FROM (EXCLUDED.region_id, "
    "EXCLUDED.display_name, EXCLUDED.regional_comparison_opt_out)";
constexpr char kUpsertOrganisation[] =
    "INSERT INTO organisations (partnership_id, organisation_id, display_name) VALUES ($1, $2, $3) "
    "ON CONFLICT (partnership_id, organisation_id) DO UPDATE SET display_name = "
    "EXCLUDED.display_name WHERE organisations.display_name IS DISTINCT FROM "
    "EXCLUDED.display_name";

constexpr char kUpsertRound[] =
    "INSERT INTO rounds (assessment_id, partnership_id, region_id, framework_version, kind, state, "
    "finalise_time, record) VALUES ($1, $2, $3, $4, $5, $6, "
    "CASE WHEN $7::bigint = 0 THEN NULL ELSE to_timestamp($7::bigint / 1000000.0) END, $8) "
    "ON CONFLICT (assessment_id) DO UPDATE SET state = EXCLUDED.state, "
    "finalise_time = EXCLUDED.finalise_time, record = EXCLUDED.record";
constexpr char kUpsertRespondent[] =
    "INSERT INTO respondents (assessment_id, respondent_id, record) VALUES ($1, $2, $3) "
    "ON CONFLICT (assessment_id, respondent_id) DO UPDATE SET record = EXCLUDED.record";
constexpr char kDeleteRespondent[] =
    "DELETE FROM respondents WHERE assessment_id = $1 AND respondent_id = $2";
constexpr char kUpsertResponse[] =
    "INSERT INTO responses (assessment_id, respondent_id, question_id, record) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT (assessment_id, respondent_id, question_id) "
    "DO UPDATE SET record = EXCLUDED.record";
// A run of response changes in one statement (the feed's commonest change): ids and
// records as arrays, the records hex-encoded (libpqxx 6 has no bytea[] parameter).
constexpr char kUpsertResponses[] =
    "INSERT INTO responses (assessment_id, respondent_id, question_id, record) "
    "SELECT a, r, q, decode(h, 'hex') FROM unnest($1::text[], $2::text[], $3::text[], "
    "$4::text[]) AS u(a, r, q, h) ON CONFLICT (assessment_id, respondent_id, question_id) "
    "DO UPDATE SET record = EXCLUDED.record";
// Of the rounds a batch changed, those with figures (WriteRoundFigures' condition); the
// others lose any figures in one statement.
constexpr char kSelectRoundsWithFigures[] =
    "SELECT assessment_id FROM rounds WHERE assessment_id = ANY($1::text[]) "
    "AND state = 'STATE_FINALISED' AND finalise_time IS NOT NULL";
constexpr char kDeleteFiguresOf[] =
    "DELETE FROM round_aggregates WHERE assessment_id = ANY($1::text[])";
constexpr char kUpsertConsolidation[] =
    "INSERT INTO consolidations (assessment_id, question_id, record, rating) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT (assessment_id, question_id) "
    "DO UPDATE SET record = EXCLUDED.record, rating = EXCLUDED.rating";
constexpr char kUpsertChallenge[] =
    "INSERT INTO challenges (assessment_id, challenge_id, record) VALUES ($1, $2, $3) "
    "ON CONFLICT (assessment_id, challenge_id) DO UPDATE SET record = EXCLUDED.record";
constexpr char kUpsertAction[] =
    "INSERT INTO actions (action_id, assessment_id, partnership_id, region_id, status, due_date, "
    "record, create_date, closed_date) VALUES ($1, $2, $3, $4, $5, $6::date, $7, $8::date, "
    "NULLIF($9, '')::date) ON CONFLICT (action_id) DO UPDATE SET status = EXCLUDED.status, "
    "due_date = EXCLUDED.due_date, record = EXCLUDED.record, create_date = EXCLUDED.create_date, "
    "closed_date = EXCLUDED.closed_date";

constexpr Statement kSelectCursor = {
    "reporting_cursor",
    "SELECT sequence, (extract(epoch FROM change_time) * 1000000)::bigint FROM feed_cursor "
    "WHERE id = 1"};
constexpr Statement kSelectFramework = {
    "reporting_framework", "SELECT content FROM frameworks WHERE framework_version = $1"};
constexpr Statement kSelectRound = {
    "reporting_round",
    "SELECT r.record, r.framework_version, coalesce(p.display_name, r.partnership_id), "
    "r.partnership_id, r.region_id, coalesce(p.regional_comparison_opt_out, false) "
    "FROM rounds r LEFT JOIN partnerships p ON p.partnership_id = r.partnership_id "
    "WHERE r.assessment_id = $1"};
constexpr Statement kSelectRespondents = {
    "reporting_respondents",
    "SELECT record FROM respondents WHERE assessment_id = $1 ORDER BY respondent_id"};
constexpr Statement kSelectResponses = {
    "reporting_responses",
    "SELECT record FROM responses WHERE assessment_id = $1 ORDER BY question_id, respondent_id"};
constexpr Statement kSelectConsolidations = {
    "reporting_consolidations", "SELECT record FROM consolidations WHERE assessment_id = $1"};
constexpr Statement kSelectChallenges = {"reporting_challenges",
                                         "SELECT record FROM challenges WHERE assessment_id = $1"};
constexpr Statement kSelectActionsOfRound = {"reporting_actions_of_round",
                                             "SELECT record FROM actions WHERE assessment_id = $1"};
constexpr Statement kSelectOrganisationsOf = {
    "reporting_organisations_of",
    "SELECT organisation_id, display_name FROM organisations WHERE partnership_id = $1"};
constexpr Statement kSelectPartnership = {
    "reporting_partnership",
    "SELECT partnership_id, region_id, display_name, regional_comparison_opt_out "
    "FROM partnerships WHERE partnership_id = $1"};
constexpr Statement kSelectFinalisedRounds = {
    "reporting_finalised_rounds",
    "SELECT record, framework_version FROM rounds WHERE partnership_id = $1 AND kind = $2 "
    "AND state = 'STATE_FINALISED' ORDER BY finalise_time"};
constexpr Statement kSelectConsolidationsOfRounds = {
    "reporting_consolidations_of_rounds",
    "SELECT assessment_id, record FROM consolidations WHERE assessment_id = ANY($1::text[])"};
// Each action with its round's framework version (for the step titles), in one statement:
// the tracker at concurrency 1 is mostly round trips (issue 18, Reads). A probe of the
// round's key per action (a join was planned as a scan of every round at 150 partnerships).
constexpr Statement kSelectActionsOfPartnership = {
    "reporting_actions_of_partnership",
    "SELECT a.record, (SELECT r.framework_version FROM rounds r "
    "WHERE r.assessment_id = a.assessment_id) FROM actions a WHERE a.partnership_id = $1"};
constexpr Statement kSelectActionsOfRegion = {
    "reporting_actions_of_region",
    "SELECT a.record, (SELECT r.framework_version FROM rounds r "
    "WHERE r.assessment_id = a.assessment_id) FROM actions a WHERE a.region_id = $1"};
constexpr Statement kSelectOptedOutOfRegion = {
    "reporting_opted_out_of_region",
    "SELECT partnership_id FROM partnerships WHERE region_id = $1 "
    "AND regional_comparison_opt_out"};
constexpr Statement kSelectOrganisationsOfRegion = {
    "reporting_organisations_of_region",
    "SELECT o.partnership_id, o.organisation_id, o.display_name FROM organisations o "
    "JOIN partnerships p ON p.partnership_id = o.partnership_id WHERE p.region_id = $1"};

}  // namespace

namespace read_model_internal {

// A bytea field's bytes. PostgreSQL sends bytea as "\x" and hex digits: decoded here
// straight into the string, rather than by libpq into a buffer that is then copied.
std::string Bytes(const pqxx::field& field) {
  const char* text = field.c_str();
  size_t size = field.size();
  if (size < 2 || text[0] != '\\' || text[1] != 'x' || size % 2 != 0) {
    return pqxx::binarystring(field).str();  // The old escape format.
  }
  // A table rather than a comparison per digit: hex digits come in no predictable order.
  static constexpr std::array<uint8_t, 256> kDigit = [] {
    std::array<uint8_t, 256> digit{};
    for (int c = 0; c < 10; ++c) digit['0' + c] = c;
    for (int c = 0; c < 6; ++c) digit['a' + c] = digit['A' + c] = 10 + c;
    return digit;
  }();
  const auto* hex = reinterpret_cast<const unsigned char*>(text + 2);
  std::string bytes((size - 2) / 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>(kDigit[hex[2 * i]] << 4 | kDigit[hex[2 * i + 1]]);
  }
  return bytes;
}
pqxx::binarystring Blob(const google::protobuf::Message& message) {
  return pqxx::binarystring(message.SerializeAsString());
}

std::string Id(absl::string_view name) {
  size_t slash = name.rfind('/');
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

int64_t Micros(const google::protobuf::Timestamp& time) {
  return TimeUtil::TimestampToMicroseconds(time);
}

}  // namespace read_model_internal

namespace {

// Writes the record a change carries.
void ApplyOne(pqxx::work& txn, const av1::Change& change) {
  switch (change.record_case()) {
    case av1::Change::kAssessmentRecord: {
      const av1::Assessment& a = change.assessment_record();
      db::ExecPrepared(txn, kUpsertRound, Id(a.name()), Id(a.partnership()), Id(a.region()),
                       a.framework_version(), av1::AssessmentKind_Name(a.kind()),
                       av1::Assessment::State_Name(a.state()),
                       a.has_finalise_time() ? Micros(a.finalise_time()) : int64_t{0}, Blob(a));
      break;
    }
    case av1::Change::kRespondent:
      if (change.kind() == av1::CHANGE_KIND_RESPONDENT_REMOVED) {
        db::ExecPrepared(txn, kDeleteRespondent, Id(change.assessment()),
                         Id(change.respondent().name()));
      } else {
        db::ExecPrepared(txn, kUpsertRespondent, Id(change.assessment()),
                         Id(change.respondent().name()), Blob(change.respondent()));
      }
      break;
    case av1::Change::kResponse: {
      const av1::Response& r = change.response();
      std::string respondent = r.name().substr(0, r.name().rfind("/responses/"));
      db::ExecPrepared(txn, kUpsertResponse, Id(change.assessment()), Id(respondent),
                       r.question_id(), Blob(r));
      break;
    }
    case av1::Change::kConsolidation:
      db::ExecPrepared(txn, kUpsertConsolidation, Id(change.assessment()),
                       change.consolidation().question_id(), Blob(change.consolidation()),
                       fv1::Rating_Name(change.consolidation().rating()));
      break;
    case av1::Change::kChallenge:
      db::ExecPrepared(txn, kUpsertChallenge, Id(change.assessment()),
                       Id(change.challenge().name()), Blob(change.challenge()));
      break;
    case av1::Change::kAction: {
      const actv1::Action& a = change.action();
      ActionDays days = DaysOf(a);
      db::ExecPrepared(txn, kUpsertAction, Id(a.name()), Id(a.assessment()), Id(a.partnership()),
                       Id(a.region()), actv1::Action::Status_Name(a.status()), a.due_date(),
                       Blob(a), days.created, days.closed);
      break;
    }
    // ---- scrutiny cycle (H4): planned rounds, scrutineer's reports, annual report
    // drafts and context answers (read_model_cycle.cc) ----
    case av1::Change::kPlannedRound:
    case av1::Change::kScrutinyReport:
    case av1::Change::kAnnualReportDraft:
    case av1::Change::kContextAnswer:
      read_model_internal::ApplyCycleRecord(txn, change);
      break;
    default:
      // Evidence files, engagement records, case audits, learning reviews.
      if (ApplyRegisterRecord(txn, change)) break;
      // Records no report reads (concerns); the cursor still moves past them.
      break;
  }
}

// The response changes of `run` (consecutive in the feed) in one statement. Applying
// them in order leaves each response as its last change in the run says, so only that one
// is written (a statement may not change a row twice).
void ApplyResponses(pqxx::work& txn, const std::vector<const av1::Change*>& run) {
  std::vector<std::string> rounds, respondents, questions, records;
  absl::flat_hash_map<std::string, size_t> slot;  // a response's row in the arrays
  for (const av1::Change* change : run) {
    const av1::Response& r = change->response();
    std::string respondent = Id(r.name().substr(0, r.name().rfind("/responses/")));
    std::string round = Id(change->assessment());
    auto [it, added] = slot.try_emplace(
        absl::StrCat(round, "\n", respondent, "\n", r.question_id()), rounds.size());
    std::string record = absl::BytesToHexString(r.SerializeAsString());
    if (!added) {
      records[it->second] = std::move(record);
      continue;
    }
    rounds.push_back(std::move(round));
    respondents.push_back(std::move(respondent));
    questions.push_back(r.question_id());
    records.push_back(std::move(record));
  }
  db::ExecPrepared(txn, kUpsertResponses, db::TextArray(rounds), db::TextArray(respondents),
                   db::TextArray(questions), db::TextArray(records));
}

// Writes the records of `changes` (ascending, all after the cursor), each run of response
// changes in one statement and every other change in its own.
void ApplyAll(pqxx::work& txn, const std::vector<const av1::Change*>& changes) {
  std::vector<const av1::Change*> run;
  for (size_t i = 0; i < changes.size();) {
    if (changes[i]->record_case() != av1::Change::kResponse) {
      ApplyOne(txn, *changes[i++]);
      continue;
    }
    run.clear();
    while (i < changes.size() && changes[i]->record_case() == av1::Change::kResponse) {
      run.push_back(changes[i++]);
    }
    if (run.size() == 1) {
      ApplyOne(txn, *run[0]);
    } else {
      ApplyResponses(txn, run);
    }
  }
}

// Whether the one-parameter `query` finds a row for `key`.
absl::StatusOr<bool> Exists(db::ConnectionPool& pool, const char* query, const std::string& key) {
  bool found = false;
  SIXSTEPS_RETURN_IF_ERROR(pool.InTransaction([&](pqxx::work& txn) -> absl::Status {
    found = !db::ExecPrepared(txn, query, key).empty();
    return absl::OkStatus();
  }));
  return found;
}

}  // namespace

absl::StatusOr<rv1::Freshness> ReadModel::Freshness() {
  rv1::Freshness freshness;
  SIXSTEPS_RETURN_IF_ERROR(Read([&](Snapshot& snapshot) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(freshness, snapshot.Freshness());
    return absl::OkStatus();
  }));
  return freshness;
}

absl::StatusOr<bool> ReadModel::HasFramework(const std::string& version_name) {
  return Exists(*pool_, kHasFramework, version_name);
}

absl::Status ReadModel::PutFramework(const std::string& version_name,
                                     const fv1::FrameworkVersion& version) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    db::ExecPrepared(txn, kInsertFramework, version_name, Blob(version));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::string>> ReadModel::MissingPartnerships(
    const std::vector<std::string>& partnership_ids) {
  std::vector<std::string> missing;
  if (partnership_ids.empty()) return missing;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    missing.clear();
    for (const pqxx::row& row :
         db::ExecPrepared(txn, kMissingPartnerships, db::TextArray(partnership_ids))) {
      missing.push_back(row[0].as<std::string>());
    }
    return absl::OkStatus();
  }));
  return missing;
}

absl::Status ReadModel::PutDirectory(const std::vector<idv1::Region>& regions,
                                     const std::vector<idv1::Partnership>& partnerships,
                                     const std::vector<idv1::Organisation>& organisations) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    // Rows written: only those that are new or differ (the upserts skip equal rows), so a
    // refresh that finds nothing new leaves the replicas' cached reports alone.
    size_t written = 0;
    for (const auto& region : regions) {
      written += db::ExecPrepared(txn, kUpsertRegion, Id(region.name()), region.display_name())
                     .affected_rows();
    }
    for (const auto& p : partnerships) {
      written += db::ExecPrepared(txn, kUpsertPartnership, Id(p.name()), Id(p.region()),
                                  p.display_name(), p.regional_comparison_opt_out())
                     .affected_rows();
    }
    for (const auto& o : organisations) {
      // "partnerships/{p}/organisations/{o}"
      std::string partnership = o.name().substr(0, o.name().find("/organisations/"));
      written += db::ExecPrepared(txn, kUpsertOrganisation, Id(partnership), Id(o.name()),
                                  o.display_name())
                     .affected_rows();
    }
    if (written > 0) read_model_internal::RecordDirectoryChanged(txn);
    return absl::OkStatus();
  });
}

absl::Status ReadModel::Apply(const std::vector<av1::Change>& changes) {
  if (changes.empty()) return absl::OkStatus();
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    int64_t cursor = txn.exec(kSelectCursorForUpdate)[0][0].as<int64_t>();
    std::vector<const av1::Change*> fresh;              // after the cursor, in order
    absl::flat_hash_map<std::string, int64_t> rounds;   // changed here, at their last sequence
    absl::flat_hash_map<std::string, int64_t> regions;  // the same, of the changes' regions
    for (const av1::Change& change : changes) {
      if (change.sequence() <= cursor) continue;
      cursor = change.sequence();
      fresh.push_back(&change);
      if (std::string round = read_model_internal::RoundOfChange(change); !round.empty()) {
        rounds[round] = change.sequence();
      }
      if (!change.region().empty()) regions[Id(change.region())] = change.sequence();
    }
    if (fresh.empty()) return absl::OkStatus();
    // A statement that fails aborts the whole transaction: the batch is rolled back and
    // the consumer applies its changes one by one to find the one refused.
    const std::string which =
        fresh.size() == 1 ? absl::StrCat("change ", fresh[0]->sequence())
                          : absl::StrCat("changes ", fresh.front()->sequence(), "-", cursor);
    try {
      ApplyAll(txn, fresh);
    } catch (const pqxx::data_exception& e) {
      return absl::InvalidArgumentError(
          absl::StrCat(which, ": the read model refuses its record: ", e.what()));
    } catch (const pqxx::integrity_constraint_violation& e) {
      return absl::FailedPreconditionError(
          absl::StrCat(which, ": the read model refuses its record: ", e.what()));
    }
    db::ExecPrepared(txn, kUpdateCursor, cursor, Micros(fresh.back()->time()));
    // Figures only for the finalised rounds; the others' (if any) go in one statement.
    std::vector<std::string> changed_rounds;
    for (const auto& [round, sequence] : rounds) changed_rounds.push_back(round);
    if (!changed_rounds.empty()) {
      absl::flat_hash_set<std::string> finalised;
      for (const pqxx::row& row :
           db::ExecPrepared(txn, kSelectRoundsWithFigures, db::TextArray(changed_rounds))) {
        finalised.insert(row[0].as<std::string>());
      }
      std::vector<std::string> without;
      for (const std::string& round : changed_rounds) {
        if (finalised.contains(round)) {
          SIXSTEPS_RETURN_IF_ERROR(WriteRoundFigures(txn, round));
        } else {
          without.push_back(round);
        }
      }
      if (!without.empty()) db::ExecPrepared(txn, kDeleteFiguresOf, db::TextArray(without));
    }
    read_model_internal::RecordRoundVersions(txn, rounds, regions);
    return absl::OkStatus();
  });
}

absl::Status ReadModel::Quarantine(const av1::Change& change, bool received,
                                   const absl::Status& error) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    int64_t cursor = txn.exec(kSelectCursorForUpdate)[0][0].as<int64_t>();
    if (change.sequence() <= cursor) return absl::OkStatus();
    if (received) {
      db::ExecPrepared(txn, kInsertQuarantine, change.sequence(), Id(change.partnership()),
                       av1::ChangeKind_Name(change.kind()), error.ToString(), Blob(change));
    } else {
      db::ExecPrepared(txn, kInsertQuarantineUnread, change.sequence(), error.ToString());
    }
    if (received && change.has_time()) {
      db::ExecPrepared(txn, kUpdateCursor, change.sequence(), Micros(change.time()));
    } else {
      db::ExecPrepared(txn, kAdvanceCursor, change.sequence());
    }
    // The cursor moved; no round changed.
    read_model_internal::RecordRoundVersions(txn, {}, {});
    return absl::OkStatus();
  });
}

absl::Status ReadModel::Read(const std::function<absl::Status(Snapshot&)>& work) {
  return pool_->InReadTransaction([&](db::ConnectionPool::ReadTransaction& txn) {
    Snapshot snapshot(this, &txn);
    return work(snapshot);
  });
}

absl::StatusOr<rv1::Freshness> ReadModel::Snapshot::Freshness() {
  rv1::Freshness freshness;
  pqxx::result rows = Run(*txn_, kSelectCursor);
  freshness.set_sequence(rows[0][0].as<int64_t>());
  if (!rows[0][1].is_null()) {
    *freshness.mutable_change_time() = TimeUtil::MicrosecondsToTimestamp(rows[0][1].as<int64_t>());
  }
  *freshness.mutable_report_time() =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now()));
  return freshness;
}

absl::StatusOr<std::shared_ptr<const fv1::FrameworkVersion>> ReadModel::Snapshot::Framework(
    const std::string& version_name) {
  return model_->CachedFramework(*txn_, version_name);
}

absl::StatusOr<std::shared_ptr<const fv1::FrameworkVersion>> ReadModel::CachedFramework(
    pqxx::transaction_base& txn, const std::string& version_name) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = frameworks_.find(version_name);
    if (found != frameworks_.end()) return found->second;
  }
  pqxx::result rows = Run(txn, kSelectFramework, version_name);
  if (rows.empty()) {
    return absl::UnavailableError(
        absl::StrCat("the read model has not fetched ", version_name, " yet; try again"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(fv1::FrameworkVersion version,
                            Parse<fv1::FrameworkVersion>(rows[0][0]));
  auto shared = std::make_shared<const fv1::FrameworkVersion>(std::move(version));
  std::lock_guard<std::mutex> lock(mu_);
  frameworks_[version_name] = shared;
  return shared;
}

absl::StatusOr<RoundData> ReadModel::Snapshot::LoadRound(
    const std::string& assessment_id, const std::function<bool(const RoundOwner&)>& may_see) {
  RoundData round;
  pqxx::result rows = Run(*txn_, kSelectRound, assessment_id);
  if (rows.empty() || !may_see({rows[0][3].as<std::string>(), rows[0][4].as<std::string>(),
                                rows[0][5].as<bool>()})) {
    return absl::NotFoundError(absl::StrCat("assessments/", assessment_id, " not found"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(round.assessment, Parse<av1::Assessment>(rows[0][0]));
  std::string framework_version = rows[0][1].as<std::string>();
  round.partnership_name = rows[0][2].as<std::string>();
  SIXSTEPS_ASSIGN_OR_RETURN(
      round.respondents, ParseAll<av1::Respondent>(Run(*txn_, kSelectRespondents, assessment_id)));
  SIXSTEPS_ASSIGN_OR_RETURN(round.responses,
                            ParseAll<av1::Response>(Run(*txn_, kSelectResponses, assessment_id)));
  SIXSTEPS_ASSIGN_OR_RETURN(
      round.consolidations,
      ParseAll<av1::Consolidation>(Run(*txn_, kSelectConsolidations, assessment_id)));
  SIXSTEPS_ASSIGN_OR_RETURN(round.challenges,
                            ParseAll<av1::Challenge>(Run(*txn_, kSelectChallenges, assessment_id)));
  SIXSTEPS_ASSIGN_OR_RETURN(
      round.actions, ParseAll<actv1::Action>(Run(*txn_, kSelectActionsOfRound, assessment_id)));
  std::string partnership = Id(round.assessment.partnership());
  for (const pqxx::row& row : Run(*txn_, kSelectOrganisationsOf, partnership)) {
    round.organisation_names[absl::StrCat(round.assessment.partnership(), "/organisations/",
                                          row[0].as<std::string>())] = row[1].as<std::string>();
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::shared_ptr<const fv1::FrameworkVersion> framework,
                            Framework(framework_version));
  round.framework = *framework;
  return round;
}

absl::StatusOr<PartnershipInfo> ReadModel::Snapshot::Partnership(
    const std::string& partnership_id) {
  pqxx::result rows = Run(*txn_, kSelectPartnership, partnership_id);
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("partnerships/", partnership_id, " not found"));
  }
  return PartnershipInfo{rows[0][0].as<std::string>(), rows[0][1].as<std::string>(),
                         rows[0][2].as<std::string>(), rows[0][3].as<bool>()};
}

absl::StatusOr<std::vector<FinalisedRound>> ReadModel::Snapshot::FinalisedRounds(
    const std::string& partnership_id, const std::string& kind) {
  std::vector<FinalisedRound> rounds;
  std::vector<std::string> versions;
  std::vector<std::string> ids;
  absl::flat_hash_map<std::string, size_t> index;
  for (const pqxx::row& row : Run(*txn_, kSelectFinalisedRounds, partnership_id, kind)) {
    FinalisedRound round;
    SIXSTEPS_ASSIGN_OR_RETURN(round.assessment, Parse<av1::Assessment>(row[0]));
    versions.push_back(row[1].as<std::string>());
    ids.push_back(Id(round.assessment.name()));
    index[ids.back()] = rounds.size();
    rounds.push_back(std::move(round));
  }
  for (const pqxx::row& row : Run(*txn_, kSelectConsolidationsOfRounds, db::TextArray(ids))) {
    SIXSTEPS_ASSIGN_OR_RETURN(av1::Consolidation c, Parse<av1::Consolidation>(row[1]));
    rounds[index[row[0].as<std::string>()]].consolidations.push_back(std::move(c));
  }
  for (size_t i = 0; i < rounds.size(); ++i) {
    SIXSTEPS_ASSIGN_OR_RETURN(rounds[i].framework, Framework(versions[i]));
  }
  return rounds;
}

absl::StatusOr<ActionData> ReadModel::Snapshot::LoadActions(const std::string& partnership_id,
                                                            const std::string& region_id) {
  ActionData data;
  pqxx::result actions = partnership_id.empty()
                             ? Run(*txn_, kSelectActionsOfRegion, region_id)
                             : Run(*txn_, kSelectActionsOfPartnership, partnership_id);
  SIXSTEPS_ASSIGN_OR_RETURN(data.actions, ParseAll<actv1::Action>(actions));
  if (!partnership_id.empty()) {
    for (const pqxx::row& row : Run(*txn_, kSelectOrganisationsOf, partnership_id)) {
      data.organisation_names[absl::StrCat("partnerships/", partnership_id, "/organisations/",
                                           row[0].as<std::string>())] = row[1].as<std::string>();
    }
  } else {
    for (const pqxx::row& row : Run(*txn_, kSelectOptedOutOfRegion, region_id)) {
      data.opted_out.insert(row[0].as<std::string>());
    }
    for (const pqxx::row& row : Run(*txn_, kSelectOrganisationsOfRegion, region_id)) {
      data.organisation_names[absl::StrCat("partnerships/", row[0].as<std::string>(),
                                           "/organisations/", row[1].as<std::string>())] =
          row[2].as<std::string>();
    }
  }
  // The frameworks of the actions' rounds, for the step titles, in the versions' order (the
  // first version's title of a step is kept, as when they were read ordered by version).
  std::set<std::string> versions;
  for (const pqxx::row& row : actions) {
    if (!row[1].is_null()) versions.insert(row[1].as<std::string>());
  }
  for (const std::string& version : versions) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::shared_ptr<const fv1::FrameworkVersion> framework,
                              Framework(version));
    for (const fv1::Step& step : framework->steps()) {
      data.step_titles.emplace(step.id(), step.title());
    }
  }
  return data;
}

}  // namespace sixsteps::reporting
