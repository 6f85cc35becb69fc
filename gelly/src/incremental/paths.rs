//! Paths from a set of roots along directed edges: reachability, breadth-first depth
//! and weighted shortest distances, each an `iterate` over the arranged edges (as
//! differential-dataflow's `bfs`): a round extends the known vertices by one edge and
//! keeps, per vertex, the least value.

use std::hash::Hash;
use std::sync::Arc;

use differential_dataflow::VecCollection;
use differential_dataflow::lattice::Lattice;
use differential_dataflow::operators::iterate::Iterate;
use strom_core::timely::progress::Timestamp;

use super::algorithms::{Edges, Values, present, vertices};

/// The roots that are vertices of the graph (a root without edges is no vertex).
fn roots_in<'s, T>(
    links: VecCollection<'s, T, (u64, u64)>,
    roots: Arc<[u64]>,
) -> VecCollection<'s, T, u64>
where
    T: Timestamp + Lattice,
{
    vertices(links).filter(move |v| roots.contains(v))
}

/// The vertices reachable from `roots` (value 1), roots included.
pub fn reachability<'s, T>(edges: Edges<'s, T>, roots: Arc<[u64]>) -> Values<'s, T>
where
    T: Timestamp + Lattice + Hash,
{
    let links = present(edges);
    let start = roots_in(links.clone(), roots);
    start
        .clone()
        .iterate(|scope, reached| {
            let links = links.enter(scope);
            let start = start.enter(scope);
            links
                .semijoin(reached)
                .map(|(_, target)| target)
                .concat(start)
                .distinct()
        })
        .map(|v| (v, 1))
}

/// The least number of edges from any of `roots` to each vertex it reaches.
pub fn bfs<'s, T>(edges: Edges<'s, T>, roots: Arc<[u64]>) -> Values<'s, T>
where
    T: Timestamp + Lattice + Hash,
{
    let links = present(edges);
    let start = roots_in(links.clone(), roots).map(|v| (v, 0u64));
    let arranged = links.arrange_by_key();
    start.clone().iterate(|scope, depths| {
        let links = arranged.enter(scope);
        depths
            .join_core(links, |_, depth: &u64, target: &u64| {
                Some((*target, depth + 1))
            })
            .concat(start.enter(scope))
            .reduce(|_, least, out| out.push((*least[0].0, 1)))
    })
}

/// The least total weight of a path from any of `roots` to each vertex it reaches
/// (duplicate edges with different weights are different edges).
pub fn sssp<'s, T>(edges: Edges<'s, T>, roots: Arc<[u64]>) -> Values<'s, T>
where
    T: Timestamp + Lattice + Hash,
{
    let weighted = edges
        .clone()
        .map(|(s, d, w)| (s, (d, w)))
        .threshold(|_, count| isize::from(*count > 0));
    let start = roots_in(present(edges), roots).map(|v| (v, 0u64));
    let arranged = weighted.arrange_by_key();
    start.clone().iterate(|scope, distances| {
        let links = arranged.enter(scope);
        distances
            .join_core(links, |_, distance: &u64, (target, weight): &(u64, u64)| {
                Some((*target, distance.saturating_add(*weight)))
            })
            .concat(start.enter(scope))
            .reduce(|_, least, out| out.push((*least[0].0, 1)))
    })
}
