"""The comparison workloads on Apache Flink (PyPI `apache-flink`), through its JVM-side
Table API and SQL only (no Python UDFs), run by `strom-bench compare`.

    flink_jobs.py WORKERS WORKLOAD OUT ARGS...

WORKLOAD and ARGS as in spark_jobs.py. Batch workloads run in batch mode and write CSV
part files (no header) into the folder OUT with the filesystem connector; window-agg runs
in streaming mode with Flink's bounded out-of-orderness watermark (the largest event
time seen minus the bound minus 1 ms) and window table-valued functions, its rows
collected into OUT/part-0.csv. The PyPI package has no Parquet format (its jar comes
from Maven Central), so where `strom-bench` cannot give it one, TPC-H runs on
tpchgen-cli's CSV of the same tables, and the report says so.

Nexmark runs in streaming mode, each query its own job over EVENTS/bid.csv (q8:
person.csv and auction.csv) with the Nexmark suite's watermark (4 s behind), written
into OUT/<query>: q0, q1, q2 as in the suite; q5 and q8 as the suite writes them (a
window join of window aggregations), q7 as a window join of each tumbling window's bids
with its highest price.

A suite (`suite SPEC`, as in spark_jobs.py) runs each job in a table environment of its
own (streaming or batch mode as the workload needs), one JVM for all of them.

The last line printed is `STROM_BENCH {"startup_s": ..., "processing_s": ...}`: the time
to create the table environment (start the JVM) and from submitting the job to its
output being written.
"""

import json
import os
import sys
import tempfile
import time

T0 = time.perf_counter()

import suite  # noqa: E402 - beside this script
from pyflink.table import EnvironmentSettings, TableEnvironment  # noqa: E402

TPCH_TABLES = {
    "customer": """c_custkey BIGINT, c_name STRING, c_address STRING, c_nationkey INT,
        c_phone STRING, c_acctbal DECIMAL(15, 2), c_mktsegment STRING, c_comment STRING""",
    "orders": """o_orderkey BIGINT, o_custkey BIGINT, o_orderstatus STRING,
        o_totalprice DECIMAL(15, 2), o_orderdate DATE, o_orderpriority STRING,
        o_clerk STRING, o_shippriority INT, o_comment STRING""",
    "lineitem": """l_orderkey BIGINT, l_partkey BIGINT, l_suppkey BIGINT,
        l_linenumber INT, l_quantity DECIMAL(15, 2), l_extendedprice DECIMAL(15, 2),
        l_discount DECIMAL(15, 2), l_tax DECIMAL(15, 2), l_returnflag STRING,
        l_linestatus STRING, l_shipdate DATE, l_commitdate DATE, l_receiptdate DATE,
        l_shipinstruct STRING, l_shipmode STRING, l_comment STRING""",
}

TPCH_Q1 = """
SELECT l_returnflag, l_linestatus,
       sum(l_quantity), sum(l_extendedprice),
       sum(l_extendedprice * (1 - l_discount)),
       sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)),
       avg(l_quantity), avg(l_extendedprice), avg(l_discount), count(*)
FROM lineitem
WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY
GROUP BY l_returnflag, l_linestatus
"""

TPCH_Q3 = """
SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue,
       o_orderdate, o_shippriority
FROM customer, orders, lineitem
WHERE c_mktsegment = 'BUILDING'
  AND c_custkey = o_custkey
  AND l_orderkey = o_orderkey
  AND o_orderdate < DATE '1995-03-15'
  AND l_shipdate > DATE '1995-03-15'
GROUP BY l_orderkey, o_orderdate, o_shippriority
ORDER BY revenue DESC, o_orderdate
LIMIT 10
"""


def environment(workers, streaming):
    settings = (
        EnvironmentSettings.in_streaming_mode()
        if streaming
        else EnvironmentSettings.in_batch_mode()
    )
    env = TableEnvironment.create(settings)
    config = env.get_config()
    config.set("parallelism.default", str(workers))
    config.set("table.local-time-zone", "UTC")
    config.set("taskmanager.memory.process.size", os.environ.get("STROM_BENCH_JVM_MEMORY", "2g"))
    return env


def sink(env, out, columns):
    env.execute_sql(
        f"""CREATE TABLE bench_out ({columns}) WITH (
              'connector' = 'filesystem', 'path' = '{out}', 'format' = 'csv')"""
    )


def lines_table(env, name, path):
    """A table of the lines of `path` (one STRING column: CSV with a delimiter that
    does not occur in text and no quoting)."""
    env.execute_sql(
        f"""CREATE TABLE {name} (line STRING) WITH (
              'connector' = 'filesystem', 'path' = '{path}', 'format' = 'csv',
              'csv.field-delimiter' = U&'\\0001', 'csv.disable-quote-character' = 'true')"""
    )


def wordcount(env, out, text):
    lines_table(env, "lines", text)
    sink(env, out, "word STRING, `count` BIGINT")
    env.execute_sql(
        """INSERT INTO bench_out
           SELECT word, COUNT(*) FROM lines
           CROSS JOIN UNNEST(SPLIT(REGEXP_REPLACE(LOWER(line), '[^a-z0-9_]+', ' '), ' '))
             AS t (word)
           WHERE word <> ''
           GROUP BY word"""
    ).wait()


def interval(ms):
    """A SQL interval of `ms` milliseconds (Flink SQL has no MILLISECOND unit)."""
    ms = int(ms)
    return f"INTERVAL '{ms // 1000}.{ms % 1000:03}' SECOND"


def window_agg(env, out, events, bound_ms, spec):
    # Flink's CSV format has no header option: give it the rows only.
    rows = tempfile.mkdtemp(prefix="flink-events-")
    with open(events) as f, open(os.path.join(rows, "events.csv"), "w") as g:
        for n, line in enumerate(f):
            if not (n == 0 and line.startswith("key")):
                g.write(line)
    env.execute_sql(
        f"""CREATE TABLE events (
              `key` STRING, event_time_ms BIGINT, `value` DOUBLE,
              rowtime AS TO_TIMESTAMP_LTZ(event_time_ms, 3),
              WATERMARK FOR rowtime AS rowtime - {interval(int(bound_ms) + 1)}
            ) WITH ('connector' = 'filesystem', 'path' = '{rows}', 'format' = 'csv')"""
    )
    kind, *ms = spec.split(":")
    if kind == "tumbling":
        tvf = f"TUMBLE(TABLE events, DESCRIPTOR(rowtime), {interval(ms[0])})"
    elif kind == "sliding":  # HOP takes the slide first, then the size
        tvf = f"HOP(TABLE events, DESCRIPTOR(rowtime), {interval(ms[1])}, {interval(ms[0])})"
    else:
        tvf = f"SESSION(TABLE events PARTITION BY `key`, DESCRIPTOR(rowtime), {interval(ms[0])})"
    sink(
        env,
        out,
        "`key` STRING, window_start TIMESTAMP(3), window_end TIMESTAMP(3), n BIGINT, total DOUBLE",
    )
    env.execute_sql(
        f"""INSERT INTO bench_out
            SELECT `key`, window_start, window_end, COUNT(*), SUM(`value`)
            FROM TABLE({tvf}) GROUP BY `key`, window_start, window_end"""
    ).wait()


def latency(env, out, rate, seconds, keys, bound_ms):
    """Tumbling 1 s windows of count per key over the datagen source (RATE rows/s for
    SECONDS, each stamped with the wall clock as it is made), printed by the print
    connector as windows fire (Flink's default 200 ms watermark interval)."""
    rows = int(float(rate) * float(seconds))
    env.execute_sql(
        f"""CREATE TABLE events (
              id BIGINT,
              ts AS CAST(CURRENT_TIMESTAMP AS TIMESTAMP_LTZ(3)),
              WATERMARK FOR ts AS ts - {interval(bound_ms)}
            ) WITH ('connector' = 'datagen', 'rows-per-second' = '{int(rate)}',
                    'fields.id.kind' = 'sequence', 'fields.id.start' = '0',
                    'fields.id.end' = '{rows - 1}')"""
    )
    env.execute_sql(
        "CREATE TABLE printed (`key` BIGINT, end_ms BIGINT, n BIGINT) WITH ('connector' = 'print')"
    )
    env.execute_sql(
        """INSERT INTO printed
           SELECT id % """ + str(int(keys)) + """ AS k,
                  UNIX_TIMESTAMP(DATE_FORMAT(window_end, 'yyyy-MM-dd HH:mm:ss')) * 1000, COUNT(*)
           FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '1' SECOND))
           GROUP BY id % """ + str(int(keys)) + """, window_start, window_end"""
    ).wait()


NEXMARK_TABLES = {
    "person": """id BIGINT, name STRING, email_address STRING, credit_card STRING,
        city STRING, state STRING, date_time BIGINT, extra STRING""",
    "auction": """id BIGINT, item_name STRING, description STRING, initial_bid BIGINT,
        reserve BIGINT, date_time BIGINT, expires BIGINT, seller BIGINT, category BIGINT,
        extra STRING""",
    "bid": """auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING,
        date_time BIGINT, extra STRING""",
}

NEXMARK_QUERIES = {
    "q0": ("auction BIGINT, bidder BIGINT, price BIGINT, date_time BIGINT, extra STRING",
           "SELECT auction, bidder, price, date_time, extra FROM bid"),
    "q1": ("auction BIGINT, bidder BIGINT, price_eur DECIMAL(23, 3), date_time BIGINT, extra STRING",
           "SELECT auction, bidder, 0.908 * price, date_time, extra FROM bid"),
    "q2": ("auction BIGINT, price BIGINT",
           "SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0"),
    "q5": ("window_start TIMESTAMP(3), auction BIGINT, num BIGINT", """
        SELECT AuctionBids.starttime, AuctionBids.auction, AuctionBids.num
        FROM (
          SELECT auction, count(*) AS num, window_start AS starttime, window_end AS endtime
          FROM TABLE(HOP(TABLE bid, DESCRIPTOR(rowtime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
          GROUP BY auction, window_start, window_end
        ) AS AuctionBids
        JOIN (
          SELECT max(CountBids.num) AS maxn, CountBids.starttime, CountBids.endtime
          FROM (
            SELECT count(*) AS num, window_start AS starttime, window_end AS endtime
            FROM TABLE(HOP(TABLE bid, DESCRIPTOR(rowtime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
            GROUP BY auction, window_start, window_end
          ) AS CountBids
          GROUP BY CountBids.starttime, CountBids.endtime
        ) AS MaxBids
        ON AuctionBids.starttime = MaxBids.starttime AND AuctionBids.endtime = MaxBids.endtime
           AND AuctionBids.num >= MaxBids.maxn"""),
    "q7": ("window_start TIMESTAMP(3), auction BIGINT, bidder BIGINT, price BIGINT, date_time BIGINT", """
        SELECT B.window_start, B.auction, B.bidder, B.price, B.date_time
        FROM (SELECT * FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(rowtime), INTERVAL '10' SECOND))) B
        JOIN (
          SELECT max(price) AS maxprice, window_start, window_end
          FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(rowtime), INTERVAL '10' SECOND))
          GROUP BY window_start, window_end
        ) M
        ON B.window_start = M.window_start AND B.window_end = M.window_end
           AND B.price = M.maxprice"""),
    "q8": ("id BIGINT, name STRING, window_start TIMESTAMP(3)", """
        SELECT P.id, P.name, P.starttime
        FROM (
          SELECT id, name, window_start AS starttime, window_end AS endtime
          FROM TABLE(TUMBLE(TABLE person, DESCRIPTOR(rowtime), INTERVAL '10' SECOND))
          GROUP BY id, name, window_start, window_end
        ) P
        JOIN (
          SELECT seller, window_start AS starttime, window_end AS endtime
          FROM TABLE(TUMBLE(TABLE auction, DESCRIPTOR(rowtime), INTERVAL '10' SECOND))
          GROUP BY seller, window_start, window_end
        ) A
        ON P.id = A.seller AND P.starttime = A.starttime AND P.endtime = A.endtime"""),
}


def nexmark(env, out, events, query):
    for name, columns in NEXMARK_TABLES.items():
        env.execute_sql(
            f"""CREATE TABLE {name} (
                  {columns},
                  rowtime AS TO_TIMESTAMP_LTZ(date_time, 3),
                  WATERMARK FOR rowtime AS rowtime - INTERVAL '4' SECOND
                ) WITH ('connector' = 'filesystem',
                        'path' = '{os.path.join(events, name + ".csv")}', 'format' = 'csv')"""
        )
    columns, select = NEXMARK_QUERIES[query]
    table(env, "nexmark_out", out, columns)
    env.execute_sql(f"INSERT INTO nexmark_out {select}").wait()


def tpch(env, out, data, query):
    for table, columns in TPCH_TABLES.items():
        parquet = os.path.join(data, table + ".parquet")
        if os.path.exists(parquet):
            options = f"'path' = '{parquet}', 'format' = 'parquet'"
        else:
            # tpchgen-cli's CSV of the same tables. Its header line fails to parse and
            # becomes a row of nulls, which every query's date filter drops.
            csv = os.path.join(data, table + ".csv")
            options = f"'path' = '{csv}', 'format' = 'csv', 'csv.ignore-parse-errors' = 'true'"
        env.execute_sql(
            f"CREATE TABLE {table} ({columns}) WITH ('connector' = 'filesystem', {options})"
        )
    if query == 1:
        sink(
            env,
            out,
            """l_returnflag STRING, l_linestatus STRING, sum_qty DECIMAL(38, 2),
               sum_base_price DECIMAL(38, 2), sum_disc_price DECIMAL(38, 4),
               sum_charge DECIMAL(38, 6), avg_qty DECIMAL(38, 6), avg_price DECIMAL(38, 6),
               avg_disc DECIMAL(38, 6), count_order BIGINT""",
        )
        env.execute_sql("INSERT INTO bench_out " + TPCH_Q1).wait()
    else:
        sink(
            env,
            out,
            "l_orderkey BIGINT, revenue DECIMAL(38, 4), o_orderdate DATE, o_shippriority INT",
        )
        env.execute_sql("INSERT INTO bench_out " + TPCH_Q3).wait()


def pagerank(env, out, edges, iterations, damping=0.85):
    """Flink's PageRank example (as spark_jobs.py). The Table API has no iterations and
    one plan of all rounds grows past what the planner handles (minutes at 10 rounds), so
    each round is its own job that writes the ranks (CSV in a scratch folder) that the
    next round reads, as Flink users do without the DataSet API."""
    lines_table(env, "lines", edges)
    env.create_temporary_view(
        "links",
        env.sql_query(
            r"""SELECT CAST(SPLIT_INDEX(REGEXP_REPLACE(TRIM(line), '[\s,]+', ' '), ' ', 0)
                         AS BIGINT) AS src,
                       CAST(SPLIT_INDEX(REGEXP_REPLACE(TRIM(line), '[\s,]+', ' '), ' ', 1)
                         AS BIGINT) AS dst
                FROM lines WHERE NOT REGEXP(line, '^\s*([#%]|$)')"""
        ),
    )
    scratch = tempfile.mkdtemp(prefix="flink-pagerank-")
    # Per vertex its out-degree (0 when dangling), and the edges with their source's
    # degree: one job writing both.
    env.create_temporary_view(
        "degree_view",
        env.sql_query(
            """SELECT v, SUM(d) AS deg FROM (
                 SELECT src AS v, 1 AS d FROM links UNION ALL SELECT dst AS v, 0 AS d FROM links
               ) GROUP BY v"""
        ),
    )
    table(env, "degrees", os.path.join(scratch, "degrees"), "v BIGINT, deg BIGINT")
    table(env, "links_deg", os.path.join(scratch, "links"), "src BIGINT, dst BIGINT, deg BIGINT")
    first = env.create_statement_set()
    first.add_insert_sql("INSERT INTO degrees SELECT v, deg FROM degree_view")
    first.add_insert_sql(
        """INSERT INTO links_deg
           SELECT l.src, l.dst, d.deg FROM links l JOIN degree_view d ON l.src = d.v"""
    )
    first.execute().wait()
    n = "(SELECT CAST(COUNT(*) AS DOUBLE) FROM degrees)"
    env.create_temporary_view("ranks0", env.sql_query(f"SELECT v, 1.0E0 / {n} AS `rank` FROM degrees"))
    previous = "ranks0"
    rounds = int(iterations)
    for i in range(1, rounds + 1):
        name = f"ranks{i}"
        if i < rounds:
            table(env, name, os.path.join(scratch, name), "v BIGINT, `rank` DOUBLE")
        else:
            name = "bench_out"  # the last round writes the output
            sink(env, out, "vertex BIGINT, `rank` DOUBLE")
        query = f"""
            SELECT d.v, {damping} * (COALESCE(s.s, 0.0E0) + dl.x / {n})
                        + {1 - damping} / {n}
            FROM degrees d
            LEFT JOIN (SELECT l.dst AS v, SUM(r.`rank` / l.deg) AS s
                       FROM links_deg l JOIN {previous} r ON l.src = r.v
                       GROUP BY l.dst) s ON d.v = s.v
            CROSS JOIN (SELECT COALESCE(SUM(r.`rank`), 0.0E0) AS x
                        FROM {previous} r JOIN degrees g ON r.v = g.v
                        WHERE g.deg = 0) dl"""
        env.execute_sql(f"INSERT INTO {name} {query}").wait()
        previous = name
    if rounds == 0:
        sink(env, out, "vertex BIGINT, `rank` DOUBLE")
        env.execute_sql("INSERT INTO bench_out SELECT v, `rank` FROM ranks0").wait()


def table(env, name, path, columns):
    env.execute_sql(
        f"""CREATE TABLE {name} ({columns}) WITH (
              'connector' = 'filesystem', 'path' = '{path}', 'format' = 'csv')"""
    )


WORKLOADS = {
    "wordcount": wordcount,
    "window-agg": window_agg,
    "tpch-q1": lambda env, out, data: tpch(env, out, data, 1),
    "tpch-q3": lambda env, out, data: tpch(env, out, data, 3),
    "pagerank": pagerank,
    "latency": latency,
    "nexmark": nexmark,
}
STREAMING = ("window-agg", "latency", "nexmark")


def run_job(workers, workload, out, args):
    """One job of a suite, in a table environment of its own."""
    env = environment(int(workers), streaming=workload in STREAMING)
    WORKLOADS[workload](env, out, *args)


def main():
    workers, workload, out, *args = sys.argv[1:]
    if workload == "suite":
        # Start the JVM before the clock, as a single job's environment does.
        environment(int(workers), streaming=True)
        started = time.perf_counter()
        processing = suite.run(
            args[0], out, lambda name, job_out, a: run_job(workers, name, job_out, a)
        )
    elif workload in WORKLOADS:
        env = environment(int(workers), streaming=workload in STREAMING)
        started = time.perf_counter()
        WORKLOADS[workload](env, out, *args)
        processing = time.perf_counter() - started
    else:
        raise SystemExit(f"unknown workload {workload!r}")
    timing = {"startup_s": started - T0, "processing_s": processing}
    print("STROM_BENCH " + json.dumps(timing), flush=True)


if __name__ == "__main__":
    main()
