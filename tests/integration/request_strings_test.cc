// A NUL character in any string field of any request is INVALID_ARGUMENT naming the field,
// before the caller is authenticated or the handler runs (services/common/request_strings.h;
// SIXSTEPS_RPC runs the check, the RPCs written by hand call CheckRequest first), so it
// never reaches PostgreSQL's text (which cannot hold one: INTERNAL before) and nothing is
// written. Against a whole hub in this process: every unary method of every service the
// contracts declare (read from proto/, so a new service is walked too) by its descriptor,
// the four streams by their stubs, and write RPCs of four services with the databases
// compared before and after.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/support/calls.h"
#include "tests/support/contract_services.h"
#include "tests/support/generic_call.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace pb = google::protobuf;
namespace av1 = ::sixsteps::assessment::v1;
namespace iv1 = ::sixsteps::identity::v1;
namespace nv1 = ::sixsteps::notification::v1;
namespace rv1 = ::sixsteps::reporting::v1;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kNul("text\0more", 9);

// Puts kNul into the first string field reachable in `message` (strings of a message before
// its messages, a repeated field by a first element) and returns its path as
// CheckRequestStrings names it; "" if the message has no string field.
std::string PutNul(pb::Message& message, const std::string& prefix, int depth) {
  const pb::Descriptor* type = message.GetDescriptor();
  const pb::Reflection* reflection = message.GetReflection();
  for (int i = 0; i < type->field_count(); ++i) {
    const pb::FieldDescriptor* field = type->field(i);
    if (field->type() != pb::FieldDescriptor::TYPE_STRING) continue;
    if (field->is_repeated()) {
      reflection->AddString(&message, field, kNul);
      return absl::StrCat(prefix, field->name(), "[0]");
    }
    reflection->SetString(&message, field, kNul);
    return absl::StrCat(prefix, field->name());
  }
  if (depth >= 4) return "";
  for (int i = 0; i < type->field_count(); ++i) {
    const pb::FieldDescriptor* field = type->field(i);
    if (field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      std::string path = PutNul(*reflection->AddMessage(&message, field),
                                absl::StrCat(prefix, field->name(), "[0]."), depth + 1);
      if (!path.empty()) return path;
      reflection->RemoveLast(&message, field);
    } else {
      std::string path = PutNul(*reflection->MutableMessage(&message, field),
                                absl::StrCat(prefix, field->name(), "."), depth + 1);
      if (!path.empty()) return path;
      reflection->ClearField(&message, field);
    }
  }
  return "";
}

// Every table of a database, its rows' count and digest: equal before and after means
// nothing was written.
std::string Fingerprint(const std::string& database_url) {
  pqxx::connection connection(database_url);
  pqxx::work txn(connection);
  std::string fingerprint;
  for (const pqxx::row& row :
       txn.exec("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")) {
    const std::string table = txn.quote_name(row[0].as<std::string>());
    absl::StrAppend(&fingerprint, table, " ",
                    txn.exec1(absl::StrCat("SELECT count(*)::text || ' ' || md5(coalesce("
                                           "string_agg(t::text, ',' ORDER BY t::text), '')) FROM ",
                                           table, " t"))[0]
                        .as<std::string>(),
                    "\n");
  }
  return fingerprint;
}

class RequestStringsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<TestHub>> started = TestHub::Start("nul");
    ASSERT_TRUE(started.ok()) << started.status();
    hub_ = started->release();
    ASSERT_TRUE(hub_->StartReporting().ok());
    ASSERT_TRUE(hub_->StartNotification().ok());
    ASSERT_TRUE(hub_->CreateRegion("north").ok());
    ASSERT_TRUE(hub_->CreatePartnership("pnul", "north").ok());
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    av1::Assessment round;
    grpc::Status created = hub_->AssessmentStub()->CreateAssessment(
        &context,
        RoundRequest("partnerships/pnul", av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "NUL round"),
        &round);
    ASSERT_TRUE(created.ok()) << created.error_message();
    round_ = new std::string(round.name());
  }
  static void TearDownTestSuite() {
    delete hub_;
    hub_ = nullptr;
    delete round_;
  }

  std::string Databases() const {
    return absl::StrCat(Fingerprint(hub_->identity_database_url()),
                        Fingerprint(hub_->framework_database_url()),
                        Fingerprint(hub_->assessment_database_url()));
  }

  static TestHub* hub_;
  static std::string* round_;
};

TestHub* RequestStringsTest::hub_ = nullptr;
std::string* RequestStringsTest::round_ = nullptr;

TEST_F(RequestStringsTest, EveryUnaryMethodOfEveryServiceRefusesANulNamingTheField) {
  auto channel = [](const std::string& target) {
    return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  };
  // The hub's five servers. Which one serves a service is not listed here: each method is
  // asked of all five, and exactly one may answer other than UNIMPLEMENTED.
  const std::map<std::string, std::shared_ptr<grpc::Channel>> servers = {
      {"identity", channel(hub_->identity_target())},
      {"framework", channel(hub_->framework_target())},
      {"assessment", channel(hub_->assessment_target())},
      {"reporting", channel(hub_->reporting_target())},
      {"notification", channel(hub_->notification_target())},
  };
  // Every service of the contracts but the benchmark's echo (bench/ serves it, not the hub).
  std::set<std::string> services = ContractServices();
  ASSERT_EQ(services.erase("sixsteps.bench.v1.EchoService"), 1u);
  EXPECT_GE(services.size(), 11u);
  const std::string before = Databases();
  int checked = 0;
  std::vector<std::string> streams, without_strings;
  for (const std::string& name : services) {
    const pb::ServiceDescriptor* service =
        pb::DescriptorPool::generated_pool()->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name << ": not linked into the test hub";
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor* method = service->method(i);
      if (method->client_streaming() || method->server_streaming()) {
        streams.push_back(method->name());  // by their stubs, below
        continue;
      }
      std::unique_ptr<pb::Message> request(
          pb::MessageFactory::generated_factory()->GetPrototype(method->input_type())->New());
      const std::string field = PutNul(*request, "", 0);
      if (field.empty()) {
        without_strings.push_back(method->name());
        continue;
      }
      grpc::Status status;
      std::vector<std::string> serving;
      for (const auto& [server, server_channel] : servers) {
        std::string response;
        grpc::Status answer =
            GenericUnary(server_channel, absl::StrCat("/", name, "/", method->name()),
                         request->SerializeAsString(), &response,
                         {{"authorization", absl::StrCat("Bearer ", hub_->admin_token())}});
        if (answer.error_code() == grpc::StatusCode::UNIMPLEMENTED) continue;
        serving.push_back(server);
        status = answer;
      }
      ASSERT_EQ(serving.size(), 1u)
          << method->full_name() << " is served by " << serving.size() << " of the hub's servers";
      EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << method->full_name() << ": " << status.error_message();
      EXPECT_THAT(status.error_message(), StartsWith(absl::StrCat(field, ": must not contain")))
          << method->full_name();
      EXPECT_THAT(status.error_message(), Not(HasSubstr("more"))) << method->full_name();
      ++checked;
    }
  }
  EXPECT_GT(checked, 140);
  EXPECT_THAT(streams, ::testing::UnorderedElementsAre("WatchChanges", "UploadEvidenceFile",
                                                       "DownloadEvidenceFile", "StreamReport"));
  // Requests with nothing but numbers, enums and times cannot hold a NUL: reads, and
  // RotateSigningKey (an empty request). A write named here would be one the sweep skipped.
  for (const std::string& name : without_strings) {
    EXPECT_THAT(name, ::testing::AnyOf(StartsWith("List"), StartsWith("Get"), StartsWith("Echo"),
                                       ::testing::Eq("RotateSigningKey")))
        << name << " has no string field";
  }
  EXPECT_EQ(Databases(), before);
}

// A stream's end: refused INVALID_ARGUMENT naming `field`, with no message sent.
template <typename Message, typename Stream>
void ExpectRefusedBeforeAnyMessage(Stream& stream, const std::string& field) {
  Message message;
  EXPECT_FALSE(stream.Read(&message));
  grpc::Status status = stream.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), StartsWith(absl::StrCat(field, ": must not contain")));
}

TEST_F(RequestStringsTest, StreamsRefuseANulBeforeTheirFirstMessage) {
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    av1::EvidenceFile file;
    auto upload = hub_->EvidenceFileStub()->UploadEvidenceFile(&context, &file);
    av1::UploadEvidenceFileRequest first;
    first.mutable_metadata()->set_partnership("partnerships/pnul");
    first.mutable_metadata()->set_file_name(kNul);
    first.set_chunk(std::string("%PDF-1.4\0\0", 10));  // bytes may hold a NUL
    upload->Write(first);
    upload->WritesDone();
    grpc::Status status = upload->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_THAT(status.error_message(), StartsWith("metadata.file_name: must not contain"));
  }
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    av1::DownloadEvidenceFileRequest request;
    request.set_name(kNul);
    auto download = hub_->EvidenceFileStub()->DownloadEvidenceFile(&context, request);
    ExpectRefusedBeforeAnyMessage<av1::DownloadEvidenceFileResponse>(*download, "name");
  }
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    rv1::StreamReportRequest request;
    request.mutable_report()->mutable_assessment()->set_assessment(kNul);
    auto report = hub_->ReportingStub()->StreamReport(&context, request);
    ExpectRefusedBeforeAnyMessage<rv1::StreamReportResponse>(*report,
                                                             "report.assessment.assessment");
  }
  {
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    av1::WatchChangesRequest request;
    request.set_partnership(kNul);
    auto watch = hub_->AssessmentStub()->WatchChanges(&context, request);
    ExpectRefusedBeforeAnyMessage<av1::WatchChangesResponse>(*watch, "partnership");
  }
}

TEST_F(RequestStringsTest, WritesOfFourServicesWithANulWriteNothing) {
  const std::string before = Databases();
  const int64_t feed_head = *hub_->FeedHead();
  auto expect_refused = [](const absl::Status& status, const std::string& field) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(absl::StrCat(field, ": must not")));
  };
  auto identity = hub_->IdentityStub();
  iv1::CreateRegionRequest region;
  region.set_region_id("south");
  region.mutable_region()->set_display_name(kNul);  // nested
  iv1::Region made_region;
  expect_refused(Call(*identity, &iv1::IdentityService::Stub::CreateRegion, hub_->admin_token(),
                      region, &made_region),
                 "region.display_name");
  iv1::CreateUserRequest user;  // written by hand (its retry-after trailer)
  user.mutable_user()->set_email(absl::StrCat("nul", kNul, "@hub.test"));
  user.set_password("a long enough password for the test");
  iv1::User made_user;
  expect_refused(Call(*identity, &iv1::IdentityService::Stub::CreateUser, hub_->admin_token(), user,
                      &made_user),
                 "user.email");

  auto assessment = hub_->AssessmentStub();
  av1::CreateAssessmentRequest round =
      RoundRequest("partnerships/pnul", av1::ASSESSMENT_KIND_SELF_ASSESSMENT, kNul);
  av1::Assessment made_round;
  expect_refused(Call(*assessment, &av1::AssessmentService::Stub::CreateAssessment,
                      hub_->admin_token(), round, &made_round),
                 "assessment.title");
  auto voice = hub_->VoiceStub();
  av1::CreateEngagementRecordRequest record;
  record.set_parent(*round_);
  record.mutable_engagement_record()->set_title("Forum");
  record.mutable_engagement_record()->add_evidence_files("evidenceFiles/f-1");
  record.mutable_engagement_record()->add_evidence_files(kNul);  // nested and repeated
  av1::EngagementRecord made_record;
  expect_refused(Call(*voice, &av1::VoiceService::Stub::CreateEngagementRecord, hub_->admin_token(),
                      record, &made_record),
                 "engagement_record.evidence_files[1]");

  auto notification = hub_->NotificationStub();
  nv1::CreateWebhookRequest webhook;
  webhook.set_parent("partnerships/pnul");
  webhook.mutable_webhook()->set_url("https://hooks.example.org/sixsteps");
  webhook.mutable_webhook()->add_event_types(kNul);
  nv1::Webhook made_webhook;
  expect_refused(Call(*notification, &nv1::NotificationService::Stub::CreateWebhook,
                      hub_->admin_token(), webhook, &made_webhook),
                 "webhook.event_types[0]");
  nv1::ListWebhooksRequest list;
  list.set_parent("partnerships/pnul");
  nv1::ListWebhooksResponse webhooks;
  ASSERT_TRUE(Call(*notification, &nv1::NotificationService::Stub::ListWebhooks,
                   hub_->admin_token(), list, &webhooks)
                  .ok());
  EXPECT_EQ(webhooks.webhooks_size(), 0);

  EXPECT_EQ(*hub_->FeedHead(), feed_head);
  EXPECT_EQ(Databases(), before);
}

}  // namespace
}  // namespace sixsteps::testing
