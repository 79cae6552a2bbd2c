// `sixsteps notifications webhooks ...` and `sixsteps notifications test ...`: webhook
// subscriptions of a partnership or a region, their delivery log, redelivery, and test
// notices. Their table is searched after the outbox and rules commands' (notification_commands.cc).
#pragma once

#include <string>
#include <vector>

#include "sixsteps/notification/v1/notification_service.grpc.pb.h"
#include "tools/sixsteps/command.h"
#include "tools/sixsteps/rpc_client.h"

namespace sixsteps::cli {

using NotificationClient =
    RpcClient<::sixsteps::notification::v1::NotificationService::StubInterface>;

const std::vector<Command<NotificationClient>>& WebhookCommands();

// What `sixsteps notifications help` says of them.
std::string WebhookHelp();

}  // namespace sixsteps::cli
