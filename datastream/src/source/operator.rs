//! The source operator: one timely operator per source and worker that drives its
//! split through the parts of this module's siblings, in this order per activation:
//! what the other splits said ([`super::watermarks`]), the epoch ([`super::epochs`],
//! acknowledged by [`super::acks`]), flow control ([`super::pacing`]), the read, the
//! watermark and idleness, and when to look again.

use std::rc::Rc;

use strom_core::time::{StreamSummary, StreamTime};
use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::generic::OutputBuilder;
use strom_core::timely::dataflow::operators::generic::builder_rc::OperatorBuilder;
use strom_core::timely::dataflow::operators::vec::Broadcast;
use strom_core::timely::dataflow::operators::{ConnectLoop, Feedback};

use super::acks::PositionAcks;
use super::epochs::{EpochTicker, Tick};
use super::metrics::SourceMetrics;
use super::pacing::Pacing;
use super::reader::{Poll, SplitReader, Timestamps};
use super::watermarks::{Split, Standing};
use super::{WATERMARK_EVERY, restore};
use crate::checkpoint::Ack;
use crate::env::StreamEnv;
use crate::stream::{Data, DataStream, Timestamped};
use crate::watermark::WatermarkStrategy;

/// Builds the source `name` reading `reader` on this worker (see
/// [`StreamEnv::source`]).
///
/// # Panics
/// (Failing the job) when the split cannot resume from the checkpoint restored.
pub(super) fn build<'s, T: Data, R: SplitReader<T>>(
    env: &StreamEnv<'s>,
    name: &str,
    mut reader: R,
    timestamps: Timestamps<T>,
    strategy: WatermarkStrategy,
) -> DataStream<'s, T> {
    let scope = env.scope;
    let (me, peers) = (env.index(), env.peers());
    let interval_d = env.watermark_interval;
    let interval = interval_d.as_millis() as i64;
    let checkpoints = env.checkpoints.clone();
    let id = checkpoints.as_ref().map(|c| c.operator_id(name));
    if let (Some(c), Some(id)) = (&checkpoints, &id)
        && let Some(restored) = &c.restore
        && let Err(e) = restore::resume(&mut reader, restored, id, (me, peers))
    {
        panic!("source {id}: cannot resume at the checkpoint: {e}");
    }
    let (board_loop, board) = scope.feedback::<Vec<(usize, Standing)>>(StreamSummary {
        epochs: 0,
        millis: 1,
    });
    let mut builder = OperatorBuilder::new(name.to_string(), scope);
    let address: Rc<[usize]> = builder.operator_info().address;
    let activator = scope.activator_for(address.clone());
    reader.set_waker(scope.worker().sync_activator_for(address.to_vec()));
    let metrics = SourceMetrics::new(address);
    let mut board_in = builder.new_input(board, Pipeline);
    let (data_out, data) = builder.new_output::<Vec<Timestamped<T>>>();
    let (notes_out, notes) = builder.new_output::<Vec<(usize, Standing)>>();
    let (acks_out, acks) = builder.new_output::<Vec<Ack>>();
    let (mut data_out, mut notes_out) = (
        OutputBuilder::from(data_out),
        OutputBuilder::from(notes_out),
    );
    let acks_out = OutputBuilder::from(acks_out);
    if let Some(c) = &checkpoints {
        c.acknowledge(acks);
    }
    let ticker = checkpoints
        .as_ref()
        .map(|c| EpochTicker::new(c.interval, c.first_epoch, c.dir.clone(), env.clock().now()));
    let mut pacing = Pacing::new(env.flow.clone());
    let clock = env.clock().clone();
    builder.build(move |mut caps| {
        let acks_cap = caps.pop().filter(|_| ticker.is_some());
        let mut notes_cap = caps.pop();
        let mut data_cap = caps.pop();
        let mut acks = PositionAcks::new(id.unwrap_or_default(), me, acks_out, acks_cap);
        let mut split = Split::new(strategy, clock, timestamps, (me, peers));
        let mut batch = Vec::new();
        move |_frontiers| {
            board_in.for_each(|_, notes| {
                for (from, standing) in notes.drain(..) {
                    split.heard(from, standing);
                }
            });
            let (Some(data_c), Some(notes_c)) = (data_cap.as_mut(), notes_cap.as_mut()) else {
                return;
            };
            // A new epoch: say where the split was at the end of the last one.
            if let Some(ticker) = ticker.as_ref().filter(|_| acks.active()) {
                match ticker.tick(split.clock.now(), data_c.time().epoch) {
                    Tick::Stay => {}
                    Tick::Stop => {
                        // Stopped with a savepoint: end here, without a final flush
                        // being published (the committer knows).
                        data_cap = None;
                        notes_cap = None;
                        acks.abandon();
                        return;
                    }
                    Tick::To(target) => {
                        acks.end_epoch(&reader.position(), target);
                        let to = |t: &StreamTime| StreamTime {
                            epoch: target,
                            ..*t
                        };
                        data_c.downgrade(&to(data_c.time()));
                        notes_c.downgrade(&to(notes_c.time()));
                    }
                }
            }
            // Held by what it has read (not by the watermark it last sent, which
            // moves only on the interval: a fast source reads far past it).
            let read_to = StreamTime::at_watermark(
                data_c.time().epoch,
                split
                    .watermark(split.clock.now())
                    .max(data_c.time().watermark()),
            );
            let held = pacing.holds(&read_to, &metrics);
            let poll = if held {
                // The operators after it are behind: wait for them.
                Poll::Pending(std::time::Duration::from_millis(1))
            } else {
                let poll = reader.read(&mut batch, WATERMARK_EVERY);
                split.reached = reader.reached();
                poll
            };
            let now = split.clock.now();
            if !batch.is_empty() {
                let records = split.stamp(&mut batch, now);
                data_out.activate().session(&*data_c).give_iterator(records);
            }
            let standing = split.standing(now, poll == Poll::Done);
            // Watermarks move on the auto-watermark interval, after every read of
            // stored data, as soon as an event-time reader has nothing more for now
            // (sending then costs no throughput and windows fire one batch after
            // their end, not an interval after; in ingestion time the clock would
            // move it at every look, and the others' wake-ups with it), and at once when flow control holds a split
            // whose operators have handled all it let go of (its unsent watermark is
            // all that holds them). The others hear of a new standing at once and of
            // a new watermark when it moves.
            let drained = !held && split.in_event_time() && matches!(poll, Poll::Pending(_));
            let due = split.due(now, reader.paced_by_records(), interval)
                || drained
                || (held && pacing.only_by_itself(data_c.time()));
            if let Some(w) = split.next_watermark(standing, due, now) {
                let next = StreamTime::at_watermark(data_c.time().epoch, w);
                if next.event > data_c.time().event {
                    data_c.downgrade(&next);
                    notes_c.downgrade(&next);
                    metrics.watermark(w);
                }
            }
            if split.tell(standing, due) {
                notes_out.activate().session(&*notes_c).give((me, standing));
            }
            match poll {
                Poll::Done => {
                    acks.end(&reader.position());
                    data_cap = None;
                    notes_cap = None;
                }
                Poll::Ready => activator.activate(),
                Poll::Pending(after) => {
                    activator.activate_after(split.wait(after, due, interval_d))
                }
            }
        }
    });
    notes.broadcast().connect_loop(board_loop);
    DataStream::from_stream(env, data)
}
