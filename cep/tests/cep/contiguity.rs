//! Contiguity between variables and inside `times` loops, after the behaviours Flink's
//! NFAITCase covers (our own cases): variables without conditions, relaxed contiguity
//! skipping events no variable accepts, branching under `followed_by_any` and mixed
//! with `followed_by`, `next` after an optional loop, `times` under each outer and
//! inner contiguity, and the order of a match's variables and events. Events are named
//! by kind (first letter) and number; conditions test the kind.

use strom_cep::Pattern;

use super::support::{Ev, evs, is, matches, want};

#[test]
fn followed_by_without_conditions_pairs_each_event_with_the_next() {
    let p = Pattern::<Ev>::begin("a").followed_by("b");
    let got = matches(&p, &evs(&["p1", "q1", "r1", "s1"]));
    assert_eq!(got, want(&["a:p1 b:q1", "a:q1 b:r1", "a:r1 b:s1"]));
}

#[test]
fn a_loop_without_conditions_takes_every_run_of_following_events() {
    // Every event starts a run; the relaxed loop can skip nothing (every event
    // matches), so each run extends by the next event or ends.
    let p = Pattern::<Ev>::begin("a").followed_by("b").one_or_more();
    let got = matches(&p, &evs(&["p1", "q1", "r1", "s1"]));
    assert_eq!(
        got,
        want(&[
            "a:p1 b:q1",
            "a:p1 b:q1,r1",
            "a:p1 b:q1,r1,s1",
            "a:q1 b:r1",
            "a:q1 b:r1,s1",
            "a:r1 b:s1",
        ])
    );
}

#[test]
fn followed_by_any_without_conditions_pairs_each_event_with_every_later_one() {
    let p = Pattern::<Ev>::begin("a").followed_by_any("b");
    let got = matches(&p, &evs(&["p1", "q1", "r1", "s1"]));
    assert_eq!(
        got,
        want(&[
            "a:p1 b:q1",
            "a:p1 b:r1",
            "a:p1 b:s1",
            "a:q1 b:r1",
            "a:q1 b:s1",
            "a:r1 b:s1",
        ])
    );
}

#[test]
fn relaxed_contiguity_skips_events_no_variable_accepts() {
    // b needs a value above 5 (two where_ conditions, and-ed): b1 is skipped like x1.
    // a2 starts a run that finds no b after it.
    let p = Pattern::<Ev>::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .where_(|e| e.1 > 5)
        .followed_by("c")
        .where_(is("c"));
    let events = [
        ("a1", 0),
        ("x1", 0),
        ("b1", 3),
        ("b2", 8),
        ("a2", 0),
        ("c1", 0),
    ];
    assert_eq!(matches(&p, &events), want(&["a:a1 b:b2 c:c1"]));
}

#[test]
fn where_after_or_applies_to_both_alternatives() {
    // (b or d) and above 5.
    let p = Pattern::<Ev>::begin("a")
        .where_(is("a"))
        .followed_by_any("b")
        .where_(is("b"))
        .or(is("d"))
        .where_(|e| e.1 > 5);
    let events = [("a1", 0), ("b1", 3), ("d1", 7), ("d2", 2), ("b2", 9)];
    assert_eq!(matches(&p, &events), want(&["a:a1 b:b2", "a:a1 b:d1"]));
}

#[test]
fn followed_by_any_branches_on_every_candidate_at_each_step() {
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by_any("b")
        .where_(is("b"))
        .followed_by_any("c")
        .where_(is("c"))
        .followed_by_any("d")
        .where_(is("d"));
    let got = matches(&p, &evs(&["a1", "b1", "b2", "x1", "c1", "c2", "d1"]));
    assert_eq!(
        got,
        want(&[
            "a:a1 b:b1 c:c1 d:d1",
            "a:a1 b:b1 c:c2 d:d1",
            "a:a1 b:b2 c:c1 d:d1",
            "a:a1 b:b2 c:c2 d:d1",
        ])
    );
}

/// a, b, c, d with the contiguity of b, c and d given.
fn a_b_c_d(
    b: fn(Pattern<Ev>, &str) -> Pattern<Ev>,
    c: fn(Pattern<Ev>, &str) -> Pattern<Ev>,
    d: fn(Pattern<Ev>, &str) -> Pattern<Ev>,
) -> Pattern<Ev> {
    let p = b(Pattern::begin("a").where_(is("a")), "b").where_(is("b"));
    let p = c(p, "c").where_(is("c"));
    d(p, "d").where_(is("d"))
}

#[test]
fn followed_by_takes_only_the_first_candidate_even_before_followed_by_any() {
    // b and c relaxed: b1 and c1 only; d under followed_by_any has one candidate.
    let p = a_b_c_d(
        Pattern::followed_by,
        Pattern::followed_by,
        Pattern::followed_by_any,
    );
    let got = matches(&p, &evs(&["a1", "b1", "b2", "x1", "c1", "c2", "d1"]));
    assert_eq!(got, want(&["a:a1 b:b1 c:c1 d:d1"]));
}

#[test]
fn followed_by_after_followed_by_any_takes_the_first_candidate_of_each_branch() {
    // Each b branch takes the first c after it: c1 for both.
    let p = a_b_c_d(
        Pattern::followed_by_any,
        Pattern::followed_by,
        Pattern::followed_by_any,
    );
    let got = matches(&p, &evs(&["a1", "b1", "b2", "x1", "c1", "c2", "d1"]));
    assert_eq!(got, want(&["a:a1 b:b1 c:c1 d:d1", "a:a1 b:b2 c:c1 d:d1"]));
}

/// a, then b (entered with `enter`, quantified by `quantify`), then c (relaxed).
fn a_b_c(
    enter: fn(Pattern<Ev>, &str) -> Pattern<Ev>,
    quantify: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>,
) -> Pattern<Ev> {
    let p = enter(Pattern::begin("a").where_(is("a")), "b").where_(is("b"));
    quantify(p).followed_by("c").where_(is("c"))
}

#[test]
fn next_after_an_optional_loop_needs_the_event_right_after_the_last_taken() {
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .one_or_more()
        .optional()
        .next("c")
        .where_(is("c"));
    // x1 comes between the last b and c1; a1 itself is not right before c1 either.
    assert_eq!(
        matches(&p, &evs(&["a1", "b1", "b2", "x1", "c1"])),
        want(&[])
    );
    assert_eq!(
        matches(&p, &evs(&["a1", "b1", "b2", "c1"])),
        want(&["a:a1 b:b1,b2 c:c1"])
    );
    assert_eq!(matches(&p, &evs(&["a1", "c1"])), want(&["a:a1 c:c1"]));
}

#[test]
fn next_after_a_combinations_loop_takes_only_subsets_ending_right_before_it() {
    // b may start at any b (followed_by_any) and skip any b, but a run that skipped an
    // event cannot leave the loop before taking another b: the last b must be b3.
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by_any("b")
        .where_(is("b"))
        .one_or_more()
        .optional()
        .allow_combinations()
        .next("c")
        .where_(is("c"));
    let got = matches(&p, &evs(&["a1", "b1", "x1", "b2", "b3", "c1"]));
    assert_eq!(
        got,
        want(&[
            "a:a1 b:b1,b2,b3 c:c1",
            "a:a1 b:b1,b3 c:c1",
            "a:a1 b:b2,b3 c:c1",
            "a:a1 b:b3 c:c1",
        ])
    );
}

#[test]
fn an_optional_consecutive_loop_after_next_is_skipped_when_broken_at_once() {
    // a1 is not followed by a b at once: only the path skipping b, then c (relaxed).
    // a2 is: the loop's runs and the skipping path all reach c2.
    let p = Pattern::begin("a")
        .where_(is("a"))
        .next("b")
        .where_(is("b"))
        .one_or_more()
        .optional()
        .consecutive()
        .followed_by("c")
        .where_(is("c"));
    let events = evs(&["a1", "x1", "b1", "b2", "c1", "a2", "b3", "b4", "c2"]);
    assert_eq!(
        matches(&p, &events),
        want(&[
            "a:a1 c:c1",
            "a:a2 b:b3 c:c2",
            "a:a2 b:b3,b4 c:c2",
            "a:a2 c:c2"
        ])
    );
}

#[test]
fn strict_entry_into_a_combinations_times_loop_fixes_only_the_first_event() {
    // b1 right after a1; the second b is any later b.
    let p = a_b_c(Pattern::next, |b| b.times(2).allow_combinations());
    let got = matches(&p, &evs(&["a1", "b1", "x1", "b2", "b3", "c1"]));
    assert_eq!(got, want(&["a:a1 b:b1,b2 c:c1", "a:a1 b:b1,b3 c:c1"]));
}

#[test]
fn a_consecutive_times_loop_can_begin_the_pattern() {
    // Each b starts a run of two adjacent b's: b3's is broken by x1, b4 has no pair.
    let p = Pattern::begin("b")
        .where_(is("b"))
        .times(2)
        .consecutive()
        .followed_by("c")
        .where_(is("c"));
    let got = matches(&p, &evs(&["b1", "b2", "b3", "x1", "b4", "c1"]));
    assert_eq!(got, want(&["b:b1,b2 c:c1", "b:b2,b3 c:c1"]));
}

#[test]
fn followed_by_any_into_a_combinations_times_loop_takes_every_pair() {
    let p = a_b_c(Pattern::followed_by_any, |b| {
        b.times(2).allow_combinations()
    });
    let got = matches(&p, &evs(&["a1", "b1", "x1", "b2", "b3", "c1"]));
    assert_eq!(
        got,
        want(&[
            "a:a1 b:b1,b2 c:c1",
            "a:a1 b:b1,b3 c:c1",
            "a:a1 b:b2,b3 c:c1"
        ])
    );
}

#[test]
fn consecutive_times_after_next_needs_an_unbroken_run_right_after_the_start() {
    let p = a_b_c(Pattern::next, |b| b.times(2).consecutive());
    assert_eq!(
        matches(&p, &evs(&["a1", "b1", "x1", "b2", "b3", "c1"])),
        want(&[])
    );
    assert_eq!(
        matches(&p, &evs(&["a1", "b1", "b2", "b3", "c1"])),
        want(&["a:a1 b:b1,b2 c:c1"])
    );
}

#[test]
fn consecutive_times_after_followed_by_any_may_start_at_any_later_event() {
    // Runs from b1 and b3 are broken (x2) or too short; b2 b3 are adjacent.
    let p = a_b_c(Pattern::followed_by_any, |b| b.times(2).consecutive());
    let got = matches(&p, &evs(&["a1", "x1", "b1", "x2", "b2", "b3", "c1"]));
    assert_eq!(got, want(&["a:a1 b:b2,b3 c:c1"]));
}

#[test]
fn events_of_a_variable_come_in_event_order() {
    let p = Pattern::begin("a")
        .where_(is("a"))
        .times(3)
        .allow_combinations()
        .followed_by_any("b")
        .where_(is("b"))
        .times(2)
        .consecutive();
    let got = matches(&p, &evs(&["a1", "a2", "a3", "b1", "b2"]));
    assert_eq!(got, want(&["a:a1,a2,a3 b:b1,b2"]));
}

#[test]
fn a_match_lists_variables_in_pattern_order() {
    // Names out of alphabetical order; the rendering keeps the match's order.
    let p = Pattern::begin("zeta")
        .where_(is("z"))
        .next("alpha")
        .where_(is("a"))
        .next("mu")
        .where_(is("m"))
        .next("beta")
        .where_(is("b"));
    let got = matches(&p, &evs(&["z1", "a1", "m1", "b1"]));
    assert_eq!(got, want(&["zeta:z1 alpha:a1 mu:m1 beta:b1"]));
}
