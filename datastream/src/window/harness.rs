//! [`WindowHarness`]: an event-time window operator driven by hand (Flink's
//! `WindowOperatorTest` harness): elements and watermarks given one at a time, fired
//! windows and late elements read back after each step, and the state taken as a
//! snapshot and restored into a fresh harness. It runs the same window logic, through
//! the same shell hooks, as the dataflow operator, on one worker owning every key
//! group, on the heap.

use std::hash::Hash;
use std::rc::Rc;

use strom_core::config::DEFAULT_KEY_GROUPS;
use strom_core::state::{KeyGroupRange, StateBackend};
use strom_core::time::StreamTime;

use super::WindowResult;
use super::driver::{WindowLogic, Windows};
use super::session::Sessions;
use crate::checkpoint::{GroupSink, Part};
use crate::shell::{Held, Outputs, StatefulLogic};
use crate::stream::{Data, Timestamped};

/// A window operator's state as a checkpoint holds it: its key groups' bytes.
#[derive(Clone, Debug, Default)]
pub struct WindowSnapshot {
    groups: Vec<(u32, Vec<u8>)>,
}

impl GroupSink for WindowSnapshot {
    fn full_due(&self, _: u32) -> bool {
        true
    }

    fn emit(&mut self, group: u32, part: Part) {
        let (Part::Full(bytes) | Part::Delta(bytes)) = part;
        self.groups.push((group, bytes));
    }
}

/// An event-time window operator under test: windows of `T` by key `K` with results
/// `O`.
pub struct WindowHarness<T, K, O> {
    logic: Box<dyn StatefulLogic<T, Out = WindowResult<K, O>, Side = T>>,
    watermark: i64,
    out: Outputs<WindowResult<K, O>, T>,
    output: Vec<(i64, WindowResult<K, O>)>,
    late: Vec<(i64, T)>,
}

/// Every key group, on one worker.
fn all_groups() -> KeyGroupRange {
    KeyGroupRange::for_worker(0, 1, DEFAULT_KEY_GROUPS)
}

impl<T: Data, K: Data + Hash + Eq, O: Data> WindowHarness<T, K, O> {
    fn on<L: WindowLogic<T, WindowResult<K, O>>>(logic: L) -> Self {
        WindowHarness {
            logic: Box::new(Windows::open(logic, all_groups(), &StateBackend::Heap)),
            watermark: i64::MIN,
            out: Outputs::default(),
            output: Vec::new(),
            late: Vec::new(),
        }
    }

    /// Sliding windows of `size` ms every `slide` ms (tumbling when equal) kept
    /// `lateness` ms past their end, keyed by `key`, aggregated by `init`, `add` and
    /// `finish` (as `KeyedStream::sliding_window(..).allowed_lateness(..)
    /// .aggregate_with_late(..)`).
    pub fn sliding<A: Data>(
        (size, slide, lateness): (i64, i64, i64),
        key: impl Fn(&T) -> K + 'static,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> Self {
        Self::on(super::Sliding::new(
            (size, slide, lateness),
            Rc::new(key),
            Box::new(init),
            Box::new(add),
            Box::new(finish),
        ))
    }

    /// Session windows closing after `gap` ms without elements, kept `lateness` ms past
    /// their end (as `KeyedStream::session_window(..).allowed_lateness(..)
    /// .aggregate_with_late(..)`).
    pub fn session<A: Data>(
        (gap, lateness): (i64, i64),
        key: impl Fn(&T) -> K + 'static,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        merge: impl Fn(&mut A, A) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> Self {
        Self::on(Sessions::new(
            (gap, lateness),
            Rc::new(key),
            (Box::new(init), Box::new(add), Box::new(merge)),
            Box::new(finish),
        ))
    }

    fn now(&self) -> Held {
        Held::detached(StreamTime::at_watermark(0, self.watermark))
    }

    fn collect(&mut self) {
        let (main, side) = self.out.take_rows();
        self.output
            .extend(main.into_iter().map(|r| (r.ts, r.value)));
        self.late.extend(side.into_iter().map(|r| (r.ts, r.value)));
    }

    /// Handles an element of event time `ts` at the current watermark.
    pub fn process_element(&mut self, ts: i64, value: T) {
        let at = self.now();
        let record = Timestamped { ts, value };
        self.logic
            .on_record(record, &at, self.watermark, &mut self.out);
        self.collect();
    }

    /// Moves the watermark to `watermark` (never back), firing the windows it passes
    /// and forgetting those past their lateness.
    pub fn process_watermark(&mut self, watermark: i64) {
        self.watermark = self.watermark.max(watermark);
        self.logic.on_watermark(self.watermark, &mut self.out);
        self.collect();
    }

    /// The fired windows so far, as `(event time, result)` in firing order, and
    /// forgets them.
    pub fn take_output(&mut self) -> Vec<(i64, WindowResult<K, O>)> {
        std::mem::take(&mut self.output)
    }

    /// The elements too late for every window so far, and forgets them.
    pub fn take_late(&mut self) -> Vec<(i64, T)> {
        std::mem::take(&mut self.late)
    }

    /// The windows' state, as a checkpoint would take it now.
    pub fn snapshot(&mut self) -> WindowSnapshot {
        let mut snapshot = WindowSnapshot::default();
        self.logic.snapshot(&mut snapshot);
        snapshot
    }

    /// Restores `snapshot` (into a fresh harness, before any element), with the
    /// watermark at `watermark` (a restored operator's watermark starts again from
    /// its input).
    pub fn restore(&mut self, snapshot: &WindowSnapshot, watermark: i64) {
        self.watermark = watermark;
        let initial = self.now();
        for (group, bytes) in &snapshot.groups {
            let parts = vec![Part::Full(bytes.clone())];
            self.logic.restore_group(*group, parts, 0, &initial);
        }
    }
}
