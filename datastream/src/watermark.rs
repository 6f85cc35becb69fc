//! Watermark strategies (Flink's `WatermarkStrategy`): how a source split turns the
//! event times it has seen into a watermark, and when a split counts as idle.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use strom_core::time::millis;

/// Computes a watermark from the largest event time seen (custom strategies).
pub(crate) type WatermarkFn = Arc<dyn Fn(i64) -> i64 + Send + Sync>;

#[derive(Clone)]
enum Generator {
    Monotonous,
    Bounded(i64),
    Custom(WatermarkFn),
}

/// How a source computes its watermark, and after how long without records a split
/// stops holding the watermark back.
#[derive(Clone)]
pub struct WatermarkStrategy {
    generator: Generator,
    idleness: Option<i64>,
}

impl fmt::Debug for WatermarkStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let generator = match &self.generator {
            Generator::Monotonous => "monotonous".to_string(),
            Generator::Bounded(b) => format!("bounded out-of-orderness {b} ms"),
            Generator::Custom(_) => "custom".to_string(),
        };
        f.debug_struct("WatermarkStrategy")
            .field("generator", &generator)
            .field("idleness", &self.idleness)
            .finish()
    }
}

impl WatermarkStrategy {
    /// Event times never decrease: the watermark is the largest seen minus 1 ms
    /// (Flink's `forMonotonousTimestamps`).
    pub fn monotonous() -> Self {
        Self::from(Generator::Monotonous)
    }

    /// Event times lag the largest seen by at most `bound`: the watermark is the
    /// largest seen minus the bound minus 1 ms (Flink's
    /// `forBoundedOutOfOrderness(Duration)`).
    ///
    /// # Panics
    /// When `bound` is not whole milliseconds.
    pub fn bounded_out_of_orderness(bound: Duration) -> Self {
        Self::from(Generator::Bounded(millis(bound)))
    }

    /// The watermark is `f(largest event time seen)` (made non-decreasing by the
    /// source).
    pub fn custom(f: impl Fn(i64) -> i64 + Send + Sync + 'static) -> Self {
        Self::from(Generator::Custom(Arc::new(f)))
    }

    /// A split without records for `timeout` of processing time is idle: the
    /// watermark moves on with the other splits, and the split joins again at their
    /// watermark when records come (Flink's `withIdleness(Duration)`).
    ///
    /// # Panics
    /// When `timeout` is not whole milliseconds.
    #[must_use]
    pub fn with_idleness(mut self, timeout: Duration) -> Self {
        self.idleness = Some(millis(timeout));
        self
    }

    fn from(generator: Generator) -> Self {
        WatermarkStrategy {
            generator,
            idleness: None,
        }
    }

    /// The idleness timeout, if any.
    pub fn idleness(&self) -> Option<Duration> {
        self.idleness
            .map(|ms| Duration::from_millis(ms.max(0) as u64))
    }

    /// The idleness timeout in ms, if any.
    pub(crate) fn idleness_ms(&self) -> Option<i64> {
        self.idleness
    }

    /// The watermark after event times up to `max_seen` (`None` before any record).
    pub fn watermark(&self, max_seen: Option<i64>) -> i64 {
        let Some(max) = max_seen else {
            return i64::MIN;
        };
        match &self.generator {
            Generator::Monotonous => max.saturating_sub(1),
            Generator::Bounded(bound) => max.saturating_sub(*bound).saturating_sub(1),
            Generator::Custom(f) => f(max),
        }
    }
}
