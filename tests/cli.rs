//! End-to-end tests of the `streamlab` command: the real executable, its output and exit codes.

use std::path::PathBuf;
use std::process::{Command, Output};

fn streamlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_streamlab")).args(args).output().expect("streamlab runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8")
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("streamlab-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn partition_prints_kafkas_partition_for_each_key() {
    let o = streamlab(&["kafka", "partition", "--partitions", "12", "21", "foobar", "abc"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // toPositive(murmur2(key)) % 12 with Kafka's UtilsTest hashes: -973932308, -790332482, 479470107.
    let want = format!(
        "21\t{}\nfoobar\t{}\nabc\t{}\n",
        (-973932308i32 & 0x7fffffff) % 12,
        (-790332482i32 & 0x7fffffff) % 12,
        479470107 % 12
    );
    assert_eq!(stdout(&o), want);
}

#[test]
fn assign_prints_kafkas_assignment_for_a_fresh_group() {
    let o = streamlab(&["kafka", "assign", "--strategy", "range", "--members", "c1,c2", "--topics", "t0:3,t1:3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "c1: t0-0 t0-1 t1-0 t1-1\nc2: t0-2 t1-2\n");
    let o = streamlab(&["kafka", "assign", "--strategy", "roundrobin", "--members", "c1,c2", "--topics", "t0:3,t1:3"]);
    assert_eq!(stdout(&o), "c1: t0-0 t0-2 t1-1\nc2: t0-1 t1-0 t1-2\n");
    let o = streamlab(&[
        "kafka",
        "assign",
        "--strategy",
        "sticky",
        "--members",
        "C0,C1,C2",
        "--topics",
        "t0:2,t1:2,t2:2,t3:2",
    ]);
    assert_eq!(stdout(&o), "C0: t0-0 t1-1 t3-0\nC1: t0-1 t2-0 t3-1\nC2: t1-0 t2-1\n");
}

/// AbstractStickyAssignorTest.testAddRemoveTwoConsumersTwoTopics through the command line.
#[test]
fn assign_sticky_keeps_owned_partitions_when_members_join() {
    let previous = "c1=topic1-0,topic1-2,topic2-1,topic2-3;c2=topic1-1,topic2-0,topic2-2";
    let args = ["kafka", "assign", "--strategy", "sticky", "--members", "c1,c2,c3,c4", "--topics", "topic1:3,topic2:4"];
    let o = streamlab(&[&args[..], &["--previous", previous]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "c1: topic1-0 topic2-1\nc2: topic1-1 topic2-0\nc3: topic1-2 topic2-3\nc4: topic2-2\n");
    let o = streamlab(&[&args[..], &["--previous", "c1=topic9-0"]].concat());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`topic9-0` is not a partition"), "{}", stderr(&o));
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    let o = streamlab(&["kafka", "assign", "--strategy", "random", "--members", "a", "--topics", "t:1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("[possible values: range, roundrobin, sticky]"), "{}", stderr(&o));
    let o = streamlab(&["kafka", "assign", "--strategy", "range", "--members", "a", "--topics", "t"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("NAME:PARTITIONS"));
    for (topics, previous, needle) in [
        ("t0:3,t0:5", "", "`t0` appears twice"),
        ("t0:0", "", "at least 1 partition"),
        ("t0:3", "a=t0-0;a=t0-1", "member `a` appears twice"),
    ] {
        let args = ["kafka", "assign", "--strategy", "sticky", "--members", "a", "--topics", topics];
        let o = streamlab(&[&args[..], &["--previous", previous]].concat());
        assert_eq!(o.status.code(), Some(2), "{topics} {previous}");
        assert!(stderr(&o).contains(needle), "{}", stderr(&o));
    }
    // A seed past TOML's largest integer could not be written back into the scenario a lab changes.
    let o = streamlab(&["lab", "kafka", "--seed", "9223372036854775808"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is not in 0..=9223372036854775807"), "{}", stderr(&o));
    let o = streamlab(&["kafka", "partition", "--partitions", "0", "k"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_bad_scenario_names_the_key_and_exits_2() {
    let dir = temp_dir("bad");
    for (text, needle) in [
        ("[topic]\npartitions = 0\n", "topic.partitions"),
        ("[topic]\nreplication_factor = 5\n", "topic.replication_factor"),
        ("[topic]\nshards = 2\n", "unknown field `shards`"),
        ("[[producers]]\nrate_per_s = -1.0\n", "producers[0].rate_per_s"),
        ("[run]\nseed = \"x\"\n", "seed"),
    ] {
        let path = dir.join("s.toml");
        std::fs::write(&path, text).unwrap();
        let o = streamlab(&["run", path.to_str().unwrap(), "--out", dir.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{text}");
        assert!(stderr(&o).contains(needle), "{text}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }
    let o = streamlab(&["run", "no/such/file.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not exist"));
    let o = streamlab(&["run", "nonesuch"]);
    assert!(stderr(&o).contains("built-in scenarios: applications, batch-vs-stream, bench"), "{}", stderr(&o));
}

#[test]
fn runs_are_byte_identical_for_a_seed_and_differ_across_seeds() {
    let dir = temp_dir("det");
    let run = |seed: &str, sub: &str| {
        let out = dir.join(sub);
        let o = streamlab(&["run", "quickstart", "--seed", seed, "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(out.join("results.json")).unwrap()
    };
    let a = run("9", "a");
    let b = run("9", "b");
    let c = run("10", "c");
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn run_prints_seed_and_parameters_first_then_the_summary() {
    let dir = temp_dir("summary");
    let o = streamlab(&["run", "quickstart", "--out", dir.to_str().unwrap()]);
    assert!(o.status.success());
    let text = stdout(&o).replace(dir.to_str().unwrap(), "OUT");
    insta::assert_snapshot!("run_quickstart", text);
}

#[test]
fn scenario_list_and_show() {
    let o = streamlab(&["scenario", "list"]);
    let list = stdout(&o);
    for name in ["bench", "broker-crash-acks-1", "broker-crash-acks-all", "quickstart"] {
        assert!(list.lines().any(|l| l.starts_with(name)), "{name} listed");
    }
    let o = streamlab(&["scenario", "show", "quickstart"]);
    assert!(stdout(&o).contains("linger_ms = 5"));
    let o = streamlab(&["scenario", "show", "nope"]);
    assert_eq!(o.status.code(), Some(2));
}

/// The mm1 model is twelve M/M/1 queues at utilisation 0.8: queueing theory says 0.4 ms in the system.
#[test]
fn bench_mm1_reproduces_the_mm1_mean_time_in_system() {
    let o = streamlab(&["bench", "--model", "mm1", "--records", "200000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("one JSON line");
    let records = v["records"].as_u64().unwrap();
    assert!((195_000..=205_000).contains(&records), "a Poisson count near 200k: {v}");
    let mean_ms = v["mean_time_in_system_ms"].as_f64().unwrap();
    assert!((mean_ms - 0.4).abs() < 0.02, "1 / (12.5k/s - 10k/s) = 0.4 ms, measured {mean_ms} ms");
    let per_record = v["events_per_record"].as_f64().unwrap();
    assert_eq!(per_record, (v["events"].as_f64().unwrap() / records as f64 * 100.0).round() / 100.0);
    assert!(v["records_per_s"].as_f64().unwrap() > 0.0 && v["peak_rss_mb"].as_f64().unwrap() > 0.0);
    assert_eq!(v["build"], "debug", "a timing from a test build says so");
}

#[test]
fn bench_refuses_flags_that_do_not_fit_the_model() {
    for args in [
        &["bench", "--model", "mm1", "--engines"][..],
        &["bench", "--model", "kafka", "--against-simpy"][..],
        &["bench", "--records", "0"][..],
    ] {
        let o = streamlab(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("--"), "{args:?} names the flag: {}", stderr(&o));
    }
}

#[test]
fn compare_prints_the_engines_side_by_side() {
    let dir = temp_dir("compare");
    let o = streamlab(&["compare", "flink-vs-spark", "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o).replace(dir.to_str().unwrap(), "OUT");
    insta::assert_snapshot!("compare_flink_vs_spark", text);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    let engines = json["engines"].as_array().expect("engines in results.json");
    let p50 = |i: usize| engines[i]["latency_ms"]["p50_ms"].as_f64().unwrap();
    assert!(p50(0) < p50(1) && p50(1) < p50(2), "flink < spark < batch at the median");
    let o = streamlab(&["compare", "quickstart"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("[pipeline]"));
}

#[test]
fn replay_reads_a_trace_and_prints_csv() {
    let dir = temp_dir("replay");
    let trace = dir.join("events.csv");
    std::fs::write(&trace, "arrival_ms,event_ms,key,value\n1000,1000,a,1\n3000,9000,b,2\n4000,12000,a,3\n").unwrap();
    let o = streamlab(&[
        "replay",
        "--engine",
        "both",
        "--window",
        "tumbling:10s",
        "--watermark-delay",
        "2s",
        trace.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let header = "engine,kind,window_start_ms,window_end_ms,key,count,sum,emit_ms,batch,watermark_ms\n";
    assert!(out.starts_with(header), "{out}");
    // The input ends at 4000: the bounded source's final watermark (Long.MAX_VALUE) fires every window then.
    assert!(out.contains("flink,window,0,10000,a,1,1,4000,,9223372036854775807\n"), "{out}");
    assert!(out.contains("flink,window,0,10000,b,1,2,4000,,9223372036854775807\n"), "{out}");
    assert!(out.contains("flink,window,10000,20000,a,1,3,4000,,9223372036854775807\n"), "{out}");
    assert!(!out.contains("spark,window,10000"), "Spark's watermark never passes 20000: {out}");
    for (args, needle) in [
        (vec!["--window", "hopping:1s"], "--window"),
        (vec!["--window", "tumbling:10x"], "unknown unit"),
        (vec!["--window", "tumbling:1.5s"], "`1.5s` is not a whole number; give a smaller unit, e.g. 1500ms"),
        (vec!["--window", "tumbling:-5s"], "`-5s` is negative"),
        (vec!["--window", "tumbling:10"], "--window: `10`: give a unit: 10ms, 10s, 10m or 10h"),
        (vec!["--window", "none", "--trigger", "5"], "--trigger: `5`: give a unit: 5ms, 5s, 5m or 5h"),
        (vec!["--window", "tumbling:0s"], "size_ms"),
    ] {
        let mut all = vec!["replay", "--watermark-delay", "1s"];
        all.extend(args);
        all.push(trace.to_str().unwrap());
        let o = streamlab(&all);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(needle), "{}", stderr(&o));
    }
    std::fs::write(&trace, "arrival_ms,event_ms,key,value\n").unwrap();
    let o = streamlab(&["replay", "--window", "none", "--watermark-delay", "0s", trace.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the trace is empty after its header line"), "{}", stderr(&o));
    std::fs::write(&trace, "arrival,event\n").unwrap();
    let o = streamlab(&["replay", "--window", "none", "--watermark-delay", "0s", trace.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("header"));
}

/// What students see: both engines on one trace, every column.
#[test]
fn replay_snapshot_late_drop() {
    let o = streamlab(&[
        "replay",
        "--window",
        "tumbling:10s",
        "--watermark-delay",
        "2s",
        "tests/oracle/traces/late-drop.csv",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    insta::assert_snapshot!("replay_late_drop", stdout(&o));
}

#[test]
fn replay_notes_flags_the_engine_ignores_and_refuses_what_spark_refuses() {
    let dir = temp_dir("replay-notes");
    let trace = dir.join("events.csv");
    std::fs::write(&trace, "arrival_ms,event_ms,key,value\n1000,1000,a,1\n").unwrap();
    let t = trace.to_str().unwrap();
    let o = streamlab(&[
        "replay",
        "--engine",
        "spark",
        "--window",
        "tumbling:1s",
        "--watermark-delay",
        "0s",
        "--allowed-lateness",
        "5s",
        t,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("--allowed-lateness applies to Flink only"), "{}", stderr(&o));
    let o = streamlab(&[
        "replay",
        "--engine",
        "flink",
        "--window",
        "tumbling:1s",
        "--watermark-delay",
        "0s",
        "--trigger",
        "5s",
        t,
    ]);
    assert!(stderr(&o).contains("--trigger applies to Spark only"), "{}", stderr(&o));
    // Spark 4: AnalysisException [STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION] for both.
    for (window, mode, what) in [("session:1s", "update", "session window"), ("none", "complete", "no streaming")] {
        let o = streamlab(&["replay", "--window", window, "--watermark-delay", "0s", "--output-mode", mode, t]);
        assert_eq!(o.status.code(), Some(2), "{window} {mode}");
        assert!(stderr(&o).contains("STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION") && stderr(&o).contains(what));
        let o = streamlab(&["replay", "--engine", "flink", "--window", window, "--watermark-delay", "0s", t]);
        assert!(o.status.success(), "Flink runs it: {}", stderr(&o));
    }
}

#[test]
fn export_writes_jobs_for_the_real_engines() {
    let dir = temp_dir("export");
    let out = dir.join("spark");
    let o = streamlab(&[
        "export",
        "--engine",
        "spark",
        "--window",
        "sliding:10s:5s",
        "--watermark-delay",
        "2s",
        "--trigger",
        "0ms",
        "--output-mode",
        "update",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let job = std::fs::read_to_string(out.join("job.py")).unwrap();
    for needle in [
        "WINDOW = \"sliding:10000:5000\"",
        "WATERMARK_DELAY_MS = 2000",
        "TRIGGER_MS = 0",
        "OUTPUT_MODE = \"update\"",
        "maxFilesPerTrigger",
        "numRowsDroppedByWatermark",
    ] {
        assert!(job.contains(needle), "{needle} in\n{job}");
    }
    assert!(!job.contains("{{"), "every placeholder filled");
    let out = dir.join("flink");
    let o = streamlab(&[
        "export",
        "--engine",
        "flink",
        "--window",
        "session:3s",
        "--watermark-delay",
        "1s",
        "--allowed-lateness",
        "4s",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("--watermark-interval 0ms"), "a watermark per record: {}", stderr(&o));
    let job = std::fs::read_to_string(out.join("job.py")).unwrap();
    assert!(job.contains("WINDOW = \"session:3000\"") && job.contains("ALLOWED_LATENESS_MS = 4000"), "{job}");
    let out = dir.join("kafka");
    let o = streamlab(&["export", "--engine", "flink", "flink-vs-spark", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let job = std::fs::read_to_string(out.join("job.py")).unwrap();
    assert!(job.contains("'connector' = 'kafka'") && !job.contains("{{"), "{job}");
    assert!(std::fs::read_to_string(out.join("README.txt")).unwrap().contains("pip install apache-flink==2.3.0"));
    // A name with quotes stays one Python string.
    let quoted = dir.join("quoted.toml");
    let text = std::fs::read_to_string("labs/scenarios/flink-vs-spark.toml").unwrap();
    std::fs::write(&quoted, text.replacen("name = \"flink-vs-spark\"", r#"name = "a\"\"\" b' c\\""#, 1)).unwrap();
    for engine in ["spark", "flink"] {
        let o = streamlab(&["export", "--engine", engine, quoted.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        let job = std::fs::read_to_string(out.join("job.py")).unwrap();
        assert!(job.contains(r#"SCENARIO = "a\"\"\" b' c\\""#) && !job.contains(r#"a""""#), "{job}");
    }
    // The trace flags do not apply to a scenario's job: refused, not ignored.
    let o = streamlab(&["export", "--engine", "spark", "flink-vs-spark", "--trigger", "5s"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--trigger sets a trace export") && stderr(&o).contains("[spark]"), "{}", stderr(&o));
    let o = streamlab(&["export", "--engine", "storm", "--window", "tumbling:1s", "--watermark-delay", "0s"]);
    assert_eq!(o.status.code(), Some(2));
    let o = streamlab(&["export", "--engine", "spark", "--window", "none", "--watermark-delay", "0s"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("export needs a window"), "{}", stderr(&o));
}

#[test]
fn a_lab_refuses_a_scenario_it_cannot_use() {
    let o = streamlab(&[
        "lab",
        "spark",
        "--scenario",
        "labs/scenarios/quickstart.toml",
        "--out",
        temp_dir("lab").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no [pipeline] table"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"));
    // Every lab: one that cannot use the scenario leaves the others' folders unwritten too.
    let dir = temp_dir("lab-all-unfit");
    let o = streamlab(&["lab", "all", "--scenario", "labs/scenarios/quickstart.toml", "--out", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no [pipeline] table"), "{}", stderr(&o));
    assert!(!dir.join("bigdata").exists() && !dir.join("kafka").exists(), "no lab's folder written");
    // The kafka lab crashes member 1 of the group it is given: a group of one cannot take that change.
    let dir = temp_dir("lab-one-member");
    let one = dir.join("one.toml");
    let kafka = std::fs::read_to_string("labs/scenarios/kafka.toml").unwrap();
    std::fs::write(&one, kafka.replace("members = 3 ", "members = 1 ")).unwrap();
    let o = streamlab(&["lab", "kafka", "--scenario", one.to_str().unwrap(), "--out", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`faults[0].member`: no member 1"), "{}", stderr(&o));
    let o = streamlab(&["lab", "nonesuch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("labs: bigdata"), "{}", stderr(&o));
    let o = streamlab(&["lab", "kafka", "--lang", "ru"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Each seed checks a Kafka run and an engine case (a Flink job or Spark continuous query with task
/// failures), and the summary counts both; a scenario given is a Kafka run alone.
#[test]
fn torture_checks_kafka_runs_and_engine_cases() {
    let o = streamlab(&["torture", "--seeds", "3", "--from", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("3 seeds, 0 violations; no-loss configurations: "), "{out}");
    assert!(lines[1].starts_with("3 engine seeds, 0 violations; 3 with task failures; "), "{out}");
    assert!(
        lines[1].contains(" records passed the filter: ")
            && lines[1].ends_with(" results of windows a restart reopened"),
        "{out}"
    );
    let o = streamlab(&["torture", "--scenario", "broker-crash-acks-1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("1 seeds, 0 violations") && !out.contains("engine seeds"), "{out}");
}

/// What `--help` shows for the commands whose choices clap lists: a change here is a change students see.
#[test]
fn help_names_every_choice_and_subcommand() {
    let help: Vec<String> = [
        &["--help"][..],
        &["exercise", "--help"],
        &["dataset", "--help"],
        &["lab", "--help"],
        &["kafka", "assign", "--help"],
        &["grade", "--help"],
        &["handout", "--help"],
    ]
    .iter()
    .map(|args| {
        let o = streamlab(args);
        assert!(o.status.success(), "{args:?}");
        format!("$ streamlab {}\n{}", args.join(" "), String::from_utf8_lossy(&o.stdout))
    })
    .collect();
    insta::assert_snapshot!(help.join("\n"));
}

#[test]
fn a_command_refuses_to_write_over_the_folder_it_reads() {
    // In a copy: were the check gone, the command would overwrite what it reads.
    let root = temp_dir("apart");
    std::fs::create_dir_all(root.join("exercises")).unwrap();
    std::fs::create_dir_all(root.join("book")).unwrap();
    std::fs::write(root.join("exercises/answers.toml"), "[concepts]\n").unwrap();
    for (args, names) in [
        (vec!["handout", "--out", "."], "--exercises exercises"),
        (vec!["handout", "--out", "exercises/handout"], "--exercises exercises"),
        (vec!["book", "--out", "book", "--src", "book"], "--src book"),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_streamlab")).args(&args).current_dir(&root).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(names) && stderr(&o).contains("choose a folder apart"), "{}", stderr(&o));
    }
    assert!(!root.join("exercises/handout").exists());
    assert_eq!(std::fs::read_to_string(root.join("exercises/answers.toml")).unwrap(), "[concepts]\n");
}

#[test]
fn torture_refuses_seeds_past_the_last_one_instead_of_checking_none() {
    let o = streamlab(&["torture", "--from", "18446744073709551615", "--seeds", "2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("start at most at 18446744073709551613"), "{}", stderr(&o));
}
