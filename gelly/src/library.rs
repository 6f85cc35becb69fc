//! Algorithms on the iteration models: single-source shortest paths and connected
//! components, each in the models Gelly has them in, so that the models check each
//! other and a sequential reference.
//!
//! - Shortest paths follow edges from source to target, weighted by the edge value
//!   (Bellman-Ford relaxation: negative weights work, a negative cycle runs to the
//!   iteration limit); duplicate edges are harmless (the lighter counts) and self-loops
//!   never shorten a path. Unreachable vertices are left out of the result.
//! - Components ignore direction (an edge joins both ends), duplicates and self-loops;
//!   every vertex is labelled with the smallest id of its component, isolated vertices
//!   with their own.

use strom_dataset::{Data, DataSet, Key};

use crate::iteration::IterationConfig;
use crate::{EdgeDirection, Graph};

/// The graph with every vertex valued 0 at `source` and infinity elsewhere.
fn distances_from<'s, K: Key, VV: Data>(
    graph: &Graph<'s, K, VV, f64>,
    source: K,
) -> Graph<'s, K, f64, f64> {
    graph.map_vertices(move |v| if v.0 == source { 0.0 } else { f64::INFINITY })
}

/// The reached vertices of a graph of distances.
fn reached<'s, K: Key>(graph: &Graph<'s, K, f64, f64>) -> DataSet<'s, (K, f64)> {
    graph.vertices().filter(|v| v.1.is_finite())
}

/// Shortest distances from `source` as a scatter-gather iteration: updated vertices
/// offer `distance + weight` to their out-neighbours, which keep the smallest offer
/// below their distance.
pub fn sssp_scatter_gather<'s, K: Key, VV: Data>(
    graph: &Graph<'s, K, VV, f64>,
    source: K,
    max_iterations: u32,
) -> DataSet<'s, (K, f64)> {
    let result = distances_from(graph, source).run_scatter_gather(
        |_, d, neighbours, outbox| {
            if d.is_finite() {
                outbox.extend(neighbours.iter().map(|(n, w)| (n.clone(), d + w)));
            }
        },
        |_, d, offers| {
            let best = offers.into_iter().fold(f64::INFINITY, f64::min);
            (best < *d).then_some(best)
        },
        IterationConfig::default().with_max_iterations(max_iterations),
    );
    reached(&result)
}

/// Shortest distances from `source` as a gather-sum-apply iteration: gather
/// `distance + weight`, sum by minimum, apply when below the current distance.
pub fn sssp_gather_sum_apply<'s, K: Key, VV: Data>(
    graph: &Graph<'s, K, VV, f64>,
    source: K,
    max_iterations: u32,
) -> DataSet<'s, (K, f64)> {
    let result = distances_from(graph, source).run_gather_sum_apply(
        |d, w| d + w,
        f64::min,
        |_, d, best| (best < *d).then_some(best),
        IterationConfig::default().with_max_iterations(max_iterations),
    );
    reached(&result)
}

/// Shortest distances from `source` as a vertex-centric iteration with a minimum
/// combiner: a vertex whose distance drops (or the source, in the first superstep)
/// sends `distance + weight` to its out-neighbours.
pub fn sssp_vertex_centric<'s, K: Key, VV: Data>(
    graph: &Graph<'s, K, VV, f64>,
    source: K,
    max_iterations: u32,
) -> DataSet<'s, (K, f64)> {
    let result = distances_from(graph, source).run_vertex_centric(
        |_, d, messages, neighbours, outbox| {
            let best = messages.iter().copied().fold(f64::INFINITY, f64::min);
            let first = messages.is_empty() && *d == 0.0;
            let new = (best < *d).then_some(best);
            if let Some(d) = new.or(first.then_some(*d)) {
                outbox.extend(neighbours.iter().map(|(n, w)| (n.clone(), d + w)));
            }
            new
        },
        Some(f64::min),
        IterationConfig::default().with_max_iterations(max_iterations),
    );
    reached(&result)
}

/// Connected components as a scatter-gather iteration (minimum label propagation over
/// both directions).
pub fn components_scatter_gather<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
) -> DataSet<'s, (K, K)> {
    graph
        .map_vertices(|v| v.0.clone())
        .run_scatter_gather(
            |_, label, neighbours, outbox| {
                outbox.extend(neighbours.iter().map(|(n, _)| (n.clone(), label.clone())));
            },
            |_, label, offers| offers.into_iter().min().filter(|m| m < label),
            IterationConfig::default().with_direction(EdgeDirection::All),
        )
        .vertices()
        .clone()
}

/// Connected components as a gather-sum-apply iteration (gather the neighbour's label,
/// sum by minimum, apply when smaller).
pub fn components_gather_sum_apply<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
) -> DataSet<'s, (K, K)> {
    graph
        .map_vertices(|v| v.0.clone())
        .run_gather_sum_apply(
            |label, _| label.clone(),
            std::cmp::min,
            |_, label, best| (best < *label).then_some(best),
            IterationConfig::default().with_direction(EdgeDirection::All),
        )
        .vertices()
        .clone()
}
