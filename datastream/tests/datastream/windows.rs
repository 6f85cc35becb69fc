//! Tumbling event-time windows against a reference model: for input whose disorder
//! stays within the bound no record is late, so the result is every (key, window) of
//! the input; beyond the bound, records whose window has fired are dropped. Sliding and
//! tumbling windows and sessions run on both state backends.

use std::collections::BTreeMap;
use std::time::Duration;

use proptest::prelude::*;
use strom_core::RuntimeConfig;
use strom_core::state::{DiskOptions, StateBackend};
use strom_datastream::window::tumbling_start;
use strom_datastream::{DataStream, KeyedStream, WATERMARK_EVERY, WatermarkStrategy, execute};

type Row = (u32, i64, i64, u64, i64);

/// The empty (count, sum) of a window.
fn zero() -> (u64, i64) {
    (0, 0)
}

/// Counts and sums one event into a window's (count, sum).
fn add(acc: &mut (u64, i64), e: &(u32, i64)) {
    acc.0 += 1;
    acc.1 += e.1;
}

/// `(key, start, end, count, sum)` of every window of `events`, by key and start.
fn reference(events: &[(i64, (u32, i64))], size: i64) -> Vec<Row> {
    let mut windows: BTreeMap<(u32, i64), (u64, i64)> = BTreeMap::new();
    for &(ts, (key, value)) in events {
        let w = windows.entry((key, tumbling_start(ts, size))).or_default();
        w.0 += 1;
        w.1 += value;
    }
    windows
        .into_iter()
        .map(|((k, s), (n, sum))| (k, s, s + size, n, sum))
        .collect()
}

/// `workers` on the heap backend, or on the disk backend with a cache of a few entries
/// (so that windows fire from the store).
fn config(workers: usize, disk: bool) -> RuntimeConfig {
    let mut config = RuntimeConfig::default().with_workers(workers);
    if disk {
        config.state_backend = StateBackend::Disk(DiskOptions {
            cache_entries: 3,
            page_cache_bytes: 1 << 20,
            ..DiskOptions::default()
        });
    }
    config
}

fn run(events: Vec<(i64, (u32, i64))>, size: i64, bound: i64, config: &RuntimeConfig) -> Vec<Row> {
    let mut rows: Vec<Row> = execute(config, move |env| {
        env.from_timestamped(
            events.clone(),
            WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(bound as u64)),
        )
        .key_by(|e: &(u32, i64)| e.0)
        .tumbling_window(Duration::from_millis(size as u64))
        .aggregate(zero, add, |acc| acc)
        .map(|w| (w.key, w.start, w.end, w.value.0, w.value.1))
    })
    .unwrap()
    .unwrap();
    rows.sort();
    rows
}

/// Events whose event times lag the largest seen so far by less than `bound` (so no
/// record can even touch a session that has fired).
fn in_bound_events(bound: i64) -> impl Strategy<Value = Vec<(i64, (u32, i64))>> {
    prop::collection::vec((0i64..400, 0..bound, 0u32..5, -50i64..50), 0..1500).prop_map(
        move |steps| {
            let mut max = -2_000i64;
            steps
                .into_iter()
                .map(|(advance, lag, key, value)| {
                    max += advance;
                    ((max - lag).max(max - bound), (key, value))
                })
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn in_bound_disorder_loses_nothing(
        events in in_bound_events(700),
        size in prop::sample::select(vec![100i64, 1_000, 5_000]),
        workers in 1usize..4,
        disk in any::<bool>(),
    ) {
        let expected = reference(&events, size);
        prop_assert_eq!(run(events, size, 700, &config(workers, disk)), expected);
    }
}

#[test]
fn records_behind_a_fired_window_are_dropped() {
    // One worker; event times climb 1 s per record. After the first batch the watermark
    // is (WATERMARK_EVERY - 1) s - 0.5 s - 1 ms, so a record at 10 s arriving later is
    // late: its window [10 s, 11 s) has fired. One at (WATERMARK_EVERY + 40) s is not.
    let mut events: Vec<(i64, (u32, i64))> = (0..WATERMARK_EVERY as i64 + 50)
        .map(|i| (i * 1_000, (1, i)))
        .collect();
    events.push((10_000, (1, 1_000)));
    events.push(((WATERMARK_EVERY as i64 + 40) * 1_000, (1, 7)));
    let mut kept = events.clone();
    kept.remove(kept.len() - 2);
    for disk in [false, true] {
        let got = run(events.clone(), 1_000, 500, &config(1, disk));
        assert_eq!(got, reference(&kept, 1_000), "disk: {disk}");
        assert_ne!(got, reference(&events, 1_000));
    }
}

/// The allowed lateness of the late-record tests: [10 s, 11 s) within it when the
/// late records of [`climbing`] come, [3 s, 4 s) past it.
pub(super) fn lateness() -> Duration {
    Duration::from_secs(WATERMARK_EVERY as u64 - 9)
}

/// The climbing input of the late-record tests, then `extra` records.
pub(super) fn climbing(extra: &[(i64, (u32, i64))]) -> Vec<(i64, (u32, i64))> {
    let mut events: Vec<(i64, (u32, i64))> = (0..WATERMARK_EVERY as i64 + 50)
        .map(|i| (i * 1_000, (1, i)))
        .collect();
    events.extend_from_slice(extra);
    events
}

#[test]
fn allowed_lateness_fires_again_and_the_rest_goes_to_the_side_output() {
    // When the late records arrive the watermark is W = (WATERMARK_EVERY - 1) s - 501 ms.
    // Within (WATERMARK_EVERY - 9) s of allowed lateness, [10 s, 11 s) (end - 1 +
    // lateness = (WATERMARK_EVERY + 2) s - 1 ms, after W) takes its record and fires
    // again; [3 s, 4 s) ((WATERMARK_EVERY - 5) s - 1 ms, before W) is past it: its record
    // goes to the side output.
    let events = climbing(&[(10_000, (1, 1_000)), (3_000, (1, 5_000))]);
    let windowed = |late: bool, disk: bool| {
        let events = events.clone();
        let mut rows = execute(&config(1, disk), move |env| {
            let w = env
                .from_timestamped(
                    events.clone(),
                    WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(500)),
                )
                .key_by(|e: &(u32, i64)| e.0)
                .tumbling_window(Duration::from_secs(1))
                .allowed_lateness(lateness())
                .aggregate_with_late(zero, add, |acc| acc);
            if late {
                w.late.map(|e| (e.0, 0, 0, 0, e.1))
            } else {
                w.results
                    .map(|w| (w.key, w.start, w.end, w.value.0, w.value.1))
            }
        })
        .unwrap()
        .unwrap();
        rows.sort();
        rows
    };
    let mut expected = reference(&climbing(&[]), 1_000);
    expected.push((1, 10_000, 11_000, 2, 1_010));
    expected.sort();
    for disk in [false, true] {
        assert_eq!(windowed(false, disk), expected, "disk: {disk}");
        assert_eq!(windowed(true, disk), vec![(1, 0, 0, 0, 5_000)]);
    }
}

#[test]
fn sliding_windows_match_the_reference() {
    let events: Vec<(i64, (u32, i64))> = (0..2_000)
        .map(|i| ((i * 37) % 1_000 + i * 50, ((i % 3) as u32, i)))
        .collect();
    let (size, slide) = (3_000, 1_000);
    let mut expected: BTreeMap<(u32, i64), (u64, i64)> = BTreeMap::new();
    for &(ts, (k, v)) in &events {
        let mut start = tumbling_start(ts, slide);
        while start > ts - size {
            let w = expected.entry((k, start)).or_default();
            w.0 += 1;
            w.1 += v;
            start -= slide;
        }
    }
    let expected: Vec<Row> = expected
        .into_iter()
        .map(|((k, s), (n, sum))| (k, s, s + size, n, sum))
        .collect();
    for (workers, disk) in [(1, false), (3, false), (1, true), (3, true)] {
        let e = events.clone();
        let mut got = execute(&config(workers, disk), move |env| {
            env.from_timestamped(
                e.clone(),
                WatermarkStrategy::bounded_out_of_orderness(Duration::from_secs(1)),
            )
            .key_by(|e: &(u32, i64)| e.0)
            .sliding_window(
                Duration::from_millis(size as u64),
                Duration::from_millis(slide as u64),
            )
            .aggregate(zero, add, |acc| acc)
            .map(|w| (w.key, w.start, w.end, w.value.0, w.value.1))
        })
        .unwrap()
        .unwrap();
        got.sort();
        assert_eq!(got, expected, "workers {workers}, disk: {disk}");
    }
}

/// Windows of window results (Flink's "largest count per window"): a result carries
/// event time `end - 1`, and a downstream window ending at the same `end` still counts
/// it, also for sessions and when the upstream windows slide.
#[test]
fn windows_of_window_results_count_every_result() {
    // Key k has k + 1 events in every second of [0, 10 s).
    let events: Vec<(i64, (u32, i64))> = (0..10)
        .flat_map(|second| {
            (0..4u32).flat_map(move |k| {
                (0..=i64::from(k)).map(move |i| (second * 1_000 + 100 * i + 7, (k, 1)))
            })
        })
        .collect();
    for (workers, disk) in [(1, false), (3, false), (2, true)] {
        let e = events.clone();
        let mut got = execute(&config(workers, disk), move |env| {
            let counts = env
                .from_timestamped(
                    e.clone(),
                    WatermarkStrategy::bounded_out_of_orderness(Duration::ZERO),
                )
                .key_by(|e: &(u32, i64)| e.0)
                .sliding_window(Duration::from_secs(2), Duration::from_secs(1))
                .aggregate(zero, add, |acc| acc.0);
            // Per window start, the key with the most events and the number of keys.
            counts
                .key_by(|w| w.start)
                .tumbling_window(Duration::from_secs(1))
                .aggregate(
                    || (0u32, 0u64, 0u32),
                    |acc, w| {
                        if w.value > acc.1 {
                            (acc.0, acc.1) = (w.key, w.value);
                        }
                        acc.2 += 1;
                    },
                    |acc| acc,
                )
                .map(|w| (w.key, w.value))
        })
        .unwrap()
        .unwrap();
        got.sort();
        // Window [-1 s, 1 s) holds one second of each key, [9 s, 11 s) too; the others two.
        let expected: Vec<(i64, (u32, u64, u32))> = (-1..10)
            .map(|s| {
                let seconds = if s == -1 || s == 9 { 1 } else { 2 };
                (s * 1_000, (3, 4 * seconds, 4))
            })
            .collect();
        assert_eq!(got, expected, "workers {workers}, disk {disk}");
    }
}

/// Sessions of `gap` per key: windows `[t, t + gap)` merged while they overlap or touch.
fn reference_sessions(events: &[(i64, (u32, i64))], gap: i64) -> Vec<Row> {
    let mut by_key: BTreeMap<u32, Vec<(i64, i64)>> = BTreeMap::new();
    for &(ts, (k, v)) in events {
        by_key.entry(k).or_default().push((ts, v));
    }
    let mut rows = Vec::new();
    for (k, mut records) in by_key {
        records.sort();
        let mut current: Option<Row> = None;
        for (ts, v) in records {
            match current.as_mut() {
                Some(s) if ts <= s.2 => {
                    s.2 = s.2.max(ts + gap);
                    s.3 += 1;
                    s.4 += v;
                }
                _ => {
                    rows.extend(current.take());
                    current = Some((k, ts, ts + gap, 1, v));
                }
            }
        }
        rows.extend(current);
    }
    rows.sort();
    rows
}

/// `(key, start, end, count, sum)` of the sessions of `gap` (kept `lateness` ms past
/// their end) over `events`, sorted.
fn sessions(
    events: Vec<(i64, (u32, i64))>,
    gap: i64,
    lateness: i64,
    strategy: WatermarkStrategy,
    config: &RuntimeConfig,
) -> Vec<Row> {
    let mut rows = execute(config, move |env| {
        env.from_timestamped(events.clone(), strategy.clone())
            .key_by(|e: &(u32, i64)| e.0)
            .session_window(Duration::from_millis(gap as u64))
            .allowed_lateness(Duration::from_millis(lateness as u64))
            .aggregate(
                zero,
                add,
                |acc, other| {
                    acc.0 += other.0;
                    acc.1 += other.1;
                },
                |acc| acc,
            )
            .map(|w| (w.key, w.start, w.end, w.value.0, w.value.1))
    })
    .unwrap()
    .unwrap();
    rows.sort();
    rows
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn sessions_match_the_reference_model(
        events in in_bound_events(700),
        gap in prop::sample::select(vec![50i64, 300, 2_000]),
        workers in 1usize..4,
        disk in any::<bool>(),
    ) {
        let expected = reference_sessions(&events, gap);
        let got = sessions(events, gap, 0, WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(700)), &config(workers, disk));
        prop_assert_eq!(got, expected);
    }
}

#[test]
fn rolling_reduce_runs_per_key() {
    let events: Vec<(i64, (u32, i64))> = (0..3_000).map(|i| (i, ((i % 7) as u32, i + 1))).collect();
    let mut totals: BTreeMap<u32, (usize, i64)> = BTreeMap::new();
    for &(_, (k, v)) in &events {
        let t = totals.entry(k).or_default();
        t.0 += 1;
        t.1 += v;
    }
    for workers in [1, 3] {
        let e = events.clone();
        let got = execute(
            &RuntimeConfig::default().with_workers(workers),
            move |env| {
                env.from_timestamped(e.clone(), WatermarkStrategy::monotonous())
                    .key_by(|x: &(u32, i64)| x.0)
                    .reduce(|a, b| (a.0, a.1 + b.1))
            },
        )
        .unwrap()
        .unwrap();
        // One output per record; each key's largest running sum is its total.
        let mut seen: BTreeMap<u32, (usize, i64)> = BTreeMap::new();
        for (k, v) in got {
            let s = seen.entry(k).or_default();
            s.0 += 1;
            s.1 = s.1.max(v);
        }
        assert_eq!(seen, totals, "workers {workers}");
    }
    // One worker reads in order: the running sums are the prefix sums.
    let got = execute(&RuntimeConfig::default().with_workers(1), |env| {
        env.from_timestamped(
            vec![(1, (0u32, 5i64)), (2, (0, 7)), (3, (1, 1)), (4, (0, -2))],
            WatermarkStrategy::monotonous(),
        )
        .key_by(|x: &(u32, i64)| x.0)
        .reduce(|a, b| (a.0, a.1 + b.1))
    })
    .unwrap()
    .unwrap();
    assert_eq!(got, vec![(0, 5), (0, 12), (1, 1), (0, 10)]);
}

#[test]
fn rolling_sum_min_max_and_by_record_keep_flink_semantics() {
    type R = (u32, i64, char);
    fn run(pick: for<'s> fn(&KeyedStream<'s, R, u32>) -> DataStream<'s, R>) -> Vec<R> {
        execute(&RuntimeConfig::default().with_workers(1), move |env| {
            let keyed = env
                .from_timestamped(
                    vec![
                        (1, (0u32, 5i64, 'x')),
                        (2, (0, 3, 'y')),
                        (3, (1, 9, 'z')),
                        (4, (0, 8, 'w')),
                    ],
                    WatermarkStrategy::monotonous(),
                )
                .key_by(|r: &R| r.0);
            pick(&keyed)
        })
        .unwrap()
        .unwrap()
    }
    // sum, min and max change one field and keep the rest of the key's first record;
    // min_by and max_by keep the whole record that wins.
    assert_eq!(
        run(|k| k.sum(|r| &mut r.1)),
        [(0, 5, 'x'), (0, 8, 'x'), (1, 9, 'z'), (0, 16, 'x')]
    );
    assert_eq!(
        run(|k| k.min(|r| &mut r.1)),
        [(0, 5, 'x'), (0, 3, 'x'), (1, 9, 'z'), (0, 3, 'x')]
    );
    assert_eq!(
        run(|k| k.max(|r| &mut r.1)),
        [(0, 5, 'x'), (0, 5, 'x'), (1, 9, 'z'), (0, 8, 'x')]
    );
    assert_eq!(
        run(|k| k.min_by(|r| r.1)),
        [(0, 5, 'x'), (0, 3, 'y'), (1, 9, 'z'), (0, 3, 'y')]
    );
    assert_eq!(
        run(|k| k.max_by(|r| r.1)),
        [(0, 5, 'x'), (0, 5, 'x'), (1, 9, 'z'), (0, 8, 'w')]
    );
}

#[test]
fn window_reduce_equals_the_aggregate() {
    let events: Vec<(i64, (u32, i64))> = (0..2_000)
        .map(|i| (i * 7 % 5_000, ((i % 3) as u32, i)))
        .collect();
    let run = |reduce: bool| {
        let events = events.clone();
        let mut rows = execute(&RuntimeConfig::default().with_workers(2), move |env| {
            let w = env
                .from_timestamped(
                    events.clone(),
                    WatermarkStrategy::bounded_out_of_orderness(Duration::from_secs(5)),
                )
                .key_by(|e: &(u32, i64)| e.0)
                .tumbling_window(Duration::from_secs(1));
            if reduce {
                w.reduce(|a, b| (a.0, a.1 + b.1))
                    .map(|w| (w.key, w.start, w.value.1))
            } else {
                w.aggregate(|| 0i64, |s, e| *s += e.1, |s| s)
                    .map(|w| (w.key, w.start, w.value))
            }
        })
        .unwrap()
        .unwrap();
        rows.sort_unstable();
        rows
    };
    let sums = run(false);
    assert_eq!(sums.len(), 15);
    assert_eq!(run(true), sums);
}

/// Issue 17: a window whose end plus allowed lateness passes `i64::MAX` panicked
/// (debug) or was taken as long past and dropped (release). Its cleanup time saturates:
/// records near the end of time are counted, a late one within the lateness fires its
/// window again, and sessions there merge and fire alike.
#[test]
fn issue_17_windows_near_the_end_of_time_keep_their_allowed_lateness() {
    let base = tumbling_start(i64::MAX - 20 * WATERMARK_EVERY as i64, 1_000);
    let climbing: Vec<(i64, (u32, i64))> = (0..WATERMARK_EVERY as i64 + 50)
        .map(|i| (base + i * 10, (1, i)))
        .collect();
    // When it comes, the first read has moved the watermark to base + 10 ms *
    // WATERMARK_EVERY - 1 ms: the window [base, base + 1 s) has fired, and fires again
    // with it.
    let mut events = climbing.clone();
    events.push((base + 5, (1, 1_000)));
    let lateness = i64::MAX / 2;
    let inputs = events.clone();
    let mut tumbling = execute(&config(1, false), move |env| {
        env.from_timestamped(inputs.clone(), WatermarkStrategy::monotonous())
            .key_by(|e: &(u32, i64)| e.0)
            .tumbling_window(Duration::from_secs(1))
            .allowed_lateness(Duration::from_millis(lateness as u64))
            .aggregate(zero, add, |acc| acc)
            .map(|w| (w.key, w.start, w.end, w.value.0, w.value.1))
    })
    .unwrap()
    .unwrap();
    tumbling.sort();
    let mut expected = reference(&climbing, 1_000);
    let first = expected[0];
    expected.push((1, base, base + 1_000, first.3 + 1, first.4 + 1_000));
    expected.sort();
    assert_eq!(tumbling, expected);

    let got = sessions(
        events.clone(),
        100,
        lateness,
        WatermarkStrategy::monotonous(),
        &config(2, false),
    );
    assert_eq!(got, reference_sessions(&events, 100));
}

/// Keys read in place (`key_by_field`, string keys the records hold): every key's
/// records meet on one worker (one row per key and window, with the reference's
/// count and sum, at 3 workers too) and its windows fire from either backend.
#[test]
fn keys_held_by_the_records_window_as_made_keys_do() {
    let events: Vec<(i64, (u32, i64))> = (0..3_000)
        .map(|i| ((i * 41) % 700 + i * 20, ((i % 7) as u32, i)))
        .collect();
    let size = 1_000;
    let expected: Vec<(String, i64, i64, u64, i64)> = reference(&events, size)
        .into_iter()
        .map(|(k, s, e, n, sum)| (format!("key-{k}"), s, e, n, sum))
        .collect();
    let named: Vec<(i64, (String, i64))> = events
        .iter()
        .map(|&(ts, (k, v))| (ts, (format!("key-{k}"), v)))
        .collect();
    for (workers, disk) in [(1, false), (3, false), (3, true)] {
        let e = named.clone();
        let mut got = execute(&config(workers, disk), move |env| {
            env.from_timestamped(
                e.clone(),
                WatermarkStrategy::bounded_out_of_orderness(Duration::from_secs(1)),
            )
            .key_by_field(|e: &(String, i64)| &e.0)
            .tumbling_window(Duration::from_millis(size as u64))
            .aggregate(
                zero,
                |acc: &mut (u64, i64), e: &(String, i64)| {
                    acc.0 += 1;
                    acc.1 += e.1;
                },
                |acc| acc,
            )
            .map(|w| (w.key, w.start, w.end, w.value.0, w.value.1))
        })
        .unwrap()
        .unwrap();
        got.sort();
        assert_eq!(got, expected, "workers {workers}, disk: {disk}");
    }
}
