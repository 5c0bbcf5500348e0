//! The controller: it notices a crashed broker when its session times out, fences it (out of every ISR)
//! and elects new leaders; a returning broker brings offline partitions back.
//! Source: KRaft's QuorumController / ReplicationControlManager, PartitionChangeBuilder,
//! PartitionLeaderElectionAlgorithms.

use super::cluster::Cluster;
use super::env::{Env, Event};
use super::ids::{BrokerId, Offset, PartitionId};
use crate::time::SimTime;

/// A partition got a new leader whose log ends at `log_end`: the clients must look for it, and consumers
/// past that end go back to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elected {
    pub partition: PartitionId,
    pub log_end: Offset,
}

impl Cluster {
    /// The broker process dies: its purgatory with it; the controller notices after
    /// broker.session.timeout.ms.
    pub fn crash(&mut self, env: &mut Env, broker: BrokerId) {
        let b = &mut self.brokers[broker.index()];
        if !b.alive {
            return;
        }
        b.alive = false;
        b.incarnation += 1;
        let incarnation = b.incarnation;
        // A follower whose fetch waited in the dead leader's purgatory gets no answer: like one whose fetch
        // reaches a dead leader (`on_replica_fetch`), it asks again after replica.fetch.wait.max.ms.
        let orphaned: Vec<BrokerId> =
            self.replica_parked.keys().filter(|(l, _)| *l == broker).map(|(_, f)| *f).collect();
        self.replica_parked.retain(|(l, f), _| *l != broker && *f != broker);
        for follower in orphaned {
            let incarnation = self.brokers[follower.index()].incarnation;
            let retry = env.now + SimTime::from_millis(self.cfg.replica_fetch_wait_max_ms);
            env.at(retry, Event::ReplicaFetch { follower, leader: broker, incarnation });
        }
        self.consumer_parked.retain(|(b, _), _| *b != broker);
        for part in &mut self.partitions {
            if part.leader == Some(broker) {
                part.pending_acks.clear(); // the purgatory dies with the process
            }
        }
        let detect = SimTime::from_millis(self.cfg.broker_session_timeout_ms);
        env.at(env.now + detect, Event::ControllerFence { broker, incarnation });
    }

    /// The broker process starts again, with its log; false if it was running.
    pub fn restart(&mut self, broker: BrokerId) -> bool {
        let b = &mut self.brokers[broker.index()];
        if b.alive {
            return false;
        }
        b.alive = true;
        b.incarnation += 1;
        true
    }

    /// Whether the controller's session timer for this life of `broker` finds it still dead.
    pub fn session_expired(&self, broker: BrokerId, incarnation: u32) -> bool {
        let b = &self.brokers[broker.index()];
        b.incarnation == incarnation && !b.alive
    }

    /// Fences `broker` from partition `p`: it leaves the ISR, or, if it led, a new leader is elected.
    pub fn fence(&mut self, env: &mut Env, broker: BrokerId, p: PartitionId) -> Option<Elected> {
        let part = &mut self.partitions[p.index()];
        let i = part.replica_index(broker)?;
        if part.leader == Some(broker) {
            return self.elect(env, p);
        }
        if part.isr.contains(&i) && part.isr.len() > 1 {
            // The ISR never becomes empty: its last member stays, to lead again when it returns.
            part.isr.retain(|&x| x != i);
            env.stats.counters.isr_shrinks += 1;
            self.after_leader_progress(env, p);
        }
        None
    }

    /// Leader election (the controller's PartitionLeaderElectionAlgorithms): the first live replica in
    /// assignment order that is in the ISR; else, with unclean.leader.election.enable, the first live
    /// replica; else the partition goes offline.
    pub fn elect(&mut self, env: &mut Env, p: PartitionId) -> Option<Elected> {
        let alive: Vec<bool> = self.brokers.iter().map(|b| b.alive).collect();
        let unclean_ok = self.cfg.unclean_leader_election;
        let part = &mut self.partitions[p.index()];
        let old_leader = part.leader_index();
        let live = |i: &usize| alive[part.replicas[*i].index()];
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
        part.leader_epoch += 1;
        let Some((i, unclean)) = choice else {
            if part.leader.is_some() {
                env.stats.counters.offline_partition_events += 1;
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
            return None;
        };
        env.stats.counters.leader_elections += 1;
        if unclean {
            env.stats.counters.unclean_leader_elections += 1;
        }
        part.leader = Some(part.replicas[i]);
        self.update_leadership();
        let part = &mut self.partitions[p.index()];
        // Every replica truncates to the new leader's log end (KIP-101 leader epochs).
        let new_end = part.leo[i];
        env.stats.counters.records_truncated += new_end.distance_to(part.log_end);
        part.truncate(new_end);
        part.isr = if unclean { vec![i] } else { isr_live };
        let now = env.now;
        for f in &mut part.followers {
            f.last_caught_up = now;
        }
        // Followers' positions as the new leader first knows them.
        let leos = part.leo.clone();
        for (idx, f) in part.followers.iter_mut().enumerate() {
            f.fetched_leo = leos[idx];
        }
        self.after_leader_progress(env, p);
        Some(Elected { partition: p, log_end: new_end })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::broker::PendingAck;
    use crate::kafka::testkit::{B0, B1, B2, M0, P0, batch, cluster, env, from, ms, take};

    #[test]
    fn a_crashed_broker_is_fenced_after_broker_session_timeout_ms() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.crash(&mut env, B0);
        assert!(
            matches!(take(&mut env)[..], [(t, Event::ControllerFence { broker: B0, incarnation: 1 })] if t == ms(9_000))
        );
        assert!(c.session_expired(B0, 1));
        assert!(c.restart(B0));
        assert!(!c.session_expired(B0, 1));
    }

    #[test]
    fn a_clean_election_takes_the_first_live_isr_replica_and_truncates_every_log_to_its_end() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.partitions[0].append(batch(0, 0, 0, 6));
        c.partitions[0].append(batch(0, 0, 6, 4));
        c.partitions[0].leo = vec![Offset(10), Offset(6), Offset(10)];
        c.brokers[0].alive = false;
        assert_eq!(c.fence(&mut env, B0, P0), Some(Elected { partition: P0, log_end: Offset(6) }));
        let p = &c.partitions[0];
        assert_eq!((p.leader, p.leader_epoch, p.isr.clone()), (Some(B1), 1, vec![1, 2]));
        assert_eq!((p.log_end, p.leo.clone(), p.hw), (Offset(6), vec![Offset(6); 3], Offset(6)));
        assert_eq!((env.stats.counters.leader_elections, env.stats.counters.records_truncated), (1, 4));
        assert_eq!(c.led_by(B1), &[P0]);
        assert!(c.led_by(B0).is_empty());
    }

    #[test]
    fn the_last_isr_member_stays_in_the_isr_and_leads_again_when_it_returns() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.partitions[0].isr = vec![0];
        c.brokers[0].alive = false;
        assert_eq!(c.fence(&mut env, B0, P0), None);
        let p = &c.partitions[0];
        assert_eq!((p.leader, p.isr.clone()), (None, vec![0]));
        assert_eq!((env.stats.counters.offline_partition_events, env.stats.counters.leader_elections), (1, 0));
        assert!(c.restart(B0));
        assert_eq!(c.elect(&mut env, P0), Some(Elected { partition: P0, log_end: Offset(0) }));
        assert_eq!(c.partitions[0].leader, Some(B0));
    }

    #[test]
    fn an_unclean_election_takes_a_live_replica_outside_the_isr_and_loses_what_it_lacks() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.cfg.unclean_leader_election = true;
        c.partitions[0].append(batch(0, 0, 0, 4));
        c.partitions[0].append(batch(0, 0, 4, 6));
        c.partitions[0].isr = vec![0];
        c.partitions[0].leo = vec![Offset(10), Offset(4), Offset(0)];
        c.brokers[0].alive = false;
        assert_eq!(c.fence(&mut env, B0, P0), Some(Elected { partition: P0, log_end: Offset(4) }));
        assert_eq!((c.partitions[0].leader, c.partitions[0].isr.clone()), (Some(B1), vec![1]));
        assert_eq!((env.stats.counters.unclean_leader_elections, env.stats.counters.records_truncated), (1, 6));
        // Broker 1 dies too: the first live replica is broker 2.
        c.brokers[1].alive = false;
        assert_eq!(c.fence(&mut env, B1, P0), Some(Elected { partition: P0, log_end: Offset(0) }));
        assert_eq!((c.partitions[0].leader, c.partitions[0].isr.clone()), (Some(B2), vec![2]));
    }

    #[test]
    fn fencing_a_follower_removes_it_from_the_isr_unless_it_is_the_last_member() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.brokers[2].alive = false;
        assert_eq!(c.fence(&mut env, B2, P0), None);
        assert_eq!((c.partitions[0].isr.clone(), env.stats.counters.isr_shrinks), (vec![0, 1], 1));
        c.partitions[0].isr = vec![1];
        c.brokers[1].alive = false;
        assert_eq!(c.fence(&mut env, B1, P0), None);
        assert_eq!(c.partitions[0].isr, vec![1]);
    }

    #[test]
    fn a_crash_drops_the_brokers_waiting_fetches_and_its_purgatory_once_and_its_followers_ask_again() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.on_replica_fetch(&mut env, B1, B0, 0, from(0));
        c.on_replica_fetch(&mut env, B2, B0, 0, from(0));
        c.on_consumer_fetch(&mut env, M0, 0, B0, 0, from(0));
        c.partitions[0].await_hw(PendingAck { end_offset: Offset(5), request: 0, slot: 0 });
        take(&mut env);
        c.crash(&mut env, B2);
        let parked: Vec<(BrokerId, BrokerId)> = c.replica_parked.keys().copied().collect();
        assert_eq!((parked, c.consumer_parked.len()), (vec![(B0, B1)], 1));
        assert_eq!(c.partitions[0].pending_acks.len(), 1, "broker 2 leads nothing");
        c.crash(&mut env, B2);
        assert_eq!((c.brokers[2].incarnation, take(&mut env).len()), (1, 1), "one fencing timer, one crash");
        c.crash(&mut env, B0);
        assert!(c.replica_parked.is_empty() && c.consumer_parked.is_empty());
        // Broker 1's fetch waited at broker 0: it asks again after replica.fetch.wait.max.ms.
        let refetch: Vec<SimTime> = take(&mut env)
            .into_iter()
            .filter_map(|(t, e)| matches!(e, Event::ReplicaFetch { follower: B1, leader: B0, .. }).then_some(t))
            .collect();
        assert_eq!(refetch, vec![SimTime::from_millis(c.cfg.replica_fetch_wait_max_ms)]);
        assert!(c.partitions[0].pending_acks.is_empty());
        assert!(c.restart(B2));
        assert!(!c.restart(B2), "already running");
        assert_eq!(c.brokers[2].incarnation, 2);
        assert!(!c.session_expired(B2, 2), "alive");
    }

    #[test]
    fn a_failed_election_leaves_the_partition_offline_without_its_fenced_leader_in_the_isr() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.partitions[0].isr = vec![0, 1];
        c.partitions[0].await_hw(PendingAck { end_offset: Offset(5), request: 0, slot: 0 });
        c.brokers[0].alive = false;
        c.brokers[1].alive = false;
        // Broker 2 is alive but out of the ISR, and unclean.leader.election.enable is false.
        assert_eq!(c.fence(&mut env, B0, P0), None);
        let p = &c.partitions[0];
        assert_eq!((p.leader, p.leader_epoch, p.isr.clone(), p.pending_acks.len()), (None, 1, vec![1], 0));
        assert_eq!(env.stats.counters.offline_partition_events, 1);
        assert!(c.led_by(B0).is_empty());
        // Another election while offline counts no second offline event.
        assert_eq!(c.elect(&mut env, P0), None);
        assert_eq!((env.stats.counters.offline_partition_events, c.partitions[0].leader_epoch), (1, 2));
        assert_eq!(c.fence(&mut env, BrokerId(3), P0), None, "not a replica of the partition");
    }

    #[test]
    fn a_new_leader_counts_its_followers_caught_up_from_the_election() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.partitions[0].append(batch(0, 0, 0, 10));
        c.partitions[0].leo = vec![Offset(10), Offset(10), Offset(4)];
        env.now = ms(7);
        c.brokers[0].alive = false;
        c.fence(&mut env, B0, P0);
        let f = &c.partitions[0].followers;
        assert_eq!(
            f.iter().map(|f| (f.last_caught_up, f.fetched_leo)).collect::<Vec<_>>(),
            vec![(ms(7), Offset(10)), (ms(7), Offset(10)), (ms(7), Offset(4))]
        );
        assert_eq!(c.partitions[0].hw, Offset(4), "the smallest LEO in the new ISR {{1, 2}}");
    }
}
