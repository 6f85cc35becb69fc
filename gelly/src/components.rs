//! Connected components as a delta iteration (Flink's classic example): every vertex
//! starts labelled with its own id; each round, the vertices whose label dropped send
//! it to their neighbours, which keep the smallest label offered if it is below their
//! own. The loop ends when no label changes; edges are undirected.

use strom_dataset::{DataSet, agg};

/// Every vertex (of `edges` and `vertices`) with the smallest vertex id of its
/// component.
pub fn connected_components<'s>(
    edges: &DataSet<'s, (u64, u64)>,
    vertices: &DataSet<'s, u64>,
) -> DataSet<'s, (u64, u64)> {
    let labels = crate::vertex_set(edges, vertices).map(|v| (v, v));
    let links = edges
        .filter(|(a, b)| a != b)
        .flat_map(|(a, b)| [(a, b), (b, a)]);
    let by_vertex = |l: &(u64, u64)| l.0;
    labels.iterate_delta(&labels, by_vertex, u32::MAX, |_, solution, changed| {
        // The links are the join's static side: hashed once, and each round costs only
        // the changed vertices' links.
        let offers = changed
            .join(&links, by_vertex, by_vertex)
            .with(|&(_, label), &(_, neighbour)| (neighbour, label))
            .group_by(by_vertex)
            .aggregate(agg::min(|o: &(u64, u64)| o.1));
        let lower = solution.lookup(&offers, by_vertex, |offer, current| {
            current.filter(|c| offer.1 < c.1).map(|_| offer)
        });
        (lower.clone(), lower)
    })
}
