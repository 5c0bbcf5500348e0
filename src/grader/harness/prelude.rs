// The harness: reads one input per line on stdin, calls the exercise's functions, prints one answer per
// line, after a record separator (U+001E) so that what the student's code prints itself is not taken for
// an answer. The grader compares the answers with its own, in its own process: nothing here knows them.
#![allow(dead_code, unused_imports, clippy::all)]
#[path = "student.rs"]
mod student;
use std::io::{BufRead, Write};
use student::*;

fn main() {
    let mut out = std::io::stdout().lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("the grader writes text");
        writeln!(out, "\u{1e}{}", answer(&line)).expect("stdout");
        out.flush().expect("stdout");
    }
}

fn num<T: std::str::FromStr>(s: &str) -> T {
    s.parse().unwrap_or_else(|_| panic!("the harness cannot read `{s}`"))
}

fn nums<T: std::str::FromStr>(s: &str, sep: char) -> Vec<T> {
    s.split(sep).filter(|x| !x.is_empty()).map(num).collect()
}

fn flags(v: impl Iterator<Item = bool>) -> String {
    v.map(|f| if f { '1' } else { '0' }).collect()
}
