//! Event-time windows on keyed streams (Flink's `window(TumblingEventTimeWindows...)`).
//!
//! A window `[start, end)` of size `s` sliding by `d` starts at multiples of `d`
//! (aligned to the Unix epoch; tumbling when `d = s`). It fires once the watermark,
//! read off the operator's input frontier, reaches `end - 1`; its result carries event
//! time `end - 1` and is sent at stream time `end`, so downstream windows see a
//! watermark that includes it. Its state is kept until the watermark reaches
//! `end - 1 + allowed lateness`; a record arriving before then joins it and the window
//! fires again for that key. A record all of whose windows are past that point is late:
//! dropped, or given to the late-data side output. Session windows: see `session.rs`.

mod driver;
mod processing;
mod session;
pub mod triggered;

pub use processing::{ProcessingTimeSessions, ProcessingTimeWindows};
pub use session::SessionWindows;

use std::collections::BTreeMap;
use std::hash::Hash;
use std::rc::Rc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use strom_core::state::KeyGroupRange;
use strom_core::time::StreamTime;
use strom_core::timely::dataflow::operators::Capability;

use crate::stream::{Data, DataStream, KeyedStream, Timestamped};

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

/// A keyed stream cut into event-time windows of `size` ms every `slide` ms (tumbling
/// when they are equal).
pub struct EventTimeWindows<'s, T, K> {
    keyed: KeyedStream<'s, T, K>,
    size: i64,
    slide: i64,
    lateness: i64,
}

impl<'s, T: Data, K: Data + Hash + Eq> KeyedStream<'s, T, K> {
    /// Tumbling event-time windows of `size_ms`.
    ///
    /// # Panics
    /// When `size_ms` is not positive.
    pub fn tumbling_window(&self, size_ms: i64) -> EventTimeWindows<'s, T, K> {
        self.sliding_window(size_ms, size_ms)
    }

    /// Sliding event-time windows of `size_ms`, one starting every `slide_ms`.
    ///
    /// # Panics
    /// When a length is not positive.
    pub fn sliding_window(&self, size_ms: i64, slide_ms: i64) -> EventTimeWindows<'s, T, K> {
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

/// A window's state: its capability until it first fires, and each key's accumulator.
struct Window<K, A> {
    cap: Option<Capability<StreamTime>>,
    keys: FxHashMap<K, A>,
}

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
    /// Keeps each window's state `lateness_ms` past its end: records arriving that late
    /// are added and the window fires again with the updated result (Flink's
    /// `allowedLateness`).
    #[must_use]
    pub fn allowed_lateness(mut self, lateness_ms: i64) -> Self {
        self.lateness = lateness_ms.max(0);
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
        let logic = Sliding {
            size: self.size,
            slide: self.slide,
            lateness: self.lateness,
            key: self.keyed.key.clone(),
            init: Box::new(init),
            add: Box::new(add),
            finish: Box::new(finish),
            windows: BTreeMap::new(),
        };
        driver::window_operator(&self.keyed, "EventTimeWindow", logic)
    }
}

/// Sliding (and tumbling) windows: state by `(end, start)`, each key's accumulator.
struct Sliding<T, K, A, O> {
    size: i64,
    slide: i64,
    lateness: i64,
    key: Rc<dyn Fn(&T) -> K>,
    init: Box<dyn Fn() -> A>,
    add: driver::AddFn<A, T>,
    finish: Box<dyn Fn(A) -> O>,
    windows: BTreeMap<(i64, i64), Window<K, A>>,
}

impl<T: 'static, K: Data + Hash + Eq, A: Data, O: 'static>
    driver::WindowLogic<T, WindowResult<K, O>> for Sliding<T, K, A, O>
{
    fn record(
        &mut self,
        watermark: i64,
        time: StreamTime,
        cap: &Capability<StreamTime>,
        record: &Timestamped<T>,
        emit: driver::Emit<'_, WindowResult<K, O>>,
    ) -> bool {
        let k = (self.key)(&record.value);
        let mut kept = false;
        for (start, end) in sliding_windows(record.ts, self.size, self.slide) {
            if end - 1 + self.lateness <= watermark {
                continue; // past its allowed lateness
            }
            kept = true;
            let window = self.windows.entry((end, start)).or_insert_with(|| Window {
                cap: Some(driver::window_cap(cap, time, end)),
                keys: FxHashMap::default(),
            });
            if !window.keys.contains_key(&k) {
                window.keys.insert(k.clone(), (self.init)());
            }
            let acc = window.keys.get_mut(&k).expect("just made");
            (self.add)(acc, &record.value);
            if window.cap.is_none() || end - 1 <= watermark {
                // Fired already (or due now): fire again with the late record.
                window.cap = None;
                emit(cap, driver::result(&*self.finish, &k, start, end, acc));
            }
        }
        kept
    }

    fn fire(&mut self, watermark: i64, emit: driver::Emit<'_, WindowResult<K, O>>) {
        let due = (watermark.saturating_add(2), i64::MIN);
        let mut fired = Vec::new();
        for (&(end, start), window) in self.windows.range_mut(..due) {
            if let Some(cap) = window.cap.take() {
                fired.push((end, start, cap));
            }
        }
        for (end, start, cap) in fired {
            for (k, a) in &self.windows[&(end, start)].keys {
                emit(&cap, driver::result(&*self.finish, k, start, end, a));
            }
        }
        let lateness = self.lateness;
        self.windows
            .retain(|&(end, _), _| end - 1 + lateness > watermark);
    }

    fn snapshot(&self, range: KeyGroupRange) -> Vec<(u32, Vec<u8>)> {
        let entries = self.windows.iter().flat_map(|(&(end, start), w)| {
            let fired = w.cap.is_none();
            w.keys
                .iter()
                .map(move |(k, a)| (k, (end, start, fired, k, a)))
        });
        driver::by_group(range, entries)
    }

    fn restore_group(&mut self, bytes: &[u8], epoch: u64, cap: &Capability<StreamTime>) {
        let entries: Vec<(i64, i64, bool, K, A)> =
            bincode::deserialize(bytes).unwrap_or_else(|e| panic!("window snapshot: {e}"));
        for (end, start, fired, k, a) in entries {
            let window = self.windows.entry((end, start)).or_insert_with(|| Window {
                cap: (!fired).then(|| cap.delayed(&StreamTime::at_watermark(epoch, end - 1))),
                keys: FxHashMap::default(),
            });
            window.keys.insert(k, a);
        }
    }

    fn advance_epoch(&mut self, epoch: u64) {
        for w in self.windows.values_mut() {
            if let Some(c) = w.cap.as_mut() {
                driver::in_epoch(c, epoch);
            }
        }
    }
}
