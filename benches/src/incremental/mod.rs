//! `strom-bench incremental-graph`: incremental connected components and BFS
//! (`strom_gelly::incremental`, on differential-dataflow) kept up to date under
//! single-edge changes, against re-running the batch algorithm.
//!
//! An R-MAT graph (`--edges` edges over `2^--scale` vertex ids) is loaded, then
//! `--changes` seeded single-edge changes (half insertions of further R-MAT edges, half
//! deletions of loaded ones) pass through in batches of each `--batches` size, one
//! pass per size; odd passes undo the changes (reversed, negated), so each pass starts
//! from a graph of the loaded size. Per batch: latency from handing the changes in to
//! the result complete (p50, p99), and changes per second over the pass.
//!
//! The batch approach recomputes the result of the whole graph per batch. Doing that
//! per batch is out of reach (100,000 runs), so it is timed `--runs` times on the graph
//! the passes end with, and that time is reported as its latency per batch, whatever
//! the batch size (its changes/s is the batch size over it). Strom's batch
//! algorithms (strom-gelly: components as a delta iteration, BFS as unit-weight
//! single-source shortest paths) are timed as whole jobs; igraph's (1.0.0 from PyPI)
//! in its own process, the graph built beforehand, untimed.
//!
//! Checked before any number is printed: the incremental result after the last pass
//! equals Strom's batch result vertex by vertex, and igraph's component sizes and
//! vertices per BFS depth equal Strom's.

mod batch;
mod drive;
mod workload;

use std::path::Path;
use std::sync::Arc;

use anyhow::{Result, bail};
use strom_gelly::incremental::Algorithm;

use crate::median;
use batch::Batch;
use workload::Workload;

/// `strom-bench incremental-graph` options.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct IncrementalArgs {
    /// R-MAT scale: 2^scale vertex ids.
    #[arg(long, default_value_t = 20)]
    scale: u32,
    /// Edges loaded before the changes.
    #[arg(long, default_value_t = 10_000_000)]
    edges: u64,
    /// Single-edge changes per pass.
    #[arg(long, default_value_t = 100_000)]
    changes: u64,
    /// Batch sizes, one pass over the changes each.
    #[arg(long, value_delimiter = ',', default_value = "1,100,10000")]
    batches: Vec<usize>,
    /// The BFS root (R-MAT's vertex 0 has the most edges).
    #[arg(long, default_value_t = 0)]
    root: u64,
    /// Seed of the changes.
    #[arg(long, default_value_t = 23)]
    seed: u64,
    /// Skip igraph.
    #[arg(long)]
    no_igraph: bool,
}

/// A row of the report.
struct Row {
    algorithm: &'static str,
    approach: String,
    workers: usize,
    batch: usize,
    batches: usize,
    p50: f64,
    p99: f64,
    changes_per_s: f64,
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let at = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len());
    v[at - 1]
}

/// Runs the benchmark (see the module docs).
pub(crate) fn bench(
    args: &IncrementalArgs,
    workers: &[usize],
    runs: usize,
    data: &Path,
) -> Result<()> {
    if args.batches.is_empty() || args.batches.contains(&0) || args.changes == 0 {
        bail!("--batches needs sizes of at least 1, and --changes at least 1");
    }
    if args.changes > args.edges {
        bail!("--changes may be at most --edges (a deletion removes a distinct loaded edge)");
    }
    let work = Arc::new(Workload::new(
        args.scale,
        args.edges,
        args.changes,
        args.seed,
    ));
    let end: Arc<[(u64, u64)]> = work.edges_after(args.batches.len()).into();
    println!(
        "graph: R-MAT scale {}, {} edges loaded; {} changes ({} deletions) per pass, passes in batches of {:?}; BFS root {}",
        args.scale,
        args.edges,
        args.changes,
        work.changes.iter().filter(|c| c.2 < 0).count(),
        args.batches,
        args.root
    );
    let algorithms = [
        (
            "connected-components",
            Algorithm::ConnectedComponents,
            Batch::Components,
        ),
        (
            "bfs",
            Algorithm::Bfs([args.root].into()),
            Batch::Bfs(args.root),
        ),
    ];
    let mut rows = Vec::new();
    let mut expected = Vec::new();
    for (name, algorithm, which) in &algorithms {
        let mut reference: Option<Vec<(u64, u64)>> = None;
        for &w in workers {
            let run = drive::run(w, &work, algorithm, &args.batches)?;
            println!("{name}, {w} workers: loaded in {:.2} s", run.load);
            let mut times = Vec::new();
            for _ in 0..runs {
                let (t, result) = batch::strom(*which, w, &end)?;
                if result != run.result {
                    bail!(
                        "{name} at {w} workers: the incremental result differs from Strom's batch result ({} against {} vertices): no numbers reported",
                        run.result.len(),
                        result.len()
                    );
                }
                times.push(t);
            }
            for phase in &run.phases {
                rows.push(Row {
                    algorithm: name,
                    approach: "incremental (strom_gelly::incremental)".into(),
                    workers: w,
                    batch: phase.batch,
                    batches: phase.latencies.len(),
                    p50: percentile(&phase.latencies, 0.5),
                    p99: percentile(&phase.latencies, 0.99),
                    changes_per_s: args.changes as f64 / phase.seconds,
                });
            }
            batch_rows(
                &mut rows,
                name,
                "re-run: Strom batch (strom-gelly)",
                w,
                &times,
                &args.batches,
            );
            reference = Some(run.result);
        }
        expected.push(reference.unwrap_or_default());
    }
    if !args.no_igraph {
        let found = batch::igraph(data, &end, args.root, runs)?;
        if found.cc_sizes != batch::component_sizes(&expected[0])
            || found.bfs_depths != batch::depth_counts(&expected[1])
        {
            bail!("igraph's components or BFS depths differ from Strom's: no numbers reported");
        }
        println!(
            "igraph: graph built in {:.2} s (untimed)",
            found.load_seconds
        );
        batch_rows(
            &mut rows,
            "connected-components",
            "re-run: igraph",
            1,
            &found.cc_seconds,
            &args.batches,
        );
        batch_rows(
            &mut rows,
            "bfs",
            "re-run: igraph",
            1,
            &found.bfs_seconds,
            &args.batches,
        );
    }
    rows.sort_by_key(|r| (r.algorithm, r.batch));
    println!(
        "\n| algorithm | approach | workers | batch | batches | p50 ms | p99 ms | changes/s |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} | {:.3} | {:.3} | {:.0} |",
            r.algorithm,
            r.approach,
            r.workers,
            r.batch,
            r.batches,
            r.p50 * 1e3,
            r.p99 * 1e3,
            r.changes_per_s
        );
    }
    println!(
        "(re-run rows: the batch algorithm timed {runs} times on the whole graph after the passes; p50 is the median run, p99 the slowest, taken as the latency of every batch; changes/s is the batch size over the median. Results checked: incremental = Strom batch vertex by vertex; igraph's component sizes and BFS depth counts = Strom's.)"
    );
    Ok(())
}

/// Rows of the batch approach: one per batch size, each batch costing a whole run.
fn batch_rows(
    rows: &mut Vec<Row>,
    algorithm: &'static str,
    approach: &str,
    workers: usize,
    times: &[f64],
    batches: &[usize],
) {
    if times.is_empty() {
        return;
    }
    let typical = median(times.to_vec());
    for &batch in batches {
        rows.push(Row {
            algorithm,
            approach: approach.into(),
            workers,
            batch,
            batches: times.len(),
            p50: typical,
            p99: percentile(times, 1.0),
            changes_per_s: batch as f64 / typical,
        });
    }
}
