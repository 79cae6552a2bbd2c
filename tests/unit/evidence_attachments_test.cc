// Evidence files attached to records (services/assessment/evidence_attachments.h): the
// shape of a record's `evidence_files`, tenancy and classification against the stored files,
// purged files kept by the records that named them, the scrutineer's report's findings and
// recommendations; and what a purge leaves of the earlier changes that carried a purged
// file or record (ScrubPurged, change_redaction.h).
#include "services/assessment/evidence_attachments.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "services/assessment/change_redaction.h"
#include "tests/unit/assessment_test_util.h"

namespace sixsteps::assessment {
namespace {

using auth::Role;
using ::sixsteps::assessment::testing::With;
using ::testing::HasSubstr;

constexpr auto kSensitive = v1::CLASSIFICATION_OFFICIAL_SENSITIVE;
constexpr auto kOfficial = v1::CLASSIFICATION_OFFICIAL;

const Caller kAdmin = With(Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "ne", "sun");
const Caller kHubAdmin = With(Role::ROLE_HUB_ADMINISTRATOR, "ne");

v1::Assessment RoundOfSun() {
  v1::Assessment round;
  round.set_name("assessments/a-1");
  round.set_partnership("partnerships/sun");
  round.set_region("regions/ne");
  return round;
}

v1::EvidenceFile File(const std::string& id, const std::string& partnership,
                      v1::Classification classification) {
  v1::EvidenceFile file;
  file.set_name("evidenceFiles/" + id);
  file.set_partnership(partnership);
  file.set_classification(classification);
  return file;
}

// The stored files: two of sun's (one sensitive), one of another partnership.
class AttachedFilesTest : public ::testing::Test {
 protected:
  AttachedFilesTest() {
    files_["ef-1"] = File("ef-1", "partnerships/sun", kOfficial);
    files_["ef-2"] = File("ef-2", "partnerships/sun", kSensitive);
    files_["ef-9"] = File("ef-9", "partnerships/moon", kOfficial);
  }

  EvidenceFileLookup Lookup() {
    return [this](const std::string& id) -> absl::StatusOr<std::optional<v1::EvidenceFile>> {
      ++lookups_;
      auto found = files_.find(id);
      if (found == files_.end()) return std::nullopt;
      return found->second;
    };
  }

  absl::Status Check(const std::vector<std::string>& names, v1::Classification classification,
                     const Caller& caller = kAdmin, const std::set<std::string>& kept = {}) {
    FileNames list(names.begin(), names.end());
    return CheckAttachedFiles(caller, RoundOfSun(), classification, list, kept, Lookup(),
                              "engagement_record.evidence_files");
  }

  std::map<std::string, v1::EvidenceFile> files_;
  int lookups_ = 0;
};

TEST_F(AttachedFilesTest, FilesOfThePartnershipAreAttached) {
  EXPECT_TRUE(Check({}, kOfficial).ok());
  EXPECT_TRUE(Check({"evidenceFiles/ef-1"}, kOfficial).ok());
  EXPECT_TRUE(Check({"evidenceFiles/ef-1", "evidenceFiles/ef-2"}, kSensitive).ok());
}

TEST_F(AttachedFilesTest, ShapeRefusals) {
  EXPECT_THAT(Check({"files/ef-1"}, kOfficial).message(),
              HasSubstr("engagement_record.evidence_files[0]"));
  absl::Status twice = Check({"evidenceFiles/ef-1", "evidenceFiles/ef-1"}, kOfficial);
  EXPECT_EQ(twice.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(twice.message(), HasSubstr("[1]: 'evidenceFiles/ef-1' is named twice"));
  std::vector<std::string> many;
  for (int i = 0; i <= kMaxAttachedFiles; ++i)
    many.push_back("evidenceFiles/ef-" + std::to_string(i + 100));
  absl::Status too_many = Check(many, kOfficial);
  EXPECT_EQ(too_many.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_many.message(), HasSubstr("at most 20 files"));
  EXPECT_EQ(lookups_, 0);  // the shape is checked before any file is looked up
}

TEST_F(AttachedFilesTest, AnotherPartnershipsFileIsAsUnknownAsOneNeverUploaded) {
  absl::Status other = Check({"evidenceFiles/ef-9"}, kOfficial);
  absl::Status unknown = Check({"evidenceFiles/ef-404"}, kOfficial);
  EXPECT_EQ(other.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(other.message(),
              HasSubstr("no evidence file 'evidenceFiles/ef-9' of partnerships/sun"));
  EXPECT_THAT(unknown.message(), HasSubstr("no evidence file"));
}

TEST_F(AttachedFilesTest, AnOfficialRecordNamesNoSensitiveFile) {
  absl::Status status = Check({"evidenceFiles/ef-1", "evidenceFiles/ef-2"}, kOfficial);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("evidence_files[1]"));
  EXPECT_THAT(status.message(), HasSubstr("OFFICIAL-SENSITIVE file"));
  // UNSPECIFIED counts as OFFICIAL.
  EXPECT_FALSE(Check({"evidenceFiles/ef-2"}, v1::CLASSIFICATION_UNSPECIFIED).ok());
}

TEST_F(AttachedFilesTest, ASensitiveFileIsUnknownToWhoeverMayNotReadIt) {
  // A hub administrator writes the partnership's records but does not read its sensitive
  // files: to them the file does not exist.
  absl::Status status = Check({"evidenceFiles/ef-2"}, kSensitive, kHubAdmin);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("no evidence file"));
  EXPECT_TRUE(Check({"evidenceFiles/ef-1"}, kOfficial, kHubAdmin).ok());
}

TEST_F(AttachedFilesTest, APurgedFileStaysNamedByTheRecordsThatNamedIt) {
  files_.erase("ef-1");
  EXPECT_TRUE(Check({"evidenceFiles/ef-1"}, kOfficial, kAdmin, {"evidenceFiles/ef-1"}).ok());
  EXPECT_FALSE(Check({"evidenceFiles/ef-1"}, kOfficial).ok());
}

TEST_F(AttachedFilesTest, ReportFindingsAndRecommendationsNameOfficialFilesOnce) {
  v1::ScrutinyReport previous;
  v1::ScrutinyReport report;
  v1::Finding* finding = report.add_findings();
  finding->add_evidence_files("evidenceFiles/ef-1");
  report.add_findings()->add_evidence_files("evidenceFiles/ef-1");
  report.add_recommendations()->add_evidence_files("evidenceFiles/ef-1");
  EXPECT_TRUE(CheckReportFiles(kAdmin, RoundOfSun(), report, previous, Lookup()).ok());
  EXPECT_EQ(lookups_, 1);
  EXPECT_THAT(AttachedFilesOf(report), ::testing::ElementsAre("evidenceFiles/ef-1"));

  // The report is read beyond the partnership: never a sensitive file.
  report.mutable_recommendations(0)->add_evidence_files("evidenceFiles/ef-2");
  absl::Status status = CheckReportFiles(kAdmin, RoundOfSun(), report, previous, Lookup());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("recommendations[0].evidence_files[1]"));
  // A contribution's finding is checked as the lead's are.
  v1::ScrutinyReport contributed;
  contributed.add_contributions()->add_findings()->add_evidence_files("evidenceFiles/ef-9");
  EXPECT_THAT(CheckReportFiles(kAdmin, RoundOfSun(), contributed, previous, Lookup()).message(),
              HasSubstr("findings[0].evidence_files[0]"));
  // A purged file the previous version named is kept.
  files_.erase("ef-1");
  report.mutable_recommendations(0)->mutable_evidence_files()->RemoveLast();
  EXPECT_FALSE(CheckReportFiles(kAdmin, RoundOfSun(), report, previous, Lookup()).ok());
  EXPECT_TRUE(CheckReportFiles(kAdmin, RoundOfSun(), report, report, Lookup()).ok());
}

// ---- ScrubPurged ----

TEST(ScrubPurgedTest, AFilesChangesKeepWhatItsTombstoneKeeps) {
  v1::Change uploaded;
  uploaded.set_sequence(4);
  uploaded.set_kind(v1::CHANGE_KIND_EVIDENCE_FILE_UPLOADED);
  v1::EvidenceFile* file = uploaded.mutable_evidence_file();
  *file = File("ef-1", "partnerships/sun", kOfficial);
  file->set_file_name("kestrel-forum.csv");
  file->set_description("Notes of the Kestrel forum");
  file->set_uploader("users/u-1");
  file->set_sha256(std::string(64, 'a'));
  file->set_size_bytes(100);
  v1::Change other = uploaded;
  EXPECT_FALSE(ScrubPurged("evidenceFiles/ef-2", other));
  EXPECT_EQ(other.evidence_file().file_name(), "kestrel-forum.csv");

  ASSERT_TRUE(ScrubPurged("evidenceFiles/ef-1", uploaded));
  EXPECT_EQ(uploaded.sequence(), 4);
  EXPECT_EQ(uploaded.kind(), v1::CHANGE_KIND_EVIDENCE_FILE_UPLOADED);
  EXPECT_EQ(uploaded.evidence_file().name(), "evidenceFiles/ef-1");
  EXPECT_EQ(uploaded.evidence_file().sha256(), std::string(64, 'a'));
  EXPECT_EQ(uploaded.evidence_file().size_bytes(), 100);
  EXPECT_EQ(uploaded.evidence_file().file_name(), "");
  EXPECT_EQ(uploaded.evidence_file().description(), "");
  EXPECT_EQ(uploaded.evidence_file().uploader(), "");

  v1::Change downloaded;
  v1::EvidenceFileDownload* download = downloaded.mutable_evidence_file_download();
  download->set_name("evidenceFiles/ef-1/downloads/d-1");
  download->set_evidence_file("evidenceFiles/ef-1");
  download->set_file_name("kestrel-forum.csv");
  download->set_principal("users/u-2");
  download->set_classification(kSensitive);
  ASSERT_TRUE(ScrubPurged("evidenceFiles/ef-1", downloaded));
  EXPECT_EQ(downloaded.evidence_file_download().file_name(), "");
  EXPECT_EQ(downloaded.evidence_file_download().principal(), "");
  EXPECT_EQ(downloaded.evidence_file_download().classification(), kSensitive);
}

TEST(ScrubPurgedTest, AVoiceRecordsChangesKeepItsNameAndClassificationOthersStayWhole) {
  v1::Change change;
  v1::CaseAudit* audit = change.mutable_case_audit();
  audit->set_name("assessments/a-1/caseAudits/aud-1");
  audit->set_topic("Neglect");
  audit->add_findings("Plans drift");
  audit->add_evidence_files("evidenceFiles/ef-1");
  audit->set_classification(kSensitive);
  // Naming a purged file is not carrying it.
  EXPECT_FALSE(ScrubPurged("evidenceFiles/ef-1", change));
  EXPECT_EQ(change.case_audit().topic(), "Neglect");
  ASSERT_TRUE(ScrubPurged("assessments/a-1/caseAudits/aud-1", change));
  EXPECT_EQ(change.case_audit().name(), "assessments/a-1/caseAudits/aud-1");
  EXPECT_EQ(change.case_audit().classification(), kSensitive);
  EXPECT_EQ(change.case_audit().topic(), "");
  EXPECT_TRUE(change.case_audit().findings().empty());

  v1::Change response;
  response.mutable_response()->set_name("assessments/a-1/respondents/r-1/responses/s1.q1");
  response.mutable_response()->add_evidence()->set_file("evidenceFiles/ef-1");
  EXPECT_FALSE(ScrubPurged("evidenceFiles/ef-1", response));
}

}  // namespace
}  // namespace sixsteps::assessment
