//! [`DataStream`] and [`KeyedStream`]: typed handles on timely streams of timestamped
//! records, and their record-at-a-time transformations.

use std::hash::Hash;
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use strom_core::keys::worker_for_key;
use strom_core::metrics::running;
use strom_core::time::StreamTime;
use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::Exchange;
use strom_core::timely::dataflow::operators::vec::{Filter, Map};

use crate::env::StreamEnv;
use crate::unstable::RawStream;

/// A record with its event time (ms since the Unix epoch).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timestamped<T> {
    /// Event time, ms.
    pub ts: i64,
    /// The record.
    pub value: T,
}

pub use strom_core::Data;

/// A stream of records of type `T` in event time.
pub struct DataStream<'s, T> {
    pub(crate) env: StreamEnv<'s>,
    pub(crate) stream: StreamVec<'s, StreamTime, Timestamped<T>>,
}

impl<T: Clone + 'static> Clone for DataStream<'_, T> {
    fn clone(&self) -> Self {
        DataStream {
            env: self.env.clone(),
            stream: self.stream.clone(),
        }
    }
}

impl<'s, T: Data> DataStream<'s, T> {
    /// Applies `f` to every record (the event time is kept).
    pub fn map<O: Data>(&self, mut f: impl FnMut(T) -> O + 'static) -> DataStream<'s, O> {
        let id = self.next_operator_id();
        self.wrap(self.stream.clone().map(move |r| {
            let _running = running(id);
            Timestamped {
                ts: r.ts,
                value: f(r.value),
            }
        }))
    }

    /// Applies `f` to every record and flattens the results (each with the record's
    /// event time).
    pub fn flat_map<I>(&self, mut f: impl FnMut(T) -> I + 'static) -> DataStream<'s, I::Item>
    where
        I: IntoIterator,
        I::Item: Data,
    {
        let id = self.next_operator_id();
        self.wrap(self.stream.clone().flat_map(move |r| {
            let _running = running(id);
            let ts = r.ts;
            f(r.value)
                .into_iter()
                .map(move |value| Timestamped { ts, value })
        }))
    }

    /// Keeps the records for which `predicate` holds.
    pub fn filter(&self, mut predicate: impl FnMut(&T) -> bool + 'static) -> DataStream<'s, T> {
        let id = self.next_operator_id();
        self.wrap(self.stream.clone().filter(move |r| {
            let _running = running(id);
            predicate(&r.value)
        }))
    }

    /// Each record paired with its event time.
    pub fn with_timestamps(&self) -> DataStream<'s, (i64, T)> {
        self.wrap(self.stream.clone().map(|r| Timestamped {
            ts: r.ts,
            value: (r.ts, r.value),
        }))
    }

    /// The records of both streams.
    pub fn union(&self, other: &DataStream<'s, T>) -> DataStream<'s, T> {
        use strom_core::timely::dataflow::operators::Concat;
        self.wrap(self.stream.clone().concat(other.stream.clone()))
    }

    /// Sends every record to worker 0 (Flink's `global`).
    pub fn global(&self) -> DataStream<'s, T> {
        self.partition("Global", |_| 0)
    }

    /// Spreads records over the workers round-robin (Flink's `rebalance`).
    pub fn rebalance(&self) -> DataStream<'s, T> {
        let mut next = self.env.index() as u64;
        self.partition("Rebalance", move |_| {
            next = next.wrapping_add(1);
            next
        })
    }

    /// Sends each record to a worker picked at random (Flink's `shuffle`).
    pub fn shuffle(&self) -> DataStream<'s, T> {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ self.env.index() as u64;
        self.partition("Shuffle", move |_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        })
    }

    /// Sends every record to every worker (Flink's `broadcast`).
    pub fn broadcast(&self) -> DataStream<'s, T> {
        use strom_core::timely::dataflow::operators::vec::Broadcast;
        self.wrap(self.stream.clone().broadcast())
    }

    /// Sends each record to worker `route(record) % workers`.
    fn partition(
        &self,
        name: &str,
        mut route: impl FnMut(&T) -> u64 + 'static,
    ) -> DataStream<'s, T> {
        use strom_core::timely::dataflow::operators::generic::Operator;
        let pact = Exchange::new(move |r: &Timestamped<T>| route(&r.value));
        self.wrap(self.stream.clone().unary(pact, name, |_, _| {
            move |input, output| {
                input.for_each(|cap, batch| {
                    output.session(&cap).give_container(batch);
                });
            }
        }))
    }

    /// Partitions the stream by `key` (Flink's `keyBy`): keyed operators see each key on
    /// one worker, chosen through the key's key group.
    pub fn key_by<K>(&self, key: impl Fn(&T) -> K + 'static) -> KeyedStream<'s, T, K>
    where
        K: Data + Hash + Eq,
    {
        KeyedStream {
            stream: self.clone(),
            key: KeyOf::Made(Rc::new(key)),
        }
    }

    /// Partitions the stream by a key the record holds, as [`DataStream::key_by`] does,
    /// e.g. `events.key_by_field(|e: &(String, f64)| &e.0)`. The same partitioning and
    /// results; the key is read in place where the engine only looks at it (the
    /// exchange, the window's accumulators) rather than copied per record.
    pub fn key_by_field<K>(
        &self,
        key: impl for<'r> Fn(&'r T) -> &'r K + 'static,
    ) -> KeyedStream<'s, T, K>
    where
        K: Data + Hash + Eq,
    {
        KeyedStream {
            stream: self.clone(),
            key: KeyOf::Field(Rc::new(key)),
        }
    }

    /// Every record under the one key `()`: windows of the result see the whole
    /// stream, on one worker (Flink's `windowAll`, whose parallelism is 1), e.g.
    /// `stream.window_all().tumbling_window(Duration::from_secs(1))`.
    pub fn window_all(&self) -> KeyedStream<'s, T, ()> {
        self.key_by(|_: &T| ())
    }

    /// The underlying timely stream (for custom operators). Unstable: see
    /// [`crate::unstable`].
    pub fn stream(&self) -> RawStream<'s, T> {
        self.stream.clone()
    }

    /// Wraps the output of a library's own timely operator, built in `env`'s scope
    /// ([`StreamEnv::scope`]), as a stream (as `DataSet::from_stream` does). Unstable:
    /// see [`crate::unstable`].
    pub fn from_stream(env: &StreamEnv<'s>, stream: RawStream<'s, T>) -> Self {
        strom_core::metrics::group_built(&stream.scope(), Some(stream.name().node), None);
        DataStream {
            env: env.clone(),
            stream,
        }
    }

    pub(crate) fn wrap<U>(
        &self,
        stream: StreamVec<'s, StreamTime, Timestamped<U>>,
    ) -> DataStream<'s, U> {
        strom_core::metrics::group_built(&stream.scope(), Some(stream.name().node), None);
        DataStream {
            env: self.env.clone(),
            stream,
        }
    }

    /// Applies `f` to every record in an operator shown as part of the one that made
    /// this stream (a library call's own plumbing).
    pub(crate) fn map_within<O: Data>(
        &self,
        mut f: impl FnMut(T) -> O + 'static,
    ) -> DataStream<'s, O> {
        let lead = self.stream.name().node;
        let stream = self.stream.clone().map(move |r| Timestamped {
            ts: r.ts,
            value: f(r.value),
        });
        strom_core::metrics::group_built(&self.env.scope, Some(lead), None);
        DataStream {
            env: self.env.clone(),
            stream,
        }
    }

    /// The worker-unique id of the next operator built (for failure reports).
    pub(crate) fn next_operator_id(&self) -> usize {
        strom_core::metrics::next_operator_id(&self.env.scope)
    }

    /// Names the operator that made this stream, for the status page, the REST API and
    /// failures (Flink's `.name(..)`): `"Source: events.csv"`, `"Enrich orders"`.
    #[must_use]
    pub fn name(self, name: &str) -> Self {
        strom_core::metrics::rename(&self.stream, name);
        self
    }
}

/// A stream partitioned by key.
pub struct KeyedStream<'s, T, K> {
    pub(crate) stream: DataStream<'s, T>,
    pub(crate) key: KeyOf<T, K>,
}

/// How a keyed stream finds a record's key: made by a function, or held by the record.
pub(crate) enum KeyOf<T, K> {
    /// [`DataStream::key_by`]: a new key per call.
    Made(Rc<dyn Fn(&T) -> K>),
    /// [`DataStream::key_by_field`]: the key in place.
    Field(Rc<dyn for<'r> Fn(&'r T) -> &'r K>),
}

impl<T, K> Clone for KeyOf<T, K> {
    fn clone(&self) -> Self {
        match self {
            KeyOf::Made(f) => KeyOf::Made(f.clone()),
            KeyOf::Field(f) => KeyOf::Field(f.clone()),
        }
    }
}

impl<T: 'static, K: Clone + 'static> KeyOf<T, K> {
    /// The key as a function giving an owned key (for operators that keep it).
    pub(crate) fn owned(&self) -> Rc<dyn Fn(&T) -> K> {
        match self {
            KeyOf::Made(f) => f.clone(),
            KeyOf::Field(f) => {
                let f = f.clone();
                Rc::new(move |r: &T| f(r).clone())
            }
        }
    }
}

impl<T, K> KeyOf<T, K> {
    /// `f` of `record`'s key, without a copy of a key held in place.
    pub(crate) fn with<R>(&self, record: &T, f: impl FnOnce(&K) -> R) -> R {
        match self {
            KeyOf::Made(key) => f(&key(record)),
            KeyOf::Field(key) => f(key(record)),
        }
    }
}

impl<T: Data, K: Hash + 'static> KeyedStream<'_, T, K> {
    /// The exchange that sends each record to the worker owning its key's key group.
    pub(crate) fn exchange(
        &self,
    ) -> Exchange<Timestamped<T>, impl FnMut(&Timestamped<T>) -> u64 + 'static> {
        let env = &self.stream.env;
        let (groups, peers) = (env.config().key_groups, env.peers());
        let key = self.key.clone();
        Exchange::new(move |r: &Timestamped<T>| {
            key.with(&r.value, |k| worker_for_key(k, groups, peers)) as u64
        })
    }
}
