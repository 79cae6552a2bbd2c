// ParseRoundKind and RoundKindKey: the AssessmentKind enum names are the source of the
// spelling, so a kind added to the proto is spelled by the same rule without a change here.
#include "services/reporting/round_kind.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/base/enum_text.h"

namespace sixsteps::reporting {
namespace {

namespace av1 = ::sixsteps::assessment::v1;

constexpr absl::string_view kPrefix = "ASSESSMENT_KIND_";

}  // namespace

absl::StatusOr<av1::AssessmentKind> ParseRoundKind(absl::string_view kind) {
  if (kind.empty()) return av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY;
  std::string name = absl::AsciiStrToUpper(kind);
  for (char& c : name) {
    if (c == '-' || c == ' ') c = '_';
  }
  absl::string_view suffix = name;
  absl::ConsumePrefix(&suffix, kPrefix);
  // The CLI's word for the wider partners' round.
  if (suffix == "WIDER_PARTNERS") return av1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT;
  av1::AssessmentKind parsed = av1::ASSESSMENT_KIND_UNSPECIFIED;
  if (suffix != "UNSPECIFIED" &&
      av1::AssessmentKind_Parse(absl::StrCat(kPrefix, suffix), &parsed)) {
    return parsed;
  }
  return absl::InvalidArgumentError(
      "kind: must be independent_scrutiny, self_assessment or wider_partner_assessment");
}

std::string RoundKindKey(av1::AssessmentKind kind) { return EnumText(kind); }

}  // namespace sixsteps::reporting
