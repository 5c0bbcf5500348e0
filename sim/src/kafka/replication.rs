//! Replication: each follower runs one fetcher per leader (num.replica.fetchers = 1) that copies the
//! leader's log; the leader tracks its followers, moves the high watermark and keeps the in-sync replica
//! set (ISR). Source: ReplicaFetcherThread, Partition.updateFollowerFetchState / maybeExpandIsr /
//! maybeShrinkIsr, ReplicaManager's isr-expiration task.

use super::cluster::{Cluster, ParkedFetch};
use super::env::{Env, Event};
use super::ids::{BrokerId, FetchPosition, PartitionId, ReplicaEnd};
use crate::network::Node;
use crate::time::SimTime;

impl Cluster {
    /// ReplicaManager schedules "isr-expiration" every replica.lag.time.max.ms / 2.
    pub fn isr_check_period(&self) -> SimTime {
        SimTime::from_millis((self.cfg.replica_lag_time_max_ms / 2).max(1))
    }

    fn replica_fetch_wait(&self) -> SimTime {
        SimTime::from_millis(self.cfg.replica_fetch_wait_max_ms)
    }

    /// One replica fetcher per (follower, leader) pair, as with num.replica.fetchers = 1.
    pub fn start_fetchers(&mut self, env: &mut Env, follower: BrokerId) {
        for leader in BrokerId::all(self.brokers.len()) {
            if leader != follower {
                let incarnation = self.brokers[follower.index()].incarnation;
                env.at(env.now, Event::ReplicaFetch { follower, leader, incarnation });
            }
        }
    }

    pub fn send_replica_fetch(&mut self, env: &mut Env, follower: BrokerId, leader: BrokerId, incarnation: u32) {
        if self.brokers[follower.index()].incarnation != incarnation || !self.brokers[follower.index()].alive {
            return;
        }
        // The leader's partitions (in id order, kept with every change of leader), not every partition.
        let offsets: Vec<FetchPosition> = (self.led_by(leader).iter())
            .filter_map(|&p| {
                let part = &self.partitions[p.index()];
                part.replica_index(follower).map(|i| FetchPosition { partition: p, offset: part.leo[i] })
            })
            .collect();
        if offsets.is_empty() {
            // Nothing to follow on this leader now; look again after a fetch wait.
            env.at(env.now + self.replica_fetch_wait(), Event::ReplicaFetch { follower, leader, incarnation });
            return;
        }
        let linc = self.brokers[leader.index()].incarnation;
        let fetch = Event::ReplicaFetchArrive { follower, leader, incarnation: linc, offsets };
        env.send(Node::Broker(follower), Node::Broker(leader), fetch);
    }

    /// The leader receives a follower's fetch: it learns the follower's LEO, may take it back into the
    /// ISR and move the HW, then answers at once if there is data, else parks the fetch.
    pub fn on_replica_fetch(
        &mut self,
        env: &mut Env,
        follower: BrokerId,
        leader: BrokerId,
        incarnation: u32,
        offsets: Vec<FetchPosition>,
    ) {
        if self.brokers[leader.index()].incarnation != incarnation || !self.brokers[leader.index()].alive {
            // The follower's request goes unanswered; it tries again after replica.fetch.wait.max.ms.
            let finc = self.brokers[follower.index()].incarnation;
            env.at(env.now + self.replica_fetch_wait(), Event::ReplicaFetch { follower, leader, incarnation: finc });
            return;
        }
        let now = env.now;
        let lag_max = SimTime::from_millis(self.cfg.replica_lag_time_max_ms);
        let mut has_data = false;
        // Every partition the follower fetches, each round trip: with fetch sessions (KIP-227) the request
        // lists only the changed ones, but the leader still reads and updates every partition of the
        // session (FetchSession.scala, IncrementalFetchContext.foreachPartition).
        for &FetchPosition { partition: p, offset } in &offsets {
            let part = &mut self.partitions[p.index()];
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
                env.stats.counters.isr_expands += 1;
            }
            has_data |= part.log_end > offset;
            self.after_leader_progress(env, p);
        }
        if has_data {
            self.answer_replica_fetch(env, follower, leader, &offsets);
        } else {
            let park = self.next_park();
            let expiry =
                env.at(env.now + self.replica_fetch_wait(), Event::ReplicaFetchExpire { follower, leader, park });
            self.replica_parked.insert((leader, follower), ParkedFetch { park, epoch: 0, offsets, expiry });
        }
    }

    /// Answers a parked follower fetch whose replica.fetch.wait.max.ms passed, if it still waits.
    pub fn on_replica_fetch_expire(&mut self, env: &mut Env, follower: BrokerId, leader: BrokerId, park: u64) {
        if self.replica_parked.get(&(leader, follower)).is_some_and(|p| p.park == park) {
            let parked = self.replica_parked.remove(&(leader, follower)).expect("checked");
            self.answer_replica_fetch(env, follower, leader, &parked.offsets);
        }
    }

    pub(super) fn wake_replica_fetchers(&mut self, env: &mut Env, leader: BrokerId, p: PartitionId) {
        let followers: Vec<BrokerId> =
            self.partitions[p.index()].replicas.iter().copied().filter(|&b| b != leader).collect();
        for f in followers {
            if let Some(parked) = self.replica_parked.remove(&(leader, f)) {
                env.queue.cancel(parked.expiry);
                self.answer_replica_fetch(env, f, leader, &parked.offsets);
            }
        }
    }

    fn answer_replica_fetch(&mut self, env: &mut Env, follower: BrokerId, leader: BrokerId, offsets: &[FetchPosition]) {
        let mut bytes = 0;
        let counted = !self.links[leader.index()].nic_out.is_unlimited();
        let ends: Vec<ReplicaEnd> = offsets
            .iter()
            .filter(|f| self.partitions[f.partition.index()].leader == Some(leader))
            .map(|f| {
                let part = &self.partitions[f.partition.index()];
                if counted {
                    bytes += part.bytes_between(f.offset, part.log_end);
                }
                ReplicaEnd { partition: part.id, leader_epoch: part.leader_epoch, log_end: part.log_end }
            })
            .collect();
        let incarnation = self.brokers[follower.index()].incarnation;
        let response = Event::ReplicaFetchResponse { follower, incarnation, leader, ends };
        // The copied batches leave through the leader's network interface (`bandwidth.rs`).
        let sent = self.links[leader.index()].nic_out.serve(env.now, bytes, SimTime::ZERO);
        env.send_at(sent, Node::Broker(leader), Node::Broker(follower), response);
    }

    /// The follower appends what it got on each replica's FIFO log server; it fetches again when done.
    pub fn on_replica_fetch_response(
        &mut self,
        env: &mut Env,
        follower: BrokerId,
        incarnation: u32,
        leader: BrokerId,
        ends: Vec<ReplicaEnd>,
    ) {
        if self.brokers[follower.index()].incarnation != incarnation || !self.brokers[follower.index()].alive {
            return;
        }
        let mut next = env.now;
        for ReplicaEnd { partition: p, leader_epoch: epoch, log_end: end } in ends {
            let part = &self.partitions[p.index()];
            let Some(i) = part.replica_index(follower) else {
                continue;
            };
            // Data from an earlier leader epoch is fenced: the log it described may have been truncated
            // since (KIP-101, KIP-320).
            if part.leader_epoch != epoch {
                continue;
            }
            let end = end.min(part.log_end);
            if end > part.leo[i] {
                // The batches come in through the follower's network interface and go to its disk.
                let links = &mut self.links[follower.index()];
                let unlimited = links.nic_in.is_unlimited() && links.disk.is_unlimited();
                let bytes = if unlimited { 0 } else { part.bytes_between(part.leo[i], end) };
                let received = links.nic_in.serve(env.now, bytes, SimTime::ZERO);
                let written = links.disk.serve(received, bytes, SimTime::ZERO);
                let done = self.schedule_append(written, p, i);
                self.partitions[p.index()].leo[i] = end;
                next = next.max(done);
            }
        }
        env.at(next, Event::ReplicaFetch { follower, leader, incarnation });
    }

    /// The leader's isr-expiration task: followers not caught up for replica.lag.time.max.ms leave the ISR.
    pub fn on_isr_check(&mut self, env: &mut Env, broker: BrokerId) {
        env.at(env.now + self.isr_check_period(), Event::IsrCheck { broker });
        if !self.brokers[broker.index()].alive {
            return;
        }
        let now = env.now;
        let lag_max = SimTime::from_millis(self.cfg.replica_lag_time_max_ms);
        for p in PartitionId::all(self.partitions.len()) {
            let part = &mut self.partitions[p.index()];
            if part.leader != Some(broker) {
                continue;
            }
            let l = part.leader_index().expect("leader hosts a replica");
            let before = part.isr.len();
            let (followers, end) = (&part.followers, part.log_end);
            // Partition.maybeShrinkIsr: out of sync when not caught up for replica.lag.time.max.ms; one
            // that has the leader's whole log is caught up however long ago it fetched (Replica.isCaughtUp).
            part.isr.retain(|&i| {
                i == l || followers[i].fetched_leo >= end || now.saturating_sub(followers[i].last_caught_up) <= lag_max
            });
            if part.isr.len() < before {
                env.stats.counters.isr_shrinks += (before - part.isr.len()) as u64;
                self.after_leader_progress(env, p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::ids::Offset;
    use crate::kafka::testkit::{B0, B1, B2, MS, P0, at, batch, cluster, env, from, ms, take};

    #[test]
    fn a_follower_rejoins_the_isr_once_it_fetches_from_the_high_watermark() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.partitions[0].isr = vec![0, 1];
        c.partitions[0].append(batch(0, 0, 0, 10));
        c.on_replica_fetch(&mut env, B1, B0, 0, from(10));
        assert_eq!(c.partitions[0].hw, Offset(10));
        // Fetching from offset 5 < HW 10: still out of sync.
        c.on_replica_fetch(&mut env, B2, B0, 0, from(5));
        assert_eq!((c.partitions[0].isr.clone(), env.stats.counters.isr_expands), (vec![0, 1], 0));
        c.on_replica_fetch(&mut env, B2, B0, 0, from(10));
        assert_eq!((c.partitions[0].isr.clone(), env.stats.counters.isr_expands), (vec![0, 1, 2], 1));
    }

    #[test]
    fn a_follower_leaves_the_isr_when_not_caught_up_for_replica_lag_time_max_ms_but_the_leader_stays() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.partitions[0].append(batch(0, 0, 0, 10));
        at(&mut env, ms(20_000));
        c.on_replica_fetch(&mut env, B1, B0, 0, from(10));
        c.partitions[0].append(batch(0, 0, 10, 5));
        at(&mut env, ms(50_000));
        c.on_isr_check(&mut env, B0);
        // Follower 1 caught up 30 s ago (= replica.lag.time.max.ms): it stays; follower 2 never did.
        assert_eq!((c.partitions[0].isr.clone(), env.stats.counters.isr_shrinks), (vec![0, 1], 1));
        at(&mut env, ms(50_001));
        c.on_isr_check(&mut env, B0);
        assert_eq!((c.partitions[0].isr.clone(), env.stats.counters.isr_shrinks), (vec![0], 2));
        // The next check is replica.lag.time.max.ms / 2 later.
        let next: Vec<SimTime> = take(&mut env).into_iter().map(|(t, _)| t).collect();
        assert!(next.contains(&ms(65_001)), "{next:?}");
    }

    /// Replica.isCaughtUp: a follower holding the leader's whole log is in sync however long ago it fetched.
    #[test]
    fn a_follower_with_the_leaders_whole_log_stays_in_the_isr() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.partitions[0].append(batch(0, 0, 0, 10));
        at(&mut env, ms(1_000));
        c.on_replica_fetch(&mut env, B1, B0, 0, from(10));
        at(&mut env, ms(60_000));
        c.on_isr_check(&mut env, B0);
        assert_eq!(c.partitions[0].isr, vec![0, 1], "follower 2 never fetched");
    }

    #[test]
    fn a_fetch_with_nothing_new_waits_and_is_answered_when_the_leader_appends() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.on_replica_fetch(&mut env, B1, B0, 0, from(0));
        let parked = take(&mut env);
        assert!(
            matches!(parked[..], [(t, Event::ReplicaFetchExpire { follower: B1, leader: B0, .. })] if t == ms(500))
        );
        at(&mut env, ms(3));
        c.partitions[0].append(batch(0, 0, 0, 10));
        c.wake_replica_fetchers(&mut env, B0, P0);
        let answer = take(&mut env);
        assert!(
            matches!(&answer[..], [(t, Event::ReplicaFetchResponse { follower: B1, ends, .. })] if *t == ms(4) && ends == &vec![ReplicaEnd { partition: P0, leader_epoch: 0, log_end: Offset(10) }]),
            "{answer:?}"
        );
    }

    #[test]
    fn a_follower_copies_the_leaders_log_but_discards_an_answer_from_an_earlier_leader_epoch() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.partitions[0].append(batch(0, 0, 0, 10));
        c.partitions[0].leader_epoch = 1;
        // Broker 1's answer from broker 0: partition 0's log ends at 10 in `leader_epoch`.
        let answer = |c: &mut Cluster, env: &mut Env, leader_epoch| {
            c.on_replica_fetch_response(
                env,
                B1,
                0,
                B0,
                vec![ReplicaEnd { partition: P0, leader_epoch, log_end: Offset(10) }],
            )
        };
        answer(&mut c, &mut env, 0);
        assert_eq!(c.partitions[0].leo[1], Offset(0));
        assert!(matches!(take(&mut env)[..], [(SimTime::ZERO, Event::ReplicaFetch { follower: B1, leader: B0, .. })]));
        answer(&mut c, &mut env, 1);
        assert_eq!(c.partitions[0].leo[1], Offset(10));
        // The next fetch goes out once the follower's 1 ms append is done.
        assert!(matches!(take(&mut env)[..], [(MS, Event::ReplicaFetch { follower: B1, leader: B0, .. })]));
    }

    /// The events' times and kinds, without their payloads.
    fn kinds(events: Vec<(SimTime, Event)>) -> Vec<(SimTime, String)> {
        events.into_iter().map(|(t, e)| (t, format!("{e:?}").split([' ', '{']).next().unwrap().to_string())).collect()
    }

    #[test]
    fn a_follower_runs_one_fetcher_per_other_broker_and_asks_each_leader_from_its_own_leo() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.start_fetchers(&mut env, B1);
        let leaders: Vec<BrokerId> = take(&mut env)
            .into_iter()
            .filter_map(|(_, e)| match e {
                Event::ReplicaFetch { follower: B1, leader, incarnation: 0 } => Some(leader),
                _ => None,
            })
            .collect();
        assert_eq!(leaders, vec![B0, B2]);
        c.partitions[0].leo[1] = Offset(7);
        c.send_replica_fetch(&mut env, B1, B0, 0);
        let sent = take(&mut env);
        assert!(
            matches!(&sent[..], [(MS, Event::ReplicaFetchArrive { follower: B1, leader: B0, offsets, .. })] if offsets == &from(7)),
            "{sent:?}"
        );
        // Broker 2 leads nothing: the fetcher looks again after replica.fetch.wait.max.ms (500 ms).
        c.send_replica_fetch(&mut env, B1, B2, 0);
        assert_eq!(kinds(take(&mut env)), vec![(ms(500), "ReplicaFetch".to_string())]);
        // A fetcher of an earlier life, or of a dead broker, stops.
        c.send_replica_fetch(&mut env, B1, B0, 1);
        c.brokers[1].alive = false;
        c.send_replica_fetch(&mut env, B1, B0, 0);
        assert!(take(&mut env).is_empty());
    }

    #[test]
    fn a_fetch_to_a_dead_leader_goes_unanswered_and_the_follower_asks_again_after_the_wait() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.partitions[0].append(batch(0, 0, 0, 10));
        c.brokers[0].alive = false;
        at(&mut env, ms(3));
        c.on_replica_fetch(&mut env, B1, B0, 0, from(0));
        let retry = take(&mut env);
        assert!(
            matches!(retry[..], [(t, Event::ReplicaFetch { follower: B1, leader: B0, incarnation: 0 })] if t == ms(503))
        );
        c.brokers[0].alive = true;
        c.on_replica_fetch(&mut env, B1, B0, 1, from(0));
        assert_eq!(kinds(take(&mut env)), vec![(ms(503), "ReplicaFetch".to_string())], "an earlier life's fetch");
        assert_eq!(c.partitions[0].followers[1].fetched_leo, Offset(0));
    }

    #[test]
    fn the_leader_answers_at_once_while_the_follower_lacks_data_and_parks_it_at_the_log_end() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.partitions[0].append(batch(0, 0, 0, 10));
        c.on_replica_fetch(&mut env, B1, B0, 0, from(9));
        assert_eq!(kinds(take(&mut env)), vec![(MS, "ReplicaFetchResponse".to_string())]);
        c.on_replica_fetch(&mut env, B1, B0, 0, from(10));
        assert_eq!(kinds(take(&mut env)), vec![(ms(500), "ReplicaFetchExpire".to_string())]);
        // Only the fetch still parked is answered when its wait ends.
        at(&mut env, ms(500));
        c.on_replica_fetch_expire(&mut env, B1, B0, 1);
        assert!(take(&mut env).is_empty());
        c.on_replica_fetch_expire(&mut env, B1, B0, 0);
        assert_eq!(kinds(take(&mut env)), vec![(ms(501), "ReplicaFetchResponse".to_string())]);
    }

    #[test]
    fn a_follower_appends_only_what_it_lacks_up_to_the_leaders_log_end() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.partitions[0].append(batch(0, 0, 0, 10));
        c.partitions[0].leo[1] = Offset(10);
        let end = |log_end| vec![ReplicaEnd { partition: P0, leader_epoch: 0, log_end: Offset(log_end) }];
        c.on_replica_fetch_response(&mut env, B1, 0, B0, end(10));
        assert_eq!(kinds(take(&mut env)), vec![(SimTime::ZERO, "ReplicaFetch".to_string())], "nothing to append");
        c.on_replica_fetch_response(&mut env, B2, 0, B0, end(12));
        assert_eq!(c.partitions[0].leo[2], Offset(10), "never past the log end");
        assert_eq!(kinds(take(&mut env)), vec![(MS, "ReplicaFetch".to_string())]);
        c.brokers[2].alive = false;
        c.partitions[0].leo[2] = Offset(0);
        c.on_replica_fetch_response(&mut env, B2, 0, B0, end(10));
        c.on_replica_fetch_response(&mut env, B1, 1, B0, end(10));
        assert_eq!((c.partitions[0].leo[2], take(&mut env).len()), (Offset(0), 0), "a dead or earlier life ignores it");
    }

    #[test]
    fn a_dead_leaders_isr_check_only_schedules_the_next() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.brokers[0].alive = false;
        at(&mut env, ms(60_000));
        c.on_isr_check(&mut env, B0);
        assert_eq!(c.partitions[0].isr, vec![0, 1, 2]);
        assert_eq!(kinds(take(&mut env)), vec![(ms(75_000), "IsrCheck".to_string())]);
        // A broker checks only the partitions it leads.
        c.brokers[0].alive = true;
        c.on_isr_check(&mut env, B1);
        assert_eq!(c.partitions[0].isr, vec![0, 1, 2]);
    }

    /// A follower's copy comes in through its network interface and goes to its disk, each a limit of its
    /// own: at 1 MB/s on either one alone, the 1000 bytes of offsets 0-9 take 1 ms before the 1 ms append,
    /// and the next fetch goes out when the append is done.
    #[test]
    fn a_followers_copy_pays_its_network_interface_and_its_disk_each_limited_alone() {
        for (network_bytes_per_s, disk_bytes_per_s) in [(1_000_000, 0), (0, 1_000_000)] {
            let (mut env, mut c) = (env(1), cluster(1, 1));
            let cfg = crate::scenario::ClusterConfig { network_bytes_per_s, disk_bytes_per_s, ..c.cfg.clone() };
            c.links[1] = crate::kafka::bandwidth::BrokerLinks::new(&cfg);
            c.partitions[0].append(batch(0, 0, 0, 10));
            let ends = vec![ReplicaEnd { partition: P0, leader_epoch: 0, log_end: Offset(10) }];
            c.on_replica_fetch_response(&mut env, B1, 0, B0, ends);
            let next = kinds(take(&mut env));
            assert_eq!(
                next,
                vec![(ms(2), "ReplicaFetch".to_string())],
                "{network_bytes_per_s} B/s, {disk_bytes_per_s} B/s"
            );
        }
    }

    /// The copied batches leave through the leader's network interface: at 1 MB/s, the 1000 bytes of
    /// offsets 0-9 take 1 ms before the 1 ms network delay.
    #[test]
    fn a_fetch_answer_waits_for_the_leaders_network_interface_to_send_the_copied_bytes() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        let cfg = crate::scenario::ClusterConfig { network_bytes_per_s: 1_000_000, ..c.cfg.clone() };
        c.links[0] = crate::kafka::bandwidth::BrokerLinks::new(&cfg);
        c.partitions[0].append(batch(0, 0, 0, 10));
        c.on_replica_fetch(&mut env, B1, B0, 0, from(0));
        assert_eq!(kinds(take(&mut env)), vec![(ms(2), "ReplicaFetchResponse".to_string())]);
    }
}
