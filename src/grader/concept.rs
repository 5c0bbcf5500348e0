//! Concept questions on the six review questions: multiple choice, graded by letter.

use super::Answers;
use super::report::{CheckResult, ExerciseResult};
use streamlab_labs::text::Text;

pub struct Concept {
    pub id: &'static str,
    pub question: (&'static str, &'static str),
    pub options: [(&'static str, &'static str); 4],
    pub correct: char,
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
        correct: 'b',
    },
    Concept {
        id: "c2",
        question: (
            "batch-vs-stream зертханасында пакеттік жұмыстың кідірісін не анықтайды?",
            "In the batch-vs-stream lab, what sets the batch job's latency?",
        ),
        options: [
            ("жазба өңдеу құны", "the cost per record"),
            ("жұмыс кестесі мен іске қосу уақыты", "the job schedule and its start-up time"),
            ("Kafka репликациясы", "Kafka replication"),
            ("су белгісі", "the watermark"),
        ],
        correct: 'b',
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
            ("бөлім (partition)", "the partition"),
            ("хабарлама", "the message"),
        ],
        correct: 'c',
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
        correct: 'b',
    },
    Concept {
        id: "c5",
        question: (
            "Терезелік агрегатта Flink пен Spark кідірісін не көбіне анықтайды?",
            "For a windowed aggregation, what dominates both Flink's and Spark's latency?",
        ),
        options: [
            ("JVM жылдамдығы", "the JVM's speed"),
            ("терезе өлшемі және су белгісінің кідірісі", "the window size and the watermark delay"),
            ("Kafka бөлімдерінің саны", "the number of Kafka partitions"),
            ("желі кідірісі", "the network delay"),
        ],
        correct: 'b',
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
        correct: 'b',
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

pub fn grade(answers: &Answers) -> ExerciseResult {
    let checks = CONCEPTS
        .iter()
        .map(|c| {
            let got = answers.values.get(c.id).and_then(|v| v.as_str()).map(|s| s.trim().to_lowercase());
            let (passed, message) = match (&answers.problem, got) {
                (Some(p), _) => (false, p.clone()),
                (None, None) => {
                    (false, format!("no answer for {}: write one letter, a to d, as {} = \"LETTER\"", c.id, c.id))
                }
                (None, Some(g)) if g == c.correct.to_string() => (true, String::new()),
                (None, Some(g)) => (
                    false,
                    format!("`{g}` is not right. Hint: re-read the lab that answers review question {}", &c.id[1..]),
                ),
            };
            CheckResult { name: c.id.to_string(), points: 1, passed, message }
        })
        .collect();
    ExerciseResult { id: "concepts".into(), checks }
}

pub fn check_course() -> Vec<String> {
    CONCEPTS
        .iter()
        .filter(|c| !['a', 'b', 'c', 'd'].contains(&c.correct))
        .map(|c| format!("{}: the correct answer must be a letter a-d", c.id))
        .collect()
}
