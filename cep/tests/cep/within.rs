//! Per-variable windows (Flink's `within(time, WithinType.PREVIOUS_AND_CURRENT)`),
//! hand-computed: a partial match waiting for a variable times out its window after
//! the last event it took; a variable with a quantifier keeps no window of its own
//! (as in Flink), the whole-pattern window still holds, a trailing `not_followed_by`
//! ends with its own window; the same through the keyed operator in event time.

use strom_cep::{Error, Nfa, Pattern, WithinType};

use super::support::{Ev, assert_times_out_10_ms_after_b1, at, is, ms, run_at, want};

const STEP: WithinType = WithinType::PreviousAndCurrent;

/// a, then b within 10 ms of a, then c within 10 ms of b (relaxed contiguity), the
/// variables' conditions from `cond`.
fn steps_of<E: 'static, F>(cond: impl Fn(&'static str) -> F) -> Pattern<E>
where
    F: Fn(&E) -> bool + Send + Sync + 'static,
{
    Pattern::begin("a")
        .where_(cond("a"))
        .followed_by("b")
        .where_(cond("b"))
        .within_type(ms(10), STEP)
        .followed_by("c")
        .where_(cond("c"))
        .within_type(ms(10), STEP)
}

fn a_b_c_steps() -> Pattern<Ev> {
    steps_of(is)
}

#[test]
fn every_step_within_its_window_matches_a_longer_run() {
    // a1@1 b1@10 c1@19: steps of 9 ms, 18 ms in all. a2@12 waits for b from 12; at
    // b2@25 it has waited 13 ms: timed out at 12 + 10.
    let events = at(&[
        ("a1", 1),
        ("b1", 10),
        ("a2", 12),
        ("c1", 19),
        ("b2", 25),
        ("c2", 36),
    ]);
    let (m, t, _) = run_at(&a_b_c_steps(), &events, None);
    assert_eq!(m, want(&["a:a1 b:b1 c:c1"]));
    assert_eq!(t, want(&["a:a2@22"]));
    // The same times under a whole-pattern window of 10 ms: a1's run times out at 11.
    let whole = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .followed_by("c")
        .where_(is("c"))
        .within(ms(10));
    let (m, t, _) = run_at(&whole, &events, None);
    assert_eq!(m, want(&[]));
    assert_eq!(t, want(&["a:a1 b:b1@11", "a:a2@22"]));
}

#[test]
fn a_step_over_its_window_times_the_partial_match_out() {
    // b1 comes 4 ms after a1, c1 11 ms after b1: the run waiting for c ends at 5 + 10.
    let events = at(&[("a1", 1), ("b1", 5), ("c1", 16)]);
    let (m, t, nfa) = run_at(&a_b_c_steps(), &events, Some(100));
    assert_eq!(m, want(&[]));
    assert_eq!(t, want(&["a:a1 b:b1@15"]));
    assert!(nfa.is_empty());
}

#[test]
fn advance_time_reports_the_timeout_at_its_deadline_and_not_before() {
    assert_times_out_10_ms_after_b1(&a_b_c_steps());
}

#[test]
fn after_a_loop_the_window_bounds_only_runs_waiting_in_the_next_variable() {
    // b loops without a window of its own. At b2 one run leaves the loop after b1 and
    // waits for c (skipping b2): it times out at 5 + 10. The run still in the loop
    // meets c1 there and matches, 28 ms after b2: the loop's state has no window.
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .one_or_more()
        .followed_by("c")
        .where_(is("c"))
        .within_type(ms(10), STEP);
    let events = at(&[("a1", 1), ("b1", 5), ("b2", 12), ("c1", 40)]);
    let (m, t, _) = run_at(&p, &events, Some(100));
    assert_eq!(m, want(&["a:a1 b:b1,b2 c:c1"]));
    assert_eq!(t, want(&["a:a1 b:b1@15"]));
}

#[test]
fn a_step_window_on_a_quantified_variable_has_no_effect() {
    // Flink keeps a PREVIOUS_AND_CURRENT window only for variables without times.
    let loose = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .times(2)
        .within_type(ms(5), STEP)
        .followed_by("c")
        .where_(is("c"));
    let events = at(&[("a1", 1), ("b1", 20), ("b2", 40), ("c1", 41)]);
    let (m, t, _) = run_at(&loose, &events, Some(100));
    assert_eq!(m, want(&["a:a1 b:b1,b2 c:c1"]));
    assert_eq!(t, want(&[]));
}

#[test]
fn with_a_whole_pattern_window_whichever_ends_first_times_out() {
    // Steps of 10 ms, the whole run 15 ms. a1 b1: c would be in time for its step
    // (until 19) but the whole window ends at 16. a2: its step ends at 20, before
    // the whole window (25); advanced to 30, both passed and the step's is reported.
    let p = a_b_c_steps().within(ms(15));
    let events = at(&[("a1", 1), ("b1", 9), ("a2", 10), ("c1", 17)]);
    let (m, t, _) = run_at(&p, &events, Some(30));
    assert_eq!(m, want(&[]));
    assert_eq!(t, want(&["a:a1 b:b1@16", "a:a2@20"]));
    // Within both windows it matches: steps of 6 ms, 12 in all.
    let (m, t, _) = run_at(&p, &at(&[("a1", 1), ("b1", 7), ("c1", 13)]), Some(30));
    assert_eq!((m, t), (want(&["a:a1 b:b1 c:c1"]), want(&[])));
}

#[test]
fn a_trailing_not_followed_by_ends_with_its_own_window() {
    // No whole-pattern window: the NOT pattern's 10 ms since a end the wait. a1's run
    // sees no n until 11: a match. a2's run meets n1 at 12: dropped.
    let p = Pattern::begin("a")
        .where_(is("a"))
        .not_followed_by("n")
        .where_(is("n"))
        .within_type(ms(10), STEP);
    let events = at(&[("a1", 1), ("x1", 5), ("a2", 8), ("n1", 12)]);
    let (m, t, nfa) = run_at(&p, &events, Some(30));
    assert_eq!(m, want(&["a:a1"]));
    assert_eq!(t, want(&[]));
    assert!(nfa.is_empty());
}

#[test]
fn step_windows_are_checked_when_the_pattern_is_built() {
    let err = |p: Pattern<Ev>| Nfa::compile(&p).err().expect("refused");
    assert_eq!(
        err(a_b_c_steps().within(ms(5))),
        Error::StageWithinTooLong {
            name: "b".into(),
            stage_ms: 10,
            whole_ms: 5
        }
    );
    assert!(Nfa::compile(&a_b_c_steps().within(ms(10))).is_ok());
    assert_eq!(
        err(a_b_c_steps().within_type(ms(0), STEP)),
        Error::ZeroWithin
    );
    let not_last = Pattern::<Ev>::begin("a").not_followed_by("n");
    assert_eq!(err(not_last.clone()), Error::NotFollowedByLast("n".into()));
    assert!(Nfa::compile(&not_last.within_type(ms(1), STEP)).is_ok());
    // FirstAndLast is `within`.
    let p = Pattern::<Ev>::begin("a").within_type(ms(7), WithinType::FirstAndLast);
    assert_eq!(
        format!("{p:?}"),
        format!("{:?}", Pattern::<Ev>::begin("a").within(ms(7)))
    );
}

#[test]
fn keyed_step_windows_in_event_time() {
    use super::stream::{assert_rows, kind};
    let p = steps_of(|name: &str| kind(name.chars().next().unwrap()));
    // Sorted per key: key 1: a1@1 b2@10 c3@19 (a match 18 ms long), a6@30 b7@35 and no
    // c (times out at 35 + 10); key 2: a4@2, b5@20 (a4 times out at 2 + 10).
    let events = vec![
        (10, (1, 'b', 2)),
        (2, (2, 'a', 4)),
        (1, (1, 'a', 1)),
        (20, (2, 'b', 5)),
        (19, (1, 'c', 3)),
        (35, (1, 'b', 7)),
        (30, (1, 'a', 6)),
    ];
    assert_rows(&p, &events, &["m,1,1,2,3", "t,1,6,45", "t,2,4,12"]);
}
