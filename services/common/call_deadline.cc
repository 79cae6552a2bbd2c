#include "services/common/call_deadline.h"

namespace sixsteps {
namespace {

thread_local absl::Time current_deadline = absl::InfiniteFuture();

}  // namespace

CallDeadlineScope::CallDeadlineScope(absl::Time deadline) : previous_(current_deadline) {
  current_deadline = deadline;
}

CallDeadlineScope::~CallDeadlineScope() { current_deadline = previous_; }

absl::Time CallDeadlineScope::Current() { return current_deadline; }

}  // namespace sixsteps
