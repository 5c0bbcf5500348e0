//! The stages every engine runs alike around its own rules (triggers, watermarks, state, restarts): the
//! filter, the timestamp the windows use, and the sink's bookkeeping of what it read, dropped and showed.
//!
//! ```text
//!  read (records_in) -> filter (filtered) -> timestamp -> [the engine's windows and triggers]
//!                                                          -> visible result: a latency sample per new record
//!                                                          -> late row
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

    /// The sink shows `out`, holding `members`, the records new in it (engines that never read a record
    /// twice: no result repeats).
    pub fn visible(&mut self, out: Output, members: &[Member]) {
        for m in members {
            self.sample(out.emit, m.created);
        }
        self.push(out);
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
