//! A broker's costs: its network interface and its log disk, each a FIFO server that moves bytes at a fixed
//! bandwidth, and the broker's fixed work per produce request. Requests queue for them, so a busy broker
//! answers later, and one large batch costs less than many small ones: it pays the request overhead once
//! (Kafka docs, "Design: Efficiency": batching amortises network round trips and per-request work).
//!
//! A bandwidth of 0 is unlimited and an overhead of 0 free: then nothing waits, as before the cost model.

use super::broker::Partition;
use super::ids::Offset;
use crate::scenario::ClusterConfig;
use crate::time::SimTime;

/// A resource that serialises bytes: each use occupies it for `fixed + bytes / bandwidth`, one after another.
#[derive(Clone, Debug)]
pub struct Link {
    /// 0: unlimited.
    bytes_per_s: u64,
    busy_until: SimTime,
}

impl Link {
    pub fn new(bytes_per_s: u64) -> Link {
        Link { bytes_per_s, busy_until: SimTime::ZERO }
    }

    /// Unlimited: its users need not count the bytes they send.
    pub fn is_unlimited(&self) -> bool {
        self.bytes_per_s == 0
    }

    /// How long `bytes` occupy the resource, rounded up to the nanosecond.
    pub fn transfer_time(&self, bytes: u64) -> SimTime {
        if self.bytes_per_s == 0 {
            return SimTime::ZERO;
        }
        let ns = (u128::from(bytes) * 1_000_000_000).div_ceil(u128::from(self.bytes_per_s));
        SimTime::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX))
    }

    /// Takes the resource at `now`, or when the work queued before is done, for `fixed` plus the bytes'
    /// transfer time; returns when this work is done.
    pub fn serve(&mut self, now: SimTime, bytes: u64, fixed: SimTime) -> SimTime {
        let done = now.max(self.busy_until) + fixed + self.transfer_time(bytes);
        self.busy_until = done;
        done
    }
}

/// One broker's resources. An Ethernet link is full duplex, so what the broker receives (produce requests,
/// replicated data) and what it sends (fetch responses) each have the whole bandwidth.
#[derive(Clone, Debug)]
pub struct BrokerLinks {
    pub nic_in: Link,
    pub nic_out: Link,
    /// Log appends, leader and follower, in arrival order; produce requests also pay their overhead here.
    pub disk: Link,
    /// request_overhead_us: the broker's fixed work per produce request.
    pub request_overhead: SimTime,
}

impl BrokerLinks {
    pub fn new(cfg: &ClusterConfig) -> BrokerLinks {
        BrokerLinks {
            nic_in: Link::new(cfg.network_bytes_per_s),
            nic_out: Link::new(cfg.network_bytes_per_s),
            disk: Link::new(cfg.disk_bytes_per_s),
            request_overhead: SimTime::from_micros(cfg.request_overhead_us),
        }
    }
}

impl Partition {
    /// The bytes of the log's batches between offsets `from` and `to` (whole batches: a fetch returns the
    /// batches that hold the offsets asked for).
    pub fn bytes_between(&self, from: Offset, to: Offset) -> u64 {
        self.log
            .range(self.first_batch_holding(from)..)
            .take_while(|(base, _)| *base < to)
            .map(|(_, b)| u64::from(b.bytes))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::env::Event;
    use crate::kafka::ids::BrokerId;
    use crate::kafka::testkit::{B0, M0, P0, batch, cluster, env, from, request, take};
    use crate::scenario::Acks;

    fn us(n: u64) -> SimTime {
        SimTime::from_micros(n)
    }

    #[test]
    fn a_link_serialises_bytes_one_use_after_another() {
        // 125 MB/s, a 1 Gbit/s NIC: 1 kB takes 8 µs.
        let mut nic = Link::new(125_000_000);
        assert_eq!(nic.serve(SimTime::ZERO, 1000, SimTime::ZERO), us(8));
        // Sent at 2 µs, the second kB waits for the first.
        assert_eq!(nic.serve(us(2), 1000, SimTime::ZERO), us(16));
        // Idle again by 100 µs: no wait.
        assert_eq!(nic.serve(us(100), 125, SimTime::ZERO), us(101));
    }

    #[test]
    fn a_transfer_time_rounds_up_to_the_nanosecond() {
        assert_eq!(Link::new(3).transfer_time(1), SimTime::from_nanos(333_333_334));
        assert_eq!(Link::new(1).transfer_time(u64::MAX), SimTime::from_nanos(u64::MAX));
    }

    #[test]
    fn one_large_batch_pays_the_request_overhead_once_many_small_requests_many_times() {
        // 500 MB/s disk and 100 µs per request: 100 records of 1 kB.
        let cost = |requests: u64| {
            let mut disk = Link::new(500_000_000);
            let mut done = SimTime::ZERO;
            for _ in 0..requests {
                done = disk.serve(SimTime::ZERO, 100_000 / requests, us(100));
            }
            done
        };
        assert_eq!(cost(1), us(100 + 200));
        assert_eq!(cost(100), us(100 * 100 + 200));
    }

    #[test]
    fn zero_bandwidth_and_overhead_cost_nothing() {
        let mut links = BrokerLinks::new(&ClusterConfig::default());
        assert!(links.nic_in.is_unlimited() && links.disk.is_unlimited());
        assert!(!Link::new(1).is_unlimited(), "1 byte per second is slow, not unlimited");
        assert_eq!(links.nic_in.serve(us(5), 1 << 40, links.request_overhead), us(5));
        assert_eq!(links.disk.serve(us(3), 1 << 40, SimTime::ZERO), us(3));
    }

    #[test]
    fn the_bytes_between_two_offsets_count_the_whole_batches_that_hold_them() {
        let mut p = Partition::new(P0, vec![BrokerId(0)], 1);
        // Batches of 10, 5 and 20 records of 100 bytes: offsets 0-9, 10-14, 15-34.
        for (seq, n) in [(0, 10), (10, 5), (15, 20)] {
            p.append(batch(0, 0, seq, n));
        }
        assert_eq!(p.bytes_between(Offset(0), Offset(35)), 3500);
        assert_eq!(p.bytes_between(Offset(12), Offset(15)), 500);
        assert_eq!(p.bytes_between(Offset(12), Offset(16)), 2500);
        assert_eq!(p.bytes_between(Offset(35), Offset(35)), 0);
    }

    /// Partition 0's leader with a 1 MB/s network and disk and 100 µs per request.
    fn slow_leader() -> super::super::cluster::Cluster {
        let mut c = cluster(1, 1);
        let cfg = ClusterConfig {
            network_bytes_per_s: 1_000_000,
            disk_bytes_per_s: 1_000_000,
            request_overhead_us: 100,
            ..ClusterConfig::default()
        };
        c.links = vec![BrokerLinks::new(&cfg); 3];
        c
    }

    #[test]
    fn a_produce_request_crosses_the_nic_pays_its_overhead_then_writes_its_bytes() {
        let (mut env, mut c) = (env(1), slow_leader());
        // 1000 bytes: received at 1 ms, handled at 1.1 ms, on disk at 2.1 ms, appended (1 ms) at 3.1 ms.
        c.on_produce_arrive(&mut env, B0, 0, request(0, Acks::Leader, vec![batch(0, 0, 0, 10)]));
        let done: Vec<SimTime> = take(&mut env).into_iter().map(|(t, _)| t).collect();
        assert_eq!(done, vec![us(3100)]);
        // A second request of 100 bytes arriving at once: received at 1.1 ms, then it waits for the disk
        // (free at 2.1 ms, done at 2.3 ms) and for the replica's append of the first (done at 3.1 ms).
        c.on_produce_arrive(&mut env, B0, 0, request(1, Acks::Leader, vec![batch(0, 0, 10, 1)]));
        let done: Vec<SimTime> = take(&mut env).into_iter().map(|(t, _)| t).collect();
        assert_eq!(done, vec![us(3100 + 1000)]);
    }

    #[test]
    fn a_fetch_response_leaves_once_the_nic_has_sent_its_bytes() {
        let (mut env, mut c) = (env(1), slow_leader());
        c.partitions[0].append(batch(0, 0, 0, 10));
        c.partitions[0].hw = Offset(10);
        c.on_consumer_fetch(&mut env, M0, 0, B0, 0, from(4));
        // 6 records of 100 bytes take 600 µs on the NIC, then 1 ms on the network.
        let answered = take(&mut env);
        assert!(
            matches!(&answered[..], [(t, Event::ConsumerFetchResponse { chunks, .. })] if *t == us(1600) && chunks[0].bytes() == 600),
            "{answered:?}"
        );
    }
}
