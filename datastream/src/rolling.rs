//! Rolling aggregation per key (Flink's `KeyedStream.reduce`, `sum`, `min`, `max`,
//! `minBy`, `maxBy`): each record is combined with its key's running value, and the
//! new running value is emitted with the record's event time. The running value is a
//! [`ValueState`], so it lives in the key-grouped state tables like any keyed state.

use std::hash::Hash;
use std::ops::AddAssign;
use std::rc::Rc;

use crate::process::{Context, KeyedProcessFunction, ValueState};
use crate::stream::{Data, DataStream, KeyedStream};

/// Combines a running value with the next record.
type Combine<T> = Rc<dyn Fn(T, T) -> T>;

struct Rolling<T> {
    running: ValueState<T>,
    combine: Combine<T>,
}

impl<K: Data + Hash + Eq, T: Data> KeyedProcessFunction<K, T> for Rolling<T> {
    type Out = T;
    type Side = ();

    fn process_element(&mut self, value: T, ctx: &mut Context<'_, K, T, ()>) {
        let next = match self.running.value(ctx) {
            Some(prev) => (self.combine)(prev, value),
            None => value,
        };
        self.running.update(ctx, next.clone());
        ctx.collect(next);
    }
}

impl<'s, T: Data, K: Data + Hash + Eq> KeyedStream<'s, T, K> {
    /// The running `f`-combination of each key's records so far, one output per record.
    pub fn reduce(&self, f: impl Fn(T, T) -> T + 'static) -> DataStream<'s, T> {
        self.process(Rolling {
            running: ValueState::new("rolling"),
            combine: Rc::new(f),
        })
        .main
    }

    /// The running sum of a field; the other fields are the key's first record's.
    pub fn sum<N>(&self, field: impl Fn(&mut T) -> &mut N + 'static) -> DataStream<'s, T>
    where
        N: AddAssign + Copy,
    {
        self.reduce(move |mut acc, mut next| {
            *field(&mut acc) += *field(&mut next);
            acc
        })
    }

    /// The running minimum of a field; the other fields are the key's first record's
    /// (Flink's `min`; see [`KeyedStream::min_by`] for the whole record).
    pub fn min<N: PartialOrd + Copy>(
        &self,
        field: impl Fn(&mut T) -> &mut N + 'static,
    ) -> DataStream<'s, T> {
        self.keep_field(field, |new, old| new < old)
    }

    /// The running maximum of a field; the other fields are the key's first record's.
    pub fn max<N: PartialOrd + Copy>(
        &self,
        field: impl Fn(&mut T) -> &mut N + 'static,
    ) -> DataStream<'s, T> {
        self.keep_field(field, |new, old| new > old)
    }

    /// The running value of a field, replaced when `better(new, old)`; the other
    /// fields are the key's first record's.
    fn keep_field<N: Copy>(
        &self,
        field: impl Fn(&mut T) -> &mut N + 'static,
        better: impl Fn(&N, &N) -> bool + 'static,
    ) -> DataStream<'s, T> {
        self.reduce(move |mut acc, mut next| {
            let n = *field(&mut next);
            let a = field(&mut acc);
            if better(&n, a) {
                *a = n;
            }
            acc
        })
    }

    /// The record with the least `by` so far (the earliest of equals).
    pub fn min_by<N: PartialOrd>(&self, by: impl Fn(&T) -> N + 'static) -> DataStream<'s, T> {
        self.reduce(move |acc, next| if by(&next) < by(&acc) { next } else { acc })
    }

    /// The record with the greatest `by` so far (the earliest of equals).
    pub fn max_by<N: PartialOrd>(&self, by: impl Fn(&T) -> N + 'static) -> DataStream<'s, T> {
        self.reduce(move |acc, next| if by(&next) > by(&acc) { next } else { acc })
    }
}
