//! Every input gets an answer: the regression corpus of hostile inputs, each with the exit code and the
//! words of the message it must get, and the work estimates checked against real runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use streamlab_labs::scenarios::BUILTIN;
use streamlab_sim::budget;
use streamlab_sim::report::Results;
use streamlab_sim::{Scenario, World};

const PIPELINE: &str = "[pipeline]\nwindow = { kind = \"tumbling\", size_ms = 1000 }\n";

/// What a case gives the command: a scenario text for `run`, a trace for `replay`, or plain arguments.
enum Input {
    Scenario(String),
    Trace(String, &'static [&'static str]),
    Args(&'static [&'static str]),
}

fn scenario(text: &str) -> Input {
    Input::Scenario(text.to_string())
}

/// (case, input, exit code, words the message must contain).
fn corpus() -> Vec<(&'static str, Input, i32, &'static [&'static str])> {
    let p = PIPELINE;
    let trace_header = "arrival_ms,event_ms,key,value\n";
    let many_rows: String = (1..=100_000).map(|i| format!("{i},{i},k,1\n")).collect();
    vec![
        // Panics: the [batch] distributions were never validated.
        (
            "batch pareto shape 0",
            scenario(&format!("{p}[batch]\nstartup = {{ dist = \"pareto\", scale_ms = 1.0, shape = 0.0 }}")),
            2,
            &["batch.startup", "shape"],
        ),
        (
            "batch empirical empty",
            scenario(&format!("{p}[batch]\nshuffle_cost = {{ dist = \"empirical\", values_ms = [] }}")),
            2,
            &["batch.shuffle_cost", "values_ms"],
        ),
        (
            "batch NaN",
            scenario(&format!("{p}[batch]\nstartup = {{ dist = \"constant\", ms = nan }}")),
            2,
            &["batch.startup.ms", "finite"],
        ),
        (
            "batch negative",
            scenario(&format!("{p}[batch]\nstartup = {{ dist = \"constant\", ms = -1.0 }}")),
            2,
            &["batch.startup", "ms"],
        ),
        (
            "batch inf",
            scenario(&format!("{p}[batch]\nstartup = {{ dist = \"constant\", ms = inf }}")),
            2,
            &["batch.startup.ms", "finite"],
        ),
        (
            "batch negative std",
            scenario(&format!("{p}[batch]\nstartup = {{ dist = \"normal\", mean_ms = 1.0, std_ms = -1.0 }}")),
            2,
            &["batch.startup", "std_ms"],
        ),
        // Aborts: allocations sized by the input.
        (
            "processing time 1e300",
            scenario("[consumer_group]\nprocessing_time = { dist = \"constant\", ms = 1e300 }"),
            2,
            &["consumer_group.processing_time.ms", "1e300"],
        ),
        (
            "zipf 4e9 keys",
            scenario("[[producers]]\nkeys = { kind = \"zipf\", count = 4000000000, exponent = 1.0 }"),
            2,
            &["producers[0].keys.count"],
        ),
        (
            "sliding 1 day by 1 ms",
            scenario("[pipeline]\nwindow = { kind = \"sliding\", size_ms = 86400000, slide_ms = 1 }"),
            2,
            &["pipeline.window", "86400000"],
        ),
        (
            "assign 4e9 partitions",
            Input::Args(&["kafka", "assign", "--strategy", "sticky", "--members", "c1", "--topics", "t0:4000000000"]),
            2,
            &["--topics", "4000000000"],
        ),
        // Hangs: work far beyond any budget.
        ("rate 1e9", scenario("[[producers]]\nrate_per_s = 1e9"), 2, &["run.max_events", "records"]),
        ("duration 1e12", scenario("[run]\nduration_ms = 1000000000000"), 2, &["run.duration_ms"]),
        ("duration 1e11", scenario("[run]\nduration_ms = 100000000000"), 2, &["run.bucket_ms", "buckets"]),
        ("a million producers", scenario("[[producers]]\ncount = 1000000"), 2, &["producers", "1000000"]),
        (
            "map cost 1e300",
            scenario(&format!("{p}map_cost = {{ dist = \"constant\", ms = 1e300 }}")),
            2,
            &["pipeline.map_cost.ms"],
        ),
        (
            "aggregate cost 1e300",
            scenario(&format!("{p}aggregate_cost = {{ dist = \"constant\", ms = 1e300 }}")),
            2,
            &["pipeline.aggregate_cost.ms"],
        ),
        (
            "batch overhead 1e300",
            scenario(&format!("{p}[spark]\nbatch_overhead = {{ dist = \"constant\", ms = 1e300 }}")),
            2,
            &["spark.batch_overhead.ms"],
        ),
        (
            "map cost an hour",
            scenario(&format!("{p}map_cost = {{ dist = \"constant\", ms = 3600000.0 }}")),
            2,
            &["run.max_events"],
        ),
        (
            "buffer timeout i64::MAX",
            scenario(&format!("{p}[flink]\nbuffer_timeout_ms = 9223372036854775807")),
            2,
            &["flink.buffer_timeout_ms"],
        ),
        (
            "trigger i64::MAX",
            scenario(&format!("{p}[spark]\ntrigger_ms = 9223372036854775807")),
            2,
            &["spark.trigger_ms"],
        ),
        (
            "arrival at 1e15 ms",
            Input::Trace(format!("{trace_header}1000000000000000,1,a,1\n"), &["--window", "tumbling:10s"]),
            2,
            &["line 2", "ms"],
        ),
        (
            "arrival at 1e12 ms",
            Input::Trace(format!("{trace_header}1000000000000,1,a,1\n"), &["--window", "tumbling:10s"]),
            2,
            &["engine steps", "coarser watermark interval"],
        ),
        (
            "many rows sliding by 1 ms",
            Input::Trace(format!("{trace_header}{many_rows}"), &["--window", "sliding:10s:1ms"]),
            2,
            &["100000 rows", "10000 windows"],
        ),
        // Nonsense accepted silently.
        (
            "event time wraps",
            Input::Trace(format!("{trace_header}1,9300000000000,a,1\n"), &["--window", "tumbling:10s"]),
            2,
            &["line 2"],
        ),
        ("bench records u64::MAX", Input::Args(&["bench", "--records", "18446744073709551615"]), 2, &["--records"]),
        (
            "record of 4 GB",
            scenario("[[producers]]\nrecord_bytes = 4000000000"),
            2,
            &["producers[0].record_bytes", "max.request.size"],
        ),
        (
            "sliding with gaps",
            Input::Trace(format!("{trace_header}172,172,k0,0\n2517,5590,k0,0\n"), &["--window", "sliding:1ms:3ms"]),
            2,
            &["slide_ms", "size_ms"],
        ),
        ("members 0", scenario("[consumer_group]\nmembers = 0"), 2, &["consumer_group.members", "lost"]),
        (
            "network delay 1e300",
            scenario("[cluster]\nnetwork_delay = { dist = \"constant\", ms = 1e300 }"),
            2,
            &["cluster.network_delay.ms"],
        ),
        ("empty file", scenario(""), 2, &["no keys", "scenario show"]),
        ("comment-only file", scenario("# only a comment\n\n"), 2, &["no keys"]),
        ("empty topic name", scenario("[topic]\nname = \"\""), 2, &["topic.name", "Kafka topic name"]),
        ("topic name with a space", scenario("[topic]\nname = \"my topic\""), 2, &["topic.name"]),
        (
            "restart of a running broker",
            scenario("[[faults]]\nkind = \"broker_restart\"\nat_ms = 100\nbroker = 0"),
            2,
            &["faults[0].broker", "never crashed"],
        ),
        (
            "restart of a member that crashes only later",
            scenario(
                "[[faults]]\nkind = \"consumer_restart\"\nat_ms = 100\nmember = 0\n[[faults]]\nkind = \"consumer_crash\"\nat_ms = 200\nmember = 0",
            ),
            2,
            &["faults[0].member", "never crashed"],
        ),
        (
            "duplicate members",
            Input::Args(&["kafka", "assign", "--strategy", "range", "--members", "c1,c1", "--topics", "t0:3"]),
            2,
            &["--members", "c1", "twice"],
        ),
        // Exit 1 where the README promises 2.
        ("non-UTF-8 file", Input::Args(&["run", "nonutf8.toml"]), 2, &["nonutf8.toml", "UTF-8"]),
        ("a folder as the scenario", Input::Args(&["run", "folder.toml"]), 2, &["folder.toml", "folder"]),
        (
            "--out naming a file",
            Input::Args(&["run", "quickstart", "--out", "a-file"]),
            2,
            &["--out", "a-file", "is a file"],
        ),
        (
            "handout --out naming a file",
            Input::Args(&["handout", "--out", "a-file"]),
            2,
            &["--out a-file is a file: give a folder"],
        ),
        // Refused before grading, not after it with "Is a directory".
        (
            "grade --out naming a folder",
            Input::Args(&["grade", "--out", "folder.toml"]),
            2,
            &["--out folder.toml is a folder: give the report's file name, e.g. folder.toml/report.txt"],
        ),
        ("an empty student id", Input::Args(&["grade", "--student", ""]), 2, &["the student id is empty"]),
        ("a blank student id", Input::Args(&["exercise", "show", "m1", "--student", " "]), 2, &["student id"]),
        // Still answered as before.
        ("missing file", Input::Args(&["run", "missing.toml"]), 2, &["missing.toml", "does not exist"]),
        (
            "replay duration overflow",
            Input::Trace(format!("{trace_header}1,1,a,1\n"), &["--window", "tumbling:99999999999999999h"]),
            2,
            &["--window", "above"],
        ),
        (
            "a valid trace",
            Input::Trace(format!("{trace_header}1,1,a,1\n2000,1500,a,2\n"), &["--window", "tumbling:1s"]),
            0,
            &[],
        ),
        (
            "a restart after a crash",
            scenario(
                "[run]\nduration_ms = 500\ndrain_ms = 1000\n[[faults]]\nkind = \"broker_crash\"\nat_ms = 100\nbroker = 0\n[[faults]]\nkind = \"broker_restart\"\nat_ms = 300\nbroker = 0",
            ),
            0,
            &[],
        ),
    ]
}

fn workdir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("robustness");
    std::fs::create_dir_all(dir.join("folder.toml")).unwrap();
    std::fs::write(dir.join("nonutf8.toml"), b"name = \"\xff\xfe\"\n").unwrap();
    std::fs::write(dir.join("a-file"), "").unwrap();
    dir
}

#[test]
fn every_case_of_the_corpus_gets_its_answer() {
    let dir = workdir();
    let mut failures = Vec::new();
    for (i, (case, input, code, words)) in corpus().into_iter().enumerate() {
        let args: Vec<String> = match input {
            Input::Scenario(text) => {
                let file = format!("case{i}.toml");
                std::fs::write(dir.join(&file), text).unwrap();
                vec!["run".into(), file, "--out".into(), format!("out{i}")]
            }
            Input::Trace(text, flags) => {
                let file = format!("case{i}.csv");
                std::fs::write(dir.join(&file), text).unwrap();
                let mut a: Vec<String> = vec!["replay".into(), "--watermark-delay".into(), "1s".into()];
                a.extend(flags.iter().map(|s| s.to_string()));
                a.push(file);
                a
            }
            Input::Args(a) => a.iter().map(|s| s.to_string()).collect(),
        };
        let out = Command::new(env!("CARGO_BIN_EXE_streamlab")).args(&args).current_dir(&dir).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let got = out.status.code();
        let missing: Vec<_> = words.iter().filter(|w| !stderr.contains(*w)).collect();
        if got != Some(code) || !missing.is_empty() {
            failures.push(format!("{case}: exit {got:?} (want {code}), missing {missing:?}\n  {stderr}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn estimates_bound_the_builtin_runs() {
    for (name, text) in BUILTIN.iter().filter(|(n, _)| *n != "bench") {
        let s = Scenario::from_toml(text).unwrap();
        let e = budget::estimate(&s);
        let mut w = World::new(&s);
        w.run().unwrap();
        let produced = Results::of(&w).ledger.produced as f64;
        // Diurnal and on-off arrivals are estimated at their peak rate: a few times high, never low.
        assert!((0.9..8.0).contains(&(e.records / produced)), "{name}: {produced} records, estimated {}", e.records);
        let events = w.events_processed() as f64;
        assert!((1.0..6.0).contains(&(e.events / events)), "{name}: {events} events, estimated {}", e.events);
    }
}
