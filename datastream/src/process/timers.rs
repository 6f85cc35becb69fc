//! The timer service of a keyed operator (Flink's `TimerService`): event-time and
//! processing-time timers per key, at most one per key and time. An event-time timer
//! remembers the stream time its firing's output goes out at, so the operator can hold
//! a capability for it (`docs/0008-stream-time.md`): the operator holds one per epoch,
//! at that epoch's earliest output time ([`Timers::earliest_output`]), and is told
//! which epochs' earliest output time may have changed ([`Timers::take_changed_epochs`]).

use std::collections::BTreeMap;
use std::hash::Hash;

use rustc_hash::{FxHashMap, FxHashSet};
use strom_core::time::StreamTime;

/// Which clock a timer is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeDomain {
    /// Fires when the watermark reaches the timer's time.
    EventTime,
    /// Fires when the processing clock reaches the timer's time.
    ProcessingTime,
}

/// Timers as `(time, key)`.
pub type TimerList<K> = Vec<(i64, K)>;

/// Pending timers of one operator on one worker.
pub struct Timers<K> {
    /// Event-time timers by time, each key with the stream time of its output.
    event: BTreeMap<i64, FxHashMap<K, StreamTime>>,
    processing: BTreeMap<i64, FxHashSet<K>>,
    /// How many event-time timers go out at each stream time.
    outputs: BTreeMap<StreamTime, usize>,
    /// Epochs where an output time came into or went out of use since the last look
    /// (few: usually the open epoch only).
    changed: Vec<u64>,
}

impl<K: Hash + Eq + Clone> Default for Timers<K> {
    fn default() -> Self {
        Timers {
            event: BTreeMap::new(),
            processing: BTreeMap::new(),
            outputs: BTreeMap::new(),
            changed: Vec::new(),
        }
    }
}

impl<K: Hash + Eq + Clone> Timers<K> {
    /// Registers an event-time timer for `key` at `ts`, registered while handling
    /// stream time `now`: its output goes out at the later of `now` and the time whose
    /// watermark is `ts - 1`.
    pub fn register_event(&mut self, key: &K, ts: i64, now: StreamTime) {
        let at = StreamTime::at_watermark(now.epoch, ts.saturating_sub(1));
        let at = StreamTime {
            event: at.event.max(now.event),
            ..at
        };
        let keys = self.event.entry(ts).or_default();
        if !keys.contains_key(key) {
            keys.insert(key.clone(), at);
            let n = self.outputs.entry(at).or_default();
            *n += 1;
            if *n == 1 {
                self.changed_in(at.epoch);
            }
        }
    }

    /// Deletes `key`'s event-time timer at `ts`, if any.
    pub fn delete_event(&mut self, key: &K, ts: i64) {
        let Some(keys) = self.event.get_mut(&ts) else {
            return;
        };
        let removed = keys.remove(key);
        if keys.is_empty() {
            self.event.remove(&ts);
        }
        if let Some(at) = removed {
            self.forget_output(at);
        }
    }

    fn forget_output(&mut self, at: StreamTime) {
        if let Some(n) = self.outputs.get_mut(&at) {
            *n -= 1;
            if *n == 0 {
                self.outputs.remove(&at);
                self.changed_in(at.epoch);
            }
        }
    }

    /// Removes and gives the earliest event-time timer at or before `watermark`:
    /// `(ts, key, output time)`.
    pub fn pop_event(&mut self, watermark: i64) -> Option<(i64, K, StreamTime)> {
        let mut entry = self.event.first_entry()?;
        let ts = *entry.key();
        if ts > watermark {
            return None;
        }
        let keys = entry.get_mut();
        let key = keys.keys().next().expect("no empty timer sets").clone();
        let at = keys.remove(&key).expect("just seen");
        if keys.is_empty() {
            entry.remove();
        }
        self.forget_output(at);
        Some((ts, key, at))
    }

    /// The stream times event-time timers will output at.
    pub fn output_times(&self) -> impl Iterator<Item = &StreamTime> {
        self.outputs.keys()
    }

    fn changed_in(&mut self, epoch: u64) {
        if !self.changed.contains(&epoch) {
            self.changed.push(epoch);
        }
    }

    /// The earliest stream time an event-time timer of `epoch` outputs at.
    pub fn earliest_output(&self, epoch: u64) -> Option<StreamTime> {
        let from = StreamTime { epoch, event: 0 };
        let to = StreamTime {
            epoch,
            event: u64::MAX,
        };
        self.outputs.range(from..=to).next().map(|(t, _)| *t)
    }

    /// The epochs in which an output time came into or went out of use since the last
    /// call (their [`Timers::earliest_output`] may have changed), into `into`.
    pub fn take_changed_epochs(&mut self, into: &mut Vec<u64>) {
        into.append(&mut self.changed);
    }

    /// Registers a processing-time timer for `key` at `ts`.
    pub fn register_processing(&mut self, key: &K, ts: i64) {
        self.processing.entry(ts).or_default().insert(key.clone());
    }

    /// Deletes `key`'s processing-time timer at `ts`, if any.
    pub fn delete_processing(&mut self, key: &K, ts: i64) {
        if let Some(keys) = self.processing.get_mut(&ts) {
            keys.remove(key);
            if keys.is_empty() {
                self.processing.remove(&ts);
            }
        }
    }

    /// Removes and gives the earliest processing-time timer at or before `now`.
    pub fn pop_processing(&mut self, now: i64) -> Option<(i64, K)> {
        let mut entry = self.processing.first_entry()?;
        let ts = *entry.key();
        if ts > now {
            return None;
        }
        let keys = entry.get_mut();
        let key = keys.iter().next().expect("no empty timer sets").clone();
        keys.remove(&key);
        if keys.is_empty() {
            entry.remove();
        }
        Some((ts, key))
    }

    /// The earliest pending processing-time timer.
    pub fn next_processing(&self) -> Option<i64> {
        self.processing.keys().next().copied()
    }

    /// Pending timers: `(event time, processing time)`.
    pub fn pending(&self) -> (usize, usize) {
        (
            self.event.values().map(FxHashMap::len).sum(),
            self.processing.values().map(FxHashSet::len).sum(),
        )
    }

    /// Every pending timer: `(event-time, processing-time)`, each `(time, key)`.
    pub fn snapshot(&self) -> (TimerList<K>, TimerList<K>) {
        let event = self
            .event
            .iter()
            .flat_map(|(ts, keys)| keys.keys().map(|k| (*ts, k.clone())))
            .collect();
        let processing = self
            .processing
            .iter()
            .flat_map(|(ts, keys)| keys.iter().map(|k| (*ts, k.clone())))
            .collect();
        (event, processing)
    }

    /// Moves every event-time timer's output to epoch `epoch` at least (a new epoch has
    /// begun: pending timers belong to it); the epochs left and `epoch` count as changed.
    pub fn advance_epoch(&mut self, epoch: u64) {
        let behind = StreamTime { epoch, event: 0 };
        if self.outputs.range(..behind).next().is_none() {
            return;
        }
        for keys in self.event.values_mut() {
            for at in keys.values_mut() {
                if at.epoch < epoch {
                    *at = StreamTime { epoch, ..*at };
                }
            }
        }
        let later = self.outputs.split_off(&behind);
        for (old, n) in std::mem::replace(&mut self.outputs, later) {
            self.changed_in(old.epoch);
            *self.outputs.entry(StreamTime { epoch, ..old }).or_default() += n;
        }
        self.changed_in(epoch);
    }

    /// Drops the processing-time timers (at the end of input: Flink does not fire them).
    pub fn drop_processing(&mut self) {
        self.processing.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_timer_per_key_and_time_in_time_order() {
        let now = StreamTime::at_watermark(0, 100);
        let mut t: Timers<&str> = Timers::default();
        t.register_event(&"a", 500, now);
        t.register_event(&"a", 500, now); // duplicate: one timer
        t.register_event(&"b", 300, now);
        t.register_event(&"c", 50, now); // in the past: fires at the next watermark
        t.register_event(&"c", 700, now);
        t.delete_event(&"c", 700);
        assert_eq!(t.pending(), (3, 0));
        assert_eq!(t.output_times().count(), 3, "now, 299+1, 499+1");
        let mut changed = Vec::new();
        t.take_changed_epochs(&mut changed);
        assert_eq!(changed, [0]);
        assert_eq!(t.earliest_output(0), Some(now));
        assert_eq!(t.earliest_output(1), None);
        assert_eq!(
            t.pop_event(100).map(|x| (x.0, x.1, x.2)),
            Some((50, "c", now))
        );
        assert_eq!(t.pop_event(299), None);
        let (ts, key, at) = t.pop_event(300).unwrap();
        assert_eq!((ts, key, at.watermark()), (300, "b", 299));
        assert_eq!(t.pop_event(i64::MAX).map(|x| x.1), Some("a"));
        assert_eq!(t.output_times().count(), 0);
        assert_eq!(t.earliest_output(0), None);
        t.register_processing(&"x", 10);
        t.register_processing(&"y", 5);
        t.register_processing(&"y", 5);
        t.delete_processing(&"x", 10);
        assert_eq!(t.next_processing(), Some(5));
        assert_eq!(t.pop_processing(4), None);
        assert_eq!(t.pop_processing(5), Some((5, "y")));
        assert_eq!(t.pending(), (0, 0));
    }

    #[test]
    fn a_new_epoch_takes_every_earlier_output_time() {
        let mut t: Timers<&str> = Timers::default();
        t.register_event(&"a", 500, StreamTime::at_watermark(0, 100));
        t.register_event(&"b", 300, StreamTime::at_watermark(1, 100));
        t.register_event(&"c", 900, StreamTime::at_watermark(2, 100));
        let mut changed = Vec::new();
        t.take_changed_epochs(&mut changed);
        assert_eq!(changed, [0, 1, 2]);
        t.advance_epoch(1);
        changed.clear();
        t.take_changed_epochs(&mut changed);
        assert_eq!(changed, [0, 1], "epoch 0 emptied into 1");
        assert_eq!(t.earliest_output(0), None);
        assert_eq!(t.earliest_output(1), Some(StreamTime::at_watermark(1, 299)));
        assert_eq!(t.earliest_output(2), Some(StreamTime::at_watermark(2, 899)));
        assert_eq!(t.output_times().count(), 3);
        t.advance_epoch(1);
        t.take_changed_epochs(&mut changed);
        assert_eq!(changed, [0, 1], "nothing behind epoch 1: no change");
        let (ts, key, at) = t.pop_event(i64::MAX).unwrap();
        assert_eq!((ts, key, at), (300, "b", StreamTime::at_watermark(1, 299)));
    }
}
