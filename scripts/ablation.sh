#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Where a packet's nanoseconds go (docs/performance.md, "Where the nanoseconds go"): the data
# plane built to stop at each stage of bpf/ablation.h, and as shipped, each timed by
# `xvs-bench --unverified --object` on the same paths, interleaved ROUNDS times (default 2)
# so that machine load hits every stage alike.
#   scripts/ablation.sh OUTDIR [BUILD_DIR] [-- xvs-bench arguments]
# Writes OUTDIR/stageN-ROUND.json and OUTDIR/full-ROUND.json (xvs-bench's JSON) and prints
# the table of scripts/ablation-table.py. Default paths: ABLATION_FILTER.
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 OUTDIR [BUILD_DIR] [-- xvs-bench args]" >&2; exit 2; }
out=$1
shift
build=build
if [[ $# -gt 0 && $1 != -- ]]; then
  build=$1
  shift
fi
[[ ${1:-} == -- ]] && shift
here=$(cd "$(dirname "$0")" && pwd)
filter=${ABLATION_FILTER:-'^(l2/tcp-est/b16|l2/tcp-est-many/b16|full/tcp-new/b16|full/udp-new/b16|tun/ipip-4in4/tcp-est)$'}
rounds=${ABLATION_ROUNDS:-2}
cmake --build "$build" --target xvs_ablation xvs-bench >&2
bench=$build/cmd/xvs-bench/xvs-bench
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
  for stage in 0 1 2 3 4 5 6 7 8 full; do
    if [[ $stage == full ]]; then
      label=full object=$build/bpf/xvs.bpf.o
    else
      label=stage$stage object=$build/bpf/xvs-stop$stage.bpf.o
    fi
    echo "ablation: $label, round $round (load average $(cut -d' ' -f1-3 /proc/loadavg))" >&2
    "$bench" --json --unverified --object "$object" --filter "$filter" "$@" \
      >"$out/$label-$round.json"
  done
done
/usr/bin/python3 "$here/ablation-table.py" "$out"/*.json
