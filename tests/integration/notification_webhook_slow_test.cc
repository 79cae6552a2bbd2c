// Slow webhook receivers (issue 17): a real HTTP server on loopback (in this process, plain
// http, which the delivery pool allows to loopback in tests) that accepts a delivery and
// never answers, or answers byte by byte. The assertions are about order and counts (and
// the delivery log's own figures against the timeout, as lower bounds), never about how
// fast anything happened:
//  - with a single delivery worker, another subscription's delivery arrives while the slow
//    receiver has neither answered nor hung up: the sender gave up at its total timeout and
//    closed the connection, which freed the worker (without the timeout the receiver would
//    hold it for ever);
//  - the cut-off attempt is an "error" in the delivery log, the delivery stays pending, and
//    its next try is a backoff counted from the attempt's end (so a receiver that holds
//    every attempt until the timeout is not tried again at once: counted from its start, a
//    10 s timeout would leave no backoff at all); the retry comes, with the same webhook-id;
//  - with two workers, a receiver trickling its answer holds one connection at a time (the
//    per-subscription limit) while another subscription's deliveries all arrive.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/base/clock.h"
#include "tests/integration/notification_webhook_fixture.h"

namespace sixsteps::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

// How a path of the receiver answers.
enum class Answer { kAtOnce, kNever, kByteByByte };

// A loopback HTTP/1.1 server, a thread per connection. Every event (a request read, a
// connection closed by the sender, a connection the server hung up) gets the next number of
// one sequence, so that tests compare their order.
class SlowReceiver {
 public:
  struct Event {
    int64_t seq = 0;
    std::string path;
    std::string kind;  // "request", "closed_by_sender", "hung_up", "answered"
    std::string webhook_id;
  };

  void Start() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(listener_, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(listener_, 64), 0);
    socklen_t length = sizeof address;
    ASSERT_EQ(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }

  void Stop() {
    stop_ = true;
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<std::thread> connections;
    {
      std::lock_guard<std::mutex> lock(mu_);
      connections.swap(connections_);
    }
    for (std::thread& t : connections) t.join();
    if (listener_ >= 0) ::close(listener_);
    listener_ = -1;
  }

  std::string Url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", port_, "/", path);
  }

  void SetAnswer(const std::string& path, Answer answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_[path] = answer;
  }

  // From now on `path` answers at once; the connections it holds are hung up.
  void Release(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_[path] = Answer::kAtOnce;
    ++released_[path];
  }
  void ReleaseAll() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [path, answer] : answers_) {
      answer = Answer::kAtOnce;
      ++released_[path];
    }
  }

  std::vector<Event> Events(const std::string& path, const std::string& kind = "") const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Event> found;
    for (const Event& e : events_) {
      if (e.path == path && (kind.empty() || e.kind == kind)) found.push_back(e);
    }
    return found;
  }

  // Waits (bounded, 90 s) until `path` has `count` events of `kind`.
  std::vector<Event> Await(const std::string& path, const std::string& kind, size_t count) const {
    for (int i = 0; i < 1800; ++i) {
      std::vector<Event> found = Events(path, kind);
      if (found.size() >= count) return found;
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << path << " did not see " << count << " " << kind;
    return Events(path, kind);
  }

  // The most connections of `path` holding a request at once.
  int MostHeldAtOnce(const std::string& path) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto found = most_held_.find(path);
    return found == most_held_.end() ? 0 : found->second;
  }

 private:
  void Accept() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard<std::mutex> lock(mu_);
      connections_.emplace_back([this, fd] {
        Serve(fd);
        ::close(fd);
      });
    }
  }

  void Record(const std::string& path, const std::string& kind, const std::string& id = "") {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back({++seq_, path, kind, id});
  }

  // Whether the sender closed the connection (waits up to 100 ms for a sign of it).
  static bool SenderClosed(int fd) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) return false;
    char byte;
    return ::recv(fd, &byte, 1, MSG_DONTWAIT) <= 0;
  }

  // Reads one request: its path and webhook-id, or false if the connection ended first.
  bool ReadRequest(int fd, std::string* path, std::string* webhook_id) {
    std::string data;
    size_t header_end;
    char buffer[4096];
    while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
      if (stop_) return false;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      data.append(buffer, static_cast<size_t>(n));
    }
    size_t content_length = 0;
    std::vector<std::string> lines = absl::StrSplit(data.substr(0, header_end), "\r\n");
    std::vector<std::string> request_line = absl::StrSplit(lines[0], ' ');
    if (request_line.size() < 2) return false;
    *path = std::string(absl::StripPrefix(request_line[1], "/"));
    for (size_t i = 1; i < lines.size(); ++i) {
      std::pair<std::string, std::string> header =
          absl::StrSplit(lines[i], absl::MaxSplits(':', 1));
      const std::string name = absl::AsciiStrToLower(header.first);
      const std::string value(absl::StripAsciiWhitespace(header.second));
      if (name == "content-length") (void)absl::SimpleAtoi(value, &content_length);
      if (name == "webhook-id") *webhook_id = value;
    }
    while (data.size() - header_end - 4 < content_length) {
      if (stop_) return false;
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      data.append(buffer, static_cast<size_t>(n));
    }
    return true;
  }

  static bool SendAll(int fd, const std::string& bytes) {
    return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

  void Serve(int fd) {
    std::string path, webhook_id;
    if (!ReadRequest(fd, &path, &webhook_id)) return;
    Answer answer;
    int released;
    {
      std::lock_guard<std::mutex> lock(mu_);
      answer = answers_.count(path) ? answers_[path] : Answer::kAtOnce;
      released = released_[path];
      most_held_[path] = std::max(most_held_[path], ++held_[path]);
      events_.push_back({++seq_, path, "request", webhook_id});
    }
    auto was_released = [&] {
      std::lock_guard<std::mutex> lock(mu_);
      return stop_ || released_[path] != released;
    };
    std::string ended = "answered";
    if (answer == Answer::kAtOnce) {
      SendAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nreceived");
    } else {
      if (answer == Answer::kByteByByte) {
        SendAll(fd,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n"
                "Connection: close\r\n\r\n");
      }
      // Until the sender gives up (its timeout) or the test lets go.
      while (true) {
        if (was_released()) {
          ended = "hung_up";
          break;
        }
        if (SenderClosed(fd) || (answer == Answer::kByteByByte && !SendAll(fd, "x"))) {
          ended = "closed_by_sender";
          break;
        }
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    --held_[path];
    events_.push_back({++seq_, path, ended, webhook_id});
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<std::thread> connections_;
  std::map<std::string, Answer> answers_;
  std::map<std::string, int> released_;
  std::map<std::string, int> held_;
  std::map<std::string, int> most_held_;
  std::vector<Event> events_;
  int64_t seq_ = 0;
};

// The webhook fixture's hub (wh-p administered by "adm", wh-q by "other"), with this file's
// receiver; each test restarts the delivery pool with its own settings.
class SlowWebhookTest : public WebhookTest {
 protected:
  static void SetUpTestSuite() {
    WebhookTest::SetUpTestSuite();
    receiver_ = new SlowReceiver();
    receiver_->Start();
  }

  static void TearDownTestSuite() {
    // The receiver first: the connections it holds end, so the delivery workers can stop.
    receiver_->Stop();
    delete receiver_;
    receiver_ = nullptr;
    WebhookTest::TearDownTestSuite();
  }

  // Lets every held delivery go, so that the next test's pool starts with idle workers.
  void TearDown() override { receiver_->ReleaseAll(); }

  // The delivery pool started again with `workers`, one delivery per subscription at once,
  // and `timeout` for a whole attempt.
  static void RestartDeliveries(int workers, absl::Duration timeout) {
    notification::WebhookDispatcherOptions options;
    options.http.allow_loopback = true;
    options.http.connect_timeout = absl::Seconds(5);
    options.http.total_timeout = timeout;
    options.poll = absl::Milliseconds(50);
    options.workers = workers;
    options.per_subscription = 1;
    hub_->StopNotification();
    hub_->set_webhook_options(options);
    ASSERT_THAT(hub_->StartNotification(clock_), IsOk());
  }

  // With one delivery worker: a receiver answering `how` holds it until the sender's
  // `timeout`, then another subscription's delivery gets it; the attempt is logged, and
  // retried after a backoff counted from its end.
  void ExpectFreedAtTheTimeout(Answer how, absl::Duration timeout);

  static constexpr char kQ[] = "partnerships/wh-q";
  static inline SlowReceiver* receiver_ = nullptr;
};

TEST_F(SlowWebhookTest, ASlowReceiverFreesTheOnlyWorkerAtTheTimeoutAndIsRetriedAfterABackoff) {
  // 10 s: longer than the first retry's whole backoff range (1-10 s), so a backoff counted
  // from the attempt's start would always fall before its end.
  const absl::Duration timeout = absl::Seconds(10);
  RestartDeliveries(/*workers=*/1, timeout);
  for (Answer how : {Answer::kNever, Answer::kByteByByte}) {
    SCOPED_TRACE(how == Answer::kNever ? "never answers" : "answers byte by byte");
    ExpectFreedAtTheTimeout(how, timeout);
    receiver_->ReleaseAll();
  }
}

void SlowWebhookTest::ExpectFreedAtTheTimeout(Answer how, absl::Duration timeout) {
  const std::string slow = how == Answer::kNever ? "silent" : "trickling";
  receiver_->SetAnswer(slow, how);
  nv1::Webhook held = Create(kP, receiver_->Url(slow), {"round_opened"});
  nv1::Webhook other =
      Create(kQ, receiver_->Url(slow + "-other"), {"round_opened"}, tokens_["other"]);

  // The slow receiver holds the pool's only worker...
  CreateRound("Held round");
  std::vector<SlowReceiver::Event> got = receiver_->Await(slow, "request", 1);
  ASSERT_THAT(got, SizeIs(1));
  const SlowReceiver::Event first = got[0];
  // ...when another subscription's event comes: it waits for that worker.
  CreateRound("Waiting round", kQ, tokens_["other"]);
  got = receiver_->Await(slow + "-other", "request", 1);
  ASSERT_THAT(got, SizeIs(1));
  const SlowReceiver::Event waited = got[0];
  // The only worker came free while the receiver still held the first delivery (it never
  // answers in full nor hangs up until the test lets go): the sender gave up on it, at its
  // timeout, and closed the connection.
  EXPECT_LT(first.seq, waited.seq);
  EXPECT_THAT(receiver_->Events(slow, "hung_up"), SizeIs(0));
  EXPECT_THAT(receiver_->Events(slow, "answered"), SizeIs(0));
  std::vector<SlowReceiver::Event> closed = receiver_->Await(slow, "closed_by_sender", 1);
  ASSERT_THAT(closed, SizeIs(1));
  EXPECT_EQ(closed[0].webhook_id, first.webhook_id);

  // The log: one attempt, an error (no complete answer), the delivery still pending.
  nv1::WebhookDelivery delivery;
  for (int i = 0; i < 1200; ++i) {
    std::vector<nv1::WebhookDelivery> found = Deliveries(held.name());
    if (found.size() == 1 && found[0].attempts_size() == 1) {
      delivery = found[0];
      break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(delivery.attempts_size(), 1) << "the attempt was not logged";
  EXPECT_EQ(delivery.message_id(), first.webhook_id);
  EXPECT_EQ(delivery.state(), nv1::WebhookDelivery::STATE_PENDING);
  const nv1::WebhookAttempt& attempt = delivery.attempts(0);
  EXPECT_EQ(attempt.outcome(), "error");
  EXPECT_THAT(attempt.error(), HasSubstr("imeout"));  // libcurl's "Timeout was reached"
  if (how == Answer::kNever) {
    EXPECT_EQ(attempt.response_code(), 0);
  } else {
    EXPECT_EQ(attempt.response_code(), 200);  // the status line came; the body never did
    EXPECT_THAT(attempt.response_body(), HasSubstr("xxx"));
  }
  // The next try: the first backoff (1-10 s) after the attempt's end.
  const absl::Time ended =
      FromTimestamp(attempt.attempt_time()) + absl::Milliseconds(attempt.latency_ms());
  const absl::Time next = FromTimestamp(delivery.next_attempt_time());
  EXPECT_GE(next, ended + absl::Seconds(1));
  EXPECT_LE(next, ended + absl::Seconds(10) + absl::Seconds(5));  // 5 s: the log's rounding

  // The retry comes (the clock moved past the backoff), with the same webhook-id.
  clock_->Advance(absl::Seconds(20));
  std::vector<SlowReceiver::Event> requests = receiver_->Await(slow, "request", 2);
  ASSERT_THAT(requests, SizeIs(2));
  EXPECT_EQ(requests[1].webhook_id, first.webhook_id);
  EXPECT_THAT(Deliveries(other.name(), tokens_["other"]), SizeIs(1));
}

TEST_F(SlowWebhookTest, ATricklingReceiverHoldsOneWorkerWhileAnotherSubscriptionGetsEverything) {
  // A timeout longer than the test waits: only the per-subscription limit bounds the slow
  // receiver here.
  RestartDeliveries(/*workers=*/2, absl::Minutes(5));
  receiver_->SetAnswer("trickle", Answer::kByteByByte);
  nv1::Webhook slow = Create(kP, receiver_->Url("trickle"), {"round_opened"});
  nv1::Webhook brisk = Create(kQ, receiver_->Url("brisk"), {"round_opened"}, tokens_["other"]);
  for (int i = 0; i < 3; ++i) CreateRound(absl::StrCat("Trickled ", i));
  receiver_->Await("trickle", "request", 1);
  for (int i = 0; i < 3; ++i) CreateRound(absl::StrCat("Brisk ", i), kQ, tokens_["other"]);

  // Every event of the other subscription arrives while the first trickled answer is still
  // being sent, and the slow one never had a second delivery in flight.
  receiver_->Await("brisk", "answered", 3);
  EXPECT_THAT(receiver_->Events("trickle", "request"), SizeIs(1));
  EXPECT_THAT(receiver_->Events("trickle", "closed_by_sender"), SizeIs(0));
  EXPECT_EQ(receiver_->MostHeldAtOnce("trickle"), 1);

  // Let go: the cut-off answer is an error and is tried again; all three arrive in the end,
  // one at a time.
  receiver_->Release("trickle");
  for (int i = 0; i < 1200; ++i) {
    std::vector<nv1::WebhookDelivery> d = Deliveries(slow.name());
    if (d.size() == 3 && std::all_of(d.begin(), d.end(), [](const nv1::WebhookDelivery& one) {
          return one.state() == nv1::WebhookDelivery::STATE_DELIVERED;
        })) {
      break;
    }
    // Every 2 s the clock moves past any first or second backoff (not faster: the claims'
    // leases, 2 minutes, run on the same clock).
    if (i % 40 == 39) clock_->Advance(absl::Seconds(15));
    absl::SleepFor(absl::Milliseconds(50));
  }
  std::vector<nv1::WebhookDelivery> delivered = Deliveries(slow.name());
  ASSERT_THAT(delivered, SizeIs(3));
  int cut_off = 0;
  for (const nv1::WebhookDelivery& d : delivered) {
    EXPECT_EQ(d.state(), nv1::WebhookDelivery::STATE_DELIVERED);
    for (const nv1::WebhookAttempt& a : d.attempts()) cut_off += a.outcome() == "error";
  }
  EXPECT_EQ(cut_off, 1);  // the trickled answer the receiver hung up
  EXPECT_EQ(receiver_->MostHeldAtOnce("trickle"), 1);
  EXPECT_THAT(Deliveries(brisk.name(), tokens_["other"]), SizeIs(3));
}

}  // namespace
}  // namespace sixsteps::testing
