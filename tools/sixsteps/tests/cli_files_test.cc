// Drives `sixsteps files` in-process (RunCli) against a fake EvidenceFileService: uploads
// stream the file in chunks with its SHA-256, downloads are written as they arrive and
// checked against the record's hash, and the lists and the audit log print.
#include <openssl/sha.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "sixsteps/assessment/v1/evidence_file_service.grpc.pb.h"
#include "tools/sixsteps/evidence_file_commands.h"
#include "tools/sixsteps/tests/cli_run.h"

namespace sixsteps::cli {
namespace {

namespace fv1 = ::sixsteps::assessment::v1;

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  std::string hex;
  for (unsigned char byte : digest) absl::StrAppend(&hex, absl::Hex(byte, absl::kZeroPad2));
  return hex;
}

// Keeps one uploaded file; a download sends it back in 100 KiB chunks (with a wrong hash
// when `corrupt` is set).
class FakeFiles final : public fv1::EvidenceFileService::Service {
 public:
  grpc::Status UploadEvidenceFile(grpc::ServerContext*,
                                  grpc::ServerReader<fv1::UploadEvidenceFileRequest>* reader,
                                  fv1::EvidenceFile* response) override {
    std::lock_guard<std::mutex> lock(mu);
    fv1::UploadEvidenceFileRequest message;
    bytes.clear();
    messages = 0;
    while (reader->Read(&message)) {
      if (messages++ == 0) metadata = message.metadata();
      if (message.chunk().size() > 1024 * 1024) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "chunk over 1 MiB");
      }
      bytes += message.chunk();
    }
    if (!metadata.expected_sha256().empty() && metadata.expected_sha256() != Sha256Hex(bytes)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "hash mismatch");
    }
    file.set_name("evidenceFiles/ef-1");
    file.set_partnership(metadata.partnership());
    file.set_assessment(metadata.assessment());
    file.set_file_name(metadata.file_name());
    file.set_classification(metadata.classification());
    file.set_media_type("text/csv");
    file.set_size_bytes(static_cast<int64_t>(bytes.size()));
    file.set_sha256(Sha256Hex(bytes));
    *response = file;
    return grpc::Status::OK;
  }

  grpc::Status DownloadEvidenceFile(
      grpc::ServerContext*, const fv1::DownloadEvidenceFileRequest* request,
      grpc::ServerWriter<fv1::DownloadEvidenceFileResponse>* writer) override {
    std::lock_guard<std::mutex> lock(mu);
    if (request->name() != file.name()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no");
    fv1::DownloadEvidenceFileResponse head;
    *head.mutable_file() = file;
    if (corrupt) head.mutable_file()->set_sha256(std::string(64, '0'));
    writer->Write(head);
    for (size_t at = 0; at < bytes.size(); at += 100 * 1024) {
      fv1::DownloadEvidenceFileResponse chunk;
      chunk.set_chunk(bytes.substr(at, 100 * 1024));
      writer->Write(chunk);
    }
    return grpc::Status::OK;
  }

  grpc::Status GetEvidenceFile(grpc::ServerContext*, const fv1::GetEvidenceFileRequest* request,
                               fv1::EvidenceFile* response) override {
    std::lock_guard<std::mutex> lock(mu);
    if (request->name() != file.name()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no");
    *response = file;
    return grpc::Status::OK;
  }

  grpc::Status ListEvidenceFiles(grpc::ServerContext*, const fv1::ListEvidenceFilesRequest* request,
                                 fv1::ListEvidenceFilesResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    lists.push_back(*request);
    *response->add_evidence_files() = file;
    return grpc::Status::OK;
  }

  grpc::Status ListEvidenceFileDownloads(
      grpc::ServerContext*, const fv1::ListEvidenceFileDownloadsRequest* request,
      fv1::ListEvidenceFileDownloadsResponse* response) override {
    fv1::EvidenceFileDownload* download = response->add_downloads();
    download->set_principal("users/u-jo");
    download->set_evidence_file(request->evidence_file());
    download->set_sha256("ab12");
    return grpc::Status::OK;
  }

  std::mutex mu;
  fv1::EvidenceFileUpload metadata;
  fv1::EvidenceFile file;
  std::string bytes;
  int messages = 0;
  bool corrupt = false;
  std::vector<fv1::ListEvidenceFilesRequest> lists;
};

class CliFilesTest : public testing_support::CliTest {
 protected:
  void SetUp() override { Serve({&files_}); }
  testing_support::Result Run(std::vector<std::string> words, bool out_is_terminal = false) {
    return CliTest::Run(words, {}, "", out_is_terminal);
  }
  FakeFiles files_;
};

TEST_F(CliFilesTest, UploadStreamsTheFileInChunksWithItsHashThenDownloadWritesIt) {
  std::string contents;
  for (int i = 0; contents.size() < 2500 * 1024; ++i) absl::StrAppend(&contents, "row,", i, "\n");
  const std::string source = Path("board minutes.csv");
  std::ofstream(source, std::ios::binary) << contents;

  testing_support::Result up =
      Run({"files", "upload", source, "--partnership", "luton", "--assessment", "a-1",
           "--classification", "official-sensitive"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(files_.metadata.partnership(), "partnerships/luton");
  EXPECT_EQ(files_.metadata.assessment(), "assessments/a-1");
  EXPECT_EQ(files_.metadata.file_name(), "board minutes.csv");
  EXPECT_EQ(files_.metadata.classification(), fv1::CLASSIFICATION_OFFICIAL_SENSITIVE);
  EXPECT_EQ(files_.metadata.expected_sha256(), Sha256Hex(contents));
  EXPECT_TRUE(files_.bytes == contents);
  EXPECT_EQ(files_.messages, 4);  // the metadata, then three chunks of at most 1 MiB
  EXPECT_THAT(up.out, StartsWith("Uploaded evidenceFiles/ef-1  board minutes.csv\n"));
  EXPECT_THAT(up.out, HasSubstr("classification  official_sensitive\n"));

  const std::string target = Path("copy.csv");
  testing_support::Result down = Run({"files", "download", "ef-1", "--out", target});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_TRUE(Read(target) == contents);
  struct stat info;
  ASSERT_EQ(::stat(target.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  EXPECT_THAT(down.err, HasSubstr(Sha256Hex(contents)));
}

TEST_F(CliFilesTest, ADownloadThatDoesNotMatchItsHashIsRefusedAndRemoved) {
  const std::string source = Path("a.csv");
  std::ofstream(source, std::ios::binary) << "a,b\n1,2\n";
  ASSERT_EQ(Run({"files", "upload", source, "--partnership", "luton"}).exit_code, 0);
  files_.corrupt = true;
  const std::string target = Path("bad.csv");
  testing_support::Result down = Run({"files", "download", "evidenceFiles/ef-1", "--out", target});
  EXPECT_EQ(down.exit_code, 15) << down.err;  // DATA_LOSS
  EXPECT_FALSE(std::filesystem::exists(target));
  // Never to a terminal; a missing file to upload is a usage error.
  EXPECT_EQ(Run({"files", "download", "ef-1", "--out", "-"}, /*out_is_terminal=*/true).exit_code,
            64);
  EXPECT_EQ(Run({"files", "upload", Path("none.csv"), "--partnership", "luton"}).exit_code, 64);
  EXPECT_EQ(Run({"files", "upload", source, "--partnership", "luton", "--classification", "secret"})
                .exit_code,
            64);
}

TEST_F(CliFilesTest, ListShowAndTheDownloadAudit) {
  const std::string source = Path("a.csv");
  std::ofstream(source, std::ios::binary) << "a,b\n1,2\n";
  ASSERT_EQ(Run({"files", "upload", source, "--partnership", "luton"}).exit_code, 0);
  testing_support::Result listed = Run({"files", "list", "luton", "--assessment", "a-1"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(files_.lists.at(0).assessment(), "assessments/a-1");
  EXPECT_THAT(listed.out, StartsWith("1 file(s) of partnerships/luton\n"));
  EXPECT_THAT(listed.out, HasSubstr("evidenceFiles/ef-1  official  8 bytes  text/csv  a.csv"));
  testing_support::Result shown = Run({"files", "show", "ef-1", "--output", "json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("\"sha256\""));
  testing_support::Result audit = Run({"files", "downloads", "luton", "--file", "ef-1"});
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_THAT(audit.out, HasSubstr("users/u-jo  evidenceFiles/ef-1"));
  EXPECT_EQ(Run({"files", "show", "ef-2"}).exit_code, 5);  // NOT_FOUND
  EXPECT_THAT(Run({"files", "help"}).out, HasSubstr("sixsteps files upload PATH"));
}

}  // namespace
}  // namespace sixsteps::cli
