// Storage of rounds. The service works on one round at a time inside a transaction
// (RoundTx): it reads what it needs, applies the domain rules, and puts records back; the
// store bumps each record's etag, appends its revision, and appends the change to the
// feed, all committed together or not at all.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/assessment/action_domain.h"
#include "services/assessment/domain.h"
#include "services/assessment/feed.h"
#include "services/common/db.h"
#include "sixsteps/action/v1/action.pb.h"
#include "sixsteps/assessment/v1/assessment.pb.h"
#include "sixsteps/assessment/v1/assessment_service.pb.h"
#include "sixsteps/assessment/v1/evidence_file.pb.h"
#include "sixsteps/assessment/v1/scrutiny_report.pb.h"
#include "sixsteps/framework/v1/framework.pb.h"

namespace sixsteps::assessment {

namespace av1 = ::sixsteps::action::v1;

// A round with the framework version it is pinned to.
struct StoredAssessment {
  v1::Assessment assessment;
  // Shared and immutable: every round of one framework version uses one parsed copy.
  std::shared_ptr<const fv1::FrameworkVersion> framework;
};

// Which partnerships' records a read may return.
struct Visibility {
  bool everything = false;
  std::vector<std::string> regions;
  std::vector<std::string> partnerships;
  // Partnerships left out even where the above would show them: those whose
  // regional-comparison opt-out hides them from the caller (PartnershipsHiddenFrom).
  std::vector<std::string> hidden;
  // Region-level grants that see a region's partnerships (hub administrator, viewer,
  // dashboard, integration), and every partnership grant; nothing hidden (the service adds
  // that, from the directory).
  static Visibility Of(const auth::Caller& caller);
  bool Hides(absl::string_view partnership) const {
    return std::find(hidden.begin(), hidden.end(), partnership) != hidden.end();
  }
};

// The rounds whose records a store may lock for `caller` before the service's own check
// (CanReadRound, which it still makes): `visible` with every grant that reaches every region
// (a deployment administrator, a region-level grant on "*") counted as seeing everything, so
// that it is never narrower than what CanReadRound allows.
inline Visibility ScopeForLocks(const auth::Caller& caller, Visibility visible) {
  if (caller.IsDeploymentAdmin() || std::find(visible.regions.begin(), visible.regions.end(),
                                              auth::kEveryRegion) != visible.regions.end()) {
    visible.everything = true;
  }
  return visible;
}

// One response of a round: its respondent's id and its question's.
struct ResponseKey {
  std::string respondent_id;
  std::string question_id;
};

// A create that carries a client request id: a repeat returns the first response.
struct IdempotencyKey {
  std::string principal;
  std::string request_id;
  std::string method;
  // A digest of the request (without its request id): a different request under the same
  // id is refused.
  std::string request_hash;
};

// The audit trail of one write.
struct Provenance {
  std::string actor;
  std::string action;  // "created", "updated", "state:finalised"…
  std::string reason;
};

// A finalised round of a partnership, found by LatestFinalised.
struct FinalisedRevisionRef {
  std::string assessment_id;
  int revision = 0;
};

// What the service may read and write inside one round's transaction.
class RoundTx {
 public:
  virtual ~RoundTx() = default;

  virtual const StoredAssessment& round() const = 0;

  virtual absl::StatusOr<std::optional<v1::Respondent>> GetRespondent(const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<v1::Respondent>> Respondents() = 0;
  // Locks the response row if it exists, so concurrent writers queue up.
  virtual absl::StatusOr<std::optional<v1::Response>> GetResponseForUpdate(
      const std::string& respondent_id, const std::string& question_id) = 0;
  virtual absl::StatusOr<std::vector<v1::Response>> Responses(
      const std::string& respondent_filter, const std::string& question_filter) = 0;
  virtual absl::StatusOr<std::optional<v1::Consolidation>> GetConsolidationForUpdate(
      const std::string& question_id) = 0;
  virtual absl::StatusOr<std::vector<v1::Consolidation>> Consolidations() = 0;
  virtual absl::StatusOr<std::optional<v1::Challenge>> GetChallengeForUpdate(
      const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<v1::Challenge>> Challenges() = 0;
  // The partnership's current answers.
  virtual absl::StatusOr<std::optional<v1::ContextAnswer>> GetContextAnswerForUpdate(
      const std::string& context_question_id) = 0;
  virtual absl::StatusOr<std::vector<v1::ContextAnswer>> ContextAnswers() = 0;
  // Question ids covered by the round's actions that are not cancelled.
  virtual absl::StatusOr<std::set<std::string>> QuestionsCoveredByActions() = 0;
  // The latest finalised round of the same partnership and kind before this one.
  virtual absl::StatusOr<std::optional<FinalisedRevisionRef>> LatestFinalised(
      v1::AssessmentKind kind) = 0;

  // Actions of any round (carry-over reads the previous round's), locked for update.
  virtual absl::StatusOr<std::optional<av1::Action>> GetActionForUpdate(
      const std::string& action_id) = 0;
  // The planned and in-progress actions of a round, locked for update.
  virtual absl::StatusOr<std::vector<av1::Action>> OpenActionsOf(
      const std::string& assessment_id) = 0;
  // The progress notes an action has as rows (lock the action first).
  virtual absl::StatusOr<ProgressUsage> ProgressUsageOf(const std::string& action_id) = 0;
  // Stores one progress note of an action as a row, under its number (the next one).
  virtual absl::Status AppendProgressUpdate(const std::string& action_id,
                                            const av1::ProgressUpdate& update) = 0;

  // An evidence file's record (EvidenceFileService), for an evidence item that names it.
  virtual absl::StatusOr<std::optional<v1::EvidenceFile>> EvidenceFileOf(
      const std::string& file_id) = 0;

  // Writes: each sets the record's name and new etag, keeps a revision and queues the
  // change for the feed.
  virtual absl::Status PutAssessment(v1::Assessment& assessment, v1::ChangeKind change,
                                     const Provenance& provenance) = 0;
  virtual absl::Status PutRespondent(v1::Respondent& respondent, const Provenance& provenance) = 0;
  virtual absl::Status DeleteRespondent(const std::string& id, const Provenance& provenance) = 0;
  // Replaces a respondent's record (its deadline, say), with a change of `change`.
  virtual absl::Status UpdateRespondent(v1::Respondent& respondent, v1::ChangeKind change,
                                        const Provenance& provenance) = 0;
  virtual absl::Status PutResponse(v1::Response& response, const Provenance& provenance) = 0;
  virtual absl::Status PutConsolidation(v1::Consolidation& consolidation,
                                        const Provenance& provenance) = 0;
  virtual absl::Status PutChallenge(v1::Challenge& challenge, v1::ChangeKind change,
                                    const Provenance& provenance) = 0;
  virtual absl::Status PutContextAnswer(v1::ContextAnswer& answer,
                                        const Provenance& provenance) = 0;
  virtual absl::Status PutFinalisedRevision(const v1::FinalisedRevision& revision) = 0;
  virtual absl::Status PutAction(av1::Action& action, const Provenance& provenance) = 0;

  // For a create with a request id: the response to return to repeats.
  virtual void SetIdempotentResult(std::string serialized_response) = 0;

  // ---- The scrutineer's report of the round (pg_store_scrutiny.cc) ----
  // Every version, oldest first, locked for update.
  virtual absl::StatusOr<std::vector<v1::ScrutinyReport>> ScrutinyReportVersions() = 0;
  // Inserts or replaces the version (by its number), sets its etag, queues the change.
  virtual absl::Status PutScrutinyReport(v1::ScrutinyReport& report, v1::ChangeKind change,
                                         const Provenance& provenance) = 0;
};

// Filters of ListActions; each applies when set.
struct ActionFilter {
  std::string partnership;  // id
  std::string assessment;   // id
  std::string step_id;
  std::string question_id;
  std::string owner_organisation;             // resource name
  std::vector<av1::Action::Status> statuses;  // any of these; all if empty
  bool overdue_only = false;
  std::string as_of_date;  // ISO, always set
  std::string due_before;  // ISO or empty
  // Keyset: after (due_date, action_id).
  std::string after_due_date;
  std::string after_id;
};

enum class RoundLock {
  // Plain reads.
  kRead,
  // Writes to the round's records: many at once, but never during a state change.
  kShared,
  // Changes to the round itself (state, title): alone.
  kExclusive,
};

class AssessmentStore {
 public:
  virtual ~AssessmentStore() = default;

  // Creates a round (and its first revision and feed entry). With `key`, a repeat of the
  // same request returns the first response in `*repeated` and creates nothing.
  virtual absl::Status CreateAssessment(StoredAssessment& round, const Provenance& provenance,
                                        const IdempotencyKey* key,
                                        std::optional<std::string>* repeated) = 0;
  // The stored response to an earlier request with the same key, if there was one;
  // ALREADY_EXISTS if the key was used for a different request.
  virtual absl::StatusOr<std::optional<std::string>> FindRepeat(const IdempotencyKey& key) = 0;
  virtual absl::StatusOr<StoredAssessment> GetAssessment(const std::string& id) = 0;
  // Newest first; the page key is the creation sequence of the last one returned.
  virtual absl::StatusOr<std::vector<v1::Assessment>> ListAssessments(
      const Visibility& visible, const std::string& partnership_filter, int64_t before_seq,
      int limit, std::vector<int64_t>* seqs) = 0;

  // Runs `work` on the round in one transaction (which may run more than once after a lost
  // connection: `work` must only use the RoundTx). NOT_FOUND if there is no such round.
  // With `key`, a repeated request returns the first response in `*repeated`.
  using RoundWork = std::function<absl::Status(RoundTx&)>;
  virtual absl::Status InRound(const std::string& assessment_id, RoundLock lock,
                               const RoundWork& work, const IdempotencyKey* key = nullptr,
                               std::optional<std::string>* repeated = nullptr) = 0;

  // InRound(kShared) for writes to `responses` of the round (each at most once): the store may,
  // in one round trip, refuse a round `scope` does not see before it takes any lock (NOT_FOUND,
  // like a round that does not exist), lock the responses' keys in one fixed order (two writes
  // of the same responses in opposite orders queue up instead of deadlocking), read their
  // respondents and lock and read the responses, and serve the work's GetRespondent and
  // GetResponseForUpdate of them from what it read (issue 18). `scope` may be wider than what
  // the work allows (ScopeForLocks), never narrower. The same reads and the same outcome as
  // InRound; by default, InRound.
  virtual absl::Status InRoundForResponses(const std::string& assessment_id,
                                           const Visibility& scope,
                                           const std::vector<ResponseKey>& responses,
                                           const RoundWork& work) {
    return InRound(assessment_id, RoundLock::kShared, work);
  }

  // The record as stored: with a record written before notes were rows, every note it
  // holds (see UnadoptedProgressCount).
  virtual absl::StatusOr<av1::Action> GetAction(const std::string& id) = 0;
  // The records with only their latest notes (KeepLatestProgress).
  virtual absl::StatusOr<std::vector<av1::Action>> ListActions(const Visibility& visible,
                                                               const ActionFilter& filter,
                                                               int limit) = 0;

  // The progress notes an action has as rows: one indexed aggregate, for refusing a note
  // over the caps before any transaction starts.
  virtual absl::StatusOr<ProgressUsage> GetProgressUsage(const std::string& action_id) = 0;
  // An action's notes stored as rows numbered after `after_number`, oldest first, at most
  // `limit`.
  virtual absl::StatusOr<std::vector<av1::ProgressUpdate>> ListProgressUpdates(
      const std::string& action_id, int after_number, int limit) = 0;

  virtual absl::StatusOr<v1::FinalisedRevision> GetFinalisedRevision(
      const std::string& assessment_id, int revision) = 0;
  virtual absl::StatusOr<std::vector<v1::Revision>> ListRevisions(const std::string& record_name,
                                                                  int64_t after_id, int limit,
                                                                  std::vector<int64_t>* ids) = 0;

  // Changes after `after_sequence` visible to `visible` (and of `partnership_filter` if
  // set), in order: at most `limit`, and no more after the one whose records pass
  // `max_bytes` together (at least one). A scoped caller's read uses the partnership and
  // region indexes, so it costs what they see, not what everyone wrote. `*page` says
  // whether the page was cut, and the feed's head.
  // Numbers the feed entries committed so far (waiting a little for writers still
  // committing), so that a caller who has just written reads its own changes in the next
  // ListChanges page rather than after the feed sequencer's next pass.
  virtual absl::Status NumberCommittedChanges() { return absl::OkStatus(); }
  virtual absl::StatusOr<std::vector<v1::Change>> ListChanges(const Visibility& visible,
                                                              const std::string& partnership_filter,
                                                              int64_t after_sequence, int limit,
                                                              int64_t max_bytes,
                                                              ChangePageInfo* page) = 0;
};

// A wake-up between threads of one process: the stores notify one after every commit that
// appended changes to the feed (it wakes the feed sequencer), the sequencer notifies another
// whenever the feed's numbered head may have moved (it wakes WatchChanges streams). Waiters
// either block in Wait or register a callback (quick, non-blocking: it runs on the notifying
// thread).
class ChangeSignal {
 public:
  void Notify();
  // Waits until Notify() is called after `seen_generation`, or `timeout` passes; returns
  // the current generation.
  uint64_t Wait(uint64_t seen_generation, absl::Duration timeout);
  uint64_t generation();
  // Calls `callback` on every Notify() until Unsubscribe(the returned id).
  int Subscribe(std::function<void()> callback);
  void Unsubscribe(int id);

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  int next_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int, std::function<void()>> callbacks_ ABSL_GUARDED_BY(mu_);
};

// The assessment service's migrations, embedded from services/assessment/migrations.
std::vector<db::Migration> AssessmentMigrations();

}  // namespace sixsteps::assessment
