//! A class at once: every student folder graded, scores written as CSV and JSON; and the handout, what
//! students receive.

use super::report::Grade;
use super::{Options, code_exercises};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// The student folders of `class`, sorted by id: each holds the numbered exercise folders and
/// answers.toml, directly or in an `exercises/` folder. A file (a zip handed in) is listed too, to be
/// refused with a row of its own rather than left out of the scores in silence; hidden files are skipped.
fn students(class: &Path) -> Result<Vec<(String, PathBuf)>> {
    let entries = std::fs::read_dir(class).with_context(|| {
        format!("--class {} cannot be read: pass the folder with one folder per student", class.display())
    })?;
    let mut out = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let id = path.file_name().expect("an entry has a name").to_string_lossy().into_owned();
        // Hidden entries (.git, .DS_Store) are no student's.
        if id.starts_with('.') {
            continue;
        }
        out.push((id, super::exercise_folder(&path)));
    }
    out.sort();
    if out.is_empty() {
        bail!(
            "--class {}: no student folders in it (one folder per student, named by the student id)",
            class.display()
        );
    }
    Ok(out)
}

/// Each student's own report, to hand back: its file name extension and how it is written.
pub struct Report<'a> {
    pub extension: &'static str,
    pub render: &'a (dyn Fn(&Grade) -> String + Sync),
}

/// Grades every student of `class` with `jobs` students at a time; writes OUT/scores.csv, OUT/scores.json
/// and each graded student's report as OUT/students/ID.EXTENSION.
pub fn grade_class(class: &Path, out: &Path, jobs: usize, opts: &Options, report: Report) -> Result<()> {
    let students = students(class)?;
    // A setup error (the key missing, or sealed with another secret) would fail every student alike.
    super::concept_key(opts)?;
    eprintln!("{}; {} students, {jobs} at a time", opts.inputs.describe(), students.len());
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let grades: Mutex<Vec<Option<Result<Grade, String>>>> = Mutex::new((0..students.len()).map(|_| None).collect());
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((id, dir)) = students.get(i) else { break };
                    let g = match super::linked_below(class, dir) {
                        Some(link) => Err(link),
                        None if !dir.is_dir() => Err(format!(
                            "{} is a file, not a folder: unpack it into a folder named by the student id",
                            dir.display()
                        )),
                        None => super::grade(dir, id, opts).map_err(|e| format!("{e:#}")),
                    };
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    match &g {
                        Ok(g) => eprintln!(
                            "[{n}/{}] {id}: {}/{} ({:.0} s elapsed)",
                            students.len(),
                            g.score(),
                            g.max(),
                            start.elapsed().as_secs_f64()
                        ),
                        Err(e) => eprintln!("[{n}/{}] {id}: not graded: {e}", students.len()),
                    }
                    grades.lock().expect("no panics while holding it")[i] = Some(g);
                }
            });
        }
    });
    let grades: Vec<Result<Grade, String>> =
        grades.into_inner().expect("threads joined").into_iter().map(|g| g.expect("every student graded")).collect();
    let reports = out.join("students");
    std::fs::create_dir_all(&reports).with_context(|| format!("creating {}", reports.display()))?;
    for ((id, _), g) in students.iter().zip(&grades) {
        if let Ok(g) = g {
            let file = reports.join(format!("{id}.{}", report.extension));
            std::fs::write(&file, (report.render)(g)).with_context(|| format!("writing {}", file.display()))?;
        }
    }
    let (csv, json) = (out.join("scores.csv"), out.join("scores.json"));
    std::fs::write(&csv, scores_csv(&students, &grades)?).with_context(|| format!("writing {}", csv.display()))?;
    std::fs::write(&json, scores_json(&students, &grades, opts.inputs.describe()))
        .with_context(|| format!("writing {}", json.display()))?;
    eprintln!(
        "{} students in {:.0} s: {}, {} and each student's report in {}",
        students.len(),
        start.elapsed().as_secs_f64(),
        csv.display(),
        json.display(),
        reports.display()
    );
    Ok(())
}

/// One row per student: the total, then each exercise's score; an error leaves the scores empty.
fn scores_csv(students: &[(String, PathBuf)], grades: &[Result<Grade, String>]) -> Result<String> {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut ids: Vec<&str> = code_exercises()?.iter().map(|e| e.id.as_str()).collect();
    ids.extend(["measurements", "concepts"]);
    let mut s = format!("student,score,max_score,{},error\n", ids.join(","));
    for ((id, _), g) in students.iter().zip(grades) {
        match g {
            Ok(g) => {
                let per: Vec<String> = ids
                    .iter()
                    .map(|e| g.exercises.iter().find(|x| x.id == *e).map_or(String::new(), |x| x.score().to_string()))
                    .collect();
                s += &format!("{},{},{},{},\n", quote(id), g.score(), g.max(), per.join(","));
            }
            Err(e) => s += &format!("{},,,{},{}\n", quote(id), ",".repeat(ids.len() - 1), quote(e)),
        }
    }
    Ok(s)
}

fn scores_json(students: &[(String, PathBuf)], grades: &[Result<Grade, String>], mode: &str) -> String {
    let rows: Vec<serde_json::Value> = students
        .iter()
        .zip(grades)
        .map(|((id, _), g)| match g {
            Ok(g) => g.value(),
            Err(e) => serde_json::json!({ "student": id, "error": e }),
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({ "mode": mode, "students": rows })).expect("serializable") + "\n"
}

/// Copies the exercises (stubs, READMEs, answers.toml) to OUT/exercises, after checking that nothing there
/// gives answers away: no file holds a reference or wrong solution of the instructor folder, every code
/// file still holds every `todo!` of its stub (one tried out in place does not), and answers.toml is blank.
pub fn handout(exercises: &Path, instructor: &Path, out: &Path) -> Result<()> {
    if !exercises.join("answers.toml").is_file() {
        bail!("{} has no answers.toml: pass --exercises DIR, the course's exercise folder", exercises.display());
    }
    let keys = instructor_texts(instructor)?;
    let mut sources = Vec::new();
    list_tree(exercises, &mut sources)?;
    sources.sort();
    for f in &sources {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        if let Some(problem) = gives_away(f, &text, &keys) {
            bail!("{}: {problem}; students would receive it: restore it from the course repository", f.display());
        }
    }
    let dest = out.join("exercises");
    let mut files = Vec::new();
    copy_tree(exercises, &dest, &mut files)?;
    println!("handout: {} files in {} (no solutions, no keys)", files.len(), dest.display());
    Ok(())
}

/// How many `todo!(` each code exercise's stub holds, as this grader was built: a handout's copy keeps them
/// all. Counted at compile time, so that the stubs' lines (which the solutions share) stay out of the binary.
const STUB_TODOS: &[(&str, usize)] = &[
    ("partitioner.rs", todos(include_str!("../../exercises/01_partitioner/partitioner.rs"))),
    ("range_assignor.rs", todos(include_str!("../../exercises/02_range_assignor/range_assignor.rs"))),
    ("window_assigner.rs", todos(include_str!("../../exercises/03_window_assigner/window_assigner.rs"))),
    ("watermark.rs", todos(include_str!("../../exercises/04_watermark/watermark.rs"))),
    ("fraud_rule.rs", todos(include_str!("../../exercises/05_fraud_rule/fraud_rule.rs"))),
    ("consumer_lag.rs", todos(include_str!("../../exercises/06_consumer_lag/consumer_lag.rs"))),
    ("microbatch_planner.rs", todos(include_str!("../../exercises/07_microbatch_planner/microbatch_planner.rs"))),
    ("idempotent_dedup.rs", todos(include_str!("../../exercises/08_idempotent_dedup/idempotent_dedup.rs"))),
    ("attack_rule.rs", todos(include_str!("../../exercises/09_attack_rule/attack_rule.rs"))),
];

/// How many times `todo!(` occurs in `text`.
const fn todos(text: &str) -> usize {
    let (text, pattern) = (text.as_bytes(), b"todo!(");
    let (mut at, mut n) = (0, 0);
    while at + pattern.len() <= text.len() {
        let mut i = 0;
        while i < pattern.len() && text[at + i] == pattern[i] {
            i += 1;
        }
        if i == pattern.len() {
            n += 1;
        }
        at += 1;
    }
    n
}

/// What the exercise file `path` gives away, if anything.
fn gives_away(path: &Path, text: &str, keys: &[(String, String)]) -> Option<String> {
    if let Some((name, _)) = keys.iter().find(|(_, k)| !k.trim().is_empty() && text.contains(k.trim())) {
        return Some(format!("it contains the instructor's {name}"));
    }
    if path.extension().is_some_and(|e| e == "rs") {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let want = STUB_TODOS.iter().find(|(n, _)| *n == name).map_or(1, |(_, want)| *want);
        match todos(text) {
            0 => return Some("it holds no `todo!(`: it looks solved".into()),
            have if have < want => {
                return Some(format!("it holds {have} of its stub's {want} `todo!(`: part of it looks solved"));
            }
            _ => {}
        }
    }
    if path.file_name().is_some_and(|n| n == "answers.toml") {
        let table: toml::Table = toml::from_str(text).ok()?;
        let filled: Vec<&String> = table.values().filter_map(toml::Value::as_table).flat_map(|t| t.keys()).collect();
        if !filled.is_empty() {
            let list: Vec<&str> = filled.iter().map(|k| k.as_str()).collect();
            return Some(format!("it has answers filled in ({})", list.join(", ")));
        }
    }
    None
}

/// The text of every file in the instructor folder, by path.
fn instructor_texts(instructor: &Path) -> Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    if instructor.is_dir() {
        list_tree(instructor, &mut files)?;
    }
    Ok(files
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(&p).ok().map(|t| (p.display().to_string(), t)))
        .collect())
}

fn list_tree(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() { list_tree(&path, files)? } else { files.push(path) }
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path, copied: &mut Vec<PathBuf>) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(from)
        .with_context(|| format!("reading {}", from.display()))?
        .map(|e| Ok(e?.path()))
        .collect::<Result<_>>()?;
    entries.sort();
    for path in entries {
        let target = to.join(path.file_name().expect("an entry has a name"));
        if path.is_dir() {
            copy_tree(&path, &target, copied)?;
        } else {
            std::fs::copy(&path, &target).with_context(|| format!("copying {}", path.display()))?;
            copied.push(target);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_exercise_has_its_stubs_todos_built_in() {
        let exercises = Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises");
        let mut files = Vec::new();
        list_tree(&exercises, &mut files).unwrap();
        let mut found: Vec<(String, usize)> = files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "rs"))
            .map(|f| {
                let text = std::fs::read_to_string(f).unwrap();
                (f.file_name().unwrap().to_str().unwrap().to_string(), text.matches("todo!(").count())
            })
            .collect();
        found.sort();
        let mut built_in: Vec<(String, usize)> = STUB_TODOS.iter().map(|(f, n)| (f.to_string(), *n)).collect();
        built_in.sort();
        assert_eq!(found, built_in);
        assert_eq!(STUB_TODOS.len(), code_exercises().unwrap().len());
    }
}
