//! `unique-visitors`: visits and first visits per event-time window over a generated
//! stream of visits, remembering every visitor ever seen in keyed state. With many
//! visitors that state outgrows memory: the job for `--state-backend disk`.
//!
//! Visit `i` (of `--visits`, spread over the workers) is by visitor
//! `(i mod V) * m mod V` for `V = --visitors` and a multiplier `m` coprime with `V`,
//! so every visitor comes once in each round of `V` visits, in a scattered order; its
//! event time is `i * 1000 / --events-per-second` ms. Output rows are
//! `window_start,window_end,visits,first_visits`.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use strom_core::RuntimeConfig;
use strom_core::storage::resolve;
use strom_datastream::process::{Context as Ctx, KeyedProcessFunction, ValueState};
use strom_datastream::{
    DataStream, Generator, StreamEnv, Timestamps, WatermarkStrategy, WindowResult, execute,
};

use super::window_agg::parse_duration;

/// `strom run unique-visitors` options.
#[derive(clap::Args, Debug, Clone)]
pub struct UniqueVisitorsArgs {
    /// Distinct visitors (keys of state).
    #[arg(long, default_value_t = 1_000_000)]
    pub visitors: u64,
    /// Visits in all (default: two per visitor).
    #[arg(long)]
    pub visits: Option<u64>,
    /// Visits per second of event time.
    #[arg(long, default_value_t = 100_000)]
    pub events_per_second: u64,
    /// Tumbling event-time window.
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    pub window: String,
    /// Generate at most this many visits per second of wall time (all workers).
    #[arg(long, value_name = "EVENTS_PER_S", value_parser = super::positive_rate)]
    pub rate: Option<f64>,
    /// Output CSV (with checkpoints: a folder of part files, published exactly once);
    /// printed when absent. Or `kafka://HOST:PORT/TOPIC?options`: one record per
    /// window as it fires.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
}

impl UniqueVisitorsArgs {
    /// What the job writes, for the checks before launch: with checkpoints, its output
    /// is a folder of part files.
    pub fn paths(&self, config: &strom_core::RuntimeConfig) -> strom_core::storage::JobPaths {
        super::generated_job_paths(self.output.as_ref(), config)
    }
}

/// The visitor of visit `i`: a bijection of `i mod visitors`.
pub fn visitor(i: u64, visitors: u64, multiplier: u64) -> u64 {
    ((u128::from(i % visitors) * u128::from(multiplier)) % u128::from(visitors)) as u64
}

/// A multiplier coprime with `n` near the golden ratio of it (scattering neighbours).
pub fn multiplier(n: u64) -> u64 {
    fn gcd(a: u64, b: u64) -> u64 {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    let mut m = ((n as f64) * 0.618_033_988_7) as u64 | 1;
    while m > 1 && gcd(m, n) != 1 {
        m += 2;
    }
    m.max(1)
}

/// Marks each visit 1 when it is its visitor's first.
struct FirstVisit {
    seen: ValueState<()>,
}

impl KeyedProcessFunction<u64, (u64, i64)> for FirstVisit {
    type Out = u64;
    type Side = ();
    fn process_element(&mut self, _: (u64, i64), ctx: &mut Ctx<'_, u64, u64, ()>) {
        let first = self.seen.value(ctx).is_none();
        if first {
            self.seen.update(ctx, ());
        }
        ctx.collect(u64::from(first));
    }
}

/// Windows of `(visits, first visits)`.
fn pipeline<'s>(
    env: &StreamEnv<'s>,
    args: &UniqueVisitorsArgs,
    window_ms: i64,
) -> DataStream<'s, WindowResult<u8, (u64, u64)>> {
    let (v, per_s) = (args.visitors, args.events_per_second);
    let m = multiplier(v);
    env.generate(
        Generator {
            count: Some(args.visits.unwrap_or(2 * v)),
            rate: args.rate,
        },
        move |i| {
            (
                visitor(i, v, m),
                (u128::from(i) * 1000 / u128::from(per_s)) as i64,
            )
        },
        Timestamps::Event(std::rc::Rc::new(|e: &(u64, i64)| e.1)),
        WatermarkStrategy::bounded_out_of_orderness(Duration::ZERO),
    )
    .key_by(|e: &(u64, i64)| e.0)
    .process(FirstVisit {
        seen: ValueState::new("seen"),
    })
    .main
    .key_by(|_: &u64| 0u8)
    .tumbling_window(Duration::from_millis(window_ms.unsigned_abs()))
    .aggregate(
        || (0u64, 0u64),
        |acc, first| {
            acc.0 += 1;
            acc.1 += first;
        },
        |acc| acc,
    )
}

fn row(w: &WindowResult<u8, (u64, u64)>) -> String {
    format!("{},{},{},{}", w.start, w.end, w.value.0, w.value.1)
}

/// Runs `strom run unique-visitors`.
///
/// # Errors
/// Bad options, or output that cannot be written.
pub fn run(config: &RuntimeConfig, args: &UniqueVisitorsArgs) -> Result<()> {
    ensure!(args.visitors > 0, "--visitors must be at least 1");
    ensure!(
        args.events_per_second > 0,
        "--events-per-second must be at least 1"
    );
    let window_ms = parse_duration(&args.window).context("--window")?;
    ensure!(window_ms > 0, "--window must be positive");
    let args = args.clone();
    if let Some(url) = args.output.clone().filter(|u| strom_kafka::is_kafka_url(u)) {
        // Into a topic as the windows fire (exactly once with checkpoints when the
        // URL asks for it).
        let sinks = crate::kafka::Sinks::prepare(config, "unique-visitors", "", [&args.output])?;
        strom_datastream::run(config, move |env| {
            crate::kafka::write(&pipeline(env, &args, window_ms), &url, row, &sinks);
        })?;
        return Ok(());
    }
    if config.checkpoint_interval.is_some() || config.restore.is_some() {
        let output = args.output.clone().context(
            "with checkpoints, unique-visitors needs --output (a folder for part files)",
        )?;
        strom_datastream::run(config, move |env| {
            pipeline(env, &args, window_ms).write_lines_exactly_once(&output, row);
        })?;
        return Ok(());
    }
    let output = args.output.clone();
    let rows = execute(config, move |env| pipeline(env, &args, window_ms))?;
    let Some(mut rows) = rows else { return Ok(()) };
    rows.sort_by_key(|w| w.start);
    let mut text = String::from("window_start,window_end,visits,first_visits\n");
    for w in &rows {
        text.push_str(&row(w));
        text.push('\n');
    }
    match output {
        Some(url) => resolve(&url)?.write(text.into())?,
        None => print!("{text}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visitors_are_a_permutation_per_round() {
        for n in [1u64, 2, 10, 97, 1000, 1 << 20] {
            let m = multiplier(n);
            let mut seen = vec![false; n as usize];
            for i in n..2 * n {
                let v = visitor(i, n, m) as usize;
                assert!(!seen[v], "{n}: visitor {v} twice in a round");
                seen[v] = true;
            }
        }
    }
}
