//! File sources (Flink's `FileSource`): a file, folder or glob through object_store,
//! read as text lines, CSV rows or Parquet rows. Bounded, the files are listed once
//! and dealt to the workers in name order; monitoring, the folder is listed again on
//! an interval and each new file goes to one worker (by a hash of its URL). A file is
//! read whole when its turn comes and its records given in order; the position is the
//! files read to the end and the records given of the current one. A checkpoint
//! restores at any number of workers: the files any split had finished are skipped,
//! the rest dealt anew, and a file read part-way goes on after its records given.
//! Bad data fails the job naming the file and line (or row).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use strom_core::keys::stable_hash;
use strom_core::storage::{FileMeta, list_files};

use super::{Poll, Position, SplitReader, Timestamps};
use crate::env::StreamEnv;
use crate::stream::{Data, DataStream};
use crate::watermark::WatermarkStrategy;

/// How a file source finds its files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileMode {
    /// List once, read what is there, end.
    Bounded,
    /// List again every `interval` and read new files (Flink's
    /// `monitorContinuously`); with `idle_timeout`, end after that long without a new
    /// file.
    Monitor {
        /// How often to list.
        interval: Duration,
        /// End after this long without new files (`None`: never).
        idle_timeout: Option<Duration>,
    },
}

/// How a file's bytes become records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// CSV rows, deserialized by serde (by header names when `header`, else by
    /// position).
    Csv {
        /// Whether the first line names the columns.
        header: bool,
    },
    /// Parquet rows, columns by field name.
    Parquet,
}

type Decode<T> = Box<dyn Fn(&FileMeta) -> strom_core::Result<Vec<T>>>;

struct FileSplit<T> {
    url: String,
    mode: FileMode,
    index: usize,
    peers: usize,
    decode: Decode<T>,
    /// Files this split still has to read, in name order.
    queue: VecDeque<FileMeta>,
    /// Every file seen (any worker's), so monitoring gives each once.
    seen: HashSet<String>,
    current: Option<(String, VecDeque<T>, u64)>,
    /// Files this split has read to the end, and those restored as read.
    done: Vec<String>,
    /// Records already given of files read part-way before a restore.
    resume_at: HashMap<String, u64>,
    listed_at: Option<Instant>,
    last_new: Instant,
}

impl<T: 'static> FileSplit<T> {
    /// Split `index` of `peers` of the files at `url`, nothing read yet.
    fn new(url: &str, mode: FileMode, index: usize, peers: usize, decode: Decode<T>) -> Self {
        FileSplit {
            url: url.to_string(),
            mode,
            index,
            peers,
            decode,
            queue: VecDeque::new(),
            seen: HashSet::new(),
            current: None,
            done: Vec::new(),
            resume_at: HashMap::new(),
            listed_at: None,
            last_new: Instant::now(),
        }
    }

    fn list(&mut self) {
        let files = match list_files(&self.url) {
            Ok(files) => files,
            // A watched folder may be empty or missing for a while.
            Err(_) if matches!(self.mode, FileMode::Monitor { .. }) => Vec::new(),
            Err(e) => panic!("file source: {e}"),
        };
        let first = self.listed_at.is_none();
        self.listed_at = Some(Instant::now());
        // Files read to the end before a restore are seen already.
        let files = files
            .into_iter()
            .filter(|f| self.seen.insert(f.location.url.clone()));
        for (i, file) in files.enumerate() {
            self.last_new = Instant::now();
            let owner = match self.mode {
                FileMode::Bounded if first => i % self.peers,
                _ => (stable_hash(&file.location.url) % self.peers as u64) as usize,
            };
            if owner == self.index {
                self.queue.push_back(file);
            }
        }
    }
}

impl<T: 'static> SplitReader<T> for FileSplit<T> {
    fn read(&mut self, out: &mut Vec<T>, max: usize) -> Poll {
        if let FileMode::Monitor { interval, .. } = self.mode {
            if self.listed_at.is_none_or(|at| at.elapsed() >= interval) {
                self.list();
            }
        } else if self.listed_at.is_none() {
            self.list();
        }
        while out.len() < max {
            if let Some((_, records, given)) = &mut self.current {
                let n = (max - out.len()).min(records.len());
                out.extend(records.drain(..n));
                *given += n as u64;
                if records.is_empty()
                    && let Some((url, _, _)) = self.current.take()
                {
                    self.done.push(url);
                }
                continue;
            }
            let Some(file) = self.queue.pop_front() else {
                break;
            };
            match (self.decode)(&file) {
                Ok(records) => {
                    let url = file.location.url.clone();
                    let mut records: VecDeque<T> = records.into();
                    let given = self.resume_at.remove(&url).unwrap_or(0);
                    records.drain(..(given as usize).min(records.len()));
                    self.current = Some((url, records, given));
                }
                Err(e) => panic!("file source: {e}"),
            }
        }
        if !out.is_empty() {
            return Poll::Ready;
        }
        match self.mode {
            FileMode::Bounded => Poll::Done,
            FileMode::Monitor {
                interval,
                idle_timeout,
            } => {
                if idle_timeout.is_some_and(|t| self.last_new.elapsed() >= t) {
                    Poll::Done
                } else {
                    Poll::Pending(interval)
                }
            }
        }
    }

    fn position(&self) -> Position {
        Position::Files {
            done: self.done.clone(),
            current: self
                .current
                .as_ref()
                .map(|(url, _, given)| (url.clone(), *given)),
        }
    }

    fn resume(
        &mut self,
        positions: &BTreeMap<usize, Position>,
        _old_splits: usize,
        me: usize,
        _peers: usize,
    ) -> Result<(), String> {
        let mut done = Vec::new();
        for position in positions.values() {
            let Position::Files {
                done: read,
                current,
            } = position
            else {
                return Err(format!("{position:?} is not a position of a file source"));
            };
            done.extend(read.iter().cloned());
            if let Some((url, given)) = current {
                self.resume_at.insert(url.clone(), *given);
            }
        }
        done.sort_unstable();
        done.dedup();
        self.seen.extend(done.iter().cloned());
        // One split carries the files read before the restore on into its positions.
        if me == 0 {
            self.done = done;
        }
        Ok(())
    }
}

/// Text lines of a file (CRLF endings trimmed; invalid UTF-8 fails naming the line).
fn text_lines(file: &FileMeta) -> strom_core::Result<Vec<String>> {
    let bytes = file.location.read_all()?;
    let mut lines = Vec::new();
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let text = std::str::from_utf8(line).map_err(|e| {
            strom_core::Error::format(format!("{}:{}", file.location.url, n + 1), e)
        })?;
        lines.push(text.trim_end_matches('\r').to_string());
    }
    // A final newline ends the last line; it does not start another.
    if bytes.ends_with(b"\n") {
        lines.pop();
    }
    Ok(lines)
}

fn csv_rows<T: DeserializeOwned>(file: &FileMeta, header: bool) -> strom_core::Result<Vec<T>> {
    let bytes = file.location.read_all()?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(header)
        .from_reader(&bytes[..]);
    let mut rows = Vec::new();
    for row in reader.deserialize() {
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            strom_core::Error::format(format!("{}:{line}", file.location.url), e)
        })?;
        rows.push(row);
    }
    Ok(rows)
}

fn parquet_rows<T: DeserializeOwned>(file: &FileMeta) -> strom_core::Result<Vec<T>> {
    use strom_core::formats::arrow_de::BatchDecoder;
    use strom_core::formats::parquet::{ParquetOptions, plan_splits, read_split};
    let mut rows = Vec::new();
    for split in plan_splits(std::slice::from_ref(file), &ParquetOptions::default())? {
        let mut failed = None;
        read_split(&split, None, 8_192, &mut |chunk| {
            let names: Vec<String> = chunk
                .batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            let decoded = BatchDecoder::new::<T>(&names, &chunk.source)
                .and_then(|d| d.decode(&chunk.batch, &chunk.source, chunk.first_row, &mut rows));
            failed = decoded.err();
            failed.is_none()
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
    }
    Ok(rows)
}

impl<'s> StreamEnv<'s> {
    fn file_source<T: Data>(
        &self,
        url: &str,
        mode: FileMode,
        decode: Decode<T>,
        timestamps: Timestamps<T>,
        strategy: WatermarkStrategy,
    ) -> DataStream<'s, T> {
        let split = FileSplit::new(url, mode, self.index(), self.peers(), decode);
        self.source("FileSource", split, timestamps, strategy)
    }

    /// The lines of the text files at `url`, in ingestion time.
    pub fn read_text_file(&self, url: &str, mode: FileMode) -> DataStream<'s, String> {
        self.file_source(
            url,
            mode,
            Box::new(text_lines),
            Timestamps::Ingestion,
            WatermarkStrategy::monotonous(),
        )
    }

    /// The rows of the CSV or Parquet files at `url`, stamped by `timestamps`.
    pub fn read_files<T: Data + DeserializeOwned>(
        &self,
        url: &str,
        format: FileFormat,
        mode: FileMode,
        timestamps: Timestamps<T>,
        strategy: WatermarkStrategy,
    ) -> DataStream<'s, T> {
        let decode: Decode<T> = match format {
            FileFormat::Csv { header } => Box::new(move |f| csv_rows(f, header)),
            FileFormat::Parquet => Box::new(parquet_rows),
        };
        self.file_source(url, mode, decode, timestamps, strategy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(url: &str, me: usize, peers: usize) -> FileSplit<String> {
        FileSplit::new(url, FileMode::Bounded, me, peers, Box::new(text_lines))
    }

    /// Reads `reads[i]` batches of 2 records from split `i` of a layout restored from
    /// `from` (a layout's positions and size), giving the records and the positions.
    fn run(
        url: &str,
        reads: &[usize],
        from: Option<&(BTreeMap<usize, Position>, usize)>,
        got: &mut Vec<String>,
    ) -> (BTreeMap<usize, Position>, usize) {
        let peers = reads.len();
        let mut positions = BTreeMap::new();
        for (me, &n) in reads.iter().enumerate() {
            let mut s = split(url, me, peers);
            if let Some((p, old)) = from {
                s.resume(p, *old, me, peers).unwrap();
            }
            for _ in 0..n {
                let mut out = Vec::new();
                if s.read(&mut out, 2) == Poll::Done {
                    break;
                }
                got.extend(out);
            }
            positions.insert(me, s.position());
        }
        (positions, peers)
    }

    #[test]
    fn a_restore_at_other_layouts_reads_every_line_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut all = Vec::new();
        for f in 0..7 {
            let lines: Vec<String> = (0..3 + f).map(|j| format!("f{f}-{j}")).collect();
            std::fs::write(dir.path().join(format!("part-{f}.txt")), lines.join("\n")).unwrap();
            all.extend(lines);
        }
        let url = dir.path().to_str().unwrap();
        let mut got = Vec::new();
        // 2 splits read unevenly (one stops inside a file), then 3, then 1 to the end.
        let a = run(url, &[3, 7], None, &mut got);
        let b = run(url, &[1, 0, 4], Some(&a), &mut got);
        run(url, &[usize::MAX], Some(&b), &mut got);
        got.sort();
        all.sort();
        assert_eq!(got, all);
    }

    #[test]
    fn a_position_of_another_source_is_refused() {
        let mut s = split("/nowhere", 0, 1);
        let other = BTreeMap::from([(0, Position::Records(3))]);
        let err = s.resume(&other, 1, 0, 1).unwrap_err();
        assert!(err.contains("not a position of a file source"), "{err}");
    }
}
