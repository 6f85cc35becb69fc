//! PageRank as a bulk iteration, with the textbook treatment of dangling vertices.
//!
//! With `N` vertices and damping `d`, ranks start at `1/N`, and each iteration gives
//! every vertex `(1 - d)/N`, plus `d` times the sum of `rank(u)/outdegree(u)` over its
//! in-edges `(u, v)`, plus `d` times the total rank of the vertices without out-edges
//! divided by `N`. Every edge counts, so duplicate edges and self-loops count toward
//! the out-degree. Ranks keep summing to 1.

use strom_dataset::{DataSet, agg};

/// The rank of every vertex (of `edges` and `vertices`) after `iterations` rounds.
pub fn pagerank<'s>(
    edges: &DataSet<'s, (u64, u64)>,
    vertices: &DataSet<'s, u64>,
    iterations: u32,
    damping: f64,
) -> DataSet<'s, (u64, f64)> {
    let all = crate::vertex_set(edges, vertices);
    let n = all.map(|_| 1u64).aggregate(agg::sum(|x: &u64| *x));
    // Every edge with its source's out-degree, and every dangling vertex once with no
    // target: flat records, so a round copies no lists.
    let degrees = edges
        .map(|e| (e.0, 1u32))
        .group_by(|d: &(u64, u32)| d.0)
        .aggregate(agg::sum(|d: &(u64, u32)| d.1));
    let out: DataSet<'s, (u64, Option<u64>, u32)> = edges
        .join(&degrees, |e: &(u64, u64)| e.0, |d: &(u64, u32)| d.0)
        .with(|&(source, target), &(_, degree)| (source, Some(target), degree))
        .union(
            &all.left_outer_join(&degrees, |v: &u64| *v, |d: &(u64, u32)| d.0)
                .with(|&v, d| (v, d.is_none()))
                .flat_map(|(v, dangling)| dangling.then_some((v, None, 0))),
        );
    let initial = all.map_with_broadcast(&n, |v, n| (v, 1.0 / n[0] as f64));
    initial.iterate(iterations, |_, ranks| {
        // Each vertex's rank flows along its edges; a dangling vertex's to everyone.
        // The edges are the join's static side: hashed once, probed every round.
        let flows = ranks
            .join(
                &out,
                |r: &(u64, f64)| r.0,
                |o: &(u64, Option<u64>, u32)| o.0,
            )
            .with(|&(_, rank), &(_, target, degree)| (target, rank / f64::from(degree.max(1))));
        let dangling = flows
            .filter(|f| f.0.is_none())
            .aggregate(agg::sum(|f: &(Option<u64>, f64)| f.1));
        let received = flows
            .flat_map(|(to, share)| to.map(|to| (to, share)))
            .group_by(|f: &(u64, f64)| f.0)
            .aggregate(agg::sum(|f: &(u64, f64)| f.1));
        all.left_outer_join(&received, |v: &u64| *v, |r: &(u64, f64)| r.0)
            .with(|&v, r| (v, r.map_or(0.0, |r| r.1)))
            .map_with_broadcast(&n, |(v, r), n| (v, r, n[0] as f64))
            .map_with_broadcast(&dangling, move |(v, r, n), dangling| {
                let lost: f64 = dangling.iter().sum();
                (v, (1.0 - damping) / n + damping * r + damping * lost / n)
            })
    })
}
