#include "bench/scenarios_reads.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "bench/scenarios_ceilings.h"

namespace sixsteps::bench {
namespace {

namespace rv1 = ::sixsteps::reporting::v1;

constexpr char kGetAssessmentReport[] =
    "/sixsteps.reporting.v1.ReportingService/GetAssessmentReport";

grpc::ByteBuffer Encoded(const google::protobuf::Message& message) {
  grpc::Slice slice(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

// What is wrong with the reply to a request for `round` ("" if nothing): too small to be a
// report, or, when `parse`, not a report of that round.
std::string CheckReply(grpc::ByteBuffer& reply, const std::string& round, bool parse) {
  const size_t size = reply.Length();
  if (size < kMinReportBytes) {
    return absl::StrCat("a report of ", size, " bytes for ", round);
  }
  if (!parse) return "";
  rv1::AssessmentReport report;
  if (!grpc::SerializationTraits<rv1::AssessmentReport>::Deserialize(&reply, &report).ok()) {
    return absl::StrCat("the report of ", round, " does not parse");
  }
  if (report.assessment() != round) {
    return absl::StrCat("asked for ", round, ", got the report of ", report.assessment());
  }
  return "";
}

}  // namespace

absl::StatusOr<ScenarioResult> RunAssessmentReport(const ScenarioContext& context,
                                                   const RunOptions& options) {
  const std::vector<std::string> rounds = FinalisedRoundsOf(context);
  if (rounds.empty()) return absl::FailedPreconditionError("no finalised round to report on");
  absl::StatusOr<std::string> token = context.dashboard->Token();
  if (!token.ok()) return token.status();
  ScenarioResult result;
  result.name = "read: assessment report";
  result.note = absl::StrCat("a random one of ", rounds.size(),
                             " finalised rounds, read as bytes (size checked; every ",
                             kReportParsedEvery, "th parsed and checked)");
  result.ceiling = kBootstrapEchoCeiling;
  result.bare_ceiling = kBareEchoCeiling;
  grpc::GenericStub stub(Dial(context.addresses.reporting, result.name));
  // The parsed scenario's generators: both read the same rounds in the same order.
  std::vector<std::mt19937_64> rngs;
  std::vector<int> calls(options.concurrency, 0);
  for (int i = 0; i < options.concurrency; ++i) rngs.emplace_back(context.seed * 1000 + i);
  result.run = RunAsync(options, [&](int slot, std::function<void(std::string)> done) {
    struct InFlight {
      grpc::ClientContext context;
      grpc::ByteBuffer request;
      grpc::ByteBuffer reply;
      std::string round;
      bool parse = false;
    };
    auto* call = new InFlight;
    Authorize(call->context, *token, absl::Seconds(30));
    call->round = rounds[rngs[slot]() % rounds.size()];
    call->parse = calls[slot]++ % kReportParsedEvery == 0;
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(call->round);
    call->request = Encoded(request);
    stub.UnaryCall(&call->context, kGetAssessmentReport, grpc::StubOptions(), &call->request,
                   &call->reply, [call, done = std::move(done)](grpc::Status status) {
                     std::string error =
                         status.ok()
                             ? CheckReply(call->reply, call->round, call->parse)
                             : absl::StrCat(status.error_code(), ": ", status.error_message());
                     delete call;
                     done(std::move(error));
                   });
  });
  return result;
}

}  // namespace sixsteps::bench
