//! Connected streams, keyed co-process functions, interval and window joins, each
//! against a brute-force reference over the same records.

use std::collections::BTreeMap;
use std::time::Duration;

use strom_core::RuntimeConfig;
use strom_core::time::Offset;
use strom_datastream::process::{Context, ValueState};
use strom_datastream::{
    KeyedCoProcessFunction, KeyedStream, StreamEnv, WATERMARK_EVERY, WatermarkStrategy, execute,
};

/// Records `(ts, (key, id))`: out of order within 300 ms, keys 0..5.
fn events(n: i64, seed: u64, step: i64) -> Vec<(i64, (u32, i64))> {
    let mut s = seed;
    (0..n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (i * step - (s % 300) as i64, ((s >> 30) as u32 % 5, i))
        })
        .collect()
}

type Keyed<'s> = KeyedStream<'s, (u32, i64), u32>;

/// Both inputs read with a 300 ms bound and keyed by their key.
fn keyed_pair<'s>(
    env: &StreamEnv<'s>,
    a: &[(i64, (u32, i64))],
    b: &[(i64, (u32, i64))],
) -> (Keyed<'s>, Keyed<'s>) {
    let wm = WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(300));
    let left = env
        .from_timestamped(a.to_vec(), wm.clone())
        .key_by(|x: &(u32, i64)| x.0);
    let right = env
        .from_timestamped(b.to_vec(), wm)
        .key_by(|y: &(u32, i64)| y.0);
    (left, right)
}

#[test]
fn co_map_takes_both_inputs() {
    let mut got = execute(&RuntimeConfig::default().with_workers(2), |env| {
        let numbers = env.from_collection((0..100i64).collect::<Vec<_>>());
        let words = env.from_collection(vec!["a".to_string(), "b".to_string()]);
        numbers
            .connect(&words)
            .map(|n| format!("n{n}"), |w| format!("w{w}"))
    })
    .unwrap()
    .unwrap();
    got.sort();
    let mut want: Vec<String> = (0..100).map(|n| format!("n{n}")).collect();
    want.extend(["wa".to_string(), "wb".to_string()]);
    want.sort();
    assert_eq!(got, want);
}

/// Counts each key's records of both inputs, emitted once when the input ends (by an
/// event-time timer at the end of time).
struct CountBoth {
    counts: ValueState<(u64, u64)>,
}

type Ctx<'a> = Context<'a, u32, (u32, u64, u64), ()>;

impl KeyedCoProcessFunction<u32, (u32, i64), (u32, i64)> for CountBoth {
    type Out = (u32, u64, u64);
    type Side = ();
    fn process_element1(&mut self, _: (u32, i64), ctx: &mut Ctx<'_>) {
        let (l, r) = self.counts.value(ctx).unwrap_or_default();
        self.counts.update(ctx, (l + 1, r));
        ctx.register_event_time_timer(i64::MAX - 1);
    }
    fn process_element2(&mut self, _: (u32, i64), ctx: &mut Ctx<'_>) {
        let (l, r) = self.counts.value(ctx).unwrap_or_default();
        self.counts.update(ctx, (l, r + 1));
        ctx.register_event_time_timer(i64::MAX - 1);
    }
    fn on_timer(&mut self, _: i64, ctx: &mut Ctx<'_>) {
        let (l, r) = self.counts.value(ctx).unwrap_or_default();
        ctx.collect((*ctx.key(), l, r));
    }
}

#[test]
fn keyed_co_process_shares_state_across_inputs() {
    let (a, b) = (events(2_000, 3, 10), events(1_500, 11, 13));
    let mut want: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
    for (_, (k, _)) in &a {
        want.entry(*k).or_default().0 += 1;
    }
    for (_, (k, _)) in &b {
        want.entry(*k).or_default().1 += 1;
    }
    let want: Vec<(u32, u64, u64)> = want.into_iter().map(|(k, (l, r))| (k, l, r)).collect();
    for workers in [1, 3] {
        let (a, b) = (a.clone(), b.clone());
        let mut got = execute(
            &RuntimeConfig::default().with_workers(workers),
            move |env| {
                let wm = WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(300));
                let left = env.from_timestamped(a.clone(), wm.clone());
                let right = env.from_timestamped(b.clone(), wm);
                left.connect(&right)
                    .key_by(|x: &(u32, i64)| x.0, |y: &(u32, i64)| y.0)
                    .co_process(CountBoth {
                        counts: ValueState::new("counts"),
                    })
                    .main
            },
        )
        .unwrap()
        .unwrap();
        got.sort();
        assert_eq!(got, want, "{workers} workers");
    }
}

/// `ms` milliseconds from a timestamp, before it when negative.
fn offset(ms: i64) -> Offset {
    let d = Duration::from_millis(ms.unsigned_abs());
    if ms < 0 {
        Offset::before(d)
    } else {
        Offset::after(d)
    }
}

#[test]
fn interval_join_matches_brute_force() {
    let (a, b) = (events(1_500, 5, 10), events(1_200, 7, 12));
    for (lower, upper) in [(-50, 80), (10, 200), (-120, -20)] {
        let mut want = Vec::new();
        for (ta, (ka, ia)) in &a {
            for (tb, (kb, ib)) in &b {
                if ka == kb && ta + lower <= *tb && *tb <= ta + upper {
                    want.push((*ia, *ib));
                }
            }
        }
        want.sort_unstable();
        assert!(want.len() > 100, "a meaningful case: {}", want.len());
        for workers in [1, 2] {
            let (a, b) = (a.clone(), b.clone());
            let mut got = execute(
                &RuntimeConfig::default().with_workers(workers),
                move |env| {
                    let (left, right) = keyed_pair(env, &a, &b);
                    left.interval_join(&right, offset(lower), offset(upper))
                        .pairs()
                        .map(|(x, y)| (x.1, y.1))
                },
            )
            .unwrap()
            .unwrap();
            got.sort_unstable();
            assert_eq!(got, want, "[{lower}, {upper}] at {workers} workers");
        }
    }
}

#[test]
fn window_joins_match_brute_force() {
    let (a, b) = (events(1_000, 9, 10), events(800, 13, 12));
    let window_of = |t: i64| t - t.rem_euclid(500);
    let mut want = Vec::new();
    for (ta, (ka, ia)) in &a {
        for (tb, (kb, ib)) in &b {
            if ka == kb && window_of(*ta) == window_of(*tb) {
                want.push((window_of(*ta), *ia, *ib));
            }
        }
    }
    want.sort_unstable();
    let mut got = execute(&RuntimeConfig::default().with_workers(2), move |env| {
        let (left, right) = keyed_pair(env, &a, &b);
        left.window_join(&right)
            .tumbling(Duration::from_millis(500))
            .map(|w| (w.start, w.value.0.1, w.value.1.1))
    })
    .unwrap()
    .unwrap();
    got.sort_unstable();
    assert_eq!(got, want);
}

/// Keeps the highest threshold broadcast so far; passes main records at or above it,
/// saying which threshold each saw.
struct Threshold;

impl strom_datastream::broadcast::BroadcastProcessFunction<i64, i64> for Threshold {
    type Out = (i64, i64);
    type State = i64;
    fn process_element(
        &mut self,
        value: i64,
        state: &i64,
        ctx: &mut strom_datastream::broadcast::BroadcastContext<'_, (i64, i64)>,
    ) {
        if value >= *state {
            ctx.collect((value, *state));
        }
    }
    fn process_broadcast_element(
        &mut self,
        value: i64,
        state: &mut i64,
        _: &mut strom_datastream::broadcast::BroadcastContext<'_, (i64, i64)>,
    ) {
        *state = (*state).max(value);
    }
}

#[test]
fn broadcast_state_reaches_every_worker_before_later_records() {
    // Three splits of three batches each.
    let n = 9 * WATERMARK_EVERY as i64;
    let got = execute(&RuntimeConfig::default().with_workers(3), move |env| {
        // One threshold, in one worker's split only: every worker must get it.
        let control = env.from_timestamped(vec![(0, 1_000)], WatermarkStrategy::monotonous());
        let main = env.from_timestamped(
            (0..n).map(|i| (i, i)).collect::<Vec<_>>(),
            WatermarkStrategy::monotonous(),
        );
        main.connect_broadcast(&control).process(Threshold)
    })
    .unwrap()
    .unwrap();
    // Records after the first batch of their split come at a later stream time than
    // the threshold: they saw it, and only those at or above it pass.
    let first_batch =
        |i: i64| (0..3).any(|w| (w * n / 3..w * n / 3 + WATERMARK_EVERY as i64).contains(&i));
    for i in 0..n {
        let out: Vec<_> = got.iter().filter(|r| r.0 == i).collect();
        if !first_batch(i) {
            let want: Vec<(i64, i64)> = if i >= 1_000 { vec![(i, 1_000)] } else { vec![] };
            assert_eq!(
                out.into_iter().copied().collect::<Vec<_>>(),
                want,
                "record {i}"
            );
        }
    }
}
