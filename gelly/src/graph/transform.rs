//! Record-wise transformations of a [`Graph`]: new values, new ids, filters, reversed
//! and undirected edges.

use strom_dataset::{Data, DataSet, Key};

use super::Graph;

impl<'s, K: Key, VV: Data, EV: Data> Graph<'s, K, VV, EV> {
    /// The graph with every vertex value replaced by `f(vertex)`.
    pub fn map_vertices<NV: Data>(
        &self,
        mut f: impl FnMut(&(K, VV)) -> NV + 'static,
    ) -> Graph<'s, K, NV, EV> {
        Graph {
            vertices: self.vertices.map(move |v| {
                let value = f(&v);
                (v.0, value)
            }),
            edges: self.edges.clone(),
        }
    }

    /// The graph with every edge value replaced by `f(edge)`.
    pub fn map_edges<NE: Data>(
        &self,
        mut f: impl FnMut(&(K, K, EV)) -> NE + 'static,
    ) -> Graph<'s, K, VV, NE> {
        Graph {
            vertices: self.vertices.clone(),
            edges: self.edges.map(move |e| {
                let value = f(&e);
                (e.0, e.1, value)
            }),
        }
    }

    /// The graph with every id replaced by `f(id)` (Gelly's `translateGraphIds`). `f`
    /// must be one-to-one for the ids to stay unique.
    pub fn translate_graph_ids<NK: Key>(
        &self,
        f: impl Fn(&K) -> NK + Clone + 'static,
    ) -> Graph<'s, NK, VV, EV> {
        let g = f.clone();
        Graph {
            vertices: self.vertices.map(move |(k, v)| (f(&k), v)),
            edges: self.edges.map(move |(a, b, v)| (g(&a), g(&b), v)),
        }
    }

    /// The graph of the vertices for which `keep(vertex)` holds and the edges between
    /// them.
    pub fn filter_on_vertices(&self, keep: impl FnMut(&(K, VV)) -> bool + 'static) -> Self {
        let vertices = self.vertices.filter(keep);
        Graph {
            edges: edges_between(&self.edges, &vertices),
            vertices,
        }
    }

    /// The graph with the edges for which `keep(edge)` holds, and every vertex.
    pub fn filter_on_edges(&self, keep: impl FnMut(&(K, K, EV)) -> bool + 'static) -> Self {
        Graph {
            vertices: self.vertices.clone(),
            edges: self.edges.filter(keep),
        }
    }

    /// The graph of the vertices for which `keep_vertex` holds and of the edges between
    /// them for which `keep_edge` holds.
    pub fn subgraph(
        &self,
        keep_vertex: impl FnMut(&(K, VV)) -> bool + 'static,
        keep_edge: impl FnMut(&(K, K, EV)) -> bool + 'static,
    ) -> Self {
        let vertices = self.vertices.filter(keep_vertex);
        Graph {
            edges: edges_between(&self.edges.filter(keep_edge), &vertices),
            vertices,
        }
    }

    /// The graph with every edge reversed.
    pub fn reverse(&self) -> Self {
        Graph {
            vertices: self.vertices.clone(),
            edges: self.edges.map(|(a, b, v)| (b, a, v)),
        }
    }

    /// The graph with every edge also in the reverse direction (Gelly's
    /// `getUndirected`): the edges plus their reversals, so an edge present in both
    /// directions, or a self-loop, ends up twice.
    pub fn get_undirected(&self) -> Self {
        Graph {
            vertices: self.vertices.clone(),
            edges: self.edges.union(&self.edges.map(|(a, b, v)| (b, a, v))),
        }
    }
}

/// The edges of `edges` whose ends are both in `vertices`.
pub(crate) fn edges_between<'s, K: Key, VV: Data, EV: Data>(
    edges: &DataSet<'s, (K, K, EV)>,
    vertices: &DataSet<'s, (K, VV)>,
) -> DataSet<'s, (K, K, EV)> {
    let ids = vertices.map(|(k, _)| k);
    edges
        .join(&ids, |e: &(K, K, EV)| e.0.clone(), |k: &K| k.clone())
        .with(|e, _| e.clone())
        .join(&ids, |e: &(K, K, EV)| e.1.clone(), |k: &K| k.clone())
        .with(|e, _| e.clone())
}
