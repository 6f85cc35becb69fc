//! ALS, explicit and implicit, against an independent NumPy alternating least squares
//! (Spark's normal equations, `np.linalg.solve`) started from the same initial item
//! factors, on a small generated rating matrix, at 1 and 2 workers; and predictions
//! (NaN for a user not seen in training).

use strom_core::RuntimeConfig;
use strom_ml::{Als, TableOptions, Transformer, Value, run_on_table};

use crate::support::{close, fit_csv, numbers, python, sklearn_or_skip};

/// Writes ratings of a rank-2 matrix with noise to argv[2] (for `implicit`, counts
/// with some −1 and 0); or, given initial item factors in argv[3], prints the user then
/// the item factors after the rounds, one `id f1 f2 ...` line each.
const ORACLE: &str = r#"
import sys, numpy as np
mode, out = sys.argv[1], sys.argv[2]
implicit = mode == "implicit"
if len(sys.argv) == 3:
    rng = np.random.default_rng(3)
    U, V = rng.normal(size=(12, 2)), rng.normal(size=(9, 2))
    with open(out, "w") as f:
        f.write("user,item,rating\n")
        for u in range(12):
            for i in range(9):
                if rng.random() < 0.5:
                    r = float(np.clip(np.round(3 + U[u] @ V[i] + rng.normal(scale=0.3)), 1, 5))
                    if implicit:
                        r = float(rng.choice([-1.0, 0.0, 1.0, 2.0, 3.0, 5.0]))
                    f.write(f"{u * 7},{i + 100},{r!r}\n")
    sys.exit()
rank, reg, alpha, rounds = 3, 0.1, 2.0, 5
R = np.loadtxt(out, delimiter=",", skiprows=1, ndmin=2)
Y = {}
for line in sys.argv[3].split(";"):
    v = [float(x) for x in line.split()]
    Y[int(v[0])] = np.array(v[1:])
def solve(rows, F):
    A, b, n = np.zeros((rank, rank)), np.zeros(rank), 0.0
    if implicit:
        A = sum(np.outer(f, f) for f in F.values())
    for other, r in rows:
        f = F[other]
        if implicit:
            c1 = alpha * abs(r)
            A = A + c1 * np.outer(f, f)
            b = b + (1 + c1 if r > 0 else 0.0) * f
            n += r > 0
        else:
            A, b, n = A + np.outer(f, f), b + r * f, n + 1
    return np.linalg.solve(A + reg * n * np.eye(rank), b)
users, items = sorted(set(R[:, 0].astype(int))), sorted(set(R[:, 1].astype(int)))
for _ in range(rounds):
    X = {u: solve([(int(i), r) for uu, i, r in R if uu == u], Y) for u in users}
    Y = {i: solve([(int(u), r) for u, ii, r in R if ii == i], X) for i in items}
for F in (X, Y):
    for k in sorted(F):
        print(k, " ".join(repr(float(v)) for v in F[k]))
"#;

fn against_numpy(mode: &str) {
    let Some(py) = sklearn_or_skip(&format!("{mode} ALS")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("ratings.csv");
    let url = csv.to_str().unwrap();
    python(&py, ORACLE, &[mode, url]);
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut items: Vec<u64> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    items.sort_unstable();
    items.dedup();
    let initial: Vec<String> = items
        .iter()
        .map(|&i| {
            let f: Vec<String> = Als::initial_factor(5, i, 3)
                .iter()
                .map(f64::to_string)
                .collect();
            format!("{i} {}", f.join(" "))
        })
        .collect();
    let (head, rest) = numbers(&python(&py, ORACLE, &[mode, url, &initial.join(";")]));
    let expected: Vec<Vec<f64>> = std::iter::once(head).chain(rest).collect();
    let als = Als::default()
        .with_rank(3)
        .with_reg(0.1)
        .with_alpha(2.0)
        .with_max_iter(5)
        .with_seed(5)
        .with_implicit(mode == "implicit");
    for workers in [1, 2] {
        let m = fit_csv(workers, &csv, als.clone());
        assert_eq!(m.users.len() + m.items.len(), expected.len());
        for ((id, x), e) in m.users.iter().chain(&m.items).zip(&expected) {
            assert_eq!(*id as f64, e[0]);
            assert!(
                x.iter().zip(&e[1..]).all(|(a, b)| close(*a, *b, 1e-8)),
                "{mode}, {workers} workers, id {id}: {x:?} vs {:?}",
                &e[1..]
            );
        }
    }
}

#[test]
fn explicit_als_matches_numpy() {
    against_numpy("explicit");
}

#[test]
fn implicit_als_matches_numpy() {
    against_numpy("implicit");
}

#[test]
fn als_predicts_dot_products_and_nan_for_new_users() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("r.csv");
    std::fs::write(
        &csv,
        "user,item,rating\n1,1,5\n1,2,3\n2,1,4\n2,2,1\n3,2,2\n",
    )
    .unwrap();
    let model = fit_csv(2, &csv, Als::default().with_rank(2).with_reg(0.01));
    let test = dir.path().join("t.csv");
    std::fs::write(&test, "user,item\n1,2\n9,1\n").unwrap();
    let m = model.clone();
    let mut rows = run_on_table(
        &RuntimeConfig::default(),
        test.to_str().unwrap(),
        &TableOptions::default(),
        move |_, t| Ok(m.transform(&t)?.rows.collect()),
    )
    .unwrap();
    rows.sort_by(|a, b| a[0].as_num().unwrap().total_cmp(&b[0].as_num().unwrap()));
    let (x, y) = (&model.users[0].1, &model.items[1].1);
    let dot: f64 = x.iter().zip(y).map(|(a, b)| a * b).sum();
    assert_eq!(rows[0][2], Value::Num(dot));
    // Nearly the rating 3, with little regularisation and rank 2.
    assert!((dot - 3.0).abs() < 0.2, "{dot}");
    assert!(rows[1][2].as_num().unwrap().is_nan());
}

#[test]
fn a_bad_id_or_rating_fails_naming_its_column() {
    let dir = tempfile::tempdir().unwrap();
    for (text, column) in [
        ("user,item,rating\n1,1,5\n1.5,2,3\n", "user"),
        ("user,item,rating\n1,-2,5\n", "item"),
        ("user,item,rating\n1,2,\n", "rating"),
    ] {
        let csv = dir.path().join("bad.csv");
        std::fs::write(&csv, text).unwrap();
        let err = strom_ml::fit(
            &RuntimeConfig::default().with_workers(2),
            csv.to_str().unwrap(),
            &TableOptions::default(),
            Als::default().with_rank(2),
        )
        .unwrap_err();
        assert!(
            matches!(&err, strom_ml::Error::Column { name, .. } if name == column),
            "{text:?}: {err:?}"
        );
    }
}
