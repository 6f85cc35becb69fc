//! The peer engines: Spark (PyPI `pyspark`) and Flink (PyPI `apache-flink`), each in its
//! own virtual environment under the data folder (their pinned dependencies differ),
//! installed by `strom-bench setup`; their jobs are `benches/peers/*_jobs.py`. The Spark
//! environment also holds `tpchgen-cli` (TPC-H data) and matplotlib (the report's charts).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The peers' packages, pinned.
const SPARK_PACKAGES: &[&str] = &["pyspark==4.3.0", "tpchgen-cli==4.0.0", "matplotlib==3.11.2"];
const FLINK_PACKAGES: &[&str] = &["apache-flink==2.3.0"];

/// Where the peers' environments live.
pub(crate) fn home(data: &Path) -> PathBuf {
    data.join("peers")
}

fn python(data: &Path, engine: &str) -> PathBuf {
    home(data).join(engine).join("bin/python")
}

/// Whether `engine`'s environment is installed.
pub(crate) fn installed(data: &Path, engine: &str) -> bool {
    home(data).join(engine).join(".installed").exists()
}

fn sh(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {shown}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(8).collect();
        bail!(
            "{shown} failed:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    Ok(())
}

/// Installs both peers' environments (skipping those already there) and checks Java.
pub(crate) fn setup(data: &Path) -> Result<()> {
    sh(Command::new("java").arg("-version"))
        .context("Spark and Flink need a Java runtime (17) on PATH")?;
    for (engine, packages) in [("spark", SPARK_PACKAGES), ("flink", FLINK_PACKAGES)] {
        install(data, engine, packages)?;
    }
    Ok(())
}

/// Installs `packages` into the environment `name` under the data folder, unless it
/// is there already; gives the environment's folder.
pub(crate) fn install(data: &Path, name: &str, packages: &[&str]) -> Result<PathBuf> {
    let dir = home(data).join(name);
    if installed(data, name) {
        println!("{name}: installed in {}", dir.display());
        return Ok(dir);
    }
    println!(
        "{name}: installing {} into {}",
        packages.join(" "),
        dir.display()
    );
    sh(Command::new("python3").args(["-m", "venv"]).arg(&dir))?;
    sh(Command::new(dir.join("bin/python"))
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(packages))
    .with_context(|| format!("installing {name} from PyPI"))?;
    std::fs::write(dir.join(".installed"), packages.join("\n"))?;
    println!("{name}: ready");
    Ok(dir)
}

/// The script folder (`benches/peers`).
pub(crate) fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("peers")
}

/// The command that runs `workload` (a script workload name) on `engine` with `workers`
/// parallelism, output to `out`.
pub(crate) fn command(
    data: &Path,
    engine: &str,
    workers: usize,
    workload: &str,
    out: &Path,
    args: &[String],
) -> Command {
    let mut cmd = Command::new(python(data, engine));
    cmd.arg(scripts().join(format!("{engine}_jobs.py")))
        .arg(workers.to_string())
        .arg(workload)
        .arg(out)
        .args(args);
    cmd
}

/// Runs the charts script with the Spark environment's matplotlib.
pub(crate) fn charts(data: &Path, results: &Path, out_dir: &Path) -> Result<()> {
    if !installed(data, "spark") {
        bail!("no charts: matplotlib comes with the peers (`strom-bench setup`)");
    }
    sh(Command::new(python(data, "spark"))
        .arg(scripts().join("charts.py"))
        .arg(results)
        .arg(out_dir))
}

fn tpchgen(data: &Path) -> Result<PathBuf> {
    let local = home(data).join("spark/bin/tpchgen-cli");
    if local.exists() {
        return Ok(local);
    }
    bail!("TPC-H data needs tpchgen-cli: run `strom-bench setup` (it installs it from PyPI)")
}

/// TPC-H tables customer, orders and lineitem at scale factor `sf` in `dir`, as Parquet
/// (`format` "parquet") or CSV ("csv": for Flink, whose PyPI package has no Parquet
/// format), made by tpchgen-cli from the environments under `data`.
pub(crate) fn ensure_tpch(data: &Path, dir: &Path, sf: &str, format: &str) -> Result<()> {
    if dir.join(format!("lineitem.{format}")).exists() {
        return Ok(());
    }
    println!("generating TPC-H sf {sf} ({format}) into {}", dir.display());
    sh(Command::new(tpchgen(data)?)
        .args([format, "-s", sf, "--tables", "customer,orders,lineitem"])
        .arg("--output-dir")
        .arg(dir))
}
