//! k-nearest neighbours against scikit-learn's `KNeighborsClassifier` (brute force) on
//! iris and wine, two thirds for training and a third held out, at 1 and 2 workers, with
//! uniform and distance weights; and a model file round trip.

use strom_ml::{AnyModel, Knn, KnnWeights, Vector, load_model, save_model};

use crate::support::{fit_csv, numbers, python, read_rows, sklearn_or_skip};

/// Writes `train.csv` and `test.csv`; prints the held-out accuracy, then per test row
/// whether the k-th and (k+1)-th nearest distances tie (so the neighbours are not
/// unique) and the class probabilities.
const ORACLE: &str = r#"
import sys, numpy as np
from sklearn import datasets
from sklearn.neighbors import KNeighborsClassifier
name, k, weights, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
X, y = getattr(datasets, "load_" + name)(return_X_y=True)
test = np.arange(len(y)) % 3 == 0
for part, rows in (("train", ~test), ("test", test)):
    with open(f"{out}/{part}.csv", "w") as f:
        f.write(",".join(f"f{j}" for j in range(X.shape[1])) + ",label\n")
        for row, label in zip(X[rows], y[rows]):
            f.write(",".join(repr(float(v)) for v in row) + f",{int(label)}\n")
m = KNeighborsClassifier(n_neighbors=k, weights=weights, algorithm="brute")
m.fit(X[~test], y[~test])
print(m.score(X[test], y[test]))
for x, p in zip(X[test], m.predict_proba(X[test])):
    d = np.sort(np.sqrt(((X[~test] - x) ** 2).sum(axis=1)))
    print(int(d[k] - d[k - 1] < 1e-9), " ".join(repr(float(v)) for v in p))
"#;

fn against_sklearn(name: &str, k: u32, weights: KnnWeights) {
    let Some(py) = sklearn_or_skip(&format!("knn on {name}")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let w = if weights == KnnWeights::Uniform {
        "uniform"
    } else {
        "distance"
    };
    let out = python(
        &py,
        ORACLE,
        &[name, &k.to_string(), w, dir.path().to_str().unwrap()],
    );
    let (head, sk) = numbers(&out);
    let sk_accuracy = head[0];
    let test = read_rows(&dir.path().join("test.csv"));
    let train = dir.path().join("train.csv");
    let estimator = Knn::default().with_k(k).with_weights(weights);
    let models: Vec<_> = [1, 2]
        .into_iter()
        .map(|workers| fit_csv(workers, &train, estimator.clone()))
        .collect();
    // The model is the canonically ordered training set: the same at any worker count.
    assert_eq!(models[0], models[1]);
    let m = &models[0];
    assert_eq!(m.labels.len(), read_rows(&train).len());
    let (mut correct, mut compared) = (0, 0);
    for ((x, label), sk) in test.iter().zip(&sk) {
        let p = m.probabilities(&Vector::Dense(x.clone()));
        let best = (0..p.len()).fold(0, |b, i| if p[i] > p[b] { i } else { b });
        correct += usize::from(best as f64 == *label);
        if sk[0] == 0.0 {
            compared += 1;
            for (a, b) in p.iter().zip(&sk[1..]) {
                assert!((a - b).abs() < 1e-9, "{name}: {p:?} vs {:?}", &sk[1..]);
            }
        }
    }
    let accuracy = correct as f64 / test.len() as f64;
    assert!(
        (accuracy - sk_accuracy).abs() <= 0.01,
        "{name}: accuracy {accuracy}, scikit-learn {sk_accuracy}"
    );
    assert!(compared * 2 > test.len(), "{compared} rows without ties");
}

#[test]
fn uniform_knn_on_iris_matches_sklearn() {
    against_sklearn("iris", 5, KnnWeights::Uniform);
}

#[test]
fn distance_weighted_knn_on_iris_matches_sklearn() {
    against_sklearn("iris", 7, KnnWeights::Distance);
}

#[test]
fn uniform_knn_on_wine_matches_sklearn() {
    against_sklearn("wine", 3, KnnWeights::Uniform);
}

#[test]
fn distance_weighted_knn_on_wine_matches_sklearn() {
    against_sklearn("wine", 5, KnnWeights::Distance);
}

#[test]
fn a_knn_model_survives_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, "a,b,label\n0,0,0\n0,1,0\n5,5,1\n6,5,1\n5,6,1\n").unwrap();
    let m = fit_csv(2, &csv, Knn::default().with_k(3));
    assert_eq!(m.classes, 2);
    assert_eq!(
        m.probabilities(&Vector::dense(vec![5.5, 5.5])),
        vec![0.0, 1.0]
    );
    let url = dir.path().join("m.json");
    let url = url.to_str().unwrap();
    save_model(&AnyModel::from(m.clone()), url).unwrap();
    let text = std::fs::read_to_string(url).unwrap();
    assert!(text.contains("\"knn\""), "{text}");
    assert_eq!(load_model(url).unwrap(), AnyModel::Knn(m));
}
