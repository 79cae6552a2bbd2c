// PgAssessmentStore: AssessmentStore in PostgreSQL. The only assessment code with SQL.
#pragma once

#include "services/assessment/store.h"
#include "services/common/db.h"

namespace sixsteps::assessment {

class PgAssessmentStore final : public AssessmentStore {
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
  absl::StatusOr<av1::Action> GetAction(const std::string& id) override;
  absl::StatusOr<std::vector<av1::Action>> ListActions(const Visibility& visible,
                                                       const ActionFilter& filter,
                                                       int limit) override;
  absl::StatusOr<v1::FinalisedRevision> GetFinalisedRevision(const std::string& assessment_id,
                                                             int revision) override;
  absl::StatusOr<std::vector<v1::Revision>> ListRevisions(const std::string& record_name,
                                                          int64_t after_id, int limit,
                                                          std::vector<int64_t>* ids) override;
  absl::StatusOr<std::vector<v1::Change>> ListChanges(const Visibility& visible,
                                                      const std::string& partnership_filter,
                                                      int64_t after_sequence, int limit,
                                                      int64_t* next_after) override;

  db::ConnectionPool* pool() { return pool_; }

 private:
  db::ConnectionPool* pool_;
  ChangeSignal* signal_;
};

}  // namespace sixsteps::assessment
