//! Random splits of a table (train/test), decided per row by a seeded hash of its
//! values, so a split is the same at any worker count and in any row order. Known
//! limitation: equal rows always land in the same part.

use crate::error::{Error, Result};
use crate::table::{Row, Table, Value};

/// A seeded hash of words (splitmix64's mixer per word), as a number in [0, 1).
pub(crate) struct SeededHash(u64);

impl SeededHash {
    pub(crate) fn new(seed: u64, salt: u64) -> Self {
        SeededHash(seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    pub(crate) fn add(&mut self, v: u64) {
        let mut h = self.0 ^ v;
        h = h.wrapping_add(0x9E37_79B9_7F4A_7C15);
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        self.0 = h ^ (h >> 31);
    }

    pub(crate) fn unit(&self) -> f64 {
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub(crate) fn row_hash(row: &Row, seed: u64) -> f64 {
    let mut h = SeededHash::new(seed, 0x51_7CC1_B727_220A);
    for value in row {
        match value {
            Value::Num(x) => h.add(x.to_bits()),
            Value::Str(s) => s.bytes().for_each(|b| h.add(u64::from(b) | 1 << 60)),
            Value::Vec(v) => v
                .iter_active()
                .for_each(|(i, x)| h.add(x.to_bits() ^ i as u64)),
        }
    }
    h.unit()
}

/// Splits `table` into parts of about the given relative `weights` (Spark's
/// `randomSplit`), e.g. `[0.8, 0.2]` for train and test.
///
/// # Errors
/// [`Error::Param`] when a weight is negative or all are 0.
pub fn random_split<'s>(table: &Table<'s>, weights: &[f64], seed: u64) -> Result<Vec<Table<'s>>> {
    let total: f64 = weights.iter().sum();
    if weights.iter().any(|w| *w < 0.0 || !w.is_finite()) || total <= 0.0 {
        return Err(Error::param("weights", "must be ≥ 0 and not all 0"));
    }
    let mut bounds = Vec::with_capacity(weights.len());
    let mut acc = 0.0;
    for w in weights {
        let lo = acc / total;
        acc += w;
        bounds.push((lo, acc / total));
    }
    let last = bounds.len() - 1;
    Ok(bounds
        .into_iter()
        .enumerate()
        .map(|(i, (lo, hi))| {
            let rows = table.rows.filter(move |r| {
                let u = row_hash(r, seed);
                u >= lo && (u < hi || i == last)
            });
            Table::new(table.schema.clone(), rows)
        })
        .collect())
}
