// Drives the assessment commands in-process (RunCli) against fake services: what each
// command sends, names resolved on the command line, the ratings CSV, the grid, the feed,
// challenges, and exit statuses.
#include "tools/sixsteps/tests/cli_assessment_fixture.h"

namespace sixsteps::cli {
namespace {

TEST_F(CliAssessmentTest, CreateExpandsNamesAndUsesTheBuiltInFramework) {
  Result result =
      Run({"assessment", "create", "--partnership", "luton", "--kind", "self-assessment", "--title",
           "Self-assessment 2025", "--period", "2025-04-01:2026-03-31", "--request-id", "req-1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_THAT(assessment_.creates, SizeIs(1));
  const asv1::CreateAssessmentRequest& sent = assessment_.creates[0];
  EXPECT_EQ(sent.assessment().partnership(), "partnerships/luton");
  EXPECT_EQ(sent.assessment().framework_version(), "frameworks/six-steps/versions/2019");
  EXPECT_EQ(sent.assessment().kind(), asv1::ASSESSMENT_KIND_SELF_ASSESSMENT);
  EXPECT_EQ(sent.assessment().period_start(), "2025-04-01");
  EXPECT_EQ(sent.assessment().period_end(), "2026-03-31");
  EXPECT_EQ(sent.request_id(), "req-1");
  EXPECT_THAT(result.out, StartsWith("Created assessments/a-new\n"));
  EXPECT_THAT(assessment_.authorizations, ElementsAre("Bearer tok"));
  // The assessment endpoint, by default.
  EXPECT_THAT(addresses_, ElementsAre("127.0.0.1:50053"));
}

TEST_F(CliAssessmentTest, AssignResolvesABareOrganisationInTheRoundsPartnership) {
  Result result = Run({"assessment", "assign", "a-1", "--org", "police", "--steps", "s1, s2"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_THAT(assessment_.respondents_added, SizeIs(1));
  const asv1::AddRespondentRequest& sent = assessment_.respondents_added[0];
  EXPECT_EQ(sent.parent(), kRound);
  EXPECT_EQ(sent.respondent().organisation(), "partnerships/luton/organisations/police");
  EXPECT_THAT(sent.respondent().step_ids(), ElementsAre("s1", "s2"));
  EXPECT_EQ(Run({"assessment", "assign", "a-1"}).exit_code, 64);
  EXPECT_EQ(Run({"assessment", "assign", "a-1", "--org", "x", "--scrutineer", "u-1"}).exit_code,
            64);
}

TEST_F(CliAssessmentTest, RateReadsTheEtagKeepsTheEvidenceAndAddsNewItems) {
  Result result = Run({"assessment", "rate", "a-1", "--respondent", "police", "--question", "s1.q1",
                       "--rating", "green", "--evidence", "Audit report", "--link",
                       "https://example.org/audit", "--evidence", "Survey"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_THAT(assessment_.upserts, SizeIs(1));
  const asv1::Response& sent = assessment_.upserts[0].response();
  EXPECT_EQ(sent.name(), "assessments/a-1/respondents/r-pol/responses/s1.q1");
  EXPECT_EQ(sent.etag(), "re7");
  EXPECT_EQ(sent.rating(), fv1::RATING_GREEN);
  ASSERT_THAT(sent.evidence(), SizeIs(3));
  EXPECT_EQ(sent.evidence(0).id(), "e1");  // kept, sent whole
  EXPECT_EQ(sent.evidence(0).description(), "Minutes of the March board");
  EXPECT_EQ(sent.evidence(1).description(), "Audit report");
  EXPECT_EQ(sent.evidence(1).link(), "https://example.org/audit");
  EXPECT_EQ(sent.evidence(2).description(), "Survey");
  EXPECT_THAT(sent.evidence(2).link(), IsEmpty());
  // Not given again: kept.
  EXPECT_EQ(sent.commentary(), "old commentary");
  EXPECT_EQ(sent.remaining_work(), "old work");
  EXPECT_THAT(result.out, HasSubstr("Updated s1.q1 Green"));

  // A new answer: no etag; the respondent by its id.
  Result fresh = Run({"assessment", "rate", "assessments/a-1", "--respondent", "r-lbc",
                      "--question", "s2.q1", "--rating", "R", "--commentary", "Not yet"});
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  const asv1::Response& second = assessment_.upserts[1].response();
  EXPECT_EQ(second.name(), "assessments/a-1/respondents/r-lbc/responses/s2.q1");
  EXPECT_THAT(second.etag(), IsEmpty());
  EXPECT_EQ(second.rating(), fv1::RATING_RED);

  Result unknown = Run({"assessment", "rate", "a-1", "--respondent", "health", "--question",
                        "s1.q1", "--rating", "red"});
  EXPECT_EQ(unknown.exit_code, 5);
  EXPECT_THAT(unknown.err, HasSubstr("no respondent 'health'"));
  EXPECT_THAT(unknown.err, HasSubstr("police (r-pol)"));
}

TEST_F(CliAssessmentTest, ImportRatingsSendsOneBatchOfMergedRows) {
  std::string csv = Write(
      "ratings.csv",
      "respondent,question_id,rating,evidence_description,evidence_link,document_reference,"
      "external_id,commentary,remaining_work\r\n"
      "police,s1.q1,Green,\"Minutes of the March board\",,,doc-1,\"Good, \"\"solid\"\" work\",\r\n"
      "police,s1.q1,Green,\"Audit, part 2\nappendix\",https://example.org/a,DOC-9,,,\r\n"
      "r-lbc,s1.q1,red,,,,,,\r\n"
      "council,s1.q2,amber,Draft plan,,,,,\"Sign-off by the board\"\r\n");
  Result result = Run({"assessment", "import-ratings", "a-1", "--csv", csv});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_THAT(assessment_.batches, SizeIs(1));
  const asv1::BatchUpsertResponsesRequest& batch = assessment_.batches[0];
  EXPECT_EQ(batch.parent(), kRound);
  ASSERT_THAT(batch.requests(), SizeIs(3));
  const asv1::Response& police = batch.requests(0).response();
  EXPECT_EQ(police.name(), "assessments/a-1/respondents/r-pol/responses/s1.q1");
  EXPECT_EQ(police.etag(), "re7");  // it exists: updated with its etag
  EXPECT_EQ(police.commentary(), "Good, \"solid\" work");
  ASSERT_THAT(police.evidence(), SizeIs(2));
  EXPECT_EQ(police.evidence(0).id(), "e1");  // the same external id: kept, not added again
  EXPECT_EQ(police.evidence(1).description(), "Audit, part 2\nappendix");
  EXPECT_EQ(police.evidence(1).link(), "https://example.org/a");
  EXPECT_EQ(police.evidence(1).document_reference(), "DOC-9");
  const asv1::Response& council_red = batch.requests(1).response();
  EXPECT_EQ(council_red.name(), "assessments/a-1/respondents/r-lbc/responses/s1.q1");
  EXPECT_EQ(council_red.rating(), fv1::RATING_RED);
  EXPECT_THAT(council_red.evidence(), IsEmpty());
  EXPECT_THAT(council_red.etag(), IsEmpty());
  EXPECT_EQ(batch.requests(2).response().remaining_work(), "Sign-off by the board");
  EXPECT_THAT(result.out,
              HasSubstr("Imported 3 response(s) (1 updated, 2 new) with 3 evidence item(s) "
                        "for 2 respondent(s)"));

  // Conflicting rows and unknown respondents send nothing.
  std::string conflict = Write(
      "conflict.csv", "respondent,question_id,rating\npolice,s1.q1,green\npolice,s1.q1,red\n");
  Result bad = Run({"assessment", "import-ratings", "a-1", "--csv", conflict});
  EXPECT_EQ(bad.exit_code, 65);
  EXPECT_THAT(bad.err, HasSubstr("line 3: police s1.q1 is rated Green on line 2 and Red here"));
  std::string stranger = Write("stranger.csv", "respondent,question_id,rating\nhealth,s1.q1,red\n");
  Result unknown = Run({"assessment", "import-ratings", "a-1", "--csv", stranger});
  EXPECT_EQ(unknown.exit_code, 5);
  EXPECT_THAT(unknown.err, HasSubstr("line 2: no respondent 'health'"));
  EXPECT_EQ(Run({"assessment", "import-ratings", "a-1", "--csv", (Dir() / "missing.csv").string()})
                .exit_code,
            66);
  EXPECT_THAT(assessment_.batches, SizeIs(1));
}

TEST_F(CliAssessmentTest, ConsolidateAndFinaliseSendTheEtagsRead) {
  Result result = Run({"assessment", "consolidate", "a-1", "--question", "s1.q1", "--rating",
                       "green", "--rationale", "All agree"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const asv1::ConsolidateQuestionRequest& sent = assessment_.consolidations_sent.at(0);
  EXPECT_EQ(sent.parent(), kRound);
  EXPECT_EQ(sent.consolidation().etag(), "ce3");
  EXPECT_EQ(sent.consolidation().rationale(), "All agree");

  ASSERT_EQ(Run({"assessment", "finalise", "a-1"}).exit_code, 0);
  EXPECT_EQ(assessment_.finalises.at(0).etag(), "ae1");

  Result check = Run({"assessment", "check", "a-1"});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out,
            "Not ready to finalise; still needed (2):\n  s1.q2: no consolidated rating\n"
            "  s1.q2: no action plan entry covers it\n");
}

TEST_F(CliAssessmentTest, GridShowsStepsLettersAndColoursOnlyOnATerminal) {
  Result plain = Run({"assessment", "grid", "a-1"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  for (const char* line : {"Step s1: Step 1 title\n", "  QUESTION  ROUND  police  council\n",
                           "  s1.q1     G      A       -\n", "  s2.q2     -      -       -\n",
                           "Round: 1 Green, 0 Amber, 0 Red, 3 not yet consolidated"}) {
    EXPECT_THAT(plain.out, HasSubstr(line));
  }
  EXPECT_THAT(plain.out, Not(HasSubstr("\x1b[")));
  // The framework version came from the framework endpoint.
  EXPECT_THAT(addresses_, ::testing::Contains("127.0.0.1:50051"));

  Result terminal = Run({"assessment", "grid", "a-1"}, {}, /*out_is_terminal=*/true);
  EXPECT_THAT(terminal.out, HasSubstr("\x1b[30;42mG\x1b[0m"));
  EXPECT_THAT(terminal.out, HasSubstr("\x1b[30;43mA\x1b[0m"));
  Result no_color = Run({"assessment", "grid", "a-1"}, {{"NO_COLOR", "1"}}, true);
  EXPECT_THAT(no_color.out, Not(HasSubstr("\x1b[")));
  Result always = Run({"assessment", "grid", "a-1", "--color", "always"});
  EXPECT_THAT(always.out, HasSubstr("\x1b[30;42mG\x1b[0m"));
  Result never = Run({"assessment", "grid", "a-1", "--color", "never"}, {}, true);
  EXPECT_THAT(never.out, Not(HasSubstr("\x1b[")));
  EXPECT_EQ(Run({"assessment", "grid", "a-1", "--color", "sometimes"}).exit_code, 64);
}

TEST_F(CliAssessmentTest, FeedPagesPastInvisibleChangesAndPrintsJsonLines) {
  Result text = Run({"assessment", "feed", "--partnership", "luton"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out,
            "1  2026-01-01T00:00:01Z  response_changed  "
            "assessments/a-1/respondents/r-pol/responses/s1.q1\n"
            "3  2026-01-01T00:00:03Z  response_changed  "
            "assessments/a-1/respondents/r-pol/responses/s1.q3\n");
  ASSERT_THAT(assessment_.change_requests, SizeIs(3));
  EXPECT_EQ(assessment_.change_requests[0].partnership(), "partnerships/luton");
  EXPECT_EQ(assessment_.change_requests[1].after_sequence(), 2);

  Result json = Run({"assessment", "feed", "--after", "2", "--output", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  std::vector<std::string> lines = absl::StrSplit(json.out, '\n', absl::SkipEmpty());
  ASSERT_THAT(lines, SizeIs(1));
  asv1::Change change;
  ASSERT_THAT(FromJson(lines[0], change), IsOk());
  EXPECT_EQ(change.sequence(), 3);

  Result follow = Run({"assessment", "feed", "--after", "1", "--follow"});
  ASSERT_EQ(follow.exit_code, 0) << follow.err;
  EXPECT_THAT(follow.out, StartsWith("2  "));
  EXPECT_EQ(Run({"assessment", "feed", "--after", "-1"}).exit_code, 64);
}

TEST_F(CliAssessmentTest, ChallengeAnswerAndCloseSendTheCurrentEtag) {
  Result answered = Run({"assessment", "challenge", "answer", "a-1/ch-2", "--text", "Yes"});
  ASSERT_EQ(answered.exit_code, 0) << answered.err;
  ASSERT_EQ(assessment_.answers.size(), 1u);
  EXPECT_EQ(assessment_.answers[0].name(), "assessments/a-1/challenges/ch-2");
  EXPECT_EQ(assessment_.answers[0].etag(), "et-ch-2");
  Result closed = Run({"assessment", "challenge", "close", "a-1/ch-2"});
  ASSERT_EQ(closed.exit_code, 0) << closed.err;
  ASSERT_EQ(assessment_.closes.size(), 1u);
  EXPECT_EQ(assessment_.closes[0].etag(), "et-ch-2");
  // One the round does not have is NOT_FOUND before anything is sent.
  EXPECT_NE(Run({"assessment", "challenge", "close", "a-1/ch-9"}).exit_code, 0);
  EXPECT_EQ(assessment_.closes.size(), 1u);
}

TEST_F(CliAssessmentTest, TokenPrintsTheAccessToken) {
  Result result = Run({"token"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "tok\n");
}

TEST_F(CliAssessmentTest, HelpListsTheCommands) {
  Result top = Run({"help"});
  EXPECT_THAT(top.out, HasSubstr("  assessment "));
  EXPECT_THAT(top.out, HasSubstr("  action "));
  EXPECT_THAT(top.out, HasSubstr("  report "));
  EXPECT_THAT(top.out, HasSubstr("--reporting_address HOST:PORT"));
  Result help = Run({"assessment", "help"});
  EXPECT_THAT(help.out, HasSubstr("sixsteps assessment import-ratings A --csv FILE"));
  EXPECT_EQ(Run({"assessment", "challenge", "shout", "a-1"}).exit_code, 64);
  EXPECT_EQ(Run({"action"}).exit_code, 64);
}

TEST(AssessmentNamesTest, ShortAndFullForms) {
  EXPECT_EQ(*ExpandAssessmentName("a-1"), "assessments/a-1");
  EXPECT_EQ(*ExpandAssessmentName("assessments/a-1"), "assessments/a-1");
  EXPECT_FALSE(ExpandAssessmentName("actions/x").ok());
  EXPECT_EQ(*ExpandActionName("act-1"), "actions/act-1");
  EXPECT_EQ(*ExpandChallengeName("a-1/ch-2"), "assessments/a-1/challenges/ch-2");
  EXPECT_EQ(*ExpandRecordName("a-1/consolidations/s1.q1"), "assessments/a-1/consolidations/s1.q1");
  EXPECT_EQ(*ParseRating("Amber"), fv1::RATING_AMBER);
  EXPECT_FALSE(ParseRating("blue").ok());
  EXPECT_EQ(*ParseAssessmentKind("wider_partners"), asv1::ASSESSMENT_KIND_WIDER_PARTNER_ASSESSMENT);
  EXPECT_EQ(*ParseEnum<acv1::Action::Status>("in-progress"), acv1::Action::STATUS_IN_PROGRESS);
  EXPECT_EQ(*ParseEnum<acv1::Action::Status>("carried_over"), acv1::Action::STATUS_CARRIED_OVER);
  EXPECT_EQ(WordOf(acv1::Action::STATUS_IN_PROGRESS), "in_progress");
  EXPECT_EQ(WordOf(asv1::CHANGE_KIND_CONSOLIDATED), "consolidated");
  EXPECT_EQ(*ParseReportFormat("markdown"), rv1::FORMAT_MARKDOWN);
  EXPECT_EQ(*DaysBetween("2026-03-31", "2026-04-10"), 10);
  EXPECT_EQ(ParsePeriod("2026-04-01:2025-03-31").status().message(),
            "--period ends before it starts: '2026-04-01:2025-03-31'");
  EXPECT_FALSE(ParsePeriod("2025-04-01").ok());
  EXPECT_THAT(SplitList(" s1, ,s2 "), ElementsAre("s1", "s2"));
}

TEST(CsvTest, Rfc4180) {
  absl::StatusOr<std::vector<CsvRecord>> records = ParseCsv(
      "\xEF\xBB\xBF"
      "a,\"b,c\",\"d\"\"e\"\r\n\r\n\"multi\nline\",,x\nlast");
  ASSERT_THAT(records.status(), IsOk());
  ASSERT_THAT(*records, SizeIs(3));
  EXPECT_THAT((*records)[0].fields, ElementsAre("a", "b,c", "d\"e"));
  EXPECT_THAT((*records)[1].fields, ElementsAre("multi\nline", "", "x"));
  EXPECT_EQ((*records)[1].line, 3);
  EXPECT_THAT((*records)[2].fields, ElementsAre("last"));
  EXPECT_EQ((*records)[2].line, 5);
  EXPECT_FALSE(ParseCsv("a,b\"c\n").ok());
  EXPECT_FALSE(ParseCsv("\"open\n").ok());
  EXPECT_FALSE(ParseCsv("\"a\"b\n").ok());
}

}  // namespace
}  // namespace sixsteps::cli
