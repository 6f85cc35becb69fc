//! Graph metrics of the undirected simple graph of a [`Graph`] (direction ignored,
//! duplicates merged, self-loops dropped, as in [`crate::similarity`]): counts, degree
//! statistics, triangles, triplets and clustering coefficients, in one record; and the
//! undirected triad census derived from them (the directed one is [`crate::triads`]).

use serde::{Deserialize, Serialize};
use strom_dataset::{Data, DataSet, Key};

use crate::Graph;
use crate::similarity::{neighbours, triangle_count};

/// The metrics of a graph's undirected simple graph.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GraphMetrics {
    /// Vertices, isolated ones included.
    pub vertices: u64,
    /// Undirected simple edges.
    pub edges: u64,
    /// `2 * edges / vertices` (0 without vertices).
    pub average_degree: f64,
    /// The largest degree (0 without vertices).
    pub max_degree: u64,
    /// Triangles.
    pub triangles: u64,
    /// Triplets (paths of two edges, open or closed): `Σ d(d - 1)/2`.
    pub triplets: u64,
    /// `3 * triangles / triplets` (networkx's `transitivity`; 0 without triplets).
    pub global_clustering: f64,
    /// The mean local clustering coefficient over all vertices, those of degree below
    /// 2 counting 0 (networkx's `average_clustering`; 0 without vertices).
    pub average_clustering: f64,
}

/// Per-vertex sums: `(vertices, degree, max degree, triangles, triplets, local
/// clustering)`.
type Sums = (u64, u64, u64, u64, u64, f64);

/// The graph's metrics: one record.
pub fn graph_metrics<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
) -> DataSet<'s, GraphMetrics> {
    let per_vertex = triangle_count(graph)
        .join(
            &neighbours(graph),
            |t: &(K, u64)| t.0.clone(),
            |n: &(K, Vec<K>)| n.0.clone(),
        )
        .with(|t, n| {
            let d = n.1.len() as u64;
            let triplets = d * d.saturating_sub(1) / 2;
            let local = if triplets == 0 {
                0.0
            } else {
                t.1 as f64 / triplets as f64
            };
            (1, d, d, t.1, triplets, local)
        });
    let zero: Sums = (0, 0, 0, 0, 0, 0.0);
    per_vertex
        .union(&graph.env().from_collection(vec![zero]))
        .reduce(|a, b| {
            (
                a.0 + b.0,
                a.1 + b.1,
                a.2.max(b.2),
                a.3 + b.3,
                a.4 + b.4,
                a.5 + b.5,
            )
        })
        .map(|(n, degrees, max_degree, triangles, triplets, local)| {
            let ratio = |x: f64, y: u64| if y == 0 { 0.0 } else { x / y as f64 };
            GraphMetrics {
                vertices: n,
                edges: degrees / 2,
                average_degree: ratio(degrees as f64, n),
                max_degree,
                triangles: triangles / 3,
                triplets,
                global_clustering: ratio(triangles as f64, triplets),
                average_clustering: ratio(local, n),
            }
        })
}

/// The undirected triad census (Gelly's `TriadicCensus` of an undirected graph): every
/// set of three vertices counted by how many edges of the undirected simple graph join
/// them. They add up to `n(n - 1)(n - 2)/6`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TriadCensus {
    /// Triads without an edge (networkx's directed type `003`).
    pub empty: u128,
    /// Triads with one edge (`102` on the symmetric digraph).
    pub one_edge: u128,
    /// Triads with two edges, open wedges (`201`).
    pub two_edges: u128,
    /// Triangles (`300`).
    pub triangles: u128,
}

/// The graph's undirected triad census, from its metrics: every edge is in `n - 2`
/// triads, which counts each triad once per edge, and the triplets count every open
/// wedge once and every triangle three times.
pub fn triadic_census<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
) -> DataSet<'s, TriadCensus> {
    graph_metrics(graph).map(|m| {
        let n = u128::from(m.vertices);
        let all = if n < 3 { 0 } else { n * (n - 1) * (n - 2) / 6 };
        let triangles = u128::from(m.triangles);
        let two_edges = u128::from(m.triplets) - 3 * triangles;
        let one_edge = u128::from(m.edges) * n.saturating_sub(2) - 2 * two_edges - 3 * triangles;
        TriadCensus {
            empty: all - one_edge - two_edges - triangles,
            one_edge,
            two_edges,
            triangles,
        }
    })
}
