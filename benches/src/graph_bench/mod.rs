//! `strom-bench graph`: PageRank, weakly connected components, SSSP and the triangle
//! count on an R-MAT graph and on Debian's package dependency graph, by Strom
//! (`strom_gelly`, at each `--workers` count), a hand-written single thread, igraph
//! 1.0.0 (C, single thread) and networkx 3.4.2 (both from PyPI, in a virtual
//! environment under the data folder), each run of one algorithm in its own process
//! (`compare::measure`: wall time, peak resident memory of the process tree), engines
//! alternating in every round, medians reported. Every run's result is checked against
//! the first engine's before its time counts (exact for components, hops and counts,
//! 1e-9 for ranks); networkx runs under `--networkx-timeout` and a memory cap, and a
//! run that does not finish is reported as such, not retried.
//!
//! Reported time: from the process's start of reading the edge list to the result in
//! its memory (Strom: one job, reading, algorithm and collecting; igraph, networkx and
//! the thread: loading, then the algorithm, each also reported alone). Writing the
//! result for the check is not timed. PageRank runs to convergence (damping 0.85,
//! dangling rank spread over all vertices; a round's total change below
//! [`PAGERANK_TOLERANCE`]), since igraph has no fixed number of rounds (PRPACK solves
//! the linear system). SSSP is unit-weight, from the vertex with the most out-edges.
//!
//! ```text
//! cargo run --release -p strom-benches --bin strom-bench -- graph              # scale 16
//! cargo run --release -p strom-benches --bin strom-bench -- graph --scale 20   # 10 M edges
//! ```

mod data;
mod results;
mod single;
mod strom;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::compare::{measure, peers};
use crate::median;

/// PageRank stops after the first round whose total change is below this: every rank
/// is then within about 6e-11 of the fixed point (the change times d / (1 - d)).
const PAGERANK_TOLERANCE: f64 = 1e-11;

/// igraph and networkx, pinned (numpy and scipy for networkx's PageRank).
const PACKAGES: &[&str] = &[
    "igraph==1.0.0",
    "networkx==3.4.2",
    "numpy==2.1.3",
    "scipy==1.14.1",
];

/// An algorithm of the benchmark.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Algorithm {
    Pagerank,
    Components,
    Sssp,
    Triangles,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Pagerank => "pagerank",
            Algorithm::Components => "components",
            Algorithm::Sssp => "sssp",
            Algorithm::Triangles => "triangles",
        }
    }

    fn parse(name: &str) -> Result<Algorithm> {
        <Algorithm as clap::ValueEnum>::from_str(name, false)
            .map_err(|_| anyhow::anyhow!("unknown algorithm {name:?}"))
    }
}

/// A result value: a rank, or a label, hop count or triangle count.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Value {
    Rank(f64),
    Count(u64),
}

/// `strom-bench graph` options.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct GraphArgs {
    /// Graphs: rmat, debian.
    #[arg(long, value_delimiter = ',', default_value = "rmat,debian")]
    graphs: Vec<String>,
    /// R-MAT scale: 2^scale vertex ids (20, with edge factor 10: the issue's 10 M edges).
    #[arg(long, default_value_t = 16)]
    scale: u32,
    /// R-MAT edges per vertex id.
    #[arg(long, default_value_t = 10)]
    edge_factor: u64,
    /// R-MAT seed.
    #[arg(long, default_value_t = 19)]
    seed: u64,
    /// Algorithms.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "pagerank,components,sssp,triangles"
    )]
    algorithms: Vec<Algorithm>,
    /// Engines besides Strom: hand-written, igraph, networkx.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "hand-written,igraph,networkx"
    )]
    peers: Vec<String>,
    /// Seconds after which a networkx run is stopped.
    #[arg(long, default_value_t = 120)]
    networkx_timeout: u64,
    /// networkx's address-space cap, GiB.
    #[arg(long, default_value_t = 8.0)]
    networkx_memory: f64,
    /// Seconds after which any other run is stopped.
    #[arg(long, default_value_t = 1800)]
    timeout: u64,
}

/// Who runs an algorithm.
#[derive(Clone, Debug, PartialEq)]
enum Engine {
    Strom(usize),
    Hand,
    Igraph,
    Networkx,
}

impl Engine {
    fn name(&self) -> &'static str {
        match self {
            Engine::Strom(_) => "strom",
            Engine::Hand => "hand-written",
            Engine::Igraph => "igraph",
            Engine::Networkx => "networkx",
        }
    }

    fn workers(&self) -> usize {
        match self {
            Engine::Strom(w) => *w,
            _ => 1,
        }
    }
}

/// The runs of one engine on one algorithm and graph.
struct Row {
    engine: Engine,
    processing: Vec<f64>,
    algorithm_only: Vec<f64>,
    peak: Vec<u64>,
    /// Why there are no numbers: `timeout`, `failed: ...`, `differs: ...`.
    status: Option<String>,
}

/// Runs the benchmark (see the module docs).
pub(crate) fn bench(args: &GraphArgs, workers: &[usize], runs: usize, data: &Path) -> Result<()> {
    let mut engines = vec![];
    for peer in &args.peers {
        engines.push(match peer.as_str() {
            "hand-written" => Engine::Hand,
            "igraph" => Engine::Igraph,
            "networkx" => Engine::Networkx,
            other => bail!("unknown peer {other:?} (hand-written, igraph, networkx)"),
        });
    }
    // The thread first: it is the reference the others are checked against.
    let at = usize::from(engines.first() == Some(&Engine::Hand));
    for (i, &w) in workers.iter().enumerate() {
        engines.insert(at + i, Engine::Strom(w));
    }
    let python = if engines.contains(&Engine::Igraph) || engines.contains(&Engine::Networkx) {
        let env = peers::install(data, "graph", PACKAGES).context(
            "igraph and networkx are installed from PyPI (pip, into a virtual environment under the data folder): is PyPI reachable? (--peers hand-written runs without them)",
        )?;
        Some(env.join("bin/python"))
    } else {
        None
    };
    let mut inputs = Vec::new();
    for graph in &args.graphs {
        inputs.push(match graph.as_str() {
            "rmat" => data::rmat(data, args.scale, args.edge_factor, args.seed)?,
            "debian" => data::debian(data)?,
            other => bail!("unknown graph {other:?} (rmat, debian)"),
        });
    }
    let scratch = data.join("graph-out");
    std::fs::create_dir_all(&scratch)?;
    let exe = std::env::current_exe()?;
    let mut tables = Vec::new();
    for input in &inputs {
        let source = data::source(&input.path)?;
        println!("{}: {}; SSSP source {source}", input.name, input.describe);
        for &algorithm in &args.algorithms {
            let mut rows: Vec<Row> = engines
                .iter()
                .map(|e| Row {
                    engine: e.clone(),
                    processing: vec![],
                    algorithm_only: vec![],
                    peak: vec![],
                    status: None,
                })
                .collect();
            let mut reference: Option<(String, Vec<(u64, Value)>)> = None;
            for round in 0..runs {
                for row in rows.iter_mut().filter(|r| r.status.is_none()) {
                    let engine = row.engine.clone();
                    let out = scratch.join(format!(
                        "{}-{}-{}.txt",
                        engine.name(),
                        engine.workers(),
                        algorithm.name()
                    ));
                    let _ = std::fs::remove_file(&out);
                    let (cmd, limit) = match &engine {
                        Engine::Strom(_) | Engine::Hand => {
                            let mut cmd = Command::new(&exe);
                            cmd.args(["graph-engine", engine.name()])
                                .arg(engine.workers().to_string())
                                .arg(algorithm.name())
                                .arg(&input.path)
                                .arg(source.to_string())
                                .arg(&out);
                            (cmd, args.timeout)
                        }
                        Engine::Igraph | Engine::Networkx => {
                            let networkx = engine == Engine::Networkx;
                            let mut cmd = Command::new(python.as_ref().expect("installed"));
                            cmd.arg(peers::scripts().join("graph_peers.py"))
                                .args([engine.name(), algorithm.name()])
                                .arg(&input.path)
                                .arg(source.to_string())
                                .arg(&out)
                                .arg(PAGERANK_TOLERANCE.to_string())
                                .arg(if networkx { args.networkx_memory } else { 0.0 }.to_string());
                            let limit = if networkx {
                                args.networkx_timeout
                            } else {
                                args.timeout
                            };
                            (cmd, limit)
                        }
                    };
                    let mut timed = Command::new("timeout");
                    timed
                        .args(["-s", "KILL", &limit.to_string()])
                        .arg(cmd.get_program());
                    timed.args(cmd.get_args());
                    let started = Instant::now();
                    let measured = measure::run_reporting(timed)?;
                    let label = format!(
                        "{} {} at {} worker(s)",
                        algorithm.name(),
                        engine.name(),
                        engine.workers()
                    );
                    if let Some(error) = &measured.error {
                        row.status = Some(if started.elapsed().as_secs() + 1 >= limit {
                            format!("timeout ({limit} s)")
                        } else if error.contains("MemoryError") {
                            format!("out of memory (cap {} GiB)", args.networkx_memory)
                        } else {
                            format!("failed: {}", error.lines().last().unwrap_or_default())
                        });
                        println!(
                            "  round {round}: {label}: {}",
                            row.status.as_deref().unwrap_or_default()
                        );
                        continue;
                    }
                    let got = results::read(&out, algorithm == Algorithm::Pagerank)?;
                    match &reference {
                        None => reference = Some((engine.name().to_string(), got)),
                        Some((by, expected)) => {
                            if let Some(why) = results::differs(expected, &got) {
                                row.status = Some(format!("differs from {by}'s: {why}"));
                                println!(
                                    "  round {round}: {label}: {}",
                                    row.status.as_deref().unwrap_or_default()
                                );
                                continue;
                            }
                        }
                    }
                    let report = measured.reports.last().map(|r| &r.value);
                    let field = |k: &str| report.and_then(|r| r[k].as_f64());
                    row.processing.push(measured.cost.processing_s);
                    if let Some(alone) = field("algorithm_s") {
                        row.algorithm_only.push(alone);
                    }
                    row.peak.push(measured.cost.peak_rss);
                    println!(
                        "  round {round}: {label}: {:.3} s, peak {} MiB",
                        measured.cost.processing_s,
                        measured.cost.peak_rss >> 20
                    );
                }
            }
            let by = reference.map(|r| r.0).unwrap_or_default();
            tables.push((input.name.clone(), algorithm, rows, by));
        }
    }
    print_table(&tables, workers.last().copied().unwrap_or(1));
    Ok(())
}

/// The Markdown table of every row, and the issue's goal per algorithm and graph:
/// at `goal_workers` workers, faster than igraph at most 3x its peak memory.
fn print_table(tables: &[(String, Algorithm, Vec<Row>, String)], goal_workers: usize) {
    println!(
        "\n| graph | algorithm | engine | workers | seconds | algorithm alone, s | peak MiB | igraph's seconds / these | peak / igraph's |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut goals = Vec::new();
    for (graph, algorithm, rows, _) in tables {
        let typical = |r: &Row| (!r.processing.is_empty()).then(|| median(r.processing.clone()));
        let peak = |r: &Row| {
            (!r.peak.is_empty()).then(|| median(r.peak.iter().map(|&p| p as f64).collect()))
        };
        let igraph = rows.iter().find(|r| r.engine == Engine::Igraph);
        let (igraph_s, igraph_peak) = (igraph.and_then(typical), igraph.and_then(peak));
        for r in rows {
            let (seconds, memory) = (typical(r), peak(r));
            let cell = |x: Option<f64>, f: &dyn Fn(f64) -> String| x.map_or("-".into(), f);
            let status = r.status.as_deref();
            let time = match (seconds, status) {
                (_, Some(s)) => s.to_string(),
                (Some(t), None) => format!("{t:.3}"),
                (None, None) => "-".into(),
            };
            let alone = (!r.algorithm_only.is_empty()).then(|| median(r.algorithm_only.clone()));
            println!(
                "| {graph} | {} | {} | {} | {time} | {} | {} | {} | {} |",
                algorithm.name(),
                r.engine.name(),
                r.engine.workers(),
                cell(alone.filter(|_| status.is_none()), &|a| format!("{a:.3}")),
                cell(memory.filter(|_| status.is_none()), &|m| format!(
                    "{:.0}",
                    m / f64::from(1 << 20)
                )),
                cell(
                    igraph_s
                        .zip(seconds)
                        .filter(|_| status.is_none())
                        .map(|(i, t)| i / t),
                    &|x| format!("{x:.2}")
                ),
                cell(
                    igraph_peak
                        .zip(memory)
                        .filter(|_| status.is_none())
                        .map(|(i, m)| m / i),
                    &|x| format!("{x:.2}")
                ),
            );
            if r.engine == Engine::Strom(goal_workers)
                && let (Some(t), Some(m), Some(i), Some(ip)) =
                    (seconds, memory, igraph_s, igraph_peak)
            {
                let met = t < i && m <= 3.0 * ip;
                goals.push(format!(
                    "{graph}, {}: {} ({:.2}x igraph's speed, {:.2}x its peak memory)",
                    algorithm.name(),
                    if met { "met" } else { "not met" },
                    i / t,
                    m / ip
                ));
            }
        }
    }
    let checked: Vec<String> = tables
        .iter()
        .map(|(g, a, _, by)| format!("{g} {}: against {by}'s", a.name()))
        .collect();
    println!(
        "(seconds: median, from reading the edge list to the result in memory; results checked before any time counts ({}), exact for components, hops and triangles, 1e-9 for ranks)",
        checked.join("; ")
    );
    println!("goal at {goal_workers} workers (faster than igraph, peak memory within 3x):");
    for goal in goals {
        println!("- {goal}");
    }
}

/// `strom-bench graph-engine ENGINE WORKERS ALGORITHM EDGES SOURCE OUT`: runs one
/// algorithm here (Strom, or the hand-written thread), reports its times as
/// `STROM_BENCH` and writes its result to OUT.
pub(crate) fn engine(args: &[String]) -> Result<()> {
    let [engine, workers, algorithm, edges, source, out] = args else {
        bail!("usage: strom-bench graph-engine ENGINE WORKERS ALGORITHM EDGES SOURCE OUT");
    };
    let algorithm = Algorithm::parse(algorithm)?;
    let source: u64 = source.parse().context("SOURCE")?;
    let start = Instant::now();
    let (load, rows) = match engine.as_str() {
        "strom" => (
            None,
            strom::run(algorithm, workers.parse()?, edges, source)?,
        ),
        "hand-written" => {
            let list = crate::graph::read_edge_list(Path::new(edges))?;
            let loaded = start.elapsed().as_secs_f64();
            (Some(loaded), single::run(algorithm, &list, source))
        }
        other => bail!("unknown engine {other:?}"),
    };
    let total = start.elapsed().as_secs_f64();
    let mut report = serde_json::json!({ "processing_s": total });
    if let Some(load) = load {
        report["load_s"] = load.into();
        report["algorithm_s"] = (total - load).into();
    }
    println!("STROM_BENCH {report}");
    results::write(&PathBuf::from(out), &rows)
}
