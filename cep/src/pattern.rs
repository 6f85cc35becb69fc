//! The Pattern API (Flink's `Pattern`): a sequence of pattern variables, each with a
//! condition, a contiguity to the one before (`next`, `followed_by`,
//! `followed_by_any`, `not_next`, `not_followed_by`) and a quantifier; groups of
//! variables with quantifiers of their own; `within` over the whole pattern or, per
//! variable, since the previous variable's event ([`WithinType`]), and loop windows
//! between a quantified variable's own events (`times_within`, ...); and an
//! after-match skip strategy.
//!
//! Builder methods apply to the last variable added and return the pattern. A misuse
//! (a second quantifier, `greedy` on a singleton, `until` on a variable that does not
//! loop, ...) is remembered and returned, typed, by [`crate::Nfa::compile`], with the
//! checks that need the whole pattern (unique names, `not_followed_by` last without
//! `within`, a skip target that is no variable, a variable's window longer than the
//! whole pattern's).

use std::sync::Arc;
use std::time::Duration;

use crate::condition::{Cond, Ctx};
use crate::error::Error;
use crate::skip::AfterMatchSkipStrategy;

/// Name of the NFA's final state, refused as a variable name.
pub(crate) const END_STATE: &str = "$endState$";
/// Name of the states a group pattern makes of itself.
pub(crate) const GROUP: &str = "$group$";

/// How a variable's events relate to the events before them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Consuming {
    /// Right after (`next`, `consecutive`).
    Strict,
    /// Skipping events that do not match (`followed_by`).
    SkipTillNext,
    /// Skipping any events (`followed_by_any`, `allow_combinations`).
    SkipTillAny,
    /// No matching event right after (`not_next`).
    NotNext,
    /// No matching event in between (`not_followed_by`).
    NotFollow,
}

/// What a `within` window bounds (Flink's `WithinType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WithinType {
    /// The whole match: from its first event to its last (what [`Pattern::within`]
    /// sets).
    FirstAndLast,
    /// One step: from the previous variable's event to this variable's.
    PreviousAndCurrent,
}

/// How many events a variable takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Single,
    Times,
    Looping,
}

/// A variable's quantifier (Flink's `Quantifier` with its `Times`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Quantifier {
    pub(crate) kind: Kind,
    pub(crate) optional: bool,
    pub(crate) greedy: bool,
    /// Contiguity between the events of one looping or times variable.
    pub(crate) inner: Consuming,
    pub(crate) from: u32,
    pub(crate) to: u32,
    /// The loop window (Flink's `Times` window time): how long a partial match may
    /// wait for the variable's next event, on the states [`crate::compile`] picks.
    pub(crate) window: Option<Duration>,
}

impl Quantifier {
    fn single() -> Self {
        Quantifier {
            kind: Kind::Single,
            optional: false,
            greedy: false,
            inner: Consuming::SkipTillNext,
            from: 1,
            to: 1,
            window: None,
        }
    }

    fn describe(&self) -> String {
        match self.kind {
            Kind::Single => "a single event".into(),
            Kind::Times => format!("times({}, {})", self.from, self.to),
            Kind::Looping => format!("times_or_more({})", self.from),
        }
    }
}

/// A variable's body: a condition on one event, or a group pattern.
pub(crate) enum Body<E> {
    Single { condition: Option<Cond<E>> },
    Group(Box<Pattern<E>>),
}

/// One pattern variable (or group) of a pattern.
pub(crate) struct Stage<E> {
    pub(crate) name: String,
    pub(crate) body: Body<E>,
    pub(crate) consuming: Consuming,
    pub(crate) quantifier: Quantifier,
    /// Its stop condition (a looping variable or group).
    pub(crate) until: Option<Cond<E>>,
    /// Its `PreviousAndCurrent` window.
    pub(crate) window: Option<Duration>,
}

impl<E> Stage<E> {
    pub(crate) fn is_not(&self) -> bool {
        matches!(self.consuming, Consuming::NotNext | Consuming::NotFollow)
    }

    /// The variable's condition (true when it has none, or for a group).
    pub(crate) fn condition(&self) -> Cond<E> {
        match &self.body {
            Body::Single {
                condition: Some(c), ..
            } => c.clone(),
            _ => Cond::True,
        }
    }

    pub(crate) fn until(&self) -> Option<Cond<E>> {
        self.until.clone()
    }

    pub(crate) fn group(&self) -> Option<&Pattern<E>> {
        match &self.body {
            Body::Group(p) => Some(p),
            Body::Single { .. } => None,
        }
    }
}

impl<E> Clone for Stage<E> {
    fn clone(&self) -> Self {
        Stage {
            name: self.name.clone(),
            body: match &self.body {
                Body::Single { condition } => Body::Single {
                    condition: condition.clone(),
                },
                Body::Group(p) => Body::Group(p.clone()),
            },
            consuming: self.consuming,
            quantifier: self.quantifier,
            until: self.until.clone(),
            window: self.window,
        }
    }
}

/// A pattern over events of type `E` (Flink's `Pattern<E, E>`).
///
/// ```
/// use std::time::Duration;
/// use strom_cep::{Nfa, Pattern};
///
/// // A reading above 100 followed (not necessarily next) by a higher one, within 10 s.
/// let pattern = Pattern::<(u32, f64)>::begin("first")
///     .where_(|r| r.1 > 100.0)
///     .followed_by("second")
///     .where_ctx(|r, ctx| ctx.events_for("first").iter().all(|f| r.1 > f.1))
///     .within(Duration::from_secs(10));
/// let mut nfa = Nfa::compile(&pattern).unwrap();
/// assert!(nfa.process((1, 101.0), 1_000).unwrap().is_empty());
/// assert!(nfa.process((1, 99.0), 2_000).unwrap().is_empty());
/// let found = nfa.process((1, 105.0), 3_000).unwrap();
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].get("second"), [(1, 105.0)]);
/// ```
///
/// # Loop windows
///
/// [`times_within`](Pattern::times_within),
/// [`times_range_within`](Pattern::times_range_within),
/// [`one_or_more_within`](Pattern::one_or_more_within) and
/// [`times_or_more_within`](Pattern::times_or_more_within) (Flink 1.19's `times`,
/// `oneOrMore` and `timesOrMore` with a `windowTime`) give a quantified variable a
/// window measured as [`WithinType::PreviousAndCurrent`]'s is: from the last event
/// the partial match took (before the variable's first event, the previous
/// variable's last) to now. A partial match still waiting in a state with the window
/// when [`crate::Nfa::advance_time`] reaches that event's time plus the window times
/// out there: it is reported with its events and that deadline (on DataStream, to
/// the timeout tag), not dropped silently, and all its paths end with it (one that
/// could also have left the loop for the next variable included).
///
/// Which waits are bounded follows Flink's compiler, which puts the window on every
/// state taking the variable's events except the first one it builds for the
/// variable (a times chain's last state, a loop's looping state):
///
/// - `times_within(n, w)`, `times_range_within(from, to, w)`: the waits for events 1
///   to `to - 1` (`n - 1`); the wait for the last one is not bounded, so
///   `times_within(2, w)` bounds only the wait for the first event and
///   `times_within(1, w)` nothing.
/// - `times_or_more_within(n, w)`: the waits for events 1 to `n`; the loop's later
///   events are not bounded, so `one_or_more_within(w)` bounds only the wait for the
///   first event.
/// - The wait for the first event is not bounded when the variable begins the
///   pattern (no event was taken yet).
/// - A partial match that skipped an event while waiting for an optional event (past
///   `from` in a range, or the first event of an `optional` variable) waits on in a
///   state without the window (Flink's IGNORE copy of an optional state).
///
/// `within_type(w, PreviousAndCurrent)` on a quantified variable still has no effect,
/// and a loop window on a group has none (not built: Flink gives it only to the state
/// between the rounds of a looping group). [`crate::Nfa::compile`] refuses a loop
/// window longer than the whole pattern's `within`
/// ([`Error::StageWithinTooLong`](crate::Error::StageWithinTooLong)) and a zero one
/// ([`Error::ZeroWithin`](crate::Error::ZeroWithin)).
///
/// ```
/// use std::time::Duration;
/// use strom_cep::{Nfa, Pattern};
///
/// // A login followed by three failures, each of the first two within 10 ms of the
/// // event before it.
/// let p = Pattern::<(&str, i64)>::begin("login")
///     .where_(|e| e.0 == "login")
///     .followed_by("fail")
///     .where_(|e| e.0 == "fail")
///     .times_within(3, Duration::from_millis(10));
/// let mut nfa = Nfa::compile(&p).unwrap();
/// for (name, ts) in [("login", 0), ("fail", 5)] {
///     nfa.advance_time(ts).unwrap();
///     nfa.process((name, ts), ts).unwrap();
/// }
/// // The second failure did not come by 5 + 10.
/// let (matches, timed_out) = nfa.advance_time(15).unwrap();
/// assert!(matches.is_empty());
/// assert_eq!(timed_out[0].timeout, 15);
/// assert_eq!(timed_out[0].events.get("fail"), [("fail", 5)]);
/// ```
pub struct Pattern<E> {
    pub(crate) stages: Vec<Stage<E>>,
    pub(crate) within: Option<Duration>,
    pub(crate) skip: AfterMatchSkipStrategy,
    pub(crate) error: Option<Error>,
}

impl<E> Clone for Pattern<E> {
    fn clone(&self) -> Self {
        Pattern {
            stages: self.stages.clone(),
            within: self.within,
            skip: self.skip.clone(),
            error: self.error.clone(),
        }
    }
}

impl<E> std::fmt::Debug for Pattern<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.stages.iter().map(|s| s.name.as_str()).collect();
        f.debug_struct("Pattern")
            .field("variables", &names)
            .field("within", &self.within)
            .field("skip", &self.skip)
            .finish()
    }
}

impl<E: 'static> Pattern<E> {
    /// A pattern starting with the variable `name` (Flink's `Pattern.begin`), with no
    /// skip after a match.
    pub fn begin(name: &str) -> Self {
        Self::begin_with_skip(name, AfterMatchSkipStrategy::NoSkip)
    }

    /// A pattern starting with `name`, with the after-match skip strategy `skip`.
    pub fn begin_with_skip(name: &str, skip: AfterMatchSkipStrategy) -> Self {
        Pattern {
            stages: vec![Self::single(name, Consuming::Strict)],
            within: None,
            skip,
            error: None,
        }
    }

    /// A pattern starting with the group `group` (Flink's `Pattern.begin(Pattern)`).
    pub fn begin_group(group: Pattern<E>) -> Self {
        Self::begin_group_with_skip(group, AfterMatchSkipStrategy::NoSkip)
    }

    /// A pattern starting with the group `group`, with the skip strategy `skip`.
    pub fn begin_group_with_skip(group: Pattern<E>, skip: AfterMatchSkipStrategy) -> Self {
        let mut p = Pattern {
            stages: Vec::new(),
            within: None,
            skip,
            error: None,
        };
        p.push_group(group, Consuming::Strict);
        p
    }

    fn single(name: &str, consuming: Consuming) -> Stage<E> {
        Stage {
            name: name.to_string(),
            body: Body::Single { condition: None },
            consuming,
            quantifier: Quantifier::single(),
            until: None,
            window: None,
        }
    }

    fn push_group(&mut self, group: Pattern<E>, consuming: Consuming) {
        if let Some(e) = &group.error {
            self.fail(e.clone());
        }
        self.stages.push(Stage {
            name: GROUP.to_string(),
            body: Body::Group(Box::new(group)),
            consuming,
            quantifier: Quantifier::single(),
            until: None,
            window: None,
        });
    }

    fn fail(&mut self, error: Error) {
        if self.error.is_none() {
            self.error = Some(error);
        }
    }

    fn last(&mut self) -> &mut Stage<E> {
        self.stages
            .last_mut()
            .expect("a pattern has a first variable")
    }

    fn then(mut self, name: &str, consuming: Consuming) -> Self {
        if consuming == Consuming::NotNext || consuming == Consuming::NotFollow {
            let last = self.last();
            if last.quantifier.optional {
                let previous = last.name.clone();
                self.fail(Error::OptionalBeforeNot {
                    name: name.to_string(),
                    previous,
                });
            }
        }
        self.stages.push(Self::single(name, consuming));
        self
    }

    fn then_group(mut self, group: Pattern<E>, consuming: Consuming) -> Self {
        self.push_group(group, consuming);
        self
    }

    /// Appends `name`, whose event must come right after the previous one (strict
    /// contiguity).
    pub fn next(self, name: &str) -> Self {
        self.then(name, Consuming::Strict)
    }

    /// Appends `name`, whose event may come after events that do not match it (relaxed
    /// contiguity: the first matching event is taken).
    pub fn followed_by(self, name: &str) -> Self {
        self.then(name, Consuming::SkipTillNext)
    }

    /// Appends `name`, any later matching event of which extends the match
    /// (non-deterministic relaxed contiguity).
    pub fn followed_by_any(self, name: &str) -> Self {
        self.then(name, Consuming::SkipTillAny)
    }

    /// Appends a NOT pattern: the event right after the previous one must not match
    /// `name`'s condition.
    pub fn not_next(self, name: &str) -> Self {
        self.then(name, Consuming::NotNext)
    }

    /// Appends a NOT pattern: no event matching `name`'s condition may come between the
    /// previous variable and the next one (or, when last, before `within` ends).
    pub fn not_followed_by(self, name: &str) -> Self {
        self.then(name, Consuming::NotFollow)
    }

    /// Appends the group `group` with strict contiguity.
    pub fn next_group(self, group: Pattern<E>) -> Self {
        self.then_group(group, Consuming::Strict)
    }

    /// Appends the group `group` with relaxed contiguity.
    pub fn followed_by_group(self, group: Pattern<E>) -> Self {
        self.then_group(group, Consuming::SkipTillNext)
    }

    /// Appends the group `group` with non-deterministic relaxed contiguity.
    pub fn followed_by_any_group(self, group: Pattern<E>) -> Self {
        self.then_group(group, Consuming::SkipTillAny)
    }

    fn add_condition(mut self, what: &'static str, cond: Cond<E>, or: bool) -> Self {
        match &mut self.last().body {
            Body::Group(_) => self.fail(Error::GroupCondition(what)),
            Body::Single { condition, .. } => {
                *condition = Some(match condition.take() {
                    None => cond,
                    Some(c) if or => c.or(cond),
                    Some(c) => c.and(cond),
                });
            }
        }
        self
    }

    /// Adds a condition the variable's events must meet (and-ed with earlier ones).
    pub fn where_(self, f: impl Fn(&E) -> bool + Send + Sync + 'static) -> Self {
        self.add_condition("where", Cond::Simple(Arc::new(f)), false)
    }

    /// Adds an iterative condition (Flink's `IterativeCondition`): `ctx.events_for(name)`
    /// gives the events the partial match accepted for a variable so far.
    pub fn where_ctx(self, f: impl Fn(&E, &Ctx<'_, E>) -> bool + Send + Sync + 'static) -> Self {
        self.add_condition("where", Cond::Iterative(Arc::new(f)), false)
    }

    /// Adds an alternative condition (or-ed with the conditions so far).
    pub fn or(self, f: impl Fn(&E) -> bool + Send + Sync + 'static) -> Self {
        self.add_condition("or", Cond::Simple(Arc::new(f)), true)
    }

    /// Adds an alternative iterative condition.
    pub fn or_ctx(self, f: impl Fn(&E, &Ctx<'_, E>) -> bool + Send + Sync + 'static) -> Self {
        self.add_condition("or", Cond::Iterative(Arc::new(f)), true)
    }

    fn set_until(mut self, cond: Cond<E>) -> Self {
        let name = self.last().name.clone();
        let looping = self.last().quantifier.kind == Kind::Looping;
        let last = self.last();
        match &last.until {
            Some(_) => self.fail(Error::Until {
                name,
                reason: "only one until condition applies",
            }),
            None if looping => last.until = Some(cond),
            None => self.fail(Error::Until {
                name,
                reason: "it applies only to looping variables and groups (one_or_more, times_or_more)",
            }),
        }
        self
    }

    /// A stop condition for a looping variable or group: an event meeting it ends the
    /// loop (and is not taken).
    pub fn until(self, f: impl Fn(&E) -> bool + Send + Sync + 'static) -> Self {
        self.set_until(Cond::Simple(Arc::new(f)))
    }

    /// An iterative stop condition for a looping variable or group.
    pub fn until_ctx(self, f: impl Fn(&E, &Ctx<'_, E>) -> bool + Send + Sync + 'static) -> Self {
        self.set_until(Cond::Iterative(Arc::new(f)))
    }

    /// Checks that a quantifier may go on the last variable; `false` (and the error
    /// remembered) when not.
    fn quantifiable(&mut self, option: &'static str) -> bool {
        let last = self.last();
        let (name, not, q) = (last.name.clone(), last.is_not(), last.quantifier);
        if not {
            self.fail(Error::NotPatternOption { name, option });
            false
        } else if q.kind != Kind::Single {
            self.fail(Error::QuantifierAlreadyApplied {
                name,
                current: q.describe(),
            });
            false
        } else {
            true
        }
    }

    fn bad_times(mut self, reason: &str) -> Self {
        let name = self.last().name.clone();
        self.fail(Error::InvalidTimes {
            name,
            reason: reason.to_string(),
        });
        self
    }

    /// The variable takes exactly `n` events.
    pub fn times(self, n: u32) -> Self {
        self.times_range(n, n)
    }

    /// The variable takes `from` to `to` events (`from` 0 makes it optional).
    pub fn times_range(mut self, from: u32, to: u32) -> Self {
        if !self.quantifiable("times") {
            return self;
        }
        if to == 0 {
            return self.bad_times("times must allow at least one event");
        }
        if to < from {
            return self.bad_times(&format!("times_range({from}, {to}): to is below from"));
        }
        let q = &mut self.last().quantifier;
        q.kind = Kind::Times;
        if from == 0 {
            q.optional = true;
        }
        (q.from, q.to) = (from.max(1), to);
        self
    }

    /// The variable takes one or more events.
    pub fn one_or_more(self) -> Self {
        self.times_or_more(1)
    }

    /// The variable takes `n` or more events.
    pub fn times_or_more(mut self, n: u32) -> Self {
        if !self.quantifiable("times_or_more") {
            return self;
        }
        if n == 0 {
            return self.bad_times("times_or_more(0): use one_or_more().optional()");
        }
        let q = &mut self.last().quantifier;
        q.kind = Kind::Looping;
        (q.from, q.to) = (n, n);
        self
    }

    /// [`Pattern::times`] with a loop window (Flink's `times(n, windowTime)`): a partial
    /// match waiting for one of the first `n - 1` events times out `window` after the
    /// last event it took; see [loop windows](Pattern#loop-windows).
    pub fn times_within(self, n: u32, window: Duration) -> Self {
        self.times_range_within(n, n, window)
    }

    /// [`Pattern::times_range`] with a loop window (Flink's `times(from, to,
    /// windowTime)`): a partial match waiting for one of the first `to - 1` events
    /// times out `window` after the last event it took; see
    /// [loop windows](Pattern#loop-windows).
    pub fn times_range_within(self, from: u32, to: u32, window: Duration) -> Self {
        self.times_range(from, to).loop_window(window)
    }

    /// [`Pattern::one_or_more`] with a loop window (Flink's `oneOrMore(windowTime)`):
    /// a partial match waiting for the variable's first event times out `window` after
    /// the previous variable's last event; see [loop windows](Pattern#loop-windows).
    pub fn one_or_more_within(self, window: Duration) -> Self {
        self.times_or_more_within(1, window)
    }

    /// [`Pattern::times_or_more`] with a loop window (Flink's `timesOrMore(n,
    /// windowTime)`): a partial match waiting for one of the first `n` events times
    /// out `window` after the last event it took; see
    /// [loop windows](Pattern#loop-windows).
    pub fn times_or_more_within(self, n: u32, window: Duration) -> Self {
        self.times_or_more(n).loop_window(window)
    }

    fn loop_window(mut self, window: Duration) -> Self {
        if window.as_millis() == 0 {
            self.fail(Error::ZeroWithin);
        }
        let q = &mut self.last().quantifier;
        if q.kind != Kind::Single {
            q.window = Some(window);
        }
        self
    }

    fn option_error(mut self, option: &'static str, reason: &'static str) -> Self {
        let name = self.last().name.clone();
        self.fail(Error::OptionNotApplicable {
            name,
            option,
            reason,
        });
        self
    }

    /// The variable may take no event.
    pub fn optional(mut self) -> Self {
        let n = self.stages.len();
        if n >= 2 && self.stages[n - 2].quantifier.greedy {
            return self.option_error(
                "optional",
                "an optional variable cannot follow a greedy one",
            );
        }
        let last = self.last();
        if last.is_not() {
            let name = last.name.clone();
            self.fail(Error::NotPatternOption {
                name,
                option: "optional",
            });
        } else if last.quantifier.optional {
            return self.option_error("optional", "already optional");
        } else {
            last.quantifier.optional = true;
        }
        self
    }

    /// A looping or times variable takes as many events as it can.
    pub fn greedy(mut self) -> Self {
        let last = self.last();
        let (name, q) = (last.name.clone(), last.quantifier);
        if last.is_not() {
            self.fail(Error::NotPatternOption {
                name,
                option: "greedy",
            });
            self
        } else if last.group().is_some() {
            self.option_error("greedy", "a group pattern cannot be greedy")
        } else if q.kind == Kind::Single {
            self.option_error("greedy", "it applies to looping and times variables only")
        } else if q.inner == Consuming::SkipTillAny {
            self.option_error("greedy", "it does not combine with allow_combinations")
        } else {
            self.last().quantifier.greedy = true;
            self
        }
    }

    /// A looping or times variable's events must be contiguous.
    pub fn consecutive(self) -> Self {
        self.inner(Consuming::Strict, "consecutive")
    }

    /// A looping or times variable's events may be any combination of matching events
    /// (non-deterministic relaxed contiguity between them).
    pub fn allow_combinations(self) -> Self {
        self.inner(Consuming::SkipTillAny, "allow_combinations")
    }

    fn inner(mut self, inner: Consuming, option: &'static str) -> Self {
        let q = self.last().quantifier;
        if q.kind == Kind::Single {
            self.option_error(option, "it applies to looping and times variables only")
        } else if q.inner != Consuming::SkipTillNext {
            self.option_error(
                option,
                "consecutive and allow_combinations apply once, and not together",
            )
        } else if inner == Consuming::SkipTillAny && q.greedy {
            self.option_error(option, "it does not combine with greedy")
        } else {
            self.last().quantifier.inner = inner;
            self
        }
    }

    /// The whole match must lie within `window` of event time: a partial match whose
    /// first event is `window` or more older than the time the NFA reached times out.
    /// Called again, the shortest window holds.
    pub fn within(mut self, window: Duration) -> Self {
        if window.as_millis() == 0 {
            self.fail(Error::ZeroWithin);
        }
        self.within = Some(self.within.map_or(window, |w| w.min(window)));
        self
    }

    /// A `within` of the given type (Flink's `within(Time, WithinType)`):
    /// [`WithinType::FirstAndLast`] is [`Pattern::within`];
    /// [`WithinType::PreviousAndCurrent`] bounds the last variable added: a partial
    /// match waiting for its event times out `window` after the previous event it took
    /// (a second call replaces the first). As in Flink, the window applies to a
    /// variable without a quantifier (and to a NOT pattern: a trailing
    /// `not_followed_by` then ends `window` after the event before it); on a `times`
    /// or looping variable, or a group, it has no effect (a quantified variable takes a
    /// [loop window](Pattern#loop-windows) instead).
    pub fn within_type(mut self, window: Duration, kind: WithinType) -> Self {
        match kind {
            WithinType::FirstAndLast => self.within(window),
            WithinType::PreviousAndCurrent => {
                if window.as_millis() == 0 {
                    self.fail(Error::ZeroWithin);
                }
                self.last().window = Some(window);
                self
            }
        }
    }

    /// The after-match skip strategy.
    pub fn skip_strategy(&self) -> &AfterMatchSkipStrategy {
        &self.skip
    }

    /// The names of the pattern variables, groups flattened, in order.
    pub fn names(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.stages {
            match s.group() {
                Some(g) => out.extend(g.names()),
                None => out.push(s.name.clone()),
            }
        }
        out
    }

    /// The checks that need the whole pattern; the first builder misuse first.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let names = self.names();
        for (i, n) in names.iter().enumerate() {
            if n.is_empty() || n == END_STATE || n == GROUP || n.contains(':') {
                return Err(Error::InvalidName(n.clone()));
            }
            if names[..i].contains(n) {
                return Err(Error::DuplicateName(n.clone()));
            }
        }
        let last = self.stages.last().expect("a pattern has a first variable");
        if last.consuming == Consuming::NotFollow && self.within.is_none() && last.window.is_none()
        {
            return Err(Error::NotFollowedByLast(last.name.clone()));
        }
        check_groups(&self.stages)?;
        if let Some(target) = self.skip.target()
            && !names.iter().any(|n| n == target)
        {
            return Err(Error::UnknownSkipTarget(target.to_string()));
        }
        Ok(())
    }
}

/// Groups do not end with `not_followed_by` (nothing would end it).
fn check_groups<E>(stages: &[Stage<E>]) -> Result<(), Error> {
    for s in stages {
        if let Some(g) = s.group() {
            let last = g.stages.last().expect("a group has a first variable");
            if last.consuming == Consuming::NotFollow {
                return Err(Error::NotFollowedByLast(last.name.clone()));
            }
            check_groups(&g.stages)?;
        }
    }
    Ok(())
}
