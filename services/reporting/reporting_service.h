// The gRPC ReportingService: checks who may see what, waits for the read model when the
// caller asks for a feed position, loads the read model and builds the report.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include <grpcpp/support/byte_buffer.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/auth.h"
#include "services/reporting/feed_head.h"
#include "services/reporting/overview_cache.h"
#include "services/reporting/read_model.h"
#include "services/reporting/render.h"
#include "services/reporting/report_cache.h"
#include "services/reporting/reports.h"
#include "services/reporting/reports_cycle.h"
#include "sixsteps/reporting/v1/reporting_service.grpc.pb.h"

namespace sixsteps::reporting {

using auth::Caller;

// How an assessment report is handed back: as a message to read, or for gRPC to send (a
// cached report's content then stays encoded, in the message's unknown fields: see
// reporting_service_cache.cc).
enum class ReportForm { kParsed, kEncoded };

// How reports wait for min_sequence.
struct WaitOptions {
  // Whether the feed has reached a sequence; unset: assumed reached (tests without an
  // assessment service).
  FeedReached feed_reached;
  // Calls waiting for the read model at once (--report_max_waiters); more are
  // RESOURCE_EXHAUSTED.
  int max_waiters = 16;
};

// The reports themselves, for the gRPC service and the HTTP endpoint alike.
//
// min_sequence (issue #13, finding 9): what the caller may see is decided first, on the
// read model as it is, so a report the caller may not see is NOT_FOUND at once. Only then
// is there any waiting, and only for a position the feed has reached (one beyond every
// change made is OUT_OF_RANGE at once; a resource the read model does not show yet is
// NOT_FOUND at once unless the feed has reached the position), by at most max_waiters
// calls at once, until the deadline (at most 30 s).
class Reports {
 public:
  Reports(ReadModel* model, absl::TimeZone hub_time_zone, WaitOptions wait = {})
      : model_(model), zone_(hub_time_zone), wait_(std::move(wait)) {}

  // Served from `cache` when one is set (UseCache) and its entry is current: see
  // report_cache.h for when that is. The same refusals and freshness rule either way.
  absl::StatusOr<rv1::AssessmentReport> Assessment(const Caller& caller,
                                                   const rv1::GetAssessmentReportRequest& r,
                                                   absl::Time deadline,
                                                   ReportForm form = ReportForm::kParsed);
  // The assessment report encoded for the wire (its freshness, then the cached report's
  // bytes, shared with the cache and not copied) when it can be served from memory alone:
  // the cache has it live for the request's min_sequence and `caller` may read it. nullopt
  // otherwise (then Assessment: a bad request, a refusal, a miss). Never blocks.
  std::optional<grpc::ByteBuffer> AssessmentFromMemory(const Caller& caller,
                                                       const rv1::GetAssessmentReportRequest& r);
  // Keeps built assessment reports in `cache` (kept in step by a CacheListener); unset,
  // every report is built from the read model.
  void UseCache(ReportCache* cache) { cache_ = cache; }
  // Keeps built regional overviews in `cache`; unset, every overview is built.
  void UseOverviewCache(OverviewCache* cache) { overview_cache_ = cache; }
  absl::StatusOr<rv1::PartnershipTrend> Trend(const Caller& caller,
                                              const rv1::GetPartnershipTrendRequest& r,
                                              absl::Time deadline);
  // Served from `overview_cache` when one is set (UseOverviewCache) and its entry is at the
  // region's versions in the call's snapshot (overview_cache.h); reporting_service_cache.cc.
  absl::StatusOr<rv1::RegionalOverview> Region(const Caller& caller,
                                               const rv1::GetRegionalOverviewRequest& r,
                                               absl::Time deadline,
                                               ReportForm form = ReportForm::kParsed);
  absl::StatusOr<rv1::ActionTracker> Actions(const Caller& caller,
                                             const rv1::GetActionTrackerRequest& r,
                                             absl::Time deadline);
  absl::StatusOr<rv1::AnnualReportSection> Annual(const Caller& caller,
                                                  const rv1::GetAnnualReportSectionRequest& r,
                                                  absl::Time deadline);
  // ---- scrutiny cycle (H4): reporting_service_cycle.cc ----
  absl::StatusOr<rv1::ScrutineerReport> Scrutineer(const Caller& caller,
                                                   const rv1::GetScrutineerReportRequest& r,
                                                   absl::Time deadline);
  // Any report, rendered in the requested format.
  struct Export {
    std::string content;
    std::string content_type;
    std::string filename;
  };
  absl::StatusOr<Export> Render(const Caller& caller, const rv1::ExportReportRequest& r,
                                absl::Time deadline);
  // Any report loaded and ready to be written in the requested format (render.h): what
  // StreamReport and the HTTP endpoint send while it is written. Same refusals as Render,
  // all before any byte is written.
  absl::StatusOr<ReportFile> Prepare(const Caller& caller, const rv1::ExportReportRequest& r,
                                     absl::Time deadline);
  absl::StatusOr<rv1::Freshness> Freshness() { return model_->Freshness(); }
  // ---- evidence and voice reports (H5; reporting_service_register.cc) ----
  absl::StatusOr<rv1::EvidenceRegister> EvidenceRegister(const Caller& caller,
                                                         const rv1::GetEvidenceRegisterRequest& r,
                                                         absl::Time deadline);
  absl::StatusOr<rv1::EngagementSummary> EngagementSummary(
      const Caller& caller, const rv1::GetEngagementSummaryRequest& r, absl::Time deadline);
  absl::StatusOr<rv1::AuditsAndReviewsSummary> AuditsAndReviews(
      const Caller& caller, const rv1::GetAuditsAndReviewsSummaryRequest& r, absl::Time deadline);

 private:
  // ---- evidence and voice reports (H5) ----
  // One round with its evidence files and voice records, if the caller may read its
  // reports (NOT_FOUND otherwise); `sees_sensitive` says whether they may read its
  // OFFICIAL-SENSITIVE material.
  struct RegisterRound {
    RoundData round;
    RegisterData data;
    bool sees_sensitive = false;
    rv1::Freshness freshness;
  };
  absl::StatusOr<RegisterRound> LoadRegisterRound(const Caller& caller,
                                                  const std::string& assessment,
                                                  int64_t min_sequence, absl::Time deadline);
  // The round's engagement and audits-and-reviews lines for its annual report section.
  absl::StatusOr<std::string> AnnualVoice(const Caller& caller, const std::string& assessment,
                                          int64_t min_sequence, absl::Time deadline);

  // Runs `read` on one snapshot of the read model (one read-only transaction) that
  // reflects `min_sequence`, passing the snapshot's freshness; while the read model is
  // behind, waits for the consumer until `deadline`, then DEADLINE_EXCEEDED. `read` only
  // loads (it may run again): reports are built after it returns, off the connection.
  absl::Status Read(
      int64_t min_sequence, absl::Time deadline,
      const std::function<absl::Status(ReadModel::Snapshot&, const rv1::Freshness&)>& read);
  absl::StatusOr<std::string> AsOf(const std::string& requested) const;
  // The round's data for its reports, if the caller may read them (NOT_FOUND naming
  // `assessment` otherwise).
  static absl::StatusOr<RoundData> LoadRoundFor(const Caller& caller, ReadModel::Snapshot& model,
                                                const std::string& id,
                                                const std::string& assessment);
  // Sets `report`'s overdue_over_time (reporting_service_cycle.cc).
  absl::Status AddRegionOverdueChart(const Caller& caller, const rv1::GetRegionalOverviewRequest& r,
                                     absl::Time deadline, rv1::RegionalOverview* report);
  // The annual report section's parts about the year (reporting_service_cycle.cc).
  static absl::Status LoadAnnualCycle(ReadModel::Snapshot& model, const RoundData& round,
                                      AnnualCycleInput* input);
  // Waits until the read model reflects `min_sequence` (holding one of max_waiters).
  absl::Status WaitFor(int64_t min_sequence, absl::Time deadline);

  // The assessment report from `cache_`, or built and put there (reporting_service_cache.cc).
  absl::StatusOr<rv1::AssessmentReport> CachedAssessment(const Caller& caller,
                                                         const rv1::GetAssessmentReportRequest& r,
                                                         const std::string& id,
                                                         const std::string& as_of,
                                                         absl::Time deadline, ReportForm form);

  ReadModel* model_;
  ReportCache* cache_ = nullptr;
  OverviewCache* overview_cache_ = nullptr;
  absl::TimeZone zone_;
  const WaitOptions wait_;
  std::atomic<int> waiters_{0};
};

class ReportingServiceImpl final : public rv1::ReportingService::Service {
 public:
  ReportingServiceImpl(Reports* reports, const auth::TokenVerifier* verifier)
      : reports_(reports), verifier_(verifier) {}

  grpc::Status GetAssessmentReport(grpc::ServerContext*, const rv1::GetAssessmentReportRequest*,
                                   rv1::AssessmentReport*) override;
  grpc::Status GetPartnershipTrend(grpc::ServerContext*, const rv1::GetPartnershipTrendRequest*,
                                   rv1::PartnershipTrend*) override;
  grpc::Status GetRegionalOverview(grpc::ServerContext*, const rv1::GetRegionalOverviewRequest*,
                                   rv1::RegionalOverview*) override;
  grpc::Status GetActionTracker(grpc::ServerContext*, const rv1::GetActionTrackerRequest*,
                                rv1::ActionTracker*) override;
  grpc::Status GetAnnualReportSection(grpc::ServerContext*,
                                      const rv1::GetAnnualReportSectionRequest*,
                                      rv1::AnnualReportSection*) override;
  grpc::Status ExportReport(grpc::ServerContext*, const rv1::ExportReportRequest*,
                            rv1::ExportReportResponse*) override;
  grpc::Status GetFreshness(grpc::ServerContext*, const rv1::GetFreshnessRequest*,
                            rv1::Freshness*) override;
  // ---- formats (H3) ----
  grpc::Status StreamReport(grpc::ServerContext* context, const rv1::StreamReportRequest* request,
                            grpc::ServerWriter<rv1::StreamReportResponse>* writer) override;
  grpc::Status GetScrutineerReport(grpc::ServerContext*, const rv1::GetScrutineerReportRequest*,
                                   rv1::ScrutineerReport*) override;
  // ---- evidence and voice reports (H5) ----
  grpc::Status GetEvidenceRegister(grpc::ServerContext*, const rv1::GetEvidenceRegisterRequest*,
                                   rv1::EvidenceRegister*) override;
  grpc::Status GetEngagementSummary(grpc::ServerContext*, const rv1::GetEngagementSummaryRequest*,
                                    rv1::EngagementSummary*) override;
  grpc::Status GetAuditsAndReviewsSummary(grpc::ServerContext*,
                                          const rv1::GetAuditsAndReviewsSummaryRequest*,
                                          rv1::AuditsAndReviewsSummary*) override;

 private:
  // Used by SIXSTEPS_RPC to authenticate every call.
  const auth::TokenVerifier& verifier() const { return *verifier_; }

  // One handler per RPC, named after it; the reports take the call's deadline. Their context
  // is a grpc::ServerContextBase, so that they are served on gRPC's callback API with the
  // handler on the server's executor (callback_rpc.h), not on the synchronous server (a
  // thread made or woken per call; issue 18, Reads).
  absl::StatusOr<rv1::AssessmentReport> DoGetAssessmentReport(
      const Caller& caller, const rv1::GetAssessmentReportRequest& request,
      const grpc::ServerContextBase& context);
  // GetAssessmentReport's fast path (SIXSTEPS_RPC_WITH_FAST_PATH): a report in the cache,
  // answered on gRPC's thread with its bytes as they are kept.
  std::optional<grpc::ByteBuffer> FastGetAssessmentReport(
      const Caller& caller, const rv1::GetAssessmentReportRequest& request);
  absl::StatusOr<rv1::PartnershipTrend> DoGetPartnershipTrend(
      const Caller& caller, const rv1::GetPartnershipTrendRequest& request,
      const grpc::ServerContextBase& context);
  absl::StatusOr<rv1::RegionalOverview> DoGetRegionalOverview(
      const Caller& caller, const rv1::GetRegionalOverviewRequest& request,
      const grpc::ServerContextBase& context);
  absl::StatusOr<rv1::ActionTracker> DoGetActionTracker(const Caller& caller,
                                                        const rv1::GetActionTrackerRequest& request,
                                                        const grpc::ServerContextBase& context);
  absl::StatusOr<rv1::AnnualReportSection> DoGetAnnualReportSection(
      const Caller& caller, const rv1::GetAnnualReportSectionRequest& request,
      const grpc::ServerContextBase& context);
  absl::StatusOr<rv1::ExportReportResponse> DoExportReport(const Caller& caller,
                                                           const rv1::ExportReportRequest& request,
                                                           const grpc::ServerContextBase& context);
  absl::StatusOr<rv1::Freshness> DoGetFreshness(const Caller& caller,
                                                const rv1::GetFreshnessRequest& request);
  absl::StatusOr<rv1::ScrutineerReport> DoGetScrutineerReport(
      const Caller& caller, const rv1::GetScrutineerReportRequest& request,
      const grpc::ServerContextBase& context);
  // ---- evidence and voice reports (H5) ----
  absl::StatusOr<rv1::EvidenceRegister> DoGetEvidenceRegister(
      const Caller& caller, const rv1::GetEvidenceRegisterRequest& request,
      const grpc::ServerContextBase& context);
  absl::StatusOr<rv1::EngagementSummary> DoGetEngagementSummary(
      const Caller& caller, const rv1::GetEngagementSummaryRequest& request,
      const grpc::ServerContextBase& context);
  absl::StatusOr<rv1::AuditsAndReviewsSummary> DoGetAuditsAndReviewsSummary(
      const Caller& caller, const rv1::GetAuditsAndReviewsSummaryRequest& request,
      const grpc::ServerContextBase& context);

  Reports* reports_;
  const auth::TokenVerifier* verifier_;
};

// The id of "{collection}/{id}" (at most 64 characters, no '/'); INVALID_ARGUMENT naming
// `field` otherwise.
absl::StatusOr<std::string> ParseId(absl::string_view name, absl::string_view collection,
                                    absl::string_view field);

// A call's deadline, capped at 30 s from now.
absl::Time DeadlineOf(const grpc::ServerContextBase& context);

}  // namespace sixsteps::reporting
