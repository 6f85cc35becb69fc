//! A bulk iteration whose round data (the head's buffer) and entered data (a replay
//! cache) are many times the memory limit: both spill through files and give every
//! record back in every round, equal to the expected rounds and the in-memory run.

use strom_dataset::{DataSet, Env};

use crate::solution_spill::{WORKERS, run_under};

/// Each round gives the entered `0..n` tagged with its superstep, beside everything
/// the earlier rounds gave: after `rounds` rounds, `(x, s)` for every `x` and `s`.
fn tagged_rounds(
    n: u64,
    rounds: u32,
) -> impl for<'s> Fn(&Env<'s>) -> DataSet<'s, (u64, u32)> + Clone + Send + Sync + 'static {
    move |env| {
        let big = env.generate_sequence(0, n - 1);
        let none = env.from_collection(Vec::<(u64, u32)>::new());
        none.iterate(rounds, |it, seen| {
            it.enter(&big)
                .map_with_broadcast(&it.superstep(), |x, step| (x, step[0]))
                .union(&seen)
        })
    }
}

#[test]
fn round_data_and_replays_spill_past_their_share() {
    let (n, rounds) = (5_000u64, 4);
    let mut expected: Vec<(u64, u32)> = (0..n)
        .flat_map(|x| (1..=rounds).map(move |s| (x, s)))
        .collect();
    expected.sort();
    // The entered records alone are 5,000 * 16 bytes, the last round's four times that.
    let limit = 16 << 10;
    for w in WORKERS {
        let job = tagged_rounds(n, rounds);
        let (in_memory, metrics) = run_under(w, None, job.clone());
        assert_eq!(in_memory, expected, "in memory, workers {w}");
        assert_eq!(metrics.spill_files, 0, "{metrics:?}");
        let (spilled, metrics) = run_under(w, Some(limit), job);
        // Only the head and the replay hold records here: one replay file per worker
        // and one queue file per worker and round that passed the head's share.
        assert!(metrics.spill_files > w as u64, "workers {w}: {metrics:?}");
        assert_eq!(metrics.spill_stores + metrics.spilled_partitions, 0);
        assert_eq!(spilled, expected, "spilled, workers {w}");
    }
}
