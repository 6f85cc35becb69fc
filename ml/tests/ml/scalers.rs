//! Scalers against scikit-learn's `StandardScaler`, `MinMaxScaler` and `MaxAbsScaler` on
//! wine, and a pipeline (scaler, then logistic regression) against scikit-learn's.

use strom_core::RuntimeConfig;
use strom_ml::{
    LogisticRegression, Pipeline, Scaler, TableOptions, Transformer, Value, fit, run_on_table,
};

use crate::support::{python, sklearn_or_skip};

const ORACLE: &str = r#"
import sys
from sklearn import datasets
from sklearn.preprocessing import StandardScaler, MinMaxScaler, MaxAbsScaler
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
name, out = sys.argv[1], sys.argv[2]
X, y = getattr(datasets, "load_" + name)(return_X_y=True)
with open(out, "w") as f:
    f.write(",".join(f"f{j}" for j in range(X.shape[1])) + ",label\n")
    for row, label in zip(X, y):
        f.write(",".join(repr(float(v)) for v in row) + f",{int(label)}\n")
line = lambda v: print(" ".join(repr(float(x)) for x in v))
s = StandardScaler().fit(X); line(s.mean_); line(s.scale_)
m = MinMaxScaler().fit(X); line(m.data_min_); line(m.data_range_)
a = MaxAbsScaler().fit(X); line([0.0] * X.shape[1]); line(a.max_abs_)
p = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=5000, tol=1e-10)).fit(X, y)
print(len(y), p.score(X, y))
"#;

fn oracle(name: &str, dir: &tempfile::TempDir) -> Option<(String, Vec<Vec<f64>>)> {
    let py = sklearn_or_skip(&format!("scalers on {name}"))?;
    let csv = dir.path().join(format!("{name}.csv"));
    let out = python(&py, ORACLE, &[name, csv.to_str().unwrap()]);
    let lines = out
        .lines()
        .map(|l| l.split(' ').map(|v| v.parse().unwrap()).collect())
        .collect();
    Some((csv.to_str().unwrap().to_string(), lines))
}

fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-9 * y.abs().max(1.0))
}

#[test]
fn scalers_on_wine_match_sklearn() {
    let dir = tempfile::tempdir().unwrap();
    let Some((csv, sk)) = oracle("wine", &dir) else {
        return;
    };
    let features: Vec<String> = (0..13).map(|j| format!("f{j}")).collect();
    let features: Vec<&str> = features.iter().map(String::as_str).collect();
    for workers in [1, 2] {
        let cfg = RuntimeConfig::default().with_workers(workers);
        for (i, scaler) in [Scaler::standard(), Scaler::min_max(), Scaler::max_abs()]
            .into_iter()
            .enumerate()
        {
            let m = fit(
                &cfg,
                &csv,
                &TableOptions::default(),
                scaler.with_input(&features),
            )
            .unwrap();
            assert!(
                close(&m.shift, &sk[2 * i]),
                "{i}: {:?} vs {:?}",
                m.shift,
                sk[2 * i]
            );
            assert!(
                close(&m.divisor, &sk[2 * i + 1]),
                "{i}: {:?} vs {:?}",
                m.divisor,
                sk[2 * i + 1]
            );
        }
    }
}

#[test]
fn a_scaler_and_logistic_regression_pipeline_matches_sklearn() {
    let dir = tempfile::tempdir().unwrap();
    let Some((csv, sk)) = oracle("breast_cancer", &dir) else {
        return;
    };
    let (n, sk_accuracy) = (sk[6][0], sk[6][1]);
    for workers in [1, 2] {
        let cfg = RuntimeConfig::default().with_workers(workers);
        let features: Vec<String> = (0..30).map(|j| format!("f{j}")).collect();
        let features: Vec<&str> = features.iter().map(String::as_str).collect();
        let pipeline = Pipeline::new()
            .with_stage(Scaler::standard().with_input(&features))
            .with_stage(
                LogisticRegression::default()
                    .with_features(&["scaled"])
                    .with_reg(1.0 / n)
                    .with_max_iter(1000),
            );
        let model = fit(&cfg, &csv, &TableOptions::default(), pipeline).unwrap();
        assert_eq!(model.stages.len(), 2);
        let rows = run_on_table(&cfg, &csv, &TableOptions::default(), move |_, t| {
            let out = model.transform(&t)?;
            let label = out.schema.index("label")?;
            let prediction = out.schema.index("prediction")?;
            Ok(out
                .rows
                .map(move |r| (r[label].clone(), r[prediction].clone()))
                .collect())
        })
        .unwrap();
        assert_eq!(rows.len() as f64, n);
        let correct = rows
            .iter()
            .filter(|(l, p)| matches!((l, p), (Value::Num(a), Value::Num(b)) if a == b))
            .count();
        let accuracy = correct as f64 / n;
        assert!(
            (accuracy - sk_accuracy).abs() <= 0.01,
            "{workers} workers: accuracy {accuracy}, scikit-learn {sk_accuracy}"
        );
    }
}
