//! A first-in, first-out queue that keeps at most a budget of records in memory and
//! appends the rest to a spill file; draining yields every record in arrival order.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::memory::{SpillDir, SpillMetrics};
use super::sorter::footprint;
use crate::error::{Error, Result};

/// See the module documentation.
pub struct SpillQueue<T> {
    memory: Vec<T>,
    bytes: u64,
    budget: u64,
    file: Option<(PathBuf, BufWriter<File>, u64)>,
    dir: Arc<SpillDir>,
    metrics: Arc<SpillMetrics>,
}

impl<T: Serialize + DeserializeOwned> SpillQueue<T> {
    /// An empty queue keeping up to `budget` bytes in memory.
    pub fn new(budget: u64, dir: Arc<SpillDir>, metrics: Arc<SpillMetrics>) -> Self {
        SpillQueue {
            memory: Vec::new(),
            bytes: 0,
            budget,
            file: None,
            dir,
            metrics,
        }
    }

    /// Appends a record.
    ///
    /// # Errors
    /// When the spill file cannot be written.
    pub fn push(&mut self, x: T) -> Result<()> {
        if self.file.is_none() {
            self.bytes += footprint(&x);
            self.memory.push(x);
            if self.bytes > self.budget {
                // Everything from here on goes to disk, after the records in memory.
                let path = self.dir.file("queue");
                let writer = BufWriter::with_capacity(
                    1 << 16,
                    File::create(&path).map_err(|e| Error::path(path.display(), e))?,
                );
                self.file = Some((path, writer, 0));
            }
            return Ok(());
        }
        let (_, writer, count) = self.file.as_mut().expect("spilling");
        bincode::serialize_into(writer, &x)
            .map_err(|e| Error::Internal(format!("spilling: {e}")))?;
        *count += 1;
        Ok(())
    }

    /// All records, in arrival order.
    ///
    /// # Errors
    /// When the spill file cannot be read back.
    pub fn drain(self) -> Result<impl Iterator<Item = Result<T>>> {
        let disk = match self.file {
            None => None,
            Some((path, mut writer, count)) => {
                writer.flush()?;
                self.metrics.record(writer.get_ref().metadata()?.len());
                drop(writer);
                let reader = BufReader::with_capacity(
                    1 << 16,
                    File::open(&path).map_err(|e| Error::path(path.display(), e))?,
                );
                // Removed when the records are dropped, read or not.
                Some((RemoveOnDrop(path), reader, count))
            }
        };
        let memory = self.memory.into_iter().map(Ok);
        let spilled = disk.into_iter().flat_map(|(guard, mut reader, count)| {
            (0..count).map(move |_| {
                let _keep = &guard;
                bincode::deserialize_from(&mut reader)
                    .map_err(|e| Error::Internal(format!("reading spill: {e}")))
            })
        });
        Ok(memory.chain(spilled))
    }
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_across_memory_and_disk() {
        let dir = Arc::new(SpillDir::new(None).unwrap());
        let metrics = Arc::new(SpillMetrics::default());
        let mut q = SpillQueue::new(256, dir.clone(), metrics.clone());
        for i in 0..1000u64 {
            q.push((i, format!("r{i}"))).unwrap();
        }
        let got: Vec<(u64, String)> = q.drain().unwrap().map(Result::unwrap).collect();
        assert_eq!(
            got,
            (0..1000).map(|i| (i, format!("r{i}"))).collect::<Vec<_>>()
        );
        assert_eq!(metrics.files(), 1);
        assert_eq!(
            crate::spill::tests::files_in(dir.path()),
            0,
            "spill file removed after draining"
        );
        let mut q = SpillQueue::new(16, dir.clone(), metrics);
        for i in 0..100u64 {
            q.push(i).unwrap();
        }
        drop(q.drain().unwrap());
        assert_eq!(
            crate::spill::tests::files_in(dir.path()),
            0,
            "spill file removed when its records are dropped unread"
        );
    }
}
