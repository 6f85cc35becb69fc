//! Graph algebra: union, difference and intersection of graphs, adding and removing
//! vertices and edges (Gelly's mutations), each returning a new graph.
//!
//! Vertices are matched by id; edges by `(source, target)` when removed, and by
//! `(source, target, value)` when intersected.

use strom_dataset::{Data, DataSet, Key};

use super::Graph;
use super::transform::edges_between;

/// The records of `data` whose key is not in `keys` (an anti-join).
pub(crate) fn without<'s, T: Data, K: Key>(
    data: &DataSet<'s, T>,
    keys: &DataSet<'s, K>,
    key: impl Fn(&T) -> K + Clone + 'static,
) -> DataSet<'s, T> {
    data.left_outer_join(&keys.distinct(), key, |k: &K| k.clone())
        .with(|x, k| k.is_none().then(|| x.clone()))
        .flat_map(|x| x)
}

impl<'s, K: Key, VV: Data, EV: Data> Graph<'s, K, VV, EV> {
    /// The union of two graphs: every vertex of either (with this graph's value when
    /// both have it) and every edge of both, duplicates kept (Gelly's `union`).
    pub fn union(&self, other: &Self) -> Self {
        let by_id = |v: &(K, VV)| v.0.clone();
        Graph {
            vertices: self
                .vertices
                .full_outer_join(&other.vertices, by_id, by_id)
                .with(|a, b| a.or(b).expect("an outer join row has a side").clone()),
            edges: self.edges.union(&other.edges),
        }
    }

    /// This graph without the vertices of `other` and their edges (Gelly's
    /// `difference`).
    pub fn difference(&self, other: &Self) -> Self {
        self.remove_vertices(&other.vertex_ids())
    }

    /// The edges of this graph that are also in `other` (equal source, target and
    /// value) and the vertices they join, with this graph's values (Gelly's
    /// `intersect`). With `distinct_edges`, each common edge once; otherwise an edge
    /// present `a` times here and `b` times in `other` is in the result `2 * min(a, b)`
    /// times (each matched pair keeps both copies, as Gelly does).
    pub fn intersect(&self, other: &Self, distinct_edges: bool) -> Self
    where
        EV: PartialEq,
    {
        let pair = |e: &(K, K, EV)| (e.0.clone(), e.1.clone());
        let edges = self
            .edges
            .co_group(&other.edges, pair, pair, move |_, mine, theirs| {
                common_edges(mine, &theirs, distinct_edges)
            });
        let ends = edges.flat_map(|(a, b, _)| [a, b]).distinct();
        let vertices = self
            .vertices
            .join(&ends, |v: &(K, VV)| v.0.clone(), |k: &K| k.clone())
            .with(|v, _| v.clone());
        Graph { vertices, edges }
    }

    /// The graph with `vertices` added, except those whose id is already a vertex
    /// (the first of equal new ids wins).
    pub fn add_vertices(&self, vertices: &DataSet<'s, (K, VV)>) -> Self {
        let by_id = |v: &(K, VV)| v.0.clone();
        let vertices = self
            .vertices
            .co_group(vertices, by_id, by_id, |_, mine, new| {
                mine.into_iter().chain(new).take(1).collect::<Vec<_>>()
            });
        Graph {
            vertices,
            edges: self.edges.clone(),
        }
    }

    /// The graph with `edges` added, except those with an end that is not a vertex
    /// (Gelly's `addEdges`). Duplicates are kept.
    pub fn add_edges(&self, edges: &DataSet<'s, (K, K, EV)>) -> Self {
        Graph {
            vertices: self.vertices.clone(),
            edges: self.edges.union(&edges_between(edges, &self.vertices)),
        }
    }

    /// The graph with the ends of `edges` added as vertices (valued by `value(id)`
    /// when new) and then `edges` (Gelly's `addEdge`, for many).
    pub fn add_edges_and_vertices(
        &self,
        edges: &DataSet<'s, (K, K, EV)>,
        value: impl Fn(&K) -> VV + 'static,
    ) -> Self {
        let ends = edges.flat_map(|(a, b, _)| [a, b]).map(move |k| {
            let v = value(&k);
            (k, v)
        });
        let with_vertices = self.add_vertices(&ends);
        Graph {
            vertices: with_vertices.vertices,
            edges: self.edges.union(edges),
        }
    }

    /// The graph without the vertices of ids `ids` and without their edges.
    pub fn remove_vertices(&self, ids: &DataSet<'s, K>) -> Self {
        let ids = ids.distinct();
        let edges = without(&self.edges, &ids, |e: &(K, K, EV)| e.0.clone());
        Graph {
            vertices: without(&self.vertices, &ids, |v: &(K, VV)| v.0.clone()),
            edges: without(&edges, &ids, |e: &(K, K, EV)| e.1.clone()),
        }
    }

    /// The graph without every edge whose `(source, target)` is one of `edges`' (all
    /// copies, whatever their values, as Gelly's `removeEdges`).
    pub fn remove_edges(&self, edges: &DataSet<'s, (K, K, EV)>) -> Self {
        let pairs = edges.map(|(a, b, _)| (a, b));
        Graph {
            vertices: self.vertices.clone(),
            edges: without(&self.edges, &pairs, |e: &(K, K, EV)| {
                (e.0.clone(), e.1.clone())
            }),
        }
    }
}

/// The edges of one `(source, target)` found in both lists, as
/// [`Graph::intersect`] states.
fn common_edges<K: Clone, EV: Clone + PartialEq>(
    mut mine: Vec<(K, K, EV)>,
    theirs: &[(K, K, EV)],
    distinct: bool,
) -> Vec<(K, K, EV)> {
    let mut out = Vec::new();
    while let Some(edge) = mine.pop() {
        let here = 1 + mine.iter().filter(|e| e.2 == edge.2).count();
        mine.retain(|e| e.2 != edge.2);
        let there = theirs.iter().filter(|e| e.2 == edge.2).count();
        let copies = match (distinct, here.min(there)) {
            (_, 0) => 0,
            (true, _) => 1,
            (false, n) => 2 * n,
        };
        out.extend(std::iter::repeat_n(edge, copies));
    }
    out
}
