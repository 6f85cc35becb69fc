//! Evaluation metrics over `(prediction, label)` pairs: binary classification (area
//! under the ROC curve, average precision as the area under the precision-recall
//! curve, log loss, on the score or probability of class 1), multiclass (accuracy,
//! macro F1, on predicted class indices), regression (RMSE, MAE, R²), and clustering
//! ([`silhouette`], of points and their clusters). The plain
//! functions take slices; [`evaluate`] computes one over a data set (the pairs are
//! gathered on one worker: fine for evaluation sets, not for billions of rows).

use serde::{Deserialize, Serialize};
use strom_dataset::DataSet;

/// A metric of `(prediction, label)` pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Metric {
    /// Area under the ROC curve (scores; labels 0/1).
    AucRoc,
    /// Average precision: the area under the precision-recall curve, as scikit-learn's
    /// `average_precision_score` (scores; labels 0/1).
    AucPr,
    /// Mean log loss (probabilities of class 1; labels 0/1), clipped at 1e-15.
    LogLoss,
    /// Share of exact predictions.
    Accuracy,
    /// Unweighted mean over classes of F1.
    F1,
    /// Root mean squared error.
    Rmse,
    /// Mean absolute error.
    Mae,
    /// Coefficient of determination.
    R2,
}

impl Metric {
    /// The metric of `pairs`.
    pub fn of(self, pairs: &[(f64, f64)]) -> f64 {
        match self {
            Metric::AucRoc => auc_roc(pairs),
            Metric::AucPr => average_precision(pairs),
            Metric::LogLoss => log_loss(pairs),
            Metric::Accuracy => accuracy(pairs),
            Metric::F1 => f1_macro(pairs),
            Metric::Rmse => mean(pairs.iter().map(|(p, y)| (p - y).powi(2))).sqrt(),
            Metric::Mae => mean(pairs.iter().map(|(p, y)| (p - y).abs())),
            Metric::R2 => r2(pairs),
        }
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    sum / n.max(1) as f64
}

/// Pairs sorted by score, highest first, grouped by equal score: per group the counts
/// of positives and negatives.
fn score_groups(pairs: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut sorted = pairs.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut groups: Vec<(f64, f64)> = Vec::new();
    let mut last = None;
    for (score, label) in sorted {
        let positive = if label > 0.5 { 1.0 } else { 0.0 };
        if last == Some(score) {
            let g = groups.last_mut().expect("a group is open");
            g.0 += positive;
            g.1 += 1.0 - positive;
        } else {
            groups.push((positive, 1.0 - positive));
            last = Some(score);
        }
    }
    groups
}

/// Area under the ROC curve (ties count half).
pub fn auc_roc(pairs: &[(f64, f64)]) -> f64 {
    let groups = score_groups(pairs);
    let (p, n): (f64, f64) = groups
        .iter()
        .fold((0.0, 0.0), |a, g| (a.0 + g.0, a.1 + g.1));
    let (mut tp, mut area) = (0.0, 0.0);
    for (pos, neg) in groups {
        area += neg * (tp + pos / 2.0);
        tp += pos;
    }
    area / (p * n)
}

/// Average precision: `Σ (Rₖ − Rₖ₋₁) Pₖ` over the distinct score thresholds.
pub fn average_precision(pairs: &[(f64, f64)]) -> f64 {
    let groups = score_groups(pairs);
    let p: f64 = groups.iter().map(|g| g.0).sum();
    let (mut tp, mut fp, mut ap) = (0.0, 0.0, 0.0);
    for (pos, neg) in groups {
        tp += pos;
        fp += neg;
        ap += pos / p * (tp / (tp + fp));
    }
    ap
}

/// Mean log loss of probabilities of class 1.
pub fn log_loss(pairs: &[(f64, f64)]) -> f64 {
    mean(pairs.iter().map(|&(q, y)| {
        let q = q.clamp(1e-15, 1.0 - 1e-15);
        -(y * q.ln() + (1.0 - y) * (1.0 - q).ln())
    }))
}

/// Share of pairs whose prediction equals the label.
pub fn accuracy(pairs: &[(f64, f64)]) -> f64 {
    mean(pairs.iter().map(|(p, y)| if p == y { 1.0 } else { 0.0 }))
}

/// Macro F1 over the classes that occur as labels or predictions.
pub fn f1_macro(pairs: &[(f64, f64)]) -> f64 {
    let mut classes: Vec<f64> = pairs.iter().flat_map(|&(p, y)| [p, y]).collect();
    classes.sort_by(f64::total_cmp);
    classes.dedup();
    mean(classes.iter().map(|&c| {
        let tp = pairs.iter().filter(|&&(p, y)| p == c && y == c).count() as f64;
        let predicted = pairs.iter().filter(|&&(p, _)| p == c).count() as f64;
        let actual = pairs.iter().filter(|&&(_, y)| y == c).count() as f64;
        if predicted + actual == 0.0 {
            0.0
        } else {
            2.0 * tp / (predicted + actual)
        }
    }))
}

/// Coefficient of determination.
pub fn r2(pairs: &[(f64, f64)]) -> f64 {
    let m = mean(pairs.iter().map(|p| p.1));
    let res: f64 = pairs.iter().map(|(p, y)| (y - p).powi(2)).sum();
    let tot: f64 = pairs.iter().map(|(_, y)| (y - m).powi(2)).sum();
    1.0 - res / tot
}

/// The mean silhouette of `points` in `clusters` (scikit-learn's `silhouette_score`,
/// Euclidean): per point `(b − a) / max(a, b)` with `a` the mean distance to the other
/// points of its cluster and `b` the least mean distance to another cluster's points;
/// 0 for a point alone in its cluster. Quadratic in the number of points.
pub fn silhouette(points: &[Vec<f64>], clusters: &[usize]) -> f64 {
    let k = clusters.iter().max().map_or(0, |m| m + 1);
    let mut size = vec![0usize; k];
    for &c in clusters {
        size[c] += 1;
    }
    let mut total = 0.0;
    let mut sums = vec![0.0; k];
    for (i, x) in points.iter().enumerate() {
        sums.iter_mut().for_each(|s| *s = 0.0);
        for (y, &c) in points.iter().zip(clusters) {
            let d: f64 = x.iter().zip(y).map(|(a, b)| (a - b).powi(2)).sum();
            sums[c] += d.sqrt();
        }
        let own = clusters[i];
        if size[own] < 2 {
            continue;
        }
        let a = sums[own] / (size[own] - 1) as f64;
        let b = (0..k)
            .filter(|&c| c != own && size[c] > 0)
            .map(|c| sums[c] / size[c] as f64)
            .fold(f64::INFINITY, f64::min);
        if b.is_finite() {
            total += (b - a) / a.max(b);
        }
    }
    total / points.len().max(1) as f64
}

/// `metric` of all pairs of `pairs`: one record on worker 0 (none when empty).
pub fn evaluate<'s>(pairs: &DataSet<'s, (f64, f64)>, metric: Metric) -> DataSet<'s, f64> {
    pairs
        .map(|p| vec![p])
        .reduce(|mut a, mut b| {
            a.append(&mut b);
            a
        })
        .map(move |all| metric.of(&all))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_cases() {
        // Scores 0.9(1) 0.8(0) 0.7(1) 0.1(0): 3 of 4 positive-negative pairs ordered.
        let pairs = [(0.9, 1.0), (0.8, 0.0), (0.7, 1.0), (0.1, 0.0)];
        assert_eq!(auc_roc(&pairs), 0.75);
        // Precision at the positives: 1/1 and 2/3, each half the recall.
        assert!((average_precision(&pairs) - (0.5 + 1.0 / 3.0)).abs() < 1e-12);
        assert_eq!(accuracy(&[(1.0, 1.0), (0.0, 1.0)]), 0.5);
        assert_eq!(Metric::Mae.of(&[(1.0, 2.0), (4.0, 2.0)]), 1.5);
        assert_eq!(r2(&[(1.0, 1.0), (3.0, 3.0)]), 1.0);
    }
}
