//! The partition leader: appends produce requests (idempotent sequence checks included), holds acks=all
//! produces in purgatory until the high watermark passes them, and serves consumer fetches up to the HW.
//! Source: ReplicaManager.appendRecords, Partition.appendRecordsToLeader, DelayedProduce, DelayedFetch.

use super::broker::PendingAck;
use super::cluster::{Cluster, HeldRequest, ParkedFetch};
use super::env::{Env, Event, ProduceRequest, ProduceResult};
use super::ids::{BrokerId, ConsumerId, FetchPosition, PartitionId};
use super::{Chunk, ProduceError};
use crate::network::Node;
use crate::scenario::Acks;
use crate::time::SimTime;

impl Cluster {
    pub fn on_produce_arrive(&mut self, env: &mut Env, broker: BrokerId, incarnation: u32, request: ProduceRequest) {
        if self.brokers[broker.index()].incarnation != incarnation || !self.brokers[broker.index()].alive {
            return;
        }
        let ProduceRequest { id, producer, acks, idempotent, batches } = request;
        let n = batches.len();
        // The request's bytes cross the broker's network interface, then the broker pays its fixed cost once
        // for the whole request, whatever the number of batches in it (`bandwidth.rs`).
        let links = &mut self.links[broker.index()];
        let bytes = batches.iter().map(|b| u64::from(b.bytes)).sum();
        let received = links.nic_in.serve(env.now, bytes, SimTime::ZERO);
        let handled = links.disk.serve(received, 0, links.request_overhead);
        self.requests.insert(
            id,
            HeldRequest { producer, broker, acks, idempotent, batches, results: vec![None; n], remaining: n as u32 },
        );
        for slot in 0..n {
            let b = self.requests[&id].batches[slot].clone();
            let part = &self.partitions[b.partition.index()];
            let Some(l) = part.leader_index().filter(|_| part.leader == Some(broker)) else {
                self.finish_slot(env, id, slot as u32, Err(ProduceError::NotLeader));
                continue;
            };
            // Partition.appendRecordsToLeader: acks=all needs |ISR| >= min.insync.replicas.
            if acks == Acks::All && part.isr.len() < self.cfg.min_insync_replicas as usize {
                self.finish_slot(env, id, slot as u32, Err(ProduceError::NotEnoughReplicas));
                continue;
            }
            let written = self.links[broker.index()].disk.serve(handled, u64::from(b.bytes), SimTime::ZERO);
            let done = self.schedule_append(written, b.partition, l);
            // An append without disk time, last of the request and due next, is done in this handler:
            // the same order as its event, one handler call fewer.
            if slot + 1 == n && env.would_hand_off(done) {
                self.on_append_done(env, broker, incarnation, id, slot as u32);
            } else {
                env.at(done, Event::AppendDone { broker, incarnation, request: id, slot: slot as u32 });
            }
        }
    }

    pub fn on_append_done(&mut self, env: &mut Env, broker: BrokerId, incarnation: u32, request: u64, slot: u32) {
        if self.brokers[broker.index()].incarnation != incarnation {
            self.requests.remove(&request);
            return;
        }
        let Some(req) = self.requests.get(&request) else {
            return;
        };
        let b = req.batches[slot as usize].clone();
        let acks = req.acks;
        let idempotent = req.idempotent;
        let part = &mut self.partitions[b.partition.index()];
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
            env.stats.counters.duplicate_batches_rejected += 1;
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

    /// After the leader's LEO or ISR changed: move the HW, complete acks=all produces, wake the consumers
    /// (the group's and the engines').
    pub(super) fn after_leader_progress(&mut self, env: &mut Env, p: PartitionId) {
        if !self.partitions[p.index()].update_hw(self.cfg.min_insync_replicas) {
            return;
        }
        self.complete_produces(env, p);
        if let Some(leader) = self.partitions[p.index()].leader {
            self.wake_consumer_fetchers(env, leader, p);
        }
    }

    /// Answers the acks=all produces the HW has reached.
    fn complete_produces(&mut self, env: &mut Env, p: PartitionId) {
        for a in self.partitions[p.index()].complete_acks() {
            self.finish_slot(env, a.request, a.slot, Ok(()));
        }
    }

    // ----- consumer fetches ---------------------------------------------------------------------------

    /// A consumer fetch reaches the leader: answered at once if there are records past a position, parked
    /// otherwise (fetch.min.bytes = 1) until data arrives or fetch.max.wait.ms passes (DelayedFetch).
    pub fn on_consumer_fetch(
        &mut self,
        env: &mut Env,
        consumer: impl Into<ConsumerId>,
        epoch: u32,
        broker: BrokerId,
        incarnation: u32,
        offsets: Vec<FetchPosition>,
    ) {
        let consumer = consumer.into();
        let b = &self.brokers[broker.index()];
        if b.incarnation != incarnation || !b.alive {
            return; // unanswered; the consumer refetches after the next leader election
        }
        let ready = offsets.iter().any(|f| {
            let part = &self.partitions[f.partition.index()];
            part.leader == Some(broker) && part.hw > f.offset
        });
        if ready {
            self.answer_consumer_fetch(env, consumer, epoch, broker, &offsets);
        } else {
            // fetch.min.bytes = 1: wait until data arrives or fetch.max.wait.ms passes.
            let park = self.next_park();
            let expiry =
                env.at(env.now + self.consumer_fetch_wait, Event::ConsumerFetchExpire { consumer, broker, park });
            self.consumer_parked.insert((broker, consumer), ParkedFetch { park, epoch, offsets, expiry });
        }
    }

    fn wake_consumer_fetchers(&mut self, env: &mut Env, broker: BrokerId, p: PartitionId) {
        // In key order, from the broker's first; answering parks nothing, so the entries after `i` stay
        // where they are.
        let mut i = self.consumer_parked.partition_point(|(b, _)| *b >= broker);
        while let Some(((b, _), f)) = self.consumer_parked.get_index(i) {
            if *b != broker {
                break;
            }
            if !f.offsets.iter().any(|o| o.partition == p) {
                i += 1;
                continue;
            }
            let ((_, consumer), parked) = self.consumer_parked.remove_at(i).expect("listed");
            env.queue.cancel(parked.expiry);
            self.answer_consumer_fetch(env, consumer, parked.epoch, broker, &parked.offsets);
        }
    }

    pub(super) fn answer_consumer_fetch(
        &mut self,
        env: &mut Env,
        consumer: ConsumerId,
        epoch: u32,
        broker: BrokerId,
        offsets: &[FetchPosition],
    ) {
        let (chunks, out_of_range) = self.read_for_consumer(broker, offsets);
        // The response's bytes leave through the broker's network interface (`bandwidth.rs`).
        let bytes = chunks.iter().map(Chunk::bytes).sum();
        let sent = self.links[broker.index()].nic_out.serve(env.now, bytes, SimTime::ZERO);
        env.send_at(
            sent,
            Node::Broker(broker),
            consumer.into(),
            Event::ConsumerFetchResponse { consumer, epoch, broker, chunks, out_of_range },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::ids::{ConsumerId, Offset};
    use crate::kafka::testkit::{
        B0, B1, B2, M0, MS, P0, at, batch, cluster, cluster_appending_in, env, from, ms, request, take,
    };

    /// The produce responses among `events`: (arrival time, request, results).
    fn responses(events: Vec<(SimTime, Event)>) -> Vec<(SimTime, u64, Vec<ProduceResult>)> {
        events
            .into_iter()
            .filter_map(|(t, e)| match e {
                Event::ProduceResponse { request, results, .. } => Some((t, request, results)),
                _ => None,
            })
            .collect()
    }

    /// Appends `request` on leader 0 at `now`: it arrives, its append takes 1 ms, and is done.
    fn append(env: &mut Env, c: &mut Cluster, now: SimTime, request: ProduceRequest) -> Vec<(SimTime, Event)> {
        let id = request.id;
        at(env, now);
        c.on_produce_arrive(env, B0, 0, request);
        let mut events = take(env);
        let done = events.iter().find_map(|(t, e)| matches!(e, Event::AppendDone { .. }).then_some(*t));
        if let Some(done) = done {
            at(env, done);
            c.on_append_done(env, B0, 0, id, 0);
            events.extend(take(env));
        }
        events
    }

    /// Follower `f` fetches from leader 0 at `now`, asking for `offset`.
    fn follower_fetch(env: &mut Env, c: &mut Cluster, now: SimTime, f: BrokerId, offset: u64) -> Vec<(SimTime, Event)> {
        at(env, now);
        c.on_replica_fetch(env, f, B0, 0, from(offset));
        take(env)
    }

    #[test]
    fn acks_all_is_answered_once_the_high_watermark_passes_the_batch() {
        let (mut env, mut c) = (env(1), cluster(2, 1));
        let events = append(&mut env, &mut c, SimTime::ZERO, request(0, Acks::All, vec![batch(0, 0, 0, 10)]));
        assert!(responses(events).is_empty());
        assert_eq!((c.partitions[0].log_end, c.partitions[0].hw), (Offset(10), Offset(0)));
        // HW = the smallest LEO in the ISR {0, 1, 2}: follower 2 still has nothing.
        assert!(responses(follower_fetch(&mut env, &mut c, ms(2), B1, 10)).is_empty());
        assert_eq!(c.partitions[0].hw, Offset(0));
        let answered = responses(follower_fetch(&mut env, &mut c, ms(3), B2, 10));
        assert_eq!(c.partitions[0].hw, Offset(10));
        assert_eq!(answered, vec![(ms(4), 0, vec![Ok(())])]);
    }

    #[test]
    fn acks_1_is_answered_after_the_leaders_append_alone() {
        let (mut env, mut c) = (env(1), cluster(2, 1));
        let events = append(&mut env, &mut c, SimTime::ZERO, request(0, Acks::Leader, vec![batch(0, 0, 0, 10)]));
        assert_eq!(responses(events), vec![(ms(2), 0, vec![Ok(())])]);
        assert_eq!(c.partitions[0].hw, Offset(0));
    }

    #[test]
    fn acks_all_is_refused_before_the_append_when_the_isr_is_below_min_insync_replicas() {
        let (mut env, mut c) = (env(1), cluster(2, 1));
        c.partitions[0].isr = vec![0];
        let events = append(&mut env, &mut c, SimTime::ZERO, request(0, Acks::All, vec![batch(0, 0, 0, 10)]));
        assert_eq!(responses(events), vec![(MS, 0, vec![Err(ProduceError::NotEnoughReplicas)])]);
        assert_eq!(c.partitions[0].log_end, Offset(0));
        // acks=1 does not ask for min.insync.replicas.
        let events = append(&mut env, &mut c, SimTime::ZERO, request(1, Acks::Leader, vec![batch(0, 0, 0, 10)]));
        assert_eq!(responses(events), vec![(ms(2), 1, vec![Ok(())])]);
        assert_eq!(c.partitions[0].log_end, Offset(10));
    }

    /// An ISR that shrinks below min.insync.replicas after the append holds the HW (KAFKA-15583): the
    /// acks=all produce waits, unanswered, until a follower is back in sync.
    #[test]
    fn an_isr_that_shrinks_below_min_insync_after_the_append_holds_the_produce_until_a_follower_returns() {
        let (mut env, mut c) = (env(1), cluster(2, 1));
        append(&mut env, &mut c, SimTime::ZERO, request(0, Acks::All, vec![batch(0, 0, 0, 10)]));
        // replica.lag.time.max.ms = 30 s: at 30 s the followers are still in sync...
        at(&mut env, ms(30_000));
        c.on_isr_check(&mut env, B0);
        assert_eq!(c.partitions[0].isr, vec![0, 1, 2]);
        assert!(responses(take(&mut env)).is_empty());
        // ...1 ms later both leave: an ISR of 1 < 2 holds the HW, and the produce waits.
        at(&mut env, ms(30_001));
        c.on_isr_check(&mut env, B0);
        assert_eq!(c.partitions[0].isr, vec![0]);
        assert_eq!(c.partitions[0].hw, Offset(0));
        assert_eq!(env.stats.counters.isr_shrinks, 2);
        assert!(responses(take(&mut env)).is_empty());
        // A follower fetching the leader's log end is back in sync: the HW moves and the produce succeeds.
        let answered = responses(follower_fetch(&mut env, &mut c, ms(30_010), B1, 10));
        assert_eq!(c.partitions[0].isr, vec![0, 1]);
        assert_eq!(answered, vec![(ms(30_011), 0, vec![Ok(())])]);
    }

    #[test]
    fn a_duplicate_gets_the_original_batchs_offsets_and_waits_for_the_high_watermark_like_it() {
        let (mut env, mut c) = (env(1), cluster(2, 1));
        append(&mut env, &mut c, SimTime::ZERO, request(0, Acks::All, vec![batch(0, 0, 0, 10)]));
        append(&mut env, &mut c, ms(1), request(1, Acks::All, vec![batch(0, 0, 10, 5)]));
        // The retry of sequences 0-9 (request 2) is not appended again: it waits for offset 10, not 15.
        let events = append(&mut env, &mut c, ms(2), request(2, Acks::All, vec![batch(0, 0, 0, 10)]));
        assert!(responses(events).is_empty());
        assert_eq!(env.stats.counters.duplicate_batches_rejected, 1);
        assert_eq!(c.partitions[0].log_end, Offset(15));
        let waits: Vec<(u64, u64)> = c.partitions[0].pending_acks.iter().map(|a| (a.request, a.end_offset.0)).collect();
        assert_eq!(waits, vec![(0, 10), (2, 10), (1, 15)]);
        follower_fetch(&mut env, &mut c, ms(10), B1, 10);
        let answered = responses(follower_fetch(&mut env, &mut c, ms(10), B2, 10));
        assert_eq!(answered, vec![(ms(11), 0, vec![Ok(())]), (ms(11), 2, vec![Ok(())])]);
    }

    #[test]
    fn a_broker_that_does_not_lead_the_partition_answers_not_leader() {
        let (mut env, mut c) = (env(1), cluster(2, 1));
        c.on_produce_arrive(&mut env, B1, 0, request(0, Acks::All, vec![batch(0, 0, 0, 10)]));
        assert_eq!(responses(take(&mut env)), vec![(MS, 0, vec![Err(ProduceError::NotLeader)])]);
    }

    #[test]
    fn a_request_to_an_earlier_life_of_the_broker_goes_unanswered() {
        let (mut env, mut c) = (env(1), cluster(2, 1));
        c.brokers[0].incarnation = 2;
        c.on_produce_arrive(&mut env, B0, 0, request(0, Acks::All, vec![batch(0, 0, 0, 10)]));
        assert!(take(&mut env).is_empty());
        assert_eq!(c.partitions[0].log_end, Offset(0));
    }

    #[test]
    fn a_consumer_fetch_waits_for_the_high_watermark_and_reads_only_below_it() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.on_consumer_fetch(&mut env, M0, 0, B0, 0, from(0));
        // Nothing committed: parked for fetch.max.wait.ms (500 ms).
        let parked: Vec<SimTime> = take(&mut env).into_iter().map(|(t, _)| t).collect();
        assert_eq!(parked, vec![ms(500)]);
        append(&mut env, &mut c, ms(10), request(0, Acks::All, vec![batch(0, 0, 0, 10)]));
        follower_fetch(&mut env, &mut c, ms(20), B1, 6);
        let events = follower_fetch(&mut env, &mut c, ms(20), B2, 6);
        // The HW moved to 6: the parked fetch is answered with offsets 0-5 of the 10-record batch.
        let chunks: Vec<(SimTime, u64, u32, u32)> = events
            .into_iter()
            .filter_map(|(t, e)| match e {
                Event::ConsumerFetchResponse { chunks, .. } => Some((t, chunks)),
                _ => None,
            })
            .flat_map(|(t, cs)| cs.into_iter().map(move |c| (t, c.offset.0, c.from, c.to)))
            .collect();
        assert_eq!(chunks, vec![(ms(21), 0, 0, 6)]);
    }

    #[test]
    fn a_request_of_several_batches_is_answered_once_all_are_decided_and_acks_0_never() {
        let (mut env, mut c) = (env(1), cluster(2, 1));
        c.partitions[0].isr = vec![0, 1];
        let req = |id, acks, seq| request(id, acks, vec![batch(0, 0, seq, 10), batch(0, 0, seq + 10, 5)]);
        // ISR 2 = min.insync.replicas 2: enough.
        c.on_produce_arrive(&mut env, B0, 0, req(0, Acks::Leader, 0));
        assert_eq!(take(&mut env).len(), 2, "two appends");
        c.on_append_done(&mut env, B0, 0, 0, 0);
        assert!(responses(take(&mut env)).is_empty(), "one batch still undecided");
        c.on_append_done(&mut env, B0, 0, 0, 0);
        assert!(responses(take(&mut env)).is_empty(), "a slot decided twice counts once");
        c.on_append_done(&mut env, B0, 0, 0, 1);
        assert_eq!(responses(take(&mut env)), vec![(MS, 0, vec![Ok(()), Ok(())])]);
        c.on_produce_arrive(&mut env, B0, 0, req(2, Acks::None, 15));
        take(&mut env);
        c.on_append_done(&mut env, B0, 0, 2, 0);
        c.on_append_done(&mut env, B0, 0, 2, 1);
        assert!(responses(take(&mut env)).is_empty(), "acks=0: the producer hears nothing");
        assert_eq!((c.partitions[0].log_end, c.requests.len()), (Offset(30), 0));
    }

    /// Without disk time the append of a request's last batch, due next, is done by the produce handler
    /// itself; an earlier batch of the request, or an append behind another event due now, waits for its
    /// own event, so the order stays the queue's.
    #[test]
    fn an_append_without_disk_time_due_next_is_done_in_the_produce_handler() {
        let (mut env, mut c) = (env(1), cluster_appending_in(0.0, 2, 1));
        let appends =
            |events: &[(SimTime, Event)]| events.iter().filter(|(_, e)| matches!(e, Event::AppendDone { .. })).count();
        c.on_produce_arrive(&mut env, B0, 0, request(0, Acks::Leader, vec![batch(0, 0, 0, 10)]));
        assert_eq!(c.partitions[0].log_end, Offset(10), "appended at once");
        let events = take(&mut env);
        assert_eq!((appends(&events), responses(events)), (0, vec![(MS, 0, vec![Ok(())])]));
        // Two batches: the first is handed off, the second waits behind it.
        c.on_produce_arrive(&mut env, B0, 0, request(1, Acks::Leader, vec![batch(0, 0, 10, 5), batch(0, 0, 15, 5)]));
        assert_eq!((c.partitions[0].log_end, appends(&take(&mut env))), (Offset(10), 2));
        // Something else due now comes first.
        env.queue.push(SimTime::ZERO, Event::Tick);
        c.on_produce_arrive(&mut env, B0, 0, request(2, Acks::Leader, vec![batch(0, 1, 0, 1)]));
        assert_eq!((c.partitions[0].log_end, appends(&take(&mut env))), (Offset(10), 1));
    }

    #[test]
    fn an_append_finishing_after_a_restart_or_a_leader_change_writes_nothing() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.on_produce_arrive(&mut env, B0, 0, request(0, Acks::Leader, vec![batch(0, 0, 0, 10)]));
        c.on_produce_arrive(&mut env, B0, 0, request(1, Acks::Leader, vec![batch(0, 0, 0, 10)]));
        take(&mut env);
        c.brokers[0].incarnation = 1;
        c.on_append_done(&mut env, B0, 0, 0, 0);
        assert!(!c.requests.contains_key(&0), "the purgatory of an earlier life is gone");
        c.brokers[0].incarnation = 0;
        c.partitions[0].leader = Some(B1);
        c.on_append_done(&mut env, B0, 0, 1, 0);
        assert_eq!(responses(take(&mut env)), vec![(MS, 1, vec![Err(ProduceError::NotLeader)])]);
        assert_eq!(c.partitions[0].log_end, Offset(0));
    }

    #[test]
    fn a_consumer_fetch_below_the_high_watermark_is_answered_at_once_and_a_dead_broker_is_silent() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.partitions[0].append(batch(0, 0, 0, 10));
        c.partitions[0].hw = Offset(10);
        c.on_consumer_fetch(&mut env, M0, 0, B0, 0, from(9));
        assert!(matches!(
            take(&mut env)[..],
            [(MS, Event::ConsumerFetchResponse { consumer: ConsumerId::Member(M0), .. })]
        ));
        c.on_consumer_fetch(&mut env, M0, 0, B0, 0, from(10));
        assert!(matches!(take(&mut env)[..], [(t, Event::ConsumerFetchExpire { .. })] if t == ms(500)));
        // Broker 1 leads nothing: it waits too; a dead broker or an earlier life answers nothing.
        c.on_consumer_fetch(&mut env, M0, 0, B1, 0, from(0));
        assert_eq!(take(&mut env).len(), 1);
        c.on_consumer_fetch(&mut env, M0, 0, B0, 1, from(0));
        c.brokers[2].alive = false;
        c.on_consumer_fetch(&mut env, M0, 0, B2, 0, from(0));
        assert!(take(&mut env).is_empty());
        // A record reaching the HW wakes only the fetches waiting on its broker for its partition.
        c.partitions[0].append(batch(0, 0, 10, 1));
        c.partitions[0].isr = vec![0];
        c.after_leader_progress(&mut env, P0);
        let woken: Vec<BrokerId> = take(&mut env)
            .into_iter()
            .filter_map(|(_, e)| match e {
                Event::ConsumerFetchResponse { broker, .. } => Some(broker),
                _ => None,
            })
            .collect();
        assert_eq!(woken, vec![B0]);
        assert_eq!(c.consumer_parked.len(), 1, "broker 1's fetch still waits");
    }

    /// With an ISR of the leader alone, an acks=1 append moves the HW at once and wakes a waiting
    /// consumer; a duplicate writes nothing and wakes nobody. acks=all with |ISR| = min.insync.replicas is
    /// accepted.
    #[test]
    fn a_new_append_moves_the_high_watermark_and_wakes_the_fetches_a_duplicate_does_not() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.partitions[0].isr = vec![0];
        c.on_consumer_fetch(&mut env, M0, 0, B0, 0, from(0));
        take(&mut env);
        let events = append(&mut env, &mut c, ms(1), request(0, Acks::Leader, vec![batch(0, 0, 0, 10)]));
        assert_eq!(c.partitions[0].hw, Offset(10));
        assert_eq!(events.iter().filter(|(_, e)| matches!(e, Event::ConsumerFetchResponse { .. })).count(), 1);
        c.on_consumer_fetch(&mut env, M0, 0, B0, 0, from(10));
        take(&mut env);
        let events = append(&mut env, &mut c, ms(5), request(1, Acks::Leader, vec![batch(0, 0, 0, 10)]));
        assert_eq!(events.len(), 2, "the append and its answer: nobody woken");
        assert_eq!(responses(events), vec![(ms(7), 1, vec![Ok(())])]);
        let mut c = cluster(2, 1);
        c.partitions[0].isr = vec![0, 1];
        let events = append(&mut env, &mut c, ms(9), request(2, Acks::All, vec![batch(0, 0, 0, 10)]));
        assert!(responses(events).is_empty(), "appended, waiting for the HW");
        assert_eq!(c.partitions[0].log_end, Offset(10));
    }
}
