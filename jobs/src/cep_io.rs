//! What the CEP example jobs and `unique-visitors` share: their input (generated
//! events, or a CSV read as a bounded stream in event time, or the same lines from a
//! `kafka://` topic) and their output (a CSV sorted by the job's order, or with
//! checkpoints a folder of part files published exactly once, or lines into a
//! `kafka://` topic as they come).

use std::rc::Rc;
use std::time::Duration;

use anyhow::{Context, Result};
use strom_core::RuntimeConfig;
use strom_core::storage::{JobPaths, resolve};
use strom_datastream::{
    Data, DataStream, FileMode, Generator, StreamEnv, Timestamps, WatermarkStrategy, execute,
};

/// Parses a CSV line (with its number) into an event, `None` to skip it.
pub(crate) type Parse<T> = fn(u64, &str) -> Result<Option<T>, String>;
/// Makes event `i` from the job's parameters.
pub(crate) type Make<T> = fn(u64, &[u64]) -> T;

/// Where a CEP job's events come from.
pub(crate) enum Source<T> {
    /// Events `0..count` from `make`, at most `rate` a second of wall time.
    Generated {
        count: u64,
        rate: Option<f64>,
        make: Make<T>,
        params: Vec<u64>,
    },
    /// A CSV (file, folder or glob) parsed line by line; the watermark trails the
    /// largest time seen by `out_of_orderness` ms (later records are late, dropped).
    Csv {
        url: String,
        parse: Parse<T>,
        out_of_orderness: u64,
        rate: Option<f64>,
    },
}

impl<T> Clone for Source<T> {
    fn clone(&self) -> Self {
        match self {
            Source::Generated {
                count,
                rate,
                make,
                params,
            } => Source::Generated {
                count: *count,
                rate: *rate,
                make: *make,
                params: params.clone(),
            },
            Source::Csv {
                url,
                parse,
                out_of_orderness,
                rate,
            } => Source::Csv {
                url: url.clone(),
                parse: *parse,
                out_of_orderness: *out_of_orderness,
                rate: *rate,
            },
        }
    }
}

impl<T: Data> Source<T> {
    /// The CSV at `input` if given (parsed by `parse`, watermark `out_of_orderness` ms
    /// behind), else `count` events from `make` with `params`.
    pub(crate) fn of(
        input: Option<&String>,
        (parse, out_of_orderness): (Parse<T>, u64),
        (count, make, params): (u64, Make<T>, Vec<u64>),
        rate: Option<f64>,
    ) -> Self {
        match input {
            Some(url) => Source::Csv {
                url: url.clone(),
                parse,
                out_of_orderness,
                rate,
            },
            None => Source::Generated {
                count,
                rate,
                make,
                params,
            },
        }
    }

    /// The events as a stream stamped by `time`.
    pub(crate) fn stream<'s>(&self, env: &StreamEnv<'s>, time: fn(&T) -> i64) -> DataStream<'s, T> {
        match self.clone() {
            Source::Generated {
                count,
                rate,
                make,
                params,
            } => env.generate(
                Generator {
                    count: Some(count),
                    rate,
                },
                move |i| make(i, &params),
                Timestamps::Event(Rc::new(time)),
                WatermarkStrategy::bounded_out_of_orderness(Duration::ZERO),
            ),
            Source::Csv {
                url,
                parse,
                out_of_orderness,
                rate,
            } => {
                let strategy = WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(
                    out_of_orderness,
                ));
                if strom_kafka::is_kafka_url(&url) {
                    let time = Timestamps::Event(Rc::new(time));
                    crate::kafka::read(env, &url, rate, parse, time, strategy)
                } else {
                    env.read_parsed_lines(
                        &url,
                        FileMode::Bounded,
                        parse,
                        Timestamps::Event(Rc::new(time)),
                        strategy,
                        rate,
                    )
                }
            }
        }
    }
}

/// The pre-launch paths of a CEP job reading `input` (if any) and writing `output`.
pub(crate) fn paths(
    input: Option<&String>,
    output: Option<&String>,
    config: &RuntimeConfig,
) -> JobPaths {
    let mut paths = super::generated_job_paths(output, config);
    paths
        .inputs
        .extend(input.filter(|url| !strom_kafka::is_kafka_url(url)).cloned());
    paths
}

/// A CSV field `name` of `text` parsed as `T`, or an error naming the field.
pub(crate) fn field<T: std::str::FromStr>(text: Option<&str>, name: &str) -> Result<T, String>
where
    T::Err: std::fmt::Display,
{
    let text = text.ok_or_else(|| format!("missing field {name}"))?;
    text.trim()
        .parse()
        .map_err(|e| format!("field {name} ({text:?}): {e}"))
}

/// How a job's rows become CSV.
pub(crate) struct Rows<R> {
    /// The job's name, for messages.
    pub(crate) job: &'static str,
    /// The header line of the single-file output.
    pub(crate) header: &'static str,
    /// One row as a CSV line.
    pub(crate) line: fn(&R) -> String,
    /// The order of the single-file output.
    pub(crate) order: fn(&R, &R) -> std::cmp::Ordering,
}

/// Runs `pipeline` reading `input` (checked first when it is a Kafka URL): into a
/// Kafka topic, its rows go as lines as they come, with the URL's delivery; with
/// checkpoints (or a restore) they go exactly once into the folder `output` as part
/// files; otherwise they are gathered, sorted and written to `output` with a header,
/// or printed.
///
/// # Errors
/// When a Kafka URL is wrong or its brokers cannot be reached, the job fails, or the
/// output cannot be written.
pub(crate) fn run_to_csv<R, F>(
    config: &RuntimeConfig,
    (input, output): (Option<&String>, Option<String>),
    rows: Rows<R>,
    pipeline: F,
) -> Result<()>
where
    R: Data + Send,
    F: for<'s> Fn(&StreamEnv<'s>) -> DataStream<'s, R> + Send + Sync + 'static,
{
    let line = rows.line;
    let input = input.map_or("", String::as_str);
    let sinks = crate::kafka::Sinks::prepare(config, rows.job, input, [&output])?;
    if let Some(url) = output.clone().filter(|url| strom_kafka::is_kafka_url(url)) {
        strom_datastream::run(config, move |env| {
            crate::kafka::write(&pipeline(env), &url, line, &sinks);
        })?;
        return Ok(());
    }
    if config.checkpoint_interval.is_some() || config.restore.is_some() {
        let output = output.with_context(|| {
            format!(
                "with checkpoints, {} needs --output (a folder for part files)",
                rows.job
            )
        })?;
        strom_datastream::run(config, move |env| {
            pipeline(env).write_lines_exactly_once(&output, line);
        })?;
        return Ok(());
    }
    let Some(mut found) = execute(config, pipeline)? else {
        return Ok(());
    };
    found.sort_by(rows.order);
    let mut text = format!("{}\n", rows.header);
    for r in &found {
        text.push_str(&line(r));
        text.push('\n');
    }
    match output {
        Some(url) => resolve(&url)?.write(text.into())?,
        None => print!("{text}"),
    }
    Ok(())
}
