//! A consumer group: members, the eager rebalance protocol, committed offsets and consumer lag.
//! Source: the Kafka consumer documentation and org.apache.kafka.clients.consumer.internals
//! (ConsumerCoordinator, AbstractCoordinator).

use super::Chunk;
use super::assignor::{self, Assignment, Strategy};
use super::ids::{Offset, PartitionId};
use crate::time::SimTime;
use std::collections::{BTreeMap, VecDeque};

pub struct Member {
    pub name: String,
    pub alive: bool,
    /// Bumped at every crash and every rebalance: responses addressed to an older one are dropped. It
    /// plays the group generation's part: nothing a member started before a rebalance can commit after it.
    pub epoch: u32,
    pub assigned: Vec<PartitionId>,
    /// Fetched, not yet polled.
    pub buffer: Fetched,
    pub fetch_in_flight: Vec<bool>,
    /// The running poll's end, if the member is processing.
    pub busy_until: Option<SimTime>,
    /// The records of the running poll.
    pub processing: Vec<Chunk>,
    /// Heartbeats happen at `heartbeat_phase + k * heartbeat.interval.ms`.
    pub heartbeat_phase: SimTime,
    pub next_auto_commit: SimTime,
}

impl Member {
    pub fn new(name: String, brokers: u32, heartbeat_phase: SimTime) -> Self {
        Member {
            name,
            alive: true,
            epoch: 0,
            assigned: Vec::new(),
            buffer: Fetched::default(),
            fetch_in_flight: vec![false; brokers as usize],
            busy_until: None,
            processing: Vec::new(),
            heartbeat_phase,
            next_auto_commit: SimTime::ZERO,
        }
    }

    /// The first heartbeat at or after `t`.
    pub fn next_heartbeat(&self, t: SimTime, interval: SimTime) -> SimTime {
        if t <= self.heartbeat_phase {
            return self.heartbeat_phase;
        }
        let k = (t - self.heartbeat_phase).0.div_ceil(interval.0);
        self.heartbeat_phase + SimTime(k * interval.0)
    }

    /// The last heartbeat at or before `t`.
    pub fn last_heartbeat(&self, t: SimTime, interval: SimTime) -> SimTime {
        if t < self.heartbeat_phase {
            return SimTime::ZERO;
        }
        let k = (t - self.heartbeat_phase).0 / interval.0;
        self.heartbeat_phase + SimTime(k * interval.0)
    }

    pub fn buffered_from(&self, partition: PartitionId) -> bool {
        self.buffer.holds(partition)
    }
}

/// The records a member fetched and has not polled yet, in fetch order (KafkaConsumer's list of completed
/// fetches), with their count per partition: "anything buffered from this partition?" is asked for every
/// assigned partition on every fetch, and after a replication stall one fetch can buffer thousands of
/// chunks, so walking the list each time made the fetch path quadratic.
#[derive(Default)]
pub struct Fetched {
    chunks: VecDeque<Chunk>,
    per_partition: Vec<u32>,
}

impl Fetched {
    pub fn push_back(&mut self, chunk: Chunk) {
        let p = chunk.partition.index();
        if p >= self.per_partition.len() {
            self.per_partition.resize(p + 1, 0);
        }
        self.per_partition[p] += 1;
        self.chunks.push_back(chunk);
    }

    pub fn front_mut(&mut self) -> Option<&mut Chunk> {
        self.chunks.front_mut()
    }

    pub fn pop_front(&mut self) -> Option<Chunk> {
        let chunk = self.chunks.pop_front()?;
        self.per_partition[chunk.partition.index()] -= 1;
        Some(chunk)
    }

    /// Drops what was fetched from `partition` (its leader changed).
    pub fn drop_partition(&mut self, partition: PartitionId) {
        if self.holds(partition) {
            self.chunks.retain(|c| c.partition != partition);
            self.per_partition[partition.index()] = 0;
        }
    }

    pub fn clear(&mut self) {
        self.chunks.clear();
        self.per_partition.fill(0);
    }

    pub fn holds(&self, partition: PartitionId) -> bool {
        self.per_partition.get(partition.index()).is_some_and(|n| *n > 0)
    }

    pub fn len(&self) -> usize {
        self.chunks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }
}

impl Extend<Chunk> for Fetched {
    fn extend<I: IntoIterator<Item = Chunk>>(&mut self, chunks: I) {
        chunks.into_iter().for_each(|c| self.push_back(c));
    }
}

pub struct Group {
    pub topic: String,
    pub partitions: u32,
    pub strategy: Strategy,
    pub members: Vec<Member>,
    /// Set while a rebalance is under way: its id (to ignore superseded completions).
    pub rebalancing: Option<u64>,
    pub next_rebalance_id: u64,
    pub rebalance_started: SimTime,
    /// Offset of the next record to deliver, per partition (the owner's position).
    pub position: Vec<Offset>,
    pub committed: Vec<Offset>,
    pub previous: Assignment,
}

impl Group {
    pub fn new(topic: String, partitions: u32, strategy: Strategy, members: Vec<Member>) -> Self {
        Group {
            topic,
            partitions,
            strategy,
            members,
            rebalancing: None,
            next_rebalance_id: 0,
            rebalance_started: SimTime::ZERO,
            position: vec![Offset::ZERO; partitions as usize],
            committed: vec![Offset::ZERO; partitions as usize],
            previous: Assignment::new(),
        }
    }

    /// Runs the assignor over the live members and installs the result: every member starts again from
    /// the committed offsets (eager protocol: all partitions are revoked before the new assignment).
    pub fn install_assignment(&mut self) -> Assignment {
        let live: Vec<String> = self.members.iter().filter(|m| m.alive).map(|m| m.name.clone()).collect();
        let topics: BTreeMap<String, u32> = [(self.topic.clone(), self.partitions)].into();
        let a = assignor::assign(self.strategy, &live, &topics, &self.previous);
        for m in &mut self.members {
            m.epoch += 1;
            m.buffer.clear();
            m.fetch_in_flight.iter_mut().for_each(|f| *f = false);
            m.assigned =
                a.get(&m.name).map(|ps| ps.iter().map(|tp| PartitionId(tp.partition)).collect()).unwrap_or_default();
        }
        self.position.clone_from(&self.committed);
        self.previous = a.clone();
        a
    }

    /// Commits the owner's position of every partition a member owns.
    pub fn commit(&mut self, member: usize) {
        for &p in &self.members[member].assigned {
            self.committed[p.index()] = self.position[p.index()];
        }
    }

    /// Consumer lag: per partition the log end (HW) minus the committed offset, as kafka-consumer-groups
    /// shows it, but from offset 0 where the group never committed and never below 0.
    pub fn lag(&self, hw: impl Fn(PartitionId) -> Offset) -> u64 {
        PartitionId::all(self.partitions as usize).map(|p| self.committed[p.index()].distance_to(hw(p))).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeats_follow_the_phase() {
        let m = Member::new("c".into(), 1, SimTime::from_millis(500));
        let iv = SimTime::from_millis(3000);
        assert_eq!(m.next_heartbeat(SimTime::from_millis(100), iv), SimTime::from_millis(500));
        assert_eq!(m.next_heartbeat(SimTime::from_millis(3500), iv), SimTime::from_millis(3500));
        assert_eq!(m.next_heartbeat(SimTime::from_millis(3501), iv), SimTime::from_millis(6500));
        assert_eq!(m.last_heartbeat(SimTime::from_millis(6499), iv), SimTime::from_millis(3500));
        assert_eq!(m.last_heartbeat(SimTime::from_millis(500), iv), SimTime::from_millis(500));
        assert_eq!(m.last_heartbeat(SimTime::from_millis(499), iv), SimTime::ZERO, "none yet");
    }

    /// The buffer knows which partitions it holds as chunks come, are polled, dropped and cleared.
    #[test]
    fn a_member_knows_which_partitions_it_has_buffered() {
        let mut m = Member::new("c".into(), 1, SimTime::ZERO);
        let chunk = |p: u32| Chunk {
            partition: PartitionId(p),
            offset: Offset(0),
            batch: crate::kafka::testkit::batch(0, 0, 0, 2),
            from: 0,
            to: 2,
            leader_epoch: 0,
        };
        assert!(m.buffer.is_empty() && !m.buffered_from(PartitionId(1)));
        m.buffer.extend([chunk(1), chunk(3), chunk(1)]);
        assert!(m.buffered_from(PartitionId(1)) && m.buffered_from(PartitionId(3)));
        assert!(!m.buffered_from(PartitionId(0)) && !m.buffered_from(PartitionId(7)));
        assert_eq!(m.buffer.pop_front().map(|c| c.partition), Some(PartitionId(1)));
        assert!(m.buffered_from(PartitionId(1)), "one chunk of partition 1 is left");
        m.buffer.drop_partition(PartitionId(1));
        assert!(!m.buffered_from(PartitionId(1)) && m.buffered_from(PartitionId(3)));
        assert_eq!((m.buffer.len(), m.buffer.is_empty()), (1, false));
        m.buffer.clear();
        assert!(m.buffer.is_empty() && !m.buffered_from(PartitionId(3)));
    }

    /// Three members, two of them alive, range-assigning 3 partitions (RangeAssignor: c0 gets the extra).
    fn group() -> Group {
        let members = (0..3).map(|i| Member::new(format!("c{i}"), 1, SimTime::ZERO)).collect();
        let mut g = Group::new("t".into(), 3, Strategy::Range, members);
        g.members[1].alive = false;
        g
    }

    #[test]
    fn an_eager_rebalance_gives_the_live_members_everything_from_the_committed_offsets() {
        let mut g = group();
        g.committed = vec![Offset(5), Offset(6), Offset(7)];
        g.position = vec![Offset(9), Offset(9), Offset(9)];
        g.members[0].fetch_in_flight = vec![true];
        let a = g.install_assignment();
        let owned: Vec<Vec<PartitionId>> = g.members.iter().map(|m| m.assigned.clone()).collect();
        assert_eq!(owned, vec![vec![PartitionId(0), PartitionId(1)], vec![], vec![PartitionId(2)]]);
        assert_eq!(g.position, vec![Offset(5), Offset(6), Offset(7)], "positions restart from the committed offsets");
        assert_eq!(g.members.iter().map(|m| m.epoch).collect::<Vec<_>>(), vec![1, 1, 1]);
        assert_eq!(g.members[0].fetch_in_flight, vec![false]);
        assert_eq!(g.previous, a);
    }

    #[test]
    fn a_member_commits_its_own_positions_and_lag_is_the_hw_minus_the_committed_offset() {
        let mut g = group();
        g.install_assignment();
        g.position = vec![Offset(10), Offset(20), Offset(30)];
        g.commit(0);
        assert_eq!(g.committed, vec![Offset(10), Offset(20), Offset(0)]);
        // kafka-consumer-groups' LAG: log end (HW) - committed offset, summed; never negative.
        let hw = [15, 20, 4].map(Offset);
        assert_eq!(g.lag(|p| hw[p.index()]), 5 + 4);
    }
}
