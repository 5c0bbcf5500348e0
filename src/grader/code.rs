//! Code exercises: the student's file, compiled with the grader's checks, each check run in its own
//! process with a time limit and a memory limit.

use super::report::{CheckResult, ExerciseResult};
use rand::RngExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use streamlab_sim::kafka::assignor::{self, Assignment, Strategy};
use streamlab_sim::kafka::partitioner::partition_for_key;
use streamlab_sim::rng::{SimRng, stream};

pub struct Check {
    pub name: &'static str,
    pub points: u32,
    pub hint: &'static str,
}

pub struct Wrong {
    pub name: &'static str,
    /// The wrong solution's source (some are the reference with one rule broken).
    pub source: fn() -> String,
    /// Checks this wrong solution must fail.
    pub must_fail: &'static [&'static str],
}

pub struct CodeExercise {
    pub id: &'static str,
    pub folder: &'static str,
    pub checks: &'static [Check],
    checks_src: &'static str,
    pub solution: &'static str,
    pub wrong: &'static [Wrong],
    /// Rust source of the constants the checks use, generated for a student's seed.
    cases: fn(&mut SimRng) -> String,
}

const TIME_LIMIT: Duration = Duration::from_secs(10);
const COMPILE_LIMIT: Duration = Duration::from_secs(120);
const MEMORY_LIMIT_KB: u64 = 1 << 20;

pub const CODE_EXERCISES: &[CodeExercise] = &[
    CodeExercise {
        id: "partitioner",
        folder: "01_partitioner",
        checks: &[
            Check {
                name: "kafka_test_vectors",
                points: 2,
                hint: "follow Utils.murmur2: seed 0x9747b28c, m = 0x5bd1e995, r = 24, little-endian 4-byte blocks, then the tail",
            },
            Check {
                name: "keys_go_where_kafka_sends_them",
                points: 2,
                hint: "partition = toPositive(murmur2(key)) % partitions",
            },
            Check {
                name: "negative_hashes_use_to_positive_not_abs",
                points: 1,
                hint: "toPositive clears the sign bit (n & 0x7fffffff); it is not abs()",
            },
        ],
        checks_src: include_str!("checks/partitioner.rs"),
        solution: include_str!("solutions/partitioner.rs"),
        wrong: &[
            Wrong {
                name: "crc32",
                source: || include_str!("wrong/partitioner_crc32.rs").to_string(),
                must_fail: &["kafka_test_vectors", "keys_go_where_kafka_sends_them"],
            },
            Wrong {
                name: "abs",
                // abs() instead of toPositive: differs exactly for negative hashes.
                source: || {
                    include_str!("solutions/partitioner.rs")
                        .replace("(murmur2(key) & 0x7fff_ffff) as u32", "murmur2(key).unsigned_abs()")
                },
                must_fail: &["negative_hashes_use_to_positive_not_abs"],
            },
        ],
        cases: partitioner_cases,
    },
    CodeExercise {
        id: "range_assignor",
        folder: "02_range_assignor",
        checks: &[
            Check {
                name: "kafka_examples",
                points: 2,
                hint: "sort the members; each gets partitions/members consecutive partitions",
            },
            Check {
                name: "more_members_than_partitions_leaves_some_idle",
                points: 1,
                hint: "members after the last partition get an empty list",
            },
            Check {
                name: "random_groups_match_kafka",
                points: 2,
                hint: "the first partitions % members members get one extra partition",
            },
        ],
        checks_src: include_str!("checks/range_assignor.rs"),
        solution: include_str!("solutions/range_assignor.rs"),
        wrong: &[Wrong {
            name: "roundrobin",
            source: || include_str!("wrong/range_assignor_roundrobin.rs").to_string(),
            must_fail: &["kafka_examples", "random_groups_match_kafka"],
        }],
        cases: range_cases,
    },
    CodeExercise {
        id: "window_assigner",
        folder: "03_window_assigner",
        checks: &[
            Check { name: "tumbling_windows_like_flink", points: 2, hint: "start = ts - (ts - offset + size) % size" },
            Check {
                name: "timestamps_before_the_offset",
                points: 1,
                hint: "a negative remainder needs one more size subtracted",
            },
            Check {
                name: "sliding_windows_like_flink",
                points: 2,
                hint: "start from the last slide boundary at or before ts and step back while start > ts - size",
            },
        ],
        checks_src: include_str!("checks/window_assigner.rs"),
        solution: include_str!("solutions/window_assigner.rs"),
        wrong: &[],
        cases: window_cases,
    },
    CodeExercise {
        id: "watermark",
        folder: "04_watermark",
        checks: &[
            Check {
                name: "watermark_is_max_timestamp_minus_delay_minus_one",
                points: 2,
                hint: "watermark = max timestamp - max out-of-orderness - 1",
            },
            Check {
                name: "late_events_never_move_the_watermark_back",
                points: 1,
                hint: "keep the maximum timestamp, not the last one",
            },
            Check {
                name: "before_any_event_the_watermark_is_the_minimum",
                points: 1,
                hint: "start the maximum at i64::MIN + delay + 1",
            },
        ],
        checks_src: include_str!("checks/watermark.rs"),
        solution: include_str!("solutions/watermark.rs"),
        wrong: &[Wrong {
            name: "unbounded",
            source: || include_str!("wrong/watermark_unbounded.rs").to_string(),
            must_fail: &["watermark_is_max_timestamp_minus_delay_minus_one"],
        }],
        cases: watermark_cases,
    },
    CodeExercise {
        id: "fraud_rule",
        folder: "05_fraud_rule",
        checks: &[
            Check {
                name: "flags_every_stolen_card_burst",
                points: 2,
                hint: "keep, per account, the times of large payments in the last 5 s",
            },
            Check {
                name: "no_false_alarms_on_normal_payments",
                points: 2,
                hint: "only payments of at least 900 count",
            },
            Check {
                name: "two_large_payments_are_not_enough",
                points: 1,
                hint: "state is per account, and payments older than 5 s drop out",
            },
        ],
        checks_src: include_str!("checks/fraud_rule.rs"),
        solution: include_str!("solutions/fraud_rule.rs"),
        wrong: &[],
        cases: fraud_cases,
    },
    CodeExercise {
        id: "consumer_lag",
        folder: "06_consumer_lag",
        checks: &[
            Check {
                name: "lag_is_log_end_minus_committed_summed_over_partitions",
                points: 2,
                hint: "sum over partitions of log end offset minus committed offset",
            },
            Check {
                name: "a_partition_without_a_committed_offset_counts_whole",
                points: 1,
                hint: "no commit: the group will read the partition from offset 0",
            },
            Check {
                name: "a_commit_past_the_log_end_is_not_negative_lag",
                points: 1,
                hint: "use saturating subtraction",
            },
        ],
        checks_src: include_str!("checks/consumer_lag.rs"),
        solution: include_str!("solutions/consumer_lag.rs"),
        wrong: &[Wrong {
            name: "ignores_uncommitted",
            source: || include_str!("solutions/consumer_lag.rs").replace("c.unwrap_or(0)", "c.unwrap_or(end)"),
            must_fail: &["a_partition_without_a_committed_offset_counts_whole"],
        }],
        cases: lag_cases,
    },
    CodeExercise {
        id: "microbatch_planner",
        folder: "07_microbatch_planner",
        checks: &[
            Check {
                name: "batches_start_on_interval_ticks",
                points: 2,
                hint: "the next multiple of the interval after the last trigger",
            },
            Check {
                name: "a_batch_that_overruns_makes_the_next_start_at_once",
                points: 2,
                hint: "never before the last batch ended",
            },
            Check {
                name: "the_default_trigger_runs_back_to_back",
                points: 1,
                hint: "trigger 0: start when the last one ended",
            },
        ],
        checks_src: include_str!("checks/microbatch_planner.rs"),
        solution: include_str!("solutions/microbatch_planner.rs"),
        wrong: &[Wrong {
            name: "sleeps_an_interval",
            source: || include_str!("wrong/microbatch_planner_sleep.rs").to_string(),
            must_fail: &["batches_start_on_interval_ticks", "a_batch_that_overruns_makes_the_next_start_at_once"],
        }],
        cases: planner_cases,
    },
    CodeExercise {
        id: "idempotent_dedup",
        folder: "08_idempotent_dedup",
        checks: &[
            Check {
                name: "the_next_sequence_is_appended",
                points: 1,
                hint: "the next number is the last batch's last sequence + 1",
            },
            Check {
                name: "a_retried_batch_is_a_duplicate",
                points: 2,
                hint: "a duplicate starts where one of the recent batches starts",
            },
            Check { name: "a_gap_is_out_of_order", points: 2, hint: "anything else is out of order" },
        ],
        checks_src: include_str!("checks/idempotent_dedup.rs"),
        solution: include_str!("solutions/idempotent_dedup.rs"),
        wrong: &[Wrong {
            name: "accepts_everything_new",
            // Treats every non-duplicate as appendable: gaps go unnoticed.
            source: || {
                include_str!("solutions/idempotent_dedup.rs")
                    .replace("Some(_) => Decision::OutOfOrder", "Some(_) => Decision::Append")
            },
            must_fail: &["a_gap_is_out_of_order"],
        }],
        cases: dedup_cases,
    },
    CodeExercise {
        id: "attack_rule",
        folder: "09_attack_rule",
        checks: &[
            Check { name: "floods_are_flagged", points: 2, hint: "one flow of at least 50 000 bytes is a flood" },
            Check {
                name: "port_scans_are_flagged_by_their_fifth_port",
                points: 2,
                hint: "count distinct ports per source in the last second",
            },
            Check { name: "normal_traffic_raises_no_alarm", points: 1, hint: "forget ports older than 1 s" },
        ],
        checks_src: include_str!("checks/attack_rule.rs"),
        solution: include_str!("solutions/attack_rule.rs"),
        wrong: &[],
        cases: flow_cases,
    },
];

fn dedup_cases(r: &mut SimRng) -> String {
    use streamlab_sim::kafka::broker::{ProducerState, SeqCheck};
    let rows = (0..40).map(|_| {
        let mut state = ProducerState::default();
        let mut recent = Vec::new();
        let mut seq = r.random_range(0..1000u32);
        for _ in 0..r.random_range(0..7) {
            let n = r.random_range(1..20);
            state.appended(0, seq, n, 0);
            recent.push((seq, seq + n - 1));
            seq += n;
        }
        let recent: Vec<(u32, u32)> = recent.iter().rev().take(5).rev().copied().collect();
        let base = match r.random_range(0..3) {
            0 => seq,
            1 => recent.first().map_or(seq, |b| b.0),
            _ => seq + r.random_range(1..10),
        };
        // The simulator's broker decides, as Kafka's ProducerStateManager does.
        let len = recent.iter().find(|b| b.0 == base).map_or(1, |b| b.1 - b.0 + 1);
        let want = match state.check(0, base, len) {
            SeqCheck::Append => "Append",
            SeqCheck::Duplicate { .. } => "Duplicate",
            SeqCheck::OutOfOrder | SeqCheck::StaleEpoch => "OutOfOrder",
        };
        format!("(&{recent:?}, {base}, {want:?})")
    });
    rust_const("CASES: &[(&[(u32, u32)], u32, &str)]", rows)
}

fn flow_cases(_: &mut SimRng) -> String {
    let sets = streamlab_labs::datasets::generate();
    let flows = &sets.iter().find(|(n, _, _)| *n == "network_flows.csv").expect("generated").2;
    let rows = flows.lines().skip(1).map(|line| {
        let f: Vec<&str> = line.split(',').collect();
        format!("({}, {:?}, {}, {}, {:?})", f[0], f[1], f[2], f[3], f[5])
    });
    rust_const("FLOWS: &[(u64, &str, u32, u64, &str)]", rows)
}

fn lag_cases(r: &mut SimRng) -> String {
    let rows = (0..40).map(|_| {
        let n = r.random_range(1..8);
        let ends: Vec<u64> = (0..n).map(|_| r.random_range(0..10_000)).collect();
        let committed: Vec<Option<u64>> =
            ends.iter().map(|&e| (r.random_range(0..10) > 0).then(|| r.random_range(0..=e + 50))).collect();
        // kafka-consumer-groups: LAG = LOG-END-OFFSET - CURRENT-OFFSET, never negative.
        let want: u64 = ends.iter().zip(&committed).map(|(&e, c)| e.saturating_sub(c.unwrap_or(0))).sum();
        format!("(&{ends:?}, &{committed:?}, {want})")
    });
    rust_const("CASES: &[(&[u64], &[Option<u64>], u64)]", rows)
}

fn planner_cases(r: &mut SimRng) -> String {
    let rows = (0..40).map(|_| {
        let trigger = [250u64, 500, 1000, 2000][r.random_range(0..4)];
        let last_trigger = trigger * r.random_range(0..100);
        let last_end = last_trigger + r.random_range(0..3 * trigger);
        // ProcessingTimeExecutor: wait for nextBatchTime(last trigger) unless the batch ran past it.
        let want = ((last_trigger / trigger + 1) * trigger).max(last_end);
        format!("({trigger}, {last_trigger}, {last_end}, {want})")
    });
    rust_const("CASES: &[(u64, u64, u64, u64)]", rows)
}

/// `const NAME: TYPE = &[row, row, ...];` as Rust source, for the checks to include.
fn rust_const(decl: &str, rows: impl Iterator<Item = String>) -> String {
    let body: String = rows.map(|r| format!("    {r},\n")).collect();
    format!("const {decl} = &[\n{body}];\n")
}

fn partitioner_cases(r: &mut SimRng) -> String {
    let rows = (0..200).map(|_| {
        let len = r.random_range(1..24);
        let key: String = (0..len).map(|_| char::from(r.random_range(b'a'..=b'z'))).collect();
        let n = r.random_range(1..100);
        format!("({key:?}, {n}, {})", partition_for_key(key.as_bytes(), n))
    });
    rust_const("CASES: &[(&str, u32, u32)]", rows)
}

fn range_cases(r: &mut SimRng) -> String {
    let rows = (0..50).map(|_| {
        let count = r.random_range(1..8);
        let members: Vec<String> = (0..count)
            .map(|_| format!("m{}", r.random_range(0..100)))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let parts = r.random_range(0..30);
        let topics = [("t".to_string(), parts)].into();
        let a = assignor::assign(Strategy::Range, &members, &topics, &Assignment::new());
        let want: Vec<String> =
            a.iter().map(|(m, ps)| format!("{m}:{:?}", ps.iter().map(|p| p.partition).collect::<Vec<_>>())).collect();
        let list: Vec<String> = members.iter().rev().map(|m| format!("{m:?}")).collect();
        format!("(&[{}], {parts}, {:?})", list.join(", "), want.join(" "))
    });
    rust_const("CASES: &[(&[&str], u32, &str)]", rows)
}

fn window_cases(r: &mut SimRng) -> String {
    use streamlab_sim::engine::window::WindowSpec;
    const MS: i64 = 1_000_000;
    let rows = (0..40).map(|_| {
        let slide = r.random_range(1..20) * 100;
        let size = slide * r.random_range(1..6);
        let ts = r.random_range(-50_000..500_000);
        let w = WindowSpec::Sliding { size_ms: size as u64, slide_ms: slide as u64 }.assign(ts * MS);
        let list: Vec<String> = w.iter().map(|w| format!("({}, {})", w.start / MS, w.end / MS)).collect();
        format!("({ts}, {size}, {slide}, &[{}])", list.join(", "))
    });
    rust_const("CASES: &[(i64, i64, i64, &[(i64, i64)])]", rows)
}

fn watermark_cases(r: &mut SimRng) -> String {
    let rows = (0..40).map(|_| {
        let delay = r.random_range(0..5000);
        let events: Vec<i64> = (0..r.random_range(1..10)).map(|_| r.random_range(0..100_000)).collect();
        // BoundedOutOfOrdernessWatermarks: maxTimestamp - outOfOrdernessMillis - 1.
        let want = events.iter().max().expect("non-empty") - delay - 1;
        format!("({delay}, &{events:?}, {want})")
    });
    rust_const("CASES: &[(i64, &[i64], i64)]", rows)
}

fn fraud_cases(_: &mut SimRng) -> String {
    let sets = streamlab_labs::datasets::generate();
    let bank = &sets.iter().find(|(n, _, _)| *n == "bank_transactions.csv").expect("generated").2;
    let rows = bank.lines().skip(1).map(|line| {
        let f: Vec<&str> = line.split(',').collect();
        format!("({}, {}, {:?}, {})", f[0], f[1], f[2].parse::<f64>().unwrap_or(0.0), f[4] == "1")
    });
    rust_const("PAYMENTS: &[(u64, u32, f64, bool)]", rows)
}

/// A fresh, empty work folder for one grading run.
fn work_dir(id: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("streamlab-grade-{}-{id}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Runs a command with a deadline; returns (finished in time, exit success, combined output).
fn run_limited(mut cmd: Command, limit: Duration) -> std::io::Result<(bool, bool, String)> {
    let dir = std::env::temp_dir();
    let out_path = dir.join(format!("streamlab-grade-out-{}-{}", std::process::id(), rand_suffix()));
    let out = std::fs::File::create(&out_path)?;
    let err = out.try_clone()?;
    let mut child = cmd.stdin(Stdio::null()).stdout(out).stderr(err).spawn()?;
    let start = Instant::now();
    let (in_time, ok) = loop {
        if let Some(status) = child.try_wait()? {
            break (true, status.success());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break (false, false);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = std::fs::read_to_string(&out_path).unwrap_or_default();
    let _ = std::fs::remove_file(&out_path);
    Ok((in_time, ok, text))
}

fn rand_suffix() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The panic message of a failed test, from libtest's output.
fn panic_message(output: &str) -> String {
    let msg: Vec<&str> = output
        .lines()
        .skip_while(|l| !l.contains("panicked at"))
        .skip(1)
        .take_while(|l| !l.starts_with("note:") && !l.trim().is_empty() && !l.starts_with("stack backtrace"))
        .collect();
    if msg.is_empty() {
        output.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").to_string()
    } else {
        msg.join(" ")
    }
}

pub fn grade(ex: &CodeExercise, student_src: &str, seed: u64) -> ExerciseResult {
    let dir = work_dir(ex.id);
    let fail_all = |msg: &str| ExerciseResult::all_failed(ex.id, ex.checks.iter().map(|c| (c.name, c.points)), msg);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return fail_all(&format!("the grader could not create {}: {e}", dir.display()));
    }
    let mut rng = stream(seed, ex.id);
    let main = format!(
        "#![allow(dead_code, unused_imports, clippy::all)]\n#[path = \"student.rs\"]\nmod student;\nuse student::*;\n{}\n{}",
        (ex.cases)(&mut rng),
        ex.checks_src
    );
    let written =
        std::fs::write(dir.join("student.rs"), student_src).and_then(|_| std::fs::write(dir.join("main.rs"), main));
    if let Err(e) = written {
        return fail_all(&format!("the grader could not write to {}: {e}", dir.display()));
    }
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let mut cmd = Command::new(&rustc);
    cmd.current_dir(&dir).args(["--edition", "2024", "--test", "-C", "opt-level=1", "-o", "checks", "main.rs"]);
    let result = match run_limited(cmd, COMPILE_LIMIT) {
        Err(e) => fail_all(&format!("could not run {rustc}: {e}; install the Rust toolchain")),
        Ok((false, _, _)) => fail_all("compiling took longer than 120 s"),
        Ok((true, false, out)) => {
            let first: Vec<&str> =
                out.lines().filter(|l| l.starts_with("error") || l.trim_start().starts_with("-->")).take(4).collect();
            fail_all(&format!("does not compile: {}", first.join(" ")))
        }
        Ok((true, true, _)) => {
            ExerciseResult { id: ex.id.to_string(), checks: ex.checks.iter().map(|c| run_check(&dir, c)).collect() }
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// One check in its own process: `ulimit -v` caps memory, the deadline caps time.
fn run_check(dir: &Path, check: &Check) -> CheckResult {
    let mut cmd = Command::new("sh");
    cmd.current_dir(dir)
        .env("RUST_BACKTRACE", "0")
        .args(["-c", &format!("ulimit -v {MEMORY_LIMIT_KB}; exec ./checks --exact {} --test-threads 1", check.name)]);
    let (passed, message) = match run_limited(cmd, TIME_LIMIT) {
        Err(e) => (false, format!("could not run the checks: {e}")),
        Ok((false, _, _)) => {
            (false, format!("did not finish within {} s: an endless loop? Hint: {}", TIME_LIMIT.as_secs(), check.hint))
        }
        Ok((true, true, out)) if out.contains("1 passed") => (true, String::new()),
        Ok((true, true, _)) => (false, "the check did not run: keep the function names of the stub".into()),
        Ok((true, false, out)) if out.contains("memory allocation") => {
            (false, format!("ran out of memory (limit {} MiB). Hint: {}", MEMORY_LIMIT_KB / 1024, check.hint))
        }
        Ok((true, false, out)) => (false, format!("{}. Hint: {}", panic_message(&out), check.hint)),
    };
    CheckResult { name: check.name.to_string(), points: check.points, passed, message }
}
