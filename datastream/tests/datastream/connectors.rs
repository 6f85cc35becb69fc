//! The connector extension points from outside the library (record 0017): a
//! two-phase-commit sink and a source with its own position type, both defined here
//! with public API only.
//!
//! - [`CommitLog`] stages each epoch's records per worker in a file and commits by
//!   appending them to one log (idempotent: a committed staging file is gone). A job
//!   fails by an injected panic mid-way, a stale staging file of an epoch after the
//!   checkpoint is planted for an old worker the new layout inherits, and the job is
//!   restored from the latest checkpoint at another parallelism: the log holds every
//!   record exactly once, and nothing staged is left.
//! - [`Partitions`] reads partitions of numbered records with a position of
//!   `Vec<(partition, offset)>` (Kafka's shape), checkpointed at 2 workers and
//!   restored at 3: the restored run gives exactly the records at or after each
//!   partition's stored offset, computed here from the checkpoint.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use strom_core::{Restore, RuntimeConfig};
use strom_datastream::checkpoint::committed;
use strom_datastream::{
    Generator, Poll, SinkCommitter, SinkError, SinkWriter, SourceError, SplitReader, Timestamps,
    TwoPhaseCommitSink, WatermarkStrategy, WriterContext, execute,
};

/// Records `i` of `N`, committed through a [`CommitLog`] into `dir`.
const N: u64 = 3_000;

/// A sink committing records as lines of `dir/committed.log`.
#[derive(Clone)]
struct CommitLog {
    dir: PathBuf,
}

/// A staged epoch of one writer: its file, `staging/e<epoch>-w<worker>`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct StagedEpoch {
    file: PathBuf,
}

struct LogWriter {
    staging: PathBuf,
    worker: usize,
    lines: BTreeMap<u64, String>,
}

struct LogCommitter {
    log: PathBuf,
}

impl TwoPhaseCommitSink<u64> for CommitLog {
    type Committable = StagedEpoch;
    type Writer = LogWriter;
    type Committer = LogCommitter;

    fn writer(&self, context: &WriterContext) -> LogWriter {
        LogWriter {
            staging: self.dir.join("staging"),
            worker: context.worker,
            lines: BTreeMap::new(),
        }
    }

    fn committer(&self) -> LogCommitter {
        LogCommitter {
            log: self.dir.join("committed.log"),
        }
    }
}

/// `(epoch, worker)` of a staging file's name.
fn staged(name: &str) -> Option<(u64, usize)> {
    let (e, w) = name.strip_prefix('e')?.split_once("-w")?;
    Some((e.parse().ok()?, w.parse().ok()?))
}

impl SinkWriter<u64> for LogWriter {
    type Committable = StagedEpoch;

    fn abort(&mut self, context: &WriterContext) -> Result<(), SinkError> {
        std::fs::create_dir_all(&self.staging)?;
        let Some(restored) = context.restored else {
            return Ok(());
        };
        for entry in std::fs::read_dir(&self.staging)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some((epoch, worker)) = staged(&name)
                && epoch > restored.epoch
                && context.inherits(worker)
            {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(())
    }

    fn write(&mut self, epoch: u64, record: u64) -> Result<(), SinkError> {
        let text = self.lines.entry(epoch).or_default();
        text.push_str(&record.to_string());
        text.push('\n');
        Ok(())
    }

    fn pre_commit(&mut self, epoch: u64) -> Result<Option<StagedEpoch>, SinkError> {
        let Some(text) = self.lines.remove(&epoch) else {
            return Ok(None);
        };
        let file = self.staging.join(format!("e{epoch}-w{}", self.worker));
        std::fs::write(&file, text)?;
        Ok(Some(StagedEpoch { file }))
    }
}

impl SinkCommitter for LogCommitter {
    type Committable = StagedEpoch;

    fn commit(&mut self, staged: Vec<StagedEpoch>) -> Result<(), SinkError> {
        for StagedEpoch { file } in staged {
            let text = match std::fs::read_to_string(&file) {
                Ok(text) => text,
                // Committed before.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            let mut log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.log)?;
            log.write_all(text.as_bytes())?;
            log.sync_all()?;
            std::fs::remove_file(&file)?;
        }
        Ok(())
    }
}

/// Records `0..N` at 6,000/s into `sink`, failing at record `fail_at` when given.
fn logged(config: &RuntimeConfig, dir: &Path, fail_at: Option<u64>) -> strom_core::Result<()> {
    let sink = CommitLog {
        dir: dir.to_path_buf(),
    };
    strom_datastream::run(config, move |env| {
        env.generate(
            Generator {
                count: Some(N),
                rate: Some(6_000.0),
            },
            |i| i,
            Timestamps::Ingestion,
            WatermarkStrategy::monotonous(),
        )
        .map(move |i| {
            assert!(fail_at != Some(i), "injected failure at record {i}");
            i
        })
        .sink_exactly_once(sink.clone());
    })
}

#[test]
fn a_two_phase_commit_sink_commits_every_record_once_through_a_failure_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let (checkpoints, out) = (dir.path().join("chk"), dir.path().join("out"));
    let url = checkpoints.to_str().unwrap().to_string();
    let mut config = RuntimeConfig::default().with_workers(2);
    config.checkpoint_dir = Some(url.clone());
    config.checkpoint_interval = Some(Duration::from_millis(80));
    let failed = logged(&config, &out, Some(N / 2));
    assert!(failed.is_err(), "the injected failure fails the job");
    let latest = committed(&url).unwrap().remove(0);
    let epoch = latest.marker.epoch;
    // A stale staging of the failed run after the checkpoint, by its worker 3: the
    // restored run at 3 workers deals it to worker 0 (3 % 3), which aborts it.
    let stale = out.join(format!("staging/e{}-w3", epoch + 1));
    std::fs::write(&stale, "999999999\n").unwrap();
    let mut again = RuntimeConfig::default().with_workers(3);
    again.checkpoint_dir = Some(url.clone());
    again.checkpoint_interval = Some(Duration::from_millis(80));
    again.restore = Some(Restore::Latest);
    logged(&again, &out, None).unwrap();
    let log = std::fs::read_to_string(out.join("committed.log")).unwrap();
    let mut got: Vec<u64> = log.lines().map(|l| l.parse().unwrap()).collect();
    got.sort_unstable();
    assert_eq!(got, (0..N).collect::<Vec<_>>(), "every record once");
    let left: Vec<_> = std::fs::read_dir(out.join("staging"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "staging left behind: {left:?}");
}

/// Partitions of the [`Partitions`] source, and records in each.
const PARTITIONS: u32 = 6;
const PER_PARTITION: u64 = 300;

/// A split of numbered records in partitions (Kafka's shape): it reads the
/// partitions `p` with `p % peers == me`, a few records of each per read.
struct Partitions {
    /// `partition -> next offset` of the partitions this split reads.
    offsets: BTreeMap<u32, u64>,
}

impl Partitions {
    fn new(me: usize, peers: usize) -> Self {
        let offsets = (0..PARTITIONS)
            .filter(|p| *p as usize % peers == me)
            .map(|p| (p, 0))
            .collect();
        Partitions { offsets }
    }
}

impl SplitReader<(u32, u64)> for Partitions {
    /// `(partition, next offset)` of each partition the split reads.
    type Position = Vec<(u32, u64)>;

    fn read(&mut self, out: &mut Vec<(u32, u64)>, _max: usize) -> Poll {
        let mut any = false;
        for (&p, next) in self.offsets.iter_mut() {
            let to = (*next + 3).min(PER_PARTITION);
            out.extend((*next..to).map(|o| (p, o)));
            any |= to > *next;
            *next = to;
        }
        if any {
            Poll::Pending(Duration::from_millis(2))
        } else {
            Poll::Done
        }
    }

    fn position(&self) -> Vec<(u32, u64)> {
        self.offsets.iter().map(|(&p, &o)| (p, o)).collect()
    }

    fn resume(
        &mut self,
        positions: &BTreeMap<usize, Vec<(u32, u64)>>,
        _old_splits: usize,
        _me: usize,
        _peers: usize,
    ) -> Result<(), SourceError> {
        let stored: BTreeMap<u32, u64> = positions.values().flatten().copied().collect();
        for (p, next) in self.offsets.iter_mut() {
            *next = *stored
                .get(p)
                .ok_or_else(|| SourceError::Resume(format!("no offset of partition {p}")))?;
        }
        Ok(())
    }
}

fn partitions(config: &RuntimeConfig) -> Vec<(u32, u64)> {
    let mut rows = execute(config, |env| {
        let split = Partitions::new(env.index(), env.peers());
        env.source(
            "Partitions",
            split,
            Timestamps::Ingestion,
            WatermarkStrategy::monotonous(),
        )
        // A stateful operator, so that checkpoints have state besides positions.
        .key_by(|r: &(u32, u64)| r.0)
        .sum(|r| &mut r.1);
        env.source(
            "Partitions",
            Partitions::new(env.index(), env.peers()),
            Timestamps::Ingestion,
            WatermarkStrategy::monotonous(),
        )
    })
    .unwrap()
    .unwrap();
    rows.sort_unstable();
    rows
}

#[test]
fn a_source_with_its_own_position_type_restores_at_another_parallelism() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap().to_string();
    let mut config = RuntimeConfig::default().with_workers(2);
    config.checkpoint_dir = Some(url.clone());
    config.checkpoint_interval = Some(Duration::from_millis(40));
    let first = partitions(&config);
    assert_eq!(first.len() as u64, u64::from(PARTITIONS) * PER_PARTITION);
    let chosen = committed(&url).unwrap().pop().expect("a checkpoint");
    // The second source's offsets (the first one's run alongside): by partition.
    let (_, splits) = chosen
        .marker
        .positions
        .iter()
        .rev()
        .find(|(id, _)| id.ends_with("Partitions"))
        .expect("positions of the source");
    let mut offsets: BTreeMap<u32, u64> = BTreeMap::new();
    for stored in splits.values() {
        let position: Vec<(u32, u64)> = stored.decode().unwrap();
        offsets.extend(position);
    }
    assert_eq!(offsets.len() as u32, PARTITIONS, "{offsets:?}");
    let read: u64 = offsets.values().sum();
    assert!(
        read > 0 && read < u64::from(PARTITIONS) * PER_PARTITION,
        "read {read} at epoch {}",
        chosen.marker.epoch
    );
    let mut again = RuntimeConfig::default().with_workers(3);
    again.restore = Some(Restore::At(chosen.url.clone()));
    let second = partitions(&again);
    let mut want: Vec<(u32, u64)> = offsets
        .iter()
        .flat_map(|(&p, &from)| (from..PER_PARTITION).map(move |o| (p, o)))
        .collect();
    want.sort_unstable();
    assert_eq!(second, want, "each partition from its stored offset, once");
}
