//! Lab `batch-vs-stream` (section 3): Flink, Spark and a batch job on the same clicks. Stream processing
//! answers within seconds; the batch job answers once per schedule, minutes later.

use crate::chart::Unit;
use crate::engines::{self, cdf_figure, named};
use crate::error::Result;
use crate::lab::{Compared, LabReport, factor};
use crate::text::Text;
use crate::{t, tl};
use serde_json::json;
use streamlab_sim::Scenario;
use streamlab_sim::scenario::EngineKind;

pub fn run_lab(seed: Option<u64>, scenario: Option<&Scenario>, progress: &mut dyn FnMut(&str)) -> Result<LabReport> {
    progress("stream and batch on the same clicks");
    let s =
        engines::base("batch-vs-stream", seed, scenario, &[EngineKind::Flink, EngineKind::Spark, EngineKind::Batch])?;
    let runs = engines::run(&s)?;
    let (flink, spark, batch) = (named(&runs, "flink")?, named(&runs, "spark")?, named(&runs, "batch")?);
    let ms = |v: f64| Unit::Ms.text(v);
    let (f, sp, b) = (ms(flink.latency_ms.p50_ms), ms(spark.latency_ms.p50_ms), ms(batch.latency_ms.p50_ms));
    let vs_spark = match factor(batch.latency_ms.p50_ms, spark.latency_ms.p50_ms) {
        Compared::More(times) => tl!("Spark-тан {} есе көп", "{} times Spark's", times),
        Compared::Less(times) => tl!("Spark-тан {} есе аз", "{} times less than Spark's", times),
        Compared::Same => t!("Spark-пен шамалас", "about the same as Spark's"),
    };
    let answer = Text::new(
        format!(
            "Пакеттік өңдеу жиналған деректерді кестемен өңдейді, ағындық өңдеу әр жазбаны келген бойда өңдейді. Бір деректерде нәтиженің кешігуі (p50): Flink {}, Spark {}, пакеттік жұмыс {} — {}. Пакеттік өңдеу логтарды талдау сияқты күте алатын есептерге жеткілікті; YouTube қаралым санағы сияқты есептерге ағындық өңдеу керек.",
            f.kk, sp.kk, b.kk, vs_spark.kk
        ),
        format!(
            "Batch processing works through accumulated data on a schedule; stream processing handles each record as it arrives. On the same data the median result latency is {} for Flink, {} for Spark and {} for the batch job, {}. Batch is enough for work that can wait, such as log analysis; YouTube-style view counts need streaming.",
            f.en, sp.en, b.en, vs_spark.en
        ),
    );
    let caption = Text::new(
        format!(
            "Жазбалардың жартысы Flink-те {}, Spark-та {}, пакеттік жұмыста {} ішінде нәтижеге жетеді.",
            f.kk, sp.kk, b.kk
        ),
        format!(
            "Half the records reach a result within {} on Flink, {} on Spark and {} in the batch job.",
            f.en, sp.en, b.en
        ),
    );
    Ok(LabReport {
        id: "batch-vs-stream",
        title: t!("3-зертхана. Ағындық өңдеу және пакеттік өңдеу", "Lab 3. Stream processing vs batch processing"),
        scenario: "batch-vs-stream",
        results: json!({ "engines": runs.iter().map(|r| &r.summary).collect::<Vec<_>>() }),
        summary: vec![answer.clone()],
        answer,
        headline: cdf_figure(
            "latency-cdf",
            t!("Бір деректердегі кешігу үлестірімі", "Latency on the same data"),
            caption,
            &runs,
        ),
        figures: vec![],
    })
}
