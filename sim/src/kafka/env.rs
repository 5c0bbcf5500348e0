//! What every Kafka actor is lent while it handles an event: the clock, the event queue, the network,
//! and the run's accounts (ledger, metrics, counters). The messages and timers between actors are `Event`s.

use super::{BatchRef, Chunk, ProduceError};
use crate::ledger::Ledger;
use crate::metrics::{Histogram, TimeSeries};
use crate::network::{Network, Node};
use crate::queue::EventQueue;
use crate::scenario::Acks;
use crate::time::SimTime;

pub type ProduceResult = Result<(), ProduceError>;

/// A produce request as it travels to the broker, which holds it until it can answer.
pub struct ProduceRequest {
    pub id: u64,
    pub producer: u32,
    pub acks: Acks,
    /// The batches carry a producer id and sequence numbers (enable.idempotence).
    pub idempotent: bool,
    pub batches: Vec<BatchRef>,
}

pub enum Event {
    Arrival {
        producer: u32,
    },
    Linger {
        producer: u32,
        partition: u32,
        created: SimTime,
    },
    Drain {
        producer: u32,
    },
    ProduceArrive {
        broker: u32,
        incarnation: u32,
        request: Box<ProduceRequest>,
    },
    AppendDone {
        broker: u32,
        incarnation: u32,
        request: u64,
        slot: u32,
    },
    ProduceResponse {
        producer: u32,
        request: u64,
        results: Vec<ProduceResult>,
    },
    /// The producer's oldest request may have passed request.timeout.ms.
    RequestTimeouts {
        producer: u32,
    },
    ReplicaFetch {
        follower: u32,
        leader: u32,
        incarnation: u32,
    },
    ReplicaFetchArrive {
        follower: u32,
        leader: u32,
        incarnation: u32,
        offsets: Vec<(u32, u64)>,
    },
    ReplicaFetchExpire {
        follower: u32,
        leader: u32,
        park: u64,
    },
    ReplicaFetchResponse {
        follower: u32,
        incarnation: u32,
        leader: u32,
        /// (partition, leader epoch, leader's log end offset).
        ends: Vec<(u32, u32, u64)>,
    },
    ConsumerFetchArrive {
        member: u32,
        epoch: u32,
        broker: u32,
        incarnation: u32,
        offsets: Vec<(u32, u64)>,
    },
    ConsumerFetchExpire {
        member: u32,
        broker: u32,
        park: u64,
    },
    ConsumerFetchResponse {
        member: u32,
        epoch: u32,
        broker: u32,
        chunks: Vec<Chunk>,
    },
    PollDone {
        member: u32,
        epoch: u32,
    },
    RebalanceDone {
        id: u64,
    },
    MemberExpired {
        member: u32,
        epoch: u32,
    },
    IsrCheck {
        broker: u32,
    },
    ControllerFence {
        broker: u32,
        incarnation: u32,
    },
    Fault {
        index: usize,
    },
    Tick,
}

/// Counters of what happened inside the cluster.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct KafkaCounters {
    pub produce_requests: u64,
    pub batches_sent: u64,
    pub retries: u64,
    pub request_timeouts: u64,
    pub not_enough_replicas_errors: u64,
    pub not_enough_replicas_after_append_errors: u64,
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

pub struct Metrics {
    pub produce_latency: Histogram,
    pub end_to_end_latency: Histogram,
    pub produced: TimeSeries,
    pub acked: TimeSeries,
    pub delivered: TimeSeries,
    pub e2e_latency_ms: TimeSeries,
    pub lag: TimeSeries,
    pub under_replicated: TimeSeries,
}

impl Metrics {
    pub fn new(bucket: SimTime) -> Self {
        let ts = || TimeSeries::new(bucket);
        Metrics {
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
}

pub struct Env {
    pub now: SimTime,
    pub queue: EventQueue<Event>,
    pub net: Network,
    pub ledger: Ledger,
    pub metrics: Metrics,
    pub counters: KafkaCounters,
    /// Produce requests are numbered across producers, in the order they are sent.
    pub next_request: u64,
}

impl Env {
    /// Schedules a timer (or an actor's own later step) at `at`.
    pub fn at(&mut self, at: SimTime, event: Event) {
        self.queue.push(at, event);
    }

    /// Sends a message now from `from` to `to`: it arrives after the network's delay.
    pub fn send(&mut self, from: Node, to: Node, event: Event) {
        let at = self.net.deliver(self.now, from, to);
        self.queue.push(at, event);
    }
}
