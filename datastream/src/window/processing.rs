//! Processing-time windows (Flink's `TumblingProcessingTimeWindows`,
//! `SlidingProcessingTimeWindows`): a record joins the windows holding the processing
//! time at which it is handled, and a window fires once the clock has passed it (reads
//! its `end`); its result carries event time `end - 1`. Built as a keyed process
//! function: accumulators in map state by window, a processing-time timer per window.
//! As in Flink, windows still open when the input ends do not fire.
//!
//! A window fires exactly once: its timer is at `end`, so a record handled in the
//! window's last millisecond still joins it, and the clock, which never goes back, puts
//! every record handled after the firing into a later window. (With the timer at
//! `end - 1`, as first built, a record handled later in that millisecond opened a
//! second copy of the window, which fired again: issue 17.)

use std::hash::Hash;
use std::time::Duration;

use strom_core::time::millis;

use super::{
    Assigner, Kind, NoEvictor, ProcessingTimeTrigger, WindowResult, WindowSpec, sliding_windows,
};
use crate::process::{Context, KeyedProcessFunction, MapState, ValueState};
use crate::stream::{Data, DataStream, KeyedStream};

/// A keyed stream cut into processing-time windows.
pub struct ProcessingTimeWindows<'s, T, K> {
    keyed: KeyedStream<'s, T, K>,
    size: i64,
    slide: i64,
}

impl<'s, T: Data, K: Data + Hash + Eq> KeyedStream<'s, T, K> {
    /// Tumbling processing-time windows of `size`.
    ///
    /// # Panics
    /// When `size` is zero or not whole milliseconds.
    pub fn tumbling_processing_window(&self, size: Duration) -> ProcessingTimeWindows<'s, T, K> {
        self.sliding_processing_window(size, size)
    }

    /// Sliding processing-time windows of `size`, one starting every `slide`.
    ///
    /// # Panics
    /// When a length is zero or not whole milliseconds.
    pub fn sliding_processing_window(
        &self,
        size: Duration,
        slide: Duration,
    ) -> ProcessingTimeWindows<'s, T, K> {
        let (size_ms, slide_ms) = (millis(size), millis(slide));
        assert!(
            size_ms > 0 && slide_ms > 0,
            "window size and slide must be positive, not {size_ms} and {slide_ms}"
        );
        ProcessingTimeWindows {
            keyed: KeyedStream {
                stream: self.stream.clone(),
                key: self.key.clone(),
            },
            size: size_ms,
            slide: slide_ms,
        }
    }
}

impl<T: Data, K> ProcessingTimeWindows<'_, T, K> {
    /// These windows as a spec with the default trigger.
    fn spec(&self) -> WindowSpec<T, ProcessingTimeTrigger, NoEvictor> {
        let assigner = Assigner(Kind::ProcessingSliding {
            size: self.size,
            slide: self.slide,
        });
        WindowSpec::new(assigner, ProcessingTimeTrigger)
    }
}

super::windowed::to_windowed!(ProcessingTimeWindows, ProcessingTimeTrigger);

impl<T: Data, K> ProcessingTimeSessions<'_, T, K> {
    /// These windows as a spec with the default trigger.
    fn spec(&self) -> WindowSpec<T, ProcessingTimeTrigger, NoEvictor> {
        let assigner = Assigner(Kind::ProcessingSession { gap: self.gap });
        WindowSpec::new(assigner, ProcessingTimeTrigger)
    }
}

super::windowed::to_windowed!(ProcessingTimeSessions, ProcessingTimeTrigger);

/// An incremental aggregation: a fresh accumulator, adding a record, the result.
struct Aggregation<T, A, O> {
    init: Box<dyn Fn() -> A>,
    add: super::driver::AddFn<A, T>,
    finish: Box<dyn Fn(A) -> O>,
}

impl<T, A, O> Aggregation<T, A, O> {
    fn new(
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> Self {
        Aggregation {
            init: Box::new(init),
            add: Box::new(add),
            finish: Box::new(finish),
        }
    }
}

struct WindowFn<T, A, O> {
    size: i64,
    slide: i64,
    windows: MapState<i64, A>,
    agg: Aggregation<T, A, O>,
}

impl<T: 'static, K: Data + Hash + Eq, A: Data, O: Data> KeyedProcessFunction<K, T>
    for WindowFn<T, A, O>
{
    type Out = WindowResult<K, O>;
    type Side = ();

    fn process_element(&mut self, value: T, ctx: &mut Context<'_, K, Self::Out, ()>) {
        let now = ctx.current_processing_time();
        for (_, end) in sliding_windows(now, self.size, self.slide) {
            let mut acc = self
                .windows
                .get(ctx, &end)
                .unwrap_or_else(|| (self.agg.init)());
            (self.agg.add)(&mut acc, &value);
            self.windows.put(ctx, end, acc);
            ctx.register_processing_time_timer(end);
        }
    }

    fn on_timer(&mut self, end: i64, ctx: &mut Context<'_, K, Self::Out, ()>) {
        if let Some(acc) = self.windows.get(ctx, &end) {
            self.windows.remove(ctx, &end);
            let result = WindowResult {
                key: ctx.key().clone(),
                start: end - self.size,
                end,
                value: (self.agg.finish)(acc),
            };
            ctx.collect_at(end - 1, result);
        }
    }
}

/// Processing-time session windows of a keyed stream.
pub struct ProcessingTimeSessions<'s, T, K> {
    keyed: KeyedStream<'s, T, K>,
    gap: i64,
}

impl<'s, T: Data, K: Data + Hash + Eq> KeyedStream<'s, T, K> {
    /// Session windows in processing time closing after `gap` without records
    /// (Flink's `ProcessingTimeSessionWindows.withGap`).
    ///
    /// # Panics
    /// When `gap` is zero or not whole milliseconds.
    pub fn processing_session_window(&self, gap: Duration) -> ProcessingTimeSessions<'s, T, K> {
        let gap_ms = millis(gap);
        assert!(gap_ms > 0, "a session gap must be positive, not {gap_ms}");
        ProcessingTimeSessions {
            keyed: KeyedStream {
                stream: self.stream.clone(),
                key: self.key.clone(),
            },
            gap: gap_ms,
        }
    }
}

/// A key's open session: `(start, end, accumulator)`. Processing time only moves on,
/// so a key has one open session, which a record either extends or follows.
struct SessionFn<T, A, O> {
    gap: i64,
    open: ValueState<(i64, i64, A)>,
    agg: Aggregation<T, A, O>,
}

impl<T: 'static, A: Data, O: Data> SessionFn<T, A, O> {
    fn fire<K: Data + Hash + Eq>(&self, ctx: &mut Context<'_, K, WindowResult<K, O>, ()>) {
        if let Some((start, end, acc)) = self.open.value(ctx) {
            self.open.clear(ctx);
            let result = WindowResult {
                key: ctx.key().clone(),
                start,
                end,
                value: (self.agg.finish)(acc),
            };
            ctx.collect_at(end - 1, result);
        }
    }
}

impl<T: 'static, K: Data + Hash + Eq, A: Data, O: Data> KeyedProcessFunction<K, T>
    for SessionFn<T, A, O>
{
    type Out = WindowResult<K, O>;
    type Side = ();

    fn process_element(&mut self, value: T, ctx: &mut Context<'_, K, Self::Out, ()>) {
        let now = ctx.current_processing_time();
        let (start, mut acc) = match self.open.value(ctx) {
            Some((start, end, acc)) if now <= end => (start, acc),
            Some(_) => {
                // Its timer is due but has not run yet: the session is over.
                self.fire(ctx);
                (now, (self.agg.init)())
            }
            None => (now, (self.agg.init)()),
        };
        (self.agg.add)(&mut acc, &value);
        let end = now + self.gap;
        self.open.update(ctx, (start, end, acc));
        ctx.register_processing_time_timer(end - 1);
    }

    fn on_timer(&mut self, ts: i64, ctx: &mut Context<'_, K, Self::Out, ()>) {
        // Timers of sessions that were extended since are stale.
        if self
            .open
            .value(ctx)
            .is_some_and(|(_, end, _)| end - 1 == ts)
        {
            self.fire(ctx);
        }
    }
}

impl<'s, T: Data, K: Data + Hash + Eq> ProcessingTimeSessions<'s, T, K> {
    /// Aggregates each session incrementally.
    pub fn aggregate<A: Data, O: Data>(
        &self,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> DataStream<'s, WindowResult<K, O>> {
        self.keyed
            .process(SessionFn {
                gap: self.gap,
                open: ValueState::new("processing-session"),
                agg: Aggregation::new(init, add, finish),
            })
            .main
    }
}

impl<'s, T: Data, K: Data + Hash + Eq> ProcessingTimeWindows<'s, T, K> {
    /// Aggregates each window incrementally: `init` per key and window, `add` per
    /// record, `finish` when the window fires.
    pub fn aggregate<A: Data, O: Data>(
        &self,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> DataStream<'s, WindowResult<K, O>> {
        self.keyed
            .process(WindowFn {
                size: self.size,
                slide: self.slide,
                windows: MapState::new("processing-windows"),
                agg: Aggregation::new(init, add, finish),
            })
            .main
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::KeyedProcessHarness;

    /// Tumbling processing-time windows of `size` ms counting records.
    fn counting(size: i64) -> WindowFn<char, u64, u64> {
        WindowFn {
            size,
            slide: size,
            windows: MapState::new("processing-windows"),
            agg: Aggregation::new(|| 0, |n: &mut u64, _: &char| *n += 1, |n| n),
        }
    }

    /// Issue 17: the clock reaches a window's last millisecond, the operator fires its
    /// due timers, and a record handled later in that same millisecond still belongs to
    /// the window. Exactly one result per window, counting every record handled while
    /// the clock was in it.
    #[test]
    fn issue_17_a_processing_time_window_fires_once() {
        let mut h = KeyedProcessHarness::new(counting(10), |c: &char| *c);
        h.set_processing_time(3);
        h.process_element(0, 'a');
        h.set_processing_time(9);
        h.process_element(0, 'a');
        h.set_processing_time(10);
        h.process_element(0, 'a');
        h.set_processing_time(25);
        let fired: Vec<(i64, i64, i64, u64)> = h
            .take_output()
            .into_iter()
            .map(|(ts, w)| (ts, w.start, w.end, w.value))
            .collect();
        assert_eq!(fired, [(9, 0, 10, 2), (19, 10, 20, 1)]);
    }
}
