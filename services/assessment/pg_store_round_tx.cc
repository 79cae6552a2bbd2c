// PgAssessmentStore: the transaction on one round (PgRoundTx) and InRound, which runs it.
#include "services/assessment/pg_store.h"

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

// The transaction's view of one round.
class PgRoundTx final : public PgRoundTxBase<RoundTx> {
 public:
  PgRoundTx(pqxx::work& txn, StoredAssessment round) : PgRoundTxBase(txn, std::move(round)) {}

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

  absl::Status UpdateRespondent(v1::Respondent& respondent, v1::ChangeKind change,
                                const Provenance& provenance) override {
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

  absl::StatusOr<std::optional<v1::EvidenceFile>> EvidenceFileOf(
      const std::string& file_id) override {
    return SelectEvidenceFile(txn_, file_id);
  }

  absl::Status PutFinalisedRevision(const v1::FinalisedRevision& revision) override {
    db::ExecPrepared(txn_, kInsertFinalised, id_, revision.assessment().revision(),
                     Blob(revision.SerializeAsString()));
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<v1::ScrutinyReport>> ScrutinyReportVersions() override {
    return LockScrutinyReports(txn_, id_);
  }

  absl::Status PutScrutinyReport(v1::ScrutinyReport& report, v1::ChangeKind change,
                                 const Provenance& provenance) override {
    report.set_name(ScrutinyReportName(id_, report.version()));
    *report.mutable_update_time() = TimestampNow();
    report.set_etag(std::to_string(StoreScrutinyReport(txn_, id_, report)));
    v1::Change feed = NewChange(change, provenance);
    *feed.mutable_scrutiny_report() = report;
    pending_.push_back(std::move(feed));
    return absl::OkStatus();
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
};

}  // namespace

namespace pg_store_internal {

absl::StatusOr<bool> WorkOnRound(pqxx::work& txn, StoredAssessment round,
                                 const AssessmentStore::RoundWork& work) {
  PgRoundTx tx(txn, std::move(round));
  SIXSTEPS_RETURN_IF_ERROR(work(tx));
  return tx.FlushChanges();
}

}  // namespace pg_store_internal

absl::Status PgAssessmentStore::InRound(const std::string& assessment_id, RoundLock lock,
                                        const RoundWork& work, const IdempotencyKey* key,
                                        std::optional<std::string>* repeated) {
  return WriteOnce(*pool_, signal_, key, repeated, [&](pqxx::work& txn) -> absl::StatusOr<Written> {
    SIXSTEPS_ASSIGN_OR_RETURN(StoredAssessment round, LockRound(txn, assessment_id, lock));
    PgRoundTx tx(txn, std::move(round));
    SIXSTEPS_RETURN_IF_ERROR(work(tx));
    const bool changed = tx.FlushChanges();
    return Written{tx.result(), changed};
  });
}

}  // namespace sixsteps::assessment
