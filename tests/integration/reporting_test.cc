// The reporting service end to end: identity, framework and assessment (with actions)
// served on 127.0.0.1 with real PostgreSQL, the feed consumer and ReportingService
// started by TestHub. A region with two partnerships (the second opted out of regional
// comparison), each with three core organisations answering; one full scrutiny round in
// each and a second one in the first, recorded through the assessment and action
// services as the people who would do it. Every report is checked against the numbers
// the rounds were built from, waiting only through min_sequence = the feed head.
//
// Along the way reporting is stopped half-way through the feed and restarted; its read
// model must end up exactly like a second one that consumed the whole feed without
// stopping.
#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/status.h"
#include "services/reporting/http_endpoint.h"
#include "services/reporting/render.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

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

constexpr char kBuiltIn[] = "frameworks/six-steps/versions/2019";
constexpr char kRegion[] = "north";
constexpr char kOtherRegion[] = "south";
constexpr char kP1[] = "tyneside";
constexpr char kP2[] = "wearside";  // opted out of regional comparison
// Overdue is judged against this date throughout.
constexpr char kAsOf[] = "2026-06-30";
const std::vector<std::string> kOrgs = {"council", "health", "police"};

std::string P(const std::string& id) { return absl::StrCat("partnerships/", id); }
std::string Org(const std::string& partnership, const std::string& org) {
  return absl::StrCat("partnerships/", partnership, "/organisations/", org);
}
std::string StepId(int step) { return absl::StrCat("s", step); }
// The i-th question (0..23) of the built-in framework, step by step.
std::string QuestionId(int i) { return absl::StrCat("s", i / 4 + 1, ".q", i % 4 + 1); }
// The organisation that owns the action of a step.
std::string OwnerOf(int step) { return kOrgs[(step - 1) % 3]; }

fv1::Rating Rate(char letter) {
  switch (letter) {
    case 'R':
      return fv1::RATING_RED;
    case 'A':
      return fv1::RATING_AMBER;
    case 'G':
      return fv1::RATING_GREEN;
    default:
      return fv1::RATING_UNSPECIFIED;
  }
}

std::shared_ptr<grpc::Channel> Dial(const std::string& target) {
  return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
}

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

// Partnership 1, first round: per step R/A/G = 1/1/2, 0/4/0, 2/1/1, 0/0/4, 4/0/0, 1/2/1
// (8 of each). Respondents disagree on s1.q1 (Green against Red: severe), s2.q2, s3.q3 and
// s5.q4. Actions of s1 and s3 are overdue as of kAsOf (s4's is due that very day, so not);
// s2's is completed after finalisation.
const RoundPlan kP1First = {
    "Scrutiny 2024/25",
    "2024-04-01",
    "2025-03-31",
    "GGAR"
    "AAAA"
    "RRGA"
    "GGGG"
    "RRRR"
    "AGRA",
    {{"health", {{"s2.q2", 'G'}, {"s3.q3", 'A'}, {"s5.q4", 'A'}}}, {"police", {{"s1.q1", 'R'}}}},
    {"2026-01-31", "2026-03-31", "2026-06-29", "2026-06-30", "2026-09-30", "2026-12-31"}};
// Partnership 1, second round: s1.q3, s5.q1 and s6.q1 improve; s3.q3 and s6.q4 get worse.
// Steps: s1 better, s2 same, s3 worse, s4 same, s5 better, s6 same (one up, one down).
// Everyone agrees. Only s5's action is overdue as of kAsOf.
const RoundPlan kP1Second = {
    "Scrutiny 2025/26",
    "2025-04-01",
    "2026-03-31",
    "GGGR"
    "AAAA"
    "RRAA"
    "GGGG"
    "ARRR"
    "GGRR",
    {},
    {"2027-03-31", "2027-03-31", "2027-03-31", "2027-03-31", "2026-05-31", "2027-03-31"}};
// Partnership 2: R/A/G 9/8/7. s1's action is overdue; s6's is cancelled after finalisation.
const RoundPlan kP2First = {
    "Scrutiny 2025",
    "2025-01-01",
    "2025-12-31",
    "RRRR"
    "AARR"
    "GGGG"
    "AAAA"
    "GARG"
    "RAGR",
    {},
    {"2026-04-30", "2026-12-31", "2026-12-31", "2026-12-31", "2026-12-31", "2026-12-31"}};

rv1::RatingCounts Counts(int red, int amber, int green, int unrated = 0) {
  rv1::RatingCounts counts;
  counts.set_red(red);
  counts.set_amber(amber);
  counts.set_green(green);
  counts.set_unrated(unrated);
  return counts;
}

rv1::ActionCounts Actions(int open, int overdue, int done = 0, int cancelled = 0,
                          int carried_over = 0) {
  rv1::ActionCounts counts;
  counts.set_open(open);
  counts.set_overdue(overdue);
  counts.set_done(done);
  counts.set_cancelled(cancelled);
  counts.set_carried_over(carried_over);
  return counts;
}

MATCHER_P(EqualsProto, expected, "equals " + expected.ShortDebugString()) {
  if (MessageDifferencer::Equals(arg, expected)) return true;
  *result_listener << "is " << arg.ShortDebugString();
  return false;
}

// Counts of a plan's consolidated ratings in one step.
rv1::RatingCounts StepCounts(const RoundPlan& plan, int step) {
  rv1::RatingCounts counts;
  for (int i = (step - 1) * 4; i < step * 4; ++i) {
    switch (plan.consolidated[i]) {
      case 'R':
        counts.set_red(counts.red() + 1);
        break;
      case 'A':
        counts.set_amber(counts.amber() + 1);
        break;
      case 'G':
        counts.set_green(counts.green() + 1);
        break;
    }
  }
  return counts;
}

double Heat(const rv1::RatingCounts& c) {
  return (c.red() * 1.0 + c.amber() * 2.0 + c.green() * 3.0) / (c.red() + c.amber() + c.green());
}

const rv1::StepRow& Step(const rv1::AssessmentReport& report, int step) {
  return report.steps(step - 1);
}
// "s3.q2" → the row of that question.
const rv1::QuestionRow& Question(const rv1::AssessmentReport& report, const std::string& id) {
  int step = id[1] - '0', q = id[4] - '0';
  return report.steps(step - 1).questions(q - 1);
}

// A small RFC 4180 reader: records of fields, quotes honoured, CRLF or LF line ends.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    any = true;
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      any = false;
    } else {
      field += c;
    }
  }
  if (any || !field.empty() || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

// A call with the caller's token and a deadline; the error names the request type.
template <typename Stub, typename Request, typename Response>
absl::Status Call(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const std::string& token, const Request& request, Response* response,
                  absl::Duration timeout = absl::Seconds(60)) {
  grpc::ClientContext context;
  Authorize(context, token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::Status status = (stub.*method)(&context, request, response);
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(request.GetDescriptor()->name(), ": ", status.error_message()));
}

// ---- Read-model fingerprints ----

// Bookkeeping columns that say when something was written, not what.
bool Ignored(const std::string& table, const std::string& column) {
  return (table == "feed_cursor" && column == "update_time") ||
         (table == "partnerships" && column == "refresh_time") ||
         (table == "schema_migrations" && column == "applied_at");
}

struct TableFingerprint {
  int64_t count = 0;
  std::string md5;
  std::vector<std::string> rows;  // for a readable failure
  bool operator==(const TableFingerprint& other) const {
    return count == other.count && md5 == other.md5;
  }
};

// Every table of the database: its row count and the md5 of its rows (every column but
// the ignored ones) in a fixed order.
absl::StatusOr<std::map<std::string, TableFingerprint>> Fingerprint(const std::string& url) {
  std::map<std::string, TableFingerprint> tables;
  try {
    pqxx::connection connection(url);
    pqxx::read_transaction txn(connection);
    for (const pqxx::row& t :
         txn.exec("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                  "'public' AND table_type = 'BASE TABLE' ORDER BY table_name")) {
      std::string table = t[0].as<std::string>();
      std::vector<std::string> columns;
      for (const pqxx::row& c : txn.exec_params(
               "SELECT column_name FROM information_schema.columns WHERE table_schema = "
               "'public' AND table_name = $1 ORDER BY ordinal_position",
               table)) {
        std::string column = c[0].as<std::string>();
        if (!Ignored(table, column)) columns.push_back(txn.quote_name(column));
      }
      std::string rows = absl::StrCat("SELECT ROW(", absl::StrJoin(columns, ", "),
                                      ")::text AS r FROM ", txn.quote_name(table));
      pqxx::result summary = txn.exec(absl::StrCat(
          "SELECT count(*), md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) FROM (", rows,
          ") t"));
      TableFingerprint& fingerprint = tables[table];
      fingerprint.count = summary[0][0].as<int64_t>();
      fingerprint.md5 = summary[0][1].as<std::string>();
      for (const pqxx::row& r : txn.exec(absl::StrCat(rows, " ORDER BY r"))) {
        fingerprint.rows.push_back(r[0].as<std::string>());
      }
    }
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("fingerprint of ", url, ": ", e.what()));
  }
  return tables;
}

// A partners' self-assessment of 2025/26 in `partnership`, created as `token`.
absl::StatusOr<asv1::Assessment> CreateSelfAssessment(AStub& assessments, const std::string& token,
                                                      const std::string& partnership) {
  asv1::CreateAssessmentRequest request;
  asv1::Assessment* a = request.mutable_assessment();
  a->set_partnership(P(partnership));
  a->set_framework_version(kBuiltIn);
  a->set_kind(asv1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  a->set_title("Self-assessment");
  a->set_period_start("2025-04-01");
  a->set_period_end("2026-03-31");
  asv1::Assessment round;
  SIXSTEPS_RETURN_IF_ERROR(Call(assessments, &AStub::CreateAssessment, token, request, &round));
  return round;
}

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
  static void SetUpTestSuite() {
    world_ = new World();
    setup_ = Build(*world_);
  }
  static void TearDownTestSuite() {
    delete world_;
    world_ = nullptr;
  }
  void SetUp() override { ASSERT_THAT(setup_, IsOk()); }

  static absl::StatusOr<std::string> NewUser(World& w, const std::string& email,
                                             const std::vector<TestHub::Binding>& roles) {
    absl::StatusOr<std::string> token = w.hub->UserWithRoles(email, roles);
    if (!token.ok()) {
      return absl::Status(token.status().code(),
                          absl::StrCat(email, ": ", token.status().message()));
    }
    return token;
  }

  static absl::StatusOr<asv1::Assessment> Get(World& w, const std::string& name) {
    asv1::GetAssessmentRequest request;
    request.set_name(name);
    asv1::Assessment round;
    SIXSTEPS_RETURN_IF_ERROR(Call(*w.assessments, &AStub::GetAssessment, w.admin, request, &round));
    return round;
  }

  // A whole round, as its people record it: the partnership administrator sets it up,
  // each organisation's respondent answers every question, the scrutineer consolidates
  // after submission, the administrator plans an action per step, the scrutineer
  // finalises.
  static absl::StatusOr<asv1::Assessment> Record(World& w, const std::string& p,
                                                 const RoundPlan& plan) {
    const std::string& admin = w.partnership_admin[p];
    asv1::Assessment round;
    {
      asv1::CreateAssessmentRequest request;
      asv1::Assessment* a = request.mutable_assessment();
      a->set_partnership(P(p));
      a->set_framework_version(kBuiltIn);
      a->set_kind(asv1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
      a->set_title(plan.title);
      a->set_period_start(plan.period_start);
      a->set_period_end(plan.period_end);
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.assessments, &AStub::CreateAssessment, admin, request, &round));
    }
    for (const std::string& org : kOrgs) {
      asv1::AddRespondentRequest add;
      add.set_parent(round.name());
      add.mutable_respondent()->set_organisation(Org(p, org));
      asv1::Respondent respondent;
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.assessments, &AStub::AddRespondent, admin, add, &respondent));
      asv1::BatchUpsertResponsesRequest batch;
      batch.set_parent(round.name());
      for (int i = 0; i < 24; ++i) {
        char letter = plan.RatingOf(org, i);
        asv1::Response* response = batch.add_requests()->mutable_response();
        response->set_name(absl::StrCat(respondent.name(), "/responses/", QuestionId(i)));
        response->set_rating(Rate(letter));
        response->set_commentary(absl::StrCat(org, " on ", QuestionId(i)));
        if (letter != 'R') {
          asv1::EvidenceItem* item = response->add_evidence();
          item->set_description(absl::StrCat(org, "'s audit for ", QuestionId(i)));
          item->set_link(absl::StrCat("https://evidence.example/", p, "/", org, "/", i));
        }
        if (letter == 'A') response->set_remaining_work("Embed the new process");
      }
      asv1::BatchUpsertResponsesResponse written;
      SIXSTEPS_RETURN_IF_ERROR(Call(*w.assessments, &AStub::BatchUpsertResponses,
                                    w.respondent[p][org], batch, &written));
    }
    {
      SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment current, Get(w, round.name()));
      asv1::SubmitAssessmentForReviewRequest request;
      request.set_name(round.name());
      request.set_etag(current.etag());
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.assessments, &AStub::SubmitAssessmentForReview, admin, request, &round));
    }
    for (int i = 0; i < 24; ++i) {
      char letter = plan.consolidated[i];
      asv1::ConsolidateQuestionRequest request;
      request.set_parent(round.name());
      asv1::Consolidation* c = request.mutable_consolidation();
      c->set_question_id(QuestionId(i));
      c->set_rating(Rate(letter));
      c->set_rationale(absl::StrCat("Seen every partner's evidence on ", QuestionId(i)));
      if (letter != 'R') {
        c->add_evidence()->set_description(
            absl::StrCat("Scrutineer's case audit, ", QuestionId(i)));
      }
      if (letter == 'A')
        c->set_remaining_work(absl::StrCat("Finish the joint audit of ", QuestionId(i)));
      asv1::Consolidation written;
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.assessments, &AStub::ConsolidateQuestion, w.scrutineer, request, &written));
    }
    std::vector<acv1::Action>& actions = w.plan[round.name()];
    for (int step = 1; step <= 6; ++step) {
      acv1::CreateActionRequest request;
      acv1::Action* action = request.mutable_action();
      action->set_assessment(round.name());
      action->set_step_id(StepId(step));
      for (int q = 1; q <= 4; ++q) action->add_question_ids(absl::StrCat("s", step, ".q", q));
      action->set_kind(acv1::Action::KIND_IMPROVEMENT);
      action->set_description(absl::StrCat("Improve step ", step, " (", plan.title, ")"));
      action->set_intended_outcome("Children are safer");
      action->set_owner_organisation(Org(p, OwnerOf(step)));
      action->set_due_date(plan.due[step - 1]);
      acv1::Action created;
      SIXSTEPS_RETURN_IF_ERROR(Call(*w.actions, &ActStub::CreateAction, admin, request, &created));
      actions.push_back(created);
    }
    {
      SIXSTEPS_ASSIGN_OR_RETURN(asv1::Assessment current, Get(w, round.name()));
      asv1::FinaliseAssessmentRequest request;
      request.set_name(round.name());
      request.set_etag(current.etag());
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.assessments, &AStub::FinaliseAssessment, w.scrutineer, request, &round));
    }
    return round;
  }

  static absl::Status Build(World& w) {
    SIXSTEPS_ASSIGN_OR_RETURN(w.hub, TestHub::Start("reporting"));
    w.assessments = w.hub->AssessmentStub();
    w.actions = w.hub->ActionStub();
    w.admin = w.hub->admin_token();
    TestHub& hub = *w.hub;
    SIXSTEPS_RETURN_IF_ERROR(hub.CreateRegion(kRegion));
    SIXSTEPS_RETURN_IF_ERROR(hub.CreateRegion(kOtherRegion));
    const std::vector<std::pair<std::string, idv1::OrganisationKind>> kinds = {
        {"council", idv1::ORGANISATION_KIND_LOCAL_AUTHORITY},
        {"health", idv1::ORGANISATION_KIND_HEALTH},
        {"police", idv1::ORGANISATION_KIND_POLICE}};
    for (const char* p : {kP1, kP2}) {
      SIXSTEPS_RETURN_IF_ERROR(hub.CreatePartnership(p, kRegion));
      for (const auto& [org, kind] : kinds) {
        SIXSTEPS_RETURN_IF_ERROR(hub.CreateOrganisation(p, org, kind, true));
      }
    }
    {
      // Partnership 2 opts out of regional comparison, as the administrator.
      auto stub = hub.IdentityStub();
      idv1::GetPartnershipRequest read;
      read.set_name(P(kP2));
      idv1::UpdatePartnershipRequest request;
      SIXSTEPS_RETURN_IF_ERROR(Call(*stub, &idv1::IdentityService::Stub::GetPartnership, w.admin,
                                    read, request.mutable_partnership()));
      request.mutable_partnership()->set_regional_comparison_opt_out(true);
      request.mutable_update_mask()->add_paths("regional_comparison_opt_out");
      idv1::Partnership updated;
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*stub, &idv1::IdentityService::Stub::UpdatePartnership, w.admin, request, &updated));
      if (!updated.regional_comparison_opt_out()) {
        return absl::InternalError("partnership 2 did not opt out");
      }
    }
    for (const char* p : {kP1, kP2}) {
      SIXSTEPS_ASSIGN_OR_RETURN(w.partnership_admin[p],
                                NewUser(w, absl::StrCat("admin@", p, ".test"),
                                        {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, P(p), ""}}));
      SIXSTEPS_ASSIGN_OR_RETURN(w.viewer[p], NewUser(w, absl::StrCat("viewer@", p, ".test"),
                                                     {{Role::ROLE_VIEWER, P(p), ""}}));
      for (const std::string& org : kOrgs) {
        SIXSTEPS_ASSIGN_OR_RETURN(w.respondent[p][org],
                                  NewUser(w, absl::StrCat(org, "@", p, ".test"),
                                          {{Role::ROLE_PARTNER_RESPONDENT, P(p), Org(p, org)}}));
      }
    }
    SIXSTEPS_ASSIGN_OR_RETURN(w.scrutineer,
                              NewUser(w, "scrutineer@north.test",
                                      {{Role::ROLE_INDEPENDENT_SCRUTINEER, P(kP1), ""},
                                       {Role::ROLE_INDEPENDENT_SCRUTINEER, P(kP2), ""}}));
    const std::string region = absl::StrCat("regions/", kRegion);
    SIXSTEPS_ASSIGN_OR_RETURN(
        w.hub_admin, NewUser(w, "hub@north.test", {{Role::ROLE_HUB_ADMINISTRATOR, region, ""}}));
    SIXSTEPS_ASSIGN_OR_RETURN(
        w.dashboard, NewUser(w, "dashboard@north.test", {{Role::ROLE_DASHBOARD, region, ""}}));
    SIXSTEPS_ASSIGN_OR_RETURN(
        w.other_dashboard,
        NewUser(w, "dashboard@south.test",
                {{Role::ROLE_DASHBOARD, absl::StrCat("regions/", kOtherRegion), ""}}));

    // The first round, then reporting starts and catches up with it...
    SIXSTEPS_ASSIGN_OR_RETURN(w.p1_first, Record(w, kP1, kP1First));
    SIXSTEPS_RETURN_IF_ERROR(hub.StartReporting());
    SIXSTEPS_ASSIGN_OR_RETURN(w.first_head, hub.FeedHead());
    {
      rv1::GetAssessmentReportRequest request;
      request.set_assessment(w.p1_first.name());
      request.set_min_sequence(w.first_head);
      request.set_as_of_date(kAsOf);
      SIXSTEPS_RETURN_IF_ERROR(Call(*hub.ReportingStub(), &RStub::GetAssessmentReport, w.admin,
                                    request, &w.first_report_at_head, absl::Seconds(30)));
    }
    // ...and stops, half-way through the feed of the whole story.
    hub.StopReporting();

    SIXSTEPS_ASSIGN_OR_RETURN(w.p2_first, Record(w, kP2, kP2First));
    {
      // After finalisation the plan goes on: partnership 1's step 2 action is done,
      // partnership 2's step 6 action cancelled.
      // Each based on the action as it is now: the etag is required.
      acv1::GetActionRequest get;
      acv1::Action current;
      get.set_name(w.plan[w.p1_first.name()][1].name());
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.actions, &ActStub::GetAction, w.partnership_admin[kP1], get, &current));
      acv1::CompleteActionRequest complete;
      complete.set_name(current.name());
      complete.set_etag(current.etag());
      complete.set_completion_note("Joint audit published");
      acv1::Action done;
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.actions, &ActStub::CompleteAction, w.partnership_admin[kP1], complete, &done));
      get.set_name(w.plan[w.p2_first.name()][5].name());
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.actions, &ActStub::GetAction, w.partnership_admin[kP2], get, &current));
      acv1::CancelActionRequest cancel;
      cancel.set_name(current.name());
      cancel.set_etag(current.etag());
      cancel.set_reason("Superseded by the regional training plan");
      acv1::Action cancelled;
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.actions, &ActStub::CancelAction, w.partnership_admin[kP2], cancel, &cancelled));
    }
    SIXSTEPS_ASSIGN_OR_RETURN(w.p1_second, Record(w, kP1, kP1Second));

    // Started again: it resumes from its cursor. Also stopped at once once more, wherever
    // the catch-up has got to, and started again.
    SIXSTEPS_RETURN_IF_ERROR(hub.StartReporting());
    hub.StopReporting();
    SIXSTEPS_RETURN_IF_ERROR(hub.StartReporting());
    SIXSTEPS_ASSIGN_OR_RETURN(w.head, hub.FeedHead());
    {
      rv1::GetAssessmentReportRequest wait;
      wait.set_assessment(w.p1_second.name());
      wait.set_min_sequence(w.head);
      rv1::AssessmentReport ignored;
      SIXSTEPS_RETURN_IF_ERROR(Call(*hub.ReportingStub(), &RStub::GetAssessmentReport, w.admin,
                                    wait, &ignored, absl::Seconds(30)));
    }
    return absl::OkStatus();
  }

  // ---- Reports ----

  static grpc::Status Report(const std::string& token, const std::string& assessment,
                             rv1::AssessmentReport* report, int64_t min_sequence = -1,
                             absl::Duration timeout = absl::Seconds(30)) {
    grpc::ClientContext context;
    Authorize(context, token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(assessment);
    request.set_min_sequence(min_sequence < 0 ? world_->head : min_sequence);
    request.set_as_of_date(kAsOf);
    return world_->hub->ReportingStub()->GetAssessmentReport(&context, request, report);
  }

  static grpc::Status Trend(const std::string& token, const std::string& partnership,
                            rv1::PartnershipTrend* trend) {
    grpc::ClientContext context;
    Authorize(context, token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    rv1::GetPartnershipTrendRequest request;
    request.set_partnership(partnership);
    request.set_min_sequence(world_->head);
    return world_->hub->ReportingStub()->GetPartnershipTrend(&context, request, trend);
  }

  static grpc::Status Region(const std::string& token, const std::string& region,
                             rv1::RegionalOverview* overview) {
    grpc::ClientContext context;
    Authorize(context, token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    rv1::GetRegionalOverviewRequest request;
    request.set_region(region);
    request.set_min_sequence(world_->head);
    request.set_as_of_date(kAsOf);
    return world_->hub->ReportingStub()->GetRegionalOverview(&context, request, overview);
  }

  static grpc::Status Tracker(const std::string& token, const std::string& scope,
                              rv1::ActionTracker* tracker, int64_t min_sequence = -1) {
    grpc::ClientContext context;
    Authorize(context, token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    rv1::GetActionTrackerRequest request;
    request.set_scope(scope);
    request.set_min_sequence(min_sequence < 0 ? world_->head : min_sequence);
    request.set_as_of_date(kAsOf);
    return world_->hub->ReportingStub()->GetActionTracker(&context, request, tracker);
  }

  static grpc::Status Annual(const std::string& token, const std::string& assessment,
                             rv1::AnnualReportSection* section) {
    grpc::ClientContext context;
    Authorize(context, token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    rv1::GetAnnualReportSectionRequest request;
    request.set_assessment(assessment);
    request.set_min_sequence(world_->head);
    return world_->hub->ReportingStub()->GetAnnualReportSection(&context, request, section);
  }

  static grpc::Status Export(const std::string& token, rv1::ExportReportRequest request,
                             rv1::Format format, rv1::ExportReportResponse* exported) {
    grpc::ClientContext context;
    Authorize(context, token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    request.set_format(format);
    return world_->hub->ReportingStub()->ExportReport(&context, request, exported);
  }

  // The freshness every report states: at least the head it was asked for, with the time
  // of that change and of the report.
  static void ExpectFresh(const rv1::Freshness& freshness) {
    EXPECT_GE(freshness.sequence(), world_->head);
    EXPECT_GT(freshness.change_time().seconds(), 0);
    EXPECT_GT(freshness.report_time().seconds(), 0);
    EXPECT_GE(freshness.report_time().seconds(), freshness.change_time().seconds());
  }

  static World* world_;
  static absl::Status setup_;
};

World* ReportingTest::world_ = nullptr;
absl::Status ReportingTest::setup_;

// ---- Report 1: the assessment report ----

TEST_F(ReportingTest, AssessmentReportCountsTheFirstRound) {
  const World& w = *world_;
  rv1::AssessmentReport report;
  ASSERT_THAT(Report(w.partnership_admin.at(kP1), w.p1_first.name(), &report), IsOk());

  EXPECT_EQ(report.assessment(), w.p1_first.name());
  EXPECT_EQ(report.partnership(), P(kP1));
  EXPECT_EQ(report.partnership_name(), "Partnership tyneside");
  EXPECT_EQ(report.region(), "regions/north");
  EXPECT_EQ(report.title(), "Scrutiny 2024/25");
  EXPECT_EQ(report.state(), "STATE_FINALISED");
  EXPECT_EQ(report.revision(), 1);
  EXPECT_EQ(report.period_start(), "2024-04-01");
  EXPECT_EQ(report.period_end(), "2025-03-31");
  EXPECT_EQ(report.framework_version(), kBuiltIn);
  EXPECT_THAT(report.framework_title(), HasSubstr("Six Steps for Independent Scrutiny"));
  EXPECT_THAT(report.rating_definitions(), SizeIs(3));
  EXPECT_THAT(report.attribution(), HasSubstr("Pearce, J (2019)"));
  EXPECT_EQ(report.as_of_date(), kAsOf);
  EXPECT_TRUE(report.has_finalise_time());
  ExpectFresh(report.freshness());

  // Counts per step and overall, from the consolidated ratings.
  ASSERT_THAT(report.steps(), SizeIs(6));
  for (int step = 1; step <= 6; ++step) {
    const rv1::StepRow& row = Step(report, step);
    EXPECT_EQ(row.step_id(), StepId(step));
    EXPECT_FALSE(row.title().empty());
    EXPECT_THAT(row.questions(), SizeIs(4));
    EXPECT_THAT(row.counts(), EqualsProto(StepCounts(kP1First, step))) << row.step_id();
  }
  EXPECT_THAT(report.counts(), EqualsProto(Counts(8, 8, 8)));
  EXPECT_EQ(report.completeness_percent(), 100);
  EXPECT_THAT(report.questions_missing_evidence(), IsEmpty());
  EXPECT_EQ(report.open_challenges(), 0);

  // Divergence where respondents disagree, severe only where Green met Red.
  EXPECT_THAT(report.divergent_questions(), ElementsAre("s1.q1", "s2.q2", "s3.q3", "s5.q4"));
  EXPECT_TRUE(Question(report, "s1.q1").severe_divergence());
  for (const char* q : {"s2.q2", "s3.q3", "s5.q4"}) {
    EXPECT_TRUE(Question(report, q).divergent()) << q;
    EXPECT_FALSE(Question(report, q).severe_divergence()) << q;
  }
  EXPECT_FALSE(Question(report, "s4.q1").divergent());

  // Every question: its consolidated rating, the three respondents' ratings with their
  // organisation names, and evidence counted across responses and consolidation.
  for (int i = 0; i < 24; ++i) {
    const rv1::QuestionRow& q = Question(report, QuestionId(i));
    EXPECT_EQ(q.question_id(), QuestionId(i));
    EXPECT_FALSE(q.text().empty());
    EXPECT_EQ(q.consolidated_rating(), Rate(kP1First.consolidated[i])) << q.question_id();
    EXPECT_FALSE(q.evidence_missing()) << q.question_id();
    EXPECT_THAT(q.rationale(), HasSubstr(QuestionId(i)));
    EXPECT_EQ(q.remaining_work().empty(), kP1First.consolidated[i] != 'A') << q.question_id();
    ASSERT_THAT(q.respondent_ratings(), SizeIs(3)) << q.question_id();
    int evidence = kP1First.consolidated[i] != 'R' ? 1 : 0;
    std::map<std::string, fv1::Rating> by_label;
    for (const rv1::RespondentRating& r : q.respondent_ratings()) {
      by_label[r.label()] = r.rating();
      EXPECT_EQ(r.evidence_items(), r.rating() == fv1::RATING_RED ? 0 : 1);
      evidence += r.evidence_items();
      EXPECT_TRUE(
          absl::StartsWith(r.respondent(), absl::StrCat(w.p1_first.name(), "/respondents/")))
          << r.respondent();
    }
    for (const std::string& org : kOrgs) {
      EXPECT_EQ(by_label[absl::StrCat("Organisation ", org)], Rate(kP1First.RatingOf(org, i)))
          << q.question_id() << " " << org;
    }
    EXPECT_EQ(q.evidence_items(), evidence) << q.question_id();
  }
  // s1.q1: two Green responses with an item each, and the scrutineer's item.
  EXPECT_EQ(Question(report, "s1.q1").evidence_items(), 3);

  // The action plan: one action per step; s1 and s3 overdue as of kAsOf (s4 is due that
  // day), s2 done after finalisation.
  EXPECT_THAT(Step(report, 1).actions(), EqualsProto(Actions(1, 1)));
  EXPECT_THAT(Step(report, 2).actions(), EqualsProto(Actions(0, 0, 1)));
  EXPECT_THAT(Step(report, 3).actions(), EqualsProto(Actions(1, 1)));
  EXPECT_THAT(Step(report, 4).actions(), EqualsProto(Actions(1, 0)));
  EXPECT_THAT(Step(report, 5).actions(), EqualsProto(Actions(1, 0)));
  EXPECT_THAT(Step(report, 6).actions(), EqualsProto(Actions(1, 0)));
  EXPECT_THAT(report.actions(), EqualsProto(Actions(5, 2, 1)));
}

TEST_F(ReportingTest, AssessmentReportsOfTheOtherRounds) {
  const World& w = *world_;
  rv1::AssessmentReport second;
  ASSERT_THAT(Report(w.admin, w.p1_second.name(), &second), IsOk());
  EXPECT_THAT(second.counts(), EqualsProto(Counts(8, 7, 9)));
  for (int step = 1; step <= 6; ++step) {
    EXPECT_THAT(Step(second, step).counts(), EqualsProto(StepCounts(kP1Second, step))) << step;
  }
  EXPECT_EQ(second.completeness_percent(), 100);
  EXPECT_THAT(second.divergent_questions(), IsEmpty());
  EXPECT_THAT(second.questions_missing_evidence(), IsEmpty());
  EXPECT_THAT(second.actions(), EqualsProto(Actions(6, 1)));
  EXPECT_THAT(Step(second, 5).actions(), EqualsProto(Actions(1, 1)));
  ExpectFresh(second.freshness());

  rv1::AssessmentReport other;
  ASSERT_THAT(Report(w.partnership_admin.at(kP2), w.p2_first.name(), &other), IsOk());
  EXPECT_EQ(other.partnership_name(), "Partnership wearside");
  EXPECT_THAT(other.counts(), EqualsProto(Counts(9, 8, 7)));
  for (int step = 1; step <= 6; ++step) {
    EXPECT_THAT(Step(other, step).counts(), EqualsProto(StepCounts(kP2First, step))) << step;
  }
  EXPECT_EQ(other.completeness_percent(), 100);
  // s1 overdue, s6 cancelled.
  EXPECT_THAT(other.actions(), EqualsProto(Actions(5, 1, 0, 1)));
  EXPECT_THAT(Step(other, 6).actions(), EqualsProto(Actions(0, 0, 0, 1)));
}

TEST_F(ReportingTest, AReportAskedForAtAFeedPositionReflectsTheWritesBeforeIt) {
  const World& w = *world_;
  // Asked for right after the finalisation, before the consumer could have caught up.
  const rv1::AssessmentReport& report = w.first_report_at_head;
  EXPECT_GE(report.freshness().sequence(), w.first_head);
  EXPECT_EQ(report.state(), "STATE_FINALISED");
  EXPECT_THAT(report.counts(), EqualsProto(Counts(8, 8, 8)));
  EXPECT_EQ(report.completeness_percent(), 100);
  // Before the step 2 action was done: it was overdue then, as of kAsOf, like s1's and s3's.
  EXPECT_THAT(report.actions(), EqualsProto(Actions(6, 3)));
  EXPECT_THAT(Step(report, 2).actions(), EqualsProto(Actions(1, 1)));

  // A new write, then a report at its position: the read model has it.
  acv1::Action open = w.plan.at(w.p1_second.name())[3];
  acv1::AddProgressUpdateRequest progress;
  progress.set_name(open.name());
  progress.set_note("Training needs analysis started");
  progress.set_start(true);
  acv1::Action started;
  ASSERT_THAT(Call(*w.actions, &ActStub::AddProgressUpdate, w.partnership_admin.at(kP1), progress,
                   &started),
              IsOk());
  ASSERT_EQ(started.status(), acv1::Action::STATUS_IN_PROGRESS);
  absl::StatusOr<int64_t> head = w.hub->FeedHead();
  ASSERT_THAT(head, IsOk());
  ASSERT_GT(*head, w.head);
  rv1::ActionTracker tracker;
  ASSERT_THAT(Tracker(w.partnership_admin.at(kP1), P(kP1), &tracker, *head), IsOk());
  EXPECT_GE(tracker.freshness().sequence(), *head);
  bool seen = false;
  for (const rv1::ActionGroup& group : tracker.by_step()) {
    for (const rv1::ActionLine& line : group.actions()) {
      if (line.action() == open.name()) {
        seen = true;
        EXPECT_EQ(line.status(), "STATUS_IN_PROGRESS");
      }
    }
  }
  EXPECT_TRUE(seen);
}

TEST_F(ReportingTest, AFeedPositionBeyondEveryChangeIsOutOfRange) {
  const World& w = *world_;
  rv1::AssessmentReport report;
  // Nothing to wait for (issue #13, finding 9): said at once, not after the deadline.
  EXPECT_THAT(Report(w.admin, w.p1_first.name(), &report, w.head + 1000, absl::Seconds(30)),
              StatusIs(Code::kOutOfRange, "min_sequence"));
  // Negative positions are refused outright.
  grpc::ClientContext context;
  Authorize(context, w.admin);
  rv1::GetRegionalOverviewRequest request;
  request.set_region("regions/north");
  request.set_min_sequence(-1);
  rv1::RegionalOverview overview;
  EXPECT_THAT(w.hub->ReportingStub()->GetRegionalOverview(&context, request, &overview),
              StatusIs(Code::kInvalidArgument));
}

TEST_F(ReportingTest, FreshnessIsTheFeedPositionApplied) {
  const World& w = *world_;
  grpc::ClientContext context;
  Authorize(context, w.dashboard);
  rv1::Freshness freshness;
  ASSERT_THAT(
      w.hub->ReportingStub()->GetFreshness(&context, rv1::GetFreshnessRequest(), &freshness),
      IsOk());
  ExpectFresh(freshness);
}

// ---- Report 2: the trend ----

TEST_F(ReportingTest, TrendMarksEachQuestionAndStepAgainstThePreviousRound) {
  const World& w = *world_;
  rv1::PartnershipTrend trend;
  ASSERT_THAT(Trend(w.viewer.at(kP1), P(kP1), &trend), IsOk());
  EXPECT_EQ(trend.partnership(), P(kP1));
  EXPECT_EQ(trend.partnership_name(), "Partnership tyneside");
  EXPECT_EQ(trend.kind(), "independent_scrutiny");
  ExpectFresh(trend.freshness());
  ASSERT_THAT(trend.rounds(), SizeIs(2));
  EXPECT_EQ(trend.rounds(0).assessment(), w.p1_first.name());
  EXPECT_EQ(trend.rounds(1).assessment(), w.p1_second.name());
  EXPECT_EQ(trend.rounds(0).period_end(), "2025-03-31");
  EXPECT_EQ(trend.rounds(1).title(), "Scrutiny 2025/26");

  const std::set<std::string> improved = {"s1.q3", "s5.q1", "s6.q1"};
  const std::set<std::string> worse = {"s3.q3", "s6.q4"};
  ASSERT_THAT(trend.questions(), SizeIs(24));
  for (int i = 0; i < 24; ++i) {
    const rv1::QuestionTrend& q = trend.questions(i);
    EXPECT_EQ(q.question_id(), QuestionId(i));
    EXPECT_EQ(q.step_id(), StepId(i / 4 + 1));
    EXPECT_THAT(q.ratings(),
                ElementsAre(Rate(kP1First.consolidated[i]), Rate(kP1Second.consolidated[i])))
        << q.question_id();
    rv1::Trend expected = improved.count(q.question_id()) ? rv1::TREND_IMPROVED
                          : worse.count(q.question_id())  ? rv1::TREND_WORSE
                                                          : rv1::TREND_SAME;
    EXPECT_EQ(q.trend(), expected) << q.question_id();
  }
  ASSERT_THAT(trend.steps(), SizeIs(6));
  const std::vector<rv1::Trend> steps = {rv1::TREND_IMPROVED, rv1::TREND_SAME,     rv1::TREND_WORSE,
                                         rv1::TREND_SAME,     rv1::TREND_IMPROVED, rv1::TREND_SAME};
  for (int step = 1; step <= 6; ++step) {
    const rv1::StepTrend& s = trend.steps(step - 1);
    EXPECT_EQ(s.step_id(), StepId(step));
    EXPECT_EQ(s.trend(), steps[step - 1]) << s.step_id();
    ASSERT_THAT(s.counts(), SizeIs(2));
    EXPECT_THAT(s.counts(0), EqualsProto(StepCounts(kP1First, step))) << s.step_id();
    EXPECT_THAT(s.counts(1), EqualsProto(StepCounts(kP1Second, step))) << s.step_id();
  }

  // One round only: nothing to compare with.
  rv1::PartnershipTrend single;
  ASSERT_THAT(Trend(w.viewer.at(kP2), P(kP2), &single), IsOk());
  ASSERT_THAT(single.rounds(), SizeIs(1));
  for (const rv1::QuestionTrend& q : single.questions()) {
    EXPECT_EQ(q.trend(), rv1::TREND_NOT_COMPARABLE) << q.question_id();
  }
}

// ---- Report 3: the regional overview ----

TEST_F(ReportingTest, RegionalOverviewNamesEveryPartnershipToTheHubAdministrators) {
  const World& w = *world_;
  for (const std::string* token : {&w.admin, &w.hub_admin}) {
    rv1::RegionalOverview overview;
    ASSERT_THAT(Region(*token, "regions/north", &overview), IsOk());
    EXPECT_EQ(overview.region(), "regions/north");
    EXPECT_EQ(overview.region_name(), "Region north");
    EXPECT_EQ(overview.as_of_date(), kAsOf);
    ExpectFresh(overview.freshness());
    ASSERT_THAT(overview.partnerships(), SizeIs(2));
    const rv1::RegionalRow& p1 = overview.partnerships(0);
    const rv1::RegionalRow& p2 = overview.partnerships(1);
    EXPECT_EQ(p1.partnership(), P(kP1));
    EXPECT_EQ(p1.partnership_name(), "Partnership tyneside");
    EXPECT_FALSE(p1.anonymous());
    // The latest finalised round.
    EXPECT_EQ(p1.assessment(), w.p1_second.name());
    EXPECT_EQ(p1.last_scrutiny_date(), "2026-03-31");
    EXPECT_THAT(p1.counts(), EqualsProto(Counts(8, 7, 9)));
    // Open and overdue as of kAsOf across both rounds: s1 and s3 of the first, s5 of the
    // second.
    EXPECT_EQ(p1.overdue_actions(), 3);
    EXPECT_EQ(p2.partnership(), P(kP2));
    EXPECT_EQ(p2.partnership_name(), "Partnership wearside");
    EXPECT_FALSE(p2.anonymous());
    EXPECT_EQ(p2.assessment(), w.p2_first.name());
    EXPECT_EQ(p2.last_scrutiny_date(), "2025-12-31");
    EXPECT_THAT(p2.counts(), EqualsProto(Counts(9, 8, 7)));
    EXPECT_EQ(p2.overdue_actions(), 1);
    for (const auto& [row, plan] : {std::pair{&p1, &kP1Second}, std::pair{&p2, &kP2First}}) {
      ASSERT_THAT(row->step_ids(), ElementsAre("s1", "s2", "s3", "s4", "s5", "s6"));
      ASSERT_THAT(row->step_counts(), SizeIs(6));
      ASSERT_THAT(row->step_heat(), SizeIs(6));
      for (int step = 1; step <= 6; ++step) {
        rv1::RatingCounts counts = StepCounts(*plan, step);
        EXPECT_THAT(row->step_counts(step - 1), EqualsProto(counts));
        EXPECT_DOUBLE_EQ(row->step_heat(step - 1), Heat(counts)) << row->partnership_name();
      }
    }
    EXPECT_THAT(p1.step_heat(), ElementsAre(2.5, 2.0, 1.5, 3.0, 1.25, 2.0));
    EXPECT_THAT(p2.step_heat(), ElementsAre(1.0, 1.5, 3.0, 2.0, 2.25, 1.75));
  }
}

// A read model filled before V003 has consolidations without the rating column: the
// overview reads those ratings from the records, and shows the same.
TEST_F(ReportingTest, RegionalOverviewReadsRatingsStoredBeforeTheirColumn) {
  const World& w = *world_;
  rv1::RegionalOverview with_column;
  ASSERT_THAT(Region(w.admin, "regions/north", &with_column), IsOk());
  std::vector<std::array<std::string, 3>> ratings;
  {
    pqxx::connection connection(w.hub->reporting_database_url());
    pqxx::work txn(connection);
    for (const pqxx::row& row :
         txn.exec("SELECT assessment_id, question_id, rating FROM consolidations")) {
      ASSERT_FALSE(row[2].is_null()) << "the consumer stores each rating in its column";
      ratings.push_back(
          {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()});
    }
    txn.exec("UPDATE consolidations SET rating = NULL");
    txn.commit();
  }
  ASSERT_THAT(ratings, Not(IsEmpty()));
  rv1::RegionalOverview from_records;
  grpc::Status status = Region(w.admin, "regions/north", &from_records);
  {
    // Put back what the other tests compare.
    pqxx::connection connection(w.hub->reporting_database_url());
    pqxx::work txn(connection);
    for (const auto& [assessment, question, rating] : ratings) {
      txn.exec_params(
          "UPDATE consolidations SET rating = $3 WHERE assessment_id = $1 AND "
          "question_id = $2",
          assessment, question, rating);
    }
    txn.commit();
  }
  ASSERT_THAT(status, IsOk());
  with_column.clear_freshness();
  from_records.clear_freshness();
  EXPECT_THAT(from_records, EqualsProto(with_column));
}

TEST_F(ReportingTest, RegionalOverviewHidesTheOptedOutPartnershipFromADashboard) {
  const World& w = *world_;
  rv1::RegionalOverview overview;
  ASSERT_THAT(Region(w.dashboard, "regions/north", &overview), IsOk());
  ExpectFresh(overview.freshness());
  // The one partnership that opted out would be named by elimination as the region's one
  // anonymous row: it is left out (reporting_exports_test has two, shown anonymously).
  ASSERT_THAT(overview.partnerships(), SizeIs(1));
  const rv1::RegionalRow& p1 = overview.partnerships(0);
  EXPECT_EQ(p1.partnership(), P(kP1));
  EXPECT_EQ(p1.partnership_name(), "Partnership tyneside");
  EXPECT_EQ(p1.assessment(), w.p1_second.name());
  // Nothing of the rendered overview names it either.
  for (rv1::Format format : {rv1::FORMAT_JSON, rv1::FORMAT_CSV, rv1::FORMAT_HTML,
                             rv1::FORMAT_MARKDOWN, rv1::FORMAT_TEXT}) {
    rv1::ExportReportRequest request;
    request.mutable_region()->set_region("regions/north");
    request.mutable_region()->set_min_sequence(w.head);
    request.mutable_region()->set_as_of_date(kAsOf);
    rv1::ExportReportResponse exported;
    ASSERT_THAT(Export(w.dashboard, request, format, &exported), IsOk());
    EXPECT_THAT(exported.content(), Not(HasSubstr("wearside"))) << format;
    EXPECT_THAT(exported.content(), Not(HasSubstr(w.p2_first.name()))) << format;
    EXPECT_THAT(exported.content(), HasSubstr("Partnership tyneside")) << format;
  }
  // Nor do its own reports answer the dashboard: as for a partnership it cannot see.
  rv1::AssessmentReport report;
  EXPECT_THAT(Report(w.dashboard, w.p2_first.name(), &report), StatusIs(Code::kNotFound));
  rv1::PartnershipTrend trend;
  EXPECT_THAT(Trend(w.dashboard, P(kP2), &trend), StatusIs(Code::kNotFound));
  rv1::ActionTracker tracker;
  EXPECT_THAT(Tracker(w.dashboard, P(kP2), &tracker), StatusIs(Code::kNotFound));
  rv1::AnnualReportSection section;
  EXPECT_THAT(Annual(w.dashboard, w.p2_first.name(), &section), StatusIs(Code::kNotFound));
  EXPECT_THAT(Trend(w.dashboard, P(kP1), &trend), IsOk());

  // Members of the opted-out partnership see it named; members of the other do not.
  rv1::RegionalOverview as_member;
  ASSERT_THAT(Region(w.viewer.at(kP2), "regions/north", &as_member), IsOk());
  ASSERT_THAT(as_member.partnerships(), SizeIs(2));
  EXPECT_FALSE(as_member.partnerships(1).anonymous());
  EXPECT_EQ(as_member.partnerships(1).partnership_name(), "Partnership wearside");
  EXPECT_THAT(as_member.partnerships(1).counts(), EqualsProto(Counts(9, 8, 7)));
  rv1::RegionalOverview as_neighbour;
  ASSERT_THAT(Region(w.viewer.at(kP1), "regions/north", &as_neighbour), IsOk());
  ASSERT_THAT(as_neighbour.partnerships(), SizeIs(1));
  EXPECT_EQ(as_neighbour.partnerships(0).partnership(), P(kP1));

  // A dashboard of another region does not see this one at all.
  rv1::RegionalOverview elsewhere;
  EXPECT_THAT(Region(w.other_dashboard, "regions/north", &elsewhere), StatusIs(Code::kNotFound));
}

// ---- Report 4: the action tracker ----

TEST_F(ReportingTest, ActionTrackerOfAPartnershipByOwnerAndByStep) {
  const World& w = *world_;
  rv1::ActionTracker tracker;
  ASSERT_THAT(Tracker(w.viewer.at(kP1), P(kP1), &tracker), IsOk());
  EXPECT_EQ(tracker.scope(), P(kP1));
  EXPECT_EQ(tracker.as_of_date(), kAsOf);
  ExpectFresh(tracker.freshness());
  // Twelve actions: eleven open (three overdue), one done.
  EXPECT_THAT(tracker.counts(), EqualsProto(Actions(11, 3, 1)));

  std::map<std::string, rv1::ActionGroup> by_owner;
  for (const auto& group : tracker.by_owner()) by_owner[group.key()] = group;
  ASSERT_THAT(by_owner, SizeIs(3));
  // council owns s1 and s4 of each round; health s2 and s5; police s3 and s6.
  EXPECT_THAT(by_owner[Org(kP1, "council")].counts(), EqualsProto(Actions(4, 1)));
  EXPECT_THAT(by_owner[Org(kP1, "health")].counts(), EqualsProto(Actions(3, 1, 1)));
  EXPECT_THAT(by_owner[Org(kP1, "police")].counts(), EqualsProto(Actions(4, 1)));
  EXPECT_EQ(by_owner[Org(kP1, "council")].label(), "Organisation council");
  EXPECT_THAT(by_owner[Org(kP1, "health")].actions(), SizeIs(3));  // open ones only

  std::map<std::string, rv1::ActionGroup> by_step;
  for (const auto& group : tracker.by_step()) by_step[group.key()] = group;
  ASSERT_THAT(by_step, SizeIs(6));
  EXPECT_THAT(by_step["s1"].counts(), EqualsProto(Actions(2, 1)));
  EXPECT_THAT(by_step["s2"].counts(), EqualsProto(Actions(1, 0, 1)));
  EXPECT_THAT(by_step["s3"].counts(), EqualsProto(Actions(2, 1)));
  EXPECT_THAT(by_step["s4"].counts(), EqualsProto(Actions(2, 0)));
  EXPECT_THAT(by_step["s5"].counts(), EqualsProto(Actions(2, 1)));
  EXPECT_THAT(by_step["s6"].counts(), EqualsProto(Actions(2, 0)));
  EXPECT_FALSE(by_step["s1"].label().empty());
  EXPECT_NE(by_step["s1"].label(), "s1");  // the step's title

  // s1's open actions, oldest due first: the first round's (overdue), then the second's.
  const rv1::ActionGroup& s1 = by_step["s1"];
  ASSERT_THAT(s1.actions(), SizeIs(2));
  EXPECT_EQ(s1.actions(0).action(), w.plan.at(w.p1_first.name())[0].name());
  EXPECT_EQ(s1.actions(0).assessment(), w.p1_first.name());
  EXPECT_EQ(s1.actions(0).due_date(), "2026-01-31");
  EXPECT_TRUE(s1.actions(0).overdue());
  EXPECT_EQ(s1.actions(0).days_overdue(), 150);  // 2026-01-31 to 2026-06-30
  EXPECT_EQ(s1.actions(0).owner_organisation(), Org(kP1, "council"));
  EXPECT_EQ(s1.actions(1).action(), w.plan.at(w.p1_second.name())[0].name());
  EXPECT_FALSE(s1.actions(1).overdue());
  EXPECT_EQ(s1.actions(1).days_overdue(), 0);
  // s4 of the first round is due on the day itself: not overdue.
  for (const rv1::ActionLine& line : by_step["s4"].actions()) {
    EXPECT_FALSE(line.overdue()) << line.action();
  }
}

TEST_F(ReportingTest, ActionTrackerOfTheRegionIsForThoseWhoSeeTheWholeRegion) {
  const World& w = *world_;
  {
    // The dashboard: the partnership that opted out is left out.
    rv1::ActionTracker tracker;
    ASSERT_THAT(Tracker(w.dashboard, "regions/north", &tracker), IsOk());
    EXPECT_THAT(tracker.counts(), EqualsProto(Actions(11, 3, 1)));
    for (const auto& group : tracker.by_owner()) {
      EXPECT_THAT(group.key(), Not(HasSubstr(kP2)));
    }
    EXPECT_THAT(tracker.by_owner(), SizeIs(3));
  }
  for (const std::string* token : {&w.hub_admin}) {
    rv1::ActionTracker tracker;
    ASSERT_THAT(Tracker(*token, "regions/north", &tracker), IsOk());
    EXPECT_EQ(tracker.scope(), "regions/north");
    ExpectFresh(tracker.freshness());
    // 18 actions: 11 + 5 open, 3 + 1 overdue, one done, one cancelled.
    EXPECT_THAT(tracker.counts(), EqualsProto(Actions(16, 4, 1, 1)));
    std::map<std::string, rv1::ActionGroup> by_owner;
    for (const auto& group : tracker.by_owner()) by_owner[group.key()] = group;
    ASSERT_THAT(by_owner, SizeIs(6));
    EXPECT_THAT(by_owner[Org(kP2, "council")].counts(), EqualsProto(Actions(2, 1)));
    EXPECT_THAT(by_owner[Org(kP2, "police")].counts(), EqualsProto(Actions(1, 0, 0, 1)));
    EXPECT_THAT(by_owner[Org(kP1, "health")].counts(), EqualsProto(Actions(3, 1, 1)));
    std::map<std::string, rv1::ActionGroup> by_step;
    for (const auto& group : tracker.by_step()) by_step[group.key()] = group;
    ASSERT_THAT(by_step, SizeIs(6));
    EXPECT_THAT(by_step["s1"].counts(), EqualsProto(Actions(3, 2)));
    EXPECT_THAT(by_step["s6"].counts(), EqualsProto(Actions(2, 0, 0, 1)));
  }
  // A viewer of one partnership sees the region, but not every partnership's actions.
  rv1::ActionTracker denied;
  EXPECT_THAT(Tracker(w.viewer.at(kP1), "regions/north", &denied),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Tracker(w.partnership_admin.at(kP2), "regions/north", &denied),
              StatusIs(Code::kPermissionDenied));
  // Another region's dashboard does not even see it.
  EXPECT_THAT(Tracker(w.other_dashboard, "regions/north", &denied), StatusIs(Code::kNotFound));
}

// ---- Report 5: the annual report section ----

TEST_F(ReportingTest, AnnualReportSectionSummarisesTheRound) {
  const World& w = *world_;
  rv1::AnnualReportSection section;
  ASSERT_THAT(Annual(w.partnership_admin.at(kP1), w.p1_first.name(), &section), IsOk());
  rv1::AssessmentReport report;
  ASSERT_THAT(Report(w.partnership_admin.at(kP1), w.p1_first.name(), &report), IsOk());
  EXPECT_EQ(section.assessment(), w.p1_first.name());
  EXPECT_EQ(section.partnership_name(), "Partnership tyneside");
  ExpectFresh(section.freshness());
  // The built-in framework's source citation (Pearce 2019).
  EXPECT_THAT(section.attribution(),
              HasSubstr("Pearce, J (2019) *Six Steps for Independent Scrutiny"));
  EXPECT_EQ(section.attribution(), report.attribution());
  const std::string& md = section.markdown();
  EXPECT_THAT(md, HasSubstr("Partnership tyneside"));
  EXPECT_THAT(md, HasSubstr("Of 24 questions, 8 were rated Green, 8 Amber and 8 Red"));
  EXPECT_THAT(md, HasSubstr("| Step | Red | Amber | Green | Open actions | Overdue |"));
  // One row per step with its counts; the annual section is not judged "as of" a chosen
  // date, so only the rating columns are checked.
  for (int step = 1; step <= 6; ++step) {
    rv1::RatingCounts c = StepCounts(kP1First, step);
    EXPECT_THAT(
        md, HasSubstr(absl::StrCat("| ", reporting::MarkdownText(Step(report, step).title()), " | ",
                                   c.red(), " | ", c.amber(), " | ", c.green(), " | ")))
        << step;
  }
  // Red questions are listed.
  EXPECT_THAT(md, HasSubstr("- s1.q4: "));
  EXPECT_THAT(md, HasSubstr("- s5.q1: "));
  // The attribution line closes it (as Markdown text: its asterisks escaped).
  EXPECT_TRUE(
      absl::EndsWith(md, absl::StrCat(reporting::MarkdownText(section.attribution()), "\n")))
      << md;
}

// ---- Exports ----

TEST_F(ReportingTest, ExportsTheAssessmentReportInEveryFormat) {
  const World& w = *world_;
  rv1::ExportReportRequest request;
  request.mutable_assessment()->set_assessment(w.p1_first.name());
  request.mutable_assessment()->set_min_sequence(w.head);
  request.mutable_assessment()->set_as_of_date(kAsOf);
  const std::string& token = w.viewer.at(kP1);

  rv1::ExportReportResponse json;
  ASSERT_THAT(Export(token, request, rv1::FORMAT_JSON, &json), IsOk());
  EXPECT_THAT(json.content_type(), HasSubstr("json"));
  EXPECT_TRUE(absl::EndsWith(json.filename(), ".json")) << json.filename();
  rv1::AssessmentReport parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json.content(), &parsed).ok());
  EXPECT_EQ(parsed.assessment(), w.p1_first.name());
  EXPECT_THAT(parsed.counts(), EqualsProto(Counts(8, 8, 8)));
  EXPECT_THAT(parsed.divergent_questions(), ElementsAre("s1.q1", "s2.q2", "s3.q3", "s5.q4"));
  EXPECT_THAT(parsed.actions(), EqualsProto(Actions(5, 2, 1)));
  EXPECT_GE(parsed.freshness().sequence(), w.head);

  rv1::ExportReportResponse csv;
  ASSERT_THAT(Export(token, request, rv1::FORMAT_CSV, &csv), IsOk());
  EXPECT_THAT(csv.content_type(), HasSubstr("text/csv"));
  EXPECT_TRUE(absl::EndsWith(csv.filename(), ".csv")) << csv.filename();
  std::vector<std::vector<std::string>> records = ParseCsv(csv.content());
  ASSERT_THAT(records, SizeIs(25));  // a header and one row per question
  const std::vector<std::string>& header = records[0];
  auto column = [&](const std::string& name) -> size_t {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  ASSERT_LT(column("question_id"), header.size());
  ASSERT_LT(column("consolidated_rating"), header.size());
  for (const std::string& org : kOrgs) {
    EXPECT_LT(column(absl::StrCat("Organisation ", org)), header.size()) << org;
  }
  for (int i = 0; i < 24; ++i) {
    const std::vector<std::string>& row = records[i + 1];
    ASSERT_EQ(row.size(), header.size()) << i;
    EXPECT_EQ(row[column("question_id")], QuestionId(i));
    const char* names[] = {"Red", "Amber", "Green"};
    char letter = kP1First.consolidated[i];
    EXPECT_EQ(row[column("consolidated_rating")], names[letter == 'R'   ? 0
                                                        : letter == 'A' ? 1
                                                                        : 2])
        << QuestionId(i);
    EXPECT_EQ(row[column("Organisation police")],
              names[kP1First.RatingOf("police", i) == 'R'   ? 0
                    : kP1First.RatingOf("police", i) == 'A' ? 1
                                                            : 2])
        << QuestionId(i);
  }

  rv1::ExportReportResponse html;
  ASSERT_THAT(Export(token, request, rv1::FORMAT_HTML, &html), IsOk());
  EXPECT_THAT(html.content_type(), HasSubstr("text/html"));
  EXPECT_THAT(html.content(), HasSubstr("<html"));
  EXPECT_THAT(html.content(), HasSubstr("Partnership tyneside"));
  // The grid shows the letter of every rating, not only its colour.
  for (const char* letter : {"R", "A", "G"}) {
    EXPECT_THAT(html.content(), HasSubstr(absl::StrCat("class=\"letter\">", letter, "<")))
        << letter;
  }

  rv1::ExportReportResponse markdown;
  ASSERT_THAT(Export(token, request, rv1::FORMAT_MARKDOWN, &markdown), IsOk());
  EXPECT_THAT(markdown.content(), HasSubstr("s1.q1"));
  EXPECT_THAT(markdown.content(), HasSubstr("Pearce"));

  rv1::ExportReportResponse xlsx;
  ASSERT_THAT(Export(token, request, rv1::FORMAT_XLSX, &xlsx), IsOk());
  EXPECT_TRUE(absl::EndsWith(xlsx.filename(), ".xlsx")) << xlsx.filename();
  ASSERT_GE(xlsx.content().size(), 4u);
  EXPECT_EQ(xlsx.content().substr(0, 2), "PK");

  rv1::ExportReportResponse text;
  ASSERT_THAT(Export(token, request, rv1::FORMAT_TEXT, &text), IsOk());
  EXPECT_THAT(text.content(), HasSubstr("[G]"));
  EXPECT_THAT(text.content(), HasSubstr("[R]"));

  rv1::ExportReportResponse refused;
  EXPECT_THAT(Export(token, request, rv1::FORMAT_UNSPECIFIED, &refused),
              StatusIs(Code::kInvalidArgument));
}

TEST_F(ReportingTest, ExportsEveryOtherReport) {
  const World& w = *world_;
  std::vector<std::pair<std::string, rv1::ExportReportRequest>> requests(4);
  requests[0].first = "trend";
  requests[0].second.mutable_trend()->set_partnership(P(kP1));
  requests[0].second.mutable_trend()->set_min_sequence(w.head);
  requests[1].first = "region";
  requests[1].second.mutable_region()->set_region("regions/north");
  requests[1].second.mutable_region()->set_as_of_date(kAsOf);
  requests[2].first = "actions";
  requests[2].second.mutable_actions()->set_scope(P(kP1));
  requests[2].second.mutable_actions()->set_as_of_date(kAsOf);
  requests[3].first = "annual";
  requests[3].second.mutable_annual()->set_assessment(w.p1_first.name());
  for (const auto& [what, request] : requests) {
    for (rv1::Format format : {rv1::FORMAT_JSON, rv1::FORMAT_CSV, rv1::FORMAT_HTML,
                               rv1::FORMAT_MARKDOWN, rv1::FORMAT_XLSX, rv1::FORMAT_TEXT}) {
      rv1::ExportReportResponse exported;
      ASSERT_THAT(Export(w.hub_admin, request, format, &exported), IsOk()) << what << " " << format;
      EXPECT_FALSE(exported.content().empty()) << what << " " << format;
      EXPECT_FALSE(exported.filename().empty()) << what << " " << format;
      if (format == rv1::FORMAT_XLSX) {
        EXPECT_EQ(exported.content().substr(0, 2), "PK") << what;
      }
      if (format == rv1::FORMAT_JSON) {
        nlohmann::json parsed = nlohmann::json::parse(exported.content(), nullptr, false);
        EXPECT_FALSE(parsed.is_discarded()) << what;
      }
    }
  }
  // The trend as CSV: one row per question; the tracker: one row per action.
  rv1::ExportReportResponse trend;
  ASSERT_THAT(Export(w.hub_admin, requests[0].second, rv1::FORMAT_CSV, &trend), IsOk());
  EXPECT_THAT(ParseCsv(trend.content()), SizeIs(25));
  rv1::ExportReportResponse region;
  ASSERT_THAT(Export(w.hub_admin, requests[1].second, rv1::FORMAT_CSV, &region), IsOk());
  EXPECT_THAT(ParseCsv(region.content()), SizeIs(3));
}

// ---- Permissions ----

TEST_F(ReportingTest, AViewerOfOnePartnershipCannotReadAnothers) {
  const World& w = *world_;
  const std::string& outsider = w.viewer.at(kP2);
  rv1::AssessmentReport report;
  EXPECT_THAT(Report(outsider, w.p1_first.name(), &report), StatusIs(Code::kNotFound));
  EXPECT_THAT(Report(outsider, w.p1_second.name(), &report), StatusIs(Code::kNotFound));
  rv1::PartnershipTrend trend;
  EXPECT_THAT(Trend(outsider, P(kP1), &trend), StatusIs(Code::kNotFound));
  rv1::ActionTracker tracker;
  EXPECT_THAT(Tracker(outsider, P(kP1), &tracker), StatusIs(Code::kNotFound));
  rv1::AnnualReportSection section;
  EXPECT_THAT(Annual(outsider, w.p1_first.name(), &section), StatusIs(Code::kNotFound));
  rv1::ExportReportRequest request;
  request.mutable_assessment()->set_assessment(w.p1_first.name());
  rv1::ExportReportResponse exported;
  EXPECT_THAT(Export(outsider, request, rv1::FORMAT_CSV, &exported), StatusIs(Code::kNotFound));
  // The same answer as for a round that does not exist: its existence is not confirmed.
  EXPECT_THAT(Report(outsider, "assessments/no-such-round", &report), StatusIs(Code::kNotFound));
  EXPECT_THAT(Trend(outsider, P("no-such-partnership"), &trend), StatusIs(Code::kNotFound));
  // Their own partnership's reports they read.
  EXPECT_THAT(Report(outsider, w.p2_first.name(), &report), IsOk());
  EXPECT_THAT(Trend(outsider, P(kP2), &trend), IsOk());
  // Without a token, nothing.
  EXPECT_THAT(Report("", w.p1_first.name(), &report), StatusIs(Code::kUnauthenticated));
}

// ---- Restarted half-way, the same as never stopped ----

TEST_F(ReportingTest, ARestartedReadModelEndsLikeOneThatNeverStopped) {
  World& w = *world_;
  TestHub& hub = *w.hub;
  // A second read model that consumes the whole feed in one go, with the same account.
  absl::StatusOr<std::string> url = SharedPgCluster().CreateDatabase("reporting_uninterrupted");
  ASSERT_THAT(url, IsOk());
  ASSERT_THAT(db::ApplyMigrations(*url, reporting::ReportingMigrations()), IsOk());
  db::ConnectionPool pool(*url, 4, absl::Seconds(2));
  reporting::ReadModel model(&pool);
  reporting::GrpcUpstream upstream(Dial(hub.identity_target()), Dial(hub.framework_target()),
                                   hub.reporting_api_key());
  reporting::ConsumerOptions options;
  options.directory_refresh = absl::Seconds(2);
  options.standby_poll = absl::Milliseconds(100);
  reporting::FeedConsumer consumer(&model, &upstream, Dial(hub.assessment_target()), *url, options);
  consumer.Start();

  absl::StatusOr<int64_t> head = hub.FeedHead();
  ASSERT_THAT(head, IsOk());
  // Both wait for the head the way a report does.
  reporting::Reports reports(&model, absl::UTCTimeZone());
  auth::Caller caller;
  caller.principal = "users/test";
  caller.grants.push_back({Role::ROLE_HUB_ADMINISTRATOR, "*", "", ""});
  for (const asv1::Assessment* round : {&w.p1_first, &w.p1_second, &w.p2_first}) {
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(round->name());
    request.set_min_sequence(*head);
    request.set_as_of_date(kAsOf);
    absl::StatusOr<rv1::AssessmentReport> whole =
        reports.Assessment(caller, request, absl::Now() + absl::Seconds(30));
    ASSERT_THAT(whole, IsOk());
    rv1::AssessmentReport restarted;
    ASSERT_THAT(Report(w.admin, round->name(), &restarted, *head), IsOk());
    // The same report but for when it was built.
    whole->mutable_freshness()->clear_report_time();
    restarted.mutable_freshness()->clear_report_time();
    EXPECT_THAT(restarted, EqualsProto(*whole)) << round->name();
  }
  consumer.Stop();

  absl::StatusOr<std::map<std::string, TableFingerprint>> restarted =
      Fingerprint(hub.reporting_database_url());
  absl::StatusOr<std::map<std::string, TableFingerprint>> uninterrupted = Fingerprint(*url);
  ASSERT_THAT(restarted, IsOk());
  ASSERT_THAT(uninterrupted, IsOk());
  std::vector<std::string> tables, other_tables;
  for (const auto& [table, fingerprint] : *restarted) tables.push_back(table);
  for (const auto& [table, fingerprint] : *uninterrupted) other_tables.push_back(table);
  ASSERT_EQ(tables, other_tables);
  for (const char* table : {"feed_cursor", "frameworks", "regions", "partnerships", "organisations",
                            "rounds", "respondents", "responses", "consolidations", "actions"}) {
    EXPECT_TRUE(restarted->count(table)) << table;
  }
  for (const std::string& table : tables) {
    const TableFingerprint& a = restarted->at(table);
    const TableFingerprint& b = uninterrupted->at(table);
    if (a == b) continue;
    std::string first_difference;
    for (size_t i = 0; i < std::max(a.rows.size(), b.rows.size()); ++i) {
      std::string x = i < a.rows.size() ? a.rows[i] : "(none)";
      std::string y = i < b.rows.size() ? b.rows[i] : "(none)";
      if (x != y) {
        first_difference = absl::StrCat("row ", i, ":\n  restarted:     ", x.substr(0, 400),
                                        "\n  uninterrupted: ", y.substr(0, 400));
        break;
      }
    }
    ADD_FAILURE() << table << ": " << a.count << " rows, md5 " << a.md5 << " against " << b.count
                  << " rows, md5 " << b.md5 << "\n"
                  << first_difference;
  }
  // The cursor is at the head in both, and the whole story is there.
  EXPECT_EQ(restarted->at("feed_cursor").count, 1);
  EXPECT_EQ(restarted->at("rounds").count, 3);
  EXPECT_EQ(restarted->at("respondents").count, 9);
  EXPECT_EQ(restarted->at("responses").count, 3 * 3 * 24);
  EXPECT_EQ(restarted->at("consolidations").count, 3 * 24);
  EXPECT_EQ(restarted->at("actions").count, 18);
  EXPECT_EQ(restarted->at("organisations").count, 6);
}

// ---- Serving without the assessment service ----

// Reports come from the read model alone: with the assessment service gone they are still
// served, as fresh as the read model is.
TEST(ReportingWithoutAssessmentTest, KeepsServingReportsWhileTheAssessmentServiceIsDown) {
  absl::StatusOr<std::unique_ptr<TestHub>> started = TestHub::Start("reporting_down");
  ASSERT_THAT(started, IsOk());
  TestHub& hub = **started;
  ASSERT_THAT(hub.CreateRegion("east"), IsOk());
  ASSERT_THAT(hub.CreatePartnership("quayside", "east"), IsOk());
  ASSERT_THAT(
      hub.CreateOrganisation("quayside", "council", idv1::ORGANISATION_KIND_LOCAL_AUTHORITY, true),
      IsOk());
  absl::StatusOr<std::string> admin = hub.UserWithRoles(
      "admin@quayside.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, P("quayside"), ""}});
  absl::StatusOr<std::string> la = hub.UserWithRoles(
      "council@quayside.test",
      {{Role::ROLE_PARTNER_RESPONDENT, P("quayside"), Org("quayside", "council")}});
  ASSERT_THAT(admin, IsOk());
  ASSERT_THAT(la, IsOk());
  auto assessments = hub.AssessmentStub();
  absl::StatusOr<asv1::Assessment> created = CreateSelfAssessment(*assessments, *admin, "quayside");
  ASSERT_THAT(created, IsOk());
  asv1::Assessment round = *created;
  asv1::Respondent respondent;
  {
    asv1::AddRespondentRequest request;
    request.set_parent(round.name());
    request.mutable_respondent()->set_organisation(Org("quayside", "council"));
    ASSERT_THAT(Call(*assessments, &AStub::AddRespondent, *admin, request, &respondent), IsOk());
  }
  {
    asv1::UpsertResponseRequest request;
    request.mutable_response()->set_name(absl::StrCat(respondent.name(), "/responses/s1.q1"));
    request.mutable_response()->set_rating(fv1::RATING_RED);
    asv1::Response written;
    ASSERT_THAT(Call(*assessments, &AStub::UpsertResponse, *la, request, &written), IsOk());
  }
  ASSERT_THAT(hub.StartReporting(), IsOk());
  absl::StatusOr<int64_t> head = hub.FeedHead();
  ASSERT_THAT(head, IsOk());
  auto ask = [&](rv1::AssessmentReport* report) {
    grpc::ClientContext context;
    Authorize(context, *admin);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(round.name());
    request.set_min_sequence(*head);
    return hub.ReportingStub()->GetAssessmentReport(&context, request, report);
  };
  rv1::AssessmentReport before;
  ASSERT_THAT(ask(&before), IsOk());
  EXPECT_EQ(before.state(), "STATE_DRAFT");
  EXPECT_EQ(Question(before, "s1.q1").respondent_ratings(0).rating(), fv1::RATING_RED);
  EXPECT_EQ(before.completeness_percent(), 0);
  EXPECT_THAT(before.counts(), EqualsProto(Counts(0, 0, 0, 24)));

  hub.StopAssessment();
  {
    grpc::ClientContext context;
    Authorize(context, *admin);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    asv1::GetAssessmentRequest request;
    request.set_name(round.name());
    asv1::Assessment ignored;
    ASSERT_FALSE(assessments->GetAssessment(&context, request, &ignored).ok());
  }
  rv1::AssessmentReport after;
  ASSERT_THAT(ask(&after), IsOk());
  after.mutable_freshness()->clear_report_time();
  before.mutable_freshness()->clear_report_time();
  EXPECT_THAT(after, EqualsProto(before));
  {
    grpc::ClientContext context;
    Authorize(context, *admin);
    rv1::ExportReportRequest request;
    request.mutable_assessment()->set_assessment(round.name());
    request.set_format(rv1::FORMAT_CSV);
    rv1::ExportReportResponse exported;
    EXPECT_THAT(hub.ReportingStub()->ExportReport(&context, request, &exported), IsOk());
    EXPECT_THAT(ParseCsv(exported.content()), SizeIs(25));
  }
}

// ---- min_sequence (issue #13, findings 9 and 13) ----

// The attack: any signed-in principal asked for a report it may not see (or that does not
// exist) at min_sequence=9e18 and held a worker for 30 s before a 504. Now what the caller
// may see is decided first (NOT_FOUND at once), a position beyond every change is
// OUT_OF_RANGE at once, only max_waiters calls wait at once, and the 504 names no feed
// position. Over gRPC and over HTTP.
TEST(ReportingMinSequenceTest, VisibilityComesFirstAndWaitsAreBounded) {
  absl::StatusOr<std::unique_ptr<TestHub>> started = TestHub::Start("reporting_min_sequence");
  ASSERT_THAT(started, IsOk());
  TestHub& hub = **started;
  hub.set_reporting_max_waiters(2);
  ASSERT_THAT(hub.CreateRegion("east"), IsOk());
  ASSERT_THAT(hub.CreatePartnership("quayside", "east"), IsOk());
  ASSERT_THAT(hub.CreatePartnership("harbour", "east"), IsOk());
  absl::StatusOr<std::string> admin = hub.UserWithRoles(
      "admin@quayside.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, P("quayside"), ""}});
  absl::StatusOr<std::string> outsider = hub.UserWithRoles(
      "admin@harbour.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, P("harbour"), ""}});
  ASSERT_THAT(admin, IsOk());
  ASSERT_THAT(outsider, IsOk());
  auto assessments = hub.AssessmentStub();
  absl::StatusOr<asv1::Assessment> round = CreateSelfAssessment(*assessments, *admin, "quayside");
  ASSERT_THAT(round, IsOk());
  ASSERT_THAT(hub.StartReporting(), IsOk());
  absl::StatusOr<int64_t> head = hub.FeedHead();
  ASSERT_THAT(head, IsOk());
  auto ask = [&](const std::string& token, const std::string& assessment, int64_t min_sequence) {
    grpc::ClientContext context;
    Authorize(context, token);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(assessment);
    request.set_min_sequence(min_sequence);
    rv1::AssessmentReport report;
    return hub.ReportingStub()->GetAssessmentReport(&context, request, &report);
  };
  ASSERT_THAT(ask(*admin, round->name(), *head), IsOk());

  constexpr int64_t kFarBeyond = 9'000'000'000'000'000'000;
  EXPECT_THAT(ask(*admin, "assessments/a-doesnotexist", kFarBeyond), StatusIs(Code::kNotFound));
  EXPECT_THAT(ask(*outsider, round->name(), kFarBeyond), StatusIs(Code::kNotFound));
  EXPECT_THAT(ask(*admin, round->name(), kFarBeyond), StatusIs(Code::kOutOfRange, "min_sequence"));

  // The same reports over HTTP, each waiting at most 2 s.
  reporting::HttpEndpoint endpoint(
      hub.token_verifier(),
      [&hub](const auth::Caller& caller,
             const rv1::ExportReportRequest& request) -> absl::StatusOr<reporting::Rendered> {
        SIXSTEPS_ASSIGN_OR_RETURN(
            reporting::Reports::Export exported,
            hub.reports()->Render(caller, request, absl::Now() + absl::Seconds(2)));
        return reporting::Rendered{exported.content, exported.content_type, exported.filename};
      });
  ASSERT_THAT(endpoint.Start("127.0.0.1", 0), IsOk());
  httplib::Client client("127.0.0.1", endpoint.port());
  client.set_read_timeout(std::chrono::seconds(60));
  auto http_get = [&](const std::string& token, const std::string& path) {
    return client.Get(path.c_str(), httplib::Headers{{"Authorization", "Bearer " + token}});
  };
  const std::string round_path = absl::StrCat("/v1/", round->name(), "/report?min_sequence=");
  auto missing =
      http_get(*admin, "/v1/assessments/a-doesnotexist/report?min_sequence=9000000000000000000");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  auto hidden = http_get(*outsider, absl::StrCat(round_path, kFarBeyond));
  ASSERT_TRUE(hidden);
  EXPECT_EQ(hidden->status, 404);
  auto beyond = http_get(*admin, absl::StrCat(round_path, kFarBeyond));
  ASSERT_TRUE(beyond);
  EXPECT_EQ(beyond->status, 400);
  EXPECT_THAT(beyond->body, HasSubstr("min_sequence"));

  // A position the feed has reached but the read model has not (its consumer stopped):
  // callers wait, at most two at once.
  hub.feed_consumer()->Stop();
  {
    asv1::UpdateAssessmentRequest update;
    *update.mutable_assessment() = *round;
    update.mutable_assessment()->set_title("Renamed while reporting is paused");
    update.mutable_update_mask()->add_paths("title");
    asv1::Assessment renamed;
    ASSERT_THAT(Call(*assessments, &AStub::UpdateAssessment, *admin, update, &renamed), IsOk());
  }
  absl::StatusOr<int64_t> moved = hub.FeedHead();
  ASSERT_THAT(moved, IsOk());
  ASSERT_GT(*moved, *head);
  absl::StatusOr<auth::Caller> caller = hub.token_verifier()->Verify(*admin, absl::Now());
  ASSERT_THAT(caller, IsOk());
  std::vector<absl::Status> results(3);
  std::vector<std::thread> waiters;
  for (absl::Status& result : results) {
    waiters.emplace_back([&, &result = result] {
      rv1::GetAssessmentReportRequest request;
      request.set_assessment(round->name());
      request.set_min_sequence(*moved);
      result = hub.reports()->Assessment(*caller, request, absl::Now() + absl::Seconds(4)).status();
    });
  }
  for (std::thread& t : waiters) t.join();
  auto count = [&](absl::StatusCode code) {
    return std::count_if(results.begin(), results.end(),
                         [code](const absl::Status& s) { return s.code() == code; });
  };
  EXPECT_EQ(count(Code::kDeadlineExceeded), 2);
  EXPECT_EQ(count(Code::kResourceExhausted), 1);
  // The 504 says the report is behind, not where the deployment's feed is.
  auto behind = http_get(*admin, absl::StrCat(round_path, *moved));
  ASSERT_TRUE(behind);
  EXPECT_EQ(behind->status, 504);
  const std::string message =
      nlohmann::json::parse(behind->body, nullptr, false).value("/error/message"_json_pointer, "");
  EXPECT_THAT(message, HasSubstr("not yet up to date"));
  EXPECT_TRUE(std::none_of(message.begin(), message.end(), [](unsigned char c) {
    return std::isdigit(c);
  })) << message;
  endpoint.Stop();
}

// ---- A burst of writes while the consumer follows the feed ----

// Hundreds of changes made as fast as the assessment service takes them, while the
// consumer follows the live feed (applying several at a time in one transaction, and
// leaving the stream every two seconds): the read model ends at the head with every
// response as last written — none lost, none out of order.
// A respondent removed from a round (one that had answered nothing) leaves the read model
// too: the feed says so.
TEST(ReportingRespondentsTest, ARemovedRespondentLeavesTheReadModel) {
  absl::StatusOr<std::unique_ptr<TestHub>> started = TestHub::Start("reporting_removed");
  ASSERT_THAT(started, IsOk());
  TestHub& hub = **started;
  auto id_of = [](const std::string& name) { return name.substr(name.rfind('/') + 1); };
  ASSERT_THAT(hub.CreateRegion("west"), IsOk());
  ASSERT_THAT(hub.CreatePartnership("harbour", "west"), IsOk());
  for (const char* org : {"council", "police"}) {
    ASSERT_THAT(
        hub.CreateOrganisation("harbour", org, idv1::ORGANISATION_KIND_LOCAL_AUTHORITY, true),
        IsOk());
  }
  absl::StatusOr<std::string> admin = hub.UserWithRoles(
      "admin@harbour.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, P("harbour"), ""}});
  ASSERT_THAT(admin, IsOk());
  auto assessments = hub.AssessmentStub();
  absl::StatusOr<asv1::Assessment> round = CreateSelfAssessment(*assessments, *admin, "harbour");
  ASSERT_THAT(round, IsOk());
  std::vector<asv1::Respondent> respondents;
  for (const char* org : {"council", "police"}) {
    asv1::AddRespondentRequest request;
    request.set_parent(round->name());
    request.mutable_respondent()->set_organisation(Org("harbour", org));
    ASSERT_THAT(
        Call(*assessments, &AStub::AddRespondent, *admin, request, &respondents.emplace_back()),
        IsOk());
  }
  ASSERT_THAT(hub.StartReporting(), IsOk());
  auto read_model_respondents = [&] {
    std::vector<std::string> ids;
    pqxx::connection connection(hub.reporting_database_url());
    pqxx::work txn(connection);
    for (const pqxx::row& row :
         txn.exec_params("SELECT respondent_id FROM respondents WHERE assessment_id = $1 "
                         "ORDER BY respondent_id",
                         id_of(round->name()))) {
      ids.push_back(row[0].as<std::string>());
    }
    return ids;
  };
  auto report_at_head = [&] {
    absl::StatusOr<int64_t> head = hub.FeedHead();
    ASSERT_THAT(head, IsOk());
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", *admin));
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(round->name());
    request.set_min_sequence(*head);
    rv1::AssessmentReport report;
    ASSERT_THAT(hub.ReportingStub()->GetAssessmentReport(&context, request, &report), IsOk());
  };
  report_at_head();
  EXPECT_THAT(read_model_respondents(), SizeIs(2));

  asv1::DeleteRespondentRequest remove;
  remove.set_name(respondents[1].name());
  google::protobuf::Empty empty;
  ASSERT_THAT(Call(*assessments, &AStub::DeleteRespondent, *admin, remove, &empty), IsOk());
  report_at_head();
  EXPECT_THAT(read_model_respondents(), ElementsAre(id_of(respondents[0].name())));
}

TEST(ReportingBurstTest, AppliesABurstOfWritesExactlyAsLastWritten) {
  absl::StatusOr<std::unique_ptr<TestHub>> started = TestHub::Start("reporting_burst");
  ASSERT_THAT(started, IsOk());
  TestHub& hub = **started;
  ASSERT_THAT(hub.CreateRegion("west"), IsOk());
  ASSERT_THAT(hub.CreatePartnership("riverside", "west"), IsOk());
  const std::vector<std::pair<std::string, idv1::OrganisationKind>> orgs = {
      {"council", idv1::ORGANISATION_KIND_LOCAL_AUTHORITY},
      {"health", idv1::ORGANISATION_KIND_HEALTH},
      {"police", idv1::ORGANISATION_KIND_POLICE}};
  for (const auto& [org, kind] : orgs) {
    ASSERT_THAT(hub.CreateOrganisation("riverside", org, kind, true), IsOk());
  }
  absl::StatusOr<std::string> admin = hub.UserWithRoles(
      "admin@riverside.test", {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, P("riverside"), ""}});
  ASSERT_THAT(admin, IsOk());
  auto assessments = hub.AssessmentStub();
  absl::StatusOr<asv1::Assessment> created =
      CreateSelfAssessment(*assessments, *admin, "riverside");
  ASSERT_THAT(created, IsOk());
  asv1::Assessment round = *created;
  std::vector<std::string> respondents, tokens;
  for (const auto& [org, kind] : orgs) {
    absl::StatusOr<std::string> token =
        hub.UserWithRoles(absl::StrCat(org, "@riverside.test"),
                          {{Role::ROLE_PARTNER_RESPONDENT, P("riverside"), Org("riverside", org)}});
    ASSERT_THAT(token, IsOk());
    tokens.push_back(*token);
    asv1::AddRespondentRequest request;
    request.set_parent(round.name());
    request.mutable_respondent()->set_organisation(Org("riverside", org));
    asv1::Respondent respondent;
    ASSERT_THAT(Call(*assessments, &AStub::AddRespondent, *admin, request, &respondent), IsOk());
    respondents.push_back(respondent.name());
  }

  // Following the live feed before the burst begins.
  ASSERT_THAT(hub.StartReporting(), IsOk());
  for (absl::Time give_up = absl::Now() + absl::Seconds(60);
       !hub.feed_consumer()->is_caught_up() && absl::Now() < give_up;) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_TRUE(hub.feed_consumer()->is_caught_up());

  // Pass p rates question i of organisation o "RAG"[(p + o + i) % 3], so each pass
  // changes every answer; the commentary names the pass.
  auto response = [&](int pass, int o, int i, const std::string& etag) {
    char letter = "RAG"[(pass + o + i) % 3];
    asv1::Response r;
    r.set_name(absl::StrCat(respondents[o], "/responses/", QuestionId(i)));
    r.set_rating(Rate(letter));
    r.set_commentary(absl::StrCat("pass ", pass));
    if (letter != 'R') r.add_evidence()->set_description(absl::StrCat("audit, pass ", pass));
    if (letter == 'A') r.set_remaining_work("Embed the new process");
    r.set_etag(etag);
    return r;
  };
  std::map<std::string, std::string> etag;  // by response name
  constexpr int kBatchedPasses = 4;
  for (int pass = 0; pass < kBatchedPasses; ++pass) {
    for (int o = 0; o < static_cast<int>(orgs.size()); ++o) {
      asv1::BatchUpsertResponsesRequest batch;
      batch.set_parent(round.name());
      for (int i = 0; i < 24; ++i) {
        std::string name = absl::StrCat(respondents[o], "/responses/", QuestionId(i));
        *batch.add_requests()->mutable_response() = response(pass, o, i, etag[name]);
      }
      asv1::BatchUpsertResponsesResponse written;
      ASSERT_THAT(Call(*assessments, &AStub::BatchUpsertResponses, tokens[o], batch, &written),
                  IsOk());
      for (const asv1::Response& r : written.responses()) etag[r.name()] = r.etag();
    }
  }
  // A last pass of the first organisation's answers one call at a time.
  for (int i = 0; i < 24; ++i) {
    asv1::UpsertResponseRequest request;
    std::string name = absl::StrCat(respondents[0], "/responses/", QuestionId(i));
    *request.mutable_response() = response(kBatchedPasses, 0, i, etag[name]);
    asv1::Response written;
    ASSERT_THAT(Call(*assessments, &AStub::UpsertResponse, tokens[0], request, &written), IsOk());
    etag[written.name()] = written.etag();
  }
  auto last_pass = [&](int o) { return o == 0 ? kBatchedPasses : kBatchedPasses - 1; };

  absl::StatusOr<int64_t> head = hub.FeedHead();
  ASSERT_THAT(head, IsOk());
  rv1::AssessmentReport report;
  {
    grpc::ClientContext context;
    Authorize(context, *admin);
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(round.name());
    request.set_min_sequence(*head);
    ASSERT_THAT(hub.ReportingStub()->GetAssessmentReport(&context, request, &report), IsOk());
  }
  // Nothing written after the head, so the read model stops exactly there.
  EXPECT_EQ(report.freshness().sequence(), *head);
  for (int i = 0; i < 24; ++i) {
    const rv1::QuestionRow& q = Question(report, QuestionId(i));
    ASSERT_THAT(q.respondent_ratings(), SizeIs(orgs.size())) << q.question_id();
    std::map<std::string, fv1::Rating> by_label;
    for (const rv1::RespondentRating& r : q.respondent_ratings()) by_label[r.label()] = r.rating();
    for (int o = 0; o < static_cast<int>(orgs.size()); ++o) {
      EXPECT_EQ(by_label[absl::StrCat("Organisation ", orgs[o].first)],
                Rate("RAG"[(last_pass(o) + o + i) % 3]))
          << q.question_id() << " " << orgs[o].first;
    }
  }

  // Every stored response is its last version, each exactly once.
  try {
    pqxx::connection connection(hub.reporting_database_url());
    pqxx::read_transaction txn(connection);
    EXPECT_EQ(txn.exec("SELECT sequence FROM feed_cursor WHERE id = 1")[0][0].as<int64_t>(), *head);
    pqxx::result rows = txn.exec("SELECT record FROM responses");
    EXPECT_EQ(rows.size(), orgs.size() * 24);
    std::set<std::string> seen;
    for (const pqxx::row& row : rows) {
      asv1::Response stored;
      ASSERT_TRUE(stored.ParseFromString(pqxx::binarystring(row[0]).str()));
      EXPECT_TRUE(seen.insert(stored.name()).second) << stored.name();
      int o = std::find(respondents.begin(), respondents.end(),
                        stored.name().substr(0, stored.name().rfind("/responses/"))) -
              respondents.begin();
      ASSERT_LT(o, static_cast<int>(orgs.size())) << stored.name();
      EXPECT_EQ(stored.commentary(), absl::StrCat("pass ", last_pass(o))) << stored.name();
      EXPECT_EQ(stored.etag(), etag[stored.name()]) << stored.name();
    }
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
}

}  // namespace
}  // namespace sixsteps::testing
