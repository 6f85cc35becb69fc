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

use serde::Serialize;
use serde::de::DeserializeOwned;
use strom_core::timely::dataflow::channels::pact::Pipeline;

use crate::checkpoint::{GroupSink, Part};
use crate::connect::Either;
use crate::shell::{self, Held, Outputs, StatefulLogic};
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
        function: F,
    ) -> DataStream<'s, F::Out> {
        let both = self
            .main
            .map(Either::Left)
            .union(&self.control.broadcast().map(Either::Right));
        let env = &both.env;
        let logic = BroadcastLogic {
            function,
            state: F::State::default(),
            writer: env.index() == 0,
            out: Vec::new(),
        };
        let built = shell::build(
            env,
            "BroadcastProcess",
            "broadcast",
            both.stream.clone(),
            Pipeline,
            STATE_GROUP..STATE_GROUP + 1,
            logic,
        );
        self.main.wrap(built.main)
    }
}

/// A broadcast process function with its state: the shell's logic.
struct BroadcastLogic<F: BroadcastProcessFunction<I, B>, I, B> {
    function: F,
    state: F::State,
    /// Whether this worker writes the state to checkpoints (worker 0).
    writer: bool,
    out: Vec<Timestamped<F::Out>>,
}

impl<I: Data, B: Data, F: BroadcastProcessFunction<I, B>> StatefulLogic<Either<I, B>>
    for BroadcastLogic<F, I, B>
{
    type Out = F::Out;
    type Side = ();

    fn on_record(
        &mut self,
        record: Timestamped<Either<I, B>>,
        at: &Held,
        _: i64,
        out: &mut Outputs<F::Out, ()>,
    ) {
        let mut ctx = BroadcastContext {
            timestamp: record.ts,
            out: &mut self.out,
        };
        match record.value {
            Either::Left(i) => self.function.process_element(i, &self.state, &mut ctx),
            Either::Right(b) => {
                self.function
                    .process_broadcast_element(b, &mut self.state, &mut ctx);
            }
        }
        out.gather(at, &mut self.out);
    }

    fn on_watermark(&mut self, _: i64, _: &mut Outputs<F::Out, ()>) {}

    /// Writes the broadcast state once for the job: from worker 0, whose copy every
    /// worker's equals.
    fn snapshot(&mut self, sink: &mut dyn GroupSink) {
        if self.writer {
            let bytes = bincode::serialize(&self.state).expect("broadcast state serialises");
            sink.emit(STATE_GROUP, Part::Full(bytes));
        }
    }

    fn restore_group(&mut self, _: u32, parts: Vec<Part>, _: u64, _: &Held) {
        for part in parts {
            let Part::Full(bytes) = part else {
                panic!("broadcast state: the operator writes no deltas");
            };
            self.state = bincode::deserialize(&bytes)
                .unwrap_or_else(|e| panic!("broadcast state: not this operator's snapshot: {e}"));
        }
    }

    fn end_of_epoch(&mut self, _: u64) {}

    fn on_stop(&mut self) {}
}

/// The key group the broadcast state is written as.
const STATE_GROUP: u32 = 0;
