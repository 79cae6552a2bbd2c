// The purge's scrubbing of the feed (issue 16): when a file or voice record is purged, the
// earlier changes that carried its content are rewritten without it in the purge's own
// transaction (ScrubPurged in change_redaction.h says what each kind keeps), and so are the
// responses kept for repeated creates (client_requests), so that neither a consumer
// replaying the feed from 0 nor a repeated request gets purged content back.
//
// The feed's rows are found by the resource's name in their bytes (a protobuf keeps a
// string's bytes as they are), within the partnership's changes (changes_by_partnership),
// then parsed: only a change whose record is the purged thing is rewritten. Sequences,
// times, kinds and partnerships stay, so every consumer's cursor still moves past them.
// All the SQL is here, in one function, so that the feed's storage can move under it.
#include "absl/strings/str_cat.h"
#include "services/assessment/change_redaction.h"
#include "services/assessment/pg_store_internal.h"
#include "services/assessment/pg_store_retention.h"

namespace sixsteps::assessment {
using namespace pg_store_internal;  // NOLINT(build/namespaces): the store's own helpers
namespace {

// $1 partnership id, $2 the resource's name as bytes.
constexpr char kChangesNaming[] =
    "SELECT sequence, record FROM changes WHERE partnership_id = $1 "
    "AND position($2::bytea IN record) > 0 ORDER BY sequence FOR UPDATE";
constexpr char kRewriteChange[] = "UPDATE changes SET record = $2 WHERE sequence = $1";
// Repeated creates of the record get NOT_FOUND-free fresh creates rather than its content.
constexpr char kDropKeptResponses[] =
    "DELETE FROM client_requests WHERE position($1::bytea IN response) > 0";

}  // namespace

absl::StatusOr<int> ScrubPurgedFromFeed(pqxx::work& txn, const std::string& partnership_id,
                                        const std::string& purged_resource) {
  int scrubbed = 0;
  for (const pqxx::row& row :
       db::ExecPrepared(txn, kChangesNaming, partnership_id, Blob(purged_resource))) {
    SIXSTEPS_ASSIGN_OR_RETURN(v1::Change change, Parse<v1::Change>(row[1], "change"));
    if (!ScrubPurged(purged_resource, change)) continue;
    db::ExecPrepared(txn, kRewriteChange, row[0].as<int64_t>(), Blob(change.SerializeAsString()));
    ++scrubbed;
  }
  db::ExecPrepared(txn, kDropKeptResponses, Blob(purged_resource));
  return scrubbed;
}

}  // namespace sixsteps::assessment
