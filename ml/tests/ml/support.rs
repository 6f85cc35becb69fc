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

/// An oracle's output: the numbers of its first line, and those of each later line.
pub(crate) fn numbers(out: &str) -> (Vec<f64>, Vec<Vec<f64>>) {
    let mut lines = out
        .lines()
        .map(|l| l.split_whitespace().map(|v| v.parse().unwrap()).collect());
    let head = lines.next().unwrap_or_default();
    (head, lines.collect())
}

/// `estimator` fitted on the `x,y` rows `data` at 1 and 2 workers.
pub(crate) fn fits_on_xy<E>(data: &[(f64, f64)], estimator: E) -> Vec<E::Model>
where
    E: strom_ml::Estimator + Send + Sync,
{
    let dir = tempfile::tempdir().unwrap();
    let path = write_xy(&dir, "t.csv", data);
    [1, 2]
        .into_iter()
        .map(|workers| fit_csv(workers, &path, estimator.clone()))
        .collect()
}

/// Fits `pipeline` on the CSV file `csv` with `workers` workers and applies it: the
/// model, and the output rows sorted by their first column (an `id`).
pub(crate) fn fit_apply(
    workers: usize,
    csv: &Path,
    pipeline: strom_ml::Pipeline,
) -> (strom_ml::PipelineModel, Vec<strom_ml::Row>) {
    use strom_ml::Transformer;
    let config = strom_core::RuntimeConfig::default().with_workers(workers);
    let (url, options) = (csv.to_str().unwrap(), strom_ml::TableOptions::default());
    let model = strom_ml::fit(&config, url, &options, pipeline).unwrap();
    let m = model.clone();
    let mut rows = strom_ml::run_on_table(&config, url, &options, move |_, t| {
        Ok(m.transform(&t)?.rows.collect())
    })
    .unwrap();
    rows.sort_by(|a, b| a[0].as_num().unwrap().total_cmp(&b[0].as_num().unwrap()));
    (model, rows)
}

/// Whether `a` and `b` agree within `tol`, relatively for large values (NaN with NaN).
pub(crate) fn close(a: f64, b: f64, tol: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= tol * b.abs().max(1.0)
}
