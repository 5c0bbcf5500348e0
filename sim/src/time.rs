//! Virtual time: integer nanoseconds, never a floating-point or wall clock.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A point in simulated time, or a span of it, in nanoseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SimTime(pub u64);

/// The latest time a scenario or trace may name, in milliseconds (about 31.7 years). Every time and duration
/// is refused above it, so that sums of a few of them stay far inside the engines' signed nanoseconds
/// (`EventTime`: `i64::MAX` ns is about 292 years) and no arithmetic on them can overflow.
pub const MAX_MS: u64 = 1_000_000_000_000;

/// A number for a message: huge and tiny ones in scientific notation instead of hundreds of digits.
pub fn show_f64(v: f64) -> String {
    if v != 0.0 && !(1e-6..1e15).contains(&v.abs()) { format!("{v:e}") } else { format!("{v}") }
}

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const fn from_nanos(ns: u64) -> Self {
        SimTime(ns)
    }
    // The constructors saturate at `SimTime::MAX` (never reached by a validated scenario) instead of wrapping.
    pub const fn from_micros(us: u64) -> Self {
        SimTime(us.saturating_mul(1_000))
    }
    pub const fn from_millis(ms: u64) -> Self {
        SimTime(ms.saturating_mul(1_000_000))
    }
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s.saturating_mul(1_000_000_000))
    }
    /// Rounds a number of milliseconds to the nearest nanosecond: negative and NaN give 0, and draws from
    /// heavy tails are capped at `MAX_MS`.
    pub fn from_millis_f64(ms: f64) -> Self {
        let ms = if ms.is_nan() { 0.0 } else { ms.clamp(0.0, MAX_MS as f64) };
        SimTime((ms * 1e6).round() as u64)
    }
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    /// Whole milliseconds, rounded down.
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000_000
    }
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }
    pub fn saturating_sub(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(other.0))
    }
}

impl Add for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for SimTime {
    fn add_assign(&mut self, rhs: SimTime) {
        *self = *self + rhs;
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    fn sub(self, rhs: SimTime) -> SimTime {
        self.saturating_sub(rhs)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3} ms", self.as_millis_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn construction_saturates_instead_of_wrapping() {
        assert_eq!(SimTime::from_millis(u64::MAX), SimTime::MAX);
        assert_eq!(SimTime::from_secs(u64::MAX), SimTime::MAX);
        assert_eq!(SimTime::from_millis(MAX_MS) + SimTime::from_millis(MAX_MS), SimTime(2 * MAX_MS * 1_000_000));
        assert_eq!(SimTime::MAX + SimTime(1), SimTime::MAX);
        assert_eq!(SimTime(1) - SimTime(2), SimTime::ZERO);
    }

    #[test]
    fn float_milliseconds_are_clamped_into_range() {
        assert_eq!(SimTime::from_millis_f64(f64::NAN), SimTime::ZERO);
        assert_eq!(SimTime::from_millis_f64(-3.0), SimTime::ZERO);
        assert_eq!(SimTime::from_millis_f64(1e300), SimTime::from_millis(MAX_MS));
        assert_eq!(SimTime::from_millis_f64(f64::INFINITY), SimTime::from_millis(MAX_MS));
        assert_eq!(SimTime::from_millis_f64(1.5), SimTime(1_500_000));
    }
}
