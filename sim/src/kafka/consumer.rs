//! The group's consumers as an actor: each member fetches from the leaders of its partitions, polls up
//! to max.poll.records, processes them one after another, and commits (after processing, or auto-commit
//! inside poll). Source: KafkaConsumer.poll, Fetcher, ConsumerCoordinator.maybeAutoCommitOffsetsAsync.

use super::Chunk;
use super::cluster::Cluster;
use super::consumer_group::Group;
use super::controller::Elected;
use super::env::{Env, Event};
use super::ids::{BrokerId, ConsumerId, FetchPosition, MemberId, Offset, OutOfRange, PartitionId};
use crate::dist::Sampler;
use crate::network::Node;
use crate::rng::SimRng;
use crate::scenario::{CommitMode, ConsumerGroupConfig};
use crate::time::SimTime;

pub struct Consumers {
    pub cfg: ConsumerGroupConfig,
    pub group: Group,
    /// Per-record processing time, drawn from its own stream.
    processing: Sampler,
    rng: SimRng,
}

impl Consumers {
    pub fn new(cfg: ConsumerGroupConfig, group: Group, rng: SimRng) -> Self {
        Consumers { processing: cfg.processing_time.sampler(), cfg, group, rng }
    }

    fn auto_commit_interval(&self) -> SimTime {
        SimTime::from_millis(self.cfg.auto_commit_interval_ms)
    }

    /// Sends a fetch to each broker leading an assigned partition with nothing buffered.
    pub fn maybe_fetch(&mut self, env: &mut Env, cluster: &Cluster, member: MemberId) {
        let m = &mut self.group.members[member.index()];
        if !m.alive || self.group.rebalancing.is_some() {
            return;
        }
        let position = &self.group.position;
        let mut in_flight = std::mem::take(&mut m.fetch_in_flight);
        let positions = || {
            (m.assigned.iter())
                .filter(|&&p| !m.buffered_from(p))
                .map(|&p| FetchPosition { partition: p, offset: position[p.index()] })
        };
        send_fetches(env, cluster, (member.into(), m.epoch), &mut in_flight, positions);
        m.fetch_in_flight = in_flight;
    }

    pub fn maybe_fetch_all(&mut self, env: &mut Env, cluster: &Cluster) {
        for m in MemberId::all(self.group.members.len()) {
            self.maybe_fetch(env, cluster, m);
        }
    }

    pub fn on_fetch_response(
        &mut self,
        env: &mut Env,
        cluster: &Cluster,
        (member, epoch, broker): (MemberId, u32, BrokerId),
        (chunks, out_of_range): (Vec<Chunk>, &[OutOfRange]),
    ) {
        let m = &mut self.group.members[member.index()];
        if m.epoch != epoch || !m.alive {
            return;
        }
        m.fetch_in_flight[broker.index()] = false;
        // A member waiting inside poll() for data auto-commits (ConsumerCoordinator.poll runs on every
        // pass of KafkaConsumer.poll); one busy processing is not in poll() and commits nothing.
        if m.busy_until.is_none() {
            self.maybe_auto_commit(env, member);
        }
        reset_out_of_range(out_of_range, &mut self.group.position);
        let m = &mut self.group.members[member.index()];
        // All are buffered (KafkaConsumer keeps the whole fetched batch list, CompletedFetch).
        let position = &self.group.position;
        m.buffer.extend(continuing(chunks, cluster, |p| m.assigned.contains(&p).then(|| position[p.index()])));
        if m.busy_until.is_none() {
            self.poll(env, member);
        }
        self.maybe_fetch(env, cluster, member);
    }

    /// One poll(): up to max.poll.records buffered records, processed one after another.
    fn poll(&mut self, env: &mut Env, member: MemberId) {
        if self.group.rebalancing.is_some() {
            return;
        }
        let max = self.cfg.max_poll_records;
        let m = &mut self.group.members[member.index()];
        let mut taken = 0u32;
        let mut t = env.now;
        // The previous poll's list, delivered and emptied by `on_poll_done`: its room is used again.
        let mut polled = std::mem::take(&mut m.processing);
        polled.clear();
        while taken < max {
            let Some(front) = m.buffer.front_mut() else {
                break;
            };
            let pos = self.group.position[front.partition.index()];
            // Skip records below the position (already delivered from an earlier, overlapping fetch).
            if front.offset < pos {
                let skip = front.offset.distance_to(pos).min(u64::from(front.len())) as u32;
                front.from += skip;
                front.offset = front.offset.plus(skip);
            }
            if front.is_empty() {
                m.buffer.pop_front();
                continue;
            }
            let n = front.len().min(max - taken);
            let mut part = front.clone();
            part.to = part.from + n;
            front.from += n;
            front.offset = front.offset.plus(n);
            if front.is_empty() {
                m.buffer.pop_front();
            }
            self.group.position[part.partition.index()] = part.end_offset();
            taken += n;
            polled.push(part);
        }
        if polled.is_empty() {
            self.group.members[member.index()].processing = polled;
            return;
        }
        // Processing is a FIFO server: each record's delivery time is when its processing ends.
        for c in &polled {
            for r in &c.batch.records[c.from as usize..c.to as usize] {
                t += self.processing.sample(&mut self.rng);
                env.stats.processed(t, r.created);
            }
            env.stats.delivered(t, c.len());
        }
        let m = &mut self.group.members[member.index()];
        m.processing = polled;
        m.busy_until = Some(t);
        let epoch = m.epoch;
        env.at(t, Event::PollDone { member, epoch });
    }

    pub fn on_poll_done(&mut self, env: &mut Env, cluster: &Cluster, member: MemberId, epoch: u32) {
        let m = &mut self.group.members[member.index()];
        if m.epoch != epoch || !m.alive {
            return;
        }
        m.busy_until = None;
        // The poll's records are delivered once processed: a crash before then delivers none of them.
        for c in m.processing.drain(..) {
            env.ledger.delivered(c.range());
        }
        let interval = self.auto_commit_interval();
        let m = &mut self.group.members[member.index()];
        let commit = match self.cfg.commit {
            CommitMode::AfterProcessing => true,
            CommitMode::Auto if env.now >= m.next_auto_commit => {
                m.next_auto_commit = env.now + interval;
                true
            }
            CommitMode::Auto => false,
        };
        if commit {
            self.group.commit(member.index());
        }
        self.poll(env, member);
        self.maybe_fetch(env, cluster, member);
    }

    /// enable.auto.commit: commit the positions when auto.commit.interval.ms has passed since the last time.
    fn maybe_auto_commit(&mut self, env: &mut Env, member: MemberId) {
        let interval = self.auto_commit_interval();
        let m = &mut self.group.members[member.index()];
        if self.cfg.commit != CommitMode::Auto || env.now < m.next_auto_commit {
            return;
        }
        m.next_auto_commit = env.now + interval;
        self.group.commit(member.index());
    }

    /// A partition's new leader: consumers that read past its log end detect the truncation and go back
    /// to it (KIP-320); every member refreshes its metadata, drops what it buffered of the partition from
    /// the old leader (the position awaits validation against the new leader's epoch, SubscriptionState,
    /// and FetchCollector returns nothing of a partition that is not fetchable) and fetches again
    /// (requests to the old leader time out).
    pub fn on_new_leader(&mut self, env: &mut Env, cluster: &Cluster, e: Elected) {
        let pos = &mut self.group.position[e.partition.index()];
        *pos = (*pos).min(e.log_end);
        let committed = &mut self.group.committed[e.partition.index()];
        *committed = (*committed).min(e.log_end);
        for m in MemberId::all(self.group.members.len()) {
            let member = &mut self.group.members[m.index()];
            member.buffer.drop_partition(e.partition);
            member.fetch_in_flight.iter_mut().for_each(|f| *f = false);
            self.maybe_fetch(env, cluster, m);
        }
    }

    /// A broker came back: the members' connections to its earlier process broke, so they fetch again.
    pub fn on_broker_restart(&mut self, env: &mut Env, cluster: &Cluster, broker: BrokerId) {
        for m in MemberId::all(self.group.members.len()) {
            self.group.members[m.index()].fetch_in_flight[broker.index()] = false;
            self.maybe_fetch(env, cluster, m);
        }
    }

    /// Live members' positions, committed (KafkaConsumer.close at the end of the run).
    pub fn close(&mut self) {
        if self.group.rebalancing.is_none() {
            self.commit_live();
        }
    }

    pub(super) fn commit_live(&mut self) {
        for m in 0..self.group.members.len() {
            if self.group.members[m].alive {
                self.group.commit(m);
            }
        }
    }

    /// Every live member is idle and caught up with `log_end` of every partition that has a leader.
    pub fn caught_up(&self, cluster: &Cluster) -> bool {
        if self.group.members.iter().all(|m| !m.alive) {
            return true;
        }
        self.group.rebalancing.is_none()
            && self.group.members.iter().all(|m| m.busy_until.is_none())
            && cluster.partitions.iter().all(|part| {
                // Records above the HW become readable once the followers have them: wait for them too,
                // unless the partition is offline.
                part.leader.is_none() || self.group.position[part.id.index()] >= part.log_end
            })
    }
}

/// Sends `consumer`'s fetches: one to each broker leading a partition of `positions`, in broker order,
/// unless one is in flight to it (Fetcher.prepareFetchRequests: a request per node, none to a node with a
/// request pending). `positions` lists the positions anew for each broker (no map: a handful of brokers).
pub fn send_fetches<I: Iterator<Item = FetchPosition>>(
    env: &mut Env,
    cluster: &Cluster,
    (consumer, epoch): (ConsumerId, u32),
    in_flight: &mut [bool],
    positions: impl Fn() -> I,
) {
    for broker in BrokerId::all(cluster.brokers.len()) {
        if in_flight[broker.index()] {
            continue;
        }
        let offsets: Vec<FetchPosition> =
            positions().filter(|f| cluster.partitions[f.partition.index()].leader == Some(broker)).collect();
        if offsets.is_empty() {
            continue;
        }
        in_flight[broker.index()] = true;
        let incarnation = cluster.brokers[broker.index()].incarnation;
        let fetch = Event::ConsumerFetchArrive { consumer, epoch, broker, incarnation, offsets };
        env.send(consumer.into(), Node::Broker(broker), fetch);
    }
}

/// A position answered OFFSET_OUT_OF_RANGE that the consumer still holds moves to the log start
/// (FetchCollector.handleInitializeErrors, then auto.offset.reset = earliest: where the model's consumers
/// start). Without it the consumer would ask again from the same position, answered at once, forever.
pub fn reset_out_of_range(out_of_range: &[OutOfRange], position: &mut [Offset]) {
    for r in out_of_range {
        let pos = &mut position[r.at.partition.index()];
        if *pos == r.at.offset {
            *pos = r.log_start;
        }
    }
}

/// The chunks of a fetch response that go on from the consumer's positions (`position` gives the position
/// of a partition it reads, None for another). A response's chunks of one partition follow each other;
/// any other chunk is stale, fetched before a rebalance or a rewind moved the position (Fetcher drops a
/// fetched partition whose offset is not the position). So is a chunk an earlier leader read: the
/// consumer has learned of the new leader since, and its position awaits validation against it
/// (KIP-320; FetchCollector returns nothing of a partition awaiting validation); the old leader's log
/// may have been cut back and written anew past the position.
pub fn continuing<'a>(
    chunks: Vec<Chunk>,
    cluster: &'a Cluster,
    position: impl Fn(PartitionId) -> Option<Offset> + 'a,
) -> impl Iterator<Item = Chunk> + 'a {
    let mut next: Option<(PartitionId, Offset)> = None;
    chunks.into_iter().filter(move |c| {
        let pos = match next {
            Some((p, end)) if p == c.partition => Some(end),
            _ => position(c.partition),
        };
        let current = c.leader_epoch == cluster.partitions[c.partition.index()].leader_epoch;
        let fits = current && pos.is_some_and(|pos| c.offset <= pos && c.end_offset() > pos);
        if fits {
            next = Some((c.partition, c.end_offset()));
        }
        fits
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::DistSpec;
    use crate::kafka::broker::Partition;
    use crate::kafka::consumer_group::Member;
    use crate::kafka::testkit::{B0, B1, B2, M0, P0, at, batch, cluster, env, from, ms, take};

    #[test]
    fn an_out_of_range_position_moves_to_the_log_start_unless_it_moved_since() {
        let r = |p, offset, log_start| OutOfRange {
            at: FetchPosition { partition: PartitionId(p), offset: Offset(offset) },
            log_start: Offset(log_start),
        };
        let mut position = vec![Offset(2), Offset(9)];
        reset_out_of_range(&[r(0, 2, 5), r(1, 3, 5)], &mut position);
        assert_eq!(position, vec![Offset(5), Offset(9)], "partition 1 was fetched from 3, it is at 9 now");
    }

    /// One member that owns partition 0 from offset 0, processing a record in exactly 1 ms; its next
    /// auto-commit is due at 5 s.
    fn consumers(commit: CommitMode, max_poll_records: u32) -> Consumers {
        group_consumers(1, commit, max_poll_records)
    }

    /// The same member, owning partitions 0 to `partitions - 1`.
    fn group_consumers(partitions: u32, commit: CommitMode, max_poll_records: u32) -> Consumers {
        let cfg = ConsumerGroupConfig {
            members: 1,
            processing_time: DistSpec::constant_ms(1.0),
            commit,
            max_poll_records,
            ..ConsumerGroupConfig::default()
        };
        let members = vec![Member::new("c0".into(), 3, SimTime::ZERO)];
        let mut group = Group::new("t".into(), partitions, cfg.assignor, members);
        group.install_assignment();
        group.members[0].next_auto_commit = ms(5_000);
        Consumers::new(cfg, group, crate::rng::stream(1, "consumer"))
    }

    /// Offsets [from, from + n) of partition 0.
    fn chunk(from: u64, n: u32) -> Chunk {
        Chunk {
            partition: P0,
            offset: Offset(from),
            batch: batch(0, 0, from as u32, n),
            from: 0,
            to: n,
            leader_epoch: 0,
        }
    }

    /// A fetch answer reaches the member at `now`; returns the committed offset after it.
    fn fetched(c: &mut Consumers, env: &mut Env, cl: &Cluster, now: SimTime, chunks: Vec<Chunk>) -> u64 {
        at(env, now);
        let epoch = c.group.members[0].epoch;
        c.on_fetch_response(env, cl, (M0, epoch, B0), (chunks, &[]));
        c.group.committed[0].0
    }

    /// The member's poll ends at `now`; returns the committed offset after it.
    fn poll_done(c: &mut Consumers, env: &mut Env, cl: &Cluster, now: SimTime) -> u64 {
        at(env, now);
        let epoch = c.group.members[0].epoch;
        c.on_poll_done(env, cl, M0, epoch);
        c.group.committed[0].0
    }

    #[test]
    fn a_poll_takes_at_most_max_poll_records_and_processes_them_one_after_another() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::Auto, 4));
        assert_eq!(fetched(&mut c, &mut env, &cl, ms(100), vec![chunk(0, 10)]), 0);
        assert_eq!(c.group.position[0], Offset(4));
        assert_eq!(c.group.members[0].busy_until, Some(ms(104)));
        let done: Vec<SimTime> =
            take(&mut env).into_iter().filter_map(|(t, e)| matches!(e, Event::PollDone { .. }).then_some(t)).collect();
        assert_eq!(done, vec![ms(104)]);
        // Delivered once processed: the ledger counts them at PollDone, not at the fetch.
        assert_eq!(env.ledger.summary([], 0).delivered_unacknowledged, 0);
        let _ = poll_done(&mut c, &mut env, &cl, ms(104));
        assert_eq!(env.ledger.summary([], 0).delivered_unacknowledged, 4);
        assert_eq!(c.group.position[0], Offset(8));
    }

    #[test]
    fn auto_commit_happens_inside_poll_and_commits_what_earlier_polls_returned() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::Auto, 500));
        assert_eq!(fetched(&mut c, &mut env, &cl, ms(1_000), vec![chunk(0, 10)]), 0);
        assert_eq!(poll_done(&mut c, &mut env, &cl, ms(1_010)), 0);
        // At 6 s the interval has passed and an answer reaches the idle member (waiting in poll()): it
        // commits the position its earlier poll returned, 10, before taking offsets 10-19.
        assert_eq!(fetched(&mut c, &mut env, &cl, ms(6_000), vec![chunk(10, 10)]), 10);
        assert_eq!(c.group.position[0], Offset(20));
        assert_eq!(c.group.members[0].next_auto_commit, ms(11_000));
        // The next poll() (after processing) is before 11 s: no commit.
        assert_eq!(poll_done(&mut c, &mut env, &cl, ms(6_010)), 10);
    }

    #[test]
    fn a_member_busy_processing_does_not_auto_commit() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::Auto, 500));
        let _ = fetched(&mut c, &mut env, &cl, ms(4_999), vec![chunk(0, 10)]);
        assert_eq!(fetched(&mut c, &mut env, &cl, ms(5_005), vec![chunk(10, 10)]), 0);
        assert_eq!(c.group.position[0], Offset(10));
    }

    #[test]
    fn commit_after_processing_commits_each_poll_once_processed() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::AfterProcessing, 500));
        assert_eq!(fetched(&mut c, &mut env, &cl, ms(1), vec![chunk(0, 10)]), 0);
        assert_eq!(poll_done(&mut c, &mut env, &cl, ms(11)), 10);
    }

    #[test]
    fn a_new_leader_with_a_shorter_log_sends_positions_and_commits_back_to_its_end() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::Auto, 500));
        c.group.position[0] = Offset(12);
        c.group.committed[0] = Offset(9);
        c.on_new_leader(&mut env, &cl, Elected { partition: P0, log_end: Offset(10) });
        assert_eq!((c.group.position[0], c.group.committed[0]), (Offset(10), Offset(9)));
        let fetches: Vec<(SimTime, Vec<FetchPosition>)> = take(&mut env)
            .into_iter()
            .filter_map(|(t, e)| match e {
                Event::ConsumerFetchArrive { offsets, .. } => Some((t, offsets)),
                _ => None,
            })
            .collect();
        assert_eq!(fetches, vec![(ms(1), from(10))]);
    }

    /// The member buffered offsets 4-9 from the old leader while it processed 0-3; the new leader's log
    /// ends at 6 and will go on with other records. The buffered ones are dropped and the member reads
    /// again from 4: taking them would deliver the old leader's 6-9 and skip the new leader's.
    #[test]
    fn a_new_leader_drops_the_records_buffered_from_the_old_one() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::Auto, 4));
        let _ = fetched(&mut c, &mut env, &cl, ms(1), vec![chunk(0, 10)]);
        assert_eq!((c.group.position[0], c.group.members[0].buffer.len()), (Offset(4), 1));
        c.on_new_leader(&mut env, &cl, Elected { partition: P0, log_end: Offset(6) });
        let _ = poll_done(&mut c, &mut env, &cl, ms(5));
        assert_eq!((c.group.position[0], c.group.members[0].buffer.len()), (Offset(4), 0));
        assert_eq!(env.ledger.summary([], 0).delivered_unacknowledged, 4, "offsets 0-3 only");
    }

    /// A response the old leader read arrives after the member learned of a new leader: its records are
    /// dropped (their offsets may hold other records in the new leader's log), and the position stays.
    #[test]
    fn a_response_read_under_an_earlier_leader_epoch_is_dropped() {
        let (mut env, mut cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::Auto, 500));
        cl.partitions[0].leader_epoch = 1;
        let _ = fetched(&mut c, &mut env, &cl, ms(1), vec![chunk(0, 10)]);
        assert_eq!(c.group.position[0], Offset(0));
        let _ = fetched(&mut c, &mut env, &cl, ms(2), vec![Chunk { leader_epoch: 1, ..chunk(0, 10) }]);
        assert_eq!(c.group.position[0], Offset(10), "read by the current leader");
    }

    /// The fetches in `events`: when each reaches its broker, and the positions it asks for.
    fn fetches(events: Vec<(SimTime, Event)>) -> Vec<(SimTime, Vec<FetchPosition>)> {
        events
            .into_iter()
            .filter_map(|(t, e)| match e {
                Event::ConsumerFetchArrive { offsets, .. } => Some((t, offsets)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_member_fetches_again_only_when_nothing_is_in_flight_or_buffered() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::Auto, 4));
        c.maybe_fetch_all(&mut env, &cl);
        assert_eq!(fetches(take(&mut env)), vec![(ms(1), from(0))]);
        // One fetch per broker at a time (Fetcher.sendFetches skips nodes with a request pending).
        c.maybe_fetch(&mut env, &cl, M0);
        assert!(take(&mut env).is_empty());
        // max.poll.records = 4 of 10: the other 6 stay buffered and no fetch goes out for the partition.
        let _ = fetched(&mut c, &mut env, &cl, ms(2), vec![chunk(0, 10)]);
        assert!(fetches(take(&mut env)).is_empty());
        let _ = poll_done(&mut c, &mut env, &cl, ms(6));
        assert!(fetches(take(&mut env)).is_empty(), "2 records still buffered");
        let _ = poll_done(&mut c, &mut env, &cl, ms(10));
        assert_eq!(fetches(take(&mut env)), vec![(ms(11), from(10))]);
        assert_eq!(c.group.position[0], Offset(10));
    }

    #[test]
    fn a_dead_member_or_a_rebalancing_group_fetches_nothing() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::Auto, 500));
        c.group.members[0].alive = false;
        c.maybe_fetch(&mut env, &cl, M0);
        assert!(take(&mut env).is_empty());
        c.group.members[0].alive = true;
        c.group.rebalancing = Some(0);
        c.maybe_fetch(&mut env, &cl, M0);
        assert!(take(&mut env).is_empty());
    }

    #[test]
    fn an_answer_to_an_older_epoch_or_a_dead_member_is_dropped() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::Auto, 500));
        c.group.members[0].fetch_in_flight[0] = true;
        c.on_fetch_response(&mut env, &cl, (M0, 7, B0), (vec![chunk(0, 10)], &[]));
        assert_eq!((c.group.position[0], c.group.members[0].fetch_in_flight[0]), (Offset(0), true));
        c.group.members[0].alive = false;
        c.on_fetch_response(&mut env, &cl, (M0, 0, B0), (vec![chunk(0, 10)], &[]));
        assert_eq!(c.group.position[0], Offset(0));
        assert!(take(&mut env).is_empty());
    }

    #[test]
    fn only_records_at_the_position_are_buffered_and_a_responses_chunks_follow_each_other() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::Auto, 500));
        c.group.position[0] = Offset(7);
        // Ends at the position (stale), starts past it (a gap), then one that overlaps it and its successor.
        let chunks = vec![chunk(0, 7), chunk(8, 4), chunk(5, 10), chunk(15, 5)];
        let _ = fetched(&mut c, &mut env, &cl, ms(100), chunks);
        // Offsets 7-19: 13 records of 1 ms each; the overlap's first two are skipped.
        assert_eq!(c.group.position[0], Offset(20));
        assert_eq!(c.group.members[0].busy_until, Some(ms(113)));
        let _ = poll_done(&mut c, &mut env, &cl, ms(113));
        assert_eq!(env.ledger.summary([], 0).delivered_unacknowledged, 13);
    }

    #[test]
    fn a_buffered_chunk_the_position_passed_is_dropped() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::Auto, 500));
        c.group.members[0].buffer.push_back(chunk(0, 10));
        c.group.members[0].buffer.push_back(chunk(2, 3));
        c.group.members[0].buffer.push_back(chunk(5, 10));
        let _ = fetched(&mut c, &mut env, &cl, ms(100), vec![]);
        assert_eq!(c.group.position[0], Offset(15));
        assert_eq!(c.group.members[0].busy_until, Some(ms(115)));
        assert!(c.group.members[0].buffer.is_empty());
    }

    #[test]
    fn auto_commit_interval_ms_5000_commits_at_the_first_poll_once_it_has_passed() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::Auto, 500));
        let _ = fetched(&mut c, &mut env, &cl, ms(4_990), vec![chunk(0, 10)]);
        // The poll after processing, exactly at the due time: commits, and the next is due 5 s later.
        assert_eq!(poll_done(&mut c, &mut env, &cl, ms(5_000)), 10);
        assert_eq!(c.group.members[0].next_auto_commit, ms(10_000));
        let _ = fetched(&mut c, &mut env, &cl, ms(9_990), vec![chunk(10, 10)]);
        assert_eq!(poll_done(&mut c, &mut env, &cl, ms(9_999)), 10, "not yet");
        // An idle member waiting in poll() at exactly the due time commits too.
        assert_eq!(fetched(&mut c, &mut env, &cl, ms(10_000), vec![]), 20);
        assert_eq!(c.group.members[0].next_auto_commit, ms(15_000));
    }

    #[test]
    fn commit_after_processing_never_auto_commits_while_waiting() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::AfterProcessing, 500));
        c.group.position[0] = Offset(10);
        assert_eq!(fetched(&mut c, &mut env, &cl, ms(6_000), vec![]), 0);
    }

    #[test]
    fn a_poll_done_of_an_older_epoch_or_a_dead_member_changes_nothing() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::AfterProcessing, 500));
        let _ = fetched(&mut c, &mut env, &cl, ms(1), vec![chunk(0, 10)]);
        at(&mut env, ms(11));
        c.on_poll_done(&mut env, &cl, M0, 7);
        assert_eq!((c.group.committed[0], c.group.members[0].busy_until), (Offset(0), Some(ms(11))));
        c.group.members[0].alive = false;
        assert_eq!(poll_done(&mut c, &mut env, &cl, ms(11)), 0);
        assert_eq!(env.ledger.summary([], 0).delivered_unacknowledged, 0);
    }

    #[test]
    fn a_restarted_broker_is_fetched_from_again() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::Auto, 500));
        c.maybe_fetch(&mut env, &cl, M0);
        let _ = take(&mut env);
        c.on_broker_restart(&mut env, &cl, B0);
        assert_eq!(fetches(take(&mut env)), vec![(ms(1), from(0))]);
    }

    #[test]
    fn close_commits_the_live_members_positions_unless_the_group_is_rebalancing() {
        let mut c = consumers(CommitMode::Auto, 500);
        c.group.position[0] = Offset(10);
        c.group.rebalancing = Some(0);
        c.close();
        assert_eq!(c.group.committed[0], Offset(0));
        c.group.rebalancing = None;
        c.group.members[0].alive = false;
        c.close();
        assert_eq!(c.group.committed[0], Offset(0), "a dead member commits nothing");
        c.group.members[0].alive = true;
        c.close();
        assert_eq!(c.group.committed[0], Offset(10));
    }

    #[test]
    fn caught_up_means_idle_and_at_the_log_end_of_every_led_partition() {
        let (mut cl, mut c) = (cluster(1, 1), consumers(CommitMode::Auto, 500));
        cl.partitions[0].log_end = Offset(10);
        c.group.position[0] = Offset(9);
        assert!(!c.caught_up(&cl));
        c.group.position[0] = Offset(10);
        assert!(c.caught_up(&cl));
        c.group.members[0].busy_until = Some(ms(1));
        assert!(!c.caught_up(&cl));
        c.group.members[0].busy_until = None;
        c.group.rebalancing = Some(0);
        assert!(!c.caught_up(&cl));
        c.group.rebalancing = None;
        c.group.position[0] = Offset(0);
        cl.partitions[0].leader = None;
        assert!(c.caught_up(&cl), "an offline partition cannot be read");
        cl.partitions[0].leader = Some(B0);
        c.group.members[0].alive = false;
        assert!(c.caught_up(&cl), "no live member is left to read");
    }

    #[test]
    fn chunks_of_different_partitions_each_start_at_their_own_position() {
        let mut cl = cluster(1, 1);
        cl.partitions.push(Partition::new(PartitionId(1), vec![B0, B1, B2], 1));
        let (mut env, mut c) = (env(1), group_consumers(2, CommitMode::Auto, 500));
        let p1 = Chunk { partition: PartitionId(1), ..chunk(0, 5) };
        let _ = fetched(&mut c, &mut env, &cl, ms(100), vec![chunk(0, 5), p1]);
        assert_eq!(c.group.position, vec![Offset(5); 2]);
    }

    #[test]
    fn max_poll_records_counts_the_records_of_every_chunk_the_poll_takes() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::Auto, 4));
        let _ = fetched(&mut c, &mut env, &cl, ms(100), vec![chunk(0, 3), chunk(3, 3)]);
        assert_eq!((c.group.position[0], c.group.members[0].busy_until), (Offset(4), Some(ms(104))));
    }

    #[test]
    fn a_busy_member_fetches_again_when_an_answer_holds_only_records_it_already_has() {
        let (mut env, cl, mut c) = (env(1), cluster(1, 1), consumers(CommitMode::Auto, 500));
        let _ = fetched(&mut c, &mut env, &cl, ms(100), vec![chunk(0, 10)]);
        let _ = take(&mut env);
        // Offsets 5-9 end at the position, 10: nothing is buffered, so the member asks again at once.
        let _ = fetched(&mut c, &mut env, &cl, ms(105), vec![chunk(5, 5)]);
        assert!(c.group.members[0].buffer.is_empty());
        assert_eq!(fetches(take(&mut env)), vec![(ms(106), from(10))]);
    }

    /// An engine noting when it reads each offset; a failure stops it for 1 s and rewinds it to offset 0.
    struct Recorder {
        read: Vec<(SimTime, u64)>,
        metrics: crate::engine::EngineMetrics,
    }

    impl crate::engine::Engine for Recorder {
        fn name(&self) -> &'static str {
            "recorder"
        }
        fn advance_to(&mut self, _: SimTime) {}
        fn on_record(&mut self, arrival: SimTime, r: crate::engine::EngineRecord) {
            self.read.push((arrival, r.offset.0));
        }
        fn fail(&mut self, t: SimTime) -> Option<SimTime> {
            Some(t + ms(1_000))
        }
        fn rewind(&mut self) -> Option<Vec<Offset>> {
            Some(vec![Offset(0)])
        }
        fn finish(&mut self, _: SimTime) {}
        fn metrics(&self) -> &crate::engine::EngineMetrics {
            &self.metrics
        }
        fn metrics_mut(&mut self) -> &mut crate::engine::EngineMetrics {
            &mut self.metrics
        }
    }

    #[test]
    fn an_engine_reads_what_its_fetch_brings_back_a_network_round_trip_after_asking() {
        use crate::engine::source::EngineConsumer;
        use crate::kafka::ids::{ConsumerId, EngineId};
        let (mut env, mut cl) = (env(1), cluster(1, 1));
        let mut engine = Recorder { read: Vec::new(), metrics: crate::engine::EngineMetrics::new(false) };
        let mut reader = EngineConsumer::default();
        let id = EngineId(0);
        reader.fetch(&mut env, &cl, id);
        let sent = take(&mut env);
        assert!(
            matches!(&sent[..], [(t, Event::ConsumerFetchArrive { consumer: ConsumerId::Engine(EngineId(0)), broker: B0, offsets, .. })] if *t == ms(1) && offsets == &from(0)),
            "{sent:?}"
        );
        // The leader has offsets 0-9 below the HW when the fetch arrives at 1 ms: the answer reaches the
        // engine at 2 ms, and only then does the engine read them.
        cl.partitions[0].append(batch(0, 0, 0, 10));
        cl.partitions[0].hw = Offset(10);
        at(&mut env, ms(1));
        cl.on_consumer_fetch(&mut env, ConsumerId::Engine(id), 0, B0, 0, from(0));
        let [(t, Event::ConsumerFetchResponse { epoch, broker, chunks, .. })] = &take(&mut env)[..] else {
            panic!("one answer");
        };
        assert_eq!(*t, ms(2));
        at(&mut env, ms(2));
        reader.on_fetch_response(&mut engine, (&mut env, &cl), (id, *epoch, *broker), (chunks.clone(), &[]));
        assert_eq!(engine.read, (0..10).map(|o| (ms(2), o)).collect::<Vec<_>>());
        assert_eq!(fetches(take(&mut env)), vec![(ms(3), from(10))], "it asks again from its position");
        // The same answer again is stale: it ends at the position, so nothing is read, and it asks again.
        reader.on_fetch_response(&mut engine, (&mut env, &cl), (id, *epoch, *broker), (chunks.clone(), &[]));
        assert_eq!(engine.read.len(), 10);
        assert_eq!(fetches(take(&mut env)), vec![(ms(3), from(10))]);
        // A failed job drops what was fetched before, and after its restart fetches from offset 0 again.
        reader.fail(&mut engine, ms(2));
        reader.on_fetch_response(&mut engine, (&mut env, &cl), (id, *epoch, *broker), (chunks.clone(), &[]));
        assert_eq!(engine.read.len(), 10);
        assert!(!reader.caught_up(&cl));
        at(&mut env, ms(1_002));
        reader.resume_fetching(&mut engine, &mut env, &cl, id);
        assert_eq!(fetches(take(&mut env)), vec![(ms(1_003), from(0))]);
    }
}
