//! Community algorithms on a [`Graph`]: label propagation and Gelly's community
//! detection. Both start from the vertex values as labels (the vertex ids, say) and
//! are deterministic, so they give the same answer at any number of workers.
//!
//! - [`label_propagation`]: synchronous label propagation. Each round, every vertex
//!   with in-edges takes the label most frequent among its in-neighbours (counted per
//!   edge: a duplicate edge votes twice, a self-loop lets a vertex vote for itself),
//!   ties going to the greatest label (as Gelly's `LabelPropagation`); vertices without
//!   in-edges keep theirs. It ends after the first round in which no label changes, or
//!   after the maximum number of rounds (synchronous propagation can oscillate, on a
//!   bipartite graph say). Unlike Gelly, which only counts the labels of neighbours
//!   that changed in the previous superstep, every in-neighbour votes every round, so
//!   the answer does not depend on the order of changes. Use
//!   [`Graph::get_undirected`] to propagate over both directions.
//! - [`community_detection`]: Gelly's `CommunityDetection` (Leung et al., "Towards
//!   real-time community detection in large networks"), a scatter-gather iteration on
//!   the undirected graph (every edge both ways). Every vertex holds a label and a
//!   score, 1 at first. Each superstep every vertex sends `(label, score * weight)`
//!   along its edges; every vertex with messages adds up the scores per label, takes
//!   the label with the largest sum (ties to the smallest label), and takes as its
//!   score the largest single score received with that label, less `delta / superstep`
//!   (hop attenuation) if the label is not its own. It runs exactly `max_iterations`
//!   supersteps, as Gelly's.

use std::collections::BTreeMap;

use strom_dataset::{DataSet, Key, agg};

use crate::Graph;
use crate::iteration::IterationConfig;

/// Every vertex with its label after synchronous label propagation (see the module
/// documentation), at most `max_iterations` rounds.
pub fn label_propagation<'s, K: Key, L: Key, EV: strom_dataset::Data>(
    graph: &Graph<'s, K, L, EV>,
    max_iterations: u32,
) -> DataSet<'s, (K, L)> {
    let links = graph.edge_ids();
    let by_vertex = |l: &(K, L)| l.0.clone();
    graph.vertices().iterate(max_iterations, |it, labels| {
        let votes = labels
            .join(&links, by_vertex, |e: &(K, K)| e.0.clone())
            .with(|l, e| (e.1.clone(), l.1.clone()));
        let winners = votes
            .group_by(|v: &(K, L)| v.0.clone())
            .reduce_group(|k, votes| {
                let mut counts: BTreeMap<L, u64> = BTreeMap::new();
                for (_, label) in votes {
                    *counts.entry(label).or_default() += 1;
                }
                // The largest count, and among equal counts the greatest label.
                let best = counts
                    .into_iter()
                    .max_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
                best.map(|(label, _)| (k.clone(), label))
            });
        let next = labels
            .left_outer_join(&winners, by_vertex, by_vertex)
            .with(|l, w| (l.0.clone(), w.map_or_else(|| l.1.clone(), |w| w.1.clone())));
        let changed = next
            .join(&labels, by_vertex, by_vertex)
            .with(|a, b| u64::from(a.1 != b.1));
        let changed = it.aggregate(&changed, agg::sum(|c: &u64| *c));
        it.converge_when(&changed, |n| *n == 0);
        next
    })
}

/// A vertex's state in community detection: label, score, supersteps run.
type Scored<L> = (L, f64, u32);

/// Every vertex with its community label after `max_iterations` supersteps of Gelly's
/// community detection with hop attenuation `delta`; edge values are weights (see the
/// module documentation).
pub fn community_detection<'s, K: Key, L: Key>(
    graph: &Graph<'s, K, L, f64>,
    max_iterations: u32,
    delta: f64,
) -> DataSet<'s, (K, L)> {
    // Every vertex with messages updates in every superstep, and every vertex with an
    // edge gets messages in every superstep (its neighbours all updated in the one
    // before), so the count of updates a vertex carries is the superstep number.
    graph
        .get_undirected()
        .map_vertices(|v| (v.1.clone(), 1.0, 0u32))
        .run_scatter_gather(
            |_, (label, score, _): &Scored<L>, neighbours, outbox| {
                outbox.extend(
                    neighbours
                        .iter()
                        .map(|(n, w)| (n.clone(), (label.clone(), score * w))),
                );
            },
            move |_, (label, _, step), mut messages: Vec<(L, f64)>| {
                // Summed in one order at any number of workers.
                messages.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
                let mut sums: BTreeMap<L, (f64, f64)> = BTreeMap::new();
                for (l, score) in messages {
                    let entry = sums.entry(l).or_insert((0.0, f64::NEG_INFINITY));
                    entry.0 += score;
                    entry.1 = entry.1.max(score);
                }
                let mut best: Option<(L, f64, f64)> = None;
                for (l, (sum, highest)) in sums {
                    if best.as_ref().is_none_or(|b| sum > b.1) {
                        best = Some((l, sum, highest));
                    }
                }
                let (new, _, highest) = best?;
                let superstep = step + 1;
                let score = if new == *label {
                    highest
                } else {
                    highest - delta / f64::from(superstep)
                };
                Some((new, score, superstep))
            },
            IterationConfig::default().with_max_iterations(max_iterations),
        )
        .vertices()
        .map(|(k, (label, _, _))| (k, label))
}
