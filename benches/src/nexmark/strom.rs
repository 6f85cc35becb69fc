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
//!
//! Each query's source gives only the columns it uses, as Flink's and Spark's planners
//! push projections into their scans.

use std::sync::Arc;
use std::time::Duration;

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
        WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(
            WATERMARK_MS.unsigned_abs(),
        )),
    )
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
        let persons: Arc<[(i64, (u64, String))]> =
            read_all(&dir.join("person.csv"), Person::parse)?
                .into_iter()
                .map(|p| (p.date_time, (p.id, p.name)))
                .collect();
        let sellers: Arc<[(i64, u64)]> = read_all(&dir.join("auction.csv"), Auction::parse)?
            .into_iter()
            .map(|a| (a.date_time, a.seller))
            .collect();
        strom_datastream::run(config, move |env| {
            q8(&source(env, &persons), &source(env, &sellers))
                .write_lines(sink.clone(), |(id, name, start)| {
                    format!("{id},{name},{start}")
                });
        })?;
        return Ok(());
    }
    let bids = read_all(&dir.join("bid.csv"), Bid::parse)?;
    // Each query's source gives only the columns the query uses (the projection Flink's
    // and Spark's planners push into their scans).
    match query {
        Query::Q0 | Query::Q1 => {
            let rows = project(bids, |b| {
                (b.auction, b.bidder, b.price, b.date_time, b.extra)
            });
            strom_datastream::run(config, move |env| {
                let rows = source(env, &rows);
                if query == Query::Q0 {
                    rows.write_lines(sink.clone(), |(a, by, p, t, e)| {
                        format!("{a},{by},{p},{t},{e}")
                    });
                } else {
                    rows.write_lines(sink.clone(), |(a, by, p, t, e)| {
                        format!("{a},{by},{},{t},{e}", euros(*p))
                    });
                }
            })?;
        }
        Query::Q2 => {
            let rows = project(bids, |b| (b.auction, b.price));
            strom_datastream::run(config, move |env| {
                source(env, &rows)
                    .filter(|(auction, _)| q2_selects(*auction))
                    .write_lines(sink.clone(), |(a, p)| format!("{a},{p}"));
            })?;
        }
        Query::Q5 => {
            let auctions = project(bids, |b| b.auction);
            strom_datastream::run(config, move |env| {
                q5(&source(env, &auctions))
                    .write_lines(sink.clone(), |(start, a, n)| format!("{start},{a},{n}"));
            })?;
        }
        Query::Q7 => {
            let rows = project(bids, |b| (b.auction, b.bidder, b.price, b.date_time));
            strom_datastream::run(config, move |env| {
                q7(&source(env, &rows)).write_lines(sink.clone(), |(start, (a, by, p, t))| {
                    format!("{start},{a},{by},{p},{t}")
                });
            })?;
        }
        Query::Q8 => unreachable!("q8 reads people"),
    }
    Ok(())
}

/// The bids' `columns`, stamped with their event time.
fn project<T>(bids: Vec<Bid>, columns: fn(Bid) -> T) -> Arc<[(i64, T)]> {
    bids.into_iter()
        .map(|b| (b.date_time, columns(b)))
        .collect()
}

/// (window start, auction, bids) of the auctions with the most bids per window.
fn q5<'s>(auctions: &DataStream<'s, u64>) -> DataStream<'s, (i64, u64, u64)> {
    auctions
        .key_by(|auction: &u64| *auction)
        .sliding_window(
            Duration::from_millis(Q5_SIZE_MS.unsigned_abs()),
            Duration::from_millis(Q5_SLIDE_MS.unsigned_abs()),
        )
        .aggregate(|| 0u64, |n, _| *n += 1, |n| n)
        // A result carries event time `end - 1`: the tumbling window of one slide
        // holding it holds the results of exactly one sliding window.
        .key_by(|w: &WindowResult<u64, u64>| w.start)
        .tumbling_window(Duration::from_millis(Q5_SLIDE_MS.unsigned_abs()))
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

/// The columns of a bid q7 writes: auction, bidder, price, time.
type BidRow = (u64, u64, i64, i64);

/// (window start, bid) of the bids with the highest price per window.
fn q7<'s>(bids: &DataStream<'s, BidRow>) -> DataStream<'s, (i64, BidRow)> {
    bids.key_by(|b: &BidRow| b.0)
        .tumbling_window(Duration::from_millis(TUMBLE_MS.unsigned_abs()))
        .aggregate(
            || (i64::MIN, Vec::new()),
            |acc: &mut Highest<BidRow>, b: &BidRow| keep_highest(acc, b.2, std::slice::from_ref(b)),
            |acc| acc,
        )
        // Per auction's result (at `end - 1`, in the same window): the window's highest.
        .key_by(|w: &WindowResult<u64, Highest<BidRow>>| w.start)
        .tumbling_window(Duration::from_millis(TUMBLE_MS.unsigned_abs()))
        .aggregate(
            || (i64::MIN, Vec::new()),
            |acc: &mut Highest<BidRow>, w: &WindowResult<u64, Highest<BidRow>>| {
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
    persons: &DataStream<'s, (u64, String)>,
    sellers: &DataStream<'s, u64>,
) -> DataStream<'s, (u64, String, i64)> {
    persons
        .connect(sellers)
        .key_by(|p: &(u64, String)| p.0, |seller: &u64| *seller)
        .tumbling_window(Duration::from_millis(TUMBLE_MS.unsigned_abs()))
        .aggregate(
            || (None, false),
            |acc: &mut (Option<String>, bool), e: &Either<(u64, String), u64>| match e {
                Either::Left((_, name)) => acc.0 = Some(name.clone()),
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
