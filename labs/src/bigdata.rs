//! Lab `bigdata` (sections 1-2): why one machine is not enough (Volume) and how fast data arrives
//! (Velocity), measured by running the batch job over growing data on 1 to 16 nodes and a producer
//! whose rate follows a (compressed) day with bursts.

use crate::chart::{Axis, Chart, Series};
use crate::lab::{LabReport, lab_base, run};
use crate::t;
use serde_json::json;
use streamlab_sim::dist::DistSpec;
use streamlab_sim::engine::batch::{BatchConfig, BatchEngine};
use streamlab_sim::engine::window::WindowSpec;
use streamlab_sim::engine::{Engine, EngineRecord, PipelineConfig};
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
    for i in 0..records {
        let r = EngineRecord {
            created: SimTime::ZERO,
            event_time: 0,
            key: (i % 1000) as u32,
            value: 1,
            partition: (i % 64) as u32,
        };
        e.on_record(SimTime::ZERO, r);
    }
    e.finish(SimTime::ZERO);
    e.metrics().latency.max().as_secs_f64()
}

pub fn run_lab(
    seed: Option<u64>,
    scenario: Option<&Scenario>,
    progress: &mut dyn FnMut(&str),
) -> Result<LabReport, String> {
    progress("volume: one machine vs a cluster");
    let seed_v = seed.unwrap_or(1);
    let volumes = [10_000u64, 100_000, 1_000_000];
    let mut volume = Vec::new();
    for nodes in [1u32, 4, 16] {
        let pts: Vec<(f64, f64)> = volumes.iter().map(|&v| (v as f64, job_seconds(v, nodes, seed_v))).collect();
        volume.push((nodes, pts));
    }
    progress("velocity: a day of traffic with bursts");
    // One simulated second of the scenario stands for one hour.
    let r = run(&lab_base("bigdata", seed, scenario))?;
    let rate: Vec<(f64, f64)> = r
        .series
        .produced
        .count
        .iter()
        .take(24)
        .enumerate()
        .map(|(h, c)| (h as f64, *c as f64 * 1000.0 / r.series.produced.bucket_ms))
        .collect();
    let peak = rate.iter().map(|p| p.1).fold(0.0, f64::max);
    let low = rate.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    progress("variety, veracity, value: the sample data sets");
    let sets = crate::datasets::generate();
    let mut formats: Vec<String> =
        sets.iter().map(|(n, _, _)| n.rsplit('.').next().unwrap_or("").to_string()).collect();
    formats.sort();
    formats.dedup();
    let sensors = sets.iter().find(|(n, _, _)| *n == "iot_sensors.csv").expect("generated");
    let veracity = crate::datasets::sensor_veracity(&sensors.2);
    let t1 = volume[0].1[2].1;
    let t16 = volume[2].1[2].1;
    Ok(LabReport {
        id: "bigdata",
        title: t!("1–2-зертхана. Big Data және 5V", "Lab 1-2. Big Data and the 5V"),
        scenario: "bigdata",
        results: json!({
            "job_seconds_vs_records": volume.iter().map(|(n, p)| json!({"nodes": n, "points": p})).collect::<Vec<_>>(),
            "records_per_s_by_hour": rate, "peak_per_s": peak, "low_per_s": low,
            "formats": formats, "sensor_veracity": veracity,
        }),
        charts: vec![
            Chart {
                id: "volume".into(),
                title: t!("Көлем: бір машина және кластер", "Volume: one machine vs a cluster"),
                x: Axis { label: t!("жазбалар (лог.)", "records (log)"), log: true },
                y: Axis { label: t!("жұмыс уақыты, с (лог.)", "job time, s (log)"), log: true },
                series: volume
                    .iter()
                    .map(|(n, p)| Series { name: t!("{} түйін", "{} nodes", n), points: p.clone() })
                    .collect(),
            },
            Chart {
                id: "velocity".into(),
                title: t!("Жылдамдық: тәулік бойғы ағын", "Velocity: the rate over a day"),
                x: Axis { label: t!("сағат", "hour"), log: false },
                y: Axis { label: t!("жазбалар/с", "records/s"), log: false },
                series: vec![Series { name: t!("жазбалар/с", "records/s"), points: rate }],
            },
        ],
        summary: vec![
            t!(
                "1 млн жазба: 1 түйінде {:.1} с, 16 түйінде {:.1} с — көлем өскенде бір машина жетпейді.",
                "1 million records: {:.1} s on 1 node, {:.1} s on 16 nodes. As volume grows one machine is not enough.",
                t1,
                t16
            ),
            t!(
                "Тәулік ішінде ағын {:.0}-ден {:.0} жазба/с-қа дейін өзгереді (жарылыстармен).",
                "Over the day the rate swings from {:.0} to {:.0} records/s, with bursts.",
                low,
                peak
            ),
            t!(
                "Әртүрлілік: {} дерек жиынында {} формат ({}).",
                "Variety: {} data sets in {} formats ({}).",
                sets.len(),
                formats.len(),
                formats.join(", ")
            ),
            t!(
                "Сенімділік: {} сенсор жолында {} қайталама, {} бос мән, {} бүлінген, {} ретсіз жол.",
                "Veracity: of {} sensor rows, {} duplicates, {} missing values, {} corrupt, {} out of order.",
                veracity.rows,
                veracity.duplicates,
                veracity.missing,
                veracity.corrupt,
                veracity.out_of_order
            ),
            t!(
                "Құндылық: тазартусыз орташа температура {:.2} °C (мағынасыз), тазартқаннан кейін {:.2} °C.",
                "Value: the mean temperature is {:.2} °C before cleaning (meaningless) and {:.2} °C after.",
                veracity.mean_raw_c,
                veracity.mean_clean_c
            ),
        ],
    })
}
