//! Shortest paths and connected components on the three iteration models, against
//! Dijkstra's algorithm and union-find (sequential references) on a seeded random
//! graph, and a hand-computed case with string ids, at one and several workers.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use strom_core::RuntimeConfig;
use strom_dataset::{DataSet, Env, execute_with_metrics};
use strom_gelly::Graph;
use strom_gelly::library::{
    components_gather_sum_apply, components_scatter_gather, sssp_gather_sum_apply,
    sssp_scatter_gather, sssp_vertex_centric,
};

use crate::support::{WORKERS, check, run};

/// A seeded random weighted graph on `n` vertices, with self-loops, duplicate edges
/// (of other weights) and isolated vertices.
fn weighted(n: u64, m: usize, seed: u64) -> Vec<(u64, u64, f64)> {
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut edges: Vec<(u64, u64, f64)> = (0..m)
        .map(|_| (next() % n, next() % n, (next() % 1000) as f64 / 100.0))
        .collect();
    edges.extend([(0, 0, 1.0), (0, 1, 50.0), (0, 1, 0.25)]);
    edges
}

fn dijkstra(edges: &[(u64, u64, f64)], source: u64) -> Vec<(u64, u64)> {
    let mut out: BTreeMap<u64, Vec<(u64, f64)>> = BTreeMap::new();
    for &(a, b, w) in edges {
        out.entry(a).or_default().push((b, w));
    }
    let mut dist: BTreeMap<u64, f64> = BTreeMap::new();
    let mut heap = BinaryHeap::from([(std::cmp::Reverse(0u64), source)]);
    // Weights are multiples of 0.01: distances in hundredths are exact integers.
    while let Some((std::cmp::Reverse(d), v)) = heap.pop() {
        if dist.contains_key(&v) {
            continue;
        }
        dist.insert(v, d as f64);
        for &(n, w) in out.get(&v).into_iter().flatten() {
            if !dist.contains_key(&n) {
                heap.push((std::cmp::Reverse(d + (w * 100.0).round() as u64), n));
            }
        }
    }
    dist.into_iter().map(|(v, d)| (v, d as u64)).collect()
}

/// Distances in hundredths, rounded, to compare with the reference exactly.
fn hundredths(d: Vec<(u64, f64)>) -> Vec<(u64, u64)> {
    d.into_iter()
        .map(|(v, d)| (v, (d * 100.0).round() as u64))
        .collect()
}

#[test]
fn shortest_paths_match_dijkstra_in_every_model() {
    let edges = weighted(300, 900, 5);
    let expected = dijkstra(&edges, 0);
    assert!(
        expected.len() > 100 && expected.len() < 300,
        "{}",
        expected.len()
    );
    for w in WORKERS {
        for model in 0..3 {
            let e = edges.clone();
            let got = run(w, move |env| {
                let graph = Graph::from_edges(&env.from_collection(e.clone()), |_| ());
                let d = match model {
                    0 => sssp_scatter_gather(&graph, 0, 1000),
                    1 => sssp_gather_sum_apply(&graph, 0, 1000),
                    _ => sssp_vertex_centric(&graph, 0, 1000),
                };
                d.map(|(v, d)| (v, d.to_bits()))
            });
            let got = hundredths(
                got.into_iter()
                    .map(|(v, d)| (v, f64::from_bits(d)))
                    .collect(),
            );
            assert_eq!(got, expected, "model {model} at {w} workers");
        }
    }
}

#[test]
fn shortest_paths_by_hand() {
    // s -1-> a -1-> b, s -5-> b, b -1-> c, d unreachable; two supersteps' limit
    // stops the scatter-gather before c is reached through the short path.
    let edges = || {
        [
            ("s", "a", 1.0),
            ("a", "b", 1.0),
            ("s", "b", 5.0),
            ("b", "c", 1.0),
            ("d", "s", 1.0),
        ]
        .iter()
        .map(|(a, b, w)| (a.to_string(), b.to_string(), *w))
        .collect::<Vec<_>>()
    };
    let expected = vec![
        ("a".to_string(), 1u64),
        ("b".into(), 2),
        ("c".into(), 3),
        ("s".into(), 0),
    ];
    check(expected.clone(), move |env| {
        let g = Graph::from_edges(&env.from_collection(edges()), |_| ());
        sssp_gather_sum_apply(&g, "s".to_string(), 100).map(|(v, d)| (v, d as u64))
    });
    check(expected, move |env| {
        let g = Graph::from_edges(&env.from_collection(edges()), |_| ());
        sssp_vertex_centric(&g, "s".to_string(), 100).map(|(v, d)| (v, d as u64))
    });
    let limited = vec![("a".to_string(), 1u64), ("b".into(), 5), ("s".into(), 0)];
    check(limited, move |env| {
        let g = Graph::from_edges(&env.from_collection(edges()), |_| ());
        sssp_scatter_gather(&g, "s".to_string(), 1).map(|(v, d)| (v, d as u64))
    });
}

/// Union-find: each vertex's smallest reachable id.
fn union_find(edges: &[(u64, u64, f64)], extra: &[u64]) -> Vec<(u64, u64)> {
    let vertices: BTreeSet<u64> = edges
        .iter()
        .flat_map(|e| [e.0, e.1])
        .chain(extra.iter().copied())
        .collect();
    let mut parent: BTreeMap<u64, u64> = vertices.iter().map(|&v| (v, v)).collect();
    fn root(p: &BTreeMap<u64, u64>, mut v: u64) -> u64 {
        while p[&v] != v {
            v = p[&v];
        }
        v
    }
    for e in edges {
        let (a, b) = (root(&parent, e.0), root(&parent, e.1));
        parent.insert(a.max(b), a.min(b));
    }
    vertices.iter().map(|&v| (v, root(&parent, v))).collect()
}

/// Components of `edges` on scatter-gather or (`gsa`) gather-sum-apply.
fn components_job(
    edges: Vec<(u64, u64, f64)>,
    gsa: bool,
) -> impl for<'s> Fn(&Env<'s>) -> DataSet<'s, (u64, u64)> + Clone + Send + Sync + 'static {
    move |env| {
        let graph = Graph::from_edges(&env.from_collection(edges.clone()), |_| ());
        if gsa {
            components_gather_sum_apply(&graph)
        } else {
            components_scatter_gather(&graph)
        }
    }
}

/// Components under a memory limit a tenth of the graph's edges: the models' static
/// joins keep the adjacency on disk (spilled partitions), and the labels equal
/// union-find's and the unlimited run's.
#[test]
fn components_with_the_edges_ten_times_the_memory_limit() {
    let edges = weighted(3000, 6000, 17);
    let expected = union_find(&edges, &[]);
    // Each edge is held both ways, each at least its two ids and its weight.
    let limit = edges.len() as u64 * 2 * 24 / 10;
    for gsa in [false, true] {
        for w in WORKERS {
            let job = components_job(edges.clone(), gsa);
            let unlimited = run(w, job.clone());
            assert_eq!(unlimited, expected, "gsa {gsa}, workers {w}");
            let limited = RuntimeConfig::default()
                .with_workers(w)
                .with_memory_limit(limit);
            let (got, metrics) =
                execute_with_metrics(&limited, move |env| job(env).collect()).unwrap();
            let mut got = got.unwrap();
            got.sort();
            assert!(metrics.spilled_partitions > 0, "gsa {gsa}: {metrics:?}");
            assert_eq!(got, unlimited, "under a limit, gsa {gsa}, workers {w}");
        }
    }
}

#[test]
fn components_match_union_find_in_both_models() {
    let edges = weighted(2000, 1200, 9);
    let extra = vec![5000, 5001];
    let expected = union_find(&edges, &extra);
    for gsa in [false, true] {
        let (e, x) = (edges.clone(), extra.clone());
        check(expected.clone(), move |env| {
            let graph = Graph::from_edges_and_ids(
                &env.from_collection(e.clone()),
                &env.from_collection(x.clone()),
                |_| (),
            );
            if gsa {
                components_gather_sum_apply(&graph)
            } else {
                components_scatter_gather(&graph)
            }
        });
    }
}

#[test]
fn vertex_centric_with_and_without_a_combiner() {
    // Superstep 1: every vertex sends its value to its out-neighbours; superstep 2:
    // each vertex receiving messages takes their sum (and sends nothing).
    // a=1, b=10, c=100; a->b, a->c, b->c, c->c, a->c.
    for combiner in [None, Some(std::ops::Add::add as fn(i64, i64) -> i64)] {
        check(
            vec![("a".to_string(), 1), ("b".into(), 1), ("c".into(), 112)],
            move |env| {
                let vertices = vec![("a".to_string(), 1i64), ("b".into(), 10), ("c".into(), 100)];
                let edges = [("a", "b"), ("a", "c"), ("b", "c"), ("c", "c"), ("a", "c")]
                    .iter()
                    .map(|(x, y)| (x.to_string(), y.to_string(), ()))
                    .collect();
                Graph::from_collections(env, vertices, edges)
                    .run_vertex_centric(
                        |_, value, messages: &[i64], neighbours, outbox| {
                            if messages.is_empty() {
                                outbox.extend(neighbours.iter().map(|(n, _)| (n.clone(), *value)));
                                None
                            } else {
                                Some(messages.iter().sum())
                            }
                        },
                        combiner,
                        strom_gelly::iteration::IterationConfig::default(),
                    )
                    .vertices()
                    .clone()
            },
        );
    }
}
