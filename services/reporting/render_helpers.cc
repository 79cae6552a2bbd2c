// Shared helpers of the renderers: reading report messages (respondents, questions, steps,
// actions), timestamps and freshness lines, and UTF-8 aware text shaping.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "services/base/names.h"
#include "services/reporting/render_internal.h"

namespace sixsteps::reporting::render_internal {

bool HasTime(const google::protobuf::Timestamp& ts) { return ts.seconds() != 0 || ts.nanos() != 0; }

// "2024-05-01 12:00:00 UTC", or "" when unset.
std::string FormatTimestamp(const google::protobuf::Timestamp& ts) {
  if (!HasTime(ts)) return "";
  absl::Time t = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", t, absl::UTCTimeZone());
}

std::string FreshnessLine(const v1::Freshness& f) {
  std::string line = absl::StrCat("Reflects the assessment feed up to change ", f.sequence());
  if (HasTime(f.change_time()))
    absl::StrAppend(&line, " (committed ", FormatTimestamp(f.change_time()), ")");
  if (HasTime(f.report_time()))
    absl::StrAppend(&line, "; report built ", FormatTimestamp(f.report_time()));
  line.push_back('.');
  return line;
}

std::string YesNo(bool value) { return value ? "yes" : "no"; }

std::string Divergence(const v1::QuestionRow& q) {
  if (q.severe_divergence()) return "severe";
  return q.divergent() ? "yes" : "no";
}

std::vector<std::string> QuestionFlags(const v1::QuestionRow& q, bool shout) {
  std::vector<std::string> flags;
  if (q.evidence_missing()) flags.push_back(shout ? "EVIDENCE MISSING" : "evidence missing");
  if (q.severe_divergence()) {
    flags.push_back(shout ? "SEVERE DIVERGENCE" : "severe divergence");
  } else if (q.divergent()) {
    flags.push_back("divergent");
  }
  if (q.open_challenges() > 0)
    flags.push_back(absl::StrCat(q.open_challenges(), " open challenge(s)"));
  return flags;
}

std::string TrendName(v1::Trend trend) {
  switch (trend) {
    case v1::TREND_IMPROVED:
      return "Improved";
    case v1::TREND_SAME:
      return "Same";
    case v1::TREND_WORSE:
      return "Worse";
    case v1::TREND_NOT_COMPARABLE:
      return "Not comparable";
    default:
      return "";
  }
}

// "R 1 · A 2 · G 3 · - 0" (ASCII separators for CSV/text friendliness).
std::string CountsShort(const v1::RatingCounts& c) {
  return absl::StrFormat("R %d, A %d, G %d, - %d", c.red(), c.amber(), c.green(), c.unrated());
}

std::string ActionCountsLine(const v1::ActionCounts& c) {
  std::string line =
      absl::StrFormat("%d open, %d overdue, %d done", c.open(), c.overdue(), c.done());
  if (c.cancelled() > 0) absl::StrAppend(&line, ", ", c.cancelled(), " cancelled");
  if (c.carried_over() > 0) absl::StrAppend(&line, ", ", c.carried_over(), " carried over");
  return line;
}

std::string Period(absl::string_view start, absl::string_view end) {
  if (start.empty() && end.empty()) return "";
  return absl::StrCat(start.empty() ? "…" : start, " to ", end.empty() ? "…" : end);
}

std::vector<Respondent> RespondentsOf(const v1::AssessmentReport& report) {
  std::vector<Respondent> out;
  std::set<std::string> seen;
  for (const auto& step : report.steps()) {
    for (const auto& q : step.questions()) {
      for (const auto& r : q.respondent_ratings()) {
        std::string key =
            r.respondent().empty() ? absl::StrCat("label:", r.label()) : r.respondent();
        if (seen.insert(key).second) {
          out.push_back({key, r.label().empty() ? LastSegment(r.respondent()) : r.label()});
        }
      }
    }
  }
  return out;
}
const v1::RespondentRating* FindResponse(const v1::QuestionRow& q, const Respondent& who) {
  for (const auto& r : q.respondent_ratings()) {
    std::string key = r.respondent().empty() ? absl::StrCat("label:", r.label()) : r.respondent();
    if (key == who.key) return &r;
  }
  return nullptr;
}

// Question id -> text, for the gap lists that carry only ids.
std::map<std::string, std::string> QuestionTexts(const v1::AssessmentReport& report) {
  std::map<std::string, std::string> out;
  for (const auto& step : report.steps())
    for (const auto& q : step.questions()) out[q.question_id()] = q.text();
  return out;
}
const v1::QuestionRow* FindQuestion(const v1::AssessmentReport& report, absl::string_view id) {
  for (const auto& step : report.steps())
    for (const auto& q : step.questions())
      if (q.question_id() == id) return &q;
  return nullptr;
}

size_t MaxQuestions(const v1::AssessmentReport& report) {
  size_t n = 0;
  for (const auto& step : report.steps()) n = std::max<size_t>(n, step.questions_size());
  return n;
}

std::string StepHeading(const v1::StepRow& step) {
  if (step.title().empty()) return step.step_id();
  if (step.step_id().empty()) return step.title();
  return absl::StrCat(step.step_id(), ": ", step.title());
}

std::string RoundLabel(const v1::TrendRound& round) {
  std::string label = round.title().empty() ? LastSegment(round.assessment()) : round.title();
  if (!round.period_end().empty()) absl::StrAppend(&label, " (", round.period_end(), ")");
  return label;
}

// Heat (mean score, Red 1 to Green 3; 0 unrated) banded into thirds of the 1-3 range.
Rating HeatBand(double heat) {
  if (heat <= 0) return framework::v1::RATING_UNSPECIFIED;
  if (heat < 5.0 / 3.0) return framework::v1::RATING_RED;
  if (heat < 7.0 / 3.0) return framework::v1::RATING_AMBER;
  return framework::v1::RATING_GREEN;
}
std::string HeatText(double heat) { return heat <= 0 ? "" : absl::StrFormat("%.2f", heat); }

// Step ids of a regional overview in order of first appearance.
std::vector<std::string> RegionalStepIds(const v1::RegionalOverview& report) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& row : report.partnerships())
    for (const auto& id : row.step_ids())
      if (seen.insert(id).second) out.push_back(id);
  return out;
}
int StepIndex(const v1::RegionalRow& row, absl::string_view step_id) {
  for (int i = 0; i < row.step_ids_size(); ++i)
    if (row.step_ids(i) == step_id) return i;
  return -1;
}

// Every action of a tracker once (groups by owner, then by step), with its owner's label.
std::vector<TrackedAction> FlattenActions(const v1::ActionTracker& report) {
  std::map<std::string, std::string> owner_labels;
  for (const auto& g : report.by_owner()) owner_labels[g.key()] = g.label();
  std::vector<TrackedAction> out;
  std::set<std::string> seen;
  auto add = [&](const v1::ActionGroup& g) {
    for (const auto& a : g.actions()) {
      if (!a.action().empty() && !seen.insert(a.action()).second) continue;
      auto it = owner_labels.find(a.owner_organisation());
      out.push_back(
          {&a, it != owner_labels.end() ? it->second : LastSegment(a.owner_organisation())});
    }
  };
  for (const auto& g : report.by_owner()) add(g);
  for (const auto& g : report.by_step()) add(g);
  return out;
}

// ---- UTF-8 ----

size_t Utf8Length(absl::string_view s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// At most `max_chars` code points; a cut string ends with "…".
std::string Utf8Truncate(absl::string_view s, size_t max_chars) {
  if (Utf8Length(s) <= max_chars) return std::string(s);
  if (max_chars == 0) return "";
  size_t chars = 0;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == max_chars - 1) break;
      ++chars;
    }
  }
  return absl::StrCat(s.substr(0, i), "…");
}

std::string PadRight(absl::string_view s, size_t width) {
  size_t len = Utf8Length(s);
  std::string out(s);
  if (len < width) out.append(width - len, ' ');
  return out;
}

// Collapses whitespace (including newlines) to single spaces.
std::string OneLine(absl::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
    } else {
      if (space) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
  }
  return out;
}

// Word-wraps `text` at `width` code points (long words are left whole).
std::vector<std::string> Wrap(absl::string_view text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  for (absl::string_view word : absl::StrSplit(OneLine(text), ' ', absl::SkipEmpty())) {
    if (!line.empty() && Utf8Length(line) + 1 + Utf8Length(word) > width) {
      lines.push_back(std::move(line));
      line.clear();
    }
    if (!line.empty()) line.push_back(' ');
    absl::StrAppend(&line, word);
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

}  // namespace sixsteps::reporting::render_internal
