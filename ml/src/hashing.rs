//! Text features: hashing term frequencies and inverse document frequencies, as Spark's
//! `HashingTF` and `IDF`.
//!
//! [`HashingTf`] splits a string column at white space into terms and counts them into
//! a sparse vector of `num-features`: a term's index is MurmurHash3 (x86, 32 bits,
//! seed 42) of its UTF-8 bytes, modulo the size, made non-negative (Spark 3's
//! `HashingTF`; scikit-learn's `HashingVectorizer` uses seed 0 and the absolute value,
//! so the indices differ). With `binary=true` a present term counts 1.
//!
//! [`Idf`] learns, from `m` documents (vectors) and each index's document frequency
//! `df` (rows where it is not 0), `idf = ln((m + 1) / (df + 1))`, or 0 where `df` is
//! below `min-doc-freq` (Spark's formula: scikit-learn's smoothed `idf_` is this plus 1),
//! and its model multiplies vectors by it. Document frequencies are counted per worker
//! into a dense array of the vector size, then summed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::features::fitted_as_is;
use crate::params::{Params, check, params};
use crate::stage::{Estimator, Fitted, Model, RowFn};
use crate::table::{ColumnType, Schema, Table, Value, put};
use crate::vector::Vector;

/// MurmurHash3 x86 32-bit of `data` with `seed` (the reference algorithm).
pub fn murmur3_32(data: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mix = |k: u32| k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    let mut h = seed;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        h ^= mix(u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let k = tail
            .iter()
            .rev()
            .fold(0u32, |k, &b| (k << 8) | u32::from(b));
        h ^= mix(k);
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// Term counts of a text column, hashed into a sparse vector.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HashingTf {
    /// The string input column (terms separated by white space).
    pub input: String,
    /// The output vector column (default `tf`).
    pub output: String,
    /// The vector size (default 2^18).
    pub features: u32,
    /// Count a present term 1 (default false).
    pub binary: bool,
}

impl HashingTf {
    /// Hashed term counts of `input` into vectors of `features`.
    pub fn new(input: &str, features: u32) -> Self {
        HashingTf {
            input: input.to_string(),
            output: "tf".into(),
            features,
            binary: false,
        }
    }

    /// The index of `term`.
    pub fn index_of(&self, term: &str) -> usize {
        let h = murmur3_32(term.as_bytes(), 42) as i32;
        h.rem_euclid(self.features as i32) as usize
    }

    /// The term counts of `text`.
    pub fn counts(&self, text: &str) -> Vector {
        let mut counts = BTreeMap::new();
        for term in text.split_whitespace() {
            *counts.entry(self.index_of(term)).or_insert(0.0) += 1.0;
        }
        if self.binary {
            counts.values_mut().for_each(|c| *c = 1.0);
        }
        Vector::sparse(self.features as usize, counts)
    }
}

params!(HashingTf {
    with_input "input" => input: String,
    with_output "output" => output: String,
    with_features "num-features" => features: u32,
    with_binary "binary" => binary: bool,
} validate(&self) {
    check(
        "num-features",
        self.features >= 1 && self.features <= i32::MAX as u32,
        "must be from 1 to 2^31 - 1",
    )
});

impl Model for HashingTf {
    fn schema(&self, input: &Schema) -> Result<Schema> {
        self.validate()?;
        input.typed_index(&self.input, &[ColumnType::String])?;
        Ok(input.with_column(&self.output, ColumnType::Vector))
    }

    fn row_fn(&self, input: &Schema) -> Result<RowFn> {
        let at = input.index(&self.input)?;
        let out = self.schema(input)?.index(&self.output)?;
        let this = self.clone();
        Ok(Box::new(move |mut row| {
            let v = match &row[at] {
                Value::Str(s) => this.counts(s),
                _ => this.counts(""),
            };
            put(&mut row, out, Value::Vec(v));
            row
        }))
    }
}

fitted_as_is!(HashingTf);

/// Learns inverse document frequencies of a vector column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Idf {
    /// The vector input column.
    pub input: String,
    /// The output vector column (default `tfidf`).
    pub output: String,
    /// Indices in fewer documents get weight 0 (default 0).
    pub min_doc_freq: u64,
}

impl Idf {
    /// Inverse document frequencies of `input`.
    pub fn new(input: &str) -> Self {
        Idf {
            input: input.to_string(),
            output: "tfidf".into(),
            min_doc_freq: 0,
        }
    }
}

params!(Idf {
    with_input "input" => input: String,
    with_output "output" => output: String,
    with_min_doc_freq "min-doc-freq" => min_doc_freq: u64,
} validate(&self) {
    check("output", !self.output.is_empty(), "must name a column")
});

/// Documents and document frequencies.
type DocFreq = (u64, Vec<u64>);

fn add_doc(acc: &mut DocFreq, v: &Vector) {
    if acc.1.len() < v.len() {
        acc.1.resize(v.len(), 0);
    }
    acc.0 += 1;
    for (i, x) in v.iter_active() {
        acc.1[i] += u64::from(x != 0.0);
    }
}

fn merge(mut a: DocFreq, b: DocFreq) -> DocFreq {
    if a.1.len() < b.1.len() {
        a.1.resize(b.1.len(), 0);
    }
    a.0 += b.0;
    a.1.iter_mut().zip(&b.1).for_each(|(x, y)| *x += y);
    a
}

impl Estimator for Idf {
    type Model = IdfModel;

    fn output_schema(&self, input: &Schema) -> Result<Schema> {
        self.validate()?;
        input.typed_index(&self.input, &[ColumnType::Vector])?;
        Ok(input.with_column(&self.output, ColumnType::Vector))
    }

    fn fit<'s>(&self, table: &Table<'s>) -> Result<Fitted<'s, IdfModel>> {
        self.output_schema(&table.schema)?;
        let at = table.schema.index(&self.input)?;
        let params = self.clone();
        let model = table
            .rows
            .fold_partition(
                DocFreq::default,
                move |acc, row| {
                    if let Value::Vec(v) = &row[at] {
                        add_doc(acc, v);
                    }
                },
                Some,
            )
            .reduce(merge)
            .map(move |(m, df)| IdfModel {
                idf: df
                    .iter()
                    .map(|&d| {
                        if d >= params.min_doc_freq {
                            ((m as f64 + 1.0) / (d as f64 + 1.0)).ln()
                        } else {
                            0.0
                        }
                    })
                    .collect(),
                documents: m,
                params: params.clone(),
            });
        let this = self.clone();
        Ok(Fitted::new(model, move |s| this.output_schema(s)))
    }
}

/// Fitted inverse document frequencies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IdfModel {
    /// The parameters it was fitted with.
    pub params: Idf,
    /// The weight of each index.
    pub idf: Vec<f64>,
    /// The number of documents it was fitted on.
    pub documents: u64,
}

impl IdfModel {
    /// `v` weighted by the inverse document frequencies (indices past them get 0).
    pub fn weigh(&self, v: &Vector) -> Vector {
        let w = |i: usize| self.idf.get(i).copied().unwrap_or(0.0);
        match v {
            Vector::Dense(x) => {
                Vector::Dense(x.iter().enumerate().map(|(i, a)| a * w(i)).collect())
            }
            Vector::Sparse {
                size,
                indices,
                values,
            } => Vector::Sparse {
                size: *size,
                indices: indices.clone(),
                values: indices
                    .iter()
                    .zip(values)
                    .map(|(&i, a)| a * w(i as usize))
                    .collect(),
            },
        }
    }
}

impl Model for IdfModel {
    fn schema(&self, input: &Schema) -> Result<Schema> {
        self.params.output_schema(input)
    }

    fn row_fn(&self, input: &Schema) -> Result<RowFn> {
        let at = input.index(&self.params.input)?;
        let out = self.schema(input)?.index(&self.params.output)?;
        let this = self.clone();
        Ok(Box::new(move |mut row| {
            let v = match &row[at] {
                Value::Vec(v) => this.weigh(v),
                _ => Vector::Dense(Vec::new()),
            };
            put(&mut row, out, Value::Vec(v));
            row
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur3_reference_values() {
        // Published test vectors of MurmurHash3_x86_32.
        assert_eq!(murmur3_32(b"", 0), 0);
        assert_eq!(murmur3_32(b"", 1), 0x514E_28B7);
        assert_eq!(murmur3_32(b"", 0xffff_ffff), 0x81F1_6F39);
        assert_eq!(murmur3_32(&[0, 0, 0, 0], 0), 0x2362_F9DE);
        assert_eq!(murmur3_32(&[0x21, 0x43, 0x65, 0x87], 0), 0xF55B_516B);
        assert_eq!(murmur3_32(&[0x21, 0x43, 0x65], 0), 0x7E4A_8634);
        assert_eq!(murmur3_32(&[0x21, 0x43], 0), 0xA0F7_B07A);
        assert_eq!(murmur3_32(&[0x21], 0), 0x7266_1CF4);
    }

    #[test]
    fn idf_by_hand() {
        // Three documents; index 0 in all, 1 in one, 2 in none.
        let mut acc = DocFreq::default();
        for v in [
            vec![1.0, 2.0, 0.0],
            vec![3.0, 0.0, 0.0],
            vec![1.0, 0.0, 0.0],
        ] {
            add_doc(&mut acc, &Vector::Dense(v));
        }
        assert_eq!(acc, (3, vec![3, 1, 0]));
        let idf: Vec<f64> = acc
            .1
            .iter()
            .map(|&d| (4.0 / (d as f64 + 1.0)).ln())
            .collect();
        let m = IdfModel {
            params: Idf::new("tf"),
            idf,
            documents: 3,
        };
        let v = m.weigh(&Vector::sparse(3, [(0, 2.0), (1, 1.0)]));
        // ln(4/4) = 0, ln(4/2) = ln 2.
        assert_eq!(v, Vector::sparse(3, [(0, 0.0), (1, 2f64.ln())]));
    }
}
