//! Compiles a [`Pattern`] into an NFA graph, as Flink's `NFACompiler` does: walking
//! the pattern from its last variable to its first, each variable becomes states with
//! TAKE (consume the event and move), IGNORE (skip the event) and PROCEED (move
//! without consuming: an epsilon edge) transitions. Times and looping quantifiers
//! unroll into chains of states; optional ones get a PROCEED around them; NOT
//! patterns become STOP states reached by PROCEED edges from the states waiting
//! after them. A greedy variable proceeds freely, but the state after it takes,
//! ignores or proceeds on no event the greedy variable could take (each of its
//! transitions gains "and not the greedy take"), as Flink's compiler since its greedy
//! rework; with `until`, an event meeting it proceeds to an unrestricted copy of that
//! state.
//! A group pattern compiles its own variables in between, its head taking the
//! group's contiguity. A variable's `PreviousAndCurrent` window goes, as in Flink,
//! on the states that take its event when it has no quantifier (not on the copies
//! made to skip events of an optional variable or to drop NOT patterns); a quantified
//! variable's loop window goes on the states that take its events but the first one
//! built for it (see `take_state`).

use std::collections::HashMap;

use crate::condition::Cond;
use crate::pattern::{Consuming, END_STATE, GROUP, Kind, Pattern, Stage};

/// Index of a state in [`Graph::states`].
pub(crate) type StateId = usize;

/// What a transition does with the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Take,
    Ignore,
    Proceed,
}

/// A state's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StateKind {
    Normal,
    /// A complete match.
    Final,
    /// A NOT pattern matched: the partial match is dropped.
    Stop,
    /// Waiting out a trailing `not_followed_by`: a match when `within` ends.
    Pending,
}

pub(crate) struct Transition<E> {
    pub(crate) action: Action,
    pub(crate) target: StateId,
    pub(crate) cond: Cond<E>,
}

pub(crate) struct State<E> {
    /// The pattern variable (index into [`Graph::names`]).
    pub(crate) name: u16,
    pub(crate) kind: StateKind,
    pub(crate) transitions: Vec<Transition<E>>,
    /// How long (ms) a partial match may wait here after its last event.
    pub(crate) window: Option<i64>,
}

/// A compiled pattern.
pub(crate) struct Graph<E> {
    pub(crate) states: Vec<State<E>>,
    pub(crate) start: StateId,
    /// Variable names; a node of the shared buffer names its variable by index.
    pub(crate) names: Vec<String>,
}

/// Compiles a validated pattern.
pub(crate) fn compile<E: 'static>(pattern: &Pattern<E>) -> Graph<E> {
    let mut names = pattern.names();
    names.push(GROUP.to_string());
    names.push(END_STATE.to_string());
    let mut c = Compiler {
        states: Vec::new(),
        names,
        stops: HashMap::new(),
        seq: &pattern.stages,
        idx: pattern.stages.len() - 1,
        group: None,
        first_of_loop: HashMap::new(),
        following: None,
        originals: HashMap::new(),
        window: pattern.within.is_some(),
    };
    let end = c.state(END_STATE, StateKind::Final);
    let sink = c.middle(end);
    let start = c.convert(sink);
    Graph {
        states: c.states,
        start,
        names: c.names,
    }
}

struct Compiler<'p, E> {
    states: Vec<State<E>>,
    names: Vec<String>,
    /// One STOP state per NOT pattern.
    stops: HashMap<String, StateId>,
    /// The variables being compiled (the pattern's or a group's) and the current one.
    seq: &'p [Stage<E>],
    idx: usize,
    /// The group being compiled.
    group: Option<&'p Stage<E>>,
    /// Per group (by address): whether its head is the first of its loop.
    first_of_loop: HashMap<usize, bool>,
    following: Option<&'p Stage<E>>,
    /// A state restricted by a greedy variable with `until` before it, and its copy
    /// made before the restriction.
    originals: HashMap<StateId, StateId>,
    window: bool,
}

fn addr<E>(s: &Stage<E>) -> usize {
    std::ptr::from_ref(s) as usize
}

impl<'p, E: 'static> Compiler<'p, E> {
    fn cur(&self) -> &'p Stage<E> {
        &self.seq[self.idx]
    }

    fn state(&mut self, name: &str, kind: StateKind) -> StateId {
        let name = self
            .names
            .iter()
            .position(|n| n == name)
            .expect("every state is named after a variable") as u16;
        self.states.push(State {
            name,
            kind,
            transitions: Vec::new(),
            window: None,
        });
        self.states.len() - 1
    }

    /// A state taking the current variable's event (Flink's `createState(type, true)`),
    /// with the variable's `PreviousAndCurrent` window when it has no quantifier, else
    /// with its loop window unless it is the first state built for the variable (which
    /// keeps the plain state name in Flink, the others get a numbered one and, with
    /// it, the loop window).
    fn take_state(&mut self, kind: StateKind) -> StateId {
        let cur = self.cur();
        let state = self.state(&cur.name, kind);
        let name = self.states[state].name;
        self.states[state].window = match cur.quantifier.kind {
            Kind::Single => cur.window,
            _ if self.states[..state].iter().any(|s| s.name == name) => cur.quantifier.window,
            _ => None,
        }
        .map(millis);
        state
    }

    fn edge(&mut self, from: StateId, action: Action, target: StateId, cond: Cond<E>) {
        self.states[from].transitions.push(Transition {
            action,
            target,
            cond,
        });
    }

    /// The states of the variables after the first (of the current sequence), ending in
    /// `sink`; returns the first of them.
    fn middle(&mut self, sink: StateId) -> StateId {
        let mut last = sink;
        while self.idx > 0 {
            let cur = self.cur();
            match cur.consuming {
                Consuming::NotFollow => {
                    // Elsewhere a NOT pattern is a condition on the edges around it.
                    if (self.window || cur.window.is_some())
                        && self.states[last].kind == StateKind::Final
                    {
                        let pending = self.take_state(StateKind::Pending);
                        let not = self.take_cond(cur);
                        let stop = self.stop(not.clone(), &cur.name);
                        self.edge(pending, Action::Proceed, stop, not.clone());
                        self.edge(pending, Action::Ignore, pending, not.not());
                        last = pending;
                    }
                }
                Consuming::NotNext => {
                    let state = self.take_state(StateKind::Normal);
                    let not = self.take_cond(cur);
                    let stop = self.stop(not.clone(), &cur.name);
                    let action = if self.states[last].kind == StateKind::Final {
                        // An IGNORE, so that the event after is not taken into the match.
                        Action::Ignore
                    } else {
                        Action::Proceed
                    };
                    self.edge(state, action, last, not.clone().not());
                    self.edge(state, Action::Proceed, stop, not);
                    last = state;
                }
                _ => last = self.convert(last),
            }
            self.following = Some(cur);
            self.idx -= 1;
        }
        last
    }

    /// The states of the current variable, by its quantifier.
    fn convert(&mut self, sink: StateId) -> StateId {
        let cur = self.cur();
        let q = cur.quantifier;
        let last = match q.kind {
            Kind::Looping => {
                self.set_first_of_loop(false);
                let copy = self.without_transitive_nots(sink);
                let looping = self.looping(copy);
                self.set_first_of_loop(true);
                self.times_states(looping, sink, q.from, q.to)
            }
            Kind::Times => self.times_states(sink, sink, q.from, q.to),
            Kind::Single => {
                let take = self.take_cond(cur);
                let ignore = self.ignore_cond(cur);
                let optional = self.is_optional(cur);
                self.singleton(sink, Some(sink), take, ignore, optional)
            }
        };
        self.add_stops(last);
        last
    }

    /// NOT patterns before the current variable with only optional ones between:
    /// (condition, name).
    fn current_nots(&self) -> Vec<(Cond<E>, String)> {
        let mut out = Vec::new();
        let mut j = self.idx;
        while j > 0
            && (self.seq[j - 1].quantifier.optional
                || self.seq[j - 1].consuming == Consuming::NotFollow)
        {
            j -= 1;
            if self.seq[j].consuming == Consuming::NotFollow {
                out.push((self.take_cond(&self.seq[j]), self.seq[j].name.clone()));
            }
        }
        out
    }

    fn stop(&mut self, cond: Cond<E>, name: &str) -> StateId {
        if let Some(s) = self.stops.get(name) {
            return *s;
        }
        let s = self.state(name, StateKind::Stop);
        self.edge(s, Action::Take, s, cond);
        self.stops.insert(name.to_string(), s);
        s
    }

    /// After an optional variable took an event, NOT patterns before it no longer
    /// apply: a copy of `sink` without their STOP edges (`sink` itself when none).
    fn without_transitive_nots(&mut self, sink: StateId) -> StateId {
        let nots = self.current_nots();
        if nots.is_empty() || !self.cur().quantifier.optional {
            return sink;
        }
        let copy = self.states.len();
        self.states.push(State {
            name: self.states[sink].name,
            kind: self.states[sink].kind,
            transitions: Vec::new(),
            window: None,
        });
        let edges: Vec<(Action, StateId, Cond<E>)> = self.states[sink]
            .transitions
            .iter()
            .map(|t| (t.action, t.target, t.cond.clone()))
            .collect();
        for (action, target, cond) in edges {
            if action == Action::Proceed {
                if self.states[target].kind == StateKind::Stop {
                    let name = &self.names[usize::from(self.states[target].name)];
                    if nots.iter().any(|(_, n)| n == name) {
                        continue;
                    }
                    self.edge(copy, action, target, cond);
                } else {
                    let target = self.without_transitive_nots(target);
                    self.edge(copy, action, target, cond);
                }
            } else {
                let target = if target == sink { copy } else { target };
                self.edge(copy, action, target, cond);
            }
        }
        copy
    }

    fn add_stops(&mut self, state: StateId) {
        for (cond, name) in self.current_nots() {
            let stop = self.stop(cond.clone(), &name);
            self.edge(state, Action::Proceed, stop, cond);
        }
    }

    fn add_stop_to_looping(&mut self, state: StateId) {
        if let Some(f) = self.following
            && f.consuming == Consuming::NotFollow
        {
            let cond = self.take_cond(f);
            let stop = self.stop(cond.clone(), &f.name);
            self.edge(state, Action::Proceed, stop, cond);
        }
    }

    /// The chain of a times quantifier: `to - from` optional states, `from - 1`
    /// mandatory ones and the head.
    fn times_states(&mut self, sink: StateId, proceed: StateId, from: u32, to: u32) -> StateId {
        let cur = self.cur();
        let mut last = sink;
        self.set_first_of_loop(false);
        let until = cur.until();
        let inner_ignore = extend_until(self.inner_ignore_cond(cur), until.clone(), false);
        let take = extend_until(Some(self.take_cond(cur)), until.clone(), true)
            .expect("a take condition stays");
        if cur.quantifier.greedy && from != to {
            if until.is_some() {
                let copy = self.copy_state(sink);
                self.originals.insert(sink, copy);
            }
            self.restrict_greedy(sink, &take);
        }
        for _ in from..to {
            last = self.singleton(
                last,
                Some(proceed),
                take.clone(),
                inner_ignore.clone(),
                true,
            );
            self.add_stop_to_looping(last);
        }
        for _ in 1..from {
            last = self.singleton(last, None, take.clone(), inner_ignore.clone(), false);
            self.add_stop_to_looping(last);
        }
        self.set_first_of_loop(true);
        let ignore = self.ignore_cond(cur);
        self.singleton(last, Some(proceed), take, ignore, cur.quantifier.optional)
    }

    fn singleton(
        &mut self,
        sink: StateId,
        proceed: Option<StateId>,
        take: Cond<E>,
        ignore: Option<Cond<E>>,
        optional: bool,
    ) -> StateId {
        let cur = self.cur();
        if cur.group().is_some() {
            return self.group_states(cur, sink, proceed, optional);
        }
        let state = self.take_state(StateKind::Normal);
        let sink = self.without_transitive_nots(sink);
        self.edge(state, Action::Take, sink, take.clone());
        // As Flink 2.3 (after FLINK-30864): a state proceeds when it is optional itself;
        // the head of an optional group proceeds out of the group by the edge
        // `group_states` adds, and keeps a separate IGNORE state as an optional one.
        if optional {
            let target = proceed.expect("an optional state has a state to proceed to");
            self.proceed(
                state,
                target,
                cur.quantifier.greedy.then(|| cur.until()).flatten(),
            );
        }
        if let Some(ignore) = ignore {
            let ignore_state = if optional || self.head_of_optional_group() {
                let s = self.state(&cur.name, StateKind::Normal);
                self.edge(s, Action::Take, sink, take.clone());
                self.edge(s, Action::Ignore, s, ignore.clone());
                self.add_stops(s);
                s
            } else {
                state
            };
            self.edge(state, Action::Ignore, ignore_state, ignore);
        }
        state
    }

    /// PROCEED from `state` to `target`; with a greedy variable's `until`, an event
    /// meeting it proceeds to `target`'s unrestricted copy instead.
    fn proceed(&mut self, state: StateId, target: StateId, greedy_until: Option<Cond<E>>) {
        let cond = self.true_cond();
        match greedy_until {
            Some(until) => {
                let original = self.originals.get(&target).copied().unwrap_or(target);
                self.edge(
                    state,
                    Action::Proceed,
                    original,
                    cond.clone().and(until.clone()),
                );
                self.edge(state, Action::Proceed, target, cond.and(until.not()));
            }
            None => self.edge(state, Action::Proceed, target, cond),
        }
    }

    /// A copy of `state` with the same transitions (its loops to itself made loops of
    /// the copy), without a window.
    fn copy_state(&mut self, state: StateId) -> StateId {
        let copy = self.states.len();
        let transitions = self.states[state]
            .transitions
            .iter()
            .map(|t| Transition {
                action: t.action,
                target: if t.target == state { copy } else { t.target },
                cond: t.cond.clone(),
            })
            .collect();
        self.states.push(State {
            name: self.states[state].name,
            kind: self.states[state].kind,
            transitions,
            window: None,
        });
        copy
    }

    /// The state after a greedy variable acts on no event the variable could take.
    fn restrict_greedy(&mut self, state: StateId, take: &Cond<E>) {
        for t in &mut self.states[state].transitions {
            let cond = std::mem::replace(&mut t.cond, Cond::True);
            t.cond = cond.and(take.clone().not());
        }
    }

    /// Enters a group: its variables compile as a sequence of their own.
    fn enter(&mut self, group: &'p Stage<E>) -> Saved<'p, E> {
        let inner = &group.group().expect("a group stage").stages;
        let saved = Saved {
            seq: self.seq,
            idx: self.idx,
            following: self.following,
            group: self.group,
        };
        self.group = Some(group);
        self.seq = inner;
        self.idx = inner.len() - 1;
        saved
    }

    /// Leaves a group.
    fn leave(&mut self, saved: Saved<'p, E>) {
        self.seq = saved.seq;
        self.idx = saved.idx;
        self.following = saved.following;
        self.group = saved.group;
    }

    fn group_states(
        &mut self,
        group: &'p Stage<E>,
        sink: StateId,
        proceed: Option<StateId>,
        optional: bool,
    ) -> StateId {
        let proceed_cond = self.true_cond();
        let saved = self.enter(group);
        let mut last = self.middle(sink);
        last = self.convert(last);
        if optional {
            let target = proceed.expect("an optional group has a state to proceed to");
            self.edge(last, Action::Proceed, target, proceed_cond);
        }
        self.leave(saved);
        last
    }

    fn looping_group_states(&mut self, group: &'p Stage<E>, sink: StateId) -> StateId {
        let proceed_cond = self.true_cond();
        let dummy = self.state(GROUP, StateKind::Normal);
        let saved = self.enter(group);
        let mut last = self.middle(dummy);
        last = self.convert(last);
        self.edge(last, Action::Proceed, sink, proceed_cond.clone());
        self.edge(dummy, Action::Proceed, last, proceed_cond);
        self.leave(saved);
        last
    }

    /// A looping state: TAKE to itself, PROCEED to `sink`.
    fn looping(&mut self, sink: StateId) -> StateId {
        let cur = self.cur();
        if cur.group().is_some() {
            return self.looping_group_states(cur, sink);
        }
        let until = cur.until();
        let ignore = extend_until(self.inner_ignore_cond(cur), until.clone(), false);
        let take =
            extend_until(Some(self.take_cond(cur)), until, true).expect("a take condition stays");
        let looping = self.take_state(StateKind::Normal);
        if cur.quantifier.greedy {
            if cur.until().is_some() {
                let copy = self.copy_state(sink);
                self.originals.insert(sink, copy);
            }
            self.proceed(looping, sink, cur.until());
            // Restricted by the variable's own condition (its `until` aside).
            let plain_take = self.take_cond(cur);
            self.restrict_greedy(sink, &plain_take);
        } else {
            self.proceed(looping, sink, None);
        }
        self.edge(looping, Action::Take, looping, take.clone());
        self.add_stop_to_looping(looping);
        if let Some(ignore) = ignore {
            let s = self.state(&cur.name, StateKind::Normal);
            self.edge(s, Action::Take, looping, take);
            self.edge(s, Action::Ignore, s, ignore.clone());
            self.edge(looping, Action::Ignore, s, ignore);
            self.add_stop_to_looping(s);
        }
        looping
    }

    fn set_first_of_loop(&mut self, first: bool) {
        let cur = self.cur();
        if cur.group().is_some() {
            self.first_of_loop.insert(addr(cur), first);
        }
    }

    fn group_first_of_loop(&self) -> bool {
        self.group
            .and_then(|g| self.first_of_loop.get(&addr(g)).copied())
            .unwrap_or(true)
    }

    fn head_of_group(&self) -> bool {
        self.group.is_some() && self.idx == 0
    }

    fn is_optional(&self, stage: &Stage<E>) -> bool {
        stage.quantifier.optional
    }

    /// Whether the current variable heads an optional group, in its first round.
    fn head_of_optional_group(&self) -> bool {
        self.head_of_group()
            && self.group_first_of_loop()
            && self.group.is_some_and(|g| g.quantifier.optional)
    }

    fn group_until(&self) -> Option<Cond<E>> {
        self.group.and_then(|g| g.until())
    }

    fn take_cond(&self, stage: &Stage<E>) -> Cond<E> {
        extend_until(Some(stage.condition()), self.group_until(), true)
            .expect("a take condition stays")
    }

    fn true_cond(&self) -> Cond<E> {
        extend_until(Some(Cond::True), self.group_until(), true).expect("stays")
    }

    fn strategy_cond(&self, strategy: Consuming, stage: &Stage<E>) -> Option<Cond<E>> {
        let cond = match strategy {
            Consuming::SkipTillNext => Some(stage.condition().not()),
            Consuming::SkipTillAny => Some(Cond::True),
            _ => None,
        };
        extend_until(cond, self.group_until(), false)
    }

    /// IGNORE between the events of one looping or times variable.
    fn inner_ignore_cond(&self, stage: &Stage<E>) -> Option<Cond<E>> {
        let strategy = match self.group {
            Some(g) if self.idx == 0 => g.quantifier.inner,
            _ => stage.quantifier.inner,
        };
        self.strategy_cond(strategy, stage)
    }

    /// IGNORE before a variable's first event.
    fn ignore_cond(&self, stage: &Stage<E>) -> Option<Cond<E>> {
        let strategy = match self.group {
            Some(g) if self.idx == 0 => {
                if self.group_first_of_loop() {
                    g.consuming
                } else {
                    g.quantifier.inner
                }
            }
            _ => stage.consuming,
        };
        self.strategy_cond(strategy, stage)
    }
}

struct Saved<'p, E> {
    seq: &'p [Stage<E>],
    idx: usize,
    following: Option<&'p Stage<E>>,
    group: Option<&'p Stage<E>>,
}

/// A window in ms (saturating).
pub(crate) fn millis(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// `cond` and not `until` (a take condition without one becomes not `until`).
fn extend_until<E>(cond: Option<Cond<E>>, until: Option<Cond<E>>, take: bool) -> Option<Cond<E>> {
    match (cond, until) {
        (Some(c), Some(u)) => Some(u.not().and(c)),
        (None, Some(u)) if take => Some(u.not()),
        (c, _) => c,
    }
}
