// The change feed under attack (issue 13, findings 1, 5 and 13), end to end against a real
// hub (identity, framework, assessment on 127.0.0.1, real PostgreSQL):
// - a tenant's cursor must not move when other tenants write (no deployment-wide counter);
// - large records are paged by bytes, so no page passes gRPC's message limit, and nothing
//   is lost;
// - a WatchChanges stream ends UNAUTHENTICATED when its token expires or stops verifying;
// - WatchChanges streams are capped per principal and per server, and a freed slot is
//   reusable.
//
// The world: region "north-east" with partnership "sunderland" (region A) and region
// "south-west" with partnership "plymouth" (region B). The cases share one hub
// (support/shared_hub.h): the feed's rows and sequence are put back before each; the servers
// a case starts of its own on the assessment database stop with the case.
#include <gmock/gmock.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/assessment/assessment_service.h"
#include "services/assessment/directory.h"
#include "services/assessment/feed.h"
#include "services/assessment/pg_feed_sequencer.h"
#include "services/assessment/pg_store.h"
#include "services/assessment/store.h"
#include "services/common/db.h"
#include "services/common/server.h"
#include "tests/support/shared_hub.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_hub.h"

namespace sixsteps::testing {
namespace {

namespace av1 = ::sixsteps::assessment::v1;
namespace fv1 = ::sixsteps::framework::v1;
namespace idv1 = ::sixsteps::identity::v1;
using auth::Role;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using Code = absl::StatusCode;
using AStub = av1::AssessmentService::Stub;

constexpr char kRegionA[] = "north-east";
constexpr char kPartnershipA[] = "partnerships/sunderland";
constexpr char kRegionB[] = "south-west";
constexpr char kPartnershipB[] = "partnerships/plymouth";

std::chrono::system_clock::time_point In(absl::Duration d) {
  return absl::ToChronoTime(absl::Now() + d);
}

nlohmann::json ClaimsOf(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string json;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(parts.at(1), &json));
  return nlohmann::json::parse(json);
}

// A key source that can be switched off: tokens it vouched for stop verifying once the
// verifier's cache of them lapses, as they would after a revocation.
class SwitchableKeys final : public auth::PublicKeySource {
 public:
  explicit SwitchableKeys(std::shared_ptr<auth::PublicKeySource> inner)
      : inner_(std::move(inner)) {}
  absl::StatusOr<std::string> Find(absl::string_view key_id) override {
    if (off_) return absl::NotFoundError("withdrawn");
    return inner_->Find(key_id);
  }
  void TurnOff() { off_ = true; }

 private:
  std::shared_ptr<auth::PublicKeySource> inner_;
  std::atomic<bool> off_{false};
};

// The tokens of the world's users.
struct FeedSecurityPeople {
  std::string admin_a_;
  std::string respondent_a_;
  std::string admin_b_;
};

class FeedSecurityTest : public SharedHubTest<FeedSecurityPeople> {
 protected:
  void SetUp() override {
    SetUpHub("feedsec");
    if (HasFatalFailure()) return;
    stub_ = hub_->AssessmentStub();
  }
  void MakePeople() override {
    ASSERT_THAT(hub_->CreateRegion(kRegionA), IsOk());
    ASSERT_THAT(hub_->CreateRegion(kRegionB), IsOk());
    ASSERT_THAT(hub_->CreatePartnership("sunderland", kRegionA), IsOk());
    ASSERT_THAT(hub_->CreatePartnership("plymouth", kRegionB), IsOk());
    ASSERT_THAT(hub_->CreateOrganisation("sunderland", "council",
                                         idv1::ORGANISATION_KIND_LOCAL_AUTHORITY, true),
                IsOk());
    admin_a_ = MustUser("admin@sunderland.test",
                        {{Role::ROLE_PARTNERSHIP_ADMINISTRATOR, kPartnershipA, ""}});
    respondent_a_ =
        MustUser("council@sunderland.test", {{Role::ROLE_PARTNER_RESPONDENT, kPartnershipA,
                                              "partnerships/sunderland/organisations/council"}});
    admin_b_ = MustUser("hub@south-west.test",
                        {{Role::ROLE_HUB_ADMINISTRATOR, absl::StrCat("regions/", kRegionB), ""}});
  }

  std::string MustUser(const std::string& email, const std::vector<TestHub::Binding>& roles) {
    return SignedInUser(*hub_, email, roles);
  }

  // The same principal and grants as `token`, valid for `ttl` from now.
  std::string ShortLived(const std::string& token, absl::Duration ttl) {
    nlohmann::json claims = ClaimsOf(token);
    claims["iat"] = absl::ToUnixSeconds(absl::Now());
    claims["exp"] = absl::ToUnixSeconds(absl::Now() + ttl);
    claims["jti"] = absl::StrCat("short-", absl::ToUnixNanos(absl::Now()));
    absl::StatusOr<std::string> minted = hub_->MintToken(claims);
    EXPECT_THAT(minted, IsOk());
    return minted.ok() ? *minted : std::string();
  }

  av1::Assessment CreateRound(const std::string& partnership, const std::string& title) {
    av1::CreateAssessmentRequest request =
        RoundRequest(partnership, av1::ASSESSMENT_KIND_SELF_ASSESSMENT, title);
    grpc::ClientContext context;
    Authorize(context, hub_->admin_token());
    context.set_deadline(In(absl::Seconds(60)));
    av1::Assessment created;
    EXPECT_THAT(stub_->CreateAssessment(&context, request, &created), IsOk());
    return created;
  }

  grpc::Status List(const std::string& token, int64_t after, av1::ListChangesResponse* out,
                    const std::string& partnership = "", int page_size = 0) {
    grpc::ClientContext context;
    Authorize(context, token);
    context.set_deadline(In(absl::Seconds(60)));
    av1::ListChangesRequest request;
    request.set_after_sequence(after);
    request.set_partnership(partnership);
    request.set_page_size(page_size);
    return stub_->ListChanges(&context, request, out);
  }

  // A WatchChanges stream from the start as `token`, on `context`, ended by `deadline`.
  std::unique_ptr<grpc::ClientReader<av1::WatchChangesResponse>> Watch(
      grpc::ClientContext& context, const std::string& token,
      absl::Duration deadline = absl::Seconds(60)) {
    Authorize(context, token);
    context.set_deadline(In(deadline));
    return stub_->WatchChanges(&context, av1::WatchChangesRequest());
  }

  int64_t Cursor(const std::string& token, int64_t after, const std::string& partnership = "") {
    av1::ListChangesResponse response;
    EXPECT_THAT(List(token, after, &response, partnership), IsOk());
    EXPECT_THAT(response.changes(), IsEmpty());
    return response.next_after_sequence();
  }

  std::unique_ptr<AStub> stub_;
};

// ---------------------------------------------------------------------------------------
// Finding 13: per-caller cursors.

TEST_F(FeedSecurityTest, ARegionBCursorDoesNotMoveWhenRegionAWritesButDoesForRegionB) {
  const int64_t start = Cursor(admin_b_, 0);
  EXPECT_EQ(start, 0);

  // Region A writes: region B's administrator learns nothing, with or without a filter.
  CreateRound(kPartnershipA, "Sunderland 2025");
  CreateRound(kPartnershipA, "Sunderland 2026");
  EXPECT_EQ(Cursor(admin_b_, start), start);
  EXPECT_EQ(Cursor(admin_b_, start, kPartnershipA), start);
  EXPECT_EQ(Cursor(admin_b_, start, kPartnershipB), start);

  // Region B writes: the cursor moves to that change, and only to it.
  av1::Assessment plymouth = CreateRound(kPartnershipB, "Plymouth 2025");
  av1::ListChangesResponse mine;
  ASSERT_THAT(List(admin_b_, start, &mine), IsOk());
  ASSERT_THAT(mine.changes(), SizeIs(1));
  EXPECT_EQ(mine.changes(0).assessment(), plymouth.name());
  EXPECT_EQ(mine.next_after_sequence(), mine.changes(0).sequence());
  EXPECT_GT(mine.next_after_sequence(), start);

  // More of region A after it: still nothing moves for region B.
  CreateRound(kPartnershipA, "Sunderland 2027");
  EXPECT_EQ(Cursor(admin_b_, mine.next_after_sequence()), mine.next_after_sequence());

  // Region A's own administrator follows region A; the deployment administrator (who sees
  // everything) keeps the numeric head as before.
  av1::ListChangesResponse theirs;
  ASSERT_THAT(List(admin_a_, 0, &theirs), IsOk());
  ASSERT_THAT(theirs.changes(), SizeIs(3));
  EXPECT_EQ(theirs.next_after_sequence(), theirs.changes(2).sequence());
  av1::ListChangesResponse everything;
  ASSERT_THAT(List(hub_->admin_token(), 0, &everything), IsOk());
  ASSERT_THAT(everything.changes(), SizeIs(4));
  EXPECT_EQ(everything.next_after_sequence(), 4);
  av1::ListChangesResponse filtered;
  ASSERT_THAT(List(hub_->admin_token(), 0, &filtered, kPartnershipB), IsOk());
  EXPECT_THAT(filtered.changes(), SizeIs(1));
  EXPECT_EQ(filtered.next_after_sequence(), 4);
}

TEST_F(FeedSecurityTest, ARegionBWatchSeesOnlyRegionBChanges) {
  CreateRound(kPartnershipA, "Sunderland 2025");
  grpc::ClientContext context;
  auto reader = Watch(context, admin_b_);
  CreateRound(kPartnershipA, "Sunderland 2026");
  av1::Assessment plymouth = CreateRound(kPartnershipB, "Plymouth 2025");
  av1::WatchChangesResponse message;
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_EQ(message.change().assessment(), plymouth.name());
  context.TryCancel();
  reader->Finish();
}

// ---------------------------------------------------------------------------------------
// Finding 1, the feed: pages by bytes.

TEST_F(FeedSecurityTest, LargeChangesArePagedByBytesAndNothingIsLost) {
  av1::Assessment round = CreateRound(kPartnershipA, "Big answers");
  av1::AddRespondentRequest add;
  add.set_parent(round.name());
  add.mutable_respondent()->set_organisation("partnerships/sunderland/organisations/council");
  av1::Respondent council;
  {
    grpc::ClientContext context;
    Authorize(context, admin_a_);
    ASSERT_THAT(stub_->AddRespondent(&context, add, &council), IsOk());
  }
  // 24 answers, each near every field's limit (about 230 KB): 5.5 MB together, past gRPC's
  // 4 MiB default, which one count-only page of up to 1000 changes would carry.
  const std::string long_text(10000, 'w');
  const std::string description(2000, 'd');
  int written = 0;
  for (int step = 1; step <= 6; ++step) {
    for (int q = 1; q <= 4; ++q) {
      av1::UpsertResponseRequest request;
      av1::Response* r = request.mutable_response();
      r->set_name(absl::StrCat(council.name(), "/responses/s", step, ".q", q));
      r->set_rating(fv1::RATING_AMBER);
      r->set_remaining_work(long_text);
      r->set_commentary(long_text);
      for (int i = 0; i < 100; ++i) {
        av1::EvidenceItem* item = r->add_evidence();
        item->set_description(description);
        item->set_link(absl::StrCat("https://evidence.example/", i));
      }
      grpc::ClientContext context;
      Authorize(context, respondent_a_);
      context.set_deadline(In(absl::Seconds(60)));
      av1::Response out;
      ASSERT_THAT(stub_->UpsertResponse(&context, request, &out), IsOk());
      ++written;
    }
  }
  const int64_t total = 2 + written;

  // Both read paths (everything, and a caller scoped to the partnership) split the feed
  // into pages within the budget and lose nothing.
  for (const std::string& token : {hub_->admin_token(), admin_a_}) {
    std::vector<int64_t> sequences;
    int pages = 0;
    int64_t after = 0;
    for (int guard = 0; guard < 100; ++guard) {
      av1::ListChangesResponse page;
      ASSERT_THAT(List(token, after, &page, "", 1000), IsOk());
      EXPECT_LE(page.ByteSizeLong(), static_cast<size_t>(assessment::kFeedPageBytes) + 16);
      for (const av1::Change& c : page.changes()) sequences.push_back(c.sequence());
      if (page.next_after_sequence() == after) break;
      ++pages;
      after = page.next_after_sequence();
    }
    EXPECT_GE(pages, 5);  // 5.5 MB in pages of at most 1 MiB
    ASSERT_EQ(static_cast<int64_t>(sequences.size()), total);
    for (int64_t i = 0; i < total; ++i) EXPECT_EQ(sequences[i], i + 1);
  }

  // WatchChanges catches up on all of them, in order.
  grpc::ClientContext context;
  auto reader = Watch(context, admin_a_);
  av1::WatchChangesResponse message;
  int64_t expected = 1;
  while (expected <= total && reader->Read(&message)) {
    EXPECT_EQ(message.change().sequence(), expected);
    ++expected;
  }
  EXPECT_EQ(expected, total + 1);
  context.TryCancel();
  reader->Finish();
}

// ---------------------------------------------------------------------------------------
// Finding 5: streams end with their authority.

TEST_F(FeedSecurityTest, AWatchEndsUnauthenticatedWhenItsTokenExpires) {
  av1::Assessment round = CreateRound(kPartnershipA, "Before the watch");
  const std::string token = ShortLived(admin_a_, absl::Seconds(8));
  grpc::ClientContext context;
  // Far beyond the token's life: the stream must end before this, by itself.
  auto reader = Watch(context, token, absl::Seconds(90));
  av1::WatchChangesResponse message;
  std::vector<av1::Change> received;
  while (reader->Read(&message)) received.push_back(message.change());
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("expired"));
  // While it was valid, the stream served.
  ASSERT_THAT(received, SizeIs(1));
  EXPECT_EQ(received[0].assessment(), round.name());

  // An expired token cannot open a stream either.
  grpc::ClientContext again;
  auto refused = Watch(again, token, absl::Seconds(30));
  EXPECT_FALSE(refused->Read(&message));
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

// A second assessment server on the hub's database, with its own verifier and limits.
struct OwnAssessmentServer {
  std::unique_ptr<db::ConnectionPool> pool;
  assessment::ChangeSignal signal;
  // Not the leader (the hub's is): it hears the feed move and wakes this server's streams.
  std::unique_ptr<assessment::FeedSequencer> sequencer;
  std::unique_ptr<assessment::PgAssessmentStore> store;
  std::unique_ptr<assessment::GrpcDirectory> directory;
  std::shared_ptr<SwitchableKeys> keys;
  std::unique_ptr<auth::TokenVerifier> verifier;
  std::unique_ptr<assessment::AssessmentServiceImpl> service;
  std::unique_ptr<RunningServer> server;
  std::unique_ptr<AStub> stub;

  absl::Status Start(const TestHub& hub, assessment::WatchLimits limits) {
    auto dial = [](const std::string& target) {
      return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    };
    pool = std::make_unique<db::ConnectionPool>(hub.assessment_database_url(), 4, absl::Seconds(2));
    sequencer = std::make_unique<assessment::FeedSequencer>(hub.assessment_database_url(), &signal,
                                                            &signal);
    sequencer->Start();
    store = std::make_unique<assessment::PgAssessmentStore>(pool.get(), &signal);
    directory = std::make_unique<assessment::GrpcDirectory>(dial(hub.identity_target()),
                                                            dial(hub.framework_target()));
    keys = std::make_shared<SwitchableKeys>(
        std::make_shared<auth::IdentityPublicKeys>(dial(hub.identity_target()), absl::Seconds(0)));
    verifier = std::make_unique<auth::TokenVerifier>(keys);
    service = std::make_unique<assessment::AssessmentServiceImpl>(store.get(), directory.get(),
                                                                  verifier.get(), &signal, limits);
    absl::StatusOr<std::unique_ptr<RunningServer>> started =
        RunningServer::Start("127.0.0.1:0", {service.get()});
    if (!started.ok()) return started.status();
    server = std::move(*started);
    stub = av1::AssessmentService::NewStub(dial(server->target()));
    return absl::OkStatus();
  }

  ~OwnAssessmentServer() {
    if (service != nullptr) service->BeginShutdown();
    if (server != nullptr) server->Shutdown(absl::Seconds(2));
  }
};

TEST_F(FeedSecurityTest, AWatchEndsWhenItsWatchersOnlyBindingIsDeleted) {
  // The finding's attack: a stream kept delivering after the watcher's only role binding was
  // revoked. Identity revokes the principal's tokens with the binding; the assessment
  // service learns it with its next fetch of revocations (every 5 s) and the stream, which
  // re-verifies its token before every batch, ends.
  const std::string watcher =
      MustUser("watcher@sunderland.test", {{Role::ROLE_VIEWER, kPartnershipA, ""}});
  av1::Assessment round = CreateRound(kPartnershipA, "Before the watch");
  grpc::ClientContext context;
  auto reader = Watch(context, watcher, absl::Seconds(90));
  av1::WatchChangesResponse message;
  ASSERT_TRUE(reader->Read(&message));
  EXPECT_EQ(message.change().assessment(), round.name());

  auto identity = hub_->IdentityStub();
  std::string principal;
  {
    grpc::ClientContext c;
    Authorize(c, watcher);
    idv1::GetCurrentPrincipalResponse me;
    ASSERT_THAT(identity->GetCurrentPrincipal(&c, idv1::GetCurrentPrincipalRequest(), &me), IsOk());
    principal = me.principal();
  }
  idv1::ListRoleBindingsResponse bindings;
  {
    grpc::ClientContext c;
    Authorize(c, hub_->admin_token());
    idv1::ListRoleBindingsRequest request;
    request.set_principal(principal);
    ASSERT_THAT(identity->ListRoleBindings(&c, request, &bindings), IsOk());
  }
  ASSERT_THAT(bindings.role_bindings(), SizeIs(1));
  {
    grpc::ClientContext c;
    Authorize(c, hub_->admin_token());
    idv1::DeleteRoleBindingRequest request;
    request.set_name(bindings.role_bindings(0).name());
    google::protobuf::Empty empty;
    ASSERT_THAT(identity->DeleteRoleBinding(&c, request, &empty), IsOk());
  }
  // Once the assessment service refuses the token on a unary call (bounded wait), a change
  // written after that must never reach the stream.
  grpc::Status unary;
  for (int i = 0; i < 60; ++i) {
    av1::ListChangesResponse ignored;
    unary = List(watcher, 0, &ignored);
    if (unary.error_code() == grpc::StatusCode::UNAUTHENTICATED) break;
    absl::SleepFor(absl::Milliseconds(250));
  }
  ASSERT_EQ(unary.error_code(), grpc::StatusCode::UNAUTHENTICATED) << unary.error_message();
  CreateRound(kPartnershipA, "After the binding went");
  int after_revocation = 0;
  while (reader->Read(&message)) ++after_revocation;
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("revoked"));
  EXPECT_EQ(after_revocation, 0);
}

// Opens a stream as `token` and waits for its first change (so the server holds its slot),
// or for the stream to end (refused): true when a change arrived.
struct OpenStream {
  std::unique_ptr<grpc::ClientContext> context = std::make_unique<grpc::ClientContext>();
  std::unique_ptr<grpc::ClientReader<av1::WatchChangesResponse>> reader;
  grpc::Status finished;

  bool Open(AStub& stub, const std::string& token) {
    Authorize(*context, token);
    context->set_deadline(In(absl::Seconds(60)));
    av1::WatchChangesRequest request;
    reader = stub.WatchChanges(context.get(), request);
    av1::WatchChangesResponse message;
    if (reader->Read(&message)) return true;
    finished = reader->Finish();
    reader.reset();
    return false;
  }
  void Close() {
    if (reader == nullptr) return;
    context->TryCancel();
    finished = reader->Finish();
    reader.reset();
  }
  ~OpenStream() { Close(); }
};

TEST_F(FeedSecurityTest, WatchStreamsAreCappedPerPrincipalAndPerServerAndFreedSlotsReused) {
  OwnAssessmentServer own;
  ASSERT_THAT(own.Start(*hub_, {.per_principal = 2, .total = 3}), IsOk());
  CreateRound(kPartnershipA, "Something to watch");
  const std::string other_a =
      MustUser("viewer@sunderland.test", {{Role::ROLE_VIEWER, kPartnershipA, ""}});

  std::vector<std::unique_ptr<OpenStream>> mine;
  for (int i = 0; i < 2; ++i) {
    mine.push_back(std::make_unique<OpenStream>());
    ASSERT_TRUE(mine.back()->Open(*own.stub, admin_a_)) << i;
  }
  // A third stream of the same principal is refused, naming the per-caller limit.
  OpenStream third;
  EXPECT_FALSE(third.Open(*own.stub, admin_a_));
  EXPECT_EQ(third.finished.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(third.finished.error_message(), HasSubstr("close one first"));

  // Another principal gets the server's last slot; then the server is full.
  OpenStream theirs;
  ASSERT_TRUE(theirs.Open(*own.stub, other_a));
  OpenStream over;
  EXPECT_FALSE(over.Open(*own.stub, other_a));
  EXPECT_EQ(over.finished.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(over.finished.error_message(), HasSubstr("this server"));

  // Closing a stream frees its slot (once the server has seen the cancellation): a new
  // stream of the same principal then opens.
  mine.back()->Close();
  mine.pop_back();
  bool reopened = false;
  for (int attempt = 0; attempt < 100 && !reopened; ++attempt) {
    auto stream = std::make_unique<OpenStream>();
    if (stream->Open(*own.stub, admin_a_)) {
      reopened = true;
      mine.push_back(std::move(stream));
    } else {
      EXPECT_EQ(stream->finished.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
  EXPECT_TRUE(reopened);
}

}  // namespace
}  // namespace sixsteps::testing
