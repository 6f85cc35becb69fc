//! `strom cluster`: helpers for starting one process of a cluster across machines, as a
//! container's entrypoint does (`deploy/entrypoint.sh`):
//!
//! ```text
//! strom cluster hosts --pattern 'strom-{i}.strom.default.svc.cluster.local:2101' --count 3
//! strom cluster latest-checkpoint --checkpoint-dir s3://bucket/checkpoints/job
//! ```
//!
//! The first prints the host file of a cluster whose hosts are named by their index (the
//! pods of a StatefulSet or of an Indexed Job behind a headless Service); the second
//! the newest usable committed checkpoint in a folder, or nothing, so that a process
//! (re)started by its orchestrator knows whether to add `--restore latest`.
//!
//! Connectivity needs no helper of its own: every process of a cluster connects to all
//! the others before its dataflow starts, retrying names that do not resolve yet, and
//! fails after `--connect-timeout` naming the processes it never reached
//! (`strom_core::launch`).

use anyhow::{Result, bail, ensure};

/// `strom cluster ...`.
#[derive(clap::Subcommand, Debug)]
pub enum ClusterCommand {
    /// Prints a host file: PATTERN with `{i}` replaced by 0, 1, ... COUNT-1, a line each.
    Hosts {
        /// A `host:port` with `{i}` where the index goes.
        #[arg(long)]
        pattern: String,
        /// How many processes the cluster has.
        #[arg(long)]
        count: usize,
    },
    /// Prints the URL of the newest usable committed checkpoint (or savepoint) in a
    /// checkpoint folder; prints nothing when it holds none.
    LatestCheckpoint {
        /// The checkpoint folder (any storage URL).
        #[arg(long, value_name = "URL", env = "STROM_CHECKPOINT_DIR")]
        checkpoint_dir: String,
    },
}

/// Runs a `strom cluster` command.
///
/// # Errors
/// A pattern without `{i}` or a port, a count of 0, or a checkpoint folder that cannot
/// be listed.
pub fn run(command: ClusterCommand) -> Result<()> {
    match command {
        ClusterCommand::Hosts { pattern, count } => {
            let hosts = host_list(&pattern, count)?;
            println!("{}", hosts.join("\n"));
        }
        ClusterCommand::LatestCheckpoint { checkpoint_dir } => {
            if let Some(found) = strom_datastream::checkpoint::latest(&checkpoint_dir)? {
                println!("{}", found.url);
            }
        }
    }
    Ok(())
}

/// The `host:port` of each of `count` processes: `pattern` with `{i}` replaced by the
/// process's index.
///
/// # Errors
/// When `count` is 0, or `pattern` has no `{i}` or no port.
pub fn host_list(pattern: &str, count: usize) -> Result<Vec<String>> {
    ensure!(count > 0, "--count must be at least 1");
    if !pattern.contains("{i}") {
        bail!("the pattern {pattern:?} has no {{i}} for the process's index");
    }
    let port = pattern.rsplit_once(':').map(|(_, p)| p.parse::<u16>());
    if !matches!(port, Some(Ok(p)) if p > 0) {
        bail!("the pattern {pattern:?} does not end in a port (`:2101`)");
    }
    Ok((0..count)
        .map(|i| pattern.replace("{i}", &i.to_string()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_from_a_pattern() {
        assert_eq!(
            host_list("strom-{i}.strom.ns.svc:2101", 3).unwrap(),
            [
                "strom-0.strom.ns.svc:2101",
                "strom-1.strom.ns.svc:2101",
                "strom-2.strom.ns.svc:2101"
            ]
        );
        assert_eq!(host_list("10.0.0.{i}:7000", 1).unwrap(), ["10.0.0.0:7000"]);
    }

    #[test]
    fn bad_patterns_are_refused() {
        let err = |p: &str, n| host_list(p, n).unwrap_err().to_string();
        assert!(err("strom-0.strom:2101", 2).contains("no {i}"));
        assert!(err("strom-{i}.strom", 2).contains("port"));
        assert!(err("strom-{i}.strom:http", 2).contains("port"));
        assert!(err("strom-{i}.strom:2101", 0).contains("at least 1"));
    }
}
