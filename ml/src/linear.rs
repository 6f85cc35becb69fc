//! Linear regression: least squares, ridge, and lasso / elastic net, from the
//! statistics of one pass (count, sums, `XᵀX`, `Xᵀy`, computed per block and merged):
//! the normal equations are solved by Cholesky (nalgebra), the L1 cases by coordinate
//! descent on the centred covariance, so no pass over the data per iteration.
//!
//! The objective is `1/(2n) ‖y − Xw − b‖² + reg · (α‖w‖₁ + (1−α)/2 ‖w‖²)` with
//! `α = elastic-net` (Spark's and scikit-learn's `ElasticNet(alpha=reg, l1_ratio=α)`;
//! scikit-learn's `Ridge(alpha=a)` is `reg = a / n`, `α = 0`). The intercept is not
//! penalised. Known limitation: `XᵀX` is dense, so the features should number in the
//! thousands at most.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use crate::block::{Block, blocks};
use crate::error::Result;
use crate::params::{Columns, Params, check, params};
use crate::stage::{Estimator, Fitted, Model, RowFn};
use crate::table::{ColumnType, Schema, Table, Value, feature_extractor, put};

/// The linear regression estimator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearRegression {
    /// Input and prediction columns.
    pub columns: Columns,
    /// Regularisation strength `reg` ≥ 0 (default 0: least squares).
    pub reg: f64,
    /// The L1 share `α` in [0, 1] of the penalty (default 0: ridge).
    pub elastic_net: f64,
    /// Fit an intercept (default true).
    pub fit_intercept: bool,
    /// Most coordinate-descent sweeps when `α > 0` (default 1000).
    pub max_iter: u32,
    /// Stop coordinate descent when no weight changes by more than this (default 1e-10).
    pub tol: f64,
}

impl Default for LinearRegression {
    fn default() -> Self {
        LinearRegression {
            columns: Columns::default(),
            reg: 0.0,
            elastic_net: 0.0,
            fit_intercept: true,
            max_iter: 1000,
            tol: 1e-10,
        }
    }
}

params!(LinearRegression {
    with_features "features" => columns.features: Vec<String>,
    with_label "label" => columns.label: String,
    with_prediction "prediction" => columns.prediction: String,
    with_reg "reg" => reg: f64,
    with_elastic_net "elastic-net" => elastic_net: f64,
    with_fit_intercept "fit-intercept" => fit_intercept: bool,
    with_max_iter "max-iter" => max_iter: u32,
    with_tol "tol" => tol: f64,
} validate(&self) {
    check(
        "reg",
        self.reg >= 0.0 && self.reg.is_finite(),
        "must be a number ≥ 0",
    )?;
    check(
        "elastic-net",
        (0.0..=1.0).contains(&self.elastic_net),
        "must be between 0 and 1",
    )?;
    check("max-iter", self.max_iter >= 1, "must be at least 1")?;
    check("tol", self.tol >= 0.0, "must be ≥ 0")
});

/// Sums for the normal equations.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Gram {
    n: u64,
    sx: Vec<f64>,
    sy: f64,
    sxx: Vec<f64>,
    sxy: Vec<f64>,
}

impl Gram {
    fn of(b: &Block) -> Gram {
        let d = b.dim;
        let mut g = Gram {
            n: b.rows() as u64,
            sx: vec![0.0; d],
            sy: 0.0,
            sxx: vec![0.0; d * d],
            sxy: vec![0.0; d],
        };
        for i in 0..b.rows() {
            let (x, y) = (b.row(i), b.y[i]);
            g.sy += y;
            for j in 0..d {
                g.sx[j] += x[j];
                g.sxy[j] += x[j] * y;
                let row = &mut g.sxx[j * d..(j + 1) * d];
                for (k, v) in row.iter_mut().enumerate() {
                    *v += x[j] * x[k];
                }
            }
        }
        g
    }

    fn merge(mut self, o: Gram) -> Gram {
        if self.n == 0 {
            return o;
        }
        if o.n == 0 {
            return self;
        }
        self.n += o.n;
        self.sy += o.sy;
        for (a, b) in self.sx.iter_mut().zip(&o.sx) {
            *a += b;
        }
        for (a, b) in self.sxx.iter_mut().zip(&o.sxx) {
            *a += b;
        }
        for (a, b) in self.sxy.iter_mut().zip(&o.sxy) {
            *a += b;
        }
        self
    }
}

fn soft_threshold(v: f64, t: f64) -> f64 {
    v.signum() * (v.abs() - t).max(0.0)
}

/// Solves for the weights and intercept from the merged sums.
fn solve(g: &Gram, p: &LinearRegression) -> (Vec<f64>, f64) {
    let d = g.sx.len();
    let n = g.n.max(1) as f64;
    let (mx, my): (Vec<f64>, f64) = if p.fit_intercept {
        (g.sx.iter().map(|s| s / n).collect(), g.sy / n)
    } else {
        (vec![0.0; d], 0.0)
    };
    // Covariance (centred when fitting an intercept) and covariance with the label.
    let a = DMatrix::from_fn(d, d, |j, k| g.sxx[j * d + k] / n - mx[j] * mx[k]);
    let c = DVector::from_fn(d, |j, _| g.sxy[j] / n - mx[j] * my);
    let (l1, l2) = (p.reg * p.elastic_net, p.reg * (1.0 - p.elastic_net));
    let w: Vec<f64> = if l1 == 0.0 {
        solve_symmetric(&a + DMatrix::identity(d, d) * l2, &c)
    } else {
        let mut w = vec![0.0; d];
        for _ in 0..p.max_iter {
            let mut change = 0.0f64;
            for j in 0..d {
                let denom = a[(j, j)] + l2;
                if denom <= 0.0 {
                    continue;
                }
                let r = c[j]
                    - (0..d)
                        .filter(|&k| k != j)
                        .map(|k| a[(j, k)] * w[k])
                        .sum::<f64>();
                let next = soft_threshold(r, l1) / denom;
                change = change.max((next - w[j]).abs());
                w[j] = next;
            }
            if change <= p.tol {
                break;
            }
        }
        w
    };
    let b = my - mx.iter().zip(&w).map(|(m, w)| m * w).sum::<f64>();
    (w, b)
}

impl Estimator for LinearRegression {
    type Model = LinearRegressionModel;

    fn output_schema(&self, input: &Schema) -> Result<Schema> {
        let _ = feature_extractor(input, &self.columns.resolve(input))?;
        Ok(input.with_column(&self.columns.prediction, ColumnType::Number))
    }

    fn fit<'s>(&self, table: &Table<'s>) -> Result<Fitted<'s, LinearRegressionModel>> {
        self.validate()?;
        let features = self.columns.resolve(&table.schema);
        let points = table.points(&features, &self.columns.label)?;
        let mut params = self.clone();
        params.columns.features = features;
        let model = blocks(&points)
            .map(|b| Gram::of(&b))
            .reduce(Gram::merge)
            .map(move |g| {
                let (coefficients, intercept) = solve(&g, &params);
                LinearRegressionModel {
                    params: params.clone(),
                    coefficients,
                    intercept,
                }
            });
        let this = self.clone();
        Ok(Fitted::new(model, move |s| this.output_schema(s)))
    }
}

/// A fitted linear regression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinearRegressionModel {
    /// The parameters it was fitted with (features resolved).
    pub params: LinearRegression,
    /// One weight per feature.
    pub coefficients: Vec<f64>,
    /// The intercept.
    pub intercept: f64,
}

impl Model for LinearRegressionModel {
    fn schema(&self, input: &Schema) -> Result<Schema> {
        self.params.output_schema(input)
    }

    fn row_fn(&self, input: &Schema) -> Result<RowFn> {
        let out = self.schema(input)?;
        let (w, b) = (self.coefficients.clone(), self.intercept);
        linear_row_fn(input, &out, &self.params.columns, w, b, |z| z)
    }
}

/// The row function of a linear model: `f(w·x + b)` into the prediction column.
pub(crate) fn linear_row_fn(
    input: &Schema,
    out: &Schema,
    columns: &Columns,
    w: Vec<f64>,
    b: f64,
    f: fn(f64) -> f64,
) -> Result<RowFn> {
    let extract = feature_extractor(input, &columns.features)?;
    let at = out.index(&columns.prediction)?;
    Ok(Box::new(move |mut row| {
        let y = f(extract(&row).dot(&w) + b);
        put(&mut row, at, Value::Num(y));
        row
    }))
}

/// The solution of `m x = b` for symmetric positive semi-definite `m`: by Cholesky, or
/// for a singular `m` (collinear features, no penalty) the least-norm solution.
pub(crate) fn solve_symmetric(m: DMatrix<f64>, b: &DVector<f64>) -> Vec<f64> {
    match m.clone().cholesky() {
        Some(ch) => ch.solve(b).iter().copied().collect(),
        None => m
            .svd(true, true)
            .solve(b, 1e-12)
            .map(|v| v.iter().copied().collect())
            .unwrap_or_else(|_| vec![0.0; b.len()]),
    }
}
