// The translation unit that precompiles support/test_pch.h for every test target
// (tests/CMakeLists.txt, sixsteps_test_pch).
#include "tests/support/test_pch.h"
