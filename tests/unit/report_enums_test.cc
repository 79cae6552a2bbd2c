// The reports' typed enum fields (issue 14, "one spelling per enum everywhere"):
// AssessmentReport.round_kind and round_state and ActionLine.action_status are filled for
// every value, and the text fields v0.2.0 released beside them (kind, state, status;
// deprecated) still carry what they carried then, so both say the same.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/base/enum_text.h"
#include "services/reporting/reports.h"

namespace sixsteps::reporting {
namespace {

// This test reads the deprecated fields on purpose: it pins their released values.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

// v0.2.0's phrase for each kind, as AssessmentReport.kind carried it.
std::string ReleasedKindPhrase(av1::AssessmentKind kind) {
  switch (kind) {
    case av1::ASSESSMENT_KIND_INDEPENDENT_SCRUTINY:
      return "independent scrutiny";
    case av1::ASSESSMENT_KIND_SELF_ASSESSMENT:
      return "self-assessment by the three core partners";
    case av1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT:
      return "wider partners' assessment";
    default:
      return "assessment";
  }
}

TEST(ReportEnumsTest, TheAssessmentReportCarriesTheRoundsKindAndStateTyped) {
  for (int kind = 0; kind <= 3; ++kind) {
    for (int state = 0; state <= 3; ++state) {
      RoundData round;
      round.assessment.set_name("assessments/a-1");
      round.assessment.set_kind(static_cast<av1::AssessmentKind>(kind));
      round.assessment.set_state(static_cast<av1::Assessment::State>(state));
      const rv1::AssessmentReport report =
          BuildAssessmentReport(round, "2026-04-01", rv1::Freshness());
      SCOPED_TRACE(absl::StrCat("kind ", kind, ", state ", state));
      EXPECT_EQ(report.round_kind(), round.assessment.kind());
      EXPECT_EQ(report.round_state(), round.assessment.state());
      // The released text fields say the same.
      EXPECT_EQ(report.kind(), ReleasedKindPhrase(report.round_kind()));
      EXPECT_EQ(report.state(), av1::Assessment::State_Name(report.round_state()));
      if (state != 0) {
        EXPECT_EQ(report.state(),
                  absl::StrCat("STATE_", absl::AsciiStrToUpper(EnumText(report.round_state()))));
      }
    }
  }
}

TEST(ReportEnumsTest, AnActionLineCarriesTheActionsStatusTyped) {
  const google::protobuf::EnumDescriptor* statuses = actv1::Action::Status_descriptor();
  ASSERT_GE(statuses->value_count(), 6);
  for (int i = 0; i < statuses->value_count(); ++i) {
    actv1::Action action;
    action.set_name("actions/x-1");
    action.set_status(static_cast<actv1::Action::Status>(statuses->value(i)->number()));
    const rv1::ActionLine line = ActionLineOf(action, "2026-04-01");
    EXPECT_EQ(line.action_status(), action.status());
    EXPECT_EQ(line.status(), statuses->value(i)->name());
  }
}

#pragma GCC diagnostic pop

TEST(ReportEnumsTest, EachEnumHasOneSpellingAsText) {
  EXPECT_EQ(EnumText(av1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT), "wider_partner_assessment");
  EXPECT_EQ(EnumText(av1::Assessment::STATE_IN_REVIEW), "in_review");
  EXPECT_EQ(EnumText(actv1::Action::STATUS_CARRIED_OVER), "carried_over");
  EXPECT_EQ(EnumText(actv1::Action::STATUS_UNSPECIFIED), "");
  EXPECT_EQ(EnumText(static_cast<actv1::Action::Status>(99)), "");
  EXPECT_EQ(EnumPrefix(av1::AssessmentKind_descriptor()), "ASSESSMENT_KIND_");
}

}  // namespace
}  // namespace sixsteps::reporting
