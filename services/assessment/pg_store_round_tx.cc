// PgAssessmentStore: the transaction on one round (PgRoundTx) and InRound, which runs it.
#include "services/assessment/pg_store.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/assessment/pg_store_internal.h"
#include "services/assessment/scrutiny_report_domain.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"

namespace sixsteps::assessment {
using namespace pg_store_internal;  // NOLINT(build/namespaces): the store's own helpers
namespace {

constexpr char kUpdateAssessment[] =
    "UPDATE assessments SET state = $2, record = $3, row_version = row_version + 1, "
    "finalise_time = CASE WHEN $2 = 'finalised' THEN now() ELSE finalise_time END "
    "WHERE assessment_id = $1 RETURNING row_version";
constexpr char kLatestFinalisedRevision[] =
    "SELECT f.assessment_id, max(f.revision) FROM finalised_revisions f "
    "WHERE f.assessment_id = $1 GROUP BY f.assessment_id";
constexpr char kSelectRespondent[] =
    "SELECT record FROM respondents WHERE assessment_id = $1 AND respondent_id = $2";
constexpr char kListRespondents[] =
    "SELECT record FROM respondents WHERE assessment_id = $1 ORDER BY respondent_id";
constexpr char kInsertRespondent[] =
    "INSERT INTO respondents (assessment_id, respondent_id, organisation, scrutineer, record) "
    "VALUES ($1, $2, $3, $4, $5)";
constexpr char kUpdateRespondent[] =
    "UPDATE respondents SET record = $3 WHERE assessment_id = $1 AND respondent_id = $2";
constexpr char kRespondentHasResponses[] =
    "SELECT EXISTS (SELECT 1 FROM responses WHERE assessment_id = $1 AND respondent_id = $2)";
constexpr char kDeleteRespondent[] =
    "DELETE FROM respondents WHERE assessment_id = $1 AND respondent_id = $2 RETURNING record";
constexpr char kSelectResponseForUpdate[] =
    "SELECT record, row_version FROM responses "
    "WHERE assessment_id = $1 AND respondent_id = $2 AND question_id = $3 FOR UPDATE";
constexpr char kListResponses[] =
    "SELECT record, row_version FROM responses WHERE assessment_id = $1 "
    "AND ($2 = '' OR respondent_id = $2) AND ($3 = '' OR question_id = $3) "
    "ORDER BY question_id, respondent_id";
constexpr char kUpsertResponse[] =
    "INSERT INTO responses (assessment_id, respondent_id, question_id, rating, record) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (assessment_id, respondent_id, question_id) "
    "DO UPDATE SET rating = EXCLUDED.rating, record = EXCLUDED.record, "
    "row_version = responses.row_version + 1 RETURNING row_version";
// A response written together with its revision and its feed entry, in the transaction's last
// statement (PgRoundTx::Flush): the upsert of kUpsertResponse, then what
// kAppendChangeAndRevision does (the same appender lock and ticket). Returns the response's
// new row_version, which Flush compares with the one PutResponse gave the records.
constexpr char kUpsertResponseAppendChangeAndRevision[] =
    "WITH x AS MATERIALIZED (SELECT pg_current_xact_id() AS xact, "
    "  pg_advisory_xact_lock_shared(" SIXSTEPS_FEED_APPENDER_LOCK
    ") AS appender), "
    "written AS (INSERT INTO responses (assessment_id, respondent_id, question_id, rating, record) "
    "  VALUES ($6, $7, $8, $9, $10) ON CONFLICT (assessment_id, respondent_id, question_id) "
    "  DO UPDATE SET rating = EXCLUDED.rating, record = EXCLUDED.record, "
    "  row_version = responses.row_version + 1 RETURNING row_version), "
    "revised AS (INSERT INTO revisions (record_name, record) VALUES ($4, $5)), "
    "appended AS (INSERT INTO unsequenced_changes (ticket, xact, partnership_id, region_id, "
    "record) "
    "  SELECT nextval('change_tickets'), x.xact, $1, $2, $3 FROM x) "
    "SELECT row_version FROM written";
// Many responses' upserts in one statement (PgRoundTx::WriteDeferred), the records
// hex-encoded (libpqxx 6 has no bytea[] parameter). Returns each response's new row_version.
constexpr char kUpsertResponses[] =
    "INSERT INTO responses (assessment_id, respondent_id, question_id, rating, record) "
    "SELECT $1, w.s, w.q, w.r, decode(w.h, 'hex') "
    "FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS w(s, q, r, h) "
    "ON CONFLICT (assessment_id, respondent_id, question_id) "
    "DO UPDATE SET rating = EXCLUDED.rating, record = EXCLUDED.record, "
    "row_version = responses.row_version + 1 RETURNING respondent_id, question_id, row_version";
// A batch of responses written with their revisions and feed entries in one statement, last
// (PgRoundTx::Flush): kUpsertResponses, then what kAppendChangesAndRevisions does (the same
// appender lock, tickets and revisions drawn in the arrays' order, which is the items').
constexpr char kUpsertResponsesAppendChangesAndRevisions[] =
    "WITH x AS MATERIALIZED (SELECT pg_current_xact_id() AS xact, "
    "  pg_advisory_xact_lock_shared(" SIXSTEPS_FEED_APPENDER_LOCK
    ") AS appender), "
    "written AS (INSERT INTO responses (assessment_id, respondent_id, question_id, rating, record) "
    "  SELECT $6, w.s, w.q, w.r, decode(w.h, 'hex') "
    "  FROM unnest($7::text[], $8::text[], $9::text[], $10::text[]) AS w(s, q, r, h) "
    "  ON CONFLICT (assessment_id, respondent_id, question_id) "
    "  DO UPDATE SET rating = EXCLUDED.rating, record = EXCLUDED.record, "
    "  row_version = responses.row_version + 1 RETURNING respondent_id, question_id, row_version), "
    "revised AS (INSERT INTO revisions (record_name, record) "
    "  SELECT n, decode(h, 'hex') FROM unnest($4::text[], $5::text[]) WITH ORDINALITY "
    "  AS r(n, h, i) ORDER BY i), "
    "appended AS (INSERT INTO unsequenced_changes (ticket, xact, partnership_id, region_id, "
    "record) "
    "  SELECT nextval('change_tickets'), x.xact, c.p, c.r, decode(c.h, 'hex') FROM x "
    "  CROSS JOIN unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS c(p, r, h, i) "
    "  ORDER BY c.i) "
    "SELECT respondent_id, question_id, row_version FROM written";
// The round (if the caller's scope sees it), the responses' key locks, the respondents and
// the responses locked, in one call (migration V014). Columns 0-2 as LoadRound reads them.
constexpr char kResponsesWriteReads[] =
    "SELECT record, row_version, framework_version, item, part FROM responses_write_reads("
    "$1, $2, $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])";
constexpr char kSelectConsolidationForUpdate[] =
    "SELECT record, row_version FROM consolidations WHERE assessment_id = $1 AND question_id = $2 "
    "FOR UPDATE";
constexpr char kListConsolidations[] =
    "SELECT record, row_version FROM consolidations WHERE assessment_id = $1 ORDER BY question_id";
constexpr char kUpsertConsolidation[] =
    "INSERT INTO consolidations (assessment_id, question_id, rating, record) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT (assessment_id, question_id) "
    "DO UPDATE SET rating = EXCLUDED.rating, record = EXCLUDED.record, "
    "row_version = consolidations.row_version + 1 RETURNING row_version";
constexpr char kSelectChallengeForUpdate[] =
    "SELECT record, row_version FROM challenges WHERE assessment_id = $1 AND challenge_id = $2 "
    "FOR UPDATE";
constexpr char kListChallenges[] =
    "SELECT record, row_version FROM challenges WHERE assessment_id = $1 ORDER BY challenge_id";
constexpr char kUpsertChallenge[] =
    "INSERT INTO challenges (assessment_id, challenge_id, state, record) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (assessment_id, challenge_id) DO UPDATE SET state = EXCLUDED.state, "
    "record = EXCLUDED.record, row_version = challenges.row_version + 1 RETURNING row_version";
constexpr char kSelectContextAnswerForUpdate[] =
    "SELECT record, row_version FROM context_answers WHERE partnership_id = $1 "
    "AND context_question_id = $2 FOR UPDATE";
constexpr char kListContextAnswers[] =
    "SELECT record, row_version FROM context_answers WHERE partnership_id = $1 "
    "ORDER BY context_question_id";
constexpr char kUpsertContextAnswer[] =
    "INSERT INTO context_answers (partnership_id, context_question_id, record) "
    "VALUES ($1, $2, $3) ON CONFLICT (partnership_id, context_question_id) "
    "DO UPDATE SET record = EXCLUDED.record, row_version = context_answers.row_version + 1 "
    "RETURNING row_version";
constexpr char kCoveredQuestions[] =
    "SELECT DISTINCT unnest(question_ids) FROM actions WHERE assessment_id = $1 "
    "AND status <> 'cancelled'";
constexpr char kSelectActionForUpdate[] =
    "SELECT record, row_version FROM actions WHERE action_id = $1 FOR UPDATE";
constexpr char kOpenActionsOf[] =
    "SELECT record, row_version FROM actions WHERE assessment_id = $1 "
    "AND status IN ('planned', 'in_progress') ORDER BY due_date, action_id FOR UPDATE";
constexpr char kUpsertAction[] =
    "INSERT INTO actions (action_id, assessment_id, partnership_id, region_id, step_id, "
    "question_ids, owner_organisation, status, due_date, record) "
    "VALUES ($1, $2, $3, $4, $5, $6::text[], $7, $8, $9::date, $10) "
    "ON CONFLICT (action_id) DO UPDATE SET question_ids = EXCLUDED.question_ids, "
    "owner_organisation = EXCLUDED.owner_organisation, status = EXCLUDED.status, "
    "due_date = EXCLUDED.due_date, record = EXCLUDED.record, "
    "row_version = actions.row_version + 1 RETURNING row_version";
constexpr char kInsertProgress[] =
    "INSERT INTO action_progress_updates (action_id, number, text_bytes, record) "
    "VALUES ($1, $2, $3, $4)";
constexpr char kInsertFinalised[] =
    "INSERT INTO finalised_revisions (assessment_id, revision, record) VALUES ($1, $2, $3)";

// The key lock of one response (kLockKey), spelt once for GetResponseForUpdate and
// responses_write_reads.
std::string ResponseLockKey(const std::string& assessment_id, const std::string& respondent_id,
                            const std::string& question_id) {
  return absl::StrCat("response\n", assessment_id, "\n", respondent_id, "\n", question_id);
}

using ResponseKeyPair = std::pair<std::string, std::string>;  // (respondent, question)

// What InRoundForResponses read with the round (responses_write_reads, V014).
struct ResponseWriteReads {
  // Every respondent the write names, by id (none: no such respondent).
  std::map<std::string, std::optional<v1::Respondent>> respondents;
  // Every response the write names, locked and read (none: not written yet), until
  // GetResponseForUpdate has served it.
  std::map<ResponseKeyPair, std::optional<v1::Response>> responses;
};

// The transaction's view of one round.
class PgRoundTx final : public PgRoundTxBase<RoundTx> {
 public:
  PgRoundTx(pqxx::work& txn, StoredAssessment round, std::optional<ResponseWriteReads> reads = {})
      : PgRoundTxBase(txn, std::move(round)), reads_(std::move(reads)) {}

  const std::string& id() const { return id_; }

  // Writes what PutResponse left for the last statement, with the queued changes and
  // revisions (FlushChanges): in one statement when the responses' changes and revisions are
  // the only ones. Whether there were any changes; ABORTED (the transaction is then rolled
  // back) should a response's row_version not be the one its records were given.
  absl::StatusOr<bool> Flush() {
    if (deferred_.empty() || pending_.size() != deferred_.size() ||
        revisions_.size() != deferred_.size()) {
      SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
      return FlushChanges();
    }
    // Every PutResponse queued one change and one revision, and every other write flushed
    // the deferred responses first: pending_[i] and revisions_[i] are deferred_[i]'s.
    for (v1::Change& change : pending_) change.clear_sequence();
    if (deferred_.size() == 1) {
      const v1::Change& change = pending_[0];
      const DeferredResponse& r = deferred_[0];
      pqxx::result rows = db::ExecPrepared(
          txn_, kUpsertResponseAppendChangeAndRevision, LastSegment(change.partnership()),
          LastSegment(change.region()), Blob(change.SerializeAsString()), revisions_[0].record_name,
          Blob(revisions_[0].record), id_, r.respondent_id, r.question_id, r.rating,
          Blob(r.record));
      SIXSTEPS_RETURN_IF_ERROR(CheckRowVersion(r, rows[0][0].as<int64_t>()));
    } else {
      const ChangeAndRevisionArrays a = ArraysOf(pending_, revisions_);
      const DeferredArrays d = Arrays(deferred_);
      SIXSTEPS_RETURN_IF_ERROR(CheckRowVersions(db::ExecPrepared(
          txn_, kUpsertResponsesAppendChangesAndRevisions, db::TextArray(a.partnerships),
          db::TextArray(a.regions), db::TextArray(a.records), db::TextArray(a.names),
          db::TextArray(a.revision_records), id_, db::TextArray(d.respondents),
          db::TextArray(d.questions), db::TextArray(d.ratings), db::TextArray(d.records))));
    }
    deferred_.clear();
    revisions_.clear();
    return true;
  }

  absl::StatusOr<std::optional<v1::Respondent>> GetRespondent(const std::string& id) override {
    if (reads_.has_value()) {
      auto read = reads_->respondents.find(id);
      if (read != reads_->respondents.end()) return read->second;
    }
    pqxx::result rows = db::ExecPrepared(txn_, kSelectRespondent, id_, id);
    if (rows.empty()) return std::nullopt;
    SIXSTEPS_ASSIGN_OR_RETURN(v1::Respondent respondent,
                              Parse<v1::Respondent>(rows[0][0], "respondent"));
    return respondent;
  }

  absl::StatusOr<std::vector<v1::Respondent>> Respondents() override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    std::vector<v1::Respondent> respondents;
    for (const pqxx::row& row : db::ExecPrepared(txn_, kListRespondents, id_)) {
      SIXSTEPS_ASSIGN_OR_RETURN(v1::Respondent respondent,
                                Parse<v1::Respondent>(row[0], "respondent"));
      respondents.push_back(std::move(respondent));
    }
    return respondents;
  }

  absl::StatusOr<std::optional<v1::Response>> GetResponseForUpdate(
      const std::string& respondent_id, const std::string& question_id) override {
    const ResponseKeyPair key{respondent_id, question_id};
    // Only a response waiting to be written needs writing before it is read again.
    if (IsDeferred(key)) SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    std::optional<v1::Response> response;
    bool read_with_round = false;
    if (reads_.has_value()) {
      auto read = reads_->responses.find(key);
      if (read != reads_->responses.end()) {
        response = std::move(read->second);  // locked and read with the round
        reads_->responses.erase(read);
        read_with_round = true;
      }
    }
    if (!read_with_round) {
      db::ExecPrepared(txn_, kLockKey, ResponseLockKey(id_, respondent_id, question_id));
      pqxx::result rows =
          db::ExecPrepared(txn_, kSelectResponseForUpdate, id_, respondent_id, question_id);
      if (!rows.empty()) {
        SIXSTEPS_ASSIGN_OR_RETURN(response, Load<v1::Response>(rows[0], "response"));
      }
    }
    // Under its key lock and row lock nobody else writes it: its next row_version is known.
    locked_responses_[key] = response.has_value() ? std::stoll(response->etag()) : 0;
    return response;
  }

  absl::StatusOr<std::vector<v1::Response>> Responses(const std::string& respondent_filter,
                                                      const std::string& question_filter) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    return LoadAll<v1::Response>(
        db::ExecPrepared(txn_, kListResponses, id_, respondent_filter, question_filter),
        "response");
  }

  absl::StatusOr<std::optional<v1::Consolidation>> GetConsolidationForUpdate(
      const std::string& question_id) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    pqxx::result rows = db::ExecPrepared(txn_, kSelectConsolidationForUpdate, id_, question_id);
    if (rows.empty()) return std::nullopt;
    SIXSTEPS_ASSIGN_OR_RETURN(v1::Consolidation consolidation,
                              Load<v1::Consolidation>(rows[0], "consolidation"));
    return consolidation;
  }

  absl::StatusOr<std::vector<v1::Consolidation>> Consolidations() override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    return LoadAll<v1::Consolidation>(db::ExecPrepared(txn_, kListConsolidations, id_),
                                      "consolidation");
  }

  absl::StatusOr<std::optional<v1::Challenge>> GetChallengeForUpdate(
      const std::string& id) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    pqxx::result rows = db::ExecPrepared(txn_, kSelectChallengeForUpdate, id_, id);
    if (rows.empty()) return std::nullopt;
    SIXSTEPS_ASSIGN_OR_RETURN(v1::Challenge challenge, Load<v1::Challenge>(rows[0], "challenge"));
    return challenge;
  }

  absl::StatusOr<std::vector<v1::Challenge>> Challenges() override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    return LoadAll<v1::Challenge>(db::ExecPrepared(txn_, kListChallenges, id_), "challenge");
  }

  absl::StatusOr<std::optional<v1::ContextAnswer>> GetContextAnswerForUpdate(
      const std::string& context_question_id) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    db::ExecPrepared(txn_, kLockKey,
                     absl::StrCat("context\n", partnership_id_, "\n", context_question_id));
    pqxx::result rows =
        db::ExecPrepared(txn_, kSelectContextAnswerForUpdate, partnership_id_, context_question_id);
    if (rows.empty()) return std::nullopt;
    SIXSTEPS_ASSIGN_OR_RETURN(v1::ContextAnswer answer, Load<v1::ContextAnswer>(rows[0], "answer"));
    answer.set_name(ContextAnswerName(id_, context_question_id));
    return answer;
  }

  absl::StatusOr<std::vector<v1::ContextAnswer>> ContextAnswers() override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    SIXSTEPS_ASSIGN_OR_RETURN(
        std::vector<v1::ContextAnswer> answers,
        LoadAll<v1::ContextAnswer>(db::ExecPrepared(txn_, kListContextAnswers, partnership_id_),
                                   "answer"));
    for (v1::ContextAnswer& answer : answers) {
      answer.set_name(ContextAnswerName(id_, answer.context_question_id()));
    }
    return answers;
  }

  absl::StatusOr<std::set<std::string>> QuestionsCoveredByActions() override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    std::set<std::string> covered;
    for (const pqxx::row& row : db::ExecPrepared(txn_, kCoveredQuestions, id_)) {
      covered.insert(row[0].as<std::string>());
    }
    return covered;
  }

  absl::StatusOr<std::optional<FinalisedRevisionRef>> LatestFinalised(
      v1::AssessmentKind kind) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    pqxx::result previous = db::ExecPrepared(txn_, kPreviousFinalised, partnership_id_,
                                             v1::AssessmentKind_Name(kind), id_);
    if (previous.empty()) return std::nullopt;
    std::string other = previous[0][0].as<std::string>();
    pqxx::result revision = db::ExecPrepared(txn_, kLatestFinalisedRevision, other);
    if (revision.empty()) return std::nullopt;
    return FinalisedRevisionRef{other, revision[0][1].as<int>()};
  }

  absl::Status PutAssessment(v1::Assessment& assessment, v1::ChangeKind change,
                             const Provenance& provenance) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    assessment.set_name(AssessmentName(id_));
    *assessment.mutable_update_time() = TimestampNow();
    pqxx::result rows = db::ExecPrepared(txn_, kUpdateAssessment, id_,
                                         StateName(assessment.state()), Blob(Stored(assessment)));
    assessment.set_etag(rows[0][0].as<std::string>());
    round_.assessment = assessment;
    v1::Revision revision = NewRevision(rows[0][0].as<int64_t>(), provenance);
    *revision.mutable_assessment() = assessment;
    AppendRevision(assessment.name(), revision);
    v1::Change feed = NewChange(change, provenance);
    *feed.mutable_assessment_record() = assessment;
    pending_.push_back(std::move(feed));
    return absl::OkStatus();
  }

  absl::Status PutRespondent(v1::Respondent& respondent, const Provenance& provenance) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    reads_.reset();  // the respondent read with the round is no longer current
    if (respondent.name().empty()) return absl::InternalError("respondent without a name");
    try {
      pqxx::subtransaction insert(txn_, "insert_respondent");
      insert.exec_params(kInsertRespondent, id_, LastSegment(respondent.name()),
                         respondent.organisation(), respondent.scrutineer(),
                         Blob(respondent.SerializeAsString()));
      insert.commit();
    } catch (const pqxx::unique_violation&) {
      return absl::AlreadyExistsError(
          absl::StrCat(respondent.organisation(), respondent.scrutineer(),
                       " is already a respondent of ", AssessmentName(id_)));
    }
    v1::Change feed = NewChange(v1::CHANGE_KIND_RESPONDENT_ADDED, provenance);
    *feed.mutable_respondent() = respondent;
    pending_.push_back(std::move(feed));
    return absl::OkStatus();
  }

  absl::Status DeleteRespondent(const std::string& id, const Provenance& provenance) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    reads_.reset();  // the respondent read with the round is no longer current
    if (db::ExecPrepared(txn_, kRespondentHasResponses, id_, id)[0][0].as<bool>()) {
      return absl::FailedPreconditionError(
          "the respondent has answered: their answers stay on the record");
    }
    pqxx::result removed = db::ExecPrepared(txn_, kDeleteRespondent, id_, id);
    if (removed.empty()) {
      return absl::NotFoundError(absl::StrCat(RespondentResourceName(id_, id), " not found"));
    }
    // The feed says so, or the read model would keep reporting the respondent.
    SIXSTEPS_ASSIGN_OR_RETURN(v1::Respondent respondent,
                              Parse<v1::Respondent>(removed[0][0], "respondent"));
    v1::Change feed = NewChange(v1::CHANGE_KIND_RESPONDENT_REMOVED, provenance);
    *feed.mutable_respondent() = std::move(respondent);
    pending_.push_back(std::move(feed));
    return absl::OkStatus();
  }

  absl::Status UpdateRespondent(v1::Respondent& respondent, v1::ChangeKind change,
                                const Provenance& provenance) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    reads_.reset();  // the respondent read with the round is no longer current
    if (db::ExecPrepared(txn_, kUpdateRespondent, id_, LastSegment(respondent.name()),
                         Blob(respondent.SerializeAsString()))
            .affected_rows() != 1) {
      return NotFound(respondent.name());
    }
    v1::Change feed = NewChange(change, provenance);
    *feed.mutable_respondent() = respondent;
    pending_.push_back(std::move(feed));
    return absl::OkStatus();
  }

  absl::Status PutResponse(v1::Response& response, const Provenance& provenance) override {
    SIXSTEPS_ASSIGN_OR_RETURN(ResponseName name,
                              ParseResponseName(response.name(), "response.name"));
    *response.mutable_update_time() = TimestampNow();
    response.set_update_by(provenance.actor);
    int64_t row_version = 0;
    auto locked = locked_responses_.find({name.respondent_id, name.question_id});
    if (locked != locked_responses_.end()) {
      // Locked by GetResponseForUpdate: its next row_version is known, so the upsert waits
      // for the transaction's last statement (Flush) and joins its feed entry there.
      // A response already waiting (written twice in one transaction) is written first.
      if (IsDeferred(locked->first)) SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
      row_version = locked->second + 1;
      locked->second = row_version;
      deferred_.push_back(DeferredResponse{name.respondent_id, name.question_id,
                                           fv1::Rating_Name(response.rating()), Stored(response),
                                           response.name(), row_version});
    } else {
      SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
      pqxx::result rows =
          db::ExecPrepared(txn_, kUpsertResponse, id_, name.respondent_id, name.question_id,
                           fv1::Rating_Name(response.rating()), Blob(Stored(response)));
      row_version = rows[0][0].as<int64_t>();
    }
    response.set_etag(std::to_string(row_version));
    v1::Revision revision = NewRevision(row_version, provenance);
    *revision.mutable_response() = response;
    AppendRevision(response.name(), revision);
    v1::Change feed = NewChange(v1::CHANGE_KIND_RESPONSE_CHANGED, provenance);
    *feed.mutable_response() = response;
    pending_.push_back(std::move(feed));
    return absl::OkStatus();
  }

  absl::Status PutConsolidation(v1::Consolidation& consolidation,
                                const Provenance& provenance) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    consolidation.set_name(ConsolidationName(id_, consolidation.question_id()));
    *consolidation.mutable_update_time() = TimestampNow();
    consolidation.set_update_by(provenance.actor);
    pqxx::result rows =
        db::ExecPrepared(txn_, kUpsertConsolidation, id_, consolidation.question_id(),
                         fv1::Rating_Name(consolidation.rating()), Blob(Stored(consolidation)));
    consolidation.set_etag(rows[0][0].as<std::string>());
    v1::Revision revision = NewRevision(rows[0][0].as<int64_t>(), provenance);
    *revision.mutable_consolidation() = consolidation;
    AppendRevision(consolidation.name(), revision);
    v1::Change feed = NewChange(v1::CHANGE_KIND_CONSOLIDATED, provenance);
    *feed.mutable_consolidation() = consolidation;
    pending_.push_back(std::move(feed));
    return absl::OkStatus();
  }

  absl::Status PutChallenge(v1::Challenge& challenge, v1::ChangeKind change,
                            const Provenance& provenance) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    pqxx::result rows =
        db::ExecPrepared(txn_, kUpsertChallenge, id_, LastSegment(challenge.name()),
                         ChallengeStateName(challenge.state()), Blob(Stored(challenge)));
    challenge.set_etag(rows[0][0].as<std::string>());
    v1::Change feed = NewChange(change, provenance);
    *feed.mutable_challenge() = challenge;
    pending_.push_back(std::move(feed));
    return absl::OkStatus();
  }

  absl::Status PutContextAnswer(v1::ContextAnswer& answer, const Provenance& provenance) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    *answer.mutable_update_time() = TimestampNow();
    answer.set_update_by(provenance.actor);
    answer.set_name(ContextAnswerName(id_, answer.context_question_id()));
    v1::ContextAnswer stored = answer;
    stored.clear_name();  // kept per partnership; named after the round it is read through
    pqxx::result rows = db::ExecPrepared(txn_, kUpsertContextAnswer, partnership_id_,
                                         answer.context_question_id(), Blob(Stored(stored)));
    answer.set_etag(rows[0][0].as<std::string>());
    v1::Revision revision = NewRevision(rows[0][0].as<int64_t>(), provenance);
    *revision.mutable_context_answer() = answer;
    AppendRevision(PartnershipContextName(answer.context_question_id()), revision);
    v1::Change feed = NewChange(v1::CHANGE_KIND_CONTEXT_ANSWER_CHANGED, provenance);
    *feed.mutable_context_answer() = answer;
    pending_.push_back(std::move(feed));
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<av1::Action>> GetActionForUpdate(
      const std::string& action_id) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    pqxx::result rows = db::ExecPrepared(txn_, kSelectActionForUpdate, action_id);
    if (rows.empty()) return std::nullopt;
    SIXSTEPS_ASSIGN_OR_RETURN(av1::Action action, Load<av1::Action>(rows[0], "action"));
    return action;
  }

  absl::StatusOr<std::vector<av1::Action>> OpenActionsOf(
      const std::string& assessment_id) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    return LoadAll<av1::Action>(db::ExecPrepared(txn_, kOpenActionsOf, assessment_id), "action");
  }

  absl::StatusOr<ProgressUsage> ProgressUsageOf(const std::string& action_id) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    pqxx::result rows = db::ExecPrepared(txn_, kProgressUsage, action_id);
    return ProgressUsage{rows[0][0].as<int>(), rows[0][1].as<int64_t>()};
  }

  absl::Status AppendProgressUpdate(const std::string& action_id,
                                    const av1::ProgressUpdate& update) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    db::ExecPrepared(txn_, kInsertProgress, action_id, update.number(), ProgressBytes(update),
                     Blob(update.SerializeAsString()));
    return absl::OkStatus();
  }

  absl::Status PutAction(av1::Action& action, const Provenance& provenance) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    *action.mutable_update_time() = TimestampNow();
    action.clear_overdue();  // judged when read, never stored
    std::vector<std::string> questions(action.question_ids().begin(), action.question_ids().end());
    pqxx::result rows = txn_.exec_params(
        kUpsertAction, LastSegment(action.name()), LastSegment(action.assessment()),
        LastSegment(action.partnership()), LastSegment(action.region()), action.step_id(),
        db::TextArray(questions), action.owner_organisation(), ActionStatusName(action.status()),
        action.due_date(), Blob(Stored(action)));
    action.set_etag(rows[0][0].as<std::string>());
    v1::Revision revision = NewRevision(rows[0][0].as<int64_t>(), provenance);
    *revision.mutable_action_record() = action;
    AppendRevision(action.name(), revision);
    v1::Change feed = NewChange(v1::CHANGE_KIND_ACTION_CHANGED, provenance);
    feed.set_assessment(action.assessment());
    *feed.mutable_action() = action;
    pending_.push_back(std::move(feed));
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<v1::EvidenceFile>> EvidenceFileOf(
      const std::string& file_id) override {
    return SelectEvidenceFile(txn_, file_id);
  }

  absl::Status PutFinalisedRevision(const v1::FinalisedRevision& revision) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    db::ExecPrepared(txn_, kInsertFinalised, id_, revision.assessment().revision(),
                     Blob(revision.SerializeAsString()));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<v1::ScrutinyReport>> ScrutinyReportVersions() override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    return LockScrutinyReports(txn_, id_);
  }

  absl::Status PutScrutinyReport(v1::ScrutinyReport& report, v1::ChangeKind change,
                                 const Provenance& provenance) override {
    SIXSTEPS_RETURN_IF_ERROR(WriteDeferred());
    report.set_name(ScrutinyReportName(id_, report.version()));
    *report.mutable_update_time() = TimestampNow();
    report.set_etag(std::to_string(StoreScrutinyReport(txn_, id_, report)));
    v1::Change feed = NewChange(change, provenance);
    *feed.mutable_scrutiny_report() = report;
    pending_.push_back(std::move(feed));
    return absl::OkStatus();
  }

 private:
  // A response upsert PutResponse left for the last statement.
  struct DeferredResponse {
    std::string respondent_id;
    std::string question_id;
    std::string rating;
    std::string record;  // as stored
    std::string name;
    int64_t row_version;  // the one its records were given
  };

  // The deferred responses' columns, as kUpsertResponses takes them.
  struct DeferredArrays {
    std::vector<std::string> respondents, questions, ratings, records;
  };
  static DeferredArrays Arrays(const std::vector<DeferredResponse>& deferred) {
    DeferredArrays arrays;
    for (const DeferredResponse& r : deferred) {
      arrays.respondents.push_back(r.respondent_id);
      arrays.questions.push_back(r.question_id);
      arrays.ratings.push_back(r.rating);
      arrays.records.push_back(absl::BytesToHexString(r.record));
    }
    return arrays;
  }

  bool IsDeferred(const ResponseKeyPair& key) const {
    return std::any_of(deferred_.begin(), deferred_.end(), [&](const DeferredResponse& r) {
      return r.respondent_id == key.first && r.question_id == key.second;
    });
  }

  // Writes the responses PutResponse left for the last statement now, before anything else
  // the transaction does (which might read them): one statement for all of them.
  absl::Status WriteDeferred() {
    if (deferred_.empty()) return absl::OkStatus();
    if (deferred_.size() == 1) {
      const DeferredResponse& r = deferred_[0];
      pqxx::result rows = db::ExecPrepared(txn_, kUpsertResponse, id_, r.respondent_id,
                                           r.question_id, r.rating, Blob(r.record));
      SIXSTEPS_RETURN_IF_ERROR(CheckRowVersion(r, rows[0][0].as<int64_t>()));
    } else {
      DeferredArrays d = Arrays(deferred_);
      SIXSTEPS_RETURN_IF_ERROR(CheckRowVersions(db::ExecPrepared(
          txn_, kUpsertResponses, id_, db::TextArray(d.respondents), db::TextArray(d.questions),
          db::TextArray(d.ratings), db::TextArray(d.records))));
    }
    deferred_.clear();
    return absl::OkStatus();
  }

  // Never expected (the responses are locked): a writer that did not take a response's lock.
  static absl::Status CheckRowVersion(const DeferredResponse& r, int64_t written) {
    if (written == r.row_version) return absl::OkStatus();
    return absl::AbortedError(absl::StrCat(r.name, " was changed concurrently; try again"));
  }
  // The same for the rows (respondent_id, question_id, row_version) of many responses' upsert.
  absl::Status CheckRowVersions(const pqxx::result& rows) const {
    if (rows.size() != deferred_.size()) return absl::InternalError("responses not written");
    for (const pqxx::row& row : rows) {
      const ResponseKeyPair key{row[0].as<std::string>(), row[1].as<std::string>()};
      auto r = std::find_if(deferred_.begin(), deferred_.end(), [&](const DeferredResponse& d) {
        return d.respondent_id == key.first && d.question_id == key.second;
      });
      if (r == deferred_.end()) return absl::InternalError("a response not asked for was written");
      SIXSTEPS_RETURN_IF_ERROR(CheckRowVersion(*r, row[2].as<int64_t>()));
    }
    return absl::OkStatus();
  }

  std::string PartnershipContextName(absl::string_view context_question) const {
    return absl::StrCat("partnerships/", partnership_id_, "/contextAnswers/", context_question);
  }

  v1::Revision NewRevision(int64_t number, const Provenance& provenance) {
    v1::Revision revision;
    revision.set_revision(number);
    revision.set_actor(provenance.actor);
    *revision.mutable_time() = TimestampNow();
    revision.set_action(provenance.action);
    revision.set_reason(provenance.reason);
    return revision;
  }

  // Written with the feed entries, last (FlushChanges): one statement for both.
  void AppendRevision(const std::string& record_name, const v1::Revision& revision) {
    revisions_.push_back({record_name, revision.SerializeAsString()});
  }

  v1::Change NewChange(v1::ChangeKind kind, const Provenance& provenance) {
    v1::Change change;
    *change.mutable_time() = TimestampNow();
    change.set_kind(kind);
    change.set_partnership(round_.assessment.partnership());
    change.set_region(round_.assessment.region());
    change.set_assessment(round_.assessment.name());
    change.set_actor(provenance.actor);
    return change;
  }

  std::optional<ResponseWriteReads> reads_;  // what InRoundForResponses read with the round
  // Responses locked by GetResponseForUpdate, by (respondent, question): the row_version each
  // has now in this transaction (0: none yet).
  std::map<ResponseKeyPair, int64_t> locked_responses_;
  // Upserts PutResponse left for the last statement, in the order they were put (each
  // response at most once).
  std::vector<DeferredResponse> deferred_;
};

}  // namespace

namespace pg_store_internal {

absl::StatusOr<bool> WorkOnRound(pqxx::work& txn, StoredAssessment round,
                                 const AssessmentStore::RoundWork& work) {
  PgRoundTx tx(txn, std::move(round));
  SIXSTEPS_RETURN_IF_ERROR(work(tx));
  return tx.Flush();
}

}  // namespace pg_store_internal

absl::Status PgAssessmentStore::InRound(const std::string& assessment_id, RoundLock lock,
                                        const RoundWork& work, const IdempotencyKey* key,
                                        std::optional<std::string>* repeated) {
  return WriteOnce(*pool_, signal_, key, repeated, [&](pqxx::work& txn) -> absl::StatusOr<Written> {
    SIXSTEPS_ASSIGN_OR_RETURN(StoredAssessment round, LockRound(txn, assessment_id, lock));
    PgRoundTx tx(txn, std::move(round));
    SIXSTEPS_RETURN_IF_ERROR(work(tx));
    SIXSTEPS_ASSIGN_OR_RETURN(const bool changed, tx.Flush());
    return Written{tx.result(), changed};
  });
}

absl::Status PgAssessmentStore::InRoundForResponses(const std::string& assessment_id,
                                                    const Visibility& scope,
                                                    const std::vector<ResponseKey>& responses,
                                                    const RoundWork& work) {
  std::vector<std::string> respondent_ids, question_ids, lock_keys;
  for (const ResponseKey& key : responses) {
    respondent_ids.push_back(key.respondent_id);
    question_ids.push_back(key.question_id);
    lock_keys.push_back(ResponseLockKey(assessment_id, key.respondent_id, key.question_id));
  }
  return WriteOnce(
      *pool_, signal_, nullptr, nullptr, [&](pqxx::work& txn) -> absl::StatusOr<Written> {
        pqxx::result rows =
            db::ExecPrepared(txn, kResponsesWriteReads, assessment_id, scope.everything,
                             db::TextArray(scope.regions), db::TextArray(scope.partnerships),
                             db::TextArray(scope.hidden), db::TextArray(respondent_ids),
                             db::TextArray(question_ids), db::TextArray(lock_keys));
        // No round, or one the caller's scope does not see: nothing was locked.
        if (rows.empty() || rows[0][4].as<std::string>() != "round") {
          return absl::NotFoundError(absl::StrCat(AssessmentName(assessment_id), " not found"));
        }
        SIXSTEPS_ASSIGN_OR_RETURN(StoredAssessment round, LoadRound(txn, rows[0]));
        ResponseWriteReads reads;
        for (const ResponseKey& key : responses) {
          reads.respondents.try_emplace(key.respondent_id);
          reads.responses.try_emplace(ResponseKeyPair{key.respondent_id, key.question_id});
        }
        for (pqxx::result::size_type i = 1; i < rows.size(); ++i) {
          const pqxx::row& row = rows[i];
          const auto item = row[3].as<size_t>();
          if (item < 1 || item > responses.size()) return absl::InternalError("unknown item");
          const ResponseKey& key = responses[item - 1];
          if (row[4].as<std::string>() == "respondent") {
            SIXSTEPS_ASSIGN_OR_RETURN(reads.respondents[key.respondent_id],
                                      Parse<v1::Respondent>(row[0], "respondent"));
          } else {
            SIXSTEPS_ASSIGN_OR_RETURN(v1::Response response, Load<v1::Response>(row, "response"));
            reads.responses[ResponseKeyPair{key.respondent_id, key.question_id}] =
                std::move(response);
          }
        }
        PgRoundTx tx(txn, std::move(round), std::move(reads));
        SIXSTEPS_RETURN_IF_ERROR(work(tx));
        SIXSTEPS_ASSIGN_OR_RETURN(const bool changed, tx.Flush());
        return Written{tx.result(), changed};
      });
}

}  // namespace sixsteps::assessment
