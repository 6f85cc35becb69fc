//! Feature vectors (dense and sparse) and labelled points.

use serde::{Deserialize, Serialize};

/// A feature vector: dense, or sparse with sorted indices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Vector {
    /// Every value.
    Dense(Vec<f64>),
    /// The non-zero values of a vector of `size`, at strictly increasing `indices`.
    Sparse {
        /// The vector's length.
        size: usize,
        /// Positions of the values, strictly increasing.
        indices: Vec<u32>,
        /// The values at `indices`.
        values: Vec<f64>,
    },
}

impl Vector {
    /// A dense vector.
    pub fn dense(values: Vec<f64>) -> Self {
        Vector::Dense(values)
    }

    /// A sparse vector of `size` from `(index, value)` pairs in any order (later pairs of
    /// an equal index win).
    ///
    /// # Panics
    /// When an index is not below `size`.
    pub fn sparse(size: usize, pairs: impl IntoIterator<Item = (usize, f64)>) -> Self {
        let mut pairs: Vec<(usize, f64)> = pairs.into_iter().collect();
        pairs.sort_by_key(|p| p.0);
        let mut indices: Vec<u32> = Vec::with_capacity(pairs.len());
        let mut values: Vec<f64> = Vec::with_capacity(pairs.len());
        for (i, v) in pairs {
            assert!(i < size, "sparse index {i} is not below the size {size}");
            if indices.last() == Some(&(i as u32)) {
                *values.last_mut().expect("a value per index") = v;
            } else {
                indices.push(i as u32);
                values.push(v);
            }
        }
        Vector::Sparse {
            size,
            indices,
            values,
        }
    }

    /// The vector's length.
    pub fn len(&self) -> usize {
        match self {
            Vector::Dense(v) => v.len(),
            Vector::Sparse { size, .. } => *size,
        }
    }

    /// Whether the vector has length 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at `i` (0 outside a sparse vector's entries).
    pub fn get(&self, i: usize) -> f64 {
        match self {
            Vector::Dense(v) => v[i],
            Vector::Sparse {
                indices, values, ..
            } => indices
                .binary_search(&(i as u32))
                .map_or(0.0, |at| values[at]),
        }
    }

    /// The `(index, value)` pairs that may be non-zero (every pair of a dense vector).
    pub fn iter_active(&self) -> Box<dyn Iterator<Item = (usize, f64)> + '_> {
        match self {
            Vector::Dense(v) => Box::new(v.iter().copied().enumerate()),
            Vector::Sparse {
                indices, values, ..
            } => Box::new(
                indices
                    .iter()
                    .map(|&i| i as usize)
                    .zip(values.iter().copied()),
            ),
        }
    }

    /// The dense values.
    pub fn to_dense(&self) -> Vec<f64> {
        match self {
            Vector::Dense(v) => v.clone(),
            Vector::Sparse { size, .. } => {
                let mut out = vec![0.0; *size];
                for (i, v) in self.iter_active() {
                    out[i] = v;
                }
                out
            }
        }
    }

    /// Adds the values to `out[offset..]` (dense), for assembling vectors.
    pub fn write_into(&self, out: &mut [f64]) {
        for (i, v) in self.iter_active() {
            out[i] = v;
        }
    }

    /// The dot product with a dense slice of at least this length.
    pub fn dot(&self, w: &[f64]) -> f64 {
        match self {
            Vector::Dense(v) => v.iter().zip(w).map(|(a, b)| a * b).sum(),
            Vector::Sparse {
                indices, values, ..
            } => indices
                .iter()
                .zip(values)
                .map(|(&i, v)| v * w[i as usize])
                .sum(),
        }
    }

    /// The `p`-norm (`p = ∞` for the largest absolute value).
    pub fn norm(&self, p: f64) -> f64 {
        let values = self.iter_active().map(|(_, v)| v.abs());
        if p.is_infinite() {
            values.fold(0.0, f64::max)
        } else if p == 1.0 {
            values.sum()
        } else if p == 2.0 {
            values.map(|v| v * v).sum::<f64>().sqrt()
        } else {
            values.map(|v| v.powf(p)).sum::<f64>().powf(1.0 / p)
        }
    }
}

/// A feature vector with its label (and weight 1 unless set).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabeledPoint {
    /// The label: a class index (0, 1, ...) for classifiers, a value for regressors.
    pub label: f64,
    /// The features.
    pub features: Vector,
}

impl LabeledPoint {
    /// A point with `label` and `features`.
    pub fn new(label: f64, features: Vector) -> Self {
        LabeledPoint { label, features }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_and_dense_agree() {
        let s = Vector::sparse(5, [(3, 2.0), (0, -1.0), (3, 4.0)]);
        assert_eq!(s.to_dense(), vec![-1.0, 0.0, 0.0, 4.0, 0.0]);
        assert_eq!(s.get(3), 4.0);
        assert_eq!(s.get(1), 0.0);
        assert_eq!(s.dot(&[1.0, 1.0, 1.0, 0.5, 9.0]), 1.0);
        assert_eq!(s.norm(1.0), 5.0);
        assert_eq!(s.norm(f64::INFINITY), 4.0);
        assert!((s.norm(2.0) - 17f64.sqrt()).abs() < 1e-12);
    }
}
