//! Hybrid logical clocks: a stamp that follows the wall clock when it can and a counter when it
//! cannot, so every event gets a total order that respects causality on one device and across
//! devices that have seen each other's events — even when a tablet's clock is a day off.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A stamp: milliseconds since the epoch as the clock believed them, and a counter for events in
/// the same millisecond. Encoded as `000001773139800000-00000`, which sorts as text like the
/// stamps do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hlc {
    pub ms: u64,
    pub counter: u32,
}

impl Hlc {
    pub fn new(ms: u64, counter: u32) -> Hlc {
        Hlc { ms, counter }
    }

    /// Parses the text form; `None` for anything else.
    pub fn parse(s: &str) -> Option<Hlc> {
        let (ms, counter) = s.split_once('-')?;
        if ms.len() != 15 || counter.len() != 5 {
            return None;
        }
        Some(Hlc {
            ms: ms.parse().ok()?,
            counter: counter.parse().ok()?,
        })
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:015}-{:05}", self.ms, self.counter)
    }
}

impl Serialize for Hlc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Hlc, D::Error> {
        let s = String::deserialize(d)?;
        Hlc::parse(&s).ok_or_else(|| serde::de::Error::custom("not a clock stamp"))
    }
}

/// The largest counter the text form holds (five digits).
pub const MAX_COUNTER: u32 = 99_999;

/// One device's clock. The wall time is passed in (`shared` never reads the clock).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub last: Hlc,
}

impl Clock {
    /// The stamp of a new local event at wall time `now_ms`: later than every stamp this
    /// clock has issued or seen. When the counter is full the stamp moves to the next
    /// millisecond instead, so the text form never overflows. A clock that an earlier bad stamp
    /// carried more than [`crate::arrival::MAX_AHEAD_MS`] past the wall clock starts again
    /// from the wall clock: its stamps would be refused everywhere, and a tablet that can
    /// never send again is worse than one event sorted early.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        let ahead = self.last.ms.saturating_sub(now_ms);
        self.last = if now_ms > self.last.ms || ahead > crate::arrival::MAX_AHEAD_MS as u64 {
            Hlc::new(now_ms, 0)
        } else if self.last.counter >= MAX_COUNTER {
            Hlc::new(self.last.ms + 1, 0)
        } else {
            Hlc::new(self.last.ms, self.last.counter + 1)
        };
        self.last
    }

    /// Takes in a stamp from another device, so this device's next events sort after it — unless
    /// it lies further ahead of the wall clock `now_ms` than any receiver accepts (a stamp
    /// stored before the arrival check existed): following it would stop this device's own
    /// events from being accepted.
    pub fn observe(&mut self, remote: Hlc, now_ms: u64) {
        if remote.ms > now_ms.saturating_add(crate::arrival::MAX_AHEAD_MS as u64)
            || remote.counter > MAX_COUNTER
        {
            return;
        }
        if remote > self.last {
            self.last = remote;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_sort_as_text_like_as_values() {
        let a = Hlc::new(1_773_139_800_000, 0);
        let b = Hlc::new(1_773_139_800_000, 1);
        let c = Hlc::new(1_773_139_800_001, 0);
        assert!(a < b && b < c);
        assert!(a.to_string() < b.to_string() && b.to_string() < c.to_string());
        assert_eq!(Hlc::parse(&b.to_string()), Some(b));
        assert_eq!(Hlc::parse("yesterday"), None);
    }

    #[test]
    fn a_clock_never_goes_back_and_follows_what_it_saw() {
        let mut clock = Clock::default();
        let a = clock.tick(1_000);
        let b = clock.tick(900); // the wall clock jumped back
        assert!(b > a);
        clock.observe(Hlc::new(86_400_000 + 1_000, 3), 1_500); // a device a day ahead
        let c = clock.tick(2_000);
        assert!(c > Hlc::new(86_400_000 + 1_000, 3));
    }

    #[test]
    fn a_full_counter_moves_to_the_next_millisecond() {
        let mut clock = Clock {
            last: Hlc::new(5_000, MAX_COUNTER - 1),
        };
        assert_eq!(clock.tick(4_000), Hlc::new(5_000, MAX_COUNTER));
        let next = clock.tick(4_000);
        assert_eq!(next, Hlc::new(5_001, 0));
        assert_eq!(Hlc::parse(&next.to_string()), Some(next));
    }

    #[test]
    fn a_stamp_far_ahead_is_not_followed_and_a_poisoned_clock_recovers() {
        let now = 1_773_139_800_000_u64;
        let mut clock = Clock::default();
        clock.observe(Hlc::new(now + 10 * 365 * 86_400_000, 0), now);
        clock.observe(Hlc::new(999_999_999_999_999, 99_999), now);
        assert_eq!(clock.tick(now), Hlc::new(now, 0));
        // A clock that followed such a stamp before this rule existed.
        let mut poisoned = Clock {
            last: Hlc::new(999_999_999_999_999, 99_999),
        };
        assert_eq!(poisoned.tick(now), Hlc::new(now, 0));
        // A day ahead is still followed.
        let mut clock = Clock::default();
        clock.observe(Hlc::new(now + 86_400_000, 7), now);
        assert_eq!(clock.tick(now), Hlc::new(now + 86_400_000, 8));
    }
}
