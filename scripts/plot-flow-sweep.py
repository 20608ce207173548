#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Draws the flow-count sweep from xvs-bench's JSON (`xvs-bench --sweep --json`, e.g. the
# files of scripts/flow-sweep.sh): net ns per packet against flows per CPU, one line per
# (label, path), medians over the files of a label. A file's label is its name up to the
# last "-" (flow-sweep.sh writes LABEL-ROUND.json), or the whole name without ".json"; the
# first file's label is drawn dashed.
#   /usr/bin/python3 scripts/plot-flow-sweep.py PNG FILE.json [FILE.json ...]
import collections
import json
import os
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def label_of(path):
    name = os.path.basename(path)[: -len(".json")] if path.endswith(".json") else path
    return name.rsplit("-", 1)[0] if "-" in name else name


def main(png, files):
    series = collections.defaultdict(lambda: collections.defaultdict(list))
    for path in files:
        with open(path) as f:
            report = json.load(f)
        for point in report.get("sweep", []):
            for p in point["paths"]:
                if p["status"] == "ok":
                    kind = p["name"].rsplit("/", 1)[1]
                    series[(label_of(path), kind)][point["flows_per_cpu"]].append(
                        p["net_ns"]["median"])
    if not series:
        sys.exit("plot-flow-sweep: no sweep figures in these files (xvs-bench --sweep --json)")
    fig, ax = plt.subplots(figsize=(8, 4.5))
    # The label of the first file (e.g. "before") is drawn dashed when there are several.
    labels = list(dict.fromkeys(label_of(path) for path in files))
    for (label, kind), points in sorted(series.items()):
        xs = sorted(points)
        ys = [statistics.median(points[x]) for x in xs]
        ax.plot(xs, ys, marker="o", linestyle="--" if label == labels[0] and len(labels) > 1 else "-",
                label=f"{label}: {kind}")
        for x, y in zip(xs, ys):
            print(f"{label:10s} {kind:10s} {x:8d} {y:8.1f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("flows per CPU (table of flows per CPU x CPUs entries, filled)")
    ax.set_ylabel("net ns per packet (median)")
    ax.set_title("xvs-bench --sweep: established hits and new flows into the full table")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=100)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(f"usage: {sys.argv[0]} PNG FILE.json [FILE.json ...]")
    main(sys.argv[1], sys.argv[2:])
