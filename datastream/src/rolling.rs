//! Rolling aggregation per key (Flink's `KeyedStream.reduce`): each record is combined
//! with its key's running value, and the new running value is emitted with the
//! record's event time. The running values are keyed state held by the operator.

use std::hash::Hash;

use rustc_hash::FxHashMap;
use strom_core::timely::dataflow::operators::generic::Operator;

use crate::stream::{Data, DataStream, KeyedStream, Timestamped};

impl<'s, T: Data, K: Data + Hash + Eq> KeyedStream<'s, T, K> {
    /// The running `f`-combination of each key's records so far, one output per record.
    pub fn reduce(&self, f: impl Fn(T, T) -> T + 'static) -> DataStream<'s, T> {
        let stream = &self.stream;
        let key = self.key.clone();
        let pact = self.exchange();
        let out = stream
            .stream
            .clone()
            .unary(pact, "RollingReduce", move |_, _| {
                let mut running: FxHashMap<K, Option<T>> = FxHashMap::default();
                move |input, output| {
                    input.for_each(|cap, batch| {
                        let mut session = output.session(&cap);
                        for r in batch.drain(..) {
                            let slot = running.entry(key(&r.value)).or_default();
                            let value = match slot.take() {
                                Some(prev) => f(prev, r.value),
                                None => r.value,
                            };
                            *slot = Some(value.clone());
                            session.give(Timestamped { ts: r.ts, value });
                        }
                    });
                }
            });
        stream.wrap(out)
    }
}
