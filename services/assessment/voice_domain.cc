#include "services/assessment/voice_domain.h"

#include <set>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/common/validation.h"

namespace sixsteps::assessment {
namespace {

std::string Field(absl::string_view prefix, absl::string_view name) {
  return absl::StrCat(prefix, ".", name);
}
std::string Item(absl::string_view field, int i) { return absl::StrCat(field, "[", i, "]"); }

// At most kMaxVoiceListItems texts, each free text of at most kMaxShortTextLength.
absl::Status ValidateTexts(const google::protobuf::RepeatedPtrField<std::string>& texts,
                           absl::string_view field) {
  if (texts.size() > kMaxVoiceListItems) {
    return Invalid(field, absl::StrCat("at most ", kMaxVoiceListItems, " items"));
  }
  for (int i = 0; i < texts.size(); ++i) {
    SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(texts[i], kMaxShortTextLength, Item(field, i)));
  }
  return absl::OkStatus();
}

// The enum values listed: each known, none unspecified, none twice; at least one if
// `required`.
absl::Status ValidateEnumList(const google::protobuf::RepeatedField<int>& values,
                              bool (*is_valid)(int), bool required, absl::string_view field) {
  if (required && values.empty()) return Invalid(field, "at least one is required");
  std::set<int> seen;
  for (int i = 0; i < values.size(); ++i) {
    if (values[i] == 0 || !is_valid(values[i])) return Invalid(Item(field, i), "unknown value");
    if (!seen.insert(values[i]).second) return Invalid(Item(field, i), "listed twice");
  }
  return absl::OkStatus();
}

// Steps and questions of the round's framework, each once.
template <typename Record>
absl::Status ValidateLinks(const Record& record, const FrameworkIndex& framework,
                           absl::string_view prefix) {
  for (const auto& [ids, name, is_known] : {std::tuple{&record.step_ids(), "step_ids", true},
                                            {&record.question_ids(), "question_ids", false}}) {
    const std::string field = Field(prefix, name);
    if (ids->size() > kMaxVoiceListItems) {
      return Invalid(field, absl::StrCat("at most ", kMaxVoiceListItems, " items"));
    }
    std::set<std::string> seen;
    for (int i = 0; i < ids->size(); ++i) {
      const std::string& id = (*ids)[i];
      const bool known = is_known ? framework.steps.contains(id) : framework.HasQuestion(id);
      if (!known) {
        return Invalid(Item(field, i),
                       absl::StrCat("'", id, "' is not a ", is_known ? "step" : "question",
                                    " of the round's framework"));
      }
      if (!seen.insert(id).second) return Invalid(Item(field, i), "listed twice");
    }
  }
  return absl::OkStatus();
}

// "actions/{id}", each once, at most kMaxVoiceListItems.
absl::Status ValidateActionNames(const google::protobuf::RepeatedPtrField<std::string>& actions,
                                 absl::string_view field) {
  if (actions.size() > kMaxVoiceListItems) {
    return Invalid(field, absl::StrCat("at most ", kMaxVoiceListItems, " actions"));
  }
  std::set<std::string> seen;
  for (int i = 0; i < actions.size(); ++i) {
    const std::string& name = actions[i];
    if (!absl::StartsWith(name, "actions/") || name.size() == 8 ||
        name.find('/', 8) != std::string::npos) {
      return Invalid(Item(field, i), "must be actions/{action}");
    }
    if (!seen.insert(name).second) return Invalid(Item(field, i), "listed twice");
  }
  return absl::OkStatus();
}

absl::Status ValidateOptionalDate(absl::string_view date, absl::string_view start,
                                  absl::string_view field) {
  if (date.empty()) return absl::OkStatus();
  SIXSTEPS_RETURN_IF_ERROR(ValidateIsoDate(date, field));
  if (date < start) return Invalid(field, "must not be before start_date");
  return absl::OkStatus();
}

void AppendActionIds(const google::protobuf::RepeatedPtrField<std::string>& names,
                     std::vector<std::string>* ids) {
  for (const std::string& name : names) ids->push_back(LastSegment(name));
}

}  // namespace

bool CanReadSensitive(const Caller& caller, absl::string_view partnership) {
  const std::string id = LastSegment(partnership);
  for (const auth::Grant& grant : caller.grants) {
    if (grant.partnership == id) return true;
  }
  return false;
}

bool CanReadClassified(const Caller& caller, absl::string_view partnership,
                       v1::Classification classification) {
  return classification != v1::CLASSIFICATION_OFFICIAL_SENSITIVE ||
         CanReadSensitive(caller, partnership);
}

absl::Status CheckCanWriteVoice(const Caller& caller, const v1::Assessment& assessment,
                                v1::Classification classification) {
  SIXSTEPS_RETURN_IF_ERROR(CheckCanSetUp(caller, assessment));
  if (!CanReadClassified(caller, assessment.partnership(), classification)) {
    return absl::PermissionDeniedError(
        "OFFICIAL-SENSITIVE records are written only by roles bound on the partnership itself");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Classification> NormaliseClassification(v1::Classification classification,
                                                           absl::string_view field) {
  if (classification == v1::CLASSIFICATION_UNSPECIFIED) return v1::CLASSIFICATION_OFFICIAL;
  if (!v1::Classification_IsValid(classification)) {
    return Invalid(field, "must be official or official_sensitive");
  }
  return classification;
}

absl::Status ValidateEngagementRecord(const v1::EngagementRecord& record,
                                      const FrameworkIndex& framework, absl::string_view prefix) {
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateFreeText(record.title(), kMaxTitleLength, Field(prefix, "title")));
  SIXSTEPS_RETURN_IF_ERROR(ValidateIsoDate(record.date(), Field(prefix, "date")));
  SIXSTEPS_RETURN_IF_ERROR(ValidateEnumList(record.participant_groups(),
                                            v1::ParticipantGroup_IsValid, true,
                                            Field(prefix, "participant_groups")));
  if (record.method() == v1::ENGAGEMENT_METHOD_UNSPECIFIED ||
      !v1::EngagementMethod_IsValid(record.method())) {
    return Invalid(Field(prefix, "method"),
                   "required: survey, focus_group, interview, "
                   "observation, family_led_audit or young_peoples_forum");
  }
  if (record.participant_count() < 1 || record.participant_count() > kMaxParticipants) {
    return Invalid(Field(prefix, "participant_count"),
                   absl::StrCat("must be from 1 to ", kMaxParticipants));
  }
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateEnumList(record.age_bands(), v1::AgeBand_IsValid, false, Field(prefix, "age_bands")));
  SIXSTEPS_RETURN_IF_ERROR(ValidateTexts(record.themes(), Field(prefix, "themes")));
  SIXSTEPS_RETURN_IF_ERROR(ValidateTexts(record.quotes(), Field(prefix, "quotes")));
  const std::string changes = Field(prefix, "changes");
  if (record.changes_size() > kMaxVoiceListItems) {
    return Invalid(changes, absl::StrCat("at most ", kMaxVoiceListItems, " items"));
  }
  for (int i = 0; i < record.changes_size(); ++i) {
    SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(record.changes(i).you_said(), kMaxShortTextLength,
                                              Field(Item(changes, i), "you_said")));
    SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(record.changes(i).we_did(), kMaxShortTextLength,
                                              Field(Item(changes, i), "we_did")));
  }
  return ValidateLinks(record, framework, prefix);
}

absl::Status ValidateCaseAudit(const v1::CaseAudit& audit, const FrameworkIndex& framework,
                               absl::string_view partnership_name, absl::string_view prefix) {
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateFreeText(audit.topic(), kMaxTitleLength, Field(prefix, "topic")));
  SIXSTEPS_RETURN_IF_ERROR(ValidateIsoDate(audit.audit_date(), Field(prefix, "audit_date")));
  const std::string agencies = Field(prefix, "agencies");
  if (audit.agencies().empty()) return Invalid(agencies, "at least one agency is required");
  if (audit.agencies_size() > kMaxVoiceListItems) {
    return Invalid(agencies, absl::StrCat("at most ", kMaxVoiceListItems, " agencies"));
  }
  const std::string organisations = absl::StrCat(partnership_name, "/organisations/");
  std::set<std::string> seen_agencies;
  for (int i = 0; i < audit.agencies_size(); ++i) {
    const std::string& agency = audit.agencies(i);
    if (!absl::StartsWith(agency, organisations) || agency.size() == organisations.size()) {
      return Invalid(Item(agencies, i), "must be an organisation of the round's partnership");
    }
    if (!seen_agencies.insert(agency).second) return Invalid(Item(agencies, i), "listed twice");
  }
  if (audit.case_count() < 1 || audit.case_count() > kMaxAuditedCases) {
    return Invalid(Field(prefix, "case_count"),
                   absl::StrCat("must be from 1 to ", kMaxAuditedCases));
  }
  const std::string grades = Field(prefix, "grades");
  std::set<int> seen_grades;
  int64_t graded = 0;
  for (int i = 0; i < audit.grades_size(); ++i) {
    const v1::GradeCount& grade = audit.grades(i);
    if (grade.grade() == v1::CASE_GRADE_UNSPECIFIED || !v1::CaseGrade_IsValid(grade.grade())) {
      return Invalid(Field(Item(grades, i), "grade"), "unknown grade");
    }
    if (!seen_grades.insert(grade.grade()).second) {
      return Invalid(Field(Item(grades, i), "grade"), "listed twice");
    }
    if (grade.count() < 0) return Invalid(Field(Item(grades, i), "count"), "must not be negative");
    graded += grade.count();
  }
  if (!audit.grades().empty() && graded != audit.case_count()) {
    return Invalid(grades, absl::StrCat("the counts add up to ", graded, ", not the ",
                                        audit.case_count(), " cases audited"));
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateTexts(audit.findings(), Field(prefix, "findings")));
  SIXSTEPS_RETURN_IF_ERROR(ValidateActionNames(audit.actions(), Field(prefix, "actions")));
  return ValidateLinks(audit, framework, prefix);
}

absl::Status ValidateLearningReview(const v1::LearningReview& review,
                                    const FrameworkIndex& framework, absl::string_view prefix) {
  if (review.type() == v1::LEARNING_REVIEW_TYPE_UNSPECIFIED ||
      !v1::LearningReviewType_IsValid(review.type())) {
    return Invalid(Field(prefix, "type"),
                   "required: rapid_review or local_child_safeguarding_practice_review");
  }
  if (review.status() == v1::LEARNING_REVIEW_STATUS_UNSPECIFIED ||
      !v1::LearningReviewStatus_IsValid(review.status())) {
    return Invalid(Field(prefix, "status"), "required: in_progress, completed or published");
  }
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateFreeText(review.title(), kMaxTitleLength, Field(prefix, "title")));
  SIXSTEPS_RETURN_IF_ERROR(ValidateIsoDate(review.start_date(), Field(prefix, "start_date")));
  SIXSTEPS_RETURN_IF_ERROR(ValidateOptionalDate(review.completion_date(), review.start_date(),
                                                Field(prefix, "completion_date")));
  SIXSTEPS_RETURN_IF_ERROR(ValidateOptionalDate(review.publication_date(), review.start_date(),
                                                Field(prefix, "publication_date")));
  SIXSTEPS_RETURN_IF_ERROR(ValidateTexts(review.themes(), Field(prefix, "themes")));
  const std::string recommendations = Field(prefix, "recommendations");
  if (review.recommendations_size() > kMaxVoiceListItems) {
    return Invalid(recommendations, absl::StrCat("at most ", kMaxVoiceListItems, " items"));
  }
  for (int i = 0; i < review.recommendations_size(); ++i) {
    const v1::LearningReviewRecommendation& recommendation = review.recommendations(i);
    const std::string field = Item(recommendations, i);
    SIXSTEPS_RETURN_IF_ERROR(
        ValidateFreeText(recommendation.text(), kMaxShortTextLength, Field(field, "text")));
    SIXSTEPS_RETURN_IF_ERROR(
        ValidateActionNames(recommendation.actions(), Field(field, "actions")));
  }
  return ValidateLinks(review, framework, prefix);
}

std::vector<std::string> LinkedActionIds(const v1::EngagementRecord&) { return {}; }

std::vector<std::string> LinkedActionIds(const v1::CaseAudit& audit) {
  std::vector<std::string> ids;
  AppendActionIds(audit.actions(), &ids);
  return ids;
}

std::vector<std::string> LinkedActionIds(const v1::LearningReview& review) {
  std::vector<std::string> ids;
  for (const v1::LearningReviewRecommendation& recommendation : review.recommendations()) {
    AppendActionIds(recommendation.actions(), &ids);
  }
  return ids;
}

}  // namespace sixsteps::assessment
