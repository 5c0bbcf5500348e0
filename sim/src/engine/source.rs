//! How an engine reads Kafka: as a consumer group of its own, with a fetch position per partition, as the
//! Flink Kafka source, a Spark query and a batch job each do. Against the cluster it fetches like any
//! consumer: a request to each partition leader, answered once there are records past its position below
//! the high watermark (or after fetch.max.wait.ms), across the network and the leader's network interface
//! (`kafka::consumer::send_fetches`, `Cluster::on_consumer_fetch`). A restarted job rewinds to the offsets
//! of its last checkpoint and reads them again from the log (Flink's KafkaSourceReader restores its
//! splits' offsets from the checkpoint).
//!
//! An engine that reads at its triggers (Spark's micro-batches, the batch job) holds nothing between
//! them: at a trigger it takes each partition's readable end and decides a range; once its tasks start,
//! the reader fetches exactly that range through the same path and hands it over when all of it arrived.

use super::{Engine, EngineRecord, ReadPlan, Reads};
use crate::kafka::Chunk;
use crate::kafka::cluster::Cluster;
use crate::kafka::consumer::{continuing, reset_out_of_range, send_fetches};
use crate::kafka::env::{Env, Event};
use crate::kafka::ids::{BrokerId, EngineId, FetchPosition, Offset, OutOfRange, PartitionId};
use crate::time::SimTime;

/// A topic as a reader sees it: per partition, the records from an offset up to what is readable now.
pub trait Topic {
    fn partitions(&self) -> usize;
    /// Appends the readable records of `partition` from `from` on to `out`, in offset order; a position
    /// below the log's start reads from the start (auto.offset.reset = earliest).
    fn read(&self, partition: PartitionId, from: Offset, out: &mut Vec<EngineRecord>);
    /// Where the readable records of `partition` end (None while it cannot be read).
    fn end(&self, partition: PartitionId) -> Option<Offset>;
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
    /// The engine reads at its triggers: the reader wakes at `wake_at` (`Event::EngineWake`) for the next
    /// trigger or for the tasks to start, and `range` is the input of the trigger under way.
    at_trigger: bool,
    wake_at: Option<SimTime>,
    range: Option<RangeRead>,
    /// The engine's input ended (`finish`): it reads, triggers and fails no more.
    ended: bool,
}

/// The input of a trigger: its planned offsets and the records read of them so far.
#[derive(Clone, Debug)]
struct RangeRead {
    plan: ReadPlan,
    /// How many offsets it spans.
    planned: u64,
    /// Whether the tasks started reading it.
    fetching: bool,
    records: Vec<EngineRecord>,
}

impl EngineConsumer {
    /// Whether the engine's input ended.
    pub fn ended(&self) -> bool {
        self.ended
    }

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
            let pos = &mut self.position[r.partition.index()];
            if r.offset >= *pos {
                *pos = r.offset.next();
                engine.on_record(now, r);
            }
        }
    }

    /// Reads `partitions` from the engine's positions and hands the records over at `now`, the time they
    /// are readable. A job that is down reads nothing: its records wait in the log; one that reads at its
    /// triggers is not handed records as they come.
    pub fn poll(
        &mut self,
        engine: &mut dyn Engine,
        topic: &dyn Topic,
        partitions: impl IntoIterator<Item = PartitionId>,
        now: SimTime,
    ) {
        if self.resumes_at.is_some() || matches!(engine.reads(), Reads::AtTrigger(_)) {
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

    /// Engine `id` starts reading the cluster: fetching at once, or waiting for its first trigger.
    pub fn start(&mut self, engine: &dyn Engine, env: &mut Env, cluster: &Cluster, id: EngineId) {
        self.at_trigger = matches!(engine.reads(), Reads::AtTrigger(_));
        self.fetch(env, cluster, id);
        self.arm(engine, env, id);
    }

    /// Sends engine `id`'s fetches from its positions to the partition leaders it has none in flight to:
    /// every partition, or for an engine reading at its triggers the unread part of the range its tasks
    /// read. A job that is down sends none.
    pub fn fetch(&mut self, env: &mut Env, cluster: &Cluster, id: EngineId) {
        if self.ended {
            return;
        }
        let ends: Option<Vec<Offset>> = match &self.range {
            Some(r) if r.fetching => Some(r.plan.ranges.iter().map(|r| r.end).collect()),
            _ if self.at_trigger => return,
            _ => None,
        };
        if self.resumes_at.is_some() {
            return;
        }
        self.cover(cluster.partitions.len());
        self.fetch_in_flight.resize(cluster.brokers.len(), false);
        let position = &self.position;
        let unread = |p: usize, offset: Offset| ends.as_ref().is_none_or(|e| e.get(p).is_some_and(|&end| offset < end));
        let positions = || {
            (0..)
                .zip(position)
                .filter(|&(p, &o)| unread(p, o))
                .map(|(p, &offset)| FetchPosition { partition: PartitionId(p as u32), offset })
        };
        send_fetches(env, cluster, (id.into(), self.epoch), &mut self.fetch_in_flight, positions);
    }

    /// Wakes the reader when the engine's next trigger is due, or when the tasks of the one under way start.
    fn arm(&mut self, engine: &dyn Engine, env: &mut Env, id: EngineId) {
        let due = match &self.range {
            Some(r) if !r.fetching => Some(r.plan.tasks_start),
            Some(_) => None,
            None => match engine.reads() {
                Reads::AtTrigger(at) => at,
                Reads::AsRecordsArrive => None,
            },
        };
        if let Some(at) = due.map(|at| at.max(env.now)).filter(|&at| self.wake_at != Some(at)) {
            self.wake_at = Some(at);
            env.at(at, Event::EngineWake { engine: id.index() });
        }
    }

    /// The reader of engine `id` wakes now: the trigger due decides its range from where each partition's
    /// readable records end (KafkaMicroBatchStream.latestOffset), or the tasks start fetching the range.
    pub fn wake(&mut self, engine: &mut dyn Engine, env: &mut Env, cluster: &Cluster, id: EngineId) {
        if self.ended || self.wake_at != Some(env.now) {
            return; // the input ended, or a wake-up set before the next one moved
        }
        self.wake_at = None;
        engine.advance_to(env.now);
        match &mut self.range {
            Some(r) => {
                r.fetching = true;
                self.fetch_range(engine, env, cluster, id);
            }
            None => {
                if let Reads::AtTrigger(Some(at)) = engine.reads()
                    && at <= env.now
                {
                    let ends = self.ends(cluster);
                    if let Some(plan) = engine.trigger(env.now, &ends) {
                        self.begin(plan);
                    }
                }
            }
        }
        self.arm(engine, env, id);
    }

    /// Where each partition's readable records end; where it cannot be read, the position.
    fn ends(&mut self, topic: &dyn Topic) -> Vec<Offset> {
        self.cover(topic.partitions());
        (0..).zip(&self.position).map(|(p, &pos)| topic.end(PartitionId(p)).unwrap_or(pos)).collect()
    }

    /// A trigger planned `plan`: the positions go to its starts.
    fn begin(&mut self, mut plan: ReadPlan) {
        self.cover(plan.ranges.len());
        for (pos, r) in self.position.iter_mut().zip(&plan.ranges) {
            *pos = r.start;
        }
        let planned = plan.ranges.iter().map(|r| r.start.distance_to(r.end)).sum::<u64>();
        let mut records = std::mem::take(&mut plan.buffer);
        debug_assert!(records.is_empty(), "a plan offers an empty buffer");
        records.reserve(planned as usize);
        self.range = Some(RangeRead { plan, planned, fetching: false, records });
    }

    /// Takes the buffered records that continue the range under way.
    fn take_range_buffer(&mut self) {
        let Some(r) = &mut self.range else { return };
        for &rec in &self.buffer {
            let p = rec.partition.index();
            let pos = &mut self.position[p];
            if rec.offset >= *pos && r.plan.ranges.get(p).is_some_and(|range| rec.offset < range.end) {
                *pos = rec.offset.next();
                r.records.push(rec);
            }
        }
    }

    /// Hands the range over at `now` if every partition's part of it was read or found deleted by
    /// retention (the log starts past it: those offsets are lost). Returns whether it did.
    fn complete_range(&mut self, engine: &mut dyn Engine, now: SimTime) -> bool {
        let Some(r) = &self.range else { return false };
        if (r.plan.ranges.iter().zip(&self.position)).any(|(range, &pos)| pos < range.end) {
            return false;
        }
        let r = self.range.take().expect("checked");
        let deleted = r.planned - r.records.len() as u64;
        engine.on_input(now, r.records, deleted);
        true
    }

    /// The range is complete, or its unread part is fetched.
    fn fetch_range(&mut self, engine: &mut dyn Engine, env: &mut Env, cluster: &Cluster, id: EngineId) {
        if !self.complete_range(engine, env.now) {
            self.fetch(env, cluster, id);
        }
    }

    /// The range under way read straight from `topic`, handed over at `at`.
    fn read_range_directly(&mut self, engine: &mut dyn Engine, topic: &dyn Topic, at: SimTime) {
        let Some(r) = &self.range else { return };
        let ranges = r.plan.ranges.clone();
        for (p, range) in (0..).zip(ranges) {
            self.buffer.clear();
            topic.read(PartitionId(p), self.position[p as usize], &mut self.buffer);
            self.take_range_buffer();
            self.position[p as usize] = self.position[p as usize].max(range.end);
        }
        self.complete_range(engine, at);
    }

    /// Runs the engine's triggers against `topic`, reading each range straight from it once the tasks
    /// start (no network: an in-memory log, or the end of the run): those due before `before`, or with
    /// None those that find unread records.
    fn trigger_directly(&mut self, engine: &mut dyn Engine, topic: &dyn Topic, before: Option<SimTime>) {
        while let Reads::AtTrigger(Some(at)) = engine.reads()
            && before.is_none_or(|b| at < b)
        {
            let ends = self.ends(topic);
            if before.is_none() && ends.iter().zip(&self.position).all(|(end, pos)| end <= pos) {
                break;
            }
            if let Some(plan) = engine.trigger(at, &ends) {
                let tasks_start = plan.tasks_start;
                self.begin(plan);
                self.read_range_directly(engine, topic, tasks_start);
            }
        }
    }

    /// The answer to a fetch sent to `broker` arrives now: its records at the positions go to the engine,
    /// and the job fetches again (KafkaConsumer.poll sends the next fetch once a response is taken).
    pub fn on_fetch_response(
        &mut self,
        engine: &mut dyn Engine,
        (env, cluster): (&mut Env, &Cluster),
        (id, epoch, broker): (EngineId, u32, BrokerId),
        (chunks, out_of_range): (Vec<Chunk>, &[OutOfRange]),
    ) {
        if self.ended || epoch != self.epoch || self.resumes_at.is_some() {
            return;
        }
        self.fetch_in_flight[broker.index()] = false;
        engine.advance_to(env.now);
        reset_out_of_range(out_of_range, &mut self.position);
        let position = &self.position;
        let fresh: Vec<Chunk> = continuing(chunks, cluster, |p| Some(position[p.index()])).collect();
        self.buffer.clear();
        self.buffer.extend(fresh.iter().flat_map(records));
        if self.at_trigger {
            self.take_range_buffer();
            self.fetch_range(engine, env, cluster, id);
            self.arm(engine, env, id);
        } else {
            self.deliver_buffer(engine, env.now);
            self.fetch(env, cluster, id);
        }
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
        if self.ended {
            return;
        }
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
            rewind(&mut self.position, &offsets);
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

    /// The input ends at `t`: a restart under way completes and reads what it rewound to, the range under
    /// way is read, and the triggers that find unread records run; then the engine finishes.
    pub fn finish(&mut self, engine: &mut dyn Engine, topic: &dyn Topic, t: SimTime) {
        if std::mem::replace(&mut self.ended, true) {
            return;
        }
        if let Some(at) = self.resumes_at {
            self.resume(engine, topic, at);
        }
        if let Some(r) = &self.range {
            let at = t.max(r.plan.tasks_start);
            self.read_range_directly(engine, topic, at);
        }
        self.trigger_directly(engine, topic, None);
        engine.finish(t);
    }

    /// A new leader's log ends at `log_end`: a position past it goes back to it (KIP-320).
    pub fn truncated(&mut self, partition: PartitionId, log_end: Offset) {
        if let Some(pos) = self.position.get_mut(partition.index()) {
            *pos = (*pos).min(log_end);
        }
    }

    /// The job runs and has read every partition that has a leader up to its log end (records above the
    /// HW are readable once the followers have them); one that reads at its triggers has no range under
    /// way (what it has not read waits in the log for its next trigger, which runs when the run ends).
    pub fn caught_up(&self, cluster: &Cluster) -> bool {
        if self.ended {
            return true;
        }
        if self.at_trigger {
            return self.range.is_none();
        }
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

    fn end(&self, partition: PartitionId) -> Option<Offset> {
        let part = &self.partitions[partition.index()];
        part.leader.map(|_| part.hw)
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
        let p = r.partition.index();
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

    fn end(&self, partition: PartitionId) -> Option<Offset> {
        self.partitions.get(partition.index()).map(|log| Offset(log.len() as u64))
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
    /// Appends `r` (its offset is the partition's next) and lets the engine read it at `at`: at once, or
    /// at its first trigger from `at` on.
    pub fn push(&mut self, engine: &mut dyn Engine, at: SimTime, r: EngineRecord) {
        self.resume_due(engine, at);
        self.reader.trigger_directly(engine, &self.log, Some(at));
        self.log.append(r);
        self.reader.poll(engine, &self.log, [r.partition], at);
    }

    /// Runs the engine up to `t`, its triggers due by then included.
    pub fn advance(&mut self, engine: &mut dyn Engine, t: SimTime) {
        self.resume_due(engine, t);
        self.reader.trigger_directly(engine, &self.log, Some(t + SimTime(1)));
        engine.advance_to(t);
    }

    /// A task failure at `t`, after the triggers due by then.
    pub fn fail(&mut self, engine: &mut dyn Engine, t: SimTime) {
        self.reader.trigger_directly(engine, &self.log, Some(t + SimTime(1)));
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

/// Each partition's position goes back to its offset in `to` (a checkpoint's), or to the log's start
/// for a partition `to` lacks (it had read none of it).
fn rewind(positions: &mut [Offset], to: &[Offset]) {
    for (p, pos) in positions.iter_mut().enumerate() {
        *pos = to.get(p).copied().unwrap_or(Offset::ZERO);
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
        let p = r.partition.index();
        if self.next.len() <= p {
            self.next.resize(p + 1, Offset::ZERO);
            self.furthest.resize(p + 1, Offset::ZERO);
        }
        self.next[p] = r.offset.next();
        let first = r.offset >= self.furthest[p];
        self.furthest[p] = self.furthest[p].max(self.next[p]);
        first
    }

    /// The source goes back to `to` (a partition it lacks to the log's start), where the replay reads on
    /// from: a checkpoint taken before it reads anything holds these offsets, not the ones read before the
    /// failure (Flink's SourceReaderBase restores its splits' positions with the state; Spark's
    /// continuous query restarts from the last epoch's offsets). What was read stays read once.
    pub fn rewind(&mut self, to: &[Offset]) {
        rewind(&mut self.next, to);
    }

    /// The next offset of every partition read so far, as a checkpoint stores them.
    pub fn snapshot(&self) -> Vec<Offset> {
        self.next.clone()
    }
}

/// Engine 0's reader and the cluster of `kafka::testkit` (a 1 ms network), run event by event up to `until`.
#[cfg(test)]
pub(crate) fn run_reading(
    (env, cl): (&mut Env, &mut Cluster),
    reader: &mut EngineConsumer,
    e: &mut dyn Engine,
    until: SimTime,
) {
    let id = EngineId(0);
    while let Some(t) = env.queue.peek_time().filter(|&t| t <= until) {
        let (_, event) = env.queue.pop().expect("peeked");
        env.now = t;
        match event {
            Event::EngineWake { .. } => reader.wake(e, env, cl, id),
            Event::ConsumerFetchArrive { consumer, epoch, broker, incarnation, offsets } => {
                cl.on_consumer_fetch(env, consumer, epoch, broker, incarnation, offsets)
            }
            Event::ConsumerFetchExpire { consumer, broker, park } => {
                cl.on_consumer_fetch_expire(env, consumer, broker, park)
            }
            Event::ConsumerFetchResponse { epoch, broker, chunks, out_of_range, .. } => {
                reader.on_fetch_response(e, (env, cl), (id, epoch, broker), (chunks, &out_of_range))
            }
            other => panic!("not an event of an engine's reads: {other:?}"),
        }
    }
}

/// A test's engine reading an in-memory log through its `MemoryFeed`, read like the engine itself.
#[cfg(test)]
pub(crate) struct Fed<E> {
    pub e: E,
    pub kafka: MemoryFeed,
}

#[cfg(test)]
impl<E: Engine> Fed<E> {
    pub fn new(e: E) -> Self {
        Fed { e, kafka: MemoryFeed::default() }
    }
    pub fn advance_to(&mut self, t: SimTime) {
        self.kafka.advance(&mut self.e, t);
    }
    pub fn fail(&mut self, t: SimTime) {
        self.kafka.fail(&mut self.e, t);
    }
    pub fn finish(&mut self, t: SimTime) {
        self.kafka.finish(&mut self.e, t);
    }
}

#[cfg(test)]
impl<E> std::ops::Deref for Fed<E> {
    type Target = E;
    fn deref(&self) -> &E {
        &self.e
    }
}

#[cfg(test)]
impl<E> std::ops::DerefMut for Fed<E> {
    fn deref_mut(&mut self) -> &mut E {
        &mut self.e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EngineMetrics, EventTime};
    use crate::kafka::broker::Partition;
    use crate::kafka::testkit::{B0, B1, B2, P0, batch, cluster, env};

    /// An engine that notes what it is handed; a failure restarts it `restart` later, and a restart rewinds
    /// to `checkpoint` (None: reads on).
    struct Recorder {
        seen: Vec<(SimTime, u32, u64)>,
        advanced: SimTime,
        finished: Option<SimTime>,
        restart: Option<SimTime>,
        checkpoint: Option<Vec<Offset>>,
        metrics: EngineMetrics,
    }

    impl Recorder {
        fn new(restart: Option<SimTime>, checkpoint: Option<Vec<Offset>>) -> Recorder {
            let metrics = EngineMetrics::new(false);
            Recorder { seen: Vec::new(), advanced: SimTime::ZERO, finished: None, restart, checkpoint, metrics }
        }

        /// (partition, offset) of what it read, and forget it.
        fn take(&mut self) -> Vec<(u32, u64)> {
            self.seen.drain(..).map(|(_, p, o)| (p, o)).collect()
        }
    }

    impl Engine for Recorder {
        fn name(&self) -> &'static str {
            "recorder"
        }
        fn advance_to(&mut self, t: SimTime) {
            self.advanced = t;
        }
        fn on_record(&mut self, arrival: SimTime, r: EngineRecord) {
            self.seen.push((arrival, r.partition.0, r.offset.0));
        }
        fn fail(&mut self, t: SimTime) -> Option<SimTime> {
            self.restart.map(|d| t + d)
        }
        fn rewind(&mut self) -> Option<Vec<Offset>> {
            self.checkpoint.clone()
        }
        fn finish(&mut self, t: SimTime) {
            self.finished = Some(t);
        }
        fn metrics(&self) -> &EngineMetrics {
            &self.metrics
        }
        fn metrics_mut(&mut self) -> &mut EngineMetrics {
            &mut self.metrics
        }
    }

    fn ms(v: u64) -> SimTime {
        SimTime::from_millis(v)
    }

    fn record(partition: u32) -> EngineRecord {
        EngineRecord {
            created: SimTime::ZERO,
            event_time: EventTime::ZERO,
            key: 0,
            value: 0,
            partition: PartitionId(partition),
            offset: Offset(0),
        }
    }

    /// Partition 0 holds 3 records, partition 2 holds 2 (partition 1 none).
    fn log() -> RecordLog {
        let mut log = RecordLog::default();
        for p in [0, 2, 0, 2, 0] {
            log.append(record(p));
        }
        log
    }

    #[test]
    fn an_in_memory_log_numbers_each_partition_from_offset_0() {
        let log = log();
        assert_eq!(log.partitions(), 3);
        let mut out = Vec::new();
        log.read(PartitionId(0), Offset(1), &mut out);
        log.read(PartitionId(1), Offset(0), &mut out);
        log.read(PartitionId(2), Offset(0), &mut out);
        log.read(PartitionId(2), Offset(9), &mut out);
        log.read(PartitionId(7), Offset(0), &mut out);
        let read: Vec<(u32, u64)> = out.iter().map(|r| (r.partition.0, r.offset.0)).collect();
        assert_eq!(read, vec![(0, 1), (0, 2), (2, 0), (2, 1)]);
    }

    /// A poll hands over each readable record once, at the poll's time, and moves the position past it.
    #[test]
    fn a_poll_reads_each_record_once_from_the_position() {
        let mut log = log();
        let (mut engine, mut reader) = (Recorder::new(None, None), EngineConsumer::default());
        reader.poll(&mut engine, &log, [PartitionId(2), PartitionId(0)], ms(5));
        assert_eq!(engine.advanced, ms(5));
        assert_eq!(engine.seen, vec![(ms(5), 2, 0), (ms(5), 2, 1), (ms(5), 0, 0), (ms(5), 0, 1), (ms(5), 0, 2)]);
        engine.seen.clear();
        log.append(record(0));
        log.append(record(3));
        reader.poll_all(&mut engine, &log, ms(6));
        assert_eq!(engine.take(), vec![(0, 3), (3, 0)], "only the new records; a new partition from 0");
    }

    /// A failed job reads nothing until its restart is due; then it rewinds to its checkpoint's offsets
    /// (a partition the checkpoint does not know from 0) and reads the log again from there.
    #[test]
    fn a_restarted_job_rewinds_to_its_checkpoint_and_reads_again() {
        let log = log();
        let checkpoint = Some(vec![Offset(2), Offset(0)]);
        let (mut engine, mut reader) = (Recorder::new(Some(ms(100)), checkpoint), EngineConsumer::default());
        reader.poll_all(&mut engine, &log, ms(1));
        engine.take();
        reader.fail(&mut engine, ms(10));
        assert_eq!(reader.resumes_at(), Some(ms(110)));
        reader.poll_all(&mut engine, &log, ms(20));
        reader.resume(&mut engine, &log, ms(109));
        assert!(engine.seen.is_empty(), "down until 110 ms");
        reader.resume(&mut engine, &log, ms(110));
        assert_eq!(reader.resumes_at(), None);
        assert_eq!(engine.take(), vec![(0, 2), (2, 0), (2, 1)]);
    }

    /// Without a checkpoint the positions stay: a restart reads on; an engine that keeps reading through a
    /// failure (Spark re-runs its own batch) is never down.
    #[test]
    fn without_a_checkpoint_a_restart_reads_on() {
        let mut log = log();
        let (mut engine, mut reader) = (Recorder::new(Some(ms(100)), None), EngineConsumer::default());
        reader.poll_all(&mut engine, &log, ms(1));
        engine.take();
        reader.fail(&mut engine, ms(10));
        log.append(record(2));
        reader.resume(&mut engine, &log, ms(110));
        assert_eq!(engine.take(), vec![(2, 2)]);
        let mut spark = Recorder::new(None, None);
        reader.fail(&mut spark, ms(200));
        assert_eq!(reader.resumes_at(), None);
    }

    /// The input ending during a restart: the restart completes (at its time) and reads, then the engine
    /// finishes.
    #[test]
    fn finishing_during_a_restart_completes_it_first() {
        let log = log();
        let (mut engine, mut reader) = (Recorder::new(Some(ms(100)), Some(vec![])), EngineConsumer::default());
        reader.poll_all(&mut engine, &log, ms(1));
        engine.take();
        reader.fail(&mut engine, ms(10));
        reader.finish(&mut engine, &log, ms(50));
        assert_eq!(engine.seen.len(), 5, "everything again, from offset 0");
        assert!(engine.seen.iter().all(|&(t, _, _)| t == ms(110)));
        assert_eq!(engine.finished, Some(ms(50)));
    }

    /// KIP-320: a new leader's log ending before the position sends the position back to its end; a
    /// position at or before it stays.
    #[test]
    fn a_position_past_a_truncated_log_goes_back_to_its_end() {
        let mut log = log();
        let (mut engine, mut reader) = (Recorder::new(None, None), EngineConsumer::default());
        reader.poll_all(&mut engine, &log, ms(1));
        engine.take();
        reader.truncated(PartitionId(0), Offset(1));
        reader.truncated(PartitionId(2), Offset(5));
        reader.truncated(PartitionId(9), Offset(0));
        log.append(record(2));
        reader.poll_all(&mut engine, &log, ms(2));
        assert_eq!(engine.take(), vec![(0, 1), (0, 2), (2, 2)]);
    }

    /// A pushed record is readable at once; a restart due by then happens first.
    #[test]
    fn a_memory_feed_restarts_a_failed_job_when_due() {
        let mut engine = Recorder::new(Some(ms(100)), Some(vec![]));
        let mut feed = MemoryFeed::default();
        feed.push(&mut engine, ms(1), record(0));
        feed.fail(&mut engine, ms(10));
        feed.push(&mut engine, ms(50), record(0));
        assert_eq!(engine.take(), vec![(0, 0)], "down: the second record waits");
        feed.push(&mut engine, ms(110), record(0));
        assert_eq!(engine.take(), vec![(0, 0), (0, 1), (0, 2)], "read again from the start at 110 ms");
        feed.finish(&mut engine, ms(120));
        assert_eq!(engine.finished, Some(ms(120)));
    }

    /// The cluster as a topic: what the leader holds up to the HW; nothing while the partition has no leader.
    #[test]
    fn an_engine_reads_the_leader_up_to_the_high_watermark() {
        let mut c = cluster(1, 1);
        c.partitions[0].append(batch(0, 0, 0, 3));
        c.partitions[0].append(batch(0, 0, 3, 2));
        c.partitions[0].hw = Offset(4);
        let mut out = Vec::new();
        c.read(P0, Offset(1), &mut out);
        assert_eq!(out.iter().map(|r| (r.offset.0, r.key)).collect::<Vec<_>>(), vec![(1, 1), (2, 2), (3, 0)]);
        c.partitions[0].leader = None;
        out.clear();
        c.read(P0, Offset(0), &mut out);
        assert!(out.is_empty());
    }

    /// Every partition of the cluster's topic is read, each from its own position.
    #[test]
    fn an_engine_reads_every_partition_of_the_cluster() {
        let mut c = cluster(1, 1);
        c.partitions.push(Partition::new(PartitionId(1), vec![B0, B1, B2], 1));
        for (p, n) in [(0, 2), (1, 3)] {
            let part = &mut c.partitions[p];
            part.append(batch(0, 0, 0, n));
            part.hw = Offset(u64::from(n));
        }
        assert_eq!(Topic::partitions(&c), 2);
        let (mut engine, mut reader) = (Recorder::new(None, None), EngineConsumer::default());
        reader.poll_all(&mut engine, &c, ms(1));
        assert_eq!(engine.take(), vec![(0, 0), (0, 1), (1, 0), (1, 1), (1, 2)]);
    }

    /// A record below the furthest offset read is a replay; the snapshot holds the next offset per partition.
    #[test]
    fn source_offsets_tell_replays_from_first_reads() {
        let mut offsets = SourceOffsets::default();
        let at = |partition, offset| EngineRecord { offset: Offset(offset), ..record(partition) };
        assert!(offsets.read(&at(1, 0)));
        assert!(offsets.read(&at(1, 1)));
        assert_eq!(offsets.snapshot(), vec![Offset(0), Offset(2)]);
        assert!(!offsets.read(&at(1, 0)), "read again after a rewind");
        assert_eq!(offsets.snapshot(), vec![Offset(0), Offset(1)]);
        assert!(!offsets.read(&at(1, 1)));
        assert!(offsets.read(&at(1, 2)), "past the furthest");
        assert!(offsets.read(&at(0, 5)));
        assert_eq!(offsets.snapshot(), vec![Offset(6), Offset(3)]);
        offsets.rewind(&[Offset(4)]);
        assert_eq!(offsets.snapshot(), vec![Offset(4), Offset(0)], "partition 1 is not in the checkpoint");
        assert!(!offsets.read(&at(1, 2)), "a rewind forgets nothing that was read");
    }

    /// The cluster's partition 0 holds `n` records, all below the HW.
    fn filled(n: u32) -> Cluster {
        let mut c = cluster(1, 1);
        c.partitions[0].append(batch(0, 0, 0, n));
        c.partitions[0].hw = Offset(u64::from(n));
        c
    }

    /// A broker restart loses the fetch on its way to it (the new process never heard of it): the reader
    /// sends it again (NetworkClient fails the requests of a broken connection; the Fetcher sends anew).
    #[test]
    fn a_fetch_lost_to_a_broker_restart_is_sent_again() {
        let (mut env, mut cl) = (env(1), filled(3));
        let (mut engine, mut reader) = (Recorder::new(None, None), EngineConsumer::default());
        reader.start(&engine, &mut env, &cl, EngineId(0));
        cl.brokers[0].incarnation += 1;
        reader.refetch(&mut env, &cl, EngineId(0), Some(B0));
        run_reading((&mut env, &mut cl), &mut reader, &mut engine, ms(10));
        assert_eq!(engine.take(), vec![(0, 0), (0, 1), (0, 2)]);
    }

    /// A restarted job is a new consumer (Flink recreates its KafkaSourceReader): the answer to a fetch sent
    /// before the failure is dropped even when it arrives after the restart, and the job reads those records
    /// from its own new fetch.
    #[test]
    fn an_answer_to_a_fetch_sent_before_a_failure_is_dropped() {
        let (mut env, mut cl) = (env(1), filled(3));
        let (mut engine, mut reader) = (Recorder::new(Some(SimTime::ZERO), None), EngineConsumer::default());
        reader.start(&engine, &mut env, &cl, EngineId(0));
        run_reading((&mut env, &mut cl), &mut reader, &mut engine, ms(1));
        reader.fail(&mut engine, ms(1)); // the leader has just answered
        reader.resume_fetching(&mut engine, &mut env, &cl, EngineId(0));
        run_reading((&mut env, &mut cl), &mut reader, &mut engine, ms(10));
        let read_at_3_ms = vec![(ms(3), 0, 0), (ms(3), 0, 1), (ms(3), 0, 2)];
        assert_eq!(engine.seen, read_at_3_ms, "the new fetch's round trip: 1 ms there, 1 ms back");
    }

    /// The job has caught up when it has read every partition that has a leader up to its log end, records
    /// above the HW included (readable once the followers have them); a partition without a leader waits.
    #[test]
    fn caught_up_means_every_led_partition_read_to_its_log_end() {
        let mut c = filled(2);
        c.partitions.push(Partition::new(PartitionId(1), vec![B0, B1, B2], 1));
        c.partitions[1].append(batch(0, 0, 0, 1));
        c.partitions[1].leader = None;
        let (mut engine, mut reader) = (Recorder::new(None, None), EngineConsumer::default());
        assert!(!reader.caught_up(&c), "partition 0 unread");
        reader.poll_all(&mut engine, &c, ms(1));
        assert!(reader.caught_up(&c), "partition 1 has no leader");
        c.partitions[0].append(batch(0, 0, 2, 1));
        assert!(!reader.caught_up(&c), "a record above the HW");
    }
}
