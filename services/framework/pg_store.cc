// PgFrameworkStore: the framework service's SQL. Parameterised statements only.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/base/make_status.h"
#include "services/common/db_rows.h"
#include "services/common/status.h"
#include "services/framework/store.h"

namespace sixsteps::framework {
namespace {

using google::protobuf::util::TimeUtil;

// The columns every version query selects, in the order RowToVersion reads them.
#define SIXSTEPS_VERSION_COLUMNS                                                        \
  "framework_id, version_id, seq, state, content::text, source_citation, attribution, " \
  "derived_from, revision, "                                                            \
  "(extract(epoch FROM create_time) * 1000000)::bigint, "                               \
  "(extract(epoch FROM update_time) * 1000000)::bigint, "                               \
  "(extract(epoch FROM publish_time) * 1000000)::bigint, "                              \
  "(extract(epoch FROM retire_time) * 1000000)::bigint"

#define SIXSTEPS_FRAMEWORK_COLUMNS                                                           \
  "f.framework_id, f.display_name, f.description, f.built_in, f.region_id, f.derived_from, " \
  "(extract(epoch FROM f.create_time) * 1000000)::bigint, "                                  \
  "(SELECT v.version_id FROM framework_versions v "                                          \
  "  WHERE v.framework_id = f.framework_id AND v.state <> 'draft' "                          \
  "  ORDER BY v.state = 'published' DESC, v.seq DESC LIMIT 1)"

constexpr char kSelectFramework[] =
    "SELECT " SIXSTEPS_FRAMEWORK_COLUMNS " FROM frameworks f WHERE f.framework_id = $1";

constexpr char kListFrameworks[] = "SELECT " SIXSTEPS_FRAMEWORK_COLUMNS
                                   " FROM frameworks f WHERE f.framework_id > $1"
                                   "   AND (f.built_in OR $3 OR f.region_id = ANY($4::text[]))"
                                   " ORDER BY f.framework_id LIMIT $2";

// Every version query reads one framework's ($1) versions, the columns RowToVersion reads.
#define SIXSTEPS_SELECT_VERSIONS \
  "SELECT " SIXSTEPS_VERSION_COLUMNS " FROM framework_versions WHERE framework_id = $1"

constexpr char kSelectVersion[] = SIXSTEPS_SELECT_VERSIONS " AND version_id = $2";
constexpr char kSelectVersionForUpdate[] =
    SIXSTEPS_SELECT_VERSIONS " AND version_id = $2 FOR UPDATE";
constexpr char kListVersions[] = SIXSTEPS_SELECT_VERSIONS " AND seq > $2 ORDER BY seq LIMIT $3";
constexpr char kSelectNewestVersion[] = SIXSTEPS_SELECT_VERSIONS " ORDER BY seq DESC LIMIT 1";

constexpr char kInsertFramework[] = R"sql(
  INSERT INTO frameworks (framework_id, display_name, description, built_in, region_id, derived_from)
  VALUES ($1, $2, $3, false, $4, $5))sql";

constexpr char kInsertVersion[] = R"sql(
  INSERT INTO framework_versions
    (framework_id, version_id, state, content, source_citation, attribution, derived_from)
  VALUES ($1, $2, 'draft', $3::jsonb, $4, $5, $6))sql";

constexpr char kUpdateVersion[] =
    "UPDATE framework_versions SET state = $3, content = $4::jsonb, revision = revision + 1, "
    "update_time = now(), "
    "publish_time = CASE WHEN $3 = 'published' AND publish_time IS NULL THEN now() "
    "                    ELSE publish_time END, "
    "retire_time = CASE WHEN $3 = 'retired' AND retire_time IS NULL THEN now() "
    "                   ELSE retire_time END "
    "WHERE framework_id = $1 AND version_id = $2 RETURNING " SIXSTEPS_VERSION_COLUMNS;

constexpr char kDeleteVersion[] =
    "DELETE FROM framework_versions WHERE framework_id = $1 AND version_id = $2";

// Deleting the only version of a framework (say, the draft of an adaptation) deletes the
// framework too, so its id is free again.
constexpr char kDeleteEmptyFramework[] = R"sql(
  DELETE FROM frameworks f
  WHERE f.framework_id = $1 AND NOT f.built_in
    AND NOT EXISTS (SELECT 1 FROM framework_versions v WHERE v.framework_id = f.framework_id))sql";

#undef SIXSTEPS_SELECT_VERSIONS
#undef SIXSTEPS_VERSION_COLUMNS
#undef SIXSTEPS_FRAMEWORK_COLUMNS

std::string StateName(v1::FrameworkVersion::State state) {
  switch (state) {
    case v1::FrameworkVersion::STATE_PUBLISHED:
      return "published";
    case v1::FrameworkVersion::STATE_RETIRED:
      return "retired";
    default:
      return "draft";
  }
}

v1::FrameworkVersion::State StateFromName(absl::string_view name) {
  if (name == "published") return v1::FrameworkVersion::STATE_PUBLISHED;
  if (name == "retired") return v1::FrameworkVersion::STATE_RETIRED;
  return v1::FrameworkVersion::STATE_DRAFT;
}

void SetTime(const pqxx::field& field, google::protobuf::Timestamp* out) {
  if (!field.is_null()) *out = TimeUtil::MicrosecondsToTimestamp(field.as<int64_t>());
}

absl::StatusOr<std::string> ContentJson(const v1::FrameworkVersion& version) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(ContentOf(version), &json, options);
  if (!status.ok()) return absl::InternalError("cannot encode framework content");
  return json;
}

absl::StatusOr<v1::FrameworkVersion> RowToVersion(const pqxx::row& row) {
  v1::FrameworkVersion version;
  auto parsed = google::protobuf::util::JsonStringToMessage(row[4].as<std::string>(), &version);
  if (!parsed.ok()) return absl::DataLossError("stored framework content cannot be read");
  VersionName name{row[0].as<std::string>(), row[1].as<std::string>()};
  version.set_name(name.ToString());
  version.set_state(StateFromName(row[3].as<std::string>()));
  version.set_source_citation(row[5].as<std::string>());
  version.set_attribution(row[6].as<std::string>());
  version.set_derived_from(row[7].as<std::string>());
  version.set_etag(row[8].as<std::string>());
  SetTime(row[9], version.mutable_create_time());
  SetTime(row[10], version.mutable_update_time());
  SetTime(row[11], version.mutable_publish_time());
  SetTime(row[12], version.mutable_retire_time());
  return version;
}

v1::Framework RowToFramework(const pqxx::row& row) {
  v1::Framework framework;
  std::string id = row[0].as<std::string>();
  framework.set_name(FrameworkName(id));
  framework.set_display_name(row[1].as<std::string>());
  framework.set_description(row[2].as<std::string>());
  framework.set_built_in(row[3].as<bool>());
  framework.set_region(row[4].as<std::string>());
  framework.set_derived_from(row[5].as<std::string>());
  SetTime(row[6], framework.mutable_create_time());
  if (!row[7].is_null()) {
    framework.set_latest_published_version(VersionName{id, row[7].as<std::string>()}.ToString());
  }
  return framework;
}

// Inserts a version; turns the unique violations into what they mean.
absl::Status InsertVersion(pqxx::work& txn, const v1::FrameworkVersion& version,
                           const VersionName& name) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string content, ContentJson(version));
  try {
    pqxx::subtransaction insert(txn, "insert_version");
    insert.exec_params(kInsertVersion, name.framework_id, name.version_id, content,
                       version.source_citation(), version.attribution(), version.derived_from());
    insert.commit();
  } catch (const pqxx::unique_violation& e) {
    if (absl::StrContains(e.what(), "framework_versions_one_draft")) {
      return absl::FailedPreconditionError(
          absl::StrCat(FrameworkName(name.framework_id),
                       " already has a draft version: publish or delete it first"));
    }
    return absl::AlreadyExistsError(absl::StrCat(name.ToString(), " already exists"));
  }
  return absl::OkStatus();
}

// The one version `sql` selects with `args`; NOT_FOUND naming `missing` when there is none.
template <typename... Args>
absl::StatusOr<v1::FrameworkVersion> OneVersion(pqxx::work& txn, absl::string_view missing,
                                                const char* sql, const Args&... args) {
  pqxx::result rows = txn.exec_params(sql, args...);
  if (rows.empty()) return NotFound(missing);
  return RowToVersion(rows[0]);
}

}  // namespace

absl::StatusOr<v1::Framework> PgFrameworkStore::GetFramework(absl::string_view framework_id) {
  return db::ReadRow(*pool_, RowToFramework, NotFound(FrameworkName(framework_id)),
                     kSelectFramework, std::string(framework_id));
}

absl::StatusOr<std::vector<v1::Framework>> PgFrameworkStore::ListFrameworks(
    absl::string_view after_id, int limit, bool every_region,
    const std::vector<std::string>& regions) {
  return db::ReadRows(*pool_, RowToFramework, kListFrameworks, std::string(after_id), limit,
                      every_region, db::TextArray(regions));
}

absl::StatusOr<v1::FrameworkVersion> PgFrameworkStore::GetVersion(const VersionName& name) {
  v1::FrameworkVersion version;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(version, OneVersion(txn, name.ToString(), kSelectVersion,
                                                  name.framework_id, name.version_id));
    return absl::OkStatus();
  }));
  return version;
}

absl::StatusOr<VersionPage> PgFrameworkStore::ListVersions(absl::string_view framework_id,
                                                           int64_t after_key, int limit) {
  VersionPage page;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    page = VersionPage();
    pqxx::result rows = txn.exec_params(kListVersions, std::string(framework_id), after_key, limit);
    for (const pqxx::row& row : rows) {
      SIXSTEPS_ASSIGN_OR_RETURN(v1::FrameworkVersion version, RowToVersion(row));
      page.versions.push_back(std::move(version));
      page.keys.push_back(row[2].as<int64_t>());
    }
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<v1::FrameworkVersion> PgFrameworkStore::GetNewestVersion(
    absl::string_view framework_id) {
  v1::FrameworkVersion version;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(
        version, OneVersion(txn, absl::StrCat("a version of ", FrameworkName(framework_id)),
                            kSelectNewestVersion, std::string(framework_id)));
    return absl::OkStatus();
  }));
  return version;
}

absl::Status PgFrameworkStore::CreateFramework(const v1::Framework& framework,
                                               const v1::FrameworkVersion& first_version) {
  SIXSTEPS_ASSIGN_OR_RETURN(std::string framework_id,
                            ParseFrameworkName(framework.name(), "framework.name"));
  SIXSTEPS_ASSIGN_OR_RETURN(VersionName name,
                            ParseVersionName(first_version.name(), "version.name"));
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    try {
      pqxx::subtransaction insert(txn, "insert_framework");
      insert.exec_params(kInsertFramework, framework_id, framework.display_name(),
                         framework.description(), framework.region(), framework.derived_from());
      insert.commit();
    } catch (const pqxx::unique_violation&) {
      return absl::AlreadyExistsError(absl::StrCat(framework.name(), " already exists"));
    }
    return InsertVersion(txn, first_version, name);
  });
}

absl::Status PgFrameworkStore::CreateVersion(const v1::FrameworkVersion& version) {
  SIXSTEPS_ASSIGN_OR_RETURN(VersionName name, ParseVersionName(version.name(), "version.name"));
  return pool_->InTransaction(
      [&](pqxx::work& txn) -> absl::Status { return InsertVersion(txn, version, name); });
}

absl::StatusOr<v1::FrameworkVersion> PgFrameworkStore::UpdateVersion(const VersionName& name,
                                                                     const VersionChange& change) {
  v1::FrameworkVersion updated;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(v1::FrameworkVersion version,
                              OneVersion(txn, name.ToString(), kSelectVersionForUpdate,
                                         name.framework_id, name.version_id));
    SIXSTEPS_RETURN_IF_ERROR(change(version));
    SIXSTEPS_ASSIGN_OR_RETURN(std::string content, ContentJson(version));
    pqxx::result written = txn.exec_params(kUpdateVersion, name.framework_id, name.version_id,
                                           StateName(version.state()), content);
    SIXSTEPS_ASSIGN_OR_RETURN(updated, RowToVersion(written[0]));
    return absl::OkStatus();
  }));
  return updated;
}

absl::Status PgFrameworkStore::DeleteVersion(
    const VersionName& name,
    const std::function<absl::Status(const v1::FrameworkVersion&)>& check) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_ASSIGN_OR_RETURN(v1::FrameworkVersion version,
                              OneVersion(txn, name.ToString(), kSelectVersionForUpdate,
                                         name.framework_id, name.version_id));
    SIXSTEPS_RETURN_IF_ERROR(check(version));
    txn.exec_params(kDeleteVersion, name.framework_id, name.version_id);
    txn.exec_params(kDeleteEmptyFramework, name.framework_id);
    return absl::OkStatus();
  });
}

}  // namespace sixsteps::framework
