//! The oracle: `streamlab replay` against the real engines' output, recorded by running the exported jobs
//! on PySpark 4.3 and PyFlink 2.3 (`tests/oracle/record.sh`). Every case in `tests/oracle/cases.txt`.

use std::process::Command;

/// (name, trace, flags) of every case.
fn cases() -> Vec<(String, String, Vec<String>)> {
    let text = std::fs::read_to_string("tests/oracle/cases.txt").expect("tests/oracle/cases.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('|').map(str::trim).collect();
            (f[0].to_string(), f[1].to_string(), f[2].split_whitespace().map(String::from).collect())
        })
        .collect()
}

/// Replay's CSV without the rows Spark never reports (streamlab's per-row reconstruction of its drops).
fn replay(engine: &str, trace: &str, flags: &[String]) -> String {
    let mut args = vec!["replay".to_string(), "--engine".into(), engine.into()];
    args.extend(flags.iter().cloned());
    if engine == "flink" {
        // The exported Flink job emits a watermark after every record.
        args.extend(["--watermark-interval".into(), "0ms".into()]);
    }
    args.push(format!("tests/oracle/traces/{trace}.csv"));
    let o = Command::new(env!("CARGO_BIN_EXE_streamlab")).args(&args).output().expect("streamlab runs");
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .expect("utf-8")
        .lines()
        .filter(|l| !l.contains(",dropped-row,"))
        .map(|l| l.to_string() + "\n")
        .collect()
}

#[test]
fn replay_equals_the_real_engines_on_every_recorded_trace() {
    let cases = cases();
    assert!(cases.len() >= 25, "the oracle has {} cases", cases.len());
    let mut differs = Vec::new();
    for (name, trace, flags) in &cases {
        for engine in ["spark", "flink"] {
            let path = format!("tests/oracle/recorded/{name}.{engine}.csv");
            let real = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let ours = replay(engine, trace, flags);
            if ours != real {
                differs.push(format!("{name} ({engine}):\n--- real\n{real}--- replay\n{ours}"));
            }
        }
    }
    assert!(differs.is_empty(), "{} of {} differ:\n{}", differs.len(), cases.len() * 2, differs.join("\n"));
}
