"""The job loop both peer scripts share: every job of a suite (a JSON list of
{"name", "workload", "args"}) run one after another in this process, each into
OUT/<name>, printing `STROM_BENCH {"begin": NAME}` before it and `{"item": NAME,
"processing_s": ...}` or `{"item": NAME, "error": ...}` after it; a failing job is
reported and the next runs.
"""

import json
import os
import sys
import time


def report(value):
    print("STROM_BENCH " + json.dumps(value), flush=True)


def run(spec, out, run_job):
    """Runs each job of the file `spec` as `run_job(workload, out_folder, args)`;
    returns the jobs' total processing time."""
    total = 0.0
    with open(spec) as f:
        jobs = json.load(f)
    for job in jobs:
        name = job["name"]
        report({"begin": name})
        started = time.perf_counter()
        try:
            run_job(job["workload"], os.path.join(out, name), job["args"])
            seconds = time.perf_counter() - started
            total += seconds
            report({"item": name, "processing_s": seconds})
        except Exception as e:  # noqa: BLE001 - reported, and the suite goes on
            report({"item": name, "error": f"{type(e).__name__}: {e}".splitlines()[0]})
            print(f"{name}: {e}", file=sys.stderr)
    return total
