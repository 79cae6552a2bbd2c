// The framework domain: names, validation, adaptation, editing, diff and the portable
// document. Plain functions over the protobuf messages, with no I/O, so each rule has a
// plain unit test.
#pragma once

#include <string>
#include <vector>

#include <google/protobuf/field_mask.pb.h>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/base/etag.h"
#include "services/common/auth.h"
#include "sixsteps/framework/v1/framework.pb.h"

namespace sixsteps::framework {

// Pearce (2019), Sections 1 and 5: "If it is adapted, please reference as: ...".
inline constexpr absl::string_view kAttribution =
    "Adapted from Pearce, J (2019) *Six Steps for Independent Scrutiny: Safeguarding children "
    "arrangements*. Institute of Applied Social Research, Luton, University of Bedfordshire";
// The citation of the source document, carried by the built-in framework and every copy.
inline constexpr absl::string_view kBuiltInCitation =
    "Pearce, J (2019) *Six Steps for Independent Scrutiny: Safeguarding children partnership "
    "arrangements*. Institute of Applied Social Research, Luton, University of Bedfordshire";
inline constexpr absl::string_view kBuiltInFrameworkId = "six-steps";
inline constexpr absl::string_view kBuiltInVersionName = "frameworks/six-steps/versions/2019";
inline constexpr absl::string_view kDocumentFormat = "sixsteps.framework.v1.FrameworkDocument";

// Limits on what a framework may hold: generous for real use, small enough that one
// framework version stays a small document.
inline constexpr int kMaxSteps = 30;
inline constexpr int kMaxQuestionsPerStep = 30;
inline constexpr int kMaxContextQuestions = 60;
inline constexpr int kMaxTitleLength = 500;
inline constexpr int kMaxQuestionLength = 2000;
inline constexpr int kMaxDefinitionLength = 2000;
inline constexpr int kMaxDisplayNameLength = 200;
inline constexpr int kMaxDescriptionLength = 4000;
inline constexpr int kMaxItemIdLength = 32;

// "frameworks/{framework_id}/versions/{version_id}", parsed.
struct VersionName {
  std::string framework_id;
  std::string version_id;
  std::string ToString() const;
};

std::string FrameworkName(absl::string_view framework_id);

// Parses "frameworks/{id}"; INVALID_ARGUMENT naming `field` if malformed.
absl::StatusOr<std::string> ParseFrameworkName(absl::string_view name, absl::string_view field);
// Parses "frameworks/{id}/versions/{version}"; INVALID_ARGUMENT naming `field` if malformed.
absl::StatusOr<VersionName> ParseVersionName(absl::string_view name, absl::string_view field);

// A framework id: lower-case letters, digits and hyphens, 3 to 63 characters, starting
// with a letter and not ending with a hyphen.
absl::Status ValidateFrameworkId(absl::string_view id, absl::string_view field);
// A version id: letters, digits, dots and hyphens, 1 to 32 characters.
absl::Status ValidateVersionId(absl::string_view id, absl::string_view field);
absl::Status ValidateDisplayName(absl::string_view name, absl::string_view field);
absl::Status ValidateDescription(absl::string_view description, absl::string_view field);

// Checks the editable tree of a version: at least one step, every step with a title and
// at least one question, ids unique and well formed, texts non-empty, valid UTF-8 and
// within the limits, rating definitions one per rating at most. Errors are
// INVALID_ARGUMENT naming the field, e.g. "framework_version.steps[2].questions[0].text".
absl::Status ValidateContent(const v1::FrameworkVersion& version, absl::string_view prefix);

// Checks the lineage rule: a derived version (or one citing Pearce, 2019) carries the
// attribution line exactly; an original carries none or that line.
absl::Status ValidateAttribution(const v1::FrameworkVersion& version, absl::string_view prefix);

// Every step, question and context-question id in the version.
absl::flat_hash_set<std::string> ItemIds(const v1::FrameworkVersion& version);

// Gives every step, question and context question without an id the next free readable
// id ("s7", "s2.q5", "c19"), never one in `reserved` (ids the version's predecessor
// used), so a removed item's id is never given to a different text.
void AssignMissingIds(v1::FrameworkVersion& version,
                      const absl::flat_hash_set<std::string>& reserved);

// Only the editable tree: title, steps, rating definitions, guidance, context questions.
v1::FrameworkVersion ContentOf(const v1::FrameworkVersion& version);

// The fields UpdateFrameworkVersion may replace.
inline constexpr absl::string_view kUpdatableFields[] = {
    "title", "steps", "rating_definitions", "action_plan_guidance", "context_questions"};

// Copies the fields named by `mask` (all updatable ones if empty) from `update` into
// `draft`. A path outside kUpdatableFields is INVALID_ARGUMENT.
absl::Status ApplyUpdateMask(const v1::FrameworkVersion& update,
                             const google::protobuf::FieldMask& mask, v1::FrameworkVersion& draft);

// FAILED_PRECONDITION unless the version is a draft.
absl::Status CheckEditable(const v1::FrameworkVersion& version);
// Etags: CheckEtag and RequireEtag (services/base/etag.h).

// The first draft of a framework adapted from `source` (published or retired): the tree
// copied with its ids, lineage recorded, attribution line carried.
absl::StatusOr<v1::FrameworkVersion> AdaptedDraft(const v1::FrameworkVersion& source);

// A new draft of the same framework, copied from `latest` with its lineage.
v1::FrameworkVersion NextDraft(const v1::FrameworkVersion& latest, absl::string_view new_name);

// Steps, questions and context questions added, removed, reworded or moved from `base`
// to `target`, matched by id, in the target's order.
std::vector<v1::FrameworkChange> Diff(const v1::FrameworkVersion& base,
                                      const v1::FrameworkVersion& target);

// The portable document of a version.
v1::FrameworkDocument ToDocument(const v1::Framework& framework,
                                 const v1::FrameworkVersion& version);
// Checks a document from another hub: format, ids, content, attribution.
absl::Status ValidateDocument(const v1::FrameworkDocument& document);
// The version (as a draft, without a name) a document describes.
v1::FrameworkVersion VersionFromDocument(const v1::FrameworkDocument& document);

// Who may see a framework: everyone signed in sees the built-in one; a region's
// frameworks are seen by those with any role in the region.
bool CanReadFramework(const auth::Caller& caller, const v1::Framework& framework);
// Who may create, edit, publish and retire a region's frameworks: its hub administrators.
// The built-in framework is nobody's to change (FAILED_PRECONDITION).
absl::Status CheckCanManageFramework(const auth::Caller& caller, const v1::Framework& framework);
// Who may create a framework owned by `region` (adapting or importing).
absl::Status CheckCanCreateFrameworkIn(const auth::Caller& caller, absl::string_view region);

}  // namespace sixsteps::framework
