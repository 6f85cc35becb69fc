//! Keyed state, organised by key group (Flink's keyed state backend).
//!
//! An operator's keyed state is a set of named [`StateTable`]s, each mapping a key (and,
//! for windows, a namespace inside the key) to a value. Every table is split by key
//! group: a worker owns a contiguous [`KeyGroupRange`] (see [`crate::keys`]) and keeps
//! one map per group it owns, so that a checkpoint writes each group on its own and a
//! restore at another parallelism hands whole groups to their new owners
//! ([`StateTable::snapshot_group`], [`StateTable::restore_group`]). Entries can expire
//! after a time to live ([`Ttl`]), measured on the processing clock
//! ([`crate::time::ProcessingClock`]).
//!
//! Two backends ([`StateBackend`]): on the heap, values live as Rust values in hash
//! maps and are serialised only when a group is snapshotted; on disk, an embedded
//! key-value store (fjall) holds them, behind a cache of recently used entries, for
//! state larger than memory. Both write the same snapshot format.

mod backend;
mod store;
mod table;
mod ttl;

pub use backend::{DiskOptions, StateBackend};
pub use table::StateTable;
pub use ttl::{Stamped, Ttl, TtlUpdate, TtlVisibility};

use crate::keys::{key_group, stable_hash, worker_for_key_group};

/// The contiguous key groups `start..end` one worker owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyGroupRange {
    /// First group owned.
    pub start: u32,
    /// First group after the range.
    pub end: u32,
    /// Key groups of the job (its maximum parallelism).
    pub key_groups: u32,
}

impl KeyGroupRange {
    /// The groups worker `index` of `peers` owns when there are `key_groups` in all: the
    /// inverse of [`worker_for_key_group`].
    ///
    /// # Panics
    /// When `index >= peers` or there are no key groups.
    pub fn for_worker(index: usize, peers: usize, key_groups: u32) -> Self {
        assert!(index < peers && key_groups > 0, "worker {index} of {peers}");
        let first = |w: usize| {
            (0..key_groups)
                .find(|&g| worker_for_key_group(g, key_groups, peers) >= w)
                .unwrap_or(key_groups)
        };
        KeyGroupRange {
            start: first(index),
            end: if index + 1 == peers {
                key_groups
            } else {
                first(index + 1)
            },
            key_groups,
        }
    }

    /// The key group of `key` (wherever it is owned).
    pub fn group_of<K: std::hash::Hash + ?Sized>(&self, key: &K) -> u32 {
        key_group(stable_hash(key), self.key_groups)
    }

    /// Whether this worker owns `group`.
    pub fn contains(&self, group: u32) -> bool {
        (self.start..self.end).contains(&group)
    }

    /// The number of groups owned.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// Whether the worker owns no group (more workers than key groups).
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_invert_the_owner_function() {
        for (peers, groups) in [(1, 128), (3, 128), (4, 10), (5, 3)] {
            let mut next = 0;
            for w in 0..peers {
                let r = KeyGroupRange::for_worker(w, peers, groups);
                assert_eq!(r.start, next, "contiguous");
                for g in r.start..r.end {
                    assert_eq!(worker_for_key_group(g, groups, peers), w);
                }
                next = r.end;
            }
            assert_eq!(next, groups);
        }
    }
}
