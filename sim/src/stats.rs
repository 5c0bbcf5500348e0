//! The run's observations, as a stage of their own: the actors report what happened (a record produced,
//! a batch acknowledged, a record processed, a protocol event counted) and `Stats` keeps it as
//! histograms, time series and counters, which the report reads as summaries.

use crate::kafka::Batch;
use crate::metrics::{Histogram, SeriesSummary, TimeSeries};
use crate::time::SimTime;
use serde::Serialize;

/// Counters of what happened inside the cluster.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KafkaCounters {
    pub produce_requests: u64,
    pub batches_sent: u64,
    pub retries: u64,
    pub request_timeouts: u64,
    pub not_enough_replicas_errors: u64,
    pub out_of_order_sequence_errors: u64,
    pub duplicate_batches_rejected: u64,
    /// Idempotent producers that started a new epoch after a failed batch (KIP-360).
    pub producer_epoch_bumps: u64,
    pub leader_elections: u64,
    pub unclean_leader_elections: u64,
    pub offline_partition_events: u64,
    pub isr_shrinks: u64,
    pub isr_expands: u64,
    pub records_truncated: u64,
    pub rebalances: u64,
    pub rebalance_pause_ms_total: f64,
}

/// The time series of a run, per bucket of run.bucket_ms.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    pub produced: SeriesSummary,
    pub acknowledged: SeriesSummary,
    pub delivered: SeriesSummary,
    pub end_to_end_latency_ms: SeriesSummary,
    pub consumer_lag: SeriesSummary,
    pub under_replicated_partitions: SeriesSummary,
}

pub struct Stats {
    pub counters: KafkaCounters,
    produce_latency: Histogram,
    end_to_end_latency: Histogram,
    produced: TimeSeries,
    acked: TimeSeries,
    delivered: TimeSeries,
    e2e_latency_ms: TimeSeries,
    lag: TimeSeries,
    under_replicated: TimeSeries,
}

impl Stats {
    /// Stats whose time series have buckets of `bucket` and end at `horizon` (the end of the run).
    pub fn new(bucket: SimTime, horizon: SimTime) -> Self {
        let ts = || TimeSeries::new(bucket).until(horizon);
        Stats {
            counters: KafkaCounters::default(),
            produce_latency: Histogram::new(),
            end_to_end_latency: Histogram::new(),
            produced: ts(),
            acked: ts(),
            delivered: ts(),
            e2e_latency_ms: ts(),
            lag: ts(),
            under_replicated: ts(),
        }
    }

    /// The application handed a record to the producer.
    pub fn produced(&mut self, at: SimTime) {
        self.produced.record(at, 1.0);
    }

    /// The producer learned that `batch` was acknowledged: each record's send-to-ack latency.
    pub fn acknowledged(&mut self, at: SimTime, batch: &Batch) {
        for r in &batch.records {
            self.produce_latency.record(at - r.created);
        }
        self.acked.record_n(at, u64::from(batch.len()), 1.0);
    }

    /// A consumer finished processing a record created at `created`.
    pub fn processed(&mut self, done: SimTime, created: SimTime) {
        self.end_to_end_latency.record(done - created);
        self.e2e_latency_ms.record(done, (done - created).as_millis_f64());
    }

    /// `n` records of one poll were delivered, the last at `at`.
    pub fn delivered(&mut self, at: SimTime, n: u32) {
        self.delivered.record_n(at, u64::from(n), 1.0);
    }

    /// The periodic sample of the group's lag and the under-replicated partitions.
    pub fn sample(&mut self, at: SimTime, consumer_lag: u64, under_replicated: usize) {
        self.lag.record(at, consumer_lag as f64);
        self.under_replicated.record(at, under_replicated as f64);
    }

    pub fn produce_latency(&self) -> &Histogram {
        &self.produce_latency
    }

    pub fn end_to_end_latency(&self) -> &Histogram {
        &self.end_to_end_latency
    }

    pub fn series(&self) -> Series {
        Series {
            produced: self.produced.summary(),
            acknowledged: self.acked.summary(),
            delivered: self.delivered.summary(),
            end_to_end_latency_ms: self.e2e_latency_ms.summary(),
            consumer_lag: self.lag.summary(),
            under_replicated_partitions: self.under_replicated.summary(),
        }
    }
}
