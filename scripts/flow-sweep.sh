#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The flow-count sweep of docs/performance.md for one or more builds, interleaved so that
# machine load hits them alike: `xvs-bench --sweep` (figures sweep/N/*) of each build in
# turn, ROUNDS times (SWEEP_ROUNDS, default 2).
#   scripts/flow-sweep.sh OUTDIR LABEL=path/to/xvs-bench [LABEL=path ...]
# Writes OUTDIR/LABEL-ROUND.json (xvs-bench's JSON); draw them with
#   /usr/bin/python3 scripts/plot-flow-sweep.py docs/figures/flow-sweep.png OUTDIR/*.json
# Extra xvs-bench arguments for every run go in SWEEP_ARGS (e.g. "--sweep-flows 1024,65536").
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 OUTDIR LABEL=xvs-bench ..." >&2; exit 2; }
out=$1
shift
mkdir -p "$out"
rounds=${SWEEP_ROUNDS:-2}
read -r -a extra <<<"${SWEEP_ARGS:-}"
for round in $(seq 1 "$rounds"); do
  for spec in "$@"; do
    label=${spec%%=*}
    bench=${spec#*=}
    [[ $label =~ ^[A-Za-z0-9_.]+$ ]] || { echo "sweep: label '$label': letters, digits, _ and . only" >&2; exit 2; }
    echo "sweep: $label, round $round (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$bench" --json --sweep --filter '^sweep/' "${extra[@]}" >"$out/$label-$round.json"
  done
done
