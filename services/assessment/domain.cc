#include "services/assessment/domain.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/base/make_status.h"
#include "services/base/personal_data.h"
#include "services/common/status.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {
namespace {

using auth::Role;

// Generated ids ("a-3f9c…") and readable ids ("s1.q2", "c3") share this alphabet.
bool IsIdText(absl::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_';
  });
}

std::string Id(absl::string_view name) { return LastSegment(name); }

bool DaysInMonthOk(int year, int month, int day) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  int days = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= days;
}

}  // namespace

// ---- Names ----

std::string AssessmentName(absl::string_view id) { return absl::StrCat("assessments/", id); }
std::string RespondentResourceName(absl::string_view assessment, absl::string_view respondent) {
  return absl::StrCat("assessments/", assessment, "/respondents/", respondent);
}
std::string ResponseResourceName(const ResponseName& name) {
  return absl::StrCat("assessments/", name.assessment_id, "/respondents/", name.respondent_id,
                      "/responses/", name.question_id);
}
std::string ConsolidationName(absl::string_view assessment, absl::string_view question) {
  return absl::StrCat("assessments/", assessment, "/consolidations/", question);
}
std::string ChallengeName(absl::string_view assessment, absl::string_view challenge) {
  return absl::StrCat("assessments/", assessment, "/challenges/", challenge);
}
std::string ContextAnswerName(absl::string_view assessment, absl::string_view context_question) {
  return absl::StrCat("assessments/", assessment, "/contextAnswers/", context_question);
}

absl::StatusOr<std::string> ParseAssessmentName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != "assessments" || !IsIdText(parts[1])) {
    return Invalid(field,
                   absl::StrCat("must look like assessments/{assessment}, got '", name, "'"));
  }
  return std::string(parts[1]);
}

absl::StatusOr<std::string> ParsePartnership(absl::string_view name, absl::string_view field) {
  constexpr absl::string_view kPrefix = "partnerships/";
  if (!absl::StartsWith(name, kPrefix) || !IsResourceId(name.substr(kPrefix.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must look like partnerships/{partnership}, got '", name, "'"));
  }
  return std::string(name.substr(kPrefix.size()));
}

absl::StatusOr<RespondentName> ParseRespondentName(absl::string_view name,
                                                   absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "assessments" || parts[2] != "respondents" ||
      !IsIdText(parts[1]) || !IsIdText(parts[3])) {
    return Invalid(
        field, absl::StrCat("must look like assessments/{a}/respondents/{r}, got '", name, "'"));
  }
  return RespondentName{std::string(parts[1]), std::string(parts[3])};
}

absl::StatusOr<ResponseName> ParseResponseName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 6 || parts[0] != "assessments" || parts[2] != "respondents" ||
      parts[4] != "responses" || !IsIdText(parts[1]) || !IsIdText(parts[3]) ||
      !IsIdText(parts[5])) {
    return Invalid(
        field, absl::StrCat("must look like assessments/{a}/respondents/{r}/responses/{question}, "
                            "got '",
                            name, "'"));
  }
  return ResponseName{std::string(parts[1]), std::string(parts[3]), std::string(parts[5])};
}

absl::StatusOr<ChildName> ParseChildName(absl::string_view name, absl::string_view collection,
                                         absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "assessments" || parts[2] != collection ||
      !IsIdText(parts[1]) || !IsIdText(parts[3])) {
    return Invalid(field, absl::StrCat("must look like assessments/{a}/", collection,
                                       "/{id}, got '", name, "'"));
  }
  return ChildName{std::string(parts[1]), std::string(parts[3])};
}

// ---- The pinned framework ----

FrameworkIndex IndexOf(const fv1::FrameworkVersion& framework) {
  FrameworkIndex index;
  for (const fv1::Step& step : framework.steps()) {
    index.steps.insert(step.id());
    for (const fv1::Question& question : step.questions()) {
      index.questions.emplace_back(question.id(), step.id());
      index.step_of[question.id()] = step.id();
    }
  }
  for (const fv1::ContextQuestion& question : framework.context_questions()) {
    index.context_questions.push_back(question.id());
  }
  return index;
}

// ---- Input ----

absl::Status ValidateIsoDate(absl::string_view date, absl::string_view field) {
  int year = 0, month = 0, day = 0;
  std::vector<absl::string_view> parts = absl::StrSplit(date, '-');
  bool ok = date.size() == 10 && parts.size() == 3 && parts[0].size() == 4 &&
            parts[1].size() == 2 && parts[2].size() == 2 && absl::SimpleAtoi(parts[0], &year) &&
            absl::SimpleAtoi(parts[1], &month) && absl::SimpleAtoi(parts[2], &day) &&
            year >= 2000 && year <= 2200 && DaysInMonthOk(year, month, day);
  if (!ok)
    return Invalid(field, absl::StrCat("must be a date such as 2025-04-01, got '", date, "'"));
  return absl::OkStatus();
}

absl::Status ValidateNewAssessment(const v1::Assessment& assessment) {
  if (assessment.kind() == v1::ASSESSMENT_KIND_UNSPECIFIED ||
      !v1::AssessmentKind_IsValid(assessment.kind())) {
    return Invalid("assessment.kind",
                   "must be independent scrutiny, self-assessment or wider partner assessment");
  }
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateFreeText(assessment.title(), kMaxTitleLength, "assessment.title"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateIsoDate(assessment.period_start(), "assessment.period_start"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateIsoDate(assessment.period_end(), "assessment.period_end"));
  // ISO dates compare as strings.
  if (assessment.period_end() < assessment.period_start()) {
    return Invalid("assessment.period_end", "must not be before period_start");
  }
  return absl::OkStatus();
}

absl::Status ValidateRequestId(absl::string_view request_id) {
  if (request_id.size() > kMaxRequestIdLength || !IsValidUtf8(request_id)) {
    return Invalid("request_id",
                   absl::StrCat("must be at most ", kMaxRequestIdLength, " characters"));
  }
  return absl::OkStatus();
}

absl::Status ValidateRespondent(const v1::Respondent& respondent, const FrameworkIndex& framework) {
  if (respondent.organisation().empty() == respondent.scrutineer().empty()) {
    return Invalid("respondent", "name exactly one of organisation and scrutineer");
  }
  for (int i = 0; i < respondent.step_ids_size(); ++i) {
    if (!framework.steps.contains(respondent.step_ids(i))) {
      return Invalid(absl::StrCat("respondent.step_ids[", i, "]"),
                     absl::StrCat("'", respondent.step_ids(i), "' is not a step of the framework"));
    }
  }
  for (int i = 0; i < respondent.question_ids_size(); ++i) {
    if (!framework.HasQuestion(respondent.question_ids(i))) {
      return Invalid(
          absl::StrCat("respondent.question_ids[", i, "]"),
          absl::StrCat("'", respondent.question_ids(i), "' is not a question of the framework"));
    }
  }
  return absl::OkStatus();
}

bool IsAssigned(const v1::Respondent& respondent, absl::string_view question_id,
                const FrameworkIndex& framework) {
  auto step = framework.step_of.find(question_id);
  if (step == framework.step_of.end()) return false;
  if (respondent.step_ids().empty() && respondent.question_ids().empty()) return true;
  return std::find(respondent.question_ids().begin(), respondent.question_ids().end(),
                   question_id) != respondent.question_ids().end() ||
         std::find(respondent.step_ids().begin(), respondent.step_ids().end(), step->second) !=
             respondent.step_ids().end();
}

absl::Status CheckBatchSize(int size, absl::string_view items) {
  if (size == 0) return absl::InvalidArgumentError("requests: must not be empty");
  if (size > kMaxBatchSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("requests: at most ", kMaxBatchSize, " ", items, " in one batch"));
  }
  return absl::OkStatus();
}

absl::Status CheckEvidenceRule(fv1::Rating rating, int evidence_items,
                               absl::string_view remaining_work, absl::string_view prefix) {
  if (!fv1::Rating_IsValid(rating))
    return Invalid(absl::StrCat(prefix, ".rating"), "unknown rating");
  bool positive = rating == fv1::RATING_GREEN || rating == fv1::RATING_AMBER;
  if (positive && evidence_items == 0) {
    return Invalid(absl::StrCat(prefix, ".evidence"),
                   "Green and Amber need at least one evidence item to illustrate the positive "
                   "response");
  }
  if (rating == fv1::RATING_AMBER && absl::StripAsciiWhitespace(remaining_work).empty()) {
    return Invalid(absl::StrCat(prefix, ".remaining_work"),
                   "Amber needs the work still to be done for full positive affirmation");
  }
  return absl::OkStatus();
}

absl::Status ValidateEvidence(const google::protobuf::RepeatedPtrField<v1::EvidenceItem>& items,
                              absl::string_view prefix) {
  if (items.size() > kMaxEvidenceItems) {
    return Invalid(prefix, absl::StrCat("at most ", kMaxEvidenceItems, " evidence items"));
  }
  for (int i = 0; i < items.size(); ++i) {
    const v1::EvidenceItem& item = items[i];
    std::string field = absl::StrCat(prefix, "[", i, "]");
    SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(item.description(), kMaxShortTextLength,
                                              absl::StrCat(field, ".description")));
    if (!item.link().empty() && !absl::StartsWith(item.link(), "https://") &&
        !absl::StartsWith(item.link(), "http://")) {
      return Invalid(absl::StrCat(field, ".link"), "must be an http or https address");
    }
    for (const auto& [value, name] : {std::pair{item.link(), "link"},
                                      {item.document_reference(), "document_reference"},
                                      {item.external_id(), "external_id"}}) {
      if (value.size() > static_cast<size_t>(kMaxShortTextLength) || !IsValidUtf8(value)) {
        return Invalid(absl::StrCat(field, ".", name), "too long or not UTF-8");
      }
    }
    // A link or an id may hold any digits; a document reference is written by people.
    SIXSTEPS_RETURN_IF_ERROR(
        CheckNoPersonalData(absl::StrCat(field, ".document_reference"), item.document_reference()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::EvidenceItem>> MergeEvidence(
    const google::protobuf::RepeatedPtrField<v1::EvidenceItem>& existing,
    const google::protobuf::RepeatedPtrField<v1::EvidenceItem>& incoming, absl::string_view actor,
    absl::Time now, absl::string_view prefix) {
  absl::flat_hash_map<std::string, const v1::EvidenceItem*> by_id;
  int highest = 0;
  for (const v1::EvidenceItem& item : existing) {
    by_id[item.id()] = &item;
    int number = 0;
    if (absl::StartsWith(item.id(), "e") && absl::SimpleAtoi(item.id().substr(1), &number)) {
      highest = std::max(highest, number);
    }
  }
  std::vector<v1::EvidenceItem> merged;
  for (int i = 0; i < incoming.size(); ++i) {
    const v1::EvidenceItem& item = incoming[i];
    if (!item.id().empty()) {
      auto found = by_id.find(item.id());
      if (found == by_id.end()) {
        return Invalid(absl::StrCat(prefix, "[", i, "].id"),
                       absl::StrCat("no evidence item '", item.id(),
                                    "' to keep; leave the id empty to add one"));
      }
      merged.push_back(*found->second);
      continue;
    }
    v1::EvidenceItem added = item;
    added.set_id(absl::StrCat("e", ++highest));
    added.set_added_by(std::string(actor));
    added.mutable_add_time()->set_seconds(absl::ToUnixSeconds(now));
    added.mutable_add_time()->set_nanos(
        static_cast<int32_t>((absl::ToUnixNanos(now) % 1000000000 + 1000000000) % 1000000000));
    merged.push_back(std::move(added));
  }
  return merged;
}

// ---- Lifecycle ----

absl::Status CheckWritable(const v1::Assessment& assessment) {
  if (assessment.state() == v1::Assessment::STATE_FINALISED) {
    return absl::FailedPreconditionError(
        absl::StrCat(assessment.name(),
                     " is finalised and read-only; reopen it with a reason to "
                     "correct it"));
  }
  return absl::OkStatus();
}

absl::Status CheckTransition(v1::Assessment::State from, v1::Assessment::State to) {
  using State = v1::Assessment;
  bool allowed = (from == State::STATE_DRAFT && to == State::STATE_IN_REVIEW) ||
                 (from == State::STATE_IN_REVIEW && to == State::STATE_FINALISED) ||
                 (from == State::STATE_FINALISED && to == State::STATE_IN_REVIEW);
  if (!allowed) {
    return absl::FailedPreconditionError(absl::StrCat(
        "a round cannot go from ", State::State_Name(from), " to ", State::State_Name(to)));
  }
  return absl::OkStatus();
}

absl::Status CheckReplaceEtag(absl::string_view given, absl::string_view stored,
                              absl::string_view what) {
  if (given.empty()) {
    return absl::AbortedError(absl::StrCat(what, " already exists (etag ", stored,
                                           "): send the etag of the version you based your "
                                           "change on"));
  }
  return CheckEtag(given, stored, what);
}

std::vector<std::string> FinalisationGaps(const FrameworkIndex& framework,
                                          const FinalisationInputs& inputs) {
  std::vector<std::string> gaps;
  for (const auto& [question, step] : framework.questions) {
    auto consolidation = inputs.consolidations.find(question);
    if (consolidation == inputs.consolidations.end() ||
        consolidation->second.rating() == fv1::RATING_UNSPECIFIED) {
      gaps.push_back(absl::StrCat(question, ": no consolidated rating"));
    } else {
      auto response_evidence = inputs.response_evidence.find(question);
      int evidence =
          consolidation->second.evidence_size() +
          (response_evidence == inputs.response_evidence.end() ? 0 : response_evidence->second);
      absl::Status rule =
          CheckEvidenceRule(consolidation->second.rating(), evidence,
                            consolidation->second.remaining_work(), "consolidation");
      if (!rule.ok()) gaps.push_back(absl::StrCat(question, ": ", rule.message()));
    }
    if (!inputs.covered_by_actions.contains(question)) {
      gaps.push_back(absl::StrCat(question, ": no action plan entry covers it"));
    }
  }
  if (inputs.open_challenges > 0) {
    gaps.push_back(absl::StrCat(inputs.open_challenges, " challenge(s) not closed"));
  }
  return gaps;
}

Spread SpreadOf(const std::vector<fv1::Rating>& ratings) {
  std::set<fv1::Rating> distinct;
  for (fv1::Rating rating : ratings) {
    if (rating != fv1::RATING_UNSPECIFIED) distinct.insert(rating);
  }
  return {distinct.size() > 1,
          distinct.contains(fv1::RATING_GREEN) && distinct.contains(fv1::RATING_RED)};
}

// ---- Who may do what ----

namespace {

struct Scope {
  std::string region;
  std::string partnership;
};
Scope ScopeOf(const v1::Assessment& assessment) {
  return {Id(assessment.region()), Id(assessment.partnership())};
}

absl::Status Denied(absl::string_view why) { return absl::PermissionDeniedError(why); }

bool IsIntegration(const Caller& caller, const Scope& scope) {
  return caller.HasPartnershipRole(scope.partnership, {Role::ROLE_INTEGRATION}) ||
         caller.HasRegionRole(scope.region, {Role::ROLE_INTEGRATION});
}

}  // namespace

bool CanRead(const Caller& caller, const v1::Assessment& assessment) {
  Scope scope = ScopeOf(assessment);
  return caller.CanSeePartnership(scope.region, scope.partnership);
}

bool OptOutHides(const Caller& caller, absl::string_view region, absl::string_view partnership) {
  // SeesEverything: a hub administrator, viewer or dashboard on "*"; HasRegionRole counts
  // "*" grants and deployment administrators too.
  if (caller.SeesEverything() ||
      caller.HasRegionRole(region, {Role::ROLE_HUB_ADMINISTRATOR, Role::ROLE_INTEGRATION})) {
    return false;
  }
  for (const auth::Grant& grant : caller.grants) {
    if (!partnership.empty() && grant.partnership == partnership) return false;  // a member
  }
  return caller.HasRegionRole(region, {Role::ROLE_VIEWER, Role::ROLE_DASHBOARD});
}

std::vector<std::string> OptOutRegions(const Caller& caller) {
  std::vector<std::string> regions;
  for (const auth::Grant& grant : caller.grants) {
    if (!grant.partnership.empty() || grant.region == auth::kEveryRegion ||
        (grant.role != Role::ROLE_VIEWER && grant.role != Role::ROLE_DASHBOARD)) {
      continue;
    }
    // OptOutHides with no partnership: whether a wider grant covers the whole region.
    if (OptOutHides(caller, grant.region, "") &&
        std::find(regions.begin(), regions.end(), grant.region) == regions.end()) {
      regions.push_back(grant.region);
    }
  }
  return regions;
}

absl::Status CheckCanSetUp(const Caller& caller, const v1::Assessment& assessment) {
  Scope scope = ScopeOf(assessment);
  if (caller.IsHubAdmin(scope.region) ||
      caller.HasPartnershipRole(scope.partnership, {Role::ROLE_PARTNERSHIP_ADMINISTRATOR,
                                                    Role::ROLE_INDEPENDENT_SCRUTINEER}) ||
      IsIntegration(caller, scope)) {
    return absl::OkStatus();
  }
  return Denied(
      "only the partnership's administrators and scrutineers, the region's hub administrators "
      "and integrations set up a round");
}

absl::Status CheckCanRespond(const Caller& caller, const v1::Assessment& assessment,
                             const v1::Respondent& respondent) {
  Scope scope = ScopeOf(assessment);
  if (!respondent.scrutineer().empty()) {
    if (caller.principal == respondent.scrutineer()) return absl::OkStatus();
    return Denied("a scrutineer's answers are given by that scrutineer");
  }
  if (IsIntegration(caller, scope)) return absl::OkStatus();
  std::vector<std::string> organisations =
      caller.OrganisationsFor(scope.partnership, Role::ROLE_PARTNER_RESPONDENT);
  if (std::find(organisations.begin(), organisations.end(), Id(respondent.organisation())) !=
      organisations.end()) {
    return absl::OkStatus();
  }
  return Denied(
      absl::StrCat("only partner respondents of ", respondent.organisation(), " answer for it"));
}

absl::Status CheckCanReview(const Caller& caller, const v1::Assessment& assessment) {
  Scope scope = ScopeOf(assessment);
  if (assessment.kind() == v1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY) {
    if (caller.HasPartnershipRole(scope.partnership, {Role::ROLE_INDEPENDENT_SCRUTINEER})) {
      return absl::OkStatus();
    }
    return Denied("in an independent scrutiny, the partnership's scrutineers review the round");
  }
  if (caller.HasPartnershipRole(scope.partnership, {Role::ROLE_PARTNERSHIP_ADMINISTRATOR})) {
    return absl::OkStatus();
  }
  return Denied("in the partners' own assessment, the partnership's administrators review it");
}

absl::Status CheckCanAnswerContext(const Caller& caller, const v1::Assessment& assessment) {
  Scope scope = ScopeOf(assessment);
  if (caller.HasPartnershipRole(scope.partnership, {Role::ROLE_PARTNERSHIP_ADMINISTRATOR,
                                                    Role::ROLE_INDEPENDENT_SCRUTINEER}) ||
      IsIntegration(caller, scope)) {
    return absl::OkStatus();
  }
  return Denied(
      "only the partnership's administrators, scrutineers and integrations answer context "
      "questions");
}

}  // namespace sixsteps::assessment
