//! Checkpoints written by earlier builds restore or fail cleanly (fjall's
//! `keyspace_v1_load_fixture` idea). Each fixture is a mid-run checkpoint of [`job`]
//! at 2 workers:
//!
//! - `tests/fixtures/checkpoint-v0/` was written before key-group files had a format
//!   version, `checkpoint-v1/` with key-group version 1 (record 0014); both have
//!   markers without a format version (format 0: positions of one closed enum), which
//!   this build migrates as it reads them (record 0017), and restore as below;
//! - `checkpoint-marker-1/` was written with marker format 1 (record 0017, key-group
//!   version 1): restored, the job's running sums end at the totals of the whole input
//!   (so the sums before the checkpoint came from the restored state) and its windows
//!   have their full counts.
//!
//! `UPDATE_FIXTURES=marker-1 cargo test -p strom-datastream --test datastream
//! write_checkpoint_fixture -- --ignored` writes the fixture of the current version
//! again (review the diff).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use strom_core::RuntimeConfig;
use strom_datastream::checkpoint::committed;
use strom_datastream::{Generator, Timestamps, WatermarkStrategy, execute};

/// Records in the job: `(i % 3, i)` at event time `i` ms.
const N: u64 = 6_000;

/// Running sums of `i` per key, and 1 s tumbling window counts per key.
fn job(config: &RuntimeConfig) -> Vec<String> {
    execute(config, |env| {
        let events = env.generate(
            Generator {
                count: Some(N),
                rate: Some(4_000.0),
            },
            |i| (i % 3, i),
            Timestamps::Event(Rc::new(|r: &(u64, u64)| r.1 as i64)),
            WatermarkStrategy::bounded_out_of_orderness(Duration::ZERO),
        );
        let sums = events
            .key_by(|r: &(u64, u64)| r.0)
            .sum(|r| &mut r.1)
            .map(|(k, s)| format!("sum {k} {s}"));
        let windows = events
            .key_by(|r: &(u64, u64)| r.0)
            .tumbling_window(Duration::from_secs(1))
            .aggregate(|| 0u64, |n, _| *n += 1, |n| n)
            .map(|w| format!("window {} {} {}", w.key, w.start, w.value));
        sums.union(&windows)
    })
    .unwrap()
    .unwrap()
}

fn fixture(version: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("checkpoint-{version}"))
}

/// Copies folder `from` into `to`.
fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Restores the checkpoint in the fixture of `version` (from a copy: a restore may
/// tidy its folder) and checks what the job then gives.
fn restores(version: &str) {
    let dir = tempfile::tempdir().unwrap();
    copy(&fixture(version), dir.path());
    let chk = committed(dir.path().to_str().unwrap())
        .unwrap()
        .pop()
        .expect("the fixture holds a committed checkpoint");
    let mut config = RuntimeConfig::default().with_workers(2);
    config.restore = Some(strom_core::Restore::At(chk.url.clone()));
    let rows = job(&config);
    let mut totals: BTreeMap<u64, u64> = BTreeMap::new();
    let mut counts: BTreeMap<(u64, u64), u64> = BTreeMap::new();
    for i in 0..N {
        *totals.entry(i % 3).or_default() += i;
        *counts.entry((i % 3, i / 1_000 * 1_000)).or_default() += 1;
    }
    let mut last: BTreeMap<u64, u64> = BTreeMap::new();
    let mut windows = 0;
    for row in &rows {
        let f: Vec<u64> = row.split(' ').skip(1).map(|x| x.parse().unwrap()).collect();
        if row.starts_with("sum") {
            let s = last.entry(f[0]).or_default();
            *s = (*s).max(f[1]);
        } else {
            windows += 1;
            assert_eq!(counts.get(&(f[0], f[1])), Some(&f[2]), "{version}: {row}");
        }
    }
    assert_eq!(
        last, totals,
        "{version}: the sums go on from the restored state"
    );
    assert!(
        windows > 0 && windows < counts.len(),
        "{version}: the windows after the checkpoint fire, {windows} of {}",
        counts.len()
    );
}

#[test]
fn checkpoints_written_before_marker_versions_restore() {
    for version in ["v0", "v1"] {
        let chk = committed(fixture(version).to_str().unwrap()).unwrap();
        assert_eq!(chk[0].marker.format, 0, "{version}: read as format 0");
        restores(version);
    }
}

#[test]
fn a_checkpoint_of_marker_format_1_restores() {
    let chk = committed(fixture("marker-1").to_str().unwrap()).unwrap();
    assert_eq!(chk.len(), 1, "the fixture holds one checkpoint");
    assert_eq!(chk[0].marker.format, 1);
    let files = std::fs::read_dir(fixture("marker-1"))
        .unwrap()
        .flatten()
        .flat_map(|chk| std::fs::read_dir(chk.path()).unwrap().flatten())
        .filter(|op| op.path().is_dir())
        .flat_map(|op| std::fs::read_dir(op.path()).unwrap().flatten());
    let mut seen = 0;
    for file in files {
        let bytes = std::fs::read(file.path()).unwrap();
        assert_eq!(&bytes[..6], b"STKG\x01\x00", "{:?}", file.path());
        seen += 1;
    }
    assert!(seen > 0, "the fixture has key-group files");
    restores("marker-1");
}

/// Writes the fixture of the version named by `UPDATE_FIXTURES` (a tool, run by hand).
#[test]
#[ignore = "writes tests/fixtures; run by hand with UPDATE_FIXTURES=<version>"]
fn write_checkpoint_fixture() {
    let Ok(version) = std::env::var("UPDATE_FIXTURES") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut config = RuntimeConfig::default().with_workers(2);
    config.checkpoint_dir = Some(dir.path().to_str().unwrap().to_string());
    config.checkpoint_interval = Some(Duration::from_millis(300));
    job(&config);
    let all = committed(dir.path().to_str().unwrap()).unwrap();
    let chosen = &all[all.len() / 2];
    let name = chosen.url.trim_end_matches('/').rsplit('/').next().unwrap();
    let target = fixture(&version);
    let _ = std::fs::remove_dir_all(&target);
    copy(&dir.path().join(name), &target.join(name));
}
