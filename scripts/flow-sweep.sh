#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The flow-count sweep of docs/performance.md: xvs-bench with flow tables of 1K to 1M flows
# per CPU, each filled before it is measured, for one or more xvs-bench binaries (e.g. the
# build of main and of a branch), interleaved so that machine load hits both alike.
#   scripts/flow-sweep.sh OUTDIR LABEL=path/to/xvs-bench [LABEL=path ...]
# Writes OUTDIR/LABEL-FLOWS-ROUND.json; scripts/plot-flow-sweep.py draws them.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 OUTDIR LABEL=xvs-bench ..." >&2; exit 2; }
out=$1
shift
mkdir -p "$out"
filter='^(full/tcp-est/b16|full/tcp-new/b16)$'
rounds=${SWEEP_ROUNDS:-2}
for round in $(seq 1 "$rounds"); do
  for flows in 1024 16384 65536 262144 1000000; do
    for spec in "$@"; do
      label=${spec%%=*}
      bench=${spec#*=}
      echo "sweep: $label, $flows flows per CPU, round $round ($(cut -d' ' -f1-3 /proc/loadavg))" >&2
      "$bench" --json --flows "$flows" --filter "$filter" >"$out/$label-$flows-$round.json"
    done
  done
done
