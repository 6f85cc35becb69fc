//! Test events and a feeding loop: `(name, value)` events at times 1, 2, 3, ...;
//! matches rendered as `"a:n1 b:n2,n3"` strings and sorted (a multiset).

use std::time::Duration;

use strom_cep::{Match, Nfa, Pattern};

/// A test event: a name and a price.
pub(crate) type Ev = (&'static str, i32);

/// One match as "var:name,name var:name" in match order.
pub(crate) fn render(m: &Match<Ev>) -> String {
    m.iter()
        .map(|(n, es)| {
            let names: Vec<&str> = es.iter().map(|e| e.0).collect();
            format!("{n}:{}", names.join(","))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Feeds `events` at times 1, 2, ... (advancing time before each), then advances to
/// `end`; returns (sorted matches, sorted timeouts) and the NFA.
pub(crate) fn run_at(
    pattern: &Pattern<Ev>,
    events: &[(Ev, i64)],
    end: Option<i64>,
) -> (Vec<String>, Vec<String>, Nfa<Ev>) {
    let mut nfa = Nfa::compile(pattern).expect("a valid pattern");
    let (mut matches, mut timeouts) = (Vec::new(), Vec::new());
    for (e, ts) in events {
        let (m, t) = nfa.advance_time(*ts).unwrap();
        matches.extend(m.iter().map(render));
        timeouts.extend(
            t.iter()
                .map(|t| format!("{}@{}", render(&t.events), t.timeout)),
        );
        matches.extend(nfa.process(*e, *ts).unwrap().iter().map(render));
    }
    if let Some(end) = end {
        let (m, t) = nfa.advance_time(end).unwrap();
        matches.extend(m.iter().map(render));
        timeouts.extend(
            t.iter()
                .map(|t| format!("{}@{}", render(&t.events), t.timeout)),
        );
    }
    matches.sort();
    timeouts.sort();
    (matches, timeouts, nfa)
}

/// Matches of `events` at times 1, 2, ..., sorted.
pub(crate) fn matches(pattern: &Pattern<Ev>, events: &[Ev]) -> Vec<String> {
    let timed: Vec<(Ev, i64)> = events.iter().zip(1..).map(|(e, t)| (*e, t)).collect();
    run_at(pattern, &timed, None).0
}

/// The expected multiset, sorted.
pub(crate) fn want(rows: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = rows.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Events from a compact spec "a1:c b:d ..." where the name is the token and the
/// kind (the part before a digit) is the first letter: `("a1", 0)`.
pub(crate) fn evs(names: &[&'static str]) -> Vec<Ev> {
    names.iter().map(|n| (*n, 0)).collect()
}

/// Whether an event's name starts with `kind`.
pub(crate) fn is(kind: &'static str) -> impl Fn(&Ev) -> bool + Send + Sync + 'static {
    move |e: &Ev| e.0.starts_with(kind)
}

/// `n` milliseconds.
pub(crate) fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Events `(name, 0)` at the given times.
pub(crate) fn at(events: &[(&'static str, i64)]) -> Vec<(Ev, i64)> {
    events.iter().map(|(n, t)| ((*n, 0), *t)).collect()
}

/// Feeds a1@1 and b1@5 to `pattern`, which waits after b1 with a 10 ms window:
/// nothing happens at 14; at 15 (a1, b1) times out with that deadline, leaving the
/// NFA empty.
pub(crate) fn assert_times_out_10_ms_after_b1(pattern: &Pattern<Ev>) {
    let mut nfa = Nfa::compile(pattern).unwrap();
    assert!(nfa.process(("a1", 0), 1).unwrap().is_empty());
    assert!(nfa.process(("b1", 0), 5).unwrap().is_empty());
    let (m, t) = nfa.advance_time(14).unwrap();
    assert!(m.is_empty() && t.is_empty(), "14 - 5 is inside the window");
    assert_eq!(nfa.partial_matches(), 1);
    let (m, t) = nfa.advance_time(15).unwrap();
    assert!(m.is_empty());
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].timeout, 15);
    assert_eq!(t[0].events.get("a"), [("a1", 0)]);
    assert_eq!(t[0].events.get("b"), [("b1", 0)]);
    assert!(t[0].events.get("c").is_empty());
    assert!(nfa.is_empty());
}
