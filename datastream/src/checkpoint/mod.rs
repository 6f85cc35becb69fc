//! Checkpoints (`docs/0009-checkpoints.md`): sources move to the next epoch on the
//! checkpoint interval and acknowledge their read positions; stateful operators write
//! their key groups when their input has passed an epoch and acknowledge the files; a
//! committer on worker 0 writes `chk-<epoch>/COMMITTED` once its input frontier has
//! passed the epoch, which is when every acknowledgement of it is in.
//!
//! A savepoint is asked for through a request file ([`Request`]); after a stop, the
//! sources end at their next epoch and operators fire nothing pending unless the job
//! drains. Known limitation: what the sources read between the savepoint's epoch and
//! their seeing the stop still reaches sinks that are not exactly-once.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use strom_core::metrics::CheckpointRecord;
use strom_core::storage::{list_files, resolve};
use strom_core::time::StreamTime;
use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::Exchange;
use strom_core::timely::dataflow::operators::Concatenate;
use strom_core::timely::dataflow::operators::generic::Operator;
use strom_core::{Error, Restore, Result};

use crate::source::Position;

mod operator;

pub(crate) use operator::snapshots_in;
pub use operator::{GroupSink, MAX_CHAIN, Part};

/// What a source or operator tells the committer about an epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Ack {
    /// A source split's position at the end of the epoch.
    Position {
        /// The source's operator id.
        source: String,
        /// The split (worker index).
        split: usize,
        /// Where it was.
        position: Position,
    },
    /// A part file a sink staged for the epoch: published when the epoch commits.
    Staged {
        /// Where it is staged.
        staged: String,
        /// Where it is published.
        target: String,
    },
    /// Files an operator wrote for the epoch, with their CRC32.
    Files {
        /// The operator id.
        operator: String,
        /// `(path below the checkpoint folder, crc32)`.
        files: Vec<(String, u32)>,
        /// Bytes written.
        #[serde(default)]
        bytes: u64,
        /// Milliseconds the operator spent taking and writing its snapshot.
        #[serde(default)]
        millis: u64,
    },
}

/// What `COMMITTED` records.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    /// The epoch.
    pub epoch: u64,
    /// Workers of the job that wrote it.
    pub workers: usize,
    /// Key groups of the job.
    pub key_groups: u32,
    /// Every source split's position: `(source, split) -> position`.
    pub positions: BTreeMap<String, BTreeMap<usize, Position>>,
    /// Every file, with its CRC32.
    pub files: BTreeMap<String, u32>,
    /// The job that wrote it.
    #[serde(default)]
    pub job: String,
    /// Sink parts staged up to this epoch and published with it: `(staged, target)`.
    #[serde(default)]
    pub staged: Vec<(String, String)>,
    /// Bytes of state in the checkpoint.
    #[serde(default)]
    pub bytes: u64,
    /// The longest time (ms) an operator spent taking its snapshot.
    #[serde(default)]
    pub snapshot_ms: u64,
    /// When it was committed, ms since the Unix epoch (0 in markers of older versions).
    #[serde(default)]
    pub taken_ms: i64,
    /// The ids of the job graph's stateful operators and sources, in build order: a
    /// checkpoint restores only into the same graph (empty in markers of older
    /// versions, which are not checked).
    #[serde(default)]
    pub graph: Vec<String>,
}

/// A committed checkpoint to restore from.
#[derive(Clone, Debug)]
pub struct Restored {
    /// Its folder's URL.
    pub url: String,
    /// Its marker.
    pub marker: Marker,
}

impl Restored {
    /// The bytes of `path` in the checkpoint, checked against the marker's CRC;
    /// `None` when the checkpoint has no such file.
    ///
    /// # Errors
    /// When the file is missing or its checksum does not match.
    pub fn read(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let Some(&crc) = self.marker.files.get(path) else {
            return Ok(None);
        };
        let loc = match path.strip_prefix("../") {
            // A file of an earlier checkpoint that an incremental snapshot builds on.
            Some(shared) => locate(parent(&self.url), shared)?,
            None => locate(&self.url, path)?,
        };
        let bytes = loc.read_all()?;
        if crc32fast::hash(&bytes) != crc {
            return Err(Error::format(
                &loc.url,
                "checksum mismatch: the checkpoint file is corrupt",
            ));
        }
        Ok(Some(bytes.to_vec()))
    }

    /// The bytes of a file an incremental snapshot builds on, named by its path below
    /// the checkpoint folder's parent: in an earlier checkpoint's folder, or copied
    /// into this folder (a savepoint); `None` when the marker does not list it.
    ///
    /// # Errors
    /// When the file is missing or its checksum does not match.
    pub fn read_shared(&self, path: &str) -> Result<Option<Vec<u8>>> {
        if self.marker.files.contains_key(path) {
            return self.read(path);
        }
        self.read(&format!("../{path}"))
    }

    /// The position of split `split` of `source`.
    pub fn position(&self, source: &str, split: usize) -> Option<&Position> {
        self.marker.positions.get(source)?.get(&split)
    }
}

/// The folder holding `url`.
fn parent(url: &str) -> &str {
    url.trim_end_matches('/')
        .rsplit_once('/')
        .map_or(url, |(parent, _)| parent)
}

/// Epochs of the checkpoint folders the files of `marker` name outside its own.
fn shared_epochs(marker: &Marker) -> BTreeSet<u64> {
    marker
        .files
        .keys()
        .filter_map(|p| p.strip_prefix("../chk-")?.split('/').next()?.parse().ok())
        .collect()
}

/// The location `rel` (a `/`-separated path) below the folder `url`.
fn locate(url: &str, rel: &str) -> Result<strom_core::storage::Location> {
    let mut loc = resolve(url)?;
    for part in rel.split('/').filter(|p| !p.is_empty()) {
        loc = loc.join(part);
    }
    Ok(loc)
}

/// Publishes staged sink parts (idempotent: a part already moved is skipped).
///
/// # Panics
/// (Failing the job) when a part cannot be published.
fn publish_all(parts: &mut Vec<(String, String)>) {
    for (staged, target) in parts.drain(..) {
        let published = (|| -> Result<()> {
            let from = resolve(&staged)?;
            let bytes = match from.read_all() {
                Ok(bytes) => bytes,
                Err(e) if e.is_not_found() => return Ok(()),
                Err(e) => return Err(e),
            };
            resolve(&target)?.write(bytes)?;
            from.delete_prefix()
        })();
        if let Err(e) = published {
            panic!("cannot publish {staged} as {target}: {e}");
        }
    }
}

/// A request for a savepoint in a checkpoint folder: `savepoint`, `stop` or `drain`
/// ([`Request`]), then the id of the run it is for, if it names one.
pub const REQUEST: &str = "SAVEPOINT-REQUEST";
/// Written when a job stops with a savepoint: the epoch after which sources end, then
/// ` drain` when the job drains.
pub const STOP: &str = "STOP";

/// What a savepoint request asks of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// A savepoint; the job goes on.
    Savepoint,
    /// A savepoint, after which sources end and the job finishes without firing what
    /// is pending: event-time windows and timers stay in the savepoint, for the job
    /// restored from it (Flink's `stop`).
    Stop,
    /// A savepoint, after which sources end and the watermark goes to the end of time:
    /// every pending window and timer fires and the output is published, for a job
    /// that is over (Flink's `stop --drain`). A job restored from the savepoint fires
    /// those windows again.
    Drain,
}

impl Request {
    fn word(self) -> &'static str {
        match self {
            Request::Savepoint => "savepoint",
            Request::Stop => "stop",
            Request::Drain => "drain",
        }
    }

    fn parse(word: &str) -> Option<Request> {
        [Request::Savepoint, Request::Stop, Request::Drain]
            .into_iter()
            .find(|r| r.word() == word)
    }
}

/// Asks the job checkpointing into `dir` for a savepoint at its next checkpoint, and
/// to stop after it (without draining) when `stop`.
///
/// # Errors
/// When the folder cannot be written.
pub fn request_savepoint(dir: &str, stop: bool) -> Result<()> {
    request(
        dir,
        if stop {
            Request::Stop
        } else {
            Request::Savepoint
        },
    )
}

/// Asks whatever job checkpoints into `dir` for what `what` says, at its next
/// checkpoint. A job started later removes the request unanswered.
///
/// # Errors
/// When the folder cannot be written.
pub fn request(dir: &str, what: Request) -> Result<()> {
    locate(dir, REQUEST)?.write(what.word().as_bytes().to_vec().into())
}

/// Asks the run `run_id` (its [`RuntimeConfig::run_id`]) checkpointing into `dir` for
/// what `what` says; any other job that checkpoints there removes the request
/// unanswered.
///
/// [`RuntimeConfig::run_id`]: strom_core::RuntimeConfig::run_id
///
/// # Errors
/// When the folder cannot be written.
pub fn request_for(dir: &str, run_id: &str, what: Request) -> Result<()> {
    let text = format!("{} {run_id}", what.word());
    locate(dir, REQUEST)?.write(text.into_bytes().into())
}

/// Removes a request that is still pending (one no job took), so that no later job
/// takes it.
///
/// # Errors
/// When the folder cannot be written.
pub fn withdraw_request(dir: &str) -> Result<()> {
    match locate(dir, REQUEST)?.delete_prefix() {
        Err(e) if !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}

/// The pending request, taken (removed): `None` when there is none, or when it is
/// for another run than `me` (removed all the same: that run is not here).
fn take_request(dir: &str, me: Option<&str>) -> Option<Request> {
    let loc = locate(dir, REQUEST).ok()?;
    let bytes = loc.read_all().ok()?;
    let _ = loc.delete_prefix();
    let text = String::from_utf8_lossy(&bytes);
    let mut words = text.split_whitespace();
    let what = words.next().and_then(Request::parse);
    match (what, words.next()) {
        (Some(what), None) => Some(what),
        (Some(what), Some(id)) if Some(id) == me => Some(what),
        (_, id) => {
            eprintln!(
                "ignored a savepoint request in {dir} for another job ({}): {}",
                id.unwrap_or("none"),
                text.trim()
            );
            None
        }
    }
}

/// Removes, when a run starts, a pending request that is not addressed to it: it was
/// left by a request that raced with the end of an earlier job.
fn remove_stale_request(dir: &str, me: Option<&str>) {
    let Ok(loc) = locate(dir, REQUEST) else {
        return;
    };
    let Ok(bytes) = loc.read_all() else {
        return;
    };
    let text = String::from_utf8_lossy(&bytes);
    let addressed_to_me = me.is_some() && text.split_whitespace().nth(1) == me;
    if !addressed_to_me {
        let _ = loc.delete_prefix();
        eprintln!(
            "removed a stale savepoint request from {dir} (\"{}\", left by an earlier job)",
            text.trim()
        );
    }
}

/// Whether the job checkpointing into `dir` is stopping (sources end at their next
/// epoch).
pub fn stop_requested(dir: &str) -> bool {
    stopping(dir).is_some()
}

/// How the job checkpointing into `dir` stops: `None` when it does not,
/// `Some(true)` when it drains.
fn stopping(dir: &str) -> Option<bool> {
    let bytes = locate(dir, STOP).and_then(|l| l.read_all()).ok()?;
    Some(String::from_utf8_lossy(&bytes).trim().ends_with("drain"))
}

/// Copies the committed checkpoint of `epoch` to `savepoint-<epoch>` (kept whatever
/// the retention), marker last; gives its URL.
///
/// # Panics
/// (Failing the job) when the copy cannot be made.
fn save(dir: &str, epoch: u64, marker: &Marker) -> String {
    let name = format!("savepoint-{epoch:010}");
    let mut copy = marker.clone();
    copy.files.clear();
    let copied = (|| -> Result<()> {
        for (path, crc) in &marker.files {
            // Files of earlier checkpoints go inside: a savepoint stands alone.
            let (from, to) = match path.strip_prefix("../") {
                Some(shared) => (shared.to_string(), shared.to_string()),
                None => (format!("{}/{path}", folder(epoch)), path.clone()),
            };
            let bytes = locate(dir, &from)?.read_all()?;
            locate(dir, &format!("{name}/{to}"))?.write(bytes)?;
            copy.files.insert(to, *crc);
        }
        let text = serde_json::to_vec_pretty(&copy).expect("a marker serialises");
        locate(dir, &format!("{name}/COMMITTED"))?.write(text.into())
    })();
    if let Err(e) = copied {
        panic!("savepoint {name}: {e}");
    }
    format!("{}/{name}", dir.trim_end_matches('/'))
}

/// The checkpoint folders under `dir` by epoch, each with whether it is committed.
fn checkpoint_folders(dir: &str) -> BTreeMap<u64, bool> {
    let mut folders = BTreeMap::new();
    for file in list_files(dir).unwrap_or_default() {
        let url = &file.location.url;
        let rel = url.strip_prefix(dir.trim_end_matches('/')).unwrap_or(url);
        let Some(epoch) = rel
            .split('/')
            .find_map(|part| part.strip_prefix("chk-")?.parse::<u64>().ok())
        else {
            continue;
        };
        *folders.entry(epoch).or_insert(false) |= url.ends_with("/COMMITTED");
    }
    folders
}

/// The epochs of the savepoints under `dir`.
fn savepoint_epochs(dir: &str) -> BTreeSet<u64> {
    list_files(dir)
        .unwrap_or_default()
        .iter()
        .filter_map(|file| {
            let url = &file.location.url;
            let rel = url.strip_prefix(dir.trim_end_matches('/')).unwrap_or(url);
            rel.split('/')
                .find_map(|part| part.strip_prefix("savepoint-")?.parse::<u64>().ok())
        })
        .collect()
}

/// Deletes the checkpoint folders below epoch `committed` that have no marker: what
/// a run that died while taking them left behind.
fn sweep_incomplete(dir: &str, committed: u64) {
    let shared: BTreeSet<u64> = self::committed(dir)
        .unwrap_or_default()
        .iter()
        .flat_map(|r| shared_epochs(&r.marker))
        .collect();
    for (epoch, done) in checkpoint_folders(dir) {
        if epoch < committed && !done && !shared.contains(&epoch) {
            let _ = locate(dir, &folder(epoch)).and_then(|l| l.delete_prefix());
        }
    }
}

/// Deletes the markers of checkpoints from epoch `first` on.
fn drop_markers_from(dir: &str, first: u64) {
    for (epoch, done) in checkpoint_folders(dir) {
        if epoch >= first && done {
            let _ = locate(dir, &format!("{}/COMMITTED", folder(epoch)))
                .and_then(|l| l.delete_prefix());
        }
    }
}

/// The folder name of epoch `epoch`'s checkpoint.
pub fn folder(epoch: u64) -> String {
    format!("chk-{epoch:010}")
}

/// The committed checkpoints under `dir`, newest first.
///
/// # Errors
/// When the folder cannot be listed.
pub fn committed(dir: &str) -> Result<Vec<Restored>> {
    let mut found = Vec::new();
    let files = match list_files(dir) {
        Ok(files) => files,
        Err(Error::Plan(_)) => return Ok(found),
        Err(e) => return Err(e),
    };
    for file in files {
        if !file.location.url.ends_with("/COMMITTED") {
            continue;
        }
        let bytes = match file.location.read_all() {
            Ok(bytes) => bytes,
            // Deleted since the listing (retention, or a dropped abandoned marker).
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e),
        };
        let marker: Marker = serde_json::from_slice(&bytes).map_err(|e| {
            Error::format(&file.location.url, format!("not a checkpoint marker: {e}"))
        })?;
        let url = file.location.url.trim_end_matches("/COMMITTED").to_string();
        found.push(Restored { url, marker });
    }
    found.sort_by_key(|r| std::cmp::Reverse(r.marker.epoch));
    Ok(found)
}

/// The newest committed checkpoint under `dir` whose files all pass their checksums,
/// saying on standard error which ones it skipped.
///
/// # Errors
/// When the folder cannot be listed.
pub fn latest(dir: &str) -> Result<Option<Restored>> {
    for candidate in committed(dir)? {
        let bad = candidate
            .marker
            .files
            .keys()
            .find_map(|path| candidate.read(path).err());
        match bad {
            None => return Ok(Some(candidate)),
            Some(e) => eprintln!(
                "checkpoint {} is unusable ({e}); falling back to the previous one",
                candidate.url
            ),
        }
    }
    Ok(None)
}

/// Checks that the checkpoint folder `dir` holds no checkpoints of another job than
/// `job`: one folder holds one job's history.
///
/// # Errors
/// [`Error::Config`] naming the other job, or when the folder cannot be listed.
pub fn check_folder_is_for(dir: &str, job: &str) -> Result<()> {
    match committed(dir)?.into_iter().find(|c| c.marker.job != job) {
        None => Ok(()),
        Some(other) => Err(Error::Config(format!(
            "the checkpoint folder {dir} holds checkpoints of job {:?} ({}), not of {job:?}: \
             give this job a checkpoint folder of its own",
            other.marker.job, other.url
        ))),
    }
}

/// The committed checkpoint `restore` names: the newest usable one in `checkpoint_dir`
/// ([`latest`]) or the one at a URL.
///
/// # Errors
/// [`Error::Config`] when there is no such committed checkpoint (or no folder to find
/// the latest in); storage errors naming the folder when it cannot be listed.
pub fn resolve_restore(restore: &Restore, checkpoint_dir: Option<&str>) -> Result<Restored> {
    match restore {
        Restore::Latest => {
            let dir = checkpoint_dir.ok_or_else(|| {
                Error::Config("restoring the latest checkpoint needs a checkpoint folder".into())
            })?;
            latest(dir)?.ok_or_else(|| {
                Error::Config(format!(
                    "no committed checkpoint in {dir} to restore the latest of"
                ))
            })
        }
        Restore::At(url) => {
            let wanted = url.trim_end_matches('/');
            let (parent, name) = wanted.rsplit_once('/').unwrap_or((".", wanted));
            let found = committed(parent)
                .ok()
                .into_iter()
                .flatten()
                .find(|c| c.url.trim_end_matches('/').rsplit('/').next() == Some(name));
            found.ok_or_else(|| {
                Error::Config(format!(
                    "{url}: not a committed checkpoint (a checkpoint folder holding COMMITTED)"
                ))
            })
        }
    }
}

/// A job's checkpointing, shared by every operator built on a worker.
pub struct Checkpointing<'s> {
    /// The interval between epochs.
    pub interval: Duration,
    /// Where checkpoints go.
    pub dir: String,
    /// The first epoch of this run (after the restored one).
    pub first_epoch: u64,
    /// What to restore, if anything.
    pub restore: Option<Restored>,
    /// The job's name, recorded in its checkpoints.
    pub job: String,
    /// This run's id, which savepoint requests for it carry ([`request_for`]).
    pub run_id: Option<String>,
    acks: RefCell<Vec<StreamVec<'s, StreamTime, Ack>>>,
    /// The ids handed out so far: the job graph, recorded in its checkpoints.
    graph: RefCell<Vec<String>>,
}

impl<'s> Checkpointing<'s> {
    /// Checkpoints every `interval` into `dir`, restoring `restore` if given.
    pub fn new(interval: Duration, dir: String, restore: Option<Restored>) -> Self {
        Checkpointing {
            job: String::new(),
            run_id: None,
            interval,
            first_epoch: restore.as_ref().map_or(0, |r| r.marker.epoch + 1),
            dir,
            restore,
            acks: RefCell::new(Vec::new()),
            graph: RefCell::new(Vec::new()),
        }
    }

    /// Starts this run's epochs after every checkpoint folder already in `dir` (`0` in
    /// an empty one), so that the newest checkpoint there is always the newest run's.
    /// A restoring run starts after its checkpoint instead.
    ///
    /// # Errors
    /// When the folder holds checkpoints of another job, or cannot be listed.
    pub fn after_earlier_runs(mut self) -> Result<Self> {
        if self.restore.is_some() {
            return Ok(self);
        }
        check_folder_is_for(&self.dir, &self.job)?;
        self.first_epoch = checkpoint_folders(&self.dir)
            .keys()
            .chain(savepoint_epochs(&self.dir).iter())
            .max()
            .map_or(0, |e| e + 1);
        Ok(self)
    }

    /// A stable id for the next operator of `kind` (its place in the build order).
    pub fn operator_id(&self, kind: &str) -> String {
        let mut graph = self.graph.borrow_mut();
        let id = format!("{:03}-{kind}", graph.len());
        graph.push(id.clone());
        id
    }

    /// Registers an operator's acknowledgement stream.
    pub fn acknowledge(&self, acks: StreamVec<'s, StreamTime, Ack>) {
        self.acks.borrow_mut().push(acks);
    }

    /// Where operators write their snapshots.
    pub fn store(&self) -> CheckpointStore {
        CheckpointStore {
            dir: self.dir.clone(),
        }
    }

    /// Builds the committer: every acknowledgement goes to worker 0, which writes an
    /// epoch's marker when its input frontier has passed the epoch, keeping the
    /// newest `retain` checkpoints.
    pub fn build_committer(
        &self,
        scope: strom_core::timely::dataflow::Scope<'s, StreamTime>,
        workers: usize,
        key_groups: u32,
        retain: usize,
    ) {
        let streams = std::mem::take(&mut *self.acks.borrow_mut());
        if streams.is_empty() {
            return;
        }
        let dir = self.dir.clone();
        let graph = self.graph.borrow().clone();
        if let Some(r) = &self.restore
            && !r.marker.graph.is_empty()
            && r.marker.graph != graph
        {
            panic!(
                "{} was taken by another job graph (operators {}), not by this one ({}): \
                 it cannot be restored into it",
                r.url,
                r.marker.graph.join(", "),
                graph.join(", ")
            );
        }
        let mut marker = Marker {
            workers,
            key_groups,
            job: self.job.clone(),
            graph,
            ..Marker::default()
        };
        let me = self.run_id.clone();
        let mut pending: BTreeMap<u64, Vec<Ack>> = BTreeMap::new();
        // When the committer first heard of each epoch (ms): a checkpoint's duration
        // runs from there to its commit.
        let mut heard: BTreeMap<u64, i64> = BTreeMap::new();
        let now = || strom_core::time::ProcessingClock::System.now();
        let mut done: Vec<(u64, BTreeSet<u64>)> = Vec::new();
        let mut unpublished: Vec<(String, String)> = Vec::new();
        let mut stopping = false;
        let mut swept = false;
        if scope.index() == 0 {
            // Markers at or after this run's first epoch are from an abandoned timeline
            // (a run restored from an older checkpoint): not to be restored from again.
            drop_markers_from(&dir, self.first_epoch);
        }
        if let Ok(l) = locate(&dir, STOP) {
            // A stop from an earlier run of this folder is over.
            let _ = l.delete_prefix();
        }
        if scope.index() == 0 {
            remove_stale_request(&dir, me.as_deref());
        }
        let first = self.first_epoch;
        if let Some(r) = &self.restore {
            marker.positions = r.marker.positions.clone();
            // A crash may have come between the marker and the publishing.
            publish_all(&mut r.marker.staged.clone());
        }
        let acks = scope.concatenate(streams);
        acks.sink(
            Exchange::new(|_: &Ack| 0),
            "CheckpointCommitter",
            move |(input, frontier)| {
                input.for_each(|cap, batch| {
                    let epoch = cap
                        .stamp()
                        .iter()
                        .map(|t| t.epoch)
                        .min()
                        .expect("a message has a time");
                    pending.entry(epoch).or_default().append(batch);
                    heard.entry(epoch).or_insert_with(now);
                });
                let open = frontier
                    .frontier()
                    .iter()
                    .map(|t| t.epoch)
                    .min()
                    .unwrap_or(u64::MAX);
                // Every epoch below the least open one is complete, with or without acks.
                let complete: Vec<u64> = pending.keys().copied().filter(|&e| e < open).collect();
                for epoch in complete {
                    let acks = pending.remove(&epoch).unwrap_or_default();
                    let started = heard.remove(&epoch).unwrap_or_else(now);
                    marker.epoch = epoch;
                    // Files are per epoch; positions carry forward (a finished split keeps
                    // its last one).
                    marker.files.clear();
                    marker.bytes = 0;
                    marker.snapshot_ms = 0;
                    for ack in acks {
                        match ack {
                            Ack::Position {
                                source,
                                split,
                                position,
                            } => {
                                marker
                                    .positions
                                    .entry(source)
                                    .or_default()
                                    .insert(split, position);
                            }
                            Ack::Files {
                                files,
                                bytes,
                                millis,
                                ..
                            } => {
                                marker.files.extend(files);
                                marker.bytes += bytes;
                                marker.snapshot_ms = marker.snapshot_ms.max(millis);
                            }
                            Ack::Staged { staged, target } => {
                                unpublished.push((staged, target));
                            }
                        }
                    }
                    if stopping {
                        // Stopped with a savepoint, not drained: nothing after it is
                        // published (the restored job makes it again).
                        continue;
                    }
                    if open == u64::MAX {
                        // The job is over: its last output is final, though the end
                        // of input is not a checkpoint.
                        publish_all(&mut unpublished);
                        continue;
                    }
                    if epoch < first {
                        continue;
                    }
                    marker.staged = unpublished.clone();
                    marker.taken_ms = now();
                    let text = serde_json::to_vec_pretty(&marker).expect("a marker serialises");
                    let written = locate(&dir, &format!("{}/COMMITTED", folder(epoch)))
                        .and_then(|l| l.write(text.into()));
                    if let Err(e) = written {
                        panic!("checkpoint {epoch}: cannot write its marker: {e}");
                    }
                    publish_all(&mut unpublished);
                    let record = |kind: &str, path: String| {
                        strom_core::metrics::record_checkpoint(CheckpointRecord {
                            id: epoch,
                            kind: kind.into(),
                            path,
                            started_ms: started,
                            duration_ms: (now() - started).max(0) as u64,
                            bytes: marker.bytes,
                            status: "completed".into(),
                        });
                    };
                    record(
                        "checkpoint",
                        format!("{}/{}", dir.trim_end_matches('/'), folder(epoch)),
                    );
                    if let Some(request) = take_request(&dir, me.as_deref()) {
                        let at = save(&dir, epoch, &marker);
                        record("savepoint", at.clone());
                        let drain = request == Request::Drain;
                        if drain || request == Request::Stop {
                            // Draining, the job's last output is final (published at
                            // the end, as when the input ends).
                            stopping = !drain;
                            let text = if drain {
                                format!("{epoch} drain")
                            } else {
                                epoch.to_string()
                            };
                            let _ = locate(&dir, STOP).and_then(|l| l.write(text.into()));
                            eprintln!(
                                "savepoint {at}; the job stops there, as asked{}",
                                if drain {
                                    ", firing what is pending"
                                } else {
                                    ""
                                }
                            );
                        } else {
                            eprintln!("savepoint {at}");
                        }
                    }
                    if !swept {
                        // Incomplete checkpoints are left only by earlier runs.
                        sweep_incomplete(&dir, epoch);
                        swept = true;
                    }
                    done.push((epoch, shared_epochs(&marker)));
                    // Past the newest `retain`, a checkpoint is no longer one (its
                    // marker goes); its folder goes once none of those builds on its
                    // files (incremental snapshots).
                    let kept = done.len().saturating_sub(retain);
                    let needed: BTreeSet<u64> = done[kept..]
                        .iter()
                        .flat_map(|(_, s)| s.iter().copied())
                        .collect();
                    let mut i = 0;
                    while i < done.len().saturating_sub(retain) {
                        let old = done[i].0;
                        if needed.contains(&old) {
                            let marker = format!("{}/COMMITTED", folder(old));
                            let _ = locate(&dir, &marker).and_then(|l| l.delete_prefix());
                            i += 1;
                            continue;
                        }
                        done.remove(i);
                        let _ = locate(&dir, &folder(old)).and_then(|l| l.delete_prefix());
                    }
                }
            },
        );
    }
}

/// The checkpoint folder, as operators write to it.
#[derive(Clone, Debug)]
pub struct CheckpointStore {
    dir: String,
}

impl CheckpointStore {
    /// Writes `bytes` as `path` of epoch `epoch`'s checkpoint, giving the path and CRC
    /// for the acknowledgement.
    ///
    /// # Panics
    /// (Failing the job) when the checkpoint store cannot be written.
    pub fn write(&self, epoch: u64, path: &str, bytes: Vec<u8>) -> (String, u32) {
        match self.try_write(epoch, path, &bytes) {
            Ok(crc) => (path.to_string(), crc),
            Err(e) => panic!("checkpoint {epoch}: cannot write {path}: {e}"),
        }
    }

    /// Writes `bytes` as `path` of epoch `epoch`'s checkpoint, giving its CRC32.
    ///
    /// # Errors
    /// When the checkpoint store cannot be written.
    pub fn try_write(&self, epoch: u64, path: &str, bytes: &[u8]) -> Result<u32> {
        let rel = format!("{}/{path}", folder(epoch));
        locate(&self.dir, &rel)?.write(bytes.to_vec().into())?;
        Ok(crc32fast::hash(bytes))
    }
}

/// Shared by the operators of one worker's dataflow.
pub type Shared<'s> = Option<Rc<Checkpointing<'s>>>;

/// Copies the committed savepoint at `from` into the folder `to_dir` (its marker last,
/// so a partial copy is never a savepoint), giving the copy's URL.
///
/// # Errors
/// When `from` cannot be read or `to_dir` cannot be written.
pub fn copy_savepoint(from: &str, to_dir: &str) -> Result<String> {
    let from = from.trim_end_matches('/');
    let name = from.rsplit('/').next().unwrap_or(from);
    let to = format!("{}/{name}", to_dir.trim_end_matches('/'));
    let mut marker = None;
    for file in list_files(from)? {
        let url = &file.location.url;
        let rel = url
            .strip_prefix(from)
            .map(|r| r.trim_start_matches('/'))
            .unwrap_or(url);
        let bytes = resolve(url)?.read_all()?;
        if rel == "COMMITTED" {
            marker = Some(bytes);
            continue;
        }
        resolve(&format!("{to}/{rel}"))?.write(bytes)?;
    }
    let marker =
        marker.ok_or_else(|| Error::Config(format!("{from}: not a committed savepoint")))?;
    resolve(&format!("{to}/COMMITTED"))?.write(marker)?;
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(dir: &std::path::Path, epoch: u64, committed: bool) {
        let f = dir.join(folder(epoch));
        std::fs::create_dir_all(f.join("000-process")).unwrap();
        std::fs::write(f.join("000-process/kg-00000.bin"), b"state").unwrap();
        if committed {
            std::fs::write(f.join("COMMITTED"), b"{}").unwrap();
        }
    }

    #[test]
    fn leftovers_of_dead_runs_are_cleaned() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_str().unwrap();
        make(tmp.path(), 3, true);
        make(tmp.path(), 4, false);
        make(tmp.path(), 5, true);
        make(tmp.path(), 6, true);
        make(tmp.path(), 7, false);
        std::fs::create_dir_all(tmp.path().join("savepoint-0000000002")).unwrap();
        std::fs::write(tmp.path().join("savepoint-0000000002/COMMITTED"), b"{}").unwrap();
        // A run restored from epoch 5 starts at 6: epoch 6's marker is abandoned.
        drop_markers_from(dir, 6);
        let folders = checkpoint_folders(dir);
        assert_eq!(
            folders.into_iter().collect::<Vec<_>>(),
            [(3, true), (4, false), (5, true), (6, false), (7, false)]
        );
        // Its first commit, of epoch 7, removes what has no marker below it.
        sweep_incomplete(dir, 7);
        assert_eq!(
            checkpoint_folders(dir).into_iter().collect::<Vec<_>>(),
            [(3, true), (5, true), (7, false)]
        );
        assert!(tmp.path().join("savepoint-0000000002/COMMITTED").exists());
    }
}
