#include "tools/sixsteps/assessment_format.h"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/framework_names.h"
#include "tools/sixsteps/identity_format.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/text_layout.h"

namespace sixsteps::cli {
namespace {

namespace fv1 = ::sixsteps::framework::v1;

std::string Evidence(const google::protobuf::RepeatedPtrField<asv1::EvidenceItem>& evidence) {
  std::string out;
  for (const asv1::EvidenceItem& item : evidence) {
    absl::StrAppend(&out, "  ", OrDash(item.id()), ": ", item.description());
    if (!item.link().empty()) absl::StrAppend(&out, " <", item.link(), ">");
    if (!item.document_reference().empty())
      absl::StrAppend(&out, " [", item.document_reference(), "]");
    if (!item.external_id().empty())
      absl::StrAppend(&out, " (external id ", item.external_id(), ")");
    out += "\n";
  }
  return out;
}

// The record a change carries, by name.
std::string ChangeRecordName(const asv1::Change& change) {
  switch (change.record_case()) {
    case asv1::Change::kAssessmentRecord:
      return change.assessment_record().name();
    case asv1::Change::kRespondent:
      return change.respondent().name();
    case asv1::Change::kResponse:
      return change.response().name();
    case asv1::Change::kConsolidation:
      return change.consolidation().name();
    case asv1::Change::kChallenge:
      return change.challenge().name();
    case asv1::Change::kContextAnswer:
      return change.context_answer().name();
    case asv1::Change::kAction:
      return change.action().name();
    case asv1::Change::kPlannedRound:
      return change.planned_round().name();
    default:
      return change.assessment();
  }
}

// ANSI: black on a red, yellow or green background.
std::string Colored(fv1::Rating rating, const std::string& letter, bool color) {
  if (!color) return letter;
  const char* code = nullptr;
  switch (rating) {
    case fv1::RATING_RED:
      code = "\x1b[30;41m";
      break;
    case fv1::RATING_AMBER:
      code = "\x1b[30;43m";
      break;
    case fv1::RATING_GREEN:
      code = "\x1b[30;42m";
      break;
    default:
      return letter;
  }
  return absl::StrCat(code, letter, "\x1b[0m");
}

}  // namespace

std::string FormatAssessment(const asv1::Assessment& a) {
  std::vector<std::pair<std::string, std::string>> lines = {
      {"Assessment", a.name()},
      {"Title", a.title()},
      {"Kind", AssessmentKindWord(a.kind())},
      {"State", WordOf(a.state())},
      {"Revision", absl::StrCat(a.revision())},
      {"Partnership", a.partnership()},
      {"Region", a.region()},
      {"Framework", a.framework_version()},
      {"Period", absl::StrCat(a.period_start(), " to ", a.period_end())},
      {"Created", absl::StrCat(FormatTime(a.create_time()), " by ", OrDash(a.creator()))},
      {"Updated", FormatTime(a.update_time())}};
  if (IsSet(a.finalise_time())) lines.push_back({"Finalised", FormatTime(a.finalise_time())});
  if (!a.previous_assessment().empty())
    lines.push_back({"Previous round", a.previous_assessment()});
  lines.push_back({"Etag", a.etag()});
  return Lines(lines);
}

std::string FormatAssessmentList(const std::vector<asv1::Assessment>& assessments) {
  if (assessments.empty()) return "no assessments\n";
  std::vector<std::vector<std::string>> rows = {
      {"ASSESSMENT", "PARTNERSHIP", "KIND", "STATE", "REV", "PERIOD", "TITLE"}};
  for (const asv1::Assessment& a : assessments) {
    rows.push_back({LastSegment(a.name()), LastSegment(a.partnership()),
                    AssessmentKindWord(a.kind()), WordOf(a.state()), absl::StrCat(a.revision()),
                    absl::StrCat(a.period_start(), ":", a.period_end()), a.title()});
  }
  return Table(rows);
}

std::string RespondentLabel(const asv1::Respondent& respondent) {
  if (!respondent.organisation().empty()) return LastSegment(respondent.organisation());
  return absl::StrCat(respondent.scrutineer(), " (scrutineer)");
}

std::string FormatRespondentList(const std::vector<asv1::Respondent>& respondents) {
  if (respondents.empty()) return "no respondents\n";
  std::vector<std::vector<std::string>> rows = {{"RESPONDENT", "WHO", "ANSWERS"}};
  for (const asv1::Respondent& r : respondents) {
    std::vector<std::string> scope(r.step_ids().begin(), r.step_ids().end());
    scope.insert(scope.end(), r.question_ids().begin(), r.question_ids().end());
    rows.push_back({LastSegment(r.name()), RespondentLabel(r),
                    scope.empty() ? "every question" : absl::StrJoin(scope, ",")});
  }
  return Table(rows);
}

std::string FormatResponse(const asv1::Response& r) {
  std::string out =
      Lines({{"Response", r.name()},
             {"Rating", RatingWord(r.rating())},
             {"Commentary", r.commentary()},
             {"Remaining work", r.remaining_work()},
             {"Updated", absl::StrCat(FormatTime(r.update_time()), " by ", OrDash(r.update_by()))},
             {"Etag", r.etag()}});
  absl::StrAppend(&out, "Evidence: ", r.evidence_size() == 0 ? "none" : "", "\n",
                  Evidence(r.evidence()));
  return out;
}

std::string FormatConsolidation(const asv1::Consolidation& c) {
  std::string out =
      Lines({{"Consolidation", c.name()},
             {"Rating", RatingWord(c.rating())},
             {"Rationale", c.rationale()},
             {"Remaining work", c.remaining_work()},
             {"Updated", absl::StrCat(FormatTime(c.update_time()), " by ", OrDash(c.update_by()))},
             {"Etag", c.etag()}});
  if (c.evidence_size() > 0) absl::StrAppend(&out, "Evidence:\n", Evidence(c.evidence()));
  return out;
}

std::string FormatChallenge(const asv1::Challenge& c) {
  return Lines({{"Challenge", c.name()},
                {"Response", c.response()},
                {"State", WordOf(c.state())},
                {"Text", c.text()},
                {"Raised", absl::StrCat(FormatTime(c.raise_time()), " by ", OrDash(c.raised_by()))},
                {"Answer", c.answer()},
                {"Answered", IsSet(c.answer_time()) ? absl::StrCat(FormatTime(c.answer_time()),
                                                                   " by ", c.answered_by())
                                                    : ""},
                {"Closed", IsSet(c.close_time())
                               ? absl::StrCat(FormatTime(c.close_time()), " by ", c.closed_by())
                               : ""}});
}

std::string FormatChallengeList(const std::vector<asv1::Challenge>& challenges) {
  if (challenges.empty()) return "no challenges\n";
  std::vector<std::vector<std::string>> rows = {{"CHALLENGE", "QUESTION", "STATE", "TEXT"}};
  for (const asv1::Challenge& c : challenges) {
    rows.push_back({absl::StrCat(LastSegment(c.name().substr(0, c.name().find("/challenges/"))),
                                 "/", LastSegment(c.name())),
                    c.question_id(), WordOf(c.state()), c.text()});
  }
  return Table(rows);
}

std::string FormatContextAnswerList(const std::vector<asv1::ContextAnswer>& answers) {
  if (answers.empty()) return "no context answers\n";
  std::string out;
  for (const asv1::ContextAnswer& a : answers) {
    absl::StrAppend(&out, a.context_question_id(), " (", FormatTime(a.update_time()), " by ",
                    OrDash(a.update_by()), "):\n  ", a.text(), "\n");
  }
  return out;
}

std::string FormatRevisionList(const std::vector<asv1::Revision>& revisions) {
  if (revisions.empty()) return "no revisions\n";
  std::vector<std::vector<std::string>> rows = {{"REV", "TIME", "ACTOR", "ACTION", "REASON"}};
  for (const asv1::Revision& r : revisions) {
    rows.push_back({absl::StrCat(r.revision()), FormatTime(r.time()), r.actor(), r.action(),
                    OrDash(r.reason())});
  }
  return Table(rows);
}

std::string FormatDivergence(const asv1::GetDivergenceResponse& divergence) {
  std::vector<std::vector<std::string>> rows = {{"QUESTION", "SPREAD", "RATINGS"}};
  bool self = !divergence.self_assessment().empty();
  if (self) rows[0].push_back("SELF-ASSESSMENT");
  int divergent = 0;
  for (const asv1::QuestionDivergence& q : divergence.questions()) {
    if (!q.divergent() && !q.self_assessment_severe()) continue;
    ++divergent;
    std::map<std::string, fv1::Rating> sorted(q.ratings().begin(), q.ratings().end());
    std::vector<std::string> ratings;
    for (const auto& [respondent, rating] : sorted) {
      ratings.push_back(absl::StrCat(LastSegment(respondent), "=", RatingLetter(rating)));
    }
    std::vector<std::string> row = {q.question_id(),
                                    q.severe() ? "severe" : (q.divergent() ? "divergent" : "-"),
                                    absl::StrJoin(ratings, " ")};
    if (self) {
      row.push_back(absl::StrCat(RatingWord(q.self_assessment_rating()),
                                 q.self_assessment_severe() ? " (severe)" : ""));
    }
    rows.push_back(std::move(row));
  }
  std::string out;
  if (self)
    absl::StrAppend(&out, "Compared with self-assessment ", divergence.self_assessment(), "\n");
  if (divergent == 0) {
    absl::StrAppend(&out, "no divergence: the respondents agree on all ",
                    divergence.questions_size(), " questions\n");
    return out;
  }
  absl::StrAppend(&out, Table(rows));
  return out;
}

std::string FormatCheck(const asv1::CheckFinalisationResponse& check) {
  if (check.ready()) return "Ready to finalise.\n";
  std::string out =
      absl::StrCat("Not ready to finalise; still needed (", check.missing_size(), "):\n");
  for (const std::string& missing : check.missing()) absl::StrAppend(&out, "  ", missing, "\n");
  return out;
}

std::string FormatChange(const asv1::Change& change) {
  return absl::StrCat(change.sequence(), "  ", FormatTime(change.time()), "  ",
                      WordOf(change.kind()), "  ", ChangeRecordName(change), "\n");
}

std::string FormatGrid(const asv1::Assessment& assessment, const GridInput& input, bool color) {
  std::map<std::string, fv1::Rating> consolidated;
  for (const asv1::Consolidation& c : input.consolidations)
    consolidated[c.question_id()] = c.rating();
  // respondent name -> question -> rating
  std::map<std::string, std::map<std::string, fv1::Rating>> rated;
  for (const asv1::Response& r : input.responses) {
    rated[r.name().substr(0, r.name().rfind("/responses/"))][r.question_id()] = r.rating();
  }
  std::string out =
      absl::StrCat(assessment.title(), " (", assessment.name(), ", ", WordOf(assessment.state()),
                   ", revision ", assessment.revision(), ")\n");
  std::vector<std::string> header = {"QUESTION", "ROUND"};
  for (const asv1::Respondent& r : input.respondents) header.push_back(RespondentLabel(r));
  int counts[4] = {0, 0, 0, 0};
  for (const fv1::Step& step : input.framework.steps()) {
    absl::StrAppend(&out, "\nStep ", step.id(), ": ", step.title(), "\n");
    // Padding is computed on the letters; colour codes are added afterwards.
    std::vector<std::vector<std::string>> rows = {header};
    std::vector<std::vector<fv1::Rating>> ratings = {{}};
    for (const fv1::Question& question : step.questions()) {
      auto found = consolidated.find(question.id());
      fv1::Rating round = found == consolidated.end() ? fv1::RATING_UNSPECIFIED : found->second;
      ++counts[round];
      std::vector<std::string> row = {question.id(), RatingLetter(round)};
      std::vector<fv1::Rating> row_ratings = {fv1::RATING_UNSPECIFIED, round};
      for (const asv1::Respondent& r : input.respondents) {
        fv1::Rating rating = fv1::RATING_UNSPECIFIED;
        auto by = rated.find(r.name());
        if (by != rated.end()) {
          auto q = by->second.find(question.id());
          if (q != by->second.end()) rating = q->second;
        }
        row.push_back(RatingLetter(rating));
        row_ratings.push_back(rating);
      }
      rows.push_back(std::move(row));
      ratings.push_back(std::move(row_ratings));
    }
    std::vector<size_t> widths;
    for (const auto& row : rows) {
      widths.resize(std::max(widths.size(), row.size()), 0);
      for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
    for (size_t r = 0; r < rows.size(); ++r) {
      out += "  ";
      for (size_t i = 0; i < rows[r].size(); ++i) {
        const std::string& cell = rows[r][i];
        out += (r > 0 && i > 0) ? Colored(ratings[r][i], cell, color) : cell;
        if (i + 1 < rows[r].size()) out.append(widths[i] - DisplayWidth(cell) + 2, ' ');
      }
      out += '\n';
    }
  }
  absl::StrAppend(&out, "\nRound: ", counts[fv1::RATING_GREEN], " Green, ",
                  counts[fv1::RATING_AMBER], " Amber, ", counts[fv1::RATING_RED], " Red, ",
                  counts[fv1::RATING_UNSPECIFIED], " not yet consolidated\n");
  if (!input.respondents.empty()) {
    absl::StrAppend(&out, "Respondents:");
    for (const asv1::Respondent& r : input.respondents) {
      absl::StrAppend(&out, " ", RespondentLabel(r), "=", LastSegment(r.name()));
    }
    out += "\n";
  }
  return out;
}

std::string FormatAction(const acv1::Action& a) {
  std::vector<std::pair<std::string, std::string>> lines = {
      {"Action", a.name()},
      {"Assessment", a.assessment()},
      {"Step", a.step_id()},
      {"Questions", absl::StrJoin(a.question_ids(), ",")},
      {"Kind", a.kind() == acv1::Action::KIND_SUSTAIN ? "sustain" : "improvement"},
      {"Description", a.description()},
      {"Intended outcome", a.intended_outcome()},
      {"Owner",
       absl::StrCat(a.owner_organisation(),
                    a.owner_name().empty() ? "" : absl::StrCat(" (", a.owner_name(), ")"))},
      {"Due", absl::StrCat(a.due_date(), a.overdue() ? " (overdue)" : "")},
      {"Status", WordOf(a.status())}};
  if (!a.cancel_reason().empty()) lines.push_back({"Cancel reason", a.cancel_reason()});
  if (!a.completion_note().empty()) lines.push_back({"Completion note", a.completion_note()});
  if (!a.carried_from().empty()) lines.push_back({"Carried from", a.carried_from()});
  if (!a.carried_to().empty()) lines.push_back({"Carried to", a.carried_to()});
  lines.push_back({"Etag", a.etag()});
  std::string out = Lines(lines);
  if (a.progress_updates_size() > 0) {
    // The action carries only its latest notes; 'action notes' lists them all.
    int total = std::max(a.progress_update_count(), a.progress_updates_size());
    if (total > a.progress_updates_size()) {
      absl::StrAppend(&out, "Progress (latest ", a.progress_updates_size(), " of ", total,
                      "; 'sixsteps action notes ", a.name(), "' lists all):\n");
    } else {
      out += "Progress:\n";
    }
    out += FormatProgressUpdates({a.progress_updates().begin(), a.progress_updates().end()});
  }
  return out;
}

std::string FormatProgressUpdates(const std::vector<acv1::ProgressUpdate>& updates) {
  std::string out;
  for (const acv1::ProgressUpdate& u : updates) {
    absl::StrAppend(&out, "  ", FormatTime(u.time()), " ", OrDash(u.author()), " (",
                    WordOf(u.status()), "): ", u.note());
    if (!u.evidence().empty()) absl::StrAppend(&out, " [evidence: ", u.evidence(), "]");
    out += "\n";
  }
  return out;
}

std::string FormatActionList(const std::vector<acv1::Action>& actions) {
  if (actions.empty()) return "no actions\n";
  std::vector<std::vector<std::string>> rows = {
      {"ACTION", "STEP", "QUESTIONS", "OWNER", "DUE", "STATUS", "DESCRIPTION"}};
  for (const acv1::Action& a : actions) {
    rows.push_back({LastSegment(a.name()), a.step_id(), absl::StrJoin(a.question_ids(), ","),
                    LastSegment(a.owner_organisation()),
                    absl::StrCat(a.due_date(), a.overdue() ? " (overdue)" : ""), WordOf(a.status()),
                    a.description()});
  }
  return Table(rows);
}

std::string FormatOverdueByOwner(const std::vector<acv1::Action>& actions,
                                 const std::string& as_of_date,
                                 const std::map<std::string, std::string>& labels) {
  if (actions.empty()) return absl::StrCat("nothing is overdue as of ", as_of_date, "\n");
  std::map<std::string, std::vector<const acv1::Action*>> by_owner;
  for (const acv1::Action& a : actions) by_owner[a.owner_organisation()].push_back(&a);
  std::string out = absl::StrCat("Overdue as of ", as_of_date, ": ", actions.size(),
                                 " action(s) of ", by_owner.size(), " organisation(s)\n");
  for (auto& [owner, list] : by_owner) {
    std::sort(list.begin(), list.end(), [](const acv1::Action* x, const acv1::Action* y) {
      return std::tie(x->due_date(), x->name()) < std::tie(y->due_date(), y->name());
    });
    auto label = labels.find(owner);
    absl::StrAppend(&out, "\n",
                    label == labels.end() ? owner : absl::StrCat(label->second, " (", owner, ")"),
                    ": ", list.size(), " overdue\n");
    std::vector<std::vector<std::string>> rows = {
        {"ACTION", "DUE", "DAYS OVERDUE", "STEP", "STATUS", "DESCRIPTION"}};
    for (const acv1::Action* a : list) {
      std::optional<int> days = DaysBetween(a->due_date(), as_of_date);
      rows.push_back({LastSegment(a->name()), a->due_date(), days ? absl::StrCat(*days) : "?",
                      a->step_id(), WordOf(a->status()), a->description()});
    }
    absl::StrAppend(&out, Table(rows, "  "));
  }
  return out;
}

}  // namespace sixsteps::cli
