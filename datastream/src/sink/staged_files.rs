//! The exactly-once file sink (Flink's `FileSink` with checkpointing), one
//! implementation of [`TwoPhaseCommitSink`]: each worker's writer stages an epoch's
//! lines as one hidden part, `<folder>/.staging/chk-<epoch>-part-<worker>`; its
//! committable names the staged part and its target, `part-<epoch>-<worker>.csv`;
//! committing copies the part to its target and deletes it (a part already gone was
//! committed before: skipped). A restored writer deletes the parts of epochs after
//! the checkpoint that it or the old writers it inherits staged.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use strom_core::Error;
use strom_core::storage::{list_files, resolve};

use super::two_phase::{SinkCommitter, SinkWriter, TwoPhaseCommitSink, WriterContext};
use crate::checkpoint::folder;
use crate::error::SinkError;
use crate::stream::{Data, DataStream, Timestamped};
use strom_core::timely::dataflow::operators::vec::Map;

/// Lines into part files under a folder URL, exactly once.
#[derive(Clone, Debug)]
pub struct StagedFileSink {
    base: String,
}

impl StagedFileSink {
    /// Part files under the folder `url` (any object_store URL).
    pub fn new(url: &str) -> Self {
        StagedFileSink {
            base: url.trim_end_matches('/').to_string(),
        }
    }
}

/// A staged part and where it is published: the file sink's committable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedPart {
    /// Where it is staged.
    pub staged: String,
    /// Where it is published.
    pub target: String,
}

/// A worker's staging: the lines of each epoch not yet pre-committed.
pub struct StagedFileWriter {
    base: String,
    worker: usize,
    lines: BTreeMap<u64, Vec<u8>>,
}

/// Publishes staged parts.
pub struct StagedFileCommitter;

impl TwoPhaseCommitSink<String> for StagedFileSink {
    type Committable = StagedPart;
    type Writer = StagedFileWriter;
    type Committer = StagedFileCommitter;

    fn writer(&self, context: &WriterContext) -> StagedFileWriter {
        StagedFileWriter {
            base: self.base.clone(),
            worker: context.worker,
            lines: BTreeMap::new(),
        }
    }

    fn committer(&self) -> StagedFileCommitter {
        StagedFileCommitter
    }

    fn name(&self) -> String {
        format!("Sink: {}/", self.base)
    }
}

/// The epoch and worker of a staged part's name, `chk-<epoch>-part-<worker>`.
fn staged_name(name: &str) -> Option<(u64, usize)> {
    let rest = name.strip_prefix("chk-")?;
    let (epoch, worker) = rest.split_once("-part-")?;
    Some((epoch.parse().ok()?, worker.parse().ok()?))
}

impl SinkWriter<String> for StagedFileWriter {
    type Committable = StagedPart;

    fn abort(&mut self, context: &WriterContext) -> Result<(), SinkError> {
        let Some(restored) = context.restored else {
            return Ok(());
        };
        let staging = format!("{}/.staging", self.base);
        let files = match list_files(&staging) {
            Ok(files) => files,
            // Nothing staged.
            Err(Error::Plan(_)) => return Ok(()),
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        for file in files {
            let url = &file.location.url;
            let name = url.rsplit('/').next().unwrap_or(url);
            let Some((epoch, worker)) = staged_name(name) else {
                continue;
            };
            if epoch > restored.epoch && context.inherits(worker) {
                match file.location.delete_prefix() {
                    Err(e) if !e.is_not_found() => return Err(e.into()),
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn write(&mut self, epoch: u64, line: String) -> Result<(), SinkError> {
        let buf = self.lines.entry(epoch).or_default();
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        Ok(())
    }

    fn pre_commit(&mut self, epoch: u64) -> Result<Option<StagedPart>, SinkError> {
        let Some(bytes) = self.lines.remove(&epoch) else {
            return Ok(None);
        };
        let (base, worker) = (&self.base, self.worker);
        let staged = format!("{base}/.staging/{}-part-{worker:05}", folder(epoch));
        let target = format!("{base}/part-{epoch:010}-{worker:05}.csv");
        resolve(&staged)?.write(bytes.into())?;
        Ok(Some(StagedPart { staged, target }))
    }
}

impl SinkCommitter for StagedFileCommitter {
    type Committable = StagedPart;

    fn commit(&mut self, parts: Vec<StagedPart>) -> Result<(), SinkError> {
        for StagedPart { staged, target } in parts {
            let from = resolve(&staged)?;
            let bytes = match from.read_all() {
                Ok(bytes) => bytes,
                // Committed before the failure.
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e.into()),
            };
            resolve(&target)?.write(bytes)?;
            from.delete_prefix()?;
        }
        Ok(())
    }
}

impl<T: Data> DataStream<'_, T> {
    /// Writes every record as a line into part files under the folder `url`, exactly
    /// once (Flink's `FileSink` with checkpointing; [`StagedFileSink`] through
    /// [`DataStream::sink_exactly_once`]): each worker stages an epoch's lines as one
    /// hidden part when its input has passed the epoch, and the checkpoint committer
    /// publishes it as `part-<epoch>-<worker>.csv` when the epoch's checkpoint
    /// commits (`docs/0009-checkpoints.md`). A restored job publishes what the last
    /// checkpoint staged, and nothing of later epochs is ever published twice.
    /// Without checkpointing the parts are published when the stream ends.
    pub fn write_lines_exactly_once(&self, url: &str, format: impl Fn(&T) -> String + 'static) {
        // The formatting shows as part of the sink.
        let id = strom_core::metrics::next_operator_id(&self.env.scope);
        let lines = DataStream {
            env: self.env.clone(),
            stream: self.stream.clone().map(move |r| {
                let _running = strom_core::metrics::running(id);
                Timestamped {
                    ts: r.ts,
                    value: format(&r.value),
                }
            }),
        };
        lines.sink_exactly_once(StagedFileSink::new(url));
    }
}
