//! Reference solution: when Spark's ProcessingTimeExecutor starts the next micro-batch.

pub fn next_batch_start(trigger_ms: u64, last_trigger_ms: u64, last_end_ms: u64) -> u64 {
    if trigger_ms == 0 {
        return last_end_ms;
    }
    let next_tick = (last_trigger_ms / trigger_ms + 1) * trigger_ms;
    next_tick.max(last_end_ms)
}
