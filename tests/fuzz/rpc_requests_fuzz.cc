// Every RPC of every service, through a real hub in this process (tests/support/
// test_hub.h: identity, framework, assessment with its Action, Voice, Programme,
// ScrutinyReport, EvidenceFile and Retention services, reporting and notification, each on
// its own database of a PostgreSQL cluster, real stores, served on 127.0.0.1). The handlers,
// their validation and the stores are the code under test; a request that reaches the store
// is a real statement against PostgreSQL.
//
// An input is: one byte choosing the method (of every method of every service, by full
// name), one byte choosing the caller (the deployment administrator, a partnership
// administrator, a region viewer, or nobody), and the request message's bytes. Bytes that do
// not parse as the method's request message are rejected (they never reach a handler: gRPC
// answers INTERNAL before it). Every answer must be a status a client can act on: INTERNAL,
// UNKNOWN or DATA_LOSS means a handler let bad input through to a failure (the project's rule
// "bad input gets a precise status"), and stops the run like a crash.
//
// What guides the fuzzer: with scripts/fuzz the hub here is build/'s (g++, not instrumented:
// tests/fuzz/prebuilt.cmake), so the compiler's coverage sees only this file. Each answer is
// made a coverage feature instead, through libFuzzer's extra counters: the method, the status
// and the shape of the message (its text without quoted parts and digits), so an input that
// reaches a refusal no input reached before is kept and mutated further. A hub compiled here
// (SIXSTEPS_FUZZ_PREBUILT empty) adds the handlers' own coverage to it.
//
// The streaming RPCs (WatchChanges, UploadEvidenceFile, DownloadEvidenceFile, StreamReport)
// get the request as their one message (an upload's first, the file's details), then the
// client's end of writing; at most kMaxStreamReads answers are read before the call is
// cancelled (a watch never ends by itself), and a streaming call has 1 s.
//
// SIXSTEPS_FUZZ_SEED_DIR: the folder to write a seed per method into at start (a request
// naming the hub's region, partnership and round, so that mutations start past "not found").
// SIXSTEPS_TEST_PG: the cluster to use (scripts/fuzz starts one); else one is started.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>
#include <google/protobuf/stubs/logging.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/auth.h"
#include "services/common/log.h"
#include "tests/support/generic_call.h"
#include "tests/support/test_hub.h"

namespace {

namespace pb = google::protobuf;
using sixsteps::auth::Role;

constexpr int kMaxStreamReads = 8;

struct Method {
  const pb::MethodDescriptor* descriptor;
  std::string path;  // "/package.Service/Method"
  std::shared_ptr<grpc::Channel> channel;
};

struct Fuzzing {
  std::unique_ptr<sixsteps::testing::TestHub> hub;
  std::vector<Method> methods;
  std::string round;  // "assessments/{id}", created at start
  // Tokens per caller kind, minted again every few seconds (a fuzzed revocation of the
  // administrator's tokens must not stop the run).
  std::vector<std::string> tokens;
  absl::Time minted = absl::InfinitePast();
};

Fuzzing* state = nullptr;

// One call of a streaming method with `request` as its one message: written, the writing
// side closed, up to kMaxStreamReads answers read (then cancelled); the call's status.
grpc::Status StreamingCall(const Method& method, const std::string& request,
                           const std::vector<std::pair<std::string, std::string>>& metadata,
                           size_t* response_size) {
  grpc::GenericStub stub(method.channel);
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  for (const auto& [key, value] : metadata) context.AddMetadata(key, value);
  // Each step waits for its own completion, so the queue holds one operation at a time.
  auto step = [&queue]() {
    void* tag = nullptr;
    bool ok = false;
    return queue.Next(&tag, &ok) && ok;
  };
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, method.path, &queue);
  void* const kTag = reinterpret_cast<void*>(1);
  call->StartCall(kTag);
  bool open = step();
  if (open) {
    grpc::Slice slice(request);
    grpc::ByteBuffer message(&slice, 1);
    call->Write(message, kTag);
    open = step();
  }
  if (open) {
    call->WritesDone(kTag);
    open = step();
  }
  *response_size = 0;
  int reads = 0;
  for (; open && reads < kMaxStreamReads; ++reads) {
    grpc::ByteBuffer answer;
    call->Read(&answer, kTag);
    open = step();
    if (open) *response_size += answer.Length();
  }
  if (reads == kMaxStreamReads) context.TryCancel();
  grpc::Status status;
  call->Finish(&status, kTag);
  (void)step();
  queue.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue.Next(&tag, &ok)) {
  }
  return status;
}

// libFuzzer reads these as coverage besides the compiler's (its "extra counters"), clearing
// them before each input: one counter per kind of answer (Feature).
constexpr size_t kAnswerFeatures = 1 << 16;
__attribute__((used, section("__libfuzzer_extra_counters")))
uint8_t answer_features[kAnswerFeatures];

// An error message without what an input put in it (quoted parts, numbers), so that it names
// the check that refused, not the input.
std::string MessageShape(const std::string& message) {
  std::string shape;
  char quote = 0;
  for (char c : message) {
    if (quote != 0) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    if (absl::ascii_isdigit(static_cast<unsigned char>(c))) continue;
    shape.push_back(c);
    if (shape.size() >= 96) break;
  }
  return shape;
}

// Counts the answer: the method, its status and the message's shape (for OK, the response's
// size to a power of two), so that each new kind of answer is new coverage.
void Feature(size_t method, const grpc::Status& status, size_t response_size) {
  std::string what = absl::StrCat(method, "/", static_cast<int>(status.error_code()), "/");
  if (status.ok()) {
    absl::StrAppend(&what, response_size == 0 ? 0 : 64 - __builtin_clzll(response_size));
  } else {
    absl::StrAppend(&what, MessageShape(status.error_message()));
  }
  uint8_t& counter = answer_features[std::hash<std::string>()(what) % kAnswerFeatures];
  if (counter < 255) ++counter;
}

void Die(const std::string& what) {
  std::fprintf(stderr, "rpc_requests fuzz set-up: %s\n", what.c_str());
  std::abort();
}

sixsteps::auth::Caller CallerOf(const std::string& principal, Role role, const std::string& region,
                                const std::string& partnership) {
  sixsteps::auth::Caller caller;
  caller.principal = principal;
  caller.display_name = "Fuzz";
  caller.grants.push_back({role, region, partnership, ""});
  return caller;
}

void MintTokens() {
  if (absl::Now() - state->minted < absl::Seconds(2)) return;
  const absl::Time now = absl::Now();
  const std::vector<sixsteps::auth::Caller> callers = {
      CallerOf("users/fuzz-admin", Role::ROLE_HUB_ADMINISTRATOR, "*", ""),
      CallerOf("users/fuzz-partnership", Role::ROLE_PARTNERSHIP_ADMINISTRATOR, "north", "pfuzz"),
      CallerOf("users/fuzz-viewer", Role::ROLE_VIEWER, "north", "")};
  state->tokens.clear();
  for (const sixsteps::auth::Caller& caller : callers) {
    absl::StatusOr<std::string> token =
        state->hub->MintToken(sixsteps::auth::ClaimsFor(caller, now, absl::Minutes(10), "fuzz"));
    if (!token.ok()) Die(token.status().ToString());
    state->tokens.push_back(*token);
  }
  state->tokens.push_back("");  // nobody
  state->minted = now;
}

// A request with every name-like string field set to the hub's records, so that a seed's
// call gets past "not found" and into the handler's checks.
void FillNames(pb::Message& message, int depth) {
  if (depth > 3) return;
  const pb::Descriptor* type = message.GetDescriptor();
  const pb::Reflection* reflection = message.GetReflection();
  for (int i = 0; i < type->field_count(); ++i) {
    const pb::FieldDescriptor* field = type->field(i);
    if (field->is_repeated()) continue;
    const std::string& name = field->name();
    if (field->type() == pb::FieldDescriptor::TYPE_STRING) {
      std::string value;
      if (absl::StrContains(name, "partnership"))
        value = "partnerships/pfuzz";
      else if (absl::StrContains(name, "region"))
        value = "regions/north";
      else if (name == "assessment" || name == "parent")
        value = state->round;
      else if (name == "scope")
        value = "partnerships/pfuzz";
      else if (name == "title" || name == "display_name")
        value = "Fuzz";
      if (!value.empty()) reflection->SetString(&message, field, value);
    } else if (field->type() == pb::FieldDescriptor::TYPE_MESSAGE &&
               !absl::StartsWith(field->message_type()->full_name(), "google.")) {
      FillNames(*reflection->MutableMessage(&message, field), depth + 1);
    }
  }
}

void WriteSeeds(const std::string& dir) {
  for (size_t i = 0; i < state->methods.size(); ++i) {
    const pb::Descriptor* input = state->methods[i].descriptor->input_type();
    std::unique_ptr<pb::Message> request(
        pb::MessageFactory::generated_factory()->GetPrototype(input)->New());
    FillNames(*request, 0);
    // The round's own methods (GetAssessment, UpdateAssessment...) name it.
    const pb::FieldDescriptor* name = input->FindFieldByName("name");
    if (name != nullptr && name->type() == pb::FieldDescriptor::TYPE_STRING &&
        !name->is_repeated() &&
        absl::EndsWith(state->methods[i].descriptor->name(), "Assessment")) {
      request->GetReflection()->SetString(request.get(), name, state->round);
    }
    for (int caller = 0; caller < 2; ++caller) {
      std::string bytes;
      bytes.push_back(static_cast<char>(i));
      bytes.push_back(static_cast<char>(caller));
      bytes += request->SerializeAsString();
      std::ofstream(absl::StrCat(dir, "/", state->methods[i].descriptor->name(), "-", caller),
                    std::ios::binary)
          << bytes;
    }
  }
}

void SetUp() {
  state = new Fuzzing;
  absl::StatusOr<std::unique_ptr<sixsteps::testing::TestHub>> hub =
      sixsteps::testing::TestHub::Start("fuzz");
  if (!hub.ok()) Die(hub.status().ToString());
  state->hub = *std::move(hub);
  if (absl::Status s = state->hub->StartReporting(); !s.ok()) Die(s.ToString());
  if (absl::Status s = state->hub->StartNotification(); !s.ok()) Die(s.ToString());
  if (absl::Status s = state->hub->CreateRegion("north"); !s.ok()) Die(s.ToString());
  if (absl::Status s = state->hub->CreatePartnership("pfuzz", "north"); !s.ok()) Die(s.ToString());
  {
    grpc::ClientContext context;
    sixsteps::testing::Authorize(context, state->hub->admin_token());
    sixsteps::assessment::v1::Assessment round;
    grpc::Status created = state->hub->AssessmentStub()->CreateAssessment(
        &context,
        sixsteps::testing::RoundRequest("partnerships/pfuzz",
                                        sixsteps::assessment::v1::ASSESSMENT_KIND_SELF_ASSESSMENT,
                                        "Fuzz round"),
        &round);
    if (!created.ok()) Die(created.error_message());
    state->round = round.name();
  }

  auto channel = [](const std::string& target) {
    return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  };
  const std::map<std::string, std::shared_ptr<grpc::Channel>> services = {
      {"sixsteps.identity.v1.IdentityService", channel(state->hub->identity_target())},
      {"sixsteps.framework.v1.FrameworkService", channel(state->hub->framework_target())},
      {"sixsteps.assessment.v1.AssessmentService", channel(state->hub->assessment_target())},
      {"sixsteps.action.v1.ActionService", channel(state->hub->assessment_target())},
      {"sixsteps.assessment.v1.VoiceService", channel(state->hub->assessment_target())},
      {"sixsteps.assessment.v1.ProgrammeService", channel(state->hub->assessment_target())},
      {"sixsteps.assessment.v1.ScrutinyReportService", channel(state->hub->assessment_target())},
      {"sixsteps.assessment.v1.EvidenceFileService", channel(state->hub->assessment_target())},
      {"sixsteps.assessment.v1.RetentionService", channel(state->hub->assessment_target())},
      {"sixsteps.reporting.v1.ReportingService", channel(state->hub->reporting_target())},
      {"sixsteps.notification.v1.NotificationService", channel(state->hub->notification_target())},
  };
  for (const auto& [name, service_channel] : services) {
    const pb::ServiceDescriptor* service =
        pb::DescriptorPool::generated_pool()->FindServiceByName(name);
    if (service == nullptr) Die(absl::StrCat("no service ", name));
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor* method = service->method(i);
      state->methods.push_back(
          {method, absl::StrCat("/", name, "/", method->name()), service_channel});
    }
  }
  std::sort(state->methods.begin(), state->methods.end(),
            [](const Method& a, const Method& b) { return a.path < b.path; });
  if (state->methods.size() > 256) Die("more methods than one byte chooses from");
  MintTokens();
  if (const char* dir = std::getenv("SIXSTEPS_FUZZ_SEED_DIR"); dir != nullptr && *dir != '\0') {
    WriteSeeds(dir);
  }
  std::fprintf(stderr, "rpc_requests: %zu methods, round %s\n", state->methods.size(),
               state->round.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The hub's log lines (a line per call) would drown the fuzzer's, and so would protobuf's
  // (a line per string field that is not UTF-8, which most mutations make).
  sixsteps::SetLogSinkForTesting([](const std::string&) {});
  pb::SetLogHandler(nullptr);
  SetUp();
  // The hub's threads (the notification follower, the feed consumers...) run until the
  // process ends, and at exit libpqxx's static objects are destroyed under them (ASan: a
  // heap-use-after-free in the follower's next query, on the empty input). Runs that end
  // normally end here instead, before any static destructor.
  std::atexit([] { std::_Exit(0); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return -1;
  const size_t method_index = data[0] % state->methods.size();
  const Method& method = state->methods[method_index];
  MintTokens();
  const std::string& token = state->tokens[data[1] % state->tokens.size()];

  std::unique_ptr<pb::Message> request(pb::MessageFactory::generated_factory()
                                           ->GetPrototype(method.descriptor->input_type())
                                           ->New());
  if (!request->ParseFromArray(data + 2, static_cast<int>(size - 2))) return -1;
  std::vector<std::pair<std::string, std::string>> metadata;
  if (!token.empty()) metadata.emplace_back("authorization", absl::StrCat("Bearer ", token));
  std::string response;
  size_t response_size = 0;
  grpc::Status status;
  if (method.descriptor->client_streaming() || method.descriptor->server_streaming()) {
    status = StreamingCall(method, request->SerializeAsString(), metadata, &response_size);
  } else {
    status = sixsteps::testing::GenericUnary(method.channel, method.path,
                                             request->SerializeAsString(), &response, metadata);
    response_size = response.size();
  }
  Feature(method_index, status, response_size);
  switch (status.error_code()) {
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DATA_LOSS:
      std::fprintf(stderr, "%s answered %d \"%s\" to: %s\n", method.path.c_str(),
                   static_cast<int>(status.error_code()), status.error_message().c_str(),
                   request->ShortDebugString().c_str());
      std::abort();
    default:
      break;
  }
  return 0;
}
