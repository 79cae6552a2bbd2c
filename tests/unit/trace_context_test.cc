// The W3C traceparent header: what is accepted, what starts a new trace, and what is sent on.
#include "services/common/trace_context.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sixsteps::trace {
namespace {

using ::testing::Optional;
using ::testing::SizeIs;

constexpr char kValid[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(ParseTraceparent, ReadsTheSpecificationsExample) {
  std::optional<Traceparent> parsed = ParseTraceparent(kValid);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(parsed->parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(parsed->flags, 1);
}

TEST(ParseTraceparent, FormatGivesTheSameText) {
  EXPECT_EQ(FormatTraceparent(*ParseTraceparent(kValid)), kValid);
  EXPECT_EQ(FormatTraceparent({"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 0xa0}),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-a0");
}

TEST(ParseTraceparent, AcceptsALaterVersionWithMoreFields) {
  std::optional<Traceparent> parsed =
      ParseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-extra");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(parsed->flags, 0);
}

TEST(ParseTraceparent, RefusesInvalidHeaders) {
  for (const char* header : {
           "",
           "garbage",
           // version ff is forbidden
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           // version 00 with anything after it
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
           // a later version must separate extra fields with '-'
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
           // upper-case hex
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
           // all-zero trace id / parent id
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
           // short trace id, wrong separators, non-hex flags
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba9z2b7-01",
       }) {
    EXPECT_EQ(ParseTraceparent(header), std::nullopt) << header;
  }
}

TEST(StartSpan, KeepsTheTraceOfAValidHeaderWithANewSpan) {
  Span span = StartSpan(kValid);
  EXPECT_EQ(span.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(span.parent_span_id, "00f067aa0ba902b7");
  EXPECT_THAT(span.span_id, SizeIs(16));
  EXPECT_NE(span.span_id, "00f067aa0ba902b7");
  EXPECT_EQ(span.flags, 1);
  // What is sent on names this span as the parent, in the same trace.
  std::optional<Traceparent> child = ParseTraceparent(span.ChildTraceparent());
  ASSERT_TRUE(child.has_value());
  EXPECT_EQ(child->trace_id, span.trace_id);
  EXPECT_EQ(child->parent_id, span.span_id);
  EXPECT_EQ(child->flags, 1);
}

TEST(StartSpan, StartsANewTraceWithoutOrWithAnInvalidHeader) {
  Span none = StartSpan(std::nullopt);
  Span invalid = StartSpan("00-zz");
  for (const Span& span : {none, invalid}) {
    EXPECT_THAT(ParseTraceparent(span.ChildTraceparent()), Optional(testing::_));
    EXPECT_EQ(span.parent_span_id, "");
  }
  EXPECT_NE(none.trace_id, invalid.trace_id);
}

TEST(StartSpan, EveryCallGetsItsOwnSpan) {
  EXPECT_NE(StartSpan(kValid).span_id, StartSpan(kValid).span_id);
}

TEST(Span, AddsItsIdsToALogLine) {
  nlohmann::json fields = {{"request_id", "r1"}};
  StartSpan(kValid).AddToLog(fields);
  EXPECT_EQ(fields["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(fields["parent_span_id"], "00f067aa0ba902b7");
  EXPECT_TRUE(fields.contains("span_id"));
  nlohmann::json root;
  StartSpan(std::nullopt).AddToLog(root);
  EXPECT_FALSE(root.contains("parent_span_id"));
}

}  // namespace
}  // namespace sixsteps::trace
