//! Window assignment, as Flink's window assigners and Spark's `window()` / `session_window()` define it.
//! A window is [start, end) in event time; its max timestamp is a nanosecond before its end.

use super::EventTime;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A window that cannot be computed, with what to change.
#[derive(Clone, Copy, Debug, Error, PartialEq, Eq)]
pub enum WindowError {
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    #[error(
        "`slide_ms` ({slide_ms}) must not exceed `size_ms` ({size_ms}): Spark's rule, so that every record falls \
         into a window"
    )]
    SlideAboveSize { size_ms: u64, slide_ms: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum WindowSpec {
    /// No window: every record is a result of its own (a stateless map/filter pipeline).
    None,
    Tumbling {
        size_ms: u64,
    },
    Sliding {
        size_ms: u64,
        slide_ms: u64,
    },
    Session {
        gap_ms: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    pub start: EventTime,
    pub end: EventTime,
}

impl Window {
    /// The one instant `ts`: a record's own result when there is no window.
    pub fn instant(ts: EventTime) -> Window {
        Window { start: ts, end: ts + SimTime::from_nanos(1) }
    }

    /// TimeWindow.maxTimestamp(): the last instant inside the window.
    pub fn max_timestamp(&self) -> EventTime {
        self.end - SimTime::from_nanos(1)
    }

    /// TimeWindow.intersects: touching windows count as intersecting, so sessions merge.
    pub fn intersects(&self, other: &Window) -> bool {
        self.start <= other.end && self.end >= other.start
    }

    pub fn cover(&self, other: &Window) -> Window {
        Window { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// TimeWindow.getWindowStartWithOffset: `timestamp - (timestamp - offset + size) % size`, windows of `size`
/// beginning at `offset` and every `size` before and after it.
pub fn window_start(timestamp: EventTime, offset: EventTime, size: SimTime) -> EventTime {
    let (ts, size) = (timestamp.as_nanos(), size.as_nanos() as i64);
    let remainder = (ts - offset.as_nanos() + size) % size;
    // Flink 1.16+ also handles negative remainders (timestamps before the offset).
    EventTime::from_nanos(if remainder < 0 { ts - (remainder + size) } else { ts - remainder })
}

impl WindowSpec {
    pub fn validate(&self) -> Result<(), WindowError> {
        match *self {
            WindowSpec::Tumbling { size_ms: 0 } => Err(WindowError::Zero("`size_ms`")),
            WindowSpec::Sliding { size_ms, slide_ms } if size_ms == 0 || slide_ms == 0 => {
                Err(WindowError::Zero("`size_ms` and `slide_ms`"))
            }
            WindowSpec::Session { gap_ms: 0 } => Err(WindowError::Zero("`gap_ms`")),
            _ => Ok(()),
        }
    }

    /// Spark's `window()` requires a slide no longer than the window ("The slide duration must be less
    /// than or equal to the windowDuration"); a longer slide would leave records in no window at all.
    pub fn check_slide(&self) -> Result<(), WindowError> {
        match *self {
            WindowSpec::Sliding { size_ms, slide_ms } if slide_ms > size_ms => {
                Err(WindowError::SlideAboveSize { size_ms, slide_ms })
            }
            _ => Ok(()),
        }
    }

    /// The windows an element with this timestamp belongs to (before session merging), earliest first.
    pub fn assign(&self, ts: EventTime) -> Vec<Window> {
        self.windows(ts).collect()
    }

    /// The windows of `assign`, one after the other, without a list: the engines call it for every record.
    pub fn windows(&self, ts: EventTime) -> Windows {
        let one = |start: EventTime, size: SimTime| Windows { next: start, size, slide: size, left: 1 };
        match *self {
            WindowSpec::None => one(ts, SimTime::from_nanos(1)),
            WindowSpec::Tumbling { size_ms } => {
                let size = SimTime::from_millis(size_ms);
                one(window_start(ts, EventTime::ZERO, size), size)
            }
            // SlidingEventTimeWindows.assignWindows: from the last start down while start > ts - size.
            WindowSpec::Sliding { size_ms, slide_ms } => {
                let (size, slide) = (SimTime::from_millis(size_ms), SimTime::from_millis(slide_ms));
                let last = window_start(ts, EventTime::ZERO, slide);
                // The starts last, last - slide, ... above ts - size: ceil(span / slide) of them.
                let (size_ns, slide_ns) = (i128::from(size.as_nanos()), i128::from(slide.as_nanos()));
                let span = i128::from(last.as_nanos()) - i128::from(ts.as_nanos()) + size_ns;
                let left = if span > 0 { (span + slide_ns - 1) / slide_ns } else { 0 };
                let first = i128::from(last.as_nanos()) - (left - 1).max(0) * slide_ns;
                Windows { next: EventTime::from_nanos(first as i64), size, slide, left: left as u64 }
            }
            // EventTimeSessionWindows: [ts, ts + gap), merged with intersecting sessions of the same key.
            WindowSpec::Session { gap_ms } => one(ts, SimTime::from_millis(gap_ms)),
        }
    }

    pub fn is_session(&self) -> bool {
        matches!(self, WindowSpec::Session { .. })
    }

    /// How long one window lasts, in ms: its size, or a session's gap (the least a session lasts); `None`
    /// without windows.
    pub fn length_ms(&self) -> Option<u64> {
        match *self {
            WindowSpec::None => None,
            WindowSpec::Tumbling { size_ms } | WindowSpec::Sliding { size_ms, .. } => Some(size_ms),
            WindowSpec::Session { gap_ms } => Some(gap_ms),
        }
    }

    /// How many windows each element belongs to (1 except for sliding windows).
    pub fn windows_per_element(&self) -> f64 {
        match *self {
            WindowSpec::Sliding { size_ms, slide_ms } => size_ms as f64 / slide_ms as f64,
            _ => 1.0,
        }
    }
}

/// The windows a timestamp belongs to, earliest first: `left` windows of `size`, `slide` apart from `next`.
#[derive(Clone, Debug)]
pub struct Windows {
    next: EventTime,
    size: SimTime,
    slide: SimTime,
    left: u64,
}

impl Iterator for Windows {
    type Item = Window;

    fn next(&mut self) -> Option<Window> {
        self.left = self.left.checked_sub(1)?;
        let w = Window { start: self.next, end: self.next + self.size };
        self.next = self.next + self.slide;
        Some(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A window lasts its size; a session at least its gap; no window, nothing.
    #[test]
    fn a_window_lasts_its_size_or_gap() {
        assert_eq!(WindowSpec::Tumbling { size_ms: 1000 }.length_ms(), Some(1000));
        assert_eq!(WindowSpec::Sliding { size_ms: 10_000, slide_ms: 10 }.length_ms(), Some(10_000));
        assert_eq!(WindowSpec::Session { gap_ms: 3000 }.length_ms(), Some(3000));
        assert_eq!(WindowSpec::None.length_ms(), None);
    }

    fn w(start_ms: i64, end_ms: i64) -> Window {
        Window { start: EventTime::from_ms(start_ms), end: EventTime::from_ms(end_ms) }
    }
    fn ms(ms: i64) -> EventTime {
        EventTime::from_ms(ms)
    }
    fn ns(ns: i64) -> EventTime {
        EventTime::from_nanos(ns)
    }

    /// Spark's window(): "The slide duration must be less than or equal to the windowDuration".
    #[test]
    fn a_slide_may_equal_the_window_but_not_exceed_it() {
        let sliding = |slide_ms| WindowSpec::Sliding { size_ms: 10_000, slide_ms }.check_slide();
        assert_eq!(sliding(3000), Ok(()));
        assert_eq!(sliding(10_000), Ok(()));
        assert_eq!(sliding(10_001), Err(WindowError::SlideAboveSize { size_ms: 10_000, slide_ms: 10_001 }));
        assert_eq!(WindowSpec::Tumbling { size_ms: 10_000 }.check_slide(), Ok(()));
    }

    /// TumblingEventTimeWindowsTest.testWindowAssignment: size 5000.
    #[test]
    fn tumbling_assignment_matches_flink() {
        let t = WindowSpec::Tumbling { size_ms: 5000 };
        assert_eq!(t.assign(ms(0)), vec![w(0, 5000)]);
        assert_eq!(t.assign(ms(4999)), vec![w(0, 5000)]);
        assert_eq!(t.assign(ms(5000)), vec![w(5000, 10000)]);
        let size = SimTime::from_millis(5000);
        assert_eq!(window_start(ms(100), ms(100), size), ms(100), "with an offset of 100 ms");
        assert_eq!(window_start(ms(5099), ms(100), size), ms(100));
        assert_eq!(window_start(ms(5100), ms(100), size), ms(5100));
        assert_eq!(w(0, 5000).max_timestamp(), ns(5000 * 1_000_000 - 1), "end is exclusive");
    }

    /// SlidingEventTimeWindowsTest.testWindowAssignment: size 5000, slide 1000.
    #[test]
    fn sliding_assignment_matches_flink() {
        let s = WindowSpec::Sliding { size_ms: 5000, slide_ms: 1000 };
        assert_eq!(s.assign(ms(0)), vec![w(-4000, 1000), w(-3000, 2000), w(-2000, 3000), w(-1000, 4000), w(0, 5000)]);
        assert_eq!(s.assign(ms(4999)), vec![w(0, 5000), w(1000, 6000), w(2000, 7000), w(3000, 8000), w(4000, 9000)]);
    }

    /// A slide longer than the window (Flink allows it, Spark does not): an element between two windows is
    /// in none.
    #[test]
    fn sliding_with_gaps_between_windows() {
        let s = WindowSpec::Sliding { size_ms: 1000, slide_ms: 3000 };
        assert_eq!(s.assign(ms(999)), vec![w(0, 1000)]);
        assert_eq!(s.assign(ms(1000)), vec![], "after the window, before the next");
        assert_eq!(s.assign(ms(3000)), vec![w(3000, 4000)]);
        assert_eq!(s.windows(ms(-1)).count(), 0);
    }

    #[test]
    fn sessions_touching_merge() {
        let s = WindowSpec::Session { gap_ms: 10 };
        let a = s.assign(ms(0))[0];
        let b = s.assign(ms(10))[0];
        let c = s.assign(ms(25))[0];
        assert!(a.intersects(&b), "[0,10) and [10,20) touch");
        assert!(!a.cover(&b).intersects(&c));
        assert_eq!(a.cover(&b), w(0, 20));
    }

    /// Flink 1.16+ TimeWindow.getWindowStartWithOffset before the offset: the window still holds the element.
    #[test]
    fn window_start_before_zero_and_offset() {
        let seven = SimTime::from_nanos(7);
        assert_eq!(window_start(ns(-1), ns(0), seven), ns(-7));
        assert_eq!(window_start(ns(-7), ns(0), seven), ns(-7));
        assert_eq!(window_start(ns(-8), ns(0), seven), ns(-14), "remainder -1: one size further down");
        assert_eq!(window_start(ns(2), ns(3), seven), ns(-4), "offset 3: windows [-4, 3), [3, 10)");
        assert_eq!(window_start(ns(-12), ns(3), seven), ns(-18));
    }

    /// SlidingEventTimeWindows with a size that is no multiple of the slide: 3 or 4 windows per element.
    #[test]
    fn sliding_windows_per_element_when_size_is_no_multiple_of_slide() {
        let s = WindowSpec::Sliding { size_ms: 10_000, slide_ms: 3000 };
        assert_eq!(s.assign(ms(0)), vec![w(-9000, 1000), w(-6000, 4000), w(-3000, 7000), w(0, 10_000)]);
        assert_eq!(
            s.assign(ms(1000)),
            vec![w(-6000, 4000), w(-3000, 7000), w(0, 10_000)],
            "-9000 > 1000 - 10000 fails"
        );
        assert_eq!(s.windows_per_element(), 10.0 / 3.0, "on average size / slide");
        assert_eq!(WindowSpec::Sliding { size_ms: 5000, slide_ms: 1000 }.windows_per_element(), 5.0);
        for one in [WindowSpec::None, WindowSpec::Tumbling { size_ms: 10 }, WindowSpec::Session { gap_ms: 10 }] {
            assert_eq!(one.windows_per_element(), 1.0, "{one:?}");
        }
    }

    #[test]
    fn no_window_is_one_result_per_record_and_only_sessions_merge() {
        assert_eq!(WindowSpec::None.assign(ns(7)), vec![Window { start: ns(7), end: ns(8) }]);
        assert!(WindowSpec::Session { gap_ms: 1 }.is_session());
        assert!(!WindowSpec::Tumbling { size_ms: 1 }.is_session());
        assert!(!WindowSpec::Sliding { size_ms: 2, slide_ms: 1 }.is_session());
    }

    /// TimeWindow.intersects is symmetric, and windows with a gap between them do not merge.
    #[test]
    fn windows_with_a_gap_do_not_intersect() {
        let (a, b, c) = (w(0, 10), w(10, 20), w(11, 20));
        assert!(b.intersects(&a) && a.intersects(&b));
        assert!(!a.intersects(&c) && !c.intersects(&a));
        assert_eq!(c.cover(&a), w(0, 20), "the cover takes the earliest start and the latest end");
    }

    #[test]
    fn a_window_of_zero_length_is_refused() {
        let refused = |w: WindowSpec| w.validate().map_err(|e| e.to_string());
        assert_eq!(refused(WindowSpec::Tumbling { size_ms: 0 }), Err("`size_ms` must be at least 1".into()));
        let both = Err("`size_ms` and `slide_ms` must be at least 1".to_string());
        assert_eq!(refused(WindowSpec::Sliding { size_ms: 0, slide_ms: 1 }), both);
        assert_eq!(refused(WindowSpec::Sliding { size_ms: 1, slide_ms: 0 }), both);
        assert_eq!(refused(WindowSpec::Session { gap_ms: 0 }), Err("`gap_ms` must be at least 1".into()));
        for ok in [
            WindowSpec::None,
            WindowSpec::Tumbling { size_ms: 1 },
            WindowSpec::Sliding { size_ms: 1, slide_ms: 1 },
            WindowSpec::Session { gap_ms: 1 },
        ] {
            assert_eq!(ok.validate(), Ok(()), "{ok:?}");
        }
    }
}
