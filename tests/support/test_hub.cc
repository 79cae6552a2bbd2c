#include "tests/support/test_hub.h"

#include <grpcpp/create_channel.h>

#include "absl/strings/str_cat.h"
#include "services/common/jwt.h"
#include "services/common/status.h"
#include "services/identity/setup_commands.h"
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

absl::StatusOr<std::unique_ptr<TestHub>> TestHub::Start(const std::string& name) {
  auto hub = std::unique_ptr<TestHub>(new TestHub());
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
  hub->identity_pool_ =
      std::make_unique<db::ConnectionPool>(hub->identity_database_url_, 4, absl::Seconds(2));
  hub->identity_store_ = std::make_unique<identity::PgIdentityStore>(hub->identity_pool_.get());
  SIXSTEPS_ASSIGN_OR_RETURN(identity::KeySealer sealer,
                            identity::KeySealer::FromSecret(kKeyEncryptionSecret));
  identity::IdentityOptions options;
  options.password_cost = identity::PasswordCost::Fast();
  hub->identity_service_ = std::make_unique<identity::IdentityServiceImpl>(
      hub->identity_store_.get(), std::move(sealer), options);
  SIXSTEPS_RETURN_IF_ERROR(hub->identity_service_->EnsureSigningKey());
  SIXSTEPS_RETURN_IF_ERROR(
      hub->identity_service_->BootstrapAdministrator(kAdminEmail, "Ada Admin", kAdminPassword)
          .status());
  SIXSTEPS_ASSIGN_OR_RETURN(hub->identity_server_,
                            RunningServer::Start("127.0.0.1:0", {hub->identity_service_.get()}));

  hub->framework_pool_ =
      std::make_unique<db::ConnectionPool>(hub->framework_database_url_, 4, absl::Seconds(2));
  hub->framework_store_ = std::make_unique<framework::PgFrameworkStore>(hub->framework_pool_.get());
  hub->verifier_ = std::make_unique<auth::TokenVerifier>(
      std::make_shared<auth::IdentityPublicKeys>(Dial(hub->identity_target()), absl::Seconds(0)));
  hub->framework_service_ = std::make_unique<framework::FrameworkServiceImpl>(
      hub->framework_store_.get(), hub->verifier_.get());
  SIXSTEPS_ASSIGN_OR_RETURN(hub->framework_server_,
                            RunningServer::Start("127.0.0.1:0", {hub->framework_service_.get()}));

  SIXSTEPS_ASSIGN_OR_RETURN(
      hub->assessment_database_url_,
      cluster.CreateMigratedDatabase(absl::StrCat(name, "_assessment"), "assessment",
                                     assessment::AssessmentMigrations()));
  hub->assessment_pool_ =
      std::make_unique<db::ConnectionPool>(hub->assessment_database_url_, 8, absl::Seconds(2));
  hub->feed_sequencer_ = std::make_unique<assessment::FeedSequencer>(
      hub->assessment_database_url_, &hub->changes_, &hub->changes_);
  hub->feed_sequencer_->Start();
  hub->assessment_store_ =
      std::make_unique<assessment::PgAssessmentStore>(hub->assessment_pool_.get(), &hub->changes_);
  hub->directory_ = std::make_unique<assessment::GrpcDirectory>(Dial(hub->identity_target()),
                                                                Dial(hub->framework_target()));
  hub->assessment_service_ = std::make_unique<assessment::AssessmentServiceImpl>(
      hub->assessment_store_.get(), hub->directory_.get(), hub->verifier_.get(), &hub->changes_);
  hub->action_service_ = std::make_unique<assessment::ActionServiceImpl>(
      hub->assessment_store_.get(), hub->directory_.get(), hub->verifier_.get(),
      absl::UTCTimeZone());
  hub->voice_service_ = std::make_unique<assessment::VoiceServiceImpl>(
      hub->assessment_store_.get(), hub->directory_.get(), hub->verifier_.get());
  hub->programme_store_ =
      std::make_unique<assessment::PgProgrammeStore>(hub->assessment_pool_.get(), &hub->changes_);
  hub->programme_service_ = std::make_unique<assessment::ProgrammeServiceImpl>(
      hub->programme_store_.get(), hub->assessment_store_.get(), hub->directory_.get(),
      hub->verifier_.get(), &SystemClock(), absl::UTCTimeZone());
  hub->partnership_records_ = std::make_unique<assessment::PgPartnershipRecordStore>(
      hub->assessment_pool_.get(), &hub->changes_);
  hub->scrutiny_report_service_ = std::make_unique<assessment::ScrutinyReportServiceImpl>(
      hub->assessment_store_.get(), hub->partnership_records_.get(), hub->directory_.get(),
      hub->verifier_.get());
  hub->upload_pool_ =
      std::make_unique<db::ConnectionPool>(hub->assessment_database_url_, 4, absl::Seconds(2));
  hub->evidence_file_store_ = std::make_unique<assessment::PgEvidenceFileStore>(
      hub->assessment_pool_.get(), hub->upload_pool_.get(), &hub->changes_);
  hub->evidence_file_service_ = std::make_unique<assessment::EvidenceFileServiceImpl>(
      hub->evidence_file_store_.get(), hub->assessment_store_.get(), hub->directory_.get(),
      hub->verifier_.get(), int64_t{assessment::kDefaultMaxFileMb} * 1024 * 1024);
  hub->retention_store_ =
      std::make_unique<assessment::PgRetentionStore>(hub->assessment_pool_.get(), &hub->changes_);
  hub->retention_service_ = std::make_unique<assessment::RetentionServiceImpl>(
      hub->retention_store_.get(), hub->assessment_store_.get(), hub->directory_.get(),
      hub->verifier_.get(), &SystemClock());
  SIXSTEPS_ASSIGN_OR_RETURN(
      hub->assessment_server_,
      RunningServer::Start(
          "127.0.0.1:0",
          {hub->assessment_service_.get(), hub->action_service_.get(), hub->voice_service_.get(),
           hub->programme_service_.get(), hub->scrutiny_report_service_.get(),
           hub->evidence_file_service_.get(), hub->retention_service_.get()}));

  SIXSTEPS_ASSIGN_OR_RETURN(idv1::SignInResponse admin, hub->SignIn(kAdminEmail, kAdminPassword));
  hub->admin_token_ = admin.access_token();
  return hub;
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
  if (reporting_api_key_.empty()) {
    // The same step as `sixsteps-identity ensure-service-account` (scripts/hub, compose).
    identity::ServiceAccountSpec spec;
    spec.display_name = "Reporting service";
    spec.role = auth::Role::ROLE_VIEWER;
    spec.key_display_name = "reporting";
    spec.key_lifetime = absl::Hours(24);
    SIXSTEPS_ASSIGN_OR_RETURN(
        identity::ServiceAccountSetup setup,
        identity::EnsureServiceAccount(*identity_store_, spec, "", absl::Now()));
    reporting_api_key_ = setup.secret;
    SIXSTEPS_ASSIGN_OR_RETURN(reporting_database_url_,
                              SharedPgCluster().CreateMigratedDatabase(
                                  "reporting", "reporting", reporting::ReportingMigrations()));
    reporting_pool_ =
        std::make_unique<db::ConnectionPool>(reporting_database_url_, 4, absl::Seconds(2));
    read_model_ = std::make_unique<reporting::ReadModel>(reporting_pool_.get());
    upstream_ = std::make_unique<reporting::GrpcUpstream>(
        Dial(identity_target()), Dial(framework_target()), reporting_api_key_);
    reports_ = std::make_unique<reporting::Reports>(
        read_model_.get(), absl::UTCTimeZone(),
        reporting::WaitOptions{
            reporting::AssessmentFeedReached(upstream_.get(), Dial(assessment_target())),
            reporting_max_waiters_});
    // report cache (H3)
    report_cache_ = std::make_unique<reporting::ReportCache>(size_t{16} << 20);
    cache_listener_ =
        std::make_unique<reporting::CacheListener>(reporting_database_url_, report_cache_.get());
    cache_listener_->Start();
    reports_->UseCache(report_cache_.get());
    reporting_service_ =
        std::make_unique<reporting::ReportingServiceImpl>(reports_.get(), verifier_.get());
  }
  reporting::ConsumerOptions options;
  options.directory_refresh = absl::Seconds(2);
  options.standby_poll = absl::Milliseconds(100);
  consumer_ = std::make_unique<reporting::FeedConsumer>(read_model_.get(), upstream_.get(),
                                                        Dial(assessment_target()),
                                                        reporting_database_url_, options);
  consumer_->Start();
  SIXSTEPS_ASSIGN_OR_RETURN(reporting_server_,
                            RunningServer::Start("127.0.0.1:0", {reporting_service_.get()}));
  return absl::OkStatus();
}

void TestHub::StopReporting() {
  if (consumer_) consumer_->Stop();
  consumer_.reset();
  reporting_server_.reset();
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
        identity::EnsureServiceAccount(*identity_store_, spec, "", absl::Now()));
    notification_api_key_ = setup.secret;
    SIXSTEPS_ASSIGN_OR_RETURN(
        notification_database_url_,
        SharedPgCluster().CreateMigratedDatabase("notification", "notification",
                                                 notification::NotificationMigrations()));
    notification_pool_ =
        std::make_unique<db::ConnectionPool>(notification_database_url_, 4, absl::Seconds(2));
    notification_store_ =
        std::make_unique<notification::PgNotificationStore>(notification_pool_.get());
    notification_token_ =
        notification::MakeServiceToken(Dial(identity_target()), notification_api_key_);
    // Nothing kept: each test sees the bindings it just made.
    notification_people_ = std::make_unique<notification::GrpcPeople>(
        Dial(identity_target()), notification_token_.get(), absl::ZeroDuration());
    notification_service_ = std::make_unique<notification::NotificationServiceImpl>(
        notification_store_.get(), notification_people_.get(), verifier_.get());
    // digest (H1): a fixed test secret.
    SIXSTEPS_ASSIGN_OR_RETURN(
        notification::ServiceSecret secret,
        notification::ServiceSecret::FromSecret("test-hub-notification-secret"));
    notification_secret_ = std::make_unique<notification::ServiceSecret>(std::move(secret));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(notification::TemplateSet templates,
                            notification::TemplateSet::Load(templates_dir));
  notification_templates_ = std::make_unique<notification::TemplateSet>(std::move(templates));
  notification::FollowerOptions options;
  options.poll = absl::Milliseconds(50);
  options.standby_poll = absl::Milliseconds(100);
  options.calendar_every = absl::Seconds(1);
  follower_ = std::make_unique<notification::Follower>(
      notification_store_.get(), notification_people_.get(), notification_templates_.get(),
      notification_token_.get(), Dial(assessment_target()), notification_database_url_, clock, zone,
      options);
  // ---- webhooks (H1) ----
  webhook_store_ = std::make_unique<notification::PgWebhookStore>(notification_pool_.get(),
                                                                  notification_secret_.get());
  webhook_dispatcher_ = std::make_unique<notification::WebhookDispatcher>(
      webhook_store_.get(), notification_people_.get(), clock, webhook_options_);
  follower_->set_webhook_store(webhook_store_.get());
  notification::NotificationServiceImpl::WebhookParts webhooks;
  webhooks.store = webhook_store_.get();
  webhooks.dispatcher = webhook_dispatcher_.get();
  webhooks.allow_loopback_http = webhook_options_.http.allow_loopback;
  webhooks.clock = clock;
  notification_service_->EnableWebhooks(webhooks);
  // ---- digest (H1) ----
  notification_service_->EnableDigests(notification_secret_.get(), clock);
  if (digest_options_) {
    notification::DigestOptions digests = *digest_options_;
    digests.secret = notification_secret_.get();
    follower_->EnableDigests(digests);
  }
  webhook_dispatcher_->Start();
  // ---- end webhooks (H1) ----
  follower_->Start();
  SIXSTEPS_ASSIGN_OR_RETURN(notification_server_,
                            RunningServer::Start("127.0.0.1:0", {notification_service_.get()}));
  return absl::OkStatus();
}

void TestHub::StopNotification() {
  if (follower_) follower_->Stop();
  follower_.reset();
  notification_server_.reset();
  if (webhook_dispatcher_) webhook_dispatcher_->Stop();  // webhooks (H1)
}

const std::string& TestHub::notification_target() const { return notification_server_->target(); }

std::unique_ptr<notification::v1::NotificationService::Stub> TestHub::NotificationStub() const {
  return notification::v1::NotificationService::NewStub(Dial(notification_server_->target()));
}

const std::string& TestHub::reporting_target() const { return reporting_server_->target(); }

std::unique_ptr<reporting::v1::ReportingService::Stub> TestHub::ReportingStub() const {
  return reporting::v1::ReportingService::NewStub(Dial(reporting_server_->target()));
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

void TestHub::StopAssessment() { assessment_server_->Shutdown(absl::Milliseconds(500)); }

absl::StatusOr<std::string> TestHub::MintToken(const nlohmann::json& claims) const {
  SIXSTEPS_ASSIGN_OR_RETURN(identity::SigningKey key, identity_store_->CurrentSigningKey());
  SIXSTEPS_ASSIGN_OR_RETURN(identity::KeySealer sealer,
                            identity::KeySealer::FromSecret(kKeyEncryptionSecret));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string private_key, sealer.Open(key.private_key_sealed));
  return jwt::Sign(claims, key.key_id, private_key);
}

}  // namespace sixsteps::testing
