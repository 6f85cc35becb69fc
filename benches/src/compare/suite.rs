//! The rounds of the comparison. In each round every engine runs all the workloads one
//! after another in one process (as jobs run on a standing cluster: the peers start
//! their JVM once per round, not once per job), reporting when each job begins and its
//! processing time (`STROM_BENCH {"begin": NAME}`, then `{"item": NAME,
//! "processing_s": ...}` or `{"item": NAME, "error": ...}`), and last the process's
//! total. Each job's output is checked against Strom's of the same round; an engine
//! whose output of a workload differs, or whose job failed, does not run that workload
//! again. Recorded per job: its processing time and the process's peak memory while it
//! ran; per process (workload [`PROCESS`]): wall time, start-up and peak memory.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::measure::{self, Cost, Measured};
use super::workloads::{self, Input, Workload};
use super::{CompareArgs, Run, Verdict, check, first_line, peers};

/// The workload name of the runs that stand for a whole process.
pub(crate) const PROCESS: &str = "process";

/// One job of a suite, as the engines read it (a JSON list of these).
#[derive(Serialize, Deserialize, Debug, Clone)]
pub(crate) struct Job {
    /// The workload (`nexmark-q5`), and the output's name under the suite's folder.
    pub(crate) name: String,
    /// The workload as the peer scripts call it (`nexmark`).
    pub(crate) workload: String,
    pub(crate) args: Vec<String>,
}

/// Every round of every engine over `inputs`.
pub(crate) fn rounds(
    args: &CompareArgs,
    data: &Path,
    exe: &Path,
    scratch: &Path,
    inputs: &[(Workload, Input)],
) -> Result<(Vec<Run>, Vec<Verdict>)> {
    let mut verdicts = Vec::new();
    for engine in args.engines.iter().filter(|e| *e != "strom") {
        let missing =
            matches!(engine.as_str(), "spark" | "flink") && !peers::installed(data, engine);
        for (w, _) in inputs {
            verdicts.push(Verdict {
                workload: w.name().into(),
                engine: engine.clone(),
                outcome: if missing {
                    "not installed (`strom-bench setup`)".into()
                } else {
                    "equal".into()
                },
            });
        }
    }
    let mut runs = Vec::new();
    for round in 0..args.rounds {
        println!("== round {} of {} ==", round + 1, args.rounds);
        let dir = scratch.join(format!("round-{round}"));
        let _ = std::fs::remove_dir_all(&dir);
        let mut ran = Vec::new();
        for engine in &args.engines {
            let todo: Vec<&(Workload, Input)> = inputs
                .iter()
                .filter(|(w, _)| {
                    engine == "strom"
                        || verdicts
                            .iter()
                            .any(|v| &v.engine == engine && v.workload == w.name() && v.equal())
                })
                .collect();
            if todo.is_empty() {
                continue;
            }
            let workers = if engine == "baseline" {
                1
            } else {
                args.parallelism
            };
            let out = dir.join(engine);
            std::fs::create_dir_all(&out)?;
            let jobs: Vec<Job> = todo
                .iter()
                .map(|(w, input)| Job {
                    name: w.name().into(),
                    workload: w.script_name().into(),
                    args: match (engine.as_str(), &input.flink_args) {
                        ("flink", Some(a)) => a.clone(),
                        _ => input.args.clone(),
                    },
                })
                .collect();
            let spec = dir.join(format!("{engine}.json"));
            std::fs::write(&spec, serde_json::to_string_pretty(&jobs)?)?;
            let measured = measure::run_reporting(command(data, exe, engine, workers, &out, &spec))
                .with_context(|| format!("{engine}'s process"))?;
            let c = &measured.cost;
            println!(
                "  {engine:>8}: {:.2} s in all, {:.2} s processing, peak {} MiB",
                c.wall_s,
                c.processing_s,
                c.peak_rss >> 20
            );
            runs.push(Run {
                workload: PROCESS.into(),
                engine: engine.clone(),
                workers,
                round,
                records: todo.len() as u64,
                cost: measured.cost,
            });
            for (workload, input) in todo {
                let name = workload.name();
                let job = outcome(&measured, name);
                let verdict = verdicts
                    .iter_mut()
                    .find(|v| &v.engine == engine && v.workload == name);
                let cost = match (job, verdict) {
                    (Ok(cost), _) => cost,
                    (Err(e), None) => bail!("strom on {name}: {e}"),
                    (Err(e), Some(v)) => {
                        println!("    {name:<16} failed: {e}");
                        v.outcome = format!("failed: {}", first_line(&e));
                        continue;
                    }
                };
                runs.push(Run {
                    workload: name.into(),
                    engine: engine.clone(),
                    workers,
                    round,
                    records: input.records,
                    cost,
                });
                println!("    {name:<16} {:>7.2} s", cost.processing_s);
                if engine != "strom" {
                    ran.push((engine.clone(), *workload));
                }
            }
        }
        // Outputs against Strom's of this round (whatever the order of the engines).
        for (engine, workload) in ran {
            let name = workload.name();
            let checked = same_output(&dir, &engine, workload)
                .unwrap_or_else(|e| Some(format!("cannot read: {e:#}")));
            if let Some(why) = checked {
                println!("  {engine}'s output of {name} differs from strom's: {why}");
                if let Some(v) = verdicts
                    .iter_mut()
                    .find(|v| v.engine == engine && v.workload == name)
                {
                    v.outcome = format!("differs: {why}");
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok((runs, verdicts))
}

/// A job's cost from the process's reports: its processing time, and the process's
/// peak memory from its start to its end.
fn outcome(m: &Measured, name: &str) -> std::result::Result<Cost, String> {
    let of = |key: &str| {
        m.reports
            .iter()
            .find(|r| r.value[key].as_str() == Some(name))
    };
    let Some(done) = of("item") else {
        let why = m.error.as_deref().unwrap_or("no report");
        return Err(format!("the process ended before it: {why}"));
    };
    if let Some(e) = done.value["error"].as_str() {
        return Err(e.to_string());
    }
    let processing_s = done.value["processing_s"]
        .as_f64()
        .ok_or_else(|| "no processing time reported".to_string())?;
    let begin = of("begin").map_or(done.at_s - processing_s, |r| r.at_s);
    Ok(Cost {
        wall_s: processing_s,
        processing_s,
        peak_rss: m.peak_between(begin, done.at_s),
    })
}

/// `None` when `engine`'s output of `workload` in this round equals Strom's, or what
/// differs.
fn same_output(dir: &Path, engine: &str, workload: Workload) -> Result<Option<String>> {
    let name = workload.name();
    let expected = check::read_rows(&dir.join("strom").join(name), true)?;
    let got = check::read_rows(&dir.join(engine).join(name), engine != "flink")?;
    Ok(check::differences(expected, got, workload.tolerance()))
}

/// The process that runs the suite `spec` on `engine`, outputs under `out`.
fn command(
    data: &Path,
    exe: &Path,
    engine: &str,
    workers: usize,
    out: &Path,
    spec: &Path,
) -> Command {
    let spec = vec![spec.to_string_lossy().into_owned()];
    match engine {
        "spark" | "flink" => peers::command(data, engine, workers, "suite", out, &spec),
        _ => {
            let mut cmd = Command::new(exe);
            cmd.args(["engine", engine, &workers.to_string(), "suite"])
                .arg(out)
                .args(spec);
            cmd
        }
    }
}

/// `strom-bench engine ENGINE WORKERS suite OUT SPEC`: the jobs of `SPEC` on Strom or
/// the baseline, here, one after another, each into `OUT/<name>`.
pub(crate) fn run_here(engine: &str, workers: usize, out: &Path, spec: &Path) -> Result<()> {
    let text = std::fs::read_to_string(spec).with_context(|| format!("{}", spec.display()))?;
    let jobs: Vec<Job> =
        serde_json::from_str(&text).with_context(|| format!("{}", spec.display()))?;
    let mut total = 0.0;
    for job in jobs {
        let name = serde_json::Value::from(job.name.clone());
        println!("STROM_BENCH {}", serde_json::json!({ "begin": name }));
        let target: PathBuf = out.join(&job.name);
        let ran = Workload::parse(&job.name)
            .and_then(|w| workloads::run_here(engine, workers, w, &target, &job.args));
        let report = match ran {
            Ok(seconds) => {
                total += seconds;
                serde_json::json!({ "item": name, "processing_s": seconds })
            }
            Err(e) => serde_json::json!({ "item": name, "error": format!("{e:#}") }),
        };
        println!("STROM_BENCH {report}");
    }
    println!(
        "STROM_BENCH {}",
        serde_json::json!({ "processing_s": total })
    );
    Ok(())
}
