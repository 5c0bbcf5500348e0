//! A plain snapshot of the cluster at one instant: what a diagram or a live view draws. It is read from the
//! actors' state and never feeds back into the run.

use serde::Serialize;

/// The cluster as an observer sees it at `at_ms`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterState {
    pub at_ms: f64,
    pub brokers: Vec<BrokerState>,
    /// The active controller (KRaft): the lowest-numbered live broker in this model.
    pub controller: Option<u32>,
    pub partitions: Vec<PartitionState>,
    pub producers: u32,
    pub group: GroupState,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BrokerState {
    pub id: u32,
    pub alive: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartitionState {
    pub id: u32,
    /// Replica brokers in assignment order; the first is the preferred leader.
    pub replicas: Vec<u32>,
    pub leader: Option<u32>,
    /// Brokers in the in-sync replica set.
    pub isr: Vec<u32>,
    pub high_watermark: u64,
    pub log_end_offset: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupState {
    pub rebalancing: bool,
    pub members: Vec<MemberState>,
    /// Committed offset per partition.
    pub committed: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberState {
    pub name: String,
    pub alive: bool,
    pub assigned: Vec<u32>,
}
