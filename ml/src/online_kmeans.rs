//! Online k-means over DataStream (Spark's `StreamingKMeans`, Flink ML's
//! `OnlineKMeans`) on the online operator ([`crate::online`]): each event time's points
//! are a mini-batch, assigned to their nearest centres; then every centre's weight is
//! multiplied by `decay`, and a centre `c` of weight `w` that got `m` points of sum `s`
//! becomes `(1 − λ)·c + λ·s/m` with `λ = m / (decay·w + m)`, its weight `decay·w + m`
//! (Spark's update rule with `timeUnit = batches`). Requests are answered with their
//! nearest centre's index (the first of ties). Known limitation: Spark's split of a
//! dying cluster (weight below 1e-8 of the largest) is not done.

use serde::{Deserialize, Serialize};
use strom_datastream::DataStream;

use crate::error::{Error, Result};
use crate::online::{OnlineModel, OnlineOutputs, canonical, online};
use crate::vector::Vector;

/// Online k-means centres and their weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OnlineKMeansModel {
    /// The centres.
    pub centres: Vec<Vec<f64>>,
    /// The weight of each centre.
    pub weights: Vec<f64>,
    /// The decay of the old weights per batch, in `[0, 1]` (1: all history counts alike).
    pub decay: f64,
    /// Batches (event times with points) trained on.
    pub batches: u64,
}

impl OnlineKMeansModel {
    /// A model starting from `centres` (of weight 0) with `decay`.
    ///
    /// # Errors
    /// [`Error::Param`] for no centres, centres of different lengths or a decay outside
    /// `[0, 1]`.
    pub fn new(centres: Vec<Vec<f64>>, decay: f64) -> Result<Self> {
        let d = centres.first().map_or(0, Vec::len);
        if d == 0 || centres.iter().any(|c| c.len() != d) {
            return Err(Error::param(
                "centres",
                "needs at least one centre, all of the same length ≥ 1",
            ));
        }
        if !(0.0..=1.0).contains(&decay) {
            return Err(Error::param("decay", format!("{decay} is not in [0, 1]")));
        }
        let weights = vec![0.0; centres.len()];
        Ok(OnlineKMeansModel {
            centres,
            weights,
            decay,
            batches: 0,
        })
    }

    /// The index of the centre nearest to `x` (the first of ties).
    pub fn nearest(&self, x: &[f64]) -> usize {
        let d = |c: &Vec<f64>| -> f64 { c.iter().zip(x).map(|(a, b)| (a - b).powi(2)).sum() };
        (0..self.centres.len()).fold(0, |best, j| {
            if d(&self.centres[j]) < d(&self.centres[best]) {
                j
            } else {
                best
            }
        })
    }
}

impl OnlineModel for OnlineKMeansModel {
    type Train = Vector;

    fn train(&mut self, mut batch: Vec<Vector>) {
        batch.sort_by(canonical);
        let dim = self.centres[0].len();
        let mut sums = vec![vec![0.0; dim]; self.centres.len()];
        let mut counts = vec![0.0; self.centres.len()];
        for x in &batch {
            let x = x.to_dense();
            let j = self.nearest(&x);
            counts[j] += 1.0;
            sums[j].iter_mut().zip(&x).for_each(|(s, v)| *s += v);
        }
        for j in 0..self.centres.len() {
            let w = self.weights[j] * self.decay + counts[j];
            self.weights[j] = w;
            if counts[j] > 0.0 {
                let lambda = counts[j] / w.max(1e-16);
                for (c, s) in self.centres[j].iter_mut().zip(&sums[j]) {
                    *c = (1.0 - lambda) * *c + lambda / counts[j] * s;
                }
            }
        }
        self.batches += 1;
    }

    fn answer(&self, x: &Vector) -> f64 {
        self.nearest(&x.to_dense()) as f64
    }
}

/// Online k-means: `points` move the centres of `initial`, each request is answered with
/// the index of its nearest centre in the model of the points up to its time.
pub fn online_kmeans<'s>(
    points: &DataStream<'s, Vector>,
    requests: &DataStream<'s, (u64, Vector)>,
    initial: OnlineKMeansModel,
) -> OnlineOutputs<'s, OnlineKMeansModel> {
    online(points, requests, initial)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_batch_by_hand() {
        let mut m = OnlineKMeansModel::new(vec![vec![0.0], vec![10.0]], 0.5).unwrap();
        m.weights = vec![2.0, 4.0];
        // 1 and 3 go to centre 0, 9 to centre 1.
        m.train(vec![
            Vector::dense(vec![3.0]),
            Vector::dense(vec![9.0]),
            Vector::dense(vec![1.0]),
        ]);
        // Centre 0: weight 0.5·2 + 2 = 3, λ = 2/3: (1/3)·0 + (2/3)·2 = 4/3.
        // Centre 1: weight 0.5·4 + 1 = 3, λ = 1/3: (2/3)·10 + (1/3)·9 = 29/3.
        assert_eq!(m.weights, vec![3.0, 3.0]);
        assert!((m.centres[0][0] - 4.0 / 3.0).abs() < 1e-12);
        assert!((m.centres[1][0] - 29.0 / 3.0).abs() < 1e-12);
        assert_eq!(m.answer(&Vector::dense(vec![6.0])), 1.0);
        assert!(OnlineKMeansModel::new(vec![vec![0.0]], 1.5).is_err());
    }
}
