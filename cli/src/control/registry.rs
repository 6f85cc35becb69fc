//! The per-user registry of jobs: one JSON file per job under `$STROM_HOME/jobs`
//! (default `~/.strom/jobs`), written by the job when it starts and when its state
//! changes, read by `strom list` and the other job commands. A job whose process is
//! gone without saying so is shown as `lost`.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// What the registry knows of one job.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct JobEntry {
    /// Its id (16 hex digits).
    pub id: String,
    /// The built-in job's name (`window-agg`, ...).
    pub name: String,
    /// `running`, `stopping`, `finished`, `stopped`, `failed`, `canceled` or `lost`.
    pub state: String,
    /// Its REST endpoint (`http://127.0.0.1:PORT`).
    pub url: String,
    /// Its process.
    pub pid: u32,
    /// When it started, ms since the Unix epoch.
    pub started_ms: i64,
    /// When it ended, ms since the Unix epoch.
    #[serde(default)]
    pub ended_ms: Option<i64>,
    /// The token its requests must carry, when it listens beyond loopback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl JobEntry {
    /// Whether the job is still running (its process alive, its state not final).
    pub fn is_running(&self) -> bool {
        matches!(self.state.as_str(), "running" | "stopping")
    }
}

/// The registry's folder.
pub fn folder() -> PathBuf {
    let home = std::env::var_os("STROM_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".strom")))
        .unwrap_or_else(|| std::env::temp_dir().join("strom"));
    home.join("jobs")
}

/// Writes `entry` (readable by this user only).
///
/// # Errors
/// When the registry folder cannot be written.
pub fn write(entry: &JobEntry) -> Result<()> {
    let dir = folder();
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the job registry {}", dir.display()))?;
    let path = dir.join(format!("{}.json", entry.id));
    let staged = dir.join(format!(".{}.json.tmp", entry.id));
    let text = serde_json::to_vec_pretty(entry).expect("an entry serialises");
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&staged)
            .with_context(|| format!("cannot write {}", staged.display()))?;
        file.write_all(&text)?;
    }
    #[cfg(not(unix))]
    std::fs::write(&staged, &text).with_context(|| format!("cannot write {}", staged.display()))?;
    std::fs::rename(&staged, &path).with_context(|| format!("cannot write {}", path.display()))
}

fn alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Every job in the registry, newest first; running jobs whose process is gone are
/// `lost`.
pub fn all() -> Vec<JobEntry> {
    let Ok(files) = std::fs::read_dir(folder()) else {
        return Vec::new();
    };
    let mut jobs: Vec<JobEntry> = files
        .flatten()
        .filter(|f| f.path().extension().is_some_and(|e| e == "json"))
        .filter_map(|f| serde_json::from_slice(&std::fs::read(f.path()).ok()?).ok())
        .map(|mut j: JobEntry| {
            if j.is_running() && !alive(j.pid) {
                j.state = "lost".into();
            }
            j
        })
        .collect();
    jobs.sort_by(|a, b| b.started_ms.cmp(&a.started_ms).then(a.id.cmp(&b.id)));
    jobs
}

/// The job `reference` names: its id, a unique prefix of it, or the name of the one
/// running job of that name.
///
/// # Errors
/// When no job or several match.
pub fn find(reference: &str) -> Result<JobEntry> {
    let jobs = all();
    if let Some(j) = jobs.iter().find(|j| j.id == reference) {
        return Ok(j.clone());
    }
    let by_prefix: Vec<_> = jobs
        .iter()
        .filter(|j| j.id.starts_with(reference))
        .collect();
    let by_name: Vec<_> = jobs
        .iter()
        .filter(|j| j.name == reference && j.is_running())
        .collect();
    match (by_prefix.as_slice(), by_name.as_slice()) {
        ([one], _) | ([], [one]) => Ok((*one).clone()),
        ([], []) => bail!(
            "unknown job {reference:?}: no job with that id or name in {} (`strom list --all` shows them)",
            folder().display()
        ),
        _ => bail!("{reference:?} names several jobs: give more of the id"),
    }
}

/// A new job id: 16 hex digits from the time, the process and a counter.
pub fn new_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}
