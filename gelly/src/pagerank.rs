//! PageRank as a bulk iteration, with the textbook treatment of dangling vertices.
//!
//! With `N` vertices and damping `d`, ranks start at `1/N`, and each iteration gives
//! every vertex `(1 - d)/N`, plus `d` times the sum of `rank(u)/outdegree(u)` over its
//! in-edges `(u, v)`, plus `d` times the total rank of the vertices without out-edges
//! divided by `N`. Every edge counts, so duplicate edges and self-loops count toward
//! the out-degree. Ranks keep summing to 1.
//!
//! The edges stay in place: each worker keeps the out-edges of the vertices it owns as
//! an adjacency array (CSR) built once, runs each round's ranks through it into a
//! dense array of per-target sums, and sends one combined contribution per target (and
//! its dangling rank) to the target's owner, which adds them up in a dense array of its
//! own vertices (`DataSet::process_with_state`). A round moves one record per target
//! and worker, not one per edge.

use rustc_hash::FxHashMap;
use strom_dataset::{DataSet, Key, agg};

/// The rank of every vertex (of `edges` and `vertices`) after `iterations` rounds.
pub fn pagerank<'s>(
    edges: &DataSet<'s, (u64, u64)>,
    vertices: &DataSet<'s, u64>,
    iterations: u32,
    damping: f64,
) -> DataSet<'s, (u64, f64)> {
    let all = crate::vertex_set(edges, vertices);
    power_iteration(edges, &all, iterations, damping, None)
}

/// The rank of every vertex after the first round in which the ranks changed by less
/// than `tolerance` in total (the sum of `|new - old|` over all vertices, an iteration
/// aggregator), or after `max_iterations` rounds.
///
/// ```
/// use strom_core::RuntimeConfig;
/// use strom_dataset::execute;
/// use strom_gelly::pagerank::pagerank_to_tolerance;
///
/// let ranks = execute(&RuntimeConfig::default().with_workers(2), |env| {
///     let edges = env.from_collection(vec![(1u64, 2u64), (2, 1)]);
///     pagerank_to_tolerance(&edges, &env.empty(), 100, 0.85, 1e-9).collect()
/// })
/// .unwrap()
/// .unwrap();
/// assert!(ranks.iter().all(|(_, r)| (r - 0.5).abs() < 1e-12));
/// ```
pub fn pagerank_to_tolerance<'s>(
    edges: &DataSet<'s, (u64, u64)>,
    vertices: &DataSet<'s, u64>,
    max_iterations: u32,
    damping: f64,
    tolerance: f64,
) -> DataSet<'s, (u64, f64)> {
    let all = crate::vertex_set(edges, vertices);
    power_iteration(edges, &all, max_iterations, damping, Some(tolerance))
}

/// PageRank over any id type: `edges` between `vertices` (which must hold every end of
/// an edge, once), for `iterations` rounds or until the total change is below
/// `tolerance`.
pub(crate) fn power_iteration<'s, K: Key>(
    edges: &DataSet<'s, (K, K)>,
    all: &DataSet<'s, K>,
    iterations: u32,
    damping: f64,
    tolerance: Option<f64>,
) -> DataSet<'s, (K, f64)> {
    let n = all.map(|_| 1u64).aggregate(agg::sum(|x: &u64| *x));
    let initial = all.map_with_broadcast(&n, |v, n| (v, 1.0 / n[0] as f64));
    initial.iterate(iterations, |it, ranks| {
        // `(Some(target), share)` per target of this worker's edges, and `(None,
        // rank)` per worker: the rank of its vertices without out-edges.
        let flows = ranks.process_with_state(
            edges,
            |r: &(K, f64)| r.0.clone(),
            |e: &(K, K)| e.0.clone(),
            Adjacency::new,
            |adjacency, ranks, out| adjacency.spread(&ranks, out),
        );
        let dangling = flows
            .filter(|f| f.0.is_none())
            .aggregate(agg::sum(|f: &(Option<K>, f64)| f.1));
        let received = flows
            .flat_map(|(to, share)| to.map(|to| (to, share)))
            .process_with_state(
                all,
                |r: &(K, f64)| r.0.clone(),
                |v: &K| v.clone(),
                Owned::new,
                |owned, received, out| owned.sum(&received, out),
            );
        let next = received
            .map_with_broadcast(&n, |(v, r), n| (v, r, n[0] as f64))
            .map_with_broadcast(&dangling, move |(v, r, n), dangling| {
                let lost: f64 = dangling.iter().sum();
                (v, (1.0 - damping) / n + damping * r + damping * lost / n)
            });
        if let Some(tolerance) = tolerance {
            let change = next
                .join(
                    &ranks,
                    |a: &(K, f64)| a.0.clone(),
                    |b: &(K, f64)| b.0.clone(),
                )
                .with(|a, b| (a.1 - b.1).abs());
            let change = it.aggregate(&change, agg::sum(|c: &f64| *c));
            it.converge_when(&change, move |total| *total < tolerance);
        }
        next
    })
}

/// A worker's out-edges as compressed sparse rows: sources and targets by dense local
/// index, with one running sum per distinct target.
struct Adjacency<K> {
    /// Source id to its row.
    rows: FxHashMap<K, u32>,
    /// Row `i`'s targets are `targets[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<u32>,
    /// Local target indices.
    targets: Vec<u32>,
    /// Local target index to vertex id.
    target_ids: Vec<K>,
    sums: Vec<f64>,
}

impl<K: Key> Adjacency<K> {
    fn new(edges: Vec<(K, K)>) -> Self {
        let mut rows = FxHashMap::default();
        let mut columns = FxHashMap::default();
        let mut target_ids = Vec::new();
        let mut degrees: Vec<u32> = Vec::new();
        let mut local = Vec::with_capacity(edges.len());
        for (source, target) in edges {
            let row = *rows.entry(source).or_insert_with(|| {
                degrees.push(0);
                (degrees.len() - 1) as u32
            });
            degrees[row as usize] += 1;
            let column = *columns.entry(target.clone()).or_insert_with(|| {
                target_ids.push(target);
                (target_ids.len() - 1) as u32
            });
            local.push((row, column));
        }
        let mut offsets = Vec::with_capacity(degrees.len() + 1);
        offsets.push(0u32);
        for d in &degrees {
            offsets.push(offsets.last().expect("one offset") + d);
        }
        let mut fill = offsets.clone();
        let mut targets = vec![0u32; local.len()];
        for (row, column) in local {
            let at = &mut fill[row as usize];
            targets[*at as usize] = column;
            *at += 1;
        }
        let sums = vec![0.0; target_ids.len()];
        Adjacency {
            rows,
            offsets,
            targets,
            target_ids,
            sums,
        }
    }

    /// Spreads `ranks` (of this worker's vertices) over their out-edges.
    fn spread(&mut self, ranks: &[(K, f64)], out: &mut Vec<(Option<K>, f64)>) {
        let mut dangling = 0.0;
        for (v, rank) in ranks {
            let rank = *rank;
            let Some(&row) = self.rows.get(v) else {
                dangling += rank;
                continue;
            };
            let (start, end) = (
                self.offsets[row as usize] as usize,
                self.offsets[row as usize + 1] as usize,
            );
            let share = rank / (end - start) as f64;
            for &t in &self.targets[start..end] {
                self.sums[t as usize] += share;
            }
        }
        out.reserve(self.sums.len() + 1);
        out.push((None, dangling));
        for (sum, id) in self.sums.iter_mut().zip(&self.target_ids) {
            out.push((Some(id.clone()), std::mem::take(sum)));
        }
    }
}

/// The vertices a worker owns, by dense local index, with their received sums.
struct Owned<K> {
    index: FxHashMap<K, u32>,
    ids: Vec<K>,
    sums: Vec<f64>,
}

impl<K: Key> Owned<K> {
    fn new(vertices: Vec<K>) -> Self {
        let index = vertices
            .iter()
            .enumerate()
            .map(|(i, v)| (v.clone(), i as u32))
            .collect();
        let sums = vec![0.0; vertices.len()];
        Owned {
            index,
            ids: vertices,
            sums,
        }
    }

    /// Adds up `received` per vertex, giving every owned vertex's sum (0 if none).
    fn sum(&mut self, received: &[(K, f64)], out: &mut Vec<(K, f64)>) {
        for (v, share) in received {
            // Every target is a vertex, and routes to the worker owning it.
            let i = self.index[v];
            self.sums[i as usize] += share;
        }
        out.reserve(self.ids.len());
        for (sum, id) in self.sums.iter_mut().zip(&self.ids) {
            out.push((id.clone(), std::mem::take(sum)));
        }
    }
}
