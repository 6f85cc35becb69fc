//! `strom-bench cep`: Strom's CEP operator against Flink SQL `MATCH_RECOGNIZE` (PyFlink)
//! and against Strom's own NFA run per key without a dataflow (the single-threaded
//! baseline: what the operator adds to the NFA), on the same generated events.
//!
//! Events are `(key, kind, time)`: event `i` has time `i` ms, a key and a kind 0..3
//! from a hash of `i`. Two patterns, per key:
//!
//! - `strict`: `A B+ C` in strict contiguity (kinds 0, 1+, 2) within `--window-ms`,
//!   skipping past the last event (SQL: `PATTERN (A B+ C) WITHIN ...`,
//!   `AFTER MATCH SKIP PAST LAST ROW`). Rows `key,a_time,b_count,c_time` must be equal
//!   in every engine before any number is printed.
//! - `any`: `A followed_by_any B one_or_more followed_by C` within `--window-ms` (no SQL
//!   form): its partial matches grow with every B (Flink CEP's known memory blow-up).
//!   Run in Strom, its NFA baseline and Flink's Java CEP library
//!   (`peers/FlinkCepAny.java`, compiled with `javac` against the jars of the PyFlink
//!   install, which ships `flink-cep`); rows checked equal in all three, match count
//!   and peak memory printed.
//!
//! Each engine runs in a child process (`strom-bench cep-engine ...`, or Python for
//! Flink) measured from outside: processing time and the peak resident memory of its
//! process tree.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use strom_cep::{AfterMatchSkipStrategy, Match, Nfa, Pattern, pattern};
use strom_core::RuntimeConfig;
use strom_datastream::{Generator, Timestamps, WatermarkStrategy, execute};

use crate::compare::{measure, peers};

/// `strom-bench cep` options.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct CepArgs {
    /// Events of the `strict` pattern's runs.
    #[arg(long, default_value_t = 2_000_000)]
    pub(crate) events: u64,
    /// Distinct keys.
    #[arg(long, default_value_t = 1_000)]
    pub(crate) keys: u32,
    /// `within` of both patterns (ms of event time; events are 1 ms apart).
    #[arg(long, default_value_t = 10_000)]
    pub(crate) window_ms: i64,
    /// Events of the `any` pattern's runs (its partial matches grow fast).
    #[arg(long, default_value_t = 200_000)]
    pub(crate) any_events: u64,
    /// Distinct keys of the `any` pattern's runs (fewer keys: more events per window).
    #[arg(long, default_value_t = 100)]
    pub(crate) any_keys: u32,
    /// Skip Flink (when PyFlink is not installed: `strom-bench setup`).
    #[arg(long)]
    pub(crate) no_flink: bool,
}

/// An event: (key, kind, time ms).
pub(crate) type Ev = (u32, u8, i64);

/// A match as a row: (key, first A time, B count, C time).
type Row = (u32, i64, usize, i64);

/// Event `i` of `keys` keys.
pub(crate) fn event(i: u64, keys: u32) -> Ev {
    let h = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let h = h ^ (h >> 29);
    (
        ((h >> 32) % u64::from(keys)) as u32,
        ((h >> 8) % 4) as u8,
        i as i64,
    )
}

fn kind(k: u8) -> impl Fn(&Ev) -> bool + Send + Sync + 'static {
    move |e: &Ev| e.1 == k
}

/// The pattern called `which` (`strict` or `any`).
pub(crate) fn cep_pattern(which: &str, window_ms: i64) -> Result<Pattern<Ev>> {
    let within = Duration::from_millis(window_ms as u64);
    Ok(match which {
        "strict" => Pattern::begin_with_skip("a", AfterMatchSkipStrategy::SkipPastLastEvent)
            .where_(kind(0))
            .next("b")
            .where_(kind(1))
            .one_or_more()
            .consecutive()
            .greedy()
            .next("c")
            .where_(kind(2))
            .within(within),
        "any" => Pattern::begin("a")
            .where_(kind(0))
            .followed_by_any("b")
            .where_(kind(1))
            .one_or_more()
            .followed_by("c")
            .where_(kind(2))
            .within(within),
        other => bail!("unknown CEP pattern {other:?} (strict or any)"),
    })
}

fn row(m: &Match<Ev>) -> Row {
    let a = m.get("a")[0];
    (a.0, a.2, m.get("b").len(), m.get("c")[0].2)
}

/// The matches of Strom's operator at `workers` workers.
fn run_strom(workers: usize, which: &str, events: u64, keys: u32, window: i64) -> Result<Vec<Row>> {
    let p = cep_pattern(which, window)?;
    let rows = execute(
        &RuntimeConfig::default().with_workers(workers),
        move |env| {
            let events = env.generate(
                Generator {
                    count: Some(events),
                    rate: None,
                },
                move |i| event(i, keys),
                Timestamps::Event(Rc::new(|e: &Ev| e.2)),
                WatermarkStrategy::bounded_out_of_orderness(Duration::ZERO),
            );
            pattern(events.key_by(|e: &Ev| e.0), &p)
                .expect("a valid pattern")
                .select(|m| row(&m))
        },
    )?;
    Ok(rows.unwrap_or_default())
}

/// The matches of the NFA harness run per key in one thread (the baseline).
fn run_nfa(which: &str, events: u64, keys: u32, window: i64) -> Result<Vec<Row>> {
    let p = cep_pattern(which, window)?;
    let mut nfas: Vec<Nfa<Ev>> = (0..keys)
        .map(|_| Nfa::compile(&p))
        .collect::<strom_cep::Result<_>>()?;
    let mut rows = Vec::new();
    for i in 0..events {
        let e = event(i, keys);
        let nfa = &mut nfas[e.0 as usize];
        let (m, _) = nfa.advance_time(e.2)?;
        rows.extend(m.iter().map(row));
        rows.extend(nfa.process(e, e.2)?.iter().map(row));
    }
    for nfa in &mut nfas {
        rows.extend(nfa.advance_time(i64::MAX / 2)?.0.iter().map(row));
    }
    Ok(rows)
}

fn write_rows(out: &Path, mut rows: Vec<Row>) -> Result<()> {
    rows.sort_unstable();
    let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
    for r in rows {
        writeln!(w, "{},{},{},{}", r.0, r.1, r.2, r.3)?;
    }
    w.flush()?;
    Ok(())
}

/// (Internal) `cep-engine ENGINE WORKERS WHICH EVENTS KEYS WINDOW OUT`: one run in
/// this process, rows to OUT, its processing time printed as a `STROM_BENCH` line.
pub(crate) fn engine(args: &[String]) -> Result<()> {
    let [engine, workers, which, events, keys, window, out] = args else {
        bail!("usage: strom-bench cep-engine ENGINE WORKERS WHICH EVENTS KEYS WINDOW OUT");
    };
    let (workers, events, keys, window) = (
        workers.parse().context("WORKERS")?,
        events.parse().context("EVENTS")?,
        keys.parse().context("KEYS")?,
        window.parse().context("WINDOW")?,
    );
    let started = Instant::now();
    let rows = match engine.as_str() {
        "strom" => run_strom(workers, which, events, keys, window)?,
        "nfa" => run_nfa(which, events, keys, window)?,
        other => bail!("unknown engine {other:?} (strom or nfa)"),
    };
    let seconds = started.elapsed().as_secs_f64();
    write_rows(Path::new(out), rows)?;
    println!("STROM_BENCH {{\"processing_s\": {seconds}}}");
    Ok(())
}

/// The events as CSV (`key,kind,time`) for Flink, written once.
fn events_csv(data: &Path, events: u64, keys: u32) -> Result<PathBuf> {
    let path = data.join(format!("cep/events-{events}-{keys}.csv"));
    if path.exists() {
        return Ok(path);
    }
    std::fs::create_dir_all(path.parent().expect("a folder"))?;
    let tmp = path.with_extension("tmp");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    for i in 0..events {
        let e = event(i, keys);
        writeln!(w, "{},{},{}", e.0, e.1, e.2)?;
    }
    w.flush()?;
    drop(w);
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// Flink's rows: its CSV part files under `dir`, sorted.
fn flink_rows(dir: &Path) -> Result<Vec<String>> {
    let mut rows = Vec::new();
    for entry in walk(dir)? {
        let text = std::fs::read_to_string(&entry)?;
        rows.extend(text.lines().filter(|l| !l.is_empty()).map(String::from));
    }
    rows.sort();
    Ok(rows)
}

fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else if !name.is_some_and(|n| n.starts_with('.') || n.starts_with('_')) {
            out.push(path);
        }
    }
    Ok(out)
}

fn sorted_lines(path: &Path) -> Result<Vec<String>> {
    let mut v: Vec<String> = std::fs::read_to_string(path)?
        .lines()
        .map(String::from)
        .collect();
    v.sort();
    Ok(v)
}

/// One engine's cost and its rows (sorted CSV lines).
struct Run {
    cost: measure::Cost,
    rows: Vec<String>,
}

/// Runs `cmd` measured from outside (its time and peak memory), then reads its rows
/// with `rows`.
fn measured(cmd: Command, rows: impl FnOnce() -> Result<Vec<String>>) -> Result<Run> {
    let m = measure::run_reporting(cmd)?;
    if let Some(e) = m.error {
        bail!(e);
    }
    Ok(Run {
        cost: m.cost,
        rows: rows()?,
    })
}

fn own(
    data: &Path,
    engine: &str,
    workers: usize,
    which: &str,
    (events, keys): (u64, u32),
    a: &CepArgs,
) -> Result<Run> {
    let out = data.join(format!("cep/{engine}-{which}-{workers}.csv"));
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("cep-engine").args([
        engine.to_string(),
        workers.to_string(),
        which.to_string(),
        events.to_string(),
        keys.to_string(),
        a.window_ms.to_string(),
        out.to_string_lossy().into_owned(),
    ]);
    measured(cmd, || sorted_lines(&out))
}

fn flink(data: &Path, workers: usize, a: &CepArgs) -> Result<Run> {
    let input = events_csv(data, a.events, a.keys)?;
    let out = data.join(format!("cep/flink-strict-{workers}"));
    let _ = std::fs::remove_dir_all(&out);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/flink_cep.py");
    let mut cmd = Command::new(peers::home(data).join("flink/bin/python"));
    cmd.arg(script)
        .arg(workers.to_string())
        .arg(&input)
        .arg(&out)
        .arg(a.window_ms.to_string());
    measured(cmd, || flink_rows(&out))
}

/// The folder of PyFlink's jars in the Flink environment.
fn flink_jars(data: &Path) -> Result<PathBuf> {
    let lib = peers::home(data).join("flink/lib");
    for entry in std::fs::read_dir(&lib).with_context(|| format!("reading {}", lib.display()))? {
        let jars = entry?.path().join("site-packages/pyflink/lib");
        if jars.is_dir() {
            return Ok(jars);
        }
    }
    bail!("no pyflink/lib under {}", lib.display())
}

/// The `any` pattern on Flink's Java CEP: `FlinkCepAny.java` compiled once (into the
/// data folder), run on the JVM with PyFlink's jars.
fn flink_any(data: &Path, workers: usize, a: &CepArgs) -> Result<Run> {
    let input = events_csv(data, a.any_events, a.any_keys)?;
    let jars = flink_jars(data)?;
    let classpath = format!("{}/*", jars.display());
    let classes = data.join("cep/classes");
    if !classes.join("FlinkCepAny.class").exists() {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/FlinkCepAny.java");
        let status = Command::new("javac")
            .arg("-d")
            .arg(&classes)
            .args(["-cp", &classpath])
            .arg(source)
            .status()
            .context("javac (a JDK 17 or later) compiles the Flink CEP job")?;
        ensure!(status.success(), "javac failed on FlinkCepAny.java");
    }
    let out = data.join(format!("cep/flink-any-{workers}.csv"));
    let mut cmd = Command::new("java");
    cmd.arg("-cp")
        .arg(format!("{classpath}:{}", classes.display()))
        .arg("FlinkCepAny")
        .arg(workers.to_string())
        .arg(&input)
        .arg(&out)
        .arg(a.window_ms.to_string());
    measured(cmd, || sorted_lines(&out))
}

fn print_row(engine: &str, workers: usize, events: u64, run: &Run, base: f64) {
    let t = run.cost.processing_s;
    println!(
        "| {engine} | {workers} | {} | {t:.2} | {:.0} | {:.0} | {:.2} |",
        run.rows.len(),
        events as f64 / t / workers as f64,
        run.cost.peak_rss as f64 / f64::from(1 << 20),
        base / t
    );
}

/// The NFA baseline and Strom at each worker count on pattern `which`, matches checked
/// equal; gives the baseline's run.
fn section(
    data: &Path,
    which: &str,
    (events, keys): (u64, u32),
    workers: &[usize],
    a: &CepArgs,
) -> Result<Run> {
    println!(
        "\n`{which}`, {events} events over {keys} keys\n\n| engine | workers | matches | \
         seconds | events/s per worker | peak MiB | NFA-baseline time / time |"
    );
    println!("|---|---|---|---|---|---|---|");
    let base = own(data, "nfa", 1, which, (events, keys), a)?;
    let b = base.cost.processing_s;
    print_row("NFA per key, 1 thread", 1, events, &base, b);
    for &w in workers {
        let run = own(data, "strom", w, which, (events, keys), a)?;
        ensure!(
            run.rows == base.rows,
            "strom's `{which}` matches at {w} workers differ from the NFA baseline's"
        );
        print_row("strom", w, events, &run, b);
    }
    Ok(base)
}

/// Runs a peer engine at each worker count, its rows checked equal to the NFA
/// baseline's, and prints its rows of the table.
fn peer(
    engine: &str,
    run: impl Fn(usize) -> Result<Run>,
    events: u64,
    workers: &[usize],
    base: &Run,
) -> Result<()> {
    for &w in workers {
        let r = run(w)?;
        ensure!(
            r.rows == base.rows,
            "{engine}'s matches at {w} workers ({}) differ from Strom's ({})",
            r.rows.len(),
            base.rows.len()
        );
        print_row(engine, w, events, &r, base.cost.processing_s);
    }
    Ok(())
}

/// Runs `strom-bench cep`.
pub(crate) fn bench(a: &CepArgs, workers: &[usize], data: &Path) -> Result<()> {
    ensure!(
        a.keys > 0 && a.events > 0,
        "--keys and --events must be positive"
    );
    std::fs::create_dir_all(data.join("cep"))?;
    let flink_ready = !a.no_flink && peers::installed(data, "flink");
    if !a.no_flink && !flink_ready {
        bail!("Flink is not installed: run `strom-bench setup`, or pass --no-flink");
    }
    println!(
        "CEP within {} ms; processing seconds, events/s per worker, peak RSS of the \
         process tree. `strict`: A B+ C, strict, skip past last event; `any`: A \
         followed_by_any B+ followed_by C",
        a.window_ms
    );
    let base = section(data, "strict", (a.events, a.keys), workers, a)?;
    if flink_ready {
        let run = |w| flink(data, w, a);
        peer("flink MATCH_RECOGNIZE", run, a.events, workers, &base)?;
    }
    println!("(matches equal in every engine)");
    let base = section(data, "any", (a.any_events, a.any_keys), workers, a)?;
    if flink_ready {
        let run = |w| flink_any(data, w, a);
        peer("flink CEP (Java)", run, a.any_events, workers, &base)?;
        println!("(matches equal in every engine)");
    }
    Ok(())
}
