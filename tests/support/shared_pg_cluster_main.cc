// The PostgreSQL cluster that a ctest run shares: `shared_pg_cluster start STATE_FILE`
// starts one (PgCluster::Start) and leaves it running, named in STATE_FILE; `stop
// STATE_FILE` stops it and removes its folder. tests/CMakeLists.txt runs them as the
// FIXTURES_SETUP and FIXTURES_CLEANUP tests of every integration test that shares it.
#include <cstdio>
#include <filesystem>
#include <string>

#include "tests/support/pg_cluster.h"

int main(int argc, char** argv) {
  using ::sixsteps::testing::PgCluster;
  const std::string command = argc == 3 ? argv[1] : "";
  if (command != "start" && command != "stop") {
    std::fprintf(stderr, "usage: %s start|stop STATE_FILE\n", argv[0]);
    return 2;
  }
  const std::string state_file = argv[2];
  if (command == "start") {
    // A cluster left by an interrupted run is stopped first.
    if (auto left = PgCluster::AttachFromState(state_file, /*owned=*/true); left.ok()) {
      left->reset();
    }
    auto cluster = PgCluster::Start();
    if (!cluster.ok()) {
      std::fprintf(stderr, "cannot start the shared test cluster: %s\n",
                   std::string(cluster.status().message()).c_str());
      return 1;
    }
    if (absl::Status written = (*cluster)->WriteState(state_file); !written.ok()) {
      std::fprintf(stderr, "%s\n", std::string(written.message()).c_str());
      return 1;
    }
    (*cluster)->Detach();
    std::printf("shared test cluster in %s on port %d\n", (*cluster)->directory().c_str(),
                (*cluster)->port());
    return 0;
  }
  auto cluster = PgCluster::AttachFromState(state_file, /*owned=*/true);
  if (!cluster.ok()) {
    std::fprintf(stderr, "%s\n", std::string(cluster.status().message()).c_str());
    return 1;
  }
  std::printf("stopping the shared test cluster in %s\n", (*cluster)->directory().c_str());
  cluster->reset();
  std::error_code ignored;
  std::filesystem::remove(state_file, ignored);
  return 0;
}
