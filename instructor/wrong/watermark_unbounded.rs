//! A deliberately wrong solution: the watermark ignores the out-of-orderness bound.

pub struct BoundedOutOfOrderness {
    max_ts: i64,
}

impl BoundedOutOfOrderness {
    pub fn new(_max_out_of_orderness_ms: i64) -> Self {
        BoundedOutOfOrderness { max_ts: i64::MIN }
    }

    pub fn on_event(&mut self, ts: i64) {
        self.max_ts = self.max_ts.max(ts);
    }

    pub fn current_watermark(&self) -> i64 {
        self.max_ts
    }
}
