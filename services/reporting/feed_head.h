// Whether the assessment service's change feed has reached a sequence number: what a
// report's min_sequence is checked against before anyone waits for it (issue #13,
// finding 9: a min_sequence beyond every change ever made must not hold a worker).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/reporting/feed_consumer.h"

namespace sixsteps::reporting {

// True if a change numbered `sequence` or later exists; asked by `deadline`.
using FeedReached = std::function<absl::StatusOr<bool>(int64_t sequence, absl::Time deadline)>;

// Asks the assessment service (ListChanges after sequence - 1, one change) as the
// reporting service's own account, which sees every change. Remembers the highest
// sequence found to exist, so a wait for a position already passed asks nothing.
// `upstream` must outlive the function.
FeedReached AssessmentFeedReached(Upstream* upstream, std::shared_ptr<grpc::Channel> assessment);

}  // namespace sixsteps::reporting
