//! Strom's side of `strom-bench ml`, run in a child process (`strom-bench ml-engine
//! WORKERS TASK OUT ARGS...`, the arguments of `peers/spark_ml.py`): one strom-ml job
//! reads the table and fits the model (`strom_ml::fit`), which goes to OUT as the same
//! JSON as Spark's. A second job then only reads the table, and the fit alone is
//! reported as the first job's time less the second's.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::json;
use strom_core::RuntimeConfig;
use strom_ml::{Als, KMeans, LogisticRegression, TableOptions, read_schema, read_table};

fn arg<T: std::str::FromStr>(args: &[String], i: usize, name: &str) -> Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    args.get(i)
        .with_context(|| format!("missing {name}"))?
        .parse()
        .with_context(|| name.to_string())
}

/// Seconds of a job that reads the table at `url` and counts its rows.
fn read_only(config: &RuntimeConfig, url: &str) -> Result<f64> {
    let started = Instant::now();
    let url = url.to_string();
    let rows = strom_dataset::execute(config, move |env| {
        match read_table(env, &url, &TableOptions::default()) {
            Ok(t) => t.rows.count(),
            Err(e) => {
                env.fail(&e.into());
                env.empty::<u64>().count()
            }
        }
    })?;
    anyhow::ensure!(rows.unwrap_or(0) > 0, "no rows read");
    Ok(started.elapsed().as_secs_f64())
}

/// (Internal) `ml-engine WORKERS TASK OUT ARGS...`.
pub(crate) fn engine(args: &[String]) -> Result<()> {
    let [workers, task, out, rest @ ..] = args else {
        bail!("usage: strom-bench ml-engine WORKERS TASK OUT ARGS...");
    };
    let config = RuntimeConfig::default().with_workers(workers.parse().context("WORKERS")?);
    let url: String = arg(rest, 0, "DATA")?;
    let options = TableOptions::default();
    let started = Instant::now();
    let model = match task.as_str() {
        "lr" => {
            let estimator = LogisticRegression::default()
                .with_label("label")
                .with_max_iter(arg(rest, 1, "MAX_ITER")?)
                .with_tol(arg(rest, 2, "TOL")?)
                .with_reg(arg(rest, 3, "REG")?)
                .with_standardize(true);
            let m = strom_ml::fit(&config, &url, &options, estimator)?;
            json!({
                "coefficients": m.coefficients[0],
                "intercept": m.intercepts[0],
                "iterations": m.iterations,
            })
        }
        "kmeans" => {
            let schema = read_schema(&url, &options)?;
            let features: Vec<String> = schema
                .columns()
                .iter()
                .map(|c| c.name.clone())
                .filter(|n| n.starts_with('f'))
                .collect();
            let names: Vec<&str> = features.iter().map(String::as_str).collect();
            let estimator = KMeans::default()
                .with_features(&names)
                .with_k(arg(rest, 1, "K")?)
                .with_max_iter(arg(rest, 2, "MAX_ITER")?)
                .with_tol(arg(rest, 3, "TOL")?)
                .with_init_steps(arg(rest, 4, "INIT_STEPS")?)
                .with_seed(arg(rest, 5, "SEED")?);
            let m = strom_ml::fit(&config, &url, &options, estimator)?;
            json!({"centres": m.centres, "inertia": m.inertia})
        }
        "als" => {
            let estimator = Als::default()
                .with_rank(arg(rest, 1, "RANK")?)
                .with_max_iter(arg(rest, 2, "MAX_ITER")?)
                .with_reg(arg(rest, 3, "REG")?)
                .with_seed(arg(rest, 4, "SEED")?);
            let m = strom_ml::fit(&config, &url, &options, estimator)?;
            json!({"users": m.users, "items": m.items})
        }
        other => bail!("unknown task {other:?} (lr, kmeans or als)"),
    };
    let processing = started.elapsed().as_secs_f64();
    std::fs::write(Path::new(out), serde_json::to_vec(&model)?)?;
    let read = read_only(&config, &url)?;
    println!(
        "STROM_BENCH {}",
        json!({"processing_s": processing, "fit_s": (processing - read).max(0.0), "read_s": read})
    );
    Ok(())
}
