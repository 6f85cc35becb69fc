//! Two streams handled by one operator (Flink's `connect`): co-map and co-flat-map on
//! any two streams, and keyed co-process functions on two keyed streams, which share
//! keyed state and timers for a key across both inputs. Underneath, the two inputs
//! are one stream of [`Either`], so the operator's watermark is the least of both and
//! everything the one-input process operator does (time order, state, timers) holds.

use std::hash::Hash;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::process::operator::Processed;
use crate::process::{Context, KeyedProcessFunction, OutputTags};
use crate::stream::{Data, DataStream, KeyedStream};

/// A record of the first or the second input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Either<A, B> {
    /// From the first input.
    Left(A),
    /// From the second input.
    Right(B),
}

/// Two streams connected for one operator.
pub struct ConnectedStreams<'s, A, B> {
    first: DataStream<'s, A>,
    second: DataStream<'s, B>,
}

impl<'s, A: Data> DataStream<'s, A> {
    /// This stream and `other`, for a co-operator (Flink's `connect`).
    pub fn connect<B: Data>(&self, other: &DataStream<'s, B>) -> ConnectedStreams<'s, A, B> {
        ConnectedStreams {
            first: self.clone(),
            second: other.clone(),
        }
    }
}

impl<'s, A: Data, B: Data> ConnectedStreams<'s, A, B> {
    /// Both inputs as one stream of [`Either`].
    pub fn either(&self) -> DataStream<'s, Either<A, B>> {
        self.first
            .map(Either::Left)
            .union(&self.second.map(Either::Right))
    }

    /// `first` on records of the first input, `second` on the second's (Flink's
    /// `CoMapFunction`).
    pub fn map<O: Data>(
        &self,
        mut first: impl FnMut(A) -> O + 'static,
        mut second: impl FnMut(B) -> O + 'static,
    ) -> DataStream<'s, O> {
        self.either().map(move |e| match e {
            Either::Left(a) => first(a),
            Either::Right(b) => second(b),
        })
    }

    /// As [`ConnectedStreams::map`], each function giving any number of records.
    pub fn flat_map<O: Data, I1, I2>(
        &self,
        mut first: impl FnMut(A) -> I1 + 'static,
        mut second: impl FnMut(B) -> I2 + 'static,
    ) -> DataStream<'s, O>
    where
        I1: IntoIterator<Item = O>,
        I2: IntoIterator<Item = O>,
    {
        self.either().flat_map(move |e| match e {
            Either::Left(a) => first(a).into_iter().collect::<Vec<_>>(),
            Either::Right(b) => second(b).into_iter().collect(),
        })
    }

    /// Keys both inputs, the first by `first` and the second by `second`, onto one key
    /// space.
    pub fn key_by<K: Data + Hash + Eq>(
        &self,
        first: impl Fn(&A) -> K + 'static,
        second: impl Fn(&B) -> K + 'static,
    ) -> KeyedStream<'s, Either<A, B>, K> {
        let (first, second) = (Rc::new(first), Rc::new(second));
        self.either().key_by(move |e: &Either<A, B>| match e {
            Either::Left(a) => first(a),
            Either::Right(b) => second(b),
        })
    }
}

/// User logic for two keyed inputs (Flink's `KeyedCoProcessFunction`).
pub trait KeyedCoProcessFunction<K, A, B>: 'static {
    /// Records of the main output.
    type Out: Data;
    /// Records of the side output.
    type Side: Data;
    /// Called for each record of the first input.
    fn process_element1(&mut self, value: A, ctx: &mut Context<'_, K, Self::Out, Self::Side>);
    /// Called for each record of the second input.
    fn process_element2(&mut self, value: B, ctx: &mut Context<'_, K, Self::Out, Self::Side>);
    /// Called when a timer of the context's key fires.
    fn on_timer(&mut self, timestamp: i64, ctx: &mut Context<'_, K, Self::Out, Self::Side>) {
        let _ = (timestamp, ctx);
    }
    /// The tagged side outputs the function emits to (see
    /// [`KeyedProcessFunction::output_tags`]).
    fn output_tags(&self) -> OutputTags {
        OutputTags::new()
    }
}

/// A co-process function seen as a one-input function of [`Either`].
struct CoProcess<F>(F);

impl<K, A, B, F> KeyedProcessFunction<K, Either<A, B>> for CoProcess<F>
where
    F: KeyedCoProcessFunction<K, A, B>,
{
    type Out = F::Out;
    type Side = F::Side;

    fn process_element(&mut self, value: Either<A, B>, ctx: &mut Context<'_, K, F::Out, F::Side>) {
        match value {
            Either::Left(a) => self.0.process_element1(a, ctx),
            Either::Right(b) => self.0.process_element2(b, ctx),
        }
    }

    fn on_timer(&mut self, timestamp: i64, ctx: &mut Context<'_, K, F::Out, F::Side>) {
        self.0.on_timer(timestamp, ctx);
    }

    fn output_tags(&self) -> OutputTags {
        self.0.output_tags()
    }
}

impl<'s, A: Data, B: Data, K: Data + Hash + Eq> KeyedStream<'s, Either<A, B>, K> {
    /// Runs a keyed co-process function on connected, keyed streams.
    pub fn co_process<F>(&self, function: F) -> Processed<'s, F::Out, F::Side>
    where
        F: KeyedCoProcessFunction<K, A, B>,
    {
        self.process(CoProcess(function))
    }
}
