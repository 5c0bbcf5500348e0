//! A Spark-style engine: Structured Streaming micro-batches (and continuous processing as an option).
//!
//! ```text
//!  Kafka --offsets--> [trigger] batch k: read available offsets, plan (overhead), process, commit
//!                      watermark(k+1) = max event time seen - delay, computed at the end of batch k
//! ```
//! Rules, from the Structured Streaming programming guide and the ProcessingTimeExecutor: a
//! processing-time trigger starts a batch at each interval tick; a batch that overruns the interval makes
//! the next one start as soon as it ends; the default trigger runs the next batch as soon as the previous
//! ends (polling every 10 ms when idle). The watermark is computed at the end of a batch and used by the
//! next; Spark 3.4+ (SPARK-40925) drops late rows with the previous batch's watermark and evicts state
//! with the current one. A no-data batch runs whenever the watermark advanced (evicting or not). Output modes
//! append (a window once, when evicted), update (windows changed in the batch) and complete (every
//! window, every batch). A failed batch re-runs from the offsets write-ahead log, so a batch's output is
//! committed once. Continuous processing runs map-like queries record by record with at-least-once output.

use super::source::SourceOffsets;
use super::state::WindowState;
use super::window::WindowSpec;
use super::{Engine, EngineMetrics, EngineRecord, Output, OutputKind, PipelineConfig, TimeDomain};
use crate::dist::{DistSpec, Sampler};
use crate::kafka::ids::Offset;
use crate::rng::SimRng;
use crate::scenario::{ScenarioError, invalid};
use crate::time::{MS, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

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

struct Batch {
    phases: BatchPhases,
    records: Vec<(SimTime, EngineRecord)>,
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
        let shift = |t: SimTime| trigger + (t - self.trigger);
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
    now: SimTime,
    /// In Kafka, not yet read by a batch.
    available: VecDeque<(SimTime, EngineRecord)>,
    running: Option<Batch>,
    next_check: SimTime,
    state: WindowState,
    /// The watermark the next batch evicts with, and the one it drops late rows with.
    wm_evict: i64,
    wm_late: i64,
    max_event: Option<i64>,
    down_until: Option<SimTime>,
    /// Continuous mode: the task's FIFO, the source's offsets, those of the last epoch commit and, after
    /// a failure, the ones its source rewinds to.
    busy: SimTime,
    offsets: SourceOffsets,
    epoch_offsets: Vec<Offset>,
    rewind: Option<Vec<Offset>>,
    next_epoch: SimTime,
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
            now: SimTime::ZERO,
            available: VecDeque::new(),
            running: None,
            next_check: if cfg.trigger_ms > 0 { SimTime::from_millis(cfg.trigger_ms) } else { SimTime::ZERO },
            state: WindowState::default(),
            // WatermarkTracker: the global watermark starts at 0 and never goes back.
            wm_evict: 0,
            wm_late: 0,
            max_event: None,
            down_until: None,
            busy: SimTime::ZERO,
            offsets: SourceOffsets::default(),
            epoch_offsets: Vec::new(),
            rewind: None,
            next_epoch: SimTime::from_millis(cfg.continuous_checkpoint_ms),
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

    fn start_batch(&mut self, at: SimTime, no_data: bool) {
        let mut records = Vec::new();
        while self.available.front().is_some_and(|(a, _)| *a <= at) {
            records.push(self.available.pop_front().expect("front"));
        }
        if records.is_empty() && !no_data {
            return;
        }
        // Tasks run in parallel over partitions: the batch takes as long as its busiest task.
        let tasks = self.pipe.parallelism as usize;
        let mut per_task = vec![SimTime::ZERO; tasks];
        for (_, r) in &records {
            let t = &mut per_task[r.partition as usize % tasks];
            *t += self.map_cost.sample(&mut self.rng) + self.agg_cost.sample(&mut self.rng);
        }
        let work = per_task.into_iter().max().unwrap_or(SimTime::ZERO);
        let planned = at + self.overhead.sample(&mut self.rng);
        let processed = planned + work;
        let committed = processed + self.commit.sample(&mut self.rng);
        let phases = BatchPhases {
            id: self.timeline.len() as u64,
            trigger: at,
            planned,
            processed,
            committed,
            records: records.len() as u64,
        };
        self.running = Some(Batch { phases, records });
    }

    fn complete_batch(&mut self) {
        let batch = self.running.take().expect("a batch is running");
        let phases = batch.phases;
        // The sink wrote the batch's output before the commit log entry.
        let e = phases.processed;
        self.timeline.push(phases);
        let (wm_evict, wm_late) = (self.wm_evict, self.wm_late);
        let session = self.pipe.window.is_session();
        for (_, r) in &batch.records {
            if r.value > self.pipe.filter_max_value {
                self.metrics.filtered += 1;
                continue;
            }
            self.max_event = Some(self.max_event.map_or(r.event_time, |m| m.max(r.event_time)));
            // Processing-time windows use current_timestamp(): the batch's trigger time.
            let ts = if self.pipe.time == TimeDomain::Event { r.event_time } else { phases.trigger.0 as i64 };
            if self.pipe.window == WindowSpec::None {
                let out = Output::single(OutputKind::Window, ts, ts + 1, r, e).decided(Some(phases.id), wm_evict);
                self.metrics.latency.record(e - r.created);
                self.metrics.records_in_results += 1;
                self.metrics.emit(out);
                continue;
            }
            for w in self.pipe.window.assign(ts) {
                if self.pipe.time == TimeDomain::Event && w.end <= wm_late {
                    let late = Output::single(OutputKind::Late, w.start, w.end, r, e).decided(Some(phases.id), wm_late);
                    self.metrics.emit(late);
                    continue;
                }
                self.state.add(w, r.key, r.value, r.created, session);
            }
        }
        let evictable = |w: &super::window::Window| w.end <= wm_evict;
        let emit_now = match self.cfg.output_mode {
            OutputMode::Append => self.state.select(evictable, |_| true),
            OutputMode::Update => self.state.select(|_| true, |a| a.dirty),
            OutputMode::Complete => self.state.select(|_| true, |_| true),
        };
        for (w, key) in emit_now {
            let agg = self.state.get_mut(w, key).expect("selected");
            agg.dirty = false;
            agg.fired += 1;
            for c in &agg.created[agg.reported..] {
                self.metrics.latency.record(e - *c);
            }
            self.metrics.records_in_results += (agg.created.len() - agg.reported) as u64;
            agg.reported = agg.created.len();
            let out = agg.output(w, key, e).decided(Some(phases.id), wm_evict);
            self.metrics.emit(out);
        }
        if self.cfg.output_mode != OutputMode::Complete {
            self.state.retain(|w| !evictable(w));
        }
        // The watermark for the next batch: max event time seen minus the delay, never decreasing.
        let next_wm = self.max_event.map_or(i64::MIN, |m| m - self.cfg.watermark_delay_ms as i64 * MS).max(wm_evict);
        self.wm_late = wm_evict;
        self.wm_evict = next_wm;
        let end = phases.committed;
        self.next_check = if self.cfg.trigger_ms > 0 { self.next_tick(phases.trigger).max(end) } else { end };
    }

    /// StateStoreSaveExec.shouldRunAnotherBatch: in append and update mode a batch without new data runs
    /// whenever the watermark advanced past the one the last batch evicted with, evicting or not.
    fn needs_no_data_batch(&self) -> bool {
        self.pipe.time == TimeDomain::Event
            && self.pipe.window != WindowSpec::None
            && self.cfg.output_mode != OutputMode::Complete
            && self.wm_evict > self.wm_late
    }

    /// A record read again after a rewind repeats its result (at-least-once), counted as a duplicate.
    fn continuous_record(&mut self, arrival: SimTime, r: EngineRecord) {
        let first = self.offsets.read(&r);
        self.metrics.records_in += u64::from(first);
        let cost = self.map_cost.sample(&mut self.rng);
        let t = arrival.max(self.busy) + cost;
        self.busy = t;
        if r.value > self.pipe.filter_max_value {
            self.metrics.filtered += u64::from(first);
            return;
        }
        if first {
            self.metrics.latency.record(t - r.created);
            self.metrics.records_in_results += 1;
        } else {
            self.metrics.duplicate_results += 1;
        }
        let out = Output::single(OutputKind::Window, r.event_time, r.event_time + 1, &r, t);
        self.metrics.emit(out);
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
                // An epoch commit: the offsets read so far are committed and will not be read again.
                self.epoch_offsets = self.offsets.snapshot();
                self.next_epoch += iv;
            }
            self.now = self.now.max(t);
            return;
        }
        loop {
            if let Some(until) = self.down_until {
                if until > t {
                    break;
                }
                self.down_until = None;
                self.now = until;
                // The failed batch re-runs with the same offsets (offsets WAL) after the restart.
                if let Some(b) = self.running.take() {
                    self.running = Some(Batch { phases: b.phases.restarted_at(until), records: b.records });
                } else {
                    self.next_check = self.next_check.max(until);
                }
            }
            if let Some(b) = &self.running {
                if b.phases.committed > t {
                    break;
                }
                self.now = b.phases.committed;
                self.complete_batch();
                continue;
            }
            if self.next_check > t {
                break;
            }
            let at = self.next_check;
            self.now = at;
            let has_data = self.available.front().is_some_and(|(a, _)| *a <= at);
            if has_data || self.needs_no_data_batch() {
                self.start_batch(at, !has_data);
            } else if self.cfg.trigger_ms > 0 {
                self.next_check = self.next_tick(at);
            } else {
                // Default trigger, idle: poll again shortly. A record is queued only once it has arrived,
                // so the next record cannot be known earlier than that poll.
                self.next_check = at + POLLING_DELAY;
            }
        }
        self.now = self.now.max(t);
    }

    fn on_record(&mut self, arrival: SimTime, r: EngineRecord) {
        // A trigger at exactly `arrival` still sees this record: run only what is due before it.
        self.advance_to(SimTime(arrival.0.saturating_sub(1)));
        if self.cfg.mode == SparkMode::Continuous {
            self.continuous_record(arrival, r);
            return;
        }
        self.metrics.records_in += 1;
        self.available.push_back((arrival, r));
    }

    fn fail(&mut self, t: SimTime) -> Option<SimTime> {
        self.advance_to(t);
        let until = t + SimTime::from_millis(self.cfg.restart_delay_ms);
        if self.cfg.mode == SparkMode::Continuous {
            // The query restarts from the last epoch's offsets: everything since is read and processed
            // again (at-least-once).
            self.rewind = Some(self.epoch_offsets.clone());
            return Some(until);
        }
        // The failed batch re-runs with the offsets of its offset log entry; later ones wait in Kafka.
        self.down_until = Some(until);
        None
    }

    fn rewind(&mut self) -> Option<Vec<Offset>> {
        self.rewind.take()
    }

    fn finish(&mut self, t: SimTime) {
        // A streaming query has no end of input: run the batches that are due and those the watermark
        // still asks for; windows the watermark never passed stay in state, unemitted.
        let mut horizon = t;
        loop {
            self.advance_to(horizon);
            let busy = self.running.is_some() || !self.available.is_empty() || self.needs_no_data_batch();
            if !busy && self.down_until.is_none() {
                break;
            }
            horizon = horizon + SimTime::from_millis(self.cfg.trigger_ms.max(10)) + SimTime::from_secs(1);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::source::MemoryFeed;

    /// 1 s tumbling windows, 2 ms of map work per record, 2 tasks (partition % 2), values above 50
    /// filtered out; 50 ms of planning per batch.
    fn engine(cfg: SparkConfig, window: WindowSpec, time: TimeDomain) -> SparkEngine {
        let pipe = PipelineConfig {
            filter_max_value: 50,
            map_cost: DistSpec::constant_ms(2.0),
            aggregate_cost: DistSpec::constant_ms(0.0),
            window,
            time,
            parallelism: 2,
            ..PipelineConfig::default()
        };
        let cfg = SparkConfig { batch_overhead: DistSpec::constant_ms(50.0), watermark_delay_ms: 0, ..cfg };
        SparkEngine::new(cfg, pipe, crate::rng::stream(1, "spark"), true)
    }

    fn record(arrival_ms: u64, event_ms: i64, partition: u32, value: i64) -> EngineRecord {
        let created = SimTime::from_millis(arrival_ms);
        EngineRecord { created, event_time: event_ms * MS, key: 0, value, partition, offset: Offset(arrival_ms) }
    }

    fn feed(e: &mut SparkEngine, arrival_ms: u64, event_ms: i64, partition: u32, value: i64) {
        e.on_record(SimTime::from_millis(arrival_ms), record(arrival_ms, event_ms, partition, value));
    }

    /// A batch as (trigger, end, records), in ms.
    fn ms(b: &BatchPhases) -> (u64, u64, u64) {
        (b.trigger.as_millis(), b.committed.as_millis(), b.records)
    }

    /// ProcessingTimeExecutor: batches start on the interval's ticks; a batch lasts its planning plus its
    /// busiest task; one that overruns the interval makes the next start as soon as it ends.
    #[test]
    fn batches_start_on_trigger_ticks_and_last_as_long_as_the_busiest_task() {
        let mut e = engine(SparkConfig::default(), WindowSpec::Tumbling { size_ms: 1000 }, TimeDomain::Event);
        feed(&mut e, 100, 100, 0, 1);
        feed(&mut e, 200, 200, 2, 1);
        feed(&mut e, 300, 300, 1, 1);
        feed(&mut e, 1000, 1000, 0, 1); // arrives at the tick: still in the batch
        e.advance_to(SimTime::from_millis(1100));
        assert_eq!(e.batches().iter().map(ms).collect::<Vec<_>>(), [(1000, 1056, 4)], "task 0: 3 records, 6 ms");
        for i in 0..1000 {
            feed(&mut e, 1001 + i, 1100, 0, 1); // 2 s of work for task 0
        }
        feed(&mut e, 3500, 3500, 0, 1);
        e.advance_to(SimTime::from_millis(5000));
        let b: Vec<_> = e.batches().iter().map(ms).collect();
        assert_eq!(b[1], (2000, 4050, 1000), "the batch overruns the ticks at 3 s and 4 s");
        assert_eq!(b[2], (4050, 4102, 1), "the next starts when it ends");
        assert_eq!(e.name(), "spark");
    }

    /// The default trigger (interval 0): the next batch as soon as the last ended; while idle, a poll every
    /// 10 ms (spark.sql.streaming.pollingDelay) finds new data.
    #[test]
    fn the_default_trigger_runs_batches_back_to_back_and_polls_when_idle() {
        let cfg = SparkConfig { trigger_ms: 0, ..SparkConfig::default() };
        let mut e = engine(cfg, WindowSpec::None, TimeDomain::Event);
        feed(&mut e, 105, 105, 0, 1);
        feed(&mut e, 120, 120, 0, 1);
        feed(&mut e, 400, 400, 0, 1);
        e.finish(SimTime::from_millis(400));
        let b: Vec<_> = e.batches().iter().map(ms).collect();
        assert_eq!(b, [(110, 162, 1), (162, 214, 1), (404, 456, 1)], "polls at 0, 10, .., 110");
        let emits: Vec<u64> = e.metrics().outputs.as_ref().expect("kept").iter().map(|o| o.emit.as_millis()).collect();
        assert_eq!(emits, [162, 214, 456], "without a window every record is a result when its batch ends");
    }

    /// Processing-time windows take the batch's trigger time (current_timestamp()); the filter runs before.
    #[test]
    fn processing_time_windows_use_the_trigger_time_and_filtered_rows_count_nowhere() {
        let mut e = engine(SparkConfig::default(), WindowSpec::Tumbling { size_ms: 1000 }, TimeDomain::Processing);
        feed(&mut e, 100, -50_000, 0, 7);
        feed(&mut e, 200, 0, 0, 51);
        e.finish(SimTime::from_millis(500));
        let m = e.metrics();
        assert_eq!((m.records_in, m.filtered, m.late, m.pending_at_end), (2, 1, 0, 1), "[1 s, 2 s) never closes");
        assert!(m.outputs.as_ref().expect("kept").is_empty(), "no watermark in processing time: no output");
    }

    /// A failed batch runs again after the restart delay with the same offsets and the same id; its
    /// results are committed once.
    #[test]
    fn a_failed_batch_reruns_with_its_offsets_after_the_restart() {
        let cfg = SparkConfig { restart_delay_ms: 1000, ..SparkConfig::default() };
        let mut e = engine(cfg, WindowSpec::None, TimeDomain::Event);
        feed(&mut e, 100, 100, 0, 1);
        e.fail(SimTime::from_millis(1020));
        feed(&mut e, 1500, 1500, 0, 1); // waits for the restart
        e.finish(SimTime::from_millis(1500));
        let b: Vec<_> = e.batches().iter().map(ms).collect();
        assert_eq!(b, [(2020, 2072, 1), (3000, 3052, 1)], "batch 0 restarted at 2.02 s, then the next tick");
        let out = e.metrics().outputs.as_ref().expect("kept");
        assert_eq!(
            out.iter().map(|o| (o.batch, o.emit.as_millis())).collect::<Vec<_>>(),
            [(Some(0), 2072), (Some(1), 3052)]
        );
        assert_eq!(e.metrics().duplicate_results, 0);
    }

    /// Failed while idle: no batch before the query is back.
    #[test]
    fn an_idle_failure_delays_the_next_trigger_to_the_restart() {
        let cfg = SparkConfig { restart_delay_ms: 2500, ..SparkConfig::default() };
        let mut e = engine(cfg, WindowSpec::None, TimeDomain::Event);
        e.fail(SimTime::from_millis(100));
        feed(&mut e, 200, 200, 0, 1);
        e.finish(SimTime::from_millis(200));
        assert_eq!(e.batches().iter().map(ms).collect::<Vec<_>>(), [(2600, 2652, 1)]);
    }

    /// Continuous processing: each record's result follows its map work at once (one task, FIFO); a
    /// failure rewinds the source to the last epoch commit's offsets and processes everything since
    /// again, at least once.
    #[test]
    fn continuous_processing_replays_records_since_the_last_epoch() {
        let cfg = SparkConfig {
            mode: SparkMode::Continuous,
            continuous_checkpoint_ms: 1000,
            restart_delay_ms: 500,
            ..SparkConfig::default()
        };
        let mut e = engine(cfg, WindowSpec::None, TimeDomain::Event);
        assert_eq!(e.name(), "spark-continuous");
        let mut kafka = MemoryFeed::default();
        for (at, p, value) in [(100, 0, 1), (101, 1, 1), (1200, 0, 1), (1300, 0, 99)] {
            kafka.push(&mut e, SimTime::from_millis(at), record(at, at as i64, p, value));
        }
        kafka.fail(&mut e, SimTime::from_millis(1400));
        kafka.push(&mut e, SimTime::from_millis(1600), record(1600, 1600, 0, 1)); // read after the restart
        kafka.finish(&mut e, SimTime::from_millis(2000));
        let out = e.metrics().outputs.as_ref().expect("kept");
        let emits: Vec<u64> = out.iter().map(|o| o.emit.as_millis()).collect();
        assert_eq!(emits, [102, 104, 1202, 1902, 1906], "the replay of 1200 waits for the restart at 1.9 s");
        let m = e.metrics();
        assert_eq!((m.records_in, m.filtered, m.records_in_results, m.duplicate_results), (5, 1, 4, 1));
    }

    /// The key and the problem of a refusal.
    fn key(e: ScenarioError) -> (String, String) {
        match e {
            ScenarioError::Invalid { key, problem } => (key, problem),
            ScenarioError::Parse(problem) => panic!("a refusal, not a parse error: {problem}"),
        }
    }

    #[test]
    fn spark_refuses_what_spark_refuses() {
        let pipe = |window| PipelineConfig { window, ..PipelineConfig::default() };
        let tumbling = WindowSpec::Tumbling { size_ms: 1000 };
        let continuous = SparkConfig { mode: SparkMode::Continuous, ..SparkConfig::default() };
        assert_eq!(key(continuous.validate(&pipe(tumbling)).unwrap_err()).0, "spark.mode");
        assert_eq!(continuous.validate(&pipe(WindowSpec::None)), Ok(()));
        let no_epochs = SparkConfig { continuous_checkpoint_ms: 0, ..continuous };
        assert_eq!(key(no_epochs.validate(&pipe(WindowSpec::None)).unwrap_err()).0, "spark.continuous_checkpoint_ms");
        let update = SparkConfig { output_mode: OutputMode::Update, ..SparkConfig::default() };
        let e = key(update.validate(&pipe(WindowSpec::Session { gap_ms: 1 })).unwrap_err());
        assert_eq!(e.0, "spark.output_mode");
        assert!(e.1.contains("Invalid streaming output mode: update") && e.1.contains("session window"), "{}", e.1);
        assert_eq!(update.validate(&pipe(tumbling)), Ok(()));
        assert!(
            refusal(&WindowSpec::None, OutputMode::Complete).expect("refused").contains("no streaming aggregations")
        );
        assert_eq!(refusal(&tumbling, OutputMode::Complete), None);
        let bad = SparkConfig { batch_overhead: DistSpec::constant_ms(-1.0), ..SparkConfig::default() };
        assert_eq!(key(bad.validate(&pipe(tumbling)).unwrap_err()).0, "spark.batch_overhead");
    }
}
