// The fixture of the retention integration tests (retention_*_test.cc): the evidence-file
// fixture's hub and people, RetentionService on the hub's assessment server, and purgers as
// replicas (or a restarted service) would run them: each on its own connection pool, telling
// the time by a clock the test moves, in UTC (the hub's time zone here).
#pragma once

#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "services/assessment/pg_store_retention.h"
#include "services/assessment/retention_domain.h"
#include "services/assessment/retention_purger.h"
#include "tests/integration/evidence_file_fixture.h"

namespace sixsteps::testing::assessment_test {

using RStub = av1::RetentionService::Stub;
using VStub = av1::VoiceService::Stub;

// A clock the test moves.
class RetentionClock final : public Clock {
 public:
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time now) {
    absl::MutexLock lock(&mu_);
    now_ = now;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ = absl::Now();
};

// A purger as one replica of the service runs it: its own pool on the database.
struct PurgerReplica {
  PurgerReplica(const std::string& database_url, const Clock* clock)
      : pool(database_url, 4, absl::Seconds(2)),
        store(&pool, nullptr),
        purger(&store, clock, absl::UTCTimeZone(), absl::Hours(1)) {}
  db::ConnectionPool pool;
  assessment::PgRetentionStore store;
  assessment::RetentionPurger purger;
};

class RetentionTest : public EvidenceFileTest {
 protected:
  void SetUp() override {
    EvidenceFileTest::SetUp();
    retention_ = hub_->RetentionStub();
    voice_ = hub_->VoiceStub();
  }

  static std::string PolicyName() { return absl::StrCat(kPartnership, "/retentionPolicy"); }

  grpc::Status SetPolicy(const std::string& token, int file_years, int engagement_years,
                         const std::string& etag, av1::RetentionPolicy* out) {
    av1::UpdateRetentionPolicyRequest request;
    av1::RetentionPolicy* policy = request.mutable_policy();
    policy->set_name(PolicyName());
    policy->set_evidence_file_years(file_years);
    policy->set_engagement_record_years(engagement_years);
    policy->set_etag(etag);
    return Invoke(retention_.get(), &RStub::UpdateRetentionPolicy, token, request, out);
  }

  grpc::Status PlaceHold(const std::string& token, const std::string& round,
                         const std::string& reason, av1::LegalHold* out) {
    av1::PlaceLegalHoldRequest request;
    request.set_parent(round);
    request.set_reason(reason);
    return Invoke(retention_.get(), &RStub::PlaceLegalHold, token, request, out);
  }

  grpc::Status LiftHold(const std::string& token, const std::string& hold,
                        const std::string& reason, av1::LegalHold* out) {
    av1::LiftLegalHoldRequest request;
    request.set_name(hold);
    request.set_reason(reason);
    return Invoke(retention_.get(), &RStub::LiftLegalHold, token, request, out);
  }

  std::vector<av1::Tombstone> Tombstones(const std::string& assessment = "") {
    av1::ListTombstonesRequest request;
    request.set_parent(kPartnership);
    request.set_assessment(assessment);
    av1::ListTombstonesResponse response;
    EXPECT_THAT(Invoke(retention_.get(), &RStub::ListTombstones, admin_, request, &response),
                IsOk());
    return {response.tombstones().begin(), response.tombstones().end()};
  }

  av1::EngagementRecord MustEngage(const av1::Assessment& round, const std::string& title) {
    av1::CreateEngagementRecordRequest request;
    request.set_parent(round.name());
    av1::EngagementRecord* record = request.mutable_engagement_record();
    record->set_title(title);
    record->set_date("2025-05-14");
    record->add_participant_groups(av1::PARTICIPANT_GROUP_PRACTITIONERS);
    record->set_method(av1::ENGAGEMENT_METHOD_FOCUS_GROUP);
    record->set_participant_count(9);
    record->add_themes("Thresholds are unclear");
    av1::EngagementRecord created;
    EXPECT_THAT(Invoke(voice_.get(), &VStub::CreateEngagementRecord, admin_, request, &created),
                IsOk());
    return created;
  }

  grpc::Status GetEngagement(const std::string& name) {
    av1::GetEngagementRecordRequest request;
    request.set_name(name);
    av1::EngagementRecord record;
    return Invoke(voice_.get(), &VStub::GetEngagementRecord, admin_, request, &record);
  }

  // A file of the round (uploaded by its administrator while the round may be written).
  av1::EvidenceFile MustUploadTo(const av1::Assessment& round, const std::string& file_name,
                                 int seed) {
    av1::EvidenceFileUpload metadata = Metadata(file_name);
    metadata.set_assessment(round.name());
    return MustUpload(admin_, metadata, CsvBytes(64 * 1024, seed));
  }

  // The first moment of the day `years` after `time`'s day (UTC), and the moment before it.
  static absl::Time DayStartYearsAfter(const google::protobuf::Timestamp& time, int years) {
    absl::CivilDay day = absl::ToCivilDay(FromTimestamp(time), absl::UTCTimeZone());
    return absl::FromCivil(assessment::ExpiryDay(day, years), absl::UTCTimeZone());
  }

  // The resources one purger's pass purged at `now`.
  std::set<std::string> PurgeAt(absl::Time now) {
    clock_.Set(now);
    PurgerReplica replica(hub_->assessment_database_url(), &clock_);
    absl::StatusOr<std::vector<av1::Tombstone>> purged = replica.purger.PurgeDue();
    EXPECT_THAT(purged, IsOk());
    std::set<std::string> names;
    if (purged.ok()) {
      for (const auto& t : *purged) names.insert(t.purged_resource());
    }
    return names;
  }

  RetentionClock clock_;
  std::unique_ptr<RStub> retention_;
  std::unique_ptr<VStub> voice_;
};

}  // namespace sixsteps::testing::assessment_test
