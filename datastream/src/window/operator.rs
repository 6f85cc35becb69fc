//! The window operator of every assigner with a trigger, an evictor or a process
//! function (Flink's `WindowOperator`): a keyed process function, so its state, timers,
//! checkpoints and restores at another parallelism are those of the operator shell.
//!
//! A key's windows are one value state, a list of panes: a window's bounds, its
//! contents (elements or an accumulator; none after a purge), its trigger state, the
//! timers its trigger set and the process function's state for it. Timers of the
//! timer service are per key and time; the operator keeps each one that some pane
//! needs (a trigger timer or the pane's cleanup time) and deletes it when none does,
//! and hands a firing timer to the panes that set it. An event-time pane is cleaned up
//! when the watermark reaches its `end - 1 + allowed lateness`; a processing-time pane
//! when the clock reaches its end. An element all of whose windows are past their
//! cleanup time is late: it goes to the late-data tag if there is one, else to the
//! side output.

use std::collections::BTreeSet;
use std::hash::Hash;
use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use super::assigner::{Assigner, GLOBAL, Window, touches};
use super::function::{PaneState, WindowContext, WindowFunction};
use super::trigger::{Clock, TimerAt, Trigger, TriggerContext, TriggerResult};
use super::{WindowResult, cleanup_time};
use crate::process::{
    Context, KeyedProcessFunction, OutputTag, OutputTags, TimeDomain, ValueState,
};
use crate::stream::Data;

/// One window of one key.
#[derive(Clone, Serialize, Deserialize)]
struct Pane<S, C> {
    window: Window,
    contents: Option<C>,
    trigger: S,
    timers: Vec<TimerAt>,
    state: PaneState,
}

impl<S: Default, C> Pane<S, C> {
    fn new(window: Window) -> Self {
        Pane {
            window,
            contents: None,
            trigger: S::default(),
            timers: Vec::new(),
            state: PaneState::new(),
        }
    }
}

/// The window operator for key `K`, elements `T`, trigger `Tr` and function `F`.
pub(super) struct WindowOperator<T, K, Tr: Trigger<T>, F: WindowFunction<K, T>> {
    assigner: Assigner,
    trigger: Tr,
    function: F,
    lateness: i64,
    late: Option<OutputTag<T>>,
    panes: ValueState<Vec<Pane<Tr::State, F::Contents>>>,
    _key: PhantomData<fn(K)>,
}

type Ctx<'c, 'a, K, T, O> = &'c mut Context<'a, K, WindowResult<K, O>, T>;

impl<T: Data, K: Data + Hash + Eq, Tr: Trigger<T>, F: WindowFunction<K, T>>
    WindowOperator<T, K, Tr, F>
{
    /// Windows of `assigner` fired by `trigger`, computed by `function`, kept
    /// `lateness` ms past their end (event time), late data to `late` if given.
    ///
    /// # Panics
    /// When the windows merge and the trigger cannot.
    pub(super) fn new(
        (assigner, trigger, lateness): (Assigner, Tr, i64),
        function: F,
        late: Option<OutputTag<T>>,
    ) -> Self {
        assigner.validate();
        assert!(
            !assigner.is_merging() || trigger.can_merge(),
            "{assigner:?} windows merge: their trigger must (Trigger::can_merge)"
        );
        WindowOperator {
            assigner,
            trigger,
            function,
            lateness,
            late,
            panes: ValueState::new("window-panes"),
            _key: PhantomData,
        }
    }

    /// Whether `window` is past its cleanup time at `watermark`.
    fn is_late(&self, window: Window, watermark: i64) -> bool {
        self.assigner.is_event_time() && cleanup_time(window.1, self.lateness) <= watermark
    }

    /// When a pane of `window` is dropped.
    fn cleanup(&self, window: Window) -> Option<TimerAt> {
        if window == GLOBAL {
            None
        } else if self.assigner.is_event_time() {
            Some((Clock::Event, cleanup_time(window.1, self.lateness)))
        } else {
            Some((Clock::Processing, window.1))
        }
    }

    /// Every timer the panes need.
    fn needed(&self, panes: &[Pane<Tr::State, F::Contents>]) -> BTreeSet<TimerAt> {
        let mut all = BTreeSet::new();
        for p in panes {
            all.extend(p.timers.iter().copied());
            all.extend(self.cleanup(p.window));
        }
        all
    }

    /// Registers the timers needed now and not before; deletes those no longer needed.
    fn sync<O>(ctx: Ctx<'_, '_, K, T, O>, before: &BTreeSet<TimerAt>, after: &BTreeSet<TimerAt>) {
        for &(clock, ts) in after.difference(before) {
            match clock {
                Clock::Event => ctx.register_event_time_timer(ts),
                Clock::Processing => ctx.register_processing_time_timer(ts),
            }
        }
        for &(clock, ts) in before.difference(after) {
            match clock {
                Clock::Event => ctx.delete_event_time_timer(ts),
                Clock::Processing => ctx.delete_processing_time_timer(ts),
            }
        }
    }

    /// Runs what the trigger decided for `pane`.
    fn act(
        &self,
        key: &K,
        pane: &mut Pane<Tr::State, F::Contents>,
        result: TriggerResult,
        ctx: Ctx<'_, '_, K, T, F::Out>,
    ) {
        if result.fires()
            && let Some(contents) = pane.contents.as_mut()
        {
            let times = (ctx.current_watermark(), ctx.current_processing_time());
            let (start, end) = pane.window;
            let ts = if pane.window == GLOBAL {
                ctx.timestamp()
            } else {
                end - 1
            };
            let out = {
                let mut wctx = WindowContext::new(pane.window, times, &mut pane.state, &mut *ctx);
                self.function.fire(key, &mut wctx, contents)
            };
            for value in out {
                let key = key.clone();
                ctx.collect_at(
                    ts,
                    WindowResult {
                        key,
                        start,
                        end,
                        value,
                    },
                );
            }
        }
        if result.purges() {
            pane.contents = None;
        }
    }

    /// The pane of a merging assigner that `window` joins, made by merging every pane
    /// it touches; `None` when the merged window is late.
    fn merge_into(
        &self,
        key: &K,
        window: Window,
        panes: &mut Vec<Pane<Tr::State, F::Contents>>,
        (watermark, now): (i64, i64),
    ) -> Option<usize> {
        let mut joined: Vec<usize> = (0..panes.len())
            .filter(|&i| touches(panes[i].window, window))
            .collect();
        let merged = joined.iter().fold(window, |w, &i| {
            let p = panes[i].window;
            (w.0.min(p.0), w.1.max(p.1))
        });
        if self.is_late(merged, watermark) {
            return None;
        }
        match joined[..] {
            [] => {
                panes.push(Pane::new(window));
                return Some(panes.len() - 1);
            }
            [i] if panes[i].window == merged => return Some(i),
            _ => {}
        }
        // Oldest window first, so merged elements stay in the order of their windows.
        joined.sort_by_key(|&i| panes[i].window);
        let mut old: Vec<_> = joined.iter().map(|&i| panes[i].clone()).collect();
        joined.sort_unstable_by(|a, b| b.cmp(a));
        for i in joined {
            panes.swap_remove(i);
        }
        let mut pane = Pane::new(merged);
        let mut states = Vec::with_capacity(old.len());
        for p in old.drain(..) {
            states.push(p.trigger);
            pane.state.extend(p.state);
            pane.contents = match (pane.contents, p.contents) {
                (Some(mut into), Some(from)) => {
                    self.function.merge(&mut into, from);
                    Some(into)
                }
                (a, b) => a.or(b),
            };
        }
        let mut tctx: TriggerContext<'_, '_, K, F::Out> =
            TriggerContext::new(key, &mut pane.timers, watermark, now);
        pane.trigger = self.trigger.on_merge(merged, states, &mut tctx);
        panes.push(pane);
        Some(panes.len() - 1)
    }
}

impl<T: Data, K: Data + Hash + Eq, Tr: Trigger<T>, F: WindowFunction<K, T>>
    KeyedProcessFunction<K, T> for WindowOperator<T, K, Tr, F>
{
    type Out = WindowResult<K, F::Out>;
    type Side = T;

    fn output_tags(&self) -> OutputTags {
        match &self.late {
            Some(tag) => OutputTags::new().with(tag),
            None => OutputTags::new(),
        }
    }

    fn process_element(&mut self, value: T, ctx: Ctx<'_, '_, K, T, F::Out>) {
        let (ts, watermark, now) = (
            ctx.timestamp(),
            ctx.current_watermark(),
            ctx.current_processing_time(),
        );
        let key = ctx.key().clone();
        let mut panes = self.panes.take(ctx).unwrap_or_default();
        let before = self.needed(&panes);
        let mut windows = Vec::new();
        self.assigner.assign(ts, now, |w| windows.push(w));
        let mut kept = false;
        for window in windows {
            let at = if self.assigner.is_merging() {
                self.merge_into(&key, window, &mut panes, (watermark, now))
            } else if self.is_late(window, watermark) {
                None
            } else if let Some(i) = panes.iter().position(|p| p.window == window) {
                Some(i)
            } else {
                panes.push(Pane::new(window));
                Some(panes.len() - 1)
            };
            let Some(i) = at else { continue };
            kept = true;
            let pane = &mut panes[i];
            match pane.contents.as_mut() {
                Some(c) => self.function.add(c, ts, &value),
                None => pane.contents = Some(self.function.first(ts, &value)),
            }
            let mut tctx: TriggerContext<'_, '_, K, F::Out> =
                TriggerContext::new(&key, &mut pane.timers, watermark, now);
            let result =
                self.trigger
                    .on_element(&value, ts, pane.window, &mut pane.trigger, &mut tctx);
            self.act(&key, pane, result, ctx);
        }
        Self::sync(ctx, &before, &self.needed(&panes));
        if !panes.is_empty() {
            self.panes.update(ctx, panes);
        }
        if !kept {
            match &self.late {
                Some(tag) => ctx.output_to(tag, value),
                None => ctx.output(value),
            }
        }
    }

    fn on_timer(&mut self, ts: i64, ctx: Ctx<'_, '_, K, T, F::Out>) {
        let clock = match ctx.time_domain() {
            Some(TimeDomain::ProcessingTime) => Clock::Processing,
            _ => Clock::Event,
        };
        let Some(mut panes) = self.panes.take(ctx) else {
            return;
        };
        let (watermark, now) = (ctx.current_watermark(), ctx.current_processing_time());
        let mut before = self.needed(&panes);
        before.remove(&(clock, ts)); // fired: no longer registered
        let key = ctx.key().clone();
        for pane in &mut panes {
            let Some(i) = pane.timers.iter().position(|t| *t == (clock, ts)) else {
                continue;
            };
            pane.timers.swap_remove(i);
            let mut tctx: TriggerContext<'_, '_, K, F::Out> =
                TriggerContext::new(&key, &mut pane.timers, watermark, now);
            let result = match clock {
                Clock::Event => {
                    self.trigger
                        .on_event_time(ts, pane.window, &mut pane.trigger, &mut tctx)
                }
                Clock::Processing => {
                    self.trigger
                        .on_processing_time(ts, pane.window, &mut pane.trigger, &mut tctx)
                }
            };
            self.act(&key, pane, result, ctx);
        }
        panes.retain(|p| {
            self.cleanup(p.window)
                .is_none_or(|(c, at)| c != clock || at > ts)
        });
        Self::sync(ctx, &before, &self.needed(&panes));
        if !panes.is_empty() {
            self.panes.update(ctx, panes);
        }
    }
}
