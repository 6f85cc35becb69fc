//! The hand-written single thread of `strom-bench graph` (the COST baseline): each
//! algorithm over arrays built from the edge list in one thread. PageRank is
//! `crate::graph`'s power iteration; components a union-find; SSSP (unit weights) a
//! breadth-first search; triangles a count over the undirected simple graph with
//! every edge oriented from the lower to the higher (degree, id), by sorted merges.

use crate::graph::{Csr, EdgeList, pagerank_of};

use super::{Algorithm, PAGERANK_TOLERANCE, Value};

/// `algorithm` on `list` from `source`: one value per vertex by vertex id (the total
/// alone for triangles).
pub(super) fn run(algorithm: Algorithm, list: &EdgeList, source: u64) -> Vec<(u64, Value)> {
    match algorithm {
        Algorithm::Pagerank => pagerank_of(list, u32::MAX, 0.85, Some(PAGERANK_TOLERANCE))
            .into_iter()
            .map(|(v, r)| (v, Value::Rank(r)))
            .collect(),
        Algorithm::Components => components(list),
        Algorithm::Sssp => bfs(list, source),
        Algorithm::Triangles => vec![(0, Value::Count(triangles(list)))],
    }
}

/// Which ids have an edge.
fn present(list: &EdgeList) -> Vec<bool> {
    let mut present = vec![false; list.ids];
    for &(a, b) in &list.edges {
        present[a as usize] = true;
        present[b as usize] = true;
    }
    present
}

/// Weakly connected components, each vertex labelled with its component's smallest id.
fn components(list: &EdgeList) -> Vec<(u64, Value)> {
    let mut parent: Vec<u32> = (0..list.ids as u32).collect();
    let find = |parent: &mut Vec<u32>, mut v: u32| {
        while parent[v as usize] != v {
            let up = parent[parent[v as usize] as usize];
            parent[v as usize] = up;
            v = up;
        }
        v
    };
    for &(a, b) in &list.edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        // The smaller root stays a root, so every root is its component's least id.
        match ra.cmp(&rb) {
            std::cmp::Ordering::Less => parent[rb as usize] = ra,
            std::cmp::Ordering::Greater => parent[ra as usize] = rb,
            std::cmp::Ordering::Equal => {}
        }
    }
    let present = present(list);
    (0..list.ids as u32)
        .filter(|&v| present[v as usize])
        .map(|v| (u64::from(v), Value::Count(u64::from(find(&mut parent, v)))))
        .collect()
}

/// Hops from `source` along out-edges, for the vertices it reaches.
fn bfs(list: &EdgeList, source: u64) -> Vec<(u64, Value)> {
    let csr = Csr::new(list.ids, &list.edges);
    let mut depth = vec![u32::MAX; list.ids];
    let Some(root) = usize::try_from(source).ok().filter(|&s| s < list.ids) else {
        return Vec::new();
    };
    depth[root] = 0;
    let mut frontier = vec![root as u32];
    let mut next = Vec::new();
    let mut d = 0;
    while !frontier.is_empty() {
        d += 1;
        for &v in &frontier {
            for &t in csr.of(v as usize) {
                if depth[t as usize] == u32::MAX {
                    depth[t as usize] = d;
                    next.push(t);
                }
            }
        }
        std::mem::swap(&mut frontier, &mut next);
        next.clear();
    }
    (0..list.ids)
        .filter(|&v| depth[v] != u32::MAX)
        .map(|v| (v as u64, Value::Count(u64::from(depth[v]))))
        .collect()
}

/// Triangles of the undirected simple graph (directions, duplicates and self-loops
/// ignored).
fn triangles(list: &EdgeList) -> u64 {
    let mut simple: Vec<(u32, u32)> = list
        .edges
        .iter()
        .filter(|(a, b)| a != b)
        .map(|&(a, b)| (a.min(b), a.max(b)))
        .collect();
    simple.sort_unstable();
    simple.dedup();
    let mut degree = vec![0u32; list.ids];
    for &(a, b) in &simple {
        degree[a as usize] += 1;
        degree[b as usize] += 1;
    }
    let before = |a: u32, b: u32| (degree[a as usize], a) < (degree[b as usize], b);
    let oriented: Vec<(u32, u32)> = simple
        .iter()
        .map(|&(a, b)| if before(a, b) { (a, b) } else { (b, a) })
        .collect();
    drop(simple);
    let mut csr = Csr::new(list.ids, &oriented);
    drop(oriented);
    for v in 0..list.ids {
        let (start, end) = (csr.offsets[v] as usize, csr.offsets[v + 1] as usize);
        csr.targets[start..end].sort_unstable();
    }
    let mut count = 0u64;
    for u in 0..list.ids {
        let out = csr.of(u);
        for &v in out {
            count += merged(out, csr.of(v as usize));
        }
    }
    count
}

/// Elements two sorted slices share.
fn merged(a: &[u32], b: &[u32]) -> u64 {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}
