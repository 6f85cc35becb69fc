//! [`StateTable`]: one named keyed state of an operator, a hash map per key group, and
//! on the disk backend an embedded store behind it.
//!
//! On the disk backend the maps are a cache in two generations: entries used since the
//! last eviction (`young`) and those used in the one before (`old`). An entry lives in
//! exactly one place: young, old or the store. A use moves it to young (reading it
//! out of the store removes it there); when young holds `cache_entries`, old is
//! written to the store in one transaction and young becomes old. Keys used at least
//! once per eviction period stay deserialised; the rest cost one store access.

use std::collections::hash_map::Entry;
use std::hash::Hash;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::KeyGroupRange;
use super::backend::StateBackend;
use super::store::{Store, store_key};
use crate::{Error, Result};

/// Values of type `V` by key `K` (a user key, or a user key with a namespace such as a
/// window), kept in one map per key group this worker owns. Callers pass the key's
/// group ([`KeyGroupRange::group_of`]), computed once per record.
///
/// Store failures (a full disk) panic, failing the job as Flink fails a task, so that
/// it restarts from its last checkpoint; the message names the store's file.
pub struct StateTable<K, V> {
    range: KeyGroupRange,
    /// Every entry on the heap backend; the young generation on the disk backend.
    groups: Vec<FxHashMap<K, V>>,
    spill: Option<Box<Spill<K, V>>>,
    /// Keys changed since the group's last snapshot, when changes are tracked (for
    /// incremental checkpoints).
    changed: Option<Vec<FxHashSet<K>>>,
}

/// The disk backend's part of a table.
struct Spill<K, V> {
    old: Vec<FxHashMap<K, V>>,
    /// At least the entries in young (exact after a recount).
    young_bound: usize,
    capacity: usize,
    store: Store,
}

/// Bytes of entries [`StateTable::load`] writes to the store in one batch.
const LOAD_BATCH_BYTES: usize = 4 << 20;

fn ser<T: Serialize + ?Sized>(value: &T, what: &str) -> Vec<u8> {
    bincode::serialize(value).unwrap_or_else(|e| panic!("state {what} cannot be serialised: {e}"))
}

fn de<T: DeserializeOwned>(bytes: &[u8]) -> T {
    bincode::deserialize(bytes)
        .unwrap_or_else(|e| panic!("a state store entry does not read back: {e}"))
}

/// A group's snapshot or delta (`what`) read back, or an error naming the group.
fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str, group: u32) -> Result<T> {
    bincode::deserialize(bytes).map_err(|e| {
        Error::format(
            format!("{what} of key group {group}"),
            format!("not a state {what} of this operator: {e}"),
        )
    })
}

fn ok<T>(r: Result<T>) -> T {
    r.unwrap_or_else(|e| panic!("{e}"))
}

impl<K, V> StateTable<K, V>
where
    K: Hash + Eq + Clone + Serialize + DeserializeOwned,
    V: Serialize + DeserializeOwned,
{
    /// An empty table for the groups of `range`, on the heap.
    pub fn new(range: KeyGroupRange) -> Self {
        StateTable {
            range,
            groups: (0..range.len()).map(|_| FxHashMap::default()).collect(),
            spill: None,
            changed: None,
        }
    }

    /// An empty table for the groups of `range` on `backend`.
    ///
    /// # Errors
    /// When the disk backend's store cannot be created.
    pub fn on(range: KeyGroupRange, backend: &StateBackend) -> Result<Self> {
        let mut table = Self::new(range);
        if let StateBackend::Disk(opts) = backend {
            table.spill = Some(Box::new(Spill {
                old: (0..range.len()).map(|_| FxHashMap::default()).collect(),
                young_bound: 0,
                capacity: opts.cache_entries.max(1),
                store: Store::open(opts)?,
            }));
        }
        Ok(table)
    }

    /// Remembers the keys changed (or read to change) from now on, for
    /// [`StateTable::delta_group`].
    pub fn track_changes(&mut self) {
        self.changed = Some(
            (0..self.range.len())
                .map(|_| FxHashSet::default())
                .collect(),
        );
    }

    /// Forgets the changes of the group in `slot` (it was just snapshotted or
    /// restored).
    fn forget_changes(&mut self, slot: usize) {
        if let Some(changed) = self.changed.as_mut() {
            changed[slot].clear();
        }
    }

    fn touch(&mut self, slot: usize, key: &K) {
        if let Some(changed) = self.changed.as_mut()
            && !changed[slot].contains(key)
        {
            changed[slot].insert(key.clone());
        }
    }

    /// The groups this table holds.
    pub fn range(&self) -> KeyGroupRange {
        self.range
    }

    /// Whether the table is on the disk backend.
    pub fn on_disk(&self) -> bool {
        self.spill.is_some()
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

    /// Brings `key`'s entry, if it has one, into the young generation (disk backend),
    /// making room first; gives the slot.
    fn promote(&mut self, group: u32, key: &K) -> usize {
        let slot = self.slot(group);
        let Some(spill) = self.spill.as_mut() else {
            return slot;
        };
        if self.groups[slot].contains_key(key) {
            return slot;
        }
        if spill.young_bound >= spill.capacity {
            spill.young_bound = self.groups.iter().map(FxHashMap::len).sum();
            if spill.young_bound >= spill.capacity {
                ok(spill.evict(&mut self.groups, self.range.start));
            }
        }
        spill.young_bound += 1;
        if let Some((k, v)) = spill.old[slot].remove_entry(key) {
            self.groups[slot].insert(k, v);
        } else if let Some(bytes) = ok(spill.store.take(&store_key(group, &ser(key, "key")))) {
            self.groups[slot].insert(key.clone(), de(&bytes));
        }
        slot
    }

    /// The value of `key` in `group`, to change in place.
    pub fn get_mut(&mut self, group: u32, key: &K) -> Option<&mut V> {
        let slot = self.promote(group, key);
        if self.changed.is_some() && self.groups[slot].contains_key(key) {
            self.touch(slot, key);
        }
        self.groups[slot].get_mut(key)
    }

    /// The entry of `key` in `group`.
    pub fn entry(&mut self, group: u32, key: K) -> Entry<'_, K, V> {
        let slot = self.promote(group, &key);
        self.touch(slot, &key);
        self.groups[slot].entry(key)
    }

    /// Sets the value of `key`, giving back the old one.
    pub fn insert(&mut self, group: u32, key: K, value: V) -> Option<V> {
        let slot = self.promote(group, &key);
        self.touch(slot, &key);
        self.groups[slot].insert(key, value)
    }

    /// Adds `(group, key, value)` entries whose keys are not in the table (each key
    /// once): on the heap backend as [`StateTable::insert`] does; on the disk backend
    /// straight into the store, in write batches of about 4 MB, past
    /// the cache, so that a map larger than memory moves to disk without the cache
    /// churning. Gives the bytes written to the store (0 on the heap backend).
    ///
    /// # Errors
    /// When a key or value cannot be serialised, or the store cannot be written.
    pub fn load(&mut self, entries: impl IntoIterator<Item = (u32, K, V)>) -> Result<u64> {
        let fail = |e: bincode::Error| Error::Internal(format!("loading state: {e}"));
        let mut written = 0u64;
        let mut batch: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut batch_bytes = 0usize;
        for (group, key, value) in entries {
            let slot = self.slot(group);
            self.touch(slot, &key);
            let Some(spill) = self.spill.as_mut() else {
                self.groups[slot].insert(key, value);
                continue;
            };
            let k = store_key(group, &bincode::serialize(&key).map_err(fail)?);
            let v = bincode::serialize(&value).map_err(fail)?;
            batch_bytes += k.len() + v.len();
            batch.push((k, v));
            if batch_bytes >= LOAD_BATCH_BYTES {
                spill.store.put_all(batch.drain(..))?;
                written += batch_bytes as u64;
                batch_bytes = 0;
            }
        }
        if let Some(spill) = self.spill.as_mut()
            && !batch.is_empty()
        {
            spill.store.put_all(batch)?;
            written += batch_bytes as u64;
        }
        Ok(written)
    }

    /// Removes `key`, giving back its value.
    pub fn remove(&mut self, group: u32, key: &K) -> Option<V> {
        let slot = self.slot(group);
        self.touch(slot, key);
        if let Some(v) = self.groups[slot].remove(key) {
            return Some(v);
        }
        let spill = self.spill.as_mut()?;
        if let Some(v) = spill.old[slot].remove(key) {
            return Some(v);
        }
        ok(spill.store.take(&store_key(group, &ser(key, "key")))).map(|b| de(&b))
    }

    /// Entries in all groups.
    pub fn len(&self) -> usize {
        let cached: usize = self.groups.iter().map(FxHashMap::len).sum();
        match &self.spill {
            None => cached,
            Some(s) => cached + s.old.iter().map(FxHashMap::len).sum::<usize>() + s.store.len,
        }
    }

    /// Whether no group has an entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keeps the entries in memory for which `keep` holds: every entry on the heap
    /// backend, the cached ones on the disk backend (entries in its store are checked
    /// when they are next read, as Flink's RocksDB backend leaves them to compaction).
    pub fn retain_resident(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        let mut changed = self.changed.take();
        let mut retain = |slot: usize, map: &mut FxHashMap<K, V>| {
            map.retain(|k, v| {
                let kept = keep(k, v);
                if !kept && let Some(c) = changed.as_mut() {
                    c[slot].insert(k.clone());
                }
                kept
            });
        };
        for (slot, map) in self.groups.iter_mut().enumerate() {
            retain(slot, map);
        }
        if let Some(spill) = self.spill.as_mut() {
            for (slot, map) in spill.old.iter_mut().enumerate() {
                retain(slot, map);
            }
        }
        self.changed = changed;
    }

    /// Calls `f` with every entry of `group` whose key serialises to `prefix` followed
    /// by more (such as the window part of a `(window, key)` key); `in_prefix` says so
    /// of a key and must agree with `prefix`. Entries in the store are read, not
    /// cached.
    ///
    /// # Errors
    /// When the store cannot be read.
    pub fn scan_prefix<P: Serialize + ?Sized>(
        &mut self,
        group: u32,
        prefix: &P,
        in_prefix: impl Fn(&K) -> bool,
        mut f: impl FnMut(&K, &V),
    ) -> Result<()> {
        let slot = self.slot(group);
        let mut visit = |map: &FxHashMap<K, V>| {
            for (k, v) in map.iter().filter(|(k, _)| in_prefix(k)) {
                f(k, v);
            }
        };
        visit(&self.groups[slot]);
        let Some(spill) = self.spill.as_mut() else {
            return Ok(());
        };
        visit(&spill.old[slot]);
        let mut failed = None;
        spill
            .store
            .scan(&store_key(group, &ser(prefix, "key")), |k, v| {
                match (bincode::deserialize(k), bincode::deserialize(v)) {
                    (Ok(k), Ok(v)) => f(&k, &v),
                    (Err(e), _) | (_, Err(e)) => failed = Some(e),
                }
            })?;
        match failed {
            Some(e) => Err(Error::Internal(format!(
                "a state store entry of key group {group} does not read back: {e}"
            ))),
            None => Ok(()),
        }
    }

    /// Removes every entry of `group` whose key serialises to `prefix` followed by more
    /// (see [`StateTable::scan_prefix`]).
    ///
    /// # Errors
    /// When the store cannot be written.
    pub fn remove_prefix<P: Serialize + ?Sized>(
        &mut self,
        group: u32,
        prefix: &P,
        in_prefix: impl Fn(&K) -> bool,
    ) -> Result<()> {
        let slot = self.slot(group);
        self.groups[slot].retain(|k, _| !in_prefix(k));
        if let Some(spill) = self.spill.as_mut() {
            spill.old[slot].retain(|k, _| !in_prefix(k));
            spill.store.clear(&store_key(group, &ser(prefix, "key")))?;
        }
        Ok(())
    }

    /// One group's entries as bytes, for a checkpoint; `None` when it has none. Both
    /// backends write the same format (bincode of a sequence of `(key, value)`), so a
    /// checkpoint of one restores into the other.
    ///
    /// # Errors
    /// When a key or value cannot be serialised, or the store cannot be read.
    pub fn snapshot_group(&mut self, group: u32) -> Result<Option<Vec<u8>>> {
        let slot = self.slot(group);
        self.forget_changes(slot);
        let fail = |e: bincode::Error| Error::Internal(format!("state of key group {group}: {e}"));
        let mut out = vec![0u8; 8];
        let mut n = 0u64;
        let mut cached = |map: &FxHashMap<K, V>, out: &mut Vec<u8>| -> Result<()> {
            for entry in map {
                bincode::serialize_into(&mut *out, &entry).map_err(fail)?;
                n += 1;
            }
            Ok(())
        };
        cached(&self.groups[slot], &mut out)?;
        if let Some(spill) = self.spill.as_mut() {
            cached(&spill.old[slot], &mut out)?;
            n += spill.store.scan_group(group, |k, v| {
                out.extend_from_slice(k);
                out.extend_from_slice(v);
            })? as u64;
        }
        if n == 0 {
            return Ok(None);
        }
        out[..8].copy_from_slice(&n.to_le_bytes());
        Ok(Some(out))
    }

    /// Replaces one group's entries with those of a snapshot.
    ///
    /// # Errors
    /// When the bytes are not a snapshot of entries of these types, or the store
    /// cannot be written.
    pub fn restore_group(&mut self, group: u32, bytes: &[u8]) -> Result<()> {
        let entries: Vec<(K, V)> = decode(bytes, "snapshot", group)?;
        let slot = self.slot(group);
        match self.spill.as_mut() {
            None => self.groups[slot] = entries.into_iter().collect(),
            Some(spill) => {
                self.groups[slot].clear();
                spill.old[slot].clear();
                spill.store.clear_group(group)?;
                spill.store.put_all(
                    entries
                        .iter()
                        .map(|(k, v)| (store_key(group, &ser(k, "key")), ser(v, "value"))),
                )?;
            }
        }
        self.forget_changes(slot);
        Ok(())
    }

    /// The entries of `group` changed since its last snapshot (full or delta), as
    /// `(key, value or None when removed)`, for an incremental checkpoint; `None` when
    /// none changed. Applied to the group's previous snapshot by
    /// [`StateTable::apply_delta`], it gives the group as it is now.
    ///
    /// # Errors
    /// When changes are not tracked, or the store cannot be read.
    pub fn delta_group(&mut self, group: u32) -> Result<Option<Vec<u8>>> {
        let slot = self.slot(group);
        let Some(changed) = self.changed.as_mut() else {
            return Err(Error::Internal(
                "this state does not track its changes".into(),
            ));
        };
        if changed[slot].is_empty() {
            return Ok(None);
        }
        let keys = std::mem::take(&mut changed[slot]);
        let fail = |e: bincode::Error| Error::Internal(format!("state of key group {group}: {e}"));
        let mut out = Vec::with_capacity(8 + keys.len() * 16);
        out.extend_from_slice(&(keys.len() as u64).to_le_bytes());
        for k in &keys {
            bincode::serialize_into(&mut out, k).map_err(fail)?;
            let cached = self.groups[slot]
                .get(k)
                .or_else(|| self.spill.as_ref().and_then(|s| s.old[slot].get(k)));
            match (cached, self.spill.as_ref()) {
                (Some(v), _) => {
                    out.push(1);
                    bincode::serialize_into(&mut out, v).map_err(fail)?;
                }
                (None, Some(spill)) => match spill.store.get(&store_key(group, &ser(k, "key")))? {
                    Some(bytes) => {
                        out.push(1);
                        out.extend_from_slice(&bytes);
                    }
                    None => out.push(0),
                },
                (None, None) => out.push(0),
            }
        }
        Ok(Some(out))
    }

    /// Applies a [`StateTable::delta_group`] of `group` to its entries.
    ///
    /// # Errors
    /// When the bytes are not a delta of entries of these types, or the store cannot be
    /// written.
    pub fn apply_delta(&mut self, group: u32, bytes: &[u8]) -> Result<()> {
        let entries: Vec<(K, Option<V>)> = decode(bytes, "delta", group)?;
        let slot = self.slot(group);
        match self.spill.as_mut() {
            None => {
                for (k, v) in entries {
                    match v {
                        Some(v) => self.groups[slot].insert(k, v),
                        None => self.groups[slot].remove(&k),
                    };
                }
            }
            // Straight into the store, as a full snapshot's restore goes, not through
            // the cache.
            Some(spill) => {
                let mut batch = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    self.groups[slot].remove(&k);
                    spill.old[slot].remove(&k);
                    let v = v.map(|v| ser(&v, "value"));
                    batch.push((store_key(group, &ser(&k, "key")), v));
                }
                spill.store.replace_all(batch)?;
            }
        }
        self.forget_changes(slot);
        Ok(())
    }
}

impl<K: Serialize, V: Serialize> Spill<K, V> {
    /// Writes the old generation to the store; young becomes old.
    fn evict(&mut self, young: &mut [FxHashMap<K, V>], first_group: u32) -> Result<()> {
        let mut batch = Vec::new();
        for (i, map) in self.old.iter_mut().enumerate() {
            let group = first_group + i as u32;
            for (k, v) in map.drain() {
                batch.push((store_key(group, &ser(&k, "key")), ser(&v, "value")));
            }
        }
        self.store.put_all(batch)?;
        for (old, young) in self.old.iter_mut().zip(young.iter_mut()) {
            std::mem::swap(old, young);
        }
        self.young_bound = 0;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::state::DiskOptions;

    fn disk(cache_entries: usize) -> StateBackend {
        StateBackend::Disk(DiskOptions {
            cache_entries,
            page_cache_bytes: 1 << 20,
            ..DiskOptions::default()
        })
    }

    /// A group's entries, sorted, read back from its snapshot.
    fn entries<K, V>(t: &mut StateTable<K, V>, g: u32) -> Vec<(K, V)>
    where
        K: Hash + Eq + Clone + Ord + Serialize + DeserializeOwned,
        V: Ord + Serialize + DeserializeOwned,
    {
        let mut e: Vec<(K, V)> = match t.snapshot_group(g).unwrap() {
            Some(bytes) => bincode::deserialize(&bytes).unwrap(),
            None => Vec::new(),
        };
        e.sort();
        e
    }

    type Entry2 = ((String, i64), u64);

    #[test]
    fn groups_are_separate_and_round_trip_across_backends() {
        let range = KeyGroupRange::for_worker(1, 2, 8);
        for (from, to) in [
            (StateBackend::Heap, StateBackend::Heap),
            (disk(4), StateBackend::Heap),
            (StateBackend::Heap, disk(4)),
            (disk(3), disk(1000)),
        ] {
            let mut table: StateTable<(String, i64), u64> = StateTable::on(range, &from).unwrap();
            let keys: Vec<String> = (0..200).map(|i| format!("k{i}")).collect();
            let mine: Vec<&String> = keys
                .iter()
                .filter(|k| range.contains(range.group_of(*k)))
                .collect();
            assert!(mine.len() > 50 && mine.len() < 150, "{}", mine.len());
            let mut expected: BTreeMap<u32, Vec<Entry2>> = BTreeMap::new();
            for (i, k) in mine.iter().enumerate() {
                let g = range.group_of(*k);
                table.insert(g, ((*k).clone(), 7), i as u64);
                expected
                    .entry(g)
                    .or_default()
                    .push((((*k).clone(), 7), i as u64));
            }
            assert_eq!(table.len(), mine.len());
            let g = range.start;
            let mut want = expected.remove(&g).unwrap();
            want.sort();
            assert_eq!(entries(&mut table, g), want);
            let bytes = table.snapshot_group(g).unwrap().unwrap();
            let mut fresh: StateTable<(String, i64), u64> = StateTable::on(range, &to).unwrap();
            fresh.restore_group(g, &bytes).unwrap();
            assert_eq!(entries(&mut fresh, g), want, "{from:?} -> {to:?}");
            assert_eq!(fresh.len(), want.len(), "only that group restored");
            assert!(fresh.restore_group(g, b"junk").is_err());
        }
    }

    /// A map loaded in bulk reads back as inserted entries do, on both backends; on
    /// disk it goes to the store (the bytes written are its keys and values), not the
    /// cache.
    #[test]
    fn a_bulk_load_reads_back_as_inserts() {
        let range = KeyGroupRange::for_worker(0, 2, 16);
        let keys: Vec<u32> = (0..2_000u32)
            .filter(|k| range.contains(range.group_of(k)))
            .collect();
        for backend in [StateBackend::Heap, disk(10)] {
            let mut t: StateTable<u32, String> = StateTable::on(range, &backend).unwrap();
            let written = t
                .load(
                    keys.iter()
                        .map(|&k| (range.group_of(&k), k, format!("v{k}"))),
                )
                .unwrap();
            assert_eq!(t.len(), keys.len(), "{backend:?}");
            if t.on_disk() {
                let expected: usize = keys
                    .iter()
                    .map(|k| 4 + 4 + ser(&format!("v{k}"), "value").len())
                    .sum();
                assert_eq!(written, expected as u64);
                assert_eq!(t.groups.iter().map(FxHashMap::len).sum::<usize>(), 0);
            } else {
                assert_eq!(written, 0);
            }
            for &k in &keys {
                let g = range.group_of(&k);
                assert_eq!(t.get_mut(g, &k).cloned(), Some(format!("v{k}")));
            }
            assert_eq!(t.len(), keys.len(), "{backend:?}: read, not duplicated");
        }
    }

    #[test]
    #[should_panic(expected = "not owned here")]
    fn a_foreign_group_is_a_routing_bug() {
        let mut table: StateTable<u32, u32> = StateTable::new(KeyGroupRange::for_worker(0, 2, 8));
        let _ = table.get_mut(7, &1);
    }

    /// Window-like keys `(window, key)`: a window's entries are scanned and removed by
    /// prefix alike on both backends, whether cached or in the store.
    #[test]
    fn prefixes_scan_and_remove_one_window() {
        let range = KeyGroupRange::for_worker(0, 1, 4);
        for backend in [StateBackend::Heap, disk(5), disk(1000)] {
            let mut t: StateTable<(i64, u16), u32> = StateTable::on(range, &backend).unwrap();
            let mut model: BTreeMap<(i64, u16), u32> = BTreeMap::new();
            for i in 0..300u16 {
                let key = (i64::from(i % 3) - 1, i);
                t.insert(range.group_of(&i), key, u32::from(i) * 7);
                model.insert(key, u32::from(i) * 7);
            }
            for g in 0..4 {
                let mut seen = Vec::new();
                t.scan_prefix(g, &0i64, |k| k.0 == 0, |k, v| seen.push((*k, *v)))
                    .unwrap();
                seen.sort_unstable();
                let want: Vec<_> = model
                    .iter()
                    .filter(|(k, _)| k.0 == 0 && range.group_of(&k.1) == g)
                    .map(|(k, v)| (*k, *v))
                    .collect();
                assert_eq!(seen, want, "{backend:?} group {g}");
                t.remove_prefix(g, &0i64, |k| k.0 == 0).unwrap();
            }
            model.retain(|k, _| k.0 != 0);
            assert_eq!(t.len(), model.len(), "{backend:?}");
            for (k, v) in &model {
                assert_eq!(t.get_mut(range.group_of(&k.1), k), Some(&mut v.clone()));
            }
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u16, u32),
        Add(u16, u32),
        Remove(u16),
        Get(u16),
        Restore(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..300u16, any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
            (0..300u16, 0..100u32).prop_map(|(k, v)| Op::Add(k, v)),
            (0..300u16).prop_map(Op::Remove),
            (0..300u16).prop_map(Op::Get),
            (0..4u8).prop_map(Op::Restore),
        ]
    }

    /// The model's entries of group `g`, in key order.
    fn in_group(model: &BTreeMap<u16, u32>, range: KeyGroupRange, g: u32) -> Vec<(u16, u32)> {
        model
            .iter()
            .filter(|(k, _)| range.group_of(*k) == g)
            .map(|(k, v)| (*k, *v))
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// A replica kept from one full snapshot per group and the deltas after it
        /// equals the table, through inserts, updates, removals and evictions.
        #[test]
        fn deltas_replay_onto_the_last_full_snapshot(
            ops in proptest::collection::vec(op(), 1..300),
            cache in 1..20usize,
            fulls in proptest::collection::vec(any::<bool>(), 40),
        ) {
            let range = KeyGroupRange::for_worker(0, 1, 4);
            let mut t: StateTable<u16, u32> = StateTable::on(range, &disk(cache)).unwrap();
            t.track_changes();
            // The replica on disk too: deltas go straight into its store.
            let mut replica: StateTable<u16, u32> = StateTable::on(range, &disk(3)).unwrap();
            let mut model: BTreeMap<u16, u32> = BTreeMap::new();
            let mut round = 0;
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        t.insert(range.group_of(&k), k, v);
                        model.insert(k, v);
                    }
                    Op::Add(k, v) => {
                        *t.entry(range.group_of(&k), k).or_insert(0) += v;
                        *model.entry(k).or_insert(0) += v;
                    }
                    Op::Remove(k) => {
                        t.remove(range.group_of(&k), &k);
                        model.remove(&k);
                    }
                    Op::Get(k) => {
                        let _ = t.get_mut(range.group_of(&k), &k);
                    }
                    Op::Restore(_) => {
                        // A checkpoint: per group a full snapshot or a delta.
                        for g in 0..4 {
                            if fulls[round % fulls.len()] {
                                let bytes = t.snapshot_group(g).unwrap();
                                replica.restore_group(g, &bytes.unwrap_or_else(|| 0u64.to_le_bytes().to_vec())).unwrap();
                            } else if let Some(delta) = t.delta_group(g).unwrap() {
                                replica.apply_delta(g, &delta).unwrap();
                            }
                            round += 1;
                        }
                        for g in 0..4 {
                            prop_assert_eq!(entries(&mut replica, g), in_group(&model, range, g));
                        }
                        prop_assert_eq!(replica.len(), model.len());
                    }
                }
            }
        }


        /// The disk backend with a tiny cache behaves as a plain map, through
        /// evictions, store reads and snapshots restored group by group.
        #[test]
        fn the_disk_backend_is_a_map(ops in proptest::collection::vec(op(), 1..400), cache in 1..40usize) {
            let range = KeyGroupRange::for_worker(0, 1, 4);
            let mut t: StateTable<u16, u32> = StateTable::on(range, &disk(cache)).unwrap();
            let mut model: BTreeMap<u16, u32> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        prop_assert_eq!(t.insert(range.group_of(&k), k, v), model.insert(k, v));
                    }
                    Op::Add(k, v) => {
                        *t.entry(range.group_of(&k), k).or_insert(0) += v;
                        *model.entry(k).or_insert(0) += v;
                    }
                    Op::Remove(k) => {
                        prop_assert_eq!(t.remove(range.group_of(&k), &k), model.remove(&k));
                    }
                    Op::Get(k) => {
                        let got = t.get_mut(range.group_of(&k), &k).map(|v| *v);
                        prop_assert_eq!(got, model.get(&k).copied());
                    }
                    Op::Restore(g) => {
                        let g = u32::from(g);
                        let bytes = t.snapshot_group(g).unwrap();
                        let mut fresh: StateTable<u16, u32> = StateTable::new(range);
                        if let Some(b) = &bytes {
                            fresh.restore_group(g, b).unwrap();
                            t.restore_group(g, b).unwrap();
                        }
                        prop_assert_eq!(entries(&mut fresh, g), in_group(&model, range, g));
                    }
                }
                prop_assert_eq!(t.len(), model.len());
            }
            for g in 0..4 {
                prop_assert_eq!(entries(&mut t, g), in_group(&model, range, g));
            }
        }
    }
}
