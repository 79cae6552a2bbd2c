// The feed side of the store: the cursor, the facts rules read, quarantine, open actions.
#include "services/notification/pg_store.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "services/base/names.h"
#include "services/base/status_macros.h"
#include "services/notification/pg_store_internal.h"
#include "services/notification/pg_store_webhooks.h"  // webhooks (H1)

namespace sixsteps::notification {
namespace {

constexpr char kSelectCursorForUpdate[] =
    "SELECT sequence FROM feed_cursor WHERE id = 1 FOR UPDATE";
constexpr char kUpdateCursor[] =
    "UPDATE feed_cursor SET sequence = $1, update_time = now() WHERE id = 1";
constexpr char kSelectRound[] = "SELECT title FROM rounds WHERE assessment_id = $1";
constexpr char kSelectRespondents[] =
    "SELECT respondent_id, organisation, scrutineer FROM respondents WHERE assessment_id = $1 "
    "ORDER BY respondent_id";
constexpr char kSelectDisabled[] =
    "SELECT rule FROM rule_switches WHERE partnership_id = $1 AND NOT enabled";
constexpr char kUpsertRound[] =
    "INSERT INTO rounds (assessment_id, partnership_id, region_id, title, state) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (assessment_id) DO UPDATE SET title = "
    "EXCLUDED.title, state = EXCLUDED.state";
// The response deadline (H2, V003) is kept for the deadline reminders (pg_store_deadlines.cc).
constexpr char kUpsertRespondent[] =
    "INSERT INTO respondents (assessment_id, respondent_id, organisation, scrutineer, "
    "response_deadline) VALUES ($1, $2, $3, $4, NULLIF($5, '')::date) "
    "ON CONFLICT (assessment_id, respondent_id) DO UPDATE SET "
    "organisation = EXCLUDED.organisation, scrutineer = EXCLUDED.scrutineer, "
    "response_deadline = EXCLUDED.response_deadline";
constexpr char kDeleteRespondent[] =
    "DELETE FROM respondents WHERE assessment_id = $1 AND respondent_id = $2";
constexpr char kUpsertAction[] =
    "INSERT INTO actions (action_id, partnership_id, region_id, assessment_id, description, "
    "owner_organisation, due_date, open) VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, '')::date, $8) "
    "ON CONFLICT (action_id) DO UPDATE SET description = EXCLUDED.description, "
    "owner_organisation = EXCLUDED.owner_organisation, due_date = EXCLUDED.due_date, "
    "open = EXCLUDED.open";
constexpr char kInsertQuarantine[] =
    "INSERT INTO feed_quarantine (sequence, partnership_id, kind, error, record) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sequence) DO NOTHING";
constexpr char kSelectOpenActions[] =
    "SELECT action_id, partnership_id, region_id, assessment_id, description, "
    "owner_organisation, to_char(due_date, 'YYYY-MM-DD') FROM actions "
    "WHERE open AND due_date <= $1::date ORDER BY due_date, action_id";

// The facts of a batch's rounds and partnerships, read once per ApplyChanges transaction
// instead of once per change (issue 18: three reads per change were most of the follower's
// statements, and a batch's changes are mostly about a few rounds). A round's entry is
// dropped whenever a change updates its round or respondents (UpdateFacts), so each change
// still sees the facts as they were just before it; nothing else writes them (the follower
// leads alone), and the rule switches are not changed by the feed.
class FactsOfBatch {
 public:
  explicit FactsOfBatch(pqxx::work& txn) : txn_(txn) {}

  ChangeFacts For(const av1::Change& change) {
    ChangeFacts facts;
    const std::string assessment = LastSegment(change.assessment());
    if (!assessment.empty()) {
      auto [round, inserted] = rounds_.try_emplace(assessment);
      if (inserted) {
        pqxx::result title = db::ExecPrepared(txn_, kSelectRound, assessment);
        if (!title.empty()) round->second.round_title = title[0][0].as<std::string>();
        for (const auto& row : db::ExecPrepared(txn_, kSelectRespondents, assessment)) {
          round->second.respondents.push_back(RespondentAt(row, 0));
        }
      }
      facts.round_title = round->second.round_title;
      facts.respondents = round->second.respondents;
    }
    const std::string partnership = LastSegment(change.partnership());
    auto [disabled, inserted] = disabled_.try_emplace(partnership);
    if (inserted) {
      for (const auto& row : db::ExecPrepared(txn_, kSelectDisabled, partnership)) {
        disabled->second.insert(row[0].as<std::string>());
      }
    }
    facts.disabled_rules = disabled->second;
    return facts;
  }

  // After `change` is applied: forget what it may have changed.
  void Applied(const av1::Change& change) {
    if (change.record_case() == av1::Change::kAssessmentRecord ||
        change.record_case() == av1::Change::kRespondent) {
      rounds_.erase(LastSegment(change.assessment()));
      rounds_.erase(LastSegment(change.assessment_record().name()));
    }
  }

 private:
  pqxx::work& txn_;
  std::map<std::string, ChangeFacts> rounds_;  // by assessment id: title and respondents
  std::map<std::string, std::set<std::string>> disabled_;  // by partnership id
};

bool IsOpen(sixsteps::action::v1::Action::Status status) {
  return status == sixsteps::action::v1::Action::STATUS_PLANNED ||
         status == sixsteps::action::v1::Action::STATUS_IN_PROGRESS;
}

// Keeps the facts later rules read from what the change carries.
void UpdateFacts(pqxx::work& txn, const av1::Change& change) {
  const std::string assessment = LastSegment(change.assessment());
  switch (change.record_case()) {
    case av1::Change::kAssessmentRecord: {
      const av1::Assessment& a = change.assessment_record();
      db::ExecPrepared(txn, kUpsertRound, LastSegment(a.name()), LastSegment(a.partnership()),
                       LastSegment(a.region()), a.title(), av1::Assessment::State_Name(a.state()));
      break;
    }
    case av1::Change::kRespondent: {
      const av1::Respondent& r = change.respondent();
      if (change.kind() == av1::CHANGE_KIND_RESPONDENT_REMOVED) {
        db::ExecPrepared(txn, kDeleteRespondent, assessment, LastSegment(r.name()));
      } else {
        std::optional<absl::CivilDay> deadline = ParseIsoDay(r.response_deadline());
        db::ExecPrepared(txn, kUpsertRespondent, assessment, LastSegment(r.name()),
                         r.organisation(), r.scrutineer(),
                         deadline ? absl::FormatCivilTime(*deadline) : std::string());
      }
      break;
    }
    case av1::Change::kAction: {
      const sixsteps::action::v1::Action& a = change.action();
      std::optional<absl::CivilDay> due = ParseIsoDay(a.due_date());
      db::ExecPrepared(txn, kUpsertAction, LastSegment(a.name()), LastSegment(a.partnership()),
                       LastSegment(a.region()), LastSegment(a.assessment()), a.description(),
                       a.owner_organisation(), due ? absl::FormatCivilTime(*due) : std::string(),
                       IsOpen(a.status()));
      break;
    }
    default:
      break;
  }
}

}  // namespace

absl::StatusOr<int64_t> PgNotificationStore::Cursor() {
  int64_t cursor = 0;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) {
    cursor = txn.exec("SELECT sequence FROM feed_cursor WHERE id = 1")[0][0].as<int64_t>();
    return absl::OkStatus();
  }));
  return cursor;
}

absl::Status PgNotificationStore::ApplyChanges(const std::vector<av1::Change>& changes,
                                               const Derive& derive) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    int64_t cursor = txn.exec(kSelectCursorForUpdate)[0][0].as<int64_t>();
    FactsOfBatch facts_of_batch(txn);
    AnsweredQuestions answered;
    for (const av1::Change& change : changes) {
      if (change.sequence() <= cursor) continue;  // applied by an earlier leader
      const ChangeFacts facts = facts_of_batch.For(change);
      SIXSTEPS_ASSIGN_OR_RETURN(std::vector<NewDelivery> deliveries, derive(change, facts));
      for (const NewDelivery& delivery : deliveries) InsertDelivery(txn, delivery);
      // ---- webhooks (H1): the change's events for the subscriptions, with the cursor ----
      KeepWebhookDeliveries(txn, WebhookEventsForChange(change, facts));
      UpdateFacts(txn, change);
      facts_of_batch.Applied(change);
      UpdateDigestFacts(txn, change, answered);  // digest (H1)
      cursor = change.sequence();
    }
    answered.Flush(txn);
    db::ExecPrepared(txn, kUpdateCursor, cursor);
    return absl::OkStatus();
  });
}

absl::Status PgNotificationStore::Quarantine(const av1::Change& change, const absl::Status& error) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    int64_t cursor = txn.exec(kSelectCursorForUpdate)[0][0].as<int64_t>();
    if (change.sequence() <= cursor) return absl::OkStatus();
    db::ExecPrepared(txn, kInsertQuarantine, change.sequence(), LastSegment(change.partnership()),
                     av1::ChangeKind_Name(change.kind()), error.ToString(),
                     pqxx::binarystring(change.SerializeAsString()));
    db::ExecPrepared(txn, kUpdateCursor, change.sequence());
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<OpenAction>> PgNotificationStore::OpenActionsDueBy(
    absl::CivilDay horizon) {
  std::vector<OpenAction> actions;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    actions.clear();
    for (const auto& row :
         db::ExecPrepared(txn, kSelectOpenActions, absl::FormatCivilTime(horizon))) {
      OpenAction action;
      db::ReadColumns(row, 0, &action.action_id, &action.partnership_id, &action.region_id,
                      &action.assessment_id, &action.description, &action.owner_organisation);
      std::optional<absl::CivilDay> due = ParseIsoDay(row[6].as<std::string>());
      if (!due) continue;
      action.due = *due;
      actions.push_back(std::move(action));
    }
    return absl::OkStatus();
  }));
  return actions;
}

}  // namespace sixsteps::notification
