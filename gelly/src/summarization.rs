//! Graph summarization (Gelly's `Summarization`): the vertices grouped by value and
//! the edges by the groups of their ends and their value.
//!
//! Each group of vertices with equal values becomes one summary vertex, identified by
//! the smallest id in the group and valued `(value, number of vertices)`. Each edge
//! `(s, t, v)` becomes an edge between the summary vertices of `s` and `t`; equal
//! such edges with equal values become one, valued `(v, number of edges)`. Duplicate
//! edges count once per copy; self-loops and edges inside a group become self-loops
//! of the summary vertex.

use strom_dataset::Key;

use crate::Graph;

/// The summary graph of `graph` (see the module documentation).
pub fn summarize<'s, K: Key, VV: Key, EV: Key>(
    graph: &Graph<'s, K, VV, EV>,
) -> Graph<'s, K, (VV, u64), (EV, u64)> {
    let groups = graph
        .vertices()
        .group_by(|v: &(K, VV)| v.1.clone())
        .reduce_group(|value, members| {
            let count = members.len() as u64;
            let representative = members.into_iter().map(|m| m.0).min();
            representative.map(|k| (k, (value.clone(), count)))
        });
    // Every vertex with its group's representative.
    let representative = graph
        .vertices()
        .join(
            &groups,
            |v: &(K, VV)| v.1.clone(),
            |g: &(K, (VV, u64))| g.1.0.clone(),
        )
        .with(|v, g| (v.0.clone(), g.0.clone()));
    let by_vertex = |r: &(K, K)| r.0.clone();
    let edges = graph
        .edges()
        .join(&representative, |e: &(K, K, EV)| e.0.clone(), by_vertex)
        .with(|e, r| (r.1.clone(), e.1.clone(), e.2.clone()))
        .join(&representative, |e: &(K, K, EV)| e.1.clone(), by_vertex)
        .with(|e, r| ((e.0.clone(), r.1.clone(), e.2.clone()), 1u64))
        .group_by(|e: &((K, K, EV), u64)| e.0.clone())
        .reduce(|a, b| (a.0, a.1 + b.1))
        .map(|((s, t, v), n)| (s, t, (v, n)));
    Graph::from_data_sets(&groups, &edges)
}
