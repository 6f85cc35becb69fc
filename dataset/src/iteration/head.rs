//! The head of an iteration: it starts every round and decides when the loop ends.
//!
//! The head buffers the data of the next round (the initial input for round 0, then
//! what the step fed back) and holds a capability at that round's time, so the round
//! cannot start anywhere before the head releases it. Once the feedback frontier shows
//! that round `r` is complete everywhere (nothing at a time `<= r + 1` can still arrive),
//! the head knows the round's totals, summed from the signals of all workers, and
//! either starts round `r + 1` (gives its data and a token for the replays, then moves
//! its capability on) or ends the loop (drops its round capability, so every operator
//! in the loop finishes, and gives the result at time 0 to the operators after it).
//!
//! The round buffer is a memory consumer: without a limit a vector, under one a
//! [`SpillQueue`] that keeps the head's share in memory and appends the rest to a
//! spill file, read back in arrival order when the round starts.

use std::cell::Cell;
use std::iter::Peekable;
use std::rc::Rc;

use strom_core::Result;
use strom_core::spill::SpillQueue;

use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::Capability;
use strom_core::timely::dataflow::operators::generic::OutputBuilder;
use strom_core::timely::dataflow::operators::generic::builder_rc::OperatorBuilder;

use super::signals::Signal;
use crate::data_set::Data;
use crate::env::{Env, Time, WorkerContext};
use crate::operators::blocking::EMIT_BATCH;

/// What the head needs of the step, registered while the step is built.
#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) has_criterion: Cell<bool>,
}

/// How the loop ends besides `max_rounds`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// After a round whose termination criterion (if any) is empty; the result is the
    /// last round's data.
    Bulk,
    /// After a round that fed back an empty workset; the result comes from elsewhere.
    Delta,
}

/// The head's outputs.
pub(crate) struct HeadStreams<'s, T> {
    /// Each round's data, at the round's time.
    pub(crate) data: StreamVec<'s, Time, T>,
    /// One token per worker and round.
    pub(crate) tokens: StreamVec<'s, Time, u32>,
    /// The last round's data (bulk iterations), at time 0.
    pub(crate) result: StreamVec<'s, Time, T>,
}

/// A round's totals as the signals arrive.
#[derive(Default)]
struct Totals {
    records: u64,
    criterion: u64,
    converged: u64,
}

impl Totals {
    fn add(&mut self, signal: Signal) {
        match signal {
            Signal::Records(n) => self.records += n,
            Signal::Criterion(n) => self.criterion += n,
            Signal::Converged => self.converged += 1,
        }
    }
}

/// The data of the next round.
struct RoundBuffer<T> {
    memory: Vec<T>,
    /// Under a memory limit, made on the first record.
    queue: Option<SpillQueue<T>>,
    bounded: bool,
    ctx: Rc<WorkerContext>,
}

/// A round's data as the head gives it.
type Records<T> = Peekable<Box<dyn Iterator<Item = T>>>;

impl<T: Data> RoundBuffer<T> {
    fn append(&mut self, batch: &mut Vec<T>) -> Result<()> {
        if !self.bounded {
            self.memory.append(batch);
            return Ok(());
        }
        let queue = match &mut self.queue {
            Some(queue) => queue,
            None => self.queue.insert(self.ctx.spill_queue()?),
        };
        batch.drain(..).try_for_each(|x| queue.push(x))
    }

    /// Everything buffered, in arrival order, leaving the buffer empty. A record that
    /// cannot be read back fails the job and ends the records.
    fn take(&mut self) -> Records<T> {
        let records: Box<dyn Iterator<Item = T>> = match self.queue.take() {
            None => Box::new(std::mem::take(&mut self.memory).into_iter()),
            Some(queue) => {
                let ctx = self.ctx.clone();
                match queue.drain() {
                    Ok(records) => {
                        Box::new(records.map_while(move |x| x.map_err(|e| ctx.fail(&e)).ok()))
                    }
                    Err(e) => {
                        ctx.fail(&e);
                        Box::new(std::iter::empty())
                    }
                }
            }
        };
        records.peekable()
    }
}

/// Where buffered data goes.
enum Target {
    Round,
    Result,
}

/// Builds the head of a loop over `initial` (time 0) and `feedback` (round data at the
/// next round's time), deciding on `signals` (broadcast, at the next round's time).
pub(crate) fn build<'s, T: Data>(
    env: &Env<'s>,
    initial: StreamVec<'s, Time, T>,
    feedback: StreamVec<'s, Time, T>,
    signals: StreamVec<'s, Time, Signal>,
    mode: Mode,
    max_rounds: u32,
    shared: Rc<Shared>,
) -> HeadStreams<'s, T> {
    let name = match mode {
        Mode::Bulk => "BulkIterationHead",
        Mode::Delta => "DeltaIterationHead",
    };
    let ctx = env.ctx.clone();
    ctx.register_memory_consumer();
    let bounded = env.config().memory_limit.is_some();
    let mut builder = OperatorBuilder::new(name.to_string(), env.scope);
    let activator = env.scope.activator_for(builder.operator_info().address);
    let mut initial_in = builder.new_input(initial, Pipeline);
    let mut feedback_in = builder.new_input(feedback, Pipeline);
    let mut signal_in = builder.new_input(signals, Pipeline);
    let (data_out, data) = builder.new_output::<Vec<T>>();
    let (token_out, tokens) = builder.new_output::<Vec<u32>>();
    let (result_out, result) = builder.new_output::<Vec<T>>();
    let (mut data_out, mut token_out) = (
        OutputBuilder::from(data_out),
        OutputBuilder::from(token_out),
    );
    let mut result_out = OutputBuilder::from(result_out);

    builder.build(move |caps| {
        let mut caps = caps.into_iter();
        let mut round_caps: Option<(Capability<Time>, Capability<Time>)> =
            Some((caps.next().expect("data"), caps.next().expect("tokens")));
        let mut exit_cap: Option<Capability<Time>> = Some(caps.next().expect("result"));
        let mut next: u32 = 0;
        let mut buffer = RoundBuffer {
            memory: Vec::new(),
            queue: None,
            bounded,
            ctx: ctx.clone(),
        };
        let mut totals = Totals::default();
        let mut draining: Option<(Records<T>, Target)> = None;

        move |frontiers| {
            let mut data_out = data_out.activate();
            let mut token_out = token_out.activate();
            let mut result_out = result_out.activate();
            let mut append = |batch: &mut Vec<T>| {
                if let Err(e) = buffer.append(batch) {
                    ctx.fail(&e);
                    batch.clear();
                }
            };
            initial_in.for_each(|_, batch| append(batch));
            feedback_in.for_each(|_, batch| append(batch));
            signal_in.for_each(|_, batch| batch.drain(..).for_each(|s| totals.add(s)));

            if draining.is_none()
                && let Some((_, token_cap)) = round_caps.as_ref()
            {
                let time = Time::from(next);
                let complete = if next == 0 {
                    frontiers[0].frontier().is_empty()
                } else {
                    !frontiers[1].less_equal(&time) && !frontiers[2].less_equal(&time)
                };
                if complete {
                    let mut go_on = next < max_rounds;
                    if next > 0 {
                        go_on &= match mode {
                            Mode::Bulk => !shared.has_criterion.get() || totals.criterion > 0,
                            Mode::Delta => totals.records > 0,
                        };
                        go_on &= totals.converged == 0;
                    }
                    totals = Totals::default();
                    let data = buffer.take();
                    if go_on {
                        token_out.session(token_cap).give(next);
                        draining = Some((data, Target::Round));
                    } else {
                        round_caps = None;
                        let data = match mode {
                            Mode::Bulk => data,
                            Mode::Delta => {
                                let none: Box<dyn Iterator<Item = T>> =
                                    Box::new(std::iter::empty());
                                none.peekable()
                            }
                        };
                        draining = Some((data, Target::Result));
                    }
                }
            }

            if let Some((data, target)) = draining.as_mut() {
                let cap = match target {
                    Target::Round => round_caps.as_ref().map(|(c, _)| c),
                    Target::Result => exit_cap.as_ref(),
                };
                if let Some(cap) = cap {
                    let mut session = match target {
                        Target::Round => data_out.session(cap),
                        Target::Result => result_out.session(cap),
                    };
                    session.give_iterator(data.by_ref().take(EMIT_BATCH));
                }
                if data.peek().is_some() {
                    activator.activate();
                } else {
                    match target {
                        Target::Round => {
                            next += 1;
                            if let Some((data_cap, token_cap)) = round_caps.as_mut() {
                                data_cap.downgrade(&Time::from(next));
                                token_cap.downgrade(&Time::from(next));
                            }
                        }
                        Target::Result => exit_cap = None,
                    }
                    draining = None;
                }
            }
        }
    });
    HeadStreams {
        data,
        tokens,
        result,
    }
}
