//! `unique-visitors`: visits and first visits per event-time window over a stream of
//! visits, remembering every visitor ever seen in keyed state. With many visitors that
//! state outgrows memory: the job for `--state-backend disk`.
//!
//! By default the visits are generated: visit `i` (of `--visits`, spread over the
//! workers) is by visitor `(i mod V) * m mod V` for `V = --visitors` and a multiplier
//! `m` coprime with `V`, so every visitor comes once in each round of `V` visits, in a
//! scattered order; its event time is `i * 1000 / --events-per-second` ms. With
//! `--input URL` they are lines `visitor,time_ms` (a `u64` visitor, event time in ms; a
//! first line starting with `visitor` is a header) from files (any storage URL) or the
//! records of a `kafka://HOST:PORT/TOPIC?options` topic; a line that does not parse
//! fails the job naming its file and line, or its topic, partition and offset. Output
//! rows are `window_start,window_end,visits,first_visits`.
//!
//! Known limitation: the watermark is the largest time read (no out-of-orderness), so
//! each partition, and the files as each worker reads them, must be in time order (a
//! visit behind the watermark is late and left out), and a visit is first when it is
//! the first of its visitor that the job handles. For first visits in event-time order
//! give all of a visitor's visits through one partition (`strom kafka produce
//! --key-field 1`), or read files at one worker.

use std::time::Duration;

use anyhow::{Context, Result, ensure};
use strom_core::RuntimeConfig;
use strom_datastream::process::{Context as Ctx, KeyedProcessFunction, ValueState};
use strom_datastream::{DataStream, StreamEnv, WindowResult};

use super::cep_io::{Rows, Source, field, run_to_csv};
use super::window_agg::parse_duration;

/// `strom run unique-visitors` options.
#[derive(clap::Args, Debug, Clone)]
pub struct UniqueVisitorsArgs {
    /// Distinct visitors (keys of state) of the generated visits.
    #[arg(long, default_value_t = 1_000_000, conflicts_with = "input")]
    pub visitors: u64,
    /// Generated visits in all (default: two per visitor).
    #[arg(long, conflicts_with = "input")]
    pub visits: Option<u64>,
    /// Generated visits per second of event time.
    #[arg(long, default_value_t = 100_000, conflicts_with = "input")]
    pub events_per_second: u64,
    /// Lines `visitor,time_ms` (a `u64` visitor, event time in ms; each partition or
    /// file in time order) instead of generated visits: files (any storage URL) or
    /// the records of `kafka://HOST:PORT/TOPIC?options`.
    #[arg(long, value_name = "URL")]
    pub input: Option<String>,
    /// Tumbling event-time window.
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    pub window: String,
    /// Generate (or read) at most this many visits per second of wall time (all
    /// workers).
    #[arg(long, value_name = "EVENTS_PER_S", value_parser = super::positive_rate)]
    pub rate: Option<f64>,
    /// Output CSV (with checkpoints: a folder of part files, published exactly once);
    /// printed when absent. Or `kafka://HOST:PORT/TOPIC?options`: one record per
    /// window as it fires.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
}

impl UniqueVisitorsArgs {
    /// What the job reads and writes, for the checks before launch: with checkpoints,
    /// its output is a folder of part files (a Kafka topic is checked by the job).
    pub fn paths(&self, config: &strom_core::RuntimeConfig) -> strom_core::storage::JobPaths {
        super::cep_io::paths(self.input.as_ref(), self.output.as_ref(), config)
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

/// Parses line `n` of a visits CSV (`visitor,time_ms`; a first line starting with
/// `visitor` is the header).
fn parse_visit(n: u64, line: &str) -> Result<Option<(u64, i64)>, String> {
    let line = line.trim();
    if line.is_empty() || (n == 1 && line.starts_with("visitor")) {
        return Ok(None);
    }
    let mut fields = line.split(',');
    let visit = (
        field(fields.next(), "visitor")?,
        field(fields.next(), "time_ms")?,
    );
    match fields.next() {
        None => Ok(Some(visit)),
        Some(_) => Err("expected visitor,time_ms".into()),
    }
}

/// Generated visit `i` of `[visitors, multiplier, events per second]`.
fn generated(i: u64, p: &[u64]) -> (u64, i64) {
    let time = u128::from(i) * 1000 / u128::from(p[2]);
    (visitor(i, p[0], p[1]), time as i64)
}

/// Windows of `(visits, first visits)`.
fn pipeline<'s>(
    env: &StreamEnv<'s>,
    visits: &Source<(u64, i64)>,
    window_ms: i64,
) -> DataStream<'s, WindowResult<u8, (u64, u64)>> {
    visits
        .stream(env, |e| e.1)
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
/// Bad options, an input that cannot be read or parsed, or output that cannot be
/// written.
pub fn run(config: &RuntimeConfig, args: &UniqueVisitorsArgs) -> Result<()> {
    ensure!(args.visitors > 0, "--visitors must be at least 1");
    ensure!(
        args.events_per_second > 0,
        "--events-per-second must be at least 1"
    );
    let window_ms = parse_duration(&args.window).context("--window")?;
    ensure!(window_ms > 0, "--window must be positive");
    let v = args.visitors;
    let params = vec![v, multiplier(v), args.events_per_second];
    let visits = Source::of(
        args.input.as_ref(),
        (parse_visit, 0),
        (args.visits.unwrap_or(2 * v), generated, params),
        args.rate,
    );
    let rows = Rows {
        job: "unique-visitors",
        header: "window_start,window_end,visits,first_visits",
        line: row,
        order: |a, b| a.start.cmp(&b.start),
    };
    let files = (args.input.as_ref(), args.output.clone());
    run_to_csv(config, files, rows, move |env| {
        pipeline(env, &visits, window_ms)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visit_lines_parse_or_say_why_not() {
        assert_eq!(parse_visit(1, "visitor,time_ms"), Ok(None));
        assert_eq!(parse_visit(2, ""), Ok(None));
        assert_eq!(parse_visit(2, " 7, 1500 "), Ok(Some((7, 1500))));
        let err = |line| parse_visit(2, line).unwrap_err();
        assert!(err("7").contains("missing field time_ms"), "{}", err("7"));
        assert!(err("x,1").contains("field visitor"), "{}", err("x,1"));
        assert!(err("7,soon").contains("field time_ms"), "{}", err("7,soon"));
        assert_eq!(err("7,1,2"), "expected visitor,time_ms");
    }

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
