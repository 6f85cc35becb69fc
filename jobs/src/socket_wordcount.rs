//! `socket-window-wordcount`: Flink's SocketWindowWordCount. Lines from a text socket
//! split on whitespace, words counted in tumbling processing-time windows (5 s), each
//! window's counts printed as `word : count` when it fires (or written to a `kafka://`
//! topic with `--output`).

use std::time::Duration;

use anyhow::Result;
use strom_core::RuntimeConfig;
use strom_datastream::{LineSink, run};

use super::window_agg::parse_duration;

/// `strom run socket-window-wordcount` options.
#[derive(clap::Args, Debug, Clone)]
pub struct SocketWordCountArgs {
    /// Host of the text server (`nc -lk 9000` serves one).
    #[arg(long, default_value = "localhost")]
    pub hostname: String,
    /// Port of the text server.
    #[arg(long)]
    pub port: u16,
    /// Window length (processing time).
    #[arg(long, default_value = "5s")]
    pub window: String,
    /// Reconnections after the server closes the connection (Flink's example: 0,
    /// the job ends with the connection); `forever` keeps reconnecting.
    #[arg(long, default_value = "0")]
    pub max_retries: String,
    /// `kafka://HOST:PORT/TOPIC?options`: each window's counts as records
    /// (`word : count`) instead of printed.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
}

/// Runs `strom run socket-window-wordcount`.
///
/// # Errors
/// Bad options, or a server that cannot be reached.
pub fn run_job(config: &RuntimeConfig, args: &SocketWordCountArgs) -> Result<()> {
    let window = parse_duration(&args.window)?;
    anyhow::ensure!(window > 0, "--window must be positive");
    let retries = match args.max_retries.as_str() {
        "forever" => None,
        n => Some(
            n.parse()
                .map_err(|_| anyhow::anyhow!("--max-retries {n:?}: a number or `forever`"))?,
        ),
    };
    let addr = format!("{}:{}", args.hostname, args.port);
    if let Some(output) = args
        .output
        .as_ref()
        .filter(|o| !strom_kafka::is_kafka_url(o))
    {
        anyhow::bail!(
            "--output {output}: socket-window-wordcount prints, or writes a kafka:// topic"
        );
    }
    let sinks =
        crate::kafka::Sinks::prepare(config, "socket-window-wordcount", "", [&args.output])?;
    let output = args.output.clone();
    run(config, move |env| {
        let counts = env
            .socket_text_stream(&addr, retries)
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
