//! Triggers (Flink's `Trigger`): when a window fires and when its contents are purged.
//!
//! A trigger sees every element that joins a window and every timer it set for it,
//! through a [`TriggerContext`] that registers and deletes event- and processing-time
//! timers of that window and gives the watermark and the clock. It keeps a typed state
//! per key and window (`Trigger::State`), checkpointed with the window. On merging
//! windows (sessions) a trigger says whether it can merge and, in
//! [`Trigger::on_merge`], makes the merged window's state and timers from those of the
//! windows merged. Unlike Flink, a trigger has no `clear`: a window's timers and
//! trigger state are dropped with the window by the operator.
//!
//! Built in: [`EventTimeTrigger`] (the default of event-time windows),
//! [`ProcessingTimeTrigger`], [`CountTrigger`], [`ContinuousEventTimeTrigger`],
//! [`ContinuousProcessingTimeTrigger`], [`PurgingTrigger`], [`DeltaTrigger`] and
//! [`NeverTrigger`] (the default of global windows).

use std::hash::Hash;
use std::marker::PhantomData;
use std::rc::Rc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use strom_core::time::millis;

use super::assigner::Window;
use crate::stream::Data;

/// What a trigger decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerResult {
    /// Nothing.
    Continue,
    /// Run the window function on the window's contents.
    Fire,
    /// Drop the window's contents.
    Purge,
    /// Fire, then purge.
    FireAndPurge,
}

impl TriggerResult {
    /// Whether the window function runs.
    pub fn fires(self) -> bool {
        matches!(self, TriggerResult::Fire | TriggerResult::FireAndPurge)
    }

    /// Whether the contents are dropped.
    pub fn purges(self) -> bool {
        matches!(self, TriggerResult::Purge | TriggerResult::FireAndPurge)
    }
}

/// The clock of a timer a trigger set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub(crate) enum Clock {
    /// Fires when the watermark reaches the time.
    Event,
    /// Fires when the processing clock reaches the time.
    Processing,
}

/// A timer: its clock and time.
pub(crate) type TimerAt = (Clock, i64);

/// The lifetime and output type a [`TriggerContext`] names without holding.
type Types<'a, O> = (&'a (), fn() -> O);

/// What a trigger sees of its operator for one window of one key: the window's timers,
/// the watermark and the clock. `K` is the key type; `O` is the operator's output
/// (unused by the context, kept so that triggers name one signature).
pub struct TriggerContext<'c, 'a, K, O> {
    key: &'c K,
    timers: &'c mut Vec<TimerAt>,
    watermark: i64,
    now: i64,
    _types: PhantomData<Types<'a, O>>,
}

impl<'c, K, O> TriggerContext<'c, '_, K, O> {
    /// The context of `key`'s window whose timers are `timers`.
    pub(crate) fn new(key: &'c K, timers: &'c mut Vec<TimerAt>, watermark: i64, now: i64) -> Self {
        TriggerContext {
            key,
            timers,
            watermark,
            now,
            _types: PhantomData,
        }
    }

    fn register(&mut self, timer: TimerAt) {
        if !self.timers.contains(&timer) {
            self.timers.push(timer);
        }
    }

    fn delete(&mut self, timer: TimerAt) {
        self.timers.retain(|t| *t != timer);
    }
}

impl<K: Hash + Eq + Clone, O> TriggerContext<'_, '_, K, O> {
    /// The window's key.
    pub fn key(&self) -> &K {
        self.key
    }

    /// Calls the trigger's `on_event_time` for this window when the watermark reaches
    /// `ts` (once per window and time).
    pub fn register_event_time_timer(&mut self, ts: i64) {
        self.register((Clock::Event, ts));
    }

    /// Deletes this window's event-time timer at `ts`.
    pub fn delete_event_time_timer(&mut self, ts: i64) {
        self.delete((Clock::Event, ts));
    }

    /// Calls the trigger's `on_processing_time` for this window when the clock reaches
    /// `ts`.
    pub fn register_processing_time_timer(&mut self, ts: i64) {
        self.register((Clock::Processing, ts));
    }

    /// Deletes this window's processing-time timer at `ts`.
    pub fn delete_processing_time_timer(&mut self, ts: i64) {
        self.delete((Clock::Processing, ts));
    }

    /// The current watermark.
    pub fn current_watermark(&self) -> i64 {
        self.watermark
    }

    /// The current processing time.
    pub fn current_processing_time(&self) -> i64 {
        self.now
    }
}

/// Decides when a window fires (Flink's `Trigger`). `State` is kept per key and window
/// and goes with the window; purging drops the window's contents, not this state.
///
/// Contract: a timer fires only the window that registered it, once; a window gone
/// (cleaned up past its allowed lateness, or merged into another) takes its timers
/// with it, so a trigger never deletes timers on cleanup.
pub trait Trigger<T>: 'static {
    /// Per key and window.
    type State: Data + Default;

    /// An element (at event time `ts`) joined `window`.
    fn on_element<K: Hash + Eq + Clone, O>(
        &self,
        element: &T,
        ts: i64,
        window: Window,
        state: &mut Self::State,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult;

    /// An event-time timer of `window` at `ts` fired.
    fn on_event_time<K: Hash + Eq + Clone, O>(
        &self,
        ts: i64,
        window: Window,
        state: &mut Self::State,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        let _ = (ts, window, state, ctx);
        TriggerResult::Continue
    }

    /// A processing-time timer of `window` at `ts` fired.
    fn on_processing_time<K: Hash + Eq + Clone, O>(
        &self,
        ts: i64,
        window: Window,
        state: &mut Self::State,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        let _ = (ts, window, state, ctx);
        TriggerResult::Continue
    }

    /// Whether the trigger works on merging windows (Flink's `canMerge`); session
    /// windows refuse a trigger that cannot.
    fn can_merge(&self) -> bool {
        false
    }

    /// Windows whose states are `merged` became `window` (Flink's `onMerge`): give the
    /// merged window's state and register its timers (the merged windows' timers are
    /// gone). Called only when [`Trigger::can_merge`].
    fn on_merge<K: Hash + Eq + Clone, O>(
        &self,
        window: Window,
        merged: Vec<Self::State>,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> Self::State {
        let _ = (window, merged, ctx);
        Self::State::default()
    }
}

/// Fires when the watermark passes the window's end, and at once for an element of a
/// window already past it (within the allowed lateness): the default of event-time
/// windows.
#[derive(Clone, Copy, Debug, Default)]
pub struct EventTimeTrigger;

impl<T> Trigger<T> for EventTimeTrigger {
    type State = ();

    fn on_element<K: Hash + Eq + Clone, O>(
        &self,
        _: &T,
        _: i64,
        window: Window,
        _: &mut (),
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        if window.1 - 1 <= ctx.current_watermark() {
            TriggerResult::Fire
        } else {
            ctx.register_event_time_timer(window.1 - 1);
            TriggerResult::Continue
        }
    }

    fn on_event_time<K: Hash + Eq + Clone, O>(
        &self,
        ts: i64,
        window: Window,
        _: &mut (),
        _: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        if ts == window.1 - 1 {
            TriggerResult::Fire
        } else {
            TriggerResult::Continue
        }
    }

    fn can_merge(&self) -> bool {
        true
    }

    fn on_merge<K: Hash + Eq + Clone, O>(
        &self,
        window: Window,
        _: Vec<()>,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) {
        if window.1 - 1 > ctx.current_watermark() {
            ctx.register_event_time_timer(window.1 - 1);
        }
    }
}

/// Fires when the processing clock reaches the window's end: the default of
/// processing-time windows. The timer is at `end`, not `end - 1` as in Flink, so a
/// window fires once (`processing.rs`, issue 17).
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessingTimeTrigger;

impl<T> Trigger<T> for ProcessingTimeTrigger {
    type State = ();

    fn on_element<K: Hash + Eq + Clone, O>(
        &self,
        _: &T,
        _: i64,
        window: Window,
        _: &mut (),
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        ctx.register_processing_time_timer(window.1);
        TriggerResult::Continue
    }

    fn on_processing_time<K: Hash + Eq + Clone, O>(
        &self,
        ts: i64,
        window: Window,
        _: &mut (),
        _: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        if ts == window.1 {
            TriggerResult::Fire
        } else {
            TriggerResult::Continue
        }
    }

    fn can_merge(&self) -> bool {
        true
    }

    fn on_merge<K: Hash + Eq + Clone, O>(
        &self,
        window: Window,
        _: Vec<()>,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) {
        ctx.register_processing_time_timer(window.1);
    }
}

/// Fires every `count` elements of a window (Flink's `CountTrigger`); with `purge`,
/// each firing also purges (as `countWindow` does).
#[derive(Clone, Copy, Debug)]
pub struct CountTrigger {
    /// Elements per firing.
    pub count: u64,
    /// Whether firing also purges.
    pub purge: bool,
}

impl CountTrigger {
    /// Fires every `count` elements, keeping the contents (Flink's
    /// `CountTrigger.of`).
    pub fn of(count: u64) -> Self {
        CountTrigger {
            count,
            purge: false,
        }
    }
}

impl<T> Trigger<T> for CountTrigger {
    type State = u64;

    fn on_element<K: Hash + Eq + Clone, O>(
        &self,
        _: &T,
        _: i64,
        _: Window,
        seen: &mut u64,
        _: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        *seen += 1;
        if *seen < self.count {
            return TriggerResult::Continue;
        }
        *seen = 0;
        if self.purge {
            TriggerResult::FireAndPurge
        } else {
            TriggerResult::Fire
        }
    }

    fn can_merge(&self) -> bool {
        true
    }

    /// The merged window has seen the elements of all (it fires on its next element
    /// if they reach the count, as Flink's does).
    fn on_merge<K: Hash + Eq + Clone, O>(
        &self,
        _: Window,
        merged: Vec<u64>,
        _: &mut TriggerContext<'_, '_, K, O>,
    ) -> u64 {
        merged.into_iter().sum()
    }
}

/// The next firing of a continuous trigger after `time`: a multiple of `interval`
/// past it, or the window's last millisecond `last` if that is sooner.
fn next_firing(time: i64, interval: i64, last: i64) -> i64 {
    time.saturating_add(interval).min(last)
}

/// A continuous trigger's interval in ms.
///
/// # Panics
/// When `interval` is zero or not whole milliseconds.
fn interval_ms(interval: Duration) -> i64 {
    let ms = millis(interval);
    assert!(ms > 0, "an interval must be positive");
    ms
}

/// Fires every `interval` ms of event time while the window is open, and when the
/// watermark passes its end (Flink's `ContinuousEventTimeTrigger`): the first firing
/// at the first multiple of `interval` after the window's first element. State: the
/// next firing time.
#[derive(Clone, Copy, Debug)]
pub struct ContinuousEventTimeTrigger {
    interval: i64,
}

impl ContinuousEventTimeTrigger {
    /// Fires every `interval` of event time (Flink's
    /// `ContinuousEventTimeTrigger.of(Duration)`).
    ///
    /// # Panics
    /// When `interval` is zero or not whole milliseconds.
    pub fn of(interval: Duration) -> Self {
        ContinuousEventTimeTrigger {
            interval: interval_ms(interval),
        }
    }
}

impl<T> Trigger<T> for ContinuousEventTimeTrigger {
    type State = Option<i64>;

    fn on_element<K: Hash + Eq + Clone, O>(
        &self,
        _: &T,
        ts: i64,
        window: Window,
        next: &mut Option<i64>,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        let last = window.1.saturating_sub(1);
        if last <= ctx.current_watermark() {
            return TriggerResult::Fire;
        }
        ctx.register_event_time_timer(last);
        if next.is_none() {
            let at = next_firing(ts - ts.rem_euclid(self.interval), self.interval, last);
            *next = Some(at);
            ctx.register_event_time_timer(at);
        }
        TriggerResult::Continue
    }

    fn on_event_time<K: Hash + Eq + Clone, O>(
        &self,
        ts: i64,
        window: Window,
        next: &mut Option<i64>,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        let last = window.1.saturating_sub(1);
        if ts == last {
            return TriggerResult::Fire;
        }
        if *next == Some(ts) {
            let at = next_firing(ts, self.interval, last);
            *next = Some(at);
            ctx.register_event_time_timer(at);
            return TriggerResult::Fire;
        }
        TriggerResult::Continue
    }

    fn can_merge(&self) -> bool {
        true
    }

    /// The merged window fires at its end and at the earliest pending firing of the
    /// windows merged.
    fn on_merge<K: Hash + Eq + Clone, O>(
        &self,
        window: Window,
        merged: Vec<Option<i64>>,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> Option<i64> {
        let last = window.1.saturating_sub(1);
        if last > ctx.current_watermark() {
            ctx.register_event_time_timer(last);
        }
        let next = merged.into_iter().flatten().min();
        if let Some(at) = next {
            ctx.register_event_time_timer(at);
        }
        next
    }
}

/// Fires every `interval` ms of processing time while the window has elements
/// (Flink's `ContinuousProcessingTimeTrigger`): the first firing at the first multiple
/// of `interval` after the clock at the window's first element. State: the next firing
/// time.
#[derive(Clone, Copy, Debug)]
pub struct ContinuousProcessingTimeTrigger {
    interval: i64,
}

impl ContinuousProcessingTimeTrigger {
    /// Fires every `interval` of processing time.
    ///
    /// # Panics
    /// When `interval` is zero or not whole milliseconds.
    pub fn of(interval: Duration) -> Self {
        ContinuousProcessingTimeTrigger {
            interval: interval_ms(interval),
        }
    }
}

impl<T> Trigger<T> for ContinuousProcessingTimeTrigger {
    type State = Option<i64>;

    fn on_element<K: Hash + Eq + Clone, O>(
        &self,
        _: &T,
        _: i64,
        window: Window,
        next: &mut Option<i64>,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        if next.is_none() {
            let now = ctx.current_processing_time();
            let last = window.1.saturating_sub(1);
            let at = next_firing(now - now.rem_euclid(self.interval), self.interval, last);
            *next = Some(at);
            ctx.register_processing_time_timer(at);
        }
        TriggerResult::Continue
    }

    fn on_processing_time<K: Hash + Eq + Clone, O>(
        &self,
        ts: i64,
        window: Window,
        next: &mut Option<i64>,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        if *next != Some(ts) {
            return TriggerResult::Continue;
        }
        let at = next_firing(ts, self.interval, window.1.saturating_sub(1));
        if at > ts {
            *next = Some(at);
            ctx.register_processing_time_timer(at);
        }
        TriggerResult::Fire
    }

    fn can_merge(&self) -> bool {
        true
    }

    fn on_merge<K: Hash + Eq + Clone, O>(
        &self,
        _: Window,
        merged: Vec<Option<i64>>,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> Option<i64> {
        let next = merged.into_iter().flatten().min();
        if let Some(at) = next {
            ctx.register_processing_time_timer(at);
        }
        next
    }
}

/// Another trigger whose every firing also purges (Flink's `PurgingTrigger`).
#[derive(Clone, Copy, Debug)]
pub struct PurgingTrigger<Tr> {
    inner: Tr,
}

impl<Tr> PurgingTrigger<Tr> {
    /// `trigger`, with `Fire` made `FireAndPurge`.
    pub fn of(trigger: Tr) -> Self {
        PurgingTrigger { inner: trigger }
    }
}

/// `Fire` as `FireAndPurge`.
fn purging(result: TriggerResult) -> TriggerResult {
    match result {
        TriggerResult::Fire => TriggerResult::FireAndPurge,
        other => other,
    }
}

impl<T, Tr: Trigger<T>> Trigger<T> for PurgingTrigger<Tr> {
    type State = Tr::State;

    fn on_element<K: Hash + Eq + Clone, O>(
        &self,
        element: &T,
        ts: i64,
        window: Window,
        state: &mut Tr::State,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        purging(self.inner.on_element(element, ts, window, state, ctx))
    }

    fn on_event_time<K: Hash + Eq + Clone, O>(
        &self,
        ts: i64,
        window: Window,
        state: &mut Tr::State,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        purging(self.inner.on_event_time(ts, window, state, ctx))
    }

    fn on_processing_time<K: Hash + Eq + Clone, O>(
        &self,
        ts: i64,
        window: Window,
        state: &mut Tr::State,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        purging(self.inner.on_processing_time(ts, window, state, ctx))
    }

    fn can_merge(&self) -> bool {
        self.inner.can_merge()
    }

    fn on_merge<K: Hash + Eq + Clone, O>(
        &self,
        window: Window,
        merged: Vec<Tr::State>,
        ctx: &mut TriggerContext<'_, '_, K, O>,
    ) -> Tr::State {
        self.inner.on_merge(window, merged, ctx)
    }
}

/// Fires when an element is more than `threshold` away, by `delta`, from the element
/// of the last firing (Flink's `DeltaTrigger`).
pub struct DeltaTrigger<T> {
    threshold: f64,
    delta: Rc<DeltaFn<T>>,
}

/// How far apart two elements are.
type DeltaFn<T> = dyn Fn(&T, &T) -> f64;

impl<T> DeltaTrigger<T> {
    /// Fires when `delta(last fired, element) > threshold`.
    pub fn new(threshold: f64, delta: impl Fn(&T, &T) -> f64 + 'static) -> Self {
        DeltaTrigger {
            threshold,
            delta: Rc::new(delta),
        }
    }
}

impl<T: Data> Trigger<T> for DeltaTrigger<T> {
    type State = Option<T>;

    fn on_element<K: Hash + Eq + Clone, O>(
        &self,
        element: &T,
        _: i64,
        _: Window,
        last: &mut Option<T>,
        _: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        match last {
            None => {
                *last = Some(element.clone());
                TriggerResult::Continue
            }
            Some(prev) if (self.delta)(prev, element) > self.threshold => {
                *last = Some(element.clone());
                TriggerResult::Fire
            }
            Some(_) => TriggerResult::Continue,
        }
    }
}

/// Never fires (the default of global windows: a trigger must be given).
#[derive(Clone, Copy, Debug, Default)]
pub struct NeverTrigger;

impl<T> Trigger<T> for NeverTrigger {
    type State = ();

    fn on_element<K: Hash + Eq + Clone, O>(
        &self,
        _: &T,
        _: i64,
        _: Window,
        _: &mut (),
        _: &mut TriggerContext<'_, '_, K, O>,
    ) -> TriggerResult {
        TriggerResult::Continue
    }

    fn can_merge(&self) -> bool {
        true
    }
}
