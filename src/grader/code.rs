//! Code exercises: the student's file, built with a harness that reads inputs on stdin and prints the
//! answers; the grader compares them with its own, in its own process. Building and each check run in
//! the sandbox, each check in its own process, so a compile error, a panic, an endless loop or runaway
//! memory costs only that exercise's points.

use super::cases::{self, Case, Want};
use super::report::{CheckResult, ExerciseResult};
use super::sandbox::{self, Outcome, Sandbox};
use std::path::{Path, PathBuf};
use streamlab_sim::rng::{SimRng, stream};

pub struct Check {
    pub name: &'static str,
    pub points: u32,
    pub hint: &'static str,
}

pub struct Wrong {
    pub name: &'static str,
    /// Its file in `instructor/wrong/`.
    pub file: &'static str,
    /// Checks this wrong solution must fail.
    pub must_fail: &'static [&'static str],
}

pub struct CodeExercise {
    pub id: &'static str,
    pub folder: &'static str,
    pub checks: &'static [Check],
    /// Reads a check's inputs, calls the student's functions, prints the answers (harness/ID.rs).
    harness: &'static str,
    /// A check's inputs and expected answers, from the check's name.
    cases: fn(&str, &mut SimRng) -> Vec<Case>,
    pub wrong: &'static [Wrong],
}

pub const CODE_EXERCISES: &[CodeExercise] = &[
    CodeExercise {
        id: "partitioner",
        folder: "01_partitioner",
        harness: include_str!("harness/partitioner.rs"),
        cases: cases::partitioner,
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
        wrong: &[
            Wrong {
                name: "crc32",
                file: "partitioner_crc32.rs",
                must_fail: &["kafka_test_vectors", "keys_go_where_kafka_sends_them"],
            },
            Wrong { name: "abs", file: "partitioner_abs.rs", must_fail: &["negative_hashes_use_to_positive_not_abs"] },
        ],
    },
    CodeExercise {
        id: "range_assignor",
        folder: "02_range_assignor",
        harness: include_str!("harness/range_assignor.rs"),
        cases: cases::range_assignor,
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
        wrong: &[Wrong {
            name: "roundrobin",
            file: "range_assignor_roundrobin.rs",
            must_fail: &["kafka_examples", "random_groups_match_kafka"],
        }],
    },
    CodeExercise {
        id: "window_assigner",
        folder: "03_window_assigner",
        harness: include_str!("harness/window_assigner.rs"),
        cases: cases::window_assigner,
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
        wrong: &[],
    },
    CodeExercise {
        id: "watermark",
        folder: "04_watermark",
        harness: include_str!("harness/watermark.rs"),
        cases: cases::watermark,
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
        wrong: &[Wrong {
            name: "unbounded",
            file: "watermark_unbounded.rs",
            must_fail: &["watermark_is_max_timestamp_minus_delay_minus_one"],
        }],
    },
    CodeExercise {
        id: "fraud_rule",
        folder: "05_fraud_rule",
        harness: include_str!("harness/fraud_rule.rs"),
        cases: cases::fraud_rule,
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
        wrong: &[],
    },
    CodeExercise {
        id: "consumer_lag",
        folder: "06_consumer_lag",
        harness: include_str!("harness/consumer_lag.rs"),
        cases: cases::consumer_lag,
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
        wrong: &[Wrong {
            name: "ignores_uncommitted",
            file: "consumer_lag_ignores_uncommitted.rs",
            must_fail: &["a_partition_without_a_committed_offset_counts_whole"],
        }],
    },
    CodeExercise {
        id: "microbatch_planner",
        folder: "07_microbatch_planner",
        harness: include_str!("harness/microbatch_planner.rs"),
        cases: cases::microbatch_planner,
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
        wrong: &[Wrong {
            name: "sleeps_an_interval",
            file: "microbatch_planner_sleep.rs",
            must_fail: &["batches_start_on_interval_ticks", "a_batch_that_overruns_makes_the_next_start_at_once"],
        }],
    },
    CodeExercise {
        id: "idempotent_dedup",
        folder: "08_idempotent_dedup",
        harness: include_str!("harness/idempotent_dedup.rs"),
        cases: cases::idempotent_dedup,
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
        wrong: &[Wrong {
            name: "accepts_everything_new",
            file: "idempotent_dedup_accepts_everything_new.rs",
            must_fail: &["a_gap_is_out_of_order"],
        }],
    },
    CodeExercise {
        id: "attack_rule",
        folder: "09_attack_rule",
        harness: include_str!("harness/attack_rule.rs"),
        cases: cases::attack_rule,
        checks: &[
            Check { name: "floods_are_flagged", points: 2, hint: "one flow of at least 50 000 bytes is a flood" },
            Check {
                name: "port_scans_are_flagged_by_their_fifth_port",
                points: 2,
                hint: "count distinct ports per source in the last second",
            },
            Check { name: "normal_traffic_raises_no_alarm", points: 1, hint: "forget ports older than 1 s" },
        ],
        wrong: &[],
    },
];

/// A code exercise, or its README, by id (`partitioner`) or folder (`01_partitioner`).
pub fn find(id: &str) -> Option<&'static CodeExercise> {
    CODE_EXERCISES.iter().find(|e| e.id == id || e.folder == id.trim_end_matches('/'))
}

impl CodeExercise {
    pub fn solution_path(&self, instructor: &Path) -> PathBuf {
        instructor.join("solutions").join(format!("{}.rs", self.id))
    }

    pub fn wrong_path(&self, w: &Wrong, instructor: &Path) -> PathBuf {
        instructor.join("wrong").join(w.file)
    }
}

/// A fresh, empty scratch folder for one student's exercise.
fn scratch(id: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("streamlab-grade-{}-{id}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Grades one student's source of one exercise; `seed` picks the inputs.
pub fn grade(ex: &CodeExercise, student_src: &str, seed: u64, sandbox: &Sandbox) -> ExerciseResult {
    let dir = scratch(ex.id);
    let result = build_and_check(ex, student_src, seed, sandbox, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn build_and_check(ex: &CodeExercise, student_src: &str, seed: u64, sandbox: &Sandbox, dir: &Path) -> ExerciseResult {
    let fail_all = |msg: &str| ExerciseResult::all_failed(ex.id, ex.checks.iter().map(|c| (c.name, c.points)), msg);
    let main = format!("{}\n{}", include_str!("harness/prelude.rs"), ex.harness);
    let written = std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::write(dir.join("student.rs"), student_src))
        .and_then(|_| std::fs::write(dir.join("main.rs"), main));
    if let Err(e) = written {
        return fail_all(&format!("the grader could not write to {}: {e}", dir.display()));
    }
    let rustc = sandbox.rustc();
    let rustc = rustc.to_string_lossy();
    let args = [&*rustc, "--edition", "2024", "-C", "opt-level=0", "-o", "harness", "main.rs"];
    match sandbox.run(dir, &args, "", &sandbox::COMPILE) {
        Err(e) => fail_all(&format!("the grader could not start the compiler: {e}")),
        Ok(o) if !o.in_time || o.limit.is_some() => fail_all(&format!(
            "compiling went past the limits ({} s, {} s of CPU, files of {} MiB)",
            sandbox::COMPILE.wall.as_secs(),
            sandbox::COMPILE.cpu_s,
            sandbox::COMPILE.file_mib
        )),
        Ok(o) if !o.success => {
            let first: Vec<&str> = o
                .stderr
                .lines()
                .filter(|l| l.starts_with("error") || l.trim_start().starts_with("-->"))
                .take(4)
                .collect();
            let why = if first.is_empty() { o.stderr.lines().last().unwrap_or("the compiler was stopped") } else { "" };
            fail_all(&format!("does not compile: {}{why}", first.join(" ")))
        }
        Ok(_) => {
            let checks = ex
                .checks
                .iter()
                .map(|c| {
                    let mut r = stream(seed, &format!("{}/{}", ex.id, c.name));
                    run_check(dir, c, &(ex.cases)(c.name, &mut r), sandbox)
                })
                .collect();
            ExerciseResult { id: ex.id.to_string(), checks }
        }
    }
}

/// One check: its inputs on the harness's stdin, every answer compared here.
fn run_check(dir: &Path, check: &Check, cases: &[Case], sandbox: &Sandbox) -> CheckResult {
    let input: String = cases.iter().map(|c| format!("{}\n", c.input)).collect();
    let (passed, message) = match sandbox.run(dir, &["./harness"], &input, &sandbox::CHECK) {
        Err(e) => (false, format!("could not run the checks: {e}")),
        Ok(o) => match judge(cases, &o) {
            Ok(()) => (true, String::new()),
            Err(why) => (false, format!("{why}. Hint: {}", check.hint)),
        },
    };
    CheckResult { name: check.name.to_string(), points: check.points, passed, message }
}

/// Compares each answer with the case's expectation; the first difference is the message.
fn judge(cases: &[Case], o: &Outcome) -> Result<(), String> {
    let answers: Vec<&str> = o.stdout.lines().collect();
    for (i, case) in cases.iter().enumerate() {
        let Some(got) = answers.get(i) else {
            return Err(stopped(&case.call, o));
        };
        match &case.want {
            Want::Exact(want) if got != want => {
                return Err(format!("{}: expected {want}, your code gave {got}", case.call));
            }
            Want::Rule(rule) => rule(got).map_err(|e| format!("{}: {e}", case.call))?,
            Want::Exact(_) => {}
        }
    }
    Ok(())
}

/// Why the program gave no answer for `call`.
fn stopped(call: &str, o: &Outcome) -> String {
    if o.limit == Some("file size") {
        return format!("{call}: wrote a file larger than {} MiB", sandbox::CHECK.file_mib);
    }
    if !o.in_time || o.limit.is_some() {
        return format!(
            "{call}: did not finish within {} s (CPU {} s): an endless loop?",
            sandbox::CHECK.wall.as_secs(),
            sandbox::CHECK.cpu_s
        );
    }
    if o.stderr.contains("memory allocation") {
        return format!("{call}: ran out of memory (limit {} MiB)", sandbox::CHECK.memory_mib);
    }
    if o.success {
        return format!("{call}: your code ended the program instead of returning an answer");
    }
    format!("{call}: {}", panic_message(&o.stderr))
}

/// The panic message, from the standard panic hook's output.
fn panic_message(stderr: &str) -> String {
    let msg: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !l.contains("panicked at"))
        .skip(1)
        .take_while(|l| !l.starts_with("note:") && !l.trim().is_empty())
        .collect();
    match (msg.is_empty(), stderr.lines().rev().find(|l| !l.trim().is_empty())) {
        (false, _) => format!("your code panicked: {}", msg.join(" ")),
        (true, Some(last)) => format!("your code stopped: {last}"),
        (true, None) => "your code was stopped (killed by a limit or a signal)".into(),
    }
}
