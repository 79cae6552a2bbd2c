// The store's side of the weekly digest (digest, H1): the facts it keeps from the feed
// besides the rules' (answered questions, open challenges, reports out for the accuracy
// check), what is open for whom, the weeks composed, and each person's preferences.
#include <set>

#include "absl/strings/str_split.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/notification/pg_store.h"
#include "services/notification/pg_store_internal.h"
#include "services/notification/pg_store_webhooks.h"

namespace sixsteps::notification {
namespace {

constexpr char kUpsertChallenge[] =
    "INSERT INTO open_challenges (challenge_id, assessment_id, partnership_id, respondent_id, "
    "question_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (challenge_id) DO NOTHING";
constexpr char kDeleteChallenge[] = "DELETE FROM open_challenges WHERE challenge_id = $1";
constexpr char kUpsertReport[] =
    "INSERT INTO shared_reports (assessment_id, partnership_id, version, partners) "
    "VALUES ($1, $2, $3, $4::text[]) ON CONFLICT (assessment_id) DO UPDATE SET "
    "version = EXCLUDED.version, partners = EXCLUDED.partners";
constexpr char kDeleteReport[] = "DELETE FROM shared_reports WHERE assessment_id = $1";
constexpr char kInsertAnswered[] =
    "INSERT INTO answered_questions (assessment_id, respondent_id, question_id) "
    "SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING";
constexpr char kSetQuestionCount[] =
    "UPDATE respondents SET question_count = $3 WHERE assessment_id = $1 AND respondent_id = $2";

// Respondents of draft rounds, with their deadline and how many questions they answered.
constexpr char kSelectOpenRounds[] =
    "SELECT r.assessment_id, o.partnership_id, o.title, r.respondent_id, r.organisation, "
    "r.scrutineer, COALESCE(to_char(r.response_deadline, 'YYYY-MM-DD'), ''), r.question_count, "
    "(SELECT count(*) FROM answered_questions a WHERE a.assessment_id = r.assessment_id AND "
    "a.respondent_id = r.respondent_id) "
    "FROM respondents r JOIN rounds o ON o.assessment_id = r.assessment_id "
    "WHERE o.state = 'STATE_DRAFT' ORDER BY o.partnership_id, r.assessment_id, r.respondent_id";
constexpr char kSelectOpenChallenges[] =
    "SELECT c.challenge_id, c.assessment_id, c.partnership_id, COALESCE(o.title, ''), "
    "c.question_id, r.respondent_id, r.organisation, r.scrutineer FROM open_challenges c "
    "JOIN respondents r ON r.assessment_id = c.assessment_id AND "
    "r.respondent_id = c.respondent_id LEFT JOIN rounds o ON o.assessment_id = c.assessment_id "
    "ORDER BY c.partnership_id, c.assessment_id, c.challenge_id";
constexpr char kSelectSharedReports[] =
    "SELECT s.assessment_id, s.partnership_id, COALESCE(o.title, ''), s.version, "
    "array_to_string(s.partners, ',') FROM shared_reports s "
    "LEFT JOIN rounds o ON o.assessment_id = s.assessment_id ORDER BY s.partnership_id, "
    "s.assessment_id";
constexpr char kSelectActions[] =
    "SELECT action_id, partnership_id, description, owner_organisation, "
    "COALESCE(to_char(due_date, 'YYYY-MM-DD'), '') FROM actions WHERE open "
    "ORDER BY partnership_id, due_date NULLS LAST, action_id";

constexpr char kSelectWeek[] = "SELECT 1 FROM digest_weeks WHERE slot_day = $1::date";
constexpr char kSelectLatestWeek[] =
    "SELECT COALESCE(to_char(max(slot_day), 'YYYY-MM-DD'), '') FROM digest_weeks";
constexpr char kInsertWeek[] =
    "INSERT INTO digest_weeks (slot_day, people) VALUES ($1::date, $2) "
    "ON CONFLICT (slot_day) DO NOTHING";
constexpr char kOptedOut[] =
    "SELECT 1 FROM person_preferences WHERE principal = $1 AND NOT weekly_digest";
constexpr char kSelectPreferences[] =
    "SELECT weekly_digest, (extract(epoch FROM update_time) * 1000000)::bigint "
    "FROM person_preferences WHERE principal = $1";
constexpr char kUpsertPreferences[] =
    "INSERT INTO person_preferences (principal, weekly_digest) VALUES ($1, $2) "
    "ON CONFLICT (principal) DO UPDATE SET weekly_digest = EXCLUDED.weekly_digest, "
    "update_time = now() RETURNING (extract(epoch FROM update_time) * 1000000)::bigint";

// "assessments/a/respondents/r/responses/q" -> "r".
std::string RespondentOf(absl::string_view response) {
  std::vector<absl::string_view> parts = absl::StrSplit(response, '/');
  return parts.size() >= 4 ? std::string(parts[3]) : std::string();
}

// The partners asked to check a shared report that have not answered yet.
std::vector<std::string> Awaiting(const av1::ScrutinyReport& report) {
  std::set<std::string> answered;
  for (const auto& answer : report.answers()) answered.insert(answer.organisation());
  std::vector<std::string> awaiting;
  for (const std::string& partner : report.partners()) {
    if (!answered.count(partner)) awaiting.push_back(partner);
  }
  return awaiting;
}

NotificationStore::Preferences PreferencesFrom(const pqxx::result& rows) {
  NotificationStore::Preferences preferences;
  if (rows.empty()) return preferences;
  preferences.weekly_digest = rows[0][0].as<bool>();
  preferences.update_time = absl::FromUnixMicros(rows[0][1].as<int64_t>());
  return preferences;
}

}  // namespace

void AnsweredQuestions::Add(std::string assessment_id, std::string respondent_id,
                            std::string question_id) {
  assessment_ids_.push_back(std::move(assessment_id));
  respondent_ids_.push_back(std::move(respondent_id));
  question_ids_.push_back(std::move(question_id));
}

void AnsweredQuestions::Flush(pqxx::work& txn) {
  if (assessment_ids_.empty()) return;
  db::ExecPrepared(txn, kInsertAnswered, db::TextArray(assessment_ids_),
                   db::TextArray(respondent_ids_), db::TextArray(question_ids_));
  assessment_ids_.clear();
  respondent_ids_.clear();
  question_ids_.clear();
}

void UpdateDigestFacts(pqxx::work& txn, const av1::Change& change, AnsweredQuestions& answered) {
  const std::string assessment = LastSegment(change.assessment());
  const std::string partnership = LastSegment(change.partnership());
  if (change.record_case() == av1::Change::kResponse) {
    answered.Add(assessment, RespondentOf(change.response().name()),
                 change.response().question_id());
    return;
  }
  answered.Flush(txn);  // the run of responses before this change, kept before it
  switch (change.record_case()) {
    case av1::Change::kChallenge: {
      const av1::Challenge& c = change.challenge();
      if (c.state() == av1::Challenge::STATE_OPEN) {
        db::ExecPrepared(txn, kUpsertChallenge, LastSegment(c.name()), assessment, partnership,
                         RespondentOf(c.response()), c.question_id());
      } else {
        db::ExecPrepared(txn, kDeleteChallenge, LastSegment(c.name()));
      }
      break;
    }
    case av1::Change::kScrutinyReport: {
      const av1::ScrutinyReport& r = change.scrutiny_report();
      const std::string of = LastSegment(r.assessment());
      if (r.state() == av1::ScrutinyReport::STATE_SHARED) {
        db::ExecPrepared(txn, kUpsertReport, of, LastSegment(r.partnership()), r.version(),
                         db::TextArray(Awaiting(r)));
      } else if (r.state() == av1::ScrutinyReport::STATE_PUBLISHED) {
        db::ExecPrepared(txn, kDeleteReport, of);
      }
      break;
    }
    case av1::Change::kRespondent:
      if (change.kind() != av1::CHANGE_KIND_RESPONDENT_REMOVED) {
        db::ExecPrepared(txn, kSetQuestionCount, assessment,
                         LastSegment(change.respondent().name()),
                         change.respondent().question_ids_size());
      }
      break;
    default:
      break;
  }
}

absl::StatusOr<DigestInputs> PgNotificationStore::OpenForDigest() {
  DigestInputs in;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    in = DigestInputs();
    for (const auto& row : txn.exec(kSelectOpenRounds)) {
      DigestRound& r = in.rounds.emplace_back();
      db::ReadColumns(row, 0, &r.assessment_id, &r.partnership_id, &r.round_title);
      r.respondent = RespondentAt(row, 3);
      r.deadline = ParseIsoDay(row[6].as<std::string>());
      db::ReadColumns(row, 7, &r.question_count, &r.answered);
    }
    for (const auto& row : txn.exec(kSelectOpenChallenges)) {
      DigestChallenge& c = in.challenges.emplace_back();
      db::ReadColumns(row, 0, &c.challenge_id, &c.assessment_id, &c.partnership_id, &c.round_title,
                      &c.question_id);
      c.respondent = RespondentAt(row, 5);
    }
    for (const auto& row : txn.exec(kSelectSharedReports)) {
      DigestReport& r = in.reports.emplace_back();
      db::ReadColumns(row, 0, &r.assessment_id, &r.partnership_id, &r.round_title, &r.version);
      r.partners = absl::StrSplit(row[4].as<std::string>(), ',', absl::SkipEmpty());
    }
    for (const auto& row : txn.exec(kSelectActions)) {
      DigestAction& a = in.actions.emplace_back();
      db::ReadColumns(row, 0, &a.action_id, &a.partnership_id, &a.description,
                      &a.owner_organisation);
      a.due = ParseIsoDay(row[4].as<std::string>());
    }
    return absl::OkStatus();
  }));
  return in;
}

absl::StatusOr<std::optional<absl::CivilDay>> PgNotificationStore::LatestDigestWeek() {
  std::optional<absl::CivilDay> latest;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) {
    latest = ParseIsoDay(txn.exec(kSelectLatestWeek)[0][0].as<std::string>());
    return absl::OkStatus();
  }));
  return latest;
}

absl::StatusOr<int> PgNotificationStore::KeepDigestWeek(
    absl::CivilDay slot, const std::vector<NewDelivery>& deliveries) {
  int kept = 0;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    kept = 0;
    // One composer of a week at a time (a standby taking over mid-way waits here).
    txn.exec_params("SELECT pg_advisory_xact_lock(hashtext('digest_weeks'))");
    if (!db::ExecPrepared(txn, kSelectWeek, absl::FormatCivilTime(slot)).empty()) {
      return absl::OkStatus();
    }
    for (const NewDelivery& delivery : deliveries) {
      // Read here, in the same transaction: a person who turned it off is never sent one.
      if (!db::ExecPrepared(txn, kOptedOut, delivery.notice.recipient.principal).empty()) {
        continue;
      }
      kept += InsertDelivery(txn, delivery);
    }
    db::ExecPrepared(txn, kInsertWeek, absl::FormatCivilTime(slot), kept);
    return absl::OkStatus();
  }));
  return kept;
}

absl::StatusOr<NotificationStore::Preferences> PgNotificationStore::GetPreferences(
    const std::string& principal) {
  Preferences preferences;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) {
    preferences = PreferencesFrom(db::ExecPrepared(txn, kSelectPreferences, principal));
    return absl::OkStatus();
  }));
  return preferences;
}

absl::StatusOr<NotificationStore::Preferences> PgNotificationStore::SetWeeklyDigest(
    const std::string& principal, bool weekly_digest) {
  Preferences preferences;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) {
    pqxx::result row = db::ExecPrepared(txn, kUpsertPreferences, principal, weekly_digest);
    preferences.weekly_digest = weekly_digest;
    preferences.update_time = absl::FromUnixMicros(row[0][0].as<int64_t>());
    return absl::OkStatus();
  }));
  return preferences;
}

}  // namespace sixsteps::notification
