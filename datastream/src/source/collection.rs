//! Collection sources: records in memory, split across workers and read as a live
//! source would read them, in order and in batches, the watermark moving after each
//! batch.
//!
//! A collection of up to [`BLOCK`] records per worker is split in contiguous ranges,
//! one per worker. A larger one is cut into blocks of [`BLOCK`] records dealt to the
//! workers in turn, each reading its blocks in order: records in event-time order (a
//! recorded stream) then keep every worker about as far into event time as the others,
//! where halves would start one worker at the middle and hold every window of the
//! second half open until the first caught up (the watermark is the least over them).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Poll, SplitReader, Timestamps};
use crate::env::StreamEnv;
use crate::error::SourceError;
use crate::stream::{Data, DataStream};
use crate::watermark::WatermarkStrategy;

/// Records a source gives before moving its watermark on (the stand-in for Flink's
/// periodic watermark interval when reading stored data as a stream).
pub const WATERMARK_EVERY: usize = 1024;

/// Records per block of a collection larger than this many per worker.
pub(crate) const BLOCK: usize = 1 << 16;

/// The index ranges worker `index` of `peers` reads of `len` records, in order.
fn ranges_of(len: usize, index: usize, peers: usize) -> VecDeque<(usize, usize)> {
    if len <= BLOCK * peers {
        let (start, end) = (len * index / peers, len * (index + 1) / peers);
        return (start < end).then_some((start, end)).into_iter().collect();
    }
    (index * BLOCK..len)
        .step_by(BLOCK * peers)
        .map(|start| (start, (start + BLOCK).min(len)))
        .collect()
}

/// A collection split's position: the index ranges `[start, end)` of the collection's
/// records it has given, so that any layout of splits resumes from the union.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionPosition {
    /// Ranges given, sorted and disjoint.
    pub given: Vec<(u64, u64)>,
}

/// One split of a shared slice: the index ranges it still has to give, in order, and
/// those it has given (its position, in the slice's own terms, so that a run with
/// another number of splits can resume from the union of all positions).
struct SliceSplit<T> {
    records: Arc<[T]>,
    todo: VecDeque<(usize, usize)>,
    done: Vec<(u64, u64)>,
    /// Records given in this run, records per ms and when reading started (a rate).
    given: usize,
    pace: Option<(f64, i64)>,
    clock: strom_core::time::ProcessingClock,
}

/// `[a, b)` minus the sorted, disjoint `taken` ranges.
fn subtract(a: usize, b: usize, taken: &[(u64, u64)]) -> Vec<(usize, usize)> {
    let mut left = Vec::new();
    let mut at = a;
    for &(s, e) in taken {
        let (s, e) = (s as usize, e as usize);
        if e <= at || s >= b {
            continue;
        }
        if s > at {
            left.push((at, s.min(b)));
        }
        at = at.max(e);
    }
    if at < b {
        left.push((at, b));
    }
    left
}

/// Sorted, merged ranges.
fn merged(mut ranges: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    ranges.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (s, e) in ranges {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

impl<T: Clone + 'static> SplitReader<T> for SliceSplit<T> {
    type Position = CollectionPosition;

    fn read(&mut self, out: &mut Vec<T>, max: usize) -> Poll {
        let mut max = max;
        if let Some((per_ms, start)) = self.pace {
            let due = ((self.clock.now() - start) as f64 * per_ms) as usize + 1;
            if due <= self.given && !self.todo.is_empty() {
                return Poll::Pending(std::time::Duration::from_millis(1));
            }
            max = max.min(due - self.given);
        }
        let Some((from, to)) = self.todo.front_mut() else {
            return Poll::Done;
        };
        let upto = (*from + max).min(*to);
        out.extend_from_slice(&self.records[*from..upto]);
        self.given += upto - *from;
        self.done.push((*from as u64, upto as u64));
        self.done = merged(std::mem::take(&mut self.done));
        *from = upto;
        if from == to {
            self.todo.pop_front();
        }
        Poll::Ready
    }

    fn position(&self) -> CollectionPosition {
        CollectionPosition {
            given: self.done.clone(),
        }
    }

    fn paced_by_records(&self) -> bool {
        true
    }

    fn resume(
        &mut self,
        positions: &BTreeMap<usize, CollectionPosition>,
        _: usize,
        _: usize,
        _: usize,
    ) -> Result<(), SourceError> {
        let mut taken = Vec::new();
        for position in positions.values() {
            taken.extend_from_slice(&position.given);
        }
        let taken = merged(taken);
        let mut todo = VecDeque::new();
        let mut done = Vec::new();
        for (a, b) in std::mem::take(&mut self.todo) {
            let left = subtract(a, b, &taken);
            let mut at = a;
            for &(s, e) in &left {
                if s > at {
                    done.push((at as u64, s as u64));
                }
                at = e;
            }
            if at < b {
                done.push((at as u64, b as u64));
            }
            todo.extend(left);
        }
        self.todo = todo;
        self.done = merged(done);
        Ok(())
    }
}

impl<'s> StreamEnv<'s> {
    fn slice_split<T>(&self, records: Arc<[T]>, rate: Option<f64>) -> SliceSplit<T> {
        let (index, peers) = (self.index(), self.peers());
        SliceSplit {
            todo: ranges_of(records.len(), index, peers),
            records,
            done: Vec::new(),
            given: 0,
            pace: rate.map(|r| (r / peers as f64 / 1_000.0, self.clock().now())),
            clock: self.clock().clone(),
        }
    }

    /// A stream of `(event time ms, record)` pairs. Worker `i` of `n` reads the `i`-th
    /// of `n` contiguous splits (a large collection: every `n`-th block from the
    /// `i`-th, see the module), in order, with its own watermark (as one split of a
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
            .name("Source: collection")
            .map_within(|(_, value)| value)
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
        .name("Source: collection")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(records: &Arc<[u32]>, me: usize, peers: usize) -> SliceSplit<u32> {
        SliceSplit {
            records: records.clone(),
            todo: ranges_of(records.len(), me, peers),
            done: Vec::new(),
            given: 0,
            pace: None,
            clock: strom_core::time::ProcessingClock::System,
        }
    }

    #[test]
    fn a_large_collection_is_dealt_in_blocks_in_turn_and_a_small_one_in_halves() {
        let b = BLOCK;
        let layout = |len, me| Vec::from(ranges_of(len, me, 2));
        assert_eq!(layout(10, 0), [(0, 5)]);
        assert_eq!(layout(10, 1), [(5, 10)]);
        assert_eq!(layout(2 * b, 1), [(b, 2 * b)]);
        assert_eq!(
            layout(5 * b + 7, 0),
            [(0, b), (2 * b, 3 * b), (4 * b, 5 * b)]
        );
        assert_eq!(
            layout(5 * b + 7, 1),
            [(b, 2 * b), (3 * b, 4 * b), (5 * b, 5 * b + 7)]
        );
        // Every index once, each worker's ranges in order, at any size and count.
        for len in [0, 1, 3, b, 2 * b + 1, 7 * b + 3] {
            for peers in 1..5 {
                let mut all = Vec::new();
                for me in 0..peers {
                    let ranges = ranges_of(len, me, peers);
                    assert!(
                        ranges
                            .iter()
                            .zip(ranges.iter().skip(1))
                            .all(|(x, y)| x.1 <= y.0)
                    );
                    all.extend(ranges.into_iter().flat_map(|(s, e)| s..e));
                }
                all.sort_unstable();
                assert_eq!(all, (0..len).collect::<Vec<_>>(), "{len} at {peers}");
            }
        }
    }

    /// Blocks read part-way at 2 workers, resumed at 3 part-way, then at 1: every
    /// record once.
    #[test]
    fn blocks_resume_at_other_layouts_giving_every_record_once() {
        let records: Arc<[u32]> = (0..(5 * BLOCK + 11) as u32).collect();
        let mut got = Vec::new();
        let mut read = |layout: &[usize], from: &BTreeMap<usize, CollectionPosition>| {
            let mut positions = BTreeMap::new();
            for (me, &stop) in layout.iter().enumerate() {
                let mut s = split(&records, me, layout.len());
                s.resume(from, from.len(), me, layout.len()).unwrap();
                let mut given = 0;
                while given < stop {
                    let mut out = Vec::new();
                    if s.read(&mut out, 5_000) == Poll::Done {
                        break;
                    }
                    given += out.len();
                    got.extend(out);
                }
                positions.insert(me, s.position());
            }
            positions
        };
        let first = read(&[90_000, 100_000], &BTreeMap::new());
        let second = read(&[20_000, 0, 70_000], &first);
        read(&[usize::MAX], &second);
        got.sort_unstable();
        assert_eq!(got, (0..records.len() as u32).collect::<Vec<_>>());
    }
}
