//! The Kafka source's subtasks and their splits: which subtask reads which partition, and the watermark
//! and idleness each partition has of its own.
//!
//! The KafkaSource generates watermarks per split (ProgressiveTimestampsAndWatermarks): every partition has
//! its own WatermarkStrategy generator, wrapped for idleness (WatermarksWithIdleness), and a subtask emits
//! the minimum over its splits that are not idle, idle itself once all of them are
//! (WatermarkOutputMultiplexer, CombinedWatermarkStatus). A split's output exists from its assignment, at
//! the start and after every restore (SourceOperator on AddSplitsEvent, FLINK-32828): a partition that has
//! sent nothing holds its subtask's watermark at Long.MIN_VALUE until it is marked idle.

use super::EventTime;
use crate::time::SimTime;

/// KafkaSourceEnumerator.getSplitOwner: partition `p` goes to reader `(start + p) % readers`, `start`
/// coming from the topic name's Java `String.hashCode`.
pub(super) fn split_owner(topic: &str, partition: u32, readers: u32) -> u32 {
    let hash = topic.encode_utf16().fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(i32::from(unit)));
    let start = (hash.wrapping_mul(31) & 0x7FFF_FFFF) as u32 % readers;
    (start + partition % readers) % readers
}

/// One source subtask: a FIFO thread that maps what its splits read.
#[derive(Clone, Debug)]
pub(super) struct Source {
    pub busy: SimTime,
    splits: Vec<Split>,
    /// The status it sent downstream: idle once every split is.
    idle: bool,
    /// The last watermark it sent.
    last_wm: EventTime,
}

#[derive(Clone, Copy, Debug)]
struct Split {
    /// The greatest timestamp read; BoundedOutOfOrdernessWatermarks starts at Long.MIN_VALUE + delay + 1,
    /// whose watermark is Long.MIN_VALUE.
    max_ts: EventTime,
    idleness: IdlenessTimer,
    idle: bool,
}

impl Source {
    /// A subtask reading `splits` partitions, all starting afresh: at the start and after a restart, which
    /// restores offsets and no watermark. A subtask with no partition is held like one whose partition is
    /// silent: without an idle timeout it blocks the watermark (Kafka connector docs, "Idleness").
    pub fn new(splits: usize, busy: SimTime) -> Self {
        let split = Split { max_ts: EventTime::MIN, idleness: IdlenessTimer::default(), idle: false };
        Source { busy, splits: vec![split; splits.max(1)], idle: false, last_wm: EventTime::MIN }
    }

    pub fn splits(&self) -> usize {
        self.splits.len()
    }

    /// Split `i` read a record with timestamp `ts`: it is active again (and so is the subtask, if it was
    /// idle: true when the subtask must say so downstream).
    pub fn read(&mut self, i: usize, ts: EventTime) -> bool {
        let split = &mut self.splits[i];
        split.max_ts = split.max_ts.max(ts);
        split.idleness.active = true;
        split.idle = false;
        std::mem::replace(&mut self.idle, false)
    }

    /// The periodic emission's idleness check of every split (WatermarksWithIdleness.onPeriodicEmit): true
    /// when the subtask has just become idle, every split being so.
    pub fn check_idle(&mut self, now: SimTime, timeout: SimTime) -> bool {
        for split in &mut self.splits {
            split.idle |= split.idleness.is_idle(now, timeout);
        }
        let idle = self.splits.iter().all(|s| s.idle);
        !std::mem::replace(&mut self.idle, idle) && idle
    }

    /// The watermark to send, if it is new: BoundedOutOfOrdernessWatermarks.onPeriodicEmit per split,
    /// `maxTimestamp - outOfOrdernessMillis - 1`, and the minimum over the splits not idle.
    pub fn next_watermark(&mut self, delay: SimTime) -> Option<EventTime> {
        let lag = delay + SimTime::from_nanos(1);
        let wm = self.splits.iter().filter(|s| !s.idle).map(|s| s.max_ts - lag).min()?;
        (wm > self.last_wm).then(|| {
            self.last_wm = wm;
            wm
        })
    }
}

/// WatermarksWithIdleness.IdlenessTimer: idleness is checked only at the periodic watermark emission. The
/// countdown starts at the first emission that saw no record since the one before, and the split is idle
/// at the first emission strictly more than the timeout after that: between the timeout and the timeout
/// plus three intervals after its last record.
#[derive(Clone, Copy, Debug, Default)]
struct IdlenessTimer {
    /// A record was read since the last check.
    active: bool,
    quiet_since: Option<SimTime>,
}

impl IdlenessTimer {
    fn is_idle(&mut self, now: SimTime, timeout: SimTime) -> bool {
        if std::mem::take(&mut self.active) {
            self.quiet_since = None;
            return false;
        }
        let since = *self.quiet_since.get_or_insert(now);
        now - since > timeout
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Java's "hello".hashCode() is 99162322; times 31, 3074031982, and with the sign bit cleared 926548334:
    /// "hello" starts at reader 0 of 2 and 2 of 3. "events" (hashCode -1291329255) at 1 of 2, 3 of 4.
    #[test]
    fn partitions_go_round_robin_from_the_topic_names_start_index() {
        assert_eq!((0..4).map(|p| split_owner("hello", p, 2)).collect::<Vec<_>>(), [0, 1, 0, 1]);
        assert_eq!((0..4).map(|p| split_owner("hello", p, 3)).collect::<Vec<_>>(), [2, 0, 1, 2]);
        assert_eq!((0..4).map(|p| split_owner("events", p, 2)).collect::<Vec<_>>(), [1, 0, 1, 0]);
        assert_eq!((0..4).map(|p| split_owner("events", p, 4)).collect::<Vec<_>>(), [3, 0, 1, 2]);
    }

    /// A subtask's watermark is the minimum over its splits: one that has read nothing holds it at MIN
    /// (nothing to send), and once idle it no longer counts; a record makes it count again.
    #[test]
    fn the_subtask_watermark_is_the_minimum_over_its_active_splits() {
        let ms = SimTime::from_millis;
        let mut src = Source::new(2, SimTime::ZERO);
        assert!(!src.read(0, EventTime::from_ms(500)));
        assert_eq!(src.next_watermark(SimTime::ZERO), None, "split 1 has read nothing");
        assert!(!src.check_idle(ms(200), ms(100)), "the countdown starts");
        assert!(!src.check_idle(ms(400), ms(100)), "split 1 is idle, split 0 only starts its countdown");
        let wm = |ms: i64| Some(EventTime::from_nanos(ms * 1_000_000 - 1));
        assert_eq!(src.next_watermark(SimTime::ZERO), wm(500));
        assert_eq!(src.next_watermark(SimTime::ZERO), None, "nothing new");
        assert!(!src.read(1, EventTime::from_ms(700)));
        assert!(!src.read(0, EventTime::from_ms(900)));
        assert_eq!(src.next_watermark(SimTime::ZERO), wm(700), "split 1 counts again");
        assert!(!src.check_idle(ms(600), ms(100)), "both read since the last check");
        assert!(!src.check_idle(ms(800), ms(100)), "both quiet: the countdowns start");
        assert!(src.check_idle(ms(1000), ms(100)), "both quiet for more than 100 ms: the subtask is idle");
        assert!(!src.check_idle(ms(1200), ms(100)), "and says so once");
        assert!(src.read(1, EventTime::from_ms(950)), "and active again at its next record");
    }
}
