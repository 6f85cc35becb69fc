//! Scratch folders: the spill, staging and state folders a job makes for itself, and what
//! happens to them when the process ends early.
//!
//! Every such folder is named `strom-<kind>-<pid>-<random>` and holds an owner file,
//! [`OWNER_FILE`], naming the process that made it (its pid and start time, from
//! `/proc`). The process removes its folders when they are dropped, and all of them at
//! once through [`remove_all`] (a signal handler's clean-up). A process killed outright
//! (SIGKILL) cannot; [`sweep`] then removes, in a parent folder, the scratch folders
//! whose owner process is gone. A folder without a readable owner file, or with a
//! name Strom does not give, is never touched.
//!
//! The end of a process also decides about output: [`close`] stops new scratch folders
//! and refuses [`start_publishing`] from then on, unless publishing had already begun
//! (then the output is published whole rather than in part).
//!
//! Known limitation: liveness is read from `/proc` (Linux); where there is none, a folder
//! is never taken for a leftover. Processes in other pid namespaces sharing a spill
//! folder may be taken for gone.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::error::{Error, Result};

/// The file in every scratch folder that names its owner process.
pub const OWNER_FILE: &str = ".strom-owner";

/// What the process has made and whether it is ending.
#[derive(Default)]
struct Registry {
    live: Vec<PathBuf>,
    swept: HashSet<PathBuf>,
    closing: bool,
    publishing: bool,
}

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A scratch folder of this process, removed with everything in it when dropped.
#[derive(Debug)]
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// A fresh folder `strom-<kind>-<pid>-...` below `parent` (the system's temporary
    /// folder when `None`), marked as this process's. The first folder made below a
    /// parent also [`sweep`]s it.
    ///
    /// # Errors
    /// [`Error::Path`] naming the parent when the folder cannot be made, and when the
    /// process is ending ([`close`]).
    pub fn new(kind: &str, parent: Option<&Path>) -> Result<ScratchDir> {
        let parent = parent.map_or_else(std::env::temp_dir, Path::to_path_buf);
        let fail = |e| Error::path(parent.display(), e);
        let ending = || fail(std::io::Error::other("the process is ending"));
        if registry().closing {
            return Err(ending());
        }
        std::fs::create_dir_all(&parent).map_err(fail)?;
        if registry().swept.insert(parent.clone()) {
            sweep(&parent);
        }
        let dir = tempfile::Builder::new()
            .prefix(&format!("strom-{kind}-{}-", std::process::id()))
            .tempdir_in(&parent)
            .map_err(fail)?;
        std::fs::write(dir.path().join(OWNER_FILE), owner_text(std::process::id()))
            .map_err(|e| Error::path(dir.path().display(), e))?;
        let mut registry = registry();
        if registry.closing {
            return Err(ending());
        }
        let path = dir.keep();
        registry.live.push(path.clone());
        Ok(ScratchDir { path })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        registry().live.retain(|p| p != &self.path);
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The owner file's text for process `pid`.
fn owner_text(pid: u32) -> String {
    let start = start_time(pid).map_or(String::new(), |s| s.to_string());
    format!("strom scratch folder\npid {pid}\nstart {start}\n")
}

/// The start time of process `pid` (clock ticks after boot, `/proc/PID/stat` field 22),
/// or `None` when it is gone or there is no `/proc`.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

/// Whether the process an owner file names is gone (its pid unused, or used by a process
/// that started at another time); `None` when the file is not an owner file.
fn owner_gone(text: &str) -> Option<(u32, bool)> {
    let mut lines = text.lines();
    if lines.next()? != "strom scratch folder" {
        return None;
    }
    let pid: u32 = lines.next()?.strip_prefix("pid ")?.parse().ok()?;
    let start = lines.next()?.strip_prefix("start ")?;
    if !Path::new("/proc/self").exists() {
        return Some((pid, false));
    }
    let gone = match (start_time(pid), start.parse::<u64>().ok()) {
        (None, _) => true,
        (Some(now), Some(then)) => now != then,
        (Some(_), None) => false,
    };
    Some((pid, gone))
}

/// Removes the scratch folders in `parent` left by processes that are gone (killed
/// before they could remove them), saying so in the log; returns what it removed.
/// Folders of live processes, and anything without Strom's name and owner file, stay.
pub fn sweep(parent: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let named = entry.file_name().to_str().is_some_and(|n| {
            ["strom-spill-", "strom-out-", "strom-state-"]
                .iter()
                .any(|p| n.starts_with(p))
        });
        if !named || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path.join(OWNER_FILE)) else {
            continue;
        };
        let Some((pid, true)) = owner_gone(&text) else {
            continue;
        };
        let bytes = size(&path);
        if std::fs::remove_dir_all(&path).is_ok() {
            tracing::warn!(
                "removed {} ({}), left by Strom process {pid}, which is gone",
                path.display(),
                megabytes(bytes)
            );
            removed.push(path);
        }
    }
    removed
}

/// Bytes in the files below `path`.
fn size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => size(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

/// `bytes` as megabytes for messages.
pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The process is ending: no scratch folder is made and no output publishing starts
/// from now on. Returns whether publishing had already started (the caller then lets
/// it finish, so that output is whole).
pub fn close() -> bool {
    let mut registry = registry();
    registry.closing = true;
    registry.publishing
}

/// Whether output may be published: `false` once the process is ending ([`close`]),
/// unless publishing had already started (another worker's publishing is finished, not
/// cut in half).
pub fn start_publishing() -> bool {
    let mut registry = registry();
    if registry.publishing {
        return true;
    }
    if registry.closing {
        return false;
    }
    registry.publishing = true;
    true
}

/// Staging folders a job keeps at its output's URL (window-agg's hidden parts
/// folder), removed when the process ends early ([`remove_staging`]).
static STAGING: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Has the staging folder `url` removed if the process ends early (a signal).
pub fn remove_on_signal(url: &str) {
    let mut staging = STAGING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    staging.push(url.to_string());
}

/// Removes the staging folders of [`remove_on_signal`]: how many there were.
pub fn remove_staging() -> usize {
    let staging = std::mem::take(
        &mut *STAGING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    staging
        .iter()
        .filter(|url| {
            crate::storage::resolve(url)
                .and_then(|l| l.delete_prefix())
                .is_ok()
        })
        .count()
}

/// Removes every scratch folder this process made and still has: `(folders, bytes)`.
pub fn remove_all() -> (usize, u64) {
    let live = std::mem::take(&mut registry().live);
    let mut bytes = 0;
    let mut folders = 0;
    for path in live {
        let held = size(&path);
        if std::fs::remove_dir_all(&path).is_ok() {
            folders += 1;
            bytes += held;
        }
    }
    (folders, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_of_gone_processes_are_swept_and_nothing_else() {
        let parent = tempfile::tempdir().unwrap();
        let mine = ScratchDir::new("spill", Some(parent.path())).unwrap();
        assert!(
            mine.path()
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(&format!("strom-spill-{}-", std::process::id()))
        );
        // A leftover of a process that is gone: pid 0 is never a user process.
        let dead = parent.path().join("strom-out-0-abc");
        std::fs::create_dir(&dead).unwrap();
        std::fs::write(dead.join("w0-1"), b"staged").unwrap();
        std::fs::write(
            dead.join(OWNER_FILE),
            "strom scratch folder\npid 0\nstart 1\n",
        )
        .unwrap();
        // Strom's name without an owner file, and someone else's folder.
        let unmarked = parent.path().join("strom-spill-1-xyz");
        std::fs::create_dir(&unmarked).unwrap();
        let other = parent.path().join("data");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join(OWNER_FILE), "strom scratch folder\npid 0\n").unwrap();
        assert_eq!(sweep(parent.path()), vec![dead.clone()]);
        assert!(!dead.exists() && unmarked.exists() && other.exists());
        assert!(mine.path().exists(), "a live process's folder stays");
        let path = mine.path().to_path_buf();
        drop(mine);
        assert!(!path.exists());
    }

    #[test]
    fn a_live_pid_with_another_start_time_is_gone() {
        let me = std::process::id();
        let now = start_time(me).unwrap();
        let text = |start: u64| format!("strom scratch folder\npid {me}\nstart {start}\n");
        assert_eq!(owner_gone(&text(now)), Some((me, false)));
        assert_eq!(owner_gone(&text(now + 1)), Some((me, true)));
        assert_eq!(owner_gone("something else\npid 1\n"), None);
    }
}
