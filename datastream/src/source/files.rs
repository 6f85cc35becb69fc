//! File sources (Flink's `FileSource`): a file, folder or glob through object_store,
//! read as text lines, CSV rows or Parquet rows. Bounded, the files are listed once
//! and dealt to the workers in name order; monitoring, the folder is listed again on
//! an interval and each new file goes to one worker (by a hash of its URL).
//!
//! A file is read as a stream: a producer on the I/O runtime fetches it front to back
//! in pieces of whole lines (`strom_core::formats::stream_read`, 1 MiB fetches) or
//! Parquet batches and hands them to the worker through a bounded channel of a few
//! pieces (`strom_core::chunks`), waking the source operator; the worker decodes each
//! piece as it comes (CSV through core's `CsvOptions`). Memory is a few pieces per
//! split, whatever the files' size, and the worker never waits on storage.
//!
//! The position is the files read to the end and the records given of the current
//! one. A checkpoint restores at any number of workers: the files any split had
//! finished are skipped, the rest dealt anew, and a file read part-way is read again
//! from its start, its records up to the position decoded and dropped (exact for any
//! format: a record count needs no byte offset). Bad data fails the job naming the
//! file and line (or row). Bounded sources move their watermark after every read
//! (stored data: results do not depend on the machine's speed).
//!
//! Known limitation: the files of a source are dealt whole, so one large file is read
//! by one worker (records are spread by the operators after it).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use strom_core::chunks::{self, ChunkReceiver, ChunkSender, spawn_producer};
use strom_core::formats::CsvOptions;
use strom_core::formats::lines::{LineSplit, SplitBytes, lines};
use strom_core::formats::parquet::ParquetChunk;
use strom_core::formats::stream_read::{DEFAULT_CHUNK, LinePieces};
use strom_core::keys::stable_hash;
use strom_core::storage::{FileMeta, list_files};
use strom_core::time::ProcessingClock;
use strom_core::timely::scheduling::SyncActivator;

use serde::{Deserialize, Serialize};

use super::{Poll, SplitReader, Timestamps};
use crate::env::StreamEnv;
use crate::error::SourceError;
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

/// A file source split's position: its files read to the end (with, after a rescale,
/// those the splits before it had read), the file being read with the records of it
/// given, and files read part-way before a restore that it owns and has not reopened
/// yet. Any layout resumes from the union of all splits' positions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilePosition {
    /// URLs of files read to the end.
    pub done: Vec<String>,
    /// URL of the file being read, and records of it given.
    pub current: Option<(String, u64)>,
    /// Files read part-way before a restore, waiting in this split's queue, with the
    /// records of each given.
    #[serde(default)]
    pub pending: Vec<(String, u64)>,
}

/// Pieces of a file a producer may have fetched ahead of the worker.
const PIECES_AHEAD: usize = 4;

/// What the I/O side hands the worker of a file.
enum Piece {
    /// The file's CSV header (first, when the format has one).
    Header(Option<csv::StringRecord>),
    /// Whole lines, and where they start in the file.
    Lines(SplitBytes),
    /// Decoded Parquet rows.
    Rows(ParquetChunk),
}

/// What the I/O side fetches of a file.
#[derive(Clone)]
enum Fetch {
    /// Pieces of whole lines (with CSV options: line ends in quotes do not cut, and a
    /// header comes first when the options say so).
    Lines(Option<CsvOptions>),
    /// Parquet batches.
    Parquet,
}

/// The worker's side of reading one file, as its decoder sees it.
struct FileState {
    file: FileMeta,
    /// Lines decoded so far (for line-by-line formats: the last line's number).
    lines: u64,
    header: Option<csv::StringRecord>,
}

/// How the worker decodes a piece of a file into records.
type Decode<T> = Box<dyn FnMut(&mut FileState, Piece, &mut Vec<T>) -> strom_core::Result<()>>;

/// The file a split is reading.
struct Reading<T> {
    state: FileState,
    rx: ChunkReceiver<Piece>,
    records: VecDeque<T>,
    /// Records of the file given (counting those given before a restore).
    given: u64,
    /// Records still to drop: given before a restore.
    skip: u64,
}

/// Shares a worker's waker with the I/O threads.
type Waker = Arc<Mutex<SyncActivator>>;

struct FileSplit<T> {
    url: String,
    mode: FileMode,
    index: usize,
    peers: usize,
    fetch: Fetch,
    decode: Decode<T>,
    /// Files this split still has to read, in name order.
    queue: VecDeque<FileMeta>,
    /// Every file seen (any worker's), so monitoring gives each once.
    seen: HashSet<String>,
    current: Option<Reading<T>>,
    decoded: Vec<T>,
    /// Files this split has read to the end, and those restored as read.
    done: Vec<String>,
    /// Records already given of files read part-way before a restore that this split
    /// owns, until it opens them.
    resume_at: HashMap<String, u64>,
    /// The split that reopens each file read part-way before a restore (every split
    /// knows them all, so that listing deals each to its owner).
    partial_owner: HashMap<String, usize>,
    listed_at: Option<Instant>,
    last_new: Instant,
    waker: Option<Waker>,
    /// Records per second over all splits, and this split's pace once the files are
    /// listed: records per ms, when reading began, records given in this run.
    rate: Option<f64>,
    pace: Option<(f64, i64)>,
    given: usize,
    clock: ProcessingClock,
}

impl<T: 'static> FileSplit<T> {
    /// Split `index` of `peers` of the files at `url`, nothing read yet.
    fn new(
        url: &str,
        mode: FileMode,
        (index, peers): (usize, usize),
        fetch: Fetch,
        decode: Decode<T>,
    ) -> Self {
        FileSplit {
            url: url.to_string(),
            mode,
            index,
            peers,
            fetch,
            decode,
            queue: VecDeque::new(),
            seen: HashSet::new(),
            current: None,
            decoded: Vec::new(),
            done: Vec::new(),
            resume_at: HashMap::new(),
            partial_owner: HashMap::new(),
            listed_at: None,
            last_new: Instant::now(),
            waker: None,
            rate: None,
            pace: None,
            given: 0,
            clock: ProcessingClock::System,
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
        if first && let Some(rate) = self.rate {
            // The splits that get a file share the rate (bounded: the first listing
            // deals the files).
            let readers = match self.mode {
                FileMode::Bounded => files.len().clamp(1, self.peers),
                FileMode::Monitor { .. } => self.peers,
            };
            self.pace = Some((rate / readers as f64 / 1_000.0, self.clock.now()));
        }
        // Files read to the end before a restore are seen already.
        let files = files
            .into_iter()
            .filter(|f| self.seen.insert(f.location.url.clone()));
        for (i, file) in files.enumerate() {
            self.last_new = Instant::now();
            let owner = match self.mode {
                _ if let Some(&owner) = self.partial_owner.get(&file.location.url) => owner,
                FileMode::Bounded if first => i % self.peers,
                _ => (stable_hash(&file.location.url) % self.peers as u64) as usize,
            };
            if owner == self.index {
                self.queue.push_back(file);
            }
        }
    }

    /// Starts reading `file`: its producer fetches ahead on the I/O runtime.
    fn open(&mut self, file: FileMeta) {
        let waker = self.waker.clone();
        let wake = move || {
            // The worker may be gone when the job failed; nothing to wake then.
            if let Some(w) = &waker {
                let _ = w.lock().map(|a| a.activate());
            }
        };
        let (fetch, fetched) = (self.fetch.clone(), file.clone());
        let rx = spawn_producer(PIECES_AHEAD, wake, move |tx| produce(&fetched, &fetch, tx));
        let url = &file.location.url;
        let given = self.resume_at.remove(url).unwrap_or(0);
        self.current = Some(Reading {
            state: FileState {
                file,
                lines: 0,
                header: None,
            },
            rx,
            records: VecDeque::new(),
            given,
            skip: given,
        });
    }

    /// Moves records of the current file (decoding what has come) into `out`, up to
    /// `max`; false when it waits for its producer.
    fn take(&mut self, out: &mut Vec<T>, max: usize) -> bool {
        while out.len() < max {
            let Some(r) = self.current.as_mut() else {
                match self.queue.pop_front() {
                    Some(file) => self.open(file),
                    None => return true,
                }
                continue;
            };
            if !r.records.is_empty() {
                let n = (max - out.len()).min(r.records.len());
                out.extend(r.records.drain(..n));
                r.given += n as u64;
                self.given += n;
                continue;
            }
            match r.rx.poll() {
                chunks::Poll::Ready(Ok(piece)) => {
                    if let Err(e) = (self.decode)(&mut r.state, piece, &mut self.decoded) {
                        panic!("file source: {e}");
                    }
                    let dropped = (r.skip as usize).min(self.decoded.len());
                    r.skip -= dropped as u64;
                    r.records.extend(self.decoded.drain(..).skip(dropped));
                }
                chunks::Poll::Ready(Err(e)) => panic!("file source: {e}"),
                chunks::Poll::Pending => return false,
                chunks::Poll::Done => {
                    let r = self.current.take().expect("a file is being read");
                    self.done.push(r.state.file.location.url);
                }
            }
        }
        true
    }
}

/// Fetches `file` as `fetch` says, sending its pieces to `tx` (on the I/O runtime).
fn produce(file: &FileMeta, fetch: &Fetch, tx: &ChunkSender<Piece>) {
    match fetch {
        Fetch::Lines(csv) => {
            if let Some(options) = csv.as_ref().filter(|o| o.has_header) {
                let whole = LineSplit {
                    file: file.clone(),
                    start: 0,
                    end: file.size,
                };
                if !tx.send(options.header(&whole).map(Piece::Header)) {
                    return;
                }
            }
            let quote = csv.as_ref().map(|o| o.quote);
            for piece in LinePieces::new(file.clone(), DEFAULT_CHUNK, quote) {
                if !tx.send(piece.map(Piece::Lines)) {
                    return;
                }
            }
        }
        Fetch::Parquet => {
            use strom_core::formats::parquet::{ParquetOptions, plan_splits, read_split};
            let run = || -> strom_core::Result<()> {
                let options = ParquetOptions::default();
                for split in plan_splits(std::slice::from_ref(file), &options)? {
                    let mut going = true;
                    read_split(&split, None, options.batch_size, &mut |chunk| {
                        going = tx.send(Ok(Piece::Rows(chunk)));
                        going
                    })?;
                    if !going {
                        break;
                    }
                }
                Ok(())
            };
            if let Err(e) = run() {
                tx.send(Err(e));
            }
        }
    }
}

impl<T: 'static> SplitReader<T> for FileSplit<T> {
    type Position = FilePosition;

    fn read(&mut self, out: &mut Vec<T>, max: usize) -> Poll {
        if let FileMode::Monitor { interval, .. } = self.mode {
            if self.listed_at.is_none_or(|at| at.elapsed() >= interval) {
                self.list();
            }
        } else if self.listed_at.is_none() {
            self.list();
        }
        let mut max = max;
        if let Some((per_ms, start)) = self.pace {
            let due = ((self.clock.now() - start) as f64 * per_ms) as usize + 1;
            if due <= self.given && (self.current.is_some() || !self.queue.is_empty()) {
                return Poll::Pending(Duration::from_millis(1));
            }
            max = max.min(due.saturating_sub(self.given).max(1));
        }
        let ready = self.take(out, max);
        if !out.is_empty() {
            return Poll::Ready;
        }
        if !ready {
            // The producer wakes the operator when a piece comes; without a waker
            // (tests), look again soon.
            let after = if self.waker.is_some() { 100 } else { 1 };
            return Poll::Pending(Duration::from_millis(after));
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

    fn position(&self) -> FilePosition {
        FilePosition {
            done: self.done.clone(),
            current: self
                .current
                .as_ref()
                .map(|r| (r.state.file.location.url.clone(), r.given)),
            pending: {
                let mut pending: Vec<_> = self
                    .resume_at
                    .iter()
                    .map(|(u, g)| (u.clone(), *g))
                    .collect();
                pending.sort_unstable();
                pending
            },
        }
    }

    fn paced_by_records(&self) -> bool {
        self.mode == FileMode::Bounded
    }

    fn set_waker(&mut self, wake: SyncActivator) {
        self.waker = Some(Arc::new(Mutex::new(wake)));
    }

    fn resume(
        &mut self,
        positions: &BTreeMap<usize, FilePosition>,
        _old_splits: usize,
        me: usize,
        peers: usize,
    ) -> Result<(), SourceError> {
        let mut done = Vec::new();
        for FilePosition {
            done: read,
            current,
            pending,
        } in positions.values()
        {
            done.extend(read.iter().cloned());
            for (url, given) in current.iter().chain(pending) {
                // Its owner carries it in its position until it reopens it.
                let owner = (stable_hash(url) % peers as u64) as usize;
                self.partial_owner.insert(url.clone(), owner);
                if owner == me {
                    self.resume_at.insert(url.clone(), *given);
                }
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

/// Decodes pieces of lines with `parse` (given each line's number in its file, from 1),
/// failing on invalid UTF-8 or a line `parse` rejects, naming the file and line.
fn parsed_lines<T>(
    mut parse: impl FnMut(u64, &str) -> Result<Option<T>, String> + 'static,
) -> Decode<T> {
    Box::new(move |state, piece, out| {
        let Piece::Lines(bytes) = piece else {
            return Ok(());
        };
        for (_, line) in lines(&bytes.bytes) {
            state.lines += 1;
            let problem = match std::str::from_utf8(line) {
                Ok(text) => match parse(state.lines, text) {
                    Ok(record) => {
                        out.extend(record);
                        continue;
                    }
                    Err(problem) => problem,
                },
                Err(e) => e.to_string(),
            };
            let at = format!("{}:{}", state.file.location.url, state.lines);
            return Err(strom_core::Error::format(at, problem));
        }
        Ok(())
    })
}

/// Decodes pieces of CSV rows by `options` (core's CSV reader), by header names when
/// the options have a header.
fn csv_rows<T: DeserializeOwned>(options: CsvOptions) -> Decode<T> {
    Box::new(move |state, piece, out| match piece {
        Piece::Header(header) => {
            state.header = header;
            Ok(())
        }
        Piece::Lines(bytes) => {
            let whole = LineSplit {
                file: state.file.clone(),
                start: 0,
                end: state.file.size,
            };
            options.decode(&whole, state.header.as_ref(), &bytes, out)
        }
        Piece::Rows(_) => Ok(()),
    })
}

/// Decodes Parquet batches, columns by field name.
fn parquet_rows<T: DeserializeOwned>() -> Decode<T> {
    use strom_core::formats::arrow_de::BatchDecoder;
    Box::new(|_, piece, out| {
        let Piece::Rows(chunk) = piece else {
            return Ok(());
        };
        let schema = chunk.batch.schema();
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        BatchDecoder::new::<T>(&names, &chunk.source)?.decode(
            &chunk.batch,
            &chunk.source,
            chunk.first_row,
            out,
        )
    })
}

impl<'s> StreamEnv<'s> {
    fn file_source<T: Data>(
        &self,
        split: FileSplit<T>,
        timestamps: Timestamps<T>,
        strategy: WatermarkStrategy,
    ) -> DataStream<'s, T> {
        let shown = format!("Source: {}", split.url);
        self.source("FileSource", split, timestamps, strategy)
            .name(&shown)
    }

    fn file_split<T: 'static>(
        &self,
        url: &str,
        mode: FileMode,
        fetch: Fetch,
        decode: Decode<T>,
    ) -> FileSplit<T> {
        let mut split = FileSplit::new(url, mode, (self.index(), self.peers()), fetch, decode);
        split.clock = self.clock().clone();
        split
    }

    /// The lines of the text files at `url`, in ingestion time (CRLF endings trimmed;
    /// invalid UTF-8 fails naming the line).
    pub fn read_text_file(&self, url: &str, mode: FileMode) -> DataStream<'s, String> {
        let decode = parsed_lines(|_, line| Ok(Some(line.to_string())));
        self.file_source(
            self.file_split(url, mode, Fetch::Lines(None), decode),
            Timestamps::Ingestion,
            WatermarkStrategy::monotonous(),
        )
    }

    /// The records `parse` makes of the lines of the text files at `url`, stamped by
    /// `timestamps`, read at `rate` records per second over all splits when given (as
    /// a live source would deliver them). `parse` gets each line (CRLF endings trimmed)
    /// with its number in its file, from 1; `Ok(None)` skips the line (a header, say),
    /// and an error fails the job naming the file and line.
    pub fn read_parsed_lines<T: Data>(
        &self,
        url: &str,
        mode: FileMode,
        parse: impl FnMut(u64, &str) -> Result<Option<T>, String> + 'static,
        timestamps: Timestamps<T>,
        strategy: WatermarkStrategy,
        rate: Option<f64>,
    ) -> DataStream<'s, T> {
        let mut split = self.file_split(url, mode, Fetch::Lines(None), parsed_lines(parse));
        split.rate = rate;
        self.file_source(split, timestamps, strategy)
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
        let split = match format {
            FileFormat::Csv { header } => {
                let options = CsvOptions::default().with_header(header);
                let fetch = Fetch::Lines(Some(options.clone()));
                self.file_split(url, mode, fetch, csv_rows(options))
            }
            FileFormat::Parquet => self.file_split(url, mode, Fetch::Parquet, parquet_rows()),
        };
        self.file_source(split, timestamps, strategy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(url: &str, me: usize, peers: usize) -> FileSplit<String> {
        let decode = parsed_lines(|_, line| Ok(Some(line.to_string())));
        FileSplit::new(
            url,
            FileMode::Bounded,
            (me, peers),
            Fetch::Lines(None),
            decode,
        )
    }

    /// Reads `reads[i]` batches of 2 records from split `i` of a layout restored from
    /// `from` (a layout's positions and size), giving the records and the positions.
    fn run(
        url: &str,
        reads: &[usize],
        from: Option<&(BTreeMap<usize, FilePosition>, usize)>,
        got: &mut Vec<String>,
    ) -> (BTreeMap<usize, FilePosition>, usize) {
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

    /// Reads split `me` of `peers`, restored from `from`, until it has given `stop`
    /// records or has ended, appending them to `got`; gives its position.
    fn read_until(
        url: &str,
        (me, peers): (usize, usize),
        from: &BTreeMap<usize, FilePosition>,
        stop: usize,
        got: &mut Vec<String>,
    ) -> FilePosition {
        let mut s = split(url, me, peers);
        s.resume(from, from.len(), me, peers).unwrap();
        let mut given = 0;
        while given < stop {
            let mut out = Vec::new();
            if s.read(&mut out, 100) == Poll::Done {
                break;
            }
            given += out.len();
            got.extend(out);
        }
        s.position()
    }

    /// A file read part-way is carried in the position of the split that owns it after
    /// a restore even before that split reopens it: restored again, nothing is read
    /// twice (it was, when only the split reading a file carried it).
    #[test]
    fn a_restored_part_read_file_is_carried_until_its_owner_reopens_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut all = Vec::new();
        for f in ["a", "b"] {
            let lines: Vec<String> = (0..10).map(|j| format!("{f}-{j}")).collect();
            std::fs::write(dir.path().join(format!("{f}.txt")), lines.join("\n")).unwrap();
            all.extend(lines);
        }
        let url = dir.path().to_str().unwrap();
        let mut got = Vec::new();
        let mut s = split(url, 0, 1);
        while got.len() < 15 {
            let mut out = Vec::new();
            assert_ne!(s.read(&mut out, 1), Poll::Done);
            got.extend(out);
        }
        let first = BTreeMap::from([(0, s.position())]);
        assert!(first[&0].current.is_some(), "stopped inside b: {first:?}");
        // Restored at 3 splits that read nothing before the next checkpoint.
        let second: BTreeMap<usize, FilePosition> = (0..3)
            .map(|me| {
                let mut s = split(url, me, 3);
                s.resume(&first, 1, me, 3).unwrap();
                (me, s.position())
            })
            .collect();
        read_until(url, (0, 1), &second, usize::MAX, &mut got);
        got.sort();
        all.sort();
        assert_eq!(got, all);
    }

    #[test]
    fn a_file_larger_than_a_fetch_is_read_in_pieces_and_resumes_mid_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.txt");
        // About 3.7 fetches of text, CRLF endings on every 7th line.
        let lines: Vec<String> = (0..300_000).map(|i| format!("line {i:07}")).collect();
        let mut text = String::new();
        for (i, l) in lines.iter().enumerate() {
            text.push_str(l);
            text.push_str(if i % 7 == 0 { "\r\n" } else { "\n" });
        }
        assert!(text.len() > 3 * DEFAULT_CHUNK);
        std::fs::write(&path, text).unwrap();
        let url = path.to_str().unwrap();
        let mut got = Vec::new();
        // Stop inside the first fetch, resume at 2 splits (the second has no file) and
        // stop inside the second, then resume at 1 split and read to the end.
        let first = read_until(url, (0, 1), &BTreeMap::new(), 30_001, &mut got);
        let FilePosition {
            current: Some((_, given)),
            ..
        } = &first
        else {
            panic!("a mid-file position: {first:?}");
        };
        assert!((30_001..300_000).contains(given), "{first:?}");
        let from = BTreeMap::from([(0, first)]);
        let mut second = BTreeMap::new();
        for me in 0..2 {
            let p = read_until(url, (me, 2), &from, 120_000, &mut got);
            second.insert(me, p);
        }
        read_until(url, (0, 1), &second, usize::MAX, &mut got);
        assert_eq!(got, lines);
    }
}
