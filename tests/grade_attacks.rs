//! A student who wants points without solving: each attack scores 0 or harms nothing, and a correct
//! solution keeps full marks. Graded runs, with an instructor's secret, each on one exercise.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn streamlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_streamlab")).args(args).current_dir(ROOT).output().expect("streamlab runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The instructor's secret in a file of the test's own: tests run side by side, and a file rewritten by one
/// while another reads it would read empty.
fn secret(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.secret"));
    std::fs::write(&path, "9f2c4e7a1b3d5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6\n").unwrap();
    path
}

/// A handout with `src` as the student's file of `exercise` (a folder name), graded with the secret:
/// (score, max, the first check's message).
fn graded(name: &str, folder: &str, file: &str, src: &str) -> (u64, u64, String) {
    graded_after(name, folder, |dir| std::fs::write(dir.join(folder).join(file), src).unwrap())
}

/// The same, with the handout as `hand_in` leaves it.
fn graded_after(name: &str, folder: &str, hand_in: impl FnOnce(&Path)) -> (u64, u64, String) {
    let dir = tmp(name);
    common::copy_dir(&Path::new(ROOT).join("exercises"), &dir);
    hand_in(&dir);
    let secret = secret(name);
    let o = streamlab(&[
        "grade",
        "--student",
        "s42",
        "--exercises",
        dir.to_str().unwrap(),
        "--exercise",
        folder,
        "--secret-file",
        secret.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["mode"].as_str().unwrap().starts_with("graded"), "{}", v["mode"]);
    let ex = &v["exercises"][0];
    (
        ex["score"].as_u64().unwrap(),
        ex["max_score"].as_u64().unwrap(),
        ex["checks"][0]["message"].as_str().unwrap().into(),
    )
}

fn solution(id: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join("instructor/solutions").join(format!("{id}.rs"))).unwrap()
}

#[test]
fn a_correct_solution_keeps_full_marks_on_secret_inputs() {
    let (score, max, msg) = graded("correct", "06_consumer_lag", "consumer_lag.rs", &solution("consumer_lag"));
    assert_eq!((score, max), (4, 4), "{msg}");
}

#[test]
fn attack_1_printing_test_runner_success_and_exiting_scores_0() {
    let src = "pub fn lag(_: &[u64], _: &[Option<u64>]) -> u64 {\n\
               println!(\"test result: ok. 1 passed; 0 failed\");\n\
               std::process::exit(0)\n}\n";
    let (score, _, msg) = graded("attack1", "06_consumer_lag", "consumer_lag.rs", src);
    assert_eq!(score, 0, "{msg}");
    // What it printed is no answer (answers follow the harness's separator); the exit is named.
    assert!(msg.contains("your code ended the program instead of returning an answer"), "{msg}");
}

#[test]
fn attack_2_looking_up_the_expected_answers_scores_0() {
    // The old checks compiled CASES (inputs with answers) into the student's crate; now only inputs
    // reach the student's process, on stdin.
    let src = "pub fn lag(e: &[u64], c: &[Option<u64>]) -> u64 {\n\
               crate::CASES.iter().find(|k| k.0 == e && k.1 == c).map_or(0, |k| k.2)\n}\n";
    let (score, _, msg) = graded("attack2", "06_consumer_lag", "consumer_lag.rs", src);
    assert_eq!(score, 0, "{msg}");
    assert!(msg.contains("does not compile"), "{msg}");
    // Echoing an input back is no answer either.
    let src = "pub fn lag(e: &[u64], _: &[Option<u64>]) -> u64 { e.iter().sum() }\n";
    let (score, _, _) = graded("attack2b", "06_consumer_lag", "consumer_lag.rs", src);
    assert_eq!(score, 0);
}

#[test]
fn attack_3_including_the_reference_solution_scores_0() {
    let path = Path::new(ROOT).join("instructor/solutions/consumer_lag.rs");
    let src = format!("#[path = {:?}]\nmod r;\npub use r::*;\n", path.to_str().unwrap());
    let (score, _, msg) = graded("attack3", "06_consumer_lag", "consumer_lag.rs", &src);
    assert_eq!(score, 0, "the sandbox shows only the scratch copy: {msg}");
    assert!(msg.contains("does not compile"), "{msg}");
    let src = format!("include!({:?});\n", path.to_str().unwrap());
    let (score, _, _) = graded("attack3b", "06_consumer_lag", "consumer_lag.rs", &src);
    assert_eq!(score, 0);
    // Nor does the command carry the solutions: no line of any reference solution is in its binary.
    let binary = binary_text();
    for entry in std::fs::read_dir(Path::new(ROOT).join("instructor/solutions")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in
            text.lines().map(str::trim).filter(|l| l.len() > 30 && !l.starts_with("//") && !l.starts_with("pub fn"))
        {
            assert!(!binary.contains(line), "the binary holds the solution line `{line}`");
        }
    }
}

/// The command's binary, its bytes read as text (the strings in it stay intact).
fn binary_text() -> String {
    String::from_utf8_lossy(&std::fs::read(env!("CARGO_BIN_EXE_streamlab")).unwrap()).into_owned()
}

#[test]
fn attack_4_the_concept_key_is_neither_in_the_command_nor_in_the_handout() {
    let key = std::fs::read_to_string(Path::new(ROOT).join("instructor/concepts.toml")).unwrap();
    let sample = "the 5V adds two more characteristics";
    assert!(key.contains(sample) && !binary_text().contains(sample));
    for src in std::fs::read_dir(Path::new(ROOT).join("src/grader")).unwrap() {
        let text = std::fs::read_to_string(src.unwrap().path()).unwrap_or_default();
        assert!(!text.contains("correct: 'b'") && !text.contains(sample));
    }
    // The handout leaves the instructor folder out; graded without the key, right letters score nothing.
    let out = tmp("handout");
    let o = streamlab(&["handout", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("exercises/01_partitioner/README.md").is_file() && out.join("exercises/answers.toml").is_file());
    let mut files = Vec::new();
    walk(&out, &mut files);
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        assert!(!text.contains(sample) && !text.contains("Reference solution"), "{}", f.display());
    }
    let answers = out.join("exercises/answers.toml");
    std::fs::write(&answers, "[concept]\nc1 = \"b\"\nc2 = \"d\"\nc3 = \"c\"\n").unwrap();
    let ex = out.join("exercises");
    let o =
        streamlab(&["grade", "--exercises", ex.to_str().unwrap(), "--exercise", "concepts", "--instructor", "/no/key"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("concepts             0/6"), "{text}");
    assert!(text.contains("graded with the instructor's key"), "{text}");
    // The sealed key scores only with the secret that sealed it.
    let instructor = tmp("sealed-instructor");
    let seal = ["grade", "--seal-concepts", "instructor/concepts.toml", "--instructor", instructor.to_str().unwrap()];
    let secret = secret("sealed-instructor");
    let o = streamlab(&[&seal[..], &["--secret-file", secret.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let sealed = std::fs::read_to_string(instructor.join("concepts.sealed.toml")).unwrap();
    assert!(!sealed.contains(sample) && !sealed.contains("answer = \"b\""), "{sealed}");
    let concepts = |with: &[&str]| {
        let args = ["grade", "--exercises", ex.to_str().unwrap(), "--exercise", "concepts", "--instructor"];
        let o = streamlab(&[&args[..], &[instructor.to_str().unwrap()], with].concat());
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let graded = concepts(&["--secret-file", secret.to_str().unwrap()]);
    assert!(graded.contains("concepts             3/6"), "{graded}");
    let unsealed = concepts(&[]);
    assert!(
        unsealed.contains("concepts             0/6") && unsealed.contains("the instructor's secret"),
        "{unsealed}"
    );
    let other = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("other-secret.txt");
    std::fs::write(&other, "0000000000000000000000000000000000000000000000\n").unwrap();
    // A graded run whose key cannot grade (sealed with another secret, or missing) is the instructor's
    // mistake: refused, rather than scoring the whole class 0.
    let graded_with = |instructor: &Path, secret: &Path| {
        let args = ["grade", "--exercises", ex.to_str().unwrap(), "--exercise", "concepts", "--instructor"];
        streamlab(&[&args[..], &[instructor.to_str().unwrap(), "--secret-file", secret.to_str().unwrap()]].concat())
    };
    for (dir, secret, why) in [
        (instructor.as_path(), other.as_path(), "was sealed with another secret"),
        (Path::new("/no/key"), secret.as_path(), "has no concepts.sealed.toml"),
    ] {
        let o = graded_with(dir, secret);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains(why), "{err}");
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { walk(&p, files) } else { files.push(p) }
    }
}

/// Processes whose command line holds `marker`.
fn processes_with(marker: &str) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .filter(|c| String::from_utf8_lossy(c).contains(marker))
        .count()
}

#[test]
fn attack_5_student_code_harms_nothing_outside_its_sandbox() {
    let dir = tmp("attack5-victim");
    let canary = dir.join("canary.txt");
    std::fs::write(&canary, "still here").unwrap();
    let escaped = Path::new("/tmp/streamlab-attack5-escaped");
    let _ = std::fs::remove_file(escaped);
    // The sleeps' argument is unique to this test process, so another test run on the machine at the
    // same time cannot be counted as ours.
    let marker = format!("31.{}", std::process::id());
    // Deletes a file outside its folder, writes to /tmp, leaves 12 background processes, tries the
    // network and 100 threads; any success makes its answer wrong, so full marks mean every attempt failed.
    let src = format!(
        r#"pub fn lag(e: &[u64], c: &[Option<u64>]) -> u64 {{
    let mut harm = 0;
    if std::fs::remove_file({canary:?}).is_ok() {{ harm += 1; }}
    if std::fs::write({escaped:?}, "x").is_ok() {{ harm += 1; }}
    if std::fs::write("/tmp/x", "x").is_ok() {{ harm += 1; }}
    if std::fs::write("left-behind.txt", "x").is_ok() {{ harm += 1; }}
    for _ in 0..12 {{
        let _ = std::process::Command::new("sleep").arg({marker:?}).spawn();
    }}
    if std::net::TcpStream::connect("1.1.1.1:80").is_ok() {{ harm += 1; }}
    let threads = (0..100)
        .filter(|_| std::thread::Builder::new().spawn(|| std::thread::sleep(std::time::Duration::from_secs(30))).is_ok())
        .count();
    if threads >= 8 {{ harm += 1; }}
    e.iter().zip(c).map(|(&e, c)| e.saturating_sub(c.unwrap_or(0))).sum::<u64>() + harm
}}
"#
    );
    let (score, max, msg) = graded("attack5", "06_consumer_lag", "consumer_lag.rs", &src);
    assert_eq!(score, max, "some harm succeeded: {msg}");
    assert_eq!(std::fs::read_to_string(&canary).unwrap(), "still here");
    assert!(!escaped.exists());
    assert_eq!(processes_with(&marker), 0, "background processes outlived the check");
}

#[test]
fn attack_6_the_compiler_is_bounded_too() {
    let start = Instant::now();
    let src = "static Z: &[u8] = include_bytes!(\"/dev/zero\");\n\
               pub fn lag(_: &[u64], _: &[Option<u64>]) -> u64 { Z.len() as u64 }\n";
    let (score, _, msg) = graded("attack6", "06_consumer_lag", "consumer_lag.rs", src);
    assert_eq!(score, 0);
    assert!(msg.contains("does not compile"), "{msg}");
    // A 16 GiB constant: the compiler meets the sandbox's memory limit.
    let src = "static Z: [u8; 1 << 34] = [0; 1 << 34];\n\
               pub fn lag(_: &[u64], _: &[Option<u64>]) -> u64 { Z[5] as u64 }\n";
    let (score, _, msg) = graded("attack6b", "06_consumer_lag", "consumer_lag.rs", src);
    assert_eq!(score, 0, "{msg}");
    assert!(start.elapsed().as_secs() < 150, "bounded: {:?}", start.elapsed());
}

#[test]
fn without_bubblewrap_grading_refuses_unless_told() {
    let sysroot = Command::new("rustc").args(["--print", "sysroot"]).output().unwrap();
    let rustc = Path::new(String::from_utf8_lossy(&sysroot.stdout).trim()).join("bin/rustc");
    let o = Command::new(env!("CARGO_BIN_EXE_streamlab"))
        .args(["grade", "--exercise", "consumer_lag"])
        .current_dir(ROOT)
        .env("PATH", "/nonexistent")
        .env("RUSTC", &rustc)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bubblewrap") && err.contains("--unsandboxed") && err.contains("delete your files"), "{err}");
    // Told, it grades, and warns.
    let dir = tmp("unsandboxed");
    common::copy_dir(&Path::new(ROOT).join("exercises"), &dir);
    std::fs::write(dir.join("06_consumer_lag/consumer_lag.rs"), solution("consumer_lag")).unwrap();
    let o = streamlab(&["grade", "--unsandboxed", "--exercises", dir.to_str().unwrap(), "--exercise", "consumer_lag"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("consumer_lag         4/4"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning: grading without a sandbox"));
}

#[test]
fn attack_a_link_to_the_reference_solution_scores_nothing() {
    let solution = Path::new(ROOT).join("instructor/solutions/partitioner.rs");
    let (score, max, message) = graded_after("link", "01_partitioner", |dir| {
        let file = dir.join("01_partitioner/partitioner.rs");
        std::fs::remove_file(&file).unwrap();
        std::os::unix::fs::symlink(&solution, &file).unwrap();
    });
    assert_eq!((score, max), (0, 5), "{message}");
    assert!(message.contains("is a symbolic link: hand in the file or folder itself"), "{message}");
    // The exercise's folder a link to the reference solutions: the grader reads through no link.
    let (score, _, message) = graded_after("link-folder", "01_partitioner", |dir| {
        let folder = dir.join("01_partitioner");
        std::fs::remove_dir_all(&folder).unwrap();
        std::os::unix::fs::symlink(solution.parent().unwrap(), &folder).unwrap();
    });
    assert_eq!(score, 0, "{message}");
    assert!(message.contains("01_partitioner is a symbolic link"), "{message}");
}

/// answers.toml a link to the instructor's secret: a parse error quoted its line back to the student.
#[test]
fn attack_a_linked_answers_file_is_neither_read_nor_quoted() {
    let planted = secret("planted");
    let (score, _, message) = graded_after("link-answers", "measurements", |dir| {
        std::fs::remove_file(dir.join("answers.toml")).unwrap();
        std::os::unix::fs::symlink(&planted, dir.join("answers.toml")).unwrap();
    });
    assert_eq!(score, 0, "{message}");
    assert!(message.contains("answers.toml is a symbolic link"), "{message}");
    assert!(!message.contains("9f2c4e7a"), "the secret is not quoted: {message}");
}

/// A student's answer that holds terminal escapes and bytes XML cannot hold is shown escaped: it cannot
/// repaint the report into a fake "5/5" or break the JUnit file.
#[test]
fn attack_control_characters_in_an_answer_are_escaped() {
    let src = "pub fn assign(_: &[&str], _: u32) -> Vec<(String, Vec<u32>)> {\n\
               vec![(\"C0\\r\\x1b[2K\\x1b[32mrange_assignor 5/5 ALL PASSED\\x01\".into(), vec![0])]\n}\n";
    let (score, _, message) = graded("escapes", "02_range_assignor", "range_assignor.rs", src);
    assert_eq!(score, 0, "{message}");
    assert!(message.contains("C0\\r\\u{1b}[2K"), "the answer is shown, escaped: {message:?}");
    assert!(!message.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{message:?}");
}

#[test]
fn a_file_in_another_encoding_is_named_as_such_not_sent_back_to_the_handout() {
    let (score, _, message) = graded_after("latin1", "01_partitioner", |dir| {
        std::fs::write(dir.join("01_partitioner/partitioner.rs"), b"// caf\xe9\nfn main() {}\n").unwrap();
    });
    assert_eq!(score, 0);
    assert!(message.contains("is not UTF-8 text: save it as UTF-8"), "{message}");
}

/// An instructor who tried a solution in the course's own exercise folder: the handout is refused before
/// anything is written, whether the file is the solution whole, the solution with its first line changed,
/// one of its two functions solved, or answers.toml holds the concept letters.
#[test]
fn a_handout_that_would_give_answers_away_is_refused_and_not_written() {
    let refused = |name: &str, change: &dyn Fn(&Path), needle: &str| {
        let dir = tmp(name);
        common::copy_dir(&Path::new(ROOT).join("exercises"), &dir.join("exercises"));
        change(&dir.join("exercises"));
        let out = dir.join("out");
        let (ex, out_s) = (dir.join("exercises"), out.to_str().unwrap().to_string());
        let o = streamlab(&["handout", "--exercises", ex.to_str().unwrap(), "--out", &out_s]);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(needle) && err.contains("restore it"), "{name}: {err}");
        assert!(!out.exists(), "{name}: nothing written");
    };
    let file = "06_consumer_lag/consumer_lag.rs";
    refused("handout-whole", &|ex| std::fs::write(ex.join(file), solution("consumer_lag")).unwrap(), "instructor");
    let edited = |ex: &Path| {
        let first_changed = format!("// mine\n{}", solution("partitioner").split_once('\n').unwrap().1);
        std::fs::write(ex.join("01_partitioner/partitioner.rs"), first_changed).unwrap();
    };
    refused("handout-edited", &edited, "it holds no `todo!(`: it looks solved");
    let half = |ex: &Path| {
        let f = ex.join("04_watermark/watermark.rs");
        let stub = std::fs::read_to_string(&f).unwrap();
        std::fs::write(&f, stub.replacen("todo!(\"the watermark\")", "self.max_ts - self.delay_ms - 1", 1)).unwrap();
    };
    refused("handout-half", &half, "it holds 1 of its stub's 2 `todo!(`: part of it looks solved");
    let answers = |ex: &Path| std::fs::write(ex.join("answers.toml"), "[concept]\nc1 = \"b\"\nc3 = \"c\"\n").unwrap();
    refused("handout-answers", &answers, "it has answers filled in (c1, c3)");
}

/// An answer that ignores its input, one line in place of the `todo!`, scores nothing: every check holds
/// a case that tells it from a rule (a constant verdict, the last batch's end, flag all or none).
#[test]
fn attack_an_answer_that_ignores_its_input_scores_nothing() {
    let stub = |folder: &str, file: &str, answer: &str| {
        let text = std::fs::read_to_string(Path::new(ROOT).join("exercises").join(folder).join(file)).unwrap();
        let todo = text.lines().find(|l| l.trim_start().starts_with("todo!(")).unwrap();
        text.replace(todo, answer)
    };
    for (folder, file, answer) in [
        ("05_fraud_rule", "fraud_rule.rs", "{ let _ = (ts_ms, account, amount); false }"),
        ("05_fraud_rule", "fraud_rule.rs", "{ let _ = (ts_ms, account, amount); true }"),
        ("07_microbatch_planner", "microbatch_planner.rs", "{ let _ = (trigger_ms, last_trigger_ms); last_end_ms }"),
        ("08_idempotent_dedup", "idempotent_dedup.rs", "{ let _ = (recent, base_seq); Decision::Append }"),
        ("08_idempotent_dedup", "idempotent_dedup.rs", "{ let _ = (recent, base_seq); Decision::Duplicate }"),
        ("08_idempotent_dedup", "idempotent_dedup.rs", "{ let _ = (recent, base_seq); Decision::OutOfOrder }"),
        ("09_attack_rule", "attack_rule.rs", "{ let _ = (ts_ms, src, dst_port, bytes); true }"),
        ("09_attack_rule", "attack_rule.rs", "{ let _ = (ts_ms, src, dst_port, bytes); false }"),
    ] {
        let name = format!("constant-{}", answer.len());
        let (score, _, message) = graded(&name, folder, file, &stub(folder, file, answer));
        assert_eq!(score, 0, "{folder} with {answer}: {message}");
    }
}

/// One letter for every concept question scores at most 2 of 6: the right letters are spread.
#[test]
fn one_letter_everywhere_scores_at_most_two_concepts() {
    let key: toml::Table =
        toml::from_str(&std::fs::read_to_string(Path::new(ROOT).join("instructor/concepts.toml")).unwrap()).unwrap();
    for letter in ["a", "b", "c", "d"] {
        let right = key.values().filter(|q| q["answer"].as_str() == Some(letter)).count();
        assert!(right <= 2, "`{letter}` is the answer to {right} of {} questions", key.len());
    }
}
