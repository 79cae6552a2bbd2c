// The assessment service end to end: a response written by many clients at once through
// the one-round-trip read (response_write_reads, V013) and the upsert joined to the feed
// append (issue 18): every write that succeeded has its own etag, its revision numbered with
// that etag and its feed entry carrying it, in order; the others were refused with ABORTED.
#include <set>
#include <thread>

#include "tests/integration/assessment_fixture.h"

namespace sixsteps::testing::assessment_test {
namespace {

TEST_F(AssessmentServiceTest, ManyClientsWritingOneResponseGetOneEtagEachInRevisionsAndFeed) {
  constexpr int kClients = 6;
  constexpr int kWritesEach = 3;
  av1::Assessment round = MustCreate(av1::ASSESSMENT_KIND_SELF_ASSESSMENT, admin_);
  av1::Respondent la = MustAddOrg(round, kLa);
  const std::string token = respondent_[kLa];
  const std::string name = ResponseOf(la, "s1.q1");
  const int64_t after = FeedHead();

  // Each client writes kWritesEach times, each time based on the etag it last read, and
  // reads again after a refusal.
  std::vector<std::vector<std::string>> etags(kClients);
  std::vector<int> refusals(kClients, 0);
  std::vector<std::string> unexpected(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      auto stub = hub_->AssessmentStub();  // each client on its own channel
      std::string etag;
      for (int attempt = 0; etags[i].size() < kWritesEach && attempt < 200; ++attempt) {
        av1::UpsertResponseRequest upsert;
        *upsert.mutable_response() = GoodAnswer(name, fv1::RATING_RED);
        upsert.mutable_response()->set_commentary(absl::StrCat("client ", i));
        upsert.mutable_response()->set_etag(etag);
        av1::Response written;
        grpc::Status status = Invoke(stub.get(), &AStub::UpsertResponse, token, upsert, &written);
        if (status.ok()) {
          etags[i].push_back(written.etag());
          etag = written.etag();
          continue;
        }
        if (status.error_code() != grpc::StatusCode::ABORTED) {
          unexpected[i] = status.error_message();
          return;
        }
        ++refusals[i];
        av1::GetResponseRequest get;
        get.set_name(name);
        av1::Response current;
        if (Invoke(stub.get(), &AStub::GetResponse, token, get, &current).ok()) {
          etag = current.etag();
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();

  std::set<std::string> all;
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(unexpected[i], "") << "client " << i;
    EXPECT_EQ(etags[i].size(), kWritesEach) << "client " << i;
    all.insert(etags[i].begin(), etags[i].end());
  }
  constexpr int kWrites = kClients * kWritesEach;
  ASSERT_EQ(all.size(), kWrites) << "two writes were given the same etag";
  for (int version = 1; version <= kWrites; ++version) {
    EXPECT_TRUE(all.count(std::to_string(version))) << "no write got etag " << version;
  }
  EXPECT_EQ(GetResponse(name).etag(), std::to_string(kWrites));

  // One revision per write, numbered as its etag.
  std::vector<av1::Revision> revisions = Revisions(name);
  ASSERT_EQ(revisions.size(), kWrites);
  std::set<int64_t> numbers;
  for (const av1::Revision& revision : revisions) {
    EXPECT_EQ(std::to_string(revision.revision()), revision.response().etag());
    numbers.insert(revision.revision());
  }
  EXPECT_EQ(numbers.size(), kWrites);

  // One feed entry per write, in the order of their etags.
  std::vector<std::string> fed;
  for (const av1::Change& change : AllChanges(hub_->admin_token(), after)) {
    if (change.has_response() && change.response().name() == name) {
      fed.push_back(change.response().etag());
    }
  }
  ASSERT_EQ(fed.size(), kWrites);
  for (int i = 0; i < kWrites; ++i) EXPECT_EQ(fed[i], std::to_string(i + 1));
}

}  // namespace
}  // namespace sixsteps::testing::assessment_test
