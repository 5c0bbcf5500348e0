//! The course text as students use it: every `streamlab replay`, `exercise show`, `lab` and `kafka`
//! command in the chapters works as written, the step-by-step traces show what the chapters say they
//! show, and every lab chapter quotes the lecture, shows a mechanism step by step, asks for a prediction
//! before its charts and ends with its exercises.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `streamlab` from the repository root, as the chapters assume; returns stdout.
fn streamlab(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_streamlab")).args(args).current_dir(root()).output().unwrap();
    assert!(o.status.success(), "streamlab {}: {}", args.join(" "), String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// Every `streamlab ...` command in the chapters, from code blocks and inline code, without comments.
fn book_commands() -> Vec<String> {
    let mut out = Vec::new();
    for lang in ["kk", "en"] {
        let mut pages: Vec<_> = std::fs::read_dir(root().join("book").join(lang).join("src"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        pages.sort();
        for page in pages {
            let text = std::fs::read_to_string(&page).unwrap();
            for line in text.lines() {
                let line = line.split(" # ").next().unwrap();
                let starts = line.match_indices("streamlab ").map(|(i, _)| i);
                for i in starts.filter(|&i| i == 0 || line[..i].ends_with('`')) {
                    let cmd = line[i..].split('`').next().unwrap().trim().to_string();
                    if !out.contains(&cmd) {
                        out.push(cmd);
                    }
                }
            }
        }
    }
    out
}

fn rows(csv: &str, kind: &str) -> usize {
    csv.lines().filter(|l| l.split(',').nth(1) == Some(kind)).count()
}

#[test]
fn every_replay_exercise_and_kafka_command_in_the_book_runs() {
    let commands = book_commands();
    let mut ran = 0;
    for cmd in &commands {
        let args: Vec<&str> = cmd.split_whitespace().skip(1).map(|a| if a == "ID" { "s1" } else { a }).collect();
        // Fast commands only: the labs and full runs are exercised by the lab and site tests.
        let fast = matches!(args.first(), Some(&"replay"))
            || (args.first() == Some(&"exercise") && args.get(1) == Some(&"show"))
            || matches!(args.get(..2), Some(["kafka", "partition"] | ["kafka", "assign"]));
        if fast {
            assert!(!streamlab(&args).is_empty(), "`{cmd}` printed nothing");
            ran += 1;
        }
    }
    assert!(ran >= 20, "the chapters show replay, exercise and kafka commands: found {ran} in {commands:?}");
}

#[test]
fn every_lab_the_book_names_exists() {
    let list = streamlab(&["lab", "list"]);
    let labs: Vec<&str> = list.lines().filter_map(|l| l.split_whitespace().next()).collect();
    for cmd in book_commands() {
        if let Some(lab) = cmd.strip_prefix("streamlab lab ").and_then(|r| r.split_whitespace().next()) {
            assert!(labs.contains(&lab), "`{cmd}`: no lab {lab} in {labs:?}");
        }
    }
}

#[test]
fn late_trace_drops_one_record_on_flink_unless_lateness_allows_it() {
    let run = |extra: &[&str]| {
        let base = ["replay", "--window", "tumbling:10s", "--watermark-delay", "1s", "book/traces/late.csv"];
        streamlab(&[&base[..1], extra, &base[1..]].concat())
    };
    let flink = run(&["--engine", "flink"]);
    assert_eq!(rows(&flink, "late"), 1, "{flink}");
    let lenient = run(&["--engine", "flink", "--allowed-lateness", "2s"]);
    assert_eq!(rows(&lenient, "late"), 0, "{lenient}");
    assert!(lenient.contains("flink,window,0,10000,a,4,4,"), "the late click updates its window: {lenient}");
    // Spark's watermark moves at the end of a micro-batch: the same click is still counted.
    let spark = run(&["--engine", "spark"]);
    assert_eq!(rows(&spark, "late"), 0, "{spark}");
    assert!(spark.contains("spark,window,0,10000,a,4,4,"), "{spark}");
}

#[test]
fn watermark_interval_trace_shows_why_small_delays_give_the_same_results() {
    let run = |delay: &str, interval: &str| {
        streamlab(&[
            "replay",
            "--engine",
            "flink",
            "--window",
            "tumbling:1s",
            "--watermark-delay",
            delay,
            "--watermark-interval",
            interval,
            "book/traces/watermark-interval.csv",
        ])
    };
    // The same rows; only the watermark_ms column (the last) shows the two delays.
    let rows_only = |csv: String| csv.lines().map(|l| l.rsplit_once(',').unwrap().0.to_string()).collect::<Vec<_>>();
    assert_eq!(
        rows_only(run("0s", "200ms")),
        rows_only(run("100ms", "200ms")),
        "one 200 ms tick fires the window for both delays"
    );
    let every_record = run("0s", "0s");
    assert_eq!(rows(&every_record, "late"), 1, "{every_record}");
    assert_ne!(every_record, run("100ms", "0s"), "without the interval the delays differ");
}

#[test]
fn every_lab_chapter_quotes_the_lecture_shows_a_mechanism_and_asks_for_predictions_before_its_charts() {
    let headings = [
        ("en", "## What the lecture says", "## Step by step", "## Predict, then run", "## Exercises"),
        ("kk", "## Дәріс не дейді", "## Қадам-қадаммен", "## Алдымен болжаңыз, сосын іске қосыңыз", "## Жаттығулар"),
    ];
    for (lang, lecture, steps, predict, exercises) in headings {
        let dir = root().join("book").join(lang).join("src");
        let mut chapters = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let page = entry.unwrap().path();
            if page.extension().is_none_or(|x| x != "md") {
                continue;
            }
            let text = std::fs::read_to_string(&page).unwrap();
            let Some(charts) = text.find("{{#include generated/") else { continue };
            if text.contains("generated/review.md") {
                continue; // the review cards are answers, not charts
            }
            chapters += 1;
            let name = page.display();
            let at = |h: &str| text.find(h).unwrap_or_else(|| panic!("{name}: no `{h}` section"));
            assert!(at(lecture) < at(steps), "{name}: the lecture comes first");
            assert!(text[at(steps)..at(predict)].contains("streamlab "), "{name}: a command to follow step by step");
            assert!(at(steps) < at(predict), "{name}: the mechanism, then the prompts");
            assert!(at(predict) < charts, "{name}: the prompts come before the charts");
            assert!(text[at(predict)..charts].contains("\n1. "), "{name}: numbered prompts");
            assert!(charts < at(exercises), "{name}: the exercises follow the lab");
            assert!(text[at(exercises)..].contains("streamlab exercise show "), "{name}: exercise commands");
        }
        assert_eq!(chapters, 7, "{lang}: the seven lab chapters");
    }
}

#[test]
fn trips_trace_makes_sessions_that_merge_as_the_gap_grows() {
    let run = |gap: &str| {
        let window = format!("session:{gap}");
        let args = ["replay", "--engine", "flink", "--window", &window, "--watermark-delay", "500ms"];
        streamlab(&[&args[..], &["book/traces/trips.csv"]].concat())
    };
    let short = run("2s");
    assert!(short.contains("flink,window,1000,4600,car1,3,3,"), "car1's first three positions are one trip: {short}");
    assert_eq!(rows(&short, "window"), 6, "{short}");
    let long = run("5s");
    assert_eq!(rows(&long, "window"), 3, "a longer gap merges trips: {long}");
}
