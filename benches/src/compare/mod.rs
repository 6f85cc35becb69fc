//! `strom-bench compare`: the same workloads on the same data at the same parallelism on
//! Strom, Spark, Flink and a single-threaded hand-written program, in alternating runs
//! (A B C D A B C D ...), every engine's output checked against Strom's (and Strom's
//! against the hand-written program's) before any number is reported. Writes the raw
//! numbers as CSV and a Markdown report with charts (`strom-bench report` renders it
//! again, and puts it into the README).
//!
//! ```text
//! cargo run --release -p strom-benches --bin strom-bench -- setup
//! cargo run --release -p strom-benches --bin strom-bench -- compare --size small
//! ```

mod baselines;
pub(crate) mod check;
mod latency;
pub(crate) mod measure;
pub(crate) mod peers;
pub(crate) mod report;
mod suite;
pub(crate) mod workloads;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use measure::Cost;
use workloads::{Size, Workload};

/// `strom-bench compare` options.
#[derive(clap::Args, Debug)]
pub(crate) struct CompareArgs {
    /// Input sizes: small (minutes on 2 cores), medium (the COST sizes of issue 18) or
    /// large (for bigger machines).
    #[arg(long, value_enum, default_value = "small")]
    size: Size,
    /// Engines, alternating in this order each round.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "strom,spark,flink,baseline"
    )]
    engines: Vec<String>,
    /// Workloads (default: all).
    #[arg(long, value_delimiter = ',')]
    workloads: Vec<String>,
    /// Parallelism of every engine (the baseline has one thread).
    #[arg(long, default_value_t = 2)]
    parallelism: usize,
    /// Rounds of every engine; medians are reported.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Events per second of the latency runs (below every engine's maximum).
    #[arg(long, default_value_t = 10_000)]
    latency_rate: u64,
    /// Seconds of each latency run (the first 10 are warm-up); 0 skips latency.
    #[arg(long, default_value_t = 20)]
    latency_seconds: u64,
    /// Spark's micro-batch trigger interval in the latency runs (0: back to back).
    #[arg(long, default_value_t = 0)]
    spark_trigger_ms: u64,
    /// Where the results and the report go [default: benches/results/SIZE, which the
    /// README's performance section shows].
    #[arg(long)]
    out: Option<PathBuf>,
}

/// One timed run.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    pub(crate) workload: String,
    pub(crate) engine: String,
    pub(crate) workers: usize,
    pub(crate) round: usize,
    pub(crate) records: u64,
    pub(crate) cost: Cost,
}

/// Whether an engine's output for a workload equals Strom's.
#[derive(Clone, Debug)]
pub(crate) struct Verdict {
    pub(crate) workload: String,
    pub(crate) engine: String,
    /// `equal`, `differs: ...`, `failed: ...` or `not installed`.
    pub(crate) outcome: String,
}

impl Verdict {
    pub(crate) fn equal(&self) -> bool {
        self.outcome == "equal"
    }
}

/// Runs the comparison and writes the report.
pub(crate) fn compare(args: &CompareArgs, data: &Path) -> Result<()> {
    let workloads: Vec<Workload> = if args.workloads.is_empty() {
        workloads::ALL.to_vec()
    } else {
        args.workloads
            .iter()
            .map(|w| Workload::parse(w))
            .collect::<Result<_>>()?
    };
    let out = args.out.clone().unwrap_or_else(|| results_dir(args.size));
    std::fs::create_dir_all(&out)?;
    let scratch = data.join("compare-out");
    let exe = std::env::current_exe()?;
    let mut inputs = Vec::new();
    for &workload in &workloads {
        let input = workloads::prepare(workload, args.size, data)?;
        println!("{}: {}", workload.name(), input.describe);
        inputs.push((workload, input));
    }
    let (runs, verdicts) = suite::rounds(args, data, &exe, &scratch, &inputs)?;
    let inputs = inputs
        .into_iter()
        .map(|(w, input)| (w.name().to_string(), input.describe))
        .collect();
    let latencies = if args.latency_seconds > 0 {
        latency_runs(args, data, &exe, &scratch)?
    } else {
        Vec::new()
    };
    let meta = report::Meta::of_this_machine(args.size, args.parallelism, args.rounds, inputs);
    report::write_raw(&out, &meta, &runs, &verdicts, &latencies)?;
    report::render(&out, data)?;
    println!("report: {}", out.join("report.md").display());
    Ok(())
}

/// One engine's latency run.
#[derive(Clone, Debug)]
pub(crate) struct LatencyRun {
    pub(crate) engine: String,
    /// How the engine was set up (trigger, watermark interval).
    pub(crate) setting: String,
    pub(crate) rate: u64,
    pub(crate) windows: usize,
    pub(crate) p50_ms: i64,
    pub(crate) p99_ms: i64,
    pub(crate) max_ms: i64,
    /// Every window's latency, sorted (for the chart; not read back).
    pub(crate) samples: Vec<i64>,
}

/// Latency at a fixed rate on Strom and the installed peers.
fn latency_runs(
    args: &CompareArgs,
    data: &Path,
    exe: &Path,
    scratch: &Path,
) -> Result<Vec<LatencyRun>> {
    let settings = latency::Settings {
        rate: args.latency_rate,
        seconds: args.latency_seconds,
        warm_up: 10.min(args.latency_seconds / 2),
        keys: 100,
        spark_trigger_ms: args.spark_trigger_ms,
    };
    println!(
        "== latency: {} events/s for {} s, 1 s tumbling windows, 100 keys ==",
        settings.rate, settings.seconds
    );
    let (p, rate, secs, keys) = (
        args.parallelism.to_string(),
        settings.rate.to_string(),
        settings.seconds.to_string(),
        settings.keys.to_string(),
    );
    let mut out = Vec::new();
    for engine in args.engines.iter().filter(|e| *e != "baseline") {
        let (cmd, setting) = match engine.as_str() {
            "strom" => {
                let mut cmd = Command::new(exe);
                cmd.args(["engine", "strom-latency", &p, &rate, &secs, &keys]);
                let w = latency::WATERMARK_INTERVAL_MS;
                (cmd, format!("watermark interval {w} ms (Flink's default)"))
            }
            "spark" | "flink" if !peers::installed(data, engine) => continue,
            "spark" => {
                let trigger = settings.spark_trigger_ms.to_string();
                let a = [
                    rate.clone(),
                    secs.clone(),
                    keys.clone(),
                    "0".into(),
                    trigger,
                ];
                let cmd = peers::command(data, engine, args.parallelism, "latency", scratch, &a);
                let t = settings.spark_trigger_ms;
                let how = if t == 0 {
                    "micro-batch trigger: back to back (ProcessingTime 0)".to_string()
                } else {
                    format!("micro-batch trigger every {t} ms")
                };
                (cmd, how)
            }
            "flink" => {
                let a = [rate.clone(), secs.clone(), keys.clone(), "0".into()];
                let cmd = peers::command(data, engine, args.parallelism, "latency", scratch, &a);
                (cmd, "watermark interval 200 ms (default)".to_string())
            }
            other => anyhow::bail!("unknown engine {other:?}"),
        };
        match latency::measure(cmd, settings) {
            Ok(sorted) => {
                let (p50, p99, max) = latency::percentiles(&sorted);
                println!(
                    "  {engine:>8}: p50 {p50} ms, p99 {p99} ms, max {max} ms ({} windows)",
                    sorted.len()
                );
                out.push(LatencyRun {
                    engine: engine.clone(),
                    setting,
                    rate: settings.rate,
                    windows: sorted.len(),
                    p50_ms: p50,
                    p99_ms: p99,
                    max_ms: max,
                    samples: sorted,
                });
            }
            Err(e) => println!("  {engine}: latency run failed: {e:#}"),
        }
    }
    Ok(out)
}

/// Where a size's report is kept (committed: the README shows it).
pub(crate) fn results_dir(size: Size) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("results")
        .join(format!("{size:?}").to_lowercase())
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

/// `strom-bench engine ENGINE WORKERS WORKLOAD OUT ARGS...`: runs one job here and
/// prints its processing time for [`measure::run`].
pub(crate) fn engine(args: &[String]) -> Result<()> {
    if let [engine, workers, rate, seconds, keys] = args
        && engine == "strom-latency"
    {
        return latency::run_strom(
            workers.parse()?,
            rate.parse()?,
            seconds.parse()?,
            keys.parse()?,
        );
    }
    let [engine, workers, workload, out, rest @ ..] = args else {
        anyhow::bail!("usage: strom-bench engine ENGINE WORKERS WORKLOAD OUT ARGS...");
    };
    let workers: usize = workers.parse().context("WORKERS")?;
    if workload == "suite" {
        let [spec] = rest else {
            anyhow::bail!("usage: strom-bench engine ENGINE WORKERS suite OUT SPEC");
        };
        return suite::run_here(engine, workers, Path::new(out), Path::new(spec));
    }
    let seconds = workloads::run_here(
        engine,
        workers,
        Workload::parse(workload)?,
        Path::new(out),
        rest,
    )?;
    println!("STROM_BENCH {{\"processing_s\": {seconds}}}");
    Ok(())
}
