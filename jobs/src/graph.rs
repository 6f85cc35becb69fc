//! `pagerank` and `connected-components`: Flink's classic graph examples, on the
//! algorithms of `strom-gelly`, over edge lists read from any storage URL.
//!
//! Results are ordered by vertex id: a single output file is written by one worker
//! after a sort, a folder output (URL ending in `/`) is range-partitioned by vertex id
//! so its part files are sorted across in name order. Without `--output`, the rows are
//! printed as CSV.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use strom_core::RuntimeConfig;
use strom_dataset::{Data, DataSet, Env, execute};
use strom_gelly::components::connected_components;
use strom_gelly::edges::{read_edges, read_vertices};
use strom_gelly::pagerank::pagerank;

/// `strom run pagerank` options.
#[derive(clap::Args, Debug, Clone)]
pub struct PageRankArgs {
    /// Edge list: one `source target` pair of unsigned 64-bit ids per line (whitespace
    /// or comma separated; `#` and `%` lines are comments).
    #[arg(long, value_name = "URL")]
    pub edges: String,
    /// Further vertices, one id per line (e.g. vertices without edges).
    #[arg(long, value_name = "URL")]
    pub vertices: Option<String>,
    /// Number of iterations.
    #[arg(long, default_value_t = 10)]
    pub iterations: u32,
    /// Damping factor: the probability of following an edge.
    #[arg(long, default_value_t = 0.85)]
    pub damping: f64,
    /// Output (CSV `vertex,rank`, or Parquet for `.parquet`); printed when absent.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
}

/// `strom run connected-components` options.
#[derive(clap::Args, Debug, Clone)]
pub struct ComponentsArgs {
    /// Edge list (undirected), as for `pagerank`.
    #[arg(long, value_name = "URL")]
    pub edges: String,
    /// Further vertices, one id per line (isolated ones are their own component).
    #[arg(long, value_name = "URL")]
    pub vertices: Option<String>,
    /// Output (CSV `vertex,component`, or Parquet for `.parquet`); printed when absent.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
}

/// A vertex and its rank.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VertexRank {
    /// The vertex id.
    pub vertex: u64,
    /// Its PageRank.
    pub rank: f64,
}

/// A vertex and its component: the smallest vertex id in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VertexComponent {
    /// The vertex id.
    pub vertex: u64,
    /// The component's smallest vertex id.
    pub component: u64,
}

/// The graph's edges and extra vertices.
fn graph<'s>(
    env: &Env<'s>,
    edges: &str,
    vertices: Option<&str>,
) -> (DataSet<'s, (u64, u64)>, DataSet<'s, u64>) {
    let extra = match vertices {
        Some(url) => read_vertices(env, url),
        None => env.empty(),
    };
    (read_edges(env, edges), extra)
}

/// Writes `rows` ordered by `vertex` to `output`, or collects them (sorted) to print.
fn finish<T: Data + Serialize>(
    rows: &DataSet<'_, T>,
    vertex: fn(&T) -> u64,
    output: Option<&str>,
) -> Option<strom_dataset::Collected<T>> {
    match output {
        Some(url) if url.ends_with('/') => {
            let sorted = rows
                .partition_by_range(vertex)
                .sort_partition(vertex, strom_dataset::Order::Ascending);
            super::write_output(&sorted, url);
            None
        }
        Some(url) => {
            let sorted = rows
                .gather()
                .sort_partition(vertex, strom_dataset::Order::Ascending);
            super::write_output(&sorted, url);
            None
        }
        None => Some(
            rows.gather()
                .sort_partition(vertex, strom_dataset::Order::Ascending)
                .collect(),
        ),
    }
}

/// Runs `strom run pagerank`.
///
/// # Errors
/// Bad options, unreadable or malformed input (named by file and line), or output
/// that cannot be written.
pub fn run_pagerank(config: &RuntimeConfig, args: &PageRankArgs) -> Result<()> {
    if !(0.0..=1.0).contains(&args.damping) {
        bail!("--damping must be between 0 and 1, not {}", args.damping);
    }
    let args = args.clone();
    let result = execute(config, move |env| {
        let (edges, extra) = graph(env, &args.edges, args.vertices.as_deref());
        let ranks = pagerank(&edges, &extra, args.iterations, args.damping)
            .map(|(vertex, rank)| VertexRank { vertex, rank });
        finish(&ranks, |r| r.vertex, args.output.as_deref())
    })?;
    if let Some(Some(rows)) = result {
        println!("vertex,rank");
        for r in rows {
            println!("{},{}", r.vertex, r.rank);
        }
    }
    Ok(())
}

/// Runs `strom run connected-components`.
///
/// # Errors
/// As [`run_pagerank`].
pub fn run_components(config: &RuntimeConfig, args: &ComponentsArgs) -> Result<()> {
    let args = args.clone();
    let result = execute(config, move |env| {
        let (edges, extra) = graph(env, &args.edges, args.vertices.as_deref());
        let labels = connected_components(&edges, &extra)
            .map(|(vertex, component)| VertexComponent { vertex, component });
        finish(&labels, |c| c.vertex, args.output.as_deref())
    })?;
    if let Some(Some(rows)) = result {
        println!("vertex,component");
        for c in rows {
            println!("{},{}", c.vertex, c.component);
        }
    }
    Ok(())
}
