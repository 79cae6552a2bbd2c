// Storage of a partnership's own scrutiny records, which belong to no round: the partners'
// concerns about the scrutiny (c4) and the annual report's drafts for comment (c16). Like
// RoundTx, every write inside InPartnership is committed with its change-feed entry, or
// not at all. (The scrutineer's report belongs to a round: see RoundTx in store.h.)
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/assessment/store.h"
#include "sixsteps/assessment/v1/scrutiny_report.pb.h"

namespace sixsteps::assessment {

class PartnershipTx {
 public:
  virtual ~PartnershipTx() = default;
  virtual absl::StatusOr<std::optional<v1::ScrutinyConcern>> GetConcernForUpdate(
      const std::string& id) = 0;
  // Inserts or replaces the concern (named partnerships/{p}/scrutinyConcerns/{id}), sets
  // its etag, queues the change (with `assessment` when it names a round).
  virtual absl::Status PutConcern(v1::ScrutinyConcern& concern, v1::ChangeKind change,
                                  const Provenance& provenance) = 0;
  virtual absl::StatusOr<std::optional<v1::AnnualReportDraft>> GetDraftForUpdate(
      const std::string& id) = 0;
  virtual absl::Status PutDraft(v1::AnnualReportDraft& draft, const Provenance& provenance) = 0;
};

class PartnershipRecordStore {
 public:
  virtual ~PartnershipRecordStore() = default;
  using PartnershipWork = std::function<absl::Status(PartnershipTx&)>;
  // Runs `work` in one transaction on the records of the partnership (ids), which the
  // caller has been allowed to write.
  virtual absl::Status InPartnership(const std::string& partnership_id,
                                     const std::string& region_id, const PartnershipWork& work) = 0;
  // Oldest first, after the creation sequence `after_seq`, at most `limit`; only those
  // raised by `raised_by` when it is set. `*seqs` gets each one's sequence.
  virtual absl::StatusOr<std::vector<v1::ScrutinyConcern>> ListConcerns(
      const std::string& partnership_id, const std::string& raised_by, int64_t after_seq, int limit,
      std::vector<int64_t>* seqs) = 0;
  // NOT_FOUND if the partnership has no such draft.
  virtual absl::StatusOr<v1::AnnualReportDraft> GetDraft(const std::string& partnership_id,
                                                         const std::string& id) = 0;
  virtual absl::StatusOr<std::vector<v1::AnnualReportDraft>> ListDrafts(
      const std::string& partnership_id, int64_t after_seq, int limit,
      std::vector<int64_t>* seqs) = 0;
};

}  // namespace sixsteps::assessment
