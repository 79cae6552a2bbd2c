#include "tools/sixsteps/assessment_names.h"

#include <algorithm>
#include <map>

#include <google/protobuf/descriptor.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/enum_words.h"
#include "tools/sixsteps/name_parts.h"

namespace sixsteps::cli {
namespace {

namespace v1 = ::sixsteps::assessment::v1;
namespace av1 = ::sixsteps::action::v1;
namespace fv1 = ::sixsteps::framework::v1;
namespace rv1 = ::sixsteps::reporting::v1;

// Lower case, underscores read as hyphens (for the older spellings).
std::string Normalised(absl::string_view argument) {
  return absl::StrReplaceAll(absl::AsciiStrToLower(absl::StripAsciiWhitespace(argument)),
                             {{"_", "-"}});
}

}  // namespace

absl::StatusOr<std::string> ExpandAssessmentName(absl::string_view argument) {
  return ExpandSimple(argument, "assessments", "an assessment");
}

absl::StatusOr<std::string> ExpandActionName(absl::string_view argument) {
  return ExpandSimple(argument, "actions", "an action");
}

absl::StatusOr<std::string> ExpandChallengeName(absl::string_view argument) {
  std::vector<absl::string_view> parts = absl::StrSplit(argument, '/');
  if (!AnyEmpty(parts)) {
    if (parts.size() == 2 && parts[0] != "assessments") {
      return absl::StrCat("assessments/", parts[0], "/challenges/", parts[1]);
    }
    if (parts.size() == 4 && parts[0] == "assessments" && parts[2] == "challenges") {
      return std::string(argument);
    }
  }
  return UsageError(absl::StrCat("'", argument,
                                 "' is not a challenge name: expected ASSESSMENT/CHALLENGE or "
                                 "assessments/ASSESSMENT/challenges/CHALLENGE"));
}

absl::StatusOr<std::string> ExpandRoundRecordName(absl::string_view argument,
                                                  absl::string_view collection) {
  if (absl::StartsWith(argument, "assessments/")) return std::string(argument);
  std::vector<std::string> parts = absl::StrSplit(argument, '/');
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
    return UsageError(
        absl::StrCat("'", argument, "' is not A/ID nor assessments/A/", collection, "/ID"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::string round, ExpandAssessmentName(parts[0]));
  return absl::StrCat(round, "/", collection, "/", parts[1]);
}

absl::StatusOr<std::string> ExpandRecordName(absl::string_view argument) {
  std::vector<absl::string_view> parts = absl::StrSplit(argument, '/');
  if (argument.empty() || AnyEmpty(parts)) {
    return UsageError(absl::StrCat("'", argument, "' is not a record name"));
  }
  if (parts[0] == "assessments") return std::string(argument);
  return absl::StrCat("assessments/", argument);
}

absl::StatusOr<fv1::Rating> ParseRating(absl::string_view argument) {
  // R, A and G too.
  std::string word = Normalised(argument);
  if (word == "r") return fv1::RATING_RED;
  if (word == "a") return fv1::RATING_AMBER;
  if (word == "g") return fv1::RATING_GREEN;
  return ParseEnum<fv1::Rating>(argument);
}

std::string RatingWord(fv1::Rating rating) {
  switch (rating) {
    case fv1::RATING_RED:
      return "Red";
    case fv1::RATING_AMBER:
      return "Amber";
    case fv1::RATING_GREEN:
      return "Green";
    default:
      return "-";
  }
}

std::string RatingLetter(fv1::Rating rating) {
  switch (rating) {
    case fv1::RATING_RED:
      return "R";
    case fv1::RATING_AMBER:
      return "A";
    case fv1::RATING_GREEN:
      return "G";
    default:
      return "-";
  }
}

absl::StatusOr<v1::AssessmentKind> ParseAssessmentKind(absl::string_view argument) {
  // The CLI's older spellings, still accepted.
  std::string word = Normalised(argument);
  if (word == "independent") return v1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY;
  if (word == "self") return v1::ASSESSMENT_KIND_SELF_ASSESSMENT;
  if (word == "wider-partners" || word == "wider") {
    return v1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT;
  }
  return ParseEnum<v1::AssessmentKind>(argument);
}

std::string AssessmentKindWord(v1::AssessmentKind kind) {
  if (kind == v1::ASSESSMENT_KIND_UNSPECIFIED) return "-";
  return WordOf(kind);
}

std::string TrendKindKey(v1::AssessmentKind kind) {
  return AssessmentKindWord(
      kind == v1::ASSESSMENT_KIND_UNSPECIFIED ? v1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY : kind);
}

absl::StatusOr<rv1::Format> ParseReportFormat(absl::string_view argument) {
  // Short spellings, also accepted.
  std::string word = Normalised(argument);
  if (word == "txt") return rv1::FORMAT_TEXT;
  if (word == "md") return rv1::FORMAT_MARKDOWN;
  return ParseEnum<rv1::Format>(argument);
}

namespace {
bool ParseIsoDate(absl::string_view date, absl::CivilDay* day) {
  if (date.size() != 10) return false;
  return absl::ParseCivilTime(date, day);
}
}  // namespace

absl::Status CheckIsoDate(absl::string_view date, absl::string_view flag) {
  absl::CivilDay day;
  if (!ParseIsoDate(date, &day)) {
    return UsageError(absl::StrCat(flag, " must be a date like 2026-03-31, got '", date, "'"));
  }
  return absl::OkStatus();
}

std::optional<int> DaysBetween(absl::string_view from, absl::string_view to) {
  absl::CivilDay a, b;
  if (!ParseIsoDate(from, &a) || !ParseIsoDate(to, &b)) return std::nullopt;
  return static_cast<int>(b - a);
}

absl::StatusOr<std::pair<std::string, std::string>> ParsePeriod(absl::string_view argument,
                                                                absl::string_view flag) {
  std::vector<std::string> parts = absl::StrSplit(argument, ':');
  if (parts.size() != 2 || !CheckIsoDate(parts[0], flag).ok() ||
      !CheckIsoDate(parts[1], flag).ok()) {
    return UsageError(
        absl::StrCat(flag, " must be START:END, like 2025-04-01:2026-03-31, got '", argument, "'"));
  }
  if (parts[1] < parts[0]) {
    return UsageError(absl::StrCat(flag, " ends before it starts: '", argument, "'"));
  }
  return std::make_pair(parts[0], parts[1]);
}

std::vector<std::string> SplitList(absl::string_view argument) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(argument, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text) {
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<CsvRecord> records;
  CsvRecord record;
  std::string field;
  int line = 1;
  record.line = 1;
  bool in_quotes = false, quoted = false, record_started = false;
  auto end_field = [&] {
    record.fields.push_back(std::move(field));
    field.clear();
    quoted = false;
  };
  auto end_record = [&] {
    end_field();
    // A blank line is no record.
    if (!(record.fields.size() == 1 && record.fields[0].empty()))
      records.push_back(std::move(record));
    record = CsvRecord();
    record_started = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!record_started) {
      record.line = line;
      record_started = true;
    }
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || quoted) {
        return LocalError(
            kExitDataError,
            absl::StrCat("line ", line, ": a quote inside a field that does not start with one"));
      }
      in_quotes = quoted = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      // CRLF: the LF ends the record.
    } else if (c == '\n') {
      end_record();
      ++line;
    } else {
      if (quoted) {
        return LocalError(kExitDataError,
                          absl::StrCat("line ", line, ": text after a closing quote"));
      }
      field += c;
    }
  }
  if (in_quotes) {
    return LocalError(kExitDataError,
                      absl::StrCat("line ", record.line, ": a quoted field is not closed"));
  }
  if (record_started) end_record();
  return records;
}

absl::StatusOr<std::vector<ImportedResponse>> ParseRatingsCsv(absl::string_view text) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, ParseCsv(text));
  if (records.empty()) return LocalError(kExitDataError, "the CSV is empty: expected a header row");
  static constexpr absl::string_view kColumns[] = {
      "respondent",         "question_id", "rating",     "evidence_description", "evidence_link",
      "document_reference", "external_id", "commentary", "remaining_work"};
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < records[0].fields.size(); ++i) {
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(records[0].fields[i]));
    if (std::find(std::begin(kColumns), std::end(kColumns), name) == std::end(kColumns)) {
      return LocalError(kExitDataError,
                        absl::StrCat("line 1: unknown column '", records[0].fields[i],
                                     "'; the columns are ", absl::StrJoin(kColumns, ",")));
    }
    if (!column.emplace(name, i).second) {
      return LocalError(kExitDataError, absl::StrCat("line 1: column '", name, "' appears twice"));
    }
  }
  for (absl::string_view required : {"respondent", "question_id", "rating"}) {
    if (!column.contains(std::string(required))) {
      return LocalError(kExitDataError,
                        absl::StrCat("line 1: the header has no '", required, "' column"));
    }
  }
  std::vector<ImportedResponse> responses;
  std::map<std::pair<std::string, std::string>, size_t> index;
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    auto cell = [&](absl::string_view name) -> std::string {
      auto it = column.find(std::string(name));
      if (it == column.end() || it->second >= record.fields.size()) return "";
      return std::string(absl::StripAsciiWhitespace(record.fields[it->second]));
    };
    auto fail = [&](absl::string_view message) {
      return LocalError(kExitDataError, absl::StrCat("line ", record.line, ": ", message));
    };
    if (record.fields.size() > records[0].fields.size()) {
      return fail(absl::StrCat(record.fields.size(), " fields, but the header has ",
                               records[0].fields.size()));
    }
    std::string respondent = cell("respondent"), question = cell("question_id");
    if (respondent.empty() || question.empty())
      return fail("respondent and question_id are required");
    absl::StatusOr<fv1::Rating> rating = ParseRating(cell("rating"));
    if (!rating.ok()) return fail(rating.status().message());
    auto [it, added] = index.emplace(std::make_pair(respondent, question), responses.size());
    if (added) {
      ImportedResponse response;
      response.respondent = respondent;
      response.question_id = question;
      response.rating = *rating;
      response.line = record.line;
      responses.push_back(std::move(response));
    }
    ImportedResponse& response = responses[it->second];
    if (response.rating != *rating) {
      return fail(absl::StrCat(respondent, " ", question, " is rated ", RatingWord(response.rating),
                               " on line ", response.line, " and ", RatingWord(*rating), " here"));
    }
    for (auto [name, target] : {std::pair{"commentary", &response.commentary},
                                {"remaining_work", &response.remaining_work}}) {
      std::string value = cell(name);
      if (value.empty()) continue;
      if (!target->empty() && *target != value) {
        return fail(absl::StrCat(respondent, " ", question, " has a different ", name, " on line ",
                                 response.line));
      }
      *target = value;
    }
    v1::EvidenceItem item;
    item.set_description(cell("evidence_description"));
    item.set_link(cell("evidence_link"));
    item.set_document_reference(cell("document_reference"));
    item.set_external_id(cell("external_id"));
    if (!item.description().empty() || !item.link().empty() || !item.document_reference().empty() ||
        !item.external_id().empty()) {
      if (item.description().empty()) {
        return fail("an evidence item needs an evidence_description");
      }
      response.evidence.push_back(std::move(item));
    }
  }
  return responses;
}

}  // namespace sixsteps::cli
