//! Algorithms on the undirected simple graph of a [`Graph`]: triangle listing and
//! counts, local clustering coefficients, and the Jaccard and Adamic-Adar scores of
//! vertex pairs.
//!
//! Semantics (as networkx's on an undirected `Graph`): direction is ignored, duplicate
//! edges count once, self-loops are dropped; every vertex of the graph is in the
//! per-vertex results, also without edges. Pairs are scored when they share at least
//! one neighbour, adjacent or not, each pair once as `(smaller, larger)`.
//!
//! Triangles are found in degree order: vertices are ranked by degree (then id), each
//! edge points from its lower-ranked end to its higher, and a triangle is found once,
//! at its lowest-ranked vertex `u`, with its corners `v` and `w` ranked in that order:
//! `u` points to both and `v` points to `w`. For each of its edges `u -> v`, `u` sends
//! `v` the neighbours it points to ranked above `v` (a wedge's worth of candidates in
//! one record), and `v` intersects them with the neighbours it points to. A vertex
//! points to at most `sqrt(2m)` neighbours of degree at least its own (for `m` edges),
//! so a hub's list stays short; and the candidates travel as one record per edge, where
//! joining each wedge with the edges moved and sorted every wedge on its own.

use strom_dataset::{Data, DataSet, Key, agg};

use crate::Graph;

/// The undirected simple edges `(a, b)`, `a < b`, each once.
pub fn simple_edges<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
) -> DataSet<'s, (K, K)> {
    graph
        .edges()
        .flat_map(|(a, b, _)| match a.cmp(&b) {
            std::cmp::Ordering::Less => Some((a, b)),
            std::cmp::Ordering::Greater => Some((b, a)),
            std::cmp::Ordering::Equal => None,
        })
        .distinct()
}

/// Every vertex with its sorted neighbours in the undirected simple graph.
pub(crate) fn neighbours<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
) -> DataSet<'s, (K, Vec<K>)> {
    let arcs = simple_edges(graph).flat_map(|(a, b)| [(a.clone(), b.clone()), (b, a)]);
    graph.vertex_ids().co_group(
        &arcs,
        |k: &K| k.clone(),
        |a: &(K, K)| a.0.clone(),
        |k, _, arcs| {
            let mut ns: Vec<K> = arcs.into_iter().map(|a| a.1).collect();
            ns.sort();
            [(k.clone(), ns)]
        },
    )
}

/// Every triangle once, as `(a, b, c)` with `a < b < c`.
pub fn triangle_listing<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
) -> DataSet<'s, (K, K, K)> {
    // Each vertex with the neighbours it points to, in rank order.
    let own = pointed_edges(graph)
        .group_by(|e: &(K, Ranked<K>)| e.0.clone())
        .reduce_group(|u, arcs| {
            let mut higher: Vec<Ranked<K>> = arcs.into_iter().map(|e| e.1).collect();
            higher.sort();
            [(u.clone(), higher)]
        });
    // For each `u -> v`, the neighbours of `u` ranked above `v`, sent to `v` as `(v, u,
    // list)`: the third corners a triangle at `u` through `v` can have. A group reduce
    // starts only once its input is complete, so these follow the last of the lists
    // (the join's table) and stream through the join, made as they are taken, instead
    // of all waiting for it.
    let lent = own
        .group_by(|o: &(K, Vec<Ranked<K>>)| o.0.clone())
        .reduce_group(|_, lists| {
            lists.into_iter().flat_map(|(u, higher)| {
                let higher = std::rc::Rc::new(higher);
                (0..higher.len().saturating_sub(1))
                    .map(move |i| (higher[i].1.clone(), u.clone(), higher[i + 1..].to_vec()))
            })
        });
    // At `v`, a triangle for every lent corner that `v` points to.
    lent.join(
        &own,
        |l: &(K, K, Vec<Ranked<K>>)| l.0.clone(),
        |o: &(K, Vec<Ranked<K>>)| o.0.clone(),
    )
    .with(|(v, u, corners), (_, mine)| {
        shared_sorted(corners, mine)
            .into_iter()
            .map(|w| {
                let mut t = [u.clone(), v.clone(), w.1];
                t.sort();
                let [a, b, c] = t;
                (a, b, c)
            })
            .collect::<Vec<_>>()
    })
    .flat_map(|found| found)
}

/// A vertex with its degree, ordered by rank: degree, then id.
type Ranked<K> = (u64, K);

/// The simple edges, each from its lower-ranked end (by degree, then id) to its higher,
/// with the higher end's degree.
fn pointed_edges<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
) -> DataSet<'s, (K, Ranked<K>)> {
    let edges = simple_edges(graph);
    let degrees = edges
        .flat_map(|(a, b)| [(a, 1u64), (b, 1)])
        .group_by(|d: &(K, u64)| d.0.clone())
        .aggregate(agg::sum(|d: &(K, u64)| d.1));
    let by_vertex = |d: &(K, u64)| d.0.clone();
    edges
        .join(&degrees, |e: &(K, K)| e.0.clone(), by_vertex)
        .with(|e, d| (e.0.clone(), e.1.clone(), d.1))
        .join(&degrees, |e: &(K, K, u64)| e.1.clone(), by_vertex)
        .with(|e, d| {
            let (a, b) = ((e.2, &e.0), (d.1, &e.1));
            let (low, high) = if a < b { (a, b) } else { (b, a) };
            (low.1.clone(), (high.0, high.1.clone()))
        })
}

/// The elements two sorted lists share, in order.
fn shared_sorted<K: Ord + Clone>(a: &[K], b: &[K]) -> Vec<K> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i].clone());
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// Every vertex with the number of triangles it is in.
pub fn triangle_count<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
) -> DataSet<'s, (K, u64)> {
    let counts = triangle_listing(graph)
        .flat_map(|(a, b, c)| [(a, 1u64), (b, 1), (c, 1)])
        .group_by(|c: &(K, u64)| c.0.clone())
        .aggregate(agg::sum(|c: &(K, u64)| c.1));
    graph
        .vertex_ids()
        .left_outer_join(&counts, |k: &K| k.clone(), |c: &(K, u64)| c.0.clone())
        .with(|k, c| (k.clone(), c.map_or(0, |c| c.1)))
}

/// Every vertex with its local clustering coefficient: its triangles over `d(d-1)/2`
/// for its degree `d` in the simple graph, 0 when `d < 2`.
pub fn local_clustering_coefficient<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
) -> DataSet<'s, (K, f64)> {
    triangle_count(graph)
        .join(
            &neighbours(graph),
            |t: &(K, u64)| t.0.clone(),
            |n: &(K, Vec<K>)| n.0.clone(),
        )
        .with(|t, n| {
            let d = n.1.len() as f64;
            let c = if d < 2.0 {
                0.0
            } else {
                2.0 * t.1 as f64 / (d * (d - 1.0))
            };
            (t.0.clone(), c)
        })
}

/// `(u, v, common neighbour's degree)` for every pair `u < v` and every neighbour
/// they share.
fn shared<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
) -> DataSet<'s, ((K, K), u64)> {
    neighbours(graph).flat_map(|(_, ns)| {
        let d = ns.len() as u64;
        let mut out = Vec::new();
        for (i, u) in ns.iter().enumerate() {
            for v in &ns[i + 1..] {
                out.push(((u.clone(), v.clone()), d));
            }
        }
        out
    })
}

/// `(u, v, |N(u) ∩ N(v)| / |N(u) ∪ N(v)|)` for every pair `u < v` sharing a neighbour.
pub fn jaccard<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
) -> DataSet<'s, (K, K, f64)> {
    let degrees = neighbours(graph).map(|(k, ns)| (k, ns.len() as u64));
    let by_vertex = |d: &(K, u64)| d.0.clone();
    shared(graph)
        .map(|(pair, _)| (pair, 1u64))
        .group_by(|c: &((K, K), u64)| c.0.clone())
        .aggregate(agg::sum(|c: &((K, K), u64)| c.1))
        .join(&degrees, |c: &((K, K), u64)| c.0.0.clone(), by_vertex)
        .with(|c, d| (c.0.clone(), c.1, d.1))
        .join(&degrees, |c: &((K, K), u64, u64)| c.0.1.clone(), by_vertex)
        .with(|c, d| {
            let union = c.2 + d.1 - c.1;
            (c.0.0.clone(), c.0.1.clone(), c.1 as f64 / union as f64)
        })
}

/// `(u, v, Σ 1/ln(degree(w)))` over the common neighbours `w` of every pair `u < v`
/// sharing one (a common neighbour has degree 2 or more).
pub fn adamic_adar<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
) -> DataSet<'s, (K, K, f64)> {
    shared(graph)
        .map(|(pair, d)| (pair, 1.0 / (d as f64).ln()))
        .group_by(|c: &((K, K), f64)| c.0.clone())
        .aggregate(agg::sum(|c: &((K, K), f64)| c.1))
        .map(|((u, v), s)| (u, v, s))
}
