//! The three iteration models of Gelly, each on the DataSet's delta iteration
//! (`docs/0007-iterations.md`): the vertices are the solution set, keyed by id, and
//! the workset holds what is active in a superstep. The edges are a static input,
//! grouped into adjacency lists once and hashed once (the static join), so a superstep
//! costs its active part of the graph.
//!
//! - **Vertex-centric** (Pregel, [`Graph::run_vertex_centric`]): the workset is the
//!   messages; every vertex runs `compute` in the first superstep (with no messages),
//!   later only the vertices that received messages, optionally combined first.
//! - **Scatter-gather** ([`Graph::run_scatter_gather`]): the workset is the vertices
//!   updated in the previous superstep (all of them at first); each scatters messages
//!   along its edges, and every vertex with messages gathers them into a new value or
//!   keeps its own.
//! - **Gather-sum-apply** ([`Graph::run_gather_sum_apply`]): the workset is the
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
//! Degrees are offered as Gelly's option is, in the vertex values
//! ([`Graph::with_degrees`]). Known limitations: the solution set lives in memory;
//! broadcast variables and aggregators inside the user functions are not offered yet.

use strom_dataset::{Data, DataSet, Key};

use crate::{EdgeDirection, Graph};

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

/// A vertex's neighbours (in the iteration's direction) with the edges' values.
type Adjacency<K, EV> = (K, Vec<(K, EV)>);

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
        let adjacency = self.adjacency(config.direction);
        let by_id = |v: &(K, VV)| v.0.clone();
        let wake = self.vertices.map(|v| (v.0, None::<M>));
        let result = self.vertices.iterate_delta(
            &wake,
            by_id,
            config.max_iterations,
            move |_, solution, inbox| {
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
                let out = active
                    .left_outer_join(
                        &adjacency,
                        |a: &(K, VV, Vec<M>)| a.0.clone(),
                        |a: &Adjacency<K, EV>| a.0.clone(),
                    )
                    .with(move |(k, value, messages), adjacent| {
                        let mut outbox = Vec::new();
                        let neighbours = adjacent.map_or(&[][..], |a| &a.1[..]);
                        let new = compute(k, value, messages, neighbours, &mut outbox);
                        let new = new.map(|v| (k.clone(), Ok::<VV, M>(v)));
                        new.into_iter()
                            .chain(outbox.into_iter().map(|(t, m)| (t, Err(m))))
                            .collect::<Vec<_>>()
                    })
                    .flat_map(|x| x);
                let delta = out.flat_map(|(k, x)| x.ok().map(|v| (k, v)));
                let messages = out.flat_map(|(k, x)| x.err().map(|m| (k, Some(m))));
                (delta, messages)
            },
        );
        self.with_vertices(result)
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
        let adjacency = self.adjacency(config.direction);
        let by_id = |v: &(K, VV)| v.0.clone();
        self.iterate_updates(
            config.max_iterations,
            move |updated| {
                updated
                    .left_outer_join(&adjacency, by_id, |a: &Adjacency<K, EV>| a.0.clone())
                    .with(move |v, adjacent| {
                        let mut outbox = Vec::new();
                        let neighbours = adjacent.map_or(&[][..], |a| &a.1[..]);
                        scatter(&v.0, &v.1, neighbours, &mut outbox);
                        outbox
                    })
                    .flat_map(|x| x)
                    .group_by(|m: &(K, M)| m.0.clone())
                    .reduce_group(|k, ms| [(k.clone(), ms.into_iter().map(|m| m.1).collect())])
            },
            move |k, v, messages: Vec<M>| gather(k, v, messages),
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
        let links = self.neighbour_edges(config.direction);
        let by_id = |v: &(K, VV)| v.0.clone();
        self.iterate_updates(
            config.max_iterations,
            move |updated| {
                updated
                    .join(&links, by_id, |l: &(K, K, EV)| l.0.clone())
                    .with(move |v, l| (l.1.clone(), gather(&v.1, &l.2)))
                    .group_by(|m: &(K, M)| m.0.clone())
                    .reduce(move |a, b| (a.0, sum(a.1, b.1)))
            },
            move |k, v, total| apply(k, v, total),
        )
    }

    /// A delta iteration over the vertices whose workset is the vertices updated in
    /// the previous superstep (all of them at first): `probes(updated)` gives values
    /// per vertex id, and `update(id, value, probe)` a vertex's new value, if any.
    fn iterate_updates<X: Data>(
        &self,
        max_iterations: u32,
        probes: impl FnOnce(DataSet<'s, (K, VV)>) -> DataSet<'s, (K, X)>,
        mut update: impl FnMut(&K, &VV, X) -> Option<VV> + 'static,
    ) -> Self {
        let by_id = |v: &(K, VV)| v.0.clone();
        let result = self.vertices.iterate_delta(
            &self.vertices,
            by_id,
            max_iterations,
            move |_, solution, updated| {
                let next = solution.lookup(
                    &probes(updated),
                    |p: &(K, X)| p.0.clone(),
                    move |(k, x), v| v.and_then(|v| update(&k, &v.1, x)).map(|new| (k, new)),
                );
                (next.clone(), next)
            },
        );
        self.with_vertices(result)
    }
}
