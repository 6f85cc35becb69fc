//! What a window keeps and what its firing computes: its elements, for a process
//! window function (Flink's `ProcessWindowFunction`) or an evictor, or one
//! accumulator, for an incremental aggregate (Flink's `AggregateFunction`, optionally
//! followed by a window function). A process function sees a [`WindowContext`]: the
//! window, the watermark, the clock, state per window ([`WindowState`]) and the key's
//! global state (any keyed state handle, as in a process function).

use std::collections::BTreeMap;
use std::marker::PhantomData;

use super::assigner::Window;
use super::driver::{AddFn, MergeFn};
use super::evictor::Evictor;
use crate::process::{KeyedAccess, KeyedStates};
use crate::stream::Data;

/// State of one window of the process function: values by state name, serialised.
pub(super) type PaneState = BTreeMap<String, Vec<u8>>;

/// What a window function sees of its window and operator when it fires.
pub struct WindowContext<'c, K> {
    window: Window,
    watermark: i64,
    now: i64,
    state: &'c mut PaneState,
    global: &'c mut dyn KeyedAccess<K>,
}

impl<'c, K> WindowContext<'c, K> {
    /// The context of `window`, its state `state`, the key's state through `global`.
    pub(super) fn new(
        window: Window,
        (watermark, now): (i64, i64),
        state: &'c mut PaneState,
        global: &'c mut dyn KeyedAccess<K>,
    ) -> Self {
        WindowContext {
            window,
            watermark,
            now,
            state,
            global,
        }
    }

    /// The firing window's `[start, end)`.
    pub fn window(&self) -> Window {
        self.window
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

/// The key's global state: any keyed state handle reads and writes it through the
/// context (Flink's `globalState()`).
impl<K> KeyedAccess<K> for WindowContext<'_, K> {
    fn access(&mut self) -> (&mut KeyedStates<K>, &K, u32, i64) {
        self.global.access()
    }
}

/// A value per key and window (Flink's `windowState()`): kept with the window and
/// dropped with it (when it is cleaned up after its allowed lateness).
pub struct WindowState<V> {
    name: String,
    _type: PhantomData<fn() -> V>,
}

impl<V: Data> WindowState<V> {
    /// A window state called `name`.
    pub fn new(name: &str) -> Self {
        WindowState {
            name: name.to_string(),
            _type: PhantomData,
        }
    }

    /// The firing window's value.
    pub fn value<K>(&self, ctx: &WindowContext<'_, K>) -> Option<V> {
        let bytes = ctx.state.get(&self.name)?;
        Some(bincode::deserialize(bytes).expect("window state is of this type"))
    }

    /// Sets the firing window's value.
    pub fn update<K>(&self, ctx: &mut WindowContext<'_, K>, value: V) {
        let bytes = bincode::serialize(&value).expect("window state serialises");
        ctx.state.insert(self.name.clone(), bytes);
    }

    /// Removes the firing window's value.
    pub fn clear<K>(&self, ctx: &mut WindowContext<'_, K>) {
        ctx.state.remove(&self.name);
    }
}

/// A process window function: the key, the context and the window's elements
/// `(event time, element)`; gives the results.
pub(super) type ProcessFn<K, T, O> =
    Box<dyn Fn(&K, &mut WindowContext<'_, K>, &[(i64, T)]) -> Vec<O>>;

/// A window's result from its accumulator.
pub(super) type EmitFn<K, A, O> = Box<dyn Fn(&K, &mut WindowContext<'_, K>, &A) -> Vec<O>>;

/// What a window keeps and computes when it fires.
pub(super) trait WindowFunction<K, T>: 'static {
    /// A window's contents.
    type Contents: Data;
    /// A firing's results.
    type Out: Data;

    /// The contents of a window holding only `element`.
    fn first(&self, ts: i64, element: &T) -> Self::Contents;

    /// Adds `element` to `contents`.
    fn add(&self, contents: &mut Self::Contents, ts: i64, element: &T);

    /// Adds the contents of a merged window.
    fn merge(&self, into: &mut Self::Contents, from: Self::Contents);

    /// Fires `window` of `key`: its results.
    fn fire(
        &self,
        key: &K,
        ctx: &mut WindowContext<'_, K>,
        contents: &mut Self::Contents,
    ) -> Vec<Self::Out>;
}

/// Keeps the elements; a firing evicts, runs the function, evicts again.
pub(super) struct Buffered<K, T, O, Ev> {
    pub(super) function: ProcessFn<K, T, O>,
    pub(super) evictor: Ev,
}

impl<K: 'static, T: Data, O: Data, Ev: Evictor<T>> WindowFunction<K, T> for Buffered<K, T, O, Ev> {
    type Contents = Vec<(i64, T)>;
    type Out = O;

    fn first(&self, ts: i64, element: &T) -> Vec<(i64, T)> {
        vec![(ts, element.clone())]
    }

    fn add(&self, contents: &mut Vec<(i64, T)>, ts: i64, element: &T) {
        contents.push((ts, element.clone()));
    }

    fn merge(&self, into: &mut Vec<(i64, T)>, mut from: Vec<(i64, T)>) {
        into.append(&mut from);
    }

    fn fire(
        &self,
        key: &K,
        ctx: &mut WindowContext<'_, K>,
        elements: &mut Vec<(i64, T)>,
    ) -> Vec<O> {
        let window = ctx.window();
        self.evictor.evict_before(elements, window);
        let out = (self.function)(key, ctx, elements);
        self.evictor.evict_after(elements, window);
        out
    }
}

/// Keeps one accumulator; a firing computes the result from it.
pub(super) struct Incremental<K, T, A, O> {
    pub(super) init: Box<dyn Fn() -> A>,
    pub(super) add: AddFn<A, T>,
    /// Given whenever the windows merge.
    pub(super) merge: Option<MergeFn<A>>,
    pub(super) emit: EmitFn<K, A, O>,
}

impl<K: 'static, T: 'static, A: Data, O: Data> WindowFunction<K, T> for Incremental<K, T, A, O> {
    type Contents = A;
    type Out = O;

    fn first(&self, _: i64, element: &T) -> A {
        let mut acc = (self.init)();
        (self.add)(&mut acc, element);
        acc
    }

    fn add(&self, acc: &mut A, _: i64, element: &T) {
        (self.add)(acc, element);
    }

    fn merge(&self, into: &mut A, from: A) {
        let merge = self.merge.as_ref();
        merge.expect("an incremental aggregate of merging windows has a merge")(into, from);
    }

    fn fire(&self, key: &K, ctx: &mut WindowContext<'_, K>, acc: &mut A) -> Vec<O> {
        (self.emit)(key, ctx, acc)
    }
}
