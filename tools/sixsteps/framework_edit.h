// Local edits of a draft FrameworkVersion, which `sixsteps framework edit` applies between
// GetFrameworkVersion and UpdateFrameworkVersion. Each edit changes exactly one updatable
// field and says which, so the update mask names only that field.
//
// Errors: an id that is not in the version is NOT_FOUND, a position past the end of the
// list is OUT_OF_RANGE, an explicit id already in use is ALREADY_EXISTS (the same codes, and
// so exit statuses, the service would use); an empty text is a usage error. Content rules
// (a step keeps at least one question, length limits) are left to the service.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sixsteps/framework/v1/framework.pb.h"

namespace sixsteps::cli {

namespace v1 = ::sixsteps::framework::v1;

// What an edit did.
struct EditResult {
  // The one FrameworkVersion field changed: "title", "steps" or "context_questions".
  std::string field;
  // For example "removed step s3: <title>".
  std::string description;
  // For an addition, where the new item is, so that the id the service assigned to it can
  // be reported after the update (see DescribeEdit).
  enum class Added { kNothing, kStep, kQuestion, kContextQuestion };
  Added added = Added::kNothing;
  int index = -1;           // the step, or the context question
  int question_index = -1;  // the question within the step
};

// The edit's description, with the id the service gave an added item in `updated`.
std::string DescribeEdit(const EditResult& edit, const v1::FrameworkVersion& updated);

absl::StatusOr<EditResult> SetTitle(v1::FrameworkVersion& version, absl::string_view title);

// A step to add. Empty ids are assigned by the service ("s7", "s7.q1"); `position` is
// 1-based and defaults to the end.
struct NewStep {
  std::string id = "";
  std::string title = "";
  std::vector<std::string> questions = {};
  std::optional<int> position = std::nullopt;
};
absl::StatusOr<EditResult> AddStep(v1::FrameworkVersion& version, const NewStep& step);
absl::StatusOr<EditResult> RemoveStep(v1::FrameworkVersion& version, absl::string_view step_id);
absl::StatusOr<EditResult> RewordStep(v1::FrameworkVersion& version, absl::string_view step_id,
                                      absl::string_view title);
// Moves a step so that it ends up at 1-based `position`.
absl::StatusOr<EditResult> MoveStep(v1::FrameworkVersion& version, absl::string_view step_id,
                                    int position);

// Adds a question to a step, at 1-based `position` (default: last). An empty `id` is
// assigned by the service ("s2.q5").
absl::StatusOr<EditResult> AddQuestion(v1::FrameworkVersion& version, absl::string_view step_id,
                                       absl::string_view text, absl::string_view id,
                                       std::optional<int> position);
absl::StatusOr<EditResult> RemoveQuestion(v1::FrameworkVersion& version,
                                          absl::string_view question_id);
absl::StatusOr<EditResult> RewordQuestion(v1::FrameworkVersion& version,
                                          absl::string_view question_id, absl::string_view text);
// Moves a question to 1-based `position` within `to_step` (default: its own step; at least
// one of the two must be given). Into another step without a position, it goes last. The
// question keeps its id, so a diff reports it as moved.
absl::StatusOr<EditResult> MoveQuestion(v1::FrameworkVersion& version,
                                        absl::string_view question_id, std::optional<int> position,
                                        std::optional<std::string> to_step);

absl::StatusOr<EditResult> AddContextQuestion(v1::FrameworkVersion& version, absl::string_view text,
                                              absl::string_view id, std::optional<int> position);
absl::StatusOr<EditResult> RemoveContextQuestion(v1::FrameworkVersion& version,
                                                 absl::string_view id);
absl::StatusOr<EditResult> RewordContextQuestion(v1::FrameworkVersion& version,
                                                 absl::string_view id, absl::string_view text);

}  // namespace sixsteps::cli
