//! Triggers, evictors, process functions, allowed lateness and late-data tags on every
//! window kind, step by step through the window harness (in the manner of Flink's
//! `WindowOperatorTest` and `EvictingWindowOperatorTest`): elements, watermarks and
//! the clock one at a time, every expected firing worked out by hand in the test.

use std::time::Duration;

use strom_core::RuntimeConfig;
use strom_datastream::process::{OutputTag, ValueState};
use strom_datastream::window::{
    Assigner, ContinuousEventTimeTrigger, ContinuousProcessingTimeTrigger, CountEvictor,
    CountTrigger, DeltaTrigger, EventTimeTrigger, NoEvictor, ProcessingTimeTrigger, PurgingTrigger,
    SeenEvictor, TimeEvictor, Trigger, WindowHarness, WindowResult, WindowSpec, WindowState,
};
use strom_datastream::{WatermarkStrategy, execute};

use super::windows::{climbing, lateness};

/// `(key, value)`; the harness gives each at event time `value`.
type Event = (char, i64);

fn key(e: &Event) -> char {
    e.0
}

/// Gives each event at its own time.
fn elements<O: strom_core::Data>(h: &mut WindowHarness<Event, char, O>, events: &[Event]) {
    for &e in events {
        h.process_element(e.1, e);
    }
}

/// What fired, as `(key, start, end, value)`, in firing order.
fn fired<O: strom_core::Data>(h: &mut WindowHarness<Event, char, O>) -> Vec<(char, i64, i64, O)> {
    h.take_output()
        .into_iter()
        .map(|(_, w): (i64, WindowResult<char, O>)| (w.key, w.start, w.end, w.value))
        .collect()
}

/// The same, sorted.
fn fired_sorted<O: strom_core::Data + Ord>(
    h: &mut WindowHarness<Event, char, O>,
) -> Vec<(char, i64, i64, O)> {
    let mut rows = fired(h);
    rows.sort();
    rows
}

/// Windows of `spec` listing the times of their elements.
fn listing<Tr: Trigger<Event>>(
    spec: WindowSpec<Event, Tr, NoEvictor>,
) -> WindowHarness<Event, char, Vec<i64>> {
    WindowHarness::process(spec, key, |_, _, els| {
        vec![els.iter().map(|e| e.0).collect()]
    })
}

/// Windows of `spec` counting their elements, incrementally.
fn counting<Tr: Trigger<Event>>(
    spec: WindowSpec<Event, Tr, NoEvictor>,
) -> WindowHarness<Event, char, u64> {
    WindowHarness::aggregate(
        spec,
        key,
        (|| 0u64, |n: &mut u64, _: &Event| *n += 1),
        None,
        |n| n,
    )
}

/// Windows of `spec` counting their elements in a process function.
fn counting_all<Tr: Trigger<Event>>(
    spec: WindowSpec<Event, Tr, NoEvictor>,
) -> WindowHarness<Event, char, u64> {
    WindowHarness::process(spec, key, |_, _, els| vec![els.len() as u64])
}

#[test]
fn late_data_goes_to_its_tag_without_allowed_lateness() {
    let tag = OutputTag::<Event>::new("late");
    let spec = || {
        WindowSpec::new(Assigner::tumbling(Duration::from_secs(1)), EventTimeTrigger)
            .side_output_late_data(&tag)
    };
    // The incremental operator (default trigger, aggregate) and the general one
    // (process function) alike.
    for mut h in [counting(spec()), counting_all(spec())] {
        elements(&mut h, &[('a', 100), ('a', 900), ('b', 999)]);
        h.process_watermark(998);
        assert!(fired(&mut h).is_empty());
        h.process_watermark(999);
        assert_eq!(
            fired_sorted(&mut h),
            [('a', 0, 1_000, 2), ('b', 0, 1_000, 1)]
        );
        // [0, 1000) is gone at watermark 999: both late, to the tag, none untagged.
        elements(&mut h, &[('a', 500), ('b', 0), ('a', 1_000)]);
        assert_eq!(h.take_tagged(&tag), [(500, ('a', 500)), (0, ('b', 0))]);
        assert!(h.take_late().is_empty());
        h.process_watermark(1_999);
        assert_eq!(fired(&mut h), [('a', 1_000, 2_000, 1)]);
    }
}

#[test]
fn late_data_within_the_allowed_lateness_fires_again_and_after_it_goes_to_the_tag() {
    let tag = OutputTag::<Event>::new("late");
    let spec = || {
        WindowSpec::new(Assigner::tumbling(Duration::from_secs(1)), EventTimeTrigger)
            .allowed_lateness(Duration::from_millis(500))
            .side_output_late_data(&tag)
    };
    for mut h in [counting(spec()), counting_all(spec())] {
        elements(&mut h, &[('a', 100)]);
        h.process_watermark(999);
        assert_eq!(fired(&mut h), [('a', 0, 1_000, 1)]);
        // Kept until 999 + 500: the late element joins and the window fires at once.
        elements(&mut h, &[('a', 200)]);
        assert_eq!(fired(&mut h), [('a', 0, 1_000, 2)]);
        h.process_watermark(1_498);
        elements(&mut h, &[('a', 300)]);
        assert_eq!(fired(&mut h), [('a', 0, 1_000, 3)]);
        assert!(h.take_tagged(&tag).is_empty());
        // At 1499 it is cleaned up: the next is late.
        h.process_watermark(1_499);
        assert!(fired(&mut h).is_empty(), "cleanup fires nothing");
        elements(&mut h, &[('a', 400)]);
        assert!(fired(&mut h).is_empty());
        assert_eq!(h.take_tagged(&tag), [(400, ('a', 400))]);
    }
}

#[test]
fn late_session_data_goes_to_the_untagged_side_output_without_a_tag() {
    let spec = WindowSpec::new(
        Assigner::session(Duration::from_millis(100)),
        EventTimeTrigger,
    );
    let mut h = listing(spec);
    elements(&mut h, &[('a', 0), ('a', 50)]);
    h.process_watermark(149);
    assert_eq!(fired(&mut h), [('a', 0, 150, vec![0, 50])]);
    // [20, 120) would merge with [0, 150), gone: late. [140, 240) is not late on its
    // own, but touches [0, 150) only in the past: it stands alone.
    elements(&mut h, &[('a', 20), ('a', 140)]);
    assert_eq!(h.take_late(), [(20, ('a', 20))]);
    h.process_watermark(239);
    assert_eq!(fired(&mut h), [('a', 140, 240, vec![140])]);
}

#[test]
fn a_continuous_event_time_trigger_fires_a_session_every_interval_as_it_merges() {
    let spec = WindowSpec::new(
        Assigner::session(Duration::from_secs(1)),
        ContinuousEventTimeTrigger::of(Duration::from_millis(500)),
    );
    let mut h = counting_all(spec);
    // [100, 1100): fires at 500 (the next multiple of 500 after 0) and at 1099.
    elements(&mut h, &[('a', 100)]);
    // [700, 1700) merges: [100, 1700), still due at 500, now closing at 1699.
    elements(&mut h, &[('a', 700)]);
    h.process_watermark(499);
    assert!(fired(&mut h).is_empty());
    h.process_watermark(500);
    assert_eq!(fired(&mut h), [('a', 100, 1_700, 2)]);
    // Next at 1000; the old end 1099 was the merged-away window's timer.
    h.process_watermark(999);
    assert!(fired(&mut h).is_empty());
    h.process_watermark(1_000);
    assert_eq!(fired(&mut h), [('a', 100, 1_700, 2)]);
    h.process_watermark(1_100);
    assert!(
        fired(&mut h).is_empty(),
        "1099 belonged to [100, 1100), merged away"
    );
    // [1200, 2200) merges again: [100, 2200), next firing 1500 kept, end 2199.
    elements(&mut h, &[('a', 1_200)]);
    h.process_watermark(1_500);
    assert_eq!(fired(&mut h), [('a', 100, 2_200, 3)]);
    // 2000, then the end at 2199 (the next after 2000 is capped at the end).
    h.process_watermark(2_199);
    assert_eq!(fired(&mut h), [('a', 100, 2_200, 3), ('a', 100, 2_200, 3)]);
    h.process_watermark(i64::MAX);
    assert!(fired(&mut h).is_empty());
}

#[test]
fn a_purging_trigger_drops_the_contents_at_each_firing() {
    let tumbling = Assigner::tumbling(Duration::from_secs(1));
    let mut kept = listing(WindowSpec::new(tumbling, CountTrigger::of(2)));
    let mut purged = listing(WindowSpec::new(
        tumbling,
        PurgingTrigger::of(CountTrigger::of(2)),
    ));
    for h in [&mut kept, &mut purged] {
        elements(h, &[('a', 1), ('a', 2), ('a', 3)]);
    }
    assert_eq!(fired(&mut kept), [('a', 0, 1_000, vec![1, 2])]);
    assert_eq!(fired(&mut purged), [('a', 0, 1_000, vec![1, 2])]);
    for h in [&mut kept, &mut purged] {
        elements(h, &[('a', 4)]);
    }
    assert_eq!(fired(&mut kept), [('a', 0, 1_000, vec![1, 2, 3, 4])]);
    assert_eq!(fired(&mut purged), [('a', 0, 1_000, vec![3, 4])]);
    // No event-time trigger: the end of the window fires nothing, and cleans up.
    for h in [&mut kept, &mut purged] {
        elements(h, &[('a', 5)]);
        h.process_watermark(999);
        assert!(fired(h).is_empty());
        elements(h, &[('a', 6)]);
        assert_eq!(h.take_late(), [(6, ('a', 6))]);
    }
}

#[test]
fn a_purging_event_time_trigger_fires_late_elements_alone() {
    let spec = WindowSpec::new(
        Assigner::tumbling(Duration::from_secs(1)),
        PurgingTrigger::of(EventTimeTrigger),
    )
    .allowed_lateness(Duration::from_secs(1));
    let mut h = listing(spec);
    elements(&mut h, &[('a', 10), ('a', 20)]);
    h.process_watermark(999);
    assert_eq!(fired(&mut h), [('a', 0, 1_000, vec![10, 20])]);
    elements(&mut h, &[('a', 30)]);
    assert_eq!(fired(&mut h), [('a', 0, 1_000, vec![30])]);
}

#[test]
fn evictors_on_tumbling_windows() {
    let tumbling = || WindowSpec::new(Assigner::tumbling(Duration::from_secs(1)), EventTimeTrigger);
    // A sum over the last two elements: the evictor makes the aggregate keep elements.
    let mut last_two = WindowHarness::aggregate(
        tumbling().evictor(CountEvictor::of(2)),
        key,
        (|| 0i64, |s: &mut i64, e: &Event| *s += e.1),
        None,
        |s| s,
    );
    elements(
        &mut last_two,
        &[('a', 100), ('a', 200), ('a', 300), ('b', 7)],
    );
    last_two.process_watermark(999);
    assert_eq!(
        fired_sorted(&mut last_two),
        [('a', 0, 1_000, 500), ('b', 0, 1_000, 7)]
    );
    // The elements within 150 ms of the latest, by time, not arrival.
    let mut recent = WindowHarness::process(
        tumbling().evictor(TimeEvictor::of(Duration::from_millis(150))),
        key,
        |_, _, els| vec![els.iter().map(|e| e.0).collect::<Vec<i64>>()],
    );
    elements(
        &mut recent,
        &[('a', 300), ('a', 100), ('a', 200), ('a', 151)],
    );
    recent.process_watermark(999);
    assert_eq!(fired(&mut recent), [('a', 0, 1_000, vec![300, 200, 151])]);
    // Evicted after the function: a re-firing within the lateness sees only what came
    // since.
    let mut since = WindowHarness::process(
        tumbling()
            .allowed_lateness(Duration::from_secs(1))
            .evictor(SeenEvictor),
        key,
        |_, _, els| vec![els.iter().map(|e| e.0).collect::<Vec<i64>>()],
    );
    elements(&mut since, &[('a', 100), ('a', 200)]);
    since.process_watermark(999);
    assert_eq!(fired(&mut since), [('a', 0, 1_000, vec![100, 200])]);
    elements(&mut since, &[('a', 300)]);
    assert_eq!(fired(&mut since), [('a', 0, 1_000, vec![300])]);
}

/// What the sliding-window process function gives: `(elements, watermark, firings of
/// the window, firings of the key)`.
type Seen = (usize, i64, u32, u32);

#[test]
fn a_process_function_on_sliding_windows_sees_its_window_and_state() {
    let spec = WindowSpec::new(
        Assigner::sliding(Duration::from_secs(3), Duration::from_secs(1)),
        EventTimeTrigger,
    )
    .allowed_lateness(Duration::from_secs(1));
    let per_window = WindowState::<u32>::new("firings");
    let per_key = ValueState::<u32>::new("firings");
    let mut h: WindowHarness<Event, char, Seen> =
        WindowHarness::process(spec, key, move |_, ctx, els| {
            let window = per_window.value(ctx).unwrap_or(0) + 1;
            per_window.update(ctx, window);
            let all = per_key.value(ctx).unwrap_or(0) + 1;
            per_key.update(ctx, all);
            assert_eq!(ctx.window().1 - ctx.window().0, 3_000);
            vec![(els.len(), ctx.current_watermark(), window, all)]
        });
    elements(&mut h, &[('a', 2_500), ('a', 3_500)]);
    h.process_watermark(2_999);
    assert_eq!(fired(&mut h), [('a', 0, 3_000, (1, 2_999, 1, 1))]);
    h.process_watermark(3_999);
    assert_eq!(fired(&mut h), [('a', 1_000, 4_000, (2, 3_999, 1, 2))]);
    // 2800 is in [2000, 5000) (pending), [1000, 4000) (fired, within its lateness:
    // fires again, its second firing) and [0, 3000) (past 2999 + 1000: skipped).
    elements(&mut h, &[('a', 2_800)]);
    assert_eq!(fired(&mut h), [('a', 1_000, 4_000, (3, 3_999, 2, 3))]);
    assert!(h.take_late().is_empty());
    h.process_watermark(4_999);
    assert_eq!(fired(&mut h), [('a', 2_000, 5_000, (3, 4_999, 1, 4))]);
    h.process_watermark(5_999);
    assert_eq!(fired(&mut h), [('a', 3_000, 6_000, (1, 5_999, 1, 5))]);
}

#[test]
fn merging_sessions_add_up_their_counts() {
    let spec = WindowSpec::new(
        Assigner::session(Duration::from_secs(1)),
        CountTrigger::of(3),
    );
    let mut h = listing(spec);
    // [0, 1000), [5000, 6000), [2000, 3000): one element each.
    elements(&mut h, &[('a', 0), ('a', 5_000), ('a', 2_000)]);
    assert!(fired(&mut h).is_empty());
    // [1000, 2000) touches [0, 1000) and [2000, 3000): [0, 3000) has seen 3.
    elements(&mut h, &[('a', 1_000)]);
    assert_eq!(fired(&mut h), [('a', 0, 3_000, vec![0, 2_000, 1_000])]);
    // The count starts again: [0, 3500) has 1 since; [4000, 6000) has 2.
    elements(&mut h, &[('a', 2_500), ('a', 4_000)]);
    assert!(fired(&mut h).is_empty());
    // [3600, 4600) joins [4000, 6000) only (3500 < 3600): 3.
    elements(&mut h, &[('a', 3_600)]);
    assert_eq!(
        fired(&mut h),
        [('a', 3_600, 6_000, vec![5_000, 4_000, 3_600])]
    );
    h.process_watermark(i64::MAX);
    assert!(
        fired(&mut h).is_empty(),
        "a count trigger never fires on time"
    );
}

#[test]
#[should_panic(expected = "trigger must")]
fn sessions_refuse_a_trigger_that_cannot_merge() {
    let delta = DeltaTrigger::new(1.0, |a: &Event, b: &Event| (a.1 - b.1) as f64);
    listing(WindowSpec::new(
        Assigner::session(Duration::from_millis(10)),
        delta,
    ));
}

#[test]
fn sessions_aggregate_incrementally_with_a_custom_trigger() {
    // Fires at every element (a count of 1), merging accumulators.
    let spec = WindowSpec::new(
        Assigner::session(Duration::from_millis(100)),
        CountTrigger::of(1),
    );
    let mut h = WindowHarness::aggregate(
        spec,
        key,
        (|| 0i64, |s: &mut i64, e: &Event| *s += e.1),
        Some(Box::new(|a: &mut i64, b: i64| *a += b)),
        |s| s,
    );
    elements(&mut h, &[('a', 10), ('a', 300), ('a', 200)]);
    assert_eq!(
        fired(&mut h),
        [
            ('a', 10, 110, 10),
            ('a', 300, 400, 300),
            ('a', 200, 400, 500)
        ]
    );
}

#[test]
fn processing_time_windows_fire_on_the_clock_and_continuously() {
    let tumbling = Assigner::processing_sliding(Duration::from_secs(1), Duration::from_secs(1));
    let mut h = counting_all(WindowSpec::new(tumbling, ProcessingTimeTrigger));
    h.set_processing_time(100);
    elements(&mut h, &[('a', 5)]);
    h.set_processing_time(999);
    elements(&mut h, &[('a', 6)]);
    assert!(fired(&mut h).is_empty());
    h.set_processing_time(1_000);
    assert_eq!(fired(&mut h), [('a', 0, 1_000, 2)]);
    elements(&mut h, &[('a', 7)]);
    h.set_processing_time(2_000);
    assert_eq!(fired(&mut h), [('a', 1_000, 2_000, 1)]);
    // Every 300 ms of the clock, from the first multiple after the first element.
    let every = ContinuousProcessingTimeTrigger::of(Duration::from_millis(300));
    let mut c = counting_all(WindowSpec::new(Assigner::global(), every));
    c.set_processing_time(50);
    elements(&mut c, &[('a', 1)]);
    c.set_processing_time(299);
    assert!(fired(&mut c).is_empty());
    c.set_processing_time(300);
    elements(&mut c, &[('a', 2)]);
    assert_eq!(fired(&mut c), [('a', i64::MIN, i64::MAX, 1)]);
    c.set_processing_time(600);
    assert_eq!(fired(&mut c), [('a', i64::MIN, i64::MAX, 2)]);
}

#[test]
fn trigger_state_timers_and_contents_survive_a_snapshot_in_the_middle() {
    let tag = OutputTag::<Event>::new("late");
    let spec = || {
        WindowSpec::new(
            Assigner::tumbling(Duration::from_secs(1)),
            ContinuousEventTimeTrigger::of(Duration::from_millis(300)),
        )
        .allowed_lateness(Duration::from_millis(500))
        .side_output_late_data(&tag)
    };
    let mut first = counting_all(spec());
    elements(&mut first, &[('a', 100), ('a', 200), ('b', 700)]);
    // a's first firing at 300; b's at 900.
    first.process_watermark(300);
    assert_eq!(fired(&mut first), [('a', 0, 1_000, 2)]);
    let snapshot = first.snapshot();
    let mut h = counting_all(spec());
    h.restore(&snapshot, 300);
    elements(&mut h, &[('a', 400)]);
    h.process_watermark(600);
    assert_eq!(fired(&mut h), [('a', 0, 1_000, 3)]);
    // a at 900 and at its end 999; b likewise.
    h.process_watermark(999);
    assert_eq!(
        fired_sorted(&mut h),
        [
            ('a', 0, 1_000, 3),
            ('a', 0, 1_000, 3),
            ('b', 0, 1_000, 1),
            ('b', 0, 1_000, 1)
        ]
    );
    // Within the lateness the window fires at once; after it, the tag.
    elements(&mut h, &[('a', 800)]);
    assert_eq!(fired(&mut h), [('a', 0, 1_000, 4)]);
    h.process_watermark(1_499);
    elements(&mut h, &[('a', 50)]);
    assert_eq!(h.take_tagged(&tag), [(50, ('a', 50))]);
    assert!(fired(&mut h).is_empty());
}

#[test]
fn a_dataflow_sends_late_data_to_its_tag_on_both_operators() {
    // As `allowed_lateness_fires_again_and_the_rest_goes_to_the_side_output`: when the
    // late records come, [10 s, 11 s) takes its record, [3 s, 4 s) is past its lateness. One worker reads the input, so the watermark
    // is the one worked out there.
    for general in [false, true] {
        let events = climbing(&[(10_000, (1, 1_000)), (3_000, (1, 5_000))]);
        let mut rows = execute(&RuntimeConfig::default().with_workers(1), move |env| {
            let tag = OutputTag::<(u32, i64)>::new("late");
            let input = env.from_timestamped(
                events.clone(),
                WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(500)),
            );
            // `windows(..)` with the default trigger: the same choice of operator as
            // `tumbling_window(..)`.
            let windows = input
                .key_by(|e: &(u32, i64)| e.0)
                .windows(Assigner::tumbling(Duration::from_secs(1)), EventTimeTrigger)
                .side_output_late_data(&tag)
                .allowed_lateness(lateness());
            let results = if general {
                windows.process(|_, _, els| vec![els.iter().map(|e| e.1.1).sum::<i64>()])
            } else {
                windows.aggregate(|| 0i64, |s, e| *s += e.1, |s| s)
            };
            let late = results.side_output(&tag).map(|e| (0, e.1));
            results
                .filter(|w| w.start == 10_000 || w.start == 3_000)
                .map(|w| (w.start, w.value))
                .union(&late)
        })
        .unwrap()
        .unwrap();
        rows.sort();
        assert_eq!(
            rows,
            [(0, 5_000), (3_000, 3), (10_000, 10), (10_000, 1_010)],
            "general: {general}"
        );
    }
}

#[test]
fn an_aggregate_followed_by_a_window_function_sees_the_window() {
    let events: Vec<(i64, (char, i64))> = vec![(100, ('a', 1)), (200, ('a', 2)), (1_500, ('a', 5))];
    let mut rows = execute(&RuntimeConfig::default().with_workers(2), move |env| {
        env.from_timestamped(events.clone(), WatermarkStrategy::monotonous())
            .key_by(|e: &(char, i64)| e.0)
            .tumbling_window(Duration::from_secs(1))
            .windowed()
            .aggregate_process(
                || 0i64,
                |s, e| *s += e.1,
                |key, ctx, sum| vec![(*key, ctx.window().0, *sum)],
            )
            .map(|w| w.value)
    })
    .unwrap()
    .unwrap();
    rows.sort();
    assert_eq!(rows, [('a', 0, 3), ('a', 1_000, 5)]);
}
