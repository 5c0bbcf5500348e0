//! Event time as the engines see it: when something happened, in signed nanoseconds. Signed because
//! windows and watermarks reach before the run's start (a sliding window holding time 0 starts before it,
//! a watermark starts at the earliest time there is), unlike `SimTime`, the simulator's own clock.

use crate::time::SimTime;
use std::fmt;
use std::ops::{Add, Sub};

/// A point in event time (a record's timestamp, a window bound, a watermark), in nanoseconds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventTime(i64);

impl EventTime {
    /// The watermark before any record (Flink's Long.MIN_VALUE).
    pub const MIN: EventTime = EventTime(i64::MIN);
    /// The final watermark of a bounded input (Flink's Long.MAX_VALUE).
    pub const MAX: EventTime = EventTime(i64::MAX);
    pub const ZERO: EventTime = EventTime(0);

    pub const fn from_nanos(ns: i64) -> EventTime {
        EventTime(ns)
    }

    pub const fn from_ms(ms: i64) -> EventTime {
        EventTime(ms.saturating_mul(1_000_000))
    }

    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// Whole milliseconds, rounded towards the past (-0.5 ms is in millisecond -1).
    pub const fn as_ms(self) -> i64 {
        self.0.div_euclid(1_000_000)
    }

    /// The same instant on the simulator's clock; before its start is its start.
    pub fn as_sim_time(self) -> SimTime {
        SimTime(u64::try_from(self.0).unwrap_or(0))
    }
}

/// An instant of the simulator's clock as an event time (a record's timestamp, processing time).
impl From<SimTime> for EventTime {
    fn from(t: SimTime) -> EventTime {
        EventTime(i64::try_from(t.0).unwrap_or(i64::MAX))
    }
}

/// A span later, saturating at `EventTime::MAX`.
impl Add<SimTime> for EventTime {
    type Output = EventTime;
    fn add(self, d: SimTime) -> EventTime {
        EventTime(self.0.saturating_add_unsigned(d.0))
    }
}

/// A span earlier, saturating at `EventTime::MIN`.
impl Sub<SimTime> for EventTime {
    type Output = EventTime;
    fn sub(self, d: SimTime) -> EventTime {
        EventTime(self.0.saturating_sub_unsigned(d.0))
    }
}

/// Nanoseconds, as the engines' rules count them.
impl fmt::Debug for EventTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            EventTime::MIN => write!(f, "EventTime::MIN"),
            EventTime::MAX => write!(f, "EventTime::MAX"),
            EventTime(ns) => write!(f, "EventTime({ns})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_saturate_at_the_ends_of_event_time() {
        assert_eq!(EventTime::from_ms(3) + SimTime::from_millis(2), EventTime::from_ms(5));
        assert_eq!(EventTime::from_ms(3) - SimTime::from_millis(5), EventTime::from_ms(-2));
        assert_eq!(EventTime::MAX + SimTime::from_nanos(1), EventTime::MAX);
        assert_eq!(EventTime::MIN - SimTime::from_nanos(1), EventTime::MIN);
        assert_eq!(EventTime::from_nanos(-5) + SimTime::MAX, EventTime::MAX, "no overflow on the way");
        assert_eq!(EventTime::from_ms(i64::MIN / 1000), EventTime::MIN);
    }

    #[test]
    fn conversions_round_towards_the_past_and_clamp_to_the_clock() {
        assert_eq!(EventTime::from_nanos(-1).as_ms(), -1, "just before 0 is in millisecond -1");
        assert_eq!(EventTime::from_nanos(1_999_999).as_ms(), 1);
        assert_eq!(EventTime::from(SimTime::from_millis(7)), EventTime::from_ms(7));
        assert_eq!(EventTime::from(SimTime::MAX), EventTime::MAX);
        assert_eq!(EventTime::from_ms(7).as_sim_time(), SimTime::from_millis(7));
        assert_eq!(EventTime::from_ms(-7).as_sim_time(), SimTime::ZERO);
        assert_eq!(format!("{:?}", [EventTime::MIN, EventTime::from_nanos(-3)]), "[EventTime::MIN, EventTime(-3)]");
    }
}
