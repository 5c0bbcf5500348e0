//! Where every record an engine reads from the log ends, counted once per record by (partition, offset)
//! however many times a restart replays it: in a result the sink made visible, dropped as late, still
//! pending in an open window when the input ended, or lost with the state a restart threw away. And which
//! results the sink saw twice: a (window, key, firing) emitted again by the replay.
//!
//! ```text
//!  read ──> open ──┬─ in a visible result ─┐
//!                  ├─ dropped late ────────┤  decided: final once a restore point is taken after it,
//!                  │    (a replay may put it in a result: "in a result" wins)   so a replay cannot repeat it
//!                  ├─ pending at the end   │
//!                  └─ lost at a restart    ┘
//! ```
//! Memory follows what is open, not the run: per partition, the records from the oldest one whose fate may
//! still change to the newest read; per result, the ones a restart could still repeat.

use super::{EngineMetrics, EngineRecord, EventTime, Output, PipelineConfig};
use crate::kafka::ids::Offset;
use crate::time::SimTime;
use std::collections::{BTreeMap, VecDeque};

/// A record of the log: its partition (high 16 bits) and offset (low 48 bits) in one word.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordId(u64);

impl RecordId {
    const OFFSET_BITS: u32 = 48;

    pub fn new(partition: u32, offset: Offset) -> RecordId {
        debug_assert!(partition < 1 << 16 && offset.0 < 1 << Self::OFFSET_BITS, "({partition}, {offset:?})");
        RecordId(u64::from(partition) << Self::OFFSET_BITS | offset.0)
    }

    pub fn of(r: &EngineRecord) -> RecordId {
        RecordId::new(r.partition.0, r.offset)
    }

    pub fn partition(self) -> usize {
        (self.0 >> Self::OFFSET_BITS) as usize
    }

    pub fn offset(self) -> u64 {
        self.0 & ((1 << Self::OFFSET_BITS) - 1)
    }
}

/// A record held in window state: its key, when it was created (for its result latency) and which it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    pub key: u32,
    pub created: SimTime,
    pub id: RecordId,
}

impl Member {
    pub fn of(r: &EngineRecord) -> Member {
        Member { key: r.key, created: r.created, id: RecordId::of(r) }
    }
}

/// What the sink sees a result as: one firing of a (window, key), or one record's own result (no window).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ResultId {
    /// `life` n > 0: the window had closed before the snapshot restart n restored, and records replayed
    /// before the first new watermark opened it again (Flink checkpoints no watermark): a new result.
    Window {
        start: EventTime,
        end: EventTime,
        key: u32,
        firing: u32,
        life: u32,
    },
    Record(RecordId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Open,
    InResult,
    Late,
    /// Decided for good: filtered, pending at the end, lost, or decided before the last restore point.
    Final,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    state: State,
    /// The restore point under way when it was decided.
    epoch: u32,
}

/// The epoch of what was decided or seen before a restart went back past it: the restored state does not
/// reflect it, so it stays until the replay decides or shows it again.
const UNCONFIRMED: u32 = u32::MAX;

/// One partition's records from `base` on, in offset order.
#[derive(Clone, Debug, Default)]
struct Track {
    base: u64,
    entries: VecDeque<Entry>,
}

/// The fates of the records an engine read, and the results its sink saw.
#[derive(Clone, Debug, Default)]
pub struct FateLedger {
    tracks: Vec<Track>,
    /// Whether a restart can replay: it rewinds the source and restores a snapshot. Without, a decided
    /// record is final at once and no result can repeat.
    replays: bool,
    /// Restore points begun (checkpoints injected, epochs committed).
    epoch: u32,
    /// What was decided or seen before this restore point began is final: its snapshot holds it.
    final_before: u32,
    /// Results seen since the last restore point began, each with the epoch it was seen in.
    seen: BTreeMap<ResultId, u32>,
}

impl FateLedger {
    pub fn new(replays: bool) -> FateLedger {
        FateLedger { replays, ..FateLedger::default() }
    }

    fn entry(&mut self, id: RecordId) -> Option<&mut Entry> {
        let t = self.tracks.get_mut(id.partition())?;
        let i = id.offset().checked_sub(t.base)?;
        t.entries.get_mut(i as usize)
    }

    /// The filter on a record read (`first` as in `EngineMetrics::read`), and the record's fate: dropped,
    /// or on its way to a result.
    pub fn filter(
        &mut self,
        pipe: &PipelineConfig,
        r: &EngineRecord,
        first: bool,
        metrics: &mut EngineMetrics,
    ) -> bool {
        let passed = metrics.filter(pipe, r, first);
        self.read(RecordId::of(r), passed);
        passed
    }

    /// The source read `r`, which passed the filter or not; a record read again changes nothing.
    pub fn read(&mut self, id: RecordId, passed: bool) {
        let p = id.partition();
        if self.tracks.len() <= p {
            self.tracks.resize_with(p + 1, Track::default);
        }
        let t = &mut self.tracks[p];
        let next = t.base + t.entries.len() as u64;
        if id.offset() < next {
            return;
        }
        // Offsets this engine never read (removed by retention before it got there) are no record of its.
        let gap = Entry { state: State::Final, epoch: 0 };
        if t.entries.is_empty() {
            t.base = id.offset();
        } else {
            t.entries.extend(std::iter::repeat_n(gap, (id.offset() - next) as usize));
        }
        let state = if passed { State::Open } else { State::Final };
        t.entries.push_back(Entry { state, epoch: self.epoch });
        self.trim(p);
    }

    /// Moves the record to `to` if that is further than where it is; returns whether it moved.
    fn decide(&mut self, id: RecordId, to: State, m: &mut EngineMetrics) -> bool {
        let (epoch, replays) = (self.epoch, self.replays);
        let Some(e) = self.entry(id) else { return false };
        if e.epoch == UNCONFIRMED {
            e.epoch = epoch;
        }
        let from = e.state;
        match (from, to) {
            (State::Open, _) | (State::Late, State::InResult) => {}
            _ => return false,
        }
        *e = Entry { state: if replays { to } else { State::Final }, epoch };
        if from == State::Late {
            m.late -= 1;
        }
        match to {
            State::InResult => m.in_result += 1,
            _ => m.late += 1,
        }
        self.trim(id.partition());
        true
    }

    /// The window operator dropped `r` as late (its late side output).
    pub fn late(&mut self, r: &EngineRecord, out: Output, m: &mut EngineMetrics) {
        self.decide(RecordId::of(r), State::Late, m);
        m.push(out);
    }

    /// The sink makes `results` visible, all emitted at once and in ascending key order, holding `members`,
    /// the records new in them (each in its key's result). A result seen before is a duplicate; each
    /// record's latency counts once per (record, window): on the result's first sight, or on a repeat that
    /// holds a record no visible result held yet.
    pub fn visible(&mut self, results: &[(Output, ResultId)], members: &[Member], m: &mut EngineMetrics) {
        let Some((first, _)) = results.first() else { return };
        debug_assert!(results.iter().all(|(o, _)| o.emit == first.emit) && results.is_sorted_by_key(|(o, _)| o.key));
        let emit = first.emit;
        // The keys whose result the sink saw before, ascending.
        let mut repeated = Vec::new();
        for (out, id) in results {
            let again = self.replays && self.seen.insert(*id, self.epoch).is_some();
            m.duplicate_results += u64::from(again);
            m.reopened_results += u64::from(!again && matches!(id, ResultId::Window { life: 1.., .. }));
            if again {
                repeated.push(out.key);
            }
        }
        for member in members {
            let again = !repeated.is_empty() && repeated.binary_search(&member.key).is_ok();
            if self.decide(member.id, State::InResult, m) || !again {
                m.sample(emit, member.created);
            }
        }
        for (out, _) in results {
            m.push(*out);
        }
    }

    /// A restore point begins (a checkpoint's barriers are injected): what is decided from now on may be
    /// decided again by a restart to it.
    pub fn begin_restore_point(&mut self) -> u32 {
        self.epoch += 1;
        self.epoch
    }

    /// Restore point `epoch` is complete: a restart goes back no further, so what was decided before it
    /// began is final.
    pub fn restore_point(&mut self, epoch: u32) {
        self.final_before = self.final_before.max(epoch);
        let before = self.final_before;
        self.seen.retain(|_, e| *e >= before);
        for p in 0..self.tracks.len() {
            self.trim(p);
        }
    }

    /// A restart: the source rewinds to `rewind` (per partition; `None` reads on) and the window state
    /// is restored to what `kept` holds. An open record the replay will not read again and the restored
    /// state does not hold is lost. What was decided or shown since the restored snapshot may be again.
    pub fn restart(&mut self, rewind: Option<&[Offset]>, kept: impl Fn(RecordId) -> bool, m: &mut EngineMetrics) {
        for (p, t) in self.tracks.iter_mut().enumerate() {
            let reread_from = rewind.map_or(u64::MAX, |r| r.get(p).map_or(0, |o| o.0));
            for (offset, e) in (t.base..).zip(t.entries.iter_mut()) {
                match e.state {
                    State::Open if offset < reread_from && !kept(RecordId::new(p as u32, Offset(offset))) => {
                        e.state = State::Final;
                        m.lost += 1;
                    }
                    State::InResult | State::Late => e.epoch = UNCONFIRMED,
                    _ => {}
                }
            }
        }
        self.seen.values_mut().for_each(|e| *e = UNCONFIRMED);
    }

    /// The input ended: an open record still in window state (`held`) is pending, any other is lost.
    pub fn finish(&mut self, held: impl Fn(RecordId) -> bool, m: &mut EngineMetrics) {
        for (p, t) in self.tracks.iter_mut().enumerate() {
            for (offset, e) in (t.base..).zip(t.entries.iter_mut()) {
                if e.state == State::Open {
                    e.state = State::Final;
                    if held(RecordId::new(p as u32, Offset(offset))) {
                        m.pending_at_end += 1;
                    } else {
                        m.lost += 1;
                    }
                }
            }
        }
    }

    /// Drops the decided records at the front of partition `p` that no restart can decide again.
    fn trim(&mut self, p: usize) {
        let before = if self.replays { self.final_before } else { u32::MAX };
        let t = &mut self.tracks[p];
        while t.entries.front().is_some_and(|e| e.state == State::Final || (e.state != State::Open && e.epoch < before))
        {
            t.entries.pop_front();
            t.base += 1;
        }
    }

    /// Records whose fate may still change, and results a restart could repeat: what the ledger holds.
    pub fn footprint(&self) -> (usize, usize) {
        (self.tracks.iter().map(|t| t.entries.len()).sum(), self.seen.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::OutputKind;
    use crate::engine::window::Window;
    use crate::kafka::ids::PartitionId;

    fn id(offset: u64) -> RecordId {
        RecordId::new(3, Offset(offset))
    }
    fn member(offset: u64) -> Member {
        Member { key: 0, created: SimTime::from_millis(offset), id: id(offset) }
    }
    fn rec(offset: u64) -> EngineRecord {
        EngineRecord {
            created: SimTime::ZERO,
            event_time: EventTime::ZERO,
            key: 0,
            value: 1,
            partition: PartitionId(3),
            offset: Offset(offset),
        }
    }
    fn row(emit_ms: u64) -> Output {
        Output::single(OutputKind::Window, Window::instant(EventTime::ZERO), &rec(0), SimTime::from_millis(emit_ms))
    }
    fn late_row(emit_ms: u64) -> Output {
        Output { kind: OutputKind::Late, ..row(emit_ms) }
    }
    fn window(firing: u32) -> ResultId {
        ResultId::Window { start: EventTime::ZERO, end: EventTime::from_nanos(1000), key: 0, firing, life: 0 }
    }
    /// A ledger (of an engine that replays, or not) that has read records 0 to `n - 1`, all passed.
    fn having_read(replays: bool, n: u64) -> FateLedger {
        let mut l = FateLedger::new(replays);
        for o in 0..n {
            l.read(id(o), true);
        }
        l
    }
    fn fates(m: &EngineMetrics) -> (u64, u64, u64, u64, u64) {
        (m.in_result, m.late, m.pending_at_end, m.lost, m.duplicate_results)
    }

    #[test]
    fn a_record_id_keeps_its_partition_and_offset() {
        let r = RecordId::new(9_999, Offset((1 << 48) - 1));
        assert_eq!((r.partition(), r.offset()), (9_999, (1 << 48) - 1));
        assert!(RecordId::new(1, Offset(0)) > RecordId::new(0, Offset(5)));
    }

    /// A record late before a restart and in a result after it: in a result, once; a result shown again
    /// is a duplicate, and its latency is not measured twice.
    #[test]
    fn a_replayed_record_keeps_one_fate_and_in_a_result_wins() {
        let mut l = having_read(true, 3);
        let mut m = EngineMetrics::new(false);
        l.read(id(3), false);
        l.late(&rec(2), late_row(5), &mut m);
        l.visible(&[(row(10), window(1))], &[member(0)], &mut m);
        assert_eq!(fates(&m), (1, 1, 0, 0, 0));
        l.restart(Some(&[Offset(0); 4]), |_| false, &mut m);
        l.late(&rec(2), late_row(20), &mut m);
        assert_eq!(fates(&m), (1, 1, 0, 0, 0), "late again: still one late record");
        l.visible(&[(row(30), window(1))], &[member(0), member(2)], &mut m);
        assert_eq!(fates(&m), (2, 0, 0, 0, 1), "shown again with the late record in it");
        assert_eq!((m.latency.count(), m.results), (2, 2), "record 0 measured once, record 2 once");
        l.read(id(4), true);
        l.finish(|r| r == id(1), &mut m);
        assert_eq!(fates(&m), (2, 0, 1, 1, 1), "record 1 is pending, record 4 lost; record 3 was filtered");
    }

    /// Results made visible together (one firing of a window's keys) are each their own result: key 4's
    /// repeats, so its record that a visible result held is not measured again; key 9's is a new firing,
    /// so its record is measured in it, though an earlier firing held it.
    #[test]
    fn a_firing_of_several_keys_counts_each_key_as_its_own_result() {
        let mut l = having_read(true, 3);
        let mut m = EngineMetrics::new(true);
        let result = |key, firing, emit_ms| {
            let (start, end) = (EventTime::ZERO, EventTime::from_nanos(1000));
            (Output { key, ..row(emit_ms) }, ResultId::Window { start, end, key, firing, life: 0 })
        };
        let keyed = |key, o| Member { key, ..member(o) };
        l.visible(&[result(4, 1, 10), result(9, 1, 10)], &[keyed(4, 0), keyed(9, 1)], &mut m);
        l.restart(Some(&[Offset(0); 4]), |_| false, &mut m);
        l.visible(&[result(4, 1, 20), result(9, 2, 20)], &[keyed(4, 0), keyed(9, 1), keyed(4, 2)], &mut m);
        assert_eq!(fates(&m), (3, 0, 0, 0, 1), "key 4's result again: a duplicate");
        assert_eq!(m.latency.count(), 4, "records 0 and 1 at the first firing; 1 and 2 at the second");
        assert_eq!(m.latency.max(), SimTime::from_millis(20 - 1), "record 1 measured at the second firing");
        let rows = m.outputs.map(|o| o.iter().map(|o| (o.key, o.emit.as_millis())).collect::<Vec<_>>());
        assert_eq!(rows, Some(vec![(4, 10), (9, 10), (4, 20), (9, 20)]));
    }

    /// Flink's checkpoint n holds what happened before its barriers: a result shown, or a record dropped as
    /// late, after checkpoint 1 began may happen again after a restart to checkpoint 1, even once it has
    /// completed. The late record goes into a result in the replay: it ends there, though a checkpoint
    /// taken after the restart completed before the replay reached it.
    #[test]
    fn what_happened_after_a_checkpoint_began_can_happen_again() {
        let mut l = FateLedger::new(true);
        let mut m = EngineMetrics::new(false);
        l.read(id(0), true);
        l.read(id(1), true);
        let first = l.begin_restore_point();
        l.visible(&[(row(10), ResultId::Record(id(0)))], &[member(0)], &mut m);
        l.late(&rec(1), late_row(10), &mut m);
        l.restore_point(first);
        l.begin_restore_point(); // never completes
        l.restart(Some(&[Offset(0); 4]), |_| false, &mut m);
        let after_restart = l.begin_restore_point();
        l.restore_point(after_restart);
        l.visible(&[(row(20), ResultId::Record(id(0)))], &[member(0)], &mut m);
        l.visible(&[(row(20), window(1))], &[member(1)], &mut m);
        assert_eq!(fates(&m), (2, 0, 0, 0, 1), "record 0's result again: a duplicate; record 1 in a result");
    }

    /// A record decided before a restart and decided again by the replay is final once a restore point
    /// taken after the replay completes: the ledger lets it go.
    #[test]
    fn a_replayed_record_is_let_go_after_the_next_restore_point() {
        let mut l = FateLedger::new(true);
        let mut m = EngineMetrics::new(false);
        l.read(id(0), true);
        l.visible(&[(row(10), ResultId::Record(id(0)))], &[member(0)], &mut m);
        l.restart(Some(&[Offset(0); 4]), |_| false, &mut m);
        l.visible(&[(row(20), ResultId::Record(id(0)))], &[member(0)], &mut m);
        let epoch = l.begin_restore_point();
        l.restore_point(epoch);
        assert_eq!(l.footprint(), (0, 0));
    }

    /// Without a rewind, an open record the restored state does not hold is lost; one it holds is not.
    #[test]
    fn a_restart_that_reads_on_loses_what_its_state_dropped() {
        let mut l = having_read(false, 4);
        let mut m = EngineMetrics::new(false);
        l.visible(&[(row(10), window(1))], &[member(0)], &mut m);
        l.restart(None, |r| r == id(3), &mut m);
        assert_eq!(fates(&m), (1, 0, 0, 2, 0));
        l.visible(&[(row(20), window(1))], &[member(3)], &mut m);
        assert_eq!(fates(&m), (2, 0, 0, 2, 0), "no replay, so no duplicate");
    }

    /// The ledger holds what a restart could still change: decided records go once a restore point
    /// taken after them completes; an open record holds the ones behind it.
    #[test]
    fn memory_follows_the_open_records_not_the_run() {
        let mut l = FateLedger::new(true);
        let mut m = EngineMetrics::new(false);
        for o in 0..1000 {
            l.read(id(o), true);
            l.visible(&[(row(o), ResultId::Record(id(o)))], &[member(o)], &mut m);
            if o % 100 == 99 {
                let epoch = l.begin_restore_point();
                l.restore_point(epoch);
            }
        }
        assert_eq!(l.footprint(), (0, 0));
        l.read(id(1000), true);
        l.read(id(1001), true);
        l.visible(&[(row(1), ResultId::Record(id(1001)))], &[member(1001)], &mut m);
        let epoch = l.begin_restore_point();
        l.restore_point(epoch);
        assert_eq!(l.footprint(), (2, 0), "record 1000 is open");
        assert_eq!(m.in_result, 1001);
    }
}
