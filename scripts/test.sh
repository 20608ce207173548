#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the dependencies, builds libxvs with the `default` preset and runs the whole test
# suite, root-only tests included. Extra arguments go to ctest (e.g. -L unit).
# Exit status: ctest's.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then
    exec sudo --preserve-env=CI "$0" "$@"
  fi
  echo "scripts/test.sh: the tests load XDP programs and create network namespaces, so they" >&2
  echo "need root; run it as root." >&2
  exit 1
fi

./scripts/install-deps.sh
cmake --preset default
if ! cmake --build --preset default -j"$(nproc)"; then
  echo "scripts/test.sh: the build failed (see above); no tests were run" >&2
  exit 1
fi
exec ctest --preset default "$@"
