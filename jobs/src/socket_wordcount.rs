//! `socket-window-wordcount`: Flink's SocketWindowWordCount. Lines from a text socket
//! (`--port`), or the records of a `kafka://HOST:PORT/TOPIC?options` topic
//! (`--input`, one line each), split on whitespace, words counted in tumbling
//! processing-time windows (5 s), each window's counts printed as `word : count` when
//! it fires (or written to a `kafka://` topic with `--output`). As in Flink, windows
//! still open when the input ends do not fire: the job ends with the socket's
//! connection or at a bounded topic's end (`bounded=true`), so an unbounded topic read
//! until `strom cancel` (or `strom stop` with checkpoints) is the usual Kafka input.

use std::time::Duration;

use anyhow::{Result, bail};
use strom_core::RuntimeConfig;
use strom_datastream::{LineSink, Timestamps, WatermarkStrategy, run};

use super::window_agg::parse_duration;

/// `strom run socket-window-wordcount` options.
#[derive(clap::Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("lines").required(true).args(["port", "input"])))]
pub struct SocketWordCountArgs {
    /// Host of the text server (`nc -lk 9000` serves one).
    #[arg(long, default_value = "localhost", conflicts_with = "input")]
    pub hostname: String,
    /// Port of the text server (a socket, or `--input`).
    #[arg(long)]
    pub port: Option<u16>,
    /// `kafka://HOST:PORT/TOPIC?options` instead of a socket: each record's value is
    /// one line of text (in processing time, as the socket's).
    #[arg(long, value_name = "URL")]
    pub input: Option<String>,
    /// Window length (processing time).
    #[arg(long, default_value = "5s")]
    pub window: String,
    /// Reconnections after the server closes the connection (Flink's example: 0,
    /// the job ends with the connection); `forever` keeps reconnecting.
    #[arg(long, default_value = "0", conflicts_with = "input")]
    pub max_retries: String,
    /// `kafka://HOST:PORT/TOPIC?options`: each window's counts as records
    /// (`word : count`) instead of printed.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
}

/// Where the lines come from.
enum Lines {
    /// A text server at `addr`, reconnecting `retries` times (`None`: for ever).
    Socket { addr: String, retries: Option<u32> },
    /// The records of a `kafka://` URL.
    Kafka(String),
}

impl SocketWordCountArgs {
    /// The job's input: `--input` (a `kafka://` URL) or the socket at `--hostname`
    /// and `--port`, exactly one of them.
    fn lines(&self) -> Result<Lines> {
        match (&self.input, self.port) {
            (Some(_), Some(_)) => {
                bail!("--input and --port: read a kafka:// topic or a socket, not both")
            }
            (None, None) => bail!(
                "socket-window-wordcount reads --port (a socket) or --input (a kafka:// topic)"
            ),
            (Some(url), None) if !strom_kafka::is_kafka_url(url) => {
                bail!("--input {url}: socket-window-wordcount reads a kafka:// topic")
            }
            (Some(url), None) => Ok(Lines::Kafka(url.clone())),
            (None, Some(port)) => {
                let retries = match self.max_retries.as_str() {
                    "forever" => None,
                    n => Some(n.parse().map_err(|_| {
                        anyhow::anyhow!("--max-retries {n:?}: a number or `forever`")
                    })?),
                };
                let addr = format!("{}:{port}", self.hostname);
                Ok(Lines::Socket { addr, retries })
            }
        }
    }
}

/// A record of the Kafka input as a line of text.
fn text(_: u64, line: &str) -> Result<Option<String>, String> {
    Ok(Some(line.to_string()))
}

/// Runs `strom run socket-window-wordcount`.
///
/// # Errors
/// Bad options, or a server or brokers that cannot be reached.
pub fn run_job(config: &RuntimeConfig, args: &SocketWordCountArgs) -> Result<()> {
    let window = parse_duration(&args.window)?;
    anyhow::ensure!(window > 0, "--window must be positive");
    let lines = args.lines()?;
    if let Some(output) = args
        .output
        .as_ref()
        .filter(|o| !strom_kafka::is_kafka_url(o))
    {
        bail!("--output {output}: socket-window-wordcount prints, or writes a kafka:// topic");
    }
    let input = match &lines {
        Lines::Kafka(url) => url.as_str(),
        Lines::Socket { .. } => "",
    };
    let sinks =
        crate::kafka::Sinks::prepare(config, "socket-window-wordcount", input, [&args.output])?;
    let output = args.output.clone();
    run(config, move |env| {
        let read = match &lines {
            Lines::Socket { addr, retries } => env.socket_text_stream(addr, *retries),
            Lines::Kafka(url) => {
                let strategy = WatermarkStrategy::monotonous();
                crate::kafka::read(env, url, None, text, Timestamps::Ingestion, strategy)
            }
        };
        let counts = read
            .flat_map(|line: String| {
                line.split_whitespace()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .key_by_field(|w: &String| w)
            .tumbling_processing_window(Duration::from_millis(window.unsigned_abs()))
            .aggregate(|| 0u64, |n, _| *n += 1, |n| n);
        let line =
            |w: &strom_datastream::WindowResult<String, u64>| format!("{} : {}", w.key, w.value);
        let written = output
            .as_ref()
            .is_some_and(|url| crate::kafka::write(&counts, url, line, &sinks));
        if !written {
            counts.global().write_lines(LineSink::Stdout, line);
        }
    })?;
    Ok(())
}
