#include "tests/upgrade/steady_reads.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/server.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"
#include "sixsteps/reporting/v1/reporting_service.grpc.pb.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
namespace rv1 = ::sixsteps::reporting::v1;

constexpr absl::Duration kCallDeadline = absl::Seconds(5);

// `succeeded`: the calls that had succeeded before this one, which places the first failure of
// each code among the test's steps (each step prints how many reports had been read).
void Record(ReadFigures& figures, const grpc::Status& status, int64_t succeeded) {
  const char* name = ::sixsteps::StatusCodeName(status.error_code());
  ++figures.failures[name];
  figures.first_failures.emplace(
      name, absl::StrCat(status.error_message(), " (after ", succeeded, " successful calls)"));
}

bool Await(const std::atomic<int64_t>& value, int64_t wanted, absl::Duration patience) {
  for (absl::Time give_up = absl::Now() + patience; value.load() < wanted;
       absl::SleepFor(absl::Milliseconds(20))) {
    if (absl::Now() > give_up) return false;
  }
  return true;
}

}  // namespace

std::shared_ptr<grpc::Channel> RedialingChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

ReportReader::ReportReader(std::string target, std::string token, std::string round)
    : target_(std::move(target)), token_(std::move(token)), round_(std::move(round)) {}

ReportReader::~ReportReader() { Stop(); }

void ReportReader::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ReportReader::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

bool ReportReader::AwaitSucceeded(int64_t count, absl::Duration patience) const {
  return Await(succeeded_, count, patience);
}

ReadFigures ReportReader::Figures() const {
  std::lock_guard<std::mutex> lock(mu_);
  ReadFigures figures = figures_;
  figures.succeeded = succeeded_.load();
  return figures;
}

void ReportReader::Run() {
  auto stub = rv1::ReportingService::NewStub(RedialingChannel(target_));
  // A failed read is retried even after Stop(), until it succeeds or a minute has passed: a
  // failure is never left without its retry.
  absl::Time give_up = absl::InfiniteFuture();
  while (!stop_ || (failing_ && absl::Now() < give_up)) {
    if (stop_ && give_up == absl::InfiniteFuture()) give_up = absl::Now() + absl::Minutes(1);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token_);
    context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(round_);
    rv1::AssessmentReport report;
    grpc::Status status = stub->GetAssessmentReport(&context, request, &report);
    if (status.ok()) {
      ++succeeded_;
      failing_ = false;
      absl::SleepFor(absl::Milliseconds(20));
      continue;
    }
    failing_ = true;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Record(figures_, status, succeeded_.load());
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
}

FeedWatcher::FeedWatcher(std::string target, std::string token)
    : target_(std::move(target)), token_(std::move(token)) {}

FeedWatcher::~FeedWatcher() { Stop(); }

void FeedWatcher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void FeedWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    if (open_ != nullptr) open_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

bool FeedWatcher::AwaitCursor(int64_t sequence, absl::Duration patience) const {
  return Await(cursor_, sequence, patience);
}

ReadFigures FeedWatcher::Endings() const {
  std::lock_guard<std::mutex> lock(mu_);
  return endings_;
}

std::vector<std::string> FeedWatcher::Problems() const {
  std::lock_guard<std::mutex> lock(mu_);
  return problems_;
}

void FeedWatcher::Run() {
  auto stub = av1::AssessmentService::NewStub(RedialingChannel(target_));
  while (true) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
      open_ = &context;
    }
    av1::WatchChangesRequest request;
    request.set_after_sequence(cursor_.load());
    ++streams_;
    std::unique_ptr<grpc::ClientReader<av1::WatchChangesResponse>> stream =
        stub->WatchChanges(&context, request);
    av1::WatchChangesResponse response;
    while (stream->Read(&response)) {
      const int64_t sequence = response.change().sequence();
      const int64_t expected = cursor_.load() + 1;
      if (sequence != expected) {
        std::lock_guard<std::mutex> lock(mu_);
        problems_.push_back(absl::StrCat(sequence < expected ? "duplicate" : "gap", ": change ",
                                         sequence, " received after ", expected - 1, " (stream ",
                                         streams_.load(), ")"));
      }
      if (sequence > cursor_.load()) cursor_ = sequence;
    }
    grpc::Status status = stream->Finish();
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ = nullptr;
      if (stop_) return;
      if (status.ok()) {
        ++endings_.failures["OK"];
      } else {
        Record(endings_, status, streams_.load());
      }
    }
    // Resumed after the cursor, once the server is back (the channel redials it).
    absl::SleepFor(absl::Milliseconds(100));
  }
}

}  // namespace sixsteps::testing
