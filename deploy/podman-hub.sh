#!/usr/bin/env bash
# deploy/podman-hub.sh: proves the container deployment on this machine, end to end, as root:
#
#   1. installs podman, buildah, runc, debootstrap and docker-compose from Debian if missing,
#      and what lets containers find each other by name on a compose network: with Podman's CNI
#      backend (Debian 12's default) the dnsname plugin
#      (golang-github-containernetworking-plugin-dnsname), with netavark its aardvark-dns;
#   2. writes a private containers.conf (runtime runc, nofile 20000, nproc 4096) and uses it
#      through CONTAINERS_CONF, touching no system-wide setting;
#   3. unless they exist, builds the base images with debootstrap from Debian's archive and
#      tags them with the official names the Dockerfile uses (docker.io/library/debian:bookworm
#      and :bookworm-slim; the slim one is the same minbase tree with docs and locales
#      removed and dpkg told to leave them out);
#   3b. checks, before anything long, that a container resolves another by its name on a
#      fresh Podman network (without it db-init would wait two minutes for postgres:5432 and
#      compose would stop with "PostgreSQL at postgres:5432 does not answer"), and says which
#      package is missing if not. `deploy/podman-hub.sh --preflight` stops after this check
#      (about a minute the first time, for debootstrap; seconds after);
#   4. builds the images (deploy/Dockerfile: postgres, identity, framework, assessment,
#      reporting, notification, cli) under nice -n 19 from a clean build context: a copy of the work tree as
#      it is, uncommitted changes included, or with SIXSTEPS_SOURCE=REV the files of that
#      commit (git archive); the image build fails if a binary lacks a shared library;
#   5. makes the secrets, starts Podman's API socket and the hub from that context's
#      deploy/compose.yaml with docker-compose (on other ports than a developer's hub: 51051-
#      51055 and 9084, each checked free before the build and again before `up`);
#   6. runs the end-to-end smoke test through the CLI image: sign in as the hub administrator,
#      the framework, a region, a partnership with its three core partners, a self-assessment
#      round with a rating, the round's report from the reporting service (gRPC), the
#      partnership's notification rules from the notification service, plus every service's
#      gRPC health (deploy/healthcheck.sh, and each image's HEALTHCHECK run
#      once by hand) and reporting's HTTP /healthz;
#   7. tears it all down (containers, network, volumes, the socket) unless SIXSTEPS_KEEP_HUB=1.
#
# Environment: SIXSTEPS_PODMAN_DIR [/var/tmp/sixsteps-podman] (config, rootfs, secrets, logs),
# SIXSTEPS_JOBS [2] (compile jobs inside the build), SIXSTEPS_DEBIAN_MIRROR
# [http://deb.debian.org/debian], SIXSTEPS_REBUILD_BASE=1 (debootstrap again),
# SIXSTEPS_SOURCE [worktree] (or a git revision such as HEAD: build that commit's files),
# SIXSTEPS_KEEP_HUB=1 (leave the hub running; stop it with `... down -v`, see the end),
# SIXSTEPS_COMPOSE_LIMITS=1 (with deploy/compose.limits.yaml's memory and CPU limits),
# SIXSTEPS_PREBUILT=DIR (a CMake build of this tree on this machine, such as build/, with the
# five services and the CLI built: the images take stripped copies of its binaries instead
# of compiling everything again in the build stage; for a machine too busy for that).
# Time on this machine (2 cores, shared with other builds): 16-17 minutes when the sources
# changed (13.5-16 of them compiling inside the container), more the very first time
# (debootstrap and the build stage's packages, not timed); 2 minutes when nothing changed
# (podman caches the base images and the build layers).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
WORK="${SIXSTEPS_PODMAN_DIR:-/var/tmp/sixsteps-podman}"
JOBS="${SIXSTEPS_JOBS:-2}"
SOURCE="${SIXSTEPS_SOURCE:-worktree}"
MIRROR="${SIXSTEPS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
TAG=0.1.0
PROJECT=sixsteps-smoke
started=$(date +%s)

say() { printf '==> [%4ss] %s\n' "$(($(date +%s) - started))" "$*" >&2; }
die() { printf 'podman-hub: error: %s\n' "$*" >&2; exit 1; }
((EUID == 0)) || die "run as root (Podman as root, debootstrap)"
preflight=0
case "${1:-}" in
  --preflight) preflight=1 ;;
  "") ;;
  *) die "usage: deploy/podman-hub.sh [--preflight]" ;;
esac

mkdir -p "$WORK"
chmod 0700 "$WORK"

# The published ports (checked free now, before the long build, and again before `up`).
export SIXSTEPS_IDENTITY_PORT=51052 SIXSTEPS_FRAMEWORK_PORT=51051 SIXSTEPS_ASSESSMENT_PORT=51053
export SIXSTEPS_REPORTING_PORT=51054 SIXSTEPS_NOTIFICATION_PORT=51055 SIXSTEPS_REPORTING_HTTP_PORT=9084
# Never another hub's ports: a developer's hub (scripts/hub) uses 50051-50055 and 8084, and a
# port already taken here would make compose fail half-way through with a bind error.
check_ports_free() {
  local port
  for port in "$SIXSTEPS_FRAMEWORK_PORT" "$SIXSTEPS_IDENTITY_PORT" "$SIXSTEPS_ASSESSMENT_PORT" \
    "$SIXSTEPS_REPORTING_PORT" "$SIXSTEPS_NOTIFICATION_PORT" "$SIXSTEPS_REPORTING_HTTP_PORT"; do
    if ss -Hltn "sport = :$port" | grep -q .; then
      die "port $port on this machine is taken (ss -ltnp 'sport = :$port'): the container hub publishes 51051-51055 and 9084"
    fi
  done
}
check_ports_free

# 1. Packages ----------------------------------------------------------------------------------
need=()
for p in podman buildah runc debootstrap docker-compose; do
  dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || need+=("$p")
done
if ((${#need[@]})); then
  say "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" </dev/null >/dev/null ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" </dev/null >/dev/null; } ||
    die "apt-get install ${need[*]} failed"
fi

# Name resolution between containers: Podman 4.3 on Debian 12 uses CNI unless netavark is
# installed; CNI needs the dnsname plugin for it, netavark needs aardvark-dns.
apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" </dev/null >/dev/null ||
    { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" </dev/null >/dev/null; } ||
    die "apt-get install $* failed"
}
backend="$(podman info --format '{{.Host.NetworkBackend}}' 2>/dev/null || true)"
case "$backend" in
  cni)
    if [[ ! -x /usr/lib/cni/dnsname ]]; then
      say "Podman's network backend is CNI: installing its dnsname plugin (golang-github-containernetworking-plugin-dnsname), so that containers resolve each other's names"
      apt_install golang-github-containernetworking-plugin-dnsname
    fi
    [[ -x /usr/lib/cni/dnsname ]] || die "the CNI dnsname plugin is still missing at /usr/lib/cni/dnsname"
    ;;
  netavark)
    if [[ ! -x /usr/lib/podman/aardvark-dns ]] && ! command -v aardvark-dns >/dev/null; then
      say "Podman's network backend is netavark: installing aardvark-dns, so that containers resolve each other's names"
      apt_install aardvark-dns
    fi
    ;;
  *) die "podman info names no network backend ('$backend'): is Podman working? (podman info)" ;;
esac
say "Podman's network backend: $backend, with name resolution between containers"

# 2. A private containers.conf ----------------------------------------------------------------
export CONTAINERS_CONF="$WORK/containers.conf"
cat >"$CONTAINERS_CONF" <<'EOF'
# Written by deploy/podman-hub.sh: crun fails on this host's cgroups, and the default limits
# are more than the machine allows.
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]

[engine]
runtime = "runc"
EOF
podman info --format '{{.Host.OCIRuntime.Name}}' | grep -qx runc || die "podman does not use runc with $CONTAINERS_CONF"

# 3. Base images -------------------------------------------------------------------------------
BASE=docker.io/library/debian:bookworm
SLIM=docker.io/library/debian:bookworm-slim
if [[ "${SIXSTEPS_REBUILD_BASE:-0}" == 1 ]] || ! podman image exists "$BASE" || ! podman image exists "$SLIM"; then
  rootfs="$WORK/rootfs"
  rm -rf "$rootfs"
  say "debootstrap --variant=minbase bookworm from $MIRROR (about a minute)"
  nice -n 19 debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -n 20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log $WORK/debootstrap.log)"; }
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
  say "importing it as $BASE"
  tar -C "$rootfs" --numeric-owner -c . | podman import --quiet --message "debootstrap minbase bookworm" - "$BASE" >/dev/null
  # The slim variant: what debian:bookworm-slim leaves out (docs, man pages, locales).
  mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/groff/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  say "importing the slim variant as $SLIM"
  tar -C "$rootfs" --numeric-owner -c . | podman import --quiet --message "debootstrap minbase bookworm, slimmed" - "$SLIM" >/dev/null
  rm -rf "$rootfs"
else
  say "base images $BASE and $SLIM exist (SIXSTEPS_REBUILD_BASE=1 makes them again)"
fi

# 3b. Name resolution, before the long build ---------------------------------------------------------
dns_net="sixsteps-dnscheck-$$" dns_target="sixsteps-dnscheck-target-$$"
dns_cleanup() {
  podman rm -f -t 0 "$dns_target" >/dev/null 2>&1 || true
  podman network rm -f "$dns_net" >/dev/null 2>&1 || true
}
podman network create "$dns_net" >/dev/null || die "podman network create failed"
if ! podman run -d --name "$dns_target" --network "$dns_net" --pull=never "$SLIM" sleep 120 >/dev/null; then
  dns_cleanup
  die "cannot start a container from $SLIM on a Podman network (see podman's message above)"
fi
if ! resolved="$(podman run --rm --network "$dns_net" --pull=never "$SLIM" getent hosts "$dns_target" 2>&1)"; then
  dns_cleanup
  die "containers on a Podman network cannot resolve each other's names (backend $backend): compose's db-init would wait two minutes for postgres:5432 and fail. $(
    [[ "$backend" == cni ]] && echo "Install golang-github-containernetworking-plugin-dnsname (CNI) or netavark and aardvark-dns; check /etc/cni/net.d and 'podman network inspect $dns_net' for a dnsname plugin entry" ||
      echo "Check that aardvark-dns is installed and 'podman network inspect $dns_net' says dns_enabled")"
fi
dns_cleanup
say "name resolution: a container on a fresh network finds another by name ($(awk '{ print $1; exit }' <<<"$resolved"))"
if ((preflight)); then
  say "--preflight: Podman, runc, the base images and name resolution are ready"
  exit 0
fi

# 4. The images ----------------------------------------------------------------------------------
# A clean build context: only what the Dockerfile copies, from the work tree as it is or from
# the commit SIXSTEPS_SOURCE names. bench/ when the tree has it (the top-level CMakeLists.txt
# may add it), else an empty one, so that the Dockerfile's COPY bench holds either way.
context="$WORK/context"
rm -rf "$context"
mkdir -p "$context/scripts"
if [[ "$SOURCE" == worktree ]]; then
  say "build context: the work tree $ROOT as it is"
  cp -a "$ROOT/CMakeLists.txt" "$ROOT/proto" "$ROOT/services" "$ROOT/tools" "$ROOT/deploy" "$context/"
  cp -a "$ROOT/scripts/lib" "$context/scripts/"
  if [[ -d "$ROOT/bench" ]]; then cp -a "$ROOT/bench" "$context/"; fi
else
  rev="$(git -C "$ROOT" rev-parse --verify --quiet "$SOURCE^{commit}")" || die "SIXSTEPS_SOURCE=$SOURCE is not a commit"
  say "build context: commit $(git -C "$ROOT" log -1 --format='%h %s' "$rev")"
  paths=(CMakeLists.txt proto services tools deploy scripts/lib)
  if git -C "$ROOT" cat-file -e "$rev:bench" 2>/dev/null; then paths+=(bench); fi
  git -C "$ROOT" archive --format=tar "$rev" "${paths[@]}" | tar -x -C "$context" || die "git archive $rev failed"
fi
mkdir -p "$context/bench" "$context/prebuilt"
rm -rf "$context/deploy/secrets"
build_args=(--build-arg JOBS="$JOBS")
if [[ -n "${SIXSTEPS_PREBUILT:-}" ]]; then
  for bin in services/identity/sixsteps-identity services/framework/sixsteps-framework \
    services/assessment/sixsteps-assessment services/reporting/sixsteps-reporting \
    services/notification/sixsteps-notification tools/sixsteps/sixsteps; do
    [[ -x "$SIXSTEPS_PREBUILT/$bin" ]] ||
      die "SIXSTEPS_PREBUILT=$SIXSTEPS_PREBUILT has no $bin (cmake --build $SIXSTEPS_PREBUILT --target ${bin##*/})"
    strip -o "$context/prebuilt/${bin##*/}" "$SIXSTEPS_PREBUILT/$bin"
  done
  build_args+=(--build-arg BINARIES=prebuilt)
  say "binaries: stripped copies of $SIXSTEPS_PREBUILT's (built $(date -r "$SIXSTEPS_PREBUILT/services/assessment/sixsteps-assessment" '+%F %T')), not compiled in the build stage"
fi
for target in identity framework assessment reporting notification cli postgres; do
  say "podman build --target $target -> localhost/sixsteps-$target:$TAG (log $WORK/build-$target.log)"
  if ! nice -n 19 podman build --format docker --layers --force-rm --pull=never -f deploy/Dockerfile \
    "${build_args[@]}" --target "$target" -t "localhost/sixsteps-$target:$TAG" "$context" \
    >"$WORK/build-$target.log" 2>&1; then
    tail -n 40 "$WORK/build-$target.log" >&2
    die "building $target failed (log $WORK/build-$target.log)"
  fi
done
podman images --filter reference='localhost/sixsteps-*' --format '    {{.Repository}}:{{.Tag}} {{.Size}}' >&2

# 5. The hub ---------------------------------------------------------------------------------------
export SIXSTEPS_SECRETS_DIR="$WORK/secrets"
"$context/deploy/compose/make-secrets.sh" "$SIXSTEPS_SECRETS_DIR" >/dev/null
export SIXSTEPS_IMAGE_TAG="$TAG" SIXSTEPS_PUBLISH_ADDRESS=127.0.0.1
ADMIN_EMAIL=admin@hub.localhost
export SIXSTEPS_ADMIN_EMAIL="$ADMIN_EMAIL"

sock="$WORK/podman.sock"
rm -f "$sock"
podman system service --time=0 "unix://$sock" >"$WORK/podman-service.log" 2>&1 &
service_pid=$!
export DOCKER_HOST="unix://$sock"
for _ in $(seq 1 50); do [[ -S "$sock" ]] && break; sleep 0.2; done
[[ -S "$sock" ]] || die "podman system service did not open $sock"
# The compose file and scripts of the context, so that the hub matches its images.
# SIXSTEPS_COMPOSE_LIMITS=1 adds the memory and CPU limits (deploy/compose.limits.yaml).
compose_files=(-f "$context/deploy/compose.yaml")
if [[ "${SIXSTEPS_COMPOSE_LIMITS:-0}" == 1 ]]; then compose_files+=(-f "$context/deploy/compose.limits.yaml"); fi
compose() { docker-compose -p "$PROJECT" "${compose_files[@]}" "$@"; }

teardown() {
  local rc=$?
  if [[ "${SIXSTEPS_KEEP_HUB:-0}" == 1 ]]; then
    say "SIXSTEPS_KEEP_HUB=1: the hub stays up. Stop it with:"
    echo "    CONTAINERS_CONF=$CONTAINERS_CONF DOCKER_HOST=$DOCKER_HOST SIXSTEPS_SECRETS_DIR=$SIXSTEPS_SECRETS_DIR docker-compose -p $PROJECT -f $context/deploy/compose.yaml down -v; kill $service_pid" >&2
    exit "$rc"
  fi
  say "tearing down (docker-compose down -v)"
  compose logs --no-color >"$WORK/compose.log" 2>&1 || true
  compose down -v --remove-orphans >"$WORK/down.log" 2>&1 || podman pod rm -f -a >/dev/null 2>&1 || true
  kill "$service_pid" 2>/dev/null || true
  wait "$service_pid" 2>/dev/null || true
  rm -f "$sock"
  if ((rc == 0)); then say "podman-hub: passed in $(($(date +%s) - started)) s"; else say "podman-hub: FAILED (exit status $rc); container logs in $WORK/compose.log"; fi
  exit "$rc"
}
trap teardown EXIT

compose down -v --remove-orphans >/dev/null 2>&1 || true
check_ports_free
say "docker-compose up -d (through Podman's socket)"
compose up -d --no-build 2>&1 | sed 's/^/    /' >&2 || die "docker-compose up failed"

wait_serving() {
  local name="$1" port="$2" deadline=$(($(date +%s) + 240))
  until "$context/deploy/healthcheck.sh" "127.0.0.1:$port" 2>/dev/null; do
    if (($(date +%s) > deadline)); then
      compose ps >&2 || true
      compose logs --no-color --tail=30 "$name" >&2 || true
      die "$name does not answer the gRPC health check on 127.0.0.1:$port"
    fi
    sleep 2
  done
  say "$name: SERVING on 127.0.0.1:$port (grpc.health.v1.Health/Check)"
}
wait_serving identity "$SIXSTEPS_IDENTITY_PORT"
wait_serving framework "$SIXSTEPS_FRAMEWORK_PORT"
wait_serving assessment "$SIXSTEPS_ASSESSMENT_PORT"
wait_serving reporting "$SIXSTEPS_REPORTING_PORT"
wait_serving notification "$SIXSTEPS_NOTIFICATION_PORT"
compose ps 2>&1 | sed 's/^/    /' >&2

# The images' own HEALTHCHECK, run once by hand (Podman schedules them only under systemd).
for s in identity framework assessment reporting notification; do
  id="$(compose ps -q "$s")"
  podman healthcheck run "$id" >/dev/null || die "$s: the image's HEALTHCHECK fails"
done
say "every service's image HEALTHCHECK passes (podman healthcheck run)"

# 6. The smoke test, through the CLI built with the images ------------------------------------------
cli_home="$WORK/cli"
rm -rf "$cli_home"
install -d -o 10001 -g 10001 -m 0700 "$cli_home"
cli() {
  podman run --rm -i --no-healthcheck --network host -v "$cli_home:/cli" -e XDG_CONFIG_HOME=/cli \
    -e SIXSTEPS_IDENTITY_ADDRESS="127.0.0.1:$SIXSTEPS_IDENTITY_PORT" \
    -e SIXSTEPS_FRAMEWORK_ADDRESS="127.0.0.1:$SIXSTEPS_FRAMEWORK_PORT" \
    -e SIXSTEPS_ASSESSMENT_ADDRESS="127.0.0.1:$SIXSTEPS_ASSESSMENT_PORT" \
    -e SIXSTEPS_REPORTING_ADDRESS="127.0.0.1:$SIXSTEPS_REPORTING_PORT" \
    -e SIXSTEPS_NOTIFICATION_ADDRESS="127.0.0.1:$SIXSTEPS_NOTIFICATION_PORT" \
    "localhost/sixsteps-cli:$TAG" sixsteps "$@"
}
step() { say "smoke: sixsteps $*"; cli "$@"; }

step login --email "$ADMIN_EMAIL" <"$SIXSTEPS_SECRETS_DIR/admin_password" >/dev/null || die "smoke: sign-in failed"
out="$(step whoami)" || die "smoke: whoami failed"
grep -q hub_administrator <<<"$out" || die "smoke: whoami shows no hub administrator: $out"
out="$(step framework show)" || die "smoke: framework show failed"
grep -q '^Step s6: ' <<<"$out" || die "smoke: framework show does not print the six steps"
step region create smoke-region --name "Smoke region" >/dev/null || die "smoke: region create failed"
step partnership create smoke-partnership --region smoke-region --name "Smoke partnership" >/dev/null ||
  die "smoke: partnership create failed"
step org add smoke-partnership smoke-council --name "Smoke Council" --kind local-authority --core >/dev/null || die "smoke: org add failed"
step org add smoke-partnership smoke-icb --name "Smoke ICB" --kind health --core >/dev/null || die "smoke: org add failed"
step org add smoke-partnership smoke-police --name "Smoke Police" --kind police --core >/dev/null || die "smoke: org add failed"

help="$(cli help 2>&1 || true)"
if ! grep -qE '^ +assessment ' <<<"$help" || ! grep -qE '^ +report ' <<<"$help"; then
  die "smoke: this CLI has no 'assessment' or 'report' command, so a round cannot be recorded nor a report read"
fi
out="$(step assessment create --partnership smoke-partnership --kind self-assessment \
  --title "Smoke round" --period 2025-04-01:2026-03-31)" || die "smoke: assessment create failed: $out"
round="$(grep -o 'assessments/a-[0-9a-z-]*' <<<"$out" | head -n 1)"
[[ -n "$round" ]] || die "smoke: no round name in: $out"
round="${round#assessments/}"
step assessment assign "$round" --org smoke-council >/dev/null || die "smoke: assessment assign failed"
step assessment rate "$round" --respondent smoke-council --question s1.q1 --rating red >/dev/null || die "smoke: assessment rate failed"
# The report (text) has a table "Ratings by respondent": a header row naming each
# respondent ("Question  Consolidated  Smoke Council"), then a row per question
# ("s1.q1     - Not rated   R Red") once the read model has the rating from the feed.
say "smoke: sixsteps report assessment $round --format text (until it shows the rating)"
deadline=$(($(date +%s) + 60))
until out="$(cli report assessment "$round" --format text 2>&1)" &&
  awk '/^Ratings by respondent$/{s=1; next} s && /^Question .*Smoke Council/{h=1; next} s && h && /^s1\.q1 /{print; exit}' <<<"$out" |
  grep -qE ' R Red *$'; do
  (($(date +%s) < deadline)) || die "smoke: the report of $round never showed Smoke Council's red rating of s1.q1: $out"
  sleep 2
done
say "smoke: the reporting service's report of $round shows s1.q1 rated red by Smoke Council"
# The notification service answers for the partnership (it asks identity who the caller is
# and may see it, with its own service account's key from the notification-key volume).
out="$(step notifications rules show smoke-partnership 2>&1)" || die "smoke: notifications rules show failed: $out"
[[ -n "$out" ]] || die "smoke: notifications rules show printed nothing"
say "smoke: the notification service lists smoke-partnership's rules ($(wc -l <<<"$out") lines)"

# reporting's HTTP endpoint answers (GET /healthz needs no token).
exec 3<>"/dev/tcp/127.0.0.1/$SIXSTEPS_REPORTING_HTTP_PORT" || die "smoke: reporting's HTTP port is closed"
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
reply="$(timeout 5 cat <&3 || true)"
exec 3<&-
grep -q '^HTTP/1.1 200' <<<"$reply" || die "smoke: GET /healthz on reporting's HTTP endpoint: ${reply%%$'\r'*}"
say "smoke: reporting's HTTP endpoint answers GET /healthz with 200"
say "smoke: passed (signed in, framework, region, partnership, round, rating, report, notification rules, health)"
