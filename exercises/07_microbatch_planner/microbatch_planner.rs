//! Exercise 7: the micro-batch schedule of a processing-time trigger. See README.md beside this file.

/// When the next micro-batch starts, given the trigger interval (0 = the default trigger), the time the
/// last batch was triggered and the time it ended (all in ms).
pub fn next_batch_start(trigger_ms: u64, last_trigger_ms: u64, last_end_ms: u64) -> u64 {
    // TODO
    todo!("next batch after {last_trigger_ms}..{last_end_ms} with trigger {trigger_ms}")
}
