//! Event-time windows on keyed streams (Flink's `window(TumblingEventTimeWindows...)`).
//!
//! A window `[start, end)` of size `s` sliding by `d` starts at multiples of `d`
//! (aligned to the Unix epoch; tumbling when `d = s`). It fires once the watermark,
//! read off the operator's input frontier, reaches `end - 1`; its result carries event
//! time `end - 1` and is sent at stream time `end - 1` (ahead of that watermark, as
//! Flink forwards a watermark after the results it fired), so windows downstream, even
//! one ending at `end` too, count it. Its state is kept until the watermark reaches
//! `end - 1 + allowed lateness` (saturating at the end of time, as Flink's cleanup time
//! does); a record arriving before then joins it and the window fires again for that
//! key. A record all of whose windows are past that point is late:
//! dropped, or given to the late-data side output. Session windows: see `session.rs`.
//! Every kind runs on the operator shell (`driver.rs`); [`WindowHarness`] drives one
//! step by step in tests.
//!
//! Every kind also takes a [`Trigger`], an [`Evictor`], a process window function and
//! a late-data tag through its [`WindowedStream`] (`windowed.rs`), which runs them on
//! the one general window operator (`operator.rs`) for every [`Assigner`]; an
//! incremental aggregate with the default event-time trigger and no evictor keeps the
//! incremental operators of this module and `session.rs` (`docs/0018-windows.md`).

mod accs;
mod assigner;
mod driver;
mod evictor;
mod function;
mod harness;
mod operator;
mod processing;
mod session;
mod trigger;
pub mod triggered;
mod windowed;

use assigner::Kind;
pub use assigner::{Assigner, GLOBAL, Window};
pub use evictor::{CountEvictor, Evictor, NoEvictor, SeenEvictor, TimeEvictor};
pub use function::{WindowContext, WindowState};
pub use harness::{WindowHarness, WindowSnapshot};
pub use processing::{ProcessingTimeSessions, ProcessingTimeWindows};
pub use session::SessionWindows;
pub use trigger::{
    ContinuousEventTimeTrigger, ContinuousProcessingTimeTrigger, CountTrigger, DeltaTrigger,
    EventTimeTrigger, NeverTrigger, ProcessingTimeTrigger, PurgingTrigger, Trigger, TriggerContext,
    TriggerResult,
};
pub use windowed::{WindowSpec, WindowedResults, WindowedStream};

use std::collections::{BTreeMap, BTreeSet};
use std::hash::Hash;
use std::time::Duration;

use accs::{Accs, WindowId};
use serde::{Deserialize, Serialize};
use strom_core::state::{KeyGroupRange, StateBackend};
use strom_core::time::millis;

use crate::shell::Held;
use crate::stream::{Data, DataStream, KeyOf, KeyedStream, Timestamped};

/// One fired window of one key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowResult<K, O> {
    /// The key.
    pub key: K,
    /// First event time in the window (ms).
    pub start: i64,
    /// First event time after the window (ms, exclusive).
    pub end: i64,
    /// The window function's result.
    pub value: O,
}

/// The start of the tumbling window of `size` ms holding event time `ts`.
pub fn tumbling_start(ts: i64, size: i64) -> i64 {
    ts - ts.rem_euclid(size)
}

/// The `[start, end)` of every sliding window of `size` ms, sliding by `slide` ms,
/// that holds event time `ts`, latest first (Flink's `SlidingEventTimeWindows`).
pub fn sliding_windows(ts: i64, size: i64, slide: i64) -> impl Iterator<Item = (i64, i64)> {
    let last = tumbling_start(ts, slide);
    (0..)
        .map(move |i| last - i * slide)
        .take_while(move |&start| start > ts - size)
        .map(move |start| (start, start + size))
}

/// The last watermark a window ending at `end` keeps its state to: `end - 1` plus the
/// allowed lateness, saturating at the end of time (Flink's cleanup time), so a window
/// near `i64::MAX` with a large lateness is kept, not wrapped into the past.
pub(crate) fn cleanup_time(end: i64, lateness: i64) -> i64 {
    (end - 1).saturating_add(lateness)
}

/// A keyed stream cut into event-time windows of `size` ms every `slide` ms (tumbling
/// when they are equal).
pub struct EventTimeWindows<'s, T, K> {
    keyed: KeyedStream<'s, T, K>,
    size: i64,
    slide: i64,
    lateness: i64,
}

impl<'s, T: Data, K: Data + Hash + Eq> KeyedStream<'s, T, K> {
    /// Tumbling event-time windows of `size` (Flink's
    /// `TumblingEventTimeWindows.of(Duration)`).
    ///
    /// # Panics
    /// When `size` is zero or not whole milliseconds.
    pub fn tumbling_window(&self, size: Duration) -> EventTimeWindows<'s, T, K> {
        self.sliding_window(size, size)
    }

    /// Sliding event-time windows of `size`, one starting every `slide`.
    ///
    /// # Panics
    /// When a length is zero or not whole milliseconds.
    pub fn sliding_window(&self, size: Duration, slide: Duration) -> EventTimeWindows<'s, T, K> {
        let (size_ms, slide_ms) = (millis(size), millis(slide));
        assert!(
            size_ms > 0 && slide_ms > 0,
            "window size and slide must be positive, not {size_ms} and {slide_ms}"
        );
        EventTimeWindows {
            keyed: KeyedStream {
                stream: self.stream.clone(),
                key: self.key.clone(),
            },
            size: size_ms,
            slide: slide_ms,
            lateness: 0,
        }
    }
}

impl<T: Data, K> EventTimeWindows<'_, T, K> {
    /// These windows as a spec with the default trigger.
    fn spec(&self) -> WindowSpec<T, EventTimeTrigger, NoEvictor> {
        let assigner = Assigner(Kind::Sliding {
            size: self.size,
            slide: self.slide,
        });
        WindowSpec::new(assigner, EventTimeTrigger).allowed_lateness_ms(self.lateness)
    }
}

windowed::to_windowed!(EventTimeWindows, EventTimeTrigger);

/// A window's results and the records too late for any of their windows.
pub struct Windowed<'s, K, O, T> {
    /// Every firing: when the watermark passes the window's end, and again for each
    /// record arriving within the allowed lateness.
    pub results: DataStream<'s, WindowResult<K, O>>,
    /// Records whose every window was past its allowed lateness (Flink's late-data side
    /// output).
    pub late: DataStream<'s, T>,
}

impl<'s, T: Data, K: Data + Hash + Eq> EventTimeWindows<'s, T, K> {
    /// Keeps each window's state `lateness` past its end: records arriving that late
    /// are added and the window fires again with the updated result (Flink's
    /// `allowedLateness(Duration)`).
    #[must_use]
    pub fn allowed_lateness(mut self, lateness: Duration) -> Self {
        self.lateness = millis(lateness);
        self
    }

    /// Aggregates each window incrementally (Flink's `aggregate`): `init` per key and
    /// window, `add` per record, `finish` whenever the window fires. Late records are
    /// dropped; see [`EventTimeWindows::aggregate_with_late`] to keep them.
    pub fn aggregate<A: Data, O: Data>(
        &self,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> DataStream<'s, WindowResult<K, O>> {
        self.aggregate_with_late(init, add, finish).results
    }

    /// The `f`-reduction of each window's records (Flink's window `reduce`).
    pub fn reduce(&self, f: impl Fn(T, T) -> T + 'static) -> DataStream<'s, WindowResult<K, T>> {
        self.aggregate(
            || None,
            move |acc: &mut Option<T>, r: &T| {
                *acc = Some(match acc.take() {
                    Some(a) => f(a, r.clone()),
                    None => r.clone(),
                });
            },
            |acc| acc.expect("a fired window has a record"),
        )
    }

    /// As [`EventTimeWindows::aggregate`], also giving the late records as a stream.
    pub fn aggregate_with_late<A: Data, O: Data>(
        &self,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> Windowed<'s, K, O, T> {
        let logic = Sliding::new(
            (self.size, self.slide, self.lateness),
            self.keyed.key.clone(),
            Box::new(init),
            Box::new(add),
            Box::new(finish),
        );
        driver::window_operator(&self.keyed, "EventTimeWindow", logic)
    }
}

/// A live window: its capability until it fires (`None` after), and the key groups
/// restored as fired already while others were not (a checkpoint of workers whose
/// watermarks straddled the window's end, restored at another parallelism).
struct Pending {
    cap: Option<Held>,
    fired: BTreeSet<u32>,
}

impl Pending {
    fn fired(&self, group: u32) -> bool {
        self.cap.is_none() || self.fired.contains(&group)
    }
}

/// Sliding (and tumbling) windows: the live windows, and the accumulators by window
/// and key.
pub(super) struct Sliding<T, K, A, O> {
    size: i64,
    slide: i64,
    lateness: i64,
    key: KeyOf<T, K>,
    init: Box<dyn Fn() -> A>,
    add: driver::AddFn<A, T>,
    finish: Box<dyn Fn(A) -> O>,
    windows: BTreeMap<WindowId, Pending>,
    accs: Accs<K, A>,
    range: KeyGroupRange,
}

impl<T, K, A, O> Sliding<T, K, A, O> {
    /// Windows of `(size, slide, allowed lateness)`, keys by `key`, aggregated by
    /// `init`, `add` and `finish`.
    pub(super) fn new(
        (size, slide, lateness): (i64, i64, i64),
        key: KeyOf<T, K>,
        init: Box<dyn Fn() -> A>,
        add: driver::AddFn<A, T>,
        finish: Box<dyn Fn(A) -> O>,
    ) -> Self {
        Sliding {
            size,
            slide,
            lateness,
            key,
            init,
            add,
            finish,
            windows: BTreeMap::new(),
            accs: Accs::Heap(BTreeMap::new()),
            range: KeyGroupRange::for_worker(0, 1, 1),
        }
    }
}

impl<T: 'static, K: Data + Hash + Eq, A: Data, O: 'static>
    driver::WindowLogic<T, WindowResult<K, O>> for Sliding<T, K, A, O>
{
    fn record(
        &mut self,
        watermark: i64,
        at: &Held,
        record: &Timestamped<T>,
        emit: driver::Emit<'_, WindowResult<K, O>>,
    ) -> bool {
        let Sliding {
            size,
            slide,
            lateness,
            key,
            init,
            add,
            finish,
            windows,
            accs,
            range,
        } = self;
        // The key in place where the stream holds it (`key_by_field`): no copy per record.
        key.with(&record.value, |k| {
            let group = range.group_of(k);
            let mut kept = false;
            for (start, end) in sliding_windows(record.ts, *size, *slide) {
                if cleanup_time(end, *lateness) <= watermark {
                    continue; // past its allowed lateness
                }
                kept = true;
                let window = windows.entry((end, start)).or_insert_with(|| Pending {
                    cap: Some(driver::window_cap(at, end)),
                    fired: BTreeSet::new(),
                });
                let acc = accs.get_or_init((end, start), group, k, &**init);
                add(acc, &record.value);
                if window.fired(group) || end - 1 <= watermark {
                    // Fired already (or due now): fire again with the late record.
                    if end - 1 <= watermark {
                        window.cap = None;
                    }
                    emit(at, driver::result(&**finish, k, start, end, acc));
                }
            }
            kept
        })
    }

    fn fire(&mut self, watermark: i64, emit: driver::Emit<'_, WindowResult<K, O>>) {
        let due = (watermark.saturating_add(2), i64::MIN);
        let mut fired = Vec::new();
        for (&(end, start), window) in self.windows.range_mut(..due) {
            if let Some(cap) = window.cap.take() {
                fired.push((end, start, cap, std::mem::take(&mut window.fired)));
            }
        }
        for (end, start, cap, skip) in fired {
            let (finish, range) = (&*self.finish, self.range);
            self.accs.for_each((end, start), |k, a| {
                if skip.is_empty() || !skip.contains(&range.group_of(k)) {
                    emit(&cap, driver::result(finish, k, start, end, a));
                }
            });
        }
        // Windows past their lateness, oldest first.
        let lateness = self.lateness;
        while let Some(entry) = self.windows.first_entry() {
            if cleanup_time(entry.key().0, lateness) > watermark {
                break;
            }
            let (window, _) = entry.remove_entry();
            self.accs.remove(window);
        }
    }

    fn open(&mut self, range: KeyGroupRange, backend: &StateBackend) {
        self.range = range;
        self.accs = Accs::on(range, backend);
    }

    fn snapshot(&mut self, range: KeyGroupRange, emit: &mut dyn FnMut(u32, Vec<u8>)) {
        let windows = &self.windows;
        let fired = |w, g| windows.get(&w).is_some_and(|p: &Pending| p.fired(g));
        self.accs.snapshot(range, fired, emit);
    }

    fn restore_group(&mut self, group: u32, bytes: &[u8], epoch: u64, initial: &Held) {
        let windows = &mut self.windows;
        self.accs
            .restore_group(group, bytes, |(end, start), fired| {
                let window = windows.entry((end, start)).or_insert_with(|| Pending {
                    cap: None,
                    fired: BTreeSet::new(),
                });
                if fired {
                    window.fired.insert(group);
                } else if window.cap.is_none() {
                    window.cap = Some(initial.delayed(&driver::result_time(epoch, end)));
                }
            });
    }

    fn advance_epoch(&mut self, epoch: u64) {
        for c in self.windows.values_mut().filter_map(|w| w.cap.as_mut()) {
            c.in_epoch(epoch);
        }
    }

    fn release(&mut self) {
        self.windows.clear();
    }
}
