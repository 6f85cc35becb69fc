//! After-match skip strategies case by case, after the behaviours Flink's
//! AfterMatchSkipITCase (flink-cep, `nfa` package) covers: no skip, skip to next, skip
//! past the last event, skip to the first / last event of a variable (a loop, an
//! optional variable, the first variable, a variable missing from the match, with and
//! without `throw_exception_on_miss`), greedy loops at the start of a pattern,
//! matches waiting for earlier partial matches, and the shared buffer left empty. Our
//! own cases: events are named by kind (the letters) and number, conditions test the
//! kind, expected matches are worked out by hand and compared as sorted multisets.
//! A few cases beyond Flink's suite check the same rules where time releases matches.

use strom_cep::{AfterMatchSkipStrategy as Skip, Error, Nfa, Pattern};

use super::support::{Ev, evs, is, matches, ms, render, want};

/// Whether the event's kind (the letters of its name) contains `letter`: "ab1" is
/// both an `a` and a `b`.
fn has(letter: char) -> impl Fn(&Ev) -> bool + Send + Sync + 'static {
    move |e: &Ev| {
        e.0.chars()
            .take_while(char::is_ascii_alphabetic)
            .any(|c| c == letter)
    }
}

/// The matches each event completes (events at times 1, 2, ...), each list sorted:
/// when a match comes out, not only which.
fn per_event(pattern: &Pattern<Ev>, events: &[Ev]) -> Vec<Vec<String>> {
    let mut nfa = Nfa::compile(pattern).unwrap();
    events
        .iter()
        .zip(1..)
        .map(|(e, t)| {
            let mut v: Vec<String> = nfa.process(*e, t).unwrap().iter().map(render).collect();
            v.sort();
            v
        })
        .collect()
}

/// `a` three times (relaxed contiguity inside), under `skip`.
fn three_as(skip: Skip) -> Pattern<Ev> {
    Pattern::begin_with_skip("a", skip).where_(is("a")).times(3)
}

#[test]
fn no_skip_emits_a_match_for_every_start() {
    // x1 is skipped inside the times; a4 and a5 start runs too short to finish.
    let events = evs(&["a1", "a2", "x1", "a3", "a4", "a5"]);
    assert_eq!(
        matches(&three_as(Skip::NoSkip), &events),
        want(&["a:a1,a2,a3", "a:a2,a3,a4", "a:a3,a4,a5"])
    );
}

#[test]
fn skip_past_last_event_starts_afresh_after_each_match() {
    // a2 and a3 started inside the first match, a5 and a6 inside the second; a7 is
    // left waiting.
    let events = evs(&["a1", "a2", "x1", "a3", "a4", "a5", "a6", "a7"]);
    assert_eq!(
        matches(&three_as(Skip::SkipPastLastEvent), &events),
        want(&["a:a1,a2,a3", "a:a4,a5,a6"])
    );
}

/// `a` followed by any later `b`.
fn a_then_any_b(skip: Skip) -> Pattern<Ev> {
    Pattern::begin_with_skip("a", skip)
        .where_(is("a"))
        .followed_by_any("b")
        .where_(is("b"))
}

#[test]
fn no_skip_keeps_every_followed_by_any_combination() {
    let events = evs(&["a1", "b1", "a2", "b2", "b3"]);
    assert_eq!(
        matches(&a_then_any_b(Skip::NoSkip), &events),
        want(&[
            "a:a1 b:b1",
            "a:a1 b:b2",
            "a:a1 b:b3",
            "a:a2 b:b2",
            "a:a2 b:b3",
        ])
    );
}

#[test]
fn skip_to_next_drops_the_other_combinations_of_the_same_start() {
    // a1 b1 prunes a1's partial match still waiting for more b's; a2 b2 likewise, so
    // b3 finds nothing to extend.
    let events = evs(&["a1", "b1", "a2", "b2", "b3"]);
    assert_eq!(
        matches(&a_then_any_b(Skip::SkipToNext), &events),
        want(&["a:a1 b:b1", "a:a2 b:b2"])
    );
}

/// `a` next one or more `b` (relaxed inside the loop), the loop last.
fn a_then_bs(skip: Skip) -> Pattern<Ev> {
    Pattern::begin_with_skip("a", skip)
        .where_(is("a"))
        .next("b")
        .where_(is("b"))
        .one_or_more()
}

#[test]
fn no_skip_emits_every_length_of_a_trailing_loop() {
    // The loop skips a2 (relaxed inside) and goes on to b3; a2 starts a run of its own.
    let events = evs(&["a1", "b1", "b2", "a2", "b3"]);
    assert_eq!(
        matches(&a_then_bs(Skip::NoSkip), &events),
        want(&["a:a1 b:b1", "a:a1 b:b1,b2", "a:a1 b:b1,b2,b3", "a:a2 b:b3"])
    );
}

#[test]
fn skip_to_next_ends_a_trailing_loop_at_its_first_match() {
    let events = evs(&["a1", "b1", "b2", "a2", "b3"]);
    assert_eq!(
        matches(&a_then_bs(Skip::SkipToNext), &events),
        want(&["a:a1 b:b1", "a:a2 b:b3"])
    );
}

/// Two `x` (kind with an a) right before two `y` (kind with a b), under `skip`.
fn two_then_two(skip: Skip) -> Pattern<Ev> {
    Pattern::begin_with_skip("x", skip)
        .where_(has('a'))
        .times(2)
        .next("y")
        .where_(has('b'))
        .times(2)
}

const EIGHT_ABS: [&str; 8] = ["ab1", "ab2", "ab3", "ab4", "ab5", "ab6", "ab7", "ab8"];

#[test]
fn skip_to_first_restarts_at_the_first_event_of_the_named_variable() {
    // Every window of four events matches without skipping (five of them). After
    // x:1,2 y:3,4 the runs started before ab3 (ab2's) go; ab3's run matches next,
    // then ab5's (ab4's went with the second match).
    let events = evs(&EIGHT_ABS);
    assert_eq!(
        matches(&two_then_two(Skip::NoSkip), &events).len(),
        5,
        "one match per start ab1..ab5"
    );
    assert_eq!(
        matches(&two_then_two(Skip::skip_to_first("y")), &events),
        want(&[
            "x:ab1,ab2 y:ab3,ab4",
            "x:ab3,ab4 y:ab5,ab6",
            "x:ab5,ab6 y:ab7,ab8",
        ])
    );
}

#[test]
fn skip_to_last_restarts_at_the_last_event_of_the_named_variable() {
    // After x:1,2 y:3,4 the runs of ab2 and ab3 go, ab4's matches with y:6,7, which
    // drops ab5's and ab6's; ab7's run has only ab8 left.
    let events = evs(&EIGHT_ABS);
    assert_eq!(
        matches(&two_then_two(Skip::skip_to_last("y")), &events),
        want(&["x:ab1,ab2 y:ab3,ab4", "x:ab4,ab5 y:ab6,ab7"])
    );
}

#[test]
fn skip_past_last_event_keeps_one_of_many_combinations() {
    // d1 completes six matches at once (a1 with b1|b2 and c1|c2, a2 with b2 and
    // c1|c2); the first, of the earliest events, prunes every other (all started
    // before d1), so d2 finds nothing either.
    let p = Pattern::begin_with_skip("a", Skip::SkipPastLastEvent)
        .where_(is("a"))
        .followed_by_any("b")
        .where_(is("b"))
        .followed_by_any("c")
        .where_(is("c"))
        .followed_by("d")
        .where_(is("d"));
    let events = evs(&["a1", "b1", "a2", "b2", "c1", "c2", "d1", "d2"]);
    assert_eq!(matches(&p, &events), want(&["a:a1 b:b1 c:c1 d:d1"]));
}

#[test]
fn skip_past_last_event_lets_a_later_start_match_after_a_broken_one() {
    // a1 and a2 die at the event after them (not a b); a3 b1 and a4 b3 match.
    let p = Pattern::begin_with_skip("a", Skip::SkipPastLastEvent)
        .where_(is("a"))
        .next("b")
        .where_(is("b"));
    let events = evs(&["a1", "a2", "x1", "a3", "b1", "b2", "a4", "b3"]);
    assert_eq!(matches(&p, &events), want(&["a:a3 b:b1", "a:a4 b:b3"]));
}

#[test]
fn skip_to_first_of_a_variable_after_an_optional_one() {
    // x+ is optional: b1 c1 matches without it (b1 is then the match's first event,
    // which prunes nothing). x1 b2 c2 and b2 c2 complete together; skipping to b2
    // keeps the one that starts there.
    let p = Pattern::begin_with_skip("x", Skip::skip_to_first("b"))
        .where_(is("x"))
        .one_or_more()
        .optional()
        .consecutive()
        .next("b")
        .where_(is("b"))
        .next("c")
        .where_(is("c"));
    let events = evs(&["b1", "c1", "x1", "b2", "c2"]);
    assert_eq!(
        matches(&p, &events),
        want(&["b:b1 c:c1", "x:x1 b:b2 c:c2", "b:b2 c:c2"])
    );
}

#[test]
fn skip_to_first_of_the_first_variable_prunes_nothing() {
    // The target is every match's first event: without throw_exception_on_miss this
    // is no skip (b2 c1 overlaps b1 c1 and is kept).
    let p = |skip| {
        Pattern::begin_with_skip("b", skip)
            .where_(is("b"))
            .followed_by("c")
            .where_(is("c"))
    };
    let events = evs(&["b1", "b2", "c1", "b3", "c2"]);
    assert_eq!(
        matches(&p(Skip::skip_to_first("b")), &events),
        want(&["b:b1 c:c1", "b:b2 c:c1", "b:b3 c:c2"])
    );
    // Skipping past c1 would drop b2's match.
    assert_eq!(
        matches(&p(Skip::SkipPastLastEvent), &events),
        want(&["b:b1 c:c1", "b:b3 c:c2"])
    );
}

/// `a` next one or more consecutive `b`, under `skip`.
fn a_then_consecutive_bs(skip: Skip) -> Pattern<Ev> {
    Pattern::begin_with_skip("a", skip)
        .where_(has('a'))
        .next("b")
        .where_(has('b'))
        .one_or_more()
        .consecutive()
}

#[test]
fn skip_to_first_of_a_trailing_loop_drops_the_loop() {
    // a1 b1 matches at once; skipping to b1 drops a1's loop, so b2 extends nothing
    // (no skip would add a1 b1,b2). a2 dies at a3 (not next to a b); a3 b3 matches
    // and its loop goes the same way.
    let events = evs(&["a1", "b1", "b2", "a2", "a3", "b3", "b4", "b5"]);
    assert_eq!(
        matches(&a_then_consecutive_bs(Skip::skip_to_first("b")), &events),
        want(&["a:a1 b:b1", "a:a3 b:b3"])
    );
}

#[test]
fn skip_to_last_of_a_trailing_loop_keeps_a_start_at_its_event() {
    // ab1 is the b of a1's match and starts a run of its own: skipping to the last b
    // (ab1) keeps that run (skipping past ab1 would not), and drops a1's loop.
    let events = evs(&["a1", "ab1", "b1", "b2", "a2", "b3"]);
    assert_eq!(
        matches(&a_then_consecutive_bs(Skip::skip_to_last("b")), &events),
        want(&["a:a1 b:ab1", "a:ab1 b:b1", "a:a2 b:b3"])
    );
    assert_eq!(
        matches(
            &a_then_consecutive_bs(Skip::SkipPastLastEvent),
            &events[..3]
        ),
        want(&["a:a1 b:ab1"])
    );
}

#[test]
fn skip_to_the_first_event_of_the_match_fails_when_asked_to_throw() {
    let p = Pattern::begin_with_skip("a", Skip::skip_to_first("a").throw_exception_on_miss())
        .where_(is("a"))
        .times(2);
    let mut nfa = Nfa::compile(&p).unwrap();
    assert!(nfa.process(("a1", 0), 1).unwrap().is_empty());
    assert!(matches!(
        nfa.process(("a2", 0), 2),
        Err(Error::SkipFailed { .. })
    ));
}

/// `a` (kind with an a), next an optional `b`, next `c` (kind with a c).
fn a_maybe_b_c(skip: Skip) -> Pattern<Ev> {
    Pattern::begin_with_skip("a", skip)
        .where_(has('a'))
        .next("b")
        .where_(has('b'))
        .optional()
        .next("c")
        .where_(has('c'))
}

/// a1 ac1 completes a match without `b`, then ac1 c1 another.
const NO_B: [&str; 3] = ["a1", "ac1", "c1"];

#[test]
fn skip_to_first_of_a_missing_variable_fails_when_asked_to_throw() {
    let mut nfa = Nfa::compile(&a_maybe_b_c(
        Skip::skip_to_first("b").throw_exception_on_miss(),
    ))
    .unwrap();
    assert!(nfa.process(("a1", 0), 1).unwrap().is_empty());
    assert!(matches!(
        nfa.process(("ac1", 0), 2),
        Err(Error::SkipFailed { .. })
    ));
}

#[test]
fn skip_to_first_of_a_missing_variable_does_not_skip() {
    // a1 ac1 has no b: nothing is pruned, so ac1's own run matches with c1.
    assert_eq!(
        matches(&a_maybe_b_c(Skip::skip_to_first("b")), &evs(&NO_B)),
        want(&["a:a1 c:ac1", "a:ac1 c:c1"])
    );
}

#[test]
fn skip_to_last_of_a_missing_variable_fails_when_asked_to_throw() {
    let mut nfa = Nfa::compile(&a_maybe_b_c(
        Skip::skip_to_last("b").throw_exception_on_miss(),
    ))
    .unwrap();
    assert!(nfa.process(("a1", 0), 1).unwrap().is_empty());
    assert!(matches!(
        nfa.process(("ac1", 0), 2),
        Err(Error::SkipFailed { .. })
    ));
}

#[test]
fn skip_to_last_of_a_missing_variable_does_not_skip() {
    assert_eq!(
        matches(&a_maybe_b_c(Skip::skip_to_last("b")), &evs(&NO_B)),
        want(&["a:a1 c:ac1", "a:ac1 c:c1"])
    );
}

/// One or more consecutive `a` (greedy) at the start, right before a `b`.
fn leading_as(skip: Skip) -> Pattern<Ev> {
    Pattern::begin_with_skip("a", skip)
        .where_(is("a"))
        .one_or_more()
        .consecutive()
        .greedy()
        .next("b")
        .where_(is("b"))
}

/// x1 starts nothing; b1 ends the runs of a1..a4 (one each: only the whole suffix is
/// right before b1); a5 b2 is apart.
const LEADING: [&str; 8] = ["x1", "a1", "a2", "a3", "a4", "b1", "a5", "b2"];

const EVERY_SUFFIX: [&str; 5] = [
    "a:a1,a2,a3,a4 b:b1",
    "a:a2,a3,a4 b:b1",
    "a:a3,a4 b:b1",
    "a:a4 b:b1",
    "a:a5 b:b2",
];

#[test]
fn no_skip_after_a_greedy_leading_loop_keeps_every_suffix() {
    assert_eq!(
        matches(&leading_as(Skip::NoSkip), &evs(&LEADING)),
        want(&EVERY_SUFFIX)
    );
}

#[test]
fn skip_to_first_of_a_greedy_leading_loop_keeps_every_suffix() {
    // Each match's first a is its first event: nothing starts before it.
    assert_eq!(
        matches(&leading_as(Skip::skip_to_first("a")), &evs(&LEADING)),
        want(&EVERY_SUFFIX)
    );
}

#[test]
fn skip_to_last_of_a_greedy_leading_loop_keeps_the_run_of_its_last_a() {
    // Skipping to a4 drops the runs of a2 and a3, not a4's.
    assert_eq!(
        matches(&leading_as(Skip::skip_to_last("a")), &evs(&LEADING)),
        want(&["a:a1,a2,a3,a4 b:b1", "a:a4 b:b1", "a:a5 b:b2"])
    );
}

#[test]
fn skip_past_last_event_after_a_greedy_leading_loop_keeps_the_longest() {
    assert_eq!(
        matches(&leading_as(Skip::SkipPastLastEvent), &evs(&LEADING)),
        want(&["a:a1,a2,a3,a4 b:b1", "a:a5 b:b2"])
    );
}

#[test]
fn skip_to_first_keeps_a_match_starting_at_the_target_and_drops_earlier_ones() {
    // e1 completes three matches: s1 st1,t1 e1, s2 st1,t1 e1 and st1 t1 e1 (the
    // greedy loop takes every t). The first skips to st1: s2's match goes, st1's
    // (starting there) stays.
    let p = |skip| {
        Pattern::begin_with_skip("s", skip)
            .where_(has('s'))
            .followed_by("t")
            .where_(has('t'))
            .one_or_more()
            .greedy()
            .followed_by("e")
            .where_(has('e'))
    };
    let events = evs(&["s1", "s2", "st1", "t1", "e1"]);
    assert_eq!(
        matches(&p(Skip::skip_to_first("t")), &events),
        want(&["s:s1 t:st1,t1 e:e1", "s:st1 t:t1 e:e1"])
    );
    assert_eq!(
        matches(&p(Skip::NoSkip), &events),
        want(&[
            "s:s1 t:st1,t1 e:e1",
            "s:s2 t:st1,t1 e:e1",
            "s:st1 t:t1 e:e1"
        ])
    );
}

/// `a`, followed by `c`, followed by a `b` with the value of the `a`, skipping to
/// the first `c`.
fn a_c_same_b() -> Pattern<Ev> {
    Pattern::begin_with_skip("a", Skip::skip_to_first("c"))
        .where_(is("a"))
        .followed_by("c")
        .where_(is("c"))
        .followed_by("b")
        .where_ctx(|e, ctx| {
            e.0.starts_with('b') && ctx.events_for("a").first().is_some_and(|a| a.1 == e.1)
        })
}

#[test]
fn a_match_waits_for_an_earlier_partial_match_and_survives_its_skip() {
    // b1 (6) completes a2's run while a1's (4) still waits for its b: a2's match waits
    // too, and comes out after a1's at b2; a2 started after c1, so skipping to c1
    // keeps it.
    let events = [
        ("a1", 4),
        ("c1", 0),
        ("a2", 6),
        ("x1", 0),
        ("c2", 0),
        ("b1", 6),
        ("b2", 4),
    ];
    let rows = per_event(&a_c_same_b(), &events);
    assert!(rows[..6].iter().all(Vec::is_empty), "{rows:?}");
    assert_eq!(rows[6], want(&["a:a1 c:c1 b:b2", "a:a2 c:c2 b:b1"]));
}

#[test]
fn a_waiting_match_that_started_before_the_target_is_pruned() {
    // Not in Flink's suite, the same rule: a2's match waits for a1's run, whose match
    // skips to c1; a2 started before c1, so its match is dropped.
    let events = [("a1", 4), ("a2", 6), ("c1", 0), ("b1", 6), ("b2", 4)];
    assert_eq!(matches(&a_c_same_b(), &events), want(&["a:a1 c:c1 b:b2"]));
}

#[test]
fn skip_past_last_event_leaves_the_shared_buffer_empty() {
    let p = Pattern::begin_with_skip("e", Skip::SkipPastLastEvent)
        .where_(|_| true)
        .times(3);
    let events = evs(&["e1", "e2", "e3", "e4", "e5", "e6"]);
    let mut nfa = Nfa::compile(&p).unwrap();
    let mut found = Vec::new();
    for (e, t) in events.iter().zip(1..) {
        found.extend(nfa.process(*e, t).unwrap().iter().map(render));
    }
    assert_eq!(found, ["e:e1,e2,e3", "e:e4,e5,e6"]);
    assert!(nfa.is_empty(), "{:?}", nfa.buffer_sizes());
    assert_eq!(nfa.buffer_sizes(), (0, 0));
}

#[test]
fn a_timed_out_partial_match_releases_the_matches_waiting_for_it() {
    // Not in Flink's suite (Flink's advanceTime does the same): a2 b1 waits for a1's
    // run, which times out at 1 + 10; the match comes out with that timeout.
    let p = Pattern::begin_with_skip("a", Skip::SkipToNext)
        .where_(is("a"))
        .followed_by("b")
        .where_ctx(|e, ctx| {
            e.0.starts_with('b') && ctx.events_for("a").first().is_some_and(|a| a.1 == e.1)
        })
        .within(ms(10));
    let mut nfa = Nfa::compile(&p).unwrap();
    for (e, t) in [(("a1", 1), 1), (("a2", 2), 2), (("b1", 2), 3)] {
        let (m, to) = nfa.advance_time(t).unwrap();
        assert!(m.is_empty() && to.is_empty());
        assert!(nfa.process(e, t).unwrap().is_empty(), "a2 b1 waits for a1");
    }
    let (m, to) = nfa.advance_time(10).unwrap();
    assert!(m.is_empty() && to.is_empty());
    let (m, to) = nfa.advance_time(11).unwrap();
    assert_eq!(m.iter().map(render).collect::<Vec<_>>(), ["a:a2 b:b1"]);
    assert_eq!(to.len(), 1);
    assert_eq!((render(&to[0].events), to[0].timeout), ("a:a1".into(), 11));
    assert!(nfa.is_empty());
}

#[test]
fn a_pending_negation_match_released_by_time_prunes_by_the_skip_strategy() {
    // Not in Flink's suite: a1 b1 and a2 b1 wait out the trailing negation until 11
    // and 12. At 11 a1 b1 comes out and, skipping past b1, drops a2's run (no skip
    // would emit a2 b1 at 12).
    let p = |skip| {
        Pattern::begin_with_skip("a", skip)
            .where_(is("a"))
            .followed_by("b")
            .where_(is("b"))
            .not_followed_by("n")
            .where_(is("n"))
            .within(ms(10))
    };
    let run = |skip| {
        let mut nfa = Nfa::compile(&p(skip)).unwrap();
        for (e, t) in [("a1", 1), ("a2", 2), ("b1", 3)] {
            assert!(nfa.process((e, 0), t).unwrap().is_empty());
        }
        let at = |nfa: &mut Nfa<Ev>, t| {
            let (m, to) = nfa.advance_time(t).unwrap();
            assert!(to.is_empty());
            m.iter().map(render).collect::<Vec<_>>()
        };
        let rows = [at(&mut nfa, 10), at(&mut nfa, 11), at(&mut nfa, 12)];
        assert!(nfa.is_empty());
        rows
    };
    assert_eq!(
        run(Skip::NoSkip),
        [
            vec![],
            vec!["a:a1 b:b1".to_string()],
            vec!["a:a2 b:b1".into()]
        ]
    );
    assert_eq!(
        run(Skip::SkipPastLastEvent),
        [vec![], vec!["a:a1 b:b1".to_string()], vec![]]
    );
}

#[test]
fn times_runs_under_each_skip_strategy() {
    let triples = |skip| Pattern::begin_with_skip("a", skip).where_(is("a")).times(3);
    let events = evs(&["a1", "a2", "a3", "a4", "a5", "a6"]);
    let every = want(&["a:a1,a2,a3", "a:a2,a3,a4", "a:a3,a4,a5", "a:a4,a5,a6"]);
    assert_eq!(matches(&triples(Skip::NoSkip), &events), every);
    assert_eq!(matches(&triples(Skip::SkipToNext), &events), every);
    assert_eq!(
        matches(&triples(Skip::SkipPastLastEvent), &events),
        want(&["a:a1,a2,a3", "a:a4,a5,a6"])
    );
    // Skipping to the last `a` of a match starts the next at that event.
    assert_eq!(
        matches(&triples(Skip::skip_to_last("a")), &events),
        want(&["a:a1,a2,a3", "a:a3,a4,a5"])
    );
}
