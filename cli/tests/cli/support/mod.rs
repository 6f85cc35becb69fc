//! Shared setup of the CLI integration tests: the `strom` binary, scratch folders, and
//! the Python tools some tests need (installed from PyPI into a virtual environment
//! under the target folder on first use; a test skips, saying why, only when they cannot
//! be installed).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

mod local_s3;
pub(crate) mod netns;
pub(crate) use local_s3::LocalS3;

/// The `strom` binary under test (its jobs registered under the target folder, not
/// in the user's home).
pub(crate) fn strom() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strom"));
    cmd.env(
        "STROM_HOME",
        Path::new(env!("CARGO_TARGET_TMPDIR")).join("strom-home"),
    );
    cmd
}

/// Runs `strom` with `args`, panicking with its output when it fails.
pub(crate) fn run_strom(args: &[&str]) -> Output {
    let out = strom().args(args).output().expect("strom runs");
    assert!(
        out.status.success(),
        "strom {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A scratch folder under the target folder, kept between runs.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// A seeded xorshift generator: the same numbers on every run.
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// `path` with nothing there: a file or folder left by an earlier run is removed (jobs
/// refuse to write over an existing output without `--overwrite`).
pub(crate) fn fresh(path: PathBuf) -> PathBuf {
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir_all(&path);
    path
}

/// The rows of a CSV output file with a header, without the header, sorted.
pub(crate) fn sorted_rows(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut rows: Vec<String> = text.lines().skip(1).map(String::from).collect();
    rows.sort();
    rows
}

/// Builds `final_dir` once, across test processes: `make` fills a private folder that is
/// then renamed into place (the first one to finish wins).
fn build_once(
    final_dir: &Path,
    make: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<(), String> {
    if final_dir.join(".ready").exists() {
        return Ok(());
    }
    let staging = final_dir.with_extension(format!("staging-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| e.to_string())?;
    make(&staging)?;
    std::fs::write(staging.join(".ready"), b"").map_err(|e| e.to_string())?;
    if std::fs::rename(&staging, final_dir).is_err() {
        let _ = std::fs::remove_dir_all(&staging);
        if !final_dir.join(".ready").exists() {
            return Err(format!("could not create {}", final_dir.display()));
        }
    }
    Ok(())
}

fn sh(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(5).collect();
        Err(format!(
            "{cmd:?} failed: {}",
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        ))
    }
}

/// A virtual environment `name` in the test folder with `packages` installed (once,
/// across test processes), or why it cannot be had.
pub(crate) fn venv(name: &str, packages: &[&str]) -> Result<PathBuf, String> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    build_once(&dir, |staging| {
        sh(Command::new("python3").args(["-m", "venv"]).arg(staging))?;
        sh(Command::new(staging.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(packages))
    })?;
    Ok(dir)
}

/// Runs a script of the support folder with the Python of the environment `env`.
fn script_in(env: &Path, script: &str, args: &[&std::ffi::OsStr]) -> Result<(), String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cli/support")
        .join(script);
    sh(Command::new(env.join("bin/python")).arg(path).args(args))
}

/// The Python virtual environment with the test tools, or why it cannot be had.
pub(crate) fn python_env() -> Result<PathBuf, String> {
    static ENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let tools = [
            "tpchgen-cli==4.0.0",
            "pyarrow",
            "moto[server]",
            "boto3",
            "networkx==3.4.2",
        ];
        venv("py-env-2", &tools)
    })
    .clone()
}

/// A virtual environment with Apache Flink (PyPI `apache-flink`, 2.3; its own, as its
/// pinned pyarrow differs from the test environment's), or why it cannot be had: the
/// package or a `java` to run it on is missing.
pub(crate) fn flink_env() -> Result<PathBuf, String> {
    static ENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        sh(Command::new("java").arg("-version")).map_err(|e| format!("no Java: {e}"))?;
        venv("py-flink", &["apache-flink==2.3.0"])
    })
    .clone()
}

/// Runs a script of the support folder with the Flink environment's Python.
pub(crate) fn flink_script(script: &str, args: &[&std::ffi::OsStr]) -> Result<(), String> {
    script_in(&flink_env()?, script, args)
}

/// TPC-H scale factor 0.1 as `(arrow-rs written, pyarrow written)` folders.
pub(crate) fn tpch_data() -> Result<(PathBuf, PathBuf), String> {
    static DATA: OnceLock<Result<(PathBuf, PathBuf), String>> = OnceLock::new();
    DATA.get_or_init(|| {
        let env = python_env()?;
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tpch-sf0.1");
        build_once(&dir, |staging| {
            sh(Command::new(env.join("bin/python"))
                .arg(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/tests/cli/support/make_tpch_data.py"
                ))
                .arg(env.join("bin/tpchgen-cli"))
                .arg(staging))
        })?;
        Ok((dir.join("arrow-rs"), dir.join("pyarrow")))
    })
    .clone()
}

/// Runs a reference script of the support folder with the test environment's Python.
pub(crate) fn python_script(script: &str, args: &[&std::ffi::OsStr]) -> Result<(), String> {
    script_in(&python_env()?, script, args)
}

/// The dependency graph of Debian's main archive (a real graph of about 290,000 edges,
/// downloaded from the Debian mirror on first use): `(edges.txt, vertices.txt)`.
pub(crate) fn debian_graph() -> Result<(PathBuf, PathBuf), String> {
    static DATA: OnceLock<Result<(PathBuf, PathBuf), String>> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("debian-graph");
        build_once(&dir, |staging| {
            python_script(
                "graph_reference.py",
                &["debian-graph".as_ref(), staging.as_os_str()],
            )
        })?;
        Ok((dir.join("edges.txt"), dir.join("vertices.txt")))
    })
    .clone()
}

/// Prints why a test is skipped (only for tools that cannot be installed here).
pub(crate) fn skip(test: &str, why: &str) {
    eprintln!("SKIPPED {test}: {why}");
}

/// Debian's headless Chromium, installed with apt-get on first use (the package lists
/// refreshed once if the package is not found).
pub(crate) fn chromium() -> Result<PathBuf, String> {
    static CHROMIUM: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    CHROMIUM
        .get_or_init(|| {
            let path = PathBuf::from("/usr/bin/chromium");
            if path.exists() {
                return Ok(path);
            }
            let install = || {
                Command::new("apt-get")
                    .args(["install", "-y", "--no-install-recommends", "chromium"])
                    .env("DEBIAN_FRONTEND", "noninteractive")
                    .output()
                    .is_ok_and(|o| o.status.success())
            };
            let installed = install()
                || (Command::new("apt-get")
                    .arg("update")
                    .output()
                    .is_ok_and(|o| o.status.success())
                    && install());
            if installed && path.exists() {
                Ok(path)
            } else {
                Err(
                    "Debian's chromium package could not be installed (apt-get install chromium)"
                        .into(),
                )
            }
        })
        .clone()
}
