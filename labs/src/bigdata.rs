//! Lab `bigdata` (sections 1-2): why one machine is not enough (Volume) and how fast data arrives
//! (Velocity), measured by running the batch job over growing data on 1 to 16 nodes and a producer
//! through one simulated day with bursts; Variety, Veracity and Value from the sample data sets.

use crate::chart::ticks;
use crate::chart::{Axis, BarGroup, Bars, Figure, Lines, Plot, Series, Unit};
use crate::error::{LabError, Result};
use crate::lab::{LabReport, lab_base, run};
use crate::text::{Lang, Text};
use crate::{t, tl};
use serde_json::json;
use streamlab_sim::dist::DistSpec;
use streamlab_sim::engine::batch::{BatchConfig, BatchEngine};
use streamlab_sim::engine::source::MemoryFeed;
use streamlab_sim::engine::window::WindowSpec;
use streamlab_sim::engine::{EngineRecord, EngineSummary, EventTime, PipelineConfig};
use streamlab_sim::kafka::ids::{Offset, PartitionId};
use streamlab_sim::rng::stream;
use streamlab_sim::{Scenario, SimTime};

/// One batch job over `records` records on `nodes` nodes: how long until the result is there.
fn job_seconds(records: u64, nodes: u32, seed: u64) -> f64 {
    let pipe = PipelineConfig {
        window: WindowSpec::None,
        map_cost: DistSpec::Constant { ms: 0.02 },
        aggregate_cost: DistSpec::Constant { ms: 0.01 },
        parallelism: nodes,
        ..PipelineConfig::default()
    };
    let cfg = BatchConfig {
        interval_ms: 1000,
        startup: DistSpec::Constant { ms: 5000.0 },
        shuffle_cost: DistSpec::Constant { ms: 0.0005 },
    };
    let mut e = BatchEngine::new(cfg, pipe, stream(seed, "bigdata-job"), false);
    let mut input = MemoryFeed::default();
    for i in 0..records {
        let r = EngineRecord {
            created: SimTime::ZERO,
            event_time: EventTime::ZERO,
            key: (i % 1000) as u32,
            value: 1,
            partition: PartitionId((i % 64) as u32),
            offset: Offset(i / 64),
        };
        input.push(&mut e, SimTime::ZERO, r);
    }
    input.finish(&mut e, SimTime::ZERO);
    EngineSummary::of(&e, SimTime::ZERO).latency_ms.max_ms / 1000.0
}

fn bars(axis: Axis, groups: Vec<(Text, f64)>) -> Plot {
    Plot::Bars(Bars {
        axis,
        series: vec![],
        needed: None,
        groups: groups.into_iter().map(|(label, v)| BarGroup { label, values: vec![v], needed: None }).collect(),
    })
}

pub fn run_lab(seed: Option<u64>, scenario: Option<&Scenario>, progress: &mut dyn FnMut(&str)) -> Result<LabReport> {
    progress("volume: one machine vs a cluster");
    let seed_v = seed.unwrap_or(1);
    let volumes = [10_000u64, 100_000, 1_000_000];
    let clusters = [1u32, 4, 16];
    // The jobs are independent: all of them side by side.
    let jobs: Vec<(u32, u64)> = clusters.iter().flat_map(|&n| volumes.map(|v| (n, v))).collect();
    let mut measured_ms = crate::par::map(&jobs, |&(nodes, v)| job_seconds(v, nodes, seed_v) * 1000.0).into_iter();
    let volume: Vec<(u32, Vec<(f64, f64)>)> = clusters
        .iter()
        .map(|&nodes| (nodes, volumes.iter().map(|&v| v as f64).zip(measured_ms.by_ref()).collect()))
        .collect();
    let job_ms = |nodes: u32| {
        volume.iter().find(|(n, _)| *n == nodes).and_then(|(_, p)| p.last()).map(|p| p.1).expect("measured")
    };
    let (t1, t16) = (job_ms(1), job_ms(16));

    progress("velocity: a day of traffic");
    let day = lab_base("bigdata", seed, scenario);
    let r = run(&day)?;
    let produced = &r.series.produced;
    let hours_per_bucket = produced.bucket_ms / 3_600_000.0;
    // The buckets of the producing run, each at its middle hour (the drain after it produces nothing).
    let rate: Vec<(f64, f64)> = produced
        .count
        .iter()
        .enumerate()
        .map(|(i, c)| ((i as f64 + 0.5) * hours_per_bucket, *c as f64 * 1000.0 / produced.bucket_ms))
        .filter(|(h, _)| *h * 3_600_000.0 < day.run.duration_ms as f64)
        .collect();
    let (Some(peak), Some(low)) = (
        rate.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1)),
        rate.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1)),
    ) else {
        return Err(LabError::Unfit {
            scenario: day.name.clone(),
            problem: format!(
                "produces for {} ms, less than half a time-series bucket (run.bucket_ms = {}): the velocity panel \
                 needs whole buckets; raise run.duration_ms or lower run.bucket_ms",
                day.run.duration_ms, day.run.bucket_ms
            ),
        });
    };
    let mean_per_s = r.ledger.produced as f64 * 1000.0 / day.run.duration_ms as f64;

    progress("variety, veracity, value: the sample data sets");
    let mut formats: Vec<(String, f64)> = Vec::new();
    for name in crate::datasets::DATASETS.iter().map(|d| d.name) {
        let ext = name.rsplit('.').next().unwrap_or("").to_uppercase();
        match formats.iter_mut().find(|(f, _)| *f == ext) {
            Some((_, n)) => *n += 1.0,
            None => formats.push((ext, 1.0)),
        }
    }
    formats.sort_by(|a, b| a.0.cmp(&b.0));
    let v = crate::datasets::sensor_veracity(&crate::datasets::generate_one("iot_sensors.csv").expect("a data set"));

    let count = |x: f64| Unit::Count.text(x);
    let per_s = |x: f64| Text::new(ticks::number(x, 1, Lang::Kk), ticks::number(x, 1, Lang::En));
    // The swing as a factor, when the quietest bucket had records at all.
    let times = if low.1 > 0.0 {
        tl!(", {} есе", ", {} times", Unit::Plain.text((peak.1 / low.1 * 10.0).round() / 10.0))
    } else {
        t!("", "")
    };
    let hours = day.run.duration_ms as f64 / 3_600_000.0;
    let span = if day.run.duration_ms == 86_400_000 {
        t!("модельдік тәулік (86 400 с) бойы", "a simulated day of 86 400 s")
    } else {
        tl!("модельдік уақыттың {} сағаты бойы", "{} simulated hours", Unit::Plain.text(hours))
    };
    let ms = |x: f64| Unit::Ms.text(x);
    let hour = |h: f64| Unit::Hour.text(h);
    let issues = v.duplicates + v.missing + v.corrupt + v.out_of_order;
    let panels = vec![
        (
            tl!(
                "Көлем: 1 млн жазба — 1 түйінде {}, 16 түйінде {}",
                "Volume: 1M records take {} on 1 node, {} on 16",
                ms(t1),
                ms(t16)
            ),
            Plot::Lines(Lines {
                x: Axis::log(t!("жазбалар", "records"), Unit::Count),
                y: Axis::log(t!("жұмыс уақыты", "job time"), Unit::Ms),
                series: volume
                    .iter()
                    .map(|(n, p)| {
                        let en = if *n == 1 { format!("{n} node") } else { format!("{n} nodes") };
                        Series::line(Text::new(format!("{n} түйін"), en), p.clone())
                    })
                    .collect(),
                marks: vec![],
            }),
        ),
        (
            tl!(
                "Жылдамдық: {} ең азы {} жазба/с ({}), ең көбі {} жазба/с ({}){}",
                "Velocity over {}: {} records/s ({}) to {} records/s ({}){}",
                span,
                per_s(low.1),
                hour(low.0),
                per_s(peak.1),
                hour(peak.0),
                times
            ),
            Plot::Lines(Lines {
                x: Axis::new(t!("модельдік тәулік сағаты", "hour of the simulated day"), Unit::Hour),
                y: Axis::new(t!("жазбалар/с", "records/s"), Unit::Count),
                series: vec![Series::line(t!("жазбалар/с", "records/s"), rate.clone())],
                marks: vec![],
            }),
        ),
        (
            tl!(
                "Әртүрлілік: {} дерек жиыны, {} формат",
                "Variety: {} data sets in {} formats",
                count(crate::datasets::DATASETS.len() as f64),
                count(formats.len() as f64)
            ),
            bars(
                Axis::new(t!("дерек жиындары", "data sets"), Unit::Count),
                formats.iter().map(|(f, n)| (Text::new(f.clone(), f.clone()), *n)).collect(),
            ),
        ),
        (
            tl!(
                "Сенімділік: {} сенсор жолының ішінде {} жол ақаулы",
                "Veracity: {1} of {0} sensor rows are flawed",
                count(v.rows as f64),
                count(issues as f64)
            ),
            bars(
                Axis::new(t!("жолдар", "rows"), Unit::Count),
                vec![
                    (t!("қайталама", "duplicate"), v.duplicates as f64),
                    (t!("бос мән", "missing value"), v.missing as f64),
                    (t!("бүлінген", "corrupt"), v.corrupt as f64),
                    (t!("ретсіз", "out of order"), v.out_of_order as f64),
                ],
            ),
        ),
        (
            tl!(
                "Құндылық: орташа температура {}, тазартқаннан кейін {}",
                "Value: mean temperature {}, {} after cleaning",
                Unit::Celsius.text(v.mean_raw_c),
                Unit::Celsius.text(v.mean_clean_c)
            ),
            bars(
                Axis::new(t!("орташа температура", "mean temperature"), Unit::Celsius),
                vec![(t!("шикі деректер", "raw data"), v.mean_raw_c), (t!("тазартылған", "cleaned"), v.mean_clean_c)],
            ),
        ),
    ];
    let answer = tl!(
        "Big Data бес V-мен сипатталады, және әрқайсысы мұнда өлшенді. Көлем: 1 млн жазбаны бір түйін {} өңдейді, 16 түйін {}. Жылдамдық: {} ағын {}–{} жазба/с аралығында{} өзгереді. Әртүрлілік — {} формат; сенімділік — {} сенсор жолының ішінде {} жол ақаулы; құндылық — тазартусыз орташа температура {}, тазартқаннан кейін {}.",
        "Big Data is characterised by five Vs, each measured here. Volume: 1 million records take {} on one node and {} on 16. Velocity: over {} the rate swings from {} to {} records/s{}. Variety: {} formats; veracity: {8} of {7} sensor rows are flawed; value: the mean temperature is {9} before cleaning and {10} after.",
        ms(t1),
        ms(t16),
        span,
        per_s(low.1),
        per_s(peak.1),
        times,
        count(formats.len() as f64),
        count(v.rows as f64),
        count(issues as f64),
        Unit::Celsius.text(v.mean_raw_c),
        Unit::Celsius.text(v.mean_clean_c)
    );
    let headline = Figure {
        id: "five-v".into(),
        title: t!("Big Data: бес V, әрқайсысы өлшенген", "Big Data: the five Vs, each measured"),
        caption: tl!(
            "Көлем {} → {} (1 → 16 түйін); жылдамдық {} {}–{} жазба/с{} (орташа жылдамдық {} жазба/с; нақты сервисте сандар үлкен, пішін сол); {} формат; {} ақаулы жол; орташа {} → {}.",
            "Volume {} → {} (1 → 16 nodes); velocity over {} {}-{} records/s{} (a mean of {} records/s; a real service has larger numbers and the same shape); {} formats; {} flawed rows; mean {} → {}.",
            ms(t1),
            ms(t16),
            span,
            per_s(low.1),
            per_s(peak.1),
            times,
            per_s(mean_per_s),
            count(formats.len() as f64),
            count(issues as f64),
            Unit::Celsius.text(v.mean_raw_c),
            Unit::Celsius.text(v.mean_clean_c)
        ),
        plot: Plot::Panels(panels),
    };
    Ok(LabReport {
        id: "bigdata",
        title: t!("1–2-зертхана. Big Data және 5V", "Lab 1-2. Big Data and the 5V"),
        scenario: "bigdata",
        results: json!({
            "job_ms_vs_records": volume.iter().map(|(n, p)| json!({"nodes": n, "points": p})).collect::<Vec<_>>(),
            "records_per_s_by_hour": rate, "peak_per_s": peak.1, "low_per_s": low.1, "mean_per_s": mean_per_s,
            "formats": formats, "sensor_veracity": v,
        }),
        answer,
        headline,
        figures: vec![],
        summary: vec![],
    })
}
