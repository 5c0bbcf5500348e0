//! Brokers and the partitions they host: the log, replicas and their log end offsets (LEO), the in-sync
//! replica set (ISR) and the high watermark (HW).
//!
//! All replicas of a partition share one log: after Kafka's leader-epoch truncation every replica's log
//! is a prefix of the leader's (KIP-101), so a replica is fully described by its LEO.

use super::ids::{BrokerId, Offset, PartitionId};
use super::{BatchRef, Chunk, ProduceError};
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
    pub fetched_leo: Offset,
    pub last_caught_up: SimTime,
    pub last_fetch_leader_leo: Offset,
    pub last_fetch_time: SimTime,
}

/// One retained batch of a producer (ProducerStateEntry's BatchMetadata).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchMeta {
    pub epoch: u32,
    pub base_seq: u32,
    pub last_seq: u32,
    pub base_offset: Offset,
    /// The offset after the batch's last record.
    pub end_offset: Offset,
}

/// Idempotent producer state per partition (ProducerStateManager): the last batches' sequence ranges.
#[derive(Clone, Debug, Default)]
pub struct ProducerState {
    /// The last 5 batches of the producer's current epoch, oldest first.
    pub recent: VecDeque<BatchMeta>,
}

/// Kafka retains the metadata of the last 5 batches per producer (ProducerStateEntry.NUM_BATCHES_TO_RETAIN).
pub const BATCHES_TO_RETAIN: usize = 5;

#[derive(Debug, PartialEq, Eq)]
pub enum SeqCheck {
    Append,
    /// A retry of a batch already in the log, which ends at this offset.
    Duplicate {
        end_offset: Offset,
    },
    OutOfOrder,
    /// From an epoch older than the producer's current one (INVALID_PRODUCER_EPOCH).
    StaleEpoch,
}

impl ProducerState {
    /// ProducerAppendInfo.checkProducerEpoch / checkSequence, and findDuplicateBatch.
    pub fn check(&self, epoch: u32, base_seq: u32, len: u32) -> SeqCheck {
        let last_seq = base_seq.wrapping_add(len - 1);
        match self.recent.back() {
            // No state: a producer's first batch on the partition, or all its batches truncated away. Kafka
            // accepts any sequence here because retention may have deleted the state; the model never
            // deletes it, so only sequence 0 (the stream's start, or a new epoch's) fits.
            None if base_seq == 0 => SeqCheck::Append,
            None => SeqCheck::OutOfOrder,
            Some(last) if epoch < last.epoch => SeqCheck::StaleEpoch,
            // A new epoch starts at sequence 0.
            Some(last) if epoch > last.epoch => {
                if base_seq == 0 {
                    SeqCheck::Append
                } else {
                    SeqCheck::OutOfOrder
                }
            }
            Some(last) if base_seq == last.last_seq.wrapping_add(1) => SeqCheck::Append,
            Some(_) => match self.recent.iter().find(|m| m.base_seq == base_seq && m.last_seq == last_seq) {
                Some(m) => SeqCheck::Duplicate { end_offset: m.end_offset },
                None => SeqCheck::OutOfOrder,
            },
        }
    }

    pub fn appended(&mut self, epoch: u32, base_seq: u32, n: u32, base_offset: Offset) {
        if self.recent.back().is_some_and(|m| m.epoch != epoch) {
            self.recent.clear();
        }
        if self.recent.len() == BATCHES_TO_RETAIN {
            self.recent.pop_front();
        }
        let end_offset = base_offset.plus(n);
        self.recent.push_back(BatchMeta {
            epoch,
            base_seq,
            last_seq: base_seq.wrapping_add(n - 1),
            base_offset,
            end_offset,
        });
    }
}

/// A produce waiting for the high watermark (acks=all): the broker's "delayed produce purgatory".
#[derive(Clone, Copy, Debug)]
pub struct PendingAck {
    pub end_offset: Offset,
    pub request: u64,
    pub slot: u32,
}

/// Where a leader's append put a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appended {
    pub end_offset: Offset,
    /// A retry of a batch the log already held: nothing was written.
    pub duplicate: bool,
}

pub struct Partition {
    pub id: PartitionId,
    /// Brokers hosting a replica, in preference order (the first is the preferred leader).
    pub replicas: Vec<BrokerId>,
    pub leader: Option<BrokerId>,
    /// Bumped at every leader change: what a follower fetched under an older epoch is discarded.
    pub leader_epoch: u32,
    /// Indices into `replicas`.
    pub isr: Vec<usize>,
    /// Retained batches and their base offsets. Retention deletes the oldest; offsets stay absolute.
    pub log: VecDeque<(Offset, BatchRef)>,
    pub log_end: Offset,
    /// The LEO of each replica (indexed like `replicas`).
    pub leo: Vec<Offset>,
    pub followers: Vec<FollowerState>,
    pub hw: Offset,
    /// Each replica's log is a single FIFO server: the time it finishes its queued appends.
    pub busy_until: Vec<SimTime>,
    pub producer_state: Vec<ProducerState>,
    pub pending_acks: VecDeque<PendingAck>,
}

impl Partition {
    pub fn new(id: PartitionId, replicas: Vec<BrokerId>, producers: u32) -> Self {
        let n = replicas.len();
        Partition {
            id,
            leader: Some(replicas[0]),
            leader_epoch: 0,
            replicas,
            isr: (0..n).collect(),
            log: VecDeque::new(),
            log_end: Offset::ZERO,
            leo: vec![Offset::ZERO; n],
            followers: vec![FollowerState::default(); n],
            hw: Offset::ZERO,
            busy_until: vec![SimTime::ZERO; n],
            producer_state: vec![ProducerState::default(); producers as usize],
            pending_acks: VecDeque::new(),
        }
    }

    pub fn replica_index(&self, broker: BrokerId) -> Option<usize> {
        self.replicas.iter().position(|&b| b == broker)
    }

    pub fn leader_index(&self) -> Option<usize> {
        self.leader.and_then(|l| self.replica_index(l))
    }

    /// Appends a batch at the leader; returns its base offset.
    pub fn append(&mut self, batch: BatchRef) -> Offset {
        let base = self.log_end;
        self.log_end = base.plus(batch.len());
        self.log.push_back((base, batch));
        if let Some(l) = self.leader_index() {
            self.leo[l] = self.log_end;
        }
        base
    }

    /// The leader's append of a producer's batch (Partition.appendRecordsToLeader with the
    /// ProducerStateManager's checks). Returns the offset the batch ends at: for a retry of a batch
    /// already in the log, the original's, which an acks=all produce waits for like any other.
    pub fn append_as_leader(&mut self, batch: BatchRef, idempotent: bool) -> Result<Appended, ProduceError> {
        let producer = batch.producer.index();
        if idempotent {
            match self.producer_state[producer].check(batch.epoch, batch.base_seq, batch.len()) {
                SeqCheck::Append => {}
                SeqCheck::Duplicate { end_offset } => return Ok(Appended { end_offset, duplicate: true }),
                SeqCheck::OutOfOrder => return Err(ProduceError::OutOfOrderSequence),
                SeqCheck::StaleEpoch => return Err(ProduceError::InvalidProducerEpoch),
            }
        }
        let (epoch, base_seq, n) = (batch.epoch, batch.base_seq, batch.len());
        let base = self.append(batch);
        if idempotent {
            self.producer_state[producer].appended(epoch, base_seq, n, base);
        }
        Ok(Appended { end_offset: self.log_end, duplicate: false })
    }

    /// Parks an acks=all produce until the HW reaches `end_offset` (DelayedProduce), in offset order.
    pub fn await_hw(&mut self, ack: PendingAck) {
        let at = self.pending_acks.partition_point(|a| a.end_offset <= ack.end_offset);
        self.pending_acks.insert(at, ack);
    }

    /// The parked produces the HW has reached: they succeed. Kafka checks the ISR against
    /// min.insync.replicas once more here (Partition.checkEnoughReplicasReachOffset), but since the HW
    /// moves only with enough replicas in sync (`update_hw`), that check no longer fails.
    pub fn complete_acks(&mut self) -> Vec<PendingAck> {
        let reached = self.pending_acks.partition_point(|a| a.end_offset <= self.hw);
        self.pending_acks.drain(..reached).collect()
    }

    /// HW = the smallest LEO in the ISR, as the leader knows them (Partition.maybeIncrementLeaderHW).
    /// Returns true when it moved. An ISR smaller than min.insync.replicas holds the HW where it is, for
    /// every acks setting: consumers see nothing new and acks=all produces wait (Kafka 3.7+, KAFKA-15583:
    /// Partition.isUnderMinIsr; Kafka caps the setting at the replica count, which validation ensures).
    pub fn update_hw(&mut self, min_insync: u32) -> bool {
        let Some(l) = self.leader_index() else {
            return false;
        };
        if self.isr.len() < min_insync as usize {
            return false;
        }
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
    pub fn on_follower_fetch(&mut self, idx: usize, offset: Offset, now: SimTime) {
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

    /// How many batches start at or before `offset`. Readers are mostly near the log end, so the search
    /// gallops from the back: its cost grows with the distance from the end, not with the log's length.
    pub(super) fn batches_from(&self, offset: Offset) -> usize {
        let n = self.log.len();
        let (mut lo, mut hi) = (0, n);
        let mut step = 1;
        while step <= n {
            let i = n - step;
            if self.log[i].0 <= offset {
                lo = i + 1;
                break;
            }
            hi = i;
            step *= 2;
        }
        // Every batch before `lo` starts at or before `offset`, every one from `hi` after it.
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.log[mid].0 <= offset {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The index of the first batch ending past `offset`: the batches do not overlap, so it is the last one
    /// starting at or before it, or the next. The search reads only the bases kept in the log, never a batch.
    pub fn first_batch_holding(&self, offset: Offset) -> usize {
        let after = self.batches_from(offset);
        match after.checked_sub(1).map(|i| &self.log[i]) {
            Some((base, b)) if base.plus(b.len()) > offset => after - 1,
            _ => after,
        }
    }

    /// Up to `max_records` records from `offset`, but not past the HW.
    pub fn read(&self, offset: Offset, max_records: u32, out: &mut Vec<Chunk>) -> u32 {
        let mut taken = 0;
        for &(base, ref batch) in self.log.range(self.first_batch_holding(offset)..) {
            if base >= self.hw || taken >= max_records {
                break;
            }
            let from = base.distance_to(offset) as u32;
            let visible_end = base.distance_to(self.hw.min(base.plus(batch.len()))) as u32;
            let to = visible_end.min(from.saturating_add(max_records - taken));
            if to > from {
                let (partition, offset, leader_epoch) = (self.id, base.plus(from), self.leader_epoch);
                out.push(Chunk { partition, offset, batch: batch.clone(), from, to, leader_epoch });
                taken += to - from;
            }
        }
        taken
    }

    /// Deletes batches from the front while `delete` says so, none ending past `bound`.
    pub fn expire(&mut self, bound: Offset, mut delete: impl FnMut(&BatchRef) -> bool) {
        while let Some((base, b)) = self.log.front() {
            if base.plus(b.len()) > bound || !delete(b) {
                break;
            }
            self.log.pop_front();
        }
    }

    /// Truncates the log to `end` (a new leader's LEO).
    pub fn truncate(&mut self, end: Offset) {
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
        // Each producer's state is rebuilt from the log that remains (UnifiedLog.truncateTo reloads it).
        for (producer, ps) in self.producer_state.iter_mut().enumerate() {
            if ps.recent.back().is_none_or(|m| m.end_offset <= end) {
                continue;
            }
            ps.recent.retain(|m| m.end_offset <= end);
            if ps.recent.is_empty() {
                let mine =
                    self.log.iter().rev().filter(|(_, b)| b.producer.index() == producer).take(BATCHES_TO_RETAIN);
                let mut rebuilt: Vec<(Offset, &BatchRef)> = mine.map(|(o, b)| (*o, b)).collect();
                rebuilt.reverse();
                if let Some(&(_, last)) = rebuilt.last() {
                    rebuilt.retain(|(_, b)| b.epoch == last.epoch);
                }
                for (base, b) in rebuilt {
                    ps.appended(b.epoch, b.base_seq, b.len(), base);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::testkit::{B0, B1, B2, P0, batch, ms};

    /// Partition 0 on brokers 0, 1, 2 (leader 0) with two producers' state.
    fn partition() -> Partition {
        Partition::new(P0, vec![B0, B1, B2], 2)
    }

    /// (offset, from, to) of each chunk `read` hands out.
    fn read(p: &Partition, offset: u64, max_records: u32) -> (u32, Vec<(u64, u32, u32)>) {
        let mut out = Vec::new();
        let taken = p.read(Offset(offset), max_records, &mut out);
        (taken, out.iter().map(|c| (c.offset.0, c.from, c.to)).collect())
    }

    #[test]
    fn a_batch_continues_the_last_sequence_a_retry_is_a_duplicate_and_a_gap_is_out_of_order() {
        // ProducerAppendInfo.checkSequence: the next batch starts at the last sequence + 1.
        let mut s = ProducerState::default();
        assert_eq!(s.check(0, 0, 5), SeqCheck::Append, "a producer's first batch starts at 0");
        assert_eq!(s.check(0, 3, 5), SeqCheck::OutOfOrder);
        s.appended(0, 0, 5, Offset(100));
        assert_eq!(
            s.recent[0],
            BatchMeta { epoch: 0, base_seq: 0, last_seq: 4, base_offset: Offset(100), end_offset: Offset(105) }
        );
        assert_eq!(s.check(0, 5, 3), SeqCheck::Append);
        assert_eq!(s.check(0, 6, 3), SeqCheck::OutOfOrder);
        // findDuplicateBatch: the same first and last sequence as a retained batch.
        assert_eq!(s.check(0, 0, 5), SeqCheck::Duplicate { end_offset: Offset(105) });
        assert_eq!(s.check(0, 0, 4), SeqCheck::OutOfOrder, "same first sequence, other last");
    }

    #[test]
    fn an_older_epoch_is_fenced_and_a_new_epoch_starts_again_at_sequence_0() {
        let mut s = ProducerState::default();
        s.appended(1, 0, 5, Offset(0));
        assert_eq!(s.check(0, 5, 1), SeqCheck::StaleEpoch);
        assert_eq!(s.check(2, 5, 1), SeqCheck::OutOfOrder);
        assert_eq!(s.check(2, 0, 1), SeqCheck::Append);
        s.appended(2, 0, 1, Offset(5));
        // The new epoch's state replaces the old one's.
        assert_eq!(s.recent.iter().map(|m| m.epoch).collect::<Vec<_>>(), vec![2]);
    }

    #[test]
    fn the_state_keeps_the_last_5_batches_so_an_older_retry_is_out_of_order() {
        let mut s = ProducerState::default();
        for i in 0..6 {
            s.appended(0, 2 * i, 2, Offset(u64::from(2 * i)));
        }
        assert_eq!(s.recent.len(), BATCHES_TO_RETAIN);
        assert_eq!(s.check(0, 0, 2), SeqCheck::OutOfOrder, "the first batch's metadata is gone");
        assert_eq!(s.check(0, 2, 2), SeqCheck::Duplicate { end_offset: Offset(4) });
    }

    #[test]
    fn the_leader_appends_an_idempotent_batch_once_and_answers_its_retry_with_the_original_offsets() {
        let mut p = partition();
        assert_eq!(
            p.append_as_leader(batch(0, 0, 0, 4), true),
            Ok(Appended { end_offset: Offset(4), duplicate: false })
        );
        assert_eq!(
            p.append_as_leader(batch(1, 0, 0, 6), true),
            Ok(Appended { end_offset: Offset(10), duplicate: false })
        );
        assert_eq!(
            p.append_as_leader(batch(0, 0, 0, 4), true),
            Ok(Appended { end_offset: Offset(4), duplicate: true })
        );
        assert_eq!(p.append_as_leader(batch(0, 0, 9, 1), true), Err(ProduceError::OutOfOrderSequence));
        assert_eq!(
            p.append_as_leader(batch(1, 0, 6, 1), true),
            Ok(Appended { end_offset: Offset(11), duplicate: false })
        );
        p.producer_state[0].appended(3, 0, 1, Offset(11));
        assert_eq!(p.append_as_leader(batch(0, 2, 0, 1), true), Err(ProduceError::InvalidProducerEpoch));
        assert_eq!((p.log_end, p.leo.clone(), p.log.len()), (Offset(11), vec![Offset(11), Offset(0), Offset(0)], 3));
        // Without idempotence the broker checks nothing and keeps no state: a retry is written twice.
        let mut p = partition();
        p.append_as_leader(batch(0, 0, 0, 4), false).unwrap();
        assert_eq!(
            p.append_as_leader(batch(0, 0, 0, 4), false),
            Ok(Appended { end_offset: Offset(8), duplicate: false })
        );
        assert!(p.producer_state[0].recent.is_empty());
    }

    #[test]
    fn parked_produces_complete_in_offset_order_once_the_high_watermark_reaches_their_end() {
        let mut p = partition();
        for (request, end_offset) in [(0, 10), (1, 5), (2, 10), (3, 3)] {
            p.await_hw(PendingAck { end_offset: Offset(end_offset), request, slot: 0 });
        }
        // DelayedProduce: equal ends keep their arrival order.
        let order: Vec<u64> = p.pending_acks.iter().map(|a| a.request).collect();
        assert_eq!(order, vec![3, 1, 0, 2]);
        let requests = |p: &mut Partition| p.complete_acks().iter().map(|a| a.request).collect::<Vec<u64>>();
        p.hw = Offset(5);
        assert_eq!(requests(&mut p), vec![3, 1]);
        p.hw = Offset(10);
        assert_eq!(requests(&mut p), vec![0, 2]);
        assert!(p.complete_acks().is_empty());
    }

    #[test]
    fn the_high_watermark_is_the_smallest_leo_in_the_isr_and_never_moves_back() {
        let mut p = partition();
        p.append(batch(0, 0, 0, 10));
        p.followers[1].fetched_leo = Offset(7);
        p.followers[2].fetched_leo = Offset(4);
        assert!(p.update_hw(1));
        assert_eq!(p.hw, Offset(4));
        // Replica 2 leaves the ISR: it no longer holds the HW back.
        p.isr = vec![0, 1];
        assert!(p.update_hw(1));
        assert_eq!(p.hw, Offset(7));
        p.followers[1].fetched_leo = Offset(6);
        assert!(!p.update_hw(1));
        assert_eq!(p.hw, Offset(7));
        // The ISR of the leader alone: the HW is the leader's log end.
        p.isr = vec![0];
        assert!(p.update_hw(1));
        assert_eq!(p.hw, Offset(10));
        p.leader = None;
        p.append(batch(0, 0, 10, 5));
        assert!(!p.update_hw(1), "an offline partition has no HW to move");
    }

    /// KAFKA-15583: with fewer in sync than min.insync.replicas the HW stays.
    #[test]
    fn an_isr_below_min_insync_replicas_holds_the_high_watermark() {
        let mut p = partition();
        p.append(batch(0, 0, 0, 10));
        p.isr = vec![0];
        assert!(!p.update_hw(2));
        assert_eq!(p.hw, Offset(0));
        p.followers[1].fetched_leo = Offset(10);
        p.isr = vec![0, 1];
        assert!(p.update_hw(2));
        assert_eq!(p.hw, Offset(10));
        p.append(batch(0, 0, 10, 5));
        p.isr = vec![0];
        assert!(p.update_hw(1) && p.hw == Offset(15), "min.insync.replicas 1: the leader alone moves it");
    }

    #[test]
    fn a_follower_is_caught_up_when_it_fetches_the_leaders_leo_or_what_the_leader_had_at_its_last_fetch() {
        // Replica.updateFetchState (lastCaughtUpTimeMs): fetching at least the leader's LEO of the
        // previous fetch means the follower was caught up at that previous fetch's time.
        let mut p = partition();
        p.append(batch(0, 0, 0, 10));
        p.on_follower_fetch(1, Offset(0), ms(1));
        assert_eq!(p.followers[1].last_caught_up, ms(0));
        assert_eq!((p.followers[1].last_fetch_leader_leo, p.followers[1].last_fetch_time), (Offset(10), ms(1)));
        p.append(batch(0, 0, 10, 5));
        p.on_follower_fetch(1, Offset(10), ms(5));
        assert_eq!((p.followers[1].fetched_leo, p.followers[1].last_caught_up), (Offset(10), ms(1)));
        p.on_follower_fetch(1, Offset(14), ms(6));
        assert_eq!(p.followers[1].last_caught_up, ms(1), "14 is behind the 15 the leader had at 5 ms");
        p.on_follower_fetch(1, Offset(15), ms(7));
        assert_eq!(p.followers[1].last_caught_up, ms(7));
        p.append(batch(0, 0, 15, 5));
        p.on_follower_fetch(1, Offset(15), ms(9));
        p.append(batch(0, 0, 20, 5));
        p.on_follower_fetch(1, Offset(20), ms(11));
        assert_eq!(p.followers[1].last_caught_up, ms(9), "20 is what the leader had at 9 ms");
    }

    #[test]
    fn a_read_returns_records_from_the_offset_up_to_the_high_watermark_and_the_record_limit() {
        let mut p = partition();
        for (seq, n) in [(0, 4), (4, 6), (10, 2)] {
            p.append(batch(0, 0, seq, n));
        }
        p.hw = Offset(8);
        assert_eq!(read(&p, 0, 100), (8, vec![(0, 0, 4), (4, 0, 4)]));
        assert_eq!(read(&p, 5, 2), (2, vec![(5, 1, 3)]));
        assert_eq!(read(&p, 3, 3), (3, vec![(3, 3, 4), (4, 0, 2)]));
        assert_eq!(read(&p, 8, 100), (0, vec![]));
        p.hw = Offset(12);
        assert_eq!(read(&p, 9, 100), (3, vec![(9, 5, 6), (10, 0, 2)]));
    }

    #[test]
    fn a_read_finds_the_batch_holding_any_offset_in_a_long_log() {
        let mut p = partition();
        let sizes = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4];
        let mut seq = 0;
        for n in sizes {
            p.append(batch(0, 0, seq, n));
            seq += n;
        }
        p.hw = p.log_end;
        for offset in (0..p.log_end.0 + 2).map(Offset) {
            let starting = p.log.iter().filter(|(base, _)| *base <= offset).count();
            assert_eq!(p.batches_from(offset), starting, "offset {offset:?}");
        }
        for offset in 0..p.log_end.0 {
            let (_, chunks) = read(&p, offset, 1);
            let (base, b) = p.log.iter().find(|(base, b)| offset < base.plus(b.len()).0).unwrap();
            let from = (offset - base.0) as u32;
            assert_eq!(chunks, vec![(offset, from, from + 1)], "{b:?}");
        }
    }

    #[test]
    fn expiry_deletes_from_the_front_while_asked_and_never_a_batch_ending_past_the_bound() {
        let mut p = partition();
        p.append(batch(0, 0, 0, 4));
        p.append(batch(0, 0, 4, 6));
        let mut asked = Vec::new();
        p.expire(Offset(9), |b| {
            asked.push(b.base_seq);
            true
        });
        assert_eq!(
            (asked.clone(), p.log.front().map(|(base, _)| *base)),
            (vec![0], Some(Offset(4))),
            "4-9 ends past 9"
        );
        p.expire(Offset(10), |b| {
            asked.push(b.base_seq);
            false
        });
        assert_eq!((asked.clone(), p.log.len()), (vec![0, 4], 1), "kept when not asked");
        p.expire(Offset(10), |_| true);
        assert!(p.log.is_empty());
    }

    #[test]
    fn truncation_cuts_every_replica_and_the_hw_and_rebuilds_the_producer_state_from_the_log_left() {
        let mut p = partition();
        p.append_as_leader(batch(0, 0, 0, 4), true).unwrap();
        p.append_as_leader(batch(1, 0, 0, 2), true).unwrap();
        p.append_as_leader(batch(0, 0, 4, 6), true).unwrap();
        p.leo = vec![Offset(12), Offset(12), Offset(6)];
        p.followers[1].fetched_leo = Offset(12);
        p.hw = Offset(6);
        p.truncate(Offset(6));
        assert_eq!((p.log_end, p.log.len(), p.leo.clone(), p.hw), (Offset(6), 2, vec![Offset(6); 3], Offset(6)));
        assert_eq!(p.followers[1].fetched_leo, Offset(6));
        // Producer 0's batch of sequences 4-9 is gone: 4 comes next again; producer 1 is untouched.
        assert_eq!(p.producer_state[0].check(0, 4, 6), SeqCheck::Append);
        assert_eq!(p.producer_state[0].check(0, 0, 4), SeqCheck::Duplicate { end_offset: Offset(4) });
        assert_eq!(p.producer_state[1].check(0, 0, 2), SeqCheck::Duplicate { end_offset: Offset(6) });
        p.hw = Offset(2);
        p.truncate(Offset(4));
        assert_eq!(p.hw, Offset(2), "truncation never raises the HW");
        assert_eq!(p.producer_state[1].check(0, 0, 2), SeqCheck::Append, "producer 1 starts over");
    }

    #[test]
    fn truncation_rebuilds_the_state_of_the_last_epoch_only() {
        let mut p = partition();
        p.append_as_leader(batch(0, 0, 0, 2), true).unwrap();
        for seq in 0..6 {
            p.append_as_leader(batch(0, 1, seq, 1), true).unwrap();
        }
        // The retained state (epoch 1, sequences 1-5) all ends past offset 3; the log left holds epoch 0's
        // batch and epoch 1's sequence 0.
        p.truncate(Offset(3));
        let s = &p.producer_state[0];
        assert_eq!(s.recent.iter().map(|m| (m.epoch, m.base_seq)).collect::<Vec<_>>(), vec![(1, 0)]);
        assert_eq!(s.check(1, 1, 1), SeqCheck::Append);
        assert_eq!(s.check(0, 2, 1), SeqCheck::StaleEpoch);
    }
}
