//! Graph summarization, bipartite projections and degrees in vertex values against
//! hand-computed cases, at one and several workers.

use strom_gelly::Graph;
use strom_gelly::bipartite::BipartiteGraph;
use strom_gelly::iteration::IterationConfig;
use strom_gelly::summarization::summarize;

use crate::support::check;

fn summary_input<'s>(env: &strom_dataset::Env<'s>) -> Graph<'s, u64, char, char> {
    let vertices = vec![(1u64, 'x'), (2, 'x'), (3, 'y'), (4, 'y'), (5, 'z')];
    let edges = vec![
        (1, 3, 'a'),
        (2, 3, 'a'),
        (2, 4, 'b'),
        (3, 1, 'a'),
        (1, 2, 'a'),
        (5, 5, 'c'),
    ];
    Graph::from_collections(env, vertices, edges)
}

#[test]
fn summarization_by_hand() {
    // Groups x = {1, 2}, y = {3, 4}, z = {5}, represented by 1, 3 and 5.
    check(vec![(1, ('x', 2)), (3, ('y', 2)), (5, ('z', 1))], |env| {
        summarize(&summary_input(env)).vertices().clone()
    });
    // 1->3 and 2->3 (a) merge; 2->4 (b) stays apart by value; 1->2 is inside group x.
    check(
        vec![
            (1, 3, ('a', 2)),
            (1, 3, ('b', 1)),
            (3, 1, ('a', 1)),
            (1, 1, ('a', 1)),
            (5, 5, ('c', 1)),
        ],
        |env| summarize(&summary_input(env)).edges().clone(),
    );
}

fn bipartite<'s>(env: &strom_dataset::Env<'s>) -> BipartiteGraph<'s, char, u64, (), (), u32> {
    // Top a, b, c, d; bottom 1, 2; d has no edge.
    let top = env.from_collection(vec![('a', ()), ('b', ()), ('c', ()), ('d', ())]);
    let bottom = env.from_collection(vec![(1u64, ()), (2, ())]);
    let edges = env.from_collection(vec![
        ('a', 1u64, 10u32),
        ('b', 1, 20),
        ('b', 2, 30),
        ('c', 2, 40),
    ]);
    BipartiteGraph::from_data_sets(&top, &bottom, &edges)
}

#[test]
fn bipartite_projections_by_hand() {
    check(
        vec![
            ('a', 'b', (1, 10, 20)),
            ('b', 'a', (1, 20, 10)),
            ('b', 'c', (2, 30, 40)),
            ('c', 'b', (2, 40, 30)),
        ],
        |env| bipartite(env).projection_top().edges().clone(),
    );
    check(vec![('a', ()), ('b', ()), ('c', ()), ('d', ())], |env| {
        bipartite(env).projection_top().vertices().clone()
    });
    check(vec![(1, 2, ('b', 20, 30)), (2, 1, ('b', 30, 20))], |env| {
        bipartite(env).projection_bottom().edges().clone()
    });
}

/// 1 -> 2, 1 -> 3, 2 -> 3, 3 -> 3 (a self-loop), 4 alone; values 0 and the degrees.
fn with_degrees<'s>(env: &strom_dataset::Env<'s>) -> Graph<'s, u64, (f64, u64, u64), ()> {
    let edges = vec![(1u64, 2u64, ()), (1, 3, ()), (2, 3, ()), (3, 3, ())];
    let vertices = vec![(1, 0.0), (2, 0.0), (3, 0.0), (4, 0.0)];
    Graph::from_collections(env, vertices, edges).with_degrees()
}

#[test]
fn degrees_in_vertex_values_reach_the_iteration() {
    check(
        vec![
            (1, (0, 0, 2)),
            (2, (0, 1, 1)),
            (3, (0, 3, 1)),
            (4, (0, 0, 0)),
        ],
        move |env| {
            with_degrees(env)
                .vertices()
                .map(|(k, (v, i, o))| (k, (v as u64, i, o)))
        },
    );
    // One superstep: every vertex sends 1/out-degree along its out-edges; a vertex
    // keeps the sum it receives. 2 gets 1/2; 3 gets 1/2 + 1 + 1 (its self-loop).
    check(vec![(1, 0), (2, 50), (3, 250), (4, 0)], move |env| {
        with_degrees(env)
            .run_scatter_gather(
                |_, (_, _, out), neighbours, outbox| {
                    let share = 1.0 / *out as f64;
                    outbox.extend(neighbours.iter().map(|(n, ())| (*n, share)));
                },
                |_, (v, i, o), shares: Vec<f64>| Some((v + shares.iter().sum::<f64>(), *i, *o)),
                IterationConfig::default().with_max_iterations(1),
            )
            .vertices()
            .map(|(k, (v, _, _))| (k, (v * 100.0).round() as u64))
    });
}
