//! The source trait: [`SplitReader`], one worker's split of a source, with a position
//! of its own type that checkpoints store per split; [`Poll`], what a read found;
//! [`Timestamps`], where records get their event time; and [`Reached`], how far event
//! time has come in a split of several ordered inputs.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::SourceError;

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

/// One worker's split of a source (Flink's `SourceReader` with its split state).
///
/// The source operator calls [`read`](SplitReader::read) on the worker thread: it must
/// not block (a split whose data comes from storage or the network reads on the I/O
/// runtime and wakes the operator, see [`set_waker`](SplitReader::set_waker)). At each
/// checkpoint epoch the operator stores [`position`](SplitReader::position) of every
/// split; a restored job hands a split all of them
/// ([`resume`](SplitReader::resume)).
pub trait SplitReader<T>: 'static {
    /// Where a split is in its input (a count, byte offsets of files, Kafka offsets
    /// per partition): stored in checkpoints as JSON, so it must round-trip through
    /// serde, and it should be expressed in the source's global terms (a partition, a
    /// file) so that any layout of splits can resume from the union of all of them.
    type Position: Serialize + DeserializeOwned + Clone + 'static;

    /// Appends at most `max` records to `out`.
    fn read(&mut self, out: &mut Vec<T>, max: usize) -> Poll;
    /// How far the split has been read: everything it gave is before it.
    fn position(&self) -> Self::Position;
    /// Whether the watermark moves after every read (stored data read as a stream, so
    /// that results do not depend on the machine's speed) rather than on the
    /// auto-watermark interval of processing time (live sources).
    fn paced_by_records(&self) -> bool {
        false
    }
    /// How far the split's event time has come, for its watermark: by default the
    /// greatest event time among the records it gave. A split that reads several
    /// inputs each in its own order (the partitions of a Kafka split) says instead
    /// how far the least of them has come, so that one input read ahead does not
    /// make another's records late (Flink's per-partition watermarks). Asked after
    /// every read.
    fn reached(&self) -> Reached {
        Reached::Greatest
    }
    /// Takes the means to wake the source operator from another thread (a split
    /// whose reads complete on the I/O runtime wakes it when data has come). Called
    /// once, before the first read; the default ignores it.
    fn set_waker(&mut self, _wake: strom_core::timely::scheduling::SyncActivator) {}
    /// Resumes after a checkpoint of a run with `old_splits` splits whose positions
    /// were `positions` (by split): this split, `me` of `peers`, skips what any of them
    /// had read. Called before the first read. The default takes its own position
    /// back ([`seek`](SplitReader::seek)) when the layout is the same.
    ///
    /// # Errors
    /// [`SourceError::Resume`] when the source cannot resume so (another layout), or
    /// what `seek` gives.
    fn resume(
        &mut self,
        positions: &BTreeMap<usize, Self::Position>,
        old_splits: usize,
        me: usize,
        peers: usize,
    ) -> Result<(), SourceError> {
        if old_splits != peers {
            return Err(SourceError::Resume(format!(
                "it was read by {old_splits} splits and cannot be split anew for {peers}"
            )));
        }
        let position = positions
            .get(&me)
            .ok_or_else(|| SourceError::Resume(format!("no position of split {me}")))?;
        self.seek(position)
    }

    /// Moves to `position` (from a checkpoint), so that reading goes on after it.
    ///
    /// # Errors
    /// [`SourceError::NotReplayable`] by default: a source that can seek says so by
    /// implementing this.
    fn seek(&mut self, _position: &Self::Position) -> Result<(), SourceError> {
        Err(SourceError::NotReplayable(
            "this source does not seek to a checkpointed position".into(),
        ))
    }
}

/// How far a split's event time has come ([`SplitReader::reached`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reached {
    /// The greatest event time among the records given: one ordered input.
    Greatest,
    /// Several inputs, each in order: the least over those that still hold the
    /// watermark (not ended, not idle) of each one's greatest event time given;
    /// `None` while one of them has given nothing (the watermark stays where it is).
    Least(Option<i64>),
}

/// Where a source's records get their event time.
pub enum Timestamps<T> {
    /// From the record (Flink's timestamp assigner).
    Event(Rc<dyn Fn(&T) -> i64>),
    /// The processing clock when the source reads the record; the watermark follows
    /// the clock (Flink's ingestion time).
    Ingestion,
}
