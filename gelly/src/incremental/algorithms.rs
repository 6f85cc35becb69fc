//! The maintained algorithms over a differential collection of edges, and what they
//! share: [`Algorithm`] (which one, with its parameters), the present edges and
//! vertices, and connected components.
//!
//! Every function takes the edge changes as a collection of `(source, target,
//! weight)` whose multiplicity is the edge's count (duplicates count; an edge is
//! present while its count is positive) and returns `(vertex, value)` pairs, one per
//! vertex that has a value. They work in any scope whose time is a lattice, so they
//! serve the streaming wrapper ([`super::maintain`]) and tests alike.

use std::hash::Hash;
use std::sync::Arc;

use differential_dataflow::VecCollection;
use differential_dataflow::algorithms::graphs::propagate::propagate_at;
use differential_dataflow::lattice::Lattice;
use strom_core::timely::progress::Timestamp;

/// Edge changes: `(source, target, weight)`, the multiplicity being the count.
pub type Edges<'s, T> = VecCollection<'s, T, (u64, u64, u64)>;

/// A maintained result: `(vertex, value)`.
pub type Values<'s, T> = VecCollection<'s, T, (u64, u64)>;

/// An incremental graph algorithm and its parameters. Each gives one `u64` value per
/// vertex; vertices are the ends of the present edges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// Weakly connected components: the smallest vertex id of the vertex's component
    /// (edges taken as undirected).
    ConnectedComponents,
    /// The vertices reachable from the roots along directed edges (roots included when
    /// they are vertices), each with value 1.
    Reachability(Arc<[u64]>),
    /// Breadth-first depth: the least number of directed edges from any root.
    Bfs(Arc<[u64]>),
    /// Weighted shortest paths: the least total weight from any root (weights are
    /// unsigned, so the distances are exact).
    Sssp(Arc<[u64]>),
    /// Degree (in plus out), duplicates counted, a self-loop twice (networkx's
    /// `MultiDiGraph.degree`).
    Degrees,
    /// Triangles through each vertex of the undirected simple graph (self-loops and
    /// duplicates merged; networkx's `triangles`); 0 for a vertex in none.
    Triangles,
    /// PageRank over a fixed number of rounds, exact in integers: see
    /// [`super::rank::pagerank`].
    PageRank(u64),
    /// Membership of the k-core of the undirected simple graph (value 1 for every
    /// vertex in it): see [`super::cores::k_core`].
    KCore(u64),
}

impl Algorithm {
    /// The algorithm's name on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            Algorithm::ConnectedComponents => "connected-components",
            Algorithm::Reachability(_) => "reachability",
            Algorithm::Bfs(_) => "bfs",
            Algorithm::Sssp(_) => "sssp",
            Algorithm::Degrees => "degrees",
            Algorithm::Triangles => "triangles",
            Algorithm::PageRank(_) => "pagerank",
            Algorithm::KCore(_) => "k-core",
        }
    }

    /// The algorithm's result, maintained as `edges` change.
    pub fn compute<'s, T>(&self, edges: Edges<'s, T>) -> Values<'s, T>
    where
        T: Timestamp + Lattice + Hash,
    {
        use super::{cores, counts, paths, rank};
        match self {
            Algorithm::ConnectedComponents => connected_components(edges),
            Algorithm::Reachability(roots) => paths::reachability(edges, roots.clone()),
            Algorithm::Bfs(roots) => paths::bfs(edges, roots.clone()),
            Algorithm::Sssp(roots) => paths::sssp(edges, roots.clone()),
            Algorithm::Degrees => counts::degrees(edges),
            Algorithm::Triangles => counts::triangles(edges),
            Algorithm::PageRank(rounds) => rank::pagerank(edges, *rounds),
            Algorithm::KCore(k) => cores::k_core(edges, *k),
        }
    }
}

/// The present edges `(source, target)`, once each (weights dropped).
pub(crate) fn present<'s, T>(edges: Edges<'s, T>) -> VecCollection<'s, T, (u64, u64)>
where
    T: Timestamp + Lattice,
{
    edges
        .map(|(s, d, _)| (s, d))
        .threshold(|_, count| isize::from(*count > 0))
}

/// The ends of `links`, once each.
pub(crate) fn vertices<'s, T>(links: VecCollection<'s, T, (u64, u64)>) -> VecCollection<'s, T, u64>
where
    T: Timestamp + Lattice,
{
    links.flat_map(|(s, d)| [s, d]).distinct()
}

/// Weakly connected components, each vertex labelled with the smallest id in its
/// component: labels propagate along both directions of every edge, the smaller ones
/// introduced first (`propagate_at` with the label as its round), so a change
/// re-labels only what it joins or splits.
pub fn connected_components<'s, T>(edges: Edges<'s, T>) -> Values<'s, T>
where
    T: Timestamp + Lattice + Hash,
{
    let links = present(edges);
    let nodes = vertices(links.clone()).map(|v| (v, v));
    let both = links.flat_map(|(s, d)| [(s, d), (d, s)]);
    propagate_at(both, nodes, |label: &u64| *label)
}
