#include "tests/support/test_hub.h"

#include <grpcpp/create_channel.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "services/assessment/action_service.h"
#include "services/assessment/assessment_service.h"
#include "services/assessment/directory.h"
#include "services/assessment/evidence_file_domain.h"
#include "services/assessment/evidence_file_service.h"
#include "services/assessment/pg_feed_sequencer.h"
#include "services/assessment/pg_store.h"
#include "services/assessment/pg_store_evidence_files.h"
#include "services/assessment/pg_store_programme.h"
#include "services/assessment/pg_store_retention.h"
#include "services/assessment/pg_store_scrutiny.h"
#include "services/assessment/programme_service.h"
#include "services/assessment/retention_service.h"
#include "services/assessment/scrutiny_report_service.h"
#include "services/assessment/voice_service.h"
#include "services/common/db.h"
#include "services/common/jwt.h"
#include "services/common/server.h"
#include "services/framework/framework_service.h"
#include "services/framework/store.h"
#include "services/identity/identity_service.h"
#include "services/identity/pg_store.h"
#include "services/identity/setup_commands.h"
#include "services/notification/follower.h"
#include "services/notification/notification_service.h"
#include "services/notification/pg_store.h"
#include "services/notification/pg_store_webhooks.h"
#include "services/notification/webhook_dispatcher.h"
#include "services/reporting/feed_consumer.h"
#include "services/reporting/read_model.h"
#include "services/reporting/report_cache_listener.h"
#include "services/reporting/reporting_service.h"
#include "tests/support/pg_cluster.h"

namespace sixsteps::testing {
namespace {

namespace idv1 = ::sixsteps::identity::v1;

std::shared_ptr<grpc::Channel> Dial(const std::string& target) {
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   ServiceChannelArguments());
}

}  // namespace

void Authorize(grpc::ClientContext& context, const std::string& token) {
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

assessment::v1::CreateAssessmentRequest RoundRequest(const std::string& partnership,
                                                     assessment::v1::AssessmentKind kind,
                                                     const std::string& title,
                                                     const std::string& period_start,
                                                     const std::string& period_end) {
  assessment::v1::CreateAssessmentRequest request;
  assessment::v1::Assessment* round = request.mutable_assessment();
  round->set_partnership(partnership);
  round->set_framework_version("frameworks/six-steps/versions/2019");
  round->set_kind(kind);
  round->set_title(title);
  round->set_period_start(period_start);
  round->set_period_end(period_end);
  return request;
}

struct TestHub::Parts {
  std::unique_ptr<db::ConnectionPool> identity_pool_;
  std::unique_ptr<identity::PgIdentityStore> identity_store_;
  std::unique_ptr<identity::IdentityServiceImpl> identity_service_;
  std::unique_ptr<RunningServer> identity_server_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  std::unique_ptr<db::ConnectionPool> framework_pool_;
  std::unique_ptr<framework::PgFrameworkStore> framework_store_;
  std::unique_ptr<framework::FrameworkServiceImpl> framework_service_;
  std::unique_ptr<RunningServer> framework_server_;
  std::unique_ptr<db::ConnectionPool> assessment_pool_;
  // Appends wake the sequencer and numbering wakes the streams, both through changes_.
  assessment::ChangeSignal changes_;
  std::unique_ptr<assessment::FeedSequencer> feed_sequencer_;
  std::unique_ptr<assessment::PgAssessmentStore> assessment_store_;
  std::unique_ptr<assessment::GrpcDirectory> directory_;
  std::unique_ptr<assessment::AssessmentServiceImpl> assessment_service_;
  std::unique_ptr<assessment::ActionServiceImpl> action_service_;
  std::unique_ptr<assessment::VoiceServiceImpl> voice_service_;
  std::unique_ptr<assessment::PgProgrammeStore> programme_store_;
  std::unique_ptr<assessment::ProgrammeServiceImpl> programme_service_;
  std::unique_ptr<assessment::PgPartnershipRecordStore> partnership_records_;
  std::unique_ptr<assessment::ScrutinyReportServiceImpl> scrutiny_report_service_;
  std::unique_ptr<db::ConnectionPool> upload_pool_;
  std::unique_ptr<assessment::PgEvidenceFileStore> evidence_file_store_;
  std::unique_ptr<assessment::EvidenceFileServiceImpl> evidence_file_service_;
  std::unique_ptr<assessment::PgRetentionStore> retention_store_;
  std::unique_ptr<assessment::RetentionServiceImpl> retention_service_;
  std::unique_ptr<RunningServer> assessment_server_;
  std::unique_ptr<db::ConnectionPool> reporting_pool_;
  std::unique_ptr<reporting::ReadModel> read_model_;
  // report cache (H3): the reports are served as in production, through the cache.
  std::unique_ptr<reporting::ReportCache> report_cache_;
  std::unique_ptr<reporting::OverviewCache> overview_cache_;
  std::unique_ptr<reporting::CacheListener> cache_listener_;
  std::unique_ptr<reporting::Reports> reports_;
  std::unique_ptr<reporting::ReportingServiceImpl> reporting_service_;
  std::unique_ptr<reporting::GrpcUpstream> upstream_;
  std::unique_ptr<reporting::FeedConsumer> consumer_;
  std::unique_ptr<RunningServer> reporting_server_;
  std::unique_ptr<db::ConnectionPool> notification_pool_;
  std::unique_ptr<notification::PgNotificationStore> notification_store_;
  std::unique_ptr<reporting::ServiceToken> notification_token_;
  std::unique_ptr<notification::GrpcPeople> notification_people_;
  std::unique_ptr<notification::TemplateSet> notification_templates_;
  // Webhooks: declared before the service and the follower, which use them, so that they
  // are destroyed after them (the follower's thread writes deliveries until it stops).
  notification::WebhookDispatcherOptions webhook_options_ = [] {
    notification::WebhookDispatcherOptions options;
    options.http.allow_loopback = true;
    options.poll = absl::Milliseconds(50);
    // The notification pool has 4 connections.
    options.workers = 3;
    options.per_subscription = 2;
    return options;
  }();
  std::unique_ptr<notification::PgWebhookStore> webhook_store_;
  std::unique_ptr<notification::ServiceSecret> notification_secret_;  // digest (H1)
  std::optional<notification::DigestOptions> digest_options_;         // digest (H1)
  std::unique_ptr<notification::WebhookDispatcher> webhook_dispatcher_;
  std::unique_ptr<notification::NotificationServiceImpl> notification_service_;
  std::unique_ptr<notification::Follower> follower_;
  std::unique_ptr<RunningServer> notification_server_;
};

TestHub::TestHub() : parts_(std::make_unique<Parts>()) {}
TestHub::~TestHub() = default;

absl::StatusOr<std::unique_ptr<TestHub>> TestHub::Start(const std::string& name) {
  auto hub = std::unique_ptr<TestHub>(new TestHub());
  Parts& parts = *hub->parts_;
  PgCluster& cluster = SharedPgCluster();
  // Each database a copy of one migrated once per cluster (PgCluster::CreateMigratedDatabase).
  SIXSTEPS_ASSIGN_OR_RETURN(
      hub->identity_database_url_,
      cluster.CreateMigratedDatabase(absl::StrCat(name, "_identity"), "identity",
                                     identity::IdentityMigrations()));
  SIXSTEPS_ASSIGN_OR_RETURN(
      hub->framework_database_url_,
      cluster.CreateMigratedDatabase(absl::StrCat(name, "_framework"), "framework",
                                     framework::FrameworkMigrations()));
  parts.identity_pool_ =
      std::make_unique<db::ConnectionPool>(hub->identity_database_url_, 4, absl::Seconds(2));
  parts.identity_store_ = std::make_unique<identity::PgIdentityStore>(parts.identity_pool_.get());
  SIXSTEPS_ASSIGN_OR_RETURN(identity::KeySealer sealer,
                            identity::KeySealer::FromSecret(kKeyEncryptionSecret));
  identity::IdentityOptions options;
  options.password_cost = identity::PasswordCost::Fast();
  parts.identity_service_ = std::make_unique<identity::IdentityServiceImpl>(
      parts.identity_store_.get(), std::move(sealer), options);
  SIXSTEPS_RETURN_IF_ERROR(parts.identity_service_->EnsureSigningKey());
  SIXSTEPS_RETURN_IF_ERROR(
      parts.identity_service_->BootstrapAdministrator(kAdminEmail, "Ada Admin", kAdminPassword)
          .status());
  SIXSTEPS_ASSIGN_OR_RETURN(parts.identity_server_,
                            RunningServer::Start("127.0.0.1:0", {parts.identity_service_.get()}));

  parts.framework_pool_ =
      std::make_unique<db::ConnectionPool>(hub->framework_database_url_, 4, absl::Seconds(2));
  parts.framework_store_ =
      std::make_unique<framework::PgFrameworkStore>(parts.framework_pool_.get());
  parts.verifier_ = std::make_unique<auth::TokenVerifier>(
      std::make_shared<auth::IdentityPublicKeys>(Dial(hub->identity_target()), absl::Seconds(0)));
  parts.framework_service_ = std::make_unique<framework::FrameworkServiceImpl>(
      parts.framework_store_.get(), parts.verifier_.get());
  SIXSTEPS_ASSIGN_OR_RETURN(parts.framework_server_,
                            RunningServer::Start("127.0.0.1:0", {parts.framework_service_.get()}));

  SIXSTEPS_ASSIGN_OR_RETURN(
      hub->assessment_database_url_,
      cluster.CreateMigratedDatabase(absl::StrCat(name, "_assessment"), "assessment",
                                     assessment::AssessmentMigrations()));
  parts.assessment_pool_ =
      std::make_unique<db::ConnectionPool>(hub->assessment_database_url_, 8, absl::Seconds(2));
  parts.feed_sequencer_ = std::make_unique<assessment::FeedSequencer>(
      hub->assessment_database_url_, &parts.changes_, &parts.changes_);
  parts.feed_sequencer_->Start();
  parts.assessment_store_ = std::make_unique<assessment::PgAssessmentStore>(
      parts.assessment_pool_.get(), &parts.changes_);
  parts.directory_ = std::make_unique<assessment::GrpcDirectory>(Dial(hub->identity_target()),
                                                                 Dial(hub->framework_target()));
  parts.assessment_service_ = std::make_unique<assessment::AssessmentServiceImpl>(
      parts.assessment_store_.get(), parts.directory_.get(), parts.verifier_.get(),
      &parts.changes_);
  parts.action_service_ = std::make_unique<assessment::ActionServiceImpl>(
      parts.assessment_store_.get(), parts.directory_.get(), parts.verifier_.get(),
      absl::UTCTimeZone());
  parts.voice_service_ = std::make_unique<assessment::VoiceServiceImpl>(
      parts.assessment_store_.get(), parts.directory_.get(), parts.verifier_.get());
  parts.programme_store_ =
      std::make_unique<assessment::PgProgrammeStore>(parts.assessment_pool_.get(), &parts.changes_);
  parts.programme_service_ = std::make_unique<assessment::ProgrammeServiceImpl>(
      parts.programme_store_.get(), parts.assessment_store_.get(), parts.directory_.get(),
      parts.verifier_.get(), &SystemClock(), absl::UTCTimeZone());
  parts.partnership_records_ = std::make_unique<assessment::PgPartnershipRecordStore>(
      parts.assessment_pool_.get(), &parts.changes_);
  parts.scrutiny_report_service_ = std::make_unique<assessment::ScrutinyReportServiceImpl>(
      parts.assessment_store_.get(), parts.partnership_records_.get(), parts.directory_.get(),
      parts.verifier_.get());
  parts.upload_pool_ =
      std::make_unique<db::ConnectionPool>(hub->assessment_database_url_, 4, absl::Seconds(2));
  parts.evidence_file_store_ = std::make_unique<assessment::PgEvidenceFileStore>(
      parts.assessment_pool_.get(), parts.upload_pool_.get(), &parts.changes_);
  parts.evidence_file_service_ = std::make_unique<assessment::EvidenceFileServiceImpl>(
      parts.evidence_file_store_.get(), parts.assessment_store_.get(), parts.directory_.get(),
      parts.verifier_.get(), int64_t{assessment::kDefaultMaxFileMb} * 1024 * 1024);
  parts.retention_store_ =
      std::make_unique<assessment::PgRetentionStore>(parts.assessment_pool_.get(), &parts.changes_);
  parts.retention_service_ = std::make_unique<assessment::RetentionServiceImpl>(
      parts.retention_store_.get(), parts.assessment_store_.get(), parts.directory_.get(),
      parts.verifier_.get(), &SystemClock());
  SIXSTEPS_ASSIGN_OR_RETURN(
      parts.assessment_server_,
      RunningServer::Start(
          "127.0.0.1:0",
          {parts.assessment_service_.get(), parts.action_service_.get(), parts.voice_service_.get(),
           parts.programme_service_.get(), parts.scrutiny_report_service_.get(),
           parts.evidence_file_service_.get(), parts.retention_service_.get()}));

  SIXSTEPS_ASSIGN_OR_RETURN(idv1::SignInResponse admin, hub->SignIn(kAdminEmail, kAdminPassword));
  hub->admin_token_ = admin.access_token();
  return hub;
}

const std::string& TestHub::assessment_target() const {
  return parts_->assessment_server_->target();
}
const std::string& TestHub::identity_target() const { return parts_->identity_server_->target(); }
const std::string& TestHub::framework_target() const { return parts_->framework_server_->target(); }
reporting::FeedConsumer* TestHub::feed_consumer() { return parts_->consumer_.get(); }
reporting::Reports* TestHub::reports() { return parts_->reports_.get(); }
const auth::TokenVerifier* TestHub::token_verifier() const { return parts_->verifier_.get(); }
notification::Follower* TestHub::notification_follower() { return parts_->follower_.get(); }
void TestHub::set_webhook_options(const notification::WebhookDispatcherOptions& options) {
  parts_->webhook_options_ = options;
}
notification::PgWebhookStore* TestHub::webhook_store() { return parts_->webhook_store_.get(); }
notification::WebhookDispatcher* TestHub::webhook_dispatcher() {
  return parts_->webhook_dispatcher_.get();
}
notification::PgNotificationStore* TestHub::notification_store() {
  return parts_->notification_store_.get();
}
const notification::ServiceSecret& TestHub::notification_secret() const {
  return *parts_->notification_secret_;
}
void TestHub::set_digest_options(const notification::DigestOptions& options) {
  parts_->digest_options_ = options;
}

std::unique_ptr<identity::v1::IdentityService::Stub> TestHub::IdentityStub() const {
  return idv1::IdentityService::NewStub(Dial(identity_target()));
}

std::unique_ptr<framework::v1::FrameworkService::Stub> TestHub::FrameworkStub() const {
  return framework::v1::FrameworkService::NewStub(Dial(framework_target()));
}

std::unique_ptr<assessment::v1::EvidenceFileService::Stub> TestHub::EvidenceFileStub() const {
  return assessment::v1::EvidenceFileService::NewStub(Dial(assessment_target()));
}

std::unique_ptr<assessment::v1::RetentionService::Stub> TestHub::RetentionStub() const {
  return assessment::v1::RetentionService::NewStub(Dial(assessment_target()));
}

std::unique_ptr<assessment::v1::AssessmentService::Stub> TestHub::AssessmentStub() const {
  return assessment::v1::AssessmentService::NewStub(Dial(assessment_target()));
}

std::unique_ptr<action::v1::ActionService::Stub> TestHub::ActionStub() const {
  return action::v1::ActionService::NewStub(Dial(assessment_target()));
}

std::unique_ptr<assessment::v1::VoiceService::Stub> TestHub::VoiceStub() const {
  return assessment::v1::VoiceService::NewStub(Dial(assessment_target()));
}

std::unique_ptr<assessment::v1::ProgrammeService::Stub> TestHub::ProgrammeStub() const {
  return assessment::v1::ProgrammeService::NewStub(Dial(assessment_target()));
}

std::unique_ptr<assessment::v1::ScrutinyReportService::Stub> TestHub::ScrutinyReportStub() const {
  return assessment::v1::ScrutinyReportService::NewStub(Dial(assessment_target()));
}

absl::StatusOr<identity::v1::SignInResponse> TestHub::SignIn(const std::string& email,
                                                             const std::string& password) const {
  grpc::ClientContext context;
  idv1::SignInRequest request;
  request.set_email(email);
  request.set_password(password);
  idv1::SignInResponse response;
  SIXSTEPS_RETURN_IF_ERROR(FromGrpcStatus(IdentityStub()->SignIn(&context, request, &response)));
  return response;
}

absl::Status TestHub::CreateRegion(const std::string& id) const {
  grpc::ClientContext context;
  Authorize(context, admin_token_);
  idv1::CreateRegionRequest request;
  request.set_region_id(id);
  request.mutable_region()->set_display_name(absl::StrCat("Region ", id));
  idv1::Region region;
  return FromGrpcStatus(IdentityStub()->CreateRegion(&context, request, &region));
}

absl::Status TestHub::CreatePartnership(const std::string& id, const std::string& region) const {
  grpc::ClientContext context;
  Authorize(context, admin_token_);
  idv1::CreatePartnershipRequest request;
  request.set_partnership_id(id);
  request.mutable_partnership()->set_display_name(absl::StrCat("Partnership ", id));
  request.mutable_partnership()->set_region(absl::StrCat("regions/", region));
  idv1::Partnership partnership;
  return FromGrpcStatus(IdentityStub()->CreatePartnership(&context, request, &partnership));
}

absl::Status TestHub::CreateOrganisation(const std::string& partnership, const std::string& id,
                                         identity::v1::OrganisationKind kind, bool core) const {
  grpc::ClientContext context;
  Authorize(context, admin_token_);
  idv1::CreateOrganisationRequest request;
  request.set_parent(absl::StrCat("partnerships/", partnership));
  request.set_organisation_id(id);
  request.mutable_organisation()->set_display_name(absl::StrCat("Organisation ", id));
  request.mutable_organisation()->set_kind(kind);
  request.mutable_organisation()->set_core_partner(core);
  idv1::Organisation organisation;
  return FromGrpcStatus(IdentityStub()->CreateOrganisation(&context, request, &organisation));
}

absl::StatusOr<std::string> TestHub::UserWithRoles(const std::string& email,
                                                   const std::vector<Binding>& roles) const {
  const std::string password = "a long enough password";
  idv1::User user;
  {
    grpc::ClientContext context;
    Authorize(context, admin_token_);
    idv1::CreateUserRequest request;
    request.mutable_user()->set_email(email);
    request.mutable_user()->set_display_name(email);
    request.set_password(password);
    SIXSTEPS_RETURN_IF_ERROR(FromGrpcStatus(IdentityStub()->CreateUser(&context, request, &user)));
  }
  for (const Binding& role : roles) {
    grpc::ClientContext context;
    Authorize(context, admin_token_);
    idv1::CreateRoleBindingRequest request;
    request.mutable_role_binding()->set_principal(user.name());
    request.mutable_role_binding()->set_role(role.role);
    request.mutable_role_binding()->set_scope(role.scope);
    request.mutable_role_binding()->set_organisation(role.organisation);
    idv1::RoleBinding binding;
    SIXSTEPS_RETURN_IF_ERROR(
        FromGrpcStatus(IdentityStub()->CreateRoleBinding(&context, request, &binding)));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(idv1::SignInResponse signed_in, SignIn(email, password));
  return signed_in.access_token();
}

absl::Status TestHub::StartReporting() {
  // The same step as `sixsteps-identity ensure-service-account` (scripts/hub, compose).
  identity::ServiceAccountSpec spec;
  spec.display_name = "Reporting service";
  spec.role = auth::Role::ROLE_VIEWER;
  spec.key_display_name = "reporting";
  spec.key_lifetime = absl::Hours(24);
  std::string new_key;
  if (!reporting_api_key_.empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(identity::ServiceAccountSetup found,
                              identity::EnsureServiceAccount(*parts_->identity_store_, spec,
                                                             reporting_api_key_, absl::Now()));
    if (!found.changes.empty()) {
      // The account or its key is gone: the hub's rows were put back to before reporting
      // started (a hub shared by a suite's cases, shared_hub.h), so its cursor, read model
      // and caches are past the restored feed. Reporting starts again as on a new hub: this
      // new account, an empty database, empty caches (the old database is dropped at exit).
      StopReporting();
      parts_->reporting_service_.reset();
      parts_->reports_.reset();
      parts_->upstream_.reset();
      parts_->cache_listener_.reset();
      parts_->overview_cache_.reset();
      parts_->report_cache_.reset();
      parts_->read_model_.reset();
      parts_->reporting_pool_.reset();
      reporting_api_key_.clear();
      new_key = found.secret;
    }
  }
  if (reporting_api_key_.empty()) {
    if (new_key.empty()) {
      SIXSTEPS_ASSIGN_OR_RETURN(
          identity::ServiceAccountSetup setup,
          identity::EnsureServiceAccount(*parts_->identity_store_, spec, "", absl::Now()));
      new_key = setup.secret;
    }
    reporting_api_key_ = new_key;
    SIXSTEPS_ASSIGN_OR_RETURN(reporting_database_url_,
                              SharedPgCluster().CreateMigratedDatabase(
                                  "reporting", "reporting", reporting::ReportingMigrations()));
    parts_->reporting_pool_ =
        std::make_unique<db::ConnectionPool>(reporting_database_url_, 4, absl::Seconds(2));
    parts_->read_model_ = std::make_unique<reporting::ReadModel>(parts_->reporting_pool_.get());
    parts_->upstream_ = std::make_unique<reporting::GrpcUpstream>(
        Dial(identity_target()), Dial(framework_target()), reporting_api_key_);
    parts_->reports_ = std::make_unique<reporting::Reports>(
        parts_->read_model_.get(), absl::UTCTimeZone(),
        reporting::WaitOptions{
            reporting::AssessmentFeedReached(parts_->upstream_.get(), Dial(assessment_target())),
            reporting_max_waiters_});
    // report cache (H3)
    parts_->report_cache_ = std::make_unique<reporting::ReportCache>(size_t{16} << 20);
    parts_->cache_listener_ = std::make_unique<reporting::CacheListener>(
        reporting_database_url_, parts_->report_cache_.get());
    parts_->cache_listener_->Start();
    parts_->reports_->UseCache(parts_->report_cache_.get());
    // overview cache (issue 18), as the service has it
    parts_->overview_cache_ = std::make_unique<reporting::OverviewCache>(size_t{16} << 20);
    parts_->reports_->UseOverviewCache(parts_->overview_cache_.get());
    parts_->reporting_service_ = std::make_unique<reporting::ReportingServiceImpl>(
        parts_->reports_.get(), parts_->verifier_.get());
  }
  reporting::ConsumerOptions options;
  options.directory_refresh = absl::Seconds(2);
  options.standby_poll = absl::Milliseconds(100);
  parts_->consumer_ = std::make_unique<reporting::FeedConsumer>(
      parts_->read_model_.get(), parts_->upstream_.get(), Dial(assessment_target()),
      reporting_database_url_, options);
  parts_->consumer_->Start();
  SIXSTEPS_ASSIGN_OR_RETURN(
      parts_->reporting_server_,
      RunningServer::Start("127.0.0.1:0", {parts_->reporting_service_.get()}));
  return absl::OkStatus();
}

void TestHub::StopReporting() {
  if (parts_->consumer_) parts_->consumer_->Stop();
  parts_->consumer_.reset();
  parts_->reporting_server_.reset();
}

absl::Status TestHub::StartNotification(const Clock* clock, absl::TimeZone zone,
                                        const std::string& templates_dir) {
  if (notification_api_key_.empty()) {
    // The same step as `sixsteps-identity ensure-service-account` in scripts/hub.
    identity::ServiceAccountSpec spec;
    spec.display_name = "Notification service";
    spec.role = auth::Role::ROLE_NOTIFIER;
    spec.key_display_name = "notification";
    spec.key_lifetime = absl::Hours(24);
    SIXSTEPS_ASSIGN_OR_RETURN(
        identity::ServiceAccountSetup setup,
        identity::EnsureServiceAccount(*parts_->identity_store_, spec, "", absl::Now()));
    notification_api_key_ = setup.secret;
    SIXSTEPS_ASSIGN_OR_RETURN(
        notification_database_url_,
        SharedPgCluster().CreateMigratedDatabase("notification", "notification",
                                                 notification::NotificationMigrations()));
    parts_->notification_pool_ =
        std::make_unique<db::ConnectionPool>(notification_database_url_, 4, absl::Seconds(2));
    parts_->notification_store_ =
        std::make_unique<notification::PgNotificationStore>(parts_->notification_pool_.get());
    parts_->notification_token_ =
        notification::MakeServiceToken(Dial(identity_target()), notification_api_key_);
    // Nothing kept: each test sees the bindings it just made.
    parts_->notification_people_ = std::make_unique<notification::GrpcPeople>(
        Dial(identity_target()), parts_->notification_token_.get(), absl::ZeroDuration());
    parts_->notification_service_ = std::make_unique<notification::NotificationServiceImpl>(
        parts_->notification_store_.get(), parts_->notification_people_.get(),
        parts_->verifier_.get());
    // digest (H1): a fixed test secret.
    SIXSTEPS_ASSIGN_OR_RETURN(
        notification::ServiceSecret secret,
        notification::ServiceSecret::FromSecret("test-hub-notification-secret"));
    parts_->notification_secret_ = std::make_unique<notification::ServiceSecret>(std::move(secret));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(notification::TemplateSet templates,
                            notification::TemplateSet::Load(templates_dir));
  parts_->notification_templates_ =
      std::make_unique<notification::TemplateSet>(std::move(templates));
  notification::FollowerOptions options;
  options.poll = absl::Milliseconds(50);
  options.standby_poll = absl::Milliseconds(100);
  options.calendar_every = absl::Seconds(1);
  parts_->follower_ = std::make_unique<notification::Follower>(
      parts_->notification_store_.get(), parts_->notification_people_.get(),
      parts_->notification_templates_.get(), parts_->notification_token_.get(),
      Dial(assessment_target()), notification_database_url_, clock, zone, options);
  // ---- webhooks (H1) ----
  parts_->webhook_store_ = std::make_unique<notification::PgWebhookStore>(
      parts_->notification_pool_.get(), parts_->notification_secret_.get());
  parts_->webhook_dispatcher_ = std::make_unique<notification::WebhookDispatcher>(
      parts_->webhook_store_.get(), parts_->notification_people_.get(), clock,
      parts_->webhook_options_);
  parts_->follower_->set_webhook_store(parts_->webhook_store_.get());
  notification::NotificationServiceImpl::WebhookParts webhooks;
  webhooks.store = parts_->webhook_store_.get();
  webhooks.dispatcher = parts_->webhook_dispatcher_.get();
  webhooks.allow_loopback_http = parts_->webhook_options_.http.allow_loopback;
  webhooks.clock = clock;
  parts_->notification_service_->EnableWebhooks(webhooks);
  // ---- digest (H1) ----
  parts_->notification_service_->EnableDigests(parts_->notification_secret_.get(), clock);
  if (parts_->digest_options_) {
    notification::DigestOptions digests = *parts_->digest_options_;
    digests.secret = parts_->notification_secret_.get();
    parts_->follower_->EnableDigests(digests);
  }
  parts_->webhook_dispatcher_->Start();
  // ---- end webhooks (H1) ----
  parts_->follower_->Start();
  SIXSTEPS_ASSIGN_OR_RETURN(
      parts_->notification_server_,
      RunningServer::Start("127.0.0.1:0", {parts_->notification_service_.get()}));
  return absl::OkStatus();
}

void TestHub::StopNotification() {
  if (parts_->follower_) parts_->follower_->Stop();
  parts_->follower_.reset();
  parts_->notification_server_.reset();
  if (parts_->webhook_dispatcher_) parts_->webhook_dispatcher_->Stop();  // webhooks (H1)
}

const std::string& TestHub::notification_target() const {
  return parts_->notification_server_->target();
}

std::unique_ptr<notification::v1::NotificationService::Stub> TestHub::NotificationStub() const {
  return notification::v1::NotificationService::NewStub(
      Dial(parts_->notification_server_->target()));
}

const std::string& TestHub::reporting_target() const { return parts_->reporting_server_->target(); }

std::unique_ptr<reporting::v1::ReportingService::Stub> TestHub::ReportingStub() const {
  return reporting::v1::ReportingService::NewStub(Dial(parts_->reporting_server_->target()));
}

absl::StatusOr<int64_t> TestHub::FeedHead() const {
  grpc::ClientContext context;
  Authorize(context, admin_token_);
  assessment::v1::ListChangesRequest request;
  request.set_page_size(1000);
  int64_t head = 0;
  while (true) {
    grpc::ClientContext page_context;
    Authorize(page_context, admin_token_);
    request.set_after_sequence(head);
    assessment::v1::ListChangesResponse response;
    SIXSTEPS_RETURN_IF_ERROR(
        FromGrpcStatus(AssessmentStub()->ListChanges(&page_context, request, &response)));
    if (response.next_after_sequence() == head) return head;
    head = response.next_after_sequence();
  }
}

void TestHub::StopAssessment() { parts_->assessment_server_->Shutdown(absl::Milliseconds(500)); }

absl::StatusOr<std::string> TestHub::MintToken(const nlohmann::json& claims) const {
  SIXSTEPS_ASSIGN_OR_RETURN(identity::SigningKey key, parts_->identity_store_->CurrentSigningKey());
  SIXSTEPS_ASSIGN_OR_RETURN(identity::KeySealer sealer,
                            identity::KeySealer::FromSecret(kKeyEncryptionSecret));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string private_key, sealer.Open(key.private_key_sealed));
  return jwt::Sign(claims, key.key_id, private_key);
}

}  // namespace sixsteps::testing
