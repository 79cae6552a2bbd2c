// The contracts' promises to integrators (issue 14, item 5), read from the .proto files
// themselves (their comments) and checked against the code:
//  - every RPC's comment has an `Errors:` paragraph naming each refusal's status;
//  - every List RPC either pages, its page_size comment stating the default and the maximum
//    that the service's page_sizes.h declares and its handler enforces with
//    NormalisePageSize, and docs/api.md's table quoting the same numbers; or says that it
//    answers "in one page";
//  - only List RPCs take a page_size, and each documents its page_token (ListChanges,
//    which pages by after_sequence, has none).
// A new RPC without `Errors:`, or a new list without its page sizes written down (or written
// down wrong), fails here.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/common/pagination.h"
#include "tests/every_page_sizes.h"  // every services/*/page_sizes.h (tests/CMakeLists.txt)
#include "tests/support/paths.h"
#include "tests/support/read_file.h"

namespace sixsteps {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;

// Each paged List RPC, the constant its handler passes to NormalisePageSize, and its value.
struct PagedList {
  std::string rpc;  // full name: package.Service.Method
  std::string constant;
  PageSizeLimits limits;
};

#define SIXSTEPS_PAGED_LIST(service, method, ns, constant) \
  PagedList { service "." #method, #constant, ns::constant }

const std::vector<PagedList>& PagedLists() {
  static const auto* lists = new std::vector<PagedList>{
      SIXSTEPS_PAGED_LIST("sixsteps.action.v1.ActionService", ListActions, assessment,
                          kListActionsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.action.v1.ActionService", ListProgressUpdates, assessment,
                          kListProgressUpdatesPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.AssessmentService", ListAssessments, assessment,
                          kListAssessmentsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.AssessmentService", ListRespondents, assessment,
                          kListRespondentsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.AssessmentService", ListChallenges, assessment,
                          kListChallengesPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.AssessmentService", ListResponses, assessment,
                          kListResponsesPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.AssessmentService", ListRevisions, assessment,
                          kListRevisionsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.AssessmentService", ListChanges, assessment,
                          kListChangesPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.EvidenceFileService", ListEvidenceFiles,
                          assessment, kListEvidenceFilesPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.EvidenceFileService", ListEvidenceFileDownloads,
                          assessment, kListEvidenceFileDownloadsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.ProgrammeService", ListPlannedRounds, assessment,
                          kListPlannedRoundsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.RetentionService", ListLegalHolds, assessment,
                          kListLegalHoldsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.RetentionService", ListTombstones, assessment,
                          kListTombstonesPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.ScrutinyReportService",
                          ListScrutinyReportVersions, assessment, kListScrutinyReportVersionsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.ScrutinyReportService", ListScrutinyConcerns,
                          assessment, kListScrutinyConcernsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.ScrutinyReportService", ListAnnualReportDrafts,
                          assessment, kListAnnualReportDraftsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.VoiceService", ListEngagementRecords, assessment,
                          kListVoiceRecordsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.VoiceService", ListCaseAudits, assessment,
                          kListVoiceRecordsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.assessment.v1.VoiceService", ListLearningReviews, assessment,
                          kListVoiceRecordsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.framework.v1.FrameworkService", ListFrameworks, framework,
                          kListFrameworksPage),
      SIXSTEPS_PAGED_LIST("sixsteps.framework.v1.FrameworkService", ListFrameworkVersions,
                          framework, kListFrameworkVersionsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.identity.v1.IdentityService", ListRegions, identity,
                          kListRegionsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.identity.v1.IdentityService", ListPartnerships, identity,
                          kListPartnershipsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.identity.v1.IdentityService", ListOrganisations, identity,
                          kListOrganisationsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.identity.v1.IdentityService", ListUsers, identity,
                          kListUsersPage),
      SIXSTEPS_PAGED_LIST("sixsteps.identity.v1.IdentityService", ListServiceAccounts, identity,
                          kListServiceAccountsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.identity.v1.IdentityService", ListApiKeys, identity,
                          kListApiKeysPage),
      SIXSTEPS_PAGED_LIST("sixsteps.identity.v1.IdentityService", ListRoleBindings, identity,
                          kListRoleBindingsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.identity.v1.IdentityService", ListAuditEvents, identity,
                          kListAuditEventsPage),
      SIXSTEPS_PAGED_LIST("sixsteps.notification.v1.NotificationService", ListOutboxMessages,
                          notification, kListOutboxMessagesPage),
      SIXSTEPS_PAGED_LIST("sixsteps.notification.v1.NotificationService", ListWebhooks,
                          notification, kListWebhooksPage),
      SIXSTEPS_PAGED_LIST("sixsteps.notification.v1.NotificationService", ListWebhookDeliveries,
                          notification, kListWebhookDeliveriesPage),
  };
  return *lists;
}

#undef SIXSTEPS_PAGED_LIST

// An RPC as its .proto file declares it, with the comment above it.
struct Rpc {
  std::string full_name;  // package.Service.Method
  std::string name;
  std::string request;  // the request message's name, unqualified
  std::string comment;
};

// Every contract under proto/sixsteps, read line by line (the files keep to buf's style: one
// declaration a line, comments on the lines above what they describe): each RPC with its
// comment, and the comment of each top-level message's page_size field.
struct Contracts {
  int files = 0;
  std::vector<Rpc> rpcs;
  std::map<std::string, std::string> page_size_comments;   // request message -> comment
  std::map<std::string, std::string> page_token_comments;  // request message -> comment
};

Contracts ReadContracts() {
  static const std::regex kPackage(R"(^package\s+([\w.]+)\s*;)");
  static const std::regex kService(R"(^service\s+(\w+))");
  static const std::regex kMessage(R"(^message\s+(\w+))");
  static const std::regex kRpc(R"(^\s*rpc\s+(\w+)\s*\(\s*(?:stream\s+)?([\w.]+)\s*\))");
  static const std::regex kPageSize(R"(^\s*int32\s+page_size\s*=)");
  static const std::regex kPageToken(R"(^\s*string\s+page_token\s*=)");
  Contracts contracts;
  const fs::path root = testing::SourceDir() / "proto" / "sixsteps";
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".proto") continue;
    ++contracts.files;
    std::ifstream in(entry.path());
    std::string package, service, message, comment;
    std::smatch match;
    for (std::string line; std::getline(in, line);) {
      const size_t text = line.find_first_not_of(' ');
      if (text != std::string::npos && line.compare(text, 2, "//") == 0) {
        std::string words = line.substr(text + 2);
        if (!words.empty() && words[0] == ' ') words.erase(0, 1);
        absl::StrAppend(&comment, words, "\n");
        continue;
      }
      if (std::regex_search(line, match, kPackage)) package = match[1];
      if (std::regex_search(line, match, kService)) service = match[1];
      if (std::regex_search(line, match, kMessage)) message = match[1];
      if (std::regex_search(line, match, kRpc)) {
        const std::string request = match[2];
        contracts.rpcs.push_back({absl::StrCat(package, ".", service, ".", match[1].str()),
                                  match[1], request.substr(request.rfind('.') + 1), comment});
      }
      if (std::regex_search(line, kPageSize)) contracts.page_size_comments[message] = comment;
      if (std::regex_search(line, kPageToken)) contracts.page_token_comments[message] = comment;
      comment.clear();
    }
  }
  return contracts;
}

class ContractsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { contracts_ = new Contracts(ReadContracts()); }

  static bool IsList(const Rpc& rpc) { return rpc.name.rfind("List", 0) == 0; }

  static Contracts* contracts_;
};

Contracts* ContractsTest::contracts_ = nullptr;

TEST_F(ContractsTest, EveryContractIsRead) {
  EXPECT_GE(contracts_->files, 20);
  EXPECT_GE(contracts_->rpcs.size(), 100u);
  EXPECT_GE(contracts_->page_size_comments.size(), 30u);
}

TEST_F(ContractsTest, EveryRpcCommentEndsWithItsErrors) {
  static const std::regex kErrorsLine(R"((^|\n) *Errors:)");
  for (const Rpc& rpc : contracts_->rpcs) {
    EXPECT_TRUE(std::regex_search(rpc.comment, kErrorsLine))
        << rpc.full_name
        << ": its comment needs a line starting `Errors:` listing each refusal's status "
           "(\"Errors: none of its own\" when there is none); comment:\n"
        << rpc.comment;
  }
}

// A list's numbers as its page_size comment states them: "0 means N" or "Default N", and
// "clamped to M".
std::optional<PageSizeLimits> DocumentedPageSizes(const std::string& comment) {
  static const std::regex kDefault(R"((?:0\s+means|Default)\s+([0-9][0-9,]*))");
  static const std::regex kMax(R"(clamped\s+to\s+([0-9][0-9,]*))");
  std::smatch default_match;
  std::smatch max_match;
  if (!std::regex_search(comment, default_match, kDefault) ||
      !std::regex_search(comment, max_match, kMax)) {
    return std::nullopt;
  }
  return PageSizeLimits{std::stoi(absl::StrReplaceAll(default_match[1].str(), {{",", ""}})),
                        std::stoi(absl::StrReplaceAll(max_match[1].str(), {{",", ""}}))};
}

const PagedList* FindPagedList(const std::string& rpc) {
  for (const PagedList& list : PagedLists()) {
    if (list.rpc == rpc) return &list;
  }
  return nullptr;
}

TEST_F(ContractsTest, EveryListDocumentsItsPageSizesOrSaysItIsOnePage) {
  int paged = 0;
  for (const Rpc& rpc : contracts_->rpcs) {
    if (!IsList(rpc)) continue;
    auto page_size = contracts_->page_size_comments.find(rpc.request);
    if (page_size == contracts_->page_size_comments.end()) {
      EXPECT_THAT(rpc.comment, ::testing::HasSubstr("in one page"))
          << rpc.full_name
          << " has no page_size: its comment must say that it answers in one page (and why "
             "that is bounded)";
      continue;
    }
    ++paged;
    const PagedList* list = FindPagedList(rpc.full_name);
    ASSERT_NE(list, nullptr) << rpc.full_name
                             << " pages: add it to PagedLists() with its page_sizes.h constant";
    std::optional<PageSizeLimits> documented = DocumentedPageSizes(page_size->second);
    ASSERT_TRUE(documented.has_value())
        << rpc.request
        << ".page_size: its comment must state the default (\"0 means N\") and the maximum "
           "(\"above M it is clamped to M\")";
    EXPECT_EQ(documented->default_size, list->limits.default_size) << rpc.full_name;
    EXPECT_EQ(documented->max_size, list->limits.max_size) << rpc.full_name;
  }
  EXPECT_EQ(paged, static_cast<int>(PagedLists().size()))
      << "PagedLists() names an RPC that is not a paged List RPC";
}

TEST_F(ContractsTest, OnlyListRpcsPageAndEachDocumentsItsPageToken) {
  for (const auto& [request, comment] : contracts_->page_size_comments) {
    const bool of_a_list =
        std::any_of(contracts_->rpcs.begin(), contracts_->rpcs.end(),
                    [&](const Rpc& rpc) { return rpc.request == request && IsList(rpc); });
    EXPECT_TRUE(of_a_list) << request
                           << " has a page_size but is no List RPC's request: its page sizes "
                              "would escape these checks";
    if (request == "ListChangesRequest") continue;  // pages by after_sequence
    auto token = contracts_->page_token_comments.find(request);
    ASSERT_NE(token, contracts_->page_token_comments.end()) << request << " has no page_token";
    EXPECT_THAT(token->second, ::testing::HasSubstr("next_page_token"))
        << request << ".page_token: its comment must say that it is a previous response's "
        << "next_page_token (and what a token of another query gets)";
  }
}

TEST_F(ContractsTest, EveryPagedListEnforcesItsPageSizesWithNormalisePageSize) {
  // The text of every NormalisePageSize call in the services (up to its statement's end).
  std::vector<std::string> calls;
  for (const auto& entry : fs::recursive_directory_iterator(testing::SourceDir() / "services")) {
    if (entry.path().extension() != ".cc") continue;
    const std::string text = ReadFile(entry.path());
    for (size_t at = text.find("NormalisePageSize("); at != std::string::npos;
         at = text.find("NormalisePageSize(", at + 1)) {
      calls.push_back(text.substr(at, text.find(';', at) - at));
    }
  }
  for (const PagedList& list : PagedLists()) {
    const std::regex constant("\\b" + list.constant + "\\b");
    EXPECT_TRUE(
        std::any_of(calls.begin(), calls.end(),
                    [&](const std::string& call) { return std::regex_search(call, constant); }))
        << list.rpc << ": no handler calls NormalisePageSize(..., " << list.constant << ")";
  }
}

// docs/api.md's table (| list | default | maximum |): each row names lists in backticks (or
// "identity's lists") and their two numbers.
TEST_F(ContractsTest, TheApiGuidesPageTableQuotesTheSameNumbers) {
  const std::string api = ReadFile(testing::SourceDir() / "docs" / "api.md");
  static const std::regex kRow(R"(\n\|([^|\n]*)\| *([0-9][0-9,]*) *\| *([0-9][0-9,]*) *\|)");
  static const std::regex kName(R"(`(List\w+)`)");
  std::map<std::string, PageSizeLimits> rows;  // method name, or "identity"
  for (auto row = std::sregex_iterator(api.begin(), api.end(), kRow); row != std::sregex_iterator();
       ++row) {
    const PageSizeLimits limits{std::stoi(absl::StrReplaceAll((*row)[2].str(), {{",", ""}})),
                                std::stoi(absl::StrReplaceAll((*row)[3].str(), {{",", ""}}))};
    const std::string names = (*row)[1].str();
    if (names.find("identity's lists") != std::string::npos) rows["identity"] = limits;
    for (auto name = std::sregex_iterator(names.begin(), names.end(), kName);
         name != std::sregex_iterator(); ++name) {
      rows[(*name)[1].str()] = limits;
    }
  }
  for (const PagedList& list : PagedLists()) {
    const std::string method = list.rpc.substr(list.rpc.rfind('.') + 1);
    auto row = rows.find(method);
    if (row == rows.end() && list.rpc.rfind("sixsteps.identity.", 0) == 0) {
      row = rows.find("identity");
    }
    ASSERT_NE(row, rows.end()) << "docs/api.md's page table does not name " << method;
    EXPECT_EQ(row->second.default_size, list.limits.default_size) << method;
    EXPECT_EQ(row->second.max_size, list.limits.max_size) << method;
  }
}

}  // namespace
}  // namespace sixsteps
