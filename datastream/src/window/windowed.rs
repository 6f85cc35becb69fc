//! [`WindowedStream`]: a keyed stream cut into windows by an [`Assigner`], fired by a
//! [`Trigger`], optionally with an [`Evictor`], an allowed lateness and a late-data
//! tag (Flink's `WindowedStream`), and its window functions: `process`, `reduce`,
//! `aggregate`, `aggregate_merging` and `aggregate_process`.
//!
//! Which operator runs is chosen here, once, for the dataflow and the harness alike:
//! an incremental aggregate of event-time sliding (tumbling) or session windows with
//! the default trigger and no evictor runs on the specialised incremental operators
//! (`mod.rs`, `session.rs`: accumulators only, on either state backend); everything
//! else on the general window operator (`operator.rs`), which keeps elements only when
//! a process function or an evictor needs them.

use std::any::TypeId;
use std::hash::Hash;
use std::rc::Rc;
use std::time::Duration;

use strom_core::time::millis;

use super::assigner::{Assigner, Kind};
use super::driver::{self, AddFn, MergeFn, WindowLogic};
use super::evictor::{CountEvictor, Evictor, NoEvictor};
use super::function::{Buffered, EmitFn, Incremental, ProcessFn, WindowContext, WindowFunction};
use super::operator::WindowOperator;
use super::session::Sessions;
use super::trigger::{CountTrigger, EventTimeTrigger, NeverTrigger, Trigger};
use super::{Sliding, WindowResult};
use crate::process::{OutputTag, Processed};
use crate::stream::{Data, KeyOf, KeyedStream};

/// How windows are made and fired, apart from the stream: assigner, trigger, evictor,
/// allowed lateness and late-data tag (what [`WindowedStream`] and
/// [`super::WindowHarness`] are built from).
pub struct WindowSpec<T, Tr, Ev> {
    assigner: Assigner,
    trigger: Tr,
    evictor: Ev,
    lateness: i64,
    late: Option<OutputTag<T>>,
}

impl<T: Data, Tr: Trigger<T>> WindowSpec<T, Tr, NoEvictor> {
    /// Windows of `assigner` fired by `trigger`, no evictor, no lateness.
    ///
    /// # Panics
    /// When a length of `assigner` is not positive.
    pub fn new(assigner: Assigner, trigger: Tr) -> Self {
        assigner.validate();
        WindowSpec {
            assigner,
            trigger,
            evictor: NoEvictor,
            lateness: 0,
            late: None,
        }
    }
}

impl<T: Data, Tr: Trigger<T>, Ev: Evictor<T>> WindowSpec<T, Tr, Ev> {
    /// The same windows fired by `trigger` instead (Flink's `trigger`).
    pub fn trigger<Tr2: Trigger<T>>(self, trigger: Tr2) -> WindowSpec<T, Tr2, Ev> {
        WindowSpec {
            assigner: self.assigner,
            trigger,
            evictor: self.evictor,
            lateness: self.lateness,
            late: self.late,
        }
    }

    /// The same windows with `evictor` (Flink's `evictor`).
    pub fn evictor<Ev2: Evictor<T>>(self, evictor: Ev2) -> WindowSpec<T, Tr, Ev2> {
        WindowSpec {
            assigner: self.assigner,
            trigger: self.trigger,
            evictor,
            lateness: self.lateness,
            late: self.late,
        }
    }

    /// Keeps event-time windows `lateness` past their end: elements arriving that
    /// late still join them (Flink's `allowedLateness(Duration)`).
    ///
    /// # Panics
    /// When `lateness` is not whole milliseconds.
    #[must_use]
    pub fn allowed_lateness(self, lateness: Duration) -> Self {
        self.allowed_lateness_ms(millis(lateness))
    }

    /// [`WindowSpec::allowed_lateness`] in the internal ms.
    #[must_use]
    pub(crate) fn allowed_lateness_ms(mut self, lateness_ms: i64) -> Self {
        self.lateness = lateness_ms.max(0);
        self
    }

    /// Sends elements too late for all their windows to `tag` (Flink's
    /// `sideOutputLateData`) rather than the untagged side output.
    #[must_use]
    pub fn side_output_late_data(mut self, tag: &OutputTag<T>) -> Self {
        self.late = Some(tag.clone());
        self
    }

    /// Whether the trigger is the event-time default and nothing is evicted.
    fn is_default(&self) -> bool {
        TypeId::of::<Tr>() == TypeId::of::<EventTimeTrigger>()
            && TypeId::of::<Ev>() == TypeId::of::<NoEvictor>()
    }

    /// Installs a process window function.
    pub(super) fn install_process<K, O, I>(self, install: I, f: ProcessFn<K, T, O>) -> I::Made<O>
    where
        K: Data + Hash + Eq,
        O: Data,
        I: Install<T, K>,
    {
        let function = Buffered {
            function: f,
            evictor: self.evictor,
        };
        let spec = (self.assigner, self.trigger, self.lateness);
        install.operator(WindowOperator::new(spec, function, self.late))
    }

    /// Installs an aggregate: `init`, `add`, `merge` (if given) and `finish`, on the
    /// incremental operators when they apply (see the module docs).
    pub(super) fn install_aggregate<K, A, O, I>(
        self,
        install: I,
        (init, add, merge): Aggregate<A, T>,
        finish: Finish<K, A, O>,
    ) -> I::Made<O>
    where
        K: Data + Hash + Eq,
        A: Data,
        O: Data,
        I: Install<T, K>,
    {
        let (lateness, default) = (self.lateness, self.is_default());
        let emit: EmitFn<K, A, O> = match (self.assigner, finish, merge) {
            (Assigner(Kind::Sliding { size, slide }), Finish::Plain(f), _) if default => {
                let logic = Sliding::new((size, slide, lateness), install.key(), init, add, f);
                return install.windows("EventTimeWindow", logic, self.late);
            }
            (Assigner(Kind::Session { gap }), Finish::Plain(f), Some(merge)) if default => {
                let key = install.key().owned();
                let logic = Sessions::new((gap, lateness), key, (init, add, merge), f);
                return install.windows("SessionWindow", logic, self.late);
            }
            (assigner, finish, merge) => {
                let emit = finish.into_emit();
                let evicts = TypeId::of::<Ev>() != TypeId::of::<NoEvictor>();
                if !evicts && (merge.is_some() || !assigner.is_merging()) {
                    let function = Incremental {
                        init,
                        add,
                        merge,
                        emit,
                    };
                    let spec = (assigner, self.trigger, lateness);
                    return install.operator(WindowOperator::new(spec, function, self.late));
                }
                emit
            }
        };
        // Elements kept (for the evictor, or sessions without a merge): the aggregate
        // is computed at each firing.
        let fold: ProcessFn<K, T, O> = Box::new(move |key, ctx, elements| {
            let mut acc = init();
            for (_, e) in elements {
                add(&mut acc, e);
            }
            emit(key, ctx, &acc)
        });
        self.install_process(install, fold)
    }
}

/// An aggregate: a fresh accumulator, adding an element, merging (when given).
pub(super) type Aggregate<A, T> = (Box<dyn Fn() -> A>, AddFn<A, T>, Option<MergeFn<A>>);

/// How an aggregate's result is made from its accumulator.
pub(super) enum Finish<K, A, O> {
    /// From the accumulator alone.
    Plain(Box<dyn Fn(A) -> O>),
    /// A window function over the accumulator (Flink's `aggregate(agg, windowFn)`).
    Window(EmitFn<K, A, O>),
}

impl<K, A: Clone + 'static, O: 'static> Finish<K, A, O> {
    fn into_emit(self) -> EmitFn<K, A, O> {
        match self {
            Finish::Plain(f) => Box::new(move |_, _, acc: &A| vec![f(acc.clone())]),
            Finish::Window(emit) => emit,
        }
    }
}

/// Where a window operator goes: a dataflow, or a test harness.
pub(super) trait Install<T: Data, K: Data + Hash + Eq> {
    /// What installing an operator with results `O` gives.
    type Made<O: Data>;

    /// The key of an element.
    fn key(&self) -> KeyOf<T, K>;

    /// Installs an incremental window operator, late data to `late` if given.
    fn windows<O: Data, L: WindowLogic<T, WindowResult<K, O>>>(
        self,
        name: &str,
        logic: L,
        late: Option<OutputTag<T>>,
    ) -> Self::Made<O>;

    /// Installs the general window operator.
    fn operator<Tr: Trigger<T>, F: WindowFunction<K, T>>(
        self,
        operator: WindowOperator<T, K, Tr, F>,
    ) -> Self::Made<F::Out>;
}

/// Installs on a keyed stream.
struct OnStream<'a, 's, T, K>(&'a KeyedStream<'s, T, K>);

impl<'s, T: Data, K: Data + Hash + Eq> Install<T, K> for OnStream<'_, 's, T, K> {
    type Made<O: Data> = Processed<'s, WindowResult<K, O>, T>;

    fn key(&self) -> KeyOf<T, K> {
        self.0.key.clone()
    }

    fn windows<O: Data, L: WindowLogic<T, WindowResult<K, O>>>(
        self,
        name: &str,
        logic: L,
        late: Option<OutputTag<T>>,
    ) -> Self::Made<O> {
        driver::window_processed(self.0, name, logic, late)
    }

    fn operator<Tr: Trigger<T>, F: WindowFunction<K, T>>(
        self,
        operator: WindowOperator<T, K, Tr, F>,
    ) -> Self::Made<F::Out> {
        self.0.process(operator)
    }
}

/// A keyed stream cut into windows (Flink's `WindowedStream`). Its window functions
/// give a [`Processed`]: the results (it derefs to them) and the late data, on the
/// side output or, with [`WindowedStream::side_output_late_data`], its tag.
pub struct WindowedStream<'s, T, K, Tr, Ev> {
    keyed: KeyedStream<'s, T, K>,
    spec: WindowSpec<T, Tr, Ev>,
}

/// The results of windows: `WindowResult`s, late elements on the side output.
pub type WindowedResults<'s, K, O, T> = Processed<'s, WindowResult<K, O>, T>;

impl<'s, T: Data, K: Data + Hash + Eq> KeyedStream<'s, T, K> {
    /// Windows by `assigner` fired by `trigger` (Flink's `window(assigner).trigger(..)`).
    ///
    /// # Panics
    /// When a length of `assigner` is not positive.
    pub fn windows<Tr: Trigger<T>>(
        &self,
        assigner: Assigner,
        trigger: Tr,
    ) -> WindowedStream<'s, T, K, Tr, NoEvictor> {
        WindowedStream {
            keyed: KeyedStream {
                stream: self.stream.clone(),
                key: self.key.clone(),
            },
            spec: WindowSpec::new(assigner, trigger),
        }
    }

    /// One window per key for all time; give it a trigger (Flink's `GlobalWindows`).
    pub fn global_window(&self) -> WindowedStream<'s, T, K, NeverTrigger, NoEvictor> {
        self.windows(Assigner::global(), NeverTrigger)
    }

    /// Windows of each key's next `size` elements (Flink's `countWindow(size)`).
    pub fn count_window(&self, size: u64) -> WindowedStream<'s, T, K, CountTrigger, NoEvictor> {
        self.windows(
            Assigner::global(),
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
    ) -> WindowedStream<'s, T, K, CountTrigger, CountEvictor> {
        self.windows(Assigner::global(), CountTrigger::of(slide))
            .evictor(CountEvictor::of(size as usize))
    }
}

impl<'s, T: Data, K: Data + Hash + Eq, Tr: Trigger<T>, Ev: Evictor<T>>
    WindowedStream<'s, T, K, Tr, Ev>
{
    /// The same windows fired by `trigger` instead.
    pub fn trigger<Tr2: Trigger<T>>(self, trigger: Tr2) -> WindowedStream<'s, T, K, Tr2, Ev> {
        WindowedStream {
            keyed: self.keyed,
            spec: self.spec.trigger(trigger),
        }
    }

    /// The same windows with `evictor`.
    pub fn evictor<Ev2: Evictor<T>>(self, evictor: Ev2) -> WindowedStream<'s, T, K, Tr, Ev2> {
        WindowedStream {
            keyed: self.keyed,
            spec: self.spec.evictor(evictor),
        }
    }

    /// See [`WindowSpec::allowed_lateness`].
    #[must_use]
    pub fn allowed_lateness(mut self, lateness: Duration) -> Self {
        self.spec = self.spec.allowed_lateness(lateness);
        self
    }

    /// See [`WindowSpec::side_output_late_data`]; read it with
    /// `results.side_output(&tag)`.
    #[must_use]
    pub fn side_output_late_data(mut self, tag: &OutputTag<T>) -> Self {
        self.spec = self.spec.side_output_late_data(tag);
        self
    }

    /// Runs `f` on every firing with the key, a [`WindowContext`] (the window, the
    /// watermark, the clock, window and global state) and the window's elements
    /// `(event time, element)` after eviction (Flink's `ProcessWindowFunction`).
    ///
    /// # Panics
    /// When the windows merge and the trigger cannot.
    pub fn process<O: Data>(
        self,
        f: impl Fn(&K, &mut WindowContext<'_, K>, &[(i64, T)]) -> Vec<O> + 'static,
    ) -> WindowedResults<'s, K, O, T> {
        self.spec
            .install_process(OnStream(&self.keyed), Box::new(f))
    }

    /// The `f`-reduction of each window's elements (incremental unless an evictor
    /// needs the elements).
    ///
    /// # Panics
    /// When the windows merge and the trigger cannot.
    pub fn reduce(self, f: impl Fn(T, T) -> T + 'static) -> WindowedResults<'s, K, T, T> {
        let f = Rc::new(f);
        let g = f.clone();
        let add: AddFn<Option<T>, T> = Box::new(move |acc, r| {
            *acc = Some(match acc.take() {
                Some(a) => f(a, r.clone()),
                None => r.clone(),
            });
        });
        let merge: MergeFn<Option<T>> = Box::new(move |acc, other| {
            *acc = match (acc.take(), other) {
                (Some(a), Some(b)) => Some(g(a, b)),
                (a, b) => a.or(b),
            };
        });
        let finish = Finish::Plain(Box::new(|acc: Option<T>| {
            acc.expect("a fired window has an element")
        }));
        let agg = (
            Box::new(|| None) as Box<dyn Fn() -> Option<T>>,
            add,
            Some(merge),
        );
        self.spec
            .install_aggregate(OnStream(&self.keyed), agg, finish)
    }

    /// Aggregates each window (Flink's `aggregate`): `init`, `add` per element and
    /// `finish` at each firing. Incremental (one accumulator per window) unless an
    /// evictor needs the elements or the windows merge (then see
    /// [`WindowedStream::aggregate_merging`]).
    ///
    /// # Panics
    /// When the windows merge and the trigger cannot.
    pub fn aggregate<A: Data, O: Data>(
        self,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> WindowedResults<'s, K, O, T> {
        let agg = (
            Box::new(init) as Box<dyn Fn() -> A>,
            Box::new(add) as AddFn<A, T>,
            None,
        );
        let finish = Finish::Plain(Box::new(finish));
        self.spec
            .install_aggregate(OnStream(&self.keyed), agg, finish)
    }

    /// As [`WindowedStream::aggregate`], with `merge` for windows that merge
    /// (sessions), so they stay incremental.
    ///
    /// # Panics
    /// When the windows merge and the trigger cannot.
    pub fn aggregate_merging<A: Data, O: Data>(
        self,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        merge: impl Fn(&mut A, A) + 'static,
        finish: impl Fn(A) -> O + 'static,
    ) -> WindowedResults<'s, K, O, T> {
        let merge: MergeFn<A> = Box::new(merge);
        let agg = (
            Box::new(init) as Box<dyn Fn() -> A>,
            Box::new(add) as AddFn<A, T>,
            Some(merge),
        );
        let finish = Finish::Plain(Box::new(finish));
        self.spec
            .install_aggregate(OnStream(&self.keyed), agg, finish)
    }

    /// Aggregates incrementally and gives each firing's accumulator to a window
    /// function with the key and a [`WindowContext`] (Flink's
    /// `aggregate(aggregateFunction, processWindowFunction)`).
    ///
    /// # Panics
    /// When the windows merge and the trigger cannot.
    pub fn aggregate_process<A: Data, O: Data>(
        self,
        init: impl Fn() -> A + 'static,
        add: impl Fn(&mut A, &T) + 'static,
        f: impl Fn(&K, &mut WindowContext<'_, K>, &A) -> Vec<O> + 'static,
    ) -> WindowedResults<'s, K, O, T> {
        let agg = (
            Box::new(init) as Box<dyn Fn() -> A>,
            Box::new(add) as AddFn<A, T>,
            None,
        );
        self.spec
            .install_aggregate(OnStream(&self.keyed), agg, Finish::Window(Box::new(f)))
    }
}

/// `windowed`, `trigger`, `evictor`, `side_output_late_data` and `process` on a window
/// kind whose default trigger is `$trigger`, by way of its [`WindowedStream`]; the
/// kind has `keyed` and a `spec()` giving its [`WindowSpec`].
macro_rules! to_windowed {
    ($kind:ident, $trigger:ty) => {
        impl<'s, T: $crate::Data, K: $crate::Data + ::std::hash::Hash + Eq> $kind<'s, T, K> {
            /// These windows as a [`WindowedStream`] with their default trigger.
            pub fn windowed(
                &self,
            ) -> $crate::window::WindowedStream<'s, T, K, $trigger, $crate::window::NoEvictor> {
                $crate::window::windowed::windowed(&self.keyed, self.spec())
            }

            /// These windows fired by `trigger` instead of the default.
            pub fn trigger<Tr: $crate::window::Trigger<T>>(
                &self,
                trigger: Tr,
            ) -> $crate::window::WindowedStream<'s, T, K, Tr, $crate::window::NoEvictor> {
                self.windowed().trigger(trigger)
            }

            /// These windows with `evictor`.
            pub fn evictor<Ev: $crate::window::Evictor<T>>(
                &self,
                evictor: Ev,
            ) -> $crate::window::WindowedStream<'s, T, K, $trigger, Ev> {
                self.windowed().evictor(evictor)
            }

            /// These windows, late data to `tag` (Flink's `sideOutputLateData`).
            pub fn side_output_late_data(
                &self,
                tag: &$crate::process::OutputTag<T>,
            ) -> $crate::window::WindowedStream<'s, T, K, $trigger, $crate::window::NoEvictor> {
                self.windowed().side_output_late_data(tag)
            }

            /// A process window function over these windows: see
            /// `WindowedStream::process`.
            pub fn process<O: $crate::Data>(
                &self,
                f: impl Fn(&K, &mut $crate::window::WindowContext<'_, K>, &[(i64, T)]) -> Vec<O>
                + 'static,
            ) -> $crate::window::WindowedResults<'s, K, O, T> {
                self.windowed().process(f)
            }
        }
    };
}

pub(super) use to_windowed;

/// Builds the [`WindowedStream`] of a window kind.
pub(super) fn windowed<'s, T: Data, K: Data + Hash + Eq, Tr: Trigger<T>>(
    keyed: &KeyedStream<'s, T, K>,
    spec: WindowSpec<T, Tr, NoEvictor>,
) -> WindowedStream<'s, T, K, Tr, NoEvictor> {
    WindowedStream {
        keyed: KeyedStream {
            stream: keyed.stream.clone(),
            key: keyed.key.clone(),
        },
        spec,
    }
}
