"""Charts of `strom-bench compare`'s raw numbers (runs.csv): processing throughput by
engine for every workload, as throughput.png in OUT_DIR.

    charts.py RUNS_CSV OUT_DIR
"""

import csv
import statistics
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"strom": "#1f77b4", "spark": "#ff7f0e", "flink": "#9467bd", "baseline": "#7f7f7f"}


def main():
    runs_csv, out_dir = sys.argv[1:]
    times = defaultdict(list)
    records = {}
    workloads, engines = [], []
    with open(runs_csv) as f:
        for row in csv.DictReader(f):
            w, e = row["workload"], row["engine"]
            if w not in workloads:
                workloads.append(w)
            if e not in engines:
                engines.append(e)
            times[(w, e)].append(float(row["processing_s"]))
            records[w] = int(row["records"])
    fig, axes = plt.subplots(1, len(workloads), figsize=(2.2 * len(workloads) + 1, 3.6))
    if len(workloads) == 1:
        axes = [axes]
    for ax, w in zip(axes, workloads):
        names = [e for e in engines if (w, e) in times]
        rates = [records[w] / statistics.median(times[(w, e)]) / 1e6 for e in names]
        ax.bar(names, rates, color=[COLORS.get(e, "#2ca02c") for e in names])
        ax.set_title(w, fontsize=9)
        ax.tick_params(axis="x", labelrotation=60, labelsize=8)
        ax.tick_params(axis="y", labelsize=8)
    axes[0].set_ylabel("million input records/s (processing)")
    fig.tight_layout()
    fig.savefig(f"{out_dir}/throughput.png", dpi=110)


if __name__ == "__main__":
    main()
