#include "services/framework/domain.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/base/make_status.h"
#include "services/common/status.h"
#include "services/common/validation.h"

namespace sixsteps::framework {
namespace {

bool IsItemIdChar(char c) {
  return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '.' || c == '-' || c == '_';
}

absl::Status ValidateItemId(absl::string_view id, absl::string_view field) {
  if (id.empty()) return Invalid(field, "must not be empty");
  if (id.size() > kMaxItemIdLength) {
    return Invalid(field, absl::StrCat("must be at most ", kMaxItemIdLength, " characters"));
  }
  if (!absl::ascii_islower(id[0]) || !std::all_of(id.begin(), id.end(), IsItemIdChar)) {
    return Invalid(field,
                   "must start with a lower-case letter and hold only lower-case letters, "
                   "digits, '.', '-' and '_'");
  }
  return absl::OkStatus();
}

// The number in a readable id such as "s7" (prefix "s") or "s2.q5" (prefix "s2.q").
int NumberAfter(absl::string_view id, absl::string_view prefix) {
  int number = 0;
  if (id.size() > prefix.size() && id.substr(0, prefix.size()) == prefix &&
      absl::SimpleAtoi(id.substr(prefix.size()), &number)) {
    return number;
  }
  return 0;
}

std::string NextId(absl::string_view prefix, const absl::flat_hash_set<std::string>& taken) {
  int highest = 0;
  for (const std::string& id : taken) highest = std::max(highest, NumberAfter(id, prefix));
  return absl::StrCat(prefix, highest + 1);
}

// Indexes of the elements of `positions` that are not in one longest increasing
// subsequence: the items that moved relative to the others.
std::vector<bool> MovedItems(const std::vector<int>& positions) {
  const int n = static_cast<int>(positions.size());
  std::vector<int> length(n, 1), previous(n, -1);
  int best = -1;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < i; ++j) {
      if (positions[j] < positions[i] && length[j] + 1 > length[i]) {
        length[i] = length[j] + 1;
        previous[i] = j;
      }
    }
    if (best < 0 || length[i] > length[best]) best = i;
  }
  std::vector<bool> moved(n, true);
  for (int i = best; i >= 0; i = previous[i]) moved[i] = false;
  return moved;
}

v1::FrameworkChange Change(v1::FrameworkChange::Kind kind, v1::FrameworkChange::Item item,
                           absl::string_view id, absl::string_view step_id,
                           absl::string_view old_text, absl::string_view new_text) {
  v1::FrameworkChange change;
  change.set_kind(kind);
  change.set_item(item);
  change.set_id(std::string(id));
  change.set_step_id(std::string(step_id));
  change.set_old_text(std::string(old_text));
  change.set_new_text(std::string(new_text));
  return change;
}

// One comparable entry of a version's tree.
struct Entry {
  std::string id;
  std::string parent;  // the step of a question
  std::string text;
};

// Diffs two ordered lists of entries of one kind. Order is compared within a parent.
void DiffEntries(const std::vector<Entry>& base, const std::vector<Entry>& target,
                 v1::FrameworkChange::Item item, std::vector<v1::FrameworkChange>& out) {
  absl::flat_hash_map<std::string, size_t> base_index, target_index;
  for (size_t i = 0; i < base.size(); ++i) base_index[base[i].id] = i;
  for (size_t i = 0; i < target.size(); ++i) target_index[target[i].id] = i;

  // Entries that stayed under the same parent, in target order, grouped by parent, to
  // find those whose order changed.
  absl::flat_hash_map<std::string, std::vector<size_t>> kept_by_parent;
  for (size_t i = 0; i < target.size(); ++i) {
    auto it = base_index.find(target[i].id);
    if (it != base_index.end() && base[it->second].parent == target[i].parent) {
      kept_by_parent[target[i].parent].push_back(i);
    }
  }
  absl::flat_hash_set<size_t> reordered;
  for (const auto& [parent, indexes] : kept_by_parent) {
    std::vector<int> base_positions;
    for (size_t i : indexes) base_positions.push_back(static_cast<int>(base_index[target[i].id]));
    std::vector<bool> moved = MovedItems(base_positions);
    for (size_t k = 0; k < indexes.size(); ++k) {
      if (moved[k]) reordered.insert(indexes[k]);
    }
  }

  for (size_t i = 0; i < target.size(); ++i) {
    const Entry& now = target[i];
    auto it = base_index.find(now.id);
    if (it == base_index.end()) {
      out.push_back(
          Change(v1::FrameworkChange::KIND_ADDED, item, now.id, now.parent, "", now.text));
      continue;
    }
    const Entry& before = base[it->second];
    if (before.text != now.text) {
      out.push_back(Change(v1::FrameworkChange::KIND_REWORDED, item, now.id, now.parent,
                           before.text, now.text));
    }
    if (before.parent != now.parent || reordered.contains(i)) {
      out.push_back(
          Change(v1::FrameworkChange::KIND_MOVED, item, now.id, now.parent, before.text, now.text));
    }
  }
  for (const Entry& before : base) {
    if (!target_index.contains(before.id)) {
      out.push_back(Change(v1::FrameworkChange::KIND_REMOVED, item, before.id, before.parent,
                           before.text, ""));
    }
  }
}

}  // namespace

std::string VersionName::ToString() const {
  return absl::StrCat("frameworks/", framework_id, "/versions/", version_id);
}

std::string FrameworkName(absl::string_view framework_id) {
  return absl::StrCat("frameworks/", framework_id);
}

absl::StatusOr<std::string> ParseFrameworkName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 || parts[0] != "frameworks") {
    return Invalid(field, absl::StrCat("must look like frameworks/{framework}, got '", name, "'"));
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateFrameworkId(parts[1], field));
  return std::string(parts[1]);
}

absl::StatusOr<VersionName> ParseVersionName(absl::string_view name, absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "frameworks" || parts[2] != "versions") {
    return Invalid(
        field,
        absl::StrCat("must look like frameworks/{framework}/versions/{version}, got '", name, "'"));
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateFrameworkId(parts[1], field));
  SIXSTEPS_RETURN_IF_ERROR(ValidateVersionId(parts[3], field));
  return VersionName{std::string(parts[1]), std::string(parts[3])};
}

absl::Status ValidateFrameworkId(absl::string_view id, absl::string_view field) {
  return ValidateResourceId(id, field);
}

absl::Status ValidateVersionId(absl::string_view id, absl::string_view field) {
  bool ok = !id.empty() && id.size() <= 32 && absl::ascii_isalnum(id[0]) &&
            std::all_of(id.begin(), id.end(),
                        [](char c) { return absl::ascii_isalnum(c) || c == '.' || c == '-'; });
  if (!ok) {
    return Invalid(field,
                   "a version id is 1 to 32 letters, digits, '.' and '-', starting with a letter "
                   "or digit");
  }
  return absl::OkStatus();
}

absl::Status ValidateDisplayName(absl::string_view name, absl::string_view field) {
  return ValidateFreeText(name, kMaxDisplayNameLength, field);
}

absl::Status ValidateDescription(absl::string_view description, absl::string_view field) {
  if (description.empty()) return absl::OkStatus();
  return ValidateFreeText(description, kMaxDescriptionLength, field);
}

absl::Status ValidateContent(const v1::FrameworkVersion& version, absl::string_view prefix) {
  SIXSTEPS_RETURN_IF_ERROR(
      ValidateFreeText(version.title(), kMaxTitleLength, absl::StrCat(prefix, ".title")));
  if (version.steps().empty()) {
    return Invalid(absl::StrCat(prefix, ".steps"), "a framework needs at least one step");
  }
  if (version.steps_size() > kMaxSteps) {
    return Invalid(absl::StrCat(prefix, ".steps"), absl::StrCat("at most ", kMaxSteps, " steps"));
  }
  absl::flat_hash_set<std::string> ids;
  for (int s = 0; s < version.steps_size(); ++s) {
    const v1::Step& step = version.steps(s);
    std::string field = absl::StrCat(prefix, ".steps[", s, "]");
    SIXSTEPS_RETURN_IF_ERROR(ValidateItemId(step.id(), absl::StrCat(field, ".id")));
    if (!ids.insert(step.id()).second) {
      return Invalid(absl::StrCat(field, ".id"), absl::StrCat("duplicate id '", step.id(), "'"));
    }
    SIXSTEPS_RETURN_IF_ERROR(
        ValidateFreeText(step.title(), kMaxTitleLength, absl::StrCat(field, ".title")));
    if (step.questions().empty()) {
      return Invalid(absl::StrCat(field, ".questions"), "a step needs at least one question");
    }
    if (step.questions_size() > kMaxQuestionsPerStep) {
      return Invalid(absl::StrCat(field, ".questions"),
                     absl::StrCat("at most ", kMaxQuestionsPerStep, " questions per step"));
    }
    for (int q = 0; q < step.questions_size(); ++q) {
      const v1::Question& question = step.questions(q);
      std::string qfield = absl::StrCat(field, ".questions[", q, "]");
      SIXSTEPS_RETURN_IF_ERROR(ValidateItemId(question.id(), absl::StrCat(qfield, ".id")));
      if (!ids.insert(question.id()).second) {
        return Invalid(absl::StrCat(qfield, ".id"),
                       absl::StrCat("duplicate id '", question.id(), "'"));
      }
      SIXSTEPS_RETURN_IF_ERROR(
          ValidateFreeText(question.text(), kMaxQuestionLength, absl::StrCat(qfield, ".text")));
    }
  }
  absl::flat_hash_set<int> ratings;
  for (int r = 0; r < version.rating_definitions_size(); ++r) {
    const v1::RatingDefinition& definition = version.rating_definitions(r);
    std::string field = absl::StrCat(prefix, ".rating_definitions[", r, "]");
    if (definition.rating() == v1::RATING_UNSPECIFIED || !v1::Rating_IsValid(definition.rating())) {
      return Invalid(absl::StrCat(field, ".rating"), "must be RED, AMBER or GREEN");
    }
    if (!ratings.insert(definition.rating()).second) {
      return Invalid(absl::StrCat(field, ".rating"), "each rating is defined once");
    }
    SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(definition.definition(), kMaxDefinitionLength,
                                              absl::StrCat(field, ".definition")));
  }
  if (!version.action_plan_guidance().empty()) {
    SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(version.action_plan_guidance(), kMaxDefinitionLength,
                                              absl::StrCat(prefix, ".action_plan_guidance")));
  }
  if (version.context_questions_size() > kMaxContextQuestions) {
    return Invalid(absl::StrCat(prefix, ".context_questions"),
                   absl::StrCat("at most ", kMaxContextQuestions, " context questions"));
  }
  for (int c = 0; c < version.context_questions_size(); ++c) {
    const v1::ContextQuestion& question = version.context_questions(c);
    std::string field = absl::StrCat(prefix, ".context_questions[", c, "]");
    SIXSTEPS_RETURN_IF_ERROR(ValidateItemId(question.id(), absl::StrCat(field, ".id")));
    if (!ids.insert(question.id()).second) {
      return Invalid(absl::StrCat(field, ".id"),
                     absl::StrCat("duplicate id '", question.id(), "'"));
    }
    SIXSTEPS_RETURN_IF_ERROR(
        ValidateFreeText(question.text(), kMaxQuestionLength, absl::StrCat(field, ".text")));
  }
  return absl::OkStatus();
}

absl::Status ValidateAttribution(const v1::FrameworkVersion& version, absl::string_view prefix) {
  bool must_attribute =
      !version.derived_from().empty() ||
      (version.source_citation() == kBuiltInCitation && version.name() != kBuiltInVersionName);
  if (must_attribute && version.attribution() != kAttribution) {
    return Invalid(absl::StrCat(prefix, ".attribution"),
                   absl::StrCat("a framework adapted from Pearce (2019) must carry the line '",
                                kAttribution, "'"));
  }
  if (!version.attribution().empty() && version.attribution() != kAttribution) {
    return Invalid(absl::StrCat(prefix, ".attribution"),
                   "the only attribution line is the one Pearce (2019) asks for");
  }
  if (!version.derived_from().empty()) {
    SIXSTEPS_RETURN_IF_ERROR(
        ParseVersionName(version.derived_from(), absl::StrCat(prefix, ".derived_from")).status());
  }
  return absl::OkStatus();
}

absl::flat_hash_set<std::string> ItemIds(const v1::FrameworkVersion& version) {
  absl::flat_hash_set<std::string> ids;
  for (const v1::Step& step : version.steps()) {
    if (!step.id().empty()) ids.insert(step.id());
    for (const v1::Question& question : step.questions()) {
      if (!question.id().empty()) ids.insert(question.id());
    }
  }
  for (const v1::ContextQuestion& question : version.context_questions()) {
    if (!question.id().empty()) ids.insert(question.id());
  }
  return ids;
}

void AssignMissingIds(v1::FrameworkVersion& version,
                      const absl::flat_hash_set<std::string>& reserved) {
  absl::flat_hash_set<std::string> taken = reserved;
  taken.merge(ItemIds(version));
  for (v1::Step& step : *version.mutable_steps()) {
    if (step.id().empty()) {
      step.set_id(NextId("s", taken));
      taken.insert(step.id());
    }
    for (v1::Question& question : *step.mutable_questions()) {
      if (question.id().empty()) {
        question.set_id(NextId(absl::StrCat(step.id(), ".q"), taken));
        taken.insert(question.id());
      }
    }
  }
  for (v1::ContextQuestion& question : *version.mutable_context_questions()) {
    if (question.id().empty()) {
      question.set_id(NextId("c", taken));
      taken.insert(question.id());
    }
  }
}

v1::FrameworkVersion ContentOf(const v1::FrameworkVersion& version) {
  v1::FrameworkVersion content;
  content.set_title(version.title());
  *content.mutable_steps() = version.steps();
  *content.mutable_rating_definitions() = version.rating_definitions();
  content.set_action_plan_guidance(version.action_plan_guidance());
  *content.mutable_context_questions() = version.context_questions();
  return content;
}

absl::Status ApplyUpdateMask(const v1::FrameworkVersion& update,
                             const google::protobuf::FieldMask& mask, v1::FrameworkVersion& draft) {
  std::vector<absl::string_view> paths;
  if (mask.paths().empty()) {
    paths.assign(std::begin(kUpdatableFields), std::end(kUpdatableFields));
  } else {
    for (const std::string& path : mask.paths()) paths.push_back(path);
  }
  for (absl::string_view path : paths) {
    if (path == "title") {
      draft.set_title(update.title());
    } else if (path == "steps") {
      *draft.mutable_steps() = update.steps();
    } else if (path == "rating_definitions") {
      *draft.mutable_rating_definitions() = update.rating_definitions();
    } else if (path == "action_plan_guidance") {
      draft.set_action_plan_guidance(update.action_plan_guidance());
    } else if (path == "context_questions") {
      *draft.mutable_context_questions() = update.context_questions();
    } else {
      return Invalid("update_mask",
                     absl::StrCat("'", path,
                                  "' cannot be updated; updatable fields are title, steps, "
                                  "rating_definitions, action_plan_guidance, context_questions"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckEditable(const v1::FrameworkVersion& version) {
  if (version.state() != v1::FrameworkVersion::STATE_DRAFT) {
    return absl::FailedPreconditionError(
        absl::StrCat(version.name(), " is ", v1::FrameworkVersion::State_Name(version.state()),
                     ": published versions are frozen for ever; start a new draft version"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::FrameworkVersion> AdaptedDraft(const v1::FrameworkVersion& source) {
  if (source.state() == v1::FrameworkVersion::STATE_DRAFT) {
    return absl::FailedPreconditionError(absl::StrCat(
        source.name(), " is a draft: only a published or retired version can be adapted"));
  }
  v1::FrameworkVersion draft = ContentOf(source);
  draft.set_state(v1::FrameworkVersion::STATE_DRAFT);
  draft.set_source_citation(source.source_citation());
  draft.set_attribution(std::string(kAttribution));
  draft.set_derived_from(source.name());
  return draft;
}

v1::FrameworkVersion NextDraft(const v1::FrameworkVersion& latest, absl::string_view new_name) {
  v1::FrameworkVersion draft = ContentOf(latest);
  draft.set_name(std::string(new_name));
  draft.set_state(v1::FrameworkVersion::STATE_DRAFT);
  draft.set_source_citation(latest.source_citation());
  draft.set_attribution(latest.attribution());
  draft.set_derived_from(latest.derived_from());
  return draft;
}

std::vector<v1::FrameworkChange> Diff(const v1::FrameworkVersion& base,
                                      const v1::FrameworkVersion& target) {
  auto steps_of = [](const v1::FrameworkVersion& version) {
    std::vector<Entry> entries;
    for (const v1::Step& step : version.steps()) entries.push_back({step.id(), "", step.title()});
    return entries;
  };
  auto questions_of = [](const v1::FrameworkVersion& version) {
    std::vector<Entry> entries;
    for (const v1::Step& step : version.steps()) {
      for (const v1::Question& question : step.questions()) {
        entries.push_back({question.id(), step.id(), question.text()});
      }
    }
    return entries;
  };
  auto context_of = [](const v1::FrameworkVersion& version) {
    std::vector<Entry> entries;
    for (const v1::ContextQuestion& question : version.context_questions()) {
      entries.push_back({question.id(), "", question.text()});
    }
    return entries;
  };
  std::vector<v1::FrameworkChange> changes;
  DiffEntries(steps_of(base), steps_of(target), v1::FrameworkChange::ITEM_STEP, changes);
  DiffEntries(questions_of(base), questions_of(target), v1::FrameworkChange::ITEM_QUESTION,
              changes);
  DiffEntries(context_of(base), context_of(target), v1::FrameworkChange::ITEM_CONTEXT_QUESTION,
              changes);
  return changes;
}

v1::FrameworkDocument ToDocument(const v1::Framework& framework,
                                 const v1::FrameworkVersion& version) {
  v1::FrameworkDocument document;
  document.set_format(std::string(kDocumentFormat));
  document.set_framework_id(framework.name().substr(absl::string_view("frameworks/").size()));
  document.set_display_name(framework.display_name());
  document.set_description(framework.description());
  document.set_version_id(version.name().substr(version.name().rfind('/') + 1));
  document.set_title(version.title());
  *document.mutable_steps() = version.steps();
  *document.mutable_rating_definitions() = version.rating_definitions();
  document.set_action_plan_guidance(version.action_plan_guidance());
  *document.mutable_context_questions() = version.context_questions();
  document.set_source_citation(version.source_citation());
  document.set_attribution(version.attribution());
  document.set_derived_from(version.derived_from());
  return document;
}

v1::FrameworkVersion VersionFromDocument(const v1::FrameworkDocument& document) {
  v1::FrameworkVersion version;
  version.set_state(v1::FrameworkVersion::STATE_DRAFT);
  version.set_title(document.title());
  *version.mutable_steps() = document.steps();
  *version.mutable_rating_definitions() = document.rating_definitions();
  version.set_action_plan_guidance(document.action_plan_guidance());
  *version.mutable_context_questions() = document.context_questions();
  version.set_source_citation(document.source_citation());
  version.set_attribution(document.attribution());
  version.set_derived_from(document.derived_from());
  return version;
}

absl::Status ValidateDocument(const v1::FrameworkDocument& document) {
  if (document.format() != kDocumentFormat) {
    return Invalid("document.format", absl::StrCat("must be '", kDocumentFormat, "'"));
  }
  SIXSTEPS_RETURN_IF_ERROR(ValidateFrameworkId(document.framework_id(), "document.framework_id"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateVersionId(document.version_id(), "document.version_id"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateDisplayName(document.display_name(), "document.display_name"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateDescription(document.description(), "document.description"));
  v1::FrameworkVersion version = VersionFromDocument(document);
  version.set_name(VersionName{document.framework_id(), document.version_id()}.ToString());
  SIXSTEPS_RETURN_IF_ERROR(ValidateContent(version, "document"));
  if (!document.source_citation().empty()) {
    SIXSTEPS_RETURN_IF_ERROR(ValidateFreeText(document.source_citation(), kMaxDefinitionLength,
                                              "document.source_citation"));
  }
  return ValidateAttribution(version, "document");
}

bool CanReadFramework(const auth::Caller& caller, const v1::Framework& framework) {
  return framework.built_in() || caller.CanSeeRegion(framework.region());
}

absl::Status CheckCanManageFramework(const auth::Caller& caller, const v1::Framework& framework) {
  if (framework.built_in()) {
    return absl::FailedPreconditionError(
        absl::StrCat(framework.name(),
                     " is built in and cannot be changed; adapt it into a framework of your own"));
  }
  if (!caller.IsHubAdmin(framework.region())) {
    return absl::PermissionDeniedError(absl::StrCat(
        "only hub administrators of region '", framework.region(), "' change ", framework.name()));
  }
  return absl::OkStatus();
}

absl::Status CheckCanCreateFrameworkIn(const auth::Caller& caller, absl::string_view region) {
  SIXSTEPS_RETURN_IF_ERROR(ValidateResourceId(region, "region"));
  if (!caller.IsHubAdmin(region)) {
    return absl::PermissionDeniedError(
        absl::StrCat("only hub administrators of region '", region, "' create its frameworks"));
  }
  return absl::OkStatus();
}

}  // namespace sixsteps::framework
