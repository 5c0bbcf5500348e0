//! The stages every engine runs alike around its own rules (triggers, watermarks, state, restarts): the
//! filter, the timestamp the windows use, and the sink's bookkeeping of what it read, dropped and showed.
//!
//! ```text
//!  read (records_in; lost if retention deleted it first) -> filter (filtered) -> timestamp
//!    -> [the engine's windows and triggers]
//!    -> visible result: a latency sample per new record
//!    -> late row
//! ```
//! Engines whose restarts replay records count fates and results through their `FateLedger`, which
//! takes the same samples.

use super::fate::Member;
use super::{EngineMetrics, EngineRecord, EventTime, Output, OutputKind, PipelineConfig, TimeDomain};
use crate::time::SimTime;

impl PipelineConfig {
    /// The filter: values up to `filter_max_value` pass.
    pub fn passes(&self, r: &EngineRecord) -> bool {
        r.value <= self.filter_max_value
    }

    /// The timestamp the windows use: the record's event time, or in processing time the time the engine
    /// handles it (`handled`).
    pub fn timestamp(&self, r: &EngineRecord, handled: SimTime) -> EventTime {
        match self.time {
            TimeDomain::Event => r.event_time,
            TimeDomain::Processing => EventTime::from(handled),
        }
    }
}

impl EngineMetrics {
    /// The source read a record; `first` unless a rewind read it before, so that a replay counts once.
    pub fn read(&mut self, first: bool) {
        self.records_in += u64::from(first);
    }

    /// A job read an offset range of the log: its `records`, and `deleted` offsets that retention removed
    /// before the job got to them (lost: no result can hold them).
    pub fn read_range(&mut self, records: &[EngineRecord], deleted: u64) {
        self.records_in += records.len() as u64;
        self.lost += deleted;
    }

    /// The filter on a record read (`first` as in `read`): whether it passes.
    pub fn filter(&mut self, pipe: &PipelineConfig, r: &EngineRecord, first: bool) -> bool {
        let passed = pipe.passes(r);
        self.filtered += u64::from(!passed && first);
        passed
    }

    /// A record in a result the sink shows at `emit`: one latency sample per (record, window).
    pub fn sample(&mut self, emit: SimTime, created: SimTime) {
        self.latency.record(emit - created);
        self.records_in_results += 1;
    }

    /// The sink shows `outs`, all emitted at once, holding `members`, the records new in them (engines
    /// that never read a record twice: no result repeats).
    pub fn visible(&mut self, outs: &[Output], members: &[Member]) {
        let Some(first) = outs.first() else { return };
        debug_assert!(outs.iter().all(|o| o.emit == first.emit));
        for m in members {
            self.sample(first.emit, m.created);
        }
        for &out in outs {
            self.push(out);
        }
    }

    /// The sink sees a late row, counted as a late record (engines that never read a record twice).
    pub fn late_row(&mut self, out: Output) {
        self.late += 1;
        self.push(out);
    }

    /// A row the sink sees; the records' fates are counted by the caller.
    pub fn push(&mut self, out: Output) {
        self.results += u64::from(out.kind == OutputKind::Window);
        if let Some(v) = &mut self.outputs {
            v.push(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::window::Window;
    use crate::kafka::ids::{Offset, PartitionId};

    fn rec(value: i64, created_ms: u64) -> EngineRecord {
        let (created, event_time) = (SimTime::from_millis(created_ms), EventTime::from_ms(-5));
        EngineRecord { created, event_time, key: 0, value, partition: PartitionId(0), offset: Offset(created_ms) }
    }

    /// Values up to the bound pass; a record filtered out is counted once however often a rewind reads it.
    #[test]
    fn the_filter_counts_a_record_once() {
        let pipe = PipelineConfig { filter_max_value: 50, ..PipelineConfig::default() };
        let mut m = EngineMetrics::new(false);
        m.read(true);
        assert!(m.filter(&pipe, &rec(50, 0), true));
        for first in [true, false] {
            m.read(first);
            assert!(!m.filter(&pipe, &rec(51, 1), first));
        }
        assert_eq!((m.records_in, m.filtered), (2, 1));
        m.read_range(&[rec(1, 2), rec(1, 3)], 4);
        assert_eq!((m.records_in, m.lost), (4, 4), "deleted before they were read: lost");
    }

    #[test]
    fn windows_use_event_time_or_the_time_the_engine_handles_the_record() {
        let handled = SimTime::from_millis(7);
        let event = PipelineConfig { time: TimeDomain::Event, ..PipelineConfig::default() };
        let processing = PipelineConfig { time: TimeDomain::Processing, ..event.clone() };
        assert_eq!(event.timestamp(&rec(1, 0), handled), EventTime::from_ms(-5));
        assert_eq!(processing.timestamp(&rec(1, 0), handled), EventTime::from_ms(7));
    }

    /// A visible result takes one latency sample per record new in it; a late row counts one late record.
    #[test]
    fn a_visible_result_samples_its_new_records_and_a_late_row_counts_late() {
        let mut m = EngineMetrics::new(true);
        let (a, b) = (rec(1, 10), rec(2, 40));
        let out = Output::single(OutputKind::Window, Window::instant(EventTime::ZERO), &a, SimTime::from_millis(100));
        m.visible(&[out], &[Member::of(&a), Member::of(&b)]);
        m.late_row(Output { kind: OutputKind::Late, ..out });
        assert_eq!((m.results, m.records_in_results, m.late), (1, 2, 1));
        assert_eq!(
            (m.latency.count(), m.latency.max(), m.latency.mean()),
            (2, SimTime::from_millis(90), SimTime::from_millis(75))
        );
        assert_eq!(m.outputs.map(|o| o.len()), Some(2), "the sink saw both rows");
    }
}
