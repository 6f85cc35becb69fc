//! Label propagation and community detection against hand-computed cases (networkx
//! has neither with these rules; `cli/tests/cli/graph_algorithms.rs` also checks both
//! on two real graphs against a Python transcription of their definitions).

use strom_dataset::{DataSet, Env};
use strom_gelly::Graph;
use strom_gelly::community::{community_detection, label_propagation};

use crate::support::check;

/// Label propagation for at most `rounds` on two triangles {1, 2, 3} and {4, 5, 6}
/// bridged by 3 - 4, both directions, and an isolated vertex 9, labelled by id.
fn bridged_labels<'s>(env: &Env<'s>, rounds: u32) -> DataSet<'s, (u64, u64)> {
    let one_way = [(1u64, 2u64), (1, 3), (2, 3), (4, 5), (4, 6), (5, 6), (3, 4)];
    let both: Vec<_> = one_way
        .iter()
        .flat_map(|&(a, b)| [(a, b, ()), (b, a, ())])
        .collect();
    let extra = env.from_collection(vec![9u64]);
    let graph = Graph::from_edges_and_ids(&env.from_collection(both), &extra, |k| *k);
    label_propagation(&graph, rounds)
}

#[test]
fn label_propagation_by_hand() {
    // Round 1: 1 -> 3, 2 -> 3, 3 -> 4, 4 -> 6, 5 -> 6, 6 -> 5 (ties to the greatest);
    // round 2: 1 -> 4, 2 -> 4, 3 -> 3, 4 -> 6, 5 -> 6, 6 -> 6; round 3: 3 -> 4; then
    // nothing changes.
    check(
        vec![(1, 4), (2, 4), (3, 4), (4, 6), (5, 6), (6, 6), (9, 9)],
        |env| bridged_labels(env, 100),
    );
    // Labels move along edges: 2 takes 1's label, 1 has no in-edges and keeps its own;
    // labels need not be ids.
    check(vec![(1, 'x'), (2, 'x'), (3, 'x')], |env| {
        let vertices = vec![(1u64, 'x'), (2, 'b'), (3, 'c')];
        let graph = Graph::from_collections(env, vertices, vec![(1, 2, ()), (2, 3, ())]);
        label_propagation(&graph, 10)
    });
    // A single round at most.
    check(
        vec![(1, 3), (2, 3), (3, 4), (4, 6), (5, 6), (6, 5), (9, 9)],
        |env| bridged_labels(env, 1),
    );
}

#[test]
fn community_detection_by_hand() {
    // A star with centre 0 and leaves 1, 2, 3 weighted 1, 1, 5, delta 0.5.
    // Superstep 1: the centre sums label 3 to 5 (above 1 and 1) and scores 5 - 0.5;
    // every leaf takes 0. Superstep 2: the centre gets label 0 from every leaf (sum
    // 0.5 + 0.5 + 22.5) and the leaves label 3.
    check(vec![(0, 3), (1, 0), (2, 0), (3, 0)], move |env| {
        star_communities(env, 1)
    });
    check(vec![(0, 0), (1, 3), (2, 3), (3, 3)], move |env| {
        star_communities(env, 2)
    });
    // Unweighted ties go to the smallest label: on the path 1 - 2 - 3 the labels swap
    // every superstep.
    check(vec![(1, 2), (2, 1), (3, 2)], move |env| {
        path_communities(env, 1)
    });
    check(vec![(1, 1), (2, 2), (3, 1)], move |env| {
        path_communities(env, 2)
    });
    check(vec![(1, 2), (2, 1), (3, 2)], move |env| {
        path_communities(env, 3)
    });
}

/// A star with centre 0 and leaves 1, 2, 3 weighted 1, 1, 5, after `supersteps`.
fn star_communities<'s>(env: &Env<'s>, supersteps: u32) -> DataSet<'s, (u64, u64)> {
    let edges = env.from_collection(vec![(0u64, 1u64, 1.0), (0, 2, 1.0), (3, 0, 5.0)]);
    community_detection(&Graph::from_edges(&edges, |k| *k), supersteps, 0.5)
}

/// The path 1 - 2 - 3, unweighted, after `supersteps`.
fn path_communities<'s>(env: &Env<'s>, supersteps: u32) -> DataSet<'s, (u64, u64)> {
    let edges = env.from_collection(vec![(1u64, 2u64, 1.0), (2, 3, 1.0)]);
    community_detection(&Graph::from_edges(&edges, |k| *k), supersteps, 0.5)
}
