//! The producer client: the record accumulator (batching by `batch.size` and `linger.ms`), the sender
//! (one request per broker with the first ready batch of each partition it leads, at most
//! `max.in.flight.requests.per.connection` in flight), retries with exponential backoff, and the idempotent
//! producer's sequence numbers and epoch bumps.
//! Source: org.apache.kafka.clients.producer.internals.RecordAccumulator, Sender and TransactionManager.

use super::ids::{BrokerId, PartitionId, ProducerId};
use super::partitioner::StickyPartitioner;
use super::{Batch, BatchRef, ProduceError};
use crate::rng::SimRng;
use crate::scenario::ProducerConfig;
use crate::sorted_map::SortedMap;
use crate::time::SimTime;
use crate::workload::{Record, Workload};
use rand::RngExt;
use std::collections::VecDeque;
use std::rc::Rc;

/// A batch waiting in the accumulator.
pub struct QueuedBatch {
    pub batch: Batch,
    pub created: SimTime,
    /// Linger expired, or full: the sender may take it.
    pub ready: bool,
    /// Sends so far; a retry keeps its sequence numbers and first-attempt time.
    pub attempts: u32,
    pub first_attempt: SimTime,
    /// Not before this time (the retry backoff).
    pub not_before: SimTime,
    /// An earlier send may have been appended (its answer was lost, or came after the append): its
    /// sequence numbers must not be rewritten, or the log could hold it twice.
    pub maybe_appended: bool,
}

/// A request the producer is waiting on.
pub struct InFlight {
    pub broker: BrokerId,
    pub batches: Vec<Sent>,
    /// request.timeout.ms after it was sent.
    pub deadline: SimTime,
}

/// A batch in a request: how many sends it had before, when it was first sent, whether it may be in a log.
pub struct Sent {
    pub batch: BatchRef,
    pub attempts: u32,
    pub first_attempt: SimTime,
    pub maybe_appended: bool,
}

/// What becomes of a batch whose send failed.
#[derive(Debug, PartialEq, Eq)]
pub enum Retry {
    /// Queued again, to be sent at this time.
    At(SimTime),
    /// Given up (retries or delivery.timeout.ms exhausted): its records failed.
    Failed(u32),
}

pub struct Producer {
    pub id: ProducerId,
    pub cfg: ProducerConfig,
    pub workload: Workload,
    pub rng: SimRng,
    /// Draws the retry backoff's jitter.
    backoff_rng: SimRng,
    pub sticky: StickyPartitioner,
    /// Per partition: batches in creation order; only the last may still take records. Changed only
    /// through the methods here, which keep `flagged` and `expiry_floor` in step.
    queues: Vec<VecDeque<QueuedBatch>>,
    /// Per partition, one bit: the sender has something to do there (a ready first batch, or an epoch bump
    /// due). Bits, so that the sender visits the few flagged partitions of thousands without a look at each.
    flagged: Vec<u64>,
    /// How many partitions are flagged: with none, the sender loop has nothing to drain.
    flagged_count: u32,
    /// Per partition, one bit: its queue holds a batch. A broker's request takes one from each.
    queued: Vec<u64>,
    /// No first batch of a queue reaches delivery.timeout.ms before this time: `expire` looks only then.
    expiry_floor: SimTime,
    /// Per partition: the ledger number of the next record created.
    next_record: Vec<u32>,
    /// Per partition: the producer epoch and the sequence number of the next batch sent.
    pub epoch: Vec<u32>,
    pub next_seq: Vec<u32>,
    /// Per partition: the sequence after the last acknowledged batch of the current epoch.
    acked_seq: Vec<u32>,
    /// Per partition: a batch with a sequence failed, leaving a gap; bump the epoch once no batch of the
    /// partition may still be appended (TransactionManager.requestEpochBumpForPartition).
    bump_pending: Vec<bool>,
    /// Per partition: batches in requests not yet answered.
    in_network: Vec<u32>,
    pub epoch_bumps: u64,
    pub in_flight: SortedMap<u64, InFlight>,
    /// Requests in flight per broker.
    pub in_flight_per_broker: Vec<u32>,
    pub done_producing: bool,
    /// A RequestTimeouts event is scheduled for this producer.
    pub timeout_armed: bool,
}

impl Producer {
    pub fn new(
        id: ProducerId,
        cfg: ProducerConfig,
        partitions: u32,
        brokers: u32,
        rng: SimRng,
        backoff_rng: SimRng,
    ) -> Self {
        let n = partitions as usize;
        Producer {
            id,
            workload: Workload::new(&cfg, partitions),
            sticky: StickyPartitioner::new(u64::from(cfg.batch_size)),
            cfg,
            rng,
            backoff_rng,
            queues: (0..partitions).map(|_| VecDeque::new()).collect(),
            flagged: vec![0; n.div_ceil(64)],
            flagged_count: 0,
            queued: vec![0; n.div_ceil(64)],
            expiry_floor: SimTime::MAX,
            next_record: vec![0; n],
            epoch: vec![0; n],
            next_seq: vec![0; n],
            acked_seq: vec![0; n],
            bump_pending: vec![false; n],
            in_network: vec![0; n],
            epoch_bumps: 0,
            in_flight: SortedMap::new(),
            in_flight_per_broker: vec![0; brokers as usize],
            done_producing: false,
            timeout_armed: false,
        }
    }

    /// Appends a record (RecordAccumulator.append). Returns `Some(created)` when a new batch was opened,
    /// so the caller can arm its linger timer.
    pub fn append(&mut self, partition: PartitionId, record: Record, now: SimTime) -> Option<SimTime> {
        let size = self.cfg.record_bytes;
        let limit = self.cfg.batch_size;
        let linger_zero = self.cfg.linger_ms == 0;
        let p = partition.index();
        self.next_record[p] += 1;
        let q = &mut self.queues[p];
        if let Some(last) = q.back_mut() {
            // A batch takes records until full, even after it became ready; a retried batch takes none. One
            // with room left waits for linger.ms, or for a record that does not fit, which opens the next batch and makes
            // this one sendable (RecordAccumulator.ready: `dq.size() > 1 || batch.isFull()`).
            if last.attempts == 0 && last.batch.bytes + size <= limit {
                last.batch.push(record, size);
                if last.batch.is_full(limit) {
                    last.ready = true;
                    self.refresh(p);
                }
                return None;
            }
            last.ready = true;
        }
        // The first record always fits, even if larger than batch.size (Kafka sends it alone).
        let capacity = (limit / size).clamp(1, 1024) as usize;
        let batch = Batch::first(self.id, partition, self.next_record[p] - 1, record, size, capacity);
        q.push_back(QueuedBatch {
            ready: linger_zero || batch.is_full(limit),
            batch,
            created: now,
            attempts: 0,
            first_attempt: now,
            not_before: SimTime::ZERO,
            maybe_appended: false,
        });
        self.refresh(p);
        Some(now)
    }

    /// Whether partition `p` has no batch still taking records (RecordAccumulator.allBatchesFull).
    pub fn last_batch_full(&self, p: PartitionId) -> bool {
        self.queues[p.index()].back().is_none_or(|b| b.batch.is_full(self.cfg.batch_size))
    }

    /// The partitions' queues, in partition order.
    pub fn queues(&self) -> &[VecDeque<QueuedBatch>] {
        &self.queues
    }

    /// Any partition where the sender has something to do.
    pub fn has_flagged(&self) -> bool {
        self.flagged_count > 0
    }

    /// After queue `p` or its epoch bump changed: its flag, and the expiry floor for its first batch.
    fn refresh(&mut self, p: usize) {
        let front = self.queues[p].front();
        let flag = self.bump_pending[p] || front.is_some_and(|b| b.ready);
        let (word, bit) = (p / 64, 1u64 << (p % 64));
        if flag != (self.flagged[word] & bit != 0) {
            self.flagged[word] ^= bit;
            if flag {
                self.flagged_count += 1;
            } else {
                self.flagged_count -= 1;
            }
        }
        if front.is_some() {
            self.queued[word] |= bit;
        } else {
            self.queued[word] &= !bit;
        }
        if let Some(b) = front {
            self.expiry_floor =
                self.expiry_floor.min(b.first_attempt + SimTime::from_millis(self.cfg.delivery_timeout_ms));
        }
    }

    /// Marks the batch created at `created` on `partition` ready (linger.ms expired).
    pub fn linger_expired(&mut self, partition: PartitionId, created: SimTime) {
        let p = partition.index();
        // Opening a batch makes the one before it ready (`append`): only the last can still be lingering, so
        // a long queue is not searched.
        if let Some(b) = self.queues[p].back_mut()
            && b.created == created
            && b.attempts == 0
            && !b.ready
        {
            b.ready = true;
            self.refresh(p);
        }
    }

    /// The request for the broker leading `partitions`, if this connection has room. The broker gets one
    /// once a first batch of its partitions may go (RecordAccumulator.ready: full or lingered, and not
    /// backing off); the request then takes the first batch of every partition it leads, lingering or not
    /// (RecordAccumulator.drainBatchesForOneNode). A batch gets its sequence numbers when first sent.
    pub fn drain(&mut self, broker: BrokerId, partitions: &[PartitionId], now: SimTime) -> Vec<Sent> {
        if self.in_flight_per_broker[broker.index()] >= self.cfg.max_in_flight {
            return Vec::new();
        }
        debug_assert!(partitions.is_sorted(), "{partitions:?}");
        let mut sendable = false;
        self.each_of(
            |pr| &pr.flagged,
            partitions,
            |pr, p| {
                if pr.bump_pending[p] {
                    pr.maybe_bump_epoch(p);
                    pr.refresh(p);
                }
                sendable |= pr.queues[p].front().is_some_and(|b| b.ready && b.not_before <= now);
            },
        );
        let mut out = Vec::new();
        if sendable {
            self.each_of(|pr| &pr.queued, partitions, |pr, p| pr.drain_partition(p, now, &mut out));
        }
        out
    }

    /// Calls `f` for each of `partitions` (ascending) whose bit is set in the bitset `bits` picks, in
    /// ascending order: the sender visits the few partitions of thousands that matter without a look at
    /// each. `f` may change the bits; a copy of each word is walked.
    fn each_of(
        &mut self,
        bits: fn(&Self) -> &Vec<u64>,
        partitions: &[PartitionId],
        mut f: impl FnMut(&mut Self, usize),
    ) {
        for word in 0..bits(self).len() {
            let mut w = bits(self)[word];
            while w != 0 {
                let p = word * 64 + w.trailing_zeros() as usize;
                w &= w - 1;
                if partitions.binary_search(&PartitionId(p as u32)).is_ok() {
                    f(self, p);
                }
            }
        }
    }

    /// The first batch of partition `p` into `out`, if it may go now.
    fn drain_partition(&mut self, p: usize, now: SimTime, out: &mut Vec<Sent>) {
        let q = &mut self.queues[p];
        let in_network = self.in_network[p];
        let takes = q.front().is_some_and(|b| {
            // A retry goes out alone, once nothing else of the partition is in the network, so retries
            // cannot overtake each other (RecordAccumulator.shouldStopDrainBatchesForPartition). While
            // a bump waits, only batches that may already be in the log go out, to settle.
            b.not_before <= now && (b.attempts == 0 || in_network == 0) && (!self.bump_pending[p] || b.maybe_appended)
        });
        if !takes {
            return;
        }
        let mut qb = q.pop_front().expect("front exists");
        self.refresh(p);
        if qb.attempts == 0 {
            qb.batch.epoch = self.epoch[p];
            qb.batch.base_seq = self.next_seq[p];
            self.next_seq[p] = self.next_seq[p].wrapping_add(qb.batch.len());
        }
        self.in_network[p] += 1;
        // The batch is closed: a batch sent before it filled (linger.ms passed) gives back the room
        // reserved for batch.size, which a log keeping it until retention would hold otherwise.
        qb.batch.records.shrink_to_fit();
        out.push(Sent {
            batch: Rc::new(qb.batch),
            attempts: qb.attempts,
            first_attempt: qb.first_attempt,
            maybe_appended: qb.maybe_appended,
        });
    }

    /// KIP-360 (TransactionManager.bumpIdempotentProducerEpoch): once nothing of the partition may still be
    /// appended, start a new epoch and number the queued batches again from 0.
    fn maybe_bump_epoch(&mut self, p: usize) {
        if self.in_network[p] > 0 || self.queues[p].iter().any(|b| b.maybe_appended) {
            return;
        }
        self.bump_pending[p] = false;
        self.epoch_bumps += 1;
        self.epoch[p] += 1;
        self.next_seq[p] = 0;
        self.acked_seq[p] = 0;
        for qb in self.queues[p].iter_mut().filter(|b| b.attempts > 0) {
            qb.batch.epoch = self.epoch[p];
            qb.batch.base_seq = self.next_seq[p];
            self.next_seq[p] = self.next_seq[p].wrapping_add(qb.batch.len());
        }
    }

    /// A request's answer (or its timeout) reached the producer: the batch is out of the network.
    pub fn answered(&mut self, sent: &Sent) {
        self.in_network[sent.batch.partition.index()] -= 1;
    }

    pub fn acknowledged(&mut self, batch: &Batch) {
        let p = batch.partition.index();
        if batch.epoch == self.epoch[p] {
            self.acked_seq[p] = self.acked_seq[p].max(batch.base_seq.wrapping_add(batch.len()));
        }
    }

    /// Sender.completeBatch / canRetry: retry while attempts < retries and delivery.timeout.ms has not
    /// passed, after the KIP-580 exponential backoff. `error` is None for a request timeout.
    pub fn retry_or_fail(&mut self, sent: Sent, error: Option<ProduceError>, now: SimTime) -> Retry {
        let p = sent.batch.partition.index();
        let expired = now >= sent.first_attempt + SimTime::from_millis(self.cfg.delivery_timeout_ms);
        let fatal = error == Some(ProduceError::InvalidProducerEpoch);
        // An out-of-order answer says this send was not appended; a timeout or an error after the append
        // leaves it possibly in the log.
        let maybe_appended = match error {
            None => true,
            Some(ProduceError::OutOfOrderSequence) => false,
            Some(_) => sent.maybe_appended,
        };
        // TransactionManager.canRetry: out of order although it follows the last acknowledged batch means
        // the broker lost the producer's state: bump the epoch.
        if error == Some(ProduceError::OutOfOrderSequence)
            && sent.batch.epoch == self.epoch[p]
            && sent.batch.base_seq == self.acked_seq[p]
        {
            self.bump_pending[p] = true;
        }
        if sent.attempts >= self.cfg.retries || expired || fatal {
            // handleFailedBatch: a gap in the sequence numbers; the next batches need a new epoch.
            if self.cfg.idempotent() {
                self.bump_pending[p] = true;
            }
            self.refresh(p);
            return Retry::Failed(sent.batch.len());
        }
        let not_before = now + self.backoff(sent.attempts);
        let batch = Rc::unwrap_or_clone(sent.batch);
        let attempts = sent.attempts + 1;
        let q = &mut self.queues[p];
        // Retries go out in sequence order, ahead of newer batches.
        let pos = q
            .iter()
            .position(|b| b.attempts == 0 || (b.batch.epoch, b.batch.base_seq) > (batch.epoch, batch.base_seq))
            .unwrap_or(q.len());
        let first_attempt = sent.first_attempt;
        q.insert(
            pos,
            QueuedBatch {
                batch,
                created: first_attempt,
                ready: true,
                attempts,
                first_attempt,
                not_before,
                maybe_appended,
            },
        );
        self.refresh(p);
        Retry::At(not_before)
    }

    /// KIP-580 (ExponentialBackoff, as RecordAccumulator uses it): retry.backoff.ms doubled per earlier
    /// retry, up to retry.backoff.max.ms, times a random factor in [0.8, 1.2), never above the maximum.
    fn backoff(&mut self, retries_before: u32) -> SimTime {
        let initial = self.cfg.retry_backoff_ms.min(self.cfg.retry_backoff_max_ms) as f64;
        let max = self.cfg.retry_backoff_max_ms as f64;
        if max <= initial {
            return SimTime::from_millis(initial as u64);
        }
        let exp_max = (max / initial.max(1.0)).log2();
        let term = initial * 2f64.powf(f64::from(retries_before).min(exp_max));
        let jitter = self.backoff_rng.random_range(0.8..1.2);
        SimTime::from_millis(((jitter * term) as u64).min(max as u64))
    }

    /// Removes batches that waited in the accumulator longer than delivery.timeout.ms (for example for a
    /// partition without a leader) and returns how many records failed (RecordAccumulator.expiredBatches).
    pub fn expire(&mut self, now: SimTime) -> u64 {
        if now < self.expiry_floor {
            return 0;
        }
        let timeout = SimTime::from_millis(self.cfg.delivery_timeout_ms);
        let idempotent = self.cfg.idempotent();
        let mut failed = 0;
        self.expiry_floor = SimTime::MAX;
        for p in 0..self.queues.len() {
            let q = &mut self.queues[p];
            while let Some(front) = q.front() {
                if now < front.first_attempt + timeout {
                    break;
                }
                let b = q.pop_front().expect("front exists");
                // A batch that was sent had sequence numbers: its failure leaves a gap.
                if b.attempts > 0 && idempotent {
                    self.bump_pending[p] = true;
                }
                failed += u64::from(b.batch.len());
            }
            self.refresh(p);
        }
        failed
    }

    /// Records still in the accumulator or in requests: neither acknowledged nor failed yet.
    pub fn records_in_flight(&self) -> u64 {
        let queued: u64 = self.queues.iter().flatten().map(|b| u64::from(b.batch.len())).sum();
        let sent: u64 = self.in_flight.values().flat_map(|f| &f.batches).map(|s| u64::from(s.batch.len())).sum();
        queued + sent
    }

    /// Nothing left to send or wait for.
    pub fn idle(&self) -> bool {
        self.done_producing && self.in_flight.is_empty() && self.queues.iter().all(|q| q.is_empty())
    }

    /// Earliest time a queued, ready batch may be retried (for scheduling the next drain).
    pub fn next_retry_time(&self) -> Option<SimTime> {
        if !self.has_flagged() {
            return None; // no queue starts with a ready batch
        }
        self.queues.iter().filter_map(|q| q.front()).filter(|b| b.ready).map(|b| b.not_before).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    const P0: PartitionId = PartitionId(0);
    const B0: BrokerId = BrokerId(0);

    fn producer(cfg: ProducerConfig) -> Producer {
        Producer::new(ProducerId(0), cfg, 1, 1, stream(1, "p"), stream(1, "backoff"))
    }

    fn ms(v: u64) -> SimTime {
        SimTime::from_millis(v)
    }

    fn rec() -> Record {
        Record { created: SimTime::ZERO, event_time: SimTime::ZERO, key: 0, value: 0 }
    }

    /// linger.ms 0: a batch is ready as soon as it is opened (it still takes records until the sender takes it).
    fn eager() -> Producer {
        producer(ProducerConfig { linger_ms: 0, ..ProducerConfig::default() })
    }

    /// Appends `records` records as one batch and sends it (linger.ms 0).
    fn send(p: &mut Producer, records: u32, now: SimTime) -> Sent {
        for _ in 0..records {
            p.append(P0, rec(), now);
        }
        p.drain(B0, &[P0], now).pop().expect("a ready batch is sent")
    }

    /// KIP-580: 100 ms, then doubling, capped at retry.backoff.max.ms (1000), each within 20 % jitter.
    #[test]
    fn retry_backoff_grows_exponentially_to_its_maximum() {
        let mut p = producer(ProducerConfig::default());
        for (retries, base) in [(0u32, 100.0), (1, 200.0), (2, 400.0), (3, 800.0)] {
            let ms = p.backoff(retries).as_millis_f64();
            assert!((base * 0.8..base * 1.2).contains(&ms), "retry {retries}: {ms} ms");
        }
        for retries in [4, 10, 40] {
            let ms = p.backoff(retries).as_millis_f64();
            assert!((800.0..=1000.0).contains(&ms), "capped: {ms} ms");
        }
    }

    /// A batch gets its sequence numbers when sent, so one that expires unsent leaves no gap; a sent batch
    /// that fails makes the next ones start a new epoch from sequence 0 (KIP-360).
    #[test]
    fn sequences_are_assigned_at_send_and_restart_after_a_failed_batch() {
        let mut cfg = ProducerConfig { linger_ms: 0, ..ProducerConfig::default() };
        cfg.delivery_timeout_ms = cfg.request_timeout_ms;
        let mut p = producer(cfg);
        let rec = Record { created: SimTime::ZERO, event_time: SimTime::ZERO, key: 0, value: 0 };
        p.append(PartitionId(0), rec, SimTime::ZERO);
        p.append(PartitionId(0), rec, SimTime::ZERO);
        assert_eq!(p.expire(SimTime::from_millis(30_000)), 2, "both expired unsent");
        p.append(PartitionId(0), rec, SimTime::from_millis(30_000));
        let sent = p.drain(BrokerId(0), &[PartitionId(0)], SimTime::from_millis(30_000)).pop().expect("sent");
        assert_eq!((sent.batch.epoch, sent.batch.base_seq, sent.batch.first_record), (0, 0, 2));
        p.answered(&sent);
        assert_eq!(p.retry_or_fail(sent, None, SimTime::from_millis(60_000)), Retry::Failed(1));
        p.append(PartitionId(0), rec, SimTime::from_millis(60_000));
        let next = p.drain(BrokerId(0), &[PartitionId(0)], SimTime::from_millis(60_000)).pop().expect("sent");
        assert_eq!((next.batch.epoch, next.batch.base_seq, next.batch.first_record), (1, 0, 3));
        assert_eq!(p.epoch_bumps, 1);
    }

    /// batch.size 16384 with 128-byte records: exactly 128 fit. The batch is full (ready before linger.ms)
    /// once the next record would not fit, not before; the 129th record opens the next batch.
    #[test]
    fn a_batch_takes_records_up_to_batch_size_and_is_ready_when_full() {
        let mut p = producer(ProducerConfig { record_bytes: 128, ..ProducerConfig::default() });
        assert_eq!(p.append(P0, rec(), ms(3)), Some(ms(3)), "the first record opens a batch");
        for _ in 1..127 {
            assert_eq!(p.append(P0, rec(), ms(3)), None);
        }
        assert!(!p.queues()[0][0].ready, "127 records (16256 bytes): one more fits");
        assert!(!p.has_flagged() && p.next_retry_time().is_none());
        assert_eq!(p.append(P0, rec(), ms(4)), None);
        let full = &p.queues()[0][0];
        assert_eq!((full.batch.len(), full.batch.bytes, full.ready), (128, 16_384, true));
        assert!(p.has_flagged());
        assert_eq!(p.append(P0, rec(), ms(4)), Some(ms(4)));
        let next = &p.queues()[0][1];
        assert_eq!((next.batch.first_record, next.batch.len(), next.batch.bytes, next.ready), (128, 1, 128, false));
        assert_eq!((p.queues()[0][0].batch.first_record, next.created), (0, ms(4)));
    }

    /// A batch is sendable before linger.ms only when full (its bytes reach batch.size,
    /// MemoryRecordsBuilder.isFull) or when a record that does not fit opened the next one
    /// (RecordAccumulator.ready, `dq.size() > 1`): a record of more than half waits like any other; one of
    /// batch.size or more is a full batch of its own.
    #[test]
    fn a_batch_is_sendable_when_full_or_when_the_next_record_does_not_fit() {
        let mut big = producer(ProducerConfig { record_bytes: 8193, ..ProducerConfig::default() });
        big.append(P0, rec(), SimTime::ZERO);
        assert!(!big.queues()[0][0].ready, "16384 - 8193 bytes of room: it lingers");
        assert_eq!(big.append(P0, rec(), ms(1)), Some(ms(1)), "the second does not fit: a new batch");
        assert!(big.queues()[0][0].ready && !big.queues()[0][1].ready);
        let mut hundred = producer(ProducerConfig { record_bytes: 100, ..ProducerConfig::default() });
        for _ in 0..163 {
            hundred.append(P0, rec(), SimTime::ZERO);
        }
        assert!(!hundred.queues()[0][0].ready, "16300 bytes: 84 left, not full");
        let mut huge = producer(ProducerConfig { record_bytes: 16_384, ..ProducerConfig::default() });
        for _ in 0..2 {
            assert!(huge.append(P0, rec(), SimTime::ZERO).is_some());
        }
        assert!(huge.queues()[0].iter().all(|b| b.batch.len() == 1 && b.ready));
    }

    /// Once one of a broker's partitions has a sendable batch, its request takes the first batch of every
    /// partition the broker leads, lingering or not (RecordAccumulator.drainBatchesForOneNode); without
    /// one, nothing goes. Another broker's partitions wait for their own.
    #[test]
    fn a_sendable_batch_takes_the_lingering_first_batches_of_its_brokers_other_partitions() {
        let (p1, p2) = (PartitionId(1), PartitionId(2));
        let cfg = ProducerConfig { record_bytes: 100, batch_size: 200, ..ProducerConfig::default() };
        let mut p = Producer::new(ProducerId(0), cfg, 3, 2, stream(1, "p"), stream(1, "backoff"));
        for part in [P0, p1, p2] {
            p.append(part, rec(), ms(1));
        }
        assert!(p.drain(B0, &[P0, p1], ms(2)).is_empty(), "all linger: no request");
        p.append(p1, rec(), ms(2));
        assert!(p.queues()[1][0].ready, "partition 1's batch is full");
        let sent: Vec<(u32, u32)> =
            p.drain(B0, &[P0, p1], ms(2)).iter().map(|s| (s.batch.partition.0, s.batch.len())).collect();
        assert_eq!(sent, vec![(0, 1), (1, 2)], "partition 0's lingering batch rides along");
        assert_eq!(p.queues()[2].len(), 1, "partition 2 is led by another broker");
        assert!(p.drain(BrokerId(1), &[p2], ms(2)).is_empty());
    }

    /// linger.ms 0 makes a batch ready at once; it still takes records until the sender drains it.
    #[test]
    fn with_linger_zero_a_batch_is_ready_at_once_and_fills_until_sent() {
        let mut p = eager();
        p.append(P0, rec(), SimTime::ZERO);
        assert!(p.queues()[0][0].ready && p.has_flagged());
        assert_eq!(p.next_retry_time(), Some(SimTime::ZERO));
        assert_eq!(p.append(P0, rec(), SimTime::ZERO), None);
        let sent = p.drain(B0, &[P0], SimTime::ZERO);
        assert_eq!(sent.iter().map(|s| s.batch.len()).collect::<Vec<_>>(), vec![2]);
        assert!(!p.has_flagged(), "nothing left to send");
        assert_eq!(p.next_retry_time(), None);
    }

    /// linger.ms expiring for the batch created at that time makes it ready; another time changes nothing.
    #[test]
    fn linger_expiry_readies_the_batch_created_then() {
        let mut p = producer(ProducerConfig::default());
        p.append(P0, rec(), ms(3));
        p.linger_expired(P0, ms(2));
        assert!(!p.queues()[0][0].ready);
        assert!(p.drain(B0, &[P0], ms(7)).is_empty(), "not ready: the sender leaves it");
        p.linger_expired(P0, ms(3));
        assert!(p.queues()[0][0].ready && p.has_flagged());
        assert_eq!(p.drain(B0, &[P0], ms(8)).len(), 1);
    }

    /// A batch filled at the instant it opened, and the next one opened then: both were created at that time,
    /// and linger expiry readies the one still lingering. (A search for the first batch created then found
    /// the full one, and the last waited until delivery.timeout.ms failed it.)
    #[test]
    fn linger_expiry_readies_the_lingering_batch_of_two_created_at_once() {
        let mut p = producer(ProducerConfig { record_bytes: 100, batch_size: 200, ..ProducerConfig::default() });
        assert_eq!(p.append(P0, rec(), ms(3)), Some(ms(3)));
        assert_eq!(p.append(P0, rec(), ms(3)), None, "the first batch is full, and ready");
        assert_eq!(p.append(P0, rec(), ms(3)), Some(ms(3)), "a second batch opened at the same time");
        assert!(!p.queues()[0][1].ready);
        p.linger_expired(P0, ms(3));
        assert!(p.queues()[0][1].ready);
    }

    /// A retried batch keeps its records (it takes no new ones) and its creation time; linger expiry for a
    /// new batch created at the same time readies the new one.
    #[test]
    fn a_retried_batch_takes_no_records_and_linger_readies_only_new_batches() {
        let mut p = producer(ProducerConfig::default());
        p.append(P0, rec(), SimTime::ZERO);
        p.linger_expired(P0, SimTime::ZERO);
        let sent = p.drain(B0, &[P0], ms(5)).pop().expect("sent");
        p.answered(&sent);
        assert!(matches!(p.retry_or_fail(sent, Some(ProduceError::NotLeader), ms(10)), Retry::At(_)));
        assert_eq!(p.append(P0, rec(), SimTime::ZERO), Some(SimTime::ZERO), "a new batch behind the retry");
        let q = &p.queues()[0];
        assert_eq!((q[0].batch.len(), q[0].attempts, q[0].created, q[1].attempts), (1, 1, SimTime::ZERO, 0));
        assert!(!q[1].ready);
        p.linger_expired(P0, SimTime::ZERO);
        assert!(p.queues()[0][1].ready);
    }

    /// max.in.flight.requests.per.connection (default 5): with 5 requests in flight to a broker the sender
    /// takes nothing for it; with 4 it does.
    #[test]
    fn the_sender_takes_nothing_for_a_broker_with_max_in_flight_requests() {
        let mut p = eager();
        p.append(P0, rec(), SimTime::ZERO);
        p.in_flight_per_broker[0] = 5;
        assert!(p.drain(B0, &[P0], SimTime::ZERO).is_empty());
        p.in_flight_per_broker[0] = 4;
        assert_eq!(p.drain(B0, &[P0], SimTime::ZERO).len(), 1);
    }

    /// Sequence numbers count records: batches of 3 and 2 records get base sequences 0 and 3, the epoch 0.
    #[test]
    fn base_sequences_count_the_records_sent_before() {
        let mut p = eager();
        let a = send(&mut p, 3, SimTime::ZERO);
        let b = send(&mut p, 2, SimTime::ZERO);
        let c = send(&mut p, 1, SimTime::ZERO);
        let seqs = [&a, &b, &c].map(|s| (s.batch.epoch, s.batch.base_seq, s.batch.first_record, s.attempts));
        assert_eq!(seqs, [(0, 0, 0, 0), (0, 3, 3, 0), (0, 5, 5, 0)]);
    }

    /// Sender.canRetry: a batch is retried while its earlier sends are fewer than `retries`; with retries 2
    /// the third failure is final. The retry waits retry.backoff.ms (100, jitter 20 %) and keeps its sequence
    /// numbers and first-attempt time.
    #[test]
    fn a_batch_is_retried_retries_times_after_the_backoff() {
        let mut p = producer(ProducerConfig { linger_ms: 0, retries: 2, ..ProducerConfig::default() });
        let mut sent = send(&mut p, 2, ms(1));
        let mut now = ms(1_000);
        for attempt in 1..=2 {
            p.answered(&sent);
            let Retry::At(at) = p.retry_or_fail(sent, Some(ProduceError::NotLeader), now) else {
                panic!("attempt {attempt} is retried")
            };
            let backoff = (at - now).as_millis_f64();
            let base = if attempt == 1 { 100.0 } else { 200.0 };
            assert!((base * 0.8..base * 1.2).contains(&backoff), "backoff {backoff} ms");
            assert!(p.drain(B0, &[P0], at - SimTime::from_nanos(1)).is_empty(), "not before the backoff");
            assert_eq!(p.next_retry_time(), Some(at));
            sent = p.drain(B0, &[P0], at).pop().expect("retried");
            assert_eq!(
                (sent.attempts, sent.first_attempt, sent.batch.epoch, sent.batch.base_seq, sent.batch.len()),
                (attempt, ms(1), 0, 0, 2)
            );
            now = at + ms(10);
        }
        p.answered(&sent);
        assert_eq!(p.retry_or_fail(sent, Some(ProduceError::NotLeader), now), Retry::Failed(2));
    }

    /// delivery.timeout.ms (120000) counts from the first attempt: a failure at exactly that age is final
    /// (ProducerBatch.hasReachedDeliveryTimeout), one a millisecond earlier is retried.
    #[test]
    fn a_failure_at_the_delivery_timeout_is_final() {
        let mut p = eager();
        let sent = send(&mut p, 1, ms(5));
        p.answered(&sent);
        let Retry::At(at) = p.retry_or_fail(sent, None, ms(120_004)) else { panic!("retried") };
        let sent = p.drain(B0, &[P0], at).pop().expect("retried");
        p.answered(&sent);
        assert_eq!(p.retry_or_fail(sent, None, ms(120_005)), Retry::Failed(1));
    }

    /// INVALID_PRODUCER_EPOCH is not retried, whatever retries and delivery.timeout.ms allow.
    #[test]
    fn an_invalid_producer_epoch_is_not_retried() {
        let mut p = eager();
        let sent = send(&mut p, 1, SimTime::ZERO);
        p.answered(&sent);
        assert_eq!(p.retry_or_fail(sent, Some(ProduceError::InvalidProducerEpoch), ms(1)), Retry::Failed(1));
    }

    /// Whether a retried batch may already be in the log: yes after a request timeout, no after
    /// OUT_OF_ORDER_SEQUENCE_NUMBER, unchanged otherwise.
    #[test]
    fn a_retry_remembers_whether_an_earlier_send_may_be_in_the_log() {
        let cases = [
            (None, false, true),
            (Some(ProduceError::OutOfOrderSequence), true, false),
            (Some(ProduceError::NotLeader), true, true),
            (Some(ProduceError::NotEnoughReplicas), false, false),
        ];
        for (error, before, after) in cases {
            let mut p = eager();
            let mut sent = send(&mut p, 1, SimTime::ZERO);
            sent.maybe_appended = before;
            p.answered(&sent);
            p.retry_or_fail(sent, error, ms(1));
            assert_eq!(p.queues()[0][0].maybe_appended, after, "{error:?}");
        }
    }

    /// Retries go back in sequence order, ahead of batches never sent, whatever order their answers came in.
    #[test]
    fn retries_are_queued_in_sequence_order_ahead_of_new_batches() {
        let mut p = eager();
        let sent: Vec<Sent> = (0..3).map(|_| send(&mut p, 1, SimTime::ZERO)).collect();
        p.append(P0, rec(), SimTime::ZERO);
        let [a, b, c] = <[Sent; 3]>::try_from(sent).ok().expect("three");
        for s in [b, a, c] {
            p.answered(&s);
            p.retry_or_fail(s, Some(ProduceError::NotLeader), ms(1));
        }
        let order: Vec<_> = p.queues()[0].iter().map(|b| (b.batch.base_seq, b.attempts)).collect();
        assert_eq!(order, vec![(0, 1), (1, 1), (2, 1), (0, 0)]);
    }

    /// A retry goes out alone: only once nothing else of its partition is in the network
    /// (RecordAccumulator.shouldStopDrainBatchesForPartition).
    #[test]
    fn a_retry_waits_until_nothing_of_its_partition_is_in_the_network() {
        let mut p = eager();
        let a = send(&mut p, 1, SimTime::ZERO);
        let b = send(&mut p, 1, SimTime::ZERO);
        p.answered(&a);
        let Retry::At(at) = p.retry_or_fail(a, Some(ProduceError::NotLeader), ms(1)) else { panic!("retried") };
        assert!(p.drain(B0, &[P0], at).is_empty(), "b is still in the network");
        p.answered(&b);
        let retry = p.drain(B0, &[P0], at).pop().expect("now it goes");
        assert_eq!((retry.batch.base_seq, retry.attempts), (0, 1));
    }

    /// KIP-360: a sent batch that fails leaves a gap in the sequence numbers. The epoch is bumped once nothing
    /// of the partition is in the network; the retries queued then are numbered again from 0 in the new
    /// epoch, and batches never sent get their numbers when sent, after them.
    #[test]
    fn an_epoch_bump_waits_for_the_network_then_renumbers_the_retries() {
        let mut p = eager();
        let a = send(&mut p, 1, SimTime::ZERO);
        let b = send(&mut p, 2, SimTime::ZERO);
        p.answered(&a);
        assert_eq!(p.retry_or_fail(a, Some(ProduceError::InvalidProducerEpoch), ms(1)), Retry::Failed(1));
        assert!(p.has_flagged(), "a bump is due");
        p.append(P0, rec(), ms(1));
        assert!(p.drain(B0, &[P0], ms(1)).is_empty(), "b may still be appended: no bump, nothing sent");
        assert_eq!((p.epoch[0], p.epoch_bumps), (0, 0));
        p.answered(&b);
        let Retry::At(at) = p.retry_or_fail(b, Some(ProduceError::OutOfOrderSequence), ms(2)) else {
            panic!("retried")
        };
        assert!(p.drain(B0, &[P0], ms(2)).is_empty(), "the bump happens; b waits for its backoff");
        assert_eq!((p.epoch[0], p.epoch_bumps, p.next_seq[0]), (1, 1, 2));
        let b = p.drain(B0, &[P0], at).pop().expect("b again");
        let d = p.drain(B0, &[P0], at).pop().expect("the new batch");
        assert_eq!((b.batch.epoch, b.batch.base_seq, b.attempts), (1, 0, 1));
        assert_eq!((d.batch.epoch, d.batch.base_seq, d.attempts), (1, 2, 0));
        assert_eq!(p.next_seq[0], 3);
    }

    /// While a bump waits, a batch that may be in the log (its request timed out) goes out again with its old
    /// epoch and sequence, to settle; new batches wait.
    #[test]
    fn while_a_bump_waits_only_batches_that_may_be_in_the_log_go_out() {
        let mut p = eager();
        let a = send(&mut p, 1, SimTime::ZERO);
        let b = send(&mut p, 1, SimTime::ZERO);
        p.answered(&a);
        p.retry_or_fail(a, Some(ProduceError::InvalidProducerEpoch), ms(1));
        p.answered(&b);
        let Retry::At(at) = p.retry_or_fail(b, None, ms(30_000)) else { panic!("retried") };
        p.append(P0, rec(), at);
        let b = p.drain(B0, &[P0], at).pop().expect("b settles");
        assert_eq!((b.batch.epoch, b.batch.base_seq, p.epoch_bumps), (0, 1, 0));
        assert!(p.drain(B0, &[P0], at).is_empty(), "the new batch waits for the bump");
        p.answered(&b);
        p.acknowledged(&b.batch);
        let d = p.drain(B0, &[P0], at).pop().expect("bumped, then sent");
        assert_eq!((d.batch.epoch, d.batch.base_seq, p.epoch_bumps), (1, 0, 1));
    }

    /// TransactionManager.canRetry: OUT_OF_ORDER_SEQUENCE_NUMBER for the batch right after the last
    /// acknowledged one means the broker lost the producer's state: bump the epoch. For a batch further on
    /// it only means an earlier one is missing: retry with the same numbers.
    #[test]
    fn out_of_order_right_after_the_last_acknowledged_batch_bumps_the_epoch() {
        for acked_first in [true, false] {
            let mut p = eager();
            let a = send(&mut p, 1, SimTime::ZERO);
            let b = send(&mut p, 1, SimTime::ZERO);
            p.answered(&a);
            if acked_first {
                p.acknowledged(&a.batch);
            }
            p.answered(&b);
            let Retry::At(at) = p.retry_or_fail(b, Some(ProduceError::OutOfOrderSequence), ms(1)) else {
                panic!("retried")
            };
            let b = p.drain(B0, &[P0], at).pop().expect("b again");
            let expected = if acked_first { (1, 0) } else { (0, 1) };
            assert_eq!((b.batch.epoch, b.batch.base_seq), expected, "a acknowledged: {acked_first}");
        }
    }

    /// An acknowledgement from an earlier epoch says nothing about the current one.
    #[test]
    fn an_acknowledgement_of_an_earlier_epoch_is_ignored() {
        let mut p = eager();
        let a = send(&mut p, 1, SimTime::ZERO);
        p.answered(&a);
        p.retry_or_fail(a, Some(ProduceError::InvalidProducerEpoch), ms(1));
        let b = send(&mut p, 1, ms(1));
        let c = send(&mut p, 1, ms(1));
        assert_eq!((b.batch.epoch, b.batch.base_seq, c.batch.base_seq), (1, 0, 1));
        let (producer, partition) = (b.batch.producer, b.batch.partition);
        let old = Batch::first(producer, partition, 0, rec(), 100, 1);
        p.acknowledged(&old);
        p.answered(&b);
        p.answered(&c);
        let Retry::At(at) = p.retry_or_fail(c, Some(ProduceError::OutOfOrderSequence), ms(2)) else {
            panic!("retried")
        };
        let c = p.drain(B0, &[P0], at).pop().expect("c again");
        assert_eq!((c.batch.epoch, c.batch.base_seq), (1, 1), "b was not acknowledged: no bump");
    }

    /// Without idempotence a failed batch leaves no gap to repair: the sequence numbers run on.
    #[test]
    fn without_idempotence_a_failure_bumps_nothing() {
        let mut p = producer(ProducerConfig { linger_ms: 0, idempotence: Some(false), ..ProducerConfig::default() });
        let a = send(&mut p, 1, SimTime::ZERO);
        p.answered(&a);
        p.retry_or_fail(a, Some(ProduceError::InvalidProducerEpoch), ms(1));
        assert!(!p.has_flagged());
        let b = send(&mut p, 1, ms(1));
        assert_eq!((b.batch.epoch, b.batch.base_seq, p.epoch_bumps), (0, 1, 0));
    }

    /// RecordAccumulator.expiredBatches: a batch expires at exactly delivery.timeout.ms (120000) after its
    /// creation, however long it waited (here, never drained), and each batch at its own time.
    #[test]
    fn queued_batches_expire_at_the_delivery_timeout() {
        let mut p = producer(ProducerConfig { record_bytes: 9_000, ..ProducerConfig::default() });
        p.append(P0, rec(), SimTime::ZERO);
        p.append(P0, rec(), ms(10_000));
        assert_eq!(p.expire(ms(119_999)), 0);
        assert_eq!(p.expire(ms(120_000)), 1);
        assert_eq!(p.queues()[0].len(), 1);
        assert_eq!(p.expire(ms(129_999)), 0);
        assert_eq!(p.expire(ms(135_000)), 1);
        assert!(p.queues()[0].is_empty());
    }

    /// A retry that waited past delivery.timeout.ms expires too; it was sent, so its numbers leave a gap and
    /// the next batch starts a new epoch.
    #[test]
    fn an_expired_retry_leaves_a_gap_that_bumps_the_epoch() {
        let mut p = eager();
        let a = send(&mut p, 3, SimTime::ZERO);
        p.answered(&a);
        assert!(matches!(p.retry_or_fail(a, None, ms(30_000)), Retry::At(_)));
        assert_eq!(p.expire(ms(120_000)), 3);
        let b = send(&mut p, 1, ms(120_000));
        assert_eq!((b.batch.epoch, b.batch.base_seq), (1, 0));
    }

    /// Records neither acknowledged nor failed: those queued plus those in requests.
    #[test]
    fn records_in_flight_count_the_queue_and_the_requests() {
        let mut p = eager();
        let sent = send(&mut p, 3, SimTime::ZERO);
        p.append(P0, rec(), SimTime::ZERO);
        p.append(P0, rec(), SimTime::ZERO);
        p.in_flight.insert(0, InFlight { broker: B0, batches: vec![sent], deadline: ms(30_000) });
        assert_eq!(p.records_in_flight(), 5);
    }

    /// Idle: done producing, no request in flight, nothing queued.
    #[test]
    fn a_producer_is_idle_once_done_with_nothing_queued_or_in_flight() {
        let mut p = eager();
        assert!(!p.idle(), "still producing");
        p.done_producing = true;
        assert!(p.idle());
        let sent = send(&mut p, 1, SimTime::ZERO);
        p.in_flight.insert(0, InFlight { broker: B0, batches: vec![sent], deadline: ms(30_000) });
        assert!(!p.idle(), "a request in flight");
        p.in_flight.clear();
        p.append(P0, rec(), SimTime::ZERO);
        assert!(!p.idle(), "a batch queued");
    }

    /// retry.backoff.ms at or above retry.backoff.max.ms: the backoff is the maximum, without jitter
    /// (ExponentialBackoff with expMax 0).
    #[test]
    fn a_backoff_not_below_its_maximum_is_constant() {
        let cfg = ProducerConfig { retry_backoff_ms: 2_000, retry_backoff_max_ms: 500, ..ProducerConfig::default() };
        let mut p = producer(cfg);
        assert!((0..5).all(|r| p.backoff(r) == ms(500)));
    }

    /// At the cap the jitter still applies below it: backoffs fall in [800, 1000] ms, not all at 1000.
    #[test]
    fn the_capped_backoff_keeps_its_jitter_below_the_maximum() {
        let mut p = producer(ProducerConfig::default());
        let backoffs: Vec<u64> = (0..20).map(|_| p.backoff(10).as_millis()).collect();
        assert!(backoffs.iter().all(|ms| (800..=1000).contains(ms)), "{backoffs:?}");
        assert!(backoffs.iter().any(|&ms| ms < 990), "{backoffs:?}");
    }
}
