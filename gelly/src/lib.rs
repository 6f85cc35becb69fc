//! # strom-gelly
//!
//! Graph analytics over Strom's DataSet API, in the spirit of Flink's Gelly. It sits on
//! `strom-dataset`: a [`Graph`] is two data sets, vertices `(id, value)` and edges
//! `(source, target, value)`, over any hashable, ordered, serializable id type, and
//! every method and algorithm is a dataflow over them, iterative ones on the DataSet's
//! delta iteration.
//!
//! - [`Graph`]: constructors, properties (counts, degrees, triplets), transformations,
//!   graph algebra, joins and neighbourhood aggregations;
//! - [`generators`]: complete, cycle, empty, grid, hypercube, path, star,
//!   singleton-edge, echo and R-MAT graphs;
//! - [`iteration`]: the vertex-centric, scatter-gather and gather-sum-apply models;
//! - [`library`]: shortest paths and connected components on those models;
//! - [`link_analysis`]: PageRank (power iteration and gather-sum-apply) and HITS;
//! - [`community`]: label propagation and community detection;
//! - [`summarization`]: vertices grouped by value, edges by their ends' groups;
//! - [`bipartite`]: bipartite graphs and their projections;
//! - [`similarity`]: triangles, clustering coefficients, Jaccard and Adamic-Adar;
//! - [`metrics`]: vertex and edge counts, degrees, triangles, clustering in one record,
//!   and the undirected triad census;
//! - [`triads`]: the directed triad census (16 types, as networkx's);
//! - [`edges`]: reading edge and vertex lists from text files (any storage URL), with
//!   [`VertexId`] for lists whose ids are integers or names;
//! - [`pagerank`]: PageRank as a bulk iteration, dangling vertices' rank spread evenly,
//!   for a number of rounds or to a tolerance (an iteration aggregator);
//! - [`components`]: connected components as a delta iteration (minimum label
//!   propagation);
//! - [`incremental`]: algorithms maintained over a stream of edge changes on
//!   differential-dataflow (components, reachability, BFS, shortest paths, degrees,
//!   triangles, PageRank), with a consolidated changelog and checkpoints.
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

pub mod bipartite;
pub mod community;
pub mod components;
pub mod edges;
mod error;
pub mod generators;
mod graph;
mod id;
pub mod incremental;
pub mod iteration;
pub mod library;
pub mod link_analysis;
pub mod metrics;
pub mod pagerank;
pub mod similarity;
pub mod summarization;
pub mod triads;

pub use error::{Error, Result};
pub use graph::{EdgeDirection, Graph};
pub use id::VertexId;

use strom_dataset::DataSet;

/// Every vertex of a graph once: the ends of `edges` and the `vertices` listed besides.
pub fn vertex_set<'s>(
    edges: &DataSet<'s, (u64, u64)>,
    vertices: &DataSet<'s, u64>,
) -> DataSet<'s, u64> {
    edges.flat_map(|(a, b)| [a, b]).union(vertices).distinct()
}
