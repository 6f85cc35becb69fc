//! `cep-monitoring`: Flink's CEP temperature-monitoring example. Generated rack
//! readings (temperature and power); a warning is two consecutive temperature
//! readings of one rack at or above `--threshold` within 10 s; an alert is two
//! consecutive warnings of one rack within 20 s whose second average is higher.
//!
//! Generated reading `i` (of `--events`) is of rack `h(i) mod --racks`, a power
//! reading one time in four, else a temperature of 60.0 to 119.9 from the same hash;
//! its event time is `i * 1000 / --events-per-second` ms. With `--input`, readings
//! come from a CSV `rack,type,value,time_ms` (`type` is `temperature` or `power`; a
//! first line starting with `rack` is a header). Output rows are
//! `rack,first_warning_avg,second_warning_avg,time` (one per alert).

use std::time::Duration;

use anyhow::{Result, ensure};
use strom_cep::{Pattern, pattern};
use strom_core::RuntimeConfig;
use strom_datastream::{DataStream, StreamEnv};

use crate::cep_io::{Rows, Source, field, run_to_csv};

/// `strom run cep-monitoring` options.
#[derive(clap::Args, Debug, Clone)]
pub struct CepMonitoringArgs {
    /// Input CSV (file, folder or glob) of `rack,type,value,time_ms` readings instead of
    /// generated ones. Or `kafka://HOST:PORT/TOPIC?options`: the same lines, one per
    /// record.
    #[arg(long, value_name = "URL")]
    pub input: Option<String>,
    /// With --input: bound on event-time disorder for the watermark, ms (later
    /// readings are late and dropped).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub out_of_orderness_ms: u64,
    /// Generated readings in all.
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
    /// printed when absent. Or `kafka://HOST:PORT/TOPIC?options`: one record per row,
    /// as the rows come.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
}

impl CepMonitoringArgs {
    /// What the job writes, for the checks before launch.
    pub fn paths(&self, config: &RuntimeConfig) -> strom_core::storage::JobPaths {
        crate::cep_io::paths(self.input.as_ref(), self.output.as_ref(), config)
    }

    fn source(&self) -> Source<Reading> {
        Source::of(
            self.input.as_ref(),
            (parse_reading, self.out_of_orderness_ms),
            (
                self.events,
                |i, p| reading(i, p[0] as u32, p[1]),
                vec![u64::from(self.racks), self.events_per_second],
            ),
            self.rate,
        )
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

/// A CSV line `rack,type,value,time_ms` as a reading (`None` for a header).
fn parse_reading(line: u64, text: &str) -> Result<Option<Reading>, String> {
    if text.trim().is_empty() || (line == 1 && text.starts_with("rack")) {
        return Ok(None);
    }
    let mut f = text.split(',');
    let rack = field(f.next(), "rack")?;
    let kind = f.next().map(str::trim);
    let value: f64 = field(f.next(), "value")?;
    let time = field(f.next(), "time_ms")?;
    let temp = match kind {
        Some("temperature") => Some(value),
        Some("power") => None,
        other => return Err(format!("field type ({other:?}): not temperature or power")),
    };
    Ok(Some((rack, temp, time)))
}

/// Alerts `(rack, first average, second average, time)` of the readings.
fn pipeline<'s>(
    env: &StreamEnv<'s>,
    source: &Source<Reading>,
    threshold: f64,
) -> DataStream<'s, (u32, f64, f64, i64)> {
    let readings = source.stream(env, |r: &Reading| r.2);
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
/// Bad options, or input or output that cannot be read or written.
pub fn run(config: &RuntimeConfig, args: &CepMonitoringArgs) -> Result<()> {
    ensure!(args.racks > 0, "--racks must be at least 1");
    ensure!(
        args.events_per_second > 0,
        "--events-per-second must be at least 1"
    );
    let (source, threshold) = (args.source(), args.threshold);
    let rows = Rows {
        job: "cep-monitoring",
        header: "rack,first_warning_avg,second_warning_avg,time",
        line: row,
        order: |a, b| (a.3, a.0).cmp(&(b.3, b.0)),
    };
    let io = (args.input.as_ref(), args.output.clone());
    run_to_csv(config, io, rows, move |env| {
        pipeline(env, &source, threshold)
    })
}
