//! `strom-bench`: whole-job benchmarks, each beside a single-threaded hand-written
//! baseline of the same computation, run alternately in one process so that the ratios
//! are fair on a shared machine. Outputs are checked against the baseline before any
//! number is reported.
//!
//! ```text
//! cargo run --release -p strom-benches --bin strom-bench -- wordcount --mb 256 --workers 1,2
//! cargo run --release -p strom-benches --bin strom-bench -- tpch --sf 1 --queries 1,3 --workers 1,2
//! cargo run --release -p strom-benches --bin strom-bench -- window-agg --events 5000000 --rate 100000
//! cargo run --release -p strom-benches --bin strom-bench -- --workers 2 incremental-graph
//! cargo run --release -p strom-benches --bin strom-bench -- graph --scale 20
//! cargo run --release -p strom-benches --bin strom-bench -- --workers 1,2 --runs 1 ml
//! ```
//!
//! Data goes to `benches/data/` (git-ignored): a seeded Zipf text corpus, and TPC-H
//! Parquet from `tpchgen-cli` (PyPI; `pip install tpchgen-cli`).

mod baseline;
mod cep;
mod compare;
mod corpus;
mod graph;
mod graph_bench;
mod incremental;
mod kafka;
mod ml;
mod nexmark;
mod state;
mod streaming;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use strom_core::RuntimeConfig;
use strom_jobs::{graph as graph_jobs, terasort, tpch, wordcount};

#[derive(Parser)]
#[command(name = "strom-bench", about = "Whole-job benchmarks for Strom")]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
    /// Timed runs per engine and setting (alternating); the median is reported.
    #[arg(long, global = true, default_value_t = 3)]
    runs: usize,
    /// Worker counts to measure.
    #[arg(long, global = true, value_delimiter = ',', default_value = "1,2")]
    workers: Vec<usize>,
    /// Data folder.
    #[arg(long, global = true, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/data"))]
    data: PathBuf,
}

#[derive(Subcommand)]
enum Bench {
    /// Installs the peers (Spark and Flink from PyPI, in virtual environments under the
    /// data folder) and the tools the comparison needs (tpchgen-cli, matplotlib).
    Setup,
    /// Strom against Spark, Flink and a hand-written single thread on every workload,
    /// outputs checked equal first; writes the report.
    Compare(compare::CompareArgs),
    /// Renders the report again from its raw numbers, and with --readme puts it into the
    /// README's performance section.
    Report {
        /// The results folder [default: benches/results/SIZE].
        #[arg(long)]
        results: Option<PathBuf>,
        /// The size whose results to render when --results is not given.
        #[arg(long, value_enum, default_value = "small")]
        size: compare::workloads::Size,
        /// A README with a `<!-- compare:begin -->` ... `<!-- compare:end -->` section.
        #[arg(long)]
        readme: Option<PathBuf>,
    },
    /// (Internal) runs one job of the comparison in this process: ENGINE WORKERS
    /// WORKLOAD OUT ARGS...
    #[command(hide = true)]
    Engine {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// CEP: Strom's pattern operator against Flink SQL MATCH_RECOGNIZE and the NFA
    /// run per key in one thread, matches checked equal.
    Cep(cep::CepArgs),
    /// (Internal) runs one CEP job in this process: ENGINE WORKERS WHICH EVENTS KEYS
    /// WINDOW OUT
    #[command(hide = true)]
    CepEngine {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Word count over a seeded Zipf-distributed corpus.
    Wordcount {
        /// Corpus size in MiB.
        #[arg(long, default_value_t = 256)]
        mb: usize,
    },
    /// TeraSort: teragen data sorted under a memory budget.
    Terasort {
        /// Input size in MiB (100-byte records).
        #[arg(long, default_value_t = 2048)]
        mb: u64,
        /// Strom's memory budget.
        #[arg(long, default_value = "128MB")]
        memory: String,
    },
    /// PageRank on a seeded power-law graph: seconds per iteration.
    Pagerank {
        /// Vertices (ids range).
        #[arg(long, default_value_t = 1_000_000)]
        vertices: u64,
        /// Edges.
        #[arg(long, default_value_t = 10_000_000)]
        edges: u64,
        /// Iterations of the timed runs (each is also run with 0 to subtract loading).
        #[arg(long, default_value_t = 10)]
        iterations: u32,
    },
    /// window-agg (event-time tumbling windows per key) on generated events:
    /// throughput beside a hand-written baseline, and latency at a fixed rate.
    WindowAgg {
        /// Events of the throughput runs.
        #[arg(long, default_value_t = 5_000_000)]
        events: u64,
        /// Distinct keys.
        #[arg(long, default_value_t = 1_000)]
        keys: u64,
        /// Events per second of the latency runs.
        #[arg(long, default_value_t = 100_000.0)]
        rate: f64,
        /// Seconds of the latency runs.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
    },
    /// window-agg's pipeline with checkpoints every INTERVAL against none.
    Checkpoints {
        /// Events per run.
        #[arg(long, default_value_t = 100_000_000)]
        events: u64,
        /// Distinct keys.
        #[arg(long, default_value_t = 1_000)]
        keys: u64,
        /// Checkpoint interval (ms).
        #[arg(long, default_value_t = 1_000)]
        interval_ms: u64,
    },
    /// Checkpoint size and duration, and recovery time, of keyed state on the heap
    /// and disk backends.
    State {
        /// Distinct keys.
        #[arg(long, default_value_t = 8_000_000)]
        keys: u64,
        /// Bytes of value per key (8M keys x 120 bytes: about 1 GB serialised).
        #[arg(long, default_value_t = 120)]
        value_bytes: usize,
        /// Checkpoint interval (ms).
        #[arg(long, default_value_t = 2_000)]
        interval_ms: u64,
    },
    /// Incremental connected components and BFS (strom_gelly::incremental) under
    /// single-edge changes in batches: per-batch latency and changes/s, against
    /// re-running Strom's batch algorithms and igraph's.
    IncrementalGraph(incremental::IncrementalArgs),
    /// PageRank, connected components, SSSP and triangle count on an R-MAT and a real
    /// graph: Strom against igraph, networkx and a hand-written single thread, each
    /// run in its own process (time, peak memory), results checked equal first.
    Graph(graph_bench::GraphArgs),
    /// (Internal) runs one algorithm of `graph` in this process: ENGINE WORKERS
    /// ALGORITHM EDGES SOURCE OUT
    #[command(hide = true)]
    GraphEngine {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// strom-ml against Spark MLlib: logistic regression and k-means on generated
    /// points, ALS on MovieLens 100k; time, peak memory and quality of each, each fit
    /// in its own process.
    Ml(ml::MlArgs),
    /// (Internal) fits one model of `ml` in this process: WORKERS TASK OUT ARGS...
    #[command(hide = true)]
    MlEngine {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Kafka: records per second per core through Strom's Kafka source and sink,
    /// beside a plain rdkafka consumer/producer loop, on a local broker.
    Kafka(kafka::KafkaArgs),
    /// TPC-H queries over Parquet.
    Tpch {
        /// Scale factor.
        #[arg(long, default_value = "1")]
        sf: String,
        /// Queries.
        #[arg(long, value_delimiter = ',', default_value = "1,3")]
        queries: Vec<u32>,
    },
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time<T>(f: impl FnOnce() -> Result<T>) -> Result<(f64, T)> {
    let start = Instant::now();
    let out = f()?;
    Ok((start.elapsed().as_secs_f64(), out))
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    std::fs::create_dir_all(&cli.data)?;
    match &cli.bench {
        Bench::Setup => return compare::peers::setup(&cli.data),
        Bench::Compare(args) => return compare::compare(args, &cli.data),
        Bench::Engine { args } => return compare::engine(args),
        Bench::CepEngine { args } => return cep::engine(args),
        Bench::Cep(args) => return cep::bench(args, &cli.workers, &cli.data),
        Bench::Kafka(args) => return kafka::bench(args, &cli.workers, cli.runs, &cli.data),
        Bench::IncrementalGraph(args) => {
            return incremental::bench(args, &cli.workers, cli.runs, &cli.data);
        }
        Bench::Graph(args) => return graph_bench::bench(args, &cli.workers, cli.runs, &cli.data),
        Bench::GraphEngine { args } => return graph_bench::engine(args),
        Bench::Ml(args) => return ml::bench(args, &cli.workers, cli.runs, &cli.data),
        Bench::MlEngine { args } => return ml::engine(args),
        Bench::Report {
            results,
            size,
            readme,
        } => {
            let dir = results
                .clone()
                .unwrap_or_else(|| compare::results_dir(*size));
            compare::report::render(&dir, &cli.data)?;
            if let Some(readme) = readme {
                compare::report::into_readme(&dir, readme)?;
            }
            return Ok(());
        }
        _ => {}
    }
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "machine: {cpus} cores; runs per setting: {} (median reported)",
        cli.runs
    );
    match &cli.bench {
        Bench::Wordcount { mb } => bench_wordcount(&cli, *mb),
        Bench::Tpch { sf, queries } => bench_tpch(&cli, sf, queries),
        Bench::Checkpoints {
            events,
            keys,
            interval_ms,
        } => {
            let workers = cli.workers.last().copied().unwrap_or(1);
            streaming::bench_checkpoints(workers, cli.runs, *events, *keys, *interval_ms)
        }
        Bench::State {
            keys,
            value_bytes,
            interval_ms,
        } => {
            let workers = cli.workers.last().copied().unwrap_or(1);
            state::bench_state(workers, *keys, *value_bytes, *interval_ms)
        }
        Bench::WindowAgg {
            events,
            keys,
            rate,
            seconds,
        } => streaming::bench(&cli.workers, cli.runs, *events, *keys, *rate, *seconds),
        Bench::Terasort { mb, memory } => bench_terasort(&cli, *mb, memory),
        Bench::Pagerank {
            vertices,
            edges,
            iterations,
        } => bench_pagerank(&cli, *vertices, *edges, *iterations),
        Bench::Setup
        | Bench::Compare(_)
        | Bench::Report { .. }
        | Bench::Engine { .. }
        | Bench::Cep(_)
        | Bench::Kafka(_)
        | Bench::IncrementalGraph(_)
        | Bench::Graph(_)
        | Bench::GraphEngine { .. }
        | Bench::Ml(_)
        | Bench::MlEngine { .. }
        | Bench::CepEngine { .. } => {
            unreachable!("handled above")
        }
    }
}

fn bench_wordcount(cli: &Cli, mb: usize) -> Result<()> {
    let corpus = cli.data.join(format!("zipf-{mb}mb.txt"));
    let stats = corpus::ensure(&corpus, mb << 20)?;
    println!(
        "corpus: {} ({} MiB, {} lines, {} words)",
        corpus.display(),
        mb,
        stats.lines,
        stats.words
    );
    let out = cli.data.join("wordcount-out.csv");
    let expected = baseline::wordcount(&corpus)?;

    let mut base_times = Vec::new();
    let mut strom_times: Vec<Vec<f64>> = vec![Vec::new(); cli.workers.len()];
    for _ in 0..cli.runs {
        base_times.push(time(|| baseline::wordcount(&corpus))?.0);
        for (i, &w) in cli.workers.iter().enumerate() {
            let _ = std::fs::remove_file(&out);
            let args = wordcount::WordCountArgs {
                input: Some(corpus.to_string_lossy().into_owned()),
                output: Some(out.to_string_lossy().into_owned()),
                top: 10,
            };
            let (t, ()) =
                time(|| wordcount::run(&RuntimeConfig::default().with_workers(w), &args))?;
            if std::fs::read(&out)? != expected {
                bail!(
                    "strom's word counts at {w} workers differ from the baseline's: no numbers reported"
                );
            }
            strom_times[i].push(t);
        }
    }
    let base = median(base_times);
    println!(
        "\n| engine | workers | seconds | lines/s per worker | MiB/s per worker | baseline time / strom time |"
    );
    println!("|---|---|---|---|---|---|");
    let row = |name: &str, w: usize, t: f64| {
        println!(
            "| {name} | {w} | {t:.2} | {:.0} | {:.1} | {:.2} |",
            stats.lines as f64 / t / w as f64,
            mb as f64 / t / w as f64,
            base / t
        );
    };
    row("hand-written, 1 thread", 1, base);
    for (i, &w) in cli.workers.iter().enumerate() {
        row("strom", w, median(strom_times[i].clone()));
    }
    println!("(outputs equal to the baseline's, byte for byte)");
    Ok(())
}

fn tpchgen() -> Result<PathBuf> {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tmp/py-env/bin/tpchgen-cli");
    if local.exists() {
        return Ok(local);
    }
    let found = std::process::Command::new("tpchgen-cli")
        .arg("--version")
        .output();
    match found {
        Ok(o) if o.status.success() => Ok(PathBuf::from("tpchgen-cli")),
        _ => bail!(
            "tpchgen-cli not found: `pip install tpchgen-cli` (PyPI) or run the CLI tests once"
        ),
    }
}

fn bench_tpch(cli: &Cli, sf: &str, queries: &[u32]) -> Result<()> {
    let dir = cli.data.join(format!("tpch-sf{sf}"));
    if !dir.join("lineitem.parquet").exists() {
        println!("generating TPC-H sf {sf} into {}", dir.display());
        let status = std::process::Command::new(tpchgen()?)
            .args(["parquet", "-s", sf, "--output-dir"])
            .arg(&dir)
            .status()
            .context("running tpchgen-cli")?;
        if !status.success() {
            bail!("tpchgen-cli failed");
        }
    }
    let files = strom_core::storage::list_files(&dir.join("lineitem.parquet").to_string_lossy())?;
    let rows: i64 = strom_core::formats::parquet::metadata(&files[0])?
        .metadata()
        .file_metadata()
        .num_rows();
    println!("data: {} (lineitem: {rows} rows)", dir.display());
    println!(
        "\n| query | workers | seconds | lineitem rows/s per worker | speed-up over 1 worker |"
    );
    println!("|---|---|---|---|---|");
    for &q in queries {
        let out = cli.data.join(format!("tpch-q{q}.csv"));
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); cli.workers.len()];
        let mut answers: Vec<Vec<u8>> = Vec::new();
        for _ in 0..cli.runs {
            for (i, &w) in cli.workers.iter().enumerate() {
                let args = tpch::TpchArgs {
                    query: q,
                    data: dir.to_string_lossy().into_owned(),
                    output: Some(out.to_string_lossy().into_owned()),
                };
                let (t, ()) = time(|| tpch::run(&RuntimeConfig::default().with_workers(w), &args))?;
                times[i].push(t);
                answers.push(std::fs::read(&out)?);
            }
        }
        if answers.windows(2).any(|a| a[0] != a[1]) {
            bail!("Q{q}: answers differ between runs or worker counts: no numbers reported");
        }
        let one = median(times[0].clone());
        for (i, &w) in cli.workers.iter().enumerate() {
            let t = median(times[i].clone());
            println!(
                "| Q{q} | {w} | {t:.2} | {:.0} | {:.2} |",
                rows as f64 / t / w as f64,
                one / t
            );
        }
    }
    println!(
        "(answers identical across runs and worker counts; checked against DuckDB by the test suite at sf 0.1)"
    );
    Ok(())
}

fn bench_terasort(cli: &Cli, mb: u64, memory: &str) -> Result<()> {
    let rows = (mb << 20) / terasort::RECORD_LEN as u64;
    let input = cli.data.join(format!("tera-{mb}mb"));
    if !input.join(".done").exists() {
        let _ = std::fs::remove_dir_all(&input);
        let args = terasort::TeraGenArgs {
            rows,
            output: format!("{}/", input.display()),
        };
        terasort::generate(&RuntimeConfig::default().with_workers(2), &args)?;
        std::fs::write(input.join(".done"), b"")?;
    }
    println!(
        "input: {} ({rows} records, {mb} MiB); strom memory budget {memory}",
        input.display()
    );
    let budget = strom_jobs::units::parse_size(memory)?;
    let out = cli.data.join("tera-out");
    let expected = cli.data.join("tera-baseline.bin");
    let mut base_times = Vec::new();
    let mut strom_times: Vec<Vec<f64>> = vec![Vec::new(); cli.workers.len()];
    for _ in 0..cli.runs {
        base_times.push(time(|| baseline::terasort(&input, &expected))?.0);
        for (i, &w) in cli.workers.iter().enumerate() {
            let _ = std::fs::remove_dir_all(&out);
            let args = terasort::TeraSortArgs {
                input: format!("{}/", input.display()),
                output: format!("{}/", out.display()),
            };
            let config = RuntimeConfig::default()
                .with_workers(w)
                .with_memory_limit(budget);
            let (t, ()) = time(|| terasort::sort(&config, &args))?;
            if !baseline::same_concatenation(&out, &expected)? {
                bail!(
                    "strom's terasort output at {w} workers differs from the baseline's: no numbers reported"
                );
            }
            strom_times[i].push(t);
        }
    }
    let base = median(base_times);
    println!(
        "\n| engine | workers | memory | seconds | MiB/s per worker | baseline time / strom time |"
    );
    println!("|---|---|---|---|---|---|");
    println!(
        "| hand-written, 1 thread | 1 | all in memory | {base:.2} | {:.1} | 1.00 |",
        mb as f64 / base
    );
    for (i, &w) in cli.workers.iter().enumerate() {
        let t = median(strom_times[i].clone());
        println!(
            "| strom | {w} | {memory} | {t:.2} | {:.1} | {:.2} |",
            mb as f64 / t / w as f64,
            base / t
        );
    }
    println!("(outputs equal to the baseline's, byte for byte)");
    Ok(())
}

/// `vertex,rank` rows of strom's output.
fn read_ranks(path: &Path) -> Result<Vec<(u64, f64)>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .skip(1)
        .map(|l| {
            let (v, r) = l.split_once(',').context("two fields")?;
            Ok((v.parse()?, r.parse()?))
        })
        .collect()
}

fn bench_pagerank(cli: &Cli, vertices: u64, edges: u64, iterations: u32) -> Result<()> {
    let input = cli.data.join(format!("graph-{vertices}v-{edges}e.txt"));
    graph::ensure(&input, vertices, edges)?;
    println!(
        "graph: {} ({vertices} vertex ids, {edges} edges, power-law degrees)",
        input.display()
    );
    let out = cli.data.join("pagerank-out.csv");
    let mut base: [Vec<f64>; 2] = Default::default();
    let mut strom: Vec<[Vec<f64>; 2]> = vec![Default::default(); cli.workers.len()];
    for _ in 0..cli.runs {
        for (slot, rounds) in [0, iterations].into_iter().enumerate() {
            let (t, expected) = time(|| graph::pagerank(&input, rounds, 0.85))?;
            base[slot].push(t);
            for (i, &w) in cli.workers.iter().enumerate() {
                let args = graph_jobs::PageRankArgs {
                    edges: input.to_string_lossy().into_owned(),
                    vertices: None,
                    iterations: rounds,
                    damping: 0.85,
                    output: Some(out.to_string_lossy().into_owned()),
                };
                let config = RuntimeConfig::default().with_workers(w);
                let (t, ()) = time(|| graph_jobs::run_pagerank(&config, &args))?;
                let got = read_ranks(&out)?;
                let same = got.len() == expected.len()
                    && got
                        .iter()
                        .zip(&expected)
                        .all(|(a, b)| a.0 == b.0 && (a.1 - b.1).abs() <= 1e-9);
                if !same {
                    bail!(
                        "strom's ranks at {w} workers differ from the baseline's: no numbers reported"
                    );
                }
                strom[i][slot].push(t);
            }
        }
    }
    let per_iteration = |runs: &[Vec<f64>; 2]| {
        let (load, all) = (median(runs[0].clone()), median(runs[1].clone()));
        (load, all, (all - load) / f64::from(iterations))
    };
    let (_, _, base_iter) = per_iteration(&base);
    println!(
        "\n| engine | workers | seconds, {iterations} iterations | seconds without iterations | ms per iteration | baseline / strom per iteration |"
    );
    println!("|---|---|---|---|---|---|");
    let row = |name: &str, w: usize, runs: &[Vec<f64>; 2]| {
        let (load, all, it) = per_iteration(runs);
        println!(
            "| {name} | {w} | {all:.2} | {load:.2} | {:.1} | {:.3} |",
            it * 1000.0,
            base_iter / it
        );
    };
    row("hand-written, 1 thread", 1, &base);
    for (i, &w) in cli.workers.iter().enumerate() {
        row("strom", w, &strom[i]);
    }
    println!("(ranks equal to the baseline's within 1e-9 for every vertex)");
    Ok(())
}
