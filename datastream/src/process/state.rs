//! Keyed state primitives (Flink's `ValueState`, `ListState`, `MapState`,
//! `ReducingState`, `AggregatingState`), read and written for the key in the context.
//!
//! A handle is a descriptor (a name, an optional [`Ttl`]) that a function holds; the
//! state itself lives in the operator's [`KeyedStates`], one
//! [`StateTable`] per name organised by key group, so a checkpoint can snapshot it
//! without knowing the function. A handle finds its table by name on first use and
//! remembers its slot. Collections expire per element or entry, as in Flink.

use std::any::Any;
use std::cell::Cell;
use std::hash::Hash;
use std::marker::PhantomData;
use std::rc::Rc;

use rustc_hash::FxHashMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use strom_core::state::{KeyGroupRange, Stamped, StateBackend, StateTable, Ttl};

use crate::stream::Data;

/// What a keyed context gives state handles: the current key's state and the time.
pub trait KeyedAccess<K> {
    /// The operator's state, the current key, its key group and the processing time.
    fn access(&mut self) -> (&mut KeyedStates<K>, &K, u32, i64);
}

/// A stored state value whose expired parts can be removed.
trait Expire {
    /// Removes what expired at `now`; false when nothing is left.
    fn expire(&mut self, ttl: &Ttl, now: i64) -> bool;
}

impl<T> Expire for Stamped<T> {
    fn expire(&mut self, ttl: &Ttl, now: i64) -> bool {
        !self.expired(Some(ttl), now)
    }
}

impl<T> Expire for Vec<Stamped<T>> {
    fn expire(&mut self, ttl: &Ttl, now: i64) -> bool {
        self.retain(|e| !e.expired(Some(ttl), now));
        !self.is_empty()
    }
}

impl<U: Hash + Eq, V> Expire for FxHashMap<U, Stamped<V>> {
    fn expire(&mut self, ttl: &Ttl, now: i64) -> bool {
        self.retain(|_, e| !e.expired(Some(ttl), now));
        !self.is_empty()
    }
}

/// One state table with its types erased, as the operator (and checkpoints) see it.
trait ErasedTable {
    fn as_any(&mut self) -> &mut dyn Any;
    fn len(&self) -> usize;
    fn expire(&mut self, ttl: &Ttl, now: i64);
    fn snapshot_group(&mut self, group: u32) -> strom_core::Result<Option<Vec<u8>>>;
    fn restore_group(&mut self, group: u32, bytes: &[u8]) -> strom_core::Result<()>;
    fn delta_group(&mut self, group: u32) -> strom_core::Result<Option<Vec<u8>>>;
    fn apply_delta(&mut self, group: u32, bytes: &[u8]) -> strom_core::Result<()>;
}

impl<K, V> ErasedTable for StateTable<K, V>
where
    K: Hash + Eq + Clone + Serialize + DeserializeOwned + 'static,
    V: Expire + Serialize + DeserializeOwned + 'static,
{
    fn as_any(&mut self) -> &mut dyn Any {
        self
    }
    fn len(&self) -> usize {
        StateTable::len(self)
    }
    fn expire(&mut self, ttl: &Ttl, now: i64) {
        self.retain_resident(|_, v| v.expire(ttl, now));
    }
    fn snapshot_group(&mut self, group: u32) -> strom_core::Result<Option<Vec<u8>>> {
        StateTable::snapshot_group(self, group)
    }
    fn restore_group(&mut self, group: u32, bytes: &[u8]) -> strom_core::Result<()> {
        StateTable::restore_group(self, group, bytes)
    }
    fn delta_group(&mut self, group: u32) -> strom_core::Result<Option<Vec<u8>>> {
        StateTable::delta_group(self, group)
    }
    fn apply_delta(&mut self, group: u32, bytes: &[u8]) -> strom_core::Result<()> {
        StateTable::apply_delta(self, group, bytes)
    }
}

struct Registered {
    name: String,
    ttl: Option<Ttl>,
    table: Box<dyn ErasedTable>,
}

/// The keyed state of one operator on one worker: its named tables.
pub struct KeyedStates<K> {
    range: KeyGroupRange,
    backend: StateBackend,
    tables: Vec<Registered>,
    /// Restored groups of states no handle has asked for yet, by state name: a full
    /// snapshot or a delta (true), in the order restored.
    restored: Vec<(String, u32, Parked, bool)>,
    _key: PhantomData<K>,
}

impl<K: Data + Hash + Eq> KeyedStates<K> {
    /// No state yet, for the key groups of `range`, on `backend`.
    pub fn new(range: KeyGroupRange, backend: StateBackend) -> Self {
        KeyedStates {
            range,
            backend,
            tables: Vec::new(),
            restored: Vec::new(),
            _key: PhantomData,
        }
    }

    /// The key groups held.
    pub fn range(&self) -> KeyGroupRange {
        self.range
    }

    /// Names of the states registered so far, with their entry counts (keys holding
    /// a value, list or map).
    pub fn sizes(&self) -> Vec<(&str, usize)> {
        self.tables
            .iter()
            .map(|r| (r.name.as_str(), r.table.len()))
            .collect()
    }

    /// Removes every expired entry (the sweep that bounds memory for keys never read
    /// again; reads also drop what they find expired).
    pub fn expire(&mut self, now: i64) {
        for r in &mut self.tables {
            if let Some(ttl) = &r.ttl {
                r.table.expire(ttl, now);
            }
        }
    }

    /// Every state's entries of `group`, by state name, for a checkpoint (states
    /// with none left out), and the restored groups no handle has asked for yet.
    ///
    /// # Errors
    /// When a value cannot be serialised.
    pub fn snapshot_group(&mut self, group: u32) -> strom_core::Result<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::new();
        for r in &mut self.tables {
            if let Some(bytes) = r.table.snapshot_group(group)? {
                out.push((r.name.clone(), bytes));
            }
        }
        // A state no handle has asked for is written as restored: its full snapshot,
        // then its deltas, under the same name (see `KeyedStates::restore_parts`).
        for (name, _, parked, _) in self.restored.iter().filter(|r| r.1 == group) {
            out.push((name.clone(), parked.bytes()?));
        }
        Ok(out)
    }

    /// Restores `group` from a snapshot's states in order: a full snapshot's (where a
    /// state listed again is a delta on its first listing) or a delta's.
    ///
    /// # Errors
    /// When the bytes are not a snapshot or delta of the state's types.
    pub fn restore_parts(
        &mut self,
        group: u32,
        states: &[(String, Vec<u8>)],
        delta: bool,
    ) -> strom_core::Result<()> {
        let mut seen = std::collections::BTreeSet::new();
        for (name, bytes) in states {
            if !delta && seen.insert(name.as_str()) {
                self.restore_group(name, group, bytes)?;
            } else {
                self.apply_delta(name, group, bytes)?;
            }
        }
        Ok(())
    }

    /// Whether states track their changes, so that a group can be written as a delta.
    pub fn incremental(&self) -> bool {
        matches!(&self.backend, StateBackend::Disk(o) if o.incremental)
    }

    /// Every state's changes in `group` since its last snapshot, by state name (states
    /// without changes left out).
    ///
    /// # Errors
    /// When a value cannot be serialised or the store read.
    pub fn delta_group(&mut self, group: u32) -> strom_core::Result<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::new();
        for r in &mut self.tables {
            if let Some(bytes) = r.table.delta_group(group)? {
                out.push((r.name.clone(), bytes));
            }
        }
        Ok(out)
    }

    /// Applies a delta of `group` of the state called `name` (see
    /// [`KeyedStates::restore_group`]).
    ///
    /// # Errors
    /// When the bytes are not a delta of the state's types.
    pub fn apply_delta(&mut self, name: &str, group: u32, bytes: &[u8]) -> strom_core::Result<()> {
        match self.tables.iter_mut().find(|r| r.name == name) {
            Some(r) => r.table.apply_delta(group, bytes),
            None => {
                if !self.restored.iter().any(|r| r.0 == name && r.1 == group) {
                    // A state made after the group's full snapshot: its deltas apply to
                    // nothing (an empty snapshot, whatever the types).
                    let empty = Parked::new(&self.backend, &0u64.to_le_bytes())?;
                    self.restored.push((name.to_string(), group, empty, false));
                }
                let parked = Parked::new(&self.backend, bytes)?;
                self.restored.push((name.to_string(), group, parked, true));
                Ok(())
            }
        }
    }

    /// Restores `group` of the state called `name`: at once if a handle has registered
    /// it, otherwise when one does.
    ///
    /// # Errors
    /// When the bytes are not a snapshot of the state's types.
    pub fn restore_group(
        &mut self,
        name: &str,
        group: u32,
        bytes: &[u8],
    ) -> strom_core::Result<()> {
        match self.tables.iter_mut().find(|r| r.name == name) {
            Some(r) => r.table.restore_group(group, bytes),
            None => {
                let parked = Parked::new(&self.backend, bytes)?;
                self.restored.push((name.to_string(), group, parked, false));
                Ok(())
            }
        }
    }

    fn table<V>(&mut self, d: &Descriptor) -> (&mut StateTable<K, V>, Option<Ttl>)
    where
        V: Expire + Serialize + DeserializeOwned + 'static,
    {
        let slot = match d.slot.get() {
            Some(slot) => slot,
            None => {
                let slot = match self.tables.iter().position(|r| r.name == d.name) {
                    Some(slot) => slot,
                    None => {
                        let mut table = StateTable::<K, V>::on(self.range, &self.backend)
                            .unwrap_or_else(|e| panic!("state {:?}: {e}", d.name));
                        if self.incremental() {
                            table.track_changes();
                        }
                        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.restored)
                            .into_iter()
                            .partition(|r| r.0 == d.name);
                        self.restored = rest;
                        for (_, group, parked, delta) in mine {
                            let restored = parked.bytes().and_then(|b| {
                                if delta {
                                    table.apply_delta(group, &b)
                                } else {
                                    table.restore_group(group, &b)
                                }
                            });
                            if let Err(e) = restored {
                                panic!("state {:?}: {e}", d.name);
                            }
                        }
                        self.tables.push(Registered {
                            name: d.name.clone(),
                            ttl: d.ttl,
                            table: Box::new(table),
                        });
                        self.tables.len() - 1
                    }
                };
                d.slot.set(Some(slot));
                slot
            }
        };
        let r = &mut self.tables[slot];
        let name = &r.name;
        let ttl = r.ttl;
        let table = r
            .table
            .as_any()
            .downcast_mut::<StateTable<K, V>>()
            .unwrap_or_else(|| panic!("state {name:?} is used with two different types"));
        (table, ttl)
    }
}

/// A restored group of a state no handle has asked for yet: in memory on the heap
/// backend, in a file on the disk backend (so a restored state larger than memory is
/// never all in memory).
enum Parked {
    Memory(Vec<u8>),
    File(tempfile::NamedTempFile),
}

impl Parked {
    fn new(backend: &StateBackend, bytes: &[u8]) -> strom_core::Result<Self> {
        let StateBackend::Disk(opts) = backend else {
            return Ok(Parked::Memory(bytes.to_vec()));
        };
        let dir = opts.dir.clone().unwrap_or_else(std::env::temp_dir);
        let mut file = tempfile::Builder::new()
            .prefix("strom-restored-")
            .tempfile_in(&dir)?;
        std::io::Write::write_all(&mut file, bytes)?;
        Ok(Parked::File(file))
    }

    fn bytes(&self) -> strom_core::Result<Vec<u8>> {
        match self {
            Parked::Memory(b) => Ok(b.clone()),
            Parked::File(f) => Ok(std::fs::read(f.path())?),
        }
    }
}

/// A state's name and time to live, and where its table is once found.
#[derive(Clone, Debug)]
struct Descriptor {
    name: String,
    ttl: Option<Ttl>,
    slot: Cell<Option<usize>>,
}

impl Descriptor {
    fn new(name: &str) -> Self {
        Descriptor {
            name: name.to_string(),
            ttl: None,
            slot: Cell::new(None),
        }
    }
}

/// Runs `f` on the current key's stored value, if any and not expired (an expired one
/// is removed first).
fn with_stored<K, V, R>(
    ctx: &mut impl KeyedAccess<K>,
    d: &Descriptor,
    f: impl FnOnce(&mut StateTable<K, V>, &K, u32, i64, Option<Ttl>) -> R,
) -> R
where
    K: Data + Hash + Eq,
    V: Expire + Serialize + DeserializeOwned + 'static,
{
    let (states, key, group, now) = ctx.access();
    let (table, ttl) = states.table::<V>(d);
    f(table, key, group, now, ttl)
}

macro_rules! state_handle_common {
    ($ty:ident < $($p:ident),* >) => {
        impl<$($p),*> $ty<$($p),*> {
            /// Entries of this state expire `ttl` after their last update.
            #[must_use]
            pub fn with_ttl(mut self, ttl: Ttl) -> Self {
                self.d.ttl = Some(ttl);
                self
            }
        }
    };
}

/// One value per key (Flink's `ValueState`).
pub struct ValueState<T> {
    d: Descriptor,
    _t: PhantomData<T>,
}
state_handle_common!(ValueState<T>);

impl<T: Data> ValueState<T> {
    /// A value state called `name` (unique within its operator).
    pub fn new(name: &str) -> Self {
        ValueState {
            d: Descriptor::new(name),
            _t: PhantomData,
        }
    }

    /// The current key's value.
    pub fn value<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>) -> Option<T> {
        with_stored(
            ctx,
            &self.d,
            |t: &mut StateTable<K, Stamped<T>>, k, g, now, ttl| {
                let stored = t.get_mut(g, k)?;
                match stored.read(ttl.as_ref(), now) {
                    Some(v) => Some(v.clone()),
                    None => {
                        t.remove(g, k);
                        None
                    }
                }
            },
        )
    }

    /// Sets the current key's value.
    pub fn update<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>, value: T) {
        with_stored(
            ctx,
            &self.d,
            |t: &mut StateTable<K, Stamped<T>>, k, g, now, _| {
                t.insert(g, k.clone(), Stamped::new(value, now));
            },
        );
    }

    /// Removes the current key's value.
    pub fn clear<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>) {
        self.take(ctx);
    }

    /// Removes the current key's value and gives it back (to change it and
    /// [`ValueState::update`] it without a copy).
    pub fn take<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>) -> Option<T> {
        with_stored(
            ctx,
            &self.d,
            |t: &mut StateTable<K, Stamped<T>>, k, g, now, ttl| {
                let mut stored = t.remove(g, k)?;
                stored.read(ttl.as_ref(), now)?;
                Some(stored.value)
            },
        )
    }
}

/// A list per key (Flink's `ListState`); with a TTL each element expires on its own.
pub struct ListState<T> {
    d: Descriptor,
    _t: PhantomData<T>,
}
state_handle_common!(ListState<T>);

impl<T: Data> ListState<T> {
    /// A list state called `name`.
    pub fn new(name: &str) -> Self {
        ListState {
            d: Descriptor::new(name),
            _t: PhantomData,
        }
    }

    /// The current key's elements, oldest first (empty when there are none).
    pub fn get<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>) -> Vec<T> {
        with_stored(
            ctx,
            &self.d,
            |t: &mut StateTable<K, Vec<Stamped<T>>>, k, g, now, ttl| {
                let Some(list) = t.get_mut(g, k) else {
                    return Vec::new();
                };
                let mut seen = Vec::with_capacity(list.len());
                list.retain_mut(|e| match e.read(ttl.as_ref(), now) {
                    Some(v) => {
                        seen.push(v.clone());
                        true
                    }
                    None => false,
                });
                if list.is_empty() {
                    t.remove(g, k);
                }
                seen
            },
        )
    }

    /// Appends an element.
    pub fn add<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>, value: T) {
        with_stored(
            ctx,
            &self.d,
            |t: &mut StateTable<K, Vec<Stamped<T>>>, k, g, now, _| {
                t.entry(g, k.clone())
                    .or_default()
                    .push(Stamped::new(value, now));
            },
        );
    }

    /// Replaces the current key's elements.
    pub fn update<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>, values: Vec<T>) {
        with_stored(
            ctx,
            &self.d,
            |t: &mut StateTable<K, Vec<Stamped<T>>>, k, g, now, _| {
                if values.is_empty() {
                    t.remove(g, k);
                } else {
                    let list = values.into_iter().map(|v| Stamped::new(v, now)).collect();
                    t.insert(g, k.clone(), list);
                }
            },
        );
    }

    /// Removes the current key's elements.
    pub fn clear<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>) {
        with_stored(
            ctx,
            &self.d,
            |t: &mut StateTable<K, Vec<Stamped<T>>>, k, g, _, _| {
                t.remove(g, k);
            },
        );
    }
}

/// A map per key (Flink's `MapState`); with a TTL each entry expires on its own.
pub struct MapState<U, V> {
    d: Descriptor,
    _t: PhantomData<(U, V)>,
}
state_handle_common!(MapState<U, V>);

type StoredMap<U, V> = FxHashMap<U, Stamped<V>>;

impl<U: Data + Hash + Eq, V: Data> MapState<U, V> {
    /// A map state called `name`.
    pub fn new(name: &str) -> Self {
        MapState {
            d: Descriptor::new(name),
            _t: PhantomData,
        }
    }

    /// The value under `user_key` in the current key's map.
    pub fn get<K: Data + Hash + Eq>(
        &self,
        ctx: &mut impl KeyedAccess<K>,
        user_key: &U,
    ) -> Option<V> {
        with_stored(
            ctx,
            &self.d,
            |t: &mut StateTable<K, StoredMap<U, V>>, k, g, now, ttl| {
                let map = t.get_mut(g, k)?;
                let entry = map.get_mut(user_key)?;
                let seen = entry.read(ttl.as_ref(), now).map(|v| v.clone());
                if seen.is_none() {
                    map.remove(user_key);
                    if map.is_empty() {
                        t.remove(g, k);
                    }
                }
                seen
            },
        )
    }

    /// Whether the current key's map has a live entry under `user_key`.
    pub fn contains<K: Data + Hash + Eq>(
        &self,
        ctx: &mut impl KeyedAccess<K>,
        user_key: &U,
    ) -> bool {
        self.get(ctx, user_key).is_some()
    }

    /// Sets the value under `user_key`.
    pub fn put<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>, user_key: U, value: V) {
        with_stored(
            ctx,
            &self.d,
            |t: &mut StateTable<K, StoredMap<U, V>>, k, g, now, _| {
                t.entry(g, k.clone())
                    .or_default()
                    .insert(user_key, Stamped::new(value, now));
            },
        );
    }

    /// Removes the entry under `user_key`.
    pub fn remove<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>, user_key: &U) {
        with_stored(
            ctx,
            &self.d,
            |t: &mut StateTable<K, StoredMap<U, V>>, k, g, _, _| {
                if let Some(map) = t.get_mut(g, k) {
                    map.remove(user_key);
                    if map.is_empty() {
                        t.remove(g, k);
                    }
                }
            },
        );
    }

    /// The current key's live entries, in no particular order.
    pub fn entries<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>) -> Vec<(U, V)> {
        with_stored(
            ctx,
            &self.d,
            |t: &mut StateTable<K, StoredMap<U, V>>, k, g, now, ttl| {
                let Some(map) = t.get_mut(g, k) else {
                    return Vec::new();
                };
                let mut seen = Vec::with_capacity(map.len());
                map.retain(|u, e| match e.read(ttl.as_ref(), now) {
                    Some(v) => {
                        seen.push((u.clone(), v.clone()));
                        true
                    }
                    None => false,
                });
                if map.is_empty() {
                    t.remove(g, k);
                }
                seen
            },
        )
    }

    /// Removes the current key's map.
    pub fn clear<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>) {
        with_stored(
            ctx,
            &self.d,
            |t: &mut StateTable<K, StoredMap<U, V>>, k, g, _, _| {
                t.remove(g, k);
            },
        );
    }
}

/// Adds an input to an accumulator.
type Adder<A, I> = Rc<dyn Fn(&mut A, I)>;

/// A running aggregate per key (Flink's `AggregatingState`): inputs `I` are added to an
/// accumulator `A` made by `init`, and `get` gives `finish(accumulator)`.
pub struct AggregatingState<I, A, O> {
    d: Descriptor,
    init: Rc<dyn Fn() -> A>,
    add: Adder<A, I>,
    finish: Rc<dyn Fn(&A) -> O>,
}
state_handle_common!(AggregatingState<I, A, O>);

impl<I: 'static, A: Data, O: 'static> AggregatingState<I, A, O> {
    /// An aggregating state called `name`.
    pub fn new(
        name: &str,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, I) + 'static,
        finish: impl Fn(&A) -> O + 'static,
    ) -> Self {
        AggregatingState {
            d: Descriptor::new(name),
            init: Rc::new(init),
            add: Rc::new(add),
            finish: Rc::new(finish),
        }
    }

    /// The current key's aggregate, if anything was added (and has not expired).
    pub fn get<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>) -> Option<O> {
        with_stored(
            ctx,
            &self.d,
            |t: &mut StateTable<K, Stamped<A>>, k, g, now, ttl| {
                let stored = t.get_mut(g, k)?;
                match stored.read(ttl.as_ref(), now) {
                    Some(acc) => Some((self.finish)(acc)),
                    None => {
                        t.remove(g, k);
                        None
                    }
                }
            },
        )
    }

    /// Adds `input` to the current key's aggregate (an expired one starts afresh).
    pub fn add<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>, input: I) {
        with_stored(
            ctx,
            &self.d,
            |t: &mut StateTable<K, Stamped<A>>, k, g, now, ttl| {
                let stored = t
                    .entry(g, k.clone())
                    .or_insert_with(|| Stamped::new((self.init)(), now));
                if stored.expired(ttl.as_ref(), now) {
                    stored.value = (self.init)();
                }
                (self.add)(&mut stored.value, input);
                stored.stamp = now;
            },
        );
    }

    /// Removes the current key's aggregate.
    pub fn clear<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>) {
        with_stored(
            ctx,
            &self.d,
            |t: &mut StateTable<K, Stamped<A>>, k, g, _, _| {
                t.remove(g, k);
            },
        );
    }
}

/// A value per key combined with each addition by a reduce function (Flink's
/// `ReducingState`).
pub struct ReducingState<T> {
    inner: AggregatingState<T, Option<T>, T>,
}

impl<T: Data> ReducingState<T> {
    /// A reducing state called `name` combining values with `reduce`.
    pub fn new(name: &str, reduce: impl Fn(T, T) -> T + 'static) -> Self {
        ReducingState {
            inner: AggregatingState::new(
                name,
                || None,
                move |acc: &mut Option<T>, v: T| {
                    *acc = Some(match acc.take() {
                        Some(prev) => reduce(prev, v),
                        None => v,
                    });
                },
                |acc: &Option<T>| {
                    acc.clone()
                        .expect("a reducing state holds a value once added")
                },
            ),
        }
    }

    /// Entries expire `ttl` after their last update.
    #[must_use]
    pub fn with_ttl(mut self, ttl: Ttl) -> Self {
        self.inner = self.inner.with_ttl(ttl);
        self
    }

    /// The current key's reduced value.
    pub fn get<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>) -> Option<T> {
        self.inner.get(ctx)
    }

    /// Combines `value` into the current key's value.
    pub fn add<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>, value: T) {
        self.inner.add(ctx, value);
    }

    /// Removes the current key's value.
    pub fn clear<K: Data + Hash + Eq>(&self, ctx: &mut impl KeyedAccess<K>) {
        self.inner.clear(ctx);
    }
}
