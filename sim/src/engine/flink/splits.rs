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
    (start + partition) % readers
}

/// One source subtask: a FIFO thread that maps what its splits read.
#[derive(Clone, Debug)]
pub(super) struct Source {
    pub busy: SimTime,
    splits: Vec<Split>,
    /// The status it sent downstream (WatermarkToDataOutput.isIdle).
    idle: bool,
    /// The last watermark it sent (CombinedWatermarkStatus.combinedWatermark).
    last_wm: EventTime,
}

#[derive(Clone, Copy, Debug)]
struct Split {
    /// The greatest timestamp read; BoundedOutOfOrdernessWatermarks starts at Long.MIN_VALUE + delay + 1,
    /// whose watermark is Long.MIN_VALUE.
    max_ts: EventTime,
    /// Its last watermark and status in the multiplexer (CombinedWatermarkStatus.PartialWatermark).
    wm: EventTime,
    idle: bool,
    idleness: IdlenessTimer,
}

/// What a subtask sends downstream after a watermark emission.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Emission {
    Nothing,
    Idle,
    /// A new watermark, after an ACTIVE status when the subtask was idle.
    Watermark {
        resumed: bool,
        wm: EventTime,
    },
}

impl Source {
    /// A subtask reading `splits` partitions, all starting afresh: at the start and after a restart, which
    /// restores offsets and no watermark. A subtask with no partition is held like one whose partition is
    /// silent: without an idle timeout it blocks the watermark (Kafka connector docs, "Idleness").
    pub fn new(splits: usize, busy: SimTime) -> Self {
        let split =
            Split { max_ts: EventTime::MIN, wm: EventTime::MIN, idle: false, idleness: IdlenessTimer::default() };
        Source { busy, splits: vec![split; splits.max(1)], idle: false, last_wm: EventTime::MIN }
    }

    pub fn splits(&self) -> usize {
        self.splits.len()
    }

    /// Split `i` read a record with timestamp `ts` (WatermarksWithIdleness.onEvent). Its status changes
    /// at the next emission, not with the record.
    pub fn read(&mut self, i: usize, ts: EventTime) {
        let split = &mut self.splits[i];
        split.max_ts = split.max_ts.max(ts);
        split.idleness.active = true;
    }

    /// A periodic watermark emission (ProgressiveTimestampsAndWatermarks, every auto-watermark-interval):
    /// each split's generator marks it idle after `idle_timeout` without records, or emits
    /// `maxTimestamp - outOfOrdernessMillis - 1`, which makes it active (WatermarksWithIdleness and
    /// BoundedOutOfOrdernessWatermarks.onPeriodicEmit, PartialWatermark.setWatermark). Then the subtask
    /// sends the minimum over the active splits if it is new, and says it is idle once all of them are
    /// (WatermarkOutputMultiplexer.onPeriodicEmit): an idle subtask is active again only with a new
    /// watermark.
    pub fn emit(&mut self, now: SimTime, idle_timeout: Option<SimTime>, delay: SimTime) -> Emission {
        let lag = delay + SimTime::from_nanos(1);
        for split in &mut self.splits {
            if idle_timeout.is_some_and(|timeout| split.idleness.is_idle(now, timeout)) {
                split.idle = true;
            } else {
                split.idle = false;
                split.wm = split.wm.max(split.max_ts - lag);
            }
        }
        match self.splits.iter().filter(|s| !s.idle).map(|s| s.wm).min() {
            None if !self.idle => {
                self.idle = true;
                Emission::Idle
            }
            Some(wm) if wm > self.last_wm => {
                self.last_wm = wm;
                Emission::Watermark { resumed: std::mem::replace(&mut self.idle, false), wm }
            }
            _ => Emission::Nothing,
        }
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
    /// (nothing to send); once idle it no longer counts, until its next emission after a record. An idle
    /// subtask is active again only with a new watermark.
    #[test]
    fn the_subtask_watermark_is_the_minimum_over_its_active_splits() {
        let (ms, zero) = (SimTime::from_millis, SimTime::ZERO);
        let wm = |ms: i64, resumed| Emission::Watermark { resumed, wm: EventTime::from_nanos(ms * 1_000_000 - 1) };
        let timeout = Some(ms(100));
        let mut src = Source::new(2, zero);
        src.read(0, EventTime::from_ms(500));
        assert_eq!(src.emit(ms(200), timeout, zero), Emission::Nothing, "split 1 has read nothing");
        assert_eq!(src.emit(ms(400), timeout, zero), wm(500, false), "split 1 is idle, split 0 starts counting");
        assert_eq!(src.emit(ms(600), timeout, zero), Emission::Idle, "both are idle");
        assert_eq!(src.emit(ms(800), timeout, zero), Emission::Nothing, "and it was said once");
        src.read(1, EventTime::from_ms(300));
        assert_eq!(src.emit(ms(1000), timeout, zero), Emission::Nothing, "active at 300 ms: nothing new");
        src.read(1, EventTime::from_ms(700));
        assert_eq!(src.emit(ms(1200), timeout, zero), wm(700, true), "a new watermark: active again");
        src.read(0, EventTime::from_ms(900));
        assert_eq!(src.emit(ms(1400), None, zero), Emission::Nothing, "without idleness split 1 holds it at 700 ms");
        src.read(1, EventTime::from_ms(800));
        assert_eq!(src.emit(ms(1600), None, zero), wm(800, false));
    }
}
