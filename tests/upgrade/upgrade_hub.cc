#include "tests/upgrade/upgrade_hub.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>

#include <grpcpp/create_channel.h>
#include <pqxx/pqxx>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/base/clock.h"
#include "services/base/status_macros.h"
#include "sixsteps/notification/v1/notification_service.grpc.pb.h"
#include "sixsteps/reporting/v1/reporting_service.grpc.pb.h"
#include "tests/support/calls.h"
#include "tests/support/feed_checks.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/service_command_line.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
namespace idv1 = ::sixsteps::identity::v1;
namespace fv1 = ::sixsteps::framework::v1;
namespace nv1 = ::sixsteps::notification::v1;
namespace rv1 = ::sixsteps::reporting::v1;
using auth::Role;

constexpr char kAdminEmail[] = "admin@upgrade.test";
constexpr char kPassword[] = "a long enough password for the upgrade";
constexpr char kKeySecret[] = "the upgrade test's key-encryption secret";
constexpr char kRegion[] = "upgrade-region";
constexpr char kPartnershipId[] = "upgrade-p";
constexpr char kPartnership[] = "partnerships/upgrade-p";
// How long a stopped service may finish its calls (SIGTERM to exit), and how long the test
// waits for that.
constexpr char kShutdownGrace[] = "2s";
constexpr absl::Duration kExitPatience = absl::Seconds(30);
// A loaded two-core machine may take a while to start a service and migrate its database.
constexpr absl::Duration kStartPatience = absl::Seconds(120);

std::string Org(const std::string& id) { return absl::StrCat(kPartnership, "/organisations/", id); }

std::shared_ptr<grpc::Channel> Dial(const std::string& target) {
  return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
}

absl::StatusOr<std::string> SignIn(idv1::IdentityService::Stub& identity,
                                   const std::string& email) {
  // Without an authorization header: signing in needs none.
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  idv1::SignInRequest request;
  request.set_email(email);
  request.set_password(kPassword);
  idv1::SignInResponse response;
  grpc::Status status = identity.SignIn(&context, request, &response);
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        absl::StrCat("signing in ", email, ": ", status.error_message()));
  }
  return response.access_token();
}

// A user bound to `role` on the partnership, signed in: their token.
absl::StatusOr<std::string> User(idv1::IdentityService::Stub& identity,
                                 const std::string& admin_token, const std::string& email,
                                 Role role, const std::string& organisation) {
  idv1::CreateUserRequest create;
  create.mutable_user()->set_email(email);
  create.mutable_user()->set_display_name(email);
  create.set_password(kPassword);
  idv1::User user;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(identity, &idv1::IdentityService::Stub::CreateUser, admin_token, create, &user));
  idv1::CreateRoleBindingRequest bind;
  bind.mutable_role_binding()->set_principal(user.name());
  bind.mutable_role_binding()->set_role(role);
  bind.mutable_role_binding()->set_scope(kPartnership);
  bind.mutable_role_binding()->set_organisation(organisation);
  idv1::RoleBinding binding;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(identity, &idv1::IdentityService::Stub::CreateRoleBinding, admin_token, bind, &binding));
  return SignIn(identity, email);
}

// A service account bound with `role` on '*' and its API key (24 h), as `sixsteps-identity
// ensure-service-account` makes them for scripts/hub: the key's secret.
absl::StatusOr<std::string> ServiceAccountKey(idv1::IdentityService::Stub& identity,
                                              const std::string& admin_token,
                                              const std::string& display_name, Role role) {
  idv1::CreateServiceAccountRequest request;
  request.mutable_service_account()->set_display_name(display_name);
  request.mutable_service_account()->set_owner("*");
  idv1::ServiceAccount account;
  SIXSTEPS_RETURN_IF_ERROR(Call(identity, &idv1::IdentityService::Stub::CreateServiceAccount,
                                admin_token, request, &account));
  idv1::CreateRoleBindingRequest bind;
  bind.mutable_role_binding()->set_principal(account.name());
  bind.mutable_role_binding()->set_role(role);
  bind.mutable_role_binding()->set_scope("*");
  idv1::RoleBinding binding;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(identity, &idv1::IdentityService::Stub::CreateRoleBinding, admin_token, bind, &binding));
  idv1::CreateApiKeyRequest key;
  key.set_parent(account.name());
  key.mutable_api_key()->set_display_name(display_name);
  *key.mutable_api_key()->mutable_expire_time() = ToTimestamp(absl::Now() + absl::Hours(24));
  idv1::CreateApiKeyResponse created;
  SIXSTEPS_RETURN_IF_ERROR(
      Call(identity, &idv1::IdentityService::Stub::CreateApiKey, admin_token, key, &created));
  return created.secret();
}

}  // namespace

std::string Release::Program(const std::string& service) const {
  return (build_dir / "services" / service / ("sixsteps-" + service)).string();
}

absl::StatusOr<std::unique_ptr<GracefulProcess>> GracefulProcess::Start(
    std::vector<std::string> args, std::vector<std::string> env, const std::string& log_name) {
  static int started = 0;
  const std::string pid_file =
      absl::StrCat(::testing::TempDir(), "/", log_name, "_", getpid(), "_", ++started, ".pid");
  std::vector<std::string> shell = {"/bin/sh", "-c", "echo $$ >\"$0\" && exec \"$@\"", pid_file};
  shell.insert(shell.end(), args.begin(), args.end());
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::unique_ptr<ServiceProcess> process,
      ServiceProcess::Start(std::move(shell), std::move(env), log_name, kStartPatience));
  std::ifstream in(pid_file);
  std::string text;
  std::getline(in, text);
  std::remove(pid_file.c_str());
  pid_t pid = 0;
  if (!absl::SimpleAtoi(text, &pid) || pid <= 0) {
    return absl::InternalError(absl::StrCat("no pid in ", pid_file));
  }
  return std::unique_ptr<GracefulProcess>(new GracefulProcess(std::move(process), pid));
}

absl::StatusOr<int> GracefulProcess::Terminate(absl::Duration patience) {
  if (::kill(pid_, SIGTERM) != 0) return absl::InternalError("kill(SIGTERM) failed");
  for (absl::Time give_up = absl::Now() + patience;; absl::SleepFor(absl::Milliseconds(20))) {
    // WNOWAIT: seen exited but left to ServiceProcess to reap.
    siginfo_t info = {};
    if (waitid(P_PID, pid_, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_) {
      return info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
    }
    if (absl::Now() > give_up) {
      return absl::DeadlineExceededError(
          absl::StrCat("still running ", absl::FormatDuration(patience), " after SIGTERM"));
    }
  }
}

absl::StatusOr<std::unique_ptr<UpgradeHub>> UpgradeHub::Start(const std::string& name,
                                                              const Release& release) {
  auto hub = std::unique_ptr<UpgradeHub>(new UpgradeHub());
  hub->name_ = name;
  for (const char* service : kServices) {
    // Empty: the release's own programs migrate them.
    SIXSTEPS_ASSIGN_OR_RETURN(hub->database_urls_[service],
                              SharedPgCluster().CreateDatabase(absl::StrCat(name, "_", service)));
  }
  SIXSTEPS_RETURN_IF_ERROR(hub->Bootstrap(release));
  for (const char* service : kServices) {
    if (std::string(service) == "reporting") continue;  // needs its account, made below
    SIXSTEPS_ASSIGN_OR_RETURN(
        hub->processes_[service],
        hub->StartService(service, release, "127.0.0.1:0", hub->database_urls_[service]));
  }
  SIXSTEPS_RETURN_IF_ERROR(hub->MakeWorld());
  SIXSTEPS_ASSIGN_OR_RETURN(
      hub->processes_["reporting"],
      hub->StartService("reporting", release, "127.0.0.1:0", hub->database_urls_["reporting"]));
  // The load starts once reporting has read the world: before that a new reporting process
  // rightly answers NOT_FOUND for the round (v0.2.0 has no "catching up" answer), which is
  // the hub starting, not the upgrade under test.
  auto reports = rv1::ReportingService::NewStub(Dial(hub->target("reporting")));
  absl::Status read = absl::UnknownError("not asked");
  for (absl::Time give_up = absl::Now() + kStartPatience; !read.ok() && absl::Now() < give_up;) {
    rv1::GetAssessmentReportRequest request;
    request.set_assessment(hub->targets_.round);
    rv1::AssessmentReport report;
    read = Call(*reports, &rv1::ReportingService::Stub::GetAssessmentReport, hub->admin_token_,
                request, &report, absl::Seconds(10));
    if (!read.ok()) absl::SleepFor(absl::Milliseconds(50));
  }
  SIXSTEPS_RETURN_IF_ERROR(read);
  return hub;
}

UpgradeHub::~UpgradeHub() {
  // Notification, reporting and assessment first: they call the others.
  processes_.erase("notification");
  for (auto it = std::rbegin(kServices); it != std::rend(kServices); ++it) processes_.erase(*it);
}

// `sixsteps-identity bootstrap`, as scripts/hub runs it on a first start.
absl::Status UpgradeHub::Bootstrap(const Release& release) {
  const std::string log =
      absl::StrCat(::testing::TempDir(), "/upgrade_bootstrap_", getpid(), ".log");
  SIXSTEPS_ASSIGN_OR_RETURN(
      pid_t pid,
      SpawnLogged({release.Program("identity"), "bootstrap", absl::StrCat("--email=", kAdminEmail)},
                  {"SIXSTEPS_DATABASE_URL=" + database_urls_["identity"],
                   absl::StrCat("SIXSTEPS_KEY_ENCRYPTION_SECRET=", kKeySecret),
                   absl::StrCat("SIXSTEPS_BOOTSTRAP_PASSWORD=", kPassword)},
                  log));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::ifstream in(log);
  std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat(release.name, " bootstrap failed: ", output));
  }
  std::remove(log.c_str());
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<GracefulProcess>> UpgradeHub::StartService(
    const std::string& service, const Release& release, const std::string& listen,
    const std::string& database_url) {
  auto [args, env] = HubServiceCommandLine(
      service, release.Program(service), listen, database_url, kShutdownGrace,
      [this](const std::string& s) { return target(s); }, kKeySecret, reporting_api_key_);
  if (service == "identity") {
    // The load's tokens are signed once, by the old identity, and must last the test.
    args.push_back("--access_token_ttl=12h");
  }
  if (service == "notification") {
    env.push_back("SIXSTEPS_NOTIFICATION_API_KEY=" + notification_api_key_);
    env.push_back(absl::StrCat("SIXSTEPS_KEY_ENCRYPTION_SECRET=", kKeySecret));
  }
  return GracefulProcess::Start(std::move(args), std::move(env),
                                absl::StrCat("upgrade_", service, "_", starts_++));
}

absl::Status UpgradeHub::Replace(const std::string& service, const Release& release,
                                 Rollout rollout) {
  std::unique_ptr<GracefulProcess>& process = processes_.at(service);
  const std::string listen = process->target();
  std::unique_ptr<GracefulProcess> surged;
  if (rollout == Rollout::kSurge) {
    SIXSTEPS_ASSIGN_OR_RETURN(surged,
                              StartService(service, release, listen, database_urls_[service]));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(int exit_status, process->Terminate(kExitPatience));
  if (exit_status != 0) {
    return absl::InternalError(absl::StrCat(service, " exited with status ", exit_status,
                                            " after SIGTERM\n", process->LogTail()));
  }
  process.reset();
  if (surged != nullptr) {
    process = std::move(surged);
    return absl::OkStatus();
  }
  SIXSTEPS_ASSIGN_OR_RETURN(process,
                            StartService(service, release, listen, database_urls_[service]));
  return absl::OkStatus();
}

absl::Status UpgradeHub::MakeWorld() {
  auto identity = idv1::IdentityService::NewStub(Dial(target("identity")));
  SIXSTEPS_ASSIGN_OR_RETURN(admin_token_, SignIn(*identity, kAdminEmail));
  AckedWriteTargets& t = targets_;
  {
    idv1::CreateRegionRequest request;
    request.set_region_id(kRegion);
    request.mutable_region()->set_display_name("Upgrade region");
    idv1::Region region;
    SIXSTEPS_RETURN_IF_ERROR(Call(*identity, &idv1::IdentityService::Stub::CreateRegion,
                                  admin_token_, request, &region));
  }
  {
    idv1::CreatePartnershipRequest request;
    request.set_partnership_id(kPartnershipId);
    request.mutable_partnership()->set_display_name("Upgrade partnership");
    request.mutable_partnership()->set_region(absl::StrCat("regions/", kRegion));
    idv1::Partnership partnership;
    SIXSTEPS_RETURN_IF_ERROR(Call(*identity, &idv1::IdentityService::Stub::CreatePartnership,
                                  admin_token_, request, &partnership));
  }
  for (const auto& [id, kind] : {std::pair{"council", idv1::ORGANISATION_KIND_LOCAL_AUTHORITY},
                                 std::pair{"health", idv1::ORGANISATION_KIND_HEALTH}}) {
    idv1::CreateOrganisationRequest request;
    request.set_parent(kPartnership);
    request.set_organisation_id(id);
    request.mutable_organisation()->set_display_name(absl::StrCat("Organisation ", id));
    request.mutable_organisation()->set_kind(kind);
    request.mutable_organisation()->set_core_partner(true);
    idv1::Organisation organisation;
    SIXSTEPS_RETURN_IF_ERROR(Call(*identity, &idv1::IdentityService::Stub::CreateOrganisation,
                                  admin_token_, request, &organisation));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(t.admin_token, User(*identity, admin_token_, "padmin@upgrade.test",
                                                Role::ROLE_PARTNERSHIP_ADMINISTRATOR, ""));
  SIXSTEPS_ASSIGN_OR_RETURN(t.batch_token, User(*identity, admin_token_, "council@upgrade.test",
                                                Role::ROLE_PARTNER_RESPONDENT, Org("council")));
  SIXSTEPS_ASSIGN_OR_RETURN(t.single_token, User(*identity, admin_token_, "health@upgrade.test",
                                                 Role::ROLE_PARTNER_RESPONDENT, Org("health")));
  t.owner_organisation = Org("council");

  // Reporting's own account, a viewer on '*', and its key: as scripts/hub makes them.
  SIXSTEPS_ASSIGN_OR_RETURN(
      reporting_api_key_,
      ServiceAccountKey(*identity, admin_token_, "Reporting service", Role::ROLE_VIEWER));

  // The open round, and a round answered in full and submitted for review.
  auto rounds = av1::AssessmentService::NewStub(Dial(target("assessment")));
  t.assessment_target = target("assessment");
  av1::Assessment open, review;
  SIXSTEPS_RETURN_IF_ERROR(Call(
      *rounds, &av1::AssessmentService::Stub::CreateAssessment, t.admin_token,
      RoundRequest(kPartnership, av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "Round upgraded"), &open));
  SIXSTEPS_RETURN_IF_ERROR(Call(*rounds, &av1::AssessmentService::Stub::CreateAssessment,
                                t.admin_token,
                                RoundRequest(kPartnership, av1::ASSESSMENT_KIND_SELF_ASSESSMENT,
                                             "Round in review", "2024-04-01", "2025-03-31"),
                                &review));
  t.round = open.name();
  t.review_round = review.name();
  auto add_respondent = [&](const std::string& round, const std::string& org,
                            std::string* name) -> absl::Status {
    av1::AddRespondentRequest add;
    add.set_parent(round);
    add.mutable_respondent()->set_organisation(Org(org));
    av1::Respondent added;
    SIXSTEPS_RETURN_IF_ERROR(
        Call(*rounds, &av1::AssessmentService::Stub::AddRespondent, t.admin_token, add, &added));
    *name = added.name();
    return absl::OkStatus();
  };
  SIXSTEPS_RETURN_IF_ERROR(add_respondent(open.name(), "council", &t.batch_respondent));
  SIXSTEPS_RETURN_IF_ERROR(add_respondent(open.name(), "health", &t.single_respondent));
  std::string reviewed;
  SIXSTEPS_RETURN_IF_ERROR(add_respondent(review.name(), "council", &reviewed));
  av1::BatchUpsertResponsesRequest batch;
  batch.set_parent(review.name());
  for (int step = 1; step <= 6; ++step) {
    for (int q = 1; q <= 4; ++q) {
      av1::Response* r = batch.add_requests()->mutable_response();
      r->set_name(absl::StrCat(reviewed, "/responses/s", step, ".q", q));
      r->set_rating(fv1::RATING_RED);
    }
  }
  av1::BatchUpsertResponsesResponse answered;
  SIXSTEPS_RETURN_IF_ERROR(Call(*rounds, &av1::AssessmentService::Stub::BatchUpsertResponses,
                                t.batch_token, batch, &answered));
  av1::GetAssessmentRequest get;
  get.set_name(review.name());
  SIXSTEPS_RETURN_IF_ERROR(
      Call(*rounds, &av1::AssessmentService::Stub::GetAssessment, t.admin_token, get, &review));
  av1::SubmitAssessmentForReviewRequest submit;
  submit.set_name(review.name());
  submit.set_etag(review.etag());
  return Call(*rounds, &av1::AssessmentService::Stub::SubmitAssessmentForReview, t.admin_token,
              submit, &review);
}

absl::StatusOr<int> UpgradeHub::SchemaVersion(const std::string& service) const {
  try {
    pqxx::connection connection(database_urls_.at(service));
    pqxx::nontransaction query(connection);
    return query.exec("SELECT max(version) FROM schema_migrations")[0][0].as<int>();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(service, "'s schema_migrations: ", e.what()));
  }
}

absl::StatusOr<int64_t> UpgradeHub::CheckFeed() const {
  return CheckFeedAt(target("assessment"), admin_token_);
}

absl::Status UpgradeHub::CheckReadModel(int64_t head, const Release& release) {
  // A new reporting process reading the whole feed into an empty database.
  SIXSTEPS_ASSIGN_OR_RETURN(std::string rebuild_url,
                            SharedPgCluster().CreateDatabase("upgrade_rebuild"));
  SIXSTEPS_ASSIGN_OR_RETURN(std::unique_ptr<GracefulProcess> rebuilt,
                            StartService("reporting", release, "127.0.0.1:0", rebuild_url));
  return CompareReadModels(target("reporting"), rebuilt->target(), admin_token_,
                           {targets_.round, targets_.review_round}, kPartnership, head);
}

absl::Status UpgradeHub::StartNotification(const Release& release) {
  SIXSTEPS_ASSIGN_OR_RETURN(database_urls_["notification"],
                            SharedPgCluster().CreateDatabase(absl::StrCat(name_, "_notification")));
  auto identity = idv1::IdentityService::NewStub(Dial(target("identity")));
  SIXSTEPS_ASSIGN_OR_RETURN(
      notification_api_key_,
      ServiceAccountKey(*identity, admin_token_, "Notification service", Role::ROLE_NOTIFIER));
  SIXSTEPS_ASSIGN_OR_RETURN(
      processes_["notification"],
      StartService("notification", release, "127.0.0.1:0", database_urls_["notification"]));
  return absl::OkStatus();
}

absl::Status UpgradeHub::ExpectRespondentNotice(absl::Duration patience) {
  auto rounds = av1::AssessmentService::NewStub(Dial(target("assessment")));
  av1::Assessment round;
  SIXSTEPS_RETURN_IF_ERROR(Call(*rounds, &av1::AssessmentService::Stub::CreateAssessment,
                                targets_.admin_token,
                                RoundRequest(kPartnership, av1::ASSESSMENT_KIND_SELF_ASSESSMENT,
                                             absl::StrCat("Round noticed ", ++notified_rounds_)),
                                &round));
  av1::AddRespondentRequest add;
  add.set_parent(round.name());
  add.mutable_respondent()->set_organisation(Org("health"));
  av1::Respondent respondent;
  SIXSTEPS_RETURN_IF_ERROR(Call(*rounds, &av1::AssessmentService::Stub::AddRespondent,
                                targets_.admin_token, add, &respondent));
  // The respondent's user: health@upgrade.test, the load's single-question writer.
  auto notices = nv1::NotificationService::NewStub(Dial(target("notification")));
  absl::Status last = absl::NotFoundError("no notice listed yet");
  for (absl::Time give_up = absl::Now() + patience; absl::Now() < give_up;
       absl::SleepFor(absl::Milliseconds(200))) {
    nv1::ListOutboxMessagesRequest list;
    list.set_partnership(kPartnership);
    list.set_page_size(500);
    nv1::ListOutboxMessagesResponse listed;
    last = Call(*notices, &nv1::NotificationService::Stub::ListOutboxMessages, targets_.admin_token,
                list, &listed, absl::Seconds(10));
    if (!last.ok()) continue;  // a retryable refusal under load: ask again
    for (const nv1::OutboxMessage& message : listed.messages()) {
      if (message.rule() == "respondent_assigned" && message.about() == respondent.name()) {
        if (message.recipient_email() != "health@upgrade.test") {
          return absl::InternalError(absl::StrCat("the notice about ", respondent.name(),
                                                  " went to ", message.recipient_email()));
        }
        return absl::OkStatus();
      }
    }
    last = absl::NotFoundError(absl::StrCat(listed.messages_size(),
                                            " notices listed, none "
                                            "respondent_assigned about ",
                                            respondent.name()));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "notification kept no notice of the new respondent within ", absl::FormatDuration(patience),
      ": ", last.ToString(), "\n", processes_.at("notification")->LogTail()));
}

absl::Status UpgradeHub::Stop(const std::string& service) {
  SIXSTEPS_ASSIGN_OR_RETURN(int exit_status, processes_.at(service)->Terminate(kExitPatience));
  if (exit_status != 0) {
    return absl::InternalError(absl::StrCat(service, " exited with status ", exit_status,
                                            " after SIGTERM\n", processes_.at(service)->LogTail()));
  }
  processes_.erase(service);
  return absl::OkStatus();
}

}  // namespace sixsteps::testing
