//! A Spark-style engine: Structured Streaming micro-batches (and continuous processing as an option).
//!
//! ```text
//!  Kafka --latest offsets--> [trigger] batch k: offset range, plan (overhead), tasks read the range, process, commit
//!                             watermark(k+1) = max event time seen - delay, computed at the end of batch k
//! ```
//! The Kafka source (KafkaMicroBatchStream.latestOffset, then KafkaSourceRDD): at each trigger the driver
//! takes each partition's latest offset, writes [end of the last batch, latest) to the offset log, and the
//! tasks fetch exactly that range from the leaders; records arriving after the trigger belong to the next
//! batch. Offsets retention deleted before the tasks read them are lost: the query runs with
//! failOnDataLoss = false (skip them and go on, KafkaDataConsumer.get); Spark's default, true, would stop
//! the query with an IllegalStateException instead.
//! Rules, from the Structured Streaming programming guide and the ProcessingTimeExecutor: a
//! processing-time trigger starts a batch at each interval tick; a batch that overruns the interval makes
//! the next one start as soon as it ends; the default trigger runs the next batch as soon as the previous
//! ends (polling every 10 ms when idle). The watermark is computed at the end of a batch and used by the
//! next; Spark 3.4+ (SPARK-40925) drops late rows with the previous batch's watermark and evicts state
//! with the current one. A no-data batch runs whenever the watermark advanced (evicting or not). Output modes
//! append (a window once, when evicted), update (windows changed in the batch) and complete (every
//! window, every batch). A failed batch re-runs from the offsets write-ahead log, so a batch's output is
//! committed once. Continuous processing runs map-like queries record by record with at-least-once output.

#[cfg(test)]
mod tests;

use super::fate::{FateLedger, Member, RecordId, ResultId};
use super::source::SourceOffsets;
use super::state::{Agg, WindowState};
use super::window::{Window, WindowSpec};
use super::{
    Engine, EngineMetrics, EngineRecord, EventTime, Output, OutputKind, PipelineConfig, ReadPlan, Reads, TimeDomain,
};
use crate::dist::{DistSpec, Sampler};
use crate::kafka::ids::Offset;
use crate::rng::SimRng;
use crate::scenario::{ScenarioError, invalid};
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::ops::Range;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SparkMode {
    MicroBatch,
    Continuous,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputMode {
    Append,
    Update,
    Complete,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SparkConfig {
    pub mode: SparkMode,
    /// Trigger.ProcessingTime interval; 0 = the default trigger (next batch as soon as possible).
    pub trigger_ms: u64,
    /// withWatermark(eventTime, delay).
    pub watermark_delay_ms: u64,
    pub output_mode: OutputMode,
    /// Per batch, before its tasks: offsets, the offset log write, planning, task scheduling (the
    /// progress report's latestOffset, walCommit, getBatch and queryPlanning).
    pub batch_overhead: DistSpec,
    /// Per batch, after its tasks: the commit log write (commitOffsets); 0 counts it in `batch_overhead`.
    pub commit_overhead: DistSpec,
    /// Trigger.Continuous checkpoint interval.
    pub continuous_checkpoint_ms: u64,
    /// Time from a failure until the query runs again.
    pub restart_delay_ms: u64,
}

impl Default for SparkConfig {
    fn default() -> Self {
        SparkConfig {
            mode: SparkMode::MicroBatch,
            trigger_ms: 1000,
            watermark_delay_ms: 200,
            output_mode: OutputMode::Append,
            batch_overhead: DistSpec::Constant { ms: 50.0 },
            commit_overhead: DistSpec::Constant { ms: 0.0 },
            continuous_checkpoint_ms: 1000,
            restart_delay_ms: 1000,
        }
    }
}

impl SparkConfig {
    pub fn validate(&self, pipe: &PipelineConfig) -> Result<(), ScenarioError> {
        self.batch_overhead.validate().map_err(|p| invalid("spark.batch_overhead", p))?;
        self.commit_overhead.validate().map_err(|p| invalid("spark.commit_overhead", p))?;
        if self.mode == SparkMode::Continuous && pipe.window != WindowSpec::None {
            return Err(invalid(
                "spark.mode",
                "continuous processing supports only map-like queries (select, map, filter), not windowed \
                 aggregations (Spark docs); use mode = \"micro_batch\" or pipeline.window = { kind = \"none\" }",
            ));
        }
        if let Some(reason) = refusal(&pipe.window, self.output_mode) {
            return Err(invalid("spark.output_mode", reason));
        }
        if self.mode == SparkMode::Continuous && self.continuous_checkpoint_ms == 0 {
            return Err(invalid("spark.continuous_checkpoint_ms", "must be at least 1"));
        }
        Ok(())
    }
}

/// UnsupportedOperationChecker.checkForStreaming: the output modes Spark 4 refuses for a query, in its
/// words (an AnalysisException when the query starts).
pub fn refusal(window: &WindowSpec, mode: OutputMode) -> Option<String> {
    let (name, what) = match (window, mode) {
        (WindowSpec::Session { .. }, OutputMode::Update) => ("update", "session window streaming aggregations"),
        (WindowSpec::None, OutputMode::Complete) => ("complete", "no streaming aggregations"),
        _ => return None,
    };
    Some(format!(
        "Spark refuses this query: [STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION] Invalid streaming output mode: \
         {name}. This output mode is not supported for {what} on streaming DataFrames/DataSets."
    ))
}

/// spark.sql.streaming.pollingDelay: how long the default trigger waits when there is no new data.
const POLLING_DELAY: SimTime = SimTime::from_millis(10);

/// A batch under way: planned at its trigger; its phases after planning are known once its input is read.
struct Batch {
    phases: BatchPhases,
    records: Vec<EngineRecord>,
    read: bool,
}

/// One micro-batch as Spark's StreamingQueryProgress reports it: when it started and when each phase
/// ended. Its output is visible once processed; the next batch may start once it is committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchPhases {
    pub id: u64,
    pub trigger: SimTime,
    /// End of offsets and planning (durationMs: latestOffset, walCommit, getBatch, queryPlanning).
    pub planned: SimTime,
    /// End of the tasks and the sink write (durationMs.addBatch).
    pub processed: SimTime,
    /// End of the commit log write (durationMs.commitOffsets): the end of the batch.
    pub committed: SimTime,
    pub records: u64,
}

impl BatchPhases {
    /// The same phases shifted to start at `trigger` (a batch re-run after a failure).
    fn restarted_at(self, trigger: SimTime) -> BatchPhases {
        let shift = |t: SimTime| trigger + t.saturating_sub(self.trigger);
        BatchPhases {
            trigger,
            planned: shift(self.planned),
            processed: shift(self.processed),
            committed: shift(self.committed),
            ..self
        }
    }
}

pub struct SparkEngine {
    cfg: SparkConfig,
    pipe: PipelineConfig,
    rng: SimRng,
    map_cost: Sampler,
    agg_cost: Sampler,
    overhead: Sampler,
    commit: Sampler,
    /// The offset log's last entry: where the next batch starts reading, per partition.
    next_offsets: Vec<Offset>,
    running: Option<Batch>,
    /// The last batch's buffer, emptied: the next batch's input is read into it.
    spare: Vec<EngineRecord>,
    next_check: SimTime,
    state: WindowState,
    /// The watermark the next batch evicts with, and the one it drops late rows with.
    wm_evict: EventTime,
    wm_late: EventTime,
    max_event: Option<EventTime>,
    /// Continuous mode: when the query last failed, it ran again at this time (no epoch commits before).
    down_until: Option<SimTime>,
    /// Continuous mode: the task's FIFO, the source's offsets, those of the last epoch commit and, after
    /// a failure, the ones its source rewinds to.
    busy: SimTime,
    offsets: SourceOffsets,
    epoch_offsets: Vec<Offset>,
    rewind: Option<Vec<Offset>>,
    next_epoch: SimTime,
    /// Continuous mode: where each record ended, and the results a rewind repeats.
    fates: FateLedger,
    /// Every completed batch: one entry per batch, not per record.
    timeline: Vec<BatchPhases>,
    metrics: EngineMetrics,
}

impl SparkEngine {
    pub fn new(cfg: SparkConfig, pipe: PipelineConfig, rng: SimRng, collect: bool) -> Self {
        SparkEngine {
            map_cost: pipe.map_cost.sampler(),
            agg_cost: pipe.aggregate_cost.sampler(),
            overhead: cfg.batch_overhead.sampler(),
            commit: cfg.commit_overhead.sampler(),
            rng,
            next_offsets: Vec::new(),
            running: None,
            spare: Vec::new(),
            next_check: if cfg.trigger_ms > 0 { SimTime::from_millis(cfg.trigger_ms) } else { SimTime::ZERO },
            state: WindowState::default(),
            // WatermarkTracker: the global watermark starts at 0 and never goes back.
            wm_evict: EventTime::ZERO,
            wm_late: EventTime::ZERO,
            max_event: None,
            down_until: None,
            busy: SimTime::ZERO,
            offsets: SourceOffsets::default(),
            epoch_offsets: Vec::new(),
            rewind: None,
            next_epoch: SimTime::from_millis(cfg.continuous_checkpoint_ms),
            fates: FateLedger::new(true),
            timeline: Vec::new(),
            metrics: EngineMetrics::new(collect),
            cfg,
            pipe,
        }
    }

    /// ProcessingTimeExecutor.nextBatchTime: the next multiple of the interval after `t`.
    fn next_tick(&self, t: SimTime) -> SimTime {
        let iv = SimTime::from_millis(self.cfg.trigger_ms).0;
        SimTime((t.0 / iv + 1) * iv)
    }

    /// When the next trigger is due: a batch's end decides it once its input is read.
    fn next_trigger(&self) -> Option<SimTime> {
        match &self.running {
            Some(b) if !b.read => None,
            Some(b) if self.cfg.trigger_ms > 0 => Some(self.next_tick(b.phases.trigger).max(b.phases.committed)),
            Some(b) => Some(b.phases.committed),
            None => Some(self.next_check),
        }
    }

    fn complete_batch(&mut self) {
        self.next_check = self.next_trigger().expect("the batch was read");
        let batch = self.running.take().expect("a batch is running");
        let phases = batch.phases;
        // The sink wrote the batch's output before the commit log entry.
        let e = phases.processed;
        self.timeline.push(phases);
        let (wm_evict, wm_late) = (self.wm_evict, self.wm_late);
        let session = self.pipe.window.is_session();
        for r in &batch.records {
            if !self.metrics.filter(&self.pipe, r, true) {
                continue;
            }
            self.max_event = Some(self.max_event.map_or(r.event_time, |m| m.max(r.event_time)));
            // Processing-time windows use current_timestamp(): the batch's trigger time.
            let ts = self.pipe.timestamp(r, phases.trigger);
            if self.pipe.window == WindowSpec::None {
                let out =
                    Output::single(OutputKind::Window, Window::instant(ts), r, e).decided(Some(phases.id), wm_evict);
                self.metrics.visible(&[out], &[Member::of(r)]);
                continue;
            }
            for w in self.pipe.window.windows(ts) {
                // Append and update modes drop a row for a window the watermark passed; complete mode keeps
                // every row (StateStoreSaveExec: the Complete branch puts each row, with no watermark filter).
                if self.pipe.time == TimeDomain::Event
                    && w.end <= wm_late
                    && self.cfg.output_mode != OutputMode::Complete
                {
                    let late = Output::single(OutputKind::Late, w, r, e).decided(Some(phases.id), wm_late);
                    self.metrics.late_row(late);
                    continue;
                }
                self.state.add(w, r, session);
            }
        }
        // The next trigger's plan offers the buffer to the reader.
        self.spare = batch.records;
        self.spare.clear();
        let evictable = |w: &Window| w.end <= wm_evict;
        let emit_now = match self.cfg.output_mode {
            OutputMode::Append => self.state.select(evictable, |_| true),
            OutputMode::Update => self.state.select(|_| true, Agg::dirty),
            OutputMode::Complete => self.state.select(|_| true, |_| true),
        };
        for (w, keys) in emit_now {
            let outs =
                self.state.per_key(w, &keys, |agg, key| agg.output(w, key, e).decided(Some(phases.id), wm_evict));
            self.metrics.visible(&outs, self.state.report(w, &keys).as_slice());
        }
        if self.cfg.output_mode != OutputMode::Complete {
            self.state.retain(|w| !evictable(w));
        }
        // The watermark for the next batch: max event time seen minus the delay, never decreasing.
        let delay = SimTime::from_millis(self.cfg.watermark_delay_ms);
        let next_wm = self.max_event.map_or(EventTime::MIN, |m| m - delay).max(wm_evict);
        self.wm_late = wm_evict;
        self.wm_evict = next_wm;
    }

    /// StateStoreSaveExec.shouldRunAnotherBatch: in append and update mode a batch without new data runs
    /// whenever the watermark advanced past the one the last batch evicted with, evicting or not.
    fn needs_no_data_batch(&self) -> bool {
        self.pipe.time == TimeDomain::Event
            && self.pipe.window != WindowSpec::None
            && self.cfg.output_mode != OutputMode::Complete
            && self.wm_evict > self.wm_late
    }

    /// A record read again after a rewind repeats its result (at-least-once): the sink sees it twice.
    fn continuous_record(&mut self, arrival: SimTime, r: EngineRecord) {
        let first = self.offsets.read(&r);
        self.metrics.read(first);
        let cost = self.map_cost.sample(&mut self.rng);
        let t = arrival.max(self.busy) + cost;
        self.busy = t;
        if !self.fates.filter(&self.pipe, &r, first, &mut self.metrics) {
            return;
        }
        let out = Output::single(OutputKind::Window, Window::instant(r.event_time), &r, t);
        self.fates.visible(&[(out, ResultId::Record(RecordId::of(&r)))], &[Member::of(&r)], &mut self.metrics);
    }
}

impl Engine for SparkEngine {
    fn name(&self) -> &'static str {
        if self.cfg.mode == SparkMode::Continuous { "spark-continuous" } else { "spark" }
    }

    fn advance_to(&mut self, t: SimTime) {
        if self.cfg.mode == SparkMode::Continuous {
            let iv = SimTime::from_millis(self.cfg.continuous_checkpoint_ms);
            while self.next_epoch <= t {
                // An epoch commit: the offsets read so far are committed and will not be read again. A
                // query that is down commits nothing: it restarts from the last commit.
                if self.down_until.is_none_or(|until| self.next_epoch >= until) {
                    self.epoch_offsets = self.offsets.snapshot();
                    let epoch = self.fates.begin_restore_point();
                    self.fates.restore_point(epoch);
                }
                self.next_epoch += iv;
            }
            return;
        }
        if self.running.as_ref().is_some_and(|b| b.read && b.phases.committed <= t) {
            self.complete_batch();
        }
    }

    fn on_record(&mut self, arrival: SimTime, r: EngineRecord) {
        debug_assert_eq!(self.cfg.mode, SparkMode::Continuous, "micro-batches read at their triggers");
        // An epoch commit at exactly `arrival` does not hold this record yet.
        self.advance_to(SimTime(arrival.0.saturating_sub(1)));
        self.continuous_record(arrival, r);
    }

    fn reads(&self) -> Reads {
        match self.cfg.mode {
            SparkMode::Continuous => Reads::AsRecordsArrive,
            SparkMode::MicroBatch => Reads::AtTrigger(self.next_trigger()),
        }
    }

    fn trigger(&mut self, at: SimTime, ends: &[Offset]) -> Option<ReadPlan> {
        self.advance_to(at);
        if self.running.is_some() {
            return None;
        }
        // latestOffset: from the end of the last batch to each partition's latest offset.
        self.next_offsets.resize(ends.len(), Offset::ZERO);
        let ranges: Vec<Range<Offset>> = self.next_offsets.iter().zip(ends).map(|(&s, &e)| s..e.max(s)).collect();
        let has_data = ranges.iter().any(|r| !r.is_empty());
        if !has_data && !self.needs_no_data_batch() {
            // Idle: the next tick, or with the default trigger a poll shortly (pollingDelay).
            self.next_check = if self.cfg.trigger_ms > 0 { self.next_tick(at) } else { at + POLLING_DELAY };
            return None;
        }
        // The range goes to the offset log (walCommit) before the tasks read it.
        self.next_offsets = ranges.iter().map(|r| r.end).collect();
        let planned = at + self.overhead.sample(&mut self.rng);
        let id = self.timeline.len() as u64;
        let phases = BatchPhases { id, trigger: at, planned, processed: planned, committed: planned, records: 0 };
        self.running = Some(Batch { phases, records: Vec::new(), read: false });
        Some(ReadPlan { tasks_start: planned, ranges, buffer: std::mem::take(&mut self.spare) })
    }

    fn on_input(&mut self, at: SimTime, records: Vec<EngineRecord>, deleted: u64) {
        let Some(b) = self.running.as_mut().filter(|b| !b.read) else { return };
        self.metrics.read_range(&records, deleted);
        // Tasks run in parallel over partitions: the batch takes as long as its busiest task.
        let tasks = self.pipe.parallelism as usize;
        let mut per_task = vec![SimTime::ZERO; tasks];
        for r in records.iter() {
            let t = &mut per_task[r.partition.index() % tasks];
            *t += self.map_cost.sample(&mut self.rng) + self.agg_cost.sample(&mut self.rng);
        }
        let work = per_task.into_iter().max().unwrap_or(SimTime::ZERO);
        let p = &mut b.phases;
        p.processed = at.max(p.planned) + work;
        p.committed = p.processed + self.commit.sample(&mut self.rng);
        p.records = records.len() as u64;
        b.records = records;
        b.read = true;
    }

    fn fail(&mut self, t: SimTime) -> Option<SimTime> {
        self.advance_to(t);
        let until = t + SimTime::from_millis(self.cfg.restart_delay_ms);
        if self.cfg.mode == SparkMode::Continuous {
            // The query restarts from the last epoch's offsets: everything since is read and processed
            // again (at-least-once).
            self.offsets.rewind(&self.epoch_offsets);
            self.rewind = Some(self.epoch_offsets.clone());
            self.fates.restart(Some(&self.epoch_offsets), |_| false, &mut self.metrics);
            self.down_until = Some(until);
            return Some(until);
        }
        // The failed batch re-runs with the offsets of its offset log entry after the restart; later ones
        // wait in Kafka.
        match &mut self.running {
            Some(b) => b.phases = b.phases.restarted_at(until),
            None => self.next_check = self.next_check.max(until),
        }
        None
    }

    fn rewind(&mut self) -> Option<Vec<Offset>> {
        self.rewind.take()
    }

    fn finish(&mut self, _t: SimTime) {
        if self.cfg.mode == SparkMode::Continuous {
            // A restart under way has completed and read again (EngineConsumer::finish); no state is held.
            self.fates.finish(|_| false, &mut self.metrics);
            return;
        }
        // A streaming query has no end of input: the triggers still due find no new data and run the
        // no-data batches the watermark asks for; windows it never passed stay in state, unemitted.
        while let Some(at) = self.next_trigger() {
            let ends = self.next_offsets.clone();
            let Some(plan) = self.trigger(at, &ends) else { break };
            self.on_input(plan.tasks_start, plan.buffer, 0);
        }
        self.metrics.pending_at_end = self.state.unreported();
    }

    fn metrics(&self) -> &EngineMetrics {
        &self.metrics
    }

    fn metrics_mut(&mut self) -> &mut EngineMetrics {
        &mut self.metrics
    }

    fn batches(&self) -> &[BatchPhases] {
        &self.timeline
    }
}
