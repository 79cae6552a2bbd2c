// Evidence files attached to the scrutineer's findings and recommendations (issue 16), end to
// end over a real hub (services/assessment/evidence_attachments.h has the rules as unit
// tests): files attached through UpdateScrutinyReport and SetScrutineerFindings are in the
// report; once it is published, the reporting service's evidence register says which
// finding and recommendation each file supports; and each refusal writes nothing: an
// OFFICIAL-SENSITIVE file (the report is always OFFICIAL), another partnership's file, more
// than 20 files, a file named twice, and a caller of another partnership.
#include "tests/integration/evidence_file_fixture.h"
#include "tests/integration/scrutiny_report_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

namespace rv1 = ::sixsteps::reporting::v1;
using RStub = rv1::ReportingService::Stub;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

class ScrutinyReportFilesTest : public ScrutinyReportTest {
 protected:
  void SetUp() override {
    ScrutinyReportTest::SetUp();
    files_ = hub_->EvidenceFileStub();
  }

  // A CSV file uploaded by `token` (the partnership's administrator unless said) for the
  // round, or for `partnership`'s records.
  av1::EvidenceFile MustUpload(const std::string& file_name, av1::Classification classification,
                               int seed, const std::string& token = "",
                               const std::string& partnership = kPartnership) {
    av1::UploadEvidenceFileRequest first;
    *first.mutable_metadata() = Metadata(file_name, classification);
    first.mutable_metadata()->set_partnership(partnership);
    if (partnership == kPartnership) first.mutable_metadata()->set_assessment(round_.name());
    av1::UploadEvidenceFileRequest bytes;
    bytes.set_chunk(CsvBytes(8 * 1024, seed));
    av1::EvidenceFile file;
    grpc::ClientContext context;
    Authorize(context, token.empty() ? admin_ : token);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    auto writer = files_->UploadEvidenceFile(&context, &file);
    EXPECT_TRUE(writer->Write(first) && writer->Write(bytes)) << file_name;
    writer->WritesDone();
    EXPECT_THAT(writer->Finish(), IsOk()) << file_name;
    return file;
  }

  // The lead's text: one finding naming `finding_files`; then, with the finding's id, one
  // recommendation following from it naming `recommendation_files`.
  grpc::Status Attach(const av1::ScrutinyReport& current,
                      const std::vector<std::string>& finding_files,
                      const std::vector<std::string>& recommendation_files,
                      av1::ScrutinyReport* written, const std::string& token = "") {
    av1::UpdateScrutinyReportRequest request;
    request.set_parent(round_.name());
    request.set_etag(current.etag());
    request.set_summary("Leadership is shared; the police's audit is late.");
    av1::Finding* finding = request.add_findings();
    *finding = current.findings().empty() ? Finding("Audit is late", "s1.q2") : current.findings(0);
    finding->clear_evidence_files();
    for (const std::string& f : finding_files) finding->add_evidence_files(f);
    if (!finding->id().empty()) {
      av1::Recommendation* rec = request.add_recommendations();
      rec->set_text("Finish the section 11 audit");
      rec->add_finding_ids(finding->id());
      for (const std::string& f : recommendation_files) rec->add_evidence_files(f);
    }
    return S(&SStub::UpdateScrutinyReport, token.empty() ? scrutineer_ : token, request, written);
  }

  // A refused write of the lead's text: its status, and that nothing was written.
  void ExpectRefused(const av1::ScrutinyReport& current,
                     const std::vector<std::string>& finding_files,
                     const std::vector<std::string>& recommendation_files, Code code,
                     const std::string& message, const std::string& token = "") {
    const std::string before = ReportFingerprint();
    av1::ScrutinyReport written;
    EXPECT_THAT(Attach(current, finding_files, recommendation_files, &written, token),
                StatusIs(code, message));
    EXPECT_EQ(ReportFingerprint(), before);
  }

  std::unique_ptr<FStub> files_;
};

TEST_F(ScrutinyReportFilesTest, FilesAreInTheReportAndTheRegisterSaysWhatEachSupports) {
  const av1::EvidenceFile minutes =
      MustUpload("board minutes.csv", av1::CLASSIFICATION_OFFICIAL, 1);
  const av1::EvidenceFile plan = MustUpload("audit plan.csv", av1::CLASSIFICATION_OFFICIAL, 2);
  const av1::EvidenceFile notes =
      MustUpload("interview notes.csv", av1::CLASSIFICATION_OFFICIAL, 3);

  av1::ScrutinyReport finding_only;
  ASSERT_THAT(Attach(Create(), {minutes.name(), plan.name()}, {}, &finding_only), IsOk());
  av1::ScrutinyReport edited;
  ASSERT_THAT(Attach(finding_only, {minutes.name(), plan.name()}, {plan.name()}, &edited), IsOk());
  // The scrutineer's own findings name files too.
  av1::SetScrutineerFindingsRequest own;
  own.set_parent(round_.name());
  own.set_etag(edited.etag());
  av1::Finding theirs = Finding("Interviews show the audit slipped", "s1.q2");
  theirs.add_evidence_files(notes.name());
  *own.add_findings() = theirs;
  MustS(&SStub::SetScrutineerFindings, scrutineer_, own);

  // In the record, as written, for every reader of the round.
  const av1::ScrutinyReport draft = Latest();
  ASSERT_EQ(draft.findings_size(), 1);
  ASSERT_EQ(draft.recommendations_size(), 1);
  ASSERT_EQ(draft.contributions_size(), 1);
  EXPECT_THAT(draft.findings(0).evidence_files(), ElementsAre(minutes.name(), plan.name()));
  EXPECT_THAT(draft.recommendations(0).evidence_files(), ElementsAre(plan.name()));
  EXPECT_THAT(draft.contributions(0).findings(0).evidence_files(), ElementsAre(notes.name()));

  // Published: the register lists each file with the finding and recommendation it supports.
  Share(draft);
  av1::ScrutinyReport answered;
  ASSERT_THAT(AnswerAs(respondent_[kLa], kLa, av1::PartnerAnswer::VERDICT_ACCEPT, "", &answered),
              IsOk());
  ASSERT_THAT(
      AnswerAs(respondent_[kPolice], kPolice, av1::PartnerAnswer::VERDICT_ACCEPT, "", &answered),
      IsOk());
  av1::ScrutinyReport published;
  ASSERT_THAT(Publish(answered, &published), IsOk());
  const av1::ScrutinyReport read = Latest(respondent_[kPolice]);
  EXPECT_THAT(read.findings(0).evidence_files(), ElementsAre(minutes.name(), plan.name()));
  EXPECT_THAT(read.recommendations(0).evidence_files(), ElementsAre(plan.name()));

  ASSERT_THAT(hub_->StartReporting(), IsOk());
  auto reporting = hub_->ReportingStub();
  rv1::GetEvidenceRegisterRequest request;
  request.set_assessment(round_.name());
  request.set_min_sequence(FeedHead());
  rv1::EvidenceRegister reg;
  ASSERT_THAT(Invoke(reporting.get(), &RStub::GetEvidenceRegister, admin_, request, &reg), IsOk());
  const std::string finding = absl::StrCat(published.name(), "/findings/", read.findings(0).id());
  const std::string recommendation =
      absl::StrCat(published.name(), "/recommendations/", read.recommendations(0).id());
  std::map<std::string, std::vector<std::string>> supports;
  for (const rv1::RegisteredEvidence& e : reg.record_files()) {
    supports[e.reference()] = {e.supports().begin(), e.supports().end()};
    EXPECT_EQ(e.kind(), "file");
    EXPECT_EQ(e.classification(), "official");
  }
  EXPECT_THAT(supports[minutes.name()], ElementsAre(finding)) << reg.DebugString();
  EXPECT_THAT(supports[plan.name()], ElementsAreArray({finding, recommendation}))
      << reg.DebugString();
  for (const rv1::RegisteredEvidence& e : reg.unattached_files()) {
    EXPECT_NE(e.reference(), minutes.name());
    EXPECT_NE(e.reference(), plan.name());
  }
}

TEST_F(ScrutinyReportFilesTest, EachRefusalWritesNothing) {
  const av1::EvidenceFile minutes =
      MustUpload("board minutes.csv", av1::CLASSIFICATION_OFFICIAL, 1);
  const av1::EvidenceFile sensitive =
      MustUpload("case detail.csv", av1::CLASSIFICATION_OFFICIAL_SENSITIVE, 2);
  const av1::EvidenceFile elsewhere =
      MustUpload("plymouth minutes.csv", av1::CLASSIFICATION_OFFICIAL, 3, hub_->admin_token(),
                 kOtherPartnership);
  av1::ScrutinyReport draft;
  ASSERT_THAT(Attach(Create(), {minutes.name()}, {}, &draft), IsOk());

  // The report is read beyond the partnership, so it is OFFICIAL: a sensitive file is
  // refused on a finding, a recommendation and a scrutineer's own finding alike.
  const std::string official_only = "an OFFICIAL record may not name an OFFICIAL-SENSITIVE file";
  ExpectRefused(draft, {sensitive.name()}, {}, Code::kInvalidArgument, official_only);
  ExpectRefused(draft, {minutes.name()}, {sensitive.name()}, Code::kInvalidArgument, official_only);
  {
    const std::string before = ReportFingerprint();
    av1::SetScrutineerFindingsRequest own;
    own.set_parent(round_.name());
    own.set_etag(draft.etag());
    av1::Finding theirs = Finding("From the case files", "s1.q2");
    theirs.add_evidence_files(sensitive.name());
    *own.add_findings() = theirs;
    av1::ScrutinyReport written;
    EXPECT_THAT(S(&SStub::SetScrutineerFindings, scrutineer_, own, &written),
                StatusIs(Code::kInvalidArgument, official_only));
    EXPECT_EQ(ReportFingerprint(), before);
  }
  // Another partnership's file is no file of this round's partnership (INVALID_ARGUMENT, as
  // documented: the report exists, the name in it is what is wrong; and nothing tells the
  // scrutineer whether that file exists).
  ExpectRefused(draft, {elsewhere.name()}, {}, Code::kInvalidArgument,
                absl::StrCat("no evidence file '", elsewhere.name(), "' of ", kPartnership));
  ExpectRefused(draft, {minutes.name(), minutes.name()}, {}, Code::kInvalidArgument,
                "is named twice");
  // At most 20 files on one finding or recommendation: 20 pass, 21 do not.
  std::vector<std::string> many;
  for (int i = 0; i < 21; ++i) {
    many.push_back(
        MustUpload(absl::StrCat("audit ", i, ".csv"), av1::CLASSIFICATION_OFFICIAL, 10 + i).name());
  }
  ExpectRefused(draft, {minutes.name()}, many, Code::kInvalidArgument, "at most 20 files");
  ExpectRefused(draft, many, {}, Code::kInvalidArgument, "at most 20 files");
  // A caller of another partnership does not see the round at all.
  ExpectRefused(draft, {minutes.name()}, {}, Code::kNotFound, "", outsider_);

  many.pop_back();
  av1::ScrutinyReport twenty;
  ASSERT_THAT(Attach(draft, {minutes.name()}, many, &twenty), IsOk());
  EXPECT_EQ(twenty.recommendations(0).evidence_files_size(), 20);
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
