//! Event-time windows on keyed streams (Flink's `window(TumblingEventTimeWindows...)`).
//!
//! A tumbling window of size `s` holds the records with event time in
//! `[start, start + s)`, `start` a multiple of `s` (windows aligned to the Unix epoch).
//! It fires once the watermark, read off the operator's input frontier, reaches
//! `end - 1`; its result carries event time `end - 1` and is sent at stream time `end`,
//! so downstream windows see a watermark that includes it. A record whose window has
//! already fired (`end - 1 <= watermark` on arrival) is late and dropped.

use std::collections::BTreeMap;
use std::hash::Hash;
use std::rc::Rc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use strom_core::keys::worker_for_key;
use strom_core::time::StreamTime;
use strom_core::timely::dataflow::channels::pact::Exchange;
use strom_core::timely::dataflow::operators::Capability;
use strom_core::timely::dataflow::operators::generic::Operator;

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

/// A keyed stream cut into tumbling event-time windows.
pub struct TumblingWindows<'s, T, K> {
    keyed: KeyedStream<'s, T, K>,
    size: i64,
}

impl<'s, T: Data, K: Data + Hash + Eq> KeyedStream<'s, T, K> {
    /// Tumbling event-time windows of `size_ms` (positive).
    ///
    /// # Panics
    /// When `size_ms` is not positive.
    pub fn tumbling_window(&self, size_ms: i64) -> TumblingWindows<'s, T, K> {
        assert!(size_ms > 0, "a window size must be positive, not {size_ms}");
        TumblingWindows {
            keyed: KeyedStream {
                stream: self.stream.clone(),
                key: self.key.clone(),
            },
            size: size_ms,
        }
    }
}

/// Pending windows by end: the capability to emit them at, and each key's accumulator.
type Pending<K, A> = BTreeMap<i64, (Capability<StreamTime>, FxHashMap<K, A>)>;

impl<'s, T: Data, K: Data + Hash + Eq> TumblingWindows<'s, T, K> {
    /// Aggregates each window incrementally (Flink's `aggregate`): `init` per key and
    /// window, `add` per record, `finish` when the window fires.
    pub fn aggregate<A: 'static, O: Data>(
        &self,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> DataStream<'s, WindowResult<K, O>> {
        let stream = &self.keyed.stream;
        let (groups, peers) = (stream.env.config().key_groups, stream.env.peers());
        let (key, route_key) = (self.keyed.key.clone(), Rc::clone(&self.keyed.key));
        let pact = Exchange::new(move |r: &Timestamped<T>| {
            worker_for_key(&route_key(&r.value), groups, peers) as u64
        });
        let size = self.size;
        let out = stream
            .stream
            .clone()
            .unary_frontier(pact, "TumblingWindow", move |_, _| {
                let mut pending: Pending<K, A> = BTreeMap::new();
                move |(input, frontier), output| {
                    let frontier = frontier.frontier();
                    let watermark = frontier
                        .iter()
                        .map(StreamTime::watermark)
                        .min()
                        .unwrap_or(i64::MAX);
                    input.for_each(|cap, batch| {
                        for r in batch.drain(..) {
                            let start = tumbling_start(r.ts, size);
                            let end = start.saturating_add(size);
                            if end - 1 <= watermark {
                                continue; // late: its window has fired
                            }
                            let (_, keys) = pending.entry(end).or_insert_with(|| {
                                let time = *cap.stamp().iter().next().expect("a record has a time");
                                let at = StreamTime::at_watermark(time.epoch, end - 1);
                                let at = StreamTime {
                                    epoch: time.epoch,
                                    event: at.event.max(time.event),
                                };
                                (cap.delayed(&at, 0), FxHashMap::default())
                            });
                            add(keys.entry(key(&r.value)).or_insert_with(&init), &r.value);
                        }
                    });
                    while let Some(entry) = pending.first_entry() {
                        let end = *entry.key();
                        if end - 1 > watermark {
                            break;
                        }
                        let (cap, keys) = entry.remove();
                        let start = end - size;
                        output
                            .session(&cap)
                            .give_iterator(keys.into_iter().map(|(k, a)| Timestamped {
                                ts: end - 1,
                                value: WindowResult {
                                    key: k,
                                    start,
                                    end,
                                    value: finish(a),
                                },
                            }));
                    }
                }
            });
        stream.wrap(out)
    }
}
