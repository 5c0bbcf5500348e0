//! The Kafka model: producers, brokers hosting partition replicas, consumer groups.

pub mod assignor;
pub mod bandwidth;
pub mod broker;
pub mod cluster;
pub mod consumer;
pub mod consumer_group;
pub mod controller;
pub mod coordinator;
pub mod env;
pub mod ids;
pub mod leader;
pub mod partitioner;
pub mod producer;
pub mod replication;
pub mod sender;
#[cfg(test)]
pub(crate) mod testkit;

use crate::ledger::RecordRange;
use crate::time::SimTime;
use crate::workload::Record;
use ids::{Offset, PartitionId, ProducerId};
use std::rc::Rc;

/// A producer batch: records for one partition with consecutive sequence numbers
/// (the idempotent producer numbers records per partition, from `base_seq`).
#[derive(Clone, Debug)]
pub struct Batch {
    pub producer: ProducerId,
    pub partition: PartitionId,
    /// The ledger's number of the first record, per (producer, partition): fixed when the record is created,
    /// unlike `base_seq`, which the sender assigns and an epoch bump rewrites (KIP-360).
    pub first_record: u32,
    /// The producer epoch and first sequence number the batch was sent with.
    pub epoch: u32,
    pub base_seq: u32,
    pub records: Vec<Record>,
    pub bytes: u32,
    /// The latest creation time of its records: the record batch header's maxTimestamp, which time-based
    /// retention compares with retention.ms (LogSegment.largestTimestamp), so the check reads no record.
    pub max_timestamp: SimTime,
}

impl Batch {
    /// Full once its bytes reach `batch_size` (MemoryRecordsBuilder.isFull).
    pub fn is_full(&self, batch_size: u32) -> bool {
        self.bytes >= batch_size
    }

    /// A batch of `record` alone; `capacity` records fit before the list grows.
    pub fn first(
        producer: ProducerId,
        partition: PartitionId,
        first_record: u32,
        record: Record,
        bytes: u32,
        capacity: usize,
    ) -> Batch {
        let mut records = Vec::with_capacity(capacity);
        records.push(record);
        let max_timestamp = record.created;
        Batch { producer, partition, first_record, epoch: 0, base_seq: 0, records, bytes, max_timestamp }
    }

    pub fn push(&mut self, record: Record, bytes: u32) {
        self.max_timestamp = self.max_timestamp.max(record.created);
        self.records.push(record);
        self.bytes += bytes;
    }

    pub fn len(&self) -> u32 {
        self.records.len() as u32
    }
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
    /// The batch's records, as the ledger numbers them.
    pub fn range(&self) -> RecordRange {
        RecordRange { producer: self.producer, partition: self.partition, first: self.first_record, n: self.len() }
    }
}

/// Shared between the producer (until acknowledged) and every log that holds it.
pub type BatchRef = Rc<Batch>;

/// Why a broker refused a batch. All but InvalidProducerEpoch are retried by the Java client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProduceError {
    /// NOT_LEADER_OR_FOLLOWER: the producer's metadata is stale.
    NotLeader,
    /// NOT_ENOUGH_REPLICAS: acks=all and the ISR is smaller than min.insync.replicas.
    NotEnoughReplicas,
    /// OUT_OF_ORDER_SEQUENCE_NUMBER: an earlier batch of this producer is missing.
    OutOfOrderSequence,
    /// INVALID_PRODUCER_EPOCH: a batch from before the producer bumped its epoch (not retried).
    InvalidProducerEpoch,
}

/// A range of a partition's log handed to a consumer.
#[derive(Clone, Debug)]
pub struct Chunk {
    pub partition: PartitionId,
    /// Offset of `batch.records[from]`.
    pub offset: Offset,
    pub batch: BatchRef,
    pub from: u32,
    pub to: u32,
    /// The partition's leader epoch when the leader read it.
    pub leader_epoch: u32,
}

impl Chunk {
    pub fn len(&self) -> u32 {
        self.to - self.from
    }
    pub fn is_empty(&self) -> bool {
        self.to == self.from
    }
    /// The chunk's share of its batch's bytes (a producer's records all have its record_bytes).
    pub fn bytes(&self) -> u64 {
        u64::from(self.batch.bytes) * u64::from(self.len()) / u64::from(self.batch.len().max(1))
    }
    pub fn end_offset(&self) -> Offset {
        self.offset.plus(self.len())
    }
    /// The chunk's records, as the ledger numbers them.
    pub fn range(&self) -> RecordRange {
        RecordRange { first: self.batch.first_record + self.from, n: self.len(), ..self.batch.range() }
    }
}
