//! `until` on loops, after the behaviours Flink's UntilConditionITCase covers (our own
//! cases): the stop event is never taken by the loop (not even as its first event) but
//! can be taken by the next variable; under every inner contiguity, with optional
//! loops, as the last variable after `followed_by_any`, with no `where_`, and as an
//! iterative condition over the loop's own events. Events are `(name, value)`: names
//! give the kind, value 9 marks the stop event.

use strom_cep::Pattern;

use super::support::{Ev, is, matches, want};

fn stop(e: &Ev) -> bool {
    e.1 == 9
}

/// `s` then a loop of `m` until a stop event, then `e` taking the stop event.
fn s_ms_e(loop_: impl FnOnce(Pattern<Ev>) -> Pattern<Ev>) -> Pattern<Ev> {
    loop_(
        Pattern::begin("s")
            .where_(is("s"))
            .followed_by("m")
            .where_(is("m")),
    )
    .until(stop)
    .followed_by("e")
    .where_(stop)
}

#[test]
fn the_stop_event_ends_the_loop_and_starts_the_next_variable() {
    let p = s_ms_e(|p| p.one_or_more());
    let events = [("s1", 0), ("m1", 0), ("m2", 0), ("m3", 9), ("m4", 0)];
    assert_eq!(
        matches(&p, &events),
        want(&["s:s1 m:m1 e:m3", "s:s1 m:m1,m2 e:m3"])
    );
}

#[test]
fn until_with_combinations_keeps_every_subset_before_the_stop() {
    let p = s_ms_e(|p| p.one_or_more().allow_combinations());
    let events = [
        ("s1", 0),
        ("m1", 0),
        ("m2", 0),
        ("m3", 0),
        ("m4", 9),
        ("m5", 0),
    ];
    assert_eq!(
        matches(&p, &events),
        want(&[
            "s:s1 m:m1 e:m4",
            "s:s1 m:m1,m2 e:m4",
            "s:s1 m:m1,m3 e:m4",
            "s:s1 m:m1,m2,m3 e:m4",
        ])
    );
}

#[test]
fn until_with_consecutive_loops() {
    let p = s_ms_e(|p| p.one_or_more().consecutive());
    let events = [("s1", 0), ("m1", 0), ("m2", 0), ("m3", 9)];
    assert_eq!(
        matches(&p, &events),
        want(&["s:s1 m:m1 e:m3", "s:s1 m:m1,m2 e:m3"])
    );
    // A gap ends the consecutive run: only the run before it.
    let events = [("s1", 0), ("m1", 0), ("x", 0), ("m2", 0), ("m3", 9)];
    assert_eq!(matches(&p, &events), want(&["s:s1 m:m1 e:m3"]));
}

#[test]
fn until_on_an_optional_loop_also_skips_it() {
    let p = s_ms_e(|p| p.one_or_more().optional());
    let events = [("s1", 0), ("m1", 0), ("m2", 0), ("m3", 9), ("m4", 0)];
    assert_eq!(
        matches(&p, &events),
        want(&["s:s1 e:m3", "s:s1 m:m1 e:m3", "s:s1 m:m1,m2 e:m3"])
    );
    let p = s_ms_e(|p| p.one_or_more().optional().allow_combinations());
    let events = [("s1", 0), ("m1", 0), ("m2", 0), ("m3", 0), ("m4", 9)];
    assert_eq!(
        matches(&p, &events),
        want(&[
            "s:s1 e:m4",
            "s:s1 m:m1 e:m4",
            "s:s1 m:m1,m2 e:m4",
            "s:s1 m:m1,m3 e:m4",
            "s:s1 m:m1,m2,m3 e:m4",
        ])
    );
}

#[test]
fn until_as_the_last_variable_after_followed_by_any() {
    // Every run stops at m3; the start still waits, so m4 begins a run of its own.
    let p = Pattern::begin("s")
        .where_(is("s"))
        .followed_by_any("m")
        .where_(is("m"))
        .one_or_more()
        .until(stop);
    let events = [("s1", 0), ("m1", 0), ("m2", 0), ("m3", 9), ("m4", 0)];
    assert_eq!(
        matches(&p, &events),
        want(&["s:s1 m:m1", "s:s1 m:m1,m2", "s:s1 m:m2", "s:s1 m:m4"])
    );
    let optional = Pattern::begin("s")
        .where_(is("s"))
        .followed_by_any("m")
        .where_(is("m"))
        .one_or_more()
        .optional()
        .until(stop);
    assert_eq!(
        matches(&optional, &events),
        want(&[
            "s:s1",
            "s:s1 m:m1",
            "s:s1 m:m1,m2",
            "s:s1 m:m2",
            "s:s1 m:m4"
        ])
    );
}

#[test]
fn until_without_a_where_takes_any_event_before_the_stop() {
    let p = Pattern::begin("s")
        .where_(is("s"))
        .followed_by("m")
        .one_or_more()
        .until(stop);
    let events = [("s1", 0), ("m1", 0), ("x1", 0), ("m2", 9), ("m3", 0)];
    assert_eq!(matches(&p, &events), want(&["s:s1 m:m1", "s:s1 m:m1,x1"]));
}

#[test]
fn an_iterative_until_sees_the_loop_so_far() {
    // The loop stops once the values it took sum to 5 (the event seeing that is not
    // taken).
    let p = Pattern::begin("s")
        .where_(is("s"))
        .followed_by("m")
        .one_or_more()
        .until_ctx(|_, ctx| ctx.events_for("m").iter().map(|e| e.1).sum::<i32>() == 5);
    let events = [("s1", 0), ("m1", 2), ("m2", 3), ("m3", 1), ("m4", 1)];
    assert_eq!(matches(&p, &events), want(&["s:s1 m:m1", "s:s1 m:m1,m2"]));
    let optional = Pattern::begin("s")
        .where_(is("s"))
        .followed_by("m")
        .one_or_more()
        .optional()
        .until_ctx(|_, ctx| ctx.events_for("m").iter().map(|e| e.1).sum::<i32>() == 5);
    assert_eq!(
        matches(&optional, &events),
        want(&["s:s1", "s:s1 m:m1", "s:s1 m:m1,m2"])
    );
}
