//! Measurement exercises: run a scenario of your own variant and report a number. The grader runs the
//! same scenario to get the expected value: there is no stored answer key.

use super::Answers;
use super::report::{CheckResult, ExerciseResult};
use anyhow::Result;
use streamlab_labs::lab::{base, run};
use streamlab_labs::text::Text;
use streamlab_sim::Scenario;
use streamlab_sim::dist::DistSpec;
use streamlab_sim::engine::window::WindowSpec;
use streamlab_sim::report::Results;
use streamlab_sim::scenario::EngineKind;

pub struct Measure {
    pub id: &'static str,
    pub points: u32,
    /// The student's scenario and the question about it.
    pub variant: fn(u64) -> (Scenario, Text),
    /// The number asked for, read from the run.
    pub answer: fn(&Results) -> f64,
    /// Accepted relative difference.
    pub tolerance: f64,
}

fn pick<T: Copy>(seed: u64, salt: u64, options: &[T]) -> T {
    options[((seed ^ salt).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 33) as usize % options.len()]
}

pub const MEASURES: &[Measure] = &[
    Measure {
        id: "m1",
        points: 2,
        variant: |seed| {
            let mut s = base("flink-vs-spark", Some(seed % 1000 + 1));
            let trigger = pick(seed, 1, &[250u64, 500, 1000, 2000]);
            // The p99 is about the trigger plus a batch's planning: a planning time of each student's own
            // (40 to 160 ms in 2 ms steps) keeps classmates' answers apart by more than the tolerance.
            let overhead_ms = 40.0 + 2.0 * ((seed >> 7) % 61) as f64;
            s.name = "m1".into();
            s.engines = vec![EngineKind::Spark];
            s.spark.trigger_ms = trigger;
            s.spark.batch_overhead = DistSpec::Normal { mean_ms: overhead_ms, std_ms: 15.0 };
            s.pipeline.as_mut().expect("pipeline").window = WindowSpec::None;
            let q = Text::new(
                format!(
                    "Spark триггер аралығы {trigger} мс, ал микроблокты жоспарлау орташа {overhead_ms:.0} мс болғанда жеке жазба кешігуінің p99 мәні (мс) қандай? `streamlab compare m1.toml` кестесіндегі spark жолының «p99 ms» бағаны."
                ),
                format!(
                    "With a Spark trigger interval of {trigger} ms and {overhead_ms:.0} ms of planning per micro-batch on average, what is the p99 per-record latency (ms)? Read the spark row, column \"p99 ms\", of `streamlab compare m1.toml`."
                ),
            );
            (s, q)
        },
        answer: |r| r.engines[0].latency_ms.p99_ms,
        tolerance: 0.001,
    },
    Measure {
        id: "m2",
        points: 2,
        variant: |seed| {
            let mut s = base("broker-crash-acks-1", Some(seed % 1000 + 1));
            s.name = "m2".into();
            let rate = pick(seed, 2, &[1500.0, 2000.0, 2500.0, 3000.0]);
            for p in &mut s.producers {
                p.rate_per_s = rate;
            }
            let q = Text::new(
                format!(
                    "Әр producer {rate:.0} жазба/с жібергенде, acks=1 кезінде лидер істен шыққаннан кейін қанша расталған жазба жоғалды? `streamlab run m2.toml` нәтижесіндегі «lost»."
                ),
                format!(
                    "With each producer sending {rate:.0} records/s and acks=1, how many acknowledged records are lost when the leader dies? The \"lost\" count of `streamlab run m2.toml`."
                ),
            );
            (s, q)
        },
        answer: |r| r.ledger.lost as f64,
        tolerance: 0.0,
    },
    Measure {
        id: "m3",
        points: 2,
        variant: |seed| {
            let mut s = base("flink-vs-spark", Some(seed % 1000 + 1));
            s.name = "m3".into();
            s.engines = vec![EngineKind::Flink];
            let delay = pick(seed, 3, &[0u64, 50, 100, 200]);
            s.flink.watermark_delay_ms = delay;
            for p in &mut s.producers {
                p.event_time_lag = DistSpec::Exponential { mean_ms: 300.0 };
            }
            let q = Text::new(
                format!(
                    "Оқиғалар орташа 300 мс кешігіп келеді, ал Flink-тің рұқсат етілген ретсіздігі {delay} мс. Қанша жазба кешіккен деп саналды? `streamlab compare m3.toml` кестесіндегі «late»."
                ),
                format!(
                    "Events arrive 300 ms late on average and Flink's watermark delay is {delay} ms. How many records were late? The \"late\" column of `streamlab compare m3.toml`."
                ),
            );
            (s, q)
        },
        answer: |r| r.engines[0].late_records as f64,
        tolerance: 0.0,
    },
];

pub fn expected(m: &Measure, seed: u64) -> Result<f64> {
    let (s, _) = (m.variant)(seed);
    let r = run(&s)?;
    Ok((m.answer)(&r))
}

fn accepted(m: &Measure, got: f64, want: f64) -> bool {
    (got - want).abs() <= (m.tolerance * want.abs()).max(0.5e-3) + if m.tolerance == 0.0 { 0.5 } else { 0.0 }
}

/// Scores the answers to the measurements `asked` takes; only those are simulated.
pub fn grade(answers: &Answers, student: &str, asked: impl Fn(&str) -> bool) -> Result<ExerciseResult> {
    let seed = super::student_seed(student);
    let mut checks = Vec::new();
    for m in MEASURES.iter().filter(|m| asked(m.id)) {
        let want = expected(m, seed)?;
        let (passed, message) = match (&answers.problem, answers.values.get(m.id)) {
            (Some(p), _) => (false, p.clone()),
            (None, None) => (
                false,
                answers.misplaced(m.id).map(|place| format!("{place}: move it under [measure]")).unwrap_or_else(|| {
                    format!(
                        "no answer for {} in answers.toml: run `streamlab exercise show {} --student {student}`",
                        m.id, m.id
                    )
                }),
            ),
            (None, Some(v)) => match v.as_float().or_else(|| v.as_integer().map(|i| i as f64)) {
                None => (false, format!("the answer to {} must be a number, found {v}", m.id)),
                Some(got) if accepted(m, got, want) => (true, String::new()),
                Some(got) => (
                    false,
                    format!(
                        "{got} is not what your variant measures; run the commands of `streamlab exercise show {} --student {student}` again and read the number it names",
                        m.id
                    ),
                ),
            },
        };
        checks.push(CheckResult::new(m.id, m.points, passed, &message));
    }
    Ok(ExerciseResult { id: "measurements".into(), checks })
}

pub fn check_course() -> Result<Vec<String>> {
    let seed = super::student_seed("check-course");
    let mut problems = Vec::new();
    for m in MEASURES {
        let want = expected(m, seed)?;
        if !accepted(m, want, want) {
            problems.push(format!("{}: the grader rejects its own expected answer {want}", m.id));
        }
        if accepted(m, want * 1.5 + 1.0, want) {
            problems.push(format!("{}: a wrong answer {} is accepted", m.id, want * 1.5 + 1.0));
        }
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A classmate's answer is not accepted as one's own: among twelve students, no two measure values
    /// within each other's tolerance (m1 once gave four of them the same p99 to the microsecond).
    #[test]
    fn classmates_answers_are_apart() {
        let ids: Vec<String> = (1..=12).map(|i| format!("s{i:02}")).collect();
        for m in MEASURES.iter().filter(|m| m.id == "m1") {
            let got: Vec<f64> = ids.iter().map(|id| expected(m, super::super::student_seed(id)).unwrap()).collect();
            for (i, a) in got.iter().enumerate() {
                for (j, b) in got.iter().enumerate().skip(i + 1) {
                    assert!(!accepted(m, *a, *b), "{}: {} and {} both measure about {a} ({b})", m.id, ids[i], ids[j]);
                }
            }
        }
    }
}
