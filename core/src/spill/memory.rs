//! The managed memory budget of a process, and where spill files go.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::Result;

/// Counters of what was spilled (for tests, metrics and logs).
#[derive(Debug, Default)]
pub struct SpillMetrics {
    files: AtomicU64,
    bytes: AtomicU64,
    stores: AtomicU64,
    partitions: AtomicU64,
}

impl SpillMetrics {
    /// Spill files written so far.
    pub fn files(&self) -> u64 {
        self.files.load(Ordering::Relaxed)
    }

    /// Bytes spilled so far.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// State moved to a disk store so far (an operator's in-memory state past its
    /// share of the budget, such as a delta iteration's solution set).
    pub fn stores(&self) -> u64 {
        self.stores.load(Ordering::Relaxed)
    }

    /// Hash-table partitions kept on disk so far (a loop's static join whose build side
    /// is past its share of the budget); their files count in the totals.
    pub fn partitions(&self) -> u64 {
        self.partitions.load(Ordering::Relaxed)
    }

    /// Counts `n` hash-table partitions kept on disk (their files are counted as they
    /// are written).
    pub fn record_partitions(&self, n: u64) {
        self.partitions.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn record(&self, bytes: u64) {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Counts state moved to a disk store, `bytes` written there: one store, and one
    /// spill file of `bytes` in the totals.
    pub fn record_store(&self, bytes: u64) {
        self.stores.fetch_add(1, Ordering::Relaxed);
        self.record(bytes);
    }
}

/// A folder for one job's spill files, removed with everything in it when dropped (also
/// after an error, and by a signal handler through [`crate::scratch::remove_all`]).
#[derive(Debug)]
pub struct SpillDir {
    dir: crate::scratch::ScratchDir,
    next: AtomicU64,
}

impl SpillDir {
    /// A fresh folder below `parent` (the system's temporary folder when `None`).
    ///
    /// # Errors
    /// When the folder cannot be created.
    pub fn new(parent: Option<&Path>) -> Result<SpillDir> {
        let dir = crate::scratch::ScratchDir::new("spill", parent)?;
        Ok(SpillDir {
            dir,
            next: AtomicU64::new(0),
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A new file name in the folder.
    pub fn file(&self, what: &str) -> PathBuf {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        self.dir.path().join(format!("{what}-{n}.run"))
    }
}

/// The managed memory of one process: a budget divided among the memory-hungry operators
/// of its workers, and the spill folder they share.
///
/// Each worker counts its memory consumers while it builds its dataflow; a consumer's
/// budget is then `limit / workers / consumers`. Without a limit, budgets are unbounded
/// and nothing spills.
#[derive(Debug)]
pub struct MemoryManager {
    limit: Option<u64>,
    workers: usize,
    spill_parent: Option<PathBuf>,
    spill_dir: Mutex<Option<Arc<SpillDir>>>,
    metrics: Arc<SpillMetrics>,
}

impl MemoryManager {
    /// A manager for `workers` worker threads sharing `limit` bytes (`None`: unlimited),
    /// spilling below `spill_parent`.
    pub fn new(limit: Option<u64>, workers: usize, spill_parent: Option<PathBuf>) -> Self {
        MemoryManager {
            limit,
            workers: workers.max(1),
            spill_parent,
            spill_dir: Mutex::new(None),
            metrics: Arc::new(SpillMetrics::default()),
        }
    }

    /// The budget of one of `consumers` memory consumers on a worker.
    pub fn budget(&self, consumers: usize) -> u64 {
        match self.limit {
            Some(limit) => (limit / self.workers as u64 / consumers.max(1) as u64).max(1),
            None => u64::MAX,
        }
    }

    /// The spill folder, created on first use.
    ///
    /// # Errors
    /// When the folder cannot be created.
    pub fn spill_dir(&self) -> Result<Arc<SpillDir>> {
        let mut guard = self.spill_dir.lock().expect("spill dir lock");
        if let Some(dir) = guard.as_ref() {
            return Ok(dir.clone());
        }
        let dir = Arc::new(SpillDir::new(self.spill_parent.as_deref())?);
        *guard = Some(dir.clone());
        Ok(dir)
    }

    /// What has been spilled.
    pub fn metrics(&self) -> Arc<SpillMetrics> {
        self.metrics.clone()
    }
}
