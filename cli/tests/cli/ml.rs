//! `strom ml fit / predict / evaluate` against scikit-learn 1.5.2 (installed from PyPI
//! into a virtual environment under the target folder, shared with strom-ml's tests):
//! its bundled breast cancer (logistic regression) and diabetes (linear regression) data
//! sets, split in two by the oracle script, fitted by both, compared on the held-out
//! half; and the errors for a bad column, a non-numeric feature and an unknown
//! parameter.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::support::{run_strom, scratch, skip, strom};

/// The Python with scikit-learn (the same pinned environment strom-ml's tests make).
fn sklearn() -> Result<PathBuf, String> {
    static ENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let packages = ["scikit-learn==1.5.2", "numpy==2.1.3", "scipy==1.14.1"];
        Ok(crate::support::venv("ml-sklearn-1.5.2", &packages)?.join("bin/python"))
    })
    .clone()
}

/// Writes `name`'s train and test halves (rows alternate) to `dir` and fits scikit-learn's
/// estimator on the train half; prints the test metrics as JSON on the first line, then
/// one prediction (and probability of the predicted class) per test row.
const ORACLE: &str = r#"
import sys, json, numpy as np
from sklearn import datasets, metrics
from sklearn.linear_model import LogisticRegression, LinearRegression
from sklearn.preprocessing import StandardScaler
name, out = sys.argv[1], sys.argv[2]
X, y = getattr(datasets, "load_" + name)(return_X_y=True)
if name == "breast_cancer":
    X = StandardScaler().fit_transform(X)
train, test = np.arange(len(y)) % 2 == 0, np.arange(len(y)) % 2 == 1
for part, rows in (("train", train), ("test", test)):
    with open(f"{out}/{part}.csv", "w") as f:
        f.write(",".join(f"f{j}" for j in range(X.shape[1])) + ",target\n")
        for row, label in zip(X[rows], y[rows]):
            f.write(",".join(repr(float(v)) for v in row) + f",{float(label)!r}\n")
Xt, yt = X[test], y[test]
if name == "breast_cancer":
    m = LogisticRegression(C=1.0, max_iter=10000, tol=1e-10).fit(X[train], y[train])
    p, prob = m.predict(Xt), m.predict_proba(Xt)
    print(json.dumps({"accuracy": metrics.accuracy_score(yt, p),
        "f1": metrics.f1_score(yt, p, average="macro"),
        "auc-roc": metrics.roc_auc_score(yt, prob[:, 1]),
        "auc-pr": metrics.average_precision_score(yt, prob[:, 1]),
        "log-loss": metrics.log_loss(yt, prob[:, 1]), "n": int(train.sum())}))
    for c, q in zip(p, prob):
        print(int(c), repr(float(q[int(c)])))
else:
    m = LinearRegression().fit(X[train], y[train])
    p = m.predict(Xt)
    print(json.dumps({"rmse": metrics.root_mean_squared_error(yt, p),
        "mae": metrics.mean_absolute_error(yt, p), "r2": metrics.r2_score(yt, p)}))
    for v in p:
        print(repr(float(v)))
"#;

/// The standard output of `script` run with `args`.
fn run_python(python: &Path, script: &str, args: &[&str]) -> String {
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    String::from_utf8(out.stdout).unwrap()
}

/// The oracle's metrics and per-row lines for data set `name`, its files in `dir`.
fn oracle(python: &Path, name: &str, dir: &Path) -> (serde_json::Value, Vec<String>) {
    let text = run_python(python, ORACLE, &[name, path(dir)]);
    let mut lines = text.lines();
    let metrics = serde_json::from_str(lines.next().unwrap()).unwrap();
    (metrics, lines.map(str::to_string).collect())
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The metrics of `strom ml evaluate --json`.
fn evaluate(model: &Path, input: &Path, label: &str) -> serde_json::Value {
    let out = run_strom(&[
        "ml",
        "--workers",
        "2",
        "evaluate",
        "--model",
        path(model),
        "--input",
        path(input),
        "--label",
        label,
        "--json",
    ]);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `strom ml --workers 2 fit` of `algorithm` on `input` with `label` and `params`
/// (`key=value`), the model written to `model`.
fn fit(algorithm: &str, input: &Path, label: &str, params: &[&str], model: &Path) {
    let mut args = vec![
        "ml",
        "--workers",
        "2",
        "fit",
        "--algorithm",
        algorithm,
        "--input",
        path(input),
        "--label",
        label,
    ];
    for p in params {
        args.extend(["--param", p]);
    }
    args.extend(["--model-out", path(model)]);
    run_strom(&args);
}

/// `strom ml predict` of `model` on `input` into `output`.
fn predict(model: &Path, input: &Path, output: &Path) {
    run_strom(&[
        "ml",
        "predict",
        "--model",
        path(model),
        "--input",
        path(input),
        "--output",
        path(output),
    ]);
}

fn close(got: &serde_json::Value, expected: &serde_json::Value, key: &str, tolerance: f64) {
    let (g, e) = (got[key].as_f64().unwrap(), expected[key].as_f64().unwrap());
    assert!(
        (g - e).abs() <= tolerance,
        "{key}: strom {g}, scikit-learn {e}"
    );
}

#[test]
fn ml_logistic_regression_fit_predict_evaluate_match_scikit_learn() {
    let Some(python) = sklearn().map_err(|e| skip("ml logistic", &e)).ok() else {
        return;
    };
    let dir = scratch("ml-breast-cancer");
    let (expected, rows) = oracle(&python, "breast_cancer", &dir);
    let (train, test, model) = (
        dir.join("train.csv"),
        dir.join("test.csv"),
        dir.join("m.json"),
    );
    // scikit-learn's C = 1 is reg = 1 / (C · n) in Spark's scaling.
    let reg = format!("reg={}", 1.0 / expected["n"].as_f64().unwrap());
    let params = [reg.as_str(), "max-iter=500", "tol=1e-12"];
    fit("logistic-regression", &train, "target", &params, &model);
    let got = evaluate(&model, &test, "target");
    for (key, tolerance) in [
        ("accuracy", 0.01),
        ("f1", 0.01),
        ("auc-roc", 1e-3),
        ("auc-pr", 1e-3),
        ("log-loss", 1e-3),
    ] {
        close(&got, &expected, key, tolerance);
    }

    let predictions = dir.join("predictions.csv");
    predict(&model, &test, &predictions);
    let text = std::fs::read_to_string(&predictions).unwrap();
    let input = std::fs::read_to_string(&test).unwrap();
    let mut out = text.lines();
    let mut inp = input.lines();
    assert_eq!(
        out.next().unwrap(),
        format!("{},prediction,probability", inp.next().unwrap())
    );
    let mut same = 0;
    for ((line, input), expected) in out.zip(inp).zip(&rows) {
        // The input's cells in input order, then the prediction and its probability.
        let cells: Vec<&str> = line.rsplitn(3, ',').collect();
        let (prob, class, rest) = (cells[0], cells[1], cells[2]);
        let inputs: Vec<f64> = input.split(',').map(|c| c.parse().unwrap()).collect();
        let echoed: Vec<f64> = rest.split(',').map(|c| c.parse().unwrap()).collect();
        assert_eq!(echoed, inputs);
        let (class_e, prob_e) = expected.split_once(' ').unwrap();
        let (p, q): (f64, f64) = (prob.parse().unwrap(), prob_e.parse().unwrap());
        if class == class_e {
            same += 1;
            assert!(
                (p - q).abs() < 0.01,
                "probability {p} vs scikit-learn's {q}"
            );
        }
    }
    assert_eq!(text.lines().count(), rows.len() + 1);
    assert!(
        same + 1 >= rows.len(),
        "{same} of {} predictions agree",
        rows.len()
    );
}

#[test]
fn ml_linear_regression_matches_scikit_learn_on_diabetes() {
    let Some(python) = sklearn().map_err(|e| skip("ml linear", &e)).ok() else {
        return;
    };
    let dir = scratch("ml-diabetes");
    let (expected, rows) = oracle(&python, "diabetes", &dir);
    let model = dir.join("m.json");
    fit(
        "linear-regression",
        &dir.join("train.csv"),
        "target",
        &[],
        &model,
    );
    let got = evaluate(&model, &dir.join("test.csv"), "target");
    close(&got, &expected, "r2", 1e-6);
    close(&got, &expected, "rmse", 1e-6);
    close(&got, &expected, "mae", 1e-6);
    let predictions = dir.join("predictions.csv");
    predict(&model, &dir.join("test.csv"), &predictions);
    let text = std::fs::read_to_string(&predictions).unwrap();
    assert!(text.lines().next().unwrap().ends_with(",target,prediction"));
    for (line, expected) in text.lines().skip(1).zip(&rows) {
        let p: f64 = line.rsplit(',').next().unwrap().parse().unwrap();
        let e: f64 = expected.parse().unwrap();
        assert!((p - e).abs() < 1e-6 * e.abs().max(1.0), "{p} vs {e}");
    }
}

const KMEANS: &str = r#"
import sys, json, numpy as np
from sklearn import datasets
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
X, y = datasets.load_iris(return_X_y=True)
with open(sys.argv[1], "w") as f:
    f.write("a,b,c,d,species\n")
    for row, label in zip(X, y):
        f.write(",".join(repr(float(v)) for v in row) + f",{int(label)}\n")
m = KMeans(n_clusters=3, n_init=10, random_state=0).fit(X)
print(json.dumps({"inertia": m.inertia_, "silhouette": silhouette_score(X, m.labels_)}))
"#;

#[test]
fn ml_kmeans_inertia_and_silhouette_match_scikit_learn_on_iris() {
    let Some(python) = sklearn().map_err(|e| skip("ml kmeans", &e)).ok() else {
        return;
    };
    let dir = scratch("ml-iris");
    let (input, model) = (dir.join("iris.csv"), dir.join("m.json"));
    let out = run_python(&python, KMEANS, &[path(&input)]);
    let expected: serde_json::Value = serde_json::from_str(&out).unwrap();
    fit("kmeans", &input, "species", &["k=3"], &model);
    let got = evaluate(&model, &input, "species");
    let (g, e) = (
        got["inertia"].as_f64().unwrap(),
        expected["inertia"].as_f64().unwrap(),
    );
    assert!(g <= e * 1.02, "inertia {g}, scikit-learn's best of 10 {e}");
    close(&got, &expected, "silhouette", 0.01);
}

/// `strom ml fit` on a small table fails with a message naming `what`.
fn fails_naming(extra: &[&str], what: &str) {
    let dir = scratch("ml-errors");
    let input = dir.join("t.csv");
    std::fs::write(&input, "x,name,y\n1,a,0\n2,b,1\n3,c,1\n").unwrap();
    let mut args = vec![
        "ml",
        "fit",
        "--input",
        path(&input),
        "--model-out",
        "/dev/null",
    ];
    args.extend_from_slice(extra);
    let out = strom().args(&args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(err.contains(what), "{args:?}: {err}");
}

#[test]
fn ml_errors_name_the_column_or_parameter() {
    let lr = ["--algorithm", "logistic-regression"];
    fails_naming(&[&lr[..], &["--label", "nope"]].concat(), "\"nope\"");
    fails_naming(
        &[&lr[..], &["--label", "y", "--features", "x,name"]].concat(),
        "\"name\"",
    );
    fails_naming(
        &[&lr[..], &["--label", "y", "--param", "regg=1"]].concat(),
        "parameter regg: unknown parameter",
    );
    fails_naming(
        &[&lr[..], &["--label", "y", "--param", "reg=-1"]].concat(),
        "parameter reg",
    );
    fails_naming(
        &["--algorithm", "forest", "--label", "y"],
        "unknown algorithm \"forest\"",
    );
    // A label that is not a class index, found while fitting.
    let dir = scratch("ml-errors");
    let input = dir.join("half.csv");
    std::fs::write(&input, "x,y\n1,0\n2,0.5\n3,1\n").unwrap();
    let out = strom()
        .args([
            "ml",
            "fit",
            "--algorithm",
            "naive-bayes",
            "--input",
            path(&input),
        ])
        .args(["--label", "y", "--model-out", "/dev/null"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("column \"y\": 0.5 is not a class index"),
        "{err}"
    );
}

/// Iris in two halves (rows alternate) and scikit-learn's brute-force 5-nearest
/// neighbours fitted on the first: the test accuracy as JSON.
const KNN: &str = r#"
import sys, json, numpy as np
from sklearn import datasets
from sklearn.neighbors import KNeighborsClassifier
X, y = datasets.load_iris(return_X_y=True)
train, test = np.arange(len(y)) % 2 == 0, np.arange(len(y)) % 2 == 1
for part, rows in (("train", train), ("test", test)):
    with open(f"{sys.argv[1]}/{part}.csv", "w") as f:
        f.write("a,b,c,d,species\n")
        for row, label in zip(X[rows], y[rows]):
            f.write(",".join(repr(float(v)) for v in row) + f",{int(label)}\n")
m = KNeighborsClassifier(n_neighbors=5, algorithm="brute").fit(X[train], y[train])
print(json.dumps({"accuracy": m.score(X[test], y[test]), "n": int(test.sum())}))
"#;

#[test]
fn ml_knn_fit_evaluate_predict_match_scikit_learn_on_iris() {
    let Some(python) = sklearn().map_err(|e| skip("ml knn", &e)).ok() else {
        return;
    };
    let dir = scratch("ml-knn");
    let expected: serde_json::Value =
        serde_json::from_str(&run_python(&python, KNN, &[path(&dir)])).unwrap();
    let (train, test, model) = (
        dir.join("train.csv"),
        dir.join("test.csv"),
        dir.join("m.json"),
    );
    fit("knn", &train, "species", &["k=5"], &model);
    let got = evaluate(&model, &test, "species");
    close(&got, &expected, "accuracy", 0.01);
    let predictions = dir.join("p.csv");
    predict(&model, &test, &predictions);
    let text = std::fs::read_to_string(&predictions).unwrap();
    assert!(text.starts_with("a,b,c,d,species,prediction,probability\n"));
    assert_eq!(
        text.lines().count() as u64,
        expected["n"].as_u64().unwrap() + 1
    );
}

#[test]
fn ml_als_fit_predict_evaluate_by_hand() {
    let dir = scratch("ml-als");
    let (train, test, model) = (
        dir.join("train.csv"),
        dir.join("test.csv"),
        dir.join("m.json"),
    );
    std::fs::write(
        &train,
        "user,item,stars\n1,10,5\n1,20,3\n2,10,4\n2,20,2\n3,20,1\n3,30,4\n1,30,5\n",
    )
    .unwrap();
    // User 9 was not in training: no prediction, and left out of the metrics.
    std::fs::write(&test, "user,item,stars\n1,10,5\n2,20,2\n9,10,3\n").unwrap();
    let params = ["rank=3", "reg=0.001", "max-iter=30"];
    fit("als", &train, "stars", &params, &model);
    let got = evaluate(&model, &test, "stars");
    // Rank 3 fits 3 users' ratings almost exactly with little regularisation.
    assert!(got["rmse"].as_f64().unwrap() < 0.1, "{got}");
    let predictions = dir.join("p.csv");
    predict(&model, &test, &predictions);
    let text = std::fs::read_to_string(&predictions).unwrap();
    let last: Vec<&str> = text.lines().collect();
    assert_eq!(last[0], "user,item,stars,prediction");
    assert!(last[3].ends_with(",NaN"), "{text}");
}
