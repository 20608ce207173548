#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Draws the flow-count sweep written by scripts/flow-sweep.sh: net ns per packet against
# flows per CPU, one line per (build, path), medians over the sweep's rounds.
#   /usr/bin/python3 scripts/plot-flow-sweep.py OUTDIR docs/figures/flow-sweep.png
import collections
import glob
import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main(outdir, png):
    series = collections.defaultdict(lambda: collections.defaultdict(list))
    for path in glob.glob(os.path.join(outdir, "*.json")):
        label, flows, _ = os.path.basename(path)[: -len(".json")].rsplit("-", 2)
        with open(path) as f:
            report = json.load(f)
        for p in report["paths"]:
            if p["status"] == "ok":
                series[(label, p["name"])][int(flows)].append(p["net_ns"]["median"])
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for (label, name), points in sorted(series.items()):
        xs = sorted(points)
        ys = [statistics.median(points[x]) for x in xs]
        ax.plot(xs, ys, marker="o", linestyle="-" if label != "before" else "--",
                label=f"{label}: {name}")
        for x, y in zip(xs, ys):
            print(f"{label:10s} {name:20s} {x:8d} {y:8.1f}")
    ax.set_xscale("log")
    ax.set_xlabel("flows per CPU (table filled with as many)")
    ax.set_ylabel("net ns per packet (median)")
    ax.set_title("xvs-bench flow-count sweep")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=100)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} OUTDIR PNG")
    main(sys.argv[1], sys.argv[2])
