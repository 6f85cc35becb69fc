//! Typed iteration aggregators, the superstep number and convergence criteria, against
//! sequential loops that compute the same rounds.

use strom_core::RuntimeConfig;
use strom_dataset::{DataSet, Env, agg, execute};

use crate::iterations::delta_components_with;
use crate::operators::{WORKERS, records};

/// A seeded graph of `n` vertices where every vertex has in- and out-edges (a ring plus
/// random chords), as `(source, target, 1 / outdegree(source))`.
fn weighted_edges(n: u64, chords: usize, seed: u64) -> Vec<(u64, u64, f64)> {
    let mut edges: Vec<(u64, u64)> = (0..n).map(|v| (v, (v + 1) % n)).collect();
    edges.extend(
        records(chords, n, seed)
            .into_iter()
            .map(|(k, v)| (k, v.unsigned_abs() % n)),
    );
    let mut degree = vec![0u64; n as usize];
    for &(s, _) in &edges {
        degree[s as usize] += 1;
    }
    edges
        .into_iter()
        .map(|(s, t)| (s, t, 1.0 / degree[s as usize] as f64))
        .collect()
}

type Ranks = Vec<(u64, f64)>;
/// Per superstep: (sum of |rank change|, vertices).
type Changes = Vec<(u32, (f64, u64))>;
/// A job's ranks and its per-superstep changes.
type RanksAndChanges<'s> = (DataSet<'s, (u64, f64)>, DataSet<'s, (u32, (f64, u64))>);
/// Labels per vertex, and changed labels per superstep.
type LabelRounds = (Vec<(u64, u64)>, Vec<(u32, u64)>);

/// PageRank with a tolerance, sequentially: the ranks of the first round whose total
/// change is below `tolerance`, and every round's change.
fn pagerank_reference(n: u64, edges: &[(u64, u64, f64)], tolerance: f64) -> (Ranks, Changes) {
    let d = 0.85;
    let mut ranks = vec![1.0 / n as f64; n as usize];
    let mut history = Vec::new();
    for step in 1..=200u32 {
        let mut sums = vec![0.0; n as usize];
        for &(s, t, w) in edges {
            sums[t as usize] += ranks[s as usize] * w;
        }
        let next: Vec<f64> = sums.iter().map(|s| (1.0 - d) / n as f64 + d * s).collect();
        let change: f64 = next.iter().zip(&ranks).map(|(a, b)| (a - b).abs()).sum();
        history.push((step, (change, n)));
        ranks = next;
        if change < tolerance {
            break;
        }
    }
    ((0..n).zip(ranks).collect(), history)
}

fn pagerank_job<'s>(
    env: &Env<'s>,
    n: u64,
    edges: Vec<(u64, u64, f64)>,
    tolerance: f64,
) -> RanksAndChanges<'s> {
    let d = 0.85;
    let edges = env.from_collection(edges);
    let initial = env
        .generate_sequence(0, n - 1)
        .map(move |v| (v, 1.0 / n as f64));
    let mut history = None;
    let ranks = initial.iterate(200, |it, ranks| {
        let next = ranks
            .join(&edges, |r: &(u64, f64)| r.0, |e: &(u64, u64, f64)| e.0)
            .with(|&(_, rank), &(_, t, w)| (t, rank * w))
            .group_by(|c: &(u64, f64)| c.0)
            .aggregate(agg::sum(|c: &(u64, f64)| c.1))
            .map(move |(v, s)| (v, (1.0 - d) / n as f64 + d * s));
        let change = next
            .join(&ranks, |a: &(u64, f64)| a.0, |b: &(u64, f64)| b.0)
            .with(|a, b| (a.1 - b.1).abs());
        let change = it.aggregate(&change, (agg::sum(|c: &f64| *c), agg::count()));
        it.converge_when(&change, move |(total, _)| *total < tolerance);
        history = Some(change.history());
        next
    });
    (ranks, history.expect("the step ran"))
}

#[test]
fn pagerank_converges_on_an_f64_aggregate_as_a_sequential_loop() {
    let n = 80;
    let edges = weighted_edges(n, 300, 7);
    let (expected, expected_history) = pagerank_reference(n, &edges, 1e-9);
    assert!(
        expected_history.len() > 10 && expected_history.len() < 200,
        "the criterion ends the loop, not max_rounds"
    );
    for w in WORKERS {
        let e = edges.clone();
        let (mut ranks, history) = execute(&RuntimeConfig::default().with_workers(w), move |env| {
            let (ranks, history) = pagerank_job(env, n, e.clone(), 1e-9);
            (ranks.collect(), history.collect())
        })
        .unwrap()
        .unwrap();
        ranks.sort_by_key(|r| r.0);
        assert_eq!(ranks.len(), expected.len());
        for (got, want) in ranks.iter().zip(&expected) {
            assert_eq!(got.0, want.0);
            assert!(
                (got.1 - want.1).abs() < 1e-12,
                "workers {w}: {got:?} {want:?}"
            );
        }
        assert_eq!(history.len(), expected_history.len(), "workers {w}");
        for ((step, (change, count)), (want_step, (want_change, want_count))) in
            history.iter().zip(&expected_history)
        {
            assert_eq!((step, count), (want_step, want_count));
            assert!(
                (change - want_change).abs() < 1e-12,
                "workers {w}, step {step}"
            );
        }
    }
}

const K: usize = 3;

/// Points with integer coordinates, so that every sum is exact and the dataflow's
/// centroids equal the sequential ones bit for bit.
fn points(n: usize) -> Vec<(f64, f64)> {
    records(n, 1000, 3)
        .into_iter()
        .map(|(k, v)| ((k % 97) as f64 + (v % 13) as f64, (v / 7) as f64))
        .collect()
}

fn nearest(centroids: &[(usize, f64, f64)], p: (f64, f64)) -> usize {
    let distance = |c: &(usize, f64, f64)| (c.1 - p.0).powi(2) + (c.2 - p.1).powi(2);
    centroids
        .iter()
        .min_by(|a, b| distance(a).total_cmp(&distance(b)).then(a.0.cmp(&b.0)))
        .expect("centroids")
        .0
}

/// `[sum x, sum y, count]` per centroid, flattened.
fn sums(centroids: &[(usize, f64, f64)], points: &[(f64, f64)]) -> Vec<f64> {
    let mut sums = vec![0.0; 3 * K];
    for &p in points {
        let c = nearest(centroids, p);
        sums[3 * c] += p.0;
        sums[3 * c + 1] += p.1;
        sums[3 * c + 2] += 1.0;
    }
    sums
}

/// The centroids moved to the means of their points (kept where they have none).
fn moved(centroids: &[(usize, f64, f64)], sums: &[f64]) -> Vec<(usize, f64, f64)> {
    centroids
        .iter()
        .map(|&(c, x, y)| match sums[3 * c + 2] {
            0.0 => (c, x, y),
            n => (c, sums[3 * c] / n, sums[3 * c + 1] / n),
        })
        .collect()
}

#[test]
fn kmeans_step_with_a_vector_aggregator_matches_direct_computation() {
    let data = points(500);
    let start: Vec<(usize, f64, f64)> = vec![(0, 0.0, 0.0), (1, 50.0, 50.0), (2, 100.0, -100.0)];
    let rounds = 6;
    let mut expected = start.clone();
    let mut expected_history = Vec::new();
    for step in 1..=rounds {
        let s = sums(&expected, &data);
        expected = moved(&expected, &s);
        expected_history.push((step, s));
    }
    assert_ne!(
        expected_history[0].1, expected_history[1].1,
        "centroids move"
    );
    for w in WORKERS {
        let (d, s) = (data.clone(), start.clone());
        let (mut centroids, history) =
            execute(&RuntimeConfig::default().with_workers(w), move |env| {
                let points = env.from_collection(d.clone()).rebalance();
                let mut history = None;
                let centroids = env
                    .from_collection(s.clone())
                    .iterate(rounds, |it, centroids| {
                        let assigned =
                            points.map_with_broadcast(&centroids, |p, cs| (nearest(cs, p), p));
                        let sums = it.aggregate(
                            &assigned,
                            agg::custom(
                                || vec![0.0; 3 * K],
                                |acc: &mut Vec<f64>, &(c, p): &(usize, (f64, f64))| {
                                    acc[3 * c] += p.0;
                                    acc[3 * c + 1] += p.1;
                                    acc[3 * c + 2] += 1.0;
                                },
                                |acc, other| acc.iter_mut().zip(other).for_each(|(a, b)| *a += b),
                                |acc| acc,
                            ),
                        );
                        history = Some(sums.history());
                        centroids.map_with_broadcast(&sums.current(), |c, s| moved(&[c], &s[0])[0])
                    });
                (
                    centroids.collect(),
                    history.expect("the step ran").collect(),
                )
            })
            .unwrap()
            .unwrap();
        centroids.sort_by_key(|c| c.0);
        assert_eq!(centroids, expected, "workers {w}");
        assert_eq!(history, expected_history, "workers {w}");
    }
}

#[test]
fn superstep_and_previous_aggregate_in_a_bulk_iteration() {
    // Round s: every value becomes 2x + s + (the total of round s - 1's values, 0 in
    // round 1); an aggregator sums each round's values.
    let data: Vec<u64> = (1..=20).collect();
    let rounds = 5;
    let mut expected = data.clone();
    let mut totals = Vec::new();
    let mut before = 0;
    for step in 1..=rounds {
        let total: u64 = expected.iter().sum();
        totals.push((step, total));
        expected = expected
            .iter()
            .map(|x| 2 * x + u64::from(step) + before)
            .collect();
        before = total;
    }
    expected.sort();
    for w in WORKERS {
        let d = data.clone();
        let (mut values, history) =
            execute(&RuntimeConfig::default().with_workers(w), move |env| {
                let mut history = None;
                let values = env
                    .from_collection(d.clone())
                    .iterate(rounds, |it, partial| {
                        let total = it.aggregate(&partial, agg::sum(|x: &u64| *x));
                        history = Some(total.history());
                        partial
                            .map_with_broadcast(&it.superstep(), |x, step| {
                                2 * x + u64::from(step[0])
                            })
                            .map_with_broadcast(&total.previous(), |x, before| {
                                assert!(before.len() <= 1, "one previous value per round");
                                x + before.first().copied().unwrap_or(0)
                            })
                    });
                (values.collect(), history.expect("the step ran").collect())
            })
            .unwrap()
            .unwrap();
        values.sort();
        assert_eq!(values, expected, "workers {w}");
        assert_eq!(history, totals, "workers {w}");
    }
}

#[test]
fn no_rounds_no_aggregates() {
    for w in WORKERS {
        let history = execute(&RuntimeConfig::default().with_workers(w), |env| {
            let mut history = None;
            let _ = env
                .from_collection(vec![1u64, 2])
                .iterate(0, |it, partial| {
                    history = Some(it.aggregate(&partial, agg::count()).history());
                    partial
                });
            history.expect("the step ran").collect()
        })
        .unwrap()
        .unwrap();
        assert!(history.is_empty(), "workers {w}: {history:?}");
    }
}

/// Minimum-label propagation run sequentially as the delta iteration runs it: the
/// labels after the last round, and the number of changed labels per round. Stops
/// after a round with fewer than `stop_below` changes (or none).
fn label_rounds(n: u64, edges: &[(u64, u64)], stop_below: u64) -> LabelRounds {
    let mut labels: Vec<u64> = (0..n).collect();
    let mut workset: Vec<(u64, u64)> = (0..n).map(|v| (v, v)).collect();
    let mut history = Vec::new();
    for step in 1.. {
        let mut candidates: Vec<Option<u64>> = vec![None; n as usize];
        for &(v, l) in &workset {
            for &(a, b) in edges {
                for (from, to) in [(a, b), (b, a)] {
                    if from == v {
                        let c = &mut candidates[to as usize];
                        *c = Some(c.map_or(l, |c| c.min(l)));
                    }
                }
            }
        }
        workset = candidates
            .iter()
            .enumerate()
            .filter_map(|(u, c)| c.filter(|&c| c < labels[u]).map(|c| (u as u64, c)))
            .collect();
        for &(u, c) in &workset {
            labels[u as usize] = c;
        }
        history.push((step, workset.len() as u64));
        if (workset.len() as u64) < stop_below || workset.is_empty() {
            break;
        }
    }
    ((0..n).zip(labels).collect(), history)
}

#[test]
fn delta_iteration_aggregates_changes_and_converges_on_them() {
    let n = 200u64;
    let edges: Vec<(u64, u64)> = records(150, n, 11)
        .into_iter()
        .map(|(k, v)| (k, v.unsigned_abs() % n))
        .collect();
    for stop_below in [0, 12] {
        let (expected, expected_history) = label_rounds(n, &edges, stop_below);
        assert!(expected_history.len() > 2);
        for w in WORKERS {
            let e = edges.clone();
            let (mut labels, history) =
                execute(&RuntimeConfig::default().with_workers(w), move |env| {
                    let mut history = None;
                    let result = delta_components_with(env, n, e.clone(), |it, delta| {
                        let changed = it.aggregate(delta, agg::count());
                        if stop_below > 0 {
                            it.converge_when(&changed, move |c| *c < stop_below);
                        }
                        history = Some(changed.history());
                    });
                    (result.collect(), history.expect("the step ran").collect())
                })
                .unwrap()
                .unwrap();
            labels.sort();
            assert_eq!(labels, expected, "workers {w}, stop below {stop_below}");
            assert_eq!(
                history, expected_history,
                "workers {w}, stop below {stop_below}"
            );
        }
    }
}

/// An aggregator fed after its previous value is read ([`strom_dataset::Iteration::aggregator`]),
/// in a delta iteration: each superstep every workset record adds the previous
/// superstep's count of forwarded records to its solution value and forwards itself
/// while it is below a bound, against a sequential loop of the same supersteps.
#[test]
fn aggregator_fed_after_reading_its_previous_value_as_a_sequential_loop() {
    let n = 60u64;
    let bound = |k: u64| k % 13;
    // Sequentially: values, and the number forwarded per superstep.
    let (mut values, mut forwarded) = (vec![0u64; n as usize], Vec::new());
    let mut workset: Vec<u64> = (0..n).collect();
    let mut previous = None;
    for step in 1u32.. {
        if workset.is_empty() {
            break;
        }
        let mut next = Vec::new();
        for &k in &workset {
            values[k as usize] += previous.unwrap_or(0) + u64::from(step);
            if u64::from(step) < bound(k) {
                next.push(k);
            }
        }
        forwarded.push((step, next.len() as u64));
        previous = Some(next.len() as u64);
        workset = next;
    }
    let mut expected: Vec<(u64, u64)> = (0..n).map(|k| (k, values[k as usize])).collect();
    expected.sort();
    for w in WORKERS {
        let (mut got, history) = execute(&RuntimeConfig::default().with_workers(w), move |env| {
            let solution = env.from_collection((0..n).map(|k| (k, 0u64)).collect::<Vec<_>>());
            let mut history = None;
            let result = solution.iterate_delta(
                &env.from_collection((0..n).collect::<Vec<_>>()),
                |s: &(u64, u64)| s.0,
                u32::MAX,
                |it, solution, workset| {
                    let (input, count) = it.aggregator(agg::count());
                    let previous = count.previous().map(Some);
                    let first = it.superstep().flat_map(|s| (s == 1).then_some(None));
                    let context = it
                        .superstep()
                        .cross(&previous.union(&first), |s, p| (*s, *p));
                    let delta = solution.lookup(
                        &workset.map_with_broadcast(&context, |k, c| (k, c[0])),
                        |p: &(u64, (u32, Option<u64>))| p.0,
                        |(k, (step, previous)), v| {
                            let v = v.expect("every key is in the solution").1;
                            Some((k, v + previous.unwrap_or(0) + u64::from(step)))
                        },
                    );
                    let next = delta.map_with_broadcast(&it.superstep(), move |(k, _), s| {
                        (k, u64::from(s[0]) < bound(k))
                    });
                    let next = next.flat_map(|(k, go)| go.then_some(k));
                    input.feed(&next);
                    history = Some(count.history());
                    (delta, next)
                },
            );
            (result.collect(), history.expect("the step ran").collect())
        })
        .unwrap()
        .unwrap();
        got.sort();
        assert_eq!(got, expected, "at {w} workers");
        // The last superstep forwards nothing: the loop ends after it.
        assert_eq!(history, forwarded, "at {w} workers");
    }
}
