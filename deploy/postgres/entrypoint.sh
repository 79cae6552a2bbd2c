#!/usr/bin/env bash
# PostgreSQL 15 (Debian's) for the compose hub. On the first start it creates the cluster in
# $PGDATA (a volume) with the superuser password from POSTGRES_PASSWORD_FILE (a secret), lets
# every client of the compose network in with scram-sha-256 (the port is not published), then
# runs the server as the postgres user. The server is PID 1 (exec); compose stops it with
# SIGINT (the image's STOPSIGNAL), PostgreSQL's fast shutdown.
#
# Point-in-time recovery, with the local hub's own code (scripts/lib/pitr.sh, copied into the
# image): the server archives every WAL segment to /var/lib/postgresql/wal-archive, base
# backups go to /var/lib/postgresql/base (both volumes in deploy/compose.yaml). As root:
#   postgres-entrypoint pitr-base             a base backup now (docker-compose exec postgres ...;
#                                             schedule it nightly, e.g. from cron on the host)
#   postgres-entrypoint pitr-status           base backups, the archiver, the reachable window
#   postgres-entrypoint pitr-restore TIME     with everything stopped (docker-compose stop), in a
#                                             one-off container: docker-compose run --rm --no-deps
#                                             postgres pitr-restore "2026-12-07 13:05:00+00"
set -euo pipefail
die() { echo "postgres-entrypoint: $*" >&2; exit 1; }
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

export SIXSTEPS_PITR_PG_DIR=/var/lib/postgresql SIXSTEPS_PITR_ASIDE_DIR=/var/lib/postgresql/base \
  SIXSTEPS_PITR_LOG_DIR=/var/lib/postgresql/base/logs SIXSTEPS_HUB_DIR=/var/lib/postgresql
# shellcheck source=../../scripts/lib/pitr.sh
source /usr/local/lib/sixsteps/scripts/lib/pitr.sh
case "${1:-}" in
  pitr-base) pitr_base_backup; exit 0 ;;
  pitr-status) pitr_status; exit 0 ;;
  pitr-restore) pitr_restore "${2:?pitr-restore TIME}"; exit 0 ;;
esac

if [[ "${1:-}" != postgres || "$(id -u)" != 0 ]]; then exec "$@"; fi

mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 0700 "$PGDATA"
if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  [[ -r "${POSTGRES_PASSWORD_FILE:-}" ]] || die "POSTGRES_PASSWORD_FILE must name a readable file (the superuser's password)"
  pwfile="$(mktemp)"
  head -n 1 "$POSTGRES_PASSWORD_FILE" | tr -d '\n' >"$pwfile"
  [[ -s "$pwfile" ]] || die "$POSTGRES_PASSWORD_FILE is empty"
  chown postgres "$pwfile"
  echo "postgres-entrypoint: creating a new cluster in $PGDATA"
  as_postgres initdb -D "$PGDATA" -U postgres --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
    --auth-local=peer --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  cat >>"$PGDATA/postgresql.conf" <<CONF

# Added by the compose hub's entrypoint.
listen_addresses = '*'
password_encryption = 'scram-sha-256'
unix_socket_directories = '/run/postgresql'
CONF
  cat >"$PGDATA/pg_hba.conf" <<HBA
# Written by the compose hub's entrypoint: the superuser through the unix socket as the OS
# user postgres (backups: exec -u postgres), every role over the compose network with its
# password. Each service's role may connect to its own database only (CONNECT is revoked from
# PUBLIC by the db-init job: sixsteps-identity provision-database).
local   all   postgres                 peer
host    all   all        0.0.0.0/0     scram-sha-256
host    all   all        ::/0          scram-sha-256
HBA
  chown postgres:postgres "$PGDATA/pg_hba.conf"
fi
# pg_basebackup (pitr-base) connects as the superuser through the socket; clusters made before
# point-in-time recovery lack the line.
grep -qE '^local[[:space:]]+replication[[:space:]]+postgres' "$PGDATA/pg_hba.conf" ||
  echo "local   replication   postgres   peer" >>"$PGDATA/pg_hba.conf"
pitr_prepare
mapfile -t archive < <(pitr_archive_settings)
settings=()
for s in "${archive[@]}"; do settings+=(-c "$s"); done
exec setpriv --reuid=postgres --regid=postgres --init-groups "$@" "${settings[@]}"
