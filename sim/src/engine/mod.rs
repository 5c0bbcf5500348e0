//! Stream-processing engines fed by the same records: a Flink-style record-at-a-time engine, a
//! Spark-style micro-batch engine, and a Hadoop-style batch job. Each follows its system's documented
//! rules; the pipeline they run is data (`PipelineConfig`).

pub mod batch;
pub mod event_time;
pub mod fate;
pub mod flink;
#[cfg(test)]
mod oracle_tests;
pub mod pipeline;
pub mod replay;
pub mod source;
pub mod spark;
pub mod state;
pub mod window;

use crate::dist::DistSpec;
use crate::kafka::ids::{Offset, PartitionId};
use crate::metrics::{Histogram, LatencySummary};
use crate::scenario::{ScenarioError, invalid};
use crate::time::SimTime;
use crate::workload::Record;
pub use event_time::EventTime;
use serde::{Deserialize, Serialize};
use window::{Window, WindowSpec};

/// A record as an engine sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineRecord {
    pub created: SimTime,
    pub event_time: EventTime,
    pub key: u32,
    pub value: i64,
    /// The Kafka partition it was read from: decides the source subtask.
    pub partition: PartitionId,
    /// Its offset in that partition.
    pub offset: Offset,
}

impl EngineRecord {
    /// A record of the log as the engines read it.
    pub fn of(r: &Record, partition: PartitionId, offset: Offset) -> EngineRecord {
        EngineRecord {
            created: r.created,
            event_time: EventTime::from(r.event_time),
            key: r.key,
            value: i64::from(r.value),
            partition,
            offset,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeDomain {
    Event,
    Processing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

/// source -> parse/filter/map -> key by -> window -> aggregate -> sink.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineConfig {
    /// Records whose value (1..=100) is at most this pass the filter; 100 keeps everything.
    pub filter_max_value: i64,
    /// Parse, filter and map work per record.
    pub map_cost: DistSpec,
    pub window: WindowSpec,
    pub time: TimeDomain,
    /// The function of the jobs `streamlab export` writes. The simulated engines keep count, sum, min and
    /// max of every window (`Output`), and the function does not change when a result becomes visible.
    pub aggregate: Aggregate,
    /// Window-operator work per record.
    pub aggregate_cost: DistSpec,
    /// Parallel subtasks of every operator.
    pub parallelism: u32,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            filter_max_value: 100,
            map_cost: DistSpec::Constant { ms: 0.01 },
            window: WindowSpec::Tumbling { size_ms: 1000 },
            time: TimeDomain::Event,
            aggregate: Aggregate::Count,
            aggregate_cost: DistSpec::Constant { ms: 0.005 },
            parallelism: 2,
        }
    }
}

impl PipelineConfig {
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let e = |k: &str, p: &dyn std::fmt::Display| invalid(format!("pipeline.{k}"), p);
        self.window.validate().map_err(|p| e("window", &p))?;
        self.map_cost.validate().map_err(|p| e("map_cost", &p))?;
        self.aggregate_cost.validate().map_err(|p| e("aggregate_cost", &p))?;
        if self.parallelism == 0 || self.parallelism > 256 {
            return Err(e("parallelism", &format!("must be between 1 and 256 (got {})", self.parallelism)));
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum OutputKind {
    Window,
    Late,
}

/// One emitted row: a window result, or a record dropped as late.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Output {
    pub kind: OutputKind,
    pub start: EventTime,
    pub end: EventTime,
    pub key: u32,
    pub count: u64,
    pub sum: i64,
    pub min: i64,
    pub max: i64,
    /// When the row became visible downstream.
    pub emit: SimTime,
    /// The micro-batch that produced it (Spark; no-data batches count).
    pub batch: Option<u64>,
    /// The watermark it was decided under (`EventTime::MAX` is the final watermark of a bounded input).
    pub watermark: EventTime,
}

impl Output {
    /// A row about one record: its own result (`Window::instant`, no window) or its late drop from `w`.
    pub fn single(kind: OutputKind, w: Window, r: &EngineRecord, emit: SimTime) -> Output {
        let (key, v) = (r.key, r.value);
        let (start, end, watermark) = (w.start, w.end, EventTime::MIN);
        Output { kind, start, end, key, count: 1, sum: v, min: v, max: v, emit, batch: None, watermark }
    }

    /// The same row, marked with the batch and watermark that decided it.
    pub fn decided(self, batch: Option<u64>, watermark: EventTime) -> Output {
        Output { batch, watermark, ..self }
    }
}

/// What every engine measures. A record read from the log that passed the filter ends in one fate:
/// `in_result`, `late`, `pending_at_end` or `lost` (the engines that replay keep them in a `FateLedger`).
pub struct EngineMetrics {
    /// Per (record, window) in a visible result: result visible minus record created.
    pub latency: Histogram,
    pub records_in: u64,
    pub filtered: u64,
    /// Records dropped as late (Spark and the batch job: (record, window) rows).
    pub late: u64,
    /// Result rows the sink saw, repeats included.
    pub results: u64,
    /// Results the sink saw again: a (window, key, firing) a replay emitted a second time.
    pub duplicate_results: u64,
    /// Results of windows that had closed before the snapshot a restart restored, opened again by
    /// records replayed before the first new watermark: no watermark is checkpointed (Flink).
    pub reopened_results: u64,
    /// (record, window) pairs in visible results: one latency sample each.
    pub records_in_results: u64,
    /// Records in at least one visible result.
    pub in_result: u64,
    /// Records still waiting in open windows (or storage) when the run ended.
    pub pending_at_end: u64,
    /// Records read and passed on that no result holds, not late and not pending: thrown away with the
    /// state of a restart that does not read them again. For the engines that read at their triggers,
    /// the offsets of a planned range that retention deleted before they were read (never read, so not
    /// in `records_in`).
    pub lost: u64,
    /// Collected only when asked (replay); compare keeps just the metrics.
    pub outputs: Option<Vec<Output>>,
}

impl EngineMetrics {
    pub fn new(collect: bool) -> Self {
        EngineMetrics {
            latency: Histogram::new(),
            records_in: 0,
            filtered: 0,
            late: 0,
            results: 0,
            duplicate_results: 0,
            reopened_results: 0,
            records_in_results: 0,
            in_result: 0,
            pending_at_end: 0,
            lost: 0,
            outputs: collect.then(Vec::new),
        }
    }
}

/// How an engine reads the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reads {
    /// Each record as its fetch brings it (Flink, Spark's continuous processing): `on_record`.
    AsRecordsArrive,
    /// A range of offsets decided at each trigger (Spark's micro-batches, the batch job): `trigger`, then
    /// `on_input`. The time of the next trigger, or None while the input of the last one is being read.
    AtTrigger(Option<SimTime>),
}

/// The offsets an engine reads at a trigger: per partition (by index), [start, end); its tasks read them
/// once they start, at `tasks_start`, into `buffer`: an empty list the engine may offer (the one its last
/// input came in), so that one buffer serves every trigger instead of a new one faulted in per trigger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadPlan {
    pub tasks_start: SimTime,
    pub ranges: Vec<std::ops::Range<Offset>>,
    pub buffer: Vec<EngineRecord>,
}

/// The engines' common face: records are fed in arrival order; `advance_to` runs the engine's own timers.
pub trait Engine {
    fn name(&self) -> &'static str;
    /// Runs everything due up to `t`.
    fn advance_to(&mut self, t: SimTime);
    /// A record reaches the engine at `arrival` (not before the last `advance_to`): engines that read as
    /// records arrive.
    fn on_record(&mut self, arrival: SimTime, r: EngineRecord);
    fn reads(&self) -> Reads {
        Reads::AsRecordsArrive
    }
    /// The trigger due at `at` (from `reads`): the readable end of each partition is `ends` (the high
    /// watermark; without transactions read_committed sees the same). Returns the offsets the engine
    /// reads, or None when it runs nothing now.
    fn trigger(&mut self, _at: SimTime, _ends: &[Offset]) -> Option<ReadPlan> {
        None
    }
    /// The planned input has been read at `at`: its records in offset order per partition (in the plan's
    /// buffer), and how many of its offsets retention had deleted before they were read.
    fn on_input(&mut self, _at: SimTime, _records: Vec<EngineRecord>, _deleted: u64) {}
    /// A task failure at `t` (from the scenario's engine faults). Returns when the job reads Kafka again
    /// if it stopped reading (a restarting Flink job); Spark and the batch job keep their offsets and
    /// re-run a failed batch or job themselves.
    fn fail(&mut self, t: SimTime) -> Option<SimTime>;
    /// After a restart: the offsets the job's source rewinds to (its last completed checkpoint's; every
    /// partition from the start without one), or `None` to read on from where it was. Taken once.
    fn rewind(&mut self) -> Option<Vec<Offset>> {
        None
    }
    /// The input ended at `t`: run to quiescence (a bounded Flink source emits a final watermark).
    fn finish(&mut self, t: SimTime);
    fn metrics(&self) -> &EngineMetrics;
    fn metrics_mut(&mut self) -> &mut EngineMetrics;
    /// Micro-batches run so far, phase by phase. Empty for engines without batches.
    fn batches(&self) -> &[spark::BatchPhases] {
        &[]
    }
}

/// An engine's line in the side-by-side table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EngineSummary {
    pub engine: String,
    pub latency_ms: LatencySummary,
    pub records_in: u64,
    pub filtered: u64,
    pub late_records: u64,
    pub results: u64,
    pub duplicate_results: u64,
    /// Results of windows a restart opened again after they had closed (Flink checkpoints no watermark).
    pub reopened_results: u64,
    /// Records in windows that were still open when the input ended (a streaming query never closes them
    /// unless the watermark passes).
    pub records_pending_at_end: u64,
    /// Records that passed the filter but are in no visible result, not late and not pending: counted
    /// record by record where a restart can throw state away; Spark's micro-batches (re-run from the
    /// offset log) and the batch job (from storage) lose only offsets retention deleted before they read.
    pub records_lost: u64,
    pub throughput_per_s: f64,
}

impl EngineSummary {
    pub fn of(e: &dyn Engine, duration: SimTime) -> EngineSummary {
        let m = e.metrics();
        let passed = m.records_in - m.filtered;
        EngineSummary {
            engine: e.name().to_string(),
            latency_ms: m.latency.summary(),
            records_in: m.records_in,
            filtered: m.filtered,
            late_records: m.late,
            results: m.results,
            duplicate_results: m.duplicate_results,
            reopened_results: m.reopened_results,
            records_pending_at_end: m.pending_at_end,
            records_lost: m.lost,
            throughput_per_s: if duration.0 == 0 { 0.0 } else { (passed as f64 / duration.as_secs_f64()).round() },
        }
    }
}
