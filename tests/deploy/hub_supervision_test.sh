#!/usr/bin/env bash
# ctest "hub_supervision" (label deploy): the local hub starts again a service that dies.
#
# Runs `scripts/hub up --no-install --no-build` from the existing build (SIXSTEPS_BUILD_DIR,
# default build/) in a throw-away folder on its own ports (below Linux's ephemeral range, and
# apart from the smoke's, so it never meets a developer's hub or `scripts/hub smoke`), waits
# until it is ready, then SIGKILLs the framework service (as the kernel's OOM killer would)
# and checks, within a bounded wait, that the hub
#   - logged the death and the restart,
#   - started a new framework process that answers on the same port,
#   - counts the restart in `scripts/hub status`,
# and that a second kill is restarted too (after the doubled backoff). Then stops the hub.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
HUB="$ROOT/scripts/hub"
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "--- $*"; }

export SIXSTEPS_BUILD_DIR="${SIXSTEPS_BUILD_DIR:-$ROOT/build}"
T="$(mktemp -d /tmp/sixsteps-hub-supervision.XXXXXX)"
chmod 0755 "$T"
export SIXSTEPS_HUB_DIR="$T/hub" XDG_CONFIG_HOME="$T/config"
unset SIXSTEPS_TOKEN SIXSTEPS_API_KEY SIXSTEPS_PASSWORD SIXSTEPS_ADMIN_EMAIL
export SIXSTEPS_HUB_PG_PORT=25452 SIXSTEPS_REPORTING_HTTP_PORT=9184
# The services of scripts/lib/services.txt on 21051-21055, metrics on 29191-29195.
i=0
for svc in framework identity assessment reporting notification; do
  export "SIXSTEPS_${svc^^}_PORT=$((21051 + i))" "SIXSTEPS_${svc^^}_METRICS_PORT=$((29191 + i))"
  i=$((i + 1))
done
RUN="$SIXSTEPS_HUB_DIR/run"

up_pid=
cleanup() {
  "$HUB" down >/dev/null 2>&1 || true
  [[ -z "$up_pid" ]] || wait "$up_pid" 2>/dev/null || true
  if [[ "${passed:-0}" == 1 ]]; then rm -rf "$T"; else echo "logs kept in $T" >&2; fi
}
trap cleanup EXIT

# Waits up to $1 seconds for the command after it to succeed.
wait_for() {
  local seconds="$1" deadline
  shift
  deadline=$(($(date +%s) + seconds))
  until "$@"; do
    (($(date +%s) < deadline)) || return 1
    sleep 0.2
  done
}
framework_pid() { tr -dc '0-9' <"$RUN/framework.pid" 2>/dev/null || true; }
answers() { timeout 2 bash -c ": <>/dev/tcp/127.0.0.1/$SIXSTEPS_FRAMEWORK_PORT" 2>/dev/null; }
# A framework process other than $1 that answers.
restarted_from() {
  local pid
  pid="$(framework_pid)"
  [[ -n "$pid" && "$pid" != "$1" ]] && kill -0 "$pid" 2>/dev/null && answers
}

step "scripts/hub up in $T"
"$HUB" up --no-install --no-build >"$T/up.log" 2>&1 &
up_pid=$!
wait_for 240 test -f "$RUN/ready" || { tail -n 40 "$T/up.log" >&2; fail "the hub did not become ready"; }
"$HUB" status >/dev/null || fail "status reports a problem before any kill"

for round in 1 2; do
  victim="$(framework_pid)"
  [[ -n "$victim" ]] || fail "no framework pid file"
  step "kill $round: SIGKILL framework (pid $victim)"
  kill -KILL "$victim"
  # Backoff 1 s, then 2 s; a few seconds more for the process to bind its port.
  wait_for 60 restarted_from "$victim" || { tail -n 40 "$T/up.log" >&2; fail "framework was not started again after kill $round"; }
  grep -q "framework stopped unexpectedly" "$T/up.log" || fail "the hub did not log the death"
  status="$("$HUB" status)" || fail "status reports a problem after restart $round: $status"
  grep -q "^framework: running .*restarted $round time" <<<"$status" ||
    fail "status does not count restart $round: $(grep '^framework' <<<"$status")"
  echo "$(grep '^framework' <<<"$status")"
done
kill -0 "$up_pid" 2>/dev/null || fail "scripts/hub up exited"

step "scripts/hub down"
"$HUB" down >/dev/null
wait "$up_pid" || fail "scripts/hub up exited with status $? after down"
up_pid=
passed=1
echo "PASS: the hub restarted framework twice and counted both restarts"
