//! The Nexmark queries on Strom's DataStream API, as a Flink DataStream user would write
//! them: event-time sources with a bounded-disorder watermark, keyed windows, and
//! rolling part files with a header line as the sink.
//!
//! - q5: bids per auction in sliding windows, then per window (keyed by its start, in
//!   a tumbling window of one slide that holds exactly the first windows' results) the
//!   auctions with the highest count.
//! - q7: a two-phase maximum: per auction and tumbling window the highest bids, then
//!   per window the highest of those (no shuffle of every bid to one worker).
//! - q8: people and auctions connected and keyed by person (the seller for auctions)
//!   in tumbling windows; a person who has both is a new user who sells.

use std::sync::Arc;

use anyhow::Result;
use strom_core::RuntimeConfig;
use strom_datastream::{
    DataStream, Either, FileSink, LineSink, StreamEnv, WatermarkStrategy, WindowResult,
};

use super::model::{Auction, Bid, Person, read_all};
use super::{Q5_SIZE_MS, Q5_SLIDE_MS, Query, TUMBLE_MS, WATERMARK_MS, euros, q2_selects};

/// The highest price seen and the records with it.
type Highest<T> = (i64, Vec<T>);

fn keep_highest<T: Clone>(acc: &mut Highest<T>, price: i64, records: &[T]) {
    if price > acc.0 {
        acc.0 = price;
        acc.1.clear();
    }
    if price == acc.0 {
        acc.1.extend_from_slice(records);
    }
}

fn source<'s, T: strom_datastream::Data>(
    env: &StreamEnv<'s>,
    records: &Arc<[(i64, T)]>,
) -> DataStream<'s, T> {
    env.from_timestamped(
        records.clone(),
        WatermarkStrategy::bounded_out_of_orderness(WATERMARK_MS),
    )
}

fn timestamped<T>(records: Vec<T>, time: fn(&T) -> i64) -> Arc<[(i64, T)]> {
    records.into_iter().map(|r| (time(&r), r)).collect()
}

/// Runs `query` over the events in `dir`, writing part files with a header line into
/// the folder `out`.
pub(crate) fn run(
    config: &RuntimeConfig,
    query: Query,
    dir: &std::path::Path,
    out: &str,
) -> Result<()> {
    let sink = LineSink::Files(FileSink {
        header: Some(query.columns().to_string()),
        suffix: ".csv".into(),
        ..FileSink::new(out)
    });
    if query.reads_people() {
        let persons = timestamped(read_all(&dir.join("person.csv"), Person::parse)?, |p| {
            p.date_time
        });
        let auctions = timestamped(read_all(&dir.join("auction.csv"), Auction::parse)?, |a| {
            a.date_time
        });
        strom_datastream::run(config, move |env| {
            q8(&source(env, &persons), &source(env, &auctions))
                .write_lines(sink.clone(), |(id, name, start)| {
                    format!("{id},{name},{start}")
                });
        })?;
        return Ok(());
    }
    let bids = timestamped(read_all(&dir.join("bid.csv"), Bid::parse)?, |b| b.date_time);
    strom_datastream::run(config, move |env| {
        let bids = source(env, &bids);
        let sink = sink.clone();
        match query {
            Query::Q0 => bids.write_lines(sink, |b| {
                let (a, by, p, t, e) = (b.auction, b.bidder, b.price, b.date_time, &b.extra);
                format!("{a},{by},{p},{t},{e}")
            }),
            Query::Q1 => bids.write_lines(sink, |b| {
                let (a, by, t, e) = (b.auction, b.bidder, b.date_time, &b.extra);
                format!("{a},{by},{},{t},{e}", euros(b.price))
            }),
            Query::Q2 => bids
                .filter(|b| q2_selects(b.auction))
                .write_lines(sink, |b| format!("{},{}", b.auction, b.price)),
            Query::Q5 => {
                q5(&bids).write_lines(sink, |(start, auction, n)| format!("{start},{auction},{n}"))
            }
            Query::Q7 => q7(&bids).write_lines(sink, |(start, b)| {
                let (a, by, p, t) = (b.auction, b.bidder, b.price, b.date_time);
                format!("{start},{a},{by},{p},{t}")
            }),
            Query::Q8 => unreachable!("q8 reads people"),
        }
    })?;
    Ok(())
}

/// (window start, auction, bids) of the auctions with the most bids per window.
fn q5<'s>(bids: &DataStream<'s, Bid>) -> DataStream<'s, (i64, u64, u64)> {
    bids.key_by(|b: &Bid| b.auction)
        .sliding_window(Q5_SIZE_MS, Q5_SLIDE_MS)
        .aggregate(|| 0u64, |n, _| *n += 1, |n| n)
        // A result carries event time `end - 1`: the tumbling window of one slide
        // holding it holds the results of exactly one sliding window.
        .key_by(|w: &WindowResult<u64, u64>| w.start)
        .tumbling_window(Q5_SLIDE_MS)
        .aggregate(
            || (0u64, Vec::new()),
            |acc: &mut (u64, Vec<u64>), w: &WindowResult<u64, u64>| {
                if w.value > acc.0 {
                    *acc = (w.value, Vec::new());
                }
                if w.value == acc.0 {
                    acc.1.push(w.key);
                }
            },
            |acc| acc,
        )
        .flat_map(|w| {
            let (n, auctions) = w.value;
            auctions.into_iter().map(move |a| (w.key, a, n))
        })
}

/// (window start, bid) of the bids with the highest price per window.
fn q7<'s>(bids: &DataStream<'s, Bid>) -> DataStream<'s, (i64, Bid)> {
    bids.key_by(|b: &Bid| b.auction)
        .tumbling_window(TUMBLE_MS)
        .aggregate(
            || (i64::MIN, Vec::new()),
            |acc: &mut Highest<Bid>, b: &Bid| keep_highest(acc, b.price, std::slice::from_ref(b)),
            |acc| acc,
        )
        // Per auction's result (at `end - 1`, in the same window): the window's highest.
        .key_by(|w: &WindowResult<u64, Highest<Bid>>| w.start)
        .tumbling_window(TUMBLE_MS)
        .aggregate(
            || (i64::MIN, Vec::new()),
            |acc: &mut Highest<Bid>, w: &WindowResult<u64, Highest<Bid>>| {
                keep_highest(acc, w.value.0, &w.value.1);
            },
            |acc| acc,
        )
        .flat_map(|w| {
            let start = w.key;
            w.value.1.into_iter().map(move |b| (start, b))
        })
}

/// (person, name, window start) of the people who opened an auction in the window they
/// registered in.
fn q8<'s>(
    persons: &DataStream<'s, Person>,
    auctions: &DataStream<'s, Auction>,
) -> DataStream<'s, (u64, String, i64)> {
    persons
        .connect(auctions)
        .key_by(|p: &Person| p.id, |a: &Auction| a.seller)
        .tumbling_window(TUMBLE_MS)
        .aggregate(
            || (None, false),
            |acc: &mut (Option<String>, bool), e: &Either<Person, Auction>| match e {
                Either::Left(p) => acc.0 = Some(p.name.clone()),
                Either::Right(_) => acc.1 = true,
            },
            |acc| acc,
        )
        .flat_map(|w| match w.value {
            (Some(name), true) => Some((w.key, name, w.start)),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::check;
    use crate::nexmark::{baseline, generator};

    #[test]
    fn every_query_equals_the_hand_written_one() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path().join("events");
        let config = generator::Config {
            rate: 1_000,
            seed: 3,
        };
        generator::ensure(&events, 60_000, config).unwrap();
        for query in [
            Query::Q0,
            Query::Q1,
            Query::Q2,
            Query::Q5,
            Query::Q7,
            Query::Q8,
        ] {
            let (ours, theirs) = (
                dir.path().join(format!("strom-{}", query.name())),
                dir.path().join(format!("baseline-{}", query.name())),
            );
            run(
                &RuntimeConfig::default().with_workers(3),
                query,
                &events,
                &ours.to_string_lossy(),
            )
            .unwrap();
            baseline::run(query, &events, &theirs).unwrap();
            let expected = check::read_rows(&theirs, true).unwrap();
            assert!(
                expected.len() > 5,
                "{}: {} rows",
                query.name(),
                expected.len()
            );
            let got = check::read_rows(&ours, true).unwrap();
            assert_eq!(
                check::differences(expected, got, (0.0, 0.0)),
                None,
                "{}",
                query.name()
            );
        }
    }
}
