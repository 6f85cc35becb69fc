//! What a library builds on: several tagged side outputs (Flink's `OutputTag`s) of
//! keyed and non-keyed process functions, `window_all`, and `DataStream::from_stream`
//! around a library's own timely operator, and a library's own `StatefulLogic` on the
//! operator shell through a checkpoint; expectations computed by hand.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;
use strom_core::RuntimeConfig;
use strom_datastream::process::{
    Context, KeyedProcessFunction, KeyedProcessHarness, OutputTag, OutputTags, ProcessContext,
    ProcessFunction, ValueState,
};

use strom_core::state::KeyGroupRange;
use strom_datastream::checkpoint::{GroupSink, Part, committed};
use strom_datastream::shell::{Held, Outputs, StatefulLogic};
use strom_datastream::unstable::timely::dataflow::operators::vec::Map;
use strom_datastream::{
    DataStream, Generator, Timestamped, Timestamps, WatermarkStrategy, execute,
};

/// Per key: negative values to `negative`, multiples of 3 to `threes`, the rest to the
/// main output with the key's running count of them; a timer at the record's time
/// plus 10 reports the count to `threes` as `-count`.
struct Router {
    seen: ValueState<u64>,
    negative: OutputTag<i64>,
    threes: OutputTag<(char, i64)>,
}

impl Router {
    fn new() -> Self {
        Router {
            seen: ValueState::new("seen"),
            negative: OutputTag::new("negative"),
            threes: OutputTag::new("threes"),
        }
    }
}

impl KeyedProcessFunction<char, (char, i64)> for Router {
    type Out = (char, i64, u64);
    type Side = ();

    fn process_element(&mut self, (k, v): (char, i64), ctx: &mut Context<'_, char, Self::Out, ()>) {
        if v < 0 {
            ctx.output_to(&self.negative, v);
        } else if v % 3 == 0 {
            ctx.output_to(&self.threes, (k, v));
        } else {
            let n = self.seen.value(ctx).unwrap_or(0) + 1;
            self.seen.update(ctx, n);
            ctx.collect((k, v, n));
            ctx.register_event_time_timer(ctx.timestamp() + 10);
        }
    }

    fn on_timer(&mut self, _: i64, ctx: &mut Context<'_, char, Self::Out, ()>) {
        let n = self.seen.value(ctx).unwrap_or(0) as i64;
        let k = *ctx.key();
        ctx.output_to(&self.threes, (k, -n));
    }

    fn output_tags(&self) -> OutputTags {
        OutputTags::new().with(&self.negative).with(&self.threes)
    }
}

#[test]
fn tagged_side_outputs_step_by_step_in_the_harness() {
    let router = Router::new();
    let (negative, threes) = (router.negative.clone(), router.threes.clone());
    let mut h = KeyedProcessHarness::new(router, |r: &(char, i64)| r.0);
    h.process_element(100, ('a', 1));
    h.process_element(101, ('a', -4));
    h.process_element(102, ('b', 6));
    h.process_element(103, ('a', 5));
    assert_eq!(h.take_output(), [(100, ('a', 1, 1)), (103, ('a', 5, 2))]);
    assert_eq!(h.take_tagged_output(&negative), [(101, -4)]);
    assert_eq!(h.take_tagged_output(&threes), [(102, ('b', 6))]);
    // The timers at 110 and 113 fire; both see a's count of 2.
    h.process_watermark(113);
    assert_eq!(
        h.take_tagged_output(&threes),
        [(110, ('a', -2)), (113, ('a', -2))]
    );
    assert!(h.take_tagged_output(&negative).is_empty());
    assert!(h.take_output().is_empty());
}

#[test]
#[should_panic(expected = "side output \"stray\" is not one the operator declared")]
fn a_tag_the_function_did_not_declare_is_refused() {
    struct Stray(OutputTag<i64>);
    impl KeyedProcessFunction<i64, i64> for Stray {
        type Out = i64;
        type Side = ();
        fn process_element(&mut self, v: i64, ctx: &mut Context<'_, i64, i64, ()>) {
            ctx.output_to(&self.0, v);
        }
    }
    let mut h = KeyedProcessHarness::new(Stray(OutputTag::new("stray")), |v: &i64| *v);
    h.process_element(0, 1);
}

#[test]
fn each_tagged_side_output_is_its_own_stream() {
    // 300 records over keys a, b, c with values -50..250, one per ms.
    let events: Vec<(i64, (char, i64))> = (0..300)
        .map(|i| (i, (['a', 'b', 'c'][i as usize % 3], i - 50)))
        .collect();
    let mut want: Vec<String> = Vec::new();
    let mut counts = std::collections::BTreeMap::new();
    for &(_, (k, v)) in &events {
        if v < 0 {
            want.push(format!("negative {v}"));
        } else if v % 3 == 0 {
            want.push(format!("threes {k} {v}"));
        } else {
            *counts.entry(k).or_insert(0u64) += 1;
            want.push(format!("main {k} {v}"));
        }
    }
    want.sort();
    // A timer per main record reports its key's count so far (which depends on how
    // far the watermark had moved): one report per main record, each between 1 and
    // the key's final count.
    let mains = want.iter().filter(|w| w.starts_with("main")).count();
    for workers in [1, 3] {
        let events = events.clone();
        let got = execute(
            &RuntimeConfig::default().with_workers(workers),
            move |env| {
                let router = Router::new();
                let (negative, threes) = (router.negative.clone(), router.threes.clone());
                let routed = env
                    .from_timestamped(events.clone(), WatermarkStrategy::monotonous())
                    .key_by(|r: &(char, i64)| r.0)
                    .process(router);
                routed
                    .main
                    .map(|(k, v, n)| format!("main {k} {v} {n}"))
                    .union(
                        &routed
                            .side_output(&negative)
                            .map(|v| format!("negative {v}")),
                    )
                    .union(
                        &routed
                            .side_output(&threes)
                            .map(|(k, v)| format!("threes {k} {v}")),
                    )
            },
        )
        .unwrap()
        .unwrap();
        let (reports, rows): (Vec<String>, Vec<String>) = got
            .into_iter()
            .partition(|r| r.starts_with("threes") && r.contains('-'));
        // A key's records arrive from several source splits, in no fixed order: its
        // running counts are 1, 2, ... in some order.
        let mut seen: std::collections::BTreeMap<char, Vec<u64>> = Default::default();
        let mut rows: Vec<String> = rows
            .into_iter()
            .map(|r| match r.strip_prefix("main ") {
                Some(rest) => {
                    let (kv, n) = rest.rsplit_once(' ').unwrap();
                    let k = kv.chars().next().unwrap();
                    seen.entry(k).or_default().push(n.parse().unwrap());
                    format!("main {kv}")
                }
                None => r,
            })
            .collect();
        rows.sort();
        assert_eq!(rows, want, "{workers} workers");
        for (k, mut ns) in seen {
            ns.sort_unstable();
            assert!(
                ns.into_iter().eq(1..=counts[&k]),
                "{workers} workers: counts of {k}"
            );
        }
        assert_eq!(
            reports.len(),
            mains,
            "{workers} workers: a report per timer"
        );
        for r in &reports {
            let (key, n) = r["threes ".len()..].split_once(" -").unwrap();
            let n: u64 = n.parse().unwrap();
            let k = key.chars().next().unwrap();
            assert!((1..=counts[&k]).contains(&n), "{r}");
        }
    }
}

/// A non-keyed process function: values at or above the watermark to the main
/// output with their time, others to the side output, multiples of 100 also to a tag.
struct Split {
    hundreds: OutputTag<i64>,
}

impl ProcessFunction<i64> for Split {
    type Out = (i64, i64);
    type Side = i64;

    fn process_element(&mut self, v: i64, ctx: &mut ProcessContext<'_, (i64, i64), i64>) {
        if ctx.timestamp() >= ctx.current_watermark() {
            ctx.collect((ctx.timestamp(), v));
        } else {
            ctx.output(v);
        }
        if v % 100 == 0 {
            ctx.output_to(&self.hundreds, v);
        }
    }

    fn output_tags(&self) -> OutputTags {
        OutputTags::new().with(&self.hundreds)
    }
}

#[test]
fn a_non_keyed_process_function_emits_to_main_side_and_tagged_outputs() {
    // In order: nothing is behind the watermark, so nothing goes to the side output.
    let events: Vec<(i64, i64)> = (0..1_000).map(|i| (i * 3, i)).collect();
    let want_main: Vec<String> = (0..1_000).map(|i| format!("main {} {i}", i * 3)).collect();
    let want_tag: Vec<String> = (0..10).map(|i| format!("hundred {}", i * 100)).collect();
    for workers in [1, 2] {
        let events = events.clone();
        let mut got = execute(
            &RuntimeConfig::default().with_workers(workers),
            move |env| {
                let split = Split {
                    hundreds: OutputTag::new("hundreds"),
                };
                let hundreds = split.hundreds.clone();
                let out = env
                    .from_timestamped(events.clone(), WatermarkStrategy::monotonous())
                    .rebalance()
                    .process(split);
                out.main
                    .map(|(ts, v)| format!("main {ts} {v}"))
                    .union(&out.side.map(|v| format!("side {v}")))
                    .union(&out.side_output(&hundreds).map(|v| format!("hundred {v}")))
            },
        )
        .unwrap()
        .unwrap();
        got.sort();
        let mut want: Vec<String> = want_main.iter().chain(&want_tag).cloned().collect();
        want.sort();
        assert_eq!(got, want, "{workers} workers");
    }
}

#[test]
fn window_all_windows_the_whole_stream_under_one_key() {
    // 1,000 records, one per 7 ms, over 5 keys: 100 ms windows count all keys.
    let events: Vec<(i64, u32)> = (0..1_000).map(|i| (i * 7, (i % 5) as u32)).collect();
    let mut want = std::collections::BTreeMap::new();
    for (ts, _) in &events {
        *want.entry(ts / 100 * 100).or_insert(0u64) += 1;
    }
    let want: Vec<(i64, u64)> = want.into_iter().collect();
    let got = execute(&RuntimeConfig::default().with_workers(3), move |env| {
        env.from_timestamped(events.clone(), WatermarkStrategy::monotonous())
            .window_all()
            .tumbling_window(Duration::from_millis(100))
            .aggregate(|| 0u64, |n, _| *n += 1, |n| n)
            .map(|w| (w.start, w.value))
    })
    .unwrap()
    .unwrap();
    let mut got = got;
    got.sort();
    assert_eq!(got, want);
}

#[test]
fn from_stream_wraps_a_library_operator_as_a_stream() {
    let events: Vec<(i64, u64)> = (0..500).map(|i| (i, i as u64)).collect();
    let mut got = execute(&RuntimeConfig::default().with_workers(2), move |env| {
        let raw = env
            .from_timestamped(events.clone(), WatermarkStrategy::monotonous())
            .stream()
            .map(|mut r| {
                r.value *= 2;
                r
            });
        DataStream::from_stream(env, raw)
            .key_by(|v: &u64| v % 2)
            .tumbling_window(Duration::from_millis(100))
            .aggregate(|| 0u64, |s, v| *s += v, |s| s)
            .map(|w| (w.start, w.value))
    })
    .unwrap()
    .unwrap();
    got.sort();
    // Every doubled value is even: one key; each window sums 2 * (100 w .. 100 w + 99).
    let want: Vec<(i64, u64)> = (0..5i64)
        .map(|w| (w * 100, (0..100u64).map(|i| 2 * (w as u64 * 100 + i)).sum()))
        .collect();
    assert_eq!(got, want);
}

/// The key of a `(key, index)` record.
type KeyFn = Rc<dyn Fn(&(u64, u64)) -> u64>;

/// A library's own stateful logic: counts per key, kept by key group, emitted when the
/// input ends.
struct Counts {
    key: KeyFn,
    range: KeyGroupRange,
    counts: BTreeMap<u64, u64>,
    /// Where the counts go out, once there are any.
    held: Option<Held>,
}

impl StatefulLogic<(u64, u64)> for Counts {
    type Out = (u64, u64);
    type Side = ();

    fn on_record(
        &mut self,
        record: Timestamped<(u64, u64)>,
        at: &Held,
        _: i64,
        _: &mut Outputs<(u64, u64), ()>,
    ) {
        *self.counts.entry((self.key)(&record.value)).or_default() += 1;
        self.held.get_or_insert_with(|| at.clone());
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Outputs<(u64, u64), ()>) {
        if watermark < i64::MAX {
            return;
        }
        if let Some(at) = self.held.take() {
            for (k, n) in std::mem::take(&mut self.counts) {
                out.emit(
                    &at,
                    Timestamped {
                        ts: 0,
                        value: (k, n),
                    },
                );
            }
        }
    }

    fn snapshot(&mut self, sink: &mut dyn GroupSink) {
        let mut groups: BTreeMap<u32, Vec<(u64, u64)>> = BTreeMap::new();
        for (&k, &n) in &self.counts {
            groups
                .entry(self.range.group_of(&k))
                .or_default()
                .push((k, n));
        }
        for (g, rows) in groups {
            sink.emit(g, Part::Full(bincode::serialize(&rows).unwrap()));
        }
    }

    fn restore_group(&mut self, _: u32, parts: Vec<Part>, epoch: u64, initial: &Held) {
        for part in parts {
            let Part::Full(bytes) = part else {
                panic!("counts write no deltas")
            };
            let rows: Vec<(u64, u64)> = bincode::deserialize(&bytes).unwrap();
            self.counts.extend(rows);
        }
        let mut at = initial.clone();
        at.in_epoch(epoch);
        self.held.get_or_insert(at);
    }

    fn end_of_epoch(&mut self, epoch: u64) {
        if let Some(at) = self.held.as_mut() {
            at.in_epoch(epoch);
        }
    }

    fn on_stop(&mut self) {
        self.held = None;
    }
}

/// Counts per key `i % 5` of 6,000 generated records, by the library logic.
fn library_counts(config: &RuntimeConfig) -> Vec<(u64, u64)> {
    let mut got = execute(config, |env| {
        env.generate(
            Generator {
                count: Some(6_000),
                rate: Some(4_000.0),
            },
            |i| (i % 5, i),
            Timestamps::Ingestion,
            WatermarkStrategy::monotonous(),
        )
        .key_by(|r: &(u64, u64)| r.0)
        .stateful("counts", |range, key| Counts {
            key,
            range,
            counts: BTreeMap::new(),
            held: None,
        })
        .main
    })
    .unwrap()
    .unwrap();
    got.sort_unstable();
    got
}

#[test]
fn a_library_logic_on_the_shell_is_checkpointed_and_restored_at_another_parallelism() {
    let want: Vec<(u64, u64)> = (0..5).map(|k| (k, 1_200)).collect();
    let dir = tempfile::tempdir().unwrap();
    let mut config = RuntimeConfig::default().with_workers(2);
    config.checkpoint_dir = Some(dir.path().to_str().unwrap().to_string());
    config.checkpoint_interval = Some(std::time::Duration::from_millis(150));
    assert_eq!(library_counts(&config), want, "checkpointed, uninterrupted");
    let all = committed(dir.path().to_str().unwrap()).unwrap();
    let mid = &all[all.len() / 2];
    assert!(
        mid.marker.files.keys().any(|f| f.contains("-counts/")),
        "the logic's state is in the checkpoint"
    );
    // Restored at 3 workers: the counts before the checkpoint come from its state,
    // the rest from the input after its positions.
    let mut again = RuntimeConfig::default().with_workers(3);
    again.restore = Some(strom_core::Restore::At(mid.url.clone()));
    assert_eq!(library_counts(&again), want, "restored at 3 workers");
}
