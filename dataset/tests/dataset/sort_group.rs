//! `sort_group` against sorting in the test, in memory and spilling, with float sort
//! keys (NaN, negative zero) and `first(n)` per sorted group.

use std::collections::BTreeMap;

use proptest::prelude::*;
use strom_core::RuntimeConfig;
use strom_dataset::{Order, execute_with_metrics};

use crate::operators::{WORKERS, records, run};

/// Each group's values in `order`, by key.
fn sorted_groups(data: &[(u64, i64)], order: Order) -> Vec<(u64, Vec<i64>)> {
    let mut groups: BTreeMap<u64, Vec<i64>> = BTreeMap::new();
    for &(k, v) in data {
        groups.entry(k).or_default().push(v);
    }
    for values in groups.values_mut() {
        values.sort();
        if order == Order::Descending {
            values.reverse();
        }
    }
    groups.into_iter().collect()
}

#[test]
fn groups_are_read_in_order_in_memory_and_spilling() {
    let data = records(4000, 30, 21);
    for order in [Order::Ascending, Order::Descending] {
        let expected = sorted_groups(&data, order);
        for w in WORKERS {
            for memory in [None, Some(32 << 10)] {
                let spill = tempfile::tempdir().unwrap();
                let mut config = RuntimeConfig::default()
                    .with_workers(w)
                    .with_spill_dir(spill.path());
                if let Some(m) = memory {
                    config = config.with_memory_limit(m);
                }
                let d = data.clone();
                let (got, metrics) = execute_with_metrics(&config, move |env| {
                    env.from_collection(d.clone())
                        .rebalance()
                        .group_by(|x: &(u64, i64)| x.0)
                        .sort_group(|x| x.1, order)
                        .reduce_group(|k, group| {
                            Some((*k, group.into_iter().map(|x| x.1).collect::<Vec<_>>()))
                        })
                        .collect()
                })
                .unwrap();
                let mut got = got.unwrap();
                got.sort();
                assert_eq!(got, expected, "{order:?}, workers {w}, memory {memory:?}");
                assert_eq!(metrics.spill_files > 0, memory.is_some(), "{metrics:?}");
            }
        }
    }
}

#[test]
fn first_n_of_sorted_groups_is_the_top_n() {
    let data = records(3000, 40, 5);
    let mut expected: Vec<(u64, i64)> = sorted_groups(&data, Order::Descending)
        .into_iter()
        .flat_map(|(k, values)| values.into_iter().take(3).map(move |v| (k, v)))
        .collect();
    expected.sort();
    for w in WORKERS {
        let d = data.clone();
        let got = run(w, move |env| {
            env.from_collection(d.clone())
                .rebalance()
                .group_by(|x: &(u64, i64)| x.0)
                .sort_group(|x| x.1, Order::Descending)
                .first(3)
        });
        assert_eq!(got, expected, "workers {w}");
    }
}

#[test]
fn ties_keep_their_order_of_arrival() {
    // One worker reads the collection in order: records of equal sort key stay in it.
    let data: Vec<(u64, u64, usize)> = records(500, 4, 9)
        .into_iter()
        .enumerate()
        .map(|(i, (k, v))| (k, v.unsigned_abs() % 5, i))
        .collect();
    let mut expected = data.clone();
    expected.sort_by_key(|x| (x.0, std::cmp::Reverse(x.1)));
    let got = run(1, move |env| {
        env.from_collection(data.clone())
            .group_by(|x: &(u64, u64, usize)| x.0)
            .sort_group(|x| x.1, Order::Descending)
            .reduce_group(|_, group| Some(group))
    });
    assert_eq!(got.concat(), expected);
}

/// Float values that exercise the total order: NaNs of both signs, zeros of both signs,
/// infinities.
fn float(i: u8) -> f64 {
    match i % 8 {
        0 => f64::NAN,
        1 => -f64::NAN,
        2 => 0.0,
        3 => -0.0,
        4 => f64::INFINITY,
        5 => f64::NEG_INFINITY,
        _ => f64::from(i) / 7.0 - 15.0,
    }
}

/// The float's rank in IEEE 754's total order, computed from its bits (independently of
/// `total_cmp`).
fn rank(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    if bits < 0 { i64::MIN - bits } else { bits }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    // Float sort keys: each group's keys come out in total order.
    #[test]
    fn float_sort_keys_in_total_order(
        raw in proptest::collection::vec((0u8..4, any::<u8>()), 0..200),
        workers in 1usize..4,
        descending: bool,
    ) {
        let order = if descending { Order::Descending } else { Order::Ascending };
        let data: Vec<(u8, f64)> = raw.iter().map(|&(k, i)| (k, float(i))).collect();
        let mut expected: BTreeMap<u8, Vec<i64>> = BTreeMap::new();
        for &(k, x) in &data {
            expected.entry(k).or_default().push(rank(x));
        }
        for ranks in expected.values_mut() {
            ranks.sort();
            if descending {
                ranks.reverse();
            }
        }
        let got = run(workers, move |env| {
            env.from_collection(data.clone())
                .group_by(|x: &(u8, f64)| x.0)
                .sort_group(|x| x.1, order)
                .reduce_group(|k, group| Some((*k, group.iter().map(|x| rank(x.1)).collect::<Vec<_>>())))
        });
        prop_assert_eq!(got, expected.into_iter().collect::<Vec<_>>());
    }
}
