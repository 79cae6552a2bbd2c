// Storage of the programme of rounds (issue 15). Every write is one transaction with its
// revision and its change-feed entries, as the rounds' writes are (store.h).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/assessment/programme_domain.h"
#include "services/assessment/store.h"

namespace sixsteps::assessment {

// A planned round with the framework version tree it pinned when it was planned.
struct StoredPlannedRound {
  v1::PlannedRound plan;
  fv1::FrameworkVersion framework;
};

class ProgrammeStore {
 public:
  virtual ~ProgrammeStore() = default;

  // Stores a new planned round (named, with its framework pinned), its revision and its
  // PLANNED_ROUND_CREATED change.
  virtual absl::Status CreatePlannedRound(v1::PlannedRound& plan,
                                          const fv1::FrameworkVersion& framework,
                                          const Provenance& provenance) = 0;
  // NOT_FOUND if there is none.
  virtual absl::StatusOr<v1::PlannedRound> GetPlannedRound(const std::string& id) = 0;
  // A partnership's planned rounds by (open_date, id), after the keyset (after_open_date,
  // after_id) when set, at most `limit`.
  virtual absl::StatusOr<std::vector<v1::PlannedRound>> ListPlannedRounds(
      const std::string& partnership_id, const std::string& after_open_date,
      const std::string& after_id, int limit) = 0;
  // Runs `change` on the planned round under its row lock; if it returns OK the planned
  // round is stored (with `framework` pinned anew when set), with a revision and a change
  // of `kind`. NOT_FOUND if there is none.
  using PlanChange = std::function<absl::Status(v1::PlannedRound& plan, Provenance& provenance)>;
  virtual absl::StatusOr<v1::PlannedRound> ChangePlannedRound(
      const std::string& id, v1::ChangeKind kind, const PlanChange& change,
      const std::optional<fv1::FrameworkVersion>& framework) = 0;

  // Opens one planned round due on or before `today`, if there is one no other transaction
  // holds (FOR UPDATE SKIP LOCKED): `build` says what to write (given the plan, its pinned
  // framework and the latest finalised revision of the partnership's last finalised round
  // of its kind, if any), and all of it is written in one transaction: the round, its
  // respondents and carried-forward answers, the planned round opened, the next one. The
  // planned round's name, or nothing when none was due.
  using OpeningBuilder = std::function<absl::StatusOr<RoundOpening>(
      const StoredPlannedRound& planned, const v1::FinalisedRevision* previous)>;
  virtual absl::StatusOr<std::optional<std::string>> OpenOneDue(const std::string& today,
                                                                const OpeningBuilder& build) = 0;
};

}  // namespace sixsteps::assessment
