//! `strom run graph-stream`: an incremental graph algorithm of
//! `strom_gelly::incremental` maintained over a stream of edge changes, written as
//! the changelog of its result (`docs/0026-incremental-graphs.md`).
//!
//! Input: CSV `time,source,target,diff[,weight]` (a first line starting with `time`
//! is a header), lines in time order (from files, or one record per line from a
//! `kafka://HOST:PORT/TOPIC?options` topic, `docs/0025-kafka.md`), `diff` +1 or -1 (any count of copies works:
//! duplicate edges count with multiplicity, an edge is present while its count is
//! positive); `weight` for `sssp` (1 when absent). Without `--changes`, the built-in
//! data: the edges of an R-MAT graph added in `--batches` batches (times 1, 2, ...),
//! then every fifth of them removed in as many more batches.
//!
//! Output: CSV `time,vertex,value,diff`, the changes of the result consolidated per
//! time (a vertex's old value retracted with -1, its new one added with +1), sorted;
//! printed without `--output`. With checkpoints, `--output` is a folder of part files
//! published exactly once per committed checkpoint (rows without a header).
//! `--output kafka://...` writes each row as one record as it is made (unsorted, no
//! header), exactly once with `delivery=exactly-once` and checkpoints.
//! `--snapshot-output` writes the result after the last change as `vertex,value` (not
//! with a Kafka output: fold the topic's rows instead).

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use strom_core::RuntimeConfig;
use strom_core::storage::{JobPaths, list_files, resolve};
use strom_datastream::{DataStream, FileMode, StreamEnv, Timestamps, WatermarkStrategy};
use strom_gelly::generators::RmatConfig;
use strom_gelly::incremental::{Algorithm, CurrentResult, EdgeChange, ResultChange, maintain};
use strom_kafka::is_kafka_url;

/// The algorithms of `graph-stream`; the value each gives a vertex.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamAlgorithm {
    /// The smallest vertex id of the vertex's (weakly) connected component.
    ConnectedComponents,
    /// 1 for every vertex reachable from --roots along the edges.
    Reachability,
    /// The least number of edges from any of --roots.
    Bfs,
    /// The least total weight of a path from any of --roots.
    Sssp,
    /// In- plus out-degree, duplicates counted, a self-loop twice.
    Degrees,
    /// Triangles through the vertex in the undirected simple graph.
    Triangles,
    /// PageRank in surfers after --iterations rounds: 6,000,000 per vertex at first,
    /// 1,000,000 anew each round plus floor(5/6 of each in-neighbour's rank / its
    /// out-degree) per edge (exact integers).
    Pagerank,
    /// 1 for every vertex of the --k core of the undirected simple graph (self-loops
    /// and duplicate edges dropped).
    KCore,
}

/// `strom run graph-stream` options.
#[derive(clap::Args, Debug, Clone)]
pub struct GraphStreamArgs {
    /// What to maintain.
    #[arg(long, value_enum)]
    pub algorithm: StreamAlgorithm,
    /// Edge changes: CSV `time,source,target,diff[,weight]` in time order (file,
    /// folder or glob), or the same lines as the records of
    /// `kafka://HOST:PORT/TOPIC?options` (each partition in time order). Built-in
    /// R-MAT changes when absent.
    #[arg(long, value_name = "URL")]
    pub changes: Option<String>,
    /// Roots of reachability, bfs and sssp, comma separated.
    #[arg(long, value_name = "IDS", default_value = "0")]
    pub roots: String,
    /// PageRank rounds.
    #[arg(long, default_value_t = 10)]
    pub iterations: u64,
    /// The k of k-core: the least number of neighbours inside the core.
    #[arg(long, default_value_t = 2)]
    pub k: u64,
    /// The changelog (CSV); printed when absent. A folder of part files with
    /// checkpoints. `kafka://HOST:PORT/TOPIC?options`: one record per row
    /// (`time,vertex,value,diff`), exactly once with `delivery=exactly-once` and
    /// checkpoints.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
    /// The result after the last change, `vertex,value` CSV.
    #[arg(long, value_name = "URL")]
    pub snapshot_output: Option<String>,
    /// Read the changes at this many per second (all workers together), as a live
    /// source would deliver them.
    #[arg(long, value_name = "CHANGES_PER_S", value_parser = super::positive_rate)]
    pub rate: Option<f64>,
    /// Built-in data: R-MAT scale (2^scale vertices).
    #[arg(long, default_value_t = 10)]
    pub scale: u32,
    /// Built-in data: edges per vertex.
    #[arg(long, default_value_t = 4)]
    pub edge_factor: u64,
    /// Built-in data: batches the edges are added in (and the fifth removed in).
    #[arg(long, default_value_t = 10)]
    pub batches: u64,
}

impl GraphStreamArgs {
    /// What the job reads and writes, for the checks before launch.
    pub fn paths(&self, config: &RuntimeConfig) -> JobPaths {
        let not_kafka = |url: &&String| !is_kafka_url(url);
        let mut outputs: Vec<String> = (self.output.iter())
            .filter(not_kafka)
            .map(|url| super::streamed_output(url, config))
            .collect();
        outputs.extend(self.snapshot_output.iter().cloned());
        JobPaths {
            inputs: self.changes.iter().filter(not_kafka).cloned().collect(),
            outputs,
        }
    }

    fn algorithm(&self) -> Result<Algorithm> {
        let roots = || -> Result<Arc<[u64]>> {
            self.roots
                .split(',')
                .map(|r| {
                    r.trim().parse::<u64>().with_context(|| {
                        format!("--roots {:?}: {r:?} is not a vertex id", self.roots)
                    })
                })
                .collect()
        };
        Ok(match self.algorithm {
            StreamAlgorithm::ConnectedComponents => Algorithm::ConnectedComponents,
            StreamAlgorithm::Reachability => Algorithm::Reachability(roots()?),
            StreamAlgorithm::Bfs => Algorithm::Bfs(roots()?),
            StreamAlgorithm::Sssp => Algorithm::Sssp(roots()?),
            StreamAlgorithm::Degrees => Algorithm::Degrees,
            StreamAlgorithm::Triangles => Algorithm::Triangles,
            StreamAlgorithm::Pagerank if self.iterations == 0 => {
                bail!("--iterations must be at least 1")
            }
            StreamAlgorithm::Pagerank => Algorithm::PageRank(self.iterations),
            StreamAlgorithm::KCore => Algorithm::KCore(self.k),
        })
    }
}

/// A line of the changes (`line` is its number in its file): `None` for a blank line
/// or a header.
fn parse_change(line: u64, text: &str) -> Result<Option<(i64, EdgeChange)>, String> {
    let text = text.trim_end_matches('\r');
    if text.trim().is_empty() || (line == 1 && text.starts_with("time")) {
        return Ok(None);
    }
    let fields: Vec<&str> = text.split(',').map(str::trim).collect();
    if !(4..=5).contains(&fields.len()) {
        return Err("expected time,source,target,diff[,weight]".into());
    }
    let number = |i: usize, name: &str| -> Result<i64, String> {
        fields[i]
            .parse::<i64>()
            .map_err(|e| format!("{name} {:?} is not an integer: {e}", fields[i]))
    };
    let id = |i: usize, name: &str| -> Result<u64, String> {
        fields[i]
            .parse::<u64>()
            .map_err(|e| format!("{name} {:?} is not a vertex id: {e}", fields[i]))
    };
    let time = number(0, "time")?;
    if time == i64::MIN {
        return Err("time is the start of time".into());
    }
    let change = EdgeChange {
        source: id(1, "source")?,
        target: id(2, "target")?,
        diff: number(3, "diff")?,
        weight: if fields.len() == 5 {
            id(4, "weight")?
        } else {
            1
        },
    };
    Ok(Some((time, change)))
}

/// The built-in changes: R-MAT edges added in `batches` batches, then every fifth edge
/// removed in `batches` more.
pub fn builtin_changes(
    scale: u32,
    edge_factor: u64,
    batches: u64,
) -> Result<Vec<(i64, EdgeChange)>> {
    let config = RmatConfig::new(scale, edge_factor);
    let m = config.edges()?;
    let batches = batches.max(1);
    let change = |i: u64, diff| {
        let (source, target) = config.edge(i);
        EdgeChange {
            source,
            target,
            weight: 1 + i % 7,
            diff,
        }
    };
    // The batch of the `i`-th of `n` changes.
    let share = |i: u64, n: u64| (u128::from(i) * u128::from(batches) / u128::from(n)) as u64;
    let mut changes: Vec<(i64, EdgeChange)> = (0..m)
        .map(|i| (1 + share(i, m) as i64, change(i, 1)))
        .collect();
    let removed: Vec<u64> = (0..m).filter(|i| i % 5 == 2).collect();
    let gone = removed.len() as u64;
    changes.extend(removed.iter().enumerate().map(|(k, &i)| {
        let batch = batches + share(k as u64, gone);
        (1 + batch as i64, change(i, -1))
    }));
    Ok(changes)
}

/// The job's dataflow: the changelog with its times.
fn pipeline<'s>(
    env: &StreamEnv<'s>,
    args: &GraphStreamArgs,
    builtin: &Option<Arc<[(i64, EdgeChange)]>>,
    algorithm: &Algorithm,
) -> DataStream<'s, (i64, ResultChange)> {
    let strategy = WatermarkStrategy::monotonous();
    let timestamps = Timestamps::Event(std::rc::Rc::new(|c: &(i64, EdgeChange)| c.0));
    let changes = match (&args.changes, builtin) {
        (Some(url), _) if is_kafka_url(url) => {
            crate::kafka::read(env, url, args.rate, parse_change, timestamps, strategy)
                .map(|(_, c)| c)
        }
        (Some(url), _) => env
            .read_parsed_lines(
                url,
                FileMode::Bounded,
                parse_change,
                timestamps,
                strategy,
                args.rate,
            )
            .name(&format!("Source: {url}"))
            .map(|(_, c)| c),
        (None, Some(data)) => env.from_timestamped_at(data.clone(), strategy, args.rate),
        (None, None) => unreachable!("built-in data is made when there is no input"),
    };
    maintain(env, &changes, algorithm).with_timestamps()
}

fn line((time, (vertex, value, diff)): &(i64, ResultChange)) -> String {
    format!("{time},{vertex},{value},{diff}")
}

const HEADER: &str = "time,vertex,value,diff";

/// Writes `text` as the file `url`.
fn write_text(url: &str, text: String) -> Result<()> {
    resolve(url)?
        .write(bytes::Bytes::from(text))
        .with_context(|| format!("cannot write {url}"))
}

/// Writes the result the changelog `rows` ends at, as `vertex,value`.
fn write_snapshot(url: &str, rows: impl IntoIterator<Item = ResultChange>) -> Result<()> {
    let result = CurrentResult::fold(rows);
    let mut text = String::from("vertex,value\n");
    for (vertex, value) in result.values() {
        text.push_str(&format!("{vertex},{value}\n"));
    }
    write_text(url, text)
}

/// The rows of the part files of a checkpointed run's output folder.
fn published_rows(folder: &str) -> Result<Vec<ResultChange>> {
    let mut rows = Vec::new();
    for part in list_files(folder)? {
        let text = String::from_utf8(part.location.read_all()?.to_vec())?;
        for line in text.lines() {
            let f: Vec<&str> = line.split(',').collect();
            anyhow::ensure!(f.len() == 4, "{folder}: not a changelog row: {line:?}");
            rows.push((f[1].parse()?, f[2].parse()?, f[3].parse()?));
        }
    }
    Ok(rows)
}

/// Runs `strom run graph-stream`.
///
/// # Errors
/// Bad options, unreadable or malformed input (named by file and line), or output that
/// cannot be written.
pub fn run(config: &RuntimeConfig, args: &GraphStreamArgs) -> Result<()> {
    let algorithm = args.algorithm()?;
    let builtin: Option<Arc<[(i64, EdgeChange)]>> = match &args.changes {
        Some(_) => None,
        None => Some(builtin_changes(args.scale, args.edge_factor, args.batches)?.into()),
    };
    let job = args.clone();
    let checkpointed = config.checkpoint_interval.is_some() || config.restore.is_some();
    let input = args.changes.clone().unwrap_or_default();
    if let Some(url) = args.output.clone().filter(|url| is_kafka_url(url)) {
        if args.snapshot_output.is_some() {
            bail!("--snapshot-output needs a file --output (fold the rows of {url} instead)");
        }
        let sinks = crate::kafka::Sinks::prepare(config, "graph-stream", &input, [&args.output])?;
        strom_datastream::run(config, move |env| {
            crate::kafka::write(
                &pipeline(env, &job, &builtin, &algorithm),
                &url,
                line,
                &sinks,
            );
        })?;
        return Ok(());
    }
    // A Kafka input's URL is checked (and its dead-letter topic made) before the run.
    crate::kafka::Sinks::prepare(config, "graph-stream", &input, [])?;
    if checkpointed {
        let output = args
            .output
            .clone()
            .context("with checkpoints, graph-stream needs --output (a folder for part files)")?;
        let folder = output.clone();
        strom_datastream::run(config, move |env| {
            pipeline(env, &job, &builtin, &algorithm).write_lines_exactly_once(&folder, line);
        })?;
        if let (Some(url), 0) = (&args.snapshot_output, config.process_index) {
            write_snapshot(url, published_rows(&output)?)?;
        }
        return Ok(());
    }
    let rows =
        strom_datastream::execute(config, move |env| pipeline(env, &job, &builtin, &algorithm))?;
    let Some(mut rows) = rows else {
        return Ok(());
    };
    rows.sort_unstable();
    let mut text = format!("{HEADER}\n");
    for row in &rows {
        text.push_str(&line(row));
        text.push('\n');
    }
    match &args.output {
        Some(url) => write_text(url, text)?,
        None => print!("{text}"),
    }
    if let Some(url) = &args.snapshot_output {
        write_snapshot(url, rows.into_iter().map(|(_, change)| change))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_lines_parse_with_and_without_weights() {
        let c = |source, target, diff, weight| EdgeChange {
            source,
            target,
            weight,
            diff,
        };
        assert_eq!(parse_change(1, "time,source,target,diff"), Ok(None));
        assert_eq!(parse_change(2, "5,1,2,1"), Ok(Some((5, c(1, 2, 1, 1)))));
        assert_eq!(
            parse_change(2, "6, 1, 2, -1, 9\r"),
            Ok(Some((6, c(1, 2, -1, 9))))
        );
        assert!(parse_change(2, "5,1,2").is_err());
        assert!(
            parse_change(2, "5,a,2,1")
                .unwrap_err()
                .contains("source \"a\"")
        );
    }

    #[test]
    fn builtin_changes_add_then_remove_a_fifth() {
        let changes = builtin_changes(4, 2, 4).unwrap();
        let added = changes.iter().filter(|(_, c)| c.diff > 0).count();
        let removed = changes.iter().filter(|(_, c)| c.diff < 0).count();
        assert_eq!((added, removed), (32, 6));
        assert!(
            changes.windows(2).all(|w| w[0].0 <= w[1].0),
            "in time order"
        );
        assert_eq!(changes.last().unwrap().0, 8);
    }
}
