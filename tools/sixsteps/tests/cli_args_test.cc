#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sixsteps/assessment/v1/voice.pb.h"
#include "tests/support/status_matchers.h"
#include "tools/sixsteps/arg_spec.h"
#include "tools/sixsteps/args.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/options.h"

namespace sixsteps::cli {
namespace {

using ::sixsteps::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::Pair;

ParsedArgs Parse(const std::vector<std::string>& words) {
  absl::StatusOr<ParsedArgs> args = ParseArgs(words);
  EXPECT_THAT(args, IsOk());
  return args.ok() ? *args : ParsedArgs();
}

TEST(ParseArgsTest, SplitsPositionalsAndFlagsInBothForms) {
  ParsedArgs args = Parse({"framework", "--output=json", "show", "--timeout", "3", "x/1"});
  EXPECT_THAT(args.positionals(), ElementsAre("framework", "show", "x/1"));
  EXPECT_THAT(args.flags(), ElementsAre(Pair("output", "json"), Pair("timeout", "3")));
}

TEST(ParseArgsTest, KeepsRepeatedFlagsInOrder) {
  ParsedArgs args = Parse({"--question", "A?", "--question=B?", "--question", "C?"});
  EXPECT_THAT(args.Values("question"), ElementsAre("A?", "B?", "C?"));
}

TEST(ParseArgsTest, HyphensInFlagNamesReadAsUnderscores) {
  ParsedArgs args = Parse({"--framework-address", "h:1"});
  EXPECT_TRUE(args.Has("framework_address"));
}

TEST(ParseArgsTest, TakesTheNextWordAsValueEvenIfItLooksLikeAFlag) {
  ParsedArgs args = Parse({"--title", "--not-a-flag", "--position", "-1"});
  EXPECT_THAT(args.Values("title"), ElementsAre("--not-a-flag"));
  absl::StatusOr<CheckedArgs> checked = CheckArgs(
      {.flags = {arg::String("title"), arg::Integer("position", 1, "a whole number from 1 up")}},
      args);
  EXPECT_EQ(checked.status().message(), "--position must be a whole number from 1 up, got '-1'");
}

TEST(ParseArgsTest, DoubleDashEndsFlags) {
  ParsedArgs args = Parse({"set-title", "--", "--odd title", "-h"});
  EXPECT_THAT(args.positionals(), ElementsAre("set-title", "--odd title", "-h"));
  EXPECT_TRUE(args.flags().empty());
}

TEST(ParseArgsTest, SingleDashWordsArePositional) {
  ParsedArgs args = Parse({"-", "-5 degrees"});
  EXPECT_THAT(args.positionals(), ElementsAre("-", "-5 degrees"));
}

TEST(ParseArgsTest, HelpIsBooleanAndShortH) {
  ParsedArgs args = Parse({"-h", "framework", "--help"});
  EXPECT_THAT(args.positionals(), ElementsAre("framework"));
  EXPECT_THAT(args.Values("help"), ElementsAre("true", "true"));
  EXPECT_TRUE(IsUsageError(ParseArgs({"--help=yes"}).status()));
}

TEST(ParseArgsTest, AFlagWithoutItsValueIsAUsageError) {
  absl::StatusOr<ParsedArgs> args = ParseArgs({"show", "--timeout"});
  EXPECT_TRUE(IsUsageError(args.status()));
  EXPECT_EQ(ExitCodeOf(args.status()), kExitUsage);
  EXPECT_THAT(std::string(args.status().message()), ::testing::HasSubstr("--timeout"));
}

TEST(ParsedArgsTest, CheckPositionalCount) {
  ParsedArgs args = Parse({"a", "b"});
  EXPECT_THAT(args.CheckPositionalCount(1, 2), IsOk());
  EXPECT_TRUE(IsUsageError(args.CheckPositionalCount(3, 3)));
  absl::Status too_many = args.CheckPositionalCount(0, 1);
  EXPECT_THAT(std::string(too_many.message()), ::testing::HasSubstr("'b'"));
}

TEST(ParsedArgsTest, ExtractRemovesAFlagEverywhere) {
  ParsedArgs args = Parse({"--output", "json", "x", "--id", "a", "--output", "text"});
  EXPECT_THAT(args.Extract("output"), ElementsAre("json", "text"));
  EXPECT_THAT(args.flags(), ElementsAre(Pair("id", "a")));
  EXPECT_THAT(args.WithoutLeadingPositionals(1).positionals(), ::testing::IsEmpty());
}

// ---- global options ----

Environment MapEnvironment(std::map<std::string, std::string> values) {
  return [values](absl::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(GlobalOptionsTest, Defaults) {
  ParsedArgs args = Parse({"framework", "list"});
  absl::StatusOr<GlobalOptions> options = ExtractGlobalOptions(args, MapEnvironment({}));
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->endpoints.Address("framework"), "127.0.0.1:50051");
  EXPECT_EQ(options->endpoints.Address("nonesuch"), "");
  EXPECT_EQ(options->output, OutputFormat::kText);
  EXPECT_EQ(options->call.timeout, absl::Seconds(10));
  EXPECT_EQ(options->call.bearer_token, "");
}

TEST(GlobalOptionsTest, FlagBeatsEnvironmentBeatsDefault) {
  Environment env = MapEnvironment(
      {{"SIXSTEPS_FRAMEWORK_ADDRESS", "env:1"}, {"SIXSTEPS_TOKEN", " secret-token\n"}});
  ParsedArgs from_env = Parse({"framework", "list"});
  EXPECT_EQ(ExtractGlobalOptions(from_env, env)->endpoints.Address("framework"), "env:1");
  EXPECT_EQ(ExtractGlobalOptions(from_env, env)->call.bearer_token, "secret-token");

  ParsedArgs from_flag = Parse({"framework", "--framework_address", "flag:2", "list", "--output",
                                "json", "--timeout", "2.5"});
  absl::StatusOr<GlobalOptions> options = ExtractGlobalOptions(from_flag, env);
  ASSERT_THAT(options, IsOk());
  EXPECT_EQ(options->endpoints.Address("framework"), "flag:2");
  EXPECT_EQ(options->output, OutputFormat::kJson);
  EXPECT_EQ(options->call.timeout, absl::Milliseconds(2500));
  // The global flags are gone; the command sees only its own.
  EXPECT_TRUE(from_flag.flags().empty());
  EXPECT_THAT(from_flag.positionals(), ElementsAre("framework", "list"));
}

TEST(GlobalOptionsTest, BadValuesAreUsageErrors) {
  for (const std::vector<std::string>& words :
       std::vector<std::vector<std::string>>{{"--output", "yaml"},
                                             {"--timeout", "0"},
                                             {"--timeout", "soon"},
                                             {"--framework_address", ""}}) {
    ParsedArgs args = Parse(words);
    EXPECT_TRUE(IsUsageError(ExtractGlobalOptions(args, MapEnvironment({})).status()))
        << words[0] << " " << words[1];
  }
}

TEST(GlobalOptionsTest, AddressVariableNames) {
  EXPECT_EQ(AddressVariable("framework"), "SIXSTEPS_FRAMEWORK_ADDRESS");
  EXPECT_EQ(AddressVariable("identity"), "SIXSTEPS_IDENTITY_ADDRESS");
}

// ---- exit codes and error lines ----

TEST(CliStatusTest, ExitCodes) {
  EXPECT_EQ(ExitCodeOf(absl::OkStatus()), 0);
  EXPECT_EQ(ExitCodeOf(absl::NotFoundError("x")), 5);
  EXPECT_EQ(ExitCodeOf(absl::AbortedError("x")), 10);
  EXPECT_EQ(ExitCodeOf(absl::UnauthenticatedError("x")), 16);
  EXPECT_EQ(ExitCodeOf(UsageError("x")), 64);
  EXPECT_EQ(ExitCodeOf(LocalError(kExitDataError, "x")), 65);
  EXPECT_EQ(ExitCodeOf(FromGrpc(grpc::Status(grpc::StatusCode::ABORTED, "stale"))), 10);
}

TEST(CliStatusTest, ReportsServiceErrorsWithTheirCodeName) {
  std::ostringstream err;
  ReportError(absl::AbortedError("etag mismatch"), err);
  EXPECT_EQ(err.str(), "error: ABORTED: etag mismatch\n");
}

TEST(CliStatusTest, ReportsUsageErrorsWithTheUsageLine) {
  std::ostringstream err;
  ReportError(WithUsage(UsageError("missing argument"), "sixsteps framework versions FRAMEWORK"),
              err);
  EXPECT_EQ(err.str(), "error: missing argument\nusage: sixsteps framework versions FRAMEWORK\n");
  // An existing usage line is kept.
  EXPECT_EQ(UsageOf(WithUsage(UsageError("m", "first"), "second")), "first");
}

const ArgSpec& GrantLikeSpec() {
  static const auto* const kSpec = new ArgSpec{
      .positionals = {arg::String("WHO").Required(),
                      arg::Enum<ParseAssessmentKind>("KIND").Required()},
      .flags = {arg::String("title").Required(),
                arg::Integer("limit", 1, "a whole number from 1 up"),
                arg::Choice("color", {"always", "never", "auto"}), arg::Truth("opt_out"),
                arg::Date("due"), arg::String("note").Repeated().NonEmpty(),
                arg::List("questions", "question").NonEmpty(), arg::String("org"),
                arg::String("scrutineer")},
      .groups = {{FlagGroup::Rule::kAtMostOne, {"org", "scrutineer"}, "not both"}}};
  return *kSpec;
}

std::string CheckError(const std::vector<std::string>& words) {
  absl::StatusOr<CheckedArgs> checked = CheckArgs(GrantLikeSpec(), Parse(words));
  if (checked.ok()) return "ok";
  EXPECT_TRUE(IsUsageError(checked.status()));
  return std::string(checked.status().message());
}

TEST(CheckArgsTest, ReadsTypedValues) {
  absl::StatusOr<CheckedArgs> checked =
      CheckArgs(GrantLikeSpec(), Parse({"bob", "wider-partners", "--title", "T", "--limit", "7",
                                        "--opt-out", "yes", "--note", "a", "--note", "b"}));
  ASSERT_THAT(checked, IsOk());
  EXPECT_EQ(checked->Positional(0), "bob");
  EXPECT_EQ(checked->Enum<sixsteps::assessment::v1::AssessmentKind>("KIND"),
            sixsteps::assessment::v1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT);
  EXPECT_EQ(checked->Text("title"), "T");
  EXPECT_EQ(checked->Integer("limit"), 7);
  EXPECT_EQ(checked->Truth("opt_out"), true);
  EXPECT_THAT(checked->Values("note"), ElementsAre("a", "b"));
  EXPECT_EQ(checked->Optional("due"), std::nullopt);
}

TEST(CheckArgsTest, EachKindOfMistakeIsAUsageErrorNamingTheFlagAsTyped) {
  EXPECT_EQ(CheckError({"bob", "self"}), "--title is required");
  EXPECT_EQ(CheckError({"bob"}), "missing argument");
  EXPECT_EQ(CheckError({"bob", "self", "x", "--title", "T"}), "unexpected argument 'x'");
  EXPECT_EQ(CheckError({"bob", "self", "--title", "T", "--titel", "U"}), "unknown flag --titel");
  EXPECT_EQ(CheckError({"bob", "self", "--title", "T", "--title", "U"}),
            "--title may be given only once");
  EXPECT_EQ(CheckError({"bob", "self", "--title", "T", "--limit", "0"}),
            "--limit must be a whole number from 1 up, got '0'");
  EXPECT_EQ(CheckError({"bob", "self", "--title", "T", "--color", "red"}),
            "--color must be always, never or auto, got 'red'");
  EXPECT_EQ(CheckError({"bob", "self", "--title", "T", "--opt-out", "maybe"}),
            "--opt-out must be true or false, got 'maybe'");
  EXPECT_EQ(CheckError({"bob", "self", "--title", "T", "--due", "31/03/2026"}),
            "--due must be a date like 2026-03-31, got '31/03/2026'");
  EXPECT_EQ(CheckError({"bob", "self", "--title", "T", "--note", ""}), "--note must not be empty");
  EXPECT_EQ(CheckError({"bob", "self", "--title", "T", "--questions", " , "}),
            "--questions must name at least one question");
  EXPECT_EQ(CheckError({"bob", "self", "--title", "T", "--org", "o", "--scrutineer", "s"}),
            "not both");
  EXPECT_THAT(CheckError({"bob", "boss", "--title", "T"}),
              ::testing::StartsWith("unknown assessment kind 'boss': expected "));
  EXPECT_EQ(CheckError({"bob", "self", "--title", "T", "--org", "o"}), "ok");
}

// The typed kinds: an integer's range, a duration, a period, enum lists and counts, a
// positional switch, and the rules over several flags.
const ArgSpec& TypedSpec() {
  namespace av1 = ::sixsteps::assessment::v1;
  static const auto* const kSpec = new ArgSpec{
      .positionals = {arg::Truth("the switch")},
      .flags = {arg::Integer("cases", 1, "a whole number from 1 up"),
                arg::Duration("expires_in", absl::Hours(24 * 366)), arg::Period("period"),
                arg::Enum<av1::ParticipantGroup>("heard").AsList().NonEmpty(),
                arg::Enum<av1::CaseGrade>("grades").AsCounts(), arg::String("you_said").Repeated(),
                arg::String("we_did").Repeated(), arg::String("evidence").Repeated(),
                arg::String("link").Repeated()},
      .groups = {{FlagGroup::Rule::kSameCount, {"you_said", "we_did"}, "in pairs"},
                 {FlagGroup::Rule::kAtMostAsMany, {"evidence", "link"}, "a link each"}}};
  return *kSpec;
}

absl::StatusOr<CheckedArgs> CheckTyped(const std::vector<std::string>& words) {
  return CheckArgs(TypedSpec(), Parse(words));
}

std::string TypedError(const std::vector<std::string>& words) {
  absl::StatusOr<CheckedArgs> checked = CheckTyped(words);
  if (checked.ok()) return "ok";
  EXPECT_TRUE(IsUsageError(checked.status()));
  return std::string(checked.status().message());
}

TEST(CheckArgsTest, ReadsEveryTypedKind) {
  namespace av1 = ::sixsteps::assessment::v1;
  absl::StatusOr<CheckedArgs> checked = CheckTyped(
      {"off", "--cases", "3", "--expires-in", "2w", "--period", "2025-04-01:2026-03-31", "--heard",
       "children_and_young_people,parents-and-carers", "--grades", "good=7,requires-improvement=4",
       "--you-said", "a", "--we-did", "b", "--evidence", "e"});
  ASSERT_THAT(checked, IsOk());
  EXPECT_EQ(checked->Truth("the switch"), false);
  EXPECT_EQ(checked->Integer("cases"), 3);
  EXPECT_EQ(checked->Duration("expires_in"), absl::Hours(24 * 14));
  EXPECT_EQ(checked->Period("period"),
            std::make_pair(std::string("2025-04-01"), std::string("2026-03-31")));
  EXPECT_THAT(checked->Enums<av1::ParticipantGroup>("heard"),
              ElementsAre(av1::PARTICIPANT_GROUP_CHILDREN_AND_YOUNG_PEOPLE,
                          av1::PARTICIPANT_GROUP_PARENTS_AND_CARERS));
  EXPECT_THAT(checked->EnumCounts<av1::CaseGrade>("grades"),
              ElementsAre(std::make_pair(av1::CASE_GRADE_GOOD, int64_t{7}),
                          std::make_pair(av1::CASE_GRADE_REQUIRES_IMPROVEMENT, int64_t{4})));
  EXPECT_EQ(checked->Duration("nothing"), std::nullopt);
}

TEST(CheckArgsTest, EachTypedKindRefusesWhatItCannotRead) {
  EXPECT_EQ(TypedError({"maybe"}), "the switch must be true or false, got 'maybe'");
  EXPECT_EQ(TypedError({"--cases", "3000000000"}),
            "--cases must be at most 2147483647, got '3000000000'");
  EXPECT_EQ(TypedError({"--expires-in", "soon"}),
            "--expires-in must be a duration such as 90d, 2w, 12h or 30m, got 'soon'");
  EXPECT_EQ(TypedError({"--expires-in", "400d"}), "--expires-in must be at most 8784h, got '400d'");
  EXPECT_EQ(TypedError({"--period", "2026-04-01:2025-03-31"}),
            "--period ends before it starts: '2026-04-01:2025-03-31'");
  EXPECT_THAT(TypedError({"--heard", "managers,aliens"}),
              ::testing::StartsWith(
                  "unknown participant group 'aliens': expected children_and_young_people, "));
  EXPECT_EQ(TypedError({"--heard", ","}), "--heard must name at least one value");
  EXPECT_EQ(TypedError({"--grades", "good=many"}), "--grades: 'good=many' is not WORD=COUNT");
  EXPECT_THAT(TypedError({"--grades", "superb=1"}), ::testing::StartsWith("unknown case grade"));
  EXPECT_EQ(TypedError({"--you-said", "a"}), "in pairs");
  EXPECT_EQ(TypedError({"--link", "l"}), "a link each");
  EXPECT_EQ(TypedError({"on", "--evidence", "e", "--evidence", "f", "--link", "l"}), "ok");
}

}  // namespace
}  // namespace sixsteps::cli
