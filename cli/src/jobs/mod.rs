//! The built-in jobs of `strom run`.

pub mod tpch;
pub mod wordcount;

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
];
