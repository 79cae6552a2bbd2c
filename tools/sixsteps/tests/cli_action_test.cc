// Drives the action commands in-process (RunCli) against fake services: notes, overdue
// actions by owner, add, edit, done and cancel.
#include "tools/sixsteps/tests/cli_assessment_fixture.h"

namespace sixsteps::cli {
namespace {

TEST_F(CliAssessmentTest, ActionNotesListsEveryNotePageByPage) {
  Result result = Run({"action", "notes", "act-9"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_THAT(actions_.note_lists, SizeIs(2));
  EXPECT_EQ(actions_.note_lists[0].name(), "actions/act-9");
  EXPECT_EQ(actions_.note_lists[1].page_token(), "p2");
  EXPECT_THAT(result.out, StartsWith("actions/act-9: 7 progress notes\n"));
  EXPECT_THAT(result.out, HasSubstr("(in_progress): note 1\n"));
  EXPECT_THAT(result.out, HasSubstr("(in_progress): note 7\n"));
}

TEST(CliFormatActionTest, ShowSaysWhenOnlyTheLatestNotesAreShown) {
  acv1::Action action;
  action.set_name("actions/act-1");
  action.set_progress_update_count(12);
  for (int n = 8; n <= 12; ++n) action.add_progress_updates()->set_note("n" + std::to_string(n));
  std::string text = FormatAction(action);
  EXPECT_THAT(text, HasSubstr("Progress (latest 5 of 12; 'sixsteps action notes actions/act-1' "
                              "lists all):\n"));
  action.set_progress_update_count(5);
  EXPECT_THAT(FormatAction(action), HasSubstr("Progress:\n"));
}

TEST_F(CliAssessmentTest, OverdueActionsAreGroupedByOwnerOrganisation) {
  Result result = Run({"action", "list", "--partnership", "luton", "--overdue", "--as-of",
                       "2026-04-10", "--status", "planned,in-progress"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const acv1::ListActionsRequest& sent = actions_.lists.at(0);
  EXPECT_TRUE(sent.overdue_only());
  EXPECT_EQ(sent.as_of_date(), "2026-04-10");
  EXPECT_EQ(sent.partnership(), "partnerships/luton");
  EXPECT_THAT(sent.statuses(),
              ElementsAre(acv1::Action::STATUS_PLANNED, acv1::Action::STATUS_IN_PROGRESS));
  EXPECT_THAT(actions_.lists, SizeIs(2));  // both pages
  const std::string& out = result.out;
  EXPECT_THAT(out, StartsWith("Overdue as of 2026-04-10: 3 action(s) of 2 organisation(s)\n"));
  size_t council = out.find("\ncouncil (partnerships/luton/organisations/council): 1 overdue\n");
  size_t police =
      out.find("\nBedfordshire Police (partnerships/luton/organisations/police): 2 overdue\n");
  ASSERT_NE(council, std::string::npos) << out;
  ASSERT_NE(police, std::string::npos) << out;
  // Oldest due first, with the days overdue.
  size_t older = out.find("act-3   2026-02-28  41");
  size_t newer = out.find("act-1   2026-03-31  10");
  ASSERT_NE(older, std::string::npos) << out;
  ASSERT_NE(newer, std::string::npos) << out;
  EXPECT_LT(police, older);
  EXPECT_LT(older, newer);
  EXPECT_EQ(Run({"action", "list", "--as-of", "10/04/2026"}).exit_code, 64);
}

TEST_F(CliAssessmentTest, ActionAddAndEdit) {
  Result added = Run({"action", "add", "a-1", "--step", "s2", "--questions", "s2.q1,s2.q2",
                      "--description", "Audit", "--outcome", "Better", "--owner", "police", "--due",
                      "2026-03-31", "--sustain"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  const acv1::Action& sent = actions_.creates.at(0).action();
  EXPECT_EQ(sent.assessment(), kRound);
  EXPECT_EQ(sent.owner_organisation(), "partnerships/luton/organisations/police");
  EXPECT_THAT(sent.question_ids(), ElementsAre("s2.q1", "s2.q2"));
  EXPECT_EQ(sent.kind(), acv1::Action::KIND_SUSTAIN);
  EXPECT_EQ(sent.due_date(), "2026-03-31");

  Result edited = Run({"action", "edit", "act-9", "--due", "2026-06-30", "--owner", "council"});
  ASSERT_EQ(edited.exit_code, 0) << edited.err;
  const acv1::UpdateActionRequest& update = actions_.updates.at(0);
  EXPECT_EQ(update.action().name(), "actions/act-9");
  EXPECT_EQ(update.action().etag(), "et-act-9");
  EXPECT_EQ(update.action().due_date(), "2026-06-30");
  EXPECT_EQ(update.action().owner_organisation(), "partnerships/luton/organisations/council");
  EXPECT_THAT(update.update_mask().paths(), ElementsAre("due_date", "owner_organisation"));
  int calls = actions_.calls;
  EXPECT_EQ(Run({"action", "edit", "act-9"}).exit_code, 64);
  EXPECT_EQ(Run({"action", "add", "a-1", "--step", "s2", "--questions", "s2.q1", "--description",
                 "d", "--outcome", "o", "--owner", "police", "--due", "soon"})
                .exit_code,
            64);
  EXPECT_EQ(actions_.calls, calls);
}

// The service requires the etag a completion or cancellation is based on (issue #13
// finding 16): the CLI reads the action first and sends its etag.
TEST_F(CliAssessmentTest, ActionDoneAndCancelSendTheCurrentEtag) {
  Result done = Run({"action", "done", "act-4", "--note", "Audited"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  ASSERT_EQ(actions_.completions.size(), 1u);
  EXPECT_EQ(actions_.completions[0].name(), "actions/act-4");
  EXPECT_EQ(actions_.completions[0].etag(), "et-act-4");
  Result cancelled = Run({"action", "cancel", "act-5", "--reason", "Superseded"});
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.err;
  ASSERT_EQ(actions_.cancellations.size(), 1u);
  EXPECT_EQ(actions_.cancellations[0].name(), "actions/act-5");
  EXPECT_EQ(actions_.cancellations[0].etag(), "et-act-5");
}

// Answering and closing a challenge overwrite it: the CLI sends the etag it just read.

}  // namespace
}  // namespace sixsteps::cli
