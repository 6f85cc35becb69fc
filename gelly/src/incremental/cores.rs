//! k-core membership: the vertices of the largest subgraph of the undirected simple
//! graph in which every vertex has at least `k` neighbours, kept up to date as edges
//! come and go.

use std::hash::Hash;

use differential_dataflow::lattice::Lattice;
use differential_dataflow::operators::iterate::Iterate;
use strom_core::timely::progress::Timestamp;

use super::algorithms::{Edges, Values, present, vertices};

/// The vertices of the `k`-core (value 1) of the undirected simple graph (self-loops
/// and duplicates dropped; networkx's `k_core`). Peeling as an `iterate`: start from
/// every vertex, and each round keep those with at least `k` neighbours among the
/// vertices kept the round before, until nothing changes. A change re-runs the rounds
/// only where the kept sets differ. The 0-core is every vertex.
pub fn k_core<'s, T>(edges: Edges<'s, T>, k: u64) -> Values<'s, T>
where
    T: Timestamp + Lattice + Hash,
{
    let links = present(edges);
    let every = vertices(links.clone());
    if k == 0 {
        return every.map(|v| (v, 1));
    }
    let both = links
        .filter(|(s, d)| s != d)
        .flat_map(|(s, d)| [(s, d), (d, s)])
        .distinct();
    let arranged = both.arrange_by_key();
    every
        .iterate(|scope, kept| {
            let links = arranged.enter(scope);
            kept.clone()
                .map(|v| (v, ()))
                .join_core(links, |source, (), target| Some((*target, *source)))
                .semijoin(kept)
                .map(|(_, source)| source)
                .count()
                .filter(move |(_, n)| *n >= k as isize)
                .map(|(v, _)| v)
        })
        .map(|v| (v, 1))
}
