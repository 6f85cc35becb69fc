//! `window-agg`: event-time window aggregation over a CSV of `key,event_time_ms,value`
//! read as a stream (bounded, in file order, watermarks moving as a live source's
//! would), writing `key,window_start,window_end,count,sum` for every window firing and,
//! with `--late-output`, the records too late for any window.
//!
//! The input comes through the library's streaming file source and the output goes
//! out through its line sink, so memory holds the open windows, not the input or the
//! output. Without checkpoints the output is one file sorted by window start, key and
//! end (late records by key, time and value): rows are sorted on one worker as the
//! watermark makes their order final, written by the file sink as rolling parts, and
//! the parts joined behind the header at the end. With checkpoints the output is a
//! folder of part files published per committed epoch.
//!
//! Known limitation: session windows have no bound on their length, so their rows
//! (and late records) wait in the sort until the input ends.

use std::collections::BTreeMap;
use std::io::Write;
use std::rc::Rc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use strom_core::RuntimeConfig;
use strom_core::storage::{JobPaths, list_files, resolve};
use strom_datastream::process::{Context as ProcessContext, KeyedProcessFunction};
use strom_datastream::{
    DataStream, FileMode, FileSink, LineSink, StreamEnv, Timestamps, WatermarkStrategy,
};

/// `strom run window-agg` options.
#[derive(clap::Args, Debug, Clone)]
pub struct WindowAggArgs {
    /// Input CSV (file, folder or glob): `key,event_time_ms,value` per line; a first
    /// line starting with `key` is a header. Or `kafka://HOST:PORT/TOPIC?options`:
    /// one such line per record.
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
    /// Output CSV; printed when absent. Or `kafka://HOST:PORT/TOPIC?options`: one
    /// row per record.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
    /// Where the records too late for any window go (CSV `key,event_time_ms,value`).
    #[arg(long, value_name = "URL")]
    pub late_output: Option<String>,
    /// Read the input at this many events per second (all workers together), as a
    /// live source would deliver it.
    #[arg(long, value_name = "EVENTS_PER_S", value_parser = super::positive_rate)]
    pub rate: Option<f64>,
}

impl WindowAggArgs {
    /// What the job reads and writes, for the checks before launch: with checkpoints,
    /// its outputs are folders of part files.
    pub fn paths(&self, config: &RuntimeConfig) -> JobPaths {
        let not_kafka = |url: &&String| !strom_kafka::is_kafka_url(url);
        JobPaths {
            inputs: Some(&self.input)
                .filter(not_kafka)
                .cloned()
                .into_iter()
                .collect(),
            outputs: [&self.output, &self.late_output]
                .into_iter()
                .flatten()
                .filter(not_kafka)
                .map(|url| super::streamed_output(url, config))
                .collect(),
        }
    }
}

pub use crate::units::parse_duration;

/// The kind of window of `--window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Window {
    /// Size and slide (equal for tumbling windows).
    Sliding(i64, i64),
    /// Gap.
    Session(i64),
}

impl Window {
    /// The window as its operator is named: `tumbling 1s`, `sliding 10s every 2s`,
    /// `session gap 30s`.
    fn describe(&self) -> String {
        use strom_core::time::duration_text as text;
        match *self {
            Window::Sliding(size, slide) if size == slide => format!("tumbling {}", text(size)),
            Window::Sliding(size, slide) => format!("sliding {} every {}", text(size), text(slide)),
            Window::Session(gap) => format!("session gap {}", text(gap)),
        }
    }
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

/// A line of the input as an event (`line` is its number in its file): `None` for a
/// blank line or a first line starting with `key` (the header).
fn parse_event(line: u64, text: &str) -> Result<Option<Event>, String> {
    let text = text.trim_end_matches('\r');
    if text.is_empty() || (line == 1 && text.starts_with("key")) {
        return Ok(None);
    }
    let mut fields = text.splitn(3, ',');
    let (Some(key), Some(ts), Some(value)) = (fields.next(), fields.next(), fields.next()) else {
        return Err("expected key,event_time_ms,value".into());
    };
    let ts = ts
        .trim()
        .parse()
        .map_err(|e| format!("event_time_ms is not an integer: {e}"))?;
    let value = value
        .trim()
        .parse()
        .map_err(|e| format!("value is not a number: {e}"))?;
    Ok(Some((ts, (key.to_string(), value))))
}

/// One output row: a window firing `(true, key, start, end, count, sum)`, or a late
/// record `(false, key, event time, 0, 0, value)`.
type Row = (bool, String, i64, i64, u64, f64);

/// The job's dataflow: window firings and late records as [`Row`]s.
fn pipeline<'s>(
    env: &StreamEnv<'s>,
    input: &str,
    window: Window,
    (bound, lateness): (i64, i64),
    rate: Option<f64>,
) -> DataStream<'s, Row> {
    let timestamps = Timestamps::Event(Rc::new(|e: &Event| e.0));
    let strategy =
        WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(bound.unsigned_abs()));
    let events = if strom_kafka::is_kafka_url(input) {
        crate::kafka::read(env, input, rate, parse_event, timestamps, strategy)
    } else {
        env.read_parsed_lines(
            input,
            FileMode::Bounded,
            parse_event,
            timestamps,
            strategy,
            rate,
        )
    };
    let keyed = events
        .name(&format!(
            "Source: {input} (watermarks: out-of-orderness {})",
            strom_core::time::duration_text(bound)
        ))
        .map(|(_, value)| value)
        .name("Key and value")
        .key_by_field(|e: &(String, f64)| &e.0);
    let init = || (0u64, 0f64);
    let add = |acc: &mut (u64, f64), e: &(String, f64)| {
        acc.0 += 1;
        acc.1 += e.1;
    };
    let windowed = match window {
        Window::Sliding(size, slide) => keyed
            .sliding_window(
                Duration::from_millis(size.unsigned_abs()),
                Duration::from_millis(slide.unsigned_abs()),
            )
            .allowed_lateness(Duration::from_millis(lateness.unsigned_abs()))
            .aggregate_with_late(init, add, |acc| acc),
        Window::Session(gap) => keyed
            .session_window(Duration::from_millis(gap.unsigned_abs()))
            .allowed_lateness(Duration::from_millis(lateness.unsigned_abs()))
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
        .name(&format!("Window {}: count, sum", window.describe()))
        .map(|w| (true, w.key, w.start, w.end, w.value.0, w.value.1))
        .name("Window rows");
    let late = windowed
        .late
        .with_timestamps()
        .name("Late records")
        .map(|(ts, (k, v))| (false, k, ts, 0, 0, v))
        .name("Late rows");
    fired.union(&late).name("Window and late rows")
}

fn fired_line((_, k, start, end, n, sum): &Row) -> String {
    format!("{k},{start},{end},{n},{sum}")
}

fn late_line((_, k, ts, _, _, v): &Row) -> String {
    format!("{k},{ts},{v}")
}

/// Runs the job with checkpoints: output as part files published per committed epoch
/// (exactly once), `--restore` resuming from a checkpoint.
fn run_checkpointed(
    config: &RuntimeConfig,
    args: &WindowAggArgs,
    window: Window,
    bounds: (i64, i64),
) -> Result<()> {
    let output = args
        .output
        .clone()
        .context("with checkpoints, window-agg needs --output (a folder for part files)")?;
    let (input, late_output, rate) = (args.input.clone(), args.late_output.clone(), args.rate);
    let sinks = crate::kafka::Sinks::prepare(
        config,
        "window-agg",
        &args.input,
        [&args.output, &args.late_output],
    )?;
    strom_datastream::run(config, move |env| {
        let rows = pipeline(env, &input, window, bounds, rate);
        let fired = rows.filter(|r| r.0).name("Window rows only");
        if !crate::kafka::write(&fired, &output, fired_line, &sinks) {
            fired.write_lines_exactly_once(&output, fired_line);
        }
        if let Some(url) = &late_output {
            let late = rows.filter(|r| !r.0).name("Late rows only");
            if !crate::kafka::write(&late, url, late_line, &sinks) {
                late.write_lines_exactly_once(url, late_line);
            }
        }
    })?;
    Ok(())
}

/// Runs the job without checkpoints writing to Kafka: rows go to their topics as the
/// windows fire (unsorted), with the delivery the URL asks for; an output that is not
/// Kafka is a folder of part files (as with checkpoints).
fn run_to_kafka(
    config: &RuntimeConfig,
    args: &WindowAggArgs,
    window: Window,
    bounds: (i64, i64),
) -> Result<()> {
    let (input, rate) = (args.input.clone(), args.rate);
    let (output, late_output) = (args.output.clone(), args.late_output.clone());
    let sinks =
        crate::kafka::Sinks::prepare(config, "window-agg", &input, [&output, &late_output])?;
    strom_datastream::run(config, move |env| {
        let rows = pipeline(env, &input, window, bounds, rate);
        for (url, keep, line) in [
            (
                &output,
                (|r: &Row| r.0) as fn(&Row) -> bool,
                fired_line as fn(&Row) -> String,
            ),
            (&late_output, |r: &Row| !r.0, late_line),
        ] {
            if let Some(url) = url {
                let rows = rows.filter(keep);
                if !crate::kafka::write(&rows, url, line, &sinks) {
                    rows.write_lines_exactly_once(url, line);
                }
            }
        }
    })?;
    Ok(())
}

/// A far event time: rows whose order is final only at the end wait for it.
const AT_THE_END: i64 = i64::MAX / 4;

/// `f64` bits in an order that agrees with `f64::total_cmp`.
fn total_order(v: f64) -> i64 {
    let bits = v.to_bits() as i64;
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}

/// Where a row sorts in its output, and the watermark from which no row sorting
/// before it can come.
type Placed = (SortKey, i64);

/// A row's position in its output's order.
type SortKey = (i64, String, i64, i64);

/// Sorts the rows of one output (on one worker, by one constant key) and emits them
/// in order as the watermark makes the order final.
struct InOrder {
    place: fn(&Row, Window, i64) -> Placed,
    window: Window,
    lateness: i64,
    rows: BTreeMap<(SortKey, u64), (i64, Row)>,
    seq: u64,
}

impl InOrder {
    fn new(place: fn(&Row, Window, i64) -> Placed, window: Window, lateness: i64) -> Self {
        InOrder {
            place,
            window,
            lateness,
            rows: BTreeMap::new(),
            seq: 0,
        }
    }
}

/// A window firing's place: by start, key and end. A firing still to come ends after
/// the watermark (or, re-fired by a late record, within the allowed lateness of it),
/// so once the watermark passes a window's start by its size plus the lateness, no
/// firing sorting before it can come. Session windows have no size: the end.
fn fired_place(row: &Row, window: Window, lateness: i64) -> Placed {
    let (_, key, start, end, _, _) = row;
    let final_at = match window {
        Window::Sliding(size, _) => start.saturating_add(size + lateness + 3),
        Window::Session(_) => AT_THE_END,
    };
    ((*start, key.clone(), *end, 0), final_at)
}

/// A late record's place: by key, event time and value, known at the end.
fn late_place(row: &Row, _: Window, _: i64) -> Placed {
    let (_, key, ts, _, _, value) = row;
    ((0, key.clone(), *ts, total_order(*value)), AT_THE_END)
}

impl KeyedProcessFunction<(), Row> for InOrder {
    type Out = Row;
    type Side = ();

    fn process_element(&mut self, row: Row, ctx: &mut ProcessContext<'_, (), Row, ()>) {
        let (place, final_at) = (self.place)(&row, self.window, self.lateness);
        let at = final_at.max(ctx.current_watermark().saturating_add(1));
        self.seq += 1;
        self.rows.insert((place, self.seq), (at, row));
        ctx.register_event_time_timer(at);
    }

    fn on_timer(&mut self, ts: i64, ctx: &mut ProcessContext<'_, (), Row, ()>) {
        while let Some(entry) = self.rows.first_entry() {
            if entry.get().0 > ts {
                break;
            }
            ctx.collect(entry.remove().1);
        }
    }
}

/// The hidden folder beside `output` where the sink's parts wait to be joined.
fn parts_folder(output: &str) -> String {
    match output.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/.{name}.parts"),
        None => format!(".{output}.parts"),
    }
}

/// Rows that `keep` picks, sorted as `place` says, written as lines by the library's
/// line sink to `sink` (on worker 0, in order).
fn write_sorted<'s>(
    rows: &DataStream<'s, Row>,
    keep: fn(&Row) -> bool,
    sorting: InOrder,
    sink: LineSink,
    line: fn(&Row) -> String,
) {
    rows.filter(keep)
        .key_by(|_: &Row| ())
        .process(sorting)
        .main
        .global()
        .write_lines(sink, line);
}

/// A file sink into `folder` whose parts, in name order, are the output in order.
fn parts_sink(folder: &str) -> LineSink {
    let mut sink = FileSink::new(folder);
    sink.max_part_bytes = 8 << 20;
    sink.rollover = Duration::from_secs(24 * 3_600);
    LineSink::Files(sink)
}

/// Writes `header` and then the parts in `folder`, in name order, as the file
/// `output` (staged in a local file, then published), and removes the parts.
fn join_parts(folder: &str, output: &str, header: &str) -> Result<()> {
    let target = resolve(output)?;
    let staged = match &target.local {
        Some(path) => {
            let name = path
                .file_name()
                .map_or_else(Default::default, |n| n.to_string_lossy());
            path.with_file_name(format!(".{name}.staged"))
        }
        None => std::env::temp_dir().join(format!(
            ".window-agg-{}-{}.staged",
            std::process::id(),
            strom_core::keys::stable_hash(&output)
        )),
    };
    if let Some(dir) = staged.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::File::create(&staged)
        .with_context(|| format!("cannot stage {output} at {}", staged.display()))?;
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "{header}")?;
    // No rows: no parts, and perhaps no folder.
    for part in list_files(folder).unwrap_or_default() {
        out.write_all(&part.location.read_all()?)?;
    }
    out.flush()?;
    drop(out);
    target
        .publish_file(&staged)
        .with_context(|| format!("cannot write {output}"))?;
    resolve(folder)?.delete_prefix()?;
    Ok(())
}

const FIRED_HEADER: &str = "key,window_start,window_end,count,sum";
const LATE_HEADER: &str = "key,event_time_ms,value";

/// Runs `strom run window-agg`.
///
/// # Errors
/// Bad options, unreadable or malformed input (named by file and line), or output that
/// cannot be written.
pub fn run(config: &RuntimeConfig, args: &WindowAggArgs) -> Result<()> {
    let window = parse_window(&args.window)?;
    let bounds = (
        parse_duration(&args.out_of_orderness)?,
        parse_duration(&args.allowed_lateness)?,
    );
    if config.checkpoint_interval.is_some() || config.restore.is_some() {
        return run_checkpointed(config, args, window, bounds);
    }
    if [&args.output, &args.late_output]
        .into_iter()
        .flatten()
        .any(|url| strom_kafka::is_kafka_url(url))
    {
        return run_to_kafka(config, args, window, bounds);
    }
    // A Kafka input checked, its dead-letter topic made ready.
    crate::kafka::Sinks::prepare(config, "window-agg", &args.input, [])?;
    let lateness = bounds.1;
    let first = config.process_index == 0;
    let fired_parts = args.output.as_deref().map(parts_folder);
    let late_parts = args.late_output.as_deref().map(parts_folder);
    if first {
        for folder in fired_parts.iter().chain(&late_parts) {
            resolve(folder)?.delete_prefix()?;
            strom_core::scratch::remove_on_signal(folder);
        }
        if fired_parts.is_none() {
            println!("{FIRED_HEADER}");
        }
    }
    let (input, rate) = (args.input.clone(), args.rate);
    let (fired_sink, late_sink) = (fired_parts.clone(), late_parts.clone());
    let ran = strom_datastream::run(config, move |env| {
        let rows = pipeline(env, &input, window, bounds, rate);
        let sink = fired_sink.as_deref().map_or(LineSink::Stdout, parts_sink);
        let sorting = InOrder::new(fired_place, window, lateness);
        write_sorted(&rows, |r| r.0, sorting, sink, fired_line);
        if let Some(folder) = &late_sink {
            let sorting = InOrder::new(late_place, window, lateness);
            write_sorted(&rows, |r| !r.0, sorting, parts_sink(folder), late_line);
        }
    });
    if !first {
        return Ok(ran?);
    }
    let joined = ran.map_err(anyhow::Error::from).and_then(|()| {
        anyhow::ensure!(
            strom_core::scratch::start_publishing(),
            "the process is ending: nothing published"
        );
        if let (Some(folder), Some(url)) = (&fired_parts, &args.output) {
            join_parts(folder, url, FIRED_HEADER)?;
        }
        if let (Some(folder), Some(url)) = (&late_parts, &args.late_output) {
            join_parts(folder, url, LATE_HEADER)?;
        }
        Ok(())
    });
    if joined.is_err() {
        for folder in fired_parts.iter().chain(&late_parts) {
            let _ = resolve(folder).and_then(|f| f.delete_prefix());
        }
    }
    joined
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
