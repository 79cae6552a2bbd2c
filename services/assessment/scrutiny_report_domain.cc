#include "services/assessment/scrutiny_report_domain.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/base/clock.h"
#include "services/base/make_status.h"
#include "services/common/ids.h"
#include "services/common/status.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {
namespace {

using auth::Role;

absl::Status Optional(absl::string_view text, int max_length, absl::string_view field) {
  if (text.empty()) return absl::OkStatus();
  return ValidateFreeText(text, max_length, field);
}

absl::Status ValidateLink(absl::string_view link, absl::string_view field) {
  if (link.empty()) return absl::OkStatus();
  SIXSTEPS_RETURN_IF_ERROR(ValidateText(link, kMaxShortTextLength, field));
  if (!absl::StartsWith(link, "https://") && !absl::StartsWith(link, "http://")) {
    return Invalid(field, "must be an http or https address");
  }
  return absl::OkStatus();
}

absl::Status ValidateCited(const google::protobuf::RepeatedPtrField<v1::CitedEvidence>& items,
                           absl::string_view assessment_id, absl::string_view prefix) {
  if (items.size() > kMaxCitedEvidence) {
    return Invalid(prefix, absl::StrCat("at most ", kMaxCitedEvidence, " items"));
  }
  for (int i = 0; i < items.size(); ++i) {
    std::string field = absl::StrCat(prefix, "[", i, "]");
    SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(items[i].description(), kMaxShortTextLength,
                                              absl::StrCat(field, ".description")));
    SIXSTEPS_RETURN_IF_ERROR(ValidateLink(items[i].link(), absl::StrCat(field, ".link")));
    if (items[i].response().empty()) continue;
    SIXSTEPS_ASSIGN_OR_RETURN(
        ResponseName response,
        ParseResponseName(items[i].response(), absl::StrCat(field, ".response")));
    if (response.assessment_id != assessment_id) {
      return Invalid(absl::StrCat(field, ".response"), "must be a response of this round");
    }
  }
  return absl::OkStatus();
}

std::set<std::string> FindingIds(const google::protobuf::RepeatedPtrField<v1::Finding>& findings) {
  std::set<std::string> ids;
  for (const v1::Finding& f : findings) ids.insert(f.id());
  return ids;
}

v1::PartnerAnswer* AnswerOf(v1::ScrutinyReport& report, absl::string_view organisation) {
  for (v1::PartnerAnswer& answer : *report.mutable_answers()) {
    if (answer.organisation() == organisation) return &answer;
  }
  return nullptr;
}

std::string StateWord(v1::ScrutinyReport::State state) {
  return state == v1::ScrutinyReport::STATE_SHARED || state == v1::ScrutinyReport::STATE_PUBLISHED
             ? ScrutinyReportStateName(state)
             : "a draft";
}

}  // namespace

// ---- Names ----

std::string ScrutinyReportStateName(v1::ScrutinyReport::State state) {
  switch (state) {
    case v1::ScrutinyReport::STATE_SHARED:
      return "shared";
    case v1::ScrutinyReport::STATE_PUBLISHED:
      return "published";
    default:
      return "draft";
  }
}

std::string ScrutinyReportName(absl::string_view assessment_id, int version) {
  return absl::StrCat("assessments/", assessment_id, "/scrutinyReport/versions/", version);
}

std::string RecommendationName(absl::string_view assessment_id, absl::string_view id) {
  return absl::StrCat("assessments/", assessment_id, "/scrutinyReport/recommendations/", id);
}

absl::StatusOr<ChildName> ParseRecommendationName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 5 || parts[2] != "scrutinyReport" || parts[3] != "recommendations" ||
      parts[4].empty() || parts[4].size() > 64) {
    return Invalid(field, absl::StrCat("must look like assessments/{assessment}/scrutinyReport/"
                                       "recommendations/{recommendation}, got '",
                                       name, "'"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::string assessment,
                            ParseAssessmentName(absl::StrCat(parts[0], "/", parts[1]), field));
  return ChildName{assessment, std::string(parts[4])};
}

std::string PartnershipChild(absl::string_view partnership_id, absl::string_view collection,
                             absl::string_view id) {
  return absl::StrCat("partnerships/", partnership_id, "/", collection, "/", id);
}

absl::StatusOr<PartnershipChildName> ParsePartnershipChild(absl::string_view name,
                                                           absl::string_view collection,
                                                           absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "partnerships" || parts[2] != collection ||
      !IsResourceId(parts[1]) || parts[3].empty() || parts[3].size() > 64) {
    return Invalid(field, absl::StrCat("must look like partnerships/{partnership}/", collection,
                                       "/{id}, got '", name, "'"));
  }
  return PartnershipChildName{std::string(parts[1]), std::string(parts[3])};
}

// ---- Input ----

absl::Status ValidateFindings(const google::protobuf::RepeatedPtrField<v1::Finding>& findings,
                              const FrameworkIndex& framework, absl::string_view assessment_id,
                              const std::vector<std::string>& known_contributions,
                              bool allow_amalgamates, absl::string_view field) {
  if (findings.size() > kMaxFindings) {
    return Invalid(field, absl::StrCat("at most ", kMaxFindings, " findings"));
  }
  std::set<std::string> seen;
  for (int i = 0; i < findings.size(); ++i) {
    const v1::Finding& f = findings[i];
    std::string at = absl::StrCat(field, "[", i, "]");
    if (!f.id().empty() && !seen.insert(f.id()).second) {
      return Invalid(absl::StrCat(at, ".id"), "appears twice");
    }
    SIXSTEPS_RETURN_IF_ERROR(
        ValidateFreeText(f.title(), kMaxTitleLength, absl::StrCat(at, ".title")));
    SIXSTEPS_RETURN_IF_ERROR(
        ValidateFreeText(f.narrative(), kMaxTextLength, absl::StrCat(at, ".narrative")));
    if (f.nature() != v1::Finding::NATURE_STRENGTH && f.nature() != v1::Finding::NATURE_CONCERN) {
      return Invalid(absl::StrCat(at, ".nature"), "must be strength or concern");
    }
    if (f.step_ids().empty() && f.question_ids().empty()) {
      return Invalid(absl::StrCat(at, ".step_ids"), "a finding rests on a step or a question");
    }
    for (const std::string& step : f.step_ids()) {
      if (!framework.steps.count(step)) {
        return Invalid(absl::StrCat(at, ".step_ids"),
                       absl::StrCat("'", step, "' is not a step of the round's framework"));
      }
    }
    for (const std::string& question : f.question_ids()) {
      if (!framework.HasQuestion(question)) {
        return Invalid(absl::StrCat(at, ".question_ids"),
                       absl::StrCat("'", question, "' is not a question of the round's framework"));
      }
    }
    SIXSTEPS_RETURN_IF_ERROR(
        ValidateCited(f.evidence(), assessment_id, absl::StrCat(at, ".evidence")));
    if (!allow_amalgamates && !f.amalgamates().empty()) {
      return Invalid(absl::StrCat(at, ".amalgamates"), "only the report's findings amalgamate");
    }
    for (const std::string& id : f.amalgamates()) {
      if (std::find(known_contributions.begin(), known_contributions.end(), id) ==
          known_contributions.end()) {
        return Invalid(absl::StrCat(at, ".amalgamates"),
                       absl::StrCat("'", id, "' is no scrutineer's finding"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateReportContent(const v1::ScrutinyReport& report,
                                   const FrameworkIndex& framework) {
  SIXSTEPS_RETURN_IF_ERROR(Optional(report.summary(), kMaxSummaryLength, "summary"));
  std::vector<std::string> contributed;
  for (const v1::ScrutineerContribution& c : report.contributions()) {
    for (const v1::Finding& f : c.findings()) contributed.push_back(f.id());
  }
  const std::string assessment_id = LastSegment(report.assessment());
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateFindings(report.findings(), framework, assessment_id, contributed, true, "findings"));
  if (report.recommendations_size() > kMaxRecommendations) {
    return Invalid("recommendations", absl::StrCat("at most ", kMaxRecommendations));
  }
  const std::set<std::string> findings = FindingIds(report.findings());
  for (int i = 0; i < report.recommendations_size(); ++i) {
    const v1::Recommendation& rec = report.recommendations(i);
    std::string at = absl::StrCat("recommendations[", i, "]");
    SIXSTEPS_RETURN_IF_ERROR(
        ValidateFreeText(rec.text(), kMaxNoteLength, absl::StrCat(at, ".text")));
    if (rec.finding_ids().empty()) {
      return Invalid(absl::StrCat(at, ".finding_ids"),
                     "a recommendation follows from at least one finding");
    }
    for (const std::string& id : rec.finding_ids()) {
      if (!findings.count(id)) {
        return Invalid(absl::StrCat(at, ".finding_ids"),
                       absl::StrCat("'", id, "' is not a finding of the report"));
      }
    }
  }
  if (report.ByteSizeLong() > kMaxReportBytes) {
    return Invalid("report", absl::StrCat("would pass ", kMaxReportBytes / 1024, " KiB"));
  }
  return absl::OkStatus();
}

void AssignFindingIds(google::protobuf::RepeatedPtrField<v1::Finding>* findings,
                      const google::protobuf::RepeatedPtrField<v1::Finding>& previous,
                      absl::string_view author) {
  for (v1::Finding& f : *findings) {
    auto kept = std::find_if(previous.begin(), previous.end(), [&](const v1::Finding& p) {
      return !f.id().empty() && p.id() == f.id();
    });
    if (kept != previous.end()) {
      f.set_author(kept->author());
      continue;
    }
    if (f.id().empty()) f.set_id(RandomId("f"));
    f.set_author(std::string(author));
  }
}

void AssignRecommendationIds(
    google::protobuf::RepeatedPtrField<v1::Recommendation>* recs,
    const google::protobuf::RepeatedPtrField<v1::Recommendation>& previous) {
  for (v1::Recommendation& rec : *recs) {
    auto kept = std::find_if(previous.begin(), previous.end(), [&](const v1::Recommendation& p) {
      return !rec.id().empty() && p.id() == rec.id();
    });
    if (rec.id().empty()) rec.set_id(RandomId("rec"));
    // Acceptance is the partnership's to give (AcceptRecommendation), never the editor's.
    rec.clear_accepted();
    rec.clear_accepted_by();
    rec.clear_accept_time();
    rec.clear_actions();
    if (kept != previous.end() && kept->accepted()) {
      rec.set_accepted(true);
      rec.set_accepted_by(kept->accepted_by());
      *rec.mutable_accept_time() = kept->accept_time();
    }
  }
}

// ---- Lifecycle ----

absl::Status CheckReportStep(const v1::ScrutinyReport& latest, ReportStep step) {
  v1::ScrutinyReport::State needed = v1::ScrutinyReport::STATE_DRAFT;
  absl::string_view what;
  switch (step) {
    case ReportStep::kEdit:
      what = "only a draft is edited (a published version never changes: correct it)";
      break;
    case ReportStep::kShare:
      what = "only a draft is shared";
      break;
    case ReportStep::kAnswer:
      needed = v1::ScrutinyReport::STATE_SHARED;
      what = "partners answer only while the report is shared with them";
      break;
    case ReportStep::kResolve:
      needed = v1::ScrutinyReport::STATE_SHARED;
      what = "disputes are resolved only while the report is shared";
      break;
    case ReportStep::kPublish:
      needed = v1::ScrutinyReport::STATE_SHARED;
      what = "only a report shared with the partners for their check is published";
      break;
    case ReportStep::kCorrect:
    case ReportStep::kAccept:
      needed = v1::ScrutinyReport::STATE_PUBLISHED;
      what = step == ReportStep::kCorrect
                 ? "only a published report is corrected"
                 : "only a published report's recommendations are accepted";
      break;
  }
  if (latest.state() == needed) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(latest.name(), " is ", StateWord(latest.state()), ": ", what));
}

absl::Status ShareReport(v1::ScrutinyReport& report, const std::vector<std::string>& partners,
                         absl::Time now) {
  SIXSTEPS_RETURN_IF_ERROR(CheckReportStep(report, ReportStep::kShare));
  if (report.summary().empty() || report.findings().empty()) {
    return absl::FailedPreconditionError("a report is shared with a summary and a finding");
  }
  if (partners.empty()) {
    return absl::FailedPreconditionError(
        "the round has no organisation respondent to check the report");
  }
  report.set_state(v1::ScrutinyReport::STATE_SHARED);
  report.clear_partners();
  for (const std::string& p : partners) report.add_partners(p);
  report.clear_answers();
  *report.mutable_share_time() = ToTimestamp(now);
  return absl::OkStatus();
}

absl::Status ApplyAnswer(v1::ScrutinyReport& report, const v1::AnswerScrutinyReportRequest& r,
                         absl::string_view actor, absl::Time now) {
  SIXSTEPS_RETURN_IF_ERROR(CheckReportStep(report, ReportStep::kAnswer));
  if (std::find(report.partners().begin(), report.partners().end(), r.organisation()) ==
      report.partners().end()) {
    return NotFound(
        absl::StrCat(r.organisation(), " among the partners asked to check ", report.name()));
  }
  switch (r.verdict()) {
    case v1::PartnerAnswer::VERDICT_ACCEPT:
      SIXSTEPS_RETURN_IF_ERROR(Optional(r.comment(), kMaxNoteLength, "comment"));
      break;
    case v1::PartnerAnswer::VERDICT_ACCEPT_WITH_COMMENT:
    case v1::PartnerAnswer::VERDICT_DISPUTE:
      SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(r.comment(), kMaxNoteLength, "comment"));
      break;
    default:
      return Invalid("verdict", "must be accept, accept_with_comment or dispute");
  }
  const std::set<std::string> findings = FindingIds(report.findings());
  for (const std::string& id : r.finding_ids()) {
    if (!findings.count(id)) {
      return Invalid("finding_ids", absl::StrCat("'", id, "' is not a finding of the report"));
    }
  }
  v1::PartnerAnswer* answer = AnswerOf(report, r.organisation());
  if (answer != nullptr && answer->has_resolution()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the dispute of ", r.organisation(), " is resolved: the answer stands"));
  }
  if (answer == nullptr) answer = report.add_answers();
  answer->Clear();
  answer->set_organisation(r.organisation());
  answer->set_verdict(r.verdict());
  answer->set_comment(r.comment());
  *answer->mutable_finding_ids() = r.finding_ids();
  answer->set_answered_by(std::string(actor));
  *answer->mutable_answer_time() = ToTimestamp(now);
  return absl::OkStatus();
}

absl::Status ApplyResolution(v1::ScrutinyReport& report, const v1::ResolveScrutinyDisputeRequest& r,
                             absl::string_view actor, absl::Time now) {
  SIXSTEPS_RETURN_IF_ERROR(CheckReportStep(report, ReportStep::kResolve));
  if (r.outcome() != v1::DisputeResolution::OUTCOME_UPHELD &&
      r.outcome() != v1::DisputeResolution::OUTCOME_NOT_UPHELD) {
    return Invalid("outcome", "must be upheld or not_upheld");
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(r.note(), kMaxNoteLength, "note"));
  v1::PartnerAnswer* answer = AnswerOf(report, r.organisation());
  if (answer == nullptr) {
    return NotFound(absl::StrCat("an answer of ", r.organisation(), " to ", report.name()));
  }
  if (answer->verdict() != v1::PartnerAnswer::VERDICT_DISPUTE) {
    return absl::FailedPreconditionError(
        absl::StrCat(r.organisation(), " did not dispute the report"));
  }
  if (answer->has_resolution()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the dispute of ", r.organisation(), " is resolved already"));
  }
  v1::DisputeResolution* resolution = answer->mutable_resolution();
  resolution->set_outcome(r.outcome());
  resolution->set_note(r.note());
  resolution->set_resolved_by(std::string(actor));
  *resolution->mutable_resolve_time() = ToTimestamp(now);
  return absl::OkStatus();
}

std::vector<std::string> UnansweredPartners(const v1::ScrutinyReport& report) {
  std::vector<std::string> missing;
  for (const std::string& partner : report.partners()) {
    bool answered =
        std::any_of(report.answers().begin(), report.answers().end(),
                    [&](const v1::PartnerAnswer& a) { return a.organisation() == partner; });
    if (!answered) missing.push_back(partner);
  }
  return missing;
}

absl::Status PublishReport(v1::ScrutinyReport& report, absl::string_view unanswered_note,
                           absl::string_view actor, absl::Time now) {
  SIXSTEPS_RETURN_IF_ERROR(CheckReportStep(report, ReportStep::kPublish));
  SIXSTEPS_RETURN_IF_ERROR(Optional(unanswered_note, kMaxNoteLength, "unanswered_note"));
  for (const v1::PartnerAnswer& answer : report.answers()) {
    if (answer.verdict() == v1::PartnerAnswer::VERDICT_DISPUTE && !answer.has_resolution()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the dispute of ", answer.organisation(), " is unresolved: resolve every dispute first"));
    }
  }
  std::vector<std::string> missing = UnansweredPartners(report);
  if (!missing.empty() && unanswered_note.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(missing.front(), " has not answered: wait, or say why in unanswered_note"));
  }
  report.set_unanswered_note(missing.empty() ? "" : std::string(unanswered_note));
  report.set_state(v1::ScrutinyReport::STATE_PUBLISHED);
  report.set_published_by(std::string(actor));
  *report.mutable_publish_time() = ToTimestamp(now);
  return absl::OkStatus();
}

v1::ScrutinyReport CorrectionOf(const v1::ScrutinyReport& published, absl::string_view change_note,
                                absl::Time now) {
  v1::ScrutinyReport next = published;
  next.set_version(published.version() + 1);
  next.set_name(ScrutinyReportName(LastSegment(published.assessment()), next.version()));
  next.set_state(v1::ScrutinyReport::STATE_DRAFT);
  next.set_change_note(std::string(change_note));
  for (auto* cleared :
       {next.mutable_unanswered_note(), next.mutable_published_by(), next.mutable_etag()}) {
    cleared->clear();
  }
  next.clear_partners();
  next.clear_answers();
  next.clear_share_time();
  next.clear_publish_time();
  *next.mutable_create_time() = ToTimestamp(now);
  return next;
}

absl::Status AcceptRecommendationIn(v1::ScrutinyReport& report, absl::string_view id,
                                    absl::string_view actor, absl::Time now) {
  SIXSTEPS_RETURN_IF_ERROR(CheckReportStep(report, ReportStep::kAccept));
  for (v1::Recommendation& rec : *report.mutable_recommendations()) {
    if (rec.id() != id) continue;
    if (rec.accepted()) {
      return absl::FailedPreconditionError(
          absl::StrCat("recommendation ", id, " is accepted already"));
    }
    rec.set_accepted(true);
    rec.set_accepted_by(std::string(actor));
    *rec.mutable_accept_time() = ToTimestamp(now);
    return absl::OkStatus();
  }
  return NotFound(RecommendationName(LastSegment(report.assessment()), id));
}

// ---- Who may do what ----

bool IsRoundScrutineer(const Caller& caller, const std::vector<v1::Respondent>& respondents) {
  return std::any_of(respondents.begin(), respondents.end(), [&](const v1::Respondent& r) {
    return !r.scrutineer().empty() && r.scrutineer() == caller.principal;
  });
}

std::vector<std::string> OrganisationRespondents(const std::vector<v1::Respondent>& respondents) {
  std::vector<std::string> organisations;
  for (const v1::Respondent& r : respondents) {
    if (!r.organisation().empty() && std::find(organisations.begin(), organisations.end(),
                                               r.organisation()) == organisations.end()) {
      organisations.push_back(r.organisation());
    }
  }
  return organisations;
}

absl::Status CheckIsLead(const Caller& caller, const v1::ScrutinyReport& report) {
  if (caller.principal == report.lead_scrutineer()) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("only the lead scrutineer (", report.lead_scrutineer(), ") does this"));
}

absl::Status CheckCanAnswerFor(const Caller& caller, absl::string_view partnership_id,
                               absl::string_view organisation) {
  const std::string prefix = absl::StrCat("partnerships/", partnership_id, "/organisations/");
  std::vector<std::string> mine =
      caller.OrganisationsFor(partnership_id, Role::ROLE_PARTNER_RESPONDENT);
  if (absl::StartsWith(organisation, prefix) &&
      std::find(mine.begin(), mine.end(), LastSegment(organisation)) != mine.end()) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("only partner respondents of ", organisation, " answer for it"));
}

bool CanSeeVersion(const Caller& caller, const v1::Assessment& round,
                   const v1::ScrutinyReport& report) {
  if (report.state() != v1::ScrutinyReport::STATE_DRAFT) return true;
  return caller.HasPartnershipRole(LastSegment(round.partnership()),
                                   {Role::ROLE_INDEPENDENT_SCRUTINEER});
}

absl::Status CheckCanRaiseConcern(const Caller& caller, absl::string_view region,
                                  absl::string_view partnership) {
  if (caller.IsHubAdmin(region) ||
      caller.HasPartnershipRole(partnership,
                                {Role::ROLE_PARTNER_RESPONDENT, Role::ROLE_ACTION_OWNER,
                                 Role::ROLE_PARTNERSHIP_ADMINISTRATOR})) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      "only the partnership's partner respondents, action owners and administrators raise a "
      "concern about the scrutiny");
}

bool SeesEveryConcern(const Caller& caller, absl::string_view region,
                      absl::string_view partnership) {
  return caller.CanManagePartnership(region, partnership);
}

absl::Status CheckCanSettleConcern(const Caller& caller, absl::string_view region,
                                   absl::string_view partnership) {
  if (SeesEveryConcern(caller, region, partnership)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      "only the partnership's administrators and the region's hub administrators record a "
      "concern's outcome");
}

absl::Status CheckCanAttachDraft(const Caller& caller, absl::string_view region,
                                 absl::string_view partnership) {
  if (caller.CanManagePartnership(region, partnership)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      "only the partnership's administrators attach a draft of its annual report");
}

absl::Status CheckCanCommentOnDraft(const Caller& caller, absl::string_view partnership) {
  if (caller.HasPartnershipRole(partnership, {Role::ROLE_INDEPENDENT_SCRUTINEER})) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError("only the partnership's scrutineers comment on its drafts");
}

absl::Status ValidateDraft(const v1::AnnualReportDraft& draft) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(draft.title(), kMaxTitleLength, "draft.title"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(draft.year(), kMaxYearLength, "draft.year"));
  if (draft.text().empty() && draft.link().empty()) {
    return Invalid("draft.text", "give the draft as text or a link");
  }
  SIXSTEPS_RETURN_IF_ERROR(Optional(draft.text(), kMaxDraftTextLength, "draft.text"));
  return ValidateLink(draft.link(), "draft.link");
}

}  // namespace sixsteps::assessment
