//! Broadcast state (Flink's broadcast state pattern): a stream of control records
//! (rules, thresholds) sent to every worker, where a [`BroadcastProcessFunction`]
//! keeps them in state that every worker holds alike, and the records of a main
//! stream read that state where they are. Both inputs are taken in time order (as the
//! window operators take them), so a control record reaches every worker's state
//! before main records of later stream times.

use std::mem;

use strom_core::time::StreamTime;
use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::Capability;
use strom_core::timely::dataflow::operators::generic::Operator;

use crate::connect::Either;
use crate::ordered::TimeOrdered;
use crate::stream::{Data, DataStream, Timestamped};

/// What a broadcast process function sees while handling a record.
pub struct BroadcastContext<'a, O> {
    timestamp: i64,
    out: &'a mut Vec<Timestamped<O>>,
}

impl<O> BroadcastContext<'_, O> {
    /// The record's event time.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }
    /// Emits `value` at the record's event time.
    pub fn collect(&mut self, value: O) {
        self.out.push(Timestamped {
            ts: self.timestamp,
            value,
        });
    }
}

/// User logic over a main stream and a broadcast stream (Flink's
/// `BroadcastProcessFunction`).
pub trait BroadcastProcessFunction<I, B>: 'static {
    /// Records out.
    type Out: Data;
    /// The broadcast state, alike on every worker.
    type State: Default + 'static;
    /// A main record, with read-only access to the broadcast state.
    fn process_element(
        &mut self,
        value: I,
        state: &Self::State,
        ctx: &mut BroadcastContext<'_, Self::Out>,
    );
    /// A broadcast record, which may change the state (every worker sees it).
    fn process_broadcast_element(
        &mut self,
        value: B,
        state: &mut Self::State,
        ctx: &mut BroadcastContext<'_, Self::Out>,
    );
}

/// A stream connected with a broadcast stream.
pub struct BroadcastConnected<'s, I, B> {
    main: DataStream<'s, I>,
    control: DataStream<'s, B>,
}

impl<'s, I: Data> DataStream<'s, I> {
    /// Connects this stream with `control`, which every worker receives whole (Flink's
    /// `connect(broadcastStream)`).
    pub fn connect_broadcast<B: Data>(
        &self,
        control: &DataStream<'s, B>,
    ) -> BroadcastConnected<'s, I, B> {
        BroadcastConnected {
            main: self.clone(),
            control: control.clone(),
        }
    }
}

impl<'s, I: Data, B: Data> BroadcastConnected<'s, I, B> {
    /// Runs `function` on both inputs, this worker's instance of it.
    pub fn process<F: BroadcastProcessFunction<I, B>>(
        &self,
        mut function: F,
    ) -> DataStream<'s, F::Out> {
        let both = self
            .main
            .map(Either::Left)
            .union(&self.control.broadcast().map(Either::Right));
        let out = both
            .stream
            .unary_frontier(Pipeline, "BroadcastProcess", |_, _| {
                let mut state = F::State::default();
                let mut stash: TimeOrdered<Capability<StreamTime>, Timestamped<Either<I, B>>> =
                    TimeOrdered::default();
                let mut out = Vec::new();
                move |(input, frontier), output| {
                    input.for_each(|cap, batch| {
                        let time = *cap.stamp().iter().next().expect("a record has a time");
                        stash.push(time, || cap.delayed(&time, 0), batch);
                    });
                    while let Some((_, cap, records)) = stash.pop_ready(frontier.frontier()) {
                        for r in records {
                            let mut ctx = BroadcastContext {
                                timestamp: r.ts,
                                out: &mut out,
                            };
                            match r.value {
                                Either::Left(i) => function.process_element(i, &state, &mut ctx),
                                Either::Right(b) => {
                                    function.process_broadcast_element(b, &mut state, &mut ctx)
                                }
                            }
                        }
                        if !out.is_empty() {
                            output
                                .session(&cap)
                                .give_container(&mut mem::take(&mut out));
                        }
                    }
                }
            });
        self.main.wrap(out)
    }
}
