#include "tools/sixsteps/framework_format.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/enum_words.h"
#include "tools/sixsteps/framework_names.h"
#include "tools/sixsteps/text_layout.h"

namespace sixsteps::cli {
namespace {

std::string FormatTimestamp(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(timestamp.seconds()),
                          absl::UTCTimeZone());
}

std::string Owner(const v1::Framework& framework) {
  if (framework.built_in()) return "built-in";
  if (!framework.region().empty()) return absl::StrCat("region ", framework.region());
  return "-";
}

int QuestionCount(const v1::FrameworkVersion& version) {
  int count = 0;
  for (const v1::Step& step : version.steps()) count += step.questions_size();
  return count;
}

std::string ItemName(v1::FrameworkChange::Item item) {
  switch (item) {
    case v1::FrameworkChange::ITEM_STEP:
      return "step";
    case v1::FrameworkChange::ITEM_QUESTION:
      return "question";
    case v1::FrameworkChange::ITEM_CONTEXT_QUESTION:
      return "context question";
    default:
      return "item";
  }
}

}  // namespace

std::string FormatFrameworkList(const std::vector<v1::Framework>& frameworks) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "OWNER", "PUBLISHED", "DERIVED FROM"}};
  for (const v1::Framework& framework : frameworks) {
    rows.push_back({ShortFrameworkName(framework.name()), framework.display_name(),
                    Owner(framework), OrDash(VersionIdOf(framework.latest_published_version())),
                    OrDash(ShortVersionName(framework.derived_from()))});
  }
  return Table(rows);
}

std::string FormatVersionList(const std::vector<v1::FrameworkVersion>& versions) {
  std::vector<std::vector<std::string>> rows = {
      {"VERSION", "STATE", "CREATED", "PUBLISHED", "TITLE"}};
  for (const v1::FrameworkVersion& version : versions) {
    rows.push_back({ShortVersionName(version.name()), WordOf(version.state()),
                    FormatTimestamp(version.create_time()), FormatTimestamp(version.publish_time()),
                    version.title()});
  }
  return Table(rows);
}

std::string FormatVersion(const v1::FrameworkVersion& version) {
  std::string out = absl::StrCat(version.title(), "\n");
  for (const v1::Step& step : version.steps()) {
    absl::StrAppend(&out, "\nStep ", step.id(), ": ", step.title(), "\n");
    for (const v1::Question& question : step.questions()) {
      absl::StrAppend(&out, "  ", question.id(), "  ", question.text(), "\n");
    }
  }
  if (!version.rating_definitions().empty()) {
    out += "\n";
    for (const v1::RatingDefinition& definition : version.rating_definitions()) {
      absl::StrAppend(&out, RatingWord(definition.rating()), ": ", definition.definition(), "\n");
    }
  }
  if (!version.action_plan_guidance().empty()) {
    absl::StrAppend(&out, "\nAction plan: ", version.action_plan_guidance(), "\n");
  }
  if (!version.context_questions().empty()) {
    out += "\nContext questions\n";
    for (const v1::ContextQuestion& question : version.context_questions()) {
      absl::StrAppend(&out, "  ", question.id(), "  ", question.text(), "\n");
    }
  }
  out += "\n";
  if (!version.source_citation().empty()) {
    absl::StrAppend(&out, "Source: ", version.source_citation(), "\n");
  }
  if (!version.attribution().empty()) {
    absl::StrAppend(&out, "Attribution: ", version.attribution(), "\n");
  }
  if (!version.derived_from().empty()) {
    absl::StrAppend(&out, "Derived from: ", version.derived_from(), "\n");
  }
  absl::StrAppend(&out, "Version: ", version.name(), "\n");
  absl::StrAppend(&out, "State: ", WordOf(version.state()), "\n");
  absl::StrAppend(&out, "Etag: ", version.etag(), "\n");
  return out;
}

std::string FormatVersionSummary(const v1::FrameworkVersion& version) {
  return absl::StrCat("Version: ", version.name(), "\n",         //
                      "State: ", WordOf(version.state()), "\n",  //
                      "Title: ", version.title(), "\n",          //
                      "Content: ", version.steps_size(), " steps, ", QuestionCount(version),
                      " questions, ", version.context_questions_size(), " context questions\n",
                      "Etag: ", version.etag(), "\n");
}

std::string FormatFramework(const v1::Framework& framework) {
  std::string out = absl::StrCat("Framework: ", framework.name(), "\n",     //
                                 "Name: ", framework.display_name(), "\n",  //
                                 "Owner: ", Owner(framework), "\n");
  if (!framework.description().empty()) {
    absl::StrAppend(&out, "Description: ", framework.description(), "\n");
  }
  if (!framework.derived_from().empty()) {
    absl::StrAppend(&out, "Derived from: ", framework.derived_from(), "\n");
  }
  if (!framework.latest_published_version().empty()) {
    absl::StrAppend(&out, "Latest published: ", framework.latest_published_version(), "\n");
  }
  return out;
}

std::string FormatChange(const v1::FrameworkChange& change) {
  std::string item = absl::StrCat(ItemName(change.item()), " ", change.id());
  // Where a question is, for additions and removals; a step or context question has no parent.
  std::string in_step =
      change.item() == v1::FrameworkChange::ITEM_QUESTION && !change.step_id().empty()
          ? absl::StrCat(" (step ", change.step_id(), ")")
          : "";
  switch (change.kind()) {
    case v1::FrameworkChange::KIND_ADDED:
      return absl::StrCat("+ ", item, in_step, ": ", change.new_text());
    case v1::FrameworkChange::KIND_REMOVED:
      return absl::StrCat("- ", item, in_step, ": ", change.old_text());
    case v1::FrameworkChange::KIND_REWORDED:
      return absl::StrCat("~ ", item, ": ", change.old_text(), " -> ", change.new_text());
    case v1::FrameworkChange::KIND_MOVED:
      if (change.item() == v1::FrameworkChange::ITEM_QUESTION && !change.step_id().empty()) {
        return absl::StrCat("> ", item, " moved to step ", change.step_id());
      }
      return absl::StrCat("> ", item, " moved");
    default:
      return absl::StrCat("? ", item, ": ", change.old_text(), " -> ", change.new_text());
  }
}

std::string FormatChanges(const v1::DiffFrameworkVersionsResponse& diff) {
  if (diff.changes().empty()) return "no changes\n";
  std::string out;
  for (const v1::FrameworkChange& change : diff.changes()) {
    absl::StrAppend(&out, FormatChange(change), "\n");
  }
  return out;
}

}  // namespace sixsteps::cli
