//! External merge sort: records are buffered until their estimated size reaches the
//! budget, then sorted and written as a run; at the end the runs are merged (k-way, with
//! a binary heap). The sort is stable: ties keep input order.

use std::cmp::Ordering;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RUN_MAGIC;
use super::memory::{SpillDir, SpillMetrics};
use crate::error::{Error, Result};

/// Sorts records of `T` with `compare`, spilling sorted runs when the buffer exceeds the
/// budget.
pub struct ExternalSorter<T, C> {
    compare: C,
    budget: u64,
    buffer: Vec<T>,
    buffered: u64,
    runs: Vec<Run>,
    dir: Arc<SpillDir>,
    metrics: Arc<SpillMetrics>,
}

/// A sorted run on disk, deleted when dropped.
struct Run {
    path: PathBuf,
    len: u64,
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The estimated memory a record takes: its inline size plus its serialized size (a
/// stand-in for its heap data). Used to account buffered records against a budget.
pub fn footprint<T: Serialize>(x: &T) -> u64 {
    std::mem::size_of::<T>() as u64 + bincode::serialized_size(x).unwrap_or(0)
}

impl<T, C> ExternalSorter<T, C>
where
    T: Serialize + DeserializeOwned,
    C: Fn(&T, &T) -> Ordering,
{
    /// A sorter with `budget` bytes, spilling into `dir`.
    pub fn new(compare: C, budget: u64, dir: Arc<SpillDir>, metrics: Arc<SpillMetrics>) -> Self {
        ExternalSorter {
            compare,
            budget,
            buffer: Vec::new(),
            buffered: 0,
            runs: Vec::new(),
            dir,
            metrics,
        }
    }

    /// Adds a record.
    ///
    /// # Errors
    /// When a run cannot be written.
    pub fn push(&mut self, x: T) -> Result<()> {
        self.buffered += footprint(&x);
        self.buffer.push(x);
        if self.buffered > self.budget && self.buffer.len() > 1 {
            self.spill()?;
        }
        Ok(())
    }

    /// Runs written so far.
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Writes the buffered records as a run now (for callers that account memory
    /// themselves and hand over a full table at once).
    ///
    /// # Errors
    /// When the run cannot be written.
    pub fn spill_now(&mut self) -> Result<()> {
        if self.buffer.is_empty() {
            Ok(())
        } else {
            self.spill()
        }
    }

    fn spill(&mut self) -> Result<()> {
        let compare = &self.compare;
        self.buffer.sort_by(compare);
        let path = self.dir.file("sort");
        let mut out = BufWriter::with_capacity(
            1 << 16,
            File::create(&path).map_err(|e| Error::path(path.display(), e))?,
        );
        out.write_all(RUN_MAGIC)?;
        let len = self.buffer.len() as u64;
        for x in self.buffer.drain(..) {
            bincode::serialize_into(&mut out, &x)
                .map_err(|e| Error::Internal(format!("spilling: {e}")))?;
        }
        out.flush()?;
        let bytes = out.get_ref().metadata()?.len();
        self.metrics.record(bytes);
        tracing::debug!(
            run = self.runs.len(),
            records = len,
            bytes,
            "spilled a sorted run"
        );
        self.runs.push(Run { path, len });
        self.buffered = 0;
        Ok(())
    }

    /// All records in order.
    ///
    /// # Errors
    /// When a run cannot be opened.
    pub fn finish(mut self) -> Result<Sorted<T, C>> {
        let compare = &self.compare;
        self.buffer.sort_by(compare);
        let mut sources: Vec<Source<T>> = Vec::with_capacity(self.runs.len() + 1);
        for run in std::mem::take(&mut self.runs) {
            sources.push(Source::open(run)?);
        }
        sources.push(Source::Memory(std::mem::take(&mut self.buffer).into_iter()));
        Sorted::new(sources, self.compare)
    }
}

enum Source<T> {
    Memory(std::vec::IntoIter<T>),
    Disk {
        reader: BufReader<File>,
        left: u64,
        _run: Run,
    },
}

impl<T: DeserializeOwned> Source<T> {
    fn open(run: Run) -> Result<Self> {
        let mut reader = BufReader::with_capacity(
            1 << 16,
            File::open(&run.path).map_err(|e| Error::path(run.path.display(), e))?,
        );
        let mut magic = [0u8; 8];
        reader.read_exact(&mut magic)?;
        if &magic != RUN_MAGIC {
            return Err(Error::Internal(format!(
                "{} is not a spill run of this version",
                run.path.display()
            )));
        }
        Ok(Source::Disk {
            reader,
            left: run.len,
            _run: run,
        })
    }

    fn next(&mut self) -> Result<Option<T>> {
        match self {
            Source::Memory(it) => Ok(it.next()),
            Source::Disk { reader, left, .. } => {
                if *left == 0 {
                    return Ok(None);
                }
                *left -= 1;
                bincode::deserialize_from(reader)
                    .map(Some)
                    .map_err(|e| Error::Internal(format!("reading a spill run: {e}")))
            }
        }
    }
}

/// The merged, sorted records: an iterator of `Result<T>` (reading a run can fail).
pub struct Sorted<T, C> {
    sources: Vec<Source<T>>,
    heads: Vec<Option<T>>,
    /// A binary min-heap of source indices, ordered by head (ties: lower index first).
    heap: Vec<usize>,
    compare: C,
}

impl<T: DeserializeOwned, C: Fn(&T, &T) -> Ordering> Sorted<T, C> {
    fn new(mut sources: Vec<Source<T>>, compare: C) -> Result<Self> {
        let heads = sources
            .iter_mut()
            .map(Source::next)
            .collect::<Result<Vec<_>>>()?;
        let mut sorted = Sorted {
            sources,
            heads,
            heap: Vec::new(),
            compare,
        };
        for i in 0..sorted.heads.len() {
            if sorted.heads[i].is_some() {
                sorted.heap.push(i);
                sorted.sift_up(sorted.heap.len() - 1);
            }
        }
        Ok(sorted)
    }

    fn less(&self, a: usize, b: usize) -> bool {
        let (x, y) = (self.heads[a].as_ref(), self.heads[b].as_ref());
        match (x, y) {
            (Some(x), Some(y)) => match (self.compare)(x, y) {
                Ordering::Less => true,
                Ordering::Greater => false,
                Ordering::Equal => a < b,
            },
            _ => false,
        }
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.less(self.heap[i], self.heap[parent]) {
                self.heap.swap(i, parent);
                i = parent;
            } else {
                break;
            }
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut best = i;
            if l < self.heap.len() && self.less(self.heap[l], self.heap[best]) {
                best = l;
            }
            if r < self.heap.len() && self.less(self.heap[r], self.heap[best]) {
                best = r;
            }
            if best == i {
                return;
            }
            self.heap.swap(i, best);
            i = best;
        }
    }
}

impl<T: DeserializeOwned, C: Fn(&T, &T) -> Ordering> Iterator for Sorted<T, C> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        let top = *self.heap.first()?;
        let item = self.heads[top]
            .take()
            .expect("heap holds sources with a head");
        match self.sources[top].next() {
            Ok(Some(next)) => {
                self.heads[top] = Some(next);
                self.sift_down(0);
            }
            Ok(None) => {
                let last = self.heap.pop().expect("non-empty heap");
                if !self.heap.is_empty() {
                    self.heap[0] = last;
                    self.sift_down(0);
                }
            }
            Err(e) => return Some(Err(e)),
        }
        Some(Ok(item))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    type Pair = (u32, u32);

    fn sorter(
        budget: u64,
        dir: &Arc<SpillDir>,
        metrics: &Arc<SpillMetrics>,
    ) -> ExternalSorter<Pair, impl Fn(&Pair, &Pair) -> Ordering> {
        ExternalSorter::new(
            |a: &(u32, u32), b: &(u32, u32)| a.0.cmp(&b.0),
            budget,
            dir.clone(),
            metrics.clone(),
        )
    }

    proptest! {
        // Same result as a stable in-memory sort, whatever the budget; runs are cleaned up.
        #[test]
        fn matches_stable_sort(keys in proptest::collection::vec(0u32..50, 0..400), budget in 1u64..2000) {
            let dir = Arc::new(SpillDir::new(None).unwrap());
            let metrics = Arc::new(SpillMetrics::default());
            let mut s = sorter(budget, &dir, &metrics);
            let input: Vec<(u32, u32)> = keys.iter().enumerate().map(|(i, k)| (*k, i as u32)).collect();
            for x in input.clone() {
                s.push(x).unwrap();
            }
            let got: Vec<(u32, u32)> = s.finish().unwrap().map(Result::unwrap).collect();
            let mut expected = input;
            expected.sort_by_key(|x| x.0);
            prop_assert_eq!(got, expected);
            prop_assert_eq!(crate::spill::tests::files_in(dir.path()), 0);
        }
    }

    #[test]
    fn spills_under_a_small_budget_only() {
        let dir = Arc::new(SpillDir::new(None).unwrap());
        let metrics = Arc::new(SpillMetrics::default());
        let mut s = sorter(1 << 10, &dir, &metrics);
        for i in 0..10_000u32 {
            s.push((i.wrapping_mul(2_654_435_761) % 1000, i)).unwrap();
        }
        assert!(s.runs() > 10);
        let n = s.finish().unwrap().count();
        assert_eq!(n, 10_000);
        assert!(metrics.files() > 10 && metrics.bytes() > 0);

        let quiet = Arc::new(SpillMetrics::default());
        let mut s = sorter(u64::MAX, &dir, &quiet);
        for i in 0..10_000u32 {
            s.push((i, i)).unwrap();
        }
        assert_eq!(s.finish().unwrap().count(), 10_000);
        assert_eq!(quiet.files(), 0);
        let path = dir.path().to_path_buf();
        drop(dir);
        assert!(!path.exists(), "the spill folder is removed with its owner");
    }
}
