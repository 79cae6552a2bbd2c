// The assessment service end to end: the change feed (ListChanges and WatchChanges).
#include "tests/integration/assessment_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

// ---------------------------------------------------------------------------------------
// The change feed.

// A WatchChanges stream of `token`'s holder from after `after`, on `context` (which must
// outlive it), open for at most a minute.
std::unique_ptr<grpc::ClientReader<av1::WatchChangesResponse>> Watch(AStub& stub,
                                                                     grpc::ClientContext& context,
                                                                     const std::string& token,
                                                                     int64_t after) {
  Authorize(context, token);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  av1::WatchChangesRequest request;
  request.set_after_sequence(after);
  return stub.WatchChanges(&context, request);
}

TEST_F(AssessmentServiceTest, ListChangesIsOrderedGapFreeAndScopedToWhatTheCallerSees) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  for (const auto& q : {"s1.q1", "s1.q2", "s1.q3"}) {
    MustUpsert(respondent_[kLa], GoodAnswer(ResponseOf(la, q), fv1::RATING_GREEN));
  }
  av1::ContextAnswer context;
  ASSERT_THAT(SetContext(admin_, round, "c3", "Text", "", &context), IsOk());
  MustSubmit(round);

  std::vector<av1::Change> changes = AllChanges(admin_);
  ASSERT_EQ(changes.size(), 7u);
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].sequence(), static_cast<int64_t>(i) + 1);
    EXPECT_EQ(changes[i].partnership(), kPartnership);
    EXPECT_EQ(changes[i].assessment(), round.name());
  }
  EXPECT_EQ(changes[0].kind(), av1::CHANGE_KIND_ASSESSMENT_CREATED);
  EXPECT_EQ(changes[1].kind(), av1::CHANGE_KIND_RESPONDENT_ADDED);
  EXPECT_EQ(changes[2].kind(), av1::CHANGE_KIND_RESPONSE_CHANGED);
  EXPECT_EQ(changes[5].kind(), av1::CHANGE_KIND_CONTEXT_ANSWER_CHANGED);
  EXPECT_EQ(changes[6].kind(), av1::CHANGE_KIND_ASSESSMENT_STATE_CHANGED);
  EXPECT_EQ(changes[6].assessment_record().state(), av1::Assessment::STATE_IN_REVIEW);

  // The same for anyone of the partnership and the region's hub administrator.
  for (const std::string& token : {respondent_[kSchool], hub_admin_, scrutineer_}) {
    std::vector<av1::Change> theirs = AllChanges(token);
    ASSERT_EQ(theirs.size(), changes.size());
    for (size_t i = 0; i < theirs.size(); ++i) {
      EXPECT_TRUE(MessageDifferencer::Equals(theirs[i], changes[i]));
    }
  }
  // Nothing for the outsider, whose cursor stays where it was: it does not count other
  // partnerships' writes.
  int64_t outsider_head = 0;
  EXPECT_THAT(AllChanges(outsider_, 0, "", &outsider_head), IsEmpty());
  EXPECT_EQ(outsider_head, 0);
  EXPECT_THAT(AllChanges(outsider_, 0, kPartnership), IsEmpty());
  // A partnership filter.
  EXPECT_THAT(AllChanges(admin_, 0, kOtherPartnership), IsEmpty());
  EXPECT_THAT(AllChanges(admin_, 0, kPartnership), SizeIs(7));
  // After a sequence.
  std::vector<av1::Change> tail = AllChanges(admin_, 5);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].sequence(), 6);

  av1::ListChangesRequest negative;
  negative.set_after_sequence(-1);
  av1::ListChangesResponse out;
  EXPECT_THAT(Call(&AStub::ListChanges, admin_, negative, &out), StatusIs(Code::kInvalidArgument));
}

// A batch writes its feed entries and its revisions in one statement (issue 18, writes):
// the entries are consecutive and in the request's order, each carries its own record,
// and every response has its revision; a second batch follows with later numbers.
TEST_F(AssessmentServiceTest, ABatchsEntriesAreConsecutiveInRequestOrderWithTheirRevisions) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const int64_t before = FeedHead();
  // Not in the framework's order, so that the feed's order can only be the request's.
  const std::vector<std::string> questions = {"s2.q1", "s1.q3", "s1.q1", "s3.q2"};
  for (fv1::Rating rating : {fv1::RATING_AMBER, fv1::RATING_GREEN}) {
    std::vector<av1::Response> answers;
    for (const std::string& q : questions) {
      av1::Response answer = GoodAnswer(ResponseOf(la, q), rating);
      if (rating == fv1::RATING_GREEN) answer.set_etag(GetResponse(answer.name()).etag());
      answers.push_back(answer);
    }
    av1::BatchUpsertResponsesResponse written;
    ASSERT_THAT(Batch(respondent_[kLa], round, answers, &written), IsOk());
  }
  std::vector<av1::Change> changes = AllChanges(admin_, before);
  ASSERT_EQ(changes.size(), 2 * questions.size());
  for (size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].sequence(), before + static_cast<int64_t>(i) + 1);
    EXPECT_EQ(changes[i].kind(), av1::CHANGE_KIND_RESPONSE_CHANGED);
    EXPECT_EQ(changes[i].response().name(), ResponseOf(la, questions[i % questions.size()]));
    EXPECT_EQ(changes[i].response().rating(),
              i < questions.size() ? fv1::RATING_AMBER : fv1::RATING_GREEN);
  }
  for (const std::string& q : questions) {
    std::vector<av1::Revision> history = Revisions(ResponseOf(la, q));
    ASSERT_EQ(history.size(), 2u) << q;
    EXPECT_EQ(history[0].action(), "created");
    EXPECT_EQ(history[0].response().rating(), fv1::RATING_AMBER);
    EXPECT_EQ(history[1].action(), "updated");
    EXPECT_EQ(history[1].response().rating(), fv1::RATING_GREEN);
  }
}

TEST_F(AssessmentServiceTest, WatchChangesDeliversEveryChangeExactlyOnceInOrderAcrossAReconnect) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::vector<std::string> questions = AllQuestions();
  size_t next_question = 0;
  auto write = [&](int n) {
    for (int i = 0; i < n; ++i) {
      MustUpsert(respondent_[kLa],
                 GoodAnswer(ResponseOf(la, questions[next_question++]), fv1::RATING_GREEN));
    }
  };
  write(4);  // 6 changes committed before anyone watches

  std::mutex mu;
  std::vector<av1::Change> received;
  auto count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return received.size();
  };
  // Waits, within a bound, until `n` changes have arrived.
  auto wait_for = [&](size_t n) {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (count() < n && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
    return count() >= n;
  };

  // First connection: catches up on the 6, follows live ones, stops after 9.
  constexpr size_t kFirstStop = 9;
  grpc::Status first_status;
  std::thread first([&] {
    grpc::ClientContext context;
    auto reader = Watch(*stub_, context, admin_, 0);
    av1::WatchChangesResponse message;
    while (reader->Read(&message)) {
      std::lock_guard<std::mutex> lock(mu);
      received.push_back(message.change());
      if (received.size() == kFirstStop) break;
    }
    context.TryCancel();
    first_status = reader->Finish();
  });
  ASSERT_TRUE(wait_for(6));
  write(5);  // live: the first stream takes 3 of these, then goes away
  first.join();
  ASSERT_EQ(count(), kFirstStop);
  EXPECT_THAT(first_status, StatusIs(Code::kCancelled));

  write(4);  // while nobody watches
  const int64_t last_seen = received.back().sequence();

  // Second connection, from the last sequence received.
  const int64_t head = FeedHead();
  ASSERT_EQ(head, 2 + 4 + 5 + 4);
  {
    grpc::ClientContext context;
    auto reader = Watch(*stub_, context, admin_, last_seen);
    av1::WatchChangesResponse message;
    bool live_written = false;
    while (reader->Read(&message)) {
      received.push_back(message.change());
      if (!live_written && received.back().sequence() == head) {
        write(2);  // and two more, live, on the second connection
        live_written = true;
      }
      if (received.back().sequence() >= head + 2) break;
    }
    context.TryCancel();
    reader->Finish();
  }

  // Exactly every sequence once, in order, no gaps, and equal to ListChanges from 0.
  std::vector<av1::Change> listed = AllChanges(admin_);
  ASSERT_EQ(listed.size(), static_cast<size_t>(head + 2));
  ASSERT_EQ(received.size(), listed.size());
  for (size_t i = 0; i < received.size(); ++i) {
    EXPECT_EQ(received[i].sequence(), static_cast<int64_t>(i) + 1);
    EXPECT_TRUE(MessageDifferencer::Equals(received[i], listed[i]))
        << received[i].ShortDebugString() << "\nvs\n"
        << listed[i].ShortDebugString();
  }

  // The viewer of another partnership sees none of it: the first change their watch
  // delivers is one of their own partnership, committed after all of the above.
  grpc::ClientContext context;
  auto reader = Watch(*stub_, context, outsider_, 0);
  av1::CreateAssessmentRequest theirs = NewRound(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, "Plymouth");
  theirs.mutable_assessment()->set_partnership(kOtherPartnership);
  av1::Assessment plymouth = Must(&AStub::CreateAssessment, hub_->admin_token(), theirs);
  av1::WatchChangesResponse message;
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_EQ(message.change().partnership(), kOtherPartnership);
  EXPECT_EQ(message.change().assessment(), plymouth.name());
  EXPECT_EQ(message.change().sequence(), head + 3);
  context.TryCancel();
  reader->Finish();
  EXPECT_THAT(AllChanges(outsider_), SizeIs(1));
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
