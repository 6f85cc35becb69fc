//! State time to live (Flink's `StateTtlConfig`): entries stamped with the processing
//! time of their last write (or access), invisible once older than the TTL, and
//! removed when found expired.

use serde::{Deserialize, Serialize};

/// When an entry's age is reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TtlUpdate {
    /// On creation and every write (Flink's default, `OnCreateAndWrite`).
    OnCreateAndWrite,
    /// Also on every read (`OnReadAndWrite`).
    OnReadAndWrite,
}

/// Whether an expired entry not yet removed may still be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TtlVisibility {
    /// Expired entries are never returned (Flink's default).
    NeverReturnExpired,
    /// An expired entry is returned if it is still stored.
    ReturnExpiredIfNotCleanedUp,
}

/// A time to live for state entries, in processing-time milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ttl {
    /// How long an entry lives after its last update (ms; see [`Ttl::ttl`]).
    ttl_ms: i64,
    /// What resets its age.
    pub update: TtlUpdate,
    /// Whether expired entries may be seen.
    pub visibility: TtlVisibility,
}

impl Ttl {
    /// Entries live `ttl` after creation or their last write, and expired ones are
    /// never returned (Flink's `StateTtlConfig.newBuilder(Duration)` defaults).
    ///
    /// # Panics
    /// When `ttl` is not whole milliseconds (see [`crate::time::millis`]).
    pub fn new(ttl: std::time::Duration) -> Self {
        Ttl {
            ttl_ms: crate::time::millis(ttl),
            update: TtlUpdate::OnCreateAndWrite,
            visibility: TtlVisibility::NeverReturnExpired,
        }
    }

    /// How long an entry lives after its last update.
    pub fn ttl(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.ttl_ms.max(0) as u64)
    }

    /// Resets ages on reads too.
    #[must_use]
    pub fn update_on_read(mut self) -> Self {
        self.update = TtlUpdate::OnReadAndWrite;
        self
    }

    /// Lets expired entries be read until they are removed.
    #[must_use]
    pub fn return_expired_if_not_cleaned_up(mut self) -> Self {
        self.visibility = TtlVisibility::ReturnExpiredIfNotCleanedUp;
        self
    }
}

/// A value with the processing time it was last stamped at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamped<V> {
    /// The value.
    pub value: V,
    /// Processing time (ms) of the last write, or read under `OnReadAndWrite`.
    pub stamp: i64,
}

impl<V> Stamped<V> {
    /// `value` written at `now`.
    pub fn new(value: V, now: i64) -> Self {
        Stamped { value, stamp: now }
    }

    /// Whether the entry has expired at `now` under `ttl` (never without one).
    pub fn expired(&self, ttl: Option<&Ttl>, now: i64) -> bool {
        ttl.is_some_and(|t| now.saturating_sub(self.stamp) >= t.ttl_ms)
    }

    /// The value as a read at `now` sees it: `None` when expired and invisible; the
    /// stamp renewed when reads reset ages.
    pub fn read(&mut self, ttl: Option<&Ttl>, now: i64) -> Option<&mut V> {
        let expired = self.expired(ttl, now);
        match ttl {
            Some(t) if expired && t.visibility == TtlVisibility::NeverReturnExpired => None,
            Some(t) => {
                if t.update == TtlUpdate::OnReadAndWrite && !expired {
                    self.stamp = now;
                }
                Some(&mut self.value)
            }
            None => Some(&mut self.value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_visibility_and_renewal() {
        let ttl = Ttl::new(std::time::Duration::from_millis(100));
        let mut s = Stamped::new(5, 1_000);
        assert!(!s.expired(Some(&ttl), 1_099));
        assert!(s.expired(Some(&ttl), 1_100));
        assert!(!s.expired(None, i64::MAX));
        assert_eq!(s.read(Some(&ttl), 1_050).copied(), Some(5));
        assert_eq!(
            s.read(Some(&ttl), 1_100),
            None,
            "on write only: not renewed"
        );
        let lenient = ttl.return_expired_if_not_cleaned_up();
        assert_eq!(s.read(Some(&lenient), 5_000).copied(), Some(5));
        let on_read = Ttl::new(std::time::Duration::from_millis(100)).update_on_read();
        let mut r = Stamped::new(1, 0);
        for now in [90, 180, 270] {
            assert!(r.read(Some(&on_read), now).is_some(), "renewed by reads");
        }
        assert!(r.read(Some(&on_read), 370).is_none());
    }
}
