// The assessment commands, one file per resource (assessment_round_commands.cc: create, list,
// show and the lifecycle; assessment_respondent_commands.cc; assessment_response_commands.cc:
// rate, import-ratings; assessment_consolidation_commands.cc: consolidate, divergence, grid;
// assessment_challenge_commands.cc: challenges and context answers;
// assessment_revision_commands.cc: history, feed), and what they share.
// assessment_commands.cc holds their table and help. For the assessment commands only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sixsteps/assessment/v1/assessment_service.grpc.pb.h"
#include "tools/sixsteps/arg_spec.h"
#include "tools/sixsteps/command.h"
#include "tools/sixsteps/rpc_client.h"

namespace sixsteps::cli::assessment_cmd {

namespace asv1 = ::sixsteps::assessment::v1;
namespace fv1 = ::sixsteps::framework::v1;
using Stub = asv1::AssessmentService::StubInterface;
using Client = RpcClient<Stub>;

// Every command's body has this type (Command<Client>::run).
using CommandBody = absl::Status(const CheckedArgs& args, Client& client,
                                 const CommandContext& context);

CommandBody Create, List, Show, Submit, Check, Finalise, Reopen;
CommandBody Assign, ListRespondents;
CommandBody Rate, ImportRatings;
CommandBody Consolidate, Divergence, Grid;
CommandBody ChallengeRaise, ChallengeAnswer, ChallengeClose, ListChallenges;
CommandBody ContextSet, ContextList;
CommandBody History, Feed;

absl::StatusOr<asv1::Assessment> GetAssessment(Client& client, const std::string& name);
// The round every command but create, list, history and feed starts with (declared as the
// required positional A).
absl::StatusOr<std::string> AssessmentArgument(const CheckedArgs& args);
// Every respondent / response of a round, through all pages.
absl::StatusOr<std::vector<asv1::Respondent>> Respondents(Client& client,
                                                          const std::string& assessment);
absl::StatusOr<std::vector<asv1::Response>> Responses(Client& client, const std::string& parent);
// A respondent as given on the command line or in the CSV: its full name, its id ("r-1"),
// its organisation ("police", "luton/police" or the full name), or its scrutineer ("u-1",
// "users/u-1").
absl::StatusOr<std::string> FindRespondent(const std::vector<asv1::Respondent>& respondents,
                                           const std::string& assessment,
                                           absl::string_view argument);
// New evidence items from --evidence DESC [--link URL] ..., the i-th link going with the
// i-th description (rate, consolidate).
absl::StatusOr<std::vector<asv1::EvidenceItem>> EvidenceFlags(const CheckedArgs& args);
std::string ResponseName(const std::string& respondent, const std::string& question);
absl::StatusOr<std::vector<asv1::Consolidation>> Consolidations(Client& client,
                                                                const std::string& name);

}  // namespace sixsteps::cli::assessment_cmd
