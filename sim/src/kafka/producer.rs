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
use crate::time::SimTime;
use crate::workload::{Record, Workload};
use rand::RngExt;
use std::collections::{BTreeMap, VecDeque};
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
    /// Per partition: the sender has something to do there (a ready first batch, or an epoch bump due).
    flagged: Vec<bool>,
    /// How many partitions are flagged: with none, the sender loop has nothing to drain.
    flagged_count: u32,
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
    pub in_flight: BTreeMap<u64, InFlight>,
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
            flagged: vec![false; n],
            flagged_count: 0,
            expiry_floor: SimTime::MAX,
            next_record: vec![0; n],
            epoch: vec![0; n],
            next_seq: vec![0; n],
            acked_seq: vec![0; n],
            bump_pending: vec![false; n],
            in_network: vec![0; n],
            epoch_bumps: 0,
            in_flight: BTreeMap::new(),
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
            // A batch takes records until full, even after it became ready; a retried batch takes none.
            if last.attempts == 0 && last.batch.bytes + size <= limit {
                last.batch.records.push(record);
                last.batch.bytes += size;
                if last.batch.bytes + size > limit {
                    last.ready = true;
                    self.refresh(p);
                }
                return None;
            }
            last.ready = true;
        }
        // The first record always fits, even if larger than batch.size (Kafka sends it alone).
        let mut records = Vec::with_capacity((limit / size).clamp(1, 1024) as usize);
        records.push(record);
        let batch = Batch {
            producer: self.id,
            partition,
            first_record: self.next_record[p] - 1,
            epoch: 0,
            base_seq: 0,
            records,
            bytes: size,
        };
        q.push_back(QueuedBatch {
            batch,
            created: now,
            ready: linger_zero || size * 2 > limit,
            attempts: 0,
            first_attempt: now,
            not_before: SimTime::ZERO,
            maybe_appended: false,
        });
        self.refresh(p);
        Some(now)
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
        if flag != self.flagged[p] {
            self.flagged[p] = flag;
            if flag {
                self.flagged_count += 1;
            } else {
                self.flagged_count -= 1;
            }
        }
        if let Some(b) = front {
            self.expiry_floor =
                self.expiry_floor.min(b.first_attempt + SimTime::from_millis(self.cfg.delivery_timeout_ms));
        }
    }

    /// Marks the batch created at `created` on `partition` ready (linger.ms expired).
    pub fn linger_expired(&mut self, partition: PartitionId, created: SimTime) {
        let p = partition.index();
        if let Some(b) = self.queues[p].iter_mut().find(|b| b.created == created && b.attempts == 0) {
            b.ready = true;
            self.refresh(p);
        }
    }

    /// Takes the first ready batch of each of `partitions` (Sender drain), if this connection has room.
    /// A batch gets its sequence numbers when first sent (RecordAccumulator.drainBatchesForOneNode).
    pub fn drain(&mut self, broker: BrokerId, partitions: &[PartitionId], now: SimTime) -> Vec<Sent> {
        if self.in_flight_per_broker[broker.index()] >= self.cfg.max_in_flight {
            return Vec::new();
        }
        let mut out = Vec::new();
        for &p in partitions {
            let p = p.index();
            // Nothing ready and no bump due: `refresh` has nothing to change there either.
            if !self.flagged[p] {
                continue;
            }
            if self.bump_pending[p] {
                self.maybe_bump_epoch(p);
            }
            let q = &mut self.queues[p];
            let in_network = self.in_network[p];
            let takes = q.front().is_some_and(|b| {
                // A retry goes out alone, once nothing else of the partition is in the network, so retries
                // cannot overtake each other (RecordAccumulator.shouldStopDrainBatchesForPartition). While
                // a bump waits, only batches that may already be in the log go out, to settle.
                b.ready
                    && b.not_before <= now
                    && (b.attempts == 0 || in_network == 0)
                    && (!self.bump_pending[p] || b.maybe_appended)
            });
            if !takes {
                self.refresh(p);
                continue;
            }
            let mut qb = q.pop_front().expect("front exists");
            self.refresh(p);
            if qb.attempts == 0 {
                qb.batch.epoch = self.epoch[p];
                qb.batch.base_seq = self.next_seq[p];
                self.next_seq[p] = self.next_seq[p].wrapping_add(qb.batch.len());
            }
            self.in_network[p] += 1;
            out.push(Sent {
                batch: Rc::new(qb.batch),
                attempts: qb.attempts,
                first_attempt: qb.first_attempt,
                maybe_appended: qb.maybe_appended,
            });
        }
        out
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
            None | Some(ProduceError::NotEnoughReplicasAfterAppend) => true,
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
        let batch = Rc::try_unwrap(sent.batch).unwrap_or_else(|rc| Batch {
            producer: rc.producer,
            partition: rc.partition,
            first_record: rc.first_record,
            epoch: rc.epoch,
            base_seq: rc.base_seq,
            records: rc.records.clone(),
            bytes: rc.bytes,
        });
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

    fn producer(cfg: ProducerConfig) -> Producer {
        Producer::new(ProducerId(0), cfg, 1, 1, stream(1, "p"), stream(1, "backoff"))
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
}
