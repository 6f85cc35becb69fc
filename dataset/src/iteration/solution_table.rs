//! The entries of a delta iteration's solution set on one worker: a hash map while they
//! fit in the store's share of the managed memory, the disk state backend's table
//! (`strom_core::state`, fjall's LSM tree behind a cache of recent entries) once they
//! do not.
//!
//! The store is a memory consumer. Under a memory limit it counts its entries'
//! estimated size ([`footprint`], as the spilling operators do); past its share, it
//! moves every entry to a [`StateTable`] on disk, keyed by the key's key group and the
//! key, in the job's spill folder (removed when the job ends), and stays there. Without
//! a limit nothing is counted, and the map is all there is.
//!
//! Known limitation: look-ups on disk are not sorted by key first (each one reads the
//! cache, then the LSM tree). The loop's other buffers (the head's round, the replays,
//! the static join's table) spill on their own (`docs/0007-iterations.md`).

use std::collections::hash_map;
use std::rc::Rc;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use strom_core::Result;
use strom_core::spill::{SpillDir, footprint};
use strom_core::state::{DiskOptions, KeyGroupRange, StateBackend, StateTable};

use crate::data_set::{Data, Key};
use crate::env::WorkerContext;

/// Bytes an entry of the map is counted for beyond its key and value (its hash slot).
const ENTRY_OVERHEAD: u64 = 16;

/// Where the entries are.
enum Entries<K, S> {
    Memory(FxHashMap<K, S>),
    Disk {
        table: StateTable<K, S>,
        /// Kept while the table's files are in it.
        _dir: Arc<SpillDir>,
    },
}

/// The solution set's entries on one worker, by key.
pub(super) struct SolutionTable<K, S> {
    entries: Entries<K, S>,
    /// Estimated bytes of the map's entries (counted only under a memory limit).
    bytes: u64,
    /// The store's share of managed memory, read once running (`u64::MAX`: no limit).
    budget: Option<u64>,
    range: KeyGroupRange,
    ctx: Rc<WorkerContext>,
}

impl<K: Key, S: Data> SolutionTable<K, S> {
    /// An empty table for the key groups of `range`, taking one memory consumer's
    /// share (registered by the caller while building).
    pub(super) fn new(range: KeyGroupRange, ctx: Rc<WorkerContext>) -> Self {
        SolutionTable {
            entries: Entries::Memory(FxHashMap::default()),
            bytes: 0,
            budget: None,
            range,
            ctx,
        }
    }

    /// Sets `key`'s entry, moving every entry to disk when the map passes its share.
    pub(super) fn insert(&mut self, key: K, value: S) {
        let budget = *self.budget.get_or_insert_with(|| self.ctx.budget());
        match &mut self.entries {
            Entries::Memory(map) if budget == u64::MAX => {
                map.insert(key, value);
            }
            Entries::Memory(map) => {
                let (key_bytes, value_bytes) = (footprint(&key), footprint(&value));
                match map.insert(key, value) {
                    Some(old) => {
                        self.bytes = (self.bytes + value_bytes).saturating_sub(footprint(&old));
                    }
                    None => self.bytes += key_bytes + value_bytes + ENTRY_OVERHEAD,
                }
                if self.bytes > budget && map.len() > 1 {
                    self.spill(budget);
                }
            }
            Entries::Disk { table, .. } => {
                table.insert(self.range.group_of(&key), key, value);
            }
        }
    }

    /// The entry of `key`, if any.
    pub(super) fn get(&mut self, key: &K) -> Option<&S> {
        match &mut self.entries {
            Entries::Memory(map) => map.get(key),
            Entries::Disk { table, .. } => table
                .get_mut(self.range.group_of(key), key)
                .map(|value| &*value),
        }
    }

    /// Moves the map's entries to a table on the disk backend, with a cache of about
    /// half the share and a page cache of the other half (at least 1 MB). A failure
    /// fails the job; the entries are then dropped, as its output will be.
    fn spill(&mut self, budget: u64) {
        let Entries::Memory(map) = &mut self.entries else {
            return;
        };
        let entries = map.len() as u64;
        let per_entry = (self.bytes / entries.max(1)).max(1);
        let moved = std::mem::take(map);
        let range = self.range;
        let open = |dir: &SpillDir| {
            let options = DiskOptions {
                dir: Some(dir.path().to_path_buf()),
                // Two generations of this many entries: half the share.
                cache_entries: (budget / 4 / per_entry).max(1) as usize,
                page_cache_bytes: (budget / 2).clamp(1 << 20, 32 << 20) as usize,
                incremental: false,
            };
            StateTable::on(range, &StateBackend::Disk(options))
        };
        let moving = || -> Result<(StateTable<K, S>, Arc<SpillDir>, u64)> {
            let dir = self.ctx.spill_dir()?;
            let mut table = open(&dir)?;
            let written = table.load(moved.into_iter().map(|(k, v)| (range.group_of(&k), k, v)))?;
            Ok((table, dir, written))
        };
        match moving() {
            Ok((table, dir, written)) => {
                self.ctx.spill_metrics().record_store(written);
                tracing::debug!(
                    entries,
                    estimated = self.bytes,
                    budget,
                    written,
                    "solution set moved to disk"
                );
                self.entries = Entries::Disk { table, _dir: dir };
            }
            Err(e) => {
                self.ctx.fail(&e);
                self.budget = Some(u64::MAX);
            }
        }
        self.bytes = 0;
    }

    /// Every entry's value, leaving the table empty (the final solution): the map's
    /// values, or a scan of the disk table one key group at a time.
    pub(super) fn take_all(&mut self) -> Drain<K, S> {
        let entries = std::mem::replace(&mut self.entries, Entries::Memory(FxHashMap::default()));
        self.bytes = 0;
        match entries {
            Entries::Memory(map) => Drain::Memory(map.into_values()),
            Entries::Disk { table, _dir } => Drain::Disk {
                next_group: self.range.start,
                end: self.range.end,
                buffer: Vec::new().into_iter(),
                table,
                _dir,
                ctx: self.ctx.clone(),
            },
        }
    }
}

/// The values of a [`SolutionTable`], taken at the end of the loop.
pub(super) enum Drain<K, S> {
    Memory(hash_map::IntoValues<K, S>),
    Disk {
        table: StateTable<K, S>,
        _dir: Arc<SpillDir>,
        next_group: u32,
        end: u32,
        /// The values of the last group scanned.
        buffer: std::vec::IntoIter<S>,
        ctx: Rc<WorkerContext>,
    },
}

impl<K: Key, S: Data> Iterator for Drain<K, S> {
    type Item = S;

    fn next(&mut self) -> Option<S> {
        match self {
            Drain::Memory(values) => values.next(),
            Drain::Disk {
                table,
                next_group,
                end,
                buffer,
                ctx,
                ..
            } => loop {
                if let Some(value) = buffer.next() {
                    return Some(value);
                }
                if *next_group >= *end {
                    return None;
                }
                let group = *next_group;
                *next_group += 1;
                let mut values = Vec::new();
                // The empty prefix: every key of the group.
                let scan = table.scan_prefix(group, &(), |_| true, |_, v| values.push(v.clone()));
                if let Err(e) = scan {
                    ctx.fail(&e);
                    *next_group = *end;
                    return None;
                }
                *buffer = values.into_iter();
            },
        }
    }
}
