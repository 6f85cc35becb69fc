//! Loop windows (Flink's `times(n, windowTime)`, `times(from, to, windowTime)`,
//! `oneOrMore(windowTime)` and `timesOrMore(n, windowTime)`), hand-computed. As in
//! Flink's compiler, every state taking the variable's events but the first one built
//! for it has the window: `times_within(n)` bounds the waits for events 1 to n - 1,
//! `times_or_more_within(n)` those for events 1 to n, `one_or_more_within` the wait
//! for the first event only; the wait for the first event counts from the previous
//! variable's event (none when the variable begins the pattern); a partial match that
//! skipped an event while waiting for an optional event no longer has the window; a
//! run timed out in the loop loses its way out of the loop too. Timeouts are reported
//! by `advance_time` at the last event's time plus the window.

use std::time::Duration;

use strom_cep::{Error, Nfa, Pattern, WithinType};

use super::support::{Ev, assert_times_out_10_ms_after_b1, at, is, ms, run_at, want};

/// a, then b (relaxed) with the quantifier `quantify` puts on it, then c (relaxed).
fn a_b_c(quantify: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>) -> Pattern<Ev> {
    let ab = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"));
    quantify(ab).followed_by("c").where_(is("c"))
}

/// Matches and timeouts of `p` over `events`, time advanced to 100 at the end.
fn run(p: &Pattern<Ev>, events: &[(&'static str, i64)]) -> (Vec<String>, Vec<String>) {
    let (m, t, _) = run_at(p, &at(events), Some(100));
    (m, t)
}

#[test]
fn times_within_bounds_every_wait_but_the_one_for_the_last_event() {
    let p = a_b_c(|b| b.times_within(3, ms(10)));
    // b1 4 ms after a1, b2 9 ms after b1; b3 comes 26 ms after b2, but the wait for
    // the last b has no window.
    let events = [("a1", 1), ("b1", 5), ("b2", 14), ("b3", 40), ("c1", 41)];
    let (m, t, nfa) = run_at(&p, &at(&events), Some(100));
    assert_eq!((m, t), (want(&["a:a1 b:b1,b2,b3 c:c1"]), want(&[])));
    assert!(nfa.is_empty());
    // b2 11 ms after b1: the run waiting for the second b ends at 5 + 10.
    let late_b2 = [("a1", 1), ("b1", 5), ("b2", 16), ("b3", 40), ("c1", 41)];
    let (m, t, nfa) = run_at(&p, &at(&late_b2), Some(100));
    assert_eq!((m, t), (want(&[]), want(&["a:a1 b:b1@15"])));
    assert!(nfa.is_empty());
    // Without the window the same events match.
    let (m, t) = run(&a_b_c(|b| b.times(3)), &late_b2);
    assert_eq!((m, t), (want(&["a:a1 b:b1,b2,b3 c:c1"]), want(&[])));
    // b1 11 ms after a1: the wait for the first b counts from a1, ending at 1 + 10.
    let late_b1 = [("a1", 1), ("b1", 12), ("b2", 14), ("b3", 16), ("c1", 17)];
    assert_eq!(run(&p, &late_b1), (want(&[]), want(&["a:a1@11"])));
}

#[test]
fn times_within_two_bounds_only_the_wait_for_the_first_event() {
    let p = a_b_c(|b| b.times_within(2, ms(10)));
    // 25 ms between b1 and b2, the wait for the last b: not bounded.
    let events = [("a1", 1), ("b1", 5), ("b2", 30), ("c1", 31)];
    assert_eq!(run(&p, &events), (want(&["a:a1 b:b1,b2 c:c1"]), want(&[])));
    // b1 11 ms after a1: timed out at 11.
    let events = [("a1", 1), ("b1", 12), ("b2", 13), ("c1", 14)];
    assert_eq!(run(&p, &events), (want(&[]), want(&["a:a1@11"])));
    // One event: its only state is the first built, so no wait is bounded.
    let p = a_b_c(|b| b.times_within(1, ms(10)));
    let events = [("a1", 1), ("b1", 50), ("c1", 51)];
    assert_eq!(run(&p, &events), (want(&["a:a1 b:b1 c:c1"]), want(&[])));
}

#[test]
fn advance_time_reports_a_loop_timeout_at_its_deadline_and_not_before() {
    assert_times_out_10_ms_after_b1(&a_b_c(|b| b.times_within(3, ms(10))));
}

#[test]
fn one_or_more_within_bounds_only_the_wait_for_the_first_event() {
    let p = a_b_c(|b| b.one_or_more_within(ms(10)));
    // 35 ms between b1 and b2, inside the loop: not bounded. At b2 one run leaves the
    // loop after b1 (skipping b2), the other takes b2; both meet c1.
    let events = [("a1", 1), ("b1", 5), ("b2", 40), ("c1", 45)];
    let rows = ["a:a1 b:b1 c:c1", "a:a1 b:b1,b2 c:c1"];
    assert_eq!(run(&p, &events), (want(&rows), want(&[])));
    let events = [("a1", 1), ("b1", 12), ("c1", 13)];
    assert_eq!(run(&p, &events), (want(&[]), want(&["a:a1@11"])));
}

#[test]
fn times_or_more_within_bounds_the_waits_for_the_first_n_events() {
    let events = [("a1", 1), ("b1", 5), ("b2", 14), ("b3", 40), ("c1", 41)];
    let rows = ["a:a1 b:b1,b2 c:c1", "a:a1 b:b1,b2,b3 c:c1"];
    // b1 and b2 in their windows; b3, 26 ms after b2, is the loop's: not bounded. The
    // same with relaxed and strict contiguity between the b's.
    let relaxed = a_b_c(|b| b.times_or_more_within(2, ms(10)));
    assert_eq!(run(&relaxed, &events), (want(&rows), want(&[])));
    let strict = a_b_c(|b| b.times_or_more_within(2, ms(10)).consecutive());
    assert_eq!(run(&strict, &events), (want(&rows), want(&[])));
    // With combinations, a run also skips b2 and keeps waiting for a second b after
    // b1: it times out at 5 + 10, so b1 and b3 never pair up.
    let any = a_b_c(|b| b.times_or_more_within(2, ms(10)).allow_combinations());
    assert_eq!(run(&any, &events), (want(&rows), want(&["a:a1 b:b1@15"])));
    // Without the window they do.
    let any = a_b_c(|b| b.times_or_more(2).allow_combinations());
    let all = [
        "a:a1 b:b1,b2 c:c1",
        "a:a1 b:b1,b2,b3 c:c1",
        "a:a1 b:b1,b3 c:c1",
    ];
    assert_eq!(run(&any, &events), (want(&all), want(&[])));
    // The second b 11 ms after the first: timed out.
    let events = [("a1", 1), ("b1", 5), ("b2", 16), ("b3", 17), ("c1", 18)];
    assert_eq!(run(&relaxed, &events), (want(&[]), want(&["a:a1 b:b1@15"])));
}

#[test]
fn times_range_within_times_out_a_run_that_could_also_leave_the_loop() {
    let p = a_b_c(|b| b.times_range_within(1, 3, ms(10)));
    // After b1 the run waits for an optional second b or for c, in a state with the
    // window: at 12 it times out, c1 comes too late.
    let alone = [("a1", 1), ("b1", 2), ("c1", 20)];
    assert_eq!(run(&p, &alone), (want(&[]), want(&["a:a1 b:b1@12"])));
    let unbounded = a_b_c(|b| b.times_range(1, 3));
    assert_eq!(
        run(&unbounded, &alone),
        (want(&["a:a1 b:b1 c:c1"]), want(&[]))
    );
    // b2 at 5: one run takes it (and waits for the third b, without a window), one
    // leaves the loop after b1 and waits for c (c has no window): both match.
    let two = [("a1", 1), ("b1", 2), ("b2", 5), ("c1", 20)];
    let rows = ["a:a1 b:b1 c:c1", "a:a1 b:b1,b2 c:c1"];
    assert_eq!(run(&p, &two), (want(&rows), want(&[])));
    // Greedy: the run does not leave the loop at b2, so only the longer match.
    let greedy = a_b_c(|b| b.times_range_within(1, 3, ms(10)).greedy());
    assert_eq!(
        run(&greedy, &two),
        (want(&["a:a1 b:b1,b2 c:c1"]), want(&[]))
    );
    assert_eq!(run(&greedy, &alone), (want(&[]), want(&["a:a1 b:b1@12"])));
    // x1 skipped while waiting for the optional second b: the run moves to the copy of
    // that state without the window (Flink's IGNORE state), another waits for c.
    let skipped = [("a1", 1), ("b1", 2), ("x1", 5), ("c1", 20)];
    assert_eq!(run(&p, &skipped), (want(&["a:a1 b:b1 c:c1"]), want(&[])));
}

#[test]
fn an_optional_loop_variable_that_skipped_an_event_leaves_its_window() {
    let p = a_b_c(|b| b.times_within(2, ms(10)).optional());
    // Waiting for b or c after a1 with the window: timed out at 11, though c could
    // have come without any b.
    let events = [("a1", 1), ("b1", 20), ("b2", 21), ("c1", 22)];
    assert_eq!(run(&p, &events), (want(&[]), want(&["a:a1@11"])));
    // x1 at 5: one run waits for c, one for the first b in the optional variable's
    // skipping copy (no window); both match.
    let events = [("a1", 1), ("x1", 5), ("b1", 20), ("b2", 21), ("c1", 22)];
    let rows = ["a:a1 b:b1,b2 c:c1", "a:a1 c:c1"];
    assert_eq!(run(&p, &events), (want(&rows), want(&[])));
}

#[test]
fn a_loop_window_on_the_first_variable_starts_at_its_first_event() {
    // The wait for b1 is the start state's: no window. Then b1 -> b2 is bounded, the
    // wait for the third b is not.
    let p = Pattern::begin("b")
        .where_(is("b"))
        .times_within(3, ms(10))
        .followed_by("c")
        .where_(is("c"));
    // b1's run ends at 11; b2's takes b3 (5 ms) and b4 (35 ms, the last: unbounded);
    // b3's run ends at 35; b4's at 70 (c1 does not extend it).
    let events = [("b1", 1), ("b2", 20), ("b3", 25), ("b4", 60), ("c1", 61)];
    let (m, t, nfa) = run_at(&p, &at(&events), Some(100));
    assert_eq!(m, want(&["b:b2,b3,b4 c:c1"]));
    assert_eq!(t, want(&["b:b1@11", "b:b3@35", "b:b4@70"]));
    assert!(nfa.is_empty());
    // one_or_more_within on the first variable bounds nothing.
    let p = Pattern::begin("b")
        .where_(is("b"))
        .one_or_more_within(ms(10))
        .followed_by("c")
        .where_(is("c"));
    let events = [("b1", 1), ("b2", 50), ("c1", 100)];
    let rows = ["b:b1 c:c1", "b:b1,b2 c:c1", "b:b2 c:c1"];
    assert_eq!(run(&p, &events), (want(&rows), want(&[])));
}

#[test]
fn with_a_whole_pattern_window_whichever_ends_first_times_out() {
    let p = a_b_c(|b| b.times_or_more_within(2, ms(10))).within(ms(12));
    let feed = |nfa: &mut Nfa<Ev>| {
        nfa.process(("a1", 0), 1).unwrap();
        nfa.advance_time(5).unwrap();
        nfa.process(("b1", 0), 5).unwrap();
    };
    // The whole window (1 + 12) ends before the loop's (5 + 10).
    let mut nfa = Nfa::compile(&p).unwrap();
    feed(&mut nfa);
    let (_, t) = nfa.advance_time(13).unwrap();
    assert_eq!(t.iter().map(|t| t.timeout).collect::<Vec<_>>(), [13]);
    // Both passed: the loop's deadline is the one reported (as Flink does).
    let mut nfa = Nfa::compile(&p).unwrap();
    feed(&mut nfa);
    let (_, t) = nfa.advance_time(20).unwrap();
    assert_eq!(t.iter().map(|t| t.timeout).collect::<Vec<_>>(), [15]);
    // A step window on the looping variable still has no effect: 4 ms from a1 to b1
    // is over 3 ms, yet the run matches (b2 9 ms after b1).
    let step = a_b_c(|b| {
        b.times_or_more_within(2, ms(10))
            .within_type(ms(3), WithinType::PreviousAndCurrent)
    });
    let events = [("a1", 1), ("b1", 5), ("b2", 14), ("c1", 15)];
    assert_eq!(
        run(&step, &events),
        (want(&["a:a1 b:b1,b2 c:c1"]), want(&[]))
    );
}

#[test]
fn a_loop_window_on_a_group_has_no_effect() {
    let group = Pattern::begin("b").where_(is("b"));
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by_group(group)
        .times_within(2, ms(10));
    let events = [("a1", 1), ("b1", 50), ("b2", 100)];
    assert_eq!(run(&p, &events), (want(&["a:a1 b:b1,b2"]), want(&[])));
}

#[test]
fn loop_windows_on_groups_of_two_variables_have_no_effect_as_in_flink() {
    // Checked against Flink 2.3's flink-cep: `(a followedBy b).oneOrMore(3 ms)` and
    // `.times(2, 3 ms)` between c and d, over c1@1 a1@2 b1@3 a2@10 b2@11 d1@12, give
    // the rows without a window (the rounds are 7 ms apart).
    let ab = || {
        Pattern::begin("a")
            .where_(is("a"))
            .followed_by("b")
            .where_(is("b"))
    };
    let c_group_d = |quantify: &dyn Fn(Pattern<Ev>) -> Pattern<Ev>| {
        quantify(Pattern::begin("c").where_(is("c")).followed_by_group(ab()))
            .followed_by("d")
            .where_(is("d"))
    };
    let events = [
        ("c1", 1),
        ("a1", 2),
        ("b1", 3),
        ("a2", 10),
        ("b2", 11),
        ("d1", 12),
    ];
    assert_eq!(
        run(&c_group_d(&|p| p.one_or_more_within(ms(3))), &events),
        (
            want(&["c:c1 a:a1 b:b1 d:d1", "c:c1 a:a1,a2 b:b1,b2 d:d1"]),
            want(&[])
        )
    );
    assert_eq!(
        run(&c_group_d(&|p| p.times_within(2, ms(3))), &events),
        (want(&["c:c1 a:a1,a2 b:b1,b2 d:d1"]), want(&[]))
    );
}

#[test]
fn inside_a_repeated_group_only_the_first_state_built_for_the_variable_goes_without() {
    // The group's two rounds compile b's states twice, the second round's first: its
    // last state is the first built for b, so only the wait for b4 is unbounded, while
    // b1 -> b2 in the first round is bounded (b.times_within(2) alone would not be).
    let b = Pattern::begin("b").where_(is("b")).times_within(2, ms(10));
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by_group(b)
        .times(2)
        .followed_by("c")
        .where_(is("c"));
    let events = [
        ("a1", 1),
        ("b1", 5),
        ("b2", 14),
        ("b3", 20),
        ("b4", 50),
        ("c1", 51),
    ];
    let rows = ["a:a1 b:b1,b2,b3,b4 c:c1"];
    assert_eq!(run(&p, &events), (want(&rows), want(&[])));
    let events = [
        ("a1", 1),
        ("b1", 5),
        ("b2", 16),
        ("b3", 20),
        ("b4", 50),
        ("c1", 51),
    ];
    assert_eq!(run(&p, &events), (want(&[]), want(&["a:a1 b:b1@15"])));
}

#[test]
fn loop_windows_are_checked_when_the_pattern_is_built() {
    let err = |p: Pattern<Ev>| Nfa::compile(&p).err().expect("refused");
    assert_eq!(
        err(a_b_c(|b| b.times_within(3, ms(20))).within(ms(10))),
        Error::StageWithinTooLong {
            name: "b".into(),
            stage_ms: 20,
            whole_ms: 10
        }
    );
    // As in Flink, a window no state gets is not compared.
    assert!(Nfa::compile(&a_b_c(|b| b.times_within(1, ms(20))).within(ms(10))).is_ok());
    assert!(Nfa::compile(&a_b_c(|b| b.one_or_more_within(ms(10))).within(ms(10))).is_ok());
    assert_eq!(
        err(a_b_c(|b| b.one_or_more_within(ms(0)))),
        Error::ZeroWithin
    );
    assert_eq!(
        err(a_b_c(|b| b.times_within(2, Duration::from_micros(500)))),
        Error::ZeroWithin
    );
    assert!(matches!(
        err(a_b_c(|b| b.one_or_more().times_within(2, ms(5)))),
        Error::QuantifierAlreadyApplied { name, .. } if name == "b"
    ));
    let not = Pattern::<Ev>::begin("a").not_next("n");
    assert!(matches!(
        err(not.times_or_more_within(2, ms(5))),
        Error::NotPatternOption { name, option: "times_or_more" } if name == "n"
    ));
    for p in [
        a_b_c(|b| b.times_within(0, ms(5))),
        a_b_c(|b| b.times_range_within(3, 2, ms(5))),
        a_b_c(|b| b.times_or_more_within(0, ms(5))),
    ] {
        assert!(matches!(err(p), Error::InvalidTimes { name, .. } if name == "b"));
    }
}

#[test]
fn keyed_loop_windows_in_event_time() {
    use super::stream::{Ev as Keyed, assert_rows, kind};
    let p = Pattern::begin("a")
        .where_(kind('a'))
        .followed_by("b")
        .where_(kind('b'))
        .times_or_more_within(2, ms(10))
        .followed_by("c")
        .where_(kind('c'));
    // (time, kind, id) per key. Key 1: b4 is the loop's (unbounded), two matches; key
    // 2: no second b by 5 + 10, timed out there.
    let key1 = [
        (1, 'a', 1),
        (5, 'b', 2),
        (14, 'b', 3),
        (40, 'b', 4),
        (41, 'c', 5),
    ];
    let key2 = [(2, 'a', 6), (5, 'b', 7)];
    let keyed = |key: u32, evs: &[(i64, char, u32)]| -> Vec<(i64, Keyed)> {
        evs.iter().map(|&(t, k, id)| (t, (key, k, id))).collect()
    };
    let events = [keyed(2, &key2), keyed(1, &key1)].concat();
    assert_rows(&p, &events, &["m,1,1,2+3+4,5", "m,1,1,2+3,5", "t,2,6,15"]);
}
