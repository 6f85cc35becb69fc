//! Patterns on DataStream (Flink's `CEP.pattern(stream, pattern)`): the NFA of each
//! key runs in a keyed process function whose one value state holds the key's
//! partial matches, shared buffer and buffered events, so the operator shell
//! checkpoints, restores and rescales it by key group like any keyed state.
//!
//! In event time, records wait in the state until the watermark passes them, then go
//! through the NFA in time order; records at or behind the watermark are late and go
//! to the late tag, if one was given. A key has at most two timers: one at its
//! earliest waiting record's time (set when that changes, not per record), which
//! runs every record the watermark has passed, and one at the earliest `within`
//! deadline (the whole pattern's or a variable's), which times partial matches out.
//! Matches carry their last event's time, timeouts their deadline (Flink's
//! CepOperator stamps them so too). In processing time, records go through the NFA
//! as they arrive, and processing-time timers time partial matches out. A key with
//! nothing in progress keeps no state.

use std::collections::BTreeMap;
use std::hash::Hash;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use strom_datastream::process::{Context, KeyedProcessFunction, OutputTag, OutputTags, ValueState};
use strom_datastream::{Data, DataStream, KeyedStream, process::Processed};

use crate::error::Result;
use crate::nfa::{Compiled, Match, NfaState, TimedOut};
use crate::pattern::Pattern;

/// What a pattern stream does with matches and timed-out partial matches (Flink's
/// `PatternProcessFunction` with `TimedOutPartialMatchHandler`). The context is the
/// keyed process function's: `collect` to the main output, `output_to` a tag.
pub trait PatternProcessFunction<K, E>: 'static {
    /// Records of the main output.
    type Out: Data;

    /// Called for each match, at the time of its last event (in event time; of the
    /// time reached, for matches that advancing time released; in processing time, of
    /// the record or timer).
    fn process_match(&mut self, matched: Match<E>, ctx: &mut Context<'_, K, Self::Out, ()>);

    /// Called for each partial match that `within` timed out (default: dropped).
    fn process_timed_out(
        &mut self,
        timed_out: TimedOut<E>,
        ctx: &mut Context<'_, K, Self::Out, ()>,
    ) {
        let _ = (timed_out, ctx);
    }

    /// Tagged side outputs the function writes to (as a process function's).
    fn output_tags(&self) -> OutputTags {
        OutputTags::new()
    }
}

/// Which clock drives the NFA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Clock {
    Event,
    Processing,
}

/// A keyed stream with a pattern on it (Flink's `PatternStream`).
pub struct PatternStream<'s, E, K> {
    input: KeyedStream<'s, E, K>,
    compiled: Arc<Compiled<E>>,
    clock: Clock,
    late: Option<OutputTag<E>>,
}

/// Runs `pattern` over each key of `input` (Flink's `CEP.pattern`).
///
/// # Errors
/// When the pattern is malformed.
pub fn pattern<'s, E: Data, K: Data + Hash + Eq>(
    input: KeyedStream<'s, E, K>,
    pattern: &Pattern<E>,
) -> Result<PatternStream<'s, E, K>> {
    Ok(PatternStream {
        input,
        compiled: Arc::new(Compiled::new(pattern)?),
        clock: Clock::Event,
        late: None,
    })
}

/// Runs `pattern` over a whole non-keyed stream, on one worker (Flink's `CEP.pattern`
/// on a non-keyed stream, whose parallelism is 1).
///
/// # Errors
/// When the pattern is malformed.
pub fn pattern_all<'s, E: Data>(
    input: &DataStream<'s, E>,
    pattern: &Pattern<E>,
) -> Result<PatternStream<'s, E, ()>> {
    self::pattern(input.key_by(|_: &E| ()), pattern)
}

impl<'s, E: Data, K: Data + Hash + Eq> PatternStream<'s, E, K> {
    /// Runs the NFA in processing time (Flink's `inProcessingTime()`): records in
    /// arrival order, `within` on the processing clock.
    #[must_use]
    pub fn in_processing_time(mut self) -> Self {
        self.clock = Clock::Processing;
        self
    }

    /// Sends records behind the watermark to `tag` (Flink's `sideOutputLateData`);
    /// without it they are dropped.
    #[must_use]
    pub fn side_output_late_data(mut self, tag: &OutputTag<E>) -> Self {
        self.late = Some(tag.clone());
        self
    }

    /// Runs `function` on every match and timed-out partial match.
    pub fn process<F: PatternProcessFunction<K, E>>(
        self,
        function: F,
    ) -> Processed<'s, F::Out, ()> {
        self.input.process(CepFunction {
            f: function,
            compiled: self.compiled,
            clock: self.clock,
            late: self.late,
            state: ValueState::new("cep"),
        })
    }

    /// One record per match (Flink's `select`).
    pub fn select<O: Data>(self, f: impl FnMut(Match<E>) -> O + 'static) -> DataStream<'s, O> {
        let mut f = f;
        self.flat_select(move |m| Some(f(m)))
    }

    /// Any number of records per match (Flink's `flatSelect`).
    pub fn flat_select<I>(self, f: impl FnMut(Match<E>) -> I + 'static) -> DataStream<'s, I::Item>
    where
        I: IntoIterator,
        I::Item: Data,
    {
        self.process(Select {
            select: f,
            timeout: None::<(OutputTag<()>, fn(TimedOut<E>) -> ())>,
        })
        .main
    }

    /// One record per match on the main output and one per timed-out partial match
    /// on `timeout_tag` (Flink's `select(tag, timeoutFunction, selectFunction)`): read
    /// it with `side_output(&timeout_tag)`, and the late tag likewise.
    pub fn select_with_timeout<O: Data, T: Data>(
        self,
        timeout_tag: &OutputTag<T>,
        on_timeout: impl FnMut(TimedOut<E>) -> T + 'static,
        mut select: impl FnMut(Match<E>) -> O + 'static,
    ) -> Processed<'s, O, ()> {
        self.process(Select {
            select: move |m| Some(select(m)),
            timeout: Some((timeout_tag.clone(), on_timeout)),
        })
    }
}

/// `select` and `flat_select` as a pattern process function.
struct Select<S, T> {
    select: S,
    timeout: T,
}

impl<K, E, S, I, TT, TF> PatternProcessFunction<K, E> for Select<S, Option<(OutputTag<TT>, TF)>>
where
    E: 'static,
    K: Hash + Eq + Clone + 'static,
    S: FnMut(Match<E>) -> I + 'static,
    I: IntoIterator,
    I::Item: Data,
    TT: Data,
    TF: FnMut(TimedOut<E>) -> TT + 'static,
{
    type Out = I::Item;

    fn process_match(&mut self, matched: Match<E>, ctx: &mut Context<'_, K, I::Item, ()>) {
        for o in (self.select)(matched) {
            ctx.collect(o);
        }
    }

    fn process_timed_out(&mut self, timed_out: TimedOut<E>, ctx: &mut Context<'_, K, I::Item, ()>) {
        if let Some((tag, f)) = &mut self.timeout {
            let v = f(timed_out);
            ctx.output_to(tag, v);
        }
    }

    fn output_tags(&self) -> OutputTags {
        match &self.timeout {
            Some((tag, _)) => OutputTags::new().with(tag),
            None => OutputTags::new(),
        }
    }
}

/// One key's state: its NFA and the records waiting for the watermark, by time.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(bound = "E: Serialize + serde::de::DeserializeOwned")]
struct KeyState<E> {
    nfa: NfaState<E>,
    waiting: BTreeMap<i64, Vec<E>>,
}

/// The pattern operator as a keyed process function around the NFA: what
/// [`PatternStream::process`] runs (Flink's `CepOperator`), public so that tests can
/// drive it with the operator test harness
/// ([`strom_datastream::process::KeyedProcessHarness`]).
pub struct CepFunction<E, F> {
    f: F,
    compiled: Arc<Compiled<E>>,
    clock: Clock,
    late: Option<OutputTag<E>>,
    state: ValueState<KeyState<E>>,
}

impl<E: Data, F> CepFunction<E, F> {
    /// Runs `pattern` per key in event time, handing matches and timeouts to
    /// `function`.
    ///
    /// # Errors
    /// When the pattern is malformed.
    pub fn new(pattern: &Pattern<E>, function: F) -> Result<Self> {
        Ok(CepFunction {
            f: function,
            compiled: Arc::new(Compiled::new(pattern)?),
            clock: Clock::Event,
            late: None,
            state: ValueState::new("cep"),
        })
    }

    /// In processing time (as [`PatternStream::in_processing_time`]).
    #[must_use]
    pub fn in_processing_time(mut self) -> Self {
        self.clock = Clock::Processing;
        self
    }

    /// Late records to `tag` (as [`PatternStream::side_output_late_data`]).
    #[must_use]
    pub fn side_output_late_data(mut self, tag: &OutputTag<E>) -> Self {
        self.late = Some(tag.clone());
        self
    }

    /// Runs the NFA to `ts` then over `event` (when one), handing on what comes out;
    /// in event time, stamped with their own times, never before `floor` (the time
    /// of the timer running them, which the output is sent at).
    fn feed<K: Hash + Eq + Clone>(
        &mut self,
        state: &mut KeyState<E>,
        (ts, floor): (i64, i64),
        event: Option<E>,
        ctx: &mut Context<'_, K, F::Out, ()>,
    ) where
        F: PatternProcessFunction<K, E>,
    {
        let event_time = self.clock == Clock::Event;
        let (matches, timeouts) = self
            .compiled
            .advance_time(&mut state.nfa, ts)
            .unwrap_or_else(|e| panic!("CEP operator: {e}"));
        for t in timeouts {
            if event_time {
                ctx.set_timestamp(t.timeout.max(floor));
            }
            self.f.process_timed_out(t, ctx);
        }
        if event_time {
            ctx.set_timestamp(ts.max(floor));
        }
        for m in matches {
            self.f.process_match(m, ctx);
        }
        if let Some(event) = event {
            let matches = self
                .compiled
                .process(&mut state.nfa, event, ts)
                .unwrap_or_else(|e| panic!("CEP operator: {e}"));
            for m in matches {
                self.f.process_match(m, ctx);
            }
        }
    }

    /// Stores the key's state (none when nothing is in progress) and sets the timer
    /// for its next timeout.
    fn store<K: Data + Hash + Eq>(
        &mut self,
        state: KeyState<E>,
        ctx: &mut Context<'_, K, F::Out, ()>,
    ) where
        F: PatternProcessFunction<K, E>,
    {
        if let Some(deadline) = self.compiled.next_timeout(&state.nfa) {
            match self.clock {
                Clock::Event => ctx.register_event_time_timer(deadline),
                Clock::Processing => ctx.register_processing_time_timer(deadline),
            }
        }
        if state.nfa.is_empty() && state.waiting.is_empty() {
            self.state.clear(ctx);
        } else {
            self.state.update(ctx, state);
        }
    }

    fn load<K: Data + Hash + Eq>(&self, ctx: &mut Context<'_, K, F::Out, ()>) -> KeyState<E>
    where
        F: PatternProcessFunction<K, E>,
    {
        self.state.take(ctx).unwrap_or_else(|| KeyState {
            nfa: self.compiled.initial(),
            waiting: BTreeMap::new(),
        })
    }
}

impl<K, E, F> KeyedProcessFunction<K, E> for CepFunction<E, F>
where
    K: Data + Hash + Eq,
    E: Data,
    F: PatternProcessFunction<K, E>,
{
    type Out = F::Out;
    type Side = ();

    fn process_element(&mut self, value: E, ctx: &mut Context<'_, K, F::Out, ()>) {
        let ts = ctx.timestamp();
        match self.clock {
            Clock::Event => {
                // Flink's CepOperator: a record at or before the watermark is late.
                if ts <= ctx.current_watermark() {
                    if let Some(tag) = &self.late {
                        ctx.output_to(tag, value);
                    }
                    return;
                }
                let mut state = self.load(ctx);
                if state
                    .waiting
                    .first_key_value()
                    .is_none_or(|(&first, _)| ts < first)
                {
                    // Fires once the watermark reaches ts: every record at ts is in.
                    ctx.register_event_time_timer(ts);
                }
                state.waiting.entry(ts).or_default().push(value);
                // The NFA did not move: its timeout timer stands.
                self.state.update(ctx, state);
            }
            Clock::Processing => {
                let now = ctx.current_processing_time();
                let mut state = self.load(ctx);
                self.feed(&mut state, (now, i64::MIN), Some(value), ctx);
                self.store(state, ctx);
            }
        }
    }

    fn on_timer(&mut self, timestamp: i64, ctx: &mut Context<'_, K, F::Out, ()>) {
        let mut state = self.load(ctx);
        if self.clock == Clock::Event {
            // Every record the watermark passed, not only those at `timestamp`: a
            // key's later timers then find nothing to do.
            let watermark = ctx.current_watermark().max(timestamp);
            let ready = match watermark.checked_add(1) {
                Some(end) => {
                    let later = state.waiting.split_off(&end);
                    std::mem::replace(&mut state.waiting, later)
                }
                None => std::mem::take(&mut state.waiting),
            };
            for (ts, events) in ready {
                for e in events {
                    self.feed(&mut state, (ts, timestamp), Some(e), ctx);
                }
            }
            if let Some((&next, _)) = state.waiting.first_key_value() {
                ctx.register_event_time_timer(next);
            }
        }
        self.feed(&mut state, (timestamp, timestamp), None, ctx);
        self.store(state, ctx);
    }

    fn output_tags(&self) -> OutputTags {
        let tags = self.f.output_tags();
        match &self.late {
            Some(tag) => tags.with(tag),
            None => tags,
        }
    }
}
