//! k-nearest neighbours classification, as scikit-learn's `KNeighborsClassifier` with
//! the brute-force search and the Euclidean distance: a row's class is the vote of the
//! `k` training points nearest to it, each vote 1 (`weights=uniform`) or the inverse of
//! its distance (`weights=distance`; points at distance 0, if any, take all the
//! weight). Probabilities are the vote shares; the predicted class is the one of most
//! votes, the smallest index of ties (as scikit-learn's).
//!
//! Fitting gathers the training points, in blocks, into the model (one record): the
//! model is the training set, sorted into a canonical order so that it is the same at
//! any worker count and ties in distance go to the point first in that order. Applying
//! the model reads it as a broadcast variable, so every worker searches its own rows.
//! Known limitation: the search is brute force (`n · d` per row, no k-d tree), and the
//! training set must fit in a worker's memory.

use serde::{Deserialize, Serialize};

use crate::block::{Block, blocks};
use crate::error::Result;
use crate::logistic::{classifier_schema, probabilistic_classifier};
use crate::params::{Columns, Params, check, choice_param, params};
use crate::stage::{Estimator, Fitted};
use crate::table::{Schema, Table};
use crate::vector::Vector;

/// How the neighbours' votes are weighted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KnnWeights {
    /// Each neighbour has one vote.
    Uniform,
    /// Each neighbour's vote is the inverse of its distance.
    Distance,
}

choice_param!(KnnWeights {
    "uniform" => KnnWeights::Uniform,
    "distance" => KnnWeights::Distance,
});

/// The k-nearest neighbours classifier estimator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Knn {
    /// Input and prediction columns.
    pub columns: Columns,
    /// The output column of class probabilities (default `probability`).
    pub probability: String,
    /// Neighbours per vote (default 5; all training points when there are fewer).
    pub k: u32,
    /// How votes are weighted (default uniform).
    pub weights: KnnWeights,
}

impl Default for Knn {
    fn default() -> Self {
        Knn {
            columns: Columns::default(),
            probability: "probability".into(),
            k: 5,
            weights: KnnWeights::Uniform,
        }
    }
}

params!(Knn {
    with_features "features" => columns.features: Vec<String>,
    with_label "label" => columns.label: String,
    with_prediction "prediction" => columns.prediction: String,
    with_probability "probability" => probability: String,
    with_k "k" => k: u32,
    with_weights "weights" => weights: KnnWeights,
} validate(&self) {
    check("k", self.k >= 1, "must be at least 1")
});

impl Estimator for Knn {
    type Model = KnnModel;

    fn output_schema(&self, input: &Schema) -> Result<Schema> {
        classifier_schema(input, &self.columns, &self.probability)
    }

    fn fit<'s>(&self, table: &Table<'s>) -> Result<Fitted<'s, KnnModel>> {
        self.validate()?;
        self.output_schema(&table.schema)?;
        let features = self.columns.resolve(&table.schema);
        let points = table.class_points(&features, &self.columns.label)?;
        let mut params = self.clone();
        params.columns.features = features;
        let model = blocks(&points)
            .map(|b| vec![b])
            .reduce(|mut a, mut b| {
                a.append(&mut b);
                a
            })
            .map(move |all| KnnModel::from_blocks(&all, params.clone()));
        let this = self.clone();
        Ok(Fitted::new(model, move |s| this.output_schema(s)))
    }
}

/// A fitted k-nearest neighbours classifier: the training points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KnnModel {
    /// The parameters it was fitted with (features resolved).
    pub params: Knn,
    /// Features per point.
    pub dim: usize,
    /// The points' features, row-major, in canonical order (by features, then label).
    pub points: Vec<f64>,
    /// The points' class indices.
    pub labels: Vec<f64>,
    /// The number of classes (the largest label plus one).
    pub classes: usize,
}

impl KnnModel {
    fn from_blocks(all: &[Block], params: Knn) -> Self {
        let dim = all.iter().find(|b| b.rows() > 0).map_or(0, |b| b.dim);
        let mut rows: Vec<(&[f64], f64)> = all
            .iter()
            .flat_map(|b| (0..b.rows()).map(move |i| (b.row(i), b.y[i])))
            .collect();
        rows.sort_by(|a, b| {
            let by_features = a.0.iter().zip(b.0).map(|(x, y)| x.total_cmp(y));
            by_features
                .fold(std::cmp::Ordering::Equal, std::cmp::Ordering::then)
                .then(a.1.total_cmp(&b.1))
        });
        let classes = rows.iter().map(|r| r.1 as usize + 1).max().unwrap_or(1);
        KnnModel {
            params,
            dim,
            points: rows.iter().flat_map(|r| r.0.iter().copied()).collect(),
            labels: rows.iter().map(|r| r.1).collect(),
            classes,
        }
    }

    /// The `k` nearest training points to `x`: `(distance, index)`, nearest first (ties
    /// by index).
    pub fn neighbours(&self, x: &Vector) -> Vec<(f64, usize)> {
        let x = x.to_dense();
        let mut d: Vec<(f64, usize)> = self
            .labels
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let p = &self.points[i * self.dim..(i + 1) * self.dim];
                let sq: f64 = p.iter().zip(&x).map(|(a, b)| (a - b) * (a - b)).sum();
                (sq, i)
            })
            .collect();
        let k = (self.params.k as usize).min(d.len());
        let order = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        if k < d.len() && k > 0 {
            d.select_nth_unstable_by(k - 1, order);
        }
        d.truncate(k);
        d.sort_by(order);
        d.into_iter().map(|(sq, i)| (sq.sqrt(), i)).collect()
    }

    /// Class probabilities of `x`: the neighbours' (weighted) vote shares.
    pub fn probabilities(&self, x: &Vector) -> Vec<f64> {
        let neighbours = self.neighbours(x);
        let exact = neighbours.iter().any(|n| n.0 == 0.0);
        let mut votes = vec![0.0; self.classes];
        for (d, i) in neighbours {
            votes[self.labels[i] as usize] += match self.params.weights {
                KnnWeights::Uniform => 1.0,
                KnnWeights::Distance if exact => f64::from(u8::from(d == 0.0)),
                KnnWeights::Distance => 1.0 / d,
            };
        }
        let total: f64 = votes.iter().sum();
        if total > 0.0 {
            votes.iter_mut().for_each(|v| *v /= total);
        }
        votes
    }
}

probabilistic_classifier!(KnnModel);

#[cfg(test)]
mod tests {
    use super::*;

    fn model(weights: KnnWeights, k: u32) -> KnnModel {
        let block = Block {
            dim: 1,
            x: vec![3.0, 0.0, 1.0, 4.0],
            y: vec![1.0, 0.0, 0.0, 2.0],
        };
        let params = Knn::default().with_k(k).with_weights(weights);
        KnnModel::from_blocks(&[block], params)
    }

    #[test]
    fn votes_by_hand() {
        let m = model(KnnWeights::Uniform, 3);
        assert_eq!(m.points, vec![0.0, 1.0, 3.0, 4.0]);
        assert_eq!(m.labels, vec![0.0, 0.0, 1.0, 2.0]);
        // From 2.9: 3 (0.1, class 1), 4 (1.1, class 2), 1 (1.9, class 0).
        let p = m.probabilities(&Vector::dense(vec![2.9]));
        assert_eq!(p, vec![1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0]);
        // From 2: 1 and 3 tie at 1; 3 then 4 are next: the tie goes to the first point.
        let n = m.neighbours(&Vector::dense(vec![2.0]));
        assert_eq!(n, vec![(1.0, 1), (1.0, 2), (2.0, 0)]);
        // Distance weights 1/1 (class 0) + 1/2 (class 0) and 1/1 (class 1).
        let w = model(KnnWeights::Distance, 3).probabilities(&Vector::dense(vec![2.0]));
        assert_eq!(w, vec![1.5 / 2.5, 1.0 / 2.5, 0.0]);
        // A point at distance 0 takes every vote.
        let w = model(KnnWeights::Distance, 2).probabilities(&Vector::dense(vec![4.0]));
        assert_eq!(w, vec![0.0, 0.0, 1.0]);
        // k above the number of points: all of them.
        assert_eq!(
            model(KnnWeights::Uniform, 9)
                .neighbours(&Vector::dense(vec![0.0]))
                .len(),
            4
        );
    }
}
