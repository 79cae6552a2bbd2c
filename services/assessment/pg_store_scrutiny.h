// PgPartnershipRecordStore: PartnershipRecordStore in PostgreSQL (pg_store_scrutiny.cc),
// in the assessment service's database, appending to its change feed.
#pragma once

#include "services/assessment/scrutiny_store.h"
#include "services/common/db.h"

namespace sixsteps::assessment {

class PgPartnershipRecordStore final : public PartnershipRecordStore {
 public:
  // `signal` (optional) is notified after every commit that added changes to the feed.
  PgPartnershipRecordStore(db::ConnectionPool* pool, ChangeSignal* signal)
      : pool_(pool), signal_(signal) {}

  absl::Status InPartnership(const std::string& partnership_id, const std::string& region_id,
                             const PartnershipWork& work) override;
  absl::StatusOr<std::vector<v1::ScrutinyConcern>> ListConcerns(
      const std::string& partnership_id, const std::string& raised_by, int64_t after_seq, int limit,
      std::vector<int64_t>* seqs) override;
  absl::StatusOr<v1::AnnualReportDraft> GetDraft(const std::string& partnership_id,
                                                 const std::string& id) override;
  absl::StatusOr<std::vector<v1::AnnualReportDraft>> ListDrafts(
      const std::string& partnership_id, int64_t after_seq, int limit,
      std::vector<int64_t>* seqs) override;

 private:
  db::ConnectionPool* pool_;
  ChangeSignal* signal_;
};

}  // namespace sixsteps::assessment
