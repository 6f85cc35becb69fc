//! The Nexmark event generator, after the benchmark's published description (Tucker et
//! al., "NEXMark – A Benchmark for Queries over Data Streams", and the generator of the
//! Apache Beam and Flink Nexmark suites): one stream of events numbered 0, 1, 2, ...
//! whose kind follows the proportions person : auction : bid = 1 : 3 : 46 within each
//! block of 50; ids grow with the event number; bids go to recent ("in flight") auctions
//! and come from recent ("active") people, half of the auctions and three quarters of
//! sellers and bidders drawn from a few hot ones; prices are log-uniform between $1 and
//! $1M; each record is padded with random `extra` text to the configured average size;
//! event time advances by `1/rate` per event from a fixed base.
//!
//! Every event draws from its own random stream seeded by its number, so the data does
//! not depend on how the generation is split, and each engine reads the same files.

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

use super::model::{Auction, Bid, Person};

/// Events per block, and the blocks' people, auctions and bids.
const PERSON_PROPORTION: u64 = 1;
const AUCTION_PROPORTION: u64 = 3;
const TOTAL_PROPORTION: u64 = 50;

/// The first ids (so that ids are not mistaken for event numbers).
pub(crate) const FIRST_PERSON_ID: u64 = 1000;
pub(crate) const FIRST_AUCTION_ID: u64 = 1000;
const FIRST_CATEGORY_ID: u64 = 10;
const NUM_CATEGORIES: u64 = 5;

/// People who may bid or sell at a time, and auctions open at a time.
const NUM_ACTIVE_PEOPLE: u64 = 1000;
const NUM_IN_FLIGHT_AUCTIONS: u64 = 100;
/// How far ahead of the latest person or auction a reference may point.
const PERSON_ID_LEAD: u64 = 10;
const AUCTION_ID_LEAD: u64 = 10;

/// One in `ratio` draws is not hot: hot auctions (1/2 of bids), hot sellers (3/4 of
/// auctions), hot bidders (3/4 of bids); a hot one is the latest multiple of 100.
const HOT_AUCTION_RATIO: u64 = 2;
const HOT_SELLER_RATIO: u64 = 4;
const HOT_BIDDER_RATIO: u64 = 4;
const HOT_GROUP: u64 = 100;

/// Average sizes in bytes the `extra` field pads records to.
const PERSON_BYTES: usize = 200;
const AUCTION_BYTES: usize = 500;
const BID_BYTES: usize = 100;

/// Event time of event 0 (ms since the epoch).
pub(crate) const BASE_TIME_MS: i64 = 1_700_000_000_000;

const FIRST_NAMES: [&str; 11] = [
    "Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter",
];
const LAST_NAMES: [&str; 9] = [
    "Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris",
];
const US_STATES: [&str; 6] = ["AZ", "CA", "ID", "OR", "WA", "WY"];
const US_CITIES: [&str; 10] = [
    "Phoenix",
    "Los Angeles",
    "San Francisco",
    "Boise",
    "Portland",
    "Bend",
    "Redmond",
    "Seattle",
    "Kent",
    "Cheyenne",
];
const HOT_CHANNELS: [&str; 4] = ["Google", "Facebook", "Baidu", "Apple"];

/// One event of the stream.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Event {
    Person(Person),
    Auction(Auction),
    Bid(Bid),
}

/// The generator's settings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Config {
    /// Events per second of event time (all kinds together).
    pub(crate) rate: u64,
    /// Seeds every event's random stream.
    pub(crate) seed: u64,
}

/// A small random stream (SplitMix64), one per event.
struct Random(u64);

impl Random {
    fn for_event(seed: u64, event: u64) -> Random {
        let mut r = Random(seed ^ event.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next_u64();
        r
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len() as u64) as usize]
    }

    /// Lowercase letters with a space now and then, never at either end.
    fn exact_string(&mut self, len: usize) -> String {
        (0..len)
            .map(|i| {
                if i > 0 && i + 1 < len && self.below(13) == 0 {
                    ' '
                } else {
                    (b'a' + self.below(26) as u8) as char
                }
            })
            .collect()
    }

    /// 3 to `max - 1` characters.
    fn string(&mut self, max: usize) -> String {
        let len = 3 + self.below(max as u64 - 3) as usize;
        self.exact_string(len)
    }

    /// Padding that brings a record of `size` bytes to `average` bytes on average
    /// (uniform within ±20%).
    fn extra(&mut self, size: usize, average: usize) -> String {
        if size >= average {
            return String::new();
        }
        let want = average - size;
        let delta = (want as f64 * 0.2).round() as u64;
        let len = want as u64 - delta + self.below(2 * delta + 1);
        self.exact_string(len as usize)
    }

    /// Log-uniform between 100 and 100,000,000 cents.
    fn price(&mut self) -> i64 {
        (10f64.powf(self.unit() * 6.0) * 100.0).round() as i64
    }
}

impl Config {
    /// Event time of event `n` (ms).
    pub(crate) fn timestamp(&self, n: u64) -> i64 {
        BASE_TIME_MS + (u128::from(n) * 1_000 / u128::from(self.rate)) as i64
    }

    /// Event `n`.
    pub(crate) fn event(&self, n: u64) -> Event {
        let mut r = Random::for_event(self.seed, n);
        let ts = self.timestamp(n);
        let offset = n % TOTAL_PROPORTION;
        if offset < PERSON_PROPORTION {
            Event::Person(self.person(n, ts, &mut r))
        } else if offset < PERSON_PROPORTION + AUCTION_PROPORTION {
            Event::Auction(self.auction(n, ts, &mut r))
        } else {
            Event::Bid(bid(n, ts, &mut r))
        }
    }

    fn person(&self, n: u64, ts: i64, r: &mut Random) -> Person {
        let name = format!("{} {}", r.pick(&FIRST_NAMES), r.pick(&LAST_NAMES));
        let email = format!("{}@{}.com", r.string(7), r.string(5));
        let card = (0..4)
            .map(|_| format!("{:04}", r.below(10_000)))
            .collect::<Vec<_>>()
            .join(" ");
        let (city, state) = (r.pick(&US_CITIES).to_string(), r.pick(&US_STATES));
        let size = 8 + name.len() + email.len() + card.len() + city.len() + state.len() + 8;
        Person {
            id: last_person(n) + FIRST_PERSON_ID,
            name,
            email,
            credit_card: card,
            city,
            state: state.to_string(),
            date_time: ts,
            extra: r.extra(size, PERSON_BYTES),
        }
    }

    fn auction(&self, n: u64, ts: i64, r: &mut Random) -> Auction {
        let seller = if r.below(HOT_SELLER_RATIO) > 0 {
            (last_person(n) / HOT_GROUP) * HOT_GROUP
        } else {
            next_person(n, r)
        };
        let category = FIRST_CATEGORY_ID + r.below(NUM_CATEGORIES);
        let initial_bid = r.price();
        let expires = ts + self.auction_length_ms(n, ts, r);
        let item_name = r.string(20);
        let description = r.string(100);
        let reserve = initial_bid + r.price();
        let size = 8 + item_name.len() + description.len() + 8 + 8 + 8 + 8 + 8;
        Auction {
            id: last_auction(n) + FIRST_AUCTION_ID,
            item_name,
            description,
            initial_bid,
            reserve,
            date_time: ts,
            expires,
            seller: seller + FIRST_PERSON_ID,
            category,
            extra: r.extra(size, AUCTION_BYTES),
        }
    }

    /// Auctions stay open about as long as it takes for `NUM_IN_FLIGHT_AUCTIONS` more
    /// to open (uniform in twice that).
    fn auction_length_ms(&self, n: u64, ts: i64, r: &mut Random) -> i64 {
        let events = NUM_IN_FLIGHT_AUCTIONS * TOTAL_PROPORTION / AUCTION_PROPORTION;
        let horizon = (self.timestamp(n + events) - ts).max(0) as u64;
        1 + r.below((horizon * 2).max(1)) as i64
    }
}

fn bid(n: u64, ts: i64, r: &mut Random) -> Bid {
    let auction = if r.below(HOT_AUCTION_RATIO) > 0 {
        (last_auction(n) / HOT_GROUP) * HOT_GROUP
    } else {
        next_auction(n, r)
    };
    let bidder = if r.below(HOT_BIDDER_RATIO) > 0 {
        (last_person(n) / HOT_GROUP) * HOT_GROUP + 1
    } else {
        next_person(n, r)
    };
    let price = r.price();
    let (channel, url) = if r.below(2) > 0 {
        let i = r.below(HOT_CHANNELS.len() as u64) as usize;
        let channel = HOT_CHANNELS[i];
        (
            channel.to_string(),
            format!(
                "https://www.nexmark.com/{}/item.htm?query=1",
                channel.to_lowercase()
            ),
        )
    } else {
        let c = r.below(10_000);
        let url = format!(
            "https://www.nexmark.com/{}/{}/{}/item.htm?query=1&channel_id={c}",
            r.string(5),
            r.string(5),
            r.string(5)
        );
        (format!("channel-{c}"), url)
    };
    let size = 8 + 8 + 8 + channel.len() + url.len() + 8;
    Bid {
        auction: auction + FIRST_AUCTION_ID,
        bidder: bidder + FIRST_PERSON_ID,
        price,
        channel,
        url,
        date_time: ts,
        extra: r.extra(size, BID_BYTES),
    }
}

/// The 0-based id of the latest person at event `n`.
fn last_person(n: u64) -> u64 {
    let (block, offset) = (n / TOTAL_PROPORTION, n % TOTAL_PROPORTION);
    // Past the block's people, the latest is its last one.
    let within = if offset < PERSON_PROPORTION {
        offset
    } else {
        PERSON_PROPORTION - 1
    };
    block * PERSON_PROPORTION + within
}

/// The 0-based id of the latest auction at event `n` (of the previous block before a
/// block's first auction).
fn last_auction(n: u64) -> u64 {
    let (block, offset) = (n / TOTAL_PROPORTION, n % TOTAL_PROPORTION);
    if offset < PERSON_PROPORTION {
        (block * AUCTION_PROPORTION).saturating_sub(1)
    } else if offset >= PERSON_PROPORTION + AUCTION_PROPORTION {
        block * AUCTION_PROPORTION + AUCTION_PROPORTION - 1
    } else {
        block * AUCTION_PROPORTION + offset - PERSON_PROPORTION
    }
}

/// An active person at event `n` (0-based; slightly ahead of the latest, at times).
fn next_person(n: u64, r: &mut Random) -> u64 {
    let people = last_person(n) + 1;
    let active = people.min(NUM_ACTIVE_PEOPLE);
    people - active + r.below(active + PERSON_ID_LEAD)
}

/// An auction in flight at event `n` (0-based; slightly ahead of the latest, at times).
fn next_auction(n: u64, r: &mut Random) -> u64 {
    let last = last_auction(n);
    let first = last.saturating_sub(NUM_IN_FLIGHT_AUCTIONS);
    first + r.below(last - first + 1 + AUCTION_ID_LEAD)
}

/// What [`ensure`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) persons: u64,
    pub(crate) auctions: u64,
    pub(crate) bids: u64,
}

/// How many events of each kind the first `events` events hold.
pub(crate) fn counts(events: u64) -> Counts {
    let (blocks, rest) = (events / TOTAL_PROPORTION, events % TOTAL_PROPORTION);
    let persons = blocks * PERSON_PROPORTION + rest.min(PERSON_PROPORTION);
    let auctions = blocks * AUCTION_PROPORTION
        + rest
            .saturating_sub(PERSON_PROPORTION)
            .min(AUCTION_PROPORTION);
    Counts {
        persons,
        auctions,
        bids: events - persons - auctions,
    }
}

/// Writes the first `events` events into `dir` as `person.csv`, `auction.csv` and
/// `bid.csv` (no header lines; columns as [`Person::CSV_HEADER`] and the others), in
/// event order, unless they are there already.
pub(crate) fn ensure(dir: &Path, events: u64, config: Config) -> Result<Counts> {
    let done = dir.join(".complete");
    if done.exists() {
        return Ok(counts(events));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    let open = |name: &str| -> Result<BufWriter<std::fs::File>> {
        let path = dir.join(name);
        let file = std::fs::File::create(&path).with_context(|| format!("{}", path.display()))?;
        Ok(BufWriter::with_capacity(1 << 20, file))
    };
    let (mut persons, mut auctions, mut bids) =
        (open("person.csv")?, open("auction.csv")?, open("bid.csv")?);
    for n in 0..events {
        match config.event(n) {
            Event::Person(p) => writeln!(persons, "{}", p.csv())?,
            Event::Auction(a) => writeln!(auctions, "{}", a.csv())?,
            Event::Bid(b) => writeln!(bids, "{}", b.csv())?,
        }
    }
    for mut w in [persons, auctions, bids] {
        w.flush()?;
    }
    std::fs::write(&done, format!("{events} events, rate {}\n", config.rate))?;
    Ok(counts(events))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: Config = Config {
        rate: 1_000,
        seed: 7,
    };

    #[test]
    fn proportions_ids_and_time() {
        let events: Vec<Event> = (0..5_000).map(|n| CONFIG.event(n)).collect();
        let persons = events
            .iter()
            .filter(|e| matches!(e, Event::Person(_)))
            .count();
        let auctions = events
            .iter()
            .filter(|e| matches!(e, Event::Auction(_)))
            .count();
        assert_eq!((persons, auctions), (100, 300));
        assert_eq!(
            counts(5_000),
            Counts {
                persons: 100,
                auctions: 300,
                bids: 4_600
            }
        );
        assert_eq!(
            counts(52),
            Counts {
                persons: 2,
                auctions: 4,
                bids: 46
            }
        );
        // Event 0 is the first person, events 1..4 the first auctions, each id in order.
        let Event::Person(p) = &events[0] else {
            panic!("event 0 is a person")
        };
        assert_eq!(p.id, FIRST_PERSON_ID);
        let ids: Vec<u64> = events
            .iter()
            .filter_map(|e| match e {
                Event::Auction(a) => Some(a.id),
                _ => None,
            })
            .collect();
        assert_eq!(
            ids,
            (0..300).map(|i| FIRST_AUCTION_ID + i).collect::<Vec<_>>()
        );
        // 1,000 events per second of event time.
        assert_eq!(CONFIG.timestamp(0), BASE_TIME_MS);
        assert_eq!(CONFIG.timestamp(2_500), BASE_TIME_MS + 2_500);
    }

    #[test]
    fn bids_go_to_existing_auctions_and_people_mostly_hot() {
        let mut hot = 0;
        let mut bids = 0;
        for n in 0..20_000 {
            if let Event::Bid(b) = CONFIG.event(n) {
                bids += 1;
                // At most AUCTION_ID_LEAD ahead of the latest auction.
                assert!(b.auction <= last_auction(n) + AUCTION_ID_LEAD + FIRST_AUCTION_ID);
                assert!(b.bidder <= last_person(n) + PERSON_ID_LEAD + FIRST_PERSON_ID + 1);
                if (b.auction - FIRST_AUCTION_ID).is_multiple_of(HOT_GROUP) {
                    hot += 1;
                }
                assert!((100..=100_000_000).contains(&b.price));
                assert!(!b.extra.starts_with(' ') && !b.extra.ends_with(' '));
            }
        }
        // Half the bids go to the hot auction (and a few others land on a multiple of 100).
        let share = f64::from(hot) / f64::from(bids);
        assert!((0.48..0.56).contains(&share), "hot share {share}");
    }

    #[test]
    fn same_event_same_data() {
        assert_eq!(CONFIG.event(12_345), CONFIG.event(12_345));
        let other = Config { seed: 8, ..CONFIG };
        assert_ne!(CONFIG.event(12_345), other.event(12_345));
    }

    #[test]
    fn records_average_their_configured_size() {
        let (mut bytes, mut n) = (0, 0);
        for e in 0..50_000 {
            if let Event::Bid(b) = CONFIG.event(e) {
                bytes += b.csv().len();
                n += 1;
            }
        }
        let average = bytes / n;
        assert!(
            (85..=125).contains(&average),
            "average bid line {average} bytes"
        );
    }
}
