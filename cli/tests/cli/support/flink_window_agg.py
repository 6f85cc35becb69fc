"""What Apache Flink (PyPI `apache-flink`, its JVM-side Table API: no Python UDFs)
produces for `strom run window-agg` settings, as the independent answer to compare with.

    flink_window_agg.py INPUT BOUND_MS OUT_DIR WINDOW...

INPUT is a CSV `key,event_time_ms,value` with a header line. Each WINDOW is
`tumbling:SIZE_MS`, `sliding:SIZE_MS:SLIDE_MS` or `session:GAP_MS` (all in one JVM, as
starting Flink costs seconds); for each, OUT_DIR/flink-<WINDOW with ':' as '-'>.csv
gets `key,window_start,window_end,count,sum` ordered by start, key, end.

The watermark is Flink's bounded out-of-orderness one: largest event time seen minus
the bound minus 1 ms (`WatermarkStrategy.forBoundedOutOfOrderness`); in SQL that is the
watermark expression `rowtime - (BOUND + 1) ms`. Windows are window table-valued
functions (TUMBLE, HOP, SESSION), aligned to the epoch, in UTC.
"""

import calendar
import os
import sys
import tempfile

from pyflink.table import EnvironmentSettings, TableEnvironment


def millis(dt):
    return calendar.timegm(dt.timetuple()) * 1000 + dt.microsecond // 1000


def interval(ms):
    """A SQL interval of `ms` milliseconds (Flink SQL has no MILLISECOND unit)."""
    return f"INTERVAL '{ms // 1000}.{ms % 1000:03}' SECOND"


def window_tvf(spec):
    kind, *lengths = spec.split(":")
    ms = [interval(int(n)) for n in lengths]
    if kind == "tumbling":
        return f"TUMBLE(TABLE events, DESCRIPTOR(rowtime), {ms[0]})"
    if kind == "sliding":  # HOP takes the slide first, then the size
        return f"HOP(TABLE events, DESCRIPTOR(rowtime), {ms[1]}, {ms[0]})"
    if kind == "session":
        return f"SESSION(TABLE events PARTITION BY `key`, DESCRIPTOR(rowtime), {ms[0]})"
    raise SystemExit(f"unknown window {spec!r}")


def main():
    source, bound, out_dir, *windows = sys.argv[1:]
    # Flink's CSV format has no header option: give it the rows only.
    rows = tempfile.mkdtemp(prefix="flink-input-")
    with open(source) as f, open(os.path.join(rows, "events.csv"), "w") as g:
        for n, line in enumerate(f):
            if n == 0 and line.startswith("key"):
                continue
            g.write(line)
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    env.get_config().set("table.local-time-zone", "UTC")
    env.get_config().set("parallelism.default", "2")
    env.execute_sql(
        f"""CREATE TABLE events (
              `key` STRING,
              event_time_ms BIGINT,
              `value` DOUBLE,
              rowtime AS TO_TIMESTAMP_LTZ(event_time_ms, 3),
              WATERMARK FOR rowtime AS rowtime - {interval(int(bound) + 1)}
            ) WITH ('connector' = 'filesystem', 'path' = '{rows}', 'format' = 'csv')"""
    )
    for spec in windows:
        query = f"""SELECT `key`, window_start, window_end, COUNT(*), SUM(`value`)
                    FROM TABLE({window_tvf(spec)})
                    GROUP BY `key`, window_start, window_end"""
        out = []
        with env.execute_sql(query).collect() as results:
            for key, start, end, count, total in results:
                out.append((millis(start), key, millis(end), count, total))
        out.sort()
        path = os.path.join(out_dir, "flink-" + spec.replace(":", "-") + ".csv")
        with open(path, "w") as f:
            f.write("key,window_start,window_end,count,sum\n")
            for start, key, end, count, total in out:
                f.write(f"{key},{start},{end},{count},{total!r}\n")


if __name__ == "__main__":
    main()
