# The fuzz build's use of the g++ build of the same checkout (scripts/fuzz passes
# -DSIXSTEPS_FUZZ_PREBUILT=build/): the libraries build/ compiled, imported as
# prebuilt::<name> from the file build/ exports (the root CMakeLists.txt, at its end).
#  - The generated protobuf and gRPC code is linked as build/ compiled it, not compiled again
#    with clang: it is never instrumented anyway (like Debian's libraries), and its 52 large
#    files were most of the fuzz build's time (proto/CMakeLists.txt then makes sixsteps_proto
#    an alias of prebuilt::sixsteps_proto).
#  - The rpc_requests target links the whole hub as build/ built it, so that adding it did not
#    mean building every service again with the sanitizers (tests/fuzz/rpc_requests_fuzz.cc
#    says what guides it instead of the compiler's coverage).
# Without it (configured by hand), everything is compiled here, the hub instrumented.
set(SIXSTEPS_FUZZ_PREBUILT "" CACHE PATH
    "a g++ build folder of this checkout whose libraries the fuzz build links (scripts/fuzz: build/)")
if(SIXSTEPS_FUZZ_PREBUILT)
  set(sixsteps_prebuilt_file "${SIXSTEPS_FUZZ_PREBUILT}/sixsteps_prebuilt.cmake")
  if(NOT EXISTS "${sixsteps_prebuilt_file}")
    message(FATAL_ERROR "${sixsteps_prebuilt_file} not found: configure ${SIXSTEPS_FUZZ_PREBUILT} "
                        "(cmake -S . -B build) first, or leave SIXSTEPS_FUZZ_PREBUILT empty")
  endif()
  # Imported targets the exported libraries name that the root CMakeLists.txt does not find
  # (the notification service finds curl in its own folder).
  find_package(CURL REQUIRED)
  include("${sixsteps_prebuilt_file}")
endif()
