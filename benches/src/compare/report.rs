//! The comparison's report: raw numbers (`runs.csv`, `checks.csv`, `meta.json`), and
//! `report.md` rendered from them with medians per engine, the ratio of Strom to each
//! peer, the output checks, the machine and the exact commands; charts as PNG (drawn by
//! `peers/charts.py` with matplotlib). `--readme` puts the report into the README
//! between `<!-- compare:begin -->` and `<!-- compare:end -->`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use super::measure::Cost;
use super::suite::PROCESS;
use super::workloads::{Size, Workload};
use super::{LatencyRun, Run, Verdict, peers};

/// What was compared where.
#[derive(Serialize, Deserialize)]
pub(crate) struct Meta {
    date: String,
    machine: String,
    java: String,
    size: String,
    parallelism: usize,
    rounds: usize,
    /// (workload, its input).
    inputs: Vec<(String, String)>,
    command: String,
}

fn first_line_of(cmd: &str, args: &[&str]) -> String {
    std::process::Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| {
            let text = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .unwrap_or_else(|| "not found".into())
}

impl Meta {
    pub(crate) fn of_this_machine(
        size: Size,
        parallelism: usize,
        rounds: usize,
        inputs: Vec<(String, String)>,
    ) -> Meta {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|c| {
                c.lines()
                    .find_map(|l| l.strip_prefix("model name"))
                    .map(|m| m.trim_start_matches([' ', '\t', ':']).to_string())
            })
            .unwrap_or_else(|| "unknown CPU".into());
        let memory = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                m.lines()
                    .find_map(|l| l.strip_prefix("MemTotal:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .map_or("unknown".into(), |kb| format!("{} GiB", kb >> 20));
        let args: Vec<String> = std::env::args().skip(1).collect();
        Meta {
            date: first_line_of("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
            machine: format!("{cores} cores ({cpu}), {memory} memory, shared"),
            java: first_line_of("java", &["-version"]),
            size: format!("{size:?}").to_lowercase(),
            parallelism,
            rounds,
            inputs,
            command: format!(
                "cargo run --release -p strom-benches --bin strom-bench -- {}",
                args.join(" ")
            ),
        }
    }
}

/// Writes the raw numbers into `dir`.
pub(crate) fn write_raw(
    dir: &Path,
    meta: &Meta,
    runs: &[Run],
    verdicts: &[Verdict],
    latencies: &[LatencyRun],
) -> Result<()> {
    std::fs::write(dir.join("meta.json"), serde_json::to_string_pretty(meta)?)?;
    let mut w = csv::Writer::from_path(dir.join("runs.csv"))?;
    w.write_record([
        "workload",
        "engine",
        "workers",
        "round",
        "records",
        "wall_s",
        "processing_s",
        "peak_rss_bytes",
    ])?;
    for r in runs {
        w.write_record([
            r.workload.clone(),
            r.engine.clone(),
            r.workers.to_string(),
            r.round.to_string(),
            r.records.to_string(),
            format!("{:.4}", r.cost.wall_s),
            format!("{:.4}", r.cost.processing_s),
            r.cost.peak_rss.to_string(),
        ])?;
    }
    w.flush()?;
    let mut w = csv::Writer::from_path(dir.join("checks.csv"))?;
    w.write_record(["workload", "engine", "outcome"])?;
    for v in verdicts {
        w.write_record([&v.workload, &v.engine, &v.outcome])?;
    }
    w.flush()?;
    let mut w = csv::Writer::from_path(dir.join("latency.csv"))?;
    w.write_record([
        "engine", "setting", "rate", "windows", "p50_ms", "p99_ms", "max_ms",
    ])?;
    for l in latencies {
        w.write_record([
            l.engine.clone(),
            l.setting.clone(),
            l.rate.to_string(),
            l.windows.to_string(),
            l.p50_ms.to_string(),
            l.p99_ms.to_string(),
            l.max_ms.to_string(),
        ])?;
    }
    w.flush()?;
    let mut w = csv::Writer::from_path(dir.join("latency-samples.csv"))?;
    w.write_record(["engine", "latency_ms"])?;
    for l in latencies {
        for ms in &l.samples {
            w.write_record([l.engine.clone(), ms.to_string()])?;
        }
    }
    w.flush()?;
    Ok(())
}

fn read_latencies(dir: &Path) -> Result<Vec<LatencyRun>> {
    let path = dir.join("latency.csv");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for row in csv::Reader::from_path(path)?.records() {
        let row = row?;
        out.push(LatencyRun {
            engine: row[0].to_string(),
            setting: row[1].to_string(),
            rate: row[2].parse()?,
            windows: row[3].parse()?,
            p50_ms: row[4].parse()?,
            p99_ms: row[5].parse()?,
            max_ms: row[6].parse()?,
            samples: Vec::new(),
        });
    }
    Ok(out)
}

fn read_raw(dir: &Path) -> Result<(Meta, Vec<Run>, Vec<Verdict>)> {
    let meta: Meta = serde_json::from_str(
        &std::fs::read_to_string(dir.join("meta.json"))
            .with_context(|| format!("{}: no results here (run compare)", dir.display()))?,
    )?;
    let mut runs = Vec::new();
    for row in csv::Reader::from_path(dir.join("runs.csv"))?.records() {
        let row = row?;
        let f = |i: usize| row.get(i).unwrap_or_default().to_string();
        runs.push(Run {
            workload: f(0),
            engine: f(1),
            workers: f(2).parse()?,
            round: f(3).parse()?,
            records: f(4).parse()?,
            cost: Cost {
                wall_s: f(5).parse()?,
                processing_s: f(6).parse()?,
                peak_rss: f(7).parse()?,
            },
        });
    }
    let mut verdicts = Vec::new();
    for row in csv::Reader::from_path(dir.join("checks.csv"))?.records() {
        let row = row?;
        verdicts.push(Verdict {
            workload: row[0].to_string(),
            engine: row[1].to_string(),
            outcome: row[2].to_string(),
        });
    }
    Ok((meta, runs, verdicts))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Medians of one engine on one workload.
#[derive(Clone, Copy)]
struct Summary {
    workers: usize,
    records: u64,
    wall_s: f64,
    processing_s: f64,
    overhead_s: f64,
    peak_mib: f64,
}

fn summarize(runs: &[&Run]) -> Summary {
    let m = |f: &dyn Fn(&Run) -> f64| median(runs.iter().map(|r| f(r)).collect());
    Summary {
        workers: runs[0].workers,
        records: runs[0].records,
        wall_s: m(&|r| r.cost.wall_s),
        processing_s: m(&|r| r.cost.processing_s),
        overhead_s: m(&|r| r.cost.overhead_s()),
        peak_mib: m(&|r| r.cost.peak_rss as f64 / f64::from(1 << 20)),
    }
}

/// Renders `report.md` (and the charts) from the raw numbers in `dir`.
pub(crate) fn render(dir: &Path, data: &Path) -> Result<()> {
    let (meta, runs, verdicts) = read_raw(dir)?;
    let mut md = String::new();
    writeln!(md, "Measured {} on {}.", meta.date, meta.machine)?;
    writeln!(
        md,
        "Java: {}; Spark: PyPI pyspark 4.3.0 (local[{p}], `spark.sql.shuffle.partitions={p}`); \
         Flink: PyPI apache-flink 2.3.0 (parallelism {p}); Strom: {p} workers; the \
         hand-written baseline: 1 thread. Size `{}`, rounds per engine: {}, alternating \
         (A B C D, A B C D, ...), medians reported.",
        meta.java,
        meta.size,
        meta.rounds,
        p = meta.parallelism
    )?;
    writeln!(md, "\nCommand: `{}`\n", meta.command)?;
    writeln!(
        md,
        "In each round every engine runs all the workloads one after another in one \
         process (as jobs run on a standing cluster: a peer starts its JVM once per \
         round), the engines in turn. *processing*: from submitting a job to its output \
         written, as the engine reports it; *records/s*: input records over processing \
         time, *per core* divided by the parallelism; *peak memory*: resident memory of \
         the process and its children together (Python and its JVM for the peers) while \
         the job ran (a JVM keeps the heap earlier jobs grew); *Strom is N× faster*: \
         the peer's processing time over Strom's. Start-up and shutdown are those of the \
         whole process, in the last table.\n"
    )?;
    let mut by_workload: BTreeMap<&str, Vec<&Run>> = BTreeMap::new();
    for r in &runs {
        by_workload.entry(&r.workload).or_default().push(r);
    }
    let engines_of = |name: &str| {
        let mut engines: Vec<&str> = Vec::new();
        for r in by_workload.get(name).into_iter().flatten() {
            if !engines.contains(&r.engine.as_str()) {
                engines.push(&r.engine);
            }
        }
        engines
    };
    let summary = |name: &str, engine: &str| {
        let mine: Vec<&Run> = by_workload[name]
            .iter()
            .copied()
            .filter(|r| r.engine == engine)
            .collect();
        summarize(&mine)
    };
    cost_table(&mut md, &meta, &verdicts, |name, engine| {
        by_workload
            .get(name)
            .is_some_and(|rs| rs.iter().any(|r| r.engine == engine))
            .then(|| summary(name, engine))
    })?;
    for (workload, input) in &meta.inputs {
        let name = workload.as_str();
        let kind = Workload::parse(name).ok();
        writeln!(md, "### {name}\n\n{input}.\n")?;
        let checks: Vec<&Verdict> = verdicts.iter().filter(|v| v.workload == name).collect();
        let all_equal = checks
            .iter()
            .all(|v| v.equal() || v.outcome.starts_with("not installed"));
        let check_line: Vec<String> = checks
            .iter()
            .map(|v| format!("{}: {}", v.engine, v.outcome))
            .collect();
        writeln!(
            md,
            "Output checked against Strom's: {}.\n",
            check_line.join("; ")
        )?;
        if !all_equal {
            writeln!(
                md,
                "**Numbers withheld**: an engine's output differs from Strom's or it failed.\n"
            )?;
            continue;
        }
        let unit = kind.map_or("records", |k| k.record_unit());
        writeln!(
            md,
            "| engine | parallelism | processing s | {unit}/s | per core | peak memory MiB | Strom is N× faster |"
        )?;
        writeln!(md, "|---|---|---|---|---|---|---|")?;
        let engines = engines_of(name);
        let strom = engines.contains(&"strom").then(|| summary(name, "strom"));
        for engine in &engines {
            let s = summary(name, engine);
            let rate = s.records as f64 / s.processing_s;
            let ratio = strom.map_or("".into(), |st| {
                if *engine == "strom" {
                    "1".into()
                } else {
                    format!("{:.2}", s.processing_s / st.processing_s)
                }
            });
            writeln!(
                md,
                "| {engine} | {} | {:.2} | {} | {} | {:.0} | {ratio} |",
                s.workers,
                s.processing_s,
                thousands(rate),
                thousands(rate / s.workers as f64),
                s.peak_mib,
            )?;
        }
        writeln!(md)?;
    }
    if by_workload.contains_key(PROCESS) {
        writeln!(
            md,
            "### The processes\n\nOne per engine and round, running every workload the \
             engine still had (one whose output differed or failed is not run again).\n"
        )?;
        writeln!(
            md,
            "| engine | jobs | wall s | processing s | start-up and shutdown s | peak memory MiB |"
        )?;
        writeln!(md, "|---|---|---|---|---|---|")?;
        for engine in engines_of(PROCESS) {
            let s = summary(PROCESS, engine);
            writeln!(
                md,
                "| {engine} | {} | {:.2} | {:.2} | {:.2} | {:.0} |",
                s.records, s.wall_s, s.processing_s, s.overhead_s, s.peak_mib
            )?;
        }
        writeln!(md)?;
    }
    writeln!(md, "![processing throughput by engine](throughput.png)\n")?;
    let latencies = read_latencies(dir)?;
    if !latencies.is_empty() {
        writeln!(
            md,
            "### Event-time latency\n\nEvery engine generates {} events/s stamped with the \
             wall clock as they are made, counts them per key (100 keys) in 1 s tumbling \
             event-time windows, and prints each result as its window fires; latency is \
             the time the line reaches `strom-bench` minus the window's end. The first \
             10 s are warm-up.\n",
            latencies[0].rate
        )?;
        writeln!(
            md,
            "| engine | setting | windows | p50 ms | p99 ms | max ms |"
        )?;
        writeln!(md, "|---|---|---|---|---|---|")?;
        for l in &latencies {
            writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} |",
                l.engine, l.setting, l.windows, l.p50_ms, l.p99_ms, l.max_ms
            )?;
        }
        writeln!(md, "\n![latency distribution by engine](latency.png)\n")?;
    }
    writeln!(
        md,
        "Notes: Spark runs the window workloads as Structured Streaming in micro-batch \
         mode (`Trigger.AvailableNow`, a file per micro-batch, append output after the \
         watermark); Flink runs them in streaming mode with window table-valued \
         functions; Strom runs `window-agg`. Flink reads TPC-H from tpchgen-cli's CSV \
         of the same tables (its PyPI package has no Parquet format), the others from \
         Parquet. Strom and Flink move watermarks every 200 ms; Spark moves \
         its watermark once per micro-batch. Nexmark: the events come from \
         `strom-bench`'s generator (after the benchmark's description: people, auctions \
         and bids 1 : 3 : 46, hot auctions, sellers and bidders, log-uniform prices) as \
         three CSV files every engine reads; Strom runs the queries on its DataStream \
         API, Flink as SQL (q5 and q8 as its Nexmark suite writes them, q7 as a window \
         join), Spark as Structured Streaming, which cannot join two streaming \
         aggregations: q5 and q7 keep each window's rows that reach its maximum in one \
         aggregation (q5 a second, chained one), q8 aggregates people and auctions \
         together per window and person."
    )?;
    std::fs::write(dir.join("report.md"), &md)?;
    if let Err(e) = peers::charts(data, &dir.join("runs.csv"), dir) {
        println!("{e:#}");
    }
    Ok(())
}

/// `12,345,678`.
fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    let digits = format!("{:.0}", x);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Replaces the README's section between the markers with the report.
pub(crate) fn into_readme(dir: &Path, readme: &Path) -> Result<()> {
    let report = std::fs::read_to_string(dir.join("report.md"))?;
    let text = std::fs::read_to_string(readme)?;
    let (begin, end) = ("<!-- compare:begin -->", "<!-- compare:end -->");
    let (Some(b), Some(e)) = (text.find(begin), text.find(end)) else {
        bail!("{}: no {begin} ... {end} section", readme.display());
    };
    // Chart paths relative to the README's folder.
    let folder = readme
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let charts = pathdiff(dir, folder);
    let report = report
        .replace("(throughput.png)", &format!("({charts}/throughput.png)"))
        .replace("(latency.png)", &format!("({charts}/latency.png)"))
        // One level below the README's own heading.
        .replace("### ", "#### ");
    let new = format!("{}{begin}\n{report}{}", &text[..b], &text[e..]);
    std::fs::write(readme, new)?;
    Ok(())
}

/// `dir` relative to `base` when inside it.
fn pathdiff(dir: &Path, base: &Path) -> String {
    let (dir, base) = (
        dir.canonicalize().unwrap_or(dir.to_path_buf()),
        base.canonicalize().unwrap_or(base.to_path_buf()),
    );
    dir.strip_prefix(&base)
        .map_or(dir.display().to_string(), |p| p.display().to_string())
}

/// The COST table (issue 18): per workload, Strom's processing time over the single
/// thread's and over each peer's (below 1: Strom is faster), and peak memory, for the
/// workloads whose outputs all agree.
fn cost_table(
    md: &mut String,
    meta: &Meta,
    verdicts: &[Verdict],
    summary: impl Fn(&str, &str) -> Option<Summary>,
) -> std::fmt::Result {
    writeln!(
        md,
        "### Strom against one thread\n\n*Strom / X*: Strom's processing time over X's \
         (below 1: Strom is faster; the COST goal is at most 0.7, 1.0 for PageRank).\n"
    )?;
    writeln!(
        md,
        "| workload | Strom s | thread s | Strom / thread | Strom / Spark | Strom / Flink \
         | Strom peak MiB | thread peak MiB |"
    )?;
    writeln!(md, "|---|---|---|---|---|---|---|---|")?;
    for (workload, _) in &meta.inputs {
        let name = workload.as_str();
        let agree = verdicts
            .iter()
            .filter(|v| v.workload == name)
            .all(|v| v.equal() || v.outcome.starts_with("not installed"));
        let Some(strom) = summary(name, "strom").filter(|_| agree) else {
            continue;
        };
        let of = |engine: &str| summary(name, engine);
        let ratio = |engine: &str| {
            of(engine).map_or("".to_string(), |o| {
                format!("{:.2}", strom.processing_s / o.processing_s)
            })
        };
        let thread = of("baseline");
        writeln!(
            md,
            "| {name} | {:.2} | {} | {} | {} | {} | {:.0} | {} |",
            strom.processing_s,
            thread.map_or("".into(), |t| format!("{:.2}", t.processing_s)),
            ratio("baseline"),
            ratio("spark"),
            ratio("flink"),
            strom.peak_mib,
            thread.map_or("".into(), |t| format!("{:.0}", t.peak_mib)),
        )?;
    }
    writeln!(md)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_thousands() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(thousands(1_234_567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
    }
}
