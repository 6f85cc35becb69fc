//! Epoch ticking of a source split (`docs/0009-checkpoints.md`, rule 1): the split
//! moves to the next epoch when its processing clock passes the next multiple of the
//! checkpoint interval since the job started; after a stop request (a savepoint with
//! stop), it ends at that point instead.
//!
//! Known limitation: whether a stop was asked for is read from the checkpoint folder
//! (one small read, only when an epoch is due), on the worker thread.

use std::time::Duration;

/// What a split does at an activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tick {
    /// Stay in the epoch.
    Stay,
    /// Move to this epoch (after acknowledging its position in the current one).
    To(u64),
    /// The job stops with a savepoint: end here, without a last position.
    Stop,
}

/// A split's epoch clock.
pub(super) struct EpochTicker {
    interval: Duration,
    first: u64,
    dir: String,
    started: i64,
}

impl EpochTicker {
    /// Epochs `first, first + 1, ...` every `interval` from `started` (ms of the
    /// processing clock), stop requests looked up in the checkpoint folder `dir`.
    pub(super) fn new(interval: Duration, first: u64, dir: String, started: i64) -> Self {
        EpochTicker {
            interval,
            first,
            dir,
            started,
        }
    }

    /// What to do at `now` in `epoch`.
    pub(super) fn tick(&self, now: i64, epoch: u64) -> Tick {
        let elapsed = (now - self.started).max(0) as u128;
        let target = self.first + (elapsed / self.interval.as_millis().max(1)) as u64;
        if target <= epoch {
            Tick::Stay
        } else if crate::checkpoint::stop_requested(&self.dir) {
            Tick::Stop
        } else {
            Tick::To(target)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_tick_on_the_interval_and_a_stop_ends_them() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().to_str().unwrap().to_string();
        let ticker = EpochTicker::new(Duration::from_millis(100), 5, url, 1_000);
        assert_eq!(ticker.tick(1_050, 5), Tick::Stay);
        assert_eq!(ticker.tick(1_250, 5), Tick::To(7));
        assert_eq!(ticker.tick(1_250, 7), Tick::Stay);
        std::fs::write(dir.path().join(crate::checkpoint::STOP), "6").unwrap();
        assert_eq!(ticker.tick(1_250, 5), Tick::Stop);
    }
}
