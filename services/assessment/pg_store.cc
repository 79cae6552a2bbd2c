// The assessment service's SQL. Parameterised statements only. Records travel as binary
// protobuf; the etag of a record is its row_version column, never stored in the record.
// This file: what the store's files share (request ids, loading a round with its framework)
// and who sees what. Rounds, the round transaction, actions and the feed have a file each.
#include "services/assessment/pg_store.h"

#include "absl/strings/str_cat.h"
#include "services/assessment/pg_store_internal.h"
#include "services/base/clock.h"
#include "services/common/partnerships_seen.h"

namespace sixsteps::assessment {
using namespace pg_store_internal;  // NOLINT(build/namespaces): the store's own helpers
namespace {

constexpr char kSelectFramework[] = "SELECT framework FROM assessments WHERE assessment_id = $1";
constexpr char kSelectRequest[] =
    "SELECT method, request_hash, response FROM client_requests WHERE principal = $1 "
    "AND request_id = $2";

}  // namespace

namespace pg_store_internal {

// Checks a request id: a repeat with the same request returns the stored response.
absl::Status CheckRepeat(pqxx::work& txn, const IdempotencyKey& key,
                         std::optional<std::string>* repeated) {
  db::ExecPrepared(txn, kLockKey, absl::StrCat("request\n", key.principal, "\n", key.request_id));
  pqxx::result rows = db::ExecPrepared(txn, kSelectRequest, key.principal, key.request_id);
  if (rows.empty()) return absl::OkStatus();
  if (rows[0][0].as<std::string>() != key.method || Bytes(rows[0][1]) != key.request_hash) {
    return absl::AlreadyExistsError(
        absl::StrCat("request_id '", key.request_id, "' was already used for a different request"));
  }
  *repeated = Bytes(rows[0][2]);
  return absl::OkStatus();
}

absl::Status WriteOnce(db::ConnectionPool& pool, ChangeSignal* signal, const IdempotencyKey* key,
                       std::optional<std::string>* repeated,
                       absl::FunctionRef<absl::StatusOr<Written>(pqxx::work&)> write) {
  bool changed = false;
  absl::Status status = pool.InTransaction([&](pqxx::work& txn) -> absl::Status {
    changed = false;
    if (key != nullptr) {
      repeated->reset();
      SIXSTEPS_RETURN_IF_ERROR(CheckRepeat(txn, *key, repeated));
      if (repeated->has_value()) return absl::OkStatus();
    }
    SIXSTEPS_ASSIGN_OR_RETURN(Written written, write(txn));
    if (key != nullptr && written.response.has_value()) {
      db::ExecPrepared(txn, kInsertRequest, key->principal, key->request_id, key->method,
                       Blob(key->request_hash), Blob(*written.response));
    }
    changed = written.changed;
    return absl::OkStatus();
  });
  if (status.ok() && changed && signal != nullptr) signal->Notify();
  return status;
}

}  // namespace pg_store_internal

Visibility Visibility::Of(const auth::Caller& caller) {
  Visibility visible;
  visible.everything = caller.SeesEverything();
  auth::PartnershipsSeen(caller, &visible.regions, &visible.partnerships);
  return visible;
}

absl::StatusOr<StoredAssessment> PgAssessmentStore::LoadRound(pqxx::work& txn,
                                                              const pqxx::row& row) {
  StoredAssessment round;
  SIXSTEPS_ASSIGN_OR_RETURN(round.assessment, Load<v1::Assessment>(row, "assessment"));
  const std::string version = row[2].as<std::string>();
  {
    std::lock_guard<std::mutex> lock(frameworks_mu_);
    auto it = frameworks_.find(version);
    if (it != frameworks_.end()) round.framework = it->second;
  }
  if (round.framework == nullptr) {
    pqxx::result rows =
        db::ExecPrepared(txn, kSelectFramework, LastSegment(round.assessment.name()));
    if (rows.empty()) return absl::DataLossError("stored framework cannot be read");
    SIXSTEPS_ASSIGN_OR_RETURN(fv1::FrameworkVersion framework,
                              Parse<fv1::FrameworkVersion>(rows[0][0], "framework"));
    auto parsed = std::make_shared<const fv1::FrameworkVersion>(std::move(framework));
    std::lock_guard<std::mutex> lock(frameworks_mu_);
    round.framework = frameworks_.try_emplace(version, std::move(parsed)).first->second;
  }
  return round;
}

absl::StatusOr<StoredAssessment> PgAssessmentStore::LockRound(pqxx::work& txn,
                                                              const std::string& assessment_id,
                                                              RoundLock lock) {
  const char* select = lock == RoundLock::kExclusive ? kSelectAssessmentUpdate
                       : lock == RoundLock::kShared  ? kSelectAssessmentShare
                                                     : kSelectAssessment;
  pqxx::result rows = db::ExecPrepared(txn, select, assessment_id);
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat(AssessmentName(assessment_id), " not found"));
  }
  return LoadRound(txn, rows[0]);
}

absl::StatusOr<std::optional<std::string>> PgAssessmentStore::FindRepeat(
    const IdempotencyKey& key) {
  std::optional<std::string> repeated;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    repeated.reset();
    return CheckRepeat(txn, key, &repeated);
  }));
  return repeated;
}

}  // namespace sixsteps::assessment
