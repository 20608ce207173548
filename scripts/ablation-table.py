#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# The table of scripts/ablation.sh from its JSON files (LABEL-ROUND.json): per stage and
# path, the median over rounds of xvs-bench's net ns per packet; each stage does what the one
# above it did plus the work its row names.
#   /usr/bin/python3 scripts/ablation-table.py OUTDIR/*.json
import json
import os
import re
import statistics
import sys

STAGES = [
    ("stage0", "returns at once (test-run loop, tail call)"),
    ("stage1", "+ reasons slot, parse L2/L3"),
    ("stage2", "+ VIP filter and slot"),
    ("stage3", "+ settings, coarse clock, IP checks, L4"),
    ("stage4", "+ flow lookup, hit (destination entry)"),
    ("stage5", "+ flow lookup, miss (whole bucket)"),
    ("stage6", "+ service lookup, Maglev, destination"),
    ("stage7", "+ flow stored"),
    ("stage8", "+ rewrite and send (all but accounting)"),
    ("full", "+ accounting: counter slot, reason, latency sample"),
]


def main(files):
    figures = {}  # label -> path -> [net medians]
    paths = []
    for f in files:
        label = re.sub(r"-\d+$", "", os.path.basename(f)[: -len(".json")])
        with open(f) as fh:
            report = json.load(fh)
        found = list(report.get("paths", []))
        for point in report.get("sweep", []):
            found += point.get("paths", [])
        for p in found:
            if "net_ns" not in p:
                continue
            if p["name"] not in paths:
                paths.append(p["name"])
            figures.setdefault(label, {}).setdefault(p["name"], []).append(p["net_ns"]["median"])
    print("| stage | " + " | ".join(paths) + " |")
    print("|---|" + "---:|" * len(paths))
    for label, what in STAGES:
        if label not in figures:
            continue
        cells = []
        for path in paths:
            v = figures[label].get(path)
            cells.append("%.1f" % statistics.median(v) if v else "-")
        print("| %s: %s | %s |" % (label, what, " | ".join(cells)))


if __name__ == "__main__":
    main(sys.argv[1:])
