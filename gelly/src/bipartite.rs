//! [`BipartiteGraph`]: Gelly's bipartite graph, top and bottom vertices of their own id
//! types and edges from a top to a bottom vertex, with its projections onto either
//! side.
//!
//! A projection joins two vertices of one side by an edge for every vertex of the
//! other side they are both joined to, in both directions, valued
//! `(shared vertex, value of the first vertex's edge, value of the second's)`: Gelly's
//! full projection without the vertex values (which the projected graph's vertices
//! and a join give back). A vertex is never joined to itself; duplicate edges give one
//! projected edge per pair of copies. The distinct pairs are networkx's
//! `bipartite.projected_graph`, and their numbers of edges its
//! `weighted_projected_graph` weights.

use strom_dataset::{Data, DataSet, Key};

use crate::Graph;

/// A bipartite graph: top vertices `(T, TV)`, bottom vertices `(B, BV)`, edges
/// `(top, bottom, EV)`.
pub struct BipartiteGraph<'s, T, B, TV, BV, EV> {
    top: DataSet<'s, (T, TV)>,
    bottom: DataSet<'s, (B, BV)>,
    edges: DataSet<'s, (T, B, EV)>,
}

impl<'s, T: Key, B: Key, TV: Data, BV: Data, EV: Data> BipartiteGraph<'s, T, B, TV, BV, EV> {
    /// The bipartite graph of these vertices and edges (Gelly's
    /// `BipartiteGraph.fromDataSet`); every edge's ends must be vertices.
    pub fn from_data_sets(
        top: &DataSet<'s, (T, TV)>,
        bottom: &DataSet<'s, (B, BV)>,
        edges: &DataSet<'s, (T, B, EV)>,
    ) -> Self {
        BipartiteGraph {
            top: top.clone(),
            bottom: bottom.clone(),
            edges: edges.clone(),
        }
    }

    /// The top vertices.
    pub fn top_vertices(&self) -> &DataSet<'s, (T, TV)> {
        &self.top
    }

    /// The bottom vertices.
    pub fn bottom_vertices(&self) -> &DataSet<'s, (B, BV)> {
        &self.bottom
    }

    /// The edges `(top, bottom, value)`.
    pub fn edges(&self) -> &DataSet<'s, (T, B, EV)> {
        &self.edges
    }

    /// The top vertices, joined when they share a bottom vertex (see the module
    /// documentation).
    pub fn projection_top(&self) -> Graph<'s, T, TV, (B, EV, EV)> {
        let edges = project(&self.edges.map(|(t, b, v)| (t, b, v)));
        Graph::from_data_sets(&self.top, &edges)
    }

    /// The bottom vertices, joined when they share a top vertex.
    pub fn projection_bottom(&self) -> Graph<'s, B, BV, (T, EV, EV)> {
        let edges = project(&self.edges.map(|(t, b, v)| (b, t, v)));
        Graph::from_data_sets(&self.bottom, &edges)
    }
}

/// `(u, v, (w, value of (u, w), value of (v, w)))` for every two edges `(u, w)` and
/// `(v, w)` with `u != v`.
fn project<'s, X: Key, Y: Key, EV: Data>(
    edges: &DataSet<'s, (X, Y, EV)>,
) -> DataSet<'s, (X, X, (Y, EV, EV))> {
    let by_shared = |e: &(X, Y, EV)| e.1.clone();
    edges
        .join(edges, by_shared, by_shared)
        .with(|a, b| {
            (
                a.0.clone(),
                b.0.clone(),
                (a.1.clone(), a.2.clone(), b.2.clone()),
            )
        })
        .filter(|e| e.0 != e.1)
}
