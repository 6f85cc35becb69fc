//! The generator source (Flink's `DataGeneratorSource`): records made from their
//! index by a function, at a fixed rate across the job, for tests and benchmarks.

use std::time::Duration;

use super::{Poll, Position, SplitReader, Timestamps};
use crate::env::StreamEnv;
use crate::stream::{Data, DataStream};
use crate::watermark::WatermarkStrategy;

/// How many records, how fast.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Generator {
    /// Records in all (`None`: without end).
    pub count: Option<u64>,
    /// Records per second across all workers (`None`: as fast as they can be made).
    pub rate: Option<f64>,
}

/// Worker `index` of `peers` makes the indices `index, index + peers, ...`, paced so
/// that all workers together keep the rate.
struct GeneratorSplit<T> {
    make: Box<dyn Fn(u64) -> T>,
    index: u64,
    peers: u64,
    /// Indices made so far by this split.
    made: u64,
    /// This split's share of the count.
    share: Option<u64>,
    /// Records per ms for this split, and when it started (processing time).
    pace: Option<(f64, i64)>,
    clock: strom_core::time::ProcessingClock,
}

impl<T: 'static> SplitReader<T> for GeneratorSplit<T> {
    fn read(&mut self, out: &mut Vec<T>, max: usize) -> Poll {
        let left = self.share.map_or(u64::MAX, |s| s - self.made);
        if left == 0 {
            return Poll::Done;
        }
        let mut n = left.min(max as u64);
        if let Some((per_ms, start)) = self.pace {
            let due = ((self.clock.now() - start) as f64 * per_ms) as u64 + 1;
            let ready = due.saturating_sub(self.made);
            if ready == 0 {
                let wait = (self.made as f64 / per_ms) as i64 + start - self.clock.now();
                return Poll::Pending(Duration::from_millis(wait.clamp(1, 1_000) as u64));
            }
            n = n.min(ready);
        }
        for i in 0..n {
            out.push((self.make)((self.made + i) * self.peers + self.index));
        }
        self.made += n;
        Poll::Ready
    }

    fn position(&self) -> Position {
        Position::Records(self.made)
    }

    fn seek(&mut self, position: &Position) -> Result<(), String> {
        self.made = position.records()?;
        Ok(())
    }
}

impl<'s> StreamEnv<'s> {
    /// Records `make(0)`, `make(1)`, ... as `generator` says, spread over the workers,
    /// with event times from `timestamps`.
    pub fn generate<T: Data>(
        &self,
        generator: Generator,
        make: impl Fn(u64) -> T + 'static,
        timestamps: Timestamps<T>,
        strategy: WatermarkStrategy,
    ) -> DataStream<'s, T> {
        let (index, peers) = (self.index() as u64, self.peers() as u64);
        let share = generator
            .count
            .map(|c| c / peers + u64::from(index < c % peers));
        let split = GeneratorSplit {
            make: Box::new(make),
            index,
            peers,
            made: 0,
            share,
            pace: generator
                .rate
                .map(|r| (r / peers as f64 / 1_000.0, self.clock().now())),
            clock: self.clock().clone(),
        };
        self.source("GeneratorSource", split, timestamps, strategy)
    }
}
