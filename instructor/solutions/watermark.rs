//! Reference solution: Flink's BoundedOutOfOrdernessWatermarks.

pub struct BoundedOutOfOrderness {
    max_ts: i64,
    delay: i64,
}

impl BoundedOutOfOrderness {
    pub fn new(max_out_of_orderness_ms: i64) -> Self {
        BoundedOutOfOrderness { max_ts: i64::MIN + max_out_of_orderness_ms + 1, delay: max_out_of_orderness_ms }
    }

    pub fn on_event(&mut self, ts: i64) {
        self.max_ts = self.max_ts.max(ts);
    }

    pub fn current_watermark(&self) -> i64 {
        self.max_ts - self.delay - 1
    }
}
