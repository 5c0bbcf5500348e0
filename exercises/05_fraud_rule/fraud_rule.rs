//! Exercise 5: a fraud-detection rule on keyed state. See README.md beside this file.

pub struct FraudDetector {
    // TODO: keyed state: what do you keep per account?
}

impl FraudDetector {
    pub fn new() -> Self {
        FraudDetector {}
    }

    /// A payment; returns true if it must be flagged as fraud.
    pub fn on_payment(&mut self, ts_ms: u64, account: u32, amount: f64) -> bool {
        // TODO: flag when this account made 3 or more payments of at least 900 within 5 seconds.
        todo!("payment of {amount} by account {account} at {ts_ms} ms")
    }
}

impl Default for FraudDetector {
    fn default() -> Self {
        Self::new()
    }
}
