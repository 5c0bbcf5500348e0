//! `streamlab export`: the replay settings, or a scenario's pipeline, as a job for the real engines.
//!
//! The file variant (`job.py EVENTS.csv`) feeds a trace the way `replay` does and prints replay's CSV, so
//! the two can be compared row by row (`tests/oracle`). The Kafka variant reads the scenario's topic, for
//! students moving on to a real cluster.

use std::path::Path;
use streamlab_sim::Scenario;
use streamlab_sim::engine::replay::ReplaySettings;
use streamlab_sim::engine::spark::OutputMode;
use streamlab_sim::engine::window::WindowSpec;
use streamlab_sim::engine::{Aggregate, TimeDomain};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    Spark,
    Flink,
}

const SPARK_FILE: &str = include_str!("export/spark_file.py");
const FLINK_FILE: &str = include_str!("export/flink_file.py");
const SPARK_KAFKA: &str = include_str!("export/spark_kafka.py");
const FLINK_KAFKA: &str = include_str!("export/flink_kafka.py");

/// `tumbling:SIZE_MS`, `sliding:SIZE_MS:SLIDE_MS` or `session:GAP_MS`, as the templates read it.
fn window_arg(w: &WindowSpec) -> Result<String, String> {
    match *w {
        WindowSpec::Tumbling { size_ms } => Ok(format!("tumbling:{size_ms}")),
        WindowSpec::Sliding { size_ms, slide_ms } => Ok(format!("sliding:{size_ms}:{slide_ms}")),
        WindowSpec::Session { gap_ms } => Ok(format!("session:{gap_ms}")),
        WindowSpec::None => Err("export needs a window (tumbling, sliding or session): a job without one has \
                                 no windows, watermarks or lateness to compare"
            .into()),
    }
}

fn mode_arg(m: OutputMode) -> &'static str {
    match m {
        OutputMode::Append => "append",
        OutputMode::Update => "update",
        OutputMode::Complete => "complete",
    }
}

/// `s` as a Python string literal: a JSON string is one, whatever quotes or backslashes a name holds.
fn python_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

fn fill(template: &str, values: &[(&str, String)]) -> String {
    values.iter().fold(template.to_string(), |t, (k, v)| t.replace(&format!("{{{{{k}}}}}"), v))
}

/// The file variant: `job.py` for the replay settings.
pub fn file_job(target: Target, s: &ReplaySettings, flags: &str) -> Result<String, String> {
    let window = window_arg(&s.window)?;
    let common = [
        ("SETTINGS", flags.to_string()),
        ("WINDOW", window),
        ("WATERMARK_DELAY_MS", s.watermark_delay_ms.to_string()),
        ("TRIGGER_MS", s.trigger_ms.to_string()),
        ("OUTPUT_MODE", mode_arg(s.output_mode).to_string()),
        ("ALLOWED_LATENESS_MS", s.allowed_lateness_ms.to_string()),
    ];
    Ok(fill(if target == Target::Spark { SPARK_FILE } else { FLINK_FILE }, &common))
}

/// The Kafka variant: `job.py` reading the scenario's topic, and its run instructions.
pub fn kafka_job(target: Target, sc: &Scenario) -> Result<(String, String), String> {
    let pipe = sc.pipeline.as_ref().ok_or("the scenario has no [pipeline] table: nothing to export")?;
    if pipe.time == TimeDomain::Processing {
        return Err("export writes event-time jobs; set pipeline.time = \"event\"".into());
    }
    let aggregate = match pipe.aggregate {
        Aggregate::Count => "count",
        Aggregate::Sum => "sum",
        Aggregate::Avg => "avg",
        Aggregate::Min => "min",
        Aggregate::Max => "max",
    };
    let values = [
        ("SCENARIO", python_str(&sc.name)),
        ("TOPIC", sc.topic.name.clone()),
        ("WINDOW", window_arg(&pipe.window)?),
        ("AGGREGATE", aggregate.to_string()),
        ("FILTER_MAX_VALUE", pipe.filter_max_value.to_string()),
        ("PARALLELISM", pipe.parallelism.to_string()),
        ("WATERMARK_DELAY_MS", sc.flink.watermark_delay_ms.to_string()),
        ("WATERMARK_INTERVAL_MS", sc.flink.watermark_interval_ms.to_string()),
        ("ALLOWED_LATENESS_MS", sc.flink.allowed_lateness_ms.to_string()),
        ("SPARK_WATERMARK_DELAY_MS", sc.spark.watermark_delay_ms.to_string()),
        ("TRIGGER_MS", sc.spark.trigger_ms.to_string()),
        ("OUTPUT_MODE", mode_arg(sc.spark.output_mode).to_string()),
    ];
    let (template, package) = match target {
        Target::Spark => (SPARK_KAFKA, "pyspark==4.3.0"),
        Target::Flink => (FLINK_KAFKA, "apache-flink==2.3.0"),
    };
    let readme = format!(
        "{name}: the scenario's pipeline as a {engine} job reading the Kafka topic `{topic}`.\n\n\
         Each Kafka record: key = the record's key, value = `event_ms,value` as text.\n\n\
         pip install {package}        # Java 17 on the PATH\n\
         {run}\n\n\
         The job prints every result row to standard output. It is generated from the scenario and not run \
         by streamlab's tests (they need no Kafka); the file variant, `streamlab export --engine {engine} \
         --window ... EVENTS.csv`, is the tested one.\n",
        name = sc.name,
        engine = if target == Target::Spark { "spark" } else { "flink" },
        topic = sc.topic.name,
        run = match target {
            Target::Spark => "spark-submit --packages org.apache.spark:spark-sql-kafka-0-10_2.13:4.3.0 \
                              job.py localhost:9092"
                .to_string(),
            Target::Flink => "# the Kafka connector jar (flink-sql-connector-kafka for Flink 2.x) beside job.py:\n\
                              python job.py localhost:9092 flink-sql-connector-kafka.jar"
                .to_string(),
        },
    );
    Ok((fill(template, &values), readme))
}

/// Writes `DIR/job.py` (and `DIR/README.txt` when given).
pub fn write(dir: &Path, job: &str, readme: Option<&str>) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("job.py"), job)?;
    if let Some(text) = readme {
        std::fs::write(dir.join("README.txt"), text)?;
    }
    Ok(())
}
