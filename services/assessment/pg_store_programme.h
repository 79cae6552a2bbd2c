// PgProgrammeStore: ProgrammeStore in PostgreSQL, beside the rounds' tables (V004). The
// only programme code with SQL.
#pragma once

#include "services/assessment/programme_store.h"
#include "services/common/db.h"

namespace sixsteps::assessment {

class PgProgrammeStore final : public ProgrammeStore {
 public:
  // `signal` (optional) is notified after every commit that added changes to the feed.
  PgProgrammeStore(db::ConnectionPool* pool, ChangeSignal* signal) : pool_(pool), signal_(signal) {}

  absl::Status CreatePlannedRound(v1::PlannedRound& plan, const fv1::FrameworkVersion& framework,
                                  const Provenance& provenance) override;
  absl::StatusOr<v1::PlannedRound> GetPlannedRound(const std::string& id) override;
  absl::StatusOr<std::vector<v1::PlannedRound>> ListPlannedRounds(
      const std::string& partnership_id, const std::string& after_open_date,
      const std::string& after_id, int limit) override;
  absl::StatusOr<v1::PlannedRound> ChangePlannedRound(
      const std::string& id, v1::ChangeKind kind, const PlanChange& change,
      const std::optional<fv1::FrameworkVersion>& framework) override;
  absl::StatusOr<std::optional<std::string>> OpenOneDue(const std::string& today,
                                                        const OpeningBuilder& build) override;

 private:
  db::ConnectionPool* pool_;
  ChangeSignal* signal_;
};

}  // namespace sixsteps::assessment
