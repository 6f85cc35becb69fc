//! [`OperatorSnapshots`]: one stateful operator's side of checkpointing. It hands the
//! operator's key groups to its uploader, acknowledges the files once written, and
//! restores them.
//!
//! Incremental snapshots (`docs/0010-state-backends.md`): an operator whose state
//! tracks its changes may write a key group as a delta on the group's previous files
//! rather than in full. A delta file (`kg-NNNNN.d.bin`) names the chain it applies to
//! (the group's last full file and the deltas after it, by their paths below the
//! checkpoint folder's parent), and the epoch's acknowledgement lists those files with
//! their checksums, so the marker of every checkpoint covers every file a restore from
//! it reads. A group is written in full when it has no chain, when its chain is
//! [`MAX_CHAIN`] long, or when its deltas add up to more than its full file.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use serde::{Deserialize, Serialize};
use strom_core::time::StreamTime;
use strom_core::timely::container::CapacityContainerBuilder;
use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::operators::Capability;
use strom_core::timely::dataflow::operators::generic::OutputBuilder;

use super::{Ack, CheckpointStore, Checkpointing, Restored, folder};
use crate::upload::{Uploader, Written};

/// Acknowledgements an operator sends.
pub(crate) type AckOutput = OutputBuilder<StreamTime, CapacityContainerBuilder<Vec<Ack>>>;

/// Files in a key group's chain before a full snapshot is due.
pub const MAX_CHAIN: usize = 8;

/// One key group's snapshot as an operator writes it.
#[derive(Debug)]
pub enum Part {
    /// The whole group.
    Full(Vec<u8>),
    /// The changes since the group's previous snapshot.
    Delta(Vec<u8>),
}

/// Where an operator's snapshot goes, group by group.
pub trait GroupSink {
    /// Whether group `group` must be written in full (it has no chain to add a delta
    /// to, or its chain is long enough).
    fn full_due(&self, group: u32) -> bool;
    /// Writes one group.
    fn emit(&mut self, group: u32, part: Part);
}

/// A delta file: the chain it applies to, then the operator's delta.
#[derive(Serialize, Deserialize)]
struct DeltaFile {
    /// Paths below the checkpoint folder's parent, oldest (the full file) first.
    chain: Vec<String>,
    delta: Vec<u8>,
}

/// A key group's files so far: paths below the checkpoint folder's parent.
struct Chain {
    files: Vec<String>,
    full_bytes: u64,
    delta_bytes: u64,
}

/// One stateful operator's checkpointing: its id, where snapshots go, the epoch it is
/// in, what to restore, and the capability its acknowledgements go out at.
pub(crate) struct OperatorSnapshots {
    id: String,
    store: CheckpointStore,
    epoch: u64,
    restore: Option<Restored>,
    cap: Option<Capability<StreamTime>>,
    uploader: Option<Uploader>,
    wake: Option<strom_core::timely::scheduling::SyncActivator>,
    /// Snapshots being written, in the order taken.
    pending: VecDeque<Pending>,
    chains: BTreeMap<u32, Chain>,
    /// Checksums of files written, by path below the checkpoint folder's parent
    /// (those a chain may still name).
    crcs: HashMap<String, u32>,
    /// Whether the input ended on a stop without draining, once looked up.
    kept: Option<bool>,
}

/// A snapshot handed to the uploader and not yet acknowledged.
struct Pending {
    caps: Vec<Capability<StreamTime>>,
    written: std::sync::mpsc::Receiver<Written>,
    /// Files of earlier snapshots its deltas apply to.
    refs: BTreeSet<String>,
    bytes: u64,
    millis: u64,
}

/// The sink of one snapshot: files go to the uploader for `epochs`.
struct Taking<'a> {
    id: &'a str,
    epochs: std::ops::Range<u64>,
    uploader: &'a Uploader,
    chains: &'a mut BTreeMap<u32, Chain>,
    seen: BTreeSet<u32>,
    refs: BTreeSet<String>,
    bytes: u64,
}

impl GroupSink for Taking<'_> {
    fn full_due(&self, group: u32) -> bool {
        self.chains
            .get(&group)
            .is_none_or(|c| c.files.len() >= MAX_CHAIN || c.delta_bytes > c.full_bytes.max(4_096))
    }

    fn emit(&mut self, group: u32, part: Part) {
        self.seen.insert(group);
        // Later snapshots name the copy in the last epoch's folder: a checkpoint's
        // newest predecessor, which retention keeps while it is needed.
        let last = folder(self.epochs.end - 1);
        let (path, bytes) = match part {
            Part::Full(bytes) => {
                let path = format!("{}/kg-{group:05}.bin", self.id);
                self.chains.insert(
                    group,
                    Chain {
                        files: vec![format!("{last}/{path}")],
                        full_bytes: bytes.len() as u64,
                        delta_bytes: 0,
                    },
                );
                (path, bytes)
            }
            Part::Delta(delta) => {
                let chain = self
                    .chains
                    .get_mut(&group)
                    .expect("a delta is written only on a chain (full_due said so)");
                let path = format!("{}/kg-{group:05}.d.bin", self.id);
                self.refs.extend(chain.files.iter().cloned());
                chain.delta_bytes += delta.len() as u64;
                let file = DeltaFile {
                    chain: chain.files.clone(),
                    delta,
                };
                chain.files.push(format!("{last}/{path}"));
                (
                    path,
                    bincode::serialize(&file).expect("a delta file serialises"),
                )
            }
        };
        self.bytes += bytes.len() as u64;
        self.uploader.write(self.epochs.clone(), path, bytes);
    }
}

/// The checkpointing of an operator of `kind` built in `env` at `address`, its
/// acknowledgements on `acks`, when the job checkpoints; and the activator that wakes
/// the operator when a snapshot is written (for [`OperatorSnapshots::start`]).
pub(crate) fn snapshots_in<'s>(
    env: &crate::env::StreamEnv<'s>,
    kind: &str,
    acks: StreamVec<'s, StreamTime, Ack>,
    address: &[usize],
) -> (
    Option<OperatorSnapshots>,
    strom_core::timely::scheduling::SyncActivator,
) {
    let snapshots = env
        .checkpoints
        .as_ref()
        .map(|c| OperatorSnapshots::new(c, kind, acks));
    (
        snapshots,
        env.scope.worker().sync_activator_for(address.to_vec()),
    )
}

impl OperatorSnapshots {
    /// Registers an operator of `kind` with the job's checkpointing, its
    /// acknowledgements on `acks`.
    pub(crate) fn new<'s>(
        c: &Checkpointing<'s>,
        kind: &str,
        acks: StreamVec<'s, StreamTime, Ack>,
    ) -> Self {
        c.acknowledge(acks);
        OperatorSnapshots {
            id: c.operator_id(kind),
            store: c.store(),
            epoch: c.first_epoch,
            restore: c.restore.clone(),
            cap: None,
            uploader: None,
            wake: None,
            pending: VecDeque::new(),
            chains: BTreeMap::new(),
            crcs: HashMap::new(),
            kept: None,
        }
    }

    /// The epoch the operator is in (restored state and timers belong to it).
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Starts acknowledging at `cap` (the operator's initial acknowledgement
    /// capability; `wake` activates the operator when a snapshot is written), and hands
    /// `restore` the restored snapshot of every key group of `groups` that has one, one
    /// group at a time: its full snapshot, then the deltas after it in order. (The
    /// first snapshot after a restore is full: chains do not cross runs.)
    ///
    /// # Panics
    /// (Failing the job) when a checkpoint file cannot be read or is corrupt.
    pub(crate) fn start(
        &mut self,
        cap: Option<Capability<StreamTime>>,
        wake: strom_core::timely::scheduling::SyncActivator,
        groups: std::ops::Range<u32>,
        mut restore: impl FnMut(u32, Vec<Part>),
    ) {
        self.cap = cap;
        self.wake = Some(wake);
        let Some(restored) = self.restore.take() else {
            return;
        };
        let fail = |e: strom_core::Error| -> ! { panic!("operator {}: {e}", self.id) };
        let delta_of = |bytes: Vec<u8>, path: &str| -> DeltaFile {
            bincode::deserialize(&bytes).unwrap_or_else(|e| {
                fail(strom_core::Error::format(
                    path,
                    format!("not a delta file: {e}"),
                ))
            })
        };
        for g in groups {
            let full = format!("{}/kg-{g:05}.bin", self.id);
            if let Some(bytes) = restored.read(&full).unwrap_or_else(|e| fail(e)) {
                restore(g, vec![Part::Full(bytes)]);
                continue;
            }
            let path = format!("{}/kg-{g:05}.d.bin", self.id);
            let Some(bytes) = restored.read(&path).unwrap_or_else(|e| fail(e)) else {
                continue;
            };
            let last = delta_of(bytes, &path);
            let mut parts = Vec::with_capacity(last.chain.len() + 1);
            for (i, file) in last.chain.iter().enumerate() {
                let bytes = restored
                    .read_shared(file)
                    .unwrap_or_else(|e| fail(e))
                    .unwrap_or_else(|| {
                        fail(strom_core::Error::format(
                            file,
                            "a file of a delta's chain is not in the checkpoint's marker",
                        ))
                    });
                parts.push(if i == 0 {
                    Part::Full(bytes)
                } else {
                    Part::Delta(delta_of(bytes, file).delta)
                });
            }
            parts.push(Part::Delta(last.delta));
            restore(g, parts);
        }
    }

    /// Whether the input, which has ended, ended because the job stopped with a
    /// savepoint without draining ([`super::Request::Stop`]): then the operator's
    /// pending windows and timers stay in the savepoint and must not fire. Ask only
    /// once the input has ended (the answer is kept).
    pub(crate) fn stopped_without_drain(&mut self) -> bool {
        *self
            .kept
            .get_or_insert_with(|| super::stopping(&self.store.dir) == Some(false))
    }

    /// Moves to epoch `to` if it is later: the state now is that at the end of every
    /// epoch from the current one to `to - 1`, so each gets it. `snapshot` writes each
    /// key group to the sink it is given, one group at a time (so state on disk is
    /// never all in memory). True when the epoch moved (the operator then moves what it
    /// holds to the new epoch).
    pub(crate) fn take(
        &mut self,
        to: u64,
        snapshot: impl FnOnce(&mut dyn GroupSink),
        acks_out: &mut AckOutput,
    ) -> bool {
        if to <= self.epoch {
            return false;
        }
        let Some(cap) = self.cap.as_mut() else {
            return false;
        };
        let started = std::time::Instant::now();
        let epochs = self.epoch..to;
        let uploader = self
            .uploader
            .get_or_insert_with(|| Uploader::start(self.store.clone(), &self.id));
        let mut sink = Taking {
            id: &self.id,
            epochs: epochs.clone(),
            uploader,
            chains: &mut self.chains,
            seen: BTreeSet::new(),
            refs: BTreeSet::new(),
            bytes: 0,
        };
        snapshot(&mut sink);
        let Taking {
            seen, refs, bytes, ..
        } = sink;
        // A group not written has no state left.
        self.chains.retain(|g, _| seen.contains(g));
        let written = uploader.finish(self.wake.clone());
        let caps = epochs
            .map(|epoch| {
                cap.delayed(&StreamTime {
                    epoch,
                    ..*cap.time()
                })
            })
            .collect();
        self.pending.push_back(Pending {
            caps,
            written,
            refs,
            bytes,
            millis: started.elapsed().as_millis() as u64,
        });
        cap.downgrade(&StreamTime {
            epoch: to,
            ..*cap.time()
        });
        self.epoch = to;
        self.poll(acks_out);
        true
    }

    /// Acknowledges the snapshots whose files are written (in the order taken).
    ///
    /// # Panics
    /// (Failing the job) when a file could not be written.
    pub(crate) fn poll(&mut self, acks_out: &mut AckOutput) {
        while let Some(front) = self.pending.front() {
            let Some(written) = crate::upload::ready(&front.written) else {
                return;
            };
            let done = self.pending.pop_front().expect("looked at above");
            let files = written.unwrap_or_else(|e| panic!("operator {}: {e}", self.id));
            for (epoch, path, crc) in &files {
                self.crcs.insert(format!("{}/{path}", folder(*epoch)), *crc);
            }
            // Files of earlier snapshots, named from this one's folders.
            let refs: Vec<(String, u32)> = done
                .refs
                .iter()
                .map(|r| {
                    let crc = self.crcs.get(r).unwrap_or_else(|| {
                        panic!(
                            "operator {}: no checksum of {r}, which a delta applies to",
                            self.id
                        )
                    });
                    (format!("../{r}"), *crc)
                })
                .collect();
            let mut acks_out = acks_out.activate();
            for cap in &done.caps {
                let epoch = cap.time().epoch;
                let mut listed: Vec<(String, u32)> = files
                    .iter()
                    .filter(|f| f.0 == epoch)
                    .map(|(_, path, crc)| (path.clone(), *crc))
                    .collect();
                listed.extend(refs.iter().cloned());
                acks_out.session(cap).give(Ack::Files {
                    operator: self.id.clone(),
                    files: listed,
                    bytes: done.bytes,
                    millis: done.millis,
                });
            }
            // Checksums no chain names any more.
            let live: BTreeSet<&String> = self.chains.values().flat_map(|c| &c.files).collect();
            let pending: BTreeSet<&String> = self.pending.iter().flat_map(|p| &p.refs).collect();
            self.crcs
                .retain(|path, _| live.contains(path) || pending.contains(path));
        }
    }

    /// After the input: every epoch below `open` (the least epoch still open at the
    /// input, `None` when the input has ended) is complete. Takes the snapshots and
    /// gives the epoch moved to, if it moved.
    pub(crate) fn settle(
        &mut self,
        open: Option<u64>,
        snapshot: impl FnOnce(&mut dyn GroupSink),
        acks_out: &mut AckOutput,
    ) -> Option<u64> {
        match open {
            Some(open) => self.take(open, snapshot, acks_out).then_some(open),
            None => {
                self.cap = None;
                None
            }
        }
    }
}
