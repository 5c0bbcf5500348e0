//! Every lab runs, says what it measured (snapshots of summaries and chart data), and its claims hold.

use std::sync::OnceLock;
use streamlab_labs::lab::LabReport;
use streamlab_labs::text::Lang;
use streamlab_labs::{LABS, review};

fn reports() -> &'static Vec<LabReport> {
    static REPORTS: OnceLock<Vec<LabReport>> = OnceLock::new();
    REPORTS.get_or_init(|| {
        LABS.iter().map(|(id, _, run)| run(None, None, &mut |_| {}).unwrap_or_else(|e| panic!("{id}: {e}"))).collect()
    })
}

fn report(id: &str) -> &'static LabReport {
    reports().iter().find(|r| r.id == id).expect("lab ran")
}

fn num(v: &serde_json::Value) -> f64 {
    v.as_f64().expect("a number")
}

#[test]
fn summaries_and_chart_data_are_what_students_see() {
    for r in reports() {
        for lang in Lang::ALL {
            let text = format!("{}\n{}", r.summary_text(lang), r.charts_text(lang));
            insta::assert_snapshot!(format!("{}-{}", r.id, lang.code()), text);
        }
    }
}

#[test]
fn batch_takes_minutes_while_the_engines_take_seconds() {
    let e = &report("batch-vs-stream").results["engines"];
    let p50 = |i: usize| num(&e[i]["latency_ms"]["p50_ms"]);
    assert_eq!(e[2]["engine"], "batch");
    assert!(p50(2) >= 60_000.0, "batch p50 {} ms is at least a minute", p50(2));
    assert!(p50(0) < 1000.0 && p50(1) < 5000.0, "engines within seconds: {} {}", p50(0), p50(1));
}

#[test]
fn spark_latency_grows_with_the_trigger_interval() {
    let pts = report("spark").results["latency_p50_ms_vs_trigger_ms"].as_array().unwrap().clone();
    let p50: Vec<f64> = pts.iter().map(|p| num(&p[1])).collect();
    assert!(p50.windows(2).all(|w| w[0] < w[1]), "{p50:?}");
    let backlog: Vec<f64> =
        report("spark").results["max_latency_ms_vs_load"].as_array().unwrap().iter().map(|p| num(&p[1])).collect();
    assert!(backlog[4] > 10.0 * backlog[0], "an overloaded query falls behind: {backlog:?}");
}

#[test]
fn acks_all_loses_nothing_while_acks_1_loses_acknowledged_records() {
    let f = &report("kafka").results["broker_failure"];
    assert_eq!(num(&f["acks_all"]["lost"]), 0.0);
    assert!(num(&f["acks_1"]["lost"]) > 0.0);
    let tput: Vec<f64> =
        report("kafka").results["throughput_vs_partitions"].as_array().unwrap().iter().map(|p| num(&p[1])).collect();
    assert!(tput.windows(2).all(|w| w[0] < w[1]), "more partitions, more throughput: {tput:?}");
}

#[test]
fn flink_per_record_latency_is_far_below_sparks_and_windows_dominate_both() {
    let r = &report("flink-vs-spark").results;
    let f = num(&r["per_record"][0]["latency_ms"]["p50_ms"]);
    let s = num(&r["per_record"][1]["latency_ms"]["p50_ms"]);
    assert!(f * 5.0 < s, "flink {f} ms vs spark {s} ms");
    let w = &r["p50_ms_vs_window_s"];
    let (f30, s30) = (num(&w[0][1][3][1]), num(&w[1][1][3][1]));
    assert!(f30 > 10_000.0 && s30 > 10_000.0 && (s30 - f30).abs() < 0.2 * s30, "30 s windows: {f30} vs {s30}");
}

#[test]
fn watermarks_trade_late_records_for_latency_and_exactly_once_has_no_duplicates() {
    let r = &report("flink").results;
    let late: Vec<f64> =
        r["late_records_vs_watermark_delay_ms"].as_array().unwrap().iter().map(|p| num(&p[1])).collect();
    let lat: Vec<f64> =
        r["latency_p50_ms_vs_watermark_delay_ms"].as_array().unwrap().iter().map(|p| num(&p[1])).collect();
    assert!(late.first() > late.last() && lat.first() < lat.last(), "{late:?} {lat:?}");
    for p in r["exactly_once_p50_ms_and_duplicates"].as_array().unwrap() {
        assert_eq!(num(&p[2]), 0.0);
    }
    assert!(r["duplicates_vs_checkpoint_ms_at_least_once"].as_array().unwrap().iter().any(|p| num(&p[1]) > 0.0));
}

#[test]
fn review_cards_quote_the_runs_in_both_languages() {
    let dir = std::env::temp_dir().join(format!("streamlab-review-{}", std::process::id()));
    let written = review::write_cards(reports(), &dir, &Lang::ALL).unwrap();
    assert_eq!(written.len(), 12);
    let q2 = std::fs::read_to_string(dir.join("q2/card.en.md")).unwrap();
    let p50 = num(&report("batch-vs-stream").results["engines"][0]["latency_ms"]["p50_ms"]);
    assert!(q2.contains(&format!("Flink p50 {p50:.0} ms")), "{q2}");
    assert!(dir.join("q2/latency-cdf.kk.svg").exists());
    let kk = std::fs::read_to_string(dir.join("q4/card.kk.md")).unwrap();
    assert!(kk.contains("Spark Streaming қалай жұмыс істейді?"));
}

#[test]
fn charts_are_byte_for_byte_deterministic() {
    let chart = &report("kafka").charts[0];
    let render = |sub: &str| {
        let dir = std::env::temp_dir().join(format!("streamlab-chart-{}-{sub}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        chart.render(&dir, Lang::Kk).unwrap();
        let svg = std::fs::read(dir.join(format!("{}.kk.svg", chart.id))).unwrap();
        let png = std::fs::read(dir.join(format!("{}.kk.png", chart.id))).unwrap();
        (svg, png)
    };
    let (a, b) = (render("a"), render("b"));
    assert_eq!(a, b);
    assert!(a.1.len() > 10_000, "the PNG has drawn text and lines");
}

#[test]
fn committed_datasets_equal_the_generated_ones() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets");
    for (name, _, text) in streamlab_labs::datasets::generate() {
        let committed = std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("datasets/{name}: {e}; run `streamlab dataset gen`"));
        assert!(committed == text, "datasets/{name} differs from the generator: run `streamlab dataset gen`");
    }
}
