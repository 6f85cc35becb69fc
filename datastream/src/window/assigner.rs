//! Window assigners (Flink's `WindowAssigner`): which windows an element belongs to,
//! on which clock, and whether a key's windows merge.
//!
//! Tumbling and sliding windows are aligned to the Unix epoch on either clock; a
//! session window is `[t, t + gap)` around each element and merges with every window
//! of its key it overlaps or touches; the global window is all of time (count windows
//! are global windows with a count trigger). Event-time assigners place an element by
//! its event time, processing-time ones by the clock when it is handled.

use std::time::Duration;

use strom_core::time::millis;

use super::sliding_windows;

/// A window's bounds: `[start, end)`; the global window is the whole of time.
pub type Window = (i64, i64);

/// The one window of a global window assigner.
pub const GLOBAL: Window = (i64::MIN, i64::MAX);

/// Which windows an element belongs to (Flink's `WindowAssigner`).
///
/// Built from [`Duration`]s with [`Assigner::tumbling`], [`Assigner::sliding`],
/// [`Assigner::session`], [`Assigner::processing_sliding`],
/// [`Assigner::processing_session`], or [`Assigner::global`]; the lengths inside
/// are the internal milliseconds (0008, "Time in the API").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assigner(pub(crate) Kind);

/// The assigners, with their lengths in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// One window per key for all time (Flink's `GlobalWindows`).
    Global,
    /// Event-time windows of `size` ms every `slide` ms (tumbling when equal).
    Sliding { size: i64, slide: i64 },
    /// Event-time sessions: `[t, t + gap)` per element, merged when they overlap or
    /// touch (Flink's `EventTimeSessionWindows`).
    Session { gap: i64 },
    /// Processing-time windows of `size` ms every `slide` ms.
    ProcessingSliding { size: i64, slide: i64 },
    /// Processing-time sessions (Flink's `ProcessingTimeSessionWindows`).
    ProcessingSession { gap: i64 },
}

impl Assigner {
    /// One window per key for all time (Flink's `GlobalWindows.create`); it fires
    /// only by its trigger.
    pub fn global() -> Self {
        Assigner(Kind::Global)
    }

    /// Event-time tumbling windows of `size` (Flink's `TumblingEventTimeWindows.of`).
    ///
    /// # Panics
    /// When `size` is not whole milliseconds (see [`millis`]).
    pub fn tumbling(size: Duration) -> Self {
        Self::sliding(size, size)
    }

    /// Event-time windows of `size` every `slide` (Flink's `SlidingEventTimeWindows.of`).
    ///
    /// # Panics
    /// When a length is not whole milliseconds.
    pub fn sliding(size: Duration, slide: Duration) -> Self {
        Assigner(Kind::Sliding {
            size: millis(size),
            slide: millis(slide),
        })
    }

    /// Event-time sessions closing after `gap` (Flink's
    /// `EventTimeSessionWindows.withGap`).
    ///
    /// # Panics
    /// When `gap` is not whole milliseconds.
    pub fn session(gap: Duration) -> Self {
        Assigner(Kind::Session { gap: millis(gap) })
    }

    /// Processing-time windows of `size` every `slide` (tumbling when equal).
    ///
    /// # Panics
    /// When a length is not whole milliseconds.
    pub fn processing_sliding(size: Duration, slide: Duration) -> Self {
        Assigner(Kind::ProcessingSliding {
            size: millis(size),
            slide: millis(slide),
        })
    }

    /// Processing-time sessions closing after `gap`.
    ///
    /// # Panics
    /// When `gap` is not whole milliseconds.
    pub fn processing_session(gap: Duration) -> Self {
        Assigner(Kind::ProcessingSession { gap: millis(gap) })
    }

    /// Whether windows are placed and closed by event time (and can be late).
    pub fn is_event_time(&self) -> bool {
        matches!(self.0, Kind::Sliding { .. } | Kind::Session { .. })
    }

    /// Whether a key's windows merge (sessions).
    pub fn is_merging(&self) -> bool {
        matches!(
            self.0,
            Kind::Session { .. } | Kind::ProcessingSession { .. }
        )
    }

    /// Calls `f` with each window of an element of event time `ts` handled at
    /// processing time `now` (latest first for sliding windows).
    pub fn assign(&self, ts: i64, now: i64, mut f: impl FnMut(Window)) {
        match self.0 {
            Kind::Global => f(GLOBAL),
            Kind::Sliding { size, slide } => sliding_windows(ts, size, slide).for_each(f),
            Kind::ProcessingSliding { size, slide } => {
                sliding_windows(now, size, slide).for_each(f);
            }
            Kind::Session { gap } => f((ts, ts.saturating_add(gap))),
            Kind::ProcessingSession { gap } => f((now, now.saturating_add(gap))),
        }
    }

    /// Checks the lengths.
    ///
    /// # Panics
    /// When a size, slide or gap is not positive.
    pub(crate) fn validate(&self) {
        let ok = match self.0 {
            Kind::Global => true,
            Kind::Sliding { size, slide } | Kind::ProcessingSliding { size, slide } => {
                size > 0 && slide > 0
            }
            Kind::Session { gap } | Kind::ProcessingSession { gap } => gap > 0,
        };
        assert!(ok, "window lengths must be positive: {self:?}");
    }
}

/// Whether two windows overlap or touch (Flink's `TimeWindow.intersects`), so that
/// session windows merge.
pub(crate) fn touches(a: Window, b: Window) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}
