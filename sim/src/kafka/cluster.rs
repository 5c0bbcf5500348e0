//! The brokers and the partition replicas they host, as one actor: the partition leader's produce path
//! (`leader.rs`), replication and the ISR (`replication.rs`), and the controller (`controller.rs`) each add
//! their handlers to `Cluster`.

use super::bandwidth::BrokerLinks;
use super::broker::{Broker, Partition};
use super::env::{Env, ProduceResult};
use super::ids::{BrokerId, ConsumerId, FetchPosition, Offset, OutOfRange, PartitionId, ProducerId};
use super::{BatchRef, Chunk};
use crate::dist::Sampler;
use crate::ledger::{Ledger, RecordRange};
use crate::queue::Timer;
use crate::rng::SimRng;
use crate::scenario::{Acks, ClusterConfig, TopicConfig};
use crate::sorted_map::SortedMap;
use crate::time::SimTime;

/// A produce request as the leader holds it until every batch is decided (the purgatory's view).
pub(super) struct HeldRequest {
    pub producer: ProducerId,
    pub broker: BrokerId,
    pub acks: Acks,
    pub idempotent: bool,
    pub batches: Vec<BatchRef>,
    pub results: Vec<Option<ProduceResult>>,
    pub remaining: u32,
}

/// A fetch waiting on the broker for data or for its maximum wait (fetch.min.bytes = 1).
pub(super) struct ParkedFetch {
    pub park: u64,
    pub epoch: u32,
    pub offsets: Vec<FetchPosition>,
    /// The expiry, cancelled when data answers the fetch first: most long polls end that way.
    pub expiry: Timer,
}

pub struct Cluster {
    pub cfg: ClusterConfig,
    pub brokers: Vec<Broker>,
    pub partitions: Vec<Partition>,
    /// Partitions each broker leads: the producers' drain reads it for every record, elections rewrite it.
    led_by: Vec<Vec<PartitionId>>,
    /// Each broker's network interface, disk and request overhead (`bandwidth.rs`).
    pub(super) links: Vec<BrokerLinks>,
    /// The log servers' append time (one FIFO server per replica).
    append_time: Sampler,
    disk_rng: SimRng,
    /// fetch.max.wait.ms of the consumers' fetches.
    pub(super) consumer_fetch_wait: SimTime,
    /// max.partition.fetch.bytes (1 MiB) in records of the producers' size.
    pub(super) max_partition_fetch_records: u32,
    pub(super) requests: SortedMap<u64, HeldRequest>,
    next_park: u64,
    /// Parked fetches by (leader, follower) and by (broker, consumer).
    pub(super) replica_parked: SortedMap<(BrokerId, BrokerId), ParkedFetch>,
    pub(super) consumer_parked: SortedMap<(BrokerId, ConsumerId), ParkedFetch>,
}

impl Cluster {
    pub fn new(
        cfg: ClusterConfig,
        partitions: Vec<Partition>,
        consumer_fetch_wait: SimTime,
        min_record_bytes: u32,
        disk_rng: SimRng,
    ) -> Self {
        let mut c = Cluster {
            brokers: (0..cfg.brokers).map(|_| Broker { alive: true, incarnation: 0 }).collect(),
            partitions,
            led_by: Vec::new(),
            links: (0..cfg.brokers).map(|_| BrokerLinks::new(&cfg)).collect(),
            append_time: cfg.append_time.sampler(),
            disk_rng,
            consumer_fetch_wait,
            max_partition_fetch_records: (1_048_576 / min_record_bytes).max(1),
            requests: SortedMap::new(),
            next_park: 0,
            replica_parked: SortedMap::new(),
            consumer_parked: SortedMap::new(),
            cfg,
        };
        c.update_leadership();
        c
    }

    /// The partitions `broker` leads now.
    pub fn led_by(&self, broker: BrokerId) -> &[PartitionId] {
        &self.led_by[broker.index()]
    }

    pub(super) fn update_leadership(&mut self) {
        self.led_by = BrokerId::all(self.brokers.len())
            .map(|b| self.partitions.iter().filter(|p| p.leader == Some(b)).map(|p| p.id).collect())
            .collect();
    }

    /// The next append on replica `i` of partition `p` ends when the replica's log server is done.
    pub(super) fn schedule_append(&mut self, now: SimTime, p: PartitionId, i: usize) -> SimTime {
        let part = &mut self.partitions[p.index()];
        let done = now.max(part.busy_until[i]) + self.append_time.sample(&mut self.disk_rng);
        part.busy_until[i] = done;
        done
    }

    pub(super) fn next_park(&mut self) -> u64 {
        let park = self.next_park;
        self.next_park += 1;
        park
    }

    /// Eager rebalance: the members' waiting fetches are abandoned (the engines' are not in the group).
    pub fn drop_consumer_fetches(&mut self) {
        self.consumer_parked.retain(|(_, c), _| matches!(c, ConsumerId::Engine(_)));
    }

    /// Serves a waiting fetch whose fetch.max.wait.ms passed, if it still waits.
    pub fn on_consumer_fetch_expire(
        &mut self,
        env: &mut Env,
        consumer: impl Into<ConsumerId>,
        broker: BrokerId,
        park: u64,
    ) {
        let consumer = consumer.into();
        if self.consumer_parked.get(&(broker, consumer)).is_some_and(|p| p.park == park) {
            let parked = self.consumer_parked.remove(&(broker, consumer)).expect("checked");
            self.answer_consumer_fetch(env, consumer, parked.epoch, broker, &parked.offsets);
        }
    }

    /// Deletes what retention no longer keeps, as the brokers' check every
    /// log.retention.check.interval.ms does (UnifiedLog.deleteOldSegments): a batch whose newest record
    /// is older than retention.ms, then the oldest batches while the log stays above retention.bytes
    /// (a batch stands for a segment). The log start never passes the HW, nor a replica's log end (what a
    /// replica may still be truncated to). Each deleted batch goes to the ledger's audit.
    pub fn apply_retention(&mut self, now: SimTime, topic: &TopicConfig, ledger: &mut Ledger) {
        let oldest_kept = now.saturating_sub(SimTime::from_millis(topic.retention_ms));
        for part in &mut self.partitions {
            let bound = part.hw.min(part.leo.iter().copied().min().unwrap_or_default());
            let mut over_bytes = topic
                .retention_bytes
                .map_or(0, |limit| part.log.iter().map(|(_, b)| u64::from(b.bytes)).sum::<u64>().saturating_sub(limit));
            part.expire(bound, |b| {
                let expired = b.max_timestamp < oldest_kept;
                let too_big = topic.retention_bytes.is_some() && over_bytes >= u64::from(b.bytes);
                if expired || too_big {
                    over_bytes = over_bytes.saturating_sub(u64::from(b.bytes));
                    ledger.expired(b.range());
                }
                expired || too_big
            });
        }
    }

    /// The records of every batch still in a log, for the ledger.
    pub fn batches_in_logs(&self) -> impl Iterator<Item = RecordRange> + '_ {
        // Truncation drops every batch past the log end: what remains is all below it.
        self.partitions.iter().flat_map(|part| part.log.iter().map(|(_, b)| b.range()))
    }

    pub fn under_replicated(&self) -> usize {
        self.partitions.iter().filter(|p| p.isr.len() < p.replicas.len()).count()
    }

    /// The consumer-visible end of partition `p`'s log.
    pub fn hw(&self, p: PartitionId) -> Offset {
        self.partitions[p.index()].hw
    }

    /// The chunks a consumer fetch gets from `broker`: up to max.partition.fetch.bytes per partition it leads;
    /// a position below the log start gets OFFSET_OUT_OF_RANGE instead (UnifiedLog.read).
    pub(super) fn read_for_consumer(
        &self,
        broker: BrokerId,
        offsets: &[FetchPosition],
    ) -> (Vec<Chunk>, Vec<OutOfRange>) {
        let (mut chunks, mut out_of_range) = (Vec::new(), Vec::new());
        for f in offsets {
            let part = &self.partitions[f.partition.index()];
            if part.leader != Some(broker) {
                continue;
            }
            let log_start = part.log.front().map_or(part.log_end, |(base, _)| *base);
            if f.offset < log_start {
                out_of_range.push(OutOfRange { at: *f, log_start });
            } else if f.offset < part.hw {
                // At or past the HW there is nothing to read: no search of the log.
                part.read(f.offset, self.max_partition_fetch_records, &mut chunks);
            }
        }
        (chunks, out_of_range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::env::Event;
    use crate::kafka::ids::EngineId;
    use crate::kafka::testkit::{B0, B1, M0, M1, P0, at, batch, cluster, env, from, ms, take};

    #[test]
    fn each_replicas_log_is_one_fifo_server_taking_the_append_time() {
        let mut c = cluster(1, 1);
        assert_eq!(c.schedule_append(ms(0), P0, 0), ms(1));
        assert_eq!(c.schedule_append(ms(0), P0, 0), ms(2), "queued behind the first append");
        assert_eq!(c.schedule_append(ms(0), P0, 1), ms(1), "another replica's log is free");
        assert_eq!(c.schedule_append(ms(5), P0, 0), ms(6), "idle since 2 ms");
    }

    #[test]
    fn a_fetch_reads_up_to_max_partition_fetch_bytes_and_only_from_partitions_the_broker_leads() {
        let mut c = cluster(1, 1);
        // max.partition.fetch.bytes = 1 MiB (ConsumerConfig) of 100-byte records.
        assert_eq!(c.max_partition_fetch_records, 10_485);
        c.partitions[0].append(batch(0, 0, 0, 10));
        c.partitions[0].hw = Offset(6);
        assert_eq!(c.hw(P0), Offset(6));
        let read = |c: &Cluster, b| -> Vec<(u64, u32)> {
            c.read_for_consumer(b, &from(2)).0.iter().map(|k| (k.offset.0, k.len())).collect()
        };
        assert_eq!(read(&c, B0), vec![(2, 4)]);
        assert_eq!(read(&c, B1), vec![]);
        c.max_partition_fetch_records = 3;
        assert_eq!(read(&c, B0), vec![(2, 3)]);
    }

    #[test]
    fn a_consumer_fetch_below_the_log_start_is_out_of_range() {
        let mut c = cluster(1, 1);
        c.partitions[0].append(batch(0, 0, 0, 4));
        c.partitions[0].append(batch(0, 0, 4, 4));
        c.partitions[0].hw = Offset(8);
        c.partitions[0].expire(Offset(8), |b| b.base_seq == 0);
        let at = FetchPosition { partition: P0, offset: Offset(2) };
        let (chunks, out_of_range) = c.read_for_consumer(B0, &[at]);
        assert!(chunks.is_empty(), "no records of a deleted batch, nor of the next");
        assert_eq!(out_of_range, vec![OutOfRange { at, log_start: Offset(4) }]);
        c.partitions[0].expire(Offset(8), |_| true);
        let (chunks, out_of_range) = c.read_for_consumer(B0, &from(4));
        assert!(chunks.is_empty());
        assert_eq!(out_of_range[0].log_start, Offset(8), "an emptied log starts at its end");
        let (chunks, out_of_range) = c.read_for_consumer(B0, &from(8));
        assert!(chunks.is_empty() && out_of_range.is_empty(), "at the log start: nothing new yet");
    }

    #[test]
    fn leadership_and_under_replication_follow_the_partitions() {
        let mut c = cluster(1, 1);
        assert_eq!((c.led_by(B0), c.led_by(B1)), (&[P0][..], &[][..]));
        c.partitions[0].leader = Some(B1);
        c.update_leadership();
        assert_eq!((c.led_by(B0), c.led_by(B1)), (&[][..], &[P0][..]));
        assert_eq!(c.under_replicated(), 0);
        c.partitions[0].isr = vec![0, 1];
        assert_eq!(c.under_replicated(), 1);
    }

    #[test]
    fn an_expired_fetch_is_answered_only_if_it_is_the_one_still_waiting() {
        let (mut env, mut c) = (env(1), cluster(1, 1));
        c.on_consumer_fetch(&mut env, M0, 0, B0, 0, from(0));
        c.on_consumer_fetch(&mut env, M1, 0, B0, 0, from(0));
        c.on_consumer_fetch(&mut env, ConsumerId::Engine(EngineId(0)), 0, B0, 0, from(0));
        assert_eq!((c.next_park(), c.next_park()), (3, 4), "one number per parked fetch");
        take(&mut env);
        at(&mut env, ms(500));
        c.on_consumer_fetch_expire(&mut env, M0, B0, 1);
        assert!(take(&mut env).is_empty(), "park 1 is member 1's");
        c.on_consumer_fetch_expire(&mut env, M0, B0, 0);
        let answered = take(&mut env);
        assert!(
            matches!(answered[..], [(t, Event::ConsumerFetchResponse { consumer: ConsumerId::Member(M0), .. })] if t == ms(501))
        );
        c.drop_consumer_fetches();
        c.on_consumer_fetch_expire(&mut env, M1, B0, 1);
        assert!(take(&mut env).is_empty(), "a rebalance dropped the members' waiting fetches");
        c.on_consumer_fetch_expire(&mut env, ConsumerId::Engine(EngineId(0)), B0, 2);
        let answered = take(&mut env);
        assert!(
            matches!(answered[..], [(_, Event::ConsumerFetchResponse { consumer: ConsumerId::Engine(_), .. })]),
            "an engine is no member of the group: its fetch still waits"
        );
    }

    /// Three 4-record batches of 400 bytes written at 0 s; the HW at 8, replica 2's log end at 8.
    fn retained() -> Cluster {
        let mut c = cluster(1, 1);
        for (seq, n) in [(0, 4), (4, 4), (8, 4)] {
            c.partitions[0].append(batch(0, 0, seq, n));
        }
        c.partitions[0].leo = vec![Offset(12), Offset(12), Offset(8)];
        c.partitions[0].hw = Offset(8);
        c
    }

    fn firsts(c: &Cluster) -> Vec<u32> {
        c.batches_in_logs().map(|r| r.first).collect()
    }

    #[test]
    fn retention_deletes_by_age_and_by_size_but_never_past_the_hw_or_a_replicas_log_end() {
        let mut ledger = Ledger::new(1, 1);
        let topic = |retention_ms, retention_bytes| TopicConfig { retention_ms, retention_bytes, ..Default::default() };
        let mut c = retained();
        c.apply_retention(ms(1_000), &topic(1_000, None), &mut ledger);
        assert_eq!(firsts(&c), vec![0, 4, 8], "written at 0 s: not older than 1 s yet");
        c.apply_retention(ms(1_001), &topic(1_000, None), &mut ledger);
        assert_eq!(firsts(&c), vec![8], "the HW and replica 2 end at 8");
        c.partitions[0].leo[2] = Offset(12);
        c.partitions[0].hw = Offset(12);
        c.apply_retention(ms(1_001), &topic(1_000, None), &mut ledger);
        assert!(firsts(&c).is_empty());
        // retention.bytes: the oldest go while what is left stays at or above the limit.
        let mut c = retained();
        c.partitions[0].hw = Offset(12);
        c.partitions[0].leo[2] = Offset(12);
        c.apply_retention(ms(1), &topic(1_000, Some(700)), &mut ledger);
        assert_eq!(firsts(&c), vec![4, 8], "1200 bytes: deleting 400 leaves 800, deleting 800 would leave 400");
    }

    /// A batch goes when its newest record is older than retention.ms (the header's maxTimestamp), not
    /// its first: records created at 0 and 0.6 s stay until 1.6 s.
    #[test]
    fn retention_keeps_a_batch_until_its_newest_record_expires() {
        let record =
            |created_ms| crate::workload::Record { created: ms(created_ms), event_time: ms(0), key: 0, value: 1 };
        let mut b = super::super::Batch::first(ProducerId(0), P0, 0, record(0), 100, 2);
        b.push(record(600), 100);
        b.push(record(300), 100);
        assert_eq!((b.max_timestamp, b.bytes), (ms(600), 300));
        let mut c = cluster(1, 1);
        c.partitions[0].append(std::rc::Rc::new(b));
        c.partitions[0].leo = vec![Offset(3); 3];
        c.partitions[0].hw = Offset(3);
        let (mut ledger, topic) = (Ledger::new(1, 1), TopicConfig { retention_ms: 1_000, ..Default::default() });
        c.apply_retention(ms(1_600), &topic, &mut ledger);
        assert_eq!(firsts(&c), vec![0], "its newest record is exactly 1 s old");
        c.apply_retention(ms(1_601), &topic, &mut ledger);
        assert!(firsts(&c).is_empty());
    }
}
