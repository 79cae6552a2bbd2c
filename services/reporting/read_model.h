// The reporting read model in PostgreSQL: the consumer applies feed changes to it (with
// the cursor, in one transaction), and the reports read it with a few indexed queries
// each — never one query per question, never a call to another service.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "services/common/db.h"
#include "services/reporting/reports.h"
#include "services/reporting/reports_register.h"
#include "sixsteps/identity/v1/identity.pb.h"

namespace sixsteps::reporting {

namespace idv1 = ::sixsteps::identity::v1;

struct PartnershipInfo {
  std::string id;
  std::string region_id;
  std::string name;
  bool opted_out = false;
};

// Where a round belongs, for the access check before anything else is read.
struct RoundOwner {
  std::string partnership_id;
  std::string region_id;
  // The partnership opted out of regional comparison (false if the read model does not
  // know the partnership yet).
  bool opted_out = false;
};

// What a cached report is checked against (report_cache.h): the last feed sequence the
// read model applied to the round, and the directory's version (names, opt-outs).
struct RoundVersion {
  int64_t round_sequence = 0;
  int64_t directory_version = 0;
  bool operator==(const RoundVersion&) const = default;
};

// What a cached regional overview is checked against (overview_cache.h): the last feed
// sequence the read model applied to anything of the region (its rounds, their figures,
// its actions), and the directory's version.
struct RegionVersion {
  int64_t region_sequence = 0;
  int64_t directory_version = 0;
  bool operator==(const RegionVersion&) const = default;
};

// The partnerships of a region with their latest finalised round and overdue actions.
struct RegionData {
  std::string region_name;
  std::vector<PartnershipInfo> partnerships;
  // By partnership id: the figures of its latest finalised independent scrutiny
  // (RoundFigures, as the consumer keeps them), and its overdue open actions.
  absl::flat_hash_map<std::string, rv1::RegionalRow> latest_figures;
  absl::flat_hash_map<std::string, int> overdue;
};

// Actions of a partnership or region with the names the tracker shows.
struct ActionData {
  std::vector<actv1::Action> actions;
  absl::flat_hash_map<std::string, std::string> organisation_names;
  absl::flat_hash_map<std::string, std::string> step_titles;
  // For a region: the ids of its partnerships that opted out of regional comparison.
  absl::flat_hash_set<std::string> opted_out;
};

class ReadModel {
 public:
  explicit ReadModel(db::ConnectionPool* pool) : pool_(pool) {}

  // ---- For the feed consumer ----
  absl::StatusOr<rv1::Freshness> Freshness();
  absl::StatusOr<bool> HasFramework(const std::string& version_name);
  absl::Status PutFramework(const std::string& version_name, const fv1::FrameworkVersion& version);
  // Of `partnership_ids`, those the read model does not hold yet (one query for a batch).
  absl::StatusOr<std::vector<std::string>> MissingPartnerships(
      const std::vector<std::string>& partnership_ids);
  // Replaces names and opt-outs with identity's current view.
  absl::Status PutDirectory(const std::vector<idv1::Region>& regions,
                            const std::vector<idv1::Partnership>& partnerships,
                            const std::vector<idv1::Organisation>& organisations);
  // Applies changes in one transaction with the cursor. Changes at or before the cursor
  // were applied already and are skipped, so a replay after a crash changes nothing. A
  // record the database refuses as data (a date that is no date, a rule it breaks) is
  // INVALID_ARGUMENT or FAILED_PRECONDITION naming the change's sequence: applying it
  // again would fail the same way.
  absl::Status Apply(const std::vector<av1::Change>& changes);
  // Sets aside a change that can never be applied: records it in feed_quarantine (with
  // `error`, and the change itself if `received`) and moves the cursor past it, in one
  // transaction. `change` may carry only its sequence when it could not be fetched.
  // Nothing happens if the cursor is already past it.
  absl::Status Quarantine(const av1::Change& change, bool received, const absl::Status& error);

  // ---- For the reports ----
  // One report's reads: one read-only transaction, so one round trip to begin and one to
  // end, and every query sees the same snapshot. Statements are prepared once per
  // connection. Valid only inside Read().
  class Snapshot {
   public:
    // The feed position this snapshot reflects.
    absl::StatusOr<rv1::Freshness> Freshness();
    // NOT_FOUND if the read model has no such round, or if `may_see` refuses its owner:
    // nothing else of the round is read then.
    absl::StatusOr<RoundData> LoadRound(const std::string& assessment_id,
                                        const std::function<bool(const RoundOwner&)>& may_see);
    absl::StatusOr<PartnershipInfo> Partnership(const std::string& partnership_id);
    // The round's owner and versions (read_model_versions.cc), with the same refusal as
    // LoadRound: one indexed row, for the check of a cached report.
    struct VersionedOwner {
      RoundOwner owner;
      RoundVersion version;
    };
    absl::StatusOr<VersionedOwner> RoundVersionOf(
        const std::string& assessment_id, const std::function<bool(const RoundOwner&)>& may_see);
    // Finalised rounds of a kind (the AssessmentKind enum name), oldest first.
    absl::StatusOr<std::vector<FinalisedRound>> FinalisedRounds(const std::string& partnership_id,
                                                                const std::string& kind);
    // Two queries whatever the number of partnerships, reading one row of figures per
    // partnership (read_model_aggregates.cc).
    absl::StatusOr<RegionData> LoadRegion(const std::string& region_id, const std::string& as_of);
    // The region's versions (read_model_versions.cc): one indexed row, for the check of a
    // cached overview.
    absl::StatusOr<RegionVersion> RegionVersionOf(const std::string& region_id);
    // Per partnership id with actions in the region: its overdue actions at each of `dates`
    // by OverdueOverTime's rule, counted in SQL (read_model_aggregates.cc).
    absl::StatusOr<absl::flat_hash_map<std::string, std::vector<int>>> OverdueOverTime(
        const std::string& region_id, const std::vector<std::string>& dates);
    // `partnership_id` or else every partnership of `region_id`.
    absl::StatusOr<ActionData> LoadActions(const std::string& partnership_id,
                                           const std::string& region_id);
    // ---- evidence and voice reports (H5; read_model_register.cc) ----
    // The round's evidence files (those uploaded for it and those its evidence items name)
    // and its voice records, as the read model holds them.
    absl::StatusOr<RegisterData> LoadRegister(const RoundData& round);

    // ---- scrutiny cycle (H4): read_model_cycle.cc ----
    // The published versions of a round's scrutineer's report, oldest first.
    absl::StatusOr<std::vector<av1::ScrutinyReport>> PublishedScrutinyReports(
        const std::string& assessment_id);
    // Every published version of the partnership's reports, by publication time.
    absl::StatusOr<std::vector<av1::ScrutinyReport>> PublishedScrutinyReportsOf(
        const std::string& partnership_id);
    // The partnership's programme, by opening date.
    absl::StatusOr<std::vector<av1::PlannedRound>> PlannedRounds(const std::string& partnership_id);
    absl::StatusOr<std::vector<av1::ContextAnswer>> ContextAnswers(
        const std::string& assessment_id);
    absl::StatusOr<std::vector<av1::AnnualReportDraft>> AnnualReportDrafts(
        const std::string& partnership_id);

   private:
    friend class ReadModel;
    Snapshot(ReadModel* model, pqxx::transaction_base* txn) : model_(model), txn_(txn) {}
    // Published framework versions never change: parsed once and kept by the model.
    absl::StatusOr<std::shared_ptr<const fv1::FrameworkVersion>> Framework(
        const std::string& version_name);

    ReadModel* model_;
    pqxx::transaction_base* txn_;
  };
  // Runs `work` on one snapshot; `work` may run again if the connection broke, so it must
  // only read (and reset what it fills in).
  absl::Status Read(const std::function<absl::Status(Snapshot&)>& work);

  // Fills in the per-round aggregates of rounds finalised, and the days of actions applied,
  // before the read model kept them (V010); the consumer calls it when it takes the lead.
  absl::Status FillAggregates();

 private:
  // Published framework versions never change: parsed once and kept.
  absl::StatusOr<std::shared_ptr<const fv1::FrameworkVersion>> CachedFramework(
      pqxx::transaction_base& txn, const std::string& version_name);
  // Rewrites the round's figures if it is finalised, deletes them otherwise
  // (read_model_aggregates.cc).
  absl::Status WriteRoundFigures(pqxx::work& txn, const std::string& assessment_id);

  db::ConnectionPool* pool_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const fv1::FrameworkVersion>> frameworks_
      ABSL_GUARDED_BY(mu_);
};

// ---- evidence and voice reports (H5; read_model_register.cc) ----
// Writes an evidence file's metadata or a voice record a change carries; false if the
// change carries none of them (the caller handles it, or moves past it).
bool ApplyRegisterRecord(pqxx::work& txn, const av1::Change& change);

// The reporting service's migrations, embedded from services/reporting/migrations.
std::vector<db::Migration> ReportingMigrations();

}  // namespace sixsteps::reporting
