//! The three iteration models of Gelly, each on the DataSet's delta iteration
//! (`docs/0007-iterations.md`): the vertices are the solution set, keyed by id, and
//! the workset holds what is active in a superstep. The edges are a static input,
//! grouped into adjacency lists once and hashed once (the static join), so a superstep
//! costs its active part of the graph.
//!
//! - **Vertex-centric** (Pregel, [`Graph::run_vertex_centric`](crate::Graph::run_vertex_centric)): the workset is the
//!   messages; every vertex runs `compute` in the first superstep (with no messages),
//!   later only the vertices that received messages, optionally combined first.
//! - **Scatter-gather** ([`Graph::run_scatter_gather`](crate::Graph::run_scatter_gather)): the workset is the vertices
//!   updated in the previous superstep (all of them at first); each scatters messages
//!   along its edges, and every vertex with messages gathers them into a new value or
//!   keeps its own.
//! - **Gather-sum-apply** ([`Graph::run_gather_sum_apply`](crate::Graph::run_gather_sum_apply)): the workset is the
//!   updated vertices; every edge from one gives `gather(value, edge value)` to its
//!   other end, the values are summed per vertex (pre-aggregated before the exchange),
//!   and `apply` makes a new value or keeps the old. As in Gelly, only updated
//!   neighbours are gathered from, which suits monotone algorithms (minimum labels,
//!   shortest distances).
//!
//! All end when nothing is updated (no message is sent) or after
//! [`IterationConfig::max_iterations`] supersteps. Values move along the edges in
//! [`IterationConfig::direction`]: `Out` (the default) from source to target, `In`
//! from target to source, `All` both ways. (Gelly's gather-sum-apply names its
//! direction by the edges a vertex gathers over, the reverse of this.)
//!
//! Gelly's options: degrees are offered in the vertex values
//! ([`Graph::with_degrees`](crate::Graph::with_degrees)); the `*_with` variants of the three models
//! ([`Graph::run_vertex_centric_with`](crate::Graph::run_vertex_centric_with), [`Graph::run_scatter_gather_with`](crate::Graph::run_scatter_gather_with),
//! [`Graph::run_gather_sum_apply_with`](crate::Graph::run_gather_sum_apply_with)) take [`IterationOptions`] with a broadcast
//! set and an aggregator, and their functions get a [`Superstep`]: the superstep
//! number, the broadcast set, the aggregator's value of the previous superstep, and a
//! way to add records to this superstep's. They return the aggregator's value of every
//! superstep beside the graph.
//!
//! How: per superstep one context record (superstep number, previous aggregate,
//! broadcast set) is reduced on one worker and broadcast to all
//! ([`strom_dataset::DataSet::map_with_broadcast`]), and shared by the superstep's
//! records on a worker behind an `Arc`; contributions leave the functions as records
//! beside values and messages and feed the DataSet's iteration aggregator
//! ([`strom_dataset::Iteration::aggregator`], registered before the records that feed
//! it exist). The plain methods skip all of this.
//!
//! Under a memory limit the solution set, the static join's adjacency and the loop's
//! buffers spill past their shares (`docs/0007-iterations.md`); the models need
//! nothing for it.

mod models;

use std::marker::PhantomData;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use strom_dataset::{Aggregator, Data, DataSet, Iteration};

use crate::EdgeDirection;

/// Options of an iteration model.
#[derive(Clone, Copy, Debug)]
pub struct IterationConfig {
    /// The most supersteps to run (default `u32::MAX`: until nothing changes).
    pub max_iterations: u32,
    /// Along which edges values move (default [`EdgeDirection::Out`]).
    pub direction: EdgeDirection,
}

impl Default for IterationConfig {
    fn default() -> Self {
        IterationConfig {
            max_iterations: u32::MAX,
            direction: EdgeDirection::Out,
        }
    }
}

impl IterationConfig {
    /// At most `n` supersteps.
    #[must_use]
    pub fn with_max_iterations(mut self, n: u32) -> Self {
        self.max_iterations = n;
        self
    }

    /// Values move along `direction`.
    #[must_use]
    pub fn with_direction(mut self, direction: EdgeDirection) -> Self {
        self.direction = direction;
        self
    }
}

/// [`IterationConfig`] with a broadcast set of `B` and an aggregator `A` of records
/// `T` for the functions of a `*_with` model (Gelly's `addBroadcastSet*` and
/// `registerAggregator` on its iteration configurations).
pub struct IterationOptions<'s, B, T, A> {
    config: IterationConfig,
    broadcast: Option<DataSet<'s, B>>,
    aggregator: Option<A>,
    /// False for the plain models, whose functions see no [`Superstep`].
    context: bool,
    records: PhantomData<fn(T)>,
}

impl<'s> IterationOptions<'s, (), (), NoAggregator> {
    /// `config` without a broadcast set or an aggregator.
    pub fn new(config: IterationConfig) -> Self {
        IterationOptions {
            config,
            broadcast: None,
            aggregator: None,
            context: true,
            records: PhantomData,
        }
    }

    /// The options of the plain models: no context at all.
    pub(crate) fn plain(config: IterationConfig) -> Self {
        IterationOptions {
            context: false,
            ..IterationOptions::new(config)
        }
    }
}

impl<'s, B, T, A> IterationOptions<'s, B, T, A> {
    /// The functions read all of `set` (from outside the iteration, the same in every
    /// superstep) with [`Superstep::broadcast`].
    #[must_use]
    pub fn with_broadcast<C: Data>(self, set: &DataSet<'s, C>) -> IterationOptions<'s, C, T, A> {
        IterationOptions {
            config: self.config,
            broadcast: Some(set.clone()),
            aggregator: self.aggregator,
            context: self.context,
            records: PhantomData,
        }
    }

    /// The functions add records to `aggregator` with [`Superstep::aggregate`] and
    /// read its value of the previous superstep with [`Superstep::previous_aggregate`].
    /// A superstep in which nothing is added has the value of no records.
    #[must_use]
    pub fn with_aggregator<U: Data, G: Aggregator<U>>(
        self,
        aggregator: G,
    ) -> IterationOptions<'s, B, U, G> {
        IterationOptions {
            config: self.config,
            broadcast: self.broadcast,
            aggregator: Some(aggregator),
            context: self.context,
            records: PhantomData,
        }
    }
}

/// The aggregator of [`IterationOptions`] without one: it aggregates nothing.
#[derive(Clone, Copy, Debug)]
pub struct NoAggregator;

impl Aggregator<()> for NoAggregator {
    type Acc = ();
    type Out = ();
    fn init(&self) {}
    fn add(&self, _: &mut (), _: &()) {}
    fn merge(&self, _: &mut (), _: ()) {}
    fn finish(&self, _: ()) {}
}

/// What the functions of a `*_with` iteration model see of their superstep (Gelly's
/// `getSuperstepNumber`, `getBroadcastSet`, `getPreviousIterationAggregate` and
/// `getIterationAggregator(..).aggregate(..)`).
pub struct Superstep<'a, B, T, O> {
    context: &'a Context<B, O>,
    records: &'a mut Vec<T>,
}

impl<B, T, O> Superstep<'_, B, T, O> {
    /// The superstep, 1-based.
    pub fn number(&self) -> u32 {
        self.context.superstep
    }

    /// The broadcast set, all of it, in no particular order (empty without one).
    pub fn broadcast(&self) -> &[B] {
        &self.context.broadcast
    }

    /// The aggregator's value of the previous superstep: `None` in the first one and
    /// without an aggregator.
    pub fn previous_aggregate(&self) -> Option<&O> {
        self.context.previous.as_ref()
    }

    /// Adds `record` to this superstep's aggregate (dropped without an aggregator).
    pub fn aggregate(&mut self, record: T) {
        self.records.push(record);
    }
}

/// One superstep's context, the same on every worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Context<B, O> {
    superstep: u32,
    previous: Option<O>,
    broadcast: Vec<B>,
}

impl<B, O> Context<B, O> {
    fn empty() -> Self {
        Context {
            superstep: 0,
            previous: None,
            broadcast: Vec::new(),
        }
    }

    /// The records `records` added, as a function sees it.
    fn superstep<'a, T>(&'a self, records: &'a mut Vec<T>) -> Superstep<'a, B, T, O> {
        Superstep {
            context: self,
            records,
        }
    }
}

/// A value shared by the records of a worker (in a process, exchanged records move,
/// so the `Arc` is never copied deeply; across processes it is serialised as `T`).
#[derive(Debug)]
pub(crate) struct Shared<T>(Arc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer).map(|t| Shared(Arc::new(t)))
    }
}

/// A superstep's context record, shared.
type SharedContext<B, O> = Shared<Context<B, O>>;

/// What one call of a model's function gives: the vertex's new value, messages, and
/// records for the aggregator. One record per call, split by the readers that need
/// each part (without an aggregator none reads the records, so nothing is copied).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Outputs<K, V, M, T> {
    value: Option<(K, V)>,
    messages: Vec<(K, M)>,
    records: Vec<T>,
}

impl<K: Clone, V, M, T> Outputs<K, V, M, T> {
    /// `new` as the value of `k`, the messages of `outbox` and the aggregator's
    /// `records`.
    fn of(k: &K, new: Option<V>, messages: Vec<(K, M)>, records: Vec<T>) -> Self {
        Outputs {
            value: new.map(|v| (k.clone(), v)),
            messages,
            records,
        }
    }
}

/// The context machinery of one iteration: built in its step from the options.
pub(crate) struct Steps<'s, B, T: Data, A: Aggregator<T>> {
    context: Option<DataSet<'s, SharedContext<B, A::Out>>>,
    input: Option<strom_dataset::AggregatorInput<'s, T>>,
    aggregate: Option<strom_dataset::IterationAggregate<'s, A::Out>>,
}

impl<'s, B: Data + Sync, T: Data, A: Aggregator<T, Out: Sync>> Steps<'s, B, T, A> {
    /// The aggregator registered in `it` and the superstep's context record, as
    /// `options` ask.
    fn new(it: &Iteration<'s>, options: &IterationOptions<'s, B, T, A>) -> Self {
        let (input, aggregate) = match &options.aggregator {
            Some(a) => {
                let (input, aggregate) = it.aggregator(a.clone());
                (Some(input), Some(aggregate))
            }
            None => (None, None),
        };
        let context = options.context.then(|| {
            let mut parts = it.superstep().map(|superstep| Context {
                superstep,
                ..Context::empty()
            });
            if let Some(set) = &options.broadcast {
                parts = parts.union(&set.map(|b| Context {
                    broadcast: vec![b],
                    ..Context::empty()
                }));
            }
            if let Some(aggregate) = &aggregate {
                parts = parts.union(&aggregate.previous().map(|o| Context {
                    previous: Some(o),
                    ..Context::empty()
                }));
            }
            parts
                .reduce(|mut a, b| {
                    a.superstep = a.superstep.max(b.superstep);
                    a.previous = a.previous.or(b.previous);
                    a.broadcast.extend(b.broadcast);
                    a
                })
                .map(|c| Shared(Arc::new(c)))
        });
        Steps {
            context,
            input,
            aggregate,
        }
    }

    /// Every record of `data` with the superstep's context (an empty one for the plain
    /// models).
    fn attach<X: Data>(&self, data: &DataSet<'s, X>) -> DataSet<'s, (X, SharedContext<B, A::Out>)> {
        match &self.context {
            Some(context) => data.map_with_broadcast(context, |x, c| (x, c[0].clone())),
            None => {
                let none = Shared(Arc::new(Context::empty()));
                data.map(move |x| (x, none.clone()))
            }
        }
    }

    /// The aggregator's records among a function's outputs, when there is an
    /// aggregator (otherwise no operator reads them: the outputs are not copied).
    fn records<K: Data, V: Data, M: Data>(
        &self,
        out: &DataSet<'s, Outputs<K, V, M, T>>,
    ) -> Option<DataSet<'s, T>> {
        self.input.as_ref().map(|_| out.flat_map(|o| o.records))
    }

    /// Feeds the aggregator with `records` and gives its history, if there is one.
    fn finish(self, records: Option<DataSet<'s, T>>) -> Option<DataSet<'s, (u32, A::Out)>> {
        if let (Some(input), Some(records)) = (self.input, records) {
            input.feed(&records);
        }
        self.aggregate.map(|a| a.history())
    }
}
