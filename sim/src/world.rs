//! The simulated world: one event queue, one seed, and the handlers that move records from producers
//! through brokers to consumer groups.
//!
//! ```text
//!  producers --ProduceRequest--> leader replica --append--> log --fetch--> followers
//!      ^                              |  HW = min LEO(ISR)          |
//!      +------ ProduceResponse -------+ (acks=all waits for HW)   consumers (up to HW) --> ledger
//! ```

use crate::dist::Sampler;
use crate::engine::batch::BatchEngine;
use crate::engine::flink::FlinkEngine;
use crate::engine::spark::SparkEngine;
use crate::engine::{Engine, EngineRecord};
use crate::kafka::broker::Partition;
use crate::kafka::broker::{Broker, PendingAck};
use crate::kafka::consumer_group::{Group, Member};
use crate::kafka::producer::{InFlight, Producer, Retry, Sent};
use crate::kafka::{BatchRef, Chunk, ProduceError};
use crate::ledger::{Ledger, LedgerSummary, Unbalanced};
use crate::metrics::{Histogram, TimeSeries};
use crate::queue::EventQueue;
use crate::rng::{SimRng, stream};
use crate::scenario::{Acks, CommitMode, EngineKind, Fault, Scenario, SpikeScope};
use crate::time::SimTime;
use rand::RngExt;
use std::collections::{BTreeMap, HashMap};
use thiserror::Error;

#[derive(Debug, Error, PartialEq)]
pub enum SimError {
    #[error(
        "the run exceeded run.max_events = {0} events at simulated time {1}; raise run.max_events or shorten run.duration_ms"
    )]
    EventLimit(u64, SimTime),
    #[error("internal error: {0}")]
    Unbalanced(#[from] crate::ledger::Unbalanced),
}

type ProduceResult = Result<(), ProduceError>;

enum Event {
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
        request: u64,
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
        ends: Vec<(u32, u64)>,
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

/// A produce request as the broker holds it until it can answer.
struct ServerRequest {
    producer: u32,
    broker: u32,
    acks: Acks,
    batches: Vec<BatchRef>,
    results: Vec<Option<ProduceResult>>,
    remaining: u32,
}

struct ParkedFetch {
    park: u64,
    epoch: u32,
    offsets: Vec<(u32, u64)>,
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

pub struct World {
    pub scenario: Scenario,
    now: SimTime,
    queue: EventQueue<Event>,
    events: u64,
    network: Sampler,
    net_rng: SimRng,
    append_time: Sampler,
    disk_rng: SimRng,
    processing: Sampler,
    consumer_rng: SimRng,
    links: HashMap<(u32, u32), SimTime>,
    spikes: Vec<(SimTime, SimTime, SimTime, SpikeScope)>,
    pub producers: Vec<Producer>,
    pub brokers: Vec<Broker>,
    pub partitions: Vec<Partition>,
    pub group: Group,
    pub ledger: Ledger,
    pub metrics: Metrics,
    pub counters: KafkaCounters,
    requests: BTreeMap<u64, ServerRequest>,
    next_request: u64,
    next_park: u64,
    replica_parked: BTreeMap<(u32, u32), ParkedFetch>,
    consumer_parked: BTreeMap<(u32, u32), ParkedFetch>,
    produce_until: SimTime,
    deadline: SimTime,
    finished: bool,
    /// Set when the ledger did not balance at the end of the run.
    unbalanced: Option<Unbalanced>,
    /// The engines fed by the consumer group, which acts as their Kafka source.
    pub engines: Vec<Box<dyn Engine>>,
    /// Partitions each broker leads: the producers' drain reads it for every record, elections rewrite it.
    led_by: Vec<Vec<u32>>,
}

impl World {
    /// Builds the world for a validated scenario.
    pub fn new(scenario: &Scenario) -> World {
        let s = scenario.clone();
        let seed = s.run.seed;
        let b = s.cluster.brokers;
        let np = s.topic.partitions;
        let rf = s.topic.replication_factor;
        let mut producers = Vec::new();
        for cfg in &s.producers {
            for _ in 0..cfg.count {
                let id = producers.len() as u32;
                let rng = stream(seed, &format!("producer-{id}"));
                let backoff_rng = stream(seed, &format!("producer-{id}-retry-backoff"));
                producers.push(Producer::new(id, cfg.clone(), np, b, rng, backoff_rng));
            }
        }
        // Replica placement as Kafka's AdminUtils without racks: partition p's replicas start at
        // broker p % brokers and follow consecutively (the random start index is fixed to 0 here).
        let partitions = (0..np)
            .map(|p| Partition::new(p, (0..rf).map(|r| (p + r) % b).collect(), producers.len() as u32))
            .collect();
        let mut group_rng = stream(seed, "consumer-group");
        let hb = SimTime::from_millis(s.consumer_group.heartbeat_interval_ms);
        let members = (0..s.consumer_group.members)
            .map(|i| Member::new(format!("consumer-{i}"), b, SimTime(group_rng.random_range(0..hb.0))))
            .collect();
        let bucket = SimTime::from_millis(s.run.bucket_ms);
        let ts = || TimeSeries::new(bucket);
        let produce_until = SimTime::from_millis(s.run.duration_ms);
        let mut w = World {
            network: s.cluster.network_delay.sampler(),
            net_rng: stream(seed, "network"),
            append_time: s.cluster.append_time.sampler(),
            disk_rng: stream(seed, "disk"),
            processing: s.consumer_group.processing_time.sampler(),
            consumer_rng: stream(seed, "consumer-processing"),
            links: HashMap::new(),
            spikes: Vec::new(),
            brokers: (0..b).map(|_| Broker { alive: true, incarnation: 0 }).collect(),
            partitions,
            group: Group::new(s.topic.name.clone(), np, s.consumer_group.assignor, members),
            ledger: Ledger::new(producers.len() as u32, np),
            producers,
            metrics: Metrics {
                produce_latency: Histogram::new(),
                end_to_end_latency: Histogram::new(),
                produced: ts(),
                acked: ts(),
                delivered: ts(),
                e2e_latency_ms: ts(),
                lag: ts(),
                under_replicated: ts(),
            },
            counters: KafkaCounters::default(),
            requests: BTreeMap::new(),
            next_request: 0,
            next_park: 0,
            replica_parked: BTreeMap::new(),
            consumer_parked: BTreeMap::new(),
            produce_until,
            deadline: produce_until + SimTime::from_millis(s.run.drain_ms),
            finished: false,
            unbalanced: None,
            engines: Vec::new(),
            led_by: Vec::new(),
            now: SimTime::ZERO,
            queue: EventQueue::new(),
            events: 0,
            scenario: s,
        };
        if let Some(pipe) = &w.scenario.pipeline {
            for kind in w.scenario.engines.clone() {
                let rng = stream(seed, &format!("engine-{kind:?}"));
                let engine: Box<dyn Engine> = match kind {
                    EngineKind::Flink => Box::new(FlinkEngine::new(w.scenario.flink.clone(), pipe.clone(), rng, false)),
                    EngineKind::Spark => Box::new(SparkEngine::new(w.scenario.spark.clone(), pipe.clone(), rng, false)),
                    EngineKind::Batch => Box::new(BatchEngine::new(w.scenario.batch.clone(), pipe.clone(), rng, false)),
                };
                w.engines.push(engine);
            }
        }
        w.update_leadership();
        w.start();
        w
    }

    fn update_leadership(&mut self) {
        self.led_by = (0..self.brokers.len() as u32)
            .map(|b| self.partitions.iter().filter(|p| p.leader == Some(b)).map(|p| p.id).collect())
            .collect();
    }

    fn start(&mut self) {
        for p in 0..self.producers.len() as u32 {
            let first = {
                let pr = &mut self.producers[p as usize];
                pr.workload.next_arrival(SimTime::ZERO, &mut pr.rng)
            };
            self.queue.push(first, Event::Arrival { producer: p });
        }
        for f in 0..self.brokers.len() as u32 {
            self.start_fetchers(f);
            let period = self.isr_check_period();
            self.queue.push(period, Event::IsrCheck { broker: f });
        }
        for (index, fault) in self.scenario.faults.iter().enumerate() {
            self.queue.push(SimTime::from_millis(fault.at_ms()), Event::Fault { index });
        }
        if !self.group.members.is_empty() {
            // group.initial.rebalance.delay.ms: the coordinator waits for more members of a new group.
            let delay = SimTime::from_millis(self.scenario.consumer_group.initial_rebalance_delay_ms);
            self.begin_rebalance_at(delay, false);
        }
        self.queue.push(SimTime::from_millis(self.scenario.run.bucket_ms), Event::Tick);
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn events_processed(&self) -> u64 {
        self.events
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Processes every event up to and including `t` (or until the run ends).
    pub fn run_until(&mut self, t: SimTime) -> Result<(), SimError> {
        let max = self.scenario.run.max_events;
        while !self.finished {
            match self.queue.peek_time() {
                Some(next) if next <= t && next <= self.deadline => {
                    let (time, event) = self.queue.pop().expect("peeked");
                    self.now = time;
                    self.events += 1;
                    if self.events > max {
                        return Err(SimError::EventLimit(max, self.now));
                    }
                    self.handle(event);
                }
                Some(next) if next <= t => {
                    self.now = self.deadline;
                    self.finish();
                }
                Some(_) => {
                    self.now = self.now.max(t);
                    break;
                }
                None => self.finish(),
            }
        }
        match self.unbalanced.take() {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }

    /// Runs to the end: producers stop at run.duration_ms, then consumers drain (at most run.drain_ms).
    pub fn run(&mut self) -> Result<(), SimError> {
        self.run_until(SimTime::MAX)
    }

    // ----- network ---------------------------------------------------------------------------------

    fn node_broker(&self, b: u32) -> u32 {
        self.producers.len() as u32 + b
    }
    fn node_member(&self, m: u32) -> u32 {
        (self.producers.len() + self.brokers.len()) as u32 + m
    }

    /// When a message sent now from `from` reaches `to`: one delay draw, plus any spike, and never before
    /// the previous message on the same link (TCP keeps order).
    fn deliver(&mut self, from: u32, to: u32) -> SimTime {
        let mut t = self.now + self.network.sample(&mut self.net_rng);
        let brokers = self.producers.len() as u32..(self.producers.len() + self.brokers.len()) as u32;
        let replication = brokers.contains(&from) && brokers.contains(&to);
        for &(start, end, extra, scope) in &self.spikes {
            if start <= self.now && self.now < end && (scope == SpikeScope::All || replication) {
                t += extra;
            }
        }
        let last = self.links.entry((from, to)).or_insert(SimTime::ZERO);
        t = t.max(*last);
        *last = t;
        t
    }

    // ----- events ----------------------------------------------------------------------------------

    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrival { producer } => self.on_arrival(producer),
            Event::Linger { producer, partition, created } => {
                self.producers[producer as usize].linger_expired(partition, created);
                self.drain_producer(producer);
            }
            Event::Drain { producer } => self.drain_producer(producer),
            Event::ProduceArrive { broker, incarnation, request } => {
                self.on_produce_arrive(broker, incarnation, request)
            }
            Event::AppendDone { broker, incarnation, request, slot } => {
                self.on_append_done(broker, incarnation, request, slot)
            }
            Event::ProduceResponse { producer, request, results } => {
                self.on_produce_response(producer, request, results)
            }
            Event::RequestTimeouts { producer } => self.on_request_timeouts(producer),
            Event::ReplicaFetch { follower, leader, incarnation } => {
                self.send_replica_fetch(follower, leader, incarnation)
            }
            Event::ReplicaFetchArrive { follower, leader, incarnation, offsets } => {
                self.on_replica_fetch(follower, leader, incarnation, offsets)
            }
            Event::ReplicaFetchExpire { follower, leader, park } => {
                if self.replica_parked.get(&(leader, follower)).is_some_and(|p| p.park == park) {
                    let parked = self.replica_parked.remove(&(leader, follower)).expect("checked");
                    self.answer_replica_fetch(follower, leader, &parked.offsets);
                }
            }
            Event::ReplicaFetchResponse { follower, incarnation, leader, ends } => {
                self.on_replica_fetch_response(follower, incarnation, leader, ends)
            }
            Event::ConsumerFetchArrive { member, epoch, broker, incarnation, offsets } => {
                self.on_consumer_fetch(member, epoch, broker, incarnation, offsets)
            }
            Event::ConsumerFetchExpire { member, broker, park } => {
                if self.consumer_parked.get(&(broker, member)).is_some_and(|p| p.park == park) {
                    let parked = self.consumer_parked.remove(&(broker, member)).expect("checked");
                    self.answer_consumer_fetch(member, parked.epoch, broker, &parked.offsets);
                }
            }
            Event::ConsumerFetchResponse { member, epoch, broker, chunks } => {
                self.on_consumer_fetch_response(member, epoch, broker, chunks)
            }
            Event::PollDone { member, epoch } => self.on_poll_done(member, epoch),
            Event::RebalanceDone { id } => self.on_rebalance_done(id),
            Event::MemberExpired { member, epoch } => {
                let m = &self.group.members[member as usize];
                if !m.alive && m.epoch == epoch {
                    self.begin_rebalance_at(self.now, true);
                }
            }
            Event::IsrCheck { broker } => self.on_isr_check(broker),
            Event::ControllerFence { broker, incarnation } => self.on_controller_fence(broker, incarnation),
            Event::Fault { index } => self.on_fault(index),
            Event::Tick => self.on_tick(),
        }
    }

    // ----- producers -------------------------------------------------------------------------------

    fn on_arrival(&mut self, producer: u32) {
        if self.now >= self.produce_until {
            self.producers[producer as usize].done_producing = true;
            return;
        }
        let np = self.scenario.topic.partitions;
        let pr = &mut self.producers[producer as usize];
        let (record, keyed) = pr.workload.record(self.now, &mut pr.rng);
        let partition = match keyed {
            Some(p) => p,
            None => pr.sticky.next(np, u64::from(pr.cfg.record_bytes), &mut pr.rng),
        };
        let opened = pr.append(partition, record, self.now);
        let linger = SimTime::from_millis(pr.cfg.linger_ms);
        let next = pr.workload.next_arrival(self.now, &mut pr.rng);
        self.ledger.produced(1);
        self.metrics.produced.record(self.now, 1.0);
        if let Some(created) = opened
            && linger > SimTime::ZERO
        {
            self.queue.push(created + linger, Event::Linger { producer, partition, created });
        }
        self.queue.push(next, Event::Arrival { producer });
        self.drain_producer(producer);
    }

    /// The Sender loop: for every broker, one request with the first ready batch of each partition it leads.
    fn drain_producer(&mut self, producer: u32) {
        let expired = self.producers[producer as usize].expire(self.now);
        self.ledger.failed(expired);
        for broker in 0..self.brokers.len() as u32 {
            let led = &self.led_by[broker as usize];
            if led.is_empty() {
                continue;
            }
            let now = self.now;
            let batches = self.producers[producer as usize].drain(broker, led, now);
            if batches.is_empty() {
                continue;
            }
            self.send_produce(producer, broker, batches);
        }
        // Batches held back by retry.backoff.ms need a later look.
        if let Some(t) = self.producers[producer as usize].next_retry_time()
            && t > self.now
        {
            self.queue.push(t, Event::Drain { producer });
        }
    }

    fn send_produce(&mut self, producer: u32, broker: u32, batches: Vec<Sent>) {
        let request = self.next_request;
        self.next_request += 1;
        let pr = &mut self.producers[producer as usize];
        let acks = pr.cfg.acks;
        let timeout = SimTime::from_millis(pr.cfg.request_timeout_ms);
        self.counters.produce_requests += 1;
        self.counters.batches_sent += batches.len() as u64;
        let server_batches: Vec<BatchRef> = batches.iter().map(|s| s.batch.clone()).collect();
        if acks == Acks::None {
            // acks=0: the producer counts the send as done the moment it leaves.
            for sent in &batches {
                self.producers[producer as usize].answered(sent);
                self.ack_batch(producer, &sent.batch);
            }
        } else {
            pr.in_flight.insert(request, InFlight { broker, batches, deadline: self.now + timeout });
            pr.in_flight_per_broker[broker as usize] += 1;
            // One timer per producer, at its oldest request's deadline: the queue does not grow with requests.
            if !pr.timeout_armed {
                pr.timeout_armed = true;
                self.queue.push(self.now + timeout, Event::RequestTimeouts { producer });
            }
        }
        let n = server_batches.len();
        self.requests.insert(
            request,
            ServerRequest {
                producer,
                broker,
                acks,
                batches: server_batches,
                results: vec![None; n],
                remaining: n as u32,
            },
        );
        let at = self.deliver(producer, self.node_broker(broker));
        let incarnation = self.brokers[broker as usize].incarnation;
        self.queue.push(at, Event::ProduceArrive { broker, incarnation, request });
    }

    fn ack_batch(&mut self, producer: u32, b: &BatchRef) {
        self.producers[producer as usize].acknowledged(b);
        self.ledger.acked(producer, b.partition, b.first_record, b.len());
        for r in &b.records {
            self.metrics.produce_latency.record(self.now - r.created);
        }
        self.metrics.acked.record_n(self.now, u64::from(b.len()), 1.0);
    }

    fn on_produce_response(&mut self, producer: u32, request: u64, results: Vec<ProduceResult>) {
        let Some(inflight) = self.producers[producer as usize].in_flight.remove(&request) else {
            return; // timed out already: Kafka closed the connection, this answer never arrives
        };
        self.producers[producer as usize].in_flight_per_broker[inflight.broker as usize] -= 1;
        for (sent, result) in inflight.batches.into_iter().zip(results) {
            self.producers[producer as usize].answered(&sent);
            match result {
                Ok(()) => self.ack_batch(producer, &sent.batch),
                Err(e) => {
                    match e {
                        ProduceError::NotEnoughReplicas => self.counters.not_enough_replicas_errors += 1,
                        ProduceError::NotEnoughReplicasAfterAppend => {
                            self.counters.not_enough_replicas_after_append_errors += 1
                        }
                        ProduceError::OutOfOrderSequence => self.counters.out_of_order_sequence_errors += 1,
                        ProduceError::NotLeader | ProduceError::InvalidProducerEpoch => {}
                    }
                    self.retry_or_fail(producer, sent, Some(e));
                }
            }
        }
        self.drain_producer(producer);
    }

    /// NetworkClient.handleTimedOutRequests: requests unanswered for request.timeout.ms fail and retry.
    fn on_request_timeouts(&mut self, producer: u32) {
        let now = self.now;
        let pr = &mut self.producers[producer as usize];
        let mut timed_out: Vec<u32> =
            pr.in_flight.values().take_while(|f| f.deadline <= now).map(|f| f.broker).collect();
        self.counters.request_timeouts += timed_out.len() as u64;
        // A timeout closes the connection (NetworkClient.handleTimedOutRequests).
        timed_out.dedup();
        for broker in timed_out {
            self.disconnect(producer, broker);
        }
        let pr = &mut self.producers[producer as usize];
        match pr.in_flight.values().next().map(|f| f.deadline) {
            Some(deadline) => self.queue.push(deadline, Event::RequestTimeouts { producer }),
            None => pr.timeout_armed = false,
        }
        self.drain_producer(producer);
    }

    /// A closed connection fails every request in flight on it; their batches are retried in sequence order.
    fn disconnect(&mut self, producer: u32, broker: u32) {
        let pr = &mut self.producers[producer as usize];
        let cancelled: Vec<u64> = pr.in_flight.iter().filter(|(_, f)| f.broker == broker).map(|(id, _)| *id).collect();
        for request in cancelled {
            let inflight = self.producers[producer as usize].in_flight.remove(&request).expect("listed");
            self.producers[producer as usize].in_flight_per_broker[broker as usize] -= 1;
            for sent in inflight.batches {
                self.producers[producer as usize].answered(&sent);
                self.retry_or_fail(producer, sent, None);
            }
        }
    }

    fn retry_or_fail(&mut self, producer: u32, sent: Sent, error: Option<ProduceError>) {
        match self.producers[producer as usize].retry_or_fail(sent, error, self.now) {
            Retry::Failed(n) => self.ledger.failed(u64::from(n)),
            Retry::At(t) => {
                self.counters.retries += 1;
                self.queue.push(t, Event::Drain { producer });
            }
        }
    }

    // ----- brokers: produce --------------------------------------------------------------------------

    fn on_produce_arrive(&mut self, broker: u32, incarnation: u32, request: u64) {
        if self.brokers[broker as usize].incarnation != incarnation || !self.brokers[broker as usize].alive {
            self.requests.remove(&request);
            return;
        }
        let Some(req) = self.requests.get(&request) else {
            return;
        };
        let n = req.batches.len();
        for slot in 0..n {
            let req = &self.requests[&request];
            let b = req.batches[slot].clone();
            let acks = req.acks;
            let part = &mut self.partitions[b.partition as usize];
            let Some(l) = part.leader_index().filter(|_| part.leader == Some(broker)) else {
                self.finish_slot(request, slot as u32, Err(ProduceError::NotLeader));
                continue;
            };
            // Partition.appendRecordsToLeader: acks=all needs |ISR| >= min.insync.replicas.
            if acks == Acks::All && part.isr.len() < self.scenario.cluster.min_insync_replicas as usize {
                self.finish_slot(request, slot as u32, Err(ProduceError::NotEnoughReplicas));
                continue;
            }
            let start = self.now.max(part.busy_until[l]);
            let done = start + self.append_time.sample(&mut self.disk_rng);
            part.busy_until[l] = done;
            self.queue.push(done, Event::AppendDone { broker, incarnation, request, slot: slot as u32 });
        }
    }

    fn on_append_done(&mut self, broker: u32, incarnation: u32, request: u64, slot: u32) {
        if self.brokers[broker as usize].incarnation != incarnation {
            self.requests.remove(&request);
            return;
        }
        let Some(req) = self.requests.get(&request) else {
            return;
        };
        let b = req.batches[slot as usize].clone();
        let acks = req.acks;
        let producer = req.producer;
        let idempotent = self.producers[producer as usize].cfg.idempotent();
        let part = &mut self.partitions[b.partition as usize];
        if part.leader != Some(broker) {
            self.finish_slot(request, slot, Err(ProduceError::NotLeader));
            return;
        }
        let p = part.id;
        let appended = match part.append_as_leader(b, idempotent) {
            Ok(a) => a,
            Err(e) => {
                self.finish_slot(request, slot, Err(e));
                return;
            }
        };
        if appended.duplicate {
            self.counters.duplicate_batches_rejected += 1;
        }
        if acks == Acks::All {
            // ReplicaManager: a duplicate waits for the original batch's offsets like a new append.
            part.await_hw(PendingAck { end_offset: appended.end_offset, request, slot });
            self.complete_produces(p);
        } else {
            self.finish_slot(request, slot, Ok(()));
        }
        if !appended.duplicate {
            self.after_leader_progress(p);
            self.wake_replica_fetchers(broker, p);
        }
    }

    /// Records one batch's result; answers the producer when the whole request is decided.
    fn finish_slot(&mut self, request: u64, slot: u32, result: ProduceResult) {
        let Some(req) = self.requests.get_mut(&request) else {
            return;
        };
        if req.results[slot as usize].is_some() {
            return;
        }
        req.results[slot as usize] = Some(result);
        req.remaining -= 1;
        if req.remaining > 0 {
            return;
        }
        let req = self.requests.remove(&request).expect("present");
        if req.acks == Acks::None {
            return;
        }
        let results = req.results.into_iter().map(|r| r.expect("all decided")).collect();
        let at = self.deliver(self.node_broker(req.broker), req.producer);
        self.queue.push(at, Event::ProduceResponse { producer: req.producer, request, results });
    }

    /// After the leader's LEO or ISR changed: move the HW, complete acks=all produces, wake consumers.
    fn after_leader_progress(&mut self, p: u32) {
        if !self.partitions[p as usize].update_hw() {
            return;
        }
        self.complete_produces(p);
        if let Some(leader) = self.partitions[p as usize].leader {
            self.wake_consumer_fetchers(leader, p);
        }
    }

    /// Answers the acks=all produces the HW has reached.
    fn complete_produces(&mut self, p: u32) {
        let min_insync = self.scenario.cluster.min_insync_replicas;
        for (a, result) in self.partitions[p as usize].complete_acks(min_insync) {
            self.finish_slot(a.request, a.slot, result);
        }
    }

    // ----- brokers: replication ----------------------------------------------------------------------

    fn isr_check_period(&self) -> SimTime {
        // ReplicaManager schedules "isr-expiration" every replica.lag.time.max.ms / 2.
        SimTime::from_millis((self.scenario.cluster.replica_lag_time_max_ms / 2).max(1))
    }

    /// One replica fetcher per (follower, leader) pair, as with num.replica.fetchers = 1.
    fn start_fetchers(&mut self, follower: u32) {
        for leader in 0..self.brokers.len() as u32 {
            if leader != follower {
                let inc = self.brokers[follower as usize].incarnation;
                self.queue.push(self.now, Event::ReplicaFetch { follower, leader, incarnation: inc });
            }
        }
    }

    fn send_replica_fetch(&mut self, follower: u32, leader: u32, incarnation: u32) {
        if self.brokers[follower as usize].incarnation != incarnation || !self.brokers[follower as usize].alive {
            return;
        }
        let offsets: Vec<(u32, u64)> = self
            .partitions
            .iter()
            .filter(|p| p.leader == Some(leader))
            .filter_map(|p| p.replica_index(follower).map(|i| (p.id, p.leo[i])))
            .collect();
        if offsets.is_empty() {
            // Nothing to follow on this leader now; look again after a fetch wait.
            let wait = SimTime::from_millis(self.scenario.cluster.replica_fetch_wait_max_ms);
            self.queue.push(self.now + wait, Event::ReplicaFetch { follower, leader, incarnation });
            return;
        }
        let at = self.deliver(self.node_broker(follower), self.node_broker(leader));
        let linc = self.brokers[leader as usize].incarnation;
        self.queue.push(at, Event::ReplicaFetchArrive { follower, leader, incarnation: linc, offsets });
    }

    fn on_replica_fetch(&mut self, follower: u32, leader: u32, incarnation: u32, offsets: Vec<(u32, u64)>) {
        if self.brokers[leader as usize].incarnation != incarnation || !self.brokers[leader as usize].alive {
            // The follower's request goes unanswered; it tries again after replica.fetch.wait.max.ms.
            let wait = SimTime::from_millis(self.scenario.cluster.replica_fetch_wait_max_ms);
            let finc = self.brokers[follower as usize].incarnation;
            self.queue.push(self.now + wait, Event::ReplicaFetch { follower, leader, incarnation: finc });
            return;
        }
        let mut has_data = false;
        for &(p, offset) in &offsets {
            let now = self.now;
            let lag_max = SimTime::from_millis(self.scenario.cluster.replica_lag_time_max_ms);
            let part = &mut self.partitions[p as usize];
            if part.leader != Some(leader) {
                continue;
            }
            let Some(i) = part.replica_index(follower) else {
                continue;
            };
            part.on_follower_fetch(i, offset, now);
            // Partition.maybeExpandIsr: back in sync once caught up to the HW within the lag time.
            if !part.isr.contains(&i)
                && offset >= part.hw
                && now.saturating_sub(part.followers[i].last_caught_up) <= lag_max
            {
                part.isr.push(i);
                part.isr.sort_unstable();
                self.counters.isr_expands += 1;
            }
            has_data |= part.log_end > offset;
            self.after_leader_progress(p);
        }
        if has_data {
            self.answer_replica_fetch(follower, leader, &offsets);
        } else {
            let park = self.next_park;
            self.next_park += 1;
            self.replica_parked.insert((leader, follower), ParkedFetch { park, epoch: 0, offsets });
            let wait = SimTime::from_millis(self.scenario.cluster.replica_fetch_wait_max_ms);
            self.queue.push(self.now + wait, Event::ReplicaFetchExpire { follower, leader, park });
        }
    }

    fn wake_replica_fetchers(&mut self, leader: u32, p: u32) {
        let followers: Vec<u32> =
            self.partitions[p as usize].replicas.iter().copied().filter(|&b| b != leader).collect();
        for f in followers {
            if let Some(parked) = self.replica_parked.remove(&(leader, f)) {
                self.answer_replica_fetch(f, leader, &parked.offsets);
            }
        }
    }

    fn answer_replica_fetch(&mut self, follower: u32, leader: u32, offsets: &[(u32, u64)]) {
        let ends: Vec<(u32, u64)> = offsets
            .iter()
            .filter(|(p, _)| self.partitions[*p as usize].leader == Some(leader))
            .map(|&(p, _)| (p, self.partitions[p as usize].log_end))
            .collect();
        let at = self.deliver(self.node_broker(leader), self.node_broker(follower));
        let incarnation = self.brokers[follower as usize].incarnation;
        self.queue.push(at, Event::ReplicaFetchResponse { follower, incarnation, leader, ends });
    }

    fn on_replica_fetch_response(&mut self, follower: u32, incarnation: u32, leader: u32, ends: Vec<(u32, u64)>) {
        if self.brokers[follower as usize].incarnation != incarnation || !self.brokers[follower as usize].alive {
            return;
        }
        // The follower appends what it got on each replica's FIFO log server; it fetches again when done.
        let mut next = self.now;
        for (p, end) in ends {
            let part = &mut self.partitions[p as usize];
            let Some(i) = part.replica_index(follower) else {
                continue;
            };
            let end = end.min(part.log_end);
            if end > part.leo[i] {
                let done = self.now.max(part.busy_until[i]) + self.append_time.sample(&mut self.disk_rng);
                part.busy_until[i] = done;
                part.leo[i] = end;
                next = next.max(done);
            }
        }
        self.queue.push(next, Event::ReplicaFetch { follower, leader, incarnation });
    }

    fn on_isr_check(&mut self, broker: u32) {
        let period = self.isr_check_period();
        self.queue.push(self.now + period, Event::IsrCheck { broker });
        if !self.brokers[broker as usize].alive {
            return;
        }
        let lag_max = SimTime::from_millis(self.scenario.cluster.replica_lag_time_max_ms);
        for p in 0..self.partitions.len() {
            let part = &mut self.partitions[p];
            if part.leader != Some(broker) {
                continue;
            }
            let l = part.leader_index().expect("leader hosts a replica");
            let now = self.now;
            let before = part.isr.len();
            let followers = &part.followers;
            // Partition.maybeShrinkIsr: out of sync when not caught up for replica.lag.time.max.ms.
            part.isr.retain(|&i| i == l || now.saturating_sub(followers[i].last_caught_up) <= lag_max);
            if part.isr.len() < before {
                self.counters.isr_shrinks += (before - part.isr.len()) as u64;
                self.after_leader_progress(p as u32);
            }
        }
    }

    // ----- failures and elections ------------------------------------------------------------------

    fn on_fault(&mut self, index: usize) {
        let fault = self.scenario.faults[index].clone();
        match fault {
            Fault::BrokerCrash { broker, .. } => {
                let b = &mut self.brokers[broker as usize];
                if !b.alive {
                    return;
                }
                b.alive = false;
                b.incarnation += 1;
                let inc = b.incarnation;
                self.replica_parked.retain(|(l, f), _| *l != broker && *f != broker);
                self.consumer_parked.retain(|(b, _), _| *b != broker);
                for part in &mut self.partitions {
                    if part.leader == Some(broker) {
                        part.pending_acks.clear(); // the purgatory dies with the process
                    }
                }
                let detect = SimTime::from_millis(self.scenario.cluster.broker_session_timeout_ms);
                self.queue.push(self.now + detect, Event::ControllerFence { broker, incarnation: inc });
            }
            Fault::BrokerRestart { broker, .. } => {
                let b = &mut self.brokers[broker as usize];
                if b.alive {
                    return;
                }
                b.alive = true;
                b.incarnation += 1;
                // A returning broker is a follower everywhere; offline partitions it can lead come back.
                for p in 0..self.partitions.len() {
                    if self.partitions[p].leader.is_none() {
                        self.elect(p as u32);
                    }
                }
                self.start_fetchers(broker);
                // Requests to the dead process went unanswered; the clients' connections to it broke, so
                // they fail them and send again to the new process (NetworkClient reconnects).
                for p in 0..self.producers.len() as u32 {
                    self.disconnect(p, broker);
                }
                for m in 0..self.group.members.len() {
                    self.group.members[m].fetch_in_flight[broker as usize] = false;
                    self.maybe_fetch(m as u32);
                }
            }
            Fault::ConsumerCrash { member, .. } => {
                let hb = SimTime::from_millis(self.scenario.consumer_group.heartbeat_interval_ms);
                let session = SimTime::from_millis(self.scenario.consumer_group.session_timeout_ms);
                let m = &mut self.group.members[member as usize];
                if !m.alive {
                    return;
                }
                m.alive = false;
                m.epoch += 1;
                m.busy_until = None;
                m.buffer.clear();
                m.processing.clear();
                // The process's positions die with it: a restarted member must not commit them.
                for &p in &m.assigned {
                    self.group.position[p as usize] = self.group.committed[p as usize];
                }
                let m = &self.group.members[member as usize];
                let epoch = m.epoch;
                // The coordinator expires the member session.timeout.ms after its last heartbeat.
                let expire = m.last_heartbeat(self.now, hb) + session;
                self.queue.push(expire.max(self.now), Event::MemberExpired { member, epoch });
            }
            Fault::ConsumerRestart { member, .. } => {
                let m = &mut self.group.members[member as usize];
                if m.alive {
                    return;
                }
                m.alive = true;
                m.epoch += 1;
                let at = self.deliver(self.node_member(member), self.node_broker(0));
                self.begin_rebalance_at(at, true);
            }
            Fault::EngineFailure { engine, .. } => {
                let now = self.now;
                let names = self.scenario.engines.clone();
                for (e, kind) in self.engines.iter_mut().zip(names) {
                    if kind == engine {
                        e.fail(now);
                    }
                }
            }
            Fault::NetworkSpike { at_ms, duration_ms, extra_ms, scope } => {
                let start = SimTime::from_millis(at_ms);
                let end = start + SimTime::from_millis(duration_ms);
                self.spikes.push((start, end, SimTime::from_millis_f64(extra_ms), scope));
            }
        }
    }

    /// The controller fences a broker that missed its session: it leaves every ISR, and partitions it led
    /// get a new leader.
    fn on_controller_fence(&mut self, broker: u32, incarnation: u32) {
        if self.brokers[broker as usize].incarnation != incarnation || self.brokers[broker as usize].alive {
            return;
        }
        for p in 0..self.partitions.len() {
            let part = &mut self.partitions[p];
            let Some(i) = part.replica_index(broker) else {
                continue;
            };
            if part.leader == Some(broker) {
                self.elect(p as u32);
            } else if part.isr.contains(&i) && part.isr.len() > 1 {
                // The ISR never becomes empty: its last member stays, to lead again when it returns.
                part.isr.retain(|&x| x != i);
                self.counters.isr_shrinks += 1;
                self.after_leader_progress(p as u32);
            }
        }
    }

    /// Leader election (the controller's PartitionLeaderElectionAlgorithms): the first live replica in
    /// assignment order that is in the ISR; else, with unclean.leader.election.enable, the first live
    /// replica; else the partition goes offline.
    fn elect(&mut self, p: u32) {
        let alive: Vec<bool> = self.brokers.iter().map(|b| b.alive).collect();
        let unclean_ok = self.scenario.cluster.unclean_leader_election;
        let part = &mut self.partitions[p as usize];
        let old_leader = part.leader_index();
        let live = |i: &usize| alive[part.replicas[*i] as usize];
        let isr_live: Vec<usize> = part.isr.iter().copied().filter(|i| Some(*i) != old_leader && live(i)).collect();
        let clean = (0..part.replicas.len()).find(|i| isr_live.contains(i));
        let choice = match clean {
            Some(i) => Some((i, false)),
            None if unclean_ok => {
                (0..part.replicas.len()).find(|i| Some(*i) != old_leader && live(i)).map(|i| (i, true))
            }
            None => None,
        };
        part.pending_acks.clear();
        let Some((i, unclean)) = choice else {
            if part.leader.is_some() {
                self.counters.offline_partition_events += 1;
            }
            part.leader = None;
            // PartitionChangeBuilder (KRaft): a fenced leader leaves the ISR unless it is its last member,
            // which leads again when it returns. (Kafka 4.x's eligible leader replicas, KIP-966, are not
            // modelled.)
            if let Some(ol) = old_leader
                && part.isr.len() > 1
            {
                part.isr.retain(|&x| x != ol);
            }
            self.update_leadership();
            return;
        };
        self.counters.leader_elections += 1;
        if unclean {
            self.counters.unclean_leader_elections += 1;
        }
        part.leader = Some(part.replicas[i]);
        let p_id = part.id;
        self.update_leadership();
        let part = &mut self.partitions[p_id as usize];
        // Every replica truncates to the new leader's log end (KIP-101 leader epochs).
        let new_end = part.leo[i];
        self.counters.records_truncated += part.log_end - new_end;
        part.truncate(new_end);
        part.isr = if unclean { vec![i] } else { isr_live };
        let now = self.now;
        for f in &mut part.followers {
            f.last_caught_up = now;
        }
        // Followers' positions as the new leader first knows them.
        let leos = part.leo.clone();
        for (idx, f) in part.followers.iter_mut().enumerate() {
            f.fetched_leo = leos[idx];
        }
        // Consumers that read past the new log end detect the truncation and go back to it (KIP-320).
        let pos = &mut self.group.position[p as usize];
        *pos = (*pos).min(new_end);
        let committed = &mut self.group.committed[p as usize];
        *committed = (*committed).min(new_end);
        self.after_leader_progress(p);
        // Clients learn the new leader from a metadata refresh; their requests to the old one time out.
        for m in 0..self.group.members.len() {
            let member = &mut self.group.members[m];
            member.fetch_in_flight.iter_mut().for_each(|f| *f = false);
            self.maybe_fetch(m as u32);
        }
        for pr in 0..self.producers.len() as u32 {
            self.drain_producer(pr);
        }
    }

    // ----- consumers -------------------------------------------------------------------------------

    /// Starts a rebalance that the coordinator begins at `at`. Members of a stable group learn of it from
    /// their next heartbeat (`via_heartbeat`); a new group's members are already joining.
    fn begin_rebalance_at(&mut self, at: SimTime, via_heartbeat: bool) {
        let id = self.group.next_rebalance_id;
        self.group.next_rebalance_id += 1;
        if self.group.rebalancing.is_none() {
            self.group.rebalance_started = self.now;
        }
        self.group.rebalancing = Some(id);
        // Eager protocol: members stop fetching; buffered, unprocessed records are dropped.
        for m in &mut self.group.members {
            m.buffer.clear();
        }
        self.consumer_parked.clear();
        // Every live member rejoins at its next heartbeat, once its running poll is done.
        let hb = SimTime::from_millis(self.scenario.consumer_group.heartbeat_interval_ms);
        let join = self
            .group
            .members
            .iter()
            .filter(|m| m.alive)
            .map(|m| {
                let ready = at.max(m.busy_until.unwrap_or(SimTime::ZERO));
                if via_heartbeat { m.next_heartbeat(ready, hb) } else { ready }
            })
            .max()
            .unwrap_or(at)
            .max(at);
        // JoinGroup and SyncGroup round trips.
        let rtt = self.network.sample(&mut self.net_rng) + self.network.sample(&mut self.net_rng);
        self.queue.push(join + rtt + rtt, Event::RebalanceDone { id });
    }

    fn on_rebalance_done(&mut self, id: u64) {
        if self.group.rebalancing != Some(id) {
            return;
        }
        // onPartitionsRevoked: members commit what they processed before giving partitions up.
        for m in 0..self.group.members.len() {
            if self.group.members[m].alive {
                self.group.commit(m);
            }
        }
        self.group.rebalancing = None;
        self.counters.rebalances += 1;
        self.counters.rebalance_pause_ms_total += (self.now - self.group.rebalance_started).as_millis_f64();
        self.group.install_assignment();
        let commit_every = SimTime::from_millis(self.scenario.consumer_group.auto_commit_interval_ms);
        for m in 0..self.group.members.len() {
            self.group.members[m].next_auto_commit = self.now + commit_every;
            self.maybe_fetch(m as u32);
        }
    }

    /// Sends a fetch to each broker leading an assigned partition with nothing buffered.
    fn maybe_fetch(&mut self, member: u32) {
        let m = &self.group.members[member as usize];
        if !m.alive || self.group.rebalancing.is_some() {
            return;
        }
        let mut per_broker: BTreeMap<u32, Vec<(u32, u64)>> = BTreeMap::new();
        for &p in &m.assigned {
            let Some(l) = self.partitions[p as usize].leader else {
                continue;
            };
            if m.fetch_in_flight[l as usize] || m.buffered_from(p) {
                continue;
            }
            per_broker.entry(l).or_default().push((p, self.group.position[p as usize]));
        }
        let epoch = m.epoch;
        for (broker, offsets) in per_broker {
            self.group.members[member as usize].fetch_in_flight[broker as usize] = true;
            let at = self.deliver(self.node_member(member), self.node_broker(broker));
            let incarnation = self.brokers[broker as usize].incarnation;
            self.queue.push(at, Event::ConsumerFetchArrive { member, epoch, broker, incarnation, offsets });
        }
    }

    fn on_consumer_fetch(&mut self, member: u32, epoch: u32, broker: u32, incarnation: u32, offsets: Vec<(u32, u64)>) {
        let b = &self.brokers[broker as usize];
        if b.incarnation != incarnation || !b.alive {
            return; // unanswered; the consumer refetches after the next leader election
        }
        let ready = offsets.iter().any(|&(p, off)| {
            let part = &self.partitions[p as usize];
            part.leader == Some(broker) && part.hw > off
        });
        if ready {
            self.answer_consumer_fetch(member, epoch, broker, &offsets);
        } else {
            // fetch.min.bytes = 1: wait until data arrives or fetch.max.wait.ms passes.
            let park = self.next_park;
            self.next_park += 1;
            self.consumer_parked.insert((broker, member), ParkedFetch { park, epoch, offsets });
            let wait = SimTime::from_millis(self.scenario.consumer_group.fetch_max_wait_ms);
            self.queue.push(self.now + wait, Event::ConsumerFetchExpire { member, broker, park });
        }
    }

    fn wake_consumer_fetchers(&mut self, broker: u32, p: u32) {
        let waiting: Vec<u32> = self
            .consumer_parked
            .iter()
            .filter(|((b, _), f)| *b == broker && f.offsets.iter().any(|(q, _)| *q == p))
            .map(|((_, m), _)| *m)
            .collect();
        for member in waiting {
            let parked = self.consumer_parked.remove(&(broker, member)).expect("listed");
            self.answer_consumer_fetch(member, parked.epoch, broker, &parked.offsets);
        }
    }

    /// max.partition.fetch.bytes (1 MiB) in records of the producers' size.
    fn max_partition_fetch_records(&self) -> u32 {
        let bytes = self.producers.iter().map(|p| p.cfg.record_bytes).min().unwrap_or(100);
        (1_048_576 / bytes).max(1)
    }

    fn answer_consumer_fetch(&mut self, member: u32, epoch: u32, broker: u32, offsets: &[(u32, u64)]) {
        let mut chunks = Vec::new();
        let limit = self.max_partition_fetch_records();
        for &(p, off) in offsets {
            let part = &self.partitions[p as usize];
            if part.leader == Some(broker) {
                part.read(off, limit, &mut chunks);
            }
        }
        let at = self.deliver(self.node_broker(broker), self.node_member(member));
        self.queue.push(at, Event::ConsumerFetchResponse { member, epoch, broker, chunks });
    }

    fn on_consumer_fetch_response(&mut self, member: u32, epoch: u32, broker: u32, chunks: Vec<Chunk>) {
        let m = &mut self.group.members[member as usize];
        if m.epoch != epoch || !m.alive {
            return;
        }
        m.fetch_in_flight[broker as usize] = false;
        // A member waiting inside poll() for data auto-commits (ConsumerCoordinator.poll runs on every
        // pass of KafkaConsumer.poll); one busy processing is not in poll() and commits nothing.
        if m.busy_until.is_none() {
            self.maybe_auto_commit(member);
        }
        let m = &mut self.group.members[member as usize];
        for c in chunks {
            // Only records at the current position: anything else is stale (a rebalance moved it).
            if m.assigned.contains(&c.partition)
                && c.offset <= self.group.position[c.partition as usize]
                && c.end_offset() > self.group.position[c.partition as usize]
            {
                m.buffer.push_back(c);
            }
        }
        if m.busy_until.is_none() {
            self.poll(member);
        }
        self.maybe_fetch(member);
    }

    /// One poll(): up to max.poll.records buffered records, processed one after another.
    fn poll(&mut self, member: u32) {
        if self.group.rebalancing.is_some() {
            return;
        }
        let max = self.scenario.consumer_group.max_poll_records;
        let m = &mut self.group.members[member as usize];
        let mut taken = 0u32;
        let mut t = self.now;
        let mut polled: Vec<Chunk> = Vec::new();
        while taken < max {
            let Some(front) = m.buffer.front_mut() else {
                break;
            };
            let pos = self.group.position[front.partition as usize];
            // Skip records below the position (already delivered from an earlier, overlapping fetch).
            if front.offset < pos {
                let skip = (pos - front.offset).min(u64::from(front.len())) as u32;
                front.from += skip;
                front.offset += u64::from(skip);
            }
            if front.is_empty() {
                m.buffer.pop_front();
                continue;
            }
            let n = front.len().min(max - taken);
            let mut part = front.clone();
            part.to = part.from + n;
            front.from += n;
            front.offset += u64::from(n);
            if front.is_empty() {
                m.buffer.pop_front();
            }
            self.group.position[part.partition as usize] = part.end_offset();
            taken += n;
            polled.push(part);
        }
        if polled.is_empty() {
            return;
        }
        // Processing is a FIFO server: each record's delivery time is when its processing ends.
        for c in &polled {
            for r in &c.batch.records[c.from as usize..c.to as usize] {
                t += self.processing.sample(&mut self.consumer_rng);
                self.metrics.end_to_end_latency.record(t - r.created);
                self.metrics.e2e_latency_ms.record(t, (t - r.created).as_millis_f64());
            }
            for r in &c.batch.records[c.from as usize..c.to as usize] {
                let rec = EngineRecord {
                    created: r.created,
                    event_time: r.event_time.0 as i64,
                    key: r.key,
                    value: i64::from(r.value),
                    partition: c.partition,
                };
                for e in &mut self.engines {
                    e.on_record(self.now, rec);
                }
            }
            self.metrics.delivered.record_n(t, u64::from(c.len()), 1.0);
        }
        let m = &mut self.group.members[member as usize];
        m.processing = polled;
        m.busy_until = Some(t);
        let epoch = m.epoch;
        self.queue.push(t, Event::PollDone { member, epoch });
    }

    fn on_poll_done(&mut self, member: u32, epoch: u32) {
        let m = &mut self.group.members[member as usize];
        if m.epoch != epoch || !m.alive {
            return;
        }
        m.busy_until = None;
        // The poll's records are delivered once processed: a crash before then delivers none of them.
        for c in std::mem::take(&mut m.processing) {
            self.ledger.delivered(c.batch.producer, c.partition, c.batch.first_record + c.from, c.len());
        }
        let m = &mut self.group.members[member as usize];
        let commit = match self.scenario.consumer_group.commit {
            CommitMode::AfterProcessing => true,
            CommitMode::Auto if self.now >= m.next_auto_commit => {
                m.next_auto_commit =
                    self.now + SimTime::from_millis(self.scenario.consumer_group.auto_commit_interval_ms);
                true
            }
            CommitMode::Auto => false,
        };
        if commit {
            self.group.commit(member as usize);
            self.trim_logs();
        }
        self.poll(member);
        self.maybe_fetch(member);
    }

    /// enable.auto.commit: commit the positions when auto.commit.interval.ms has passed since the last time.
    fn maybe_auto_commit(&mut self, member: u32) {
        let m = &mut self.group.members[member as usize];
        if self.scenario.consumer_group.commit != CommitMode::Auto || self.now < m.next_auto_commit {
            return;
        }
        m.next_auto_commit = self.now + SimTime::from_millis(self.scenario.consumer_group.auto_commit_interval_ms);
        self.group.commit(member as usize);
        self.trim_logs();
    }

    /// Drops log batches below every group's committed offset from memory: it stays bounded by the lag.
    /// Nothing any replica may still be truncated to is dropped, so the ledger can tell lost from kept.
    fn trim_logs(&mut self) {
        let no_group = self.group.members.is_empty();
        let ledger = &mut self.ledger;
        for part in &mut self.partitions {
            let keep_from = if no_group { part.hw } else { self.group.committed[part.id as usize] };
            let lowest_leo = part.leo.iter().copied().min().unwrap_or(0);
            let p = part.id;
            part.trim_before(keep_from.min(lowest_leo), |b| ledger.trimmed(b.producer, p, b.first_record, b.len()));
        }
    }

    // ----- sampling and the end of the run -----------------------------------------------------------

    fn on_tick(&mut self) {
        let lag = self.group.lag(|p| self.partitions[p as usize].hw);
        self.metrics.lag.record(self.now - SimTime(1), lag as f64);
        let urp = self.partitions.iter().filter(|p| p.isr.len() < p.replicas.len()).count();
        self.metrics.under_replicated.record(self.now - SimTime(1), urp as f64);
        if self.group.members.is_empty() {
            self.trim_logs();
        }
        for p in 0..self.producers.len() as u32 {
            self.drain_producer(p);
        }
        let now = self.now;
        for e in &mut self.engines {
            e.advance_to(now);
        }
        if self.now >= self.produce_until && self.drained() {
            self.finish();
            return;
        }
        self.queue.push(self.now + SimTime::from_millis(self.scenario.run.bucket_ms), Event::Tick);
    }

    /// The end of the run: live consumers close, which commits their positions (KafkaConsumer.close).
    fn finish(&mut self) {
        self.finished = true;
        let now = self.now;
        for e in &mut self.engines {
            e.finish(now);
        }
        if self.group.rebalancing.is_none() {
            for m in 0..self.group.members.len() {
                if self.group.members[m].alive {
                    self.group.commit(m);
                }
            }
        }
        if let Err(e) = self.ledger_summary().check() {
            self.unbalanced = Some(e);
        }
    }

    /// The ledger's accounts now (at the end of the run: where every record ended up).
    pub fn ledger_summary(&self) -> LedgerSummary {
        let in_log = self.partitions.iter().flat_map(|part| {
            part.log
                .iter()
                .filter(|(base, _)| *base < part.log_end)
                .map(move |(_, b)| (b.producer, part.id, b.first_record, b.len()))
        });
        self.ledger.summary(in_log, self.producers.iter().map(|p| p.records_in_flight()).sum())
    }

    /// Producers done and idle, and every live consumer caught up with the log of every online partition.
    pub fn drained(&self) -> bool {
        if !self.producers.iter().all(|p| p.idle()) {
            return false;
        }
        if self.group.members.iter().all(|m| !m.alive) {
            return true;
        }
        self.group.rebalancing.is_none()
            && self.group.members.iter().all(|m| m.busy_until.is_none())
            && self.partitions.iter().all(|part| {
                // Records above the HW become readable once the followers have them: wait for them too,
                // unless the partition is offline.
                part.leader.is_none() || self.group.position[part.id as usize] >= part.log_end
            })
    }
}

impl World {
    /// What an observer sees now: brokers, leaders, ISR, the group's assignment (for diagrams and live views).
    pub fn cluster_state(&self) -> crate::cluster_state::ClusterState {
        use crate::cluster_state::*;
        ClusterState {
            at_ms: self.now.as_millis_f64(),
            brokers: self
                .brokers
                .iter()
                .enumerate()
                .map(|(id, b)| BrokerState { id: id as u32, alive: b.alive })
                .collect(),
            controller: self.brokers.iter().position(|b| b.alive).map(|b| b as u32),
            partitions: self
                .partitions
                .iter()
                .map(|p| PartitionState {
                    id: p.id,
                    replicas: p.replicas.clone(),
                    leader: p.leader,
                    isr: p.isr.iter().map(|&i| p.replicas[i]).collect(),
                    high_watermark: p.hw,
                    log_end_offset: p.log_end,
                })
                .collect(),
            producers: self.producers.len() as u32,
            group: GroupState {
                rebalancing: self.group.rebalancing.is_some(),
                members: self
                    .group
                    .members
                    .iter()
                    .map(|m| MemberState { name: m.name.clone(), alive: m.alive, assigned: m.assigned.clone() })
                    .collect(),
                committed: self.group.committed.clone(),
            },
        }
    }
}
