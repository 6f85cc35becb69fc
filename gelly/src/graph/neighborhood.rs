//! Neighbourhood aggregations (Gelly's `reduceOnEdges`, `reduceOnNeighbors`,
//! `groupReduceOnEdges`, `groupReduceOnNeighbors`): per vertex, a function of the edges
//! or neighbours in an [`EdgeDirection`].
//!
//! With [`EdgeDirection::All`] an edge belongs to both of its ends, so a self-loop is
//! seen twice by its vertex, and a duplicate edge is seen once per copy, as in Gelly.

use serde::{Deserialize, Serialize};
use strom_dataset::{Data, DataSet, Key};

use super::Graph;

/// Which edges of a vertex an operation looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum EdgeDirection {
    /// Its in-edges (it is the target); neighbours are the sources.
    In,
    /// Its out-edges (it is the source); neighbours are the targets.
    #[default]
    Out,
    /// Both.
    All,
}

impl EdgeDirection {
    /// The vertices whose neighbourhood edge `(a, b)` is in: its target for `In`, its
    /// source for `Out`, both for `All`.
    pub(crate) fn ends<K>(self, a: K, b: K) -> impl Iterator<Item = K> {
        let (first, second) = match self {
            EdgeDirection::In => (Some(b), None),
            EdgeDirection::Out => (Some(a), None),
            EdgeDirection::All => (Some(a), Some(b)),
        };
        first.into_iter().chain(second)
    }

    /// `(vertex, neighbour)` for every vertex whose neighbourhood edge `(a, b)` is in.
    pub(crate) fn pairs<K: Clone>(self, a: K, b: K) -> impl Iterator<Item = (K, K)> {
        let (first, second) = match self {
            EdgeDirection::In => (Some((b, a)), None),
            EdgeDirection::Out => (Some((a, b)), None),
            EdgeDirection::All => (Some((a.clone(), b.clone())), Some((b, a))),
        };
        first.into_iter().chain(second)
    }

    /// The opposite direction (`All` stays).
    pub fn reverse(self) -> Self {
        match self {
            EdgeDirection::In => EdgeDirection::Out,
            EdgeDirection::Out => EdgeDirection::In,
            EdgeDirection::All => EdgeDirection::All,
        }
    }
}

impl<'s, K: Key, VV: Data, EV: Data> Graph<'s, K, VV, EV> {
    /// `(vertex, neighbour, edge value)` for every edge in `direction` of every vertex.
    pub(crate) fn neighbour_edges(&self, direction: EdgeDirection) -> DataSet<'s, (K, K, EV)> {
        self.edges
            .flat_map(move |(a, b, v)| direction.pairs(a, b).map(move |(x, y)| (x, y, v.clone())))
    }

    /// Per vertex with edges in `direction`, its edges' values combined with `f` (an
    /// associative and commutative function, pre-aggregated before the exchange).
    /// Vertices without such edges are not in the result.
    pub fn reduce_on_edges(
        &self,
        direction: EdgeDirection,
        f: impl Fn(EV, EV) -> EV + Clone + 'static,
    ) -> DataSet<'s, (K, EV)> {
        self.neighbour_edges(direction)
            .map(|(k, _, v)| (k, v))
            .group_by(|x: &(K, EV)| x.0.clone())
            .reduce(move |x, y| (x.0, f(x.1, y.1)))
    }

    /// Per vertex with neighbours in `direction`, its neighbours' values combined with
    /// `f` (associative and commutative). A neighbour counts once per edge.
    pub fn reduce_on_neighbors(
        &self,
        direction: EdgeDirection,
        f: impl Fn(VV, VV) -> VV + Clone + 'static,
    ) -> DataSet<'s, (K, VV)> {
        self.neighbour_edges(direction)
            .join(
                &self.vertices,
                |e: &(K, K, EV)| e.1.clone(),
                |v: &(K, VV)| v.0.clone(),
            )
            .with(|e, n| (e.0.clone(), n.1.clone()))
            .group_by(|x: &(K, VV)| x.0.clone())
            .reduce(move |x, y| (x.0, f(x.1, y.1)))
    }

    /// For every vertex, `f(vertex, its edges in direction)`, flattened (Gelly's
    /// `groupReduceOnEdges` with the vertex value). The edges are `(source, target,
    /// value)` as stored; a vertex without edges gets an empty list.
    pub fn group_reduce_on_edges<I>(
        &self,
        direction: EdgeDirection,
        mut f: impl FnMut(&(K, VV), Vec<(K, K, EV)>) -> I + 'static,
    ) -> DataSet<'s, I::Item>
    where
        I: IntoIterator,
        I::Item: Data,
        I::IntoIter: 'static,
    {
        let keyed = self.edges.flat_map(move |e: (K, K, EV)| {
            direction
                .ends(e.0.clone(), e.1.clone())
                .map(move |k| (k, e.clone()))
        });
        self.vertices.co_group(
            &keyed,
            |v: &(K, VV)| v.0.clone(),
            |e: &(K, (K, K, EV))| e.0.clone(),
            move |_, vs, es| {
                let edges: Vec<(K, K, EV)> = es.into_iter().map(|e| e.1).collect();
                match vs.first() {
                    Some(v) => f(v, edges).into_iter().collect(),
                    None => Vec::new(),
                }
            },
        )
    }

    /// For every vertex, `f(vertex, its neighbours in direction)`, flattened (Gelly's
    /// `groupReduceOnNeighbors` with the vertex value): each neighbour as `(id, value,
    /// edge value)`, once per edge; a vertex without neighbours gets an empty list.
    pub fn group_reduce_on_neighbors<I>(
        &self,
        direction: EdgeDirection,
        mut f: impl FnMut(&(K, VV), Vec<(K, VV, EV)>) -> I + 'static,
    ) -> DataSet<'s, I::Item>
    where
        I: IntoIterator,
        I::Item: Data,
        I::IntoIter: 'static,
    {
        let neighbours = self
            .neighbour_edges(direction)
            .join(
                &self.vertices,
                |e: &(K, K, EV)| e.1.clone(),
                |v: &(K, VV)| v.0.clone(),
            )
            .with(|e, n| (e.0.clone(), (e.1.clone(), n.1.clone(), e.2.clone())));
        self.vertices.co_group(
            &neighbours,
            |v: &(K, VV)| v.0.clone(),
            |n: &(K, (K, VV, EV))| n.0.clone(),
            move |_, vs, ns| {
                let ns: Vec<(K, VV, EV)> = ns.into_iter().map(|n| n.1).collect();
                match vs.first() {
                    Some(v) => f(v, ns).into_iter().collect(),
                    None => Vec::new(),
                }
            },
        )
    }
}
