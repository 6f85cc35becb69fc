//! The graphs of `strom-bench graph`, each written once to the data folder as an edge
//! list (`source target` lines) that every engine reads: an R-MAT graph from
//! `strom_gelly::generators::RmatConfig` (seeded), and Debian's package dependency
//! graph from `peers/debian_graph.py`. Both are simple directed graphs with dense ids:
//! self-loops and duplicate edges are dropped and the ids with an edge renumbered
//! `0..n` in their order, so that igraph (whose vertices are `0..=max id`) and
//! networkx (whose `DiGraph` has no parallel edges) see the same graph as Strom.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use strom_gelly::generators::RmatConfig;

use crate::compare::peers;

/// An edge list on disk.
pub(super) struct Input {
    pub(super) name: String,
    pub(super) path: PathBuf,
    pub(super) describe: String,
}

/// The R-MAT graph of `scale` and `edge_factor` from `seed`.
pub(super) fn rmat(data: &Path, scale: u32, edge_factor: u64, seed: u64) -> Result<Input> {
    let path = data.join(format!("rmat-s{scale}-ef{edge_factor}-seed{seed}.txt"));
    let config = RmatConfig::new(scale, edge_factor).with_seed(seed);
    let generated = config.edges()?;
    if !done(&path).exists() {
        println!("writing {} ...", path.display());
        let edges: Vec<(u64, u64)> = (0..generated).map(|i| config.edge(i)).collect();
        write_simple(&path, edges)?;
    }
    Ok(Input {
        name: format!("R-MAT scale {scale}"),
        describe: format!(
            "R-MAT (strom_gelly::generators, scale {scale}, edge factor {edge_factor}, seed {seed}): {generated} edges generated, {}",
            shape(&path)?
        ),
        path,
    })
}

/// Debian bookworm's package dependency graph (see `peers/debian_graph.py`).
pub(super) fn debian(data: &Path) -> Result<Input> {
    let path = data.join("debian-dependencies.txt");
    if !done(&path).exists() {
        let raw = data.join("debian-dependencies-raw.txt");
        let out = Command::new("python3")
            .arg(peers::scripts().join("debian_graph.py"))
            .arg(&raw)
            .output()
            .context("running peers/debian_graph.py")?;
        if !out.status.success() {
            bail!(
                "peers/debian_graph.py failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        print!("{}", String::from_utf8_lossy(&out.stdout));
        let list = crate::graph::read_edge_list(&raw)?;
        let edges = list
            .edges
            .into_iter()
            .map(|(a, b)| (u64::from(a), u64::from(b)))
            .collect();
        write_simple(&path, edges)?;
        std::fs::remove_file(raw)?;
    }
    Ok(Input {
        name: "Debian dependencies".into(),
        describe: format!(
            "Debian bookworm main (amd64) package -> dependency: {}",
            shape(&path)?
        ),
        path,
    })
}

fn done(path: &Path) -> PathBuf {
    path.with_extension("done")
}

/// Writes `edges` to `path` without self-loops and duplicates, ids renumbered densely
/// in their order, sorted.
fn write_simple(path: &Path, mut edges: Vec<(u64, u64)>) -> Result<()> {
    edges.retain(|(a, b)| a != b);
    edges.sort_unstable();
    edges.dedup();
    let mut ids: Vec<u64> = edges.iter().flat_map(|&(a, b)| [a, b]).collect();
    ids.sort_unstable();
    ids.dedup();
    let dense = |v: u64| ids.binary_search(&v).expect("an id of an edge");
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    for (a, b) in edges {
        writeln!(out, "{} {}", dense(a), dense(b))?;
    }
    out.flush()?;
    std::fs::write(done(path), b"")?;
    Ok(())
}

/// "N vertices, M edges" of the edge list at `path`.
fn shape(path: &Path) -> Result<String> {
    let list = crate::graph::read_edge_list(path)?;
    Ok(format!(
        "{} vertices, {} edges (simple, dense ids)",
        list.ids,
        list.edges.len()
    ))
}

/// The SSSP source: the vertex with the most out-edges (the smallest such id).
pub(super) fn source(path: &Path) -> Result<u64> {
    let list = crate::graph::read_edge_list(path)?;
    let mut out = vec![0u32; list.ids];
    for &(a, _) in &list.edges {
        out[a as usize] += 1;
    }
    let most = out.iter().copied().max().unwrap_or(0);
    Ok(out.iter().position(|&d| d == most).unwrap_or(0) as u64)
}
