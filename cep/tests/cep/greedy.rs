//! Greedy quantifiers, after the behaviours Flink's GreedyITCase covers (our own
//! cases, expected matches worked out by hand from Flink's semantics): a greedy loop
//! or range takes every event it can before the next variable may take one (Flink
//! bars the variable after a greedy one from any event the greedy one could take), with
//! and without `optional`, with noise between, after or before its events, with
//! `until`, before a group pattern; last in the pattern it is not greedy at all (every
//! prefix matches, nothing follows to bar). Events are `(name, value)`: the name's
//! first letter is the kind (`s` start, `m` the quantified variable, `e` end, `x`
//! noise), value 9 marks an `until` stop event.

use strom_cep::Pattern;

use super::support::{Ev, evs, is, matches, want};

/// `s`, then `m` quantified by `quantify`, then `e`, all by `followed_by`.
fn s_m_e(quantify: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>) -> Pattern<Ev> {
    quantify(
        Pattern::begin("s")
            .where_(is("s"))
            .followed_by("m")
            .where_(is("m")),
    )
    .followed_by("e")
    .where_(is("e"))
}

/// `s`, then `m` quantified by `quantify`, last.
fn s_m(quantify: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>) -> Pattern<Ev> {
    quantify(
        Pattern::begin("s")
            .where_(is("s"))
            .followed_by("m")
            .where_(is("m")),
    )
}

fn stop(e: &Ev) -> bool {
    e.1 == 9
}

// ---- zero or more (`one_or_more().optional().greedy()`)

#[test]
fn greedy_optional_loop_takes_every_event_before_the_next_variable() {
    let p = s_m_e(|p| p.one_or_more().optional().greedy());
    let got = matches(&p, &evs(&["s1", "m1", "m2", "m3", "m4", "e1"]));
    // Not greedy it would also give s1 e1 and the prefixes m1, m1..m2, m1..m3.
    assert_eq!(got, want(&["s:s1 m:m1,m2,m3,m4 e:e1"]));
}

#[test]
fn greedy_optional_loop_skips_noise_between_its_events() {
    let p = s_m_e(|p| p.one_or_more().optional().greedy());
    let got = matches(
        &p,
        &evs(&["s1", "x1", "m1", "m2", "x2", "x3", "m3", "x4", "e1"]),
    );
    // s1 m1 m2 waiting for e after x2 dies at m3 (e may not take or skip an m).
    assert_eq!(got, want(&["s:s1 m:m1,m2,m3 e:e1"]));
}

#[test]
fn greedy_optional_loop_ends_at_noise_before_the_next_variable() {
    let p = s_m_e(|p| p.one_or_more().optional().greedy());
    let got = matches(&p, &evs(&["s1", "m1", "m2", "m3", "x1", "x2", "e1"]));
    assert_eq!(got, want(&["s:s1 m:m1,m2,m3 e:e1"]));
}

#[test]
fn greedy_optional_loop_with_no_event_matches_without_it() {
    let p = s_m_e(|p| p.one_or_more().optional().greedy());
    let got = matches(&p, &evs(&["s1", "x1", "x2", "e1", "x3"]));
    assert_eq!(got, want(&["s:s1 e:e1"]));
}

#[test]
fn greedy_optional_loop_with_until_stops_at_the_stop_event() {
    let p = s_m_e(|p| p.one_or_more().optional().greedy().until(stop));
    let events = [
        ("s1", 0),
        ("m1", 0),
        ("m2", 0),
        ("m3", 0),
        ("m4", 9),
        ("x1", 0),
        ("e1", 0),
    ];
    // m4 is an m but stops the loop: the loop never takes it and s1 m1..m3 goes on
    // to e, which skips m4 and x1.
    assert_eq!(matches(&p, &events), want(&["s:s1 m:m1,m2,m3 e:e1"]));
}

#[test]
fn greedy_optional_loop_with_until_before_its_first_event_is_skipped() {
    let p = s_m_e(|p| p.one_or_more().optional().greedy().until(stop));
    let events = [("s1", 0), ("m1", 9), ("m2", 0), ("m3", 0), ("e1", 0)];
    // The stop event ends the (empty) loop at once; e then skips m2 and m3.
    assert_eq!(matches(&p, &events), want(&["s:s1 e:e1"]));
}

// ---- one or more (`one_or_more().greedy()`)

#[test]
fn greedy_loop_takes_every_event_before_the_next_variable() {
    let p = s_m_e(|p| p.one_or_more().greedy());
    let got = matches(&p, &evs(&["s1", "m1", "m2", "m3", "e1"]));
    assert_eq!(got, want(&["s:s1 m:m1,m2,m3 e:e1"]));
}

#[test]
fn greedy_loop_skips_noise_between_its_events() {
    let p = s_m_e(|p| p.one_or_more().greedy());
    let got = matches(
        &p,
        &evs(&["s1", "m1", "x1", "m2", "x2", "x3", "m3", "m4", "x4", "e1"]),
    );
    assert_eq!(got, want(&["s:s1 m:m1,m2,m3,m4 e:e1"]));
}

#[test]
fn greedy_loop_ends_at_noise_before_the_next_variable() {
    let p = s_m_e(|p| p.one_or_more().greedy());
    let got = matches(&p, &evs(&["s1", "m1", "m2", "x1", "e1"]));
    assert_eq!(got, want(&["s:s1 m:m1,m2 e:e1"]));
}

#[test]
fn greedy_loop_with_no_event_does_not_match() {
    let p = s_m_e(|p| p.one_or_more().greedy());
    let got = matches(&p, &evs(&["s1", "x1", "e1", "x2", "e2"]));
    assert_eq!(got, want(&[]));
}

#[test]
fn greedy_loop_with_until_stops_at_the_stop_event() {
    let p = s_m_e(|p| p.one_or_more().greedy().until(stop));
    let events = [
        ("s1", 0),
        ("m1", 0),
        ("m2", 0),
        ("m3", 9),
        ("m4", 0),
        ("e1", 0),
    ];
    // After the stop event m3 the partial match waits for e: m4 does not end it.
    assert_eq!(matches(&p, &events), want(&["s:s1 m:m1,m2 e:e1"]));
}

#[test]
fn greedy_loop_with_until_before_its_first_event_does_not_match() {
    let p = s_m_e(|p| p.one_or_more().greedy().until(stop));
    let events = [("s1", 0), ("m1", 9), ("m2", 0), ("m3", 0), ("e1", 0)];
    // s1 waiting for its first m can neither take nor skip the stop event.
    assert_eq!(matches(&p, &events), want(&[]));
}

// ---- before a group pattern

#[test]
fn greedy_optional_loop_before_a_repeated_group() {
    let group = Pattern::begin("p")
        .where_(is("p"))
        .followed_by("q")
        .where_(is("q"));
    let p = Pattern::begin("s")
        .where_(is("s"))
        .followed_by("m")
        .where_(is("m"))
        .one_or_more()
        .optional()
        .greedy()
        .followed_by_group(group)
        .times(2)
        .followed_by("e")
        .where_(is("e"));
    let events = evs(&[
        "s1", "m1", "x1", "m2", "m3", "p1", "q1", "x2", "p2", "q2", "e1",
    ]);
    assert_eq!(
        matches(&p, &events),
        want(&["s:s1 m:m1,m2,m3 p:p1,p2 q:q1,q2 e:e1"])
    );
}

// ---- last in the pattern: nothing follows, every prefix matches

#[test]
fn greedy_optional_loop_last_matches_every_prefix() {
    let p = s_m(|p| p.one_or_more().optional().greedy());
    let got = matches(&p, &evs(&["s1", "m1", "x1", "m2", "m3"]));
    assert_eq!(
        got,
        want(&["s:s1", "s:s1 m:m1", "s:s1 m:m1,m2", "s:s1 m:m1,m2,m3"])
    );
}

#[test]
fn greedy_consecutive_optional_loop_last_stops_at_a_gap() {
    let p = s_m(|p| p.one_or_more().optional().consecutive().greedy());
    let got = matches(&p, &evs(&["s1", "m1", "m2", "m3", "x1", "m4"]));
    assert_eq!(
        got,
        want(&["s:s1", "s:s1 m:m1", "s:s1 m:m1,m2", "s:s1 m:m1,m2,m3"])
    );
}

#[test]
fn greedy_times_range_last_matches_every_allowed_count() {
    let p = s_m(|p| p.times_range(2, 4).greedy());
    let got = matches(&p, &evs(&["s1", "m1", "x1", "m2", "m3", "m4", "m5"]));
    // Two to four m: m5 would be a fifth.
    assert_eq!(
        got,
        want(&["s:s1 m:m1,m2", "s:s1 m:m1,m2,m3", "s:s1 m:m1,m2,m3,m4"])
    );
}

// ---- times ranges

#[test]
fn greedy_times_range_takes_up_to_its_maximum_before_the_next_variable() {
    let p = s_m_e(|p| p.times_range(2, 4).greedy());
    let got = matches(&p, &evs(&["s1", "m1", "m2", "x1", "m3", "e1"]));
    assert_eq!(got, want(&["s:s1 m:m1,m2,m3 e:e1"]));
}

#[test]
fn greedy_times_range_at_its_maximum_is_ended_by_one_more_event() {
    let p = s_m_e(|p| p.times_range(2, 3).greedy());
    let got = matches(&p, &evs(&["s1", "m1", "m2", "m3", "m4", "e1"]));
    // After its third m the partial match waits for e, which (as the variable after
    // a greedy one) may neither take nor skip an m: m4 ends it. Fewer m cannot leave
    // the range while an m comes.
    assert_eq!(got, want(&[]));
}
