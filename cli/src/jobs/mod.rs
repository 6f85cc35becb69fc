//! The built-in jobs of `strom run`.

pub mod graph;
pub mod socket_wordcount;
pub mod stream_examples;
pub mod terasort;
pub mod tpch;
pub mod tpchgen;
pub mod unique_visitors;
pub mod window_agg;
pub mod wordcount;

use strom_dataset::{CsvOptions, Data, DataSet};

/// Writes a job's result: Parquet when `url` ends in `.parquet`, CSV with a header
/// otherwise.
pub(crate) fn write_output<T: Data + serde::Serialize>(result: &DataSet<'_, T>, url: &str) {
    if url.trim_end_matches('/').ends_with(".parquet") {
        result.write_parquet(url);
    } else {
        result.write_csv(url, CsvOptions::default());
    }
}

/// Name and one-line description of every built-in job, for `strom jobs`.
pub const CATALOG: &[(&str, &str)] = &[
    (
        "wordcount",
        "count words in text (built-in text without --input); Flink's WordCount",
    ),
    (
        "tpch",
        "TPC-H queries 1, 3, 5, 6 and 10 over Parquet tables (--query Q --data URL)",
    ),
    (
        "tpchgen",
        "write the eight TPC-H tables as Parquet at a scale factor (--sf N --output URL)",
    ),
    (
        "teragen",
        "generate TeraSort input: 100-byte records (--rows N --output URL)",
    ),
    (
        "terasort",
        "sort TeraSort input by key, out of core (--input URL --output URL)",
    ),
    (
        "teravalidate",
        "check that TeraSort output is sorted and complete",
    ),
    (
        "pagerank",
        "PageRank of a graph's vertices, a bulk iteration (--edges URL)",
    ),
    (
        "connected-components",
        "connected components of a graph, a delta iteration (--edges URL)",
    ),
    (
        "socket-window-wordcount",
        "word counts in 5 s processing-time windows of a text socket (--port P)",
    ),
    (
        "top-speed-windowing",
        "top speed per car over each 50 m, global windows with a delta trigger (Flink's example)",
    ),
    (
        "session-windowing",
        "counts per 3 ms session on Flink's SessionWindowing data",
    ),
    (
        "window-agg",
        "event-time window count/sum per key over a CSV read as a stream (--input --window)",
    ),
];
