//! Retention of checkpoints (`docs/0009-checkpoints.md`, rule 4 and "Cleanup"): the
//! newest few committed checkpoints are kept (with the older folders their
//! incremental snapshots build on); folders without a marker that a dead run left
//! are swept at a run's first commit; markers of an abandoned timeline are dropped
//! when a run starts. Deletes go through object_store, so this works on S3 too.

use std::collections::{BTreeMap, BTreeSet};

use strom_core::storage::list_files;

use super::protocol::Marker;
use super::{folder, locate};

/// Epochs of the checkpoint folders the files of `marker` name outside its own.
pub(super) fn shared_epochs(marker: &Marker) -> BTreeSet<u64> {
    marker
        .files
        .keys()
        .filter_map(|p| p.strip_prefix("../chk-")?.split('/').next()?.parse().ok())
        .collect()
}

/// The checkpoint folders under `dir` by epoch, each with whether it is committed.
pub(super) fn checkpoint_folders(dir: &str) -> BTreeMap<u64, bool> {
    let mut folders = BTreeMap::new();
    for file in list_files(dir).unwrap_or_default() {
        let url = &file.location.url;
        let rel = url.strip_prefix(dir.trim_end_matches('/')).unwrap_or(url);
        let Some(epoch) = rel
            .split('/')
            .find_map(|part| part.strip_prefix("chk-")?.parse::<u64>().ok())
        else {
            continue;
        };
        *folders.entry(epoch).or_insert(false) |= url.ends_with("/COMMITTED");
    }
    folders
}

/// The epochs of the savepoints under `dir`.
pub(super) fn savepoint_epochs(dir: &str) -> BTreeSet<u64> {
    list_files(dir)
        .unwrap_or_default()
        .iter()
        .filter_map(|file| {
            let url = &file.location.url;
            let rel = url.strip_prefix(dir.trim_end_matches('/')).unwrap_or(url);
            rel.split('/')
                .find_map(|part| part.strip_prefix("savepoint-")?.parse::<u64>().ok())
        })
        .collect()
}

/// Deletes the checkpoint folders below epoch `committed` that have no marker: what
/// a run that died while taking them left behind.
pub(super) fn sweep_incomplete(dir: &str, committed: u64) {
    let shared: BTreeSet<u64> = super::committed(dir)
        .unwrap_or_default()
        .iter()
        .flat_map(|r| shared_epochs(&r.marker))
        .collect();
    for (epoch, done) in checkpoint_folders(dir) {
        if epoch < committed && !done && !shared.contains(&epoch) {
            let _ = locate(dir, &folder(epoch)).and_then(|l| l.delete_prefix());
        }
    }
}

/// Deletes the markers of checkpoints from epoch `first` on.
pub(super) fn drop_markers_from(dir: &str, first: u64) {
    for (epoch, done) in checkpoint_folders(dir) {
        if epoch >= first && done {
            let _ = locate(dir, &format!("{}/COMMITTED", folder(epoch)))
                .and_then(|l| l.delete_prefix());
        }
    }
}

/// The committed checkpoints a run keeps: the newest `retain`, and the folders of
/// older ones while a kept one builds on their files.
pub(super) struct Retention {
    retain: usize,
    /// Checkpoints committed by this run, with the epochs their files build on.
    done: Vec<(u64, BTreeSet<u64>)>,
    swept: bool,
}

impl Retention {
    /// Keeps the newest `retain`.
    pub(super) fn new(retain: usize) -> Self {
        Retention {
            retain,
            done: Vec::new(),
            swept: false,
        }
    }

    /// After `marker` of `dir` is committed: sweeps what dead runs left (at the run's
    /// first commit), and deletes what is past retention.
    pub(super) fn committed(&mut self, dir: &str, marker: &Marker) {
        let epoch = marker.epoch;
        if !self.swept {
            // Incomplete checkpoints are left only by earlier runs.
            sweep_incomplete(dir, epoch);
            self.swept = true;
        }
        self.done.push((epoch, shared_epochs(marker)));
        // Past the newest `retain`, a checkpoint is no longer one (its marker goes);
        // its folder goes once none of those builds on its files (incremental
        // snapshots).
        let kept = self.done.len().saturating_sub(self.retain);
        let needed: BTreeSet<u64> = self.done[kept..]
            .iter()
            .flat_map(|(_, s)| s.iter().copied())
            .collect();
        let mut i = 0;
        while i < self.done.len().saturating_sub(self.retain) {
            let old = self.done[i].0;
            if needed.contains(&old) {
                let marker = format!("{}/COMMITTED", folder(old));
                let _ = locate(dir, &marker).and_then(|l| l.delete_prefix());
                i += 1;
                continue;
            }
            self.done.remove(i);
            let _ = locate(dir, &folder(old)).and_then(|l| l.delete_prefix());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(dir: &std::path::Path, epoch: u64, committed: bool) {
        let f = dir.join(folder(epoch));
        std::fs::create_dir_all(f.join("000-process")).unwrap();
        std::fs::write(f.join("000-process/kg-00000.bin"), b"state").unwrap();
        if committed {
            std::fs::write(f.join("COMMITTED"), b"{}").unwrap();
        }
    }

    #[test]
    fn leftovers_of_dead_runs_are_cleaned() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_str().unwrap();
        make(tmp.path(), 3, true);
        make(tmp.path(), 4, false);
        make(tmp.path(), 5, true);
        make(tmp.path(), 6, true);
        make(tmp.path(), 7, false);
        std::fs::create_dir_all(tmp.path().join("savepoint-0000000002")).unwrap();
        std::fs::write(tmp.path().join("savepoint-0000000002/COMMITTED"), b"{}").unwrap();
        // A run restored from epoch 5 starts at 6: epoch 6's marker is abandoned.
        drop_markers_from(dir, 6);
        let folders = checkpoint_folders(dir);
        assert_eq!(
            folders.into_iter().collect::<Vec<_>>(),
            [(3, true), (4, false), (5, true), (6, false), (7, false)]
        );
        // Its first commit, of epoch 7, removes what has no marker below it.
        sweep_incomplete(dir, 7);
        assert_eq!(
            checkpoint_folders(dir).into_iter().collect::<Vec<_>>(),
            [(3, true), (5, true), (7, false)]
        );
        assert!(tmp.path().join("savepoint-0000000002/COMMITTED").exists());
    }
}
