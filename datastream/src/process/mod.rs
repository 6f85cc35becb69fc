//! Keyed process functions (Flink's `KeyedProcessFunction`): user code called for each
//! record of a keyed stream and for each of its timers, with keyed state
//! ([`state`]) and a timer service ([`timers`]) for the record's key, emitting to a main
//! output, a side output and any number of tagged side outputs ([`OutputTag`]). The
//! operator runs on the operator shell ([`crate::shell`]); [`ProcessFunction`] is the
//! non-keyed kind.
//!
//! The logic is in [`ProcessCore`], free of timely, so that [`KeyedProcessHarness`]
//! (Flink's operator test harness) drives exactly what the dataflow operator
//! ([`operator`]) runs.
//!
//! ```
//! use strom_core::RuntimeConfig;
//! use strom_datastream::process::{Context, KeyedProcessFunction, MapState};
//! use strom_datastream::{WatermarkStrategy, execute};
//!
//! /// Counts each key's records per second of event time, emitted as each second ends
//! /// (records of later seconds may come first: counts are kept by second).
//! struct PerSecond {
//!     counts: MapState<i64, u64>,
//! }
//!
//! type Ctx<'a> = Context<'a, char, (char, i64, u64), ()>;
//!
//! impl KeyedProcessFunction<char, char> for PerSecond {
//!     type Out = (char, i64, u64);
//!     type Side = ();
//!     fn process_element(&mut self, _: char, ctx: &mut Ctx<'_>) {
//!         let end = ctx.timestamp() - ctx.timestamp() % 1_000 + 1_000;
//!         let n = self.counts.get(ctx, &end).unwrap_or(0);
//!         self.counts.put(ctx, end, n + 1);
//!         ctx.register_event_time_timer(end - 1);
//!     }
//!     fn on_timer(&mut self, ts: i64, ctx: &mut Ctx<'_>) {
//!         let n = self.counts.get(ctx, &(ts + 1)).unwrap_or(0);
//!         self.counts.remove(ctx, &(ts + 1));
//!         ctx.collect((*ctx.key(), ts + 1, n));
//!     }
//! }
//!
//! // A record every 10 ms for 3 s: every third is 'b'.
//! let events: Vec<(i64, char)> =
//!     (0..300).map(|i| (i * 10, if i % 3 == 0 { 'b' } else { 'a' })).collect();
//! let mut out = execute(&RuntimeConfig::default().with_workers(2), move |env| {
//!     env.from_timestamped(events.clone(), WatermarkStrategy::monotonous())
//!         .key_by(|c: &char| *c)
//!         .process(PerSecond { counts: MapState::new("counts") })
//!         .main
//! })
//! .unwrap()
//! .unwrap();
//! out.sort();
//! assert_eq!(
//!     out,
//!     [('a', 1_000, 66), ('a', 2_000, 67), ('a', 3_000, 67),
//!      ('b', 1_000, 34), ('b', 2_000, 33), ('b', 3_000, 33)]
//! );
//! ```

mod harness;
pub mod operator;
pub mod state;
pub mod timers;
mod unkeyed;

pub use harness::KeyedProcessHarness;
pub use operator::Processed;
pub use state::{
    AggregatingState, KeyedAccess, KeyedStates, ListState, MapState, ReducingState, ValueState,
};
pub use strom_core::state::{Ttl, TtlUpdate, TtlVisibility};
pub use timers::{TimeDomain, Timers};
pub use unkeyed::{ProcessContext, ProcessFunction};

use std::hash::Hash;
use std::rc::Rc;

use strom_core::state::{KeyGroupRange, StateBackend};
use strom_core::time::{ProcessingClock, StreamTime};

use crate::checkpoint::{GroupSink, Part};
use crate::shell::Tagged;
pub use crate::shell::{OutputTag, OutputTags};
use crate::stream::{Data, Timestamped};

/// User logic for each record of a keyed stream and each timer it sets.
pub trait KeyedProcessFunction<K, I>: 'static {
    /// Records of the main output.
    type Out: Data;
    /// Records of the side output (`()` when unused).
    type Side: Data;

    /// Called for each record, with the record's key, event time and state in `ctx`.
    fn process_element(&mut self, value: I, ctx: &mut Context<'_, K, Self::Out, Self::Side>);

    /// Called when a timer of the context's key fires; `ctx.time_domain()` says which
    /// kind. Output carries the timer's time.
    fn on_timer(&mut self, timestamp: i64, ctx: &mut Context<'_, K, Self::Out, Self::Side>) {
        let _ = (timestamp, ctx);
    }

    /// The tagged side outputs the function emits to with [`Context::output_to`]
    /// (Flink's `OutputTag`s), each read back with `Processed::side_output`. Called once,
    /// when the operator is built.
    fn output_tags(&self) -> OutputTags {
        OutputTags::new()
    }
}

/// What a process function sees of its operator while handling one record or timer.
pub struct Context<'a, K, O, S> {
    key: &'a K,
    group: u32,
    timestamp: i64,
    domain: Option<TimeDomain>,
    watermark: i64,
    now: i64,
    at: StreamTime,
    states: &'a mut KeyedStates<K>,
    timers: &'a mut Timers<K>,
    out: &'a mut Vec<Timestamped<O>>,
    side: &'a mut Vec<Timestamped<S>>,
    tags: &'a OutputTags,
    tagged: &'a mut Vec<Timestamped<Tagged>>,
}

impl<K: Hash + Eq + Clone, O, S> Context<'_, K, O, S> {
    /// The current key.
    pub fn key(&self) -> &K {
        self.key
    }

    /// The event time of the record, or the time of the firing timer.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// In `on_timer`, the kind of timer firing; `None` for a record.
    pub fn time_domain(&self) -> Option<TimeDomain> {
        self.domain
    }

    /// The operator's current event-time watermark.
    pub fn current_watermark(&self) -> i64 {
        self.watermark
    }

    /// The current processing time (ms since the Unix epoch).
    pub fn current_processing_time(&self) -> i64 {
        self.now
    }

    /// Sets the event time that later `collect`, `output` and `output_to` calls stamp
    /// (Flink's `TimestampedCollector.setAbsoluteTimestamp`; [`Context::timestamp`]
    /// gives it from then on). A time before the record's or the firing timer's may
    /// be behind the watermark downstream: late there.
    pub fn set_timestamp(&mut self, ts: i64) {
        self.timestamp = ts;
    }

    /// Emits `value` on the main output at [`Context::timestamp`].
    pub fn collect(&mut self, value: O) {
        self.out.push(Timestamped {
            ts: self.timestamp,
            value,
        });
    }

    /// Emits `value` on the main output with event time `ts` (a join's pair at the
    /// later of its records' times).
    pub fn collect_at(&mut self, ts: i64, value: O) {
        self.out.push(Timestamped { ts, value });
    }

    /// Emits `value` on the side output at [`Context::timestamp`].
    pub fn output(&mut self, value: S) {
        self.side.push(Timestamped {
            ts: self.timestamp,
            value,
        });
    }

    /// Emits `value` on the side output of `tag` at [`Context::timestamp`].
    ///
    /// # Panics
    /// When the function's `output_tags` did not declare `tag`.
    pub fn output_to<T: Data>(&mut self, tag: &OutputTag<T>, value: T) {
        self.tagged.push(Timestamped {
            ts: self.timestamp,
            value: self.tags.tagged(tag, value),
        });
    }

    /// Sets a timer for the current key that fires once the watermark reaches `ts`
    /// (one per key and time: setting it again does nothing).
    pub fn register_event_time_timer(&mut self, ts: i64) {
        self.timers.register_event(self.key, ts, self.at);
    }

    /// Deletes the current key's event-time timer at `ts`.
    pub fn delete_event_time_timer(&mut self, ts: i64) {
        self.timers.delete_event(self.key, ts);
    }

    /// Sets a timer for the current key that fires once the processing clock reaches
    /// `ts`.
    pub fn register_processing_time_timer(&mut self, ts: i64) {
        self.timers.register_processing(self.key, ts);
    }

    /// Deletes the current key's processing-time timer at `ts`.
    pub fn delete_processing_time_timer(&mut self, ts: i64) {
        self.timers.delete_processing(self.key, ts);
    }
}

impl<K, O, S> KeyedAccess<K> for Context<'_, K, O, S> {
    fn access(&mut self) -> (&mut KeyedStates<K>, &K, u32, i64) {
        (self.states, self.key, self.group, self.now)
    }
}

/// A keyed process function with its state and timers: what the operator and the
/// test harness both run.
pub struct ProcessCore<K, I, F: KeyedProcessFunction<K, I>> {
    f: F,
    key: Rc<dyn Fn(&I) -> K>,
    states: KeyedStates<K>,
    timers: Timers<K>,
    clock: ProcessingClock,
    watermark: i64,
    last_sweep: i64,
    /// Main output not yet sent.
    pub out: Vec<Timestamped<F::Out>>,
    /// Side output not yet sent.
    pub side: Vec<Timestamped<F::Side>>,
    /// Tagged side output not yet sent.
    pub(crate) tagged: Vec<Timestamped<Tagged>>,
    tags: OutputTags,
}

/// One key group of a process function's checkpoint: its states and timers.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(bound = "K: serde::Serialize + serde::de::DeserializeOwned")]
struct GroupSnapshot<K> {
    states: Vec<(String, Vec<u8>)>,
    event: Vec<(i64, K)>,
    processing: Vec<(i64, K)>,
}

impl<K> Default for GroupSnapshot<K> {
    fn default() -> Self {
        GroupSnapshot {
            states: Vec::new(),
            event: Vec::new(),
            processing: Vec::new(),
        }
    }
}

/// How often (processing-time ms) state is swept of expired entries.
const SWEEP_EVERY_MS: i64 = 1_000;

impl<K: Data + Hash + Eq, I, F: KeyedProcessFunction<K, I>> ProcessCore<K, I, F> {
    /// `f` over the key groups of `range`, keys read by `key`, time from `clock`, state
    /// on `backend`.
    pub fn new(
        f: F,
        key: Rc<dyn Fn(&I) -> K>,
        range: KeyGroupRange,
        clock: ProcessingClock,
        backend: StateBackend,
    ) -> Self {
        let now = clock.now();
        let tags = f.output_tags();
        ProcessCore {
            f,
            tags,
            tagged: Vec::new(),
            key,
            states: KeyedStates::new(range, backend),
            timers: Timers::default(),
            clock,
            watermark: i64::MIN,
            last_sweep: now,
            out: Vec::new(),
            side: Vec::new(),
        }
    }

    /// The tagged side outputs the function declared.
    pub fn tags(&self) -> &OutputTags {
        &self.tags
    }

    /// The function's state.
    pub fn states(&self) -> &KeyedStates<K> {
        &self.states
    }

    /// The pending timers.
    pub fn timers(&self) -> &Timers<K> {
        &self.timers
    }

    /// The pending timers, to take their output times.
    pub fn timers_mut(&mut self) -> &mut Timers<K> {
        &mut self.timers
    }

    /// The current watermark.
    pub fn watermark(&self) -> i64 {
        self.watermark
    }

    /// The processing clock.
    pub fn clock(&self) -> &ProcessingClock {
        &self.clock
    }

    fn call(
        &mut self,
        key: &K,
        timestamp: i64,
        domain: Option<TimeDomain>,
        at: StreamTime,
        arg: Option<I>,
    ) {
        let now = self.clock.now();
        let mut ctx = Context {
            key,
            group: self.states.range().group_of(key),
            timestamp,
            domain,
            watermark: self.watermark,
            now,
            at,
            states: &mut self.states,
            timers: &mut self.timers,
            out: &mut self.out,
            side: &mut self.side,
            tags: &self.tags,
            tagged: &mut self.tagged,
        };
        match arg {
            Some(value) => self.f.process_element(value, &mut ctx),
            None => self.f.on_timer(timestamp, &mut ctx),
        }
        if now - self.last_sweep >= SWEEP_EVERY_MS {
            self.states.expire(now);
            self.last_sweep = now;
        }
    }

    /// The snapshot of every key group with state or timers, written to `sink` group
    /// by group: in full, or as a delta when the states track their changes and the
    /// group has a chain to add it to (timers are always written whole).
    ///
    /// # Panics
    /// When state cannot be serialised (a bug in a state type).
    pub fn snapshot(&mut self, sink: &mut dyn GroupSink) {
        let range = self.states.range();
        let (event, processing) = self.timers.snapshot();
        let mut timers: std::collections::BTreeMap<u32, GroupSnapshot<K>> = Default::default();
        for (ts, k) in event {
            timers
                .entry(range.group_of(&k))
                .or_default()
                .event
                .push((ts, k));
        }
        for (ts, k) in processing {
            timers
                .entry(range.group_of(&k))
                .or_default()
                .processing
                .push((ts, k));
        }
        let incremental = self.states.incremental();
        for g in range.start..range.end {
            let delta = incremental && !sink.full_due(g);
            let states = if delta {
                self.states.delta_group(g)
            } else {
                self.states.snapshot_group(g)
            }
            .expect("state serialises");
            let mut snap = timers.remove(&g).unwrap_or_default();
            let empty = states.is_empty() && snap.event.is_empty() && snap.processing.is_empty();
            if empty && !delta {
                continue;
            }
            snap.states = states;
            let bytes = bincode::serialize(&snap).expect("state serialises");
            // A delta is written even when empty: it says the group is unchanged.
            sink.emit(
                g,
                if delta {
                    Part::Delta(bytes)
                } else {
                    Part::Full(bytes)
                },
            );
        }
    }

    /// Restores one key group from its snapshot: a full one and the deltas after it,
    /// in order; restored event-time timers (those of the last part) output at stream
    /// time `at` or later.
    ///
    /// # Errors
    /// When the bytes are not this operator's snapshot.
    pub fn restore_group(
        &mut self,
        group: u32,
        parts: &[Part],
        at: StreamTime,
    ) -> strom_core::Result<()> {
        let mut last = None;
        for part in parts {
            let (bytes, delta) = match part {
                Part::Full(b) => (b, false),
                Part::Delta(b) => (b, true),
            };
            let snap: GroupSnapshot<K> = bincode::deserialize(bytes).map_err(|e| {
                strom_core::Error::format(
                    format!("key group {group}"),
                    format!("not this operator's snapshot: {e}"),
                )
            })?;
            self.states.restore_parts(group, &snap.states, delta)?;
            last = Some(snap);
        }
        let Some(snap) = last else { return Ok(()) };
        for (ts, k) in &snap.event {
            self.timers.register_event(k, *ts, at);
        }
        for (ts, k) in &snap.processing {
            self.timers.register_processing(k, *ts);
        }
        Ok(())
    }

    /// Handles a record sent at stream time `at`.
    pub fn element(&mut self, at: StreamTime, record: Timestamped<I>) {
        let key = (self.key)(&record.value);
        self.call(&key, record.ts, None, at, Some(record.value));
    }

    /// Moves the watermark to `watermark` (never back).
    pub fn advance_watermark(&mut self, watermark: i64) {
        self.watermark = self.watermark.max(watermark);
    }

    /// Fires the earliest event-time timer at or before the watermark, giving the
    /// stream time its output goes out at; `None` when none is due.
    pub fn fire_event_timer(&mut self) -> Option<StreamTime> {
        let (ts, key, at) = self.timers.pop_event(self.watermark)?;
        self.call(&key, ts, Some(TimeDomain::EventTime), at, None);
        Some(at)
    }

    /// Fires the earliest processing-time timer due on the clock, handling it at stream
    /// time `at`; false when none is due.
    pub fn fire_processing_timer(&mut self, at: StreamTime) -> bool {
        let Some((ts, key)) = self.timers.pop_processing(self.clock.now()) else {
            return false;
        };
        self.call(&key, ts, Some(TimeDomain::ProcessingTime), at, None);
        true
    }
}
