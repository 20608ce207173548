#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every Catch2 test case can be run by ctest. catch_discover_tests hands a name to the test
# binary as a test spec, where ';' splits CMake lists: a TEST_CASE named with one matched
# nothing, "passed" in 0.00 s and never ran. This fails on such names.
#
#   test_names.sh <source-dir>
set -euo pipefail
bad=$(grep -rnE --include='*.cpp' 'TEST_CASE\("[^"]*;' "$1/tests" "$1/cmd" || true)
if [[ -n $bad ]]; then
  printf 'test cases ctest cannot run (";" in the name):\n%s\n' "$bad" >&2
  exit 1
fi
echo "no test case name contains ';'"
