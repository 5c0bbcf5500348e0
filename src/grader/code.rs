//! Code exercises: the student's file, built with a harness that reads inputs on stdin and prints the
//! answers; the grader compares them with its own, in its own process. Building and each check run in
//! the sandbox, each check in its own process, so a compile error, a panic, an endless loop or runaway
//! memory costs only that exercise's points.

use super::cases::{self, Case, Want};
use super::report::{CheckResult, ExerciseResult};
use super::sandbox::{self, Outcome, Sandbox};
use anyhow::{Result, anyhow};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use streamlab_sim::rng::{SimRng, stream};

/// One check of an exercise, as `exercises/info.toml` describes it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub name: String,
    pub points: u32,
    pub hint: String,
}

/// A deliberately wrong solution in `instructor/wrong/`, and the checks it must fail.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wrong {
    pub name: String,
    /// Its file in `instructor/wrong/`.
    pub file: String,
    pub must_fail: Vec<String>,
}

/// The grader's code for one exercise: the harness that reads a check's inputs, calls the student's
/// functions and prints the answers (harness/ID.rs), and each check's inputs and expected answers by
/// name (`None` for a name it does not know).
struct Parts {
    harness: &'static str,
    cases: fn(&str, &mut SimRng) -> Option<Vec<Case>>,
}

/// The exercises the grader has code for, by id.
const PARTS: &[(&str, Parts)] = &[
    ("partitioner", Parts { harness: include_str!("harness/partitioner.rs"), cases: cases::partitioner }),
    ("range_assignor", Parts { harness: include_str!("harness/range_assignor.rs"), cases: cases::range_assignor }),
    ("window_assigner", Parts { harness: include_str!("harness/window_assigner.rs"), cases: cases::window_assigner }),
    ("watermark", Parts { harness: include_str!("harness/watermark.rs"), cases: cases::watermark }),
    ("fraud_rule", Parts { harness: include_str!("harness/fraud_rule.rs"), cases: cases::fraud_rule }),
    ("consumer_lag", Parts { harness: include_str!("harness/consumer_lag.rs"), cases: cases::consumer_lag }),
    (
        "microbatch_planner",
        Parts { harness: include_str!("harness/microbatch_planner.rs"), cases: cases::microbatch_planner },
    ),
    (
        "idempotent_dedup",
        Parts { harness: include_str!("harness/idempotent_dedup.rs"), cases: cases::idempotent_dedup },
    ),
    ("attack_rule", Parts { harness: include_str!("harness/attack_rule.rs"), cases: cases::attack_rule }),
];

/// A code exercise: its metadata from `exercises/info.toml` and the grader's code for it.
pub struct CodeExercise {
    pub id: String,
    pub folder: String,
    pub checks: Vec<Check>,
    pub wrong: Vec<Wrong>,
    parts: &'static Parts,
}

/// The exercise metadata, built into the grader so that no student's copy of the file can change a grade.
const INFO: &str = include_str!("../../exercises/info.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Info {
    exercises: Vec<InfoExercise>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InfoExercise {
    id: String,
    folder: String,
    checks: Vec<Check>,
    #[serde(default)]
    wrong: Vec<Wrong>,
}

/// Every code exercise, in the order of `exercises/info.toml`; read and checked once.
pub fn exercises() -> Result<&'static [CodeExercise]> {
    static EXERCISES: OnceLock<Result<Vec<CodeExercise>, String>> = OnceLock::new();
    match EXERCISES.get_or_init(|| parse_info(INFO)) {
        Ok(e) => Ok(e),
        Err(e) => Err(anyhow!("exercises/info.toml, built into this grader, is not valid: {e}; fix it and rebuild")),
    }
}

/// Reads the metadata and checks it against the grader's code: every exercise has code and the code has
/// an exercise, each check has cases and points, each wrong solution names checks that exist.
fn parse_info(text: &str) -> Result<Vec<CodeExercise>, String> {
    let info: Info = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut out: Vec<CodeExercise> = Vec::new();
    for ex in info.exercises {
        let id = &ex.id;
        if out.iter().any(|o| o.id == *id || o.folder == ex.folder) {
            return Err(format!("exercise `{id}` (folder `{}`) appears twice", ex.folder));
        }
        let parts = PARTS
            .iter()
            .find(|(p, _)| p == id)
            .map(|(_, p)| p)
            .ok_or_else(|| format!("exercise `{id}`: the grader has no harness for it"))?;
        if ex.checks.is_empty() {
            return Err(format!("exercise `{id}` has no checks: add [[exercises.checks]]"));
        }
        for (i, c) in ex.checks.iter().enumerate() {
            if ex.checks[..i].iter().any(|d| d.name == c.name) {
                return Err(format!("exercise `{id}`: check `{}` appears twice", c.name));
            }
            if c.points == 0 {
                return Err(format!("exercise `{id}`, check `{}`: points must be at least 1", c.name));
            }
            if (parts.cases)(&c.name, &mut stream(0, "info")).is_none() {
                return Err(format!("exercise `{id}`: the grader has no check named `{}`", c.name));
            }
        }
        for w in &ex.wrong {
            if let Some(m) = w.must_fail.iter().find(|m| !ex.checks.iter().any(|c| c.name == **m)) {
                return Err(format!("exercise `{id}`, wrong solution `{}`: must_fail names no check `{m}`", w.name));
            }
        }
        out.push(CodeExercise { id: ex.id, folder: ex.folder, checks: ex.checks, wrong: ex.wrong, parts });
    }
    if let Some((id, _)) = PARTS.iter().find(|(id, _)| !out.iter().any(|e| e.id == *id)) {
        return Err(format!("the grader's exercise `{id}` is missing: add it as [[exercises]]"));
    }
    Ok(out)
}

/// A code exercise, or its README, by id (`partitioner`) or folder (`01_partitioner`).
pub fn find(id: &str) -> Result<Option<&'static CodeExercise>> {
    Ok(exercises()?.iter().find(|e| e.id == id || e.folder == id.trim_end_matches('/')))
}

impl CodeExercise {
    /// Each check's name and points.
    pub fn point_table(&self) -> impl Iterator<Item = (&str, u32)> {
        self.checks.iter().map(|c| (c.name.as_str(), c.points))
    }

    pub fn solution_path(&self, instructor: &Path) -> PathBuf {
        instructor.join("solutions").join(format!("{}.rs", self.id))
    }

    pub fn wrong_path(&self, w: &Wrong, instructor: &Path) -> PathBuf {
        instructor.join("wrong").join(&w.file)
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
/// rustc's first errors as a student can act on them: what went wrong, where in their own file (the
/// grader compiles it as `student.rs`), and what the compiler found there.
fn compile_errors(stderr: &str, file: &str) -> String {
    // A diagnostic starts with its level; a warning's place and labels are not the error's.
    let mut in_error = false;
    let lines: Vec<String> = stderr
        .lines()
        .filter_map(|l| {
            let t = l.trim_start();
            if l.starts_with("error") || l.starts_with("warning") {
                in_error = l.starts_with("error") && !l.starts_with("error: aborting");
                return in_error.then(|| l.to_string());
            }
            if !in_error {
                None
            } else if let Some(at) = t.strip_prefix("--> ") {
                Some(format!("at {}", at.replace("student.rs", file)))
            } else if t.starts_with('|') && t.contains('^') {
                t.rsplit('^').next().map(str::trim).filter(|label| !label.is_empty()).map(str::to_string)
            } else {
                None
            }
        })
        .take(6)
        .collect();
    if lines.is_empty() {
        stderr.lines().last().unwrap_or("the compiler was stopped").to_string()
    } else {
        lines.join("; ")
    }
}

pub fn grade(ex: &CodeExercise, student_src: &str, seed: u64, sandbox: &Sandbox) -> ExerciseResult {
    let dir = scratch(&ex.id);
    let result = build_and_check(ex, student_src, seed, sandbox, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn build_and_check(ex: &CodeExercise, student_src: &str, seed: u64, sandbox: &Sandbox, dir: &Path) -> ExerciseResult {
    let fail_all = |msg: &str| ExerciseResult::all_failed(&ex.id, ex.point_table(), msg);
    let main = format!("{}\n{}", include_str!("harness/prelude.rs"), ex.parts.harness);
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
            let file = format!("{}/{}.rs", ex.folder, ex.id);
            fail_all(&format!("does not compile: {}", compile_errors(&o.stderr, &file)))
        }
        Ok(_) => {
            let checks = ex
                .checks
                .iter()
                .map(|c| {
                    let mut r = stream(seed, &format!("{}/{}", ex.id, c.name));
                    let cases = (ex.parts.cases)(&c.name, &mut r).expect("checked when info.toml was read");
                    run_check(dir, c, &cases, sandbox)
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
            Err(why) => (false, with_hint(&why, &check.hint)),
        },
    };
    CheckResult::new(&check.name, check.points, passed, &message)
}

/// `why` ended as a sentence, then the hint: a question (`an endless loop?`) keeps its own mark.
fn with_hint(why: &str, hint: &str) -> String {
    let stop = if why.ends_with(['.', '?', '!']) { "" } else { "." };
    format!("{why}{stop} Hint: {hint}")
}

/// Compares each answer with the case's expectation; the first difference is the message. An answer is
/// what follows the harness's record separator on a line: a debug print of the student's is no answer.
fn judge(cases: &[Case], o: &Outcome) -> Result<(), String> {
    let answers: Vec<&str> = o.stdout.lines().filter_map(|l| l.rsplit_once('\u{1e}').map(|(_, a)| a)).collect();
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
        return format!("{call}: printed or wrote more than {} MiB: printing in a loop?", sandbox::CHECK.file_mib);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_exercise_file_is_valid_and_complete() {
        let all = exercises().unwrap();
        let ids: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, PARTS.iter().map(|(id, _)| *id).collect::<Vec<_>>());
        let points: u32 = all.iter().flat_map(|e| &e.checks).map(|c| c.points).sum();
        assert_eq!((all.iter().map(|e| e.checks.len()).sum::<usize>(), points), (27, 43));
        assert_eq!(find("01_partitioner").unwrap().map(|e| e.id.as_str()), Some("partitioner"));
    }

    #[test]
    fn a_reason_is_ended_once_before_its_hint() {
        assert_eq!(with_hint("an endless loop?", "stop."), "an endless loop? Hint: stop.");
        assert_eq!(with_hint("got 3, want 4", "count."), "got 3, want 4. Hint: count.");
    }

    #[test]
    fn a_compile_error_names_the_students_file_and_what_the_compiler_found() {
        let stderr = "error[E0308]: mismatched types\n --> student.rs:1:51\n  |\n1 | pub fn partition(key: &[u8], n: u32) -> i32 { \"x\" }\n  |                                         ---   ^^^ expected `i32`, found `&str`\n  |                                         |\n  |                                         expected `i32` because of return type\n\nerror: aborting due to 1 previous error\n";
        assert_eq!(
            compile_errors(stderr, "01_partitioner/partitioner.rs"),
            "error[E0308]: mismatched types; at 01_partitioner/partitioner.rs:1:51; expected `i32`, found `&str`"
        );
        assert_eq!(compile_errors("killed\n", "f.rs"), "killed", "no error lines: the last line says why");
        let warned = format!(
            "warning: unused variable: `n`\n --> student.rs:1:30\n  |\n1 | fn f(n: u32) {{}}\n  |      ^ help: prefix it \
             with an underscore: `_n`\n\n{stderr}"
        );
        assert_eq!(
            compile_errors(&warned, "f.rs"),
            "error[E0308]: mismatched types; at f.rs:1:51; expected `i32`, found `&str`",
            "a warning's place and label are left out"
        );
    }

    /// The built-in file with one line replaced: each malformed variant is refused with what to fix.
    fn refusal(from: &str, to: &str) -> String {
        assert!(INFO.contains(from), "{from}");
        parse_info(&INFO.replacen(from, to, 1)).err().unwrap_or_else(|| panic!("{to} is accepted"))
    }

    #[test]
    fn a_malformed_exercise_file_is_refused_with_the_problem_named() {
        let typo = refusal("name = \"kafka_test_vectors\"", "name = \"kafka_test_vector\"");
        assert!(typo.contains("no check named `kafka_test_vector`"), "{typo}");
        let zero = refusal("points = 2", "points = 0");
        assert!(zero.contains("points must be at least 1"), "{zero}");
        let unknown = refusal("id = \"watermark\"", "id = \"watermarks\"");
        assert!(unknown.contains("no harness for it"), "{unknown}");
        let key = refusal("folder = \"01_partitioner\"", "folder = \"01_partitioner\"\npoint = 3");
        assert!(key.contains("unknown field `point`"), "{key}");
        let must = refusal("must_fail = [\"negative_hashes_use_to_positive_not_abs\"]", "must_fail = [\"abs\"]");
        assert!(must.contains("must_fail names no check `abs`"), "{must}");
        let missing = parse_info("exercises = []").err().unwrap();
        assert!(missing.contains("`partitioner` is missing"), "{missing}");
    }
}
