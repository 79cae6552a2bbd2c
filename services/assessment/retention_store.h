// Storage of retention (issue 16): a partnership's policy, legal holds on rounds, the
// tombstones the purge leaves, and the purge itself. Every write commits with its change in
// the feed, or not at all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "sixsteps/assessment/v1/retention.pb.h"

namespace sixsteps::assessment {

// The day the purge runs for: "today" in the hub's time zone.
struct PurgeDay {
  absl::Time now;
  absl::TimeZone zone;
};

class RetentionStore {
 public:
  virtual ~RetentionStore() = default;

  // The partnership's policy (with its etag); without one, an empty policy (name and
  // partnership set, every period 0, revision 0, no etag).
  virtual absl::StatusOr<v1::RetentionPolicy> GetPolicy(const std::string& partnership_id) = 0;
  // Stores `policy` (name, partnership and periods set) if `etag` is the stored policy's
  // (empty: there must be none yet; ABORTED otherwise), with the next revision, update_by
  // and update_time as given, and its change (RETENTION_POLICY_CHANGED).
  virtual absl::StatusOr<v1::RetentionPolicy> PutPolicy(v1::RetentionPolicy policy,
                                                        const std::string& region_id,
                                                        const std::string& etag) = 0;

  // Places `hold` (assessment, partnership, region, reason, placed_by, place_time set) under
  // the round's row lock, so that a purge of the round in progress ends first and none
  // starts after; RESOURCE_EXHAUSTED past kMaxLegalHoldsPerRound. Names it; appends
  // LEGAL_HOLD_PLACED.
  virtual absl::StatusOr<v1::LegalHold> PlaceHold(v1::LegalHold hold) = 0;
  // Lifts a hold: NOT_FOUND if the round has no such hold, FAILED_PRECONDITION if it is
  // lifted already; appends LEGAL_HOLD_LIFTED.
  virtual absl::StatusOr<v1::LegalHold> LiftHold(const std::string& assessment_id,
                                                 const std::string& hold_id,
                                                 const std::string& reason,
                                                 const std::string& actor, absl::Time when) = 0;
  // A round's holds, oldest first, after `after_seq`; `seqs` gets each one's page key.
  virtual absl::StatusOr<std::vector<v1::LegalHold>> ListHolds(const std::string& assessment_id,
                                                               int64_t after_seq, int limit,
                                                               std::vector<int64_t>* seqs) = 0;
  // A partnership's tombstones (of one round if `assessment_id` is set), newest first.
  virtual absl::StatusOr<std::vector<v1::Tombstone>> ListTombstones(
      const std::string& partnership_id, const std::string& assessment_id, int64_t before_seq,
      int limit, std::vector<int64_t>* seqs) = 0;

  // Purges one expired file or record (retention_domain.h says when one has expired) that
  // no standing hold keeps, in one transaction: deletes it (a file: its record, its download
  // audit entries, and its contents unless another file of the partnership has the same
  // bytes), writes its tombstone and its change (RECORD_PURGED). Candidates are taken under
  // FOR UPDATE SKIP LOCKED and the round is re-checked under its row lock, so concurrent
  // purgers never purge one thing twice. The tombstone, or nothing when nothing is due.
  virtual absl::StatusOr<std::optional<v1::Tombstone>> PurgeOneExpired(const PurgeDay& day) = 0;
};

}  // namespace sixsteps::assessment
