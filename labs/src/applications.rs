//! Lab `applications` (section 7): one pipeline per domain of the lecture's table, each measured by the
//! time from an event to the result that acts on it.

use crate::chart::{Axis, Chart, Series};
use crate::lab::{LabReport, engine_base, run};
use crate::t;
use crate::text::Text;
use serde_json::json;
use streamlab_sim::Scenario;
use streamlab_sim::engine::window::WindowSpec;
use streamlab_sim::scenario::Keys;

struct Domain {
    name: Text,
    metric: Text,
    window: WindowSpec,
    keys: u32,
    filter_max_value: i64,
}

fn domains() -> Vec<Domain> {
    vec![
        Domain {
            name: t!("Банк: алаяқтық", "Banking: fraud"),
            metric: t!("күдікті транзакцияны белгілеу уақыты", "time to flag a suspicious transaction"),
            window: WindowSpec::None,
            keys: 5000,
            filter_max_value: 2,
        },
        Domain {
            name: t!("IoT: сенсорлар", "IoT: sensors"),
            metric: t!("5 с орташа мәннің кідірісі", "delay of the 5 s sliding average"),
            window: WindowSpec::Sliding { size_ms: 5000, slide_ms: 1000 },
            keys: 200,
            filter_max_value: 100,
        },
        Domain {
            name: t!("Көлік: навигация", "Transport: navigation"),
            metric: t!("сапар (сессия) нәтижесінің кідірісі", "delay of a trip (session) result"),
            window: WindowSpec::Session { gap_ms: 2000 },
            keys: 20_000,
            filter_max_value: 100,
        },
        Domain {
            name: t!("Маркетинг: ұсыныстар", "Marketing: recommendations"),
            metric: t!("танымал тауарлар тізімінің кідірісі", "delay of the trending-items list"),
            window: WindowSpec::Tumbling { size_ms: 5000 },
            keys: 1000,
            filter_max_value: 100,
        },
        Domain {
            name: t!("Киберқауіпсіздік: шабуыл", "Cybersecurity: attacks"),
            metric: t!("шабуылды анықтау уақыты", "time to detect an attack"),
            window: WindowSpec::Tumbling { size_ms: 1000 },
            keys: 100,
            filter_max_value: 100,
        },
        Domain {
            name: t!("Телеком: трафик", "Telecom: traffic"),
            metric: t!("10 секундтық трафик есебінің кідірісі", "delay of the 10-second traffic report"),
            window: WindowSpec::Tumbling { size_ms: 10_000 },
            keys: 50,
            filter_max_value: 100,
        },
    ]
}

pub fn run_lab(
    seed: Option<u64>,
    scenario: Option<&Scenario>,
    progress: &mut dyn FnMut(&str),
) -> Result<LabReport, String> {
    let s0 = engine_base("applications", seed, scenario)?;
    let mut flink = Vec::new();
    let mut spark = Vec::new();
    let mut rows = Vec::new();
    let mut summary = Vec::new();
    for (i, d) in domains().into_iter().enumerate() {
        progress(&d.name.en);
        let mut s = s0.clone();
        for p in &mut s.producers {
            p.keys = Keys::Uniform { count: d.keys };
        }
        let pipe = s.pipeline.as_mut().expect("pipeline");
        pipe.window = d.window;
        pipe.filter_max_value = d.filter_max_value;
        let r = run(&s)?;
        let (f, sp) = (r.engines[0].latency_ms.p50_ms, r.engines[1].latency_ms.p50_ms);
        flink.push(((i + 1) as f64, f));
        spark.push(((i + 1) as f64, sp));
        summary.push(Text::new(
            format!("{}. {} — {}: Flink {:.0} мс, Spark {:.0} мс.", i + 1, d.name.kk, d.metric.kk, f, sp),
            format!("{}. {}: {}: Flink {:.0} ms, Spark {:.0} ms.", i + 1, d.name.en, d.metric.en, f, sp),
        ));
        rows.push(json!({"domain": d.name.en, "metric": d.metric.en, "flink_p50_ms": f, "spark_p50_ms": sp}));
    }
    Ok(LabReport {
        id: "applications",
        title: t!("7-зертхана. Қолдану салалары", "Lab 7. Application areas"),
        scenario: "applications",
        results: json!({ "domains": rows }),
        charts: vec![Chart {
            id: "domains".into(),
            title: t!("Салалар бойынша нәтиже кідірісі (p50)", "Time to result by domain (p50)"),
            x: Axis {
                label: t!("сала (тізімдегі нөмірі)", "domain (number in the list)"), log: false
            },
            y: Axis { label: t!("кідіріс, мс (лог.)", "latency, ms (log)"), log: true },
            series: vec![
                Series { name: t!("Flink", "Flink"), points: flink },
                Series { name: t!("Spark", "Spark"), points: spark },
            ],
        }],
        summary,
    })
}
