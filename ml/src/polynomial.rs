//! Polynomial expansion: a vector of every product of at most `degree` features, in
//! scikit-learn's `PolynomialFeatures` order (by degree, then the feature index
//! combinations with repetition in lexicographic order: `a, b, a², ab, b²`), with
//! an optional leading 1 (`include-bias`). Spark's `PolynomialExpansion` gives the
//! same terms in another order. A transformer that learns nothing.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::features::{fitted_as_is, vector_schema};
use crate::params::{Params, check, params};
use crate::stage::{Model, RowFn};
use crate::table::{Schema, Value, feature_extractor, put};
use crate::vector::Vector;

/// The polynomial expansion of numeric columns or a vector column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolynomialExpansion {
    /// The input: numeric columns or one vector column.
    pub input: Vec<String>,
    /// The output vector column (default `polynomial`).
    pub output: String,
    /// The largest degree (default 2).
    pub degree: u32,
    /// Start with the constant 1 (default false).
    pub include_bias: bool,
}

impl PolynomialExpansion {
    /// The expansion of `input` up to `degree`.
    pub fn new(input: &[&str], degree: u32) -> Self {
        PolynomialExpansion {
            input: input.iter().map(|c| c.to_string()).collect(),
            output: "polynomial".into(),
            degree,
            include_bias: false,
        }
    }
}

params!(PolynomialExpansion {
    with_input "input" => input: Vec<String>,
    with_output "output" => output: String,
    with_degree "degree" => degree: u32,
    with_include_bias "include-bias" => include_bias: bool,
} validate(&self) {
    check("degree", self.degree >= 1, "must be at least 1")
});

/// The index combinations (with repetition) of `d` features, degree by degree.
pub(crate) fn terms(d: usize, degree: u32, bias: bool) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = if bias { vec![Vec::new()] } else { Vec::new() };
    let mut last: Vec<Vec<usize>> = vec![Vec::new()];
    for _ in 0..degree {
        let next: Vec<Vec<usize>> = last
            .iter()
            .flat_map(|t| {
                let from = t.last().copied().unwrap_or(0);
                (from..d).map(move |j| {
                    let mut t = t.clone();
                    t.push(j);
                    t
                })
            })
            .collect();
        out.extend(next.iter().cloned());
        last = next;
    }
    out
}

impl Model for PolynomialExpansion {
    fn schema(&self, input: &Schema) -> Result<Schema> {
        self.validate()?;
        vector_schema(input, &self.input, &self.output)
    }

    fn row_fn(&self, input: &Schema) -> Result<RowFn> {
        let extract = feature_extractor(input, &self.input)?;
        let out = self.schema(input)?.index(&self.output)?;
        let (degree, bias) = (self.degree, self.include_bias);
        let mut cached: Option<(usize, Vec<Vec<usize>>)> = None;
        Ok(Box::new(move |mut row| {
            let x = extract(&row).to_dense();
            if cached.as_ref().is_none_or(|c| c.0 != x.len()) {
                cached = Some((x.len(), terms(x.len(), degree, bias)));
            }
            let terms = &cached.as_ref().expect("set above").1;
            let y = terms
                .iter()
                .map(|t| t.iter().map(|&j| x[j]).product())
                .collect();
            put(&mut row, out, Value::Vec(Vector::Dense(y)));
            row
        }))
    }
}

fitted_as_is!(PolynomialExpansion);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_in_scikit_learn_order() {
        // a, b, a², ab, b² (and the bias first).
        let t = terms(2, 2, true);
        assert_eq!(
            t,
            vec![vec![], vec![0], vec![1], vec![0, 0], vec![0, 1], vec![1, 1]]
        );
        // d + C(d+1, 2) + C(d+2, 3) terms for degree 3: 3 + 6 + 10.
        assert_eq!(terms(3, 3, false).len(), 19);
    }
}
