//! streamlab's labs: one module per lecture section, the scenarios they run, and their charts.
#![forbid(unsafe_code)]

pub mod applications;
pub mod batch_vs_stream;
pub mod bigdata;
pub mod chart;
pub mod datasets;
pub mod engines;
pub mod error;
pub mod flink;
pub mod flink_vs_spark;
pub mod kafka_lab;
pub mod kmeans;
pub mod lab;
pub mod par;
pub mod review;
pub mod scenarios;
pub mod spark;
pub mod text;

use lab::LabReport;
use streamlab_sim::Scenario;

type LabFn = fn(Option<u64>, Option<&Scenario>, &mut dyn FnMut(&str)) -> error::Result<LabReport>;

/// Every lab: id (the command-line name), lecture section, and the function that runs it.
pub const LABS: &[(&str, &str, LabFn)] = &[
    ("bigdata", "1-2. Big Data, 3V/5V", bigdata::run_lab),
    ("batch-vs-stream", "3. Stream vs batch processing", batch_vs_stream::run_lab),
    ("kafka", "4. Apache Kafka", kafka_lab::run_lab),
    ("spark", "5. Spark Streaming", spark::run_lab),
    ("flink", "6. Apache Flink", flink::run_lab),
    ("flink-vs-spark", "6. Flink vs Spark (table)", flink_vs_spark::run_lab),
    ("applications", "7. Application areas", applications::run_lab),
];

/// The review lab's id: it runs the labs its questions need and writes one card per question.
pub const REVIEW: &str = "review";

pub fn find(id: &str) -> Option<LabFn> {
    LABS.iter().find(|(n, _, _)| *n == id).map(|(_, _, f)| *f)
}
