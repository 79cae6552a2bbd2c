// Storage of a round's voice records (engagement records, case audits, learning reviews):
// the service works on one round in a transaction (VoiceTx), as RoundTx does for the
// round's answers, and every write commits with its change in the feed or not at all.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/assessment/store.h"
#include "sixsteps/assessment/v1/assessment.pb.h"

namespace sixsteps::assessment {

// The kinds of voice record, as the voice_records table's kind column spells them.
enum class VoiceKind { kEngagementRecord, kCaseAudit, kLearningReview };
absl::string_view VoiceKindName(VoiceKind kind);

// A record as stored: its id, its bytes (the record without its etag) and its etag.
struct StoredVoiceRecord {
  std::string id;
  std::string bytes;
  std::string etag;
};

// What the service may read and write inside one round's transaction.
class VoiceTx {
 public:
  virtual ~VoiceTx() = default;

  virtual const StoredAssessment& round() const = 0;
  // The record, if the round has it; `for_update` locks its row.
  virtual absl::StatusOr<std::optional<StoredVoiceRecord>> Get(VoiceKind kind,
                                                               const std::string& id,
                                                               bool for_update) = 0;
  // Every record of the kind in the round, in id order.
  virtual absl::StatusOr<std::vector<StoredVoiceRecord>> List(VoiceKind kind) = 0;
  // How many of the kind the round has; serialises creates of the kind in the round, so that
  // a limit checked against it holds.
  virtual absl::StatusOr<int> CountForCreate(VoiceKind kind) = 0;
  // Inserts or replaces the record; returns its new etag.
  virtual absl::StatusOr<std::string> Put(VoiceKind kind, const std::string& id,
                                          v1::Classification classification,
                                          const std::string& bytes) = 0;
  // Queues a change for the feed (sequence set at commit; partnership, region, round and time
  // set here).
  virtual void AppendChange(v1::Change change) = 0;
  // The ids among `action_ids` that are not actions of the round's partnership.
  virtual absl::StatusOr<std::vector<std::string>> MissingActions(
      const std::vector<std::string>& action_ids) = 0;
  // An evidence file's record, for a record that names it (evidence_attachments.h); none
  // for a file never uploaded or purged.
  virtual absl::StatusOr<std::optional<v1::EvidenceFile>> EvidenceFileOf(
      const std::string& file_id) = 0;
  // For a create with a request id: the response to return to repeats.
  virtual void SetIdempotentResult(std::string serialized_response) = 0;
};

class VoiceStore {
 public:
  virtual ~VoiceStore() = default;

  // Runs `work` on the round in one transaction, taking `lock` on the round (kShared for
  // writes, so that finalisation waits for them). NOT_FOUND if there is no such round. With
  // `key`, a repeated request returns the first response in `*repeated`.
  using VoiceWork = std::function<absl::Status(VoiceTx&)>;
  virtual absl::Status InVoiceRound(const std::string& assessment_id, RoundLock lock,
                                    const VoiceWork& work, const IdempotencyKey* key = nullptr,
                                    std::optional<std::string>* repeated = nullptr) = 0;
};

}  // namespace sixsteps::assessment
