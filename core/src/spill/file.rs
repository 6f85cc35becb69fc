//! A file of records written once and read back any number of times: a hash table's
//! partition kept on disk across the rounds of a loop (a static join's build side),
//! where the queue's file and the sorter's runs are read once and removed.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::RUN_MAGIC;
use super::memory::{SpillDir, SpillMetrics};
use crate::error::{Error, Result};

/// See the module documentation. The file is removed when this is dropped.
pub struct SpillFile<T> {
    path: PathBuf,
    /// Open while records are appended; `None` once sealed.
    writer: Option<BufWriter<File>>,
    len: u64,
    bytes: u64,
    metrics: Arc<SpillMetrics>,
    /// Kept while the file is in it.
    _dir: Arc<SpillDir>,
    _records: PhantomData<fn() -> T>,
}

impl<T: Serialize + DeserializeOwned> SpillFile<T> {
    /// A new, empty file in `dir`, named after `what`.
    ///
    /// # Errors
    /// When the file cannot be created.
    pub fn create(what: &str, dir: Arc<SpillDir>, metrics: Arc<SpillMetrics>) -> Result<Self> {
        let path = dir.file(what);
        let mut writer = BufWriter::with_capacity(
            1 << 16,
            File::create(&path).map_err(|e| Error::path(path.display(), e))?,
        );
        writer.write_all(RUN_MAGIC)?;
        Ok(SpillFile {
            path,
            writer: Some(writer),
            len: 0,
            bytes: 0,
            metrics,
            _dir: dir,
            _records: PhantomData,
        })
    }

    /// Appends a record.
    ///
    /// # Errors
    /// When the file cannot be written, or is already sealed.
    pub fn push(&mut self, x: &T) -> Result<()> {
        let writer = self.writer.as_mut().ok_or_else(|| {
            Error::Internal(format!(
                "{} is sealed: no more records",
                self.path.display()
            ))
        })?;
        bincode::serialize_into(writer, x)
            .map_err(|e| Error::Internal(format!("spilling: {e}")))?;
        self.len += 1;
        Ok(())
    }

    /// Ends the writing: flushes the file and counts it in the spill metrics (once).
    ///
    /// # Errors
    /// When the file cannot be flushed.
    pub fn seal(&mut self) -> Result<()> {
        if let Some(mut writer) = self.writer.take() {
            writer.flush()?;
            self.bytes = writer.get_ref().metadata()?.len();
            self.metrics.record(self.bytes);
        }
        Ok(())
    }

    /// Records written.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether no record was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file's size once sealed (0 before).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Every record, in the order written, read from the start of the file.
    ///
    /// # Errors
    /// When the file is not sealed yet, cannot be opened, or is not a spill file of this
    /// version.
    pub fn read(&self) -> Result<impl Iterator<Item = Result<T>> + use<T>> {
        if self.writer.is_some() {
            return Err(Error::Internal(format!(
                "{} is read before it is sealed",
                self.path.display()
            )));
        }
        let mut reader = BufReader::with_capacity(
            1 << 16,
            File::open(&self.path).map_err(|e| Error::path(self.path.display(), e))?,
        );
        let mut magic = [0u8; 8];
        reader.read_exact(&mut magic)?;
        if &magic != RUN_MAGIC {
            return Err(Error::Internal(format!(
                "{} is not a spill file of this version",
                self.path.display()
            )));
        }
        Ok((0..self.len).map(move |_| {
            bincode::deserialize_from(&mut reader)
                .map_err(|e| Error::Internal(format!("reading a spill file: {e}")))
        }))
    }
}

impl<T> Drop for SpillFile<T> {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_every_record_as_often_as_asked() {
        let dir = Arc::new(SpillDir::new(None).unwrap());
        let metrics = Arc::new(SpillMetrics::default());
        let mut file = SpillFile::create("part", dir.clone(), metrics.clone()).unwrap();
        let records: Vec<(u64, String)> = (0..1000).map(|i| (i, format!("r{i}"))).collect();
        for r in &records {
            file.push(r).unwrap();
        }
        assert!(file.read().is_err(), "not readable before it is sealed");
        file.seal().unwrap();
        file.seal().unwrap();
        assert!(file.push(&(0, String::new())).is_err(), "sealed");
        for _ in 0..2 {
            let got: Vec<(u64, String)> = file.read().unwrap().map(Result::unwrap).collect();
            assert_eq!(got, records);
        }
        assert_eq!(file.len(), 1000);
        assert_eq!(metrics.files(), 1, "counted once");
        assert_eq!(metrics.bytes(), file.bytes());
        drop(file);
        assert_eq!(crate::spill::tests::files_in(dir.path()), 0, "removed");
    }
}
