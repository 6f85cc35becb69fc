//! Windows with triggers and evictors (Flink's `WindowedStream` with `trigger`,
//! `evictor` and `process`): global windows, count windows, and event-time tumbling
//! or sliding windows whose firing a [`Trigger`] decides.
//!
//! Each key's windows keep their elements (with event times) in map state; a trigger
//! sees every element and timer of its window and says whether to fire and whether to
//! purge; an [`Evictor`] removes elements before or after the window function runs.
//! The window function sees all of a window's elements with its bounds (Flink's
//! `ProcessWindowFunction`). Built as a keyed process function, so state and timers
//! are the keyed state tables and timer service. Results of time windows carry the
//! window's `end - 1`; results of global windows the time of the element or timer
//! that fired them (Flink gives them the end of time, which later event-time
//! operators would see as late).

use std::hash::Hash;
use std::marker::PhantomData;
use std::rc::Rc;

use super::{WindowResult, sliding_windows};
use crate::process::{Context, KeyedProcessFunction, MapState, TimeDomain};
use crate::stream::{Data, DataStream, KeyedStream};

/// A window's bounds: `[start, end)`; the global window is the whole of time.
pub type Window = (i64, i64);

/// The one window of a global window assigner.
pub const GLOBAL: Window = (i64::MIN, i64::MAX);

/// Which windows an element belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assigner {
    /// One window per key for all time (Flink's `GlobalWindows`).
    Global,
    /// Event-time windows of `size` ms every `slide` ms.
    Sliding {
        /// Window length.
        size: i64,
        /// Distance between window starts.
        slide: i64,
    },
}

/// What a trigger decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerResult {
    /// Nothing.
    Continue,
    /// Run the window function on the window's elements.
    Fire,
    /// Drop the window's elements.
    Purge,
    /// Fire, then purge.
    FireAndPurge,
}

/// Timers a trigger can set for its key.
pub struct TriggerContext<'c, 'a, K, O> {
    ctx: &'c mut Context<'a, K, O, ()>,
}

impl<K: Hash + Eq + Clone, O> TriggerContext<'_, '_, K, O> {
    /// Calls the trigger's `on_event_time` when the watermark reaches `ts`.
    pub fn register_event_time_timer(&mut self, ts: i64) {
        self.ctx.register_event_time_timer(ts);
    }
    /// Calls the trigger's `on_processing_time` when the clock reaches `ts`.
    pub fn register_processing_time_timer(&mut self, ts: i64) {
        self.ctx.register_processing_time_timer(ts);
    }
    /// The current watermark.
    pub fn current_watermark(&self) -> i64 {
        self.ctx.current_watermark()
    }
    /// The current processing time.
    pub fn current_processing_time(&self) -> i64 {
        self.ctx.current_processing_time()
    }
}

/// Decides when a window fires (Flink's `Trigger`). `State` is kept per key and
/// window, and cleared with the window's elements on purge.
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
    /// An event-time timer at `ts` fired for the window's key.
    fn on_event_time(&self, ts: i64, window: Window, state: &mut Self::State) -> TriggerResult {
        let _ = (ts, window, state);
        TriggerResult::Continue
    }
    /// A processing-time timer at `ts` fired for the window's key.
    fn on_processing_time(
        &self,
        ts: i64,
        window: Window,
        state: &mut Self::State,
    ) -> TriggerResult {
        let _ = (ts, window, state);
        TriggerResult::Continue
    }
}

/// Fires when the watermark passes the window's end (the default of time windows).
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
    fn on_event_time(&self, ts: i64, window: Window, _: &mut ()) -> TriggerResult {
        if ts == window.1 - 1 {
            TriggerResult::Fire
        } else {
            TriggerResult::Continue
        }
    }
}

/// Fires and purges every `count` elements (Flink's `CountTrigger` as used by
/// `countWindow`).
#[derive(Clone, Copy, Debug)]
pub struct CountTrigger {
    /// Elements per firing.
    pub count: u64,
    /// Whether firing also purges.
    pub purge: bool,
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
}

/// Removes elements of a firing window before and/or after the window function
/// (Flink's `Evictor`). Elements are `(event time, element)` in arrival order.
pub trait Evictor<T>: 'static {
    /// Before the window function.
    fn evict_before(&self, elements: &mut Vec<(i64, T)>, window: Window) {
        let _ = (elements, window);
    }
    /// After the window function.
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

impl<T> Evictor<T> for CountEvictor {
    fn evict_before(&self, elements: &mut Vec<(i64, T)>, _: Window) {
        let extra = elements.len().saturating_sub(self.keep);
        elements.drain(..extra);
    }
}

/// Keeps the elements within `keep_ms` of the latest element's time (Flink's
/// `TimeEvictor`), before the function.
#[derive(Clone, Copy, Debug)]
pub struct TimeEvictor {
    /// How far back from the latest element to keep.
    pub keep_ms: i64,
}

impl<T> Evictor<T> for TimeEvictor {
    fn evict_before(&self, elements: &mut Vec<(i64, T)>, _: Window) {
        if let Some(latest) = elements.iter().map(|e| e.0).max() {
            elements.retain(|e| e.0 > latest - self.keep_ms);
        }
    }
}

/// A keyed stream cut into windows by an assigner, fired by a trigger.
pub struct TriggeredWindows<'s, T, K, Tr, Ev> {
    keyed: KeyedStream<'s, T, K>,
    assigner: Assigner,
    trigger: Tr,
    evictor: Ev,
}

impl<'s, T: Data, K: Data + Hash + Eq> KeyedStream<'s, T, K> {
    /// One window per key for all time; give it a trigger (Flink's `GlobalWindows`).
    pub fn global_window(&self) -> TriggeredWindows<'s, T, K, NeverTrigger, NoEvictor> {
        self.windows(Assigner::Global, NeverTrigger)
    }

    /// Windows of each key's next `size` elements (Flink's `countWindow(size)`).
    pub fn count_window(&self, size: u64) -> TriggeredWindows<'s, T, K, CountTrigger, NoEvictor> {
        self.windows(
            Assigner::Global,
            CountTrigger {
                count: size,
                purge: true,
            },
        )
    }

    /// Windows of each key's last `size` elements, every `slide` elements (Flink's
    /// `countWindow(size, slide)`).
    pub fn sliding_count_window(
        &self,
        size: u64,
        slide: u64,
    ) -> TriggeredWindows<'s, T, K, CountTrigger, CountEvictor> {
        self.windows(
            Assigner::Global,
            CountTrigger {
                count: slide,
                purge: false,
            },
        )
        .evictor(CountEvictor {
            keep: size as usize,
        })
    }

    /// Windows by `assigner` fired by `trigger`.
    pub fn windows<Tr: Trigger<T>>(
        &self,
        assigner: Assigner,
        trigger: Tr,
    ) -> TriggeredWindows<'s, T, K, Tr, NoEvictor> {
        TriggeredWindows {
            keyed: KeyedStream {
                stream: self.stream.clone(),
                key: self.key.clone(),
            },
            assigner,
            trigger,
            evictor: NoEvictor,
        }
    }
}

/// A window function over all of a window's elements.
type WindowFn<K, T, O> = Rc<dyn Fn(&K, Window, &[(i64, T)]) -> Vec<O>>;

impl<'s, T: Data, K: Data + Hash + Eq, Tr: Trigger<T>, Ev: Evictor<T>>
    TriggeredWindows<'s, T, K, Tr, Ev>
{
    /// The same windows fired by `trigger` instead.
    pub fn trigger<Tr2: Trigger<T>>(self, trigger: Tr2) -> TriggeredWindows<'s, T, K, Tr2, Ev> {
        TriggeredWindows {
            keyed: self.keyed,
            assigner: self.assigner,
            trigger,
            evictor: self.evictor,
        }
    }

    /// The same windows with `evictor`.
    pub fn evictor<Ev2: Evictor<T>>(self, evictor: Ev2) -> TriggeredWindows<'s, T, K, Tr, Ev2> {
        TriggeredWindows {
            keyed: self.keyed,
            assigner: self.assigner,
            trigger: self.trigger,
            evictor,
        }
    }

    /// Runs `f` on every firing with the key, the window and its elements `(event
    /// time, element)` (Flink's `ProcessWindowFunction`).
    pub fn process<O: Data>(
        self,
        f: impl Fn(&K, Window, &[(i64, T)]) -> Vec<O> + 'static,
    ) -> DataStream<'s, WindowResult<K, O>> {
        let keyed = KeyedStream {
            stream: self.keyed.stream.clone(),
            key: self.keyed.key.clone(),
        };
        keyed
            .process(Triggered {
                assigner: self.assigner,
                trigger: self.trigger,
                evictor: self.evictor,
                elements: MapState::new("window-elements"),
                states: MapState::new("window-trigger"),
                function: Rc::new(f),
                _t: PhantomData,
            })
            .main
    }

    /// The `f`-reduction of each firing's elements.
    pub fn reduce(self, f: impl Fn(T, T) -> T + 'static) -> DataStream<'s, WindowResult<K, T>> {
        self.process(move |_, _, elements| {
            let mut values = elements.iter().map(|e| e.1.clone());
            let first = values.next();
            first.map(|x| values.fold(x, &f)).into_iter().collect()
        })
    }
}

struct Triggered<T, K, O, Tr: Trigger<T>, Ev> {
    assigner: Assigner,
    trigger: Tr,
    evictor: Ev,
    elements: MapState<Window, Vec<(i64, T)>>,
    states: MapState<Window, Tr::State>,
    function: WindowFn<K, T, O>,
    _t: PhantomData<T>,
}

impl<T: Data, K: Data + Hash + Eq, O: Data, Tr: Trigger<T>, Ev: Evictor<T>>
    Triggered<T, K, O, Tr, Ev>
{
    fn act(
        &self,
        window: Window,
        result: TriggerResult,
        ctx: &mut Context<'_, K, WindowResult<K, O>, ()>,
    ) {
        if matches!(result, TriggerResult::Fire | TriggerResult::FireAndPurge) {
            let mut elements = self.elements.get(ctx, &window).unwrap_or_default();
            self.evictor.evict_before(&mut elements, window);
            let key = ctx.key().clone();
            let ts = if window == GLOBAL {
                ctx.timestamp()
            } else {
                window.1 - 1
            };
            for value in (self.function)(&key, window, &elements) {
                let result = WindowResult {
                    key: key.clone(),
                    start: window.0,
                    end: window.1,
                    value,
                };
                ctx.collect_at(ts, result);
            }
            self.evictor.evict_after(&mut elements, window);
            if result == TriggerResult::Fire {
                self.elements.put(ctx, window, elements);
            }
        }
        if matches!(result, TriggerResult::Purge | TriggerResult::FireAndPurge) {
            self.elements.remove(ctx, &window);
        }
    }
}

impl<T: Data, K: Data + Hash + Eq, O: Data, Tr: Trigger<T>, Ev: Evictor<T>>
    KeyedProcessFunction<K, T> for Triggered<T, K, O, Tr, Ev>
{
    type Out = WindowResult<K, O>;
    type Side = ();

    fn process_element(&mut self, value: T, ctx: &mut Context<'_, K, Self::Out, ()>) {
        let ts = ctx.timestamp();
        let windows: Vec<Window> = match self.assigner {
            Assigner::Global => vec![GLOBAL],
            Assigner::Sliding { size, slide } => sliding_windows(ts, size, slide)
                .filter(|w| w.1 - 1 > ctx.current_watermark())
                .collect(),
        };
        for window in windows {
            let mut elements = self.elements.get(ctx, &window).unwrap_or_default();
            elements.push((ts, value.clone()));
            self.elements.put(ctx, window, elements);
            let mut state = self.states.get(ctx, &window).unwrap_or_default();
            let result = self.trigger.on_element(
                &value,
                ts,
                window,
                &mut state,
                &mut TriggerContext { ctx },
            );
            self.states.put(ctx, window, state);
            self.act(window, result, ctx);
        }
    }

    fn on_timer(&mut self, ts: i64, ctx: &mut Context<'_, K, Self::Out, ()>) {
        let domain = ctx.time_domain();
        for (window, mut state) in self.states.entries(ctx) {
            let result = match domain {
                Some(TimeDomain::ProcessingTime) => {
                    self.trigger.on_processing_time(ts, window, &mut state)
                }
                _ => self.trigger.on_event_time(ts, window, &mut state),
            };
            self.states.put(ctx, window, state);
            self.act(window, result, ctx);
            // A time window is done once the watermark passes its end.
            if window != GLOBAL && domain == Some(TimeDomain::EventTime) && window.1 - 1 <= ts {
                self.elements.remove(ctx, &window);
                self.states.remove(ctx, &window);
            }
        }
    }
}
