//! The scenario: everything a run depends on, read from TOML. Defaults follow the real systems'
//! documented defaults (Kafka 4.0 configuration reference), named in each field's comment.
//!
//! Over 600 lines on purpose: one configuration type per section of the TOML file and the validation
//! that cross-checks them (a replication factor against the broker count, faults against the ids), which
//! reads best in one place; the engines' own sections and checks live with the engines.

use crate::dist::DistSpec;
use crate::engine::PipelineConfig;
use crate::engine::batch::BatchConfig;
use crate::engine::flink::FlinkConfig;
use crate::engine::spark::SparkConfig;
use crate::kafka::assignor::Strategy;
use crate::time::{MAX_MS, show_f64};
use serde::{Deserialize, Serialize};
use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
pub enum ScenarioError {
    #[error("{0}")]
    Parse(String),
    #[error("`{key}`: {problem}")]
    Invalid { key: String, problem: String },
}

pub(crate) fn invalid(key: impl Into<String>, problem: impl std::fmt::Display) -> ScenarioError {
    ScenarioError::Invalid { key: key.into(), problem: problem.to_string() }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short name shown in reports.
    #[serde(default = "default_name")]
    pub name: String,
    #[serde(default)]
    pub run: RunConfig,
    #[serde(default)]
    pub cluster: ClusterConfig,
    #[serde(default)]
    pub topic: TopicConfig,
    #[serde(default = "default_producers")]
    pub producers: Vec<ProducerConfig>,
    #[serde(default)]
    pub consumer_group: ConsumerGroupConfig,
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// The stream-processing job the engines run side by side (`streamlab compare`).
    #[serde(default)]
    pub pipeline: Option<PipelineConfig>,
    /// Which engines run the pipeline.
    #[serde(default = "all_engines")]
    pub engines: Vec<EngineKind>,
    #[serde(default)]
    pub flink: FlinkConfig,
    #[serde(default)]
    pub spark: SparkConfig,
    #[serde(default)]
    pub batch: BatchConfig,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineKind {
    Flink,
    Spark,
    Batch,
}

fn all_engines() -> Vec<EngineKind> {
    vec![EngineKind::Flink, EngineKind::Spark, EngineKind::Batch]
}

fn default_name() -> String {
    "scenario".into()
}
fn default_producers() -> Vec<ProducerConfig> {
    vec![ProducerConfig::default()]
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    pub seed: u64,
    /// Producers create records for this long.
    pub duration_ms: u64,
    /// After the producers stop, the run goes on until consumers catch up, at most this long.
    pub drain_ms: u64,
    /// Width of the time-series buckets in results.json.
    pub bucket_ms: u64,
    /// A safety limit: the run stops with an error after this many events.
    pub max_events: u64,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig { seed: 1, duration_ms: 10_000, drain_ms: 60_000, bucket_ms: 1_000, max_events: 500_000_000 }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterConfig {
    pub brokers: u32,
    /// One-way delay of every message between two machines.
    pub network_delay: DistSpec,
    /// Time to append one batch to a replica's log (a FIFO server per replica).
    pub append_time: DistSpec,
    /// replica.lag.time.max.ms (Kafka default 30000).
    pub replica_lag_time_max_ms: u64,
    /// replica.fetch.wait.max.ms (Kafka default 500).
    pub replica_fetch_wait_max_ms: u64,
    /// min.insync.replicas (Kafka default 1).
    pub min_insync_replicas: u32,
    /// unclean.leader.election.enable (Kafka default false).
    pub unclean_leader_election: bool,
    /// How long the controller takes to notice a crashed broker: broker.session.timeout.ms (KRaft default 9000).
    pub broker_session_timeout_ms: u64,
    /// How often the brokers delete what retention no longer keeps: log.retention.check.interval.ms
    /// (Kafka default 300000).
    pub log_retention_check_interval_ms: u64,
    /// Each broker's network bandwidth in bytes per second, each way: produce requests and replicated data
    /// come in, fetch responses go out (`kafka::bandwidth`). 0 (the default) is unlimited; a 1 Gbit/s NIC
    /// carries 125000000, a 10 Gbit/s one 1250000000.
    #[serde(skip_serializing_if = "is_zero")]
    pub network_bytes_per_s: u64,
    /// Each broker's log append bandwidth in bytes per second, leader and follower appends in turn. 0 (the
    /// default) is unlimited; a disk writes sequentially at several hundred MB/s (500000000), which Kafka's
    /// append-only log is designed to reach (Kafka docs, "Design: Don't fear the filesystem").
    #[serde(skip_serializing_if = "is_zero")]
    pub disk_bytes_per_s: u64,
    /// The broker's fixed work per produce request, in microseconds, whatever its size: parsing, the
    /// request queue, the handler thread. 0 (the default) is free; about 100 is realistic, which is why the
    /// producer batches (Kafka docs, "Design: Efficiency", and batch.size / linger.ms).
    #[serde(skip_serializing_if = "is_zero")]
    pub request_overhead_us: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            brokers: 3,
            network_delay: DistSpec::Constant { ms: 0.25 },
            append_time: DistSpec::Constant { ms: 0.05 },
            replica_lag_time_max_ms: 30_000,
            replica_fetch_wait_max_ms: 500,
            min_insync_replicas: 1,
            unclean_leader_election: false,
            broker_session_timeout_ms: 9_000,
            log_retention_check_interval_ms: 300_000,
            network_bytes_per_s: 0,
            disk_bytes_per_s: 0,
            request_overhead_us: 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TopicConfig {
    pub name: String,
    pub partitions: u32,
    pub replication_factor: u32,
    /// retention.ms: a log keeps its records this long after they were written (Kafka default 7 days),
    /// whoever has read them; the reader that is further behind finds them gone.
    pub retention_ms: u64,
    /// retention.bytes: the most each partition's log keeps (Kafka default -1, unlimited: left out).
    pub retention_bytes: Option<u64>,
}

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig {
            name: "events".into(),
            partitions: 6,
            replication_factor: 3,
            retention_ms: 604_800_000,
            retention_bytes: None,
        }
    }
}

/// How record creation times are spaced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Arrival {
    /// Evenly spaced.
    Constant,
    /// Exponential gaps (a Poisson process).
    Poisson,
    /// Poisson at `rate_per_s` during `on_ms`, silent during `off_ms`.
    Onoff { on_ms: u64, off_ms: u64 },
    /// Poisson whose rate follows a day: `rate * (1 + amplitude * sin(2 pi t / period))`.
    Diurnal { period_ms: u64, amplitude: f64 },
    /// Poisson whose rate follows a daily profile (`hourly`: 24 relative rates, hour 0 first, joined by
    /// straight lines; `rate_per_s` is the day's mean), with `bursts_per_day` bursts of `burst_ms` at
    /// `burst_factor` times the rate, starting at instants drawn from the profile (busy hours likelier).
    /// `day_ms` is 86400000 for a real day; less compresses it.
    Day { day_ms: u64, hourly: Vec<f64>, bursts_per_day: u32, burst_ms: u64, burst_factor: f64 },
}

/// Which keys records carry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Keys {
    /// No key: the sticky partitioner spreads records.
    None,
    /// `count` keys, equally likely.
    Uniform { count: u32 },
    /// `count` keys, the k-th with probability proportional to 1 / k^exponent.
    Zipf { count: u32, exponent: f64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Acks {
    #[serde(rename = "0")]
    None,
    #[serde(rename = "1")]
    Leader,
    #[serde(rename = "all")]
    All,
}

/// `acks` as Kafka's producer config takes it: "0", "1", "all" or "-1" (all), written as a string or,
/// as students often do, as a number.
impl<'de> Deserialize<'de> for Acks {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Acks;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"0\", \"1\" or \"all\" (Kafka's -1 is all)")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Acks, E> {
                match v {
                    0 => Ok(Acks::None),
                    1 => Ok(Acks::Leader),
                    -1 => Ok(Acks::All),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Signed(v), &self)),
                }
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Acks, E> {
                match v {
                    "0" => Ok(Acks::None),
                    "1" => Ok(Acks::Leader),
                    "all" | "-1" => Ok(Acks::All),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProducerConfig {
    /// How many identical producers this entry describes.
    pub count: u32,
    /// Records per second, per producer.
    pub rate_per_s: f64,
    pub arrival: Arrival,
    pub keys: Keys,
    /// Size of one record in bytes, for batch.size accounting.
    pub record_bytes: u32,
    /// Event time = creation time minus a delay from this distribution (out-of-orderness).
    pub event_time_lag: DistSpec,
    /// acks (Kafka default "all").
    pub acks: Acks,
    /// linger.ms (Kafka 4.0 default 5).
    pub linger_ms: u64,
    /// batch.size in bytes (Kafka default 16384).
    pub batch_size: u32,
    /// enable.idempotence (Kafka default true). Left unset with acks 0 or 1, or with max_in_flight above 5,
    /// it is off (ProducerConfig.postProcessAndValidateIdempotenceConfigs, Kafka 3.2+); see `idempotent()`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotence: Option<bool>,
    /// retries (Kafka default 2147483647).
    pub retries: u32,
    /// max.in.flight.requests.per.connection (Kafka default 5).
    pub max_in_flight: u32,
    /// request.timeout.ms (Kafka default 30000).
    pub request_timeout_ms: u64,
    /// delivery.timeout.ms (Kafka default 120000).
    pub delivery_timeout_ms: u64,
    /// retry.backoff.ms (Kafka default 100).
    pub retry_backoff_ms: u64,
    /// retry.backoff.max.ms (Kafka default 1000): retries back off exponentially up to it (KIP-580).
    pub retry_backoff_max_ms: u64,
}

impl ProducerConfig {
    /// Whether the producer is idempotent: an explicit setting, else on only where Kafka keeps its default.
    pub fn idempotent(&self) -> bool {
        self.idempotence.unwrap_or(self.acks == Acks::All && self.max_in_flight <= 5 && self.retries > 0)
    }
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            count: 1,
            rate_per_s: 1000.0,
            arrival: Arrival::Poisson,
            keys: Keys::Uniform { count: 100 },
            record_bytes: 100,
            event_time_lag: DistSpec::Constant { ms: 0.0 },
            acks: Acks::All,
            linger_ms: 5,
            batch_size: 16_384,
            idempotence: None,
            retries: i32::MAX as u32,
            max_in_flight: 5,
            request_timeout_ms: 30_000,
            delivery_timeout_ms: 120_000,
            retry_backoff_ms: 100,
            retry_backoff_max_ms: 1_000,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitMode {
    /// enable.auto.commit=true: positions committed every auto.commit.interval.ms, at poll time.
    Auto,
    /// commitSync after each poll's records are processed.
    AfterProcessing,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsumerGroupConfig {
    pub members: u32,
    /// partition.assignment.strategy: range (Kafka's default first choice), roundrobin or sticky.
    pub assignor: Strategy,
    /// session.timeout.ms (Kafka default 45000).
    pub session_timeout_ms: u64,
    /// heartbeat.interval.ms (Kafka default 3000).
    pub heartbeat_interval_ms: u64,
    /// group.initial.rebalance.delay.ms (broker default 3000).
    pub initial_rebalance_delay_ms: u64,
    /// fetch.max.wait.ms (Kafka default 500).
    pub fetch_max_wait_ms: u64,
    /// max.poll.records (Kafka default 500).
    pub max_poll_records: u32,
    /// Time the application spends on one record.
    pub processing_time: DistSpec,
    pub commit: CommitMode,
    /// auto.commit.interval.ms (Kafka default 5000).
    pub auto_commit_interval_ms: u64,
}

impl Default for ConsumerGroupConfig {
    fn default() -> Self {
        ConsumerGroupConfig {
            members: 3,
            assignor: Strategy::Range,
            session_timeout_ms: 45_000,
            heartbeat_interval_ms: 3_000,
            initial_rebalance_delay_ms: 3_000,
            fetch_max_wait_ms: 500,
            max_poll_records: 500,
            processing_time: DistSpec::Constant { ms: 0.01 },
            commit: CommitMode::Auto,
            auto_commit_interval_ms: 5_000,
        }
    }
}

/// Something that goes wrong at a given simulated time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// The broker's process dies: requests to it go unanswered, its replicas stop.
    BrokerCrash {
        at_ms: u64,
        broker: u32,
    },
    BrokerRestart {
        at_ms: u64,
        broker: u32,
    },
    /// A consumer dies without leaving the group; the coordinator notices after session.timeout.ms.
    ConsumerCrash {
        at_ms: u64,
        member: u32,
    },
    /// The member starts again and joins the group.
    ConsumerRestart {
        at_ms: u64,
        member: u32,
    },
    /// A task of the engine fails: it restarts after its restart delay and recovers (see `flink`, `spark`).
    EngineFailure {
        at_ms: u64,
        engine: EngineKind,
    },
    /// Every message sent in [at_ms, at_ms + duration_ms) takes `extra_ms` longer.
    NetworkSpike {
        at_ms: u64,
        duration_ms: u64,
        extra_ms: f64,
        #[serde(default)]
        scope: SpikeScope,
    },
}

/// Which messages a network spike slows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpikeScope {
    /// Every message.
    #[default]
    All,
    /// Only broker-to-broker traffic: replication falls behind while clients are served.
    Replication,
}

impl Fault {
    pub fn at_ms(&self) -> u64 {
        match self {
            Fault::BrokerCrash { at_ms, .. }
            | Fault::BrokerRestart { at_ms, .. }
            | Fault::ConsumerCrash { at_ms, .. }
            | Fault::ConsumerRestart { at_ms, .. }
            | Fault::EngineFailure { at_ms, .. }
            | Fault::NetworkSpike { at_ms, .. } => *at_ms,
        }
    }
}

impl Scenario {
    /// Parses and validates a scenario. Unknown keys and wrong types are errors, with the line.
    pub fn from_toml(text: &str) -> Result<Scenario, ScenarioError> {
        let s: Scenario = toml::from_str(text).map_err(|e| ScenarioError::Parse(e.to_string()))?;
        s.validate()?;
        Ok(s)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a scenario always serializes")
    }

    /// What a valid scenario does that its author may not expect, one sentence each.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(pipe) = &self.pipeline
            && self.engines.contains(&EngineKind::Flink)
            && pipe.time == crate::engine::TimeDomain::Event
            && pipe.parallelism > self.topic.partitions
            && self.flink.idle_timeout_ms == 0
        {
            // Kafka connector docs, "Idleness": a source subtask without a partition never sends a watermark.
            notes.push(format!(
                "the Flink job has {} source subtasks for {} partitions: a subtask without a partition holds \
                 back the watermark, so no event-time window fires before the end of the run. Set \
                 flink.idle_timeout_ms (Flink's withIdleness), or pipeline.parallelism to at most {}.",
                pipe.parallelism, self.topic.partitions, self.topic.partitions
            ));
        }
        notes
    }

    /// Checks every value that TOML's types cannot: ranges and relations between keys.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let doc = toml::Value::try_from(self).map_err(|e| {
            match serde_json::to_value(self).ok().and_then(|v| too_large("", &v)) {
                Some(path) => invalid(path, format!("must be at most {} (TOML's largest whole number)", i64::MAX)),
                None => invalid("scenario", e.to_string()),
            }
        })?;
        check_numbers("", &doc)?;
        let r = &self.run;
        if r.duration_ms == 0 {
            return Err(invalid("run.duration_ms", "must be at least 1"));
        }
        if r.duration_ms + r.drain_ms > MAX_MS {
            return Err(invalid(
                "run.duration_ms",
                format!(
                    "plus run.drain_ms must be at most {MAX_MS} ms, about 31 years (got {})",
                    r.duration_ms + r.drain_ms
                ),
            ));
        }
        if r.bucket_ms == 0 {
            return Err(invalid("run.bucket_ms", "must be at least 1"));
        }
        let buckets = (r.duration_ms + r.drain_ms) / r.bucket_ms;
        if buckets > MAX_BUCKETS {
            return Err(invalid(
                "run.bucket_ms",
                format!(
                    "gives {buckets} time-series buckets over run.duration_ms + run.drain_ms; at most {MAX_BUCKETS} \
                     are kept: raise run.bucket_ms"
                ),
            ));
        }
        let c = &self.cluster;
        if c.brokers == 0 {
            return Err(invalid("cluster.brokers", "must be at least 1"));
        }
        if c.brokers > 1000 {
            return Err(invalid("cluster.brokers", format!("at most 1000 are supported (got {})", c.brokers)));
        }
        for (key, d) in [("cluster.network_delay", &c.network_delay), ("cluster.append_time", &c.append_time)] {
            d.validate().map_err(|p| invalid(key, p))?;
        }
        for (key, bytes_per_s) in
            [("cluster.network_bytes_per_s", c.network_bytes_per_s), ("cluster.disk_bytes_per_s", c.disk_bytes_per_s)]
        {
            if bytes_per_s != 0 && bytes_per_s < MIN_BYTES_PER_S {
                return Err(invalid(
                    key,
                    format!(
                        "must be 0 (unlimited) or at least {MIN_BYTES_PER_S} bytes per second (got {bytes_per_s}): \
                         125000000 is a 1 Gbit/s network"
                    ),
                ));
            }
        }
        if c.request_overhead_us > MAX_REQUEST_OVERHEAD_US {
            return Err(invalid(
                "cluster.request_overhead_us",
                format!(
                    "must be at most {MAX_REQUEST_OVERHEAD_US} µs, a second per request (got {}): about 100 is realistic",
                    c.request_overhead_us
                ),
            ));
        }
        if c.replica_fetch_wait_max_ms == 0 {
            return Err(invalid("cluster.replica_fetch_wait_max_ms", "must be at least 1"));
        }
        let t = &self.topic;
        check_topic_name(&t.name)?;
        if t.partitions == 0 {
            return Err(invalid("topic.partitions", "must be at least 1"));
        }
        if t.partitions > 10_000 {
            return Err(invalid("topic.partitions", format!("at most 10000 are supported (got {})", t.partitions)));
        }
        if t.replication_factor == 0 {
            return Err(invalid("topic.replication_factor", "must be at least 1"));
        }
        if t.retention_ms == 0 {
            return Err(invalid("topic.retention_ms", "must be at least 1 (Kafka's default is 604800000, 7 days)"));
        }
        if c.log_retention_check_interval_ms == 0 {
            return Err(invalid("cluster.log_retention_check_interval_ms", "must be at least 1"));
        }
        if t.replication_factor > c.brokers {
            return Err(invalid(
                "topic.replication_factor",
                format!(
                    "is {} but the cluster has only {} broker(s): raise cluster.brokers or lower the replication factor",
                    t.replication_factor, c.brokers
                ),
            ));
        }
        if c.min_insync_replicas == 0 || c.min_insync_replicas > t.replication_factor {
            return Err(invalid(
                "cluster.min_insync_replicas",
                format!(
                    "must be between 1 and topic.replication_factor ({}), got {}",
                    t.replication_factor, c.min_insync_replicas
                ),
            ));
        }
        if self.producers.is_empty() {
            return Err(invalid("producers", "list at least one [[producers]] entry"));
        }
        let producers: u64 = self.producers.iter().map(|p| u64::from(p.count)).sum();
        if producers > MAX_PRODUCERS {
            return Err(invalid(
                "producers",
                format!("the counts add up to {producers} producers; at most {MAX_PRODUCERS} are supported"),
            ));
        }
        if producers * u64::from(t.partitions) > MAX_PRODUCER_PARTITIONS {
            return Err(invalid(
                "topic.partitions",
                format!(
                    "{} partitions x {producers} producers is more than {MAX_PRODUCER_PARTITIONS} accumulators \
                     (one per producer and partition): lower one of them",
                    t.partitions
                ),
            ));
        }
        for (i, p) in self.producers.iter().enumerate() {
            let key = |k: &str| format!("producers[{i}].{k}");
            if p.count == 0 {
                return Err(invalid(key("count"), "must be at least 1"));
            }
            if !(p.rate_per_s.is_finite() && p.rate_per_s > 0.0) {
                return Err(invalid(
                    key("rate_per_s"),
                    format!("must be a positive number of records per second (got {})", p.rate_per_s),
                ));
            }
            // KafkaProducer.ensureValidRecordSize: a record above max.request.size (default 1048576) is refused.
            if p.record_bytes == 0 || p.record_bytes > MAX_REQUEST_SIZE {
                return Err(invalid(
                    key("record_bytes"),
                    format!(
                        "must be between 1 and {MAX_REQUEST_SIZE}, the producer's max.request.size (got {})",
                        p.record_bytes
                    ),
                ));
            }
            if p.batch_size == 0 {
                return Err(invalid(key("batch_size"), "must be at least 1"));
            }
            if p.max_in_flight == 0 {
                return Err(invalid(key("max_in_flight"), "must be at least 1"));
            }
            // KafkaProducer: idempotence requires max.in.flight.requests.per.connection <= 5, retries > 0, acks=all.
            if p.idempotence == Some(true) && p.max_in_flight > 5 {
                return Err(invalid(key("max_in_flight"), "must be at most 5 when idempotence is on (Kafka's rule)"));
            }
            if p.idempotence == Some(true) && p.acks != Acks::All {
                return Err(invalid(
                    key("acks"),
                    "must be \"all\" when idempotence = true (Kafka's rule); remove the idempotence line or set it to false to use acks 0 or 1",
                ));
            }
            if p.idempotence == Some(true) && p.retries == 0 {
                return Err(invalid(key("retries"), "must be above 0 when idempotence is on (Kafka's rule)"));
            }
            if p.retry_backoff_max_ms == 0 {
                return Err(invalid(key("retry_backoff_max_ms"), "must be at least 1"));
            }
            if p.request_timeout_ms == 0 {
                return Err(invalid(key("request_timeout_ms"), "must be at least 1"));
            }
            // KafkaProducer: delivery.timeout.ms should be >= linger.ms + request.timeout.ms.
            if p.delivery_timeout_ms < p.linger_ms + p.request_timeout_ms {
                return Err(invalid(
                    key("delivery_timeout_ms"),
                    "must be at least linger_ms + request_timeout_ms (Kafka's rule)",
                ));
            }
            p.event_time_lag.validate().map_err(|e| invalid(key("event_time_lag"), e))?;
            match &p.arrival {
                Arrival::Onoff { on_ms, .. } if *on_ms == 0 => {
                    return Err(invalid(key("arrival.on_ms"), "must be at least 1"));
                }
                Arrival::Diurnal { period_ms, .. } if *period_ms == 0 => {
                    return Err(invalid(key("arrival.period_ms"), "must be at least 1"));
                }
                Arrival::Diurnal { amplitude, .. } if !(0.0..=1.0).contains(amplitude) => {
                    return Err(invalid(
                        key("arrival.amplitude"),
                        format!("must be between 0 and 1 (got {amplitude})"),
                    ));
                }
                Arrival::Day { day_ms, hourly, bursts_per_day, burst_ms, burst_factor } => {
                    if *day_ms < 24 {
                        return Err(invalid(key("arrival.day_ms"), "must be at least 24 (86400000 is a real day)"));
                    }
                    if hourly.len() != 24 || hourly.iter().any(|r| !r.is_finite() || *r < 0.0) {
                        return Err(invalid(
                            key("arrival.hourly"),
                            format!("must list 24 relative rates >= 0, hour 0 first (got {} values)", hourly.len()),
                        ));
                    }
                    if hourly.iter().all(|r| *r == 0.0) {
                        return Err(invalid(key("arrival.hourly"), "must have at least one hour above 0"));
                    }
                    // The rates are divided by their mean: a sum past f64's range would make every hour 0.
                    if !hourly.iter().sum::<f64>().is_finite() {
                        return Err(invalid(
                            key("arrival.hourly"),
                            "is too large to add up: only the ratios matter, so scale the rates down (e.g. 1 to 100)",
                        ));
                    }
                    if *bursts_per_day > MAX_BURSTS_PER_DAY {
                        return Err(invalid(
                            key("arrival.bursts_per_day"),
                            format!("must be at most {MAX_BURSTS_PER_DAY} (got {bursts_per_day})"),
                        ));
                    }
                    if burst_ms > day_ms {
                        return Err(invalid(key("arrival.burst_ms"), "must not exceed day_ms"));
                    }
                    if !(1.0..=100.0).contains(burst_factor) {
                        return Err(invalid(
                            key("arrival.burst_factor"),
                            format!("must be between 1 and 100 (got {})", crate::time::show_f64(*burst_factor)),
                        ));
                    }
                }
                _ => {}
            }
            match &p.keys {
                Keys::Uniform { count } | Keys::Zipf { count, .. } if *count == 0 || *count > MAX_KEYS => {
                    return Err(invalid(key("keys.count"), format!("must be between 1 and {MAX_KEYS} (got {count})")));
                }
                Keys::Zipf { exponent, .. } if !(exponent.is_finite() && *exponent > 0.0) => {
                    return Err(invalid(key("keys.exponent"), format!("must be > 0 (got {exponent})")));
                }
                _ => {}
            }
        }
        let g = &self.consumer_group;
        if g.members == 0 {
            return Err(invalid(
                "consumer_group.members",
                "must be at least 1: with no consumer nothing is delivered, and every acknowledged record would \
                 count as lost",
            ));
        }
        if g.members > 1000 {
            return Err(invalid("consumer_group.members", format!("at most 1000 are supported (got {})", g.members)));
        }
        if g.max_poll_records == 0 {
            return Err(invalid("consumer_group.max_poll_records", "must be at least 1"));
        }
        if g.heartbeat_interval_ms == 0 || g.heartbeat_interval_ms >= g.session_timeout_ms {
            return Err(invalid(
                "consumer_group.heartbeat_interval_ms",
                "must be at least 1 and below session_timeout_ms (Kafka's rule)",
            ));
        }
        if g.auto_commit_interval_ms == 0 {
            return Err(invalid("consumer_group.auto_commit_interval_ms", "must be at least 1"));
        }
        g.processing_time.validate().map_err(|e| invalid("consumer_group.processing_time", e))?;
        // The engines' settings are checked even without a [pipeline]: every number is, wherever it appears.
        for (key, d) in [
            ("spark.batch_overhead", &self.spark.batch_overhead),
            ("spark.commit_overhead", &self.spark.commit_overhead),
            ("batch.startup", &self.batch.startup),
            ("batch.shuffle_cost", &self.batch.shuffle_cost),
        ] {
            d.validate().map_err(|p| invalid(key, p))?;
        }
        if self.batch.interval_ms == 0 {
            return Err(invalid("batch.interval_ms", "must be at least 1"));
        }
        if self.flink.buffer_records == 0 {
            return Err(invalid("flink.buffer_records", "must be at least 1"));
        }
        if let Some(pipe) = &self.pipeline {
            pipe.validate()?;
            self.spark.validate(pipe)?;
            if self.engines.is_empty() {
                return Err(invalid("engines", "list at least one of \"flink\", \"spark\", \"batch\""));
            }
            if let Some(k) =
                self.engines.iter().enumerate().find_map(|(i, k)| self.engines[..i].contains(k).then_some(k))
            {
                return Err(invalid("engines", format!("lists {k:?} twice: name each engine once")));
            }
            pipe.window.check_slide().map_err(|p| invalid("pipeline.window", p))?;
            let windows = pipe.window.windows_per_element();
            if windows > MAX_WINDOWS_PER_RECORD {
                return Err(invalid(
                    "pipeline.window",
                    format!(
                        "puts every record into {windows} sliding windows; at most {MAX_WINDOWS_PER_RECORD} are \
                         supported: raise slide_ms or lower size_ms"
                    ),
                ));
            }
        }
        for (i, f) in self.faults.iter().enumerate() {
            let key = |k: &str| format!("faults[{i}].{k}");
            match f {
                Fault::BrokerCrash { broker, .. } | Fault::BrokerRestart { broker, .. } if *broker >= c.brokers => {
                    return Err(invalid(
                        key("broker"),
                        format!("no broker {broker}: brokers are numbered 0 to {}", c.brokers - 1),
                    ));
                }
                Fault::ConsumerCrash { member, .. } | Fault::ConsumerRestart { member, .. } if *member >= g.members => {
                    return Err(invalid(
                        key("member"),
                        format!("no member {member}: the group has {} member(s), numbered from 0", g.members),
                    ));
                }
                Fault::NetworkSpike { extra_ms, .. } if !(extra_ms.is_finite() && *extra_ms >= 0.0) => {
                    return Err(invalid(key("extra_ms"), "must be a number >= 0"));
                }
                _ => {}
            }
        }
        self.check_fault_order()?;
        let estimate = crate::budget::estimate(self);
        estimate.check(r.max_events).map_err(|e| invalid(e.key(), e))
    }

    /// A restart needs an earlier crash of the same broker or member: one that never crashed is almost
    /// always a wrong number. Overlapping faults are allowed: a crash of one already down, or a restart of one
    /// already up again, does nothing.
    fn check_fault_order(&self) -> Result<(), ScenarioError> {
        for (i, f) in self.faults.iter().enumerate() {
            let crashed_before = |crash: &dyn Fn(&Fault) -> bool| {
                self.faults.iter().enumerate().any(|(j, g)| crash(g) && (g.at_ms(), j) < (f.at_ms(), i))
            };
            let (what, id, ok) = match *f {
                Fault::BrokerRestart { broker, .. } => (
                    "broker",
                    broker,
                    crashed_before(&|g| matches!(g, Fault::BrokerCrash { broker: b, .. } if *b == broker)),
                ),
                Fault::ConsumerRestart { member, .. } => (
                    "member",
                    member,
                    crashed_before(&|g| matches!(g, Fault::ConsumerCrash { member: m, .. } if *m == member)),
                ),
                _ => continue,
            };
            if !ok {
                return Err(invalid(
                    format!("faults[{i}].{what}"),
                    format!(
                        "{what} {id} never crashed before {} ms: a restart needs an earlier crash of it",
                        f.at_ms()
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// max.request.size, the producer's default largest request (Kafka 4.0: 1048576).
pub const MAX_REQUEST_SIZE: u32 = 1_048_576;
/// The slowest bandwidth a scenario may name, 1 kB/s: below it one record takes seconds, surely a typo.
pub const MIN_BYTES_PER_S: u64 = 1000;
/// The largest fixed cost of a produce request, 1 s: no broker takes longer to handle one.
pub const MAX_REQUEST_OVERHEAD_US: u64 = 1_000_000;
/// Limits that keep a run's memory bounded; each is far above what a lesson needs.
pub const MAX_PRODUCERS: u64 = 1000;
pub const MAX_PRODUCER_PARTITIONS: u64 = 1_000_000;
pub const MAX_KEYS: u32 = 1_000_000;
/// Bursts a daily profile may draw per day.
pub const MAX_BURSTS_PER_DAY: u32 = 1000;
pub const MAX_BUCKETS: u64 = 1_000_000;
pub const MAX_WINDOWS_PER_RECORD: f64 = 1000.0;

/// Every number of the scenario, wherever it appears: floats must be finite, and every time or duration (a
/// key ending in `_ms`) at most `MAX_MS`.
fn check_numbers(path: &str, v: &toml::Value) -> Result<(), ScenarioError> {
    let is_ms = path.ends_with("_ms") || path.ends_with(".ms");
    match v {
        toml::Value::Table(t) => t
            .iter()
            .try_for_each(|(k, v)| check_numbers(&if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, v)),
        toml::Value::Array(a) => a.iter().enumerate().try_for_each(|(i, v)| check_numbers(&format!("{path}[{i}]"), v)),
        toml::Value::Float(f) if !f.is_finite() => Err(invalid(path, format!("must be a finite number (got {f})"))),
        toml::Value::Float(f) if is_ms && *f > MAX_MS as f64 => {
            Err(invalid(path, format!("must be at most {MAX_MS} ms, about 31 years (got {})", show_f64(*f))))
        }
        toml::Value::Integer(n) if is_ms && *n > MAX_MS as i64 => {
            Err(invalid(path, format!("must be at most {MAX_MS} ms, about 31 years (got {n})")))
        }
        _ => Ok(()),
    }
}

/// The path of a whole number TOML cannot hold (above `i64::MAX`), which a file may still give a `u64` key.
fn too_large(path: &str, v: &serde_json::Value) -> Option<String> {
    let join = |k: &str| if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
    match v {
        serde_json::Value::Object(o) => o.iter().find_map(|(k, v)| too_large(&join(k), v)),
        serde_json::Value::Array(a) => a.iter().enumerate().find_map(|(i, v)| too_large(&format!("{path}[{i}]"), v)),
        serde_json::Value::Number(n) if n.as_u64().is_some_and(|n| n > i64::MAX as u64) => Some(path.to_string()),
        _ => None,
    }
}

/// Kafka's topic name rule (`Topic.validate`): 1 to 249 characters of a-z, A-Z, 0-9, `.`, `_` and `-`, and
/// neither `.` nor `..`.
fn check_topic_name(name: &str) -> Result<(), ScenarioError> {
    let legal = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() || name.len() > 249 || name == "." || name == ".." || !name.chars().all(legal) {
        return Err(invalid(
            "topic.name",
            format!("`{name}` is not a legal Kafka topic name: use 1 to 249 of a-z, A-Z, 0-9, `.`, `_`, `-`"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Scenario::from_toml(text).unwrap_err().to_string()
    }

    /// More Flink source subtasks than partitions, in event time without idleness: the note says why no
    /// window will fire and what to change; idleness or processing time needs no note.
    #[test]
    fn a_flink_subtask_without_a_partition_is_noted() {
        let notes = |top: &str, extra: &str| {
            let text = format!("{top}[topic]\npartitions = 2\n[pipeline]\nparallelism = 3\n{extra}");
            Scenario::from_toml(&text).unwrap().notes()
        };
        let noted = notes("", "");
        assert_eq!(noted.len(), 1);
        assert!(noted[0].starts_with("the Flink job has 3 source subtasks for 2 partitions: a subtask"), "{noted:?}");
        assert!(noted[0].contains("flink.idle_timeout_ms") && noted[0].contains("at most 2"), "{noted:?}");
        assert!(notes("", "[flink]\nidle_timeout_ms = 500\n").is_empty());
        assert!(notes("", "time = \"processing\"\n").is_empty());
        assert!(notes("engines = [\"spark\"]\n", "").is_empty());
        assert!(
            Scenario::from_toml("[topic]\npartitions = 3\n[pipeline]\nparallelism = 3\n").unwrap().notes().is_empty()
        );
    }

    /// acks as Kafka takes it, as a string or a number; -1 is all; anything else names the three.
    #[test]
    fn acks_reads_as_kafka_takes_it_string_or_number() {
        let acks = |v: &str| Scenario::from_toml(&format!("[[producers]]\nacks = {v}\n")).map(|s| s.producers[0].acks);
        for (v, want) in [("\"0\"", Acks::None), ("0", Acks::None), ("1", Acks::Leader), ("\"all\"", Acks::All)] {
            assert_eq!(acks(v).unwrap(), want, "{v}");
        }
        assert_eq!((acks("-1").unwrap(), acks("\"-1\"").unwrap()), (Acks::All, Acks::All));
        for bad in ["2", "\"leader\"", "true"] {
            let e = err(&format!("[[producers]]\nacks = {bad}\n"));
            assert!(e.contains("expected \"0\", \"1\" or \"all\""), "{bad}: {e}");
        }
    }

    #[test]
    fn empty_scenario_takes_kafka_defaults() {
        let s = Scenario::from_toml("").unwrap();
        assert_eq!(s.producers[0].linger_ms, 5);
        assert_eq!(s.producers[0].batch_size, 16_384);
        assert_eq!(s.producers[0].acks, Acks::All);
        assert_eq!(s.consumer_group.session_timeout_ms, 45_000);
        assert_eq!(s.cluster.replica_lag_time_max_ms, 30_000);
    }

    #[test]
    fn bad_scenarios_name_the_key() {
        assert!(err("[topic]\npartitions = 0").contains("topic.partitions"));
        let e = err("[topic]\nreplication_factor = 4");
        assert!(e.contains("topic.replication_factor") && e.contains("3 broker"), "{e}");
        assert!(err("[topic]\nshards = 3").contains("shards"), "unknown keys are rejected");
        assert!(err("[topic]\npartitions = \"six\"").contains("partitions"));
        assert!(err("[[producers]]\nrate_per_s = -5.0").contains("producers[0].rate_per_s"));
        assert!(err("[[producers]]\nacks = \"1\"\nidempotence = true").contains("idempotence"));
        let e = err("[cluster]\nnetwork_delay = { dist = \"exponential\", mean_ms = 0 }");
        assert!(e.contains("cluster.network_delay") && e.contains("mean_ms"), "{e}");
        let e = err("[cluster]\nnetwork_delay = { dist = \"exponential\", mean = 1 }");
        assert!(e.contains("mean"), "{e}");
        assert!(err("[[faults]]\nkind = \"broker_crash\"\nat_ms = 5\nbroker = 7").contains("faults[0].broker"));
        let e = err("[cluster]\nnetwork_bytes_per_s = 999");
        assert!(e.contains("cluster.network_bytes_per_s") && e.contains("at least 1000"), "{e}");
        assert!(err("[cluster]\ndisk_bytes_per_s = 5").contains("cluster.disk_bytes_per_s"));
        assert!(err("[cluster]\nrequest_overhead_us = 1000001").contains("cluster.request_overhead_us"));
        assert!(Scenario::from_toml("[cluster]\nnetwork_bytes_per_s = 1000\ndisk_bytes_per_s = 0").is_ok());
        let day = |hourly: &str| {
            format!(
                "[[producers]]\narrival = {{ kind = \"day\", day_ms = 86400000, hourly = [{hourly}], bursts_per_day = 0, burst_ms = 0, burst_factor = 1.0 }}"
            )
        };
        let e = err("[run]\nseed = 18446744073709551615");
        assert!(e.contains("`run.seed`: must be at most 9223372036854775807"), "{e}");
        let e = err(&day(&["1e308"; 24].join(", ")));
        assert!(e.contains("producers[0].arrival.hourly") && e.contains("scale the rates down"), "{e}");
        assert!(Scenario::from_toml(&day(&["1e300"; 24].join(", "))).is_ok());
        let e = err("engines = [\"flink\", \"spark\", \"flink\"]\n[pipeline]");
        assert!(e.contains("engines") && e.contains("Flink twice"), "{e}");
    }

    #[test]
    fn scenarios_round_trip_through_toml() {
        let s = Scenario::from_toml("[[faults]]\nkind = \"network_spike\"\nat_ms = 1\nduration_ms = 2\nextra_ms = 3.0")
            .unwrap();
        assert_eq!(Scenario::from_toml(&s.to_toml()).unwrap(), s);
    }
}
