//! Reference solution: keyed state per source address, a 1-second memory of destination ports.

use std::collections::{BTreeMap, VecDeque};

pub struct AttackDetector {
    ports: BTreeMap<String, VecDeque<(u64, u32)>>,
}

impl AttackDetector {
    pub fn new() -> Self {
        AttackDetector { ports: BTreeMap::new() }
    }

    pub fn on_flow(&mut self, ts_ms: u64, src: &str, dst_port: u32, bytes: u64) -> bool {
        if bytes >= 50_000 {
            return true;
        }
        let seen = self.ports.entry(src.to_string()).or_default();
        while seen.front().is_some_and(|&(t, _)| ts_ms - t >= 1000) {
            seen.pop_front();
        }
        seen.push_back((ts_ms, dst_port));
        let distinct: std::collections::BTreeSet<u32> = seen.iter().map(|&(_, p)| p).collect();
        distinct.len() >= 5
    }
}

impl Default for AttackDetector {
    fn default() -> Self {
        Self::new()
    }
}
