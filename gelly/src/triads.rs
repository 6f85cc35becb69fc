//! The directed triad census (networkx's `triadic_census`, Gelly's directed
//! `TriadicCensus`): every set of three vertices counted by which of the 16
//! isomorphism classes of directed graphs on three nodes it induces, named by the
//! Holland-Leinhardt MAN code (mutual, asymmetric and null dyads, then `D`own, `U`p,
//! `C`yclic or `T`ransitive), in networkx's order [`TRIAD_TYPES`].
//!
//! Semantics (networkx's on a `DiGraph`): self-loops are ignored and duplicate edges
//! count once, so a pair of vertices is a null, an asymmetric or a mutual dyad. Every
//! vertex of the graph is in the census, also without edges.
//!
//! How it is counted (Batagelj and Mrvar's idea, as dataflow): only the triads with at
//! least two connected dyads are looked at one by one, and of those only the closed
//! ones (triangles of the undirected simple graph) need a join.
//! - A vertex whose connected dyads are `o` out-, `i` in- and `m` mutual ones is the
//!   centre of `C(o,2)` wedges `021D`, `C(i,2)` `021U`, `o·i` `021C`, `m·i` `111D`,
//!   `m·o` `111U` and `C(m,2)` `201`, counted per vertex.
//! - An open triad has one centre; a closed one is three wedges. Each triangle, found
//!   by closing the wedges of its smallest vertex with the dyad of the other two, adds
//!   one to its own type and takes away the three wedges it was counted as.
//! - Every dyad is in `n - 2` triads: so the asymmetric dyads give `012` after taking
//!   away the other types' asymmetric dyads, the mutual ones `102`, and `003` is what
//!   is left of `C(n,3)`.

use serde::{Deserialize, Serialize};
use strom_dataset::{Data, DataSet, Key};

use crate::Graph;

/// The 16 triad types, in networkx's order (`TRIAD_NAMES`). The first three digits
/// count the triad's mutual, asymmetric and null dyads.
pub const TRIAD_TYPES: [&str; 16] = [
    "003", "012", "102", "021D", "021U", "021C", "111D", "111U", "030T", "030C", "201", "120D",
    "120U", "120C", "210", "300",
];

/// The directed triad census of a graph: how many triads are of each type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectedTriadCensus {
    /// The count of each type of [`TRIAD_TYPES`], in that order. They add up to
    /// `n(n - 1)(n - 2)/6` for `n` vertices.
    pub counts: [u128; 16],
}

impl DirectedTriadCensus {
    /// The count of the triad type `name` (as in [`TRIAD_TYPES`]), `None` for a name
    /// that is not one.
    pub fn get(&self, name: &str) -> Option<u128> {
        let index = TRIAD_TYPES.iter().position(|t| *t == name)?;
        Some(self.counts[index])
    }

    /// `(type, count)` in networkx's order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u128)> + '_ {
        TRIAD_TYPES.iter().copied().zip(self.counts.iter().copied())
    }
}

/// The dyad of `(a, b)`, `a < b`, seen from `a`: bit 1 is the edge `a -> b`, bit 2
/// the edge `b -> a` (so 1 out, 2 in, 3 mutual).
type Dyad<K> = ((K, K), u8);

/// Partial sums of the census: signed counts per type (triangles take away the wedges
/// they were counted as), asymmetric and mutual dyads, and vertices.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Tally {
    types: [i128; 16],
    asymmetric: i128,
    mutual: i128,
    vertices: i128,
}

impl Tally {
    fn add(mut self, other: Tally) -> Tally {
        for (a, b) in self.types.iter_mut().zip(other.types) {
            *a += b;
        }
        self.asymmetric += other.asymmetric;
        self.mutual += other.mutual;
        self.vertices += other.vertices;
        self
    }
}

/// The type index of the triad on vertices 0, 1, 2 whose edges are `arcs[v][u]`.
fn classify(arcs: [[bool; 3]; 3]) -> usize {
    let (mut mutual, mut asymmetric) = (0, 0);
    // Per vertex: asymmetric out- and in-dyads, mutual dyads.
    let mut ends = [(0, 0, 0); 3];
    for (v, u) in [(0, 1), (0, 2), (1, 2)] {
        match (arcs[v][u], arcs[u][v]) {
            (true, true) => {
                mutual += 1;
                ends[v].2 += 1;
                ends[u].2 += 1;
            }
            (true, false) | (false, true) => {
                asymmetric += 1;
                let (from, to) = if arcs[v][u] { (v, u) } else { (u, v) };
                ends[from].0 += 1;
                ends[to].1 += 1;
            }
            (false, false) => {}
        }
    }
    // Of the vertex with two asymmetric dyads: both out, both in, or one of each.
    let direction = |down, up, cyclic| {
        let centre = ends.iter().find(|e| e.0 + e.1 == 2);
        match centre {
            Some(e) if e.0 == 2 => down,
            Some(e) if e.1 == 2 => up,
            _ => cyclic,
        }
    };
    let name = match (mutual, asymmetric) {
        (0, 0) => "003",
        (0, 1) => "012",
        (1, 0) => "102",
        (0, 2) => direction("021D", "021U", "021C"),
        // The asymmetric edge points into the vertex of the mutual dyad: down.
        (1, 1) if ends.iter().any(|e| e.2 == 1 && e.1 == 1) => "111D",
        (1, 1) => "111U",
        (0, 3) if ends.iter().all(|e| e.0 == 1) => "030C",
        (0, 3) => "030T",
        (2, 0) => "201",
        (1, 2) => direction("120D", "120U", "120C"),
        (2, 1) => "210",
        _ => "300",
    };
    TRIAD_TYPES
        .iter()
        .position(|t| *t == name)
        .expect("every name is a triad type")
}

/// The edges of a triad whose dyads (each seen from its first vertex) are `(0, 1)`,
/// `(0, 2)` and `(1, 2)`.
fn arcs(d01: u8, d02: u8, d12: u8) -> [[bool; 3]; 3] {
    let mut arcs = [[false; 3]; 3];
    for ((v, u), d) in [((0, 1), d01), ((0, 2), d02), ((1, 2), d12)] {
        arcs[v][u] = d & 1 != 0;
        arcs[u][v] = d & 2 != 0;
    }
    arcs
}

/// The connected dyads of the graph, each once, seen from its smaller end.
fn dyads<'s, K: Key, VV: Data, EV: Data>(graph: &Graph<'s, K, VV, EV>) -> DataSet<'s, Dyad<K>> {
    graph
        .edges()
        .flat_map(|(a, b, _)| match a.cmp(&b) {
            std::cmp::Ordering::Less => Some(((a, b), 1u8)),
            std::cmp::Ordering::Greater => Some(((b, a), 2u8)),
            std::cmp::Ordering::Equal => None,
        })
        .group_by(|d: &Dyad<K>| d.0.clone())
        .reduce(|a, b| (a.0, a.1 | b.1))
}

/// The wedges centred on each vertex, by type: from its counts of out-, in- and mutual
/// dyads, every pair of them once.
fn wedges(counts: [i128; 3]) -> Tally {
    let mut tally = Tally::default();
    // The dyads 1 (out), 2 (in), 3 (mutual), seen from the centre 0.
    for x in 0..3 {
        for y in x..3 {
            let pairs = if x == y {
                counts[x] * (counts[x] - 1) / 2
            } else {
                counts[x] * counts[y]
            };
            let kind = classify(arcs(x as u8 + 1, y as u8 + 1, 0));
            tally.types[kind] += pairs;
        }
    }
    tally
}

/// A triangle's tally: its own type, less the three wedges it was counted as (each
/// vertex's, without the opposite dyad).
fn triangle(d01: u8, d02: u8, d12: u8) -> Tally {
    let mut tally = Tally::default();
    tally.types[classify(arcs(d01, d02, d12))] += 1;
    for open in [arcs(d01, d02, 0), arcs(d01, 0, d12), arcs(0, d02, d12)] {
        tally.types[classify(open)] -= 1;
    }
    tally
}

/// The graph's directed triad census: one record. Counts need one pass over the
/// dyads per vertex and one join closing the wedges of each vertex's larger
/// neighbours, so a vertex of `d` larger neighbours costs `d²` (as triangle listing).
pub fn directed_triadic_census<'s, K: Key, VV: Data, EV: Data>(
    graph: &Graph<'s, K, VV, EV>,
) -> DataSet<'s, DirectedTriadCensus> {
    let dyads = dyads(graph);
    let flip = |d: u8| (d & 1) << 1 | (d & 2) >> 1;
    let per_vertex = dyads
        .flat_map(move |((a, b), d)| {
            let one = |d: u8| {
                let mut c = [0i128; 3];
                c[usize::from(d) - 1] = 1;
                c
            };
            [(a, one(d)), (b, one(flip(d)))]
        })
        .group_by(|c: &(K, [i128; 3])| c.0.clone())
        .reduce(|a, b| (a.0, [a.1[0] + b.1[0], a.1[1] + b.1[1], a.1[2] + b.1[2]]))
        .map(|(_, c)| wedges(c));
    let dyad_kinds = dyads.map(|(_, d)| Tally {
        asymmetric: i128::from(d != 3),
        mutual: i128::from(d == 3),
        ..Tally::default()
    });
    let triangles = dyads
        .group_by(|d: &Dyad<K>| d.0.0.clone())
        .reduce_group(|v, ds| {
            let mut larger: Vec<(K, u8)> = ds.into_iter().map(|((_, u), d)| (u, d)).collect();
            larger.sort();
            let mut out = Vec::new();
            for (i, (u, du)) in larger.iter().enumerate() {
                for (w, dw) in &larger[i + 1..] {
                    out.push(((u.clone(), w.clone()), (v.clone(), *du, *dw)));
                }
            }
            out
        })
        .join(
            &dyads,
            |w: &((K, K), (K, u8, u8))| w.0.clone(),
            |d: &Dyad<K>| d.0.clone(),
        )
        .with(|w, d| triangle(w.1.1, w.1.2, d.1));
    let vertices = graph.vertex_ids().map(|_| Tally {
        vertices: 1,
        ..Tally::default()
    });
    per_vertex
        .union(&dyad_kinds)
        .union(&triangles)
        .union(&vertices)
        .union(&graph.env().from_collection(vec![Tally::default()]))
        .reduce(Tally::add)
        .map(census)
}

/// The census from the summed tally: the types with two or three connected dyads are
/// counted; `012`, `102` and `003` follow from the dyads and `C(n, 3)`.
fn census(tally: Tally) -> DirectedTriadCensus {
    let n = tally.vertices;
    let mut types = tally.types;
    let digit = |name: &str, i: usize| i128::from(name.as_bytes()[i] - b'0');
    // The dyads of one kind in the triads of two or three connected dyads.
    let others = |digit_index: usize| -> i128 {
        TRIAD_TYPES
            .iter()
            .zip(types)
            .skip(3)
            .map(|(name, count)| digit(name, digit_index) * count)
            .sum()
    };
    let rest = (n - 2).max(0);
    let (asymmetric, mutual) = (others(1), others(0));
    types[1] = tally.asymmetric * rest - asymmetric;
    types[2] = tally.mutual * rest - mutual;
    let all = if n < 3 { 0 } else { n * (n - 1) * (n - 2) / 6 };
    types[0] = all - types[1..].iter().sum::<i128>();
    DirectedTriadCensus {
        counts: types.map(|c| u128::try_from(c).expect("a census count is never negative")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The type of each triad given as its edges, named as networkx documents them.
    #[test]
    fn classify_names_each_type_as_networkx_documents_it() {
        let cases: [(&str, &[(usize, usize)]); 16] = [
            ("003", &[]),
            ("012", &[(0, 1)]),
            ("102", &[(0, 1), (1, 0)]),
            ("021D", &[(1, 0), (1, 2)]),
            ("021U", &[(0, 1), (2, 1)]),
            ("021C", &[(0, 1), (1, 2)]),
            ("111D", &[(0, 1), (1, 0), (2, 1)]),
            ("111U", &[(0, 1), (1, 0), (1, 2)]),
            ("030T", &[(0, 1), (2, 1), (0, 2)]),
            ("030C", &[(1, 0), (2, 1), (0, 2)]),
            ("201", &[(0, 1), (1, 0), (1, 2), (2, 1)]),
            ("120D", &[(1, 0), (1, 2), (0, 2), (2, 0)]),
            ("120U", &[(0, 1), (2, 1), (0, 2), (2, 0)]),
            ("120C", &[(0, 1), (1, 2), (0, 2), (2, 0)]),
            ("210", &[(0, 1), (1, 2), (2, 1), (0, 2), (2, 0)]),
            ("300", &[(0, 1), (1, 0), (1, 2), (2, 1), (0, 2), (2, 0)]),
        ];
        for (name, edges) in cases {
            // Every relabelling of the vertices is the same type.
            for p in [
                [0, 1, 2],
                [0, 2, 1],
                [1, 0, 2],
                [1, 2, 0],
                [2, 0, 1],
                [2, 1, 0],
            ] {
                let mut a = [[false; 3]; 3];
                for &(v, u) in edges {
                    a[p[v]][p[u]] = true;
                }
                assert_eq!(TRIAD_TYPES[classify(a)], name, "{edges:?} relabelled {p:?}");
            }
        }
    }
}
