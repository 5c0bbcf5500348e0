//! Every lab runs, says what it measured (snapshots of figure data once, and of the words per language),
//! its claims hold, and its drawings are the committed bytes.

use serde_json::Value;
use std::sync::OnceLock;
use streamlab_labs::chart::Variant;
use streamlab_labs::lab::LabReport;
use streamlab_labs::text::Lang;
use streamlab_labs::{LABS, review};

fn reports() -> &'static Vec<LabReport> {
    static REPORTS: OnceLock<Vec<LabReport>> = OnceLock::new();
    REPORTS.get_or_init(|| {
        LABS.iter().map(|(id, _, run)| run(None, None, &mut |_| {}).unwrap_or_else(|e| panic!("{id}: {e}"))).collect()
    })
}

fn results(id: &str) -> &'static Value {
    &reports().iter().find(|r| r.id == id).expect("lab ran").results
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("a number: {v}"))
}

/// The y of the point at x in a `[[x, y], ...]` array.
fn y_at(points: &Value, x: f64) -> f64 {
    points
        .as_array()
        .unwrap()
        .iter()
        .find(|p| num(&p[0]) == x)
        .map(|p| num(&p[1]))
        .unwrap_or_else(|| panic!("no x = {x}"))
}

/// The element of an array of objects whose `key` is `value`.
fn find<'a>(v: &'a Value, key: &str, value: &str) -> &'a Value {
    v.as_array().unwrap().iter().find(|e| e[key] == value).unwrap_or_else(|| panic!("no {key} = {value}"))
}

#[test]
fn figure_data_once_and_words_per_language_are_what_students_see() {
    for r in reports() {
        insta::assert_snapshot!(format!("{}-data", r.id), r.data_text());
        for lang in Lang::ALL {
            insta::assert_snapshot!(format!("{}-{}", r.id, lang.code()), r.words_text(lang));
        }
    }
}

#[test]
fn batch_waits_half_its_schedule_plus_startup_while_the_engines_take_seconds() {
    let e = &results("batch-vs-stream")["engines"];
    let p50 = |name: &str| num(&find(e, "engine", name)["latency_ms"]["p50_ms"]);
    // A job every minute with a 15 s start-up: the median record waits half a minute for its run, then the
    // start-up (about 45 s). A run shorter than one schedule would make every record wait for the first.
    assert!((40_000.0..55_000.0).contains(&p50("batch")), "batch p50 {} ms, about 45 s", p50("batch"));
    assert!(
        p50("flink") < 1000.0 && p50("spark") < 5000.0,
        "engines within seconds: {} {}",
        p50("flink"),
        p50("spark")
    );
}

#[test]
fn spark_latency_grows_with_the_trigger_and_an_overloaded_query_overruns() {
    let r = results("spark");
    let p50: Vec<f64> = r["latency_p50_ms_vs_trigger_ms"].as_array().unwrap().iter().map(|p| num(&p[1])).collect();
    assert!(p50.windows(2).all(|w| w[0] < w[1]), "{p50:?}");
    let max = &r["max_latency_ms_vs_load"];
    assert!(y_at(max, 1.6) > 10.0 * y_at(max, 0.1), "an overloaded query falls behind: {max}");
    let overrun = &r["batches_overrun"];
    assert!(num(&overrun["overload"]) > num(&overrun["light"]), "{overrun}");
}

#[test]
fn one_failure_loses_acknowledged_records_with_acks_0_and_1_and_none_with_acks_all() {
    let lost = &results("kafka")["lost_by_acks_and_min_insync"];
    for e in lost.as_array().unwrap() {
        let l = num(&e["lost"]);
        match e["acks"].as_str().unwrap() {
            "acks=all" => assert_eq!(l, 0.0, "{e}"),
            _ => assert!(l > 0.0, "{e}"),
        }
    }
}

#[test]
fn consumers_beyond_the_partition_count_sit_idle() {
    let by = &results("kafka")["delivered_per_s_vs_consumers"];
    let on = |partitions: u64| &by.as_array().unwrap().iter().find(|e| e["partitions"] == partitions).expect("swept")["points"];
    // Two partitions: two consumers deliver as much as eight.
    assert!((y_at(on(2), 8.0) - y_at(on(2), 2.0)).abs() < 0.05 * y_at(on(2), 2.0), "{}", on(2));
    assert!(y_at(on(2), 2.0) > 1.8 * y_at(on(2), 1.0), "{}", on(2));
    // Eight partitions: eight consumers deliver far more than two.
    assert!(y_at(on(8), 8.0) > 3.0 * y_at(on(8), 2.0), "{}", on(8));
    // One partition carries what a real one does, 10^4 to 10^5 records/s, and no more with more consumers.
    assert!((10_000.0..100_000.0).contains(&y_at(on(1), 1.0)), "{}", on(1));
    assert!((y_at(on(1), 8.0) - y_at(on(1), 1.0)).abs() < 0.05 * y_at(on(1), 1.0), "{}", on(1));
    // The assignor leaves every consumer beyond the partition count without a partition.
    let idle = |partitions: u64| {
        let e = by.as_array().unwrap().iter().find(|e| e["partitions"] == partitions).expect("swept");
        y_at(&e["idle_consumers"], 8.0)
    };
    assert_eq!((idle(1), idle(2), idle(4), idle(8)), (7.0, 6.0, 4.0, 0.0));
}

#[test]
fn the_lag_rises_after_the_crash_and_the_rebalance_follows_the_session_timeout() {
    let c = &results("kafka")["consumer_crash"];
    assert!(num(&c["max_lag"]) > 100.0, "{c}");
    // The consumer fails at 8 s; the coordinator's 10 s session timer restarted at its last heartbeat
    // (every 3 s), so the rebalance starts between 15 s and 18 s.
    let start = num(&c["session_timeout_at_ms"]);
    assert!((15_000.0..=18_000.0).contains(&start), "{c}");
}

#[test]
fn batching_puts_more_records_in_each_request() {
    let per = &find(&results("kafka")["records_per_request_vs_linger"], "acks", "acks=1")["points"];
    assert!(y_at(per, 20.0) > 3.0 * y_at(per, 0.0), "{per}");
}

#[test]
fn flink_per_record_latency_is_far_below_sparks_and_windows_dominate_both() {
    let r = results("flink-vs-spark");
    let p50 = |name: &str| num(&find(&r["per_record"], "engine", name)["latency_ms"]["p50_ms"]);
    assert!(p50("flink") * 5.0 < p50("spark"), "flink {} ms vs spark {} ms", p50("flink"), p50("spark"));
    let w = |name: &str| {
        let by = r["p50_ms_vs_window_s"].as_array().unwrap().iter().find(|e| e[0] == name).expect("engine");
        y_at(&by[1], 30.0)
    };
    let (f30, s30) = (w("flink"), w("spark"));
    assert!(f30 > 10_000.0 && s30 > 10_000.0 && (s30 - f30).abs() < 0.2 * s30, "30 s windows: {f30} vs {s30}");
}

#[test]
fn watermarks_trade_late_records_for_latency_and_exactly_once_has_no_duplicates() {
    let r = results("flink");
    let (late, lat) = (&r["late_records_vs_watermark_delay_ms"], &r["latency_p50_ms_vs_watermark_delay_ms"]);
    assert!(y_at(late, 0.0) > y_at(late, 2000.0) && y_at(lat, 0.0) < y_at(lat, 2000.0), "{late} {lat}");
    assert!(num(&r["late_records_in_replayed_trace"]) > 0.0);
    for p in r["duplicates_vs_checkpoint_ms_exactly_once"].as_array().unwrap() {
        assert_eq!(num(&p[1]), 0.0);
    }
    assert!(y_at(&r["duplicates_vs_checkpoint_ms_at_least_once"], 10_000.0) > 0.0);
}

#[test]
fn review_cards_open_with_the_answer_then_a_captioned_headline_in_both_languages() {
    let dir = std::env::temp_dir().join(format!("streamlab-review-{}", std::process::id()));
    let written = review::write_cards(reports(), &dir, &Lang::ALL, " --seed 7").unwrap();
    assert_eq!(written.len(), 12);
    for q in 1..=6 {
        for lang in Lang::ALL {
            let card = std::fs::read_to_string(dir.join(format!("q{q}/card.{}.md", lang.code()))).unwrap();
            assert!(card.contains(" --seed 7`"), "q{q}: the commands repeat the run's flags: {card}");
            let paragraphs: Vec<&str> = card.split("\n\n").collect();
            let answer = paragraphs[1];
            let sentences = answer.matches(". ").count() + 1;
            assert!((2..=5).contains(&sentences) && answer.chars().any(|c| c.is_ascii_digit()), "q{q}: {answer}");
            assert!(paragraphs[2].contains(&format!("headline.{}.svg", lang.code())), "q{q}: {}", paragraphs[2]);
            assert!(paragraphs[3].starts_with('_') && paragraphs[3].ends_with('_'), "q{q}: caption {}", paragraphs[3]);
            for ext in ["svg", "narrow.svg", "png"] {
                assert!(dir.join(format!("q{q}/headline.{}.{ext}", lang.code())).exists(), "q{q} {ext}");
            }
        }
    }
    let q2 = std::fs::read_to_string(dir.join("q2/card.en.md")).unwrap();
    let flink = num(&find(&results("batch-vs-stream")["engines"], "engine", "flink")["latency_ms"]["p50_ms"]);
    let shown = streamlab_labs::chart::Unit::Ms.format(flink, Lang::En);
    assert!(q2.contains(&shown), "the card quotes the run ({shown}): {q2}");
    let kk = std::fs::read_to_string(dir.join("q4/card.kk.md")).unwrap();
    assert!(kk.contains("Spark Streaming қалай жұмыс істейді?"));
    // Q5's answer quotes what each sink mode emitted after the flink lab's failure.
    let after = &results("flink")["after_failure_checkpoint_10s"];
    for lang in Lang::ALL {
        let card = std::fs::read_to_string(dir.join(format!("q5/card.{}.md", lang.code()))).unwrap();
        let answer = card.split("\n\n").nth(1).unwrap();
        for mode in ["at_least_once", "exactly_once"] {
            for what in ["results", "duplicates"] {
                let shown = streamlab_labs::chart::Unit::Count.format(num(&after[mode][what]), lang);
                assert!(answer.contains(&shown), "q5 {lang:?} quotes {mode} {what} ({shown}): {answer}");
            }
        }
    }
    assert_eq!(after["exactly_once"]["duplicates"], 0, "exactly-once emits no duplicate after the failure");
}

/// FNV-1a, 64 bits: a stable fingerprint of a drawing's bytes.
fn fnv(bytes: &[u8]) -> String {
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    format!("{h:016x}")
}

/// The drawings are pinned by hashes committed in the snapshot: a drawing that changes between
/// processes, machines or versions fails here.
#[test]
fn drawings_match_their_committed_hashes() {
    let mut lines = Vec::new();
    for r in reports() {
        for f in r.all_figures() {
            for lang in Lang::ALL {
                let wide = f.svg(lang, Variant::Wide).unwrap();
                let narrow = f.svg(lang, Variant::Narrow).unwrap();
                let png = f.png(lang).unwrap();
                assert!(png.len() > 10_000, "{} {}: the PNG has drawn text and lines", f.id, lang.code());
                lines.push(format!(
                    "{}/{} {}: svg {} narrow {} png {}",
                    r.id,
                    f.id,
                    lang.code(),
                    fnv(wide.as_bytes()),
                    fnv(narrow.as_bytes()),
                    fnv(&png)
                ));
            }
        }
    }
    insta::assert_snapshot!("drawing-hashes", lines.join("\n"));
}

#[test]
fn committed_datasets_equal_the_generated_ones() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets");
    for d in streamlab_labs::datasets::DATASETS {
        let name = d.name;
        let committed = std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("datasets/{name}: {e}; run `streamlab dataset gen`"));
        assert!(committed == d.generate(), "datasets/{name} differs from the generator: run `streamlab dataset gen`");
    }
    // And no committed data set is left without its generator.
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "README.md")
        .collect();
    files.sort();
    assert_eq!(files, streamlab_labs::datasets::DATASETS.iter().map(|d| d.name).collect::<Vec<_>>());
}

/// A lab run on a changed scenario says only what its runs measured.
mod changed_scenarios {
    use super::*;
    use streamlab_sim::Scenario;
    use streamlab_sim::dist::DistSpec;
    use streamlab_sim::engine::TimeDomain;

    fn run(id: &str, change: impl Fn(&mut Scenario)) -> Result<LabReport, streamlab_labs::error::LabError> {
        let text = streamlab_labs::scenarios::find(id).expect("built in");
        let mut s = Scenario::from_toml(text).unwrap();
        change(&mut s);
        let (_, _, lab) = LABS.iter().find(|(lab, _, _)| *lab == id).expect("a lab");
        lab(None, Some(&s), &mut |_| {})
    }

    #[test]
    fn the_seed_given_replaces_a_given_scenarios() {
        let mut s = Scenario::from_toml(streamlab_labs::scenarios::find("spark").unwrap()).unwrap();
        s.run.seed = 3;
        assert_eq!(streamlab_labs::lab::lab_base("spark", Some(5), Some(&s)).run.seed, 5);
        assert_eq!(streamlab_labs::lab::lab_base("spark", None, Some(&s)).run.seed, 3);
    }

    #[test]
    fn a_failure_the_input_ends_before_is_refused_naming_the_key() {
        let e = run("spark", |s| s.run.duration_ms = 8000).err().expect("refused");
        assert!(e.is_bad_input(), "{e}");
        assert!(e.to_string().contains("set run.duration_ms above 10000"), "{e}");
    }

    /// The labs measure micro-batches: a continuous query is refused with the key to set, in every lab that
    /// runs Spark (two of them said only "the spark engine did not run").
    #[test]
    fn spark_in_continuous_mode_is_refused_naming_the_key() {
        for id in ["spark", "flink-vs-spark", "applications", "batch-vs-stream"] {
            let e = run(id, |s| {
                s.spark.mode = streamlab_sim::engine::spark::SparkMode::Continuous;
                s.pipeline.as_mut().unwrap().window = streamlab_sim::engine::window::WindowSpec::None;
            })
            .err()
            .expect("refused");
            assert!(e.is_bad_input() && e.to_string().contains("set spark.mode = \"micro_batch\""), "{id}: {e}");
        }
    }

    #[test]
    fn spark_with_a_trigger_of_0_runs_its_batches_back_to_back() {
        let r = run("spark", |s| s.spark.trigger_ms = 0).unwrap();
        assert!(r.answer.get(Lang::En).contains("(here back to back,"), "{}", r.answer.get(Lang::En));
    }

    #[test]
    fn a_group_that_delivers_nothing_in_the_measured_seconds_measures_0_and_does_not_panic() {
        // Kafka's default initial rebalance delay (3 s) outlasts the group runs (3 s).
        let r = run("kafka", |s| s.consumer_group.initial_rebalance_delay_ms = 3000).unwrap();
        let by = &r.results["delivered_per_s_vs_consumers"];
        assert_eq!(y_at(&by[0]["points"], 1.0), 0.0, "{by}");
    }

    #[test]
    fn bigdata_shorter_than_a_bucket_is_refused_naming_the_keys() {
        let e = run("bigdata", |s| s.run.duration_ms = 1000).err().expect("refused");
        assert!(e.is_bad_input() && e.to_string().contains("raise run.duration_ms or lower run.bucket_ms"), "{e}");
    }

    #[test]
    fn flink_on_processing_time_states_its_numbers_without_a_trade_off() {
        let r = run("flink", |s| s.pipeline.as_mut().unwrap().time = TimeDomain::Processing).unwrap();
        let answer = r.answer.get(Lang::En);
        assert!(answer.contains("Raising the bounded out-of-orderness from 0 to 2 s: late records 0 → 0"), "{answer}");
        assert!(!answer.contains("cuts late records"), "{answer}");
    }

    #[test]
    fn a_batch_job_faster_than_spark_is_called_faster() {
        let r = run("batch-vs-stream", |s| {
            s.batch.interval_ms = 5000;
            s.batch.startup = DistSpec::Constant { ms: 500.0 };
            s.spark.trigger_ms = 20_000;
        })
        .unwrap();
        let answer = r.answer.get(Lang::En);
        assert!(answer.contains("times less than Spark's"), "{answer}");
    }
}
