// What the files of IdentityServiceImpl (identity_service*.cc, one per resource) share:
// list paging, audit details, the role-binding message and the call's deadline. Included
// by those files only.
#pragma once

#include <string>
#include <vector>

#include <grpcpp/server_context.h>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/common/pagination.h"
#include "services/identity/store.h"
#include "sixsteps/identity/v1/identity.pb.h"

namespace sixsteps::identity {

// The prefix of an API key's secret: "ssk.{api_key_id}.{secret}".
inline constexpr absl::string_view kApiKeyPrefix = "ssk";
// Keys stay published this long past the access-token lifetime, for clock differences.
// Revocations are kept as long.
inline constexpr absl::Duration kKeyPublicationLeeway = absl::Minutes(5);

inline std::string JsonDetail(const nlohmann::json& detail) { return detail.dump(); }

// Lists one more than asked, to know whether another page exists.
template <typename T, typename KeyOf>
std::string NextPageToken(std::vector<T>& items, int page_size, absl::string_view query,
                          KeyOf key_of) {
  if (static_cast<int>(items.size()) <= page_size) return "";
  items.resize(page_size);
  return EncodePageToken(key_of(items.back()), query);
}

v1::RoleBinding ToProto(const StoredRoleBinding& stored);

// The call's deadline; InfiniteFuture if it has none (or one more than an hour away).
absl::Time DeadlineOf(const grpc::ServerContext& context);

// A refusal carrying a retry hint (RetryLater) also says it in a "retry-after" trailer, in
// seconds, for clients to wait by.
void AddRetryHint(grpc::ServerContext* context, const absl::Status& status);

}  // namespace sixsteps::identity
