// PgAssessmentStore's SQL for the scrutineer's report (its versions, inside a round's
// transaction) and PgPartnershipRecordStore: a partnership's concerns about the scrutiny
// and its annual report drafts. Parameterised statements only.
#include "services/assessment/pg_store_scrutiny.h"

#include "absl/strings/str_cat.h"
#include "services/assessment/pg_store_internal.h"
#include "services/assessment/scrutiny_report_domain.h"
#include "services/base/clock.h"

namespace sixsteps::assessment {
using namespace pg_store_internal;  // NOLINT(build/namespaces): the store's own helpers
namespace {

constexpr char kLockReports[] =
    "SELECT record, row_version FROM scrutiny_reports WHERE assessment_id = $1 "
    "ORDER BY version FOR UPDATE";
constexpr char kUpsertReport[] =
    "INSERT INTO scrutiny_reports (assessment_id, version, state, record) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (assessment_id, version) DO UPDATE SET state = EXCLUDED.state, "
    "record = EXCLUDED.record, row_version = scrutiny_reports.row_version + 1 "
    "RETURNING row_version";
constexpr char kSelectConcernForUpdate[] =
    "SELECT record, row_version FROM scrutiny_concerns WHERE concern_id = $1 "
    "AND partnership_id = $2 FOR UPDATE";
constexpr char kUpsertConcern[] =
    "INSERT INTO scrutiny_concerns (concern_id, partnership_id, region_id, raised_by, record) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (concern_id) DO UPDATE SET record = EXCLUDED.record, "
    "row_version = scrutiny_concerns.row_version + 1 RETURNING row_version";
constexpr char kListConcerns[] =
    "SELECT record, row_version, seq FROM scrutiny_concerns WHERE partnership_id = $1 "
    "AND ($2 = '' OR raised_by = $2) AND seq > $3 ORDER BY seq LIMIT $4";
constexpr char kSelectDraft[] =
    "SELECT record, row_version FROM annual_report_drafts WHERE draft_id = $1 "
    "AND partnership_id = $2";
constexpr char kSelectDraftForUpdate[] =
    "SELECT record, row_version FROM annual_report_drafts WHERE draft_id = $1 "
    "AND partnership_id = $2 FOR UPDATE";
constexpr char kUpsertDraft[] =
    "INSERT INTO annual_report_drafts (draft_id, partnership_id, region_id, record) "
    "VALUES ($1, $2, $3, $4) ON CONFLICT (draft_id) DO UPDATE SET record = EXCLUDED.record, "
    "row_version = annual_report_drafts.row_version + 1 RETURNING row_version";
constexpr char kListDrafts[] =
    "SELECT record, row_version, seq FROM annual_report_drafts WHERE partnership_id = $1 "
    "AND seq > $2 ORDER BY seq LIMIT $3";

template <typename Message>
absl::StatusOr<std::optional<Message>> LoadOne(const pqxx::result& rows, absl::string_view what) {
  if (rows.empty()) return std::nullopt;
  SIXSTEPS_ASSIGN_OR_RETURN(Message message, Load<Message>(rows[0], what));
  return message;
}

class PgPartnershipTx final : public PartnershipTx {
 public:
  PgPartnershipTx(pqxx::work& txn, std::string partnership_id, std::string region_id)
      : txn_(txn), partnership_id_(std::move(partnership_id)), region_id_(std::move(region_id)) {}

  absl::StatusOr<std::optional<v1::ScrutinyConcern>> GetConcernForUpdate(
      const std::string& id) override {
    return LoadOne<v1::ScrutinyConcern>(
        db::ExecPrepared(txn_, kSelectConcernForUpdate, id, partnership_id_), "concern");
  }

  absl::Status PutConcern(v1::ScrutinyConcern& concern, v1::ChangeKind change,
                          const Provenance& provenance) override {
    concern.set_region(absl::StrCat("regions/", region_id_));
    pqxx::result rows =
        db::ExecPrepared(txn_, kUpsertConcern, LastSegment(concern.name()), partnership_id_,
                         region_id_, concern.raised_by(), Blob(Stored(concern)));
    concern.set_etag(rows[0][0].as<std::string>());
    v1::Change feed = NewChange(change, provenance);
    feed.set_assessment(concern.assessment());
    *feed.mutable_scrutiny_concern() = concern;
    pending_.push_back(std::move(feed));
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<v1::AnnualReportDraft>> GetDraftForUpdate(
      const std::string& id) override {
    return LoadOne<v1::AnnualReportDraft>(
        db::ExecPrepared(txn_, kSelectDraftForUpdate, id, partnership_id_), "draft");
  }

  absl::Status PutDraft(v1::AnnualReportDraft& draft, const Provenance& provenance) override {
    draft.set_region(absl::StrCat("regions/", region_id_));
    pqxx::result rows = db::ExecPrepared(txn_, kUpsertDraft, LastSegment(draft.name()),
                                         partnership_id_, region_id_, Blob(Stored(draft)));
    draft.set_etag(rows[0][0].as<std::string>());
    v1::Change feed = NewChange(v1::CHANGE_KIND_ANNUAL_REPORT_DRAFT_CHANGED, provenance);
    *feed.mutable_annual_report_draft() = draft;
    pending_.push_back(std::move(feed));
    return absl::OkStatus();
  }

  bool Flush() { return AppendChanges(txn_, pending_); }

 private:
  v1::Change NewChange(v1::ChangeKind kind, const Provenance& provenance) const {
    v1::Change change;
    *change.mutable_time() = TimestampNow();
    change.set_kind(kind);
    change.set_partnership(absl::StrCat("partnerships/", partnership_id_));
    change.set_region(absl::StrCat("regions/", region_id_));
    change.set_actor(provenance.actor);
    return change;
  }

  pqxx::work& txn_;
  std::string partnership_id_;
  std::string region_id_;
  std::vector<v1::Change> pending_;
};

}  // namespace

namespace pg_store_internal {

absl::StatusOr<std::vector<v1::ScrutinyReport>> LockScrutinyReports(
    pqxx::work& txn, const std::string& assessment_id) {
  return LoadAll<v1::ScrutinyReport>(db::ExecPrepared(txn, kLockReports, assessment_id),
                                     "scrutiny report");
}

int64_t StoreScrutinyReport(pqxx::work& txn, const std::string& assessment_id,
                            const v1::ScrutinyReport& report) {
  return db::ExecPrepared(txn, kUpsertReport, assessment_id, report.version(),
                          ScrutinyReportStateName(report.state()), Blob(Stored(report)))[0][0]
      .as<int64_t>();
}

}  // namespace pg_store_internal

absl::Status PgPartnershipRecordStore::InPartnership(const std::string& partnership_id,
                                                     const std::string& region_id,
                                                     const PartnershipWork& work) {
  bool changed = false;
  absl::Status status = pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    PgPartnershipTx tx(txn, partnership_id, region_id);
    SIXSTEPS_RETURN_IF_ERROR(work(tx));
    changed = tx.Flush();
    return absl::OkStatus();
  });
  if (status.ok() && changed && signal_ != nullptr) signal_->Notify();
  return status;
}

absl::StatusOr<std::vector<v1::ScrutinyConcern>> PgPartnershipRecordStore::ListConcerns(
    const std::string& partnership_id, const std::string& raised_by, int64_t after_seq, int limit,
    std::vector<int64_t>* seqs) {
  std::vector<v1::ScrutinyConcern> concerns;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(
        concerns, LoadPage<v1::ScrutinyConcern>(db::ExecPrepared(txn, kListConcerns, partnership_id,
                                                                 raised_by, after_seq, limit),
                                                "concern", seqs));
    return absl::OkStatus();
  }));
  return concerns;
}

absl::StatusOr<v1::AnnualReportDraft> PgPartnershipRecordStore::GetDraft(
    const std::string& partnership_id, const std::string& id) {
  std::optional<v1::AnnualReportDraft> draft;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(
        draft, LoadOne<v1::AnnualReportDraft>(
                   db::ExecPrepared(txn, kSelectDraft, id, partnership_id), "draft"));
    return absl::OkStatus();
  }));
  if (!draft)
    return absl::NotFoundError(
        absl::StrCat(PartnershipChild(partnership_id, kDrafts, id), " not found"));
  return *draft;
}

absl::StatusOr<std::vector<v1::AnnualReportDraft>> PgPartnershipRecordStore::ListDrafts(
    const std::string& partnership_id, int64_t after_seq, int limit, std::vector<int64_t>* seqs) {
  std::vector<v1::AnnualReportDraft> drafts;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(
        drafts,
        LoadPage<v1::AnnualReportDraft>(
            db::ExecPrepared(txn, kListDrafts, partnership_id, after_seq, limit), "draft", seqs));
    return absl::OkStatus();
  }));
  return drafts;
}

}  // namespace sixsteps::assessment
