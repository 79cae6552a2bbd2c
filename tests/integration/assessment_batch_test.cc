// BatchUpsertResponses in O(1) statements (issue 18, session 21): the store reads every
// item's respondent and response with the round in one call (responses_write_reads, V014)
// and writes every response, revision and feed entry in one statement. The rules of the
// batch are those of N single upserts in one transaction: all or nothing, each item's etag,
// the same etags, revisions and feed entries; key locks in a fixed order (no deadlock between
// batches in opposite orders); and a caller who may not see the round locks nothing of it.
#include <pqxx/pqxx>
#include <thread>

#include "tests/integration/assessment_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

// Every answer of `respondent`, in question order, with `etags` (by question) if given.
std::vector<av1::Response> AllAnswers(const av1::Respondent& respondent, fv1::Rating rating,
                                      const std::map<std::string, std::string>& etags = {}) {
  std::vector<av1::Response> answers;
  for (const std::string& question : AllQuestions()) {
    av1::Response answer = GoodAnswer(ResponseOf(respondent, question), rating);
    auto etag = etags.find(question);
    if (etag != etags.end()) answer.set_etag(etag->second);
    answers.push_back(std::move(answer));
  }
  return answers;
}

std::map<std::string, std::string> EtagsOf(const std::vector<av1::Response>& responses) {
  std::map<std::string, std::string> etags;
  for (const av1::Response& r : responses) etags[r.question_id()] = r.etag();
  return etags;
}

TEST_F(AssessmentServiceTest, BatchWithOneStaleEtagWritesNothing) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::string token = respondent_[kLa];
  av1::BatchUpsertResponsesResponse first;
  ASSERT_THAT(Batch(token, round, AllAnswers(la, fv1::RATING_GREEN), &first), IsOk());
  std::map<std::string, std::string> etags =
      EtagsOf({first.responses().begin(), first.responses().end()});
  // s3.q2 changes after the client read it: its etag in the batch below is stale.
  av1::Response changed = GoodAnswer(ResponseOf(la, "s3.q2"), fv1::RATING_RED);
  changed.set_etag(etags["s3.q2"]);
  MustUpsert(token, changed);

  const std::string before = Fingerprint(round);
  av1::BatchUpsertResponsesResponse out;
  EXPECT_THAT(Batch(token, round, AllAnswers(la, fv1::RATING_AMBER, etags), &out),
              StatusIs(Code::kAborted, ResponseOf(la, "s3.q2")));
  EXPECT_EQ(Fingerprint(round), before);
}

TEST_F(AssessmentServiceTest, BatchWithOneInvalidItemWritesNothing) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::string token = respondent_[kLa];
  av1::BatchUpsertResponsesResponse first;
  ASSERT_THAT(Batch(token, round, AllAnswers(la, fv1::RATING_GREEN), &first), IsOk());
  std::vector<av1::Response> answers = AllAnswers(
      la, fv1::RATING_AMBER, EtagsOf({first.responses().begin(), first.responses().end()}));
  answers[17].set_rating(static_cast<fv1::Rating>(97));

  const std::string before = Fingerprint(round);
  av1::BatchUpsertResponsesResponse out;
  EXPECT_THAT(Batch(token, round, answers, &out),
              StatusIs(Code::kInvalidArgument, "requests[17].response.rating"));
  // A name that does not parse, after valid items.
  answers[17].set_rating(fv1::RATING_AMBER);
  answers[20].set_name(absl::StrCat(round.name(), "/respondents/"));
  EXPECT_THAT(Batch(token, round, answers, &out),
              StatusIs(Code::kInvalidArgument, "requests[20].response.name"));
  EXPECT_EQ(Fingerprint(round), before);
}

TEST_F(AssessmentServiceTest, BatchGivesTheEtagsRevisionsAndFeedEntriesOfSingleUpserts) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  av1::Respondent health = MustAddOrg(round, kHealth);
  const int64_t head = FeedHead();

  // The local authority writes its answers twice in batches, health twice one by one.
  std::vector<std::vector<av1::Response>> batched(2), single(2);
  std::map<std::string, std::string> la_etags, health_etags;
  for (int pass = 0; pass < 2; ++pass) {
    const fv1::Rating rating = pass == 0 ? fv1::RATING_GREEN : fv1::RATING_AMBER;
    av1::BatchUpsertResponsesResponse out;
    ASSERT_THAT(Batch(respondent_[kLa], round, AllAnswers(la, rating, la_etags), &out), IsOk());
    batched[pass] = {out.responses().begin(), out.responses().end()};
    la_etags = EtagsOf(batched[pass]);
    for (const av1::Response& answer : AllAnswers(health, rating, health_etags)) {
      single[pass].push_back(MustUpsert(respondent_[kHealth], answer));
    }
    health_etags = EtagsOf(single[pass]);
  }

  for (int pass = 0; pass < 2; ++pass) {
    ASSERT_EQ(batched[pass].size(), single[pass].size());
    for (size_t i = 0; i < batched[pass].size(); ++i) {
      const av1::Response& b = batched[pass][i];
      const av1::Response& s = single[pass][i];
      EXPECT_EQ(b.question_id(), s.question_id());
      EXPECT_EQ(b.etag(), s.etag()) << b.name();
      EXPECT_EQ(b.etag(), std::to_string(pass + 1)) << b.name();
      EXPECT_EQ(b.rating(), s.rating());
      // What GetResponse reads back is what the batch returned.
      if (pass == 1) {
        EXPECT_TRUE(MessageDifferencer::Equals(GetResponse(b.name()), b)) << b.name();
      }
    }
  }
  // The same revisions: one per write, numbered as its etag, with the same actions.
  for (const std::string& question : AllQuestions()) {
    std::vector<av1::Revision> b = Revisions(ResponseOf(la, question));
    std::vector<av1::Revision> s = Revisions(ResponseOf(health, question));
    ASSERT_EQ(b.size(), 2u) << question;
    ASSERT_EQ(s.size(), 2u) << question;
    for (size_t i = 0; i < b.size(); ++i) {
      EXPECT_EQ(b[i].revision(), s[i].revision());
      EXPECT_EQ(std::to_string(b[i].revision()), b[i].response().etag());
      EXPECT_EQ(b[i].action(), s[i].action());
      EXPECT_EQ(b[i].response().question_id(), question);
    }
  }
  // The same feed entries: each batch's 24 together, in item order, then health's 24.
  std::vector<av1::Change> changes = AllChanges(admin_, head);
  ASSERT_EQ(changes.size(), 4u * 24u);
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < 24; ++i) {
      const av1::Change& b = changes[pass * 48 + i];
      const av1::Change& s = changes[pass * 48 + 24 + i];
      EXPECT_EQ(b.sequence(), head + 1 + pass * 48 + i);
      EXPECT_EQ(b.kind(), av1::CHANGE_KIND_RESPONSE_CHANGED);
      EXPECT_EQ(b.kind(), s.kind());
      EXPECT_EQ(b.response().name(), batched[pass][i].name());
      EXPECT_EQ(b.response().etag(), batched[pass][i].etag());
      EXPECT_EQ(s.response().name(), single[pass][i].name());
      EXPECT_EQ(b.response().etag(), s.response().etag());
    }
  }
}

TEST_F(AssessmentServiceTest, BatchesInOppositeOrdersNeverDeadlock) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::string token = respondent_[kLa];
  av1::BatchUpsertResponsesResponse first;
  ASSERT_THAT(Batch(token, round, AllAnswers(la, fv1::RATING_GREEN), &first), IsOk());

  // Two clients rewrite all 24 answers over and over, one in question order, the other in
  // reverse, each based on what it last read. Taken item by item, their key locks would
  // cross; taken in one fixed order, one waits for the other.
  constexpr int kBatchesEach = 8;
  std::vector<int> written(2, 0), stale(2, 0);
  std::vector<std::string> unexpected(2);
  std::vector<std::thread> clients;
  for (int c = 0; c < 2; ++c) {
    clients.emplace_back([&, c] {
      auto stub = hub_->AssessmentStub();
      for (int attempt = 0; written[c] < kBatchesEach && attempt < 200; ++attempt) {
        av1::ListResponsesRequest list;
        list.set_parent(round.name());
        av1::ListResponsesResponse current;
        grpc::Status status = Invoke(stub.get(), &AStub::ListResponses, token, list, &current);
        if (!status.ok()) {
          unexpected[c] = status.error_message();
          return;
        }
        std::vector<av1::Response> answers =
            AllAnswers(la, c == 0 ? fv1::RATING_AMBER : fv1::RATING_RED,
                       EtagsOf({current.responses().begin(), current.responses().end()}));
        if (c == 1) std::reverse(answers.begin(), answers.end());
        av1::BatchUpsertResponsesRequest batch;
        batch.set_parent(round.name());
        for (const av1::Response& a : answers) *batch.add_requests()->mutable_response() = a;
        av1::BatchUpsertResponsesResponse out;
        status = Invoke(stub.get(), &AStub::BatchUpsertResponses, token, batch, &out);
        if (status.ok()) {
          ++written[c];
        } else if (status.error_code() == grpc::StatusCode::ABORTED &&
                   absl::StrContains(status.error_message(), "changed since you read it")) {
          ++stale[c];  // the other client's batch committed first: read again
        } else {
          // A deadlock would be ABORTED "concurrent change; try again".
          unexpected[c] = absl::StrCat(status.error_code(), ": ", status.error_message());
          return;
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();
  for (int c = 0; c < 2; ++c) {
    EXPECT_EQ(unexpected[c], "") << "client " << c;
    EXPECT_EQ(written[c], kBatchesEach) << "client " << c;
  }
  // Every response was written once per successful batch, all in step.
  for (const av1::Response& r : Responses(round)) {
    EXPECT_EQ(r.etag(), std::to_string(1 + 2 * kBatchesEach)) << r.name();
  }
}

TEST_F(AssessmentServiceTest, AWriteToAnotherPartnershipsRoundIsRefusedWithoutTakingALock) {
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::string name = ResponseOf(la, "s1.q1");
  av1::Response answer = MustUpsert(respondent_[kLa], GoodAnswer(name, fv1::RATING_GREEN));
  const std::string before = Fingerprint(round);

  // Another transaction holds the round's row lock (as a change of its state would): a write
  // that took the round's lock would wait for it until its deadline (DEADLINE_EXCEEDED).
  pqxx::connection holder(hub_->assessment_database_url());
  pqxx::work holding(holder);
  holding.exec_params("SELECT 1 FROM assessments WHERE assessment_id = $1 FOR UPDATE",
                      round.name().substr(round.name().rfind('/') + 1));

  av1::UpsertResponseRequest upsert;
  *upsert.mutable_response() = GoodAnswer(name, fv1::RATING_RED);
  upsert.mutable_response()->set_etag(answer.etag());
  av1::Response upserted;
  EXPECT_THAT(Invoke(stub_.get(), &AStub::UpsertResponse, outsider_, upsert, &upserted),
              StatusIs(Code::kNotFound, round.name()));
  av1::BatchUpsertResponsesRequest batch;
  batch.set_parent(round.name());
  *batch.add_requests()->mutable_response() = upsert.response();
  av1::BatchUpsertResponsesResponse batched;
  EXPECT_THAT(Invoke(stub_.get(), &AStub::BatchUpsertResponses, outsider_, batch, &batched),
              StatusIs(Code::kNotFound, round.name()));
  holding.abort();
  EXPECT_EQ(Fingerprint(round), before);
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
