# What scripts/backup and scripts/restore share: where the databases are (--hub, --compose,
# --pg) and how to run psql, pg_dump and pg_restore there. Source it; do not run it.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

TARGET=hub
PG_CONNINFO=""
PGBIN="${SIXSTEPS_PG_BIN:-/usr/lib/postgresql/15/bin}"
HUB_DIR="${SIXSTEPS_HUB_DIR:-$SIXSTEPS_ROOT/.hub}"
[[ "$HUB_DIR" == /* ]] || HUB_DIR="$PWD/$HUB_DIR"
HUB_PG_DATA="$HUB_DIR/pg/data"
HUB_STARTED_PG=0
HUB_SOCK="" HUB_PORT=""

# Every table's name, row count and md5 of its rows (as text, sorted), tab-separated; the same
# settings on both sides so that the text of times and numbers compares.
TABLE_CHECKSUMS_SQL="SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 3;
\\pset fieldsep '\\t'
SELECT format('SELECT %L, count(*), coalesce(md5(string_agg(t::text, chr(10) ORDER BY t::text COLLATE \"C\")), md5('''')) FROM %I.%I t',
              n.nspname || '.' || c.relname, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
 ORDER BY n.nspname, c.relname \\gexec"

as_pg() {
  if ((EUID == 0)); then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi
}

compose_cmd() {
  local -a cmd
  if [[ -n "${SIXSTEPS_COMPOSE:-}" ]]; then read -r -a cmd <<<"$SIXSTEPS_COMPOSE"
  elif command -v docker-compose >/dev/null 2>&1; then cmd=(docker-compose)
  elif command -v podman-compose >/dev/null 2>&1; then cmd=(podman-compose)
  elif command -v docker >/dev/null 2>&1; then cmd=(docker compose)
  else die "no docker-compose, podman-compose or docker found (set SIXSTEPS_COMPOSE)"; fi
  export SIXSTEPS_SECRETS_DIR="${SIXSTEPS_SECRETS_DIR:-$SIXSTEPS_ROOT/deploy/secrets}"
  "${cmd[@]}" -p "${SIXSTEPS_COMPOSE_PROJECT:-sixsteps}" -f "$SIXSTEPS_ROOT/deploy/compose.yaml" "$@"
}

# Makes the target reachable: for the hub, starts its PostgreSQL if it is not running.
target_open() {
  case "$TARGET" in
    hub)
      [[ -f "$HUB_PG_DATA/PG_VERSION" ]] || die "no hub cluster in $HUB_PG_DATA (start one with scripts/hub up, or set SIXSTEPS_HUB_DIR)"
      if ! as_pg "$PGBIN/pg_ctl" -D "$HUB_PG_DATA" status >/dev/null 2>&1; then
        say "Starting the hub's PostgreSQL for this (it is stopped again afterwards)"
        as_pg "$PGBIN/pg_ctl" -D "$HUB_PG_DATA" -l "$HUB_DIR/logs/postgresql.log" -w -t 60 start >/dev/null ||
          die "could not start the hub's PostgreSQL; see $HUB_DIR/logs/postgresql.log"
        HUB_STARTED_PG=1
        trap target_close EXIT
      fi
      HUB_PORT="$(sed -n 4p "$HUB_PG_DATA/postmaster.pid")"
      HUB_SOCK="$(sed -n 5p "$HUB_PG_DATA/postmaster.pid")"
      [[ "$HUB_PORT" =~ ^[0-9]+$ && -n "$HUB_SOCK" ]] || die "cannot read the port and socket from $HUB_PG_DATA/postmaster.pid"
      ;;
    compose) compose_cmd exec -T postgres pg_isready -q -h /run/postgresql >/dev/null ||
      die "the compose hub's postgres container does not answer (is it up? SIXSTEPS_COMPOSE_PROJECT=${SIXSTEPS_COMPOSE_PROJECT:-sixsteps})" ;;
    pg) [[ -n "$PG_CONNINFO" ]] || die "--pg needs a connection string" ;;
  esac
  target_psql postgres -Atc 'SELECT 1' >/dev/null || die "cannot connect to PostgreSQL ($TARGET)"
}

target_close() {
  if ((HUB_STARTED_PG)); then
    HUB_STARTED_PG=0
    as_pg "$PGBIN/pg_ctl" -D "$HUB_PG_DATA" -m fast -w -t 60 stop >/dev/null || warn "could not stop the hub's PostgreSQL"
    note "the hub's PostgreSQL is stopped again"
  fi
}

# target_psql DB [psql args]: psql as a superuser in DB.
target_psql() {
  local db="$1"; shift
  case "$TARGET" in
    hub) as_pg "$PGBIN/psql" -X -h "$HUB_SOCK" -p "$HUB_PORT" -U postgres -d "$db" "$@" ;;
    compose) compose_cmd exec -T -u postgres postgres psql -X -h /run/postgresql -U postgres -d "$db" "$@" ;;
    pg) psql -X "$PG_CONNINFO dbname=$db" "$@" ;;
  esac
}

# target_pg_dump DB [args]: the custom-format dump on standard output.
target_pg_dump() {
  local db="$1"; shift
  case "$TARGET" in
    hub) as_pg "$PGBIN/pg_dump" -Fc -h "$HUB_SOCK" -p "$HUB_PORT" -U postgres "$@" "$db" ;;
    compose) compose_cmd exec -T -u postgres postgres pg_dump -Fc -h /run/postgresql -U postgres "$@" "$db" ;;
    pg) "$PGBIN/pg_dump" -Fc "$@" "$PG_CONNINFO dbname=$db" ;;
  esac
}

# target_pg_restore DB [args] < DUMP
target_pg_restore() {
  local db="$1"; shift
  case "$TARGET" in
    hub) as_pg "$PGBIN/pg_restore" -h "$HUB_SOCK" -p "$HUB_PORT" -U postgres -d "$db" "$@" ;;
    compose) compose_cmd exec -T -u postgres postgres pg_restore -h /run/postgresql -U postgres -d "$db" "$@" ;;
    pg) "$PGBIN/pg_restore" -d "$PG_CONNINFO dbname=$db" "$@" ;;
  esac
}

target_db_exists() {
  [[ "$(target_psql postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$1'")" == 1 ]]
}
