//! `cep-fraud`: card testing, the classic fraud pattern in Flink CEP and Flink's fraud
//! detection walkthrough: a small charge (below `--small-below`) on a card, then
//! within `--within-ms` a large one (at or above `--large-from`) on the same card at a
//! merchant other than the small charge's.
//!
//! The pattern is `small` `followed_by_any` `large`, so a small charge is paired with
//! every large charge in its window (not only the first); `large` is an iterative
//! condition (`where_ctx`: its merchant against the small charge's in the partial
//! match); partial matches time out when the window ends (a side output in Flink
//! CEP): each small charge gives an `expired` row then.
//!
//! Generated transaction `i` (of `--events`) is of card `h(i) mod --cards` at merchant
//! `h'(i) mod --merchants`: one in ten a small charge (0.01 to 0.99), one in twenty a
//! large one (500.00 to 2499.99), else 1.00 to 499.99; its event time is
//! `i * 1000 / --events-per-second` ms. With `--input`, transactions come from a CSV
//! `card,merchant,amount,time_ms` (a first line starting with `card` is a header).
//!
//! Output rows: `alert,card,small_time,small_amount,large_time,large_amount,large_merchant`
//! per match and `expired,card,small_time,small_amount,,,` per timed-out small charge.

use std::time::Duration;

use anyhow::{Result, ensure};
use strom_cep::{Pattern, pattern};
use strom_core::RuntimeConfig;
use strom_datastream::process::OutputTag;
use strom_datastream::{DataStream, StreamEnv};

use crate::cep_io::{Rows, Source, field, run_to_csv};

/// `strom run cep-fraud` options.
#[derive(clap::Args, Debug, Clone)]
pub struct CepFraudArgs {
    /// Input CSV (file, folder or glob) of `card,merchant,amount,time_ms` transactions
    /// instead of generated ones. Or `kafka://HOST:PORT/TOPIC?options`: the same lines,
    /// one per record.
    #[arg(long, value_name = "URL")]
    pub input: Option<String>,
    /// With --input: bound on event-time disorder for the watermark, ms (later
    /// transactions are late and dropped).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub out_of_orderness_ms: u64,
    /// Generated transactions in all.
    #[arg(long, default_value_t = 100_000)]
    pub events: u64,
    /// Cards (keys) of the generated transactions.
    #[arg(long, default_value_t = 1_000)]
    pub cards: u32,
    /// Merchants of the generated transactions.
    #[arg(long, default_value_t = 20)]
    pub merchants: u32,
    /// Generated transactions per second of event time.
    #[arg(long, default_value_t = 100)]
    pub events_per_second: u64,
    /// A charge below this amount is small.
    #[arg(long, default_value_t = 1.0)]
    pub small_below: f64,
    /// A charge of at least this amount is large.
    #[arg(long, default_value_t = 500.0)]
    pub large_from: f64,
    /// How long after a small charge a large one counts (ms of event time).
    #[arg(long, default_value_t = 60_000)]
    pub within_ms: u64,
    /// Generate (or read) at most this many transactions per second of wall time.
    #[arg(long, value_name = "EVENTS_PER_S", value_parser = super::positive_rate)]
    pub rate: Option<f64>,
    /// Output CSV (with checkpoints: a folder of part files, published exactly once);
    /// printed when absent. Or `kafka://HOST:PORT/TOPIC?options`: one record per row,
    /// as the rows come.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
}

/// A transaction: (card, merchant, amount in cents, event time ms).
pub type Transaction = (u32, u32, i64, i64);

/// Generated transaction `i` of `cards` cards and `merchants` merchants at `per_s` a
/// second.
pub fn transaction(i: u64, cards: u32, merchants: u32, per_s: u64) -> Transaction {
    let h = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let h = h ^ (h >> 31);
    let card = ((h >> 32) % u64::from(cards)) as u32;
    let merchant = ((h >> 12) % u64::from(merchants)) as u32;
    let r = (h >> 4) % 20;
    let cents = (h >> 40) as i64;
    let amount = match r {
        0 | 1 => 1 + cents % 99,
        2 => 50_000 + cents % 200_000,
        _ => 100 + cents % 49_900,
    };
    let time = (u128::from(i) * 1000 / u128::from(per_s)) as i64;
    (card, merchant, amount, time)
}

/// A CSV line `card,merchant,amount,time_ms` as a transaction (`None` for a header).
fn parse_transaction(line: u64, text: &str) -> Result<Option<Transaction>, String> {
    if text.trim().is_empty() || (line == 1 && text.starts_with("card")) {
        return Ok(None);
    }
    let mut f = text.split(',');
    let card = field(f.next(), "card")?;
    let merchant = field(f.next(), "merchant")?;
    let amount: f64 = field(f.next(), "amount")?;
    if !amount.is_finite() || amount < 0.0 {
        return Err(format!(
            "field amount ({amount}): not a non-negative amount"
        ));
    }
    let time = field(f.next(), "time_ms")?;
    Ok(Some((
        card,
        merchant,
        (amount * 100.0).round() as i64,
        time,
    )))
}

/// An output row: an alert (small and large charge) or an expired small charge.
type Row = (bool, u32, i64, i64, Option<(i64, i64, u32)>);

fn cents(c: i64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

fn line(r: &Row) -> String {
    let (alert, card, time, amount, large) = r;
    let kind = if *alert { "alert" } else { "expired" };
    let large = large.map_or(",,".to_string(), |(t, a, m)| {
        format!("{t},{},{m}", cents(a))
    });
    format!("{kind},{card},{time},{},{large}", cents(*amount))
}

/// The card-testing pattern.
fn card_testing(small_below: i64, large_from: i64, within: Duration) -> Pattern<Transaction> {
    Pattern::<Transaction>::begin("small")
        .where_(move |t| t.2 < small_below)
        .followed_by_any("large")
        .where_ctx(move |t, ctx| {
            t.2 >= large_from && ctx.events_for("small").iter().all(|s| s.1 != t.1)
        })
        .within(within)
}

fn pipeline<'s>(
    env: &StreamEnv<'s>,
    source: &Source<Transaction>,
    pattern_of: &Pattern<Transaction>,
) -> DataStream<'s, Row> {
    let charges = source.stream(env, |t: &Transaction| t.3);
    let expired = OutputTag::new("expired");
    let found = pattern(charges.key_by(|t: &Transaction| t.0), pattern_of)
        .expect("a valid pattern")
        .select_with_timeout(
            &expired,
            |t| {
                let s = t.events.get("small")[0];
                (false, s.0, s.3, s.2, None)
            },
            |m| {
                let (s, l) = (m.get("small")[0], m.get("large")[0]);
                (true, s.0, s.3, s.2, Some((l.3, l.2, l.1)))
            },
        );
    found.main.union(&found.side_output(&expired))
}

impl CepFraudArgs {
    /// What the job reads and writes, for the checks before launch.
    pub fn paths(&self, config: &RuntimeConfig) -> strom_core::storage::JobPaths {
        crate::cep_io::paths(self.input.as_ref(), self.output.as_ref(), config)
    }

    fn source(&self) -> Source<Transaction> {
        let params = vec![
            u64::from(self.cards),
            u64::from(self.merchants),
            self.events_per_second,
        ];
        Source::of(
            self.input.as_ref(),
            (parse_transaction, self.out_of_orderness_ms),
            (
                self.events,
                |i, p| transaction(i, p[0] as u32, p[1] as u32, p[2]),
                params,
            ),
            self.rate,
        )
    }
}

/// Runs `strom run cep-fraud`.
///
/// # Errors
/// Bad options, or input or output that cannot be read or written.
pub fn run(config: &RuntimeConfig, args: &CepFraudArgs) -> Result<()> {
    ensure!(args.cards > 0, "--cards must be at least 1");
    ensure!(args.merchants > 0, "--merchants must be at least 1");
    ensure!(
        args.events_per_second > 0,
        "--events-per-second must be at least 1"
    );
    ensure!(args.within_ms > 0, "--within-ms must be at least 1");
    ensure!(
        args.small_below.is_finite() && args.large_from.is_finite(),
        "--small-below and --large-from must be amounts"
    );
    let p = card_testing(
        (args.small_below * 100.0).round() as i64,
        (args.large_from * 100.0).round() as i64,
        Duration::from_millis(args.within_ms),
    );
    let source = args.source();
    let rows = Rows {
        job: "cep-fraud",
        header: "kind,card,small_time,small_amount,large_time,large_amount,large_merchant",
        line,
        order: |a, b| {
            let key = |r: &Row| (r.2, r.1, !r.0, r.4.map(|l| (l.0, l.2)));
            key(a).cmp(&key(b))
        },
    };
    let io = (args.input.as_ref(), args.output.clone());
    run_to_csv(config, io, rows, move |env| pipeline(env, &source, &p))
}
