//! Graph generators as Gelly's: vertices `0..n` (`u64`), no values, edges generated in
//! parallel from the vertex ids (every worker generates the edges of its share of
//! vertices, or of edge numbers for R-MAT, so the graph is the same at any number of
//! workers).
//!
//! The undirected generators (all but [`rmat`] and [`empty`]) give every edge in both
//! directions, as Gelly's do; none gives a self-loop or a duplicate edge.

use strom_dataset::{DataSet, Env};

use crate::Graph;
use crate::error::{Result, check};

/// A graph without values on `u64` ids, as the generators make.
pub type Generated<'s> = Graph<'s, u64, (), ()>;

/// The graph of vertices `0..n`, each with the out-edges `edges(v)`.
fn generate<'s, I>(env: &Env<'s>, n: u64, edges: impl Fn(u64) -> I + 'static) -> Generated<'s>
where
    I: IntoIterator<Item = u64>,
{
    let ids: DataSet<'s, u64> = if n == 0 {
        env.empty()
    } else {
        env.generate_sequence(0, n - 1)
    };
    Graph {
        vertices: ids.map(|v| (v, ())),
        edges: ids.flat_map(move |v| edges(v).into_iter().map(move |u| (v, u, ()))),
    }
}

/// `n` vertices and no edges.
pub fn empty<'s>(env: &Env<'s>, n: u64) -> Generated<'s> {
    generate(env, n, |_| None)
}

/// `n >= 1` vertices, each joined to every other.
///
/// # Errors
/// `n` is 0.
pub fn complete<'s>(env: &Env<'s>, n: u64) -> Result<Generated<'s>> {
    check(n >= 1, "vertex_count", || {
        format!("must be at least 1, not {n}")
    })?;
    Ok(generate(env, n, move |v| (0..n).filter(move |&u| u != v)))
}

/// `n >= 2` vertices in a ring: `v` joined to `v + 1 mod n`.
///
/// # Errors
/// `n` is below 2.
pub fn cycle<'s>(env: &Env<'s>, n: u64) -> Result<Generated<'s>> {
    check(n >= 2, "vertex_count", || {
        format!("must be at least 2, not {n}")
    })?;
    grid(env, &[(n, true)])
}

/// `n >= 2` vertices in a line: `v` joined to `v + 1`.
///
/// # Errors
/// `n` is below 2.
pub fn path<'s>(env: &Env<'s>, n: u64) -> Result<Generated<'s>> {
    check(n >= 2, "vertex_count", || {
        format!("must be at least 2, not {n}")
    })?;
    grid(env, &[(n, false)])
}

/// `n >= 2` vertices, vertex 0 joined to every other.
///
/// # Errors
/// `n` is below 2.
pub fn star<'s>(env: &Env<'s>, n: u64) -> Result<Generated<'s>> {
    check(n >= 2, "vertex_count", || {
        format!("must be at least 2, not {n}")
    })?;
    Ok(generate(env, n, move |v| {
        let leaves = if v == 0 { 1..n } else { 0..0 };
        leaves.chain((v != 0).then_some(0))
    }))
}

/// `pairs >= 1` disjoint edges: `2i` joined to `2i + 1`.
///
/// # Errors
/// `pairs` is 0.
pub fn singleton_edge<'s>(env: &Env<'s>, pairs: u64) -> Result<Generated<'s>> {
    check(pairs >= 1, "vertex_pair_count", || {
        format!("must be at least 1, not {pairs}")
    })?;
    Ok(generate(env, 2 * pairs, |v| Some(v ^ 1)))
}

/// A grid with one `(size, wrap)` per dimension: vertex ids count the first dimension
/// fastest, each vertex is joined to its neighbours one step away in each dimension,
/// and with `wrap` the ends of a dimension longer than 2 are joined too.
///
/// # Errors
/// No dimension, a dimension of size 0, or more than `u64::MAX` vertices.
pub fn grid<'s>(env: &Env<'s>, dimensions: &[(u64, bool)]) -> Result<Generated<'s>> {
    check(!dimensions.is_empty(), "dimensions", || "none given".into())?;
    let mut n = 1u64;
    for &(size, _) in dimensions {
        check(size >= 1, "dimensions", || "a dimension has size 0".into())?;
        n = n.checked_mul(size).ok_or_else(|| crate::Error::Parameter {
            name: "dimensions",
            reason: "more than 2^64 vertices".into(),
        })?;
    }
    let dims: Vec<(u64, u64, bool)> = dimensions
        .iter()
        .scan(1u64, |stride, &(size, wrap)| {
            let here = (size, *stride, wrap);
            *stride = stride.saturating_mul(size);
            Some(here)
        })
        .collect();
    Ok(generate(env, n, move |v| {
        let mut out = Vec::with_capacity(2 * dims.len());
        for &(size, stride, wrap) in &dims {
            let c = (v / stride) % size;
            let wraps = wrap && size > 2;
            if c + 1 < size {
                out.push(v + stride);
            } else if wraps {
                out.push(v - c * stride);
            }
            if c > 0 {
                out.push(v - stride);
            } else if wraps {
                out.push(v + (size - 1) * stride);
            }
        }
        out
    }))
}

/// The hypercube of `dimensions >= 1`: `2^dimensions` vertices, joined when their ids
/// differ in one bit.
///
/// # Errors
/// `dimensions` is 0 or above 63.
pub fn hypercube<'s>(env: &Env<'s>, dimensions: u32) -> Result<Generated<'s>> {
    check((1..64).contains(&dimensions), "dimensions", || {
        format!("must be between 1 and 63, not {dimensions}")
    })?;
    grid(env, &vec![(2, false); dimensions as usize])
}

/// Gelly's echo graph: `n` vertices of equal `degree`, vertex `v` joined to
/// `(v + offset + j) mod n` for `j` in `0..degree`, `offset = (n - degree + 1) / 2`
/// (so the neighbours are the vertices "opposite" `v`, symmetric around it).
///
/// # Errors
/// `n < 2`, `degree` not in `1..n`, or `n` and `degree` both even or both odd.
pub fn echo<'s>(env: &Env<'s>, n: u64, degree: u64) -> Result<Generated<'s>> {
    check(n >= 2, "vertex_count", || {
        format!("must be at least 2, not {n}")
    })?;
    check((1..n).contains(&degree), "vertex_degree", || {
        format!("must be between 1 and {}, not {degree}", n - 1)
    })?;
    check(
        n.is_multiple_of(2) ^ degree.is_multiple_of(2),
        "vertex_degree",
        || format!("exactly one of the vertex count ({n}) and the degree ({degree}) must be even"),
    )?;
    let offset = (n - degree).div_ceil(2);
    Ok(generate(env, n, move |v| {
        (0..degree).map(move |j| (v + offset + j) % n)
    }))
}

/// R-MAT parameters (Chakrabarti, Zhan and Faloutsos; Gelly's `RMatGraph`): `2^scale`
/// vertex ids, `edge_factor * 2^scale` directed edges, each placed by choosing one
/// quadrant of the adjacency matrix per bit with probabilities `a`, `b`, `c` and
/// `1 - a - b - c`.
#[derive(Clone, Debug)]
pub struct RmatConfig {
    /// Log2 of the number of vertex ids.
    pub scale: u32,
    /// Edges per vertex id.
    pub edge_factor: u64,
    /// Probability of the top-left quadrant (default 0.57).
    pub a: f64,
    /// Probability of the top-right quadrant (default 0.19).
    pub b: f64,
    /// Probability of the bottom-left quadrant (default 0.19).
    pub c: f64,
    /// Seed: the same seed gives the same graph at any number of workers.
    pub seed: u64,
}

impl RmatConfig {
    /// Gelly's (and Graph500's) defaults for `scale` and `edge_factor`, seed 0.
    pub fn new(scale: u32, edge_factor: u64) -> Self {
        RmatConfig {
            scale,
            edge_factor,
            a: 0.57,
            b: 0.19,
            c: 0.19,
            seed: 0,
        }
    }

    /// The same with another seed.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The number of edges, `edge_factor * 2^scale`.
    ///
    /// # Errors
    /// `scale` not in `1..=62`, `edge_factor` 0, probabilities outside `[0, 1]` or
    /// summing above 1, or more than 2^64 edges.
    pub fn edges(&self) -> Result<u64> {
        check((1..=62).contains(&self.scale), "scale", || {
            format!("must be between 1 and 62, not {}", self.scale)
        })?;
        check(self.edge_factor >= 1, "edge_factor", || {
            "must be at least 1".into()
        })?;
        let probabilities = [self.a, self.b, self.c];
        check(
            probabilities.iter().all(|p| (0.0..=1.0).contains(p))
                && self.a + self.b + self.c <= 1.0,
            "a, b, c",
            || format!("must be probabilities summing to at most 1, not {probabilities:?}"),
        )?;
        self.edge_factor
            .checked_mul(1 << self.scale)
            .ok_or_else(|| crate::Error::Parameter {
                name: "edge_factor",
                reason: "more than 2^64 edges".into(),
            })
    }

    /// Edge number `i` (the same at any parallelism).
    pub fn edge(&self, i: u64) -> (u64, u64) {
        let mut state = self.seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let (mut source, mut target) = (0u64, 0u64);
        for _ in 0..self.scale {
            let p = (splitmix64(&mut state) >> 11) as f64 / (1u64 << 53) as f64;
            let (down, right) = if p < self.a {
                (0, 0)
            } else if p < self.a + self.b {
                (0, 1)
            } else if p < self.a + self.b + self.c {
                (1, 0)
            } else {
                (1, 1)
            };
            source = (source << 1) | down;
            target = (target << 1) | right;
        }
        (source, target)
    }
}

/// SplitMix64's step: a well-mixed 64-bit value from a counter state.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An R-MAT graph: the edges as [`RmatConfig`] says (directed; self-loops and duplicate
/// edges occur, as in Gelly) and the vertices that have an edge.
///
/// # Errors
/// `scale` not in `1..=62`, `edge_factor` 0, or probabilities outside `[0, 1]` or
/// summing above 1.
pub fn rmat<'s>(env: &Env<'s>, config: &RmatConfig) -> Result<Generated<'s>> {
    let m = config.edges()?;
    let c = config.clone();
    let edges = env.generate_sequence(0, m - 1).map(move |i| {
        let (a, b) = c.edge(i);
        (a, b, ())
    });
    Ok(Graph::from_edges(&edges, |_| ()))
}
