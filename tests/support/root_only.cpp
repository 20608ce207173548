// SPDX-License-Identifier: Apache-2.0
// Linked into test programs whose every test case needs root (BPF, network namespaces).
// Catch2 v2 cannot mark a test as skipped, so when not run as root the process ends with 77
// as the first test case starts, which ctest (SKIP_RETURN_CODE 77) reports as skipped.
// Listing the tests (ctest's discovery at build time) starts no test case and still works.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

// Listener base classes live behind this switch outside the translation unit with main().
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

namespace {

struct RootOnly : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(const Catch::TestCaseInfo& test) override {
    if (geteuid() == 0) return;
    std::fprintf(stderr, "SKIPPED: \"%s\" needs root (BPF and network namespaces)\n",
                 test.name.c_str());
    std::fflush(stderr);
    std::_Exit(77);
  }
};

}  // namespace

CATCH_REGISTER_LISTENER(RootOnly)
