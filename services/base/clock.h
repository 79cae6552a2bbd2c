// The time, and its conversion to and from protobuf timestamps. Code that decides by the
// time takes an absl::Time (or a Clock) so that a test can choose it.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include "absl/time/time.h"

namespace sixsteps {

// What tells the time. SystemClock() reads the real one; tests pass their own.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};
const Clock& SystemClock();

google::protobuf::Timestamp ToTimestamp(absl::Time time);
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);
// The system clock's time as a protobuf timestamp (microsecond precision, as stored).
google::protobuf::Timestamp TimestampNow();

}  // namespace sixsteps
