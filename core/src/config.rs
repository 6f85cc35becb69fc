//! Typed runtime configuration: workers, processes, hosts, memory and folders.
//!
//! The CLI fills a [`RuntimeConfig`] from flags, `strom.toml` and `STROM_*` variables; the
//! libraries only ever see this struct. There is no global configuration.

use std::path::PathBuf;

use crate::error::{Error, Result};

/// Default number of key groups (Flink's default max parallelism).
pub const DEFAULT_KEY_GROUPS: u32 = 128;

/// The smallest managed memory per worker thread: below it sort, group and join operators
/// would spill a run every few records (a budget of 0 would never finish). The operator
/// tests spill on purpose at 8 KiB per worker.
pub const MIN_MEMORY_PER_WORKER: u64 = 4 << 10;

/// Worker threads per process allowed per core of the machine: more only thrash.
pub const MAX_WORKERS_PER_CORE: usize = 64;

/// How a job is laid out and what resources it may use.
///
/// ```
/// use strom_core::RuntimeConfig;
/// let config = RuntimeConfig::default().with_workers(4).with_memory_limit(2 << 30);
/// assert_eq!(config.total_workers(), 4);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// Worker threads per process (default 1).
    pub workers: usize,
    /// Number of processes in the job (default 1).
    pub processes: usize,
    /// This process's index in `0..processes` (default 0).
    pub process_index: usize,
    /// `host:port` of every process, in process order; empty for a single process.
    pub hosts: Vec<String>,
    /// Managed memory budget in bytes for memory-hungry operators (default: unlimited).
    pub memory_limit: Option<u64>,
    /// Folder for spill files (default: a temporary folder).
    pub spill_dir: Option<PathBuf>,
    /// Where checkpoints go, as a URL (default: none).
    pub checkpoint_dir: Option<String>,
    /// How often streaming jobs take a checkpoint (default: never).
    pub checkpoint_interval: Option<std::time::Duration>,
    /// The job's name, recorded in its checkpoints (default: none).
    pub job_name: Option<String>,
    /// This run's id: savepoint requests that name it are for this run only, and a
    /// run removes requests for others it finds when it starts (default: none).
    pub run_id: Option<String>,
    /// The checkpoint a streaming job starts from (default: none, a fresh start).
    pub restore: Option<Restore>,
    /// Number of key groups, the upper bound of parallelism for keyed state (default 128).
    pub key_groups: u32,
    /// Bytes per split of line-oriented input files (default 64 MiB).
    pub split_size: u64,
    /// Where keyed state lives (default: the heap).
    pub state_backend: crate::state::StateBackend,
    /// How long the processes of a cluster wait for each other to connect before the
    /// job fails, naming the ones that never did (default 60 s).
    pub connect_timeout: std::time::Duration,
}

/// Which checkpoint a streaming job restores ([`RuntimeConfig::restore`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Restore {
    /// The newest committed checkpoint in the job's checkpoint folder.
    Latest,
    /// The committed checkpoint or savepoint folder at this URL.
    At(String),
}

impl std::str::FromStr for Restore {
    type Err = Error;

    /// `latest`, or a checkpoint folder's URL (not empty).
    fn from_str(text: &str) -> Result<Restore> {
        match text.trim() {
            "" => Err(Error::Config(
                "a checkpoint to restore is `latest` or a checkpoint folder's URL, not empty"
                    .into(),
            )),
            "latest" => Ok(Restore::Latest),
            url => Ok(Restore::At(url.to_string())),
        }
    }
}

impl std::fmt::Display for Restore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Restore::Latest => f.write_str("latest"),
            Restore::At(url) => f.write_str(url),
        }
    }
}

/// Default of [`RuntimeConfig::connect_timeout`].
pub const DEFAULT_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            workers: 1,
            processes: 1,
            process_index: 0,
            hosts: Vec::new(),
            memory_limit: None,
            spill_dir: None,
            checkpoint_dir: None,
            checkpoint_interval: None,
            restore: None,
            job_name: None,
            run_id: None,
            key_groups: DEFAULT_KEY_GROUPS,
            split_size: crate::formats::lines::DEFAULT_SPLIT_SIZE,
            state_backend: crate::state::StateBackend::Heap,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }
}

impl RuntimeConfig {
    /// Sets the worker threads per process.
    #[must_use]
    pub fn with_workers(mut self, workers: usize) -> Self {
        self.workers = workers;
        self
    }

    /// Sets the process layout: `processes` processes at `hosts`, this one being `index`.
    #[must_use]
    pub fn with_cluster(mut self, processes: usize, index: usize, hosts: Vec<String>) -> Self {
        self.processes = processes;
        self.process_index = index;
        self.hosts = hosts;
        self
    }

    /// Sets the managed memory budget in bytes.
    #[must_use]
    pub fn with_memory_limit(mut self, bytes: u64) -> Self {
        self.memory_limit = Some(bytes);
        self
    }

    /// Sets the spill folder.
    #[must_use]
    pub fn with_spill_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spill_dir = Some(dir.into());
        self
    }

    /// Sets the checkpoint location (a URL).
    #[must_use]
    pub fn with_checkpoint_dir(mut self, url: impl Into<String>) -> Self {
        self.checkpoint_dir = Some(url.into());
        self
    }

    /// Sets the split size of line-oriented input files.
    #[must_use]
    pub fn with_split_size(mut self, bytes: u64) -> Self {
        self.split_size = bytes;
        self
    }

    /// Workers over all processes.
    pub fn total_workers(&self) -> usize {
        self.workers * self.processes
    }

    /// Checks that the layout is consistent and the resources can run a job (see
    /// [`RuntimeConfig::validate_resources`]).
    ///
    /// # Errors
    /// [`Error::Config`] naming the inconsistent field.
    pub fn validate(&self) -> Result<()> {
        self.validate_resources()?;
        if self.process_index >= self.processes {
            return Err(Error::Config(format!(
                "process index {} is not below the number of processes {}",
                self.process_index, self.processes
            )));
        }
        if self.processes > 1 && self.hosts.len() != self.processes {
            return Err(Error::Config(format!(
                "{} processes need {} host addresses, got {}",
                self.processes,
                self.processes,
                self.hosts.len()
            )));
        }
        Ok(())
    }

    /// Checks the settings that do not depend on the host list (a local cluster gets its
    /// hosts only when it starts): at least 1 worker and process, at most
    /// [`MAX_WORKERS_PER_CORE`] workers per core of this machine and no more workers in
    /// all than key groups (the upper bound of parallelism), a memory budget of at least
    /// [`MIN_MEMORY_PER_WORKER`] per worker, a split size and a checkpoint interval
    /// above zero.
    ///
    /// # Errors
    /// [`Error::Config`] naming the setting, its value and the bound it breaks.
    pub fn validate_resources(&self) -> Result<()> {
        if self.workers == 0 {
            return Err(Error::Config("workers must be at least 1".into()));
        }
        if self.processes == 0 {
            return Err(Error::Config("processes must be at least 1".into()));
        }
        if self.key_groups == 0 {
            return Err(Error::Config("key groups must be at least 1".into()));
        }
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        if self.workers > cores * MAX_WORKERS_PER_CORE {
            return Err(Error::Config(format!(
                "{} workers per process is more than {MAX_WORKERS_PER_CORE} per core of this machine ({cores} cores)",
                self.workers
            )));
        }
        let total = self.workers.saturating_mul(self.processes);
        if total > self.key_groups as usize {
            return Err(Error::Config(format!(
                "{total} workers in all is more than the {} key groups, the most a job can be split into (raise key groups, e.g. STROM_KEY_GROUPS or key_groups in strom.toml)",
                self.key_groups
            )));
        }
        if let Some(limit) = self.memory_limit {
            let least = MIN_MEMORY_PER_WORKER * self.workers as u64;
            if limit < least {
                return Err(Error::Config(format!(
                    "a memory budget of {limit} bytes is too small to run: {} workers need at least {least} bytes ({} KiB each)",
                    self.workers,
                    MIN_MEMORY_PER_WORKER >> 10
                )));
            }
        }
        if self.split_size == 0 {
            return Err(Error::Config("split size must be at least 1 byte".into()));
        }
        if self.connect_timeout.is_zero() {
            return Err(Error::Config("the connect timeout must be positive".into()));
        }
        if self.checkpoint_interval.is_some_and(|i| i.is_zero()) {
            return Err(Error::Config(
                "the checkpoint interval must be positive".into(),
            ));
        }
        Ok(())
    }

    /// The timely configuration for this layout.
    ///
    /// # Errors
    /// As [`RuntimeConfig::validate`].
    pub fn timely_config(&self) -> Result<timely::Config> {
        self.validate()?;
        let communication = if self.processes > 1 {
            timely::CommunicationConfig::Cluster {
                threads: self.workers,
                process: self.process_index,
                addresses: self.hosts.clone(),
                report: false,
                zerocopy: false,
            }
        } else if self.workers > 1 {
            timely::CommunicationConfig::Process(self.workers)
        } else {
            timely::CommunicationConfig::Thread
        };
        Ok(timely::Config {
            communication,
            worker: timely::WorkerConfig::default(),
        })
    }
}

/// Reads a host file: one `host:port` per line, blank lines and `#` comments ignored.
///
/// # Errors
/// [`Error::Config`] naming the file when it cannot be read or has a malformed line.
pub fn read_host_file(path: &std::path::Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("cannot read host file {}: {e}", path.display())))?;
    let mut hosts = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if line
            .rsplit_once(':')
            .is_none_or(|(_, port)| port.parse::<u16>().is_err())
        {
            return Err(Error::Config(format!(
                "{}:{}: expected host:port, found {line:?}",
                path.display(),
                n + 1
            )));
        }
        hosts.push(line.to_string());
    }
    Ok(hosts)
}

/// Finds `n` free TCP ports on 127.0.0.1 for a local cluster.
///
/// # Errors
/// When the operating system cannot hand out ports.
pub fn free_local_addresses(n: usize) -> Result<Vec<String>> {
    let listeners = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()?;
    listeners
        .iter()
        .map(|l| Ok(format!("127.0.0.1:{}", l.local_addr()?.port())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_settings_parse() {
        assert_eq!("latest".parse::<Restore>().unwrap(), Restore::Latest);
        let at = "s3://b/chk/savepoint-0000000003"
            .parse::<Restore>()
            .unwrap();
        assert_eq!(at, Restore::At("s3://b/chk/savepoint-0000000003".into()));
        assert_eq!(at.to_string(), "s3://b/chk/savepoint-0000000003");
        assert!(matches!(" ".parse::<Restore>(), Err(Error::Config(_))));
    }

    #[test]
    fn validate_catches_bad_layouts() {
        assert!(RuntimeConfig::default().validate().is_ok());
        assert!(RuntimeConfig::default().with_workers(0).validate().is_err());
        let c = RuntimeConfig::default().with_cluster(2, 0, vec!["a:1".into()]);
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("2 host addresses")
        );
        let c = RuntimeConfig::default().with_cluster(2, 2, vec!["a:1".into(), "b:2".into()]);
        assert!(c.validate().is_err());
    }

    #[test]
    fn validate_refuses_resources_that_cannot_run() {
        let err = |c: RuntimeConfig| c.validate().unwrap_err().to_string();
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let many = RuntimeConfig::default().with_workers(cores * MAX_WORKERS_PER_CORE + 1);
        assert!(err(many).contains("per core"));
        let wide = RuntimeConfig {
            key_groups: 4,
            ..RuntimeConfig::default().with_workers(5)
        };
        assert!(err(wide).contains("key groups"));
        assert!(err(RuntimeConfig::default().with_memory_limit(0)).contains("too small"));
        let two = RuntimeConfig::default().with_workers(2);
        assert!(
            err(two.clone().with_memory_limit(2 * MIN_MEMORY_PER_WORKER - 1)).contains("too small")
        );
        assert!(
            two.with_memory_limit(2 * MIN_MEMORY_PER_WORKER)
                .validate()
                .is_ok()
        );
        let never = RuntimeConfig {
            checkpoint_interval: Some(std::time::Duration::ZERO),
            ..RuntimeConfig::default()
        };
        assert!(err(never).contains("checkpoint interval"));
    }

    #[test]
    fn host_file_names_bad_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hosts");
        std::fs::write(&path, "# cluster\nh1:2101\n\nh2\n").unwrap();
        let err = read_host_file(&path).unwrap_err().to_string();
        assert!(err.contains("hosts:4"), "{err}");
        std::fs::write(&path, "h1:2101\nh2:2102 # second\n").unwrap();
        assert_eq!(read_host_file(&path).unwrap(), vec!["h1:2101", "h2:2102"]);
    }
}
