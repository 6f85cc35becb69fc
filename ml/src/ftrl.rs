//! Online logistic regression over DataStream, trained with FTRL-Proximal (McMahan et
//! al., "Ad click prediction: a view from the trenches", 2013, algorithm 1): per
//! coordinate `i` the state `zᵢ, nᵢ` gives the weight
//! `wᵢ = 0` if `|zᵢ| ≤ l1`, else `−(zᵢ − sign(zᵢ)·l1) / ((beta + √nᵢ) / alpha + l2)`; a
//! labelled point `(x, y)` predicts `p = σ(w·x + b)` and, for every `xᵢ ≠ 0`, with
//! `gᵢ = (p − y)·xᵢ` and `σᵢ = (√(nᵢ + gᵢ²) − √nᵢ) / alpha`, sets `zᵢ += gᵢ − σᵢ·wᵢ`,
//! `nᵢ += gᵢ²`. The intercept `b` is a coordinate whose feature is always 1.
//!
//! [`ftrl`] runs it on the online operator ([`online`]): a stream of labelled points
//! trains it (each event time's points by label, then features), and each request
//! `(id, features)` is answered with `(id, P(class 1))` from the model of the training
//! points up to the request's time; the model is checkpointed keyed state.

use serde::{Deserialize, Serialize};
use strom_datastream::DataStream;

use crate::error::Result;
use crate::online::{OnlineModel, OnlineOutputs, canonical, online};
use crate::params::{Params, check, params};
use crate::vector::{LabeledPoint, Vector};

/// FTRL-Proximal's parameters (the paper's names).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ftrl {
    /// The learning rate's scale `alpha` > 0 (default 0.1).
    pub alpha: f64,
    /// The learning rate's smoothing `beta` ≥ 0 (default 1).
    pub beta: f64,
    /// L1 regularisation ≥ 0 (default 0).
    pub l1: f64,
    /// L2 regularisation ≥ 0 (default 0).
    pub l2: f64,
}

impl Default for Ftrl {
    fn default() -> Self {
        Ftrl {
            alpha: 0.1,
            beta: 1.0,
            l1: 0.0,
            l2: 0.0,
        }
    }
}

params!(Ftrl {
    with_alpha "alpha" => alpha: f64,
    with_beta "beta" => beta: f64,
    with_l1 "l1" => l1: f64,
    with_l2 "l2" => l2: f64,
} validate(&self) {
    check("alpha", self.alpha > 0.0 && self.alpha.is_finite(), "must be a number > 0")?;
    check("beta", self.beta >= 0.0 && self.beta.is_finite(), "must be a number ≥ 0")?;
    check("l1", self.l1 >= 0.0 && self.l1.is_finite(), "must be a number ≥ 0")?;
    check("l2", self.l2 >= 0.0 && self.l2.is_finite(), "must be a number ≥ 0")
});

/// An FTRL-Proximal logistic regression model: per coordinate `z` and `n` (the last
/// coordinate is the intercept's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FtrlModel {
    /// The parameters.
    pub params: Ftrl,
    /// `z` per feature.
    pub z: Vec<f64>,
    /// `n` (sum of squared gradients) per feature.
    pub n: Vec<f64>,
    /// `z` and `n` of the intercept.
    pub intercept: (f64, f64),
    /// Training points seen.
    pub seen: u64,
}

impl FtrlModel {
    /// A model that has seen nothing (all weights 0).
    pub fn new(params: Ftrl) -> Self {
        FtrlModel {
            params,
            z: Vec::new(),
            n: Vec::new(),
            intercept: (0.0, 0.0),
            seen: 0,
        }
    }

    fn weight(&self, (z, n): (f64, f64)) -> f64 {
        let p = &self.params;
        if z.abs() <= p.l1 {
            0.0
        } else {
            -(z - z.signum() * p.l1) / ((p.beta + n.sqrt()) / p.alpha + p.l2)
        }
    }

    fn coordinate(&self, i: usize) -> (f64, f64) {
        (
            self.z.get(i).copied().unwrap_or(0.0),
            self.n.get(i).copied().unwrap_or(0.0),
        )
    }

    /// The weights of the features and the intercept.
    pub fn weights(&self) -> (Vec<f64>, f64) {
        let w = (0..self.z.len())
            .map(|i| self.weight(self.coordinate(i)))
            .collect();
        (w, self.weight(self.intercept))
    }

    /// `P(class 1)` of `x`.
    pub fn predict(&self, x: &Vector) -> f64 {
        let z: f64 = x
            .iter_active()
            .map(|(i, v)| v * self.weight(self.coordinate(i)))
            .sum::<f64>()
            + self.weight(self.intercept);
        1.0 / (1.0 + (-z).exp())
    }

    /// One FTRL-Proximal step on `point` (label 0 or 1).
    pub fn update(&mut self, point: &LabeledPoint) {
        let p = self.predict(&point.features) - point.label;
        let alpha = self.params.alpha;
        let step = |w: f64, (z, n): (f64, f64), x: f64| {
            let g = p * x;
            let sigma = ((n + g * g).sqrt() - n.sqrt()) / alpha;
            (z + g - sigma * w, n + g * g)
        };
        let active: Vec<(usize, f64)> = point
            .features
            .iter_active()
            .filter(|(_, v)| *v != 0.0)
            .collect();
        let updates: Vec<(usize, (f64, f64))> = active
            .iter()
            .map(|&(i, x)| {
                let c = self.coordinate(i);
                (i, step(self.weight(c), c, x))
            })
            .collect();
        let b = step(self.weight(self.intercept), self.intercept, 1.0);
        for (i, (z, n)) in updates {
            if self.z.len() <= i {
                self.z.resize(i + 1, 0.0);
                self.n.resize(i + 1, 0.0);
            }
            (self.z[i], self.n[i]) = (z, n);
        }
        self.intercept = b;
        self.seen += 1;
    }
}

impl OnlineModel for FtrlModel {
    type Train = LabeledPoint;

    fn train(&mut self, mut batch: Vec<LabeledPoint>) {
        batch.sort_by(|a, b| {
            a.label
                .total_cmp(&b.label)
                .then_with(|| canonical(&a.features, &b.features))
        });
        for point in &batch {
            self.update(point);
        }
    }

    fn answer(&self, x: &Vector) -> f64 {
        self.predict(x)
    }
}

/// Online logistic regression: `training` (labels 0/1) updates the model, each request
/// of `requests` is answered with `P(class 1)` from the model of the training points up
/// to its time ([`online`]).
///
/// # Errors
/// [`crate::Error::Param`] for a bad parameter.
pub fn ftrl<'s>(
    training: &DataStream<'s, LabeledPoint>,
    requests: &DataStream<'s, (u64, Vector)>,
    params: Ftrl,
) -> Result<OnlineOutputs<'s, FtrlModel>> {
    params.validate()?;
    Ok(online(training, requests, FtrlModel::new(params)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_step_by_hand() {
        let mut m = FtrlModel::new(Ftrl::default().with_alpha(0.5).with_beta(1.0));
        // All weights 0: p = 0.5; label 1: g = −0.5 for x = 2 (g = −1) and the intercept.
        m.update(&LabeledPoint::new(1.0, Vector::dense(vec![2.0])));
        // σ = (√1 − 0) / 0.5 = 2 for x, w was 0: z = −1, n = 1; intercept z = −0.5, n = 0.25.
        assert_eq!((m.z.clone(), m.n.clone()), (vec![-1.0], vec![1.0]));
        assert_eq!(m.intercept, (-0.5, 0.25));
        // w = 1 / ((1 + 1) / 0.5) = 0.25; b = 0.5 / ((1 + 0.5) / 0.5) = 1/6.
        let (w, b) = m.weights();
        assert_eq!(w, vec![0.25]);
        assert!((b - 1.0 / 6.0).abs() < 1e-15);
        let l1 = FtrlModel {
            params: Ftrl::default().with_l1(2.0),
            ..m
        };
        assert_eq!(l1.weights(), (vec![0.0], 0.0));
    }
}
