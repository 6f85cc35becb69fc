//! [`Graph`]: a graph as two data sets, its vertices `(id, value)` and its edges
//! `(source, target, value)`, over any key type (integers, strings, tuples of them), as
//! Flink Gelly's `Graph<K, VV, EV>`. Every method is lazy and returns new data sets or a
//! new graph; nothing runs until the job's build function returns.
//!
//! The methods are spread over this folder by kind: constructors here, counts, degrees
//! and triplets in `properties.rs`, per-record transformations in `transform.rs`, graph
//! algebra (union, difference, intersection, adding and removing) in `algebra.rs`,
//! joins with outside data in `joins.rs`, neighbourhood aggregations in
//! `neighborhood.rs`.
//!
//! A graph's vertex ids are unique (one record per id) and every edge's ends are
//! vertices: constructors from edges derive the vertices so, and [`Graph::validate`]
//! checks a graph built from two data sets. Duplicate edges and self-loops are allowed
//! and kept by every method unless its documentation says otherwise.

mod algebra;
mod joins;
mod neighborhood;
mod properties;
mod transform;

pub use neighborhood::EdgeDirection;

use strom_dataset::{Data, DataSet, Env, Key};

/// A graph over vertex ids `K`, with vertex values `VV` and edge values `EV` (use `()`
/// for none).
///
/// ```
/// use strom_core::RuntimeConfig;
/// use strom_dataset::execute;
/// use strom_gelly::Graph;
///
/// let mut degrees = execute(&RuntimeConfig::default().with_workers(2), |env| {
///     let edges = env.from_collection(vec![
///         ("a".to_string(), "b".to_string(), 1.0),
///         ("a".to_string(), "c".to_string(), 2.0),
///     ]);
///     Graph::from_edges(&edges, |_| ()).out_degrees().collect()
/// })
/// .unwrap()
/// .unwrap();
/// degrees.sort();
/// assert_eq!(degrees, vec![("a".into(), 2), ("b".into(), 0), ("c".into(), 0)]);
/// ```
pub struct Graph<'s, K, VV, EV> {
    pub(crate) vertices: DataSet<'s, (K, VV)>,
    pub(crate) edges: DataSet<'s, (K, K, EV)>,
}

impl<K: Data, VV: Data, EV: Data> Clone for Graph<'_, K, VV, EV> {
    fn clone(&self) -> Self {
        Graph {
            vertices: self.vertices.clone(),
            edges: self.edges.clone(),
        }
    }
}

impl<'s, K: Key, VV: Data, EV: Data> Graph<'s, K, VV, EV> {
    /// The graph of these vertices and edges (Gelly's `fromDataSet(vertices, edges)`).
    /// Vertex ids must be unique and every edge's ends vertices; see
    /// [`Graph::validate`].
    pub fn from_data_sets(
        vertices: &DataSet<'s, (K, VV)>,
        edges: &DataSet<'s, (K, K, EV)>,
    ) -> Self {
        Graph {
            vertices: vertices.clone(),
            edges: edges.clone(),
        }
    }

    /// The graph of these edges, whose vertices are the edges' ends, valued by
    /// `value(id)` (Gelly's `fromDataSet(edges, vertexValueInitializer)`).
    pub fn from_edges(edges: &DataSet<'s, (K, K, EV)>, value: impl Fn(&K) -> VV + 'static) -> Self {
        let ids = edges.flat_map(|(a, b, _)| [a, b]).distinct();
        Graph {
            vertices: ids.map(move |k| {
                let v = value(&k);
                (k, v)
            }),
            edges: edges.clone(),
        }
    }

    /// The graph of these vertices and edges given as collections (Gelly's
    /// `fromCollection`), split across the workers.
    pub fn from_collections(env: &Env<'s>, vertices: Vec<(K, VV)>, edges: Vec<(K, K, EV)>) -> Self {
        Graph {
            vertices: env.from_collection(vertices),
            edges: env.from_collection(edges),
        }
    }

    /// The graph of these edges and of further vertices `extra` (ids without edges, say);
    /// every vertex valued by `value(id)`.
    pub fn from_edges_and_ids(
        edges: &DataSet<'s, (K, K, EV)>,
        extra: &DataSet<'s, K>,
        value: impl Fn(&K) -> VV + 'static,
    ) -> Self {
        let ids = edges.flat_map(|(a, b, _)| [a, b]).union(extra).distinct();
        Graph {
            vertices: ids.map(move |k| {
                let v = value(&k);
                (k, v)
            }),
            edges: edges.clone(),
        }
    }

    /// The vertices `(id, value)`.
    pub fn vertices(&self) -> &DataSet<'s, (K, VV)> {
        &self.vertices
    }

    /// The edges `(source, target, value)`.
    pub fn edges(&self) -> &DataSet<'s, (K, K, EV)> {
        &self.edges
    }

    /// The environment the graph's data sets belong to.
    pub fn env(&self) -> &Env<'s> {
        self.edges.env()
    }
}

impl<'s, K: Key> Graph<'s, K, (), ()> {
    /// The graph of these `(source, target)` pairs, without values (Gelly's
    /// `fromTuple2DataSet`).
    pub fn from_pairs(edges: &DataSet<'s, (K, K)>) -> Self {
        Graph::from_edges(&edges.map(|(a, b)| (a, b, ())), |_| ())
    }
}
