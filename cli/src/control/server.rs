//! The REST endpoint a running job serves, on the I/O runtime (axum): reads of the
//! job's numbers, and the requests that steer it (savepoint, stop, cancel).
//!
//! | method and path          | answer                                              |
//! |--------------------------|-----------------------------------------------------|
//! | `GET /`                  | the status page                                     |
//! | `GET /api/v1/job`        | [`JobStatus`]: overview, operators, checkpoints     |
//! | `GET /api/v1/operators`  | the operators with records, rates, watermarks       |
//! | `GET /api/v1/checkpoints`| checkpoint history                                  |
//! | `GET /api/v1/exceptions` | failures                                            |
//! | `POST /api/v1/savepoint` | `?dir=URL`: takes a savepoint ([`SavepointReply`])  |
//! | `POST /api/v1/stop`      | `?dir=URL`: stops with a savepoint; `&drain=true`   |
//! |                          | fires every pending window first (`stop --drain`)   |
//! | `POST /api/v1/cancel`    | cancels (the process ends with status 3)            |
//! | `GET /metrics`           | Prometheus text                                     |
//!
//! Every job has a token (`--rest-token`, at least 16 characters, or one made up per job
//! on loopback), kept in a file only its user can read next to the registry entry
//! (`$STROM_HOME/jobs/ID.token`). Requests that change the job (savepoint, stop,
//! cancel) must carry it (`Authorization: Bearer TOKEN`, or `?token=TOKEN` as the
//! status page does); beyond loopback every request must. `strom status` prints the
//! page's link with the token.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use strom_core::RuntimeConfig;
use strom_core::metrics;
use strom_datastream::checkpoint::Request as SavepointRequest;

use super::registry::{self, JobEntry};
use super::{ApiError, JobStatus, OperatorStatus, SavepointReply};

/// The exit status of a canceled job.
pub const CANCELED_EXIT: i32 = 3;
/// How long a savepoint request waits for the savepoint.
const SAVEPOINT_TIMEOUT: Duration = Duration::from_secs(120);

/// Where and how the endpoint listens.
#[derive(Clone, Debug)]
pub struct RestOptions {
    /// `HOST:PORT` (port 0: a free one).
    pub address: String,
    /// The token requests must carry (at least [`MIN_TOKEN`] characters; required
    /// beyond loopback, made up per job on loopback).
    pub token: Option<String>,
    /// The job's id.
    pub id: String,
}

/// The shortest token accepted for an endpoint beyond loopback.
pub const MIN_TOKEN: usize = 16;

/// The running job as its endpoint sees it.
struct Control {
    entry: Mutex<JobEntry>,
    started: Instant,
    token: String,
    /// Whether it listens on loopback only (reads then need no token).
    loopback: bool,
    checkpoint_dir: Option<String>,
    workers: usize,
    processes: usize,
    rates: Mutex<Rates>,
}

/// Records in and out by operator id.
type Counts = HashMap<String, (u64, u64)>;

/// Records per second by operator, from the two newest samples.
#[derive(Default)]
struct Rates {
    last: Option<(Instant, Counts)>,
    per_second: HashMap<String, (f64, f64)>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Control {
    fn entry(&self) -> JobEntry {
        lock(&self.entry).clone()
    }

    fn set_state(&self, state: &str, ended: bool) {
        let mut entry = lock(&self.entry);
        entry.state = state.into();
        if ended {
            entry.ended_ms = Some(now_ms());
        }
        if let Err(e) = registry::write(&entry) {
            tracing::warn!("job {}: {e:#}", entry.id);
        }
    }

    /// Takes a sample of the operators' records for the rates.
    fn sample(&self) {
        let now = Instant::now();
        let counts: Counts = metrics::operators()
            .into_iter()
            .map(|o| (o.id, (o.records_in, o.records_out)))
            .collect();
        let mut rates = lock(&self.rates);
        if let Some((at, before)) = &rates.last {
            let secs = now.duration_since(*at).as_secs_f64().max(1e-3);
            let per_second = counts
                .iter()
                .map(|(id, (i, o))| {
                    let (bi, bo) = before.get(id).copied().unwrap_or((0, 0));
                    let rate = |now: u64, then: u64| now.saturating_sub(then) as f64 / secs;
                    (id.clone(), (rate(*i, bi), rate(*o, bo)))
                })
                .collect();
            rates.per_second = per_second;
        }
        rates.last = Some((now, counts));
    }

    fn operators(&self) -> Vec<OperatorStatus> {
        let rates = lock(&self.rates);
        let now = now_ms();
        metrics::operators()
            .into_iter()
            .map(|view| {
                let (rate_in, rate_out) =
                    rates.per_second.get(&view.id).copied().unwrap_or_default();
                let watermark_lag_ms = view
                    .watermark
                    .filter(|w| *w > i64::MIN / 2)
                    .map(|w| now.saturating_sub(w));
                OperatorStatus {
                    view,
                    rate_in,
                    rate_out,
                    watermark_lag_ms,
                }
            })
            .collect()
    }

    fn status(&self) -> JobStatus {
        let mut job = self.entry();
        job.token = None;
        JobStatus {
            job,
            uptime_ms: self.started.elapsed().as_millis() as u64,
            workers: self.workers,
            processes: self.processes,
            checkpoint_dir: self.checkpoint_dir.clone(),
            operators: self.operators(),
            checkpoints: metrics::checkpoints(),
            exceptions: metrics::exceptions(),
        }
    }

    /// The error for a request that needs a running job.
    fn must_run(&self) -> Result<(), Failure> {
        let entry = self.entry();
        if entry.is_running() && entry.state != "stopping" {
            return Ok(());
        }
        Err(Failure(
            StatusCode::CONFLICT,
            format!(
                "job {} ({}) is {}: it takes no more requests",
                entry.id, entry.name, entry.state
            ),
        ))
    }

    /// Takes a savepoint (and stops after it, draining or not, as `what` says), copied
    /// into `dir` if given.
    fn savepoint(
        &self,
        dir: Option<&str>,
        what: SavepointRequest,
    ) -> Result<SavepointReply, Failure> {
        use strom_datastream::checkpoint::{
            committed, copy_savepoint, request_for, withdraw_request,
        };
        let entry = self.entry();
        let job = format!("job {} ({})", entry.id, entry.name);
        self.must_run()?;
        let Some(chk) = self.checkpoint_dir.as_deref() else {
            return Err(Failure(
                StatusCode::BAD_REQUEST,
                format!(
                    "{job} takes no checkpoints (run it with --checkpoint-interval and \
                     --checkpoint-dir): it cannot take a savepoint"
                ),
            ));
        };
        if let Some(dir) = dir {
            writable(dir).map_err(|e| {
                Failure(
                    StatusCode::FORBIDDEN,
                    format!("{job}: cannot write the savepoint folder {dir}: {e:#}"),
                )
            })?;
        }
        let internal = |e: &dyn std::fmt::Display| {
            Failure(StatusCode::INTERNAL_SERVER_ERROR, format!("{job}: {e}"))
        };
        let before: Vec<String> = committed(chk)
            .map_err(|e| internal(&e))?
            .into_iter()
            .map(|c| c.url)
            .collect();
        request_for(chk, &entry.id, what).map_err(|e| internal(&e))?;
        if what != SavepointRequest::Savepoint {
            self.set_state("stopping", false);
        }
        let start = Instant::now();
        let path = loop {
            let new = committed(chk)
                .map_err(|e| internal(&e))?
                .into_iter()
                .find(|c| c.url.contains("/savepoint-") && !before.contains(&c.url));
            if let Some(sp) = new {
                break sp.url;
            }
            if start.elapsed() > SAVEPOINT_TIMEOUT {
                // Not left for a later job to take.
                let _ = withdraw_request(chk);
                return Err(Failure(
                    StatusCode::GATEWAY_TIMEOUT,
                    format!(
                        "{job}: no savepoint after {} s",
                        SAVEPOINT_TIMEOUT.as_secs()
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let path = match dir {
            None => path,
            Some(dir) => copy_savepoint(&path, dir).map_err(|e| {
                Failure(
                    StatusCode::FORBIDDEN,
                    format!("{job}: cannot write the savepoint folder {dir}: {e}"),
                )
            })?,
        };
        Ok(SavepointReply { id: entry.id, path })
    }
}

/// Whether a file can be written into folder `dir` (written and deleted).
fn writable(dir: &str) -> Result<()> {
    let probe = strom_core::storage::resolve(&format!(
        "{}/.strom-write-check-{}",
        dir.trim_end_matches('/'),
        std::process::id()
    ))?;
    probe.write(Vec::new().into())?;
    probe.delete_prefix()?;
    Ok(())
}

fn now_ms() -> i64 {
    strom_core::time::ProcessingClock::System.now()
}

/// An error answer: a status and what went wrong.
struct Failure(StatusCode, String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, axum::Json(ApiError { error: self.1 })).into_response()
    }
}

type Shared = Arc<Control>;

/// Lets a request through when it carries the job's token (`Authorization: Bearer`,
/// or `?token=` as the status page sends it), or when it only reads and the endpoint
/// listens on loopback only.
async fn auth(State(c): State<Shared>, request: Request, next: Next) -> Response {
    let token = c.token.as_str();
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let query = request.uri().query().unwrap_or("");
    let in_query = query
        .split('&')
        .any(|kv| kv.strip_prefix("token=") == Some(token));
    let reads = matches!(request.method().as_str(), "GET" | "HEAD");
    if bearer == Some(token) || in_query || (reads && c.loopback) {
        return next.run(request).await;
    }
    let entry = c.entry();
    Failure(
        StatusCode::UNAUTHORIZED,
        format!(
            "job {} ({}): this endpoint needs the job's token (Authorization: Bearer TOKEN; \
             `strom` commands read it from {})",
            entry.id,
            entry.name,
            registry::token_file(&entry.id).display()
        ),
    )
    .into_response()
}

#[derive(Deserialize)]
struct Target {
    dir: Option<String>,
    /// With a stop: fire every pending window before ending.
    #[serde(default)]
    drain: bool,
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Failure> + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(Failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the request failed: {e}"),
        ))
    })
}

/// `POST /api/v1/savepoint` (or `/stop` with `stop`), `?dir=URL` (and `&drain=true`).
async fn savepoint(
    State(c): State<Shared>,
    Query(t): Query<Target>,
    stop: bool,
) -> Result<axum::Json<SavepointReply>, Failure> {
    let what = match (stop, t.drain) {
        (false, _) => SavepointRequest::Savepoint,
        (true, false) => SavepointRequest::Stop,
        (true, true) => SavepointRequest::Drain,
    };
    blocking(move || c.savepoint(t.dir.as_deref(), what))
        .await
        .map(axum::Json)
}

fn router(control: Shared) -> Router {
    Router::new()
        .route("/", get(|| async { Html(include_str!("page.html")) }))
        .route(
            "/api/v1/job",
            get(|State(c): State<Shared>| async move { axum::Json(c.status()) }),
        )
        .route(
            "/api/v1/operators",
            get(|State(c): State<Shared>| async move { axum::Json(c.operators()) }),
        )
        .route(
            "/api/v1/checkpoints",
            get(|| async { axum::Json(metrics::checkpoints()) }),
        )
        .route(
            "/api/v1/exceptions",
            get(|| async { axum::Json(metrics::exceptions()) }),
        )
        .route("/api/v1/savepoint", post(|s, q| savepoint(s, q, false)))
        .route("/api/v1/stop", post(|s, q| savepoint(s, q, true)))
        .route(
            "/api/v1/cancel",
            post(|State(c): State<Shared>| async move {
                c.must_run()?;
                c.set_state("canceled", true);
                let entry = c.entry();
                tracing::warn!("job {} ({}) canceled", entry.id, entry.name);
                std::thread::spawn(|| {
                    // Time for the answer to leave.
                    std::thread::sleep(Duration::from_millis(200));
                    eprintln!("canceled");
                    crate::signals::exit(CANCELED_EXIT);
                });
                Ok::<_, Failure>(axum::Json(entry))
            }),
        )
        .route(
            "/metrics",
            get(|State(c): State<Shared>| async move {
                let entry = c.entry();
                let ops: Vec<_> = metrics::operators();
                let text = metrics::prometheus_text(
                    &entry.name,
                    c.started.elapsed().as_millis() as u64,
                    &ops,
                    &metrics::checkpoints(),
                );
                ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
            }),
        )
        .layer(middleware::from_fn_with_state(control.clone(), auth))
        .with_state(control)
}

/// A running job's endpoint; [`Endpoint::finish`] records how the job ended.
#[derive(Clone)]
pub struct Endpoint {
    control: Shared,
}

impl Endpoint {
    /// Starts serving the job `name` run with `config`, and registers it.
    ///
    /// # Errors
    /// A bad address, an address beyond loopback without a token, or one in use.
    pub fn start(name: &str, config: &RuntimeConfig, opts: &RestOptions) -> Result<Endpoint> {
        let addr: SocketAddr = opts
            .address
            .parse()
            .with_context(|| format!("--rest-address {}: not HOST:PORT", opts.address))?;
        let loopback = addr.ip().is_loopback();
        let token = match &opts.token {
            Some(t) if t.chars().count() >= MIN_TOKEN => t.clone(),
            Some(_) if !loopback => bail!(
                "--rest-token is shorter than {MIN_TOKEN} characters: too easy to guess for \
                 --rest-address {addr}, which listens beyond this machine"
            ),
            None if !loopback => bail!(
                "--rest-address {addr} listens beyond this machine: give --rest-token TOKEN \
                 ({MIN_TOKEN} characters or more; requests must then carry it)"
            ),
            Some(t) => t.clone(),
            None => registry::new_token(),
        };
        let listener = std::net::TcpListener::bind(addr)
            .with_context(|| format!("--rest-address {addr}: cannot listen"))?;
        listener.set_nonblocking(true)?;
        let bound = listener.local_addr()?;
        let host = if bound.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            bound.ip().to_string()
        };
        metrics::enable();
        let entry = JobEntry {
            id: opts.id.clone(),
            name: name.to_string(),
            state: "running".into(),
            url: format!("http://{host}:{}", bound.port()),
            pid: std::process::id(),
            started_ms: now_ms(),
            ended_ms: None,
            token: None,
        };
        registry::write_token(&entry.id, &token)?;
        registry::write(&entry)?;
        tracing::info!("job {} ({}) serves {}", entry.id, entry.name, entry.url);
        let control = Arc::new(Control {
            entry: Mutex::new(entry),
            started: Instant::now(),
            token,
            loopback,
            // Savepoints need checkpoints: a folder and an interval.
            checkpoint_dir: config
                .checkpoint_interval
                .and(config.checkpoint_dir.clone()),
            workers: config.workers,
            processes: config.processes,
            rates: Mutex::default(),
        });
        let handle = strom_core::io_runtime::handle();
        let app = router(control.clone());
        let _guard = handle.enter();
        let listener = tokio::net::TcpListener::from_std(listener)?;
        handle.spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!("the REST endpoint stopped: {e}");
            }
        });
        let sampler = control.clone();
        handle.spawn(async move {
            loop {
                sampler.sample();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        Ok(Endpoint { control })
    }

    /// The job's registry entry.
    pub fn entry(&self) -> JobEntry {
        self.control.entry()
    }

    /// Asks a checkpointing job that takes requests to stop with a final savepoint (a
    /// signal's first effect); `false` when it cannot.
    pub fn request_stop(&self) -> bool {
        let c = &self.control;
        let asked = c.must_run().is_ok()
            && c.checkpoint_dir.as_deref().is_some_and(|dir| {
                use strom_datastream::checkpoint::{Request, request_for};
                request_for(dir, &c.entry().id, Request::Stop).is_ok()
            });
        if asked {
            c.set_state("stopping", false);
        }
        asked
    }

    /// Records that a signal ended the job at once.
    pub fn ended_by_signal(&self) {
        self.control.set_state("canceled", true);
    }

    /// Records how the job ended.
    pub fn finish<T>(&self, outcome: &Result<T>) {
        let state = match (outcome, self.control.entry().state.as_str()) {
            (Err(e), _) => {
                metrics::record_exception(format!("{e:#}"));
                "failed"
            }
            (Ok(_), "stopping") => "stopped",
            // Stopped through a request in its checkpoint folder, not through here.
            (Ok(_), _)
                if self
                    .control
                    .checkpoint_dir
                    .as_deref()
                    .is_some_and(strom_datastream::checkpoint::stop_requested) =>
            {
                "stopped"
            }
            (Ok(_), _) => "finished",
        };
        self.control.set_state(state, true);
    }
}
