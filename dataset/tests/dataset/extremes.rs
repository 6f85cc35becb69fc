//! `min`/`max`/`min_by`/`max_by` on floats (NaN, negative zero, infinities), grouped and
//! whole, against hand-computed answers; strings still work.

use strom_dataset::agg;

use crate::operators::{WORKERS, run};

/// Bits, so that NaNs and zeros of either sign compare exactly.
fn bits(x: f64) -> u64 {
    x.to_bits()
}

#[test]
fn float_extremes_with_nan_and_negative_zero() {
    let neg_nan = -f64::NAN;
    let data: Vec<(u32, f64)> = vec![
        (1, 2.5),
        (1, f64::NAN),
        (1, -0.5),
        (2, 0.0),
        (2, -0.0),
        (3, neg_nan),
        (3, 1.0),
        (4, f64::NEG_INFINITY),
        (4, f64::INFINITY),
        (4, 7.0),
    ];
    // (key, min, max) by hand: a positive NaN is the largest value, a negative NaN the
    // smallest; -0.0 is below 0.0.
    let expected: Vec<(u32, u64, u64)> = vec![
        (1, bits(-0.5), bits(f64::NAN)),
        (2, bits(-0.0), bits(0.0)),
        (3, bits(neg_nan), bits(1.0)),
        (4, bits(f64::NEG_INFINITY), bits(f64::INFINITY)),
    ];
    for w in WORKERS {
        let d = data.clone();
        let aggregated = run(w, move |env| {
            env.from_collection(d.clone())
                .rebalance()
                .group_by(|x: &(u32, f64)| x.0)
                .aggregate((
                    agg::min(|x: &(u32, f64)| x.1),
                    agg::max(|x: &(u32, f64)| x.1),
                ))
                .map(|(k, (lo, hi))| (k, bits(lo), bits(hi)))
        });
        assert_eq!(aggregated, expected, "aggregate, workers {w}");

        let d = data.clone();
        let by = run(w, move |env| {
            let grouped = env.from_collection(d.clone()).rebalance();
            let lows = grouped.group_by(|x: &(u32, f64)| x.0).min_by(|x| x.1);
            let highs = grouped.group_by(|x: &(u32, f64)| x.0).max_by(|x| x.1);
            lows.join(&highs, |l: &(u32, f64)| l.0, |h: &(u32, f64)| h.0)
                .with(|l, h| (l.0, bits(l.1), bits(h.1)))
        });
        assert_eq!(by, expected, "min_by/max_by, workers {w}");

        let d = data.clone();
        let whole = run(w, move |env| {
            let all = env.from_collection(d.clone()).rebalance();
            let value = |x: &(u32, f64)| x.1;
            let lo = all.min_by(value).map(|x| (0, bits(x.1)));
            let hi = all.max_by(value).map(|x| (1, bits(x.1)));
            let agg_lo = all.aggregate(agg::min(value)).map(|x| (2, bits(x)));
            let agg_hi = all.aggregate(agg::max(value)).map(|x| (3, bits(x)));
            lo.union(&hi).union(&agg_lo).union(&agg_hi)
        });
        let (lo, hi) = (bits(neg_nan), bits(f64::NAN));
        assert_eq!(
            whole,
            vec![(0, lo), (1, hi), (2, lo), (3, hi)],
            "whole, workers {w}"
        );
    }
}

#[test]
fn f32_and_string_extremes() {
    for w in WORKERS {
        let got = run(w, |env| {
            let words = env.from_collection(
                ["pear", "apple", "zucchini", "fig"]
                    .map(String::from)
                    .to_vec(),
            );
            let lo = words.min_by(|s| s.clone()).map(|s| (0, s));
            let hi = words
                .aggregate(agg::max(|s: &String| s.clone()))
                .map(|s| (1, s));
            let floats = env.from_collection(vec![1.5f32, -0.0, 0.0, -3.25]);
            let f = floats.max_by(|x| *x).map(|x| (2, x.to_string()));
            let g = floats.min_by(|x| *x).map(|x| (3, x.to_string()));
            lo.union(&hi).union(&f).union(&g)
        });
        let expected: Vec<(i32, String)> = vec![
            (0, "apple".into()),
            (1, "zucchini".into()),
            (2, "1.5".into()),
            (3, "-3.25".into()),
        ];
        assert_eq!(got, expected, "workers {w}");
    }
}
