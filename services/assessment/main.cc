// sixsteps-assessment: scrutiny rounds, responses with evidence, consolidation,
// challenges, context answers, action plans, evidence files, and the change feed. `migrate`
// and `provision-database` run a setup step instead (services/common/setup_commands.h).
#include <cstdio>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "services/assessment/action_service.h"
#include "services/assessment/assessment_service.h"
#include "services/assessment/directory.h"
#include "services/assessment/evidence_file_domain.h"
#include "services/assessment/evidence_file_service.h"
#include "services/assessment/feed.h"
#include "services/assessment/pg_store.h"
#include "services/assessment/pg_store_evidence_files.h"
#include "services/assessment/pg_store_programme.h"
#include "services/assessment/pg_store_retention.h"
#include "services/assessment/pg_store_scrutiny.h"
#include "services/assessment/programme_opener.h"
#include "services/assessment/programme_service.h"
#include "services/assessment/retention_purger.h"
#include "services/assessment/retention_service.h"
#include "services/assessment/scrutiny_report_service.h"
#include "services/assessment/voice_service.h"
#include "services/common/auth.h"
#include "services/common/config.h"
#include "services/common/db.h"
#include "services/common/log.h"
#include "services/common/server.h"
#include "services/common/setup_commands.h"

ABSL_FLAG(std::string, framework_address, "", "host:port of the framework service");
ABSL_FLAG(std::string, time_zone, "",
          "the hub's time zone, for overdue actions, open dates and deadlines (Europe/London)");
ABSL_FLAG(std::string, watch_streams_per_principal, "",
          "most WatchChanges streams one principal may hold open on this server (4)");
ABSL_FLAG(std::string, watch_streams, "",
          "most WatchChanges streams this server runs at once, all principals together (64)");

ABSL_FLAG(std::string, max_evidence_file_mb, "",
          "largest evidence file this server stores, in MiB (25)");
ABSL_FLAG(std::string, evidence_uploads, "",
          "evidence file uploads this server runs at once, each holding a database connection (4)");

constexpr char kProgram[] = "sixsteps-assessment";

int main(int argc, char** argv) {
  sixsteps::BlockTerminationSignals();
  sixsteps::SetLogServiceName("assessment");
  auto config = sixsteps::LoadServerConfig(argc, argv, {"assessment", "127.0.0.1:50053"});
  if (!config.ok()) return sixsteps::StartupFailed(kProgram, config.status());
  // migrate, provision-database: setup steps, run instead of serving.
  if (std::optional<int> exit_code = sixsteps::setup::RunSharedSetupCommand(
          kProgram, "assessment", *config, sixsteps::assessment::AssessmentMigrations()))
    return *exit_code;
  absl::Status migrated = sixsteps::db::ApplyMigrations(
      config->database_url, sixsteps::assessment::AssessmentMigrations());
  if (!migrated.ok()) return sixsteps::StartupFailed(kProgram, migrated);
  auto identity = sixsteps::DialService(config->identity_address, *config);
  if (!identity.ok()) return sixsteps::StartupFailed(kProgram, identity.status());
  auto framework =
      sixsteps::DialService(sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_framework_address),
                                                {"SIXSTEPS_FRAMEWORK_ADDRESS"}, "127.0.0.1:50051"),
                            *config);
  if (!framework.ok()) return sixsteps::StartupFailed(kProgram, framework.status());

  absl::TimeZone zone;
  std::string zone_name =
      sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_time_zone), {"SIXSTEPS_TIME_ZONE"}, "Europe/London");
  if (!absl::LoadTimeZone(zone_name, &zone)) {
    return sixsteps::StartupFailed(
        kProgram, absl::InvalidArgumentError("time_zone: unknown time zone " + zone_name));
  }

  auto watch_limits = sixsteps::assessment::ParseWatchLimits(
      sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_watch_streams_per_principal),
                          {"SIXSTEPS_WATCH_STREAMS_PER_PRINCIPAL"}, ""),
      sixsteps::FlagOrEnv(absl::GetFlag(FLAGS_watch_streams), {"SIXSTEPS_WATCH_STREAMS"}, ""));
  if (!watch_limits.ok()) return sixsteps::StartupFailed(kProgram, watch_limits.status());

  auto max_file_mb = sixsteps::IntSetting(
      "max_evidence_file_mb", absl::GetFlag(FLAGS_max_evidence_file_mb),
      {"SIXSTEPS_MAX_EVIDENCE_FILE_MB"}, sixsteps::assessment::kDefaultMaxFileMb, 1, 1024);
  if (!max_file_mb.ok()) return sixsteps::StartupFailed(kProgram, max_file_mb.status());
  auto uploads = sixsteps::IntSetting("evidence_uploads", absl::GetFlag(FLAGS_evidence_uploads),
                                      {"SIXSTEPS_EVIDENCE_UPLOADS"}, 4, 1, 64);
  if (!uploads.ok()) return sixsteps::StartupFailed(kProgram, uploads.status());

  sixsteps::db::ConnectionPool pool(config->database_url, config->db_pool_size);
  sixsteps::db::ConnectionPool upload_pool(config->database_url, *uploads);
  sixsteps::assessment::ChangeSignal changes;
  sixsteps::assessment::PgAssessmentStore store(&pool, &changes);
  sixsteps::assessment::GrpcDirectory directory(*identity, *framework);
  sixsteps::auth::TokenVerifier verifier(
      std::make_shared<sixsteps::auth::IdentityPublicKeys>(*identity));
  sixsteps::assessment::AssessmentServiceImpl service(
      &store, &directory, &verifier, &changes, *watch_limits, &sixsteps::SystemClock(), zone);
  sixsteps::assessment::ActionServiceImpl actions(&store, &directory, &verifier, zone);
  sixsteps::assessment::VoiceServiceImpl voice(&store, &directory, &verifier);
  sixsteps::assessment::PgPartnershipRecordStore partnership_records(&pool, &changes);
  sixsteps::assessment::ScrutinyReportServiceImpl scrutiny_reports(&store, &partnership_records,
                                                                   &directory, &verifier);
  sixsteps::assessment::PgEvidenceFileStore file_store(&pool, &upload_pool, &changes);
  sixsteps::assessment::EvidenceFileServiceImpl files(&file_store, &store, &directory, &verifier,
                                                      int64_t{*max_file_mb} * 1024 * 1024);
  sixsteps::assessment::PgProgrammeStore programme_store(&pool, &changes);
  sixsteps::assessment::ProgrammeServiceImpl programme(&programme_store, &store, &directory,
                                                       &verifier, &sixsteps::SystemClock(), zone);
  // Opens planned rounds on their open date; every replica runs one (opening is once).
  sixsteps::assessment::PlannedRoundOpener opener(&programme_store, &sixsteps::SystemClock(), zone);
  opener.Start();
  // Retention: the policy, legal holds, and the daily purge (every replica runs one; each
  // thing is purged once).
  sixsteps::assessment::PgRetentionStore retention_store(&pool, &changes);
  sixsteps::assessment::RetentionServiceImpl retention(&retention_store, &store, &directory,
                                                       &verifier, &sixsteps::SystemClock());
  sixsteps::assessment::RetentionPurger purger(&retention_store, &sixsteps::SystemClock(), zone);
  purger.Start();
  absl::Status served = sixsteps::Serve(
      *config, {&service, &actions, &voice, &programme, &scrutiny_reports, &files, &retention},
      [&service] { service.BeginShutdown(); });
  purger.Stop();
  opener.Stop();
  return served.ok() ? 0 : sixsteps::StartupFailed(kProgram, served);
}
