//! The shape of every blocking operator: absorb all input of a time, then produce once
//! the input frontier has passed that time.
//!
//! Batch data carries time 0, so outside iterations there is one time: the operator
//! holds time 0's capability from the start, finishes when its input is complete, and so
//! produces output even for an empty input (a count of nothing is 0). Inside an
//! iteration every round is a later time (see `iterate.rs`); the operator keeps one state
//! per time, made by `make`, and a round without input produces nothing.
//!
//! Results are emitted in batches of [`EMIT_BATCH`] records per activation; the operator
//! re-activates itself until its result is exhausted, so downstream operators consume
//! as it produces and a large (e.g. out-of-core sorted) result never sits in memory whole.

use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::ParallelizationContract;
use strom_core::timely::dataflow::operators::Capability;
use strom_core::timely::dataflow::operators::generic::Operator;

use crate::env::Time;

/// Records a blocking operator emits per activation.
pub(crate) const EMIT_BATCH: usize = 16 * 1024;

/// One time's work in a blocking operator: its state while absorbing, then its results.
struct Round<S, R> {
    cap: Capability<Time>,
    state: Option<S>,
    results: Option<R>,
}

/// The rounds of one operator, ordered by time.
struct Rounds<S, R>(Vec<Round<S, R>>);

impl<S, R> Rounds<S, R> {
    fn new(initial: Capability<Time>, state: S) -> Self {
        Rounds(vec![Round {
            cap: initial,
            state: Some(state),
            results: None,
        }])
    }

    /// The state for `time`, made (with a capability from `cap`) if it is new.
    fn state(
        &mut self,
        time: Time,
        cap: impl FnOnce() -> Option<Capability<Time>>,
        make: impl FnOnce() -> S,
    ) -> Option<&mut S> {
        let at = match self.0.iter().position(|r| *r.cap.time() >= time) {
            Some(i) if *self.0[i].cap.time() == time => i,
            found => {
                let i = found.unwrap_or(self.0.len());
                let round = Round {
                    cap: cap()?,
                    state: Some(make()),
                    results: None,
                };
                self.0.insert(i, round);
                i
            }
        };
        self.0[at].state.as_mut()
    }

    /// Finishes every round whose time `complete` says is complete.
    fn finish(&mut self, complete: impl Fn(&Time) -> bool, mut finish: impl FnMut(S) -> R) {
        for round in &mut self.0 {
            if round.results.is_none() && complete(round.cap.time()) {
                round.results = round.state.take().map(&mut finish);
            }
        }
    }

    /// Emits up to [`EMIT_BATCH`] results of the earliest finished rounds, dropping the
    /// rounds that are exhausted; returns whether results remain to emit.
    fn emit<O>(&mut self, mut give: impl FnMut(&Capability<Time>, O)) -> bool
    where
        R: Iterator<Item = O>,
    {
        let mut emitted = 0;
        while let Some(round) = self.0.first_mut() {
            let Some(results) = round.results.as_mut() else {
                return false;
            };
            for x in results.by_ref() {
                give(&round.cap, x);
                emitted += 1;
                if emitted == EMIT_BATCH {
                    return true;
                }
            }
            self.0.remove(0);
        }
        false
    }
}

/// For each time: makes a state with `make`, calls `absorb` with every input batch of
/// that time, then `finish` once, whose records are the output at that time.
pub(crate) fn unary_blocking<'s, T, O, P, S, M, A, F, I>(
    stream: StreamVec<'s, Time, T>,
    pact: P,
    name: &str,
    mut make: M,
    mut absorb: A,
    mut finish: F,
) -> StreamVec<'s, Time, O>
where
    T: 'static,
    O: 'static,
    S: 'static,
    P: ParallelizationContract<Time, Vec<T>>,
    M: FnMut() -> S + 'static,
    A: FnMut(&mut S, &mut Vec<T>) + 'static,
    F: FnMut(S) -> I + 'static,
    I: IntoIterator<Item = O>,
    I::IntoIter: 'static,
{
    let scope = stream.scope();
    stream.unary_frontier(pact, name, move |cap, info| {
        let activator = scope.activator_for(info.address);
        let mut rounds = Rounds::<S, I::IntoIter>::new(cap, make());
        move |(input, frontier), output| {
            input.for_each(|cap, data| {
                let Some(&time) = cap.least() else { return };
                let retain = || cap.retain_least(0);
                if let Some(state) = rounds.state(time, retain, &mut make) {
                    absorb(state, data);
                }
            });
            let frontier = frontier.frontier();
            rounds.finish(|t| !frontier.less_equal(t), |s| finish(s).into_iter());
            if rounds.emit(|c, x| output.session(c).give(x)) {
                activator.activate();
            }
        }
    })
}

/// The two-input form of [`unary_blocking`]: for each time, `finish` runs once both
/// inputs are complete. `absorb_first` learns whether the second input is complete for
/// the time (so it may produce output early, e.g. a hash join's probe).
#[allow(clippy::too_many_arguments)]
pub(crate) fn binary_blocking<'s, T1, T2, O, P1, P2, S, M, A1, A2, F, I>(
    first: StreamVec<'s, Time, T1>,
    second: StreamVec<'s, Time, T2>,
    pacts: (P1, P2),
    name: &str,
    mut make: M,
    mut absorb_first: A1,
    mut absorb_second: A2,
    mut finish: F,
) -> StreamVec<'s, Time, O>
where
    T1: 'static,
    T2: 'static,
    O: 'static,
    S: 'static,
    P1: ParallelizationContract<Time, Vec<T1>>,
    P2: ParallelizationContract<Time, Vec<T2>>,
    M: FnMut() -> S + 'static,
    A1: FnMut(&mut S, &mut Vec<T1>, bool, &mut Vec<O>) + 'static,
    A2: FnMut(&mut S, &mut Vec<T2>) + 'static,
    F: FnMut(S, &mut Vec<O>) -> I + 'static,
    I: IntoIterator<Item = O>,
    I::IntoIter: 'static,
{
    let scope = first.scope();
    first.binary_frontier(second, pacts.0, pacts.1, name, move |cap, info| {
        let activator = scope.activator_for(info.address);
        let mut rounds = Rounds::<S, Chained<O, I::IntoIter>>::new(cap, make());
        let mut produced = Vec::new();
        move |(input1, frontier1), (input2, frontier2), output| {
            input2.for_each(|cap, data| {
                let Some(&time) = cap.least() else { return };
                let retain = || cap.retain_least(0);
                if let Some(state) = rounds.state(time, retain, &mut make) {
                    absorb_second(state, data);
                }
            });
            let (f1, f2) = (frontier1.frontier(), frontier2.frontier());
            input1.for_each(|cap, data| {
                let Some(&time) = cap.least() else { return };
                let retain = || cap.retain_least(0);
                if let Some(state) = rounds.state(time, retain, &mut make) {
                    absorb_first(state, data, !f2.less_equal(&time), &mut produced);
                }
                if !produced.is_empty() {
                    output
                        .session(rounds.cap(time))
                        .give_iterator(produced.drain(..));
                }
            });
            rounds.finish(
                |t| !f1.less_equal(t) && !f2.less_equal(t),
                |s| {
                    let rest = finish(s, &mut produced);
                    std::mem::take(&mut produced).into_iter().chain(rest)
                },
            );
            if rounds.emit(|c, x| output.session(c).give(x)) {
                activator.activate();
            }
        }
    })
}

/// What a binary blocking operator emits when a round finishes.
type Chained<O, R> = std::iter::Chain<std::vec::IntoIter<O>, R>;

impl<S, R> Rounds<S, R> {
    /// The capability of the round at `time`, which exists.
    fn cap(&self, time: Time) -> &Capability<Time> {
        &self
            .0
            .iter()
            .find(|r| *r.cap.time() == time)
            .expect("the round was just made")
            .cap
    }
}

/// A blocking operator that sorts its input with `compare` out of core (within its share
/// of the managed memory, spilling sorted runs), then hands the sorted records to
/// `finish`, whose records are the output. A failed spill fails the job.
pub(crate) fn sorted_blocking<'s, T, O, P, C, F, I>(
    env: &crate::env::Env<'s>,
    stream: StreamVec<'s, Time, T>,
    pact: P,
    name: &str,
    compare: C,
    mut finish: F,
) -> StreamVec<'s, Time, O>
where
    T: crate::data_set::Data,
    O: 'static,
    P: ParallelizationContract<Time, Vec<T>>,
    C: Fn(&T, &T) -> std::cmp::Ordering + Clone + 'static,
    F: FnMut(Box<dyn Iterator<Item = T>>) -> I + 'static,
    I: IntoIterator<Item = O>,
    I::IntoIter: 'static,
{
    let ctx = env.ctx.clone();
    ctx.register_memory_consumer();
    let absorb_ctx = ctx.clone();
    unary_blocking(
        stream,
        pact,
        name,
        || None,
        move |slot: &mut Option<_>, data: &mut Vec<T>| {
            if absorb_ctx.failed() {
                data.clear();
                return;
            }
            if slot.is_none() {
                match absorb_ctx.sorter(compare.clone()) {
                    Ok(s) => *slot = Some(s),
                    Err(e) => return absorb_ctx.fail(&e),
                }
            }
            let s = slot.as_mut().expect("sorter was just created");
            for x in data.drain(..) {
                if let Err(e) = s.push(x) {
                    absorb_ctx.fail(&e);
                    return;
                }
            }
        },
        move |slot| {
            let sorted: Box<dyn Iterator<Item = T>> = match slot {
                None => Box::new(std::iter::empty()),
                Some(s) => match s.finish() {
                    Ok(sorted) => {
                        let ctx = ctx.clone();
                        Box::new(sorted.map_while(move |r| r.map_err(|e| ctx.fail(&e)).ok()))
                    }
                    Err(e) => {
                        ctx.fail(&e);
                        Box::new(std::iter::empty())
                    }
                },
            };
            finish(sorted)
        },
    )
}
