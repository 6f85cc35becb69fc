//! The Nexmark suite in the comparison. Every engine runs the queries one after another
//! in one process per round, as Nexmark is run on a standing cluster, and reports each
//! query's processing time (`STROM_BENCH {"query": "q5", "processing_s": ...}`) and
//! last the suite's. Each query's output is checked against Strom's of the same round.
//! The runs recorded: one per query (its processing time; memory is not measured per
//! query), and one for the suite (`nexmark`: wall time, start-up and shutdown, peak
//! memory of the process).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use strom_core::RuntimeConfig;

use super::measure::{self, Cost};
use super::workloads::Input;
use super::{CompareArgs, Run, Verdict, check, first_line, peers};
use crate::nexmark::{self, Query, generator};

/// The name of a query's rows in the results (`nexmark-q5`).
pub(crate) fn workload_name(query: Query) -> String {
    format!("nexmark-{}", query.name())
}

/// The records `query` reads of the first `events` events.
pub(crate) fn records(query: Query, events: u64) -> u64 {
    let n = generator::counts(events);
    if query.reads_people() {
        n.persons + n.auctions
    } else {
        n.bids
    }
}

/// The rounds of the suite: every engine once per round, every query's output checked.
pub(crate) fn compare_suite(
    args: &CompareArgs,
    data: &Path,
    exe: &Path,
    scratch: &Path,
    input: &Input,
    queries: &[Query],
) -> Result<(Vec<Run>, Vec<Verdict>)> {
    let mut verdicts = Vec::new();
    for engine in args.engines.iter().filter(|e| *e != "strom") {
        let missing =
            matches!(engine.as_str(), "spark" | "flink") && !peers::installed(data, engine);
        for &q in queries {
            verdicts.push(Verdict {
                workload: workload_name(q),
                engine: engine.clone(),
                outcome: if missing {
                    "not installed (`strom-bench setup`)".into()
                } else {
                    "equal".into()
                },
            });
        }
    }
    let names: Vec<&str> = queries.iter().map(|q| q.name()).collect();
    let list = names.join(",");
    let dir = scratch.join("nexmark");
    std::fs::create_dir_all(&dir)?;
    let mut runs = Vec::new();
    for round in 0..args.rounds {
        let mut strom_rows = Vec::new();
        for engine in &args.engines {
            let mine = |v: &Verdict| &v.engine == engine;
            if verdicts.iter().any(|v| {
                mine(v)
                    && (v.outcome.starts_with("failed") || v.outcome.starts_with("not installed"))
            }) {
                continue;
            }
            let workers = if engine == "baseline" {
                1
            } else {
                args.parallelism
            };
            let out = dir.join(format!("{engine}-{round}"));
            let _ = std::fs::remove_dir_all(&out);
            std::fs::create_dir_all(&out)?;
            let cmd = command(data, exe, engine, workers, &out, &input.args[0], &list);
            let (cost, reports) = match measure::run_reporting(cmd) {
                Ok(done) => done,
                Err(e) if engine == "strom" => return Err(e.context("strom on nexmark")),
                Err(e) => {
                    println!("  {engine}: failed: {e:#}");
                    for v in verdicts.iter_mut().filter(|v| mine(v)) {
                        v.outcome = format!("failed: {}", first_line(&format!("{e:#}")));
                    }
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
                workload: "nexmark".into(),
                engine: engine.clone(),
                workers,
                round,
                records: input.records,
                cost,
            });
            for (i, &q) in queries.iter().enumerate() {
                let processing_s = reports
                    .iter()
                    .find(|r| r["query"].as_str() == Some(q.name()))
                    .and_then(|r| r["processing_s"].as_f64())
                    .with_context(|| format!("{engine} reported no time for {}", q.name()))?;
                print!(
                    "{}{} {processing_s:.2} s",
                    if i == 0 { "           " } else { ", " },
                    q.name()
                );
                runs.push(Run {
                    workload: workload_name(q),
                    engine: engine.clone(),
                    workers,
                    round,
                    records: records(q, input.records),
                    cost: Cost {
                        wall_s: processing_s,
                        processing_s,
                        peak_rss: 0,
                    },
                });
                let rows = check::read_rows(&out.join(q.name()), engine != "flink")
                    .with_context(|| format!("{engine}'s output of {}", q.name()))?;
                if engine == "strom" {
                    strom_rows.push(rows);
                } else if let Some(expected) = strom_rows.get(i)
                    && let Some(why) = check::differences(expected.clone(), rows, (0.0, 1e-12))
                {
                    println!("\n  {engine}: {} differs from strom's: {why}", q.name());
                    let name = workload_name(q);
                    if let Some(v) = verdicts.iter_mut().find(|v| mine(v) && v.workload == name) {
                        v.outcome = format!("differs: {why}");
                    }
                }
            }
            println!();
            let _ = std::fs::remove_dir_all(&out);
        }
    }
    Ok((runs, verdicts))
}

fn command(
    data: &Path,
    exe: &Path,
    engine: &str,
    workers: usize,
    out: &Path,
    events: &str,
    queries: &str,
) -> Command {
    let args = [events.to_string(), queries.to_string()];
    match engine {
        "spark" | "flink" => peers::command(data, engine, workers, "nexmark", out, &args),
        _ => {
            let mut cmd = Command::new(exe);
            cmd.args(["engine", engine, &workers.to_string(), "nexmark"])
                .arg(out)
                .args(args);
            cmd
        }
    }
}

/// `strom-bench engine ENGINE WORKERS nexmark OUT EVENTS QUERIES`: runs the queries on
/// Strom or the baseline here, each into `OUT/<query>`, printing each one's time and
/// last the suite's.
pub(crate) fn run_suite(
    engine: &str,
    workers: usize,
    out: &Path,
    events: &Path,
    queries: &str,
) -> Result<()> {
    let queries: Vec<Query> = queries
        .split(',')
        .map(Query::parse)
        .collect::<Result<_>>()?;
    let config = RuntimeConfig::default().with_workers(workers);
    let mut total = 0.0;
    for q in queries {
        let target = out.join(q.name());
        let started = Instant::now();
        match engine {
            "strom" => nexmark::strom::run(&config, q, events, &target.to_string_lossy())?,
            "baseline" => nexmark::baseline::run(q, events, &target)?,
            other => bail!("unknown engine {other:?} to run here (strom or baseline)"),
        }
        let seconds = started.elapsed().as_secs_f64();
        total += seconds;
        println!(
            "STROM_BENCH {{\"query\": \"{}\", \"processing_s\": {seconds}}}",
            q.name()
        );
    }
    println!("STROM_BENCH {{\"processing_s\": {total}}}");
    Ok(())
}
