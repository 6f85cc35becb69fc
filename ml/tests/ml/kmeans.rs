//! k-means against scikit-learn's `KMeans` (best of 10 initialisations) on iris and
//! wine: inertia within 2%, at 1 and 2 workers; the reported inertia recomputed here.

use strom_ml::KMeans;

use crate::support::{fit_csv, python, read_rows, sklearn_or_skip};

const ORACLE: &str = r#"
import sys
from sklearn import datasets
from sklearn.cluster import KMeans
name, k, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
X, y = getattr(datasets, "load_" + name)(return_X_y=True)
with open(out, "w") as f:
    f.write(",".join(f"f{j}" for j in range(X.shape[1])) + ",label\n")
    for row, label in zip(X, y):
        f.write(",".join(repr(float(v)) for v in row) + f",{int(label)}\n")
print(KMeans(n_clusters=k, n_init=10, random_state=0).fit(X).inertia_)
"#;

fn against_sklearn(name: &str, k: usize) {
    let Some(py) = sklearn_or_skip(&format!("k-means on {name}")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join(format!("{name}.csv"));
    let out = python(&py, ORACLE, &[name, &k.to_string(), csv.to_str().unwrap()]);
    let sk_inertia: f64 = out.trim().parse().unwrap();
    let rows = read_rows(&csv);
    let features: Vec<String> = (0..rows[0].0.len()).map(|j| format!("f{j}")).collect();
    let features: Vec<&str> = features.iter().map(String::as_str).collect();
    for workers in [1, 2] {
        let mut est = KMeans::default().with_k(k).with_seed(3);
        est.features = features.iter().map(|f| f.to_string()).collect();
        let m = fit_csv(workers, &csv, est);
        assert_eq!(m.centres.len(), k);
        let inertia: f64 = rows
            .iter()
            .map(|(x, _)| {
                let c = &m.centres[m.predict(x)];
                x.iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum::<f64>()
            })
            .sum();
        assert!(
            (inertia - m.inertia).abs() <= 1e-6 * inertia,
            "{inertia} vs {}",
            m.inertia
        );
        assert!(
            inertia <= sk_inertia * 1.02,
            "{name}, {workers} workers: inertia {inertia}, scikit-learn's best {sk_inertia}"
        );
    }
}

#[test]
fn iris_matches_sklearn_best_of_ten() {
    against_sklearn("iris", 3);
}

#[test]
fn wine_matches_sklearn_best_of_ten() {
    against_sklearn("wine", 3);
}
