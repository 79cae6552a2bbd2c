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
inline constexpr absl::string_view kWebhookNotes =
    "webhooks: subscriptions of a partnership (partnership and hub administrators) or a\n"
    "region (its hub administrators) to events (round_opened, respondent_assigned,\n"
    "challenge_raised, challenge_answered, action_due_soon, action_due_today,\n"
    "action_overdue, action_escalation), POSTed as JSON signed as Standard Webhooks say.\n"
    "create and rotate-secret print the secret once. WEBHOOK is its full name\n"
    "(partnerships/P/webhooks/W); DELIVERY is WEBHOOK/deliveries/N. test email sends a\n"
    "test notice to your own address; test webhook sends a ping and says what happened.";

}  // namespace sixsteps::cli
