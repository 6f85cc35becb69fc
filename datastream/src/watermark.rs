//! Watermark strategies (Flink's `WatermarkStrategy`): how a source turns the event
//! times it has seen into a watermark.

/// How a source computes its watermark from the largest event time seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatermarkStrategy {
    /// Event times never decrease: the watermark is the largest seen minus 1 ms.
    Monotonous,
    /// Event times lag the largest seen by at most this many ms: the watermark is the
    /// largest seen minus the bound minus 1 ms (Flink's `forBoundedOutOfOrderness`).
    BoundedOutOfOrderness(i64),
}

impl WatermarkStrategy {
    /// The watermark after event times up to `max_seen` (`None` before any record).
    pub fn watermark(self, max_seen: Option<i64>) -> i64 {
        let Some(max) = max_seen else {
            return i64::MIN;
        };
        match self {
            WatermarkStrategy::Monotonous => max.saturating_sub(1),
            WatermarkStrategy::BoundedOutOfOrderness(bound) => {
                max.saturating_sub(bound).saturating_sub(1)
            }
        }
    }
}
