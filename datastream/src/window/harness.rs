//! [`WindowHarness`]: an event-time window operator driven by hand (Flink's
//! `WindowOperatorTest` harness): elements and watermarks given one at a time, fired
//! windows and late elements read back after each step, and the state taken as a
//! snapshot and restored into a fresh harness. It runs the same window logic, through
//! the same shell hooks, as the dataflow operator, on one worker owning every key
//! group, on the heap. Windows of any [`WindowSpec`] (trigger, evictor, lateness, late
//! tag) are built by the same choice of operator as `WindowedStream`'s, with the
//! processing clock set by hand.

use std::hash::Hash;
use std::rc::Rc;
use std::time::Duration;

use strom_core::config::DEFAULT_KEY_GROUPS;
use strom_core::state::{KeyGroupRange, StateBackend};
use strom_core::time::{ProcessingClock, StreamTime, millis};

use super::driver::{AddFn, MergeFn, WindowLogic, Windows};
use super::evictor::Evictor;
use super::function::{WindowContext, WindowFunction};
use super::operator::WindowOperator;
use super::session::Sessions;
use super::trigger::Trigger;
use super::windowed::{Finish, Install};
use super::{WindowResult, WindowSpec};
use crate::checkpoint::{GroupSink, Part};
use crate::process::ProcessCore;
use crate::process::operator::ProcessLogic;
use crate::shell::{Held, OutputTag, OutputTags, Outputs, StatefulLogic, Tagged};
use crate::stream::{Data, KeyOf, Timestamped};

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
    tags: OutputTags,
    tagged: Vec<Timestamped<Tagged>>,
    clock: ProcessingClock,
}

/// Installs window operators into a harness.
struct Detached<T, K> {
    key: Rc<dyn Fn(&T) -> K>,
}

impl<T: Data, K: Data + Hash + Eq> Install<T, K> for Detached<T, K> {
    type Made<O: Data> = WindowHarness<T, K, O>;

    fn key(&self) -> KeyOf<T, K> {
        KeyOf::Made(self.key.clone())
    }

    fn windows<O: Data, L: WindowLogic<T, WindowResult<K, O>>>(
        self,
        _: &str,
        logic: L,
        late: Option<OutputTag<T>>,
    ) -> WindowHarness<T, K, O> {
        let windows = Windows::open(logic, all_groups(), &StateBackend::Heap).with_late_tag(late);
        let tags = windows.tags();
        WindowHarness::on(Box::new(windows), tags, ProcessingClock::manual(0))
    }

    fn operator<Tr: Trigger<T>, F: WindowFunction<K, T>>(
        self,
        operator: WindowOperator<T, K, Tr, F>,
    ) -> WindowHarness<T, K, F::Out> {
        let clock = ProcessingClock::manual(0);
        let core = ProcessCore::new(
            operator,
            self.key,
            all_groups(),
            clock.clone(),
            StateBackend::Heap,
        );
        let logic = ProcessLogic::new(core);
        let tags = logic.tags().clone();
        WindowHarness::on(Box::new(logic), tags, clock)
    }
}

/// Every key group, on one worker.
fn all_groups() -> KeyGroupRange {
    KeyGroupRange::for_worker(0, 1, DEFAULT_KEY_GROUPS)
}

impl<T: Data, K: Data + Hash + Eq, O: Data> WindowHarness<T, K, O> {
    fn on(
        logic: Box<dyn StatefulLogic<T, Out = WindowResult<K, O>, Side = T>>,
        tags: OutputTags,
        clock: ProcessingClock,
    ) -> Self {
        WindowHarness {
            logic,
            watermark: i64::MIN,
            out: Outputs::default(),
            output: Vec::new(),
            late: Vec::new(),
            tags,
            tagged: Vec::new(),
            clock,
        }
    }

    fn of_logic<L: WindowLogic<T, WindowResult<K, O>>>(logic: L) -> Self {
        let windows = Windows::open(logic, all_groups(), &StateBackend::Heap);
        Self::on(
            Box::new(windows),
            OutputTags::new(),
            ProcessingClock::manual(0),
        )
    }

    /// Windows of `spec` keyed by `key`, each firing running the process window
    /// function `f` (as `WindowedStream::process`).
    pub fn process<Tr: Trigger<T>, Ev: Evictor<T>>(
        spec: WindowSpec<T, Tr, Ev>,
        key: impl Fn(&T) -> K + 'static,
        f: impl Fn(&K, &mut WindowContext<'_, K>, &[(i64, T)]) -> Vec<O> + 'static,
    ) -> Self {
        spec.install_process(Detached { key: Rc::new(key) }, Box::new(f))
    }

    /// Windows of `spec` keyed by `key`, aggregated by `init`, `add`, `merge` (when
    /// given: needed for incremental sessions) and `finish` (as
    /// `WindowedStream::aggregate` and `aggregate_merging`).
    pub fn aggregate<Tr: Trigger<T>, Ev: Evictor<T>, A: Data>(
        spec: WindowSpec<T, Tr, Ev>,
        key: impl Fn(&T) -> K + 'static,
        (init, add): (impl Fn() -> A + 'static, impl Fn(&mut A, &T) + 'static),
        merge: Option<MergeFn<A>>,
        finish: impl Fn(A) -> O + 'static,
    ) -> Self {
        let agg = (
            Box::new(init) as Box<dyn Fn() -> A>,
            Box::new(add) as AddFn<A, T>,
            merge,
        );
        let finish = Finish::Plain(Box::new(finish));
        spec.install_aggregate(Detached { key: Rc::new(key) }, agg, finish)
    }

    /// Sliding windows of `size` every `slide` (tumbling when equal) kept `lateness`
    /// past their end, keyed by `key`, aggregated by `init`, `add` and `finish` (as
    /// `KeyedStream::sliding_window(..).allowed_lateness(..).aggregate_with_late(..)`).
    ///
    /// # Panics
    /// When a length is not whole milliseconds.
    pub fn sliding<A: Data>(
        (size, slide, lateness): (Duration, Duration, Duration),
        key: impl Fn(&T) -> K + 'static,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> Self {
        Self::of_logic(super::Sliding::new(
            (millis(size), millis(slide), millis(lateness)),
            KeyOf::Made(Rc::new(key)),
            Box::new(init),
            Box::new(add),
            Box::new(finish),
        ))
    }

    /// Session windows closing after `gap` without elements, kept `lateness` past
    /// their end (as `KeyedStream::session_window(..).allowed_lateness(..)
    /// .aggregate_with_late(..)`).
    ///
    /// # Panics
    /// When a length is not whole milliseconds.
    pub fn session<A: Data>(
        (gap, lateness): (Duration, Duration),
        key: impl Fn(&T) -> K + 'static,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        merge: impl Fn(&mut A, A) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> Self {
        Self::of_logic(Sessions::new(
            (millis(gap), millis(lateness)),
            Rc::new(key),
            (Box::new(init), Box::new(add), Box::new(merge)),
            Box::new(finish),
        ))
    }

    fn now(&self) -> Held {
        Held::detached(StreamTime::at_watermark(0, self.watermark))
    }

    fn collect(&mut self) {
        self.tagged.extend(self.out.take_tagged());
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

    /// Sets the processing clock to `ms`, firing the processing-time timers it passes.
    pub fn set_processing_time(&mut self, ms: i64) {
        self.clock.set(ms);
        self.logic.on_watermark(self.watermark, &mut self.out);
        self.collect();
    }

    /// The elements sent to `tag` so far (late data of
    /// `WindowSpec::side_output_late_data`), and forgets them.
    ///
    /// # Panics
    /// When the windows do not send late data to `tag`.
    pub fn take_tagged(&mut self, tag: &OutputTag<T>) -> Vec<(i64, T)> {
        let index = self.tags.expect_index(tag);
        std::mem::take(&mut self.tagged)
            .into_iter()
            .filter_map(|r| r.value.take(index).map(|v| (r.ts, v)))
            .collect()
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
