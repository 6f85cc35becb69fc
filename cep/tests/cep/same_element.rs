//! Equal events at equal times, and events that can match several variables, after
//! the behaviours Flink's SameElementITCase covers (our own cases): each copy of an
//! event is an event of its own (in loops, combinations, single variables and
//! iterative conditions), a loop ending the pattern, an optional loop and optional
//! variable before a variable taking the loop's kind, and the shared buffer cleared
//! once the matches are out (also when `until` ends the last variable's loop).
//! Events are `(name, value)`, the kind the name's first letter; copies have the same
//! name, so their matches render alike and count once each in the multiset.

use strom_cep::Pattern;

use super::support::{Ev, at, is, run_at, want};

/// Matches of `events` at the given times.
fn timed(pattern: &Pattern<Ev>, events: &[(Ev, i64)]) -> Vec<String> {
    run_at(pattern, events, None).0
}

#[test]
fn zero_or_more_takes_every_prefix_of_a_run_with_copies() {
    // The loop takes every a (x is skipped); b may follow any prefix of the run
    // a1 a1 a2 a3 a3, the empty one included.
    let p = Pattern::begin("c")
        .where_(is("c"))
        .followed_by("a")
        .where_(is("a"))
        .one_or_more()
        .optional()
        .followed_by("b")
        .where_(is("b"));
    let events = at(&[
        ("c1", 1),
        ("a1", 2),
        ("a1", 2),
        ("a2", 3),
        ("x", 4),
        ("a3", 5),
        ("a3", 5),
        ("b1", 6),
    ]);
    assert_eq!(
        timed(&p, &events),
        want(&[
            "c:c1 b:b1",
            "c:c1 a:a1 b:b1",
            "c:c1 a:a1,a1 b:b1",
            "c:c1 a:a1,a1,a2 b:b1",
            "c:c1 a:a1,a1,a2,a3 b:b1",
            "c:c1 a:a1,a1,a2,a3,a3 b:b1",
        ])
    );
}

#[test]
fn a_match_on_events_at_one_time_clears_the_buffer() {
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .followed_by("c")
        .where_(is("c"))
        .followed_by("d")
        .where_(is("d"));
    let events = at(&[("a1", 1), ("x", 2), ("b1", 3), ("c1", 3), ("d1", 3)]);
    let (got, timeouts, nfa) = run_at(&p, &events, None);
    assert_eq!(got, want(&["a:a1 b:b1 c:c1 d:d1"]));
    assert!(timeouts.is_empty());
    assert_eq!(nfa.partial_matches(), 0);
    assert!(nfa.is_empty(), "{:?}", nfa.buffer_sizes());
}

#[test]
fn until_ending_the_last_loop_on_copies_clears_the_buffer() {
    // The loop ends the pattern, so each d it takes is a match; the stop condition
    // holds once two d are taken, so the third copy ends the loop (and is not taken).
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("d")
        .where_(is("d"))
        .one_or_more()
        .until_ctx(|_, ctx| ctx.events_for("d").len() == 2);
    let events = at(&[("a1", 1), ("d1", 2), ("d1", 2), ("d1", 2), ("d2", 4)]);
    let (got, _, nfa) = run_at(&p, &events, None);
    assert_eq!(got, want(&["a:a1 d:d1", "a:a1 d:d1,d1"]));
    assert_eq!(nfa.partial_matches(), 0);
    assert!(nfa.is_empty(), "{:?}", nfa.buffer_sizes());
}

#[test]
fn zero_or_more_combinations_take_every_subset_of_copies() {
    // a* with combinations between c and b: every subset of the four a events
    // (a1, its copy, a2, a3), by size 0 + 4 + 6 + 4 + 1 = 16; subsets differing only
    // in which a1 copy they hold render alike.
    let p = Pattern::begin("c")
        .where_(is("c"))
        .followed_by_any("a")
        .where_(is("a"))
        .one_or_more()
        .optional()
        .allow_combinations()
        .followed_by_any("b")
        .where_(is("b"));
    let events = at(&[
        ("c1", 1),
        ("a1", 2),
        ("a1", 2),
        ("a2", 3),
        ("x", 4),
        ("a3", 5),
        ("b1", 6),
    ]);
    assert_eq!(
        timed(&p, &events),
        want(&[
            "c:c1 b:b1",
            "c:c1 a:a1 b:b1",
            "c:c1 a:a1 b:b1",
            "c:c1 a:a2 b:b1",
            "c:c1 a:a3 b:b1",
            "c:c1 a:a1,a1 b:b1",
            "c:c1 a:a1,a2 b:b1",
            "c:c1 a:a1,a2 b:b1",
            "c:c1 a:a1,a3 b:b1",
            "c:c1 a:a1,a3 b:b1",
            "c:c1 a:a2,a3 b:b1",
            "c:c1 a:a1,a1,a2 b:b1",
            "c:c1 a:a1,a1,a3 b:b1",
            "c:c1 a:a1,a2,a3 b:b1",
            "c:c1 a:a1,a2,a3 b:b1",
            "c:c1 a:a1,a1,a2,a3 b:b1",
        ])
    );
}

#[test]
fn a_copy_of_an_event_matches_a_single_variable_again() {
    // followed_by_any: each a (both copies of a1, and a2) makes its own match.
    let p = Pattern::begin("c")
        .where_(is("c"))
        .followed_by_any("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"));
    let events = at(&[("c1", 1), ("a1", 2), ("a1", 2), ("a2", 3), ("b1", 4)]);
    assert_eq!(
        timed(&p, &events),
        want(&["c:c1 a:a1 b:b1", "c:c1 a:a1 b:b1", "c:c1 a:a2 b:b1"])
    );
}

#[test]
fn iterative_condition_over_copies_counts_each_copy() {
    // e takes any event once the a taken sum to 6, i.e. three of the four copies of
    // ("a1", 2). A partial match reaches e only from the loop right after taking its
    // last a (having skipped an event, it must take another a first), so e is the
    // event right after its last a: {1,2,3} takes the fourth copy as e; {1,2,4},
    // {1,3,4} and {2,3,4} take e1.
    let p = Pattern::begin("c")
        .where_(is("c"))
        .followed_by_any("a")
        .where_(is("a"))
        .one_or_more()
        .optional()
        .allow_combinations()
        .followed_by("e")
        .where_ctx(|_, ctx| ctx.events_for("a").iter().map(|a| a.1).sum::<i32>() == 6);
    let a1 = ("a1", 2);
    let events = [
        (("c1", 0), 1),
        (a1, 2),
        (a1, 2),
        (a1, 2),
        (a1, 2),
        (("e1", 0), 3),
    ];
    assert_eq!(
        timed(&p, &events),
        want(&[
            "c:c1 a:a1,a1,a1 e:a1",
            "c:c1 a:a1,a1,a1 e:e1",
            "c:c1 a:a1,a1,a1 e:e1",
            "c:c1 a:a1,a1,a1 e:e1",
        ])
    );
}

#[test]
fn an_optional_loop_ending_the_pattern_matches_at_each_event() {
    // c alone matches at once; then every run the relaxed loop can take, starting at
    // any a (followed_by_any): from the first a1 copy, from the second, from a2.
    let p = Pattern::begin("c")
        .where_(is("c"))
        .followed_by_any("a")
        .where_(is("a"))
        .one_or_more()
        .optional();
    let events = at(&[
        ("c1", 1),
        ("a1", 2),
        ("a1", 2),
        ("x", 3),
        ("a2", 4),
        ("b1", 5),
    ]);
    assert_eq!(
        timed(&p, &events),
        want(&[
            "c:c1",
            "c:c1 a:a1",
            "c:c1 a:a1",
            "c:c1 a:a1,a1",
            "c:c1 a:a1,a1,a2",
            "c:c1 a:a1,a2",
            "c:c1 a:a2",
        ])
    );
}

#[test]
fn events_of_a_loop_can_also_end_the_pattern() {
    // s a*? b? e, where e takes a's kind too. The first a1 copy ends a match at once
    // (a and b skipped), the second after [a1]; the run [a1, a1] goes on in the loop.
    // x: the loop stops there (a later a restarts it, but it cannot proceed without
    // another a); [a1, a1] proceeds and waits for b or e. b1 comes: [], [a1], [a1, a1]
    // take it (each was waiting for b since x, or since the a after it). a2 ends [a1,
    // a1] without b and the three with b1.
    let p = Pattern::begin("s")
        .where_(is("s"))
        .followed_by("a")
        .where_(is("a"))
        .one_or_more()
        .optional()
        .followed_by("b")
        .where_(is("b"))
        .optional()
        .followed_by("e")
        .where_(is("a"));
    let events = at(&[
        ("s1", 1),
        ("a1", 2),
        ("a1", 2),
        ("x", 3),
        ("b1", 4),
        ("a2", 5),
    ]);
    assert_eq!(
        timed(&p, &events),
        want(&[
            "s:s1 e:a1",
            "s:s1 a:a1 e:a1",
            "s:s1 a:a1,a1 e:a2",
            "s:s1 b:b1 e:a2",
            "s:s1 a:a1 b:b1 e:a2",
            "s:s1 a:a1,a1 b:b1 e:a2",
        ])
    );
}
