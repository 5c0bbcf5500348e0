//! Brokers and the partitions they host: the log, replicas and their log end offsets (LEO), the in-sync
//! replica set (ISR) and the high watermark (HW).
//!
//! All replicas of a partition share one log: after Kafka's leader-epoch truncation every replica's log
//! is a prefix of the leader's (KIP-101), so a replica is fully described by its LEO.

use super::{BatchRef, Chunk};
use crate::time::SimTime;
use std::collections::VecDeque;

pub struct Broker {
    pub alive: bool,
    /// Bumped at every crash, so that events addressed to an earlier life are dropped.
    pub incarnation: u32,
}

/// What the leader knows of one follower (kafka.cluster.Replica).
#[derive(Clone, Copy, Debug, Default)]
pub struct FollowerState {
    /// The follower's LEO as of its last fetch request.
    pub fetched_leo: u64,
    pub last_caught_up: SimTime,
    pub last_fetch_leader_leo: u64,
    pub last_fetch_time: SimTime,
}

/// Idempotent producer state per partition (ProducerStateManager): the last batches' sequence ranges.
#[derive(Clone, Debug, Default)]
pub struct ProducerState {
    /// (base_seq, last_seq, base_offset) of the last 5 batches, oldest first.
    pub recent: VecDeque<(u32, u32, u64)>,
}

/// Kafka retains the metadata of the last 5 batches per producer (ProducerStateEntry.NUM_BATCHES_TO_RETAIN).
pub const BATCHES_TO_RETAIN: usize = 5;

pub enum SeqCheck {
    Append,
    /// A retry of a batch already in the log, at this base offset.
    Duplicate,
    OutOfOrder,
}

impl ProducerState {
    pub fn check(&self, base_seq: u32) -> SeqCheck {
        match self.recent.back() {
            None if base_seq == 0 => SeqCheck::Append,
            // State lost (e.g. truncated away): accept, as a broker that sees a new epoch would.
            None => SeqCheck::Append,
            Some(&(_, last, _)) if base_seq == last.wrapping_add(1) => SeqCheck::Append,
            Some(_) if self.recent.iter().any(|&(b, _, _)| b == base_seq) => SeqCheck::Duplicate,
            Some(_) => SeqCheck::OutOfOrder,
        }
    }

    pub fn appended(&mut self, base_seq: u32, n: u32, base_offset: u64) {
        if self.recent.len() == BATCHES_TO_RETAIN {
            self.recent.pop_front();
        }
        self.recent.push_back((base_seq, base_seq + n - 1, base_offset));
    }

    pub fn truncate(&mut self, log_end: u64) {
        self.recent.retain(|&(_, _, off)| off < log_end);
    }
}

/// A produce waiting for the high watermark (acks=all): the broker's "delayed produce purgatory".
#[derive(Clone, Copy, Debug)]
pub struct PendingAck {
    pub end_offset: u64,
    pub request: u64,
    pub slot: u32,
}

pub struct Partition {
    pub id: u32,
    /// Brokers hosting a replica, in preference order (the first is the preferred leader).
    pub replicas: Vec<u32>,
    pub leader: Option<u32>,
    /// Indices into `replicas`.
    pub isr: Vec<usize>,
    /// Retained batches and their base offsets. Older batches are dropped once every consumer group has
    /// committed past them; offsets stay absolute.
    pub log: VecDeque<(u64, BatchRef)>,
    pub log_end: u64,
    /// The LEO of each replica (indexed like `replicas`).
    pub leo: Vec<u64>,
    pub followers: Vec<FollowerState>,
    pub hw: u64,
    /// Each replica's log is a single FIFO server: the time it finishes its queued appends.
    pub busy_until: Vec<SimTime>,
    pub producer_state: Vec<ProducerState>,
    pub pending_acks: VecDeque<PendingAck>,
}

impl Partition {
    pub fn new(id: u32, replicas: Vec<u32>, producers: u32) -> Self {
        let n = replicas.len();
        Partition {
            id,
            leader: Some(replicas[0]),
            replicas,
            isr: (0..n).collect(),
            log: VecDeque::new(),
            log_end: 0,
            leo: vec![0; n],
            followers: vec![FollowerState::default(); n],
            hw: 0,
            busy_until: vec![SimTime::ZERO; n],
            producer_state: vec![ProducerState::default(); producers as usize],
            pending_acks: VecDeque::new(),
        }
    }

    pub fn replica_index(&self, broker: u32) -> Option<usize> {
        self.replicas.iter().position(|&b| b == broker)
    }

    pub fn leader_index(&self) -> Option<usize> {
        self.leader.and_then(|l| self.replica_index(l))
    }

    /// Appends a batch at the leader; returns its base offset.
    pub fn append(&mut self, batch: BatchRef) -> u64 {
        let base = self.log_end;
        self.log_end += u64::from(batch.len());
        self.log.push_back((base, batch));
        if let Some(l) = self.leader_index() {
            self.leo[l] = self.log_end;
        }
        base
    }

    /// HW = the smallest LEO in the ISR, as the leader knows them (Partition.maybeIncrementLeaderHW).
    /// Returns true when it moved.
    pub fn update_hw(&mut self) -> bool {
        let Some(l) = self.leader_index() else {
            return false;
        };
        let min = self
            .isr
            .iter()
            .map(|&i| if i == l { self.log_end } else { self.followers[i].fetched_leo })
            .min()
            .unwrap_or(self.log_end);
        if min > self.hw {
            self.hw = min;
            return true;
        }
        false
    }

    /// The leader takes a follower's fetch at `offset` (Replica.updateFetchState): a follower is caught up
    /// if it asked for the leader's LEO, or for at least what the leader had at its previous fetch.
    pub fn on_follower_fetch(&mut self, idx: usize, offset: u64, now: SimTime) {
        let end = self.log_end;
        let f = &mut self.followers[idx];
        f.fetched_leo = offset;
        if offset >= end {
            f.last_caught_up = now;
        } else if offset >= f.last_fetch_leader_leo {
            f.last_caught_up = f.last_caught_up.max(f.last_fetch_time);
        }
        f.last_fetch_leader_leo = end;
        f.last_fetch_time = now;
    }

    /// Up to `max_records` records from `offset`, but not past the HW.
    pub fn read(&self, offset: u64, max_records: u32, out: &mut Vec<Chunk>) -> u32 {
        let mut taken = 0;
        let start = self.log.partition_point(|(base, b)| base + u64::from(b.len()) <= offset);
        for (base, batch) in self.log.range(start..) {
            if *base >= self.hw || taken >= max_records {
                break;
            }
            let from = offset.max(*base) - base;
            let visible_end = (self.hw.min(base + u64::from(batch.len())) - base) as u32;
            let to = visible_end.min(from as u32 + (max_records - taken));
            if to as u64 > from {
                out.push(Chunk {
                    partition: self.id,
                    offset: base + from,
                    batch: batch.clone(),
                    from: from as u32,
                    to,
                });
                taken += to - from as u32;
            }
        }
        taken
    }

    /// Drops batches that end at or before `offset`: nobody will read them again.
    pub fn trim_before(&mut self, offset: u64) {
        while let Some((base, b)) = self.log.front() {
            if base + u64::from(b.len()) <= offset {
                self.log.pop_front();
            } else {
                break;
            }
        }
    }

    /// Truncates the log to `end` (a new leader's LEO).
    pub fn truncate(&mut self, end: u64) {
        while self.log.back().is_some_and(|(base, _)| *base >= end) {
            self.log.pop_back();
        }
        // A batch straddling `end` cannot exist: replicas copy whole batches.
        self.log_end = end;
        for leo in &mut self.leo {
            *leo = (*leo).min(end);
        }
        for f in &mut self.followers {
            f.fetched_leo = f.fetched_leo.min(end);
        }
        self.hw = self.hw.min(end);
        for ps in &mut self.producer_state {
            ps.truncate(end);
        }
    }
}
