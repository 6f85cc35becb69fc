//! Naive Bayes against scikit-learn's `GaussianNB` and `MultinomialNB` on iris and
//! wine (features ≥ 0), at 1 and 2 workers.

use strom_ml::{NaiveBayes, NaiveBayesKind, Vector};

use crate::support::{fit_csv, python, read_rows, sklearn_or_skip};

const ORACLE: &str = r#"
import sys
from sklearn import datasets
from sklearn.naive_bayes import GaussianNB, MultinomialNB
name, kind, out = sys.argv[1], sys.argv[2], sys.argv[3]
X, y = getattr(datasets, "load_" + name)(return_X_y=True)
with open(out, "w") as f:
    f.write(",".join(f"f{j}" for j in range(X.shape[1])) + ",label\n")
    for row, label in zip(X, y):
        f.write(",".join(repr(float(v)) for v in row) + f",{int(label)}\n")
m = (GaussianNB() if kind == "gaussian" else MultinomialNB(alpha=1.0)).fit(X, y)
print(m.score(X, y))
for p in m.predict_proba(X):
    print(" ".join(repr(float(v)) for v in p))
"#;

fn against_sklearn(name: &str, kind: NaiveBayesKind) {
    let label = if kind == NaiveBayesKind::Gaussian {
        "gaussian"
    } else {
        "multinomial"
    };
    let Some(py) = sklearn_or_skip(&format!("{label} naive Bayes on {name}")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join(format!("{name}.csv"));
    let out = python(&py, ORACLE, &[name, label, csv.to_str().unwrap()]);
    let mut lines = out.lines();
    let sk_accuracy: f64 = lines.next().unwrap().parse().unwrap();
    let sk_proba: Vec<Vec<f64>> = lines
        .map(|l| l.split(' ').map(|v| v.parse().unwrap()).collect())
        .collect();
    let rows = read_rows(&csv);
    for workers in [1, 2] {
        let m = fit_csv(workers, &csv, NaiveBayes::default().with_kind(kind));
        let mut correct = 0;
        for ((x, y), sk) in rows.iter().zip(&sk_proba) {
            let p = m.probabilities(&Vector::Dense(x.clone()));
            let best = (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
            correct += usize::from(best as f64 == *y);
            for (a, b) in p.iter().zip(sk) {
                assert!((a - b).abs() < 1e-6, "{name}, {label}: {p:?} vs {sk:?}");
            }
        }
        let accuracy = correct as f64 / rows.len() as f64;
        assert!(
            (accuracy - sk_accuracy).abs() <= 0.01,
            "{name}: {accuracy} vs {sk_accuracy}"
        );
    }
}

#[test]
fn gaussian_on_iris_matches_sklearn() {
    against_sklearn("iris", NaiveBayesKind::Gaussian);
}

#[test]
fn gaussian_on_wine_matches_sklearn() {
    against_sklearn("wine", NaiveBayesKind::Gaussian);
}

#[test]
fn multinomial_on_wine_matches_sklearn() {
    against_sklearn("wine", NaiveBayesKind::Multinomial);
}
