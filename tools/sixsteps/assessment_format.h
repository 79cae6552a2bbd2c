// Text output of the assessment and action commands, for people. Scripts use --output json
// instead, so this format may change. Lists are tables with a header row; one record is a
// few "Label: value" lines.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sixsteps/action/v1/action.pb.h"
#include "sixsteps/assessment/v1/assessment.pb.h"
#include "sixsteps/assessment/v1/assessment_service.pb.h"
#include "sixsteps/framework/v1/framework.pb.h"

namespace sixsteps::cli {

namespace asv1 = ::sixsteps::assessment::v1;
namespace acv1 = ::sixsteps::action::v1;

std::string FormatAssessment(const asv1::Assessment& assessment);
std::string FormatAssessmentList(const std::vector<asv1::Assessment>& assessments);

// "police" for an organisation, "users/u-1 (scrutineer)" for a scrutineer.
std::string RespondentLabel(const asv1::Respondent& respondent);
std::string FormatRespondentList(const std::vector<asv1::Respondent>& respondents);

std::string FormatResponse(const asv1::Response& response);
std::string FormatConsolidation(const asv1::Consolidation& consolidation);
std::string FormatChallenge(const asv1::Challenge& challenge);
std::string FormatChallengeList(const std::vector<asv1::Challenge>& challenges);
std::string FormatContextAnswerList(const std::vector<asv1::ContextAnswer>& answers);
std::string FormatRevisionList(const std::vector<asv1::Revision>& revisions);
std::string FormatDivergence(const asv1::GetDivergenceResponse& divergence);
std::string FormatCheck(const asv1::CheckFinalisationResponse& check);

// One line of the change feed: sequence, time, kind, record name.
std::string FormatChange(const asv1::Change& change);

// The grid: one section per step, one line per question with the consolidated rating's
// letter (R/A/G/-) and each respondent's. With `color`, ANSI background colours.
struct GridInput {
  sixsteps::framework::v1::FrameworkVersion framework;
  std::vector<asv1::Respondent> respondents;
  std::vector<asv1::Response> responses;
  std::vector<asv1::Consolidation> consolidations;
};
std::string FormatGrid(const asv1::Assessment& assessment, const GridInput& input, bool color);

std::string FormatAction(const acv1::Action& action);
std::string FormatActionList(const std::vector<acv1::Action>& actions);
// Progress notes, one a line, indented: time, author (status after): note [evidence].
std::string FormatProgressUpdates(const std::vector<acv1::ProgressUpdate>& updates);
// Overdue actions grouped by owner organisation: a heading per organisation (its display
// name from `labels` when known), then each action with its due date and days overdue as of
// `as_of_date`.
std::string FormatOverdueByOwner(const std::vector<acv1::Action>& actions,
                                 const std::string& as_of_date,
                                 const std::map<std::string, std::string>& labels);

}  // namespace sixsteps::cli
