//! Counts, ids, degrees, triplets and validation of a [`Graph`].
//!
//! Degrees count edges with multiplicity: a duplicate edge counts twice, and a
//! self-loop adds one to its vertex's in-degree and one to its out-degree (so two to
//! its degree), as in Gelly. Every vertex has a degree, zero included.

use strom_dataset::{Data, DataSet, Key, agg};

use super::{EdgeDirection, Graph};

impl<'s, K: Key, VV: Data, EV: Data> Graph<'s, K, VV, EV> {
    /// The number of vertices: one record.
    pub fn number_of_vertices(&self) -> DataSet<'s, u64> {
        count(&self.vertices)
    }

    /// The number of edges (duplicates included): one record.
    pub fn number_of_edges(&self) -> DataSet<'s, u64> {
        count(&self.edges)
    }

    /// The vertex ids.
    pub fn vertex_ids(&self) -> DataSet<'s, K> {
        self.vertices.map(|(k, _)| k)
    }

    /// The edges' `(source, target)` pairs (duplicates included).
    pub fn edge_ids(&self) -> DataSet<'s, (K, K)> {
        self.edges.map(|(a, b, _)| (a, b))
    }

    /// Every vertex with its number of in-edges.
    pub fn in_degrees(&self) -> DataSet<'s, (K, u64)> {
        self.degrees_in(EdgeDirection::In)
    }

    /// Every vertex with its number of out-edges.
    pub fn out_degrees(&self) -> DataSet<'s, (K, u64)> {
        self.degrees_in(EdgeDirection::Out)
    }

    /// Every vertex with its in-degree plus its out-degree (Gelly's `getDegrees`).
    pub fn degrees(&self) -> DataSet<'s, (K, u64)> {
        self.degrees_in(EdgeDirection::All)
    }

    /// Every vertex with its `(in-degree, out-degree)`.
    pub fn in_out_degrees(&self) -> DataSet<'s, (K, (u64, u64))> {
        let counts = self
            .edges
            .flat_map(|(a, b, _)| [(a, (0u64, 1u64)), (b, (1, 0))])
            .group_by(|c: &(K, (u64, u64))| c.0.clone())
            .reduce(|x, y| (x.0, (x.1.0 + y.1.0, x.1.1 + y.1.1)));
        self.vertices
            .left_outer_join(
                &counts,
                |v: &(K, VV)| v.0.clone(),
                |c: &(K, (u64, u64))| c.0.clone(),
            )
            .with(|v, c| (v.0.clone(), c.map_or((0, 0), |c| c.1)))
    }

    fn degrees_in(&self, direction: EdgeDirection) -> DataSet<'s, (K, u64)> {
        let counts = self
            .edges
            .flat_map(move |(a, b, _)| direction.ends(a, b))
            .map(|k| (k, 1u64))
            .group_by(|c: &(K, u64)| c.0.clone())
            .aggregate(agg::sum(|c: &(K, u64)| c.1));
        self.vertices
            .left_outer_join(
                &counts,
                |v: &(K, VV)| v.0.clone(),
                |c: &(K, u64)| c.0.clone(),
            )
            .with(|v, c| (v.0.clone(), c.map_or(0, |c| c.1)))
    }

    /// Every edge with its ends' values: `(source, target, source value, target value,
    /// edge value)` (Gelly's `getTriplets`).
    pub fn triplets(&self) -> DataSet<'s, (K, K, VV, VV, EV)> {
        let by_id = |v: &(K, VV)| v.0.clone();
        self.edges
            .join(&self.vertices, |e: &(K, K, EV)| e.0.clone(), by_id)
            .with(|e, s| (e.0.clone(), e.1.clone(), s.1.clone(), e.2.clone()))
            .join(&self.vertices, |x: &(K, K, VV, EV)| x.1.clone(), by_id)
            .with(|x, t| {
                (
                    x.0.clone(),
                    x.1.clone(),
                    x.2.clone(),
                    t.1.clone(),
                    x.3.clone(),
                )
            })
    }

    /// The ids that edges name but that are not vertices, each once.
    pub fn missing_vertex_ids(&self) -> DataSet<'s, K> {
        self.edges
            .flat_map(|(a, b, _)| [a, b])
            .distinct()
            .left_outer_join(&self.vertices, |k: &K| k.clone(), |v: &(K, VV)| v.0.clone())
            .with(|k, v| v.is_none().then(|| k.clone()))
            .flat_map(|k| k)
    }

    /// The vertex ids given to more than one vertex record, each once.
    pub fn duplicate_vertex_ids(&self) -> DataSet<'s, K> {
        self.vertices
            .map(|(k, _)| (k, 1u64))
            .group_by(|c: &(K, u64)| c.0.clone())
            .aggregate(agg::sum(|c: &(K, u64)| c.1))
            .flat_map(|(k, n)| (n > 1).then_some(k))
    }

    /// Whether the graph is valid (Gelly's `validate` with its
    /// `InvalidVertexIdsValidator`, and unique ids): one record, `true` when every
    /// edge's ends are vertices and no id has two vertex records.
    pub fn validate(&self) -> DataSet<'s, bool> {
        count(
            &self
                .missing_vertex_ids()
                .union(&self.duplicate_vertex_ids()),
        )
        .map(|invalid| invalid == 0)
    }
}

/// The number of records of `data`: one record, 0 when empty.
pub(crate) fn count<'s, T: Data>(data: &DataSet<'s, T>) -> DataSet<'s, u64> {
    data.map(|_| 1u64)
        .union(&data.env().from_collection(vec![0u64]))
        .aggregate(agg::sum(|x: &u64| *x))
}
