"""The `strict` CEP pattern of `strom-bench cep` on Apache Flink (PyPI `apache-flink`),
as Flink SQL MATCH_RECOGNIZE in streaming mode (no Python UDFs):

    flink_cep.py WORKERS EVENTS_CSV OUT WINDOW_MS

EVENTS_CSV has rows `key,kind,time_ms` in time order; the watermark follows the
largest time seen. Matches go as CSV part files `key,a_time,b_count,c_time` into the
folder OUT. The last line printed is `STROM_BENCH {"startup_s": ..., "processing_s": ...}`.
"""

import json
import os
import sys
import time

T0 = time.perf_counter()

from pyflink.table import EnvironmentSettings, TableEnvironment  # noqa: E402


def seconds(ms):
    return str(ms // 1000) if ms % 1000 == 0 else f"{ms / 1000:.3f}"


def main():
    workers, events, out, window_ms = sys.argv[1:]
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    config = env.get_config()
    config.set("parallelism.default", workers)
    config.set("table.local-time-zone", "UTC")
    config.set("taskmanager.memory.process.size", os.environ.get("STROM_BENCH_JVM_MEMORY", "2g"))
    started = time.perf_counter()
    env.execute_sql(
        f"""CREATE TABLE events (
              k INT, kind INT, ts BIGINT,
              rt AS TO_TIMESTAMP_LTZ(ts, 3),
              WATERMARK FOR rt AS rt
            ) WITH ('connector' = 'filesystem', 'path' = '{events}', 'format' = 'csv')"""
    )
    env.execute_sql(
        f"""CREATE TABLE bench_out (k INT, a_ts BIGINT, nb BIGINT, c_ts BIGINT) WITH (
              'connector' = 'filesystem', 'path' = '{out}', 'format' = 'csv')"""
    )
    env.execute_sql(
        f"""INSERT INTO bench_out
            SELECT k, a_ts, nb, c_ts FROM events MATCH_RECOGNIZE (
              PARTITION BY k ORDER BY rt
              MEASURES A.ts AS a_ts, COUNT(B.ts) AS nb, C.ts AS c_ts
              ONE ROW PER MATCH
              AFTER MATCH SKIP PAST LAST ROW
              PATTERN (A B+ C) WITHIN INTERVAL '{seconds(int(window_ms))}' SECOND
              DEFINE A AS A.kind = 0, B AS B.kind = 1, C AS C.kind = 2
            )"""
    ).wait()
    processing = time.perf_counter() - started
    timing = {"startup_s": started - T0, "processing_s": processing}
    print("STROM_BENCH " + json.dumps(timing), flush=True)


if __name__ == "__main__":
    main()
