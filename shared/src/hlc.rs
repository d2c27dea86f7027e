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

/// One device's clock. The wall time is passed in (`shared` never reads the clock).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    pub last: Hlc,
}

impl Clock {
    /// The stamp of a new local event at wall time `now_ms`: later than every stamp this
    /// clock has issued or seen.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        self.last = if now_ms > self.last.ms {
            Hlc::new(now_ms, 0)
        } else {
            Hlc::new(self.last.ms, self.last.counter.saturating_add(1))
        };
        self.last
    }

    /// Takes in a stamp from another device, so this device's next events sort after it.
    pub fn observe(&mut self, remote: Hlc) {
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
        clock.observe(Hlc::new(86_400_000 + 1_000, 3)); // a device a day ahead
        let c = clock.tick(2_000);
        assert!(c > Hlc::new(86_400_000 + 1_000, 3));
    }
}
