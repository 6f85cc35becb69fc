//! `strom ml`: fit a model on a table and save it, apply a saved model to a table
//! (predictions as CSV, in input order), and evaluate a saved model on a labelled table.
//!
//! Tables are CSV with a header row or Parquet ([`strom_ml::read_table`]); models are
//! `strom-ml` model files ([`strom_ml::save_model`]). Without `--features`, every
//! numeric column but the label is a feature.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use strom_core::RuntimeConfig;
use strom_core::storage::resolve;
use strom_ml::{
    Als, AnyModel, Estimator, KMeans, Knn, LinearRegression, LinearSvc, LogisticRegression, Metric,
    Model, NaiveBayes, Params, Row, Schema, TableOptions, Transformer, Value, load_model,
    read_schema, run_on_table, save_model, silhouette,
};

/// The `strom ml` commands.
#[derive(Subcommand, Debug)]
pub enum MlCommand {
    /// Fits a model on a table and saves it (--algorithm NAME --input URL --label COLUMN
    /// --model-out URL).
    Fit(FitArgs),
    /// Applies a saved model to a table: CSV of the input's columns, `prediction` and
    /// (for probabilistic classifiers) `probability`, one row per input row in order.
    Predict(PredictArgs),
    /// Evaluates a saved model on a labelled table: accuracy and F1 (and for two
    /// classes AUC-ROC, AUC-PR and log loss), RMSE, MAE and R², or k-means inertia and
    /// silhouette (quadratic in the rows).
    Evaluate(EvaluateArgs),
}

/// The algorithms `strom ml fit` knows, by their documented names.
pub const ALGORITHMS: &[&str] = &[
    "logistic-regression",
    "linear-svc",
    "naive-bayes",
    "knn",
    "linear-regression",
    "kmeans",
    "als",
];

/// Arguments of `strom ml fit`.
#[derive(Args, Debug, Clone)]
pub struct FitArgs {
    /// The algorithm: logistic-regression, linear-svc, naive-bayes, knn,
    /// linear-regression, kmeans or als.
    #[arg(long, value_name = "NAME")]
    pub algorithm: String,
    /// The training table: CSV with a header row, or Parquet.
    #[arg(long, value_name = "URL")]
    pub input: String,
    /// The label column (k-means: optional, left out of the features; ALS: the rating
    /// column, default `rating`).
    #[arg(long, value_name = "COLUMN")]
    pub label: Option<String>,
    /// Feature columns (default: every numeric column but the label).
    #[arg(long, value_name = "COL,COL,...", value_delimiter = ',')]
    pub features: Vec<String>,
    /// A parameter by its documented name, e.g. `reg=0.01` (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Where to write the model file.
    #[arg(long, value_name = "URL")]
    pub model_out: String,
}

/// Arguments of `strom ml predict`.
#[derive(Args, Debug, Clone)]
pub struct PredictArgs {
    /// The model file.
    #[arg(long, value_name = "URL")]
    pub model: String,
    /// The table to predict for.
    #[arg(long, value_name = "URL")]
    pub input: String,
    /// Where to write the predictions (CSV with a header).
    #[arg(long, value_name = "URL")]
    pub output: String,
}

/// Arguments of `strom ml evaluate`.
#[derive(Args, Debug, Clone)]
pub struct EvaluateArgs {
    /// The model file.
    #[arg(long, value_name = "URL")]
    pub model: String,
    /// The labelled table.
    #[arg(long, value_name = "URL")]
    pub input: String,
    /// The label column (not needed for k-means).
    #[arg(long, value_name = "COLUMN")]
    pub label: Option<String>,
    /// Print JSON (an object of metric names to values).
    #[arg(long)]
    pub json: bool,
}

/// Runs a `strom ml` command.
///
/// # Errors
/// A bad algorithm, column or parameter (named), or the job's failure.
pub fn run(config: &RuntimeConfig, command: MlCommand) -> Result<()> {
    match command {
        MlCommand::Fit(args) => {
            let model = fit(config, &args)?;
            save_model(&model, &args.model_out)?;
            println!(
                "{} fitted on {}: model written to {}",
                args.algorithm, args.input, args.model_out
            );
            Ok(())
        }
        MlCommand::Predict(args) => predict(config, &args),
        MlCommand::Evaluate(args) => {
            let metrics = evaluate(config, &args)?;
            if args.json {
                let map: serde_json::Map<String, serde_json::Value> = metrics
                    .iter()
                    .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
                    .collect();
                println!("{}", serde_json::Value::Object(map));
            } else {
                for (name, value) in metrics {
                    println!("{name} {value}");
                }
            }
            Ok(())
        }
    }
}

/// Sets `label`, `features` and each `key=value` of `args` on `estimator`, checks its
/// columns against `schema`, and fits it.
fn fit_with<E>(
    config: &RuntimeConfig,
    args: &FitArgs,
    schema: &Schema,
    mut estimator: E,
    label: Option<&str>,
) -> Result<AnyModel>
where
    E: Estimator + Params + Send + Sync,
    AnyModel: From<E::Model>,
{
    if let Some(label) = label {
        estimator.set("label", label)?;
    }
    if !args.features.is_empty() {
        estimator.set("features", &args.features.join(","))?;
    }
    for p in &args.params {
        let (key, value) = p
            .split_once('=')
            .with_context(|| format!("--param {p:?}: expected KEY=VALUE"))?;
        estimator.set(key.trim(), value.trim())?;
    }
    estimator.output_schema(schema)?;
    let model = strom_ml::fit(config, &args.input, &TableOptions::default(), estimator)?;
    Ok(model.into())
}

/// Fits the model `args` asks for.
///
/// # Errors
/// An unknown algorithm, a missing label, a bad column or parameter, the job's failure.
pub fn fit(config: &RuntimeConfig, args: &FitArgs) -> Result<AnyModel> {
    let schema = read_schema(&args.input, &TableOptions::default())?;
    if let Some(label) = &args.label {
        schema.index(label)?;
    }
    let label = || {
        args.label
            .as_deref()
            .with_context(|| format!("{} needs --label COLUMN", args.algorithm))
    };
    match args.algorithm.as_str() {
        "logistic-regression" => fit_with(
            config,
            args,
            &schema,
            LogisticRegression::default(),
            Some(label()?),
        ),
        "linear-svc" => fit_with(config, args, &schema, LinearSvc::default(), Some(label()?)),
        "naive-bayes" => fit_with(config, args, &schema, NaiveBayes::default(), Some(label()?)),
        "knn" => fit_with(config, args, &schema, Knn::default(), Some(label()?)),
        "linear-regression" => fit_with(
            config,
            args,
            &schema,
            LinearRegression::default(),
            Some(label()?),
        ),
        "kmeans" => {
            let mut kmeans = KMeans::default();
            if args.features.is_empty() {
                let except: Vec<&str> = args.label.as_deref().into_iter().collect();
                kmeans.features = schema.numeric_columns_except(&except);
            }
            fit_with(config, args, &schema, kmeans, None)
        }
        // ALS reads `user`, `item` and `rating` columns (`--param user=...` renames them).
        "als" => fit_with(config, args, &schema, Als::default(), args.label.as_deref()),
        other => bail!(
            "unknown algorithm {other:?} (known: {})",
            ALGORITHMS.join(", ")
        ),
    }
}

/// The prediction and probability columns a model adds.
fn output_columns(model: &AnyModel) -> Result<(String, Option<String>)> {
    Ok(match model {
        AnyModel::LogisticRegression(m) => (
            m.params.columns.prediction.clone(),
            Some(m.params.probability.clone()),
        ),
        AnyModel::NaiveBayes(m) => (
            m.params.columns.prediction.clone(),
            Some(m.params.probability.clone()),
        ),
        AnyModel::Knn(m) => (
            m.params.columns.prediction.clone(),
            Some(m.params.probability.clone()),
        ),
        AnyModel::LinearRegression(m) => (m.params.columns.prediction.clone(), None),
        AnyModel::LinearSvc(m) => (m.params.columns.prediction.clone(), None),
        AnyModel::KMeans(m) => (m.params.prediction.clone(), None),
        AnyModel::Als(m) => (m.params.prediction.clone(), None),
        other => bail!("a {} model makes no predictions", other.kind()),
    })
}

/// The input's cells and the model's prediction and probability (of the predicted
/// class), per row.
type Predicted = (Row, f64, Option<f64>);

/// Applies `model` to the table at `url`; the rows in input order with `workers == 1`.
fn apply(config: &RuntimeConfig, model: &AnyModel, url: &str) -> Result<(Schema, Vec<Predicted>)> {
    let schema = read_schema(url, &TableOptions::default())?;
    let out = model.schema(&schema)?;
    let (prediction, probability) = output_columns(model)?;
    let pred_at = out.index(&prediction)?;
    let prob_at = probability.map(|p| out.index(&p)).transpose()?;
    let width = schema.columns().len();
    let m = model.clone();
    let rows = run_on_table(config, url, &TableOptions::default(), move |_, table| {
        let done = m.transform(&table)?;
        Ok(done
            .rows
            .map(move |mut row: Row| {
                let p = row[pred_at].as_num().unwrap_or(f64::NAN);
                let prob = prob_at.and_then(|at| match &row[at] {
                    Value::Vec(v) => Some(v.get(p as usize)),
                    _ => None,
                });
                row.truncate(width);
                (row, p, prob)
            })
            .collect())
    })?;
    Ok((schema, rows))
}

fn csv_cell(value: &Value) -> String {
    match value {
        Value::Num(x) if x.is_nan() => String::new(),
        Value::Num(x) => x.to_string(),
        Value::Str(s) if s.contains([',', '"', '\n']) => format!("\"{}\"", s.replace('"', "\"\"")),
        Value::Str(s) => s.clone(),
        Value::Vec(v) => {
            let cells: Vec<String> = v.to_dense().iter().map(f64::to_string).collect();
            cells.join(" ")
        }
    }
}

/// `strom ml predict`: runs on one worker, so the rows keep their input order.
///
/// # Errors
/// An unreadable model or table, a column the model needs missing, storage errors.
pub fn predict(config: &RuntimeConfig, args: &PredictArgs) -> Result<()> {
    let model = load_model(&args.model)?;
    let ordered = config.clone().with_workers(1);
    let (schema, rows) = apply(&ordered, &model, &args.input)?;
    let probabilistic = rows.first().is_some_and(|r| r.2.is_some());
    let mut text = schema
        .columns()
        .iter()
        .map(|c| csv_cell(&Value::Str(c.name.clone())))
        .collect::<Vec<_>>()
        .join(",");
    text.push_str(",prediction");
    if probabilistic {
        text.push_str(",probability");
    }
    text.push('\n');
    for (row, p, prob) in rows {
        let mut cells: Vec<String> = row.iter().map(csv_cell).collect();
        cells.push(p.to_string());
        if let Some(prob) = prob {
            cells.push(prob.to_string());
        }
        text.push_str(&cells.join(","));
        text.push('\n');
    }
    resolve(&args.output)?.write(text.into_bytes().into())?;
    Ok(())
}

/// `strom ml evaluate`: the model's metrics on the table, by name.
///
/// # Errors
/// As [`predict`], or a missing label for a supervised model.
pub fn evaluate(config: &RuntimeConfig, args: &EvaluateArgs) -> Result<Vec<(&'static str, f64)>> {
    let model = load_model(&args.model)?;
    let (schema, rows) = apply(config, &model, &args.input)?;
    if let AnyModel::KMeans(m) = &model {
        let at: Vec<usize> = m
            .params
            .features
            .iter()
            .map(|f| schema.index(f))
            .collect::<strom_ml::Result<_>>()?;
        let points: Vec<Vec<f64>> = rows
            .iter()
            .map(|(row, _, _)| {
                at.iter()
                    .map(|&i| row[i].as_num().unwrap_or(f64::NAN))
                    .collect()
            })
            .collect();
        let clusters: Vec<usize> = rows.iter().map(|r| r.1 as usize).collect();
        let inertia: f64 = points
            .iter()
            .zip(&clusters)
            .map(|(x, &c)| {
                x.iter()
                    .zip(&m.centres[c])
                    .map(|(a, b)| (a - b).powi(2))
                    .sum::<f64>()
            })
            .sum();
        return Ok(vec![
            ("inertia", inertia),
            ("silhouette", silhouette(&points, &clusters)),
        ]);
    }
    let label = match (&args.label, &model) {
        (Some(label), _) => label.as_str(),
        (None, AnyModel::Als(m)) => m.params.rating.as_str(),
        (None, _) => bail!("evaluating a {} model needs --label COLUMN", model.kind()),
    };
    let label_at = schema.typed_index(label, &[strom_ml::ColumnType::Number])?;
    let y = |row: &Row| row[label_at].as_num().unwrap_or(f64::NAN);
    let mut pairs: Vec<(f64, f64)> = rows.iter().map(|(row, p, _)| (*p, y(row))).collect();
    if let AnyModel::Als(_) = &model {
        // Users or items not seen in training predict NaN: left out (Spark's `drop`).
        pairs.retain(|(p, _)| !p.is_nan());
    }
    if let AnyModel::LinearRegression(_) | AnyModel::Als(_) = &model {
        return Ok(vec![
            ("rmse", Metric::Rmse.of(&pairs)),
            ("mae", Metric::Mae.of(&pairs)),
            ("r2", Metric::R2.of(&pairs)),
        ]);
    }
    let mut out = vec![
        ("accuracy", Metric::Accuracy.of(&pairs)),
        ("f1", Metric::F1.of(&pairs)),
    ];
    let binary = rows.iter().all(|(row, _, _)| matches!(y(row), 0.0 | 1.0));
    if binary && rows.iter().all(|r| r.2.is_some()) {
        // The probability of class 1 from that of the predicted class.
        let scores: Vec<(f64, f64)> = rows
            .iter()
            .map(|(row, p, prob)| {
                let q = prob.unwrap_or(f64::NAN);
                (if *p == 1.0 { q } else { 1.0 - q }, y(row))
            })
            .collect();
        out.push(("auc-roc", Metric::AucRoc.of(&scores)));
        out.push(("auc-pr", Metric::AucPr.of(&scores)));
        out.push(("log-loss", Metric::LogLoss.of(&scores)));
    }
    Ok(out)
}
