//! The three models on the delta iteration, each a `*_with` method taking
//! [`IterationOptions`] and a plain method without them (whose functions see no
//! [`Superstep`], and which builds no context).

use strom_dataset::{Aggregator, Data, DataSet, Iteration, Key};

use super::{IterationConfig, IterationOptions, Outputs, SharedContext, Steps, Superstep};
use crate::{EdgeDirection, Graph};

/// A vertex's neighbours (in the iteration's direction) with the edges' values.
type Adjacency<K, EV> = (K, Vec<(K, EV)>);

/// The aggregator's value per superstep, beside a model's result.
type History<'s, O> = DataSet<'s, (u32, O)>;

impl<'s, K: Key, VV: Data, EV: Data> Graph<'s, K, VV, EV> {
    /// `(vertex, neighbours reached along direction)`, for the vertices that have any.
    fn adjacency(&self, direction: EdgeDirection) -> DataSet<'s, Adjacency<K, EV>> {
        self.neighbour_edges(direction)
            .group_by(|e: &(K, K, EV)| e.0.clone())
            .reduce_group(|k, es| [(k.clone(), es.into_iter().map(|e| (e.1, e.2)).collect())])
    }

    /// The graph with every vertex valued `(value, in-degree, out-degree)`, as Gelly's
    /// `setOptDegrees`: the degrees are counted once, before an iteration, and its
    /// functions read them from the vertex value.
    pub fn with_degrees(&self) -> Graph<'s, K, (VV, u64, u64), EV> {
        let vertices = self
            .vertices
            .join(
                &self.in_out_degrees(),
                |v: &(K, VV)| v.0.clone(),
                |d: &(K, (u64, u64))| d.0.clone(),
            )
            .with(|v, d| (v.0.clone(), (v.1.clone(), d.1.0, d.1.1)));
        Graph {
            vertices,
            edges: self.edges.clone(),
        }
    }

    fn with_vertices(&self, vertices: DataSet<'s, (K, VV)>) -> Self {
        Graph {
            vertices,
            edges: self.edges.clone(),
        }
    }

    /// Runs a vertex-centric (Pregel) iteration (Gelly's `runVertexCentricIteration`).
    ///
    /// `compute(id, value, messages, neighbours, outbox)` runs for every vertex in the
    /// first superstep (with no messages) and for every vertex with messages after
    /// that; it returns the vertex's new value, if any, and pushes `(target, message)`
    /// pairs to `outbox` (to neighbours or any vertex; messages to ids that are not
    /// vertices are dropped). With a `combiner` the messages to one vertex are combined
    /// (before the exchange too) into one.
    pub fn run_vertex_centric<M: Data>(
        &self,
        mut compute: impl FnMut(&K, &VV, &[M], &[(K, EV)], &mut Vec<(K, M)>) -> Option<VV> + 'static,
        combiner: Option<fn(M, M) -> M>,
        config: IterationConfig,
    ) -> Self {
        let options = IterationOptions::plain(config);
        self.run_vertex_centric_with(
            options,
            move |k, v, ms, ns, out, _| compute(k, v, ms, ns, out),
            combiner,
        )
        .0
    }

    /// [`Graph::run_vertex_centric`] with a broadcast set and an aggregator (Gelly's
    /// `VertexCentricConfiguration`): `compute` also gets the [`Superstep`]. Returns
    /// the graph and the aggregator's value of every superstep (none without one).
    pub fn run_vertex_centric_with<
        M: Data,
        B: Data + Sync,
        T: Data,
        A: Aggregator<T, Out: Sync>,
    >(
        &self,
        options: IterationOptions<'s, B, T, A>,
        mut compute: impl FnMut(
            &K,
            &VV,
            &[M],
            &[(K, EV)],
            &mut Vec<(K, M)>,
            &mut Superstep<'_, B, T, A::Out>,
        ) -> Option<VV>
        + 'static,
        combiner: Option<fn(M, M) -> M>,
    ) -> (Self, History<'s, A::Out>) {
        let adjacency = self.adjacency(options.config.direction);
        let by_id = |v: &(K, VV)| v.0.clone();
        let wake = self.vertices.map(|v| (v.0, None::<M>));
        let mut history = None;
        let result = self.vertices.iterate_delta(
            &wake,
            by_id,
            options.config.max_iterations,
            |it, solution, inbox| {
                let steps = Steps::new(it, &options);
                let inbox = match combiner {
                    Some(combine) => {
                        inbox
                            .group_by(|m: &(K, Option<M>)| m.0.clone())
                            .reduce(move |a, b| {
                                let m = match (a.1, b.1) {
                                    (Some(x), Some(y)) => Some(combine(x, y)),
                                    (x, y) => x.or(y),
                                };
                                (a.0, m)
                            })
                    }
                    None => inbox,
                };
                let grouped = inbox
                    .group_by(|m: &(K, Option<M>)| m.0.clone())
                    .reduce_group(|k, ms| {
                        [(
                            k.clone(),
                            ms.into_iter().filter_map(|m| m.1).collect::<Vec<M>>(),
                        )]
                    });
                let active = solution.join(
                    &grouped,
                    |g: &(K, Vec<M>)| g.0.clone(),
                    |(k, ms), v| (k, v.1.clone(), ms),
                );
                type Active<K, VV, M, C> = ((K, VV, Vec<M>), C);
                let out = steps
                    .attach(&active)
                    .left_outer_join(
                        &adjacency,
                        |a: &Active<K, VV, M, SharedContext<B, A::Out>>| a.0.0.clone(),
                        |a: &Adjacency<K, EV>| a.0.clone(),
                    )
                    .with(move |((k, value, messages), context), adjacent| {
                        let (mut outbox, mut records) = (Vec::new(), Vec::new());
                        let neighbours = adjacent.map_or(&[][..], |a| &a.1[..]);
                        let mut step = context.0.superstep(&mut records);
                        let new = compute(k, value, messages, neighbours, &mut outbox, &mut step);
                        Outputs::of(k, new, outbox, records)
                    });
                let delta = out.flat_map(|o| o.value);
                let messages = out.flat_map(|o| o.messages.into_iter().map(|(k, m)| (k, Some(m))));
                let records = steps.records(&out);
                history = steps.finish(records);
                (delta, messages)
            },
        );
        let history = history.unwrap_or_else(|| self.env().empty());
        (self.with_vertices(result), history)
    }

    /// Runs a scatter-gather iteration (Gelly's `runScatterGatherIteration`).
    ///
    /// Each superstep, every vertex updated in the previous one (every vertex in the
    /// first) calls `scatter(id, value, neighbours, outbox)`, pushing `(target,
    /// message)` pairs; then every vertex with messages calls `gather(id, value,
    /// messages)`, whose `Some(new value)` updates it.
    pub fn run_scatter_gather<M: Data>(
        &self,
        mut scatter: impl FnMut(&K, &VV, &[(K, EV)], &mut Vec<(K, M)>) + 'static,
        mut gather: impl FnMut(&K, &VV, Vec<M>) -> Option<VV> + 'static,
        config: IterationConfig,
    ) -> Self {
        let options = IterationOptions::plain(config);
        self.run_scatter_gather_with(
            options,
            move |k, v, ns, out, _| scatter(k, v, ns, out),
            move |k, v, ms, _| gather(k, v, ms),
        )
        .0
    }

    /// [`Graph::run_scatter_gather`] with a broadcast set and an aggregator (Gelly's
    /// `ScatterGatherConfiguration`): `scatter` and `gather` also get the
    /// [`Superstep`]. Returns the graph and the aggregator's value of every superstep
    /// (none without one).
    pub fn run_scatter_gather_with<
        M: Data,
        B: Data + Sync,
        T: Data,
        A: Aggregator<T, Out: Sync>,
    >(
        &self,
        options: IterationOptions<'s, B, T, A>,
        mut scatter: impl FnMut(&K, &VV, &[(K, EV)], &mut Vec<(K, M)>, &mut Superstep<'_, B, T, A::Out>)
        + 'static,
        mut gather: impl FnMut(&K, &VV, Vec<M>, &mut Superstep<'_, B, T, A::Out>) -> Option<VV>
        + 'static,
    ) -> (Self, History<'s, A::Out>) {
        let adjacency = self.adjacency(options.config.direction);
        let by_id = |v: &((K, VV), SharedContext<B, A::Out>)| v.0.0.clone();
        self.iterate_updates(
            options,
            move |steps, updated| {
                let out = steps
                    .attach(&updated)
                    .left_outer_join(&adjacency, by_id, |a: &Adjacency<K, EV>| a.0.clone())
                    .with(move |((k, v), context), adjacent| {
                        let (mut outbox, mut records) = (Vec::new(), Vec::new());
                        let neighbours = adjacent.map_or(&[][..], |a| &a.1[..]);
                        let mut step = context.0.superstep(&mut records);
                        scatter(k, v, neighbours, &mut outbox, &mut step);
                        Outputs::<K, VV, M, T>::of(k, None, outbox, records)
                    });
                let probes = out
                    .flat_map(|o| o.messages)
                    .group_by(|m: &(K, M)| m.0.clone())
                    .reduce_group(|k, ms| [(k.clone(), ms.into_iter().map(|m| m.1).collect())]);
                (probes, steps.records(&out))
            },
            move |k, v, messages: Vec<M>, step| gather(k, v, messages, step),
        )
    }

    /// Runs a gather-sum-apply iteration (Gelly's `runGatherSumApplyIteration`).
    ///
    /// Each superstep, every edge leaving (in the iteration's direction) a vertex
    /// updated in the previous superstep (every vertex in the first) gives
    /// `gather(that vertex's value, edge value)` to its other end; the values for one
    /// vertex are combined with `sum` (associative and commutative), and
    /// `apply(id, value, sum)` returns the vertex's new value, if it changes.
    pub fn run_gather_sum_apply<M: Data>(
        &self,
        mut gather: impl FnMut(&VV, &EV) -> M + 'static,
        sum: impl Fn(M, M) -> M + Clone + 'static,
        mut apply: impl FnMut(&K, &VV, M) -> Option<VV> + 'static,
        config: IterationConfig,
    ) -> Self {
        let options = IterationOptions::plain(config);
        self.run_gather_sum_apply_with(
            options,
            move |v, e, _| gather(v, e),
            sum,
            move |k, v, total, _| apply(k, v, total),
        )
        .0
    }

    /// [`Graph::run_gather_sum_apply`] with a broadcast set and an aggregator (Gelly's
    /// `GSAConfiguration`): `gather` reads the [`Superstep`] (it cannot aggregate),
    /// `apply` gets it to aggregate too; `sum` sees none, as it also pre-combines
    /// before the exchange. Returns the graph and the aggregator's value of every
    /// superstep (none without one).
    pub fn run_gather_sum_apply_with<
        M: Data,
        B: Data + Sync,
        T: Data,
        A: Aggregator<T, Out: Sync>,
    >(
        &self,
        options: IterationOptions<'s, B, T, A>,
        mut gather: impl FnMut(&VV, &EV, &Superstep<'_, B, T, A::Out>) -> M + 'static,
        sum: impl Fn(M, M) -> M + Clone + 'static,
        mut apply: impl FnMut(&K, &VV, M, &mut Superstep<'_, B, T, A::Out>) -> Option<VV> + 'static,
    ) -> (Self, History<'s, A::Out>) {
        let links = self.neighbour_edges(options.config.direction);
        let by_id = |v: &((K, VV), SharedContext<B, A::Out>)| v.0.0.clone();
        self.iterate_updates(
            options,
            move |steps, updated| {
                let probes = steps
                    .attach(&updated)
                    .join(&links, by_id, |l: &(K, K, EV)| l.0.clone())
                    .with(move |((_, v), context), l| {
                        let mut none = Vec::new();
                        let step = context.0.superstep(&mut none);
                        (l.1.clone(), gather(v, &l.2, &step))
                    })
                    .group_by(|m: &(K, M)| m.0.clone())
                    .reduce(move |a, b| (a.0, sum(a.1, b.1)));
                (probes, None)
            },
            move |k, v, total, step| apply(k, v, total, step),
        )
    }

    /// A delta iteration over the vertices whose workset is the vertices updated in
    /// the previous superstep (all of them at first): `probes(steps, updated)` gives
    /// values per vertex id (and records for the aggregator, if any), and `update(id, value,
    /// probe, superstep)` a vertex's new value, if any.
    fn iterate_updates<X: Data, B: Data + Sync, T: Data, A: Aggregator<T, Out: Sync>>(
        &self,
        options: IterationOptions<'s, B, T, A>,
        probes: impl FnOnce(
            &Steps<'s, B, T, A>,
            DataSet<'s, (K, VV)>,
        ) -> (DataSet<'s, (K, X)>, Option<DataSet<'s, T>>),
        mut update: impl FnMut(&K, &VV, X, &mut Superstep<'_, B, T, A::Out>) -> Option<VV> + 'static,
    ) -> (Self, History<'s, A::Out>) {
        let by_id = |v: &(K, VV)| v.0.clone();
        let mut history = None;
        let result = self.vertices.iterate_delta(
            &self.vertices,
            by_id,
            options.config.max_iterations,
            |it: &Iteration<'s>, solution, updated| {
                let steps = Steps::new(it, &options);
                let (probes, scattered) = probes(&steps, updated);
                let out = solution.lookup(
                    &steps.attach(&probes),
                    |p: &((K, X), SharedContext<B, A::Out>)| p.0.0.clone(),
                    move |((k, x), context), v| {
                        let v = v?;
                        let mut records = Vec::new();
                        let new = update(&k, &v.1, x, &mut context.0.superstep(&mut records));
                        Some(Outputs::<K, VV, (), T>::of(&k, new, Vec::new(), records))
                    },
                );
                let next = out.flat_map(|o| o.value);
                let records = match (steps.records(&out), scattered) {
                    (Some(a), Some(b)) => Some(a.union(&b)),
                    (a, b) => a.or(b),
                };
                history = steps.finish(records);
                (next.clone(), next)
            },
        );
        let history = history.unwrap_or_else(|| self.env().empty());
        (self.with_vertices(result), history)
    }
}
