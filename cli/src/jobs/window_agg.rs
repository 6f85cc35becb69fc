//! `window-agg`: event-time window aggregation over a CSV of `key,event_time_ms,value`
//! read as a stream (bounded, in file order, watermarks moving as a live source's
//! would), writing `key,window_start,window_end,count,sum` for every window firing and,
//! with `--late-output`, the records too late for any window.

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use strom_core::RuntimeConfig;
use strom_core::storage::{list_files, resolve};
use strom_datastream::{WatermarkStrategy, execute};

/// `strom run window-agg` options.
#[derive(clap::Args, Debug, Clone)]
pub struct WindowAggArgs {
    /// Input CSV (file, folder or glob): `key,event_time_ms,value` per line; a first
    /// line starting with `key` is a header.
    #[arg(long, value_name = "URL")]
    pub input: String,
    /// `tumbling:SIZE` or `sliding:SIZE:SLIDE` (durations such as 5s, 500ms, 1m).
    #[arg(long)]
    pub window: String,
    /// Bound on event-time disorder for the watermark.
    #[arg(long, value_name = "DURATION", default_value = "0ms")]
    pub out_of_orderness: String,
    /// How long after a window's end late records still update it.
    #[arg(long, value_name = "DURATION", default_value = "0ms")]
    pub allowed_lateness: String,
    /// Output CSV; printed when absent.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
    /// Where the records too late for any window go (CSV `key,event_time_ms,value`).
    #[arg(long, value_name = "URL")]
    pub late_output: Option<String>,
}

/// A duration in ms: `250ms`, `5s`, `2m`, `1h`, or a plain number of ms.
///
/// # Errors
/// When the text is not such a duration.
pub fn parse_duration(text: &str) -> Result<i64> {
    let t = text.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: i64 = digits
        .parse()
        .with_context(|| format!("{text:?} is not a duration (e.g. 500ms, 5s, 1m)"))?;
    let scale = match unit {
        "" | "ms" => 1,
        "s" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => bail!("{text:?}: unknown unit {unit:?} (ms, s, m, h)"),
    };
    Ok(n * scale)
}

/// Window size and slide from `--window`.
fn parse_window(text: &str) -> Result<(i64, i64)> {
    let parts: Vec<&str> = text.split(':').collect();
    let (size, slide) = match parts.as_slice() {
        ["tumbling", size] => (parse_duration(size)?, parse_duration(size)?),
        ["sliding", size, slide] => (parse_duration(size)?, parse_duration(slide)?),
        ["session", _] => bail!("--window session:GAP: session windows are not built yet"),
        _ => bail!("--window {text:?}: expected tumbling:SIZE or sliding:SIZE:SLIDE"),
    };
    if size <= 0 || slide <= 0 {
        bail!("--window {text:?}: sizes must be positive");
    }
    Ok((size, slide))
}

type Event = (i64, (String, f64));

/// The input's rows, in file order (files in name order).
fn read_events(url: &str) -> Result<Vec<Event>> {
    let mut events = Vec::new();
    for file in list_files(url)? {
        let bytes = file.location.read_all()?;
        let name = &file.location.url;
        for (n, line) in String::from_utf8_lossy(&bytes).lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.is_empty() || (n == 0 && line.starts_with("key")) {
                continue;
            }
            let row = || -> Result<Event> {
                let mut fields = line.splitn(3, ',');
                let (Some(key), Some(ts), Some(value)) =
                    (fields.next(), fields.next(), fields.next())
                else {
                    bail!("expected key,event_time_ms,value");
                };
                let ts = ts
                    .trim()
                    .parse()
                    .context("event_time_ms is not an integer")?;
                let value = value.trim().parse().context("value is not a number")?;
                Ok((ts, (key.to_string(), value)))
            };
            events.push(row().with_context(|| format!("{name}:{}", n + 1))?);
        }
    }
    Ok(events)
}

/// One output row: a window firing, or a late record.
type Row = (bool, String, i64, i64, u64, f64);

/// Runs `strom run window-agg`.
///
/// # Errors
/// Bad options, unreadable or malformed input (named by file and line), or output that
/// cannot be written.
pub fn run(config: &RuntimeConfig, args: &WindowAggArgs) -> Result<()> {
    let (size, slide) = parse_window(&args.window)?;
    let bound = parse_duration(&args.out_of_orderness)?;
    let lateness = parse_duration(&args.allowed_lateness)?;
    let events: Arc<[Event]> = read_events(&args.input)?.into();
    let rows = execute(config, move |env| {
        let windowed = env
            .from_timestamped(
                events.clone(),
                WatermarkStrategy::BoundedOutOfOrderness(bound),
            )
            .key_by(|e: &(String, f64)| e.0.clone())
            .sliding_window(size, slide)
            .allowed_lateness(lateness)
            .aggregate_with_late(
                || (0u64, 0f64),
                |acc, e| {
                    acc.0 += 1;
                    acc.1 += e.1;
                },
                |acc| acc,
            );
        let fired = windowed
            .results
            .map(|w| (true, w.key, w.start, w.end, w.value.0, w.value.1));
        let late = windowed
            .late
            .with_timestamps()
            .map(|(ts, (k, v))| (false, k, ts, 0, 0, v));
        fired.union(&late)
    })?;
    let Some(rows) = rows else { return Ok(()) };
    let (mut fired, mut late): (Vec<Row>, Vec<Row>) = rows.into_iter().partition(|r| r.0);
    fired.sort_by(|a, b| (a.2, &a.1, a.3).cmp(&(b.2, &b.1, b.3)));
    late.sort_by(|a, b| (&a.1, a.2).cmp(&(&b.1, b.2)).then(a.5.total_cmp(&b.5)));
    let mut out = String::from("key,window_start,window_end,count,sum\n");
    for (_, k, start, end, n, sum) in &fired {
        out.push_str(&format!("{k},{start},{end},{n},{sum}\n"));
    }
    match &args.output {
        Some(url) => resolve(url)?.write(out.into())?,
        None => print!("{out}"),
    }
    if let Some(url) = &args.late_output {
        let mut text = String::from("key,event_time_ms,value\n");
        for (_, k, ts, _, _, v) in &late {
            text.push_str(&format!("{k},{ts},{v}\n"));
        }
        resolve(url)?.write(text.into())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_windows() {
        assert_eq!(parse_duration("250ms").unwrap(), 250);
        assert_eq!(parse_duration("5s").unwrap(), 5_000);
        assert_eq!(parse_duration("2m").unwrap(), 120_000);
        assert_eq!(parse_duration("40").unwrap(), 40);
        assert!(parse_duration("5 parsecs").is_err());
        assert_eq!(parse_window("tumbling:1s").unwrap(), (1_000, 1_000));
        assert_eq!(parse_window("sliding:10s:2s").unwrap(), (10_000, 2_000));
        assert!(parse_window("hopping:1s").is_err());
    }
}
