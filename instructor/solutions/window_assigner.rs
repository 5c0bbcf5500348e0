//! Reference solution: Flink's tumbling and sliding window assignment.

pub fn tumbling_start(ts: i64, size: i64, offset: i64) -> i64 {
    let r = (ts - offset + size) % size;
    if r < 0 { ts - (r + size) } else { ts - r }
}

pub fn sliding_windows(ts: i64, size: i64, slide: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut start = tumbling_start(ts, slide, 0);
    while start > ts - size {
        out.push((start, start + size));
        start -= slide;
    }
    out.reverse();
    out
}
