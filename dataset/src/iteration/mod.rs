//! Bulk and delta iterations (Flink's `iterate` and `iterateDelta`) as loops in the
//! job's timely dataflow (decision record `docs/0007-iterations.md`).
//!
//! A round of an iteration is a time of the dataflow: data outside iterations carries
//! time 0, round `r` carries time `r`, and a feedback edge takes the step's result of
//! round `r` back to the loop's head at time `r + 1`. Operators keep state per time
//! (`operators/blocking.rs`), so one operator serves every round. The head
//! (`head.rs`) runs rounds as supersteps: it releases round `r + 1` only once round `r`
//! is complete everywhere (its feedback frontier says so), and then decides, from the
//! round's signals gathered from all workers, whether to go on.
//!
//! Data sets from outside an iteration that a step combines with its round data (a
//! join with the edges of a graph, say) are *entered*: cached per worker and replayed
//! at every round (`replay.rs`), as Flink's static paths are. Binary operators do this
//! on their own (`align`).
//!
//! Typed aggregators ([`Iteration::aggregate`], `aggregator.rs`) fold a data set of the
//! step on each worker and combine the partials of all workers per round; the step reads
//! the previous round's value, and a convergence criterion on it can end the loop.

mod aggregator;
mod head;
mod replay;
mod signals;
mod solution;
mod solution_table;

use std::cell::RefCell;
use std::rc::Rc;

use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::operators::vec::{Broadcast, Filter, Map};
use strom_core::timely::dataflow::operators::{Concat, ConnectLoop, Feedback};

use crate::data_set::{Data, DataSet, Key};
use crate::env::{Env, Time};
pub use aggregator::{AggregatorInput, IterationAggregate};
use head::{HeadStreams, Mode};
use signals::{Signal, round_signal};
pub use solution::SolutionSet;

/// What a job's step function knows about the iteration it is building.
pub(crate) struct LoopScope<'scope> {
    id: usize,
    env: Env<'scope>,
    /// One record per worker and round, at the round's time: starts replays.
    pub(crate) tokens: StreamVec<'scope, Time, u32>,
    /// Per-round signals registered by the step, for the head.
    signals: RefCell<Vec<StreamVec<'scope, Time, Signal>>>,
    shared: Rc<head::Shared>,
}

impl<'scope> LoopScope<'scope> {
    /// `data` (from outside the loop) replayed at every round.
    fn enter<T: Data>(self: &Rc<Self>, data: &DataSet<'scope, T>) -> DataSet<'scope, T> {
        DataSet {
            env: self.env.clone(),
            stream: replay::replay(&self.env, data.stream.clone(), self.tokens.clone()),
            iteration: Some(self.clone()),
        }
    }

    /// `data` in this iteration: entered if it comes from outside.
    fn enter_or_keep<T: Data>(self: &Rc<Self>, data: &DataSet<'scope, T>) -> DataSet<'scope, T> {
        match &data.iteration {
            Some(s) if s.id == self.id => data.clone(),
            Some(_) => panic!("a data set of another iteration cannot enter this one"),
            None => self.enter(data),
        }
    }

    fn signal(&self, signal: StreamVec<'scope, Time, Signal>) {
        self.signals.borrow_mut().push(signal);
    }

    /// All registered signals, broadcast to every worker's head.
    fn gathered_signals(&self) -> StreamVec<'scope, Time, Signal> {
        let mut all = self.signals.borrow_mut().drain(..).collect::<Vec<_>>();
        let first = all.pop().expect("every iteration counts its records");
        all.into_iter()
            .fold(first, |acc, s| acc.concat(s))
            .broadcast()
    }
}

/// The handle a step function gets on its iteration.
pub struct Iteration<'scope> {
    scope: Rc<LoopScope<'scope>>,
}

impl<'scope> Iteration<'scope> {
    /// `data`, from outside the iteration, made available in every round. Binary
    /// operators (joins, `co_group`, `cross`, `union`, broadcast variables) do this on
    /// their own when one input is inside the iteration and the other is not.
    pub fn enter<T: Data>(&self, data: &DataSet<'scope, T>) -> DataSet<'scope, T> {
        self.scope.enter_or_keep(data)
    }

    /// Ends the iteration after the first round in which `criterion` is empty on every
    /// worker (Flink's termination criterion); the result is that round's.
    pub fn terminate_when_empty<T: Data>(&self, criterion: &DataSet<'scope, T>) {
        let criterion = self.enter(criterion);
        self.scope.shared.has_criterion.set(true);
        self.scope.signal(round_signal(
            criterion.stream,
            |n, _| *n += 1,
            Signal::Criterion,
        ));
    }

    /// The current superstep, 1-based as Flink's `getSuperstepNumber`: one record per
    /// round (on worker 0), to read in the step as a broadcast variable.
    ///
    /// ```
    /// use strom_core::RuntimeConfig;
    /// use strom_dataset::execute;
    ///
    /// // Each round adds its superstep number: 0 + 1 + 2 + 3.
    /// let out = execute(&RuntimeConfig::default().with_workers(2), |env| {
    ///     env.from_collection(vec![0u32])
    ///         .iterate(3, |it, partial| {
    ///             partial.map_with_broadcast(&it.superstep(), |x, step| x + step[0])
    ///         })
    ///         .collect()
    /// })
    /// .unwrap()
    /// .unwrap();
    /// assert_eq!(out, vec![6]);
    /// ```
    pub fn superstep(&self) -> DataSet<'scope, u32> {
        let driver = self.scope.env.index() == 0;
        let stream = self
            .scope
            .tokens
            .clone()
            .filter(move |_| driver)
            .map(|round| round + 1);
        DataSet {
            env: self.scope.env.clone(),
            stream,
            iteration: Some(self.scope.clone()),
        }
    }
}

/// The two inputs of a binary operator in the same iteration: an input from outside is
/// entered into the other's iteration.
pub(crate) fn align<'s, A: Data, B: Data>(
    a: &DataSet<'s, A>,
    b: &DataSet<'s, B>,
) -> (DataSet<'s, A>, DataSet<'s, B>) {
    match (&a.iteration, &b.iteration) {
        (Some(x), Some(y)) => {
            assert!(
                x.id == y.id,
                "data sets of two different iterations cannot be combined"
            );
            (a.clone(), b.clone())
        }
        (Some(x), None) => (a.clone(), x.enter(b)),
        (None, Some(y)) => (y.enter(a), b.clone()),
        (None, None) => (a.clone(), b.clone()),
    }
}

/// Fails the build if `data` is inside an iteration, where `what` is not supported.
pub(crate) fn reject<T>(data: &DataSet<'_, T>, what: &str) {
    assert!(
        data.iteration.is_none(),
        "{what} is not supported inside an iteration"
    );
}

impl<'scope, T: Data> DataSet<'scope, T> {
    /// A bulk iteration (Flink's `iterate`): `step` maps the partial solution of one
    /// round to the next, at most `max_rounds` times, starting from this data set; the
    /// result is the last round's. [`Iteration::terminate_when_empty`] and
    /// [`Iteration::converge_when`] (on an [`Iteration::aggregate`]) end it earlier.
    ///
    /// ```
    /// use strom_dataset::execute;
    /// use strom_core::RuntimeConfig;
    ///
    /// // Doubling 1, 2, 3 five times.
    /// let mut out = execute(&RuntimeConfig::default().with_workers(2), |env| {
    ///     env.from_collection(vec![1u64, 2, 3])
    ///         .iterate(5, |_, partial| partial.map(|x| x * 2))
    ///         .collect()
    /// })
    /// .unwrap()
    /// .unwrap();
    /// out.sort();
    /// assert_eq!(out, vec![32, 64, 96]);
    /// ```
    ///
    /// # Panics
    /// When built inside another iteration (nesting is not supported).
    pub fn iterate<F>(&self, max_rounds: u32, step: F) -> DataSet<'scope, T>
    where
        F: FnOnce(&Iteration<'scope>, DataSet<'scope, T>) -> DataSet<'scope, T>,
    {
        reject(self, "an iteration");
        let env = &self.env;
        let (data_handle, feedback) = env.scope.feedback::<Vec<T>>(1);
        let (signal_handle, signals) = env.scope.feedback::<Vec<Signal>>(1);
        let shared = Rc::new(head::Shared::default());
        let head = head::build(
            env,
            self.stream.clone(),
            feedback,
            signals,
            Mode::Bulk,
            max_rounds,
            shared.clone(),
        );
        let (it, partial, result) = start(env, head, shared);
        let next = it.enter(&step(&it, partial));
        it.scope.signal(round_signal(
            next.stream.clone(),
            |n, _| *n += 1,
            Signal::Records,
        ));
        next.stream.connect_loop(data_handle);
        it.scope.gathered_signals().connect_loop(signal_handle);
        DataSet::from_stream(env, result)
    }

    /// A delta iteration (Flink's `iterateDelta`): this data set is the initial solution
    /// set, keyed by `key`; each round, `step` gets the solution set and the workset and
    /// returns the round's delta (records replacing the solution's records of equal
    /// key, applied at the end of the round) and the next workset. It ends when the
    /// workset is empty, after `max_rounds`, or when a convergence criterion
    /// ([`Iteration::converge_when`]) holds; the result is the final solution set.
    ///
    /// # Panics
    /// When built inside another iteration (nesting is not supported).
    pub fn iterate_delta<W, K, F>(
        &self,
        workset: &DataSet<'scope, W>,
        key: impl Fn(&T) -> K + Clone + 'static,
        max_rounds: u32,
        step: F,
    ) -> DataSet<'scope, T>
    where
        W: Data,
        K: Key,
        F: FnOnce(
            &Iteration<'scope>,
            &SolutionSet<'scope, K, T>,
            DataSet<'scope, W>,
        ) -> (DataSet<'scope, T>, DataSet<'scope, W>),
    {
        reject(self, "an iteration");
        reject(workset, "an iteration");
        let env = &self.env;
        let (workset_handle, feedback) = env.scope.feedback::<Vec<W>>(1);
        let (signal_handle, signals) = env.scope.feedback::<Vec<Signal>>(1);
        // The delta goes back to the solution set within its round.
        let (delta_handle, deltas) = env.scope.feedback::<Vec<T>>(0);
        let shared = Rc::new(head::Shared::default());
        let head = head::build(
            env,
            workset.stream.clone(),
            feedback,
            signals,
            Mode::Delta,
            max_rounds,
            shared.clone(),
        );
        let (it, workset, _) = start(env, head, shared);
        let store = solution::store(env, self.stream.clone(), deltas, key);
        let solution = SolutionSet::new(store.table, store.ready, it.scope.clone(), store.route);
        let (delta, next) = step(&it, &solution, workset);
        let (delta, next) = (it.enter(&delta), it.enter(&next));
        delta.stream.connect_loop(delta_handle);
        it.scope.signal(round_signal(
            next.stream.clone(),
            |n, _| *n += 1,
            Signal::Records,
        ));
        next.stream.connect_loop(workset_handle);
        it.scope
            .gathered_signals()
            .concat(store.applied)
            .connect_loop(signal_handle);
        DataSet::from_stream(env, store.result)
    }
}

/// The iteration handle, its rounds' data set and the head's result, from a built head.
fn start<'s, T: Data>(
    env: &Env<'s>,
    head: HeadStreams<'s, T>,
    shared: Rc<head::Shared>,
) -> (Iteration<'s>, DataSet<'s, T>, StreamVec<'s, Time, T>) {
    let id = env.ctx.loops.get();
    env.ctx.loops.set(id + 1);
    let scope = Rc::new(LoopScope {
        id,
        env: env.clone(),
        tokens: head.tokens,
        signals: RefCell::new(Vec::new()),
        shared,
    });
    let data = DataSet {
        env: env.clone(),
        stream: head.data,
        iteration: Some(scope.clone()),
    };
    (Iteration { scope }, data, head.result)
}
