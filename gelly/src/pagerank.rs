//! PageRank as a bulk iteration, with the textbook treatment of dangling vertices.
//!
//! With `N` vertices and damping `d`, ranks start at `1/N`, and each iteration gives
//! every vertex `(1 - d)/N`, plus `d` times the sum of `rank(u)/outdegree(u)` over its
//! in-edges `(u, v)`, plus `d` times the total rank of the vertices without out-edges
//! divided by `N`. Every edge counts, so duplicate edges and self-loops count toward
//! the out-degree. Ranks keep summing to 1.
//!
//! The edges stay in place and the ranks travel as dense arrays. Every worker owns the
//! vertices whose key routes to it, in ascending order (its "owned order"), and keeps
//! their out-edges as an adjacency array (CSR) built once, whose targets are columns
//! grouped by the worker owning them. A round is two steps
//! (`DataSet::process_with_state_on`): each worker spreads the ranks of its vertices
//! (one `Block`, a dense array in owned order) over their out-edges into one sum per
//! column, and sends each worker one `Contributions` record: the sums of the columns
//! it owns, in column order, with the worker's dangling rank; the target ids go along
//! only in the first round, when the receiver maps each column to its owned index once.
//! The receiver adds them up by those indices and applies the formula, giving its next
//! block. A round moves `peers * peers` records of dense arrays, with no hashing of
//! vertex ids and no record per edge or vertex.

use serde::{Deserialize, Serialize};
use strom_core::dense_ids::IdIndex;
use strom_core::keys::worker_for_key;
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
    let env = all.env();
    let (me, peers, groups) = (env.index(), env.peers(), env.config().key_groups);
    let owner = move |k: &K| worker_for_key(k, groups, peers);
    let to_block = |b: &Block| b.worker as usize;
    let n = all.map(|_| 1u64).aggregate(agg::sum(|x: &u64| *x));
    // One record per worker, carrying N, becomes its block of ranks 1/N.
    let initial = n
        .flat_map(move |n| (0..peers).map(move |w| (w as u32, n)))
        .process_with_state_on(
            all,
            |s: &(u32, u64)| s.0 as usize,
            K::clone,
            owned_order,
            |owned, starts, out| {
                for (worker, n) in starts {
                    let ranks = vec![1.0 / n as f64; owned.len()];
                    out.push(Block { worker, n, ranks });
                }
            },
        );
    let side = all
        .map(Side::Vertex)
        .union(&edges.map(|(a, b)| Side::Edge(a, b)));
    let side_key = |s: &Side<K>| match s {
        Side::Vertex(v) | Side::Edge(v, _) => v.clone(),
    };
    let ranks = initial.iterate(iterations, |it, ranks| {
        let sums = ranks.process_with_state_on(
            &side,
            to_block,
            side_key,
            move |side| Adjacency::new(side, me, peers, owner),
            |adjacency, blocks, out| adjacency.spread(&blocks, out),
        );
        let next = sums.process_with_state_on(
            all,
            |c: &Contributions<K>| c.to as usize,
            K::clone,
            move |vertices| Owned::new(vertices, me, peers),
            move |owned, received, out| owned.apply(received, damping, out),
        );
        if let Some(tolerance) = tolerance {
            let change = next
                .join(&ranks, |a: &Block| a.worker, |b: &Block| b.worker)
                .with(|a, b| {
                    a.ranks
                        .iter()
                        .zip(&b.ranks)
                        .map(|(x, y)| (x - y).abs())
                        .sum()
                });
            let change = it.aggregate(&change, agg::sum(|c: &f64| *c));
            it.converge_when(&change, move |total| *total < tolerance);
        }
        next
    });
    ranks.process_with_state_on(
        all,
        to_block,
        K::clone,
        owned_order,
        |owned, blocks, out| {
            for block in blocks {
                out.extend(owned.iter().cloned().zip(block.ranks));
            }
        },
    )
}

/// The vertices of a worker, in its owned order (ascending).
fn owned_order<K: Key>(mut vertices: Vec<K>) -> Vec<K> {
    vertices.sort_unstable();
    vertices
}

/// `owned` (in owned order) numbered: vertex id to owned index.
fn index_of<K: Key>(owned: &[K]) -> IdIndex<K> {
    let mut index = IdIndex::for_ids(owned.len(), owned.first(), owned.last());
    for v in owned {
        index.get_or_insert_with(v.clone(), |_, n| n as u32);
    }
    index
}

/// The ranks of one worker's vertices, in its owned order.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Block {
    worker: u32,
    /// The number of vertices of the graph.
    n: u64,
    ranks: Vec<f64>,
}

/// What worker `from` sends worker `to` in a round: the sums of its columns that `to`
/// owns, in column order, and the rank of `from`'s vertices without out-edges.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Contributions<K> {
    from: u32,
    to: u32,
    n: u64,
    /// The columns' vertex ids: in the first round only.
    ids: Vec<K>,
    sums: Vec<f64>,
    dangling: f64,
}

/// What the adjacency is built from: the vertices and the edges, each on the worker
/// owning the vertex (the edge's source).
#[derive(Clone, Debug, Serialize, Deserialize)]
enum Side<K> {
    Vertex(K),
    Edge(K, K),
}

/// A worker's out-edges as compressed sparse rows: a row per owned vertex (in owned
/// order), targets as columns grouped by the worker owning them.
struct Adjacency<K> {
    me: u32,
    /// Row `i`'s columns are `columns[offsets[i]..offsets[i + 1]]`.
    offsets: Vec<u32>,
    columns: Vec<u32>,
    /// Worker `w`'s columns are `bounds[w]..bounds[w + 1]`.
    bounds: Vec<usize>,
    /// Each column's vertex id, until the first round sends them.
    ids: Option<Vec<K>>,
    sums: Vec<f64>,
}

impl<K: Key> Adjacency<K> {
    fn new(side: Vec<Side<K>>, me: usize, peers: usize, owner: impl Fn(&K) -> usize) -> Self {
        // The vertices first (for the rows), then the edges straight from the side
        // records: no second copy of the edge list.
        let vertices = side.iter().filter_map(|s| match s {
            Side::Vertex(v) => Some(v.clone()),
            Side::Edge(..) => None,
        });
        let owned = owned_order(vertices.collect());
        let rows = index_of(&owned);
        // Columns numbered as first seen, with their owners; renumbered by owner below.
        // The targets are all workers' vertices (at most), in about the same range.
        let mut seen = IdIndex::for_ids(owned.len() * peers, owned.first(), owned.last());
        let mut first: Vec<(usize, K)> = Vec::new();
        let mut degrees = vec![0u32; rows.len()];
        let mut local = Vec::with_capacity(side.len() - rows.len());
        let edges = side.into_iter().filter_map(|s| match s {
            Side::Edge(a, b) => Some((a, b)),
            Side::Vertex(_) => None,
        });
        for (source, target) in edges {
            let row = rows
                .get(&source)
                .expect("pagerank: every edge's source is a vertex");
            degrees[row as usize] += 1;
            let column = seen.get_or_insert_with(target, |target, n| {
                first.push((owner(target), target.clone()));
                n as u32
            });
            local.push((row, column));
        }
        drop((rows, seen));
        // Group the columns by owner (stable: first-seen order within an owner).
        let mut order: Vec<u32> = (0..first.len() as u32).collect();
        order.sort_by_key(|&c| first[c as usize].0);
        let mut renumbered = vec![0u32; first.len()];
        let mut bounds = vec![0usize; peers + 1];
        for (at, &c) in order.iter().enumerate() {
            renumbered[c as usize] = at as u32;
            bounds[first[c as usize].0 + 1] += 1;
        }
        for w in 0..peers {
            bounds[w + 1] += bounds[w];
        }
        let mut ids: Vec<Option<K>> = first.into_iter().map(|(_, k)| Some(k)).collect();
        let ids: Vec<K> = order
            .iter()
            .map(|&c| ids[c as usize].take().expect("each column once"))
            .collect();
        let mut offsets = Vec::with_capacity(degrees.len() + 1);
        offsets.push(0u32);
        for d in &degrees {
            offsets.push(offsets.last().expect("one offset") + d);
        }
        let mut fill = offsets.clone();
        let mut columns = vec![0u32; local.len()];
        for (row, column) in local {
            let at = &mut fill[row as usize];
            columns[*at as usize] = renumbered[column as usize];
            *at += 1;
        }
        Adjacency {
            me: me as u32,
            offsets,
            columns,
            bounds,
            sums: vec![0.0; ids.len()],
            ids: Some(ids),
        }
    }

    /// Spreads this worker's block of ranks over its out-edges: one record per worker.
    fn spread(&mut self, blocks: &[Block], out: &mut Vec<Contributions<K>>) {
        let Some(block) = blocks.first() else {
            return;
        };
        let mut dangling = 0.0;
        for (row, &rank) in block.ranks.iter().enumerate() {
            let (start, end) = (self.offsets[row] as usize, self.offsets[row + 1] as usize);
            if start == end {
                dangling += rank;
                continue;
            }
            let share = rank / (end - start) as f64;
            for &c in &self.columns[start..end] {
                self.sums[c as usize] += share;
            }
        }
        let ids = self.ids.take();
        for to in 0..self.bounds.len() - 1 {
            let range = self.bounds[to]..self.bounds[to + 1];
            let sums = self.sums[range.clone()].to_vec();
            out.push(Contributions {
                from: self.me,
                to: to as u32,
                n: block.n,
                ids: ids
                    .as_ref()
                    .map_or_else(Vec::new, |ids| ids[range].to_vec()),
                sums,
                dangling,
            });
        }
        self.sums.iter_mut().for_each(|s| *s = 0.0);
    }
}

/// The vertices a worker owns, in owned order, with the received sums; per sender,
/// the owned index of each of its columns (learnt in the first round).
struct Owned<K> {
    me: u32,
    /// Vertex id to owned index, until every sender's columns are mapped.
    index: Option<IdIndex<K>>,
    columns: Vec<Vec<u32>>,
    sums: Vec<f64>,
}

impl<K: Key> Owned<K> {
    fn new(vertices: Vec<K>, me: usize, peers: usize) -> Self {
        let sums = vec![0.0; vertices.len()];
        let index = index_of(&owned_order(vertices));
        Owned {
            me: me as u32,
            index: Some(index),
            columns: vec![Vec::new(); peers],
            sums,
        }
    }

    /// Adds up the contributions of every worker and applies the PageRank formula,
    /// giving this worker's next block.
    fn apply(&mut self, received: Vec<Contributions<K>>, damping: f64, out: &mut Vec<Block>) {
        let Some(n) = received.first().map(|c| c.n) else {
            return;
        };
        let mut lost = 0.0;
        for c in received {
            lost += c.dangling;
            let columns = &mut self.columns[c.from as usize];
            if !c.ids.is_empty() {
                let index = self.index.as_ref().expect("ids come in the first round");
                // Every target is a vertex, and routes to the worker owning it.
                *columns = c
                    .ids
                    .iter()
                    .map(|v| {
                        index
                            .get(v)
                            .expect("pagerank: every edge's target is a vertex")
                    })
                    .collect();
            }
            for (&i, share) in columns.iter().zip(&c.sums) {
                self.sums[i as usize] += share;
            }
        }
        // Every sender's columns are known after the first round.
        self.index = None;
        let base = (1.0 - damping) / n as f64 + damping * lost / n as f64;
        let ranks = self
            .sums
            .iter_mut()
            .map(|sum| base + damping * std::mem::take(sum))
            .collect();
        out.push(Block {
            worker: self.me,
            n,
            ranks,
        });
    }
}
