//! Triangles, clustering coefficients, Jaccard and Adamic-Adar against networkx 3.4.2
//! (installed from PyPI into a venv by the test; skipped with a message when PyPI
//! cannot be reached) on a seeded random graph with both directions of some edges,
//! duplicates and self-loops, and a hand-computed case, at one and several workers.

use std::collections::BTreeMap;

use strom_gelly::Graph;
use strom_gelly::metrics::{GraphMetrics, graph_metrics, triadic_census};
use strom_gelly::similarity::{
    adamic_adar, jaccard, local_clustering_coefficient, triangle_count, triangle_listing,
};

use crate::support::{WORKERS, check, networkx_answers, run, xorshift};

#[test]
fn triangles_by_hand() {
    // A square 1-2-3-4 with the diagonal 1-3 (given twice and reversed), a self-loop
    // and a pendant 5: triangles 1-2-3 and 1-3-4.
    let edges = || {
        vec![
            (1u64, 2u64),
            (2, 3),
            (3, 4),
            (4, 1),
            (1, 3),
            (3, 1),
            (2, 2),
            (4, 5),
        ]
    };
    check(vec![(1u64, 2u64, 3u64), (1, 3, 4)], move |env| {
        triangle_listing(&Graph::from_pairs(&env.from_collection(edges())))
    });
    check(
        vec![(1u64, 2u64), (2, 1), (3, 2), (4, 1), (5, 0)],
        move |env| triangle_count(&Graph::from_pairs(&env.from_collection(edges()))),
    );
    // 2 has neighbours 1, 3 (joined): 1; 4 has 1, 3, 5: 1 of 3 pairs.
    let lcc = run(2, move |env| {
        local_clustering_coefficient(&Graph::from_pairs(&env.from_collection(edges())))
            .map(|(v, c)| (v, (c * 1e6).round() as u64))
    });
    assert_eq!(
        lcc,
        vec![
            (1, 666_667),
            (2, 1_000_000),
            (3, 666_667),
            (4, 333_333),
            (5, 0)
        ]
    );
    // Degrees 3, 2, 3, 3, 1; triplets 3 + 1 + 3 + 3; local 2/3, 1, 2/3, 1/3, 0.
    let expected = GraphMetrics {
        vertices: 5,
        edges: 6,
        average_degree: 2.4,
        max_degree: 3,
        triangles: 2,
        triplets: 10,
        global_clustering: 0.6,
        average_clustering: 8.0 / 15.0,
    };
    for w in WORKERS {
        let got = strom_dataset::execute(
            &strom_core::RuntimeConfig::default().with_workers(w),
            move |env| graph_metrics(&Graph::from_pairs(&env.from_collection(edges()))).collect(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(got.len(), 1);
        let m = &got[0];
        let counts =
            |m: &GraphMetrics| (m.vertices, m.edges, m.max_degree, m.triangles, m.triplets);
        assert_eq!(counts(m), counts(&expected));
        for (x, y) in [
            (m.average_degree, expected.average_degree),
            (m.global_clustering, expected.global_clustering),
            (m.average_clustering, expected.average_clustering),
        ] {
            assert!((x - y).abs() < 1e-12, "{m:?}");
        }
    }
    // An empty graph has zeros, not nothing.
    let empty = strom_dataset::execute(
        &strom_core::RuntimeConfig::default().with_workers(2),
        |env| graph_metrics(&Graph::<u64, (), ()>::from_collections(env, vec![], vec![])).collect(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(empty.len(), 1);
    assert_eq!((empty[0].vertices, empty[0].average_clustering), (0, 0.0));
}

#[test]
fn similarity_matches_networkx() {
    let mut next = xorshift(77);
    let mut edges: Vec<(u64, u64)> = (0..700).map(|_| (next() % 150, next() % 150)).collect();
    edges.extend([(3, 3), (4, 5), (5, 4), (4, 5)]);
    let Some(answers) = networkx_answers("oracle.py", "gelly-similarity", &edges) else {
        return;
    };
    let mut triangles = Vec::new();
    let mut clustering = BTreeMap::new();
    let (mut jac, mut aa) = (BTreeMap::new(), BTreeMap::new());
    let mut metrics: BTreeMap<String, f64> = BTreeMap::new();
    for line in answers.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        let id = |i: usize| f[i].parse::<u64>().unwrap();
        match f[0] {
            "T" => triangles.push((id(1), id(2))),
            "C" => drop(clustering.insert(id(1), f[2].parse::<f64>().unwrap())),
            "M" => drop(metrics.insert(f[1].to_string(), f[2].parse::<f64>().unwrap())),
            "J" => drop(jac.insert((id(1), id(2)), f[3].parse::<f64>().unwrap())),
            _ => drop(aa.insert((id(1), id(2)), f[3].parse::<f64>().unwrap())),
        }
    }
    triangles.sort();
    assert!(
        triangles.iter().map(|t| t.1).sum::<u64>() > 30,
        "enough triangles"
    );
    let e = edges.clone();
    check(triangles, move |env| {
        triangle_count(&Graph::from_pairs(&env.from_collection(e.clone())))
    });
    let close = |got: Vec<(u64, u64, u64)>, expected: &BTreeMap<(u64, u64), f64>| {
        assert_eq!(got.len(), expected.len());
        for (u, v, x) in got {
            let x = f64::from_bits(x);
            assert!((x - expected[&(u, v)]).abs() < 1e-9, "{u},{v}: {x}");
        }
    };
    for w in WORKERS {
        let e = edges.clone();
        let got = run(w, move |env| {
            local_clustering_coefficient(&Graph::from_pairs(&env.from_collection(e.clone())))
                .map(|(v, c)| (v, c.to_bits()))
        });
        assert_eq!(got.len(), clustering.len());
        for (v, c) in got {
            assert!(
                (f64::from_bits(c) - clustering[&v]).abs() < 1e-9,
                "vertex {v}"
            );
        }
        let e = edges.clone();
        close(
            run(w, move |env| {
                jaccard(&Graph::from_pairs(&env.from_collection(e.clone())))
                    .map(|(u, v, s)| (u, v, s.to_bits()))
            }),
            &jac,
        );
        let e = edges.clone();
        let got = strom_dataset::execute(
            &strom_core::RuntimeConfig::default().with_workers(w),
            move |env| graph_metrics(&Graph::from_pairs(&env.from_collection(e.clone()))).collect(),
        )
        .unwrap()
        .unwrap();
        let m = &got[0];
        assert_eq!(m.vertices as f64, metrics["vertices"]);
        assert_eq!(m.edges as f64, metrics["edges"]);
        assert_eq!(m.max_degree as f64, metrics["max_degree"]);
        assert_eq!(m.triangles as f64, metrics["triangles"]);
        assert_eq!(m.triplets as f64, metrics["triplets"]);
        assert!((m.global_clustering - metrics["global_clustering"]).abs() < 1e-9);
        assert!((m.average_clustering - metrics["average_clustering"]).abs() < 1e-9);
        let e = edges.clone();
        let census = strom_dataset::execute(
            &strom_core::RuntimeConfig::default().with_workers(w),
            move |env| {
                triadic_census(&Graph::from_pairs(&env.from_collection(e.clone()))).collect()
            },
        )
        .unwrap()
        .unwrap();
        let c = &census[0];
        let counts = [c.empty, c.one_edge, c.two_edges, c.triangles].map(|x| x as f64);
        let expected = ["triad_003", "triad_102", "triad_201", "triad_300"].map(|k| metrics[k]);
        assert_eq!(counts, expected, "triad census at {w} workers");
        let e = edges.clone();
        close(
            run(w, move |env| {
                adamic_adar(&Graph::from_pairs(&env.from_collection(e.clone())))
                    .map(|(u, v, s)| (u, v, s.to_bits()))
            }),
            &aa,
        );
    }
}
