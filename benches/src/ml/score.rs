//! Scores every engine's model the same way, here: logistic regression by log loss,
//! accuracy and ROC AUC on held-out rows, k-means by its inertia on the training rows,
//! ALS by RMSE on the held-out ratings (those whose user and item it has factors for,
//! as Spark's `coldStartStrategy=drop`).

use std::collections::HashMap;

use anyhow::{Context, Result};
use serde_json::Value;

use super::data::{Points, Rating};

/// A fitted model as an engine wrote it (JSON; `peers/spark_ml.py` gives the fields).
pub(crate) struct ModelFile(pub(crate) Value);

fn floats(v: &Value) -> Result<Vec<f64>> {
    v.as_array()
        .context("a list of numbers")?
        .iter()
        .map(|x| x.as_f64().context("a number"))
        .collect()
}

fn factors(v: &Value) -> Result<HashMap<u64, Vec<f64>>> {
    v.as_array()
        .context("a list of [id, factors]")?
        .iter()
        .map(|p| Ok((p[0].as_u64().context("an id")?, floats(&p[1])?)))
        .collect()
}

/// Logistic regression's quality on held-out rows.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Classification {
    pub(crate) log_loss: f64,
    pub(crate) accuracy: f64,
    pub(crate) auc: f64,
}

/// The area under the ROC curve of scores `p` for labels `y` (ties counted half).
pub(crate) fn auc(p: &[f64], y: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..p.len()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    // Mann-Whitney: the sum of the positives' (mid-)ranks.
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < order.len() {
        let mut j = i;
        while j < order.len() && p[order[j]] == p[order[i]] {
            j += 1;
        }
        let mid = (i + j + 1) as f64 / 2.0;
        rank_sum += order[i..j].iter().filter(|&&k| y[k] == 1.0).count() as f64 * mid;
        i = j;
    }
    let pos = y.iter().filter(|&&v| v == 1.0).count() as f64;
    let neg = y.len() as f64 - pos;
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// Scores logistic regression on rows `points.rows .. points.rows + held_out`.
pub(crate) fn classification(
    m: &ModelFile,
    points: &Points,
    held_out: u64,
) -> Result<Classification> {
    let w = floats(&m.0["coefficients"])?;
    let b = m.0["intercept"].as_f64().context("intercept")?;
    let (mut p, mut y) = (Vec::new(), Vec::new());
    for i in points.rows..points.rows + held_out {
        let (x, label) = points.row(i);
        let z = b + x.iter().zip(&w).map(|(a, c)| a * c).sum::<f64>();
        p.push(1.0 / (1.0 + (-z).exp()));
        y.push(label);
    }
    let n = p.len() as f64;
    let eps = 1e-15;
    let log_loss = p
        .iter()
        .zip(&y)
        .map(|(&q, &t)| {
            let q = q.clamp(eps, 1.0 - eps);
            -(t * q.ln() + (1.0 - t) * (1.0 - q).ln())
        })
        .sum::<f64>()
        / n;
    let right = p.iter().zip(&y).filter(|&(&q, &t)| (q > 0.5) == (t == 1.0));
    Ok(Classification {
        log_loss,
        accuracy: right.count() as f64 / n,
        auc: auc(&p, &y),
    })
}

/// The centres of a k-means model.
pub(crate) fn centres(m: &ModelFile) -> Result<Vec<Vec<f64>>> {
    m.0["centres"]
        .as_array()
        .context("centres")?
        .iter()
        .map(floats)
        .collect()
}

/// The sum of squared distances of the training rows to their nearest centre, for
/// each model's centres (one pass over the rows).
pub(crate) fn inertias(models: &[Vec<Vec<f64>>], points: &Points) -> Vec<f64> {
    let mut sums = vec![0.0; models.len()];
    for i in 0..points.rows {
        let x = points.row(i).0;
        for (s, centres) in sums.iter_mut().zip(models) {
            *s += centres
                .iter()
                .map(|c| x.iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum::<f64>())
                .fold(f64::INFINITY, f64::min);
        }
    }
    sums
}

/// ALS's held-out RMSE and how many ratings it could predict.
pub(crate) fn rmse(m: &ModelFile, test: &[Rating]) -> Result<(f64, usize)> {
    let (users, items) = (factors(&m.0["users"])?, factors(&m.0["items"])?);
    let (mut sum, mut n) = (0.0, 0);
    for (u, i, r) in test {
        if let (Some(x), Some(y)) = (users.get(u), items.get(i)) {
            let p: f64 = x.iter().zip(y).map(|(a, b)| a * b).sum();
            sum += (p - r) * (p - r);
            n += 1;
        }
    }
    Ok(((sum / n.max(1) as f64).sqrt(), n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ordered_pairs() {
        assert_eq!(auc(&[0.1, 0.4, 0.35, 0.8], &[0.0, 0.0, 1.0, 1.0]), 0.75);
        assert_eq!(auc(&[0.5, 0.5], &[0.0, 1.0]), 0.5);
        assert_eq!(auc(&[0.1, 0.9], &[0.0, 1.0]), 1.0);
    }

    #[test]
    fn rmse_skips_unknown_pairs() {
        let m = ModelFile(serde_json::json!({
            "users": [[1, [1.0, 2.0]]],
            "items": [[5, [1.0, 1.0]], [6, [0.0, 1.0]]],
        }));
        let (e, n) = rmse(&m, &[(1, 5, 4.0), (1, 6, 2.0), (2, 5, 3.0)]).unwrap();
        assert_eq!(n, 2);
        assert!((e - (0.5f64).sqrt()).abs() < 1e-12);
    }
}
