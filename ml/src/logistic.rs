//! Logistic regression, binary and multinomial, with L2 regularisation, trained with
//! L-BFGS as a bulk iteration ([`crate::optimize`]).
//!
//! The objective is Spark's: the mean log loss plus `reg / 2 · ‖w‖²` (intercepts are not
//! penalised). scikit-learn's `LogisticRegression(C=c)` minimises `c · Σ loss + ½‖w‖²`,
//! the same problem for `reg = 1 / (c · n)`. Labels are class indices 0, 1, ...; two
//! classes give one weight vector (binomial), more give one per class (softmax), or
//! `family=multinomial` asks for one per class always. With `standardize=true` the
//! features are scaled to unit standard deviation while training (so the penalty
//! treats them alike, as Spark's default does) and the coefficients scaled back.
//! Known limitation: elastic-net (L1) regularisation and SGD are not built.

use serde::{Deserialize, Serialize};
use strom_dataset::DataSet;

use crate::block::{Block, blocks};
use crate::error::{Error, Result};
use crate::lbfgs::LbfgsConfig;
use crate::optimize::{Loss, Objective, OptState, minimize};
use crate::params::{Columns, Params, check_optimiser, choice_param, params};
use crate::stage::{Estimator, Fitted, Model, RowFn};
use crate::stats::{Stats, stats};
use crate::table::{ColumnType, Schema, Table, Value, feature_extractor, put};
use crate::vector::Vector;

/// Which model family to fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Family {
    /// Binomial for two classes (or one), multinomial for more.
    Auto,
    /// One weight vector per class.
    Multinomial,
}

/// The logistic regression estimator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    /// Input and prediction columns.
    pub columns: Columns,
    /// The output column of class probabilities, a vector (default `probability`).
    pub probability: String,
    /// L2 regularisation strength `reg` ≥ 0 (default 0).
    pub reg: f64,
    /// Most L-BFGS iterations (default 100).
    pub max_iter: u32,
    /// Stop when the objective changes by less than this, relatively (default 1e-9).
    pub tol: f64,
    /// Fit intercepts (default true).
    pub fit_intercept: bool,
    /// Train on features scaled to unit standard deviation (default false).
    pub standardize: bool,
    /// The model family (default auto).
    pub family: Family,
}

impl Default for LogisticRegression {
    fn default() -> Self {
        LogisticRegression {
            columns: Columns::default(),
            probability: "probability".into(),
            reg: 0.0,
            max_iter: 100,
            tol: 1e-9,
            fit_intercept: true,
            standardize: false,
            family: Family::Auto,
        }
    }
}

choice_param!(Family {
    "auto" => Family::Auto,
    "multinomial" => Family::Multinomial,
});

params!(LogisticRegression {
    with_features "features" => columns.features: Vec<String>,
    with_label "label" => columns.label: String,
    with_prediction "prediction" => columns.prediction: String,
    with_probability "probability" => probability: String,
    with_reg "reg" => reg: f64,
    with_max_iter "max-iter" => max_iter: u32,
    with_tol "tol" => tol: f64,
    with_fit_intercept "fit-intercept" => fit_intercept: bool,
    with_standardize "standardize" => standardize: bool,
    with_family "family" => family: Family,
} validate(&self) {
    check_optimiser(self.reg, self.max_iter, self.tol)
});

/// The log loss of logistic regression: binomial when the weights are one vector
/// (`dim` features and an intercept if fitted), else softmax over classes; or with
/// `hinge` the squared hinge loss of a linear SVC (labels 0/1 as −1/+1).
#[derive(Clone)]
struct LogLoss {
    intercept: bool,
    hinge: bool,
}

fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl Loss for LogLoss {
    fn eval(&self, block: &Block, w: &[f64], grad: &mut [f64]) -> f64 {
        let d = block.dim;
        let stride = d + usize::from(self.intercept);
        let k = w.len() / stride;
        let mut loss = 0.0;
        let mut z = vec![0.0; k];
        for i in 0..block.rows() {
            let x = block.row(i);
            let y = block.y[i];
            for (c, zc) in z.iter_mut().enumerate() {
                let wc = &w[c * stride..(c + 1) * stride];
                *zc = x.iter().zip(wc).map(|(a, b)| a * b).sum::<f64>()
                    + if self.intercept { wc[d] } else { 0.0 };
            }
            if self.hinge {
                let t = 2.0 * y - 1.0;
                let m = 1.0 - t * z[0];
                if m > 0.0 {
                    loss += m * m;
                    for (g, xj) in grad.iter_mut().zip(x) {
                        *g -= 2.0 * t * m * xj;
                    }
                    if self.intercept {
                        grad[d] -= 2.0 * t * m;
                    }
                }
            } else if k == 1 {
                loss += softplus(z[0]) - y * z[0];
                let r = sigmoid(z[0]) - y;
                for (g, xj) in grad.iter_mut().zip(x) {
                    *g += r * xj;
                }
                if self.intercept {
                    grad[d] += r;
                }
            } else {
                let m = z.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
                let lse = m + z.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
                loss += lse - z[y as usize];
                for (c, zc) in z.iter().enumerate() {
                    let r = (zc - lse).exp() - if c == y as usize { 1.0 } else { 0.0 };
                    let gc = &mut grad[c * stride..(c + 1) * stride];
                    for (g, xj) in gc.iter_mut().zip(x) {
                        *g += r * xj;
                    }
                    if self.intercept {
                        gc[d] += r;
                    }
                }
            }
        }
        loss
    }
}

fn scales(s: &Stats, standardize: bool) -> Vec<f64> {
    if standardize {
        s.std(true)
            .into_iter()
            .map(|sd| if sd > 0.0 { 1.0 / sd } else { 1.0 })
            .collect()
    } else {
        vec![1.0; s.dim()]
    }
}

impl Estimator for LogisticRegression {
    type Model = LogisticRegressionModel;

    fn output_schema(&self, input: &Schema) -> Result<Schema> {
        classifier_schema(input, &self.columns, &self.probability)
    }

    fn fit<'s>(&self, table: &Table<'s>) -> Result<Fitted<'s, LogisticRegressionModel>> {
        let model = self.fit_weights(table, false)?;
        let this = self.clone();
        Ok(Fitted::new(model, move |s| this.output_schema(s)))
    }
}

impl LogisticRegression {
    /// The weights minimising the log loss, or with `hinge` the squared hinge loss
    /// (two classes only: a label above 1 fails the job naming the label column).
    pub(crate) fn fit_weights<'s>(
        &self,
        table: &Table<'s>,
        hinge: bool,
    ) -> Result<DataSet<'s, LogisticRegressionModel>> {
        self.validate()?;
        self.output_schema(&table.schema)?;
        let features = self.columns.resolve(&table.schema);
        let points = table.class_points(&features, &self.columns.label)?;
        let data = blocks(&points);
        let stats = stats(&data);
        let standardize = self.standardize;
        let data = if standardize {
            data.map_with_broadcast(&stats, |mut b: Block, s: &[Stats]| {
                let scale = scales(&s[0], true);
                for i in 0..b.rows() {
                    for (v, c) in b.x[i * b.dim..(i + 1) * b.dim].iter_mut().zip(&scale) {
                        *v *= c;
                    }
                }
                b
            })
        } else {
            data
        };
        let (intercept, family, reg) = (self.fit_intercept, self.family, self.reg);
        let config = LbfgsConfig {
            max_iter: self.max_iter,
            tol: self.tol,
            memory: 10,
        };
        let (failure, label) = (table.rows.env().failure(), self.columns.label.clone());
        let init = stats.map(move |s: Stats| {
            let classes = s.classes().max(2);
            if hinge && classes > 2 {
                let e = Error::column(&label, "a linear SVC needs labels 0 and 1");
                failure.fail(e.to_string());
            }
            let rows = if hinge || (classes == 2 && family == Family::Auto) {
                1
            } else {
                classes
            };
            let stride = s.dim() + usize::from(intercept);
            let penalised = (0..rows * stride)
                .map(|j| {
                    if intercept && j % stride == s.dim() {
                        0.0
                    } else {
                        1.0
                    }
                })
                .collect();
            let objective = Objective { reg, penalised };
            OptState::new(vec![0.0; rows * stride], objective, config.clone())
        });
        let result = minimize(&data, LogLoss { intercept, hinge }, &init, self.max_iter);
        let mut params = self.clone();
        params.columns.features = features;
        let model = result.map_with_broadcast(&stats, move |r: OptState, s: &[Stats]| {
            let scale = scales(&s[0], standardize);
            let d = s[0].dim();
            let stride = d + usize::from(params.fit_intercept);
            let w = &r.lbfgs.x;
            let rows = w.len() / stride;
            let coefficients = (0..rows)
                .map(|c| (0..d).map(|j| w[c * stride + j] * scale[j]).collect())
                .collect();
            let intercepts = (0..rows)
                .map(|c| {
                    if params.fit_intercept {
                        w[c * stride + d]
                    } else {
                        0.0
                    }
                })
                .collect();
            LogisticRegressionModel {
                params: params.clone(),
                coefficients,
                intercepts,
                iterations: r.lbfgs.iterations,
                objective: r.lbfgs.f,
            }
        });
        Ok(model)
    }
}

/// A fitted logistic regression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegressionModel {
    /// The parameters it was fitted with (features resolved).
    pub params: LogisticRegression,
    /// One row of coefficients (binomial: for class 1) or one per class.
    pub coefficients: Vec<Vec<f64>>,
    /// The intercept of each row.
    pub intercepts: Vec<f64>,
    /// L-BFGS iterations taken.
    pub iterations: u32,
    /// The objective's final value.
    pub objective: f64,
}

impl LogisticRegressionModel {
    /// Class probabilities of `x`.
    pub fn probabilities(&self, x: &Vector) -> Vec<f64> {
        let z: Vec<f64> = self
            .coefficients
            .iter()
            .zip(&self.intercepts)
            .map(|(w, b)| x.dot(w) + b)
            .collect();
        if z.len() == 1 {
            let p = sigmoid(z[0]);
            vec![1.0 - p, p]
        } else {
            softmax(&z)
        }
    }
}

/// `exp(z) / Σ exp(z)`, computed without overflow.
pub(crate) fn softmax(z: &[f64]) -> Vec<f64> {
    let m = z.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b));
    let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
    let total: f64 = e.iter().sum();
    e.into_iter().map(|v| v / total).collect()
}

/// The row function of a classifier: the class of highest probability into the
/// prediction column, the probabilities into the probability column.
pub(crate) fn classifier_row_fn(
    input: &Schema,
    out: &Schema,
    columns: &Columns,
    probability: &str,
    probabilities: impl Fn(&Vector) -> Vec<f64> + 'static,
) -> Result<RowFn> {
    let extract = feature_extractor(input, &columns.features)?;
    let pred_at = out.index(&columns.prediction)?;
    let prob_at = out.index(probability)?;
    Ok(Box::new(move |mut row| {
        let p = probabilities(&extract(&row));
        put(&mut row, pred_at, Value::Num(argmax(&p) as f64));
        put(&mut row, prob_at, Value::Vec(Vector::Dense(p)));
        row
    }))
}

/// The output schema of a probabilistic classifier: its features checked, the
/// prediction (a number) and probability (a vector) columns added.
pub(crate) fn classifier_schema(
    input: &Schema,
    columns: &Columns,
    probability: &str,
) -> Result<Schema> {
    let _ = feature_extractor(input, &columns.resolve(input))?;
    Ok(input
        .with_column(&columns.prediction, ColumnType::Number)
        .with_column(probability, ColumnType::Vector))
}

/// `impl Model` for a probabilistic classifier model with `params` (its estimator,
/// with `columns` and `probability`) and a `probabilities(&self, &Vector)` method.
macro_rules! probabilistic_classifier {
    ($model:ty) => {
        impl $crate::stage::Model for $model {
            fn schema(
                &self,
                input: &$crate::table::Schema,
            ) -> $crate::error::Result<$crate::table::Schema> {
                $crate::stage::Estimator::output_schema(&self.params, input)
            }

            fn row_fn(
                &self,
                input: &$crate::table::Schema,
            ) -> $crate::error::Result<$crate::stage::RowFn> {
                $crate::logistic::classifier_model_row_fn(
                    self,
                    input,
                    &self.params.columns,
                    &self.params.probability,
                    <$model>::probabilities,
                )
            }
        }
    };
}
pub(crate) use probabilistic_classifier;

/// The row function of a probabilistic classifier `model` (see [`classifier_row_fn`]).
pub(crate) fn classifier_model_row_fn<M: Model>(
    model: &M,
    input: &Schema,
    columns: &Columns,
    probability: &str,
    probabilities: fn(&M, &Vector) -> Vec<f64>,
) -> Result<RowFn> {
    let m = model.clone();
    classifier_row_fn(
        input,
        &model.schema(input)?,
        columns,
        probability,
        move |x| probabilities(&m, x),
    )
}

/// The index of the largest value (the first of ties).
pub(crate) fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

probabilistic_classifier!(LogisticRegressionModel);
