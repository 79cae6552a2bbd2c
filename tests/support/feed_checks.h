// What a test that put a hub through faults or an upgrade checks at the end, on the change
// feed and the reporting read model (issues 19 and 20): the feed without gaps, and the
// reports of the reporting service that lived through it the same as those of a reporting
// service that read the whole feed from scratch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sixsteps::testing {

// The feed of the assessment service at `assessment_target` as `token` (a hub administrator,
// who sees every change) reads it with ListChanges: sequences 1..head, each once, none
// missing. Returns the head; DATA_LOSS for a gap or an empty feed.
absl::StatusOr<int64_t> CheckFeedAt(const std::string& assessment_target, const std::string& token);

// The assessment reports of `rounds` and the action tracker of `scope`, as of 2026-01-01 and
// at feed sequence `head` (min_sequence), read as `token` from the reporting service at
// `served` and from the one at `rebuilt` (a new reporting process that reads the whole feed
// into an empty database), are identical but for when each was made. DATA_LOSS names the
// first that differs, with both. The rebuild is given a few waits of min_sequence (30 s
// each at most) to catch up.
absl::Status CompareReadModels(const std::string& served, const std::string& rebuilt,
                               const std::string& token, const std::vector<std::string>& rounds,
                               const std::string& scope, int64_t head);

}  // namespace sixsteps::testing
