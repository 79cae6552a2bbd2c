// Evidence files in a real sixsteps-assessment process (issue 16): an upload cut off by
// the process dying (SIGKILL, mid-stream) stores nothing once the service is started again,
// and 50 downloads of a 25 MiB file at once grow the process's resident memory by less
// than 64 MiB (files stream; nothing holds a whole file).
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "services/base/status_macros.h"
#include "tests/integration/evidence_file_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/paths.h"

namespace sixsteps::testing::assessment_test {
namespace {

constexpr absl::Duration kPatience = absl::Seconds(60);

// A sixsteps-assessment process on the hub's database, identity and framework.
absl::StatusOr<std::unique_ptr<ServiceProcess>> StartAssessment(const TestHub& hub) {
  return ServiceProcess::Start({ServiceBinary("assessment"), "--listen=127.0.0.1:0",
                                "--db_pool_size=16", "--shutdown_grace=1s"},
                               {
                                   "SIXSTEPS_DATABASE_URL=" + hub.assessment_database_url(),
                                   "SIXSTEPS_IDENTITY_ADDRESS=" + hub.identity_target(),
                                   "SIXSTEPS_FRAMEWORK_ADDRESS=" + hub.framework_target(),
                               },
                               "evidence_process", kPatience);
}

class EvidenceFileProcessTest : public EvidenceFileTest {
 protected:
  // Its cases run a sixsteps-assessment process of their own on the hub's database, and kill
  // it mid-upload.
  bool SharesHub() const override { return false; }

  std::unique_ptr<FStub> StubOf(const ServiceProcess& process) {
    grpc::ChannelArguments arguments;
    arguments.SetMaxSendMessageSize(4 * kMiB);
    arguments.SetMaxReceiveMessageSize(16 * kMiB);
    return av1::EvidenceFileService::NewStub(
        grpc::CreateCustomChannel(process.target(), grpc::InsecureChannelCredentials(), arguments));
  }

  // Sessions of the assessment database inside a transaction that waits for more (an
  // upload waiting for its next chunk).
  int64_t WaitingUploads() {
    return Rows("pg_stat_activity",
                "datname = current_database() AND pid <> pg_backend_pid() "
                "AND state = 'idle in transaction'");
  }
};

TEST_F(EvidenceFileProcessTest, AnUploadCutOffByTheServiceDyingStoresNothing) {
  absl::StatusOr<std::unique_ptr<ServiceProcess>> first = StartAssessment(*hub_);
  ASSERT_THAT(first, IsOk());
  std::unique_ptr<FStub> stub = StubOf(**first);
  const std::string bytes = CsvBytes(3 * kMiB, 5);
  {
    grpc::ClientContext context;
    av1::EvidenceFile file;
    bool open = false;
    // Two of the three MiB: the upload is not over.
    UploadWriter writer = SendUpload(*stub, context, admin_, Metadata("cut.csv"),
                                     bytes.substr(0, 2 * kMiB), &file, &open);
    ASSERT_TRUE(open);
    // The server has the upload's transaction open, waiting for the next chunk.
    bool waiting = false;
    for (int i = 0; i < 1200 && !waiting; ++i) {
      waiting = WaitingUploads() > 0;
      if (!waiting) absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_TRUE(waiting);
    (*first)->Kill();
    EXPECT_FALSE(writer->Finish().ok());
  }
  AwaitNoOpenTransactions();
  ExpectNothingStored();
  // Started again on the same database: nothing of the cut upload, and uploads work.
  absl::StatusOr<std::unique_ptr<ServiceProcess>> second = StartAssessment(*hub_);
  ASSERT_THAT(second, IsOk());
  stub = StubOf(**second);
  ExpectNothingStored();
  av1::EvidenceFile whole;
  {
    grpc::ClientContext context;
    Authorize(context, admin_);
    auto writer = stub->UploadEvidenceFile(&context, &whole);
    av1::UploadEvidenceFileRequest message;
    *message.mutable_metadata() = Metadata("whole.csv");
    message.set_chunk(bytes.substr(0, kMiB));
    ASSERT_TRUE(writer->Write(message));
    for (size_t at = kMiB; at < bytes.size(); at += kMiB) {
      av1::UploadEvidenceFileRequest next;
      next.set_chunk(bytes.substr(at, kMiB));
      ASSERT_TRUE(writer->Write(next));
    }
    writer->WritesDone();
    ASSERT_THAT(writer->Finish(), IsOk());
  }
  EXPECT_EQ(whole.sha256(), HexSha256(bytes));
  EXPECT_EQ(Rows("evidence_files"), 1);
  EXPECT_EQ(Rows("evidence_blobs"), 1);
}

TEST_F(EvidenceFileProcessTest, FiftyDownloadsAtOnceOfA25MiBFileStayUnder64MiB) {
  absl::StatusOr<std::unique_ptr<ServiceProcess>> process = StartAssessment(*hub_);
  ASSERT_THAT(process, IsOk());
  std::unique_ptr<FStub> stub = StubOf(**process);
  const std::string bytes = CsvBytes(25 * kMiB, 8);
  const std::string expected_sha256 = HexSha256(bytes);
  av1::EvidenceFile file;
  {
    grpc::ClientContext context;
    Authorize(context, admin_);
    auto writer = stub->UploadEvidenceFile(&context, &file);
    av1::UploadEvidenceFileRequest message;
    *message.mutable_metadata() = Metadata("big.csv");
    ASSERT_TRUE(writer->Write(message));
    for (size_t at = 0; at < bytes.size(); at += kMiB) {
      av1::UploadEvidenceFileRequest next;
      next.set_chunk(bytes.substr(at, kMiB));
      ASSERT_TRUE(writer->Write(next));
    }
    writer->WritesDone();
    ASSERT_THAT(writer->Finish(), IsOk());
  }
  // After one download, so that the heap and gRPC's buffers have their working size.
  auto download = [&](std::string* sha256) {
    grpc::ClientContext context;
    Authorize(context, viewer_);
    av1::DownloadEvidenceFileRequest request;
    request.set_name(file.name());
    auto reader = stub->DownloadEvidenceFile(&context, request);
    sixsteps::assessment::Sha256 hash;
    av1::DownloadEvidenceFileResponse message;
    while (reader->Read(&message)) hash.Update(message.chunk());
    *sha256 = reader->Finish().ok() ? hash.HexDigest() : "failed";
  };
  std::string warm;
  download(&warm);
  ASSERT_EQ(warm, expected_sha256);
  const int64_t before = (*process)->StatusBytes("VmRSS");
  ASSERT_GT(before, 0);
  ASSERT_TRUE((*process)->ResetPeak());
  std::vector<std::string> hashes(50);
  std::vector<std::thread> threads;
  for (std::string& sha256 : hashes) threads.emplace_back(download, &sha256);
  for (std::thread& thread : threads) thread.join();
  for (const std::string& sha256 : hashes) EXPECT_EQ(sha256, expected_sha256);
  const int64_t peak = (*process)->StatusBytes("VmHWM");
  EXPECT_LT(peak - before, 64 * kMiB) << "resident before " << before << ", peak " << peak;
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
