//! Fixtures for the actors' unit tests: a 3-broker cluster whose network and disks take exactly 1 ms,
//! one partition replicated on brokers 0, 1, 2 (leader 0), and a way to read what an actor emitted.

use super::broker::Partition;
use super::cluster::Cluster;
use super::env::{Env, Event, ProduceRequest};
use super::ids::{BrokerId, FetchPosition, MemberId, Offset, PartitionId, ProducerId};
use super::{Batch, BatchRef};
use crate::dist::DistSpec;
use crate::ledger::Ledger;
use crate::network::Network;
use crate::rng::stream;
use crate::scenario::{Acks, ClusterConfig};
use crate::time::SimTime;
use crate::workload::Record;
use std::rc::Rc;

pub const MS: SimTime = SimTime::from_millis(1);
pub const B0: BrokerId = BrokerId(0);
pub const B1: BrokerId = BrokerId(1);
pub const B2: BrokerId = BrokerId(2);
pub const P0: PartitionId = PartitionId(0);
pub const M0: MemberId = MemberId(0);
pub const M1: MemberId = MemberId(1);

pub fn ms(n: u64) -> SimTime {
    SimTime::from_millis(n)
}

pub fn env(producers: u32) -> Env {
    let net = Network::new(
        DistSpec::constant_ms(1.0).sampler(),
        stream(1, "network"),
        vec![stream(1, "engine-network")],
        (producers, 3, 2),
    );
    Env::new(net, Ledger::new(producers, 1), (ms(1000), SimTime::MAX))
}

/// Brokers 0, 1, 2; partition 0 on replicas [0, 1, 2], led by 0, all in sync.
pub fn cluster(min_insync_replicas: u32, producers: u32) -> Cluster {
    cluster_appending_in(1.0, min_insync_replicas, producers)
}

/// `cluster` with appends of `append_ms` each.
pub fn cluster_appending_in(append_ms: f64, min_insync_replicas: u32, producers: u32) -> Cluster {
    let cfg = ClusterConfig {
        network_delay: DistSpec::constant_ms(1.0),
        append_time: DistSpec::constant_ms(append_ms),
        min_insync_replicas,
        ..ClusterConfig::default()
    };
    Cluster::new(cfg, vec![Partition::new(P0, vec![B0, B1, B2], producers)], ms(500), 100, stream(1, "disk"))
}

/// `n` records of `producer` for partition 0, sent with `epoch` from sequence `base_seq`.
pub fn batch(producer: u32, epoch: u32, base_seq: u32, n: u32) -> BatchRef {
    let records =
        (0..n).map(|i| Record { created: SimTime::ZERO, event_time: SimTime::ZERO, key: i, value: 1 }).collect();
    Rc::new(Batch {
        producer: ProducerId(producer),
        partition: P0,
        first_record: base_seq,
        epoch,
        base_seq,
        records,
        bytes: 100 * n,
        max_timestamp: SimTime::ZERO,
    })
}

pub fn request(id: u64, acks: Acks, batches: Vec<BatchRef>) -> ProduceRequest {
    ProduceRequest { id, producer: ProducerId(0), acks, idempotent: true, batches }
}

/// A fetch of partition 0 from `offset`.
pub fn from(offset: u64) -> Vec<FetchPosition> {
    vec![FetchPosition { partition: P0, offset: Offset(offset) }]
}

/// Everything the actors scheduled, in the order it will happen; the queue is left empty.
pub fn take(env: &mut Env) -> Vec<(SimTime, Event)> {
    std::iter::from_fn(|| env.queue.pop()).collect()
}

/// Runs the clock to `t`.
pub fn at(env: &mut Env, t: SimTime) {
    env.now = t;
}
