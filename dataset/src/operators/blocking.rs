//! The shape of every blocking operator: absorb all input, then produce once the input
//! frontier is empty (batch data all carries epoch 0, so the operator can hold the
//! epoch's capability until then and still produce output for empty inputs).
//!
//! Results are emitted in batches of [`EMIT_BATCH`] records per activation; the operator
//! re-activates itself until its result is exhausted, so downstream operators consume
//! as it produces and a large (e.g. out-of-core sorted) result never sits in memory whole.

use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::ParallelizationContract;
use strom_core::timely::dataflow::operators::generic::Operator;

use crate::env::Time;

/// Records a blocking operator emits per activation.
pub(crate) const EMIT_BATCH: usize = 16 * 1024;

/// Gives up to [`EMIT_BATCH`] of `results` to `give`; returns whether more may remain.
fn emit_batch<O>(results: &mut impl Iterator<Item = O>, mut give: impl FnMut(O)) -> bool {
    let mut emitted = 0;
    for x in results.by_ref() {
        give(x);
        emitted += 1;
        if emitted == EMIT_BATCH {
            return true;
        }
    }
    false
}

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
    I::IntoIter: 'static,
{
    let scope = stream.scope();
    stream.unary_frontier(pact, name, move |cap, info| {
        let activator = scope.activator_for(info.address);
        let mut cap = Some(cap);
        let mut finish = Some(finish);
        let mut pending: Option<I::IntoIter> = None;
        move |(input, frontier), output| {
            input.for_each(|_time, data| absorb(data));
            if frontier.frontier().is_empty()
                && cap.is_some()
                && let Some(finish) = finish.take()
            {
                pending = Some(finish().into_iter());
            }
            if let (Some(results), Some(c)) = (pending.as_mut(), cap.as_ref()) {
                let more = emit_batch(results, |x| output.session(c).give(x));
                if more {
                    activator.activate();
                } else {
                    (pending, cap) = (None, None);
                }
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
    I::IntoIter: 'static,
{
    let scope = first.scope();
    first.binary_frontier(second, pacts.0, pacts.1, name, move |cap, info| {
        let activator = scope.activator_for(info.address);
        let mut cap = Some(cap);
        let mut finish = Some(finish);
        let mut produced = Vec::new();
        let mut pending: Option<I::IntoIter> = None;
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
                && cap.is_some()
                && let Some(finish) = finish.take()
            {
                let rest = finish(&mut produced);
                if let Some(c) = cap.as_ref() {
                    output.session(c).give_iterator(produced.drain(..));
                }
                pending = Some(rest.into_iter());
            }
            if let (Some(results), Some(c)) = (pending.as_mut(), cap.as_ref()) {
                let more = emit_batch(results, |x| output.session(c).give(x));
                if more {
                    activator.activate();
                } else {
                    (pending, cap) = (None, None);
                }
            }
        }
    })
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
    finish: F,
) -> StreamVec<'s, Time, O>
where
    T: crate::data_set::Data,
    O: 'static,
    P: ParallelizationContract<Time, Vec<T>>,
    C: Fn(&T, &T) -> std::cmp::Ordering + Clone + 'static,
    F: FnOnce(Box<dyn Iterator<Item = T>>) -> I + 'static,
    I: IntoIterator<Item = O>,
    I::IntoIter: 'static,
{
    use std::cell::RefCell;
    use std::rc::Rc;

    let ctx = env.ctx.clone();
    ctx.register_memory_consumer();
    let sorter = Rc::new(RefCell::new(None));
    let (absorb_sorter, absorb_ctx, absorb_compare) =
        (sorter.clone(), ctx.clone(), compare.clone());
    unary_blocking(
        stream,
        pact,
        name,
        move |data: &mut Vec<T>| {
            if absorb_ctx.failed() {
                data.clear();
                return;
            }
            let mut slot = absorb_sorter.borrow_mut();
            if slot.is_none() {
                match absorb_ctx.sorter(absorb_compare.clone()) {
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
        move || {
            let sorted: Box<dyn Iterator<Item = T>> = match sorter.borrow_mut().take() {
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
