# Shared helpers for scripts/hub and scripts/test. Source it; do not run it.
# shellcheck shell=bash

# The repository root, whatever folder the caller runs from.
SIXSTEPS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
SIXSTEPS_LIB="$SIXSTEPS_ROOT/scripts/lib"
# The build folder: build/ unless SIXSTEPS_BUILD_DIR names another (e.g. to smoke-test a
# build made elsewhere: SIXSTEPS_BUILD_DIR=/path/to/build scripts/hub smoke).
SIXSTEPS_BUILD_DIR="${SIXSTEPS_BUILD_DIR:-$SIXSTEPS_ROOT/build}"
[[ "$SIXSTEPS_BUILD_DIR" == /* ]] || SIXSTEPS_BUILD_DIR="$PWD/$SIXSTEPS_BUILD_DIR"
export SIXSTEPS_BUILD_DIR
SIXSTEPS_BUILD_TYPE="${SIXSTEPS_BUILD_TYPE:-RelWithDebInfo}"
SIXSTEPS_JOBS="${SIXSTEPS_JOBS:-2}"

_sixsteps_prog="$(basename "$0")"

# Messages go to stderr so that stdout stays for what a command was asked to print.
say()  { printf '==> %s\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$_sixsteps_prog" "$*" >&2; }
die()  { printf '%s: error: %s\n' "$_sixsteps_prog" "$*" >&2; exit 1; }

# Runs a command, printing it first.
run() {
  printf '    $ %s\n' "$*" >&2
  "$@"
}

# Seconds since the epoch, for step timings.
now() { date +%s; }

# Prints the packages of packages.txt that are missing, one a line.
missing_packages() {
  local pkg cmd status
  while read -r pkg cmd _; do
    [[ -z "$pkg" || "$pkg" == \#* ]] && continue
    if [[ -n "${cmd:-}" ]] && command -v "$cmd" >/dev/null 2>&1; then
      continue
    fi
    status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
    [[ "$status" == "installed" ]] || printf '%s\n' "$pkg"
  done <"$SIXSTEPS_LIB/packages.txt"
}

# Installs whatever packages.txt lists and the machine lacks; does nothing (and needs no
# network) when everything is there. SIXSTEPS_SKIP_INSTALL=1 only checks.
ensure_packages() {
  command -v dpkg-query >/dev/null 2>&1 ||
    die "dpkg-query not found: these scripts expect Debian 12 (install the packages in scripts/lib/packages.txt by hand)"
  local -a missing
  mapfile -t missing < <(missing_packages)
  if ((${#missing[@]} == 0)); then
    say "Packages: all present ($(grep -cv '^\s*\(#\|$\)' "$SIXSTEPS_LIB/packages.txt") from scripts/lib/packages.txt)"
    return 0
  fi
  if [[ "${SIXSTEPS_SKIP_INSTALL:-0}" == 1 ]]; then
    die "missing packages: ${missing[*]} (SIXSTEPS_SKIP_INSTALL=1, so not installing them)"
  fi
  say "Packages: installing ${missing[*]}"
  local -a sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 ||
      die "missing packages: ${missing[*]}; run as root or install them: apt-get install ${missing[*]}"
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  run "${sudo[@]}" apt-get update -q ||
    die "apt-get update failed (is Debian's package archive reachable?)"
  run "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null ||
    die "apt-get install failed for: ${missing[*]}"
  mapfile -t missing < <(missing_packages)
  ((${#missing[@]} == 0)) || die "still missing after apt-get install: ${missing[*]}"
}

# Configures build/ (RelWithDebInfo, ccache).
configure_tree() {
  export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ccache}"
  mkdir -p "$CCACHE_DIR"
  # Paths inside the checkout are hashed relative to it, and the build folder's own path is
  # left out, so that another clone on the same machine (a fresh clone, CI's) reuses the cache.
  # Both are needed: with -g ccache hashes the working directory unless told not to, and with
  # CCACHE_DIR set it reads $CCACHE_DIR/ccache.conf, not ~/.config/ccache's, so a hash_dir set
  # there did not count (every clone missed every object: docs/contributing.md). The cost: the
  # debug information of an object compiled in another clone names that clone's folder.
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$SIXSTEPS_ROOT}"
  [[ -n "${CCACHE_HASHDIR:-}" ]] || export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
  local -a launcher=()
  if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  say "Configure: cmake -S . -B build ($SIXSTEPS_BUILD_TYPE; ccache dir $CCACHE_DIR)"
  run cmake -S "$SIXSTEPS_ROOT" -B "$SIXSTEPS_BUILD_DIR" \
    -DCMAKE_BUILD_TYPE="$SIXSTEPS_BUILD_TYPE" "${launcher[@]}" ||
    die "cmake configure failed (see the messages above)"
}

# Builds the configured build/ with SIXSTEPS_JOBS jobs (default 2): every target, or only the
# targets given.
compile_tree() {
  local -a targets=()
  (($# == 0)) || targets=(--target "$@")
  say "Build: cmake --build build -j$SIXSTEPS_JOBS${*:+ (targets: $*)}"
  run cmake --build "$SIXSTEPS_BUILD_DIR" -j"$SIXSTEPS_JOBS" "${targets[@]}" ||
    die "build failed (see the compiler messages above)"
}

build_tree() { configure_tree && compile_tree "$@"; }

# Prints which of the given target names the configured build/ has, one a line.
existing_targets() {
  local list
  list="$(cmake --build "$SIXSTEPS_BUILD_DIR" --target help 2>/dev/null | cat || true)"
  local t
  for t in "$@"; do
    grep -Eq "^(\.\.\. )?$t(:| |$)" <<<"$list" && printf '%s\n' "$t"
  done
  return 0
}

# Reads services.txt into parallel arrays SERVICE_NAMES, SERVICE_PORTS (with the
# SIXSTEPS_<NAME>_PORT overrides), SERVICE_DEFAULT_PORTS, SERVICE_METRICS_PORTS (with the
# SIXSTEPS_<NAME>_METRICS_PORT overrides), SERVICE_DBS and SERVICE_CHECKS.
load_services() {
  SERVICE_NAMES=() SERVICE_PORTS=() SERVICE_DEFAULT_PORTS=() SERVICE_METRICS_PORTS=()
  SERVICE_DBS=() SERVICE_CHECKS=()
  local name port metrics db check var
  while read -r name port metrics db check; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    [[ -n "${port:-}" && -n "${db:-}" && "${metrics:-}" =~ ^[0-9]+$ ]] ||
      die "scripts/lib/services.txt: line for '$name' needs a port, a metrics port and a database"
    var="SIXSTEPS_${name^^}_PORT"
    SERVICE_DEFAULT_PORTS+=("$port")
    port="${!var:-$port}"
    [[ "$port" =~ ^[0-9]+$ ]] && ((10#$port > 0 && 10#$port < 65536)) || die "$var must be a port number, got '$port'"
    var="SIXSTEPS_${name^^}_METRICS_PORT"
    metrics="${!var:-$metrics}"
    [[ "$metrics" =~ ^[0-9]+$ ]] && ((10#$metrics > 0 && 10#$metrics < 65536)) || die "$var must be a port number, got '$metrics'"
    SERVICE_NAMES+=("$name") SERVICE_PORTS+=("$port") SERVICE_METRICS_PORTS+=("$metrics")
    SERVICE_DBS+=("$db") SERVICE_CHECKS+=("${check:-}")
  done <"$SIXSTEPS_LIB/services.txt"
}

# The binary of a service.
service_binary() { printf '%s/services/%s/sixsteps-%s' "$SIXSTEPS_BUILD_DIR" "$1" "$1"; }
