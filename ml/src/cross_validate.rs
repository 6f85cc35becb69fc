//! k-fold cross-validation over a parameter grid (Spark's `CrossValidator`,
//! scikit-learn's `GridSearchCV`): every grid point (parameters set by their documented
//! names) is fitted on each fold's training rows and scored on its held-out rows; the
//! point of the best mean score is then fitted on all rows.
//!
//! Folds are a seeded hash of each row's values (as [`crate::random_split`]), so they
//! are the same at any worker count and row order, or come from a fold column of
//! indices 0 .. k-1 (Spark's `foldCol`, scikit-learn's `PredefinedSplit`), which is then
//! left out of the table the estimator sees. All grid points and folds are fitted in
//! one job (each fit its own part of the dataflow); the refit on all rows is a second.

use strom_core::RuntimeConfig;
use strom_dataset::DataSet;

use crate::error::{Error, Result};
use crate::metrics::{Metric, evaluate};
use crate::params::Params;
use crate::run::run_on_table;
use crate::split::row_hash;
use crate::stage::Estimator;
use crate::table::{ColumnType, Row, Schema, Table, TableOptions, Value, fail_on_error};

/// Parameter values to try: the product of every parameter's values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParamGrid {
    axes: Vec<(String, Vec<String>)>,
}

/// One grid point: `(parameter name, value)` pairs.
pub type ParamPoint = Vec<(String, String)>;

impl ParamGrid {
    /// An empty grid (one point: the estimator as it is).
    pub fn new() -> Self {
        ParamGrid::default()
    }

    /// Adds parameter `name` with `values` (by their string forms, as `--param`).
    #[must_use]
    pub fn with(mut self, name: &str, values: &[&str]) -> Self {
        let values = values.iter().map(|v| v.to_string()).collect();
        self.axes.push((name.to_string(), values));
        self
    }

    /// The grid points, the last parameter varying fastest.
    pub fn points(&self) -> Vec<ParamPoint> {
        self.axes
            .iter()
            .fold(vec![Vec::new()], |points, (name, values)| {
                points
                    .iter()
                    .flat_map(|p| {
                        values.iter().map(move |v| {
                            let mut p = p.clone();
                            p.push((name.clone(), v.clone()));
                            p
                        })
                    })
                    .collect()
            })
    }
}

/// Cross-validates an estimator over a [`ParamGrid`].
#[derive(Clone, Debug)]
pub struct CrossValidator<E> {
    /// The estimator, with the parameters the grid leaves alone.
    pub estimator: E,
    /// The grid.
    pub grid: ParamGrid,
    /// The number of folds k ≥ 2 (default 3).
    pub folds: u32,
    /// The seed of the fold hash (default 0).
    pub seed: u64,
    /// A column of fold indices instead of the hash (default none).
    pub fold_column: Option<String>,
    /// The score (default accuracy).
    pub metric: Metric,
    /// The label column (default `label`).
    pub label: String,
    /// The column scored: a number, or a vector of class probabilities whose entry 1
    /// is scored (default `prediction`; `probability` for AUC and log loss).
    pub score: String,
}

impl<E> CrossValidator<E> {
    /// Cross-validation of `estimator` over `grid`.
    pub fn new(estimator: E, grid: ParamGrid) -> Self {
        CrossValidator {
            estimator,
            grid,
            folds: 3,
            seed: 0,
            fold_column: None,
            metric: Metric::Accuracy,
            label: "label".into(),
            score: "prediction".into(),
        }
    }

    /// Sets the number of folds.
    #[must_use]
    pub fn with_folds(mut self, folds: u32) -> Self {
        self.folds = folds;
        self
    }

    /// Sets the seed of the fold hash.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Takes the folds from `column` (indices 0 .. k-1).
    #[must_use]
    pub fn with_fold_column(mut self, column: &str) -> Self {
        self.fold_column = Some(column.to_string());
        self
    }

    /// Sets the metric, the label column and the scored column.
    #[must_use]
    pub fn with_metric(mut self, metric: Metric, label: &str, score: &str) -> Self {
        self.metric = metric;
        self.label = label.to_string();
        self.score = score.to_string();
        self
    }
}

/// The outcome of [`cross_validate`].
#[derive(Clone, Debug)]
pub struct CrossValidation<M> {
    /// The grid points, in [`ParamGrid::points`] order.
    pub points: Vec<ParamPoint>,
    /// Per grid point, the score of each fold.
    pub fold_scores: Vec<Vec<f64>>,
    /// Per grid point, the mean score over the folds.
    pub scores: Vec<f64>,
    /// The index of the best grid point (the first of ties).
    pub best: usize,
    /// The best grid point's model, fitted on all rows.
    pub model: M,
}

/// Whether a larger score is better.
fn larger_is_better(metric: Metric) -> bool {
    !matches!(metric, Metric::LogLoss | Metric::Rmse | Metric::Mae)
}

/// `schema` without numeric column `name`, and where it was.
fn without(schema: &Schema, name: &str) -> Result<(Schema, usize)> {
    let at = schema.typed_index(name, &[ColumnType::Number])?;
    let rest = schema
        .columns()
        .iter()
        .filter(|c| c.name != name)
        .map(|c| (c.name.clone(), c.ty));
    Ok((Schema::new(rest), at))
}

/// The training and held-out rows of each fold: `(train, test)` per fold.
///
/// # Errors
/// [`Error::Param`] for fewer than 2 folds, [`Error::Column`] for a fold column that is
/// missing or not numeric; a fold index out of range fails the job naming the column.
pub fn k_fold<'s>(
    table: &Table<'s>,
    folds: u32,
    seed: u64,
    fold_column: Option<&str>,
) -> Result<Vec<(Table<'s>, Table<'s>)>> {
    if folds < 2 {
        return Err(Error::param("folds", "must be at least 2"));
    }
    let (schema, tagged): (Schema, DataSet<'s, (u32, Row)>) = match fold_column {
        None => (
            table.schema.clone(),
            table.rows.map(move |r| {
                let f = (row_hash(&r, seed) * f64::from(folds)) as u32;
                (f.min(folds - 1), r)
            }),
        ),
        Some(name) => {
            let (rest, at) = without(&table.schema, name)?;
            let name = name.to_string();
            let check = move |r: &(f64, Row)| {
                let f = r.0;
                if f >= 0.0 && f < f64::from(folds) && f.fract() == 0.0 {
                    Ok((f as u32, r.1.clone()))
                } else {
                    Err(Error::column(
                        &name,
                        format!("fold {f} is not one of 0 .. {}", folds - 1),
                    ))
                }
            };
            let failure = table.rows.env().failure();
            let folded = table.rows.map(move |mut r: Row| {
                let f = r.remove(at).as_num().unwrap_or(f64::NAN);
                (f, r)
            });
            (rest, folded.flat_map(fail_on_error(&failure, check)))
        }
    };
    Ok((0..folds)
        .map(|f| {
            let part = |held_out: bool| {
                let rows = tagged
                    .filter(move |(g, _)| (*g == f) == held_out)
                    .map(|(_, r)| r);
                Table::new(schema.clone(), rows)
            };
            (part(false), part(true))
        })
        .collect())
}

/// The score of `(grid point, fold)` for every point and fold, as
/// `(point, fold, score)` records on worker 0, built lazily in `table`'s job.
///
/// # Errors
/// A bad grid parameter or column, as the estimator's `fit` finds it.
pub fn fold_scores<'s, E>(
    table: &Table<'s>,
    cv: &CrossValidator<E>,
) -> Result<DataSet<'s, (u32, u32, f64)>>
where
    E: Estimator + Params,
{
    let folds = k_fold(table, cv.folds, cv.seed, cv.fold_column.as_deref())?;
    let mut all: Option<DataSet<'s, (u32, u32, f64)>> = None;
    for (p, point) in cv.grid.points().into_iter().enumerate() {
        let mut estimator = cv.estimator.clone();
        for (name, value) in &point {
            estimator.set(name, value)?;
        }
        for (f, (train, test)) in folds.iter().enumerate() {
            let out = estimator.fit(train)?.transform(test)?;
            let score_at = out.schema.index(&cv.score)?;
            let label_at = out.schema.typed_index(&cv.label, &[ColumnType::Number])?;
            let pairs = out.rows.map(move |r: Row| {
                let score = match &r[score_at] {
                    Value::Vec(v) if v.len() > 1 => v.get(1),
                    other => other.as_num().unwrap_or(f64::NAN),
                };
                (score, r[label_at].as_num().unwrap_or(f64::NAN))
            });
            let (p, f) = (p as u32, f as u32);
            let scored = evaluate(&pairs, cv.metric).map(move |s| (p, f, s));
            all = Some(match all {
                Some(a) => a.union(&scored),
                None => scored,
            });
        }
    }
    Ok(all.expect("a grid has a point and k ≥ 2 folds"))
}

/// Cross-validates on the table at `url`, then fits the best grid point on all of it.
///
/// # Errors
/// A bad grid parameter, column or fold count; a fold without held-out rows; the jobs'
/// failures.
pub fn cross_validate<E>(
    config: &RuntimeConfig,
    url: &str,
    options: &TableOptions,
    cv: &CrossValidator<E>,
) -> Result<CrossValidation<E::Model>>
where
    E: Estimator + Params + Send + Sync,
{
    let job = cv.clone();
    let scored = run_on_table(config, url, options, move |_, table| {
        Ok(fold_scores(&table, &job)?.collect())
    })?;
    let points = cv.grid.points();
    let mut fold_scores = vec![vec![f64::NAN; cv.folds as usize]; points.len()];
    for (p, f, s) in scored {
        fold_scores[p as usize][f as usize] = s;
    }
    if let Some(f) = fold_scores[0].iter().position(|s| s.is_nan()) {
        return Err(Error::Data(format!("{url}: fold {f} has no held-out rows")));
    }
    let scores: Vec<f64> = fold_scores
        .iter()
        .map(|s| s.iter().sum::<f64>() / s.len() as f64)
        .collect();
    let sign = if larger_is_better(cv.metric) {
        1.0
    } else {
        -1.0
    };
    let best = (0..scores.len()).fold(0, |b, i| {
        if sign * scores[i] > sign * scores[b] {
            i
        } else {
            b
        }
    });
    let mut estimator = cv.estimator.clone();
    for (name, value) in &points[best] {
        estimator.set(name, value)?;
    }
    let fold_column = cv.fold_column.clone();
    let models = run_on_table(config, url, options, move |_, table| {
        // The fold column is no feature: leave it out of the refit, as of the folds.
        let table = match &fold_column {
            Some(column) => {
                let (schema, at) = without(&table.schema, column)?;
                let rows = table.rows.map(move |mut r: Row| {
                    r.remove(at);
                    r
                });
                Table::new(schema, rows)
            }
            None => table,
        };
        Ok(estimator.fit(&table)?.collect())
    })?;
    let model = models
        .into_iter()
        .next()
        .ok_or_else(|| Error::Data(format!("{url}: no rows to fit on")))?;
    Ok(CrossValidation {
        points,
        fold_scores,
        scores,
        best,
        model,
    })
}
