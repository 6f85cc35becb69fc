//! # strom-dataset
//!
//! Strom's DataSet API for bounded data, as Flink's: typed, lazy [`DataSet`]s built on
//! every worker by a job function and compiled into one timely dataflow per job, which
//! [`execute`] runs to completion. It sits on `strom-core` (runtime, storage, formats);
//! the graph and ML libraries and the CLI sit on it.
//!
//! ```
//! use strom_dataset::{agg, execute};
//! use strom_core::RuntimeConfig;
//!
//! let mut counts = execute(&RuntimeConfig::default().with_workers(2), |env| {
//!     env.from_collection(vec!["a b".to_string(), "b c".into(), "b".into()])
//!         .flat_map(|line| line.split(' ').map(str::to_string).collect::<Vec<_>>())
//!         .group_by(|w: &String| w.clone())
//!         .aggregate(agg::count())
//!         .collect()
//! })
//! .unwrap()
//! .unwrap();
//! counts.sort();
//! assert_eq!(counts, vec![("a".into(), 1), ("b".into(), 3), ("c".into(), 1)]);
//! ```
//!
//! Operators: sources (collection, sequence, text, CSV, Parquet), `map`, `flat_map`,
//! `filter`, `map_partition`, `distinct`, `group_by` with `reduce`, `aggregate`,
//! `reduce_group`, `sort_group`, `min_by`/`max_by` (floats too, see [`TotalOrder`]) and
//! `first`, `first(n)`, joins (inner, outer; hash or
//! sort-merge; repartition or broadcast), `co_group`, `cross`, `union`, `rebalance`,
//! `partition_by_hash`/`partition_by_range`, `gather`, `sort_partition`, broadcast
//! variables, and sinks (text, CSV, `collect`, `count`). Iterations: bulk
//! ([`DataSet::iterate`]) and delta ([`DataSet::iterate_delta`]), with typed aggregators
//! ([`Iteration::aggregate`]) and the superstep number, see [`iteration`].
//!
//! Memory: with a budget (`RuntimeConfig::memory_limit`), sorting, grouping,
//! aggregation, distinct, sort-merge joins, co-group and range partitioning spill to disk
//! beyond their share, and hash joins are hybrid: they spill hash partitions and join
//! them one by one, re-partitioning (or, for a few heavy keys, sorting) what still does
//! not fit. `cross` and broadcast variables hold their small side in memory (see
//! `docs/0006-out-of-core.md`).
#![warn(missing_docs)]

pub mod aggregate;
mod data_set;
mod env;
pub mod iteration;
pub mod operators;
mod output;
mod parallel;
mod sinks;
mod sources;
mod total_order;
pub mod unstable;

pub use aggregate as agg;
pub use aggregate::Aggregator;
pub use data_set::{Data, DataSet, Key};
pub use env::{Env, Failure, JobMetrics, Time, execute, execute_with_metrics};
pub use iteration::{AggregatorInput, Iteration, IterationAggregate, SolutionSet};
pub use operators::group_by::Grouped;
pub use operators::join::{JoinBuilder, JoinHint};
pub use operators::sort::Order;
pub use operators::sort_group::SortedGrouped;
pub use output::{Collected, Counted, JobOutput};
pub use strom_core::formats::text::TextBlock;
pub use strom_core::formats::{CsvOptions, ParquetOptions};
pub use total_order::{ByOrd, TotalOrder};
