//! The partition leader: appends produce requests (idempotent sequence checks included), holds acks=all
//! produces in purgatory until the high watermark passes them, and serves consumer fetches up to the HW.
//! Source: ReplicaManager.appendRecords, Partition.appendRecordsToLeader, DelayedProduce, DelayedFetch.

use super::ProduceError;
use super::broker::PendingAck;
use super::cluster::{Cluster, HeldRequest, ParkedFetch};
use super::env::{Env, Event, ProduceRequest, ProduceResult};
use crate::network::Node;
use crate::scenario::Acks;

impl Cluster {
    pub fn on_produce_arrive(&mut self, env: &mut Env, broker: u32, incarnation: u32, request: ProduceRequest) {
        if self.brokers[broker as usize].incarnation != incarnation || !self.brokers[broker as usize].alive {
            return;
        }
        let ProduceRequest { id, producer, acks, idempotent, batches } = request;
        let n = batches.len();
        self.requests.insert(
            id,
            HeldRequest { producer, broker, acks, idempotent, batches, results: vec![None; n], remaining: n as u32 },
        );
        for slot in 0..n {
            let b = self.requests[&id].batches[slot].clone();
            let part = &self.partitions[b.partition as usize];
            let Some(l) = part.leader_index().filter(|_| part.leader == Some(broker)) else {
                self.finish_slot(env, id, slot as u32, Err(ProduceError::NotLeader));
                continue;
            };
            // Partition.appendRecordsToLeader: acks=all needs |ISR| >= min.insync.replicas.
            if acks == Acks::All && part.isr.len() < self.cfg.min_insync_replicas as usize {
                self.finish_slot(env, id, slot as u32, Err(ProduceError::NotEnoughReplicas));
                continue;
            }
            let done = self.schedule_append(env.now, b.partition, l);
            env.at(done, Event::AppendDone { broker, incarnation, request: id, slot: slot as u32 });
        }
    }

    pub fn on_append_done(&mut self, env: &mut Env, broker: u32, incarnation: u32, request: u64, slot: u32) {
        if self.brokers[broker as usize].incarnation != incarnation {
            self.requests.remove(&request);
            return;
        }
        let Some(req) = self.requests.get(&request) else {
            return;
        };
        let b = req.batches[slot as usize].clone();
        let acks = req.acks;
        let idempotent = req.idempotent;
        let part = &mut self.partitions[b.partition as usize];
        if part.leader != Some(broker) {
            self.finish_slot(env, request, slot, Err(ProduceError::NotLeader));
            return;
        }
        let p = part.id;
        let appended = match part.append_as_leader(b, idempotent) {
            Ok(a) => a,
            Err(e) => {
                self.finish_slot(env, request, slot, Err(e));
                return;
            }
        };
        if appended.duplicate {
            env.counters.duplicate_batches_rejected += 1;
        }
        if acks == Acks::All {
            // ReplicaManager: a duplicate waits for the original batch's offsets like a new append.
            part.await_hw(PendingAck { end_offset: appended.end_offset, request, slot });
            self.complete_produces(env, p);
        } else {
            self.finish_slot(env, request, slot, Ok(()));
        }
        if !appended.duplicate {
            self.after_leader_progress(env, p);
            self.wake_replica_fetchers(env, broker, p);
        }
    }

    /// Records one batch's result; answers the producer when the whole request is decided.
    fn finish_slot(&mut self, env: &mut Env, request: u64, slot: u32, result: ProduceResult) {
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
        let producer = req.producer;
        env.send(
            Node::Broker(req.broker),
            Node::Producer(producer),
            Event::ProduceResponse { producer, request, results },
        );
    }

    /// After the leader's LEO or ISR changed: move the HW, complete acks=all produces, wake consumers.
    pub(super) fn after_leader_progress(&mut self, env: &mut Env, p: u32) {
        if !self.partitions[p as usize].update_hw() {
            return;
        }
        self.complete_produces(env, p);
        if let Some(leader) = self.partitions[p as usize].leader {
            self.wake_consumer_fetchers(env, leader, p);
        }
    }

    /// Answers the acks=all produces the HW has reached (or, once the ISR shrank below
    /// min.insync.replicas, fails them with NOT_ENOUGH_REPLICAS_AFTER_APPEND).
    fn complete_produces(&mut self, env: &mut Env, p: u32) {
        let min_insync = self.cfg.min_insync_replicas;
        for (a, result) in self.partitions[p as usize].complete_acks(min_insync) {
            self.finish_slot(env, a.request, a.slot, result);
        }
    }

    // ----- consumer fetches ---------------------------------------------------------------------------

    pub fn on_consumer_fetch(
        &mut self,
        env: &mut Env,
        member: u32,
        epoch: u32,
        broker: u32,
        incarnation: u32,
        offsets: Vec<(u32, u64)>,
    ) {
        let b = &self.brokers[broker as usize];
        if b.incarnation != incarnation || !b.alive {
            return; // unanswered; the consumer refetches after the next leader election
        }
        let ready = offsets.iter().any(|&(p, off)| {
            let part = &self.partitions[p as usize];
            part.leader == Some(broker) && part.hw > off
        });
        if ready {
            self.answer_consumer_fetch(env, member, epoch, broker, &offsets);
        } else {
            // fetch.min.bytes = 1: wait until data arrives or fetch.max.wait.ms passes.
            let park = self.next_park();
            self.consumer_parked.insert((broker, member), ParkedFetch { park, epoch, offsets });
            env.at(env.now + self.consumer_fetch_wait, Event::ConsumerFetchExpire { member, broker, park });
        }
    }

    fn wake_consumer_fetchers(&mut self, env: &mut Env, broker: u32, p: u32) {
        let waiting: Vec<u32> = self
            .consumer_parked
            .iter()
            .filter(|((b, _), f)| *b == broker && f.offsets.iter().any(|(q, _)| *q == p))
            .map(|((_, m), _)| *m)
            .collect();
        for member in waiting {
            let parked = self.consumer_parked.remove(&(broker, member)).expect("listed");
            self.answer_consumer_fetch(env, member, parked.epoch, broker, &parked.offsets);
        }
    }

    pub(super) fn answer_consumer_fetch(
        &mut self,
        env: &mut Env,
        member: u32,
        epoch: u32,
        broker: u32,
        offsets: &[(u32, u64)],
    ) {
        let chunks = self.read_for_consumer(broker, offsets);
        env.send(
            Node::Broker(broker),
            Node::Member(member),
            Event::ConsumerFetchResponse { member, epoch, broker, chunks },
        );
    }
}
