//! Locks on the folders a job writes: its outputs and its checkpoint folder.
//!
//! The lock of a local path `DIR/NAME` is the file `DIR/.NAME.strom-lock`, beside it
//! (never inside an output, which readers list), held with `flock` for as long as the
//! job runs and naming the job in JSON: pid, job id, name, start. A second job that
//! would write there is refused at once with that name. The kernel drops a `flock`
//! when its process dies, however it dies, so a lock file left by a killed job is
//! free: the next job takes it over, saying whose it was. A job removes its lock files
//! when it ends.
//!
//! Only local paths (and `file://` URLs) are locked: object stores (`s3://`,
//! `memory://`) have no lock a crashed job would give up, so two jobs writing one
//! object-store prefix are not stopped (their outputs are each published whole, the
//! last one winning).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// Who holds a lock: what its file says.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Holder {
    /// The holding process.
    pub pid: u32,
    /// The job's id (as `strom list` shows it).
    pub job: String,
    /// The built-in job's name.
    pub name: String,
    /// When it took the lock, ms since the Unix epoch.
    pub since_ms: i64,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = (now_ms() - self.since_ms).max(0) / 1000;
        write!(
            f,
            "job {} ({}, pid {}, running for {secs} s)",
            self.job, self.name, self.pid
        )
    }
}

fn now_ms() -> i64 {
    strom_core::time::ProcessingClock::System.now()
}

/// The lock files this process holds (removed by [`release_all`]) and their open files.
static HELD: Mutex<Vec<(PathBuf, File)>> = Mutex::new(Vec::new());

/// The lock file of `url` when it is a local path.
fn lock_file(url: &str) -> Option<PathBuf> {
    let location = strom_core::storage::resolve(url).ok()?;
    let path = location.local?;
    let name = path.file_name()?.to_str()?;
    Some(path.parent()?.join(format!(".{name}.strom-lock")))
}

/// The locks this process holds: given up, their files removed, when dropped (and by
/// [`release_all`], for an exit that runs no destructors).
#[must_use = "the locks are given up when this is dropped"]
pub struct Locks(());

impl Drop for Locks {
    fn drop(&mut self) {
        release_all();
    }
}

/// Locks each `(what, url)` for job `holder` (what: `output`, `--checkpoint-dir`).
///
/// # Errors
/// When another live job holds one of them (naming it and the path), or a lock file
/// cannot be written; the locks taken before it are then given up.
pub fn acquire(targets: &[(&str, &str)], holder: &Holder) -> Result<Locks> {
    let locks = Locks(());
    let mut seen = Vec::new();
    for (what, url) in targets {
        let Some(lock) = lock_file(url) else { continue };
        if seen.contains(&lock) {
            continue;
        }
        seen.push(lock.clone());
        let file = take(&lock, what, url, holder)?;
        HELD.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((lock, file));
    }
    Ok(locks)
}

/// Takes the lock file `lock` of `what` `url` for `holder`.
fn take(lock: &Path, what: &str, url: &str, holder: &Holder) -> Result<File> {
    if let Some(parent) = lock.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("{what} {url}: cannot create {}", parent.display()))?;
    }
    loop {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(lock)
            .with_context(|| format!("{what} {url}: cannot open its lock {}", lock.display()))?;
        let mut text = String::new();
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let _ = file.read_to_string(&mut text);
                let by = serde_json::from_str::<Holder>(&text)
                    .map_or_else(|_| "another job".to_string(), |h| h.to_string());
                bail!(
                    "{what} {url} is in use by {by}: wait for it to end (or stop it), or \
                     write elsewhere (its lock: {})",
                    lock.display()
                );
            }
            Err(TryLockError::Error(e)) => {
                return Err(e)
                    .with_context(|| format!("{what} {url}: cannot lock {}", lock.display()));
            }
        }
        // The holder before us may have removed the file as we opened it: lock the one
        // that is there.
        let same = std::fs::metadata(lock).is_ok_and(|now| {
            file.metadata()
                .is_ok_and(|ours| (ours.dev(), ours.ino()) == (now.dev(), now.ino()))
        });
        if !same {
            continue;
        }
        let _ = file.read_to_string(&mut text);
        if let Ok(old) = serde_json::from_str::<Holder>(&text) {
            tracing::warn!(
                "{what} {url}: taking over the lock left by job {} ({}, pid {}), which is gone",
                old.job,
                old.name,
                old.pid
            );
        }
        let json = serde_json::to_string(holder).expect("a holder serialises");
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(json.as_bytes()))
            .with_context(|| format!("{what} {url}: cannot write its lock {}", lock.display()))?;
        return Ok(file);
    }
}

/// Removes this process's lock files (still holding them, so that no other job takes
/// a file that is then removed) and gives the locks up.
pub fn release_all() {
    let held = std::mem::take(
        &mut *HELD
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    for (path, _file) in held {
        let _ = std::fs::remove_file(&path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_is_refused_while_held_and_taken_over_when_free() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let url = out.to_str().unwrap();
        let lock = lock_file(url).unwrap();
        assert_eq!(lock, dir.path().join(".out.strom-lock"));
        let first = Holder {
            pid: 1,
            job: "aaaa".into(),
            name: "terasort".into(),
            since_ms: now_ms(),
        };
        let held = take(&lock, "output", url, &first).unwrap();
        let second = Holder {
            pid: 2,
            job: "bbbb".into(),
            ..first.clone()
        };
        let refused = take(&lock, "output", url, &second).unwrap_err().to_string();
        assert!(
            refused.contains("is in use by job aaaa (terasort, pid 1"),
            "{refused}"
        );
        drop(held);
        take(&lock, "output", url, &second).unwrap();
        let text = std::fs::read_to_string(&lock).unwrap();
        assert_eq!(serde_json::from_str::<Holder>(&text).unwrap(), second);
        assert!(lock_file("s3://bucket/out/").is_none());
    }
}
