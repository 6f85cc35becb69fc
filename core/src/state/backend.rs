//! [`StateBackend`]: where keyed state lives, chosen per job.

use std::path::PathBuf;

/// Where a job's keyed state lives (Flink's `state.backend.type`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum StateBackend {
    /// Rust values in hash maps on the heap: fastest, bounded by memory.
    #[default]
    Heap,
    /// An embedded key-value store on local disk (fjall) behind an in-memory cache of
    /// recently used entries: state larger than memory.
    Disk(DiskOptions),
}

/// Settings of the disk backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiskOptions {
    /// Folder for the stores' files (default: the system's temporary folder); each
    /// state of each worker gets a file of its own, deleted when the job ends.
    pub dir: Option<PathBuf>,
    /// Entries of one state kept deserialised in memory, most recently used first.
    pub cache_entries: usize,
    /// Bytes of the store's own page cache, per state and worker.
    pub page_cache_bytes: usize,
    /// Whether checkpoints write only the entries changed since the last one (Flink's
    /// `state.backend.incremental`): each state remembers the keys it changed.
    pub incremental: bool,
}

impl Default for DiskOptions {
    fn default() -> Self {
        DiskOptions {
            dir: None,
            cache_entries: 100_000,
            page_cache_bytes: 32 << 20,
            incremental: true,
        }
    }
}

impl StateBackend {
    /// Parses `heap` or `disk` (the CLI's `--state-backend`), with disk options.
    ///
    /// # Errors
    /// [`crate::Error::Config`] naming the value.
    pub fn parse(name: &str, disk: DiskOptions) -> crate::Result<Self> {
        match name {
            "heap" | "hashmap" => Ok(StateBackend::Heap),
            "disk" | "fjall" => Ok(StateBackend::Disk(disk)),
            other => Err(crate::Error::Config(format!(
                "state backend {other:?}: expected heap or disk"
            ))),
        }
    }
}
