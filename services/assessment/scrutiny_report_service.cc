// ScrutinyReportService: the scrutineer's report of a round, from the draft to its
// publication and corrections, and its recommendations accepted as actions. Each write
// reads the report's versions under the round's shared lock, applies the lifecycle rule
// (scrutiny_report_domain.h) to the latest, and stores it with its change-feed entry.
#include "services/assessment/scrutiny_report_service.h"

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/assessment/action_domain.h"
#include "services/assessment/evidence_attachments.h"
#include "services/assessment/page_sizes.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/common/grpc_reply.h"
#include "services/common/ids.h"
#include "services/common/pagination.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {
namespace {

absl::Status NoReport(absl::string_view parent) {
  return NotFound(absl::StrCat(parent, "/scrutinyReport"));
}

// The evidence files a report's findings and recommendations name, as the round's
// transaction reads them.
EvidenceFileLookup FilesOf(RoundTx& tx) {
  return [&tx](const std::string& id) { return tx.EvidenceFileOf(id); };
}

}  // namespace

absl::StatusOr<std::vector<v1::ScrutinyReport>> ScrutinyReportServiceImpl::VisibleVersions(
    const Caller& caller, const std::string& parent, StoredAssessment* round) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(parent, "parent"));
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  std::vector<v1::ScrutinyReport> versions;
  SIXSTEPS_RETURN_IF_ERROR(store_->InRound(id, RoundLock::kRead, [&](RoundTx& tx) -> absl::Status {
    if (!CanReadRound(caller, visible, tx.round().assessment)) return NotFound(parent);
    *round = tx.round();
    SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::ScrutinyReport> all, tx.ScrutinyReportVersions());
    versions.clear();
    for (v1::ScrutinyReport& report : all) {
      if (CanSeeVersion(caller, tx.round().assessment, report))
        versions.push_back(std::move(report));
    }
    return absl::OkStatus();
  }));
  return versions;
}

absl::StatusOr<v1::ScrutinyReport> ScrutinyReportServiceImpl::ChangeLatest(
    const Caller& caller, const std::string& parent, const std::string& etag,
    const ReportChange& change) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(parent, "parent"));
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  v1::ScrutinyReport latest;
  SIXSTEPS_RETURN_IF_ERROR(
      store_->InRound(id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        if (!CanReadRound(caller, visible, tx.round().assessment)) return NotFound(parent);
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::ScrutinyReport> versions,
                                  tx.ScrutinyReportVersions());
        if (versions.empty() || !CanSeeVersion(caller, tx.round().assessment, versions.back())) {
          return NoReport(parent);
        }
        latest = std::move(versions.back());
        SIXSTEPS_RETURN_IF_ERROR(CheckEtag(etag, latest.etag(), latest.name()));
        v1::ChangeKind kind = v1::CHANGE_KIND_SCRUTINY_REPORT_CHANGED;
        SIXSTEPS_RETURN_IF_ERROR(change(tx, latest, kind));
        return tx.PutScrutinyReport(latest, kind, {caller.principal, "updated", ""});
      }));
  return latest;
}

absl::Status ScrutinyReportServiceImpl::FillActions(const Caller& caller,
                                                    v1::ScrutinyReport& report) {
  if (report.recommendations().empty()) return absl::OkStatus();
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  ActionFilter filter;
  filter.assessment = LastSegment(report.assessment());
  filter.as_of_date = "0001-01-01";  // unused: not overdue_only
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<av1::Action> actions,
                            store_->ListActions(visible, filter, kListActionsPage.max_size));
  std::map<std::string, std::vector<const av1::Action*>> by_recommendation;
  for (const av1::Action& action : actions) {
    if (!action.recommendation().empty()) {
      by_recommendation[action.recommendation()].push_back(&action);
    }
  }
  const std::string assessment_id = LastSegment(report.assessment());
  for (v1::Recommendation& rec : *report.mutable_recommendations()) {
    rec.clear_actions();
    for (const av1::Action* action :
         by_recommendation[RecommendationName(assessment_id, rec.id())]) {
      v1::RecommendationAction* link = rec.add_actions();
      link->set_action(action->name());
      link->set_status(action->status());
      link->set_description(action->description());
      link->set_due_date(action->due_date());
    }
  }
  return absl::OkStatus();
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, CreateScrutinyReport, v1::CreateScrutinyReportRequest,
             v1::ScrutinyReport)
absl::StatusOr<v1::ScrutinyReport> ScrutinyReportServiceImpl::DoCreateScrutinyReport(
    const Caller& caller, const v1::CreateScrutinyReportRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseAssessmentName(r.parent(), "parent"));
  if (!r.summary().empty()) {
    SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(r.summary(), kMaxSummaryLength, "summary"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  v1::ScrutinyReport report;
  SIXSTEPS_RETURN_IF_ERROR(
      store_->InRound(id, RoundLock::kShared, [&](RoundTx& tx) -> absl::Status {
        const v1::Assessment& round = tx.round().assessment;
        if (!CanReadRound(caller, visible, round)) return NotFound(r.parent());
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Respondent> respondents, tx.Respondents());
        if (!IsRoundScrutineer(caller, respondents)) {
          return absl::PermissionDeniedError("only the round's scrutineers write its report");
        }
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::ScrutinyReport> versions,
                                  tx.ScrutinyReportVersions());
        if (!versions.empty()) {
          return absl::AlreadyExistsError(
              absl::StrCat(r.parent(), " has a report: edit it, or correct its published version"));
        }
        report.Clear();
        report.set_assessment(round.name());
        report.set_partnership(round.partnership());
        report.set_region(round.region());
        report.set_version(1);
        report.set_state(v1::ScrutinyReport::STATE_DRAFT);
        report.set_lead_scrutineer(caller.principal);
        report.set_summary(r.summary());
        *report.mutable_create_time() = TimestampNow();
        return tx.PutScrutinyReport(report, v1::CHANGE_KIND_SCRUTINY_REPORT_CHANGED,
                                    {caller.principal, "created", ""});
      }));
  return report;
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, GetScrutinyReport, v1::GetScrutinyReportRequest,
             v1::ScrutinyReport)
absl::StatusOr<v1::ScrutinyReport> ScrutinyReportServiceImpl::DoGetScrutinyReport(
    const Caller& caller, const v1::GetScrutinyReportRequest& r) {
  if (r.version() < 0) return Invalid("version", "must be 0 (the latest) or a version number");
  StoredAssessment round;
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::ScrutinyReport> versions,
                            VisibleVersions(caller, r.parent(), &round));
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (r.version() != 0 && it->version() != r.version()) continue;
    SIXSTEPS_RETURN_IF_ERROR(FillActions(caller, *it));
    return std::move(*it);
  }
  if (r.version() == 0) return NoReport(r.parent());
  return NotFound(ScrutinyReportName(LastSegment(r.parent()), r.version()));
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, ListScrutinyReportVersions,
             v1::ListScrutinyReportVersionsRequest, v1::ListScrutinyReportVersionsResponse)
absl::StatusOr<v1::ListScrutinyReportVersionsResponse>
ScrutinyReportServiceImpl::DoListScrutinyReportVersions(
    const Caller& caller, const v1::ListScrutinyReportVersionsRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size,
                            NormalisePageSize(r.page_size(), kListScrutinyReportVersionsPage));
  const std::string query = absl::StrCat("scrutiny-report-versions:", r.parent());
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(r.page_token(), query));
  int after_version = 0;
  if (!after.empty() && !absl::SimpleAtoi(after, &after_version)) {
    return Invalid("page_token", "is not a token this service issued");
  }
  StoredAssessment round;
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::ScrutinyReport> versions,
                            VisibleVersions(caller, r.parent(), &round));
  v1::ListScrutinyReportVersionsResponse response;
  for (v1::ScrutinyReport& report : versions) {
    if (report.version() <= after_version) continue;
    if (response.reports_size() == page_size) {
      response.set_next_page_token(
          EncodePageToken(absl::StrCat(response.reports(page_size - 1).version()), query));
      break;
    }
    SIXSTEPS_RETURN_IF_ERROR(FillActions(caller, report));
    *response.add_reports() = std::move(report);
  }
  return response;
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, UpdateScrutinyReport, v1::UpdateScrutinyReportRequest,
             v1::ScrutinyReport)
absl::StatusOr<v1::ScrutinyReport> ScrutinyReportServiceImpl::DoUpdateScrutinyReport(
    const Caller& caller, const v1::UpdateScrutinyReportRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(r.etag(), "etag"));
  return ChangeLatest(
      caller, r.parent(), r.etag(),
      [&](RoundTx& tx, v1::ScrutinyReport& latest, v1::ChangeKind&) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckIsLead(caller, latest));
        SIXSTEPS_RETURN_IF_ERROR(CheckReportStep(latest, ReportStep::kEdit));
        v1::ScrutinyReport edited = latest;
        edited.set_summary(r.summary());
        *edited.mutable_findings() = r.findings();
        *edited.mutable_recommendations() = r.recommendations();
        AssignFindingIds(edited.mutable_findings(), latest.findings(), caller.principal);
        AssignRecommendationIds(edited.mutable_recommendations(), latest.recommendations());
        SIXSTEPS_RETURN_IF_ERROR(ValidateReportContent(edited, IndexOf(*tx.round().framework)));
        SIXSTEPS_RETURN_IF_ERROR(
            CheckReportFiles(caller, tx.round().assessment, edited, latest, FilesOf(tx)));
        latest = std::move(edited);
        return absl::OkStatus();
      });
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, SetScrutineerFindings, v1::SetScrutineerFindingsRequest,
             v1::ScrutinyReport)
absl::StatusOr<v1::ScrutinyReport> ScrutinyReportServiceImpl::DoSetScrutineerFindings(
    const Caller& caller, const v1::SetScrutineerFindingsRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(r.etag(), "etag"));
  return ChangeLatest(
      caller, r.parent(), r.etag(),
      [&](RoundTx& tx, v1::ScrutinyReport& latest, v1::ChangeKind&) -> absl::Status {
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Respondent> respondents, tx.Respondents());
        if (!IsRoundScrutineer(caller, respondents)) {
          return absl::PermissionDeniedError("only the round's scrutineers add findings");
        }
        SIXSTEPS_RETURN_IF_ERROR(CheckReportStep(latest, ReportStep::kEdit));
        const v1::ScrutinyReport previous = latest;
        v1::ScrutineerContribution* mine = nullptr;
        for (v1::ScrutineerContribution& c : *latest.mutable_contributions()) {
          if (c.scrutineer() == caller.principal) mine = &c;
        }
        v1::ScrutineerContribution written;
        written.set_scrutineer(caller.principal);
        *written.mutable_findings() = r.findings();
        AssignFindingIds(written.mutable_findings(),
                         mine != nullptr ? mine->findings() : written.findings(), caller.principal);
        for (v1::Finding& f : *written.mutable_findings()) f.set_author(caller.principal);
        SIXSTEPS_RETURN_IF_ERROR(
            ValidateFindings(written.findings(), IndexOf(*tx.round().framework),
                             LastSegment(latest.assessment()), {}, false, "findings"));
        *written.mutable_update_time() = TimestampNow();
        if (mine == nullptr) mine = latest.add_contributions();
        *mine = std::move(written);
        // The lead's findings may amalgamate only findings that are still there.
        SIXSTEPS_RETURN_IF_ERROR(ValidateReportContent(latest, IndexOf(*tx.round().framework)));
        return CheckReportFiles(caller, tx.round().assessment, latest, previous, FilesOf(tx));
      });
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, ShareScrutinyReport, v1::ShareScrutinyReportRequest,
             v1::ScrutinyReport)
absl::StatusOr<v1::ScrutinyReport> ScrutinyReportServiceImpl::DoShareScrutinyReport(
    const Caller& caller, const v1::ShareScrutinyReportRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(r.etag(), "etag"));
  return ChangeLatest(
      caller, r.parent(), r.etag(),
      [&](RoundTx& tx, v1::ScrutinyReport& latest, v1::ChangeKind& kind) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckIsLead(caller, latest));
        SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Respondent> respondents, tx.Respondents());
        kind = v1::CHANGE_KIND_SCRUTINY_REPORT_SHARED;
        return ShareReport(latest, OrganisationRespondents(respondents), absl::Now());
      });
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, AnswerScrutinyReport, v1::AnswerScrutinyReportRequest,
             v1::ScrutinyReport)
absl::StatusOr<v1::ScrutinyReport> ScrutinyReportServiceImpl::DoAnswerScrutinyReport(
    const Caller& caller, const v1::AnswerScrutinyReportRequest& r) {
  if (r.organisation().empty()) return Invalid("organisation", "name the partner answering");
  return ChangeLatest(
      caller, r.parent(), "",
      [&](RoundTx& tx, v1::ScrutinyReport& latest, v1::ChangeKind& kind) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckCanAnswerFor(
            caller, LastSegment(tx.round().assessment.partnership()), r.organisation()));
        kind = v1::CHANGE_KIND_SCRUTINY_REPORT_ANSWERED;
        return ApplyAnswer(latest, r, caller.principal, absl::Now());
      });
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, ResolveScrutinyDispute, v1::ResolveScrutinyDisputeRequest,
             v1::ScrutinyReport)
absl::StatusOr<v1::ScrutinyReport> ScrutinyReportServiceImpl::DoResolveScrutinyDispute(
    const Caller& caller, const v1::ResolveScrutinyDisputeRequest& r) {
  if (r.organisation().empty()) return Invalid("organisation", "name the partner whose dispute");
  return ChangeLatest(caller, r.parent(), "",
                      [&](RoundTx&, v1::ScrutinyReport& latest, v1::ChangeKind& kind) {
                        SIXSTEPS_RETURN_IF_ERROR(CheckIsLead(caller, latest));
                        kind = v1::CHANGE_KIND_SCRUTINY_DISPUTE_RESOLVED;
                        return ApplyResolution(latest, r, caller.principal, absl::Now());
                      });
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, PublishScrutinyReport, v1::PublishScrutinyReportRequest,
             v1::ScrutinyReport)
absl::StatusOr<v1::ScrutinyReport> ScrutinyReportServiceImpl::DoPublishScrutinyReport(
    const Caller& caller, const v1::PublishScrutinyReportRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(r.etag(), "etag"));
  return ChangeLatest(caller, r.parent(), r.etag(),
                      [&](RoundTx&, v1::ScrutinyReport& latest, v1::ChangeKind& kind) {
                        SIXSTEPS_RETURN_IF_ERROR(CheckIsLead(caller, latest));
                        kind = v1::CHANGE_KIND_SCRUTINY_REPORT_PUBLISHED;
                        return PublishReport(latest, r.unanswered_note(), caller.principal,
                                             absl::Now());
                      });
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, CorrectScrutinyReport, v1::CorrectScrutinyReportRequest,
             v1::ScrutinyReport)
absl::StatusOr<v1::ScrutinyReport> ScrutinyReportServiceImpl::DoCorrectScrutinyReport(
    const Caller& caller, const v1::CorrectScrutinyReportRequest& r) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(r.change_note(), kMaxNoteLength, "change_note"));
  return ChangeLatest(caller, r.parent(), "",
                      [&](RoundTx&, v1::ScrutinyReport& latest, v1::ChangeKind& kind) {
                        SIXSTEPS_RETURN_IF_ERROR(CheckIsLead(caller, latest));
                        SIXSTEPS_RETURN_IF_ERROR(CheckReportStep(latest, ReportStep::kCorrect));
                        // The published version stays as it is: this is a new row.
                        latest = CorrectionOf(latest, r.change_note(), absl::Now());
                        kind = v1::CHANGE_KIND_SCRUTINY_REPORT_CORRECTED;
                        return absl::OkStatus();
                      });
}

SIXSTEPS_RPC(ScrutinyReportServiceImpl, AcceptRecommendation, v1::AcceptRecommendationRequest,
             v1::AcceptRecommendationResponse)
absl::StatusOr<v1::AcceptRecommendationResponse> ScrutinyReportServiceImpl::DoAcceptRecommendation(
    const Caller& caller, const v1::AcceptRecommendationRequest& r) {
  SIXSTEPS_ASSIGN_OR_RETURN(ChildName rec, ParseRecommendationName(r.name(), "name"));
  if (r.actions().empty() || r.actions_size() > kMaxActionsPerRecommendation) {
    return Invalid("actions", absl::StrCat("give 1 to ", kMaxActionsPerRecommendation, " actions"));
  }
  const std::string parent = AssessmentName(rec.assessment_id);
  // The round's framework and partnership never change: the actions are checked before
  // the transaction, as CreateAction does (the directory may call identity).
  SIXSTEPS_ASSIGN_OR_RETURN(Visibility visible, VisibilityFor(*directory_, caller));
  absl::StatusOr<StoredAssessment> round = store_->GetAssessment(rec.assessment_id);
  if (!round.ok() || !CanReadRound(caller, visible, round->assessment)) {
    return round.ok() || absl::IsNotFound(round.status()) ? NotFound(parent) : round.status();
  }
  SIXSTEPS_RETURN_IF_ERROR(CheckCanPlan(caller, round->assessment));
  const FrameworkIndex framework = IndexOf(*round->framework);
  std::vector<av1::Action> actions;
  for (int i = 0; i < r.actions_size(); ++i) {
    av1::Action action = r.actions(i);
    if (action.kind() == av1::Action::KIND_UNSPECIFIED)
      action.set_kind(av1::Action::KIND_IMPROVEMENT);
    action.set_assessment(parent);
    absl::Status valid = ValidateActionPlan(action, framework, round->assessment.partnership());
    if (!valid.ok()) {
      return absl::Status(valid.code(), absl::StrCat("actions[", i, "]: ", valid.message()));
    }
    SIXSTEPS_RETURN_IF_ERROR(directory_->CheckOrganisation(caller, action.owner_organisation()));
    actions.push_back(std::move(action));
  }
  v1::AcceptRecommendationResponse response;
  SIXSTEPS_ASSIGN_OR_RETURN(
      *response.mutable_report(),
      ChangeLatest(
          caller, parent, "", [&](RoundTx& tx, v1::ScrutinyReport& latest, v1::ChangeKind& kind) {
            SIXSTEPS_RETURN_IF_ERROR(
                AcceptRecommendationIn(latest, rec.id, caller.principal, absl::Now()));
            kind = v1::CHANGE_KIND_RECOMMENDATION_ACCEPTED;
            response.clear_actions();
            for (const av1::Action& planned : actions) {
              // What the caller planned (checked above); the rest is the
              // service's to set.
              av1::Action action = planned;
              for (auto* cleared : {action.mutable_cancel_reason(),
                                    action.mutable_completion_note(), action.mutable_carried_from(),
                                    action.mutable_carried_to(), action.mutable_etag()}) {
                cleared->clear();
              }
              action.clear_progress_updates();
              action.clear_progress_update_count();
              action.clear_overdue();
              action.set_name(absl::StrCat("actions/", RandomId("act")));
              action.set_partnership(tx.round().assessment.partnership());
              action.set_region(tx.round().assessment.region());
              action.set_status(av1::Action::STATUS_PLANNED);
              action.set_creator(caller.principal);
              *action.mutable_create_time() = TimestampNow();
              action.set_recommendation(r.name());
              SIXSTEPS_RETURN_IF_ERROR(
                  tx.PutAction(action, {caller.principal, "created", r.name()}));
              *response.add_actions() = std::move(action);
            }
            return absl::OkStatus();
          }));
  SIXSTEPS_RETURN_IF_ERROR(FillActions(caller, *response.mutable_report()));
  return response;
}

}  // namespace sixsteps::assessment
