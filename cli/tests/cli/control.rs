//! Job control end to end, through `strom` commands only: a streaming job is listed,
//! its status and metrics read, a savepoint taken, the job stopped with a savepoint,
//! restored from it and canceled; a third run from the same savepoint ends with
//! exactly the output of an uninterrupted run. A stop publishes nothing after its
//! savepoint; a stop with `--drain` fires the pending windows and publishes them. Errors name the job; the REST API
//! listens on loopback unless told otherwise, and then only with a token.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::recovery::{input_and_reference, published, window_agg};
use crate::support::{scratch, strom};

/// `strom` with the test's own job registry.
pub(crate) fn strom_in(home: &Path) -> Command {
    let mut cmd = strom();
    cmd.env("STROM_HOME", home).env_remove("STROM_REST_TOKEN");
    cmd
}

fn output(home: &Path, args: &[&str]) -> Output {
    strom_in(home).args(args).output().expect("strom runs")
}

/// Runs a job command that must succeed, giving its standard output as JSON.
pub(crate) fn json(home: &Path, args: &[&str]) -> Value {
    let out = output(home, args);
    assert!(
        out.status.success(),
        "strom {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// Runs a job command that must fail, giving its error text.
fn error(home: &Path, args: &[&str]) -> String {
    let out = output(home, args);
    assert!(!out.status.success(), "strom {args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Starts `window-agg` (read at 2000 events/s, checkpoints every second) with `more`.
fn start(home: &Path, input: &Path, out: &Path, chk: &Path, more: &[&str]) -> Child {
    let mut args = window_agg(input, out);
    args.extend(["--rate", "2000", "-w", "2", "--checkpoint-interval", "1s"].map(String::from));
    args.extend(["--checkpoint-dir".into(), chk.display().to_string()]);
    args.extend(more.iter().map(|s| s.to_string()));
    strom_in(home).args(&args).spawn().unwrap()
}

/// The running job of process `pid` in `strom list --json`, once it is there.
pub(crate) fn listed(home: &Path, pid: u32) -> Value {
    let start = Instant::now();
    loop {
        let jobs = json(home, &["list", "--json"]);
        if let Some(job) = jobs
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["pid"].as_u64() == Some(u64::from(pid)))
        {
            return job.clone();
        }
        assert!(start.elapsed() < Duration::from_secs(30), "never listed");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A plain HTTP/1.1 GET of `path` at `url` (`http://host:port`), with `token`: the
/// status code and body.
fn get(url: &str, path: &str, token: Option<&str>) -> (u16, String) {
    http("GET", url, path, token)
}

/// A plain HTTP/1.1 request `method path` to `url` (`http://host:port`), with `token`:
/// the status code and body.
pub(crate) fn http(method: &str, url: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let host = url.strip_prefix("http://").unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Length: 0\r\n\
         Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let code = answer[9..12].parse().unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (code, body)
}

/// Records the operators of a status have received in all.
fn records_in(status: &Value) -> u64 {
    status["operators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["records_in"].as_u64().unwrap())
        .sum()
}

pub(crate) fn wait_for(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the job did not end"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_job_is_listed_watched_savepointed_stopped_restored_and_canceled_through_strom() {
    let dir = scratch("control");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let home = dir.join("home");
    let (input, want) = input_and_reference(&dir);
    let (out, chk, saved) = (dir.join("out"), dir.join("chk"), dir.join("saved"));

    let mut first = start(&home, &input, &out, &chk, &[]);
    let job = listed(&home, first.id());
    let id = job["id"].as_str().unwrap().to_string();
    assert_eq!(job["name"], "window-agg");
    assert_eq!(job["state"], "running");
    let url = job["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "loopback by default: {url}"
    );

    // Status: the operator graph, records that grow, a watermark on the window.
    let before = json(&home, &["status", &id, "--json"]);
    std::thread::sleep(Duration::from_millis(1500));
    let after = json(&home, &["status", &id[..8], "--json"]);
    assert!(records_in(&after) > records_in(&before), "numbers move");
    let ops = after["operators"].as_array().unwrap();
    let window = ops
        .iter()
        .find(|o| o["name"] == WINDOW)
        .expect("the window operator is listed");
    assert_eq!(window["parallelism"], 2);
    assert!(window["watermark"].as_i64().unwrap() > 1_700_000_000_000);
    assert!(!window["inputs"].as_array().unwrap().is_empty(), "edges");
    let (code, metrics) = get(&url, "/metrics", None);
    assert_eq!(code, 200);
    assert!(
        metrics.contains("strom_operator_records_in_total{job=\"window-agg\""),
        "{metrics}"
    );
    let (code, page) = get(&url, "/", None);
    assert!(code == 200 && page.contains("<svg id=\"graph\""));

    // A savepoint, one into a folder that cannot be written, a stop with a savepoint.
    let sp = json(&home, &["savepoint", &id, "--json"]);
    let sp = sp["path"].as_str().unwrap();
    assert!(Path::new(sp).join("COMMITTED").exists(), "{sp}");
    let bad = dir.join("a-file");
    std::fs::write(&bad, "").unwrap();
    let bad_dir = bad.join("savepoints");
    let message = error(
        &home,
        &["savepoint", &id, "--dir", bad_dir.to_str().unwrap()],
    );
    assert!(
        message.contains(&id) && message.contains("cannot write the savepoint folder"),
        "{message}"
    );
    let stopped = json(
        &home,
        &[
            "stop",
            &id,
            "--savepoint-dir",
            saved.to_str().unwrap(),
            "--json",
        ],
    );
    let savepoint = stopped["path"].as_str().unwrap().to_string();
    assert!(
        savepoint.starts_with(saved.to_str().unwrap()),
        "{savepoint}"
    );
    assert!(wait_for(&mut first).success());
    let last = part_epochs(&out).into_iter().max();
    assert!(
        last <= Some(epoch_of(&savepoint)),
        "not drained: nothing after the savepoint is published (part epoch {last:?})"
    );
    let all = json(&home, &["list", "--all", "--json"]);
    assert_eq!(all[0]["state"], "stopped");
    let message = error(&home, &["savepoint", &id]);
    assert!(
        message.contains(&id) && message.contains("already stopped"),
        "{message}"
    );
    let message = error(&home, &["status", "0123456789abcdef"]);
    assert!(
        message.contains("unknown job \"0123456789abcdef\""),
        "{message}"
    );

    // Restored from the savepoint, then canceled.
    let elsewhere = dir.join("out-canceled");
    let mut second = start(&home, &input, &elsewhere, &chk, &["--restore", &savepoint]);
    let job = listed(&home, second.id());
    let second_id = job["id"].as_str().unwrap().to_string();
    assert_ne!(second_id, id);
    let canceled = json(&home, &["cancel", &second_id, "--json"]);
    assert_eq!(canceled["state"], "canceled");
    assert_eq!(wait_for(&mut second).code(), Some(3), "canceled: status 3");
    let message = error(&home, &["cancel", &second_id]);
    assert!(message.contains("already canceled"), "{message}");

    // The savepoint is usable: a run from it completes the first run's output.
    let mut third = start(&home, &input, &out, &chk, &["--restore", &savepoint]);
    assert!(wait_for(&mut third).success());
    assert_eq!(
        published(&out),
        want,
        "the stopped run plus the restored one"
    );
}

/// The epochs of the part files published in `dir` (`part-<epoch>-<worker>.csv`).
fn part_epochs(dir: &Path) -> Vec<u64> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_prefix("part-")?.split('-').next()?.parse().ok()
        })
        .collect()
}

/// The epoch of the savepoint at `path` (`.../savepoint-<epoch>`).
fn epoch_of(savepoint: &str) -> u64 {
    let name = savepoint.rsplit('/').next().unwrap();
    name.strip_prefix("savepoint-").unwrap().parse().unwrap()
}

/// A `window-agg` job in the scratch folder `name` (see [`start`]), once it has read
/// some of its input.
struct Reading {
    home: std::path::PathBuf,
    input: std::path::PathBuf,
    want: Vec<String>,
    out: std::path::PathBuf,
    chk: std::path::PathBuf,
    job: Child,
    id: String,
}

fn reading(name: &str) -> Reading {
    let dir = scratch(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let home = dir.join("home");
    let (input, want) = input_and_reference(&dir);
    let (out, chk) = (dir.join("out"), dir.join("chk"));
    let job = start(&home, &input, &out, &chk, &[]);
    let id = listed(&home, job.id())["id"].as_str().unwrap().to_string();
    let start_at = Instant::now();
    while records_in(&json(&home, &["status", &id, "--json"])) < 2_000 {
        assert!(start_at.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(100));
    }
    Reading {
        home,
        input,
        want,
        out,
        chk,
        job,
        id,
    }
}

#[test]
fn stop_with_drain_fires_and_publishes_the_pending_windows() {
    let Reading {
        home,
        out,
        mut job,
        id,
        ..
    } = reading("control-drain");
    let stopped = json(&home, &["stop", &id, "--drain", "--json"]);
    let savepoint = stopped["path"].as_str().unwrap().to_string();
    assert!(wait_for(&mut job).success());
    let all = json(&home, &["list", "--all", "--json"]);
    assert_eq!(all[0]["state"], "stopped");
    // The windows pending at the stop fired at the end of the input that was read,
    // after the savepoint, and that output is published.
    let last = part_epochs(&out).into_iter().max();
    assert!(
        last > Some(epoch_of(&savepoint)),
        "drained output after the savepoint's epoch {savepoint}: last part epoch {last:?}"
    );
}

/// A token long enough for an endpoint beyond loopback.
const TOKEN: &str = "s3cret-and-longer-than-16";

#[test]
fn beyond_loopback_the_rest_api_needs_a_token() {
    let dir = scratch("control-token");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let home = dir.join("home");
    let input = dir.join("events.csv");
    crate::window_agg::write_events(&input, 20_000, 2_000);
    let (out, chk) = (dir.join("out"), dir.join("chk"));

    let refused = start(&home, &input, &out, &chk, &["--rest-address", "0.0.0.0:0"]);
    let result = refused.wait_with_output().unwrap();
    assert!(!result.status.success());
    let mut job = start(
        &home,
        &input,
        &out,
        &chk,
        &["--rest-address", "0.0.0.0:0", "--rest-token", TOKEN],
    );
    let entry = listed(&home, job.id());
    let url = entry["url"].as_str().unwrap();
    assert!(entry.get("token").is_none(), "list does not show the token");
    let (code, body) = get(url, "/api/v1/job", None);
    assert_eq!(code, 401, "{body}");
    assert!(body.contains("needs the job's token"), "{body}");
    assert_eq!(get(url, "/metrics", Some("wrong")).0, 401);
    let (code, body) = get(url, "/api/v1/job", Some(TOKEN));
    assert_eq!(code, 200, "{body}");
    // `strom` commands carry the token the registry keeps for the user.
    let id = entry["id"].as_str().unwrap();
    let status = json(&home, &["status", id, "--json"]);
    assert_eq!(status["state"], "running");
    json(&home, &["cancel", id, "--json"]);
    assert_eq!(wait_for(&mut job).code(), Some(3));
}

/// The page as headless Chromium renders it after its script ran for a while.
fn rendered(chromium: &Path, url: &str) -> String {
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=2500",
            "--dump-dom",
            url,
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The cells of the operators table's row for operator `id`.
fn row(dom: &str, id: &str) -> Vec<String> {
    let start = dom
        .find(&format!("<tr data-id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no row for operator {id} in the page"));
    let end = start + dom[start..].find("</tr>").unwrap();
    dom[start..end]
        .split("<td>")
        .skip(1)
        .map(|c| c.split("</td>").next().unwrap().to_string())
        .collect()
}

/// The window operator as the window-agg job names it.
const WINDOW: &str = "Window tumbling 1s: count, sum";

#[test]
fn the_status_page_shows_the_graph_and_live_numbers_in_headless_chromium() {
    let chromium = match crate::support::chromium() {
        Ok(c) => c,
        Err(why) => return crate::support::skip("the_status_page_...", &why),
    };
    let dir = scratch("control-page");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let home = dir.join("home");
    let input = dir.join("events.csv");
    // 50 s of input: the job outlives the page's rendering on a loaded machine.
    crate::window_agg::write_events(&input, 100_000, 2_000);
    let mut job = start(&home, &input, &dir.join("out"), &dir.join("chk"), &[]);
    let entry = listed(&home, job.id());
    let url = format!("{}/", entry["url"].as_str().unwrap());
    let first = rendered(&chromium, &url);
    std::thread::sleep(Duration::from_millis(1500));
    let second = rendered(&chromium, &url);
    let status = json(&home, &["status", entry["id"].as_str().unwrap(), "--json"]);
    let window = status["operators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == WINDOW)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    for dom in [&first, &second] {
        assert!(dom.contains("window-agg ("), "the title names the job");
        // (The script's own template has `data-id="${...}"`.)
        let nodes = dom.matches("class=\"node\" data-id=\"0.").count();
        assert_eq!(
            nodes,
            status["operators"].as_array().unwrap().len(),
            "a box per operator"
        );
        assert!(dom.contains("class=\"edge\""), "edges between them");
        assert!(
            dom.contains(&format!(">{WINDOW} ×2<")),
            "the window with its parallelism"
        );
        assert!(dom.contains(">Source: "), "the source named by its input");
        for internal in [
            "Feedback",
            "TimestampedSource",
            "FileSource",
            "EventTimeWindow",
        ] {
            assert!(!dom.contains(internal), "{internal} is plumbing, not shown");
        }
        assert!(
            !dom.contains("1970-"),
            "no watermark before the first is 1970"
        );
    }
    let (before, after) = (row(&first, &window), row(&second, &window));
    assert_eq!(before[1], WINDOW);
    assert_ne!(
        before[3], after[3],
        "records in move: {before:?} then {after:?}"
    );
    assert!(
        after[7].starts_with("2023-") || after[7].starts_with("2024-"),
        "watermark {after:?}"
    );
    let shot = dir.join("status-page.png");
    let taken = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1300,1000",
        ])
        .args(["--virtual-time-budget=2500", "--hide-scrollbars"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(taken.status.success() && shot.metadata().unwrap().len() > 10_000);
    eprintln!("status page screenshot: {}", shot.display());
    json(&home, &["cancel", entry["id"].as_str().unwrap(), "--json"]);
    assert_eq!(wait_for(&mut job).code(), Some(3));
}

#[test]
fn sigterm_stops_a_checkpointing_job_with_a_final_savepoint_it_resumes_from() {
    let Reading {
        home,
        input,
        want,
        out,
        chk,
        mut job,
        ..
    } = reading("control-sigterm");
    Command::new("kill")
        .args(["-TERM", &job.id().to_string()])
        .status()
        .unwrap();
    assert!(wait_for(&mut job).success(), "a graceful stop succeeds");
    let all = json(&home, &["list", "--all", "--json"]);
    assert_eq!(all[0]["state"], "stopped");
    let partial = published(&out);
    assert!(partial.len() < want.len(), "stopped before the end");
    let mut resumed = start(&home, &input, &out, &chk, &["--restore", "latest"]);
    assert!(wait_for(&mut resumed).success());
    assert_eq!(
        published(&out),
        want,
        "the stopped run plus the resumed one"
    );
}
