//! Input taken in time order: messages wait, merged by time, until no frontier element
//! is earlier than their time (so each is handled at the watermark of its own time, as
//! in a Flink channel; `docs/0008-stream-time.md`). Shared by the window and process
//! operators.

use std::collections::BTreeMap;

use strom_core::time::StreamTime;
use strom_core::timely::PartialOrder;
use strom_core::timely::progress::frontier::AntichainRef;

/// Waiting records by time, each time with what the operator retained for it (its
/// output capabilities).
pub(crate) struct TimeOrdered<C, T> {
    waiting: BTreeMap<StreamTime, (C, Vec<T>)>,
}

impl<C, T> Default for TimeOrdered<C, T> {
    fn default() -> Self {
        TimeOrdered {
            waiting: BTreeMap::new(),
        }
    }
}

impl<C, T> TimeOrdered<C, T> {
    /// Adds a message of `time`; `retain` is called for the first message of a time.
    pub(crate) fn push(
        &mut self,
        time: StreamTime,
        retain: impl FnOnce() -> C,
        records: &mut Vec<T>,
    ) {
        let (_, waiting) = self
            .waiting
            .entry(time)
            .or_insert_with(|| (retain(), Vec::new()));
        if waiting.is_empty() {
            std::mem::swap(waiting, records);
        } else {
            waiting.append(records);
        }
    }

    /// The earliest waiting time no frontier element is earlier than, with its records.
    /// Epochs are taken one at a time: a message of epoch `e + 1` also waits until no
    /// frontier element has an earlier epoch (the alignment of checkpoints,
    /// `docs/0009-checkpoints.md`), even if its event time is below theirs.
    pub(crate) fn pop_ready(
        &mut self,
        frontier: AntichainRef<'_, StreamTime>,
    ) -> Option<(StreamTime, C, Vec<T>)> {
        let entry = self.waiting.first_entry()?;
        let t = entry.key();
        if frontier.iter().any(|f| f.less_than(t) || f.epoch < t.epoch) {
            return None;
        }
        let time = *entry.key();
        let (retained, records) = entry.remove();
        Some((time, retained, records))
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
        let waiting = self.waiting.keys().map(StreamTime::watermark).min();
        let open = frontier.iter().map(StreamTime::watermark).min();
        [Some(time.watermark()), waiting, open]
            .into_iter()
            .flatten()
            .min()
            .expect("its own")
    }

    /// The least epoch still open: of a frontier element or a waiting message
    /// (`None` when the input has ended and nothing waits).
    pub(crate) fn open_epoch(&self, frontier: AntichainRef<'_, StreamTime>) -> Option<u64> {
        let waiting = self.waiting.keys().next().map(|t| t.epoch);
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
        let waiting = self.waiting.keys().map(StreamTime::watermark);
        let watermark = frontier
            .iter()
            .map(StreamTime::watermark)
            .chain(waiting)
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
