//! What every lab produces, and how it is written to disk.

use crate::chart::Figure;
use crate::error::{LabError, Result};
use crate::text::{Lang, Text};
use serde_json::Value;
use std::path::Path;
use streamlab_sim::report::{EngineTrace, Results};
use streamlab_sim::{Scenario, World};

/// A lab's output: its measured numbers, the answer they give, a headline figure, the supporting
/// figures, and a short summary quoting the numbers.
pub struct LabReport {
    pub id: &'static str,
    pub title: Text,
    /// Which built-in scenario the lab varies.
    pub scenario: &'static str,
    pub results: Value,
    /// Two to four sentences answering the lab's question with the measured numbers.
    pub answer: Text,
    pub headline: Figure,
    pub figures: Vec<Figure>,
    pub summary: Vec<Text>,
}

impl LabReport {
    /// The headline first, then the supporting figures.
    pub fn all_figures(&self) -> impl Iterator<Item = &Figure> {
        std::iter::once(&self.headline).chain(&self.figures)
    }

    pub fn figure(&self, id: &str) -> Option<&Figure> {
        self.all_figures().find(|f| f.id == id)
    }

    pub fn summary_text(&self, lang: Lang) -> String {
        let mut s = format!("{}\n\n{}\n\n", self.title.get(lang), self.answer.get(lang));
        for line in &self.summary {
            s += &format!("- {}\n", line.get(lang));
        }
        s
    }

    /// Every figure's data, the same in both languages: for snapshots.
    pub fn data_text(&self) -> String {
        self.all_figures().map(Figure::data_text).collect::<Vec<_>>().join("\n")
    }

    /// The summary and every figure's words in one language: for snapshots.
    pub fn words_text(&self, lang: Lang) -> String {
        let figs: Vec<String> = self.all_figures().map(|f| f.words_text(lang)).collect();
        format!("{}\n{}", self.summary_text(lang), figs.join("\n"))
    }

    /// Writes `dir/results.json`, `dir/summary.LANG.md` and every figure per language.
    pub fn write(&self, dir: &Path, langs: &[Lang]) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(LabError::io(dir))?;
        let json = serde_json::to_string_pretty(&self.results).expect("serializable") + "\n";
        write(&dir.join("results.json"), &json)?;
        for &lang in langs {
            write(&dir.join(format!("summary.{}.md", lang.code())), &self.summary_text(lang))?;
            for f in self.all_figures() {
                render(f, dir, lang)?;
            }
        }
        Ok(())
    }
}

pub fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(LabError::io(path))
}

/// Writes figure `f` into `dir` in `lang`.
pub fn render(f: &Figure, dir: &Path, lang: Lang) -> Result<()> {
    f.render(dir, lang).map_err(|problem| LabError::Figure { figure: f.id.clone(), problem })
}

/// A world for a scenario the lab may have changed: checked again first, since a change can break what
/// the scenario's own validation accepted (an invalid value, a run over its event budget).
pub fn world(s: &Scenario) -> Result<World> {
    s.validate().map_err(|error| LabError::Scenario { scenario: s.name.clone(), error })?;
    Ok(World::new(s))
}

/// Runs a scenario to the end.
fn run_world(s: &Scenario) -> Result<World> {
    let mut w = world(s)?;
    w.run().map_err(LabError::sim(s))?;
    Ok(w)
}

pub fn run(s: &Scenario) -> Result<Results> {
    run_world(s).map(|w| Results::of(&w))
}

/// Runs a scenario to the end: its results and, for charts, each engine's trace.
pub fn run_traced(s: &Scenario) -> Result<(Results, Vec<EngineTrace>)> {
    run_world(s).map(|w| (Results::of(&w), EngineTrace::of(&w)))
}

/// Runs the scenario once per value, each time changed by `set`, the runs in parallel: the measurements of a
/// sweep, in the values' order.
pub fn sweep<T: Copy + Send + Sync, M: Send>(
    base: &Scenario,
    values: &[T],
    set: impl Fn(&mut Scenario, T),
    measure: impl Fn(&Scenario) -> Result<M> + Sync,
) -> Result<Vec<(T, M)>> {
    Ok(values.iter().copied().zip(measure_all(&varied(base, values, set), measure)?).collect())
}

/// The scenario once per value, each time changed by `set`.
pub fn varied<T: Copy>(base: &Scenario, values: &[T], set: impl Fn(&mut Scenario, T)) -> Vec<Scenario> {
    values
        .iter()
        .map(|&v| {
            let mut s = base.clone();
            set(&mut s, v);
            s
        })
        .collect()
}

/// Every scenario measured, the runs in parallel: a lab lists all its independent runs and measures them
/// in one go, so that no run waits for another. The measurements come in the scenarios' order.
pub fn measure_all<M: Send>(scenarios: &[Scenario], measure: impl Fn(&Scenario) -> Result<M> + Sync) -> Result<Vec<M>> {
    crate::par::map(scenarios, measure).into_iter().collect()
}

/// One number out of each measurement of a sweep.
pub fn pick<T: Copy, M>(points: &[(T, M)], f: impl Fn(&M) -> f64) -> Vec<(T, f64)> {
    points.iter().map(|(v, m)| (*v, f(m))).collect()
}

/// A lab's base scenario: the one given with --scenario, or the built-in of the lab's name; `seed`, when
/// given, replaces either's.
pub fn lab_base(lab: &str, seed: Option<u64>, scenario: Option<&Scenario>) -> Scenario {
    let mut s = scenario.cloned().unwrap_or_else(|| base(lab, None));
    if let Some(seed) = seed {
        s.run.seed = seed;
    }
    s
}

/// Refuses a scenario whose producers stop before `at_ms`, when the lab injects a failure then: a failure
/// after the input ended would show nothing of what the lab's text describes.
pub fn failure_within(s: &Scenario, at_ms: u64) -> Result<()> {
    if s.run.duration_ms > at_ms {
        return Ok(());
    }
    Err(LabError::Unfit {
        scenario: s.name.clone(),
        problem: format!(
            "produces for {} ms (run.duration_ms), but this lab injects a failure at {at_ms} ms: set \
             run.duration_ms above {at_ms}",
            s.run.duration_ms
        ),
    })
}

/// How one measurement compares with another.
pub enum Compared {
    /// Within 5 % of each other: the factor would read "1 times".
    Same,
    /// The factor by which it is larger, or smaller (at least 1.1, to 0.1 below 10).
    More(Text),
    Less(Text),
}

/// How `x` compares with `of`.
pub fn factor(x: f64, of: f64) -> Compared {
    let more = x >= of;
    let f = if more { x / of.max(1e-9) } else { of / x.max(1e-9) };
    let rounded = if f < 10.0 { (f * 10.0).round() / 10.0 } else { f.round() };
    let times = crate::chart::Unit::Plain.text(rounded);
    match (rounded <= 1.0, more) {
        (true, _) => Compared::Same,
        (false, true) => Compared::More(times),
        (false, false) => Compared::Less(times),
    }
}

/// A built-in scenario by name, with the seed replaced when asked.
pub fn base(name: &str, seed: Option<u64>) -> Scenario {
    let text = crate::scenarios::find(name).expect("built-in scenario");
    let mut s = Scenario::from_toml(text).expect("built-in scenarios are valid");
    if let Some(seed) = seed {
        s.run.seed = seed;
    }
    s
}

/// The measurement of a sweep at `x`.
pub fn at<T: PartialEq + std::fmt::Debug>(points: &[(T, f64)], x: T) -> f64 {
    points.iter().find(|(v, _)| *v == x).map(|p| p.1).unwrap_or_else(|| panic!("the sweep measured {x:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ratio within 5 % reads "about the same", not "1 times more"; others to 0.1 below 10, whole above.
    #[test]
    fn factor_words_a_ratio() {
        let words = |x, of| match factor(x, of) {
            Compared::Same => "same".to_string(),
            Compared::More(t) => format!("{} more", t.en),
            Compared::Less(t) => format!("{} less", t.en),
        };
        assert_eq!(words(104.0, 100.0), "same");
        assert_eq!(words(100.0, 104.0), "same");
        assert_eq!(words(106.0, 100.0), "1.1 more");
        assert_eq!(words(100.0, 250.0), "2.5 less");
        assert_eq!(words(1234.0, 100.0), "12 more");
    }
}
