#!/usr/bin/env bash
# ctest "hub_log_rotation" (label deploy): scripts/lib/rotate-log, which scripts/hub runs every
# 10 s on its logs. A writer holds its log open with O_APPEND (as a service started by
# scripts/hub does, >>) and writes numbered lines; the log is rotated after each batch. Checks:
# the log never passes its bound by more than one batch; at most KEEP older files exist; after
# a truncation the writer goes on at the new start of the file (no hole of NUL bytes, as a
# writer without O_APPEND would leave); and the files, newest last, hold the most recent lines
# in order with none missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
ROTATE="$ROOT/scripts/lib/rotate-log"
fail() { echo "FAIL: $*" >&2; exit 1; }
T="$(mktemp -d /tmp/sixsteps-rotate-test.XXXXXX)"
trap 'exec 3>&- 2>/dev/null || true; rm -rf "$T"' EXIT
log="$T/identity.log" max=4096 keep=3
exec 3>>"$log"
n=0
for batch in $(seq 1 60); do
  for _ in $(seq 1 10); do
    n=$((n + 1))
    printf '{"event":"call","line":%d,"pad":"%s"}\n' "$n" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" >&3
  done
  "$ROTATE" "$log" "$max" "$keep" || fail "rotate-log failed"
  size="$(stat -c %s "$log")"
  ((size <= max)) || fail "after batch $batch the log holds $size bytes (bound $max)"
done
[[ ! -e "$log.$((keep + 1))" ]] || fail "more than $keep older files kept"
for f in "$log" "$log".*; do
  ! grep -qaP '\x00' "$f" || fail "$f has NUL bytes: the writer did not append at the new end"
done
# Oldest first: .3 .2 .1 then the log itself; the line numbers run on without a gap, to $n.
lines="$(cat "$log.3" "$log.2" "$log.1" "$log" | sed -n 's/.*"line":\([0-9]*\).*/\1/p')"
first="$(head -n 1 <<<"$lines")" last="$(tail -n 1 <<<"$lines")"
[[ "$last" == "$n" ]] || fail "the newest line is $last, not $n"
[[ "$lines" == "$(seq "$first" "$n")" ]] || fail "the kept lines are not $first..$n in order"
((first > 1)) || fail "nothing was dropped: the bound was never reached"
# A file that does not exist, or is small, is left alone.
"$ROTATE" "$T/none.log" "$max" "$keep" || fail "rotate-log failed on a missing file"
if "$ROTATE" "$log" 0 "$keep" 2>/dev/null; then fail "rotate-log took a bound of 0"; fi
echo "PASS: $n lines written, lines $first..$n kept in the log and $keep older files, each at most $max bytes"
