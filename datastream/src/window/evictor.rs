//! Evictors (Flink's `Evictor`): remove elements of a firing window before and/or after
//! the window function runs. A window with an evictor keeps its elements (an
//! incremental aggregate over it is computed at each firing), as in Flink's
//! `EvictingWindowOperator`.

use super::assigner::Window;

/// Removes elements of a firing window before and/or after the window function.
/// Elements are `(event time, element)` in arrival order (merged sessions: the
/// elements of each merged window in turn).
pub trait Evictor<T>: 'static {
    /// Before the window function.
    fn evict_before(&self, elements: &mut Vec<(i64, T)>, window: Window) {
        let _ = (elements, window);
    }

    /// After the window function; what is left stays in the window.
    fn evict_after(&self, elements: &mut Vec<(i64, T)>, window: Window) {
        let _ = (elements, window);
    }
}

/// No eviction.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoEvictor;

impl<T> Evictor<T> for NoEvictor {}

/// Keeps the last `keep` elements (Flink's `CountEvictor`), before the function.
#[derive(Clone, Copy, Debug)]
pub struct CountEvictor {
    /// Elements kept.
    pub keep: usize,
}

impl CountEvictor {
    /// Keeps the last `keep` elements (Flink's `CountEvictor.of`).
    pub fn of(keep: usize) -> Self {
        CountEvictor { keep }
    }
}

impl<T> Evictor<T> for CountEvictor {
    fn evict_before(&self, elements: &mut Vec<(i64, T)>, _: Window) {
        let extra = elements.len().saturating_sub(self.keep);
        elements.drain(..extra);
    }
}

/// Keeps the elements within a length of time of the latest element's time (Flink's
/// `TimeEvictor`), before the function.
#[derive(Clone, Copy, Debug)]
pub struct TimeEvictor {
    /// How far back from the latest element to keep (ms).
    keep_ms: i64,
}

impl TimeEvictor {
    /// Keeps the elements within `keep` of the latest (Flink's
    /// `TimeEvictor.of(Duration)`).
    ///
    /// # Panics
    /// When `keep` is not whole milliseconds.
    pub fn of(keep: std::time::Duration) -> Self {
        TimeEvictor {
            keep_ms: strom_core::time::millis(keep),
        }
    }
}

impl<T> Evictor<T> for TimeEvictor {
    fn evict_before(&self, elements: &mut Vec<(i64, T)>, _: Window) {
        if let Some(latest) = elements.iter().map(|e| e.0).max() {
            elements.retain(|e| e.0 > latest - self.keep_ms);
        }
    }
}

/// Removes, after the function, the elements it has seen: each firing sees only the
/// elements that came since the last one (Flink's `CountEvictor.of(0, true)` idiom).
#[derive(Clone, Copy, Debug, Default)]
pub struct SeenEvictor;

impl<T> Evictor<T> for SeenEvictor {
    fn evict_after(&self, elements: &mut Vec<(i64, T)>, _: Window) {
        elements.clear();
    }
}
