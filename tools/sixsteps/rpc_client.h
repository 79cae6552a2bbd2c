// A unary-call helper shared by the assessment, action and report commands: one fresh
// context per call (deadline, bearer token), grpc::Status turned into absl::Status, and
// paging through List methods.
#pragma once

#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include <grpcpp/client_context.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/command.h"
#include "tools/sixsteps/json.h"
#include "tools/sixsteps/options.h"

namespace sixsteps::cli {

template <typename Stub>
class RpcClient {
 public:
  RpcClient(Stub& stub, const CallSettings& call) : stub_(stub), call_(call) {}

  template <typename Response, typename Request>
  absl::StatusOr<Response> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                             Response*),
                                const Request& request) {
    Response response;
    grpc::Status status = CallWithRenewal(call_, [&](grpc::ClientContext& context) {
      return (stub_.*method)(&context, request, &response);
    });
    if (!status.ok()) return FromGrpc(status);
    return response;
  }

  // Calls a List method page by page (page_token / next_page_token), handing each page to
  // `on_page`.
  template <typename Response, typename Request, typename OnPage>
  absl::Status ForEachPage(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                        Response*),
                           Request request, OnPage on_page) {
    do {
      SIXSTEPS_ASSIGN_OR_RETURN(Response page, Call(method, request));
      on_page(page);
      // A server that hands back the same token would otherwise keep the CLI paging for ever.
      if (!page.next_page_token().empty() && page.next_page_token() == request.page_token()) {
        return absl::InternalError("the service returned the same page token twice");
      }
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return absl::OkStatus();
  }

  Stub& stub() { return stub_; }
  const CallSettings& call() const { return call_; }

 private:
  Stub& stub_;
  const CallSettings& call_;
};

// Prints `message` as JSON or `text` as is, as --output asks.
inline absl::Status PrintMessage(const google::protobuf::Message& message, const std::string& text,
                                 const CommandContext& context) {
  if (context.output == OutputFormat::kJson) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::string json, ToJson(message));
    *context.out << json;
  } else {
    *context.out << text;
  }
  return absl::OkStatus();
}

}  // namespace sixsteps::cli
