//! What every Kafka actor is lent while it handles an event: the clock, the event queue, the network,
//! and the run's accounts (the ledger, and the stats stage that observes the actors). The messages and
//! timers between actors are `Event`s.

use super::ids::{BrokerId, ConsumerId, FetchPosition, MemberId, OutOfRange, PartitionId, ProducerId, ReplicaEnd};
use super::{BatchRef, Chunk, ProduceError};
use crate::ledger::Ledger;
use crate::network::{Network, Node};
use crate::queue::{EventQueue, Recurring, Timer};
use crate::scenario::Acks;
use crate::stats::Stats;
use crate::time::SimTime;

pub type ProduceResult = Result<(), ProduceError>;

/// A produce request as it travels to the broker, which holds it until it can answer.
#[derive(Debug)]
pub struct ProduceRequest {
    pub id: u64,
    pub producer: ProducerId,
    pub acks: Acks,
    /// The batches carry a producer id and sequence numbers (enable.idempotence).
    pub idempotent: bool,
    pub batches: Vec<BatchRef>,
}

#[derive(Debug)]
pub enum Event {
    Arrival {
        producer: ProducerId,
    },
    Linger {
        producer: ProducerId,
        partition: PartitionId,
        created: SimTime,
    },
    Drain {
        producer: ProducerId,
    },
    ProduceArrive {
        broker: BrokerId,
        incarnation: u32,
        request: ProduceRequest,
    },
    AppendDone {
        broker: BrokerId,
        incarnation: u32,
        request: u64,
        slot: u32,
    },
    ProduceResponse {
        producer: ProducerId,
        request: u64,
        results: Vec<ProduceResult>,
    },
    /// The producer's oldest request may have passed request.timeout.ms.
    RequestTimeouts {
        producer: ProducerId,
    },
    ReplicaFetch {
        follower: BrokerId,
        leader: BrokerId,
        incarnation: u32,
    },
    ReplicaFetchArrive {
        follower: BrokerId,
        leader: BrokerId,
        incarnation: u32,
        offsets: Vec<FetchPosition>,
    },
    ReplicaFetchExpire {
        follower: BrokerId,
        leader: BrokerId,
        park: u64,
    },
    ReplicaFetchResponse {
        follower: BrokerId,
        incarnation: u32,
        leader: BrokerId,
        ends: Vec<ReplicaEnd>,
    },
    ConsumerFetchArrive {
        consumer: ConsumerId,
        epoch: u32,
        broker: BrokerId,
        incarnation: u32,
        offsets: Vec<FetchPosition>,
    },
    ConsumerFetchExpire {
        consumer: ConsumerId,
        broker: BrokerId,
        park: u64,
    },
    ConsumerFetchResponse {
        consumer: ConsumerId,
        epoch: u32,
        broker: BrokerId,
        chunks: Vec<Chunk>,
        /// Positions answered OFFSET_OUT_OF_RANGE.
        out_of_range: Vec<OutOfRange>,
    },
    PollDone {
        member: MemberId,
        epoch: u32,
    },
    RebalanceDone {
        id: u64,
    },
    MemberExpired {
        member: MemberId,
        epoch: u32,
    },
    IsrCheck {
        broker: BrokerId,
    },
    ControllerFence {
        broker: BrokerId,
        incarnation: u32,
    },
    Fault {
        index: usize,
    },
    /// A failed engine's job restarts and reads again.
    EngineResume {
        engine: usize,
    },
    /// An engine that reads at its triggers: its next trigger is due, or its tasks start reading.
    EngineWake {
        engine: usize,
    },
    /// The brokers delete what retention no longer keeps.
    RetentionCheck,
    Tick,
}

/// An event waits in a slot of the event queue, so its size is the slot's: the produce request rides
/// inline (one allocation fewer per request) because it fits beside the largest other variant.
const _: () = assert!(size_of::<Event>() == 64);

pub struct Env {
    pub now: SimTime,
    pub queue: EventQueue<Event>,
    pub net: Network,
    pub ledger: Ledger,
    pub stats: Stats,
    /// Produce requests are numbered across producers, in the order they are sent.
    pub next_request: u64,
}

/// The producers are the recurring sources (`Env::arrival_at`).
impl Recurring for Event {
    fn of_source(producer: u32) -> Self {
        Event::Arrival { producer: ProducerId(producer) }
    }
}

impl Env {
    /// The environment of a run whose time series have buckets of `bucket` and end at `horizon`.
    pub fn new(net: Network, ledger: Ledger, (bucket, horizon): (SimTime, SimTime)) -> Self {
        let stats = Stats::new(bucket, horizon);
        Env { now: SimTime::ZERO, queue: EventQueue::new(), net, ledger, stats, next_request: 0 }
    }

    /// Schedules a timer (or an actor's own later step) at `at`.
    pub fn at(&mut self, at: SimTime, event: Event) -> Timer {
        self.queue.push(at, event)
    }

    /// A producer's next arrival: the queue's recurring sources are the producers.
    pub fn arrival_at(&mut self, at: SimTime, producer: ProducerId) {
        self.queue.push_recurring(at, producer.0)
    }

    /// An event for `at` pushed now would be handled straight after the current handler (see
    /// `EventQueue::would_hand_off`).
    pub fn would_hand_off(&self, at: SimTime) -> bool {
        at == self.now && self.queue.would_hand_off(at)
    }

    /// Sends a message now from `from` to `to`: it arrives after the network's delay.
    pub fn send(&mut self, from: Node, to: Node, event: Event) {
        self.send_at(self.now, from, to, event);
    }

    /// Sends a message at `sent` (now, or once a busy network interface has put it on the wire).
    pub fn send_at(&mut self, sent: SimTime, from: Node, to: Node, event: Event) {
        let at = self.net.deliver(sent, from, to);
        self.queue.push(at, event);
    }
}
