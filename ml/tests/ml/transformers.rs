//! Feature transformers against scikit-learn and NumPy, at 1 and 2 workers: the
//! bucketizer (`np.digitize`), the quantile discretizer (`KBinsDiscretizer`), polynomial
//! expansion (`PolynomialFeatures`) on wine; the imputer (`SimpleImputer`, three
//! strategies) on iris with cells removed; hashing TF (`murmurhash3_32` with Spark's
//! seed and index) and IDF (`TfidfTransformer`'s smoothed `idf_` minus 1, Spark's
//! formula) on generated documents.

use strom_ml::{
    AnyModel, Bucketizer, HashingTf, Idf, ImputeStrategy, Imputer, Pipeline, PolynomialExpansion,
    QuantileDiscretizer, Value, Vector,
};

use crate::support::{close, fit_apply, numbers, python, sklearn_or_skip};

const ORACLE: &str = r#"
import sys, numpy as np
from sklearn import datasets
from sklearn.preprocessing import KBinsDiscretizer, PolynomialFeatures
from sklearn.impute import SimpleImputer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.utils import murmurhash3_32
mode, out = sys.argv[1], sys.argv[2]
line = lambda v: print(" ".join(repr(float(x)) for x in np.ravel(v)))
def write(header, X):
    with open(out, "w") as f:
        f.write("id," + ",".join(header) + "\n")
        for i, row in enumerate(X):
            f.write(f"{i}," + ",".join("" if np.isnan(v) else repr(float(v)) for v in row) + "\n")
if mode == "wine":
    X, _ = datasets.load_wine(return_X_y=True)
    write([f"f{j}" for j in range(13)], X)
    line(np.digitize(X[:, 0], [12.0, 13.0, 14.0]))
    k = KBinsDiscretizer(n_bins=4, encode="ordinal", strategy="quantile", subsample=None).fit(X)
    line(k.transform(X))
    for e in k.bin_edges_:
        line(e[1:-1])
    line(PolynomialFeatures(degree=3).fit_transform(X[:, :3]))
elif mode == "iris":
    X, _ = datasets.load_iris(return_X_y=True)
    X[np.random.default_rng(0).random(X.shape) < 0.2] = np.nan
    write([f"f{j}" for j in range(4)], X)
    for s in ("mean", "median", "most_frequent"):
        m = SimpleImputer(strategy=s).fit(X)
        line(m.statistics_)
        line(m.transform(X))
else:
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(30)] + ["ünï", "naïve", "x"]
    docs = [" ".join(rng.choice(words, rng.integers(1, 12))) for _ in range(40)]
    with open(out, "w") as f:
        f.write("id,text\n")
        for i, d in enumerate(docs):
            f.write(f"{i},{d}\n")
    n = 64
    counts = np.zeros((len(docs), n))
    for i, d in enumerate(docs):
        for t in d.split():
            counts[i, murmurhash3_32(t, seed=42) % n] += 1
    line(counts)
    line(TfidfTransformer(norm=None, smooth_idf=True).fit(counts).idf_ - 1.0)
"#;

/// The oracle's lines for `mode`, its table written to `dir/t.csv`.
fn oracle(mode: &str, dir: &tempfile::TempDir) -> Option<Vec<Vec<f64>>> {
    let py = sklearn_or_skip(&format!("transformers on {mode}"))?;
    let csv = dir.path().join("t.csv");
    let (head, rest) = numbers(&python(&py, ORACLE, &[mode, csv.to_str().unwrap()]));
    Some(std::iter::once(head).chain(rest).collect())
}

fn num(v: &Value) -> f64 {
    v.as_num().unwrap()
}

fn dense(v: &Value) -> Vec<f64> {
    match v {
        Value::Vec(v) => v.to_dense(),
        other => panic!("{other:?} is not a vector"),
    }
}

#[test]
fn bucketizer_discretizer_and_polynomial_on_wine_match_sklearn() {
    let dir = tempfile::tempdir().unwrap();
    let Some(sk) = oracle("wine", &dir) else {
        return;
    };
    let csv = dir.path().join("t.csv");
    let features: Vec<String> = (0..13).map(|j| format!("f{j}")).collect();
    let features: Vec<&str> = features.iter().map(String::as_str).collect();
    let inf = f64::INFINITY;
    for workers in [1, 2] {
        let pipeline = Pipeline::new()
            .with_stage(
                Bucketizer::new(&["f0"], &[-inf, 12.0, 13.0, 14.0, inf]).with_output(&["b"]),
            )
            .with_stage(QuantileDiscretizer::new(&features, 4))
            .with_stage(PolynomialExpansion::new(&["f0", "f1", "f2"], 3).with_include_bias(true));
        let (model, rows) = fit_apply(workers, &csv, pipeline);
        assert_eq!(rows.len(), 178);
        let AnyModel::Bucketizer(q) = &model.stages[1] else {
            panic!("{:?}", model.stages[1]);
        };
        for (j, edges) in sk[2..15].iter().enumerate() {
            let splits = q.splits_of(j);
            let inner = &splits[1..splits.len() - 1];
            assert!(
                inner.len() == edges.len()
                    && inner.iter().zip(edges).all(|(a, b)| close(*a, *b, 1e-12)),
                "f{j}: {inner:?} vs {edges:?}"
            );
        }
        for (i, row) in rows.iter().enumerate() {
            // id, f0..f12, b, f0_bucket..f12_bucket, polynomial.
            assert_eq!(num(&row[14]), sk[0][i], "row {i}: bucket of {:?}", row[1]);
            for j in 0..13 {
                assert_eq!(num(&row[15 + j]), sk[1][i * 13 + j], "row {i}, f{j}");
            }
            let poly = dense(&row[28]);
            assert_eq!(poly.len(), 20);
            for (k, p) in poly.iter().enumerate() {
                assert!(close(*p, sk[15][i * 20 + k], 1e-12), "row {i}: {poly:?}");
            }
        }
    }
}

#[test]
fn imputer_on_iris_with_gaps_matches_sklearn() {
    let dir = tempfile::tempdir().unwrap();
    let Some(sk) = oracle("iris", &dir) else {
        return;
    };
    let csv = dir.path().join("t.csv");
    let columns = ["f0", "f1", "f2", "f3"];
    let strategies = [
        ImputeStrategy::Mean,
        ImputeStrategy::Median,
        ImputeStrategy::MostFrequent,
    ];
    for workers in [1, 2] {
        for (s, strategy) in strategies.into_iter().enumerate() {
            let imputer = Imputer::new(&columns, strategy);
            let (model, rows) = fit_apply(workers, &csv, Pipeline::new().with_stage(imputer));
            let AnyModel::Imputer(m) = &model.stages[0] else {
                panic!("{model:?}");
            };
            let (stats, filled) = (&sk[2 * s], &sk[2 * s + 1]);
            for (a, b) in m.surrogates.iter().zip(stats) {
                assert!(
                    close(*a, *b, 1e-12),
                    "{strategy:?}: {:?} vs {stats:?}",
                    m.surrogates
                );
            }
            assert_eq!(rows.len(), 150);
            for (i, row) in rows.iter().enumerate() {
                for j in 0..4 {
                    let (a, b) = (num(&row[1 + j]), filled[i * 4 + j]);
                    assert!(close(a, b, 1e-12), "{strategy:?}, row {i}: {a} vs {b}");
                }
            }
        }
    }
}

#[test]
fn hashing_tf_and_idf_match_murmur3_and_sklearn() {
    let dir = tempfile::tempdir().unwrap();
    let Some(sk) = oracle("text", &dir) else {
        return;
    };
    let csv = dir.path().join("t.csv");
    let (counts, idf) = (&sk[0], &sk[1]);
    for workers in [1, 2] {
        let pipeline = Pipeline::new()
            .with_stage(HashingTf::new("text", 64))
            .with_stage(Idf::new("tf"));
        let (model, rows) = fit_apply(workers, &csv, pipeline);
        let AnyModel::Idf(m) = &model.stages[1] else {
            panic!("{model:?}");
        };
        assert_eq!(m.documents, 40);
        for (a, b) in m.idf.iter().zip(idf) {
            assert!(close(*a, *b, 1e-12), "{:?} vs {idf:?}", m.idf);
        }
        assert_eq!(rows.len(), 40);
        for (i, row) in rows.iter().enumerate() {
            let tf = dense(&row[2]);
            assert_eq!(
                tf,
                counts[i * 64..(i + 1) * 64],
                "document {i}: {:?}",
                row[1]
            );
            let weighted: Vec<f64> = tf.iter().zip(idf).map(|(t, w)| t * w).collect();
            let got = dense(&row[3]);
            assert!(got.iter().zip(&weighted).all(|(a, b)| close(*a, *b, 1e-12)));
        }
    }
}

#[test]
fn binary_term_frequencies_and_idf_by_hand() {
    // Three documents over the terms a, b: a in all three, b in one.
    let tf = HashingTf::new("text", 1 << 18).with_binary(true);
    let (a, b) = (tf.index_of("a"), tf.index_of("b"));
    assert_ne!(a, b);
    assert_eq!(
        tf.counts("a b a"),
        Vector::sparse(1 << 18, [(a, 1.0), (b, 1.0)])
    );
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, "id,text\n0,a b a\n1,a\n2,a a\n").unwrap();
    for workers in [1, 2] {
        let pipeline = Pipeline::new()
            .with_stage(HashingTf::new("text", 1 << 18))
            .with_stage(Idf::new("tf"));
        let (_, rows) = fit_apply(workers, &csv, pipeline);
        // idf(a) = ln(4/4) = 0, idf(b) = ln(4/2); document 0 has a twice and b once.
        let expected = Vector::sparse(1 << 18, [(a, 0.0), (b, 2f64.ln())]);
        assert_eq!(rows[0][3], Value::Vec(expected));
    }
}
