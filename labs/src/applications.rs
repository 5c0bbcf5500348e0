//! Lab `applications` (section 7): one pipeline per domain of the lecture's table, each measured by the
//! time from an event to the result that acts on it.

use crate::chart::{Axis, BarGroup, Bars, Figure, Plot, Unit};
use crate::engines;
use crate::error::{LabError, Result};
use crate::lab::{LabReport, run};
use crate::text::Text;
use crate::{t, tl};
use serde_json::json;
use streamlab_sim::Scenario;
use streamlab_sim::engine::window::WindowSpec;
use streamlab_sim::scenario::{EngineKind, Keys};

struct Domain {
    name: Text,
    metric: Text,
    /// How soon the result must be there to be useful: the domain's requirement, not a measurement.
    needed_ms: f64,
    window: WindowSpec,
    keys: u32,
    filter_max_value: i64,
}

fn domains() -> Vec<Domain> {
    vec![
        Domain {
            name: t!("Банк: алаяқтық", "Banking: fraud"),
            metric: t!("күдікті транзакцияны белгілеу уақыты", "time to flag a suspicious transaction"),
            needed_ms: 1000.0, // a card payment is authorised within about a second
            window: WindowSpec::None,
            keys: 5000,
            filter_max_value: 2,
        },
        Domain {
            name: t!("IoT: сенсорлар", "IoT: sensors"),
            metric: t!("5 с орташа мәннің кешігуі", "delay of the 5 s sliding average"),
            needed_ms: 10_000.0, // an operator reacts to a sensor trend within seconds
            window: WindowSpec::Sliding { size_ms: 5000, slide_ms: 1000 },
            keys: 200,
            filter_max_value: 100,
        },
        Domain {
            name: t!("Көлік: навигация", "Transport: navigation"),
            metric: t!("сапар (сессия) нәтижесінің кешігуі", "delay of a trip (session) result"),
            needed_ms: 30_000.0, // a route is recomputed while the trip goes on
            window: WindowSpec::Session { gap_ms: 2000 },
            keys: 20_000,
            filter_max_value: 100,
        },
        Domain {
            name: t!("Маркетинг: ұсыныстар", "Marketing: recommendations"),
            metric: t!("танымал тауарлар тізімінің кешігуі", "delay of the trending-items list"),
            needed_ms: 60_000.0, // a trending list may be a minute old
            window: WindowSpec::Tumbling { size_ms: 5000 },
            keys: 1000,
            filter_max_value: 100,
        },
        Domain {
            name: t!("Киберқауіпсіздік: шабуыл", "Cybersecurity: attacks"),
            metric: t!("шабуылды анықтау уақыты", "time to detect an attack"),
            needed_ms: 5000.0, // an attack is blocked before it spreads
            window: WindowSpec::Tumbling { size_ms: 1000 },
            keys: 100,
            filter_max_value: 100,
        },
        Domain {
            name: t!("Телеком: трафик", "Telecom: traffic"),
            metric: t!("10 секундтық трафик есебінің кешігуі", "delay of the 10-second traffic report"),
            needed_ms: 30_000.0, // traffic is rerouted within half a minute
            window: WindowSpec::Tumbling { size_ms: 10_000 },
            keys: 50,
            filter_max_value: 100,
        },
    ]
}

pub fn run_lab(seed: Option<u64>, scenario: Option<&Scenario>, progress: &mut dyn FnMut(&str)) -> Result<LabReport> {
    let s0 = engines::base("applications", seed, scenario, &[EngineKind::Flink, EngineKind::Spark])?;
    let mut groups = Vec::new();
    // Whether each domain's pipeline has a window (banking's rule flags each transaction alone).
    let mut windowed = Vec::new();
    let mut rows = Vec::new();
    let mut summary = Vec::new();
    let domains = domains();
    progress("one pipeline per domain");
    let runs = crate::par::map(&domains, |d| {
        let mut s = s0.clone();
        for p in &mut s.producers {
            p.keys = Keys::Uniform { count: d.keys };
        }
        let pipe = engines::pipe(&mut s);
        pipe.window = d.window;
        pipe.filter_max_value = d.filter_max_value;
        run(&s)
    });
    for (i, (d, r)) in domains.into_iter().zip(runs).enumerate() {
        let r = r?;
        let latency = |name: &str| {
            r.engines
                .iter()
                .find(|e| e.engine == name)
                .map(|e| (e.latency_ms.p50_ms, e.latency_ms.p99_ms))
                .ok_or_else(|| LabError::Missing(format!("the {name} engine did not run")))
        };
        let ((f50, f99), (s50, s99)) = (latency("flink")?, latency("spark")?);
        let ms = |v: f64| Unit::Ms.text(v);
        summary.push(tl!(
            "{}. {} — {}: медиана Flink {}, Spark {}; 99-процентиль Flink {}, Spark {} (керегі: {} ішінде).",
            "{}. {}: {}: median Flink {}, Spark {}; 99th percentile Flink {}, Spark {} (needed within {}).",
            Unit::Count.text((i + 1) as f64),
            d.name,
            d.metric,
            ms(f50),
            ms(s50),
            ms(f99),
            ms(s99),
            ms(d.needed_ms)
        ));
        rows.push(json!({
            "domain": d.name.en, "metric": d.metric.en, "needed_ms": d.needed_ms,
            "flink_p50_ms": f50, "spark_p50_ms": s50, "flink_p99_ms": f99, "spark_p99_ms": s99,
        }));
        // A need holds for every event (each card payment, each attack), so it is checked at the 99th
        // percentile, as a service-level objective is, not at the median.
        windowed.push(d.window != WindowSpec::None);
        groups.push(BarGroup { label: d.name, values: vec![f99, s99], needed: Some(d.needed_ms) });
    }
    let met = |k: usize| groups.iter().filter(|g| g.values[k] <= g.needed.unwrap_or(f64::INFINITY)).count();
    let (flink_met, spark_met, n) = (met(0), met(1), groups.len());
    // The slowest p99 of either engine; the domain's pipeline, not the engine, decides it when the other
    // engine is nearly as slow there.
    let (i, k) = (0..groups.len())
        .flat_map(|i| [(i, 0), (i, 1)])
        .max_by(|a, b| groups[a.0].values[a.1].total_cmp(&groups[b.0].values[b.1]))
        .expect("six domains");
    let (slowest, engine) = (&groups[i], ["Flink", "Spark"][k]);
    let why = if windowed[i] && slowest.values[1 - k] * 1.5 >= slowest.values[k] {
        t!(": оны қозғалтқыш емес, терезе өлшемі анықтайды", ": its window size decides it, not the engine")
    } else {
        t!("", "")
    };
    let answer = tl!(
        "Ағындық деректер банкте (алаяқтықты анықтау), IoT-та, көлікте, маркетингте, киберқауіпсіздікте және телекомда қолданылады: әр салада нәтиже белгілі бір уақыт ішінде керек. Әр салаға бір ағын жасалып, талап 99-процентиль бойынша тексерілді (100 нәтиженің 99-ы уақтылы болуы керек): {0} саланың ішінде Flink {1}, Spark {2} салада талапты орындайды. Ең баяу нәтиже — {3} ({4}, p99 {5}){6}.",
        "Streaming data is used in banking (fraud detection), IoT, transport, marketing, cybersecurity and telecom: in each domain a result is needed within some time. One pipeline per domain, held to its need at the 99th percentile (99 results in 100 in time): Flink meets it in {1} of {0} domains, Spark in {2}. The slowest result is {3} ({4}, p99 {5}){6}.",
        Unit::Count.text(n as f64),
        Unit::Count.text(flink_met as f64),
        Unit::Count.text(spark_met as f64),
        slowest.label,
        Text::new(engine, engine),
        Unit::Ms.text(slowest.values[k]),
        why
    );
    let headline = Figure {
        id: "domains".into(),
        title: t!("Салалар: нәтижеге дейінгі уақыт және керегі", "Domains: time to result and the time needed"),
        caption: tl!(
            "Қара сызық — сала талап ететін уақыт, бағандар — 99-процентиль: {0} саланың ішінде Flink {1}, Spark {2} салада үлгереді.",
            "The black tick is the time each domain needs, the bars the 99th percentile: Flink is in time in {1} of {0} domains, Spark in {2}.",
            Unit::Count.text(n as f64),
            Unit::Count.text(flink_met as f64),
            Unit::Count.text(spark_met as f64)
        ),
        plot: Plot::Bars(Bars {
            axis: Axis::log(
                t!("нәтижеге дейінгі уақыт, p99 (лог. шкала)", "time to result, p99 (log scale)"),
                Unit::Ms,
            ),
            series: vec![t!("Flink", "Flink"), t!("Spark", "Spark")],
            needed: Some(t!("керегі", "needed")),
            groups,
        }),
    };
    Ok(LabReport {
        id: "applications",
        title: t!("7-зертхана. Қолдану салалары", "Lab 7. Application areas"),
        scenario: "applications",
        results: json!({ "domains": rows, "domains_in_time": { "flink": flink_met, "spark": spark_met } }),
        answer,
        headline,
        figures: vec![],
        summary,
    })
}
