//! Joins of a [`Graph`] with outside data (Gelly's `joinWithVertices`,
//! `joinWithEdges`, `joinWithEdgesOnSource`, `joinWithEdgesOnTarget`): matching
//! records update values; vertices and edges without a match keep theirs. The input
//! is expected to have one record per key; a key given twice updates its match twice,
//! giving two records.

use strom_dataset::{Data, DataSet, Key};

use super::Graph;

impl<'s, K: Key, VV: Data, EV: Data> Graph<'s, K, VV, EV> {
    /// Every vertex whose id is in `input` valued `f(value, input value)`.
    pub fn join_with_vertices<T: Data>(
        &self,
        input: &DataSet<'s, (K, T)>,
        mut f: impl FnMut(&VV, &T) -> VV + 'static,
    ) -> Self {
        let vertices = self
            .vertices
            .left_outer_join(input, |v: &(K, VV)| v.0.clone(), |x: &(K, T)| x.0.clone())
            .with(move |v, x| match x {
                Some(x) => (v.0.clone(), f(&v.1, &x.1)),
                None => v.clone(),
            });
        Graph {
            vertices,
            edges: self.edges.clone(),
        }
    }

    /// Every edge whose `(source, target)` is in `input` valued `f(value, input
    /// value)`.
    pub fn join_with_edges<T: Data>(
        &self,
        input: &DataSet<'s, (K, K, T)>,
        f: impl FnMut(&EV, &T) -> EV + 'static,
    ) -> Self {
        self.update_edges(
            input,
            |e| (e.0.clone(), e.1.clone()),
            |x: &(K, K, T)| (x.0.clone(), x.1.clone()),
            |x| &x.2,
            f,
        )
    }

    /// Every edge whose source is in `input` valued `f(value, input value)`.
    pub fn join_with_edges_on_source<T: Data>(
        &self,
        input: &DataSet<'s, (K, T)>,
        f: impl FnMut(&EV, &T) -> EV + 'static,
    ) -> Self {
        self.update_edges(
            input,
            |e| e.0.clone(),
            |x: &(K, T)| x.0.clone(),
            |x| &x.1,
            f,
        )
    }

    /// Every edge whose target is in `input` valued `f(value, input value)`.
    pub fn join_with_edges_on_target<T: Data>(
        &self,
        input: &DataSet<'s, (K, T)>,
        f: impl FnMut(&EV, &T) -> EV + 'static,
    ) -> Self {
        self.update_edges(
            input,
            |e| e.1.clone(),
            |x: &(K, T)| x.0.clone(),
            |x| &x.1,
            f,
        )
    }

    fn update_edges<X: Data, J: Key, T>(
        &self,
        input: &DataSet<'s, X>,
        edge_key: impl Fn(&(K, K, EV)) -> J + Clone + 'static,
        input_key: impl Fn(&X) -> J + Clone + 'static,
        value: impl Fn(&X) -> &T + 'static,
        mut f: impl FnMut(&EV, &T) -> EV + 'static,
    ) -> Self {
        let edges =
            self.edges
                .left_outer_join(input, edge_key, input_key)
                .with(move |e, x| match x {
                    Some(x) => (e.0.clone(), e.1.clone(), f(&e.2, value(x))),
                    None => e.clone(),
                });
        Graph {
            vertices: self.vertices.clone(),
            edges,
        }
    }
}
