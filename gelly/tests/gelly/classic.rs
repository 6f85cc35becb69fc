//! PageRank and connected components against sequential references (a plain power
//! iteration, union-find) and a hand-computed case, at one and several workers, on
//! graphs with dangling vertices, self-loops, duplicate edges and isolated vertices.

use std::collections::{BTreeMap, BTreeSet};

use strom_core::RuntimeConfig;
use strom_dataset::execute;
use strom_gelly::components::connected_components;
use strom_gelly::pagerank::{pagerank, pagerank_to_tolerance};

const WORKERS: [usize; 2] = [1, 3];

/// A seeded random graph on `n` vertices with `m` edges (skewed toward low ids), plus
/// a self-loop, a duplicated edge, and isolated vertices listed separately.
fn graph(n: u64, m: usize, seed: u64) -> (Vec<(u64, u64)>, Vec<u64>) {
    let mut s = seed | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut edges: Vec<(u64, u64)> = (0..m)
        .map(|_| {
            let a = next() % n;
            let b = (next() % n) * (next() % n) / n;
            (a, b)
        })
        .collect();
    edges.extend([(3, 3), (4, 5), (4, 5)]);
    (edges, vec![n + 10, n + 11, 4])
}

/// Plain power iteration, as the job's definition states it.
fn reference_pagerank(
    edges: &[(u64, u64)],
    extra: &[u64],
    iterations: u32,
    d: f64,
) -> BTreeMap<u64, f64> {
    reference_pagerank_to(edges, extra, iterations, d, 0.0).0
}

/// Power iteration until the ranks change by less than `tolerance` in total; also the
/// number of rounds run.
fn reference_pagerank_to(
    edges: &[(u64, u64)],
    extra: &[u64],
    iterations: u32,
    d: f64,
    tolerance: f64,
) -> (BTreeMap<u64, f64>, u32) {
    let vertices: BTreeSet<u64> = edges
        .iter()
        .flat_map(|&(a, b)| [a, b])
        .chain(extra.iter().copied())
        .collect();
    let n = vertices.len() as f64;
    let mut degree: BTreeMap<u64, f64> = BTreeMap::new();
    for &(a, _) in edges {
        *degree.entry(a).or_default() += 1.0;
    }
    let mut rank: BTreeMap<u64, f64> = vertices.iter().map(|&v| (v, 1.0 / n)).collect();
    for round in 1..=iterations {
        let dangling: f64 = rank
            .iter()
            .filter(|(v, _)| !degree.contains_key(v))
            .map(|(_, r)| r)
            .sum();
        let mut next: BTreeMap<u64, f64> = vertices
            .iter()
            .map(|&v| (v, (1.0 - d) / n + d * dangling / n))
            .collect();
        for &(a, b) in edges {
            *next.get_mut(&b).expect("a vertex") += d * rank[&a] / degree[&a];
        }
        let change: f64 = next.iter().map(|(v, r)| (r - rank[v]).abs()).sum();
        rank = next;
        if change < tolerance {
            return (rank, round);
        }
    }
    (rank, iterations)
}

fn run_pagerank(
    workers: usize,
    edges: Vec<(u64, u64)>,
    extra: Vec<u64>,
    iterations: u32,
) -> Vec<(u64, f64)> {
    let mut got = execute(
        &RuntimeConfig::default().with_workers(workers),
        move |env| {
            let e = env.from_collection(edges.clone());
            let v = env.from_collection(extra.clone());
            pagerank(&e, &v, iterations, 0.85).collect()
        },
    )
    .unwrap()
    .unwrap();
    got.sort_by_key(|r| r.0);
    got
}

#[test]
fn pagerank_by_hand() {
    // 1 -> 2, and 2 dangling: after one round 1 has 0.15/2 + 0.85 * 0.5/2, 2 has that
    // plus 0.85 * 0.5.
    for w in WORKERS {
        let got = run_pagerank(w, vec![(1, 2)], vec![], 1);
        assert_eq!(got.len(), 2);
        assert!((got[0].1 - 0.2875).abs() < 1e-12, "{got:?}");
        assert!((got[1].1 - 0.7125).abs() < 1e-12, "{got:?}");
    }
}

#[test]
fn pagerank_matches_power_iteration() {
    let (edges, extra) = graph(400, 1500, 7);
    let expected = reference_pagerank(&edges, &extra, 10, 0.85);
    assert!((expected.values().sum::<f64>() - 1.0).abs() < 1e-9);
    for w in WORKERS {
        let got = run_pagerank(w, edges.clone(), extra.clone(), 10);
        let got: BTreeMap<u64, f64> = got.into_iter().collect();
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>()
        );
        for (v, r) in &expected {
            assert!((got[v] - r).abs() < 1e-12, "vertex {v}: {} vs {r}", got[v]);
        }
    }
    // Empty graph, and a graph of isolated vertices.
    assert!(run_pagerank(2, vec![], vec![], 10).is_empty());
    let lonely = run_pagerank(2, vec![], vec![1, 2, 3, 4], 10);
    assert!(lonely.iter().all(|&(_, r)| (r - 0.25).abs() < 1e-12));
}

#[test]
fn pagerank_stops_at_the_tolerance_as_power_iteration() {
    let (edges, extra) = graph(300, 1200, 11);
    let (expected, rounds) = reference_pagerank_to(&edges, &extra, 100, 0.85, 1e-4);
    assert!(
        rounds > 2 && rounds < 100,
        "the tolerance ends it ({rounds} rounds)"
    );
    let one_more = reference_pagerank(&edges, &extra, rounds + 1, 0.85);
    for w in WORKERS {
        let (e, x) = (edges.clone(), extra.clone());
        let got = execute(&RuntimeConfig::default().with_workers(w), move |env| {
            let edges = env.from_collection(e.clone());
            let vertices = env.from_collection(x.clone());
            pagerank_to_tolerance(&edges, &vertices, 100, 0.85, 1e-4).collect()
        })
        .unwrap()
        .unwrap();
        let got: BTreeMap<u64, f64> = got.into_iter().collect();
        assert_eq!(got.len(), expected.len());
        for (v, r) in &expected {
            assert!((got[v] - r).abs() < 1e-12, "workers {w}, vertex {v}");
        }
        assert!(
            got.iter().any(|(v, r)| (r - one_more[v]).abs() > 1e-9),
            "stopped at round {rounds}, not later"
        );
    }
}

/// Union-find: each vertex's smallest reachable id.
fn reference_components(edges: &[(u64, u64)], extra: &[u64]) -> Vec<(u64, u64)> {
    let mut parent: BTreeMap<u64, u64> = edges
        .iter()
        .flat_map(|&(a, b)| [a, b])
        .chain(extra.iter().copied())
        .map(|v| (v, v))
        .collect();
    fn root(p: &BTreeMap<u64, u64>, mut v: u64) -> u64 {
        while p[&v] != v {
            v = p[&v];
        }
        v
    }
    for &(a, b) in edges {
        let (ra, rb) = (root(&parent, a), root(&parent, b));
        parent.insert(ra.max(rb), ra.min(rb));
    }
    let vertices: Vec<u64> = parent.keys().copied().collect();
    vertices
        .into_iter()
        .map(|v| (v, root(&parent, v)))
        .collect()
}

#[test]
fn components_match_union_find() {
    let (edges, extra) = graph(3000, 2000, 11);
    let expected = reference_components(&edges, &extra);
    let count = expected.iter().map(|c| c.1).collect::<BTreeSet<_>>().len();
    assert!(count > 100, "many components: {count}");
    for w in WORKERS {
        let (e, x) = (edges.clone(), extra.clone());
        let mut got = execute(&RuntimeConfig::default().with_workers(w), move |env| {
            let edges = env.from_collection(e.clone());
            let extra = env.from_collection(x.clone());
            connected_components(&edges, &extra).collect()
        })
        .unwrap()
        .unwrap();
        got.sort();
        assert_eq!(got, expected, "workers {w}");
    }
}
