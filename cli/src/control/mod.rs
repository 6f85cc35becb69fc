//! Job control: every `strom run` serves a small REST API (job overview, operators with
//! records, rates and watermarks, checkpoint history, exceptions, savepoint, stop,
//! cancel, Prometheus `/metrics` and a status page) and records itself in a per-user
//! registry; `strom list|status|savepoint|stop|cancel` read the registry and call the
//! API (`docs/0011-job-control.md`). Jobs reading files show a progress bar on a
//! terminal.

pub mod client;
pub mod progress;
pub mod registry;
pub mod server;

use serde::{Deserialize, Serialize};
use strom_core::metrics::{CheckpointRecord, ExceptionRecord, OperatorView};

/// One operator as the API shows it: the collected numbers and their rates.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OperatorStatus {
    /// The collected numbers.
    #[serde(flatten)]
    pub view: OperatorView,
    /// Records received per second over the last second or so.
    pub rate_in: f64,
    /// Records sent per second over the last second or so.
    pub rate_out: f64,
    /// How far the watermark is behind processing time, ms.
    pub watermark_lag_ms: Option<i64>,
}

/// Everything `GET /api/v1/job` says of a job.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct JobStatus {
    /// Its registry entry (id, name, state, endpoint, process, start; no token).
    #[serde(flatten)]
    pub job: registry::JobEntry,
    /// Time since it started, ms.
    pub uptime_ms: u64,
    /// Worker threads per process.
    pub workers: usize,
    /// Processes.
    pub processes: usize,
    /// Where its checkpoints go, if it takes them.
    pub checkpoint_dir: Option<String>,
    /// Its operators (this process's workers).
    pub operators: Vec<OperatorStatus>,
    /// Its checkpoints, oldest first.
    pub checkpoints: Vec<CheckpointRecord>,
    /// Its failures.
    pub exceptions: Vec<ExceptionRecord>,
}

/// What a savepoint or stop request answers.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SavepointReply {
    /// The job.
    pub id: String,
    /// The savepoint, which `strom run ... --restore PATH` accepts.
    pub path: String,
}

/// An error the API answers, as JSON.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ApiError {
    /// What went wrong, naming the job.
    pub error: String,
}
