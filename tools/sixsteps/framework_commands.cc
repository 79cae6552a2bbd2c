#include "tools/sixsteps/framework_commands.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sixsteps/framework/v1/framework_service.grpc.pb.h"
#include "tools/sixsteps/cli_status.h"
#include "tools/sixsteps/framework_edit.h"
#include "tools/sixsteps/framework_format.h"
#include "tools/sixsteps/framework_names.h"
#include "tools/sixsteps/json.h"
#include "tools/sixsteps/rpc_client.h"

namespace sixsteps::cli {
namespace {

namespace v1 = ::sixsteps::framework::v1;
using Stub = v1::FrameworkService::StubInterface;

using FrameworkClient = RpcClient<Stub>;

// Every version of a framework, through all pages, oldest first.
absl::StatusOr<std::vector<v1::FrameworkVersion>> ListAllVersions(FrameworkClient& client,
                                                                  const std::string& framework) {
  v1::ListFrameworkVersionsRequest request;
  request.set_parent(framework);
  return client.ListAll(&Stub::ListFrameworkVersions, request,
                        &v1::ListFrameworkVersionsResponse::framework_versions);
}

// ---- list, show, versions ----

absl::Status List(const CheckedArgs& args, FrameworkClient& client, const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::Framework> frameworks,
                            client.ListAll(&Stub::ListFrameworks, v1::ListFrameworksRequest(),
                                           &v1::ListFrameworksResponse::frameworks));
  // JSON: one response holding every page, so a script reads one document.
  v1::ListFrameworksResponse all;
  for (const v1::Framework& framework : frameworks) *all.add_frameworks() = framework;
  return PrintMessage(all, FormatFrameworkList(frameworks), context);
}

// The version `show` means by a framework: its latest published version, else its newest.
absl::StatusOr<std::string> VersionToShow(FrameworkClient& client, const std::string& framework) {
  v1::GetFrameworkRequest request;
  request.set_name(framework);
  SIXSTEPS_ASSIGN_OR_RETURN(v1::Framework found, client.Call(&Stub::GetFramework, request));
  if (!found.latest_published_version().empty()) return found.latest_published_version();
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::FrameworkVersion> versions,
                            ListAllVersions(client, framework));
  if (versions.empty()) {
    return absl::NotFoundError(absl::StrCat(framework, " has no versions"));
  }
  return versions.back().name();
}

absl::Status Show(const CheckedArgs& args, FrameworkClient& client, const CommandContext& context) {
  std::string version_name(kBuiltInVersionName);
  if (!args.positionals().empty()) {
    SIXSTEPS_ASSIGN_OR_RETURN(FrameworkRef ref, ExpandFrameworkOrVersion(args.Positional(0)));
    if (ref.kind == FrameworkRef::Kind::kVersion) {
      version_name = ref.name;
    } else {
      SIXSTEPS_ASSIGN_OR_RETURN(version_name, VersionToShow(client, ref.name));
    }
  }
  // Always a Get: a list item need not carry the whole tree.
  SIXSTEPS_ASSIGN_OR_RETURN(v1::FrameworkVersion version,
                            client.Get(&Stub::GetFrameworkVersion, version_name));
  return PrintMessage(version, FormatVersion(version), context);
}

absl::Status Versions(const CheckedArgs& args, FrameworkClient& client,
                      const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string framework, ExpandFrameworkName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(std::vector<v1::FrameworkVersion> versions,
                            ListAllVersions(client, framework));
  v1::ListFrameworkVersionsResponse all;
  for (const v1::FrameworkVersion& version : versions) *all.add_framework_versions() = version;
  return PrintMessage(all, FormatVersionList(versions), context);
}

// ---- adapt, new-version ----

absl::Status Adapt(const CheckedArgs& args, FrameworkClient& client,
                   const CommandContext& context) {
  v1::AdaptFrameworkRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_source_version(),
                            ExpandVersionName(args.Positional(0)));
  *request.mutable_framework_id() = args.Text("id");
  *request.mutable_display_name() = args.Text("name");
  std::optional<std::string> description = args.Optional("description");
  std::optional<std::string> region = args.Optional("region");
  request.set_description(description.value_or(""));
  request.set_region(region.value_or(""));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::AdaptFrameworkResponse response,
                            client.Call(&Stub::AdaptFramework, request));
  return PrintMessage(response,
                      absl::StrCat(FormatFramework(response.framework()), "\n",
                                   FormatVersionSummary(response.version())),
                      context);
}

absl::Status NewVersion(const CheckedArgs& args, FrameworkClient& client,
                        const CommandContext& context) {
  v1::CreateFrameworkVersionRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_parent(), ExpandFrameworkName(args.Positional(0)));
  *request.mutable_version_id() = args.Text("version");
  return client.CallAndPrint(&Stub::CreateFrameworkVersion, request, context, FormatVersionSummary);
}

// ---- edit ----

// One `edit` subcommand: declares its arguments (positionals after the subcommand word)
// and applies itself to the version read from the service.
struct EditCommand {
  absl::string_view name;
  absl::string_view usage;
  ArgSpec args;
  absl::StatusOr<EditResult> (*apply)(const CheckedArgs& args, v1::FrameworkVersion& version);
};

absl::StatusOr<EditResult> EditSetTitle(const CheckedArgs& args, v1::FrameworkVersion& version) {
  return SetTitle(version, args.Positional(0));
}

absl::StatusOr<EditResult> EditAddStep(const CheckedArgs& args, v1::FrameworkVersion& version) {
  NewStep step;
  step.title = args.Text("title");
  step.questions = args.Values("question");
  std::optional<std::string> id = args.Optional("id");
  step.id = id.value_or("");
  step.position = args.Position("position");
  return AddStep(version, step);
}

absl::StatusOr<EditResult> EditRemoveStep(const CheckedArgs& args, v1::FrameworkVersion& version) {
  return RemoveStep(version, args.Positional(0));
}

absl::StatusOr<EditResult> EditRewordStep(const CheckedArgs& args, v1::FrameworkVersion& version) {
  std::string title = args.Text("title");
  return RewordStep(version, args.Positional(0), title);
}

absl::StatusOr<EditResult> EditMoveStep(const CheckedArgs& args, v1::FrameworkVersion& version) {
  return MoveStep(version, args.Positional(0), *args.Position("position"));
}

absl::StatusOr<EditResult> EditAddQuestion(const CheckedArgs& args, v1::FrameworkVersion& version) {
  std::string text = args.Text("text");
  std::optional<std::string> id = args.Optional("id");
  std::optional<int> position = args.Position("position");
  return AddQuestion(version, args.Positional(0), text, id.value_or(""), position);
}

absl::StatusOr<EditResult> EditRemoveQuestion(const CheckedArgs& args,
                                              v1::FrameworkVersion& version) {
  return RemoveQuestion(version, args.Positional(0));
}

absl::StatusOr<EditResult> EditRewordQuestion(const CheckedArgs& args,
                                              v1::FrameworkVersion& version) {
  std::string text = args.Text("text");
  return RewordQuestion(version, args.Positional(0), text);
}

absl::StatusOr<EditResult> EditMoveQuestion(const CheckedArgs& args,
                                            v1::FrameworkVersion& version) {
  std::optional<int> position = args.Position("position");
  std::optional<std::string> step = args.Optional("step");
  return MoveQuestion(version, args.Positional(0), position, step);
}

absl::StatusOr<EditResult> EditAddContextQuestion(const CheckedArgs& args,
                                                  v1::FrameworkVersion& version) {
  std::string text = args.Text("text");
  std::optional<std::string> id = args.Optional("id");
  std::optional<int> position = args.Position("position");
  return AddContextQuestion(version, text, id.value_or(""), position);
}

absl::StatusOr<EditResult> EditRemoveContextQuestion(const CheckedArgs& args,
                                                     v1::FrameworkVersion& version) {
  return RemoveContextQuestion(version, args.Positional(0));
}

absl::StatusOr<EditResult> EditRewordContextQuestion(const CheckedArgs& args,
                                                     v1::FrameworkVersion& version) {
  std::string text = args.Text("text");
  return RewordContextQuestion(version, args.Positional(0), text);
}

// The edit subcommands and what each declares.
const std::vector<EditCommand>& EditCommands() {
  const ArgDecl position = arg::Integer("position", 1, "a whole number from 1 up");
  const ArgDecl id = arg::String("id");
  static const auto* const kEditCommands = new std::vector<EditCommand>{
      {"set-title",
       "sixsteps framework edit VERSION set-title TEXT",
       {.positionals = {arg::String("TEXT").Required()}},
       EditSetTitle},
      {"add-step",
       "sixsteps framework edit VERSION add-step --title T --question Q [--question Q ...] "
       "[--id ID] [--position N]",
       {.flags = {arg::String("title").Required(), arg::String("question").Required().Repeated(),
                  id, position}},
       EditAddStep},
      {"remove-step",
       "sixsteps framework edit VERSION remove-step STEP_ID",
       {.positionals = {arg::String("STEP_ID").Required()}},
       EditRemoveStep},
      {"reword-step",
       "sixsteps framework edit VERSION reword-step STEP_ID --title T",
       {.positionals = {arg::String("STEP_ID").Required()},
        .flags = {arg::String("title").Required()}},
       EditRewordStep},
      {"move-step",
       "sixsteps framework edit VERSION move-step STEP_ID --position N",
       {.positionals = {arg::String("STEP_ID").Required()}, .flags = {position.Required()}},
       EditMoveStep},
      {"add-question",
       "sixsteps framework edit VERSION add-question STEP_ID --text T [--id ID] [--position N]",
       {.positionals = {arg::String("STEP_ID").Required()},
        .flags = {arg::String("text").Required(), id, position}},
       EditAddQuestion},
      {"remove-question",
       "sixsteps framework edit VERSION remove-question QUESTION_ID",
       {.positionals = {arg::String("QUESTION_ID").Required()}},
       EditRemoveQuestion},
      {"reword-question",
       "sixsteps framework edit VERSION reword-question QUESTION_ID --text T",
       {.positionals = {arg::String("QUESTION_ID").Required()},
        .flags = {arg::String("text").Required()}},
       EditRewordQuestion},
      {"move-question",
       "sixsteps framework edit VERSION move-question QUESTION_ID [--position N] [--step STEP_ID]",
       {.positionals = {arg::String("QUESTION_ID").Required()},
        .flags = {position, arg::String("step")},
        .groups = {{FlagGroup::Rule::kAtLeastOne,
                    {"position", "step"},
                    "give --position, --step or both"}}},
       EditMoveQuestion},
      {"add-context-question",
       "sixsteps framework edit VERSION add-context-question --text T [--id ID] [--position N]",
       {.flags = {arg::String("text").Required(), id, position}},
       EditAddContextQuestion},
      {"remove-context-question",
       "sixsteps framework edit VERSION remove-context-question ID",
       {.positionals = {arg::String("ID").Required()}},
       EditRemoveContextQuestion},
      {"reword-context-question",
       "sixsteps framework edit VERSION reword-context-question ID --text T",
       {.positionals = {arg::String("ID").Required()}, .flags = {arg::String("text").Required()}},
       EditRewordContextQuestion},
  };
  return *kEditCommands;
}

constexpr absl::string_view kEditUsage = "sixsteps framework edit VERSION SUBCOMMAND [ARGS...]";

absl::Status Edit(const CheckedArgs& args, FrameworkClient& client, const CommandContext& context) {
  const EditCommand* command = nullptr;
  for (const EditCommand& candidate : EditCommands()) {
    if (candidate.name == args.Positional(1)) command = &candidate;
  }
  if (command == nullptr) {
    return UsageError(absl::StrCat("unknown edit subcommand '", args.Positional(1),
                                   "' (see 'sixsteps framework help')"));
  }
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, ExpandVersionName(args.Positional(0)));
  // Check the command line before reading anything, so a typo costs no call.
  absl::StatusOr<CheckedArgs> edit_args =
      CheckArgs(command->args, args.raw().WithoutLeadingPositionals(2));
  if (!edit_args.ok()) return WithUsage(edit_args.status(), command->usage);

  SIXSTEPS_ASSIGN_OR_RETURN(v1::FrameworkVersion version,
                            client.Get(&Stub::GetFrameworkVersion, name));
  absl::StatusOr<EditResult> edit = command->apply(*edit_args, version);
  if (!edit.ok()) return WithUsage(edit.status(), command->usage);

  // Send what was read, changed in one field, with the etag read: if someone else
  // updated the version meanwhile, the service answers ABORTED.
  v1::UpdateFrameworkVersionRequest request;
  *request.mutable_framework_version() = std::move(version);
  request.mutable_update_mask()->add_paths(edit->field);
  SIXSTEPS_ASSIGN_OR_RETURN(v1::FrameworkVersion updated,
                            client.Call(&Stub::UpdateFrameworkVersion, request));
  return PrintMessage(
      updated, absl::StrCat(DescribeEdit(*edit, updated), "\n", FormatVersionSummary(updated)),
      context);
}

// ---- publish, retire, delete ----

absl::Status Publish(const CheckedArgs& args, FrameworkClient& client,
                     const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, ExpandVersionName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::FrameworkVersion current,
                            client.Get(&Stub::GetFrameworkVersion, name));
  v1::PublishFrameworkVersionRequest request;
  request.set_name(name);
  request.set_etag(current.etag());
  return client.CallAndPrint(&Stub::PublishFrameworkVersion, request, context,
                             FormatVersionSummary);
}

absl::Status Retire(const CheckedArgs& args, FrameworkClient& client,
                    const CommandContext& context) {
  v1::RetireFrameworkVersionRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandVersionName(args.Positional(0)));
  return client.CallAndPrint(&Stub::RetireFrameworkVersion, request, context, FormatVersionSummary);
}

absl::Status Delete(const CheckedArgs& args, FrameworkClient& client,
                    const CommandContext& context) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string name, ExpandVersionName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::FrameworkVersion current,
                            client.Get(&Stub::GetFrameworkVersion, name));
  v1::DeleteFrameworkVersionRequest request;
  request.set_name(name);
  request.set_etag(current.etag());
  SIXSTEPS_ASSIGN_OR_RETURN(google::protobuf::Empty empty,
                            client.Call(&Stub::DeleteFrameworkVersion, request));
  return PrintMessage(empty, absl::StrCat("deleted ", name, "\n"), context);
}

// ---- export, import, diff ----

// Owner-only (0600): what the CLI exports is not for other users of the machine.
absl::Status WriteFile(const std::string& path, const std::string& contents) {
  return WritePrivateFile(path, contents);
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return LocalError(kExitNoInput, absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream contents;
  contents << file.rdbuf();
  if (file.bad()) {
    return LocalError(kExitNoInput, absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  return contents.str();
}

absl::Status Export(const CheckedArgs& args, FrameworkClient& client,
                    const CommandContext& context) {
  v1::ExportFrameworkVersionRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_name(), ExpandVersionName(args.Positional(0)));
  std::optional<std::string> out_path = args.Optional("out");
  SIXSTEPS_ASSIGN_OR_RETURN(v1::ExportFrameworkVersionResponse response,
                            client.Call(&Stub::ExportFrameworkVersion, request));
  // The document is always JSON, whatever --output says: it is the exchange format.
  SIXSTEPS_ASSIGN_OR_RETURN(std::string json, ToJson(response.document()));
  if (!out_path || *out_path == "-") {
    *context.out << json;
    return absl::OkStatus();
  }
  SIXSTEPS_RETURN_IF_ERROR(WriteFile(*out_path, json));
  if (context.output == OutputFormat::kText) {
    *context.out << "exported " << request.name() << " to " << *out_path << "\n";
  }
  return absl::OkStatus();
}

absl::Status Import(const CheckedArgs& args, FrameworkClient& client,
                    const CommandContext& context) {
  std::optional<std::string> region = args.Optional("region");
  std::string path(args.Positional(0));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string json, ReadFile(path));
  v1::ImportFrameworkVersionRequest request;
  if (absl::Status parsed = FromJson(json, *request.mutable_document()); !parsed.ok()) {
    return LocalError(kExitDataError, absl::StrCat(path, ": ", parsed.message()));
  }
  request.set_region(region.value_or(""));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::ImportFrameworkVersionResponse response,
                            client.Call(&Stub::ImportFrameworkVersion, request));
  return PrintMessage(response,
                      absl::StrCat(FormatFramework(response.framework()), "\n",
                                   FormatVersionSummary(response.version())),
                      context);
}

absl::Status Diff(const CheckedArgs& args, FrameworkClient& client, const CommandContext& context) {
  v1::DiffFrameworkVersionsRequest request;
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_base_version(), ExpandVersionName(args.Positional(0)));
  SIXSTEPS_ASSIGN_OR_RETURN(*request.mutable_target_version(),
                            ExpandVersionName(args.Positional(1)));
  return client.CallAndPrint(&Stub::DiffFrameworkVersions, request, context, FormatChanges);
}

// ---- the command table ----

using FrameworkCommand = Command<FrameworkClient>;

const std::vector<FrameworkCommand>& Commands() {
  const ArgDecl version = arg::String("VERSION").Required();
  static const auto* const kCommands = new std::vector<FrameworkCommand>{
      {"list", "sixsteps framework list", {}, List},
      {"show",
       "sixsteps framework show [FRAMEWORK|VERSION]",
       {.positionals = {arg::String("FRAMEWORK|VERSION")}},
       Show},
      {"versions",
       "sixsteps framework versions FRAMEWORK",
       {.positionals = {arg::String("FRAMEWORK").Required()}},
       Versions},
      {"adapt",
       "sixsteps framework adapt SOURCE_VERSION --id NEW_ID --name NAME [--description D] "
       "[--region R]",
       {.positionals = {arg::String("SOURCE_VERSION").Required()},
        .flags = {arg::String("id").Required(), arg::String("name").Required(),
                  arg::String("description"), arg::String("region")}},
       Adapt},
      {"new-version",
       "sixsteps framework new-version FRAMEWORK --version V",
       {.positionals = {arg::String("FRAMEWORK").Required()},
        .flags = {arg::String("version").Required()}},
       NewVersion},
      {"edit",
       kEditUsage,
       {.positionals = {version, arg::String("SUBCOMMAND").Required()}, .subcommands = true},
       Edit},
      {"publish", "sixsteps framework publish VERSION", {.positionals = {version}}, Publish},
      {"retire", "sixsteps framework retire VERSION", {.positionals = {version}}, Retire},
      {"delete", "sixsteps framework delete VERSION", {.positionals = {version}}, Delete},
      {"export",
       "sixsteps framework export VERSION [--out FILE]",
       {.positionals = {version}, .flags = {arg::File("out")}},
       Export},
      {"import",
       "sixsteps framework import FILE [--region R]",
       {.positionals = {arg::File("FILE").Required()}, .flags = {arg::String("region")}},
       Import},
      {"diff",
       "sixsteps framework diff BASE_VERSION TARGET_VERSION",
       {.positionals = {arg::String("BASE_VERSION").Required(),
                        arg::String("TARGET_VERSION").Required()}},
       Diff},
  };
  return *kCommands;
}

constexpr absl::string_view kFrameworkUsage = "sixsteps framework COMMAND [ARGS...]";

}  // namespace

std::string FrameworkHelp() {
  std::string help = absl::StrCat(
      "usage: ", kFrameworkUsage, "\n\n",
      "Frameworks and their versions. FRAMEWORK is ID or frameworks/ID; VERSION is ID/VERSION\n"
      "or frameworks/ID/versions/VERSION.\n\nCommands:\n");
  for (const FrameworkCommand& command : Commands()) {
    if (command.name != "edit") absl::StrAppend(&help, "  ", command.usage, "\n");
  }
  absl::StrAppend(&help, "  ", kEditUsage, "\n  sixsteps framework help\n\n",
                  "Edit subcommands (read the draft, change one field, update it with the etag\n"
                  "read; new ids may be left out and the service assigns s7, s2.q5, c19):\n");
  for (const EditCommand& command : EditCommands()) {
    absl::StrAppend(&help, "  ", command.usage.substr(command.usage.find("edit VERSION ") + 13),
                    "\n");
  }
  absl::StrAppend(
      &help,
      "Positions are 1-based. An id that the version does not hold is NOT_FOUND (exit 5), a\n"
      "position past the end OUT_OF_RANGE (exit 11), a new id already in use ALREADY_EXISTS\n"
      "(exit 6), as the service would answer; a version changed by someone else since it was\n"
      "read is ABORTED (exit 10): run the command again.\n\n",
      "show with no argument shows ", kBuiltInVersionName,
      "; with a framework, its latest\npublished version, or its newest if none is published.\n",
      "export writes the portable document as JSON (always, whatever --output says) to FILE or\n"
      "stdout; import reads one (FILE may be - for stdin) and rejects unknown fields.\n\n",
      "Global options: ", kGlobalOptionsUsage, "\n");
  return help;
}

namespace {}  // namespace

ServiceCommands FrameworkServiceCommands() {
  return WordCommands(CommandWord<v1::FrameworkService, FrameworkClient>{
      .word = "framework",
      .summary = "frameworks and their versions: list, show, adapt, edit, publish, export, diff",
      .commands = Commands(),
      .help = FrameworkHelp});
}

}  // namespace sixsteps::cli
