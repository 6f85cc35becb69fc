//! # strom-jobs
//!
//! The built-in jobs of `strom run`, as a library: each job's arguments (clap
//! `Args`), its dataflow and its run function over a [`strom_core::RuntimeConfig`].
//! The `strom` binary (`strom-cli`) parses and dispatches to them; the benchmark
//! harness (`strom-benches`) runs them directly, without the CLI.
#![warn(missing_docs)]

pub mod cep_fraud;
mod cep_io;
pub mod cep_monitoring;
pub mod graph;
pub mod graph_stream;
mod kafka;
pub mod ml;
pub mod socket_wordcount;
pub mod stream_examples;
pub mod terasort;
pub mod tpch;
pub mod tpchgen;
pub mod unique_visitors;
pub mod units;
pub mod window_agg;
pub mod wordcount;

use strom_dataset::{CsvOptions, Data, DataSet};

/// Writes a job's result: Parquet when `url` ends in `.parquet`, CSV with a header
/// otherwise.
pub(crate) fn write_output<T: Data + serde::Serialize>(result: &DataSet<'_, T>, url: &str) {
    if url.trim_end_matches('/').ends_with(".parquet") {
        result.write_parquet(url);
    } else {
        result.write_csv(url, CsvOptions::default());
    }
}

/// Where a streaming job's `url` output goes for the pre-launch checks: a sink that
/// writes exactly once (the job checkpoints or restores) writes a folder of part
/// files, so the URL is checked as a folder even without its trailing `/`.
pub(crate) fn streamed_output(url: &str, config: &strom_core::RuntimeConfig) -> String {
    let exactly_once = config.checkpoint_interval.is_some() || config.restore.is_some();
    match exactly_once && !url.ends_with('/') {
        true => format!("{url}/"),
        false => url.to_owned(),
    }
}

/// The pre-launch paths of a generated streaming job: no input, `output` (a folder
/// when written exactly once).
pub(crate) fn generated_job_paths(
    output: Option<&String>,
    config: &strom_core::RuntimeConfig,
) -> strom_core::storage::JobPaths {
    strom_core::storage::JobPaths {
        inputs: Vec::new(),
        outputs: output
            .filter(|url| !strom_kafka::is_kafka_url(url))
            .map(|url| streamed_output(url, config))
            .into_iter()
            .collect(),
    }
}

/// Parses an events-per-second rate, which must be a positive, finite number (a rate
/// of 0 would never emit an event); for clap's `value_parser`.
///
/// # Errors
/// When `text` is not such a number.
pub fn positive_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        Ok(_) => Err(format!(
            "{text:?}: the rate must be a positive number of events per second"
        )),
        Err(e) => Err(format!("{text:?} is not a number: {e}")),
    }
}
