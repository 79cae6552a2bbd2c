// The evidence and voice reports (issue 16, H5) against a real hub: the reporting read model
// follows evidence files (metadata) and voice records through the feed; the evidence register,
// engagement summary and audits-and-reviews summary say what was recorded; OFFICIAL-SENSITIVE
// material never reaches region-wide callers (gRPC and HTTP), and the partnership's own roles
// are told it exists; PDF (pdftotext) and DOCX (python-docx) read back; evidence files are
// downloaded through the reporting HTTP endpoint as the caller, always as attachments, a
// sensitive one refused to a region dashboard and audited for the partnership's own role.
#include <httplib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <grpcpp/create_channel.h>

#include "absl/strings/str_split.h"
#include "services/base/names.h"
#include "services/reporting/http_endpoint.h"
#include "services/reporting/reporting_service.h"
#include "tests/integration/evidence_file_fixture.h"
#include "tests/support/paths.h"
#include "tests/support/shell.h"
#include "tests/support/voice_record_samples.h"
#include "tests/support/voice_samples.h"

namespace sixsteps::testing::assessment_test {
namespace {

namespace rv1 = ::sixsteps::reporting::v1;
using RStub = rv1::ReportingService::Stub;
using VStub = av1::VoiceService::Stub;
using ::testing::Contains;
using ::testing::Not;

constexpr char kSecret[] = "Sibling group placement breakdown";

std::string Save(const std::string& name, const std::string& bytes) {
  std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

class RegisterReportsTest : public EvidenceFileTest {
 protected:
  void SetUp() override {
    EvidenceFileTest::SetUp();
    ASSERT_THAT(hub_->StartReporting(), IsOk());
    reporting_ = hub_->ReportingStub();
    voice_ = hub_->VoiceStub();
    round_ = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, admin_, "2025/26 scrutiny");
    police_ = MustAddOrg(round_, kPolice);
  }

  av1::EvidenceFileUpload ForRound(const std::string& file_name, av1::Classification c) {
    av1::EvidenceFileUpload metadata = Metadata(file_name, c);
    metadata.set_assessment(round_.name());
    return metadata;
  }

  // The round's evidence: an OFFICIAL file named by an answer, one only uploaded, an
  // OFFICIAL-SENSITIVE file, engagement (one sensitive), a case audit and a learning review.
  void Gather() {
    minutes_ = MustUpload(admin_, ForRound("board minutes.csv", av1::CLASSIFICATION_OFFICIAL),
                          CsvBytes(3000, 1));
    plan_ = MustUpload(admin_, ForRound("business plan.csv", av1::CLASSIFICATION_OFFICIAL),
                       CsvBytes(5000, 2));
    sensitive_ = MustUpload(
        admin_, ForRound("case audit detail.csv", av1::CLASSIFICATION_OFFICIAL_SENSITIVE),
        sensitive_bytes_);
    av1::Response answer = Answer(ResponseOf(police_, "s1.q1"), fv1::RATING_GREEN, 1);
    av1::EvidenceItem* item = answer.add_evidence();
    item->set_description("Board minutes, March");
    item->set_file(minutes_.name());
    MustUpsert(respondent_[kPolice], answer);

    av1::EngagementRecord forum;
    forum.set_title("Young people's forum on online safety");
    forum.set_date("2025-05-14");
    forum.add_participant_groups(av1::PARTICIPANT_GROUP_CHILDREN_AND_YOUNG_PEOPLE);
    forum.set_method(av1::ENGAGEMENT_METHOD_YOUNG_PEOPLES_FORUM);
    forum.set_participant_count(32);
    forum.add_age_bands(av1::AGE_BAND_11_TO_15);
    forum.add_themes("Not knowing who to tell");
    forum.add_quotes("I didn't know the school nurse could help");
    av1::YouSaidWeDid* change = forum.add_changes();
    change->set_you_said("We don't know who to tell");
    change->set_we_did("Posters and an assembly in every secondary school");
    forum.add_question_ids("s1.q1");
    Create(forum);
    av1::EngagementRecord survey = forum;
    survey.set_title("Practitioner survey");
    survey.set_date("2025-04-01");
    survey.clear_participant_groups();
    survey.add_participant_groups(av1::PARTICIPANT_GROUP_PRACTITIONERS);
    survey.set_method(av1::ENGAGEMENT_METHOD_SURVEY);
    survey.set_participant_count(120);
    survey.clear_age_bands();
    survey.add_age_bands(av1::AGE_BAND_ADULT);
    survey.clear_changes();
    survey.add_step_ids("s3");
    survey.clear_question_ids();
    Create(survey);
    av1::EngagementRecord secret = forum;
    secret.set_title(kSecret);
    secret.set_classification(av1::CLASSIFICATION_OFFICIAL_SENSITIVE);
    Create(secret);

    av1::CreateCaseAuditRequest audit;
    *audit.mutable_case_audit() = NeglectCaseAudit({Org(kPolice)});
    audit.mutable_case_audit()->add_question_ids("s1.q1");
    CreateInRound(&VStub::CreateCaseAudit, audit);

    av1::CreateLearningReviewRequest review;
    *review.mutable_learning_review() = ChildQRapidReview();
    review.mutable_learning_review()->add_step_ids("s5");
    CreateInRound(&VStub::CreateLearningReview, review);
    head_ = FeedHead();
  }

  void Create(const av1::EngagementRecord& record) {
    av1::CreateEngagementRecordRequest request;
    *request.mutable_engagement_record() = record;
    CreateInRound(&VStub::CreateEngagementRecord, request);
  }

  // Creates a voice record in the round as the administrator: `request` without its parent.
  template <typename Request, typename Record>
  void CreateInRound(grpc::Status (VStub::*create)(grpc::ClientContext*, const Request&, Record*),
                     Request request) {
    request.set_parent(round_.name());
    Record created;
    ASSERT_THAT(Invoke(voice_.get(), create, admin_, request, &created), IsOk());
  }

  template <typename Request, typename Response>
  grpc::Status R(grpc::Status (RStub::*method)(grpc::ClientContext*, const Request&, Response*),
                 const std::string& token, Request request, Response* response) {
    request.set_min_sequence(head_);
    return Invoke(reporting_.get(), method, token, request, response);
  }

  rv1::EvidenceRegister Register(const std::string& token) {
    rv1::GetEvidenceRegisterRequest request;
    request.set_assessment(round_.name());
    rv1::EvidenceRegister out;
    EXPECT_THAT(R(&RStub::GetEvidenceRegister, token, request, &out), IsOk());
    return out;
  }

  rv1::ExportReportResponse Export(const std::string& token, rv1::Format format,
                                   const std::function<void(rv1::ExportReportRequest*)>& pick) {
    rv1::ExportReportRequest request;
    request.set_format(format);
    pick(&request);
    rv1::ExportReportResponse out;
    EXPECT_THAT(Invoke(reporting_.get(), &RStub::ExportReport, token, request, &out), IsOk());
    return out;
  }

  // The reporting HTTP endpoint in front of the hub's reports, serving evidence files from
  // its assessment service.
  void StartHttp() {
    endpoint_ = std::make_unique<reporting::HttpEndpoint>(
        hub_->token_verifier(),
        [this](const auth::Caller& caller,
               const rv1::ExportReportRequest& request) -> absl::StatusOr<reporting::Rendered> {
          auto exported = hub_->reports()->Render(caller, request, absl::Now() + absl::Seconds(30));
          if (!exported.ok()) return exported.status();
          return reporting::Rendered{exported->content, exported->content_type, exported->filename};
        });
    endpoint_->ServeEvidenceFiles(
        grpc::CreateChannel(hub_->assessment_target(), grpc::InsecureChannelCredentials()));
    ASSERT_THAT(endpoint_->Start("127.0.0.1", 0), IsOk());
    http_ = std::make_unique<httplib::Client>("127.0.0.1", endpoint_->port());
    http_->set_read_timeout(std::chrono::seconds(60));
  }
  httplib::Result Get(const std::string& path, const std::string& token) {
    return http_->Get(path.c_str(), httplib::Headers{{"Authorization", "Bearer " + token}});
  }
  void TearDown() override {
    if (endpoint_) endpoint_->Stop();
    EvidenceFileTest::TearDown();
  }

  std::unique_ptr<RStub> reporting_;
  std::unique_ptr<VStub> voice_;
  av1::Assessment round_;
  av1::Respondent police_;
  av1::EvidenceFile minutes_, plan_, sensitive_;
  const std::string sensitive_bytes_ = CsvBytes(3 * kMiB + 17, 5);
  int64_t head_ = 0;
  std::unique_ptr<reporting::HttpEndpoint> endpoint_;
  std::unique_ptr<httplib::Client> http_;
};

const rv1::EvidenceRegisterEntry* EntryOf(const rv1::EvidenceRegister& reg,
                                          const std::string& question) {
  for (const auto& e : reg.entries()) {
    if (e.question_id() == question) return &e;
  }
  return nullptr;
}

TEST_F(RegisterReportsTest, TheRegisterSaysWhichEvidenceSupportsWhichQuestion) {
  Gather();
  rv1::EvidenceRegister reg = Register(viewer_);
  EXPECT_EQ(reg.partnership_name().empty(), false);
  EXPECT_EQ(reg.round_title(), "2025/26 scrutiny");
  const rv1::EvidenceRegisterEntry* q1 = EntryOf(reg, "s1.q1");
  ASSERT_NE(q1, nullptr) << reg.DebugString();
  // The answer's link, its file, the forum and the case audit.
  ASSERT_EQ(q1->evidence_size(), 4) << q1->DebugString();
  EXPECT_EQ(q1->evidence(0).kind(), "link");
  const rv1::RegisteredEvidence& file = q1->evidence(1);
  EXPECT_EQ(file.kind(), "file");
  EXPECT_EQ(file.title(), "Board minutes, March");
  EXPECT_EQ(file.reference(), minutes_.name());
  EXPECT_EQ(file.file_name(), "board minutes.csv");
  EXPECT_EQ(file.size_bytes(), 3000);
  EXPECT_EQ(file.sha256(), HexSha256(CsvBytes(3000, 1)));
  EXPECT_EQ(file.media_type(), minutes_.media_type());
  EXPECT_EQ(file.classification(), "official");
  EXPECT_EQ(file.source(), "Organisation police");  // its display name
  EXPECT_EQ(q1->evidence(2).kind(), "engagement_record");
  EXPECT_EQ(q1->evidence(3).kind(), "case_audit");
  // Step-level links, and the file uploaded for the round that nothing names yet.
  bool survey = false, review = false;
  for (const auto& e : reg.entries()) {
    if (!e.question_id().empty()) continue;
    for (const auto& ev : e.evidence()) {
      survey |= e.step_id() == "s3" && ev.title() == "Practitioner survey";
      review |= e.step_id() == "s5" && ev.kind() == "learning_review";
    }
  }
  EXPECT_TRUE(survey && review) << reg.DebugString();
  ASSERT_EQ(reg.unattached_files_size(), 1);
  EXPECT_EQ(reg.unattached_files(0).file_name(), "business plan.csv");
  // The partnership's own role is told of the sensitive record the read model does not hold.
  EXPECT_EQ(reg.sensitive_not_shown(), 1);
  EXPECT_THAT(reg.DebugString(), Not(HasSubstr(kSecret)));
  EXPECT_THAT(reg.DebugString(), Not(HasSubstr("case audit detail")));
}

TEST_F(RegisterReportsTest, SensitiveMaterialNeverReachesRegionWideCallersOverGrpcOrHttp) {
  Gather();
  StartHttp();
  // The region's hub administrator too: not a role of the partnership, so not told how many
  // sensitive records are left out (the one rule, docs/permissions.md).
  for (const std::string* token : {&dashboard_, &region_viewer_, &hub_admin_}) {
    rv1::EvidenceRegister reg = Register(*token);
    EXPECT_EQ(reg.sensitive_not_shown(), 0);
    EXPECT_THAT(reg.DebugString(), Not(HasSubstr(kSecret)));
    EXPECT_THAT(reg.DebugString(), Not(HasSubstr("case audit detail")));
    EXPECT_NE(EntryOf(reg, "s1.q1"), nullptr);  // they do read the OFFICIAL evidence
    rv1::GetEngagementSummaryRequest engagement;
    engagement.set_assessment(round_.name());
    rv1::EngagementSummary summary;
    ASSERT_THAT(R(&RStub::GetEngagementSummary, *token, engagement, &summary), IsOk());
    EXPECT_EQ(summary.record_count(), 2);
    EXPECT_EQ(summary.sensitive_not_shown(), 0);
    rv1::GetRegionalOverviewRequest overview;
    overview.set_region(absl::StrCat("regions/", kRegion));
    rv1::RegionalOverview regional;
    ASSERT_THAT(R(&RStub::GetRegionalOverview, *token, overview, &regional), IsOk());
    EXPECT_THAT(regional.DebugString(), Not(HasSubstr(kSecret)));
    for (const char* path : {"evidence-register", "engagement-summary", "audits-and-reviews"}) {
      auto res = Get(absl::StrCat("/v1/assessments/", LastSegment(round_.name()), "/", path,
                                  "?min_sequence=", head_),
                     *token);
      ASSERT_TRUE(res) << path;
      EXPECT_EQ(res->status, 200) << res->body;
      EXPECT_THAT(res->body, Not(HasSubstr(kSecret)));
      EXPECT_THAT(res->body, Not(HasSubstr("case audit detail")));
      EXPECT_THAT(res->body, Not(HasSubstr("\"sensitive_not_shown\": 1")));
    }
  }
  // The partnership's own role: told over HTTP too.
  auto own = Get(absl::StrCat("/v1/assessments/", LastSegment(round_.name()),
                              "/engagement-summary?min_sequence=", head_),
                 viewer_);
  ASSERT_TRUE(own);
  EXPECT_THAT(own->body, HasSubstr("\"sensitive_not_shown\": 1"));
  EXPECT_THAT(own->body, Not(HasSubstr(kSecret)));
  // Another partnership's viewer does not see the round at all.
  rv1::EvidenceRegister none;
  rv1::GetEvidenceRegisterRequest request;
  request.set_assessment(round_.name());
  EXPECT_THAT(R(&RStub::GetEvidenceRegister, outsider_, request, &none), StatusIs(Code::kNotFound));
}

TEST_F(RegisterReportsTest, EngagementAndAuditsSummariesCountWhatWasRecorded) {
  Gather();
  rv1::GetEngagementSummaryRequest engagement;
  engagement.set_assessment(round_.name());
  rv1::EngagementSummary summary;
  ASSERT_THAT(R(&RStub::GetEngagementSummary, admin_, engagement, &summary), IsOk());
  EXPECT_EQ(summary.record_count(), 2);
  EXPECT_EQ(summary.participant_total(), 152);
  EXPECT_EQ(summary.sensitive_not_shown(), 1);
  ASSERT_EQ(summary.records_size(), 2);
  EXPECT_EQ(summary.records(0).title(), "Practitioner survey");  // oldest first
  EXPECT_EQ(summary.records(1).method(), "young_peoples_forum");
  ASSERT_EQ(summary.records(1).changes_size(), 1);
  EXPECT_EQ(summary.records(1).changes(0).we_did(),
            "Posters and an assembly in every secondary school");
  ASSERT_EQ(summary.by_group_size(), 2);
  EXPECT_EQ(summary.by_group(0).value(), "children_and_young_people");
  EXPECT_EQ(summary.by_group(0).participants(), 32);
  EXPECT_EQ(summary.by_group(1).value(), "practitioners");
  EXPECT_EQ(summary.by_group(1).participants(), 120);

  rv1::GetAuditsAndReviewsSummaryRequest audits;
  audits.set_assessment(round_.name());
  audits.set_as_of_date("2026-03-31");
  rv1::AuditsAndReviewsSummary ar;
  ASSERT_THAT(R(&RStub::GetAuditsAndReviewsSummary, admin_, audits, &ar), IsOk());
  ASSERT_EQ(ar.audits_size(), 1);
  EXPECT_EQ(ar.cases_audited(), 12);
  EXPECT_EQ(ar.grade_totals().good(), 7);
  EXPECT_EQ(ar.grade_totals().requires_improvement(), 4);
  EXPECT_EQ(ar.grade_totals().inadequate(), 1);
  EXPECT_EQ(ar.grade_totals().outstanding(), 0);
  EXPECT_EQ(ar.audits(0).agencies(0), "Organisation police");
  ASSERT_EQ(ar.reviews_size(), 1);
  EXPECT_EQ(ar.reviews(0).type(), "rapid_review");
  EXPECT_EQ(ar.reviews(0).status(), "completed");
  ASSERT_EQ(ar.reviews(0).recommendations_size(), 1);
  audits.set_as_of_date("31/03/2026");
  EXPECT_THAT(R(&RStub::GetAuditsAndReviewsSummary, admin_, audits, &ar),
              StatusIs(Code::kInvalidArgument));

  // The annual report section carries both, OFFICIAL material only.
  rv1::GetAnnualReportSectionRequest annual;
  annual.set_assessment(round_.name());
  rv1::AnnualReportSection section;
  ASSERT_THAT(R(&RStub::GetAnnualReportSection, admin_, annual, &section), IsOk());
  EXPECT_THAT(section.markdown(), HasSubstr("152 people took part in 2 engagement activities"));
  EXPECT_THAT(section.markdown(), HasSubstr("Posters and an assembly"));
  EXPECT_THAT(section.markdown(), HasSubstr("1 multi-agency case audits looked at 12 cases"));
  EXPECT_THAT(section.markdown(), Not(HasSubstr(kSecret)));
  // Before the attribution, which stays the last line.
  EXPECT_LT(section.markdown().find("### Engagement"),
            section.markdown().rfind(section.attribution().substr(0, 20)));
}

TEST_F(RegisterReportsTest, PdfAndDocxReadBack) {
  Gather();
  auto evidence = [&](rv1::ExportReportRequest* r) {
    r->mutable_evidence_register()->set_assessment(round_.name());
    r->mutable_evidence_register()->set_min_sequence(head_);
  };
  rv1::ExportReportResponse pdf = Export(viewer_, rv1::FORMAT_PDF, evidence);
  EXPECT_EQ(pdf.content_type(), "application/pdf");
  EXPECT_THAT(pdf.filename(), ::testing::EndsWith(".pdf"));
  std::string path = Save("evidence-register.pdf", pdf.content());
  std::string text = Shell(absl::StrCat("pdftotext -layout -enc UTF-8 ", path, " -"));
  EXPECT_THAT(text, HasSubstr("Evidence register"));
  EXPECT_THAT(text, HasSubstr("board minutes.csv"));
  EXPECT_THAT(text, HasSubstr(HexSha256(CsvBytes(3000, 1)).substr(0, 16)));
  EXPECT_THAT(text, HasSubstr("OFFICIAL-SENSITIVE record(s)"));
  EXPECT_THAT(text, Not(HasSubstr(kSecret)));
  // One page as an image, to look at (kept beside the test's temporary files).
  Shell(absl::StrCat("pdftoppm -png -r 60 -f 1 -l 1 ", path, " ", path));

  auto engagement = [&](rv1::ExportReportRequest* r) {
    r->mutable_engagement_summary()->set_assessment(round_.name());
    r->mutable_engagement_summary()->set_min_sequence(head_);
  };
  rv1::ExportReportResponse docx = Export(admin_, rv1::FORMAT_DOCX, engagement);
  std::string docx_path = Save("engagement.docx", docx.content());
  std::string lines = Shell(absl::StrCat("/usr/bin/python3 ", SourceDir().string(),
                                         "/tests/tools/read_docx.py ", docx_path));
  EXPECT_THAT(lines, HasSubstr("Engagement summary"));
  EXPECT_THAT(lines, HasSubstr("Posters and an assembly in every secondary school"));
  EXPECT_THAT(lines, HasSubstr("young peoples forum"));

  auto audits = [&](rv1::ExportReportRequest* r) {
    r->mutable_audits_and_reviews()->set_assessment(round_.name());
    r->mutable_audits_and_reviews()->set_min_sequence(head_);
  };
  rv1::ExportReportResponse audit_pdf = Export(admin_, rv1::FORMAT_PDF, audits);
  std::string audit_text = Shell(
      absl::StrCat("pdftotext -layout -enc UTF-8 ", Save("audits.pdf", audit_pdf.content()), " -"));
  EXPECT_THAT(audit_text, HasSubstr("Neglect: children on child protection plans"));
  EXPECT_THAT(audit_text, HasSubstr("Joint training on escalation"));

  // Every format is a writer over the same document: the CSV holds its tables too.
  rv1::ExportReportResponse csv = Export(admin_, rv1::FORMAT_CSV, audits);
  EXPECT_THAT(csv.content(), HasSubstr("Joint training on escalation"));
}

TEST_F(RegisterReportsTest, HttpDownloadIsAnAuditedAttachmentRefusedToTheRegion) {
  Gather();
  StartHttp();
  const std::string path =
      absl::StrCat("/v1/evidenceFiles/", LastSegment(sensitive_.name()), "/content");
  // A region dashboard (and a region viewer) never gets it: 404, nothing audited.
  // The region's hub administrator too: not a role of the partnership, so not told how many
  // sensitive records are left out (the one rule, docs/permissions.md).
  for (const std::string* token : {&dashboard_, &region_viewer_, &hub_admin_}) {
    auto refused = Get(path, *token);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 404);
    EXPECT_THAT(refused->body, Not(HasSubstr("agency")));
  }
  EXPECT_EQ(Rows("evidence_file_downloads"), 0);
  // Nor over gRPC.
  EXPECT_THAT(Fetch(dashboard_, sensitive_.name()).status, StatusIs(Code::kNotFound));
  auto anonymous = http_->Get(path.c_str());
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);

  // The partnership's own viewer downloads it, whole, as an attachment; it is audited as them.
  auto got = Get(path, viewer_);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->status, 200) << got->body;
  EXPECT_TRUE(got->body == sensitive_bytes_);
  // (httplib's client percent-decodes header values: the exact header is unit-tested.)
  EXPECT_THAT(got->get_header_value("Content-Disposition"),
              ::testing::StartsWith("attachment; filename=\"case_audit_detail.csv\"; "
                                    "filename*=UTF-8''"));
  EXPECT_EQ(got->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_THAT(got->get_header_value("Content-Security-Policy"), ::testing::StartsWith("sandbox"));
  EXPECT_EQ(got->get_header_value("Content-Type"), "application/octet-stream");
  EXPECT_EQ(got->get_header_value("X-Evidence-File-SHA256"), HexSha256(sensitive_bytes_));
  EXPECT_EQ(Rows("evidence_file_downloads"), 1);
  av1::ListEvidenceFileDownloadsRequest audit;
  audit.set_partnership(kPartnership);
  av1::ListEvidenceFileDownloadsResponse log;
  ASSERT_THAT(Invoke(files_.get(), &FStub::ListEvidenceFileDownloads, admin_, audit, &log), IsOk());
  ASSERT_EQ(log.downloads_size(), 1);
  EXPECT_EQ(log.downloads(0).principal(), PrincipalOf(viewer_));
  EXPECT_EQ(log.downloads(0).evidence_file(), sensitive_.name());

  // An OFFICIAL file the dashboard may read: also an attachment, and not audited.
  auto official =
      Get(absl::StrCat("/v1/evidenceFiles/", LastSegment(minutes_.name()), "/content"), dashboard_);
  ASSERT_TRUE(official);
  EXPECT_EQ(official->status, 200);
  EXPECT_TRUE(official->body == CsvBytes(3000, 1));
  EXPECT_THAT(official->get_header_value("Content-Disposition"), HasSubstr("attachment"));
  EXPECT_EQ(Rows("evidence_file_downloads"), 1);
  // A file that does not exist, and one that is not an id.
  auto missing = Get("/v1/evidenceFiles/ef-nothere/content", viewer_);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
