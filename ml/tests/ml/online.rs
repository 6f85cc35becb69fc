//! Online learners over DataStream, at 1 and 2 workers: logistic regression
//! (FTRL-Proximal) against an independent Python transcription of the paper's
//! algorithm 1, on generated sparse points whose training points and prediction
//! requests alternate in event time (every prediction and the final weights); online
//! k-means against a Python transcription of Spark's `StreamingKMeans` update, on
//! mini-batches of three points per event time.

use std::time::Duration;

use strom_core::{Restore, RuntimeConfig};
use strom_datastream::checkpoint::committed;
use strom_datastream::{WatermarkStrategy, execute};
use strom_ml::{Ftrl, LabeledPoint, OnlineKMeansModel, Vector, ftrl, online_kmeans};

use crate::support::{close, numbers, python, sklearn_or_skip};

/// Reads `t kind label-or-id x0 x1 x2` lines (kind 0: training, 1: request), in time
/// order; prints `id p` per request, then the weights and the intercept.
const ORACLE: &str = r#"
import sys, math
alpha, beta, l1, l2 = 0.2, 1.0, 0.05, 0.1
z, n = {}, {}
def w(i):
    zi, ni = z.get(i, 0.0), n.get(i, 0.0)
    if abs(zi) <= l1:
        return 0.0
    return -(zi - math.copysign(l1, zi)) / ((beta + math.sqrt(ni)) / alpha + l2)
def predict(x):
    return 1.0 / (1.0 + math.exp(-sum(w(i) * v for i, v in x.items())))
for line in open(sys.argv[1]):
    t, kind, y, *xs = [float(v) for v in line.split()]
    x = {i: v for i, v in enumerate(xs) if v != 0.0}
    x["b"] = 1.0
    p = predict(x)
    if kind == 1:
        print(int(y), repr(p))
        continue
    for i, v in x.items():
        g = (p - y) * v
        ni = n.get(i, 0.0)
        sigma = (math.sqrt(ni + g * g) - math.sqrt(ni)) / alpha
        z[i] = z.get(i, 0.0) + g - sigma * w(i)
        n[i] = ni + g * g
print(" ".join(repr(w(i)) for i in range(3)), repr(w("b")))
"#;

/// Uniform numbers in [0, 1) from xorshift64 with `seed`.
fn uniform(mut state: u64) -> impl FnMut() -> f64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Timestamped prediction requests.
type Requests = Vec<(i64, (u64, Vector))>;

/// Events: training points at even times, a request at every fifth odd time.
fn events() -> (Vec<(i64, LabeledPoint)>, Requests) {
    let mut next = uniform(0x2545_F491_4F6C_DD1D);
    let (mut train, mut requests) = (Vec::new(), Vec::new());
    for k in 0..400i64 {
        // Sparse: each feature present with probability 0.6.
        let x: Vec<(usize, f64)> = (0..3)
            .filter_map(|j| {
                let (keep, v) = (next() < 0.6, next() * 4.0 - 2.0);
                keep.then_some((j, v))
            })
            .collect();
        let z: f64 = x.iter().map(|&(j, v)| [1.5, -2.0, 0.5][j] * v).sum::<f64>() + 0.3;
        let label = f64::from(u8::from(next() < 1.0 / (1.0 + (-z).exp())));
        let x = Vector::sparse(3, x);
        if k % 5 == 4 {
            requests.push((2 * k + 1, (k as u64, x.clone())));
        }
        train.push((2 * k, LabeledPoint::new(label, x)));
    }
    (train, requests)
}

#[test]
fn ftrl_over_a_stream_matches_the_paper_algorithm() {
    let Some(py) = sklearn_or_skip("FTRL") else {
        return;
    };
    let (train, requests) = events();
    let mut lines: Vec<(i64, String)> = Vec::new();
    for (t, p) in &train {
        let x = p.features.to_dense();
        lines.push((*t, format!("{t} 0 {} {} {} {}", p.label, x[0], x[1], x[2])));
    }
    for (t, (id, v)) in &requests {
        let x = v.to_dense();
        lines.push((*t, format!("{t} 1 {id} {} {} {}", x[0], x[1], x[2])));
    }
    lines.sort_by_key(|l| l.0);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.txt");
    let text: Vec<String> = lines.into_iter().map(|l| l.1).collect();
    std::fs::write(&file, text.join("\n") + "\n").unwrap();
    let (head, rest) = numbers(&python(&py, ORACLE, &[file.to_str().unwrap()]));
    let mut expected: Vec<Vec<f64>> = std::iter::once(head).chain(rest).collect();
    let weights = expected.pop().unwrap();
    let params = Ftrl::default()
        .with_alpha(0.2)
        .with_beta(1.0)
        .with_l1(0.05)
        .with_l2(0.1);
    for workers in [1, 2] {
        let config = RuntimeConfig::default().with_workers(workers);
        let (t, r, p) = (train.clone(), requests.clone(), params.clone());
        let mut got = execute(&config, move |env| {
            let training = env.from_timestamped(t.clone(), WatermarkStrategy::monotonous());
            let asked = env.from_timestamped(r.clone(), WatermarkStrategy::monotonous());
            ftrl(&training, &asked, p.clone()).unwrap().predictions
        })
        .unwrap()
        .unwrap();
        got.sort_by_key(|g| g.0);
        assert_eq!(got.len(), expected.len());
        for ((id, p), e) in got.iter().zip(&expected) {
            assert_eq!(*id as f64, e[0]);
            assert!(
                close(*p, e[1], 1e-12),
                "{workers} workers, request {id}: {p} vs {}",
                e[1]
            );
        }
        let (t, r, p) = (train.clone(), requests.clone(), params.clone());
        let models = execute(&config, move |env| {
            let training = env.from_timestamped(t.clone(), WatermarkStrategy::monotonous());
            let asked = env.from_timestamped(r.clone(), WatermarkStrategy::monotonous());
            ftrl(&training, &asked, p.clone()).unwrap().models
        })
        .unwrap()
        .unwrap();
        let last = models.iter().max_by_key(|m| m.seen).unwrap();
        assert_eq!(last.seen, 400);
        let (w, b) = last.weights();
        for (a, e) in w.iter().chain([&b]).zip(&weights) {
            assert!(close(*a, *e, 1e-12), "{w:?} {b} vs {weights:?}");
        }
    }
}

#[test]
fn bad_ftrl_parameters_are_refused() {
    let err = strom_ml::Params::validate(&Ftrl::default().with_alpha(0.0)).unwrap_err();
    assert_eq!(err.to_string(), "parameter alpha: must be a number > 0");
}

/// Reads `t kind id x0 x1` lines (kind 0: a point, 1: a request) in time order; each
/// time's points are one batch; prints `id cluster` per request, then the centres.
const KMEANS: &str = r#"
import sys
decay = 0.8
C = [[-1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
W = [0.0, 0.0, 0.0]
def nearest(x):
    d = [sum((a - b) ** 2 for a, b in zip(c, x)) for c in C]
    return d.index(min(d))
events = [[float(v) for v in l.split()] for l in open(sys.argv[1])]
times = sorted(set(e[0] for e in events))
for t in times:
    batch = [e[3:] for e in events if e[0] == t and e[1] == 0]
    if batch:
        sums, counts = [[0.0, 0.0] for _ in C], [0.0] * len(C)
        for x in batch:
            j = nearest(x)
            counts[j] += 1
            sums[j] = [s + v for s, v in zip(sums[j], x)]
        for j in range(len(C)):
            W[j] = W[j] * decay + counts[j]
            if counts[j] > 0:
                lam = counts[j] / max(W[j], 1e-16)
                C[j] = [(1 - lam) * c + lam / counts[j] * s for c, s in zip(C[j], sums[j])]
    for e in events:
        if e[0] == t and e[1] == 1:
            print(int(e[2]), nearest(e[3:]))
print(" ".join(repr(v) for c in C for v in c))
"#;

#[test]
fn online_kmeans_over_a_stream_matches_spark_update_rule() {
    let Some(py) = sklearn_or_skip("online k-means") else {
        return;
    };
    // Three blobs around (-4, 0), (4, 0) and (0, 4), drifting; three points per even
    // time, a request at every odd time.
    let mut next = uniform(0x9E37_79B9_7F4A_7C15);
    let (mut points, mut requests, mut lines) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..120i64 {
        for _ in 0..3 {
            let blob = [(-4.0, 0.0), (4.0, 0.0), (0.0, 4.0)][(next() * 3.0) as usize];
            let drift = k as f64 / 60.0;
            let x = vec![blob.0 + next() - 0.5 + drift, blob.1 + next() - 0.5];
            lines.push(format!("{} 0 0 {} {}", 2 * k, x[0], x[1]));
            points.push((2 * k, Vector::dense(x)));
        }
        let q = vec![next() * 10.0 - 5.0, next() * 10.0 - 5.0];
        lines.push(format!("{} 1 {k} {} {}", 2 * k + 1, q[0], q[1]));
        requests.push((2 * k + 1, (k as u64, Vector::dense(q))));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("events.txt");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let (head, rest) = numbers(&python(&py, KMEANS, &[file.to_str().unwrap()]));
    let mut expected: Vec<Vec<f64>> = std::iter::once(head).chain(rest).collect();
    let centres = expected.pop().unwrap();
    let initial =
        OnlineKMeansModel::new(vec![vec![-1.0, 0.0], vec![1.0, 0.0], vec![0.0, 1.0]], 0.8).unwrap();
    for workers in [1, 2] {
        let config = RuntimeConfig::default().with_workers(workers);
        let (p, r, m) = (points.clone(), requests.clone(), initial.clone());
        let mut got = execute(&config, move |env| {
            let points = env.from_timestamped(p.clone(), WatermarkStrategy::monotonous());
            let asked = env.from_timestamped(r.clone(), WatermarkStrategy::monotonous());
            online_kmeans(&points, &asked, m.clone()).predictions
        })
        .unwrap()
        .unwrap();
        got.sort_by_key(|g| g.0);
        let want: Vec<(u64, f64)> = expected.iter().map(|e| (e[0] as u64, e[1])).collect();
        assert_eq!(got, want, "{workers} workers");
        let (p, r, m) = (points.clone(), requests.clone(), initial.clone());
        let models = execute(&config, move |env| {
            let points = env.from_timestamped(p.clone(), WatermarkStrategy::monotonous());
            let asked = env.from_timestamped(r.clone(), WatermarkStrategy::monotonous());
            online_kmeans(&points, &asked, m.clone()).models
        })
        .unwrap()
        .unwrap();
        let last = models.iter().max_by_key(|m| m.batches).unwrap();
        assert_eq!(last.batches, 120);
        let flat: Vec<f64> = last.centres.concat();
        assert!(
            flat.iter().zip(&centres).all(|(a, b)| close(*a, *b, 1e-12)),
            "{flat:?} vs {centres:?}"
        );
    }
}

/// FTRL's predictions at `config`, its sources paced at 1,000 training points and 200 requests per second.
fn paced_ftrl(config: &RuntimeConfig) -> Vec<(u64, f64)> {
    let (train, requests) = events();
    let mut got = execute(config, move |env| {
        let strategy = WatermarkStrategy::monotonous();
        let training = env.from_timestamped_at(train.clone(), strategy.clone(), Some(1_000.0));
        let asked = env.from_timestamped_at(requests.clone(), strategy, Some(200.0));
        ftrl(&training, &asked, Ftrl::default())
            .unwrap()
            .predictions
    })
    .unwrap()
    .unwrap();
    got.sort_by_key(|g| g.0);
    got
}

#[test]
fn ftrl_restored_from_a_checkpoint_at_another_parallelism_goes_on_with_its_model() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap().to_string();
    let mut config = RuntimeConfig::default().with_workers(2);
    config.checkpoint_dir = Some(url.clone());
    config.checkpoint_interval = Some(Duration::from_millis(100));
    let whole = paced_ftrl(&config);
    assert_eq!(whole.len(), 80);
    let checkpoints = committed(&url).unwrap();
    assert!(checkpoints.len() >= 2, "{} checkpoints", checkpoints.len());
    // The oldest retained checkpoint, taken mid-way, restored at 3 workers: the rest of
    // the requests are answered by the restored model, as the whole run answered them
    // (a model lost on restore would start from zero weights and answer otherwise).
    let mut again = RuntimeConfig::default().with_workers(3);
    again.restore = Some(Restore::At(checkpoints.last().unwrap().url.clone()));
    let rest = paced_ftrl(&again);
    assert!(
        !rest.is_empty() && rest.len() < whole.len(),
        "{} answers",
        rest.len()
    );
    for (id, p) in &rest {
        assert_eq!(whole[*id as usize / 5].0, *id);
        assert_eq!(whole[*id as usize / 5].1, *p, "request {id}");
    }
    assert_eq!(rest.last(), whole.last());
}
