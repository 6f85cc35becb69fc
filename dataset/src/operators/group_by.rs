//! Grouping: `group_by(key)` and what runs per group (`reduce`, `aggregate`,
//! `reduce_group`, `min_by`, `max_by`, `first`), plus the whole-data-set forms; groups
//! read in order are in `sort_group.rs`.
//!
//! Combinable functions (`reduce`, `aggregate`, `min_by`, `max_by`) pre-aggregate on
//! every worker before the exchange, so only one partial value per key and worker moves.
//! Their hash tables, and `reduce_group`'s sort, stay within the managed memory budget
//! and spill to disk beyond it.

use std::cmp::Ordering;
use std::marker::PhantomData;

use strom_core::keys::worker_for_key;
use strom_core::timely::dataflow::channels::pact::{Exchange, Pipeline};

use crate::aggregate::Aggregator;
use crate::data_set::{Data, DataSet, Key};
use crate::operators::sort::Order;
use crate::operators::spilling_map::keyed_blocking;
use crate::total_order::TotalOrder;

/// A data set grouped by a key function; see [`DataSet::group_by`].
pub struct Grouped<'scope, T, K, F> {
    pub(super) data: DataSet<'scope, T>,
    pub(super) key: F,
    _key: PhantomData<K>,
}

impl<T: Data, K, F: Clone> Clone for Grouped<'_, T, K, F> {
    fn clone(&self) -> Self {
        Grouped {
            data: self.data.clone(),
            key: self.key.clone(),
            _key: PhantomData,
        }
    }
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

    /// The record with the smallest `value` in [`TotalOrder`] (floats included; one of
    /// the tied records), on worker 0.
    pub fn min_by<V: TotalOrder>(
        &self,
        value: impl Fn(&T) -> V + Clone + 'static,
    ) -> DataSet<'scope, T> {
        self.group_by(|_| ()).min_by(value)
    }

    /// The record with the largest `value` in [`TotalOrder`] (floats included; one of
    /// the tied records), on worker 0.
    pub fn max_by<V: TotalOrder>(
        &self,
        value: impl Fn(&T) -> V + Clone + 'static,
    ) -> DataSet<'scope, T> {
        self.group_by(|_| ()).max_by(value)
    }
}

impl<'scope, T, K, F> Grouped<'scope, T, K, F>
where
    T: Data,
    K: Key,
    F: Fn(&T) -> K + Clone + 'static,
{
    pub(super) fn route(&self) -> impl Fn(&K) -> u64 + Clone + 'static {
        let (groups, peers) = (self.data.env.config().key_groups, self.data.env.peers());
        move |k: &K| worker_for_key(k, groups, peers) as u64
    }

    /// Combines the records of each group pairwise with `f` (associative, commutative).
    /// Pre-combines on each worker before the exchange; both steps stay within their
    /// share of the managed memory, spilling when it is full.
    pub fn reduce(&self, f: impl Fn(T, T) -> T + Clone + 'static) -> DataSet<'scope, T> {
        let env = &self.data.env;
        let (key, f1, f2) = (self.key.clone(), f.clone(), f.clone());
        let local = keyed_blocking(
            env,
            self.data.stream.clone(),
            Pipeline,
            "Combine",
            move |table, ctx, x: T| {
                table.upsert(ctx, key(&x), || None, |slot| fold_into(&f1, slot, x))
            },
            move |a, b: Option<T>| {
                if let Some(b) = b {
                    fold_into(&f2, a, b)
                }
            },
            |k: K, v: Option<T>| (k, v.expect("every entry holds a record")),
        );
        let route = self.route();
        let (f1, f2) = (f.clone(), f);
        self.data.wrap(keyed_blocking(
            env,
            local,
            Exchange::new(move |(k, _): &(K, T)| route(k)),
            "Reduce",
            move |table, ctx, (k, x): (K, T)| {
                table.upsert(ctx, k, || None, |slot| fold_into(&f1, slot, x))
            },
            move |a, b: Option<T>| {
                if let Some(b) = b {
                    fold_into(&f2, a, b)
                }
            },
            |_k: K, v: Option<T>| v.expect("every entry holds a record"),
        ))
    }

    /// Aggregates each group, giving `(key, result)`. Pre-aggregates on each worker
    /// before the exchange; both steps stay within their share of the managed memory,
    /// spilling when it is full.
    pub fn aggregate<A: Aggregator<T>>(&self, aggregator: A) -> DataSet<'scope, (K, A::Out)> {
        let env = &self.data.env;
        let (key, add, init, merge) = (
            self.key.clone(),
            aggregator.clone(),
            aggregator.clone(),
            aggregator.clone(),
        );
        let local = keyed_blocking(
            env,
            self.data.stream.clone(),
            Pipeline,
            "PreAggregate",
            move |table, ctx, x: T| {
                table.upsert(ctx, key(&x), || init.init(), |acc| add.add(acc, &x))
            },
            move |a, b| merge.merge(a, b),
            |k: K, acc: A::Acc| (k, acc),
        );
        let route = self.route();
        let (init, merge1, merge2) = (aggregator.clone(), aggregator.clone(), aggregator.clone());
        self.data.wrap(keyed_blocking(
            env,
            local,
            Exchange::new(move |(k, _): &(K, A::Acc)| route(k)),
            "Aggregate",
            move |table, ctx, (k, acc): (K, A::Acc)| {
                table.upsert(ctx, k, || init.init(), |prev| merge1.merge(prev, acc))
            },
            move |a, b| merge2.merge(a, b),
            move |k: K, acc: A::Acc| (k, aggregator.finish(acc)),
        ))
    }

    /// Calls `f` once per group with the key and all of the group's records (in input
    /// order; [`Grouped::sort_group`] orders them). Groups are formed by sorting on the
    /// key, out of core: only one group at a time must fit in memory.
    pub fn reduce_group<I>(
        &self,
        f: impl FnMut(&K, Vec<T>) -> I + 'static,
    ) -> DataSet<'scope, I::Item>
    where
        I: IntoIterator,
        I::Item: Data,
        I::IntoIter: 'static,
    {
        self.sort_group(|_| (), Order::Ascending).reduce_group(f)
    }

    /// Per group, the record with the smallest `value` in [`TotalOrder`] (floats
    /// included: `-0.0` below `0.0`, a positive NaN above everything; one of the tied
    /// records).
    ///
    /// ```
    /// use strom_core::RuntimeConfig;
    /// use strom_dataset::execute;
    ///
    /// let mut lowest = execute(&RuntimeConfig::default().with_workers(2), |env| {
    ///     env.from_collection(vec![(1, 2.5), (1, f64::NAN), (1, -0.5), (2, 0.0), (2, -0.0)])
    ///         .group_by(|x: &(u32, f64)| x.0)
    ///         .min_by(|x| x.1)
    ///         .collect()
    /// })
    /// .unwrap()
    /// .unwrap();
    /// lowest.sort_by_key(|x| x.0);
    /// assert_eq!(lowest[0], (1, -0.5));
    /// assert!(lowest[1].1 == 0.0 && lowest[1].1.is_sign_negative());
    /// ```
    pub fn min_by<V: TotalOrder>(
        &self,
        value: impl Fn(&T) -> V + Clone + 'static,
    ) -> DataSet<'scope, T> {
        self.reduce(move |a, b| pick(&value, a, b, Ordering::Less))
    }

    /// Per group, the record with the largest `value` in [`TotalOrder`] (floats
    /// included; a positive NaN is the largest; one of the tied records).
    pub fn max_by<V: TotalOrder>(
        &self,
        value: impl Fn(&T) -> V + Clone + 'static,
    ) -> DataSet<'scope, T> {
        self.reduce(move |a, b| pick(&value, a, b, Ordering::Greater))
    }

    /// Per group, at most `n` records (which ones is unspecified; after
    /// [`Grouped::sort_group`], the first `n` in order).
    pub fn first(&self, n: usize) -> DataSet<'scope, T> {
        self.sort_group(|_| (), Order::Ascending).first(n)
    }
}

/// `b` if its value is `wanted` beside `a`'s, else `a` (ties keep `a`).
fn pick<T, V: TotalOrder>(value: &impl Fn(&T) -> V, a: T, b: T, wanted: Ordering) -> T {
    if value(&b).total_cmp(&value(&a)) == wanted {
        b
    } else {
        a
    }
}

/// Combines `x` into a group's running value with `f` (statically dispatched: this runs
/// once per record).
fn fold_into<T>(f: &impl Fn(T, T) -> T, slot: &mut Option<T>, x: T) {
    *slot = Some(match slot.take() {
        Some(prev) => f(prev, x),
        None => x,
    });
}
