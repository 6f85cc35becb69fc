//! Test support: a scikit-learn virtual environment (installed once per test process
//! from PyPI, pinned), and runners.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn sh(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The Python with scikit-learn, or why there is none (PyPI unreachable).
pub(crate) fn sklearn() -> Result<PathBuf, String> {
    static ENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ml-sklearn-1.5.2");
        if !dir.join(".ready").exists() {
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
                .args(["scikit-learn==1.5.2", "numpy==2.1.3", "scipy==1.14.1"]))?;
            std::fs::write(staging.join(".ready"), b"").map_err(|e| e.to_string())?;
            if std::fs::rename(&staging, &dir).is_err() && !dir.join(".ready").exists() {
                return Err(format!("could not create {}", dir.display()));
            }
        }
        Ok(dir.join("bin/python"))
    })
    .clone()
}

/// Runs `script` (Python source) with `args`; its standard output.
pub(crate) fn python(python: &Path, script: &str, args: &[&str]) -> String {
    sh(Command::new(python).arg("-c").arg(script).args(args)).expect("the oracle script runs")
}

/// The Python with scikit-learn, or `None` after saying why the test is skipped.
pub(crate) fn sklearn_or_skip(test: &str) -> Option<PathBuf> {
    match sklearn() {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!("SKIPPED {test}: scikit-learn could not be installed from PyPI: {e}");
            None
        }
    }
}

/// The rows of a numeric CSV file with a header, the last column as the label.
pub(crate) fn read_rows(csv: &Path) -> Vec<(Vec<f64>, f64)> {
    std::fs::read_to_string(csv)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let mut v: Vec<f64> = l.split(',').map(|c| c.parse().unwrap()).collect();
            let label = v.pop().unwrap();
            (v, label)
        })
        .collect()
}

/// Fits `estimator` on the CSV file `csv` with `workers` workers.
pub(crate) fn fit_csv<E: strom_ml::Estimator + Send + Sync>(
    workers: usize,
    csv: &Path,
    estimator: E,
) -> E::Model {
    strom_ml::fit(
        &strom_core::RuntimeConfig::default().with_workers(workers),
        csv.to_str().unwrap(),
        &strom_ml::TableOptions::default(),
        estimator,
    )
    .unwrap()
}

/// Writes `(x, y)` pairs as the CSV `x,y` to `name` in `dir`.
pub(crate) fn write_xy(dir: &tempfile::TempDir, name: &str, data: &[(f64, f64)]) -> PathBuf {
    let path = dir.path().join(name);
    let mut text = String::from("x,y\n");
    for (x, y) in data {
        text.push_str(&format!("{x},{y}\n"));
    }
    std::fs::write(&path, text).unwrap();
    path
}
