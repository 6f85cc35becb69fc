//! The shape of every blocking operator: absorb all input, then produce once the input
//! frontier is empty (batch data all carries epoch 0, so the operator can hold the
//! epoch's capability until then and still produce output for empty inputs).

use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::ParallelizationContract;
use strom_core::timely::dataflow::operators::generic::Operator;

use crate::env::Time;

/// Calls `absorb` with every input batch, then `finish` once, whose records are the output.
pub(crate) fn unary_blocking<'s, T, O, P, A, F, I>(
    stream: StreamVec<'s, Time, T>,
    pact: P,
    name: &str,
    mut absorb: A,
    finish: F,
) -> StreamVec<'s, Time, O>
where
    T: 'static,
    O: 'static,
    P: ParallelizationContract<Time, Vec<T>>,
    A: FnMut(&mut Vec<T>) + 'static,
    F: FnOnce() -> I + 'static,
    I: IntoIterator<Item = O>,
{
    stream.unary_frontier(pact, name, move |cap, _info| {
        let mut cap = Some(cap);
        let mut finish = Some(finish);
        move |(input, frontier), output| {
            input.for_each(|_time, data| absorb(data));
            if frontier.frontier().is_empty()
                && let (Some(cap), Some(finish)) = (cap.take(), finish.take())
            {
                output.session(&cap).give_iterator(finish().into_iter());
            }
        }
    })
}

/// The two-input form of [`unary_blocking`]: `finish` runs once both inputs are complete.
/// `early` runs (once) as soon as the second input is complete, with output allowed.
pub(crate) fn binary_blocking<'s, T1, T2, O, P1, P2, A1, A2, F, I>(
    first: StreamVec<'s, Time, T1>,
    second: StreamVec<'s, Time, T2>,
    pacts: (P1, P2),
    name: &str,
    mut absorb_first: A1,
    mut absorb_second: A2,
    finish: F,
) -> StreamVec<'s, Time, O>
where
    T1: 'static,
    T2: 'static,
    O: 'static,
    P1: ParallelizationContract<Time, Vec<T1>>,
    P2: ParallelizationContract<Time, Vec<T2>>,
    A1: FnMut(&mut Vec<T1>, bool, &mut Vec<O>) + 'static,
    A2: FnMut(&mut Vec<T2>) + 'static,
    F: FnOnce(&mut Vec<O>) -> I + 'static,
    I: IntoIterator<Item = O>,
{
    first.binary_frontier(second, pacts.0, pacts.1, name, move |cap, _info| {
        let mut cap = Some(cap);
        let mut finish = Some(finish);
        let mut produced = Vec::new();
        move |(input1, frontier1), (input2, frontier2), output| {
            input2.for_each(|_time, data| absorb_second(data));
            let second_done = frontier2.frontier().is_empty();
            input1.for_each(|_time, data| absorb_first(data, second_done, &mut produced));
            if let Some(cap) = cap.as_ref()
                && !produced.is_empty()
            {
                output.session(cap).give_iterator(produced.drain(..));
            }
            if second_done
                && frontier1.frontier().is_empty()
                && let (Some(cap), Some(finish)) = (cap.take(), finish.take())
            {
                let rest = finish(&mut produced);
                let mut session = output.session(&cap);
                session.give_iterator(produced.drain(..));
                session.give_iterator(rest.into_iter());
            }
        }
    })
}
