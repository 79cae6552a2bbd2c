// The assessment service's SQL. Parameterised statements only. Records travel as binary
// protobuf; the etag of a record is its row_version column, never stored in the record.
#include "services/assessment/pg_store.h"

#include <google/protobuf/util/time_util.h>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/base/clock.h"
#include "services/common/status.h"

namespace sixsteps::assessment {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kInsertAssessment[] =
    "INSERT INTO assessments (assessment_id, partnership_id, region_id, framework_version, "
    "framework, kind, state, record) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
constexpr char kSelectAssessment[] =
    "SELECT record, row_version, framework_version FROM assessments WHERE assessment_id = $1";
constexpr char kSelectAssessmentShare[] =
    "SELECT record, row_version, framework_version FROM assessments WHERE assessment_id = $1 "
    "FOR SHARE";
constexpr char kSelectAssessmentUpdate[] =
    "SELECT record, row_version, framework_version FROM assessments WHERE assessment_id = $1 "
    "FOR UPDATE";
constexpr char kSelectFramework[] = "SELECT framework FROM assessments WHERE assessment_id = $1";
constexpr char kUpdateAssessment[] =
    "UPDATE assessments SET state = $2, record = $3, row_version = row_version + 1, "
    "finalise_time = CASE WHEN $2 = 'finalised' THEN now() ELSE finalise_time END "
    "WHERE assessment_id = $1 RETURNING row_version";
constexpr char kListAssessments[] =
    "SELECT record, row_version, seq FROM assessments "
    "WHERE ($1 OR region_id = ANY($2::text[]) OR partnership_id = ANY($3::text[])) "
    "AND partnership_id <> ALL($7::text[]) "
    "AND ($4 = '' OR partnership_id = $4) AND ($5 = 0 OR seq < $5) "
    "ORDER BY seq DESC LIMIT $6";
constexpr char kPreviousFinalised[] =
    "SELECT assessment_id FROM assessments WHERE partnership_id = $1 AND kind = $2 "
    "AND state = 'finalised' AND assessment_id <> $3 ORDER BY finalise_time DESC LIMIT 1";
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

constexpr char kSelectAction[] = "SELECT record, row_version FROM actions WHERE action_id = $1";
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
// Dates are always real dates here (the service passes sentinels for "no bound"), so the
// casts never see an empty string.
constexpr char kListActions[] =
    "SELECT record, row_version FROM actions "
    "WHERE ($1 OR region_id = ANY($2::text[]) OR partnership_id = ANY($3::text[])) "
    "AND ($4 = '' OR partnership_id = $4) AND ($5 = '' OR assessment_id = $5) "
    "AND ($6 = '' OR step_id = $6) AND ($7 = '' OR $7 = ANY(question_ids)) "
    "AND ($8 = '' OR owner_organisation = $8) "
    "AND (cardinality($9::text[]) = 0 OR status = ANY($9::text[])) "
    "AND (NOT $10 OR (status IN ('planned', 'in_progress') AND due_date < $11::date)) "
    "AND due_date < $12::date AND (due_date, action_id) > ($13::date, $14) "
    "AND partnership_id <> ALL($16::text[]) "
    "ORDER BY due_date, action_id LIMIT $15";

constexpr char kProgressUsage[] =
    "SELECT count(*)::integer, coalesce(sum(text_bytes), 0)::bigint FROM action_progress_updates "
    "WHERE action_id = $1";
constexpr char kInsertProgress[] =
    "INSERT INTO action_progress_updates (action_id, number, text_bytes, record) "
    "VALUES ($1, $2, $3, $4)";
constexpr char kListProgress[] =
    "SELECT record FROM action_progress_updates WHERE action_id = $1 AND number > $2 "
    "ORDER BY number LIMIT $3";

constexpr char kInsertFinalised[] =
    "INSERT INTO finalised_revisions (assessment_id, revision, record) VALUES ($1, $2, $3)";
constexpr char kSelectFinalised[] =
    "SELECT record FROM finalised_revisions WHERE assessment_id = $1 "
    "AND ($2 = 0 OR revision = $2) ORDER BY revision DESC LIMIT 1";

constexpr char kInsertRevision[] = "INSERT INTO revisions (record_name, record) VALUES ($1, $2)";
constexpr char kListRevisions[] =
    "SELECT id, record FROM revisions WHERE record_name = $1 AND id > $2 ORDER BY id LIMIT $3";

// Reserving n sequence numbers holds feed_counter's row lock until commit: see V001.
constexpr char kReserveSequences[] =
    "UPDATE feed_counter SET last = last + $1 WHERE id = 1 RETURNING last";
constexpr char kInsertChange[] =
    "INSERT INTO changes (sequence, partnership_id, region_id, record) VALUES ($1, $2, $3, $4)";
// A page of the feed, read in one statement (one snapshot: the rows and the head agree).
// `examined` picks at most `limit` sequences; `page` keeps them in order while their
// records (plus a little framing) stay within the byte budget, and always the first; only
// then are the records themselves read. Each row carries the head and how many sequences
// were examined (to tell a cut page from the end).
#define SIXSTEPS_CHANGE_PAGE(examined, bytes)                           \
  "page AS (SELECT sequence, examined_count, "                          \
  "  row_number() OVER (ORDER BY sequence) AS n, "                      \
  "  sum(size) OVER (ORDER BY sequence) AS running "                    \
  "  FROM (SELECT e.sequence, octet_length(ch.record) + 8 AS size, "    \
  "          count(*) OVER () AS examined_count "                       \
  "        FROM (" examined                                             \
  ") e "                                                                \
  "        JOIN changes ch ON ch.sequence = e.sequence) sized) "        \
  "SELECT head.last, c.sequence, c.record, p.examined_count FROM head " \
  "LEFT JOIN page p ON (p.n = 1 OR p.running <= " bytes                 \
  ") "                                                                  \
  "LEFT JOIN changes c ON c.sequence = p.sequence ORDER BY c.sequence"
// For a caller who sees everything: the primary key from the cursor on.
// $1 after, $2 partnership filter, $3 limit, $4 byte budget, $5 hidden partnerships.
constexpr char kListAllChanges[] =
    "WITH head AS (SELECT coalesce(max(sequence), 0) AS last FROM changes), " SIXSTEPS_CHANGE_PAGE(
        "SELECT sequence FROM changes WHERE sequence > $1 AND ($2 = '' OR partnership_id = $2) "
        "AND partnership_id <> ALL($5::text[]) ORDER BY sequence LIMIT $3",
        "$4");
// For everyone else: the first `limit` of each region and partnership they see (through
// the changes_by_region and changes_by_partnership indexes), merged. The cost follows what
// the caller may see, not what other tenants wrote after their cursor; no head is read.
// $1 after, $2 regions, $3 partnerships, $4 partnership filter, $5 limit, $6 byte budget,
// $7 hidden partnerships (only region grants reach them: see Visibility::hidden).
constexpr char kListVisibleChanges[] =
    "WITH head AS (SELECT 0::bigint AS last), " SIXSTEPS_CHANGE_PAGE(
        "SELECT sequence FROM ("
        "  SELECT v.sequence FROM unnest($2::text[]) AS r(id) CROSS JOIN LATERAL ("
        "    SELECT sequence FROM changes WHERE region_id = r.id AND sequence > $1 "
        "    AND ($4 = '' OR partnership_id = $4) AND partnership_id <> ALL($7::text[]) "
        "    ORDER BY sequence LIMIT $5) v "
        "  UNION "
        "  SELECT v.sequence FROM unnest($3::text[]) AS p(id) CROSS JOIN LATERAL ("
        "    SELECT sequence FROM changes WHERE partnership_id = p.id AND sequence > $1 "
        "    AND ($4 = '' OR partnership_id = $4) ORDER BY sequence LIMIT $5) v"
        ") u ORDER BY sequence LIMIT $5",
        "$6");
#undef SIXSTEPS_CHANGE_PAGE

// A transaction-scoped lock on a key that may not have a row yet (a response or context
// answer about to be created, a client request id about to be used): concurrent writers
// of the same key queue up here, so the second one sees the first one's row once it has
// committed instead of overwriting it or colliding with it.
constexpr char kLockKey[] = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";
constexpr char kSelectRequest[] =
    "SELECT method, request_hash, response FROM client_requests WHERE principal = $1 "
    "AND request_id = $2";
constexpr char kInsertRequest[] =
    "INSERT INTO client_requests (principal, request_id, method, request_hash, response) "
    "VALUES ($1, $2, $3, $4, $5)";

std::string Bytes(const pqxx::field& field) { return pqxx::binarystring(field).str(); }
pqxx::binarystring Blob(const std::string& bytes) { return pqxx::binarystring(bytes); }

template <typename Message>
absl::StatusOr<Message> Parse(const pqxx::field& field, absl::string_view what) {
  Message message;
  if (!message.ParseFromString(Bytes(field))) {
    return absl::DataLossError(absl::StrCat("stored ", what, " cannot be read"));
  }
  return message;
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

// The record without its etag, as stored.
template <typename Message>
std::string Stored(const Message& message) {
  Message copy = message;
  copy.clear_etag();
  return copy.SerializeAsString();
}

std::string StateName(v1::Assessment::State state) {
  switch (state) {
    case v1::Assessment::STATE_IN_REVIEW:
      return "in_review";
    case v1::Assessment::STATE_FINALISED:
      return "finalised";
    default:
      return "draft";
  }
}

std::string ChallengeStateName(v1::Challenge::State state) {
  switch (state) {
    case v1::Challenge::STATE_ANSWERED:
      return "answered";
    case v1::Challenge::STATE_CLOSED:
      return "closed";
    default:
      return "open";
  }
}

std::string ActionStatusName(av1::Action::Status status) {
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
std::vector<std::string> StatusNames(const std::vector<av1::Action::Status>& statuses) {
  std::vector<std::string> names;
  for (av1::Action::Status status : statuses) names.push_back(ActionStatusName(status));
  return names;
}

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

// The transaction's view of one round.
class PgRoundTx final : public RoundTx {
 public:
  PgRoundTx(pqxx::work& txn, StoredAssessment round) : txn_(txn), round_(std::move(round)) {}

  const StoredAssessment& round() const override { return round_; }
  const std::string& id() const { return id_; }

  absl::StatusOr<std::optional<v1::Respondent>> GetRespondent(const std::string& id) override {
    pqxx::result rows = db::ExecPrepared(txn_, kSelectRespondent, id_, id);
    if (rows.empty()) return std::nullopt;
    SIXSTEPS_ASSIGN_OR_RETURN(v1::Respondent respondent,
                              Parse<v1::Respondent>(rows[0][0], "respondent"));
    return respondent;
  }

  absl::StatusOr<std::vector<v1::Respondent>> Respondents() override {
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
    db::ExecPrepared(txn_, kLockKey,
                     absl::StrCat("response\n", id_, "\n", respondent_id, "\n", question_id));
    pqxx::result rows =
        db::ExecPrepared(txn_, kSelectResponseForUpdate, id_, respondent_id, question_id);
    if (rows.empty()) return std::nullopt;
    SIXSTEPS_ASSIGN_OR_RETURN(v1::Response response, Load<v1::Response>(rows[0], "response"));
    return response;
  }

  absl::StatusOr<std::vector<v1::Response>> Responses(const std::string& respondent_filter,
                                                      const std::string& question_filter) override {
    return LoadAll<v1::Response>(
        db::ExecPrepared(txn_, kListResponses, id_, respondent_filter, question_filter),
        "response");
  }

  absl::StatusOr<std::optional<v1::Consolidation>> GetConsolidationForUpdate(
      const std::string& question_id) override {
    pqxx::result rows = db::ExecPrepared(txn_, kSelectConsolidationForUpdate, id_, question_id);
    if (rows.empty()) return std::nullopt;
    SIXSTEPS_ASSIGN_OR_RETURN(v1::Consolidation consolidation,
                              Load<v1::Consolidation>(rows[0], "consolidation"));
    return consolidation;
  }

  absl::StatusOr<std::vector<v1::Consolidation>> Consolidations() override {
    return LoadAll<v1::Consolidation>(db::ExecPrepared(txn_, kListConsolidations, id_),
                                      "consolidation");
  }

  absl::StatusOr<std::optional<v1::Challenge>> GetChallengeForUpdate(
      const std::string& id) override {
    pqxx::result rows = db::ExecPrepared(txn_, kSelectChallengeForUpdate, id_, id);
    if (rows.empty()) return std::nullopt;
    SIXSTEPS_ASSIGN_OR_RETURN(v1::Challenge challenge, Load<v1::Challenge>(rows[0], "challenge"));
    return challenge;
  }

  absl::StatusOr<std::vector<v1::Challenge>> Challenges() override {
    return LoadAll<v1::Challenge>(db::ExecPrepared(txn_, kListChallenges, id_), "challenge");
  }

  absl::StatusOr<std::optional<v1::ContextAnswer>> GetContextAnswerForUpdate(
      const std::string& context_question_id) override {
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
    std::set<std::string> covered;
    for (const pqxx::row& row : db::ExecPrepared(txn_, kCoveredQuestions, id_)) {
      covered.insert(row[0].as<std::string>());
    }
    return covered;
  }

  absl::StatusOr<std::optional<FinalisedRevisionRef>> LatestFinalised(
      v1::AssessmentKind kind) override {
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

  absl::Status PutResponse(v1::Response& response, const Provenance& provenance) override {
    SIXSTEPS_ASSIGN_OR_RETURN(ResponseName name,
                              ParseResponseName(response.name(), "response.name"));
    *response.mutable_update_time() = TimestampNow();
    response.set_update_by(provenance.actor);
    pqxx::result rows =
        db::ExecPrepared(txn_, kUpsertResponse, id_, name.respondent_id, name.question_id,
                         fv1::Rating_Name(response.rating()), Blob(Stored(response)));
    response.set_etag(rows[0][0].as<std::string>());
    v1::Revision revision = NewRevision(rows[0][0].as<int64_t>(), provenance);
    *revision.mutable_response() = response;
    AppendRevision(response.name(), revision);
    v1::Change feed = NewChange(v1::CHANGE_KIND_RESPONSE_CHANGED, provenance);
    *feed.mutable_response() = response;
    pending_.push_back(std::move(feed));
    return absl::OkStatus();
  }

  absl::Status PutConsolidation(v1::Consolidation& consolidation,
                                const Provenance& provenance) override {
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
    pqxx::result rows = db::ExecPrepared(txn_, kSelectActionForUpdate, action_id);
    if (rows.empty()) return std::nullopt;
    SIXSTEPS_ASSIGN_OR_RETURN(av1::Action action, Load<av1::Action>(rows[0], "action"));
    return action;
  }

  absl::StatusOr<std::vector<av1::Action>> OpenActionsOf(
      const std::string& assessment_id) override {
    return LoadAll<av1::Action>(db::ExecPrepared(txn_, kOpenActionsOf, assessment_id), "action");
  }

  absl::StatusOr<ProgressUsage> ProgressUsageOf(const std::string& action_id) override {
    pqxx::result rows = db::ExecPrepared(txn_, kProgressUsage, action_id);
    return ProgressUsage{rows[0][0].as<int>(), rows[0][1].as<int64_t>()};
  }

  absl::Status AppendProgressUpdate(const std::string& action_id,
                                    const av1::ProgressUpdate& update) override {
    db::ExecPrepared(txn_, kInsertProgress, action_id, update.number(), ProgressBytes(update),
                     Blob(update.SerializeAsString()));
    return absl::OkStatus();
  }

  absl::Status PutAction(av1::Action& action, const Provenance& provenance) override {
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

  absl::Status PutFinalisedRevision(const v1::FinalisedRevision& revision) override {
    db::ExecPrepared(txn_, kInsertFinalised, id_, revision.assessment().revision(),
                     Blob(revision.SerializeAsString()));
    return absl::OkStatus();
  }

  void SetIdempotentResult(std::string serialized_response) override {
    result_ = std::move(serialized_response);
  }
  const std::optional<std::string>& result() const { return result_; }

  // Appends the queued changes with consecutive sequence numbers; called last, so the
  // feed counter's lock is held for as short a time as possible.
  bool FlushChanges() {
    if (pending_.empty()) return false;
    int64_t last =
        db::ExecPrepared(txn_, kReserveSequences, static_cast<int64_t>(pending_.size()))[0][0]
            .as<int64_t>();
    int64_t sequence = last - static_cast<int64_t>(pending_.size());
    for (v1::Change& change : pending_) {
      change.set_sequence(++sequence);
      db::ExecPrepared(txn_, kInsertChange, sequence, LastSegment(change.partnership()),
                       LastSegment(change.region()), Blob(change.SerializeAsString()));
    }
    return true;
  }

  void Bind() {
    id_ = LastSegment(round_.assessment.name());
    partnership_id_ = LastSegment(round_.assessment.partnership());
  }

 private:
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

  void AppendRevision(const std::string& record_name, const v1::Revision& revision) {
    db::ExecPrepared(txn_, kInsertRevision, record_name, Blob(revision.SerializeAsString()));
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

  pqxx::work& txn_;
  StoredAssessment round_;
  std::string id_;
  std::string partnership_id_;
  std::vector<v1::Change> pending_;
  std::optional<std::string> result_;
};

}  // namespace

Visibility Visibility::Of(const auth::Caller& caller) {
  Visibility visible;
  visible.everything = caller.SeesEverything();
  for (const auth::Grant& grant : caller.grants) {
    if (!grant.partnership.empty()) {
      visible.partnerships.push_back(grant.partnership);
    } else if (caller.CanSeePartnership(grant.region, "")) {
      visible.regions.push_back(grant.region);
    }
  }
  return visible;
}

void ChangeSignal::Notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++generation_;
  }
  changed_.notify_all();
}

uint64_t ChangeSignal::Wait(uint64_t seen_generation, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                    [&] { return generation_ != seen_generation; });
  return generation_;
}

uint64_t ChangeSignal::generation() {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

absl::Status PgAssessmentStore::CreateAssessment(StoredAssessment& round,
                                                 const Provenance& provenance,
                                                 const IdempotencyKey* key,
                                                 std::optional<std::string>* repeated) {
  bool changed = false;
  absl::Status status = pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    changed = false;
    if (key != nullptr) {
      repeated->reset();
      SIXSTEPS_RETURN_IF_ERROR(CheckRepeat(txn, *key, repeated));
      if (repeated->has_value()) return absl::OkStatus();
    }
    v1::Assessment& assessment = round.assessment;
    std::string id = LastSegment(assessment.name());
    pqxx::result previous =
        db::ExecPrepared(txn, kPreviousFinalised, LastSegment(assessment.partnership()),
                         v1::AssessmentKind_Name(assessment.kind()), id);
    if (!previous.empty()) {
      assessment.set_previous_assessment(AssessmentName(previous[0][0].as<std::string>()));
    }
    assessment.set_etag("1");
    db::ExecPrepared(txn, kInsertAssessment, id, LastSegment(assessment.partnership()),
                     LastSegment(assessment.region()), assessment.framework_version(),
                     Blob(round.framework->SerializeAsString()),
                     v1::AssessmentKind_Name(assessment.kind()), StateName(assessment.state()),
                     Blob(Stored(assessment)));
    v1::Revision revision;
    revision.set_revision(1);
    revision.set_actor(provenance.actor);
    *revision.mutable_time() = TimestampNow();
    revision.set_action(provenance.action);
    *revision.mutable_assessment() = assessment;
    db::ExecPrepared(txn, kInsertRevision, assessment.name(), Blob(revision.SerializeAsString()));
    if (key != nullptr) {
      db::ExecPrepared(txn, kInsertRequest, key->principal, key->request_id, key->method,
                       Blob(key->request_hash), Blob(assessment.SerializeAsString()));
    }
    // The feed entry, through the round transaction so numbering is in one place.
    v1::Change change;
    *change.mutable_time() = TimestampNow();
    change.set_kind(v1::CHANGE_KIND_ASSESSMENT_CREATED);
    change.set_partnership(assessment.partnership());
    change.set_region(assessment.region());
    change.set_assessment(assessment.name());
    change.set_actor(provenance.actor);
    *change.mutable_assessment_record() = assessment;
    int64_t sequence = db::ExecPrepared(txn, kReserveSequences, int64_t{1})[0][0].as<int64_t>();
    change.set_sequence(sequence);
    db::ExecPrepared(txn, kInsertChange, sequence, LastSegment(assessment.partnership()),
                     LastSegment(assessment.region()), Blob(change.SerializeAsString()));
    changed = true;
    return absl::OkStatus();
  });
  if (status.ok() && changed && signal_ != nullptr) signal_->Notify();
  return status;
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

absl::StatusOr<std::optional<std::string>> PgAssessmentStore::FindRepeat(
    const IdempotencyKey& key) {
  std::optional<std::string> repeated;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    repeated.reset();
    return CheckRepeat(txn, key, &repeated);
  }));
  return repeated;
}

absl::StatusOr<StoredAssessment> PgAssessmentStore::GetAssessment(const std::string& id) {
  StoredAssessment round;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = db::ExecPrepared(txn, kSelectAssessment, id);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat(AssessmentName(id), " not found"));
    SIXSTEPS_ASSIGN_OR_RETURN(round, LoadRound(txn, rows[0]));
    return absl::OkStatus();
  }));
  return round;
}

absl::StatusOr<std::vector<v1::Assessment>> PgAssessmentStore::ListAssessments(
    const Visibility& visible, const std::string& partnership_filter, int64_t before_seq, int limit,
    std::vector<int64_t>* seqs) {
  std::vector<v1::Assessment> assessments;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    assessments.clear();
    seqs->clear();
    for (const pqxx::row& row :
         txn.exec_params(kListAssessments, visible.everything, db::TextArray(visible.regions),
                         db::TextArray(visible.partnerships), partnership_filter, before_seq, limit,
                         db::TextArray(visible.hidden))) {
      SIXSTEPS_ASSIGN_OR_RETURN(v1::Assessment assessment, Load<v1::Assessment>(row, "assessment"));
      assessments.push_back(std::move(assessment));
      seqs->push_back(row[2].as<int64_t>());
    }
    return absl::OkStatus();
  }));
  return assessments;
}

absl::Status PgAssessmentStore::InRound(const std::string& assessment_id, RoundLock lock,
                                        const RoundWork& work, const IdempotencyKey* key,
                                        std::optional<std::string>* repeated) {
  bool changed = false;
  absl::Status status = pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    changed = false;
    if (key != nullptr) {
      repeated->reset();
      SIXSTEPS_RETURN_IF_ERROR(CheckRepeat(txn, *key, repeated));
      if (repeated->has_value()) return absl::OkStatus();
    }
    const char* select = lock == RoundLock::kExclusive ? kSelectAssessmentUpdate
                         : lock == RoundLock::kShared  ? kSelectAssessmentShare
                                                       : kSelectAssessment;
    pqxx::result rows = db::ExecPrepared(txn, select, assessment_id);
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat(AssessmentName(assessment_id), " not found"));
    }
    SIXSTEPS_ASSIGN_OR_RETURN(StoredAssessment round, LoadRound(txn, rows[0]));
    PgRoundTx tx(txn, std::move(round));
    tx.Bind();
    SIXSTEPS_RETURN_IF_ERROR(work(tx));
    if (key != nullptr && tx.result().has_value()) {
      db::ExecPrepared(txn, kInsertRequest, key->principal, key->request_id, key->method,
                       Blob(key->request_hash), Blob(*tx.result()));
    }
    changed = tx.FlushChanges();
    return absl::OkStatus();
  });
  if (status.ok() && changed && signal_ != nullptr) signal_->Notify();
  return status;
}

absl::StatusOr<av1::Action> PgAssessmentStore::GetAction(const std::string& id) {
  av1::Action action;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = db::ExecPrepared(txn, kSelectAction, id);
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("actions/", id, " not found"));
    SIXSTEPS_ASSIGN_OR_RETURN(action, Load<av1::Action>(rows[0], "action"));
    return absl::OkStatus();
  }));
  return action;
}

absl::StatusOr<std::vector<av1::Action>> PgAssessmentStore::ListActions(const Visibility& visible,
                                                                        const ActionFilter& filter,
                                                                        int limit) {
  std::vector<av1::Action> actions;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(
        actions,
        LoadAll<av1::Action>(
            txn.exec_params(
                kListActions, visible.everything, db::TextArray(visible.regions),
                db::TextArray(visible.partnerships), filter.partnership, filter.assessment,
                filter.step_id, filter.question_id, filter.owner_organisation,
                db::TextArray(StatusNames(filter.statuses)), filter.overdue_only, filter.as_of_date,
                filter.due_before.empty() ? std::string("9999-12-31") : filter.due_before,
                filter.after_due_date.empty() ? std::string("0001-01-01") : filter.after_due_date,
                filter.after_id, limit, db::TextArray(visible.hidden)),
            "action"));
    return absl::OkStatus();
  }));
  for (av1::Action& action : actions) KeepLatestProgress(action);
  return actions;
}

absl::StatusOr<ProgressUsage> PgAssessmentStore::GetProgressUsage(const std::string& action_id) {
  ProgressUsage usage;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = db::ExecPrepared(txn, kProgressUsage, action_id);
    usage = ProgressUsage{rows[0][0].as<int>(), rows[0][1].as<int64_t>()};
    return absl::OkStatus();
  }));
  return usage;
}

absl::StatusOr<std::vector<av1::ProgressUpdate>> PgAssessmentStore::ListProgressUpdates(
    const std::string& action_id, int after_number, int limit) {
  std::vector<av1::ProgressUpdate> updates;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    updates.clear();
    for (const pqxx::row& row :
         db::ExecPrepared(txn, kListProgress, action_id, after_number, limit)) {
      SIXSTEPS_ASSIGN_OR_RETURN(av1::ProgressUpdate update,
                                Parse<av1::ProgressUpdate>(row[0], "progress note"));
      updates.push_back(std::move(update));
    }
    return absl::OkStatus();
  }));
  return updates;
}

absl::StatusOr<v1::FinalisedRevision> PgAssessmentStore::GetFinalisedRevision(
    const std::string& assessment_id, int revision) {
  v1::FinalisedRevision finalised;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = db::ExecPrepared(txn, kSelectFinalised, assessment_id, revision);
    if (rows.empty()) {
      return absl::NotFoundError(
          absl::StrCat(AssessmentName(assessment_id), " has no finalised revision ",
                       revision == 0 ? std::string() : absl::StrCat(revision)));
    }
    SIXSTEPS_ASSIGN_OR_RETURN(finalised, Parse<v1::FinalisedRevision>(rows[0][0], "revision"));
    return absl::OkStatus();
  }));
  return finalised;
}

absl::StatusOr<std::vector<v1::Revision>> PgAssessmentStore::ListRevisions(
    const std::string& record_name, int64_t after_id, int limit, std::vector<int64_t>* ids) {
  std::vector<v1::Revision> revisions;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    revisions.clear();
    ids->clear();
    for (const pqxx::row& row :
         db::ExecPrepared(txn, kListRevisions, record_name, after_id, limit)) {
      SIXSTEPS_ASSIGN_OR_RETURN(v1::Revision revision, Parse<v1::Revision>(row[1], "revision"));
      // Revisions written before notes were rows carry every note: only the latest go out.
      if (revision.has_action_record()) KeepLatestProgress(*revision.mutable_action_record());
      revisions.push_back(std::move(revision));
      ids->push_back(row[0].as<int64_t>());
    }
    return absl::OkStatus();
  }));
  return revisions;
}

absl::StatusOr<std::vector<v1::Change>> PgAssessmentStore::ListChanges(
    const Visibility& visible, const std::string& partnership_filter, int64_t after_sequence,
    int limit, int64_t max_bytes, ChangePageInfo* page) {
  std::vector<v1::Change> changes;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    changes.clear();
    *page = ChangePageInfo{};
    int64_t examined = 0;
    pqxx::result rows =
        visible.everything
            ? txn.exec_params(kListAllChanges, after_sequence, partnership_filter, limit, max_bytes,
                              db::TextArray(visible.hidden))
            : txn.exec_params(kListVisibleChanges, after_sequence, db::TextArray(visible.regions),
                              db::TextArray(visible.partnerships), partnership_filter, limit,
                              max_bytes, db::TextArray(visible.hidden));
    for (const pqxx::row& row : rows) {
      page->head = row[0].as<int64_t>();
      if (row[1].is_null()) continue;
      examined = row[3].as<int64_t>();
      SIXSTEPS_ASSIGN_OR_RETURN(v1::Change change, Parse<v1::Change>(row[2], "change"));
      // Changes written before notes were rows carry every note: only the latest go out.
      if (change.has_action()) KeepLatestProgress(*change.mutable_action());
      changes.push_back(std::move(change));
    }
    // Cut by the count, or by the byte budget before the count: more may follow at once.
    page->more = examined == limit || static_cast<int64_t>(changes.size()) < examined;
    return absl::OkStatus();
  }));
  return changes;
}

}  // namespace sixsteps::assessment
