#!/usr/bin/env bash
# ctest "backup_restore" (label deploy): scripts/backup and scripts/restore round trip.
#
# Starts two throw-away PostgreSQL 15 clusters (unix sockets only, in /tmp) with
# scripts/lib/pg-cluster, as the hub does. In the first it creates each service's role and
# database and applies the services' real migrations with the services' own setup subcommands
# (sixsteps-<service> provision-database, then migrate, as the service's role; the binaries
# come from SIXSTEPS_BUILD_DIR, default build/) and writes records:
# regions, partnerships and organisations in identity, the built-in framework (a migration),
# and in every database a table of awkward values (Unicode, tabs and newlines, JSON, bytes,
# times, NULLs, arrays, an identity column). It then
#   - backs the four databases up with scripts/backup --pg;
#   - restores them into the second, empty cluster with scripts/restore --pg (which checks
#     every table's row count and checksum itself);
#   - compares every table of both clusters independently (row counts and md5 of the rows),
#     checks that each service's role owns its tables and that identity columns go on where
#     they were;
#   - checks that restore refuses a database that holds tables without --clean, replaces it
#     with --clean, and refuses a damaged dump.
# Needs root or the postgres user's rights to run initdb (as the test helpers do).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
PG_CLUSTER="$ROOT/scripts/lib/pg-cluster"
BUILD_DIR="${SIXSTEPS_BUILD_DIR:-$ROOT/build}"
SERVICES=(identity framework assessment reporting)
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

T="$(mktemp -d /tmp/sixsteps-backup-test.XXXXXX)"
chmod 0755 "$T"

start_cluster() {
  local d="$T/$1"
  "$PG_CLUSTER" init "$d/data" --auth trust >/dev/null || fail "initdb failed"
  "$PG_CLUSTER" start "$d/data" "$d/server.log" listen_addresses= unix_socket_directories="$d" \
    fsync=off TimeZone=Pacific/Auckland || fail "PostgreSQL did not start"
}
cleanup() {
  local c
  for c in source target; do
    "$PG_CLUSTER" stop "$T/$c/data" immediate >/dev/null 2>&1 || true
  done
  rm -rf "$T"
}
trap cleanup EXIT

step "two throw-away clusters in $T"
start_cluster source
# The target runs in another time zone, so that times must compare by value, not by text.
start_cluster target
SRC="host=$T/source port=5432 user=postgres"
DST="host=$T/target port=5432 user=postgres"
psql_src() { local db="$1"; shift; psql -X -q -v ON_ERROR_STOP=1 "$SRC dbname=$db" "$@"; }
psql_dst() { local db="$1"; shift; psql -X -q -v ON_ERROR_STOP=1 "$DST dbname=$db" "$@"; }

step "the services' databases, their real migrations, and records"
for s in "${SERVICES[@]}"; do
  db="sixsteps_$s"
  bin="$BUILD_DIR/services/$s/sixsteps-$s"
  [[ -x "$bin" ]] || fail "$bin is not built"
  export SIXSTEPS_DATABASE_URL="host=$T/source port=5432 user=$db dbname=$db"
  "$bin" provision-database --admin_database_url="$SRC dbname=postgres" >/dev/null ||
    fail "sixsteps-$s provision-database failed"
  out="$("$bin" migrate)" || fail "sixsteps-$s migrate: its migrations do not apply"
  n="$(sed -n 's/.*"schema_version":\([0-9]*\).*/\1/p' <<<"$out")"
  unset SIXSTEPS_DATABASE_URL
  echo "    $s: migrated to version $n"
  psql -X -q -v ON_ERROR_STOP=1 "host=$T/source port=5432 user=$db dbname=$db" >/dev/null <<'SQL' || fail "$s: could not write the probe records"
CREATE TABLE backup_probe (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  label     text NOT NULL,
  doc       jsonb,
  payload   bytea,
  at        timestamptz,
  amount    numeric(12, 4),
  tags      text[],
  note      text
);
INSERT INTO backup_probe (label, doc, payload, at, amount, tags, note)
SELECT 'row ' || i || E'\twith a tab\nand a new line, Gateshead – Sunderland ✓',
       jsonb_build_object('i', i, 'nested', jsonb_build_object('rag', (ARRAY['red','amber','green'])[1 + i % 3])),
       decode(md5(i::text), 'hex'),
       timestamptz '2025-04-01 09:30:00+01' + i * interval '37 minutes',
       i * 1.2345,
       ARRAY['s' || (1 + i % 6), 'q' || i],
       CASE WHEN i % 7 = 0 THEN NULL ELSE 'note ' || i END
  FROM generate_series(1, 500) AS i;
SQL
done
# Real identity records (its own tables), if its schema has them.
psql -X -q -v ON_ERROR_STOP=1 "host=$T/source port=5432 user=sixsteps_identity dbname=sixsteps_identity" >/dev/null <<'SQL' ||
INSERT INTO regions (region_id, display_name) VALUES ('north-east', 'North East'), ('north-west', 'North West');
INSERT INTO partnerships (partnership_id, region_id, display_name)
VALUES ('sunderland', 'north-east', 'Sunderland Safeguarding Children Partnership'),
       ('gateshead', 'north-east', 'Gateshead Safeguarding Children Partnership'),
       ('cumbria', 'north-west', 'Cumbria Safeguarding Children Partnership');
SQL
  fail "could not write regions and partnerships into identity's tables"
echo "    records written (framework's built-in framework by its migration)"

step "scripts/backup --pg"
"$ROOT/scripts/backup" --pg "$SRC" --out "$T/backup" || fail "scripts/backup failed"
for s in "${SERVICES[@]}"; do
  [[ -s "$T/backup/sixsteps_$s.dump" ]] || fail "no dump of sixsteps_$s"
done
[[ "$(stat -c %a "$T/backup")" == 700 ]] || fail "the backup folder is not mode 0700"
tables="$(tail -n +2 "$T/backup/tables.tsv" | wc -l)"
((tables >= 8)) || fail "tables.tsv lists only $tables tables"
echo "    $tables tables listed in tables.tsv"

step "scripts/restore --pg into the empty cluster"
"$ROOT/scripts/restore" --pg "$DST" "$T/backup" || fail "scripts/restore failed"

step "every table of every database, compared independently"
checksums() { # CONNINFO DB
  psql -X -q -At -F $'\t' "$1 dbname=$2" <<'SQL'
SET TimeZone = 'UTC';
SET extra_float_digits = 3;
SELECT format('SELECT %L, count(*), coalesce(md5(string_agg(t::text, chr(10) ORDER BY t::text COLLATE "C")), md5('''')), %L FROM %I.%I t',
              n.nspname || '.' || c.relname, pg_get_userbyid(c.relowner), n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg_toast%'
 ORDER BY 1 \gexec
SQL
}
total_rows=0
for s in "${SERVICES[@]}"; do
  db="sixsteps_$s"
  a="$(checksums "$SRC" "$db")"
  b="$(checksums "$DST" "$db")"
  [[ -n "$a" ]] || fail "$db: no tables in the source"
  if [[ "$a" != "$b" ]]; then
    diff <(echo "$a") <(echo "$b") >&2 || true
    fail "$db: the restored tables differ (< source, > restored)"
  fi
  owners="$(awk -F'\t' '{ print $4 }' <<<"$b" | sort -u | tr '\n' ' ')"
  [[ "$owners" == "$db " ]] || fail "$db: tables are owned by '$owners', not by $db alone"
  rows="$(awk -F'\t' '{ r += $2 } END { print r }' <<<"$b")"
  total_rows=$((total_rows + rows))
  echo "    $db: $(wc -l <<<"$b") tables, $rows rows: identical, owned by $db"
done
[[ "$(psql_dst sixsteps_identity -At -c "SELECT string_agg(partnership_id, ',' ORDER BY partnership_id) FROM partnerships")" == cumbria,gateshead,sunderland ]] ||
  fail "identity's partnerships are not all back"
next="$(psql -X -q -At "host=$T/target port=5432 user=sixsteps_reporting dbname=sixsteps_reporting" \
  -c "INSERT INTO backup_probe (label) VALUES ('after restore') RETURNING id")"
[[ "$next" == 501 ]] || fail "the identity column restarted at $next, not 501"
echo "    identity's partnerships are back; identity columns go on (next id 501)"

step "restore refuses a database with tables, unless --clean"
if "$ROOT/scripts/restore" --pg "$DST" "$T/backup" >"$T/again.log" 2>&1; then fail "restore replaced existing databases without --clean"; fi
grep -q 'add --clean' "$T/again.log" || fail "restore did not say why it refused: $(cat "$T/again.log")"
"$ROOT/scripts/restore" --pg "$DST" --clean "$T/backup" >"$T/clean.log" 2>&1 || fail "restore --clean failed: $(tail -n 5 "$T/clean.log")"
[[ "$(psql_dst sixsteps_reporting -At -c "SELECT count(*) FROM backup_probe")" == 500 ]] ||
  fail "restore --clean did not bring back the backup's rows"

step "restore refuses a damaged dump"
printf 'X' | dd of="$T/backup/sixsteps_framework.dump" bs=1 seek=100 conv=notrunc status=none
if "$ROOT/scripts/restore" --pg "$DST" --clean "$T/backup" >"$T/damaged.log" 2>&1; then fail "restore took a damaged dump"; fi
grep -q 'does not match its sha256' "$T/damaged.log" || fail "restore did not name the damaged dump: $(cat "$T/damaged.log")"

echo "backup_restore: 4 databases, $tables tables, $total_rows rows backed up, restored into an empty cluster and found identical"
