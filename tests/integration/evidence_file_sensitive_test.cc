// OFFICIAL-SENSITIVE evidence files (issue 16): readable only by the partnership's own roles,
// never by hub administrators, region dashboards or viewers (NOT_FOUND, left out of
// their lists, their feed without the record); every download of one is in the audit log
// that the partnership's administrators read.
#include "tests/integration/evidence_file_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

class SensitiveFileTest : public EvidenceFileTest {
 protected:
  void SetUp() override {
    EvidenceFileTest::SetUp();
    sensitive_ = MustUpload(
        admin_, Metadata("case audit.csv", av1::CLASSIFICATION_OFFICIAL_SENSITIVE), bytes_);
    official_ = MustUpload(admin_, Metadata("board.csv"), CsvBytes(4000, 9));
  }

  std::vector<av1::EvidenceFileDownload> Audit(const std::string& token, grpc::Status* status,
                                               const std::string& file = "") {
    av1::ListEvidenceFileDownloadsRequest request;
    request.set_partnership(kPartnership);
    request.set_evidence_file(file);
    av1::ListEvidenceFileDownloadsResponse response;
    *status = Invoke(files_.get(), &FStub::ListEvidenceFileDownloads, token, request, &response);
    return {response.downloads().begin(), response.downloads().end()};
  }

  const std::string bytes_ = CsvBytes(kMiB / 2, 3);
  av1::EvidenceFile sensitive_;
  av1::EvidenceFile official_;
};

TEST_F(SensitiveFileTest, ARegionDashboardOrViewerCannotDownloadOrSeeIt) {
  EXPECT_EQ(sensitive_.classification(), av1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  for (const std::string* token : {&dashboard_, &region_viewer_}) {
    EXPECT_THAT(Fetch(*token, sensitive_.name()).status, StatusIs(Code::kNotFound));
    av1::EvidenceFile file;
    EXPECT_THAT(GetFile(*token, sensitive_.name(), &file), StatusIs(Code::kNotFound));
    EXPECT_THAT(ListedNames(*token), ElementsAre(official_.name()));
    // The OFFICIAL file they do read.
    EXPECT_THAT(Fetch(*token, official_.name()).status, IsOk());
  }
  // Refusals are not downloads: nothing audited.
  EXPECT_EQ(Rows("evidence_file_downloads"), 0);

  // Their feed has the upload's change without its record.
  av1::ListChangesRequest feed;
  feed.set_partnership(kPartnership);
  av1::ListChangesResponse changes = Must(&AStub::ListChanges, dashboard_, feed);
  int redacted = 0;
  for (const auto& change : changes.changes()) {
    EXPECT_EQ(change.ShortDebugString().find("case audit"), std::string::npos);
    if (change.kind() == av1::CHANGE_KIND_EVIDENCE_FILE_UPLOADED && !change.has_evidence_file()) {
      ++redacted;
    }
  }
  EXPECT_EQ(redacted, 1);
  // The partnership's own roles see it whole.
  changes = Must(&AStub::ListChanges, viewer_, feed);
  int whole = 0;
  for (const auto& change : changes.changes()) {
    if (change.evidence_file().name() == sensitive_.name()) ++whole;
  }
  EXPECT_EQ(whole, 1);
}

TEST_F(SensitiveFileTest, EachDownloadByAnAllowedReaderIsAudited) {
  for (const std::string* token : {&viewer_, &respondent_[kPolice]}) {
    Download got = Fetch(*token, sensitive_.name());
    ASSERT_THAT(got.status, IsOk());
    EXPECT_TRUE(got.bytes == bytes_);
  }
  // The region's hub administrator runs the hub, not the partnership's casework.
  EXPECT_THAT(Fetch(hub_admin_, sensitive_.name()).status, StatusIs(Code::kNotFound));
  EXPECT_THAT(ListedNames(viewer_), ElementsAre(official_.name(), sensitive_.name()));
  grpc::Status status;
  std::vector<av1::EvidenceFileDownload> audit = Audit(admin_, &status);
  ASSERT_THAT(status, IsOk());
  ASSERT_EQ(audit.size(), 2u);
  // Newest first.
  EXPECT_EQ(audit[0].principal(), PrincipalOf(respondent_[kPolice]));
  EXPECT_EQ(audit[1].principal(), PrincipalOf(viewer_));
  for (const auto& entry : audit) {
    EXPECT_EQ(entry.evidence_file(), sensitive_.name());
    EXPECT_EQ(entry.sha256(), HexSha256(bytes_));
    EXPECT_EQ(entry.file_name(), "case audit.csv");
    EXPECT_EQ(entry.partnership(), kPartnership);
    EXPECT_TRUE(entry.has_download_time());
    EXPECT_THAT(entry.name(), ::testing::StartsWith(sensitive_.name() + "/downloads/"));
  }
  // Downloads of the OFFICIAL file are not audited; the hub administrator reads the log too.
  ASSERT_THAT(Fetch(viewer_, official_.name()).status, IsOk());
  EXPECT_EQ(Audit(hub_admin_, &status).size(), 2u);
  EXPECT_EQ(Audit(admin_, &status, official_.name()).size(), 0u);
  // Only the partnership's administrators read it.
  for (const std::string* token : {&scrutineer_, &viewer_, &dashboard_}) {
    Audit(*token, &status);
    EXPECT_THAT(status, StatusIs(Code::kPermissionDenied));
  }
  Audit(outsider_, &status);
  EXPECT_THAT(status, StatusIs(Code::kNotFound));
  // Each download is also a change of the feed, for the partnership's own readers.
  av1::ListChangesRequest feed;
  feed.set_partnership(kPartnership);
  av1::ListChangesResponse changes = Must(&AStub::ListChanges, admin_, feed);
  int downloads = 0;
  for (const auto& change : changes.changes()) {
    if (change.kind() == av1::CHANGE_KIND_EVIDENCE_FILE_DOWNLOADED) {
      ++downloads;
      EXPECT_EQ(change.evidence_file_download().evidence_file(), sensitive_.name());
    }
  }
  EXPECT_EQ(downloads, 2);
}

TEST_F(SensitiveFileTest, EvidenceItemsNameFilesAndSensitiveItemsAreHiddenFromTheRegion) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, admin_);
  av1::Respondent police = MustAddOrg(round, kPolice);
  const std::string name = ResponseOf(police, "s1.q1");
  av1::Response answer = Answer(name, fv1::RATING_GREEN, 1);
  av1::EvidenceItem* attached = answer.add_evidence();
  attached->set_description("The case audit itself");
  attached->set_file(sensitive_.name());
  attached->set_classification(av1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  av1::Response written = MustUpsert(respondent_[kPolice], answer);
  ASSERT_EQ(written.evidence_size(), 2);
  EXPECT_EQ(written.evidence(0).classification(), av1::CLASSIFICATION_OFFICIAL);
  EXPECT_EQ(written.evidence(1).file(), sensitive_.name());

  av1::GetResponseRequest get;
  get.set_name(name);
  EXPECT_EQ(Must(&AStub::GetResponse, viewer_, get).evidence_size(), 2);
  av1::Response seen = Must(&AStub::GetResponse, dashboard_, get);
  ASSERT_EQ(seen.evidence_size(), 1);
  EXPECT_EQ(seen.evidence(0).classification(), av1::CLASSIFICATION_OFFICIAL);
  av1::ListResponsesRequest list;
  list.set_parent(round.name());
  av1::ListResponsesResponse listed = Must(&AStub::ListResponses, region_viewer_, list);
  ASSERT_EQ(listed.responses_size(), 1);
  EXPECT_EQ(listed.responses(0).evidence_size(), 1);
  av1::ListRevisionsRequest history;
  history.set_name(name);
  av1::ListRevisionsResponse revisions = Must(&AStub::ListRevisions, dashboard_, history);
  ASSERT_GE(revisions.revisions_size(), 1);
  EXPECT_EQ(revisions.revisions(0).response().evidence_size(), 1);
  av1::ListChangesRequest feed;
  feed.set_partnership(kPartnership);
  av1::ListChangesResponse changes = Must(&AStub::ListChanges, dashboard_, feed);
  int responses = 0;
  for (const auto& change : changes.changes()) {
    if (!change.has_response()) continue;
    ++responses;
    EXPECT_EQ(change.response().evidence_size(), 1);
  }
  EXPECT_EQ(responses, 1);

  // The file must be the partnership's, and an item naming a sensitive file is sensitive.
  av1::Response refused;
  written.mutable_evidence(0)->clear_id();
  written.mutable_evidence(0)->set_file(sensitive_.name());
  written.mutable_evidence(0)->set_classification(av1::CLASSIFICATION_OFFICIAL);
  EXPECT_THAT(Upsert(respondent_[kPolice], written, &refused),
              StatusIs(Code::kInvalidArgument, "evidence[0].classification"));
  written.mutable_evidence(0)->set_file("evidenceFiles/ef-nothere");
  EXPECT_THAT(Upsert(respondent_[kPolice], written, &refused),
              StatusIs(Code::kInvalidArgument, "evidence[0].file"));
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
