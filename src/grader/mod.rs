//! The grader: checks students' exercises and reports in the formats that teachers and grading systems
//! read. A code exercise is built with a harness that reads inputs on stdin and prints the student's
//! answers; the grader compares them with its own, so nothing the student's process prints or returns is
//! trusted, and the expected values never enter it. Building and every check run in a sandbox
//! (`sandbox.rs`). Graded runs derive their inputs from the instructor's secret (`secret.rs`).
//! Measurement answers are compared with numbers the grader computes by running the simulation for the
//! student's own variant. Reference solutions and keys live in the instructor folder, outside the
//! command and the handout.

mod cases;
pub mod class;
mod code;
mod concept;
pub mod gradescope;
mod measure;
pub mod report;
pub mod sandbox;
pub mod secret;

pub use code::{exercises as code_exercises, find as find_code};
pub use concept::seal_key as seal_concepts;
pub use measure::MEASURES;

use anyhow::{Context, Result, bail};
use report::{CheckResult, ExerciseResult, Grade};
use sandbox::Sandbox;
use secret::Inputs;
use std::path::{Path, PathBuf};

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
    /// Answers written where the grader does not read them, by question id: where they are.
    pub misplaced: std::collections::BTreeMap<String, String>,
}

impl Answers {
    /// Where the answer to `id` was written, if it is somewhere the grader does not read.
    pub fn misplaced(&self, id: &str) -> Option<String> {
        Some(format!("{id} is written {}, where the grader does not read it", self.misplaced.get(id)?))
    }
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
            let (mut values, mut misplaced) = (std::collections::BTreeMap::new(), std::collections::BTreeMap::new());
            for (name, v) in &table {
                match (name.as_str(), v) {
                    ("measure" | "concept", toml::Value::Table(t)) => {
                        for (k, v) in t {
                            values.insert(k.clone(), v.clone());
                            if k.to_lowercase() != *k {
                                misplaced
                                    .insert(k.to_lowercase(), format!("as {k} under [{name}] (ids are lowercase)"));
                            }
                        }
                    }
                    (_, toml::Value::Table(t)) => {
                        misplaced.extend(t.keys().map(|k| (k.to_lowercase(), format!("under [{name}]"))));
                    }
                    _ => {
                        misplaced.insert(name.to_lowercase(), "at the top of the file".into());
                    }
                }
            }
            Answers { values, problem: None, misplaced }
        }
        Err(e) => Answers { problem: Some(format!("{} is not valid TOML: {e}", path.display())), ..Answers::default() },
    }
}

/// A symbolic link on the way from `root` to a student's file `path`, as the message that refuses it: a link
/// would have the grader read another file on this machine as the student's (a reference solution, or the
/// secret, quoted back in a parse error).
pub fn linked_below(root: &Path, path: &Path) -> Option<String> {
    let mut at = root.to_path_buf();
    for part in path.strip_prefix(root).ok()?.components() {
        at.push(part);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Some(format!("{} is a symbolic link: hand in the file or folder itself", at.display()));
        }
    }
    None
}

/// How to grade: whose inputs, where the keys are, how student code runs.
pub struct Options {
    pub inputs: Inputs,
    pub sandbox: Sandbox,
    /// The instructor folder: reference solutions, wrong solutions, the concept key.
    pub instructor: PathBuf,
    /// Grade only this exercise (an id or a folder name).
    pub only: Option<String>,
}

/// The sealed concept key, when concepts are graded. A graded run without the key it can grade them with
/// would score a whole class 0 on them: refused, before anyone is graded.
pub fn concept_key(opts: &Options) -> Result<Option<concept::SealedKey>> {
    if !concept::CONCEPTS.iter().any(|c| asks(opts.only.as_deref(), "concepts", c.id)) {
        return Ok(None);
    }
    let key = concept::SealedKey::load(&opts.instructor)?;
    if let Some(secret) = opts.inputs.secret() {
        match &key {
            None => bail!(
                "--instructor {} has no {}: concept answers cannot be graded; seal the key first with `streamlab \
                 grade --seal-concepts PLAIN --secret-file FILE --instructor {}`",
                opts.instructor.display(),
                concept::SEALED,
                opts.instructor.display()
            ),
            Some(k) if !k.sealed_with(secret) => bail!(
                "{} was sealed with another secret: seal it again with this one (`streamlab grade --seal-concepts \
                 PLAIN --secret-file FILE`)",
                opts.instructor.join(concept::SEALED).display()
            ),
            Some(_) => {}
        }
    }
    Ok(key)
}

/// Whether `--exercise` (`only`) grades question `id` of `group` (measurements or concepts): it names the
/// group, or that one question, as `exercise list` does.
fn asks(only: Option<&str>, group: &str, id: &str) -> bool {
    only.is_none_or(|o| o == group || o == id)
}

/// A student's exercise folder: `dir` itself, or the `exercises/` folder in it (a course checkout, or a
/// handout unpacked with its folder).
pub fn exercise_folder(dir: &Path) -> PathBuf {
    let nested = dir.join("exercises");
    if nested.is_dir() { nested } else { dir.to_path_buf() }
}

/// Refuses a folder that holds none of the work: graded, it would score 0 with a line per missing file.
fn check_exercise_folder(exercises: &Path) -> Result<()> {
    const WANT: &str = "the folder with the numbered exercise folders (01_partitioner, ...) and answers.toml";
    let shown = exercises.display();
    if exercises.is_file() {
        bail!("{shown} is a file: pass --exercises DIR, {WANT}");
    }
    if !exercises.is_dir() {
        bail!("exercise folder {shown} does not exist: pass --exercises DIR, {WANT}");
    }
    let all = code::exercises()?;
    if all.iter().any(|e| exercises.join(&e.folder).is_dir()) || exercises.join("answers.toml").is_file() {
        return Ok(());
    }
    match all.iter().find(|e| exercises.file_name().is_some_and(|n| *n == *e.folder)) {
        Some(e) => bail!(
            "{shown} is the folder of one exercise: pass the folder that holds it, and --exercise {} to grade only \
             that one",
            e.folder
        ),
        None => bail!("{shown} holds no exercises: expected {WANT}, directly or in an exercises/ folder"),
    }
}

/// Grades everything under `exercises` (or only `opts.only`).
pub fn grade(exercises: &Path, student: &str, opts: &Options) -> Result<Grade> {
    check_exercise_folder(exercises)?;
    let only = opts.only.as_deref();
    let wanted = |id: &str, folder: &str| only.is_none_or(|o| o == id || o == folder);
    let (measured, conceptual) = (|id: &str| asks(only, "measurements", id), |id: &str| asks(only, "concepts", id));
    let (any_measure, any_concept) =
        (MEASURES.iter().any(|m| measured(m.id)), concept::CONCEPTS.iter().any(|c| conceptual(c.id)));
    if let Some(o) = only
        && !code::exercises()?.iter().any(|e| wanted(&e.id, &e.folder))
        && !any_measure
        && !any_concept
    {
        bail!(
            "--exercise {o}: no such exercise; use an id or folder from `streamlab exercise list`, measurements or concepts"
        );
    }
    let key = concept_key(opts)?;
    let mut results = Vec::new();
    for ex in code::exercises()?.iter().filter(|e| wanted(&e.id, &e.folder)) {
        let file = exercises.join(&ex.folder).join(format!("{}.rs", ex.id));
        let result = match std::fs::read_to_string(&file) {
            _ if let Some(link) = linked_below(exercises, &file) => {
                ExerciseResult::all_failed(&ex.id, ex.point_table(), &link)
            }
            Ok(src) => code::grade(ex, &src, opts.inputs.seed(student, &ex.id), &opts.sandbox),
            // The student's work is there, in another encoding: restoring the handout would lose it.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => ExerciseResult::all_failed(
                &ex.id,
                ex.point_table(),
                &format!("{} is not UTF-8 text: save it as UTF-8 in your editor", file.display()),
            ),
            Err(e) => ExerciseResult::all_failed(
                &ex.id,
                ex.point_table(),
                &format!("{} cannot be read ({e}); restore it from the handout", file.display()),
            ),
        };
        results.push(result);
    }
    let answers_file = exercises.join("answers.toml");
    let answers = match linked_below(exercises, &answers_file) {
        Some(link) => Answers { problem: Some(link), ..Answers::default() },
        None => read_answers(&answers_file),
    };
    if any_measure {
        results.push(measure::grade(&answers, student, measured)?);
    }
    if any_concept {
        results.push(concept::grade(&answers, opts.inputs.secret(), key.as_ref(), conceptual));
    }
    Ok(Grade { student: student.to_string(), mode: opts.inputs.describe().to_string(), exercises: results })
}

/// Instructors and CI: every stub scores 0, every reference solution full marks, every deliberately
/// wrong solution loses the checks it should, and the concept key is complete. Returns the problems found.
pub fn check_course(exercises: &Path, opts: &Options) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let seed = opts.inputs.seed("check-course", "all");
    for ex in code::exercises()? {
        let stub_path = exercises.join(&ex.folder).join(format!("{}.rs", ex.id));
        let stub = std::fs::read_to_string(&stub_path).with_context(|| format!("reading {}", stub_path.display()))?;
        let r = code::grade(ex, &stub, seed, &opts.sandbox);
        if r.score() > 0 {
            problems.push(format!("{}: the stub scores {} (it must score 0)", ex.id, r.score()));
        }
        let solution_path = ex.solution_path(&opts.instructor);
        let solution = std::fs::read_to_string(&solution_path)
            .with_context(|| format!("reading {} (pass --instructor DIR)", solution_path.display()))?;
        let r = code::grade(ex, &solution, seed, &opts.sandbox);
        if r.score() != r.max() {
            problems.push(format!(
                "{}: the reference solution scores {}/{}: {}",
                ex.id,
                r.score(),
                r.max(),
                failed(&r.checks)
            ));
        }
        for wrong in &ex.wrong {
            let path = ex.wrong_path(wrong, &opts.instructor);
            let source = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
            let r = code::grade(ex, &source, seed, &opts.sandbox);
            for must in &wrong.must_fail {
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
    problems.extend(concept_key_problems(&opts.instructor, opts.inputs.secret())?);
    Ok(problems)
}

/// The plain key is complete; with a secret, the sealed key is sealed with it and scores the plain key's
/// letters right (and only them).
fn concept_key_problems(instructor: &Path, secret: Option<&[u8]>) -> Result<Vec<String>> {
    let plain_path = instructor.join("concepts.toml");
    if !plain_path.is_file() {
        return Ok(vec![format!("{}: no plain concept key (concepts.toml)", instructor.display())]);
    }
    let plain = concept::PlainKey::load(&plain_path)?;
    let Some(secret) = secret else { return Ok(Vec::new()) };
    let Some(sealed) = concept::SealedKey::load(instructor)? else {
        return Ok(vec![format!(
            "{}: no {}: run `streamlab grade --seal-concepts {} --secret-file FILE`",
            instructor.display(),
            concept::SEALED,
            plain_path.display()
        )]);
    };
    if !sealed.sealed_with(secret) {
        return Ok(vec![format!("{}: sealed with another secret: seal it again", concept::SEALED)]);
    }
    let mut problems = Vec::new();
    for (id, right) in plain.answers() {
        for letter in ["a", "b", "c", "d"] {
            let answers =
                Answers { values: [(id.to_string(), toml::Value::String(letter.into()))].into(), ..Answers::default() };
            let r = concept::grade(&answers, Some(secret), Some(&sealed), |_| true);
            let passed = r.checks.iter().any(|c| c.name == id && c.passed);
            if passed != (letter == right) {
                problems.push(format!(
                    "{}: {id} = `{letter}` scores {} in the sealed key",
                    concept::SEALED,
                    u8::from(passed)
                ));
            }
        }
    }
    Ok(problems)
}

fn failed(checks: &[CheckResult]) -> String {
    checks.iter().filter(|c| !c.passed).map(|c| format!("{} ({})", c.name, c.message)).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_written_where_the_grader_does_not_read_it_is_pointed_at() {
        let path = std::env::temp_dir().join(format!("streamlab-answers-{}.toml", std::process::id()));
        std::fs::write(&path, "c3 = \"c\"\n[concept]\nC2 = \"b\"\nc4 = 5\n[concepts]\nc1 = \"a\"\n").unwrap();
        let answers = read_answers(&path);
        let graded = concept::grade(&answers, None, None, |_| true);
        let message = |id: &str| graded.checks.iter().find(|c| c.name == id).unwrap().message.clone();
        assert!(message("c1").starts_with("c1 is written under [concepts], where the grader does not read it"));
        assert!(message("c2").starts_with("c2 is written as C2 under [concept] (ids are lowercase)"));
        assert!(message("c3").starts_with("c3 is written at the top of the file"));
        assert!(message("c4").starts_with("c4 = 5 is not a letter: write one letter"));
        assert!(message("c5").starts_with("no answer for c5: write one letter, a to d, under [concept]"));
    }

    #[test]
    fn the_course_check_holds_the_sealed_key_to_the_plain_one() {
        let dir = std::env::temp_dir().join(format!("streamlab-seal-check-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let plain = Path::new(env!("CARGO_MANIFEST_DIR")).join("instructor/concepts.toml");
        std::fs::copy(&plain, dir.join("concepts.toml")).unwrap();
        let (secret, other) =
            (b"0123456789abcdef0123456789abcdef".as_slice(), b"another secret of enough length".as_slice());
        assert_eq!(concept_key_problems(&dir, None).unwrap(), Vec::<String>::new(), "without a secret: the plain key");
        assert!(concept_key_problems(&dir, Some(secret)).unwrap()[0].contains("--seal-concepts"));
        concept::seal_key(&plain, secret, &dir).unwrap();
        assert_eq!(concept_key_problems(&dir, Some(secret)).unwrap(), Vec::<String>::new());
        assert!(concept_key_problems(&dir, Some(other)).unwrap()[0].contains("sealed with another secret"));
        // A sealed key whose c1 holds c2's tags scores the wrong letters.
        let path = dir.join(concept::SEALED);
        let mut t: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let q = t["questions"].as_table_mut().unwrap();
        let c2 = q["c2"].clone();
        q.insert("c1".into(), c2);
        std::fs::write(&path, toml::to_string(&t).unwrap()).unwrap();
        let problems = concept_key_problems(&dir, Some(secret)).unwrap();
        assert!(!problems.is_empty() && problems.iter().all(|p| p.contains("c1 = ")), "{problems:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
