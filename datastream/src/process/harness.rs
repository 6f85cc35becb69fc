//! [`KeyedProcessHarness`]: a keyed process function driven by hand (Flink's
//! `KeyedOneInputStreamOperatorTestHarness`): records, watermarks and processing time
//! given one at a time, outputs read back. It runs the same [`ProcessCore`] as the
//! dataflow operator, on one worker owning every key group.

use std::hash::Hash;
use std::rc::Rc;

use strom_core::config::DEFAULT_KEY_GROUPS;
use strom_core::state::{KeyGroupRange, StateBackend};
use strom_core::time::{ProcessingClock, StreamTime};

use super::{KeyedProcessFunction, KeyedStates, ProcessCore, Timers};
use crate::stream::{Data, Timestamped};

/// A keyed process function under test.
pub struct KeyedProcessHarness<K, I, F: KeyedProcessFunction<K, I>> {
    core: ProcessCore<K, I, F>,
}

impl<K: Data + Hash + Eq, I, F: KeyedProcessFunction<K, I>> KeyedProcessHarness<K, I, F> {
    /// `f` keyed by `key`, with the processing clock at 0 and state on the heap.
    pub fn new(f: F, key: impl Fn(&I) -> K + 'static) -> Self {
        Self::on_backend(f, key, StateBackend::Heap)
    }

    /// `f` keyed by `key`, with the processing clock at 0 and state on `backend`.
    pub fn on_backend(f: F, key: impl Fn(&I) -> K + 'static, backend: StateBackend) -> Self {
        KeyedProcessHarness {
            core: ProcessCore::new(
                f,
                Rc::new(key),
                KeyGroupRange::for_worker(0, 1, DEFAULT_KEY_GROUPS),
                ProcessingClock::manual(0),
                backend,
            ),
        }
    }

    fn now(&self) -> StreamTime {
        StreamTime::at_watermark(0, self.core.watermark())
    }

    /// Handles a record of event time `ts`.
    pub fn process_element(&mut self, ts: i64, value: I) {
        let at = self.now();
        self.core.element(at, Timestamped { ts, value });
    }

    /// Moves the watermark to `watermark`, firing the event-time timers it passes.
    pub fn process_watermark(&mut self, watermark: i64) {
        self.core.advance_watermark(watermark);
        while self.core.fire_event_timer().is_some() {}
    }

    /// Sets the processing clock to `ms`, firing the processing-time timers it passes.
    pub fn set_processing_time(&mut self, ms: i64) {
        self.core.clock().set(ms);
        let at = self.now();
        while self.core.fire_processing_timer(at) {}
    }

    /// The main output so far, as `(event time, record)`, and forgets it.
    pub fn take_output(&mut self) -> Vec<(i64, F::Out)> {
        self.core.out.drain(..).map(|r| (r.ts, r.value)).collect()
    }

    /// The side output so far, and forgets it.
    pub fn take_side_output(&mut self) -> Vec<(i64, F::Side)> {
        self.core.side.drain(..).map(|r| (r.ts, r.value)).collect()
    }

    /// The side output of `tag` so far, and forgets it.
    ///
    /// # Panics
    /// When the function did not declare `tag`.
    pub fn take_tagged_output<T: Data>(&mut self, tag: &super::OutputTag<T>) -> Vec<(i64, T)> {
        let index = self.core.tags().expect_index(tag);
        let (mine, rest): (Vec<_>, Vec<_>) = self
            .core
            .tagged
            .drain(..)
            .partition(|r| r.value.index() == index);
        self.core.tagged = rest;
        mine.into_iter()
            .filter_map(|r| r.value.take(index).map(|v| (r.ts, v)))
            .collect()
    }

    /// The function's state.
    pub fn states(&self) -> &KeyedStates<K> {
        self.core.states()
    }

    /// The pending timers.
    pub fn timers(&self) -> &Timers<K> {
        self.core.timers()
    }
}
