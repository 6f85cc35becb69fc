//! Linear regression against scikit-learn (`LinearRegression`, `Ridge`, `ElasticNet`,
//! `Lasso`) on its diabetes data set, and a hand-computed case.

use strom_ml::{LinearRegression, Vector};

use crate::support::{fit_csv, python, read_rows, sklearn_or_skip};

#[test]
fn an_exact_line_is_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    // y = 3 - 2a + 0.5b, exactly.
    let mut text = String::from("a,b,y\n");
    for (a, b) in [(0.0, 1.0), (1.0, 0.0), (2.0, 5.0), (-1.0, 2.0), (3.0, -4.0)] {
        text.push_str(&format!("{a},{b},{}\n", 3.0 - 2.0 * a + 0.5 * b));
    }
    std::fs::write(&path, text).unwrap();
    for workers in [1, 2] {
        let m = fit_csv(workers, &path, LinearRegression::default().with_label("y"));
        assert!(
            (m.coefficients[0] + 2.0).abs() < 1e-9,
            "{:?}",
            m.coefficients
        );
        assert!(
            (m.coefficients[1] - 0.5).abs() < 1e-9,
            "{:?}",
            m.coefficients
        );
        assert!((m.intercept - 3.0).abs() < 1e-9, "{}", m.intercept);
    }
}

const ORACLE: &str = r#"
import sys
from sklearn import datasets
from sklearn.linear_model import LinearRegression, Ridge, ElasticNet
kind, reg, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
X, y = datasets.load_diabetes(return_X_y=True)
with open(out, "w") as f:
    f.write(",".join(f"f{j}" for j in range(X.shape[1])) + ",label\n")
    for row, label in zip(X, y):
        f.write(",".join(repr(float(v)) for v in row) + f",{float(label)!r}\n")
n = len(y)
if kind == "ols":
    m = LinearRegression()
elif kind == "ridge":
    m = Ridge(alpha=reg * n)
else:
    m = ElasticNet(alpha=reg, l1_ratio=0.5, tol=1e-12, max_iter=100000)
m.fit(X, y)
print(m.score(X, y))
print(" ".join(repr(float(v)) for v in m.coef_))
"#;

fn against_sklearn(kind: &str, reg: f64) {
    let Some(py) = sklearn_or_skip(&format!("{kind} regression on diabetes")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("diabetes.csv");
    let out = python(
        &py,
        ORACLE,
        &[kind, &reg.to_string(), csv.to_str().unwrap()],
    );
    let mut lines = out.lines();
    let sk_r2: f64 = lines.next().unwrap().parse().unwrap();
    let sk_coef: Vec<f64> = lines
        .next()
        .unwrap()
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    let rows = read_rows(&csv);
    let alpha = if kind == "elastic-net" { 0.5 } else { 0.0 };
    for workers in [1, 2] {
        let m = fit_csv(
            workers,
            &csv,
            LinearRegression::default()
                .with_reg(reg)
                .with_elastic_net(alpha),
        );
        // R² = 1 − SS_res / SS_tot, by hand.
        let mean = rows.iter().map(|r| r.1).sum::<f64>() / rows.len() as f64;
        let (mut res, mut tot) = (0.0, 0.0);
        for (x, y) in &rows {
            let p = Vector::Dense(x.clone()).dot(&m.coefficients) + m.intercept;
            res += (y - p).powi(2);
            tot += (y - mean).powi(2);
        }
        let r2 = 1.0 - res / tot;
        assert!(
            (r2 - sk_r2).abs() < 0.01,
            "{kind}, {workers} workers: R² {r2}, scikit-learn {sk_r2}"
        );
        for (a, b) in m.coefficients.iter().zip(&sk_coef) {
            assert!(
                (a - b).abs() <= 1e-3 * b.abs().max(1.0),
                "{kind}: {:?} vs {sk_coef:?}",
                m.coefficients
            );
        }
    }
}

#[test]
fn least_squares_on_diabetes_matches_sklearn() {
    against_sklearn("ols", 0.0);
}

#[test]
fn ridge_on_diabetes_matches_sklearn() {
    against_sklearn("ridge", 0.001);
}

#[test]
fn elastic_net_on_diabetes_matches_sklearn() {
    against_sklearn("elastic-net", 0.001);
}
