// What a report answers when what it names is not in the read model while the read model is
// behind the change feed (issue #20): after an upgrade that rewinds the feed cursor, or a new
// replica reading the feed into an empty database, reporting replays changes made long ago,
// and a round that exists may not be in the read model (or not yet as its owner wrote it). That
// is UNAVAILABLE ("catching up", retry), not NOT_FOUND ("no such round").
//
// Tenancy: the decision takes only the refusal's code and the read model's position, never the
// round's owner. A round of another partnership and a round that does not exist get the same
// answer at the same moment (both UNAVAILABLE while catching up, both NOT_FOUND once caught
// up), so "catching up" tells nobody that a round id exists elsewhere.
#pragma once

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/reporting/feed_head.h"
#include "services/reporting/read_model.h"

namespace sixsteps::reporting {

// The read model follows the feed live when its newest applied change was made at most this
// long before now: the consumer's ordinary lag is well under a second (docs/benchmarks.md,
// feed lag p99 ~1 s at 658 writes/s), a replay applies changes made minutes or days ago.
inline constexpr absl::Duration kFollowsLiveLag = absl::Seconds(10);

// Whether the read model at `applied` follows the feed live at `now` (see kFollowsLiveLag).
// Nothing applied yet (no change time) is not following.
bool FollowsFeedLive(const rv1::Freshness& applied, absl::Time now);

// The answer to a report read that ended `status`, given the read model's position `applied`
// and whether the feed has a change after it (`feed_has_more`). Anything but NOT_FOUND is
// returned as it is; NOT_FOUND too when the read model follows the feed live or has applied
// the whole feed; otherwise UNAVAILABLE saying that reporting is catching up (with the
// position, already public in every report's freshness; never the feed's head, which counts
// every tenant's writes).
absl::Status AnswerWhileCatchingUp(absl::Status status, const rv1::Freshness& applied,
                                   bool feed_has_more, absl::Time now);

// A read of the read model, as Reports::Read runs it: on one snapshot with its freshness.
using SnapshotRead = std::function<absl::Status(ReadModel::Snapshot&, const rv1::Freshness&)>;

// Reports::Read's answer once `first` (the read on the read model as it is) is known: when it
// is NOT_FOUND and the read model does not follow the feed live, asks the feed whether it has
// more (`feed_reached`; unset or failing: `first` stands), waits up to half a second (and
// `deadline`) for the next change to be applied, reads again, and answers with
// AnswerWhileCatchingUp. So a read made just after a write to an idle hub still gets its
// NOT_FOUND, and one made during a replay gets UNAVAILABLE.
absl::Status UnlessCatchingUp(absl::Status first, ReadModel* model, const FeedReached& feed_reached,
                              absl::Time deadline, const SnapshotRead& read);

}  // namespace sixsteps::reporting
