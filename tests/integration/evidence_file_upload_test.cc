// Evidence files end to end (issue 16): uploads by client streaming and downloads by server
// streaming against the real assessment service and PostgreSQL; every refused or broken
// upload stores nothing.
#include <fstream>

#include "services/assessment/pg_store_evidence_files.h"
#include "tests/integration/evidence_file_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

TEST_F(EvidenceFileTest, UploadAndDownloadRoundTripWithTheServersHash) {
  const std::string bytes = CsvBytes(3 * kMiB + 12345);
  av1::EvidenceFileUpload metadata = Metadata("../minutes/Board minutes\n.csv");
  metadata.set_expected_sha256(absl::AsciiStrToUpper(HexSha256(bytes)));
  metadata.set_description("Board minutes, March");
  av1::EvidenceFile file;
  // Uneven chunks, none over 1 MiB.
  ASSERT_THAT(Upload(respondent_[kPolice], metadata, bytes, &file, 700 * 1024), IsOk());
  EXPECT_THAT(file.name(), ::testing::StartsWith("evidenceFiles/"));
  EXPECT_EQ(file.sha256(), HexSha256(bytes));
  EXPECT_EQ(file.size_bytes(), static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(file.media_type(), "text/csv");
  EXPECT_EQ(file.file_name(), "Board minutes.csv");
  EXPECT_EQ(file.classification(), av1::CLASSIFICATION_OFFICIAL);
  EXPECT_EQ(file.partnership(), kPartnership);
  EXPECT_EQ(file.region(), absl::StrCat("regions/", kRegion));
  EXPECT_EQ(file.uploader(), PrincipalOf(respondent_[kPolice]));

  Download got = Fetch(viewer_, file.name());
  ASSERT_THAT(got.status, IsOk());
  EXPECT_TRUE(MessageDifferencer::Equals(got.file, file)) << got.file.ShortDebugString();
  EXPECT_EQ(got.bytes.size(), bytes.size());
  EXPECT_TRUE(got.bytes == bytes);
  EXPECT_EQ(HexSha256(got.bytes), file.sha256());
  EXPECT_GT(got.messages, 4);  // streamed, not one message

  av1::EvidenceFile fetched;
  ASSERT_THAT(GetFile(dashboard_, file.name(), &fetched), IsOk());
  EXPECT_EQ(fetched.sha256(), file.sha256());
  EXPECT_THAT(ListedNames(region_viewer_), ElementsAre(file.name()));

  // The feed carries the metadata, never the contents.
  av1::ListChangesRequest feed;
  feed.set_partnership(kPartnership);
  av1::ListChangesResponse changes = Must(&AStub::ListChanges, admin_, feed);
  ASSERT_GE(changes.changes_size(), 1);
  const av1::Change& last = changes.changes(changes.changes_size() - 1);
  EXPECT_EQ(last.kind(), av1::CHANGE_KIND_EVIDENCE_FILE_UPLOADED);
  EXPECT_TRUE(MessageDifferencer::Equals(last.evidence_file(), file));
  EXPECT_LT(last.ByteSizeLong(), 2000u);
  // Downloads of OFFICIAL files are not audited.
  EXPECT_EQ(Rows("evidence_file_downloads"), 0);
}

TEST_F(EvidenceFileTest, AHashMismatchStoresNothing) {
  const std::string bytes = CsvBytes(2 * kMiB);
  av1::EvidenceFileUpload metadata = Metadata("audit.csv");
  metadata.set_expected_sha256(HexSha256(bytes + "x"));
  av1::EvidenceFile file;
  EXPECT_THAT(Upload(admin_, metadata, bytes, &file),
              StatusIs(Code::kInvalidArgument, HexSha256(bytes)));
  ExpectNothingStored();
}

TEST_F(EvidenceFileTest, AnOversizeFileIsResourceExhaustedAndStoresNothing) {
  // One byte over the 25 MiB cap, in 1 MiB messages.
  const std::string bytes = CsvBytes(25 * kMiB + 1);
  av1::EvidenceFile file;
  EXPECT_THAT(Upload(admin_, Metadata("too-big.csv"), bytes, &file),
              StatusIs(Code::kResourceExhausted, "largest"));
  AwaitNoOpenTransactions();
  ExpectNothingStored();
  // A message over 1 MiB is refused on its own.
  EXPECT_THAT(Upload(admin_, Metadata("chunky.csv"), CsvBytes(kMiB + 1), &file, kMiB + 1),
              StatusIs(Code::kInvalidArgument, "per message"));
  ExpectNothingStored();
}

TEST_F(EvidenceFileTest, DisallowedTypesAreRefusedNamingTheDetectedType) {
  av1::EvidenceFile file;
  // Named as a PDF, but HTML: the contents decide.
  EXPECT_THAT(Upload(admin_, Metadata("minutes.pdf"),
                     "<!DOCTYPE html><html><body><script>alert(document.cookie)</script>"
                     "</body></html>\n",
                     &file),
              StatusIs(Code::kInvalidArgument, "'text/html'"));
  std::ifstream in("/proc/self/exe", std::ios::binary);
  std::string elf(2 * kMiB, '\0');
  in.read(elf.data(), static_cast<std::streamsize>(elf.size()));
  elf.resize(static_cast<size_t>(in.gcount()));
  EXPECT_THAT(Upload(admin_, Metadata("plan.docx"), elf, &file),
              StatusIs(Code::kInvalidArgument, "application/x-"));
  AwaitNoOpenTransactions();
  ExpectNothingStored();
}

TEST_F(EvidenceFileTest, RefusedMetadataAndRolesStoreNothing) {
  av1::EvidenceFile file;
  const std::string bytes = CsvBytes(1000);
  EXPECT_THAT(Upload(admin_, Metadata("/../.."), bytes, &file),
              StatusIs(Code::kInvalidArgument, "metadata.file_name"));
  av1::EvidenceFileUpload other = Metadata("x.csv");
  other.set_partnership(kOtherPartnership);
  EXPECT_THAT(Upload(admin_, other, bytes, &file), StatusIs(Code::kNotFound));
  EXPECT_THAT(Upload(viewer_, Metadata("x.csv"), bytes, &file), StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Upload(dashboard_, Metadata("x.csv"), bytes, &file),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Upload(admin_, Metadata("empty.csv"), "", &file),
              StatusIs(Code::kInvalidArgument, "empty"));
  av1::EvidenceFileUpload bad_hash = Metadata("x.csv");
  bad_hash.set_expected_sha256("abc");
  EXPECT_THAT(Upload(admin_, bad_hash, bytes, &file),
              StatusIs(Code::kInvalidArgument, "expected_sha256"));
  EXPECT_THAT(Upload("", Metadata("x.csv"), bytes, &file), StatusIs(Code::kUnauthenticated));
  ExpectNothingStored();
}

TEST_F(EvidenceFileTest, ACancelledUploadStoresNothing) {
  grpc::ClientContext context;
  av1::EvidenceFile file;
  const std::string bytes = CsvBytes(3 * kMiB);
  bool open = false;
  UploadWriter writer =
      SendUpload(*files_, context, admin_, Metadata("half.csv"), bytes, &file, &open);
  ASSERT_TRUE(open);
  context.TryCancel();
  EXPECT_THAT(writer->Finish(), StatusIs(Code::kCancelled));
  AwaitNoOpenTransactions();
  ExpectNothingStored();
  // The service goes on: the same bytes upload whole afterwards.
  av1::EvidenceFile whole = MustUpload(admin_, Metadata("whole.csv"), bytes);
  EXPECT_EQ(whole.sha256(), HexSha256(bytes));
  EXPECT_EQ(Rows("evidence_files"), 1);
}

// The rows are written on a thread of their own while the next are received (PgBlobWriter):
// a row PostgreSQL refuses midway still fails the whole upload, which stores nothing, and
// the service goes on.
TEST_F(EvidenceFileTest, ARowRefusedMidUploadFailsItAndStoresNothing) {
  auto exec = [&](const std::string& sql) {
    pqxx::connection connection(hub_->assessment_database_url());
    pqxx::work txn(connection);
    txn.exec(sql);
    txn.commit();
  };
  // The sixth 256 KiB row of any blob is refused (rows 0-4 go in first).
  exec(
      "ALTER TABLE evidence_blob_chunks ADD CONSTRAINT test_refuses_row_5 "
      "CHECK (chunk_index < 5) NOT VALID");
  const std::string bytes = CsvBytes(3 * kMiB + 100);
  av1::EvidenceFile file;
  EXPECT_THAT(Upload(admin_, Metadata("refused.csv"), bytes, &file),
              StatusIs(Code::kFailedPrecondition));
  AwaitNoOpenTransactions();
  ExpectNothingStored();
  exec("ALTER TABLE evidence_blob_chunks DROP CONSTRAINT test_refuses_row_5");
  av1::EvidenceFile whole = MustUpload(admin_, Metadata("whole.csv"), bytes);
  EXPECT_EQ(whole.sha256(), HexSha256(bytes));
  EXPECT_EQ(Rows("evidence_blob_chunks"), 13);
  EXPECT_TRUE(Fetch(viewer_, whole.name()).bytes == bytes);
}

TEST_F(EvidenceFileTest, TheSameBytesInOnePartnershipAreStoredOnce) {
  const std::string bytes = CsvBytes(kMiB + 77);
  av1::EvidenceFile first = MustUpload(admin_, Metadata("a.csv"), bytes);
  av1::EvidenceFile second = MustUpload(scrutineer_, Metadata("b.csv"), bytes);
  EXPECT_NE(first.name(), second.name());
  EXPECT_EQ(first.sha256(), second.sha256());
  EXPECT_EQ(Rows("evidence_files"), 2);
  EXPECT_EQ(Rows("evidence_blobs"), 1);
  EXPECT_EQ(Rows("evidence_blob_chunks"), (kMiB + 77) / sixsteps::assessment::kBlobChunkBytes + 1);
  EXPECT_TRUE(Fetch(admin_, second.name()).bytes == bytes);
  EXPECT_TRUE(Fetch(admin_, first.name()).bytes == bytes);
  // Another partnership's copy is its own.
  ASSERT_THAT(hub_->CreatePartnership("gateshead", kRegion), IsOk());
  std::string gateshead_admin =
      MustUser("admin@gateshead.test",
               {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "partnerships/gateshead", ""}});
  av1::EvidenceFileUpload there = Metadata("c.csv");
  there.set_partnership("partnerships/gateshead");
  av1::EvidenceFile third = MustUpload(gateshead_admin, there, bytes);
  EXPECT_EQ(Rows("evidence_blobs"), 2);
  // Neither partnership sees the other's file.
  av1::EvidenceFile unseen;
  EXPECT_THAT(GetFile(gateshead_admin, first.name(), &unseen), StatusIs(Code::kNotFound));
  EXPECT_THAT(Fetch(admin_, third.name()).status, StatusIs(Code::kNotFound));
  EXPECT_THAT(Fetch(outsider_, first.name()).status, StatusIs(Code::kNotFound));
}

TEST_F(EvidenceFileTest, FilesAreUploadedForARoundOfThePartnership) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY, admin_);
  av1::EvidenceFileUpload metadata = Metadata("plan.csv");
  metadata.set_assessment(round.name());
  metadata.set_target(absl::StrCat(round.name(), "/respondents/x/responses/s1.q1"));
  av1::EvidenceFile file = MustUpload(admin_, metadata, CsvBytes(5000));
  EXPECT_EQ(file.assessment(), round.name());
  EXPECT_EQ(file.target(), metadata.target());
  MustUpload(admin_, Metadata("other.csv"), CsvBytes(5000, 1));
  av1::ListEvidenceFilesRequest request;
  request.set_partnership(kPartnership);
  request.set_assessment(round.name());
  av1::ListEvidenceFilesResponse listed;
  ASSERT_THAT(Invoke(files_.get(), &FStub::ListEvidenceFiles, admin_, request, &listed), IsOk());
  ASSERT_EQ(listed.evidence_files_size(), 1);
  EXPECT_EQ(listed.evidence_files(0).name(), file.name());
  metadata.set_assessment("assessments/a-none");
  av1::EvidenceFile refused;
  EXPECT_THAT(Upload(admin_, metadata, CsvBytes(10), &refused), StatusIs(Code::kNotFound));
}

TEST_F(EvidenceFileTest, ListsPageNewestFirst) {
  std::vector<std::string> names;
  for (int i = 0; i < 5; ++i) {
    names.insert(names.begin(), MustUpload(admin_, Metadata("f.csv"), CsvBytes(100, i)).name());
  }
  av1::ListEvidenceFilesRequest request;
  request.set_partnership(kPartnership);
  request.set_page_size(2);
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    av1::ListEvidenceFilesResponse response;
    ASSERT_THAT(Invoke(files_.get(), &FStub::ListEvidenceFiles, admin_, request, &response),
                IsOk());
    for (const auto& file : response.evidence_files()) seen.push_back(file.name());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(seen, names);
  request.set_page_size(-1);
  av1::ListEvidenceFilesResponse refused;
  EXPECT_THAT(Invoke(files_.get(), &FStub::ListEvidenceFiles, admin_, request, &refused),
              StatusIs(Code::kInvalidArgument));
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
