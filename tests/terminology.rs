//! The course's Kazakh terms (`book/terminology.toml`): every Kazakh page and diagram, and every Kazakh
//! chart or summary string in the labs, avoids the forbidden variants; the pages use every term of the
//! table; both glossary pages show the table row for row.

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    term: Vec<Term>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Term {
    kk: String,
    en: String,
    ru: String,
    from_lecture: bool,
    stem: Option<String>,
    forbidden: Vec<Forbidden>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Forbidden {
    text: String,
    reason: String,
    unless_sentence_has: Option<String>,
}

impl Term {
    /// The part of the term every inflected form starts with.
    fn stem(&self) -> &str {
        self.stem.as_deref().unwrap_or_else(|| self.kk.split(" (").next().unwrap_or(&self.kk))
    }

    /// The glossary's row for this term: the lecture's own terms in bold.
    fn row(&self) -> String {
        let forbidden: Vec<&str> = self.forbidden.iter().map(|f| f.text.as_str()).collect();
        let kk = if self.from_lecture { format!("**{}**", self.kk) } else { self.kk.clone() };
        format!("| {kk} | {} | {} | {} |", self.en, self.ru, forbidden.join(", "))
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn table() -> Table {
    let text = std::fs::read_to_string(root().join("book/terminology.toml")).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("book/terminology.toml: {e}"))
}

/// The files with extension `ext` in `dir` and its subfolders, sorted.
fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, ext, out);
            } else if path.extension().is_some_and(|x| x == ext) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join(dir), ext, &mut out);
    out.sort();
    out
}

/// Byte offsets where `needle` starts a word of `hay` (both already lowercase): the character before is
/// neither a letter nor a hyphen (so күй inside жай-күй is not a match). Any suffix may follow.
fn word_starts(hay: &str, needle: &str) -> Vec<usize> {
    hay.match_indices(needle)
        .map(|(i, _)| i)
        .filter(|&i| hay[..i].chars().next_back().is_none_or(|c| !c.is_alphabetic() && c != '-'))
        .collect()
}

/// The sentence around byte `at`: up to the nearest sentence end, table cell or paragraph break.
fn sentence(text: &str, at: usize) -> &str {
    let is_end = |c: char| matches!(c, '.' | '!' | '?' | '|');
    let start = text[..at].rfind(is_end).map_or(0, |i| i + 1).max(text[..at].rfind("\n\n").map_or(0, |i| i + 2));
    let end = text[at..]
        .find(is_end)
        .map_or(text.len(), |i| at + i)
        .min(text[at..].find("\n\n").map_or(text.len(), |i| at + i));
    &text[start..end]
}

/// Every forbidden variant found in `text`, as "variant (reason): context".
fn violations(table: &Table, text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut found = Vec::new();
    for term in &table.term {
        for f in &term.forbidden {
            for at in word_starts(&lower, &f.text.to_lowercase()) {
                let s = sentence(&lower, at);
                if f.unless_sentence_has.as_ref().is_some_and(|w| s.contains(&w.to_lowercase())) {
                    continue;
                }
                found.push(format!("«{}» → «{}» ({}): …{}…", f.text, term.kk, f.reason, s.trim()));
            }
        }
    }
    found
}

/// The string literals of a Rust source file that contain Cyrillic letters (the Kazakh half of `t!`).
fn kazakh_literals(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = source.chars().peekable();
    let mut current: Option<String> = None;
    while let Some(c) = chars.next() {
        match (&mut current, c) {
            (None, '/') if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            (None, '\'') if chars.peek() == Some(&'"') => {
                chars.next();
            }
            (None, '"') => current = Some(String::new()),
            (Some(s), '\\') => {
                match chars.next() {
                    // A line continuation drops the line break and the next line's indentation.
                    Some('\n') => {
                        while chars.peek().is_some_and(|c| c.is_whitespace()) {
                            chars.next();
                        }
                    }
                    Some(next) => s.push(next),
                    None => {}
                }
            }
            (Some(s), '"') => {
                if s.chars().any(|c| ('\u{400}'..='\u{4ff}').contains(&c)) {
                    out.push(std::mem::take(s));
                }
                current = None;
            }
            (Some(s), c) => s.push(c),
            (None, _) => {}
        }
    }
    out
}

#[test]
fn the_table_is_well_formed() {
    let table = table();
    let mut seen = std::collections::BTreeSet::new();
    for term in &table.term {
        assert!(seen.insert(term.kk.as_str()), "{} is listed twice", term.kk);
        assert!(!term.forbidden.is_empty(), "{}: name at least one forbidden variant", term.kk);
        assert!(term.kk.starts_with(term.stem()), "{}: the stem {} must start the term", term.kk, term.stem());
        for f in &term.forbidden {
            assert!(!f.reason.trim().is_empty(), "{}: say why «{}» is forbidden", term.kk, f.text);
        }
        let clash = violations(&table, &term.kk);
        assert!(clash.is_empty(), "{}: the term itself matches a forbidden variant: {clash:?}", term.kk);
    }
}

#[test]
fn the_matcher_follows_kazakh_word_forms() {
    let table = table();
    assert_eq!(violations(&table, "Оператор өз жай-күйін сақтайды.").len(), 0, "жай-күй is the term");
    assert_eq!(violations(&table, "Оператор өз күйін сақтайды.").len(), 1, "күй with a suffix is caught");
    assert_eq!(violations(&table, "Бұл тарау дәрістің 4-бөліміне сәйкес.").len(), 0, "a section of the lecture");
    assert_eq!(violations(&table, "Топик 12 бөлімге бөлінеді.").len(), 1, "a partition called бөлім");
    assert_eq!(violations(&table, "Лидер брокер құлағанда жазбалар жоғалады.").len(), 1);
    assert_eq!(
        kazakh_literals("t!(\"бөлім {}\", \"partition {}\") // күй\nlet c = '\"'; t!(\"жай-күй \\\n  сақтау\", \"x\")"),
        vec!["бөлім {}".to_string(), "жай-күй сақтау".to_string()]
    );
}

#[test]
fn kazakh_pages_and_diagrams_avoid_forbidden_variants() {
    let table = table();
    let mut problems = Vec::new();
    let diagrams = files("book/kk/src/diagrams", "svg");
    assert!(!diagrams.is_empty(), "the Kazakh diagrams are checked too");
    for page in files("book/kk/src", "md").into_iter().chain(diagrams) {
        if page.ends_with("glossary.md") {
            continue; // the glossary lists the forbidden variants on purpose
        }
        let text = std::fs::read_to_string(&page).unwrap();
        for v in violations(&table, &text) {
            problems.push(format!("{}: {v}", page.strip_prefix(root()).unwrap().display()));
        }
    }
    assert!(problems.is_empty(), "use the terms of book/terminology.toml:\n{}", problems.join("\n"));
}

#[test]
fn kazakh_pages_use_every_term() {
    let table = table();
    let mut all = String::new();
    for page in files("book/kk/src", "md").iter().filter(|p| !p.ends_with("glossary.md")) {
        all += &std::fs::read_to_string(page).unwrap().to_lowercase();
        all.push('\n');
    }
    let unused: Vec<&str> = table
        .term
        .iter()
        .filter(|t| word_starts(&all, &t.stem().to_lowercase()).is_empty())
        .map(|t| t.kk.as_str())
        .collect();
    assert!(unused.is_empty(), "terms of the table no Kazakh page uses: {unused:?}");
}

#[test]
fn kazakh_chart_summary_and_grader_strings_avoid_forbidden_variants() {
    let table = table();
    let mut problems = Vec::new();
    for file in files("labs/src", "rs").into_iter().chain(files("src/grader", "rs")) {
        let source = std::fs::read_to_string(&file).unwrap();
        for literal in kazakh_literals(&source) {
            for v in violations(&table, &literal) {
                problems.push(format!("{}: {v}", file.strip_prefix(root()).unwrap().display()));
            }
        }
    }
    assert!(problems.is_empty(), "use the terms of book/terminology.toml:\n{}", problems.join("\n"));
}

/// What students read beside the book: the exercises' statements and the instructor's concept key feedback.
#[test]
fn exercise_statements_and_concept_feedback_avoid_forbidden_variants() {
    let table = table();
    let mut problems = Vec::new();
    for file in files("exercises", "md").into_iter().chain(files("instructor", "toml")) {
        let text = std::fs::read_to_string(&file).unwrap();
        for v in violations(&table, &text) {
            problems.push(format!("{}: {v}", file.strip_prefix(root()).unwrap().display()));
        }
    }
    assert!(problems.is_empty(), "use the terms of book/terminology.toml:\n{}", problems.join("\n"));
}

#[test]
fn both_glossaries_show_the_table() {
    let table = table();
    for lang in ["kk", "en"] {
        let path = root().join(format!("book/{lang}/src/glossary.md"));
        let text = std::fs::read_to_string(&path).unwrap();
        let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| --")).skip(1).collect();
        let expected: Vec<String> = table.term.iter().map(Term::row).collect();
        assert_eq!(
            rows,
            expected,
            "{}: the glossary table must show book/terminology.toml row for row",
            path.display()
        );
    }
}
