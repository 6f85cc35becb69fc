//! Flink's streaming examples on built-in data.
//!
//! - `top-speed-windowing`: cars report `(car, speed km/h, distance m, event time ms)`
//!   every 100 ms; per car, a global window fired by a delta trigger each time the car
//!   has gone 50 m further, evicting all but the last 10 s, gives the top speed of
//!   that stretch (Flink's `TopSpeedWindowing`). Built-in data: seeded random speeds;
//!   `--input` reads `car,speed,distance,time` CSV instead, from files or a `kafka://`
//!   topic, and `--output kafka://...` writes the firings to a topic.
//! - `session-windowing`: Flink's `SessionWindowing` data, sessions with a 3 ms gap,
//!   counts summed per session; `--input` reads `key,time,count` CSV instead, from
//!   files or a `kafka://` topic, and `--output` writes the sessions to a file or a
//!   topic.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use strom_core::RuntimeConfig;
use strom_core::storage::list_files;
use strom_datastream::window::triggered::{DeltaTrigger, TimeEvictor};
use strom_datastream::{
    DataStream, FileMode, LineSink, Poll, SplitReader, Timestamps, WatermarkStrategy, execute, run,
};
use strom_kafka::is_kafka_url;

/// `(car, speed, distance, time)`.
type Car = (u32, i32, f64, i64);

/// `strom run top-speed-windowing` options.
#[derive(clap::Args, Debug, Clone)]
pub struct TopSpeedArgs {
    /// Cars in the built-in data.
    #[arg(long, default_value_t = 2)]
    pub cars: u32,
    /// Seconds of event time in the built-in data.
    #[arg(long, default_value_t = 60)]
    pub seconds: u32,
    /// CSV of `car,speed,distance,time` instead of the built-in data, or the same
    /// lines from `kafka://HOST:PORT/TOPIC?options` (one partition keeps each car's
    /// order, as Flink's example source does).
    #[arg(long, value_name = "URL")]
    pub input: Option<String>,
    /// `kafka://HOST:PORT/TOPIC?options`: each firing as one record
    /// (`(car,speed,distance,time)`) instead of printed.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
}

impl TopSpeedArgs {
    /// What the job reads, for the checks before launch (a Kafka topic is checked by
    /// the job itself).
    pub fn paths(&self) -> strom_core::storage::JobPaths {
        strom_core::storage::JobPaths {
            inputs: self
                .input
                .iter()
                .filter(|u| !is_kafka_url(u))
                .cloned()
                .collect(),
            outputs: Vec::new(),
        }
    }
}

/// The built-in cars: every 100 ms each car's speed moves 5 km/h up or down (within
/// 0..=100, from 50) and its distance grows by the speed in m/s (Flink's
/// `CarGeneratorFunction`, seeded).
fn generated(cars: u32, seconds: u32) -> Vec<Car> {
    let mut state: Vec<(i32, f64)> = vec![(50, 0.0); cars as usize];
    let mut seed = 0x5eed_u64;
    let mut out = Vec::new();
    for tick in 0..i64::from(seconds) * 10 {
        for (car, (speed, distance)) in state.iter_mut().enumerate() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *speed = if (seed >> 32) & 1 == 0 {
                (*speed + 5).min(100)
            } else {
                (*speed - 5).max(0)
            };
            // As Flink's example: the distance grows by the speed in m/s per tick.
            *distance += f64::from(*speed) / 3.6;
            out.push((car as u32, *speed, *distance, tick * 100));
        }
    }
    out
}

/// Parses line `n` of a cars CSV (`car,speed,distance,time`; a first line starting
/// with `car` is the header).
fn parse_car(n: u64, line: &str) -> Result<Option<Car>, String> {
    let line = line.trim();
    if line.is_empty() || (n == 1 && line.starts_with("car")) {
        return Ok(None);
    }
    let f: Vec<&str> = line.split(',').map(str::trim).collect();
    let [car, speed, distance, time] = f[..] else {
        return Err("expected car,speed,distance,time".into());
    };
    let field = |name: &str, e: &dyn std::fmt::Display| format!("{name}: {e}");
    Ok(Some((
        car.parse().map_err(|e| field("car", &e))?,
        speed.parse().map_err(|e| field("speed", &e))?,
        distance.parse().map_err(|e| field("distance", &e))?,
        time.parse().map_err(|e| field("time", &e))?,
    )))
}

fn read_cars(url: &str) -> Result<Vec<Car>> {
    let mut cars = Vec::new();
    for file in list_files(url)? {
        let bytes = file.location.read_all()?;
        for numbered in strom_core::formats::text::utf8_lines(&file.location.url, &bytes) {
            let (n, line) = numbered?;
            let car = parse_car(n as u64, line)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("{}:{n}", file.location.url))?;
            cars.extend(car);
        }
    }
    Ok(cars)
}

/// All records on one split, in order (Flink's example source is not parallel).
struct OneSplit<T> {
    records: Arc<[T]>,
    next: usize,
}

impl<T: Clone + 'static> SplitReader<T> for OneSplit<T> {
    /// Records given.
    type Position = u64;

    fn read(&mut self, out: &mut Vec<T>, max: usize) -> Poll {
        let end = (self.next + max).min(self.records.len());
        out.extend_from_slice(&self.records[self.next..end]);
        let read = end - self.next;
        self.next = end;
        if read == 0 { Poll::Done } else { Poll::Ready }
    }
    fn position(&self) -> u64 {
        self.next as u64
    }
    fn paced_by_records(&self) -> bool {
        true
    }
}

/// Runs `strom run top-speed-windowing`, printing `(car,speed,distance,time)` per firing.
///
/// # Errors
/// Unreadable or malformed `--input`.
pub fn run_top_speed(config: &RuntimeConfig, args: &TopSpeedArgs) -> Result<()> {
    let input = args.input.clone().unwrap_or_default();
    if let Some(output) = args.output.as_ref().filter(|o| !is_kafka_url(o)) {
        bail!("--output {output}: top-speed-windowing prints, or writes a kafka:// topic");
    }
    let sinks =
        crate::kafka::Sinks::prepare(config, "top-speed-windowing", &input, [&args.output])?;
    let cars: Arc<[Car]> = match &args.input {
        Some(url) if is_kafka_url(url) => Vec::new(),
        Some(url) => read_cars(url)?,
        None => generated(args.cars, args.seconds),
    }
    .into();
    let output = args.output.clone();
    run(config, move |env| {
        let timestamps = Timestamps::Event(Rc::new(|c: &Car| c.3));
        let read = if is_kafka_url(&input) {
            let strategy = WatermarkStrategy::monotonous();
            crate::kafka::read(env, &input, None, parse_car, timestamps, strategy)
        } else {
            let split = OneSplit {
                records: if env.index() == 0 {
                    cars.clone()
                } else {
                    Arc::from(Vec::new())
                },
                next: 0,
            };
            env.source(
                "CarSource",
                split,
                timestamps,
                WatermarkStrategy::monotonous(),
            )
        };
        let top = read
            .key_by(|c: &Car| c.0)
            .global_window()
            .evictor(TimeEvictor::of(Duration::from_secs(10)))
            .trigger(DeltaTrigger::new(50.0, |old: &Car, new: &Car| {
                new.2 - old.2
            }))
            .reduce(|a, b| if b.1 > a.1 { b } else { a })
            .map(|w| w.value);
        let line =
            |(car, speed, distance, time): &Car| format!("({car},{speed},{distance},{time})");
        let written = output
            .as_ref()
            .is_some_and(|url| crate::kafka::write(&top, url, line, &sinks));
        if !written {
            top.global().write_lines(LineSink::Stdout, line);
        }
    })?;
    Ok(())
}

/// Flink's `SessionWindowingData`: `(key, event time ms, count)`.
const SESSION_DATA: [(&str, i64, u64); 7] = [
    ("a", 1, 1),
    ("b", 1, 1),
    ("b", 3, 1),
    ("b", 5, 1),
    ("c", 6, 1),
    ("a", 10, 1),
    ("c", 11, 1),
];

/// `(key, event time ms, count)`: a record of `session-windowing`, and (with the
/// session's first time and summed count) its output row.
type Click = (String, i64, u64);

/// `strom run session-windowing` options.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SessionArgs {
    /// CSV of `key,time,count` (time in ms, lines in time order; a first line
    /// starting with `key` is a header) instead of Flink's built-in data, from files
    /// or as the records of `kafka://HOST:PORT/TOPIC?options` (each partition in
    /// time order). The built-in data, as this CSV:
    /// `a,1,1 b,1,1 b,3,1 b,5,1 c,6,1 a,10,1 c,11,1`.
    #[arg(long, value_name = "URL")]
    pub input: Option<String>,
    /// Where the sessions go, one `(key,first time,count)` line each: a file (sorted
    /// by time and key; with checkpoints a folder of part files written exactly once)
    /// or `kafka://HOST:PORT/TOPIC?options` (one record per session, as it closes).
    /// Printed, sorted, when absent.
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
}

impl SessionArgs {
    /// What the job reads and writes, for the checks before launch (a Kafka topic
    /// is checked by the job itself).
    pub fn paths(&self, config: &RuntimeConfig) -> strom_core::storage::JobPaths {
        let not_kafka = |url: &&String| !is_kafka_url(url);
        strom_core::storage::JobPaths {
            inputs: self.input.iter().filter(not_kafka).cloned().collect(),
            outputs: (self.output.iter().filter(not_kafka))
                .map(|url| crate::streamed_output(url, config))
                .collect(),
        }
    }
}

/// Parses line `n` of a sessions CSV (`key,time,count`).
fn parse_click(n: u64, line: &str) -> Result<Option<Click>, String> {
    let line = line.trim();
    if line.is_empty() || (n == 1 && line.starts_with("key")) {
        return Ok(None);
    }
    let f: Vec<&str> = line.split(',').map(str::trim).collect();
    let [key, time, count] = f[..] else {
        return Err("expected key,time,count".into());
    };
    let field = |name: &str, e: &dyn std::fmt::Display| format!("{name}: {e}");
    Ok(Some((
        key.to_string(),
        time.parse().map_err(|e| field("time", &e))?,
        count.parse().map_err(|e| field("count", &e))?,
    )))
}

/// The sessions of `input` (the built-in data when empty): per key and 3 ms
/// session, the first time and the summed count.
fn sessions<'s>(env: &strom_datastream::StreamEnv<'s>, input: &str) -> DataStream<'s, Click> {
    let timestamps = Timestamps::Event(Rc::new(|r: &Click| r.1));
    let strategy = WatermarkStrategy::monotonous();
    let clicks = if is_kafka_url(input) {
        crate::kafka::read(env, input, None, parse_click, timestamps, strategy)
    } else if !input.is_empty() {
        env.read_parsed_lines(
            input,
            FileMode::Bounded,
            parse_click,
            timestamps,
            strategy,
            None,
        )
        .name(&format!("Source: {input}"))
    } else {
        let data: Vec<Click> = (SESSION_DATA.iter())
            .map(|&(k, t, n)| (k.to_string(), t, n))
            .collect();
        let split = OneSplit {
            records: if env.index() == 0 {
                data.into()
            } else {
                Arc::from(Vec::new())
            },
            next: 0,
        };
        env.source("SessionSource", split, timestamps, strategy)
    };
    clicks
        .key_by_field(|r: &Click| &r.0)
        .session_window(Duration::from_millis(3))
        .aggregate(
            || None,
            |acc: &mut Option<Click>, r| match acc {
                Some(a) => a.2 += r.2,
                None => *acc = Some(r.clone()),
            },
            |acc, other| match (acc.as_mut(), other) {
                (Some(a), Some(b)) => {
                    a.1 = a.1.min(b.1);
                    a.2 += b.2;
                }
                (None, b) => *acc = b,
                (_, None) => {}
            },
            |acc| acc.expect("a session has a record"),
        )
        .map(|w| w.value)
}

fn session_line((k, t, n): &Click) -> String {
    format!("({k},{t},{n})")
}

/// Runs `strom run session-windowing`: per key and 3 ms session, `(key,first
/// time,count)`, printed sorted by time and key unless `--output` says where.
///
/// # Errors
/// Unreadable or malformed `--input`, an output that cannot be written, or Kafka
/// brokers that cannot be reached.
pub fn run_sessions(config: &RuntimeConfig, args: &SessionArgs) -> Result<()> {
    let input = args.input.clone().unwrap_or_default();
    let sinks = crate::kafka::Sinks::prepare(config, "session-windowing", &input, [&args.output])?;
    let checkpointed = config.checkpoint_interval.is_some() || config.restore.is_some();
    let output = args.output.clone();
    match output {
        Some(url) if checkpointed || is_kafka_url(&url) => {
            run(config, move |env| {
                let rows = sessions(env, &input);
                if !crate::kafka::write(&rows, &url, session_line, &sinks) {
                    rows.write_lines_exactly_once(&url, session_line);
                }
            })?;
            return Ok(());
        }
        None if checkpointed => bail!("with checkpoints, session-windowing needs --output"),
        _ => {}
    }
    let rows = execute(config, move |env| sessions(env, &input))?;
    if let Some(mut rows) = rows {
        rows.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        let text: String = rows.iter().map(|r| session_line(r) + "\n").collect();
        match &args.output {
            Some(url) => strom_core::storage::resolve(url)?
                .write(bytes::Bytes::from(text))
                .with_context(|| format!("cannot write {url}"))?,
            None => print!("{text}"),
        }
    }
    Ok(())
}
