//! Concept questions on the six review questions: multiple choice, graded by letter against the key in
//! the instructor folder (`instructor/concepts.toml`), which is neither compiled into the command nor
//! part of the handout. A wrong letter is answered with why it is wrong, in Kazakh and English.

use super::Answers;
use super::report::{CheckResult, ExerciseResult};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::Path;
use streamlab_labs::text::Text;

pub struct Concept {
    pub id: &'static str,
    pub question: (&'static str, &'static str),
    pub options: [(&'static str, &'static str); 4],
}

pub const CONCEPTS: &[Concept] = &[
    Concept {
        id: "c1",
        question: (
            "5V моделіне 3V-дан басқа қандай екі сипаттама қосылады?",
            "Which two characteristics does the 5V model add to the 3V?",
        ),
        options: [
            ("Volume және Velocity", "Volume and Velocity"),
            ("Veracity және Value", "Veracity and Value"),
            ("Variety және Velocity", "Variety and Velocity"),
            ("Visibility және Volatility", "Visibility and Volatility"),
        ],
    },
    Concept {
        id: "c2",
        question: (
            "batch-vs-stream зертханасында пакеттік жұмыстың кешігуін не анықтайды?",
            "In the batch-vs-stream lab, what sets the batch job's latency?",
        ),
        options: [
            ("жазба өңдеу құны", "the cost per record"),
            ("жұмыс кестесі мен іске қосу уақыты", "the job schedule and its start-up time"),
            ("Kafka репликациясы", "Kafka replication"),
            ("су белгісі", "the watermark"),
        ],
    },
    Concept {
        id: "c3",
        question: (
            "Kafka-да тұтынушылар тобындағы параллелизмнің бірлігі не?",
            "In Kafka, what is the unit of parallelism of a consumer group?",
        ),
        options: [
            ("topic", "the topic"),
            ("брокер", "the broker"),
            ("партиция", "the partition"),
            ("хабарлама", "the message"),
        ],
    },
    Concept {
        id: "c4",
        question: (
            "Spark Structured Streaming-те су белгісі қашан есептеледі?",
            "When does Spark Structured Streaming compute the watermark?",
        ),
        options: [
            ("әр жазбадан кейін", "after every record"),
            ("микроблок соңында, келесісі үшін", "at the end of a micro-batch, for the next one"),
            ("әр 200 мс сайын", "every 200 ms"),
            ("тек бақылау нүктесінде", "only at checkpoints"),
        ],
    },
    Concept {
        id: "c5",
        question: (
            "Терезелік агрегатта Flink пен Spark кешігуін не көбіне анықтайды?",
            "For a windowed aggregation, what dominates both Flink's and Spark's latency?",
        ),
        options: [
            ("JVM жылдамдығы", "the JVM's speed"),
            ("терезе өлшемі және рұқсат етілген ретсіздік", "the window size and the allowed out-of-orderness"),
            ("Kafka партицияларының саны", "the number of Kafka partitions"),
            ("желідегі кешігу", "the network delay"),
        ],
    },
    Concept {
        id: "c6",
        question: ("Қай салада нәтиже миллисекундтарда қажет?", "Which domain needs its result within milliseconds?"),
        options: [
            ("айлық есептер", "monthly reports"),
            ("банктегі алаяқтықты анықтау", "fraud detection in banking"),
            ("логтарды мұрағаттау", "log archiving"),
            ("тарихи деректерді талдау", "historical analysis"),
        ],
    },
];

pub fn find(id: &str) -> Option<&'static Concept> {
    CONCEPTS.iter().find(|c| c.id == id)
}

impl Concept {
    pub fn text(&self) -> Text {
        let letters = ['a', 'b', 'c', 'd'];
        let list = |kk: bool| {
            let pick = |o: &(&'static str, &'static str)| if kk { o.0 } else { o.1 };
            self.options.iter().zip(letters).map(|(o, l)| format!("  {l}) {}", pick(o))).collect::<Vec<_>>().join("\n")
        };
        Text::new(format!("{}\n{}", self.question.0, list(true)), format!("{}\n{}", self.question.1, list(false)))
    }
}

/// One question's key: the right letter and, per wrong letter, why it is wrong (kk, en).
#[derive(serde::Deserialize)]
struct Entry {
    answer: String,
    #[serde(flatten)]
    why_not: BTreeMap<String, Why>,
}

#[derive(serde::Deserialize)]
struct Why {
    kk: String,
    en: String,
}

pub struct Key(BTreeMap<String, Entry>);

impl Key {
    /// `DIR/concepts.toml`; `None` when the folder has no key (a student's handout).
    pub fn load(instructor: &Path) -> Result<Option<Key>> {
        let path = instructor.join("concepts.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let key = Key(toml::from_str(&text).with_context(|| format!("{} is not a valid key", path.display()))?);
        let problems = key.problems();
        if !problems.is_empty() {
            bail!("{}: {}", path.display(), problems.join("; "));
        }
        Ok(Some(key))
    }

    /// Every question has a right letter and an explanation for each of the three others.
    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in CONCEPTS {
            let Some(e) = self.0.get(c.id) else {
                out.push(format!("no [{}]", c.id));
                continue;
            };
            for l in ["a", "b", "c", "d"] {
                match (l == e.answer, e.why_not.contains_key(l)) {
                    (true, true) => {
                        out.push(format!("{}: the right answer `{l}` has an explanation of why it is wrong", c.id))
                    }
                    (false, false) => {
                        out.push(format!("{}: `{l}` lacks an explanation (kk, en) of why it is wrong", c.id))
                    }
                    _ => {}
                }
            }
            if !["a", "b", "c", "d"].contains(&e.answer.as_str()) {
                out.push(format!("{}: answer `{}` is not a letter a-d", c.id, e.answer));
            }
        }
        out
    }
}

pub fn grade(answers: &Answers, key: Option<&Key>) -> ExerciseResult {
    let checks = CONCEPTS
        .iter()
        .map(|c| {
            let got = answers.values.get(c.id).and_then(|v| v.as_str()).map(|s| s.trim().to_lowercase());
            let (passed, message) = match (&answers.problem, got, key.and_then(|k| k.0.get(c.id))) {
                (Some(p), _, _) => (false, p.clone()),
                (None, None, _) => {
                    (false, format!("no answer for {}: write one letter, a to d, as {} = \"LETTER\"", c.id, c.id))
                }
                (None, Some(g), None) => (
                    false,
                    format!("`{g}` is recorded; concept answers are graded with the instructor's key, which the handout does not include"),
                ),
                (None, Some(g), Some(e)) if g == e.answer => (true, String::new()),
                (None, Some(g), Some(e)) => match e.why_not.get(&g) {
                    Some(why) => (false, format!("`{g}` is not right. {} / {}", why.kk, why.en)),
                    None => (false, format!("`{g}` is not one of the letters a, b, c, d")),
                },
            };
            CheckResult { name: c.id.to_string(), points: 1, passed, message }
        })
        .collect();
    ExerciseResult { id: "concepts".into(), checks }
}
