#include "tools/sixsteps/assessment_commands.h"

#include "absl/strings/str_cat.h"
#include "tools/sixsteps/assessment_command_parts.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/cli_status.h"

namespace sixsteps::cli {
namespace {

using namespace assessment_cmd;  // NOLINT: the command bodies, one file per resource

using AssessmentCommand = Command<Client>;

const std::vector<AssessmentCommand>& Commands() {
  const ArgDecl round = arg::String("A").Required();
  const ArgDecl request_id = arg::String("request_id");
  const ArgDecl rating = arg::Enum<ParseRating>("rating").Required();
  const ArgDecl evidence = arg::String("evidence").Repeated().NonEmpty();
  const ArgDecl link = arg::String("link").Repeated();
  const ArgDecl remaining_work = arg::String("remaining_work");
  const ArgSpec just_the_round = {.positionals = {round}};
  const FlagGroup links_follow_evidence{
      FlagGroup::Rule::kAtMostAsMany,
      {"evidence", "link"},
      "each --link goes with an --evidence description (the i-th link with the i-th "
      "description)"};
  static const auto* const kCommands = new std::vector<AssessmentCommand>{
      {"create",
       "sixsteps assessment create --partnership P [--framework F] --kind "
       "independent_scrutiny|self_assessment|wider_partner_assessment --title T --period START:END "
       "[--request-id ID]",
       {.flags = {arg::String("partnership").Required(), arg::String("framework"),
                  arg::Enum<ParseAssessmentKind>("kind").Required(),
                  arg::String("title").Required(), arg::Period("period").Required(), request_id}},
       Create},
      {"list",
       "sixsteps assessment list [--partnership P]",
       {.flags = {arg::String("partnership")}},
       List},
      {"show", "sixsteps assessment show A", just_the_round, Show},
      {"assign",
       "sixsteps assessment assign A --org ORG|--scrutineer USER [--steps s1,s2] "
       "[--questions s1.q1,...] [--request-id ID]",
       {.positionals = {round},
        .flags = {arg::String("org"), arg::String("scrutineer"), arg::List("steps"),
                  arg::List("questions"), request_id},
        .groups = {{FlagGroup::Rule::kExactlyOne,
                    {"org", "scrutineer"},
                    "give exactly one of --org ORG and --scrutineer USER"}}},
       Assign},
      {"respondents", "sixsteps assessment respondents A", just_the_round, ListRespondents},
      {"rate",
       "sixsteps assessment rate A --respondent R --question Q --rating red|amber|green "
       "[--evidence DESC [--link URL]]... [--commentary C] [--remaining-work W]",
       {.positionals = {round},
        .flags = {arg::String("respondent").Required(), arg::String("question").Required(), rating,
                  evidence, link, arg::String("commentary"), remaining_work},
        .groups = {links_follow_evidence}},
       Rate},
      {"import-ratings",
       "sixsteps assessment import-ratings A --csv FILE",
       {.positionals = {round}, .flags = {arg::File("csv").Required()}},
       ImportRatings},
      {"consolidate",
       "sixsteps assessment consolidate A --question Q --rating R --rationale T "
       "[--evidence DESC [--link URL]]... [--remaining-work W]",
       {.positionals = {round},
        .flags = {arg::String("question").Required(), rating, arg::String("rationale").Required(),
                  evidence, link, remaining_work},
        .groups = {links_follow_evidence}},
       Consolidate},
      {"challenge raise",
       "sixsteps assessment challenge raise A --response RESPONDENT/QUESTION --text T",
       {.positionals = {round},
        .flags = {arg::String("response").Required(), arg::String("text").Required(), request_id}},
       ChallengeRaise},
      {"challenge answer",
       "sixsteps assessment challenge answer A/CHALLENGE --text T",
       {.positionals = {arg::String("A/CHALLENGE").Required()},
        .flags = {arg::String("text").Required()}},
       ChallengeAnswer},
      {"challenge close",
       "sixsteps assessment challenge close A/CHALLENGE",
       {.positionals = {arg::String("A/CHALLENGE").Required()}},
       ChallengeClose},
      {"challenges", "sixsteps assessment challenges A", just_the_round, ListChallenges},
      {"context set",
       "sixsteps assessment context set A --question c3 --text T",
       {.positionals = {round},
        .flags = {arg::String("question").Required(), arg::String("text").Required()}},
       ContextSet},
      {"context list", "sixsteps assessment context list A", just_the_round, ContextList},
      {"submit", "sixsteps assessment submit A", just_the_round, Submit},
      {"check", "sixsteps assessment check A", just_the_round, Check},
      {"finalise", "sixsteps assessment finalise A", just_the_round, Finalise},
      {"reopen",
       "sixsteps assessment reopen A --reason R",
       {.positionals = {round}, .flags = {arg::String("reason").Required()}},
       Reopen},
      {"history",
       "sixsteps assessment history NAME",
       {.positionals = {arg::String("NAME").Required()}},
       History},
      {"divergence", "sixsteps assessment divergence A", just_the_round, Divergence},
      {"grid",
       "sixsteps assessment grid A [--color always|never|auto]",
       {.positionals = {round}, .flags = {arg::Choice("color", {"always", "never", "auto"})}},
       Grid},
      {"feed",
       "sixsteps assessment feed [--after N] [--partnership P] [--follow]",
       {.flags = {arg::Integer("after", 0, "a sequence number (0 or more)"),
                  arg::String("partnership"), arg::Switch("follow")}},
       Feed},
  };
  return *kCommands;
}

}  // namespace

ServiceCommands AssessmentServiceCommands() {
  return WordCommands(CommandWord<asv1::AssessmentService, Client>{
      .word = "assessment",
      .summary = "scrutiny rounds: create, assign, rate, import-ratings, consolidate, finalise, "
                 "grid, feed",
      .commands = Commands(),
      .about = "Scrutiny rounds. A is ID or assessments/ID; P is ID or partnerships/ID; ORG is ID\n"
               "(of the round's partnership), PARTNERSHIP/ID or the full name; F is ID/VERSION\n"
               "(default frameworks/six-steps/versions/2019).",
      .notes =
          "The round kind is spelled as its proto enum value without the prefix:\n"
          "independent_scrutiny, self_assessment, wider_partner_assessment (canonical, and what "
          "the\n"
          "CLI prints); the older independent-scrutiny, self-assessment and wider-partners work "
          "too.\n"
          "\nA respondent (R) is its id (r-...), its organisation (police) or its scrutineer "
          "(u-...).\n"
          "rate reads the current answer first and updates it with its etag: its evidence is "
          "kept,\n"
          "each --evidence adds an item (the i-th --link goes with the i-th --evidence), and the\n"
          "commentary and remaining work stay unless given again. Green and Amber need evidence;\n"
          "Amber also needs --remaining-work.\n\n"
          "import-ratings reads a CSV (RFC 4180, header row; FILE may be - for stdin) with "
          "columns\n"
          "  respondent,question_id,rating,evidence_description,evidence_link,document_reference,\n"
          "  external_id,commentary,remaining_work\n"
          "one row per evidence item; rows of the same respondent and question are merged. Every\n"
          "response goes in ONE BatchUpsertResponses call: all or nothing. Importing the same "
          "file\n"
          "again keeps the evidence items it already holds (matched by external_id, else by "
          "text).\n\n"
          "check prints what finalisation still needs. history takes a round (A), or a record "
          "under\n"
          "it: A/consolidations/Q, A/respondents/R/responses/Q, A/contextAnswers/C.\n"
          "grid shows the steps as sections, each question with the round's consolidated rating\n"
          "(R/A/G/-) and each respondent's; colours only on a terminal without $NO_COLOR, unless\n"
          "--color always|never says otherwise.\n"
          "feed lists the change feed (sequence, time, kind, record), or with --follow waits for "
          "new\n"
          "changes; with --output json, one JSON object per line. grid also reads the framework "
          "service."});
}

}  // namespace sixsteps::cli
