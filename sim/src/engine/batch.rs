//! A Hadoop-style batch job, for contrast: every `interval` it starts, reads what accumulated, maps,
//! shuffles and reduces, and publishes results when it ends. Windows are computed once their end has
//! passed by the job's start; their records wait in storage until then.

use super::state::WindowState;
use super::{Engine, EngineMetrics, EngineRecord, OutputKind, PipelineConfig, TimeDomain};
use crate::dist::{DistSpec, Sampler};
use crate::rng::SimRng;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BatchConfig {
    /// A job starts every this many milliseconds (cron-style).
    pub interval_ms: u64,
    /// Job submission, container and JVM start-up.
    pub startup: DistSpec,
    /// Shuffle (sort, spill, transfer) per record.
    pub shuffle_cost: DistSpec,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            interval_ms: 300_000,
            startup: DistSpec::Constant { ms: 20_000.0 },
            shuffle_cost: DistSpec::Constant { ms: 0.002 },
        }
    }
}

pub struct BatchEngine {
    cfg: BatchConfig,
    pipe: PipelineConfig,
    rng: SimRng,
    map_cost: Sampler,
    agg_cost: Sampler,
    startup: Sampler,
    shuffle: Sampler,
    stored: VecDeque<(SimTime, EngineRecord)>,
    next_job: SimTime,
    /// Windows ending at or before this were already published.
    published_until: i64,
    metrics: EngineMetrics,
}

impl BatchEngine {
    pub fn new(cfg: BatchConfig, pipe: PipelineConfig, rng: SimRng, collect: bool) -> Self {
        BatchEngine {
            map_cost: pipe.map_cost.sampler(),
            agg_cost: pipe.aggregate_cost.sampler(),
            startup: cfg.startup.sampler(),
            shuffle: cfg.shuffle_cost.sampler(),
            next_job: SimTime::from_millis(cfg.interval_ms),
            rng,
            stored: VecDeque::new(),
            published_until: i64::MIN,
            metrics: EngineMetrics::new(collect),
            cfg,
            pipe,
        }
    }

    fn run_job(&mut self, start: SimTime) {
        let cut = start.0 as i64;
        let mut state = WindowState::default();
        let mut keep = VecDeque::new();
        let mut work = SimTime::ZERO;
        let mut shuffle = SimTime::ZERO;
        let session = self.pipe.window.is_session();
        while let Some((arrival, r)) = self.stored.pop_front() {
            if arrival > start {
                keep.push_back((arrival, r));
                continue;
            }
            if r.value > self.pipe.filter_max_value {
                self.metrics.filtered += 1;
                continue;
            }
            let ts = if self.pipe.time == TimeDomain::Event { r.event_time } else { arrival.0 as i64 };
            let windows = self.pipe.window.assign(ts);
            if windows.iter().all(|w| w.end > cut) {
                keep.push_back((arrival, r)); // its windows are not complete yet: next job
                continue;
            }
            work += self.map_cost.sample(&mut self.rng) + self.agg_cost.sample(&mut self.rng);
            shuffle += self.shuffle.sample(&mut self.rng);
            for w in windows {
                if w.end <= self.published_until {
                    self.metrics.emit(super::Output::single(OutputKind::Late, w.start, w.end, &r, arrival));
                } else if w.end <= cut {
                    state.add(w, r.key, r.value, r.created, session);
                }
            }
        }
        self.stored = keep;
        let parallel = SimTime(work.0 / u64::from(self.pipe.parallelism));
        let end = start + self.startup.sample(&mut self.rng) + parallel + shuffle;
        for (w, key) in state.select(|_| true, |_| true) {
            let agg = state.remove(w, key).expect("selected");
            for c in &agg.created {
                self.metrics.latency.record(end - *c);
            }
            self.metrics.records_in_results += agg.created.len() as u64;
            self.metrics.emit(agg.output(w, key, end));
        }
        self.published_until = self.published_until.max(cut);
    }
}

impl Engine for BatchEngine {
    fn name(&self) -> &'static str {
        "batch"
    }

    fn advance_to(&mut self, t: SimTime) {
        while self.next_job <= t {
            let start = self.next_job;
            self.next_job += SimTime::from_millis(self.cfg.interval_ms);
            if !self.stored.is_empty() {
                self.run_job(start);
            }
        }
    }

    fn on_record(&mut self, arrival: SimTime, r: EngineRecord) {
        self.advance_to(arrival);
        self.metrics.records_in += 1;
        self.stored.push_back((arrival, r));
    }

    fn fail(&mut self, t: SimTime) {
        // A failed job is simply run again by the next schedule: the input stays in storage.
        self.advance_to(t);
    }

    fn finish(&mut self, t: SimTime) {
        self.advance_to(t);
        // The next scheduled run after the data ends, once every window has closed.
        while !self.stored.is_empty() {
            let start = self.next_job;
            self.next_job += SimTime::from_millis(self.cfg.interval_ms);
            self.run_job(start);
            if self.next_job.0 > t.0.saturating_mul(4) + 86_400_000_000_000 {
                break;
            }
        }
    }

    fn metrics(&self) -> &EngineMetrics {
        &self.metrics
    }

    fn metrics_mut(&mut self) -> &mut EngineMetrics {
        &mut self.metrics
    }
}
