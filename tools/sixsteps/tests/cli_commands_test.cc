// Drives the whole CLI (RunCli) in-process against a fake FrameworkService: arguments in,
// requests checked at the fake, output, stderr and exit status checked here.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "sixsteps/framework/v1/framework_service.grpc.pb.h"
#include "tests/support/status_matchers.h"
#include "tools/sixsteps/dispatcher.h"
#include "tools/sixsteps/json.h"
#include "tools/sixsteps/tests/cli_run.h"

namespace sixsteps::cli {
namespace {

namespace v1 = ::sixsteps::framework::v1;
using ::sixsteps::testing::IsOk;

// An in-memory FrameworkService with just enough behaviour for the CLI: etags, update
// masks, id assignment, paging one item at a time.
class FakeFrameworkService final : public v1::FrameworkService::Service {
 public:
  std::mutex mutex;
  std::map<std::string, v1::Framework> frameworks;         // by name
  std::map<std::string, v1::FrameworkVersion> versions;    // by name
  std::vector<v1::UpdateFrameworkVersionRequest> updates;  // as received
  std::vector<std::string> publish_etags, delete_etags;
  std::vector<std::string> authorizations;  // "authorization" metadata of every call
  int calls = 0;
  // Runs before an update is applied, to simulate another writer.
  std::function<void()> before_update;
  v1::DiffFrameworkVersionsRequest last_diff;

  void AddFramework(const std::string& id, const std::string& latest_published) {
    v1::Framework& framework = frameworks[absl::StrCat("frameworks/", id)];
    framework.set_name(absl::StrCat("frameworks/", id));
    framework.set_display_name(absl::StrCat("Framework ", id));
    framework.set_latest_published_version(latest_published);
  }

  v1::FrameworkVersion& AddVersion(const std::string& id, const std::string& version_id,
                                   v1::FrameworkVersion::State state) {
    std::string name = absl::StrCat("frameworks/", id, "/versions/", version_id);
    v1::FrameworkVersion& version = versions[name];
    version.set_name(name);
    version.set_state(state);
    version.set_title(absl::StrCat("Title of ", name));
    for (int s = 1; s <= 2; ++s) {
      v1::Step* step = version.add_steps();
      step->set_id(absl::StrCat("s", s));
      step->set_title(absl::StrCat("Step ", s));
      for (int q = 1; q <= 2; ++q) {
        v1::Question* question = step->add_questions();
        question->set_id(absl::StrCat("s", s, ".q", q));
        question->set_text(absl::StrCat("Question ", s, ".", q, "?"));
      }
    }
    version.add_context_questions()->set_id("c1");
    version.mutable_context_questions(0)->set_text("Context?");
    v1::RatingDefinition* green = version.add_rating_definitions();
    green->set_rating(v1::RATING_GREEN);
    green->set_definition("good");
    version.set_etag("e1");
    return version;
  }

  grpc::Status GetFramework(grpc::ServerContext* context, const v1::GetFrameworkRequest* request,
                            v1::Framework* response) override {
    std::lock_guard lock(mutex);
    Record(context);
    auto it = frameworks.find(request->name());
    if (it == frameworks.end()) return NotFound(request->name());
    *response = it->second;
    return grpc::Status::OK;
  }

  grpc::Status ListFrameworks(grpc::ServerContext* context,
                              const v1::ListFrameworksRequest* request,
                              v1::ListFrameworksResponse* response) override {
    std::lock_guard lock(mutex);
    Record(context);
    std::vector<v1::Framework> all;
    for (const auto& [name, framework] : frameworks) all.push_back(framework);
    return OnePage(all, request->page_token(), *response->mutable_frameworks(),
                   *response->mutable_next_page_token());
  }

  grpc::Status GetFrameworkVersion(grpc::ServerContext* context,
                                   const v1::GetFrameworkVersionRequest* request,
                                   v1::FrameworkVersion* response) override {
    std::lock_guard lock(mutex);
    Record(context);
    auto it = versions.find(request->name());
    if (it == versions.end()) return NotFound(request->name());
    *response = it->second;
    return grpc::Status::OK;
  }

  grpc::Status ListFrameworkVersions(grpc::ServerContext* context,
                                     const v1::ListFrameworkVersionsRequest* request,
                                     v1::ListFrameworkVersionsResponse* response) override {
    std::lock_guard lock(mutex);
    Record(context);
    std::vector<v1::FrameworkVersion> all;
    for (const auto& [name, version] : versions) {
      if (name.rfind(request->parent() + "/versions/", 0) == 0) all.push_back(version);
    }
    return OnePage(all, request->page_token(), *response->mutable_framework_versions(),
                   *response->mutable_next_page_token());
  }

  grpc::Status UpdateFrameworkVersion(grpc::ServerContext* context,
                                      const v1::UpdateFrameworkVersionRequest* request,
                                      v1::FrameworkVersion* response) override {
    if (before_update) before_update();
    std::lock_guard lock(mutex);
    Record(context);
    updates.push_back(*request);
    auto it = versions.find(request->framework_version().name());
    if (it == versions.end()) return NotFound(request->framework_version().name());
    v1::FrameworkVersion& stored = it->second;
    if (request->framework_version().etag() != stored.etag()) {
      return grpc::Status(grpc::StatusCode::ABORTED, "the version changed since it was read");
    }
    const v1::FrameworkVersion& update = request->framework_version();
    for (const std::string& path : request->update_mask().paths()) {
      if (path == "title") stored.set_title(update.title());
      if (path == "steps") *stored.mutable_steps() = update.steps();
      if (path == "context_questions")
        *stored.mutable_context_questions() = update.context_questions();
    }
    AssignIds(stored);
    BumpEtag(stored);
    *response = stored;
    return grpc::Status::OK;
  }

  grpc::Status PublishFrameworkVersion(grpc::ServerContext* context,
                                       const v1::PublishFrameworkVersionRequest* request,
                                       v1::FrameworkVersion* response) override {
    std::lock_guard lock(mutex);
    Record(context);
    publish_etags.push_back(request->etag());
    auto it = versions.find(request->name());
    if (it == versions.end()) return NotFound(request->name());
    it->second.set_state(v1::FrameworkVersion::STATE_PUBLISHED);
    BumpEtag(it->second);
    *response = it->second;
    return grpc::Status::OK;
  }

  grpc::Status DeleteFrameworkVersion(grpc::ServerContext* context,
                                      const v1::DeleteFrameworkVersionRequest* request,
                                      google::protobuf::Empty* response) override {
    std::lock_guard lock(mutex);
    Record(context);
    delete_etags.push_back(request->etag());
    if (versions.erase(request->name()) == 0) return NotFound(request->name());
    return grpc::Status::OK;
  }

  grpc::Status AdaptFramework(grpc::ServerContext* context,
                              const v1::AdaptFrameworkRequest* request,
                              v1::AdaptFrameworkResponse* response) override {
    std::lock_guard lock(mutex);
    Record(context);
    auto source = versions.find(request->source_version());
    if (source == versions.end()) return NotFound(request->source_version());
    std::string name = absl::StrCat("frameworks/", request->framework_id());
    v1::Framework& framework = frameworks[name];
    framework.set_name(name);
    framework.set_display_name(request->display_name());
    framework.set_description(request->description());
    framework.set_region(request->region());
    framework.set_derived_from(request->source_version());
    v1::FrameworkVersion version = source->second;
    version.set_name(absl::StrCat(name, "/versions/1"));
    version.set_state(v1::FrameworkVersion::STATE_DRAFT);
    version.set_derived_from(request->source_version());
    versions[version.name()] = version;
    *response->mutable_framework() = framework;
    *response->mutable_version() = version;
    return grpc::Status::OK;
  }

  grpc::Status ExportFrameworkVersion(grpc::ServerContext* context,
                                      const v1::ExportFrameworkVersionRequest* request,
                                      v1::ExportFrameworkVersionResponse* response) override {
    std::lock_guard lock(mutex);
    Record(context);
    auto it = versions.find(request->name());
    if (it == versions.end()) return NotFound(request->name());
    const v1::FrameworkVersion& version = it->second;
    std::vector<std::string> parts = absl::StrSplit(version.name(), '/');
    v1::FrameworkDocument& document = *response->mutable_document();
    document.set_format("sixsteps.framework.v1.FrameworkDocument");
    document.set_framework_id(parts[1]);
    document.set_display_name(absl::StrCat("Framework ", parts[1]));
    document.set_version_id(parts[3]);
    document.set_title(version.title());
    *document.mutable_steps() = version.steps();
    *document.mutable_rating_definitions() = version.rating_definitions();
    *document.mutable_context_questions() = version.context_questions();
    return grpc::Status::OK;
  }

  grpc::Status ImportFrameworkVersion(grpc::ServerContext* context,
                                      const v1::ImportFrameworkVersionRequest* request,
                                      v1::ImportFrameworkVersionResponse* response) override {
    std::lock_guard lock(mutex);
    Record(context);
    const v1::FrameworkDocument& document = request->document();
    std::string framework_name = absl::StrCat("frameworks/", document.framework_id());
    std::string name = absl::StrCat(framework_name, "/versions/", document.version_id());
    if (versions.contains(name)) {
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS, name);
    }
    v1::Framework& framework = frameworks[framework_name];
    framework.set_name(framework_name);
    framework.set_display_name(document.display_name());
    framework.set_region(request->region());
    v1::FrameworkVersion& version = versions[name];
    version.set_name(name);
    version.set_state(v1::FrameworkVersion::STATE_DRAFT);
    version.set_title(document.title());
    *version.mutable_steps() = document.steps();
    *version.mutable_rating_definitions() = document.rating_definitions();
    *version.mutable_context_questions() = document.context_questions();
    version.set_etag("e1");
    *response->mutable_framework() = framework;
    *response->mutable_version() = version;
    return grpc::Status::OK;
  }

  grpc::Status DiffFrameworkVersions(grpc::ServerContext* context,
                                     const v1::DiffFrameworkVersionsRequest* request,
                                     v1::DiffFrameworkVersionsResponse* response) override {
    std::lock_guard lock(mutex);
    Record(context);
    last_diff = *request;
    v1::FrameworkChange* change = response->add_changes();
    change->set_kind(v1::FrameworkChange::KIND_ADDED);
    change->set_item(v1::FrameworkChange::ITEM_QUESTION);
    change->set_id("s2.q5");
    change->set_step_id("s2");
    change->set_new_text("New?");
    return grpc::Status::OK;
  }

 private:
  void Record(grpc::ServerContext* context) {
    ++calls;
    auto [begin, end] = context->client_metadata().equal_range("authorization");
    for (auto it = begin; it != end; ++it) {
      authorizations.emplace_back(it->second.data(), it->second.size());
    }
  }

  static grpc::Status NotFound(const std::string& name) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, absl::StrCat(name, " not found"));
  }

  template <typename T, typename Out>
  static grpc::Status OnePage(const std::vector<T>& all, const std::string& token, Out& page,
                              std::string& next_token) {
    size_t index = 0;
    if (!token.empty() && !absl::SimpleAtoi(token, &index)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad page token");
    }
    if (index < all.size()) *page.Add() = all[index];
    if (index + 1 < all.size()) next_token = absl::StrCat(index + 1);
    return grpc::Status::OK;
  }

  static void BumpEtag(v1::FrameworkVersion& version) {
    int number = 0;
    (void)absl::SimpleAtoi(version.etag().substr(1), &number);
    version.set_etag(absl::StrCat("e", number + 1));
  }

  // Simplified: the next number after the count (enough for these tests).
  static void AssignIds(v1::FrameworkVersion& version) {
    for (int s = 0; s < version.steps_size(); ++s) {
      v1::Step& step = *version.mutable_steps(s);
      if (step.id().empty()) step.set_id(absl::StrCat("s", version.steps_size() + 10));
      for (int q = 0; q < step.questions_size(); ++q) {
        if (step.questions(q).id().empty()) {
          step.mutable_questions(q)->set_id(
              absl::StrCat(step.id(), ".q", step.questions_size() + q));
        }
      }
    }
    for (v1::ContextQuestion& question : *version.mutable_context_questions()) {
      if (question.id().empty())
        question.set_id(absl::StrCat("c", version.context_questions_size()));
    }
  }
};

using testing_support::Result;

class CliCommandsTest : public testing_support::CliTest {
 protected:
  void SetUp() override {
    service_.AddFramework("six-steps", "frameworks/six-steps/versions/2019");
    service_.AddVersion("six-steps", "2019", v1::FrameworkVersion::STATE_PUBLISHED);
    service_.AddFramework("luton", "");
    service_.AddVersion("luton", "1", v1::FrameworkVersion::STATE_PUBLISHED);
    service_.AddVersion("luton", "2", v1::FrameworkVersion::STATE_DRAFT);
    service_.AddFramework("zeta", "");
    default_env_.clear();
    Serve({&service_});
  }
  FakeFrameworkService service_;
};

TEST_F(CliCommandsTest, ShowWithoutArgumentShowsTheBuiltInVersion) {
  Result result = Run({"framework", "show"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, StartsWith("Title of frameworks/six-steps/versions/2019\n"));
  EXPECT_THAT(result.out, HasSubstr("\nStep s1: Step 1\n  s1.q1  Question 1.1?\n"));
  EXPECT_THAT(result.out, HasSubstr("\nGreen: good\n"));
  EXPECT_THAT(result.out, HasSubstr("\nContext questions\n  c1  Context?\n"));
  EXPECT_THAT(addresses_, ElementsAre("127.0.0.1:50051"));
}

TEST_F(CliCommandsTest, ShowAFrameworkPrefersItsLatestPublishedVersionElseItsNewest) {
  EXPECT_THAT(Run({"framework", "show", "six-steps"}).out,
              HasSubstr("Version: frameworks/six-steps/versions/2019\n"));
  EXPECT_THAT(Run({"framework", "show", "frameworks/luton"}).out,
              HasSubstr("Version: frameworks/luton/versions/2\n"));
  Result none = Run({"framework", "show", "zeta"});
  EXPECT_EQ(none.exit_code, 5);
  EXPECT_EQ(none.err, "error: NOT_FOUND: frameworks/zeta has no versions\n");
}

TEST_F(CliCommandsTest, ServiceErrorsExitWithTheirCode) {
  Result result = Run({"framework", "show", "nope/1"});
  EXPECT_EQ(result.exit_code, 5);
  EXPECT_EQ(result.err, "error: NOT_FOUND: frameworks/nope/versions/1 not found\n");
  EXPECT_THAT(result.out, IsEmpty());
}

TEST_F(CliCommandsTest, ListPagesThroughEveryFramework) {
  Result text = Run({"framework", "list"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  std::vector<std::string> lines = absl::StrSplit(text.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u);  // header + 3, fetched one page at a time
  EXPECT_THAT(lines[1], StartsWith("luton "));
  EXPECT_THAT(lines[2], StartsWith("six-steps "));

  Result json = Run({"--output", "json", "framework", "list"});
  v1::ListFrameworksResponse all;
  ASSERT_THAT(FromJson(json.out, all), IsOk());
  EXPECT_EQ(all.frameworks_size(), 3);
  EXPECT_TRUE(all.next_page_token().empty());
}

TEST_F(CliCommandsTest, GlobalOptionsMayFollowTheServiceWord) {
  Result result =
      Run({"framework", "--framework_address", "hub:9", "show", "luton/1", "--output=json"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  v1::FrameworkVersion version;
  ASSERT_THAT(FromJson(result.out, version), IsOk());
  EXPECT_EQ(version.name(), "frameworks/luton/versions/1");
  EXPECT_THAT(addresses_, ElementsAre("hub:9"));
}

TEST_F(CliCommandsTest, AddressComesFromTheEnvironment) {
  Run({"framework", "list"}, {{"SIXSTEPS_FRAMEWORK_ADDRESS", "env-host:7"}});
  EXPECT_THAT(addresses_, ElementsAre("env-host:7"));
}

TEST_F(CliCommandsTest, BearerTokenGoesOnEveryCallWhenSet) {
  Run({"framework", "list"});
  EXPECT_THAT(service_.authorizations, IsEmpty());
  Run({"framework", "list"}, {{"SIXSTEPS_TOKEN", "t0k"}});
  EXPECT_THAT(service_.authorizations, ElementsAre("Bearer t0k", "Bearer t0k", "Bearer t0k"));
}

TEST_F(CliCommandsTest, VersionsListsEveryVersion) {
  Result result = Run({"framework", "versions", "luton"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\nluton/1  published  "));
  EXPECT_THAT(result.out, HasSubstr("\nluton/2  draft      "));
}

TEST_F(CliCommandsTest, EditAddStepSendsOnlyStepsWithTheEtagRead) {
  Result result = Run({"framework", "edit", "luton/2", "add-step", "--title", "New step",
                       "--question", "First?", "--question", "Second?", "--position", "1"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  ASSERT_EQ(service_.updates.size(), 1u);
  const v1::UpdateFrameworkVersionRequest& update = service_.updates[0];
  EXPECT_THAT(update.update_mask().paths(), ElementsAre("steps"));
  EXPECT_EQ(update.framework_version().name(), "frameworks/luton/versions/2");
  EXPECT_EQ(update.framework_version().etag(), "e1");
  ASSERT_EQ(update.framework_version().steps_size(), 3);
  EXPECT_EQ(update.framework_version().steps(0).title(), "New step");
  EXPECT_EQ(update.framework_version().steps(0).id(), "");
  EXPECT_THAT(result.out,
              StartsWith("added step s13: New step\nVersion: frameworks/luton/versions/2\n"));
  EXPECT_THAT(result.out, HasSubstr("Etag: e2\n"));
}

TEST_F(CliCommandsTest, EditEachSubcommandChangesOneField) {
  struct Case {
    std::vector<std::string> words;
    std::string field;
  };
  std::vector<Case> cases = {
      {{"set-title", "New title"}, "title"},
      {{"reword-step", "s1", "--title", "Reworded"}, "steps"},
      {{"move-step", "s2", "--position", "1"}, "steps"},
      {{"add-question", "s1", "--text", "Q?"}, "steps"},
      {{"remove-question", "s1.q1"}, "steps"},
      {{"reword-question", "s1.q2", "--text", "Q2?"}, "steps"},
      {{"move-question", "s1.q2", "--position", "1", "--step", "s2"}, "steps"},
      {{"remove-step", "s1"}, "steps"},
      {{"add-context-question", "--text", "Why?", "--position", "1"}, "context_questions"},
      {{"reword-context-question", "c1", "--text", "How?"}, "context_questions"},
      {{"remove-context-question", "c1"}, "context_questions"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> words = {"framework", "edit", "luton/2"};
    words.insert(words.end(), c.words.begin(), c.words.end());
    Result result = Run(words);
    EXPECT_EQ(result.exit_code, 0) << c.words[0] << ": " << result.err;
    ASSERT_FALSE(service_.updates.empty());
    EXPECT_THAT(service_.updates.back().update_mask().paths(), ElementsAre(c.field)) << c.words[0];
  }
  const v1::FrameworkVersion& version = service_.versions["frameworks/luton/versions/2"];
  EXPECT_EQ(version.title(), "New title");
  EXPECT_EQ(version.context_questions_size(), 1);
  EXPECT_EQ(version.context_questions(0).text(), "Why?");
  ASSERT_EQ(version.steps_size(), 1);
  EXPECT_EQ(version.steps(0).id(), "s2");
  EXPECT_EQ(version.steps(0).questions(0).id(), "s1.q2");
  EXPECT_EQ(version.steps(0).questions(0).text(), "Q2?");
}

TEST_F(CliCommandsTest, EditWithAStaleEtagIsAborted) {
  service_.before_update = [this] {
    std::lock_guard lock(service_.mutex);
    service_.versions["frameworks/luton/versions/2"].set_etag("e9");
  };
  Result result = Run({"framework", "edit", "luton/2", "set-title", "Mine"});
  EXPECT_EQ(result.exit_code, 10);
  EXPECT_EQ(result.err, "error: ABORTED: the version changed since it was read\n");
}

TEST_F(CliCommandsTest, EditOfAnUnknownIdIsNotFoundAndSendsNoUpdate) {
  Result result = Run({"framework", "edit", "luton/2", "remove-question", "s7.q1"});
  EXPECT_EQ(result.exit_code, 5);
  EXPECT_EQ(result.err, "error: NOT_FOUND: no question 's7.q1' in frameworks/luton/versions/2\n");
  EXPECT_THAT(service_.updates, IsEmpty());
  Result past_end = Run({"framework", "edit", "luton/2", "move-step", "s1", "--position", "3"});
  EXPECT_EQ(past_end.exit_code, 11);
}

TEST_F(CliCommandsTest, EditUsageErrorsAreCaughtBeforeAnyCall) {
  Result result = Run({"framework", "edit", "luton/2", "add-step", "--question", "Q?"});
  EXPECT_EQ(result.exit_code, 64);
  EXPECT_EQ(result.err,
            "error: --title is required\n"
            "usage: sixsteps framework edit VERSION add-step --title T --question Q "
            "[--question Q ...] [--id ID] [--position N]\n");
  EXPECT_EQ(service_.calls, 0);
  EXPECT_EQ(Run({"framework", "edit", "luton/2", "frobnicate"}).exit_code, 64);
  EXPECT_EQ(Run({"framework", "edit", "luton", "set-title", "x"}).exit_code, 64);
  EXPECT_EQ(Run({"framework", "edit", "luton/2", "remove-step", "s1", "--force", "x"}).exit_code,
            64);
  EXPECT_EQ(service_.calls, 0);
}

TEST_F(CliCommandsTest, PublishAndDeleteSendAFreshEtag) {
  service_.versions["frameworks/luton/versions/2"].set_etag("e4");
  Result published = Run({"framework", "publish", "frameworks/luton/versions/2"});
  EXPECT_EQ(published.exit_code, 0) << published.err;
  EXPECT_THAT(service_.publish_etags, ElementsAre("e4"));
  EXPECT_THAT(published.out, HasSubstr("State: published\n"));

  Result deleted = Run({"framework", "delete", "luton/2"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_THAT(service_.delete_etags, ElementsAre("e5"));
  EXPECT_EQ(deleted.out, "deleted frameworks/luton/versions/2\n");
  EXPECT_EQ(Run({"--output", "json", "framework", "delete", "luton/1"}).out, "{}\n");
}

TEST_F(CliCommandsTest, AdaptSendsTheRequest) {
  Result result = Run({"framework", "adapt", "six-steps/2019", "--id", "beds", "--name",
                       "Bedfordshire", "--region", "beds-hub", "--description", "Ours"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("Framework: frameworks/beds\nName: Bedfordshire\n"));
  EXPECT_THAT(result.out, HasSubstr("Owner: region beds-hub\n"));
  EXPECT_THAT(result.out, HasSubstr("Version: frameworks/beds/versions/1\nState: draft\n"));
  EXPECT_EQ(Run({"framework", "adapt", "six-steps/2019", "--name", "x"}).exit_code, 64);
}

TEST_F(CliCommandsTest, ExportImportExportIsByteIdentical) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "cli_commands_test";
  std::filesystem::create_directories(dir);
  std::string file = (dir / "luton-1.json").string();

  Result exported = Run({"framework", "export", "luton/1", "--out", file});
  EXPECT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.out, absl::StrCat("exported frameworks/luton/versions/1 to ", file, "\n"));
  std::ifstream in(file);
  std::string first((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(first, HasSubstr("\"framework_id\": \"luton\""));

  // Import into a hub that does not have it yet.
  service_.versions.erase("frameworks/luton/versions/1");
  Result imported = Run({"framework", "import", file, "--region", "r1"});
  EXPECT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.out, HasSubstr("Version: frameworks/luton/versions/1\n"));

  Result again = Run({"framework", "export", "luton/1"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, first);

  // A second import of the same document is the service's ALREADY_EXISTS.
  EXPECT_EQ(Run({"framework", "import", file}).exit_code, 6);
}

TEST_F(CliCommandsTest, ImportRejectsUnknownFieldsAndMissingFiles) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "cli_commands_test";
  std::filesystem::create_directories(dir);
  std::string file = (dir / "typo.json").string();
  std::ofstream(file) << R"({"format": "sixsteps.framework.v1.FrameworkDocument", "titel": "T"})";
  Result typo = Run({"framework", "import", file});
  EXPECT_EQ(typo.exit_code, 65);
  EXPECT_THAT(typo.err, StartsWith(absl::StrCat("error: ", file, ": not a valid ")));
  EXPECT_THAT(typo.err, HasSubstr("titel"));

  Result missing = Run({"framework", "import", (dir / "missing.json").string()});
  EXPECT_EQ(missing.exit_code, 66);
  EXPECT_EQ(service_.calls, 0);

  Result unwritable = Run({"framework", "export", "luton/1", "--out", "/nonexistent/dir/x.json"});
  EXPECT_EQ(unwritable.exit_code, 73);
}

TEST_F(CliCommandsTest, DiffPrintsOneLinePerChange) {
  Result result = Run({"framework", "diff", "six-steps/2019", "frameworks/luton/versions/2"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "+ question s2.q5 (step s2): New?\n");
  EXPECT_EQ(service_.last_diff.base_version(), "frameworks/six-steps/versions/2019");
  EXPECT_EQ(service_.last_diff.target_version(), "frameworks/luton/versions/2");
}

TEST_F(CliCommandsTest, HelpAndUsage) {
  Result help = Run({"help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("  framework  "));
  EXPECT_THAT(Run({"framework", "help"}).out, HasSubstr("edit VERSION SUBCOMMAND"));
  EXPECT_THAT(Run({"help", "framework"}).out, HasSubstr("edit VERSION SUBCOMMAND"));
  EXPECT_THAT(Run({"framework", "edit", "--help"}).out, HasSubstr("add-context-question"));

  Result none = Run({});
  EXPECT_EQ(none.exit_code, 64);
  EXPECT_THAT(none.err, HasSubstr("usage: sixsteps "));
  Result unknown = Run({"identiti", "list"});
  EXPECT_EQ(unknown.exit_code, 64);
  EXPECT_THAT(unknown.err, StartsWith("error: unknown service 'identiti'"));
  Result bad_command = Run({"framework", "lsit"});
  EXPECT_EQ(bad_command.exit_code, 64);
  EXPECT_EQ(Run({"--timeout", "x", "framework", "list"}).exit_code, 64);
  EXPECT_EQ(Run({"framework", "versions"}).exit_code, 64);
  EXPECT_EQ(Run({"framework", "show", "a/b/c"}).exit_code, 64);
  EXPECT_EQ(service_.calls, 0);
}

TEST(CliUnavailableTest, NoServerIsUnavailable) {
  std::ostringstream out, err;
  Environment no_env = [](absl::string_view) { return std::optional<std::string>(); };
  int code = RunCli({"--framework_address", "127.0.0.1:1", "--timeout", "5", "framework", "list"},
                    no_env, InsecureChannelFactory(), out, err);
  EXPECT_EQ(code, 14);
  EXPECT_THAT(err.str(), StartsWith("error: UNAVAILABLE: "));
}

}  // namespace
}  // namespace sixsteps::cli
