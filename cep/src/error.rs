//! The crate's one error type: a malformed pattern (refused when it is built into an
//! NFA, naming the pattern variable at fault) or a skip strategy that could not skip
//! while matching (`throw_exception_on_miss`).

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong building or running a pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two pattern variables share a name (every name must be unique, groups included).
    #[error("invalid pattern: the name '{0}' is used by more than one pattern variable")]
    DuplicateName(String),
    /// A name is empty or reserved by the NFA.
    #[error("invalid pattern: '{0}' cannot name a pattern variable (empty or reserved)")]
    InvalidName(String),
    /// A second quantifier on one pattern variable.
    #[error("invalid pattern: '{name}' already has a quantifier ({current}); a variable takes one")]
    QuantifierAlreadyApplied {
        /// The variable.
        name: String,
        /// Its quantifier.
        current: String,
    },
    /// A quantifier or option that a NOT pattern (`not_next`, `not_followed_by`) refuses.
    #[error("invalid pattern: '{option}' cannot apply to the NOT pattern '{name}'")]
    NotPatternOption {
        /// The NOT pattern.
        name: String,
        /// The option.
        option: &'static str,
    },
    /// Bad counts in `times`, `times_range` or `times_or_more`.
    #[error("invalid pattern: '{name}': {reason}")]
    InvalidTimes {
        /// The variable.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// An option that does not fit the variable's quantifier or other options
    /// (`greedy` on a singleton, `consecutive` with `allow_combinations`, `optional` twice, ...).
    #[error("invalid pattern: '{option}' on '{name}': {reason}")]
    OptionNotApplicable {
        /// The variable.
        name: String,
        /// The option.
        option: &'static str,
        /// Why it does not apply.
        reason: &'static str,
    },
    /// `until` on a variable that does not loop, or twice.
    #[error("invalid pattern: until on '{name}': {reason}")]
    Until {
        /// The variable.
        name: String,
        /// Why it does not apply.
        reason: &'static str,
    },
    /// A condition (`where_`, `or`, `until`) on a group pattern: conditions go on the
    /// variables inside it.
    #[error(
        "invalid pattern: a group pattern takes no {0} condition (put it on a variable inside the group)"
    )]
    GroupCondition(&'static str),
    /// An optional variable right before a NOT pattern (Flink refuses the optional path
    /// to a NOT condition).
    #[error(
        "invalid pattern: the NOT pattern '{name}' follows the optional '{previous}'; write two patterns, one with and one without it"
    )]
    OptionalBeforeNot {
        /// The NOT pattern.
        name: String,
        /// The optional variable before it.
        previous: String,
    },
    /// `not_followed_by` last in a pattern that has no `within` (it could never end),
    /// or last inside a group.
    #[error(
        "invalid pattern: not_followed_by('{0}') ends the pattern, which needs within(..) (and is refused as the end of a group)"
    )]
    NotFollowedByLast(String),
    /// The variable a `SkipToFirst`/`SkipToLast` strategy names is not in the pattern.
    #[error("invalid pattern: the skip strategy targets '{0}', which is not a pattern variable")]
    UnknownSkipTarget(String),
    /// A variable's `PreviousAndCurrent` window or loop window (`times_within`, ...)
    /// longer than the whole pattern's `within` (Flink refuses it too; a loop window
    /// that no state gets, as `times_within(1, ..)`'s, is not compared).
    #[error(
        "invalid pattern: the window of '{name}' since the previous event ({stage_ms} ms) is longer than the whole pattern's within ({whole_ms} ms)"
    )]
    StageWithinTooLong {
        /// The variable.
        name: String,
        /// Its window (ms).
        stage_ms: i64,
        /// The whole pattern's window (ms).
        whole_ms: i64,
    },
    /// A `within`, `PreviousAndCurrent` window or loop window under a millisecond.
    #[error("invalid pattern: within must be longer than 0 ms")]
    ZeroWithin,
    /// A skip strategy with `throw_exception_on_miss` could not skip after a match:
    /// its variable has no event in the match, or is the match's first event (which
    /// would loop forever).
    #[error("after a match: could not skip to {strategy}: {reason}")]
    SkipFailed {
        /// The strategy.
        strategy: String,
        /// Why.
        reason: &'static str,
    },
}
