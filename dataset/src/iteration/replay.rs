//! Entering a data set into an iteration: its records are cached per worker (in memory,
//! as a step's static input usually is small beside the work done on it each round)
//! and given again at every round the head starts, once the input is complete.

use std::collections::VecDeque;

use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::Capability;
use strom_core::timely::dataflow::operators::generic::Operator;

use crate::data_set::Data;
use crate::env::{Env, Time};
use crate::operators::blocking::EMIT_BATCH;

/// `data` (time 0) again at the time of every token (one per round).
pub(crate) fn replay<'s, T: Data>(
    env: &Env<'s>,
    data: StreamVec<'s, Time, T>,
    tokens: StreamVec<'s, Time, u32>,
) -> StreamVec<'s, Time, T> {
    let scope = env.scope;
    data.binary_frontier(
        tokens,
        Pipeline,
        Pipeline,
        "IterationEnter",
        move |_, info| {
            let activator = scope.activator_for(info.address);
            let mut stored: Vec<T> = Vec::new();
            let mut rounds: VecDeque<Capability<Time>> = VecDeque::new();
            let mut position = 0;
            move |(data_in, data_frontier), (token_in, token_frontier), output| {
                data_in.for_each(|_, batch| stored.append(batch));
                token_in.for_each(|cap, _| rounds.extend(cap.retain_least(0)));
                if !data_frontier.frontier().is_empty() {
                    return;
                }
                let mut room = EMIT_BATCH;
                while let Some(cap) = rounds.front() {
                    let end = stored.len().min(position + room);
                    output
                        .session(cap)
                        .give_iterator(stored[position..end].iter().cloned());
                    room -= end - position;
                    position = end;
                    if position == stored.len() {
                        rounds.pop_front();
                        position = 0;
                    }
                    if room == 0 {
                        activator.activate();
                        return;
                    }
                }
                if token_frontier.frontier().is_empty() {
                    stored = Vec::new();
                }
            }
        },
    )
}
