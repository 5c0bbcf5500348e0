//! The correctness ledger: what became of every record. Records are numbered per (producer, partition)
//! stream when created, and each stream keeps interval sets of the numbers acknowledged, delivered and
//! still held by the log.
//!
//! At the end of a run every record is in exactly one place, and the ledger checks that it balances:
//!
//! ```text
//! produced     = acknowledged + failed + in_flight
//! acknowledged = delivered + unconsumed + lost
//! ```
//!
//! `lost` means gone from every replica's log although the producer was told it was written (retention
//! deleting a record nobody read counts too);
//! `unconsumed` means still in the log, not processed when the run ended (lag, not loss).

use crate::interval_set::IntervalSet;
use crate::kafka::ids::{PartitionId, ProducerId};
use serde::Serialize;
use thiserror::Error;

#[derive(Default)]
struct Stream {
    acked: IntervalSet,
    delivered: IntervalSet,
    /// The stream's records as the log held them, in offset order: those retention deleted.
    expired: LogAudit,
}

/// A stream's records in log order: the set written, and copies or reorderings met on the way.
#[derive(Clone, Default)]
struct LogAudit {
    records: IntervalSet,
    /// The record after the highest one seen.
    next: u32,
    duplicates: u64,
    out_of_order: u64,
}

impl LogAudit {
    /// The next batch in offset order holds records [first, first + n).
    fn batch(&mut self, first: u32, n: u32) {
        let copies = self.records.insert_range(first, first + n);
        self.duplicates += copies;
        if copies == 0 && first < self.next {
            self.out_of_order += 1;
        }
        self.next = self.next.max(first + n);
    }
}

pub struct Ledger {
    partitions: u32,
    streams: Vec<Stream>,
    produced: u64,
    failed: u64,
    duplicated: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LedgerSummary {
    pub produced: u64,
    pub acknowledged: u64,
    /// Sends that the producer gave up on (delivery.timeout.ms or retries exhausted): the application knows.
    pub failed: u64,
    /// Neither acknowledged nor failed when the run ended: in the accumulator or in a request.
    pub in_flight: u64,
    /// Acknowledged records processed by the consumer group at least once.
    pub delivered: u64,
    /// Records processed although their send failed or was unanswered (the write happened after all).
    pub delivered_unacknowledged: u64,
    /// Deliveries of a record that had been delivered before.
    pub duplicated: u64,
    /// Acknowledged, still in the log, not processed when the run ended: consumer lag, not loss.
    pub unconsumed: u64,
    /// Acknowledged but gone from every replica's log: the application was told the write succeeded
    /// (deleted by retention before the group read it, too).
    pub lost: u64,
    /// Records the log holds more than once (retries without idempotence).
    pub log_duplicates: u64,
    /// Batches the log holds after a later batch of the same producer (a producer's order broken).
    pub log_out_of_order: u64,
}

/// The ledger does not balance: a record was counted twice or not at all. A defect of the simulator.
#[derive(Debug, Error, PartialEq)]
#[error("the ledger does not balance ({0}): {1:?}")]
pub struct Unbalanced(pub &'static str, pub LedgerSummary);

impl LedgerSummary {
    /// The two identities every run must satisfy.
    pub fn check(&self) -> Result<(), Unbalanced> {
        if self.produced != self.acknowledged + self.failed + self.in_flight {
            return Err(Unbalanced("produced != acknowledged + failed + in_flight", self.clone()));
        }
        if self.acknowledged != self.delivered + self.unconsumed + self.lost {
            return Err(Unbalanced("acknowledged != delivered + unconsumed + lost", self.clone()));
        }
        Ok(())
    }
}

/// A run of consecutive records of one stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordRange {
    pub producer: ProducerId,
    pub partition: PartitionId,
    /// The stream's number of the first record.
    pub first: u32,
    pub n: u32,
}

impl Ledger {
    pub fn new(producers: u32, partitions: u32) -> Self {
        Ledger {
            partitions,
            streams: (0..producers * partitions).map(|_| Stream::default()).collect(),
            produced: 0,
            failed: 0,
            duplicated: 0,
        }
    }

    fn index(&self, r: &RecordRange) -> usize {
        r.producer.index() * self.partitions as usize + r.partition.index()
    }

    fn stream(&mut self, r: &RecordRange) -> &mut Stream {
        let i = self.index(r);
        &mut self.streams[i]
    }

    pub fn produced(&mut self, n: u64) {
        self.produced += n;
    }

    pub fn failed(&mut self, n: u64) {
        self.failed += n;
    }

    pub fn acked(&mut self, r: RecordRange) {
        self.stream(&r).acked.insert_range(r.first, r.first + r.n);
    }

    /// Records a delivery of records [first, first + n); returns how many were duplicates.
    pub fn delivered(&mut self, r: RecordRange) -> u64 {
        let dup = self.stream(&r).delivered.insert_range(r.first, r.first + r.n);
        self.duplicated += dup;
        dup
    }

    /// Retention deleted records from the log; called in offset order.
    pub fn expired(&mut self, r: RecordRange) {
        self.stream(&r).expired.batch(r.first, r.n);
    }

    /// The accounts now. `in_log` lists, in offset order per partition, the records the partitions' logs
    /// hold in memory; `in_flight` counts records the producers still hold.
    pub fn summary(&self, in_log: impl IntoIterator<Item = RecordRange>, in_flight: u64) -> LedgerSummary {
        // The audit runs over every record the log ever held; only those it holds now are still readable.
        let mut audit: Vec<LogAudit> = self.streams.iter().map(|s| s.expired.clone()).collect();
        let mut held: Vec<IntervalSet> = self.streams.iter().map(|_| IntervalSet::default()).collect();
        for r in in_log {
            let i = self.index(&r);
            audit[i].batch(r.first, r.n);
            held[i].insert_range(r.first, r.first + r.n);
        }
        let mut s = LedgerSummary {
            produced: self.produced,
            acknowledged: 0,
            failed: self.failed,
            in_flight,
            delivered: 0,
            delivered_unacknowledged: 0,
            duplicated: self.duplicated,
            unconsumed: 0,
            lost: 0,
            log_duplicates: audit.iter().map(|h| h.duplicates).sum(),
            log_out_of_order: audit.iter().map(|h| h.out_of_order).sum(),
        };
        for (stream, held) in self.streams.iter().zip(&held) {
            let acked = stream.acked.len();
            let undelivered = stream.acked.difference(&stream.delivered);
            let lost = undelivered.count_not_in(held);
            s.acknowledged += acked;
            s.delivered += acked - undelivered.len();
            s.delivered_unacknowledged += stream.delivered.count_not_in(&stream.acked);
            s.unconsumed += undelivered.len() - lost;
            s.lost += lost;
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(producer: u32, partition: u32, first: u32, n: u32) -> RecordRange {
        RecordRange { producer: ProducerId(producer), partition: PartitionId(partition), first, n }
    }

    /// Stream (0, 1): 10 acknowledged, delivered, 5 of them twice. Stream (1, 2): 10 acknowledged, 4
    /// delivered (0 and 1 since deleted by retention), 3 more still in the log (record 1 written twice,
    /// record 2 after 4..7), 3 gone. Stream
    /// (0, 0): 5 delivered although their send failed.
    #[test]
    fn splits_acknowledged_records_into_delivered_unconsumed_and_lost() {
        let mut l = Ledger::new(2, 3);
        l.produced(32);
        l.acked(r(0, 1, 0, 10));
        l.acked(r(1, 2, 0, 10));
        l.failed(5);
        l.delivered(r(0, 1, 0, 10));
        assert_eq!(l.delivered(r(0, 1, 5, 5)), 5);
        l.delivered(r(1, 2, 0, 4));
        l.delivered(r(0, 0, 0, 5));
        l.expired(r(1, 2, 0, 2));
        let s = l.summary([r(1, 2, 4, 3), r(1, 2, 2, 1), r(1, 2, 1, 1)], 7);
        assert_eq!((s.acknowledged, s.delivered, s.duplicated, s.unconsumed, s.lost), (20, 14, 5, 3, 3));
        assert_eq!((s.in_flight, s.delivered_unacknowledged), (7, 5));
        assert_eq!((s.log_duplicates, s.log_out_of_order), (1, 1), "record 1 twice, record 2 after 4..7");
        assert_eq!(s.check(), Ok(()));
        let unbalanced = l.summary([], 6);
        assert!(unbalanced.check().unwrap_err().to_string().contains("produced != acknowledged + failed + in_flight"));
    }

    /// Retention deleting records nobody read loses them; deleting records already read loses nothing.
    #[test]
    fn records_retention_deleted_before_delivery_are_lost() {
        let mut l = Ledger::new(1, 1);
        l.produced(6);
        l.acked(r(0, 0, 0, 6));
        l.delivered(r(0, 0, 0, 2));
        l.expired(r(0, 0, 0, 4));
        let s = l.summary([r(0, 0, 4, 2)], 0);
        assert_eq!((s.delivered, s.unconsumed, s.lost), (2, 2, 2));
        assert_eq!(s.check(), Ok(()));
    }

    /// In offset order: a batch after a gap is in order (the gap may be lost records); a batch behind
    /// the highest record seen is a reordering; a batch already held is a duplicate, not a reordering.
    #[test]
    fn the_log_audit_tells_duplicates_from_reorderings() {
        let mut a = LogAudit::default();
        a.batch(0, 3);
        a.batch(3, 2);
        a.batch(8, 2);
        assert_eq!((a.duplicates, a.out_of_order, a.next), (0, 0, 10));
        a.batch(5, 3);
        assert_eq!((a.duplicates, a.out_of_order, a.next), (0, 1, 10), "records 5..8 after 8..10");
        a.batch(10, 1);
        assert_eq!((a.duplicates, a.out_of_order, a.next), (0, 1, 11), "right after the highest: in order");
        a.batch(10, 1);
        a.batch(2, 2);
        assert_eq!((a.duplicates, a.out_of_order, a.next), (3, 1, 11), "a retried batch written again");
    }

    #[test]
    fn an_unbalanced_delivery_account_is_named() {
        let mut l = Ledger::new(1, 1);
        l.produced(4);
        l.acked(r(0, 0, 0, 4));
        assert_eq!(l.delivered(r(0, 0, 0, 3)), 0);
        let s = l.summary([], 0);
        assert_eq!((s.acknowledged, s.delivered, s.unconsumed, s.lost), (4, 3, 0, 1), "record 3 is in no log");
        assert_eq!(s.check(), Ok(()));
        let counted_twice = LedgerSummary { delivered: 4, ..s.clone() };
        let e = counted_twice.check().unwrap_err();
        assert_eq!(e.0, "acknowledged != delivered + unconsumed + lost");
        assert_eq!(e.1, counted_twice);
        let s = l.summary([r(0, 0, 3, 1)], 0);
        assert_eq!((s.unconsumed, s.lost), (1, 0), "record 3 still in the log: lag, not loss");
        assert_eq!(
            LedgerSummary { in_flight: 1, ..s }.check().unwrap_err().0,
            "produced != acknowledged + failed + in_flight"
        );
    }

    /// Records are numbered per (producer, partition): two producers' record 0 on one partition are two
    /// records, and so are one producer's record 0 on two partitions.
    #[test]
    fn each_producer_and_partition_numbers_its_own_records() {
        let mut l = Ledger::new(2, 2);
        l.produced(12);
        for (producer, partition) in [(0, 0), (1, 0), (0, 1)] {
            l.acked(r(producer, partition, 0, 4));
        }
        assert_eq!(l.delivered(r(1, 0, 0, 4)), 0, "not producer 0's records");
        let s = l.summary([r(0, 0, 0, 4), r(0, 1, 0, 4)], 0);
        assert_eq!((s.acknowledged, s.delivered, s.unconsumed, s.lost), (12, 4, 8, 0));
        assert_eq!(s.check(), Ok(()));
    }
}
