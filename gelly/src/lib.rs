//! # strom-gelly
//!
//! Graph analytics over Strom's DataSet API, in the spirit of Flink's Gelly: graphs are
//! data sets of edges `(source, target)` between `u64` vertex ids (plus, optionally,
//! vertices without edges), and algorithms are dataflows over them built on the
//! DataSet's iterations.
//!
//! - [`edges`]: reading edge and vertex lists from text files (any storage URL);
//! - [`pagerank`]: PageRank as a bulk iteration, dangling vertices' rank spread evenly,
//!   for a number of rounds or to a tolerance (an iteration aggregator);
//! - [`components`]: connected components as a delta iteration (minimum label
//!   propagation).
//!
//! ```
//! use strom_core::RuntimeConfig;
//! use strom_dataset::execute;
//!
//! let mut labels = execute(&RuntimeConfig::default().with_workers(2), |env| {
//!     let edges = env.from_collection(vec![(1u64, 2u64), (2, 3), (7, 8)]);
//!     let isolated = env.from_collection(vec![5u64]);
//!     strom_gelly::components::connected_components(&edges, &isolated).collect()
//! })
//! .unwrap()
//! .unwrap();
//! labels.sort();
//! assert_eq!(labels, vec![(1, 1), (2, 1), (3, 1), (5, 5), (7, 7), (8, 7)]);
//! ```
#![warn(missing_docs)]

pub mod components;
pub mod edges;
pub mod pagerank;

use strom_dataset::DataSet;

/// Every vertex of a graph once: the ends of `edges` and the `vertices` listed besides.
pub fn vertex_set<'s>(
    edges: &DataSet<'s, (u64, u64)>,
    vertices: &DataSet<'s, u64>,
) -> DataSet<'s, u64> {
    edges.flat_map(|(a, b)| [a, b]).union(vertices).distinct()
}
