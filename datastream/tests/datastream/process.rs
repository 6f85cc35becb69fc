//! Keyed process functions: every state primitive, TTL and timer kind through the
//! test harness with hand-computed expectations, and the operator in dataflows at
//! several worker counts against a sequential reference.

use std::collections::BTreeMap;
use std::time::Duration;

use strom_core::RuntimeConfig;
use strom_datastream::process::{
    AggregatingState, Context, KeyedProcessFunction, KeyedProcessHarness, ListState, MapState,
    ReducingState, TimeDomain, Ttl, ValueState,
};
use strom_datastream::{WatermarkStrategy, execute};

/// What the test function is told to do for its key.
#[derive(Clone, Debug)]
enum Cmd {
    Set(i64),
    Get,
    Clear,
    Push(i64),
    List,
    Put(i64, i64),
    Lookup(i64),
    Unput(i64),
    Entries,
    Reduce(i64),
    Reduced,
    Average(i64),
    Averaged,
    EventTimer(i64),
    DropEventTimer(i64),
    ProcTimer(i64),
    DropProcTimer(i64),
    Side(i64),
}

type Ctx<'a> = Context<'a, String, String, i64>;

/// Runs commands against every state primitive, writing what it reads as text.
struct Interpreter {
    value: ValueState<i64>,
    list: ListState<i64>,
    map: MapState<i64, i64>,
    max: ReducingState<i64>,
    mean: AggregatingState<i64, (i64, i64), f64>,
}

impl Interpreter {
    fn new(ttl: Option<Ttl>) -> Self {
        let mut it = Interpreter {
            value: ValueState::new("value"),
            list: ListState::new("list"),
            map: MapState::new("map"),
            max: ReducingState::new("max", i64::max),
            mean: AggregatingState::new(
                "mean",
                || (0, 0),
                |acc: &mut (i64, i64), v| *acc = (acc.0 + v, acc.1 + 1),
                |acc: &(i64, i64)| acc.0 as f64 / acc.1 as f64,
            ),
        };
        if let Some(ttl) = ttl {
            it.value = it.value.with_ttl(ttl);
            it.list = it.list.with_ttl(ttl);
            it.map = it.map.with_ttl(ttl);
            it.max = it.max.with_ttl(ttl);
            it.mean = it.mean.with_ttl(ttl);
        }
        it
    }
}

impl KeyedProcessFunction<String, (&'static str, Cmd)> for Interpreter {
    type Out = String;
    type Side = i64;

    fn process_element(&mut self, (_, cmd): (&'static str, Cmd), ctx: &mut Ctx<'_>) {
        let said = match cmd {
            Cmd::Set(v) => return self.value.update(ctx, v),
            Cmd::Get => format!("{:?}", self.value.value(ctx)),
            Cmd::Clear => {
                self.value.clear(ctx);
                self.list.clear(ctx);
                self.map.clear(ctx);
                self.max.clear(ctx);
                return self.mean.clear(ctx);
            }
            Cmd::Push(v) => return self.list.add(ctx, v),
            Cmd::List => format!("{:?}", self.list.get(ctx)),
            Cmd::Put(k, v) => return self.map.put(ctx, k, v),
            Cmd::Lookup(k) => format!("{:?}", self.map.get(ctx, &k)),
            Cmd::Unput(k) => return self.map.remove(ctx, &k),
            Cmd::Entries => {
                let mut e = self.map.entries(ctx);
                e.sort();
                format!("{e:?}")
            }
            Cmd::Reduce(v) => return self.max.add(ctx, v),
            Cmd::Reduced => format!("{:?}", self.max.get(ctx)),
            Cmd::Average(v) => return self.mean.add(ctx, v),
            Cmd::Averaged => format!("{:?}", self.mean.get(ctx)),
            Cmd::EventTimer(t) => return ctx.register_event_time_timer(t),
            Cmd::DropEventTimer(t) => return ctx.delete_event_time_timer(t),
            Cmd::ProcTimer(t) => return ctx.register_processing_time_timer(t),
            Cmd::DropProcTimer(t) => return ctx.delete_processing_time_timer(t),
            Cmd::Side(v) => return ctx.output(v),
        };
        ctx.collect(format!("{} {said}", ctx.key()));
    }

    fn on_timer(&mut self, ts: i64, ctx: &mut Ctx<'_>) {
        let kind = match ctx.time_domain() {
            Some(TimeDomain::EventTime) => "event",
            Some(TimeDomain::ProcessingTime) => "processing",
            None => "none",
        };
        let line = format!(
            "{} {kind} timer {ts} at watermark {} clock {}",
            ctx.key(),
            ctx.current_watermark(),
            ctx.current_processing_time()
        );
        ctx.collect(line);
    }
}

type Harness = KeyedProcessHarness<String, (&'static str, Cmd), Interpreter>;

fn harness(ttl: Option<Ttl>) -> Harness {
    KeyedProcessHarness::new(Interpreter::new(ttl), |r: &(&'static str, Cmd)| {
        r.0.to_string()
    })
}

/// Sends `cmds` at event time 0 and gives the text output.
fn say(h: &mut Harness, cmds: &[(&'static str, Cmd)]) -> Vec<String> {
    for c in cmds {
        h.process_element(0, c.clone());
    }
    h.take_output().into_iter().map(|(_, s)| s).collect()
}

#[test]
fn every_state_primitive_keeps_each_key_apart() {
    use Cmd::*;
    let mut h = harness(None);
    let out = say(
        &mut h,
        &[
            ("a", Set(1)),
            ("b", Set(2)),
            ("a", Push(10)),
            ("a", Push(11)),
            ("b", Push(20)),
            ("a", Put(1, 100)),
            ("a", Put(2, 200)),
            ("a", Put(1, 101)),
            ("b", Put(1, -1)),
            ("a", Unput(2)),
            ("a", Reduce(5)),
            ("a", Reduce(9)),
            ("a", Reduce(7)),
            ("b", Reduce(-3)),
            ("a", Average(1)),
            ("a", Average(2)),
            ("b", Average(10)),
            ("a", Get),
            ("b", Get),
            ("c", Get),
            ("a", List),
            ("b", List),
            ("c", List),
            ("a", Entries),
            ("a", Lookup(1)),
            ("a", Lookup(2)),
            ("b", Entries),
            ("a", Reduced),
            ("b", Reduced),
            ("c", Reduced),
            ("a", Averaged),
            ("b", Averaged),
            ("c", Averaged),
            ("a", Clear),
            ("a", Get),
            ("a", List),
            ("a", Entries),
            ("a", Reduced),
            ("a", Averaged),
            ("b", Get),
        ],
    );
    let want = [
        "a Some(1)",
        "b Some(2)",
        "c None",
        "a [10, 11]",
        "b [20]",
        "c []",
        "a [(1, 101)]",
        "a Some(101)",
        "a None",
        "b [(1, -1)]",
        "a Some(9)",
        "b Some(-3)",
        "c None",
        "a Some(1.5)",
        "b Some(10.0)",
        "c None",
        "a None",
        "a []",
        "a []",
        "a None",
        "a None",
        "b Some(2)",
    ];
    assert_eq!(out, want);
    let sizes: BTreeMap<_, _> = h.states().sizes().into_iter().collect();
    let want: BTreeMap<_, _> = [
        ("value", 1),
        ("list", 1),
        ("map", 1),
        ("max", 1),
        ("mean", 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(sizes, want, "only b's state is left");
}

#[test]
fn ttl_expires_values_elements_and_entries_on_processing_time() {
    use Cmd::*;
    let mut h = harness(Some(Ttl::new(Duration::from_millis(100))));
    h.set_processing_time(1_000);
    say(
        &mut h,
        &[
            ("a", Set(1)),
            ("a", Push(1)),
            ("a", Put(1, 1)),
            ("a", Reduce(1)),
            ("a", Average(4)),
        ],
    );
    h.set_processing_time(1_050);
    say(&mut h, &[("a", Push(2)), ("a", Put(2, 2)), ("b", Set(7))]);
    h.set_processing_time(1_099);
    let live = say(
        &mut h,
        &[
            ("a", Get),
            ("a", List),
            ("a", Entries),
            ("a", Reduced),
            ("a", Averaged),
        ],
    );
    assert_eq!(
        live,
        [
            "a Some(1)",
            "a [1, 2]",
            "a [(1, 1), (2, 2)]",
            "a Some(1)",
            "a Some(4.0)"
        ]
    );
    // Written at 1000: gone at 1100; elements and entries of 1050 live on.
    h.set_processing_time(1_100);
    let later = say(
        &mut h,
        &[
            ("a", Get),
            ("a", List),
            ("a", Entries),
            ("a", Reduced),
            ("a", Averaged),
            ("b", Get),
        ],
    );
    assert_eq!(
        later,
        [
            "a None",
            "a [2]",
            "a [(2, 2)]",
            "a None",
            "a None",
            "b Some(7)"
        ]
    );
    // An expired aggregate starts afresh; a write resets the age.
    say(&mut h, &[("a", Average(10)), ("b", Set(8))]);
    h.set_processing_time(1_199);
    assert_eq!(
        say(&mut h, &[("a", Averaged), ("b", Get)]),
        ["a Some(10.0)", "b Some(8)"]
    );
    // Keys never read again are swept away.
    h.set_processing_time(5_000);
    say(&mut h, &[("c", Set(1))]);
    let sizes: BTreeMap<_, _> = h.states().sizes().into_iter().collect();
    assert_eq!(sizes["value"], 1, "only c is left: {sizes:?}");
    assert_eq!(
        sizes["list"] + sizes["map"] + sizes["mean"] + sizes["max"],
        0,
        "{sizes:?}"
    );
}

#[test]
fn ttl_renewed_by_reads_and_expired_values_visible_until_cleaned() {
    use Cmd::*;
    let mut h = harness(Some(Ttl::new(Duration::from_millis(100)).update_on_read()));
    say(&mut h, &[("a", Set(1))]);
    for now in [90, 180, 270] {
        h.set_processing_time(now);
        assert_eq!(
            say(&mut h, &[("a", Get)]),
            ["a Some(1)"],
            "read at {now} renews"
        );
    }
    h.set_processing_time(370);
    assert_eq!(say(&mut h, &[("a", Get)]), ["a None"]);
    let mut lenient = harness(Some(
        Ttl::new(Duration::from_millis(100)).return_expired_if_not_cleaned_up(),
    ));
    say(&mut lenient, &[("a", Set(1))]);
    lenient.set_processing_time(500);
    assert_eq!(say(&mut lenient, &[("a", Get)]), ["a Some(1)"]);
}

#[test]
fn event_time_timers_fire_in_order_once_per_key_and_time() {
    use Cmd::*;
    let mut h = harness(None);
    say(
        &mut h,
        &[
            ("a", EventTimer(300)),
            ("a", EventTimer(300)),
            ("b", EventTimer(100)),
            ("b", EventTimer(500)),
            ("a", EventTimer(200)),
            ("b", DropEventTimer(500)),
            ("c", DropEventTimer(42)),
        ],
    );
    assert_eq!(h.timers().pending(), (3, 0));
    h.process_watermark(99);
    assert!(h.take_output().is_empty(), "nothing due before 100");
    h.process_watermark(250);
    let fired = h.take_output();
    assert_eq!(
        fired,
        [
            (
                100,
                "b event timer 100 at watermark 250 clock 0".to_string()
            ),
            (
                200,
                "a event timer 200 at watermark 250 clock 0".to_string()
            ),
        ],
        "output carries the timer's time"
    );
    h.process_watermark(10_000);
    assert_eq!(
        h.take_output().len(),
        1,
        "a's timer at 300 once; b's at 500 deleted"
    );
    // A timer in the past fires at the next watermark.
    say(&mut h, &[("d", EventTimer(5))]);
    h.process_watermark(10_000);
    assert_eq!(
        h.take_output()[0].1,
        "d event timer 5 at watermark 10000 clock 0"
    );
    assert_eq!(h.timers().pending(), (0, 0));
}

#[test]
fn processing_time_timers_fire_off_the_clock_and_side_outputs_are_apart() {
    use Cmd::*;
    let mut h = harness(None);
    say(
        &mut h,
        &[
            ("a", ProcTimer(1_000)),
            ("b", ProcTimer(1_500)),
            ("b", ProcTimer(2_000)),
            ("b", DropProcTimer(2_000)),
            ("a", Side(7)),
            ("b", Side(8)),
            ("a", EventTimer(10)),
        ],
    );
    h.process_watermark(5_000);
    assert_eq!(
        h.take_output().len(),
        1,
        "the watermark fires only the event timer"
    );
    h.set_processing_time(999);
    assert!(h.take_output().is_empty());
    h.set_processing_time(1_600);
    let fired: Vec<String> = h.take_output().into_iter().map(|(_, s)| s).collect();
    assert_eq!(
        fired,
        [
            "a processing timer 1000 at watermark 5000 clock 1600",
            "b processing timer 1500 at watermark 5000 clock 1600",
        ]
    );
    h.set_processing_time(10_000);
    assert!(h.take_output().is_empty(), "b's timer at 2000 was deleted");
    assert_eq!(h.take_side_output(), [(0, 7), (0, 8)]);
}

/// Counts per key and second of event time (kept by second, emitted by a timer at
/// each second's end): the operator at several worker counts against a plain count.
struct PerSecond {
    counts: MapState<i64, u64>,
}

impl KeyedProcessFunction<u32, (u32, i64)> for PerSecond {
    type Out = (u32, i64, u64);
    type Side = ();
    fn process_element(&mut self, _: (u32, i64), ctx: &mut Context<'_, u32, (u32, i64, u64), ()>) {
        let end = ctx.timestamp().div_euclid(1_000) * 1_000 + 1_000;
        let n = self.counts.get(ctx, &end).unwrap_or(0);
        self.counts.put(ctx, end, n + 1);
        ctx.register_event_time_timer(end - 1);
    }
    fn on_timer(&mut self, ts: i64, ctx: &mut Context<'_, u32, (u32, i64, u64), ()>) {
        let n = self.counts.get(ctx, &(ts + 1)).expect("a count per timer");
        self.counts.remove(ctx, &(ts + 1));
        ctx.collect((*ctx.key(), ts + 1, n));
    }
}

#[test]
fn keyed_process_in_a_dataflow_matches_a_sequential_count() {
    // Out-of-order events over 7 keys and about 40 s.
    let mut s = 7u64;
    let mut events = Vec::new();
    for i in 0..20_000i64 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let ts = i * 2 - (s % 1_500) as i64;
        events.push((ts, ((s >> 20) as u32 % 7, i)));
    }
    let mut want: BTreeMap<(u32, i64), u64> = BTreeMap::new();
    for (ts, (k, _)) in &events {
        *want
            .entry((*k, ts.div_euclid(1_000) * 1_000 + 1_000))
            .or_default() += 1;
    }
    let want: Vec<(u32, i64, u64)> = want.into_iter().map(|((k, e), n)| (k, e, n)).collect();
    for workers in [1, 2, 3] {
        let events = events.clone();
        let mut got = execute(
            &RuntimeConfig::default().with_workers(workers),
            move |env| {
                env.from_timestamped(
                    events.clone(),
                    WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(1_500)),
                )
                .key_by(|e: &(u32, i64)| e.0)
                .process(PerSecond {
                    counts: MapState::new("counts"),
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
