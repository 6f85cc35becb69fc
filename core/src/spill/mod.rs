//! Spilling to disk under a memory budget: the [`MemoryManager`] that hands out budgets,
//! the [`ExternalSorter`] (sorted runs, k-way merge) that out-of-core operators sort
//! with, the [`SpillQueue`] they buffer through, and the [`SpillFile`] of records read
//! back many times.

mod file;
mod memory;
mod queue;
mod sorter;

pub use file::SpillFile;
pub use memory::{MemoryManager, SpillDir, SpillMetrics};
pub use queue::SpillQueue;
pub use sorter::{ExternalSorter, Sorted, footprint};

/// First bytes of every spill file; the digit is the format version.
pub(crate) const RUN_MAGIC: &[u8; 8] = b"STRMRUN1";

#[cfg(test)]
pub(crate) mod tests {
    /// The files in a spill folder besides its owner mark (what spilling left there).
    pub(crate) fn files_in(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name() != crate::scratch::OWNER_FILE)
            .count()
    }
}
