//! The shell's timely operator: one input taken in time order, three data outputs
//! (main, side, tagged sides) and the acknowledgements of its snapshots, around a
//! [`StatefulLogic`]. The only place where a stateful operator meets epochs,
//! snapshots, restores and the stop protocol (`docs/0009-checkpoints.md`).

use std::ops::Range;

use strom_core::time::StreamTime;
use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::ParallelizationContract;
use strom_core::timely::dataflow::operators::generic::OutputBuilder;
use strom_core::timely::dataflow::operators::generic::builder_rc::OperatorBuilder;

use super::versioned::{self, Versioned};
use super::{Held, Outputs, StatefulLogic, Tagged};
use crate::checkpoint::{Ack, snapshots_in};
use crate::env::StreamEnv;
use crate::ordered::TimeOrdered;
use crate::stream::{Data, Timestamped};

/// The outputs of a shell operator.
pub(crate) struct Built<'s, O, S> {
    pub(crate) main: StreamVec<'s, StreamTime, Timestamped<O>>,
    pub(crate) side: StreamVec<'s, StreamTime, Timestamped<S>>,
    pub(crate) tagged: StreamVec<'s, StreamTime, Timestamped<Tagged>>,
}

/// Builds an operator called `name` running `logic` on `input` routed by `pact`,
/// checkpointed (when the job checkpoints) as an operator of `kind` owning the key
/// groups `groups` (restored from the checkpoint on start).
pub(crate) fn build<'s, I, L, P>(
    env: &StreamEnv<'s>,
    name: &str,
    kind: &str,
    input: StreamVec<'s, StreamTime, Timestamped<I>>,
    pact: P,
    groups: Range<u32>,
    mut logic: L,
) -> Built<'s, L::Out, L::Side>
where
    I: Data,
    L: StatefulLogic<I>,
    P: ParallelizationContract<StreamTime, Vec<Timestamped<I>>>,
{
    let mut builder = OperatorBuilder::new(name.to_string(), env.scope);
    let info = builder.operator_info();
    let (address, id) = (info.address, info.global_id);
    let mut input = builder.new_input(input, pact);
    let (main_out, main) = builder.new_output::<Vec<Timestamped<L::Out>>>();
    let (side_out, side) = builder.new_output::<Vec<Timestamped<L::Side>>>();
    let (tagged_out, tagged) = builder.new_output::<Vec<Timestamped<Tagged>>>();
    let (acks_out, acks) = builder.new_output::<Vec<Ack>>();
    let (mut main_out, mut side_out, mut tagged_out, mut acks_out) = (
        OutputBuilder::from(main_out),
        OutputBuilder::from(side_out),
        OutputBuilder::from(tagged_out),
        OutputBuilder::from(acks_out),
    );
    let activator = env.scope.activator_for(address.clone());
    let (mut snapshots, wake) = snapshots_in(env, kind, acks, &address);
    builder.build(move |mut initial| {
        let acks_cap = initial.pop();
        let start = Held::of_initial(initial);
        if let Some(s) = snapshots.as_mut() {
            let epoch = s.epoch();
            s.start(acks_cap, wake, groups, |group, parts| {
                let parts = parts
                    .into_iter()
                    .map(|p| versioned::unwrap(group, p))
                    .collect();
                logic.restore_group(group, parts, epoch, &start);
            });
        }
        drop(start);
        let mut stash: TimeOrdered<Held, Timestamped<I>> = TimeOrdered::default();
        move |frontiers| {
            let _running = strom_core::metrics::running(id);
            let mut out = Outputs::default();
            input.for_each(|cap, batch| {
                let time = *cap.stamp().iter().next().expect("a record has a time");
                stash.push(time, || Held::of_input(&cap, time), batch);
            });
            if let Some(s) = snapshots.as_mut() {
                s.poll(&mut acks_out);
            }
            let frontier = frontiers[0].frontier();
            while let Some((time, at, records)) = stash.pop_ready(frontier) {
                if let Some(s) = snapshots.as_mut()
                    && s.take(
                        time.epoch,
                        |sink| logic.snapshot(&mut Versioned(sink)),
                        &mut acks_out,
                    )
                {
                    logic.end_of_epoch(time.epoch);
                }
                let watermark = stash.watermark_for(time, frontier);
                logic.on_watermark(watermark, &mut out);
                for record in records {
                    logic.on_record(record, &at, watermark, &mut out);
                }
            }
            if let Some(s) = snapshots.as_mut() {
                // Epochs below every open one are complete here; what fires from now
                // on belongs to the open one.
                let open = stash.open_epoch(frontier);
                if let Some(e) = s.settle(
                    open,
                    |sink| logic.snapshot(&mut Versioned(sink)),
                    &mut acks_out,
                ) {
                    logic.end_of_epoch(e);
                }
            }
            let ended = frontier.is_empty() && stash.is_empty();
            if ended
                && snapshots
                    .as_mut()
                    .is_some_and(|s| s.stopped_without_drain())
            {
                logic.on_stop();
            } else {
                logic.on_watermark(stash.settled_watermark(frontier, &address), &mut out);
            }
            let single = match &frontier[..] {
                [f] => Some(*f),
                _ => None,
            };
            if let Some(wait) = logic.on_activation_end(ended, single) {
                activator.activate_after(wait);
            }
            out.send(&mut main_out, &mut side_out, &mut tagged_out);
        }
    });
    Built { main, side, tagged }
}
