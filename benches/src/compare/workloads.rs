//! The workloads of `strom-bench compare`: their names, sizes, seeded input data, and how
//! Strom and the single-threaded baseline run them (in a child `strom-bench engine`
//! process, so that every engine is measured the same way from outside).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use strom_core::RuntimeConfig;
use strom_core::keys::stable_hash;
use strom_jobs::{graph as graph_jobs, tpch, window_agg, wordcount};

use super::{baselines, peers};
use crate::nexmark::Query;
use crate::{corpus, graph, nexmark};

/// One workload of the comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Workload {
    Wordcount,
    WindowTumbling,
    WindowSliding,
    WindowSession,
    TpchQ1,
    TpchQ3,
    Pagerank,
    /// A Nexmark query.
    Nexmark(Query),
}

pub(crate) const ALL: [Workload; 13] = [
    Workload::Wordcount,
    Workload::WindowTumbling,
    Workload::WindowSliding,
    Workload::WindowSession,
    Workload::TpchQ1,
    Workload::TpchQ3,
    Workload::Pagerank,
    Workload::Nexmark(Query::Q0),
    Workload::Nexmark(Query::Q1),
    Workload::Nexmark(Query::Q2),
    Workload::Nexmark(Query::Q5),
    Workload::Nexmark(Query::Q7),
    Workload::Nexmark(Query::Q8),
];

/// Disorder of the generated events, and the watermark bound every engine is given.
pub(crate) const BOUND_MS: i64 = 500;
/// Seeds the Nexmark generator.
pub(crate) const NEXMARK_SEED: u64 = 42;
/// PageRank's rounds.
pub(crate) const ITERATIONS: u32 = 10;

/// How big the inputs are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Size {
    /// A full comparison in minutes on a 2-core machine (peers' start-up dominates).
    Small,
    /// The COST sizes (issue 18): processing dominates start-up, and a full comparison,
    /// peers included, still fits a 2-core machine (150 MiB text, 20 M events, TPC-H
    /// SF 1, a 10 M-edge graph, 10 M Nexmark events).
    Medium,
    /// Inputs where processing dominates start-up: for bigger machines.
    Large,
}

impl Size {
    fn corpus_mb(self) -> usize {
        match self {
            Size::Small => 16,
            Size::Medium => 150,
            Size::Large => 1024,
        }
    }
    fn events(self) -> u64 {
        match self {
            Size::Small => 500_000,
            Size::Medium => 20_000_000,
            Size::Large => 50_000_000,
        }
    }
    fn tpch_sf(self) -> &'static str {
        match self {
            Size::Small => "0.1",
            Size::Medium => "1",
            Size::Large => "10",
        }
    }
    fn graph(self) -> (u64, u64) {
        match self {
            Size::Small => (50_000, 300_000),
            Size::Medium | Size::Large => (1_000_000, 10_000_000),
        }
    }
    /// Nexmark's events, and their rate in event time (events/s).
    fn nexmark(self) -> (u64, u64) {
        match self {
            Size::Small => (500_000, 2_000),
            Size::Medium | Size::Large => (10_000_000, 20_000),
        }
    }
}

impl Workload {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Workload::Wordcount => "wordcount",
            Workload::WindowTumbling => "window-tumbling",
            Workload::WindowSliding => "window-sliding",
            Workload::WindowSession => "window-session",
            Workload::TpchQ1 => "tpch-q1",
            Workload::TpchQ3 => "tpch-q3",
            Workload::Pagerank => "pagerank",
            Workload::Nexmark(q) => match q {
                Query::Q0 => "nexmark-q0",
                Query::Q1 => "nexmark-q1",
                Query::Q2 => "nexmark-q2",
                Query::Q5 => "nexmark-q5",
                Query::Q7 => "nexmark-q7",
                Query::Q8 => "nexmark-q8",
            },
        }
    }

    pub(crate) fn parse(name: &str) -> Result<Workload> {
        ALL.into_iter().find(|w| w.name() == name).with_context(|| {
            let names: Vec<_> = ALL.iter().map(|w| w.name()).collect();
            format!("unknown workload {name:?} (one of {})", names.join(", "))
        })
    }

    /// Whether the workload is one of `window-agg`'s windows (Nexmark streams too, with
    /// inputs of its own).
    pub(crate) fn window_agg(self) -> bool {
        matches!(
            self,
            Workload::WindowTumbling | Workload::WindowSliding | Workload::WindowSession
        )
    }

    /// The window of a `window-agg` workload, as `window-agg` and the peer scripts take it
    /// (milliseconds).
    pub(crate) fn window_ms(self) -> Option<&'static str> {
        match self {
            Workload::WindowTumbling => Some("tumbling:1000"),
            Workload::WindowSliding => Some("sliding:4000:1000"),
            Workload::WindowSession => Some("session:200"),
            _ => None,
        }
    }

    /// The workload's name for the peer scripts.
    pub(crate) fn script_name(self) -> &'static str {
        match self {
            w if w.window_agg() => "window-agg",
            Workload::Nexmark(_) => "nexmark",
            w => w.name(),
        }
    }

    /// What a record of the input is, for throughput.
    pub(crate) fn record_unit(self) -> &'static str {
        match self {
            Workload::Wordcount => "lines",
            Workload::TpchQ1 | Workload::TpchQ3 => "lineitem rows",
            Workload::Pagerank => "edges",
            Workload::Nexmark(q) if q.reads_people() => "people and auctions",
            Workload::Nexmark(_) => "bids",
            _ => "events",
        }
    }

    /// Tolerance for numbers in the outputs: (absolute, relative).
    pub(crate) fn tolerance(self) -> (f64, f64) {
        match self {
            // Strom rounds averages to cents, Spark and Flink keep six places.
            Workload::TpchQ1 | Workload::TpchQ3 => (0.006, 1e-12),
            Workload::Pagerank => (1e-15, 1e-9),
            _ => (0.0, 1e-12),
        }
    }
}

/// A workload's prepared input.
#[derive(Clone, Debug)]
pub(crate) struct Input {
    /// The arguments after the output in `engine` and peer-script command lines.
    pub(crate) args: Vec<String>,
    /// Flink's arguments where they differ (TPC-H as CSV).
    pub(crate) flink_args: Option<Vec<String>>,
    /// Input records.
    pub(crate) records: u64,
    /// One line on what the input is.
    pub(crate) describe: String,
}

/// Makes (once) the input of `workload` at `size` under `data`.
pub(crate) fn prepare(workload: Workload, size: Size, data: &Path) -> Result<Input> {
    let dir = data.join(format!("{size:?}").to_lowercase());
    std::fs::create_dir_all(&dir)?;
    let path = |p: PathBuf| p.to_string_lossy().into_owned();
    match workload {
        Workload::Wordcount => {
            let mb = size.corpus_mb();
            let file = dir.join(format!("zipf-{mb}mb.txt"));
            let stats = corpus::ensure(&file, mb << 20)?;
            Ok(Input {
                args: vec![path(file)],
                flink_args: None,
                records: stats.lines,
                describe: format!(
                    "{mb} MiB Zipf text, {} lines, {} words",
                    stats.lines, stats.words
                ),
            })
        }
        w if w.window_agg() => {
            let events = size.events();
            let file = dir.join(format!("events-{events}.csv"));
            ensure_events(&file, events, 1_000)?;
            Ok(Input {
                args: vec![
                    path(file),
                    BOUND_MS.to_string(),
                    w.window_ms().expect("a window").into(),
                ],
                flink_args: None,
                records: events,
                describe: format!(
                    "{events} events `key,event_time_ms,value`, 1000 keys, 10 per ms of event \
                     time, disorder < {BOUND_MS} ms; window {}",
                    w.window_ms().expect("a window")
                ),
            })
        }
        Workload::TpchQ1 | Workload::TpchQ3 => {
            let sf = size.tpch_sf();
            let tables = dir.join(format!("tpch-sf{sf}"));
            peers::ensure_tpch(data, &tables, sf, "parquet")?;
            let csv = dir.join(format!("tpch-sf{sf}-csv"));
            peers::ensure_tpch(data, &csv, sf, "csv")?;
            let flink_args = Some(vec![path(csv)]);
            let rows = baselines::parquet_rows(&tables.join("lineitem.parquet"))?;
            Ok(Input {
                args: vec![path(tables)],
                flink_args,
                records: rows,
                describe: format!("TPC-H sf {sf} Parquet from tpchgen-cli, {rows} lineitem rows"),
            })
        }
        Workload::Pagerank => {
            let (vertices, edges) = size.graph();
            let file = dir.join(format!("graph-{vertices}v-{edges}e.txt"));
            graph::ensure(&file, vertices, edges)?;
            Ok(Input {
                args: vec![path(file), ITERATIONS.to_string()],
                flink_args: None,
                records: edges,
                describe: format!(
                    "power-law graph, {vertices} vertex ids, {edges} edges, {ITERATIONS} iterations"
                ),
            })
        }
        Workload::Nexmark(query) => {
            let (events, rate) = size.nexmark();
            let folder = dir.join(format!("nexmark-{events}"));
            let config = nexmark::generator::Config {
                rate,
                seed: NEXMARK_SEED,
            };
            let n = nexmark::generator::ensure(&folder, events, config)?;
            let records = if query.reads_people() {
                n.persons + n.auctions
            } else {
                n.bids
            };
            Ok(Input {
                args: vec![path(folder), query.name().into()],
                flink_args: None,
                records,
                describe: format!(
                    "{}. Nexmark events: {events} ({} people, {} auctions, {} bids), \
                     {rate} per second of event time, in order; watermarks {} ms behind",
                    query.describe(),
                    n.persons,
                    n.auctions,
                    n.bids,
                    nexmark::WATERMARK_MS
                ),
            })
        }
        _ => unreachable!("every workload is matched"),
    }
}

/// Event `i`: 10 events per ms of event time from a fixed start, each earlier than its
/// slot by less than [`BOUND_MS`], key and value from a hash of `i` (values are whole
/// numbers, so sums are exact in every engine).
fn event(i: u64, keys: u64) -> (u64, i64, u64) {
    let h = stable_hash(&i);
    let ts = 1_700_000_000_000 + (i / 10) as i64 - (h % BOUND_MS as u64) as i64;
    ((h >> 20) % keys, ts, (h >> 40) % 100)
}

fn ensure_events(path: &Path, events: u64, keys: u64) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    let tmp = path.with_extension("tmp");
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&tmp)?);
    writeln!(out, "key,event_time_ms,value")?;
    for i in 0..events {
        let (key, ts, value) = event(i, keys);
        writeln!(out, "k{key},{ts},{value}")?;
    }
    out.flush()?;
    drop(out);
    std::fs::rename(tmp, path)?;
    Ok(())
}

/// Runs `workload` on Strom (`workers` workers) or the baseline (`baseline`), in this
/// process, writing its output to `out`; returns the processing time in seconds.
pub(crate) fn run_here(
    engine: &str,
    workers: usize,
    workload: Workload,
    out: &Path,
    args: &[String],
) -> Result<f64> {
    let started = Instant::now();
    let out_url = out.to_string_lossy().into_owned();
    let arg = |i: usize| -> Result<&String> {
        args.get(i)
            .with_context(|| format!("{}: argument {} is missing", workload.name(), i + 1))
    };
    match engine {
        "strom" => {
            let config = RuntimeConfig::default().with_workers(workers);
            match workload {
                Workload::Nexmark(q) => {
                    nexmark::strom::run(&config, q, Path::new(arg(0)?), &out_url)?
                }
                Workload::Wordcount => wordcount::run(
                    &config,
                    &wordcount::WordCountArgs {
                        input: Some(arg(0)?.clone()),
                        output: Some(out_url),
                        top: 10,
                    },
                )?,
                Workload::TpchQ1 | Workload::TpchQ3 => tpch::run(
                    &config,
                    &tpch::TpchArgs {
                        query: if workload == Workload::TpchQ1 { 1 } else { 3 },
                        data: arg(0)?.clone(),
                        output: Some(out_url),
                    },
                )?,
                Workload::Pagerank => graph_jobs::run_pagerank(
                    &config,
                    &graph_jobs::PageRankArgs {
                        edges: arg(0)?.clone(),
                        vertices: None,
                        iterations: arg(1)?.parse()?,
                        damping: 0.85,
                        output: Some(out_url),
                    },
                )?,
                _ => window_agg::run(
                    &config,
                    &window_agg::WindowAggArgs {
                        input: arg(0)?.clone(),
                        window: with_ms_units(arg(2)?),
                        out_of_orderness: format!("{}ms", arg(1)?),
                        allowed_lateness: "0ms".into(),
                        output: Some(out_url),
                        late_output: None,
                        rate: None,
                    },
                )?,
            }
        }
        "baseline" => {
            let input = Path::new(arg(0)?);
            match workload {
                Workload::Nexmark(q) => nexmark::baseline::run(q, input, out)?,
                Workload::Wordcount => std::fs::write(out, crate::baseline::wordcount(input)?)?,
                Workload::TpchQ1 => baselines::tpch_q1(input, out)?,
                Workload::TpchQ3 => baselines::tpch_q3(input, out)?,
                Workload::Pagerank => {
                    let ranks = graph::pagerank(input, arg(1)?.parse()?, 0.85)?;
                    let mut w = BufWriter::new(std::fs::File::create(out)?);
                    writeln!(w, "vertex,rank")?;
                    for (v, r) in ranks {
                        writeln!(w, "{v},{r}")?;
                    }
                    w.flush()?;
                }
                _ => baselines::window_agg(input, arg(1)?.parse()?, arg(2)?, out)?,
            }
        }
        other => bail!("unknown engine {other:?} to run here (strom or baseline)"),
    }
    Ok(started.elapsed().as_secs_f64())
}

/// `tumbling:1000` as `tumbling:1000ms` (window-agg's durations).
fn with_ms_units(spec: &str) -> String {
    let mut parts = spec.split(':');
    let kind = parts.next().unwrap_or_default();
    std::iter::once(kind.to_string())
        .chain(parts.map(|ms| format!("{ms}ms")))
        .collect::<Vec<_>>()
        .join(":")
}
