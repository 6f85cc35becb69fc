//! Times ranges and times-or-more, after the behaviours Flink's TimesRangeITCase and
//! TimesOrMoreITCase cover (our own cases, expected matches worked out by hand from
//! Flink's semantics): `times_range(from, to)` and `times_or_more(n)` after `next`,
//! `followed_by` and `followed_by_any`, with the default (skip till next),
//! `consecutive` and `allow_combinations` contiguity between their events, optional
//! or from 0. As Flink's suite runs each times-or-more case without and with a loop
//! window (`timesOrMore(n, windowTime)`), the times-or-more cases run twice: plain and
//! with `times_or_more_within(n, 3 ms)`, whose window bounds the waits for events 1
//! to n, each counted from the event taken before (before the first, the `s` event),
//! except for an optional variable's partial match that skipped an event while
//! waiting for its first one; a wait of exactly 3 ms has timed out. Events are named
//! by kind (`s` start, `m` the quantified variable, `e` end, `x` noise) and number.

use std::time::Duration;

use strom_cep::Pattern;

use super::support::{Ev, at, evs, is, matches, run_at, want};

type Contiguity = fn(Pattern<Ev>, &str) -> Pattern<Ev>;

/// `s`, then `m` joined by `contiguity` and quantified by `quantify`, then
/// `followed_by` `e`.
fn s_m_e(contiguity: Contiguity, quantify: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>) -> Pattern<Ev> {
    quantify(contiguity(Pattern::begin("s").where_(is("s")), "m").where_(is("m")))
        .followed_by("e")
        .where_(is("e"))
}

/// Shorthand for the expected rows `s:s1 m:<ms> e:e1` (`""` for no m).
fn rows(ms: &[&str]) -> Vec<String> {
    let rows: Vec<String> = ms
        .iter()
        .map(|m| {
            if m.is_empty() {
                "s:s1 e:e1".to_string()
            } else {
                format!("s:s1 m:{m} e:e1")
            }
        })
        .collect();
    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    want(&refs)
}

// ---- times ranges (TimesRangeITCase)

#[test]
fn times_range_after_next_with_combinations_fixes_only_the_first_event() {
    let p = s_m_e(Pattern::next, |p| p.times_range(1, 3).allow_combinations());
    let got = matches(&p, &evs(&["s1", "m1", "m2", "m3", "m4", "e1"]));
    // m1 right after s1, then up to two of m2..m4 in any combination.
    assert_eq!(
        got,
        rows(&[
            "m1", "m1,m2", "m1,m3", "m1,m4", "m1,m2,m3", "m1,m2,m4", "m1,m3,m4"
        ])
    );
}

#[test]
fn times_range_from_zero_also_matches_without_the_variable() {
    let p = s_m_e(Pattern::next, |p| p.times_range(0, 2).allow_combinations());
    let got = matches(&p, &evs(&["s1", "m1", "m2", "m3", "m4", "e1"]));
    assert_eq!(got, rows(&["", "m1", "m1,m2", "m1,m3", "m1,m4"]));
}

#[test]
fn times_range_after_followed_by_any_with_combinations_takes_every_subset() {
    let p = s_m_e(Pattern::followed_by_any, |p| {
        p.times_range(1, 2).allow_combinations()
    });
    let got = matches(
        &p,
        &evs(&["s1", "x1", "m1", "x2", "m2", "m3", "x3", "m4", "e1"]),
    );
    // Every one or two of m1..m4, in order.
    assert_eq!(
        got,
        rows(&[
            "m1", "m2", "m3", "m4", "m1,m2", "m1,m3", "m1,m4", "m2,m3", "m2,m4", "m3,m4"
        ])
    );
}

#[test]
fn times_range_from_zero_consecutive_takes_only_adjacent_runs() {
    let p = s_m_e(Pattern::followed_by_any, |p| {
        p.times_range(0, 3).consecutive()
    });
    let got = matches(&p, &evs(&["s1", "x1", "m1", "m2", "x2", "m3", "e1"]));
    // x2 breaks m1 m2 from m3; any m may begin a run (followed_by_any).
    assert_eq!(got, rows(&["", "m1", "m1,m2", "m2", "m3"]));
}

#[test]
fn times_range_consecutive_optional_takes_only_adjacent_runs() {
    let p = s_m_e(Pattern::followed_by_any, |p| {
        p.times_range(1, 2).consecutive().optional()
    });
    let got = matches(&p, &evs(&["s1", "m1", "x1", "m2", "m3", "m4", "e1"]));
    assert_eq!(got, rows(&["", "m1", "m2", "m2,m3", "m3", "m3,m4", "m4"]));
}

#[test]
fn times_range_consecutive_optional_after_next_starts_right_after() {
    let p = s_m_e(Pattern::next, |p| {
        p.times_range(1, 2).consecutive().optional()
    });
    let got = matches(&p, &evs(&["s1", "m1", "m2", "m3", "x1", "e1"]));
    // m3 would be a third m.
    assert_eq!(got, rows(&["", "m1", "m1,m2"]));
    // With a gap after s1 only the match without m is left.
    let got = matches(&p, &evs(&["s1", "x1", "m1", "m2", "e1"]));
    assert_eq!(got, rows(&[""]));
}

#[test]
fn times_range_optional_with_no_event_matches_without_it() {
    let p = s_m_e(Pattern::followed_by, |p| p.times_range(1, 2).optional());
    let got = matches(&p, &evs(&["s1", "x1", "x2", "e1"]));
    assert_eq!(got, rows(&[""]));
}

#[test]
fn times_range_optional_with_combinations_takes_every_allowed_subset() {
    let p = s_m_e(Pattern::followed_by_any, |p| {
        p.times_range(2, 3).allow_combinations().optional()
    });
    let got = matches(&p, &evs(&["s1", "m1", "x1", "m2", "m3", "m4", "e1"]));
    // None, or any two or three of m1..m4.
    assert_eq!(
        got,
        rows(&[
            "", "m1,m2", "m1,m3", "m1,m4", "m2,m3", "m2,m4", "m3,m4", "m1,m2,m3", "m1,m2,m4",
            "m1,m3,m4", "m2,m3,m4",
        ])
    );
}

#[test]
fn times_range_optional_takes_the_next_events_from_any_start() {
    let p = s_m_e(Pattern::followed_by_any, |p| p.times_range(2, 3).optional());
    let got = matches(&p, &evs(&["s1", "m1", "x1", "m2", "m3", "m4", "e1"]));
    // From each start the loop takes the next m (skip till next): m1 m2 (m3), m2 m3
    // (m4), m3 m4; m4 alone is too few.
    assert_eq!(
        got,
        rows(&["", "m1,m2", "m1,m2,m3", "m2,m3", "m2,m3,m4", "m3,m4"])
    );
}

#[test]
fn times_range_after_next_with_combinations_skips_noise_after_the_first() {
    let p = s_m_e(Pattern::next, |p| p.times_range(2, 3).allow_combinations());
    let got = matches(&p, &evs(&["s1", "m1", "x1", "m2", "m3", "x2", "m4", "e1"]));
    assert_eq!(
        got,
        rows(&[
            "m1,m2", "m1,m3", "m1,m4", "m1,m2,m3", "m1,m2,m4", "m1,m3,m4"
        ])
    );
}

#[test]
fn times_range_after_followed_by_takes_the_first_events() {
    let p = s_m_e(Pattern::followed_by, |p| p.times_range(2, 3));
    let got = matches(&p, &evs(&["s1", "x1", "m1", "m2", "x2", "m3", "m4", "e1"]));
    // Begins at m1, then the next m each time: m4 would be a fourth.
    assert_eq!(got, rows(&["m1,m2", "m1,m2,m3"]));
}

#[test]
fn times_range_after_followed_by_any_with_combinations_from_three() {
    let p = s_m_e(Pattern::followed_by_any, |p| {
        p.times_range(3, 4).allow_combinations()
    });
    let got = matches(&p, &evs(&["s1", "m1", "m2", "x1", "m3", "m4", "e1"]));
    assert_eq!(
        got,
        rows(&[
            "m1,m2,m3",
            "m1,m2,m4",
            "m1,m3,m4",
            "m2,m3,m4",
            "m1,m2,m3,m4"
        ])
    );
}

// ---- times or more (TimesOrMoreITCase), each plain and with a 3 ms loop window

const WINDOW: Duration = Duration::from_millis(3);

/// `times_or_more(n)`, or `times_or_more_within(n, w)`.
fn tom(p: Pattern<Ev>, n: u32, w: Option<Duration>) -> Pattern<Ev> {
    match w {
        Some(w) => p.times_or_more_within(n, w),
        None => p.times_or_more(n),
    }
}

/// The matches of `events` (name, time), plain and with the window.
fn both(
    pattern: impl Fn(Option<Duration>) -> Pattern<Ev>,
    events: &[(&'static str, i64)],
) -> (Vec<String>, Vec<String>) {
    let events = at(events);
    (
        run_at(&pattern(None), &events, None).0,
        run_at(&pattern(Some(WINDOW)), &events, None).0,
    )
}

#[test]
fn times_or_more_with_combinations_needs_n_events() {
    let (plain, windowed) = both(
        |w| s_m_e(Pattern::followed_by, |p| tom(p, 2, w).allow_combinations()),
        &[
            ("s1", 1),
            ("x1", 2),
            ("m1", 3),
            ("m2", 4),
            ("m3", 5),
            ("m4", 6),
            ("e1", 8),
        ],
    );
    // Begins at m1 (followed_by), then any one or more of m2..m4.
    assert_eq!(
        plain,
        rows(&[
            "m1,m2",
            "m1,m3",
            "m1,m4",
            "m1,m2,m3",
            "m1,m2,m4",
            "m1,m3,m4",
            "m1,m2,m3,m4"
        ])
    );
    // The wait for the second m ends at 3 + 3: m4 (at 6) cannot be the second.
    assert_eq!(
        windowed,
        rows(&[
            "m1,m2",
            "m1,m3",
            "m1,m2,m3",
            "m1,m2,m4",
            "m1,m3,m4",
            "m1,m2,m3,m4"
        ])
    );
}

#[test]
fn times_or_more_after_followed_by_any_with_combinations() {
    let (plain, windowed) = both(
        |w| {
            s_m_e(Pattern::followed_by_any, |p| {
                tom(p, 2, w).allow_combinations()
            })
        },
        &[
            ("s1", 1),
            ("m1", 2),
            ("x1", 3),
            ("m2", 4),
            ("x2", 5),
            ("m3", 6),
            ("e1", 7),
        ],
    );
    assert_eq!(plain, rows(&["m1,m2", "m1,m3", "m2,m3", "m1,m2,m3"]));
    // The first m must come before 1 + 3 (m2 at 4 is too late), the second before
    // m1 + 3 = 5 (m3 is too late); after two the loop has no window.
    assert_eq!(windowed, rows(&["m1,m2", "m1,m2,m3"]));
}

#[test]
fn times_exactly_consecutive_takes_adjacent_pairs() {
    let p = s_m_e(Pattern::followed_by_any, |p| p.times(2).consecutive());
    let got = matches(&p, &evs(&["s1", "m1", "x1", "m2", "m3", "m4", "x2", "e1"]));
    assert_eq!(got, rows(&["m2,m3", "m3,m4"]));
}

#[test]
fn times_or_more_consecutive_optional_takes_adjacent_runs() {
    let (plain, windowed) = both(
        |w| {
            s_m_e(Pattern::followed_by_any, |p| {
                tom(p, 2, w).consecutive().optional()
            })
        },
        &[
            ("s1", 1),
            ("x1", 2),
            ("m1", 3),
            ("m2", 4),
            ("x2", 5),
            ("m3", 6),
            ("m4", 7),
            ("m5", 8),
            ("e1", 9),
        ],
    );
    // Runs of two or more adjacent m: m1 m2; m3 m4 (m5), m4 m5.
    let expected = rows(&["", "m1,m2", "m3,m4", "m3,m4,m5", "m4,m5"]);
    assert_eq!(plain, expected);
    // s1 skipped x1 waiting for an optional first m: it waits on without the window;
    // each second m comes 1 ms after the first.
    assert_eq!(windowed, expected);
}

#[test]
fn times_or_more_consecutive_optional_after_next() {
    let (plain, windowed) = both(
        |w| s_m_e(Pattern::next, |p| tom(p, 2, w).consecutive().optional()),
        &[
            ("s1", 1),
            ("m1", 2),
            ("m2", 4),
            ("m3", 5),
            ("m4", 6),
            ("x1", 7),
            ("e1", 8),
        ],
    );
    let expected = rows(&["", "m1,m2", "m1,m2,m3", "m1,m2,m3,m4"]);
    assert_eq!(plain, expected);
    // m1 1 ms after s1, m2 2 ms after m1: inside the window.
    assert_eq!(windowed, expected);
}

#[test]
fn times_or_more_optional_with_too_few_events_matches_without_them() {
    let (plain, windowed) = both(
        |w| s_m_e(Pattern::followed_by, |p| tom(p, 2, w).optional()),
        &[("s1", 1), ("x1", 2), ("m1", 3), ("x2", 4), ("e1", 5)],
    );
    assert_eq!(plain, rows(&[""]));
    assert_eq!(windowed, rows(&[""]));
}

#[test]
fn times_or_more_optional_with_combinations() {
    let (plain, windowed) = both(
        |w| {
            s_m_e(Pattern::followed_by_any, |p| {
                tom(p, 2, w).allow_combinations().optional()
            })
        },
        &[
            ("s1", 1),
            ("x1", 2),
            ("m1", 3),
            ("m2", 4),
            ("x2", 5),
            ("x3", 6),
            ("m3", 7),
            ("e1", 8),
        ],
    );
    assert_eq!(plain, rows(&["", "m1,m2", "m1,m3", "m2,m3", "m1,m2,m3"]));
    // Any m may begin (s1 skipped x1: no window for the first m), but the second
    // must come within 3 ms of the first: m3 (at 7) is too late after m1 (3) and m2
    // (4).
    assert_eq!(windowed, rows(&["", "m1,m2", "m1,m2,m3"]));
}

#[test]
fn times_or_more_optional_after_followed_by_any() {
    let (plain, windowed) = both(
        |w| s_m_e(Pattern::followed_by_any, |p| tom(p, 2, w).optional()),
        &[
            ("s1", 1),
            ("x1", 2),
            ("m1", 3),
            ("x2", 4),
            ("x3", 5),
            ("m2", 6),
            ("m3", 7),
            ("e1", 8),
        ],
    );
    // From each start the next m each time; m3 alone is too few.
    assert_eq!(plain, rows(&["", "m1,m2", "m1,m2,m3", "m2,m3"]));
    // m2 comes 3 ms after m1: the run from m1 timed out waiting for its second m.
    assert_eq!(windowed, rows(&["", "m2,m3"]));
}

#[test]
fn times_or_more_after_next_with_combinations() {
    let (plain, windowed) = both(
        |w| s_m_e(Pattern::next, |p| tom(p, 2, w).allow_combinations()),
        &[
            ("s1", 1),
            ("m1", 2),
            ("m2", 3),
            ("x1", 4),
            ("m3", 5),
            ("m4", 6),
            ("e1", 7),
        ],
    );
    assert_eq!(
        plain,
        rows(&[
            "m1,m2",
            "m1,m3",
            "m1,m4",
            "m1,m2,m3",
            "m1,m2,m4",
            "m1,m3,m4",
            "m1,m2,m3,m4"
        ])
    );
    // The second m must come before m1 + 3 = 5: only m2.
    assert_eq!(
        windowed,
        rows(&["m1,m2", "m1,m2,m3", "m1,m2,m4", "m1,m2,m3,m4"])
    );
}

#[test]
fn times_or_more_after_followed_by_takes_the_next_events() {
    let (plain, windowed) = both(
        |w| s_m_e(Pattern::followed_by, |p| tom(p, 2, w)),
        &[
            ("s1", 1),
            ("m1", 2),
            ("x1", 3),
            ("m2", 5),
            ("m3", 7),
            ("e1", 8),
        ],
    );
    assert_eq!(plain, rows(&["m1,m2", "m1,m2,m3"]));
    // m2 comes 3 ms after m1: timed out, and followed_by began only at m1.
    assert_eq!(windowed, rows(&[]));
}

#[test]
fn times_or_more_after_followed_by_any_with_combinations_from_any_start() {
    let (plain, windowed) = both(
        |w| {
            s_m_e(Pattern::followed_by_any, |p| {
                tom(p, 2, w).allow_combinations()
            })
        },
        &[
            ("s1", 1),
            ("m1", 2),
            ("m2", 3),
            ("m3", 6),
            ("m4", 7),
            ("e1", 8),
        ],
    );
    // Every two or more of m1..m4.
    assert_eq!(
        plain,
        rows(&[
            "m1,m2",
            "m1,m3",
            "m1,m4",
            "m2,m3",
            "m2,m4",
            "m3,m4",
            "m1,m2,m3",
            "m1,m2,m4",
            "m1,m3,m4",
            "m2,m3,m4",
            "m1,m2,m3,m4"
        ])
    );
    // The first m before 1 + 3 (m1 or m2), the second within 3 ms of it: m2 after m1
    // only (m3 at 6 is 3 ms after m2); then any of m3, m4.
    assert_eq!(
        windowed,
        rows(&["m1,m2", "m1,m2,m3", "m1,m2,m4", "m1,m2,m3,m4"])
    );
}
