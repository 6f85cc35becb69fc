//! The accumulators of sliding and tumbling event-time windows, by window and key, on
//! the job's state backend.
//!
//! On the heap they are a hash map per window, so a window fires by walking its own
//! map. On disk they are one [`StateTable`] keyed by `(end, start, key)`, in the key
//! group of the key; the operator remembers which groups hold entries of each window
//! (a few bytes per window), and a window fires by a prefix scan of those groups. Both
//! write the same snapshot per key group: `(end, start, fired, key, accumulator)` for
//! every entry of the group, so a checkpoint of one restores into the other.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::Hash;

use rustc_hash::FxHashMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use strom_core::state::{KeyGroupRange, StateBackend, StateTable};

/// A window: `(end, start)`, ordered by end.
pub(super) type WindowId = (i64, i64);

/// Accumulators by window and key.
pub(super) enum Accs<K, A> {
    Heap(BTreeMap<WindowId, FxHashMap<K, A>>),
    Disk {
        table: StateTable<(i64, i64, K), A>,
        groups: BTreeMap<WindowId, BTreeSet<u32>>,
    },
}

fn ok<T>(r: strom_core::Result<T>) -> T {
    // As in keyed state: a store failure fails the job, which restarts from its last
    // checkpoint; the message names the store.
    r.unwrap_or_else(|e| panic!("window state: {e}"))
}

impl<K, A> Accs<K, A>
where
    K: Hash + Eq + Clone + Serialize + DeserializeOwned,
    A: Serialize + DeserializeOwned,
{
    /// Empty accumulators on `backend` for the groups of `range`.
    pub(super) fn on(range: KeyGroupRange, backend: &StateBackend) -> Self {
        match backend {
            StateBackend::Heap => Accs::Heap(BTreeMap::new()),
            StateBackend::Disk(_) => Accs::Disk {
                table: ok(StateTable::on(range, backend)),
                groups: BTreeMap::new(),
            },
        }
    }

    /// The accumulator of `key` (of key group `group`) in `window`, made by `init` if
    /// it has none.
    pub(super) fn get_or_init(
        &mut self,
        window: WindowId,
        group: u32,
        key: &K,
        init: impl FnOnce() -> A,
    ) -> &mut A {
        match self {
            Accs::Heap(windows) => {
                let keys = windows.entry(window).or_default();
                if !keys.contains_key(key) {
                    keys.insert(key.clone(), init());
                }
                keys.get_mut(key).expect("just made")
            }
            Accs::Disk { table, groups } => {
                groups.entry(window).or_default().insert(group);
                table
                    .entry(group, (window.0, window.1, key.clone()))
                    .or_insert_with(init)
            }
        }
    }

    /// Calls `f` with every key of `window` and its accumulator.
    pub(super) fn for_each(&mut self, window: WindowId, mut f: impl FnMut(&K, &A)) {
        match self {
            Accs::Heap(windows) => {
                for (k, a) in windows.get(&window).into_iter().flatten() {
                    f(k, a);
                }
            }
            Accs::Disk { table, groups } => {
                for &g in groups.get(&window).into_iter().flatten() {
                    let in_window = |k: &(i64, i64, K)| (k.0, k.1) == window;
                    ok(table.scan_prefix(g, &window, in_window, |k, a| f(&k.2, a)));
                }
            }
        }
    }

    /// Forgets `window`.
    pub(super) fn remove(&mut self, window: WindowId) {
        match self {
            Accs::Heap(windows) => {
                windows.remove(&window);
            }
            Accs::Disk { table, groups } => {
                for g in groups.remove(&window).into_iter().flatten() {
                    let in_window = |k: &(i64, i64, K)| (k.0, k.1) == window;
                    ok(table.remove_prefix(g, &window, in_window));
                }
            }
        }
    }

    /// Hands `emit` every key group's entries, serialised, one group at a time (on
    /// disk, a group is read from the store only when its turn comes); `fired` says
    /// whether a window has fired for a key group.
    pub(super) fn snapshot(
        &mut self,
        range: KeyGroupRange,
        fired: impl Fn(WindowId, u32) -> bool,
        emit: &mut dyn FnMut(u32, Vec<u8>),
    ) {
        match self {
            Accs::Heap(windows) => {
                let mut out: BTreeMap<u32, Entries> = BTreeMap::new();
                for (&w, keys) in windows.iter() {
                    for (k, a) in keys {
                        let g = range.group_of(k);
                        out.entry(g)
                            .or_default()
                            .push(&(w.0, w.1, fired(w, g), k, a));
                    }
                }
                for (g, entries) in out {
                    emit(g, entries.finish());
                }
            }
            Accs::Disk { table, groups } => {
                let mut by_group: BTreeMap<u32, Vec<WindowId>> = BTreeMap::new();
                for (&w, gs) in groups.iter() {
                    for &g in gs {
                        by_group.entry(g).or_default().push(w);
                    }
                }
                for (g, windows) in by_group {
                    let mut entries = Entries::default();
                    for w in windows {
                        let was_fired = fired(w, g);
                        let in_window = |k: &(i64, i64, K)| (k.0, k.1) == w;
                        ok(table.scan_prefix(g, &w, in_window, |k, a| {
                            entries.push(&(w.0, w.1, was_fired, &k.2, a));
                        }));
                    }
                    if entries.n > 0 {
                        emit(g, entries.finish());
                    }
                }
            }
        }
    }

    /// Restores the entries of one key group's snapshot, calling `window` with each
    /// window and whether it had fired.
    pub(super) fn restore_group(
        &mut self,
        group: u32,
        bytes: &[u8],
        mut window: impl FnMut(WindowId, bool),
    ) {
        let entries: Vec<(i64, i64, bool, K, A)> =
            bincode::deserialize(bytes).unwrap_or_else(|e| panic!("window snapshot: {e}"));
        match self {
            Accs::Heap(windows) => {
                for (end, start, fired, k, a) in entries {
                    window((end, start), fired);
                    windows.entry((end, start)).or_default().insert(k, a);
                }
            }
            Accs::Disk { table, groups } => {
                // Straight into the store, as the table's own snapshot would go.
                let mut table_entries = Entries::default();
                for (end, start, fired, k, a) in &entries {
                    window((*end, *start), *fired);
                    groups.entry((*end, *start)).or_default().insert(group);
                    table_entries.push(&((end, start, k), a));
                }
                ok(table.restore_group(group, &table_entries.finish()));
            }
        }
    }
}

/// A bincode sequence written entry by entry (its length patched in at the end).
struct Entries {
    bytes: Vec<u8>,
    n: u64,
}

impl Default for Entries {
    fn default() -> Self {
        Entries {
            bytes: vec![0; 8],
            n: 0,
        }
    }
}

impl Entries {
    fn push(&mut self, entry: &impl Serialize) {
        bincode::serialize_into(&mut self.bytes, entry).expect("window state serialises");
        self.n += 1;
    }

    fn finish(mut self) -> Vec<u8> {
        self.bytes[..8].copy_from_slice(&self.n.to_le_bytes());
        self.bytes
    }
}
