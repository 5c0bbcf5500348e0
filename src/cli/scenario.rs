//! `run`, `compare` and `scenario`: a scenario, given by file or built-in name, run to the end.

use super::{bad, out_dir};
use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use std::path::Path;
use streamlab_labs::scenarios;
use streamlab_sim::report::{Derived, Results};
use streamlab_sim::{Scenario, SimTime, World};

/// The scenario a command runs.
#[derive(Args)]
pub struct Given {
    /// A scenario file, or the name of a built-in scenario (see `streamlab scenario list`).
    scenario: String,
    /// Override the scenario's seed.
    #[arg(long, value_parser = super::seed_parser())]
    seed: Option<u64>,
}

impl Given {
    fn load(&self) -> Result<Scenario> {
        let mut scenario = load_scenario(&self.scenario)?;
        if let Some(seed) = self.seed {
            scenario.run.seed = seed;
        }
        Ok(scenario)
    }
}

pub fn run(given: &Given, out: &Path) -> Result<()> {
    out_dir("--out", out)?;
    run_scenario(&given.load()?, out, Report::Run)
}

pub fn compare(given: &Given, out: &Path) -> Result<()> {
    out_dir("--out", out)?;
    let scenario = given.load()?;
    if scenario.pipeline.is_none() {
        return Err(bad(format!(
            "{} has no [pipeline] table: add one to say what the engines compute (see `streamlab scenario show flink-vs-spark`)",
            given.scenario
        )));
    }
    run_scenario(&scenario, out, Report::Compare)
}

/// What a run prints after its derived quantities.
#[derive(Clone, Copy, PartialEq)]
pub enum Report {
    /// The summary, then the engine table when engines ran.
    Run,
    /// The engine table alone.
    Compare,
}

/// Prints what the scenario implies, runs it, prints its results and writes `out/results.json`.
pub fn run_scenario(scenario: &Scenario, out: &Path, report: Report) -> Result<()> {
    print_derived(scenario);
    let results = simulate(scenario)?;
    report_run(&results, out, report)
}

/// The seed and every derived parameter, printed before a run.
pub fn print_derived(scenario: &Scenario) {
    for line in Derived::of(scenario).lines(&scenario.name, scenario.run.seed) {
        println!("{line}");
    }
    for note in scenario.notes() {
        eprintln!("note: {note}");
    }
}

/// What a run prints, and its `out/results.json`, for a run already done.
pub fn report_run(results: &Results, out: &Path, report: Report) -> Result<()> {
    if report == Report::Run {
        for line in results.summary_lines() {
            println!("{line}");
        }
    }
    if !results.engines.is_empty() || report == Report::Compare {
        for line in results.engine_table() {
            println!("{line}");
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating output folder {}", out.display()))?;
    let path = out.join("results.json");
    std::fs::write(&path, results.to_json()).with_context(|| format!("writing {}", path.display()))?;
    println!("results: {}", path.display());
    Ok(())
}

#[derive(Subcommand)]
pub enum ScenarioCommand {
    /// List the built-in scenarios.
    List,
    /// Print a built-in scenario's documented TOML.
    Show { name: String },
}

impl ScenarioCommand {
    pub fn run(self) -> Result<()> {
        match self {
            ScenarioCommand::List => {
                for (name, text) in scenarios::BUILTIN {
                    println!("{name:<24} {}", scenarios::description(text));
                }
            }
            ScenarioCommand::Show { name } => {
                print!("{}", scenarios::find(&name).ok_or_else(|| unknown_scenario(&name))?)
            }
        }
        Ok(())
    }
}

pub fn unknown_scenario(name: &str) -> anyhow::Error {
    let names: Vec<&str> = scenarios::BUILTIN.iter().map(|(n, _)| *n).collect();
    bad(format!("no built-in scenario named `{name}`; built-in scenarios: {}", names.join(", ")))
}

/// Reads a scenario from a file path, or a built-in scenario by name.
pub fn load_scenario(arg: &str) -> Result<Scenario> {
    let path = Path::new(arg);
    let (text, origin) = if path.is_dir() {
        return Err(bad(format!("{arg} is a folder: give a scenario file (.toml) or a built-in name")));
    } else if path.exists() {
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad(format!("cannot read the scenario file {}: {e}", path.display())))?;
        (text, path.display().to_string())
    } else if let Some(text) = scenarios::find(arg) {
        (text.to_string(), format!("built-in scenario {arg}"))
    } else if arg.ends_with(".toml") || arg.contains('/') {
        return Err(bad(format!("scenario file {arg} does not exist")));
    } else {
        return Err(unknown_scenario(arg));
    };
    parse_scenario(&text, &origin)
}

/// Parses scenario text; a bad one is bad input whose message names `origin` and the key.
pub fn parse_scenario(text: &str, origin: &str) -> Result<Scenario> {
    // A text without a single key is almost always the wrong file; `name = "..."` runs on every default.
    if toml::from_str::<toml::Table>(text).is_ok_and(|t| t.is_empty()) {
        return Err(bad(format!(
            "{origin} has no keys (an empty or comment-only file): start from `streamlab scenario show quickstart`, \
             or write `name = \"defaults\"` to run on every default"
        )));
    }
    Scenario::from_toml(text).map_err(|e| bad(format!("{origin}: {e}")))
}

/// Runs a scenario to the end, showing progress on stderr when the run is long and stderr is a terminal.
fn simulate(scenario: &Scenario) -> Result<Results> {
    use std::io::IsTerminal;
    let end = SimTime::from_millis(scenario.run.duration_ms + scenario.run.drain_ms);
    let show = std::io::stderr().is_terminal();
    let step = SimTime::from_millis((scenario.run.duration_ms / 20).max(1));
    let results = simulate_stepped(scenario, step, |world| {
        if show {
            let pct = (world.now().as_nanos() as f64 / end.as_nanos() as f64 * 100.0).min(100.0);
            eprint!("\r  simulated {:>8.1} s ({pct:>3.0} % of the longest possible run)", world.now().as_secs_f64());
        }
        Ok(())
    })?;
    if show {
        eprintln!();
    }
    Ok(results)
}

/// The one way a scenario is run (`run`, `compare`, `serve`): in steps of `step` simulated time, calling
/// `observe` after each (an error from it stops the run). The results do not depend on the step.
pub fn simulate_stepped(
    scenario: &Scenario,
    step: SimTime,
    mut observe: impl FnMut(&World) -> Result<()>,
) -> Result<Results> {
    let mut world = World::new(scenario);
    let mut t = SimTime::ZERO;
    while !world.is_finished() {
        t += step;
        world.run_until(t)?;
        observe(&world)?;
    }
    Ok(Results::of(&world))
}
