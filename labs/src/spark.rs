//! Lab `spark` (section 5): micro-batches. Latency grows with the trigger interval; a query whose batches
//! take longer than the interval falls behind; a failed batch re-runs; streaming k-means flags attacks.

use crate::chart::{Axis, Figure, Gantt, Lane, Lines, Mark, Plot, Series, Span, Unit};
use crate::engines::{self, pipe};
use crate::error::Result;
use crate::lab::{LabReport, at, failure_within, pick, run_traced, sweep};
use crate::text::Text;
use crate::{t, tl};
use serde_json::json;
use streamlab_sim::dist::DistSpec;
use streamlab_sim::scenario::{EngineKind, Fault};
use streamlab_sim::{Scenario, SimTime};

/// The Gantt shows the first seconds of each run: enough batches to see the pattern.
const GANTT_MS: f64 = 8000.0;

/// When the recovery run's query fails (the summary says "at 10 s").
const FAILURE_MS: u64 = 10_000;

/// One lane of the Gantt: the micro-batches of a run with `cost_ms` of work per record, phase by phase.
fn lane(s0: &Scenario, cost_ms: f64, label: Text) -> Result<Lane> {
    let mut s = s0.clone();
    s.run.duration_ms = 15_000;
    pipe(&mut s).map_cost = DistSpec::Constant { ms: cost_ms };
    let trigger = s.spark.trigger_ms as f64;
    let (_, traces) = run_traced(&s)?;
    let ms = |t: SimTime| t.as_millis_f64();
    let spans: Vec<Span> = traces[0]
        .batches
        .iter()
        .filter(|b| ms(b.trigger) < GANTT_MS)
        // ProcessingTimeExecutor.notifyBatchFallingBehind: a batch that takes longer than the interval.
        .map(|b| Span {
            start: ms(b.trigger),
            ends: vec![ms(b.planned), ms(b.processed), ms(b.committed)],
            due: ms(b.trigger) + trigger,
        })
        .collect();
    // ProcessingTimeExecutor: triggers fall on multiples of the interval; a trigger of 0 has no ticks (the
    // next batch starts when the previous one ends).
    let ticks = match trigger > 0.0 {
        true => (0..).map(|k| k as f64 * trigger).take_while(|t| *t < GANTT_MS).collect(),
        false => Vec::new(),
    };
    Ok(Lane { label, ticks, spans })
}

pub fn run_lab(seed: Option<u64>, scenario: Option<&Scenario>, progress: &mut dyn FnMut(&str)) -> Result<LabReport> {
    let s0 = engines::base("spark", seed, scenario, &[EngineKind::Spark])?;
    failure_within(&s0, FAILURE_MS)?;
    let p = s0.pipeline.as_ref().expect("checked");
    // Records per second each task receives: the work per record that makes a given load (seconds of work
    // per second of data), so that the runs are below and above load 1 whatever the scenario's rate.
    let per_task_per_s =
        s0.producers.iter().map(|p| p.rate_per_s * f64::from(p.count)).sum::<f64>() / f64::from(p.parallelism);
    let cost_ms = |load: f64| load * 1000.0 / per_task_per_s;
    let trigger = Unit::Ms.text(s0.spark.trigger_ms as f64);
    // The scenario's trigger in the answer: an interval, or 0 (each batch as soon as the previous one ends).
    let every = match s0.spark.trigger_ms {
        0 => t!("мұнда микроблоктар бірінен соң бірі", "here back to back, each as soon as the previous one ends"),
        _ => tl!("мұнда {}", "here every {}", trigger.clone()),
    };

    progress("latency vs trigger interval");
    let triggers = [250u64, 500, 1000, 2000, 5000];
    let set_trigger = |s: &mut Scenario, t: u64| s.spark.trigger_ms = t;
    let by_trigger = sweep(&s0, &triggers, set_trigger, engines::one)?;
    let p50 = pick(&by_trigger, |e| e.latency_ms.p50_ms);
    let p99 = pick(&by_trigger, |e| e.latency_ms.p99_ms);

    progress("the micro-batch timeline");
    let (light_load, heavy_load) = (0.4, 1.2);
    let gantt = Gantt {
        x: Axis::new(t!("уақыт", "time"), Unit::Ms),
        phases: vec![
            t!("ығысулар мен жоспарлау", "offsets and planning"),
            t!("өңдеу және қабылдағышқа жазу", "processing and sink write"),
            t!("бекіту журналы", "commit log"),
        ],
        overrun: t!("аралықтан асқан уақыт", "time beyond the interval"),
        tick: t!("триггер", "trigger"),
        lanes: vec![
            lane(&s0, cost_ms(light_load), tl!("жеңіл жүктеме ({})", "light load ({})", Unit::Plain.text(light_load)))?,
            lane(
                &s0,
                cost_ms(heavy_load),
                tl!("шамадан тыс жүктеме ({})", "overload ({})", Unit::Plain.text(heavy_load)),
            )?,
        ],
    };
    let overruns = |l: &Lane| l.spans.iter().filter(|s| s.overran()).count();
    let (light_late, heavy_late) = (overruns(&gantt.lanes[0]), overruns(&gantt.lanes[1]));

    progress("stability: processing time vs trigger interval");
    let loads = [0.1, 0.4, 0.8, 1.2, 1.6];
    let set_load = |s: &mut Scenario, l: f64| pipe(s).map_cost = DistSpec::Constant { ms: cost_ms(l) };
    let stability = sweep(&s0, &loads, set_load, |s| Ok(engines::one(s)?.latency_ms.max_ms))?;

    progress("recovery after a failure");
    let mut s = s0.clone();
    s.faults.push(Fault::EngineFailure { at_ms: FAILURE_MS, engine: EngineKind::Spark });
    let failed = engines::one(&s)?;
    // The base scenario's own trigger interval was run in the sweep already.
    let clean = match by_trigger.iter().find(|(t, _)| *t == s0.spark.trigger_ms) {
        Some((_, e)) => e.clone(),
        None => engines::one(&s0)?,
    };

    progress("MLlib streaming k-means on network flows");
    let flows = &crate::datasets::generate_one("network_flows.csv").expect("a data set");
    let ids: Vec<(u64, crate::kmeans::Detection)> =
        [250u64, 1000, 5000].iter().map(|&b| (b, crate::kmeans::detect(flows, 4, b, 0.9, 0.15))).collect();
    let ids_1s = &ids.iter().find(|(b, _)| *b == 1000).expect("1 s measured").1;

    let ms = |v: f64| Unit::Ms.text(v);
    let (t_lo, t_hi) = (at(&p50, 250), at(&p50, 5000));
    let (m_lo, m_hi) = (at(&stability, light_load), at(&stability, heavy_load));
    // The range of the maximum below load 1.
    let stable = || stability.iter().filter(|(l, _)| *l < 1.0).map(|p| p.1);
    let stable_lo = stable().reduce(f64::min).expect("loads below 1 are swept");
    let stable_hi = stable().reduce(f64::max).expect("loads below 1 are swept");
    let answer = Text::new(
        format!(
            "Spark Streaming ағынды микроблоктарға бөледі: әр триггерде ({}) жиналған жазбалар бір шағын пакеттік жұмыс ретінде өңделеді. Сондықтан кешігу триггер аралығымен бірге өседі: 250 мс-та p50 {}, 5 с-та {}. Микроблок аралығынан ұзақ өңделсе (жүктеме {} > 1), {} микроблоктың ішінде {} микроблок аралықтан асып кетеді және ең үлкен кешігу {}-тан {}-қа өседі.",
            every.kk,
            ms(t_lo).kk,
            ms(t_hi).kk,
            Unit::Plain.text(heavy_load).kk,
            gantt.lanes[1].spans.len(),
            heavy_late,
            ms(m_lo).kk,
            ms(m_hi).kk
        ),
        format!(
            "Spark Streaming cuts the stream into micro-batches: at each trigger ({}) the records that arrived are processed as one small batch job. Latency therefore grows with the trigger interval: p50 {} at 250 ms, {} at 5 s. When a batch takes longer than the interval (load {} > 1), {} of {} batches overrun and the maximum latency grows from {} to {}.",
            every.en,
            ms(t_lo).en,
            ms(t_hi).en,
            Unit::Plain.text(heavy_load).en,
            heavy_late,
            gantt.lanes[1].spans.len(),
            ms(m_lo).en,
            ms(m_hi).en
        ),
    );
    // The phases' mean durations in the light lane, from the engine's batch records.
    let mean_phase = |k: usize| {
        let spans = &gantt.lanes[0].spans;
        let from = |s: &Span| if k == 0 { s.start } else { s.ends[k - 1] };
        spans.iter().map(|s| s.ends[k] - from(s)).sum::<f64>() / spans.len().max(1) as f64
    };
    let count = |n: usize| Unit::Count.text(n as f64);
    let caption = tl!(
        "Әр микроблок өңдеуден бөлек ығысулар мен жоспарлауға орташа {}, бекіту журналына {} жұмсайды. Жеңіл жүктемеде {} микроблоктың ішінде {} микроблок аралықтан асады; шамадан тыс жүктемеде {} микроблоктың ішінде {} микроблок асып, триггерлер кейінге жылжиды.",
        "Besides processing, each batch spends {} on offsets and planning and {} on the commit log on average. Under light load {3} of {2} batches overrun; under overload {5} of {4} do, and the triggers slip behind.",
        ms(mean_phase(0)),
        ms(mean_phase(2)),
        count(gantt.lanes[0].spans.len()),
        count(light_late),
        count(gantt.lanes[1].spans.len()),
        count(heavy_late)
    );
    let summary = vec![
        t!(
            "MLlib StreamingKMeans (1 с микроблок): {} шабуылдың {:.0} %-ы белгіленді, дәлдік {:.0} %. Шабуылы бар микроблок шабуыл ағыны келгеннен кейін орташа {:.0} мс өткенде жабылды; микроблоктың өз орындалу ұзақтығы бұған қосылады.",
            "MLlib StreamingKMeans (1 s micro-batches): of {} attacks {:.0} % were flagged, with {:.0} % precision. The micro-batch holding an attack closed {:.0} ms after its flow on average; the batch's own run comes on top.",
            ids_1s.attacks,
            ids_1s.recall * 100.0,
            ids_1s.precision * 100.0,
            ids_1s.wait_for_batch_ms
        ),
        t!(
            "10 с-та істен шығу: микроблок қайта орындалды, {} қайталама нәтиже; ең үлкен кешігу {:.0} мс (ақаусыз {:.0} мс).",
            "A failure at 10 s: the batch re-ran, {} duplicate results; max latency {:.0} ms ({:.0} ms without the failure).",
            failed.duplicate_results,
            failed.latency_ms.max_ms,
            clean.latency_ms.max_ms
        ),
    ];
    let figures = vec![
        Figure {
            id: "stability".into(),
            title: t!("Тұрақтылық: жүктеме 1-ден асқанда", "Stability: beyond load 1"),
            caption: tl!(
                "Жүктеме 1-ден төмен болса ең үлкен кешігу шектеулі, {}–{} аралығында: ол әр микроблоктың өз өңдеу ұзақтығымен бірге ғана өседі. 1-ден асқанда артта қалу жиналады: жүктеме {} болғанда ең үлкен кешігу {}-қа жетеді.",
                "Below load 1 the maximum latency stays bounded, {} to {}: it grows only with each batch's own processing time. Above 1 a backlog builds up: at load {} the maximum latency reaches {}.",
                ms(stable_lo),
                ms(stable_hi),
                Unit::Plain.text(heavy_load),
                ms(m_hi)
            ),
            plot: Plot::Lines(Lines {
                x: Axis::new(
                    t!("жүктеме: 1 с деректің өңдеу уақыты, с", "load: processing time per second of data, s"),
                    Unit::Plain,
                ),
                y: Axis::log(t!("ең үлкен кешігу (лог. шкала)", "maximum latency (log scale)"), Unit::Ms),
                series: vec![Series::line(t!("ең үлкен кешігу", "maximum latency"), stability.clone())],
                marks: vec![Mark::X { at: 1.0, label: t!("жүктеме = 1", "load = 1") }],
            }),
        },
        Figure {
            id: "latency-vs-trigger".into(),
            title: t!("Кешігу және триггер аралығы", "Latency vs trigger interval"),
            caption: tl!(
                "Триггер 250 мс-тан 5 с-қа өскенде p50 кешігу {}-тан {}-қа өседі.",
                "As the trigger grows from 250 ms to 5 s, p50 latency grows from {} to {}.",
                ms(t_lo),
                ms(t_hi)
            ),
            plot: Plot::Lines(Lines {
                x: Axis::new(t!("триггер аралығы", "trigger interval"), Unit::Ms),
                y: Axis::new(t!("кешігу", "latency"), Unit::Ms),
                series: vec![
                    Series::line(t!("p50", "p50"), p50.iter().map(|(t, v)| (*t as f64, *v)).collect()),
                    Series::line(t!("p99", "p99"), p99.iter().map(|(t, v)| (*t as f64, *v)).collect()),
                ],
                marks: vec![],
            }),
        },
        Figure {
            id: "ids-wait-for-batch".into(),
            title: t!(
                "Шабуылды белгілейтін микроблокты күту (StreamingKMeans)",
                "Waiting for the micro-batch that flags an attack (StreamingKMeans)"
            ),
            caption: tl!(
                "Микроблок 1 с болғанда шабуылы бар микроблок шабуыл ағыны келгеннен кейін орташа {} өткенде жабылады: бұл — триггерді күту, микроблок әлі орындалған жоқ.",
                "With 1 s micro-batches the batch holding an attack closes {} after its flow on average: the wait for the trigger, before the batch has run.",
                ms(ids_1s.wait_for_batch_ms)
            ),
            plot: Plot::Lines(Lines {
                x: Axis::log(t!("микроблок аралығы", "micro-batch interval"), Unit::Ms),
                y: Axis::log(t!("микроблок жабылғанша орташа күту", "mean wait for the batch to close"), Unit::Ms),
                series: vec![Series::line(
                    t!("микроблокты күту", "wait for the batch"),
                    ids.iter().map(|(b, d)| (*b as f64, d.wait_for_batch_ms)).collect(),
                )],
                marks: vec![],
            }),
        },
    ];
    Ok(LabReport {
        id: "spark",
        title: t!("5-зертхана. Spark Streaming: микроблоктар", "Lab 5. Spark Streaming: micro-batches"),
        scenario: "spark",
        results: json!({
            "latency_p50_ms_vs_trigger_ms": p50, "latency_p99_ms_vs_trigger_ms": p99,
            "max_latency_ms_vs_load": stability, "failure": failed, "no_failure": clean,
            "batches_overrun": { "light": light_late, "overload": heavy_late },
            "streaming_kmeans_by_batch_ms": ids.iter().map(|(b, d)| json!({"batch_ms": b, "detection": d})).collect::<Vec<_>>(),
        }),
        answer,
        headline: Figure {
            id: "timeline".into(),
            title: tl!("Микроблоктар уақыт сызығы (триггер {})", "Micro-batch timeline (trigger {})", trigger),
            caption,
            plot: Plot::Gantt(gantt),
        },
        figures,
        summary,
    })
}
