#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the `asan` preset (ASan + UBSan at -O1) and runs the unit, packet and Client
# end-to-end tests (the Catch2 ones of tests/e2e, not the shell scripts) under it; with
# --tsan also a ThreadSanitizer build of the concurrency tests (build-tsan). Any sanitizer
# report fails the run (abort_on_error / halt_on_error). Prints one summary line per part
# and the wall time of each.
#
#   scripts/sanitize.sh [--tsan]
#
# Needs root for the packet and e2e parts, like scripts/test.sh. XVS_FUZZ_FRAMES sizes the
# data-plane fuzz campaign run instrumented (default 100000; its seed rotates, see
# docs/reliability.md). Exit status: 0 when every part passed.
set -euo pipefail
cd "$(dirname "$0")/.."

tsan=0
for arg in "$@"; do
  case $arg in
    --tsan) tsan=1 ;;
    *) echo "usage: scripts/sanitize.sh [--tsan]" >&2; exit 2 ;;
  esac
done
if [[ $(id -u) -ne 0 ]]; then
  echo "scripts/sanitize.sh: the packet and e2e tests need root; run it as root" >&2
  exit 1
fi

jobs=$(nproc)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export XVS_FUZZ_FRAMES=${XVS_FUZZ_FRAMES:-100000}
summary=()
failed=0
start_all=$SECONDS

# part NAME COMMAND...: runs COMMAND, records "NAME: passed|FAILED (N s)".
part() {
  local name=$1 start=$SECONDS status=0
  shift
  echo "== sanitize: $name" >&2
  "$@" || status=$?
  local verdict=passed
  if ((status != 0)); then verdict="FAILED (exit $status)"; failed=1; fi
  summary+=("$name: $verdict, $((SECONDS - start)) s")
}

# Every binary the unit label runs (the library's and xvsd's, xvsd itself for its command-line
# test), the packet tests and the Client end-to-end tests.
part "asan build" bash -c "cmake --preset asan >/dev/null && \
  nice -n 10 cmake --build --preset asan -j$jobs --target xvs-unit-tests xvsd-unit-tests \
    xvsd-scaleout-unit-tests xvsd-web-unit-tests xvsd xvs-packet-tests xvs-e2e-tests"
if ((failed == 0)); then
  # ctest gives each test case its own process, so a report names the test that caused it.
  part "asan unit" ctest --preset asan -L unit
  # The fuzz campaign's ctest entry pins 800,000 frames; instrumented it runs on its own.
  part "asan packet" ctest --preset asan -L packet -LE fuzz
  part "asan packet fuzz campaign ($XVS_FUZZ_FRAMES frames)" \
    build-asan/tests/packet/xvs-packet-tests "[fuzz]"
  # Not the 200-client lifecycle test: it counts descriptors, maps and links (leaks no
  # sanitizer sees) and is the same kernel work as in the default build (200 verifier runs);
  # every other case constructs and destroys Clients under LeakSanitizer.
  part "asan e2e (Client tests)" build-asan/tests/e2e/xvs-e2e-tests \
    "~200 clients in a row on one interface leak nothing"
fi

if ((tsan)); then
  tsan_flags="-fsanitize=thread -fno-omit-frame-pointer"
  part "tsan build" bash -c "cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug \
    '-DCMAKE_CXX_FLAGS=$tsan_flags' '-DCMAKE_C_FLAGS=$tsan_flags' \
    -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread >/dev/null && \
    nice -n 10 cmake --build build-tsan -j$jobs --target xvs-e2e-tests"
  if [[ ${summary[-1]} == *passed* ]]; then
    part "tsan concurrency (hammer)" env TSAN_OPTIONS=halt_on_error=1 \
      build-tsan/tests/e2e/xvs-e2e-tests "[hammer]"
  fi
fi

echo "== sanitize summary (total $((SECONDS - start_all)) s)"
printf '  %s\n' "${summary[@]}"
exit $failed
