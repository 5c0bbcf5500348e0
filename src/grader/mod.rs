//! The grader: checks students' exercises in isolation and reports in the formats that teachers and
//! grading systems read. Code exercises are compiled with `rustc --test` together with the grader's
//! checks (kept here, outside `exercises/`) and each check runs in its own process under a time and a
//! memory limit, so a compile error, a panic, an endless loop or runaway memory costs only that
//! exercise's points. Measurement answers are compared with numbers the grader computes by running the
//! simulation for the student's own variant.

mod code;
mod concept;
mod measure;
pub mod report;

pub use code::CODE_EXERCISES;
pub use measure::MEASURES;

use anyhow::{Context, Result, bail};
use report::{CheckResult, ExerciseResult, Grade};
use std::path::Path;

/// A concept question's text, by id.
pub fn concept_text(id: &str) -> Option<streamlab_labs::text::Text> {
    concept::find(id).map(concept::Concept::text)
}

/// The seed of a student's variant: FNV-1a of the id (stable across machines and Rust versions).
pub fn student_seed(student: &str) -> u64 {
    streamlab_sim::rng::stream_seed(14, student)
}

/// The student's answers to measurement and concept questions.
#[derive(Default)]
pub struct Answers {
    pub values: std::collections::BTreeMap<String, toml::Value>,
    pub problem: Option<String>,
}

pub fn read_answers(path: &Path) -> Answers {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            return Answers {
                problem: Some(format!(
                    "{} cannot be read ({e}): copy answers.toml from the course repository",
                    path.display()
                )),
                ..Answers::default()
            };
        }
    };
    match toml::from_str::<toml::Table>(&text) {
        Ok(table) => {
            let mut values = std::collections::BTreeMap::new();
            for section in ["measure", "concept"] {
                if let Some(toml::Value::Table(t)) = table.get(section) {
                    for (k, v) in t {
                        values.insert(k.clone(), v.clone());
                    }
                }
            }
            Answers { values, problem: None }
        }
        Err(e) => Answers { problem: Some(format!("{} is not valid TOML: {e}", path.display())), ..Answers::default() },
    }
}

/// Grades everything under `exercises`.
pub fn grade(exercises: &Path, student: &str) -> Result<Grade> {
    if !exercises.is_dir() {
        bail!(
            "exercise folder {} does not exist: pass --exercises DIR (the folder with the numbered exercises and answers.toml)",
            exercises.display()
        );
    }
    let seed = student_seed(student);
    let mut results = Vec::new();
    for ex in CODE_EXERCISES {
        let file = exercises.join(ex.folder).join(format!("{}.rs", ex.id));
        let result = match std::fs::read_to_string(&file) {
            Ok(src) => code::grade(ex, &src, seed),
            Err(e) => ExerciseResult::all_failed(
                ex.id,
                ex.checks.iter().map(|c| (c.name, c.points)),
                &format!("{} cannot be read ({e}); restore it from the course repository", file.display()),
            ),
        };
        results.push(result);
    }
    let answers = read_answers(&exercises.join("answers.toml"));
    results.push(measure::grade(&answers, student)?);
    results.push(concept::grade(&answers));
    Ok(Grade { student: student.to_string(), exercises: results })
}

/// Instructors and CI: every stub scores 0, every reference solution full marks, and every deliberately
/// wrong solution loses the checks it should. Returns the problems found.
pub fn check_course(exercises: &Path) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let seed = student_seed("check-course");
    for ex in CODE_EXERCISES {
        let stub_path = exercises.join(ex.folder).join(format!("{}.rs", ex.id));
        let stub = std::fs::read_to_string(&stub_path).with_context(|| format!("reading {}", stub_path.display()))?;
        let r = code::grade(ex, &stub, seed);
        if r.score() > 0 {
            problems.push(format!("{}: the stub scores {} (it must score 0)", ex.id, r.score()));
        }
        let r = code::grade(ex, ex.solution, seed);
        if r.score() != r.max() {
            problems.push(format!(
                "{}: the reference solution scores {}/{}: {}",
                ex.id,
                r.score(),
                r.max(),
                failed(&r.checks)
            ));
        }
        for wrong in ex.wrong {
            let r = code::grade(ex, &(wrong.source)(), seed);
            for must in wrong.must_fail {
                if r.checks.iter().any(|c| c.name == *must && c.passed) {
                    problems.push(format!("{}: wrong solution `{}` passes check `{must}`", ex.id, wrong.name));
                }
            }
            if r.score() == r.max() {
                problems.push(format!("{}: wrong solution `{}` scores full marks", ex.id, wrong.name));
            }
        }
    }
    problems.extend(measure::check_course()?);
    problems.extend(concept::check_course());
    Ok(problems)
}

fn failed(checks: &[CheckResult]) -> String {
    checks.iter().filter(|c| !c.passed).map(|c| format!("{} ({})", c.name, c.message)).collect::<Vec<_>>().join("; ")
}
