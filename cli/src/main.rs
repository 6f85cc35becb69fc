//! `strom`: runs Strom's built-in jobs, locally or as a cluster.
//!
//! ```text
//! strom run wordcount                                  # built-in text, top words
//! strom run wordcount --input s3://b/books/ --output out.csv --workers 4
//! strom run tpch --query 1 --data ./tpch-sf1 --processes 2 --workers 2
//! strom jobs                                           # the built-in jobs
//! ```

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use strom_cli::settings::RuntimeArgs;
use strom_cli::{cluster, cluster_tools, control, jobs, kafka, locks, settings, signals};
use strom_core::RuntimeConfig;
use strom_core::storage::JobPaths;

const EXAMPLES: &str = "\
Examples:
  strom run wordcount
  strom run wordcount --input ./books/ --output counts.csv --workers 4
  strom run wordcount --input s3://bucket/text/*.txt --processes 2 --workers 2
  strom run tpchgen --sf 1 --output ./tpch-sf1
  strom run tpch --query 3 --data ./tpch-sf1 --output q3.csv
  strom run teragen --rows 20000000 --output ./tera-in/
  strom run terasort --input ./tera-in/ --output ./tera-out/ --memory 128MB
  strom run teravalidate --input ./tera-out/
  strom run pagerank --edges ./graph.txt --iterations 10 --output ranks.csv
  strom run connected-components --edges s3://bucket/graph/ --output components/
  strom run graph --algorithm hits --edges ./graph.txt --undirected --output hits.csv
  strom run window-agg --input events.csv --window tumbling:5s --out-of-orderness 2s
  strom kafka produce --input events.csv --to kafka://127.0.0.1:9092/events?partitions=2
  strom run tpch --query 1 --data ./tpch-sf1 --hosts hosts.txt --process-index 0
  strom cluster hosts --pattern 'strom-{i}.strom.default.svc:2101' --count 3
  strom jobs";

/// Strom: a batch-and-stream dataflow engine on timely-dataflow.
#[derive(Parser, Debug)]
#[command(name = "strom", version, about, after_help = EXAMPLES)]
struct Cli {
    /// Log format on standard error (RUST_LOG sets the level).
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Runs a built-in job.
    #[command(after_help = EXAMPLES)]
    Run {
        #[command(flatten)]
        runtime: Box<RuntimeArgs>,
        #[command(subcommand)]
        job: Job,
    },
    /// Machine learning: fit a model on a table, predict with it, evaluate it.
    Ml {
        #[command(flatten)]
        runtime: Box<RuntimeArgs>,
        #[command(subcommand)]
        command: jobs::ml::MlCommand,
    },
    /// Lists the built-in jobs.
    Jobs,
    /// Lists the running jobs (their id, name, state and REST endpoint).
    List {
        /// Also jobs that have ended.
        #[arg(long)]
        all: bool,
        /// Print JSON (an array of jobs).
        #[arg(long)]
        json: bool,
    },
    /// Shows a job: operators with records, rates, watermarks and backpressure, and
    /// its checkpoints.
    Status {
        /// The job's id (or a unique prefix of it, or the name of a running job).
        job: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Takes a savepoint of a running streaming job; prints its path, which
    /// `strom run ... --restore PATH` accepts.
    Savepoint {
        /// The job's id (or a unique prefix, or the name of a running job).
        #[arg(required_unless_present = "checkpoint_dir")]
        job: Option<String>,
        /// Copy the savepoint into this folder (default: the job's checkpoint folder).
        #[arg(long, value_name = "URL")]
        dir: Option<String>,
        /// Without a job: ask whatever job checkpoints into this folder, through the
        /// folder itself.
        #[arg(long, value_name = "URL", conflicts_with = "job")]
        checkpoint_dir: Option<String>,
        /// Stop the job once the savepoint is taken.
        #[arg(long)]
        stop: bool,
        /// With --checkpoint-dir: how long to wait for the savepoint.
        #[arg(long, value_name = "DURATION", default_value = "60s")]
        timeout: String,
        /// Print JSON (an object with the savepoint's `path`).
        #[arg(long)]
        json: bool,
    },
    /// Stops a running streaming job with a savepoint; prints the savepoint's path.
    Stop {
        /// The job's id (or a unique prefix, or the name of a running job).
        job: String,
        /// Copy the savepoint into this folder (default: the job's checkpoint folder).
        #[arg(long, value_name = "URL")]
        savepoint_dir: Option<String>,
        /// Fire every pending window and timer before ending (the watermark goes to
        /// the end of time), for a job that is over; without it they stay in the
        /// savepoint, for the job restored from it.
        #[arg(long)]
        drain: bool,
        /// Print JSON (an object with the savepoint's `path`).
        #[arg(long)]
        json: bool,
    },
    /// Produces lines into a Kafka topic, or prints a topic's records.
    Kafka {
        #[command(subcommand)]
        command: kafka::KafkaCommand,
    },
    /// Helpers for a cluster across machines: its host file from a name pattern, the
    /// checkpoint a restarted process restores.
    Cluster {
        #[command(subcommand)]
        command: cluster_tools::ClusterCommand,
    },
    /// Cancels a running job at once (no savepoint; unpublished output stays so).
    Cancel {
        /// The job's id (or a unique prefix, or the name of a running job).
        job: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The built-in jobs: `strom run <job>` and `strom jobs` both list these (each variant's
/// first doc line is its description).
#[derive(Subcommand, Debug)]
enum Job {
    /// Count words in text (built-in text without --input); Flink's WordCount.
    Wordcount(jobs::wordcount::WordCountArgs),
    /// TPC-H queries 1, 3, 5, 6 and 10 over Parquet tables (--query Q --data URL).
    Tpch(jobs::tpch::TpchArgs),
    /// Write the eight TPC-H tables as Parquet at a scale factor (--sf N --output URL).
    Tpchgen(jobs::tpchgen::TpchgenArgs),
    /// Generate TeraSort input: 100-byte records (--rows N --output URL).
    Teragen(jobs::terasort::TeraGenArgs),
    /// Sort TeraSort input by key, out of core (--input URL --output URL).
    Terasort(jobs::terasort::TeraSortArgs),
    /// Check that TeraSort output is sorted and complete.
    Teravalidate(jobs::terasort::TeraValidateArgs),
    /// Graph algorithms of strom-gelly (--algorithm NAME --edges URL; see --help).
    Graph(jobs::graph::GraphArgs),
    /// PageRank of a graph's vertices, a bulk iteration (--edges URL).
    Pagerank(jobs::graph::PageRankArgs),
    /// Connected components of a graph, a delta iteration (--edges URL).
    ConnectedComponents(jobs::graph::ComponentsArgs),
    /// An incremental graph algorithm maintained over edge changes, as a changelog
    /// (--algorithm NAME [--changes URL]; see --help).
    GraphStream(jobs::graph_stream::GraphStreamArgs),
    /// Event-time window count/sum per key over a CSV read as a stream (--input --window).
    WindowAgg(jobs::window_agg::WindowAggArgs),
    /// Word counts in processing-time windows of a text socket (--port P) or of a Kafka
    /// topic's lines (--input kafka://...); Flink's example.
    SocketWindowWordcount(jobs::socket_wordcount::SocketWordCountArgs),
    /// Top speed per car over each 50 m, global windows with a delta trigger (Flink's
    /// TopSpeedWindowing).
    TopSpeedWindowing(jobs::stream_examples::TopSpeedArgs),
    /// Counts per 3 ms session on Flink's SessionWindowing data, or on `key,time,count`
    /// records of a file or Kafka topic (--input, --output).
    SessionWindowing(jobs::stream_examples::SessionArgs),
    /// Visits and first visits per window, generated or `visitor,time_ms` lines of files
    /// or a Kafka topic (--input), every visitor kept in keyed state (a stream job with
    /// state larger than memory on `--state-backend disk`).
    UniqueVisitors(jobs::unique_visitors::UniqueVisitorsArgs),
    /// Temperature warnings and alerts per rack with CEP patterns (Flink's CEP
    /// monitoring example).
    CepMonitoring(jobs::cep_monitoring::CepMonitoringArgs),
    /// Card testing per card with CEP: a small charge, then large ones at another
    /// merchant within a minute (followed_by_any, an iterative condition, timeouts).
    CepFraud(jobs::cep_fraud::CepFraudArgs),
}

/// What `job` reads and writes, for the checks before launch (with checkpoints,
/// window-agg writes folders of part files). (window-agg's own arguments are checked
/// where that job parses them.)
fn job_paths(job: &Job, config: &strom_core::RuntimeConfig) -> JobPaths {
    let of = |inputs: &[&Option<String>], outputs: &[&Option<String>]| JobPaths {
        inputs: inputs.iter().filter_map(|u| (*u).clone()).collect(),
        outputs: outputs.iter().filter_map(|u| (*u).clone()).collect(),
    };
    let some = |url: &String| Some(url.clone());
    match job {
        Job::Wordcount(a) => of(&[&a.input], &[&a.output]),
        Job::Tpch(a) => of(&[&some(&a.data)], &[&a.output]),
        Job::Tpchgen(a) => a.paths(),
        Job::Teragen(a) => a.paths(),
        Job::Terasort(a) => a.paths(),
        Job::Teravalidate(a) => of(&[&some(&a.input)], &[]),
        Job::Graph(a) => of(&[&a.edges, &a.vertices], &[&a.output]),
        Job::Pagerank(a) => of(&[&some(&a.edges), &a.vertices], &[&a.output]),
        Job::ConnectedComponents(a) => of(&[&some(&a.edges), &a.vertices], &[&a.output]),
        Job::TopSpeedWindowing(a) => a.paths(),
        Job::UniqueVisitors(a) => a.paths(config),
        Job::CepMonitoring(a) => a.paths(config),
        Job::CepFraud(a) => a.paths(config),
        Job::WindowAgg(a) => a.paths(config),
        Job::GraphStream(a) => a.paths(config),
        Job::SessionWindowing(a) => a.paths(config),
        Job::SocketWindowWordcount(_) => JobPaths::default(),
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn main() -> std::process::ExitCode {
    strom_cli::install_panic_hook();
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            if signals::terminating() {
                // The signal handler cleans up and ends the process.
                loop {
                    std::thread::park();
                }
            }
            eprintln!("error: {}", settings::as_flags(&format!("{e:#}")));
            signals::settle_commits();
            std::process::ExitCode::FAILURE
        }
    }
}

/// The name of a job as `strom run` spells it (recorded in checkpoints).
fn job_name(job: &Job) -> &'static str {
    match job {
        Job::Wordcount(_) => "wordcount",
        Job::Tpch(_) => "tpch",
        Job::Tpchgen(_) => "tpchgen",
        Job::Teragen(_) => "teragen",
        Job::Terasort(_) => "terasort",
        Job::Teravalidate(_) => "teravalidate",
        Job::Graph(_) => "graph",
        Job::Pagerank(_) => "pagerank",
        Job::ConnectedComponents(_) => "connected-components",
        Job::GraphStream(_) => "graph-stream",
        Job::WindowAgg(_) => "window-agg",
        Job::SocketWindowWordcount(_) => "socket-window-wordcount",
        Job::TopSpeedWindowing(_) => "top-speed-windowing",
        Job::SessionWindowing(_) => "session-windowing",
        Job::UniqueVisitors(_) => "unique-visitors",
        Job::CepMonitoring(_) => "cep-monitoring",
        Job::CepFraud(_) => "cep-fraud",
    }
}

/// `strom savepoint`: asks the job for a savepoint and waits for it.
fn savepoint(dir: &str, stop: bool, timeout: &str) -> Result<()> {
    use strom_datastream::checkpoint::{committed, request_savepoint, withdraw_request};
    let timeout = jobs::window_agg::parse_duration(timeout)?;
    let before: Vec<String> = committed(dir)?.into_iter().map(|c| c.url).collect();
    request_savepoint(dir, stop).with_context(|| format!("cannot ask for a savepoint in {dir}"))?;
    let start = std::time::Instant::now();
    loop {
        let new = committed(dir)?
            .into_iter()
            .find(|c| c.url.contains("/savepoint-") && !before.contains(&c.url));
        if let Some(sp) = new {
            println!("{}", sp.url);
            return Ok(());
        }
        if start.elapsed().as_millis() as i64 > timeout {
            // Not left for a later job to take.
            withdraw_request(dir)?;
            anyhow::bail!(
                "no savepoint in {dir} after {timeout} ms: is a job checkpointing there?"
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Jobs => {
            let cli = <Cli as clap::CommandFactory>::command();
            let run = cli.find_subcommand("run").expect("strom has a run command");
            for job in run.get_subcommands() {
                let about = job.get_about().map(ToString::to_string).unwrap_or_default();
                println!("{:<24} {about}", job.get_name());
            }
            Ok(())
        }
        Command::List { all, json } => control::client::list(all, json),
        Command::Status { job, json } => control::client::status(&job, json),
        Command::Savepoint {
            job,
            dir,
            checkpoint_dir,
            stop,
            timeout,
            json,
        } => match (job, checkpoint_dir) {
            (Some(job), _) => control::client::savepoint(&job, dir.as_deref(), stop, json),
            (None, Some(chk)) => savepoint(&chk, stop, &timeout),
            (None, None) => anyhow::bail!("give a job (or --checkpoint-dir)"),
        },
        Command::Stop {
            job,
            savepoint_dir,
            drain,
            json,
        } => control::client::stop(&job, savepoint_dir.as_deref(), drain, json),
        Command::Cancel { job, json } => control::client::cancel(&job, json),
        Command::Kafka { command } => kafka::run(command),
        Command::Cluster { command } => cluster_tools::run(command),
        Command::Run { runtime, job } => run_command(&runtime, job),
        Command::Ml { runtime, command } => jobs::ml::run(&settings::resolve(&runtime)?, command),
    }
}

/// `strom run`: the checks, the folder locks, the signal handling and the endpoint
/// around the job (or around the processes of a local cluster).
fn run_command(runtime: &RuntimeArgs, job: Job) -> Result<()> {
    let mut config = settings::resolve(runtime)?;
    let name = job_name(&job);
    config.job_name = Some(name.to_string());
    let id = std::env::var(cluster::JOB_ID).unwrap_or_else(|_| control::registry::new_id());
    config.run_id = Some(id.clone());
    let paths = job_paths(&job, &config);
    let spill_parent = config.spill_dir.clone();
    strom_core::scratch::sweep(&spill_parent.unwrap_or_else(std::env::temp_dir));
    settings::check_before_launch(&config, runtime, &paths)?;
    let launched = std::env::var_os(signals::LAUNCHER_PID).is_some();
    let _locks = if launched || config.process_index > 0 {
        None
    } else {
        Some(take_locks(&config, &paths, &id, name)?)
    };
    if config.processes > 1 && config.hosts.is_empty() {
        return cluster::run_local_cluster(config.processes, runtime.restart_attempts, &id);
    }
    signals::follow_launcher();
    config.validate()?;
    let endpoint = match runtime.rest_address.as_str() {
        "off" => None,
        _ if config.process_index > 0 => None,
        address => Some(control::server::Endpoint::start(
            name,
            &config,
            &control::server::RestOptions {
                address: address.to_string(),
                token: runtime.rest_token.clone(),
                id: id.clone(),
            },
        )?),
    };
    signals::install(on_signal(&config, endpoint.as_ref(), &id, name));
    let progress = control::progress::Progress::start();
    let outcome = run_job(&config, job);
    drop(progress);
    if signals::terminating() {
        // The signal handler cleans up and ends the process.
        signals::job_returned();
        loop {
            std::thread::park();
        }
    }
    if let Some(e) = &endpoint {
        e.finish(&outcome);
    }
    outcome
}

/// Locks the job's local outputs and checkpoint folder (`locks`).
fn take_locks(
    config: &RuntimeConfig,
    paths: &JobPaths,
    id: &str,
    name: &str,
) -> Result<locks::Locks> {
    let mut targets: Vec<(&str, &str)> = paths
        .outputs
        .iter()
        .map(|u| ("output", u.as_str()))
        .collect();
    if let Some(dir) = &config.checkpoint_dir {
        targets.push(("--checkpoint-dir", dir));
    }
    let holder = locks::Holder {
        pid: std::process::id(),
        job: id.to_string(),
        name: name.to_string(),
        since_ms: strom_core::time::ProcessingClock::System.now(),
    };
    locks::acquire(&targets, &holder)
}

/// A callback of the signal handler.
type Hook<T> = Option<Box<dyn Fn() -> T + Send + Sync>>;

/// How the job reacts to SIGINT and SIGTERM: a checkpointing job stops with a final
/// savepoint (process 0 asks for it, through its endpoint when it has one).
fn on_signal(
    config: &RuntimeConfig,
    endpoint: Option<&control::server::Endpoint>,
    id: &str,
    name: &str,
) -> signals::OnSignal {
    let checkpoints = config
        .checkpoint_interval
        .and(config.checkpoint_dir.clone());
    let first = config.process_index == 0;
    let stop: Hook<bool> = match (checkpoints, endpoint) {
        (None, _) => None,
        (Some(_), Some(e)) => {
            let e = e.clone();
            Some(Box::new(move || e.request_stop()))
        }
        (Some(dir), None) => {
            let id = id.to_string();
            Some(Box::new(move || {
                use strom_datastream::checkpoint::{Request, request_for};
                !first || request_for(&dir, &id, Request::Stop).is_ok()
            }))
        }
    };
    let ended: Hook<()> = endpoint.map(|e| {
        let e = e.clone();
        Box::new(move || e.ended_by_signal()) as Box<dyn Fn() + Send + Sync>
    });
    let job = if config.processes > 1 {
        format!("job {id} ({name}, process {})", config.process_index)
    } else {
        format!("job {id} ({name})")
    };
    signals::OnSignal { job, stop, ended }
}

/// Runs a built-in job.
fn run_job(config: &RuntimeConfig, job: Job) -> Result<()> {
    match job {
        Job::Wordcount(args) => jobs::wordcount::run(config, &args),
        Job::Tpch(args) => jobs::tpch::run(config, &args),
        Job::Tpchgen(args) => jobs::tpchgen::run(config, &args),
        Job::Teragen(args) => jobs::terasort::generate(config, &args),
        Job::Terasort(args) => jobs::terasort::sort(config, &args),
        Job::Teravalidate(args) => jobs::terasort::validate(&args),
        Job::Graph(args) => jobs::graph::run_graph(config, &args),
        Job::Pagerank(args) => jobs::graph::run_pagerank(config, &args),
        Job::ConnectedComponents(args) => jobs::graph::run_components(config, &args),
        Job::GraphStream(args) => jobs::graph_stream::run(config, &args),
        Job::WindowAgg(args) => jobs::window_agg::run(config, &args),
        Job::SocketWindowWordcount(args) => jobs::socket_wordcount::run_job(config, &args),
        Job::TopSpeedWindowing(args) => jobs::stream_examples::run_top_speed(config, &args),
        Job::SessionWindowing(args) => jobs::stream_examples::run_sessions(config, &args),
        Job::UniqueVisitors(args) => jobs::unique_visitors::run(config, &args),
        Job::CepMonitoring(args) => jobs::cep_monitoring::run(config, &args),
        Job::CepFraud(args) => jobs::cep_fraud::run(config, &args),
    }
}
