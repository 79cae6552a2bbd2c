#include "services/framework/framework_service.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/base/status_macros.h"
#include "services/common/grpc_reply.h"
#include "services/common/pagination.h"
#include "services/framework/page_sizes.h"

namespace sixsteps::framework {
namespace {

constexpr absl::string_view kFirstVersionId = "1";

}  // namespace

// ---- Who may see and change what. ----

absl::StatusOr<v1::Framework> FrameworkServiceImpl::VisibleFramework(
    const auth::Caller& caller, const std::string& framework_id) {
  absl::StatusOr<v1::Framework> framework = store_->GetFramework(framework_id);
  if (framework.ok() && !CanReadFramework(caller, *framework)) {
    return absl::NotFoundError(absl::StrCat(FrameworkName(framework_id), " not found"));
  }
  return framework;
}

absl::StatusOr<v1::FrameworkVersion> FrameworkServiceImpl::VisibleVersion(
    const auth::Caller& caller, const VersionName& name) {
  absl::StatusOr<v1::Framework> framework = VisibleFramework(caller, name.framework_id);
  if (!framework.ok()) {
    if (framework.status().code() == absl::StatusCode::kNotFound) {
      return absl::NotFoundError(absl::StrCat(name.ToString(), " not found"));
    }
    return framework.status();
  }
  return store_->GetVersion(name);
}

absl::Status FrameworkServiceImpl::CheckCanManage(const auth::Caller& caller,
                                                  const std::string& framework_id) {
  SIXSTEPS_ASSIGN_OR_RETURN(v1::Framework framework, VisibleFramework(caller, framework_id));
  return CheckCanManageFramework(caller, framework);
}

SIXSTEPS_RPC(FrameworkServiceImpl, GetFramework, v1::GetFrameworkRequest, v1::Framework)

absl::StatusOr<v1::Framework> FrameworkServiceImpl::DoGetFramework(
    const auth::Caller& caller, const v1::GetFrameworkRequest& request) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string id, ParseFrameworkName(request.name(), "name"));
  return VisibleFramework(caller, id);
}

SIXSTEPS_RPC(FrameworkServiceImpl, GetFrameworkVersion, v1::GetFrameworkVersionRequest,
             v1::FrameworkVersion)

absl::StatusOr<v1::FrameworkVersion> FrameworkServiceImpl::DoGetFrameworkVersion(
    const auth::Caller& caller, const v1::GetFrameworkVersionRequest& request) {
  SIXSTEPS_ASSIGN_OR_RETURN(VersionName name, ParseVersionName(request.name(), "name"));
  return VisibleVersion(caller, name);
}

// ---- The RPCs. ----

SIXSTEPS_RPC(FrameworkServiceImpl, ListFrameworks, v1::ListFrameworksRequest,
             v1::ListFrameworksResponse)

absl::StatusOr<v1::ListFrameworksResponse> FrameworkServiceImpl::DoListFrameworks(
    const auth::Caller& caller, const v1::ListFrameworksRequest& request) {
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size,
                            NormalisePageSize(request.page_size(), kListFrameworksPage));
  constexpr absl::string_view kQuery = "frameworks";
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after, DecodePageToken(request.page_token(), kQuery));
  // The built-in frameworks and those of every region the caller has a role in.
  std::vector<std::string> regions;
  for (const auth::Grant& grant : caller.grants) regions.push_back(grant.region);
  // One more than asked tells whether another page exists.
  SIXSTEPS_ASSIGN_OR_RETURN(
      std::vector<v1::Framework> frameworks,
      store_->ListFrameworks(after, page_size + 1, caller.SeesEverything(), regions));
  v1::ListFrameworksResponse response;
  bool more = static_cast<int>(frameworks.size()) > page_size;
  if (more) frameworks.resize(page_size);
  for (v1::Framework& framework : frameworks) *response.add_frameworks() = std::move(framework);
  if (more) {
    const std::string& last = response.frameworks(page_size - 1).name();
    response.set_next_page_token(
        EncodePageToken(last.substr(absl::string_view("frameworks/").size()), kQuery));
  }
  return response;
}

SIXSTEPS_RPC(FrameworkServiceImpl, AdaptFramework, v1::AdaptFrameworkRequest,
             v1::AdaptFrameworkResponse)

absl::StatusOr<v1::AdaptFrameworkResponse> FrameworkServiceImpl::DoAdaptFramework(
    const auth::Caller& caller, const v1::AdaptFrameworkRequest& request) {
  SIXSTEPS_ASSIGN_OR_RETURN(VersionName source_name,
                            ParseVersionName(request.source_version(), "source_version"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateFrameworkId(request.framework_id(), "framework_id"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateDisplayName(request.display_name(), "display_name"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateDescription(request.description(), "description"));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::FrameworkVersion source, VisibleVersion(caller, source_name));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanCreateFrameworkIn(caller, request.region()));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::FrameworkVersion draft, AdaptedDraft(source));
  VersionName draft_name{request.framework_id(), std::string(kFirstVersionId)};
  draft.set_name(draft_name.ToString());

  v1::Framework framework;
  framework.set_name(FrameworkName(request.framework_id()));
  framework.set_display_name(request.display_name());
  framework.set_description(request.description());
  framework.set_region(request.region());
  framework.set_derived_from(source.name());
  SIXSTEPS_RETURN_IF_ERROR(store_->CreateFramework(framework, draft));

  v1::AdaptFrameworkResponse response;
  SIXSTEPS_ASSIGN_OR_RETURN(*response.mutable_framework(),
                            store_->GetFramework(request.framework_id()));
  SIXSTEPS_ASSIGN_OR_RETURN(*response.mutable_version(), store_->GetVersion(draft_name));
  return response;
}

SIXSTEPS_RPC(FrameworkServiceImpl, ListFrameworkVersions, v1::ListFrameworkVersionsRequest,
             v1::ListFrameworkVersionsResponse)

absl::StatusOr<v1::ListFrameworkVersionsResponse> FrameworkServiceImpl::DoListFrameworkVersions(
    const auth::Caller& caller, const v1::ListFrameworkVersionsRequest& request) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string framework_id,
                            ParseFrameworkName(request.parent(), "parent"));
  SIXSTEPS_ASSIGN_OR_RETURN(int page_size,
                            NormalisePageSize(request.page_size(), kListFrameworkVersionsPage));
  SIXSTEPS_ASSIGN_OR_RETURN(std::string after,
                            DecodePageToken(request.page_token(), request.parent()));
  int64_t after_key = 0;
  if (!after.empty() && !absl::SimpleAtoi(after, &after_key)) {
    return absl::InvalidArgumentError("page_token is not a token this service issued");
  }
  // NOT_FOUND for an unknown framework rather than an empty list.
  SIXSTEPS_RETURN_IF_ERROR(VisibleFramework(caller, framework_id).status());
  SIXSTEPS_ASSIGN_OR_RETURN(VersionPage page,
                            store_->ListVersions(framework_id, after_key, page_size + 1));
  v1::ListFrameworkVersionsResponse response;
  bool more = static_cast<int>(page.versions.size()) > page_size;
  for (int i = 0; i < static_cast<int>(page.versions.size()) && i < page_size; ++i) {
    *response.add_framework_versions() = std::move(page.versions[i]);
  }
  if (more) {
    response.set_next_page_token(
        EncodePageToken(absl::StrCat(page.keys[page_size - 1]), request.parent()));
  }
  return response;
}

SIXSTEPS_RPC(FrameworkServiceImpl, CreateFrameworkVersion, v1::CreateFrameworkVersionRequest,
             v1::FrameworkVersion)

absl::StatusOr<v1::FrameworkVersion> FrameworkServiceImpl::DoCreateFrameworkVersion(
    const auth::Caller& caller, const v1::CreateFrameworkVersionRequest& request) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string framework_id,
                            ParseFrameworkName(request.parent(), "parent"));
  SIXSTEPS_RETURN_IF_ERROR(ValidateVersionId(request.version_id(), "version_id"));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::Framework framework, VisibleFramework(caller, framework_id));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanManageFramework(caller, framework));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::FrameworkVersion newest, store_->GetNewestVersion(framework_id));
  // Only one draft at a time, and a draft is always the newest version.
  if (newest.state() == v1::FrameworkVersion::STATE_DRAFT) {
    return absl::FailedPreconditionError(
        absl::StrCat(framework.name(), " already has a draft version (", newest.name(),
                     "): publish or delete it first"));
  }
  VersionName name{framework_id, request.version_id()};
  SIXSTEPS_RETURN_IF_ERROR(store_->CreateVersion(NextDraft(newest, name.ToString())));
  return store_->GetVersion(name);
}

absl::flat_hash_set<std::string> FrameworkServiceImpl::ReservedIds(const VersionName& draft) {
  absl::flat_hash_set<std::string> reserved;
  // Every earlier version of the framework, and the version it was adapted from. A
  // predecessor that cannot be read (imported from another hub) reserves nothing.
  absl::StatusOr<VersionPage> page = store_->ListVersions(draft.framework_id, 0, 1000);
  if (page.ok()) {
    for (const v1::FrameworkVersion& version : page->versions) {
      reserved.merge(ItemIds(version));
      if (!version.derived_from().empty()) {
        absl::StatusOr<VersionName> source = ParseVersionName(version.derived_from(), "");
        if (source.ok()) {
          absl::StatusOr<v1::FrameworkVersion> source_version = store_->GetVersion(*source);
          if (source_version.ok()) reserved.merge(ItemIds(*source_version));
        }
      }
    }
  }
  return reserved;
}

SIXSTEPS_RPC(FrameworkServiceImpl, UpdateFrameworkVersion, v1::UpdateFrameworkVersionRequest,
             v1::FrameworkVersion)

absl::StatusOr<v1::FrameworkVersion> FrameworkServiceImpl::DoUpdateFrameworkVersion(
    const auth::Caller& caller, const v1::UpdateFrameworkVersionRequest& request) {
  const v1::FrameworkVersion& update = request.framework_version();
  SIXSTEPS_ASSIGN_OR_RETURN(VersionName name,
                            ParseVersionName(update.name(), "framework_version.name"));
  SIXSTEPS_RETURN_IF_ERROR(RequireEtag(update.etag(), "framework_version.etag"));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanManage(caller, name.framework_id));
  // Reject a bad mask before touching the store.
  v1::FrameworkVersion scratch;
  SIXSTEPS_RETURN_IF_ERROR(ApplyUpdateMask(update, request.update_mask(), scratch));
  absl::flat_hash_set<std::string> reserved = ReservedIds(name);
  return store_->UpdateVersion(name, [&](v1::FrameworkVersion& stored) -> absl::Status {
    SIXSTEPS_RETURN_IF_ERROR(CheckEditable(stored));
    SIXSTEPS_RETURN_IF_ERROR(CheckEtag(update.etag(), stored.etag(), stored.name()));
    SIXSTEPS_RETURN_IF_ERROR(ApplyUpdateMask(update, request.update_mask(), stored));
    AssignMissingIds(stored, reserved);
    return ValidateContent(stored, "framework_version");
  });
}

SIXSTEPS_RPC(FrameworkServiceImpl, DeleteFrameworkVersion, v1::DeleteFrameworkVersionRequest,
             google::protobuf::Empty)

absl::StatusOr<google::protobuf::Empty> FrameworkServiceImpl::DoDeleteFrameworkVersion(
    const auth::Caller& caller, const v1::DeleteFrameworkVersionRequest& request) {
  SIXSTEPS_ASSIGN_OR_RETURN(VersionName name, ParseVersionName(request.name(), "name"));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanManage(caller, name.framework_id));
  SIXSTEPS_RETURN_IF_ERROR(
      store_->DeleteVersion(name, [&](const v1::FrameworkVersion& stored) -> absl::Status {
        SIXSTEPS_RETURN_IF_ERROR(CheckEditable(stored));
        return CheckEtag(request.etag(), stored.etag(), stored.name());
      }));
  return google::protobuf::Empty();
}

SIXSTEPS_RPC(FrameworkServiceImpl, PublishFrameworkVersion, v1::PublishFrameworkVersionRequest,
             v1::FrameworkVersion)

absl::StatusOr<v1::FrameworkVersion> FrameworkServiceImpl::DoPublishFrameworkVersion(
    const auth::Caller& caller, const v1::PublishFrameworkVersionRequest& request) {
  SIXSTEPS_ASSIGN_OR_RETURN(VersionName name, ParseVersionName(request.name(), "name"));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanManage(caller, name.framework_id));
  return store_->UpdateVersion(name, [&](v1::FrameworkVersion& stored) -> absl::Status {
    SIXSTEPS_RETURN_IF_ERROR(CheckEditable(stored));
    SIXSTEPS_RETURN_IF_ERROR(CheckEtag(request.etag(), stored.etag(), stored.name()));
    SIXSTEPS_RETURN_IF_ERROR(ValidateContent(stored, "framework_version"));
    SIXSTEPS_RETURN_IF_ERROR(ValidateAttribution(stored, "framework_version"));
    stored.set_state(v1::FrameworkVersion::STATE_PUBLISHED);
    return absl::OkStatus();
  });
}

SIXSTEPS_RPC(FrameworkServiceImpl, RetireFrameworkVersion, v1::RetireFrameworkVersionRequest,
             v1::FrameworkVersion)

absl::StatusOr<v1::FrameworkVersion> FrameworkServiceImpl::DoRetireFrameworkVersion(
    const auth::Caller& caller, const v1::RetireFrameworkVersionRequest& request) {
  SIXSTEPS_ASSIGN_OR_RETURN(VersionName name, ParseVersionName(request.name(), "name"));
  SIXSTEPS_RETURN_IF_ERROR(CheckCanManage(caller, name.framework_id));
  return store_->UpdateVersion(name, [&](v1::FrameworkVersion& stored) -> absl::Status {
    if (stored.state() != v1::FrameworkVersion::STATE_PUBLISHED) {
      return absl::FailedPreconditionError(
          absl::StrCat(stored.name(), " is ", v1::FrameworkVersion::State_Name(stored.state()),
                       ": only a published version can be retired"));
    }
    stored.set_state(v1::FrameworkVersion::STATE_RETIRED);
    return absl::OkStatus();
  });
}

SIXSTEPS_RPC(FrameworkServiceImpl, ExportFrameworkVersion, v1::ExportFrameworkVersionRequest,
             v1::ExportFrameworkVersionResponse)

absl::StatusOr<v1::ExportFrameworkVersionResponse> FrameworkServiceImpl::DoExportFrameworkVersion(
    const auth::Caller& caller, const v1::ExportFrameworkVersionRequest& request) {
  SIXSTEPS_ASSIGN_OR_RETURN(VersionName name, ParseVersionName(request.name(), "name"));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::FrameworkVersion version, VisibleVersion(caller, name));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::Framework framework, store_->GetFramework(name.framework_id));
  v1::ExportFrameworkVersionResponse response;
  *response.mutable_document() = ToDocument(framework, version);
  return response;
}

SIXSTEPS_RPC(FrameworkServiceImpl, ImportFrameworkVersion, v1::ImportFrameworkVersionRequest,
             v1::ImportFrameworkVersionResponse)

absl::StatusOr<v1::ImportFrameworkVersionResponse> FrameworkServiceImpl::DoImportFrameworkVersion(
    const auth::Caller& caller, const v1::ImportFrameworkVersionRequest& request) {
  const v1::FrameworkDocument& document = request.document();
  SIXSTEPS_RETURN_IF_ERROR(ValidateDocument(document));
  VersionName name{document.framework_id(), document.version_id()};
  v1::FrameworkVersion version = VersionFromDocument(document);
  version.set_name(name.ToString());

  absl::StatusOr<v1::Framework> existing = VisibleFramework(caller, name.framework_id);
  if (existing.ok()) {
    if (existing->built_in()) {
      return absl::FailedPreconditionError(absl::StrCat(
          existing->name(), " is built in; import the document under another framework_id"));
    }
    SIXSTEPS_RETURN_IF_ERROR(CheckCanManageFramework(caller, *existing));
    SIXSTEPS_RETURN_IF_ERROR(store_->CreateVersion(version));
  } else if (existing.status().code() == absl::StatusCode::kNotFound) {
    SIXSTEPS_RETURN_IF_ERROR(CheckCanCreateFrameworkIn(caller, request.region()));
    v1::Framework framework;
    framework.set_name(FrameworkName(name.framework_id));
    framework.set_display_name(document.display_name());
    framework.set_description(document.description());
    framework.set_region(request.region());
    framework.set_derived_from(document.derived_from());
    SIXSTEPS_RETURN_IF_ERROR(store_->CreateFramework(framework, version));
  } else {
    return existing.status();
  }
  v1::ImportFrameworkVersionResponse response;
  SIXSTEPS_ASSIGN_OR_RETURN(*response.mutable_framework(), store_->GetFramework(name.framework_id));
  SIXSTEPS_ASSIGN_OR_RETURN(*response.mutable_version(), store_->GetVersion(name));
  return response;
}

SIXSTEPS_RPC(FrameworkServiceImpl, DiffFrameworkVersions, v1::DiffFrameworkVersionsRequest,
             v1::DiffFrameworkVersionsResponse)

absl::StatusOr<v1::DiffFrameworkVersionsResponse> FrameworkServiceImpl::DoDiffFrameworkVersions(
    const auth::Caller& caller, const v1::DiffFrameworkVersionsRequest& request) {
  SIXSTEPS_ASSIGN_OR_RETURN(VersionName base_name,
                            ParseVersionName(request.base_version(), "base_version"));
  SIXSTEPS_ASSIGN_OR_RETURN(VersionName target_name,
                            ParseVersionName(request.target_version(), "target_version"));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::FrameworkVersion base, VisibleVersion(caller, base_name));
  SIXSTEPS_ASSIGN_OR_RETURN(v1::FrameworkVersion target, VisibleVersion(caller, target_name));
  v1::DiffFrameworkVersionsResponse response;
  for (v1::FrameworkChange& change : Diff(base, target)) {
    *response.add_changes() = std::move(change);
  }
  return response;
}

}  // namespace sixsteps::framework
