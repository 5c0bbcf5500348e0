//! Exercise 3: Flink's tumbling and sliding window assigners. See README.md beside this file.

/// The start of the tumbling window of `size` (with `offset`) that holds timestamp `ts`.
pub fn tumbling_start(ts: i64, size: i64, offset: i64) -> i64 {
    // TODO: TimeWindow.getWindowStartWithOffset
    todo!("tumbling window of {size} with offset {offset} for {ts}")
}

/// Every sliding window [start, end) of `size` every `slide` that holds `ts`, earliest first.
pub fn sliding_windows(ts: i64, size: i64, slide: i64) -> Vec<(i64, i64)> {
    // TODO: SlidingEventTimeWindows.assignWindows
    todo!("sliding windows of {size} every {slide} for {ts}")
}
