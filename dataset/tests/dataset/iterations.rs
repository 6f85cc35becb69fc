//! Bulk and delta iterations against sequential loops and hand-computed cases.

use std::collections::BTreeMap;

use strom_core::RuntimeConfig;
use strom_dataset::{DataSet, Env, Iteration, agg, execute};

use crate::operators::{WORKERS, run};

#[test]
fn bulk_iteration_runs_max_rounds() {
    for w in WORKERS {
        let got = run(w, |env| {
            env.from_collection(vec![1u64, 2, 3])
                .iterate(5, |_, partial| partial.map(|x| x * 2))
        });
        assert_eq!(got, vec![32, 64, 96], "workers {w}");
        // No rounds: the initial data set.
        let none = run(w, |env| {
            env.from_collection(vec![7u64])
                .iterate(0, |_, partial| partial.map(|x| x + 1))
        });
        assert_eq!(none, vec![7]);
        let empty = run(w, |env| {
            env.empty::<u64>().iterate(3, |_, p| p.map(|x| x + 1))
        });
        assert!(empty.is_empty());
    }
}

#[test]
fn bulk_iteration_with_static_data_and_termination_criterion() {
    // Each round, every value is multiplied by its key's factor (a join with a data set
    // from outside the loop), until no value is below 1000.
    let start: Vec<(u64, u64)> = (0..40).map(|k| (k, k + 1)).collect();
    let factors: Vec<(u64, u64)> = (0..40).map(|k| (k, 2 + k % 3)).collect();
    let mut expected = start.clone();
    let mut rounds = 0;
    while rounds < 100 {
        expected = expected
            .iter()
            .map(|&(k, v)| {
                (
                    k,
                    if v < 1000 {
                        v * factors[k as usize].1
                    } else {
                        v
                    },
                )
            })
            .collect();
        rounds += 1;
        if expected.iter().all(|&(_, v)| v >= 1000) {
            break;
        }
    }
    assert!(rounds > 3);
    for w in WORKERS {
        let (s, f) = (start.clone(), factors.clone());
        let got = run(w, move |env| {
            let factors = env.from_collection(f.clone());
            env.from_collection(s.clone()).iterate(100, |it, partial| {
                let next = partial
                    .join(&factors, |x: &(u64, u64)| x.0, |y: &(u64, u64)| y.0)
                    .with(|&(k, v), &(_, f)| (k, if v < 1000 { v * f } else { v }));
                it.terminate_when_empty(&next.filter(|&(_, v)| v < 1000));
                next
            })
        });
        assert_eq!(got, expected, "workers {w}");
    }
}

#[test]
fn aggregators_and_convergence() {
    // Halving until nothing changes; an aggregator counts the values that change per
    // round (none in the last round: a count of no records is 0).
    let data: Vec<u64> = (0..500).map(|i| i * 37 % 1001).collect();
    let mut expected = data.clone();
    let mut history = Vec::new();
    for step in 1..=50u32 {
        let changed = expected.iter().filter(|&&x| x / 2 != x).count() as u64;
        expected = expected.iter().map(|x| x / 2).collect();
        history.push((step, changed));
        if changed == 0 {
            break;
        }
    }
    expected.sort();
    for w in WORKERS {
        let d = data.clone();
        let (mut values, rounds) = execute(&RuntimeConfig::default().with_workers(w), move |env| {
            let mut rounds = None;
            let result = env.from_collection(d.clone()).iterate(50, |it, partial| {
                let changed = it.aggregate(&partial.filter(|x| x / 2 != *x), agg::count());
                it.converge_when(&changed, |n| *n == 0);
                rounds = Some(changed.history());
                partial.map(|x| x / 2)
            });
            (result.collect(), rounds.expect("built").collect())
        })
        .unwrap()
        .unwrap();
        values.sort();
        assert_eq!(values, expected, "workers {w}");
        assert_eq!(rounds, history, "workers {w}");
    }
}

/// Connected components by union-find: each vertex's smallest reachable id.
pub(crate) fn components(vertices: u64, edges: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut parent: Vec<u64> = (0..vertices).collect();
    fn find(p: &mut [u64], x: u64) -> u64 {
        let mut r = x;
        while p[r as usize] != r {
            r = p[r as usize];
        }
        p[x as usize] = r;
        r
    }
    for &(a, b) in edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        parent[hi as usize] = lo;
    }
    (0..vertices).map(|v| (v, find(&mut parent, v))).collect()
}

/// Min-label propagation as a delta iteration.
fn delta_components<'s>(
    env: &Env<'s>,
    vertices: u64,
    edges: Vec<(u64, u64)>,
) -> DataSet<'s, (u64, u64)> {
    delta_components_with(env, vertices, edges, |_, _| {})
}

/// [`delta_components`], calling `each_round` in the step with each round's delta.
pub(crate) fn delta_components_with<'s>(
    env: &Env<'s>,
    vertices: u64,
    edges: Vec<(u64, u64)>,
    each_round: impl FnOnce(&Iteration<'s>, &DataSet<'s, (u64, u64)>),
) -> DataSet<'s, (u64, u64)> {
    let edges = env
        .from_collection(edges)
        .flat_map(|(a, b)| [(a, b), (b, a)]);
    let labels = env.generate_sequence(0, vertices - 1).map(|v| (v, v));
    labels.iterate_delta(
        &labels,
        |x: &(u64, u64)| x.0,
        1000,
        |it, solution, workset| {
            let candidates = workset
                .join(&edges, |l: &(u64, u64)| l.0, |e: &(u64, u64)| e.0)
                .with(|&(_, label), &(_, to)| (to, label))
                .group_by(|c: &(u64, u64)| c.0)
                .aggregate(agg::min(|c: &(u64, u64)| c.1));
            let delta = solution.lookup(
                &candidates,
                |c: &(u64, u64)| c.0,
                |c, current| current.filter(|s| c.1 < s.1).map(|_| c),
            );
            each_round(it, &delta);
            (delta.clone(), delta)
        },
    )
}

#[test]
fn delta_iteration_finds_connected_components() {
    // A random sparse graph with isolated vertices, self-loops and duplicates.
    let n = 300u64;
    let mut s = 12345u64;
    let mut edges: Vec<(u64, u64)> = (0..220)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let a = (s >> 33) % n;
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (a, (s >> 33) % n)
        })
        .collect();
    edges.extend([(5, 5), (7, 9), (7, 9)]);
    let expected = components(n, &edges);
    let distinct: BTreeMap<u64, ()> = expected.iter().map(|&(_, c)| (c, ())).collect();
    assert!(distinct.len() > 20, "the graph has many components");
    for w in WORKERS {
        let e = edges.clone();
        let got = run(w, move |env| delta_components(env, n, e.clone()));
        assert_eq!(got, expected, "workers {w}");
    }
}

#[test]
fn outer_joins_with_static_data_inside_a_loop() {
    // Each round, values whose key has a factor are multiplied (a left outer join with a
    // data set from outside, hashed once); the others are kept as they are.
    let start: Vec<(u64, i64)> = (0..30).map(|k| (k, k as i64 + 1)).collect();
    let factors: Vec<(u64, i64)> = (0..30).filter(|k| k % 4 != 0).map(|k| (k, 2)).collect();
    let mut expected = start.clone();
    for _ in 0..4 {
        expected = expected
            .iter()
            .map(|&(k, v)| (k, if k % 4 != 0 { v * 2 } else { v }))
            .collect();
    }
    for w in WORKERS {
        let (s, f) = (start.clone(), factors.clone());
        let got = run(w, move |env| {
            let factors = env.from_collection(f.clone());
            env.from_collection(s.clone()).iterate(4, |_, partial| {
                partial
                    .left_outer_join(&factors, |x: &(u64, i64)| x.0, |y: &(u64, i64)| y.0)
                    .with(|&(k, v), f| (k, v * f.map_or(1, |f| f.1)))
            })
        });
        assert_eq!(got, expected, "workers {w}");
    }
}
