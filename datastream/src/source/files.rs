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
//! one (and the same of ranges, below). A checkpoint restores at any number of workers: the files any split had
//! finished are skipped, the rest dealt anew, and a file read part-way is read again
//! from its start, its records up to the position decoded and dropped (exact for any
//! format: a record count needs no byte offset). Bad data fails the job naming the
//! file and line (or row). Bounded sources move their watermark after every read
//! (stored data: results do not depend on the machine's speed).
//!
//! A bounded text or CSV file larger than [`RANGE_SIZE`] is read in byte ranges of
//! that size (the lines that start in each, `LinePieces::range`), dealt to the workers
//! in turn with the other files, so one large file is read and decoded by every worker,
//! each about as far into it as the others (its watermark keeps up with theirs). A
//! range is a file of its own for the position (its records given, by URL and first
//! byte). `parse` of [`StreamEnv::read_parsed_lines`] gets the line numbers of a
//! file's first range only (0 for lines of later ones, whose readers have not counted
//! the lines before them); errors name the true line either way. Parquet files and
//! monitored folders are read whole.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use strom_core::chunks::{self, ChunkReceiver, ChunkSender, spawn_producer};
use strom_core::formats::CsvOptions;
use strom_core::formats::lines::{LineSplit, SplitBytes, line_number_at, lines};
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
    /// Byte ranges of large files read to the end: URL and first byte.
    #[serde(default)]
    pub ranges_done: Vec<(String, u64)>,
    /// Byte ranges read part-way (the one being read, and those restored that this
    /// split has not reopened yet): URL, first byte, records given.
    #[serde(default)]
    pub ranges_partial: Vec<(String, u64, u64)>,
}

/// A bounded text or CSV file larger than this is read in ranges of this many bytes.
pub(crate) const RANGE_SIZE: u64 = 16 << 20;

/// What a split reads as one: a whole file, or the lines that start in a byte range
/// `[start, end)` of a large one.
#[derive(Clone, Debug)]
struct Part {
    file: FileMeta,
    range: Option<(u64, u64)>,
}

impl Part {
    fn whole(file: FileMeta) -> Self {
        Part { file, range: None }
    }

    /// The range's key in positions: URL and first byte.
    fn range_key(&self) -> Option<(String, u64)> {
        self.range
            .map(|(start, _)| (self.file.location.url.clone(), start))
    }
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

/// The worker's side of reading one file (or range), as its decoder sees it.
struct FileState {
    file: FileMeta,
    /// Lines decoded so far (for line-by-line formats: the last line's number when
    /// `numbered`).
    lines: u64,
    /// Whether the lines are counted from the file's start (not a later range).
    numbered: bool,
    header: Option<csv::StringRecord>,
}

/// How the worker decodes a piece of a file into records.
type Decode<T> = Box<dyn FnMut(&mut FileState, Piece, &mut Vec<T>) -> strom_core::Result<()>>;

/// The file (or range) a split is reading.
struct Reading<T> {
    part: Part,
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
    /// Files (and ranges) this split still has to read, in name order.
    queue: VecDeque<Part>,
    /// Bounded text and CSV files larger than this are read in ranges of this size.
    range_size: u64,
    /// Every file seen (any worker's), so monitoring gives each once.
    seen: HashSet<String>,
    current: Option<Reading<T>>,
    decoded: Vec<T>,
    /// Files this split has read to the end, and those restored as read.
    done: Vec<String>,
    /// Ranges this split has read to the end, and those restored as read that it
    /// carries on.
    ranges_done: HashSet<(String, u64)>,
    /// Ranges read to the end before a restore (any split's): listing skips them.
    ranges_skipped: HashSet<(String, u64)>,
    /// Records already given of files read part-way before a restore that this split
    /// owns, until it opens them.
    resume_at: HashMap<String, u64>,
    /// The same for ranges.
    range_resume_at: HashMap<(String, u64), u64>,
    /// The split that reopens each file read part-way before a restore (every split
    /// knows them all, so that listing deals each to its owner).
    partial_owner: HashMap<String, usize>,
    /// The same for ranges.
    range_owner: HashMap<(String, u64), usize>,
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
            range_size: RANGE_SIZE,
            seen: HashSet::new(),
            current: None,
            decoded: Vec::new(),
            done: Vec::new(),
            ranges_done: HashSet::new(),
            ranges_skipped: HashSet::new(),
            resume_at: HashMap::new(),
            range_resume_at: HashMap::new(),
            partial_owner: HashMap::new(),
            range_owner: HashMap::new(),
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
        // Files read to the end before a restore are seen already.
        let files: Vec<FileMeta> = files
            .into_iter()
            .filter(|f| self.seen.insert(f.location.url.clone()))
            .collect();
        let parts: Vec<Part> = files.into_iter().flat_map(|f| self.parts_of(f)).collect();
        if first && let Some(rate) = self.rate {
            // The splits that get a part share the rate (bounded: the first listing
            // deals the parts).
            let readers = match self.mode {
                FileMode::Bounded => parts.len().clamp(1, self.peers),
                FileMode::Monitor { .. } => self.peers,
            };
            self.pace = Some((rate / readers as f64 / 1_000.0, self.clock.now()));
        }
        for (i, part) in parts.into_iter().enumerate() {
            self.last_new = Instant::now();
            let url = &part.file.location.url;
            let partial = match part.range_key() {
                Some(key) => self.range_owner.get(&key),
                None => self.partial_owner.get(url),
            };
            let owner = match self.mode {
                _ if let Some(&owner) = partial => owner,
                FileMode::Bounded if first => i % self.peers,
                _ => (stable_hash(url) % self.peers as u64) as usize,
            };
            if owner == self.index {
                self.queue.push_back(part);
            }
        }
    }

    /// What of `file` is still to read: the file, or (a bounded text or CSV file larger
    /// than a range, not read part-way whole before a restore) its ranges not yet read.
    fn parts_of(&self, file: FileMeta) -> Vec<Part> {
        let url = &file.location.url;
        let ranged = self.mode == FileMode::Bounded
            && matches!(self.fetch, Fetch::Lines(_))
            && file.size > self.range_size
            && !self.partial_owner.contains_key(url);
        if !ranged {
            return vec![Part::whole(file)];
        }
        let mut parts = Vec::new();
        let mut start = 0;
        while start < file.size {
            let end = (start + self.range_size).min(file.size);
            if !self.ranges_skipped.contains(&(url.clone(), start)) {
                parts.push(Part {
                    file: file.clone(),
                    range: Some((start, end)),
                });
            }
            start = end;
        }
        parts
    }

    /// Starts reading `part`: its producer fetches ahead on the I/O runtime.
    fn open(&mut self, part: Part) {
        let waker = self.waker.clone();
        let wake = move || {
            // The worker may be gone when the job failed; nothing to wake then.
            if let Some(w) = &waker {
                let _ = w.lock().map(|a| a.activate());
            }
        };
        let (fetch, fetched) = (self.fetch.clone(), part.clone());
        let rx = spawn_producer(PIECES_AHEAD, wake, move |tx| produce(&fetched, &fetch, tx));
        let given = match part.range_key() {
            Some(key) => self.range_resume_at.remove(&key),
            None => self.resume_at.remove(&part.file.location.url),
        };
        let given = given.unwrap_or(0);
        self.current = Some(Reading {
            state: FileState {
                file: part.file.clone(),
                lines: 0,
                numbered: part.range.is_none_or(|(start, _)| start == 0),
                header: None,
            },
            part,
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
                    Some(part) => self.open(part),
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
                    match r.part.range_key() {
                        Some(key) => {
                            self.ranges_done.insert(key);
                        }
                        None => self.done.push(r.part.file.location.url),
                    }
                }
            }
        }
        true
    }
}

/// Fetches `part` as `fetch` says, sending its pieces to `tx` (on the I/O runtime).
fn produce(part: &Part, fetch: &Fetch, tx: &ChunkSender<Piece>) {
    let file = &part.file;
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
            let (start, end) = part.range.unwrap_or((0, file.size));
            for piece in LinePieces::range(file.clone(), start, end, DEFAULT_CHUNK, quote) {
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
        let reading = self.current.as_ref();
        let mut ranges_partial: Vec<(String, u64, u64)> = reading
            .and_then(|r| r.part.range_key().map(|(url, start)| (url, start, r.given)))
            .into_iter()
            .chain(
                self.range_resume_at
                    .iter()
                    .map(|((u, s), g)| (u.clone(), *s, *g)),
            )
            .collect();
        ranges_partial.sort_unstable();
        let mut ranges_done: Vec<(String, u64)> = self.ranges_done.iter().cloned().collect();
        ranges_done.sort_unstable();
        FilePosition {
            done: self.done.clone(),
            current: reading
                .filter(|r| r.part.range.is_none())
                .map(|r| (r.part.file.location.url.clone(), r.given)),
            pending: {
                let mut pending: Vec<_> = self
                    .resume_at
                    .iter()
                    .map(|(u, g)| (u.clone(), *g))
                    .collect();
                pending.sort_unstable();
                pending
            },
            ranges_done,
            ranges_partial,
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
            ranges_done,
            ranges_partial,
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
            // Every split skips the ranges read; one carries them on (below).
            self.ranges_skipped.extend(ranges_done.iter().cloned());
            for (url, start, given) in ranges_partial {
                let key = (url.clone(), *start);
                let owner = (stable_hash(&key) % peers as u64) as usize;
                if owner == me {
                    self.range_resume_at.insert(key.clone(), *given);
                }
                self.range_owner.insert(key, owner);
            }
        }
        done.sort_unstable();
        done.dedup();
        self.seen.extend(done.iter().cloned());
        // One split carries the files and ranges read before the restore on into its
        // positions.
        if me == 0 {
            self.done = done;
            self.ranges_done = self.ranges_skipped.clone();
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
        for (at, line) in lines(&bytes.bytes) {
            state.lines += 1;
            let number = if state.numbered { state.lines } else { 0 };
            let problem = match std::str::from_utf8(line) {
                Ok(text) => match parse(number, text) {
                    Ok(record) => {
                        out.extend(record);
                        continue;
                    }
                    Err(problem) => problem,
                },
                Err(e) => e.to_string(),
            };
            let number = if state.numbered {
                state.lines
            } else {
                line_number_at(&state.file, bytes.offset + at as u64)?
            };
            let at = format!("{}:{number}", state.file.location.url);
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
    /// with its number in its file, from 1 (0 for the lines after the first range of a
    /// bounded file larger than a range, which is read in ranges: test `== 1` for a
    /// header); `Ok(None)` skips the line, and an error fails the job naming the file
    /// and the line's true number.
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

    /// Split `me` of `peers` of `url`, reading files larger than `range` in ranges of
    /// that size, restored from `from`.
    fn ranged(
        url: &str,
        (me, peers): (usize, usize),
        range: u64,
        from: &BTreeMap<usize, FilePosition>,
    ) -> FileSplit<String> {
        let mut s = split(url, me, peers);
        s.range_size = range;
        s.resume(from, from.len(), me, peers).unwrap();
        s
    }

    /// Reads `s` until it has given `stop` records or ended; its records and position.
    fn drain(mut s: FileSplit<String>, stop: usize) -> (Vec<String>, FilePosition) {
        let mut got = Vec::new();
        while got.len() < stop {
            let mut out = Vec::new();
            if s.read(&mut out, 1_000) == Poll::Done {
                break;
            }
            got.extend(out);
        }
        (got, s.position())
    }

    /// A large file is read in ranges by every split (each about as far into the file
    /// as the others), each line once, also across restores at other layouts stopped
    /// inside ranges.
    #[test]
    fn a_large_file_is_read_in_ranges_by_every_split_and_resumes_at_other_layouts() {
        let dir = tempfile::tempdir().unwrap();
        let lines: Vec<String> = (0..300_000).map(|i| format!("line {i:07}")).collect();
        std::fs::write(dir.path().join("big.txt"), lines.join("\n") + "\n").unwrap();
        // A small file beside it is read whole.
        std::fs::write(dir.path().join("small.txt"), "s-0\ns-1").unwrap();
        let url = dir.path().to_str().unwrap();
        let range = 1 << 20; // 3.6 MB: 4 ranges
        let mut got = Vec::new();
        // 2 splits: both read the large file, from its start and from a later range.
        let mut first = BTreeMap::new();
        for (me, stop) in [(0, 50_000), (1, 70_000)] {
            let (records, position) = drain(ranged(url, (me, 2), range, &BTreeMap::new()), stop);
            assert!(records.len() >= stop, "split {me}: {}", records.len());
            got.extend(records);
            first.insert(me, position);
        }
        assert_eq!(got[0], "line 0000000");
        assert!(
            got[50_000..].iter().all(|l| l.as_str() > "line 0050000"),
            "split 1 starts at its own range"
        );
        assert!(
            first.values().all(|p| p.ranges_partial.len() == 1),
            "{first:?}"
        );
        // Restored at 3 splits that stop inside ranges, then at 1 to the end.
        let mut second = BTreeMap::new();
        for me in 0..3 {
            let (records, position) = drain(ranged(url, (me, 3), range, &first), 40_000);
            got.extend(records);
            second.insert(me, position);
        }
        let (records, _) = drain(ranged(url, (0, 1), range, &second), usize::MAX);
        got.extend(records);
        let mut all = lines;
        all.extend(["s-0".to_string(), "s-1".to_string()]);
        got.sort();
        all.sort();
        assert_eq!(got.len(), all.len());
        assert_eq!(got, all);
    }

    /// `parse` gets line numbers in a file's first range and 0 in later ones, and an
    /// error in a later range names the line's true number.
    #[test]
    fn lines_of_later_ranges_are_numbered_0_and_errors_name_the_true_line() {
        let dir = tempfile::tempdir().unwrap();
        let mut lines: Vec<String> = (0..300_000).map(|i| format!("line {i:07}")).collect();
        lines[250_000] = "bad".into();
        std::fs::write(dir.path().join("big.txt"), lines.join("\n")).unwrap();
        let url = dir.path().to_str().unwrap();
        let numbers = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let seen = numbers.clone();
        let decode = parsed_lines(move |n, line: &str| {
            seen.borrow_mut().push(n);
            if line == "bad" {
                Err("bad line".to_string())
            } else {
                Ok(Some(line.to_string()))
            }
        });
        let mut s = FileSplit::new(url, FileMode::Bounded, (0, 1), Fetch::Lines(None), decode);
        s.range_size = 1 << 20;
        let failed =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drain(s, usize::MAX)));
        let message = failed.expect_err("the bad line fails the read");
        let message = message.downcast_ref::<String>().expect("a formatted panic");
        assert!(message.contains("big.txt:250001"), "{message}");
        let numbers = numbers.borrow();
        assert_eq!(numbers[..3], [1, 2, 3]);
        // The first range is about 80,000 lines; the lines after it get 0.
        let numbered = numbers.iter().take_while(|&&n| n != 0).count();
        assert!((50_000..100_000).contains(&numbered), "{numbered}");
        assert_eq!(numbers.last(), Some(&0));
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
