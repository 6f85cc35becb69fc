//! `strom-bench ml`: strom-ml against Spark MLlib (PyPI `pyspark`, `local[2]`) on the
//! same files, each fit in its own process (`compare::measure`: wall time, peak
//! resident memory of the process tree; Spark's JVM counts), every model scored here
//! the same way ([`score`]).
//!
//! - `lr`: binary logistic regression, L2 `reg` (Spark's `regParam`, with
//!   standardisation in both), the same most iterations and tolerance, on
//!   [`data::Points`] (1,000,000 x 50 by default); log loss, accuracy and AUC on
//!   200,000 held-out rows of the same generator.
//! - `kmeans`: k-means|| then Lloyd's steps on the same features (`label` left out),
//!   the same k, init steps, most iterations and tolerance; inertia on the training rows.
//! - `als`: explicit ALS on MovieLens 100k, a seeded 80/20 split shared by both, the
//!   same rank, reg and iterations; RMSE on the held-out 20%.
//!
//! Times: from the job's start to the model in memory, reading the file included (Spark:
//! after its session started; its JVM start-up is in the wall time only); and the fit
//! alone (Spark: after the input is cached and counted; Strom: less a job that only
//! reads). `--runs` rounds alternate the engines; medians reported.
//!
//! ```text
//! strom-bench setup                     # Spark into a virtual environment under the data folder
//! strom-bench --workers 1,2 --runs 1 ml
//! strom-bench ml --tasks als --rows 100000
//! ```

mod data;
mod score;
mod strom;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Result, bail, ensure};

use crate::compare::{measure, peers};
use crate::median;
use data::Points;
use score::ModelFile;

pub(crate) use strom::engine;

/// `strom-bench ml` options.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct MlArgs {
    /// Tasks: lr, kmeans, als.
    #[arg(long, value_delimiter = ',', default_value = "lr,kmeans,als")]
    tasks: Vec<String>,
    /// Rows of the generated points.
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// Features of the generated points.
    #[arg(long, default_value_t = 50)]
    dim: usize,
    /// Held-out rows scoring logistic regression.
    #[arg(long, default_value_t = 200_000)]
    held_out: u64,
    /// Seed of the data, the split and the estimators.
    #[arg(long, default_value_t = 21)]
    seed: u64,
    /// Logistic regression's L2 regularisation (Spark's regParam).
    #[arg(long, default_value_t = 0.01)]
    lr_reg: f64,
    /// Logistic regression's most iterations.
    #[arg(long, default_value_t = 100)]
    lr_max_iter: u32,
    /// Logistic regression's tolerance (Spark's default).
    #[arg(long, default_value_t = 1e-6)]
    lr_tol: f64,
    /// k-means's k (also the clusters the points are drawn from).
    #[arg(long, default_value_t = 10)]
    k: u64,
    /// k-means's most iterations (Spark's default).
    #[arg(long, default_value_t = 20)]
    kmeans_max_iter: u32,
    /// k-means's tolerance (Spark's default).
    #[arg(long, default_value_t = 1e-4)]
    kmeans_tol: f64,
    /// k-means|| sampling steps (Spark's default).
    #[arg(long, default_value_t = 2)]
    init_steps: u32,
    /// ALS's rank.
    #[arg(long, default_value_t = 10)]
    rank: u32,
    /// ALS's regularisation (Spark's regParam).
    #[arg(long, default_value_t = 0.1)]
    als_reg: f64,
    /// ALS's iterations.
    #[arg(long, default_value_t = 10)]
    als_max_iter: u32,
    /// Spark's local[N].
    #[arg(long, default_value_t = 2)]
    spark_workers: usize,
    /// Skip Spark.
    #[arg(long)]
    no_spark: bool,
}

/// One engine's runs of a task.
struct Row {
    engine: String,
    workers: usize,
    processing: Vec<f64>,
    fit: Vec<f64>,
    wall: Vec<f64>,
    peak: Vec<f64>,
    /// The last run's model.
    model: Option<ModelFile>,
}

/// A task's files and arguments.
struct Task {
    name: &'static str,
    args: Vec<String>,
}

fn spark_command(data: &Path, workers: usize, task: &Task, out: &Path) -> Command {
    let mut cmd = Command::new(peers::home(data).join("spark/bin/python"));
    cmd.arg(peers::scripts().join("spark_ml.py"))
        .arg(workers.to_string())
        .arg(task.name)
        .arg(out)
        .args(&task.args);
    cmd
}

fn strom_command(workers: usize, task: &Task, out: &Path) -> Result<Command> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("ml-engine")
        .arg(workers.to_string())
        .arg(task.name)
        .arg(out)
        .args(&task.args);
    Ok(cmd)
}

/// Runs `cmd`, adds its numbers and model to `row`.
fn run(cmd: Command, out: &Path, row: &mut Row) -> Result<()> {
    let _ = std::fs::remove_file(out);
    let m = measure::run_reporting(cmd)?;
    if let Some(e) = m.error {
        bail!("{} at {} workers failed: {e}", row.engine, row.workers);
    }
    let last = &m.reports.last().expect("a report").value;
    row.processing.push(m.cost.processing_s);
    row.fit.push(last["fit_s"].as_f64().unwrap_or(f64::NAN));
    row.wall.push(m.cost.wall_s);
    row.peak.push(m.cost.peak_rss as f64 / f64::from(1 << 20));
    row.model = Some(ModelFile(serde_json::from_slice(&std::fs::read(out)?)?));
    Ok(())
}

fn task(a: &MlArgs, name: &str, dir: &Path, points: &Points) -> Result<(Task, Option<PathBuf>)> {
    let s = |v: &dyn ToString| v.to_string();
    Ok(match name {
        "lr" => {
            let path = points.ensure(dir)?;
            let args = vec![
                path.to_string_lossy().into_owned(),
                s(&a.lr_max_iter),
                s(&a.lr_tol),
                s(&a.lr_reg),
            ];
            (Task { name: "lr", args }, None)
        }
        "kmeans" => {
            let path = points.ensure(dir)?;
            let args = vec![
                path.to_string_lossy().into_owned(),
                s(&a.k),
                s(&a.kmeans_max_iter),
                s(&a.kmeans_tol),
                s(&a.init_steps),
                s(&a.seed),
            ];
            (
                Task {
                    name: "kmeans",
                    args,
                },
                None,
            )
        }
        "als" => {
            let (train, test) = data::movielens_split(dir, a.seed)?;
            let args = vec![
                train.to_string_lossy().into_owned(),
                s(&a.rank),
                s(&a.als_max_iter),
                s(&a.als_reg),
                s(&a.seed),
            ];
            (Task { name: "als", args }, Some(test))
        }
        other => bail!("unknown task {other:?} (lr, kmeans or als)"),
    })
}

/// Each row's quality, as text, and as one number where lower is better (log loss,
/// inertia, RMSE).
fn qualities(
    name: &str,
    rows: &[Row],
    points: &Points,
    a: &MlArgs,
    test: Option<&Path>,
) -> Result<Vec<(String, f64)>> {
    let models = rows.iter().map(|r| r.model.as_ref().expect("a model"));
    match name {
        "lr" => models
            .map(|m| {
                let c = score::classification(m, points, a.held_out)?;
                let iterations = m.0["iterations"].as_u64().unwrap_or(0);
                Ok((
                    format!(
                        "log loss {:.5}, accuracy {:.4}, AUC {:.5} ({iterations} iterations)",
                        c.log_loss, c.accuracy, c.auc
                    ),
                    c.log_loss,
                ))
            })
            .collect(),
        "kmeans" => {
            let centres = models.map(score::centres).collect::<Result<Vec<_>>>()?;
            let per_point = points.rows as f64;
            Ok(score::inertias(&centres, points)
                .into_iter()
                .map(|i| {
                    (
                        format!("inertia {i:.6e} ({:.4} per point)", i / per_point),
                        i,
                    )
                })
                .collect())
        }
        _ => {
            let test = data::read_ratings(test.expect("the held-out split"))?;
            models
                .map(|m| {
                    let (e, n) = score::rmse(m, &test)?;
                    Ok((format!("RMSE {e:.4} ({n} of {} rated)", test.len()), e))
                })
                .collect()
        }
    }
}

/// Runs `strom-bench ml`.
pub(crate) fn bench(a: &MlArgs, workers: &[usize], runs: usize, data: &Path) -> Result<()> {
    ensure!(runs > 0, "--runs must be positive");
    let spark = !a.no_spark;
    if spark && !peers::installed(data, "spark") {
        bail!("Spark is not installed: run `strom-bench setup`, or pass --no-spark");
    }
    let dir = data.join("ml");
    std::fs::create_dir_all(&dir)?;
    let points = Points {
        rows: a.rows,
        dim: a.dim,
        clusters: a.k,
        seed: a.seed,
    };
    let mut report = Vec::new();
    for name in &a.tasks {
        let (task, test) = task(a, name, &dir, &points)?;
        let mut rows: Vec<Row> = Vec::new();
        let new_row = |engine: &str, workers| Row {
            engine: engine.into(),
            workers,
            processing: Vec::new(),
            fit: Vec::new(),
            wall: Vec::new(),
            peak: Vec::new(),
            model: None,
        };
        if spark {
            rows.push(new_row("spark mllib", a.spark_workers));
        }
        rows.extend(workers.iter().map(|&w| new_row("strom", w)));
        for round in 0..runs {
            for row in &mut rows {
                let out = dir.join(format!("{name}-{}-{}.json", row.engine, row.workers));
                let out = PathBuf::from(out.to_string_lossy().replace(' ', "-"));
                eprintln!(
                    "{name}: {} at {} workers, run {}",
                    row.engine,
                    row.workers,
                    round + 1
                );
                let cmd = if row.engine == "strom" {
                    strom_command(row.workers, &task, &out)?
                } else {
                    spark_command(data, row.workers, &task, &out)
                };
                run(cmd, &out, row)?;
            }
        }
        let quality = qualities(name, &rows, &points, a, test.as_deref())?;
        report.push((name.clone(), rows, quality));
    }
    print(&report, a, workers);
    Ok(())
}

type Report = [(String, Vec<Row>, Vec<(String, f64)>)];

fn print(report: &Report, a: &MlArgs, workers: &[usize]) {
    println!(
        "\nlr: {} x {} points, reg {}, at most {} iterations, tol {}; kmeans: k {}, init steps {}, \
         at most {} iterations, tol {}; als: MovieLens 100k 80/20, rank {}, reg {}, {} iterations; \
         seed {}",
        a.rows,
        a.dim,
        a.lr_reg,
        a.lr_max_iter,
        a.lr_tol,
        a.k,
        a.init_steps,
        a.kmeans_max_iter,
        a.kmeans_tol,
        a.rank,
        a.als_reg,
        a.als_max_iter,
        a.seed
    );
    println!(
        "\n| task | engine | workers | read + fit, s | fit alone, s | wall, s | peak MiB | quality | Spark's time / this | peak / Spark's | quality / Spark's |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let mut goals = Vec::new();
    for (name, rows, quality) in report {
        let spark = rows.iter().position(|r| r.engine != "strom");
        let med = |v: &[f64]| median(v.to_vec());
        let base = spark.map(|i| (med(&rows[i].processing), med(&rows[i].peak), quality[i].1));
        for (r, q) in rows.iter().zip(quality) {
            let (t, peak) = (med(&r.processing), med(&r.peak));
            let ratios = base.map_or(["-".into(), "-".into(), "-".into()], |(bt, bp, bq)| {
                [
                    format!("{:.2}", bt / t),
                    format!("{:.2}", peak / bp),
                    format!("{:.4}", q.1 / bq),
                ]
            });
            println!(
                "| {name} | {} | {} | {t:.2} | {:.2} | {:.2} | {peak:.0} | {} | {} | {} | {} |",
                r.engine,
                r.workers,
                med(&r.fit),
                med(&r.wall),
                q.0,
                ratios[0],
                ratios[1],
                ratios[2]
            );
            if let (Some((bt, _, bq)), true) = (base, r.engine == "strom") {
                // Quality: equal or better (lower) within 0.1%, ALS's RMSE within 2%.
                let slack = if name == "als" { 1.02 } else { 1.001 };
                let (speed, good) = (bt / t, q.1 <= bq * slack);
                goals.push(format!(
                    "{name}, strom at {} workers: {:.1}x Spark's speed ({}), quality {:.4} of Spark's ({})",
                    r.workers,
                    speed,
                    if speed >= 10.0 { "goal of 10x met" } else { "goal of 10x not met" },
                    q.1 / bq,
                    if good { "as good" } else { "worse" }
                ));
            }
        }
    }
    println!(
        "(seconds and peak: medians; read + fit from the job's start to the model in memory; wall \
         includes start-up, Spark's JVM; quality: lower is better for the ratio: log loss, inertia, RMSE; \
         strom workers {workers:?})"
    );
    for g in goals {
        println!("- {g}");
    }
}
