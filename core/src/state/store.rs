//! [`Store`]: the disk backend's embedded key-value store, an LSM tree (fjall), one
//! per state table and worker, in a temporary folder deleted with it.
//!
//! Keys are the key group (4 bytes, big-endian, so a group is one contiguous range)
//! followed by the bincode of the key; values are the bincode of the value. The store
//! is a working copy, not the durable one (checkpoints are), so its journal is never
//! synced. An LSM tree suits state: writes are appends, and a read of a key that is not
//! there is mostly answered by a bloom filter.

use fjall::compaction::{Leveled, Strategy as CompactionStrategy};
use fjall::{Config, Keyspace, PartitionCreateOptions, PartitionHandle};

use super::backend::DiskOptions;
use crate::{Error, Result};

/// A store of serialised entries by key group.
pub(super) struct Store {
    // Declared before the keyspace: dropped first.
    entries: PartitionHandle,
    keyspace: Keyspace,
    path: std::path::PathBuf,
    _dir: crate::scratch::ScratchDir,
    /// Entries in the store.
    pub(super) len: usize,
}

/// The store key of `key` in `group`: the group big-endian, then the key's bytes.
pub(super) fn store_key(group: u32, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(4 + key.len());
    k.extend_from_slice(&group.to_be_bytes());
    k.extend_from_slice(key);
    k
}

/// A store failure (a full disk, say), naming the store's folder.
fn failure(path: &std::path::Path, e: impl std::fmt::Display) -> Error {
    Error::Io(std::io::Error::other(format!(
        "state store {}: {e}",
        path.display()
    )))
}

/// Leveled compaction with segments no larger than the store's memory budget (at
/// least 8 MB): a compaction holds a hash of every key of the segment it writes (for
/// its Bloom filter), 64 MB segments (fjall's default) made that 30-60 MB per store.
fn compaction(budget: usize) -> CompactionStrategy {
    let target = budget.clamp(8 << 20, 64 << 20) as u32;
    CompactionStrategy::Leveled(Leveled {
        target_size: target,
        ..Leveled::default()
    })
}

impl Store {
    /// A new, empty store in a fresh folder below `opts.dir`.
    pub(super) fn open(opts: &DiskOptions) -> Result<Self> {
        let dir = crate::scratch::ScratchDir::new("state", opts.dir.as_deref())?;
        let path = dir.path().to_path_buf();
        let memtable = (opts.page_cache_bytes / 2).clamp(1 << 20, 64 << 20);
        let keyspace = Config::new(&path)
            .cache_size(opts.page_cache_bytes as u64)
            .max_write_buffer_size(2 * memtable as u64)
            .manual_journal_persist(true)
            .flush_workers(1)
            .compaction_workers(1)
            .open()
            .map_err(|e| failure(&path, e))?;
        let entries = keyspace
            .open_partition(
                "entries",
                PartitionCreateOptions::default()
                    .manual_journal_persist(true)
                    .max_memtable_size(memtable as u32)
                    .compaction_strategy(compaction(opts.page_cache_bytes)),
            )
            .map_err(|e| failure(&path, e))?;
        Ok(Store {
            entries,
            keyspace,
            path,
            _dir: dir,
            len: 0,
        })
    }

    fn fail(&self, e: impl std::fmt::Display) -> Error {
        failure(&self.path, e)
    }

    /// Removes the entry under `key` (a [`store_key`]), giving its value.
    pub(super) fn take(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if self.len == 0 {
            return Ok(None);
        }
        let Some(value) = self.entries.get(key).map_err(|e| self.fail(e))? else {
            return Ok(None);
        };
        self.entries.remove(key).map_err(|e| self.fail(e))?;
        self.len -= 1;
        Ok(Some(value.to_vec()))
    }

    /// The value under `key` (a [`store_key`]), left in place.
    pub(super) fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if self.len == 0 {
            return Ok(None);
        }
        let value = self.entries.get(key).map_err(|e| self.fail(e))?;
        Ok(value.map(|v| v.to_vec()))
    }

    /// Writes `entries` (store keys and values), none of them in the store yet.
    pub(super) fn put_all(
        &mut self,
        entries: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>,
    ) -> Result<()> {
        let mut batch = self.keyspace.batch();
        for (k, v) in entries {
            batch.insert(&self.entries, k, v);
        }
        self.len += batch.len();
        batch.commit().map_err(|e| self.fail(e))
    }

    /// Sets each key (a [`store_key`]) to its value, or removes it for `None`, in one
    /// batch, whether or not it is in the store.
    pub(super) fn replace_all(
        &mut self,
        entries: impl IntoIterator<Item = (Vec<u8>, Option<Vec<u8>>)>,
    ) -> Result<()> {
        let mut batch = self.keyspace.batch();
        let mut len = self.len;
        for (k, v) in entries {
            let existed = len > 0 && self.entries.contains_key(&k).map_err(|e| self.fail(e))?;
            match v {
                Some(v) => {
                    len += usize::from(!existed);
                    batch.insert(&self.entries, k, v);
                }
                None if existed => {
                    len -= 1;
                    batch.remove(&self.entries, k);
                }
                None => {}
            }
        }
        batch.commit().map_err(|e| self.fail(e))?;
        self.len = len;
        Ok(())
    }

    /// Calls `f` with the key bytes (without the group) and value of every entry of
    /// `group`, in key order; gives their number.
    pub(super) fn scan_group(&mut self, group: u32, f: impl FnMut(&[u8], &[u8])) -> Result<usize> {
        self.scan(&group.to_be_bytes(), f)
    }

    /// Calls `f` with the key bytes (without the group) and value of every entry whose
    /// store key starts with `prefix` (a group, or a [`store_key`] prefix), in key
    /// order; gives their number.
    pub(super) fn scan(&mut self, prefix: &[u8], mut f: impl FnMut(&[u8], &[u8])) -> Result<usize> {
        if self.len == 0 {
            return Ok(0);
        }
        let mut n = 0;
        for entry in self.entries.prefix(prefix) {
            let (k, v) = entry.map_err(|e| self.fail(e))?;
            f(&k[4..], &v);
            n += 1;
        }
        Ok(n)
    }

    /// Removes every entry of `group`.
    pub(super) fn clear_group(&mut self, group: u32) -> Result<()> {
        self.clear(&group.to_be_bytes())
    }

    /// Removes every entry whose store key starts with `prefix`.
    pub(super) fn clear(&mut self, prefix: &[u8]) -> Result<()> {
        if self.len == 0 {
            return Ok(());
        }
        let mut batch = self.keyspace.batch();
        for entry in self.entries.prefix(prefix) {
            let (k, _) = entry.map_err(|e| self.fail(e))?;
            batch.remove(&self.entries, k);
        }
        self.len -= batch.len();
        batch.commit().map_err(|e| self.fail(e))
    }
}
