//! Naive Bayes, Gaussian and multinomial, from one pass of per-class counts, sums and
//! sums of squares (per block, merged). As scikit-learn's `GaussianNB` (variances over
//! `n`, plus `var-smoothing` times the largest feature variance) and `MultinomialNB`
//! (additive `smoothing`, class priors from the label frequencies).

use serde::{Deserialize, Serialize};

use crate::block::{Block, blocks};
use crate::error::{Error, Result};
use crate::logistic::{classifier_schema, probabilistic_classifier, softmax};
use crate::params::{Columns, Params, check, choice_param, params};
use crate::stage::{Estimator, Fitted};
use crate::table::{Schema, Table, fail_on_error};
use crate::vector::{LabeledPoint, Vector};

/// The likelihood model of the features.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NaiveBayesKind {
    /// Normal per class and feature.
    Gaussian,
    /// Counts (features ≥ 0).
    Multinomial,
}

/// The naive Bayes estimator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NaiveBayes {
    /// Input and prediction columns.
    pub columns: Columns,
    /// The output column of class probabilities (default `probability`).
    pub probability: String,
    /// The likelihood model (default Gaussian).
    pub kind: NaiveBayesKind,
    /// Additive smoothing of the multinomial model (default 1).
    pub smoothing: f64,
    /// Share of the largest feature variance added to every variance (default 1e-9).
    pub var_smoothing: f64,
}

impl Default for NaiveBayes {
    fn default() -> Self {
        NaiveBayes {
            columns: Columns::default(),
            probability: "probability".into(),
            kind: NaiveBayesKind::Gaussian,
            smoothing: 1.0,
            var_smoothing: 1e-9,
        }
    }
}

choice_param!(NaiveBayesKind {
    "gaussian" => NaiveBayesKind::Gaussian,
    "multinomial" => NaiveBayesKind::Multinomial,
});

params!(NaiveBayes {
    with_features "features" => columns.features: Vec<String>,
    with_label "label" => columns.label: String,
    with_prediction "prediction" => columns.prediction: String,
    with_probability "probability" => probability: String,
    with_kind "model-type" => kind: NaiveBayesKind,
    with_smoothing "smoothing" => smoothing: f64,
    with_var_smoothing "var-smoothing" => var_smoothing: f64,
} validate(&self) {
    check("smoothing", self.smoothing >= 0.0, "must be ≥ 0")?;
    check("var-smoothing", self.var_smoothing >= 0.0, "must be ≥ 0")
});

/// Per-class counts, sums and sums of squares.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct ClassSums {
    count: Vec<f64>,
    sum: Vec<Vec<f64>>,
    sq: Vec<Vec<f64>>,
}

impl ClassSums {
    fn grow(&mut self, classes: usize, d: usize) {
        while self.count.len() < classes {
            self.count.push(0.0);
            self.sum.push(vec![0.0; d]);
            self.sq.push(vec![0.0; d]);
        }
    }

    fn of(b: &Block) -> ClassSums {
        let mut s = ClassSums::default();
        for i in 0..b.rows() {
            let y = b.y[i];
            let c = y as usize;
            s.grow(c + 1, b.dim);
            s.count[c] += 1.0;
            for (j, &v) in b.row(i).iter().enumerate() {
                s.sum[c][j] += v;
                s.sq[c][j] += v * v;
            }
        }
        s
    }

    fn merge(mut self, o: ClassSums) -> ClassSums {
        let d = self.sum.first().or(o.sum.first()).map_or(0, Vec::len);
        self.grow(o.count.len(), d);
        for c in 0..o.count.len() {
            self.count[c] += o.count[c];
            for j in 0..d {
                self.sum[c][j] += o.sum[c][j];
                self.sq[c][j] += o.sq[c][j];
            }
        }
        self
    }
}

impl Estimator for NaiveBayes {
    type Model = NaiveBayesModel;

    fn output_schema(&self, input: &Schema) -> Result<Schema> {
        classifier_schema(input, &self.columns, &self.probability)
    }

    fn fit<'s>(&self, table: &Table<'s>) -> Result<Fitted<'s, NaiveBayesModel>> {
        self.validate()?;
        let features = self.columns.resolve(&table.schema);
        let mut points = table.class_points(&features, &self.columns.label)?;
        if self.kind == NaiveBayesKind::Multinomial {
            let names = features.clone();
            let failure = points.env().failure();
            points = points.flat_map(fail_on_error(&failure, move |p: &LabeledPoint| {
                match p.features.iter_active().find(|(_, v)| *v < 0.0) {
                    Some((j, v)) => Err(Error::column(
                        names.get(j).unwrap_or(&names[0]),
                        format!("{v} < 0: multinomial naive Bayes needs counts ≥ 0"),
                    )),
                    None => Ok(p.clone()),
                }
            }));
        }
        let mut params = self.clone();
        params.columns.features = features;
        let model = blocks(&points)
            .map(|b| ClassSums::of(&b))
            .reduce(ClassSums::merge)
            .map(move |s| NaiveBayesModel::from_sums(&s, params.clone()));
        let this = self.clone();
        Ok(Fitted::new(model, move |s| this.output_schema(s)))
    }
}

/// A fitted naive Bayes model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NaiveBayesModel {
    /// The parameters it was fitted with (features resolved).
    pub params: NaiveBayes,
    /// Log prior of each class (−∞ for a class index without rows).
    pub log_prior: Vec<f64>,
    /// Gaussian: the means per class and feature; multinomial: log probabilities.
    pub theta: Vec<Vec<f64>>,
    /// Gaussian: the variances per class and feature (empty for multinomial).
    pub var: Vec<Vec<f64>>,
}

impl NaiveBayesModel {
    fn from_sums(s: &ClassSums, params: NaiveBayes) -> Self {
        let n: f64 = s.count.iter().sum();
        let d = s.sum.first().map_or(0, Vec::len);
        let log_prior = s.count.iter().map(|c| (c / n).ln()).collect();
        match params.kind {
            NaiveBayesKind::Gaussian => {
                let theta: Vec<Vec<f64>> = (0..s.count.len())
                    .map(|c| s.sum[c].iter().map(|v| v / s.count[c].max(1.0)).collect())
                    .collect();
                // The largest variance of any feature over all rows.
                let largest = (0..d)
                    .map(|j| {
                        let total: f64 = s.sum.iter().map(|r| r[j]).sum();
                        let sq: f64 = s.sq.iter().map(|r| r[j]).sum();
                        sq / n - (total / n).powi(2)
                    })
                    .fold(0.0f64, f64::max);
                let eps = params.var_smoothing * largest;
                let var = (0..s.count.len())
                    .map(|c| {
                        let k = s.count[c].max(1.0);
                        (0..d)
                            .map(|j| (s.sq[c][j] / k - theta[c][j].powi(2)).max(0.0) + eps)
                            .collect()
                    })
                    .collect();
                NaiveBayesModel {
                    params,
                    log_prior,
                    theta,
                    var,
                }
            }
            NaiveBayesKind::Multinomial => {
                let a = params.smoothing;
                let theta = s
                    .sum
                    .iter()
                    .map(|row| {
                        let total: f64 = row.iter().sum::<f64>() + a * d as f64;
                        row.iter().map(|v| ((v + a) / total).ln()).collect()
                    })
                    .collect();
                NaiveBayesModel {
                    params,
                    log_prior,
                    theta,
                    var: Vec::new(),
                }
            }
        }
    }

    /// Class probabilities of `x`.
    pub fn probabilities(&self, x: &Vector) -> Vec<f64> {
        let x = x.to_dense();
        let joint: Vec<f64> = (0..self.log_prior.len())
            .map(|c| {
                self.log_prior[c]
                    + match self.params.kind {
                        NaiveBayesKind::Multinomial => x
                            .iter()
                            .zip(&self.theta[c])
                            .map(|(a, b)| a * b)
                            .sum::<f64>(),
                        NaiveBayesKind::Gaussian => x
                            .iter()
                            .zip(&self.theta[c])
                            .zip(&self.var[c])
                            .map(|((v, m), s)| {
                                -0.5 * (2.0 * std::f64::consts::PI * s).ln()
                                    - 0.5 * (v - m).powi(2) / s
                            })
                            .sum::<f64>(),
                    }
            })
            .collect();
        softmax(&joint)
    }
}

probabilistic_classifier!(NaiveBayesModel);
