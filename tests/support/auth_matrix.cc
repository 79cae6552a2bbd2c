// The auth matrix's calls and checks (auth_matrix.h): generic calls by method name, bad
// tokens, leaks and database fingerprints; auth_matrix_world.cc builds the world.
#include "tests/support/auth_matrix.h"

#include <google/protobuf/dynamic_message.h>
#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <pqxx/pqxx>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "services/common/jwt.h"
#include "services/common/status.h"

namespace sixsteps::testing {

namespace pb = ::google::protobuf;

nlohmann::json JwtPart(const std::string& token, int part) {
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string json;
  if (parts.size() <= static_cast<size_t>(part) ||
      !absl::WebSafeBase64Unescape(parts[part], &json)) {
    return nlohmann::json::object();
  }
  return nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
}

namespace {

// Runs the completion queue to the next event, which must be `tag`; returns its ok.
bool Await(grpc::CompletionQueue& queue, void* tag) {
  void* got = nullptr;
  bool ok = false;
  if (!queue.Next(&got, &ok)) return false;
  return got == tag && ok;
}

std::unique_ptr<pb::Message> Parse(const pb::MethodDescriptor* method, grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string data;
  if (buffer.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) {
      data.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
  }
  std::unique_ptr<pb::Message> message(
      pb::MessageFactory::generated_factory()->GetPrototype(method->output_type())->New());
  if (!message->ParseFromString(data)) return nullptr;
  return message;
}

}  // namespace

Reply CallGeneric(const MatrixWorld& world, const pb::MethodDescriptor* method,
                  const pb::Message& request, const std::string& token,
                  absl::Duration stream_wait) {
  Reply reply;
  std::shared_ptr<grpc::Channel> channel = world.ChannelFor(method->service()->full_name());
  if (!channel) {
    reply.status = grpc::Status(
        grpc::StatusCode::INTERNAL,
        absl::StrCat("the auth matrix has no server for ", method->service()->full_name()));
    return reply;
  }
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  // A client-streaming upload is sent the same way: one message, then the answer.
  const bool streaming = method->server_streaming() || method->client_streaming();
  context.set_deadline(
      absl::ToChronoTime(absl::Now() + (streaming ? stream_wait : absl::Seconds(30))));
  if (!token.empty()) Authorize(context, token);
  std::string bytes = request.SerializeAsString();
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request_buffer(&slice, 1);
  const std::string path = absl::StrCat("/", method->service()->full_name(), "/", method->name());
  grpc::CompletionQueue queue;
  int tags[6] = {};
  grpc::ByteBuffer response_buffer;
  if (!streaming) {
    std::unique_ptr<grpc::ClientAsyncResponseReader<grpc::ByteBuffer>> call =
        stub.PrepareUnaryCall(&context, path, request_buffer, &queue);
    call->StartCall();
    call->Finish(&response_buffer, &reply.status, &tags[0]);
    Await(queue, &tags[0]);
    if (reply.status.ok()) reply.response = Parse(method, response_buffer);
  } else {
    // One request, then the first message or the end of the stream.
    std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
        stub.PrepareCall(&context, path, &queue);
    call->StartCall(&tags[0]);
    bool ok = Await(queue, &tags[0]);
    if (ok) {
      call->Write(request_buffer, &tags[1]);
      ok = Await(queue, &tags[1]);
    }
    if (ok) {
      call->WritesDone(&tags[2]);
      ok = Await(queue, &tags[2]);
    }
    bool got_message = false;
    if (ok) {
      call->Read(&response_buffer, &tags[3]);
      got_message = Await(queue, &tags[3]);
    }
    if (got_message) context.TryCancel();
    call->Finish(&reply.status, &tags[4]);
    Await(queue, &tags[4]);
    if (got_message) {
      reply.status = grpc::Status::OK;
      reply.response = Parse(method, response_buffer);
    }
  }
  queue.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (queue.Next(&tag, &ok)) {
  }
  if (reply.status.ok() && !reply.response) {
    reply.status = grpc::Status(grpc::StatusCode::INTERNAL, "the answer did not parse");
  }
  return reply;
}

std::vector<std::pair<std::string, std::string>> BadTokens(const MatrixWorld& world) {
  std::vector<std::pair<std::string, std::string>> tokens;
  const std::string& admin = world.admin;
  nlohmann::json claims = JwtPart(admin, 1);
  const std::string kid = JwtPart(admin, 0)["kid"].get<std::string>();
  const int64_t now = absl::ToUnixSeconds(absl::Now());

  tokens.push_back({"no token", ""});

  nlohmann::json expired = claims;
  expired["iat"] = now - 1000;
  expired["exp"] = now - 120;  // well beyond the 30 s leeway
  absl::StatusOr<std::string> minted = world.hub->MintToken(expired);
  tokens.push_back({"expired token", minted.value_or("not minted")});

  jwt::KeyPair other = jwt::GenerateEd25519KeyPair().value();
  nlohmann::json fresh = claims;
  fresh["iat"] = now;
  fresh["exp"] = now + 600;
  tokens.push_back({"token signed by another key under the current kid",
                    jwt::Sign(fresh, kid, other.private_key).value()});
  tokens.push_back({"token signed by another key under an unknown kid",
                    jwt::Sign(fresh, "key-0000000000000000", other.private_key).value()});

  std::vector<std::string> parts = absl::StrSplit(admin, '.');
  std::string flipped = admin;
  size_t at = parts[0].size() + 1 + parts[1].size() / 2;
  flipped[at] = flipped[at] == 'x' ? 'y' : 'x';
  tokens.push_back({"administrator's token with a payload character flipped", flipped});

  // B's genuine token with its payload rewritten to grant the whole deployment.
  const std::string& token_b = world.TokenOf(Who::kRegionB);
  std::vector<std::string> b = absl::StrSplit(token_b, '.');
  nlohmann::json escalated = JwtPart(token_b, 1);
  escalated["grants"] = nlohmann::json::array({{{"role", "hub_administrator"}, {"region", "*"}}});
  tokens.push_back(
      {"B's token rewritten to grant deployment administration",
       absl::StrCat(b[0], ".", absl::WebSafeBase64Escape(escalated.dump()), ".", b[2])});
  // The same with no signature and "alg": "none".
  tokens.push_back(
      {"unsigned token with alg none",
       absl::StrCat(absl::WebSafeBase64Escape(
                        nlohmann::json({{"alg", "none"}, {"typ", "JWT"}, {"kid", kid}}).dump()),
                    ".", absl::WebSafeBase64Escape(fresh.dump()), ".")});
  return tokens;
}

std::string LeakOf(const MatrixWorld& world, const pb::Message& response) {
  std::string text = response.DebugString();
  for (const std::string& marker : world.markers) {
    if (absl::StrContains(text, marker)) return marker;
  }
  return "";
}

std::string IdOf(const std::string& name) { return name.substr(name.rfind('/') + 1); }

std::map<std::string, std::string> HubFingerprints(const TestHub& hub, bool with_assessment) {
  std::vector<std::pair<std::string, std::string>> databases = {
      {"identity", hub.identity_database_url()}, {"framework", hub.framework_database_url()}};
  if (with_assessment) databases.emplace_back("assessment", hub.assessment_database_url());
  std::map<std::string, std::string> all;
  for (const auto& [database, url] : databases) {
    for (const auto& [table, print] : Fingerprint(url)) {
      all[absl::StrCat(database, ".", table)] = print;
    }
  }
  return all;
}

std::map<std::string, std::string> Fingerprint(const std::string& url) {
  static const std::set<std::string> kExcluded = {"audit_events", "sign_in_throttle",
                                                  "sign_in_backoff", "refresh_tokens"};
  pqxx::connection connection(url);
  pqxx::work work(connection);
  std::map<std::string, std::string> fingerprint;
  for (const pqxx::row& table :
       work.exec("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                 "'public' AND table_type = 'BASE TABLE' ORDER BY table_name")) {
    const std::string name = table[0].as<std::string>();
    if (kExcluded.count(name)) continue;
    pqxx::row row = work.exec1(absl::StrCat(
        "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') "
        "FROM \"",
        name, "\" t"));
    fingerprint[name] =
        absl::StrCat(row[0].as<std::string>(), " rows, md5 ", row[1].as<std::string>());
  }
  return fingerprint;
}

void RowsOf::operator()(const std::string& method, const std::string& what,
                        const RequestFn& request, const std::vector<Expect>& expects,
                        const std::string& shown) const {
  for (const Expect& e : expects) {
    rows_->push_back({absl::StrCat(service_, ".", method), what, e.who, e.code, request,
                      e.code == Code::kOk && e.must_show.empty() ? shown : e.must_show, e.last});
  }
}

RowKind KindOf(const Row& row) {
  if (row.who == Who::kNobody) return RowKind::kUnauthenticated;
  if (IsOtherTenant(row.who)) return RowKind::kOtherTenant;
  if (row.code == Code::kPermissionDenied || row.code == Code::kNotFound ||
      row.code == Code::kUnauthenticated) {
    return RowKind::kRoleRefused;
  }
  return RowKind::kAllowed;
}

bool IsReadMethod(const pb::MethodDescriptor& method) {
  // A download reads (the audit entry of an OFFICIAL-SENSITIVE one is not the caller's write).
  for (const char* prefix :
       {"Get", "List", "Check", "Watch", "Export", "Diff", "Download", "Stream"}) {
    if (absl::StartsWith(method.name(), prefix)) return true;
  }
  return false;
}

}  // namespace sixsteps::testing
