//! Group patterns, after the behaviours Flink's GroupITCase covers (our own cases):
//! a group under `times`, `optional`, `one_or_more`, zero-or-more and `times_range`;
//! groups reached by `followed_by_any` with and without `allow_combinations`; a
//! strict (`next`) zero-or-more group with `consecutive` rounds; `not_followed_by`
//! and `not_next` after a group; groups nested in groups (with `times` and
//! `consecutive` at both levels); a pattern beginning with a group; `until` on a
//! looping group; a group whose head is optional; and an optional group skipped
//! before a strict `next`. Events are named by kind (first letter) and number;
//! conditions test the kind.
//!
//! A non-matching event between two rounds of a relaxed looping group makes the
//! round's head both proceed and ignore, so a match can come twice; Flink does the
//! same (checked against its flink-cep 2.3, see
//! `noise_between_rounds_of_a_relaxed_group_repeats_the_one_round_match`), and the
//! other cases keep such events away from that point.

use strom_cep::{Nfa, Pattern};

use super::support::{Ev, at, evs, is, matches, run_at, want};

/// The group `(a followed_by b)`.
fn ab() -> Pattern<Ev> {
    Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
}

/// `c`, then `group` (joined by `join` and quantified by `quantify`), then a relaxed
/// `d`.
fn c_group_d(
    join: fn(Pattern<Ev>, Pattern<Ev>) -> Pattern<Ev>,
    group: Pattern<Ev>,
    quantify: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>,
) -> Pattern<Ev> {
    quantify(join(Pattern::begin("c").where_(is("c")), group))
        .followed_by("d")
        .where_(is("d"))
}

#[test]
fn group_times_two_takes_the_first_two_rounds_only() {
    // x inside the first round is skipped; the third round (a3 b3) comes after the
    // group is done and d waits past it.
    let p = c_group_d(Pattern::followed_by_group, ab(), |p| p.times(2));
    let got = matches(
        &p,
        &evs(&["c1", "a1", "x", "b1", "a2", "b2", "a3", "b3", "d1"]),
    );
    assert_eq!(got, want(&["c:c1 a:a1,a2 b:b1,b2 d:d1"]));
}

#[test]
fn optional_group_matches_with_and_without_its_round() {
    // Inside the round, b follows a1 relaxed: a2 and x are skipped. d1 ends both
    // matches, so d2 adds none.
    let p = c_group_d(Pattern::followed_by_group, ab(), |p| p.optional());
    let got = matches(&p, &evs(&["c1", "a1", "a2", "x", "b1", "d1", "d2"]));
    assert_eq!(got, want(&["c:c1 d:d1", "c:c1 a:a1 b:b1 d:d1"]));
}

#[test]
fn optional_group_times_two_takes_both_rounds_or_none() {
    // One and a half rounds before d1: the group cannot be satisfied, only skipped.
    let p = c_group_d(Pattern::followed_by_group, ab(), |p| p.times(2).optional());
    let got = matches(&p, &evs(&["c1", "a1", "b1", "a2", "d1"]));
    assert_eq!(got, want(&["c:c1 d:d1"]));
}

#[test]
fn group_one_or_more_matches_every_complete_prefix_of_rounds() {
    // x is inside the second round; the third (a3 without b) never completes.
    let p = c_group_d(Pattern::followed_by_group, ab(), |p| p.one_or_more());
    let got = matches(&p, &evs(&["c1", "a1", "b1", "a2", "x", "b2", "a3", "d1"]));
    assert_eq!(
        got,
        want(&["c:c1 a:a1 b:b1 d:d1", "c:c1 a:a1,a2 b:b1,b2 d:d1"])
    );
}

#[test]
fn noise_between_rounds_of_a_relaxed_group_repeats_the_one_round_match() {
    // After the first round, x1 makes the group's head both proceed (out of the loop,
    // to wait for d) and ignore (staying in the loop): two runs wait for d with the
    // same events, so `c a1 b1 d1` comes twice. Checked against Flink 2.3's own
    // flink-cep (the same pattern and events through `CEP.pattern`): the same three
    // rows, the first twice.
    let p = c_group_d(Pattern::followed_by_group, ab(), |p| p.one_or_more());
    let got = matches(&p, &evs(&["c1", "a1", "b1", "x1", "a2", "b2", "d1"]));
    assert_eq!(
        got,
        want(&[
            "c:c1 a:a1 b:b1 d:d1",
            "c:c1 a:a1 b:b1 d:d1",
            "c:c1 a:a1,a2 b:b1,b2 d:d1",
        ])
    );
}

#[test]
fn group_zero_or_more_also_matches_without_a_round() {
    let p = c_group_d(Pattern::followed_by_group, ab(), |p| {
        p.one_or_more().optional()
    });
    let got = matches(&p, &evs(&["c1", "x", "a1", "b1", "a2", "x", "b2", "d1"]));
    assert_eq!(
        got,
        want(&[
            "c:c1 d:d1",
            "c:c1 a:a1 b:b1 d:d1",
            "c:c1 a:a1,a2 b:b1,b2 d:d1",
        ])
    );
}

#[test]
fn followed_by_any_group_times_with_combinations_pairs_any_two_rounds() {
    // Round starts: a1, a2, a3; inside a round b is the first b after its a (a1 -> b1,
    // a2 -> b2, a3 -> b2). A second round may start at any later a: after (a1 b1),
    // a2 or a3; after (a2 b2) or (a3 b2) no a is left.
    let p = c_group_d(Pattern::followed_by_any_group, ab(), |p| {
        p.times(2).allow_combinations()
    });
    let got = matches(&p, &evs(&["c1", "a1", "b1", "a2", "a3", "b2", "d1"]));
    assert_eq!(
        got,
        want(&["c:c1 a:a1,a2 b:b1,b2 d:d1", "c:c1 a:a1,a3 b:b1,b2 d:d1"])
    );
}

#[test]
fn followed_by_any_optional_group_times_takes_the_next_round_relaxed() {
    // The first round starts at any a (a1 -> b1, a2 -> b1, a3 -> b3), the second at
    // the first a after it: a3 for both rounds ending at b1; none after (a3 b3).
    let p = c_group_d(Pattern::followed_by_any_group, ab(), |p| {
        p.times(2).optional()
    });
    let got = matches(&p, &evs(&["c1", "a1", "a2", "b1", "b2", "a3", "b3", "d1"]));
    assert_eq!(
        got,
        want(&[
            "c:c1 d:d1",
            "c:c1 a:a1,a3 b:b1,b3 d:d1",
            "c:c1 a:a2,a3 b:b1,b3 d:d1",
        ])
    );
}

#[test]
fn followed_by_any_group_one_or_more_matches_every_run_of_adjacent_rounds() {
    // Rounds (a1 b1), (a2 b2), (a3 b3), noise inside the first and third: every run
    // of consecutive rounds, each starting anywhere.
    let p = c_group_d(Pattern::followed_by_any_group, ab(), |p| p.one_or_more());
    let got = matches(
        &p,
        &evs(&["c1", "a1", "x", "b1", "a2", "b2", "a3", "y", "b3", "d1"]),
    );
    assert_eq!(
        got,
        want(&[
            "c:c1 a:a1 b:b1 d:d1",
            "c:c1 a:a1,a2 b:b1,b2 d:d1",
            "c:c1 a:a1,a2,a3 b:b1,b2,b3 d:d1",
            "c:c1 a:a2 b:b2 d:d1",
            "c:c1 a:a2,a3 b:b2,b3 d:d1",
            "c:c1 a:a3 b:b3 d:d1",
        ])
    );
}

#[test]
fn next_group_zero_or_more_consecutive_stops_at_the_first_gap_between_rounds() {
    // The first a must come right after c, each round's a right after the previous
    // round's b (inside a round b is relaxed: x is skipped); y breaks the third round.
    let p = c_group_d(Pattern::next_group, ab(), |p| {
        p.one_or_more().optional().consecutive()
    });
    let got = matches(
        &p,
        &evs(&["c1", "a1", "x", "b1", "a2", "b2", "y", "a3", "b3", "d1"]),
    );
    assert_eq!(
        got,
        want(&[
            "c:c1 d:d1",
            "c:c1 a:a1 b:b1 d:d1",
            "c:c1 a:a1,a2 b:b1,b2 d:d1",
        ])
    );
    // An event between c and the first a: only the match without a round.
    let got = matches(&p, &evs(&["c1", "x", "a1", "b1", "d1"]));
    assert_eq!(got, want(&["c:c1 d:d1"]));
}

/// `c`, then any `(a b)` group, then a NOT pattern `n` on kind d (joined by `not`),
/// then a relaxed `e`.
fn c_group_not_d_e(not: fn(Pattern<Ev>, &str) -> Pattern<Ev>) -> Pattern<Ev> {
    not(
        Pattern::begin("c")
            .where_(is("c"))
            .followed_by_any_group(ab()),
        "n",
    )
    .where_(is("d"))
    .followed_by("e")
    .where_(is("e"))
}

#[test]
fn not_followed_by_after_a_group_checks_only_after_its_round() {
    // d1 falls inside (a1 b1) and does not count; d2 comes between (a2 b2) and e2.
    let p = c_group_not_d_e(Pattern::not_followed_by);
    let got = matches(
        &p,
        &evs(&["c1", "a1", "d1", "b1", "e1", "a2", "b2", "d2", "e2"]),
    );
    assert_eq!(got, want(&["c:c1 a:a1 b:b1 e:e1"]));
}

#[test]
fn not_next_after_a_group_checks_only_the_event_right_after_it() {
    // d1 right after b1 drops (a1 b1); after b2 comes x, so d2 later does no harm.
    let p = c_group_not_d_e(Pattern::not_next);
    let got = matches(
        &p,
        &evs(&["c1", "a1", "b1", "d1", "a2", "b2", "x", "d2", "e1"]),
    );
    assert_eq!(got, want(&["c:c1 a:a2 b:b2 e:e1"]));
}

#[test]
fn nested_zero_or_more_group_inside_an_optional_group() {
    // s (a (b c)*)? e: the inner rounds (b1 c1) with x inside and (b2 c2) complete,
    // b3 never does.
    let inner = Pattern::begin("b")
        .where_(is("b"))
        .followed_by("c")
        .where_(is("c"));
    let outer = Pattern::begin("a")
        .where_(is("a"))
        .followed_by_group(inner)
        .one_or_more()
        .optional();
    let p = Pattern::begin("s")
        .where_(is("s"))
        .followed_by_group(outer)
        .optional()
        .followed_by("e")
        .where_(is("e"));
    let got = matches(
        &p,
        &evs(&["s1", "a1", "b1", "x", "c1", "b2", "c2", "b3", "e1"]),
    );
    assert_eq!(
        got,
        want(&[
            "s:s1 e:e1",
            "s:s1 a:a1 e:e1",
            "s:s1 a:a1 b:b1 c:c1 e:e1",
            "s:s1 a:a1 b:b1,b2 c:c1,c2 e:e1",
        ])
    );
}

/// s, any `(a (b c){2} [inner])` group taken `times_range(0, 2)` [outer], then e.
fn s_nested_times_e(
    inner: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>,
    outer: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>,
) -> Pattern<Ev> {
    let bc = Pattern::begin("b")
        .where_(is("b"))
        .followed_by("c")
        .where_(is("c"));
    let group = inner(
        Pattern::begin("a")
            .where_(is("a"))
            .followed_by_group(bc)
            .times(2),
    );
    outer(
        Pattern::begin("s")
            .where_(is("s"))
            .followed_by_any_group(group)
            .times_range(0, 2),
    )
    .followed_by("e")
    .where_(is("e"))
}

#[test]
fn nested_group_times_in_a_group_times_range() {
    // a1's two inner rounds are (b1 c1) with x inside and (b2 c2); a2's (b3 c3) and
    // (b4 c4). The outer group is taken zero times, from a1, from a2 (any a can start
    // it) or from a1 then a2.
    let p = s_nested_times_e(|p| p, |p| p);
    let got = matches(
        &p,
        &evs(&[
            "s1", "a1", "b1", "x", "c1", "b2", "c2", "a2", "b3", "c3", "b4", "c4", "e1",
        ]),
    );
    assert_eq!(
        got,
        want(&[
            "s:s1 e:e1",
            "s:s1 a:a1 b:b1,b2 c:c1,c2 e:e1",
            "s:s1 a:a2 b:b3,b4 c:c3,c4 e:e1",
            "s:s1 a:a1,a2 b:b1,b2,b3,b4 c:c1,c2,c3,c4 e:e1",
        ])
    );
}

#[test]
fn nested_group_times_consecutive_at_both_levels() {
    // Inner rounds must be adjacent (inside a round c is relaxed: y is skipped), and
    // the outer second round's a right after the first round's last c: a2 is, but x
    // breaks a2's inner rounds, so a2 counts neither as the first nor as the second.
    let p = s_nested_times_e(|p| p.consecutive(), |p| p.consecutive());
    let got = matches(
        &p,
        &evs(&[
            "s1", "a1", "b1", "y", "c1", "b2", "c2", "a2", "b3", "c3", "x", "b4", "c4", "e1",
        ]),
    );
    assert_eq!(got, want(&["s:s1 e:e1", "s:s1 a:a1 b:b1,b2 c:c1,c2 e:e1"]));
}

#[test]
fn a_pattern_can_begin_with_a_repeated_group() {
    // Every a starts a match: a1 (rounds a1 b1, a2 b2), a2 (a2 b2, then a3 with no b),
    // a3 (no b).
    let p = Pattern::begin_group(ab())
        .times_range(1, 2)
        .followed_by("d")
        .where_(is("d"));
    let got = matches(&p, &evs(&["a1", "x", "b1", "a2", "b2", "a3", "d1"]));
    assert_eq!(
        got,
        want(&["a:a1 b:b1 d:d1", "a:a1,a2 b:b1,b2 d:d1", "a:a2 b:b2 d:d1",])
    );
}

#[test]
fn until_on_a_looping_group_ends_its_rounds() {
    // The stop condition is d's own: at d1 the loop of rounds ends (its partial
    // matches go), while the rounds so far proceed to d and take d1. Without until,
    // (a1 b1 a2 b2) would go on to a3 b3 and match with d2 as well.
    let p = c_group_d(Pattern::followed_by_group, ab(), |p| {
        p.one_or_more().until(is("d"))
    });
    let events = at(&[
        ("c1", 1),
        ("a1", 2),
        ("b1", 3),
        ("a2", 4),
        ("b2", 5),
        ("d1", 6),
    ]);
    let (got, _, nfa) = run_at(&p, &events, None);
    assert_eq!(
        got,
        want(&["c:c1 a:a1 b:b1 d:d1", "c:c1 a:a1,a2 b:b1,b2 d:d1"])
    );
    assert_eq!(nfa.partial_matches(), 0, "only the start state is left");
    let got = matches(
        &p,
        &evs(&["c1", "a1", "b1", "a2", "b2", "d1", "a3", "b3", "d2"]),
    );
    assert_eq!(
        got,
        want(&["c:c1 a:a1 b:b1 d:d1", "c:c1 a:a1,a2 b:b1,b2 d:d1"])
    );
}

#[test]
fn a_group_whose_head_is_optional_may_start_at_its_second_variable() {
    // a next (b? next c) next d: a1 c1 d1 skips b; a2 b1 c2 d2 takes it; x after a3
    // is neither b nor c.
    let p = Pattern::begin("a")
        .where_(is("a"))
        .next_group(
            Pattern::begin("b")
                .where_(is("b"))
                .optional()
                .next("c")
                .where_(is("c")),
        )
        .next("d")
        .where_(is("d"));
    let got = matches(
        &p,
        &evs(&[
            "a1", "c1", "d1", "a2", "b1", "c2", "d2", "a3", "x", "c3", "d3",
        ]),
    );
    assert_eq!(got, want(&["a:a1 c:c1 d:d1", "a:a2 b:b1 c:c2 d:d2"]));
}

#[test]
fn a_skipped_optional_group_leaves_the_next_variable_strict() {
    // a followed_by (b next c)? next d. Skipping the group, d must come right after
    // a: a1 d1 matches, a1 d2 does not, a2 x d3 does not. A partial match that skipped
    // an event while waiting for b waits only for b (no skipping the group any more):
    // a1, a2 and a3 all go on to b1 c1 d4.
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by_group(
            Pattern::begin("b")
                .where_(is("b"))
                .next("c")
                .where_(is("c")),
        )
        .optional()
        .next("d")
        .where_(is("d"));
    let got = matches(
        &p,
        &evs(&["a1", "d1", "d2", "a2", "x", "d3", "a3", "b1", "c1", "d4"]),
    );
    assert_eq!(
        got,
        want(&[
            "a:a1 d:d1",
            "a:a1 b:b1 c:c1 d:d4",
            "a:a2 b:b1 c:c1 d:d4",
            "a:a3 b:b1 c:c1 d:d4",
        ])
    );
}

#[test]
fn a_strict_group_times_leaves_nothing_after_its_match() {
    // A strict exact group leaves nothing behind once its match is out.
    let p = c_group_d(Pattern::next_group, ab(), |p| p.times(2).consecutive());
    let mut nfa = Nfa::compile(&p).unwrap();
    let mut found = Vec::new();
    for (name, t) in ["c1", "a1", "b1", "a2", "b2", "d1"].iter().zip(1..) {
        nfa.advance_time(t).unwrap();
        found.extend(nfa.process((*name, 0), t).unwrap());
    }
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].get("a"), [("a1", 0), ("a2", 0)]);
    assert!(nfa.is_empty(), "{:?}", nfa.buffer_sizes());
}

#[test]
fn a_times_range_heading_a_group_takes_from_its_lower_bound() {
    // Flink 2.3's rows (FlinkCepCheck.java, `group-head-range`): the range's optional
    // states proceed inside the group too, so one `a` is enough.
    let p = Pattern::begin_group(
        Pattern::begin("a")
            .where_(is("a"))
            .times_range(1, 3)
            .followed_by("b")
            .where_(is("b")),
    );
    let got = matches(&p, &evs(&["x1", "a1", "b1", "a2", "a3", "x2", "b2"]));
    assert_eq!(
        got,
        want(&[
            "a:a1 b:b1",
            "a:a1,a2 b:b2",
            "a:a1,a2,a3 b:b2",
            "a:a2 b:b2",
            "a:a2,a3 b:b2",
            "a:a3 b:b2",
        ])
    );
}

#[test]
fn an_optional_group_with_a_looping_head_is_skipped_once() {
    // Flink 2.3's rows (`optional-group-looping-head`): the head keeps a separate
    // IGNORE state, so skipping the group is one path, one match.
    let p = Pattern::begin("s")
        .where_(is("s"))
        .followed_by_group(Pattern::begin("a").where_(is("a")).one_or_more())
        .optional()
        .followed_by("c")
        .where_(is("c"));
    assert_eq!(matches(&p, &evs(&["s1", "x1", "c1"])), want(&["s:s1 c:c1"]));
}
