// PgRetentionStore: retention policies, legal holds, tombstones and the purge in the
// assessment service's PostgreSQL database (the only retention code with SQL).
#pragma once

#include "services/assessment/retention_store.h"
#include "services/assessment/store.h"
#include "services/common/db.h"

namespace sixsteps::assessment {

// Rewrites, in `txn`, the partnership's earlier changes that carry the purged file's or voice
// record's content (pg_store_purge_scrub.cc); how many.
absl::StatusOr<int> ScrubPurgedFromFeed(pqxx::work& txn, const std::string& partnership_id,
                                        const std::string& purged_resource);

class PgRetentionStore final : public RetentionStore {
 public:
  // `signal` (optional) is notified after every commit that added changes to the feed.
  PgRetentionStore(db::ConnectionPool* pool, ChangeSignal* signal) : pool_(pool), signal_(signal) {}

  absl::StatusOr<v1::RetentionPolicy> GetPolicy(const std::string& partnership_id) override;
  absl::StatusOr<v1::RetentionPolicy> PutPolicy(v1::RetentionPolicy policy,
                                                const std::string& region_id,
                                                const std::string& etag) override;
  absl::StatusOr<v1::LegalHold> PlaceHold(v1::LegalHold hold) override;
  absl::StatusOr<v1::LegalHold> LiftHold(const std::string& assessment_id,
                                         const std::string& hold_id, const std::string& reason,
                                         const std::string& actor, absl::Time when) override;
  absl::StatusOr<std::vector<v1::LegalHold>> ListHolds(const std::string& assessment_id,
                                                       int64_t after_seq, int limit,
                                                       std::vector<int64_t>* seqs) override;
  absl::StatusOr<std::vector<v1::Tombstone>> ListTombstones(const std::string& partnership_id,
                                                            const std::string& assessment_id,
                                                            int64_t before_seq, int limit,
                                                            std::vector<int64_t>* seqs) override;
  absl::StatusOr<std::optional<v1::Tombstone>> PurgeOneExpired(const PurgeDay& day) override;

 private:
  void Notify() {
    if (signal_ != nullptr) signal_->Notify();
  }

  db::ConnectionPool* pool_;
  ChangeSignal* signal_;
};

}  // namespace sixsteps::assessment
