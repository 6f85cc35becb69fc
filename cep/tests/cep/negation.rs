//! Negation cases after the behaviours Flink's NotPatternITCase covers (our own cases,
//! hand-computed multisets): a forbidden event ends the whole run that waits for it,
//! including a loop that could still have gone on; a forbidden event after the run's
//! end does not matter; a negation after an optional variable is refused.

use strom_cep::{Error, Nfa, Pattern};

use super::support::{evs, is, matches, want};

fn a_bs_not_n_c() -> Pattern<super::support::Ev> {
    Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .one_or_more()
        .not_followed_by("n")
        .where_(is("n"))
        .followed_by("c")
        .where_(is("c"))
}

#[test]
fn a_forbidden_event_ends_the_run_with_its_loop() {
    let p = a_bs_not_n_c();
    assert_eq!(
        matches(&p, &evs(&["a1", "b1", "b2", "n1", "c1"])),
        want(&[])
    );
    // The loop reaches the negation at every event: n1 ends the run before b2.
    assert_eq!(
        matches(&p, &evs(&["a1", "b1", "n1", "b2", "c1"])),
        want(&[])
    );
    assert_eq!(
        matches(&p, &evs(&["a1", "b1", "b2", "c1", "n1"])),
        want(&["a:a1 b:b1 c:c1", "a:a1 b:b1,b2 c:c1"])
    );
}

#[test]
fn a_forbidden_event_before_the_run_does_not_matter() {
    let p = a_bs_not_n_c();
    assert_eq!(
        matches(&p, &evs(&["n1", "a1", "b1", "c1"])),
        want(&["a:a1 b:b1 c:c1"])
    );
}

#[test]
fn a_negation_after_an_optional_variable_is_refused() {
    // Flink refuses it too: which event the negation would check is ambiguous.
    let p = Pattern::begin("a")
        .where_(is("a"))
        .followed_by("b")
        .where_(is("b"))
        .optional()
        .not_next("n")
        .where_(is("n"))
        .followed_by("c")
        .where_(is("c"));
    assert!(matches!(
        Nfa::compile(&p),
        Err(Error::OptionalBeforeNot { .. })
    ));
}
