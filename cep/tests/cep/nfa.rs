//! NFA semantics against hand-computed matches (as multisets), case by case after
//! the behaviours Flink's NFAITCase, GreedyITCase, TimesRangeITCase, NotPatternITCase
//! and AfterMatchSkipITCase test (our own cases). Events are named by kind (first
//! letter) and number; conditions test the kind.

use std::time::Duration;

use strom_cep::{AfterMatchSkipStrategy, Error, Nfa, Pattern, WithinType};

use super::support::{Ev, evs, is, matches, run_at, want};

fn ab(second: fn(Pattern<Ev>, &str) -> Pattern<Ev>) -> Pattern<Ev> {
    second(Pattern::begin("a").where_(is("a")), "b").where_(is("b"))
}

#[test]
fn next_is_strict_contiguity() {
    let p = ab(Pattern::next);
    let got = matches(&p, &evs(&["a1", "b1", "a2", "x", "b2", "a3", "b3"]));
    assert_eq!(got, want(&["a:a1 b:b1", "a:a3 b:b3"]));
}

#[test]
fn followed_by_takes_the_first_matching_event() {
    let p = ab(Pattern::followed_by);
    let got = matches(&p, &evs(&["a1", "x", "a2", "b1", "b2"]));
    assert_eq!(got, want(&["a:a1 b:b1", "a:a2 b:b1"]));
}

#[test]
fn followed_by_any_takes_every_later_matching_event() {
    let p = ab(Pattern::followed_by_any);
    let got = matches(&p, &evs(&["a1", "b1", "x", "b2"]));
    assert_eq!(got, want(&["a:a1 b:b1", "a:a1 b:b2"]));
}

fn a_bs_c(b: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>) -> Pattern<Ev> {
    b(Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b")))
    .followed_by("c")
    .where_(is("c"))
}

#[test]
fn one_or_more_with_relaxed_contiguity_inside() {
    let p = a_bs_c(|p| p.one_or_more());
    let got = matches(&p, &evs(&["a1", "b1", "x", "b2", "c1"]));
    assert_eq!(got, want(&["a:a1 b:b1 c:c1", "a:a1 b:b1,b2 c:c1"]));
}

#[test]
fn consecutive_loops_take_only_adjacent_events() {
    let p = a_bs_c(|p| p.one_or_more().consecutive());
    let got = matches(&p, &evs(&["a1", "b1", "x", "b2", "c1"]));
    assert_eq!(got, want(&["a:a1 b:b1 c:c1"]));
    let got = matches(&p, &evs(&["a1", "b1", "b2", "c1"]));
    assert_eq!(got, want(&["a:a1 b:b1 c:c1", "a:a1 b:b1,b2 c:c1"]));
}

#[test]
fn allow_combinations_takes_every_subset_after_the_first() {
    let p = a_bs_c(|p| p.one_or_more().allow_combinations());
    let got = matches(&p, &evs(&["a1", "b1", "b2", "b3", "c1"]));
    assert_eq!(
        got,
        want(&[
            "a:a1 b:b1 c:c1",
            "a:a1 b:b1,b2 c:c1",
            "a:a1 b:b1,b3 c:c1",
            "a:a1 b:b1,b2,b3 c:c1",
        ])
    );
}

#[test]
fn times_takes_exactly_n() {
    let p = a_bs_c(|p| p.times(2));
    let got = matches(&p, &evs(&["a1", "b1", "x", "b2", "b3", "c1"]));
    assert_eq!(got, want(&["a:a1 b:b1,b2 c:c1"]));
}

#[test]
fn times_range_takes_from_to() {
    let p = a_bs_c(|p| p.times_range(2, 3));
    let got = matches(&p, &evs(&["a1", "b1", "b2", "b3", "c1"]));
    assert_eq!(got, want(&["a:a1 b:b1,b2 c:c1", "a:a1 b:b1,b2,b3 c:c1"]));
    // From 0: optional.
    let p = a_bs_c(|p| p.times_range(0, 2));
    let got = matches(&p, &evs(&["a1", "b1", "b2", "c1"]));
    assert_eq!(
        got,
        want(&["a:a1 c:c1", "a:a1 b:b1 c:c1", "a:a1 b:b1,b2 c:c1"])
    );
}

#[test]
fn times_or_more_needs_at_least_n() {
    let p = a_bs_c(|p| p.times_or_more(2));
    let got = matches(&p, &evs(&["a1", "b1", "b2", "b3", "c1"]));
    assert_eq!(got, want(&["a:a1 b:b1,b2 c:c1", "a:a1 b:b1,b2,b3 c:c1"]));
}

#[test]
fn optional_variables_may_be_skipped() {
    let p = a_bs_c(|p| p.optional());
    let got = matches(&p, &evs(&["a1", "b1", "c1"]));
    assert_eq!(got, want(&["a:a1 b:b1 c:c1", "a:a1 c:c1"]));
}

#[test]
fn optional_last_variable_matches_at_once_and_again() {
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .optional();
    let got = matches(&p, &evs(&["a1", "x", "b1"]));
    assert_eq!(got, want(&["a:a1", "a:a1 b:b1"]));
}

#[test]
fn greedy_loops_leave_the_next_variable_only_what_they_cannot_take() {
    let events = evs(&["a1", "b1", "b2", "c1"]);
    let lazy = a_bs_c(|p| p.one_or_more());
    assert_eq!(
        matches(&lazy, &events),
        want(&["a:a1 b:b1 c:c1", "a:a1 b:b1,b2 c:c1"])
    );
    let greedy = a_bs_c(|p| p.one_or_more().greedy());
    assert_eq!(matches(&greedy, &events), want(&["a:a1 b:b1,b2 c:c1"]));
    let greedy_times = a_bs_c(|p| p.times_range(1, 3).greedy());
    assert_eq!(
        matches(&greedy_times, &evs(&["a1", "b1", "b2", "c1"])),
        want(&["a:a1 b:b1,b2 c:c1"])
    );
}

#[test]
fn until_ends_a_loop() {
    let events = evs(&["a1", "b1", "u1", "b2", "c1"]);
    let without = a_bs_c(|p| p.one_or_more());
    assert_eq!(
        matches(&without, &events),
        want(&["a:a1 b:b1 c:c1", "a:a1 b:b1,b2 c:c1"])
    );
    let with = a_bs_c(|p| p.one_or_more().until(is("u")));
    assert_eq!(matches(&with, &events), want(&["a:a1 b:b1 c:c1"]));
}

#[test]
fn or_conditions_accept_either() {
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .or(is("d"));
    let got = matches(&p, &evs(&["a1", "x", "d1"]));
    assert_eq!(got, want(&["a:a1 b:d1"]));
}

#[test]
fn iterative_conditions_see_the_partial_match() {
    // b above a's price.
    let p = Pattern::<Ev>::begin("a")
        .where_(is("a"))
        .followed_by_any("b")
        .where_ctx(|e, ctx| e.0.starts_with('b') && e.1 > ctx.events_for("a")[0].1);
    let events = [("a1", 5), ("b1", 3), ("b2", 7), ("b3", 9)];
    assert_eq!(matches(&p, &events), want(&["a:a1 b:b2", "a:a1 b:b3"]));
    // Each b above the last b taken.
    let p = Pattern::<Ev>::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_ctx(|e, ctx| {
            e.0.starts_with('b') && ctx.events_for("b").last().is_none_or(|l| e.1 > l.1)
        })
        .one_or_more();
    let events = [("a1", 0), ("b1", 3), ("b2", 1), ("b3", 5)];
    assert_eq!(matches(&p, &events), want(&["a:a1 b:b1", "a:a1 b:b1,b3"]));
}

#[test]
fn not_next_drops_a_match_whose_next_event_matches() {
    let p = Pattern::begin("a")
        .where_(is("a"))
        .not_next("n")
        .where_(is("n"))
        .followed_by("b")
        .where_(is("b"));
    let got = matches(&p, &evs(&["a1", "n1", "b1", "a2", "x", "b2"]));
    assert_eq!(got, want(&["a:a2 b:b2"]));
    // Last: the event after must not match (and is not part of the match).
    let p = Pattern::begin("a")
        .where_(is("a"))
        .not_next("n")
        .where_(is("n"));
    let got = matches(&p, &evs(&["a1", "n1", "a2", "x"]));
    assert_eq!(got, want(&["a:a2"]));
}

#[test]
fn not_followed_by_drops_a_match_with_a_matching_event_between() {
    let p = Pattern::begin("a")
        .where_(is("a"))
        .not_followed_by("n")
        .where_(is("n"))
        .followed_by("b")
        .where_(is("b"));
    let got = matches(&p, &evs(&["a1", "x", "n1", "b1", "a2", "b2"]));
    assert_eq!(got, want(&["a:a2 b:b2"]));
}

#[test]
fn not_followed_by_last_matches_when_the_window_ends() {
    let p = Pattern::begin("a")
        .where_(is("a"))
        .not_followed_by("n")
        .where_(is("n"))
        .within(Duration::from_millis(10));
    let events = [(("a1", 0), 1), (("n1", 0), 3), (("a2", 0), 5)];
    let (found, timeouts, nfa) = run_at(&p, &events, Some(14));
    assert!(found.is_empty(), "a2's window is still open: {found:?}");
    assert!(timeouts.is_empty());
    drop(nfa);
    let (found, timeouts, nfa) = run_at(&p, &events, Some(15));
    assert_eq!(found, want(&["a:a2"]));
    assert!(timeouts.is_empty());
    assert!(nfa.is_empty(), "state returns to empty");
}

#[test]
fn within_times_out_partial_matches() {
    let p = ab(Pattern::followed_by).within(Duration::from_millis(5));
    let events = [(("a1", 0), 1), (("a2", 0), 4), (("b1", 0), 7)];
    let (found, timeouts, nfa) = run_at(&p, &events, None);
    assert_eq!(found, want(&["a:a2 b:b1"]));
    assert_eq!(timeouts, want(&["a:a1@6"]));
    assert!(
        nfa.is_empty(),
        "the shared buffer is empty after match and timeout"
    );
}

#[test]
fn a_match_and_a_timeout_leave_the_shared_buffer_empty() {
    // followed_by_any keeps its partial match open until within ends it.
    let p = a_bs_c(|p| p.one_or_more()).within(Duration::from_millis(100));
    let events: Vec<(Ev, i64)> = ["a1", "b1", "b2", "x", "c1", "a2", "b3"]
        .iter()
        .zip(1..)
        .map(|(n, t)| ((*n, 0), t))
        .collect();
    let mut nfa = Nfa::compile(&p).unwrap();
    for (e, t) in &events {
        nfa.advance_time(*t).unwrap();
        nfa.process(*e, *t).unwrap();
    }
    assert!(nfa.partial_matches() > 0);
    let (events_stored, nodes) = nfa.buffer_sizes();
    assert!(
        events_stored <= 7 && nodes > 0,
        "events stored once: {events_stored}"
    );
    let (_, timeouts) = nfa.advance_time(1_000).unwrap();
    assert!(!timeouts.is_empty());
    assert!(nfa.is_empty(), "{:?}", nfa.buffer_sizes());
}

#[test]
fn a_strict_pattern_keeps_nothing_after_its_matches() {
    let mut nfa = Nfa::compile(&ab(Pattern::next)).unwrap();
    let mut n = 0;
    for (t, name) in ["a1", "b1", "a2", "b2"].iter().enumerate() {
        n += nfa.process((*name, 0), t as i64).unwrap().len();
    }
    assert_eq!(n, 2);
    assert!(nfa.is_empty());
}

#[test]
fn group_patterns_repeat_as_a_whole() {
    let group = Pattern::begin("b")
        .where_(is("b"))
        .next("c")
        .where_(is("c"));
    let p = Pattern::begin("a")
        .where_(is("a"))
        .next_group(group)
        .times(2);
    let got = matches(&p, &evs(&["a1", "b1", "c1", "b2", "c2"]));
    assert_eq!(got, want(&["a:a1 b:b1,b2 c:c1,c2"]));
    let group = Pattern::begin("b")
        .where_(is("b"))
        .followed_by("c")
        .where_(is("c"));
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by_group(group)
        .one_or_more();
    let got = matches(&p, &evs(&["a1", "b1", "c1", "b2", "c2"]));
    assert_eq!(got, want(&["a:a1 b:b1 c:c1", "a:a1 b:b1,b2 c:c1,c2"]));
}

fn skip_case(skip: AfterMatchSkipStrategy) -> Result<Vec<String>, Error> {
    let p = Pattern::begin_with_skip("a", skip)
        .where_(is("a"))
        .followed_by_any("b")
        .where_(is("b"))
        .followed_by("c")
        .where_(is("c"));
    let mut nfa = Nfa::compile(&p)?;
    let mut out = Vec::new();
    for (t, name) in ["a1", "a2", "b1", "c1"].iter().enumerate() {
        out.extend(
            nfa.process((*name, 0), t as i64)?
                .iter()
                .map(super::support::render),
        );
    }
    out.sort();
    Ok(out)
}

#[test]
fn skip_strategies_prune_by_first_event() {
    let all = want(&["a:a1 b:b1 c:c1", "a:a2 b:b1 c:c1"]);
    let first = want(&["a:a1 b:b1 c:c1"]);
    assert_eq!(skip_case(AfterMatchSkipStrategy::NoSkip).unwrap(), all);
    assert_eq!(skip_case(AfterMatchSkipStrategy::SkipToNext).unwrap(), all);
    assert_eq!(
        skip_case(AfterMatchSkipStrategy::SkipPastLastEvent).unwrap(),
        first
    );
    assert_eq!(
        skip_case(AfterMatchSkipStrategy::skip_to_first("b")).unwrap(),
        first
    );
    assert_eq!(
        skip_case(AfterMatchSkipStrategy::skip_to_last("c")).unwrap(),
        first
    );
    // Skipping to a1 prunes nothing, but a2's match waits while a1's partial match
    // (followed_by_any b) is still open: with a skip strategy, matches come out in
    // order of their first events.
    assert_eq!(
        skip_case(AfterMatchSkipStrategy::skip_to_first("a")).unwrap(),
        first
    );
}

#[test]
fn skip_past_last_event_on_consecutive_pairs() {
    let pairs = |skip| Pattern::begin_with_skip("a", skip).where_(is("a")).times(2);
    let events = evs(&["a1", "a2", "a3", "a4"]);
    assert_eq!(
        matches(&pairs(AfterMatchSkipStrategy::NoSkip), &events),
        want(&["a:a1,a2", "a:a2,a3", "a:a3,a4"])
    );
    assert_eq!(
        matches(&pairs(AfterMatchSkipStrategy::SkipPastLastEvent), &events),
        want(&["a:a1,a2", "a:a3,a4"])
    );
}

#[test]
fn throw_exception_on_miss_fails_when_it_cannot_skip() {
    let to_first_a = AfterMatchSkipStrategy::skip_to_first("a").throw_exception_on_miss();
    assert!(matches!(
        skip_case(to_first_a),
        Err(Error::SkipFailed { .. })
    ));
    // A match without the target variable.
    let p = |skip| {
        Pattern::begin_with_skip("a", skip)
            .where_(is("a"))
            .followed_by("b")
            .where_(is("b"))
            .optional()
            .followed_by("c")
            .where_(is("c"))
    };
    let events = evs(&["a1", "c1"]);
    assert_eq!(
        matches(&p(AfterMatchSkipStrategy::skip_to_first("b")), &events),
        want(&["a:a1 c:c1"])
    );
    let mut nfa = Nfa::compile(&p(
        AfterMatchSkipStrategy::skip_to_first("b").throw_exception_on_miss()
    ))
    .unwrap();
    nfa.process(("a1", 0), 1).unwrap();
    assert!(matches!(
        nfa.process(("c1", 0), 2),
        Err(Error::SkipFailed { .. })
    ));
}

/// (kind, id) events for a state round trip (owned, so the state deserializes).
type Owned = (char, u32);

fn owned_rows(nfa: &mut Nfa<Owned>, events: &[(Owned, i64)], end: Option<i64>) -> Vec<String> {
    let render = |m: &strom_cep::Match<Owned>| {
        m.iter()
            .map(|(n, es)| format!("{n}:{:?}", es.iter().map(|e| e.1).collect::<Vec<_>>()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut rows = Vec::new();
    let times = events.iter().map(|(_, t)| *t).chain(end);
    let mut events = events.iter();
    for ts in times {
        let (m, t) = nfa.advance_time(ts).unwrap();
        rows.extend(m.iter().map(render));
        rows.extend(
            t.iter()
                .map(|t| format!("timeout {}@{}", render(&t.events), t.timeout)),
        );
        if let Some((e, _)) = events.next() {
            rows.extend(nfa.process(*e, ts).unwrap().iter().map(render));
        }
    }
    rows
}

#[test]
fn state_written_and_read_back_mid_stream_continues_the_same() {
    let k = |c: char| move |e: &Owned| e.0 == c;
    let whole = Pattern::<Owned>::begin("a")
        .where_(k('a'))
        .followed_by("b")
        .where_(k('b'))
        .one_or_more()
        .allow_combinations()
        .followed_by("c")
        .where_(k('c'))
        .within(Duration::from_millis(6));
    // Step windows only: the run a1 b2 waits for c from 2 and times out at 6, after
    // the restore (split after b4), from the restored buffer's times.
    let step =
        |p: Pattern<Owned>| p.within_type(Duration::from_millis(4), WithinType::PreviousAndCurrent);
    let steps = step(
        step(
            Pattern::<Owned>::begin("a")
                .where_(k('a'))
                .followed_by("b")
                .where_(k('b')),
        )
        .followed_by("c")
        .where_(k('c')),
    );
    let events: Vec<(Owned, i64)> = "abab xbcbcac"
        .chars()
        .filter(|c| *c != ' ')
        .zip(1..)
        .map(|(c, i)| ((c, i), i64::from(i)))
        .collect();
    // Hand-computed for the step windows: a3 b4 c7 (steps of 1 and 3 ms) match;
    // a1 b2 times out at 2 + 4, a10 at 10 + 4.
    let steps_want = [
        "a:[3] b:[4] c:[7]",
        "timeout a:[10]@14",
        "timeout a:[1] b:[2]@6",
    ];
    for (p, split, exact) in [(whole, 5, None), (steps, 4, Some(steps_want))] {
        let mut want = owned_rows(&mut Nfa::compile(&p).unwrap(), &events, Some(100));
        want.sort();
        assert!(want.len() > 2, "{want:?}");
        if let Some(exact) = exact {
            assert_eq!(want, exact);
        }
        let (first, rest) = events.split_at(split);
        let mut nfa = Nfa::compile(&p).unwrap();
        let mut got = owned_rows(&mut nfa, first, None);
        let bytes = bincode::serialize(&nfa.snapshot()).unwrap();
        let mut restored = Nfa::compile(&p).unwrap();
        restored.restore(bincode::deserialize(&bytes).unwrap());
        got.extend(owned_rows(&mut restored, rest, Some(100)));
        got.sort();
        assert_eq!(got, want);
        assert!(restored.is_empty());
    }
}
