//! Windows, timeouts and pruning, after the behaviours Flink's NFAITCase covers (our own
//! cases): `within` (first to last event) against a step window on the last variable,
//! partial matches timing out at every stage of `followed_by_any` runs, the runs left
//! after matches (of `times`, optional variables and combination loops) cleared by
//! either window, the shared buffer keeping only the events of live runs, and time
//! moving only through `advance_time`. Events are named by kind (first letter) and
//! number; timeouts render as "events@deadline".

use strom_cep::{AfterMatchSkipStrategy, Nfa, Pattern, WithinType};

use super::support::{Ev, at, is, ms, run_at, want};

const STEP: WithinType = WithinType::PreviousAndCurrent;

/// A window on `p`: the whole pattern's (`None`) or, as a step, on its last variable.
fn window(p: Pattern<Ev>, kind: Option<WithinType>, millis: u64) -> Pattern<Ev> {
    match kind {
        None => p.within(ms(millis)),
        Some(kind) => p.within_type(ms(millis), kind),
    }
}

fn a_b_c(second: fn(Pattern<Ev>, &str) -> Pattern<Ev>) -> Pattern<Ev> {
    let p = second(Pattern::begin("a").where_(is("a")), "b").where_(is("b"));
    second(p, "c").where_(is("c"))
}

/// a1 and a2 wait for b1; c1 comes 10 ms after a1, 8 after a2, 6 after b1.
const LATE_C: [(&str, i64); 6] = [
    ("a1", 1),
    ("a2", 3),
    ("b1", 5),
    ("x1", 6),
    ("c1", 11),
    ("c2", 14),
];

#[test]
fn a_match_must_end_less_than_within_after_its_first_event() {
    // a1's run expires at 1 + 10, the time c1 comes: c1 is too late for it.
    let p = a_b_c(Pattern::followed_by).within(ms(10));
    let (m, t, nfa) = run_at(&p, &at(&LATE_C), Some(100));
    assert_eq!(m, want(&["a:a2 b:b1 c:c1"]));
    assert_eq!(t, want(&["a:a1 b:b1@11"]));
    assert!(nfa.is_empty());
}

#[test]
fn a_step_window_on_the_last_variable_lets_a_longer_run_match() {
    // Only the wait for c is bounded (9 ms after b1): both runs match though a1's spans
    // 10 ms.
    let p = a_b_c(Pattern::followed_by).within_type(ms(9), STEP);
    let (m, t, nfa) = run_at(&p, &at(&LATE_C), Some(100));
    assert_eq!(m, want(&["a:a1 b:b1 c:c1", "a:a2 b:b1 c:c1"]));
    assert_eq!(t, want(&[]));
    assert!(nfa.is_empty());
}

/// Under `followed_by_any` runs keep waiting after they take an event.
const ANY: [(&str, i64); 6] = [
    ("a1", 1),
    ("a2", 4),
    ("b1", 5),
    ("x1", 7),
    ("c1", 12),
    ("c2", 16),
];

#[test]
fn followed_by_any_runs_time_out_at_every_stage() {
    // Each a's run waiting for b and its run waiting for c time out 10 ms after the a:
    // a1's at 11 (before c1), a2's at 14, after it matched c1.
    let p = a_b_c(Pattern::followed_by_any).within(ms(10));
    let (m, t, nfa) = run_at(&p, &at(&ANY), None);
    assert_eq!(m, want(&["a:a2 b:b1 c:c1"]));
    assert_eq!(
        t,
        want(&["a:a1 b:b1@11", "a:a1@11", "a:a2 b:b1@14", "a:a2@14"])
    );
    assert!(nfa.is_empty());
}

#[test]
fn a_step_window_times_out_only_runs_waiting_for_its_variable() {
    // c within 10 ms of b: both runs with b1 match c1 and time out at 5 + 10; the runs
    // waiting for b have no window and never time out.
    let p = a_b_c(Pattern::followed_by_any).within_type(ms(10), STEP);
    let (m, t, nfa) = run_at(&p, &at(&ANY), Some(1_000));
    assert_eq!(m, want(&["a:a1 b:b1 c:c1", "a:a2 b:b1 c:c1"]));
    assert_eq!(t, want(&["a:a1 b:b1@15", "a:a2 b:b1@15"]));
    assert_eq!(nfa.partial_matches(), 2);
}

#[test]
fn times_runs_left_after_a_match_are_cleared_by_either_window() {
    let p = || {
        Pattern::begin("a")
            .where_(is("a"))
            .next("b")
            .where_(is("b"))
            .times(2)
            .followed_by("c")
            .where_(is("c"))
    };
    // a2 b3 b4 still waits for c: 8 ms after a2 (5) or after b4 (7).
    let events = at(&[
        ("a1", 1),
        ("b1", 2),
        ("b2", 3),
        ("c1", 4),
        ("a2", 5),
        ("b3", 6),
        ("b4", 7),
    ]);
    for (kind, end, deadline) in [
        (None, 13, "a:a2 b:b3,b4@13"),
        (Some(STEP), 15, "a:a2 b:b3,b4@15"),
    ] {
        let p = window(p(), kind, 8);
        let (_, _, before) = run_at(&p, &events, Some(end - 1));
        assert_eq!(before.partial_matches(), 1, "{kind:?}");
        let (m, t, nfa) = run_at(&p, &events, Some(end));
        assert_eq!(m, want(&["a:a1 b:b1,b2 c:c1"]));
        assert_eq!(t, want(&[deadline]), "{kind:?}");
        assert!(nfa.is_empty(), "{kind:?}");
    }
}

#[test]
fn optional_runs_left_after_a_match_are_cleared_by_either_window() {
    let p = || {
        Pattern::begin("a")
            .where_(is("a"))
            .followed_by("b")
            .where_(is("b"))
            .optional()
            .followed_by("c")
            .where_(is("c"))
    };
    // a2 leaves two runs waiting for c: with b2 (6) and without (skipping b2, from a2's
    // time, 5).
    let events = at(&[("a1", 1), ("b1", 3), ("c1", 4), ("a2", 5), ("b2", 6)]);
    let rows = want(&["a:a1 b:b1 c:c1", "a:a1 c:c1"]);
    for (kind, end, deadlines) in [
        (None, 13, ["a:a2 b:b2@13", "a:a2@13"]),
        (Some(STEP), 14, ["a:a2 b:b2@14", "a:a2@13"]),
    ] {
        let p = window(p(), kind, 8);
        let (m, t, nfa) = run_at(&p, &events, Some(end));
        assert_eq!(m, rows);
        assert_eq!(t, want(&deadlines), "{kind:?}");
        assert!(nfa.is_empty(), "{kind:?}");
    }
}

/// a, b (relaxed, combinations, optional or not), c (relaxed).
fn combinations(optional: bool) -> Pattern<Ev> {
    let b = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .one_or_more()
        .allow_combinations();
    let b = if optional { b.optional() } else { b };
    b.followed_by("c").where_(is("c"))
}

const COMBINATIONS: [(&str, i64); 4] = [("a1", 1), ("b1", 2), ("b2", 4), ("c1", 5)];

#[test]
fn combination_loop_runs_left_after_a_match_are_cleared_by_within() {
    // After c1 two runs stay in the loop, having skipped an event (b1 skipping b2, b1 b2
    // skipping c1): they can still take b's. Both expire at 1 + 8.
    for optional in [false, true] {
        let p = combinations(optional).within(ms(8));
        let (m, t, mut nfa) = run_at(&p, &at(&COMBINATIONS), None);
        let mut rows = vec!["a:a1 b:b1 c:c1", "a:a1 b:b1,b2 c:c1"];
        if optional {
            rows.push("a:a1 c:c1");
        }
        assert_eq!(m, want(&rows));
        assert_eq!(t, want(&[]));
        assert_eq!(nfa.partial_matches(), 2, "optional: {optional}");
        let (m, t) = nfa.advance_time(9).unwrap();
        assert!(m.is_empty());
        let mut t: Vec<String> = t
            .iter()
            .map(|t| format!("{}@{}", super::support::render(&t.events), t.timeout))
            .collect();
        t.sort();
        assert_eq!(t, want(&["a:a1 b:b1,b2@9", "a:a1 b:b1@9"]));
        assert!(nfa.is_empty());
    }
}

#[test]
fn a_step_window_on_the_next_variable_leaves_combination_loop_runs() {
    // The runs left in b's loop wait in b, which has no window: they stay.
    let p = combinations(true).within_type(ms(8), STEP);
    let (m, t, nfa) = run_at(&p, &at(&COMBINATIONS), Some(1_000));
    assert_eq!(
        m,
        want(&["a:a1 b:b1 c:c1", "a:a1 b:b1,b2 c:c1", "a:a1 c:c1"])
    );
    assert_eq!(t, want(&[]));
    assert_eq!(nfa.partial_matches(), 2);
}

/// Three a's (relaxed) from the start, skipping past the last event, in a window of
/// 4 ms of the kind given.
fn three_a(kind: Option<WithinType>) -> Pattern<Ev> {
    let p = Pattern::begin_with_skip("a", AfterMatchSkipStrategy::SkipPastLastEvent)
        .where_(is("a"))
        .times(3);
    window(p, kind, 4)
}

const TWO_A: [(&str, i64); 2] = [("a1", 1), ("a2", 3)];

#[test]
fn an_expired_run_frees_its_events_at_once() {
    // At 5 the run from a1 (with a2) has expired and only a2's own run is left: only
    // a2 stays stored (Flink releases the expired run's edge of the node for a2, which
    // both runs share, and with it a1; here each run has its own node for a2, and the
    // expired run's releases a1).
    let (m, t, nfa) = run_at(&three_a(None), &at(&TWO_A), Some(5));
    assert_eq!((m, t), (want(&[]), want(&["a:a1,a2@5"])));
    assert_eq!(nfa.partial_matches(), 1);
    assert_eq!(nfa.buffer_sizes().0, 1);
}

#[test]
fn a_step_window_on_a_loop_keeps_every_run_and_event() {
    // A step window on a quantified variable has no effect: both runs and both events
    // stay.
    let (m, t, nfa) = run_at(&three_a(Some(STEP)), &at(&TWO_A), Some(5));
    assert_eq!((m, t), (want(&[]), want(&[])));
    assert_eq!(nfa.partial_matches(), 2);
    assert_eq!(nfa.buffer_sizes().0, 2);
}

#[test]
fn partial_matches_time_out_only_when_time_advances() {
    // `process` does not move the NFA's time: a1's run outlives its window until
    // `advance_time`.
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .within(ms(5));
    let mut nfa = Nfa::compile(&p).unwrap();
    assert!(nfa.process(("a1", 0), 1).unwrap().is_empty());
    assert!(nfa.process(("x1", 0), 10).unwrap().is_empty());
    assert_eq!(nfa.partial_matches(), 1);
    let (m, t) = nfa.advance_time(10).unwrap();
    assert!(m.is_empty());
    assert_eq!(t.len(), 1);
    assert_eq!((t[0].events.get("a"), t[0].timeout), (&[("a1", 0)][..], 6));
    assert!(nfa.is_empty());
}
