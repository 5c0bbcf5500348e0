//! `lab`, `book`, `dataset` and the main job: the labs run and written, the course site built from them.

use super::{bad, out_dir, scenario};
use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use streamlab_labs::lab::LabReport;
use streamlab_labs::scenarios;
use streamlab_labs::text::Lang;
use streamlab_sim::report::Results;
use streamlab_sim::{Scenario, World};

#[derive(Args)]
pub struct LabArgs {
    /// `list`, a lab id, `review` or `all`.
    id: String,
    /// Override the seed of every scenario the lab runs.
    #[arg(long, value_parser = super::seed_parser())]
    seed: Option<u64>,
    /// Where each lab's folder goes.
    #[arg(long, default_value = "out/labs")]
    out: PathBuf,
    /// The language of the summaries and charts.
    #[arg(long, value_enum, default_value_t = Langs::Both)]
    lang: Langs,
    /// Replace the lab's base scenario with this file.
    #[arg(long)]
    scenario: Option<PathBuf>,
}

/// `--lang`: one language or both.
#[derive(Clone, Copy, ValueEnum)]
enum Langs {
    Kk,
    En,
    Both,
}

impl LabArgs {
    pub fn run(self) -> Result<()> {
        out_dir("--out", &self.out)?;
        let langs = match self.lang {
            Langs::Kk => vec![Lang::Kk],
            Langs::En => vec![Lang::En],
            Langs::Both => Lang::ALL.to_vec(),
        };
        let scenario = self.scenario.as_ref().map(|path| super::load_scenario(&path.to_string_lossy())).transpose()?;
        let given = scenario.as_ref().zip(self.scenario.as_deref());
        run_labs(&self.id, &Runs::new(self.seed, given), &self.out, &langs).map(|_| ())
    }
}

#[derive(Subcommand)]
pub enum DatasetCommand {
    /// List the data sets and what each holds.
    List,
    /// Write every data set into the folder.
    Gen {
        #[arg(long, default_value = "datasets")]
        out: PathBuf,
    },
}

impl DatasetCommand {
    pub fn run(self) -> Result<()> {
        match self {
            DatasetCommand::List => {
                for d in streamlab_labs::datasets::DATASETS {
                    println!("{:<24} {}", d.name, d.description);
                }
            }
            DatasetCommand::Gen { out } => {
                out_dir("--out", &out)?;
                std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
                for d in streamlab_labs::datasets::DATASETS {
                    let path = out.join(d.name);
                    std::fs::write(&path, d.generate()).with_context(|| format!("writing {}", path.display()))?;
                    println!("{}", path.display());
                }
            }
        }
        Ok(())
    }
}

/// Everything at once: every built-in scenario except the benchmark models into out/runs/NAME, then every lab
/// and the review cards into out/labs.
pub fn main_job(out: &Path) -> Result<()> {
    let start = std::time::Instant::now();
    let names: Vec<&str> =
        scenarios::BUILTIN.iter().map(|(n, _)| *n).filter(|n| !scenarios::BENCH_MODELS.contains(n)).collect();
    // The scenarios run side by side; each is reported in the list's order.
    let runs = streamlab_labs::par::map(&names, |name| -> Result<(Scenario, Results)> {
        let s = super::load_scenario(name)?;
        let mut world = World::new(&s);
        world.run()?;
        Ok((s, Results::of(&world)))
    });
    for (name, run) in names.iter().zip(runs) {
        let (s, results) = run?;
        println!("== run {name}");
        scenario::print_derived(&s);
        scenario::report_run(&results, &out.join("runs").join(name), scenario::Report::Run)?;
    }
    let reports = run_labs("all", &Runs::new(None, None), &out.join("labs"), &Lang::ALL)?;
    let site = out.join("site");
    crate::book::build(Path::new("book"), &site, &reports)?;
    println!("main job done in {:.1} s", start.elapsed().as_secs_f64());
    println!("site: open {} in a browser", site.join("index.html").display());
    Ok(())
}

pub fn build_book(src: &Path, out: &Path, seed: Option<u64>) -> Result<()> {
    let generated_dir = out.join(".labs");
    let reports = run_labs("all", &Runs::new(seed, None), &generated_dir, &Lang::ALL)?;
    crate::book::build(src, out, &reports)?;
    println!("site: open {} in a browser", out.join("index.html").display());
    Ok(())
}

/// What the labs run with: the seed and scenario given, and the flags that gave them.
struct Runs<'a> {
    seed: Option<u64>,
    scenario: Option<&'a Scenario>,
    /// ` --seed N --scenario FILE`, as given: the review cards' commands repeat them, so that each card
    /// says how to get its numbers again.
    flags: String,
}

impl<'a> Runs<'a> {
    /// The runs of `seed` and of `scenario` (read from its file), when given.
    fn new(seed: Option<u64>, scenario: Option<(&'a Scenario, &Path)>) -> Runs<'a> {
        let seed_flag = seed.map(|s| format!(" --seed {s}")).unwrap_or_default();
        let file_flag = scenario.map(|(_, p)| format!(" --scenario {}", p.display())).unwrap_or_default();
        Runs { seed, scenario: scenario.map(|(s, _)| s), flags: seed_flag + &file_flag }
    }
}

/// Runs one lab, `review` (the labs its cards need, then the cards) or `all`, writing under `out`.
fn run_labs(id: &str, runs: &Runs, out: &Path, langs: &[Lang]) -> Result<Vec<LabReport>> {
    let Runs { seed, scenario, ref flags } = *runs;
    if id == "list" {
        for (id, section, _) in streamlab_labs::LABS {
            println!("{id:<16} lecture section {section}");
        }
        println!("{:<16} 9. Review questions: one answer card per question", streamlab_labs::REVIEW);
        return Ok(Vec::new());
    }
    let review_dir = out.join(streamlab_labs::REVIEW);
    let source = runs_source(seed, scenario, langs);
    if id == streamlab_labs::REVIEW
        && let Some(cards) = streamlab_labs::review::fresh_cards(&review_dir, &source, langs)
    {
        println!(
            "review: {} cards in {} are from the last run of every lab with this program, seed and scenario; \
             none rerun (delete the folder to run them again)",
            cards.len(),
            review_dir.display()
        );
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = match id {
        "all" | "review" => streamlab_labs::LABS.iter().map(|(n, _, _)| *n).collect(),
        _ if streamlab_labs::find(id).is_some() => vec![id],
        _ => {
            let names: Vec<&str> = streamlab_labs::LABS.iter().map(|(n, _, _)| *n).collect();
            return Err(bad(format!("no lab `{id}`; labs: {}, review, all", names.join(", "))));
        }
    };
    // The labs run side by side; what they print comes in the labs' order. Their folders are written once
    // every lab has run, so that a scenario one lab cannot use leaves no other lab's folder rewritten.
    let n = ids.len();
    let indexed: Vec<(usize, &str)> = ids.iter().copied().enumerate().collect();
    let runs = streamlab_labs::par::map(&indexed, |&(i, lab)| -> Result<LabReport> {
        let run = streamlab_labs::find(lab).expect("listed");
        let mut progress = |step: &str| eprintln!("[{}/{n}] {lab}: {step}", i + 1);
        run(seed, scenario, &mut progress).with_context(|| format!("lab {lab}"))
    });
    let reports: Vec<LabReport> = runs.into_iter().collect::<Result<_>>()?;
    for (lab, report) in ids.iter().zip(&reports) {
        report.write(&out.join(lab), langs)?;
        for line in &report.summary {
            println!("{lab}: {}", line.get(langs[0]));
        }
        println!("{lab}: written to {}", out.join(lab).display());
    }
    if id == "all" || id == streamlab_labs::REVIEW {
        let cards = streamlab_labs::review::write_cards(&reports, &review_dir, langs, flags)?;
        streamlab_labs::review::write_source(&review_dir, &source)?;
        println!("review: {} cards written to {}", cards.len(), review_dir.display());
    } else {
        streamlab_labs::review::outdate(&review_dir, &source)?;
    }
    Ok(reports)
}

/// What a run of every lab depends on: this program (its size and build time), the seed, the scenario
/// and the languages. The review cards record it, so that `lab review` reuses them when it matches.
fn runs_source(seed: Option<u64>, scenario: Option<&Scenario>, langs: &[Lang]) -> String {
    use std::hash::{Hash, Hasher};
    let program = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            let modified = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            let modified = modified.map_or("unknown".into(), |d| format!("{}.{:09}", d.as_secs(), d.subsec_nanos()));
            format!("{} bytes, modified at {modified} s after 1970", m.len())
        })
        .unwrap_or_else(|_| "unknown".into());
    let seed = seed.map_or("each lab's own".into(), |s| s.to_string());
    let mut hasher = std::hash::DefaultHasher::new();
    format!("{scenario:?}").hash(&mut hasher);
    let langs: Vec<&str> = langs.iter().map(|l| l.code()).collect();
    format!(
        "streamlab {} ({program})\nseed: {seed}\nscenario: {:016x}\nlanguages: {}\n",
        env!("CARGO_PKG_VERSION"),
        hasher.finish(),
        langs.join(" ")
    )
}
