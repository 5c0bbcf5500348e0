//! How much work a run or a replay will be, estimated before it starts, so that a scenario asking for
//! years of records or a window sliding by a millisecond is refused with the numbers instead of running
//! for hours or exhausting memory. The estimates are deliberately coarse (factors of a few either way);
//! the event limit during the run stays the exact backstop.

use crate::engine::replay::{ReplayError, ReplaySettings, TraceRow};
use crate::engine::spark::{OutputMode, SparkMode};
use crate::engine::window::WindowSpec;
use crate::scenario::{Arrival, EngineKind, Fault, Keys, ProducerConfig, Scenario};
use crate::time::MAX_MS;
use thiserror::Error;

/// Memory a run may plan to hold, in bytes.
pub const MEMORY_BUDGET_BYTES: f64 = 2.0 * 1024.0 * 1024.0 * 1024.0;
/// Work a replay may do: engine steps (records x windows, timers) summed over the engines.
pub const REPLAY_MAX_WORK: f64 = 50_000_000.0;

/// Kafka events per record when every batch holds one record (low rates): its arrival, linger, drain,
/// request, an append per replica, response and fetches. Larger batches share them: fewer per record.
const EVENTS_PER_RECORD: f64 = 8.0;
/// Events of one long poll: the request arriving, its wait expiring or being answered, the response.
const EVENTS_PER_POLL: f64 = 3.0;
/// The shortest poll cycle counted, for a network without delay: 1 us.
const MIN_POLL_MS: f64 = 0.001;
/// Engine steps per record and window: on arrival, in the window's state, on firing.
const ENGINE_STEPS_PER_WINDOW: f64 = 2.0;
/// Memory per record an engine keeps (its latency samples, queued records); measured about 40 bytes.
const ENGINE_BYTES_PER_RECORD: f64 = 64.0;
/// Memory per record the partitions' logs hold (the record in its batch, the batch's share).
const LOG_BYTES_PER_RECORD: f64 = 32.0;
/// Memory of a record in a window's log until the window fires (`fate::Member`), and its copy in a
/// checkpoint.
const BYTES_PER_WINDOW_MEMBER: f64 = 2.0 * size_of::<crate::engine::fate::Member>() as f64;
/// Memory of one (key, window) entry of window state.
const BYTES_PER_WINDOW_STATE: f64 = 128.0;
/// spark.sql.streaming.pollingDelay: the default trigger checks for data this often when idle.
const SPARK_POLLING_MS: f64 = 10.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub records: f64,
    pub events: f64,
    pub memory_bytes: f64,
    /// When the slowest engine would be done with its backlog, in simulated milliseconds.
    pub engine_busy_until_ms: f64,
    /// The largest part of that time beyond the run's own span: its scenario key and milliseconds.
    pub engine_busy_by: (&'static str, f64),
}

/// The part of an engine's span that the per-record costs make (`Estimate::engine_busy_by`).
const PER_RECORD_COSTS: &str = "pipeline";

/// A run refused for its size, with the estimate and what to change.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum BudgetError {
    #[error(
        "an engine would be busy until about {busy_until_ms:.3e} ms, beyond the {MAX_MS} ms a run may span, \
         {}",
        busy_fix(by.0, by.1)
    )]
    EngineBusy { busy_until_ms: f64, by: (&'static str, f64) },
    #[error(
        "this run would take about {events:.3e} events ({records:.3e} records), above run.max_events = \
         {max_events}: {SHRINK}, or raise run.max_events"
    )]
    Events { events: f64, records: f64, max_events: u64 },
    #[error(
        "this run would hold about {:.1} GiB ({records:.3e} records), above the {:.0} GiB memory budget: {SHRINK}",
        .bytes / 1024f64.powi(3),
        MEMORY_BUDGET_BYTES / 1024f64.powi(3)
    )]
    Memory { bytes: f64, records: f64 },
}

/// What to change for an engine's span: the key that makes most of it (the error is reported under it).
fn busy_fix(key: &str, ms: f64) -> String {
    if key == PER_RECORD_COSTS {
        format!(
            "{ms:.3e} ms of it for the per-record costs: lower pipeline.map_cost or pipeline.aggregate_cost, or \
             raise pipeline.parallelism"
        )
    } else {
        format!("{ms:.3e} ms of it for this key: lower it")
    }
}

const SHRINK: &str = "shorten run.duration_ms, lower the producers' rate_per_s or count, or simplify the pipeline";

impl BudgetError {
    /// The scenario key the refusal is reported under.
    pub fn key(&self) -> &'static str {
        match self {
            BudgetError::EngineBusy { by, .. } => by.0,
            BudgetError::Events { .. } | BudgetError::Memory { .. } => "run.max_events",
        }
    }
}

impl Estimate {
    /// Refuses a run above `max_events`, the memory budget or the time range.
    pub fn check(&self, max_events: u64) -> Result<(), BudgetError> {
        if self.engine_busy_until_ms > MAX_MS as f64 {
            return Err(BudgetError::EngineBusy { busy_until_ms: self.engine_busy_until_ms, by: self.engine_busy_by });
        }
        if self.events > max_events as f64 {
            return Err(BudgetError::Events { events: self.events, records: self.records, max_events });
        }
        if self.memory_bytes > MEMORY_BUDGET_BYTES {
            return Err(BudgetError::Memory { bytes: self.memory_bytes, records: self.records });
        }
        Ok(())
    }
}

/// The rows Spark's complete output mode emits over `batches` micro-batches: every batch writes the whole
/// result table (StreamingAggregation keeps every window in complete mode), which grows to `entries` (key,
/// window) rows, so a batch writes half of them on average. None in the other modes.
fn complete_rows(mode: OutputMode, batches: f64, entries: f64) -> f64 {
    if mode == OutputMode::Complete { batches * entries / 2.0 } else { 0.0 }
}

/// The (key, window) rows a result table reaches: each record in each of its windows, at most every key in
/// every window the span holds.
fn table_entries(window: &WindowSpec, records: f64, keys: f64, span_ms: f64) -> f64 {
    let windows = match *window {
        WindowSpec::None => 1.0,
        WindowSpec::Tumbling { size_ms } => span_ms / size_ms.max(1) as f64 + 1.0,
        WindowSpec::Sliding { size_ms, slide_ms } => (span_ms + size_ms as f64) / slide_ms.max(1) as f64,
        WindowSpec::Session { .. } => records,
    };
    (records * window.windows_per_element()).min(keys * windows)
}

/// `span / period` timer firings, or none when the timer is off (period 0).
fn ticks(span_ms: f64, period_ms: u64) -> f64 {
    if period_ms == 0 { 0.0 } else { span_ms / period_ms as f64 }
}

/// The work of a validated-so-far scenario: Kafka's records and periodic events, and each engine's steps
/// and timers over the run plus the time its backlog takes to drain.
pub fn estimate(s: &Scenario) -> Estimate {
    let horizon_ms = (s.run.duration_ms + s.run.drain_ms) as f64;
    // A diurnal rate peaks at rate * (1 + amplitude), a daily profile at its busiest hour times the burst
    // factor: a run shorter than its period may stay near the peak.
    let peak = |p: &ProducerConfig| match &p.arrival {
        Arrival::Diurnal { amplitude, .. } => 1.0 + amplitude,
        Arrival::Day { hourly, burst_factor, .. } => {
            let mean = hourly.iter().sum::<f64>() / hourly.len() as f64;
            hourly.iter().copied().fold(0.0, f64::max) / mean * burst_factor
        }
        _ => 1.0,
    };
    let records: f64 = s
        .producers
        .iter()
        .map(|p| f64::from(p.count) * p.rate_per_s * peak(p) * s.run.duration_ms as f64 / 1000.0)
        .sum();
    let (brokers, partitions) = (f64::from(s.cluster.brokers), f64::from(s.topic.partitions));
    let (members, g) = (f64::from(s.consumer_group.members), &s.consumer_group);
    // A long poll (a request, its wait, its response) takes at least a round trip, even at a 0 ms wait.
    let round_trip_ms = (2.0 * s.cluster.network_delay.work_ms()).max(MIN_POLL_MS);
    let polls = |wait_ms: u64| EVENTS_PER_POLL * horizon_ms / (wait_ms as f64).max(round_trip_ms);
    let kafka_timers = ticks(horizon_ms, s.run.bucket_ms)
        + members
            * (ticks(horizon_ms, g.heartbeat_interval_ms)
                + ticks(horizon_ms, g.auto_commit_interval_ms)
                + brokers.min(partitions) * polls(g.fetch_max_wait_ms))
        // Every broker's replica fetcher polls every other broker, leading something or not.
        + brokers * (brokers - 1.0) * polls(s.cluster.replica_fetch_wait_max_ms)
        // ReplicaManager's isr-expiration task, every replica.lag.time.max.ms / 2 (at least 1 ms here).
        + brokers * ticks(horizon_ms, (s.cluster.replica_lag_time_max_ms / 2).max(1))
        + ticks(horizon_ms, s.cluster.log_retention_check_interval_ms);
    let mut events = records * EVENTS_PER_RECORD + kafka_timers;
    let keys: f64 = s
        .producers
        .iter()
        .map(|p| match p.keys {
            Keys::None => 1.0,
            Keys::Uniform { count } | Keys::Zipf { count, .. } => f64::from(count),
        })
        .sum();
    // The logs keep what retention.ms (plus up to one check interval) covers of the run.
    let retained_ms = (s.topic.retention_ms + s.cluster.log_retention_check_interval_ms) as f64;
    let mut memory_bytes = records * (retained_ms / s.run.duration_ms as f64).min(1.0) * LOG_BYTES_PER_RECORD;
    let mut engine_busy_until_ms = 0.0f64;
    let mut engine_busy_by = (PER_RECORD_COSTS, 0.0);
    if let Some(pipe) = &s.pipeline {
        let windows = pipe.window.windows_per_element();
        let parallelism = f64::from(pipe.parallelism);
        let failures = s.faults.iter().filter(|f| matches!(f, Fault::EngineFailure { .. })).count() as f64;
        let cost_ms = pipe.map_cost.work_ms() + pipe.aggregate_cost.work_ms() * windows;
        for kind in &s.engines {
            let backlog_ms = records * cost_ms / parallelism;
            // Result rows besides one per record and window: complete mode's whole table every batch.
            let mut table_rows = 0.0;
            // The parts of an engine's span beyond the run's own, by the key that sets each.
            let parts: Vec<(&'static str, f64)>;
            let (span_ms, timers) = match kind {
                EngineKind::Flink => {
                    let f = &s.flink;
                    parts = vec![
                        (PER_RECORD_COSTS, backlog_ms),
                        ("flink.buffer_timeout_ms", f.buffer_timeout_ms as f64),
                        ("flink.allowed_lateness_ms", f.allowed_lateness_ms as f64),
                        ("flink.idle_timeout_ms", f.idle_timeout_ms as f64),
                        ("flink.restart_delay_ms", failures * f.restart_delay_ms as f64),
                    ];
                    let span = horizon_ms + parts.iter().map(|p| p.1).sum::<f64>();
                    let per_subtask = ticks(span, f.watermark_interval_ms)
                        + ticks(span, f.buffer_timeout_ms)
                        + ticks(span, f.checkpoint_interval_ms);
                    (span, per_subtask * parallelism)
                }
                EngineKind::Spark => {
                    let sp = &s.spark;
                    let overhead_ms = sp.batch_overhead.work_ms() + sp.commit_overhead.work_ms();
                    parts = vec![
                        (PER_RECORD_COSTS, backlog_ms),
                        ("spark.batch_overhead", overhead_ms),
                        ("spark.trigger_ms", sp.trigger_ms as f64),
                        ("spark.watermark_delay_ms", sp.watermark_delay_ms as f64),
                        ("spark.continuous_checkpoint_ms", sp.continuous_checkpoint_ms as f64),
                        ("spark.restart_delay_ms", failures * sp.restart_delay_ms as f64),
                    ];
                    let span = horizon_ms + parts.iter().map(|p| p.1).sum::<f64>();
                    let period_ms = match sp.mode {
                        SparkMode::Continuous => sp.continuous_checkpoint_ms as f64,
                        SparkMode::MicroBatch => (sp.trigger_ms as f64).max(SPARK_POLLING_MS),
                    };
                    // Batches run back to back when each takes longer than the trigger; the end of the run
                    // then steps in trigger + 1 s strides (`SparkEngine::finish`).
                    let batches = span / period_ms.max(overhead_ms).max(1.0) + span / (period_ms + 1000.0);
                    let table = table_entries(&pipe.window, records, keys, span);
                    table_rows = complete_rows(sp.output_mode, batches, table);
                    (span, batches)
                }
                EngineKind::Batch => {
                    let b = &s.batch;
                    let jobs = ticks(horizon_ms, b.interval_ms) + 1.0;
                    parts = vec![
                        ("batch.startup", jobs * b.startup.work_ms()),
                        ("batch.shuffle_cost", records * b.shuffle_cost.work_ms()),
                    ];
                    let span = horizon_ms + parts.iter().map(|p| p.1).sum::<f64>();
                    (span, ticks(span, b.interval_ms))
                }
            };
            if span_ms > engine_busy_until_ms {
                engine_busy_until_ms = span_ms;
                engine_busy_by = parts.into_iter().fold((PER_RECORD_COSTS, 0.0), |a, p| if p.1 > a.1 { p } else { a });
            }
            // Its consumer's long polls, one per partition leader like a group member's.
            let fetches = brokers.min(partitions) * polls(s.consumer_group.fetch_max_wait_ms);
            events += records * windows * ENGINE_STEPS_PER_WINDOW + timers + fetches + table_rows;
            // Open window state: a (key, window) entry for every key in each window a record can still enter,
            // and each record in the log of each of its windows until the window fires (a sliding window
            // of 10 s every 10 ms holds 1000 copies of the last 10 s of records).
            let open_ms = pipe.window.length_ms().unwrap_or(0)
                + match kind {
                    EngineKind::Flink => s.flink.watermark_delay_ms + s.flink.allowed_lateness_ms,
                    EngineKind::Spark => s.spark.watermark_delay_ms,
                    // A job holds every record since the last job in its windows at once.
                    EngineKind::Batch => s.batch.interval_ms,
                };
            let open_records = (records * open_ms as f64 / s.run.duration_ms as f64).min(records);
            memory_bytes += records.min(keys) * windows * BYTES_PER_WINDOW_STATE
                + open_records * windows * BYTES_PER_WINDOW_MEMBER
                + (records + table_rows) * ENGINE_BYTES_PER_RECORD;
        }
    }
    Estimate { records, events, memory_bytes, engine_busy_until_ms, engine_busy_by }
}

/// The work of replaying a trace: each row in each of its windows, and the timers of each engine over the
/// trace's span (Flink's periodic watermarks, Spark's triggers or its default trigger's polling).
pub fn replay_work(rows: &[TraceRow], s: &ReplaySettings) -> f64 {
    let span_ms = rows.last().map_or(0, |r| r.arrival_ms) as f64
        + (s.watermark_delay_ms + s.allowed_lateness_ms + s.trigger_ms) as f64;
    let steps = rows.len() as f64 * s.window.windows_per_element() * ENGINE_STEPS_PER_WINDOW;
    let flink = if s.flink { steps + ticks(span_ms, s.watermark_interval_ms) } else { 0.0 };
    let spark = || {
        let batches = span_ms / (s.trigger_ms as f64).max(SPARK_POLLING_MS);
        let keys = rows.iter().map(|r| r.key.as_str()).collect::<std::collections::BTreeSet<_>>().len() as f64;
        let table = table_entries(&s.window, rows.len() as f64, keys, span_ms);
        steps + batches + complete_rows(s.output_mode, batches, table)
    };
    flink + if s.spark { spark() } else { 0.0 }
}

/// `text`'s trace, if it parses and replaying it with `s` is within the work limit: what the replay
/// command and the live lab's replay both run.
pub fn checked_trace(text: &str, s: &ReplaySettings) -> Result<Vec<TraceRow>, ReplayError> {
    let rows = crate::engine::replay::parse_trace(text)?;
    check_replay(&rows, s)?;
    Ok(rows)
}

/// Refuses replay settings out of range, and a replay above `REPLAY_MAX_WORK` with the estimate.
pub fn check_replay(rows: &[TraceRow], s: &ReplaySettings) -> Result<(), ReplayError> {
    s.window.validate()?;
    s.window.check_slide()?;
    let window_ms = match s.window {
        WindowSpec::None => 0,
        WindowSpec::Tumbling { size_ms } | WindowSpec::Session { gap_ms: size_ms } => size_ms,
        WindowSpec::Sliding { size_ms, slide_ms } => size_ms.max(slide_ms),
    };
    let longest = [window_ms, s.watermark_delay_ms, s.watermark_interval_ms, s.trigger_ms, s.allowed_lateness_ms];
    if longest.iter().any(|ms| *ms > MAX_MS) {
        return Err(ReplayError::DurationTooLong);
    }
    let work = replay_work(rows, s);
    if work > REPLAY_MAX_WORK {
        return Err(ReplayError::TooMuchWork {
            steps: work,
            rows: rows.len(),
            windows_per_row: s.window.windows_per_element(),
            span_ms: rows.last().map_or(0, |r| r.arrival_ms),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::spark::OutputMode;
    use crate::engine::window::WindowError;

    fn settings(window: WindowSpec) -> ReplaySettings {
        ReplaySettings {
            flink: true,
            spark: false,
            window,
            watermark_delay_ms: 0,
            watermark_interval_ms: 0,
            trigger_ms: 0,
            allowed_lateness_ms: 0,
            output_mode: OutputMode::Append,
        }
    }

    fn rows(n: u64) -> Vec<TraceRow> {
        (0..n).map(|i| TraceRow { arrival_ms: i, event_ms: i as i64, key: "k".into(), value: 1 }).collect()
    }

    #[test]
    fn replay_work_is_rows_times_windows() {
        let sliding = settings(WindowSpec::Sliding { size_ms: 10_000, slide_ms: 10 });
        assert_eq!(replay_work(&rows(100), &sliding), 100.0 * 1000.0 * ENGINE_STEPS_PER_WINDOW);
        assert!(check_replay(&rows(100), &sliding).is_ok());
        let err = check_replay(&rows(100_000), &sliding).unwrap_err().to_string();
        assert!(err.contains("100000 rows") && err.contains("1000 windows"), "{err}");
    }

    /// 3000 rows a second apart, 3000 keys, in 1000 windows each: complete mode rewrites the whole table
    /// (up to 3 million rows) every batch, which exhausted memory; append mode writes each window once.
    #[test]
    fn spark_s_complete_mode_is_counted_with_its_whole_table_every_batch() {
        let rows: Vec<TraceRow> = (0..3000)
            .map(|i| TraceRow { arrival_ms: i * 1000, event_ms: (i * 1000) as i64, key: format!("k{i}"), value: 1 })
            .collect();
        let mut s = settings(WindowSpec::Sliding { size_ms: 1000, slide_ms: 1 });
        (s.flink, s.spark) = (false, true);
        assert!(check_replay(&rows, &s).is_ok(), "append: each window once");
        s.output_mode = OutputMode::Complete;
        let err = check_replay(&rows, &s).unwrap_err().to_string();
        assert!(err.contains("engine steps") && err.contains("output mode"), "{err}");
    }

    #[test]
    fn a_scenario_in_complete_mode_is_counted_with_its_whole_table_every_batch() {
        let text = "name = \"x\"\nengines = [\"spark\"]\n[run]\nduration_ms = 60000\n\
                    [[producers]]\nrate_per_s = 2000.0\nkeys = { kind = \"uniform\", count = 2000 }\n\
                    [pipeline]\nwindow = { kind = \"sliding\", size_ms = 1000, slide_ms = 1 }\n";
        let mut s = Scenario::from_toml(text).unwrap();
        let append = estimate(&s);
        s.spark.output_mode = OutputMode::Complete;
        let complete = estimate(&s);
        assert!(complete.events > 100.0 * append.events, "{append:?} {complete:?}");
        assert!(complete.check(s.run.max_events).is_err(), "{complete:?}");
    }

    #[test]
    fn replay_settings_out_of_range_are_refused() {
        let mut s = settings(WindowSpec::Tumbling { size_ms: 1000 });
        s.allowed_lateness_ms = MAX_MS + 1;
        assert_eq!(check_replay(&rows(1), &s), Err(ReplayError::DurationTooLong));
        let zero = check_replay(&rows(1), &settings(WindowSpec::Tumbling { size_ms: 0 }));
        assert_eq!(zero, Err(ReplayError::Window(WindowError::Zero("`size_ms`"))));
    }

    /// An engine's span past the range is blamed on the key that makes most of it, not always on the costs.
    #[test]
    fn an_engine_busy_too_long_names_the_key_that_makes_it() {
        let refusal = |extra: &str| {
            let text = format!("name = \"x\"\nengines = [\"spark\"]\n[pipeline]\n{extra}");
            match Scenario::from_toml(&text) {
                Err(crate::scenario::ScenarioError::Invalid { key, problem }) => (key, problem),
                other => panic!("{other:?}"),
            }
        };
        let (key, problem) = refusal("[spark]\nwatermark_delay_ms = 1000000000000\n");
        assert_eq!(key, "spark.watermark_delay_ms");
        assert!(problem.ends_with("1.000e12 ms of it for this key: lower it"), "{problem}");
        let (key, problem) = refusal("map_cost = { dist = \"constant\", ms = 1e9 }\n");
        assert_eq!(key, "pipeline");
        assert!(problem.contains("for the per-record costs: lower pipeline.map_cost"), "{problem}");
    }

    /// A sliding window of 10 s every 10 ms keeps each record in 1000 windows' logs until they fire: this
    /// run held 2.97 GB and was let through; every hundredth slide of it is well inside the budget.
    #[test]
    fn a_fine_sliding_window_is_counted_with_each_record_in_every_window() {
        let text = |slide_ms: u32| {
            format!(
                "name = \"x\"\n[run]\nduration_ms = 30000\n[[producers]]\ncount = 2\nrate_per_s = 1000.0\n\
                 [pipeline]\nwindow = {{ kind = \"sliding\", size_ms = 10000, slide_ms = {slide_ms} }}\n"
            )
        };
        let e = Scenario::from_toml(&text(10)).unwrap_err().to_string();
        assert!(e.contains("above the 2 GiB memory budget"), "{e}");
        assert!(Scenario::from_toml(&text(1000)).is_ok());
        // A batch job holds a whole interval's records in their windows at once: a 1 s window every 1 ms
        // over a minute of them held 1.8 GB.
        let batch = "name = \"x\"\nengines = [\"batch\"]\n[run]\nduration_ms = 30000\n[[producers]]\ncount = 2\n\
                     rate_per_s = 1000.0\n[pipeline]\nwindow = { kind = \"sliding\", size_ms = 1000, slide_ms = 1 }\n";
        let e = Scenario::from_toml(batch).unwrap_err().to_string();
        assert!(e.contains("above the 2 GiB memory budget"), "{e}");
    }

    #[test]
    fn a_run_scales_with_rate_and_duration() {
        let mut s = Scenario::from_toml("name = \"x\"").unwrap();
        let small = estimate(&s);
        s.producers[0].rate_per_s *= 10.0;
        s.run.duration_ms *= 10;
        let big = estimate(&s);
        assert_eq!(big.records, 100.0 * small.records);
        assert!(big.check(s.run.max_events).is_ok());
        let refused = big.check(1000).unwrap_err();
        assert_eq!(refused.key(), "run.max_events");
        assert!(refused.to_string().contains(&format!("({:.3e} records)", big.records)), "{refused}");
    }
}
