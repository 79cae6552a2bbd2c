#include "tools/sixsteps/framework_edit.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tools/sixsteps/cli_status.h"

namespace sixsteps::cli {
namespace {

using ::google::protobuf::RepeatedPtrField;

absl::Status CheckText(absl::string_view text, absl::string_view what) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return UsageError(absl::StrCat(what, " must not be empty"));
  }
  return absl::OkStatus();
}

// Every step, question and context question id: one namespace in a version.
absl::flat_hash_set<std::string> ItemIds(const v1::FrameworkVersion& version) {
  absl::flat_hash_set<std::string> ids;
  for (const v1::Step& step : version.steps()) {
    ids.insert(step.id());
    for (const v1::Question& question : step.questions()) ids.insert(question.id());
  }
  for (const v1::ContextQuestion& question : version.context_questions()) {
    ids.insert(question.id());
  }
  return ids;
}

absl::Status CheckNewId(const v1::FrameworkVersion& version, absl::string_view id) {
  if (!id.empty() && ItemIds(version).contains(id)) {
    return absl::AlreadyExistsError(
        absl::StrCat("id '", id, "' is already used in ", version.name()));
  }
  return absl::OkStatus();
}

// The 0-based index for a 1-based position in a list that will hold `size` items, or
// OUT_OF_RANGE; `fallback` (0-based) when no position is given.
absl::StatusOr<int> IndexFor(std::optional<int> position, int size, int fallback) {
  if (!position) return fallback;
  if (*position < 1 || *position > size) {
    return absl::OutOfRangeError(
        absl::StrCat("--position must be from 1 to ", size, ", got ", *position));
  }
  return *position - 1;
}

// Moves the element at `from` to `to` in place, keeping the others in order.
template <typename T>
void MoveElement(RepeatedPtrField<T>& items, int from, int to) {
  for (; from < to; ++from) items.SwapElements(from, from + 1);
  for (; from > to; --from) items.SwapElements(from, from - 1);
}

// Appends `item` and moves it to `index`.
template <typename T>
void InsertAt(RepeatedPtrField<T>& items, int index, T item) {
  *items.Add() = std::move(item);
  MoveElement(items, items.size() - 1, index);
}

absl::StatusOr<int> FindStep(const v1::FrameworkVersion& version, absl::string_view step_id) {
  for (int s = 0; s < version.steps_size(); ++s) {
    if (version.steps(s).id() == step_id) return s;
  }
  return absl::NotFoundError(absl::StrCat("no step '", step_id, "' in ", version.name()));
}

struct QuestionIndex {
  int step;
  int question;
};

absl::StatusOr<QuestionIndex> FindQuestion(const v1::FrameworkVersion& version,
                                           absl::string_view question_id) {
  for (int s = 0; s < version.steps_size(); ++s) {
    for (int q = 0; q < version.steps(s).questions_size(); ++q) {
      if (version.steps(s).questions(q).id() == question_id) return QuestionIndex{s, q};
    }
  }
  return absl::NotFoundError(absl::StrCat("no question '", question_id, "' in ", version.name()));
}

absl::StatusOr<int> FindContextQuestion(const v1::FrameworkVersion& version, absl::string_view id) {
  for (int c = 0; c < version.context_questions_size(); ++c) {
    if (version.context_questions(c).id() == id) return c;
  }
  return absl::NotFoundError(absl::StrCat("no context question '", id, "' in ", version.name()));
}

}  // namespace

std::string DescribeEdit(const EditResult& edit, const v1::FrameworkVersion& updated) {
  switch (edit.added) {
    case EditResult::Added::kNothing:
      return edit.description;
    case EditResult::Added::kStep:
      if (edit.index >= 0 && edit.index < updated.steps_size()) {
        const v1::Step& step = updated.steps(edit.index);
        return absl::StrCat("added step ", step.id(), ": ", step.title());
      }
      break;
    case EditResult::Added::kQuestion:
      if (edit.index >= 0 && edit.index < updated.steps_size() && edit.question_index >= 0 &&
          edit.question_index < updated.steps(edit.index).questions_size()) {
        const v1::Step& step = updated.steps(edit.index);
        const v1::Question& question = step.questions(edit.question_index);
        return absl::StrCat("added question ", question.id(), " (step ", step.id(),
                            "): ", question.text());
      }
      break;
    case EditResult::Added::kContextQuestion:
      if (edit.index >= 0 && edit.index < updated.context_questions_size()) {
        const v1::ContextQuestion& question = updated.context_questions(edit.index);
        return absl::StrCat("added context question ", question.id(), ": ", question.text());
      }
      break;
  }
  return edit.description;
}

absl::StatusOr<EditResult> SetTitle(v1::FrameworkVersion& version, absl::string_view title) {
  SIXSTEPS_RETURN_IF_ERROR(CheckText(title, "the title"));
  version.set_title(std::string(title));
  return EditResult{.field = "title", .description = absl::StrCat("set the title: ", title)};
}

absl::StatusOr<EditResult> AddStep(v1::FrameworkVersion& version, const NewStep& new_step) {
  SIXSTEPS_RETURN_IF_ERROR(CheckText(new_step.title, "--title"));
  if (new_step.questions.empty()) {
    return UsageError("a step needs at least one --question");
  }
  for (const std::string& text : new_step.questions) {
    SIXSTEPS_RETURN_IF_ERROR(CheckText(text, "--question"));
  }
  SIXSTEPS_RETURN_IF_ERROR(CheckNewId(version, new_step.id));
  SIXSTEPS_ASSIGN_OR_RETURN(
      int index, IndexFor(new_step.position, version.steps_size() + 1, version.steps_size()));
  v1::Step step;
  step.set_id(new_step.id);
  step.set_title(new_step.title);
  for (const std::string& text : new_step.questions) step.add_questions()->set_text(text);
  InsertAt(*version.mutable_steps(), index, std::move(step));
  return EditResult{.field = "steps",
                    .description = absl::StrCat("added step: ", new_step.title),
                    .added = EditResult::Added::kStep,
                    .index = index};
}

absl::StatusOr<EditResult> RemoveStep(v1::FrameworkVersion& version, absl::string_view step_id) {
  SIXSTEPS_ASSIGN_OR_RETURN(int index, FindStep(version, step_id));
  std::string description =
      absl::StrCat("removed step ", step_id, ": ", version.steps(index).title());
  version.mutable_steps()->DeleteSubrange(index, 1);
  return EditResult{.field = "steps", .description = std::move(description)};
}

absl::StatusOr<EditResult> RewordStep(v1::FrameworkVersion& version, absl::string_view step_id,
                                      absl::string_view title) {
  SIXSTEPS_RETURN_IF_ERROR(CheckText(title, "--title"));
  SIXSTEPS_ASSIGN_OR_RETURN(int index, FindStep(version, step_id));
  v1::Step& step = *version.mutable_steps(index);
  std::string description =
      absl::StrCat("reworded step ", step_id, ": ", step.title(), " -> ", title);
  step.set_title(std::string(title));
  return EditResult{.field = "steps", .description = std::move(description)};
}

absl::StatusOr<EditResult> MoveStep(v1::FrameworkVersion& version, absl::string_view step_id,
                                    int position) {
  SIXSTEPS_ASSIGN_OR_RETURN(int from, FindStep(version, step_id));
  SIXSTEPS_ASSIGN_OR_RETURN(int to, IndexFor(position, version.steps_size(), from));
  MoveElement(*version.mutable_steps(), from, to);
  return EditResult{.field = "steps",
                    .description = absl::StrCat("moved step ", step_id, " to position ", to + 1)};
}

absl::StatusOr<EditResult> AddQuestion(v1::FrameworkVersion& version, absl::string_view step_id,
                                       absl::string_view text, absl::string_view id,
                                       std::optional<int> position) {
  SIXSTEPS_RETURN_IF_ERROR(CheckText(text, "--text"));
  SIXSTEPS_ASSIGN_OR_RETURN(int step_index, FindStep(version, step_id));
  SIXSTEPS_RETURN_IF_ERROR(CheckNewId(version, id));
  v1::Step& step = *version.mutable_steps(step_index);
  SIXSTEPS_ASSIGN_OR_RETURN(int index,
                            IndexFor(position, step.questions_size() + 1, step.questions_size()));
  v1::Question question;
  question.set_id(std::string(id));
  question.set_text(std::string(text));
  InsertAt(*step.mutable_questions(), index, std::move(question));
  return EditResult{.field = "steps",
                    .description = absl::StrCat("added question (step ", step_id, "): ", text),
                    .added = EditResult::Added::kQuestion,
                    .index = step_index,
                    .question_index = index};
}

absl::StatusOr<EditResult> RemoveQuestion(v1::FrameworkVersion& version,
                                          absl::string_view question_id) {
  SIXSTEPS_ASSIGN_OR_RETURN(QuestionIndex at, FindQuestion(version, question_id));
  v1::Step& step = *version.mutable_steps(at.step);
  std::string description = absl::StrCat("removed question ", question_id, " (step ", step.id(),
                                         "): ", step.questions(at.question).text());
  step.mutable_questions()->DeleteSubrange(at.question, 1);
  return EditResult{.field = "steps", .description = std::move(description)};
}

absl::StatusOr<EditResult> RewordQuestion(v1::FrameworkVersion& version,
                                          absl::string_view question_id, absl::string_view text) {
  SIXSTEPS_RETURN_IF_ERROR(CheckText(text, "--text"));
  SIXSTEPS_ASSIGN_OR_RETURN(QuestionIndex at, FindQuestion(version, question_id));
  v1::Question& question = *version.mutable_steps(at.step)->mutable_questions(at.question);
  std::string description =
      absl::StrCat("reworded question ", question_id, ": ", question.text(), " -> ", text);
  question.set_text(std::string(text));
  return EditResult{.field = "steps", .description = std::move(description)};
}

absl::StatusOr<EditResult> MoveQuestion(v1::FrameworkVersion& version,
                                        absl::string_view question_id, std::optional<int> position,
                                        std::optional<std::string> to_step) {
  if (!position && !to_step) return UsageError("give --position, --step or both");
  SIXSTEPS_ASSIGN_OR_RETURN(QuestionIndex at, FindQuestion(version, question_id));
  int target = at.step;
  if (to_step) {
    SIXSTEPS_ASSIGN_OR_RETURN(target, FindStep(version, *to_step));
  }
  if (target == at.step) {
    RepeatedPtrField<v1::Question>& questions = *version.mutable_steps(target)->mutable_questions();
    SIXSTEPS_ASSIGN_OR_RETURN(int to, IndexFor(position, questions.size(), at.question));
    MoveElement(questions, at.question, to);
    return EditResult{.field = "steps",
                      .description = absl::StrCat("moved question ", question_id, " to position ",
                                                  to + 1, " in step ", version.steps(target).id())};
  }
  RepeatedPtrField<v1::Question>& into = *version.mutable_steps(target)->mutable_questions();
  SIXSTEPS_ASSIGN_OR_RETURN(int to, IndexFor(position, into.size() + 1, into.size()));
  RepeatedPtrField<v1::Question>& from = *version.mutable_steps(at.step)->mutable_questions();
  v1::Question question = std::move(*from.Mutable(at.question));
  from.DeleteSubrange(at.question, 1);
  InsertAt(into, to, std::move(question));
  return EditResult{
      .field = "steps",
      .description = absl::StrCat("moved question ", question_id, " to step ",
                                  version.steps(target).id(), " at position ", to + 1)};
}

absl::StatusOr<EditResult> AddContextQuestion(v1::FrameworkVersion& version, absl::string_view text,
                                              absl::string_view id, std::optional<int> position) {
  SIXSTEPS_RETURN_IF_ERROR(CheckText(text, "--text"));
  SIXSTEPS_RETURN_IF_ERROR(CheckNewId(version, id));
  int size = version.context_questions_size();
  SIXSTEPS_ASSIGN_OR_RETURN(int index, IndexFor(position, size + 1, size));
  v1::ContextQuestion question;
  question.set_id(std::string(id));
  question.set_text(std::string(text));
  InsertAt(*version.mutable_context_questions(), index, std::move(question));
  return EditResult{.field = "context_questions",
                    .description = absl::StrCat("added context question: ", text),
                    .added = EditResult::Added::kContextQuestion,
                    .index = index};
}

absl::StatusOr<EditResult> RemoveContextQuestion(v1::FrameworkVersion& version,
                                                 absl::string_view id) {
  SIXSTEPS_ASSIGN_OR_RETURN(int index, FindContextQuestion(version, id));
  std::string description =
      absl::StrCat("removed context question ", id, ": ", version.context_questions(index).text());
  version.mutable_context_questions()->DeleteSubrange(index, 1);
  return EditResult{.field = "context_questions", .description = std::move(description)};
}

absl::StatusOr<EditResult> RewordContextQuestion(v1::FrameworkVersion& version,
                                                 absl::string_view id, absl::string_view text) {
  SIXSTEPS_RETURN_IF_ERROR(CheckText(text, "--text"));
  SIXSTEPS_ASSIGN_OR_RETURN(int index, FindContextQuestion(version, id));
  v1::ContextQuestion& question = *version.mutable_context_questions(index);
  std::string description =
      absl::StrCat("reworded context question ", id, ": ", question.text(), " -> ", text);
  question.set_text(std::string(text));
  return EditResult{.field = "context_questions", .description = std::move(description)};
}

}  // namespace sixsteps::cli
