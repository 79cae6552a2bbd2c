# Point-in-time recovery of the hub's cluster: what scripts/hub (archive settings, base
# backups at up), scripts/pitr and scripts/restore --to share. Source it; do not run it.
# Layout, under SIXSTEPS_HUB_DIR's pg/ folder (all the PostgreSQL user's, mode 0700):
#   data/                        the cluster
#   wal-archive/                 WAL segments, copied there by archive_command
#   base/<YYYYmmddTHHMMSSZ>/     data/ (pg_basebackup, WAL included) and `finished` (epoch)
#   data.before-restore-<stamp>/ the cluster as it was before a restore
# The compose hub's postgres image uses the same code with SIXSTEPS_PITR_PG_DIR=/var/lib/postgresql
# (data/, wal-archive/ and base/ there are volumes) and SIXSTEPS_PITR_ASIDE_DIR and
# SIXSTEPS_PITR_LOG_DIR on the base/ volume (deploy/postgres/entrypoint.sh).
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PITR_PGBIN="${SIXSTEPS_PG_BIN:-/usr/lib/postgresql/15/bin}"
PITR_HUB_DIR="${SIXSTEPS_HUB_DIR:-$SIXSTEPS_ROOT/.hub}"
[[ "$PITR_HUB_DIR" == /* ]] || PITR_HUB_DIR="$PWD/$PITR_HUB_DIR"
PITR_PG_DIR="${SIXSTEPS_PITR_PG_DIR:-$PITR_HUB_DIR/pg}"
PITR_ASIDE_DIR="${SIXSTEPS_PITR_ASIDE_DIR:-$PITR_PG_DIR}"
PITR_LOG_DIR="${SIXSTEPS_PITR_LOG_DIR:-$PITR_HUB_DIR/logs}"
PITR_DATA="$PITR_PG_DIR/data"
PITR_ARCHIVE="$PITR_PG_DIR/wal-archive"
PITR_BASE="$PITR_PG_DIR/base"
PITR_CLUSTER="$SIXSTEPS_LIB/pg-cluster"

if ((EUID == 0)); then
  pitr_as_pg() { (cd / && runuser -u postgres -- "$@"); }
  PITR_PG_USER=postgres
else
  pitr_as_pg() { (cd / && "$@"); }
  PITR_PG_USER="$(id -un)"
fi

# The server settings that archive every WAL segment: NAME=VALUE words for pg-cluster start.
pitr_archive_settings() {
  printf '%s\n' wal_level=replica archive_mode=on archive_timeout=600 \
    "archive_command=test ! -f '$PITR_ARCHIVE/%f' && cp '%p' '$PITR_ARCHIVE/%f.part' && mv '$PITR_ARCHIVE/%f.part' '$PITR_ARCHIVE/%f'"
}

# Makes the archive and base-backup folders (the server's user's, 0700).
pitr_prepare() {
  local d
  for d in "$PITR_ARCHIVE" "$PITR_BASE"; do
    (umask 077 && mkdir -p "$d")
    chown "$PITR_PG_USER": "$d"
    chmod 0700 "$d"
  done
}

# The running cluster's socket folder and port (from postmaster.pid), or failure.
pitr_socket() {
  [[ -f "$PITR_DATA/postmaster.pid" ]] || return 1
  PITR_PORT="$(sed -n 4p "$PITR_DATA/postmaster.pid")"
  PITR_SOCK="$(sed -n 5p "$PITR_DATA/postmaster.pid")"
  [[ "$PITR_PORT" =~ ^[0-9]+$ && -n "$PITR_SOCK" ]]
}

# The newest base backup's `finished` epoch, or 0.
pitr_newest_base() {
  local newest=0 f t
  shopt -s nullglob
  for f in "$PITR_BASE"/*/finished; do
    t="$(cat "$f")"
    ((t > newest)) && newest="$t"
  done
  shopt -u nullglob
  echo "$newest"
}

# Takes a base backup of the running cluster, then keeps the newest
# SIXSTEPS_HUB_BASE_BACKUPS_KEPT [3] and removes the archived WAL older than the oldest kept.
pitr_base_backup() {
  pitr_socket && "$PITR_CLUSTER" running "$PITR_DATA" ||
    die "the hub's PostgreSQL is not running (scripts/hub up starts it)"
  pitr_prepare
  local stamp dir
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  dir="$PITR_BASE/$stamp"
  [[ ! -e "$dir" ]] || die "$dir exists already; try again in a second"
  say "PITR: base backup into $dir"
  mkdir -p "$PITR_LOG_DIR"
  pitr_as_pg mkdir -m 0700 "$dir"
  pitr_as_pg "$PITR_PGBIN/pg_basebackup" -h "$PITR_SOCK" -p "$PITR_PORT" -U postgres -D "$dir/data" \
    -Fp -X stream -c fast -l "sixsteps $stamp" >"$PITR_LOG_DIR/pg_basebackup.log" 2>&1 || {
    rm -rf "$dir"
    die "pg_basebackup failed: $(tail -n 5 "$PITR_LOG_DIR/pg_basebackup.log" 2>/dev/null)"
  }
  # Replay starts from here; a base backup is usable for times after it finished.
  date +%s | pitr_as_pg tee "$dir/finished" >/dev/null
  note "done ($(du -sh "$dir" | cut -f1))"
  pitr_prune
}

pitr_prune() {
  local kept="${SIXSTEPS_HUB_BASE_BACKUPS_KEPT:-3}"
  local -a all
  [[ "$kept" =~ ^[1-9][0-9]*$ ]] || die "SIXSTEPS_HUB_BASE_BACKUPS_KEPT must be a number above 0"
  mapfile -t all < <(find "$PITR_BASE" -mindepth 2 -maxdepth 2 -name finished -printf '%h\n' | sort)
  local n=${#all[@]} i
  for ((i = 0; i < n - kept; i++)); do
    note "dropping the old base backup ${all[$i]##*/}"
    rm -rf "${all[$i]}"
  done
  ((n > 0)) || return 0
  # The oldest kept backup's first WAL segment: everything archived before it is useless.
  local oldest="${all[$((n > kept ? n - kept : 0))]}" first
  first="$(sed -n 's/^START WAL LOCATION: .* (file \([0-9A-F]\{24\}\))$/\1/p' "$oldest/data/backup_label" 2>/dev/null || true)"
  if [[ -n "$first" ]]; then
    pitr_as_pg "$PITR_PGBIN/pg_archivecleanup" "$PITR_ARCHIVE" "$first" ||
      warn "pg_archivecleanup failed; the archive keeps its old segments"
  fi
}

pitr_status() {
  local f t
  echo "archive: $PITR_ARCHIVE ($(find "$PITR_ARCHIVE" -maxdepth 1 -type f -name '0*' 2>/dev/null | wc -l) files, $(du -sh "$PITR_ARCHIVE" 2>/dev/null | cut -f1))"
  if pitr_socket && "$PITR_CLUSTER" running "$PITR_DATA"; then
    pitr_as_pg "$PITR_PGBIN/psql" -X -At -h "$PITR_SOCK" -p "$PITR_PORT" -U postgres -d postgres -c \
      "SELECT 'archiver: ' || archived_count || ' archived, last ' || coalesce(last_archived_wal || ' at ' || last_archived_time, 'none') || ', ' || failed_count || ' failed' || coalesce(' (last failure ' || last_failed_time || ')', '') FROM pg_stat_archiver"
  fi
  shopt -s nullglob
  for f in "$PITR_BASE"/*/finished; do
    t="$(cat "$f")"
    echo "base backup $(basename "$(dirname "$f")"): restores to any time after $(date -d "@$t" '+%Y-%m-%d %H:%M:%S %Z')"
  done
  shopt -u nullglob
  [[ "$(pitr_newest_base)" != 0 ]] || echo "no base backup yet: scripts/pitr base (or scripts/hub up) takes one"
}

# pitr_restore TIME: see scripts/pitr.
pitr_restore() {
  local when="$1" target_epoch target f t base="" best=0
  target_epoch="$(date -d "$when" +%s 2>/dev/null)" || die "cannot read '$when' as a time (try \"YYYY-MM-DD HH:MM:SS\")"
  # PostgreSQL reads this form; UTC, to the microsecond, so nothing depends on time zones.
  target="$(date -u -d "$when" '+%Y-%m-%d %H:%M:%S.%6N+00')"
  ((target_epoch <= $(date +%s))) || die "$target is in the future"
  [[ -f "$PITR_DATA/PG_VERSION" ]] || die "no hub cluster in $PITR_DATA"
  # The services must not be writing while their databases go back in time.
  shopt -s nullglob
  for f in "$PITR_HUB_DIR"/run/*.pid; do
    [[ "$(basename "$f")" == hub.pid ]] && continue
    t="$(tr -dc 0-9 <"$f")"
    if [[ -n "$t" ]] && kill -0 "$t" 2>/dev/null; then
      die "the hub's $(basename "$f" .pid) service is running (pid $t): stop the hub first (scripts/hub down)"
    fi
  done
  for f in "$PITR_BASE"/*/finished; do
    t="$(cat "$f")"
    if ((t <= target_epoch && t > best)); then best="$t" base="$(dirname "$f")"; fi
  done
  shopt -u nullglob
  [[ -n "$base" ]] || die "no base backup finished before $target (scripts/pitr status lists them): this moment cannot be reached"
  say "PITR: restoring the hub's cluster to $target from base backup ${base##*/}"

  "$PITR_CLUSTER" stop "$PITR_DATA" || die "could not stop the hub's PostgreSQL"
  local aside
  aside="$PITR_ASIDE_DIR/data.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
  pitr_move_contents "$PITR_DATA" "$aside"
  note "the cluster as it was is kept in $aside"
  pitr_as_pg cp -a "$base/data/." "$PITR_DATA/"
  # The WAL the old cluster wrote but had not archived yet (the last, unfinished segment):
  # without it the last minutes before TIME might be missing.
  pitr_as_pg find "$aside/pg_wal" -maxdepth 1 -type f -name '0*' -exec cp -p -t "$PITR_DATA/pg_wal" {} +
  pitr_as_pg rm -f "$PITR_DATA/backup_label.old" "$PITR_DATA/postmaster.pid"
  pitr_as_pg touch "$PITR_DATA/recovery.signal"

  local sock log="$PITR_LOG_DIR/postgresql-restore.log" settings
  mkdir -p "$PITR_LOG_DIR"
  sock="$(mktemp -d /tmp/sixsteps-pitr.XXXXXX)"
  mapfile -t settings < <(pitr_archive_settings)
  if ! "$PITR_CLUSTER" start "$PITR_DATA" "$log" listen_addresses= unix_socket_directories="$sock" port=5432 \
    "${settings[@]}" "restore_command=cp '$PITR_ARCHIVE/%f' '%p'" recovery_target_time="$target" \
    recovery_target_action=promote recovery_target_timeline=latest; then
    pitr_undo "$aside" "PostgreSQL did not start the replay: $(tail -n 5 "$log")"
  fi
  local deadline=$(($(date +%s) + ${SIXSTEPS_PITR_TIMEOUT:-600})) state=""
  while (($(date +%s) < deadline)); do
    state="$(pitr_as_pg "$PITR_PGBIN/psql" -X -At -h "$sock" -p 5432 -U postgres -d postgres \
      -c 'SELECT pg_is_in_recovery()' 2>/dev/null || true)"
    [[ "$state" == f ]] && break
    if ! "$PITR_CLUSTER" running "$PITR_DATA"; then
      pitr_undo "$aside" "the replay stopped: $(grep -E 'FATAL|PANIC' "$log" | tail -n 3)"
    fi
    sleep 0.5
  done
  [[ "$state" == f ]] || pitr_undo "$aside" "the replay did not finish within ${SIXSTEPS_PITR_TIMEOUT:-600} s (SIXSTEPS_PITR_TIMEOUT)"
  note "$(grep -E 'recovery stopping|last completed transaction' "$log" | tail -n 2 | sed 's/^.*LOG: *//' | paste -sd ';' -)"
  "$PITR_CLUSTER" stop "$PITR_DATA" || warn "could not stop PostgreSQL after the replay"
  # The replay's settings (recovery target, private socket) must not outlive it: scripts/hub
  # writes its own at every start, the compose image starts without the file.
  rm -f "$PITR_DATA/pg-cluster.conf"
  rm -rf "$sock"
  say "PITR: the hub's databases are as they were at $target. Start the hub: scripts/hub up"
  note "then take a new base backup (scripts/pitr base); remove $aside once you are content"
}

# pitr_move_contents FROM TO: FROM's files into the new folder TO, leaving FROM empty (mode
# 0700, the server's user's). Contents rather than the folder: in a container the data
# folder is a volume's mount point.
pitr_move_contents() {
  local from="$1" to="$2"
  (umask 077 && mkdir -p "$to")
  chown "$PITR_PG_USER": "$to"
  find "$from" -mindepth 1 -maxdepth 1 -exec mv -t "$to" {} + || die "could not move $from's files to $to"
  chown "$PITR_PG_USER": "$from"
  chmod 0700 "$from"
}

# Puts the cluster that was moved aside back after a failed restore, and stops.
pitr_undo() {
  local aside="$1" why="$2"
  "$PITR_CLUSTER" stop "$PITR_DATA" immediate >/dev/null 2>&1 || true
  find "$PITR_DATA" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
  pitr_move_contents "$aside" "$PITR_DATA"
  rmdir "$aside"
  die "$why; the cluster is back as it was before the restore (see $PITR_LOG_DIR/postgresql-restore.log)"
}
