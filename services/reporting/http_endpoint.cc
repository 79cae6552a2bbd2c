#include "services/reporting/http_endpoint.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/common/http_task_queue.h"
#include "services/common/log.h"
#include "services/common/status.h"
#include "services/common/trace_context.h"  // traces (H8)
#include "services/common/validation.h"
#include "services/reporting/http_download.h"
#include "services/reporting/write_sink.h"

namespace sixsteps::reporting {
namespace {

// Path ids: one path segment.
constexpr char kId[] = "([^/]+)";

// The start of the request being served on this worker thread, for the access log line.
thread_local absl::Time request_start = absl::InfinitePast();
// The request's span: the client's W3C traceparent continued, or a new trace. // traces (H8)
thread_local trace::Span request_span;

// Google's JSON error shape: {"error": {"code": 404, "status": "NOT_FOUND", "message": ...}}.
void WriteError(httplib::Response& res, const absl::Status& status, int http_status = 0) {
  if (http_status == 0) http_status = HttpStatusFor(status.code());
  std::string message(status.message());
  // Internal details stay in the log.
  if (http_status == 500) {
    LogEvent("http_internal_error", {{"status", status.ToString()}});
    message = "internal error";
  }
  nlohmann::json body = {{"error",
                          {{"code", http_status},
                           {"status", absl::StatusCodeToString(status.code())},
                           {"message", message}}}};
  res.status = http_status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                  "application/json; charset=utf-8");
}

void Unauthenticated(httplib::Response& res, absl::string_view message, bool bad_token) {
  res.set_header("WWW-Authenticate", bad_token
                                         ? "Bearer realm=\"sixsteps\", error=\"invalid_token\""
                                         : "Bearer realm=\"sixsteps\"");
  WriteError(res, absl::UnauthenticatedError(message), 401);
}

// Keeps a suggested file name to [A-Za-z0-9._-] so it is safe inside the quoted header.
std::string SafeFilename(absl::string_view name) {
  std::string out;
  for (char c : name) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')
      out.push_back(c);
  }
  return out.empty() ? "report" : out;
}

// Who is calling, from "Authorization: Bearer <token>" (the token kept in bearer_token);
// nullopt after answering 401 (or the verifier's error).
std::optional<auth::Caller> CallerOf(const auth::TokenVerifier& verifier,
                                     const httplib::Request& req, httplib::Response& res) {
  std::string header = req.get_header_value("Authorization");
  absl::string_view value = absl::StripAsciiWhitespace(header);
  if (value.empty()) {
    Unauthenticated(res, "missing bearer token", false);
    return std::nullopt;
  }
  if (value.size() < 7 || !absl::EqualsIgnoreCase(value.substr(0, 7), "Bearer ")) {
    Unauthenticated(res, "the Authorization header must be \"Bearer <token>\"", true);
    return std::nullopt;
  }
  absl::string_view token = absl::StripLeadingAsciiWhitespace(value.substr(7));
  if (token.empty()) {
    Unauthenticated(res, "missing bearer token", false);
    return std::nullopt;
  }
  absl::StatusOr<auth::Caller> caller = verifier.Verify(token, absl::Now());
  if (!caller.ok()) {
    if (caller.status().code() == absl::StatusCode::kUnauthenticated) {
      Unauthenticated(res, caller.status().message(), true);
    } else {
      WriteError(res, caller.status());
    }
    return std::nullopt;
  }
  caller->bearer_token = std::string(token);
  return *std::move(caller);
}

// ?min_sequence=, which every report route takes; 0 when absent or empty.
absl::StatusOr<int64_t> ParseMinSequence(const httplib::Request& req) {
  if (!req.has_param("min_sequence")) return 0;
  std::string value = req.get_param_value("min_sequence");
  if (value.empty()) return 0;
  int64_t n = 0;
  if (!absl::SimpleAtoi(value, &n) || n < 0) {
    return absl::InvalidArgumentError("min_sequence must be a non-negative integer");
  }
  return n;
}

std::string Param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? req.get_param_value(name) : std::string();
}

// Builds the export request of one route from the path id, the query and its min_sequence.
using Builder = std::function<void(const std::string& id, const httplib::Request& req,
                                   int64_t min_sequence, v1::ExportReportRequest* out)>;

// A connection's peer as numbers ("127.0.0.1", "::1"; an IPv4-mapped IPv6 address as IPv4).
struct Peer {
  std::string ip;
  int port = 0;
};

Peer AddressOf(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  Peer peer;
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof(text));
    peer.port = ntohs(v4.sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    if (IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) {
      inet_ntop(AF_INET, &v6.sin6_addr.s6_addr[12], text, sizeof(text));
    } else {
      inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof(text));
    }
    peer.port = ntohs(v6.sin6_port);
  }
  peer.ip = text;
  return peer;
}

Peer PeerOf(int sock) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (getpeername(sock, reinterpret_cast<sockaddr*>(&address), &length) != 0) return {};
  return AddressOf(address);
}

Peer LocalOf(int sock) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (getsockname(sock, reinterpret_cast<sockaddr*>(&address), &length) != 0) return {};
  return AddressOf(address);
}

// A connection's socket for httplib, with one difference from httplib's own: reads also
// stop at the request deadline, so a client that sends a byte just inside every per-read
// timeout still has to finish its request in time.
class DeadlineStream final : public httplib::Stream {
 public:
  DeadlineStream(int sock, Peer peer, absl::Duration read_timeout, absl::Duration write_timeout,
                 std::function<bool()> stopping)
      : sock_(sock),
        peer_(std::move(peer)),
        read_timeout_(read_timeout),
        write_timeout_(write_timeout),
        stopping_(std::move(stopping)) {}

  // Reads after `deadline` fail (and the request with them).
  void set_deadline(absl::Time deadline) {
    deadline_ = deadline;
    deadline_passed_ = false;
  }
  bool deadline_passed() const { return deadline_passed_; }

  // Whether a request starts within `idle` (and before the deadline).
  bool AwaitRequest(absl::Duration idle) {
    return buffered() > 0 || Wait(POLLIN, std::min(deadline_, absl::Now() + idle));
  }

  bool is_readable() const override {
    return buffered() > 0 || Wait(POLLIN, std::min(deadline_, absl::Now() + read_timeout_));
  }
  bool is_writable() const override { return Wait(POLLOUT, absl::Now() + write_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (buffered() > 0) {
      size_t n = std::min(size, buffered());
      std::copy_n(buffer_ + begin_, n, ptr);
      begin_ += n;
      return static_cast<ssize_t>(n);
    }
    if (!is_readable()) return -1;
    // httplib reads request lines a byte at a time: read ahead into the buffer.
    ssize_t n = 0;
    do {
      n = recv(sock_, buffer_, sizeof(buffer_), 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return n;
    begin_ = 0;
    end_ = static_cast<size_t>(n);
    return read(ptr, size);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n = 0;
    do {
      n = send(sock_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
  }
  using httplib::Stream::write;

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = peer_.ip;
    port = peer_.port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    Peer local = LocalOf(sock_);
    ip = local.ip;
    port = local.port;
  }
  socket_t socket() const override { return sock_; }

 private:
  size_t buffered() const { return end_ - begin_; }

  // Polls in short slices until `events` or `until`; false on timeout, error, or (when
  // reading) the server stopping.
  bool Wait(short events, absl::Time until) const {
    while (true) {
      absl::Duration left = until - absl::Now();
      if (left <= absl::ZeroDuration()) {
        if (events == POLLIN && until >= deadline_) deadline_passed_ = true;
        return false;
      }
      // Stopping ends waits for requests, not responses being written.
      if (events == POLLIN && stopping_()) return false;
      pollfd fd{sock_, events, 0};
      int ready = poll(&fd, 1,
                       static_cast<int>(absl::ToInt64Milliseconds(
                           std::min(left + absl::Milliseconds(1), absl::Milliseconds(100)))));
      if (ready > 0) return true;
      if (ready < 0 && errno != EINTR) return false;
    }
  }

  const int sock_;
  const Peer peer_;
  const absl::Duration read_timeout_;
  const absl::Duration write_timeout_;
  const std::function<bool()> stopping_;
  absl::Time deadline_ = absl::InfiniteFuture();
  mutable bool deadline_passed_ = false;
  char buffer_[4096];
  size_t begin_ = 0;
  size_t end_ = 0;
};

// httplib's server with the connection loop replaced: a cap on connections per client
// address, checked as a worker takes the connection, and the request deadline.
class GuardedServer final : public httplib::Server {
 public:
  explicit GuardedServer(const HttpLimits& limits) : limits_(limits) {
    new_task_queue = [workers = limits.workers] { return new LazyHttpTaskQueue(workers); };
  }

  // httplib listens with a backlog of 5: under a burst of connections the kernel drops the
  // rest of the SYNs and clients wait a second or more to retry. Called after binding.
  void WidenBacklog() {
    socket_t sock = svr_sock_;
    if (sock != INVALID_SOCKET) ::listen(sock, SOMAXCONN);
  }

 private:
  bool process_and_close_socket(socket_t sock) override {
    Peer peer = PeerOf(sock);
    bool served = false;
    if (Admit(peer.ip)) {
      served = Serve(sock, peer);
      Leave(peer.ip);
    } else {
      LogEvent("http_connection_refused", {{"client", peer.ip},
                                           {"reason", "too many connections from this client"},
                                           {"limit", limits_.max_connections_per_client}});
      Refuse(sock);
    }
    shutdown(sock, SHUT_RDWR);
    close(sock);
    return served;
  }

  bool Serve(int sock, const Peer& peer) {
    DeadlineStream stream(sock, peer, absl::Seconds(read_timeout_sec_),
                          absl::Seconds(write_timeout_sec_),
                          [this] { return svr_sock_ == INVALID_SOCKET; });
    bool ok = false;
    for (size_t left = keep_alive_max_count_; left > 0; --left) {
      // The whole next request, from now (the connection idle), within request_timeout.
      stream.set_deadline(absl::Now() + limits_.request_timeout);
      if (svr_sock_ == INVALID_SOCKET ||
          !stream.AwaitRequest(absl::Seconds(keep_alive_timeout_sec_))) {
        break;
      }
      bool connection_closed = false;
      ok = process_request(stream, left == 1, connection_closed, nullptr);
      if (stream.deadline_passed()) {
        LogEvent("http_request_timeout",
                 {{"client", peer.ip},
                  {"limit_seconds", absl::ToDoubleSeconds(limits_.request_timeout)}});
        break;
      }
      if (!ok || connection_closed) break;
    }
    return ok;
  }

  // Answers 429 without reading the request, then lets the client read it before closing.
  static void Refuse(int sock) {
    static const std::string kBody =
        "{\"error\": {\"code\": 429, \"status\": \"RESOURCE_EXHAUSTED\", \"message\": \"too "
        "many connections from this client\"}}\n";
    static const std::string kResponse = absl::StrCat(
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json; charset=utf-8\r\n"
        "Content-Length: ",
        kBody.size(), "\r\nConnection: close\r\nRetry-After: 1\r\n\r\n", kBody);
    // Unread input makes close() reset the connection, which can lose the answer: take in
    // what the client sent straight away (bounded), then close the sending side.
    pollfd fd{sock, POLLIN, 0};
    char discard[4096];
    size_t drained = 0;
    if (poll(&fd, 1, 50) > 0) {
      ssize_t n;
      while (drained < 64 * 1024 && (n = recv(sock, discard, sizeof(discard), MSG_DONTWAIT)) > 0) {
        drained += static_cast<size_t>(n);
      }
    }
    (void)send(sock, kResponse.data(), kResponse.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    shutdown(sock, SHUT_WR);
  }

  bool Admit(const std::string& client) {
    std::lock_guard<std::mutex> lock(mu_);
    int& open = open_[client];
    if (open >= limits_.max_connections_per_client) {
      if (open == 0) open_.erase(client);
      return false;
    }
    ++open;
    return true;
  }

  void Leave(const std::string& client) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = open_.find(client);
    if (it != open_.end() && --it->second <= 0) open_.erase(it);
  }

  const HttpLimits limits_;
  std::mutex mu_;
  // Open connections per client address; entries go when they reach 0.
  absl::flat_hash_map<std::string, int> open_ ABSL_GUARDED_BY(mu_);
};

// A connection held in memory, for ServeBytes: reads the given bytes, keeps what is written.
class BytesStream final : public httplib::Stream {
 public:
  explicit BytesStream(absl::string_view in) : in_(in) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    size_t n = std::min(size, in_.size());
    std::copy_n(in_.data(), n, ptr);
    in_.remove_prefix(n);
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  using httplib::Stream::write;
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 1;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 2;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  bool at_end() const { return in_.empty(); }
  std::string& written() { return out_; }

 private:
  absl::string_view in_;
  std::string out_;
};

// httplib's server with its request processing reachable without a socket.
class InProcessServer final : public httplib::Server {
 public:
  // Serves requests from `stream` until its bytes end or the connection would close.
  void ServeAll(BytesStream& stream) {
    for (size_t left = keep_alive_max_count_; left > 0 && !stream.at_end(); --left) {
      bool connection_closed = false;
      if (!process_request(stream, left == 1, connection_closed, nullptr) || connection_closed)
        break;
    }
  }
};

}  // namespace

absl::Status ValidateHttpLimits(const HttpLimits& limits) {
  if (limits.workers < 2 || limits.workers > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("http_workers must be from 2 to 1024, got ", limits.workers));
  }
  if (limits.max_connections_per_client < 1 ||
      limits.max_connections_per_client >= limits.workers) {
    return absl::InvalidArgumentError(
        absl::StrCat("http_max_connections_per_client must be from 1 to http_workers - 1 (",
                     limits.workers - 1, "), got ", limits.max_connections_per_client));
  }
  if (limits.request_timeout <= absl::ZeroDuration() || limits.request_timeout > absl::Minutes(5)) {
    return absl::InvalidArgumentError(
        absl::StrCat("http_request_timeout must be above 0 and at most 5m, got ",
                     absl::FormatDuration(limits.request_timeout)));
  }
  return absl::OkStatus();
}

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
    default:
      return 500;
  }
}

absl::StatusOr<v1::Format> ParseFormat(absl::string_view value) {
  std::string v = absl::AsciiStrToLower(value);
  if (v.empty() || v == "json") return v1::FORMAT_JSON;
  if (v == "csv") return v1::FORMAT_CSV;
  if (v == "html") return v1::FORMAT_HTML;
  if (v == "md" || v == "markdown") return v1::FORMAT_MARKDOWN;
  if (v == "xlsx") return v1::FORMAT_XLSX;
  if (v == "text" || v == "txt") return v1::FORMAT_TEXT;
  if (v == "pdf") return v1::FORMAT_PDF;
  if (v == "docx") return v1::FORMAT_DOCX;
  return absl::InvalidArgumentError(
      "format must be one of json, csv, html, markdown (md), xlsx, text, pdf, docx");
}

HttpEndpoint::HttpEndpoint(const auth::TokenVerifier* verifier, FileHandler handler,
                           HttpLimits limits)
    : verifier_(verifier), handler_(std::move(handler)), limits_(limits) {}

HttpEndpoint::HttpEndpoint(const auth::TokenVerifier* verifier, Handler handler, HttpLimits limits)
    : HttpEndpoint(
          verifier,
          [handler = std::move(handler)](
              const auth::Caller& caller,
              const v1::ExportReportRequest& request) -> absl::StatusOr<ReportFile> {
            absl::StatusOr<Rendered> rendered = handler(caller, request);
            if (!rendered.ok()) return rendered.status();
            auto content = std::make_shared<const std::string>(std::move(rendered->content));
            rendered->content.clear();
            return ReportFile{std::move(*rendered), [content](const doc::ByteSink& sink) {
                                return doc::SinkAll(*content, sink);
                              }};
          },
          limits) {}

HttpEndpoint::~HttpEndpoint() { Stop(); }

void HttpEndpoint::Route(httplib::Server& routed) {
  httplib::Server* server = &routed;
  server->set_default_headers(
      {{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}});
  server->set_payload_max_length(64 * 1024);
  server->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    request_start = absl::Now();
    request_span = trace::StartSpan(  // traces (H8)
        req.has_header(trace::kTraceparentKey)
            ? std::optional<absl::string_view>(req.get_header_value(trace::kTraceparentKey))
            : std::nullopt);
    // A route's path and query become strings of a request to the services, which the gRPC
    // API could never carry unless UTF-8 (protobuf refuses them): an evidence file's id the
    // assessment service could not read (a 500), a report's id in SQL PostgreSQL refuses.
    if (!IsUtf8Request(req)) {
      WriteError(res, absl::InvalidArgumentError("the path and query must be UTF-8"));
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server->set_logger([](const httplib::Request& req, const httplib::Response& res) {
    double latency_ms = request_start == absl::InfinitePast()
                            ? 0.0
                            : absl::ToDoubleMilliseconds(absl::Now() - request_start);
    request_start = absl::InfinitePast();
    nlohmann::json fields = {{"method", req.method},
                             {"path", req.path},
                             {"status", res.status},
                             {"latency_ms", latency_ms}};
    request_span.AddToLog(fields);  // traces (H8)
    LogEvent("http_request", std::move(fields));
  });
  server->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        WriteError(res, absl::InternalError(what));
      });

  server->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content("ok\n", "text/plain; charset=utf-8");
  });

  auto report = [this](Builder build) {
    return [this, build = std::move(build)](const httplib::Request& req, httplib::Response& res) {
      std::optional<auth::Caller> caller = CallerOf(*verifier_, req, res);
      if (!caller) return;

      // What they ask for.
      absl::StatusOr<v1::Format> format = ParseFormat(Param(req, "format"));
      if (!format.ok()) return WriteError(res, format.status());
      v1::ExportReportRequest request;
      request.set_format(*format);
      absl::StatusOr<int64_t> min_sequence = ParseMinSequence(req);
      if (!min_sequence.ok()) return WriteError(res, min_sequence.status());
      build(req.matches[1].str(), req, *min_sequence, &request);

      absl::StatusOr<ReportFile> file = handler_(*caller, request);
      if (!file.ok()) return WriteError(res, file.status());
      res.status = 200;
      // Files to keep are attachments; pages to look at (HTML, text, JSON) show inline.
      if (*format == v1::FORMAT_CSV || *format == v1::FORMAT_XLSX || *format == v1::FORMAT_PDF ||
          *format == v1::FORMAT_DOCX) {
        res.set_header(
            "Content-Disposition",
            absl::StrCat("attachment; filename=\"", SafeFilename(file->described.filename), "\""));
      }
      if (*format == v1::FORMAT_HTML) {
        // The page is self-contained: nothing to load, nothing to run.
        res.set_header(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
            "form-action 'none'");
      }
      // Sent while it is written. A writer failing midway returns false: httplib then drops
      // the connection without the last chunk.
      res.set_chunked_content_provider(
          file->described.content_type,
          [write = std::move(file->write)](size_t, httplib::DataSink& sink) {
            absl::Status written =
                write([&sink](const char* data, size_t size) { return sink.write(data, size); });
            if (!written.ok()) {
              LogEvent("http_export_failed", {{"error", written.ToString()}});
              return false;
            }
            sink.done();
            return true;
          });
    };
  };

  server->Get(absl::StrCat("/v1/assessments/", kId, "/report"),
              report([](const std::string& id, const httplib::Request& req, int64_t min_sequence,
                        v1::ExportReportRequest* out) {
                auto* r = out->mutable_assessment();
                r->set_assessment(absl::StrCat("assessments/", id));
                r->set_as_of_date(Param(req, "as_of_date"));
                r->set_min_sequence(min_sequence);
              }));
  server->Get(absl::StrCat("/v1/partnerships/", kId, "/trend"),
              report([](const std::string& id, const httplib::Request& req, int64_t min_sequence,
                        v1::ExportReportRequest* out) {
                auto* r = out->mutable_trend();
                r->set_partnership(absl::StrCat("partnerships/", id));
                r->set_kind(Param(req, "kind"));
                r->set_min_sequence(min_sequence);
              }));
  server->Get(absl::StrCat("/v1/regions/", kId, "/overview"),
              report([](const std::string& id, const httplib::Request& req, int64_t min_sequence,
                        v1::ExportReportRequest* out) {
                auto* r = out->mutable_region();
                r->set_region(absl::StrCat("regions/", id));
                r->set_as_of_date(Param(req, "as_of_date"));
                r->set_min_sequence(min_sequence);
              }));
  for (const char* collection : {"partnerships", "regions"}) {
    server->Get(absl::StrCat("/v1/", collection, "/", kId, "/actions"),
                report([collection](const std::string& id, const httplib::Request& req,
                                    int64_t min_sequence, v1::ExportReportRequest* out) {
                  auto* r = out->mutable_actions();
                  r->set_scope(absl::StrCat(collection, "/", id));
                  r->set_as_of_date(Param(req, "as_of_date"));
                  r->set_min_sequence(min_sequence);
                }));
  }
  server->Get(absl::StrCat("/v1/assessments/", kId, "/annual-report"),
              report([](const std::string& id, const httplib::Request& req, int64_t min_sequence,
                        v1::ExportReportRequest* out) {
                auto* r = out->mutable_annual();
                r->set_assessment(absl::StrCat("assessments/", id));
                r->set_min_sequence(min_sequence);
              }));
  // ---- scrutiny cycle (H4): the scrutineer's report (json, pdf, docx) ----
  server->Get(absl::StrCat("/v1/assessments/", kId, "/scrutineer-report"),
              report([](const std::string& id, const httplib::Request& req, int64_t min_sequence,
                        v1::ExportReportRequest* out) {
                auto* r = out->mutable_scrutineer();
                r->set_assessment(absl::StrCat("assessments/", id));
                r->set_as_of_date(Param(req, "as_of_date"));
                r->set_min_sequence(min_sequence);
                int version = 0;
                // A version that is no number is refused by the report (negative).
                if (req.has_param("version") &&
                    !absl::SimpleAtoi(req.get_param_value("version"), &version)) {
                  version = -1;
                }
                r->set_version(version);
              }));
  // ---- evidence and voice reports (H5) ----
  const std::vector<std::pair<const char*, Builder>> register_routes = {
      {"evidence-register",
       [](const std::string& id, const httplib::Request&, int64_t min_sequence,
          v1::ExportReportRequest* out) {
         auto* r = out->mutable_evidence_register();
         r->set_assessment(absl::StrCat("assessments/", id));
         r->set_min_sequence(min_sequence);
       }},
      {"engagement-summary",
       [](const std::string& id, const httplib::Request&, int64_t min_sequence,
          v1::ExportReportRequest* out) {
         auto* r = out->mutable_engagement_summary();
         r->set_assessment(absl::StrCat("assessments/", id));
         r->set_min_sequence(min_sequence);
       }},
      {"audits-and-reviews", [](const std::string& id, const httplib::Request& req,
                                int64_t min_sequence, v1::ExportReportRequest* out) {
         auto* r = out->mutable_audits_and_reviews();
         r->set_assessment(absl::StrCat("assessments/", id));
         r->set_as_of_date(Param(req, "as_of_date"));
         r->set_min_sequence(min_sequence);
       }}};
  for (const auto& [path, build] : register_routes) {
    server->Get(absl::StrCat("/v1/assessments/", kId, "/", path), report(build));
  }
  // An evidence file's contents, streamed from the assessment service with the caller's
  // own token (its permission and audit rules apply), always as an attachment.
  if (evidence_files_ != nullptr) {
    server->Get(absl::StrCat("/v1/evidenceFiles/", kId, "/content"),
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::optional<auth::Caller> caller = CallerOf(*verifier_, req, res);
                  if (!caller) return;
                  absl::Status started = StartEvidenceFileDownload(
                      evidence_files_, caller->bearer_token, req.matches[1].str(), res,
                      request_span.ChildTraceparent());  // traces (H8)
                  if (!started.ok()) WriteError(res, started);
                });
  }

  // Anything else: a JSON 404, and 405 for methods other than GET (and HEAD).
  server->Get(".*", [](const httplib::Request&, httplib::Response& res) {
    WriteError(res, absl::NotFoundError("no such resource"));
  });
  auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Allow", "GET, HEAD");
    WriteError(res, absl::UnimplementedError("only GET is supported"), 405);
  };
  server->Post(".*", not_allowed);
  server->Put(".*", not_allowed);
  server->Patch(".*", not_allowed);
  server->Delete(".*", not_allowed);
  server->Options(".*", not_allowed);
}

absl::Status HttpEndpoint::Start(const std::string& host, int port) {
  std::lock_guard<std::mutex> lock(mu_);
  if (server_ != nullptr)
    return absl::FailedPreconditionError("the HTTP endpoint is already started");
  if (port < 0 || port > 65535)
    return absl::InvalidArgumentError(absl::StrCat("bad HTTP port ", port));
  SIXSTEPS_RETURN_IF_ERROR(ValidateHttpLimits(limits_));
  auto guarded = std::make_unique<GuardedServer>(limits_);
  GuardedServer* guard = guarded.get();
  std::unique_ptr<httplib::Server> server = std::move(guarded);
  // httplib's default sets SO_REUSEPORT, which lets a second process bind the same port
  // and silently take half the requests. SO_REUSEADDR alone allows a quick restart.
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server->set_read_timeout(std::chrono::seconds(10));
  // Long enough for a large XLSX to a slow client.
  server->set_write_timeout(std::chrono::seconds(60));
  Route(*server);

  int bound = port;
  if (port == 0) {
    bound = server->bind_to_any_port(host);
    if (bound < 0)
      return absl::UnavailableError(absl::StrCat("cannot bind HTTP endpoint to ", host, ":0"));
  } else if (!server->bind_to_port(host, port)) {
    return absl::UnavailableError(absl::StrCat("cannot bind HTTP endpoint to ", host, ":", port));
  }
  guard->WidenBacklog();
  httplib::Server* raw = server.get();
  thread_ = std::thread([raw] { raw->listen_after_bind(); });
  // stop() only interrupts a server that is running, so Stop right after Start must not
  // race the thread's start.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!raw->is_running() && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  server_ = std::move(server);
  port_.store(bound);
  LogEvent("http_listening", {{"host", host}, {"port", bound}});
  return absl::OkStatus();
}

std::string HttpEndpoint::ServeBytes(absl::string_view request) {
  std::lock_guard<std::mutex> lock(in_process_mu_);
  if (in_process_ == nullptr) {
    in_process_ = std::make_unique<InProcessServer>();
    Route(*in_process_);
  }
  BytesStream stream(request);
  static_cast<InProcessServer&>(*in_process_).ServeAll(stream);
  return std::move(stream.written());
}

void HttpEndpoint::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (server_ == nullptr) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
  port_.store(0);
}

}  // namespace sixsteps::reporting
