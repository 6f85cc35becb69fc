//! Event-time windows on keyed streams (Flink's `window(TumblingEventTimeWindows...)`).
//!
//! A window `[start, end)` of size `s` sliding by `d` starts at multiples of `d`
//! (aligned to the Unix epoch; tumbling when `d = s`). It fires once the watermark,
//! read off the operator's input frontier, reaches `end - 1`; its result carries event
//! time `end - 1` and is sent at stream time `end`, so downstream windows see a
//! watermark that includes it. Its state is kept until the watermark reaches
//! `end - 1 + allowed lateness`; a record arriving before then joins it and the window
//! fires again for that key. A record all of whose windows are past that point is late:
//! dropped, or given to the late-data side output.

use std::collections::BTreeMap;
use std::hash::Hash;
use std::rc::Rc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use strom_core::keys::worker_for_key;
use strom_core::time::StreamTime;
use strom_core::timely::PartialOrder;
use strom_core::timely::dataflow::channels::pact::Exchange;
use strom_core::timely::dataflow::operators::Capability;
use strom_core::timely::dataflow::operators::generic::OutputBuilder;
use strom_core::timely::dataflow::operators::generic::builder_rc::OperatorBuilder;

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

/// Records waiting for every earlier time to be done, with capabilities for both
/// outputs.
struct Stashed<T> {
    time: StreamTime,
    results: Capability<StreamTime>,
    late: Capability<StreamTime>,
    records: Vec<Timestamped<T>>,
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
    pub fn aggregate<A: Clone + 'static, O: Data>(
        &self,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> DataStream<'s, WindowResult<K, O>> {
        self.aggregate_with_late(init, add, finish).results
    }

    /// As [`EventTimeWindows::aggregate`], also giving the late records as a stream.
    pub fn aggregate_with_late<A: Clone + 'static, O: Data>(
        &self,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> Windowed<'s, K, O, T> {
        let stream = &self.keyed.stream;
        let env = &stream.env;
        let (groups, peers) = (env.config().key_groups, env.peers());
        let (key, route_key) = (self.keyed.key.clone(), Rc::clone(&self.keyed.key));
        let pact = Exchange::new(move |r: &Timestamped<T>| {
            worker_for_key(&route_key(&r.value), groups, peers) as u64
        });
        let (size, slide, lateness) = (self.size, self.slide, self.lateness);
        let mut builder = OperatorBuilder::new("EventTimeWindow".to_string(), env.scope);
        let mut input = builder.new_input(stream.stream.clone(), pact);
        let (results_out, results) = builder.new_output::<Vec<Timestamped<WindowResult<K, O>>>>();
        let (late_out, late) = builder.new_output::<Vec<Timestamped<T>>>();
        let (mut results_out, mut late_out) = (
            OutputBuilder::from(results_out),
            OutputBuilder::from(late_out),
        );
        builder.build(move |_| {
            let mut windows: BTreeMap<(i64, i64), Window<K, A>> = BTreeMap::new();
            let mut stash: Vec<Stashed<T>> = Vec::new();
            move |frontiers| {
                let mut results_out = results_out.activate();
                let mut late_out = late_out.activate();
                let result = |end: i64, start: i64, k: &K, a: &A| Timestamped {
                    ts: end - 1,
                    value: WindowResult {
                        key: k.clone(),
                        start,
                        end,
                        value: finish(a.clone()),
                    },
                };
                input.for_each(|cap, batch| {
                    let time = *cap.stamp().iter().next().expect("a record has a time");
                    stash.push(Stashed {
                        time,
                        results: cap.delayed(&time, 0),
                        late: cap.delayed(&time, 1),
                        records: std::mem::take(batch),
                    });
                });
                // Records are taken in time order, each once every earlier time is done,
                // with the watermark their source had sent before them.
                let frontier = frontiers[0].frontier();
                stash.sort_by_key(|s| s.time);
                let ready = stash
                    .iter()
                    .take_while(|s| !frontier.iter().any(|f| f.less_than(&s.time)))
                    .count();
                // Fires every window due at `watermark` that has not fired yet.
                macro_rules! fire {
                    ($watermark:expr) => {
                        let due = ($watermark.saturating_add(2), i64::MIN);
                        for (&(end, start), window) in windows.range_mut(..due) {
                            if let Some(cap) = window.cap.take() {
                                let mut session = results_out.session(&cap);
                                for (k, a) in &window.keys {
                                    session.give(result(end, start, k, a));
                                }
                            }
                        }
                    };
                }
                for stashed in stash.drain(..ready) {
                    let watermark = stashed.time.watermark();
                    fire!(watermark);
                    for r in stashed.records {
                        let k = key(&r.value);
                        let mut kept = false;
                        for (start, end) in sliding_windows(r.ts, size, slide) {
                            if end - 1 + lateness <= watermark {
                                continue; // past its allowed lateness
                            }
                            kept = true;
                            let window = windows.entry((end, start)).or_insert_with(|| {
                                let at = StreamTime::at_watermark(stashed.time.epoch, end - 1);
                                let event = at.event.max(stashed.time.event);
                                Window {
                                    cap: Some(stashed.results.delayed(&StreamTime { event, ..at })),
                                    keys: FxHashMap::default(),
                                }
                            });
                            let acc = window.keys.entry(k.clone()).or_insert_with(&init);
                            add(acc, &r.value);
                            if window.cap.is_none() || end - 1 <= watermark {
                                // Fired already (or due now): fire with the late record.
                                window.cap = None;
                                results_out
                                    .session(&stashed.results)
                                    .give(result(end, start, &k, acc));
                            }
                        }
                        if !kept {
                            late_out.session(&stashed.late).give(r);
                        }
                    }
                }
                let watermark = frontier
                    .iter()
                    .map(StreamTime::watermark)
                    .min()
                    .unwrap_or(i64::MAX);
                fire!(watermark);
                windows.retain(|&(end, _), _| end - 1 + lateness > watermark);
            }
        });
        Windowed {
            results: stream.wrap(results),
            late: stream.wrap(late),
        }
    }
}
