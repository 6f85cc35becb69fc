//! The solution set of a delta iteration: keyed state, partitioned by key across the
//! workers like one side of a join, held in memory by one operator per worker (the
//! store) and read by the step's look-ups on the same worker.
//!
//! The store has three outputs, used only for their capabilities except the last:
//! - `ready`, read by look-ups: held at time 0 until the initial solution is loaded,
//!   and at `r + 1` while round `r`'s delta is not yet applied, so a look-up at round
//!   `r` waits until the solution reflects every round before it;
//! - `applied`, read by the head: held at `r` until round `r`'s delta is applied, so
//!   the head never starts a round on a stale solution;
//! - `result`: the final solution, at time 0, once the loop has ended.
//!
//! A round's delta is applied when the round is complete (records replace the
//! solution's record of equal key), so every look-up of a round sees the same state.
//!
//! The store is a memory consumer: its entries (`solution_table.rs`) stay in a hash
//! map within its share of the budget and move to the disk state backend past it.

use std::cell::RefCell;
use std::rc::Rc;

use strom_core::keys::worker_for_key;
use strom_core::state::KeyGroupRange;
use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::{Exchange, Pipeline};
use strom_core::timely::dataflow::operators::Capability;
use strom_core::timely::dataflow::operators::generic::builder_rc::OperatorBuilder;
use strom_core::timely::dataflow::operators::generic::{Operator, OutputBuilder};
use strom_core::timely::progress::Antichain;

use super::LoopScope;
use super::signals::Signal;
use super::solution_table::{Drain, SolutionTable};
use crate::data_set::{Data, DataSet, Key};
use crate::env::{Env, Time};
use crate::operators::blocking::EMIT_BATCH;

type Table<K, S> = Rc<RefCell<SolutionTable<K, S>>>;
type Route<K> = Rc<dyn Fn(&K) -> u64>;

/// The solution set of a delta iteration, as its step sees it: records can be looked
/// up by key (Flink's solution-set join).
pub struct SolutionSet<'scope, K, S> {
    table: Table<K, S>,
    ready: StreamVec<'scope, Time, Signal>,
    scope: Rc<LoopScope<'scope>>,
    route: Route<K>,
}

impl<'scope, K: Key, S: Data> SolutionSet<'scope, K, S> {
    pub(super) fn new(
        table: Table<K, S>,
        ready: StreamVec<'scope, Time, Signal>,
        scope: Rc<LoopScope<'scope>>,
        route: Route<K>,
    ) -> Self {
        SolutionSet {
            table,
            ready,
            scope,
            route,
        }
    }

    /// For every record of `probes`, `f(record, the solution's record with its key, if
    /// any)`, flattened: an inner join, an outer join or an anti-join, as `f` chooses.
    pub fn lookup<X: Data, I>(
        &self,
        probes: &DataSet<'scope, X>,
        key: impl Fn(&X) -> K + 'static,
        mut f: impl FnMut(X, Option<&S>) -> I + 'static,
    ) -> DataSet<'scope, I::Item>
    where
        I: IntoIterator,
        I::Item: Data,
    {
        let probes = self.scope.enter_or_keep(probes);
        let key = Rc::new(key);
        let (route, route_key) = (self.route.clone(), key.clone());
        let pact = Exchange::new(move |x: &X| route(&route_key(x)));
        let table = self.table.clone();
        let stream = probes.stream.clone().binary_frontier(
            self.ready.clone(),
            pact,
            Pipeline,
            "SolutionLookup",
            move |_, _| {
                let mut waiting: Vec<(Capability<Time>, Vec<X>)> = Vec::new();
                move |(probe_in, _), (ready_in, ready_frontier), output| {
                    ready_in.for_each(|_, _| {});
                    probe_in.for_each(|cap, batch| {
                        if let Some(cap) = cap.retain_least(0) {
                            waiting.push((cap, std::mem::take(batch)));
                        }
                    });
                    let ready = ready_frontier.frontier();
                    waiting.retain_mut(|(cap, batch)| {
                        if ready.less_equal(cap.time()) {
                            return true;
                        }
                        let mut table = table.borrow_mut();
                        let mut session = output.session(cap);
                        for x in batch.drain(..) {
                            let k = key(&x);
                            session.give_iterator(f(x, table.get(&k)).into_iter());
                        }
                        false
                    });
                }
            },
        );
        probes.wrap(stream)
    }

    /// For every record of `probes` whose key is in the solution, `f(record, solution
    /// record)` (an inner join with the solution set).
    pub fn join<X: Data, O: Data>(
        &self,
        probes: &DataSet<'scope, X>,
        key: impl Fn(&X) -> K + 'static,
        mut f: impl FnMut(X, &S) -> O + 'static,
    ) -> DataSet<'scope, O> {
        self.lookup(probes, key, move |x, s| s.map(|s| f(x, s)))
    }
}

/// The store's streams and its table.
pub(super) struct Store<'s, K, S> {
    pub(super) table: Table<K, S>,
    pub(super) route: Route<K>,
    pub(super) ready: StreamVec<'s, Time, Signal>,
    pub(super) applied: StreamVec<'s, Time, Signal>,
    pub(super) result: StreamVec<'s, Time, S>,
}

/// A round's delta, waiting for the round to complete.
struct Pending<S> {
    time: Time,
    /// Held (never used) until the delta is applied: dropping it tells the head.
    _applied: Capability<Time>,
    /// Held (never used) until the delta is applied: dropping it releases look-ups.
    _ready: Capability<Time>,
    records: Vec<S>,
}

/// Builds the store of a solution set, loaded from `initial` and updated by `deltas`.
pub(super) fn store<'s, K: Key, S: Data>(
    env: &Env<'s>,
    initial: StreamVec<'s, Time, S>,
    deltas: StreamVec<'s, Time, S>,
    key: impl Fn(&S) -> K + Clone + 'static,
) -> Store<'s, K, S> {
    let (groups, peers) = (env.config().key_groups, env.peers());
    let route: Route<K> = Rc::new(move |k: &K| worker_for_key(k, groups, peers) as u64);
    let (r1, k1, r2, k2) = (route.clone(), key.clone(), route.clone(), key.clone());
    env.ctx.register_memory_consumer();
    let range = KeyGroupRange::for_worker(env.index(), peers, groups);
    let table: Table<K, S> = Rc::new(RefCell::new(SolutionTable::new(range, env.ctx.clone())));

    let mut builder = OperatorBuilder::new("SolutionSet".to_string(), env.scope);
    let activator = env.scope.activator_for(builder.operator_info().address);
    let mut initial_in = builder.new_input(initial, Exchange::new(move |x: &S| r1(&k1(x))));
    let mut delta_in = builder.new_input(deltas, Exchange::new(move |x: &S| r2(&k2(x))));
    let same = || Antichain::from_elem(0);
    let (applied_out, applied) =
        builder.new_output_connection::<Vec<Signal>, _>([(0, same()), (1, same())]);
    let (ready_out, ready) = builder
        .new_output_connection::<Vec<Signal>, _>([(0, same()), (1, Antichain::from_elem(1))]);
    let (result_out, result) =
        builder.new_output_connection::<Vec<S>, _>([(0, same()), (1, same())]);
    let mut result_out = OutputBuilder::from(result_out);

    let state = table.clone();
    builder.build(move |caps| {
        // Only the capabilities of `applied` and `ready` matter: nothing is sent there.
        let _silent = (applied_out, ready_out);
        let mut caps = caps.into_iter();
        drop(caps.next());
        let mut loading = caps.next();
        let mut result_cap = caps.next();
        let mut pending: Vec<Pending<S>> = Vec::new();
        let mut draining: Option<std::iter::Peekable<Drain<K, S>>> = None;
        move |frontiers| {
            let mut result_out = result_out.activate();
            initial_in.for_each(|_, batch| {
                let mut table = state.borrow_mut();
                for x in batch.drain(..) {
                    table.insert(key(&x), x);
                }
            });
            if loading.is_some() && frontiers[0].frontier().is_empty() {
                loading.take();
            }
            delta_in.for_each(|cap, batch| {
                let Some(&time) = cap.least() else { return };
                let at = match pending.iter().position(|p| p.time == time) {
                    Some(at) => at,
                    None => {
                        pending.push(Pending {
                            time,
                            _applied: cap.delayed(&time, 0),
                            _ready: cap.delayed(&(time + 1), 1),
                            records: Vec::new(),
                        });
                        pending.len() - 1
                    }
                };
                pending[at].records.append(batch);
            });
            pending.retain_mut(|p| {
                if frontiers[1].less_equal(&p.time) {
                    return true;
                }
                let mut table = state.borrow_mut();
                for x in p.records.drain(..) {
                    table.insert(key(&x), x);
                }
                false
            });
            let finished = frontiers[0].frontier().is_empty()
                && frontiers[1].frontier().is_empty()
                && pending.is_empty();
            if finished && draining.is_none() && result_cap.is_some() {
                draining = Some(state.borrow_mut().take_all().peekable());
            }
            if let (Some(records), Some(cap)) = (draining.as_mut(), result_cap.as_ref()) {
                result_out
                    .session(cap)
                    .give_iterator(records.by_ref().take(EMIT_BATCH));
                if records.peek().is_some() {
                    activator.activate();
                } else {
                    (draining, result_cap) = (None, None);
                }
            }
        }
    });
    Store {
        table,
        route,
        ready,
        applied,
        result,
    }
}
