//! Aggregators: incremental functions over the records of a group, which can be combined
//! before the exchange (sum, count, min, max, avg, tuples of them, or your own).
//!
//! ```
//! use strom_dataset::agg;
//! // Per group: (sum of amounts, number of records, average amount).
//! let aggregator = (agg::sum(|x: &(u32, i64)| x.1), agg::count(), agg::avg(|x: &(u32, i64)| x.1));
//! # let _ = aggregator;
//! ```

use std::cmp::Ordering;
use std::marker::PhantomData;
use std::ops::AddAssign;

use strom_core::Decimal;

use crate::data_set::Data;
use crate::total_order::TotalOrder;

/// An incremental aggregation over records of type `T`.
///
/// Contract: `merge` is associative and commutative with `init()` as identity, and
/// `finish(merge(a, b))` equals aggregating all of `a`'s and `b`'s records together;
/// Strom relies on this to pre-aggregate on each worker before the exchange.
pub trait Aggregator<T>: Clone + 'static {
    /// The partial aggregate, which crosses workers.
    type Acc: Data;
    /// The final value.
    type Out: Data;
    /// The aggregate of no records.
    fn init(&self) -> Self::Acc;
    /// Adds one record.
    fn add(&self, acc: &mut Self::Acc, record: &T);
    /// Merges another partial aggregate into `acc`.
    fn merge(&self, acc: &mut Self::Acc, other: Self::Acc);
    /// The final value of a non-empty group.
    fn finish(&self, acc: Self::Acc) -> Self::Out;
}

/// Sum of `f(record)`.
pub fn sum<T, S, F>(f: F) -> Sum<F, S>
where
    S: Data + Default + AddAssign,
    F: Fn(&T) -> S + Clone + 'static,
{
    Sum(f, PhantomData)
}

/// See [`sum`].
#[derive(Clone)]
pub struct Sum<F, S>(F, PhantomData<S>);

impl<T, S, F> Aggregator<T> for Sum<F, S>
where
    S: Data + Default + AddAssign,
    F: Fn(&T) -> S + Clone + 'static,
{
    type Acc = S;
    type Out = S;
    fn init(&self) -> S {
        S::default()
    }
    fn add(&self, acc: &mut S, record: &T) {
        *acc += (self.0)(record);
    }
    fn merge(&self, acc: &mut S, other: S) {
        *acc += other;
    }
    fn finish(&self, acc: S) -> S {
        acc
    }
}

/// Number of records.
pub fn count() -> Count {
    Count
}

/// See [`count`].
#[derive(Clone, Copy)]
pub struct Count;

impl<T> Aggregator<T> for Count {
    type Acc = u64;
    type Out = u64;
    fn init(&self) -> u64 {
        0
    }
    fn add(&self, acc: &mut u64, _: &T) {
        *acc += 1;
    }
    fn merge(&self, acc: &mut u64, other: u64) {
        *acc += other;
    }
    fn finish(&self, acc: u64) -> u64 {
        acc
    }
}

/// Smallest `f(record)` in [`TotalOrder`] (floats included; a NaN is skipped unless
/// it has its sign bit set or every value is NaN, see [`TotalOrder`]).
pub fn min<T, V, F>(f: F) -> Extreme<F, V, false>
where
    V: Data + TotalOrder,
    F: Fn(&T) -> V + Clone + 'static,
{
    Extreme(f, PhantomData)
}

/// Largest `f(record)` in [`TotalOrder`] (floats included: a positive NaN is above
/// `+∞`, so it is the maximum when there is one).
pub fn max<T, V, F>(f: F) -> Extreme<F, V, true>
where
    V: Data + TotalOrder,
    F: Fn(&T) -> V + Clone + 'static,
{
    Extreme(f, PhantomData)
}

/// See [`min`] and [`max`].
#[derive(Clone)]
pub struct Extreme<F, V, const MAX: bool>(F, PhantomData<V>);

impl<T, V, F, const MAX: bool> Aggregator<T> for Extreme<F, V, MAX>
where
    V: Data + TotalOrder,
    F: Fn(&T) -> V + Clone + 'static,
{
    type Acc = Option<V>;
    type Out = V;
    fn init(&self) -> Option<V> {
        None
    }
    fn add(&self, acc: &mut Option<V>, record: &T) {
        self.merge(acc, Some((self.0)(record)));
    }
    fn merge(&self, acc: &mut Option<V>, other: Option<V>) {
        let Some(v) = other else { return };
        let better = match acc {
            None => true,
            Some(a) => {
                v.total_cmp(a)
                    == if MAX {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    }
            }
        };
        if better {
            *acc = Some(v);
        }
    }
    fn finish(&self, acc: Option<V>) -> V {
        acc.expect("finish is only called on non-empty groups")
    }
}

/// Values that can be averaged.
pub trait Average: Data + Default + AddAssign {
    /// The type of the mean.
    type Mean: Data;
    /// `sum / n` for `n > 0`.
    fn mean(sum: Self, n: u64) -> Self::Mean;
}

impl Average for f64 {
    type Mean = f64;
    fn mean(sum: f64, n: u64) -> f64 {
        sum / n as f64
    }
}

impl Average for i64 {
    type Mean = f64;
    fn mean(sum: i64, n: u64) -> f64 {
        sum as f64 / n as f64
    }
}

impl Average for u64 {
    type Mean = f64;
    fn mean(sum: u64, n: u64) -> f64 {
        sum as f64 / n as f64
    }
}

/// Decimal means keep at least 6 digits after the point (rounded half away from zero).
impl Average for Decimal {
    type Mean = Decimal;
    fn mean(sum: Decimal, n: u64) -> Decimal {
        sum.div_count(n, sum.scale().max(6))
    }
}

/// Mean of `f(record)`.
pub fn avg<T, S, F>(f: F) -> Avg<F, S>
where
    S: Average,
    F: Fn(&T) -> S + Clone + 'static,
{
    Avg(f, PhantomData)
}

/// See [`avg`].
#[derive(Clone)]
pub struct Avg<F, S>(F, PhantomData<S>);

impl<T, S, F> Aggregator<T> for Avg<F, S>
where
    S: Average,
    F: Fn(&T) -> S + Clone + 'static,
{
    type Acc = (S, u64);
    type Out = S::Mean;
    fn init(&self) -> (S, u64) {
        (S::default(), 0)
    }
    fn add(&self, acc: &mut (S, u64), record: &T) {
        acc.0 += (self.0)(record);
        acc.1 += 1;
    }
    fn merge(&self, acc: &mut (S, u64), other: (S, u64)) {
        acc.0 += other.0;
        acc.1 += other.1;
    }
    fn finish(&self, acc: (S, u64)) -> S::Mean {
        S::mean(acc.0, acc.1)
    }
}

/// A user aggregator from four functions (see [`Aggregator`] for their contract).
pub fn custom<T, A, O, I, D, M, Fin>(init: I, add: D, merge: M, finish: Fin) -> Custom<I, D, M, Fin>
where
    A: Data,
    O: Data,
    I: Fn() -> A + Clone + 'static,
    D: Fn(&mut A, &T) + Clone + 'static,
    M: Fn(&mut A, A) + Clone + 'static,
    Fin: Fn(A) -> O + Clone + 'static,
{
    Custom {
        init,
        add,
        merge,
        finish,
    }
}

/// See [`custom`].
#[derive(Clone)]
pub struct Custom<I, D, M, F> {
    init: I,
    add: D,
    merge: M,
    finish: F,
}

impl<T, A, O, I, D, M, Fin> Aggregator<T> for Custom<I, D, M, Fin>
where
    A: Data,
    O: Data,
    I: Fn() -> A + Clone + 'static,
    D: Fn(&mut A, &T) + Clone + 'static,
    M: Fn(&mut A, A) + Clone + 'static,
    Fin: Fn(A) -> O + Clone + 'static,
{
    type Acc = A;
    type Out = O;
    fn init(&self) -> A {
        (self.init)()
    }
    fn add(&self, acc: &mut A, record: &T) {
        (self.add)(acc, record)
    }
    fn merge(&self, acc: &mut A, other: A) {
        (self.merge)(acc, other)
    }
    fn finish(&self, acc: A) -> O {
        (self.finish)(acc)
    }
}

macro_rules! tuple_aggregator {
    ($($name:ident $idx:tt),+) => {
        impl<T, $($name: Aggregator<T>),+> Aggregator<T> for ($($name,)+) {
            type Acc = ($($name::Acc,)+);
            type Out = ($($name::Out,)+);
            fn init(&self) -> Self::Acc {
                ($(self.$idx.init(),)+)
            }
            fn add(&self, acc: &mut Self::Acc, record: &T) {
                $(self.$idx.add(&mut acc.$idx, record);)+
            }
            fn merge(&self, acc: &mut Self::Acc, other: Self::Acc) {
                $(self.$idx.merge(&mut acc.$idx, other.$idx);)+
            }
            fn finish(&self, acc: Self::Acc) -> Self::Out {
                ($(self.$idx.finish(acc.$idx),)+)
            }
        }
    };
}
tuple_aggregator!(A 0);
tuple_aggregator!(A 0, B 1);
tuple_aggregator!(A 0, B 1, C 2);
tuple_aggregator!(A 0, B 1, C 2, D 3);
tuple_aggregator!(A 0, B 1, C 2, D 3, E 4);
tuple_aggregator!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_aggregator!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_aggregator!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_aggregator!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_aggregator!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
