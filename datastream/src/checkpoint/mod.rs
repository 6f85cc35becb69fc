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

//!
//! Its parts: [`protocol`] (the messages and the marker, a leaf module), the
//! committer (`committer.rs`, on worker 0, its storage I/O on a thread of its own)
//! with marker writing (`marker.rs`), publishing of sinks' committables
//! (`publish.rs`), retention (`retention.rs`) and savepoint requests
//! (`savepoints.rs`), and the operators' side (`operator.rs`).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use strom_core::storage::{list_files, resolve};
use strom_core::time::StreamTime;
use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::operators::Concatenate;
use strom_core::{Error, Restore, Result};

mod committer;
mod marker;
mod operator;
pub mod protocol;
mod publish;
mod retention;
mod savepoints;

pub(crate) use operator::{AckOutput, snapshots_in};
pub use operator::{GroupSink, MAX_CHAIN, Part};
pub use protocol::{Ack, MARKER_FORMAT, Marker, Stored};
use publish::Committers;
pub(crate) use publish::StoredCommitter;
pub(crate) use savepoints::stopping;
pub use savepoints::{
    REQUEST, Request, STOP, request, request_for, request_savepoint, stop_requested,
    withdraw_request,
};

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

    /// The stored position of split `split` of `source` (decode it with
    /// [`Stored::decode`] as the source's position type).
    pub fn position(&self, source: &str, split: usize) -> Option<&Stored> {
        self.marker.positions.get(source)?.get(&split)
    }
}

/// The folder holding `url`.
fn parent(url: &str) -> &str {
    url.trim_end_matches('/')
        .rsplit_once('/')
        .map_or(url, |(parent, _)| parent)
}

/// The location `rel` (a `/`-separated path) below the folder `url`.
fn locate(url: &str, rel: &str) -> Result<strom_core::storage::Location> {
    let mut loc = resolve(url)?;
    for part in rel.split('/').filter(|p| !p.is_empty()) {
        loc = loc.join(part);
    }
    Ok(loc)
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
        let marker = Marker::parse(&file.location.url, &bytes)?;
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
            // A marker that cannot be read (no format version, say) is refused here.
            let listed = match committed(parent) {
                Ok(all) => all,
                Err(e @ Error::Format { .. }) => return Err(e),
                Err(_) => Vec::new(),
            };
            let found = listed
                .into_iter()
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
    /// The committers of the job's two-phase-commit sinks.
    committers: RefCell<Committers>,
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
            committers: RefCell::new(Committers::default()),
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
        self.first_epoch = retention::checkpoint_folders(&self.dir)
            .keys()
            .chain(retention::savepoint_epochs(&self.dir).iter())
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

    /// Registers the committer of a two-phase-commit sink, giving the sink's id.
    pub(crate) fn register_sink(&self, committer: Box<dyn StoredCommitter>) -> String {
        let mut committers = self.committers.borrow_mut();
        let id = format!("sink-{:03}", committers.len());
        committers.insert(id.clone(), committer);
        id
    }

    /// Builds the committer: every acknowledgement goes to worker 0, whose commit
    /// thread writes an epoch's marker when the committer's input frontier has passed
    /// the epoch, commits the sinks, and keeps the newest `retain` checkpoints.
    ///
    /// # Panics
    /// When restoring a checkpoint of another job graph.
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
        let mut base = Marker {
            workers,
            key_groups,
            job: self.job.clone(),
            graph,
            ..Marker::default()
        };
        let me = self.run_id.clone();
        if scope.index() == 0 {
            // Markers at or after this run's first epoch are from an abandoned timeline
            // (a run restored from an older checkpoint): not to be restored from again.
            retention::drop_markers_from(&dir, self.first_epoch);
            savepoints::remove_stale_request(&dir, me.as_deref());
        }
        if let Ok(l) = locate(&dir, STOP) {
            // A stop from an earlier run of this folder is over (removed before this
            // worker's sources look for one).
            let _ = l.delete_prefix();
        }
        let mut restored = BTreeMap::new();
        if let Some(r) = &self.restore {
            base.positions = r.marker.positions.clone();
            restored = r.marker.committables.clone();
        }
        let committers = std::mem::take(&mut *self.committers.borrow_mut());
        let commit_loop =
            committer::CommitLoop::new(dir, me, self.first_epoch, base, committers, retain);
        let acks = scope.concatenate(streams);
        committer::build(scope, acks, commit_loop, restored);
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
