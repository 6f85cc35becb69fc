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
mod check;
mod latency;
mod measure;
mod nexmark;
pub(crate) mod peers;
pub(crate) mod report;
pub(crate) mod workloads;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use measure::Cost;
use workloads::{Input, Size, Workload};

/// `strom-bench compare` options.
#[derive(clap::Args, Debug)]
pub(crate) struct CompareArgs {
    /// Input sizes: small (minutes on 2 cores) or large (for bigger machines).
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
    /// The Nexmark queries of the `nexmark` workload.
    #[arg(long, value_delimiter = ',', default_value = "q0,q1,q2,q5,q7,q8")]
    queries: Vec<String>,
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
    let mut runs = Vec::new();
    let mut verdicts = Vec::new();
    let mut inputs = Vec::new();
    for &workload in &workloads {
        println!("== {} ==", workload.name());
        let input = workloads::prepare(workload, args.size, data)?;
        println!("input: {}", input.describe);
        let (r, v) = if workload == Workload::Nexmark {
            let queries: Vec<crate::nexmark::Query> = args
                .queries
                .iter()
                .map(|q| crate::nexmark::Query::parse(q))
                .collect::<Result<_>>()?;
            for &q in &queries {
                let what = format!(
                    "{}: {} records read",
                    q.describe(),
                    nexmark::records(q, input.records)
                );
                inputs.push((nexmark::workload_name(q), what));
            }
            nexmark::compare_suite(args, data, &exe, &scratch, &input, &queries)?
        } else {
            compare_one(args, data, &exe, &scratch, workload, &input)?
        };
        runs.extend(r);
        verdicts.extend(v);
        inputs.push((workload.name().to_string(), input.describe));
    }
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

/// The rounds of one workload: every engine once per round, its output checked.
fn compare_one(
    args: &CompareArgs,
    data: &Path,
    exe: &Path,
    scratch: &Path,
    workload: Workload,
    input: &Input,
) -> Result<(Vec<Run>, Vec<Verdict>)> {
    let mut verdicts: Vec<Verdict> = args
        .engines
        .iter()
        .filter(|e| *e != "strom")
        .map(|e| Verdict {
            workload: workload.name().into(),
            engine: e.clone(),
            outcome: if matches!(e.as_str(), "spark" | "flink") && !peers::installed(data, e) {
                "not installed (`strom-bench setup`)".into()
            } else {
                "equal".into()
            },
        })
        .collect();
    let dir = scratch.join(workload.name());
    std::fs::create_dir_all(&dir)?;
    let mut runs = Vec::new();
    for round in 0..args.rounds {
        let mut strom_rows = None;
        for engine in &args.engines {
            let verdict = verdicts.iter_mut().find(|v| &v.engine == engine);
            if verdict.as_ref().is_some_and(|v| !v.equal()) {
                continue; // failed, differs or not installed: not run again
            }
            let workers = if engine == "baseline" {
                1
            } else {
                args.parallelism
            };
            let out = dir.join(format!("{engine}-{round}"));
            let _ = std::fs::remove_dir_all(&out);
            let _ = std::fs::remove_file(&out);
            let cmd = engine_command(data, exe, engine, workers, workload, &out, input);
            let outcome = measure::run(cmd).and_then(|cost| {
                let header = !matches!(engine.as_str(), "flink");
                let rows = check::read_rows(&out, header)?;
                Ok((cost, rows))
            });
            let (cost, rows) = match (outcome, verdict) {
                (Ok(done), _) => done,
                (Err(e), None) => return Err(e.context(format!("strom on {}", workload.name()))),
                (Err(e), Some(v)) => {
                    println!("  {engine}: failed: {e:#}");
                    v.outcome = format!("failed: {}", first_line(&format!("{e:#}")));
                    continue;
                }
            };
            println!(
                "  round {round} {engine:>8}: {:.2} s ({:.2} s processing), peak {} MiB",
                cost.wall_s,
                cost.processing_s,
                cost.peak_rss >> 20
            );
            runs.push(Run {
                workload: workload.name().into(),
                engine: engine.clone(),
                workers,
                round,
                records: input.records,
                cost,
            });
            let _ = std::fs::remove_dir_all(&out).or_else(|_| std::fs::remove_file(&out));
            match (engine.as_str(), &strom_rows) {
                ("strom", _) => strom_rows = Some(rows),
                (_, Some(expected)) => {
                    if let Some(why) =
                        check::differences(expected.clone(), rows, workload.tolerance())
                    {
                        println!("  {engine}: output differs from strom's: {why}");
                        if let Some(v) = verdicts.iter_mut().find(|v| &v.engine == engine) {
                            v.outcome = format!("differs: {why}");
                        }
                    }
                }
                (_, None) => {}
            }
        }
    }
    Ok((runs, verdicts))
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

/// The command that runs `workload` on `engine`.
fn engine_command(
    data: &Path,
    exe: &Path,
    engine: &str,
    workers: usize,
    workload: Workload,
    out: &Path,
    input: &Input,
) -> Command {
    match engine {
        "spark" | "flink" => {
            let args = match (engine, &input.flink_args) {
                ("flink", Some(a)) => a,
                _ => &input.args,
            };
            peers::command(data, engine, workers, workload.script_name(), out, args)
        }
        _ => {
            let mut cmd = Command::new(exe);
            cmd.args(["engine", engine, &workers.to_string(), workload.name()])
                .arg(out)
                .args(&input.args);
            cmd
        }
    }
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
    if workload == "nexmark" {
        let [events, queries] = rest else {
            anyhow::bail!("usage: strom-bench engine ENGINE WORKERS nexmark OUT EVENTS QUERIES");
        };
        return nexmark::run_suite(engine, workers, Path::new(out), Path::new(events), queries);
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
