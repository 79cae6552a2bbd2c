#include "services/reporting/catching_up.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/base/status_macros.h"

namespace sixsteps::reporting {
namespace {

using google::protobuf::util::TimeUtil;

// How long a read waits for the consumer to apply the next change before it decides.
constexpr absl::Duration kNextChangePatience = absl::Milliseconds(500);

// Whether the feed has a change after `applied`; false if that cannot be asked.
bool FeedHasMore(const FeedReached& feed_reached, int64_t applied, absl::Time deadline) {
  if (!feed_reached) return false;
  absl::StatusOr<bool> more = feed_reached(applied + 1, deadline);
  return more.ok() && *more;
}

}  // namespace

bool FollowsFeedLive(const rv1::Freshness& applied, absl::Time now) {
  if (!applied.has_change_time()) return false;
  absl::Time made = absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(applied.change_time()));
  return now - made <= kFollowsLiveLag;
}

absl::Status AnswerWhileCatchingUp(absl::Status status, const rv1::Freshness& applied,
                                   bool feed_has_more, absl::Time now) {
  if (status.code() != absl::StatusCode::kNotFound || !feed_has_more ||
      FollowsFeedLive(applied, now)) {
    return status;
  }
  return absl::UnavailableError(
      absl::StrCat("reporting is catching up with the change feed (applied up to change ",
                   applied.sequence(), "; the feed has more): try again shortly"));
}

absl::Status UnlessCatchingUp(absl::Status first, ReadModel* model, const FeedReached& feed_reached,
                              absl::Time deadline, const SnapshotRead& read) {
  if (first.code() != absl::StatusCode::kNotFound) return first;
  SIXSTEPS_ASSIGN_OR_RETURN(rv1::Freshness applied, model->Freshness());
  if (FollowsFeedLive(applied, absl::Now()) ||
      !FeedHasMore(feed_reached, applied.sequence(), deadline)) {
    return first;
  }
  // The next change exists: give the consumer a moment to apply it (a write just made to an
  // idle hub), then read again on a snapshot at least that far.
  const absl::Time patience = std::min(deadline, absl::Now() + kNextChangePatience);
  for (absl::Time now = absl::Now(); now < patience; now = absl::Now()) {
    SIXSTEPS_ASSIGN_OR_RETURN(rv1::Freshness now_applied, model->Freshness());
    if (now_applied.sequence() > applied.sequence()) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  rv1::Freshness reread_at;
  absl::Status again = model->Read([&](ReadModel::Snapshot& snapshot) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(reread_at, snapshot.Freshness());
    return read(snapshot, reread_at);
  });
  if (again.code() != absl::StatusCode::kNotFound) return again;
  return AnswerWhileCatchingUp(std::move(again), reread_at,
                               FeedHasMore(feed_reached, reread_at.sequence(), deadline),
                               absl::Now());
}

}  // namespace sixsteps::reporting
