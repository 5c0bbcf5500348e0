//! A Hadoop-style batch job, for contrast: every `interval` it starts, its mappers read the log from
//! where the last job stopped to the end it had at the job's start, and it maps, shuffles and reduces,
//! publishing results when it ends. Windows are computed once their end has passed by the job's start;
//! records of later windows wait in storage for the next job. Offsets retention deleted before a job
//! read them are lost.

use super::state::WindowState;
use super::{Engine, EngineMetrics, EngineRecord, EventTime, OutputKind, PipelineConfig, ReadPlan, Reads};
use crate::dist::{DistSpec, Sampler};
use crate::kafka::ids::Offset;
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
    /// Records read by earlier jobs whose windows were not complete yet.
    stored: VecDeque<EngineRecord>,
    /// Where the next job starts reading, per partition.
    next_offsets: Vec<Offset>,
    next_job: SimTime,
    /// A job that started and whose input is being read: its start.
    reading: Option<SimTime>,
    /// Windows ending at or before this were already published.
    published_until: EventTime,
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
            next_offsets: Vec::new(),
            reading: None,
            published_until: EventTime::MIN,
            metrics: EngineMetrics::new(collect),
            cfg,
            pipe,
        }
    }

    /// The job that started at `start` and read its input by `read`.
    fn run_job(&mut self, start: SimTime, read: SimTime) {
        let cut = EventTime::from(start);
        let mut state = WindowState::default();
        let mut keep = VecDeque::new();
        let mut work = SimTime::ZERO;
        let mut shuffle = SimTime::ZERO;
        let session = self.pipe.window.is_session();
        while let Some(r) = self.stored.pop_front() {
            if !self.metrics.filter(&self.pipe, &r, true) {
                continue;
            }
            // Processing time is the record's Kafka timestamp (CreateTime): a job reads no arrival time.
            let ts = self.pipe.timestamp(&r, r.created);
            let windows = self.pipe.window.windows(ts);
            if windows.clone().all(|w| w.end > cut) {
                keep.push_back(r); // its windows are not complete yet: next job
                continue;
            }
            work += self.map_cost.sample(&mut self.rng) + self.agg_cost.sample(&mut self.rng);
            shuffle += self.shuffle.sample(&mut self.rng);
            for w in windows {
                if w.end <= self.published_until {
                    self.metrics.late_row(super::Output::single(OutputKind::Late, w, &r, read));
                } else if w.end <= cut {
                    state.add(w, &r, session);
                }
            }
        }
        self.stored = keep;
        let parallel = SimTime(work.0 / u64::from(self.pipe.parallelism));
        let end = read + parallel + shuffle;
        for (w, keys) in state.select(|_| true, |_| true) {
            let outs = state.per_key(w, &keys, |agg, key| agg.output(w, key, end));
            self.metrics.visible(&outs, state.report(w, &keys).as_slice());
        }
        self.published_until = self.published_until.max(cut);
    }
}

impl Engine for BatchEngine {
    fn name(&self) -> &'static str {
        "batch"
    }

    fn advance_to(&mut self, _t: SimTime) {}

    fn on_record(&mut self, _arrival: SimTime, _r: EngineRecord) {
        debug_assert!(false, "a batch job reads its input range when it starts");
    }

    fn reads(&self) -> Reads {
        Reads::AtTrigger(self.reading.is_none().then_some(self.next_job))
    }

    fn trigger(&mut self, at: SimTime, ends: &[Offset]) -> Option<ReadPlan> {
        self.next_job = at + SimTime::from_millis(self.cfg.interval_ms);
        self.next_offsets.resize(ends.len(), Offset::ZERO);
        let ranges: Vec<_> = self.next_offsets.iter().zip(ends).map(|(&s, &e)| s..e.max(s)).collect();
        if self.stored.is_empty() && ranges.iter().all(|r| r.is_empty()) {
            return None; // nothing to compute: no job runs, the schedule goes on
        }
        self.next_offsets = ranges.iter().map(|r| r.end).collect();
        self.reading = Some(at);
        // The mappers read once the job is submitted and its containers are up.
        Some(ReadPlan { tasks_start: at + self.startup.sample(&mut self.rng), ranges, buffer: Vec::new() })
    }

    fn on_input(&mut self, at: SimTime, records: Vec<EngineRecord>, deleted: u64) {
        let Some(start) = self.reading.take() else { return };
        self.metrics.read_range(&records, deleted);
        if self.stored.is_empty() {
            self.stored = records.into(); // the read buffer itself, not a copy of it
        } else {
            self.stored.extend(records);
        }
        self.run_job(start, at);
    }

    fn fail(&mut self, _t: SimTime) -> Option<SimTime> {
        // A failed job is simply run again by the next schedule: the input stays in storage.
        None
    }

    fn finish(&mut self, t: SimTime) {
        // The next scheduled runs after the data ends, once every window has closed.
        while !self.stored.is_empty() && self.next_job.0 <= t.0.saturating_mul(4) + 86_400_000_000_000 {
            let start = self.next_job;
            self.next_job += SimTime::from_millis(self.cfg.interval_ms);
            let read = start + self.startup.sample(&mut self.rng);
            self.run_job(start, read);
        }
        // Records whose windows end too far ahead stay in storage, not computed: pending, not lost.
        self.metrics.pending_at_end = self.stored.len() as u64;
    }

    fn metrics(&self) -> &EngineMetrics {
        &self.metrics
    }

    fn metrics_mut(&mut self) -> &mut EngineMetrics {
        &mut self.metrics
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::source::Fed;
    use crate::engine::window::WindowSpec;
    use crate::engine::{Output, TimeDomain};
    use crate::kafka::ids::{Offset, PartitionId};

    /// Jobs every second, 100 ms start-up, 1 ms shuffle per record; 500 ms tumbling windows, 2 ms of work
    /// per record (1 ms map, 1 ms aggregate) over 2 subtasks, values above 50 filtered out.
    fn engine(time: TimeDomain) -> Job {
        let cfg = BatchConfig {
            interval_ms: 1000,
            startup: DistSpec::constant_ms(100.0),
            shuffle_cost: DistSpec::constant_ms(1.0),
        };
        let pipe = PipelineConfig {
            filter_max_value: 50,
            map_cost: DistSpec::constant_ms(1.0),
            window: WindowSpec::Tumbling { size_ms: 500 },
            time,
            aggregate_cost: DistSpec::constant_ms(1.0),
            parallelism: 2,
            ..PipelineConfig::default()
        };
        Fed::new(BatchEngine::new(cfg, pipe, crate::rng::stream(1, "batch"), true))
    }

    /// A job reading an in-memory log: each job reads what was appended by its start.
    type Job = Fed<BatchEngine>;

    /// A record appended to the log at `arrival_ms`.
    fn feed(e: &mut Job, arrival_ms: u64, event_ms: i64, key: u32, value: i64) {
        let arrival = SimTime::from_millis(arrival_ms);
        let r = EngineRecord {
            created: arrival,
            event_time: EventTime::from_ms(event_ms),
            key,
            value,
            partition: PartitionId(0),
            offset: Offset(arrival_ms),
        };
        e.kafka.push(&mut e.e, arrival, r);
    }

    /// (kind, start ms, end ms, key, count, sum, emit ms)
    fn rows(e: &mut Job) -> Vec<(OutputKind, i64, i64, u32, u64, i64, u64)> {
        let out: Vec<Output> = e.metrics_mut().outputs.as_mut().map(std::mem::take).unwrap_or_default();
        out.iter()
            .map(|o| (o.kind, o.start.as_ms(), o.end.as_ms(), o.key, o.count, o.sum, o.emit.as_millis()))
            .collect()
    }

    /// The job at 1 s reads what the log held by then, computes the windows that ended by then and keeps the
    /// rest for the next job; results appear when the job ends: start + start-up + map work / subtasks +
    /// shuffle. A record for a window already published is late.
    #[test]
    fn a_job_computes_the_windows_complete_at_its_start() {
        let mut e = engine(TimeDomain::Event);
        feed(&mut e, 100, 100, 1, 10);
        feed(&mut e, 200, 300, 1, 20);
        feed(&mut e, 300, 600, 1, 5);
        feed(&mut e, 400, 1200, 2, 7); // window [1000, 1500): not complete at 1 s
        feed(&mut e, 500, 50, 1, 99); // filtered
        feed(&mut e, 1100, 200, 1, 1); // [0, 500) was published by the job at 1 s
        // Job at 1 s: 3 records, 6 ms of map work over 2 subtasks, 3 ms of shuffle.
        assert_eq!(
            rows(&mut e),
            [(OutputKind::Window, 0, 500, 1, 2, 30, 1106), (OutputKind::Window, 500, 1000, 1, 1, 5, 1106)]
        );
        let l = &e.metrics().latency;
        assert_eq!((l.count(), l.max(), l.mean()), (3, SimTime::from_millis(1006), SimTime::from_millis(906)));
        e.advance_to(SimTime::from_millis(2000));
        // Job at 2 s: the kept record and the late one (dropped once read, at 2.1 s), 4 ms of work over 2
        // subtasks, 2 ms of shuffle.
        assert_eq!(
            rows(&mut e),
            [(OutputKind::Late, 0, 500, 1, 1, 1, 2100), (OutputKind::Window, 1000, 1500, 2, 1, 7, 2104)]
        );
        let m = e.metrics();
        assert_eq!((m.records_in, m.filtered, m.late, m.results, m.records_in_results), (6, 1, 1, 3, 4));
        assert_eq!(e.name(), "batch");
    }

    /// No job runs on an empty store, yet the schedule goes on: the next job after quiet seconds starts
    /// on the schedule, not at the record's arrival. A failed job simply runs again at the next one: the
    /// scheduler is never down, so the reader does not stop (Oozie/cron submit the next run on time).
    #[test]
    fn jobs_keep_their_schedule_across_idle_intervals() {
        let mut e = engine(TimeDomain::Event);
        feed(&mut e, 100, 100, 1, 1);
        e.fail(SimTime::from_millis(3500));
        assert_eq!(Engine::fail(&mut e.e, SimTime::from_millis(3500)), None, "no restart to wait for");
        assert_eq!(rows(&mut e), [(OutputKind::Window, 0, 500, 1, 1, 1, 1102)], "the jobs due by the failure ran");
        feed(&mut e, 3600, 3600, 1, 1);
        e.finish(SimTime::from_millis(3600));
        assert_eq!(rows(&mut e), [(OutputKind::Window, 3500, 4000, 1, 1, 1, 4102)]);
        assert_eq!(e.metrics().pending_at_end, 0);
    }

    /// The filter keeps values up to filter_max_value (50) and drops those above.
    #[test]
    fn the_filter_drops_only_values_above_the_maximum() {
        let mut e = engine(TimeDomain::Event);
        feed(&mut e, 100, 100, 1, 50);
        feed(&mut e, 100, 100, 1, 51);
        e.finish(SimTime::from_millis(100));
        assert_eq!(rows(&mut e), [(OutputKind::Window, 0, 500, 1, 1, 50, 1102)]);
        assert_eq!(e.metrics().filtered, 1);
    }

    /// Processing time: a record's window is that of its Kafka timestamp (its creation), whatever its event
    /// time or when it reached the log.
    #[test]
    fn processing_time_windows_by_the_kafka_timestamp() {
        let mut e = engine(TimeDomain::Processing);
        let r = EngineRecord {
            created: SimTime::from_millis(450),
            event_time: EventTime::from_ms(100),
            key: 3,
            value: 4,
            partition: PartitionId(0),
            offset: Offset(0),
        };
        e.kafka.push(&mut e.e, SimTime::from_millis(700), r);
        e.finish(SimTime::from_millis(800));
        assert_eq!(rows(&mut e), [(OutputKind::Window, 0, 500, 3, 1, 4, 1102)]);
    }

    /// After the input ends, jobs run until every window is computed, but stop a day (plus four times the
    /// input's length) later: a record from far in the future stays pending.
    #[test]
    fn the_last_jobs_run_until_the_store_is_empty_or_a_day_has_passed() {
        let mut e = engine(TimeDomain::Event);
        feed(&mut e, 100, 4200, 1, 1);
        feed(&mut e, 200, 3 * 86_400_000, 2, 1);
        e.finish(SimTime::from_millis(1000));
        assert_eq!(rows(&mut e), [(OutputKind::Window, 4000, 4500, 1, 1, 1, 5102)]);
        assert_eq!(e.metrics().pending_at_end, 1);
        assert_eq!(e.next_job, SimTime::from_millis(86_405_000), "the first job after 4 s + 1 day");
    }
}
