//! `window-agg`: event-time window aggregation over a CSV of `key,event_time_ms,value`
//! read as a stream (bounded, in file order, watermarks moving as a live source's
//! would), writing `key,window_start,window_end,count,sum` for every window firing and,
//! with `--late-output`, the records too late for any window.

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use strom_core::RuntimeConfig;
use strom_core::storage::{list_files, resolve};
use strom_datastream::{DataStream, StreamEnv, WatermarkStrategy, execute};

/// `strom run window-agg` options.
#[derive(clap::Args, Debug, Clone)]
pub struct WindowAggArgs {
    /// Input CSV (file, folder or glob): `key,event_time_ms,value` per line; a first
    /// line starting with `key` is a header.
    #[arg(long, value_name = "URL")]
    pub input: String,
    /// `tumbling:SIZE`, `sliding:SIZE:SLIDE` or `session:GAP` (durations such as 5s,
    /// 500ms, 1m).
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
    /// Read the input at this many events per second (all workers together), as a
    /// live source would deliver it.
    #[arg(long, value_name = "EVENTS_PER_S")]
    pub rate: Option<f64>,
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

/// The kind of window of `--window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Window {
    /// Size and slide (equal for tumbling windows).
    Sliding(i64, i64),
    /// Gap.
    Session(i64),
}

fn parse_window(text: &str) -> Result<Window> {
    let parts: Vec<&str> = text.split(':').collect();
    let window = match parts.as_slice() {
        ["tumbling", size] => Window::Sliding(parse_duration(size)?, parse_duration(size)?),
        ["sliding", size, slide] => Window::Sliding(parse_duration(size)?, parse_duration(slide)?),
        ["session", gap] => Window::Session(parse_duration(gap)?),
        _ => bail!("--window {text:?}: expected tumbling:SIZE, sliding:SIZE:SLIDE or session:GAP"),
    };
    if matches!(window, Window::Sliding(a, b) if a <= 0 || b <= 0)
        || matches!(window, Window::Session(g) if g <= 0)
    {
        bail!("--window {text:?}: lengths must be positive");
    }
    Ok(window)
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

/// The job's dataflow: window firings and late records as [`Row`]s.
fn pipeline<'s>(
    env: &StreamEnv<'s>,
    events: &Arc<[Event]>,
    window: Window,
    bound: i64,
    lateness: i64,
    rate: Option<f64>,
) -> DataStream<'s, Row> {
    let keyed = env
        .from_timestamped_at(
            events.clone(),
            WatermarkStrategy::bounded_out_of_orderness(bound),
            rate,
        )
        .key_by(|e: &(String, f64)| e.0.clone());
    let init = || (0u64, 0f64);
    let add = |acc: &mut (u64, f64), e: &(String, f64)| {
        acc.0 += 1;
        acc.1 += e.1;
    };
    let windowed = match window {
        Window::Sliding(size, slide) => keyed
            .sliding_window(size, slide)
            .allowed_lateness(lateness)
            .aggregate_with_late(init, add, |acc| acc),
        Window::Session(gap) => keyed
            .session_window(gap)
            .allowed_lateness(lateness)
            .aggregate_with_late(
                init,
                add,
                |acc, other| {
                    acc.0 += other.0;
                    acc.1 += other.1;
                },
                |acc| acc,
            ),
    };
    let fired = windowed
        .results
        .map(|w| (true, w.key, w.start, w.end, w.value.0, w.value.1));
    let late = windowed
        .late
        .with_timestamps()
        .map(|(ts, (k, v))| (false, k, ts, 0, 0, v));
    fired.union(&late)
}

/// Runs the job with checkpoints: output as part files published per committed epoch
/// (exactly once), `--restore` resuming from a checkpoint.
fn run_checkpointed(
    config: &RuntimeConfig,
    args: &WindowAggArgs,
    window: Window,
    bound: i64,
    lateness: i64,
    events: Arc<[Event]>,
) -> Result<()> {
    let output = args
        .output
        .clone()
        .context("with checkpoints, window-agg needs --output (a folder for part files)")?;
    let late_output = args.late_output.clone();
    let rate = args.rate;
    strom_datastream::run(config, move |env| {
        let rows = pipeline(env, &events, window, bound, lateness, rate);
        rows.filter(|r| r.0)
            .write_lines_exactly_once(&output, |(_, k, start, end, n, sum)| {
                format!("{k},{start},{end},{n},{sum}")
            });
        if let Some(url) = &late_output {
            rows.filter(|r| !r.0)
                .write_lines_exactly_once(url, |(_, k, ts, _, _, v)| format!("{k},{ts},{v}"));
        }
    })?;
    Ok(())
}

/// Runs `strom run window-agg`.
///
/// # Errors
/// Bad options, unreadable or malformed input (named by file and line), or output that
/// cannot be written.
pub fn run(config: &RuntimeConfig, args: &WindowAggArgs) -> Result<()> {
    let window = parse_window(&args.window)?;
    let bound = parse_duration(&args.out_of_orderness)?;
    let lateness = parse_duration(&args.allowed_lateness)?;
    let events: Arc<[Event]> = read_events(&args.input)?.into();
    if config.checkpoint_interval.is_some() || config.restore.is_some() {
        return run_checkpointed(config, args, window, bound, lateness, events);
    }
    let rate = args.rate;
    let rows = execute(config, move |env| {
        pipeline(env, &events, window, bound, lateness, rate)
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
        assert_eq!(
            parse_window("tumbling:1s").unwrap(),
            Window::Sliding(1_000, 1_000)
        );
        assert_eq!(
            parse_window("sliding:10s:2s").unwrap(),
            Window::Sliding(10_000, 2_000)
        );
        assert_eq!(
            parse_window("session:30s").unwrap(),
            Window::Session(30_000)
        );
        assert!(parse_window("hopping:1s").is_err());
        assert!(parse_window("session:0s").is_err());
    }
}
