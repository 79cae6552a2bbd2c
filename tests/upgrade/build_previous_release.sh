#!/usr/bin/env bash
# Builds the service programs of a previous release for the rolling-upgrade test
# (tests/upgrade/rolling_upgrade_test.cc): the release's tree, exactly as tagged, from
# `git archive`, configured and compiled like the current build (same compiler, build type,
# generator, ccache), its four service programs only.
#
#   build_previous_release.sh SOURCE_DIR OUT_DIR TAG [CXX_COMPILER] [BUILD_TYPE] [GENERATOR] [COMMIT]
#
# The release's source comes from this clone alone, never from the network: the tag if the
# clone has it, else COMMIT (the tag's commit, recorded in tests/upgrade/CMakeLists.txt: a
# clone made without tags still has it in main's history), else, in a shallow clone whose
# origin is a folder on this machine (CI's fresh clone), that commit fetched from there.
#
# OUT_DIR/src is the release's tree (extracted again only when TAG names another commit) and
# OUT_DIR/src/build its build tree: build/services/<service>/sixsteps-<service>. Built once; a
# second run only checks that nothing changed (seconds). The build tree sits inside the
# source tree as a checkout's `build/` does: with ccache's base_dir (/work here) and
# hash_dir=false, objects are keyed by paths relative to the build folder, so a file that
# the release shares with any checkout built the usual way (or another clone building the
# release) is a cache hit. Each run appends its wall and CPU time and its ccache hits and
# misses to OUT_DIR/build-times.log.
#
# A machine-wide cache keeps the built programs for other clones (see "cache" below).
#
# Runs under `nice`: on a shared machine the test's own hub should not wait for it.
# SIXSTEPS_BUILD_JOBS (default 2) sets the parallelism.
set -euo pipefail

if (($# < 3)); then
  echo "usage: $0 SOURCE_DIR OUT_DIR TAG [CXX_COMPILER] [BUILD_TYPE] [GENERATOR] [COMMIT]" >&2
  exit 64
fi
source_dir=$1
out_dir=$2
tag=$3
cxx=${4:-}
build_type=${5:-RelWithDebInfo}
generator=${6:-}
recorded_commit=${7:-}

# The release's commit: its tag, or the recorded commit, or that commit fetched from a local
# origin into a shallow clone.
resolve() { git -C "$source_dir" rev-parse --verify --quiet "$1^{commit}"; }
commit=$(resolve "$tag") || commit=$( [[ -n "$recorded_commit" ]] && resolve "$recorded_commit") || {
  origin=$(git -C "$source_dir" remote get-url origin 2>/dev/null || true)
  if [[ -n "$recorded_commit" && "$(git -C "$source_dir" rev-parse --is-shallow-repository)" == true &&
    ( "$origin" == /* || "$origin" == file://* ) ]]; then
    echo "build_previous_release: shallow clone: fetching $tag ($recorded_commit) from $origin"
    git -C "$source_dir" fetch --quiet --depth 1 origin "$recorded_commit" && commit=$(resolve "$recorded_commit")
  fi
  [[ -n "${commit:-}" ]] || {
    echo "build_previous_release: $source_dir has neither tag $tag nor commit" \
      "${recorded_commit:-(none given)} (a shallow clone? git fetch --unshallow --tags)" >&2
    exit 1
  }
}

started=$(date +%s)
src="$out_dir/src"
build="$src/build"
mkdir -p "$out_dir"
services=(identity framework assessment reporting)

# The built programs are also kept in a cache of this machine, keyed by the release's commit,
# the compiler (its --version) and the build type, as ccache keeps objects: another clone
# (CI's next run, a second checkout) copies them instead of configuring and linking the
# release again (~50 s of wall, 25 s of CPU with every object already in ccache). They hold
# no path of the clone that built them (migrations and texts are compiled in), and link only
# Debian's libraries, whose sonames a stable release keeps; a cached program whose libraries
# `ldd` cannot all find is built again. SIXSTEPS_PREVIOUS_RELEASE_CACHE moves the cache;
# set it to "off" to always build.
cache_root="${SIXSTEPS_PREVIOUS_RELEASE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sixsteps/previous-release}"
compiler_id=$("${cxx:-c++}" --version 2>/dev/null | head -n 1 || true)
cache_key=$(printf '%s\n' "$commit" "$compiler_id" "$build_type" | sha256sum | cut -c1-16)
cached="$cache_root/$tag-$cache_key"
cached_usable() {
  local service program
  for service in "${services[@]}"; do
    program="$cached/sixsteps-$service"
    [[ -x "$program" ]] || return 1
    ! ldd "$program" 2>/dev/null | grep -q "not found" || return 1
  done
}
if [[ "$cache_root" != off ]] && cached_usable; then
  for service in "${services[@]}"; do
    mkdir -p "$build/services/$service"
    cp -p "$cached/sixsteps-$service" "$build/services/$service/sixsteps-$service.tmp"
    mv -f "$build/services/$service/sixsteps-$service.tmp" "$build/services/$service/sixsteps-$service"
  done
  echo "$(date -u +%FT%TZ) $tag: copied from $cached" >>"$out_dir/build-times.log"
  echo "build_previous_release: $tag's services copied from $cached into $build/services" \
    "($(($(date +%s) - started)) s)"
  exit 0
fi

if [[ "$(cat "$out_dir/src.commit" 2>/dev/null)" != "$commit" ]]; then
  echo "build_previous_release: extracting $tag ($commit) into $src"
  rm -rf "$src" "$build"
  mkdir -p "$src"
  git -C "$source_dir" archive --format=tar "$commit" | tar -x -C "$src"
  echo "$commit" >"$out_dir/src.commit"
fi

configure=(cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE="$build_type" -DBUILD_TESTING=OFF)
[[ -n "$cxx" ]] && configure+=(-DCMAKE_CXX_COMPILER="$cxx")
[[ -n "$generator" && ! -f "$build/CMakeCache.txt" ]] && configure+=(-G "$generator")
"${configure[@]}" >"$out_dir/configure.log" 2>&1 || {
  tail -n 40 "$out_dir/configure.log" >&2
  exit 1
}

targets=()
for service in "${services[@]}"; do targets+=(--target "sixsteps-$service"); done
stats_log="$out_dir/ccache-stats.log"
rm -f "$stats_log"
TIMEFORMAT="wall %R s, user %U s, sys %S s"
# `time` writes to time.txt; the build's own errors still reach standard error (fd 3).
{ time CCACHE_STATSLOG="$stats_log" nice -n 10 \
    cmake --build "$build" -j "${SIXSTEPS_BUILD_JOBS:-2}" "${targets[@]}" 2>&3; } \
  3>&2 2>"$out_dir/time.txt"
cache="no compilation"
if [[ -s "$stats_log" ]] && command -v ccache >/dev/null; then
  cache=$(CCACHE_STATSLOG="$stats_log" ccache --show-log-stats 2>/dev/null |
    grep -E "^ *(Hits|Misses):" | head -n 2 | tr -s ' ' | paste -sd ';' -) || cache="?"
  cache="ccache$cache"
fi
echo "$(date -u +%FT%TZ) $tag: $(tail -n 1 "$out_dir/time.txt"); $cache" >>"$out_dir/build-times.log"

for service in "${services[@]}"; do
  [[ -x "$build/services/$service/sixsteps-$service" ]] || {
    echo "build_previous_release: $build/services/$service/sixsteps-$service was not built" >&2
    exit 1
  }
done
# Kept for the next clone: copied beside the cache's entry and renamed into place, so that a
# run stopped half-way or a second clone storing at the same time leaves no partial entry.
# A cache that cannot be written (a read-only home) only costs the next clone the build.
store_in_cache() {
  local staging service
  mkdir -p "$cache_root" && staging=$(mktemp -d "$cache_root/.staging.XXXXXX") || return 1
  for service in "${services[@]}"; do
    cp -p "$build/services/$service/sixsteps-$service" "$staging/" || { rm -rf "$staging"; return 1; }
  done
  printf 'commit %s\ncompiler %s\nbuild type %s\n' "$commit" "$compiler_id" "$build_type" \
    >"$staging/key.txt"
  mv -T "$staging" "$cached" 2>/dev/null || rm -rf "$staging"
}
if [[ "$cache_root" != off && ! -d "$cached" ]]; then
  store_in_cache || echo "build_previous_release: could not keep the programs in $cache_root" >&2
fi
echo "build_previous_release: $tag's services in $build/services ($(($(date +%s) - started)) s)"
