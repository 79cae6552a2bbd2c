// PgIdentityStore's tenancy tree: regions, partnerships and organisations.
#include "services/identity/pg_store.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"

#include "services/base/make_status.h"
#include "services/base/status_macros.h"
#include "services/identity/pg_store_internal.h"

namespace sixsteps::identity {
namespace {

constexpr char kInsertRegion[] = "INSERT INTO regions (region_id, display_name) VALUES ($1, $2)";
constexpr char kSelectRegion[] = "SELECT region_id, display_name, " SIXSTEPS_MICROS(
    "create_time") " FROM regions WHERE region_id = $1";
constexpr char kListRegions[] =
    "SELECT region_id, display_name, " SIXSTEPS_MICROS("create_time") " FROM regions "
    "WHERE " SIXSTEPS_VISIBLE("region_id", "''") " AND region_id > $4 ORDER BY region_id LIMIT $5";

constexpr char kInsertPartnership[] =
    "INSERT INTO partnerships (partnership_id, region_id, display_name, "
    "regional_comparison_opt_out) VALUES ($1, $2, $3, $4)";
#define SIXSTEPS_PARTNERSHIP_COLUMNS                                       \
  "partnership_id, region_id, display_name, regional_comparison_opt_out, " \
  "revision, " SIXSTEPS_MICROS("create_time")
constexpr char kSelectPartnership[] =
    "SELECT " SIXSTEPS_PARTNERSHIP_COLUMNS " FROM partnerships WHERE partnership_id = $1";
constexpr char kListPartnerships[] =
    "SELECT " SIXSTEPS_PARTNERSHIP_COLUMNS " FROM partnerships "
    "WHERE " SIXSTEPS_VISIBLE("region_id", "partnership_id")
    " AND ($4 = '' OR region_id = $4) AND partnership_id > $5 ORDER BY partnership_id LIMIT $6";
constexpr char kUpdatePartnership[] =
    "UPDATE partnerships SET display_name = $2, regional_comparison_opt_out = $3, "
    "revision = revision + 1 WHERE partnership_id = $1 AND revision::text = $4 "
    "RETURNING " SIXSTEPS_PARTNERSHIP_COLUMNS;

constexpr char kInsertOrganisation[] =
    "INSERT INTO organisations (partnership_id, organisation_id, display_name, kind, core_partner) "
    "VALUES ($1, $2, $3, $4, $5)";
#define SIXSTEPS_ORGANISATION_COLUMNS                                                    \
  "partnership_id, organisation_id, display_name, kind, core_partner, " SIXSTEPS_MICROS( \
      "create_time")
constexpr char kSelectOrganisation[] =
    "SELECT " SIXSTEPS_ORGANISATION_COLUMNS
    " FROM organisations WHERE partnership_id = $1 AND organisation_id = $2";
constexpr char kListOrganisations[] =
    "SELECT " SIXSTEPS_ORGANISATION_COLUMNS
    " FROM organisations WHERE partnership_id = $1 AND organisation_id > $2 "
    "ORDER BY organisation_id LIMIT $3";
// Every organisation of the partnerships the caller may see, in (partnership, organisation)
// order: one listing for a directory mirror instead of one per partnership.
constexpr char kListVisibleOrganisations[] =
    "SELECT " SIXSTEPS_ORGANISATION_COLUMNS
    " FROM organisations WHERE partnership_id IN (SELECT partnership_id FROM partnerships "
    "WHERE " SIXSTEPS_VISIBLE("region_id", "partnership_id") ") "
    "AND (partnership_id, organisation_id) > ($4, $5) "
    "ORDER BY partnership_id, organisation_id LIMIT $6";

v1::Region RowToRegion(const pqxx::row& row) {
  v1::Region region;
  region.set_name(RegionName(row[0].as<std::string>()));
  region.set_display_name(row[1].as<std::string>());
  SetTime(row[2], region.mutable_create_time());
  return region;
}

v1::Partnership RowToPartnership(const pqxx::row& row) {
  v1::Partnership partnership;
  partnership.set_name(PartnershipName(row[0].as<std::string>()));
  partnership.set_region(RegionName(row[1].as<std::string>()));
  partnership.set_display_name(row[2].as<std::string>());
  partnership.set_regional_comparison_opt_out(row[3].as<bool>());
  partnership.set_etag(row[4].as<std::string>());
  SetTime(row[5], partnership.mutable_create_time());
  return partnership;
}

v1::Organisation RowToOrganisation(const pqxx::row& row) {
  v1::Organisation organisation;
  organisation.set_name(
      OrganisationResourceName(row[0].as<std::string>(), row[1].as<std::string>()));
  organisation.set_display_name(row[2].as<std::string>());
  v1::OrganisationKind kind = v1::ORGANISATION_KIND_UNSPECIFIED;
  v1::OrganisationKind_Parse(row[3].as<std::string>(), &kind);
  organisation.set_kind(kind);
  organisation.set_core_partner(row[4].as<bool>());
  SetTime(row[5], organisation.mutable_create_time());
  return organisation;
}

}  // namespace

// ---- Regions ----

absl::Status PgIdentityStore::CreateRegion(const std::string& id, const std::string& display_name,
                                           const NewAuditEvent& audit) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_RETURN_IF_ERROR(InsertOnce(txn, RegionName(id), [&](pqxx::subtransaction& sub) {
      sub.exec_params(kInsertRegion, id, display_name);
    }));
    Audit(txn, audit);
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::Region> PgIdentityStore::GetRegion(const std::string& id) {
  return db::ReadRow(*pool_, RowToRegion, NotFound(RegionName(id)), kSelectRegion, id);
}

absl::StatusOr<std::vector<v1::Region>> PgIdentityStore::ListRegions(const Visibility& visible,
                                                                     const std::string& after,
                                                                     int limit) {
  return db::ReadRows(*pool_, RowToRegion, kListRegions, visible.everything,
                      db::TextArray(visible.regions), db::TextArray(visible.partnerships), after,
                      limit);
}

// ---- Partnerships ----

absl::Status PgIdentityStore::CreatePartnership(const std::string& id,
                                                const v1::Partnership& partnership,
                                                const std::string& region_id,
                                                const NewAuditEvent& audit) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    SIXSTEPS_RETURN_IF_ERROR(InsertOnce(txn, PartnershipName(id), [&](pqxx::subtransaction& sub) {
      sub.exec_params(kInsertPartnership, id, region_id, partnership.display_name(),
                      partnership.regional_comparison_opt_out());
    }));
    Audit(txn, audit);
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::Partnership> PgIdentityStore::GetPartnership(const std::string& id) {
  return db::ReadRow(*pool_, RowToPartnership, NotFound(PartnershipName(id)), kSelectPartnership,
                     id);
}

absl::StatusOr<std::vector<v1::Partnership>> PgIdentityStore::ListPartnerships(
    const Visibility& visible, const std::string& region_filter, const std::string& after,
    int limit) {
  return db::ReadRows(*pool_, RowToPartnership, kListPartnerships, visible.everything,
                      db::TextArray(visible.regions), db::TextArray(visible.partnerships),
                      region_filter, after, limit);
}

absl::StatusOr<v1::Partnership> PgIdentityStore::UpdatePartnership(const std::string& id,
                                                                   const v1::Partnership& values,
                                                                   const std::string& etag,
                                                                   const NewAuditEvent& audit) {
  v1::Partnership updated;
  SIXSTEPS_RETURN_IF_ERROR(pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    pqxx::result rows = txn.exec_params(kUpdatePartnership, id, values.display_name(),
                                        values.regional_comparison_opt_out(), etag);
    if (rows.empty()) {
      if (txn.exec_params(kSelectPartnership, id).empty()) return NotFound(PartnershipName(id));
      return absl::AbortedError(
          "the partnership changed since you read it; read it again and reapply your change");
    }
    updated = RowToPartnership(rows[0]);
    Audit(txn, audit);
    return absl::OkStatus();
  }));
  return updated;
}

// ---- Organisations ----

absl::Status PgIdentityStore::CreateOrganisation(const std::string& partnership_id,
                                                 const std::string& organisation_id,
                                                 const v1::Organisation& organisation) {
  return pool_->InTransaction([&](pqxx::work& txn) -> absl::Status {
    return InsertOnce(txn, OrganisationResourceName(partnership_id, organisation_id),
                      [&](pqxx::subtransaction& sub) {
                        sub.exec_params(kInsertOrganisation, partnership_id, organisation_id,
                                        organisation.display_name(),
                                        v1::OrganisationKind_Name(organisation.kind()),
                                        organisation.core_partner());
                      });
  });
}

absl::StatusOr<v1::Organisation> PgIdentityStore::GetOrganisation(
    const std::string& partnership_id, const std::string& organisation_id) {
  return db::ReadRow(*pool_, RowToOrganisation,
                     NotFound(OrganisationResourceName(partnership_id, organisation_id)),
                     kSelectOrganisation, partnership_id, organisation_id);
}

absl::StatusOr<std::vector<v1::Organisation>> PgIdentityStore::ListOrganisations(
    const std::string& partnership_id, const std::string& after, int limit) {
  return db::ReadRows(*pool_, RowToOrganisation, kListOrganisations, partnership_id, after, limit);
}

absl::StatusOr<std::vector<v1::Organisation>> PgIdentityStore::ListVisibleOrganisations(
    const Visibility& visible, const std::string& after_partnership,
    const std::string& after_organisation, int limit) {
  return db::ReadRows(*pool_, RowToOrganisation, kListVisibleOrganisations, visible.everything,
                      db::TextArray(visible.regions), db::TextArray(visible.partnerships),
                      after_partnership, after_organisation, limit);
}

}  // namespace sixsteps::identity
