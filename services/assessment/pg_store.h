// PgAssessmentStore: AssessmentStore in PostgreSQL. The only assessment code with SQL.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <pqxx/pqxx>

#include "absl/container/flat_hash_map.h"
#include "services/assessment/store.h"
#include "services/assessment/voice_store.h"
#include "services/common/db.h"

namespace sixsteps::assessment {

class PgAssessmentStore final : public AssessmentStore, public VoiceStore {
 public:
  // `signal` (optional) is notified after every commit that added changes to the feed.
  PgAssessmentStore(db::ConnectionPool* pool, ChangeSignal* signal)
      : pool_(pool), signal_(signal) {}

  absl::Status CreateAssessment(StoredAssessment& round, const Provenance& provenance,
                                const IdempotencyKey* key,
                                std::optional<std::string>* repeated) override;
  absl::StatusOr<std::optional<std::string>> FindRepeat(const IdempotencyKey& key) override;
  absl::StatusOr<StoredAssessment> GetAssessment(const std::string& id) override;
  absl::StatusOr<std::vector<v1::Assessment>> ListAssessments(const Visibility& visible,
                                                              const std::string& partnership_filter,
                                                              int64_t before_seq, int limit,
                                                              std::vector<int64_t>* seqs) override;
  absl::Status InRound(const std::string& assessment_id, RoundLock lock, const RoundWork& work,
                       const IdempotencyKey* key, std::optional<std::string>* repeated) override;
  absl::Status InRoundForResponses(const std::string& assessment_id, const Visibility& scope,
                                   const std::vector<ResponseKey>& responses,
                                   const RoundWork& work) override;
  absl::StatusOr<av1::Action> GetAction(const std::string& id) override;
  absl::StatusOr<std::vector<av1::Action>> ListActions(const Visibility& visible,
                                                       const ActionFilter& filter,
                                                       int limit) override;
  absl::StatusOr<ProgressUsage> GetProgressUsage(const std::string& action_id) override;
  absl::StatusOr<std::vector<av1::ProgressUpdate>> ListProgressUpdates(const std::string& action_id,
                                                                       int after_number,
                                                                       int limit) override;
  absl::StatusOr<v1::FinalisedRevision> GetFinalisedRevision(const std::string& assessment_id,
                                                             int revision) override;
  absl::StatusOr<std::vector<v1::Revision>> ListRevisions(const std::string& record_name,
                                                          int64_t after_id, int limit,
                                                          std::vector<int64_t>* ids) override;
  absl::Status NumberCommittedChanges() override;
  absl::StatusOr<std::vector<v1::Change>> ListChanges(const Visibility& visible,
                                                      const std::string& partnership_filter,
                                                      int64_t after_sequence, int limit,
                                                      int64_t max_bytes,
                                                      ChangePageInfo* page) override;

  // Voice records (pg_store_voice.cc).
  absl::Status InVoiceRound(const std::string& assessment_id, RoundLock lock, const VoiceWork& work,
                            const IdempotencyKey* key,
                            std::optional<std::string>* repeated) override;

  db::ConnectionPool* pool() { return pool_; }

 private:
  // The round's row with its framework version's tree, from the cache when it has it.
  absl::StatusOr<StoredAssessment> LoadRound(pqxx::work& txn, const pqxx::row& row);
  // Reads the round with `lock` on its row; NOT_FOUND if there is none.
  absl::StatusOr<StoredAssessment> LockRound(pqxx::work& txn, const std::string& assessment_id,
                                             RoundLock lock);

  db::ConnectionPool* pool_;
  ChangeSignal* signal_;
  // Published framework versions never change, and the rounds of one version each pin the
  // same tree (about 8 KB): it is read and parsed once per process, not on every call.
  // A hub has a handful of versions, so nothing is ever evicted.
  std::mutex frameworks_mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const fv1::FrameworkVersion>> frameworks_;
};

}  // namespace sixsteps::assessment
