#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs a libFuzzer target for a bounded time from its seeds, growing a throw-away corpus; a
# crash, or an input taking over 10 s, fails the run and leaves that input (crash-*,
# timeout-*) in the working directory.
#
#   run.sh <fuzz-binary> <seconds> <max_len> <seeds-dir>
set -euo pipefail
binary=$1
seconds=$2
max_len=$3
seeds=$4
corpus=$(mktemp -d /tmp/xvs-fuzz.XXXXXX)
trap 'rm -rf "$corpus"' EXIT
# New inputs go to the first directory, so the seeds in the source tree stay as they are.
# The progress lines (one per new input) are left out of the log.
set +e
"$binary" -max_total_time="$seconds" -timeout=10 -seed=1 -max_len="$max_len" -print_final_stats=1 \
  "$corpus" "$seeds" 2>&1 | grep -v -e '	NEW ' -e '	REDUCE ' -e '	pulse '
exit "${PIPESTATUS[0]}"
