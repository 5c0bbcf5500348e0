//! Lab `review` (section 9): an answer card for each review question, built from the other labs' runs.
//! A card opens with the answer (quoting the measured numbers, never typed in), then its headline
//! figure with a caption stating the measured answer, then a few supporting figures.

use crate::chart::Figure;
use crate::error::{LabError, Result};
use crate::lab::{LabReport, render, write};
use crate::t;
use crate::text::{Lang, Text};
use std::path::Path;

/// A measured sentence drawn from a lab's report.
pub type Sentence = fn(&LabReport) -> Result<Text>;

/// A review question: the lab whose answer and headline figure answer it, a measured sentence from
/// another lab that completes the answer, and supporting figures named by (lab, figure id).
pub struct Question {
    pub text: Text,
    pub lab: &'static str,
    pub quote: Option<(&'static str, Sentence)>,
    pub supporting: &'static [(&'static str, &'static str)],
}

/// The six review questions, in the lecture's order.
pub fn questions() -> Vec<Question> {
    vec![
        Question {
            text: t!(
                "Big Data ұғымы қандай ерекшеліктерге ие?",
                "What characteristics does the notion of Big Data have?"
            ),
            lab: "bigdata",
            quote: None,
            supporting: &[],
        },
        Question {
            text: t!(
                "Batch және Stream өңдеу айырмашылығы қандай?",
                "What is the difference between batch and stream processing?"
            ),
            lab: "batch-vs-stream",
            quote: None,
            supporting: &[],
        },
        Question {
            text: t!(
                "Kafka архитектурасының негізгі элементтері?",
                "What are the main elements of the Kafka architecture?"
            ),
            lab: "kafka",
            quote: None,
            supporting: &[
                ("kafka", "loss"),
                ("kafka", "consumer-lag"),
                ("kafka", "consumers-vs-partitions"),
                ("kafka", "linger"),
            ],
        },
        Question {
            text: t!("Spark Streaming қалай жұмыс істейді?", "How does Spark Streaming work?"),
            lab: "spark",
            quote: None,
            supporting: &[("spark", "stability"), ("spark", "latency-vs-trigger")],
        },
        Question {
            text: t!("Flink-тің Spark-тан артықшылығы неде?", "What is Flink's advantage over Spark?"),
            lab: "flink-vs-spark",
            quote: Some(("flink", crate::flink::after_failure)),
            supporting: &[
                ("flink", "watermark-timeline"),
                ("flink", "exactly-once-vs-at-least-once"),
                ("flink-vs-spark", "latency-vs-window"),
            ],
        },
        Question {
            text: t!("Ағындық деректер қандай салаларда қолданылады?", "In which domains is streaming data used?"),
            lab: "applications",
            quote: None,
            supporting: &[],
        },
    ]
}

fn report<'a>(reports: &'a [LabReport], id: &str) -> Result<&'a LabReport> {
    reports
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| LabError::Missing(format!("the review needs lab `{id}`, which did not run")))
}

/// The figures of card `q` (1-based): the headline, then the supporting ones, each with its lab.
pub fn figures(reports: &[LabReport], q: usize) -> Result<Vec<(&'static str, &Figure)>> {
    let question = &questions()[q - 1];
    let mut out = vec![(question.lab, &report(reports, question.lab)?.headline)];
    for (lab, id) in question.supporting {
        let f = report(reports, lab)?
            .figure(id)
            .ok_or_else(|| LabError::Missing(format!("lab {lab} has no figure `{id}`")))?;
        out.push((lab, f));
    }
    Ok(out)
}

/// Where a card finds its drawings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Drawings {
    /// Beside the card, the headline as `headline.LANG.svg` (`lab review`).
    Beside,
    /// In the book, under `charts/LAB/`.
    Book,
}

/// Card `q` (1-based) in markdown, with `heading` as its heading marks.
/// `flags` follow each command that reproduces the card (` --seed 1`, or nothing for the built-in runs).
pub fn card(
    reports: &[LabReport],
    q: usize,
    lang: Lang,
    heading: &str,
    drawings: Drawings,
    flags: &str,
) -> Result<String> {
    let question = &questions()[q - 1];
    let lab = report(reports, question.lab)?;
    let quote = match question.quote {
        Some((from, sentence)) => format!(" {}", sentence(report(reports, from)?)?.get(lang)),
        None => String::new(),
    };
    let mut card = format!("{heading} {q}. {}\n\n{}{quote}\n\n", question.text.get(lang), lab.answer.get(lang));
    for (i, (lab, f)) in figures(reports, q)?.into_iter().enumerate() {
        card += &match drawings {
            Drawings::Beside if i == 0 => f.renamed("headline").markdown(lang, ""),
            Drawings::Beside => f.markdown(lang, ""),
            Drawings::Book => f.markdown(lang, &format!("charts/{lab}/")),
        };
    }
    let cmd = match lang {
        Lang::Kk => "Қайталау",
        Lang::En => "Reproduce",
    };
    let mut labs: Vec<&str> = Vec::new();
    let quoted = question.quote.map(|(lab, _)| lab);
    for lab in std::iter::once(question.lab).chain(quoted).chain(question.supporting.iter().map(|(l, _)| *l)) {
        if !labs.contains(&lab) {
            labs.push(lab);
        }
    }
    let cmds: Vec<String> = labs.iter().map(|l| format!("`streamlab lab {l}{flags}`")).collect();
    card += &format!("{cmd}: {}\n\n", cmds.join(", "));
    Ok(card)
}

/// The file beside the cards naming what they were built from (the program, the seed, the scenario).
const SOURCE: &str = "source.txt";

/// The cards' files for `langs`, relative to the review folder.
fn card_files(langs: &[Lang]) -> Vec<String> {
    (1..=questions().len()).flat_map(|q| langs.iter().map(move |l| format!("q{q}/card.{}.md", l.code()))).collect()
}

/// The cards in `dir` when they were written from runs described by `source` (the program, seed,
/// scenario and languages): `lab review` after `lab all` takes them instead of running every lab again.
pub fn fresh_cards(dir: &Path, source: &str, langs: &[Lang]) -> Option<Vec<String>> {
    let written = std::fs::read_to_string(dir.join(SOURCE)).ok()?;
    let cards = card_files(langs);
    (written == source && cards.iter().all(|c| dir.join(c).is_file())).then_some(cards)
}

/// A lab run into the folder the cards in `dir` sit beside, from other runs than theirs (another seed or
/// scenario): the cards no longer answer from what the folder holds, so the next `lab review` builds
/// them again.
pub fn outdate(dir: &Path, source: &str) -> Result<()> {
    let path = dir.join(SOURCE);
    match std::fs::read_to_string(&path) {
        Ok(written) if written != source => std::fs::remove_file(&path).map_err(LabError::io(&path)),
        _ => Ok(()),
    }
}

/// Records what the cards in `dir` were built from, for `fresh_cards`.
pub fn write_source(dir: &Path, source: &str) -> Result<()> {
    write(&dir.join(SOURCE), source)
}

/// Writes `dir/qN/card.LANG.md`, `dir/qN/headline.LANG.{svg,png}` and the supporting figures beside it;
/// `flags` are the ones the labs ran with, for the commands that reproduce each card.
pub fn write_cards(reports: &[LabReport], dir: &Path, langs: &[Lang], flags: &str) -> Result<Vec<String>> {
    let mut written = Vec::new();
    for q in 1..=questions().len() {
        let qdir = dir.join(format!("q{q}"));
        std::fs::create_dir_all(&qdir).map_err(LabError::io(&qdir))?;
        for &lang in langs {
            for (i, (_, f)) in figures(reports, q)?.into_iter().enumerate() {
                render(&if i == 0 { f.renamed("headline") } else { f.clone() }, &qdir, lang)?;
            }
            let text = card(reports, q, lang, "#", Drawings::Beside, flags)?;
            write(&qdir.join(format!("card.{}.md", lang.code())), &text)?;
            written.push(format!("q{q}/card.{}.md", lang.code()));
        }
    }
    debug_assert_eq!(written, card_files(langs));
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cards are taken again only when every card is there and they came from the same runs.
    #[test]
    fn cards_are_fresh_only_from_the_same_source_and_complete() {
        let dir = std::env::temp_dir().join(format!("streamlab-review-fresh-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let langs = [Lang::En];
        assert_eq!(fresh_cards(&dir, "seed 1", &langs), None, "nothing written yet");
        for card in card_files(&langs) {
            let path = dir.join(card);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "card").unwrap();
        }
        assert_eq!(fresh_cards(&dir, "seed 1", &langs), None, "no source recorded");
        write_source(&dir, "seed 1").unwrap();
        assert_eq!(fresh_cards(&dir, "seed 1", &langs).map(|c| c.len()), Some(questions().len()));
        assert_eq!(fresh_cards(&dir, "seed 2", &langs), None, "another seed");
        assert_eq!(fresh_cards(&dir, "seed 1", &Lang::ALL), None, "the Kazakh cards are missing");
        outdate(&dir, "seed 1").unwrap();
        assert!(fresh_cards(&dir, "seed 1", &langs).is_some(), "a lab rerun with the cards' own seed");
        outdate(&dir, "seed 2").unwrap();
        assert_eq!(fresh_cards(&dir, "seed 1", &langs), None, "a lab rerun with another seed");
        write_source(&dir, "seed 1").unwrap();
        std::fs::remove_file(dir.join("q1/card.en.md")).unwrap();
        assert_eq!(fresh_cards(&dir, "seed 1", &langs), None, "a card is missing");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
