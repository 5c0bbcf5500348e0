//! A deliberately wrong solution: the next batch one interval after the last trigger, not at the next
//! multiple of the interval. The two agree while triggers fall on multiples, and part once a batch has
//! overrun and the next one started when it ended (Spark then goes back to the grid).

pub fn next_batch_start(trigger_ms: u64, last_trigger_ms: u64, last_end_ms: u64) -> u64 {
    if trigger_ms == 0 { last_end_ms } else { (last_trigger_ms + trigger_ms).max(last_end_ms) }
}
