"""Charts of `strom-bench compare`'s raw numbers: processing throughput by engine for
every workload (runs.csv, without the rows of whole processes) as throughput.png, and the distribution of event-time latency
by engine (latency-samples.csv beside it, when there) as latency.png, in OUT_DIR.

    charts.py RUNS_CSV OUT_DIR
"""

import csv
import os
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
            if w == "process":
                continue
            if w not in workloads:
                workloads.append(w)
            if e not in engines:
                engines.append(e)
            times[(w, e)].append(float(row["processing_s"]))
            records[w] = int(row["records"])
    columns = min(len(workloads), 7)
    rows = (len(workloads) + columns - 1) // columns
    fig, axes = plt.subplots(
        rows, columns, figsize=(2.2 * columns + 1, 3.6 * rows), squeeze=False
    )
    axes = [ax for row in axes for ax in row]
    for ax in axes[len(workloads):]:
        ax.axis("off")
    for ax, w in zip(axes, workloads):
        names = [e for e in engines if (w, e) in times]
        rates = [records[w] / statistics.median(times[(w, e)]) / 1e6 for e in names]
        ax.bar(names, rates, color=[COLORS.get(e, "#2ca02c") for e in names])
        ax.set_yscale("log")
        ax.set_title(w, fontsize=9)
        ax.tick_params(axis="x", labelrotation=60, labelsize=8)
        ax.tick_params(axis="y", labelsize=8)
    for i in range(0, len(workloads), columns):
        axes[i].set_ylabel("million input records/s\n(processing, log scale)")
    fig.tight_layout()
    fig.savefig(f"{out_dir}/throughput.png", dpi=110)
    latency_chart(os.path.join(os.path.dirname(runs_csv), "latency-samples.csv"), out_dir)


def latency_chart(samples_csv, out_dir):
    if not os.path.exists(samples_csv):
        return
    samples = defaultdict(list)
    with open(samples_csv) as f:
        for row in csv.DictReader(f):
            samples[row["engine"]].append(float(row["latency_ms"]))
    if not samples:
        return
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for engine, values in samples.items():
        values.sort()
        share = [(i + 1) / len(values) for i in range(len(values))]
        ax.step(values, share, where="post", label=engine, color=COLORS.get(engine))
    ax.set_xscale("log")
    ax.set_xlabel("event-time latency, ms (log scale)")
    ax.set_ylabel("share of windows")
    ax.legend()
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(f"{out_dir}/latency.png", dpi=110)


if __name__ == "__main__":
    main()
