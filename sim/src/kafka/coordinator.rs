//! The group coordinator: heartbeats, session timeouts and the eager rebalance (JoinGroup, SyncGroup,
//! assignment). Source: GroupCoordinator (classic protocol), AbstractCoordinator, ConsumerCoordinator.

use super::cluster::Cluster;
use super::consumer::Consumers;
use super::env::{Env, Event};
use super::ids::{BrokerId, MemberId};
use crate::network::Node;
use crate::time::SimTime;

/// Whether the handler began a rebalance (the brokers then drop the members' waiting fetches).
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RebalanceBegun(pub bool);

impl Consumers {
    fn heartbeat_interval(&self) -> SimTime {
        SimTime::from_millis(self.cfg.heartbeat_interval_ms)
    }

    /// The first rebalance of a new group, after group.initial.rebalance.delay.ms (the coordinator waits
    /// for more members).
    pub fn start(&mut self, env: &mut Env) -> RebalanceBegun {
        if self.group.members.is_empty() {
            return RebalanceBegun(false);
        }
        let delay = SimTime::from_millis(self.cfg.initial_rebalance_delay_ms);
        self.begin_rebalance_at(env, delay, false)
    }

    /// Starts a rebalance that the coordinator begins at `at`. Members of a stable group learn of it from
    /// their next heartbeat (`via_heartbeat`); a new group's members are already joining.
    fn begin_rebalance_at(&mut self, env: &mut Env, at: SimTime, via_heartbeat: bool) -> RebalanceBegun {
        let id = self.group.next_rebalance_id;
        self.group.next_rebalance_id += 1;
        if self.group.rebalancing.is_none() {
            self.group.rebalance_started = env.now;
        }
        self.group.rebalancing = Some(id);
        // Eager protocol: members stop fetching; buffered, unprocessed records are dropped.
        for m in &mut self.group.members {
            m.buffer.clear();
        }
        // Every live member rejoins at its next heartbeat, once its running poll is done.
        let hb = self.heartbeat_interval();
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
        let rtt = env.net.round_trip();
        env.at(join + rtt + rtt, Event::RebalanceDone { id });
        RebalanceBegun(true)
    }

    pub fn on_rebalance_done(&mut self, env: &mut Env, cluster: &Cluster, id: u64) {
        if self.group.rebalancing != Some(id) {
            return;
        }
        // onPartitionsRevoked: members commit what they processed before giving partitions up.
        self.commit_live();
        self.group.rebalancing = None;
        env.stats.counters.rebalances += 1;
        env.stats.counters.rebalance_pause_ms_total += (env.now - self.group.rebalance_started).as_millis_f64();
        self.group.install_assignment();
        let commit_every = SimTime::from_millis(self.cfg.auto_commit_interval_ms);
        for m in MemberId::all(self.group.members.len()) {
            self.group.members[m.index()].next_auto_commit = env.now + commit_every;
            self.maybe_fetch(env, cluster, m);
        }
    }

    /// The coordinator expires a member that missed its session; the group rebalances without it.
    pub fn on_member_expired(&mut self, env: &mut Env, member: MemberId, epoch: u32) -> RebalanceBegun {
        let m = &self.group.members[member.index()];
        if m.alive || m.epoch != epoch {
            return RebalanceBegun(false);
        }
        self.begin_rebalance_at(env, env.now, true)
    }

    /// The member's process dies: its buffered and in-process records and its positions with it.
    pub fn crash(&mut self, env: &mut Env, member: MemberId) {
        let hb = self.heartbeat_interval();
        let session = SimTime::from_millis(self.cfg.session_timeout_ms);
        let m = &mut self.group.members[member.index()];
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
            self.group.position[p.index()] = self.group.committed[p.index()];
        }
        let m = &self.group.members[member.index()];
        let epoch = m.epoch;
        // The coordinator expires the member session.timeout.ms after its last heartbeat.
        let expire = m.last_heartbeat(env.now, hb) + session;
        env.at(expire.max(env.now), Event::MemberExpired { member, epoch });
    }

    /// The member starts again and joins the group (its JoinGroup reaches the coordinator on broker 0).
    pub fn restart(&mut self, env: &mut Env, member: MemberId) -> RebalanceBegun {
        let m = &mut self.group.members[member.index()];
        if m.alive {
            return RebalanceBegun(false);
        }
        m.alive = true;
        m.epoch += 1;
        let at = env.net.deliver(env.now, Node::Member(member), Node::Broker(BrokerId(0)));
        self.begin_rebalance_at(env, at, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::consumer_group::{Group, Member};
    use crate::kafka::ids::Offset;
    use crate::kafka::testkit::{M0, M1, P0, at, cluster, env, ms, take};
    use crate::scenario::ConsumerGroupConfig;

    /// Two members with heartbeats at multiples of 3 s, after a first rebalance of one partition.
    fn consumers() -> Consumers {
        let cfg = ConsumerGroupConfig { members: 2, ..ConsumerGroupConfig::default() };
        let members = (0..2).map(|i| Member::new(format!("c{i}"), 3, SimTime::ZERO)).collect();
        let mut group = Group::new("t".into(), 1, cfg.assignor, members);
        group.install_assignment();
        Consumers::new(cfg, group, crate::rng::stream(1, "consumer"))
    }

    #[test]
    fn a_crashed_member_expires_session_timeout_ms_after_its_last_heartbeat_and_the_group_rebalances() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers());
        at(&mut env, ms(10_000));
        c.crash(&mut env, M1);
        // Last heartbeat at 9 s; session.timeout.ms = 45 s.
        let expiry = take(&mut env);
        assert!(
            matches!(expiry[..], [(t, Event::MemberExpired { member: M1, epoch })] if t == ms(54_000) && epoch == 2)
        );
        assert_eq!(c.on_member_expired(&mut env, M1, 1), RebalanceBegun(false), "an earlier life's timer");
        at(&mut env, ms(54_000));
        assert_eq!(c.on_member_expired(&mut env, M1, 2), RebalanceBegun(true));
        // The live member joins at its next heartbeat (54 s), then JoinGroup and SyncGroup take 2 ms each.
        let done = take(&mut env);
        assert!(matches!(done[..], [(t, Event::RebalanceDone { id: 0 })] if t == ms(54_004)), "{done:?}");
        at(&mut env, ms(54_004));
        c.on_rebalance_done(&mut env, &cl, 0);
        assert_eq!(c.group.members[0].assigned, vec![P0]);
        assert!(c.group.members[1].assigned.is_empty());
        assert_eq!((env.stats.counters.rebalances, env.stats.counters.rebalance_pause_ms_total), (1, 4.0));
        assert_eq!(c.group.members[0].next_auto_commit, ms(59_004));
    }

    #[test]
    fn a_finished_rebalance_is_ignored_when_a_newer_one_began() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers());
        assert_eq!(c.start(&mut env), RebalanceBegun(true));
        assert_eq!(c.restart(&mut env, M0), RebalanceBegun(false), "member 0 is running");
        c.crash(&mut env, M1);
        assert_eq!(c.restart(&mut env, M1), RebalanceBegun(true));
        c.on_rebalance_done(&mut env, &cl, 0);
        assert_eq!(c.group.rebalancing, Some(1));
        assert_eq!(env.stats.counters.rebalances, 0);
    }

    #[test]
    fn a_crashed_member_loses_its_uncommitted_positions() {
        let (mut env, _, mut c) = (env(1), cluster(1, 1), consumers());
        c.group.position[0] = Offset(40);
        c.group.committed[0] = Offset(25);
        c.crash(&mut env, M0);
        assert_eq!(c.group.position[0], Offset(25));
        assert!(!c.group.members[0].alive);
    }

    /// group.initial.rebalance.delay.ms (3 s, GroupCoordinatorConfig): a new group's first rebalance waits
    /// for more members, then JoinGroup and SyncGroup take a round trip each. A member busy polling joins
    /// when its poll is done.
    #[test]
    fn a_new_group_rebalances_after_the_initial_delay_and_waits_for_a_running_poll() {
        let (mut env, mut c) = (env(1), consumers());
        c.group.members[1].busy_until = Some(ms(3_500));
        c.group.members[0].buffer.push_back(crate::kafka::Chunk {
            partition: P0,
            offset: Offset(0),
            batch: crate::kafka::testkit::batch(0, 0, 0, 1),
            from: 0,
            to: 1,
            leader_epoch: 0,
        });
        assert_eq!(c.start(&mut env), RebalanceBegun(true));
        assert!(c.group.members[0].buffer.is_empty(), "eager: buffered records are dropped");
        let done = take(&mut env);
        assert!(matches!(done[..], [(t, Event::RebalanceDone { id: 0 })] if t == ms(3_504)), "{done:?}");
        c.group.members.clear();
        assert_eq!(c.start(&mut env), RebalanceBegun(false), "no members, no group");
    }

    /// A restarted member's JoinGroup reaches the coordinator 1 ms later; the others learn of the
    /// rebalance from their next heartbeat (at 3 s).
    #[test]
    fn a_restarted_member_rejoins_and_the_others_follow_at_their_next_heartbeat() {
        let (mut env, mut c) = (env(1), consumers());
        at(&mut env, ms(1_000));
        c.crash(&mut env, M1);
        take(&mut env);
        at(&mut env, ms(2_000));
        assert_eq!(c.restart(&mut env, M1), RebalanceBegun(true));
        assert_eq!((c.group.members[1].alive, c.group.members[1].epoch), (true, 3));
        let done = take(&mut env);
        assert!(matches!(done[..], [(t, Event::RebalanceDone { id: 0 })] if t == ms(3_004)), "{done:?}");
        assert_eq!(c.group.rebalance_started, ms(2_000));
        c.crash(&mut env, M1);
        let before = c.group.members[1].epoch;
        c.crash(&mut env, M1);
        assert_eq!(c.group.members[1].epoch, before, "a dead member crashes once");
    }
}
