//! How an engine reads Kafka: as a consumer group of its own, with a fetch position per partition, as the
//! Flink Kafka source, a Spark query and a batch job each do. Against the cluster it fetches like any
//! consumer: a request to each partition leader, answered once there are records past its position below
//! the high watermark (or after fetch.max.wait.ms), across the network and the leader's network interface
//! (`kafka::consumer::send_fetches`, `Cluster::on_consumer_fetch`). A restarted job rewinds to the offsets
//! of its last checkpoint and reads them again from the log (Flink's KafkaSourceReader restores its
//! splits' offsets from the checkpoint).

use super::{Engine, EngineRecord};
use crate::kafka::Chunk;
use crate::kafka::cluster::Cluster;
use crate::kafka::consumer::{continuing, send_fetches};
use crate::kafka::env::Env;
use crate::kafka::ids::{BrokerId, EngineId, FetchPosition, Offset, PartitionId};
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
    /// Bumped when the job fails: answers to the fetches it sent before are dropped.
    epoch: u32,
    /// Whether a fetch is in flight to each broker.
    fetch_in_flight: Vec<bool>,
    buffer: Vec<EngineRecord>,
}

impl EngineConsumer {
    /// When a failed job will read again (it reads nothing until then).
    pub fn resumes_at(&self) -> Option<SimTime> {
        self.resumes_at
    }

    fn cover(&mut self, partitions: usize) {
        if self.position.len() < partitions {
            self.position.resize(partitions, Offset::ZERO);
        }
    }

    /// Hands the records of the buffer at or past their partition's position to the engine at `now`.
    fn deliver_buffer(&mut self, engine: &mut dyn Engine, now: SimTime) {
        for &r in &self.buffer {
            let pos = &mut self.position[r.partition as usize];
            if r.offset >= *pos {
                *pos = r.offset.next();
                engine.on_record(now, r);
            }
        }
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
        self.cover(topic.partitions());
        for p in partitions {
            self.buffer.clear();
            topic.read(p, self.position[p.index()], &mut self.buffer);
            self.deliver_buffer(engine, now);
        }
    }

    /// Reads every partition (after a restart, or to catch up).
    pub fn poll_all(&mut self, engine: &mut dyn Engine, topic: &dyn Topic, now: SimTime) {
        self.poll(engine, topic, PartitionId::all(topic.partitions()), now);
    }

    /// Sends engine `id`'s fetches from its positions to the partition leaders it has none in flight to.
    /// A job that is down sends none.
    pub fn fetch(&mut self, env: &mut Env, cluster: &Cluster, id: EngineId) {
        if self.resumes_at.is_some() {
            return;
        }
        self.cover(cluster.partitions.len());
        self.fetch_in_flight.resize(cluster.brokers.len(), false);
        let positions = PartitionId::all(cluster.partitions.len())
            .map(|p| FetchPosition { partition: p, offset: self.position[p.index()] });
        send_fetches(env, cluster, (id.into(), self.epoch), &mut self.fetch_in_flight, positions);
    }

    /// The answer to a fetch sent to `broker` arrives now: its records at the positions go to the engine,
    /// and the job fetches again (KafkaConsumer.poll sends the next fetch once a response is taken).
    pub fn on_fetch_response(
        &mut self,
        engine: &mut dyn Engine,
        (env, cluster): (&mut Env, &Cluster),
        (id, epoch, broker): (EngineId, u32, BrokerId),
        chunks: Vec<Chunk>,
    ) {
        if epoch != self.epoch || self.resumes_at.is_some() {
            return;
        }
        self.fetch_in_flight[broker.index()] = false;
        engine.advance_to(env.now);
        let position = &self.position;
        let fresh: Vec<Chunk> = continuing(chunks, |p| Some(position[p.index()])).collect();
        self.buffer.clear();
        self.buffer.extend(fresh.iter().flat_map(records));
        self.deliver_buffer(engine, env.now);
        self.fetch(env, cluster, id);
    }

    /// The job's metadata changed: a new leader (`broker` None: fetch every partition again) or a broker
    /// restarted (its connection broke: fetch from it again).
    pub fn refetch(&mut self, env: &mut Env, cluster: &Cluster, id: EngineId, broker: Option<BrokerId>) {
        match broker {
            Some(b) => self.fetch_in_flight.get_mut(b.index()).into_iter().for_each(|f| *f = false),
            None => self.fetch_in_flight.iter_mut().for_each(|f| *f = false),
        }
        self.fetch(env, cluster, id);
    }

    /// A task failure at `t`: the job stops reading until it has restarted.
    pub fn fail(&mut self, engine: &mut dyn Engine, t: SimTime) {
        if let Some(at) = engine.fail(t) {
            self.resumes_at = Some(at);
            self.epoch += 1;
            self.fetch_in_flight.iter_mut().for_each(|f| *f = false);
        }
    }

    /// The restart is due at `now`: the job restores its checkpoint and its positions go back to the
    /// checkpoint's offsets (or stay, without checkpoints). Returns whether it restarted.
    fn restart(&mut self, engine: &mut dyn Engine, now: SimTime) -> bool {
        if self.resumes_at.is_none_or(|at| at > now) {
            return false;
        }
        self.resumes_at = None;
        engine.advance_to(now);
        if let Some(offsets) = engine.rewind() {
            for (p, pos) in self.position.iter_mut().enumerate() {
                *pos = offsets.get(p).copied().unwrap_or_default();
            }
        }
        true
    }

    /// The restart is due at `now`: the job reads `topic` again from where it restarted.
    pub fn resume(&mut self, engine: &mut dyn Engine, topic: &dyn Topic, now: SimTime) {
        if self.restart(engine, now) {
            self.poll_all(engine, topic, now);
        }
    }

    /// The restart of engine `id` is due now: the job fetches again from where it restarted.
    pub fn resume_fetching(&mut self, engine: &mut dyn Engine, env: &mut Env, cluster: &Cluster, id: EngineId) {
        if self.restart(engine, env.now) {
            self.fetch(env, cluster, id);
        }
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

    /// The job runs and has read every partition that has a leader up to its log end (records above the
    /// HW are readable once the followers have them).
    pub fn caught_up(&self, cluster: &Cluster) -> bool {
        self.resumes_at.is_none()
            && cluster.partitions.iter().all(|part| {
                part.leader.is_none() || self.position.get(part.id.index()).copied().unwrap_or_default() >= part.log_end
            })
    }
}

/// The records of a chunk as the engines read them.
fn records(c: &Chunk) -> impl Iterator<Item = EngineRecord> + '_ {
    let records = &c.batch.records[c.from as usize..c.to as usize];
    (0..).zip(records).map(|(i, r)| EngineRecord::of(r, c.partition, c.offset.plus(i)))
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
        out.extend(chunks.iter().flat_map(records));
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
