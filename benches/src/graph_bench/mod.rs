//! `strom-bench graph`: PageRank, weakly connected components, SSSP and the triangle
//! count on an R-MAT graph and on Debian's package dependency graph, by Strom
//! (`strom_gelly`, at each `--workers` count), a hand-written single thread, igraph
//! 1.0.0 (C, single thread) and networkx 3.4.2 (both from PyPI, in a virtual
//! environment under the data folder), each run of one algorithm in its own process
//! (`compare::measure`: wall time, peak resident memory of the process tree), engines
//! alternating in every round, medians reported. Every run's result is checked against
//! the first engine's before its time counts (exact for components, hops and counts,
//! 1e-9 for ranks). Every run has a time limit (networkx a shorter one,
//! `--networkx-timeout`) and an address-space cap (`--memory-cap`, through `prlimit`:
//! a run past it is out of memory, as Strom's triangle listing was before it ordered
//! wedges by degree); a run that does not finish is reported as such and not retried.
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
mod table;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::compare::{measure, peers};

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
    /// Address-space cap of every run, GiB.
    #[arg(long, default_value_t = 10)]
    memory_cap: u64,
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
    let runner = Runner {
        args,
        exe: std::env::current_exe()?,
        python,
        scratch,
    };
    let mut tables = Vec::new();
    for input in &inputs {
        let source = data::source(&input.path)?;
        println!("{}: {}; SSSP source {source}", input.name, input.describe);
        for &algorithm in &args.algorithms {
            let mut rows: Vec<Row> = engines.iter().map(Row::new).collect();
            let mut reference = None;
            for round in 0..runs {
                for row in rows.iter_mut().filter(|r| r.status.is_none()) {
                    let job = Job {
                        algorithm,
                        edges: &input.path,
                        source,
                    };
                    runner.run(row, &job, &mut reference)?;
                    let label = format!(
                        "{} {} at {} worker(s)",
                        algorithm.name(),
                        row.engine.name(),
                        row.engine.workers()
                    );
                    match (&row.status, row.processing.last(), row.peak.last()) {
                        (Some(why), ..) => println!("  round {round}: {label}: {why}"),
                        (None, Some(t), Some(p)) => {
                            println!("  round {round}: {label}: {t:.3} s, peak {} MiB", p >> 20);
                        }
                        _ => {}
                    }
                }
            }
            let by = reference.map(|r| r.0).unwrap_or_default();
            tables.push((input.name.clone(), algorithm, rows, by));
        }
    }
    table::print(&tables, workers.last().copied().unwrap_or(1));
    Ok(())
}

impl Row {
    fn new(engine: &Engine) -> Row {
        Row {
            engine: engine.clone(),
            processing: vec![],
            algorithm_only: vec![],
            peak: vec![],
            status: None,
        }
    }
}

/// One algorithm on one graph.
struct Job<'a> {
    algorithm: Algorithm,
    edges: &'a Path,
    source: u64,
}

/// The first result of a job, and whose it is.
type Reference = Option<(String, Vec<(u64, Value)>)>;

/// What every run needs.
struct Runner<'a> {
    args: &'a GraphArgs,
    exe: PathBuf,
    python: Option<PathBuf>,
    scratch: PathBuf,
}

impl Runner<'_> {
    /// Runs `job` once on `row`'s engine in a process of its own: its times and peak
    /// go into `row` when its result equals `reference` (or becomes it), else the
    /// reason into `row.status`.
    fn run(&self, row: &mut Row, job: &Job<'_>, reference: &mut Reference) -> Result<()> {
        let engine = &row.engine;
        let out = self.scratch.join(format!(
            "{}-{}-{}.txt",
            engine.name(),
            engine.workers(),
            job.algorithm.name()
        ));
        let _ = std::fs::remove_file(&out);
        let limit = self.limit(engine);
        let started = Instant::now();
        let measured = measure::run_reporting(self.command(engine, job, &out, limit))?;
        if let Some(error) = &measured.error {
            row.status = Some(if started.elapsed().as_secs() + 1 >= limit {
                format!("timeout ({limit} s)")
            } else if error.to_lowercase().contains("memory") {
                format!("out of memory (cap {} GiB)", self.args.memory_cap)
            } else {
                format!("failed: {}", error.lines().last().unwrap_or_default())
            });
            return Ok(());
        }
        let got = results::read(&out, job.algorithm == Algorithm::Pagerank)?;
        match reference {
            None => *reference = Some((engine.name().to_string(), got)),
            Some((by, expected)) => {
                if let Some(why) = results::differs(expected, &got) {
                    row.status = Some(format!("differs from {by}'s: {why}"));
                    return Ok(());
                }
            }
        }
        let report = measured.reports.last().map(|r| &r.value);
        if let Some(alone) = report.and_then(|r| r["algorithm_s"].as_f64()) {
            row.algorithm_only.push(alone);
        }
        row.processing.push(measured.cost.processing_s);
        row.peak.push(measured.cost.peak_rss);
        Ok(())
    }

    /// Seconds after which a run of `engine` is stopped.
    fn limit(&self, engine: &Engine) -> u64 {
        if *engine == Engine::Networkx {
            self.args.networkx_timeout
        } else {
            self.args.timeout
        }
    }

    /// The command of one run of `job` by `engine`, writing its result to `out`,
    /// stopped after `limit` seconds, under the address-space cap.
    fn command(&self, engine: &Engine, job: &Job<'_>, out: &Path, limit: u64) -> Command {
        let (program, first): (&Path, Vec<String>) = match engine {
            Engine::Strom(_) | Engine::Hand => (
                &self.exe,
                vec![
                    "graph-engine".into(),
                    engine.name().into(),
                    engine.workers().to_string(),
                ],
            ),
            Engine::Igraph | Engine::Networkx => (
                self.python
                    .as_deref()
                    .expect("installed when igraph or networkx is asked for"),
                vec![
                    peers::scripts()
                        .join("graph_peers.py")
                        .to_string_lossy()
                        .into_owned(),
                    engine.name().into(),
                ],
            ),
        };
        let mut cmd = Command::new("timeout");
        cmd.args(["-s", "KILL", &limit.to_string(), "prlimit"])
            .arg(format!("--as={}", self.args.memory_cap << 30))
            .arg("--")
            .arg(program)
            .args(first)
            .arg(job.algorithm.name())
            .arg(job.edges)
            .arg(job.source.to_string())
            .arg(out);
        if matches!(engine, Engine::Igraph | Engine::Networkx) {
            cmd.arg(PAGERANK_TOLERANCE.to_string());
        }
        cmd
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
