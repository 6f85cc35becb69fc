//! Event-time windows step by step through the window harness, in the spirit of
//! Flink's `WindowOperatorTest`: elements and watermarks one at a time, what fired
//! read after each step, and snapshots restored into a fresh operator; every
//! expectation worked out by hand.

use std::time::Duration;

use strom_datastream::window::{WindowHarness, WindowResult};

type Event = (char, i64);

/// `ms` milliseconds.
fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// Counts per key; `(size, slide, lateness)` in ms.
fn counting((size, slide, lateness): (u64, u64, u64)) -> WindowHarness<Event, char, u64> {
    WindowHarness::sliding(
        (ms(size), ms(slide), ms(lateness)),
        |e: &Event| e.0,
        || 0u64,
        |n, _| *n += 1,
        |n| n,
    )
}

/// Sessions counting per key; `gap` and `lateness` in ms.
fn sessions(gap: u64, lateness: u64) -> WindowHarness<Event, char, u64> {
    WindowHarness::session(
        (ms(gap), ms(lateness)),
        |e: &Event| e.0,
        || 0u64,
        |n, _| *n += 1,
        |a, b| *a += b,
        |n| n,
    )
}

/// What fired, as `(key, start, end, count, event time)`, sorted.
fn fired(h: &mut WindowHarness<Event, char, u64>) -> Vec<(char, i64, i64, u64, i64)> {
    let mut rows: Vec<_> = h
        .take_output()
        .into_iter()
        .map(|(ts, w): (i64, WindowResult<char, u64>)| (w.key, w.start, w.end, w.value, ts))
        .collect();
    rows.sort_unstable();
    rows
}

/// Gives each event at its own time.
fn elements(h: &mut WindowHarness<Event, char, u64>, events: &[Event]) {
    for &e in events {
        h.process_element(e.1, e);
    }
}

#[test]
fn tumbling_windows_fire_once_the_watermark_reaches_their_end() {
    let mut h = counting((3_000, 3_000, 0));
    let input = [('a', 3_999), ('a', 3_000), ('b', 20), ('b', 0), ('b', 999)];
    elements(&mut h, &input);
    elements(&mut h, &[('a', 1_998), ('a', 1_999), ('a', 1_000)]);
    h.process_watermark(999);
    assert!(fired(&mut h).is_empty());
    h.process_watermark(2_998);
    assert!(
        fired(&mut h).is_empty(),
        "the window [0, 3000) ends at 2999"
    );
    h.process_watermark(2_999);
    assert_eq!(
        fired(&mut h),
        [('a', 0, 3_000, 3, 2_999), ('b', 0, 3_000, 3, 2_999)]
    );
    // Behind a window past its end (no lateness): late.
    h.process_element(2_500, ('a', 2_500));
    assert_eq!(h.take_late(), [(2_500, ('a', 2_500))]);
    assert!(fired(&mut h).is_empty());
    h.process_watermark(5_999);
    assert_eq!(fired(&mut h), [('a', 3_000, 6_000, 2, 5_999)]);
    h.process_watermark(i64::MAX);
    assert!(fired(&mut h).is_empty(), "every window fired once");
}

#[test]
fn a_late_element_within_the_allowed_lateness_fires_the_window_again() {
    let mut h = counting((1_000, 1_000, 1_000));
    elements(&mut h, &[('a', 100)]);
    h.process_watermark(999);
    assert_eq!(fired(&mut h), [('a', 0, 1_000, 1, 999)]);
    // Within the lateness: added, and the window fires again at once, updated.
    elements(&mut h, &[('a', 500)]);
    assert_eq!(fired(&mut h), [('a', 0, 1_000, 2, 999)]);
    // Past end - 1 + lateness = 1999 the window is gone: late.
    h.process_watermark(1_999);
    elements(&mut h, &[('a', 600)]);
    assert!(fired(&mut h).is_empty());
    assert_eq!(h.take_late(), [(600, ('a', 600))]);
}

#[test]
fn a_sliding_element_is_counted_in_each_of_its_windows() {
    let mut h = counting((3_000, 1_000, 0));
    elements(&mut h, &[('a', 2_500), ('a', 3_500)]);
    h.process_watermark(2_999);
    assert_eq!(fired(&mut h), [('a', 0, 3_000, 1, 2_999)]);
    h.process_watermark(3_999);
    assert_eq!(fired(&mut h), [('a', 1_000, 4_000, 2, 3_999)]);
    h.process_watermark(5_999);
    assert_eq!(
        fired(&mut h),
        [('a', 2_000, 5_000, 2, 4_999), ('a', 3_000, 6_000, 1, 5_999)]
    );
}

#[test]
fn sessions_merge_when_an_element_bridges_them() {
    let mut h = sessions(3_000, 0);
    elements(&mut h, &[('a', 0), ('a', 1_000), ('a', 2_500), ('b', 10)]);
    elements(&mut h, &[('c', 0), ('c', 5_000)]);
    h.process_watermark(3_009);
    assert_eq!(
        fired(&mut h),
        [('b', 10, 3_010, 1, 3_009), ('c', 0, 3_000, 1, 2_999)],
        "c's first session fired before the bridge came"
    );
    // [6000, 9000) does not touch a's [0, 5500).
    elements(&mut h, &[('a', 6_000)]);
    h.process_watermark(5_499);
    assert_eq!(fired(&mut h), [('a', 0, 5_500, 3, 5_499)]);
    h.process_watermark(i64::MAX);
    assert_eq!(
        fired(&mut h),
        [('a', 6_000, 9_000, 1, 8_999), ('c', 5_000, 8_000, 1, 7_999)]
    );
}

#[test]
fn a_bridging_element_merges_two_pending_sessions_into_one() {
    let mut h = sessions(3_000, 0);
    elements(&mut h, &[('c', 0), ('c', 5_000), ('c', 2_500)]);
    h.process_watermark(i64::MAX);
    assert_eq!(fired(&mut h), [('c', 0, 8_000, 3, 7_999)]);
}

#[test]
fn pending_windows_survive_a_snapshot_and_restore() {
    let mut first = counting((1_000, 1_000, 0));
    elements(&mut first, &[('a', 100), ('a', 200), ('b', 1_500)]);
    first.process_watermark(500);
    let snapshot = first.snapshot();
    let mut restored = counting((1_000, 1_000, 0));
    restored.restore(&snapshot, 500);
    elements(&mut restored, &[('a', 300)]);
    restored.process_watermark(999);
    assert_eq!(fired(&mut restored), [('a', 0, 1_000, 3, 999)]);
    restored.process_watermark(1_999);
    assert_eq!(fired(&mut restored), [('b', 1_000, 2_000, 1, 1_999)]);
}

#[test]
fn a_fired_window_restored_within_its_lateness_fires_again_only_for_new_elements() {
    let mut first = counting((1_000, 1_000, 1_000));
    elements(&mut first, &[('a', 100)]);
    first.process_watermark(999);
    assert_eq!(fired(&mut first), [('a', 0, 1_000, 1, 999)]);
    let snapshot = first.snapshot();
    let mut restored = counting((1_000, 1_000, 1_000));
    restored.restore(&snapshot, 999);
    restored.process_watermark(1_500);
    assert!(
        fired(&mut restored).is_empty(),
        "it fired before the snapshot"
    );
    elements(&mut restored, &[('a', 200)]);
    assert_eq!(fired(&mut restored), [('a', 0, 1_000, 2, 999)]);
    restored.process_watermark(i64::MAX);
    assert!(fired(&mut restored).is_empty());
}

#[test]
fn session_snapshots_restore_open_sessions() {
    let mut first = sessions(1_000, 0);
    elements(&mut first, &[('a', 0), ('a', 500)]);
    let snapshot = first.snapshot();
    let mut restored = sessions(1_000, 0);
    restored.restore(&snapshot, i64::MIN);
    elements(&mut restored, &[('a', 1_200)]);
    restored.process_watermark(i64::MAX);
    assert_eq!(fired(&mut restored), [('a', 0, 2_200, 3, 2_199)]);
}
