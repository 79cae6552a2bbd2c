// Names, enums, dates and the ratings CSV of the assessment, action and report commands as
// the CLI accepts them. Every name may be given in full ("assessments/a-1") or in short
// ("a-1"); only the shape is checked here, the services validate the ids.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sixsteps/action/v1/action.pb.h"
#include "sixsteps/assessment/v1/assessment.pb.h"
#include "sixsteps/framework/v1/framework.pb.h"
#include "sixsteps/reporting/v1/reporting_service.pb.h"
#include "tools/sixsteps/enum_words.h"

namespace sixsteps::cli {

// The framework version a new round uses unless --framework says otherwise.
inline constexpr absl::string_view kDefaultFrameworkVersion = "frameworks/six-steps/versions/2019";

// "a-1" or "assessments/a-1" -> "assessments/a-1".
absl::StatusOr<std::string> ExpandAssessmentName(absl::string_view argument);
// "act-1" or "actions/act-1" -> "actions/act-1".
absl::StatusOr<std::string> ExpandActionName(absl::string_view argument);
// "a-1/ch-2" or "assessments/a-1/challenges/ch-2" -> the full name.
absl::StatusOr<std::string> ExpandChallengeName(absl::string_view argument);
// A record of a round's `collection` ("legalHolds"): "a-1/ID" or its full name
// "assessments/a-1/legalHolds/ID".
absl::StatusOr<std::string> ExpandRoundRecordName(absl::string_view argument,
                                                  absl::string_view collection);
// A record with a history: a round ("a-1"), or anything under "assessments/..." as is, or
// "a-1/consolidations/s1.q1" and the like with "assessments/" added.
absl::StatusOr<std::string> ExpandRecordName(absl::string_view argument);

// "red", "amber", "green" (any case, or R/A/G) -> the rating. Every other enum is read with
// ParseEnum and written with WordOf (enum_words.h).
absl::StatusOr<sixsteps::framework::v1::Rating> ParseRating(absl::string_view argument);
// "Red", "Amber", "Green", or "-" when unrated.
std::string RatingWord(sixsteps::framework::v1::Rating rating);
// "R", "A", "G" or "-".
std::string RatingLetter(sixsteps::framework::v1::Rating rating);

// The canonical spelling (enum_words.h): "independent_scrutiny", "self_assessment",
// "wider_partner_assessment"; hyphens work too, and so do the CLI's older spellings
// "wider-partners", "independent", "self" and "wider".
absl::StatusOr<sixsteps::assessment::v1::AssessmentKind> ParseAssessmentKind(
    absl::string_view argument);
// The canonical spelling; "-" when unspecified.
std::string AssessmentKindWord(sixsteps::assessment::v1::AssessmentKind kind);
// The kind as GetPartnershipTrendRequest.kind spells it (the canonical spelling);
// independent_scrutiny when unspecified.
std::string TrendKindKey(sixsteps::assessment::v1::AssessmentKind kind);

// "text", "json", "csv", "html", "markdown" (or "md"), "xlsx", "pdf", "docx" ("txt" for text).
absl::StatusOr<sixsteps::reporting::v1::Format> ParseReportFormat(absl::string_view argument);

// An ISO date ("2026-03-31"); a usage error naming `flag` otherwise.
absl::Status CheckIsoDate(absl::string_view date, absl::string_view flag);
// Days from `from` to `to` (both ISO dates); nullopt if either is not one.
std::optional<int> DaysBetween(absl::string_view from, absl::string_view to);
// "2025-04-01:2026-03-31" -> {start, end}; a usage error naming `flag` otherwise.
absl::StatusOr<std::pair<std::string, std::string>> ParsePeriod(
    absl::string_view argument, absl::string_view flag = "--period");

// "s1,s2" -> {"s1", "s2"}: trimmed, empty items dropped.
std::vector<std::string> SplitList(absl::string_view argument);

// RFC 4180: fields separated by commas, optionally in double quotes (a doubled quote inside
// is one quote; quoted fields may hold commas and line breaks), records ending in CRLF or LF.
// A UTF-8 byte order mark at the start is skipped. A data error (exit 65) naming the line for
// a quote in the middle of an unquoted field or an unterminated quoted field.
struct CsvRecord {
  // The line the record starts on, 1-based.
  int line = 0;
  std::vector<std::string> fields;
};
absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view text);

// One respondent's answer to one question as import-ratings reads it from the CSV: the rows
// with the same respondent and question merged, one evidence item per row that has any.
struct ImportedResponse {
  // As written in the CSV (a respondent id, name, or organisation id): resolved later.
  std::string respondent;
  std::string question_id;
  sixsteps::framework::v1::Rating rating = sixsteps::framework::v1::RATING_UNSPECIFIED;
  std::vector<sixsteps::assessment::v1::EvidenceItem> evidence;
  std::string commentary;
  std::string remaining_work;
  // The first line of the CSV it came from.
  int line = 0;
};
// The columns, in any order, named in a header row: respondent, question_id, rating
// (required), evidence_description, evidence_link, document_reference, external_id,
// commentary, remaining_work. Responses come out in the order they first appear. A data
// error (exit 65) naming the line for a missing column, a bad rating, or rows of one
// respondent and question that disagree on the rating, commentary or remaining work.
absl::StatusOr<std::vector<ImportedResponse>> ParseRatingsCsv(absl::string_view text);

}  // namespace sixsteps::cli
