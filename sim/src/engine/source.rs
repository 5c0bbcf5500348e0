//! How an engine reads Kafka: as a consumer group of its own, with a fetch position per partition, as the
//! Flink Kafka source, a Spark query and a batch job each do. It reads what the log holds up to the high
//! watermark, and a restarted job rewinds to the offsets of its last checkpoint and reads them again from
//! the log (Flink's KafkaSourceReader restores its splits' offsets from the checkpoint).

use super::{Engine, EngineRecord};
use crate::kafka::cluster::Cluster;
use crate::kafka::ids::{Offset, PartitionId};
use crate::time::SimTime;

/// A topic as a reader sees it: per partition, the records from an offset up to what is readable now.
pub trait Topic {
    fn partitions(&self) -> usize;
    /// Appends the readable records of `partition` from `from` on to `out`, in offset order; a position
    /// below the log's start reads from the start (auto.offset.reset = earliest).
    fn read(&self, partition: PartitionId, from: Offset, out: &mut Vec<EngineRecord>);
}

/// An engine's consumer: its own positions, independent of every other group's.
#[derive(Clone, Debug, Default)]
pub struct EngineConsumer {
    position: Vec<Offset>,
    /// When a failed job reads again.
    resumes_at: Option<SimTime>,
    buffer: Vec<EngineRecord>,
}

impl EngineConsumer {
    /// When a failed job will read again (it reads nothing until then).
    pub fn resumes_at(&self) -> Option<SimTime> {
        self.resumes_at
    }

    /// Reads `partitions` from the engine's positions and hands the records over at `now`, the time they
    /// are readable. A job that is down reads nothing: its records wait in the log.
    pub fn poll(
        &mut self,
        engine: &mut dyn Engine,
        topic: &dyn Topic,
        partitions: impl IntoIterator<Item = PartitionId>,
        now: SimTime,
    ) {
        if self.resumes_at.is_some() {
            return;
        }
        engine.advance_to(now);
        if self.position.len() < topic.partitions() {
            self.position.resize(topic.partitions(), Offset::ZERO);
        }
        for p in partitions {
            self.buffer.clear();
            topic.read(p, self.position[p.index()], &mut self.buffer);
            for &r in &self.buffer {
                self.position[p.index()] = r.offset.next();
                engine.on_record(now, r);
            }
        }
    }

    /// Reads every partition (after a restart, or to catch up).
    pub fn poll_all(&mut self, engine: &mut dyn Engine, topic: &dyn Topic, now: SimTime) {
        self.poll(engine, topic, PartitionId::all(topic.partitions()), now);
    }

    /// A task failure at `t`: the job stops reading until it has restarted.
    pub fn fail(&mut self, engine: &mut dyn Engine, t: SimTime) {
        if let Some(at) = engine.fail(t) {
            self.resumes_at = Some(at);
        }
    }

    /// The restart is due at `now`: the job restores its checkpoint, its positions go back to the
    /// checkpoint's offsets (or stay, without checkpoints) and it reads the log from there.
    pub fn resume(&mut self, engine: &mut dyn Engine, topic: &dyn Topic, now: SimTime) {
        if self.resumes_at.is_none_or(|at| at > now) {
            return;
        }
        self.resumes_at = None;
        engine.advance_to(now);
        if let Some(offsets) = engine.rewind() {
            for (p, pos) in self.position.iter_mut().enumerate() {
                *pos = offsets.get(p).copied().unwrap_or_default();
            }
        }
        self.poll_all(engine, topic, now);
    }

    /// The input ends at `t`: a restart under way completes and reads what it rewound to, then the engine
    /// finishes.
    pub fn finish(&mut self, engine: &mut dyn Engine, topic: &dyn Topic, t: SimTime) {
        if let Some(at) = self.resumes_at {
            self.resume(engine, topic, at);
        }
        engine.finish(t);
    }

    /// A new leader's log ends at `log_end`: a position past it goes back to it (KIP-320).
    pub fn truncated(&mut self, partition: PartitionId, log_end: Offset) {
        if let Some(pos) = self.position.get_mut(partition.index()) {
            *pos = (*pos).min(log_end);
        }
    }
}

/// The cluster's topic: an engine reads from the partition's leader, up to the HW.
impl Topic for Cluster {
    fn partitions(&self) -> usize {
        self.partitions.len()
    }

    fn read(&self, partition: PartitionId, from: Offset, out: &mut Vec<EngineRecord>) {
        let part = &self.partitions[partition.index()];
        if part.leader.is_none() {
            return;
        }
        let mut chunks = Vec::new();
        part.read(from, u32::MAX, &mut chunks);
        for c in chunks {
            let records = &c.batch.records[c.from as usize..c.to as usize];
            for (i, r) in (0..).zip(records) {
                out.push(EngineRecord::of(r, partition, c.offset.plus(i)));
            }
        }
    }
}

/// Records in memory, as a topic: for driving an engine without a Kafka cluster (tests, traces).
#[derive(Clone, Debug, Default)]
struct RecordLog {
    partitions: Vec<Vec<EngineRecord>>,
}

impl RecordLog {
    /// Appends `r` to its partition, at the partition's next offset.
    fn append(&mut self, mut r: EngineRecord) {
        let p = r.partition as usize;
        if self.partitions.len() <= p {
            self.partitions.resize(p + 1, Vec::new());
        }
        r.offset = Offset(self.partitions[p].len() as u64);
        self.partitions[p].push(r);
    }
}

impl Topic for RecordLog {
    fn partitions(&self) -> usize {
        self.partitions.len()
    }

    fn read(&self, partition: PartitionId, from: Offset, out: &mut Vec<EngineRecord>) {
        if let Some(log) = self.partitions.get(partition.index()) {
            out.extend_from_slice(&log[(from.0 as usize).min(log.len())..]);
        }
    }
}

/// An engine reading an in-memory topic through its consumer: each record is readable from the time it
/// is appended, and a failed job reads again (from its checkpoint) when it has restarted.
#[derive(Clone, Debug, Default)]
pub struct MemoryFeed {
    log: RecordLog,
    reader: EngineConsumer,
}

impl MemoryFeed {
    /// Appends `r` (its offset is the partition's next) and lets the engine read it at `at`.
    pub fn push(&mut self, engine: &mut dyn Engine, at: SimTime, r: EngineRecord) {
        self.resume_due(engine, at);
        self.log.append(r);
        self.reader.poll(engine, &self.log, [PartitionId(r.partition)], at);
    }

    /// A task failure at `t`.
    pub fn fail(&mut self, engine: &mut dyn Engine, t: SimTime) {
        self.reader.fail(engine, t);
    }

    /// The input ends at `t`: a restart under way completes and reads, then the engine finishes.
    pub fn finish(&mut self, engine: &mut dyn Engine, t: SimTime) {
        self.reader.finish(engine, &self.log, t);
    }

    fn resume_due(&mut self, engine: &mut dyn Engine, now: SimTime) {
        if let Some(at) = self.reader.resumes_at().filter(|&at| at <= now) {
            self.reader.resume(engine, &self.log, at);
        }
    }
}

/// What a job's source has read, per partition: the next offset, which a checkpoint snapshots, and the
/// furthest it ever read, below which a record is read again (a replay after a rewind).
#[derive(Clone, Debug, Default)]
pub struct SourceOffsets {
    next: Vec<Offset>,
    furthest: Vec<Offset>,
}

impl SourceOffsets {
    /// Notes that `r` was read; returns whether for the first time.
    pub fn read(&mut self, r: &EngineRecord) -> bool {
        let p = r.partition as usize;
        if self.next.len() <= p {
            self.next.resize(p + 1, Offset::ZERO);
            self.furthest.resize(p + 1, Offset::ZERO);
        }
        self.next[p] = r.offset.next();
        let first = r.offset >= self.furthest[p];
        self.furthest[p] = self.furthest[p].max(self.next[p]);
        first
    }

    /// The next offset of every partition read so far, as a checkpoint stores them.
    pub fn snapshot(&self) -> Vec<Offset> {
        self.next.clone()
    }
}
