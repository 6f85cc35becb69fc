//! Layered settings: command-line flags over `strom.toml` over `STROM_*` environment
//! variables over defaults, resolved into a [`RuntimeConfig`].
//!
//! `strom.toml` is read from `--config FILE`, or from `./strom.toml` when present:
//!
//! ```toml
//! workers = 4
//! processes = 1
//! hosts = ["10.0.0.1:2101", "10.0.0.2:2101"]
//! connect_timeout = "2m"     # how long a cluster's processes wait for each other
//! key_groups = 128
//! split_size = "64MB"
//! [memory]
//! managed = "512MB"
//! spill_dir = "/mnt/spill"
//! [checkpoint]
//! dir = "s3://bucket/checkpoints"
//! [state]
//! backend = "disk"
//! dir = "/mnt/state"
//! cache_entries = 100000
//! incremental = true
//! [kafka]            # defaults of every kafka:// URL's options; a URL's own win
//! start = "earliest"
//! delivery = "exactly-once"
//! partitions = 4
//! ```
//!
//! Environment: `STROM_WORKERS`, `STROM_PROCESSES`, `STROM_MEMORY`, `STROM_SPILL_DIR`,
//! `STROM_CHECKPOINT_DIR`, `STROM_KEY_GROUPS`, `STROM_SPLIT_SIZE`, `STROM_CONNECT_TIMEOUT`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;
use strom_core::RuntimeConfig;

/// Runtime flags shared by every `strom run` job.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RuntimeArgs {
    /// Worker threads per process.
    #[arg(long, short = 'w', global = true)]
    pub workers: Option<usize>,
    /// Number of processes; without --hosts, strom starts them on this machine.
    #[arg(long, short = 'p', global = true)]
    pub processes: Option<usize>,
    /// File with one host:port per process, for a cluster across machines.
    #[arg(long, global = true, value_name = "FILE")]
    pub hosts: Option<PathBuf>,
    /// How long the processes of a cluster wait for each other to connect before the
    /// job fails, naming those that never connected (e.g. 30s, 2m; default 60s).
    #[arg(long, global = true, value_name = "DURATION")]
    pub connect_timeout: Option<String>,
    /// This process's index in the cluster (with --hosts).
    #[arg(long, global = true, value_name = "I")]
    pub process_index: Option<usize>,
    /// Managed memory for sort, group and join operators (e.g. 512MB, 2GiB).
    #[arg(long, global = true, value_name = "SIZE")]
    pub memory: Option<String>,
    /// Bytes per split of text and CSV input files (e.g. 64MB).
    #[arg(long, global = true, value_name = "SIZE")]
    pub split_size: Option<String>,
    /// Folder for spill and staging files.
    #[arg(long, global = true, value_name = "DIR")]
    pub spill_dir: Option<PathBuf>,
    /// Where streaming jobs write checkpoints (any storage URL).
    #[arg(long, global = true, value_name = "URL")]
    pub checkpoint_dir: Option<String>,
    /// How often streaming jobs take a checkpoint (e.g. 1s, 500ms).
    #[arg(long, global = true, value_name = "DURATION")]
    pub checkpoint_interval: Option<String>,
    /// Start a streaming job from a checkpoint: `latest` in --checkpoint-dir, or a
    /// checkpoint folder's URL.
    #[arg(long, global = true, value_name = "latest|URL")]
    pub restore: Option<String>,
    /// With --processes: restart the job this many times from its latest checkpoint
    /// when a process dies.
    #[arg(long, global = true, value_name = "N", default_value_t = 0)]
    pub restart_attempts: u32,
    /// Where the job's REST API (status, savepoint, stop, cancel, metrics, status page)
    /// listens; beyond loopback it needs --rest-token. `off` serves none.
    #[arg(
        long,
        global = true,
        value_name = "HOST:PORT|off",
        default_value = "127.0.0.1:0"
    )]
    pub rest_address: String,
    /// The token every request to the REST API must carry (`Authorization: Bearer`).
    #[arg(long, global = true, value_name = "TOKEN", env = "STROM_REST_TOKEN")]
    pub rest_token: Option<String>,
    /// Where streaming jobs keep keyed state: `heap`, or `disk` (an embedded store
    /// for state larger than memory).
    #[arg(long, global = true, value_name = "heap|disk")]
    pub state_backend: Option<String>,
    /// Folder for the disk state backend's files (default: the temporary folder).
    #[arg(long, global = true, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Entries per state and worker the disk backend keeps in memory.
    #[arg(long, global = true, value_name = "N")]
    pub state_cache_entries: Option<usize>,
    /// Memory of the disk backend's store (its block cache and write buffers), per
    /// state and worker (e.g. 32MB).
    #[arg(long, global = true, value_name = "SIZE")]
    pub state_store_memory: Option<String>,
    /// Whether the disk backend's checkpoints write only what changed since the last
    /// one (default true).
    #[arg(long, global = true, value_name = "true|false")]
    pub state_incremental: Option<bool>,
    /// Write into a non-empty output folder or over an existing output file. Only what
    /// the job writes is replaced: the file itself, or in a folder the part files
    /// (`part-NNNNN...`) of an earlier run; other files in the folder are kept.
    #[arg(long, global = true)]
    pub overwrite: bool,
    /// Settings file (default: ./strom.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Addresses of a local cluster started by strom itself (internal).
    #[arg(long, global = true, hide = true, value_delimiter = ',')]
    pub cluster_addresses: Option<Vec<String>>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    workers: Option<usize>,
    processes: Option<usize>,
    hosts: Option<Vec<String>>,
    connect_timeout: Option<String>,
    key_groups: Option<u32>,
    split_size: Option<String>,
    #[serde(default)]
    memory: MemorySettings,
    #[serde(default)]
    checkpoint: CheckpointSettings,
    #[serde(default)]
    state: StateSettings,
    /// Defaults of every `kafka://` URL's options (`strom_kafka::set_defaults`).
    #[serde(default)]
    kafka: std::collections::BTreeMap<String, toml::Value>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct StateSettings {
    backend: Option<String>,
    dir: Option<PathBuf>,
    cache_entries: Option<usize>,
    incremental: Option<bool>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct MemorySettings {
    managed: Option<String>,
    spill_dir: Option<PathBuf>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct CheckpointSettings {
    dir: Option<String>,
}

pub use strom_jobs::units::parse_size;

/// Sets how long a cluster's processes wait for each other from `text` (`30s`, `2m`),
/// which `what` (a flag, variable or key) gave.
fn set_connect_timeout(config: &mut RuntimeConfig, text: &str, what: &str) -> Result<()> {
    let ms = crate::jobs::window_agg::parse_duration(text).context(what.to_string())?;
    anyhow::ensure!(ms > 0, "{what} must be positive");
    config.connect_timeout = std::time::Duration::from_millis(ms as u64);
    Ok(())
}

/// A library message with the settings it names (`` the `overwrite` setting ``, the
/// form `strom-core` uses, naming no flag) written as the flags that set them here.
pub fn as_flags(message: &str) -> String {
    const FLAGS: [(&str, &str); 2] = [
        ("the `overwrite` setting", "--overwrite"),
        ("the `connect_timeout` setting", "--connect-timeout"),
    ];
    FLAGS
        .iter()
        .fold(message.to_string(), |m, (setting, flag)| {
            m.replace(setting, flag)
        })
}

fn env_var<T: std::str::FromStr>(name: &str) -> Result<Option<T>>
where
    T::Err: std::fmt::Display,
{
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map(Some)
            .map_err(|e| anyhow::anyhow!("{name}={v:?}: {e}")),
        Err(_) => Ok(None),
    }
}

fn read_file_settings(path: Option<&Path>) -> Result<FileSettings> {
    let (path, required) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from("strom.toml"), false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).with_context(|| format!("in settings file {}", path.display()))
        }
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
            Ok(FileSettings::default())
        }
        Err(e) => Err(e).with_context(|| format!("cannot read settings file {}", path.display())),
    }
}

/// Makes the `[kafka]` settings the defaults of every `kafka://` URL's options.
fn kafka_defaults(settings: std::collections::BTreeMap<String, toml::Value>) -> Result<()> {
    let mut options = Vec::new();
    for (key, value) in settings {
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => anyhow::bail!(
                "kafka.{key} in strom.toml: expected a string, number or boolean, not {}",
                other.type_str()
            ),
        };
        options.push((key, text));
    }
    strom_kafka::set_defaults(options).context("[kafka] in strom.toml")
}

/// Resolves the runtime configuration of this process (not yet validated: a local cluster
/// has no host list until strom starts it).
pub fn resolve(args: &RuntimeArgs) -> Result<RuntimeConfig> {
    let file = read_file_settings(args.config.as_deref())?;
    let mut config = RuntimeConfig::default();

    // Lowest precedence first: environment, then file, then flags.
    if let Some(w) = env_var("STROM_WORKERS")? {
        config.workers = w;
    }
    if let Some(p) = env_var("STROM_PROCESSES")? {
        config.processes = p;
    }
    if let Some(m) = env_var::<String>("STROM_MEMORY")? {
        config.memory_limit = Some(parse_size(&m).context("STROM_MEMORY")?);
    }
    if let Some(d) = env_var::<PathBuf>("STROM_SPILL_DIR")? {
        config.spill_dir = Some(d);
    }
    if let Some(d) = env_var::<String>("STROM_CHECKPOINT_DIR")? {
        config.checkpoint_dir = Some(d);
    }
    if let Some(k) = env_var("STROM_KEY_GROUPS")? {
        config.key_groups = k;
    }
    if let Some(s) = env_var::<String>("STROM_SPLIT_SIZE")? {
        config.split_size = parse_size(&s).context("STROM_SPLIT_SIZE")?;
    }
    if let Some(t) = env_var::<String>("STROM_CONNECT_TIMEOUT")? {
        set_connect_timeout(&mut config, &t, "STROM_CONNECT_TIMEOUT")?;
    }

    if let Some(w) = file.workers {
        config.workers = w;
    }
    if let Some(p) = file.processes {
        config.processes = p;
    }
    if let Some(h) = file.hosts {
        config.hosts = h;
    }
    if let Some(t) = file.connect_timeout {
        set_connect_timeout(&mut config, &t, "connect_timeout in strom.toml")?;
    }
    if let Some(k) = file.key_groups {
        config.key_groups = k;
    }
    if let Some(s) = file.split_size {
        config.split_size = parse_size(&s).context("split_size in strom.toml")?;
    }
    if let Some(m) = file.memory.managed {
        config.memory_limit = Some(parse_size(&m).context("memory.managed in strom.toml")?);
    }
    if let Some(d) = file.memory.spill_dir {
        config.spill_dir = Some(d);
    }
    if let Some(d) = file.checkpoint.dir {
        config.checkpoint_dir = Some(d);
    }
    kafka_defaults(file.kafka)?;
    let backend = args
        .state_backend
        .clone()
        .or(file.state.backend)
        .unwrap_or_else(|| "heap".into());
    let mut disk = strom_core::state::DiskOptions {
        dir: args.state_dir.clone().or(file.state.dir),
        ..Default::default()
    };
    if let Some(n) = args.state_cache_entries.or(file.state.cache_entries) {
        anyhow::ensure!(n > 0, "--state-cache-entries must be positive");
        disk.cache_entries = n;
    }
    if let Some(on) = args.state_incremental.or(file.state.incremental) {
        disk.incremental = on;
    }
    if let Some(m) = &args.state_store_memory {
        disk.page_cache_bytes = parse_size(m).context("--state-store-memory")? as usize;
    }
    config.state_backend =
        strom_core::state::StateBackend::parse(&backend, disk).context("--state-backend")?;

    if let Some(w) = args.workers {
        config.workers = w;
    }
    if let Some(p) = args.processes {
        config.processes = p;
    }
    if let Some(m) = &args.memory {
        config.memory_limit = Some(parse_size(m).context("--memory")?);
    }
    if let Some(s) = &args.split_size {
        config.split_size = parse_size(s).context("--split-size")?;
    }
    if let Some(d) = &args.spill_dir {
        config.spill_dir = Some(d.clone());
    }
    if let Some(d) = &args.checkpoint_dir {
        config.checkpoint_dir = Some(d.clone());
    }
    if let Some(i) = &args.checkpoint_interval {
        let ms = crate::jobs::window_agg::parse_duration(i).context("--checkpoint-interval")?;
        anyhow::ensure!(ms > 0, "--checkpoint-interval must be positive");
        config.checkpoint_interval = Some(std::time::Duration::from_millis(ms as u64));
    }
    if let Some(r) = &args.restore {
        config.restore = Some(r.parse().context("--restore")?);
    }
    if let Some(t) = &args.connect_timeout {
        set_connect_timeout(&mut config, t, "--connect-timeout")?;
    }
    if let Some(h) = &args.hosts {
        config.hosts = strom_core::config::read_host_file(h)?;
        if args.processes.is_none() {
            config.processes = config.hosts.len();
        }
    }
    if let Some(a) = &args.cluster_addresses {
        config.hosts = a.clone();
        config.processes = a.len();
    }
    if let Some(i) = args.process_index {
        config.process_index = i;
    }
    if config.processes > 1 && config.hosts.len() > config.processes {
        config.hosts.truncate(config.processes);
    }
    Ok(config)
}

/// The checks before a job is launched, so that it fails at once, naming the setting or
/// path, rather than hang, exhaust the machine or fail in a worker later:
///
/// - the resources ([`RuntimeConfig::validate_resources`]);
/// - the outputs against the inputs and what exists
///   ([`strom_core::storage::check_outputs`]; a restored streaming job continues its
///   output, so existing output is then allowed);
/// - every folder or URL the job writes: outputs, checkpoint, spill and state folders
///   ([`strom_core::storage::check_writable`]);
/// - that the checkpoint folder holds no other job's checkpoints;
/// - the checkpoint `--restore` names: it must be a committed checkpoint (`latest`: a
///   checkpoint folder with one).
///
/// # Errors
/// The first check that fails, naming what it checked.
pub fn check_before_launch(
    config: &RuntimeConfig,
    args: &RuntimeArgs,
    paths: &strom_core::storage::JobPaths,
) -> Result<()> {
    use strom_core::storage::{check_outputs, check_writable};
    config.validate_resources()?;
    check_outputs(paths, args.overwrite || config.restore.is_some())?;
    for url in &paths.outputs {
        check_writable(url, !url.ends_with('/')).context("output cannot be written")?;
    }
    if let Some(dir) = &config.checkpoint_dir {
        check_writable(dir, false).context("--checkpoint-dir cannot be written")?;
        if config.checkpoint_interval.is_some() {
            let job = config.job_name.as_deref().unwrap_or_default();
            strom_datastream::checkpoint::check_folder_is_for(dir, job)?;
        }
    }
    let local = [
        ("--spill-dir", config.spill_dir.as_ref()),
        ("--state-dir", state_dir(config)),
    ];
    for (flag, dir) in local {
        if let Some(dir) = dir {
            check_writable(&dir.to_string_lossy(), false)
                .with_context(|| format!("{flag} cannot be written"))?;
        }
    }
    if let Some(restore) = &config.restore {
        strom_datastream::checkpoint::resolve_restore(restore, config.checkpoint_dir.as_deref())
            .with_context(|| format!("--restore {restore}"))?;
    }
    Ok(())
}

/// The disk state backend's folder, when set.
fn state_dir(config: &RuntimeConfig) -> Option<&PathBuf> {
    match &config.state_backend {
        strom_core::state::StateBackend::Disk(options) => options.dir.as_ref(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("512MB").unwrap(), 512 << 20);
        assert_eq!(parse_size("2GiB").unwrap(), 2 << 30);
        assert_eq!(parse_size("1.5k").unwrap(), 1536);
        assert_eq!(parse_size("100").unwrap(), 100);
        assert!(parse_size("12 parsecs").is_err());
    }

    #[test]
    fn connect_timeout_from_the_file_and_the_flag() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("strom.toml");
        std::fs::write(&path, "connect_timeout = \"2m\"\n").unwrap();
        let mut args = RuntimeArgs {
            config: Some(path.clone()),
            ..Default::default()
        };
        let timeout = |args: &RuntimeArgs| resolve(args).unwrap().connect_timeout;
        assert_eq!(timeout(&args), std::time::Duration::from_secs(120));
        args.connect_timeout = Some("750ms".into());
        assert_eq!(timeout(&args), std::time::Duration::from_millis(750));
        std::fs::write(&path, "connect_timeout = \"0s\"\n").unwrap();
        args.connect_timeout = None;
        let err = format!("{:#}", resolve(&args).unwrap_err());
        assert!(err.contains("connect_timeout in strom.toml"), "{err}");
    }

    #[test]
    fn flags_beat_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("strom.toml");
        std::fs::write(&path, "workers = 3\n[memory]\nmanaged = \"64MB\"\n").unwrap();
        let args = RuntimeArgs {
            config: Some(path.clone()),
            ..Default::default()
        };
        let c = resolve(&args).unwrap();
        assert_eq!((c.workers, c.memory_limit), (3, Some(64 << 20)));
        let args = RuntimeArgs {
            config: Some(path.clone()),
            workers: Some(5),
            ..Default::default()
        };
        assert_eq!(resolve(&args).unwrap().workers, 5);
        std::fs::write(&path, "wrokers = 3\n").unwrap();
        let err = format!(
            "{:#}",
            resolve(&RuntimeArgs {
                config: Some(path),
                ..Default::default()
            })
            .unwrap_err()
        );
        assert!(
            err.contains("strom.toml") && err.contains("wrokers"),
            "{err}"
        );
    }

    #[test]
    fn kafka_settings_are_the_defaults_of_kafka_urls_and_bad_ones_are_named() {
        use strom_kafka::{Delivery, KafkaUrl};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("strom.toml");
        let args = RuntimeArgs {
            config: Some(path.clone()),
            ..Default::default()
        };
        std::fs::write(
            &path,
            "[kafka]\ndelivery = \"exactly-once\"\npartitions = 3\nbounded = true\n",
        )
        .unwrap();
        resolve(&args).unwrap();
        let url = KafkaUrl::parse("kafka://h:1/t").unwrap();
        assert_eq!(
            (url.delivery, url.partitions, url.bounded),
            (Delivery::ExactlyOnce, 3, true)
        );
        let own = KafkaUrl::parse("kafka://h:1/t?delivery=none&partitions=2").unwrap();
        assert_eq!((own.delivery, own.partitions), (Delivery::None, 2));
        for (text, named) in [
            ("[kafka]\ncolour = \"red\"\n", "colour"),
            ("[kafka]\npartitions = 0\n", "partitions=\"0\""),
            ("[kafka]\nstart = [1]\n", "kafka.start"),
        ] {
            std::fs::write(&path, text).unwrap();
            let err = format!("{:#}", resolve(&args).unwrap_err());
            assert!(err.contains(named), "{err}");
        }
        strom_kafka::set_defaults(Vec::new()).unwrap();
        assert_eq!(
            KafkaUrl::parse("kafka://h:1/t").unwrap().delivery,
            Delivery::AtLeastOnce
        );
    }

    #[test]
    fn incremental_checkpoints_are_on_unless_turned_off() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("strom.toml");
        let incremental = |text: &str, flag: Option<bool>| {
            std::fs::write(&path, text).unwrap();
            let args = RuntimeArgs {
                config: Some(path.clone()),
                state_backend: Some("disk".into()),
                state_incremental: flag,
                ..Default::default()
            };
            match resolve(&args).unwrap().state_backend {
                strom_core::state::StateBackend::Disk(o) => o.incremental,
                other => panic!("{other:?}"),
            }
        };
        assert!(incremental("", None));
        assert!(!incremental("[state]\nincremental = false\n", None));
        assert!(incremental("[state]\nincremental = false\n", Some(true)));
        assert!(!incremental("", Some(false)));
    }
}
