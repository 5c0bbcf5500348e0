//! The grader: the course check, every output format, isolation of broken solutions, personal answers.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

fn streamlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_streamlab"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("streamlab runs")
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

fn exercises_copy(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    common::copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises"), &dir);
    dir
}

#[test]
fn the_course_checks_out() {
    let o = streamlab(&["grade", "--check-course"]);
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
}

#[test]
fn the_report_of_an_untouched_exercise_folder() {
    let o = streamlab(&["grade", "--student", "snapshot"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    insta::assert_snapshot!("grade_untouched", text(&o.stdout));
}

#[test]
fn broken_solutions_cost_only_their_own_points() {
    let dir = exercises_copy("isolation");
    let solutions = Path::new(env!("CARGO_MANIFEST_DIR")).join("instructor/solutions");
    // A correct solution that prints as it goes (a debug line, and text left without a newline).
    let chatty = std::fs::read_to_string(solutions.join("partitioner.rs")).unwrap().replacen(
        "    let m: u32 = 0x5bd1_e995;",
        "    println!(\"debug: {data:?}\");\n    print!(\"no newline \");\n    let m: u32 = 0x5bd1_e995;",
        1,
    );
    assert!(chatty.contains("debug"), "the solution's first line moved");
    std::fs::write(dir.join("01_partitioner/partitioner.rs"), chatty).unwrap();
    std::fs::write(
        dir.join("02_range_assignor/range_assignor.rs"),
        "pub fn assign(_: &[&str], _: u32) -> Vec<(String, Vec<u32>)> { loop { std::hint::spin_loop(); } }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("03_window_assigner/window_assigner.rs"),
        "pub fn tumbling_start(_: i64, _: i64, _: i64) -> i64 { panic!(\"boom\") }\n\
         pub fn sliding_windows(_: i64, _: i64, _: i64) -> Vec<(i64, i64)> { panic!(\"boom\") }\n",
    )
    .unwrap();
    std::fs::write(dir.join("04_watermark/watermark.rs"), "pub struct BoundedOutOfOrderness { oops }\n").unwrap();
    std::fs::write(
        dir.join("05_fraud_rule/fraud_rule.rs"),
        "pub struct FraudDetector(Vec<Vec<u8>>);\n\
         impl FraudDetector { pub fn new() -> Self { FraudDetector(Vec::new()) }\n\
         pub fn on_payment(&mut self, _: u64, _: u32, _: f64) -> bool { loop { self.0.push(vec![1u8; 1 << 26]); } } }\n",
    )
    .unwrap();
    let start = Instant::now();
    let o = streamlab(&["grade", "--exercises", dir.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success(), "the grader always finishes: {}", text(&o.stderr));
    assert!(start.elapsed().as_secs() < 150, "bounded time: {:?}", start.elapsed());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ex = |id: &str| v["exercises"].as_array().unwrap().iter().find(|e| e["id"] == id).unwrap().clone();
    assert_eq!(ex("partitioner")["score"], 5, "a correct solution keeps its points, whatever it prints");
    let msg = |id: &str| ex(id)["checks"][0]["message"].as_str().unwrap().to_string();
    assert!(msg("range_assignor").contains("did not finish within"), "{}", msg("range_assignor"));
    assert!(msg("range_assignor").contains("an endless loop? Hint: "), "{}", msg("range_assignor"));
    assert!(msg("window_assigner").contains("boom"), "{}", msg("window_assigner"));
    assert!(msg("watermark").contains("does not compile"), "{}", msg("watermark"));
    assert!(msg("fraud_rule").contains("memory"), "{}", msg("fraud_rule"));
    for id in ["range_assignor", "window_assigner", "watermark", "fraud_rule"] {
        assert_eq!(ex(id)["score"], 0, "{id}");
        assert!(msg(id).contains("Hint") || id == "watermark", "{id}: a hint: {}", msg(id));
    }
}

#[test]
fn every_format_follows_its_schema() {
    let o = streamlab(&["grade", "--student", "s1", "--format", "gradescope"]);
    let g: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(g["score"].is_u64() && g["max_score"].as_u64() == Some(55));
    for t in g["tests"].as_array().unwrap() {
        for key in ["name", "score", "max_score", "output", "visibility"] {
            assert!(t.get(key).is_some(), "gradescope test lacks {key}: {t}");
        }
        assert_eq!(t["visibility"], "visible");
    }
    let o = streamlab(&["grade", "--student", "s1", "--format", "json"]);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["student"], "s1");
    assert_eq!(j["exercises"].as_array().unwrap().len(), 11);
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("junit.xml");
    let o = streamlab(&["grade", "--student", "s1", "--format", "junit", "--out", out.to_str().unwrap()]);
    assert!(o.status.success());
    let xml = std::fs::read_to_string(&out).unwrap();
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"streamlab\" tests=\"36\""),
        "{xml}"
    );
    assert_eq!(xml.matches("<testsuite ").count(), 11);
    assert_eq!(xml.matches("<testcase ").count(), 36);
    assert_eq!(xml.matches("<failure ").count(), 36, "an untouched folder fails every check");
    let o = streamlab(&["grade", "--format", "pdf"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn personal_measurements_are_graded_by_running_the_simulation() {
    let dir = exercises_copy("answers");
    // Produce the student's own scenario with the tool, run it, and read the number, as a student would.
    let scen = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("m2.toml");
    let o = streamlab(&["exercise", "scenario", "m2", "--student", "dana"]);
    std::fs::write(&scen, &o.stdout).unwrap();
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("m2-run");
    let o = streamlab(&["run", scen.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let lost = r["ledger"]["lost"].as_u64().unwrap();
    std::fs::write(dir.join("answers.toml"), format!("[measure]\nm2 = {lost}\n[concept]\nc3 = \"c\"\nc1 = \"a\"\n"))
        .unwrap();
    let grade = |student: &str| {
        let o = streamlab(&["grade", "--student", student, "--exercises", dir.to_str().unwrap(), "--format", "json"]);
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let check = |v: &serde_json::Value, ex: &str, name: &str| {
        v["exercises"].as_array().unwrap().iter().find(|e| e["id"] == ex).unwrap()["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["passed"]
            .as_bool()
            .unwrap()
    };
    let dana = grade("dana");
    assert!(check(&dana, "measurements", "m2"), "dana's own number is accepted");
    assert!(!check(&dana, "concepts", "c3"), "a self-check records concept answers without scoring them");
    // One question, as `exercise list` names it: only that one is graded (and, for a measurement, simulated).
    for (only, group) in [("m2", "measurements"), ("c3", "concepts")] {
        let args = ["grade", "--student", "dana", "--exercises", dir.to_str().unwrap(), "--exercise", only];
        let o = streamlab(&[&args[..], &["--format", "json"]].concat());
        assert!(o.status.success(), "{only}: {}", text(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let exercises = v["exercises"].as_array().unwrap();
        assert_eq!((exercises.len(), &exercises[0]["id"]), (1, &serde_json::json!(group)), "{v}");
        let names: Vec<&str> =
            exercises[0]["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!(names, [only]);
    }
    let other = grade("erlan");
    assert!(!check(&other, "measurements", "m2"), "another student's variant gives another number");
    std::fs::write(dir.join("answers.toml"), "[measure\nm1 = ").unwrap();
    let bad = grade("dana");
    let msg = bad["exercises"][9]["checks"][0]["message"].as_str().unwrap().to_string();
    assert!(msg.contains("not valid TOML"), "{msg}");
    let o = streamlab(&["grade", "--exercises", "/no/such/folder"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("does not exist"));
}

/// A folder holding exercises/ (the course checkout) is graded as that folder; one holding no exercises, or
/// a file, is refused with what to pass instead of scoring 0 with a line per missing file.
#[test]
fn the_exercises_folder_is_found_or_refused_naming_what_to_pass() {
    let o = streamlab(&["grade", "--exercises", ".", "--exercise", "concepts", "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let message = v["exercises"][0]["checks"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("no answer for c1"), "answers.toml of ./exercises is read: {message}");
    for (folder, needle) in [
        ("README.md", "README.md is a file: pass --exercises DIR, the folder with the numbered exercise folders"),
        (
            "exercises/01_partitioner",
            "exercises/01_partitioner is the folder of one exercise: pass the folder that holds it, and --exercise \
             01_partitioner",
        ),
        ("src", "src holds no exercises: expected the folder with the numbered exercise folders (01_partitioner"),
    ] {
        let o = streamlab(&["grade", "--exercises", folder]);
        assert_eq!(o.status.code(), Some(2), "{folder}");
        assert!(text(&o.stderr).contains(needle), "{}", text(&o.stderr));
    }
}

#[test]
fn exercises_are_found_by_id_or_folder() {
    for id in ["partitioner", "01_partitioner", "01_partitioner/"] {
        let o = streamlab(&["exercise", "show", id]);
        assert!(o.status.success(), "{id}: {}", text(&o.stderr));
        assert!(text(&o.stdout).contains("exercises/01_partitioner/README.md"), "{id}");
    }
    let o = streamlab(&["exercise", "show", "01_partitioneer"]);
    assert_eq!(o.status.code(), Some(2));
}

fn secret_file() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("class-secret.txt");
    std::fs::write(&path, "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a6978\n").unwrap();
    path
}

#[test]
fn a_class_is_graded_into_csv_and_json() {
    let class = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("class");
    let _ = std::fs::remove_dir_all(&class);
    let solutions = Path::new(env!("CARGO_MANIFEST_DIR")).join("instructor/solutions");
    // aigerim solved consumer_lag, in an exercises/ folder; bolat handed in the stub.
    common::copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises"), &class.join("aigerim/exercises"));
    std::fs::copy(solutions.join("consumer_lag.rs"), class.join("aigerim/exercises/06_consumer_lag/consumer_lag.rs"))
        .unwrap();
    common::copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("exercises"), &class.join("bolat"));
    std::fs::write(class.join(".DS_Store"), "not a student").unwrap();
    std::fs::create_dir_all(class.join(".git")).unwrap();
    // A student who handed in an archive gets a row saying how to hand in, not no row at all.
    std::fs::write(class.join("dave.zip"), "PK").unwrap();
    // A student folder that is a link to another's work is not graded as its own.
    std::os::unix::fs::symlink(class.join("aigerim"), class.join("copycat")).unwrap();
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("class-grades");
    let secret = secret_file();
    let o = streamlab(&[
        "grade",
        "--class",
        class.to_str().unwrap(),
        "--exercise",
        "consumer_lag",
        "--secret-file",
        secret.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("[4/4]"), "progress on stderr: {}", text(&o.stderr));
    let csv = std::fs::read_to_string(out.join("scores.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[..3],
        [
            "student,score,max_score,partitioner,range_assignor,window_assigner,watermark,fraud_rule,consumer_lag,microbatch_planner,idempotent_dedup,attack_rule,measurements,concepts,error",
            "\"aigerim\",4,4,,,,,,4,,,,,,",
            "\"bolat\",0,4,,,,,,0,,,,,,",
        ]
    );
    assert!(
        rows[3].starts_with("\"copycat\",,,")
            && rows[3].ends_with("copycat is a symbolic link: hand in the file or folder itself\""),
        "{}",
        rows[3]
    );
    assert!(
        rows[4].starts_with("\"dave.zip\",,,")
            && rows[4].ends_with("dave.zip is a file, not a folder: unpack it into a folder named by the student id\""),
        "{}",
        rows[4]
    );
    assert_eq!(rows.len(), 5, "no row for a hidden file: {csv}");
    // Each graded student's own report, to hand back (text by default, as --format says).
    let report = std::fs::read_to_string(out.join("students/bolat.txt")).unwrap();
    assert!(report.starts_with("student: bolat\n") && report.contains("consumer_lag"), "{report}");
    assert!(!out.join("students/copycat.txt").exists(), "a student not graded has no report");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("scores.json")).unwrap()).unwrap();
    assert!(json["mode"].as_str().unwrap().starts_with("graded"));
    assert_eq!(json["students"][0]["student"], "aigerim");
    assert_eq!(json["students"][1]["exercises"][0]["checks"].as_array().unwrap().len(), 3);
    let o = streamlab(&["grade", "--class", "/no/such/class", "--secret-file", secret.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    // Without the secret, or with no key to grade concepts by, the class is refused before anyone is graded.
    let o = streamlab(&["grade", "--class", class.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("grading a class needs the instructor's secret"), "{}", text(&o.stderr));
    let empty = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("class-no-instructor");
    std::fs::create_dir_all(&empty).unwrap();
    let (class, secret, empty) = (class.to_str().unwrap(), secret.to_str().unwrap(), empty.to_str().unwrap());
    let o = streamlab(&["grade", "--class", class, "--secret-file", secret, "--instructor", empty]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("has no concepts.sealed.toml") && !text(&o.stderr).contains("[1/4]"));
}

#[test]
fn the_gradescope_package_holds_the_autograder() {
    let zip = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("autograder.zip");
    let o = streamlab(&["grade", "--package-gradescope", zip.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "the package needs the secret");
    let secret = secret_file();
    let package = |instructor: &Path| {
        let (zip, secret) = (zip.to_str().unwrap(), secret.to_str().unwrap());
        streamlab(&[
            "grade",
            "--package-gradescope",
            zip,
            "--secret-file",
            secret,
            "--instructor",
            instructor.to_str().unwrap(),
        ])
    };
    // The package carries the sealed key only, so the instructor seals it first.
    let instructor = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("package-instructor");
    let _ = std::fs::remove_dir_all(&instructor);
    let o = package(&instructor);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("--seal-concepts"), "{}", text(&o.stderr));
    let args = ["grade", "--seal-concepts", "instructor/concepts.toml", "--instructor", instructor.to_str().unwrap()];
    let o = streamlab(&[&args[..], &["--secret-file", secret.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = package(&instructor);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let bytes = std::fs::read(&zip).unwrap();
    // The end-of-central-directory record: 5 entries.
    let end = &bytes[bytes.len() - 22..];
    assert_eq!(&end[..4], b"PK\x05\x06");
    assert_eq!(u16::from_le_bytes([end[10], end[11]]), 5);
    let text = String::from_utf8_lossy(&bytes);
    for name in ["setup.sh", "run_autograder", "streamlab", "secret", "instructor/concepts.sealed.toml"] {
        assert!(text.contains(name), "{name}");
    }
    assert!(!text.contains("the 5V adds two more characteristics"), "the plain key stays out");
    assert!(text.contains("apt-get install -y -qq bubblewrap") && text.contains("rustup"));
    assert!(text.contains("--gradescope-metadata /autograder/submission_metadata.json"));
    // run_autograder's student id comes from Gradescope's metadata.
    let meta = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("submission_metadata.json");
    std::fs::write(&meta, r#"{"users": [{"email": "a@kaznu.kz", "sid": "210103042"}]}"#).unwrap();
    let o = streamlab(&[
        "grade",
        "--gradescope-metadata",
        meta.to_str().unwrap(),
        "--exercise",
        "concepts",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["student"], "210103042");
}
