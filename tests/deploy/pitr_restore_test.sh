#!/usr/bin/env bash
# ctest "pitr_restore" (label deploy): point-in-time recovery of the local hub's cluster
# (scripts/pitr, scripts/restore --to), on a throw-away hub folder in /tmp.
#
# The cluster is made and started as scripts/hub makes it (scripts/lib/pg-cluster, the WAL
# archive settings of scripts/lib/pitr.sh; unix socket only, so no port is taken). Identity's
# and assessment's real migrations are applied with the services' own setup subcommands
# (binaries from SIXSTEPS_BUILD_DIR, default build/). Then:
#   1. a base backup (scripts/pitr base);
#   2. records written: regions and partnerships in identity, three draft rounds in
#      assessment; every table's row count and checksum noted, and the time;
#   3. the mistake: round two finalised, a partnership deleted, and a new round created;
#   4. scripts/restore --to the noted time refuses while a hub service runs, and refuses a
#      time before every base backup;
#   5. with no service running it restores, and every table of both databases is exactly as
#      noted (everything written before the time, nothing after: round two a draft again,
#      the partnership back, the later round gone); the cluster as it was is kept aside;
#   6. the restored cluster starts, archives again (a new timeline), and takes writes.
# Bounded: a few seconds of replay; needs root or the postgres user's rights (as the hub).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
BUILD_DIR="${SIXSTEPS_BUILD_DIR:-$ROOT/build}"
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

T="$(mktemp -d /tmp/sixsteps-pitr-test.XXXXXX)"
chmod 0755 "$T"
export SIXSTEPS_HUB_DIR="$T/hub"
source "$ROOT/scripts/lib/pitr.sh"
DATA="$SIXSTEPS_HUB_DIR/pg/data"
SOCK="$T/sock"
CONN="host=$SOCK port=5432 user=postgres"
cleanup() {
  "$PITR_CLUSTER" stop "$DATA" immediate >/dev/null 2>&1 || true
  rm -rf "$T"
}
trap cleanup EXIT

start() {
  local -a settings
  mapfile -t settings < <(pitr_archive_settings)
  "$PITR_CLUSTER" start "$DATA" "$SIXSTEPS_HUB_DIR/logs/postgresql.log" listen_addresses= \
    unix_socket_directories="$SOCK" port=5432 fsync=off "${settings[@]}" || fail "PostgreSQL did not start"
}
q() { local db="$1"; shift; psql -X -q -At -v ON_ERROR_STOP=1 "$CONN dbname=$db" "$@"; }
checksums() { # DB: every table's name, row count and md5 of its rows
  q "$1" -F $'\t' <<'SQL'
SET TimeZone = 'UTC';
SELECT format('SELECT %L, count(*), coalesce(md5(string_agg(t::text, chr(10) ORDER BY t::text COLLATE "C")), md5('''')) FROM %I.%I t',
              n.nspname || '.' || c.relname, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg_toast%'
 ORDER BY 1 \gexec
SQL
}

step "a hub cluster with WAL archiving in $SIXSTEPS_HUB_DIR"
mkdir -p "$SIXSTEPS_HUB_DIR/logs"
"$PITR_CLUSTER" init "$DATA" --auth trust --no-sync >/dev/null || fail "initdb failed"
pitr_prepare
start
[[ "$(q postgres -c 'SHOW archive_mode')" == on ]] || fail "archive_mode is not on"

export SIXSTEPS_KEY_ENCRYPTION_SECRET="pitr-test-key-encryption-secret"  # identity reads it at start-up
for s in identity assessment; do
  db="sixsteps_$s" bin="$BUILD_DIR/services/$s/sixsteps-$s"
  [[ -x "$bin" ]] || fail "$bin is not built"
  SIXSTEPS_DATABASE_URL="host=$SOCK port=5432 user=$db dbname=$db" SIXSTEPS_ADMIN_DATABASE_URL="$CONN dbname=postgres" \
    "$bin" provision-database >/dev/null || fail "$s: provision-database failed"
  SIXSTEPS_DATABASE_URL="host=$SOCK port=5432 user=$db dbname=$db" "$bin" migrate >/dev/null || fail "$s: migrate failed"
done

step "1. a base backup (scripts/pitr base)"
"$ROOT/scripts/pitr" base || fail "scripts/pitr base failed"
"$ROOT/scripts/pitr" status | grep -q "^base backup" || fail "scripts/pitr status lists no base backup"

step "2. records written, then the time noted"
q sixsteps_identity >/dev/null <<'SQL' || fail "could not write identity's records"
INSERT INTO regions (region_id, display_name) VALUES ('north-east', 'North East');
INSERT INTO partnerships (partnership_id, region_id, display_name)
VALUES ('sunderland', 'north-east', 'Sunderland Safeguarding Children Partnership'),
       ('gateshead', 'north-east', 'Gateshead Safeguarding Children Partnership');
SQL
for i in 1 2 3; do
  q sixsteps_assessment -c "INSERT INTO assessments (assessment_id, partnership_id, region_id, framework_version, framework, kind, state, record)
    VALUES ('round-$i', 'sunderland', 'north-east', 'frameworks/six-steps/versions/2019', '\\x00', 'self_assessment', 'draft', '\\x0$i')" ||
    fail "could not write round-$i"
done
before_identity="$(checksums sixsteps_identity)"
before_assessment="$(checksums sixsteps_assessment)"
sleep 1
noted="$(date -u '+%Y-%m-%d %H:%M:%S.%N UTC')"
sleep 1
echo "    noted $noted"

step "3. the mistake: round-2 finalised, gateshead deleted, round-4 created"
q sixsteps_assessment -c "UPDATE assessments SET state = 'finalised', finalise_time = now(), row_version = row_version + 1 WHERE assessment_id = 'round-2'"
q sixsteps_identity -c "DELETE FROM partnerships WHERE partnership_id = 'gateshead'"
q sixsteps_assessment -c "INSERT INTO assessments (assessment_id, partnership_id, region_id, framework_version, framework, kind, state, record)
  VALUES ('round-4', 'sunderland', 'north-east', 'frameworks/six-steps/versions/2019', '\\x00', 'self_assessment', 'draft', '\\x04')"
[[ "$(q sixsteps_assessment -c "SELECT state FROM assessments WHERE assessment_id = 'round-2'")" == finalised ]] ||
  fail "the mistake did not happen"

step "4. refusals"
mkdir -p "$SIXSTEPS_HUB_DIR/run"
sleep 300 &
sleeper=$!
echo "$sleeper" >"$SIXSTEPS_HUB_DIR/run/assessment.pid"
if out="$("$ROOT/scripts/restore" --to "$noted" 2>&1)"; then fail "restore went ahead while a service ran"; fi
grep -q "assessment service is running" <<<"$out" || fail "restore did not say which service runs: $out"
kill "$sleeper"
wait "$sleeper" 2>/dev/null || true
rm -f "$SIXSTEPS_HUB_DIR/run/assessment.pid"
if out="$("$ROOT/scripts/restore" --to "2020-01-01 00:00:00 UTC" 2>&1)"; then fail "restore went to a time before every base backup"; fi
grep -q "no base backup finished before" <<<"$out" || fail "unexpected refusal: $out"
"$PITR_CLUSTER" running "$DATA" || fail "a refused restore stopped the cluster"

step "5. scripts/restore --to '$noted'"
"$ROOT/scripts/restore" --to "$noted" || fail "scripts/restore --to failed"
compgen -G "$SIXSTEPS_HUB_DIR/pg/data.before-restore-*" >/dev/null || fail "the cluster as it was is not kept aside"
"$PITR_CLUSTER" running "$DATA" && fail "the restore left the cluster running"
start
after_identity="$(checksums sixsteps_identity)"
after_assessment="$(checksums sixsteps_assessment)"
[[ "$before_identity" == "$after_identity" ]] || { diff <(echo "$before_identity") <(echo "$after_identity") >&2 || true; fail "identity's tables differ from the noted time"; }
[[ "$before_assessment" == "$after_assessment" ]] || { diff <(echo "$before_assessment") <(echo "$after_assessment") >&2 || true; fail "assessment's tables differ from the noted time"; }
[[ "$(q sixsteps_assessment -c "SELECT string_agg(assessment_id || ':' || state, ' ' ORDER BY assessment_id) FROM assessments")" == "round-1:draft round-2:draft round-3:draft" ]] ||
  fail "the rounds are not as they were"
[[ "$(q sixsteps_identity -c "SELECT count(*) FROM partnerships WHERE partnership_id = 'gateshead'")" == 1 ]] || fail "gateshead is not back"
echo "    $(printf '%s\n%s\n' "$after_identity" "$after_assessment" | awk -F'\t' 'NF { n++; r += $2 } END { print n " tables, " r " rows" }') as noted; round-2 a draft, gateshead back, round-4 gone"

step "6. the restored hub takes writes and archives them"
q sixsteps_assessment -c "UPDATE assessments SET state = 'in_review' WHERE assessment_id = 'round-1'"
timeline="$(q postgres -c 'SELECT timeline_id FROM pg_control_checkpoint()')"
((timeline >= 2)) || fail "no new timeline after the recovery (timeline $timeline)"
q postgres -c 'SELECT pg_switch_wal()' >/dev/null
for _ in $(seq 1 100); do
  compgen -G "$PITR_ARCHIVE/0000000$timeline*" >/dev/null && break
  sleep 0.2
done
compgen -G "$PITR_ARCHIVE/0000000$timeline*" >/dev/null || fail "nothing of timeline $timeline was archived"
echo "PASS: point-in-time recovery brought back the noted moment, and nothing after it"
