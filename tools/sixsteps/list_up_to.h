// The first items of a List method, for the commands whose --limit bounds what they show
// (the audit log, the outbox, a webhook's deliveries): pages are read only until the limit.
#pragma once

#include <vector>

#include <google/protobuf/repeated_ptr_field.h>
#include <grpcpp/client_context.h>

#include "absl/status/statusor.h"
#include "tools/sixsteps/rpc_client.h"

namespace sixsteps::cli {

// At most `limit` items of `method`, in the order the service lists them.
template <typename Stub, typename Item, typename Response, typename Request>
absl::StatusOr<std::vector<Item>> ListUpTo(
    RpcClient<Stub>& client,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
    const Request& request,
    const google::protobuf::RepeatedPtrField<Item>& (Response::*items)() const, int limit) {
  std::vector<Item> found;
  SIXSTEPS_RETURN_IF_ERROR(client.ForEachPage(method, request, [&](const Response& page) {
    for (const Item& item : (page.*items)()) {
      if (static_cast<int>(found.size()) >= limit) return false;
      found.push_back(item);
    }
    return static_cast<int>(found.size()) < limit;
  }));
  return found;
}

}  // namespace sixsteps::cli
