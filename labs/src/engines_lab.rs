//! The engine labs: `batch-vs-stream` (section 3), `spark` (section 5), `flink` (section 6) and
//! `flink-vs-spark` (the section 6 table). All vary the `flink-vs-spark` scenario: the same clicks
//! through Kafka into the engines, so every difference comes from the engines' mechanisms.

use crate::chart::{Axis, Chart, Series};
use crate::lab::{LabReport, engine_base, run_world};
use crate::t;
use serde_json::json;
use streamlab_sim::Scenario;
use streamlab_sim::engine::flink::SinkMode;
use streamlab_sim::engine::window::WindowSpec;
use streamlab_sim::engine::{EngineSummary, TimeDomain};
use streamlab_sim::report::Results;
use streamlab_sim::scenario::{EngineKind, Fault};

/// An engine's summary and its latency CDF (ms, fraction of records).
type EngineRun = (EngineSummary, Vec<(f64, f64)>);

/// Runs the scenario; returns each engine's summary and latency CDF.
fn engines(s: &Scenario) -> Result<Vec<EngineRun>, String> {
    let w = run_world(s)?;
    let r = Results::of(&w);
    Ok(r.engines
        .into_iter()
        .zip(&w.engines)
        .map(|(sum, e)| {
            (sum, e.metrics().latency.cdf_points().into_iter().map(|(t, f)| (t.as_millis_f64(), f)).collect())
        })
        .collect())
}

fn only(s: &Scenario, kinds: &[EngineKind]) -> Scenario {
    let mut s = s.clone();
    s.engines = kinds.to_vec();
    s
}

fn pipe(s: &mut Scenario) -> &mut streamlab_sim::engine::PipelineConfig {
    s.pipeline.as_mut().expect("the engine labs' scenario has a pipeline")
}

fn thin(cdf: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    // Keep at most ~60 points of a CDF: charts stay small and snapshots readable.
    let step = (cdf.len() / 60).max(1);
    cdf.iter().enumerate().filter(|(i, _)| i % step == 0 || *i == cdf.len() - 1).map(|(_, p)| *p).collect()
}

fn cdf_chart(id: &str, title: crate::text::Text, runs: &[EngineRun]) -> Chart {
    Chart {
        id: id.into(),
        title,
        x: Axis { label: t!("кідіріс, мс (логарифмдік)", "latency, ms (log scale)"), log: true },
        y: Axis { label: t!("жазбалар үлесі", "fraction of records"), log: false },
        series: runs
            .iter()
            .map(|(e, cdf)| Series { name: t!("{}", "{}", e.engine), points: thin(cdf.clone()) })
            .collect(),
    }
}

pub fn batch_vs_stream(
    seed: Option<u64>,
    scenario: Option<&Scenario>,
    progress: &mut dyn FnMut(&str),
) -> Result<LabReport, String> {
    progress("stream and batch on the same clicks");
    let s = only(
        &engine_base("batch-vs-stream", seed, scenario)?,
        &[EngineKind::Flink, EngineKind::Spark, EngineKind::Batch],
    );
    let runs = engines(&s)?;
    let p50 = |i: usize| runs[i].0.latency_ms.p50_ms;
    let summary = vec![
        t!(
            "Бір деректер: Flink p50 {:.0} мс, Spark p50 {:.0} мс, пакеттік (batch) жұмыс p50 {:.0} мс ({:.1} мин).",
            "The same data: Flink p50 {:.0} ms, Spark p50 {:.0} ms, the batch job p50 {:.0} ms ({:.1} min).",
            p50(0),
            p50(1),
            p50(2),
            p50(2) / 60_000.0
        ),
        t!(
            "YouTube қаралым санағы сияқты есептер үшін ағындық өңдеу секундтар береді; логтарды талдау сияқты есептерге пакеттік өңдеу жеткілікті.",
            "Stream processing answers YouTube-style view counts within seconds; batch is enough for log analysis that can wait minutes."
        ),
    ];
    Ok(LabReport {
        id: "batch-vs-stream",
        title: t!("3-зертхана. Stream Processing vs Batch Processing", "Lab 3. Stream processing vs batch processing"),
        scenario: "batch-vs-stream",
        results: json!({ "engines": runs.iter().map(|r| &r.0).collect::<Vec<_>>() }),
        charts: vec![cdf_chart("latency-cdf", t!("Кідіріс үлестірімі", "Latency distribution"), &runs)],
        summary,
    })
}

pub fn spark(
    seed: Option<u64>,
    scenario: Option<&Scenario>,
    progress: &mut dyn FnMut(&str),
) -> Result<LabReport, String> {
    let s0 = only(&engine_base("spark", seed, scenario)?, &[EngineKind::Spark]);
    progress("latency vs trigger interval");
    let mut p50 = Vec::new();
    let mut p99 = Vec::new();
    for trigger in [250u64, 500, 1000, 2000, 5000] {
        let mut s = s0.clone();
        s.spark.trigger_ms = trigger;
        let r = &engines(&s)?[0].0;
        p50.push((trigger as f64, r.latency_ms.p50_ms));
        p99.push((trigger as f64, r.latency_ms.p99_ms));
    }
    progress("the micro-batch timeline");
    let mut timeline = Vec::new();
    for (cost_ms, name) in [(0.1, t!("жеңіл жүктеме", "light load")), (1.2, t!("шамадан тыс жүктеме", "overload"))]
    {
        let mut s = s0.clone();
        s.run.duration_ms = 15_000;
        pipe(&mut s).map_cost = streamlab_sim::dist::DistSpec::Constant { ms: cost_ms };
        let w = run_world(&s)?;
        let pts: Vec<(f64, f64)> = w.engines[0]
            .batches()
            .iter()
            .filter(|(start, _, _)| start.as_secs_f64() <= 20.0)
            .map(|(start, end, _)| (start.as_secs_f64(), (*end - *start).as_millis_f64()))
            .collect();
        timeline.push(Series { name, points: pts });
    }
    progress("stability: processing time vs trigger interval");
    let mut backlog = Vec::new();
    for cost_ms in [0.1, 0.4, 0.8, 1.2, 1.6] {
        let mut s = s0.clone();
        pipe(&mut s).map_cost = streamlab_sim::dist::DistSpec::Constant { ms: cost_ms };
        let r = &engines(&s)?[0].0;
        // Each task gets 1000 records/s: the work per second of data is cost x 1000 ms.
        backlog.push((cost_ms * 1000.0 / 1000.0, r.latency_ms.max_ms));
    }
    progress("recovery after a failure");
    let mut s = s0.clone();
    s.faults.push(Fault::EngineFailure { at_ms: 10_000, engine: EngineKind::Spark });
    let failed = &engines(&s)?[0].0;
    let clean = &engines(&s0)?[0].0;
    progress("MLlib streaming k-means on network flows");
    let sets = crate::datasets::generate();
    let flows_csv = &sets.iter().find(|(n, _, _)| *n == "network_flows.csv").expect("generated").2;
    let ids: Vec<(u64, crate::kmeans::Detection)> =
        [250u64, 1000, 5000].iter().map(|&b| (b, crate::kmeans::detect(flows_csv, 4, b, 0.9, 0.15))).collect();
    let ids_1s = &ids[1].1;
    let summary = vec![
        t!(
            "MLlib StreamingKMeans (1 с микроблок): {} шабуылдың {:.0} %-ы белгіленді, дәлдік {:.0} %, орташа {:.0} мс ішінде.",
            "MLlib StreamingKMeans (1 s micro-batches): of {} attacks {:.0} % were flagged, with {:.0} % precision, {:.0} ms after the flow on average.",
            ids_1s.attacks,
            ids_1s.recall * 100.0,
            ids_1s.precision * 100.0,
            ids_1s.time_to_flag_ms
        ),
        t!(
            "Триггер 250 мс: p50 {:.0} мс; триггер 5 с: p50 {:.0} мс — кідіріс микроблок аралығымен бірге өседі.",
            "Trigger 250 ms: p50 {:.0} ms; trigger 5 s: p50 {:.0} ms. Latency grows with the micro-batch interval.",
            p50[0].1,
            p50[4].1
        ),
        t!(
            "Өңдеу уақыты аралықтан асқанда (жүктеме {:.1}) ең үлкен кідіріс {:.0} мс-қа дейін өседі (тұрақсыз).",
            "When processing outlasts the interval (load {:.1}) the maximum latency grows to {:.0} ms: the query is unstable.",
            backlog[4].0,
            backlog[4].1
        ),
        t!(
            "10 с-та ақау: микроблок қайта орындалды, {} қайталама нәтиже; ең үлкен кідіріс {:.0} мс (ақаусыз {:.0} мс).",
            "A failure at 10 s: the batch re-ran, {} duplicate results; max latency {:.0} ms ({:.0} ms without the failure).",
            failed.duplicate_results,
            failed.latency_ms.max_ms,
            clean.latency_ms.max_ms
        ),
    ];
    Ok(LabReport {
        id: "spark",
        title: t!("5-зертхана. Spark Streaming: микроблоктар", "Lab 5. Spark Streaming: micro-batches"),
        scenario: "spark",
        results: json!({
            "latency_p50_ms_vs_trigger_ms": p50, "latency_p99_ms_vs_trigger_ms": p99,
            "max_latency_ms_vs_load": backlog, "failure": failed, "no_failure": clean,
            "streaming_kmeans_by_batch_ms": ids.iter().map(|(b, d)| json!({"batch_ms": b, "detection": d})).collect::<Vec<_>>(),
        }),
        charts: vec![
            Chart {
                id: "latency-vs-trigger".into(),
                title: t!("Кідіріс және триггер аралығы", "Latency vs trigger interval"),
                x: Axis { label: t!("триггер аралығы, мс", "trigger interval, ms"), log: false },
                y: Axis { label: t!("кідіріс, мс", "latency, ms"), log: false },
                series: vec![
                    Series { name: t!("p50", "p50"), points: p50 },
                    Series { name: t!("p99", "p99"), points: p99 },
                ],
            },
            Chart {
                id: "timeline".into(),
                title: t!("Микроблоктар уақыт сызығы (триггер 1 с)", "Micro-batch timeline (trigger 1 s)"),
                x: Axis { label: t!("микроблоктың басталуы, с", "batch start, s"), log: false },
                y: Axis {
                    label: t!("микроблоктың ұзақтығы, мс", "batch duration, ms"), log: false
                },
                series: timeline,
            },
            Chart {
                id: "ids-time-to-flag".into(),
                title: t!("Шабуылды анықтау уақыты (StreamingKMeans)", "Time to flag an attack (StreamingKMeans)"),
                x: Axis { label: t!("микроблок аралығы, мс", "micro-batch interval, ms"), log: true },
                y: Axis { label: t!("орташа уақыт, мс", "mean time to flag, ms"), log: true },
                series: vec![Series {
                    name: t!("белгілеу уақыты", "time to flag"),
                    points: ids.iter().map(|(b, d)| (*b as f64, d.time_to_flag_ms)).collect(),
                }],
            },
            Chart {
                id: "stability".into(),
                title: t!("Тұрақтылық: өңдеу уақыты / аралық", "Stability: processing time / interval"),
                x: Axis {
                    label: t!("бір секунд деректің өңдеу уақыты, с", "processing time per second of data, s"),
                    log: false,
                },
                y: Axis {
                    label: t!("ең үлкен кідіріс, мс (лог.)", "max latency, ms (log)"), log: true
                },
                series: vec![Series { name: t!("max", "max"), points: backlog }],
            },
        ],
        summary,
    })
}

pub fn flink(
    seed: Option<u64>,
    scenario: Option<&Scenario>,
    progress: &mut dyn FnMut(&str),
) -> Result<LabReport, String> {
    let s0 = only(&engine_base("flink", seed, scenario)?, &[EngineKind::Flink]);
    progress("watermark delay vs late records");
    let mut late = Vec::new();
    let mut lat = Vec::new();
    for delay in [0u64, 100, 250, 500, 1000, 2000] {
        let mut s = s0.clone();
        s.flink.watermark_delay_ms = delay;
        let r = &engines(&s)?[0].0;
        late.push((delay as f64, r.late_records as f64));
        lat.push((delay as f64, r.latency_ms.p50_ms));
    }
    progress("event time vs processing time");
    let mut proc = s0.clone();
    pipe(&mut proc).time = TimeDomain::Processing;
    let proc_run = &engines(&proc)?[0].0;
    progress("checkpoint interval vs recovery");
    let mut dups = Vec::new();
    let mut recovery = Vec::new();
    let mut eo = Vec::new();
    for interval in [1000u64, 2000, 5000, 10_000] {
        for sink in [SinkMode::AtLeastOnce, SinkMode::ExactlyOnce] {
            let mut s = s0.clone();
            s.flink.checkpoint_interval_ms = interval;
            s.flink.sink = sink;
            s.faults.push(Fault::EngineFailure { at_ms: 17_500, engine: EngineKind::Flink });
            let r = engines(&s)?.remove(0).0;
            match sink {
                SinkMode::AtLeastOnce => {
                    dups.push((interval as f64, r.duplicate_results as f64));
                    // The slowest record waited through the restart and the replay since the checkpoint.
                    recovery.push((interval as f64, r.latency_ms.max_ms));
                }
                SinkMode::ExactlyOnce => eo.push((interval as f64, r.latency_ms.p50_ms, r.duplicate_results)),
            }
        }
    }
    let summary = vec![
        t!(
            "Су белгісінің (watermark) кідірісі 0 мс: {} кешіккен жазба; 2 с: {} — бірақ p50 кідіріс {:.0} мс-тан {:.0} мс-қа өсті.",
            "Watermark delay 0 ms: {} late records; 2 s: {}. But p50 latency grew from {:.0} ms to {:.0} ms.",
            late[0].1,
            late[5].1,
            lat[0].1,
            lat[5].1
        ),
        t!(
            "Өңдеу уақыты бойынша терезелер кешікпейді ({} кешіккен), бірақ нәтижелер оқиға уақытын көрсетпейді.",
            "Processing-time windows have no late records ({}), but their counts no longer describe when events happened.",
            proc_run.late_records
        ),
        t!(
            "Ақаудан кейін at-least-once: бақылау нүктесі 1 с — {} қайталама, 10 с — {}; exactly-once: {} қайталама, p50 {:.0} мс.",
            "After a failure, at-least-once: checkpoints every 1 s give {} duplicates, every 10 s {}; exactly-once: {} duplicates, p50 {:.0} ms.",
            dups[0].1,
            dups[3].1,
            eo[0].2,
            eo[0].1
        ),
    ];
    Ok(LabReport {
        id: "flink",
        title: t!(
            "6-зертхана. Apache Flink: оқиға уақыты, күй, exactly-once",
            "Lab 6. Apache Flink: event time, state, exactly-once"
        ),
        scenario: "flink",
        results: json!({
            "late_records_vs_watermark_delay_ms": late, "latency_p50_ms_vs_watermark_delay_ms": lat,
            "processing_time_windows": proc_run, "duplicates_vs_checkpoint_ms_at_least_once": dups,
            "exactly_once_p50_ms_and_duplicates": eo, "max_latency_ms_vs_checkpoint_ms": recovery,
        }),
        charts: vec![
            Chart {
                id: "late-vs-watermark".into(),
                title: t!("Су белгісі кідірісі және кешіккен жазбалар", "Watermark delay vs late records"),
                x: Axis { label: t!("су белгісі кідірісі, мс", "watermark delay, ms"), log: false },
                y: Axis { label: t!("кешіккен жазбалар", "late records"), log: false },
                series: vec![Series { name: t!("кешіккен", "late"), points: late }],
            },
            Chart {
                id: "latency-vs-watermark".into(),
                title: t!("Су белгісі кідірісі және нәтиже кідірісі", "Watermark delay vs result latency"),
                x: Axis { label: t!("су белгісі кідірісі, мс", "watermark delay, ms"), log: false },
                y: Axis { label: t!("кідіріс p50, мс", "latency p50, ms"), log: false },
                series: vec![Series { name: t!("p50", "p50"), points: lat }],
            },
            Chart {
                id: "recovery-vs-checkpoint".into(),
                title: t!("Бақылау нүктесі аралығы және қалпына келу", "Checkpoint interval vs recovery"),
                x: Axis {
                    label: t!("бақылау нүктесі аралығы, мс", "checkpoint interval, ms"), log: false
                },
                y: Axis { label: t!("ең үлкен кідіріс, мс", "max latency, ms"), log: false },
                series: vec![Series {
                    name: t!("ақаудан кейін", "after a failure"), points: recovery.clone()
                }],
            },
            Chart {
                id: "duplicates-vs-checkpoint".into(),
                title: t!("Бақылау нүктесі аралығы және қайталамалар", "Checkpoint interval vs duplicates"),
                x: Axis {
                    label: t!("бақылау нүктесі аралығы, мс", "checkpoint interval, ms"), log: false
                },
                y: Axis { label: t!("қайталама нәтижелер", "duplicate results"), log: false },
                series: vec![Series { name: t!("at-least-once", "at-least-once"), points: dups }],
            },
        ],
        summary,
    })
}

pub fn flink_vs_spark(
    seed: Option<u64>,
    scenario: Option<&Scenario>,
    progress: &mut dyn FnMut(&str),
) -> Result<LabReport, String> {
    let s0 = only(&engine_base("flink-vs-spark", seed, scenario)?, &[EngineKind::Flink, EngineKind::Spark]);
    progress("per-record latency");
    let mut per_record = s0.clone();
    pipe(&mut per_record).window = WindowSpec::None;
    let pr = engines(&per_record)?;
    progress("latency vs throughput");
    let mut vs_rate: Vec<(String, Vec<(f64, f64)>)> = vec![("flink".into(), vec![]), ("spark".into(), vec![])];
    for rate in [1000.0, 4000.0, 16_000.0, 32_000.0, 64_000.0, 96_000.0] {
        let mut s = per_record.clone();
        s.run.duration_ms = 10_000;
        for p in &mut s.producers {
            p.rate_per_s = rate / 2.0;
        }
        for (i, (e, _)) in engines(&s)?.into_iter().enumerate() {
            vs_rate[i].1.push((rate, e.latency_ms.p99_ms));
        }
    }
    progress("window size dominates");
    let mut vs_window: Vec<(String, Vec<(f64, f64)>)> = vec![("flink".into(), vec![]), ("spark".into(), vec![])];
    for size_s in [1u64, 5, 10, 30] {
        let mut s = s0.clone();
        s.run.duration_ms = 60_000;
        pipe(&mut s).window = WindowSpec::Tumbling { size_ms: size_s * 1000 };
        for (i, (e, _)) in engines(&s)?.into_iter().enumerate() {
            vs_window[i].1.push((size_s as f64, e.latency_ms.p50_ms));
        }
    }
    let ratio = pr[1].0.latency_ms.p50_ms / pr[0].0.latency_ms.p50_ms.max(1e-9);
    let summary = vec![
        t!(
            "Жеке жазба өңдеу: Flink p50 {:.1} мс, Spark p50 {:.0} мс ({:.0} есе) — дәрістегі «миллисекунд vs 100 мс–секунд» кестесі осында дұрыс.",
            "Per-record processing: Flink p50 {:.1} ms, Spark p50 {:.0} ms ({:.0}x): here the lecture's 'milliseconds vs 100 ms-seconds' holds.",
            pr[0].0.latency_ms.p50_ms,
            pr[1].0.latency_ms.p50_ms,
            ratio
        ),
        t!(
            "30 с терезе: Flink p50 {:.0} мс, Spark p50 {:.0} мс — терезе өлшемі екеуінде де кідірісті анықтайды.",
            "30 s windows: Flink p50 {:.0} ms, Spark p50 {:.0} ms: the window size dominates both.",
            vs_window[0].1[3].1,
            vs_window[1].1[3].1
        ),
    ];
    let series = |v: &Vec<(String, Vec<(f64, f64)>)>| {
        v.iter().map(|(n, p)| Series { name: t!("{}", "{}", n), points: p.clone() }).collect::<Vec<_>>()
    };
    Ok(LabReport {
        id: "flink-vs-spark",
        title: t!("6-зертхана (кесте). Flink және Spark", "Lab 6 (table). Flink vs Spark"),
        scenario: "flink-vs-spark",
        results: json!({
            "per_record": pr.iter().map(|r| &r.0).collect::<Vec<_>>(),
            "p99_ms_vs_rate": vs_rate, "p50_ms_vs_window_s": vs_window,
        }),
        charts: vec![
            cdf_chart("per-record-cdf", t!("Жеке жазба кідірісі", "Per-record latency"), &pr),
            Chart {
                id: "latency-vs-throughput".into(),
                title: t!("Кідіріс және жүктеме", "Latency vs throughput"),
                x: Axis { label: t!("жазбалар/с", "records/s"), log: true },
                y: Axis { label: t!("кідіріс p99, мс (лог.)", "latency p99, ms (log)"), log: true },
                series: series(&vs_rate),
            },
            Chart {
                id: "latency-vs-window".into(),
                title: t!("Терезе өлшемі кідірісті анықтайды", "Window size dominates latency"),
                x: Axis { label: t!("терезе, с", "window, s"), log: false },
                y: Axis { label: t!("кідіріс p50, мс", "latency p50, ms"), log: false },
                series: series(&vs_window),
            },
        ],
        summary,
    })
}
