//! A Flink-style engine: record-at-a-time pipelined operators.
//!
//! ```text
//!  Kafka partitions -> source+map subtasks (chained, FIFO) --network buffers--> window subtasks -> sink
//!                      periodic watermarks          (buffer timeout)       keyed state, timers
//!                      checkpoint barriers ---------------------------->  aligned snapshots
//! ```
//! Rules, from the Flink documentation: bounded out-of-orderness watermarks are
//! `max timestamp - delay - 1` per Kafka partition, emitted every `pipeline.auto-watermark-interval` as the
//! minimum over the source subtask's non-idle partitions; an operator's watermark is the minimum over
//! its active inputs that have caught up with it (StatusWatermarkValve); an event-time window fires when
//! the watermark reaches its max timestamp; a window is late when
//! `maxTimestamp + allowedLateness <= watermark` (a session after merging), and a record goes to the late
//! side output only when every one of its windows was late; network buffers are flushed when full or
//! every `execution.buffer-timeout`; aligned checkpoints snapshot state when barriers from every input
//! have arrived; on failure the job restarts from the last completed checkpoint and the Kafka source
//! rewinds to its offsets; a two-phase-commit sink makes output visible when the checkpoint that follows
//! it completes.

mod checkpoint;
mod splits;
#[cfg(test)]
mod tests;
mod valve;

use super::fate::{FateLedger, Member, RecordId, ResultId};
use super::source::SourceOffsets;
use super::state::WindowState;
use super::window::Window;
use super::{Engine, EngineMetrics, EngineRecord, EventTime, Output, OutputKind, PipelineConfig, TimeDomain};
use crate::dist::Sampler;
use crate::kafka::ids::Offset;
use crate::queue::{EventQueue, Recurring};
use crate::rng::SimRng;
use crate::scenario::TopicConfig;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use splits::{Emission, Source, split_owner};
use std::collections::{BTreeMap, HashSet, VecDeque};
use valve::Valve;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SinkMode {
    AtLeastOnce,
    ExactlyOnce,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlinkConfig {
    /// WatermarkStrategy.forBoundedOutOfOrderness(delay).
    pub watermark_delay_ms: u64,
    /// pipeline.auto-watermark-interval (Flink default 200); 0 emits a watermark after every record.
    pub watermark_interval_ms: u64,
    /// WatermarkStrategy.withIdleness, per partition; 0 = partitions are never marked idle.
    pub idle_timeout_ms: u64,
    /// allowedLateness of the window operator.
    pub allowed_lateness_ms: u64,
    /// execution.buffer-timeout (Flink default 100); 0 flushes after every record.
    pub buffer_timeout_ms: u64,
    /// Records that fill one network buffer (32 KiB segments).
    pub buffer_records: u32,
    /// execution.checkpointing.interval; 0 = no checkpoints.
    pub checkpoint_interval_ms: u64,
    pub sink: SinkMode,
    /// Fixed-delay restart strategy: time from failure to running again, state restore included.
    pub restart_delay_ms: u64,
}

impl FlinkConfig {
    /// The partitions' idle timeout, checked only at periodic emissions (WatermarksWithIdleness.onPeriodicEmit):
    /// none when watermarks follow every record.
    fn idle_timeout(&self) -> Option<SimTime> {
        (self.idle_timeout_ms > 0 && self.watermark_interval_ms > 0).then(|| SimTime::from_millis(self.idle_timeout_ms))
    }

    fn watermark_delay(&self) -> SimTime {
        SimTime::from_millis(self.watermark_delay_ms)
    }

    /// WindowOperator.cleanupTime: the window's max timestamp plus the allowed lateness. Once the
    /// watermark reaches it the window is late (isWindowLate) and its state is dropped (the cleanup timer).
    fn cleanup_time(&self, w: Window) -> EventTime {
        w.max_timestamp() + SimTime::from_millis(self.allowed_lateness_ms)
    }
}

impl Default for FlinkConfig {
    fn default() -> Self {
        FlinkConfig {
            watermark_delay_ms: 200,
            watermark_interval_ms: 200,
            idle_timeout_ms: 0,
            allowed_lateness_ms: 0,
            buffer_timeout_ms: 100,
            buffer_records: 320,
            checkpoint_interval_ms: 0,
            sink: SinkMode::AtLeastOnce,
            restart_delay_ms: 1000,
        }
    }
}

#[derive(Clone, Debug)]
enum Item {
    Record { arrival: SimTime, r: EngineRecord },
    Watermark(EventTime),
    Idle(bool),
    Barrier(u64),
}

/// The periodic watermark emission is the engine's one recurring source.
const WATERMARK_TICK: u32 = 0;

impl Recurring for Ev {
    fn of_source(_: u32) -> Self {
        Ev::WatermarkTick
    }
}

enum Ev {
    WatermarkTick,
    /// A network buffer arriving: its items, in the order they were written.
    Deliver {
        epoch: u32,
        to: usize,
        from: usize,
        items: Vec<Item>,
    },
    /// The output flusher's tick for the open buffer of channel `from` -> `to`.
    Flush {
        epoch: u32,
        from: usize,
        to: usize,
    },
    Checkpoint,
    ProcTimer {
        epoch: u32,
    },
    /// The end of the restart delay. A failure while down schedules none, and the next failure comes after
    /// it: no restart event is ever stale.
    Restart,
}

/// One source subtask's output to one window subtask.
#[derive(Clone, Debug, Default)]
struct Channel {
    /// The open network buffer: what was written since the last flush, and how many records.
    buffer: Vec<Item>,
    records: u32,
    /// When the output flusher sends the open buffer (the next buffer-timeout tick).
    flush_at: SimTime,
    last_delivery: SimTime,
}

/// A window subtask's part of a checkpoint: its keyed state (windows and their timers), and the watermark
/// it had then. The watermark is not restored (Flink checkpoints none); it tells which windows the state
/// no longer holds because they had closed.
#[derive(Clone, Debug)]
struct Snapshot {
    state: WindowState,
    wm: EventTime,
}

struct Task {
    busy: SimTime,
    /// Its inputs' watermarks and statuses, and its own watermark.
    valve: Valve,
    /// Per restart, the watermark of the snapshot it restored: the windows closed by then, which records
    /// replayed before the first new watermark may open again (a new life, not the old result again).
    closed_before: Vec<EventTime>,
    state: WindowState,
    /// Barrier alignment: the checkpoint and which inputs delivered its barrier.
    aligning: Option<(u64, Vec<bool>)>,
    held: VecDeque<(usize, Item)>,
    /// Results waiting for a checkpoint to commit (exactly-once sink).
    pending: Vec<Pending>,
}

/// A firing's results as the sink will see them, and the records new in them.
type Pending = (Vec<(Output, ResultId)>, Vec<Member>);

struct CheckpointProgress {
    /// The source's offsets when the barrier was injected.
    offsets: Vec<Offset>,
    /// Each window subtask's snapshot, once its barriers aligned.
    snapshots: Vec<Option<Snapshot>>,
    precommitted: Vec<Pending>,
}

struct Completed {
    offsets: Vec<Offset>,
    snapshots: Vec<Snapshot>,
}

pub struct FlinkEngine {
    cfg: FlinkConfig,
    pipe: PipelineConfig,
    /// Subtasks per operator.
    parallelism: usize,
    queue: EventQueue<Ev>,
    now: SimTime,
    rng: SimRng,
    map_cost: Sampler,
    agg_cost: Sampler,
    sources: Vec<Source>,
    /// Per partition, the source subtask that reads it and its split there.
    split_of: Vec<(usize, usize)>,
    channels: Vec<Channel>,
    /// Delivered buffers, emptied, for the channels' next ones: their room is kept.
    spare_buffers: Vec<Vec<Item>>,
    tasks: Vec<Task>,
    epoch: u32,
    down: bool,
    checkpoints: BTreeMap<u64, CheckpointProgress>,
    /// A periodic trigger came while a checkpoint was under way: the next one begins when it completes.
    checkpoint_due: bool,
    last_completed: Option<Completed>,
    /// The Kafka source's offsets, snapshotted by every checkpoint.
    offsets: SourceOffsets,
    /// Set by a restart: the offsets the source rewinds to, for its consumer to take.
    rewind: Option<Vec<Offset>>,
    /// Where each record read ended, and the results the sink saw since the last completed checkpoint.
    /// Its restore points are the checkpoints: checkpoint `n` is its epoch `n`.
    fates: FateLedger,
    metrics: EngineMetrics,
}

impl FlinkEngine {
    /// A job reading `topic` with `pipe.parallelism` subtasks per operator.
    pub fn new(cfg: FlinkConfig, pipe: PipelineConfig, topic: &TopicConfig, rng: SimRng, collect: bool) -> Self {
        let parallelism = pipe.parallelism as usize;
        let mut splits = vec![0; parallelism];
        let split_of = (0..topic.partitions)
            .map(|p| {
                let s = split_owner(&topic.name, p, pipe.parallelism) as usize;
                splits[s] += 1;
                (s, splits[s] - 1)
            })
            .collect();
        let task = || Task {
            busy: SimTime::ZERO,
            valve: Valve::new(parallelism),
            closed_before: Vec::new(),
            state: WindowState::default(),
            aligning: None,
            held: VecDeque::new(),
            pending: Vec::new(),
        };
        let mut e = FlinkEngine {
            map_cost: pipe.map_cost.sampler(),
            agg_cost: pipe.aggregate_cost.sampler(),
            parallelism,
            queue: EventQueue::new(),
            now: SimTime::ZERO,
            rng,
            sources: splits.iter().map(|&n| Source::new(n, SimTime::ZERO)).collect(),
            split_of,
            channels: vec![Channel::default(); parallelism * parallelism],
            spare_buffers: Vec::new(),
            tasks: (0..parallelism).map(|_| task()).collect(),
            epoch: 0,
            down: false,
            checkpoints: BTreeMap::new(),
            checkpoint_due: false,
            last_completed: None,
            offsets: SourceOffsets::default(),
            rewind: None,
            fates: FateLedger::new(cfg.checkpoint_interval_ms > 0),
            metrics: EngineMetrics::new(collect),
            cfg,
            pipe,
        };
        if e.cfg.watermark_interval_ms > 0 {
            e.queue.push_recurring(SimTime::from_millis(e.cfg.watermark_interval_ms), WATERMARK_TICK);
        }
        if e.cfg.checkpoint_interval_ms > 0 {
            e.queue.push(SimTime::from_millis(e.cfg.checkpoint_interval_ms), Ev::Checkpoint);
        }
        e
    }

    /// Writes what a source sends at `t` into its network buffer to `to`. The buffer is sent when full
    /// (`buffer_records`) or at the next buffer-timeout tick, whichever comes first (Flink's
    /// RecordWriter and OutputFlusher); a timeout of 0 sends every item at once.
    fn send(&mut self, from: usize, to: usize, t: SimTime, item: Item) {
        let timeout = SimTime::from_millis(self.cfg.buffer_timeout_ms).0;
        let is_record = matches!(item, Item::Record { .. });
        let ch = &mut self.channels[from * self.parallelism + to];
        if timeout == 0 {
            ch.buffer.push(item);
            return self.flush(from, to, t);
        }
        if !ch.buffer.is_empty() && t > ch.flush_at {
            // Written after the flusher sent the open buffer.
            let at = ch.flush_at;
            self.flush(from, to, at);
        }
        let ch = &mut self.channels[from * self.parallelism + to];
        if ch.buffer.is_empty() {
            ch.flush_at = SimTime(t.0.div_ceil(timeout) * timeout).max(ch.last_delivery);
            self.queue.push(ch.flush_at, Ev::Flush { epoch: self.epoch, from, to });
        }
        ch.buffer.push(item);
        ch.records += u32::from(is_record);
        if ch.records >= self.cfg.buffer_records {
            self.flush(from, to, t);
        }
    }

    /// Sends the open buffer of channel `from` -> `to` at `t`, in order, never before the previous one.
    /// One event for the whole buffer: its items are due at the same instant, one after the other, before
    /// anything scheduled later, so handling them in one step keeps the order of one event per item.
    fn flush(&mut self, from: usize, to: usize, t: SimTime) {
        let ch = &mut self.channels[from * self.parallelism + to];
        let at = t.max(ch.last_delivery);
        ch.last_delivery = at;
        ch.records = 0;
        if ch.buffer.is_empty() {
            return;
        }
        let items = std::mem::replace(&mut ch.buffer, self.spare_buffers.pop().unwrap_or_default());
        self.queue.push(at, Ev::Deliver { epoch: self.epoch, to, from, items });
    }

    fn broadcast(&mut self, from: usize, t: SimTime, item: Item) {
        for to in 0..self.parallelism {
            self.send(from, to, t, item.clone());
        }
    }

    /// Source subtask `s` emits its watermark at `t` (at each interval, or after each record when it is
    /// 0, where no idleness is checked).
    fn emit_watermark(&mut self, s: usize, t: SimTime) {
        match self.sources[s].emit(self.now, self.cfg.idle_timeout(), self.cfg.watermark_delay()) {
            Emission::Nothing => {}
            Emission::Idle => self.broadcast(s, t, Item::Idle(true)),
            Emission::Watermark { resumed, wm } => {
                if resumed {
                    self.broadcast(s, t, Item::Idle(false));
                }
                self.broadcast(s, t, Item::Watermark(wm));
            }
        }
    }

    /// The source subtask reads a record: map/filter on its FIFO thread, then out to the keyed subtask.
    /// A record read again after a rewind (`first` false) was counted the first time.
    fn source_record(&mut self, arrival: SimTime, r: EngineRecord, first: bool) {
        let (s, split) = self.split_of[r.partition.index()];
        let cost = self.map_cost.sample(&mut self.rng);
        let src = &mut self.sources[s];
        let done = arrival.max(src.busy) + cost;
        src.busy = done;
        src.read(split, r.event_time);
        if !self.fates.filter(&self.pipe, &r, first, &mut self.metrics) {
            return;
        }
        let to = (r.key as usize) % self.parallelism;
        self.send(s, to, done, Item::Record { arrival, r });
        if self.cfg.watermark_interval_ms == 0 {
            self.emit_watermark(s, done);
        }
    }

    fn on_deliver(&mut self, to: usize, from: usize, item: Item) {
        if let Some((_, seen)) = &self.tasks[to].aligning
            && seen[from]
            && !matches!(item, Item::Barrier(_))
        {
            // Aligned checkpoint: input `from` is blocked until every barrier arrived.
            self.tasks[to].held.push_back((from, item));
            return;
        }
        self.process(to, from, item);
    }

    fn process(&mut self, to: usize, from: usize, item: Item) {
        match item {
            Item::Record { arrival, r } => self.window_record(to, arrival, r),
            Item::Watermark(wm) => {
                if let Some(wm) = self.tasks[to].valve.input_watermark(from, wm) {
                    self.advance_watermark(to, wm);
                }
            }
            Item::Idle(idle) => {
                if let Some(wm) = self.tasks[to].valve.input_status(from, idle) {
                    self.advance_watermark(to, wm);
                }
            }
            Item::Barrier(id) => self.on_barrier(to, from, id),
        }
    }

    fn window_record(&mut self, k: usize, arrival: SimTime, r: EngineRecord) {
        let cost = self.agg_cost.sample(&mut self.rng);
        let task = &mut self.tasks[k];
        let t = self.now.max(task.busy) + cost;
        task.busy = t;
        let ts = self.pipe.timestamp(&r, t);
        if matches!(self.pipe.window, super::window::WindowSpec::None) {
            let out = Output::single(OutputKind::Window, Window::instant(ts), &r, t);
            self.sink(k, vec![(out, ResultId::Record(RecordId::of(&r)))], &[Member::of(&r)], t);
            return;
        }
        let lateness = SimTime::from_millis(self.cfg.allowed_lateness_ms);
        let session = self.pipe.window.is_session();
        let event_time = self.pipe.time == TimeDomain::Event;
        let windows = self.pipe.window.windows(ts);
        let mut skipped = true;
        for w in windows.clone() {
            let task = &mut self.tasks[k];
            let wm = task.valve.watermark();
            // WindowOperator.processElement: a session is judged after merging (mergingWindows.addWindow,
            // then isWindowLate(actualWindow)): touching an open session saves a record whose own is late.
            let actual = if session { task.state.merged(w, r.key) } else { w };
            // WindowOperator.isWindowLate: event time and cleanupTime <= watermark.
            if event_time && self.cfg.cleanup_time(actual) <= wm {
                continue;
            }
            skipped = false;
            let landed = task.state.add(w, &r, session);
            if self.pipe.time == TimeDomain::Processing {
                self.queue.push(landed.end.as_sim_time(), Ev::ProcTimer { epoch: self.epoch });
            }
            // EventTimeTrigger.onElement: a window already past the watermark fires at once (a late firing).
            if event_time && landed.max_timestamp() <= wm {
                self.fire(k, landed, &[r.key], t);
            }
        }
        // WindowOperator.processElement: the side output gets the record only when no window took it
        // (isSkippedElement && isElementLate), once, however many windows it had.
        let wm = self.tasks[k].valve.watermark();
        if let Some(last) = windows.last().filter(|_| skipped && event_time && ts + lateness <= wm) {
            let late = Output::single(OutputKind::Late, last, &r, arrival).decided(None, wm);
            self.fates.late(&r, late, &mut self.metrics);
        }
    }

    /// Window subtask `k`'s watermark advanced to `wm`.
    fn advance_watermark(&mut self, k: usize, wm: EventTime) {
        let t = self.now.max(self.tasks[k].busy);
        // Processing-time windows have processing-time triggers and cleanup timers: the watermark
        // leaves them alone (WindowOperator.registerCleanupTimer).
        if self.pipe.time == TimeDomain::Event {
            let due = self.tasks[k].state.select(|w| w.max_timestamp() <= wm, |a| a.fired == 0 || a.dirty());
            for (w, keys) in due {
                self.fire(k, w, &keys, t);
            }
            let cfg = &self.cfg;
            self.tasks[k].state.retain(|&w| cfg.cleanup_time(w) > wm);
        }
    }

    /// Window `w` of subtask `k` fires for `keys` (ascending).
    fn fire(&mut self, k: usize, w: Window, keys: &[u32], t: SimTime) {
        let transactional = self.commits_at_checkpoints();
        let task = &mut self.tasks[k];
        // The window's life: the last restart whose snapshot had it closed (0: none had; a processing-time
        // window always ends after the event-time watermark of any snapshot taken before it fired).
        let closes = self.cfg.cleanup_time(w);
        let life = task.closed_before.iter().rposition(|&wm| closes <= wm).map_or(0, |i| i as u32 + 1);
        let wm = task.valve.watermark();
        let results = task.state.per_key(w, keys, |agg, key| {
            agg.fired += 1;
            let id = ResultId::Window { start: w.start, end: w.end, key, firing: agg.fired, life };
            (agg.output(w, key, t).decided(None, wm), id)
        });
        let members = task.state.report(w, keys);
        if transactional {
            task.pending.push((results, members.collect()));
        } else {
            self.fates.visible(&results, members.as_slice(), &mut self.metrics);
        }
    }

    fn handle(&mut self, ev: Ev) {
        match ev {
            Ev::WatermarkTick => {
                let iv = SimTime::from_millis(self.cfg.watermark_interval_ms);
                self.queue.push_recurring(self.now + iv, WATERMARK_TICK);
                if self.down {
                    return;
                }
                for s in 0..self.parallelism {
                    let t = self.now.max(self.sources[s].busy);
                    self.emit_watermark(s, t);
                }
            }
            Ev::Deliver { epoch, to, from, mut items } => {
                // A restart (a new epoch) drops what was in flight; a failure comes from outside a step.
                if epoch == self.epoch && !self.down {
                    for item in items.drain(..) {
                        self.on_deliver(to, from, item);
                    }
                }
                items.clear();
                self.spare_buffers.push(items);
            }
            Ev::Flush { epoch, from, to } if epoch == self.epoch => {
                // A buffer sent early (full) left this tick to the buffer opened after it, if any.
                let ch = &self.channels[from * self.parallelism + to];
                if ch.flush_at == self.now && !ch.buffer.is_empty() {
                    self.flush(from, to, self.now);
                }
            }
            Ev::Flush { .. } => {}
            Ev::Checkpoint => {
                self.queue.push(self.now + SimTime::from_millis(self.cfg.checkpoint_interval_ms), Ev::Checkpoint);
                if !self.down {
                    self.trigger_checkpoint();
                }
            }
            Ev::ProcTimer { epoch } if epoch == self.epoch && !self.down => {
                let now = EventTime::from(self.now);
                for k in 0..self.parallelism {
                    let t = self.now.max(self.tasks[k].busy);
                    for (w, keys) in self.tasks[k].state.select(|w| w.max_timestamp() < now, |_| true) {
                        self.fire(k, w, &keys, t);
                    }
                    self.tasks[k].state.retain(|w| w.max_timestamp() >= now);
                }
            }
            Ev::ProcTimer { .. } => {}
            Ev::Restart => self.restart(),
        }
    }
}

impl Engine for FlinkEngine {
    fn name(&self) -> &'static str {
        "flink"
    }

    fn advance_to(&mut self, t: SimTime) {
        while let Some(next) = self.queue.peek_time() {
            if next > t {
                break;
            }
            let (time, ev) = self.queue.pop().expect("peeked");
            self.now = time;
            self.handle(ev);
        }
        self.now = self.now.max(t);
    }

    fn on_record(&mut self, arrival: SimTime, r: EngineRecord) {
        self.advance_to(arrival);
        if self.down {
            // Its consumer reads nothing while the job is down: the record waits in Kafka.
            return;
        }
        let first = self.offsets.read(&r);
        self.metrics.read(first);
        self.source_record(arrival, r, first);
    }

    fn fail(&mut self, t: SimTime) -> Option<SimTime> {
        self.advance_to(t);
        if self.down {
            return None;
        }
        self.down = true;
        self.epoch += 1;
        self.checkpoints.clear();
        self.checkpoint_due = false;
        for task in &mut self.tasks {
            task.pending.clear(); // open transactions abort
            task.aligning = None;
            task.held.clear();
        }
        let restart = t + SimTime::from_millis(self.cfg.restart_delay_ms);
        self.queue.push(restart, Ev::Restart);
        Some(restart)
    }

    fn rewind(&mut self) -> Option<Vec<Offset>> {
        self.rewind.take()
    }

    fn finish(&mut self, t: SimTime) {
        // Let a restart under way complete, and in-flight buffers and checkpoints drain; then the bounded
        // source's final watermark (Long.MAX_VALUE) fires every remaining window.
        self.advance_to(t);
        while self.down {
            let Some(next) = self.queue.peek_time() else { break };
            self.advance_to(next);
        }
        // Every record read is mapped, flushed and processed: a replay may leave the sources busy longest.
        let busy = self.sources.iter().map(|s| s.busy).chain(self.tasks.iter().map(|k| k.busy)).max();
        let drain = self.now.max(busy.unwrap_or(SimTime::ZERO)) + SimTime::from_millis(self.cfg.buffer_timeout_ms);
        self.advance_to(drain);
        // No checkpoint completes after the end of input: an alignment under way lets its held input go.
        self.checkpoints.clear();
        for k in 0..self.parallelism {
            self.tasks[k].aligning = None;
            for (from, item) in std::mem::take(&mut self.tasks[k].held) {
                self.process(k, from, item);
            }
        }
        // The run ends with a drain, so that every record has a fate: each source says it is active (Flink
        // drops the watermarks of an idle output, RecordWriterOutput; to an active input it is no change),
        // then sends the last watermark.
        for s in 0..self.parallelism {
            let at = self.now.max(self.sources[s].busy);
            self.broadcast(s, at, Item::Idle(false));
            self.broadcast(s, at, Item::Watermark(EventTime::MAX));
        }
        let end = self.now + SimTime::from_millis(self.cfg.buffer_timeout_ms.max(1) * 2);
        while let Some(next) = self.queue.peek_time() {
            if next > end {
                break;
            }
            let (time, ev) = self.queue.pop().expect("peeked");
            self.now = time;
            if matches!(ev, Ev::Deliver { .. } | Ev::Flush { .. } | Ev::ProcTimer { .. }) {
                self.handle(ev);
            }
        }
        // End of input commits what the sink still holds (the final checkpoint of a bounded job).
        let at = self.now;
        for k in 0..self.parallelism {
            for (results, members) in std::mem::take(&mut self.tasks[k].pending) {
                self.make_visible(results, &members, at);
            }
        }
        let held: HashSet<RecordId> = self.tasks.iter().flat_map(|t| t.state.unreported_records()).collect();
        self.fates.finish(|id| held.contains(&id), &mut self.metrics);
    }

    fn metrics(&self) -> &EngineMetrics {
        &self.metrics
    }

    fn metrics_mut(&mut self) -> &mut EngineMetrics {
        &mut self.metrics
    }
}
