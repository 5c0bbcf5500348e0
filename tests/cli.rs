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

#[test]
fn bad_arguments_exit_2_with_a_message() {
    let o = streamlab(&["kafka", "assign", "--strategy", "random", "--members", "a", "--topics", "t:1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown assignor `random`"), "{}", stderr(&o));
    let o = streamlab(&["kafka", "assign", "--strategy", "range", "--members", "a", "--topics", "t"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("NAME:PARTITIONS"));
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
    assert!(stderr(&o).contains("built-in scenarios: bench"), "{}", stderr(&o));
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

#[test]
fn bench_prints_one_json_line() {
    let o = streamlab(&["bench", "--records", "20000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).expect("one JSON line");
    for key in ["records", "events", "wall_s", "records_per_s", "peak_rss_mb"] {
        assert!(v.get(key).is_some(), "{key} in {v}");
    }
    assert!(v["records"].as_u64().unwrap() >= 19_000);
}
