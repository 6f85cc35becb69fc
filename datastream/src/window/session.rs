//! Event-time session windows (Flink's `EventTimeSessionWindows.withGap`): each record
//! opens `[t, t + gap)`, and a key's windows that overlap or touch merge (their
//! accumulators merged), so a session ends after `gap` ms without records. A session
//! fires when the watermark reaches its `end - 1`; a record arriving later but within
//! the allowed lateness makes it fire again at once, and one that extends a fired
//! session past the watermark makes the merged session fire when the watermark passes
//! its new end. A record whose merged session is past its lateness is late.
//!
//! A key's sessions live in a [`StateTable`] on the job's state backend. Which keys have
//! sessions to fire or forget at which end is kept on the heap (as Flink's heap timer
//! service does beside its RocksDB backend): a key per live session, not its
//! accumulator, with one capability per session end.

use std::hash::Hash;
use std::rc::Rc;
use std::time::Duration;

use std::collections::BTreeMap;

use rustc_hash::FxHashSet;
use strom_core::state::{KeyGroupRange, StateBackend, StateTable};
use strom_core::time::millis;

use super::driver::{self, Emit, WindowLogic};
use super::{Assigner, EventTimeTrigger, Kind, NoEvictor, WindowResult, WindowSpec, Windowed};
use crate::shell::Held;
use crate::stream::{Data, DataStream, KeyedStream, Timestamped};

/// A keyed stream cut into session windows.
pub struct SessionWindows<'s, T, K> {
    keyed: KeyedStream<'s, T, K>,
    gap: i64,
    lateness: i64,
}

impl<'s, T: Data, K: Data + Hash + Eq> KeyedStream<'s, T, K> {
    /// Session windows closing after `gap` without records (Flink's
    /// `EventTimeSessionWindows.withGap(Duration)`).
    ///
    /// # Panics
    /// When `gap` is zero or not whole milliseconds.
    pub fn session_window(&self, gap: Duration) -> SessionWindows<'s, T, K> {
        let gap_ms = millis(gap);
        assert!(gap_ms > 0, "a session gap must be positive, not {gap_ms}");
        SessionWindows {
            keyed: KeyedStream {
                stream: self.stream.clone(),
                key: self.key.clone(),
            },
            gap: gap_ms,
            lateness: 0,
        }
    }
}

impl<T: Data, K> SessionWindows<'_, T, K> {
    /// These windows as a spec with the default trigger.
    fn spec(&self) -> WindowSpec<T, EventTimeTrigger, NoEvictor> {
        let assigner = Assigner(Kind::Session { gap: self.gap });
        WindowSpec::new(assigner, EventTimeTrigger).allowed_lateness_ms(self.lateness)
    }
}

super::windowed::to_windowed!(SessionWindows, EventTimeTrigger);

/// One session of a key: `(start, end, fired, accumulator)` (also its snapshot form).
type Session<A> = (i64, i64, bool, A);

pub(super) struct Sessions<T, K, A, O> {
    gap: i64,
    lateness: i64,
    key: Rc<dyn Fn(&T) -> K>,
    init: Box<dyn Fn() -> A>,
    add: driver::AddFn<A, T>,
    merge: driver::MergeFn<A>,
    finish: Box<dyn Fn(A) -> O>,
    range: KeyGroupRange,
    /// Each key's sessions, disjoint.
    sessions: StateTable<K, Vec<Session<A>>>,
    /// Keys with a session not fired yet, by the session's end.
    firing: BTreeMap<i64, FxHashSet<K>>,
    /// Keys with a session, by the session's end.
    live: BTreeMap<i64, FxHashSet<K>>,
    /// The capabilities sessions ending at an end are emitted at (least ones).
    caps: BTreeMap<i64, Vec<Held>>,
}

/// Adds `key` under `end`.
fn index<K: Hash + Eq>(by_end: &mut BTreeMap<i64, FxHashSet<K>>, end: i64, key: K) {
    by_end.entry(end).or_default().insert(key);
}

/// Removes `key` from under `end`.
fn unindex<K: Hash + Eq>(by_end: &mut BTreeMap<i64, FxHashSet<K>>, end: i64, key: &K) {
    if let Some(keys) = by_end.get_mut(&end) {
        keys.remove(key);
        if keys.is_empty() {
            by_end.remove(&end);
        }
    }
}

/// The keys under ends up to `last`, taken out of the index.
fn due<K>(by_end: &mut BTreeMap<i64, FxHashSet<K>>, last: i64) -> Vec<(i64, FxHashSet<K>)> {
    let mut out = Vec::new();
    while let Some(entry) = by_end.first_entry() {
        if *entry.key() > last {
            break;
        }
        out.push(entry.remove_entry());
    }
    out
}

/// Keeps `cap` among the least capabilities of `caps`.
fn hold(caps: &mut Vec<Held>, cap: Held) {
    use strom_core::timely::order::PartialOrder;
    if caps.iter().any(|c| c.time().less_equal(&cap.time())) {
        return;
    }
    caps.retain(|c| !cap.time().less_equal(&c.time()));
    caps.push(cap);
}

impl<'s, T: Data, K: Data + Hash + Eq> SessionWindows<'s, T, K> {
    /// Keeps sessions `lateness` past their end for late records.
    #[must_use]
    pub fn allowed_lateness(mut self, lateness: Duration) -> Self {
        self.lateness = millis(lateness);
        self
    }

    /// Aggregates each session incrementally; `merge` combines the accumulators of
    /// sessions that a record joins.
    pub fn aggregate<A: Data, O: Data>(
        &self,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        merge: impl Fn(&mut A, A) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> DataStream<'s, WindowResult<K, O>> {
        self.aggregate_with_late(init, add, merge, finish).results
    }

    /// As [`SessionWindows::aggregate`], also giving the late records as a stream.
    pub fn aggregate_with_late<A: Data, O: Data>(
        &self,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        merge: impl Fn(&mut A, A) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> Windowed<'s, K, O, T> {
        let logic = Sessions::new(
            (self.gap, self.lateness),
            self.keyed.key.owned(),
            (Box::new(init), Box::new(add), Box::new(merge)),
            Box::new(finish),
        );
        driver::window_operator(&self.keyed, "SessionWindow", logic)
    }
}

/// A fresh accumulator, adding a record, merging two accumulators.
pub(super) type SessionAgg<A, T> = (Box<dyn Fn() -> A>, driver::AddFn<A, T>, driver::MergeFn<A>);

impl<T, K: Data + Hash + Eq, A: Data, O> Sessions<T, K, A, O> {
    /// Sessions of `(gap, allowed lateness)`, keyed by `key`, aggregated by `agg` and
    /// `finish`.
    pub(super) fn new(
        (gap, lateness): (i64, i64),
        key: Rc<dyn Fn(&T) -> K>,
        (init, add, merge): SessionAgg<A, T>,
        finish: Box<dyn Fn(A) -> O>,
    ) -> Self {
        Sessions {
            gap,
            lateness,
            key,
            init,
            add,
            merge,
            finish,
            range: KeyGroupRange::for_worker(0, 1, 1),
            sessions: StateTable::new(KeyGroupRange::for_worker(0, 1, 1)),
            firing: BTreeMap::new(),
            live: BTreeMap::new(),
            caps: BTreeMap::new(),
        }
    }
}

impl<T: 'static, K: Data + Hash + Eq, A: Data, O: 'static> WindowLogic<T, WindowResult<K, O>>
    for Sessions<T, K, A, O>
{
    fn record(
        &mut self,
        watermark: i64,
        at: &Held,
        record: &Timestamped<T>,
        emit: Emit<'_, WindowResult<K, O>>,
    ) -> bool {
        let k = (self.key)(&record.value);
        let group = self.range.group_of(&k);
        let (open, close) = (record.ts, record.ts.saturating_add(self.gap));
        // Flink merges windows that overlap or touch; sessions of a key touch no other,
        // so the ones the record's window touches are all it merges.
        let joins = |s: &Session<A>| s.0 <= close && open <= s.1;
        let (mut start, mut end) = (open, close);
        let sessions = self.sessions.entry(group, k.clone()).or_default();
        for s in sessions.iter().filter(|s| joins(s)) {
            (start, end) = (start.min(s.0), end.max(s.1));
        }
        if super::cleanup_time(end, self.lateness) <= watermark {
            if sessions.is_empty() {
                self.sessions.remove(group, &k);
            }
            return false;
        }
        let mut acc = (self.init)();
        (self.add)(&mut acc, &record.value);
        let mut i = 0;
        while i < sessions.len() {
            if joins(&sessions[i]) {
                let (_, old_end, fired, old) = sessions.swap_remove(i);
                (self.merge)(&mut acc, old);
                if !fired {
                    unindex(&mut self.firing, old_end, &k);
                }
                unindex(&mut self.live, old_end, &k);
            } else {
                i += 1;
            }
        }
        // Due already (a late record within the lateness): fire now, as Flink's trigger
        // does; otherwise when the watermark passes the merged end.
        let fired = end - 1 <= watermark;
        if fired {
            emit(at, driver::result(&*self.finish, &k, start, end, &acc));
        } else {
            index(&mut self.firing, end, k.clone());
            let caps = self.caps.entry(end).or_default();
            hold(caps, driver::window_cap(at, end));
        }
        sessions.push((start, end, fired, acc));
        index(&mut self.live, end, k);
        true
    }

    fn fire(&mut self, watermark: i64, emit: Emit<'_, WindowResult<K, O>>) {
        let last = watermark.saturating_add(1);
        for (end, keys) in due(&mut self.firing, last) {
            let caps = self.caps.remove(&end).unwrap_or_default();
            let cap = caps.first().expect("a session to fire holds a capability");
            for k in keys {
                let group = self.range.group_of(&k);
                let sessions = self.sessions.get_mut(group, &k);
                let s = sessions
                    .and_then(|ss| ss.iter_mut().find(|s| s.1 == end && !s.2))
                    .expect("an indexed session is in the state");
                s.2 = true;
                emit(cap, driver::result(&*self.finish, &k, s.0, s.1, &s.3));
            }
        }
        // Capabilities of ends that no longer have sessions to fire (merged away).
        while let Some(entry) = self.caps.first_entry() {
            if *entry.key() > last || self.firing.contains_key(entry.key()) {
                break;
            }
            entry.remove();
        }
        for (end, keys) in due(&mut self.live, last.saturating_sub(self.lateness)) {
            for k in keys {
                let group = self.range.group_of(&k);
                let Some(sessions) = self.sessions.get_mut(group, &k) else {
                    continue;
                };
                sessions.retain(|s| s.1 != end);
                if sessions.is_empty() {
                    self.sessions.remove(group, &k);
                }
            }
        }
    }

    fn open(&mut self, range: KeyGroupRange, backend: &StateBackend) {
        self.range = range;
        self.sessions =
            StateTable::on(range, backend).unwrap_or_else(|e| panic!("session window state: {e}"));
    }

    fn snapshot(&mut self, range: KeyGroupRange, emit: &mut dyn FnMut(u32, Vec<u8>)) {
        for g in range.start..range.end {
            match self.sessions.snapshot_group(g) {
                Ok(Some(bytes)) => emit(g, bytes),
                Ok(None) => {}
                Err(e) => panic!("session window state: {e}"),
            }
        }
    }

    fn restore_group(&mut self, group: u32, bytes: &[u8], epoch: u64, initial: &Held) {
        let entries: Vec<(K, Vec<Session<A>>)> =
            bincode::deserialize(bytes).unwrap_or_else(|e| panic!("session snapshot: {e}"));
        for (k, sessions) in &entries {
            for &(_, end, fired, _) in sessions {
                if !fired {
                    index(&mut self.firing, end, k.clone());
                    let at = initial.delayed(&driver::result_time(epoch, end));
                    hold(self.caps.entry(end).or_default(), at);
                }
                index(&mut self.live, end, k.clone());
            }
        }
        self.sessions
            .restore_group(group, bytes)
            .unwrap_or_else(|e| panic!("session snapshot: {e}"));
    }

    fn advance_epoch(&mut self, epoch: u64) {
        for c in self.caps.values_mut().flatten() {
            c.in_epoch(epoch);
        }
    }

    fn release(&mut self) {
        self.caps.clear();
        self.firing.clear();
    }
}
