//! k-fold cross-validation: the folds of a fold column by hand and the hash folds'
//! partition (the same at 1 and 2 workers); k-nearest neighbours on wine over a `k`
//! grid with Strom's hash folds, and lasso on diabetes over a `reg` grid with a fold
//! column, each against scikit-learn's `GridSearchCV` on the same folds
//! (`PredefinedSplit`).

use std::path::Path;

use strom_core::RuntimeConfig;
use strom_ml::{
    CrossValidation, CrossValidator, Error, Estimator, Knn, LinearRegression, Metric, ParamGrid,
    Params, TableOptions, cross_validate, k_fold, run_on_table,
};

use crate::support::{close, numbers, python, sklearn_or_skip};

/// `(fold, held out, id)` of every row in every fold of the table at `csv`.
fn folds_of(workers: usize, csv: &Path, k: u32, column: Option<&str>) -> Vec<(u32, bool, u32)> {
    let column = column.map(str::to_string);
    let mut out = run_on_table(
        &RuntimeConfig::default().with_workers(workers),
        csv.to_str().unwrap(),
        &TableOptions::default(),
        move |_, t| {
            let mut all: Option<strom_dataset::DataSet<(u32, bool, u32)>> = None;
            for (f, (train, test)) in k_fold(&t, k, 7, column.as_deref())?.into_iter().enumerate() {
                if let Some(c) = &column {
                    assert!(
                        train.schema.index(c).is_err(),
                        "the fold column is left out"
                    );
                }
                for (held_out, part) in [(false, train), (true, test)] {
                    let ids = part
                        .rows
                        .map(move |r| (f as u32, held_out, r[0].as_num().unwrap() as u32));
                    all = Some(match all {
                        None => ids,
                        Some(a) => a.union(&ids),
                    });
                }
            }
            Ok(all.unwrap().collect())
        },
    )
    .unwrap();
    out.sort_unstable();
    out
}

#[test]
fn fold_columns_split_by_hand_and_hash_folds_partition() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    let mut text = String::from("id,x,fold,label\n");
    for id in 0..9 {
        text.push_str(&format!("{id},{},{},{}\n", id * id, id % 3, id % 2));
    }
    std::fs::write(&csv, text).unwrap();
    let mut expected: Vec<(u32, bool, u32)> = (0..3)
        .flat_map(|f| (0..9).map(move |id| (f, id % 3 == f, id)))
        .collect();
    expected.sort_unstable();
    for workers in [1, 2] {
        assert_eq!(folds_of(workers, &csv, 3, Some("fold")), expected);
    }
    // Hash folds: each row held out in exactly one fold and trained on in the others.
    let hashed = folds_of(1, &csv, 4, None);
    assert_eq!(hashed, folds_of(2, &csv, 4, None));
    for id in 0..9 {
        let mine: Vec<_> = hashed.iter().filter(|r| r.2 == id).collect();
        assert_eq!(mine.len(), 4);
        assert_eq!(mine.iter().filter(|r| r.1).count(), 1, "{mine:?}");
    }
    // A fold index out of range fails naming the column.
    let err = cross_validate(
        &RuntimeConfig::default().with_workers(2),
        csv.to_str().unwrap(),
        &TableOptions::default(),
        &CrossValidator::new(Knn::default(), ParamGrid::new())
            .with_folds(2)
            .with_fold_column("fold"),
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::Column { name, .. } if name == "fold"),
        "{err:?}"
    );
}

/// Writes the data set; or, given a fold per row, prints the grid's fold scores (one
/// line per grid point) and the best point's index.
const ORACLE: &str = r#"
import sys, numpy as np
from sklearn import datasets
from sklearn.model_selection import GridSearchCV, PredefinedSplit, KFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.linear_model import Lasso
name, out = sys.argv[1], sys.argv[2]
X, y = getattr(datasets, "load_" + name)(return_X_y=True)
if len(sys.argv) == 3:
    fold = np.zeros(len(y), dtype=int)
    for f, (_, test) in enumerate(KFold(5, shuffle=True, random_state=0).split(X)):
        fold[test] = f
    with open(out, "w") as f:
        f.write("id," + ",".join(f"f{j}" for j in range(X.shape[1])) + ",fold,label\n")
        for i, (row, label) in enumerate(zip(X, y)):
            f.write(f"{i}," + ",".join(repr(float(v)) for v in row) + f",{fold[i]},{float(label)!r}\n")
    sys.exit()
fold = np.array([int(v) for v in sys.argv[3].split(",")])
if name == "wine":
    search = GridSearchCV(KNeighborsClassifier(algorithm="brute"), {"n_neighbors": [1, 5, 15]},
                          cv=PredefinedSplit(fold), scoring="accuracy")
else:
    search = GridSearchCV(Lasso(tol=1e-12, max_iter=100000), {"alpha": [0.01, 0.1, 1.0]},
                          cv=PredefinedSplit(fold), scoring="r2")
search.fit(X, y)
r = search.cv_results_
for p in range(3):
    print(" ".join(repr(float(r[f"split{s}_test_score"][p])) for s in range(fold.max() + 1)))
print(search.best_index_)
"#;

/// Strom's cross-validation at 1 and 2 workers, its fold scores and best point
/// checked against scikit-learn's grid search (`name`, its table at `csv`) on the folds
/// `fold`, one per row.
fn against_grid_search<E>(
    py: &Path,
    name: &str,
    csv: &Path,
    fold: &[String],
    cv: &CrossValidator<E>,
    tol: f64,
) -> Vec<CrossValidation<E::Model>>
where
    E: Estimator + Params + Send + Sync,
{
    let url = csv.to_str().unwrap();
    let (head, rest) = numbers(&python(py, ORACLE, &[name, url, &fold.join(",")]));
    let sk: Vec<Vec<f64>> = std::iter::once(head).chain(rest).collect();
    [1, 2]
        .into_iter()
        .map(|workers| {
            let config = RuntimeConfig::default().with_workers(workers);
            let r = cross_validate(&config, url, &TableOptions::default(), cv).unwrap();
            for (ours, theirs) in r.fold_scores.iter().zip(&sk) {
                assert!(
                    ours.len() == theirs.len()
                        && ours.iter().zip(theirs).all(|(a, b)| close(*a, *b, tol)),
                    "{name}: {:?} vs {sk:?}",
                    r.fold_scores
                );
            }
            assert_eq!(r.best as f64, sk[3][0]);
            r
        })
        .collect()
}

/// The columns `f0` .. `f{n-1}`.
fn features(n: usize) -> Vec<String> {
    (0..n).map(|j| format!("f{j}")).collect()
}

#[test]
fn knn_grid_on_wine_with_hash_folds_matches_grid_search_cv() {
    let Some(py) = sklearn_or_skip("cross-validation of knn on wine") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("wine.csv");
    python(&py, ORACLE, &["wine", csv.to_str().unwrap()]);
    let features = features(13);
    let features: Vec<&str> = features.iter().map(String::as_str).collect();
    let grid = ParamGrid::new().with("k", &["1", "5", "15"]);
    let cv = CrossValidator::new(Knn::default().with_features(&features), grid)
        .with_folds(4)
        .with_seed(7);
    // Strom's hash folds (seed 7, as `folds_of` uses), given to scikit-learn.
    let mut fold = vec![String::new(); 178];
    for (f, held_out, id) in folds_of(2, &csv, 4, None) {
        if held_out {
            fold[id as usize] = f.to_string();
        }
    }
    for r in against_grid_search(&py, "wine", &csv, &fold, &cv, 1e-12) {
        assert_eq!(r.points.len(), 3);
        assert_eq!(r.model.params.k.to_string(), r.points[r.best][0].1);
        assert_eq!(r.model.labels.len(), 178);
    }
}

#[test]
fn lasso_grid_on_diabetes_with_a_fold_column_matches_grid_search_cv() {
    let Some(py) = sklearn_or_skip("cross-validation of lasso on diabetes") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("diabetes.csv");
    python(&py, ORACLE, &["diabetes", csv.to_str().unwrap()]);
    let text = std::fs::read_to_string(&csv).unwrap();
    let fold: Vec<String> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').rev().nth(1).unwrap().to_string())
        .collect();
    let features = features(10);
    let features: Vec<&str> = features.iter().map(String::as_str).collect();
    let lasso = LinearRegression::default()
        .with_features(&features)
        .with_elastic_net(1.0)
        .with_tol(1e-12)
        .with_max_iter(100_000);
    let grid = ParamGrid::new().with("reg", &["0.01", "0.1", "1.0"]);
    let cv = CrossValidator::new(lasso, grid)
        .with_folds(5)
        .with_fold_column("fold")
        .with_metric(Metric::R2, "label", "prediction");
    for r in against_grid_search(&py, "diabetes", &csv, &fold, &cv, 1e-6) {
        let best: f64 = r.points[r.best][0].1.parse().unwrap();
        assert_eq!(r.model.params.reg, best);
    }
}
