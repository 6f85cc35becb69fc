//! Flow control of a source split (`docs/0010-state-backends.md`): the split reads on
//! only while the operators after it are less than [`crate::MAX_LEAD`] of event
//! time behind what it has read; the time it is held back counts as backpressure in
//! the job's metrics.

use std::time::Instant;

use strom_core::time::StreamTime;

use super::metrics::SourceMetrics;
use crate::flow::Flow;

/// A split's flow control.
pub(super) struct Pacing {
    flow: Flow,
    held_since: Option<Instant>,
}

impl Pacing {
    /// Flow control by `flow` (the job's watch on its stateful operators).
    pub(super) fn new(flow: Flow) -> Self {
        Pacing {
            flow,
            held_since: None,
        }
    }

    /// Whether a split that has read up to `read_to` must wait for the operators after
    /// it; reports the time it was held since the last call to `metrics`.
    pub(super) fn holds(&mut self, read_to: &StreamTime, metrics: &SourceMetrics) -> bool {
        if let Some(since) = self.held_since.take() {
            metrics.blocked(since.elapsed().as_nanos() as u64);
        }
        let held = self.flow.holds(read_to);
        if held {
            self.held_since = Some(Instant::now());
        }
        held
    }

    /// Whether a held split is held only by the watermark it has not sent: the
    /// operators after it have handled everything before `sent`, its own time.
    pub(super) fn only_by_itself(&self, sent: &StreamTime) -> bool {
        self.flow.caught_up(sent)
    }
}
