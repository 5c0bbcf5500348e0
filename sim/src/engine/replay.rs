//! Replay of a hand-made trace through the engines, with zero processing costs: only the engines'
//! rules (windows, watermarks, triggers, lateness, output modes) decide what comes out and when.
//!
//! Input: CSV `arrival_ms,event_ms,key,value`, rows in arrival order. Output: CSV [`COLUMNS`], sorted by
//! engine, emit_ms, batch, kind, window and key. Kinds: `window` (a result), `late` (Flink's late side
//! output: a record no window took), `dropped` (Spark's numRowsDroppedByWatermark of a batch) and
//! `dropped-row` (streamlab's reconstruction of one (record, window) Spark dropped; Spark reports none).

use super::flink::{FlinkConfig, FlinkEngine, SinkMode};
use super::source::MemoryFeed;
use super::spark::{OutputMode, SparkConfig, SparkEngine, refusal};
use super::window::{WindowError, WindowSpec};
use super::{Aggregate, Engine, EngineRecord, EventTime, Output, OutputKind, PipelineConfig, TimeDomain};
use crate::dist::DistSpec;
use crate::kafka::ids::{Offset, PartitionId};
use crate::rng::stream;
use crate::scenario::TopicConfig;
use crate::time::{MAX_MS, SimTime};
use std::collections::{BTreeMap, BTreeSet};
use thiserror::Error;

#[derive(Clone, Debug, PartialEq)]
pub struct ReplaySettings {
    pub flink: bool,
    pub spark: bool,
    pub window: WindowSpec,
    pub watermark_delay_ms: u64,
    pub watermark_interval_ms: u64,
    pub trigger_ms: u64,
    pub allowed_lateness_ms: u64,
    pub output_mode: OutputMode,
}

/// One parsed row of the trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceRow {
    pub arrival_ms: u64,
    pub event_ms: i64,
    pub key: String,
    pub value: i64,
}

pub const HEADER: &str = "arrival_ms,event_ms,key,value";

/// A trace or replay settings refused before any work, with the line or the setting to change.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum ReplayError {
    #[error("the trace is empty: it needs the header `{HEADER}` and rows")]
    Empty,
    #[error("the trace is empty after its header line: add one line per record, e.g. `0,0,a,1`")]
    NoRows,
    #[error("line 1: the header must be `{HEADER}`, found `{0}`")]
    Header(String),
    #[error("line {line}: expected 4 fields (arrival_ms,event_ms,key,value), found {found}")]
    Fields { line: usize, found: usize },
    #[error("line {line}: {column} `{text}` is not a whole number{}", if *.column == "arrival_ms" { " >= 0" } else { "" })]
    NotWhole { line: usize, column: &'static str, text: String },
    #[error("line {0}: the key is empty")]
    EmptyKey(usize),
    #[error("line {0}: times must lie within +-{MAX_MS} ms (about 31 years)")]
    TimeRange(usize),
    #[error("line {line}: rows must be in arrival order, but {arrival_ms} comes after {previous_ms}")]
    Order { line: usize, arrival_ms: u64, previous_ms: u64 },
    #[error(transparent)]
    Window(#[from] WindowError),
    #[error("durations must be at most {MAX_MS} ms (about 31 years)")]
    DurationTooLong,
    #[error(
        "this replay would take about {steps:.3e} engine steps ({rows} rows, {windows_per_row} windows per row, a \
         trace spanning {span_ms} ms), above the limit of {limit:.0e}: use fewer rows, a larger slide, a \
         coarser watermark interval or trigger, or the append or update output mode",
        limit = crate::budget::REPLAY_MAX_WORK
    )]
    TooMuchWork { steps: f64, rows: usize, windows_per_row: f64, span_ms: u64 },
    /// A query Spark refuses, in Spark's words.
    #[error("{0}")]
    SparkRefuses(String),
}

/// Parses a trace; errors name the line and what is wrong with it.
pub fn parse_trace(text: &str) -> Result<Vec<TraceRow>, ReplayError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    match lines.next() {
        Some((_, h)) if h.trim() == HEADER => {}
        Some((_, h)) => return Err(ReplayError::Header(h.trim().to_string())),
        None => return Err(ReplayError::Empty),
    }
    let mut rows = Vec::new();
    let mut last_arrival = 0;
    for (i, line) in lines {
        let n = i + 1;
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != 4 {
            return Err(ReplayError::Fields { line: n, found: f.len() });
        }
        let whole = |column, text: &str| ReplayError::NotWhole { line: n, column, text: text.to_string() };
        let arrival_ms: u64 = f[0].parse().map_err(|_| whole("arrival_ms", f[0]))?;
        let event_ms: i64 = f[1].parse().map_err(|_| whole("event_ms", f[1]))?;
        let value: i64 = f[3].parse().map_err(|_| whole("value", f[3]))?;
        if f[2].is_empty() {
            return Err(ReplayError::EmptyKey(n));
        }
        if arrival_ms > MAX_MS || event_ms.unsigned_abs() > MAX_MS {
            return Err(ReplayError::TimeRange(n));
        }
        if arrival_ms < last_arrival {
            return Err(ReplayError::Order { line: n, arrival_ms, previous_ms: last_arrival });
        }
        last_arrival = arrival_ms;
        rows.push(TraceRow { arrival_ms, event_ms, key: f[2].to_string(), value });
    }
    if rows.is_empty() {
        return Err(ReplayError::NoRows);
    }
    Ok(rows)
}

/// Runs the trace through the chosen engines and returns the output CSV.
pub fn replay(rows: &[TraceRow], s: &ReplaySettings) -> String {
    // Keys become numbers in order of first appearance, and names again on the way out.
    let mut ids: BTreeMap<&str, u32> = BTreeMap::new();
    let mut names: Vec<&str> = Vec::new();
    for r in rows {
        if !ids.contains_key(r.key.as_str()) {
            ids.insert(&r.key, names.len() as u32);
            names.push(&r.key);
        }
    }
    let pipe = PipelineConfig {
        filter_max_value: i64::MAX,
        map_cost: DistSpec::constant_ms(0.0),
        window: s.window,
        time: TimeDomain::Event,
        aggregate: Aggregate::Count,
        aggregate_cost: DistSpec::constant_ms(0.0),
        parallelism: 1,
    };
    let mut engines: Vec<Box<dyn Engine>> = Vec::new();
    if s.flink {
        // Every setting stated, so that no new default can change a replay: no idle sources, a flush after
        // every record, no checkpoints (an at-least-once sink) and no failures to restart from.
        let cfg = FlinkConfig {
            watermark_delay_ms: s.watermark_delay_ms,
            watermark_interval_ms: s.watermark_interval_ms,
            idle_timeout_ms: 0,
            allowed_lateness_ms: s.allowed_lateness_ms,
            buffer_timeout_ms: 0,
            buffer_records: 1,
            checkpoint_interval_ms: 0,
            sink: SinkMode::AtLeastOnce,
            restart_delay_ms: 0,
        };
        // The trace is one partition: one watermark generator.
        let topic = TopicConfig { partitions: 1, ..TopicConfig::default() };
        engines.push(Box::new(FlinkEngine::new(cfg, pipe.clone(), &topic, stream(0, "replay-flink"), true)));
    }
    if s.spark {
        let cfg = SparkConfig {
            trigger_ms: s.trigger_ms,
            watermark_delay_ms: s.watermark_delay_ms,
            output_mode: s.output_mode,
            batch_overhead: DistSpec::constant_ms(0.0),
            ..SparkConfig::default()
        };
        engines.push(Box::new(SparkEngine::new(cfg, pipe, stream(0, "replay-spark"), true)));
    }
    // Each engine reads the trace as its own log: a record is readable from its arrival.
    let mut feeds = vec![MemoryFeed::default(); engines.len()];
    let mut end = SimTime::ZERO;
    for (offset, r) in (0..).zip(rows) {
        let arrival = SimTime::from_millis(r.arrival_ms);
        end = arrival;
        let rec = EngineRecord {
            created: arrival,
            event_time: EventTime::from_ms(r.event_ms),
            key: ids[r.key.as_str()],
            value: r.value,
            partition: PartitionId(0),
            offset: Offset(offset),
        };
        for (e, kafka) in engines.iter_mut().zip(&mut feeds) {
            kafka.push(e.as_mut(), arrival, rec);
        }
    }
    let mut rows: Vec<CsvRow> = Vec::new();
    for (e, kafka) in engines.iter_mut().zip(&mut feeds) {
        kafka.finish(e.as_mut(), end);
        let engine = e.name();
        let outputs = e.metrics_mut().outputs.take().unwrap_or_default();
        let name = |o: &Output| names[o.key as usize].to_string();
        let dropped = if engine == "spark" { dropped_per_batch(&outputs) } else { Vec::new() };
        for o in &outputs {
            let kind = match o.kind {
                OutputKind::Window => "window",
                OutputKind::Late if engine == "spark" => "dropped-row",
                OutputKind::Late => "late",
            };
            rows.push(CsvRow::of(engine, kind, o, Some((o.start.as_ms(), o.end.as_ms(), name(o), o.sum))));
        }
        rows.extend(
            dropped.iter().map(|(o, groups)| CsvRow::of(engine, "dropped", &Output { count: *groups, ..*o }, None)),
        );
    }
    rows.sort();
    let mut csv = String::from(COLUMNS);
    csv.push('\n');
    for r in rows {
        csv.push_str(&r.line());
    }
    csv
}

pub const COLUMNS: &str = "engine,kind,window_start_ms,window_end_ms,key,count,sum,emit_ms,batch,watermark_ms";

/// The refusals of the engines that would run, in their words.
pub fn check(s: &ReplaySettings) -> Result<(), ReplayError> {
    match refusal(&s.window, s.output_mode) {
        Some(reason) if s.spark => Err(ReplayError::SparkRefuses(reason)),
        _ => Ok(()),
    }
}

/// Spark reports no late rows, only numRowsDroppedByWatermark per batch, counted by the stateful operator
/// (StateStoreRestoreExec) after the partial aggregation: one per dropped (window, key) group.
fn dropped_per_batch(outputs: &[Output]) -> Vec<(Output, u64)> {
    let late: Vec<&Output> = outputs.iter().filter(|o| o.kind == OutputKind::Late).collect();
    let batches: BTreeSet<u64> = late.iter().filter_map(|o| o.batch).collect();
    batches
        .into_iter()
        .map(|b| {
            let rows: Vec<&&Output> = late.iter().filter(|o| o.batch == Some(b)).collect();
            let groups: BTreeSet<(EventTime, EventTime, u32)> = rows.iter().map(|o| (o.start, o.end, o.key)).collect();
            (**rows[0], groups.len() as u64)
        })
        .collect()
}

/// One output line; fields in sort order: emit time first, then batch, kind, window, key.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct CsvRow {
    engine: &'static str,
    emit_ms: u64,
    batch: Option<u64>,
    kind: &'static str,
    window: Option<(i64, i64, String, i64)>,
    count: u64,
    watermark_ms: i64,
}

impl CsvRow {
    fn of(engine: &'static str, kind: &'static str, o: &Output, window: Option<(i64, i64, String, i64)>) -> CsvRow {
        // Flink's sentinels, no watermark yet (Long.MIN_VALUE) and the end of input (Long.MAX_VALUE), are
        // printed as Flink prints them: in milliseconds they would read as a time 292 thousand years away.
        let watermark_ms = match o.watermark {
            EventTime::MIN => i64::MIN,
            EventTime::MAX => i64::MAX,
            w => w.as_ms(),
        };
        CsvRow { engine, emit_ms: o.emit.as_millis(), batch: o.batch, kind, window, count: o.count, watermark_ms }
    }

    fn line(&self) -> String {
        let (start, end, key, sum) = match &self.window {
            Some((start, end, key, sum)) => (start.to_string(), end.to_string(), key.as_str(), sum.to_string()),
            None => (String::new(), String::new(), "", String::new()),
        };
        let batch = self.batch.map(|b| b.to_string()).unwrap_or_default();
        format!(
            "{},{},{start},{end},{key},{},{sum},{},{batch},{}\n",
            self.engine, self.kind, self.count, self.emit_ms, self.watermark_ms
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(rows: &str) -> Result<Vec<TraceRow>, ReplayError> {
        parse_trace(&format!("{HEADER}\n{rows}"))
    }

    fn row(arrival_ms: u64, event_ms: i64, key: &str, value: i64) -> TraceRow {
        TraceRow { arrival_ms, event_ms, key: key.to_string(), value }
    }

    /// Blank lines are skipped but counted, so an error names the line as an editor shows it; fields may
    /// carry spaces; equal arrival times keep their order.
    #[test]
    fn a_trace_parses_with_blank_lines_and_spaces() {
        let rows = parse_trace(&format!("\n  {HEADER}  \n\n5, -3 ,a,1\n5,7,b , -2\n")).expect("valid");
        assert_eq!(rows, vec![row(5, -3, "a", 1), row(5, 7, "b", -2)]);
        assert_eq!(parse(""), Err(ReplayError::NoRows), "a header alone is refused, not replayed as nothing");
        assert_eq!(parse_trace("\n \n"), Err(ReplayError::Empty));
        assert_eq!(parse_trace(&format!("{HEADER},x\n")), Err(ReplayError::Header(format!("{HEADER},x"))));
        assert_eq!(parse("\n1,2,a\n"), Err(ReplayError::Fields { line: 3, found: 3 }));
        assert_eq!(parse("1,2,a,3,4\n"), Err(ReplayError::Fields { line: 2, found: 5 }));
        assert_eq!(parse("1,2,,3\n"), Err(ReplayError::EmptyKey(2)));
        let not_whole = |column, text: &str| ReplayError::NotWhole { line: 2, column, text: text.to_string() };
        assert_eq!(parse("1,2,a,1.5\n"), Err(not_whole("value", "1.5")));
        assert_eq!(parse("x,2,a,1\n"), Err(not_whole("arrival_ms", "x")));
    }

    /// Times may reach MAX_MS (about 31 years) on either side of 0, not beyond; arrival times never go back.
    #[test]
    fn times_are_bounded_and_arrivals_ordered() {
        let max = MAX_MS as i64;
        assert_eq!(parse(&format!("{max},{max},a,1\n{max},-{max},a,1\n")).map(|r| r.len()), Ok(2));
        assert_eq!(parse(&format!("{},0,a,1\n", max + 1)), Err(ReplayError::TimeRange(2)));
        assert_eq!(parse(&format!("0,{},a,1\n", max + 1)), Err(ReplayError::TimeRange(2)));
        assert_eq!(parse(&format!("0,-{},a,1\n", max + 1)), Err(ReplayError::TimeRange(2)));
        assert_eq!(
            parse("3,0,a,1\n3,0,a,1\n2,0,a,1\n"),
            Err(ReplayError::Order { line: 4, arrival_ms: 2, previous_ms: 3 })
        );
    }

    /// Before its first watermark Flink's is Long.MIN_VALUE, printed as Flink prints it, like Long.MAX_VALUE.
    #[test]
    fn a_watermark_not_yet_emitted_is_flinks_long_min_value() {
        let s = ReplaySettings {
            flink: true,
            spark: false,
            window: WindowSpec::None,
            watermark_delay_ms: 5000,
            watermark_interval_ms: 200,
            trigger_ms: 1000,
            allowed_lateness_ms: 0,
            output_mode: OutputMode::Append,
        };
        let csv = replay(&[row(1000, 1000, "a", 1)], &s);
        assert!(csv.ends_with("\nflink,window,1000,1000,a,1,1,1000,,-9223372036854775808\n"), "{csv}");
    }

    /// Spark refuses update mode for session windows; Flink alone runs the query.
    #[test]
    fn only_a_refusal_by_an_engine_that_runs_stops_the_replay() {
        let s = ReplaySettings {
            flink: true,
            spark: true,
            window: WindowSpec::Session { gap_ms: 1000 },
            watermark_delay_ms: 0,
            watermark_interval_ms: 200,
            trigger_ms: 1000,
            allowed_lateness_ms: 0,
            output_mode: OutputMode::Update,
        };
        assert!(
            matches!(check(&s), Err(ReplayError::SparkRefuses(m)) if m.contains("Invalid streaming output mode: update"))
        );
        assert_eq!(check(&ReplaySettings { spark: false, ..s.clone() }), Ok(()));
        assert_eq!(check(&ReplaySettings { output_mode: OutputMode::Append, ..s }), Ok(()));
    }
}
