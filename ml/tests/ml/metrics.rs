//! Metrics against `sklearn.metrics` on the same (random, seeded) predictions, and
//! [`evaluate`] over a data set at 1 and 2 workers.

use strom_core::RuntimeConfig;
use strom_dataset::execute;
use strom_ml::{Metric, evaluate, silhouette};

use crate::support::{python, sklearn_or_skip};

const ORACLE: &str = r#"
import numpy as np
from sklearn import metrics as m
r = np.random.default_rng(7)
y = r.integers(0, 2, 300).astype(float)
s = np.round(np.clip(0.3 * y + r.random(300) * 0.7, 0, 1), 2)  # ties on purpose
c = r.integers(0, 3, 300).astype(float)
k = np.where(r.random(300) < 0.6, c, r.integers(0, 3, 300)).astype(float)
v = r.normal(size=300); w = v + r.normal(scale=0.5, size=300)
line = lambda a: print(" ".join(repr(float(x)) for x in a))
line(y); line(s); line(c); line(k); line(v); line(w)
line([m.roc_auc_score(y, s), m.average_precision_score(y, s), m.log_loss(y, s),
      m.accuracy_score(c, k), m.f1_score(c, k, average="macro"),
      m.root_mean_squared_error(v, w), m.mean_absolute_error(v, w), m.r2_score(v, w)])
"#;

#[test]
fn metrics_match_sklearn_metrics() {
    let Some(py) = sklearn_or_skip("metrics") else {
        return;
    };
    let out = python(&py, ORACLE, &[]);
    let rows: Vec<Vec<f64>> = out
        .lines()
        .map(|l| l.split(' ').map(|v| v.parse().unwrap()).collect())
        .collect();
    let zip = |p: &Vec<f64>, y: &Vec<f64>| -> Vec<(f64, f64)> {
        p.iter().copied().zip(y.iter().copied()).collect()
    };
    let binary = zip(&rows[1], &rows[0]);
    let classes = zip(&rows[3], &rows[2]);
    let regression = zip(&rows[5], &rows[4]);
    let cases = [
        (Metric::AucRoc, &binary),
        (Metric::AucPr, &binary),
        (Metric::LogLoss, &binary),
        (Metric::Accuracy, &classes),
        (Metric::F1, &classes),
        (Metric::Rmse, &regression),
        (Metric::Mae, &regression),
        (Metric::R2, &regression),
    ];
    for (i, (metric, pairs)) in cases.into_iter().enumerate() {
        let expected = rows[6][i];
        let got = metric.of(pairs);
        assert!(
            (got - expected).abs() < 1e-9,
            "{metric:?}: {got} vs sklearn {expected}"
        );
        for workers in [1, 2] {
            let data = pairs.clone();
            let on_data_set = execute(
                &RuntimeConfig::default().with_workers(workers),
                move |env| {
                    evaluate(&env.from_collection(data.clone()).rebalance(), metric).collect()
                },
            )
            .unwrap()
            .unwrap();
            assert!(
                (on_data_set[0] - expected).abs() < 1e-9,
                "{metric:?} at {workers} workers"
            );
        }
    }
}

const SILHOUETTE: &str = r#"
import numpy as np
from sklearn.metrics import silhouette_score
r = np.random.default_rng(3)
c = r.integers(0, 4, 150)
X = r.normal(size=(150, 3)) + c[:, None] * 1.5
c[0] = 3; c[1] = 3  # a noisy assignment, and cluster sizes differ
print(" ".join(str(int(v)) for v in c))
for row in X:
    print(" ".join(repr(float(v)) for v in row))
print(repr(float(silhouette_score(X, c))))
"#;

#[test]
fn silhouette_matches_sklearn() {
    let Some(py) = sklearn_or_skip("silhouette") else {
        return;
    };
    let out = python(&py, SILHOUETTE, &[]);
    let lines: Vec<&str> = out.lines().collect();
    let clusters: Vec<usize> = lines[0].split(' ').map(|v| v.parse().unwrap()).collect();
    let points: Vec<Vec<f64>> = lines[1..lines.len() - 1]
        .iter()
        .map(|l| l.split(' ').map(|v| v.parse().unwrap()).collect())
        .collect();
    let expected: f64 = lines[lines.len() - 1].parse().unwrap();
    let got = silhouette(&points, &clusters);
    assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
    // By hand: two clusters of two points on a line, {0, 1} and {4, 6}.
    let line = [vec![0.0], vec![1.0], vec![4.0], vec![6.0]];
    let by_hand =
        ((5.0 - 1.0) / 5.0 + (4.0 - 1.0) / 4.0 + (3.5 - 2.0) / 3.5 + (5.5 - 2.0) / 5.5) / 4.0;
    assert!((silhouette(&line, &[0, 0, 1, 1]) - by_hand).abs() < 1e-12);
}
