//! Loops and optional variables, after the behaviours Flink's NFAITCase covers (our own
//! cases): optional loops (Flink's zero-or-more) under each inner contiguity, loops and
//! optional variables beginning or ending the pattern, loops after loops and after
//! branching, optional `times`, consecutive loops alone, and two combination loops
//! splitting the same events. Events are named by kind (first letter) and number;
//! conditions test the kind.

use strom_cep::Pattern;

use super::support::{Ev, evs, is, matches, want};

/// a, then b (entered with `enter`, quantified by `quantify`), then c (relaxed).
fn a_b_c(
    enter: fn(Pattern<Ev>, &str) -> Pattern<Ev>,
    quantify: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>,
) -> Pattern<Ev> {
    let p = enter(Pattern::begin("a").where_(is("a")), "b").where_(is("b"));
    quantify(p).followed_by("c").where_(is("c"))
}

#[test]
fn an_optional_combinations_loop_then_more_branching() {
    // Every subset of {b1, b2} (followed_by_any into b, combinations inside), then c1,
    // then d1 or d2, then e1: 4 x 2 matches.
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by_any("b")
        .where_(is("b"))
        .one_or_more()
        .allow_combinations()
        .optional()
        .followed_by_any("c")
        .where_(is("c"))
        .followed_by_any("d")
        .where_(is("d"))
        .followed_by_any("e")
        .where_(is("e"));
    let got = matches(&p, &evs(&["a1", "b1", "b2", "c1", "d1", "d2", "e1"]));
    assert_eq!(
        got,
        want(&[
            "a:a1 b:b1 c:c1 d:d1 e:e1",
            "a:a1 b:b1 c:c1 d:d2 e:e1",
            "a:a1 b:b1,b2 c:c1 d:d1 e:e1",
            "a:a1 b:b1,b2 c:c1 d:d2 e:e1",
            "a:a1 b:b2 c:c1 d:d1 e:e1",
            "a:a1 b:b2 c:c1 d:d2 e:e1",
            "a:a1 c:c1 d:d1 e:e1",
            "a:a1 c:c1 d:d2 e:e1",
        ])
    );
}

#[test]
fn an_optional_combinations_loop_after_followed_by_any_takes_every_subset() {
    let p = a_b_c(Pattern::followed_by_any, |b| {
        b.one_or_more().allow_combinations().optional()
    });
    let got = matches(&p, &evs(&["a1", "b1", "x1", "b2", "c1"]));
    assert_eq!(
        got,
        want(&[
            "a:a1 b:b1 c:c1",
            "a:a1 b:b1,b2 c:c1",
            "a:a1 b:b2 c:c1",
            "a:a1 c:c1"
        ])
    );
}

#[test]
fn an_optional_relaxed_loop_takes_each_prefix_from_the_first_event() {
    // followed_by into b takes b1 first; the loop skips x1 and x2 but not b2.
    let p = a_b_c(Pattern::followed_by, |b| b.one_or_more().optional());
    let got = matches(&p, &evs(&["a1", "x1", "b1", "b2", "x2", "b3", "c1"]));
    assert_eq!(
        got,
        want(&[
            "a:a1 b:b1 c:c1",
            "a:a1 b:b1,b2 c:c1",
            "a:a1 b:b1,b2,b3 c:c1",
            "a:a1 c:c1",
        ])
    );
}

#[test]
fn an_optional_consecutive_loop_stops_at_a_gap() {
    let p = a_b_c(Pattern::followed_by, |b| {
        b.one_or_more().optional().consecutive()
    });
    let got = matches(&p, &evs(&["a1", "x1", "b1", "b2", "x2", "b3", "c1"]));
    assert_eq!(
        got,
        want(&["a:a1 b:b1 c:c1", "a:a1 b:b1,b2 c:c1", "a:a1 c:c1"])
    );
}

#[test]
fn an_optional_combinations_loop_takes_every_subset_after_the_first_event() {
    let p = a_b_c(Pattern::followed_by, |b| {
        b.one_or_more().optional().allow_combinations()
    });
    let got = matches(&p, &evs(&["a1", "x1", "b1", "b2", "x2", "b3", "c1"]));
    assert_eq!(
        got,
        want(&[
            "a:a1 b:b1 c:c1",
            "a:a1 b:b1,b2 c:c1",
            "a:a1 b:b1,b2,b3 c:c1",
            "a:a1 b:b1,b3 c:c1",
            "a:a1 c:c1",
        ])
    );
}

#[test]
fn an_optional_loop_beginning_the_pattern_may_take_nothing() {
    // Each b starts a run (the loop is relaxed, so b1's run takes b2 and skips x1);
    // the pattern may also begin at c1.
    let p = Pattern::begin("b")
        .where_(is("b"))
        .one_or_more()
        .optional()
        .followed_by("c")
        .where_(is("c"));
    let got = matches(&p, &evs(&["b1", "b2", "x1", "b3", "c1"]));
    assert_eq!(
        got,
        want(&[
            "b:b1 c:c1",
            "b:b1,b2 c:c1",
            "b:b1,b2,b3 c:c1",
            "b:b2 c:c1",
            "b:b2,b3 c:c1",
            "b:b3 c:c1",
            "c:c1",
        ])
    );
}

#[test]
fn a_combinations_loop_beginning_the_pattern_takes_every_subset() {
    let p = Pattern::begin("b")
        .where_(is("b"))
        .one_or_more()
        .allow_combinations()
        .followed_by("c")
        .where_(is("c"));
    let got = matches(&p, &evs(&["b1", "b2", "x1", "b3", "c1"]));
    assert_eq!(
        got,
        want(&[
            "b:b1 c:c1",
            "b:b1,b2 c:c1",
            "b:b1,b2,b3 c:c1",
            "b:b1,b3 c:c1",
            "b:b2 c:c1",
            "b:b2,b3 c:c1",
            "b:b3 c:c1",
        ])
    );
}

#[test]
fn an_optional_loop_after_an_optional_loop() {
    // b optional (entered with followed_by_any), then d optional (entered relaxed:
    // its first event is the first d after b or a), then e.
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by_any("b")
        .where_(is("b"))
        .one_or_more()
        .allow_combinations()
        .optional()
        .followed_by("d")
        .where_(is("d"))
        .one_or_more()
        .allow_combinations()
        .optional()
        .followed_by("e")
        .where_(is("e"));
    let got = matches(&p, &evs(&["a1", "b1", "d1", "x1", "d2", "e1"]));
    assert_eq!(
        got,
        want(&[
            "a:a1 b:b1 d:d1 e:e1",
            "a:a1 b:b1 d:d1,d2 e:e1",
            "a:a1 b:b1 e:e1",
            "a:a1 d:d1 e:e1",
            "a:a1 d:d1,d2 e:e1",
            "a:a1 e:e1",
        ])
    );
}

#[test]
fn an_optional_loop_after_branching() {
    // Two b branches, each through f1, then any subset of {d1, d2}, then e1.
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by_any("b")
        .where_(is("b"))
        .followed_by_any("f")
        .where_(is("f"))
        .followed_by_any("d")
        .where_(is("d"))
        .one_or_more()
        .allow_combinations()
        .optional()
        .followed_by("e")
        .where_(is("e"));
    let got = matches(&p, &evs(&["a1", "b1", "b2", "f1", "d1", "x1", "d2", "e1"]));
    let mut rows = Vec::new();
    for b in ["b1", "b2"] {
        for d in ["", " d:d1", " d:d2", " d:d1,d2"] {
            rows.push(format!("a:a1 b:{b} f:f1{d} e:e1"));
        }
    }
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    assert_eq!(got, want(&rows));
}

#[test]
fn a_combinations_loop_between_followed_by_any_variables() {
    // Subsets of {b1, b2}, each with c1 and with c2 (c under followed_by_any).
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by_any("b")
        .where_(is("b"))
        .one_or_more()
        .allow_combinations()
        .followed_by_any("c")
        .where_(is("c"));
    let got = matches(&p, &evs(&["a1", "b1", "x1", "b2", "c1", "c2"]));
    assert_eq!(
        got,
        want(&[
            "a:a1 b:b1 c:c1",
            "a:a1 b:b1 c:c2",
            "a:a1 b:b1,b2 c:c1",
            "a:a1 b:b1,b2 c:c2",
            "a:a1 b:b2 c:c1",
            "a:a1 b:b2 c:c2",
        ])
    );
}

#[test]
fn a_relaxed_loop_after_followed_by_any_takes_each_prefix_from_each_start() {
    // Runs start at b1, b2 or b3 and extend by the next b (x1 skipped): never b1,b3.
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by_any("b")
        .where_(is("b"))
        .one_or_more()
        .followed_by_any("c")
        .where_(is("c"));
    let got = matches(&p, &evs(&["a1", "b1", "b2", "x1", "b3", "c1"]));
    assert_eq!(
        got,
        want(&[
            "a:a1 b:b1 c:c1",
            "a:a1 b:b1,b2 c:c1",
            "a:a1 b:b1,b2,b3 c:c1",
            "a:a1 b:b2 c:c1",
            "a:a1 b:b2,b3 c:c1",
            "a:a1 b:b3 c:c1",
        ])
    );
}

#[test]
fn an_optional_first_variable_may_be_skipped() {
    let p = Pattern::begin("b")
        .where_(is("b"))
        .optional()
        .followed_by("c")
        .where_(is("c"));
    let got = matches(&p, &evs(&["b1", "x1", "c1"]));
    assert_eq!(got, want(&["b:b1 c:c1", "c:c1"]));
}

#[test]
fn an_optional_loop_ending_the_pattern_matches_at_once_and_at_each_event() {
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .one_or_more()
        .optional();
    let got = matches(&p, &evs(&["a1", "b1", "x1", "b2"]));
    assert_eq!(got, want(&["a:a1", "a:a1 b:b1", "a:a1 b:b1,b2"]));
}

#[test]
fn an_optional_loop_alone_never_matches_nothing() {
    // The whole pattern is one optional loop: every run of b's (x1 skipped), no empty
    // match.
    let p = Pattern::begin("b").where_(is("b")).one_or_more().optional();
    let got = matches(&p, &evs(&["b1", "b2", "x1", "b3"]));
    assert_eq!(
        got,
        want(&["b:b1", "b:b1,b2", "b:b1,b2,b3", "b:b2", "b:b2,b3", "b:b3"])
    );
}

#[test]
fn a_loop_ending_the_pattern_matches_at_every_event_it_takes() {
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .one_or_more();
    let got = matches(&p, &evs(&["a1", "b1", "x1", "b2", "b3"]));
    assert_eq!(got, want(&["a:a1 b:b1", "a:a1 b:b1,b2", "a:a1 b:b1,b2,b3"]));
}

#[test]
fn optional_times_not_reached_leaves_only_the_skipping_path() {
    // Two b's of the three needed.
    let p = a_b_c(Pattern::followed_by, |b| b.times(3).optional());
    let got = matches(&p, &evs(&["a1", "x1", "b1", "b2", "c1"]));
    assert_eq!(got, want(&["a:a1 c:c1"]));
}

const GAPPED: [&str; 7] = ["a1", "x1", "b1", "b2", "x2", "b3", "c1"];

#[test]
fn optional_combinations_times_after_followed_by_any_takes_every_pair() {
    let p = a_b_c(Pattern::followed_by_any, |b| {
        b.times(2).allow_combinations().optional()
    });
    assert_eq!(
        matches(&p, &evs(&GAPPED)),
        want(&[
            "a:a1 b:b1,b2 c:c1",
            "a:a1 b:b1,b3 c:c1",
            "a:a1 b:b2,b3 c:c1",
            "a:a1 c:c1",
        ])
    );
}

#[test]
fn optional_relaxed_times_after_followed_by_any_takes_the_next_b_after_each_start() {
    // From b1 the second b is b2 (relaxed inside): no b1,b3; b3 alone is too short.
    let p = a_b_c(Pattern::followed_by_any, |b| b.times(2).optional());
    assert_eq!(
        matches(&p, &evs(&GAPPED)),
        want(&["a:a1 b:b1,b2 c:c1", "a:a1 b:b2,b3 c:c1", "a:a1 c:c1"])
    );
}

#[test]
fn optional_consecutive_times_after_followed_by_any_takes_adjacent_pairs() {
    // b1 b2 are adjacent; x2 breaks b2's run and b3 has no second b.
    let p = a_b_c(Pattern::followed_by_any, |b| {
        b.times(2).consecutive().optional()
    });
    assert_eq!(
        matches(&p, &evs(&GAPPED)),
        want(&["a:a1 b:b1,b2 c:c1", "a:a1 c:c1"])
    );
}

#[test]
fn optional_consecutive_loop_after_followed_by_any_takes_adjacent_runs() {
    let p = a_b_c(Pattern::followed_by_any, |b| {
        b.one_or_more().consecutive().optional()
    });
    assert_eq!(
        matches(&p, &evs(&GAPPED)),
        want(&[
            "a:a1 b:b1 c:c1",
            "a:a1 b:b1,b2 c:c1",
            "a:a1 b:b2 c:c1",
            "a:a1 b:b3 c:c1",
            "a:a1 c:c1",
        ])
    );
}

#[test]
fn optional_consecutive_times_after_next_takes_the_run_right_after_the_start() {
    let p = a_b_c(Pattern::next, |b| b.times(2).consecutive().optional());
    let got = matches(&p, &evs(&["a1", "b1", "b2", "b3", "c1"]));
    assert_eq!(got, want(&["a:a1 b:b1,b2 c:c1", "a:a1 c:c1"]));
}

#[test]
fn optional_combinations_times_after_next_fixes_the_first_event() {
    let p = a_b_c(Pattern::next, |b| {
        b.times(2).allow_combinations().optional()
    });
    let got = matches(&p, &evs(&["a1", "b1", "x1", "b2", "b3", "c1"]));
    assert_eq!(
        got,
        want(&["a:a1 b:b1,b2 c:c1", "a:a1 b:b1,b3 c:c1", "a:a1 c:c1"])
    );
}

#[test]
fn a_consecutive_loop_alone_takes_every_adjacent_run() {
    // With and without optional: x1 and x2 end runs; no empty match.
    let events = evs(&["x1", "b1", "x2", "b2", "b3"]);
    let rows = want(&["b:b1", "b:b2", "b:b2,b3", "b:b3"]);
    let one = Pattern::begin("b")
        .where_(is("b"))
        .one_or_more()
        .consecutive();
    assert_eq!(matches(&one, &events), rows);
    let zero = Pattern::begin("b")
        .where_(is("b"))
        .one_or_more()
        .optional()
        .consecutive();
    assert_eq!(matches(&zero, &events), rows);
}

#[test]
fn two_combination_loops_on_the_same_events_split_them_every_way() {
    // Both loops take b's. b starts at b1 (followed_by) and takes any subset after it;
    // bb starts at the b right after b's last event (followed_by: a run that skipped an
    // event leaves the loop only after taking another) and takes any subset after it.
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .one_or_more()
        .allow_combinations()
        .followed_by("bb")
        .where_(is("b"))
        .one_or_more()
        .allow_combinations()
        .followed_by("c")
        .where_(is("c"));
    let got = matches(&p, &evs(&["a1", "b1", "b2", "b3", "b4", "c1"]));
    assert_eq!(
        got,
        want(&[
            "a:a1 b:b1 bb:b2 c:c1",
            "a:a1 b:b1 bb:b2,b3 c:c1",
            "a:a1 b:b1 bb:b2,b4 c:c1",
            "a:a1 b:b1 bb:b2,b3,b4 c:c1",
            "a:a1 b:b1,b2 bb:b3 c:c1",
            "a:a1 b:b1,b2 bb:b3,b4 c:c1",
            "a:a1 b:b1,b3 bb:b4 c:c1",
            "a:a1 b:b1,b2,b3 bb:b4 c:c1",
        ])
    );
}
