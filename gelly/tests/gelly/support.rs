//! Running a small job at several numbers of workers and sorting what it collects.

use strom_core::RuntimeConfig;
use strom_dataset::{Data, DataSet, Env, execute};

/// The numbers of workers every case runs at.
pub(crate) const WORKERS: [usize; 2] = [1, 3];

/// What `build` collects, sorted, at `workers` workers.
pub(crate) fn run<T: Data + Ord>(
    workers: usize,
    build: impl for<'s> Fn(&Env<'s>) -> DataSet<'s, T> + Send + Sync + 'static,
) -> Vec<T> {
    let mut got = execute(
        &RuntimeConfig::default().with_workers(workers),
        move |env| build(env).collect(),
    )
    .unwrap()
    .unwrap();
    got.sort();
    got
}

/// Asserts that `build` collects `expected` (in any order) at every number of workers.
pub(crate) fn check<T: Data + Ord + std::fmt::Debug>(
    expected: Vec<T>,
    build: impl for<'s> Fn(&Env<'s>) -> DataSet<'s, T> + Clone + Send + Sync + 'static,
) {
    let mut expected = expected;
    expected.sort();
    for w in WORKERS {
        assert_eq!(run(w, build.clone()), expected, "at {w} workers");
    }
}

/// A Python virtual environment with networkx 3.4.2 (from PyPI, once per test
/// process), or why it cannot be had.
pub(crate) fn networkx() -> Result<std::path::PathBuf, String> {
    use std::process::Command;
    static ENV: std::sync::OnceLock<Result<std::path::PathBuf, String>> =
        std::sync::OnceLock::new();
    let sh = |cmd: &mut Command| -> Result<(), String> {
        let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{cmd:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    };
    ENV.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("gelly-networkx");
        if dir.join(".ready").exists() {
            return Ok(dir);
        }
        let staging = dir.with_extension(format!("staging-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        sh(Command::new("python3").args(["-m", "venv"]).arg(&staging))?;
        sh(Command::new(staging.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg("networkx==3.4.2"))?;
        std::fs::write(staging.join(".ready"), b"").map_err(|e| e.to_string())?;
        if std::fs::rename(&staging, &dir).is_err() && !dir.join(".ready").exists() {
            return Err(format!("could not create {}", dir.display()));
        }
        Ok(dir)
    })
    .clone()
}

/// A seeded xorshift generator of `u64`s, for test graphs.
pub(crate) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}

/// What the networkx script `tests/gelly/<script>` prints when run with `args`, or
/// `None` after a skip message when networkx cannot be installed.
pub(crate) fn networkx_output(script: &str, args: &[&std::ffi::OsStr]) -> Option<String> {
    let env = match networkx() {
        Ok(env) => env,
        Err(why) => {
            eprintln!("skipping: networkx from PyPI is not available ({why})");
            return None;
        }
    };
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/gelly")
        .join(script);
    let out = std::process::Command::new(env.join("bin/python"))
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

/// What the networkx script `tests/gelly/<script>` prints for `edges` (written to an
/// `a b` edge list in the scratch folder `name`), or `None` after a skip message when
/// networkx cannot be installed.
pub(crate) fn networkx_answers(script: &str, name: &str, edges: &[(u64, u64)]) -> Option<String> {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("edges.txt");
    let text: String = edges.iter().map(|(a, b)| format!("{a} {b}\n")).collect();
    std::fs::write(&file, text).unwrap();
    networkx_output(script, &[file.as_os_str()])
}
