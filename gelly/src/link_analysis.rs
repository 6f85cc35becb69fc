//! Link analysis on a [`Graph`]: PageRank (power iteration, and Gelly's
//! gather-sum-apply variant) and HITS.
//!
//! Every edge counts with its multiplicity (a duplicate edge is two links, a self-loop
//! links a vertex to itself) and direction matters; edge values are ignored.
//!
//! - [`pagerank`]: ranks start at `1/N`; a round gives each vertex `(1 - d)/N`, plus
//!   `d` times the rank its in-neighbours send (each its rank over its out-degree),
//!   plus `d/N` times the total rank of the vertices without out-edges (so ranks keep
//!   summing to 1, as networkx's `pagerank`). See [`crate::pagerank`] for the plan.
//! - [`pagerank_gather_sum_apply`]: Gelly's `GSAPageRank` on the gather-sum-apply
//!   model: the same round, but the rank of vertices without out-edges is lost (not
//!   spread), so it equals [`pagerank`] exactly when every vertex has an out-edge.
//! - [`hits`]: Kleinberg's hubs and authorities as Gelly's `HITS`: from hubs and
//!   authorities of 1, each round sets every authority to the sum of its
//!   in-neighbours' hub scores, then every hub to the sum of its out-neighbours' new
//!   authority scores, each vector scaled to unit L2 norm (networkx scales to unit
//!   sum: the same vectors up to a factor).

use strom_dataset::{Data, DataSet, Key, agg};

use crate::iteration::IterationConfig;
use crate::{EdgeDirection, Graph};

/// When an iterative algorithm stops: after a fixed number of rounds, or after the
/// first round whose total change (the sum of `|new - old|` over all values) is below
/// a tolerance, but at most after a number of rounds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rounds {
    /// Exactly this many rounds.
    Fixed(u32),
    /// Until the total change is below `tolerance`, at most `max` rounds.
    Converge {
        /// The total change that ends the iteration.
        tolerance: f64,
        /// The most rounds.
        max: u32,
    },
}

impl Rounds {
    fn max(self) -> u32 {
        match self {
            Rounds::Fixed(n) | Rounds::Converge { max: n, .. } => n,
        }
    }

    fn tolerance(self) -> Option<f64> {
        match self {
            Rounds::Fixed(_) => None,
            Rounds::Converge { tolerance, .. } => Some(tolerance),
        }
    }
}

/// Every vertex with its PageRank under damping `damping` (the probability of
/// following an edge).
pub fn pagerank<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
    damping: f64,
    rounds: Rounds,
) -> DataSet<'s, (K, f64)> {
    crate::pagerank::power_iteration(
        &graph.edge_ids(),
        &graph.vertex_ids(),
        rounds.max(),
        damping,
        rounds.tolerance(),
    )
}

/// Every vertex with its PageRank after `iterations` supersteps of Gelly's
/// gather-sum-apply PageRank: each vertex gathers `rank / out-degree` from its
/// in-neighbours, sums, and applies `(1 - d)/N + d * sum`. Vertices without
/// out-edges lose their rank (see the module documentation).
pub fn pagerank_gather_sum_apply<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
    damping: f64,
    iterations: u32,
) -> DataSet<'s, (K, f64)> {
    let by_vertex = |d: &(K, u64)| d.0.clone();
    let shares = graph
        .edges()
        .join(
            &graph.out_degrees(),
            |e: &(K, K, EV)| e.0.clone(),
            by_vertex,
        )
        .with(|e, d| (e.0.clone(), e.1.clone(), 1.0 / d.1 as f64));
    // A link of weight 0 from every vertex to itself: every vertex gathers (and so
    // applies) in every superstep, also without in-edges.
    let loops = graph.vertex_ids().map(|k| (k.clone(), k, 0.0));
    let n = graph.number_of_vertices();
    let ranks = graph
        .vertex_ids()
        .map_with_broadcast(&n, |k, n| (k, (1.0 / n[0] as f64, n[0] as f64)));
    Graph::from_data_sets(&ranks, &shares.union(&loops))
        .run_gather_sum_apply(
            |(rank, _), share| rank * share,
            |a, b| a + b,
            move |_, (_, n), sum| Some(((1.0 - damping) / n + damping * sum, *n)),
            IterationConfig::default()
                .with_max_iterations(iterations)
                .with_direction(EdgeDirection::Out),
        )
        .vertices()
        .map(|(k, (rank, _))| (k, rank))
}

/// `(vertex, hub, authority)` for every vertex (see the module documentation).
pub fn hits<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
    rounds: Rounds,
) -> DataSet<'s, (K, f64, f64)> {
    let links = graph.edge_ids();
    let ids = graph.vertex_ids();
    let initial = ids.map(|k| (k, 1.0, 1.0));
    initial.iterate(rounds.max(), |it, scores| {
        let hubs = scores.map(|(k, hub, _)| (k, hub));
        let authorities = unit(&pass(&hubs, &links, &ids, EdgeDirection::Out));
        let hubs = unit(&pass(&authorities, &links, &ids, EdgeDirection::In));
        let by_vertex = |s: &(K, f64)| s.0.clone();
        let next = hubs
            .join(&authorities, by_vertex, by_vertex)
            .with(|h, a| (h.0.clone(), h.1, a.1));
        if let Some(tolerance) = rounds.tolerance() {
            let change = next
                .join(
                    &scores,
                    |s: &(K, f64, f64)| s.0.clone(),
                    |s: &(K, f64, f64)| s.0.clone(),
                )
                .with(|a, b| (a.1 - b.1).abs() + (a.2 - b.2).abs());
            let change = it.aggregate(&change, agg::sum(|c: &f64| *c));
            it.converge_when(&change, move |total| *total < tolerance);
        }
        next
    })
}

/// Every vertex of `ids` with the sum of `values` over its neighbours across `links`
/// in `direction` (`Out`: a link `(u, v)` carries `u`'s value to `v`; `In`: the
/// reverse), 0 without any.
fn pass<'s, K: Key>(
    values: &DataSet<'s, (K, f64)>,
    links: &DataSet<'s, (K, K)>,
    ids: &DataSet<'s, K>,
    direction: EdgeDirection,
) -> DataSet<'s, (K, f64)> {
    let from = move |l: &(K, K)| match direction {
        EdgeDirection::In => l.1.clone(),
        _ => l.0.clone(),
    };
    let sums = values
        .join(links, |v: &(K, f64)| v.0.clone(), from)
        .with(move |v, l| {
            let to = if direction == EdgeDirection::In {
                l.0.clone()
            } else {
                l.1.clone()
            };
            (to, v.1)
        })
        .group_by(|s: &(K, f64)| s.0.clone())
        .aggregate(agg::sum(|s: &(K, f64)| s.1));
    ids.left_outer_join(&sums, |k: &K| k.clone(), |s: &(K, f64)| s.0.clone())
        .with(|k, s| (k.clone(), s.map_or(0.0, |s| s.1)))
}

/// `values` scaled to unit L2 norm (left as they are when all are 0).
fn unit<'s, K: Key>(values: &DataSet<'s, (K, f64)>) -> DataSet<'s, (K, f64)> {
    let squares = values.aggregate(agg::sum(|v: &(K, f64)| v.1 * v.1));
    values.map_with_broadcast(&squares, |(k, v), squares| {
        let norm = squares.iter().sum::<f64>().sqrt();
        (k, if norm > 0.0 { v / norm } else { v })
    })
}
