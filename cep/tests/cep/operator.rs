//! The pattern operator driven by the operator test harness (as Flink's
//! `CEPOperatorTest`): processing time on a manual clock, and keyed state and timers
//! back to empty after matches and timeouts (memory bounded by `within`), on the heap
//! and disk backends.

use std::time::Duration;

use strom_cep::{CepFunction, Match, Pattern, PatternProcessFunction, TimedOut};
use strom_core::state::{DiskOptions, StateBackend};
use strom_datastream::process::{Context, KeyedProcessHarness, OutputTag};

use super::stream::{Ev, a_bs_c, kind};

/// Matches as "m:ids" and timeouts as "t:ids@deadline" on the main output.
struct Rows;

fn ids(m: &Match<Ev>) -> String {
    let v: Vec<String> = m.events().map(|e| e.2.to_string()).collect();
    v.join("+")
}

impl PatternProcessFunction<u32, Ev> for Rows {
    type Out = String;

    fn process_match(&mut self, m: Match<Ev>, ctx: &mut Context<'_, u32, String, ()>) {
        ctx.collect(format!("m:{}", ids(&m)));
    }

    fn process_timed_out(&mut self, t: TimedOut<Ev>, ctx: &mut Context<'_, u32, String, ()>) {
        ctx.collect(format!("t:{}@{}", ids(&t.events), t.timeout));
    }
}

fn a_then_b(within_ms: u64) -> Pattern<Ev> {
    Pattern::begin("a")
        .where_(kind('a'))
        .followed_by("b")
        .where_(kind('b'))
        .within(Duration::from_millis(within_ms))
}

fn taken<F>(h: &mut KeyedProcessHarness<u32, Ev, F>) -> Vec<String>
where
    F: strom_datastream::process::KeyedProcessFunction<u32, Ev, Out = String>,
{
    let mut v: Vec<String> = h.take_output().into_iter().map(|(_, r)| r).collect();
    v.sort();
    v
}

#[test]
fn processing_time_runs_records_as_they_arrive_and_times_out_on_the_clock() {
    let f = CepFunction::new(&a_then_b(10), Rows)
        .unwrap()
        .in_processing_time();
    let mut h = KeyedProcessHarness::new(f, |e: &Ev| e.0);
    h.set_processing_time(100);
    // Event times are ignored: b2's is before a1's, but it arrives after.
    h.process_element(5_000, (1, 'a', 1));
    h.set_processing_time(105);
    h.process_element(0, (1, 'b', 2));
    assert_eq!(taken(&mut h), ["m:1+2"]);
    // a3 (key 1) and a4 (key 2) start at 108; b5 at 117 completes a3 only.
    h.set_processing_time(108);
    h.process_element(0, (1, 'a', 3));
    h.process_element(0, (2, 'a', 4));
    h.set_processing_time(117);
    h.process_element(0, (1, 'b', 5));
    assert_eq!(taken(&mut h), ["m:3+5"]);
    // a4 times out when the clock reaches 108 + 10, not before.
    assert_eq!(h.states().sizes(), [("cep", 1)]);
    h.set_processing_time(118);
    assert_eq!(taken(&mut h), ["t:4@118"]);
    // b6 after the window: nothing.
    h.process_element(0, (2, 'b', 6));
    h.set_processing_time(200);
    assert_eq!(taken(&mut h), Vec::<String>::new());
    assert_eq!(h.states().sizes(), [("cep", 0)]);
    assert_eq!(h.timers().pending(), (0, 0));
}

/// 4,000 events over 7 keys: kinds a, b, c, x, one every 3 ms with up to 2 ms
/// disorder, the watermark 5 ms behind: a→b+→c within 60 ms.
fn drive(backend: StateBackend) -> Vec<String> {
    let f = CepFunction::new(&a_bs_c(60), Rows).unwrap();
    let mut h = KeyedProcessHarness::on_backend(f, |e: &Ev| e.0, backend);
    let mut rows = Vec::new();
    for i in 0..4_000u32 {
        let x = u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 33;
        let e = (i % 7, ['a', 'b', 'c', 'x'][(x % 4) as usize], i);
        let ts = i64::from(i) * 3 + (x % 3) as i64;
        h.process_element(ts, e);
        if i % 10 == 9 {
            h.process_watermark(ts - 5);
            rows.extend(taken(&mut h));
        }
    }
    h.process_watermark(i64::MAX);
    rows.extend(taken(&mut h));
    assert_eq!(h.states().sizes(), [("cep", 0)], "no key keeps state");
    assert_eq!(h.timers().pending(), (0, 0), "no timer is left");
    rows.sort();
    rows
}

#[test]
fn state_is_empty_again_after_matches_and_timeouts_on_heap_and_disk() {
    let heap = drive(StateBackend::Heap);
    assert!(heap.iter().filter(|r| r.starts_with('m')).count() > 100);
    assert!(heap.iter().filter(|r| r.starts_with('t')).count() > 100);
    let dir = tempfile::tempdir().unwrap();
    let disk = StateBackend::Disk(DiskOptions {
        dir: Some(dir.path().to_path_buf()),
        cache_entries: 2,
        ..DiskOptions::default()
    });
    let on_disk = drive(disk);
    assert!(on_disk == heap, "the disk backend gives the heap's rows");
}

#[test]
fn in_event_time_a_record_at_the_watermark_is_late_and_one_after_it_is_not() {
    // Flink's CepOperator: a record whose time is at or before the watermark is late.
    let late = OutputTag::new("late");
    let f = CepFunction::new(&a_then_b(1_000), Rows)
        .unwrap()
        .side_output_late_data(&late);
    let mut h = KeyedProcessHarness::new(f, |e: &Ev| e.0);
    h.process_watermark(10);
    h.process_element(10, (1, 'a', 1)); // at the watermark: late
    h.process_element(9, (1, 'a', 2)); // behind it: late
    h.process_element(11, (1, 'a', 3));
    h.process_element(12, (1, 'b', 4));
    h.process_watermark(20);
    let late_ids: Vec<u32> = h
        .take_tagged_output(&late)
        .into_iter()
        .map(|(_, e)| e.2)
        .collect();
    assert_eq!(late_ids, [1, 2]);
    assert_eq!(taken(&mut h), ["m:3+4"]);
}
