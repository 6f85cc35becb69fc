//! The PageRank benchmark's data and baseline: a seeded power-law graph written as an
//! edge list, and a single-threaded hand-written PageRank over it (edges parsed into a
//! compressed sparse row array, then a plain power iteration), the COST floor; the
//! edge list and CSR are shared with `strom-bench graph`'s hand-written algorithms.

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Result, bail};

/// A splitmix64 step: the generator's randomness.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A vertex drawn with a power-law skew (low ranks much likelier), then scattered over
/// the id space so high-degree vertices are not all small ids.
fn skewed_vertex(r: u64, vertices: u64, exponent: i32) -> u64 {
    let u = (r >> 11) as f64 / (1u64 << 53) as f64;
    let rank = ((u.powi(exponent)) * vertices as f64) as u64;
    // A bijection on 0..vertices: multiply by an odd constant coprime with the count.
    (rank.min(vertices - 1) * 2_654_435_761) % vertices
}

/// Writes `edges` edges over `vertices` vertex ids to `path`, once. In-degrees and
/// out-degrees follow a power law; some ids end up dangling or unused. (The scattering
/// multiplier is prime, so it permutes any vertex count it does not divide.)
pub(crate) fn ensure(path: &Path, vertices: u64, edges: u64) -> Result<()> {
    let done = path.with_extension("done");
    if done.exists() {
        return Ok(());
    }
    if vertices.is_multiple_of(2_654_435_761) {
        bail!("choose another vertex count");
    }
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    for i in 0..edges {
        let (a, b) = (mix(i * 2), mix(i * 2 + 1));
        writeln!(
            out,
            "{} {}",
            skewed_vertex(a, vertices, 2),
            skewed_vertex(b, vertices, 3)
        )?;
    }
    out.flush()?;
    std::fs::write(done, b"")?;
    Ok(())
}

/// An edge list read into memory: `(source, target)` pairs and the number of ids
/// (one past the largest).
pub(crate) struct EdgeList {
    pub(crate) edges: Vec<(u32, u32)>,
    pub(crate) ids: usize,
}

/// Reads the `source target` lines of the file at `path`.
pub(crate) fn read_edge_list(path: &Path) -> Result<EdgeList> {
    let text = std::fs::read(path)?;
    let mut edges: Vec<(u32, u32)> = Vec::new();
    let mut max = 0u32;
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let mut fields = line.split(|&b| b == b' ');
        let mut id = || -> Result<u32> {
            let f = fields.next().unwrap_or_default();
            Ok(std::str::from_utf8(f)?.parse()?)
        };
        let (a, b) = (id()?, id()?);
        max = max.max(a).max(b);
        edges.push((a, b));
    }
    let ids = if edges.is_empty() {
        0
    } else {
        max as usize + 1
    };
    Ok(EdgeList { edges, ids })
}

/// Out-edges as a compressed sparse row array: the targets of vertex `v` are
/// `targets[offsets[v]..offsets[v + 1]]`.
pub(crate) struct Csr {
    pub(crate) offsets: Vec<u32>,
    pub(crate) targets: Vec<u32>,
}

impl Csr {
    /// The CSR of `edges` over `ids` ids.
    pub(crate) fn new(ids: usize, edges: &[(u32, u32)]) -> Csr {
        let mut offsets = vec![0u32; ids + 1];
        for &(a, _) in edges {
            offsets[a as usize + 1] += 1;
        }
        for i in 0..ids {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut targets = vec![0u32; edges.len()];
        for &(a, b) in edges {
            targets[fill[a as usize] as usize] = b;
            fill[a as usize] += 1;
        }
        Csr { offsets, targets }
    }

    /// The out-neighbours of `v`.
    pub(crate) fn of(&self, v: usize) -> &[u32] {
        &self.targets[self.offsets[v] as usize..self.offsets[v + 1] as usize]
    }
}

/// PageRank of the edge list at `path` (vertex ids below `vertices`, all of which exist
/// only if they have an edge), `iterations` rounds: `(vertex, rank)` by vertex id.
pub(crate) fn pagerank(path: &Path, iterations: u32, damping: f64) -> Result<Vec<(u64, f64)>> {
    Ok(pagerank_of(
        &read_edge_list(path)?,
        iterations,
        damping,
        None,
    ))
}

/// PageRank of `list` (vertices: the ids with an edge), at most `iterations` rounds,
/// and with a `tolerance` no more after the first round whose total change (the sum
/// of `|new - old|`) is below it, as `strom_gelly::link_analysis::Rounds::Converge`.
pub(crate) fn pagerank_of(
    list: &EdgeList,
    iterations: u32,
    damping: f64,
    tolerance: Option<f64>,
) -> Vec<(u64, f64)> {
    let n = list.ids;
    let mut present = vec![false; n];
    for &(a, b) in &list.edges {
        present[a as usize] = true;
        present[b as usize] = true;
    }
    let csr = Csr::new(n, &list.edges);
    let count = present.iter().filter(|&&p| p).count() as f64;
    let mut rank: Vec<f64> = present
        .iter()
        .map(|&p| if p { 1.0 / count } else { 0.0 })
        .collect();
    let mut next = vec![0.0; n];
    for _ in 0..iterations {
        let mut dangling = 0.0;
        next.iter_mut().for_each(|x| *x = 0.0);
        for (v, &r) in rank.iter().enumerate() {
            let out = csr.of(v);
            if out.is_empty() {
                dangling += r;
                continue;
            }
            let share = r / out.len() as f64;
            for &t in out {
                next[t as usize] += share;
            }
        }
        let base = (1.0 - damping) / count + damping * dangling / count;
        let mut change = 0.0;
        for v in 0..n {
            next[v] = if present[v] {
                base + damping * next[v]
            } else {
                0.0
            };
            change += (next[v] - rank[v]).abs();
        }
        std::mem::swap(&mut rank, &mut next);
        if tolerance.is_some_and(|t| change < t) {
            break;
        }
    }
    (0..n)
        .filter(|&v| present[v])
        .map(|v| (v as u64, rank[v]))
        .collect()
}
