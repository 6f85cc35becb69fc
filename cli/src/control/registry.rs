//! The per-user registry of jobs: one JSON file per job under `$STROM_HOME/jobs`
//! (default `~/.strom/jobs`), written by the job when it starts and when its state
//! changes, read by `strom list` and the other job commands. A job whose process is
//! gone without saying so is shown as `lost`. Beside each entry, `ID.token` holds the
//! job's REST token; both are readable by their user only.

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
    /// The token, as entries of earlier versions kept it (now in the job's token file).
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
    let text = serde_json::to_vec_pretty(entry).expect("an entry serialises");
    write_private(&format!("{}.json", entry.id), &text)
}

/// Writes `bytes` as the registry's file `name`, readable by this user only (staged
/// and renamed into place, so that readers never see half of it).
fn write_private(name: &str, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = folder();
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the job registry {}", dir.display()))?;
    let path = dir.join(name);
    let staged = dir.join(format!(".{name}.tmp"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&staged)
        .with_context(|| format!("cannot write {}", staged.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", staged.display()))?;
    std::fs::rename(&staged, &path).with_context(|| format!("cannot write {}", path.display()))
}

/// The file holding job `id`'s token (mode 0600).
pub fn token_file(id: &str) -> PathBuf {
    folder().join(format!("{id}.token"))
}

/// Writes job `id`'s token into its [`token_file`], readable by this user only.
///
/// # Errors
/// When the registry folder cannot be written.
pub fn write_token(id: &str, token: &str) -> Result<()> {
    write_private(&format!("{id}.token"), token.as_bytes())
}

/// The token of `job`: its token file (or, from older versions, its entry).
pub fn token(job: &JobEntry) -> Option<String> {
    std::fs::read_to_string(token_file(&job.id))
        .ok()
        .map(|t| t.trim().to_string())
        .or_else(|| job.token.clone())
}

/// A new random token: 32 hex digits from the system's random source.
pub fn new_token() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    let random = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if random.is_err() {
        // No /dev/urandom: the std hasher's random keys.
        let (a, b) = (new_id(), new_id());
        return format!("{a}{b}");
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
