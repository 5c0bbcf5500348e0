//! What every lab produces, and how it is written to disk.

use crate::chart::Chart;
use crate::text::{Lang, Text};
use serde_json::Value;
use std::path::Path;
use streamlab_sim::report::Results;
use streamlab_sim::{Scenario, World};

/// A lab's output: its measured numbers, its charts and a short summary quoting the numbers.
pub struct LabReport {
    pub id: &'static str,
    pub title: Text,
    /// Which built-in scenario the lab varies.
    pub scenario: &'static str,
    pub results: Value,
    pub charts: Vec<Chart>,
    pub summary: Vec<Text>,
}

impl LabReport {
    pub fn summary_text(&self, lang: Lang) -> String {
        let mut s = format!("{}\n", self.title.get(lang));
        for line in &self.summary {
            s += &format!("- {}\n", line.get(lang));
        }
        s
    }

    /// Every chart's data as text, for snapshots.
    pub fn charts_text(&self, lang: Lang) -> String {
        self.charts.iter().map(|c| c.to_text(lang)).collect::<Vec<_>>().join("\n")
    }

    /// Writes `dir/results.json`, `dir/summary.LANG.md` and every chart as SVG and PNG per language.
    pub fn write(&self, dir: &Path, langs: &[Lang]) -> Result<(), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let json = serde_json::to_string_pretty(&self.results).expect("serializable") + "\n";
        write(&dir.join("results.json"), &json)?;
        for &lang in langs {
            write(&dir.join(format!("summary.{}.md", lang.code())), &self.summary_text(lang))?;
            for c in &self.charts {
                c.render(dir, lang)?;
            }
        }
        Ok(())
    }
}

pub fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Runs a scenario to the end (and keeps the world, for histograms the report does not carry).
pub fn run_world(s: &Scenario) -> Result<World, String> {
    let mut w = World::new(s);
    w.run().map_err(|e| format!("scenario {}: {e}", s.name))?;
    Ok(w)
}

pub fn run(s: &Scenario) -> Result<Results, String> {
    run_world(s).map(|w| Results::of(&w))
}

/// A lab's base scenario: the one given with --scenario, or the built-in of the lab's name.
pub fn lab_base(lab: &str, seed: Option<u64>, scenario: Option<&Scenario>) -> Scenario {
    scenario.cloned().unwrap_or_else(|| base(lab, seed))
}

/// An engine lab's base scenario, which must have a pipeline.
pub fn engine_base(lab: &str, seed: Option<u64>, scenario: Option<&Scenario>) -> Result<Scenario, String> {
    let s = lab_base(lab, seed, scenario);
    if s.pipeline.is_none() {
        return Err(format!(
            "scenario `{}` has no [pipeline] table, which this lab needs: start from `streamlab scenario show flink-vs-spark`",
            s.name
        ));
    }
    Ok(s)
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
