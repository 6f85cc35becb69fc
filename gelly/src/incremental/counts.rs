//! Per-vertex counts: degrees (a count of edge ends) and triangles (wedges of the
//! undirected simple graph closed by an edge).

use std::hash::Hash;

use differential_dataflow::lattice::Lattice;
use strom_core::timely::progress::Timestamp;

use super::algorithms::{Edges, Values, present, vertices};

/// In- plus out-degree, duplicates counted, a self-loop twice.
pub fn degrees<'s, T>(edges: Edges<'s, T>) -> Values<'s, T>
where
    T: Timestamp + Lattice + Hash,
{
    edges
        .flat_map(|(s, d, _)| [s, d])
        .count()
        .map(|(v, n)| (v, n.unsigned_abs() as u64))
}

/// The triangles through each vertex of the undirected simple graph. Each triangle
/// `a < b < c` is found once, from its least vertex `a`: the wedge `(b, c)` of two
/// larger neighbours of `a`, kept when `(b, c)` is an edge. A wedge costs the product
/// of a vertex's larger-neighbour counts, so a hub costs the square of its degree.
pub fn triangles<'s, T>(edges: Edges<'s, T>) -> Values<'s, T>
where
    T: Timestamp + Lattice + Hash,
{
    let links = present(edges);
    let every = vertices(links.clone());
    let simple = links
        .filter(|(s, d)| s != d)
        .map(|(s, d)| (s.min(d), s.max(d)))
        .distinct();
    let larger = simple.clone().arrange_by_key();
    simple
        .clone()
        .join_core(larger, |a, b, c: &u64| (b < c).then_some(((*b, *c), *a)))
        .semijoin(simple)
        .flat_map(|((b, c), a)| [a, b, c])
        .concat(every)
        .count()
        .map(|(v, n)| (v, n.unsigned_abs() as u64 - 1))
}
