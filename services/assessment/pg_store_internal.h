// What the files of PgAssessmentStore share: the statements more than one of them runs, and
// the helpers that turn rows into records. Only for pg_store*.cc.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/assessment/store.h"
#include "services/base/clock.h"
#include "services/base/names.h"
#include "services/common/status.h"

namespace sixsteps::assessment::pg_store_internal {

inline constexpr char kSelectAssessment[] =
    "SELECT record, row_version, framework_version FROM assessments WHERE assessment_id = $1";
inline constexpr char kSelectAssessmentShare[] =
    "SELECT record, row_version, framework_version FROM assessments WHERE assessment_id = $1 "
    "FOR SHARE";
inline constexpr char kSelectAssessmentUpdate[] =
    "SELECT record, row_version, framework_version FROM assessments WHERE assessment_id = $1 "
    "FOR UPDATE";
inline constexpr char kPreviousFinalised[] =
    "SELECT assessment_id FROM assessments WHERE partnership_id = $1 AND kind = $2 "
    "AND state = 'finalised' AND assessment_id <> $3 ORDER BY finalise_time DESC LIMIT 1";
inline constexpr char kInsertRevision[] =
    "INSERT INTO revisions (record_name, record) VALUES ($1, $2)";
inline constexpr char kInsertRequest[] =
    "INSERT INTO client_requests (principal, request_id, method, request_hash, response) "
    "VALUES ($1, $2, $3, $4, $5)";
// The feed appender lock's key (one bigint advisory lock: classid 0, objid this, objsubid 1
// in pg_locks). Spelt once for the writers and the sequencer.
#define SIXSTEPS_FEED_APPENDER_LOCK "1718183021"

// A feed entry, unnumbered: its ticket (drawn after the transaction has its id and holds
// the appender lock, which the materialised CTE asks for first) orders it; the feed
// sequencer numbers it once every smaller ticket is final (V011, pg_feed_sequencer.cc).
// The appender lock is shared (appenders never wait for each other) and marks, in
// pg_locks, the transactions that may hold a ticket: the sequencer waits only for those,
// not for every transaction that is writing something.
inline constexpr char kInsertUnsequencedChange[] =
    "WITH x AS MATERIALIZED (SELECT pg_current_xact_id() AS xact, "
    "  pg_advisory_xact_lock_shared(" SIXSTEPS_FEED_APPENDER_LOCK
    ") AS appender) "
    "INSERT INTO unsequenced_changes (ticket, xact, partnership_id, region_id, record) "
    "SELECT nextval('change_tickets'), x.xact, $1, $2, $3 FROM x";
// A transaction's feed entries and record revisions in one statement, written last (one
// round trip instead of one per entry and one per revision): the same appender lock and
// ticket order as kInsertUnsequencedChange. The common write (one entry, one revision)
// passes its records as they are; a batch passes arrays, the records hex-encoded (libpqxx
// 6 has no bytea[] parameter), tickets drawn in the arrays' order.
inline constexpr char kAppendChangeAndRevision[] =
    "WITH x AS MATERIALIZED (SELECT pg_current_xact_id() AS xact, "
    "  pg_advisory_xact_lock_shared(" SIXSTEPS_FEED_APPENDER_LOCK
    ") AS appender), "
    "revised AS (INSERT INTO revisions (record_name, record) VALUES ($4, $5)) "
    "INSERT INTO unsequenced_changes (ticket, xact, partnership_id, region_id, record) "
    "SELECT nextval('change_tickets'), x.xact, $1, $2, $3 FROM x";
inline constexpr char kAppendChangesAndRevisions[] =
    "WITH x AS MATERIALIZED (SELECT pg_current_xact_id() AS xact, "
    "  pg_advisory_xact_lock_shared(" SIXSTEPS_FEED_APPENDER_LOCK
    ") AS appender), "
    "revised AS (INSERT INTO revisions (record_name, record) "
    "  SELECT n, decode(h, 'hex') FROM unnest($4::text[], $5::text[]) WITH ORDINALITY "
    "  AS r(n, h, i) ORDER BY i) "
    "INSERT INTO unsequenced_changes (ticket, xact, partnership_id, region_id, record) "
    "SELECT nextval('change_tickets'), x.xact, c.p, c.r, decode(c.h, 'hex') FROM x "
    "CROSS JOIN unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS c(p, r, h, i) "
    "ORDER BY c.i";
inline constexpr char kProgressUsage[] =
    "SELECT count(*)::integer, coalesce(sum(text_bytes), 0)::bigint FROM action_progress_updates "
    "WHERE action_id = $1";
// A transaction-scoped lock on a key that may not have a row yet (a response or context
// answer about to be created, a client request id about to be used): concurrent writers
// of the same key queue up here, so the second one sees the first one's row once it has
// committed instead of overwriting it or colliding with it.
inline constexpr char kLockKey[] = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";

inline std::string Bytes(const pqxx::field& field) { return pqxx::binarystring(field).str(); }
inline pqxx::binarystring Blob(const std::string& bytes) { return pqxx::binarystring(bytes); }

template <typename Message>
absl::StatusOr<Message> Parse(const pqxx::field& field, absl::string_view what) {
  Message message;
  if (!message.ParseFromString(Bytes(field))) {
    return absl::DataLossError(absl::StrCat("stored ", what, " cannot be read"));
  }
  return message;
}

inline constexpr char kSelectEvidenceFile[] =
    "SELECT record FROM evidence_files WHERE file_id = $1";
// An evidence file's record, for a record that names it; none for a file never uploaded or
// purged by its retention policy.
inline absl::StatusOr<std::optional<v1::EvidenceFile>> SelectEvidenceFile(
    pqxx::work& txn, const std::string& file_id) {
  pqxx::result rows = db::ExecPrepared(txn, kSelectEvidenceFile, file_id);
  if (rows.empty()) return std::nullopt;
  return Parse<v1::EvidenceFile>(rows[0][0], "evidence file");
}

// A record with its etag (the row_version) filled in.
template <typename Message>
absl::StatusOr<Message> Load(const pqxx::row& row, absl::string_view what) {
  SIXSTEPS_ASSIGN_OR_RETURN(Message message, Parse<Message>(row[0], what));
  message.set_etag(row[1].as<std::string>());
  return message;
}

template <typename Message>
absl::StatusOr<std::vector<Message>> LoadAll(const pqxx::result& rows, absl::string_view what) {
  std::vector<Message> messages;
  for (const pqxx::row& row : rows) {
    SIXSTEPS_ASSIGN_OR_RETURN(Message message, Load<Message>(row, what));
    messages.push_back(std::move(message));
  }
  return messages;
}

// A page of a list ordered by sequence: each row's record with its etag (columns record,
// row_version, as Load reads them) and, in `seqs`, its sequence (the third column).
template <typename Message>
absl::StatusOr<std::vector<Message>> LoadPage(const pqxx::result& rows, absl::string_view what,
                                              std::vector<int64_t>* seqs) {
  seqs->clear();
  for (const pqxx::row& row : rows) seqs->push_back(row[2].as<int64_t>());
  return LoadAll<Message>(rows, what);
}

// The same for records without an etag: columns record and seq.
template <typename Message>
absl::StatusOr<std::vector<Message>> ParsePage(const pqxx::result& rows, absl::string_view what,
                                               std::vector<int64_t>* seqs) {
  std::vector<Message> messages;
  seqs->clear();
  for (const pqxx::row& row : rows) {
    SIXSTEPS_ASSIGN_OR_RETURN(Message message, Parse<Message>(row[0], what));
    messages.push_back(std::move(message));
    seqs->push_back(row[1].as<int64_t>());
  }
  return messages;
}

// The record without its etag, as stored.
template <typename Message>
std::string Stored(const Message& message) {
  Message copy = message;
  copy.clear_etag();
  return copy.SerializeAsString();
}

inline std::string StateName(v1::Assessment::State state) {
  switch (state) {
    case v1::Assessment::STATE_IN_REVIEW:
      return "in_review";
    case v1::Assessment::STATE_FINALISED:
      return "finalised";
    default:
      return "draft";
  }
}

inline std::string ChallengeStateName(v1::Challenge::State state) {
  switch (state) {
    case v1::Challenge::STATE_ANSWERED:
      return "answered";
    case v1::Challenge::STATE_CLOSED:
      return "closed";
    default:
      return "open";
  }
}

inline std::string ActionStatusName(av1::Action::Status status) {
  switch (status) {
    case av1::Action::STATUS_IN_PROGRESS:
      return "in_progress";
    case av1::Action::STATUS_DONE:
      return "done";
    case av1::Action::STATUS_CANCELLED:
      return "cancelled";
    case av1::Action::STATUS_CARRIED_OVER:
      return "carried_over";
    default:
      return "planned";
  }
}

// The status column's words for a filter's statuses.
inline std::vector<std::string> StatusNames(const std::vector<av1::Action::Status>& statuses) {
  std::vector<std::string> names;
  for (av1::Action::Status status : statuses) names.push_back(ActionStatusName(status));
  return names;
}

// A record's revision, written with the transaction's feed entries (AppendChanges).
struct PendingRevision {
  std::string record_name;
  std::string record;  // a serialised v1::Revision
};

// What kAppendChangesAndRevisions takes as arrays ($1-$5): each change's partnership, region and
// record, each revision's record name and record (records hex-encoded), in their order.
struct ChangeAndRevisionArrays {
  std::vector<std::string> partnerships, regions, records, names, revision_records;
};
inline ChangeAndRevisionArrays ArraysOf(const std::vector<v1::Change>& pending,
                                        const std::vector<PendingRevision>& revisions) {
  ChangeAndRevisionArrays arrays;
  for (const v1::Change& change : pending) {
    arrays.partnerships.emplace_back(LastSegment(change.partnership()));
    arrays.regions.emplace_back(LastSegment(change.region()));
    arrays.records.push_back(absl::BytesToHexString(change.SerializeAsString()));
  }
  for (const PendingRevision& revision : revisions) {
    arrays.names.push_back(revision.record_name);
    arrays.revision_records.push_back(absl::BytesToHexString(revision.record));
  }
  return arrays;
}

// Appends `pending` to the feed, unnumbered (the sequencer numbers them, consecutively and
// all at once after commit; readers see them only then), and inserts `revisions`, in one
// statement when it can. Called last in a transaction, so that a later writer of the same
// rows draws later tickets. Whether there were any changes.
inline bool AppendChanges(pqxx::work& txn, std::vector<v1::Change>& pending,
                          const std::vector<PendingRevision>& revisions = {}) {
  for (v1::Change& change : pending) change.clear_sequence();
  if (pending.empty()) {
    for (const PendingRevision& revision : revisions) {
      db::ExecPrepared(txn, kInsertRevision, revision.record_name, Blob(revision.record));
    }
    return false;
  }
  if (pending.size() == 1 && revisions.size() <= 1) {
    const v1::Change& change = pending[0];
    if (revisions.empty()) {
      db::ExecPrepared(txn, kInsertUnsequencedChange, LastSegment(change.partnership()),
                       LastSegment(change.region()), Blob(change.SerializeAsString()));
    } else {
      db::ExecPrepared(txn, kAppendChangeAndRevision, LastSegment(change.partnership()),
                       LastSegment(change.region()), Blob(change.SerializeAsString()),
                       revisions[0].record_name, Blob(revisions[0].record));
    }
    return true;
  }
  const ChangeAndRevisionArrays a = ArraysOf(pending, revisions);
  db::ExecPrepared(txn, kAppendChangesAndRevisions, db::TextArray(a.partnerships),
                   db::TextArray(a.regions), db::TextArray(a.records), db::TextArray(a.names),
                   db::TextArray(a.revision_records));
  return true;
}

// What a transaction on one round holds whatever it writes (PgRoundTx, PgVoiceTx: `Tx` is
// the interface it implements): the round it locked and its ids, the changes its work
// queues for the feed (AppendChanges, last), and the response kept under the request's
// idempotency key (PgAssessmentStore::WriteOnce).
template <typename Tx>
class PgRoundTxBase : public Tx {
 public:
  const StoredAssessment& round() const override { return round_; }
  void SetIdempotentResult(std::string serialized_response) override {
    result_ = std::move(serialized_response);
  }
  const std::optional<std::string>& result() const { return result_; }
  // Appends the queued changes to the feed and writes the queued revisions
  // (AppendChanges); called last. Whether there were any changes.
  bool FlushChanges() {
    const bool changed = AppendChanges(txn_, pending_, revisions_);
    revisions_.clear();
    return changed;
  }

 protected:
  PgRoundTxBase(pqxx::work& txn, StoredAssessment round)
      : txn_(txn),
        round_(std::move(round)),
        id_(LastSegment(round_.assessment.name())),
        partnership_id_(LastSegment(round_.assessment.partnership())) {}

  pqxx::work& txn_;
  StoredAssessment round_;
  std::string id_;              // the round's id
  std::string partnership_id_;  // its partnership's id
  std::vector<v1::Change> pending_;
  std::vector<PendingRevision> revisions_;  // written with pending_, by FlushChanges
  std::optional<std::string> result_;
};
// A change of the feed as of now (its sequence is given when the sequencer numbers it).
inline v1::Change NewChange(v1::ChangeKind kind, const std::string& partnership,
                            const std::string& region, const std::string& actor) {
  v1::Change change;
  *change.mutable_time() = TimestampNow();
  change.set_kind(kind);
  change.set_partnership(partnership);
  change.set_region(region);
  change.set_actor(actor);
  return change;
}

// The versions of a round's scrutineer's report, oldest first, locked for update; and one
// version stored (inserted or replaced), returning its new row_version (pg_store_scrutiny.cc).
absl::StatusOr<std::vector<v1::ScrutinyReport>> LockScrutinyReports(
    pqxx::work& txn, const std::string& assessment_id);
int64_t StoreScrutinyReport(pqxx::work& txn, const std::string& assessment_id,
                            const v1::ScrutinyReport& report);

// Checks a request id: a repeat with the same request returns the stored response.
absl::Status CheckRepeat(pqxx::work& txn, const IdempotencyKey& key,
                         std::optional<std::string>* repeated);

// What a write in WriteOnce did: the response to keep under its idempotency key (none:
// nothing is kept), and whether it appended changes to the feed.
struct Written {
  std::optional<std::string> response;
  bool changed = false;
};
// Every idempotent write's transaction on `pool`: with a key, a repeated request gets the
// stored response in `*repeated` and writes nothing (ALREADY_EXISTS for a request id used for
// another request, CheckRepeat); otherwise `write` runs and the response it gives is stored
// under the key in the same transaction. `signal` (optional) is notified after a commit that
// added changes.
absl::Status WriteOnce(db::ConnectionPool& pool, ChangeSignal* signal, const IdempotencyKey* key,
                       std::optional<std::string>* repeated,
                       absl::FunctionRef<absl::StatusOr<Written>(pqxx::work&)> write);

// Inserts a new round (with the previous finalised round of its partnership and kind, its
// first revision); returns its ASSESSMENT_CREATED change, for AppendChanges.
v1::Change InsertRound(pqxx::work& txn, StoredAssessment& round, const Provenance& provenance);
// Runs `work` on `round` (already stored) in the transaction, then appends the changes it
// made. Whether it made any.
absl::StatusOr<bool> WorkOnRound(pqxx::work& txn, StoredAssessment round,
                                 const AssessmentStore::RoundWork& work);

}  // namespace sixsteps::assessment::pg_store_internal
