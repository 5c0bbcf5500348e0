//! The correctness ledger: which records were produced, acknowledged, delivered (more than once?) and
//! lost. Sequence numbers are kept per (producer, partition) stream as interval sets.

use crate::interval_set::IntervalSet;
use serde::Serialize;

#[derive(Default)]
struct Stream {
    acked: IntervalSet,
    delivered: IntervalSet,
}

pub struct Ledger {
    partitions: u32,
    streams: Vec<Stream>,
    produced: u64,
    failed: u64,
    deliveries: u64,
    duplicated: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LedgerSummary {
    pub produced: u64,
    pub acknowledged: u64,
    /// Sends that the producer gave up on (delivery.timeout.ms or retries exhausted): the application knows.
    pub failed: u64,
    /// Distinct records processed by the consumer group.
    pub delivered: u64,
    /// Deliveries of a record that had been delivered before.
    pub duplicated: u64,
    /// Acknowledged but never delivered: the application was told the write succeeded.
    pub lost: u64,
}

impl Ledger {
    pub fn new(producers: u32, partitions: u32) -> Self {
        Ledger {
            partitions,
            streams: (0..producers * partitions).map(|_| Stream::default()).collect(),
            produced: 0,
            failed: 0,
            deliveries: 0,
            duplicated: 0,
        }
    }

    fn stream(&mut self, producer: u32, partition: u32) -> &mut Stream {
        &mut self.streams[(producer * self.partitions + partition) as usize]
    }

    pub fn produced(&mut self, n: u64) {
        self.produced += n;
    }

    pub fn failed(&mut self, n: u64) {
        self.failed += n;
    }

    pub fn acked(&mut self, producer: u32, partition: u32, first_seq: u32, n: u32) {
        self.stream(producer, partition).acked.insert_range(first_seq, first_seq + n);
    }

    /// Records a delivery of sequence numbers [first_seq, first_seq + n); returns how many were duplicates.
    pub fn delivered(&mut self, producer: u32, partition: u32, first_seq: u32, n: u32) -> u64 {
        let dup = self.stream(producer, partition).delivered.insert_range(first_seq, first_seq + n);
        self.deliveries += u64::from(n);
        self.duplicated += dup;
        dup
    }

    pub fn summary(&self) -> LedgerSummary {
        LedgerSummary {
            produced: self.produced,
            acknowledged: self.streams.iter().map(|s| s.acked.len()).sum(),
            failed: self.failed,
            delivered: self.deliveries - self.duplicated,
            duplicated: self.duplicated,
            lost: self.streams.iter().map(|s| s.acked.count_not_in(&s.delivered)).sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_loss_and_duplicates() {
        let mut l = Ledger::new(2, 3);
        l.produced(30);
        l.acked(0, 1, 0, 10);
        l.acked(1, 2, 0, 10);
        l.delivered(0, 1, 0, 10);
        assert_eq!(l.delivered(0, 1, 5, 5), 5);
        l.delivered(1, 2, 0, 4);
        let s = l.summary();
        assert_eq!((s.acknowledged, s.delivered, s.duplicated, s.lost), (20, 14, 5, 6));
    }
}
