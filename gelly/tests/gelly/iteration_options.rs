//! Broadcast sets, aggregators and the superstep number inside the three iteration
//! models' functions (Gelly's iteration options), against hand-computed supersteps,
//! at 1, 2 and 3 workers.

use strom_core::RuntimeConfig;
use strom_dataset::{DataSet, Env, agg, execute};
use strom_gelly::Graph;
use strom_gelly::iteration::{IterationConfig, IterationOptions};

/// Vertices and the aggregator's value per superstep.
type Outcome<V, O> = (Vec<(u64, V)>, Vec<(u32, O)>);

/// The sorted vertices and the aggregator's history that `build` gives, at `workers`.
fn run<V: strom_dataset::Data + PartialOrd, O: strom_dataset::Data>(
    workers: usize,
    build: impl for<'s> Fn(&Env<'s>) -> (DataSet<'s, (u64, V)>, DataSet<'s, (u32, O)>)
    + Send
    + Sync
    + 'static,
) -> Outcome<V, O> {
    let (mut vertices, history) = execute(
        &RuntimeConfig::default().with_workers(workers),
        move |env| {
            let (vertices, history) = build(env);
            (vertices.collect(), history.collect())
        },
    )
    .unwrap()
    .unwrap();
    vertices.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (vertices, history)
}

#[test]
fn scatter_gather_counts_active_vertices_per_superstep() {
    // Hops from 1 along 1->2, 1->3, 2->4, 3->4, 4->5; 6 is only reached from nowhere.
    // Superstep 1: all six vertices scatter (only 1 sends), 2 and 3 update; 2: 2 and
    // 3 scatter, 4 updates; 3: 4 scatters, 5 updates; 4: 5 scatters, nothing is sent.
    for w in [1, 2, 3] {
        let (hops, active) = run(w, |env| {
            let edges =
                env.from_collection(vec![(1u64, 2u64), (1, 3), (2, 4), (3, 4), (4, 5), (6, 6)]);
            let graph =
                Graph::from_pairs(&edges).map_vertices(|v| if v.0 == 1 { 0 } else { u64::MAX });
            let options =
                IterationOptions::new(IterationConfig::default()).with_aggregator(agg::count());
            let (result, active) = graph.run_scatter_gather_with(
                options,
                |_, hops, neighbours, outbox, step| {
                    step.aggregate(());
                    if *hops < u64::MAX {
                        outbox.extend(neighbours.iter().map(|n| (n.0, hops + 1)));
                    }
                },
                |_, hops, messages, _| {
                    let best = messages.into_iter().min().expect("gathered with messages");
                    (best < *hops).then_some(best)
                },
            );
            (result.vertices().clone(), active)
        });
        assert_eq!(
            active,
            vec![(1, 6), (2, 2), (3, 1), (4, 1)],
            "at {w} workers"
        );
        let expected = vec![(1, 0), (2, 1), (3, 1), (4, 2), (5, 3), (6, u64::MAX)];
        assert_eq!(hops, expected, "at {w} workers");
    }
}

#[test]
fn vertex_centric_reads_broadcast_superstep_and_previous_aggregate() {
    // A path 1->2->3->4. Superstep 1: all four compute (aggregate 4); 1 takes the
    // broadcast 100 and sends it. Then each receiver takes message + previous
    // aggregate + superstep: 100 + 4 + 2 = 106, 106 + 1 + 3 = 110, 110 + 1 + 4 = 115.
    for w in [1, 2, 3] {
        let (values, computed) = run(w, |env| {
            let edges = env.from_collection(vec![(1u64, 2u64), (2, 3), (3, 4)]);
            let graph = Graph::from_pairs(&edges).map_vertices(|_| 0u64);
            let options = IterationOptions::new(IterationConfig::default())
                .with_broadcast(&env.from_collection(vec![100u64]))
                .with_aggregator(agg::sum(|x: &u64| *x));
            let (result, computed) = graph.run_vertex_centric_with(
                options,
                |id, _, messages, neighbours, outbox, step| {
                    step.aggregate(1);
                    let new = match (step.number(), messages.first()) {
                        (1, _) if *id == 1 => step.broadcast()[0],
                        (_, Some(m)) => {
                            m + step.previous_aggregate().unwrap() + u64::from(step.number())
                        }
                        _ => return None,
                    };
                    outbox.extend(neighbours.iter().map(|n| (n.0, new)));
                    Some(new)
                },
                None,
            );
            (result.vertices().clone(), computed)
        });
        assert_eq!(
            computed,
            vec![(1, 4), (2, 1), (3, 1), (4, 1)],
            "at {w} workers"
        );
        assert_eq!(
            values,
            vec![(1, 100), (2, 106), (3, 110), (4, 115)],
            "at {w} workers"
        );
    }
}

#[test]
fn gather_sum_apply_scales_by_a_broadcast_and_counts_updates() {
    // Shortest paths from 1 with weights times the broadcast 2: 1->2 (1), 1->3 (4),
    // 2->3 (1), 3->4 (1). Superstep 1: 2 gets 2, 3 gets 8 (two updates); 2: 3 gets 4,
    // 4 gets 10 (two); 3: 4 gets 6 (one); 4: 4 has no edges to gather along (none).
    for w in [1, 2, 3] {
        let (distances, updates) = run(w, |env| {
            let edges = env.from_collection(vec![
                (1u64, 2u64, 1.0),
                (1, 3, 4.0),
                (2, 3, 1.0),
                (3, 4, 1.0),
            ]);
            let graph = Graph::from_edges(&edges, |id| if *id == 1 { 0.0 } else { f64::INFINITY });
            let options = IterationOptions::new(IterationConfig::default())
                .with_broadcast(&env.from_collection(vec![2.0f64]))
                .with_aggregator(agg::count());
            let (result, updates) = graph.run_gather_sum_apply_with(
                options,
                |distance, weight, step| distance + weight * step.broadcast()[0],
                f64::min,
                |_, distance, candidate, step| {
                    (candidate < *distance).then(|| {
                        step.aggregate(());
                        candidate
                    })
                },
            );
            (result.vertices().clone(), updates)
        });
        assert_eq!(
            updates,
            vec![(1, 2), (2, 2), (3, 1), (4, 0)],
            "at {w} workers"
        );
        assert_eq!(
            distances,
            vec![(1, 0.0), (2, 2.0), (3, 4.0), (4, 6.0)],
            "at {w} workers"
        );
    }
}
