// Storage of frameworks and their versions. FrameworkStore is what the service depends
// on; PgFrameworkStore keeps it in PostgreSQL and is the only code here that writes SQL.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/db.h"
#include "services/framework/domain.h"
#include "sixsteps/framework/v1/framework.pb.h"

namespace sixsteps::framework {

// One page of a framework's versions, with each one's position key for paging.
struct VersionPage {
  std::vector<v1::FrameworkVersion> versions;
  std::vector<int64_t> keys;
};

class FrameworkStore {
 public:
  virtual ~FrameworkStore() = default;

  // NOT_FOUND if there is no such framework.
  virtual absl::StatusOr<v1::Framework> GetFramework(absl::string_view framework_id) = 0;
  // Frameworks ordered by id, starting after `after_id`: the built-in ones, and those of
  // `regions` (or of every region if `every_region`).
  virtual absl::StatusOr<std::vector<v1::Framework>> ListFrameworks(
      absl::string_view after_id, int limit, bool every_region,
      const std::vector<std::string>& regions) = 0;
  // NOT_FOUND if there is no such version.
  virtual absl::StatusOr<v1::FrameworkVersion> GetVersion(const VersionName& name) = 0;
  // A framework's versions in creation order, starting after the key `after_key`.
  virtual absl::StatusOr<VersionPage> ListVersions(absl::string_view framework_id,
                                                   int64_t after_key, int limit) = 0;
  // The most recently created version of a framework; NOT_FOUND if it has none.
  virtual absl::StatusOr<v1::FrameworkVersion> GetNewestVersion(absl::string_view framework_id) = 0;

  // Creates a framework together with its first version, atomically. ALREADY_EXISTS if
  // the framework id is taken.
  virtual absl::Status CreateFramework(const v1::Framework& framework,
                                       const v1::FrameworkVersion& first_version) = 0;
  // Adds a version to an existing framework. ALREADY_EXISTS if the version id is taken
  // or the framework already has a draft.
  virtual absl::Status CreateVersion(const v1::FrameworkVersion& version) = 0;

  // Reads a version under a row lock, lets `change` edit it (state, content), and writes
  // it back with a new etag, all in one transaction; nothing is written if `change`
  // fails. `change` may run more than once (a transaction is retried after a lost
  // connection), so it must only edit the message.
  using VersionChange = std::function<absl::Status(v1::FrameworkVersion&)>;
  virtual absl::StatusOr<v1::FrameworkVersion> UpdateVersion(const VersionName& name,
                                                             const VersionChange& change) = 0;
  // Deletes a version if `check` (given the stored version) allows it.
  virtual absl::Status DeleteVersion(
      const VersionName& name,
      const std::function<absl::Status(const v1::FrameworkVersion&)>& check) = 0;
};

class PgFrameworkStore final : public FrameworkStore {
 public:
  explicit PgFrameworkStore(db::ConnectionPool* pool) : pool_(pool) {}

  absl::StatusOr<v1::Framework> GetFramework(absl::string_view framework_id) override;
  absl::StatusOr<std::vector<v1::Framework>> ListFrameworks(
      absl::string_view after_id, int limit, bool every_region,
      const std::vector<std::string>& regions) override;
  absl::StatusOr<v1::FrameworkVersion> GetVersion(const VersionName& name) override;
  absl::StatusOr<VersionPage> ListVersions(absl::string_view framework_id, int64_t after_key,
                                           int limit) override;
  absl::StatusOr<v1::FrameworkVersion> GetNewestVersion(absl::string_view framework_id) override;
  absl::Status CreateFramework(const v1::Framework& framework,
                               const v1::FrameworkVersion& first_version) override;
  absl::Status CreateVersion(const v1::FrameworkVersion& version) override;
  absl::StatusOr<v1::FrameworkVersion> UpdateVersion(const VersionName& name,
                                                     const VersionChange& change) override;
  absl::Status DeleteVersion(
      const VersionName& name,
      const std::function<absl::Status(const v1::FrameworkVersion&)>& check) override;

 private:
  db::ConnectionPool* pool_;
};

// The framework service's schema migrations, embedded from services/framework/migrations.
std::vector<db::Migration> FrameworkMigrations();

}  // namespace sixsteps::framework
