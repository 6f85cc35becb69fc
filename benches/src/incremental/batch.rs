//! The batch approach the incremental one is measured against: connected components
//! and BFS computed from scratch on the whole graph, by Strom's batch algorithms
//! (strom-gelly on the DataSet API) and by igraph (PyPI `igraph`, in a virtual
//! environment under the data folder, `peers/igraph_graph.py`).

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use strom_core::RuntimeConfig;
use strom_gelly::Graph;
use strom_gelly::components::connected_components;
use strom_gelly::library::sssp_scatter_gather;

use crate::compare::peers;

/// igraph's package, pinned.
const IGRAPH: &[&str] = &["igraph==1.0.0"];

/// Which batch algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Batch {
    /// `strom_gelly::components::connected_components` (a delta iteration).
    Components,
    /// BFS depth from a root: `strom_gelly::library::sssp_scatter_gather` with every
    /// edge weighing 1.
    Bfs(u64),
}

/// Seconds of one run of `which` over `edges` at `workers` workers (the whole job:
/// distributing the edges, the iteration, collecting the result), and its
/// `(vertex, value)` result by vertex.
pub(crate) fn strom(
    which: Batch,
    workers: usize,
    edges: &Arc<[(u64, u64)]>,
) -> Result<(f64, Vec<(u64, u64)>)> {
    let edges = edges.clone();
    let config = RuntimeConfig::default().with_workers(workers);
    let start = Instant::now();
    let out = strom_dataset::execute(&config, move |env| {
        let edges = edges.clone();
        let all = env
            .generate_sequence(0, edges.len() as u64 - 1)
            .map(move |i| edges[i as usize]);
        match which {
            Batch::Components => connected_components(&all, &env.empty()).collect(),
            Batch::Bfs(root) => {
                let graph = Graph::from_edges(&all.map(|(s, d)| (s, d, 1.0)), |_| ());
                sssp_scatter_gather(&graph, root, u32::MAX)
                    .map(|(v, depth)| (v, depth as u64))
                    .collect()
            }
        }
    })?;
    let seconds = start.elapsed().as_secs_f64();
    let mut result = out.unwrap_or_default();
    result.sort_unstable();
    Ok((seconds, result))
}

/// What igraph measured and found.
#[derive(Deserialize)]
pub(crate) struct Igraph {
    /// Seconds to build the graph from the edge list (not part of any latency).
    pub(crate) load_seconds: f64,
    /// Seconds of each run of `connected_components`.
    pub(crate) cc_seconds: Vec<f64>,
    /// Seconds of each run of `bfs`.
    pub(crate) bfs_seconds: Vec<f64>,
    /// Components of the vertices with an edge, by size: `{size: count}`.
    pub(crate) cc_sizes: std::collections::BTreeMap<String, u64>,
    /// Vertices reached at each depth.
    pub(crate) bfs_depths: Vec<u64>,
}

/// Runs igraph `runs` times on `edges` (written to the data folder), installing it
/// first when needed.
pub(crate) fn igraph(data: &Path, edges: &[(u64, u64)], root: u64, runs: usize) -> Result<Igraph> {
    let env = peers::install(data, "igraph", IGRAPH)?;
    let file = data.join("incremental-graph-edges.bin");
    let bytes: Vec<u8> = edges
        .iter()
        .flat_map(|(s, d)| s.to_le_bytes().into_iter().chain(d.to_le_bytes()))
        .collect();
    std::fs::write(&file, bytes)?;
    let out = Command::new(env.join("bin/python"))
        .arg(peers::scripts().join("igraph_graph.py"))
        .arg(&file)
        .arg(root.to_string())
        .arg(runs.to_string())
        .output()
        .context("running igraph")?;
    let _ = std::fs::remove_file(&file);
    if !out.status.success() {
        bail!("igraph failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// Components by size, `{size: count}`, of a `(vertex, label)` result.
pub(crate) fn component_sizes(labels: &[(u64, u64)]) -> std::collections::BTreeMap<String, u64> {
    let mut members: rustc_hash::FxHashMap<u64, u64> = Default::default();
    for (_, label) in labels {
        *members.entry(*label).or_default() += 1;
    }
    let mut sizes: std::collections::BTreeMap<u64, u64> = Default::default();
    for size in members.into_values() {
        *sizes.entry(size).or_default() += 1;
    }
    sizes.into_iter().map(|(s, n)| (s.to_string(), n)).collect()
}

/// Vertices per depth of a `(vertex, depth)` result.
pub(crate) fn depth_counts(depths: &[(u64, u64)]) -> Vec<u64> {
    let deepest = depths.iter().map(|(_, d)| *d).max();
    let mut counts = vec![0; deepest.map_or(0, |d| d as usize + 1)];
    for (_, d) in depths {
        counts[*d as usize] += 1;
    }
    counts
}
