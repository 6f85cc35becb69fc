//! Every DataSet operator against a plain sequential implementation, on seeded random
//! input (with a skewed key and empty inputs), at one and several workers.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use strom_core::RuntimeConfig;
use strom_dataset::{DataSet, Env, JoinHint, Order, agg, execute};

/// Seeded pseudo-random records `(key, value)`; half of them carry key 0 (skew).
pub(crate) fn records(n: usize, keys: u64, seed: u64) -> Vec<(u64, i64)> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    (0..n)
        .map(|_| {
            let k = if next() % 2 == 0 { 0 } else { next() % keys };
            (k, (next() % 2001) as i64 - 1000)
        })
        .collect()
}

pub(crate) const WORKERS: [usize; 3] = [1, 3, 4];

/// Runs `build` on `workers` workers and returns the collected records, sorted.
pub(crate) fn run<T: Ord + strom_dataset::Data>(
    workers: usize,
    build: impl for<'s> Fn(&Env<'s>) -> DataSet<'s, T> + Send + Sync + 'static,
) -> Vec<T> {
    let mut out = execute(
        &RuntimeConfig::default().with_workers(workers),
        move |env| build(env).collect(),
    )
    .unwrap()
    .unwrap();
    out.sort();
    out
}

pub(crate) fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

#[test]
fn map_flat_map_filter_union() {
    let data = records(2000, 50, 1);
    let expected = sorted(
        data.iter()
            .flat_map(|&(k, v)| [(k, v * 2), (k + 1, v)])
            .filter(|x| x.1 % 3 != 0)
            .chain(data.iter().copied())
            .collect(),
    );
    for w in WORKERS {
        let d = data.clone();
        let got = run(w, move |env| {
            let input = env.from_collection(d.clone()).rebalance();
            input
                .map(|(k, v)| (k, v * 2))
                .flat_map(|(k, v2)| [(k, v2), (k + 1, v2 / 2)])
                .filter(|x| x.1 % 3 != 0)
                .union(&input)
        });
        assert_eq!(got, expected, "workers={w}");
    }
}

#[test]
fn map_partition_sees_whole_partitions() {
    for w in WORKERS {
        let got = run(w, |env| {
            env.generate_sequence(1, 10_000)
                .map_partition(|all| vec![(all.len() as u64, all.iter().sum::<u64>())])
        });
        assert_eq!(got.len(), w);
        assert_eq!(got.iter().map(|x| x.0).sum::<u64>(), 10_000);
        assert_eq!(got.iter().map(|x| x.1).sum::<u64>(), 10_000 * 10_001 / 2);
    }
}

#[test]
fn process_with_state_on_sends_each_record_to_the_worker_it_names() {
    // Records `(worker, x)`; each worker's state is the sum of the side's records it
    // owns by key; the step answers `(its index, worker named, x, state)`.
    let data = records(500, 40, 7);
    for w in WORKERS {
        let side = data.clone();
        let got = run(w, move |env| {
            let me = env.index() as u64;
            let peers = env.peers() as u64;
            let named = env
                .from_collection((0..60u64).collect())
                .map(move |x| (x % peers, x));
            let owned = env.from_collection(side.clone());
            named.process_with_state_on(
                &owned,
                |r: &(u64, u64)| r.0 as usize,
                |s: &(u64, i64)| s.0,
                |mine: Vec<(u64, i64)>| mine.iter().map(|s| s.1).sum::<i64>(),
                move |sum, rs, out| out.extend(rs.into_iter().map(|(to, x)| (me, to, x, *sum))),
            )
        });
        assert_eq!(got.len(), 60, "workers={w}");
        assert!(got.iter().all(|r| r.0 == r.1), "workers={w}: {got:?}");
        // Every worker's state saw exactly its keys: the states add up to the total.
        let states: BTreeMap<u64, i64> = got.iter().map(|r| (r.0, r.3)).collect();
        assert_eq!(states.len(), w.min(60));
        let total: i64 = data.iter().map(|r| r.1).sum();
        assert_eq!(states.values().sum::<i64>(), total, "workers={w}");
    }
}

#[test]
fn distinct_and_distinct_by() {
    let data = records(3000, 40, 2);
    let expected: Vec<(u64, i64)> = data
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let keys: Vec<u64> = data
        .iter()
        .map(|x| x.0)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for w in WORKERS {
        let d = data.clone();
        assert_eq!(
            run(w, move |env| env
                .from_collection(d.clone())
                .rebalance()
                .distinct()),
            expected
        );
        let d = data.clone();
        let by_key = run(w, move |env| {
            env.from_collection(d.clone())
                .rebalance()
                .distinct_by(|x| x.0)
        });
        assert_eq!(by_key.iter().map(|x| x.0).collect::<Vec<_>>(), keys);
        assert!(by_key.iter().all(|x| data.contains(x)));
    }
}

/// `distinct` of `u64`s dedupes before its exchange through bitmap pages, which let ids
/// through when full and turn to a forgetting hash set for spread-out ids: every case
/// still gives each id once.
#[test]
fn distinct_integer_ids_clustered_spread_and_past_the_pages() {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let clustered: Vec<u64> = (0..40_000).map(|_| next() % 50_000).collect();
    // More pages than the dedupe's smallest limit (1 MiB of 512-byte pages), dense.
    let past_pages: Vec<u64> = (0..300_000)
        .map(|_| (next() % (3000 << 12)) & !31)
        .collect();
    // Spread over all of u64, each twice, beyond the hash set's limit.
    let spread: Vec<u64> = (0..150_000).map(|_| next()).flat_map(|v| [v, v]).collect();
    for (name, ids) in [
        ("clustered", clustered),
        ("past pages", past_pages),
        ("spread", spread),
    ] {
        let expected: Vec<u64> = ids
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        // A small budget takes the pages past their limit (and spills after the exchange).
        for (w, memory) in [(1, None), (3, None), (1, Some(4 << 20)), (3, Some(4 << 20))] {
            let d = ids.clone();
            let (got, _) = crate::solution_spill::run_under(w, memory, move |env| {
                env.from_collection(d.clone()).rebalance().distinct()
            });
            assert_eq!(got, expected, "{name}, {w} workers, memory {memory:?}");
        }
    }
}

#[test]
fn grouped_reduce_aggregate_and_extremes() {
    let data = records(5000, 30, 3);
    let mut groups: BTreeMap<u64, Vec<i64>> = BTreeMap::new();
    for &(k, v) in &data {
        groups.entry(k).or_default().push(v);
    }
    let sums: Vec<(u64, i64)> = groups.iter().map(|(k, vs)| (*k, vs.iter().sum())).collect();
    let aggs: Vec<(u64, (i64, u64, i64, i64))> = groups
        .iter()
        .map(|(k, vs)| {
            (
                *k,
                (
                    vs.iter().sum(),
                    vs.len() as u64,
                    *vs.iter().min().unwrap(),
                    *vs.iter().max().unwrap(),
                ),
            )
        })
        .collect();
    for w in WORKERS {
        let d = data.clone();
        let got = run(w, move |env| {
            env.from_collection(d.clone())
                .rebalance()
                .group_by(|x| x.0)
                .reduce(|a, b| (a.0, a.1 + b.1))
        });
        assert_eq!(got, sums, "reduce, workers={w}");

        let d = data.clone();
        let got = run(w, move |env| {
            env.from_collection(d.clone())
                .rebalance()
                .group_by(|x| x.0)
                .aggregate((
                    agg::sum(|x: &(u64, i64)| x.1),
                    agg::count(),
                    agg::min(|x: &(u64, i64)| x.1),
                    agg::max(|x: &(u64, i64)| x.1),
                ))
        });
        assert_eq!(got, aggs, "aggregate, workers={w}");

        let d = data.clone();
        let got = run(w, move |env| {
            env.from_collection(d.clone())
                .rebalance()
                .group_by(|x| x.0)
                .min_by(|x| x.1)
        });
        assert_eq!(
            got.iter().map(|x| (x.0, x.1)).collect::<Vec<_>>(),
            aggs.iter().map(|(k, a)| (*k, a.2)).collect::<Vec<_>>()
        );
        let d = data.clone();
        let got = run(w, move |env| {
            env.from_collection(d.clone())
                .rebalance()
                .group_by(|x| x.0)
                .max_by(|x| x.1)
        });
        assert_eq!(
            got.iter().map(|x| x.1).collect::<Vec<_>>(),
            aggs.iter().map(|(_, a)| a.3).collect::<Vec<_>>()
        );
    }
}

#[test]
fn average_of_decimals_and_floats() {
    let values = ["1.10", "2.20", "3.35"];
    let got = run(2, move |env| {
        env.from_collection(
            values
                .iter()
                .map(|s| s.parse::<strom_core::Decimal>().unwrap())
                .collect(),
        )
        .aggregate((
            agg::avg(|d: &strom_core::Decimal| *d),
            agg::avg(|d: &strom_core::Decimal| d.to_f64()),
        ))
        .map(|(d, f)| (d.to_string(), (f * 1000.0).round() as i64))
    });
    // (1.10 + 2.20 + 3.35) / 3 = 2.216666..., by hand.
    assert_eq!(got, vec![("2.216667".to_string(), 2217)]);
}

#[test]
fn reduce_group_and_group_first() {
    let data = records(3000, 25, 4);
    let mut groups: BTreeMap<u64, Vec<i64>> = BTreeMap::new();
    for &(k, v) in &data {
        groups.entry(k).or_default().push(v);
    }
    let expected: Vec<(u64, usize, i64)> = groups
        .iter()
        .map(|(k, vs)| (*k, vs.len(), vs.iter().map(|v| v * v).sum()))
        .collect();
    for w in WORKERS {
        let d = data.clone();
        let got = run(w, move |env| {
            env.from_collection(d.clone())
                .rebalance()
                .group_by(|x| x.0)
                .reduce_group(|k, group| {
                    vec![(
                        *k,
                        group.len(),
                        group.iter().map(|x| x.1 * x.1).sum::<i64>(),
                    )]
                })
        });
        assert_eq!(got, expected, "workers={w}");
        let d = data.clone();
        let got = run(w, move |env| {
            env.from_collection(d.clone())
                .rebalance()
                .group_by(|x| x.0)
                .first(2)
        });
        let mut per_key: HashMap<u64, usize> = HashMap::new();
        for x in &got {
            *per_key.entry(x.0).or_default() += 1;
            assert!(data.contains(x));
        }
        assert!(groups.iter().all(|(k, vs)| per_key[k] == vs.len().min(2)));
    }
}

#[test]
fn empty_inputs() {
    for w in WORKERS {
        assert_eq!(
            run(w, |env| env
                .empty::<(u64, i64)>()
                .group_by(|x| x.0)
                .reduce(|a, _| a)),
            vec![]
        );
        assert_eq!(
            run(w, |env| env.empty::<(u64, i64)>().aggregate(agg::count())),
            Vec::<u64>::new()
        );
        assert_eq!(
            run(w, |env| env.empty::<u64>().distinct()),
            Vec::<u64>::new()
        );
        assert_eq!(run(w, |env| env.empty::<u64>().first(3)), Vec::<u64>::new());
        assert_eq!(
            run(w, |env| env
                .empty::<u64>()
                .sort_partition(|x| *x, Order::Ascending)),
            Vec::<u64>::new()
        );
        let got = run(w, |env| {
            let left = env.empty::<(u64, i64)>();
            let right = env.from_collection(vec![(1u64, 1i64)]);
            left.full_outer_join(&right, |l| l.0, |r| r.0)
                .with(|l, r| (l.copied(), r.copied()))
        });
        assert_eq!(got, vec![(None, Some((1, 1)))]);
        let count = execute(&RuntimeConfig::default().with_workers(w), |env| {
            env.empty::<u64>().count()
        })
        .unwrap()
        .unwrap();
        assert_eq!(count, 0);
    }
}

type Pair = (Option<(u64, i64)>, Option<(u64, i64)>);

/// `a` joined with `b` on the first field, as the join of `kind` ("inner", "left",
/// "right" or "full") with `hint`, every result as a pair of optional records.
fn join_by_kind<'s>(
    a: &DataSet<'s, (u64, i64)>,
    b: &DataSet<'s, (u64, i64)>,
    kind: &str,
    hint: JoinHint,
) -> DataSet<'s, Pair> {
    match kind {
        "inner" => a
            .join(b, |x| x.0, |y| y.0)
            .hint(hint)
            .with(|x, y| (Some(*x), Some(*y))),
        "left" => a
            .left_outer_join(b, |x| x.0, |y| y.0)
            .hint(hint)
            .with(|x, y| (Some(*x), y.copied())),
        "right" => a
            .right_outer_join(b, |x| x.0, |y| y.0)
            .hint(hint)
            .with(|x, y| (x.copied(), Some(*y))),
        _ => a
            .full_outer_join(b, |x| x.0, |y| y.0)
            .hint(hint)
            .with(|x, y| (x.copied(), y.copied())),
    }
}

/// Nested-loop reference for every join kind.
fn reference_join(
    left: &[(u64, i64)],
    right: &[(u64, i64)],
    keep_left: bool,
    keep_right: bool,
) -> Vec<Pair> {
    let mut out = Vec::new();
    for l in left {
        let matches: Vec<_> = right.iter().filter(|r| r.0 == l.0).collect();
        if matches.is_empty() && keep_left {
            out.push((Some(*l), None));
        }
        out.extend(matches.into_iter().map(|r| (Some(*l), Some(*r))));
    }
    if keep_right {
        for r in right {
            if !left.iter().any(|l| l.0 == r.0) {
                out.push((None, Some(*r)));
            }
        }
    }
    sorted(out)
}

#[test]
fn joins_every_kind_and_strategy() {
    let left = records(400, 60, 5);
    let right: Vec<(u64, i64)> = records(300, 90, 6)
        .into_iter()
        .map(|(k, v)| (k + 10, v))
        .collect();
    let hints = [
        JoinHint::Auto,
        JoinHint::RepartitionHash,
        JoinHint::RepartitionSortMerge,
        JoinHint::BroadcastHashFirst,
        JoinHint::BroadcastHashSecond,
    ];
    for w in [1, 3] {
        for hint in hints {
            for (kind, keep_l, keep_r) in [
                ("inner", false, false),
                ("left", true, false),
                ("right", false, true),
                ("full", true, true),
            ] {
                let (l, r) = (left.clone(), right.clone());
                let got = run(w, move |env| {
                    let a = env.from_collection(l.clone()).rebalance();
                    let b = env.from_collection(r.clone()).rebalance();
                    join_by_kind(&a, &b, kind, hint)
                });
                assert_eq!(
                    got,
                    reference_join(&left, &right, keep_l, keep_r),
                    "{kind} {hint:?} workers={w}"
                );
            }
        }
    }
}

#[test]
fn co_group_and_cross() {
    let a = records(500, 20, 7);
    let b: Vec<(u64, i64)> = records(200, 40, 8);
    let keys: BTreeSet<u64> = a.iter().chain(&b).map(|x| x.0).collect();
    let expected: Vec<(u64, usize, i64)> = keys
        .iter()
        .map(|k| {
            let na = a.iter().filter(|x| x.0 == *k).count();
            let sb: i64 = b.iter().filter(|x| x.0 == *k).map(|x| x.1).sum();
            (*k, na, sb)
        })
        .collect();
    let small: Vec<(u64, i64)> = b.iter().take(7).copied().collect();
    let crossed = sorted(
        a.iter()
            .flat_map(|x| small.iter().map(move |y| (x.0 + y.0, x.1 * y.1)))
            .collect::<Vec<_>>(),
    );
    for w in WORKERS {
        let (ca, cb) = (a.clone(), b.clone());
        let got = run(w, move |env| {
            let x = env.from_collection(ca.clone()).rebalance();
            let y = env.from_collection(cb.clone());
            x.co_group(
                &y,
                |p| p.0,
                |q| q.0,
                |k, xs, ys| vec![(*k, xs.len(), ys.iter().map(|q| q.1).sum::<i64>())],
            )
        });
        assert_eq!(got, expected, "co_group workers={w}");
        let (ca, cs) = (a.clone(), small.clone());
        let got = run(w, move |env| {
            env.from_collection(ca.clone())
                .rebalance()
                .cross(&env.from_collection(cs.clone()), |x, y| {
                    (x.0 + y.0, x.1 * y.1)
                })
        });
        assert_eq!(got, crossed, "cross workers={w}");
    }
}

#[test]
fn partitioning_places_records() {
    let data = records(4000, 100, 9);
    for w in [2, 4] {
        // Rebalance spreads evenly.
        let d = data.clone();
        let sizes = run(w, move |env| {
            env.from_collection(d.clone())
                .rebalance()
                .map_partition(|p| vec![p.len()])
        });
        assert!(sizes.iter().all(|&n| n == 4000 / w), "{sizes:?}");
        // Hash partitioning keeps each key on one worker.
        let d = data.clone();
        let placed = run(w, move |env| {
            let index = env.index();
            env.from_collection(d.clone())
                .partition_by_hash(|x| x.0)
                .map(move |x| (x.0, index))
        });
        let mut owner: HashMap<u64, usize> = HashMap::new();
        assert!(
            placed
                .iter()
                .all(|(k, i)| *owner.entry(*k).or_insert(*i) == *i)
        );
        // Range partitioning + sorting each partition gives a total order by worker.
        let d = data.clone();
        let ranged = run(w, move |env| {
            let index = env.index();
            env.from_collection(d.clone())
                .rebalance()
                .partition_by_range(|x| x.1)
                .sort_partition(|x| x.1, Order::Ascending)
                .map_partition(move |p| {
                    vec![(
                        index,
                        p.first().map(|x| x.1),
                        p.last().map(|x| x.1),
                        p.len(),
                    )]
                })
        });
        let non_empty: Vec<_> = ranged.iter().filter(|r| r.3 > 0).collect();
        assert!(non_empty.windows(2).all(|p| p[0].2 <= p[1].1), "{ranged:?}");
        assert_eq!(ranged.iter().map(|r| r.3).sum::<usize>(), 4000);
    }
}

#[test]
fn sorting_first_and_gather() {
    let data = records(3000, 1000, 10);
    let mut expected = data.clone();
    expected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    for w in WORKERS {
        let d = data.clone();
        let got = execute(&RuntimeConfig::default().with_workers(w), move |env| {
            env.from_collection(d.clone())
                .rebalance()
                .gather()
                .sort_partition_by(|a: &(u64, i64), b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)))
                .first(100)
                .collect()
        })
        .unwrap()
        .unwrap();
        assert_eq!(got, expected[..100].to_vec(), "workers={w}");
        let got = run(w, |env| env.generate_sequence(0, 999).first(10));
        assert_eq!(got.len(), 10);
        assert!(got.iter().all(|x| *x < 1000));
    }
}

#[test]
fn broadcast_variables_and_count() {
    for w in WORKERS {
        let got = run(w, |env| {
            let thresholds = env.from_collection(vec![10u64, 20, 30]);
            env.generate_sequence(1, 40)
                .map_with_broadcast(&thresholds, |x, t| {
                    (x, t.iter().filter(|&&t| x > t).count())
                })
        });
        let expected: Vec<(u64, usize)> = (1..=40)
            .map(|x| (x, [10, 20, 30].iter().filter(|&&t| x > t).count()))
            .collect();
        assert_eq!(got, expected);
        let n = execute(&RuntimeConfig::default().with_workers(w), |env| {
            env.generate_sequence(5, 1004).count()
        })
        .unwrap();
        assert_eq!(n, Some(1000));
    }
}

#[test]
fn fold_partition_combines_locally() {
    let data = records(3000, 20, 11);
    let mut expected: BTreeMap<u64, i64> = BTreeMap::new();
    for &(k, v) in &data {
        *expected.entry(k).or_default() += v;
    }
    for w in WORKERS {
        let d = data.clone();
        let got = run(w, move |env| {
            env.from_collection(d.clone())
                .rebalance()
                .fold_partition(
                    HashMap::<u64, i64>::new,
                    |m, (k, v)| *m.entry(k).or_default() += v,
                    |m| m.into_iter(),
                )
                .group_by(|x| x.0)
                .reduce(|a, b| (a.0, a.1 + b.1))
        });
        assert_eq!(
            got,
            expected.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(),
            "workers={w}"
        );
    }
}

#[test]
fn sort_and_group_spill_under_a_tiny_budget() {
    let data = records(20_000, 500, 12);
    let mut by_value = data.clone();
    by_value.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    let mut groups: BTreeMap<u64, (usize, i64)> = BTreeMap::new();
    for &(k, v) in &data {
        let g = groups.entry(k).or_default();
        g.0 += 1;
        g.1 += v;
    }
    let expected_groups: Vec<(u64, usize, i64)> =
        groups.iter().map(|(k, (n, s))| (*k, *n, *s)).collect();
    for w in [1, 3] {
        let spill = tempfile::tempdir().unwrap();
        let config = RuntimeConfig::default()
            .with_workers(w)
            .with_memory_limit(64 << 10)
            .with_spill_dir(spill.path());
        let d = data.clone();
        let (outputs, metrics) = strom_dataset::execute_with_metrics(&config, move |env| {
            let input = env.from_collection(d.clone()).rebalance();
            let sorted = input
                .gather()
                .sort_partition_by(|a: &(u64, i64), b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)))
                .collect();
            let grouped = input
                .group_by(|x| x.0)
                .reduce_group(|k, g| vec![(*k, g.len(), g.iter().map(|x| x.1).sum::<i64>())])
                .collect();
            (sorted, grouped)
        })
        .unwrap();
        let (sorted, grouped) = outputs.unwrap();
        assert_eq!(sorted, by_value, "workers={w}");
        assert_eq!(sorted_vec(grouped), expected_groups, "workers={w}");
        assert!(
            metrics.spill_files > 2 && metrics.spilled_bytes > 0,
            "{metrics:?}"
        );
        assert_eq!(
            std::fs::read_dir(spill.path()).unwrap().count(),
            0,
            "spill files are cleaned up"
        );
    }
    // Without a budget nothing spills.
    let d = data.clone();
    let (_, metrics) = strom_dataset::execute_with_metrics(&RuntimeConfig::default(), move |env| {
        env.from_collection(d.clone())
            .sort_partition(|x| x.1, Order::Ascending)
            .count()
    })
    .unwrap();
    assert_eq!(metrics.spill_files, 0);
}

fn sorted_vec<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

#[test]
fn hash_operators_spill_under_a_tiny_budget() {
    let data = records(30_000, 8_000, 13);
    let mut sums: BTreeMap<u64, (i64, u64)> = BTreeMap::new();
    for &(k, v) in &data {
        let e = sums.entry(k).or_default();
        e.0 += v;
        e.1 += 1;
    }
    let expected_agg: Vec<(u64, (i64, u64))> = sums.iter().map(|(k, v)| (*k, *v)).collect();
    let expected_reduce: Vec<(u64, i64)> = sums.iter().map(|(k, v)| (*k, v.0)).collect();
    let expected_distinct: Vec<u64> = sums.keys().copied().collect();
    for w in [1, 2] {
        let spill = tempfile::tempdir().unwrap();
        let config = RuntimeConfig::default()
            .with_workers(w)
            .with_memory_limit(96 << 10)
            .with_spill_dir(spill.path());
        let d = data.clone();
        let (outputs, metrics) = strom_dataset::execute_with_metrics(&config, move |env| {
            let input = env.from_collection(d.clone()).rebalance();
            (
                input
                    .group_by(|x| x.0)
                    .aggregate((agg::sum(|x: &(u64, i64)| x.1), agg::count()))
                    .collect(),
                input
                    .group_by(|x| x.0)
                    .reduce(|a, b| (a.0, a.1 + b.1))
                    .collect(),
                input.map(|x| x.0).distinct().collect(),
            )
        })
        .unwrap();
        let (aggregated, reduced, distinct) = outputs.unwrap();
        assert_eq!(
            sorted_vec(aggregated),
            expected_agg,
            "aggregate, workers={w}"
        );
        assert_eq!(sorted_vec(reduced), expected_reduce, "reduce, workers={w}");
        assert_eq!(
            sorted_vec(distinct),
            expected_distinct,
            "distinct, workers={w}"
        );
        assert!(metrics.spill_files > 3, "{metrics:?}");
        assert_eq!(std::fs::read_dir(spill.path()).unwrap().count(), 0);
    }
}

/// Joins `left` and `right` (both rebalanced over 2 workers) under a `memory` budget with
/// a spill folder of its own, which must be empty afterwards; the sorted pairs and what
/// was spilled.
fn join_under_budget(
    left: &[(u64, i64)],
    right: &[(u64, i64)],
    kind: &'static str,
    hint: JoinHint,
    memory: u64,
) -> (Vec<Pair>, strom_dataset::JobMetrics) {
    let spill = tempfile::tempdir().unwrap();
    let config = RuntimeConfig::default()
        .with_workers(2)
        .with_memory_limit(memory)
        .with_spill_dir(spill.path());
    let (l, r) = (left.to_vec(), right.to_vec());
    let (got, metrics) = strom_dataset::execute_with_metrics(&config, move |env| {
        let a = env.from_collection(l.clone()).rebalance();
        let b = env.from_collection(r.clone()).rebalance();
        join_by_kind(&a, &b, kind, hint).collect()
    })
    .unwrap();
    assert_eq!(
        std::fs::read_dir(spill.path()).unwrap().count(),
        0,
        "spill folder cleaned"
    );
    (sorted_vec(got.unwrap()), metrics)
}

#[test]
fn joins_spill_under_a_tiny_budget() {
    // Half the records share key 0: 600 x 500 = 300,000 pairs for that key alone.
    let left = records(1200, 600, 14);
    let right: Vec<(u64, i64)> = records(1000, 800, 15);
    let kinds = [
        ("inner", false, false),
        ("left", true, false),
        ("right", false, true),
        ("full", true, true),
    ];
    // Auto sorts under a budget; an explicit hash join spills into sorting when its table
    // outgrows its share.
    for hint in [
        JoinHint::Auto,
        JoinHint::RepartitionHash,
        JoinHint::BroadcastHashSecond,
    ] {
        for (kind, keep_l, keep_r) in kinds {
            if hint == JoinHint::BroadcastHashSecond && keep_r {
                continue; // falls back to RepartitionHash, covered above
            }
            let (got, metrics) = join_under_budget(&left, &right, kind, hint, 16 << 10);
            assert_eq!(
                got,
                reference_join(&left, &right, keep_l, keep_r),
                "{kind} {hint:?}"
            );
            assert!(metrics.spill_files > 0, "{kind} {hint:?}: {metrics:?}");
        }
    }
}

#[test]
fn hybrid_hash_join_spills_partitions_and_rejoins_them() {
    // Uniform keys (no skew): spilled partitions split again one level down and join in
    // memory there. A right side ten times the budget.
    let uniform = |n: u64, keys: u64, seed: u64| -> Vec<(u64, i64)> {
        (0..n)
            .map(|i| ((i * 7919 + seed) % keys, (i as i64) * 3 - seed as i64))
            .collect()
    };
    let (left, right) = (uniform(30_000, 9_000, 1), uniform(12_000, 6_000, 2));
    for (kind, keep_l, keep_r) in [("inner", false, false), ("full", true, true)] {
        let (got, metrics) =
            join_under_budget(&left, &right, kind, JoinHint::RepartitionHash, 64 << 10);
        assert_eq!(got, reference_join(&left, &right, keep_l, keep_r), "{kind}");
        assert!(metrics.spill_files > 4, "{kind}: {metrics:?}");
    }
    // One key holding a build side larger than the budget: no hash splits it, so the
    // last level sorts both sides and merges.
    let heavy: Vec<(u64, i64)> = (0..6000).map(|i| (42, i)).collect();
    let few: Vec<(u64, i64)> = vec![(42, -1), (42, -2), (7, 0), (42, -3)];
    let (got, metrics) =
        join_under_budget(&few, &heavy, "left", JoinHint::RepartitionHash, 64 << 10);
    assert_eq!(got, reference_join(&few, &heavy, true, false));
    assert!(metrics.spill_files > 4, "{metrics:?}");
}

#[test]
fn single_key_inputs_spill_and_stay_correct() {
    // Every record has the same key: the worst skew.
    let data: Vec<(u64, i64)> = (0..20_000).map(|i| (7, i)).collect();
    let total: i64 = data.iter().map(|x| x.1).sum();
    let spill = tempfile::tempdir().unwrap();
    let config = RuntimeConfig::default()
        .with_workers(2)
        .with_memory_limit(64 << 10)
        .with_spill_dir(spill.path());
    let d = data.clone();
    let (outputs, metrics) = strom_dataset::execute_with_metrics(&config, move |env| {
        let input = env.from_collection(d.clone()).rebalance();
        (
            input
                .group_by(|x| x.0)
                .aggregate((agg::sum(|x: &(u64, i64)| x.1), agg::count()))
                .collect(),
            input
                .group_by(|x| x.0)
                .reduce_group(|k, g| vec![(*k, g.len())])
                .collect(),
            input.sort_partition(|x| -x.1, Order::Ascending).count(),
            input
                .co_group(
                    &input,
                    |x| x.0,
                    |y| y.0,
                    |k, xs, ys| vec![(*k, xs.len(), ys.len())],
                )
                .collect(),
        )
    })
    .unwrap();
    let (aggregated, grouped, sorted_count, cogrouped) = outputs.unwrap();
    assert_eq!(aggregated, vec![(7, (total, 20_000))]);
    assert_eq!(grouped, vec![(7, 20_000)]);
    assert_eq!(sorted_count, 20_000);
    assert_eq!(cogrouped, vec![(7, 20_000, 20_000)]);
    assert!(metrics.spill_files > 0, "{metrics:?}");
    assert_eq!(std::fs::read_dir(spill.path()).unwrap().count(), 0);
}
