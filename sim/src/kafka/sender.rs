//! The producer client as an actor: records arrive, the accumulator batches them, the Sender drains one
//! request per broker, and answers, timeouts and broken connections decide each batch's retry or failure.
//! Source: KafkaProducer.doSend, Sender.sendProducerData / handleProduceResponse, NetworkClient.

use super::cluster::Cluster;
use super::env::{Env, Event, ProduceRequest, ProduceResult};
use super::ids::{BrokerId, PartitionId};
use super::producer::{InFlight, Producer, Retry, Sent};
use super::{BatchRef, ProduceError};
use crate::network::Node;
use crate::scenario::Acks;
use crate::time::SimTime;

impl Producer {
    /// The workload's next record: partition it, append it, arm the linger timer and the next arrival.
    pub fn on_arrival(&mut self, env: &mut Env, cluster: &Cluster, produce_until: SimTime) {
        if env.now >= produce_until {
            self.done_producing = true;
            return;
        }
        let producer = self.id;
        let np = self.queues().len() as u32;
        let (record, keyed) = self.workload.record(env.now, &mut self.rng);
        let partition = match keyed {
            Some(p) => PartitionId(p),
            None => {
                // Counted only when the partitioner switches, not for every record.
                let available = || BrokerId::all(cluster.brokers.len()).map(|b| cluster.led_by(b).len() as u32).sum();
                let has_leader = |p: u32| cluster.partitions[p as usize].leader.is_some();
                PartitionId(self.sticky.partition(np, available, has_leader, &mut self.rng))
            }
        };
        let opened = self.append(partition, record, env.now);
        if keyed.is_none() {
            let full = self.last_batch_full(partition);
            self.sticky.appended(u64::from(self.cfg.record_bytes), full);
        }
        let linger = SimTime::from_millis(self.cfg.linger_ms);
        let next = self.workload.next_arrival(env.now, &mut self.rng);
        env.ledger.produced(1);
        env.stats.produced(env.now);
        if let Some(created) = opened
            && linger > SimTime::ZERO
        {
            env.at(created + linger, Event::Linger { producer, partition, created });
        }
        env.arrival_at(next, producer);
        self.send_ready(env, cluster);
    }

    pub fn on_linger(&mut self, env: &mut Env, cluster: &Cluster, partition: PartitionId, created: SimTime) {
        self.linger_expired(partition, created);
        self.send_ready(env, cluster);
    }

    /// The Sender loop: for every broker, one request with the first ready batch of each partition it leads.
    pub fn send_ready(&mut self, env: &mut Env, cluster: &Cluster) {
        let expired = self.expire(env.now);
        env.ledger.failed(expired);
        // Nothing ready and no epoch bump due: no broker gets a request.
        let brokers = if self.has_flagged() { cluster.brokers.len() } else { 0 };
        for broker in BrokerId::all(brokers) {
            let led = cluster.led_by(broker);
            if led.is_empty() {
                continue;
            }
            let batches = self.drain(broker, led, env.now);
            if batches.is_empty() {
                continue;
            }
            self.send_produce(env, cluster, broker, batches);
        }
        // Batches held back by retry.backoff.ms need a later look.
        if let Some(t) = self.next_retry_time()
            && t > env.now
        {
            env.at(t, Event::Drain { producer: self.id });
        }
    }

    fn send_produce(&mut self, env: &mut Env, cluster: &Cluster, broker: BrokerId, batches: Vec<Sent>) {
        let producer = self.id;
        let id = env.next_request;
        env.next_request += 1;
        let acks = self.cfg.acks;
        let timeout = SimTime::from_millis(self.cfg.request_timeout_ms);
        env.stats.counters.produce_requests += 1;
        env.stats.counters.batches_sent += batches.len() as u64;
        let server_batches: Vec<BatchRef> = batches.iter().map(|s| s.batch.clone()).collect();
        if acks == Acks::None {
            // acks=0: the producer counts the send as done the moment it leaves.
            for sent in &batches {
                self.answered(sent);
                self.ack_batch(env, &sent.batch);
            }
        } else {
            self.in_flight.insert(id, InFlight { broker, batches, deadline: env.now + timeout });
            self.in_flight_per_broker[broker.index()] += 1;
            // One timer per producer, at its oldest request's deadline: the queue does not grow with requests.
            if !self.timeout_armed {
                self.timeout_armed = true;
                env.at(env.now + timeout, Event::RequestTimeouts { producer });
            }
        }
        let request = ProduceRequest { id, producer, acks, idempotent: self.cfg.idempotent(), batches: server_batches };
        let incarnation = cluster.brokers[broker.index()].incarnation;
        env.send(Node::Producer(producer), Node::Broker(broker), Event::ProduceArrive { broker, incarnation, request });
    }

    fn ack_batch(&mut self, env: &mut Env, b: &BatchRef) {
        self.acknowledged(b);
        env.ledger.acked(b.range());
        env.stats.acknowledged(env.now, b);
    }

    pub fn on_produce_response(&mut self, env: &mut Env, cluster: &Cluster, request: u64, results: Vec<ProduceResult>) {
        let Some(inflight) = self.in_flight.remove(&request) else {
            return; // timed out already: Kafka closed the connection, this answer never arrives
        };
        self.in_flight_per_broker[inflight.broker.index()] -= 1;
        for (sent, result) in inflight.batches.into_iter().zip(results) {
            self.answered(&sent);
            match result {
                Ok(()) => self.ack_batch(env, &sent.batch),
                Err(e) => {
                    match e {
                        ProduceError::NotEnoughReplicas => env.stats.counters.not_enough_replicas_errors += 1,
                        ProduceError::OutOfOrderSequence => env.stats.counters.out_of_order_sequence_errors += 1,
                        ProduceError::NotLeader | ProduceError::InvalidProducerEpoch => {}
                    }
                    self.retry_or_fail_at(env, sent, Some(e));
                }
            }
        }
        self.send_ready(env, cluster);
    }

    /// NetworkClient.handleTimedOutRequests: requests unanswered for request.timeout.ms fail and retry.
    pub fn on_request_timeouts(&mut self, env: &mut Env, cluster: &Cluster) {
        let now = env.now;
        let mut timed_out: Vec<BrokerId> =
            self.in_flight.values().take_while(|f| f.deadline <= now).map(|f| f.broker).collect();
        env.stats.counters.request_timeouts += timed_out.len() as u64;
        // A timeout closes the connection (NetworkClient.handleTimedOutRequests).
        timed_out.dedup();
        for broker in timed_out {
            self.disconnect(env, broker);
        }
        match self.in_flight.values().next().map(|f| f.deadline) {
            Some(deadline) => {
                env.at(deadline, Event::RequestTimeouts { producer: self.id });
            }
            None => self.timeout_armed = false,
        }
        self.send_ready(env, cluster);
    }

    /// A closed connection fails every request in flight on it; their batches are retried in sequence order.
    pub fn disconnect(&mut self, env: &mut Env, broker: BrokerId) {
        let cancelled: Vec<u64> =
            self.in_flight.iter().filter(|(_, f)| f.broker == broker).map(|(id, _)| *id).collect();
        for request in cancelled {
            let inflight = self.in_flight.remove(&request).expect("listed");
            self.in_flight_per_broker[broker.index()] -= 1;
            for sent in inflight.batches {
                self.answered(&sent);
                self.retry_or_fail_at(env, sent, None);
            }
        }
    }

    fn retry_or_fail_at(&mut self, env: &mut Env, sent: Sent, error: Option<ProduceError>) {
        match self.retry_or_fail(sent, error, env.now) {
            Retry::Failed(n) => env.ledger.failed(u64::from(n)),
            Retry::At(t) => {
                env.stats.counters.retries += 1;
                env.at(t, Event::Drain { producer: self.id });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::ids::ProducerId;
    use crate::kafka::testkit::{MS, at, cluster, env, ms, take};
    use crate::rng::stream;
    use crate::scenario::ProducerConfig;
    use crate::workload::Record;

    fn producer(acks: Acks) -> Producer {
        let cfg = ProducerConfig { acks, linger_ms: 0, ..ProducerConfig::default() };
        let mut p = Producer::new(ProducerId(0), cfg, 1, 3, stream(1, "producer"), stream(1, "backoff"));
        let r = Record { created: SimTime::ZERO, event_time: SimTime::ZERO, key: 0, value: 1 };
        p.append(PartitionId(0), r, SimTime::ZERO);
        p
    }

    /// A producer whose one record has just been sent to a one-broker cluster: the environment, the
    /// cluster, the producer, and the events the send scheduled.
    fn sent_one(acks: Acks) -> (Env, Cluster, Producer, Vec<(SimTime, Event)>) {
        let (mut env, c) = (env(1), cluster(1, 1));
        let mut p = producer(acks);
        p.send_ready(&mut env, &c);
        let events = take(&mut env);
        (env, c, p, events)
    }

    fn acknowledged(env: &Env) -> u64 {
        env.ledger.summary([], 0).acknowledged
    }

    /// A produce request's arrival, broker, and its batches' (epoch, base sequence).
    type SentRequest = (SimTime, BrokerId, Vec<(u32, u32)>);

    fn sent(events: &[(SimTime, Event)]) -> Vec<SentRequest> {
        events
            .iter()
            .filter_map(|(t, e)| match e {
                Event::ProduceArrive { broker, request, .. } => {
                    Some((*t, *broker, request.batches.iter().map(|b| (b.epoch, b.base_seq)).collect()))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn acks_0_counts_a_batch_acknowledged_the_moment_it_leaves() {
        let (env, _, p, events) = sent_one(Acks::None);
        assert_eq!(events.len(), 1, "no request timeout is armed: {events:?}");
        assert_eq!(sent(&events), vec![(MS, BrokerId(0), vec![(0, 0)])]);
        assert_eq!((acknowledged(&env), env.stats.produce_latency().count()), (1, 1));
        assert!(p.in_flight.is_empty());
    }

    #[test]
    fn acks_all_waits_for_the_answer_and_an_ok_acknowledges_the_batch() {
        let (mut env, c, mut p, events) = sent_one(Acks::All);
        assert_eq!(sent(&events), vec![(MS, BrokerId(0), vec![(0, 0)])]);
        assert!(matches!(events[1], (t, Event::RequestTimeouts { producer: ProducerId(0) }) if t == ms(30_000)));
        assert_eq!((acknowledged(&env), p.in_flight.len()), (0, 1));
        at(&mut env, ms(5));
        p.on_produce_response(&mut env, &c, 0, vec![Ok(())]);
        assert_eq!((acknowledged(&env), p.in_flight.len()), (1, 0));
        assert_eq!(env.stats.produce_latency().max(), ms(5));
    }

    #[test]
    fn a_request_unanswered_for_request_timeout_ms_is_retried_with_the_same_sequence_after_the_backoff() {
        let (mut env, c, mut p, _) = sent_one(Acks::All);
        at(&mut env, ms(30_000));
        p.on_request_timeouts(&mut env, &c);
        assert_eq!((env.stats.counters.request_timeouts, env.stats.counters.retries), (1, 1));
        assert!(p.in_flight.is_empty() && !p.timeout_armed);
        let events = take(&mut env);
        assert!(sent(&events).is_empty(), "held for retry.backoff.ms: {events:?}");
        let drain = events.iter().find_map(|(t, e)| matches!(e, Event::Drain { .. }).then_some(*t)).expect("drain");
        // KIP-580: retry.backoff.ms = 100 with +-20 % jitter.
        assert!(ms(30_080) <= drain && drain <= ms(30_120), "{drain:?}");
        at(&mut env, drain);
        p.send_ready(&mut env, &c);
        assert_eq!(sent(&take(&mut env)), vec![(drain + MS, BrokerId(0), vec![(0, 0)])]);
        assert_eq!(env.stats.counters.produce_requests, 2);
    }

    #[test]
    fn invalid_producer_epoch_fails_the_batch_without_retry() {
        let (mut env, c, mut p, _) = sent_one(Acks::All);
        p.on_produce_response(&mut env, &c, 0, vec![Err(ProduceError::InvalidProducerEpoch)]);
        assert_eq!(env.stats.counters.retries, 0);
        assert_eq!((env.ledger.summary([], 0).failed, p.records_in_flight()), (1, 0));
    }

    /// A producer with nothing appended yet, on the one-partition test cluster.
    fn empty(cfg: ProducerConfig) -> Producer {
        Producer::new(ProducerId(0), cfg, 1, 3, stream(1, "producer"), stream(1, "backoff"))
    }

    fn lingers(events: &[(SimTime, Event)]) -> Vec<(SimTime, SimTime)> {
        events
            .iter()
            .filter_map(|(t, e)| match e {
                Event::Linger { created, .. } => Some((*t, *created)),
                _ => None,
            })
            .collect()
    }

    fn drains(events: &[(SimTime, Event)]) -> Vec<SimTime> {
        events.iter().filter_map(|(t, e)| matches!(e, Event::Drain { .. }).then_some(*t)).collect()
    }

    /// The ids of the produce requests in `events`.
    fn request_ids(events: &[(SimTime, Event)]) -> Vec<u64> {
        events
            .iter()
            .filter_map(|(_, e)| match e {
                Event::ProduceArrive { request, .. } => Some(request.id),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn linger_ms_holds_a_new_batch_until_its_timer_then_the_sender_takes_it_whole() {
        let (mut env, c) = (env(1), cluster(1, 1));
        // linger.ms = 5 (Kafka 4.0 default), batch.size = 16384: two 100-byte records fit one batch.
        let mut p = empty(ProducerConfig::default());
        at(&mut env, ms(10));
        p.on_arrival(&mut env, &c, ms(1_000));
        let events = take(&mut env);
        assert_eq!(lingers(&events), vec![(ms(15), ms(10))], "linger.ms after the batch opened: {events:?}");
        assert!(sent(&events).is_empty(), "the batch waits for linger.ms: {events:?}");
        let next = events.iter().find_map(|(t, e)| matches!(e, Event::Arrival { .. }).then_some(*t)).expect("next");
        assert!(next > ms(10));
        at(&mut env, ms(12));
        p.on_arrival(&mut env, &c, ms(1_000));
        assert!(lingers(&take(&mut env)).is_empty(), "the open batch took the record: no new timer");
        assert_eq!(env.ledger.summary([], 0).produced, 2);
        at(&mut env, ms(15));
        p.on_linger(&mut env, &c, PartitionId(0), ms(10));
        let events = take(&mut env);
        assert_eq!(sent(&events), vec![(ms(16), BrokerId(0), vec![(0, 0)])]);
        let Some((_, Event::ProduceArrive { request, .. })) = events.first() else { panic!("{events:?}") };
        assert_eq!(request.batches[0].len(), 2);
        assert_eq!(env.stats.counters.batches_sent, 1);
    }

    #[test]
    fn with_linger_ms_0_a_record_is_sent_at_once_and_no_timer_is_armed() {
        let (mut env, c) = (env(1), cluster(1, 1));
        let mut p = empty(ProducerConfig { linger_ms: 0, ..ProducerConfig::default() });
        p.on_arrival(&mut env, &c, ms(1_000));
        let events = take(&mut env);
        assert!(lingers(&events).is_empty(), "{events:?}");
        assert_eq!(sent(&events), vec![(MS, BrokerId(0), vec![(0, 0)])]);
    }

    #[test]
    fn arrivals_stop_at_the_end_of_producing() {
        let (mut env, c) = (env(1), cluster(1, 1));
        let mut p = empty(ProducerConfig::default());
        at(&mut env, ms(1_000));
        p.on_arrival(&mut env, &c, ms(1_000));
        assert!(p.done_producing);
        assert!(take(&mut env).is_empty());
        assert_eq!(env.ledger.summary([], 0).produced, 0);
    }

    #[test]
    fn a_full_connection_holds_the_next_batch_until_an_answer_frees_it() {
        let (mut env, c) = (env(1), cluster(1, 1));
        // max.in.flight.requests.per.connection = 1: the second batch waits for the first answer.
        let mut p = empty(ProducerConfig { linger_ms: 0, max_in_flight: 1, ..ProducerConfig::default() });
        p.on_arrival(&mut env, &c, ms(1_000));
        p.on_arrival(&mut env, &c, ms(1_000));
        let events = take(&mut env);
        assert_eq!(request_ids(&events), vec![0], "{events:?}");
        // The held batch waits for an answer, not a timer.
        assert!(drains(&events).is_empty(), "{events:?}");
        at(&mut env, MS);
        p.send_ready(&mut env, &c);
        assert!(take(&mut env).is_empty());
        assert_eq!(p.in_flight[&0].deadline, ms(30_000), "request.timeout.ms = 30000 after the send");
        at(&mut env, ms(5));
        p.on_produce_response(&mut env, &c, 0, vec![Ok(())]);
        let events = take(&mut env);
        assert_eq!(sent(&events), vec![(ms(6), BrokerId(0), vec![(0, 1)])]);
        assert_eq!(request_ids(&events), vec![1]);
        assert_eq!((p.in_flight_per_broker[0], env.stats.counters.produce_requests), (1, 2));
    }

    #[test]
    fn a_closed_connection_retries_every_batch_in_flight_on_it() {
        let (mut env, c) = (env(1), cluster(1, 1));
        let mut p = empty(ProducerConfig { linger_ms: 0, ..ProducerConfig::default() });
        p.on_arrival(&mut env, &c, ms(1_000));
        p.on_arrival(&mut env, &c, ms(1_000));
        assert_eq!(p.in_flight_per_broker[0], 2);
        p.disconnect(&mut env, BrokerId(0));
        assert_eq!((p.in_flight.len(), p.in_flight_per_broker[0]), (0, 0));
        assert_eq!((env.stats.counters.retries, p.records_in_flight()), (2, 2));
    }

    #[test]
    fn each_retriable_error_is_counted_once() {
        for (error, count) in [(ProduceError::NotEnoughReplicas, (1, 0)), (ProduceError::OutOfOrderSequence, (0, 1))] {
            let (mut env, c, mut p, _) = sent_one(Acks::All);
            p.on_produce_response(&mut env, &c, 0, vec![Err(error)]);
            let counters = &env.stats.counters;
            assert_eq!((counters.not_enough_replicas_errors, counters.out_of_order_sequence_errors), count);
            assert_eq!(counters.retries, 1);
        }
    }
}
