//! Clocks counted from the aiootp epoch, 2023-01-01T00:00:00Z.
//!
//! Every timestamp in the formats is whole units since [`EPOCH`]; tests and
//! known-answer runners inject a [`FixedClock`] instead of reading the wall.

use crate::error::{Error, Result};
use std::time::{SystemTime, UNIX_EPOCH};

/// The aiootp epoch in Unix seconds (2023-01-01T00:00:00Z).
pub const EPOCH: u64 = 1_672_531_200;
/// The aiootp epoch in Unix nanoseconds.
pub const EPOCH_NS: u64 = EPOCH * 1_000_000_000;

/// A source of the current time.
pub trait Clock: Send + Sync + core::fmt::Debug {
    /// Nanoseconds since the Unix epoch (negative before 1970).
    fn unix_nanos(&self) -> i128;

    /// Whole seconds since [`EPOCH`], rounded down (`this_second(EPOCH_NS)`).
    fn seconds(&self) -> i64 {
        let ns = self.unix_nanos() - i128::from(EPOCH_NS);
        i64::try_from(ns.div_euclid(1_000_000_000)).unwrap_or(i64::MAX)
    }

    /// Nanoseconds since [`EPOCH`].
    fn nanoseconds(&self) -> i128 {
        self.unix_nanos() - i128::from(EPOCH_NS)
    }

    /// The 4-byte big-endian seconds timestamp of the cipher's inner header.
    ///
    /// # Errors
    /// [`Error::ClockOutOfRange`] before 2023 or after 2159, where the
    /// reference raises `OverflowError`.
    fn timestamp_seconds_4(&self) -> Result<[u8; 4]> {
        u32::try_from(self.seconds())
            .map(u32::to_be_bytes)
            .map_err(|_| Error::ClockOutOfRange)
    }
}

/// The operating system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn unix_nanos(&self) -> i128 {
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(d) => i128::try_from(d.as_nanos()).unwrap_or(i128::MAX),
            Err(e) => -i128::try_from(e.duration().as_nanos()).unwrap_or(i128::MAX),
        }
    }
}

/// A clock stopped at a chosen instant, for tests and known-answer runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock {
    unix_nanos: i128,
}

impl FixedClock {
    /// A clock reading `seconds` after [`EPOCH`] (the unit of `now` in the vectors).
    #[must_use]
    pub fn at_epoch_seconds(seconds: i64) -> Self {
        Self {
            unix_nanos: (i128::from(seconds) + i128::from(EPOCH)) * 1_000_000_000,
        }
    }

    /// A clock reading `unix_nanos` nanoseconds after the Unix epoch.
    #[must_use]
    pub fn at_unix_nanos(unix_nanos: i128) -> Self {
        Self { unix_nanos }
    }
}

impl Clock for FixedClock {
    fn unix_nanos(&self) -> i128 {
        self.unix_nanos
    }
}

/// What a ttl check found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    /// `delta - ttl`, in the clock's unit.
    pub expired_by: i64,
}

/// `Clock.test_timestamp(ts, ttl)`: `delta = now - ts`; a `ttl` of 0 disables
/// the check; otherwise `delta > ttl` has expired by `delta - ttl`.
/// `delta == ttl` passes and future timestamps always pass.
///
/// # Errors
/// [`Expired`] with the overshoot.
pub fn test_timestamp(now: i64, timestamp: i64, ttl: i64) -> Result<(), Expired> {
    if ttl == 0 {
        return Ok(());
    }
    let delta = now.saturating_sub(timestamp);
    if delta > ttl {
        return Err(Expired {
            expired_by: delta.saturating_sub(ttl),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_down_from_epoch() {
        assert_eq!(FixedClock::at_epoch_seconds(5).seconds(), 5);
        let c = FixedClock::at_unix_nanos(i128::from(EPOCH_NS) - 1);
        assert_eq!(c.seconds(), -1);
        assert!(c.timestamp_seconds_4().is_err());
        assert_eq!(
            FixedClock::at_epoch_seconds(0x0102_0304)
                .timestamp_seconds_4()
                .unwrap(),
            [1, 2, 3, 4]
        );
        assert!(SystemClock.seconds() > 100_000_000);
    }

    #[test]
    fn ttl_rules_match_reference() {
        assert_eq!(test_timestamp(100, 90, 0), Ok(()));
        assert_eq!(test_timestamp(100, 90, 10), Ok(()));
        assert_eq!(test_timestamp(100, 90, 9), Err(Expired { expired_by: 1 }));
        assert_eq!(test_timestamp(100, 200, 1), Ok(()));
        assert_eq!(test_timestamp(100, 100, -1), Err(Expired { expired_by: 1 }));
    }
}
