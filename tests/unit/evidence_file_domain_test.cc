// Evidence files' rules (services/assessment/evidence_file_domain.h): file names cleaned,
// types detected from the contents against the allowlist, an upload's chunks counted and
// hashed, and who reads OFFICIAL-SENSITIVE material.
#include "services/assessment/evidence_file_domain.h"
#include "services/assessment/classification_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <xlsxwriter.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "services/common/validation.h"
#include "tests/support/status_matchers.h"

namespace sixsteps::assessment {
namespace {

using ::testing::HasSubstr;
using Code = absl::StatusCode;
using auth::Role;
using testing::IsOk;
using testing::StatusIs;

MATCHER_P(IsOkAndHolds, value, "is OK and holds the value") { return arg.ok() && *arg == value; }

std::string Clean(absl::string_view name) {
  absl::StatusOr<std::string> cleaned = CleanFileName(name, "file_name");
  return cleaned.ok() ? *cleaned : "<" + std::string(cleaned.status().message()) + ">";
}

TEST(CleanFileNameTest, KeepsAnOrdinaryName) {
  EXPECT_EQ(Clean("Board minutes 2025-03.pdf"), "Board minutes 2025-03.pdf");
  EXPECT_EQ(Clean("Évaluation – été.docx"), "Évaluation – été.docx");
}

TEST(CleanFileNameTest, DropsFoldersOfEitherKind) {
  EXPECT_EQ(Clean("../../etc/passwd"), "passwd");
  EXPECT_EQ(Clean("C:\\Users\\jo\\plan.pdf"), "plan.pdf");
  EXPECT_EQ(Clean("/abs/path/"), "<file_name: nothing is left of the name once cleaned>");
}

TEST(CleanFileNameTest, DropsControlCharactersAndDirectionOverrides) {
  EXPECT_EQ(Clean("plan\r\n.pdf"), "plan.pdf");
  EXPECT_EQ(Clean(std::string("a\0b.txt", 7)), "ab.txt");
  EXPECT_EQ(Clean("invoice\u202Efdp.exe"), "invoicefdp.exe");
  EXPECT_EQ(Clean("x\xC2\x85y.txt"), "xy.txt");  // C1 NEXT LINE
  EXPECT_EQ(Clean("bad\xFF\xFEutf8.txt"), "badutf8.txt");
}

TEST(CleanFileNameTest, DropsLeadingDotsAndSpacesAndTrailingOnes) {
  EXPECT_EQ(Clean(".htaccess"), "htaccess");
  EXPECT_EQ(Clean(" .. .bashrc"), "bashrc");
  EXPECT_EQ(Clean("report.pdf. . "), "report.pdf");
  EXPECT_EQ(Clean("..."), "<file_name: nothing is left of the name once cleaned>");
  EXPECT_EQ(Clean(""), "<file_name: nothing is left of the name once cleaned>");
}

TEST(CleanFileNameTest, CapsTheLengthKeepingAShortExtension) {
  std::string cleaned = Clean(std::string(500, 'a') + ".pdf");
  EXPECT_EQ(CharacterCount(cleaned), kMaxFileNameCharacters);
  EXPECT_TRUE(absl::EndsWith(cleaned, "a.pdf")) << cleaned;
  // Characters, not bytes: a multi-byte character is never cut in half.
  std::string wide;
  for (int i = 0; i < 300; ++i) wide += "é";
  cleaned = Clean(wide);
  EXPECT_EQ(CharacterCount(cleaned), kMaxFileNameCharacters);
  EXPECT_TRUE(IsValidUtf8(cleaned));
}

std::string ReadFile(const std::string& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes(limit, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(limit));
  bytes.resize(static_cast<size_t>(in.gcount()));
  return bytes;
}

// A real XLSX, written by libxlsxwriter (as the reporting service's exports are).
std::string SmallWorkbook() {
  const std::string path =
      (std::filesystem::temp_directory_path() / ("evidence_" + std::to_string(getpid()) + ".xlsx"))
          .string();
  lxw_workbook* workbook = workbook_new(path.c_str());
  lxw_worksheet* sheet = workbook_add_worksheet(workbook, nullptr);
  worksheet_write_string(sheet, 0, 0, "Audit", nullptr);
  workbook_close(workbook);
  std::string bytes = ReadFile(path, 1 << 20);
  std::filesystem::remove(path);
  return bytes;
}

std::string Detect(const std::string& head) {
  absl::StatusOr<std::string> type = DetectMediaType(head);
  return type.ok() ? *type : std::string(type.status().message());
}

TEST(MediaTypeTest, AllowsTheDocumentTypesDetectedFromTheirContents) {
  const std::string pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";
  EXPECT_EQ(Detect(pdf), "application/pdf");
  const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0", 29);
  EXPECT_EQ(Detect(png), "image/png");
  const std::string jpeg("\xFF\xD8\xFF\xE0\0\x10JFIF\0\x01\x01\0\0\x01\0\x01\0\0", 20);
  EXPECT_EQ(Detect(jpeg), "image/jpeg");
  EXPECT_EQ(Detect("agency,cases,graded\npolice,12,3\nhealth,8,2\ncouncil,20,5\n"), "text/csv");
  EXPECT_EQ(Detect("Minutes of the board, 3 March.\nPresent: the three partners.\n"), "text/plain");
  EXPECT_EQ(Detect(SmallWorkbook()),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  for (const char* type :
       {"application/pdf", "image/png", "image/jpeg", "text/csv", "text/plain",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.presentationml."
        "presentation",
        "application/vnd.oasis.opendocument.text"}) {
    EXPECT_TRUE(IsAllowedMediaType(type)) << type;
  }
}

TEST(MediaTypeTest, RefusesHtmlSvgAndProgramsNamingTheType) {
  const std::string html = "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n";
  EXPECT_EQ(Detect(html), "text/html");
  EXPECT_THAT(CheckAllowedMediaType(Detect(html)), StatusIs(Code::kInvalidArgument, "'text/html'"));
  const std::string svg =
      "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><script>x</script></svg>";
  EXPECT_FALSE(IsAllowedMediaType(Detect(svg))) << Detect(svg);
  const std::string elf = ReadFile("/proc/self/exe", 1 << 20);
  ASSERT_FALSE(elf.empty());
  std::string type = Detect(elf);
  EXPECT_THAT(type, HasSubstr("application/x-"));
  EXPECT_THAT(CheckAllowedMediaType(type), StatusIs(Code::kInvalidArgument, type));
  EXPECT_FALSE(IsAllowedMediaType("application/zip"));
  EXPECT_FALSE(IsAllowedMediaType("application/octet-stream"));
}

TEST(Sha256Test, MatchesTheKnownDigestWhateverThePieces) {
  Sha256 whole;
  whole.Update("abc");
  EXPECT_EQ(whole.HexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 pieces;
  pieces.Update("a");
  pieces.Update("");
  pieces.Update("bc");
  EXPECT_EQ(pieces.HexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(UploadAccountTest, CountsChunksAndHashesAndKeepsOnlyTheHead) {
  UploadAccount account(10 * kMaxFileChunkBytes);
  const std::string chunk(kMaxFileChunkBytes, 'x');
  ASSERT_THAT(account.Add(chunk), IsOk());
  ASSERT_THAT(account.Add(""), IsOk());
  ASSERT_THAT(account.Add(chunk), IsOk());
  EXPECT_EQ(account.size(), 2 * kMaxFileChunkBytes);
  EXPECT_EQ(account.chunks(), 2);
  EXPECT_EQ(static_cast<int64_t>(account.head().size()), kTypeSniffBytes);
  Sha256 expected;
  expected.Update(chunk);
  expected.Update(chunk);
  std::string digest = expected.HexDigest();
  EXPECT_THAT(account.Finish(absl::AsciiStrToUpper(digest)), IsOkAndHolds(digest));
}

TEST(UploadAccountTest, RefusesAnOversizeChunkAndAnOversizeFile) {
  UploadAccount account(kMaxFileChunkBytes + 10);
  EXPECT_THAT(account.Add(std::string(kMaxFileChunkBytes + 1, 'x')),
              StatusIs(Code::kInvalidArgument, "per message"));
  ASSERT_THAT(account.Add(std::string(kMaxFileChunkBytes, 'x')), IsOk());
  ASSERT_THAT(account.Add(std::string(10, 'x')), IsOk());  // exactly the cap
  EXPECT_THAT(account.Add("y"), StatusIs(Code::kResourceExhausted, "largest"));
  EXPECT_EQ(account.size(), kMaxFileChunkBytes + 10);
}

TEST(UploadAccountTest, RefusesAnEmptyFileAndAWrongHash) {
  UploadAccount empty(100);
  EXPECT_THAT(empty.Finish(""), StatusIs(Code::kInvalidArgument, "empty"));
  UploadAccount account(100);
  ASSERT_THAT(account.Add("abc"), IsOk());
  EXPECT_THAT(account.Finish(std::string(64, '0')),
              StatusIs(Code::kInvalidArgument, "nothing was stored"));
}

TEST(ValidateExpectedSha256Test, WantsNothingOr64HexDigits) {
  EXPECT_THAT(ValidateExpectedSha256("", "f"), IsOk());
  EXPECT_THAT(ValidateExpectedSha256(std::string(64, 'A'), "f"), IsOk());
  EXPECT_THAT(ValidateExpectedSha256(std::string(63, 'a'), "f"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ValidateExpectedSha256(std::string(64, 'g'), "f"), StatusIs(Code::kInvalidArgument));
}

TEST(ClassificationTest, UnspecifiedIsOfficialAndUnknownIsRefused) {
  EXPECT_THAT(EffectiveClassification(0, "c"), IsOkAndHolds(v1::CLASSIFICATION_OFFICIAL));
  EXPECT_THAT(EffectiveClassification(2, "c"), IsOkAndHolds(v1::CLASSIFICATION_OFFICIAL_SENSITIVE));
  EXPECT_THAT(EffectiveClassification(7, "c"), StatusIs(Code::kInvalidArgument));
}

auth::Caller With(Role role, const std::string& region, const std::string& partnership = "") {
  auth::Caller caller;
  caller.principal = "users/u";
  caller.grants.push_back({role, region, partnership, ""});
  return caller;
}

TEST(ClassificationTest, SensitiveIsForThePartnershipsOwnRolesOnly) {
  const auto sensitive = v1::CLASSIFICATION_OFFICIAL_SENSITIVE;
  for (Role role : {Role::ROLE_VIEWER, Role::ROLE_DASHBOARD, Role::ROLE_PARTNER_RESPONDENT,
                    Role::ROLE_PARTNERSHIP_ADMINISTRATOR, Role::ROLE_INTEGRATION}) {
    EXPECT_TRUE(MayReadClassified(With(role, "ne", "sun"), "ne", "sun", sensitive)) << role;
  }
  for (Role role : {Role::ROLE_VIEWER, Role::ROLE_DASHBOARD, Role::ROLE_INTEGRATION,
                    Role::ROLE_HUB_ADMINISTRATOR}) {
    for (const char* region : {"ne", "*"}) {
      EXPECT_FALSE(MayReadClassified(With(role, region), "ne", "sun", sensitive))
          << role << " on " << region;
      EXPECT_TRUE(MayReadClassified(With(role, region), "ne", "sun", v1::CLASSIFICATION_OFFICIAL));
    }
  }
  // Another partnership's own roles are not this one's.
  EXPECT_FALSE(MayReadClassified(With(Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "ne", "gat"), "ne",
                                 "sun", sensitive));
}

TEST(PermissionsTest, ReadOnlyRolesDoNotUploadAndOnlyAdministratorsReadTheAudit) {
  EXPECT_THAT(CheckCanUploadFiles(With(Role::ROLE_VIEWER, "ne", "sun"), "ne", "sun"),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(CheckCanUploadFiles(With(Role::ROLE_DASHBOARD, "ne"), "ne", "sun"),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(CheckCanUploadFiles(With(Role::ROLE_PARTNER_RESPONDENT, "ne", "sun"), "ne", "sun"),
              IsOk());
  EXPECT_THAT(CheckCanUploadFiles(With(Role::ROLE_INTEGRATION, "ne"), "ne", "sun"), IsOk());
  EXPECT_THAT(CheckCanReadDownloadAudit(With(Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "ne", "sun"),
                                        "ne", "sun"),
              IsOk());
  EXPECT_THAT(CheckCanReadDownloadAudit(With(Role::ROLE_HUB_ADMINISTRATOR, "ne"), "ne", "sun"),
              IsOk());
  EXPECT_THAT(
      CheckCanReadDownloadAudit(With(Role::ROLE_INDEPENDENT_SCRUTINEER, "ne", "sun"), "ne", "sun"),
      StatusIs(Code::kPermissionDenied));
}

TEST(EvidenceFileNameTest, ParsesOnlyEvidenceFileNames) {
  EXPECT_THAT(ParseEvidenceFileName("evidenceFiles/ef-0123abcd", "name"),
              IsOkAndHolds("ef-0123abcd"));
  EXPECT_THAT(ParseEvidenceFileName("evidenceFiles/", "name"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ParseEvidenceFileName("evidenceFiles/a/b", "name"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(ParseEvidenceFileName("files/x", "name"), StatusIs(Code::kInvalidArgument));
}

}  // namespace
}  // namespace sixsteps::assessment

namespace sixsteps::assessment {
namespace {

v1::EvidenceItem Item(const std::string& id, v1::Classification classification) {
  v1::EvidenceItem item;
  item.set_id(id);
  item.set_description("item " + id);
  item.set_classification(classification);
  return item;
}

TEST(KeepUnseenSensitiveEvidenceTest, AWriterWhoCouldNotReadThemDoesNotRemoveThem) {
  google::protobuf::RepeatedPtrField<v1::EvidenceItem> stored;
  *stored.Add() = Item("e1", v1::CLASSIFICATION_OFFICIAL);
  *stored.Add() = Item("e2", v1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  std::vector<v1::EvidenceItem> merged = {Item("e1", v1::CLASSIFICATION_OFFICIAL)};
  KeepUnseenSensitiveEvidence(With(Role::ROLE_INTEGRATION, "ne"), "ne", "sun", stored, &merged);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[1].id(), "e2");
  // A member saw them: leaving one out removes it.
  merged = {Item("e1", v1::CLASSIFICATION_OFFICIAL)};
  KeepUnseenSensitiveEvidence(With(Role::ROLE_INTEGRATION, "ne", "sun"), "ne", "sun", stored,
                              &merged);
  EXPECT_EQ(merged.size(), 1u);
}

TEST(NormaliseEvidenceClassificationTest, DefaultsToOfficialAndChecksTheFileName) {
  v1::EvidenceItem item;
  ASSERT_THAT(NormaliseEvidenceClassification(item, "evidence[0]"), IsOk());
  EXPECT_EQ(item.classification(), v1::CLASSIFICATION_OFFICIAL);
  item.set_file("files/x");
  EXPECT_THAT(NormaliseEvidenceClassification(item, "evidence[0]"),
              StatusIs(Code::kInvalidArgument, "evidence[0].file"));
  item.set_file("evidenceFiles/ef-1");
  item.set_classification(static_cast<v1::Classification>(9));
  EXPECT_THAT(NormaliseEvidenceClassification(item, "evidence[0]"),
              StatusIs(Code::kInvalidArgument, "evidence[0].classification"));
}

}  // namespace
}  // namespace sixsteps::assessment
