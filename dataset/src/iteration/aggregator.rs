//! Typed iteration aggregators (Flink's `registerAggregator`,
//! `getPreviousIterationAggregate` and `registerAggregationConvergenceCriterion`).
//!
//! An aggregator folds a data set of the step with an [`Aggregator`] in three operators
//! per worker and round (decision record `docs/0016-iteration-aggregators.md`):
//! 1. *partial*: folds the round's records on this worker (`add`), starting from `init()`.
//!    The head's token for the round opens it, so every worker gives a partial every
//!    round, also when nothing was contributed;
//! 2. *combine*: every partial, tagged with its worker's index, is broadcast to every
//!    worker, which merges them in worker order (`merge`) and finishes the value. Every
//!    worker so holds the same value, bit for bit, and decides alike;
//! 3. readers: the value of round `r` in round `r` ([`IterationAggregate::current`]) or
//!    at round `r + 1` ([`IterationAggregate::previous`]),
//!    a convergence vote to the head ([`Iteration::converge_when`]), or the values of all
//!    rounds after the loop ([`IterationAggregate::history`]).
//!
//! Known limitation: a worker folds its records in the order they arrive. For an `add`
//! that is not exactly associative (floating-point sums), records that reach a worker
//! through an exchange can arrive in another order in another run, so the last bits of
//! such a value can differ between runs; every worker of one run still agrees.

use std::collections::BTreeMap;
use std::rc::Rc;

use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::feedback::Handle;
use strom_core::timely::dataflow::operators::generic::builder_rc::OperatorBuilder;
use strom_core::timely::dataflow::operators::generic::{Operator, OutputBuilder};
use strom_core::timely::dataflow::operators::vec::{Broadcast, Filter, Map};
use strom_core::timely::dataflow::operators::{Capability, ConnectLoop, Feedback};
use strom_core::timely::progress::Antichain;

use super::signals::Signal;
use super::{Iteration, LoopScope};
use crate::aggregate::Aggregator;
use crate::data_set::{Data, DataSet};
use crate::env::Time;
use crate::operators::blocking::{binary_blocking, unary_blocking};

/// A typed handle on an aggregator registered with [`Iteration::aggregate`]: its value
/// of each round, combined over all workers.
pub struct IterationAggregate<'scope, O> {
    scope: Rc<LoopScope<'scope>>,
    /// The round's value on every worker, at the round's time.
    combined: StreamVec<'scope, Time, O>,
}

impl<O: Clone + 'static> Clone for IterationAggregate<'_, O> {
    fn clone(&self) -> Self {
        IterationAggregate {
            scope: self.scope.clone(),
            combined: self.combined.clone(),
        }
    }
}

/// The records of an aggregator registered with [`Iteration::aggregator`], given once
/// with [`AggregatorInput::feed`]; dropped unfed, the aggregator gets no records.
pub struct AggregatorInput<'scope, T: Data> {
    scope: Rc<LoopScope<'scope>>,
    handle: Option<Handle<'scope, Time, Vec<T>>>,
}

impl<'scope, T: Data> AggregatorInput<'scope, T> {
    /// Gives the aggregator each round's records of `values` (entered if it comes from
    /// outside the iteration).
    ///
    /// # Panics
    /// When `values` belongs to another iteration.
    pub fn feed(mut self, values: &DataSet<'scope, T>) {
        let values = self.scope.enter_or_keep(values);
        if let Some(handle) = self.handle.take() {
            values.stream.connect_loop(handle);
        }
    }
}

impl<T: Data> Drop for AggregatorInput<'_, T> {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            let none = self.scope.enter_or_keep(&self.scope.env.empty::<T>());
            none.stream.connect_loop(handle);
        }
    }
}

impl<'scope> Iteration<'scope> {
    /// Registers an aggregator (Flink's `registerAggregator`): per round, `aggregator`
    /// folds this round's records of `values` on each worker, and the partials of all
    /// workers are merged (in worker order) into the round's value, `finish(..)` of the
    /// merged accumulator. A round without records has the value `finish(init())`, so an
    /// aggregator whose `finish` needs a record ([`crate::agg::min`], [`crate::agg::max`])
    /// needs records in every round; [`crate::agg::custom`] with a neutral `init` does not.
    ///
    /// ```
    /// use strom_core::RuntimeConfig;
    /// use strom_dataset::{agg, execute};
    ///
    /// // Halve until the values change by less than 0.01 in total.
    /// let (values, changes) = execute(&RuntimeConfig::default().with_workers(2), |env| {
    ///     let mut changes = None;
    ///     let values = env.from_collection(vec![1.0f64, 2.0]).iterate(100, |it, partial| {
    ///         let change = it.aggregate(&partial, agg::sum(|x: &f64| x / 2.0));
    ///         it.converge_when(&change, |c| *c < 0.01);
    ///         changes = Some(change.history());
    ///         partial.map(|x| x / 2.0)
    ///     });
    ///     (values.collect(), changes.expect("the step ran").collect())
    /// })
    /// .unwrap()
    /// .unwrap();
    /// assert_eq!(changes.len(), 9); // 1.5, 0.75, ..., 1.5 / 256 < 0.01
    /// assert_eq!(changes[8], (9, 1.5 / 256.0));
    /// assert_eq!(values.iter().sum::<f64>(), 3.0 / 512.0);
    /// ```
    pub fn aggregate<T: Data, A: Aggregator<T>>(
        &self,
        values: &DataSet<'scope, T>,
        aggregator: A,
    ) -> IterationAggregate<'scope, A::Out> {
        self.aggregate_stream(self.enter(values).stream, aggregator)
    }

    /// Registers an aggregator whose records are given later, with
    /// [`AggregatorInput::feed`]: so the step can read the aggregate's
    /// [`IterationAggregate::previous`] value and then compute, from it, the records it
    /// contributes this round (as Flink's iteration functions read
    /// `getPreviousIterationAggregate` and call `aggregate` on the same aggregator).
    /// Otherwise as [`Iteration::aggregate`].
    ///
    /// Only `previous()` may be read upstream of the fed records: `current()` there
    /// would wait for its own round's value.
    ///
    /// ```
    /// use strom_core::RuntimeConfig;
    /// use strom_dataset::{agg, execute};
    ///
    /// // Each round adds the previous round's total, then contributes the new values.
    /// let (mut values, totals) = execute(&RuntimeConfig::default().with_workers(2), |env| {
    ///     let mut totals = None;
    ///     let values = env.from_collection(vec![1u64, 2, 3]).iterate(3, |it, partial| {
    ///         let (input, total) = it.aggregator(agg::sum(|x: &u64| *x));
    ///         let next = partial.map_with_broadcast(&total.previous(), |x, before| {
    ///             x + before.first().copied().unwrap_or(0)
    ///         });
    ///         input.feed(&next);
    ///         totals = Some(total.history());
    ///         next
    ///     });
    ///     (values.collect(), totals.expect("the step ran").collect())
    /// })
    /// .unwrap()
    /// .unwrap();
    /// values.sort();
    /// // 1 + 2 + 3 = 6; then 7 + 8 + 9 = 24; then 31 + 32 + 33 = 96.
    /// assert_eq!(totals, vec![(1, 6), (2, 24), (3, 96)]);
    /// assert_eq!(values, vec![31, 32, 33]);
    /// ```
    pub fn aggregator<T: Data, A: Aggregator<T>>(
        &self,
        aggregator: A,
    ) -> (
        AggregatorInput<'scope, T>,
        IterationAggregate<'scope, A::Out>,
    ) {
        let (handle, values) = self.scope.env.scope.feedback::<Vec<T>>(0);
        let input = AggregatorInput {
            scope: self.scope.clone(),
            handle: Some(handle),
        };
        (input, self.aggregate_stream(values, aggregator))
    }

    /// The aggregate of `values`, a stream of this iteration.
    fn aggregate_stream<T: Data, A: Aggregator<T>>(
        &self,
        values: StreamVec<'scope, Time, T>,
        aggregator: A,
    ) -> IterationAggregate<'scope, A::Out> {
        let index = self.scope.env.index();
        let (init, add) = (aggregator.clone(), aggregator.clone());
        // Per worker: `(worker, partial)` once the round is complete here, if it ran.
        let partials = binary_blocking(
            values,
            self.scope.tokens.clone(),
            (Pipeline, Pipeline),
            "AggregatorPartial",
            move || (init.init(), false),
            move |(acc, _), data: &mut Vec<T>, _, _: &mut Vec<(usize, A::Acc)>| {
                for x in data.drain(..) {
                    add.add(acc, &x);
                }
            },
            |(_, ran), tokens: &mut Vec<u32>| {
                *ran |= !tokens.is_empty();
                tokens.clear();
            },
            move |(acc, ran), _| ran.then_some((index, acc)),
        );
        let init = aggregator.clone();
        let combined = unary_blocking(
            partials.broadcast(),
            Pipeline,
            "AggregatorCombine",
            Vec::new,
            |all: &mut Vec<(usize, A::Acc)>, data: &mut Vec<(usize, A::Acc)>| all.append(data),
            move |mut all| {
                // No partials: the round did not run (time 0 of a loop of no rounds).
                if all.is_empty() {
                    return None;
                }
                all.sort_by_key(|(worker, _)| *worker);
                let mut acc = init.init();
                for (_, partial) in all {
                    aggregator.merge(&mut acc, partial);
                }
                Some(aggregator.finish(acc))
            },
        );
        IterationAggregate {
            scope: self.scope.clone(),
            combined,
        }
    }

    /// Ends the iteration after the first round whose value of `aggregate` satisfies
    /// `converged` (Flink's `registerAggregationConvergenceCriterion`); the result is
    /// that round's. Every worker holds the same value, so all agree; several criteria
    /// end the iteration when any holds.
    ///
    /// # Panics
    /// When `aggregate` belongs to another iteration.
    pub fn converge_when<O: Data>(
        &self,
        aggregate: &IterationAggregate<'scope, O>,
        converged: impl Fn(&O) -> bool + 'static,
    ) {
        assert!(
            aggregate.scope.id == self.scope.id,
            "a convergence criterion must use an aggregator of its own iteration"
        );
        let driver = self.scope.env.index() == 0;
        let votes = aggregate
            .combined
            .clone()
            .filter(move |value| driver && converged(value))
            .map(|_| Signal::Converged);
        self.scope.signal(votes);
    }
}

impl<'scope, O: Data> IterationAggregate<'scope, O> {
    /// The value of this round, once all of the round's records are aggregated: one
    /// record (on worker 0) per round, e.g. to derive the next partial solution from it
    /// (the centroids of a k-means step from their summed points).
    pub fn current(&self) -> DataSet<'scope, O> {
        let driver = self.scope.env.index() == 0;
        DataSet {
            env: self.scope.env.clone(),
            stream: self.combined.clone().filter(move |_| driver),
            iteration: Some(self.scope.clone()),
        }
    }

    /// The value of the previous round (Flink's `getPreviousIterationAggregate`), to
    /// read in the step as a broadcast variable: one record (on worker 0) from the
    /// second superstep on, none in the first.
    ///
    /// ```
    /// use strom_core::RuntimeConfig;
    /// use strom_dataset::{agg, execute};
    ///
    /// // Each round adds the previous round's total to every value.
    /// let mut out = execute(&RuntimeConfig::default().with_workers(2), |env| {
    ///     env.from_collection(vec![1u64, 2])
    ///         .iterate(3, |it, partial| {
    ///             let total = it.aggregate(&partial, agg::sum(|x: &u64| *x));
    ///             partial.map_with_broadcast(&total.previous(), |x, before| {
    ///                 x + before.first().copied().unwrap_or(0)
    ///             })
    ///         })
    ///         .collect()
    /// })
    /// .unwrap()
    /// .unwrap();
    /// out.sort();
    /// // Superstep 1 adds nothing (its total is 3), superstep 2 adds 3 (its total is 3
    /// // too, of 1 and 2), superstep 3 adds 3 to 4 and 5.
    /// assert_eq!(out, vec![7, 8]);
    /// ```
    pub fn previous(&self) -> DataSet<'scope, O> {
        let env = &self.scope.env;
        let driver = env.index() == 0;
        let mut builder = OperatorBuilder::new("AggregatePrevious".to_string(), env.scope);
        let mut values_in = builder.new_input(self.combined.clone(), Pipeline);
        let mut tokens_in = builder.new_input(self.scope.tokens.clone(), Pipeline);
        // A value of round `r` is given at `r + 1`: once round `r` is complete, readers
        // of round `r + 1` need not wait for round `r + 1`'s value.
        let (out, stream) = builder.new_output_connection::<Vec<O>, _>([
            (0, Antichain::from_elem(1)),
            (1, Antichain::from_elem(0)),
        ]);
        let mut out = OutputBuilder::from(out);
        builder.build(move |caps| {
            drop(caps);
            let mut values: BTreeMap<Time, O> = BTreeMap::new();
            let mut rounds: Vec<Capability<Time>> = Vec::new();
            move |frontiers| {
                let mut out = out.activate();
                values_in.for_each(|cap, data| {
                    if let (true, Some(&time), Some(value)) = (driver, cap.least(), data.pop()) {
                        values.insert(time, value);
                    }
                });
                tokens_in.for_each(|cap, _| {
                    if driver && cap.least().is_some_and(|&t| t > 0) {
                        rounds.extend(cap.retain_least(0));
                    }
                });
                rounds.retain(|cap| {
                    let before = cap.time() - 1;
                    if frontiers[0].less_equal(&before) {
                        return true;
                    }
                    if let Some(value) = values.remove(&before) {
                        out.session(cap).give(value);
                    }
                    false
                });
                // A value no round can still ask for: round `t + 1` neither waits for it
                // nor can still start. (The tokens' frontier can pass `t + 1` while that
                // round runs and before its value of `t` has come.)
                values.retain(|time, _| {
                    frontiers[1].less_equal(&(time + 1))
                        || rounds.iter().any(|cap| *cap.time() == time + 1)
                });
            }
        });
        DataSet {
            env: env.clone(),
            stream,
            iteration: Some(self.scope.clone()),
        }
    }

    /// `(superstep, value)` of every round that ran (supersteps are 1-based), on worker
    /// 0, once the iteration has ended: a data set outside the iteration.
    pub fn history(&self) -> DataSet<'scope, (u32, O)> {
        let driver = self.scope.env.index() == 0;
        let stream =
            self.combined
                .clone()
                .unary_frontier(Pipeline, "AggregateHistory", move |cap, _| {
                    let mut cap = Some(cap);
                    let mut rows: Vec<(u32, O)> = Vec::new();
                    move |(input, frontier), output| {
                        input.for_each(|time, data| {
                            let Some(&time) = time.least() else { return };
                            let step = u32::try_from(time + 1).expect("fewer than 2^32 rounds");
                            if driver {
                                rows.extend(data.drain(..).map(|v| (step, v)));
                            }
                        });
                        if frontier.frontier().is_empty()
                            && let Some(cap) = cap.take()
                        {
                            rows.sort_by_key(|(step, _)| *step);
                            output.session(&cap).give_iterator(rows.drain(..));
                        }
                    }
                });
        DataSet::from_stream(&self.scope.env, stream)
    }
}
