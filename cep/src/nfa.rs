//! Running a compiled pattern (Flink's `NFA`): per key, a set of computation states
//! (partial matches: an NFA state and a pointer to its last node in the shared
//! buffer, which names its whole path), advanced by each event in time order and expired by `within`: the
//! whole pattern's, from a partial match's first event, and its current state's (a
//! variable's `PreviousAndCurrent` window or a loop window), from its last event (the
//! time of the buffer node it points to, so the state has no field for it: Flink's
//! `previousTimestamp`).
//!
//! [`Nfa`] is the harness for one key without a dataflow (Flink's `NFATestHarness`):
//! call [`Nfa::advance_time`] before [`Nfa::process`] at each new time, as the
//! DataStream operator does, so that partial matches older than `within` time out
//! before the event could extend them.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::buffer::{EventId, NodeId, Path, SharedBuffer};
use crate::compile::{Action, Graph, StateId, StateKind, compile, millis};
use crate::condition::Ctx;
use crate::error::{Error, Result};
use crate::pattern::Pattern;
use crate::skip::AfterMatchSkipStrategy;

/// A match: the events of each pattern variable, in order (Flink's
/// `Map<String, List<E>>`); variables that took no event are absent.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Match<E> {
    entries: Vec<(String, Vec<E>)>,
}

impl<E> Match<E> {
    /// The events of the variable `name` (empty when it took none).
    pub fn get(&self, name: &str) -> &[E] {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map_or(&[], |(_, e)| e.as_slice())
    }

    /// (variable, events) in the order of the variables' first events.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[E])> {
        self.entries.iter().map(|(n, e)| (n.as_str(), e.as_slice()))
    }

    /// Every event of the match, in order.
    pub fn events(&self) -> impl Iterator<Item = &E> {
        self.entries.iter().flat_map(|(_, e)| e)
    }

    /// Whether no variable took an event.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A partial match that `within` ended (Flink's timed-out pattern): its events and
/// the time it timed out at.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TimedOut<E> {
    /// The events the partial match had.
    pub events: Match<E>,
    /// Its last event's time plus the window of the state it waited in, when that
    /// ended it (`PreviousAndCurrent` or a loop window); else its first event's time
    /// plus `within`.
    pub timeout: i64,
}

/// What advancing time gives: matches (a trailing `not_followed_by` whose window
/// ended, or matches released by ended partial matches) and timed-out partial matches.
pub type Advanced<E> = (Vec<Match<E>>, Vec<TimedOut<E>>);

/// A partial match (Flink's `ComputationState`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Computation {
    state: u32,
    prev: Option<NodeId>,
    start_ts: i64,
    start_event: Option<EventId>,
}

impl Computation {
    fn start(state: StateId) -> Self {
        Computation {
            state: state as u32,
            prev: None,
            start_ts: -1,
            start_event: None,
        }
    }

    /// Order of partial matches: by first event, those not started last.
    fn key(&self) -> (i64, u64) {
        self.start_event
            .map_or((i64::MAX, u64::MAX), |e| (e.ts, e.seq))
    }
}

/// What one key's NFA holds between events: partial matches, matches waiting for
/// earlier partial matches (skip strategies), and the shared buffer.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "E: Serialize + serde::de::DeserializeOwned")]
pub struct NfaState<E> {
    partial: Vec<Computation>,
    completed: Vec<Computation>,
    buffer: SharedBuffer<E>,
}

impl<E> NfaState<E> {
    /// Whether only the start state is left and the buffer is empty (nothing to keep).
    pub fn is_empty(&self) -> bool {
        self.partial.len() == 1
            && self.partial[0].start_event.is_none()
            && self.completed.is_empty()
            && self.buffer.is_empty()
    }
}

/// A pattern compiled once, shared by the NFAs of every key.
pub(crate) struct Compiled<E> {
    graph: Graph<E>,
    pub(crate) window: Option<i64>,
    /// Whether any window (the whole pattern's or a variable's) can time out a match.
    timed: bool,
    skip: AfterMatchSkipStrategy,
}

/// The edges one computation state follows on an event: (source state, transition
/// index, final state reached by PROCEEDs after a take).
type Step = Vec<(StateId, usize, Option<StateId>)>;

impl<E: Clone + 'static> Compiled<E> {
    pub(crate) fn new(pattern: &Pattern<E>) -> Result<Self> {
        pattern.validate()?;
        let graph = compile(pattern);
        let window = pattern.within.map(millis);
        if let Some(whole_ms) = window
            // The first variable (in pattern order) whose window is too long.
            && let Some(s) = (graph.states.iter())
                .filter(|s| s.window > Some(whole_ms))
                .min_by_key(|s| s.name)
        {
            return Err(Error::StageWithinTooLong {
                name: graph.names[usize::from(s.name)].clone(),
                stage_ms: s.window.unwrap_or_default(),
                whole_ms,
            });
        }
        let timed = window.is_some() || graph.states.iter().any(|s| s.window.is_some());
        Ok(Compiled {
            graph,
            window,
            timed,
            skip: pattern.skip.clone(),
        })
    }

    /// When `c` times out: (by its variable's window since its last event, by `within`
    /// since its first); none for the start state.
    fn deadlines(&self, c: &Computation) -> (Option<i64>, Option<i64>) {
        if self.is_start(c) {
            return (None, None);
        }
        let step = self.graph.states[c.state as usize]
            .window
            .zip(c.prev)
            .map(|(w, p)| p.event.ts.saturating_add(w));
        (step, self.window.map(|w| c.start_ts.saturating_add(w)))
    }

    /// The earliest time a partial match of `state` times out at.
    pub(crate) fn next_timeout(&self, state: &NfaState<E>) -> Option<i64> {
        state
            .partial
            .iter()
            .filter_map(|c| {
                let (step, whole) = self.deadlines(c);
                step.into_iter().chain(whole).min()
            })
            .min()
    }

    pub(crate) fn initial(&self) -> NfaState<E> {
        NfaState {
            partial: vec![Computation::start(self.graph.start)],
            completed: Vec::new(),
            buffer: SharedBuffer::default(),
        }
    }

    fn kind(&self, state: u32) -> StateKind {
        self.graph.states[state as usize].kind
    }

    fn is_start(&self, c: &Computation) -> bool {
        c.state as usize == self.graph.start
    }

    /// Feeds one event at time `ts` (events in time order).
    pub(crate) fn process(
        &self,
        state: &mut NfaState<E>,
        event: E,
        ts: i64,
    ) -> Result<Vec<Match<E>>> {
        let id = state.buffer.register(event, ts);
        let mut partial = Vec::with_capacity(state.partial.len());
        let mut potential = Vec::new();
        for c in std::mem::take(&mut state.partial) {
            let next = self.next_states(&mut state.buffer, &c, id, ts);
            let mut retain = Vec::new();
            let mut stopped = false;
            for n in next {
                match self.kind(n.state) {
                    StateKind::Final => potential.push(n),
                    StateKind::Stop => {
                        stopped = true;
                        if let Some(p) = n.prev {
                            state.buffer.release_node(p);
                        }
                    }
                    _ => retain.push(n),
                }
            }
            if stopped {
                for r in retain {
                    if let Some(p) = r.prev {
                        state.buffer.release_node(p);
                    }
                }
            } else {
                partial.extend(retain);
            }
        }
        let out = if self.skip.is_skip() {
            self.emit_in_order(state, potential, &mut partial)
        } else {
            let mut out = Vec::with_capacity(potential.len());
            for m in potential {
                let path = state.buffer.extract(m.prev);
                out.push(self.materialize(&state.buffer, &path));
                if let Some(p) = m.prev {
                    state.buffer.release_node(p);
                }
            }
            Ok(out)
        };
        state.partial = partial;
        state.buffer.release_event(id);
        out
    }

    /// The edges computation `c` follows on `event`, without changing anything.
    fn step(&self, buffer: &SharedBuffer<E>, c: &Computation, id: EventId, ts: i64) -> Step {
        let event = buffer.event(id);
        let ctx = Ctx::new(buffer, &self.graph.names, c.prev, ts);
        let mut step = Step::new();
        let mut pending = vec![c.state as usize];
        while let Some(s) = pending.pop() {
            for (i, t) in self.graph.states[s].transitions.iter().enumerate() {
                if !t.cond.eval(event, &ctx) {
                    continue;
                }
                match t.action {
                    Action::Proceed => pending.push(t.target),
                    Action::Take => {
                        let fin = self.final_after_proceed(t.target, event, &ctx);
                        step.push((s, i, fin));
                    }
                    Action::Ignore => step.push((s, i, None)),
                }
            }
        }
        step
    }

    /// A final state reachable from `state` by PROCEED edges that `event` passes (a
    /// match that the optional variables after `state` need not extend).
    fn final_after_proceed(&self, state: StateId, event: &E, ctx: &Ctx<'_, E>) -> Option<StateId> {
        let mut pending = vec![state];
        let mut seen = vec![state];
        while let Some(s) = pending.pop() {
            for t in &self.graph.states[s].transitions {
                if t.action == Action::Proceed && t.cond.eval(event, ctx) {
                    if self.graph.states[t.target].kind == StateKind::Final {
                        return Some(t.target);
                    }
                    if !seen.contains(&t.target) {
                        seen.push(t.target);
                        pending.push(t.target);
                    }
                }
            }
        }
        None
    }

    fn next_states(
        &self,
        buffer: &mut SharedBuffer<E>,
        c: &Computation,
        id: EventId,
        ts: i64,
    ) -> Vec<Computation> {
        let step = self.step(buffer, c, id, ts);
        let start = self.is_start(c);
        let mut out = Vec::with_capacity(step.len() + 1);
        let add = |buffer: &mut SharedBuffer<E>, out: &mut Vec<Computation>, c: Computation| {
            if let Some(p) = c.prev {
                buffer.lock_node(p);
            }
            out.push(c);
        };
        for (source, index, fin) in step {
            let t = &self.graph.states[source].transitions[index];
            match t.action {
                Action::Ignore if !start => {
                    let next = Computation {
                        state: t.target as u32,
                        prev: c.prev,
                        start_ts: c.start_ts,
                        start_event: c.start_event,
                    };
                    add(buffer, &mut out, next);
                }
                Action::Take => {
                    let name = self.graph.states[source].name;
                    let node = buffer.put(name, id, c.prev);
                    let (start_ts, start_event) = if start {
                        (ts, Some(id))
                    } else {
                        (c.start_ts, c.start_event)
                    };
                    for target in std::iter::once(t.target).chain(fin) {
                        let next = Computation {
                            state: target as u32,
                            prev: Some(node),
                            start_ts,
                            start_event,
                        };
                        add(buffer, &mut out, next);
                    }
                }
                _ => {}
            }
        }
        if start {
            out.push(Computation::start(self.graph.start));
        }
        if let Some(p) = c.prev {
            buffer.release_node(p);
        }
        out
    }

    /// Emits completed matches in order of their first events once no partial match
    /// started earlier, pruning by the skip strategy after each.
    fn emit_in_order(
        &self,
        state: &mut NfaState<E>,
        potential: Vec<Computation>,
        partial: &mut Vec<Computation>,
    ) -> Result<Vec<Match<E>>> {
        state.completed.extend(potential);
        state.completed.sort_by_key(Computation::key);
        let mut out = Vec::new();
        while let Some(first) = state.completed.first() {
            let earliest_partial = partial.iter().map(Computation::key).min();
            if earliest_partial.is_some_and(|p| first.key() > p) {
                break;
            }
            let m = state.completed.remove(0);
            let path = state.buffer.extract(m.prev);
            let pruning = match self.skip.pruning_id(&path, &self.graph.names) {
                Ok(pruning) => pruning,
                Err(e) => {
                    // The match is dropped with the error: its nodes go too.
                    if let Some(p) = m.prev {
                        state.buffer.release_node(p);
                    }
                    return Err(e);
                }
            };
            if let Some((pruning, inclusive)) = pruning {
                prune(&mut state.buffer, partial, pruning, inclusive);
                prune(&mut state.buffer, &mut state.completed, pruning, inclusive);
            }
            out.push(self.materialize(&state.buffer, &path));
            if let Some(p) = m.prev {
                state.buffer.release_node(p);
            }
        }
        Ok(out)
    }

    /// Times out partial matches whose first event is `within` or more before `ts`, or
    /// whose last event is their current variable's window or more before it (Flink's
    /// order: that deadline is the one reported when both passed); those waiting out a
    /// trailing `not_followed_by` are matches instead.
    pub(crate) fn advance_time(&self, state: &mut NfaState<E>, ts: i64) -> Result<Advanced<E>> {
        if !self.timed {
            return Ok((Vec::new(), Vec::new()));
        }
        let mut partial = Vec::with_capacity(state.partial.len());
        let mut potential = Vec::new();
        let mut timeouts = Vec::new();
        for c in std::mem::take(&mut state.partial) {
            let (step, whole) = self.deadlines(&c);
            let Some(timeout) = step.filter(|d| ts >= *d).or(whole.filter(|d| ts >= *d)) else {
                partial.push(c);
                continue;
            };
            if self.kind(c.state) == StateKind::Pending {
                potential.push(c);
            } else {
                let path = state.buffer.extract(c.prev);
                timeouts.push(TimedOut {
                    events: self.materialize(&state.buffer, &path),
                    timeout,
                });
                if let Some(p) = c.prev {
                    state.buffer.release_node(p);
                }
            }
        }
        let matches = self.emit_in_order(state, potential, &mut partial);
        state.partial = partial;
        Ok((matches?, timeouts))
    }

    fn materialize(&self, buffer: &SharedBuffer<E>, path: &Path) -> Match<E> {
        Match {
            entries: path
                .iter()
                .map(|(name, ids)| {
                    let events = ids.iter().map(|id| buffer.event(*id).clone()).collect();
                    (self.graph.names[usize::from(*name)].clone(), events)
                })
                .collect(),
        }
    }
}

/// Drops the partial matches that started at or before `pruning` (before it, when
/// not `inclusive`).
fn prune<E>(
    buffer: &mut SharedBuffer<E>,
    list: &mut Vec<Computation>,
    pruning: EventId,
    inclusive: bool,
) {
    list.retain(|c| {
        let drop = c
            .start_event
            .is_some_and(|s| if inclusive { s <= pruning } else { s < pruning });
        if drop && let Some(p) = c.prev {
            buffer.release_node(p);
        }
        !drop
    });
}

/// A compiled pattern with the state of one key: the NFA test harness (Flink's
/// `NFATestHarness`), usable without a dataflow.
///
/// ```
/// use strom_cep::{Nfa, Pattern};
///
/// let p = Pattern::<char>::begin("a").where_(|c| *c == 'a').next("b").where_(|c| *c == 'b');
/// let mut nfa = Nfa::compile(&p).unwrap();
/// let mut found = Vec::new();
/// for (ts, c) in "xabab".chars().enumerate() {
///     found.extend(nfa.process(c, ts as i64).unwrap());
/// }
/// assert_eq!(found.len(), 2);
/// assert!(nfa.is_empty(), "nothing is kept after the matches");
/// ```
pub struct Nfa<E> {
    compiled: Arc<Compiled<E>>,
    state: NfaState<E>,
}

impl<E: Clone + 'static> Nfa<E> {
    /// Compiles `pattern` into an NFA with no partial match yet.
    ///
    /// # Errors
    /// When the pattern is malformed ([`crate::Error`] says how and names the variable).
    pub fn compile(pattern: &Pattern<E>) -> Result<Self> {
        let compiled = Compiled::new(pattern)?;
        let state = compiled.initial();
        Ok(Nfa {
            compiled: Arc::new(compiled),
            state,
        })
    }

    /// Feeds `event` at event time `ts` (not before earlier events): the matches it
    /// completes. With a skip strategy, a match waits until no partial match that
    /// started earlier is left.
    ///
    /// # Errors
    /// A skip strategy with `throw_exception_on_miss` that could not skip.
    pub fn process(&mut self, event: E, ts: i64) -> Result<Vec<Match<E>>> {
        self.compiled.process(&mut self.state, event, ts)
    }

    /// Moves the NFA's time to `ts`: partial matches whose first event is `within` or
    /// more older, or whose last event is the window of the state they wait in (their
    /// next variable's `PreviousAndCurrent` window, or a
    /// [loop window](crate::Pattern#loop-windows)) or more older, time out; matches
    /// waiting on a trailing `not_followed_by` or on earlier partial matches are
    /// emitted.
    ///
    /// # Errors
    /// As [`Nfa::process`].
    pub fn advance_time(&mut self, ts: i64) -> Result<Advanced<E>> {
        self.compiled.advance_time(&mut self.state, ts)
    }

    /// Whether the NFA holds nothing but its start state (no partial match, an empty
    /// shared buffer).
    pub fn is_empty(&self) -> bool {
        self.state.is_empty()
    }

    /// Partial matches in progress (the start state not counted).
    pub fn partial_matches(&self) -> usize {
        self.state
            .partial
            .iter()
            .filter(|c| c.start_event.is_some())
            .count()
    }

    /// A copy of the NFA's state (what the DataStream operator keeps as keyed state and
    /// checkpoints).
    pub fn snapshot(&self) -> NfaState<E> {
        self.state.clone()
    }

    /// Replaces the NFA's state with `state` (taken from an NFA of the same pattern).
    pub fn restore(&mut self, state: NfaState<E>) {
        self.state = state;
    }

    /// (events, nodes) stored in the shared buffer.
    pub fn buffer_sizes(&self) -> (usize, usize) {
        self.state.buffer.sizes()
    }
}
