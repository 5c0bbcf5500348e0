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
            t!("Big Data ұғымы қандай сипаттамаларға ие?", "What characteristics does the notion of Big Data have?"),
            &["bigdata"],
        ),
        (
            t!(
                "Batch және stream processing айырмашылығы қандай?",
                "What is the difference between batch and stream processing?"
            ),
            &["batch-vs-stream"],
        ),
        (
            t!(
                "Kafka архитектурасының негізгі элементтері қандай?",
                "What are the main elements of the Kafka architecture?"
            ),
            &["kafka"],
        ),
        (t!("Spark Streaming қалай жұмыс істейді?", "How does Spark Streaming work?"), &["spark"]),
        (
            t!("Flink-тің Spark-тан артықшылығы неде?", "What is Flink's advantage over Spark?"),
            &["flink-vs-spark", "flink"],
        ),
        (
            t!("Ағындық деректер қай салаларда қолданылады?", "In which domains is streaming data used?"),
            &["applications"],
        ),
    ]
}

/// Writes `dir/qN/card.LANG.md` with the question, the measured answers and the charts that show them.
pub fn write_cards(reports: &[LabReport], dir: &Path, langs: &[Lang]) -> Result<Vec<String>, String> {
    let mut written = Vec::new();
    for (i, (question, labs)) in questions().iter().enumerate() {
        let qdir = dir.join(format!("q{}", i + 1));
        std::fs::create_dir_all(&qdir).map_err(|e| format!("creating {}: {e}", qdir.display()))?;
        for &lang in langs {
            let mut card = format!("# {}. {}\n\n", i + 1, question.get(lang));
            for id in *labs {
                let Some(r) = reports.iter().find(|r| r.id == *id) else {
                    return Err(format!("the review needs lab `{id}`, which did not run"));
                };
                card += &format!("## {}\n\n", r.title.get(lang));
                for line in &r.summary {
                    card += &format!("- {}\n", line.get(lang));
                }
                card += "\n";
                for c in &r.charts {
                    c.render(&qdir, lang)?;
                    card += &format!("![{}]({}.{}.svg)\n\n", c.title.get(lang), c.id, lang.code());
                }
                let cmd = match lang {
                    Lang::Kk => "Қайталау",
                    Lang::En => "Reproduce",
                };
                card += &format!("{cmd}: `streamlab lab {id}`\n\n");
            }
            write(&qdir.join(format!("card.{}.md", lang.code())), &card)?;
            written.push(format!("q{}/card.{}.md", i + 1, lang.code()));
        }
    }
    Ok(written)
}
