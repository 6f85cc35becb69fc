//! Linear SVC: scikit-learn's `LinearSVC` (squared hinge, C = 1) on its bundled breast
//! cancer data as the oracle, the optimality condition on a small case, and the error
//! for more than two classes.

use strom_core::RuntimeConfig;
use strom_ml::{Error, LinearSvc, TableOptions, fit};

use crate::support::{fit_csv, fits_on_xy, numbers, python, read_rows, sklearn_or_skip};

const ORACLE: &str = r#"
import sys, numpy as np
from sklearn import datasets
from sklearn.svm import LinearSVC
from sklearn.preprocessing import StandardScaler
out = sys.argv[1]
X, y = datasets.load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
with open(out, "w") as f:
    f.write(",".join(f"f{j}" for j in range(X.shape[1])) + ",label\n")
    for row, label in zip(X, y):
        f.write(",".join(repr(float(v)) for v in row) + f",{int(label)}\n")
# A large intercept scaling leaves liblinear's intercept almost unpenalised.
m = LinearSVC(C=1.0, intercept_scaling=100.0, max_iter=100000, tol=1e-10, dual=False).fit(X, y)
print(len(y), m.score(X, y))
print(" ".join(repr(float(v)) for v in m.decision_function(X)))
"#;

#[test]
fn linear_svc_on_breast_cancer_matches_sklearn() {
    let Some(py) = sklearn_or_skip("linear SVC on breast cancer") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bc.csv");
    let (head, sk) = numbers(&python(&py, ORACLE, &[csv.to_str().unwrap()]));
    let (n, sk_accuracy) = (head[0], head[1]);
    let sk = &sk[0];
    let rows = read_rows(&csv);
    for workers in [1, 2] {
        let m = fit_csv(
            workers,
            &csv,
            LinearSvc::default().with_reg(1.0 / n).with_max_iter(1000),
        );
        let mut correct = 0;
        let mut worst = 0.0f64;
        for ((x, label), s) in rows.iter().zip(sk) {
            let z: f64 = x
                .iter()
                .zip(&m.coefficients)
                .map(|(a, b)| a * b)
                .sum::<f64>()
                + m.intercept;
            correct += usize::from(f64::from(u8::from(z > 0.0)) == *label);
            worst = worst.max((z - s).abs());
        }
        let accuracy = correct as f64 / rows.len() as f64;
        assert!(
            (accuracy - sk_accuracy).abs() <= 0.01,
            "{workers} workers: accuracy {accuracy}, scikit-learn {sk_accuracy}"
        );
        assert!(
            worst < 0.05,
            "{workers} workers: decision values differ by {worst}"
        );
    }
}

#[test]
fn the_fitted_svc_zeroes_the_regularised_gradient() {
    let data = [
        (-2.0, 0.0),
        (-1.0, 0.0),
        (-0.2, 1.0),
        (1.0, 1.0),
        (2.0, 1.0),
        (0.3, 0.0),
    ];
    let reg = 0.1;
    for m in fits_on_xy(&data, LinearSvc::default().with_label("y").with_reg(reg)) {
        let (w, b) = (m.coefficients[0], m.intercept);
        // d/dw: mean(−2 t m x) + reg w = 0 and d/db: mean(−2 t m) = 0, m = max(0, 1 − t z).
        let n = data.len() as f64;
        let (mut gw, mut gb) = (reg * w, 0.0);
        for (x, y) in data {
            let t = 2.0 * y - 1.0;
            let margin = (1.0 - t * (w * x + b)).max(0.0);
            gw -= 2.0 * t * margin * x / n;
            gb -= 2.0 * t * margin / n;
        }
        assert!(
            gw.abs() < 1e-5 && gb.abs() < 1e-5,
            "gradient ({gw}, {gb}) at w={w}, b={b}"
        );
    }
}

#[test]
fn three_classes_are_refused_naming_the_label() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, "x,y\n1,0\n2,1\n3,2\n").unwrap();
    let err = fit(
        &RuntimeConfig::default().with_workers(2),
        path.to_str().unwrap(),
        &TableOptions::default(),
        LinearSvc::default().with_label("y"),
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::Column { name, message } if name == "y" && message.contains("labels 0 and 1")),
        "{err:?}"
    );
}
