//! Malformed patterns are refused by `Nfa::compile` with typed errors naming the
//! variable.

use std::time::Duration;

use strom_cep::{AfterMatchSkipStrategy, Error, Nfa, Pattern};

use super::support::{Ev, is};

fn err(p: Pattern<Ev>) -> Error {
    Nfa::compile(&p).err().expect("refused")
}

fn a() -> Pattern<Ev> {
    Pattern::begin("a").where_(is("a"))
}

#[test]
fn names_are_unique() {
    assert_eq!(err(a().next("a")), Error::DuplicateName("a".into()));
    let g = Pattern::begin("a");
    assert_eq!(err(a().next_group(g)), Error::DuplicateName("a".into()));
    assert!(matches!(err(a().next("")), Error::InvalidName(_)));
}

#[test]
fn quantifiers_apply_once_and_not_to_not_patterns() {
    assert!(matches!(
        err(a().times(2).one_or_more()),
        Error::QuantifierAlreadyApplied { name, .. } if name == "a"
    ));
    assert!(matches!(
        err(a().not_next("n").times(2)),
        Error::NotPatternOption { name, option: "times" } if name == "n"
    ));
    assert!(matches!(
        err(a().not_next("n").optional()),
        Error::NotPatternOption { .. }
    ));
    assert!(matches!(err(a().times(0)), Error::InvalidTimes { .. }));
    assert!(matches!(
        err(a().times_range(3, 2)),
        Error::InvalidTimes { .. }
    ));
    assert!(matches!(
        err(a().times_or_more(0)),
        Error::InvalidTimes { .. }
    ));
}

#[test]
fn greedy_and_contiguity_options_are_checked() {
    let option = |e: Error| match e {
        Error::OptionNotApplicable { option, .. } => option,
        other => panic!("{other:?}"),
    };
    assert_eq!(option(err(a().greedy())), "greedy");
    assert_eq!(
        option(err(a().one_or_more().allow_combinations().greedy())),
        "greedy"
    );
    assert_eq!(option(err(a().consecutive())), "consecutive");
    assert_eq!(
        option(err(a().one_or_more().consecutive().allow_combinations())),
        "allow_combinations"
    );
    assert_eq!(option(err(a().optional().optional())), "optional");
    assert_eq!(
        option(err(a().one_or_more().greedy().next("b").optional())),
        "optional"
    );
    let g = Pattern::begin("b");
    assert_eq!(
        option(err(a().next_group(g).one_or_more().greedy())),
        "greedy"
    );
}

#[test]
fn until_needs_a_loop_and_groups_take_no_conditions() {
    assert!(matches!(err(a().until(is("u"))), Error::Until { .. }));
    assert!(matches!(
        err(a().one_or_more().until(is("u")).until(is("v"))),
        Error::Until { .. }
    ));
    let g = Pattern::begin("b");
    assert_eq!(
        err(a().next_group(g).where_(is("x"))),
        Error::GroupCondition("where")
    );
}

#[test]
fn not_patterns_need_what_ends_them() {
    assert_eq!(
        err(a().not_followed_by("n")),
        Error::NotFollowedByLast("n".into())
    );
    assert!(Nfa::compile(&a().not_followed_by("n").within(Duration::from_secs(1))).is_ok());
    assert!(matches!(
        err(a().optional().not_next("n").next("b")),
        Error::OptionalBeforeNot { .. }
    ));
    assert_eq!(err(a().within(Duration::ZERO)), Error::ZeroWithin);
    // Windows count whole milliseconds: under one is zero.
    assert_eq!(
        err(a().within(Duration::from_micros(900))),
        Error::ZeroWithin
    );
}

#[test]
fn skip_targets_must_be_variables() {
    let p = Pattern::<Ev>::begin_with_skip("a", AfterMatchSkipStrategy::skip_to_last("zz"));
    assert_eq!(err(p), Error::UnknownSkipTarget("zz".into()));
}
