//! Lab `review` (section 9): an answer card for each review question, built from the other labs' runs.
//! Every number on a card is quoted from a run, never typed in.

use crate::lab::{LabReport, write};
use crate::t;
use crate::text::{Lang, Text};
use std::path::Path;

/// The six review questions and the labs whose measurements answer them.
pub fn questions() -> Vec<(Text, &'static [&'static str])> {
    vec![
        (
            t!("Big Data ұғымы қандай ерекшеліктерге ие?", "What characteristics does the notion of Big Data have?"),
            &["bigdata"],
        ),
        (
            t!(
                "Batch және Stream өңдеу айырмашылығы қандай?",
                "What is the difference between batch and stream processing?"
            ),
            &["batch-vs-stream"],
        ),
        (
            t!("Kafka архитектурасының негізгі элементтері?", "What are the main elements of the Kafka architecture?"),
            &["kafka"],
        ),
        (t!("Spark Streaming қалай жұмыс істейді?", "How does Spark Streaming work?"), &["spark"]),
        (
            t!("Flink-тің Spark-тан артықшылығы неде?", "What is Flink's advantage over Spark?"),
            &["flink-vs-spark", "flink"],
        ),
        (
            t!("Ағындық деректер қандай салаларда қолданылады?", "In which domains is streaming data used?"),
            &["applications"],
        ),
    ]
}

/// Card `q` (1-based) in markdown. Charts are linked as `{chart_dir}{lab}/{id}.{lang}.svg`, or beside the
/// card when `chart_dir` is None.
pub fn card(
    reports: &[LabReport],
    q: usize,
    lang: Lang,
    chart_dir: Option<&str>,
    heading: &str,
) -> Result<String, String> {
    let (question, labs) = &questions()[q - 1];
    let mut card = format!("{heading} {q}. {}\n\n", question.get(lang));
    for id in *labs {
        let Some(r) = reports.iter().find(|r| r.id == *id) else {
            return Err(format!("the review needs lab `{id}`, which did not run"));
        };
        card += &format!("{heading}# {}\n\n", r.title.get(lang));
        for line in &r.summary {
            card += &format!("- {}\n", line.get(lang));
        }
        card += "\n";
        for c in &r.charts {
            let path = match chart_dir {
                Some(dir) => format!("{dir}{id}/{}.{}.svg", c.id, lang.code()),
                None => format!("{}.{}.svg", c.id, lang.code()),
            };
            card += &format!("![{}]({path})\n\n", c.title.get(lang));
        }
        let cmd = match lang {
            Lang::Kk => "Қайталау",
            Lang::En => "Reproduce",
        };
        card += &format!("{cmd}: `streamlab lab {id}`\n\n");
    }
    Ok(card)
}

/// Writes `dir/qN/card.LANG.md` with the question, the measured answers and the charts that show them.
pub fn write_cards(reports: &[LabReport], dir: &Path, langs: &[Lang]) -> Result<Vec<String>, String> {
    let mut written = Vec::new();
    for q in 1..=questions().len() {
        let qdir = dir.join(format!("q{q}"));
        std::fs::create_dir_all(&qdir).map_err(|e| format!("creating {}: {e}", qdir.display()))?;
        for &lang in langs {
            let text = card(reports, q, lang, None, "#")?;
            for id in questions()[q - 1].1 {
                if let Some(r) = reports.iter().find(|r| r.id == *id) {
                    for c in &r.charts {
                        c.render(&qdir, lang)?;
                    }
                }
            }
            write(&qdir.join(format!("card.{}.md", lang.code())), &text)?;
            written.push(format!("q{q}/card.{}.md", lang.code()));
        }
    }
    Ok(written)
}
