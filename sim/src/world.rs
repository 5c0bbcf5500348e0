//! The simulated world: one clock, one event queue, one network, one seed. It routes each event to the
//! actor it is for and carries the effects one actor has on another; the actors' rules live in
//! `kafka::{sender, leader, replication, controller, consumer, coordinator}`.
//!
//! ```text
//!  producers --ProduceRequest--> leader replica --append--> log --fetch--> followers
//!      ^                              |  HW = min LEO(ISR)          |
//!      +------ ProduceResponse -------+ (acks=all waits for HW)   consumers (up to HW) --> ledger
//! ```

use crate::engine::Engine;
use crate::engine::batch::BatchEngine;
use crate::engine::flink::FlinkEngine;
use crate::engine::source::EngineConsumer;
use crate::engine::spark::SparkEngine;
use crate::kafka::broker::Partition;
use crate::kafka::cluster::Cluster;
use crate::kafka::consumer::Consumers;
use crate::kafka::consumer_group::{Group, Member};
use crate::kafka::controller::Elected;
use crate::kafka::coordinator::RebalanceBegun;
use crate::kafka::env::{Env, Event};
use crate::kafka::ids::{BrokerId, ConsumerId, EngineId, MemberId, PartitionId, ProducerId};
use crate::kafka::producer::Producer;
use crate::ledger::{Ledger, LedgerSummary, Unbalanced};
use crate::network::Network;
use crate::rng::stream;
use crate::scenario::{EngineKind, Fault, Scenario};
use crate::stats::{KafkaCounters, Stats};
use crate::time::SimTime;
use rand::RngExt;
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

pub struct World {
    pub scenario: Scenario,
    env: Env,
    /// Events taken from the queue; each step may hand off to further handlers (`handoffs`).
    events: u64,
    handoffs: u64,
    pub producers: Vec<Producer>,
    pub cluster: Cluster,
    pub consumers: Consumers,
    produce_until: SimTime,
    deadline: SimTime,
    finished: bool,
    /// Set when the ledger did not balance at the end of the run.
    unbalanced: Option<Unbalanced>,
    /// The ledger's accounts at the end of the run, taken once: auditing every batch still in the logs
    /// is the costliest step of a short run.
    final_ledger: Option<LedgerSummary>,
    /// The engines, each reading the topic as a consumer group of its own (`readers`, one per engine).
    pub engines: Vec<Box<dyn Engine>>,
    readers: Vec<EngineConsumer>,
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
                producers.push(Producer::new(ProducerId(id), cfg.clone(), np, b, rng, backoff_rng));
            }
        }
        // Replica placement as Kafka's AdminUtils without racks: partition p's replicas start at
        // broker p % brokers and follow consecutively (the random start index is fixed to 0 here).
        let partitions = (0..np)
            .map(|p| {
                Partition::new(PartitionId(p), (0..rf).map(|r| BrokerId((p + r) % b)).collect(), producers.len() as u32)
            })
            .collect();
        let min_record_bytes = producers.iter().map(|p| p.cfg.record_bytes).min().unwrap_or(100);
        let cluster = Cluster::new(
            s.cluster.clone(),
            partitions,
            SimTime::from_millis(s.consumer_group.fetch_max_wait_ms),
            min_record_bytes,
            stream(seed, "disk"),
        );
        let mut group_rng = stream(seed, "consumer-group");
        let hb = SimTime::from_millis(s.consumer_group.heartbeat_interval_ms);
        let members = (0..s.consumer_group.members)
            .map(|i| Member::new(format!("consumer-{i}"), b, SimTime(group_rng.random_range(0..hb.0))))
            .collect();
        let group = Group::new(s.topic.name.clone(), np, s.consumer_group.assignor, members);
        let consumers = Consumers::new(s.consumer_group.clone(), group, stream(seed, "consumer-processing"));
        let produce_until = SimTime::from_millis(s.run.duration_ms);
        let nodes = (producers.len() as u32, b, s.consumer_group.members);
        // Streams named by engine kind: an engine's numbers do not depend on which others run beside it.
        let engine_kinds = if s.pipeline.is_some() { &s.engines[..] } else { &[] };
        let engine_rngs = engine_kinds.iter().map(|k| stream(seed, &format!("engine-{k:?}-network"))).collect();
        let net = Network::new(s.cluster.network_delay.sampler(), stream(seed, "network"), engine_rngs, nodes);
        let deadline = produce_until + SimTime::from_millis(s.run.drain_ms);
        let series = (SimTime::from_millis(s.run.bucket_ms), deadline);
        let env = Env::new(net, Ledger::new(producers.len() as u32, np), series);
        let mut engines: Vec<Box<dyn Engine>> = Vec::new();
        if let Some(pipe) = &s.pipeline {
            for &kind in engine_kinds {
                let rng = stream(seed, &format!("engine-{kind:?}"));
                engines.push(match kind {
                    EngineKind::Flink => {
                        Box::new(FlinkEngine::new(s.flink.clone(), pipe.clone(), &s.topic, rng, false))
                    }
                    EngineKind::Spark => Box::new(SparkEngine::new(s.spark.clone(), pipe.clone(), rng, false)),
                    EngineKind::Batch => Box::new(BatchEngine::new(s.batch.clone(), pipe.clone(), rng, false)),
                });
            }
        }
        let mut w = World {
            env,
            events: 0,
            handoffs: 0,
            producers,
            cluster,
            consumers,
            produce_until,
            deadline,
            finished: false,
            unbalanced: None,
            final_ledger: None,
            readers: vec![EngineConsumer::default(); engines.len()],
            engines,
            scenario: s,
        };
        w.start();
        w
    }

    fn start(&mut self) {
        let env = &mut self.env;
        for pr in &mut self.producers {
            let first = pr.workload.next_arrival(SimTime::ZERO, &mut pr.rng);
            env.arrival_at(first, pr.id);
        }
        for f in BrokerId::all(self.cluster.brokers.len()) {
            self.cluster.start_fetchers(env, f);
            env.at(self.cluster.isr_check_period(), Event::IsrCheck { broker: f });
        }
        for (index, fault) in self.scenario.faults.iter().enumerate() {
            env.at(SimTime::from_millis(fault.at_ms()), Event::Fault { index });
        }
        for (i, (reader, e)) in self.readers.iter_mut().zip(&self.engines).enumerate() {
            reader.start(e.as_ref(), env, &self.cluster, EngineId(i as u32));
        }
        let begun = self.consumers.start(env);
        self.after_rebalance_begun(begun);
        self.env.at(SimTime::from_millis(self.scenario.run.bucket_ms), Event::Tick);
        let every = SimTime::from_millis(self.scenario.cluster.log_retention_check_interval_ms);
        self.env.at(every, Event::RetentionCheck);
    }

    pub fn now(&self) -> SimTime {
        self.env.now
    }

    pub fn events_processed(&self) -> u64 {
        self.events
    }

    /// Handlers called in the steps of `events_processed` besides the first: events handed off.
    pub fn handoffs(&self) -> u64 {
        self.handoffs
    }

    /// The events among them that were due at the instant they were scheduled (a hop without delay):
    /// they went through the queue's FIFO lane, never its heap.
    pub fn same_instant_events(&self) -> u64 {
        self.env.queue.lane_pops()
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// What the run observed so far: latencies, time series, counters.
    pub fn stats(&self) -> &Stats {
        &self.env.stats
    }

    /// The cluster's counters, with the producers' epoch bumps (KIP-360) they keep themselves.
    pub fn kafka_counters(&self) -> KafkaCounters {
        KafkaCounters {
            producer_epoch_bumps: self.producers.iter().map(|p| p.epoch_bumps).sum(),
            ..self.env.stats.counters.clone()
        }
    }

    /// Consumer lag, as kafka-consumer-groups reports it per partition (high watermark minus committed offset),
    /// summed; a partition never committed on counts from offset 0, and a commit past the log end counts 0.
    pub fn consumer_lag(&self) -> u64 {
        self.consumers.group.lag(|p| self.cluster.hw(p))
    }

    /// Processes every event up to and including `t` (or until the run ends).
    pub fn run_until(&mut self, t: SimTime) -> Result<(), SimError> {
        let max = self.scenario.run.max_events;
        while !self.finished {
            match self.env.queue.peek_time() {
                Some(next) if next <= t && next <= self.deadline => {
                    self.events += 1;
                    // A producer's next arrival is handled from its number, without making the event.
                    if let Some((time, producer)) = self.env.queue.pop_recurring() {
                        self.env.now = time;
                        self.within(max)?;
                        self.arrival(ProducerId(producer));
                    } else {
                        let (time, event) = self.env.queue.pop().expect("peeked");
                        self.env.now = time;
                        self.handle_within(event, max)?;
                    }
                    // What it sent for now with nothing due before (a message without delay, an append
                    // without disk time) is handled in the same step, as the queue would have next.
                    while !self.finished
                        && let Some(event) = self.env.queue.pop_handoff()
                    {
                        self.handoffs += 1;
                        self.handle_within(event, max)?;
                    }
                }
                Some(next) if next <= t => {
                    self.env.now = self.deadline;
                    self.finish();
                }
                Some(_) => {
                    self.env.now = self.env.now.max(t);
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

    /// Handles `event` unless the run's handler calls, hand-offs included, pass `max` (run.max_events).
    fn handle_within(&mut self, event: Event, max: u64) -> Result<(), SimError> {
        self.within(max)?;
        self.handle(event);
        Ok(())
    }

    /// The run's handler calls, hand-offs included, are at most `max` (run.max_events).
    fn within(&self, max: u64) -> Result<(), SimError> {
        if self.events + self.handoffs > max {
            return Err(SimError::EventLimit(max, self.env.now));
        }
        Ok(())
    }

    /// Runs to the end: producers stop at run.duration_ms, then consumers drain (at most run.drain_ms).
    pub fn run(&mut self) -> Result<(), SimError> {
        self.run_until(SimTime::MAX)
    }

    // ----- routing -----------------------------------------------------------------------------------

    fn arrival(&mut self, producer: ProducerId) {
        self.producers[producer.index()].on_arrival(&mut self.env, &self.cluster, self.produce_until)
    }

    fn handle(&mut self, event: Event) {
        let env = &mut self.env;
        let cluster = &mut self.cluster;
        match event {
            Event::Arrival { producer } => self.arrival(producer),
            Event::Linger { producer, partition, created } => {
                self.producers[producer.index()].on_linger(env, cluster, partition, created)
            }
            Event::Drain { producer } => self.producers[producer.index()].send_ready(env, cluster),
            Event::ProduceArrive { broker, incarnation, request } => {
                cluster.on_produce_arrive(env, broker, incarnation, request)
            }
            Event::AppendDone { broker, incarnation, request, slot } => {
                cluster.on_append_done(env, broker, incarnation, request, slot)
            }
            Event::ProduceResponse { producer, request, results } => {
                self.producers[producer.index()].on_produce_response(env, cluster, request, results)
            }
            Event::RequestTimeouts { producer } => self.producers[producer.index()].on_request_timeouts(env, cluster),
            Event::ReplicaFetch { follower, leader, incarnation } => {
                cluster.send_replica_fetch(env, follower, leader, incarnation)
            }
            Event::ReplicaFetchArrive { follower, leader, incarnation, offsets } => {
                cluster.on_replica_fetch(env, follower, leader, incarnation, offsets)
            }
            Event::ReplicaFetchExpire { follower, leader, park } => {
                cluster.on_replica_fetch_expire(env, follower, leader, park)
            }
            Event::ReplicaFetchResponse { follower, incarnation, leader, ends } => {
                cluster.on_replica_fetch_response(env, follower, incarnation, leader, ends)
            }
            Event::ConsumerFetchArrive { consumer, epoch, broker, incarnation, offsets } => {
                cluster.on_consumer_fetch(env, consumer, epoch, broker, incarnation, offsets)
            }
            Event::ConsumerFetchExpire { consumer, broker, park } => {
                cluster.on_consumer_fetch_expire(env, consumer, broker, park)
            }
            Event::ConsumerFetchResponse {
                consumer: ConsumerId::Member(member),
                epoch,
                broker,
                chunks,
                out_of_range,
            } => self.consumers.on_fetch_response(env, cluster, (member, epoch, broker), (chunks, &out_of_range)),
            Event::ConsumerFetchResponse { consumer: ConsumerId::Engine(id), epoch, broker, chunks, out_of_range } => {
                let engine = self.engines[id.index()].as_mut();
                let answer = (chunks, &out_of_range[..]);
                self.readers[id.index()].on_fetch_response(engine, (env, cluster), (id, epoch, broker), answer)
            }
            Event::PollDone { member, epoch } => self.consumers.on_poll_done(env, cluster, member, epoch),
            Event::RebalanceDone { id } => self.consumers.on_rebalance_done(env, cluster, id),
            Event::MemberExpired { member, epoch } => {
                let begun = self.consumers.on_member_expired(env, member, epoch);
                self.after_rebalance_begun(begun);
            }
            Event::IsrCheck { broker } => cluster.on_isr_check(env, broker),
            Event::ControllerFence { broker, incarnation } => self.on_controller_fence(broker, incarnation),
            Event::Fault { index } => self.on_fault(index),
            Event::EngineResume { engine } => {
                let id = EngineId(engine as u32);
                self.readers[engine].resume_fetching(self.engines[engine].as_mut(), env, cluster, id)
            }
            Event::EngineWake { engine } => {
                let id = EngineId(engine as u32);
                self.readers[engine].wake(self.engines[engine].as_mut(), env, cluster, id)
            }
            Event::RetentionCheck => {
                cluster.apply_retention(env.now, &self.scenario.topic, &mut env.ledger);
                let every = SimTime::from_millis(self.scenario.cluster.log_retention_check_interval_ms);
                env.at(env.now + every, Event::RetentionCheck);
            }
            Event::Tick => self.on_tick(),
        }
    }

    /// The controller fences a broker that missed its session, partition by partition; each election's
    /// clients learn of it before the next partition is handled.
    fn on_controller_fence(&mut self, broker: BrokerId, incarnation: u32) {
        if !self.cluster.session_expired(broker, incarnation) {
            return;
        }
        for p in PartitionId::all(self.cluster.partitions.len()) {
            if let Some(e) = self.cluster.fence(&mut self.env, broker, p) {
                self.after_election(e);
            }
        }
    }

    fn after_rebalance_begun(&mut self, begun: RebalanceBegun) {
        if begun.0 {
            self.cluster.drop_consumer_fetches();
        }
    }

    /// Clients learn a partition's new leader from a metadata refresh: consumers go back to its log end
    /// and fetch again, producers send what they hold for it.
    fn after_election(&mut self, e: Elected) {
        self.consumers.on_new_leader(&mut self.env, &self.cluster, e);
        for (i, reader) in self.readers.iter_mut().enumerate() {
            reader.truncated(e.partition, e.log_end);
            reader.refetch(&mut self.env, &self.cluster, EngineId(i as u32), None);
        }
        for pr in &mut self.producers {
            pr.send_ready(&mut self.env, &self.cluster);
        }
    }

    fn on_fault(&mut self, index: usize) {
        let env = &mut self.env;
        match self.scenario.faults[index].clone() {
            Fault::BrokerCrash { broker, .. } => self.cluster.crash(env, BrokerId(broker)),
            Fault::BrokerRestart { broker, .. } => {
                let broker = BrokerId(broker);
                if !self.cluster.restart(broker) {
                    return;
                }
                // A returning broker is a follower everywhere; offline partitions it can lead come back.
                for p in PartitionId::all(self.cluster.partitions.len()) {
                    if self.cluster.partitions[p.index()].leader.is_none()
                        && let Some(e) = self.cluster.elect(&mut self.env, p)
                    {
                        self.after_election(e);
                    }
                }
                let env = &mut self.env;
                self.cluster.start_fetchers(env, broker);
                // Requests to the dead process went unanswered; the clients' connections to it broke, so
                // they fail them and send again to the new process (NetworkClient reconnects).
                for pr in &mut self.producers {
                    pr.disconnect(env, broker);
                }
                self.consumers.on_broker_restart(env, &self.cluster, broker);
                for (i, reader) in self.readers.iter_mut().enumerate() {
                    reader.refetch(env, &self.cluster, EngineId(i as u32), Some(broker));
                }
            }
            Fault::ConsumerCrash { member, .. } => self.consumers.crash(env, MemberId(member)),
            Fault::ConsumerRestart { member, .. } => {
                let begun = self.consumers.restart(env, MemberId(member));
                self.after_rebalance_begun(begun);
            }
            Fault::EngineFailure { engine, .. } => {
                for (i, &kind) in self.scenario.engines.iter().enumerate() {
                    if kind == engine {
                        // A trigger due at this instant has started: the failure finds its batch running.
                        let id = EngineId(i as u32);
                        self.readers[i].wake(self.engines[i].as_mut(), env, &self.cluster, id);
                        self.readers[i].fail(self.engines[i].as_mut(), env.now);
                        if let Some(at) = self.readers[i].resumes_at() {
                            env.at(at, Event::EngineResume { engine: i });
                        }
                    }
                }
            }
            Fault::NetworkSpike { at_ms, duration_ms, extra_ms, scope } => {
                let start = SimTime::from_millis(at_ms);
                let end = start + SimTime::from_millis(duration_ms);
                env.net.add_spike(start, end, SimTime::from_millis_f64(extra_ms), scope);
            }
        }
    }

    // ----- sampling and the end of the run -----------------------------------------------------------

    fn on_tick(&mut self) {
        let now = self.env.now;
        // The sample belongs to the bucket that ends now.
        let (lag, urp) = (self.consumer_lag(), self.cluster.under_replicated());
        self.env.stats.sample(now - SimTime(1), lag, urp);
        for pr in &mut self.producers {
            pr.send_ready(&mut self.env, &self.cluster);
        }
        // Each engine's input ends once it has read everything produced, whatever the others still read: a
        // batch job starting its run does not hold back the end of a stream engine's input.
        let produced = self.producers_done();
        for (reader, e) in self.readers.iter_mut().zip(&mut self.engines) {
            if reader.ended() {
                continue;
            }
            e.advance_to(now);
            if produced && reader.caught_up(&self.cluster) {
                reader.finish(e.as_mut(), &self.cluster, now);
            }
        }
        if self.drained() {
            self.finish();
            return;
        }
        self.env.at(now + SimTime::from_millis(self.scenario.run.bucket_ms), Event::Tick);
    }

    /// The end of the run: live consumers close, which commits their positions (KafkaConsumer.close).
    fn finish(&mut self) {
        self.finished = true;
        let now = self.env.now;
        for (reader, e) in self.readers.iter_mut().zip(&mut self.engines) {
            reader.finish(e.as_mut(), &self.cluster, now);
        }
        self.consumers.close();
        let ledger = self.ledger_summary();
        if let Err(e) = ledger.check() {
            self.unbalanced = Some(e);
        }
        self.final_ledger = Some(ledger);
    }

    /// The ledger's accounts now (at the end of the run: where every record ended up).
    pub fn ledger_summary(&self) -> LedgerSummary {
        if let Some(ledger) = &self.final_ledger {
            return ledger.clone();
        }
        let in_flight = self.producers.iter().map(|p| p.records_in_flight()).sum();
        self.env.ledger.summary(self.cluster.batches_in_logs(), in_flight)
    }

    /// The producers have stopped (run.duration_ms has passed) and have nothing left to send.
    fn producers_done(&self) -> bool {
        self.env.now >= self.produce_until && self.producers.iter().all(|p| p.idle())
    }

    /// Producers done, and every live consumer and every engine caught up with the log of every online
    /// partition.
    pub fn drained(&self) -> bool {
        self.producers_done()
            && self.consumers.caught_up(&self.cluster)
            && self.readers.iter().all(|r| r.caught_up(&self.cluster))
    }

    /// What an observer sees now: brokers, leaders, ISR, the group's assignment (for diagrams and live views).
    pub fn cluster_state(&self) -> crate::cluster_state::ClusterState {
        use crate::cluster_state::*;
        let group = &self.consumers.group;
        ClusterState {
            at_ms: self.env.now.as_millis_f64(),
            brokers: self
                .cluster
                .brokers
                .iter()
                .enumerate()
                .map(|(id, b)| BrokerState { id: id as u32, alive: b.alive })
                .collect(),
            controller: self.cluster.brokers.iter().position(|b| b.alive).map(|b| b as u32),
            partitions: self
                .cluster
                .partitions
                .iter()
                .map(|p| PartitionState {
                    id: p.id.0,
                    replicas: p.replicas.iter().map(|b| b.0).collect(),
                    leader: p.leader.map(|b| b.0),
                    isr: p.isr.iter().map(|&i| p.replicas[i].0).collect(),
                    high_watermark: p.hw.0,
                    log_end_offset: p.log_end.0,
                })
                .collect(),
            producers: self.producers.len() as u32,
            group: GroupState {
                rebalancing: group.rebalancing.is_some(),
                members: group
                    .members
                    .iter()
                    .map(|m| MemberState {
                        name: m.name.clone(),
                        alive: m.alive,
                        assigned: m.assigned.iter().map(|p| p.0).collect(),
                    })
                    .collect(),
                committed: group.committed.iter().map(|o| o.0).collect(),
            },
        }
    }
}
