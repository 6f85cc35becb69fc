//! Logistic regression: the optimality condition on a small case, and scikit-learn's
//! `LogisticRegression` on its bundled data sets as the oracle.

use strom_ml::{LogisticRegression, Vector};

use crate::support::{fit_csv, fits_on_xy, numbers, python, read_rows, sklearn_or_skip};

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

#[test]
fn the_fitted_weights_zero_the_regularised_gradient() {
    let data = [
        (-2.0, 0.0),
        (-1.0, 0.0),
        (-0.5, 1.0),
        (1.0, 1.0),
        (2.0, 1.0),
        (0.5, 0.0),
    ];
    let reg = 0.05;
    let estimator = LogisticRegression::default().with_label("y").with_reg(reg);
    for m in fits_on_xy(&data, estimator.clone()) {
        let (w, b) = (m.coefficients[0][0], m.intercepts[0]);
        // d/dw: mean((σ(wx+b) - y) x) + reg w = 0; d/db: mean(σ(wx+b) - y) = 0.
        let n = data.len() as f64;
        let gw: f64 = data
            .iter()
            .map(|(x, y)| (sigmoid(w * x + b) - y) * x)
            .sum::<f64>()
            / n
            + reg * w;
        let gb: f64 = data
            .iter()
            .map(|(x, y)| sigmoid(w * x + b) - y)
            .sum::<f64>()
            / n;
        assert!(
            gw.abs() < 1e-5 && gb.abs() < 1e-5,
            "gradient ({gw}, {gb}) at w={w}, b={b}"
        );
        assert!(w > 0.5, "w = {w}");
    }
    // Deterministic for a worker count: a second run gives the same bits.
    assert_eq!(
        fits_on_xy(&data, estimator.clone()),
        fits_on_xy(&data, estimator)
    );
}

const ORACLE: &str = r#"
import sys, numpy as np
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
name, out = sys.argv[1], sys.argv[2]
X, y = getattr(datasets, "load_" + name)(return_X_y=True)
X = StandardScaler().fit_transform(X)
with open(out, "w") as f:
    f.write(",".join(f"f{j}" for j in range(X.shape[1])) + ",label\n")
    for row, label in zip(X, y):
        f.write(",".join(repr(float(v)) for v in row) + f",{int(label)}\n")
m = LogisticRegression(C=1.0, max_iter=5000, tol=1e-10).fit(X, y)
print(len(y), m.score(X, y))
for p in m.predict_proba(X):
    print(" ".join(repr(float(v)) for v in p))
"#;

fn against_sklearn(name: &str) {
    let Some(py) = sklearn_or_skip(&format!("logistic regression on {name}")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join(format!("{name}.csv"));
    let (head, sk_proba) = numbers(&python(&py, ORACLE, &[name, csv.to_str().unwrap()]));
    let (n, sk_accuracy) = (head[0], head[1]);
    let rows = read_rows(&csv);
    for workers in [1, 2] {
        let est = LogisticRegression::default()
            .with_reg(1.0 / n)
            .with_max_iter(1000);
        let m = fit_csv(workers, &csv, est);
        let mut correct = 0;
        let mut worst = 0.0f64;
        for ((x, label), sk) in rows.iter().zip(&sk_proba) {
            let p = m.probabilities(&Vector::Dense(x.clone()));
            let best = (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
            correct += usize::from(best as f64 == *label);
            for (a, b) in p.iter().zip(sk) {
                worst = worst.max((a - b).abs());
            }
        }
        let accuracy = correct as f64 / rows.len() as f64;
        assert!(
            (accuracy - sk_accuracy).abs() <= 0.01,
            "{name}, {workers} workers: accuracy {accuracy}, scikit-learn {sk_accuracy}"
        );
        assert!(
            worst < 0.02,
            "{name}, {workers} workers: probabilities differ by {worst}"
        );
    }
}

#[test]
fn multinomial_on_iris_matches_sklearn() {
    against_sklearn("iris");
}

#[test]
fn multinomial_on_wine_matches_sklearn() {
    against_sklearn("wine");
}

#[test]
fn binomial_on_breast_cancer_matches_sklearn() {
    against_sklearn("breast_cancer");
}
