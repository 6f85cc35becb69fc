//! Broadcast state (Flink's broadcast state pattern): a stream of control records
//! (rules, thresholds) sent to every worker, where a [`BroadcastProcessFunction`]
//! keeps them in state that every worker holds alike, and the records of a main
//! stream read that state where they are. Both inputs are taken in time order (as the
//! window operators take them), so a control record reaches every worker's state
//! before main records of later stream times.
//!
//! The state is checkpointed like keyed state (`docs/0009-checkpoints.md`): when the
//! input passes an epoch, worker 0 writes its copy once, as key group 0 of the
//! operator, and every worker restores that copy, whatever the number of workers
//! then (issue 17: a savepoint without it lost the rules, silently).

use std::mem;

use serde::Serialize;
use serde::de::DeserializeOwned;
use strom_core::time::StreamTime;
use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::Capability;
use strom_core::timely::dataflow::operators::generic::OutputBuilder;
use strom_core::timely::dataflow::operators::generic::builder_rc::OperatorBuilder;

use crate::checkpoint::{Ack, GroupSink, Part, snapshots_in};
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
    /// The broadcast state, alike on every worker, and in checkpoints (serialised with
    /// bincode).
    type State: Default + Serialize + DeserializeOwned + 'static;
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
        let env = &both.env;
        let mut builder = OperatorBuilder::new("BroadcastProcess".to_string(), env.scope);
        let mut input = builder.new_input(both.stream.clone(), Pipeline);
        let (data_out, data) = builder.new_output::<Vec<Timestamped<F::Out>>>();
        let (acks_out, acks) = builder.new_output::<Vec<Ack>>();
        let (mut data_out, mut acks_out) =
            (OutputBuilder::from(data_out), OutputBuilder::from(acks_out));
        let address = builder.operator_info().address;
        let (mut snapshots, wake) = snapshots_in(env, "broadcast", acks, &address);
        let writer = env.index() == 0;
        builder.build(move |mut initial| {
            let acks_cap = initial.pop();
            drop(initial);
            let mut state = F::State::default();
            if let Some(s) = snapshots.as_mut() {
                s.start(acks_cap, wake, STATE_GROUP..STATE_GROUP + 1, |_, parts| {
                    for part in parts {
                        let Part::Full(bytes) = part else {
                            panic!("broadcast state: the operator writes no deltas");
                        };
                        state = bincode::deserialize(&bytes).unwrap_or_else(|e| {
                            panic!("broadcast state: not this operator's snapshot: {e}")
                        });
                    }
                });
            }
            let mut stash: TimeOrdered<Capability<StreamTime>, Timestamped<Either<I, B>>> =
                TimeOrdered::default();
            let mut out = Vec::new();
            move |frontiers| {
                input.for_each(|cap, batch| {
                    let time = *cap.stamp().iter().next().expect("a record has a time");
                    stash.push(time, || cap.delayed(&time, 0), batch);
                });
                if let Some(s) = snapshots.as_mut() {
                    s.poll(&mut acks_out);
                }
                let frontier = frontiers[0].frontier();
                let mut data_out = data_out.activate();
                while let Some((time, cap, records)) = stash.pop_ready(frontier) {
                    if let Some(s) = snapshots.as_mut() {
                        let snapshot = |sink: &mut dyn GroupSink| snapshot(writer, &state, sink);
                        s.take(time.epoch, snapshot, &mut acks_out);
                    }
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
                        data_out
                            .session(&cap)
                            .give_container(&mut mem::take(&mut out));
                    }
                }
                if let Some(s) = snapshots.as_mut() {
                    let snapshot = |sink: &mut dyn GroupSink| snapshot(writer, &state, sink);
                    s.settle(stash.open_epoch(frontier), snapshot, &mut acks_out);
                }
            }
        });
        self.main.wrap(data)
    }
}

/// The key group the broadcast state is written as.
const STATE_GROUP: u32 = 0;

/// Writes the broadcast state to `sink` once for the job: from worker 0 (`writer`),
/// whose copy every worker's equals.
fn snapshot<S: Serialize>(writer: bool, state: &S, sink: &mut dyn GroupSink) {
    if writer {
        let bytes = bincode::serialize(state).expect("broadcast state serialises");
        sink.emit(STATE_GROUP, Part::Full(bytes));
    }
}
