//! `strom list|status|savepoint|stop|cancel`: the registry read, the job's endpoint
//! called, the answer printed as a table or line (or JSON with `--json`).

use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use serde::de::DeserializeOwned;

use super::registry::{self, JobEntry};
use super::{ApiError, JobStatus, SavepointReply};

/// Calls `method path` on `job`'s endpoint and reads its JSON answer.
fn call<T: DeserializeOwned>(job: &JobEntry, method: &str, path: &str) -> Result<T> {
    let name = format!("job {} ({})", job.id, job.name);
    if !job.is_running() {
        bail!(
            "{name} already {}: it has no endpoint to ask",
            ended(&job.state)
        );
    }
    let url = format!("{}{path}", job.url);
    let (method, token) = (method.to_string(), registry::token(job));
    let (status, body) = strom_core::io_runtime::block_on(async move {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(180))
            .build()?;
        let request = match method.as_str() {
            "POST" => client.post(&url),
            _ => client.get(&url),
        };
        let request = match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        };
        let answer = request.send().await?;
        let status = answer.status();
        Ok::<_, reqwest::Error>((status, answer.text().await?))
    })
    .map_err(|e| anyhow!("{name}: its endpoint {} does not answer: {e}", job.url))?;
    if !status.is_success() {
        let message = serde_json::from_str::<ApiError>(&body).map_or(body, |e| e.error);
        bail!("{message}");
    }
    serde_json::from_str(&body).with_context(|| format!("{name}: an answer that is not JSON"))
}

fn ended(state: &str) -> &str {
    match state {
        "lost" => "ended without saying so (its process is gone)",
        "finished" => "finished",
        other => other,
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("answers serialise")
}

/// `strom list`: running jobs (every job with `all`).
pub fn list(all: bool, as_json: bool) -> Result<()> {
    let jobs: Vec<_> = registry::all()
        .into_iter()
        .filter(|j| all || j.is_running())
        .map(|mut j| {
            j.token = None;
            j
        })
        .collect();
    if as_json {
        println!("{}", json(&jobs));
        return Ok(());
    }
    if jobs.is_empty() {
        println!("no running jobs (`strom list --all` shows ended ones)");
        return Ok(());
    }
    println!(
        "{:<16}  {:<24}  {:<9}  {:<8}  URL",
        "ID", "NAME", "STATE", "PID"
    );
    for j in jobs {
        println!(
            "{:<16}  {:<24}  {:<9}  {:<8}  {}",
            j.id, j.name, j.state, j.pid, j.url
        );
    }
    Ok(())
}

/// A number with thousands separated.
fn count(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.1}M", n / 1e6)
    } else if n >= 1e4 {
        format!("{:.1}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

/// `strom status JOB`.
pub fn status(reference: &str, as_json: bool) -> Result<()> {
    let job = registry::find(reference)?;
    let status: JobStatus = call(&job, "GET", "/api/v1/job")?;
    if as_json {
        println!("{}", json(&status));
        return Ok(());
    }
    println!(
        "job {} ({}): {}, up {:.1} s, {} worker(s) x {} process(es), {}",
        status.job.id,
        status.job.name,
        status.job.state,
        status.uptime_ms as f64 / 1000.0,
        status.workers,
        status.processes,
        status.job.url
    );
    if let Some(token) = registry::token(&job) {
        println!("status page: {}", page_link(&job.url, &token));
    }
    println!(
        "\n{:<8} {:<40} {:>4} {:>10} {:>10} {:>9} {:>9} {:>12} {:>8}",
        "ID", "OPERATOR", "PAR", "IN", "OUT", "IN/S", "OUT/S", "WM LAG", "BLOCKED"
    );
    for o in &status.operators {
        let v = &o.view;
        let lag = o
            .watermark_lag_ms
            .map_or("-".to_string(), |l| format!("{:.1} s", l as f64 / 1000.0));
        println!(
            "{:<8} {:<40} {:>4} {:>10} {:>10} {:>9} {:>9} {:>12} {:>6} s",
            v.id,
            short(&v.name, 40),
            v.parallelism,
            count(v.records_in as f64),
            count(v.records_out as f64),
            count(o.rate_in),
            count(o.rate_out),
            lag,
            v.backpressure_ms / 1000
        );
    }
    if !status.checkpoints.is_empty() {
        println!(
            "\n{:>6} {:<10} {:>9} {:>10}  PATH",
            "ID", "KIND", "MS", "BYTES"
        );
        for c in status.checkpoints.iter().rev().take(10) {
            println!(
                "{:>6} {:<10} {:>9} {:>10}  {}",
                c.id, c.kind, c.duration_ms, c.bytes, c.path
            );
        }
    }
    for e in &status.exceptions {
        println!("\nexception: {}", e.message);
    }
    Ok(())
}

/// `strom savepoint JOB [--stop]`: a savepoint (copied into `dir`), and with `stop` the
/// job ends after it (not drained).
pub fn savepoint(reference: &str, dir: Option<&str>, stop: bool, as_json: bool) -> Result<()> {
    let path = if stop {
        "/api/v1/stop"
    } else {
        "/api/v1/savepoint"
    };
    ask(reference, path, dir, false, as_json)
}

/// `strom stop JOB [--drain]`: a savepoint (copied into `dir`), then the job ends;
/// with `drain`, after firing every pending window and timer.
pub fn stop(reference: &str, dir: Option<&str>, drain: bool, as_json: bool) -> Result<()> {
    ask(reference, "/api/v1/stop", dir, drain, as_json)
}

/// Posts a savepoint request to `path` of the job and prints the savepoint's path.
fn ask(reference: &str, path: &str, dir: Option<&str>, drain: bool, as_json: bool) -> Result<()> {
    let job = registry::find(reference)?;
    let mut query = Vec::new();
    if let Some(dir) = dir {
        query.push(format!("dir={}", url_encode(dir)));
    }
    if drain {
        query.push("drain=true".to_string());
    }
    let path = if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    };
    let reply: SavepointReply = call(&job, "POST", &path)?;
    if as_json {
        println!("{}", json(&reply));
    } else {
        println!("{}", reply.path);
    }
    Ok(())
}

/// `strom cancel JOB`.
pub fn cancel(reference: &str, as_json: bool) -> Result<()> {
    let job = registry::find(reference)?;
    let mut entry: JobEntry = call(&job, "POST", "/api/v1/cancel")?;
    entry.token = None;
    if as_json {
        println!("{}", json(&entry));
    } else {
        println!("job {} ({}) canceled", entry.id, entry.name);
    }
    Ok(())
}

/// The status page's link for its owner: the job's URL with its token.
pub fn page_link(url: &str, token: &str) -> String {
    format!("{url}/?token={}", url_encode(token))
}

/// `text` with every byte but unreserved ones percent-encoded (a query value).
fn url_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `name` in at most `width` characters, cut with `…`.
fn short(name: &str, width: usize) -> String {
    match name.chars().count() > width {
        true => name.chars().take(width - 1).chain(['…']).collect(),
        false => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(super::url_encode("s3://b/a dir"), "s3%3A%2F%2Fb%2Fa%20dir");
    }
}
