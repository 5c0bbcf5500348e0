//! Exercise 9: an attack-detection rule on keyed state. See README.md beside this file.

pub struct AttackDetector {
    // TODO: keyed state: what do you keep per source address?
}

impl AttackDetector {
    pub fn new() -> Self {
        AttackDetector {}
    }

    /// A network flow; returns true if it must raise an alarm.
    pub fn on_flow(&mut self, ts_ms: u64, src: &str, dst_port: u32, bytes: u64) -> bool {
        // TODO: a flood (one flow of at least 50 000 bytes), or a port scan (one source reaching 5 or more
        // distinct ports within 1 second).
        todo!("flow from {src} to port {dst_port} ({bytes} bytes) at {ts_ms} ms")
    }
}

impl Default for AttackDetector {
    fn default() -> Self {
        Self::new()
    }
}
