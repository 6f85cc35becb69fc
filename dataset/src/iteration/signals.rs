//! What a round tells the iteration's head: how many records it fed back, how many
//! records the termination criterion had, and whether a convergence criterion holds.
//! Each worker sends its partial values to every worker's head, so all heads decide
//! alike.

use serde::{Deserialize, Serialize};
use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::Pipeline;

use crate::env::Time;
use crate::operators::blocking::unary_blocking;

/// One worker's contribution to a round's aggregates.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) enum Signal {
    /// Records fed back to the head (the next partial solution or workset).
    Records(u64),
    /// Records of the termination criterion.
    Criterion(u64),
    /// A convergence criterion held for the round's combined aggregate (sent by worker 0
    /// only: every worker combines the same value).
    Converged,
}

/// Per round, folds `data` into a `u64` with `fold` and emits `signal(total)` (on every
/// worker that saw the round).
pub(crate) fn round_signal<'s, T: 'static>(
    data: StreamVec<'s, Time, T>,
    mut fold: impl FnMut(&mut u64, &T) + 'static,
    mut signal: impl FnMut(u64) -> Signal + 'static,
) -> StreamVec<'s, Time, Signal> {
    unary_blocking(
        data,
        Pipeline,
        "RoundSignal",
        || 0u64,
        move |acc: &mut u64, batch: &mut Vec<T>| {
            for x in batch.drain(..) {
                fold(acc, &x);
            }
        },
        move |acc| Some(signal(acc)),
    )
}
