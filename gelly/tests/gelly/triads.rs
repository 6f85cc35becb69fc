//! The directed triad census against a hand-computed case and against networkx 3.4.2's
//! `triadic_census` (installed from PyPI into a venv by the test; skipped with a
//! message when PyPI cannot be reached) on a seeded random digraph with mutual edges,
//! duplicates and self-loops, at 1, 2 and 3 workers.

use strom_core::RuntimeConfig;
use strom_dataset::execute;
use strom_gelly::Graph;
use strom_gelly::triads::{DirectedTriadCensus, TRIAD_TYPES, directed_triadic_census};

use crate::support::{networkx_answers, xorshift};

/// The census of `edges` and the further vertices `extra` at `workers` workers.
fn census(workers: usize, edges: &[(u64, u64)], extra: &[u64]) -> DirectedTriadCensus {
    let (edges, extra) = (edges.to_vec(), extra.to_vec());
    let got = execute(
        &RuntimeConfig::default().with_workers(workers),
        move |env| {
            let e = env.from_collection(edges.clone()).map(|(a, b)| (a, b, ()));
            let graph = Graph::from_edges_and_ids(&e, &env.from_collection(extra.clone()), |_| ());
            directed_triadic_census(&graph).collect()
        },
    )
    .unwrap()
    .unwrap();
    assert_eq!(got.len(), 1, "one census record");
    got[0].clone()
}

#[test]
fn directed_triad_census_by_hand() {
    // 1 <-> 2 (twice from 1), 2 -> 3, 3 -> 1, 3 <-> 4, a self-loop on 4, 5 isolated.
    let edges = [
        (1, 2),
        (1, 2),
        (2, 1),
        (2, 3),
        (3, 1),
        (3, 4),
        (4, 3),
        (4, 4),
    ];
    // {1,2,3}: 1<->2, 2->3->1: 120C. {1,2,4}, {1,2,5}, {3,4,5}: one mutual dyad, 102.
    // {1,3,4}: 3<->4, 3->1 (3 sends): 111U. {2,3,4}: 3<->4, 2->3 (3 receives): 111D.
    // {1,3,5}, {2,3,5}: 012. {1,4,5}, {2,4,5}: 003.
    let expected = [
        ("003", 2),
        ("012", 2),
        ("102", 3),
        ("111D", 1),
        ("111U", 1),
        ("120C", 1),
    ];
    for w in [1, 2, 3] {
        let got = census(w, &edges, &[5]);
        for (name, count) in got.iter() {
            let want = expected.iter().find(|e| e.0 == name).map_or(0, |e| e.1);
            assert_eq!(count, want, "{name} at {w} workers");
        }
        assert_eq!(got.counts.iter().sum::<u128>(), 10);
    }
    // Fewer than three vertices: no triads, but a record.
    assert_eq!(census(2, &[(1, 2)], &[]).counts, [0; 16]);
}

#[test]
fn directed_triad_census_matches_networkx() {
    let mut next = xorshift(19);
    let mut edges: Vec<(u64, u64)> = (0..900).map(|_| (next() % 120, next() % 120)).collect();
    // Mutual dyads, duplicates and self-loops beside the random ones.
    let reversed: Vec<(u64, u64)> = edges.iter().step_by(4).map(|&(a, b)| (b, a)).collect();
    edges.extend(reversed);
    edges.extend([(7, 7), (8, 9), (8, 9), (200, 201)]);
    let Some(answers) = networkx_answers("triad_oracle.py", "gelly-triads", &edges) else {
        return;
    };
    let expected: Vec<(String, u128)> = answers
        .lines()
        .map(|l| {
            let (name, count) = l.split_once(' ').unwrap();
            (name.to_string(), count.parse().unwrap())
        })
        .collect();
    let names: Vec<&str> = expected.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(names, TRIAD_TYPES, "networkx's order");
    assert!(
        expected.iter().all(|e| e.1 > 0),
        "every type occurs: {expected:?}"
    );
    for w in [1, 2, 3] {
        let got: Vec<(String, u128)> = census(w, &edges, &[])
            .iter()
            .map(|(n, c)| (n.to_string(), c))
            .collect();
        assert_eq!(got, expected, "at {w} workers");
    }
}
