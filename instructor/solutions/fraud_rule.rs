//! Reference solution: keyed state per account, a sliding 5-second memory of large payments.

use std::collections::{BTreeMap, VecDeque};

pub struct FraudDetector {
    large: BTreeMap<u32, VecDeque<u64>>,
}

impl FraudDetector {
    pub fn new() -> Self {
        FraudDetector { large: BTreeMap::new() }
    }

    pub fn on_payment(&mut self, ts_ms: u64, account: u32, amount: f64) -> bool {
        if amount < 900.0 {
            return false;
        }
        let times = self.large.entry(account).or_default();
        while times.front().is_some_and(|&t| ts_ms - t >= 5000) {
            times.pop_front();
        }
        times.push_back(ts_ms);
        times.len() >= 3
    }
}

impl Default for FraudDetector {
    fn default() -> Self {
        Self::new()
    }
}
