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

services=(identity framework assessment reporting)
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
echo "build_previous_release: $tag's services in $build/services ($(($(date +%s) - started)) s)"
