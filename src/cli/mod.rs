//! The command line: the argument types and one module per command group. Every command returns
//! `anyhow::Result`; `main` maps errors to the exit codes of the README (1 while running, 2 bad input).

mod grade;
mod kafka;
mod lab;
mod replay;
mod scenario;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use streamlab_labs::error::LabError;

pub use lab::build_book;
pub(crate) use replay::{EngineChoice, ReplayFlags, Spelling};
pub use scenario::{load_scenario, parse_scenario, simulate_stepped, unknown_scenario};

/// A deterministic teaching laboratory for stream processing: Kafka, Spark Streaming and Flink.
#[derive(Parser)]
#[command(name = "streamlab", version, about, long_about = None)]
struct Cli {
    /// With no command: the main job, every built-in run into out/.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write DIR/results.json.
    Run {
        #[command(flatten)]
        given: scenario::Given,
        /// Where results.json goes.
        #[arg(long, default_value = "out/run")]
        out: PathBuf,
    },
    /// Randomized fault checker: per seed, a random cluster with faults and an engine job with task failures,
    /// each held to what it promises.
    Torture {
        /// How many seeds to check.
        #[arg(long, default_value_t = 100)]
        seeds: u64,
        /// The first seed.
        #[arg(long, default_value_t = 1)]
        from: u64,
        /// Check this scenario (file or built-in name) instead of drawn ones: its Kafka run alone.
        #[arg(long)]
        scenario: Option<String>,
    },
    /// Run the scenario's pipeline on every engine at once and print them side by side.
    Compare {
        #[command(flatten)]
        given: scenario::Given,
        /// Where results.json goes.
        #[arg(long, default_value = "out/compare")]
        out: PathBuf,
    },
    /// Replay a hand-made trace (CSV arrival_ms,event_ms,key,value) through the engines' rules.
    ///
    /// Prints engine,kind,window_start_ms,window_end_ms,key,count,sum,emit_ms,batch,watermark_ms.
    Replay(replay::ReplayArgs),
    /// Write the replay settings (or a scenario's pipeline) as a PySpark or PyFlink job: DIR/job.py.
    ///
    /// With the replay flags: `python DIR/job.py EVENTS.csv` runs the trace on the real engine and prints
    /// replay's CSV. With SCENARIO: a job reading the scenario's Kafka topic, with DIR/README.txt.
    Export(replay::ExportArgs),
    /// The labs, one per lecture section: `lab list`, or `lab ID|all|review`.
    Lab(lab::LabArgs),
    /// Build the course site (both books) with freshly generated charts.
    Book {
        /// Where the site goes.
        #[arg(long, default_value = "out/site")]
        out: PathBuf,
        /// The book sources.
        #[arg(long, default_value = "book")]
        src: PathBuf,
        /// Override the seed of every scenario the labs run.
        #[arg(long, value_parser = seed_parser())]
        seed: Option<u64>,
    },
    /// Grade the exercises (each in isolation, in a sandbox) and report.
    Grade(grade::GradeArgs),
    /// Write what students receive (exercises, their READMEs, answers.toml), without solutions or keys.
    Handout {
        /// The folder the handout is written to, as OUT/exercises (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// The course's exercise folder: stubs, READMEs and a blank answers.toml.
        #[arg(long, default_value = "exercises")]
        exercises: PathBuf,
        /// The instructor folder: no file of the handout may contain one of its solutions or keys.
        #[arg(long, default_value = "instructor")]
        instructor: PathBuf,
    },
    /// The exercises: list them, show one, or write a measurement's scenario.
    Exercise {
        #[command(subcommand)]
        command: grade::ExerciseCommand,
    },
    /// The sample data sets: list them, or write them (byte for byte the committed ones).
    Dataset {
        #[command(subcommand)]
        command: lab::DatasetCommand,
    },
    /// The built-in example scenarios.
    Scenario {
        #[command(subcommand)]
        command: scenario::ScenarioCommand,
    },
    /// Kafka's own rules, on their own.
    Kafka {
        #[command(subcommand)]
        command: kafka::KafkaCommand,
    },
    /// Measure simulated records per second on a fixed benchmark model.
    ///
    /// Build with --release (or scripts/pgo.sh, 12-17 % less CPU): the JSON line names the build it
    /// measured.
    Bench {
        /// Records to produce.
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        /// Also run the bench pipeline on the Flink and Spark engines (the engine stage; model kafka only).
        #[arg(long)]
        engines: bool,
        /// kafka: the replicated cluster of labs/scenarios/bench.toml; mm1: twelve M/M/1 queues
        /// (labs/scenarios/mm1.toml), the classic discrete-event benchmark model.
        #[arg(long, value_enum, default_value_t = crate::bench::Model::Kafka)]
        model: crate::bench::Model,
        /// Also run the same model in SimPy (installed in a venv under target/ when missing) and print
        /// the ratio.
        #[arg(long)]
        against_simpy: bool,
    },
    /// The live lab in a browser: the course site, and per lab a page whose runs unfold as they simulate.
    Serve {
        #[arg(long, default_value_t = 8000)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the address in the default browser.
        #[arg(long)]
        open: bool,
        /// The built course site to serve; built with `streamlab book` first when it has no index.html.
        #[arg(long, default_value = "out/site")]
        site: PathBuf,
        /// Runs simulated at once; more answer 429 (default: the number of cores).
        #[arg(long)]
        max_runs: Option<usize>,
    },
}

/// Exit codes: 0 success, 1 failure while running, 2 bad input (usage, scenario, arguments).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if !matches!(cli.command, Some(Command::Serve { .. })) {
        crate::keep_freed_pages();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(if is_bad_input(&e) { 2 } else { 1 })
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let Some(command) = cli.command else { return lab::main_job(Path::new("out")) };
    match command {
        Command::Run { given, out } => scenario::run(&given, &out),
        Command::Compare { given, out } => scenario::compare(&given, &out),
        Command::Scenario { command } => command.run(),
        Command::Torture { seeds, from, scenario } => {
            crate::torture::torture(seeds, from, scenario.as_deref().map(load_scenario).transpose()?)
        }
        Command::Replay(args) => args.run(),
        Command::Export(args) => args.run(),
        Command::Lab(args) => args.run(),
        Command::Book { out, src, seed } => {
            out_dir("--out", &out)?;
            // The book replaces OUT/kk, OUT/en and its work folders: OUT may not be the sources or hold them there.
            apart(("--out", &out), ("--src", &src), |o, s| {
                o == s || ["kk", "en", ".labs", ".staging"].iter().any(|d| s.starts_with(o.join(d)))
            })?;
            build_book(&src, &out, seed)
        }
        Command::Dataset { command } => command.run(),
        Command::Grade(args) => args.run(),
        Command::Handout { out, exercises, instructor } => {
            out_dir("--out", &out)?;
            // OUT/exercises is written afresh: neither the exercises folder nor inside it (it would copy itself).
            apart(("--out", &out.join("exercises")), ("--exercises", &exercises), |w, s| {
                w.starts_with(s) || s.starts_with(w)
            })?;
            crate::grader::class::handout(&exercises, &instructor, &out).map_err(as_bad)
        }
        Command::Exercise { command } => command.run(),
        Command::Kafka { command } => command.run(),
        Command::Bench { records, engines, model, against_simpy } => {
            crate::bench::run(records, engines, model, against_simpy)
        }
        Command::Serve { port, bind, open, site, max_runs } => {
            let limits = crate::serve::Limits::with_max_runs(max_runs);
            crate::serve::serve(std::net::SocketAddr::new(bind, port), &site, open, limits)
        }
    }
}

/// The largest seed: TOML's largest whole number, so that a run can be written back as a scenario file.
pub(crate) const MAX_SEED: u64 = i64::MAX as u64;

/// `--seed`: a whole number from 0 to `MAX_SEED`.
fn seed_parser() -> clap::builder::RangedU64ValueParser {
    clap::value_parser!(u64).range(..=MAX_SEED)
}

/// An error in what the user gave us (exit code 2).
#[derive(Debug)]
struct BadInput(String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for BadInput {}

pub(crate) fn bad(msg: impl Into<String>) -> anyhow::Error {
    BadInput(msg.into()).into()
}

/// The same error, blamed on the input: for libraries whose every refusal is about what they were given.
fn as_bad(e: anyhow::Error) -> anyhow::Error {
    bad(format!("{e:#}"))
}

/// Whether an error is the user's input (exit code 2, HTTP 400) rather than a failure while running.
pub fn is_bad_input(e: &anyhow::Error) -> bool {
    e.downcast_ref::<BadInput>().is_some() || e.downcast_ref::<LabError>().is_some_and(LabError::is_bad_input)
}

/// A choice given as text outside the command line (the live lab's parameters), read as `flag` would be.
pub(crate) fn choice<T: ValueEnum>(flag: &str, given: &str) -> Result<T> {
    T::from_str(given, false).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect();
        bad(format!("{flag} `{given}`: use {}", names.join(", ")))
    })
}

/// Refuses `written` (what `out_flag` makes a command write) where it would overwrite `src` (named by
/// `src_flag`), which the command reads: `overwrites` says so of the two paths, resolved.
fn apart(
    (out_flag, written): (&str, &Path),
    (src_flag, src): (&str, &Path),
    overwrites: impl Fn(&Path, &Path) -> bool,
) -> Result<()> {
    if overwrites(&resolved(written), &resolved(src)) {
        return Err(bad(format!(
            "{out_flag} would write {} over {src_flag} {}, whose files it would overwrite: choose a folder apart \
             from it",
            written.display(),
            src.display()
        )));
    }
    Ok(())
}

/// `p` as an absolute path with symbolic links resolved, also where it does not exist yet.
fn resolved(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    while !existing.exists()
        && let (Some(parent), Some(name)) = (existing.parent(), existing.file_name())
    {
        rest.push(name);
        existing = parent;
    }
    let mut r = existing.canonicalize().unwrap_or_else(|_| existing.to_path_buf());
    r.extend(rest.iter().rev());
    r
}

/// An output folder named by `flag` must not be an existing file.
fn out_dir(flag: &str, dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(bad(format!("{flag} {} is a file: give a folder (it is created if missing)", dir.display())));
    }
    Ok(())
}
