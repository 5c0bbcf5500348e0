//! What the engine labs share: a scenario with a pipeline, engines chosen by kind, each engine's summary
//! and latency distribution, and the latency CDF figure.

use crate::chart::{Axis, Figure, Lines, Mark, Plot, Series, Unit};
use crate::error::{LabError, Result};
use crate::lab::{lab_base, run_traced};
use crate::t;
use crate::text::Text;
use streamlab_sim::Scenario;
use streamlab_sim::engine::spark::SparkMode;
use streamlab_sim::engine::{EngineSummary, PipelineConfig};
use streamlab_sim::scenario::EngineKind;

/// An engine's summary and its latency CDF (ms, fraction of records).
pub struct EngineRun {
    pub summary: EngineSummary,
    pub cdf: Vec<(f64, f64)>,
}

/// An engine lab's base scenario, which must have a pipeline, running only `kinds`.
pub fn base(lab: &str, seed: Option<u64>, scenario: Option<&Scenario>, kinds: &[EngineKind]) -> Result<Scenario> {
    let mut s = lab_base(lab, seed, scenario);
    if s.pipeline.is_none() {
        return Err(LabError::Unfit {
            scenario: s.name,
            problem:
                "has no [pipeline] table, which this lab needs: start from `streamlab scenario show flink-vs-spark`"
                    .into(),
        });
    }
    // The labs measure Spark's micro-batches (triggers, per-batch overhead, batches replayed after a failure).
    if kinds.contains(&EngineKind::Spark) && s.spark.mode == SparkMode::Continuous {
        return Err(LabError::Unfit {
            scenario: s.name,
            problem: "runs Spark in continuous mode, and this lab measures Spark's micro-batches: set spark.mode = \
                      \"micro_batch\" (`streamlab run` shows a continuous query on its own)"
                .into(),
        });
    }
    s.engines = kinds.to_vec();
    Ok(s)
}

pub fn pipe(s: &mut Scenario) -> &mut PipelineConfig {
    s.pipeline.as_mut().expect("engine labs check for a pipeline")
}

/// Runs the scenario; returns each engine's summary and latency CDF, in the scenario's engine order.
pub fn run(s: &Scenario) -> Result<Vec<EngineRun>> {
    let (r, traces) = run_traced(s)?;
    Ok(r.engines
        .into_iter()
        .zip(traces)
        .map(|(summary, t)| EngineRun { summary, cdf: thin(t.latency_cdf_ms) })
        .collect())
}

/// The single engine's summary: for labs that run one engine.
pub fn one(s: &Scenario) -> Result<EngineSummary> {
    run(s)?
        .into_iter()
        .next()
        .map(|r| r.summary)
        .ok_or_else(|| LabError::Missing(format!("scenario {} ran no engine", s.name)))
}

/// At most ~60 points of a CDF: charts stay small and snapshots readable.
fn thin(cdf: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let step = (cdf.len() / 60).max(1);
    cdf.iter().enumerate().filter(|(i, _)| i % step == 0 || *i == cdf.len() - 1).map(|(_, p)| *p).collect()
}

/// Latency CDFs with p50 and p99 marked, each engine's percentiles in its legend.
pub fn cdf_figure(id: &str, title: Text, caption: Text, runs: &[EngineRun]) -> Figure {
    let series = runs
        .iter()
        .map(|r| {
            let l = &r.summary.latency_ms;
            let (p50, p99, name) = (Unit::Ms.text(l.p50_ms), Unit::Ms.text(l.p99_ms), engine_name(&r.summary.engine));
            let name = Text::new(
                format!("{}: p50 {}, p99 {}", name.kk, p50.kk, p99.kk),
                format!("{}: p50 {}, p99 {}", name.en, p50.en, p99.en),
            );
            Series::line(name, r.cdf.clone())
        })
        .collect();
    Figure {
        id: id.into(),
        title,
        caption,
        plot: Plot::Lines(Lines {
            x: Axis::log(t!("кешігу (логарифмдік шкала)", "latency (log scale)"), Unit::Ms),
            y: Axis::new(t!("жазбалар үлесі", "fraction of records"), Unit::Plain),
            series,
            marks: vec![Mark::Y { at: 0.5, label: t!("p50", "p50") }, Mark::Y { at: 0.99, label: t!("p99", "p99") }],
        }),
    }
}

/// An engine's name for readers.
pub fn engine_name(engine: &str) -> Text {
    match engine {
        "flink" => t!("Flink", "Flink"),
        "spark" => t!("Spark", "Spark"),
        "batch" => t!("пакеттік жұмыс", "batch job"),
        other => Text::new(other, other),
    }
}

/// The run of the engine named `name`.
pub fn named<'a>(runs: &'a [EngineRun], name: &str) -> Result<&'a EngineSummary> {
    runs.iter()
        .map(|r| &r.summary)
        .find(|s| s.engine == name)
        .ok_or_else(|| LabError::Missing(format!("the {name} engine did not run")))
}
