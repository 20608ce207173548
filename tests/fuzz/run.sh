#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs a libFuzzer target for a bounded time from its seeds, growing a throw-away corpus; a
# crash, or an input taking over 10 s, fails the run and leaves that input (crash-*,
# timeout-*) in the working directory.
#
#   run.sh <fuzz-binary> <seconds> <max_len> <seeds-dir>
#
# The libFuzzer seed rotates each run (printed); XVS_FUZZ_SEED pins it to replay a run.
set -euo pipefail
binary=$1
seconds=$2
max_len=$3
seeds=$4
corpus=$(mktemp -d /tmp/xvs-fuzz.XXXXXX)
trap 'rm -rf "$corpus"' EXIT
# New inputs go to the first directory, so the seeds in the source tree stay as they are.
# The progress lines (one per new input) are left out of the log.
seed=${XVS_FUZZ_SEED:-$(( $(od -An -N4 -tu4 /dev/urandom) % 4294967295 + 1 ))}
echo "fuzz: seed $seed (XVS_FUZZ_SEED=$seed reproduces this run)"
set +e
"$binary" -max_total_time="$seconds" -timeout=10 -seed="$seed" -max_len="$max_len" -print_final_stats=1 \
  "$corpus" "$seeds" 2>&1 | grep -v -e '	NEW ' -e '	REDUCE ' -e '	pulse '
exit "${PIPESTATUS[0]}"
