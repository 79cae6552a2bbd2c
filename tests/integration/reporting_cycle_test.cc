// The reporting service follows the scrutiny cycle through the feed (issue 15, H4): planned
// rounds, published versions of the scrutineer's report, accepted recommendations and their
// actions, annual report drafts and context answers reach the read model; the scrutineer's
// report is a report (gRPC, and PDF/DOCX read back by pdftotext and python-docx); the annual
// report section tells the year of scrutiny; a record the read model refuses is
// quarantined, and the consumer goes on.
#include <google/protobuf/util/time_util.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include <pqxx/pqxx>

#include "services/base/names.h"
#include "services/reporting/render_escape.h"
#include "tests/integration/scrutiny_report_fixture.h"
#include "tests/support/collapse.h"
#include "tests/support/paths.h"
#include "tests/support/shell.h"

namespace sixsteps::testing::assessment_test {
namespace {

namespace rv1 = ::sixsteps::reporting::v1;
using RStub = rv1::ReportingService::Stub;
using ::testing::Contains;

// Runs a reader on `bytes` saved to a file; its standard output, whitespace collapsed so that
// wrapped lines read as one text.
std::string ReadBack(const std::string& bytes, const std::string& name, const std::string& command,
                     const std::string& after = "") {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  std::ofstream(path, std::ios::binary) << bytes;
  const std::string out = Shell(absl::StrCat(command, " ", path, after));
  std::filesystem::remove(path);
  return Collapse(out);
}

class ReportingCycleTest : public ScrutinyReportTest {
 protected:
  void SetUp() override {
    ScrutinyReportTest::SetUp();
    ASSERT_THAT(hub_->StartReporting(), IsOk());
    reporting_ = hub_->ReportingStub();
  }

  template <typename Request, typename Response>
  grpc::Status R(Rpc<RStub, Request, Response> method, const std::string& token, Request request,
                 Response* response) {
    request.set_min_sequence(FeedHead());
    return Invoke(reporting_.get(), method, token, request, response);
  }

  grpc::Status Scrutineer(const std::string& token, rv1::ScrutineerReport* report,
                          int version = 0) {
    rv1::GetScrutineerReportRequest request;
    request.set_assessment(round_.name());
    request.set_version(version);
    request.set_as_of_date("2026-12-31");
    return R(&RStub::GetScrutineerReport, token, request, report);
  }

  rv1::ExportReportResponse Export(rv1::ExportReportRequest request, rv1::Format format) {
    request.set_format(format);
    rv1::ExportReportResponse out;
    grpc::ClientContext context;
    Authorize(context, respondent_[kPolice]);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    EXPECT_THAT(reporting_->ExportReport(&context, request, &out), IsOk());
    return out;
  }

  // The report published after the police disputed and the lead did not uphold it, its
  // recommendation accepted as two actions (one overdue on 2026-12-31).
  av1::ScrutinyReport PublishDisputed(std::optional<av1::ScrutinyReport> shared = std::nullopt) {
    av1::ScrutinyReport answered = shared ? *shared : SharedReport();
    EXPECT_THAT(AnswerAs(respondent_[kLa], kLa, av1::PartnerAnswer::VERDICT_ACCEPT_WITH_COMMENT,
                         "Accurate; the plan is now signed", &answered),
                IsOk());
    EXPECT_THAT(AnswerAs(respondent_[kPolice], kPolice, av1::PartnerAnswer::VERDICT_DISPUTE,
                         "The audit finished in February", &answered),
                IsOk());
    av1::ScrutinyReport published;
    EXPECT_THAT(Publish(Resolve(kPolice), &published), IsOk());
    MustS(&SStub::AcceptRecommendation, admin_,
          AcceptAsPoliceActions(absl::StrCat(round_.name(), "/scrutinyReport/recommendations/",
                                             published.recommendations(0).id()),
                                {"2026-06-30", "2027-09-30"}));
    return published;
  }

  std::unique_ptr<RStub> reporting_;
};

TEST_F(ReportingCycleTest, TheScrutineersReportIsAReportOnlyOncePublished) {
  av1::ScrutinyReport shared = SharedReport();
  // Shared is not published: nobody reads it as a report, whatever their role.
  rv1::ScrutineerReport report;
  for (const std::string& token : {respondent_[kPolice], admin_, scrutineer_}) {
    EXPECT_THAT(Scrutineer(token, &report), StatusIs(Code::kNotFound));
  }
  PublishDisputed(shared);
  ASSERT_THAT(Scrutineer(respondent_[kPolice], &report), IsOk());
  EXPECT_EQ(report.report().version(), 1);
  EXPECT_EQ(report.report().state(), av1::ScrutinyReport::STATE_PUBLISHED);
  EXPECT_EQ(report.round_title(), round_.title());
  ASSERT_EQ(report.findings_size(), 1);
  EXPECT_THAT(report.findings(0).rests_on(), Contains(::testing::StartsWith("s1.q2 ")));
  ASSERT_EQ(report.recommendations_size(), 1);
  const rv1::RecommendationProgress& rec = report.recommendations(0);
  EXPECT_TRUE(rec.accepted());
  EXPECT_EQ(rec.actions().open(), 2);
  EXPECT_EQ(rec.actions().overdue(), 1);
  EXPECT_THAT(rec.findings(), ElementsAre("Audit is late"));
  ASSERT_EQ(report.report().answers_size(), 2);
  EXPECT_EQ(report.report().answers(1).resolution().outcome(),
            av1::DisputeResolution::OUTCOME_NOT_UPHELD);
  EXPECT_EQ(report.versions_size(), 1);

  // Another tenant: as if it did not exist. A version never published: NOT_FOUND.
  EXPECT_THAT(Scrutineer(outsider_, &report), StatusIs(Code::kNotFound));
  EXPECT_THAT(Scrutineer(respondent_[kPolice], &report, 2), StatusIs(Code::kNotFound));
  EXPECT_THAT(Scrutineer(respondent_[kPolice], &report, -1), StatusIs(Code::kInvalidArgument));

  // A correction, once published, is version 2 with its change note; version 1 stays.
  av1::CorrectScrutinyReportRequest correct;
  correct.set_parent(round_.name());
  correct.set_change_note("The audit's date was wrong");
  av1::ScrutinyReport v2 = MustS(&SStub::CorrectScrutinyReport, scrutineer_, correct);
  av1::ScrutinyReport v2_shared = Share(v2);
  av1::ScrutinyReport v2_answered;
  ASSERT_THAT(AnswerAs(respondent_[kLa], kLa, av1::PartnerAnswer::VERDICT_ACCEPT, "", &v2_answered),
              IsOk());
  ASSERT_THAT(
      AnswerAs(respondent_[kPolice], kPolice, av1::PartnerAnswer::VERDICT_ACCEPT, "", &v2_answered),
      IsOk());
  av1::ScrutinyReport v2_published;
  ASSERT_THAT(Publish(v2_answered, &v2_published), IsOk());
  (void)v2_shared;
  ASSERT_THAT(Scrutineer(respondent_[kPolice], &report), IsOk());
  EXPECT_EQ(report.report().version(), 2);
  ASSERT_EQ(report.versions_size(), 2);
  EXPECT_EQ(report.versions(1).change_note(), "The audit's date was wrong");
  ASSERT_THAT(Scrutineer(respondent_[kPolice], &report, 1), IsOk());
  EXPECT_EQ(report.report().version(), 1);
  EXPECT_EQ(report.report().answers(1).comment(), "The audit finished in February");

  // The action tracker names the recommendation each action answers.
  rv1::GetActionTrackerRequest tracker_request;
  tracker_request.set_scope(kPartnership);
  tracker_request.set_as_of_date("2026-12-31");
  rv1::ActionTracker tracker;
  ASSERT_THAT(R(&RStub::GetActionTracker, admin_, tracker_request, &tracker), IsOk());
  std::vector<std::string> answered;
  for (const auto& group : tracker.by_owner()) {
    for (const auto& line : group.actions()) answered.push_back(line.recommendation_text());
  }
  EXPECT_THAT(answered, ElementsAre("Finish the section 11 audit", "Finish the section 11 audit"));
}

TEST_F(ReportingCycleTest, TheScrutineersReportExportsAsPdfAndDocx) {
  PublishDisputed();
  rv1::ExportReportRequest request;
  request.mutable_scrutineer()->set_assessment(round_.name());
  request.mutable_scrutineer()->set_as_of_date("2026-12-31");
  request.mutable_scrutineer()->set_min_sequence(FeedHead());
  rv1::ExportReportResponse pdf = Export(request, rv1::FORMAT_PDF);
  EXPECT_EQ(pdf.content_type(), "application/pdf");
  EXPECT_EQ(pdf.filename(),
            absl::StrCat("scrutineer-report-", LastSegment(round_.name()), "-v1.pdf"));
  const std::string text =
      ReadBack(pdf.content(), "scrutineer.pdf", "pdftotext -raw -enc UTF-8", " -");
  for (const char* expected :
       {"The scrutineer's report", "Leadership is shared; the police's audit is late.",
        "Concern: Audit is late", "Board minutes, March", "Finish the section 11 audit",
        "Accepted with comment", "Accurate; the plan is now signed", "Disputed",
        "The audit finished in February", "Not upheld",
        "The minutes of 12 March show the audit was late", "Version history", "Pearce"}) {
    EXPECT_THAT(text, HasSubstr(expected)) << text;
  }
  rv1::ExportReportResponse docx = Export(request, rv1::FORMAT_DOCX);
  EXPECT_EQ(docx.content_type(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  const std::string lines = ReadBack(
      docx.content(), "scrutineer.docx",
      absl::StrCat("/usr/bin/python3 ", SourceDir().string(), "/tests/tools/read_docx.py"));
  for (const char* expected : {"P Heading 1|Findings", "Concern: Audit is late",
                               "Finish the section 11 audit", "Not upheld"}) {
    EXPECT_THAT(lines, HasSubstr(expected)) << lines;
  }
  // Every format is a writer over the same document: the CSV holds its tables too.
  request.set_format(rv1::FORMAT_CSV);
  rv1::ExportReportResponse csv;
  grpc::ClientContext context;
  Authorize(context, respondent_[kPolice]);
  ASSERT_THAT(reporting_->ExportReport(&context, request, &csv), IsOk());
  EXPECT_THAT(csv.content(), HasSubstr("Finish the section 11 audit"));
}

TEST_F(ReportingCycleTest, TheAnnualSectionTellsTheYearOfScrutiny) {
  // The year before: a finalised round, all Red, with its action plan.
  av1::Assessment before = ReadyRound(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, fv1::RATING_RED,
                                      /*plan=*/true, {}, "2024 round");
  MustFinalise(before);
  // This year: the report published, then the round answered, consolidated and finalised.
  PublishDisputed();
  av1::ContextAnswer written;
  ASSERT_THAT(SetContext(admin_, round_, "c1",
                         "The three partners jointly; she reports to the <b>board</b> twice a "
                         "year",
                         "", &written),
              IsOk());
  av1::ListRespondentsRequest list;
  list.set_parent(round_.name());
  const av1::ListRespondentsResponse respondents = Must(&AStub::ListRespondents, admin_, list);
  for (const auto& respondent : respondents.respondents()) {
    // The organisations and the scrutineer (a respondent of the round too).
    const std::string& token = respondent.organisation().empty()
                                   ? scrutineer_
                                   : respondent_[LastSegment(respondent.organisation())];
    AnswerAll(token, round_, respondent, fv1::RATING_GREEN);
  }
  round_ = MustSubmit(round_);
  ConsolidateAll(round_, fv1::RATING_GREEN);
  PlanAll(round_);
  MustFinalise(round_);
  av1::AttachAnnualReportDraftRequest attach;
  attach.set_partnership(kPartnership);
  attach.mutable_draft()->set_title("Annual report 2025-26, draft 1");
  attach.mutable_draft()->set_year("2025-26");
  attach.mutable_draft()->set_link("https://example.org/annual-draft-1.docx");
  MustS(&SStub::AttachAnnualReportDraft, admin_, attach);

  rv1::GetAnnualReportSectionRequest request;
  request.set_assessment(round_.name());
  rv1::AnnualReportSection section;
  ASSERT_THAT(R(&RStub::GetAnnualReportSection, respondent_[kLa], request, &section), IsOk());
  const std::string& md = section.markdown();
  for (const char* expected :
       {"### What was scrutinised", "2024 round", "### Ratings per step and their change",
        "better (+4 Green)", "### Main findings and recommendations", "**Concern:** Audit is late",
        "Recommendation: Finish the section 11 audit (accepted; actions: 0 done, 2 open",
        "### Progress on the previous year's actions",
        "Of the actions of the year before: 0 done, 6 open", "### How scrutiny is arranged",
        "Who employs the independent scrutineer",
        "reports to the &lt;b&gt;board&lt;/b&gt; twice a year",
        "Drafts of the annual report shared with the scrutineer: 1",
        "### The scrutineer's statement", "Leadership is shared; the police's audit is late."}) {
    EXPECT_THAT(md, HasSubstr(expected)) << md;
  }
  // The attribution stays last.
  EXPECT_THAT(
      md, ::testing::EndsWith(absl::StrCat(reporting::MarkdownText(section.attribution()), "\n")));
  ASSERT_EQ(section.cycle().ratings_over_years().rounds_size(), 2);
  EXPECT_EQ(section.cycle().overdue_by_partner().dates_size(), 4);

  // Its PDF carries the charts.
  rv1::ExportReportRequest export_request;
  *export_request.mutable_annual() = request;
  export_request.mutable_annual()->set_min_sequence(FeedHead());
  rv1::ExportReportResponse pdf = Export(export_request, rv1::FORMAT_PDF);
  const std::string text = ReadBack(pdf.content(), "annual.pdf", "pdftotext -raw -enc UTF-8", " -");
  EXPECT_THAT(text, HasSubstr("Each step's ratings across the years"));
  EXPECT_THAT(text, HasSubstr("Overdue actions per partner at each quarter end"));
  std::ofstream((BuildDir() / "tests" / "artifacts" / "ReportingCycleTest-annual.pdf").string(),
                std::ios::binary)
      << pdf.content();
}

TEST_F(ReportingCycleTest, TheReadModelKeepsTheNewRecordsAndQuarantinesARefusedOne) {
  PublishDisputed();
  av1::ContextAnswer written;
  ASSERT_THAT(SetContext(admin_, round_, "c5", "Reported to the board", "", &written), IsOk());
  // A planned round whose opening is no date: refused by the read model, set aside.
  av1::Change poison;
  poison.set_kind(av1::CHANGE_KIND_PLANNED_ROUND_CREATED);
  poison.set_partnership(kPartnership);
  poison.set_region(absl::StrCat("regions/", kRegion));
  *poison.mutable_time() = google::protobuf::util::TimeUtil::GetCurrentTime();
  poison.mutable_planned_round()->set_name("plannedRounds/poison");
  poison.mutable_planned_round()->set_partnership(kPartnership);
  poison.mutable_planned_round()->set_open_date("not-a-date");
  int64_t refused = 0;
  {
    pqxx::connection connection(hub_->assessment_database_url());
    pqxx::work txn(connection);
    refused = txn.exec("UPDATE feed_counter SET last = last + 1 WHERE id = 1 RETURNING last")[0][0]
                  .as<int64_t>();
    poison.set_sequence(refused);
    txn.exec_params(
        "INSERT INTO changes (sequence, partnership_id, region_id, record) VALUES ($1, $2, $3, $4)",
        refused, kPartnershipId, kRegion, pqxx::binarystring(poison.SerializeAsString()));
    txn.commit();
  }
  // A planned round, through the programme.
  av1::CreatePlannedRoundRequest plan;
  av1::PlannedRound* planned = plan.mutable_planned_round();
  planned->set_partnership(kPartnership);
  planned->set_kind(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY);
  planned->set_framework_version(kBuiltIn);
  planned->set_cadence(av1::PlannedRound::CADENCE_ANNUAL);
  planned->set_title("Scrutiny 2030");
  planned->set_period_start("2029-04-01");
  planned->set_period_end("2030-03-31");
  planned->set_open_date("2030-04-01");
  planned->set_response_deadline("2030-05-01");
  planned->set_report_due_date("2030-06-30");
  planned->add_standing_respondents()->set_organisation(Org(kLa));
  av1::PlannedRound created;
  ASSERT_THAT(Invoke(hub_->ProgrammeStub().get(), &av1::ProgrammeService::Stub::CreatePlannedRound,
                     admin_, plan, &created),
              IsOk());
  av1::AttachAnnualReportDraftRequest attach;
  attach.set_partnership(kPartnership);
  attach.mutable_draft()->set_title("Draft 1");
  attach.mutable_draft()->set_year("2025-26");
  attach.mutable_draft()->set_text("Our year");
  MustS(&SStub::AttachAnnualReportDraft, admin_, attach);

  rv1::ScrutineerReport report;  // waits for the feed head
  ASSERT_THAT(Scrutineer(admin_, &report), IsOk());
  pqxx::connection connection(hub_->reporting_database_url());
  pqxx::work txn(connection);
  EXPECT_EQ(txn.exec("SELECT count(*) FROM scrutiny_reports WHERE state = 'STATE_PUBLISHED'")[0][0]
                .as<int>(),
            1);
  EXPECT_EQ(txn.exec("SELECT context_question_id FROM context_answers")[0][0].as<std::string>(),
            "c5");
  EXPECT_EQ(txn.exec("SELECT year FROM annual_report_drafts")[0][0].as<std::string>(), "2025-26");
  pqxx::result quarantined = txn.exec("SELECT sequence, kind, error FROM feed_quarantine");
  ASSERT_EQ(quarantined.size(), 1u);
  EXPECT_EQ(quarantined[0][0].as<int64_t>(), refused);
  EXPECT_EQ(quarantined[0][1].as<std::string>(), "CHANGE_KIND_PLANNED_ROUND_CREATED");
  EXPECT_THAT(quarantined[0][2].as<std::string>(), HasSubstr("INVALID_ARGUMENT"));
  EXPECT_EQ(txn.exec("SELECT planned_round_id FROM planned_rounds")[0][0].as<std::string>(),
            LastSegment(created.name()));
  EXPECT_EQ(txn.exec("SELECT count(*) FROM planned_rounds")[0][0].as<int>(), 1);
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
