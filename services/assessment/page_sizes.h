// The page sizes of every list the assessment service (and its ActionService) serves, in
// one place: what a page holds when page_size is 0 (default_size) and at most (max_size; a
// larger page_size is clamped to it). A negative page_size is INVALID_ARGUMENT. The proto
// comments of each List request state these numbers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "services/assessment/action_domain.h"
#include "services/base/status_macros.h"
#include "services/common/pagination.h"

namespace sixsteps::assessment {

// Rounds, newest first.
inline constexpr PageSizeLimits kListAssessmentsPage{50, 500};
// A round's respondents, in name order. A round has a few dozen at most, so the default
// page holds them all.
inline constexpr PageSizeLimits kListRespondentsPage{200, 1000};
// A round's challenges, in name order; the default page holds what a round usually has, as
// the list answered in one page before it had page fields.
inline constexpr PageSizeLimits kListChallengesPage{200, 1000};
// Responses, in name order.
inline constexpr PageSizeLimits kListResponsesPage{200, 1000};
// A record's revisions, oldest first.
inline constexpr PageSizeLimits kListRevisionsPage{100, 1000};
// The change feed (ListChanges); a page also stops at kFeedPageBytes.
inline constexpr PageSizeLimits kListChangesPage{100, 1000};
// How many changes a WatchChanges stream reads at a time (not a request field).
inline constexpr int kWatchChangesBatch = 500;
// Actions, by due date; a page also stops before 4 MiB.
inline constexpr PageSizeLimits kListActionsPage{100, 1000};
// An action's progress notes, oldest first: the largest page holds every note an action
// may have.
inline constexpr PageSizeLimits kListProgressUpdatesPage{50, kMaxProgressUpdatesPerAction};
// A partnership's planned rounds, by open date.
inline constexpr PageSizeLimits kListPlannedRoundsPage{50, 500};

// A round's engagement records, case audits or learning reviews (each at most
// kMaxVoiceRecordsPerRound), in name order.
inline constexpr PageSizeLimits kListVoiceRecordsPage{50, 500};

// The scrutineer's report (scrutiny_report_service.proto): a round's report versions,
// oldest first; a partnership's concerns about the scrutiny and its annual report drafts,
// oldest first.
inline constexpr PageSizeLimits kListScrutinyReportVersionsPage{20, 100};
inline constexpr PageSizeLimits kListScrutinyConcernsPage{50, 500};
inline constexpr PageSizeLimits kListAnnualReportDraftsPage{20, 100};
// Retention (retention_service.proto): a round's legal holds, oldest first (a round has at
// most kMaxLegalHoldsPerRound); a partnership's tombstones, newest first.
inline constexpr PageSizeLimits kListLegalHoldsPage{50, 200};
inline constexpr PageSizeLimits kListTombstonesPage{100, 1000};
// Evidence files (evidence_file_service.proto): a partnership's files, newest first; the
// download audit log, newest first.
inline constexpr PageSizeLimits kListEvidenceFilesPage{50, 500};
inline constexpr PageSizeLimits kListEvidenceFileDownloadsPage{100, 1000};

// Keyset pages over a sequence column (files, downloads, holds, tombstones): the token
// carries the sequence of the page's last item.
//
// The sequence a page continues from (0: the first page); INVALID_ARGUMENT for a token of
// another query or one the service did not issue.
inline absl::StatusOr<int64_t> KeysetSeq(const std::string& page_token, absl::string_view query) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(page_token, query));
  if (after.empty()) return 0;
  int64_t seq = 0;
  if (!absl::SimpleAtoi(after, &seq) || seq <= 0) {
    return absl::InvalidArgumentError("page_token is not a token this service issued");
  }
  return seq;
}

// Moves the first `page_size` of `items` (read as page_size + 1, with their sequences) into
// `out`; the next page's token, or "" when this is the last page.
template <typename Item>
std::string TakeKeysetPage(std::vector<Item>& items, const std::vector<int64_t>& seqs,
                           int page_size, absl::string_view query,
                           google::protobuf::RepeatedPtrField<Item>* out) {
  for (int i = 0; i < static_cast<int>(items.size()) && i < page_size; ++i) {
    *out->Add() = std::move(items[i]);
  }
  if (static_cast<int>(items.size()) <= page_size) return "";
  return EncodePageToken(absl::StrCat(seqs[page_size - 1]), query);
}

}  // namespace sixsteps::assessment
