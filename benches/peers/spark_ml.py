"""Spark MLlib's side of `strom-bench ml` (PyPI `pyspark`, DataFrame-based `pyspark.ml`).

    spark_ml.py WORKERS TASK OUT ARGS...

TASK and ARGS:
    lr DATA MAX_ITER TOL REG              LogisticRegression (binomial, L2 `regParam`,
                                          standardization on) on DATA (Parquet:
                                          f0..fN-1, label)
    kmeans DATA K MAX_ITER TOL INIT_STEPS SEED
                                          KMeans, k-means|| init, on DATA's f0..fN-1
    als TRAIN RANK MAX_ITER REG SEED      ALS, explicit, on TRAIN (CSV user,item,rating)

The fitted model goes to OUT as JSON: `{"coefficients", "intercept", "iterations"}`
(lr), `{"centres", "inertia", "iterations"}` (kmeans), `{"users", "items"}` as
`[id, [factors]]` lists (als); `strom-bench` scores it. The input is read, cached and
counted, then fitted. The last line printed is `STROM_BENCH {"startup_s", "processing_s",
"fit_s"}`: starting the session (the JVM), reading and fitting, and fitting alone.
"""

import json
import os
import sys
import time

T0 = time.perf_counter()

from pyspark.ml.clustering import KMeans  # noqa: E402
from pyspark.ml.classification import LogisticRegression  # noqa: E402
from pyspark.ml.feature import VectorAssembler  # noqa: E402
from pyspark.ml.recommendation import ALS  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql.types import FloatType, IntegerType, StructField, StructType  # noqa: E402


def session(workers):
    return (
        SparkSession.builder.master(f"local[{workers}]")
        .appName("strom-bench-ml")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(workers))
        .config("spark.default.parallelism", str(workers))
        .config("spark.driver.memory", os.environ.get("STROM_BENCH_JVM_MEMORY", "6g"))
        .getOrCreate()
    )


def features(spark, data):
    """DATA's feature columns assembled into `features`, cached and counted."""
    df = spark.read.parquet(data)
    cols = [c for c in df.columns if c.startswith("f")]
    assembled = VectorAssembler(inputCols=cols, outputCol="features").transform(df)
    assembled = assembled.select("features", "label").cache()
    assembled.count()
    return assembled


def lr(spark, data, max_iter, tol, reg):
    df = features(spark, data)
    read = time.perf_counter()
    model = LogisticRegression(
        maxIter=int(max_iter),
        tol=float(tol),
        regParam=float(reg),
        elasticNetParam=0.0,
        standardization=True,
        family="binomial",
    ).fit(df)
    out = {
        "coefficients": model.coefficients.toArray().tolist(),
        "intercept": model.intercept,
        "iterations": model.summary.totalIterations,
    }
    return read, out


def kmeans(spark, data, k, max_iter, tol, init_steps, seed):
    df = features(spark, data)
    read = time.perf_counter()
    model = KMeans(
        k=int(k),
        maxIter=int(max_iter),
        tol=float(tol),
        initMode="k-means||",
        initSteps=int(init_steps),
        seed=int(seed),
    ).fit(df)
    out = {
        "centres": [c.tolist() for c in model.clusterCenters()],
        "inertia": model.summary.trainingCost,
        "iterations": model.summary.numIter,
    }
    return read, out


def als(spark, train, rank, max_iter, reg, seed):
    schema = StructType(
        [
            StructField("user", IntegerType()),
            StructField("item", IntegerType()),
            StructField("rating", FloatType()),
        ]
    )
    df = spark.read.csv(train, header=True, schema=schema).cache()
    df.count()
    read = time.perf_counter()
    model = ALS(
        rank=int(rank),
        maxIter=int(max_iter),
        regParam=float(reg),
        implicitPrefs=False,
        nonnegative=False,
        seed=int(seed),
        userCol="user",
        itemCol="item",
        ratingCol="rating",
    ).fit(df)

    def factors(frame):
        return [[r["id"], list(r["features"])] for r in frame.collect()]

    out = {"users": factors(model.userFactors), "items": factors(model.itemFactors)}
    return read, out


TASKS = {"lr": lr, "kmeans": kmeans, "als": als}


def main():
    workers, task, out, *args = sys.argv[1:]
    spark = session(int(workers))
    spark.sparkContext.setLogLevel("ERROR")
    started = time.perf_counter()
    if task not in TASKS:
        raise SystemExit(f"unknown task {task!r} (lr, kmeans or als)")
    read, model = TASKS[task](spark, *args)
    done = time.perf_counter()
    with open(out, "w") as f:
        json.dump(model, f)
    spark.stop()
    timing = {"startup_s": started - T0, "processing_s": done - started, "fit_s": done - read}
    print("STROM_BENCH " + json.dumps(timing), flush=True)


if __name__ == "__main__":
    main()
