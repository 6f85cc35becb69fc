//! `cep-monitoring`: Flink's CEP temperature-monitoring example. Generated rack
//! readings (temperature and power); a warning is two consecutive temperature
//! readings of one rack at or above `--threshold` within 10 s; an alert is two
//! consecutive warnings of one rack within 20 s whose second average is higher.
//!
//! Reading `i` (of `--events`) is of rack `h(i) mod --racks`, a power reading one time
//! in four, else a temperature of 60.0 to 119.9 from the same hash; its event time is
//! `i * 1000 / --events-per-second` ms. Output rows are
//! `rack,first_warning_avg,second_warning_avg,time` (one per alert).

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use strom_cep::{Pattern, pattern};
use strom_core::RuntimeConfig;
use strom_core::storage::resolve;
use strom_datastream::{DataStream, Generator, StreamEnv, Timestamps, WatermarkStrategy, execute};

/// `strom run cep-monitoring` options.
#[derive(clap::Args, Debug, Clone)]
pub struct CepMonitoringArgs {
    /// Readings in all.
    #[arg(long, default_value_t = 100_000)]
    pub events: u64,
    /// Racks (keys).
    #[arg(long, default_value_t = 10)]
    pub racks: u32,
    /// Readings per second of event time.
    #[arg(long, default_value_t = 10)]
    pub events_per_second: u64,
    /// Temperature at or above which a reading counts for a warning.
    #[arg(long, default_value_t = 100.0)]
    pub threshold: f64,
    /// Generate at most this many readings per second of wall time (all workers).
    #[arg(long, value_name = "EVENTS_PER_S", value_parser = super::positive_rate)]
    pub rate: Option<f64>,
    /// Output CSV (with checkpoints: a folder of part files, published exactly once);
    /// printed when absent.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
}

impl CepMonitoringArgs {
    /// What the job writes, for the checks before launch.
    pub fn paths(&self, config: &RuntimeConfig) -> strom_core::storage::JobPaths {
        super::generated_job_paths(self.output.as_ref(), config)
    }
}

/// A reading: (rack, temperature or `None` for a power reading, event time ms).
pub type Reading = (u32, Option<f64>, i64);

/// Reading `i` of `racks` racks at `per_s` readings a second.
pub fn reading(i: u64, racks: u32, per_s: u64) -> Reading {
    let h = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i >> 11);
    let rack = ((h >> 33) % u64::from(racks)) as u32;
    let temp = (!(h >> 13).is_multiple_of(4)).then(|| 60.0 + ((h >> 20) % 600) as f64 / 10.0);
    (
        rack,
        temp,
        (u128::from(i) * 1000 / u128::from(per_s)) as i64,
    )
}

/// Alerts `(rack, first average, second average, time)` of the readings.
fn pipeline<'s>(
    env: &StreamEnv<'s>,
    args: &CepMonitoringArgs,
) -> DataStream<'s, (u32, f64, f64, i64)> {
    let (racks, per_s, threshold) = (args.racks, args.events_per_second, args.threshold);
    let readings = env.generate(
        Generator {
            count: Some(args.events),
            rate: args.rate,
        },
        move |i| reading(i, racks, per_s),
        Timestamps::Event(std::rc::Rc::new(|r: &Reading| r.2)),
        WatermarkStrategy::bounded_out_of_orderness(Duration::ZERO),
    );
    let hot = move |r: &Reading| r.1.is_some_and(|t| t >= threshold);
    let warning = Pattern::<Reading>::begin("first")
        .where_(hot)
        .next("second")
        .where_(hot)
        .within(Duration::from_secs(10));
    let warnings = pattern(readings.key_by(|r: &Reading| r.0), &warning)
        .expect("a valid pattern")
        .select(|m| {
            let temps: Vec<f64> = m.events().filter_map(|r| r.1).collect();
            let last = m.events().last().map_or(0, |r| r.2);
            (
                m.get("first")[0].0,
                temps.iter().sum::<f64>() / temps.len() as f64,
                last,
            )
        });
    let alert = Pattern::<(u32, f64, i64)>::begin("first")
        .next("second")
        .within(Duration::from_secs(20));
    pattern(warnings.key_by(|w: &(u32, f64, i64)| w.0), &alert)
        .expect("a valid pattern")
        .flat_select(|m| {
            let (first, second) = (m.get("first")[0], m.get("second")[0]);
            (first.1 < second.1).then_some((first.0, first.1, second.1, second.2))
        })
}

fn row(a: &(u32, f64, f64, i64)) -> String {
    format!("{},{:.2},{:.2},{}", a.0, a.1, a.2, a.3)
}

/// Runs `strom run cep-monitoring`.
///
/// # Errors
/// Bad options, or output that cannot be written.
pub fn run(config: &RuntimeConfig, args: &CepMonitoringArgs) -> Result<()> {
    ensure!(args.racks > 0, "--racks must be at least 1");
    ensure!(
        args.events_per_second > 0,
        "--events-per-second must be at least 1"
    );
    let args = args.clone();
    if config.checkpoint_interval.is_some() || config.restore.is_some() {
        let output = args
            .output
            .clone()
            .context("with checkpoints, cep-monitoring needs --output (a folder for part files)")?;
        strom_datastream::run(config, move |env| {
            pipeline(env, &args).write_lines_exactly_once(&output, row);
        })?;
        return Ok(());
    }
    let output = args.output.clone();
    let rows = execute(config, move |env| pipeline(env, &args))?;
    let Some(mut rows) = rows else { return Ok(()) };
    rows.sort_by_key(|a| (a.3, a.0));
    let mut text = String::from("rack,first_warning_avg,second_warning_avg,time\n");
    for a in &rows {
        text.push_str(&row(a));
        text.push('\n');
    }
    match output {
        Some(url) => resolve(&url)?.write(text.into())?,
        None => print!("{text}"),
    }
    Ok(())
}
