// The one way the CLI calls a service: RpcClient makes each unary call on a fresh context
// (deadline, bearer token), renews a token refused UNAUTHENTICATED once and makes the call
// again (CallWithRenewal), turns the grpc::Status into an absl::Status, and pages through
// List methods; client- and server-streaming calls (evidence files) go through it too.
// Every command (framework, identity, assessment, action, report, files) and the sign-in
// itself (session.cc) use it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include <google/protobuf/message.h>
#include <google/protobuf/repeated_ptr_field.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/sync_stream.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/command.h"
#include "tools/sixsteps/json.h"
#include "tools/sixsteps/options.h"

namespace sixsteps::cli {

// A List response holding `items` (every page's), for --output json: one document.
template <typename Response, typename Item>
Response Collect(const std::vector<Item>& items,
                 google::protobuf::RepeatedPtrField<Item>* (Response::*mutable_items)()) {
  Response all;
  for (const Item& item : items) *(all.*mutable_items)()->Add() = item;
  return all;
}

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

// What a command that made or changed a resource prints for people: "<verb> <its name>",
// then `format`'s text of it if given.
inline auto SaidDone(absl::string_view verb) {
  return [verb](const auto& resource) { return absl::StrCat(verb, " ", resource.name(), "\n"); };
}
template <typename Format>
auto SaidDone(absl::string_view verb, Format format) {
  return [verb, format](const auto& resource) {
    return absl::StrCat(verb, " ", resource.name(), "\n", format(resource));
  };
}

template <typename Stub>
class RpcClient {
 public:
  // `channel` is the one the stub was made on, for commands that call another service
  // served at the same address (the assessment service serves several).
  RpcClient(Stub& stub, const CallSettings& call,
            std::shared_ptr<grpc::ChannelInterface> channel = nullptr)
      : stub_(stub), call_(call), channel_(std::move(channel)) {}

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
  // `on_page`; an `on_page` that returns bool stops the paging by returning false.
  template <typename Response, typename Request, typename OnPage>
  absl::Status ForEachPage(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                        Response*),
                           Request request, OnPage on_page) {
    do {
      SIXSTEPS_ASSIGN_OR_RETURN(Response page, Call(method, request));
      if constexpr (std::is_same_v<decltype(on_page(page)), bool>) {
        if (!on_page(page)) return absl::OkStatus();
      } else {
        on_page(page);
      }
      // A server that hands back the same token would otherwise keep the CLI paging for ever.
      if (!page.next_page_token().empty() && page.next_page_token() == request.page_token()) {
        return absl::InternalError("the service returned the same page token twice");
      }
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return absl::OkStatus();
  }

  // Every item of a List method, through all pages.
  template <typename Item, typename Response, typename Request>
  absl::StatusOr<std::vector<Item>> ListAll(
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
      const Request& request,
      const google::protobuf::RepeatedPtrField<Item>& (Response::*items)() const) {
    std::vector<Item> all;
    SIXSTEPS_RETURN_IF_ERROR(ForEachPage(method, request, [&](const Response& page) {
      for (const Item& item : (page.*items)()) all.push_back(item);
    }));
    return all;
  }

  // Reads the resource `name` with a Get method.
  template <typename Response, typename Request>
  absl::StatusOr<Response> Get(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                            Response*),
                               absl::string_view name) {
    Request request;
    request.set_name(std::string(name));
    return Call(method, request);
  }

  // Makes the call and prints its answer: as JSON, or `text(answer)` for people.
  template <typename Response, typename Request, typename Text>
  absl::Status CallAndPrint(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                         Response*),
                            const Request& request, const CommandContext& context,
                            const Text& text) {
    SIXSTEPS_ASSIGN_OR_RETURN(Response response, Call(method, request));
    return PrintMessage(response, text(response), context);
  }

  // Every item of a List method, through all pages, printed: as one JSON document (a
  // response holding them all), or `text(items)` for people.
  template <typename Item, typename Response, typename Request, typename Text>
  absl::Status ListAndPrint(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                                         Response*),
                            const Request& request,
                            const google::protobuf::RepeatedPtrField<Item>& (Response::*items)()
                                const,
                            google::protobuf::RepeatedPtrField<Item>* (Response::*mutable_items)(),
                            const CommandContext& context, const Text& text) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::vector<Item> all, ListAll(method, request, items));
    return PrintMessage(Collect(all, mutable_items), text(all), context);
  }

  // A client-streaming call: `write` sends the requests on the call's writer (it may be
  // called twice, when the first attempt is refused UNAUTHENTICATED and the token renewed,
  // so it must be able to start again) and returns false if it could not read what it
  // sends (`*failure` says why; the call is then cancelled).
  template <typename Response, typename Request>
  absl::StatusOr<Response> ClientStream(
      std::unique_ptr<grpc::ClientWriterInterface<Request>> (Stub::*method)(grpc::ClientContext*,
                                                                            Response*),
      const std::function<absl::Status(grpc::ClientWriterInterface<Request>&)>& write) {
    Response response;
    absl::Status failure;
    grpc::Status status = CallWithRenewal(call_, [&](grpc::ClientContext& context) {
      response.Clear();
      std::unique_ptr<grpc::ClientWriterInterface<Request>> writer =
          (stub_.*method)(&context, &response);
      failure = write(*writer);
      if (!failure.ok()) {
        context.TryCancel();
        writer->Finish();
        return grpc::Status(grpc::StatusCode::CANCELLED, "not sent");
      }
      writer->WritesDone();
      return writer->Finish();
    });
    if (!failure.ok()) return failure;
    if (!status.ok()) return FromGrpc(status);
    return response;
  }

  // A server-streaming call: `on_message` gets each message in order and may stop the
  // call by returning an error (which is returned). Renewed and made again only when
  // refused UNAUTHENTICATED before any message arrived.
  template <typename Response, typename Request>
  absl::Status ServerStream(std::unique_ptr<grpc::ClientReaderInterface<Response>> (Stub::*method)(
                                grpc::ClientContext*, const Request&),
                            const Request& request,
                            const std::function<absl::Status(const Response&)>& on_message) {
    absl::Status failure;
    grpc::Status status = CallWithRenewal(call_, [&](grpc::ClientContext& context) {
      std::unique_ptr<grpc::ClientReaderInterface<Response>> reader =
          (stub_.*method)(&context, request);
      Response message;
      while (failure.ok() && reader->Read(&message)) failure = on_message(message);
      if (!failure.ok()) context.TryCancel();
      return reader->Finish();
    });
    if (!failure.ok()) return failure;
    if (!status.ok()) return FromGrpc(status);
    return absl::OkStatus();
  }

  Stub& stub() { return stub_; }
  const CallSettings& call() const { return call_; }
  const std::shared_ptr<grpc::ChannelInterface>& channel() const { return channel_; }

 private:
  Stub& stub_;
  const CallSettings& call_;
  std::shared_ptr<grpc::ChannelInterface> channel_;
};

namespace internal {
template <typename Stub>
struct StubHolder {
  std::unique_ptr<Stub> stub;
};
}  // namespace internal

// An RpcClient that keeps its stub: what ClientOf makes.
template <typename Stub>
class OwnedClient : private internal::StubHolder<Stub>, public RpcClient<Stub> {
 public:
  OwnedClient(std::unique_ptr<Stub> stub, const CallSettings& call,
              std::shared_ptr<grpc::ChannelInterface> channel)
      : internal::StubHolder<Stub>{std::move(stub)},
        RpcClient<Stub>(*this->internal::StubHolder<Stub>::stub, call, std::move(channel)) {}
};

// A client of `Service` on `channel`: for a command that calls a second service (the
// assessment service on the ActionService's channel, the identity service for names).
template <typename Service>
OwnedClient<typename Service::StubInterface> ClientOf(
    std::shared_ptr<grpc::ChannelInterface> channel, const CallSettings& call) {
  std::unique_ptr<typename Service::StubInterface> stub = Service::NewStub(channel);
  return OwnedClient<typename Service::StubInterface>(std::move(stub), call, std::move(channel));
}

}  // namespace sixsteps::cli
