//! Grouping: `group_by(key)` and what runs per group (`reduce`, `aggregate`,
//! `reduce_group`, `min_by`, `max_by`, `first`), plus the whole-data-set forms.
//!
//! Combinable functions (`reduce`, `aggregate`, `min_by`, `max_by`) pre-aggregate on
//! every worker before the exchange, so only one partial value per key and worker moves.

use std::collections::HashMap;
use std::marker::PhantomData;

use strom_core::keys::worker_for_key;
use strom_core::timely::dataflow::channels::pact::{Exchange, Pipeline};

use crate::aggregate::Aggregator;
use crate::data_set::{Data, DataSet, Key};
use crate::operators::blocking::{sorted_blocking, unary_blocking};
use strom_core::timely::dataflow::operators::vec::Map;

/// A data set grouped by a key function; see [`DataSet::group_by`].
pub struct Grouped<'scope, T, K, F> {
    data: DataSet<'scope, T>,
    key: F,
    _key: PhantomData<K>,
}

impl<'scope, T: Data> DataSet<'scope, T> {
    /// Groups records by `key` for a per-group operation.
    pub fn group_by<K: Key, F: Fn(&T) -> K + Clone + 'static>(
        &self,
        key: F,
    ) -> Grouped<'scope, T, K, F> {
        Grouped {
            data: self.clone(),
            key,
            _key: PhantomData,
        }
    }

    /// Reduces all records to one with `f` (none for an empty data set), on worker 0.
    pub fn reduce(&self, f: impl Fn(T, T) -> T + Clone + 'static) -> DataSet<'scope, T> {
        self.group_by(|_| ()).reduce(f)
    }

    /// Aggregates all records (no record for an empty data set), on worker 0.
    pub fn aggregate<A: Aggregator<T>>(&self, aggregator: A) -> DataSet<'scope, A::Out> {
        self.group_by(|_| ())
            .aggregate(aggregator)
            .map(|((), out)| out)
    }

    /// The record with the smallest `value` (the first seen among ties).
    pub fn min_by<V: Ord>(&self, value: impl Fn(&T) -> V + Clone + 'static) -> DataSet<'scope, T> {
        self.group_by(|_| ()).min_by(value)
    }

    /// The record with the largest `value` (the first seen among ties).
    pub fn max_by<V: Ord>(&self, value: impl Fn(&T) -> V + Clone + 'static) -> DataSet<'scope, T> {
        self.group_by(|_| ()).max_by(value)
    }
}

impl<'scope, T, K, F> Grouped<'scope, T, K, F>
where
    T: Data,
    K: Key,
    F: Fn(&T) -> K + Clone + 'static,
{
    fn route(&self) -> impl Fn(&K) -> u64 + Clone + 'static {
        let (groups, peers) = (self.data.env.config().key_groups, self.data.env.peers());
        move |k: &K| worker_for_key(k, groups, peers) as u64
    }

    /// Combines the records of each group pairwise with `f` (associative, commutative).
    pub fn reduce(&self, f: impl Fn(T, T) -> T + Clone + 'static) -> DataSet<'scope, T> {
        let key = self.key.clone();
        let combine = move |map: &mut HashMap<K, T>, x: T| {
            let k = key(&x);
            match map.remove(&k) {
                Some(prev) => map.insert(k, f(prev, x)),
                None => map.insert(k, x),
            };
        };
        let local = keyed_fold(
            self.data.stream.clone(),
            Pipeline,
            "Combine",
            combine.clone(),
        );
        let (key, route) = (self.key.clone(), self.route());
        let pact = Exchange::new(move |x: &T| route(&key(x)));
        self.data.wrap(keyed_fold(local, pact, "Reduce", combine))
    }

    /// Aggregates each group, giving `(key, result)`.
    pub fn aggregate<A: Aggregator<T>>(&self, aggregator: A) -> DataSet<'scope, (K, A::Out)> {
        let key = self.key.clone();
        let agg = aggregator.clone();
        let partial = std::rc::Rc::new(std::cell::RefCell::new(HashMap::<K, A::Acc>::new()));
        let sink = partial.clone();
        let local = unary_blocking(
            self.data.stream.clone(),
            Pipeline,
            "PreAggregate",
            move |data: &mut Vec<T>| {
                let mut map = sink.borrow_mut();
                for x in data.drain(..) {
                    agg.add(map.entry(key(&x)).or_insert_with(|| agg.init()), &x);
                }
            },
            move || std::mem::take(&mut *partial.borrow_mut()),
        );
        let route = self.route();
        let agg = aggregator.clone();
        let merged = std::rc::Rc::new(std::cell::RefCell::new(HashMap::<K, A::Acc>::new()));
        let sink = merged.clone();
        self.data.wrap(unary_blocking(
            local,
            Exchange::new(move |(k, _): &(K, A::Acc)| route(k)),
            "Aggregate",
            move |data: &mut Vec<(K, A::Acc)>| {
                let mut map = sink.borrow_mut();
                for (k, acc) in data.drain(..) {
                    match map.get_mut(&k) {
                        Some(prev) => agg.merge(prev, acc),
                        None => {
                            map.insert(k, acc);
                        }
                    }
                }
            },
            move || {
                let map = std::mem::take(&mut *merged.borrow_mut());
                map.into_iter()
                    .map(move |(k, acc)| (k, aggregator.finish(acc)))
            },
        ))
    }

    /// Calls `f` once per group with the key and all of the group's records (in input
    /// order). Groups are formed by sorting on the key, out of core: only one group at a
    /// time must fit in memory.
    pub fn reduce_group<I>(
        &self,
        mut f: impl FnMut(&K, Vec<T>) -> I + 'static,
    ) -> DataSet<'scope, I::Item>
    where
        I: IntoIterator,
        I::Item: Data,
        I::IntoIter: 'static,
    {
        let (key, route) = (self.key.clone(), self.route());
        let keyed = self.data.stream.clone().map(move |x| (key(&x), x));
        let by_key = |a: &(K, T), b: &(K, T)| a.0.cmp(&b.0);
        self.data.wrap(sorted_blocking(
            &self.data.env,
            keyed,
            Exchange::new(move |x: &(K, T)| route(&x.0)),
            "ReduceGroup",
            by_key,
            move |sorted| {
                let mut sorted = sorted.peekable();
                let mut current: Option<I::IntoIter> = None;
                std::iter::from_fn(move || {
                    loop {
                        if let Some(item) = current.as_mut().and_then(Iterator::next) {
                            return Some(item);
                        }
                        let (k, first) = sorted.next()?;
                        let mut group = vec![first];
                        while let Some((_, x)) = sorted.next_if(|(k2, _)| *k2 == k) {
                            group.push(x);
                        }
                        current = Some(f(&k, group).into_iter());
                    }
                })
            },
        ))
    }

    /// Per group, the record with the smallest `value` (the first seen among ties).
    pub fn min_by<V: Ord>(&self, value: impl Fn(&T) -> V + Clone + 'static) -> DataSet<'scope, T> {
        self.reduce(move |a, b| if value(&b) < value(&a) { b } else { a })
    }

    /// Per group, the record with the largest `value` (the first seen among ties).
    pub fn max_by<V: Ord>(&self, value: impl Fn(&T) -> V + Clone + 'static) -> DataSet<'scope, T> {
        self.reduce(move |a, b| if value(&b) > value(&a) { b } else { a })
    }

    /// Per group, at most `n` records (which ones is unspecified).
    pub fn first(&self, n: usize) -> DataSet<'scope, T> {
        self.reduce_group(move |_, mut group| {
            group.truncate(n);
            group
        })
    }
}

/// Folds records into a map by key with `fold`, emitting the map's values at the end.
fn keyed_fold<'s, T: Data, K: Key, P>(
    stream: strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, T>,
    pact: P,
    name: &str,
    fold: impl Fn(&mut HashMap<K, T>, T) + 'static,
) -> strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, T>
where
    P: strom_core::timely::dataflow::channels::pact::ParallelizationContract<
            crate::env::Time,
            Vec<T>,
        >,
{
    let map = std::rc::Rc::new(std::cell::RefCell::new(HashMap::new()));
    let sink = map.clone();
    unary_blocking(
        stream,
        pact,
        name,
        move |data: &mut Vec<T>| {
            let mut map = sink.borrow_mut();
            for x in data.drain(..) {
                fold(&mut map, x);
            }
        },
        move || std::mem::take(&mut *map.borrow_mut()).into_values(),
    )
}
