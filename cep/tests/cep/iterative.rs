//! Iterative conditions (`where_ctx`), case by case after the behaviours Flink's
//! IterativeConditionsITCase covers (our own cases, multisets worked out by hand): a
//! loop whose condition bounds the sum of the events it took so far, eager and with
//! combinations, in the middle of a pattern and as an optional loop beginning it; a
//! condition reading an earlier loop's events, directly and across a
//! `followed_by_any` branch; a loop over the same kind of events as the first
//! variable; a negation's condition reading the partial match. Events are
//! `(name, value)`: names give the kind, values are summed.

use strom_cep::{Ctx, Pattern};

use super::support::{Ev, is, matches, want};

/// The sum of the values `name` took so far in this partial match.
fn sum(ctx: &Ctx<'_, Ev>, name: &str) -> i32 {
    ctx.events_for(name).iter().map(|e| e.1).sum()
}

/// An event of `kind` that keeps the sum of `name`'s events (with it) at most `cap`.
fn within_budget(
    kind: &'static str,
    name: &'static str,
    cap: i32,
) -> impl Fn(&Ev, &Ctx<'_, Ev>) -> bool + Send + Sync + 'static {
    move |e, ctx| e.0.starts_with(kind) && sum(ctx, name) + e.1 <= cap
}

/// `s`, then a loop of `m` whose values sum to at most 5, then `e` (all relaxed).
fn s_ms_e(loop_: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>) -> Pattern<Ev> {
    loop_(
        Pattern::begin("s")
            .where_(is("s"))
            .followed_by("m")
            .where_ctx(within_budget("m", "m", 5)),
    )
    .followed_by("e")
    .where_(is("e"))
}

/// s1, m1 (1), s2, m2 (4), m3 (2), m4 (3), x1, e1.
const BUDGET_EVENTS: [Ev; 8] = [
    ("s1", 0),
    ("m1", 1),
    ("s2", 0),
    ("m2", 4),
    ("m3", 2),
    ("m4", 3),
    ("x1", 0),
    ("e1", 0),
];

#[test]
fn an_eager_loop_takes_the_next_event_within_its_budget() {
    // s1's run: m1, m2 (5), then m3 and m4 would pass 5. s2's run: m2 (4), then m3
    // and m4 would pass 5. The loop proceeds to e after every prefix.
    let p = s_ms_e(Pattern::one_or_more);
    assert_eq!(
        matches(&p, &BUDGET_EVENTS),
        want(&["s:s1 m:m1 e:e1", "s:s1 m:m1,m2 e:e1", "s:s2 m:m2 e:e1"])
    );
}

#[test]
fn a_loop_with_combinations_takes_every_later_event_within_its_budget() {
    // The first m stays the first after each s (followed_by); after it any subset
    // within 5: for s1, m1 with m2 (5), m3 (3) or m4 (4), no two of them; for s2, m2
    // with nothing else (m3 6, m4 7).
    let p = s_ms_e(|m| m.one_or_more().allow_combinations());
    assert_eq!(
        matches(&p, &BUDGET_EVENTS),
        want(&[
            "s:s1 m:m1 e:e1",
            "s:s1 m:m1,m2 e:e1",
            "s:s1 m:m1,m3 e:e1",
            "s:s1 m:m1,m4 e:e1",
            "s:s2 m:m2 e:e1",
        ])
    );
}

/// An optional loop of `s` whose values sum to at most 4 begins the pattern, then `e`.
fn optional_ss_e(loop_: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>) -> Pattern<Ev> {
    loop_(Pattern::<Ev>::begin("s").where_ctx(within_budget("s", "s", 4)))
        .optional()
        .followed_by("e")
        .where_(is("e"))
}

/// s1 (2), s2 (1), s3 (2), e1.
const START_EVENTS: [Ev; 4] = [("s1", 2), ("s2", 1), ("s3", 2), ("e1", 0)];

#[test]
fn an_eager_optional_loop_beginning_the_pattern_within_its_budget() {
    // A run starts at every s: s1 s2 (3), then s3 would make 5; s2 s3 (3); s3. The
    // loop is optional: e1 alone matches too.
    let p = optional_ss_e(Pattern::one_or_more);
    assert_eq!(
        matches(&p, &START_EVENTS),
        want(&[
            "e:e1",
            "s:s1 e:e1",
            "s:s1,s2 e:e1",
            "s:s2 e:e1",
            "s:s2,s3 e:e1",
            "s:s3 e:e1",
        ])
    );
}

#[test]
fn an_optional_loop_beginning_the_pattern_with_combinations() {
    // As eager, plus s1 s3 (4), skipping s2.
    let p = optional_ss_e(|s| s.one_or_more().allow_combinations());
    assert_eq!(
        matches(&p, &START_EVENTS),
        want(&[
            "e:e1",
            "s:s1 e:e1",
            "s:s1,s2 e:e1",
            "s:s1,s3 e:e1",
            "s:s2 e:e1",
            "s:s2,s3 e:e1",
            "s:s3 e:e1",
        ])
    );
}

#[test]
fn a_condition_reads_the_events_of_the_loop_before_it() {
    // e needs the s loop to sum to at least 4. The loops from each start (eager):
    // [s1] 1, [s1 s2] 4, [s1 s2 s3] 6, [s2] 3, [s2 s3] 5, [s3] 2.
    let p = Pattern::<Ev>::begin("s")
        .where_(is("s"))
        .one_or_more()
        .followed_by("e")
        .where_ctx(|e, ctx| e.0.starts_with('e') && sum(ctx, "s") >= 4);
    let events = [("s1", 1), ("s2", 3), ("s3", 2), ("e1", 0)];
    assert_eq!(
        matches(&p, &events),
        want(&["s:s1,s2 e:e1", "s:s1,s2,s3 e:e1", "s:s2,s3 e:e1"])
    );
}

#[test]
fn a_loop_over_the_first_variables_kind_after_a_branch() {
    // s, then any m, then a loop of s events summing to at most 5 (the first one the
    // next s after m: followed_by), then e. After m1 only s1 has started: its loop
    // takes s2 (3), s3 (4), then s4 would make 6. After m2 s1..s4 have started (each
    // s starts a run, and any m): each loop takes s5 (4).
    let p = Pattern::<Ev>::begin("s")
        .where_(is("s"))
        .followed_by_any("m")
        .where_(is("m"))
        .followed_by("r")
        .where_ctx(within_budget("s", "r", 5))
        .one_or_more()
        .followed_by("e")
        .where_(is("e"));
    let events = [
        ("s1", 1),
        ("m1", 0),
        ("s2", 3),
        ("s3", 1),
        ("s4", 2),
        ("m2", 0),
        ("s5", 4),
        ("e1", 0),
    ];
    assert_eq!(
        matches(&p, &events),
        want(&[
            "s:s1 m:m1 r:s2 e:e1",
            "s:s1 m:m1 r:s2,s3 e:e1",
            "s:s1 m:m2 r:s5 e:e1",
            "s:s2 m:m2 r:s5 e:e1",
            "s:s3 m:m2 r:s5 e:e1",
            "s:s4 m:m2 r:s5 e:e1",
        ])
    );
}

#[test]
fn a_condition_reads_a_loop_across_a_followed_by_any_branch() {
    // e needs the s loop to sum to at least 3. Loops reaching m1: [s1] 1, [s2] 3,
    // [s1 s2] 4; reaching m2 (s3 taken by the loops that were still open, or
    // starting one): also [s3] 2, [s2 s3] 5, [s1 s2 s3] 6.
    let p = Pattern::<Ev>::begin("s")
        .where_(is("s"))
        .one_or_more()
        .followed_by_any("m")
        .where_(is("m"))
        .followed_by_any("e")
        .where_ctx(|e, ctx| e.0.starts_with('e') && sum(ctx, "s") >= 3);
    let events = [
        ("s1", 1),
        ("s2", 3),
        ("m1", 0),
        ("s3", 2),
        ("m2", 0),
        ("e1", 0),
    ];
    assert_eq!(
        matches(&p, &events),
        want(&[
            "s:s1,s2 m:m1 e:e1",
            "s:s1,s2 m:m2 e:e1",
            "s:s1,s2,s3 m:m2 e:e1",
            "s:s2 m:m1 e:e1",
            "s:s2 m:m2 e:e1",
            "s:s2,s3 m:m2 e:e1",
        ])
    );
}

#[test]
fn a_negations_condition_reads_the_partial_match() {
    // n is forbidden only when above a's value.
    let above_a = |e: &Ev, ctx: &Ctx<'_, Ev>| e.0.starts_with('n') && e.1 > sum(ctx, "a");
    let not_followed = Pattern::<Ev>::begin("a")
        .where_(is("a"))
        .not_followed_by("n")
        .where_ctx(above_a)
        .followed_by("b")
        .where_(is("b"));
    let not_next = Pattern::<Ev>::begin("a")
        .where_(is("a"))
        .not_next("n")
        .where_ctx(above_a)
        .followed_by("b")
        .where_(is("b"));
    for p in [not_followed, not_next] {
        assert_eq!(
            matches(&p, &[("a1", 5), ("n1", 3), ("b1", 0)]),
            want(&["a:a1 b:b1"])
        );
        assert_eq!(matches(&p, &[("a1", 5), ("n1", 7), ("b1", 0)]), want(&[]));
    }
}
