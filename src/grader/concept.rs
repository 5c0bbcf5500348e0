//! Concept questions on the six review questions: multiple choice, graded by letter. The instructor's
//! plain key (the right letter and why each other letter is wrong, in Kazakh and English) is never read
//! when grading: `streamlab grade --seal-concepts` seals it with the instructor's secret into
//! `concepts.sealed.toml`, which holds per question the tag HMAC-SHA256(secret, id, letter) of the right
//! letter and the explanations sealed under the tags of the wrong ones. Without the secret the sealed key
//! scores nothing and tells nothing; the handout and the Gradescope package carry only the sealed key.

use super::Answers;
use super::report::{CheckResult, ExerciseResult};
use super::secret::{hex, open, seal, tag};
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
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
            ("су белгісі", "the watermark"),
            ("Kafka репликациясы", "Kafka replication"),
            ("жұмыс кестесі мен іске қосу уақыты", "the job schedule and its start-up time"),
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
            ("микроблок соңында, келесісі үшін", "at the end of a micro-batch, for the next one"),
            ("әр жазбадан кейін", "after every record"),
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
            ("желідегі кешігу", "the network delay"),
            ("Kafka партицияларының саны", "the number of Kafka partitions"),
            ("терезе өлшемі және рұқсат етілген ретсіздік", "the window size and the allowed out-of-orderness"),
        ],
    },
    Concept {
        id: "c6",
        question: ("Қай салада нәтиже миллисекундтарда қажет?", "Which domain needs its result within milliseconds?"),
        options: [
            ("банктегі алаяқтықты анықтау", "fraud detection in banking"),
            ("айлық есептер", "monthly reports"),
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

/// One question of the plain key: the right letter and, per wrong letter, why it is wrong (kk, en).
#[derive(Deserialize)]
struct Entry {
    answer: String,
    #[serde(flatten)]
    why_not: BTreeMap<String, Why>,
}

#[derive(Deserialize)]
struct Why {
    kk: String,
    en: String,
}

/// The plain key, as the instructor writes it.
pub struct PlainKey(BTreeMap<String, Entry>);

/// Where the sealed key lives in the instructor folder.
pub const SEALED: &str = "concepts.sealed.toml";

impl PlainKey {
    pub fn load(path: &Path) -> Result<PlainKey> {
        let text = std::fs::read_to_string(path).with_context(|| format!("{} cannot be read", path.display()))?;
        let key = PlainKey(toml::from_str(&text).with_context(|| format!("{} is not a valid key", path.display()))?);
        let problems = key.problems();
        if !problems.is_empty() {
            bail!("{}: {}", path.display(), problems.join("; "));
        }
        Ok(key)
    }

    /// Every question has a right letter and an explanation for each of the three others.
    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in CONCEPTS {
            let Some(e) = self.0.get(c.id) else {
                out.push(format!("no [{}]", c.id));
                continue;
            };
            for l in LETTERS {
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
            if !LETTERS.contains(&e.answer.as_str()) {
                out.push(format!("{}: answer `{}` is not a letter a-d", c.id, e.answer));
            }
        }
        out
    }

    /// Each question's id and right letter.
    pub fn answers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(id, e)| (id.as_str(), e.answer.as_str()))
    }

    /// The key sealed with `secret`.
    pub fn seal(&self, secret: &[u8]) -> SealedKey {
        let questions = self
            .0
            .iter()
            .map(|(id, e)| {
                let why_not = e
                    .why_not
                    .iter()
                    .map(|(l, why)| (letter_tag(secret, id, l), seal(secret, &format!("{id}/{l}"), &why.text())))
                    .collect();
                (id.clone(), Sealed { answer: letter_tag(secret, id, &e.answer), why_not })
            })
            .collect();
        SealedKey { secret_check: secret_check(secret), questions }
    }
}

impl Why {
    fn text(&self) -> String {
        format!("{} / {}", self.kk, self.en)
    }
}

const LETTERS: [&str; 4] = ["a", "b", "c", "d"];

/// The tag of answer `letter` to question `id`: what the sealed key stores instead of the letter.
fn letter_tag(secret: &[u8], id: &str, letter: &str) -> String {
    hex(&tag(secret, &[b"concept", id.as_bytes(), letter.as_bytes()]))
}

/// A tag of the secret alone: tells a key sealed with another secret from a wrong answer.
fn secret_check(secret: &[u8]) -> String {
    hex(&tag(secret, &[b"concept key"]))
}

/// The key as grading reads it: no letter and no explanation in the clear.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedKey {
    secret_check: String,
    questions: BTreeMap<String, Sealed>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sealed {
    /// The right letter's tag.
    answer: String,
    /// A wrong letter's tag -> why it is wrong, sealed.
    why_not: BTreeMap<String, String>,
}

impl SealedKey {
    /// `DIR/concepts.sealed.toml`; `None` when the folder has none (a student's handout).
    pub fn load(instructor: &Path) -> Result<Option<SealedKey>> {
        let path = instructor.join(SEALED);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
        };
        let key: SealedKey = toml::from_str(&text).with_context(|| {
            format!("{} is not a sealed key: write it with `streamlab grade --seal-concepts`", path.display())
        })?;
        if let Some(c) = CONCEPTS.iter().find(|c| !key.questions.contains_key(c.id)) {
            bail!("{} has no [questions.{}]: seal the key again", path.display(), c.id);
        }
        Ok(Some(key))
    }

    pub fn to_toml(&self) -> String {
        let head = "# The concept key sealed with the instructor's secret (`streamlab grade --seal-concepts`): tags of \
                    the right letters and\n# sealed explanations. Useless without the secret; seal it again when the \
                    secret or the plain key changes.\n";
        head.to_string() + &toml::to_string(self).expect("a sealed key serializes")
    }

    /// Whether `secret` sealed this key.
    pub fn sealed_with(&self, secret: &[u8]) -> bool {
        self.secret_check == secret_check(secret)
    }
}

/// Scores the concept answers to the questions `asked` takes: against the sealed key, and only with the
/// secret that sealed it.
pub fn grade(
    answers: &Answers,
    secret: Option<&[u8]>,
    key: Option<&SealedKey>,
    asked: impl Fn(&str) -> bool,
) -> ExerciseResult {
    let checks = CONCEPTS
        .iter()
        .filter(|c| asked(c.id))
        .map(|c| {
            let given = answers.values.get(c.id);
            let got = given.and_then(|v| v.as_str()).map(|s| s.trim().to_lowercase());
            let (passed, message) = match (&answers.problem, got) {
                (Some(p), _) => (false, p.clone()),
                (None, None) => {
                    let hint = match given {
                        Some(v) => format!("{} = {v} is not a letter", c.id),
                        None => answers.misplaced(c.id).unwrap_or_else(|| format!("no answer for {}", c.id)),
                    };
                    (false, format!("{hint}: write one letter, a to d, under [concept] as {} = \"LETTER\"", c.id))
                }
                (None, Some(g)) => judge(c.id, &g, secret, key),
            };
            CheckResult::new(c.id, 1, passed, &message)
        })
        .collect();
    ExerciseResult { id: "concepts".into(), checks }
}

fn judge(id: &str, got: &str, secret: Option<&[u8]>, key: Option<&SealedKey>) -> (bool, String) {
    // Checked before the key: a self-check must not call `e` recorded when the graded run refuses it.
    if !LETTERS.contains(&got) {
        return (false, format!("`{got}` is not one of the letters a, b, c, d"));
    }
    let (Some(secret), Some(key)) = (secret, key) else {
        let missing = if key.is_none() {
            "the instructor's key, which the handout does not include"
        } else {
            "the instructor's secret"
        };
        return (false, format!("`{got}` is recorded; concept answers are graded with {missing}"));
    };
    if !key.sealed_with(secret) {
        return (
            false,
            format!(
                "`{got}` cannot be graded: the concept key was sealed with another secret; seal it again with \
                 `streamlab grade --seal-concepts PLAIN --secret-file FILE` and this secret"
            ),
        );
    }
    let q = &key.questions[id];
    let mine = letter_tag(secret, id, got);
    if mine == q.answer {
        return (true, String::new());
    }
    match q.why_not.get(&mine).and_then(|sealed| open(secret, &format!("{id}/{got}"), sealed)) {
        Some(why) => (false, format!("`{got}` is not right. {why}")),
        None => (false, format!("`{got}` is not right")),
    }
}

/// Writes `instructor/concepts.sealed.toml` from the plain key at `plain`, sealed with `secret`.
pub fn seal_key(plain: &Path, secret: &[u8], instructor: &Path) -> Result<()> {
    let key = PlainKey::load(plain)?.seal(secret);
    let out = instructor.join(SEALED);
    std::fs::create_dir_all(instructor).with_context(|| format!("creating {}", instructor.display()))?;
    std::fs::write(&out, key.to_toml()).with_context(|| format!("writing {}", out.display()))?;
    println!("{}: the concept key sealed with the secret; grading reads only this file", out.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"9f2c4e7a1b3d5f60718293a4b5c6d7e8f9a0b1c2";

    fn plain() -> PlainKey {
        PlainKey::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("instructor/concepts.toml")).unwrap()
    }

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        let values = pairs.iter().map(|(id, l)| (id.to_string(), toml::Value::String(l.to_string()))).collect();
        Answers { values, ..Answers::default() }
    }

    /// Every question answered with its right letter, and the sealed key's text.
    fn right_and_sealed() -> (Answers, String) {
        let key = plain();
        let right: Vec<(&str, &str)> = key.answers().collect();
        (answers(&right), key.seal(SECRET).to_toml())
    }

    #[test]
    fn the_sealed_key_scores_right_letters_and_explains_wrong_ones_with_its_secret() {
        let (right, text) = right_and_sealed();
        let sealed: SealedKey = toml::from_str(&text).unwrap();
        assert_eq!(grade(&right, Some(SECRET), Some(&sealed), |_| true).score(), 6);
        // A wrong letter, written in capitals: answers are compared trimmed and in lower case.
        let key = plain();
        let wrong_letter = *LETTERS.iter().find(|l| key.0["c1"].answer != **l).unwrap();
        let wrong = grade(&answers(&[("c1", &wrong_letter.to_uppercase())]), Some(SECRET), Some(&sealed), |_| true);
        assert!(!wrong.checks[0].passed);
        let why = key.0["c1"].why_not[wrong_letter].text();
        assert!(wrong.checks[0].message.ends_with(&why), "{}", wrong.checks[0].message);
        let nonsense = grade(&answers(&[("c1", "e")]), Some(SECRET), Some(&sealed), |_| true);
        assert!(nonsense.checks[0].message.contains("not one of the letters"), "{}", nonsense.checks[0].message);
    }

    #[test]
    fn without_its_secret_the_sealed_key_scores_nothing_and_tells_nothing() {
        let (right, text) = right_and_sealed();
        // No letter, no explanation in the clear: only tags and sealed text.
        assert!(LETTERS.iter().all(|l| !text.contains(&format!("answer = \"{l}\""))), "{text}");
        let why = plain().0["c1"].why_not.values().next().unwrap().en.clone();
        assert!(!text.contains(&why) && !text.contains(" / "), "{text}");
        let sealed: SealedKey = toml::from_str(&text).unwrap();
        let no_secret = grade(&right, None, Some(&sealed), |_| true);
        assert_eq!(no_secret.score(), 0);
        assert!(no_secret.checks[0].message.contains("graded with the instructor's secret"));
        // A letter the graded run refuses is refused by the self-check too, with or without a key.
        for key in [Some(&sealed), None] {
            let nonsense = grade(&answers(&[("c3", "e")]), None, key, |_| true);
            assert_eq!(nonsense.checks[2].message, "`e` is not one of the letters a, b, c, d");
        }
        let other = grade(&right, Some(b"another secret, as long as the first one is"), Some(&sealed), |_| true);
        assert_eq!(other.score(), 0);
        assert!(other.checks[0].message.contains("sealed with another secret"), "{}", other.checks[0].message);
        // Guessing needs the secret: the right letter's tag under another secret matches nothing.
        let q = &sealed.questions["c1"];
        assert!(LETTERS.iter().all(|l| letter_tag(b"guess", "c1", l) != q.answer));
    }
}
