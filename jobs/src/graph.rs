//! `strom run graph`: the algorithms of `strom-gelly` on an edge list read from any
//! storage URL or on a generated R-MAT graph, written as CSV ordered by the first
//! column(s); and `pagerank` and `connected-components`, Flink's classic examples,
//! kept as jobs of their own (integer ids only) that run the same code.
//!
//! Edge lists have one `source target [weight]` per line, whitespace or comma
//! separated, `#` and `%` lines comments. Ids are [`VertexId`]s: integers stay
//! integers (and order numerically), anything else is a name. `--undirected` adds
//! every edge's reverse (a self-loop stays one edge); `--weighted` reads the third
//! column (1 where absent), which is otherwise ignored.
//!
//! A single output file is written by one worker after a sort; a folder output (URL
//! ending in `/`) is range-partitioned by the first column so its part files are
//! sorted across in name order. Without `--output`, the rows are printed as CSV.

use std::fmt::Display;
use std::str::FromStr;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use strom_core::RuntimeConfig;
use strom_dataset::{Collected, Data, DataSet, Env, Key, Order, execute};
use strom_gelly::community::{community_detection, label_propagation};
use strom_gelly::edges::{read_edges, read_valued_edge_list, read_vertex_ids, read_vertices};
use strom_gelly::generators::{RmatConfig, rmat};
use strom_gelly::library::{components_scatter_gather, sssp_scatter_gather};
use strom_gelly::link_analysis::{Rounds, hits, pagerank};
use strom_gelly::metrics::graph_metrics;
use strom_gelly::similarity::{
    adamic_adar, jaccard, local_clustering_coefficient, triangle_count, triangle_listing,
};
use strom_gelly::triads::directed_triadic_census;
use strom_gelly::{Graph, VertexId};

/// The algorithms of `strom run graph`; each help line starts with the output columns.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// `vertex,rank`: PageRank (damping --damping), to a total change below 1e-12 (at
    /// most 1000 rounds) or --iterations rounds; rank of dangling vertices spread evenly.
    Pagerank,
    /// `vertex,hub,authority`: HITS, each vector of unit L2 norm, to a total change
    /// below 1e-12 (at most 100 rounds) or --iterations rounds.
    Hits,
    /// `vertex,component`: connected components (direction ignored), each labelled
    /// with its smallest vertex id.
    ConnectedComponents,
    /// `vertex,distance`: shortest distances from --source along the edges (weights
    /// with --weighted, else 1); unreachable vertices left out; a --source that is
    /// not a vertex is an error.
    Sssp,
    /// `vertex,label`: synchronous label propagation from the vertex ids over
    /// in-edges, ties to the greatest label, until stable (at most --iterations, 100).
    LabelPropagation,
    /// `vertex,community`: Gelly's community detection (undirected, weighted, hop
    /// attenuation --delta), --iterations supersteps (default 20).
    CommunityDetection,
    /// `vertex,triangles`: triangles per vertex of the undirected simple graph.
    TriangleCount,
    /// `a,b,c`: every triangle of the undirected simple graph once, a < b < c.
    TriangleListing,
    /// `vertex,coefficient`: local clustering coefficient (undirected simple graph;
    /// 0 for degree < 2).
    LocalClusteringCoefficient,
    /// `source,target,score`: Jaccard index of every pair source < target sharing a
    /// neighbour (undirected simple graph).
    Jaccard,
    /// `source,target,score`: Adamic-Adar index (sum of 1/ln(degree) over common
    /// neighbours) of every pair source < target sharing one.
    AdamicAdar,
    /// `metric,value`: vertices, edges, average and max degree, triangles, triplets,
    /// global and average clustering coefficient of the undirected simple graph.
    GraphMetrics,
    /// `triad,count`: the directed triad census, networkx's 16 types in its order
    /// (self-loops ignored, duplicates once; with --undirected only 003, 102, 201
    /// and 300 occur).
    TriadicCensus,
}

/// The graph generators of `strom run graph --generator`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generator {
    /// R-MAT (Graph500's probabilities 0.57, 0.19, 0.19): 2^--scale vertex ids,
    /// --edge-factor times as many edges, seeded by --seed.
    Rmat,
}

/// `strom run graph` options.
#[derive(clap::Args, Debug, Clone)]
pub struct GraphArgs {
    /// The algorithm to run (its output columns are listed with `--help`).
    #[arg(long, value_enum)]
    pub algorithm: Algorithm,
    /// Edge list: `source target [weight]` per line, integer or string ids.
    #[arg(long, value_name = "URL", required_unless_present = "generator")]
    pub edges: Option<String>,
    /// Further vertices, one id per line (e.g. vertices without edges).
    #[arg(long, value_name = "URL", conflicts_with = "generator")]
    pub vertices: Option<String>,
    /// Every edge also in reverse.
    #[arg(long)]
    pub undirected: bool,
    /// Read edge weights from the third column (1 where absent).
    #[arg(long)]
    pub weighted: bool,
    /// The source vertex of `sssp`.
    #[arg(long, value_name = "ID")]
    pub source: Option<String>,
    /// Rounds (pagerank, hits) or the most supersteps (sssp, label-propagation,
    /// community-detection).
    #[arg(long, value_name = "N")]
    pub iterations: Option<u32>,
    /// PageRank's damping factor: the probability of following an edge.
    #[arg(long, default_value_t = 0.85)]
    pub damping: f64,
    /// Community detection's hop attenuation.
    #[arg(long, default_value_t = 0.5)]
    pub delta: f64,
    /// Output (CSV with a header, or Parquet for `.parquet`); printed when absent.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
    /// Generate the graph instead of reading --edges.
    #[arg(long, value_enum, conflicts_with = "edges")]
    pub generator: Option<Generator>,
    /// R-MAT: 2^scale vertex ids.
    #[arg(long, default_value_t = 10)]
    pub scale: u32,
    /// R-MAT: edges per vertex id.
    #[arg(long, default_value_t = 16)]
    pub edge_factor: u64,
    /// R-MAT: the seed (the same graph at any number of workers).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// `strom run pagerank` options.
#[derive(clap::Args, Debug, Clone)]
pub struct PageRankArgs {
    /// Edge list: one `source target` pair of unsigned 64-bit ids per line (whitespace
    /// or comma separated; `#` and `%` lines are comments).
    #[arg(long, value_name = "URL")]
    pub edges: String,
    /// Further vertices, one id per line (e.g. vertices without edges).
    #[arg(long, value_name = "URL")]
    pub vertices: Option<String>,
    /// Number of iterations.
    #[arg(long, default_value_t = 10)]
    pub iterations: u32,
    /// Damping factor: the probability of following an edge.
    #[arg(long, default_value_t = 0.85)]
    pub damping: f64,
    /// Output (CSV `vertex,rank`, or Parquet for `.parquet`); printed when absent.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
}

/// `strom run connected-components` options.
#[derive(clap::Args, Debug, Clone)]
pub struct ComponentsArgs {
    /// Edge list (undirected), as for `pagerank`.
    #[arg(long, value_name = "URL")]
    pub edges: String,
    /// Further vertices, one id per line (isolated ones are their own component).
    #[arg(long, value_name = "URL")]
    pub vertices: Option<String>,
    /// Output (CSV `vertex,component`, or Parquet for `.parquet`); printed when absent.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
}

/// An output row type: its CSV header is its field names.
trait Row: Data + Serialize {
    /// The field names, in order.
    const FIELDS: &'static [&'static str];
}

/// Output row structs, ids written in their text form.
macro_rules! rows {
    ($($name:ident { $($field:ident: $ty:ty),+ })*) => {$(
        #[derive(Clone, Debug, Serialize, Deserialize)]
        struct $name { $($field: $ty),+ }
        impl Row for $name {
            const FIELDS: &'static [&'static str] = &[$(stringify!($field)),+];
        }
    )*};
}

rows! {
    RankRow { vertex: String, rank: f64 }
    HitsRow { vertex: String, hub: f64, authority: f64 }
    ComponentRow { vertex: String, component: String }
    DistanceRow { vertex: String, distance: f64 }
    LabelRow { vertex: String, label: String }
    CommunityRow { vertex: String, community: String }
    TrianglesRow { vertex: String, triangles: u64 }
    TriangleRow { a: String, b: String, c: String }
    CoefficientRow { vertex: String, coefficient: f64 }
    PairRow { source: String, target: String, score: f64 }
    MetricRow { metric: String, value: String }
    TriadRow { triad: String, count: u128 }
}

impl Algorithm {
    /// The output columns.
    fn columns(self) -> &'static [&'static str] {
        match self {
            Algorithm::Pagerank => RankRow::FIELDS,
            Algorithm::Hits => HitsRow::FIELDS,
            Algorithm::ConnectedComponents => ComponentRow::FIELDS,
            Algorithm::Sssp => DistanceRow::FIELDS,
            Algorithm::LabelPropagation => LabelRow::FIELDS,
            Algorithm::CommunityDetection => CommunityRow::FIELDS,
            Algorithm::TriangleCount => TrianglesRow::FIELDS,
            Algorithm::TriangleListing => TriangleRow::FIELDS,
            Algorithm::LocalClusteringCoefficient => CoefficientRow::FIELDS,
            Algorithm::Jaccard | Algorithm::AdamicAdar => PairRow::FIELDS,
            Algorithm::GraphMetrics => MetricRow::FIELDS,
            Algorithm::TriadicCensus => TriadRow::FIELDS,
        }
    }
}

/// What one run computes, independent of where the graph comes from.
#[derive(Clone, Debug)]
struct Plan {
    algorithm: Algorithm,
    source: Option<String>,
    iterations: Option<u32>,
    damping: f64,
    delta: f64,
    output: Option<String>,
}

/// Rows printed by a run without `--output`, already CSV lines.
type Printed = Option<Collected<String>>;

/// Writes `rows` ordered by their key to `output`, or collects them (sorted, as CSV
/// lines) to print.
fn finish<S: Key, R: Row>(rows: &DataSet<'_, (S, R)>, output: Option<&str>) -> Printed {
    let key = |r: &(S, R)| r.0.clone();
    match output {
        Some(url) => {
            let placed = if url.ends_with('/') {
                rows.partition_by_range(key)
            } else {
                rows.gather()
            };
            let sorted = placed.sort_partition(key, Order::Ascending).map(|(_, r)| r);
            super::write_output(&sorted, url);
            None
        }
        None => Some(
            rows.gather()
                .sort_partition(key, Order::Ascending)
                .map(|(_, r)| csv_line(&r))
                .collect(),
        ),
    }
}

/// `row` as one CSV line, without its line end.
fn csv_line<R: Serialize>(row: &R) -> String {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    writer.serialize(row).expect("a row of plain fields");
    let bytes = writer.into_inner().expect("writing to memory");
    String::from_utf8(bytes)
        .expect("rows of text")
        .trim_end()
        .to_owned()
}

/// `(id, row)` for per-vertex results.
fn per_vertex<'s, K: Key + Display, T: Data, R: Row>(
    values: &DataSet<'s, (K, T)>,
    row: impl Fn(String, T) -> R + 'static,
) -> DataSet<'s, (K, R)> {
    values.map(move |(k, v)| {
        let text = k.to_string();
        (k, row(text, v))
    })
}

/// Runs `plan.algorithm` on `graph` (edge values are weights).
fn compute<'s, K: Key + Display + FromStr>(graph: &Graph<'s, K, (), f64>, plan: &Plan) -> Printed {
    let out = plan.output.as_deref();
    let converge = |tolerance, max| {
        plan.iterations
            .map_or(Rounds::Converge { tolerance, max }, Rounds::Fixed)
    };
    match plan.algorithm {
        Algorithm::Pagerank => {
            let ranks = pagerank(graph, plan.damping, converge(1e-12, 1000));
            finish(
                &per_vertex(&ranks, |vertex, rank| RankRow { vertex, rank }),
                out,
            )
        }
        Algorithm::Hits => {
            let scores = hits(graph, converge(1e-12, 100)).map(|(k, h, a)| (k, (h, a)));
            let rows = per_vertex(&scores, |vertex, (hub, authority)| HitsRow {
                vertex,
                hub,
                authority,
            });
            finish(&rows, out)
        }
        Algorithm::ConnectedComponents => {
            let labels = components_scatter_gather(graph);
            let rows = per_vertex(&labels, |vertex, c: K| ComponentRow {
                vertex,
                component: c.to_string(),
            });
            finish(&rows, out)
        }
        Algorithm::Sssp => {
            let text = plan
                .source
                .as_deref()
                .expect("--source checked before the run");
            let source: K = text.parse().ok().expect("--source checked before the run");
            let max = plan.iterations.unwrap_or(u32::MAX);
            let distances = sssp_scatter_gather(graph, source.clone(), max);
            let distances = once_a_vertex(graph, source, text, &distances);
            let rows = per_vertex(&distances, |vertex, distance| DistanceRow {
                vertex,
                distance,
            });
            finish(&rows, out)
        }
        Algorithm::LabelPropagation => {
            let ids = graph.map_vertices(|v| v.0.clone());
            let labels = label_propagation(&ids, plan.iterations.unwrap_or(100));
            let rows = per_vertex(&labels, |vertex, l: K| LabelRow {
                vertex,
                label: l.to_string(),
            });
            finish(&rows, out)
        }
        Algorithm::CommunityDetection => {
            let ids = graph.map_vertices(|v| v.0.clone());
            let labels = community_detection(&ids, plan.iterations.unwrap_or(20), plan.delta);
            let rows = per_vertex(&labels, |vertex, c: K| CommunityRow {
                vertex,
                community: c.to_string(),
            });
            finish(&rows, out)
        }
        Algorithm::TriangleCount => {
            let rows = per_vertex(&triangle_count(graph), |vertex, triangles| TrianglesRow {
                vertex,
                triangles,
            });
            finish(&rows, out)
        }
        Algorithm::TriangleListing => {
            let rows = triangle_listing(graph).map(|(a, b, c)| {
                let row = TriangleRow {
                    a: a.to_string(),
                    b: b.to_string(),
                    c: c.to_string(),
                };
                ((a, b, c), row)
            });
            finish(&rows, out)
        }
        Algorithm::LocalClusteringCoefficient => {
            let rows = per_vertex(
                &local_clustering_coefficient(graph),
                |vertex, coefficient| CoefficientRow {
                    vertex,
                    coefficient,
                },
            );
            finish(&rows, out)
        }
        Algorithm::Jaccard => finish(&pairs(&jaccard(graph)), out),
        Algorithm::AdamicAdar => finish(&pairs(&adamic_adar(graph)), out),
        Algorithm::GraphMetrics => {
            let rows = graph_metrics(graph).flat_map(|m| {
                let values = [
                    ("vertices", m.vertices.to_string()),
                    ("edges", m.edges.to_string()),
                    ("average_degree", m.average_degree.to_string()),
                    ("max_degree", m.max_degree.to_string()),
                    ("triangles", m.triangles.to_string()),
                    ("triplets", m.triplets.to_string()),
                    ("global_clustering", m.global_clustering.to_string()),
                    ("average_clustering", m.average_clustering.to_string()),
                ];
                values.into_iter().enumerate().map(|(i, (metric, value))| {
                    let row = MetricRow {
                        metric: metric.to_owned(),
                        value,
                    };
                    (i, row)
                })
            });
            finish(&rows, out)
        }
        Algorithm::TriadicCensus => {
            let rows = directed_triadic_census(graph).flat_map(|census| {
                let rows: Vec<(usize, TriadRow)> = census
                    .iter()
                    .map(|(triad, count)| TriadRow {
                        triad: triad.to_owned(),
                        count,
                    })
                    .enumerate()
                    .collect();
                rows
            });
            finish(&rows, out)
        }
    }
}

/// `data`, once `id` (given as `text` by --source) is known to be a vertex of
/// `graph`; when it is not, the job fails naming it, and nothing is written.
fn once_a_vertex<'s, K: Key, T: Data>(
    graph: &Graph<'s, K, (), f64>,
    id: K,
    text: &str,
    data: &DataSet<'s, T>,
) -> DataSet<'s, T> {
    let failure = graph.env().failure();
    let message = format!("--source {text}: no vertex {text:?} in the graph");
    let found = graph
        .vertex_ids()
        .flat_map(move |k| (k == id).then_some(1u64))
        .union(&graph.env().from_collection(vec![0u64]))
        .reduce(|a, b| a + b)
        .map(move |n| {
            // Bad input (an unreadable line) is the cause to report, not its effect.
            if n == 0 && !failure.has_failed() {
                failure.fail(message.clone());
            }
            n
        });
    data.flat_map_with_broadcast(&found, |x, _| Some(x))
}

/// `((source, target), row)` for scored pairs.
fn pairs<'s, K: Key + Display>(
    scores: &DataSet<'s, (K, K, f64)>,
) -> DataSet<'s, ((K, K), PairRow)> {
    scores.map(|(a, b, score)| {
        let row = PairRow {
            source: a.to_string(),
            target: b.to_string(),
            score,
        };
        ((a, b), row)
    })
}

/// The edges as given, and with `undirected` also reversed (a self-loop stays one).
fn directed<'s, K: Key>(
    edges: &DataSet<'s, (K, K, f64)>,
    undirected: bool,
) -> DataSet<'s, (K, K, f64)> {
    if !undirected {
        return edges.clone();
    }
    edges.flat_map(|(a, b, w)| {
        let reverse = (a != b).then(|| (b.clone(), a.clone(), w));
        std::iter::once((a, b, w)).chain(reverse)
    })
}

/// The graph of the edge list (and vertex list) of `args`.
fn read_graph<'s>(env: &Env<'s>, args: &GraphArgs) -> Graph<'s, VertexId, (), f64> {
    let url = args
        .edges
        .as_deref()
        .expect("--edges checked before the run");
    let weighted = args.weighted;
    let edges = read_valued_edge_list::<VertexId, f64>(env, url, Some(1.0))
        .map(move |(a, b, w)| (a, b, if weighted { w } else { 1.0 }));
    let extra = match &args.vertices {
        Some(url) => read_vertex_ids(env, url),
        None => env.empty(),
    };
    Graph::from_edges_and_ids(&directed(&edges, args.undirected), &extra, |_| ())
}

/// The R-MAT graph of `args` (weights 1).
fn generated_graph<'s>(env: &Env<'s>, args: &GraphArgs) -> Graph<'s, u64, (), f64> {
    let config = rmat_config(args);
    let graph = rmat(env, &config).expect("R-MAT options checked before the run");
    let edges = graph.edges().map(|(a, b, ())| (a, b, 1.0));
    Graph::from_edges(&directed(&edges, args.undirected), |_| ())
}

fn rmat_config(args: &GraphArgs) -> RmatConfig {
    RmatConfig::new(args.scale, args.edge_factor).with_seed(args.seed)
}

fn check_damping(damping: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&damping) {
        bail!("--damping must be between 0 and 1, not {damping}");
    }
    Ok(())
}

/// Fails on options that cannot work, before anything runs.
fn check(args: &GraphArgs) -> Result<()> {
    check_damping(args.damping)?;
    if !args.delta.is_finite() {
        bail!("--delta must be a finite number, not {}", args.delta);
    }
    if args.generator.is_some() {
        rmat_config(args)
            .edges()
            .context("--scale and --edge-factor of --generator rmat")?;
    }
    match (&args.source, args.algorithm) {
        (None, Algorithm::Sssp) => bail!("--algorithm sssp needs --source ID"),
        (Some(s), Algorithm::Sssp) if args.generator.is_some() && s.parse::<u64>().is_err() => {
            bail!("--source {s:?}: generated graphs have integer ids 0..2^scale")
        }
        _ => Ok(()),
    }
}

/// Prints what a run without `--output` collected, under the header of `algorithm`.
fn print(algorithm: Algorithm, result: Option<Option<Vec<String>>>) {
    if let Some(Some(lines)) = result {
        println!("{}", algorithm.columns().join(","));
        for line in lines {
            println!("{line}");
        }
    }
}

/// Runs `strom run graph`.
///
/// # Errors
/// Bad options, unreadable or malformed input (named by file and line), or output
/// that cannot be written.
pub fn run_graph(config: &RuntimeConfig, args: &GraphArgs) -> Result<()> {
    check(args)?;
    let plan = Plan {
        algorithm: args.algorithm,
        source: args.source.clone(),
        iterations: args.iterations,
        damping: args.damping,
        delta: args.delta,
        output: args.output.clone(),
    };
    let algorithm = args.algorithm;
    let args = args.clone();
    let result = execute(config, move |env| match args.generator {
        Some(Generator::Rmat) => compute(&generated_graph(env, &args), &plan),
        None => compute(&read_graph(env, &args), &plan),
    })?;
    print(algorithm, result);
    Ok(())
}

/// The graph of an edge list and vertex list of unsigned 64-bit ids (weights 1).
fn integer_graph<'s>(
    env: &Env<'s>,
    edges: &str,
    vertices: Option<&str>,
) -> Graph<'s, u64, (), f64> {
    let extra = match vertices {
        Some(url) => read_vertices(env, url),
        None => env.empty(),
    };
    let edges = read_edges(env, edges).map(|(a, b)| (a, b, 1.0));
    Graph::from_edges_and_ids(&edges, &extra, |_| ())
}

/// Runs `plan` on the integer graph of `edges` and `vertices`, and prints its rows
/// when it has no output.
fn run_on_integers(
    config: &RuntimeConfig,
    edges: &str,
    vertices: Option<&str>,
    plan: Plan,
) -> Result<()> {
    let (edges, vertices) = (edges.to_owned(), vertices.map(str::to_owned));
    let algorithm = plan.algorithm;
    let result = execute(config, move |env| {
        compute(&integer_graph(env, &edges, vertices.as_deref()), &plan)
    })?;
    print(algorithm, result);
    Ok(())
}

/// Runs `strom run pagerank`: `strom run graph --algorithm pagerank` with integer
/// ids, a fixed number of rounds (10 by default).
///
/// # Errors
/// As [`run_graph`].
pub fn run_pagerank(config: &RuntimeConfig, args: &PageRankArgs) -> Result<()> {
    check_damping(args.damping)?;
    let plan = Plan {
        algorithm: Algorithm::Pagerank,
        source: None,
        iterations: Some(args.iterations),
        damping: args.damping,
        delta: 0.0,
        output: args.output.clone(),
    };
    run_on_integers(config, &args.edges, args.vertices.as_deref(), plan)
}

/// Runs `strom run connected-components`: `strom run graph --algorithm
/// connected-components` with integer ids.
///
/// # Errors
/// As [`run_graph`].
pub fn run_components(config: &RuntimeConfig, args: &ComponentsArgs) -> Result<()> {
    let plan = Plan {
        algorithm: Algorithm::ConnectedComponents,
        source: None,
        iterations: None,
        damping: 0.85,
        delta: 0.0,
        output: args.output.clone(),
    };
    run_on_integers(config, &args.edges, args.vertices.as_deref(), plan)
}
