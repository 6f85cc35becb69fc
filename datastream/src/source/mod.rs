//! Sources: each worker reads its own split through a [`SplitReader`], stamps records
//! with event time (a timestamp assigner, or the clock for ingestion time), and moves
//! its watermark as its [`WatermarkStrategy`] says.
//!
//! A split's capability is at its watermark plus one (`docs/0008-stream-time.md`), so
//! downstream frontiers carry the minimum watermark over all splits. A split that ends
//! drops its capability. An idle split (no records for the strategy's idleness
//! timeout) must not hold that minimum back: splits announce their watermarks to each
//! other through a small feedback loop (broadcast, one millisecond ahead), and an
//! idle split moves its capability up to the least watermark among the active splits;
//! when records come again it sends them at that watermark and becomes active.
//!
//! Sources report their read position ([`Position`]) for checkpoints.

mod collection;
mod files;
mod generator;
mod socket;

pub use collection::WATERMARK_EVERY;
pub use files::{FileFormat, FileMode};
pub use generator::{Generator, generated};

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use strom_core::time::{ProcessingClock, StreamSummary, StreamTime};
use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::generic::OutputBuilder;
use strom_core::timely::dataflow::operators::generic::builder_rc::OperatorBuilder;
use strom_core::timely::dataflow::operators::vec::Broadcast;
use strom_core::timely::dataflow::operators::{ConnectLoop, Feedback};

use crate::checkpoint::Ack;
use crate::env::StreamEnv;
use crate::stream::{Data, DataStream, Timestamped};
use crate::watermark::WatermarkStrategy;

/// What a read of a split found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Poll {
    /// Records were read (or may be ready at once): read again soon.
    Ready,
    /// Nothing now; look again after this long.
    Pending(Duration),
    /// The split has ended.
    Done,
}

/// Where a split is in its input, for checkpoints.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Position {
    /// Records given so far (collections, generators).
    Records(u64),
    /// Index ranges `[start, end)` of the source's records this split has given
    /// (collections read as streams: any layout can resume from the union).
    Ranges(Vec<(u64, u64)>),
    /// A file source split's files read to the end (with, after a rescale, those
    /// the splits before it had read), and the file being read with the records of it
    /// given: any layout resumes from the union of all splits' positions.
    Files {
        /// URLs of files read to the end.
        done: Vec<String>,
        /// URL of the file being read, and records of it given.
        current: Option<(String, u64)>,
    },
    /// A generator split's place in the index space (see `generator.rs`): every index
    /// below `base` is made; this split makes the indices from `next` on that are
    /// `next` plus a multiple of the number of splits, except those in `ahead` (made
    /// before a rescale, in ascending order).
    Generated {
        /// Indices below this are made, by any split.
        base: u64,
        /// The next index of this split's class.
        next: u64,
        /// Indices of this split's class at or after `next` that are made already.
        ahead: Vec<u64>,
    },
    /// The input cannot be read again (a socket).
    NotReplayable,
}

impl Position {
    /// The records given, for a source whose position is a count.
    ///
    /// # Errors
    /// When the position is of another kind (a checkpoint of another source).
    pub fn records(&self) -> Result<u64, String> {
        match self {
            Position::Records(n) => Ok(*n),
            other => Err(format!("{other:?} is not a count of records")),
        }
    }
}

/// One worker's split of a source.
pub trait SplitReader<T>: 'static {
    /// Appends at most `max` records to `out`.
    fn read(&mut self, out: &mut Vec<T>, max: usize) -> Poll;
    /// How far the split has been read.
    fn position(&self) -> Position;
    /// Whether the watermark moves after every read (stored data read as a stream, so
    /// that results do not depend on the machine's speed) rather than on the
    /// auto-watermark interval of processing time (live sources).
    fn paced_by_records(&self) -> bool {
        false
    }
    /// Takes the means to wake the source operator from another thread (a split
    /// whose reads complete on the I/O runtime wakes it when data has come). Called
    /// once, before the first read; the default ignores it.
    fn set_waker(&mut self, _wake: strom_core::timely::scheduling::SyncActivator) {}
    /// Resumes after a checkpoint of a run with `old_splits` splits whose positions
    /// were `positions` (by split): this split, `me` of `peers`, skips what any of them
    /// had read. The default takes its own position back when the layout is the same.
    ///
    /// # Errors
    /// When the source cannot resume so (another layout, or not replayable).
    fn resume(
        &mut self,
        positions: &std::collections::BTreeMap<usize, Position>,
        old_splits: usize,
        me: usize,
        peers: usize,
    ) -> Result<(), String> {
        if old_splits != peers {
            return Err(format!(
                "it was read by {old_splits} splits and cannot be split anew for {peers}"
            ));
        }
        let position = positions
            .get(&me)
            .ok_or_else(|| format!("no position of split {me}"))?;
        self.seek(position)
    }

    /// Moves to `position` (from a checkpoint), so that reading goes on after it.
    ///
    /// # Errors
    /// When the source cannot be read again from a position (a socket).
    fn seek(&mut self, position: &Position) -> Result<(), String> {
        Err(format!(
            "this source cannot be read again from {position:?}"
        ))
    }
}

/// Where a source's records get their event time.
pub enum Timestamps<T> {
    /// From the record (Flink's timestamp assigner).
    Event(Rc<dyn Fn(&T) -> i64>),
    /// The processing clock when the source reads the record; the watermark follows
    /// the clock (Flink's ingestion time).
    Ingestion,
}

/// A split's standing as the other splits hear of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Standing {
    Active(i64),
    Idle,
    Done,
}

/// Read positions of this worker's sources, by source name (what a checkpoint stores).
pub type Positions = Rc<RefCell<Vec<(String, Position)>>>;

impl<'s> StreamEnv<'s> {
    /// A stream read from this worker's split `reader`, stamped by `timestamps`, with
    /// watermarks by `strategy` (ignored for ingestion time, whose watermark is the
    /// clock).
    pub fn source<T: Data>(
        &self,
        name: &str,
        mut reader: impl SplitReader<T>,
        timestamps: Timestamps<T>,
        strategy: WatermarkStrategy,
    ) -> DataStream<'s, T> {
        let scope = self.scope;
        let (me, peers) = (self.index(), self.peers());
        let clock = self.clock().clone();
        let interval_d = self.watermark_interval;
        let interval = interval_d.as_millis() as i64;
        let slot = {
            let mut positions = self.positions.borrow_mut();
            positions.push((name.to_string(), reader.position()));
            positions.len() - 1
        };
        let positions = self.positions.clone();
        let flow = self.flow.clone();
        let checkpoints = self.checkpoints.clone();
        let id = checkpoints.as_ref().map(|c| c.operator_id(name));
        if let (Some(c), Some(id)) = (&checkpoints, &id)
            && let Some(restored) = &c.restore
        {
            let Some(positions) = restored.marker.positions.get(id) else {
                panic!("source {id}: the checkpoint has no positions of it: is it this job's?");
            };
            if let Err(e) = reader.resume(positions, restored.marker.workers, me, peers) {
                panic!("source {id}: cannot resume at the checkpoint: {e}");
            }
        }
        let (board_loop, board) = scope.feedback::<Vec<(usize, Standing)>>(StreamSummary {
            epochs: 0,
            millis: 1,
        });
        let mut builder = OperatorBuilder::new(name.to_string(), scope);
        let address = builder.operator_info().address;
        let activator = scope.activator_for(address.clone());
        reader.set_waker(scope.worker().sync_activator_for(address.to_vec()));
        let mut board_in = builder.new_input(board, Pipeline);
        let (data_out, data) = builder.new_output::<Vec<Timestamped<T>>>();
        let (notes_out, notes) = builder.new_output::<Vec<(usize, Standing)>>();
        let (acks_out, acks) = builder.new_output::<Vec<Ack>>();
        let (mut data_out, mut notes_out, mut acks_out) = (
            OutputBuilder::from(data_out),
            OutputBuilder::from(notes_out),
            OutputBuilder::from(acks_out),
        );
        if let Some(c) = &checkpoints {
            c.acknowledge(acks);
        }
        let started = self.clock().now();
        let epochs = checkpoints
            .as_ref()
            .map(|c| (c.interval, c.first_epoch, c.dir.clone()));
        builder.build(move |mut caps| {
            let mut acks_cap = caps.pop().filter(|_| epochs.is_some());
            let mut notes_cap = caps.pop();
            let mut data_cap = caps.pop();
            let mut split = Split {
                strategy,
                clock,
                timestamps,
                max_seen: None,
                last_record: None,
                last_emit: i64::MIN,
                standing: None,
                me,
                others: vec![None; peers],
            };
            let mut batch = Vec::new();
            let mut held_since: Option<std::time::Instant> = None;
            move |_frontiers| {
                board_in.for_each(|_, notes| {
                    for (from, standing) in notes.drain(..) {
                        if from != me {
                            split.others[from] = Some(standing);
                        }
                    }
                });
                let (Some(data_c), Some(notes_c)) = (data_cap.as_mut(), notes_cap.as_mut()) else {
                    return;
                };
                // A new epoch: say where the split was at the end of the last one.
                if let (Some((interval, first, dir)), Some(a)) = (&epochs, acks_cap.as_mut()) {
                    let elapsed = (split.clock.now() - started).max(0) as u128;
                    let target = first + (elapsed / interval.as_millis().max(1)) as u64;
                    if target > data_c.time().epoch && crate::checkpoint::stop_requested(dir) {
                        // Stopped with a savepoint: end here, without a final flush
                        // being published (the committer knows).
                        data_cap = None;
                        notes_cap = None;
                        acks_cap = None;
                        return;
                    }
                    if target > data_c.time().epoch {
                        let ack = Ack::Position {
                            source: id.clone().unwrap_or_default(),
                            split: me,
                            position: reader.position(),
                        };
                        acks_out.activate().session(&*a).give(ack);
                        let to = |t: &StreamTime| StreamTime {
                            epoch: target,
                            ..*t
                        };
                        data_c.downgrade(&to(data_c.time()));
                        notes_c.downgrade(&to(notes_c.time()));
                        a.downgrade(&to(a.time()));
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
                let held = flow.holds(&read_to);
                // Time held back since the last poll counts as backpressure.
                if let Some(since) = held_since.take() {
                    let nanos = since.elapsed().as_nanos() as u64;
                    strom_core::metrics::report_blocked(&address, nanos);
                }
                let poll = if held {
                    // The operators after it are behind: wait for them.
                    held_since = Some(std::time::Instant::now());
                    Poll::Pending(Duration::from_millis(1))
                } else {
                    reader.read(&mut batch, WATERMARK_EVERY)
                };
                positions.borrow_mut()[slot].1 = reader.position();
                let now = split.clock.now();
                let mut data_out = data_out.activate();
                if !batch.is_empty() {
                    split.last_record = Some(now);
                    let records = split.stamp(&mut batch, now);
                    data_out.session(&*data_c).give_iterator(records);
                }
                let standing = if poll == Poll::Done {
                    Standing::Done
                } else if split.is_idle(now) {
                    Standing::Idle
                } else {
                    Standing::Active(split.watermark(now))
                };
                // Watermarks move on the auto-watermark interval (or after every read
                // of stored data); the others hear of a new standing at once and of a
                // new watermark on the interval.
                let due =
                    reader.paced_by_records() || now.saturating_sub(split.last_emit) >= interval;
                let target = match standing {
                    Standing::Active(w) => Some(w).filter(|_| due),
                    Standing::Idle => split.least_active_other(),
                    Standing::Done => None,
                };
                if let Some(w) = target {
                    split.last_emit = now;
                    let next = StreamTime::at_watermark(data_c.time().epoch, w);
                    if next.event > data_c.time().event {
                        data_c.downgrade(&next);
                        notes_c.downgrade(&next);
                        strom_core::metrics::report_watermark(&address, w);
                    }
                }
                let changed = match (split.standing, standing) {
                    (Some(Standing::Active(_)), Standing::Active(_)) => {
                        due && split.standing != Some(standing)
                    }
                    (before, now) => before != Some(now),
                };
                if changed {
                    split.standing = Some(standing);
                    notes_out.activate().session(&*notes_c).give((me, standing));
                }
                match poll {
                    Poll::Done => {
                        if let Some(a) = acks_cap.take() {
                            let ack = Ack::Position {
                                source: id.clone().unwrap_or_default(),
                                split: me,
                                position: reader.position(),
                            };
                            acks_out.activate().session(&a).give(ack);
                        }
                        data_cap = None;
                        notes_cap = None;
                    }
                    Poll::Ready => activator.activate(),
                    Poll::Pending(after) => {
                        // Look again in time to move the watermark on the interval
                        // and to notice idleness.
                        let after = match (&split.strategy.idleness(), &split.timestamps) {
                            (_, Timestamps::Ingestion) | (Some(_), _) => after.min(interval_d),
                            _ if !due => after.min(interval_d),
                            _ => after,
                        };
                        activator.activate_after(after);
                    }
                }
            }
        });
        notes.broadcast().connect_loop(board_loop);
        DataStream::from_stream(self, data)
    }
}

/// A split's timekeeping.
struct Split<T> {
    strategy: WatermarkStrategy,
    clock: ProcessingClock,
    timestamps: Timestamps<T>,
    max_seen: Option<i64>,
    /// Processing time of the last record read.
    last_record: Option<i64>,
    /// Processing time the watermark last moved.
    last_emit: i64,
    /// What the other splits were last told.
    standing: Option<Standing>,
    /// This split's index.
    me: usize,
    /// What the other splits said (`None`: nothing yet, which holds like a split at
    /// the start of time).
    others: Vec<Option<Standing>>,
}

impl<T> Split<T> {
    fn stamp<'a>(
        &'a mut self,
        batch: &'a mut Vec<T>,
        now: i64,
    ) -> impl Iterator<Item = Timestamped<T>> + 'a {
        batch.drain(..).map(move |value| {
            let ts = match &self.timestamps {
                Timestamps::Event(f) => f(&value),
                Timestamps::Ingestion => now,
            };
            self.max_seen = Some(self.max_seen.map_or(ts, |m| m.max(ts)));
            Timestamped { ts, value }
        })
    }

    fn watermark(&self, now: i64) -> i64 {
        match self.timestamps {
            Timestamps::Event(_) => self.strategy.watermark(self.max_seen),
            Timestamps::Ingestion => now - 1,
        }
    }

    fn is_idle(&self, now: i64) -> bool {
        match (self.strategy.idleness(), &self.timestamps) {
            (Some(timeout), Timestamps::Event(_)) => {
                let since = self.last_record.unwrap_or(i64::MIN);
                now.saturating_sub(since) >= timeout
            }
            _ => false,
        }
    }

    /// The least watermark among the other splits that are active (`None` when all
    /// are idle or done: then nothing moves, as in Flink).
    fn least_active_other(&self) -> Option<i64> {
        let mut least: Option<i64> = None;
        for (_, other) in self
            .others
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != self.me)
        {
            let w = match other {
                None => return Some(i64::MIN),
                Some(Standing::Active(w)) => *w,
                Some(_) => continue,
            };
            least = Some(least.map_or(w, |l| l.min(w)));
        }
        least
    }
}
