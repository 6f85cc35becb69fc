//! Input taken in time order: messages wait, merged by time, until no frontier element
//! is earlier than their time (so each is handled at the watermark of its own time, as
//! in a Flink channel; `docs/0008-stream-time.md`). Shared by the window and process
//! operators.
//!
//! What is retained for the waiting messages (their output capabilities) is one per
//! waiting epoch, at that epoch's least waiting time, moved on as messages are taken
//! (`docs/0015-cost.md`): a capability per waiting time made timely's progress
//! tracking re-sort every held time on each change, 40% of a Nexmark q7 run.

use std::collections::BTreeMap;

use strom_core::time::StreamTime;
use strom_core::timely::PartialOrder;
use strom_core::timely::progress::frontier::AntichainRef;

use crate::shell::Held;

/// What an operator retains to emit at a stream time later: it can say its time and
/// make the same right at a later time.
pub(crate) trait Retained: Sized {
    /// The time it allows output at.
    fn time(&self) -> StreamTime;
    /// The same right at `time`, at or after [`Retained::time`].
    fn delayed(&self, time: &StreamTime) -> Self;
}

impl Retained for Held {
    fn time(&self) -> StreamTime {
        Held::time(self)
    }

    fn delayed(&self, time: &StreamTime) -> Self {
        Held::delayed(self, time)
    }
}

/// Waiting records by time, and per waiting epoch what the operator retained at the
/// epoch's least waiting time.
pub(crate) struct TimeOrdered<C, T> {
    waiting: BTreeMap<StreamTime, Vec<T>>,
    /// Per epoch with a waiting message, retained at its least waiting time.
    held: BTreeMap<u64, C>,
}

impl<C, T> Default for TimeOrdered<C, T> {
    fn default() -> Self {
        TimeOrdered {
            waiting: BTreeMap::new(),
            held: BTreeMap::new(),
        }
    }
}

impl<C: Retained, T> TimeOrdered<C, T> {
    /// Adds a message of `time`; `retain` is called when `time` is earlier than every
    /// waiting time of its epoch (then what was held for the epoch is let go).
    pub(crate) fn push(
        &mut self,
        time: StreamTime,
        retain: impl FnOnce() -> C,
        records: &mut Vec<T>,
    ) {
        let earliest = self
            .held
            .get(&time.epoch)
            .is_none_or(|held| time.event < held.time().event);
        if earliest {
            self.held.insert(time.epoch, retain());
        }
        let waiting = self.waiting.entry(time).or_default();
        if waiting.is_empty() {
            std::mem::swap(waiting, records);
        } else {
            waiting.append(records);
        }
    }

    /// The earliest waiting time no frontier element is earlier than, with what is
    /// retained at it and its records. Epochs are taken one at a time: a message of
    /// epoch `e + 1` also waits until no frontier element has an earlier epoch (the
    /// alignment of checkpoints, `docs/0009-checkpoints.md`), even if its event time
    /// is below theirs.
    pub(crate) fn pop_ready(
        &mut self,
        frontier: AntichainRef<'_, StreamTime>,
    ) -> Option<(StreamTime, C, Vec<T>)> {
        let entry = self.waiting.first_entry()?;
        let t = entry.key();
        if frontier.iter().any(|f| f.less_than(t) || f.epoch < t.epoch) {
            return None;
        }
        let (time, records) = entry.remove_entry();
        let held = self
            .held
            .remove(&time.epoch)
            .expect("held for a waiting epoch");
        let next = self
            .waiting
            .range(time..)
            .next()
            .map(|(t, _)| *t)
            .filter(|t| t.epoch == time.epoch);
        if let Some(next) = next {
            self.held.insert(time.epoch, held.delayed(&next));
        }
        debug_assert_eq!(held.time(), time, "held at the epoch's least waiting time");
        Some((time, held, records))
    }

    /// The least event-time watermark of the waiting messages.
    fn waiting_watermark(&self) -> Option<i64> {
        self.held.values().map(|h| h.time().watermark()).min()
    }

    /// The event-time watermark a message may be handled at: its own, but no later
    /// than any frontier element's or waiting message's (of any epoch). Without
    /// epochs, time order makes this the message's own watermark; with them, a message
    /// of epoch `e` may be handled before one of `e + 1` with a lower watermark, and the
    /// operator must not fire past that one (`docs/0009-checkpoints.md`).
    pub(crate) fn watermark_for(
        &self,
        time: StreamTime,
        frontier: AntichainRef<'_, StreamTime>,
    ) -> i64 {
        let open = frontier.iter().map(StreamTime::watermark).min();
        [Some(time.watermark()), self.waiting_watermark(), open]
            .into_iter()
            .flatten()
            .min()
            .expect("its own")
    }

    /// The least epoch still open: of a frontier element or a waiting message
    /// (`None` when the input has ended and nothing waits).
    pub(crate) fn open_epoch(&self, frontier: AntichainRef<'_, StreamTime>) -> Option<u64> {
        let waiting = self.held.keys().next().copied();
        frontier.iter().map(|t| t.epoch).chain(waiting).min()
    }

    /// The event-time watermark everything handled so far may be fired at: the least
    /// of the frontier's and of the waiting messages' (of any epoch: a message of a
    /// later epoch may wait with a lower watermark than the frontier's), the end of
    /// time once both are empty; reported as the watermark of the operator at `address`
    /// while it is not. (Firing at the frontier's watermark alone fired windows and
    /// timers that a waiting message still had records for.)
    pub(crate) fn settled_watermark(
        &self,
        frontier: AntichainRef<'_, StreamTime>,
        address: &[usize],
    ) -> i64 {
        let watermark = frontier
            .iter()
            .map(StreamTime::watermark)
            .chain(self.waiting_watermark())
            .min()
            .unwrap_or(i64::MAX);
        if watermark < i64::MAX {
            strom_core::metrics::report_watermark(address, watermark);
        }
        watermark
    }

    /// Whether nothing waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }
}

#[cfg(test)]
mod tests {
    //! Against a reference that keeps every waiting time: the same messages come out,
    //! in the same order, each with what is retained at its own time, the watermarks
    //! agree, and at most one thing is retained per waiting epoch.

    use std::cell::Cell;
    use std::rc::Rc;

    use proptest::prelude::*;
    use strom_core::timely::progress::frontier::Antichain;

    use super::*;

    /// A retained time that counts how many exist.
    struct Counted {
        time: StreamTime,
        live: Rc<Cell<usize>>,
    }

    impl Counted {
        fn new(time: StreamTime, live: &Rc<Cell<usize>>) -> Self {
            live.set(live.get() + 1);
            Counted {
                time,
                live: live.clone(),
            }
        }
    }

    impl Drop for Counted {
        fn drop(&mut self) {
            self.live.set(self.live.get() - 1);
        }
    }

    impl Retained for Counted {
        fn time(&self) -> StreamTime {
            self.time
        }

        fn delayed(&self, time: &StreamTime) -> Self {
            assert!(
                self.time.less_equal(time),
                "{time:?} before {:?}",
                self.time
            );
            Counted::new(*time, &self.live)
        }
    }

    fn time(epoch: u64, watermark: i64) -> StreamTime {
        StreamTime::at_watermark(epoch, watermark)
    }

    /// Steps: a message `(epoch, watermark, record)`, or the frontier moving to
    /// `(epoch, watermark)`, after which everything ready is taken.
    #[derive(Clone, Debug)]
    enum Step {
        Message(u64, i64, u32),
        Frontier(u64, i64),
    }

    fn steps() -> impl Strategy<Value = Vec<Step>> {
        prop::collection::vec(
            prop_oneof![
                3 => (0u64..3, 0i64..20, any::<u32>()).prop_map(|(e, w, r)| Step::Message(e, w, r)),
                1 => (0u64..3, 0i64..20).prop_map(|(e, w)| Step::Frontier(e, w)),
            ],
            0..60,
        )
    }

    proptest! {
        #[test]
        fn taken_in_the_same_order_as_a_map_of_every_waiting_time(steps in steps()) {
            let live = Rc::new(Cell::new(0));
            let mut ordered: TimeOrdered<Counted, u32> = TimeOrdered::default();
            let mut reference: BTreeMap<StreamTime, Vec<u32>> = BTreeMap::new();
            // The frontier only moves forward, and a message is never before it.
            let mut frontier = time(0, -1);
            for step in steps {
                match step {
                    Step::Message(e, w, r) => {
                        let t = time(e.max(frontier.epoch), w.max(frontier.watermark()));
                        ordered.push(t, || Counted::new(t, &live), &mut vec![r]);
                        reference.entry(t).or_default().push(r);
                    }
                    Step::Frontier(e, w) => {
                        frontier = time(e.max(frontier.epoch), w.max(frontier.watermark()));
                    }
                }
                let f = Antichain::from_elem(frontier);
                let least = reference.keys().map(StreamTime::watermark).min();
                prop_assert_eq!(ordered.waiting_watermark(), least);
                prop_assert_eq!(
                    ordered.open_epoch(f.borrow()),
                    reference.keys().next().map(|t| t.epoch).into_iter()
                        .chain([frontier.epoch]).min()
                );
                while let Some((t, at, records)) = ordered.pop_ready(f.borrow()) {
                    let (expected, rows) = reference.pop_first().expect("the reference waits");
                    prop_assert_eq!(t, expected);
                    prop_assert_eq!(at.time(), t);
                    prop_assert_eq!(records, rows);
                }
                if let Some(t) = reference.keys().next() {
                    // What still waits is not ready.
                    prop_assert!(frontier.less_than(t) || frontier.epoch < t.epoch);
                }
                let epochs = reference.keys().map(|t| t.epoch).collect::<std::collections::BTreeSet<_>>();
                prop_assert_eq!(live.get(), epochs.len());
            }
        }
    }
}
