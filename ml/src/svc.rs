//! Linear support vector classifier: two classes (labels 0 and 1), the squared hinge
//! loss `max(0, 1 − t·(w·x + b))²` with `t = ±1`, minimised with L-BFGS as logistic
//! regression is (the same bulk iteration, [`crate::optimize`]).
//!
//! The objective is the mean squared hinge loss plus `reg / 2 · ‖w‖²`, the intercept
//! unpenalised; scikit-learn's `LinearSVC(C=c)` (squared hinge, its default) minimises
//! `c · Σ loss + ½‖w‖²`, the same problem for `reg = 1 / (c · n)` (liblinear also
//! penalises its intercept a little, through `intercept_scaling`). The model predicts
//! class 1 where `w·x + b > 0`; it gives no probabilities.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::linear::linear_row_fn;
use crate::logistic::LogisticRegression;
use crate::params::{Columns, Params, check_optimiser, params};
use crate::stage::{Estimator, Fitted, Model, RowFn};
use crate::table::{ColumnType, Schema, Table, feature_extractor};

/// The linear SVC estimator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearSvc {
    /// Input and prediction columns.
    pub columns: Columns,
    /// L2 regularisation strength `reg` ≥ 0 (default 0).
    pub reg: f64,
    /// Most L-BFGS iterations (default 100).
    pub max_iter: u32,
    /// Stop when the objective changes by less than this, relatively (default 1e-9).
    pub tol: f64,
    /// Fit an intercept (default true).
    pub fit_intercept: bool,
    /// Train on features scaled to unit standard deviation (default false).
    pub standardize: bool,
}

impl Default for LinearSvc {
    fn default() -> Self {
        LinearSvc {
            columns: Columns::default(),
            reg: 0.0,
            max_iter: 100,
            tol: 1e-9,
            fit_intercept: true,
            standardize: false,
        }
    }
}

params!(LinearSvc {
    with_features "features" => columns.features: Vec<String>,
    with_label "label" => columns.label: String,
    with_prediction "prediction" => columns.prediction: String,
    with_reg "reg" => reg: f64,
    with_max_iter "max-iter" => max_iter: u32,
    with_tol "tol" => tol: f64,
    with_fit_intercept "fit-intercept" => fit_intercept: bool,
    with_standardize "standardize" => standardize: bool,
} validate(&self) {
    check_optimiser(self.reg, self.max_iter, self.tol)
});

impl Estimator for LinearSvc {
    type Model = LinearSvcModel;

    fn output_schema(&self, input: &Schema) -> Result<Schema> {
        let _ = feature_extractor(input, &self.columns.resolve(input))?;
        Ok(input.with_column(&self.columns.prediction, ColumnType::Number))
    }

    fn fit<'s>(&self, table: &Table<'s>) -> Result<Fitted<'s, LinearSvcModel>> {
        self.validate()?;
        let optimiser = LogisticRegression {
            columns: self.columns.clone(),
            reg: self.reg,
            max_iter: self.max_iter,
            tol: self.tol,
            fit_intercept: self.fit_intercept,
            standardize: self.standardize,
            ..LogisticRegression::default()
        };
        let mut params = self.clone();
        params.columns.features = self.columns.resolve(&table.schema);
        let model = optimiser
            .fit_weights(table, true)?
            .map(move |m| LinearSvcModel {
                params: params.clone(),
                coefficients: m.coefficients[0].clone(),
                intercept: m.intercepts[0],
            });
        let this = self.clone();
        Ok(Fitted::new(model, move |s| this.output_schema(s)))
    }
}

/// A fitted linear SVC.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearSvcModel {
    /// The parameters it was fitted with (features resolved).
    pub params: LinearSvc,
    /// One weight per feature.
    pub coefficients: Vec<f64>,
    /// The intercept.
    pub intercept: f64,
}

impl Model for LinearSvcModel {
    fn schema(&self, input: &Schema) -> Result<Schema> {
        self.params.output_schema(input)
    }

    fn row_fn(&self, input: &Schema) -> Result<RowFn> {
        let out = self.schema(input)?;
        let (w, b) = (self.coefficients.clone(), self.intercept);
        linear_row_fn(input, &out, &self.params.columns, w, b, |z| {
            f64::from(u8::from(z > 0.0))
        })
    }
}
