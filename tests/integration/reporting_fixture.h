// The world reporting_integration_test reads, built once for the suite: identity,
// framework and assessment (with actions) served on 127.0.0.1 with real PostgreSQL, the
// feed consumer and ReportingService started by TestHub. A region with two partnerships
// (the second opted out of regional comparison), each with three core organisations
// answering; one full scrutiny round in each and a second one in the first, recorded
// through the assessment and action services as the people who would do it. Every report
// is checked against the numbers the rounds were built from, waiting only through
// min_sequence = the feed head.
//
// Along the way reporting is stopped half-way through the feed and restarted; its read
// model must end up exactly like a second one that consumed the whole feed without
// stopping (reporting_restart_test.cc).
#pragma once

#include <gmock/gmock.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/status.h"
#include "tests/support/calls.h"
#include "tests/support/export_text.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing::reporting_fixture {

namespace asv1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;
namespace fv1 = ::sixsteps::framework::v1;
namespace idv1 = ::sixsteps::identity::v1;
namespace rv1 = ::sixsteps::reporting::v1;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using Code = absl::StatusCode;
using Role = auth::Role;
using AStub = asv1::AssessmentService::Stub;
using ActStub = acv1::ActionService::Stub;
using RStub = rv1::ReportingService::Stub;

inline constexpr char kBuiltIn[] = "frameworks/six-steps/versions/2019";
inline constexpr char kRegion[] = "north";
inline constexpr char kOtherRegion[] = "south";
inline constexpr char kP1[] = "tyneside";
inline constexpr char kP2[] = "wearside";  // opted out of regional comparison
// The day the reports are asked for.
inline constexpr char kAsOf[] = "2026-06-30";
inline const std::vector<std::string> kOrgs = {"council", "health", "police"};

std::string P(const std::string& id);
std::string Org(const std::string& partnership, const std::string& org);
std::string StepId(int step);
// The i-th question (0..23) of the built-in framework, step by step.
std::string QuestionId(int i);
// The organisation that owns the action of a step.
std::string OwnerOf(int step);
std::shared_ptr<grpc::Channel> Dial(const std::string& target);

// One round as recorded: the consolidated rating of each question (24 letters, steps in
// groups of four), where respondents said something else, and each step's action due date.
struct RoundPlan {
  std::string title;
  std::string period_start;
  std::string period_end;
  std::string consolidated;
  // organisation → question → its rating where it differs from the consolidated one.
  std::map<std::string, std::map<std::string, char>> differs;
  std::vector<std::string> due;  // one per step

  char RatingOf(const std::string& org, int question) const {
    auto by_org = differs.find(org);
    if (by_org != differs.end()) {
      auto found = by_org->second.find(QuestionId(question));
      if (found != by_org->second.end()) return found->second;
    }
    return consolidated[question];
  }
};

// The three rounds of the world (see reporting_fixture.cc for what each holds).
extern const RoundPlan kP1First;
extern const RoundPlan kP1Second;
extern const RoundPlan kP2First;

rv1::RatingCounts Counts(int red, int amber, int green, int unrated = 0);
rv1::ActionCounts Actions(int open, int overdue, int done = 0, int cancelled = 0,
                          int carried_over = 0);

MATCHER_P(EqualsProto, expected, "equals " + expected.ShortDebugString()) {
  if (MessageDifferencer::Equals(arg, expected)) return true;
  *result_listener << "is " << arg.ShortDebugString();
  return false;
}

// Counts of a plan's consolidated ratings in one step.
rv1::RatingCounts StepCounts(const RoundPlan& plan, int step);
double Heat(const rv1::RatingCounts& c);
const rv1::StepRow& Step(const rv1::AssessmentReport& report, int step);
// "s3.q2" → the row of that question.
const rv1::QuestionRow& Question(const rv1::AssessmentReport& report, const std::string& id);

// A partners' self-assessment of 2025/26 in `partnership`, created as `token`.
absl::StatusOr<asv1::Assessment> CreateSelfAssessment(AStub& assessments, const std::string& token,
                                                      const std::string& partnership);

// ---- The world every test reads ----

struct World {
  std::unique_ptr<TestHub> hub;
  std::unique_ptr<AStub> assessments;
  std::unique_ptr<ActStub> actions;
  std::string admin;  // the deployment administrator
  std::map<std::string, std::string> partnership_admin;
  std::map<std::string, std::string> viewer;
  std::map<std::string, std::map<std::string, std::string>> respondent;
  std::string scrutineer;       // of both partnerships
  std::string hub_admin;        // of the region
  std::string dashboard;        // of the region
  std::string other_dashboard;  // of another region
  asv1::Assessment p1_first, p1_second, p2_first;
  // Actions of a round, in step order.
  std::map<std::string, std::vector<acv1::Action>> plan;
  // The first round's report, asked for at the feed position right after its finalisation.
  int64_t first_head = 0;
  rv1::AssessmentReport first_report_at_head;
  int64_t head = 0;
};

class ReportingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override { ASSERT_THAT(setup_, IsOk()); }

  static absl::StatusOr<std::string> NewUser(World& w, const std::string& email,
                                             const std::vector<TestHub::Binding>& roles);
  static absl::StatusOr<asv1::Assessment> Get(World& w, const std::string& name);
  // A whole round, as its people record it: the partnership administrator sets it up,
  // each organisation's respondent answers every question, the scrutineer consolidates
  // after submission, the administrator plans an action per step, the scrutineer
  // finalises.
  static absl::StatusOr<asv1::Assessment> Record(World& w, const std::string& p,
                                                 const RoundPlan& plan);
  static absl::Status Build(World& w);

  // ---- Reports, asked for at the world's feed head (or `min_sequence`) ----

  static grpc::Status Report(const std::string& token, const std::string& assessment,
                             rv1::AssessmentReport* report, int64_t min_sequence = -1,
                             absl::Duration timeout = absl::Seconds(30));
  static grpc::Status Trend(const std::string& token, const std::string& partnership,
                            rv1::PartnershipTrend* trend, const std::string& kind = "");
  static grpc::Status Region(const std::string& token, const std::string& region,
                             rv1::RegionalOverview* overview);
  static grpc::Status Tracker(const std::string& token, const std::string& scope,
                              rv1::ActionTracker* tracker, int64_t min_sequence = -1);
  static grpc::Status Annual(const std::string& token, const std::string& assessment,
                             rv1::AnnualReportSection* section);
  static grpc::Status Export(const std::string& token, rv1::ExportReportRequest request,
                             rv1::Format format, rv1::ExportReportResponse* exported);

  // The freshness every report states: at least the head it was asked for, with the time
  // of that change and of the report.
  static void ExpectFresh(const rv1::Freshness& freshness);

  static World* world_;
  static absl::Status setup_;
};

}  // namespace sixsteps::testing::reporting_fixture
