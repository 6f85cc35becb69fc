//! PageRank over a fixed number of rounds, in integers, as differential-dataflow's
//! PageRank example computes it: a rank is a count of surfers (the collection's
//! multiplicity), so a change moves only the surfers whose paths it alters.

use std::hash::Hash;

use differential_dataflow::AsCollection;
use differential_dataflow::lattice::Lattice;
use differential_dataflow::operators::iterate::Variable;
use strom_core::timely::dataflow::operators::vec::Filter;
use strom_core::timely::order::Product;
use strom_core::timely::progress::Timestamp;

use super::algorithms::{Edges, Values};

/// Surfers every vertex starts with.
pub const START: isize = 6_000_000;

/// Surfers every vertex gets anew each round (the teleport share, 1/6 of the start).
pub const RESET: isize = 1_000_000;

/// PageRank after `rounds` rounds: every vertex starts with [`START`] surfers; in a
/// round, a vertex `u` with out-degree `d` (duplicates counted) sends
/// `floor(5 * rank(u) / (6 * d))` along each of its out-edges (each duplicate), and
/// every vertex's new rank is [`RESET`] plus what it receives (damping 5/6;
/// vertices without out-edges send nothing, so their rank is lost). Exact: the same
/// integers at any parallelism and after any sequence of changes.
pub fn pagerank<'s, T>(edges: Edges<'s, T>, rounds: u64) -> Values<'s, T>
where
    T: Timestamp + Lattice + Hash,
{
    let links = edges.map(|(s, d, _)| (s, d));
    let nodes = links.clone().flat_map(|(s, d)| [s, d]).distinct();
    let degrees = links.clone().map(|(s, _)| s).count();
    let outer = links.scope();
    outer
        .iterative::<u64, _, _>(|inner| {
            let links = links.enter(inner);
            let nodes = nodes.enter(inner);
            let degrees = degrees.enter(inner);
            let start = nodes.clone().explode(|v| Some((v, START)));
            let reset = nodes.explode(|v| Some((v, RESET)));
            let (bind, ranks) = Variable::new_from(start, Product::new(Default::default(), 1));
            let senders = degrees
                .semijoin(ranks)
                .threshold(|sender, rank| (5 * rank) / (6 * sender.1))
                .map(|(v, _)| v);
            let received = links
                .semijoin(senders)
                .map(|(_, target)| target)
                .concat(reset)
                .consolidate()
                .inner
                .filter(move |(_, t, _)| t.inner < rounds)
                .as_collection();
            bind.set(received.clone());
            received.leave(outer)
        })
        .count()
        .map(|(v, rank)| (v, rank.unsigned_abs() as u64))
}
