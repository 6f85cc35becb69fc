//! `not_next` and `not_followed_by`, case by case after the behaviours Flink's
//! NotPatternITCase covers (our own cases, multisets worked out by hand from Flink's
//! compiled NFA): `not_next` checks only the event right after; `not_followed_by`
//! guards the wait for the next variable, and through an optional variable the wait
//! after it too, until an event is taken; after a times or looping variable it guards
//! the waits inside the quantifier as well; runs of a `followed_by_any` variable that
//! have not started are not hit; negations in a row; a trailing negation under
//! either window type, and after a loop; pending matches freed by the window and
//! the skip strategy. Events are named by kind (first letter) and number; `n` is
//! the forbidden kind, `x` matches nothing.
//! (negation.rs has a loop before the negation, an event before the run and the
//! refused negation after an optional variable.)

use strom_cep::{AfterMatchSkipStrategy, Pattern, WithinType};

use super::support::{Ev, at, evs, is, matches, ms, run_at, want};

/// `a`, then a NOT `n` joined by `negation`, then whatever `rest` adds.
fn a_not_n(
    negation: fn(Pattern<Ev>, &str) -> Pattern<Ev>,
    rest: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>,
) -> Pattern<Ev> {
    rest(negation(Pattern::begin("a").where_(is("a")), "n").where_(is("n")))
}

/// `a`, not followed by `n`, then `b` joined by `join` with the quantifier
/// `quantify`, then `d` (relaxed).
fn a_not_n_bs_d(
    join: fn(Pattern<Ev>, &str) -> Pattern<Ev>,
    quantify: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>,
) -> Pattern<Ev> {
    a_not_n(Pattern::not_followed_by, |p| {
        quantify(join(p, "b").where_(is("b")))
            .followed_by("d")
            .where_(is("d"))
    })
}

/// `a`, then `b` joined by `join` with the quantifier `quantify`, then NOT `n` joined
/// by `negation`, then `d` (relaxed).
fn a_bs_not_n_d(
    join: fn(Pattern<Ev>, &str) -> Pattern<Ev>,
    quantify: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>,
    negation: fn(Pattern<Ev>, &str) -> Pattern<Ev>,
) -> Pattern<Ev> {
    let bs = quantify(join(Pattern::begin("a").where_(is("a")), "b").where_(is("b")));
    negation(bs, "n")
        .where_(is("n"))
        .followed_by("d")
        .where_(is("d"))
}

// ---- not_next ----------------------------------------------------------------------

#[test]
fn not_next_checks_only_the_event_right_after() {
    // a1's next event is x1: the check passes, and n1 later does not matter.
    let p = a_not_n(Pattern::not_next, |p| {
        p.followed_by_any("c")
            .where_(is("c"))
            .followed_by("d")
            .where_(is("d"))
    });
    assert_eq!(
        matches(&p, &evs(&["a1", "x1", "c1", "n1", "c2", "d1"])),
        want(&["a:a1 c:c1 d:d1", "a:a1 c:c2 d:d1"])
    );
}

#[test]
fn not_next_drops_only_the_runs_whose_next_event_is_forbidden() {
    // a1 is followed by a2 (allowed), a2 by n1: only a2's run ends.
    let p = a_not_n(Pattern::not_next, |p| {
        p.followed_by("c")
            .where_(is("c"))
            .followed_by("d")
            .where_(is("d"))
    });
    assert_eq!(
        matches(&p, &evs(&["a1", "a2", "n1", "c1", "d1"])),
        want(&["a:a1 c:c1 d:d1"])
    );
}

#[test]
fn a_trailing_not_next_drops_every_run_its_forbidden_event_follows() {
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by_any("c")
        .where_(is("c"))
        .followed_by_any("d")
        .where_(is("d"))
        .not_next("n")
        .where_(is("n"));
    // Both runs ending with d1 are followed by n1.
    assert_eq!(
        matches(&p, &evs(&["a1", "c1", "c2", "d1", "n1"])),
        want(&[])
    );
    // Followed by x1 instead, both match (at x1, which they do not take).
    assert_eq!(
        matches(&p, &evs(&["a1", "c1", "c2", "d1", "x1"])),
        want(&["a:a1 c:c1 d:d1", "a:a1 c:c2 d:d1"])
    );
    // The run that skipped d1 (followed_by_any) takes d2, followed by x1.
    assert_eq!(
        matches(&p, &evs(&["a1", "c1", "d1", "n1", "d2", "x1"])),
        want(&["a:a1 c:c1 d:d2"])
    );
}

#[test]
fn not_next_after_a_loop_drops_the_run_whose_last_event_it_follows() {
    let p = |join| a_bs_not_n_d(join, Pattern::one_or_more, Pattern::not_next);
    // b1 is followed by n1; followed_by took b1 for the loop's first event, so no run
    // is left to start at b2.
    let events = evs(&["a1", "b1", "n1", "b2", "d1"]);
    assert_eq!(matches(&p(Pattern::followed_by), &events), want(&[]));
    // followed_by_any also keeps the run that skipped b1: it starts at b2, followed by
    // d1.
    assert_eq!(
        matches(&p(Pattern::followed_by_any), &events),
        want(&["a:a1 b:b2 d:d1"])
    );
    // b1 is followed by b2 (allowed): the run leaving the loop after b1 waits for d;
    // the run that took b2 too is followed by n1.
    assert_eq!(
        matches(
            &p(Pattern::followed_by),
            &evs(&["a1", "b1", "b2", "n1", "d1"])
        ),
        want(&["a:a1 b:b1 d:d1"])
    );
}

#[test]
fn not_next_after_a_loop_checks_the_event_after_each_taken_event() {
    let p = a_bs_not_n_d(
        Pattern::followed_by,
        Pattern::one_or_more,
        Pattern::not_next,
    );
    // b1 is followed by x1 (allowed); n1 comes after that, not right after a b.
    assert_eq!(
        matches(&p, &evs(&["a1", "b1", "x1", "n1", "d1"])),
        want(&["a:a1 b:b1 d:d1"])
    );
    // The loop goes on past n1: b2 is followed by d1.
    assert_eq!(
        matches(&p, &evs(&["a1", "b1", "x1", "n1", "b2", "d1"])),
        want(&["a:a1 b:b1 d:d1", "a:a1 b:b1,b2 d:d1"])
    );
}

#[test]
fn consecutive_negations_each_guard_the_wait() {
    let p = a_not_n(Pattern::not_followed_by, |p| {
        p.not_followed_by("m")
            .where_(is("m"))
            .followed_by("b")
            .where_(is("b"))
    });
    assert_eq!(matches(&p, &evs(&["a1", "m1", "b1"])), want(&[]));
    assert_eq!(matches(&p, &evs(&["a1", "n1", "b1"])), want(&[]));
    assert_eq!(
        matches(&p, &evs(&["a1", "x1", "b1", "m1", "n1"])),
        want(&["a:a1 b:b1"])
    );
}

// ---- not_followed_by before a single variable --------------------------------------

#[test]
fn not_followed_by_stops_mattering_once_the_next_variable_took_its_event() {
    // a1 took c1 before n1: that run survives; a1's run still waiting for another c
    // (followed_by_any) ends at n1, so c2 goes to a2 only.
    let p = a_not_n(Pattern::not_followed_by, |p| {
        p.followed_by_any("c")
            .where_(is("c"))
            .followed_by("d")
            .where_(is("d"))
    });
    assert_eq!(
        matches(&p, &evs(&["a1", "c1", "n1", "a2", "c2", "d1"])),
        want(&["a:a1 c:c1 d:d1", "a:a2 c:c2 d:d1"])
    );
}

#[test]
fn not_followed_by_drops_every_run_waiting_when_the_forbidden_event_comes() {
    let p = a_not_n(Pattern::not_followed_by, |p| {
        p.followed_by("c")
            .where_(is("c"))
            .followed_by("d")
            .where_(is("d"))
    });
    assert_eq!(
        matches(&p, &evs(&["a1", "a2", "n1", "c1", "a3", "c2", "d1"])),
        want(&["a:a3 c:c2 d:d1"])
    );
}

// ---- not_followed_by before an optional variable -----------------------------------

#[test]
fn not_followed_by_before_an_optional_variable_also_guards_skipping_it() {
    let p = a_not_n(Pattern::not_followed_by, |p| {
        p.followed_by_any("c")
            .where_(is("c"))
            .optional()
            .followed_by("d")
            .where_(is("d"))
    });
    // Without n: skipping c, or c1, or c2.
    assert_eq!(
        matches(&p, &evs(&["a1", "c1", "c2", "d1"])),
        want(&["a:a1 d:d1", "a:a1 c:c1 d:d1", "a:a1 c:c2 d:d1"])
    );
    // n1 ends the runs that skipped c or still wait for one; the run that took c1
    // is past the negation.
    assert_eq!(
        matches(&p, &evs(&["a1", "c1", "n1", "c2", "d1"])),
        want(&["a:a1 c:c1 d:d1"])
    );
}

#[test]
fn not_followed_by_before_an_optional_last_variable_keeps_the_match_without_it() {
    // `a` alone matches as soon as a1 comes, before n1 can end anything.
    let p = a_not_n(Pattern::not_followed_by, |p| {
        p.followed_by_any("c").where_(is("c")).optional()
    });
    assert_eq!(
        matches(&p, &evs(&["a1", "x1", "c1", "n1", "c2"])),
        want(&["a:a1", "a:a1 c:c1"])
    );
    assert_eq!(matches(&p, &evs(&["a1", "n1", "c1"])), want(&["a:a1"]));
}

#[test]
fn not_followed_by_before_optional_times_ends_once_the_times_began() {
    // The run that took c1 waits for its second c without the negation.
    let p = a_not_n(Pattern::not_followed_by, |p| {
        p.followed_by_any("c")
            .where_(is("c"))
            .times(2)
            .optional()
            .followed_by("d")
            .where_(is("d"))
    });
    assert_eq!(
        matches(&p, &evs(&["a1", "c1", "x1", "n1", "c2", "d1"])),
        want(&["a:a1 c:c1,c2 d:d1"])
    );
}

#[test]
fn not_followed_by_before_optional_times_guards_the_runs_skipping_events() {
    let p = a_not_n(Pattern::not_followed_by, |p| {
        p.followed_by_any("c")
            .where_(is("c"))
            .times(2)
            .optional()
            .followed_by("d")
            .where_(is("d"))
    });
    // Skipping c, a1 takes d1. The run that skipped x1 and d1 still waiting for its
    // first c ends at n1.
    assert_eq!(
        matches(&p, &evs(&["a1", "x1", "d1", "n1", "c1", "c2", "d2"])),
        want(&["a:a1 d:d1"])
    );
    // Without n1 it goes on to c1 c2 d2 (no `a1 d2`: the run skipping c took d1).
    assert_eq!(
        matches(&p, &evs(&["a1", "x1", "d1", "c1", "c2", "d2"])),
        want(&["a:a1 d:d1", "a:a1 c:c1,c2 d:d2"])
    );
}

// ---- not_followed_by after times ---------------------------------------------------

#[test]
fn not_followed_by_after_times_guards_the_waits_inside_the_times() {
    let p = a_bs_not_n_d(
        Pattern::followed_by_any,
        |b| b.times(2),
        Pattern::not_followed_by,
    );
    // n1 between b1 and b2 ends the run that took b1.
    assert_eq!(
        matches(&p, &evs(&["a1", "b1", "n1", "b2", "d1"])),
        want(&[])
    );
    // The run that skipped b1 (followed_by_any) waits for its first b: not hit.
    assert_eq!(
        matches(&p, &evs(&["a1", "b1", "n1", "b2", "b3", "d1"])),
        want(&["a:a1 b:b2,b3 d:d1"])
    );
}

#[test]
fn not_followed_by_after_times_drops_the_runs_that_completed_the_times() {
    let p = a_bs_not_n_d(
        Pattern::followed_by_any,
        |b| b.times(2),
        Pattern::not_followed_by,
    );
    assert_eq!(
        matches(&p, &evs(&["a1", "b1", "b2", "d1"])),
        want(&["a:a1 b:b1,b2 d:d1"])
    );
    assert_eq!(
        matches(&p, &evs(&["a1", "b1", "b2", "n1", "d1"])),
        want(&[])
    );
    // Only the run still waiting for its first b outlives n1.
    assert_eq!(
        matches(&p, &evs(&["a1", "b1", "b2", "n1", "b3", "b4", "d1"])),
        want(&["a:a1 b:b3,b4 d:d1"])
    );
}

// ---- not_followed_by after one_or_more ---------------------------------------------

/// After the loop: a1, b1, the forbidden n1, then three b and d1.
const AFTER_LOOP: [&str; 7] = ["a1", "b1", "n1", "b2", "b3", "b4", "d1"];

#[test]
fn not_followed_by_after_combinations_of_a_followed_by_loop_leaves_nothing() {
    // followed_by took b1 as the loop's first event and n1 ends that run: no run
    // starts at b2. (negation.rs has the loop without combinations.)
    let p = a_bs_not_n_d(
        Pattern::followed_by,
        |b| b.one_or_more().allow_combinations(),
        Pattern::not_followed_by,
    );
    assert_eq!(matches(&p, &evs(&AFTER_LOOP)), want(&[]));
}

#[test]
fn not_followed_by_after_a_followed_by_any_loop_keeps_the_runs_starting_later() {
    let p = a_bs_not_n_d(
        Pattern::followed_by_any,
        Pattern::one_or_more,
        Pattern::not_followed_by,
    );
    assert_eq!(
        matches(&p, &evs(&AFTER_LOOP)),
        want(&[
            "a:a1 b:b2 d:d1",
            "a:a1 b:b2,b3 d:d1",
            "a:a1 b:b2,b3,b4 d:d1",
            "a:a1 b:b3 d:d1",
            "a:a1 b:b3,b4 d:d1",
            "a:a1 b:b4 d:d1",
        ])
    );
}

#[test]
fn not_followed_by_after_a_followed_by_any_loop_with_combinations() {
    // As without combinations, plus b2,b4 (skipping b3).
    let p = a_bs_not_n_d(
        Pattern::followed_by_any,
        |b| b.one_or_more().allow_combinations(),
        Pattern::not_followed_by,
    );
    assert_eq!(
        matches(&p, &evs(&AFTER_LOOP)),
        want(&[
            "a:a1 b:b2 d:d1",
            "a:a1 b:b2,b3 d:d1",
            "a:a1 b:b2,b4 d:d1",
            "a:a1 b:b2,b3,b4 d:d1",
            "a:a1 b:b3 d:d1",
            "a:a1 b:b3,b4 d:d1",
            "a:a1 b:b4 d:d1",
        ])
    );
}

// ---- not_followed_by before one_or_more --------------------------------------------

/// Before the loop: a1, b1, the forbidden n1, then b2, b3, d1.
const BEFORE_LOOP: [&str; 6] = ["a1", "b1", "n1", "b2", "b3", "d1"];

/// Every run keeps b1 (taken before n1): b1 and the chains after it.
const B1_EAGER: [&str; 3] = [
    "a:a1 b:b1 d:d1",
    "a:a1 b:b1,b2 d:d1",
    "a:a1 b:b1,b2,b3 d:d1",
];

/// As `B1_EAGER`, plus b1,b3.
const B1_COMBINATIONS: [&str; 4] = [
    "a:a1 b:b1 d:d1",
    "a:a1 b:b1,b2 d:d1",
    "a:a1 b:b1,b3 d:d1",
    "a:a1 b:b1,b2,b3 d:d1",
];

#[test]
fn not_followed_by_before_a_loop_ends_once_the_loop_took_an_event() {
    let p = a_not_n_bs_d(Pattern::followed_by, Pattern::one_or_more);
    assert_eq!(matches(&p, &evs(&BEFORE_LOOP)), want(&B1_EAGER));
    let p = a_not_n_bs_d(Pattern::followed_by, |b| {
        b.one_or_more().allow_combinations()
    });
    assert_eq!(matches(&p, &evs(&BEFORE_LOOP)), want(&B1_COMBINATIONS));
}

#[test]
fn not_followed_by_before_a_followed_by_any_loop_drops_the_runs_not_started() {
    // The runs that skipped b1 wait for the loop's first event under the negation:
    // n1 ends them, so nothing starts at b2 or b3.
    let p = a_not_n_bs_d(Pattern::followed_by_any, Pattern::one_or_more);
    assert_eq!(matches(&p, &evs(&BEFORE_LOOP)), want(&B1_EAGER));
    let p = a_not_n_bs_d(Pattern::followed_by_any, |b| {
        b.one_or_more().allow_combinations()
    });
    assert_eq!(matches(&p, &evs(&BEFORE_LOOP)), want(&B1_COMBINATIONS));
}

#[test]
fn not_followed_by_before_an_optional_loop_also_guards_skipping_it() {
    let eager = a_not_n_bs_d(Pattern::followed_by, |b| b.one_or_more().optional());
    // Without n, the run skipping the loop matches too.
    assert_eq!(
        matches(&eager, &evs(&["a1", "b1", "b2", "b3", "d1"])),
        want(&[
            "a:a1 d:d1",
            "a:a1 b:b1 d:d1",
            "a:a1 b:b1,b2 d:d1",
            "a:a1 b:b1,b2,b3 d:d1",
        ])
    );
    // n1 ends it (and, for followed_by_any, the runs waiting for a first b).
    assert_eq!(matches(&eager, &evs(&BEFORE_LOOP)), want(&B1_EAGER));
    let combinations = a_not_n_bs_d(Pattern::followed_by, |b| {
        b.one_or_more().allow_combinations().optional()
    });
    assert_eq!(
        matches(&combinations, &evs(&BEFORE_LOOP)),
        want(&B1_COMBINATIONS)
    );
    let any_eager = a_not_n_bs_d(Pattern::followed_by_any, |b| b.one_or_more().optional());
    assert_eq!(matches(&any_eager, &evs(&BEFORE_LOOP)), want(&B1_EAGER));
    let any_combinations = a_not_n_bs_d(Pattern::followed_by_any, |b| {
        b.one_or_more().allow_combinations().optional()
    });
    assert_eq!(
        matches(&any_combinations, &evs(&BEFORE_LOOP)),
        want(&B1_COMBINATIONS)
    );
}

// ---- windows -----------------------------------------------------------------------

#[test]
fn a_trailing_not_followed_by_under_either_window_type() {
    // 5 ms windows. a1@1: n1@3 inside, dropped. a2@6: its window ends at 11, where n2
    // comes: time reaches 11 first, so a2 matches and n2 is too late. a3@12: n3@16
    // inside, dropped.
    let events = at(&[
        ("a1", 1),
        ("n1", 3),
        ("a2", 6),
        ("n2", 11),
        ("a3", 12),
        ("x1", 14),
        ("n3", 16),
    ]);
    for kind in [WithinType::FirstAndLast, WithinType::PreviousAndCurrent] {
        let p = a_not_n(Pattern::not_followed_by, |p| p.within_type(ms(5), kind));
        let (m, t, nfa) = run_at(&p, &events, Some(30));
        assert_eq!((m, t), (want(&["a:a2"]), want(&[])), "{kind:?}");
        assert!(nfa.is_empty());
    }
}

#[test]
fn the_window_types_count_a_trailing_negation_from_different_events() {
    // a1@1 b1@4, n1@8, 5 ms. From the first event the wait ends at 6: n1 is too late.
    // From the previous event (b1) it ends at 9: n1 drops the run.
    let p = |kind| {
        Pattern::begin("a")
            .where_(is("a"))
            .followed_by("b")
            .where_(is("b"))
            .not_followed_by("n")
            .where_(is("n"))
            .within_type(ms(5), kind)
    };
    let events = at(&[("a1", 1), ("b1", 4), ("n1", 8)]);
    let (m, t, _) = run_at(&p(WithinType::FirstAndLast), &events, Some(20));
    assert_eq!((m, t), (want(&["a:a1 b:b1"]), want(&[])));
    let (m, t, nfa) = run_at(&p(WithinType::PreviousAndCurrent), &events, Some(20));
    assert_eq!((m, t), (want(&[]), want(&[])));
    assert!(nfa.is_empty());
}

#[test]
fn not_followed_by_before_an_optional_times_under_a_window() {
    // c is optional (0 to 2): each `a` matches alone at once. 5 ms from the first
    // event. a1: n1 ends the run, c1 is not taken. a2: c2, then c3 (the second and
    // last), c4 finds no run. a3: c5, then c6 at 25 is 5 ms after a3: timed out.
    let p = a_not_n(Pattern::not_followed_by, |p| {
        p.followed_by("c")
            .where_(is("c"))
            .times_range(0, 2)
            .within(ms(5))
    });
    let events = at(&[
        ("a1", 1),
        ("n1", 3),
        ("c1", 4),
        ("a2", 10),
        ("c2", 11),
        ("c3", 13),
        ("c4", 14),
        ("a3", 20),
        ("c5", 22),
        ("c6", 25),
    ]);
    let (m, t, _) = run_at(&p, &events, Some(40));
    assert_eq!(
        m,
        want(&[
            "a:a1",
            "a:a2",
            "a:a2 c:c2",
            "a:a2 c:c2,c3",
            "a:a3",
            "a:a3 c:c5",
        ])
    );
    assert_eq!(t, want(&["a:a3 c:c5@25"]));
}

#[test]
fn a_trailing_not_followed_by_after_a_loop_is_reached_with_the_next_event() {
    // 5 ms from a1. As in Flink, a loop's run moves on to the negation only when an
    // event comes after its last b: with x1 after b2, a1 b1 and a1 b1,b2 both wait
    // out the window and match at 6 (a1 b1,b2 also stays in the loop, and times
    // out); with no event after b2, only a1 b1 (moved on at b2) matches.
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .one_or_more()
        .not_followed_by("n")
        .where_(is("n"))
        .within(ms(5));
    let run = |events: &[(&'static str, i64)]| {
        let (m, t, nfa) = run_at(&p, &at(events), Some(10));
        assert!(nfa.is_empty());
        (m, t)
    };
    assert_eq!(
        run(&[("a1", 1), ("b1", 2), ("b2", 3), ("x1", 4)]),
        (
            want(&["a:a1 b:b1", "a:a1 b:b1,b2"]),
            want(&["a:a1 b:b1,b2@6"])
        )
    );
    assert_eq!(
        run(&[("a1", 1), ("b1", 2), ("b2", 3)]),
        (want(&["a:a1 b:b1"]), want(&["a:a1 b:b1,b2@6"]))
    );
    // n1 inside the window ends every run.
    assert_eq!(
        run(&[("a1", 1), ("b1", 2), ("b2", 3), ("n1", 4)]),
        (want(&[]), want(&[]))
    );
}

#[test]
fn matches_a_window_frees_from_a_trailing_not_followed_by_are_pruned_by_the_skip() {
    // a1 c1 and a2 c1 wait out their 5 ms (until 6 and 7) for n; at 10 both are
    // complete. Skipping past c1 after a1 c1 (the earlier) drops a2 c1.
    let p = |skip| {
        Pattern::begin_with_skip("a", skip)
            .where_(is("a"))
            .followed_by("c")
            .where_(is("c"))
            .not_followed_by("n")
            .where_(is("n"))
            .within(ms(5))
    };
    let events = at(&[("a1", 1), ("a2", 2), ("c1", 4), ("x1", 10)]);
    let (m, t, nfa) = run_at(&p(AfterMatchSkipStrategy::NoSkip), &events, None);
    assert_eq!((m, t), (want(&["a:a1 c:c1", "a:a2 c:c1"]), want(&[])));
    assert!(nfa.is_empty());
    let (m, t, nfa) = run_at(&p(AfterMatchSkipStrategy::SkipPastLastEvent), &events, None);
    assert_eq!((m, t), (want(&["a:a1 c:c1"]), want(&[])));
    assert!(nfa.is_empty());
}

#[test]
fn combinations_a_window_frees_from_a_trailing_not_followed_by_yield_one_match_under_skip() {
    // Every combination of a1..a3 with c1 waits for n; at 10 all are complete. The
    // first emitted starts at a1: a1,a2,a3 c1, as in Flink; skipping past c1 drops
    // the rest.
    let p = Pattern::begin_with_skip("a", AfterMatchSkipStrategy::SkipPastLastEvent)
        .where_(is("a"))
        .one_or_more()
        .allow_combinations()
        .followed_by("c")
        .where_(is("c"))
        .not_followed_by("n")
        .where_(is("n"))
        .within(ms(5));
    let events = at(&[("a1", 1), ("a2", 2), ("a3", 3), ("c1", 4), ("x1", 10)]);
    let (m, _, nfa) = run_at(&p, &events, None);
    assert_eq!(m, want(&["a:a1,a2,a3 c:c1"]));
    assert!(nfa.is_empty());
}
