//! PageRank (power iteration and gather-sum-apply) and HITS on a [`Graph`] against
//! networkx's pure-Python PageRank and HITS (`link_oracle.py`), and by hand.

use std::collections::BTreeMap;

use strom_gelly::Graph;
use strom_gelly::link_analysis::{Rounds, hits, pagerank, pagerank_gather_sum_apply};

use crate::support::{WORKERS, networkx_answers, run, xorshift};

/// Asserts `got` has the vertices of `expected`, each value within 1e-9.
fn assert_close(what: &str, got: &[(u64, f64)], expected: &BTreeMap<u64, f64>) {
    assert_eq!(got.len(), expected.len(), "{what}: vertices");
    for (v, x) in got {
        let y = expected[v];
        assert!((x - y).abs() < 1e-9, "{what}: vertex {v}: {x} vs {y}");
    }
}

/// `(vertex, bits)` so that float results sort and compare exactly in `run`.
fn bits(v: Vec<(u64, u64)>) -> Vec<(u64, f64)> {
    v.into_iter().map(|(k, x)| (k, f64::from_bits(x))).collect()
}

const CONVERGED: Rounds = Rounds::Converge {
    tolerance: 1e-13,
    max: 1000,
};

#[test]
fn two_cycle_and_dangling_by_hand() {
    // 1 <-> 2 share rank evenly; with 3 -> 1 added, 3 only gets the teleport and
    // 1 gets 3's rank on top: r3 = 0.05, r1 + r2 = 0.95, r1 = 0.05 + 0.85 * (r2 + r3).
    for w in WORKERS {
        let got = bits(run(w, |env| {
            let edges = env.from_collection(vec![(1u64, 2u64), (2, 1), (3, 1)]);
            pagerank(&Graph::from_pairs(&edges), 0.85, CONVERGED).map(|(k, r)| (k, r.to_bits()))
        }));
        let r2 = (0.95 - 0.05 - 0.85 * 0.05) / 1.85;
        let expected = BTreeMap::from([(1, 0.95 - r2), (2, r2), (3, 0.05)]);
        assert_close("pagerank by hand", &got, &expected);
    }
}

#[test]
fn pagerank_and_hits_match_networkx() {
    let mut next = xorshift(4242);
    // Skewed targets, a self-loop, sinks (ids above 100 only receive) and duplicates.
    let mut edges: Vec<(u64, u64)> = (0..500)
        .map(|_| (next() % 100, (next() % 120) * (next() % 120) / 120))
        .collect();
    edges.extend([(5, 5), (7, 8), (7, 8)]);
    let Some(answers) = networkx_answers("link_oracle.py", "gelly-link-analysis", &edges) else {
        return;
    };
    let (mut ranks, mut hubs, mut authorities) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for line in answers.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        let v: u64 = f[1].parse().unwrap();
        if f[0] == "P" {
            ranks.insert(v, f[2].parse::<f64>().unwrap());
        } else {
            hubs.insert(v, f[2].parse::<f64>().unwrap());
            authorities.insert(v, f[3].parse::<f64>().unwrap());
        }
    }
    // HITS counts each (source, target) once, as networkx's DiGraph does.
    let mut simple = edges.clone();
    simple.sort();
    simple.dedup();
    for w in WORKERS {
        let e = edges.clone();
        let got = bits(run(w, move |env| {
            let graph = Graph::from_pairs(&env.from_collection(e.clone()));
            pagerank(&graph, 0.85, CONVERGED).map(|(k, r)| (k, r.to_bits()))
        }));
        assert_close(&format!("pagerank at {w} workers"), &got, &ranks);
        let e = simple.clone();
        let got = run(w, move |env| {
            let graph = Graph::from_pairs(&env.from_collection(e.clone()));
            hits(&graph, CONVERGED).map(|(k, h, a)| (k, h.to_bits(), a.to_bits()))
        });
        let hub: Vec<(u64, f64)> = got.iter().map(|x| (x.0, f64::from_bits(x.1))).collect();
        let auth: Vec<(u64, f64)> = got.iter().map(|x| (x.0, f64::from_bits(x.2))).collect();
        assert_close(&format!("hubs at {w} workers"), &hub, &hubs);
        assert_close(&format!("authorities at {w} workers"), &auth, &authorities);
    }
}

#[test]
fn gather_sum_apply_pagerank_equals_power_iteration_without_sinks() {
    // A ring through every vertex (so none is a sink) plus seeded chords.
    let mut s = 99u64;
    let mut edges: Vec<(u64, u64)> = (0..60).map(|v| (v, (v + 1) % 60)).collect();
    for _ in 0..200 {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        edges.push(((s >> 33) % 60, (s >> 13) % 60));
    }
    for w in WORKERS {
        let e = edges.clone();
        let power = bits(run(w, move |env| {
            let graph = Graph::from_pairs(&env.from_collection(e.clone()));
            pagerank(&graph, 0.85, Rounds::Fixed(40)).map(|(k, r)| (k, r.to_bits()))
        }));
        let e = edges.clone();
        let gsa = bits(run(w, move |env| {
            let graph = Graph::from_pairs(&env.from_collection(e.clone()));
            pagerank_gather_sum_apply(&graph, 0.85, 40).map(|(k, r)| (k, r.to_bits()))
        }));
        let expected: BTreeMap<u64, f64> = power.into_iter().collect();
        assert_close(&format!("gather-sum-apply at {w} workers"), &gsa, &expected);
    }
    // With a sink its rank is lost, as in Gelly's GSAPageRank: 2 -> 1 only, N = 2:
    // r1 = 0.075 + 0.85 * r2, r2 = 0.075 after the first superstep.
    let got = bits(run(2, |env| {
        let graph = Graph::from_pairs(&env.from_collection(vec![(2u64, 1u64)]));
        pagerank_gather_sum_apply(&graph, 0.85, 5).map(|(k, r)| (k, r.to_bits()))
    }));
    let expected = BTreeMap::from([(1, 0.075 + 0.85 * 0.075), (2, 0.075)]);
    assert_close("gather-sum-apply with a sink", &got, &expected);
}
