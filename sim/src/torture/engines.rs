//! The engines' part of the checker: one seed draws a pipeline, a Flink job (checkpoints, sink, lateness,
//! idleness) or a Spark continuous query, out-of-order records on a few partitions (one of them quiet for
//! a while, now and then) and up to two task failures;
//! the checker holds the run's record accounting to what the configuration promises.

use crate::dist::DistSpec;
use crate::engine::flink::{FlinkConfig, FlinkEngine, SinkMode};
use crate::engine::source::MemoryFeed;
use crate::engine::spark::{SparkConfig, SparkEngine, SparkMode};
use crate::engine::window::WindowSpec;
use crate::engine::{Engine, EngineRecord, EventTime, OutputKind, PipelineConfig, TimeDomain};
use crate::kafka::ids::{Offset, PartitionId};
use crate::rng::stream;
use crate::scenario::TopicConfig;
use crate::time::SimTime;
use rand::RngExt;
use std::collections::BTreeSet;

/// One drawn engine run.
#[derive(Clone, Debug)]
pub struct EngineCase {
    pub pipe: PipelineConfig,
    /// `None`: Spark's continuous processing.
    pub flink: Option<FlinkConfig>,
    /// (arrival, record) in arrival order; offsets are set by the log.
    pub records: Vec<(SimTime, EngineRecord)>,
    /// The topic's partition count: each partition is a split with its own watermark.
    pub partitions: u32,
    pub failures_ms: Vec<u64>,
}

/// Draws seed `seed`'s engine run.
pub fn draw(seed: u64) -> EngineCase {
    let mut r = stream(seed, "torture-engines");
    let continuous = r.random_bool(0.15);
    let window = match r.random_range(0..4) {
        _ if continuous => WindowSpec::None,
        0 => WindowSpec::Sliding { size_ms: 1000, slide_ms: r.random_range(2..=5) * 100 },
        1 => WindowSpec::Session { gap_ms: r.random_range(50..400) },
        _ => WindowSpec::Tumbling { size_ms: r.random_range(1..=4) * 500 },
    };
    let pipe = PipelineConfig {
        filter_max_value: r.random_range(60..=100),
        map_cost: DistSpec::Exponential { mean_ms: r.random_range(0.01..0.5) },
        window,
        time: TimeDomain::Event,
        aggregate_cost: DistSpec::Exponential { mean_ms: r.random_range(0.01..0.5) },
        parallelism: r.random_range(1..=3),
        ..PipelineConfig::default()
    };
    let flink = (!continuous).then(|| FlinkConfig {
        watermark_delay_ms: r.random_range(0..500),
        watermark_interval_ms: [0, 50, 200][r.random_range(0..3)],
        allowed_lateness_ms: [0, 0, 300][r.random_range(0..3)],
        buffer_timeout_ms: [0, 100][r.random_range(0..2)],
        checkpoint_interval_ms: [0, 500, 1000, 3000][r.random_range(0..4)],
        sink: if r.random_bool(0.5) { SinkMode::AtLeastOnce } else { SinkMode::ExactlyOnce },
        restart_delay_ms: r.random_range(100..1500),
        ..FlinkConfig::default()
    });
    let (partitions, keys) = (r.random_range(1..=4u32), r.random_range(1..=20u32));
    let (duration_ms, rate_per_ms) = (r.random_range(3_000..8_000u64), r.random_range(0.2..1.5));
    // Idleness comes from a stream of its own, so that the rest of the case is the same with or without
    // it: an idle timeout, and now and then a partition quiet for a while (its records go to the next).
    let mut idleness = stream(seed, "torture-engines-idleness");
    let idle_timeout_ms = [0, 100, 400][idleness.random_range(0..3)];
    let quiet_ms = (partitions > 1 && idleness.random_bool(0.5)).then(|| {
        let from = idleness.random_range(0..duration_ms);
        from..from + idleness.random_range(200..3000)
    });
    let flink = flink.map(|f| FlinkConfig { idle_timeout_ms, ..f });
    let mut records = Vec::new();
    let mut t = 0.0;
    loop {
        t += -r.random_range(f64::EPSILON..1.0).ln() / rate_per_ms;
        if t >= duration_ms as f64 {
            break;
        }
        let arrival = SimTime((t * 1e6) as u64);
        // Out of order: an event happened up to a second before it arrived, now and then much earlier.
        let behind_ms = if r.random_bool(0.05) { r.random_range(0.0..3000.0) } else { r.random_range(0.0..300.0) };
        let record = EngineRecord {
            created: arrival,
            event_time: EventTime::from(arrival) - SimTime((behind_ms * 1e6) as u64),
            key: r.random_range(0..keys),
            value: r.random_range(1..=100),
            partition: match r.random_range(0..partitions) {
                0 if quiet_ms.as_ref().is_some_and(|q| q.contains(&arrival.as_millis())) => PartitionId(1),
                p => PartitionId(p),
            },
            offset: Offset(0),
        };
        records.push((arrival, record));
    }
    let failures_ms = (0..r.random_range(0..=2)).map(|_| r.random_range(500..duration_ms)).collect::<BTreeSet<_>>();
    EngineCase { pipe, flink, records, partitions, failures_ms: failures_ms.into_iter().collect() }
}

/// What one engine case showed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Verdict {
    /// The first rule the run broke.
    pub broken: Option<String>,
    /// Records read that passed the filter, and their fates.
    pub passed: u64,
    pub in_result: u64,
    pub late: u64,
    pub pending_at_end: u64,
    pub lost: u64,
    pub duplicate_results: u64,
    pub reopened_results: u64,
}

/// Runs the case through its engine from an in-memory log and holds it to its rules.
pub fn check(c: &EngineCase) -> Verdict {
    let mut engine: Box<dyn Engine> = match &c.flink {
        Some(cfg) => {
            let topic = TopicConfig { partitions: c.partitions, ..TopicConfig::default() };
            Box::new(FlinkEngine::new(cfg.clone(), c.pipe.clone(), &topic, stream(1, "flink"), true))
        }
        None => {
            let cfg = SparkConfig { mode: SparkMode::Continuous, ..SparkConfig::default() };
            Box::new(SparkEngine::new(cfg, c.pipe.clone(), stream(1, "spark"), true))
        }
    };
    let mut kafka = MemoryFeed::default();
    let mut failures = c.failures_ms.iter().map(|&ms| SimTime::from_millis(ms)).peekable();
    let mut end = SimTime::ZERO;
    for &(arrival, r) in &c.records {
        while let Some(at) = failures.next_if(|&at| at <= arrival) {
            kafka.fail(engine.as_mut(), at);
        }
        kafka.push(engine.as_mut(), arrival, r);
        end = arrival;
    }
    kafka.finish(engine.as_mut(), end);
    let m = engine.metrics();
    let outputs = m.outputs.as_deref().unwrap_or_default();
    let passed = m.records_in - m.filtered;
    let fated = m.in_result + m.late + m.pending_at_end + m.lost;
    let checkpoints = c.flink.as_ref().map_or(1, |f| f.checkpoint_interval_ms);
    let exactly_once = c.flink.as_ref().is_some_and(|f| f.sink == SinkMode::ExactlyOnce && checkpoints > 0);
    let windows: Vec<_> = outputs.iter().filter(|o| o.kind == OutputKind::Window).collect();
    let distinct = windows.iter().map(|o| (o.start, o.end, o.key)).collect::<BTreeSet<_>>().len() as u64;
    let repeats = windows.len() as u64 - distinct;
    // Without lateness a (window, key) fires once per life of its state; without checkpoints a restart
    // starts that life again with other records (the first ones lost), which repeats no result. A window
    // a restart reopened (it had closed before the checkpoint) is a second life: a result of its own.
    let fires_once = c.flink.as_ref().is_some_and(|f| f.allowed_lateness_ms == 0 && checkpoints > 0);
    let counted: u64 = windows.iter().map(|o| o.count).sum();
    let broken = if m.records_in != c.records.len() as u64 {
        Some(format!("every record is read: {} of {}", m.records_in, c.records.len()))
    } else if fated != passed {
        Some(format!(
            "every record that passed the filter has one fate: {passed} passed, {} in a result + {} late + {} pending + {} lost",
            m.in_result, m.late, m.pending_at_end, m.lost
        ))
    } else if checkpoints > 0 && m.lost > 0 {
        Some(format!("a job that restarts from a checkpoint (or epoch) loses nothing: {} lost", m.lost))
    } else if (exactly_once || checkpoints == 0) && m.duplicate_results > 0 {
        Some(format!(
            "a two-phase-commit sink, or a restart that never replays, repeats nothing: {} duplicates",
            m.duplicate_results
        ))
    } else if fires_once && (m.duplicate_results > repeats || repeats > m.duplicate_results + m.reopened_results) {
        Some(format!(
            "a duplicate is a (window, key) result shown again: {} duplicates, {} reopened, {} results for {distinct} windows",
            m.duplicate_results,
            m.reopened_results,
            windows.len()
        ))
    } else if exactly_once && fires_once && c.pipe.window.windows_per_element() == 1.0 && counted != m.in_result {
        Some(format!("exactly-once shows each record in one result: {counted} counted, {} in a result", m.in_result))
    } else {
        None
    };
    Verdict {
        broken,
        passed,
        in_result: m.in_result,
        late: m.late,
        pending_at_end: m.pending_at_end,
        lost: m.lost,
        duplicate_results: m.duplicate_results,
        reopened_results: m.reopened_results,
    }
}

/// The engine cases run so far and what they showed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub seeds: u64,
    pub violations: u64,
    /// Cases with at least one task failure.
    pub failing: u64,
    /// Flink jobs with an at-least-once sink, and the results they showed twice.
    pub at_least_once: u64,
    pub duplicate_results: u64,
    /// Results of windows a restart opened again after they had closed (no watermark is checkpointed).
    pub reopened_results: u64,
    /// Flink jobs without checkpoints: a restart reads on and loses the records its state held.
    pub without_checkpoints: u64,
    /// Records read that passed the filter, and their fates.
    pub passed: u64,
    pub in_result: u64,
    pub late: u64,
    pub pending_at_end: u64,
    pub lost: u64,
}

impl Tally {
    pub fn add(&mut self, c: &EngineCase, v: &Verdict) {
        self.seeds += 1;
        self.violations += u64::from(v.broken.is_some());
        self.failing += u64::from(!c.failures_ms.is_empty());
        self.at_least_once += u64::from(c.flink.as_ref().is_some_and(|f| f.sink == SinkMode::AtLeastOnce));
        self.duplicate_results += v.duplicate_results;
        self.reopened_results += v.reopened_results;
        self.without_checkpoints += u64::from(c.flink.as_ref().is_some_and(|f| f.checkpoint_interval_ms == 0));
        self.passed += v.passed;
        self.in_result += v.in_result;
        self.late += v.late;
        self.pending_at_end += v.pending_at_end;
        self.lost += v.lost;
    }

    /// One line for the end of a run (and for progress).
    pub fn line(&self) -> String {
        format!(
            "{} engine seeds, {} violations; {} with task failures; {} records passed the filter: {} in a result, {} late, {} pending at the end, {} lost (Flink without checkpoints: {} seeds); at-least-once sinks: {} seeds, {} results shown twice; {} results of windows a restart reopened",
            self.seeds,
            self.violations,
            self.failing,
            self.passed,
            self.in_result,
            self.late,
            self.pending_at_end,
            self.lost,
            self.without_checkpoints,
            self.at_least_once,
            self.duplicate_results,
            self.reopened_results
        )
    }
}
