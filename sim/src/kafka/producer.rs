//! The producer client: the record accumulator (batching by `batch.size` and `linger.ms`), the sender
//! (one request per broker with the first ready batch of each partition it leads, at most
//! `max.in.flight.requests.per.connection` in flight), retries and sequence numbers.
//! Source: org.apache.kafka.clients.producer.internals.RecordAccumulator and Sender.

use super::partitioner::StickyPartitioner;
use super::{Batch, BatchRef};
use crate::rng::SimRng;
use crate::scenario::ProducerConfig;
use crate::time::SimTime;
use crate::workload::{Record, Workload};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// A batch waiting in the accumulator.
pub struct QueuedBatch {
    pub batch: Batch,
    pub created: SimTime,
    /// Linger expired, or full: the sender may take it.
    pub ready: bool,
    /// A retry: keep its sequence numbers and first-attempt time.
    pub attempts: u32,
    pub first_attempt: SimTime,
    /// Not before this time (retry.backoff.ms).
    pub not_before: SimTime,
}

/// A request the producer is waiting on.
pub struct InFlight {
    pub broker: u32,
    pub batches: Vec<(BatchRef, u32, SimTime)>, // batch, attempts so far, first attempt
    /// request.timeout.ms after it was sent.
    pub deadline: SimTime,
}

pub struct Producer {
    pub id: u32,
    pub cfg: ProducerConfig,
    pub workload: Workload,
    pub rng: SimRng,
    pub sticky: StickyPartitioner,
    /// Per partition: batches in creation order; only the last may still take records.
    pub queues: Vec<VecDeque<QueuedBatch>>,
    /// The sequence number after the last record that left the accumulator, per partition.
    pub next_seq: Vec<u32>,
    pub in_flight: BTreeMap<u64, InFlight>,
    /// Requests in flight per broker.
    pub in_flight_per_broker: Vec<u32>,
    pub done_producing: bool,
    /// A RequestTimeouts event is scheduled for this producer.
    pub timeout_armed: bool,
}

impl Producer {
    pub fn new(id: u32, cfg: ProducerConfig, partitions: u32, brokers: u32, rng: SimRng) -> Self {
        Producer {
            id,
            workload: Workload::new(&cfg, partitions),
            sticky: StickyPartitioner::new(u64::from(cfg.batch_size)),
            cfg,
            rng,
            queues: (0..partitions).map(|_| VecDeque::new()).collect(),
            next_seq: vec![0; partitions as usize],
            in_flight: BTreeMap::new(),
            in_flight_per_broker: vec![0; brokers as usize],
            done_producing: false,
            timeout_armed: false,
        }
    }

    /// Appends a record (RecordAccumulator.append). Returns `Some(created)` when a new batch was opened,
    /// so the caller can arm its linger timer.
    pub fn append(&mut self, partition: u32, record: Record, now: SimTime) -> Option<SimTime> {
        let size = self.cfg.record_bytes;
        let limit = self.cfg.batch_size;
        let linger_zero = self.cfg.linger_ms == 0;
        let q = &mut self.queues[partition as usize];
        if let Some(last) = q.back_mut() {
            // A batch takes records until full, even after it became ready; a retried batch takes none.
            if last.attempts == 0 && last.batch.bytes + size <= limit {
                last.batch.records.push(record);
                last.batch.bytes += size;
                if last.batch.bytes + size > limit {
                    last.ready = true;
                }
                return None;
            }
            last.ready = true;
        }
        // The first record always fits, even if larger than batch.size (Kafka sends it alone).
        let seq = match q.back() {
            Some(b) if b.attempts == 0 => b.batch.base_seq.wrapping_add(b.batch.len()),
            _ => self.next_seq[partition as usize],
        };
        let mut records = Vec::with_capacity((limit / size).clamp(1, 1024) as usize);
        records.push(record);
        q.push_back(QueuedBatch {
            batch: Batch { producer: self.id, partition, base_seq: seq, records, bytes: size },
            created: now,
            ready: linger_zero || size * 2 > limit,
            attempts: 0,
            first_attempt: now,
            not_before: SimTime::ZERO,
        });
        Some(now)
    }

    /// Marks the batch created at `created` on `partition` ready (linger.ms expired).
    pub fn linger_expired(&mut self, partition: u32, created: SimTime) {
        if let Some(b) = self.queues[partition as usize].iter_mut().find(|b| b.created == created && b.attempts == 0) {
            b.ready = true;
        }
    }

    /// Takes the first ready batch of each of `partitions` (Sender drain), if this connection has room.
    pub fn drain(&mut self, broker: u32, partitions: &[u32], now: SimTime) -> Vec<(Batch, u32, SimTime)> {
        if self.in_flight_per_broker[broker as usize] >= self.cfg.max_in_flight {
            return Vec::new();
        }
        let mut out = Vec::new();
        for &p in partitions {
            let q = &mut self.queues[p as usize];
            let takes = q.front().is_some_and(|b| b.ready && b.not_before <= now);
            if takes {
                let qb = q.pop_front().expect("front exists");
                if qb.attempts == 0 {
                    // Sequence numbers count records: the next new batch starts after this one.
                    self.next_seq[p as usize] = qb.batch.base_seq.wrapping_add(qb.batch.len());
                }
                out.push((qb.batch, qb.attempts, qb.first_attempt));
            }
        }
        out
    }

    /// Puts a failed batch back at the front of its queue, to be retried after the backoff.
    pub fn requeue(&mut self, batch: BatchRef, attempts: u32, first_attempt: SimTime, not_before: SimTime) {
        let batch = Rc::try_unwrap(batch).unwrap_or_else(|rc| Batch {
            producer: rc.producer,
            partition: rc.partition,
            base_seq: rc.base_seq,
            records: rc.records.clone(),
            bytes: rc.bytes,
        });
        let q = &mut self.queues[batch.partition as usize];
        // Retries go out in sequence order, ahead of newer batches.
        let pos = q.iter().position(|b| b.attempts == 0 || b.batch.base_seq > batch.base_seq).unwrap_or(q.len());
        q.insert(pos, QueuedBatch { batch, created: first_attempt, ready: true, attempts, first_attempt, not_before });
    }

    /// Removes batches that waited in the accumulator longer than delivery.timeout.ms (for example for a
    /// partition without a leader) and returns how many records failed (RecordAccumulator.expiredBatches).
    pub fn expire(&mut self, now: SimTime) -> u64 {
        let timeout = SimTime::from_millis(self.cfg.delivery_timeout_ms);
        let mut failed = 0;
        for (p, q) in self.queues.iter_mut().enumerate() {
            while let Some(front) = q.front() {
                if now < front.first_attempt + timeout {
                    break;
                }
                let b = q.pop_front().expect("front exists");
                if b.attempts == 0 {
                    self.next_seq[p] = b.batch.base_seq.wrapping_add(b.batch.len());
                }
                failed += u64::from(b.batch.len());
            }
        }
        failed
    }

    /// Nothing left to send or wait for.
    pub fn idle(&self) -> bool {
        self.done_producing && self.in_flight.is_empty() && self.queues.iter().all(|q| q.is_empty())
    }

    /// Earliest time a queued, ready batch may be retried (for scheduling the next drain).
    pub fn next_retry_time(&self) -> Option<SimTime> {
        self.queues.iter().filter_map(|q| q.front()).filter(|b| b.ready).map(|b| b.not_before).min()
    }
}
