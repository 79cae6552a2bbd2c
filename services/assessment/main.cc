// sixsteps-assessment: scrutiny rounds, responses with evidence, consolidation,
// challenges, context answers, action plans, evidence files, and the change feed. `migrate`
// and `provision-database` run a setup step instead (services/common/setup_commands.h).
#include <cstdio>
#include <optional>
#include <string>

#include "services/assessment/action_service.h"
#include "services/assessment/assessment_service.h"
#include "services/assessment/directory.h"
#include "services/assessment/evidence_file_domain.h"
#include "services/assessment/evidence_file_service.h"
#include "services/assessment/feed.h"
#include "services/assessment/pg_feed_sequencer.h"
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
#include "services/base/status_macros.h"
#include "services/common/auth.h"
#include "services/common/config.h"
#include "services/common/db.h"
#include "services/common/server.h"
#include "services/common/service_main.h"

SIXSTEPS_TEXT_SETTING(framework_address, "127.0.0.1:50051", "host:port of the framework service",
                      "SIXSTEPS_FRAMEWORK_ADDRESS");
SIXSTEPS_TEXT_SETTING(time_zone, "Europe/London",
                      "the hub's time zone, for overdue actions, open dates and deadlines",
                      "SIXSTEPS_TIME_ZONE");
SIXSTEPS_SETTING(int, watch_streams_per_principal,
                 sixsteps::assessment::WatchLimits().per_principal, 1, 100000,
                 "most WatchChanges streams one principal may hold open on this server",
                 "SIXSTEPS_WATCH_STREAMS_PER_PRINCIPAL");
SIXSTEPS_SETTING(int, watch_streams, sixsteps::assessment::WatchLimits().total, 1, 100000,
                 "most WatchChanges streams this server runs at once, all principals together",
                 "SIXSTEPS_WATCH_STREAMS");
SIXSTEPS_SETTING(int, max_evidence_file_mb, sixsteps::assessment::kDefaultMaxFileMb, 1, 1024,
                 "largest evidence file this server stores, in MiB",
                 "SIXSTEPS_MAX_EVIDENCE_FILE_MB");
SIXSTEPS_SETTING(int, evidence_uploads, 4, 1, 64,
                 "evidence file uploads this server runs at once, each holding a database "
                 "connection",
                 "SIXSTEPS_EVIDENCE_UPLOADS");

namespace {

namespace assessment = sixsteps::assessment;

absl::StatusOr<int> Run(const sixsteps::ServiceStart& start) {
  const sixsteps::ServerConfig& config = start.config();
  SIXSTEPS_ASSIGN_OR_RETURN(absl::TimeZone zone, sixsteps::HubTimeZone(SETTING_time_zone));
  assessment::WatchLimits watch_limits;
  SIXSTEPS_ASSIGN_OR_RETURN(watch_limits.per_principal, SETTING_watch_streams_per_principal.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(watch_limits.total, SETTING_watch_streams.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(int max_file_mb, SETTING_max_evidence_file_mb.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(int uploads, SETTING_evidence_uploads.Get());
  SIXSTEPS_ASSIGN_OR_RETURN(auto identity, start.MigrateAndDialIdentity());
  SIXSTEPS_ASSIGN_OR_RETURN(auto framework, start.Dial(SETTING_framework_address));

  sixsteps::db::ConnectionPool pool(config.database_url, config.db_pool_size);
  sixsteps::db::ConnectionPool upload_pool(config.database_url, uploads);
  // `changes`: this process appended to the feed (wakes the sequencer); `numbered`: the
  // feed's numbered head moved (wakes WatchChanges streams).
  assessment::ChangeSignal changes;
  assessment::ChangeSignal numbered;
  assessment::FeedSequencer sequencer(config.database_url, &changes, &numbered);
  sequencer.Start();
  assessment::PgAssessmentStore store(&pool, &changes);
  assessment::GrpcDirectory directory(identity, framework);
  sixsteps::auth::TokenVerifier verifier(
      std::make_shared<sixsteps::auth::IdentityPublicKeys>(identity));
  assessment::AssessmentServiceImpl service(&store, &directory, &verifier, &numbered, watch_limits,
                                            &sixsteps::SystemClock(), zone);
  assessment::ActionServiceImpl actions(&store, &directory, &verifier, zone);
  assessment::VoiceServiceImpl voice(&store, &directory, &verifier);
  assessment::PgPartnershipRecordStore partnership_records(&pool, &changes);
  assessment::ScrutinyReportServiceImpl scrutiny_reports(&store, &partnership_records, &directory,
                                                         &verifier);
  assessment::PgEvidenceFileStore file_store(&pool, &upload_pool, &changes);
  assessment::EvidenceFileServiceImpl files(&file_store, &store, &directory, &verifier,
                                            int64_t{max_file_mb} * 1024 * 1024);
  assessment::PgProgrammeStore programme_store(&pool, &changes);
  assessment::ProgrammeServiceImpl programme(&programme_store, &store, &directory, &verifier,
                                             &sixsteps::SystemClock(), zone);
  // Opens planned rounds on their open date; every replica runs one (opening is once).
  assessment::PlannedRoundOpener opener(&programme_store, &sixsteps::SystemClock(), zone);
  opener.Start();
  // Retention: the policy, legal holds, and the daily purge (every replica runs one; each
  // thing is purged once).
  assessment::PgRetentionStore retention_store(&pool, &changes);
  assessment::RetentionServiceImpl retention(&retention_store, &store, &directory, &verifier,
                                             &sixsteps::SystemClock());
  assessment::RetentionPurger purger(&retention_store, &sixsteps::SystemClock(), zone);
  purger.Start();
  absl::Status served = sixsteps::Serve(
      config, {&service, &actions, &voice, &programme, &scrutiny_reports, &files, &retention},
      [&service] { service.BeginShutdown(); });
  purger.Stop();
  opener.Stop();
  sequencer.Stop();
  SIXSTEPS_RETURN_IF_ERROR(served);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return sixsteps::ServiceMain(
      argc, argv,
      {"sixsteps-assessment", "assessment", "127.0.0.1:50053", assessment::AssessmentMigrations()},
      Run);
}
