//! The engines against the real ones, inside the library's own tests: every trace of the oracle
//! (`tests/oracle/`, output recorded from PySpark 4.3 and PyFlink 2.3 running the exported jobs) replayed
//! through the engines, compared line by line. The command-line path is checked by `tests/oracle.rs`.

use super::replay::{ReplaySettings, parse_trace, replay};
use super::spark::OutputMode;
use super::window::WindowSpec;
use std::path::PathBuf;

fn oracle(path: &str) -> String {
    let file: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", "tests", "oracle", path].iter().collect();
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// `10s`, `500ms` or `0ms`: the durations of `cases.txt`.
fn ms(s: &str) -> u64 {
    match s.strip_suffix("ms") {
        Some(n) => n.parse().expect("milliseconds"),
        None => s.strip_suffix('s').and_then(|n| n.parse::<u64>().ok()).expect("seconds") * 1000,
    }
}

/// The case's flags as `streamlab replay` reads them (its defaults: trigger 1s, no lateness, append).
fn settings(flags: &str, flink: bool) -> ReplaySettings {
    let mut s = ReplaySettings {
        flink,
        spark: !flink,
        window: WindowSpec::None,
        watermark_delay_ms: 0,
        // The exported Flink job emits a watermark after every record.
        watermark_interval_ms: 0,
        trigger_ms: 1000,
        allowed_lateness_ms: 0,
        output_mode: OutputMode::Append,
    };
    let flags: Vec<&str> = flags.split_whitespace().collect();
    for pair in flags.chunks(2) {
        let value = pair[1];
        match pair[0] {
            "--window" => {
                let n: Vec<u64> = value.split(':').skip(1).map(ms).collect();
                s.window = match value.split(':').next() {
                    Some("tumbling") => WindowSpec::Tumbling { size_ms: n[0] },
                    Some("sliding") => WindowSpec::Sliding { size_ms: n[0], slide_ms: n[1] },
                    Some("session") => WindowSpec::Session { gap_ms: n[0] },
                    _ => panic!("window {value}"),
                };
            }
            "--watermark-delay" => s.watermark_delay_ms = ms(value),
            "--trigger" => s.trigger_ms = ms(value),
            "--allowed-lateness" => s.allowed_lateness_ms = ms(value),
            "--output-mode" => {
                s.output_mode = match value {
                    "update" => OutputMode::Update,
                    "complete" => OutputMode::Complete,
                    _ => OutputMode::Append,
                }
            }
            flag => panic!("flag {flag}"),
        }
    }
    s
}

#[test]
fn the_engines_give_the_real_engines_output_on_every_recorded_trace() {
    let cases = oracle("cases.txt");
    let cases: Vec<Vec<&str>> = cases
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('|').map(str::trim).collect())
        .collect();
    assert!(cases.len() >= 25, "the oracle has {} cases", cases.len());
    let mut differs = Vec::new();
    for case in &cases {
        let (name, trace, flags) = (case[0], case[1], case[2]);
        let rows = parse_trace(&oracle(&format!("traces/{trace}.csv"))).expect("a valid trace");
        for engine in ["spark", "flink"] {
            let real = oracle(&format!("recorded/{name}.{engine}.csv"));
            // Spark reports no single dropped rows; streamlab's reconstruction of them is left out.
            let ours: String = replay(&rows, &settings(flags, engine == "flink"))
                .lines()
                .filter(|l| !l.contains(",dropped-row,"))
                .map(|l| format!("{l}\n"))
                .collect();
            if ours != real {
                differs.push(format!("{name} ({engine}):\n--- real\n{real}--- ours\n{ours}"));
            }
        }
    }
    assert!(differs.is_empty(), "{} of {} differ:\n{}", differs.len(), cases.len() * 2, differs.join("\n"));
}
