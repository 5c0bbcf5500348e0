//! The results of a run, as written to results.json and printed for students.

use crate::engine::EngineSummary;
use crate::engine::spark::BatchPhases;
use crate::ledger::LedgerSummary;
use crate::metrics::LatencySummary;
use crate::scenario::{Acks, Scenario};
use crate::stats::KafkaCounters;
pub use crate::stats::Series;
use crate::world::World;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Results {
    pub scenario: String,
    pub seed: u64,
    pub derived: Derived,
    pub ledger: LedgerSummary,
    pub produce_latency_ms: LatencySummary,
    pub end_to_end_latency_ms: LatencySummary,
    pub kafka: KafkaCounters,
    pub final_consumer_lag: u64,
    pub sim_time_ms: f64,
    pub events: u64,
    pub series: Series,
    /// The engines that ran the scenario's pipeline, side by side.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub engines: Vec<EngineSummary>,
}

/// What charts read about an engine beyond its summary line: the whole latency distribution and the
/// micro-batches phase by phase. Not part of results.json (a run can have thousands of batches).
#[derive(Clone, Debug, PartialEq)]
pub struct EngineTrace {
    pub engine: String,
    /// (latency ms, fraction of records in results at or below it): one point per histogram bucket.
    pub latency_cdf_ms: Vec<(f64, f64)>,
    /// Micro-batches in the order they ran (Spark; empty for the others).
    pub batches: Vec<BatchPhases>,
}

impl EngineTrace {
    /// Each engine of the run, in the scenario's engine order.
    pub fn of(w: &World) -> Vec<EngineTrace> {
        w.engines
            .iter()
            .map(|e| EngineTrace {
                engine: e.name().to_string(),
                latency_cdf_ms: e
                    .metrics()
                    .latency
                    .cdf_points()
                    .into_iter()
                    .map(|(t, f)| (t.as_millis_f64(), f))
                    .collect(),
                batches: e.batches().to_vec(),
            })
            .collect()
    }
}

/// Parameters computed from the scenario, printed before anything else.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Derived {
    pub producers: u32,
    pub offered_rate_per_s: f64,
    pub expected_records: f64,
    pub brokers: u32,
    pub partitions: u32,
    pub replication_factor: u32,
    pub acks: Vec<String>,
    pub consumers: u32,
    pub mean_processing_ms: f64,
    /// Records per second the group can process if perfectly balanced.
    pub group_capacity_per_s: f64,
}

impl Derived {
    pub fn of(s: &Scenario) -> Derived {
        let producers: u32 = s.producers.iter().map(|p| p.count).sum();
        let rate: f64 = s.producers.iter().map(|p| p.rate_per_s * f64::from(p.count)).sum();
        let mean_ms = s.consumer_group.processing_time.mean_ms();
        let consumers = s.consumer_group.members.min(s.topic.partitions);
        Derived {
            producers,
            offered_rate_per_s: rate,
            expected_records: rate * s.run.duration_ms as f64 / 1000.0,
            brokers: s.cluster.brokers,
            partitions: s.topic.partitions,
            replication_factor: s.topic.replication_factor,
            acks: s
                .producers
                .iter()
                .map(|p| match p.acks {
                    Acks::None => "0",
                    Acks::Leader => "1",
                    Acks::All => "all",
                })
                .map(String::from)
                .collect(),
            consumers: s.consumer_group.members,
            mean_processing_ms: mean_ms,
            group_capacity_per_s: if mean_ms > 0.0 {
                (f64::from(consumers) * 1000.0 / mean_ms).round()
            } else {
                f64::INFINITY
            },
        }
    }

    /// Lines printed before the run starts.
    pub fn lines(&self, name: &str, seed: u64) -> Vec<String> {
        vec![
            format!("scenario: {name}"),
            format!("seed: {seed}"),
            format!(
                "producers: {} offering {:.0} records/s in total ({:.0} records expected), acks = {}",
                self.producers,
                self.offered_rate_per_s,
                self.expected_records,
                self.acks.join(",")
            ),
            format!(
                "cluster: {} broker(s), {} partition(s), replication factor {}",
                self.brokers, self.partitions, self.replication_factor
            ),
            format!(
                "consumer group: {} member(s), {:.3} ms per record -> capacity {} records/s",
                self.consumers,
                self.mean_processing_ms,
                if self.group_capacity_per_s.is_finite() {
                    format!("{:.0}", self.group_capacity_per_s)
                } else {
                    "unbounded".into()
                }
            ),
        ]
    }
}

impl Results {
    pub fn of(w: &World) -> Results {
        let s = &w.scenario;
        let stats = w.stats();
        Results {
            scenario: s.name.clone(),
            seed: s.run.seed,
            derived: Derived::of(s),
            ledger: w.ledger_summary(),
            produce_latency_ms: stats.produce_latency().summary(),
            end_to_end_latency_ms: stats.end_to_end_latency().summary(),
            kafka: w.kafka_counters(),
            final_consumer_lag: w.consumer_lag(),
            sim_time_ms: crate::metrics::ms3(w.now()),
            events: w.events_processed(),
            series: stats.series(),
            engines: match &s.pipeline {
                Some(_) => {
                    let duration = crate::time::SimTime::from_millis(s.run.duration_ms);
                    w.engines.iter().map(|e| EngineSummary::of(e.as_ref(), duration)).collect()
                }
                None => Vec::new(),
            },
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("results serialize") + "\n"
    }

    /// The side-by-side table of `streamlab compare`.
    pub fn engine_table(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "{:<17} {:>11} {:>11} {:>11} {:>10} {:>7} {:>8} {:>6} {:>8} {:>6}",
            "engine", "p50 ms", "p99 ms", "max ms", "records/s", "late", "filtered", "dups", "pending", "lost"
        )];
        for e in &self.engines {
            lines.push(format!(
                "{:<17} {:>11.3} {:>11.3} {:>11.3} {:>10.0} {:>7} {:>8} {:>6} {:>8} {:>6}",
                e.engine,
                e.latency_ms.p50_ms,
                e.latency_ms.p99_ms,
                e.latency_ms.max_ms,
                e.throughput_per_s,
                e.late_records,
                e.filtered,
                e.duplicate_results,
                e.records_pending_at_end,
                e.records_lost
            ));
        }
        lines
    }

    /// A readable summary with the numbers a student looks for.
    pub fn summary_lines(&self) -> Vec<String> {
        let l = &self.ledger;
        let lat = |name: &str, s: &LatencySummary| {
            format!(
                "{name:<22} p50 {:>10.3} ms  p99 {:>10.3} ms  p99.9 {:>10.3} ms  max {:>10.3} ms  (n = {})",
                s.p50_ms, s.p99_ms, s.p999_ms, s.max_ms, s.count
            )
        };
        let k = &self.kafka;
        vec![
            format!(
                "records: produced {}, acknowledged {}, failed {}, in flight {}; of the acknowledged: delivered {}, unconsumed {}, lost {}; duplicated {}",
                l.produced, l.acknowledged, l.failed, l.in_flight, l.delivered, l.unconsumed, l.lost, l.duplicated
            ),
            lat("produce (send -> ack)", &self.produce_latency_ms),
            lat("end to end", &self.end_to_end_latency_ms),
            format!(
                "kafka: {} requests, {} batches, {} retries, {} timeouts, {} elections ({} unclean), {} ISR shrinks, {} records truncated",
                k.produce_requests,
                k.batches_sent,
                k.retries,
                k.request_timeouts,
                k.leader_elections,
                k.unclean_leader_elections,
                k.isr_shrinks,
                k.records_truncated
            ),
            format!(
                "consumer group: {} rebalance(s), {:.1} ms paused in total, final lag {}",
                k.rebalances, k.rebalance_pause_ms_total, self.final_consumer_lag
            ),
            format!("simulated {:.3} s in {} events", self.sim_time_ms / 1000.0, self.events),
        ]
    }
}
