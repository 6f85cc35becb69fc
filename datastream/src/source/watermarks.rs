//! A split's event-time keeping: stamping records, its watermark, idleness, and what
//! it tells the other splits ([`Standing`]) through the source's feedback loop.
//!
//! An idle split (no records for the strategy's idleness timeout) must not hold the
//! minimum watermark back: it moves up to the least watermark among the active splits;
//! when records come again it sends them at that watermark and becomes active.

use serde::{Deserialize, Serialize};
use strom_core::time::ProcessingClock;

use super::reader::{Reached, Timestamps};
use crate::stream::Timestamped;
use crate::watermark::WatermarkStrategy;

/// A split's standing as the other splits hear of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum Standing {
    Active(i64),
    Idle,
    Done,
}

/// A split's timekeeping.
pub(super) struct Split<T> {
    pub(super) strategy: WatermarkStrategy,
    pub(super) clock: ProcessingClock,
    pub(super) timestamps: Timestamps<T>,
    max_seen: Option<i64>,
    /// How far the reader says its event time has come (its inputs' least).
    pub(super) reached: Reached,
    /// Processing time of the last record read.
    last_record: Option<i64>,
    /// Processing time the watermark last moved.
    last_emit: i64,
    /// What the other splits were last told.
    standing: Option<Standing>,
    /// This split's index.
    me: usize,
    /// What the other splits said (`None`: nothing yet, which holds like a split at
    /// the start of time).
    others: Vec<Option<Standing>>,
}

impl<T> Split<T> {
    /// Split `me` of `peers`, nothing read yet.
    pub(super) fn new(
        strategy: WatermarkStrategy,
        clock: ProcessingClock,
        timestamps: Timestamps<T>,
        (me, peers): (usize, usize),
    ) -> Self {
        Split {
            strategy,
            clock,
            timestamps,
            max_seen: None,
            reached: Reached::Greatest,
            last_record: None,
            last_emit: i64::MIN,
            standing: None,
            me,
            others: vec![None; peers],
        }
    }

    /// Takes what another split said.
    pub(super) fn heard(&mut self, from: usize, standing: Standing) {
        if from != self.me {
            self.others[from] = Some(standing);
        }
    }

    /// Stamps a batch read at `now` with event times.
    pub(super) fn stamp<'a>(
        &'a mut self,
        batch: &'a mut Vec<T>,
        now: i64,
    ) -> impl Iterator<Item = Timestamped<T>> + 'a {
        self.last_record = Some(now);
        batch.drain(..).map(move |value| {
            let ts = match &self.timestamps {
                Timestamps::Event(f) => f(&value),
                Timestamps::Ingestion => now,
            };
            self.max_seen = Some(self.max_seen.map_or(ts, |m| m.max(ts)));
            Timestamped { ts, value }
        })
    }

    /// The split's own watermark at `now`.
    pub(super) fn watermark(&self, now: i64) -> i64 {
        match self.timestamps {
            Timestamps::Event(_) => self.strategy.watermark(match self.reached {
                Reached::Greatest => self.max_seen,
                Reached::Least(least) => least.zip(self.max_seen).map(|(l, m)| l.min(m)),
            }),
            Timestamps::Ingestion => now - 1,
        }
    }

    /// Whether records carry their own event time (not the clock's).
    pub(super) fn in_event_time(&self) -> bool {
        matches!(self.timestamps, Timestamps::Event(_))
    }

    /// The split's standing at `now`, `done` when its input has ended.
    pub(super) fn standing(&self, now: i64, done: bool) -> Standing {
        if done {
            Standing::Done
        } else if self.is_idle(now) {
            Standing::Idle
        } else {
            Standing::Active(self.watermark(now))
        }
    }

    fn is_idle(&self, now: i64) -> bool {
        match (self.strategy.idleness_ms(), &self.timestamps) {
            (Some(timeout), Timestamps::Event(_)) => {
                let since = self.last_record.unwrap_or(i64::MIN);
                now.saturating_sub(since) >= timeout
            }
            _ => false,
        }
    }

    /// Whether the watermark is due to move at `now`: every read of stored data
    /// (`paced_by_records`), else on the auto-watermark interval (ms).
    pub(super) fn due(&self, now: i64, paced_by_records: bool, interval: i64) -> bool {
        paced_by_records || now.saturating_sub(self.last_emit) >= interval
    }

    /// The watermark to move to for `standing` (`None`: stay), noting that it moved.
    pub(super) fn next_watermark(
        &mut self,
        standing: Standing,
        due: bool,
        now: i64,
    ) -> Option<i64> {
        let target = match standing {
            Standing::Active(w) => Some(w).filter(|_| due),
            Standing::Idle => self.least_active_other(),
            Standing::Done => None,
        };
        if target.is_some() {
            self.last_emit = now;
        }
        target
    }

    /// Whether the other splits must hear of `standing`: at once when it changes kind,
    /// and a new watermark on the interval. Notes it as told when so.
    pub(super) fn tell(&mut self, standing: Standing, due: bool) -> bool {
        let changed = match (self.standing, standing) {
            (Some(Standing::Active(_)), Standing::Active(_)) => {
                due && self.standing != Some(standing)
            }
            (before, now) => before != Some(now),
        };
        if changed {
            self.standing = Some(standing);
        }
        changed
    }

    /// How long to wait before looking again when the reader asked for `after`: in
    /// time to move the watermark on the interval and to notice idleness.
    pub(super) fn wait(
        &self,
        after: std::time::Duration,
        due: bool,
        interval: std::time::Duration,
    ) -> std::time::Duration {
        match (&self.strategy.idleness(), &self.timestamps) {
            (_, Timestamps::Ingestion) | (Some(_), _) => after.min(interval),
            _ if !due => after.min(interval),
            _ => after,
        }
    }

    /// The least watermark among the other splits that are active (`None` when all
    /// are idle or done: then nothing moves, as in Flink).
    fn least_active_other(&self) -> Option<i64> {
        let mut least: Option<i64> = None;
        for (_, other) in self
            .others
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != self.me)
        {
            let w = match other {
                None => return Some(i64::MIN),
                Some(Standing::Active(w)) => *w,
                Some(_) => continue,
            };
            least = Some(least.map_or(w, |l| l.min(w)));
        }
        least
    }
}
