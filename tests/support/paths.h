// Where the checkout and the build tree are, found at run time from the running test binary:
// its build tree is the nearest folder above it with a CMakeCache.txt, and that file names
// the source tree. Nothing of the kind is compiled in, so a test's object files are the same
// in every clone and ccache shares them between clones (a fresh clone's scripts/test then
// compiles no test that another checkout of the same commit has compiled).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace sixsteps::testing {

namespace paths_internal {

[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "tests/support/paths.h: %s\n", what.c_str());
  std::abort();
}

inline std::filesystem::path FindBuildDir() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) Fail("cannot read /proc/self/exe: " + ec.message());
  for (std::filesystem::path dir = exe.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / "CMakeCache.txt")) return dir;
    if (dir == dir.root_path()) break;
  }
  Fail("no CMakeCache.txt above " + exe.string() + ": is this binary in a CMake build tree?");
}

inline std::filesystem::path FindSourceDir(const std::filesystem::path& build_dir) {
  std::ifstream cache(build_dir / "CMakeCache.txt");
  const std::string key = "CMAKE_HOME_DIRECTORY:INTERNAL=";
  for (std::string line; std::getline(cache, line);) {
    if (line.rfind(key, 0) == 0) return line.substr(key.size());
  }
  Fail((build_dir / "CMakeCache.txt").string() + " names no CMAKE_HOME_DIRECTORY");
}

}  // namespace paths_internal

// The build tree the running test binary belongs to.
inline const std::filesystem::path& BuildDir() {
  static const std::filesystem::path dir = paths_internal::FindBuildDir();
  return dir;
}

// The repository the build tree was configured from.
inline const std::filesystem::path& SourceDir() {
  static const std::filesystem::path dir = paths_internal::FindSourceDir(BuildDir());
  return dir;
}

// A service's program in the build tree, where scripts/lib/common.sh's service_binary finds
// it: build/services/<service>/sixsteps-<service>.
inline std::string ServiceBinary(const std::string& service) {
  return (BuildDir() / "services" / service / ("sixsteps-" + service)).string();
}

}  // namespace sixsteps::testing
