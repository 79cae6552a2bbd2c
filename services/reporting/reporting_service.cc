#include "services/reporting/reporting_service.h"

#include <algorithm>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"
#include "services/common/validation.h"
#include "services/reporting/catching_up.h"
#include "services/reporting/render.h"
#include "services/reporting/round_kind.h"

namespace sixsteps::reporting {
using auth::Role;

absl::StatusOr<std::string> ParseId(absl::string_view name, absl::string_view collection,
                                    absl::string_view field) {
  std::string prefix = absl::StrCat(collection, "/");
  absl::string_view id = name.substr(std::min(name.size(), prefix.size()));
  if (!absl::StartsWith(name, prefix) || id.empty() || id.size() > 64 ||
      id.find('/') != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must look like ", collection, "/{id}, got '", name, "'"));
  }
  return std::string(id);
}

absl::Time DeadlineOf(const grpc::ServerContextBase& context) {
  absl::Time cap = absl::Now() + absl::Seconds(30);
  absl::Time deadline = absl::FromChrono(context.deadline());
  return deadline < cap ? deadline : cap;
}

absl::Status Reports::Read(
    int64_t min_sequence, absl::Time deadline,
    const std::function<absl::Status(ReadModel::Snapshot&, const rv1::Freshness&)>& read) {
  if (min_sequence < 0) return absl::InvalidArgumentError("min_sequence: must not be negative");
  // First on the read model as it is: what the caller may see, and whether it is fresh.
  std::optional<int64_t> behind;
  absl::Status first = model_->Read([&](ReadModel::Snapshot& snapshot) -> absl::Status {
    behind.reset();
    SIXSTEPS_ASSIGN_OR_RETURN(rv1::Freshness freshness, snapshot.Freshness());
    if (freshness.sequence() < min_sequence) behind = freshness.sequence();
    return read(snapshot, freshness);
  });
  if (!behind)
    return UnlessCatchingUp(std::move(first), model_, wait_.feed_reached, deadline, read);
  const bool unseen = first.code() == absl::StatusCode::kNotFound ||
                      first.code() == absl::StatusCode::kPermissionDenied;
  if (!first.ok() && !unseen) return first;
  bool reached = true;
  if (wait_.feed_reached) {
    absl::StatusOr<bool> asked = wait_.feed_reached(min_sequence, deadline);
    if (!asked.ok()) return asked.status();
    reached = *asked;
  }
  if (!reached) {
    // Nothing to wait for: no change has that number yet. What the caller may not see (or
    // what does not exist) stays NOT_FOUND, said at once.
    if (unseen) return first;
    return absl::OutOfRangeError(
        "min_sequence: beyond the newest change of the feed; use a sequence the feed has "
        "returned");
  }
  // The position exists: wait for the read model to reflect it, then read again (what
  // the caller asked for may be created by a change up to that position).
  SIXSTEPS_RETURN_IF_ERROR(WaitFor(min_sequence, deadline));
  SIXSTEPS_RETURN_IF_ERROR(model_->Read([&](ReadModel::Snapshot& snapshot) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(rv1::Freshness freshness, snapshot.Freshness());
    return read(snapshot, freshness);
  }));
  return absl::OkStatus();
}

absl::Status Reports::WaitFor(int64_t min_sequence, absl::Time deadline) {
  if (waiters_.fetch_add(1) >= wait_.max_waiters) {
    waiters_.fetch_sub(1);
    return absl::ResourceExhaustedError(
        "min_sequence: too many reports are waiting for the feed; try again shortly");
  }
  struct Release {
    std::atomic<int>* waiters;
    ~Release() { waiters->fetch_sub(1); }
  } release{&waiters_};
  while (true) {
    SIXSTEPS_ASSIGN_OR_RETURN(rv1::Freshness freshness, model_->Freshness());
    if (freshness.sequence() >= min_sequence) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      // Only that the report is behind: the feed's position is the deployment's write
      // counter, which is not every caller's to watch (issue #13, finding 13).
      return absl::DeadlineExceededError(
          "the report is not yet up to date with the requested min_sequence; try again "
          "shortly");
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

absl::StatusOr<std::string> Reports::AsOf(const std::string& requested) const {
  if (requested.empty()) return absl::FormatTime("%Y-%m-%d", absl::Now(), zone_);
  int year = 0, month = 0, day = 0;
  if (requested.size() != 10 ||
      std::sscanf(requested.c_str(), "%4d-%2d-%2d", &year, &month, &day) != 3 || month < 1 ||
      month > 12 || day < 1 || day > 31) {
    return absl::InvalidArgumentError("as_of_date: must be a date such as 2026-03-31");
  }
  return requested;
}

absl::StatusOr<rv1::AssessmentReport> Reports::Assessment(const Caller& caller,
                                                          const rv1::GetAssessmentReportRequest& r,
                                                          absl::Time deadline, ReportForm form) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseId(r.assessment(), "assessments", "assessment"));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string as_of, AsOf(r.as_of_date()));
  if (cache_ != nullptr) return CachedAssessment(caller, r, id, as_of, deadline, form);
  rv1::Freshness freshness;
  RoundData round;
  SIXSTEPS_RETURN_IF_ERROR(
      Read(r.min_sequence(), deadline, [&](ReadModel::Snapshot& model, const rv1::Freshness& f) {
        freshness = f;
        SIXSTEPS_ASSIGN_OR_RETURN(round, LoadRoundFor(caller, model, id, r.assessment()));
        return absl::OkStatus();
      }));
  return BuildAssessmentReport(round, as_of, freshness);
}

absl::StatusOr<RoundData> Reports::LoadRoundFor(const Caller& caller, ReadModel::Snapshot& model,
                                                const std::string& id,
                                                const std::string& assessment) {
  auto may_see = [&](const RoundOwner& owner) {
    return MayReadPartnershipReports(caller, owner.region_id, owner.partnership_id,
                                     owner.opted_out);
  };
  absl::StatusOr<RoundData> loaded = model.LoadRound(id, may_see);
  if (!loaded.ok()) {
    return loaded.status().code() == absl::StatusCode::kNotFound ? NotFound(assessment)
                                                                 : loaded.status();
  }
  return loaded;
}

absl::StatusOr<rv1::PartnershipTrend> Reports::Trend(const Caller& caller,
                                                     const rv1::GetPartnershipTrendRequest& r,
                                                     absl::Time deadline) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id,
                            ParseId(r.partnership(), "partnerships", "partnership"));
  SIXSTEPS_ASSIGN_OR_RETURN(av1::AssessmentKind kind, ParseRoundKind(r.kind()));
  rv1::Freshness freshness;
  PartnershipInfo partnership;
  std::vector<FinalisedRound> rounds;
  SIXSTEPS_RETURN_IF_ERROR(
      Read(r.min_sequence(), deadline,
           [&](ReadModel::Snapshot& model, const rv1::Freshness& f) -> absl::Status {
             freshness = f;
             absl::StatusOr<PartnershipInfo> info = model.Partnership(id);
             if (!info.ok() ||
                 !MayReadPartnershipReports(caller, info->region_id, id, info->opted_out)) {
               return info.ok() || info.status().code() == absl::StatusCode::kNotFound
                          ? NotFound(r.partnership())
                          : info.status();
             }
             partnership = *std::move(info);
             SIXSTEPS_ASSIGN_OR_RETURN(rounds,
                                       model.FinalisedRounds(id, av1::AssessmentKind_Name(kind)));
             return absl::OkStatus();
           }));
  return BuildPartnershipTrend(r.partnership(), partnership.name, RoundKindKey(kind), rounds,
                               freshness);
}

absl::StatusOr<rv1::ActionTracker> Reports::Actions(const Caller& caller,
                                                    const rv1::GetActionTrackerRequest& r,
                                                    absl::Time deadline) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string as_of, AsOf(r.as_of_date()));
  std::string partnership, region;
  if (absl::StartsWith(r.scope(), "partnerships/")) {
    SIXSTEPS_ASSIGN_OR_RETURN(partnership, ParseId(r.scope(), "partnerships", "scope"));
  } else if (absl::StartsWith(r.scope(), "regions/")) {
    SIXSTEPS_ASSIGN_OR_RETURN(region, ParseId(r.scope(), "regions", "scope"));
  } else {
    return absl::InvalidArgumentError("scope: must be partnerships/{p} or regions/{r}");
  }
  rv1::Freshness freshness;
  ActionData data;
  std::vector<av1::ScrutinyReport> published;
  SIXSTEPS_RETURN_IF_ERROR(Read(
      r.min_sequence(), deadline,
      [&](ReadModel::Snapshot& model, const rv1::Freshness& f) -> absl::Status {
        freshness = f;
        if (!partnership.empty()) {
          absl::StatusOr<PartnershipInfo> info = model.Partnership(partnership);
          if (!info.ok() ||
              !MayReadPartnershipReports(caller, info->region_id, partnership, info->opted_out)) {
            return info.ok() || info.status().code() == absl::StatusCode::kNotFound
                       ? NotFound(r.scope())
                       : info.status();
          }
        } else if (!caller.HasRegionRole(region, {Role::ROLE_HUB_ADMINISTRATOR, Role::ROLE_VIEWER,
                                                  Role::ROLE_DASHBOARD, Role::ROLE_INTEGRATION})) {
          // A region's actions across partnerships are for those who see the whole region.
          return caller.CanSeeRegion(region)
                     ? absl::PermissionDeniedError(
                           "the region's action tracker is for hub administrators, viewers and "
                           "dashboards of the region")
                     : NotFound(r.scope());
        }
        SIXSTEPS_ASSIGN_OR_RETURN(data, model.LoadActions(partnership, region));
        if (!partnership.empty()) {
          SIXSTEPS_ASSIGN_OR_RETURN(published, model.PublishedScrutinyReportsOf(partnership));
        }
        return absl::OkStatus();
      }));
  if (!region.empty()) {
    // Partnerships that opted out are left out for those who do not see through it.
    data.actions = ActionsShownInRegion(caller, region, std::move(data.actions), data.opted_out);
  }
  rv1::ActionTracker tracker = BuildActionTracker(r.scope(), data.actions, data.organisation_names,
                                                  data.step_titles, as_of, freshness);
  // Scrutiny cycle (H4): the recommendation each action answers, by its text.
  NameRecommendations(published, &tracker);
  return tracker;
}

absl::StatusOr<rv1::AnnualReportSection> Reports::Annual(
    const Caller& caller, const rv1::GetAnnualReportSectionRequest& r, absl::Time deadline) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseId(r.assessment(), "assessments", "assessment"));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string as_of, AsOf(""));
  rv1::Freshness freshness;
  RoundData round;
  AnnualCycleInput cycle;
  // The round and the year around it, from one snapshot.
  SIXSTEPS_RETURN_IF_ERROR(
      Read(r.min_sequence(), deadline, [&](ReadModel::Snapshot& model, const rv1::Freshness& f) {
        freshness = f;
        cycle = AnnualCycleInput();
        SIXSTEPS_ASSIGN_OR_RETURN(round, LoadRoundFor(caller, model, id, r.assessment()));
        return LoadAnnualCycle(model, round, &cycle);
      }));
  rv1::AssessmentReport report = BuildAssessmentReport(round, as_of, freshness);
  // ---- scrutiny cycle (H4): the year of scrutiny, before the attribution ----
  cycle.report = &report;
  cycle.framework = &round.framework;
  cycle.as_of = as_of;
  cycle.organisation_names = round.organisation_names;
  AnnualCycleParts parts = BuildAnnualCycle(cycle);
  rv1::AnnualReportSection section = BuildAnnualReportSection(report, parts.markdown);
  *section.mutable_cycle() = std::move(parts.cycle);
  // Evidence and voice: the round's engagement and audits-and-reviews summaries, before the
  // attribution line.
  SIXSTEPS_ASSIGN_OR_RETURN(std::string voice,
                            AnnualVoice(caller, r.assessment(), r.min_sequence(), deadline));
  if (!voice.empty()) {
    std::string* md = section.mutable_markdown();
    size_t at = md->rfind(MarkdownText(section.attribution()));
    md->insert(at == std::string::npos ? md->size() : at, voice);
  }
  return section;
}

absl::StatusOr<ReportFile> Reports::Prepare(const Caller& caller, const rv1::ExportReportRequest& r,
                                            absl::Time deadline) {
  if (r.format() == rv1::FORMAT_UNSPECIFIED || !rv1::Format_IsValid(r.format())) {
    return absl::InvalidArgumentError(
        "format: must be json, csv, html, markdown, xlsx, text, pdf or docx");
  }
  switch (r.report_case()) {
    case rv1::ExportReportRequest::kAssessment: {
      SIXSTEPS_ASSIGN_OR_RETURN(auto report, Assessment(caller, r.assessment(), deadline));
      return reporting::Prepare(std::move(report), r.format());
    }
    case rv1::ExportReportRequest::kTrend: {
      SIXSTEPS_ASSIGN_OR_RETURN(auto report, Trend(caller, r.trend(), deadline));
      return reporting::Prepare(std::move(report), r.format());
    }
    case rv1::ExportReportRequest::kRegion: {
      SIXSTEPS_ASSIGN_OR_RETURN(auto report, Region(caller, r.region(), deadline));
      // The documents (every format but JSON) draw overdue actions over time.
      if (r.format() != rv1::FORMAT_JSON) {
        SIXSTEPS_RETURN_IF_ERROR(AddRegionOverdueChart(caller, r.region(), deadline, &report));
      }
      return reporting::Prepare(std::move(report), r.format());
    }
    case rv1::ExportReportRequest::kActions: {
      SIXSTEPS_ASSIGN_OR_RETURN(auto report, Actions(caller, r.actions(), deadline));
      return reporting::Prepare(std::move(report), r.format());
    }
    case rv1::ExportReportRequest::kAnnual: {
      SIXSTEPS_ASSIGN_OR_RETURN(auto report, Annual(caller, r.annual(), deadline));
      return reporting::Prepare(std::move(report), r.format());
    }
    // ---- scrutiny cycle (H4) ----
    case rv1::ExportReportRequest::kScrutineer: {
      SIXSTEPS_ASSIGN_OR_RETURN(auto report, Scrutineer(caller, r.scrutineer(), deadline));
      return reporting::Prepare(std::move(report), r.format());
    }
    // ---- evidence and voice reports ----
    case rv1::ExportReportRequest::kEvidenceRegister: {
      SIXSTEPS_ASSIGN_OR_RETURN(auto report,
                                EvidenceRegister(caller, r.evidence_register(), deadline));
      return reporting::Prepare(std::move(report), r.format());
    }
    case rv1::ExportReportRequest::kEngagementSummary: {
      SIXSTEPS_ASSIGN_OR_RETURN(auto report,
                                EngagementSummary(caller, r.engagement_summary(), deadline));
      return reporting::Prepare(std::move(report), r.format());
    }
    case rv1::ExportReportRequest::kAuditsAndReviews: {
      SIXSTEPS_ASSIGN_OR_RETURN(auto report,
                                AuditsAndReviews(caller, r.audits_and_reviews(), deadline));
      return reporting::Prepare(std::move(report), r.format());
    }
    default:
      return absl::InvalidArgumentError("report: name one report");
  }
}

absl::StatusOr<Reports::Export> Reports::Render(const Caller& caller,
                                                const rv1::ExportReportRequest& r,
                                                absl::Time deadline) {
  SIXSTEPS_ASSIGN_OR_RETURN(ReportFile file, Prepare(caller, r, deadline));
  Export out{"", std::move(file.described.content_type), std::move(file.described.filename)};
  SIXSTEPS_RETURN_IF_ERROR(file.write([&out](const char* data, size_t size) {
    out.content.append(data, size);
    return true;
  }));
  return out;
}

// ---- Handlers ----

SIXSTEPS_RPC_WITH_FAST_PATH(ReportingServiceImpl, GetAssessmentReport,
                            rv1::GetAssessmentReportRequest, rv1::AssessmentReport)
SIXSTEPS_RPC(ReportingServiceImpl, GetPartnershipTrend, rv1::GetPartnershipTrendRequest,
             rv1::PartnershipTrend)
SIXSTEPS_RPC(ReportingServiceImpl, GetRegionalOverview, rv1::GetRegionalOverviewRequest,
             rv1::RegionalOverview)
SIXSTEPS_RPC(ReportingServiceImpl, GetActionTracker, rv1::GetActionTrackerRequest,
             rv1::ActionTracker)
SIXSTEPS_RPC(ReportingServiceImpl, GetAnnualReportSection, rv1::GetAnnualReportSectionRequest,
             rv1::AnnualReportSection)
SIXSTEPS_RPC(ReportingServiceImpl, ExportReport, rv1::ExportReportRequest,
             rv1::ExportReportResponse)
SIXSTEPS_RPC(ReportingServiceImpl, GetFreshness, rv1::GetFreshnessRequest, rv1::Freshness)
SIXSTEPS_RPC(ReportingServiceImpl, GetScrutineerReport, rv1::GetScrutineerReportRequest,
             rv1::ScrutineerReport)

absl::StatusOr<rv1::AssessmentReport> ReportingServiceImpl::DoGetAssessmentReport(
    const Caller& caller, const rv1::GetAssessmentReportRequest& request,
    const grpc::ServerContextBase& context) {
  return reports_->Assessment(caller, request, DeadlineOf(context), ReportForm::kEncoded);
}

std::optional<grpc::ByteBuffer> ReportingServiceImpl::FastGetAssessmentReport(
    const Caller& caller, const rv1::GetAssessmentReportRequest& request) {
  return reports_->AssessmentFromMemory(caller, request);
}

absl::StatusOr<rv1::PartnershipTrend> ReportingServiceImpl::DoGetPartnershipTrend(
    const Caller& caller, const rv1::GetPartnershipTrendRequest& request,
    const grpc::ServerContextBase& context) {
  return reports_->Trend(caller, request, DeadlineOf(context));
}

absl::StatusOr<rv1::RegionalOverview> ReportingServiceImpl::DoGetRegionalOverview(
    const Caller& caller, const rv1::GetRegionalOverviewRequest& request,
    const grpc::ServerContextBase& context) {
  return reports_->Region(caller, request, DeadlineOf(context), ReportForm::kEncoded);
}

absl::StatusOr<rv1::ActionTracker> ReportingServiceImpl::DoGetActionTracker(
    const Caller& caller, const rv1::GetActionTrackerRequest& request,
    const grpc::ServerContextBase& context) {
  return reports_->Actions(caller, request, DeadlineOf(context));
}

absl::StatusOr<rv1::AnnualReportSection> ReportingServiceImpl::DoGetAnnualReportSection(
    const Caller& caller, const rv1::GetAnnualReportSectionRequest& request,
    const grpc::ServerContextBase& context) {
  return reports_->Annual(caller, request, DeadlineOf(context));
}

absl::StatusOr<rv1::ExportReportResponse> ReportingServiceImpl::DoExportReport(
    const Caller& caller, const rv1::ExportReportRequest& request,
    const grpc::ServerContextBase& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(Reports::Export exported,
                            reports_->Render(caller, request, DeadlineOf(context)));
  rv1::ExportReportResponse out;
  out.set_content(std::move(exported.content));
  out.set_content_type(std::move(exported.content_type));
  out.set_filename(std::move(exported.filename));
  return out;
}

// ---- formats (H3) ----

// Not SIXSTEPS_RPC: a server stream. The caller is authenticated and the report loaded
// before the first message, so every refusal is a status with nothing sent.
grpc::Status ReportingServiceImpl::StreamReport(
    grpc::ServerContext* context, const rv1::StreamReportRequest* request,
    grpc::ServerWriter<rv1::StreamReportResponse>* writer) {
  if (grpc::Status bad = CheckRequest(*request); !bad.ok()) return bad;
  absl::StatusOr<Caller> caller = verifier().Authenticate(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<ReportFile> file =
      reports_->Prepare(*caller, request->report(), DeadlineOf(*context));
  if (!file.ok()) return ToGrpcStatus(file.status());
  rv1::StreamReportResponse head;
  head.set_content_type(file->described.content_type);
  head.set_filename(file->described.filename);
  if (!writer->Write(head)) return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
  rv1::StreamReportResponse message;
  absl::Status written = file->write([&](const char* data, size_t size) {
    // Writers hand over at most doc::kSinkChunk; cairo's PDF stream may hand more at once.
    for (size_t at = 0; at < size; at += doc::kSinkChunk) {
      message.set_chunk(data + at, std::min(doc::kSinkChunk, size - at));
      if (context->IsCancelled() || !writer->Write(message)) return false;
    }
    return true;
  });
  if (!written.ok() && context->IsCancelled()) {
    return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
  }
  return ToGrpcStatus(written);
}

absl::StatusOr<rv1::Freshness> ReportingServiceImpl::DoGetFreshness(
    const Caller& caller, const rv1::GetFreshnessRequest&) {
  if (!MayReadFreshness(caller)) {
    return absl::PermissionDeniedError(
        "the read model's position is for roles bound on a region or the whole deployment; a "
        "report's freshness says what that report reflects");
  }
  return reports_->Freshness();
}

}  // namespace sixsteps::reporting
