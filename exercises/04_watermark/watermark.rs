//! Exercise 4: a bounded-out-of-orderness watermark generator. See README.md beside this file.

pub struct BoundedOutOfOrderness {
    // TODO: what must the generator remember?
}

impl BoundedOutOfOrderness {
    pub fn new(max_out_of_orderness_ms: i64) -> Self {
        let _ = max_out_of_orderness_ms;
        BoundedOutOfOrderness {}
    }

    /// An event with timestamp `ts` passed through.
    pub fn on_event(&mut self, ts: i64) {
        todo!("remember what matters about event {ts}")
    }

    /// The watermark the generator would emit now.
    pub fn current_watermark(&self) -> i64 {
        todo!("the watermark")
    }
}
