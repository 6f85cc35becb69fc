//! [`StateTable`]: one named keyed state of an operator, a hash map per key group.

use std::collections::hash_map::Entry;
use std::hash::Hash;

use rustc_hash::FxHashMap;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::KeyGroupRange;
use crate::{Error, Result};

/// Values of type `V` by key `K` (a user key, or a user key with a namespace such as a
/// window), kept in one map per key group this worker owns. Callers pass the key's
/// group ([`KeyGroupRange::group_of`]), computed once per record.
pub struct StateTable<K, V> {
    range: KeyGroupRange,
    groups: Vec<FxHashMap<K, V>>,
}

impl<K: Hash + Eq, V> StateTable<K, V> {
    /// An empty table for the groups of `range`.
    pub fn new(range: KeyGroupRange) -> Self {
        StateTable {
            range,
            groups: (0..range.len()).map(|_| FxHashMap::default()).collect(),
        }
    }

    /// The groups this table holds.
    pub fn range(&self) -> KeyGroupRange {
        self.range
    }

    fn slot(&self, group: u32) -> usize {
        assert!(
            self.range.contains(group),
            "key group {group} is not owned here ({}..{}): the key was routed to the wrong worker",
            self.range.start,
            self.range.end
        );
        (group - self.range.start) as usize
    }

    /// The value of `key` in `group`.
    pub fn get(&self, group: u32, key: &K) -> Option<&V> {
        self.groups[self.slot(group)].get(key)
    }

    /// The value of `key` in `group`, to change in place.
    pub fn get_mut(&mut self, group: u32, key: &K) -> Option<&mut V> {
        let slot = self.slot(group);
        self.groups[slot].get_mut(key)
    }

    /// The entry of `key` in `group`.
    pub fn entry(&mut self, group: u32, key: K) -> Entry<'_, K, V> {
        let slot = self.slot(group);
        self.groups[slot].entry(key)
    }

    /// Sets the value of `key`, giving back the old one.
    pub fn insert(&mut self, group: u32, key: K, value: V) -> Option<V> {
        let slot = self.slot(group);
        self.groups[slot].insert(key, value)
    }

    /// Removes `key`, giving back its value.
    pub fn remove(&mut self, group: u32, key: &K) -> Option<V> {
        let slot = self.slot(group);
        self.groups[slot].remove(key)
    }

    /// Entries in all groups.
    pub fn len(&self) -> usize {
        self.groups.iter().map(FxHashMap::len).sum()
    }

    /// Whether no group has an entry.
    pub fn is_empty(&self) -> bool {
        self.groups.iter().all(FxHashMap::is_empty)
    }

    /// The entries of one group.
    pub fn group(&self, group: u32) -> impl Iterator<Item = (&K, &V)> {
        self.groups[self.slot(group)].iter()
    }

    /// Every entry, group by group.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.groups.iter().flat_map(|g| g.iter())
    }

    /// Keeps the entries for which `keep` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        for g in &mut self.groups {
            g.retain(&mut keep);
        }
    }
}

impl<K: Hash + Eq + Serialize + DeserializeOwned, V: Serialize + DeserializeOwned>
    StateTable<K, V>
{
    /// One group's entries as bytes, for a checkpoint.
    ///
    /// # Errors
    /// When a key or value cannot be serialised.
    pub fn snapshot_group(&self, group: u32) -> Result<Vec<u8>> {
        let entries: Vec<(&K, &V)> = self.group(group).collect();
        bincode::serialize(&entries)
            .map_err(|e| Error::Internal(format!("state of key group {group}: {e}")))
    }

    /// Replaces one group's entries with those of a snapshot.
    ///
    /// # Errors
    /// When the bytes are not a snapshot of entries of these types.
    pub fn restore_group(&mut self, group: u32, bytes: &[u8]) -> Result<()> {
        let entries: Vec<(K, V)> = bincode::deserialize(bytes).map_err(|e| {
            Error::format(
                format!("snapshot of key group {group}"),
                format!("not a state snapshot of this operator: {e}"),
            )
        })?;
        let slot = self.slot(group);
        self.groups[slot] = entries.into_iter().collect();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_separate_and_round_trip() {
        let range = KeyGroupRange::for_worker(1, 2, 8);
        let mut table: StateTable<(String, i64), u64> = StateTable::new(range);
        let keys: Vec<String> = (0..200).map(|i| format!("k{i}")).collect();
        let mine: Vec<&String> = keys
            .iter()
            .filter(|k| range.contains(range.group_of(*k)))
            .collect();
        assert!(mine.len() > 50 && mine.len() < 150, "{}", mine.len());
        for (i, k) in mine.iter().enumerate() {
            let g = range.group_of(*k);
            table.insert(g, ((*k).clone(), 7), i as u64);
        }
        assert_eq!(table.len(), mine.len());
        let g = range.start;
        let before: Vec<_> = table.group(g).map(|(k, v)| (k.clone(), *v)).collect();
        let bytes = table.snapshot_group(g).unwrap();
        let mut fresh: StateTable<(String, i64), u64> = StateTable::new(range);
        fresh.restore_group(g, &bytes).unwrap();
        let mut after: Vec<_> = fresh.group(g).map(|(k, v)| (k.clone(), *v)).collect();
        let mut before = before;
        before.sort();
        after.sort();
        assert_eq!(before, after);
        assert_eq!(fresh.len(), before.len(), "only that group restored");
        assert!(fresh.restore_group(g, b"junk").is_err());
    }

    #[test]
    #[should_panic(expected = "not owned here")]
    fn a_foreign_group_is_a_routing_bug() {
        let table: StateTable<u32, u32> = StateTable::new(KeyGroupRange::for_worker(0, 2, 8));
        let _ = table.get(7, &1);
    }
}
