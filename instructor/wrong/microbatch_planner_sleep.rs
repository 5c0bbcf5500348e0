//! A deliberately wrong solution: waits a whole interval after the batch ends.

pub fn next_batch_start(trigger_ms: u64, _last_trigger_ms: u64, last_end_ms: u64) -> u64 {
    last_end_ms + trigger_ms
}
