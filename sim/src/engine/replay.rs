//! Replay of a hand-made trace through the engines, with zero processing costs: only the engines'
//! rules (windows, watermarks, triggers, lateness, output modes) decide what comes out and when.
//!
//! Input: CSV `arrival_ms,event_ms,key,value`, rows in arrival order. Output: CSV
//! `engine,kind,window_start_ms,window_end_ms,key,count,sum,emit_ms`, sorted by engine, emit_ms,
//! window_start_ms, key.

use super::flink::{FlinkConfig, FlinkEngine, SinkMode};
use super::spark::{OutputMode, SparkConfig, SparkEngine};
use super::window::WindowSpec;
use super::{Aggregate, Engine, EngineRecord, Output, OutputKind, PipelineConfig, TimeDomain};
use crate::dist::DistSpec;
use crate::rng::stream;
use crate::time::{MAX_MS, SimTime};
use std::collections::BTreeMap;

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

/// Parses a trace; errors name the line and what is wrong with it.
pub fn parse_trace(text: &str) -> Result<Vec<TraceRow>, String> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    match lines.next() {
        Some((_, h)) if h.trim() == HEADER => {}
        Some((_, h)) => return Err(format!("line 1: the header must be `{HEADER}`, found `{}`", h.trim())),
        None => return Err(format!("the trace is empty: it needs the header `{HEADER}` and rows")),
    }
    let mut rows = Vec::new();
    let mut last_arrival = 0;
    for (i, line) in lines {
        let n = i + 1;
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != 4 {
            return Err(format!("line {n}: expected 4 fields (arrival_ms,event_ms,key,value), found {}", f.len()));
        }
        let arrival_ms: u64 =
            f[0].parse().map_err(|_| format!("line {n}: arrival_ms `{}` is not a whole number >= 0", f[0]))?;
        let event_ms: i64 = f[1].parse().map_err(|_| format!("line {n}: event_ms `{}` is not a whole number", f[1]))?;
        let value: i64 = f[3].parse().map_err(|_| format!("line {n}: value `{}` is not a whole number", f[3]))?;
        if f[2].is_empty() {
            return Err(format!("line {n}: the key is empty"));
        }
        if arrival_ms > MAX_MS || event_ms.unsigned_abs() > MAX_MS {
            return Err(format!("line {n}: times must lie within +-{MAX_MS} ms (about 31 years)"));
        }
        if arrival_ms < last_arrival {
            return Err(format!(
                "line {n}: rows must be in arrival order, but {arrival_ms} comes after {last_arrival}"
            ));
        }
        last_arrival = arrival_ms;
        rows.push(TraceRow { arrival_ms, event_ms, key: f[2].to_string(), value });
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
        let cfg = FlinkConfig {
            watermark_delay_ms: s.watermark_delay_ms,
            watermark_interval_ms: s.watermark_interval_ms,
            allowed_lateness_ms: s.allowed_lateness_ms,
            buffer_timeout_ms: 0,
            checkpoint_interval_ms: 0,
            sink: SinkMode::AtLeastOnce,
            ..FlinkConfig::default()
        };
        engines.push(Box::new(FlinkEngine::new(cfg, pipe.clone(), stream(0, "replay-flink"), true)));
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
    const MS: i64 = 1_000_000;
    let mut end = SimTime::ZERO;
    for r in rows {
        let arrival = SimTime::from_millis(r.arrival_ms);
        end = arrival;
        let rec = EngineRecord {
            created: arrival,
            event_time: r.event_ms * MS,
            key: ids[r.key.as_str()],
            value: r.value,
            partition: 0,
        };
        for e in &mut engines {
            e.on_record(arrival, rec);
        }
    }
    let mut out: Vec<(String, Output)> = Vec::new();
    for e in &mut engines {
        e.finish(end);
        let name = e.name().to_string();
        for o in e.metrics_mut().outputs.take().unwrap_or_default() {
            out.push((name.clone(), o));
        }
    }
    out.sort_by(|(ea, a), (eb, b)| {
        (ea, a.emit, a.start, names[a.key as usize], a.kind, a.end, a.count).cmp(&(
            eb,
            b.emit,
            b.start,
            names[b.key as usize],
            b.kind,
            b.end,
            b.count,
        ))
    });
    let mut csv = String::from("engine,kind,window_start_ms,window_end_ms,key,count,sum,emit_ms\n");
    for (engine, o) in out {
        let kind = if o.kind == OutputKind::Late { "late" } else { "window" };
        csv.push_str(&format!(
            "{engine},{kind},{},{},{},{},{},{}\n",
            o.start.div_euclid(MS),
            o.end.div_euclid(MS),
            names[o.key as usize],
            o.count,
            o.sum,
            o.emit.as_millis()
        ));
    }
    csv
}
