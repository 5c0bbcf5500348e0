//! Lab `kafka` (lecture section 4): producers, brokers, topics, partitions and a consumer group at work.
//! Throughput grows with partitions (each partition's log is its own queue); acks and linger.ms trade
//! latency for safety and batching; acks=1 loses acknowledged records when a leader dies, acks=all does
//! not; a consumer crash pauses its partitions until the session timeout and the lag shows it.

use crate::chart::{Axis, Chart, Series};
use crate::lab::{LabReport, base, lab_base, run};
use crate::t;
use serde_json::json;
use streamlab_sim::Scenario;
use streamlab_sim::dist::DistSpec;
use streamlab_sim::scenario::{Acks, Fault};

pub fn run_lab(
    seed: Option<u64>,
    scenario: Option<&Scenario>,
    progress: &mut dyn FnMut(&str),
) -> Result<LabReport, String> {
    let quick = lab_base("kafka", seed, scenario);

    // Throughput vs partitions and producers: one record per request, 1 ms per append, each producer
    // offering 10 000 records/s.
    progress("throughput vs partitions and producers");
    let mut by_producers = Vec::new();
    for producers in [1u32, 2, 4] {
        let mut pts = Vec::new();
        for parts in [1u32, 2, 4, 8, 12] {
            let mut s = quick.clone();
            s.topic.partitions = parts;
            s.run.duration_ms = 5000;
            s.cluster.append_time = DistSpec::Constant { ms: 1.0 };
            s.producers.truncate(1);
            for p in &mut s.producers {
                p.count = producers;
                p.rate_per_s = 10_000.0;
                p.linger_ms = 0;
                p.batch_size = p.record_bytes;
                p.delivery_timeout_ms = 600_000;
            }
            let r = run(&s)?;
            // Acknowledged per second while the producers were sending (the backlog drains later).
            let seconds = (s.run.duration_ms / s.run.bucket_ms) as usize;
            let acked: u64 = r.series.acknowledged.count.iter().take(seconds).sum();
            pts.push((f64::from(parts), (acked as f64 * 1000.0 / s.run.duration_ms as f64).round()));
        }
        by_producers.push((producers, pts));
    }
    let tput = by_producers[1].1.clone();

    // Produce latency vs linger.ms, per acks setting.
    progress("latency vs acks and linger.ms");
    let mut lat = Vec::new();
    for (acks, name) in [(Acks::Leader, "acks=1"), (Acks::All, "acks=all")] {
        let mut pts = Vec::new();
        for linger in [0u64, 5, 20, 50] {
            let mut s = quick.clone();
            s.run.duration_ms = 5000;
            for p in &mut s.producers {
                p.acks = acks;
                p.idempotence = Some(acks == Acks::All);
                p.linger_ms = linger;
            }
            pts.push((linger as f64, run(&s)?.produce_latency_ms.p50_ms));
        }
        lat.push((name, pts));
    }

    // A leader dies: acknowledged records lost per configuration.
    progress("broker failure");
    let safe = run(&base("broker-crash-acks-all", seed))?;
    let fast = run(&base("broker-crash-acks-1", seed))?;

    // A consumer crashes: lag while its partitions wait for the session timeout.
    progress("consumer crash and rebalance");
    let mut s = quick.clone();
    s.run.duration_ms = 30_000;
    s.consumer_group.session_timeout_ms = 10_000;
    s.faults = vec![Fault::ConsumerCrash { at_ms: 8000, member: 1 }];
    let crash = run(&s)?;
    let lag: Vec<(f64, f64)> = crash
        .series
        .consumer_lag
        .mean
        .iter()
        .enumerate()
        .map(|(i, v)| ((i + 1) as f64 * crash.series.consumer_lag.bucket_ms / 1000.0, *v))
        .collect();
    let max_lag = lag.iter().map(|p| p.1).fold(0.0, f64::max);

    let charts = vec![
        Chart {
            id: "throughput-vs-partitions".into(),
            title: t!("Бөлімдер саны және өткізу қабілеті", "Throughput vs partitions"),
            x: Axis { label: t!("бөлімдер (partitions)", "partitions"), log: false },
            y: Axis { label: t!("расталған жазбалар/с", "acknowledged records/s"), log: false },
            series: by_producers
                .iter()
                .map(|(n, p)| Series { name: t!("{} producer", "{} producer(s)", n), points: p.clone() })
                .collect(),
        },
        Chart {
            id: "latency-vs-linger".into(),
            title: t!("Жіберу кідірісі: acks және linger.ms", "Produce latency: acks and linger.ms"),
            x: Axis { label: t!("linger.ms", "linger.ms"), log: false },
            y: Axis { label: t!("кідіріс p50, мс", "latency p50, ms"), log: false },
            series: lat.iter().map(|(n, p)| Series { name: t!("{}", "{}", n), points: p.clone() }).collect(),
        },
        Chart {
            id: "consumer-lag".into(),
            title: t!("Тұтынушы тобы: құлау және қайта теңгерім", "Consumer group: crash and rebalance"),
            x: Axis { label: t!("уақыт, с", "time, s"), log: false },
            y: Axis { label: t!("артта қалу (lag), жазба", "consumer lag, records"), log: false },
            series: vec![Series { name: t!("lag", "lag"), points: lag }],
        },
    ];
    let summary = vec![
        t!(
            "1 бөлім {:.0} жазба/с, 12 бөлім {:.0} жазба/с расталды: бөлімдер — параллелизм бірлігі.",
            "1 partition acknowledged {:.0} records/s, 12 partitions {:.0} records/s: partitions are the unit of parallelism.",
            tput[0].1,
            tput[4].1
        ),
        t!(
            "12 бөлімде: 1 producer {:.0} жазба/с, 4 producer {:.0} жазба/с — бөлімдер жеткілікті болса, producer қосу өткізу қабілетін арттырады.",
            "With 12 partitions: 1 producer {:.0} records/s, 4 producers {:.0} records/s: with enough partitions, more producers raise throughput.",
            by_producers[0].1[4].1,
            by_producers[2].1[4].1
        ),
        t!(
            "linger.ms = 0 кезінде acks=1 p50 {:.3} мс, acks=all p50 {:.3} мс.",
            "At linger.ms = 0, acks=1 p50 is {:.3} ms and acks=all p50 is {:.3} ms.",
            lat[0].1[0].1,
            lat[1].1[0].1
        ),
        t!(
            "Лидер брокер құлағанда: acks=all {} жазба жоғалтты, acks=1 {} расталған жазба жоғалтты.",
            "When a leader broker dies: acks=all lost {} records, acks=1 lost {} acknowledged records.",
            safe.ledger.lost,
            fast.ledger.lost
        ),
        t!(
            "Тұтынушы құлағанда артта қалу {:.0} жазбаға жетті; {} қайталама жазба өңделді.",
            "When a consumer died the lag reached {:.0} records; {} records were processed twice.",
            max_lag,
            crash.ledger.duplicated
        ),
    ];
    Ok(LabReport {
        id: "kafka",
        title: t!("4-зертхана. Apache Kafka", "Lab 4. Apache Kafka"),
        scenario: "kafka",
        results: json!({
            "throughput_vs_partitions": tput,
            "throughput_vs_partitions_by_producers": by_producers.iter().map(|(n, p)| json!({"producers": n, "points": p})).collect::<Vec<_>>(),
            "produce_latency_p50_ms_vs_linger": lat.iter().map(|(n, p)| json!({"acks": n, "points": p})).collect::<Vec<_>>(),
            "broker_failure": { "acks_all": safe.ledger, "acks_1": fast.ledger },
            "consumer_crash": { "max_lag": max_lag, "duplicated": crash.ledger.duplicated, "rebalances": crash.kafka.rebalances },
        }),
        charts,
        summary,
    })
}
