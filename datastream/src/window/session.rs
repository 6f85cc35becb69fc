//! Event-time session windows (Flink's `EventTimeSessionWindows.withGap`): each record
//! opens `[t, t + gap)`, and a key's windows that overlap or touch merge (their
//! accumulators merged), so a session ends after `gap` ms without records. A session
//! fires when the watermark reaches its `end - 1`; a record arriving later but within
//! the allowed lateness makes it fire again at once, and one that extends a fired
//! session past the watermark makes the merged session fire when the watermark passes
//! its new end. A record whose merged session is past its lateness is late.

use std::hash::Hash;
use std::rc::Rc;

use rustc_hash::FxHashMap;
use strom_core::state::{KeyGroupRange, StateBackend};
use strom_core::time::StreamTime;
use strom_core::timely::dataflow::operators::Capability;

use super::driver::{self, Emit, WindowLogic};
use super::{WindowResult, Windowed};
use crate::stream::{Data, DataStream, KeyedStream, Timestamped};

/// A keyed stream cut into session windows.
pub struct SessionWindows<'s, T, K> {
    keyed: KeyedStream<'s, T, K>,
    gap: i64,
    lateness: i64,
}

impl<'s, T: Data, K: Data + Hash + Eq> KeyedStream<'s, T, K> {
    /// Session windows closing after `gap_ms` without records.
    ///
    /// # Panics
    /// When `gap_ms` is not positive.
    pub fn session_window(&self, gap_ms: i64) -> SessionWindows<'s, T, K> {
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

struct Session<A> {
    start: i64,
    end: i64,
    acc: A,
    /// Held until the session first fires.
    cap: Option<Capability<StreamTime>>,
}

struct Sessions<T, K, A, O> {
    gap: i64,
    lateness: i64,
    key: Rc<dyn Fn(&T) -> K>,
    init: Box<dyn Fn() -> A>,
    add: driver::AddFn<A, T>,
    merge: driver::MergeFn<A>,
    finish: Box<dyn Fn(A) -> O>,
    /// Each key's sessions, disjoint.
    keys: FxHashMap<K, Vec<Session<A>>>,
}

impl<'s, T: Data, K: Data + Hash + Eq> SessionWindows<'s, T, K> {
    /// Keeps sessions `lateness_ms` past their end for late records.
    #[must_use]
    pub fn allowed_lateness(mut self, lateness_ms: i64) -> Self {
        self.lateness = lateness_ms.max(0);
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
        let logic = Sessions {
            gap: self.gap,
            lateness: self.lateness,
            key: self.keyed.key.clone(),
            init: Box::new(init),
            add: Box::new(add),
            merge: Box::new(merge),
            finish: Box::new(finish),
            keys: FxHashMap::default(),
        };
        driver::window_operator(&self.keyed, "SessionWindow", logic)
    }
}

impl<T: 'static, K: Data + Hash + Eq, A: Data, O: 'static> WindowLogic<T, WindowResult<K, O>>
    for Sessions<T, K, A, O>
{
    fn record(
        &mut self,
        watermark: i64,
        time: StreamTime,
        cap: &Capability<StreamTime>,
        record: &Timestamped<T>,
        emit: Emit<'_, WindowResult<K, O>>,
    ) -> bool {
        let k = (self.key)(&record.value);
        let (open, close) = (record.ts, record.ts.saturating_add(self.gap));
        let sessions = self.keys.entry(k.clone()).or_default();
        // Flink merges windows that overlap or touch; sessions of a key touch no other,
        // so the ones the record's window touches are all it merges.
        let joins = |s: &Session<A>| s.start <= close && open <= s.end;
        let (mut start, mut end) = (open, close);
        for s in sessions.iter().filter(|s| joins(s)) {
            (start, end) = (start.min(s.start), end.max(s.end));
        }
        if end - 1 + self.lateness <= watermark {
            return false;
        }
        let mut acc = (self.init)();
        (self.add)(&mut acc, &record.value);
        let mut i = 0;
        while i < sessions.len() {
            if joins(&sessions[i]) {
                let s = sessions.swap_remove(i);
                (self.merge)(&mut acc, s.acc);
            } else {
                i += 1;
            }
        }
        let mut session = Session {
            start,
            end,
            acc,
            cap: Some(driver::window_cap(cap, time, end)),
        };
        // Due already (a late record within the lateness): fire now, as Flink's trigger
        // does; otherwise when the watermark passes the merged end.
        if end - 1 <= watermark {
            session.cap = None;
            emit(
                cap,
                driver::result(&*self.finish, &k, start, end, &session.acc),
            );
        }
        sessions.push(session);
        true
    }

    fn fire(&mut self, watermark: i64, emit: Emit<'_, WindowResult<K, O>>) {
        let lateness = self.lateness;
        let mut due = Vec::new();
        for (k, sessions) in &mut self.keys {
            for (i, s) in sessions.iter_mut().enumerate() {
                if s.end - 1 <= watermark
                    && let Some(cap) = s.cap.take()
                {
                    due.push((k.clone(), i, cap));
                }
            }
        }
        for (k, i, cap) in due {
            let s = &self.keys[&k][i];
            emit(
                &cap,
                driver::result(&*self.finish, &k, s.start, s.end, &s.acc),
            );
        }
        self.keys.retain(|_, sessions| {
            sessions.retain(|s| s.end - 1 + lateness > watermark);
            !sessions.is_empty()
        });
    }

    fn open(&mut self, _: KeyGroupRange, _: &StateBackend) {}

    fn snapshot(&mut self, range: KeyGroupRange, emit: &mut dyn FnMut(u32, Vec<u8>)) {
        let entries = self.keys.iter().map(|(k, sessions)| {
            let kept: Vec<(i64, i64, bool, &A)> = sessions
                .iter()
                .map(|s| (s.start, s.end, s.cap.is_none(), &s.acc))
                .collect();
            (k, (k, kept))
        });
        for (g, bytes) in driver::by_group(range, entries) {
            emit(g, bytes);
        }
    }

    fn restore_group(&mut self, _: u32, bytes: &[u8], epoch: u64, cap: &Capability<StreamTime>) {
        type Saved<K, A> = Vec<(K, Vec<(i64, i64, bool, A)>)>;
        let entries: Saved<K, A> =
            bincode::deserialize(bytes).unwrap_or_else(|e| panic!("session snapshot: {e}"));
        for (k, sessions) in entries {
            let restored = sessions
                .into_iter()
                .map(|(start, end, fired, acc)| Session {
                    start,
                    end,
                    acc,
                    cap: (!fired).then(|| cap.delayed(&StreamTime::at_watermark(epoch, end - 1))),
                });
            self.keys.entry(k).or_default().extend(restored);
        }
    }

    fn advance_epoch(&mut self, epoch: u64) {
        for s in self.keys.values_mut().flatten() {
            if let Some(c) = s.cap.as_mut() {
                driver::in_epoch(c, epoch);
            }
        }
    }
}
