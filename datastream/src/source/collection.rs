//! Collection sources: records in memory, split across workers in contiguous ranges
//! and read as a live source would read them, in order and in batches, the watermark
//! moving after each batch.

use std::sync::Arc;

use super::{Poll, Position, SplitReader, Timestamps};
use crate::env::StreamEnv;
use crate::stream::{Data, DataStream};
use crate::watermark::WatermarkStrategy;

/// Records a source gives before moving its watermark on (the stand-in for Flink's
/// periodic watermark interval when reading stored data as a stream).
pub const WATERMARK_EVERY: usize = 256;

/// Worker `index` of `peers`: the records `start..end` of a shared slice.
struct SliceSplit<T> {
    records: Arc<[T]>,
    next: usize,
    end: usize,
    start: usize,
    /// Records per ms and the processing time reading started (for a rate).
    pace: Option<(f64, i64)>,
    clock: strom_core::time::ProcessingClock,
}

impl<T: Clone + 'static> SplitReader<T> for SliceSplit<T> {
    fn read(&mut self, out: &mut Vec<T>, max: usize) -> Poll {
        let mut max = max;
        if let Some((per_ms, start)) = self.pace {
            let due = ((self.clock.now() - start) as f64 * per_ms) as usize + 1;
            let read = self.next - self.start;
            if due <= read && self.next < self.end {
                return Poll::Pending(std::time::Duration::from_millis(1));
            }
            max = max.min(due - read);
        }
        let upto = (self.next + max).min(self.end);
        out.extend_from_slice(&self.records[self.next..upto]);
        let read = upto - self.next;
        self.next = upto;
        if read == 0 { Poll::Done } else { Poll::Ready }
    }

    fn position(&self) -> Position {
        Position::Records((self.next - self.start) as u64)
    }

    fn paced_by_records(&self) -> bool {
        true
    }

    fn seek(&mut self, position: &Position) -> Result<(), String> {
        match position {
            Position::Records(n) if self.start + (*n as usize) <= self.end => {
                self.next = self.start + *n as usize;
                Ok(())
            }
            other => Err(format!("{other:?} is not a position in this split")),
        }
    }
}

impl<'s> StreamEnv<'s> {
    fn slice_split<T>(&self, records: Arc<[T]>, rate: Option<f64>) -> SliceSplit<T> {
        let (index, peers) = (self.index(), self.peers());
        let (start, end) = (
            records.len() * index / peers,
            records.len() * (index + 1) / peers,
        );
        SliceSplit {
            records,
            next: start,
            end,
            start,
            pace: rate.map(|r| (r / peers as f64 / 1_000.0, self.clock().now())),
            clock: self.clock().clone(),
        }
    }

    /// A stream of `(event time ms, record)` pairs. Worker `i` of `n` reads the `i`-th
    /// of `n` contiguous splits, in order, with its own watermark (as one split of a
    /// file source would).
    pub fn from_timestamped<T: Data>(
        &self,
        records: impl Into<Arc<[(i64, T)]>>,
        strategy: WatermarkStrategy,
    ) -> DataStream<'s, T> {
        self.from_timestamped_at(records, strategy, None)
    }

    /// As [`StreamEnv::from_timestamped`], read at `rate` records per second across
    /// the workers when given (as a live source would deliver them).
    pub fn from_timestamped_at<T: Data>(
        &self,
        records: impl Into<Arc<[(i64, T)]>>,
        strategy: WatermarkStrategy,
        rate: Option<f64>,
    ) -> DataStream<'s, T> {
        let split = self.slice_split(records.into(), rate);
        let stamp = Timestamps::Event(std::rc::Rc::new(|r: &(i64, T)| r.0));
        self.source("TimestampedSource", split, stamp, strategy)
            .map(|(_, value)| value)
    }

    /// A stream of `records` in ingestion time: each stamped with the processing
    /// clock as its split reads it.
    pub fn from_collection<T: Data>(&self, records: impl Into<Arc<[T]>>) -> DataStream<'s, T> {
        let split = self.slice_split(records.into(), None);
        self.source(
            "CollectionSource",
            split,
            Timestamps::Ingestion,
            WatermarkStrategy::monotonous(),
        )
    }
}
