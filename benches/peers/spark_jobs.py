"""The comparison workloads on Apache Spark (PyPI `pyspark`), through its JVM-side
DataFrame and SQL APIs only (no Python UDFs), run by `strom-bench compare`.

    spark_jobs.py WORKERS WORKLOAD OUT ARGS...

WORKLOAD and ARGS:
    wordcount TEXT                       word,count
    window-agg EVENTS BOUND_MS WINDOW    key,window_start,window_end,count,sum
    tpch-q1 DATA | tpch-q3 DATA          TPC-H Q1 / Q3 over DATA/<table>.parquet
    pagerank EDGES ITERATIONS            vertex,rank
    nexmark EVENTS QUERY                 the columns of strom-bench's Nexmark QUERY
                                         (q0, q1, q2, q5, q7 or q8)
    suite SPEC                           every job of the JSON list SPEC ({"name",
                                         "workload", "args"}) into OUT/<name>
    latency RATE SECONDS KEYS BOUND_MS TRIGGER_MS
                                         key, window end (ms), count on stdout

Batch workloads use DataFrames; window-agg uses Structured Streaming in micro-batch mode
(`Trigger.AvailableNow`) with an event-time watermark and append output, its input read
one file per micro-batch. A streaming query only emits a window once the watermark has
passed it, and the watermark moves between micro-batches, so the input folder ends with
two sentinel files far ahead in event time (key `~end`), which close every window. (The
sentinel rows are not filtered here: Spark pushes such a filter below the watermark, and
the watermark would then never move; `strom-bench` drops any `~end` row it gets back.)

Nexmark runs each query as its own Structured Streaming query over EVENTS/bid.csv (q8:
person.csv and auction.csv), one after another in this session; the stateful ones
(q5, q7, q8) get sentinel files as window-agg does, with ids -1, whose rows come out
marked `~end`. Streaming Spark cannot join two aggregations, so q5 and q7 take each
window's maximum and the rows that reach it in one aggregation (a second, chained
window aggregation for q5), and q8 is one aggregation of people and auctions together
per window and person.

A suite runs its jobs one after another in this session, printing
`STROM_BENCH {"begin": NAME}` before each and `{"item": NAME, "processing_s": ...}`
(or `"error"`) after it.

OUT is a folder of CSV part files with a header. The last line printed is
`STROM_BENCH {"startup_s": ..., "processing_s": ...}`: the time to start the session (the
JVM) and the time from submitting the job to its output being written.
"""

import json
import os
import shutil
import sys
import tempfile
import time

T0 = time.perf_counter()

import suite  # noqa: E402 - beside this script
from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

TPCH_Q1 = """
SELECT l_returnflag, l_linestatus,
       sum(l_quantity) AS sum_qty,
       sum(l_extendedprice) AS sum_base_price,
       sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
       sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
       avg(l_quantity) AS avg_qty,
       avg(l_extendedprice) AS avg_price,
       avg(l_discount) AS avg_disc,
       count(*) AS count_order
FROM lineitem
WHERE l_shipdate <= date '1998-12-01' - interval '90' day
GROUP BY l_returnflag, l_linestatus
"""

TPCH_Q3 = """
SELECT l_orderkey,
       sum(l_extendedprice * (1 - l_discount)) AS revenue,
       o_orderdate, o_shippriority
FROM customer, orders, lineitem
WHERE c_mktsegment = 'BUILDING'
  AND c_custkey = o_custkey
  AND l_orderkey = o_orderkey
  AND o_orderdate < date '1995-03-15'
  AND l_shipdate > date '1995-03-15'
GROUP BY l_orderkey, o_orderdate, o_shippriority
ORDER BY revenue DESC, o_orderdate
LIMIT 10
"""


def session(workers):
    return (
        SparkSession.builder.master(f"local[{workers}]")
        .appName("strom-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(workers))
        .config("spark.default.parallelism", str(workers))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", os.environ.get("STROM_BENCH_JVM_MEMORY", "2g"))
        .getOrCreate()
    )


def write(df, out):
    df.write.mode("overwrite").option("header", "true").csv(out)


def wordcount(spark, out, text):
    words = spark.read.text(text).select(
        F.explode(F.split(F.lower("value"), "[^a-z0-9_]+")).alias("word")
    )
    write(words.where(F.col("word") != "").groupBy("word").count(), out)


def event_folder(events, sentinels):
    """A folder for a file stream: the file `events` (linked), then one file per text
    of `sentinels`, each read in a micro-batch of its own after it (the file source
    orders files by modification time: these are seconds apart)."""
    folder = tempfile.mkdtemp(prefix="spark-events-")
    linked = os.path.join(folder, "a-events.csv")
    try:
        os.link(events, linked)
    except OSError:
        shutil.copyfile(events, linked)
    now = time.time()
    os.utime(linked, (now - 20, now - 20))
    for i, text in enumerate(sentinels, start=1):
        path = os.path.join(folder, f"z-end-{i}.csv")
        with open(path, "w") as f:
            f.write(text)
        os.utime(path, (now - 15 + 5 * i, now - 15 + 5 * i))
    return folder


def run_available(result, out):
    """Runs the streaming `result` over all input there is (`Trigger.AvailableNow`),
    appending CSV with a header to the folder `out`; returns the finished query."""
    checkpoint = tempfile.mkdtemp(prefix="spark-checkpoint-")
    try:
        query = (
            result.writeStream.outputMode("append")
            .format("csv")
            .option("header", "true")
            .option("path", out)
            .option("checkpointLocation", checkpoint)
            .trigger(availableNow=True)
            .start()
        )
        query.awaitTermination()
        return query
    finally:
        shutil.rmtree(checkpoint, ignore_errors=True)


def window_agg(spark, out, events, bound_ms, spec):
    # The events, then two sentinel files far ahead in event time.
    last = 0
    with open(events) as f:
        for line in f:
            fields = line.split(",")
            if fields[1].isdigit():
                last = max(last, int(fields[1]))
    folder = event_folder(
        events,
        [f"key,event_time_ms,value\n~end,{last + i * 86_400_000},0\n" for i in (1, 2)],
    )
    stream = (
        spark.readStream.schema("key STRING, event_time_ms LONG, value DOUBLE")
        .option("header", "true")
        .option("maxFilesPerTrigger", 1)
        .csv(folder)
        .withColumn("ts", F.timestamp_millis("event_time_ms"))
        .withWatermark("ts", f"{int(bound_ms)} milliseconds")
    )
    kind, *ms = spec.split(":")
    if kind == "tumbling":
        window = F.window("ts", f"{ms[0]} milliseconds")
    elif kind == "sliding":
        window = F.window("ts", f"{ms[0]} milliseconds", f"{ms[1]} milliseconds")
    else:
        window = F.session_window("ts", f"{ms[0]} milliseconds")
    column = "session_window" if kind == "session" else "window"
    result = (
        stream.groupBy(window, "key")
        .agg(F.count("*").alias("count"), F.sum("value").alias("sum"))
        .select(
            "key",
            F.unix_millis(F.col(column + ".start")).alias("window_start"),
            F.unix_millis(F.col(column + ".end")).alias("window_end"),
            "count",
            "sum",
        )
    )
    query = run_available(result, out)
    if os.environ.get("STROM_BENCH_DEBUG"):
        for p in query.recentProgress:
            print("PROGRESS", p["batchId"], p["numInputRows"], p.get("eventTime"), file=sys.stderr)
    shutil.rmtree(folder, ignore_errors=True)


NEXMARK_SCHEMAS = {
    "person": """id BIGINT, name STRING, email_address STRING, credit_card STRING, city STRING,
        state STRING, date_time BIGINT, extra STRING""",
    "auction": """id BIGINT, item_name STRING, description STRING, initial_bid BIGINT,
        reserve BIGINT, date_time BIGINT, expires BIGINT, seller BIGINT, category BIGINT,
        extra STRING""",
    "bid": """auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING,
        date_time BIGINT, extra STRING""",
}
NEXMARK_WATERMARK = "4 seconds"


def last_line(path):
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - 64 * 1024))
        return f.read().decode().rstrip("\n").rsplit("\n", 1)[-1]


def nexmark_stream(spark, events, table, folders, sentinels):
    """A stream of EVENTS/<table>.csv; with `sentinels`, two files after it with one
    row each (ids -1, a day and two days later) to move the watermark past the end."""
    path = os.path.join(events, table + ".csv")
    columns = [c.split()[0] for c in NEXMARK_SCHEMAS[table].split(",")]
    last = int(last_line(path).split(",")[columns.index("date_time")])
    rows = []
    for i in (1, 2) if sentinels else ():
        row = ["-1" if c in ("id", "auction", "seller") else "0" for c in columns]
        row[columns.index("date_time")] = str(last + i * 86_400_000)
        rows.append(",".join(row) + "\n")
    folder = event_folder(path, rows)
    folders.append(folder)
    stream = (
        spark.readStream.schema(NEXMARK_SCHEMAS[table])
        .option("maxFilesPerTrigger", 1)
        .csv(folder)
        .withColumn("ts", F.timestamp_millis("date_time"))
    )
    return stream.withWatermark("ts", NEXMARK_WATERMARK) if sentinels else stream


def marked(key, column):
    """`column` as text, or `~end` on a sentinel's row (`key` -1)."""
    return F.when(F.col(key) == -1, F.lit("~end")).otherwise(column.cast("string"))


def nexmark_query(spark, events, query, folders):
    if query == "q8":
        people = nexmark_stream(spark, events, "person", folders, True).select(
            "id", "name", "ts", F.lit(1).alias("is_person")
        )
        sellers = nexmark_stream(spark, events, "auction", folders, True).select(
            F.col("seller").alias("id"),
            F.lit(None).cast("string").alias("name"),
            "ts",
            F.lit(0).alias("is_person"),
        )
        per_window = people.unionByName(sellers).groupBy(F.window("ts", "10 seconds"), "id").agg(
            F.max("name").alias("name"),
            F.max("is_person").alias("person"),
            F.min("is_person").alias("auction"),
        )
        return per_window.where((F.col("person") == 1) & (F.col("auction") == 0)).select(
            marked("id", F.col("id")).alias("id"),
            "name",
            F.unix_millis(F.col("window.start")).alias("window_start"),
        )
    bids = nexmark_stream(spark, events, "bid", folders, query in ("q5", "q7"))
    if query == "q0":
        return bids.select("auction", "bidder", "price", "date_time", "extra")
    if query == "q1":
        return bids.select(
            "auction", "bidder", F.expr("0.908 * price").alias("price_eur"), "date_time", "extra"
        )
    if query == "q2":
        return bids.where(F.col("auction") % 123 == 0).select("auction", "price")
    if query == "q5":
        counts = bids.groupBy(F.window("ts", "10 seconds", "2 seconds"), "auction").agg(
            F.count("*").alias("num")
        )
        # Each sliding window's results, by the 2 s window holding its window_time.
        top = counts.groupBy(F.window(F.window_time("window"), "2 seconds")).agg(
            F.max("num").alias("maxn"),
            F.collect_list(
                F.struct(F.col("window.start").alias("start"), "auction", "num")
            ).alias("items"),
        )
        return (
            top.select(F.explode(F.expr("filter(items, x -> x.num = maxn)")).alias("b"))
            .select(
                marked("b.auction", F.unix_millis("b.start")).alias("window_start"),
                "b.auction",
                "b.num",
            )
        )
    if query == "q7":
        highest = bids.groupBy(F.window("ts", "10 seconds")).agg(
            F.max("price").alias("maxp"),
            F.collect_list(F.struct("auction", "bidder", "price", "date_time")).alias("items"),
        )
        return highest.select(
            F.col("window.start").alias("start"),
            F.explode(F.expr("filter(items, x -> x.price = maxp)")).alias("b"),
        ).select(
            marked("b.auction", F.unix_millis("start")).alias("window_start"),
            "b.auction",
            "b.bidder",
            "b.price",
            "b.date_time",
        )
    raise SystemExit(f"unknown Nexmark query {query!r}")


def nexmark(spark, out, events, query):
    folders = []
    try:
        run_available(nexmark_query(spark, events, query, folders), out)
    finally:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


def latency(spark, out, rate, seconds, keys, bound_ms, trigger_ms):
    """Tumbling 1 s windows of count per key over Spark's `rate` source (RATE rows/s,
    each stamped with its time of generation), printed by the console sink as each
    micro-batch ends (trigger: every TRIGGER_MS, 0 = back to back), for SECONDS."""
    stream = (
        spark.readStream.format("rate")
        .option("rowsPerSecond", int(rate))
        .option("numPartitions", spark.sparkContext.defaultParallelism)
        .load()
        .withWatermark("timestamp", f"{int(bound_ms)} milliseconds")
    )
    result = (
        stream.groupBy(F.window("timestamp", "1 second"), (F.col("value") % int(keys)).alias("key"))
        .count()
        .select("key", F.unix_millis(F.col("window.end")).alias("end_ms"), "count")
    )
    checkpoint = tempfile.mkdtemp(prefix="spark-checkpoint-")
    query = (
        result.writeStream.outputMode("append")
        .format("console")
        .option("numRows", 1_000_000)
        .option("truncate", "false")
        .option("checkpointLocation", checkpoint)
        .trigger(processingTime=f"{int(trigger_ms)} milliseconds")
        .start()
    )
    query.awaitTermination(float(seconds))
    query.stop()
    shutil.rmtree(checkpoint, ignore_errors=True)


def tpch(spark, out, data, query):
    for table in ("customer", "orders", "lineitem"):
        spark.read.parquet(os.path.join(data, f"{table}.parquet")).createOrReplaceTempView(
            table
        )
    write(spark.sql(TPCH_Q1 if query == 1 else TPCH_Q3), out)


def pagerank(spark, out, edges, iterations, damping=0.85):
    """Flink's PageRank example: ranks start at 1/N, dangling vertices' rank is spread
    evenly, duplicate edges and self-loops count."""
    lines = spark.read.text(edges).where(~F.col("value").rlike(r"^\s*([#%]|$)"))
    parts = F.split(F.trim("value"), r"[\s,]+")
    links = lines.select(
        parts.getItem(0).cast("long").alias("src"), parts.getItem(1).cast("long").alias("dst")
    ).cache()
    vertices = (
        links.select(F.col("src").alias("v"))
        .union(links.select(F.col("dst").alias("v")))
        .distinct()
        .cache()
    )
    n = vertices.count()
    degree = links.groupBy("src").agg(F.count("*").alias("deg"))
    shares = links.join(degree, "src").cache()
    ranks = vertices.select("v", F.lit(1.0 / n).alias("rank"))
    for _ in range(int(iterations)):
        sent = (
            shares.join(ranks, shares.src == ranks.v)
            .select(F.col("dst").alias("v"), (F.col("rank") / F.col("deg")).alias("share"))
        )
        dangling = ranks.join(degree, ranks.v == degree.src, "left_anti").agg(
            F.coalesce(F.sum("rank"), F.lit(0.0)).alias("d")
        )
        summed = vertices.join(sent.groupBy("v").agg(F.sum("share").alias("s")), "v", "left")
        ranks = (
            summed.crossJoin(dangling)
            .select(
                "v",
                (
                    F.lit(damping) * (F.coalesce("s", F.lit(0.0)) + F.col("d") / F.lit(n))
                    + F.lit((1 - damping) / n)
                ).alias("rank"),
            )
            .localCheckpoint()
        )
    write(ranks.select(F.col("v").alias("vertex"), "rank"), out)


WORKLOADS = {
    "wordcount": wordcount,
    "window-agg": window_agg,
    "tpch-q1": lambda spark, out, data: tpch(spark, out, data, 1),
    "tpch-q3": lambda spark, out, data: tpch(spark, out, data, 3),
    "pagerank": pagerank,
    "latency": latency,
    "nexmark": nexmark,
}


def main():
    workers, workload, out, *args = sys.argv[1:]
    spark = session(int(workers))
    spark.sparkContext.setLogLevel("ERROR")
    started = time.perf_counter()
    if workload == "suite":
        processing = suite.run(
            args[0], out, lambda name, job_out, a: WORKLOADS[name](spark, job_out, *a)
        )
    elif workload in WORKLOADS:
        WORKLOADS[workload](spark, out, *args)
        processing = time.perf_counter() - started
    else:
        raise SystemExit(f"unknown workload {workload!r}")
    spark.stop()
    timing = {"startup_s": started - T0, "processing_s": processing}
    print("STROM_BENCH " + json.dumps(timing), flush=True)


if __name__ == "__main__":
    main()
