// sixsteps assessment history, feed: a record's revisions and the change feed.
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tools/sixsteps/assessment_command_parts.h"
#include "tools/sixsteps/assessment_format.h"
#include "tools/sixsteps/assessment_names.h"
#include "tools/sixsteps/identity_names.h"
#include "tools/sixsteps/json.h"
#include "tools/sixsteps/session.h"

namespace sixsteps::cli::assessment_cmd {

absl::Status History(const CheckedArgs& args, Client& client, const CommandContext& context) {
  asv1::ListRevisionsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandRecordName(args.Positional(0)));
  asv1::ListRevisionsResponse all;
  SIXSTEPS_RETURN_IF_ERROR(client.ForEachPage(&Stub::ListRevisions, request,
                                              [&](const asv1::ListRevisionsResponse& page) {
                                                for (const auto& r : page.revisions())
                                                  *all.add_revisions() = r;
                                              }));
  return PrintMessage(all,
                      FormatRevisionList(std::vector<asv1::Revision>(all.revisions().begin(),
                                                                     all.revisions().end())),
                      context);
}

namespace {

absl::Status PrintChange(const asv1::Change& change, const CommandContext& context) {
  if (context.output == OutputFormat::kJson) {
    SIXSTEPS_ASSIGN_OR_RETURN(std::string line, ToJsonLine(change));
    *context.out << line;
  } else {
    *context.out << FormatChange(change);
  }
  context.out->flush();
  return absl::OkStatus();
}

}  // namespace

absl::Status Feed(const CheckedArgs& args, Client& client, const CommandContext& context) {
  int64_t after = args.Integer("after").value_or(0);
  std::optional<std::string> partnership_arg = args.Optional("partnership");
  std::string partnership;
  if (partnership_arg) {
    SIXSTEPS_ASSIGN_OR_RETURN(partnership, ExpandPartnershipName(*partnership_arg));
  }
  if (args.Has("follow")) {
    std::string token = context.call.bearer_token;
    while (true) {
      asv1::WatchChangesRequest request;
      request.set_after_sequence(after);
      request.set_partnership(partnership);
      // No deadline: the stream lasts until the service ends it or the user interrupts.
      grpc::ClientContext call;
      if (!token.empty()) call.AddMetadata("authorization", absl::StrCat("Bearer ", token));
      std::unique_ptr<grpc::ClientReaderInterface<asv1::WatchChangesResponse>> reader =
          client.stub().WatchChanges(&call, request);
      const absl::Time opened = absl::Now();
      bool delivered = false;
      asv1::WatchChangesResponse response;
      while (reader->Read(&response)) {
        SIXSTEPS_RETURN_IF_ERROR(PrintChange(response.change(), context));
        after = response.change().sequence();
        delivered = true;
      }
      grpc::Status finished = reader->Finish();
      // The service ends a stream when its access token expires (or stops being valid):
      // with a stored sign-in, renew the token and carry on after the last change printed.
      // A stream refused at once with nothing delivered is not retried: the sign-in itself
      // is refused, and renewing again would not help.
      constexpr absl::Duration kServedLongEnough = absl::Seconds(10);
      bool served = delivered || absl::Now() - opened >= kServedLongEnough;
      if (finished.error_code() == grpc::StatusCode::UNAUTHENTICATED && served &&
          context.session != nullptr && context.env != nullptr &&
          context.session->stored.has_value() && !context.session->token_from_environment) {
        // The service no longer accepts this token, whatever time it has left.
        context.session->stored->access_token_expire_time = absl::InfinitePast();
        std::string renewed = CurrentAccessToken(*context.session, *context.env, context.call);
        if (!renewed.empty() && renewed != token) {
          token = std::move(renewed);
          continue;
        }
      }
      return FromGrpc(finished);
    }
  }
  asv1::ListChangesRequest request;
  request.set_after_sequence(after);
  request.set_partnership(partnership);
  int printed = 0;
  while (true) {
    SIXSTEPS_ASSIGN_OR_RETURN(asv1::ListChangesResponse page,
                              client.Call(&Stub::ListChanges, request));
    for (const asv1::Change& change : page.changes()) {
      SIXSTEPS_RETURN_IF_ERROR(PrintChange(change, context));
      ++printed;
    }
    // next_after_sequence may pass changes the caller cannot see; nothing examined: the end.
    if (page.next_after_sequence() <= request.after_sequence()) break;
    request.set_after_sequence(page.next_after_sequence());
  }
  if (printed == 0 && context.output == OutputFormat::kText && context.err != nullptr) {
    *context.err << "no changes after " << after << "\n";
  }
  return absl::OkStatus();
}

}  // namespace sixsteps::cli::assessment_cmd
