//! Sources: collections, sequences, text, CSV and Parquet through object_store URLs.
//!
//! File sources plan their splits (byte ranges, row groups) and read them on the I/O
//! runtime; split `i` goes to worker `i % peers`. Errors (no such file, a malformed row)
//! fail the job when it ends, naming the file and row, and no output is published.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::de::DeserializeOwned;
use strom_core::Result;
use strom_core::chunks::{ChunkSender, Poll, spawn_producer};
use strom_core::formats::arrow_de::BatchDecoder;
use strom_core::formats::lines::{
    LineSplit, SplitBytes, fetch_split, pieces, plan_splits, split_size_for,
};
use strom_core::formats::parquet::{self as pq, ParquetChunk};
use strom_core::formats::text::TextBlock;
use strom_core::formats::{CsvOptions, ParquetOptions, fixed, text};
use strom_core::metrics;
use strom_core::storage::list_files;
use strom_core::timely::dataflow::operators::ToStream;
use strom_core::timely::dataflow::operators::generic::operator::source;

use crate::data_set::{Data, DataSet};
use crate::env::Env;

/// Chunks a file source decodes per activation before yielding, so that downstream
/// operators run (and drain) between them instead of the whole input queueing up.
const CHUNKS_PER_ACTIVATION: usize = 2;

impl<'scope> Env<'scope> {
    /// The records of `data`, produced on worker 0 (as Flink's `fromCollection`).
    pub fn from_collection<T: Data>(&self, data: Vec<T>) -> DataSet<'scope, T> {
        let data = if self.index() == 0 { data } else { Vec::new() };
        DataSet::from_stream(self, data.to_stream(self.scope).container::<Vec<T>>())
            .name("Source: collection")
    }

    /// An empty data set.
    pub fn empty<T: Data>(&self) -> DataSet<'scope, T> {
        self.from_collection(Vec::new())
    }

    /// The numbers `from..=to`, split evenly across workers.
    pub fn generate_sequence(&self, from: u64, to: u64) -> DataSet<'scope, u64> {
        self.from_parallel_iter(move |index, peers| {
            let (index, peers) = (index as u128, peers as u128);
            let len = if to >= from {
                u128::from(to - from) + 1
            } else {
                0
            };
            let start = u128::from(from) + len * index / peers;
            let end = u128::from(from) + len * (index + 1) / peers;
            // `end` may be 2^64 (`to` = `u64::MAX`): count in u128.
            (start..end).map(|i| i as u64)
        })
    }

    /// The lines of the text file(s) at `url`, without line endings.
    pub fn read_text(&self, url: &str) -> DataSet<'scope, String> {
        self.read_lines_with(url, |line| Ok(Some(line.to_string())))
    }

    /// The lines of the text file(s) at `url` in blocks of whole lines (about 1 MiB each),
    /// for jobs that look at each line in place: a record per block, not per line.
    /// Invalid UTF-8 fails the job naming the file and line.
    pub fn read_text_blocks(&self, url: &str) -> DataSet<'scope, TextBlock> {
        self.line_source(url, "ReadTextBlocks", |split, bytes, out| {
            out.push(text::decode_block(split, bytes)?);
            Ok(())
        })
    }

    /// The lines of the text file(s) at `url`, each parsed by `parse` into a record,
    /// `None` to skip the line, or an error message, which fails the job naming the file
    /// and line.
    pub fn read_lines_with<T: Data>(
        &self,
        url: &str,
        mut parse: impl FnMut(&str) -> std::result::Result<Option<T>, String> + 'static,
    ) -> DataSet<'scope, T> {
        self.line_source(url, "ReadLines", move |split, bytes, out| {
            text::decode_parsed(split, bytes, out, &mut parse)
        })
    }

    /// A source of the pieces of whole lines of the file(s) at `url`, each decoded by
    /// `decode` into records.
    fn line_source<T: Data>(
        &self,
        url: &str,
        name: &str,
        mut decode: impl FnMut(&LineSplit, &SplitBytes, &mut Vec<T>) -> Result<()> + 'static,
    ) -> DataSet<'scope, T> {
        let (url, index, peers) = (url.to_string(), self.index(), self.peers());
        let split_size = self.config().split_size;
        let shown = format!("Source: {url}");
        self.chunk_source(
            name,
            move |tx: &ChunkSender<(LineSplit, SplitBytes)>| {
                for_my_line_splits(&url, split_size, None, index, peers, tx, |s, b| Ok((s, b)));
            },
            move |(split, bytes), out| decode(&split, &bytes, out),
        )
        .name(&shown)
    }

    /// The rows of the CSV file(s) at `url` as records of `T` (see [`CsvOptions`]).
    pub fn read_csv<T: Data>(&self, url: &str, options: CsvOptions) -> DataSet<'scope, T> {
        type Chunk = (LineSplit, Option<csv::StringRecord>, SplitBytes);
        let (url, index, peers) = (url.to_string(), self.index(), self.peers());
        let producer_options = options.clone();
        let split_size = self.config().split_size;
        let shown = format!("Source: {url}");
        self.chunk_source(
            "ReadCsv",
            move |tx: &ChunkSender<Chunk>| {
                let mut headers: Option<(String, Option<csv::StringRecord>)> = None;
                let quote = Some(producer_options.quote);
                for_my_line_splits(&url, split_size, quote, index, peers, tx, |split, bytes| {
                    let file = &split.file.location.url;
                    if headers.as_ref().is_none_or(|(f, _)| f != file) {
                        headers = Some((file.clone(), producer_options.header(&split)?));
                    }
                    let header = headers.as_ref().and_then(|(_, h)| h.clone());
                    Ok((split, header, bytes))
                });
            },
            move |(split, header, bytes): Chunk, out| {
                options.decode(&split, header.as_ref(), &bytes, out)
            },
        )
        .name(&shown)
    }

    /// The fixed-length binary records (`record_len` bytes each, e.g. TeraSort's 100) of
    /// the file(s) at `url`. A file whose size is not a multiple of `record_len` fails
    /// the job, naming it.
    pub fn read_fixed(&self, url: &str, record_len: usize) -> DataSet<'scope, Vec<u8>> {
        let (url, index, peers) = (url.to_string(), self.index(), self.peers());
        let split_size = self.config().split_size;
        let len = record_len.max(1) as u64;
        let shown = format!("Source: {url}");
        self.chunk_source(
            "ReadFixed",
            move |tx: &ChunkSender<SplitBytes>| {
                let run = || -> Result<()> {
                    let files = list_files(&url)?;
                    let size = split_size_for(&files, peers, split_size);
                    let splits = fixed::plan_splits(&files, len, size)?;
                    let mine: Vec<_> = splits.iter().skip(index).step_by(peers).collect();
                    metrics::input_planned(mine.iter().map(|s| s.end - s.start).sum());
                    for split in mine {
                        let mut open = true;
                        fixed::read_split(split, len, PIECE_BYTES as u64, &mut |piece| {
                            metrics::input_read(piece.bytes.len() as u64);
                            open = tx.send(Ok(piece));
                            open
                        })?;
                        if !open {
                            break;
                        }
                    }
                    Ok(())
                };
                if let Err(e) = run() {
                    tx.send(Err(e));
                }
            },
            move |piece: SplitBytes, out| {
                out.extend(piece.bytes.chunks_exact(len as usize).map(<[u8]>::to_vec));
                Ok(())
            },
        )
        .name(&shown)
    }

    /// The rows of the Parquet file(s) at `url` as records of `T`. Only the columns named
    /// by `T`'s fields are read (all columns for tuples); see [`ParquetOptions`] for
    /// row-group pruning.
    pub fn read_parquet<T: Data>(&self, url: &str, options: ParquetOptions) -> DataSet<'scope, T> {
        let (url, index, peers) = (url.to_string(), self.index(), self.peers());
        let columns = strom_core::formats::schema::field_names::<T>();
        let shown = format!("Source: {url}");
        self.chunk_source(
            "ReadParquet",
            move |tx: &ChunkSender<ParquetChunk>| {
                let run = || -> Result<()> {
                    let files = list_files(&url)?;
                    let splits = pq::plan_splits(&files, &options)?;
                    // A row group's share of its file, for progress.
                    let mut groups: HashMap<&str, u64> = HashMap::new();
                    for s in &splits {
                        *groups.entry(&s.file.location.url).or_default() += 1;
                    }
                    let share = |s: &pq::ParquetSplit| s.file.size / groups[&*s.file.location.url];
                    let mine: Vec<_> = splits.iter().skip(index).step_by(peers).collect();
                    metrics::input_planned(mine.iter().map(|s| share(s)).sum());
                    for split in mine {
                        let mut keep_going = true;
                        pq::read_split(split, columns, options.batch_size, &mut |chunk| {
                            keep_going = tx.send(Ok(chunk));
                            keep_going
                        })?;
                        metrics::input_read(share(split));
                        if !keep_going {
                            break;
                        }
                    }
                    Ok(())
                };
                if let Err(e) = run() {
                    tx.send(Err(e));
                }
            },
            decode_parquet::<T>,
        )
        .name(&shown)
    }

    /// A source fed by `produce` on the I/O runtime and decoded on this worker by `decode`.
    fn chunk_source<R, T, P, D>(&self, name: &str, produce: P, mut decode: D) -> DataSet<'scope, T>
    where
        R: Send + 'static,
        T: Data,
        P: FnOnce(&ChunkSender<R>) + Send + 'static,
        D: FnMut(R, &mut Vec<T>) -> Result<()> + 'static,
    {
        let ctx = self.ctx.clone();
        let scope = self.scope;
        let stream = source(self.scope, name, move |cap, info| {
            let activator = Mutex::new(scope.worker().sync_activator_for(info.address.to_vec()));
            let mut rx = Some(spawn_producer(
                4,
                move || {
                    // The worker may be gone when the job failed; nothing to wake then.
                    let _ = activator.lock().map(|a| a.activate());
                },
                produce,
            ));
            let mut cap = Some(cap);
            let mut buf = Vec::new();
            let again = scope.activator_for(info.address);
            move |output| {
                let Some(receiver) = rx.as_mut() else { return };
                for _ in 0..CHUNKS_PER_ACTIVATION {
                    if ctx.failed() {
                        (rx, cap) = (None, None);
                        return;
                    }
                    match receiver.poll() {
                        Poll::Ready(Ok(chunk)) => {
                            if let Err(e) = decode(chunk, &mut buf) {
                                ctx.fail(&e);
                                (rx, cap) = (None, None);
                                return;
                            }
                            if let Some(c) = cap.as_ref() {
                                output.session(c).give_iterator(buf.drain(..));
                            }
                        }
                        Poll::Ready(Err(e)) => {
                            ctx.fail(&e);
                            (rx, cap) = (None, None);
                            return;
                        }
                        // The producer wakes this operator when it sends or finishes.
                        Poll::Pending => return,
                        Poll::Done => {
                            (rx, cap) = (None, None);
                            return;
                        }
                    }
                }
                // More may be waiting: yield to downstream operators, then continue.
                again.activate();
            }
        });
        DataSet::from_stream(self, stream)
    }
}

/// Splits are handed over in pieces of about this many bytes, so records flow downstream
/// while a split is still being decoded, and memory stays bounded.
const PIECE_BYTES: usize = 1 << 20;

/// Lists `url`, fetches this worker's line splits and sends `make(split, piece)` for each
/// piece of each split.
fn for_my_line_splits<C>(
    url: &str,
    split_size: u64,
    quote: Option<u8>,
    index: usize,
    peers: usize,
    tx: &ChunkSender<C>,
    mut make: impl FnMut(LineSplit, SplitBytes) -> Result<C>,
) {
    let mut run = || -> Result<()> {
        let files = list_files(url)?;
        let split_size = split_size_for(&files, peers, split_size);
        let mine: Vec<_> = plan_splits(&files, split_size)
            .into_iter()
            .skip(index)
            .step_by(peers)
            .collect();
        metrics::input_planned(mine.iter().map(|s| s.end - s.start).sum());
        for split in mine {
            let bytes = fetch_split(&split)?;
            // Counted as pieces are taken downstream, so the bar follows the work.
            let mut unread = split.end - split.start;
            for piece in pieces(&bytes, PIECE_BYTES, quote) {
                let len = (piece.bytes.len() as u64).min(unread);
                if !tx.send(make(split.clone(), piece)) {
                    return Ok(());
                }
                metrics::input_read(len);
                unread -= len;
            }
            metrics::input_read(unread);
        }
        Ok(())
    };
    if let Err(e) = run() {
        tx.send(Err(e));
    }
}

fn decode_parquet<T: DeserializeOwned>(chunk: ParquetChunk, out: &mut Vec<T>) -> Result<()> {
    let schema = chunk.batch.schema();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let decoder = BatchDecoder::new::<T>(&names, &chunk.source)?;
    decoder.decode(&chunk.batch, &chunk.source, chunk.first_row, out)
}
