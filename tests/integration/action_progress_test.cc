// The ActionService end to end: progress updates, completion and cancellation, etags, and
// progress notes bounded per note and per action (issue 13).
#include "services/assessment/action_domain.h"
#include "tests/integration/action_fixture.h"

namespace sixsteps::testing::action_test {
namespace {

// ---- Progress, completion and cancellation ----

TEST_F(ActionServiceTest, ProgressUpdatesAreAppendedInOrderAndNeverEdited) {
  av1::Action action = MustCreate(admin_, Plan("s5", {"s5.q1", "s5.q2"}, "police", "2026-09-30"));
  av1::Action after1, after2, after3, done;
  ASSERT_THAT(Progress(police_respondent_, action.name(), "Scoped the work", &after1), IsOk());
  EXPECT_EQ(after1.status(), av1::Action::STATUS_PLANNED);  // no start asked for
  ASSERT_THAT(Progress(police_owner_, action.name(), "Work started", &after2, /*start=*/true,
                       "https://intranet.example/plan.pdf"),
              IsOk());
  EXPECT_EQ(after2.status(), av1::Action::STATUS_IN_PROGRESS);
  ASSERT_THAT(
      Progress(admin_, action.name(), "Half way", &after3, /*start=*/true, "", after2.etag()),
      IsOk());
  EXPECT_EQ(after3.status(), av1::Action::STATUS_IN_PROGRESS);
  ASSERT_THAT(Complete(police_owner_, action.name(), "Pathway audited and fixed", &done, "DOC-42",
                       after3.etag()),
              IsOk());
  EXPECT_EQ(done.status(), av1::Action::STATUS_DONE);
  EXPECT_EQ(done.completion_note(), "Pathway audited and fixed");

  av1::Action read = MustGet(action.name());
  ASSERT_EQ(read.progress_updates_size(), 4);
  const auto& u = read.progress_updates();
  EXPECT_EQ(u[0].note(), "Scoped the work");
  EXPECT_EQ(u[0].author(), police_respondent_.principal);
  EXPECT_TRUE(u[0].evidence().empty());
  EXPECT_EQ(u[0].status(), av1::Action::STATUS_PLANNED);
  EXPECT_EQ(u[1].note(), "Work started");
  EXPECT_EQ(u[1].author(), police_owner_.principal);
  EXPECT_EQ(u[1].evidence(), "https://intranet.example/plan.pdf");
  EXPECT_EQ(u[1].status(), av1::Action::STATUS_IN_PROGRESS);
  EXPECT_EQ(u[2].note(), "Half way");
  EXPECT_EQ(u[2].author(), admin_.principal);
  EXPECT_EQ(u[3].note(), "Pathway audited and fixed");
  EXPECT_EQ(u[3].evidence(), "DOC-42");
  EXPECT_EQ(u[3].status(), av1::Action::STATUS_DONE);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(u[i].has_time()) << i;
  for (int i = 1; i < 4; ++i) {
    EXPECT_LE(absl::Seconds(u[i - 1].time().seconds()) + absl::Nanoseconds(u[i - 1].time().nanos()),
              absl::Seconds(u[i].time().seconds()) + absl::Nanoseconds(u[i].time().nanos()))
        << i;
  }
  // Each earlier update is exactly as it was when appended.
  EXPECT_TRUE(MessageDifferencer::Equals(u[0], after1.progress_updates(0)));
  EXPECT_TRUE(MessageDifferencer::Equals(u[0], after3.progress_updates(0)));
  EXPECT_TRUE(MessageDifferencer::Equals(u[1], after2.progress_updates(1)));
  EXPECT_TRUE(MessageDifferencer::Equals(u[2], after3.progress_updates(2)));
}

TEST_F(ActionServiceTest, TheOwnerOrganisationReportsProgressOthersAreRefused) {
  av1::Action police = MustCreate(admin_, Plan("s5", {"s5.q1"}, "police", "2026-09-30"));
  av1::Action education = MustCreate(admin_, Plan("s5", {"s5.q2"}, "education", "2026-09-30"));
  av1::Action out;
  EXPECT_THAT(Progress(police_respondent_, police.name(), "ok", &out), IsOk());
  EXPECT_THAT(Progress(police_owner_, police.name(), "ok", &out), IsOk());
  EXPECT_THAT(Progress(scrutineer_, police.name(), "ok", &out), IsOk());
  EXPECT_THAT(Progress(education_respondent_, education.name(), "ok", &out), IsOk());
  for (const User* who : {&health_respondent_, &la_respondent_, &education_respondent_, &viewer_}) {
    EXPECT_THAT(Progress(*who, police.name(), "not mine", &out), StatusIs(Code::kPermissionDenied))
        << who->principal;
    EXPECT_THAT(Complete(*who, police.name(), "not mine", &out), StatusIs(Code::kPermissionDenied))
        << who->principal;
  }
  // The police action owner is not the education's.
  EXPECT_THAT(Progress(police_owner_, education.name(), "not mine", &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Progress(outsider_, police.name(), "hello", &out), StatusIs(Code::kNotFound));
  EXPECT_THAT(Complete(outsider_, police.name(), "hello", &out), StatusIs(Code::kNotFound));
  EXPECT_THAT(Cancel(outsider_, police.name(), "hello", &out), StatusIs(Code::kNotFound));
  // Cancelling is planning: not for the owner organisation.
  EXPECT_THAT(Cancel(police_owner_, police.name(), "we would rather not", &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Cancel(police_respondent_, police.name(), "we would rather not", &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Cancel(viewer_, police.name(), "we would rather not", &out),
              StatusIs(Code::kPermissionDenied));
  EXPECT_THAT(Progress(admin_, "actions/missing", "x", &out), StatusIs(Code::kNotFound));
  EXPECT_THAT(MustGet(police.name()).progress_updates(), SizeIs(3));
  EXPECT_EQ(MustGet(police.name()).status(), av1::Action::STATUS_PLANNED);
}

TEST_F(ActionServiceTest, CompletionNeedsANoteAndCancellationAReason) {
  av1::Action action = MustCreate(admin_, Plan("s6", {"s6.q1"}, "police", "2026-09-30"));
  av1::Action out;
  EXPECT_THAT(Complete(police_owner_, action.name(), "", &out),
              StatusIs(Code::kInvalidArgument, "completion_note"));
  EXPECT_THAT(Complete(police_owner_, action.name(), "   ", &out),
              StatusIs(Code::kInvalidArgument, "completion_note"));
  EXPECT_THAT(Cancel(admin_, action.name(), "", &out), StatusIs(Code::kInvalidArgument, "reason"));
  EXPECT_THAT(Cancel(admin_, action.name(), " ", &out), StatusIs(Code::kInvalidArgument, "reason"));
  EXPECT_THAT(Progress(police_owner_, action.name(), "", &out),
              StatusIs(Code::kInvalidArgument, "note"));
  av1::Action read = MustGet(action.name());
  EXPECT_EQ(read.status(), av1::Action::STATUS_PLANNED);
  EXPECT_THAT(read.progress_updates(), IsEmpty());

  av1::Action cancelled;
  ASSERT_THAT(Cancel(scrutineer_, action.name(), "Superseded by the new pathway", &cancelled),
              IsOk());
  EXPECT_EQ(cancelled.status(), av1::Action::STATUS_CANCELLED);
  EXPECT_EQ(cancelled.cancel_reason(), "Superseded by the new pathway");
  ASSERT_EQ(cancelled.progress_updates_size(), 1);
  EXPECT_EQ(cancelled.progress_updates(0).status(), av1::Action::STATUS_CANCELLED);
  EXPECT_EQ(cancelled.progress_updates(0).author(), scrutineer_.principal);
}

TEST_F(ActionServiceTest, DoneAndCancelledActionsNoLongerChange) {
  av1::Action done = MustCreate(admin_, Plan("s6", {"s6.q1"}, "police", "2026-09-30"));
  av1::Action cancelled = MustCreate(admin_, Plan("s6", {"s6.q2"}, "police", "2026-09-30"));
  av1::Action out;
  ASSERT_THAT(Complete(police_owner_, done.name(), "Finished", &done), IsOk());
  ASSERT_THAT(Cancel(admin_, cancelled.name(), "Not needed", &cancelled), IsOk());
  for (const av1::Action& closed : {done, cancelled}) {
    SCOPED_TRACE(av1::Action::Status_Name(closed.status()));
    av1::Action change = closed;
    change.set_due_date("2027-01-31");
    EXPECT_THAT(Update(admin_, change, {"due_date"}, &out), StatusIs(Code::kFailedPrecondition));
    EXPECT_THAT(Progress(admin_, closed.name(), "more", &out), StatusIs(Code::kFailedPrecondition));
    EXPECT_THAT(Progress(police_owner_, closed.name(), "more", &out, true),
                StatusIs(Code::kFailedPrecondition));
    EXPECT_THAT(Complete(admin_, closed.name(), "again", &out),
                StatusIs(Code::kFailedPrecondition));
    EXPECT_THAT(Cancel(admin_, closed.name(), "again", &out), StatusIs(Code::kFailedPrecondition));
    av1::Action read = MustGet(closed.name());
    EXPECT_TRUE(MessageDifferencer::Equals(read, closed)) << read.DebugString() << "\nvs\n"
                                                          << closed.DebugString();
  }
}

// Issue #13 finding 16: an update, completion or cancellation without the etag it is based
// on would overwrite changes the caller never saw; each is refused and changes nothing.
TEST_F(ActionServiceTest, ABlindWriteWithoutAnEtagIsRefused) {
  av1::Action action = MustCreate(admin_, Plan("s4", {"s4.q2"}, "police", "2026-09-30"));
  av1::Action out;
  av1::Action blind = action;
  blind.clear_etag();
  blind.set_description("Overwritten without reading");
  EXPECT_THAT(Update(admin_, blind, {"description"}, &out),
              StatusIs(Code::kInvalidArgument, "action.etag"));
  EXPECT_THAT(Complete(police_owner_, action.name(), "Done", &out, "", std::string()),
              StatusIs(Code::kInvalidArgument, "etag"));
  EXPECT_THAT(Cancel(admin_, action.name(), "No", &out, std::string()),
              StatusIs(Code::kInvalidArgument, "etag"));
  av1::Action read = MustGet(action.name());
  EXPECT_EQ(read.etag(), action.etag());
  EXPECT_EQ(read.description(), action.description());
  EXPECT_EQ(read.status(), av1::Action::STATUS_PLANNED);
}

TEST_F(ActionServiceTest, AStaleEtagIsAborted) {
  av1::Action action = MustCreate(admin_, Plan("s4", {"s4.q2"}, "police", "2026-09-30"));
  const std::string first = action.etag();
  av1::Action moved, out;
  ASSERT_THAT(Progress(police_owner_, action.name(), "First note", &moved, false, "", first),
              IsOk());
  EXPECT_NE(moved.etag(), first);
  EXPECT_THAT(Progress(police_owner_, action.name(), "Second", &out, false, "", first),
              StatusIs(Code::kAborted));
  EXPECT_THAT(Complete(police_owner_, action.name(), "Done", &out, "", first),
              StatusIs(Code::kAborted));
  EXPECT_THAT(Cancel(admin_, action.name(), "No", &out, first), StatusIs(Code::kAborted));
  av1::Action read = MustGet(action.name());
  EXPECT_EQ(read.etag(), moved.etag());
  EXPECT_EQ(read.status(), av1::Action::STATUS_PLANNED);
  EXPECT_THAT(read.progress_updates(), SizeIs(1));
  // With the current etag it goes through.
  EXPECT_THAT(Complete(police_owner_, action.name(), "Done", &out, "", moved.etag()), IsOk());
}

// ---- Progress notes are bounded (issue 13) ----

namespace caps = ::sixsteps::assessment;

class ProgressNotesTest : public ActionServiceTest {
 protected:
  grpc::Status ListNotes(const User& as, const std::string& name, int page_size,
                         const std::string& page_token,
                         av1::ListProgressUpdatesResponse* response) {
    grpc::ClientContext context;
    if (!as.token.empty()) Authorize(context, as.token);
    av1::ListProgressUpdatesRequest request;
    request.set_name(name);
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    return actions_->ListProgressUpdates(&context, request, response);
  }

  // Every note, page by page, as `as`.
  std::vector<av1::ProgressUpdate> AllNotes(const User& as, const std::string& name, int page_size,
                                            int* pages = nullptr) {
    std::vector<av1::ProgressUpdate> notes;
    std::string token;
    int count = 0;
    for (; count < 1000; ++count) {
      av1::ListProgressUpdatesResponse response;
      EXPECT_THAT(ListNotes(as, name, page_size, token, &response), IsOk());
      for (const auto& note : response.progress_updates()) notes.push_back(note);
      token = response.next_page_token();
      if (token.empty()) break;
    }
    if (pages != nullptr) *pages = count + 1;
    return notes;
  }

  // The action's stored record, read and written behind the service's back, as a replica
  // of the previous release (which kept every note in the record) would.
  av1::Action StoredRecord(const std::string& name) {
    pqxx::connection connection(hub_->assessment_database_url());
    pqxx::work txn(connection);
    pqxx::result rows = txn.exec_params("SELECT record FROM actions WHERE action_id = $1",
                                        name.substr(name.find('/') + 1));
    av1::Action record;
    EXPECT_EQ(rows.size(), 1u);
    if (!rows.empty()) EXPECT_TRUE(record.ParseFromString(pqxx::binarystring(rows[0][0]).str()));
    return record;
  }
  void StoreRecord(const av1::Action& record) {
    pqxx::connection connection(hub_->assessment_database_url());
    pqxx::work txn(connection);
    txn.exec_params(
        "UPDATE actions SET record = $2, row_version = row_version + 1 "
        "WHERE action_id = $1",
        record.name().substr(record.name().find('/') + 1),
        pqxx::binarystring(record.SerializeAsString()));
    txn.commit();
  }
  int NoteRows(const std::string& name) {
    pqxx::connection connection(hub_->assessment_database_url());
    pqxx::work txn(connection);
    return txn
        .exec_params("SELECT count(*) FROM action_progress_updates WHERE action_id = $1",
                     name.substr(name.find('/') + 1))[0][0]
        .as<int>();
  }
};

// The attack of issue 13: an action owner appends notes in a loop. It is refused at the
// cap, early, and the action, its feed changes and its revisions stay small.
TEST_F(ProgressNotesTest, AHundredThousandNoteLoopStopsAtTheCapAndTheActionStaysSmall) {
  av1::Action action = MustCreate(admin_, Plan("s5", {"s5.q1"}, "police", "2026-09-30"));
  const int64_t head = FeedHead();
  int accepted = 0;
  grpc::Status refused;
  for (int i = 0; i < 100000; ++i) {
    av1::Action updated;
    grpc::Status status =
        Progress(police_owner_, action.name(), absl::StrCat("Progress note ", i + 1), &updated);
    if (!status.ok()) {
      refused = status;
      break;
    }
    ++accepted;
    ASSERT_LE(updated.progress_updates_size(), caps::kLatestProgressUpdatesKept);
  }
  EXPECT_EQ(accepted, caps::kMaxProgressUpdatesPerAction);
  EXPECT_THAT(refused,
              StatusIs(Code::kResourceExhausted, absl::StrCat(caps::kMaxProgressUpdatesPerAction)));
  // Whoever tries again is refused the same way, and nothing changes.
  for (int i = 0; i < 20; ++i) {
    av1::Action out;
    EXPECT_THAT(Progress(admin_, action.name(), "one more", &out),
                StatusIs(Code::kResourceExhausted));
  }
  EXPECT_EQ(NoteRows(action.name()), caps::kMaxProgressUpdatesPerAction);

  // The action carries its latest notes and the count, not the whole history.
  av1::Action read = MustGet(action.name());
  EXPECT_EQ(read.progress_update_count(), caps::kMaxProgressUpdatesPerAction);
  ASSERT_EQ(read.progress_updates_size(), caps::kLatestProgressUpdatesKept);
  EXPECT_EQ(read.progress_updates(4).note(), "Progress note 200");
  EXPECT_EQ(read.progress_updates(4).number(), 200);
  EXPECT_EQ(read.progress_updates(0).number(), 196);
  EXPECT_LT(read.ByteSizeLong(), 4096u);
  av1::ListActionsRequest list;
  list.set_assessment(round_.name());
  av1::ListActionsResponse listed;
  ASSERT_THAT(List(viewer_, list, &listed), IsOk());
  ASSERT_THAT(listed.actions(), SizeIs(1));
  EXPECT_EQ(listed.actions(0).progress_updates_size(), caps::kLatestProgressUpdatesKept);
  EXPECT_LT(listed.ByteSizeLong(), 4096u);

  // One feed change per accepted note, each small: no change carries the history.
  std::vector<asv1::Change> changes = ChangesAfter(head);
  ASSERT_THAT(changes, SizeIs(caps::kMaxProgressUpdatesPerAction));
  size_t feed_bytes = 0;
  for (const asv1::Change& change : changes) {
    EXPECT_LE(change.action().progress_updates_size(), caps::kLatestProgressUpdatesKept);
    EXPECT_LT(change.ByteSizeLong(), 4096u);
    feed_bytes += change.ByteSizeLong();
  }
  // Linear in the notes, not quadratic.
  EXPECT_LT(feed_bytes, 200u * 4096u);
  // Each revision of the action (kept in its table, read by no RPC) is as small.
  {
    pqxx::connection connection(hub_->assessment_database_url());
    pqxx::work txn(connection);
    pqxx::result rows = txn.exec_params(
        "SELECT count(*), max(octet_length(record)) FROM revisions WHERE record_name = $1",
        action.name());
    EXPECT_EQ(rows[0][0].as<int>(), caps::kMaxProgressUpdatesPerAction + 1);
    EXPECT_LT(rows[0][1].as<int>(), 4096);
  }

  // Every note is still there, in order, page by page.
  int pages = 0;
  std::vector<av1::ProgressUpdate> all = AllNotes(viewer_, action.name(), 50, &pages);
  ASSERT_THAT(all, SizeIs(caps::kMaxProgressUpdatesPerAction));
  EXPECT_EQ(pages, 4);
  for (int i = 0; i < static_cast<int>(all.size()); ++i) {
    EXPECT_EQ(all[i].number(), i + 1);
    EXPECT_EQ(all[i].note(), absl::StrCat("Progress note ", i + 1));
    EXPECT_EQ(all[i].author(), police_owner_.principal);
  }

  // The note that closes the action is still accepted: a full action can be completed.
  av1::Action done;
  ASSERT_THAT(Complete(police_owner_, action.name(), "Finished", &done), IsOk());
  EXPECT_EQ(done.status(), av1::Action::STATUS_DONE);
  EXPECT_EQ(done.progress_update_count(), caps::kMaxProgressUpdatesPerAction + 1);
  EXPECT_EQ(done.progress_updates(caps::kLatestProgressUpdatesKept - 1).note(), "Finished");
}

TEST_F(ProgressNotesTest, NoteTextIsCappedPerNoteAndPerAction) {
  av1::Action action = MustCreate(admin_, Plan("s2", {"s2.q1"}, "police", "2026-09-30"));
  av1::Action out;
  EXPECT_THAT(Progress(police_owner_, action.name(),
                       std::string(caps::kMaxProgressNoteLength + 1, 'x'), &out),
              StatusIs(Code::kInvalidArgument, "note"));
  EXPECT_EQ(MustGet(action.name()).progress_update_count(), 0);

  // Long notes with long evidence: the bytes per action run out before the count does.
  const std::string note(caps::kMaxProgressNoteLength, 'n');
  const std::string evidence(2000, 'e');
  const int64_t per_note = static_cast<int64_t>(note.size() + evidence.size());
  int accepted = 0;
  grpc::Status refused;
  for (int i = 0; i < caps::kMaxProgressUpdatesPerAction; ++i) {
    grpc::Status status = Progress(police_owner_, action.name(), note, &out, false, evidence);
    if (!status.ok()) {
      refused = status;
      break;
    }
    ++accepted;
  }
  EXPECT_THAT(refused, StatusIs(Code::kResourceExhausted, "bytes"));
  EXPECT_EQ(accepted, caps::kMaxProgressBytesPerAction / per_note);
  EXPECT_EQ(MustGet(action.name()).progress_update_count(), accepted);
  // A short note still fits where a long one did not.
  EXPECT_THAT(Progress(police_owner_, action.name(), "short", &out), IsOk());
  av1::Action done;
  EXPECT_THAT(Complete(police_owner_, action.name(), std::string(5000, 'c'), &done), IsOk());
}

TEST_F(ProgressNotesTest, EveryoneWhoReadsTheActionListsItsNotesOthersGetNotFound) {
  av1::Action action = MustCreate(admin_, Plan("s3", {"s3.q1"}, "police", "2026-09-30"));
  av1::Action out;
  for (int i = 1; i <= 7; ++i) {
    ASSERT_THAT(Progress(police_respondent_, action.name(), absl::StrCat("n", i), &out), IsOk());
  }
  for (const User* who : {&viewer_, &police_owner_, &health_respondent_, &admin_, &admin_hub_}) {
    std::vector<av1::ProgressUpdate> notes = AllNotes(*who, action.name(), 3);
    ASSERT_THAT(notes, SizeIs(7));
    for (int i = 0; i < 7; ++i) EXPECT_EQ(notes[i].note(), absl::StrCat("n", i + 1));
  }
  av1::ListProgressUpdatesResponse page;
  ASSERT_THAT(ListNotes(viewer_, action.name(), 3, "", &page), IsOk());
  EXPECT_EQ(page.total_count(), 7);
  EXPECT_THAT(page.progress_updates(), SizeIs(3));
  EXPECT_THAT(ListNotes(outsider_, action.name(), 3, "", &page), StatusIs(Code::kNotFound));
  EXPECT_THAT(ListNotes(User{}, action.name(), 3, "", &page), StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(ListNotes(viewer_, "actions/act-nosuch", 3, "", &page), StatusIs(Code::kNotFound));
  EXPECT_THAT(ListNotes(viewer_, "action/x", 3, "", &page),
              StatusIs(Code::kInvalidArgument, "name"));
  EXPECT_THAT(ListNotes(viewer_, action.name(), -1, "", &page), StatusIs(Code::kInvalidArgument));
  // A token is for the action it was issued for.
  av1::Action other = MustCreate(admin_, Plan("s3", {"s3.q2"}, "police", "2026-09-30"));
  ASSERT_THAT(ListNotes(viewer_, action.name(), 3, "", &page), IsOk());
  ASSERT_FALSE(page.next_page_token().empty());
  EXPECT_THAT(ListNotes(viewer_, other.name(), 3, page.next_page_token(), &page),
              StatusIs(Code::kInvalidArgument, "page_token"));
}

// A record of the previous release keeps every note inside it; so does a note a replica of
// that release appends during a rolling upgrade. Both stay readable, and the next write
// stores them as rows.
TEST_F(ProgressNotesTest, NotesOfRecordsWrittenBeforeNotesWereRowsStayReadable) {
  av1::Action action = MustCreate(admin_, Plan("s4", {"s4.q1"}, "police", "2026-09-30"));
  av1::Action legacy = StoredRecord(action.name());
  ASSERT_EQ(legacy.progress_update_count(), 0);
  for (int i = 1; i <= 12; ++i) {
    av1::ProgressUpdate* update = legacy.add_progress_updates();
    update->set_note(absl::StrCat("old ", i));
    update->set_author(police_owner_.principal);
    update->set_status(av1::Action::STATUS_PLANNED);
  }
  StoreRecord(legacy);

  av1::Action read = MustGet(action.name());
  EXPECT_EQ(read.progress_update_count(), 12);
  ASSERT_EQ(read.progress_updates_size(), caps::kLatestProgressUpdatesKept);
  EXPECT_EQ(read.progress_updates(0).note(), "old 8");
  EXPECT_EQ(read.progress_updates(0).number(), 8);
  std::vector<av1::ProgressUpdate> notes = AllNotes(viewer_, action.name(), 5);
  ASSERT_THAT(notes, SizeIs(12));
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(notes[i].note(), absl::StrCat("old ", i + 1));
    EXPECT_EQ(notes[i].number(), i + 1);
  }

  // The next note stores the old ones as rows first.
  av1::Action updated;
  ASSERT_THAT(Progress(police_owner_, action.name(), "new 13", &updated), IsOk());
  EXPECT_EQ(updated.progress_update_count(), 13);
  EXPECT_EQ(NoteRows(action.name()), 13);
  EXPECT_EQ(StoredRecord(action.name()).progress_updates_size(), caps::kLatestProgressUpdatesKept);

  // An older replica appends a note to the record (and not as a row).
  av1::Action stored = StoredRecord(action.name());
  av1::ProgressUpdate* appended = stored.add_progress_updates();
  appended->set_note("from an old replica");
  appended->set_author(police_owner_.principal);
  StoreRecord(stored);
  read = MustGet(action.name());
  EXPECT_EQ(read.progress_update_count(), 14);
  EXPECT_EQ(read.progress_updates(caps::kLatestProgressUpdatesKept - 1).note(),
            "from an old replica");
  notes = AllNotes(viewer_, action.name(), 200);
  ASSERT_THAT(notes, SizeIs(14));
  EXPECT_EQ(notes[12].note(), "new 13");
  EXPECT_EQ(notes[13].note(), "from an old replica");
  EXPECT_EQ(notes[13].number(), 14);
  ASSERT_THAT(Progress(police_owner_, action.name(), "new 15", &updated), IsOk());
  EXPECT_EQ(updated.progress_update_count(), 15);
  EXPECT_EQ(NoteRows(action.name()), 15);
  notes = AllNotes(viewer_, action.name(), 200);
  ASSERT_THAT(notes, SizeIs(15));
  EXPECT_EQ(notes[13].note(), "from an old replica");
  EXPECT_EQ(notes[14].note(), "new 15");
}

}  // namespace
}  // namespace sixsteps::testing::action_test
