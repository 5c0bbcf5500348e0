use crate::export::{self, Target};
use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use streamlab_labs::error::LabError;
use streamlab_labs::scenarios;
use streamlab_labs::text::Lang;
use streamlab_sim::budget;
use streamlab_sim::engine::replay::{ReplaySettings, check, parse_trace, replay};
use streamlab_sim::engine::spark::OutputMode;
use streamlab_sim::engine::window::WindowSpec;
use streamlab_sim::kafka::assignor::{self, Assignment, Strategy, TopicPartition};
use streamlab_sim::kafka::partitioner::partition_for_key;
use streamlab_sim::report::{Derived, Results};
use streamlab_sim::time::MAX_MS;
use streamlab_sim::{Scenario, SimTime, World};

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
        /// A scenario file, or the name of a built-in scenario (see `streamlab scenario list`).
        scenario: String,
        /// Override the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Where results.json goes.
        #[arg(long, default_value = "out/run")]
        out: PathBuf,
    },
    /// Randomized fault checker: per seed, a random cluster and fault schedule, held to what it promises.
    Torture {
        /// How many seeds to check.
        #[arg(long, default_value_t = 100)]
        seeds: u64,
        /// The first seed.
        #[arg(long, default_value_t = 1)]
        from: u64,
        /// Check this scenario (file or built-in name) instead of drawn ones.
        #[arg(long)]
        scenario: Option<String>,
    },
    /// Run the scenario's pipeline on every engine at once and print them side by side.
    Compare {
        /// A scenario file with a [pipeline] table, or a built-in name.
        scenario: String,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long, default_value = "out/compare")]
        out: PathBuf,
    },
    /// Replay a hand-made trace (CSV arrival_ms,event_ms,key,value) through the engines' rules.
    ///
    /// Prints engine,kind,window_start_ms,window_end_ms,key,count,sum,emit_ms,batch,watermark_ms.
    Replay {
        /// flink, spark or both.
        #[arg(long, default_value = "both")]
        engine: String,
        #[command(flatten)]
        flags: ReplayFlags,
        /// The trace.
        events: PathBuf,
    },
    /// Write the replay settings (or a scenario's pipeline) as a PySpark or PyFlink job: DIR/job.py.
    ///
    /// With the replay flags: `python DIR/job.py EVENTS.csv` runs the trace on the real engine and prints
    /// replay's CSV. With SCENARIO: a job reading the scenario's Kafka topic, with DIR/README.txt.
    Export {
        /// spark or flink.
        #[arg(long)]
        engine: String,
        /// A scenario file or built-in name: export its pipeline reading Kafka instead.
        scenario: Option<String>,
        #[command(flatten)]
        flags: ReplayFlags,
        #[arg(long, default_value = "out/export")]
        out: PathBuf,
    },
    /// The labs, one per lecture section: `lab list`, or `lab ID|all|review`.
    Lab {
        /// `list`, a lab id, `review` or `all`.
        id: String,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long, default_value = "out/labs")]
        out: PathBuf,
        /// kk, en or both.
        #[arg(long, default_value = "both")]
        lang: String,
        /// Replace the lab's base scenario with this file.
        #[arg(long)]
        scenario: Option<PathBuf>,
    },
    /// Build the course site (both books) with freshly generated charts.
    Book {
        #[arg(long, default_value = "out/site")]
        out: PathBuf,
        /// The book sources.
        #[arg(long, default_value = "book")]
        src: PathBuf,
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Grade the exercises (each in isolation, in a sandbox) and report.
    Grade {
        /// Student id: selects the personal variant of the measurement questions and, with a secret, the inputs.
        #[arg(long, default_value = "anonymous")]
        student: String,
        #[arg(long, default_value = "exercises")]
        exercises: PathBuf,
        /// Grade only this exercise: an id (`partitioner`), a folder (`01_partitioner`), measurements or concepts.
        #[arg(long)]
        exercise: Option<String>,
        /// text, json, gradescope or junit.
        #[arg(long, default_value = "text")]
        format: String,
        /// Write the report here instead of standard output (with --class: the folder for scores.csv and scores.json).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The instructor's secret: graded inputs derive from it and the student id (else $STREAMLAB_SECRET;
        /// without either, a self-check on public inputs).
        #[arg(long)]
        secret_file: Option<PathBuf>,
        /// The instructor folder: reference solutions, wrong solutions, the concept key.
        #[arg(long, default_value = "instructor")]
        instructor: PathBuf,
        /// Run student code without bubblewrap (it can then touch your files, the network and processes).
        #[arg(long)]
        unsandboxed: bool,
        /// Grade every student folder (named by student id) in this folder.
        #[arg(long)]
        class: Option<PathBuf>,
        /// Students graded at once with --class (default: the number of cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Write the Gradescope autograder zip (needs --secret-file).
        #[arg(long)]
        package_gradescope: Option<PathBuf>,
        /// Take the student id from Gradescope's submission_metadata.json.
        #[arg(long)]
        gradescope_metadata: Option<PathBuf>,
        /// Instructors and CI: stubs score 0, reference solutions full marks, wrong solutions lose points.
        #[arg(long)]
        check_course: bool,
    },
    /// Write what students receive (exercises, their READMEs, answers.toml), without solutions or keys.
    Handout {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "exercises")]
        exercises: PathBuf,
        #[arg(long, default_value = "instructor")]
        instructor: PathBuf,
    },
    /// The exercises: `exercise list`, `exercise show ID --student S`, `exercise scenario ID --student S`.
    Exercise {
        /// list, show or scenario.
        action: String,
        id: Option<String>,
        #[arg(long, default_value = "anonymous")]
        student: String,
    },
    /// The sample data sets: `dataset gen` writes them (byte for byte the committed ones).
    Dataset {
        /// `gen` or `list`.
        action: String,
        #[arg(long, default_value = "datasets")]
        out: PathBuf,
    },
    /// The built-in example scenarios.
    Scenario {
        #[command(subcommand)]
        command: ScenarioCommand,
    },
    /// Kafka's own rules, on their own.
    Kafka {
        #[command(subcommand)]
        command: KafkaCommand,
    },
    /// Measure simulated records per second on a fixed benchmark model.
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

/// The engines' settings shared by `replay` and `export`. Durations like 10s, 500ms, 2m.
#[derive(clap::Args, Default)]
pub(crate) struct ReplayFlags {
    /// tumbling:SIZE, sliding:SIZE:SLIDE, session:GAP or none.
    #[arg(long)]
    pub(crate) window: Option<String>,
    /// Bounded out-of-orderness (Flink) and withWatermark delay (Spark). Flink's DataStream watermark is
    /// `max event time - delay - 1 ms` (BoundedOutOfOrdernessWatermarks); Flink SQL's `WATERMARK FOR ts AS
    /// ts - INTERVAL` is `max - delay`; Spark's is `max - delay`, taken at the end of each batch.
    #[arg(long)]
    pub(crate) watermark_delay: Option<String>,
    /// Flink only: pipeline.auto-watermark-interval, how often the source emits its watermark (Flink's
    /// default 200ms); 0ms = a watermark after every record, as the exported Flink job does.
    #[arg(long)]
    pub(crate) watermark_interval: Option<String>,
    /// Spark only: the processing-time trigger (default 1s); 0 = the default trigger, the next batch as soon
    /// as the last one ends.
    #[arg(long)]
    pub(crate) trigger: Option<String>,
    /// Flink only: allowed lateness (default 0s); Spark has none, its watermark alone decides.
    #[arg(long)]
    pub(crate) allowed_lateness: Option<String>,
    /// Spark only: append (default), update or complete.
    #[arg(long)]
    pub(crate) output_mode: Option<String>,
}

impl ReplayFlags {
    pub(crate) fn settings(&self, flink: bool, spark: bool) -> Result<ReplaySettings> {
        let need = |v: &Option<String>, flag: &str, example: &str| {
            v.clone().ok_or_else(|| bad(format!("{flag} is needed, e.g. {flag} {example}")))
        };
        let ms = |v: &Option<String>, flag: &str, default: &str| parse_ms(flag, v.as_deref().unwrap_or(default));
        let output_mode = self.output_mode.as_deref().unwrap_or("append");
        let s = ReplaySettings {
            flink,
            spark,
            window: parse_window(&need(&self.window, "--window", "tumbling:10s")?)?,
            watermark_delay_ms: parse_ms(
                "--watermark-delay",
                &need(&self.watermark_delay, "--watermark-delay", "2s")?,
            )?,
            watermark_interval_ms: ms(&self.watermark_interval, "--watermark-interval", "200ms")?,
            trigger_ms: ms(&self.trigger, "--trigger", "1s")?,
            allowed_lateness_ms: ms(&self.allowed_lateness, "--allowed-lateness", "0s")?,
            output_mode: match output_mode {
                "append" => OutputMode::Append,
                "update" => OutputMode::Update,
                "complete" => OutputMode::Complete,
                _ => return Err(bad(format!("--output-mode `{output_mode}`: use append, update or complete"))),
            },
        };
        check(&s).map_err(|reason| bad(format!("{reason} Use another --output-mode or window, or --engine flink.")))?;
        Ok(s)
    }

    /// Notes on stderr for the flags the running engines ignore.
    fn note_unused(&self, flink: bool, spark: bool) {
        let given = |v: &Option<String>| v.is_some();
        if !spark {
            for (flag, v) in [("--trigger", &self.trigger), ("--output-mode", &self.output_mode)] {
                if given(v) {
                    eprintln!("note: {flag} applies to Spark only; Flink fires windows on the watermark");
                }
            }
        }
        if !flink {
            for (flag, v) in
                [("--allowed-lateness", &self.allowed_lateness), ("--watermark-interval", &self.watermark_interval)]
            {
                if given(v) {
                    eprintln!("note: {flag} applies to Flink only; Spark's watermark moves once per batch");
                }
            }
        }
    }

    /// The flags as given, for the exported job's header.
    fn describe(&self) -> String {
        let all = [
            ("window", &self.window),
            ("watermark-delay", &self.watermark_delay),
            ("watermark-interval", &self.watermark_interval),
            ("trigger", &self.trigger),
            ("allowed-lateness", &self.allowed_lateness),
            ("output-mode", &self.output_mode),
        ];
        all.iter().filter_map(|(k, v)| v.as_ref().map(|v| format!("--{k} {v}"))).collect::<Vec<_>>().join(" ")
    }
}

#[derive(Subcommand)]
enum ScenarioCommand {
    /// List the built-in scenarios.
    List,
    /// Print a built-in scenario's documented TOML.
    Show { name: String },
}

#[derive(Subcommand)]
enum KafkaCommand {
    /// Which partition the Java client's default partitioner picks for each key.
    Partition {
        #[arg(long)]
        partitions: u32,
        #[arg(required = true)]
        keys: Vec<String>,
    },
    /// The assignment a consumer group gets (fresh, or after `--previous` for the sticky assignor).
    Assign {
        /// range, roundrobin or sticky.
        #[arg(long)]
        strategy: String,
        /// Member ids, comma separated: c1,c2,c3.
        #[arg(long)]
        members: String,
        /// Topics with their partition counts: t0:3,t1:3.
        #[arg(long)]
        topics: String,
        /// The previous assignment, for the sticky assignor: 'c1=t0-0,t0-2;c2=t0-1'.
        #[arg(long, default_value = "")]
        previous: String,
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
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(if is_bad_input(&e) { 2 } else { 1 })
        }
    }
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

/// Whether an error is the user's input (exit code 2, HTTP 400) rather than a failure while running.
pub fn is_bad_input(e: &anyhow::Error) -> bool {
    e.downcast_ref::<BadInput>().is_some() || e.downcast_ref::<LabError>().is_some_and(LabError::is_bad_input)
}

/// Limits of `kafka assign`: far above a lesson's group, far below what exhausts memory.
const MAX_ASSIGN_MEMBERS: usize = 10_000;
const MAX_ASSIGN_PARTITIONS: u64 = 1_000_000;
const MAX_ASSIGN_PAIRS: u64 = 10_000_000;

/// An output folder named by `flag` must not be an existing file.
fn out_dir(flag: &str, dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(bad(format!("{flag} {} is a file: give a folder (it is created if missing)", dir.display())));
    }
    Ok(())
}

fn run(cli: Cli) -> Result<()> {
    let Some(command) = cli.command else { return main_job(Path::new("out")) };
    match &command {
        Command::Run { out, .. } | Command::Compare { out, .. } | Command::Lab { out, .. } => out_dir("--out", out)?,
        Command::Book { out, .. } | Command::Dataset { out, .. } | Command::Export { out, .. } => {
            out_dir("--out", out)?
        }
        _ => {}
    }
    match command {
        Command::Run { scenario, seed, out } => run_scenario(&scenario, seed, &out),
        Command::Scenario { command: ScenarioCommand::List } => {
            for (name, text) in scenarios::BUILTIN {
                println!("{name:<24} {}", scenarios::description(text));
            }
            Ok(())
        }
        Command::Scenario { command: ScenarioCommand::Show { name } } => {
            let text = scenarios::find(&name).ok_or_else(|| unknown_scenario(&name))?;
            print!("{text}");
            Ok(())
        }
        Command::Kafka { command: KafkaCommand::Partition { partitions, keys } } => {
            if partitions == 0 {
                return Err(bad("--partitions must be at least 1"));
            }
            for k in keys {
                println!("{k}\t{}", partition_for_key(k.as_bytes(), partitions));
            }
            Ok(())
        }
        Command::Kafka { command: KafkaCommand::Assign { strategy, members, topics, previous } } => {
            let strategy: Strategy = strategy.parse().map_err(bad)?;
            let members: Vec<String> =
                members.split(',').map(str::trim).filter(|m| !m.is_empty()).map(String::from).collect();
            if members.is_empty() {
                return Err(bad("--members needs at least one member id, e.g. --members c1,c2"));
            }
            if members.len() > MAX_ASSIGN_MEMBERS {
                return Err(bad(format!("--members: at most {MAX_ASSIGN_MEMBERS} members (got {})", members.len())));
            }
            if let Some(dup) = members.iter().enumerate().find_map(|(i, m)| members[..i].contains(m).then_some(m)) {
                return Err(bad(format!("--members: `{dup}` appears twice; member ids in a group are unique")));
            }
            let topics = parse_topics(&topics)?;
            let total: u64 = topics.values().map(|n| u64::from(*n)).sum();
            if total > MAX_ASSIGN_PARTITIONS {
                return Err(bad(format!("--topics: at most {MAX_ASSIGN_PARTITIONS} partitions in all (got {total})")));
            }
            // The range assignor walks the members once per topic.
            let pairs = members.len() as u64 * topics.len() as u64;
            if pairs > MAX_ASSIGN_PAIRS {
                return Err(bad(format!("--topics x --members: at most {MAX_ASSIGN_PAIRS} pairs (got {pairs})")));
            }
            let previous = parse_previous(&previous, &topics)?;
            let a = assignor::assign(strategy, &members, &topics, &previous);
            for (m, parts) in &a {
                let list: Vec<String> = parts.iter().map(ToString::to_string).collect();
                println!("{m}: {}", list.join(" "));
            }
            Ok(())
        }
        Command::Bench { records, engines, model, against_simpy } => {
            crate::bench::run(records, engines, model, against_simpy)
        }
        Command::Serve { port, bind, open, site, max_runs } => {
            let limits = crate::serve::Limits::with_max_runs(max_runs);
            crate::serve::serve(std::net::SocketAddr::new(bind, port), &site, open, limits)
        }
        Command::Compare { scenario, seed, out } => compare(&scenario, seed, &out),
        Command::Torture { seeds, from, scenario } => {
            crate::torture::torture(seeds, from, scenario.as_deref().map(load_scenario).transpose()?)
        }
        Command::Book { out, src, seed } => build_book(&src, &out, seed),
        Command::Grade {
            student,
            exercises,
            exercise,
            format,
            out,
            secret_file,
            instructor,
            unsandboxed,
            class,
            jobs,
            package_gradescope,
            gradescope_metadata,
            check_course,
        } => {
            let inputs =
                crate::grader::secret::Inputs::from_args(secret_file.as_deref()).map_err(|e| bad(format!("{e:#}")))?;
            if let Some(zip) = package_gradescope {
                let secret = secret_file.ok_or_else(|| {
                    bad("--package-gradescope needs --secret-file FILE: the package carries the secret")
                })?;
                return crate::grader::gradescope::package(&zip, &secret, &instructor)
                    .map_err(|e| bad(format!("{e:#}")));
            }
            let sandbox = crate::grader::sandbox::Sandbox::detect(unsandboxed).map_err(|e| bad(format!("{e:#}")))?;
            if unsandboxed {
                eprintln!("warning: grading without a sandbox: {}", crate::grader::sandbox::UNSANDBOXED_RISK);
            }
            let opts = crate::grader::Options { inputs, sandbox, instructor, only: exercise };
            if check_course {
                return grade_check_course(&exercises, &opts);
            }
            if let Some(class) = class {
                let out = out.unwrap_or_else(|| PathBuf::from("grades"));
                let jobs = jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
                return crate::grader::class::grade_class(&class, &out, jobs, &opts).map_err(|e| bad(format!("{e:#}")));
            }
            let student = match gradescope_metadata {
                Some(m) => crate::grader::gradescope::student_id(&m).map_err(|e| bad(format!("{e:#}")))?,
                None => student,
            };
            grade(&student, &exercises, &format, out.as_deref(), &opts)
        }
        Command::Handout { out, exercises, instructor } => {
            crate::grader::class::handout(&exercises, &instructor, &out).map_err(|e| bad(format!("{e:#}")))
        }
        Command::Exercise { action, id, student } => exercise(&action, id.as_deref(), &student),
        Command::Dataset { action, out } => match action.as_str() {
            "list" => {
                for (name, what, _) in streamlab_labs::datasets::generate() {
                    println!("{name:<24} {what}");
                }
                Ok(())
            }
            "gen" => {
                std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
                for (name, _, text) in streamlab_labs::datasets::generate() {
                    let path = out.join(name);
                    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
                    println!("{}", path.display());
                }
                Ok(())
            }
            _ => Err(bad(format!("dataset `{action}`: use `dataset gen [--out DIR]` or `dataset list`"))),
        },
        Command::Lab { id, seed, out, lang, scenario } => {
            let langs = match lang.as_str() {
                "kk" => vec![Lang::Kk],
                "en" => vec![Lang::En],
                "both" => vec![Lang::Kk, Lang::En],
                _ => return Err(bad(format!("--lang `{lang}`: use kk, en or both"))),
            };
            let scenario = match scenario {
                Some(path) => Some(load_scenario(&path.to_string_lossy())?),
                None => None,
            };
            run_labs(&id, seed, &out, &langs, scenario.as_ref()).map(|_| ())
        }
        Command::Replay { engine, flags, events } => {
            let (flink, spark) = engine_choice(&engine)?;
            let settings = flags.settings(flink, spark)?;
            flags.note_unused(flink, spark);
            let text = std::fs::read_to_string(&events)
                .map_err(|e| bad(format!("cannot read the trace {}: {e}", events.display())))?;
            let rows = parse_trace(&text).map_err(|e| bad(format!("{}: {e}", events.display())))?;
            budget::check_replay(&rows, &settings).map_err(|e| bad(format!("{}: {e}", events.display())))?;
            print!("{}", replay(&rows, &settings));
            Ok(())
        }
        Command::Export { engine, scenario, flags, out } => export(&engine, scenario.as_deref(), &flags, &out),
    }
}

fn export(engine: &str, scenario: Option<&str>, flags: &ReplayFlags, out: &Path) -> Result<()> {
    let target = Target::parse(engine).ok_or_else(|| bad(format!("--engine `{engine}`: use spark or flink")))?;
    let (flink, spark) = (target == Target::Flink, target == Target::Spark);
    let (job, readme) = match scenario {
        Some(name) => {
            let sc = load_scenario(name)?;
            let (job, readme) = export::kafka_job(target, &sc).map_err(|e| bad(format!("{name}: {e}")))?;
            (job, Some(readme))
        }
        None => {
            let settings = flags.settings(flink, spark)?;
            flags.note_unused(flink, spark);
            if flink && settings.watermark_interval_ms != 0 {
                eprintln!(
                    "note: the Flink job emits a watermark after every record; compare it with \
                     `replay --watermark-interval 0ms`"
                );
            }
            (export::file_job(target, &settings, &flags.describe()).map_err(bad)?, None)
        }
    };
    export::write(out, &job, readme.as_deref()).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("wrote {}", out.join("job.py").display());
    Ok(())
}

/// Everything at once: every built-in scenario except the benchmark models into out/runs/NAME, then every lab
/// and the review cards into out/labs.
fn main_job(out: &Path) -> Result<()> {
    let start = std::time::Instant::now();
    for (name, _) in scenarios::BUILTIN.iter().filter(|(n, _)| !scenarios::BENCH_MODELS.contains(n)) {
        println!("== run {name}");
        run_scenario(name, None, &out.join("runs").join(name))?;
    }
    let reports = run_labs("all", None, &out.join("labs"), &Lang::ALL, None)?;
    let site = out.join("site");
    crate::book::build(Path::new("book"), &site, &reports)?;
    println!("main job done in {:.1} s", start.elapsed().as_secs_f64());
    println!("site: open {} in a browser", site.join("index.html").display());
    Ok(())
}

pub fn build_book(src: &Path, out: &Path, seed: Option<u64>) -> Result<()> {
    let generated_dir = out.join(".labs");
    let reports = run_labs("all", seed, &generated_dir, &Lang::ALL, None)?;
    crate::book::build(src, out, &reports)?;
    println!("site: open {} in a browser", out.join("index.html").display());
    Ok(())
}

/// Runs one lab, `review` (the labs its cards need, then the cards) or `all`, writing under `out`.
fn run_labs(
    id: &str,
    seed: Option<u64>,
    out: &Path,
    langs: &[Lang],
    scenario: Option<&Scenario>,
) -> Result<Vec<streamlab_labs::lab::LabReport>> {
    if id == "list" {
        for (id, section, _) in streamlab_labs::LABS {
            println!("{id:<16} lecture section {section}");
        }
        println!("{:<16} 9. Review questions: one answer card per question", streamlab_labs::REVIEW);
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
    let mut reports = Vec::new();
    for (i, lab) in ids.iter().enumerate() {
        let run = streamlab_labs::find(lab).expect("listed");
        let n = ids.len();
        let mut progress = |step: &str| eprintln!("[{}/{n}] {lab}: {step}", i + 1);
        let report = run(seed, scenario, &mut progress).with_context(|| format!("lab {lab}"))?;
        let dir = out.join(lab);
        report.write(&dir, langs)?;
        for line in &report.summary {
            println!("{lab}: {}", line.get(langs[0]));
        }
        println!("{lab}: written to {}", dir.display());
        reports.push(report);
    }
    if id == "all" || id == "review" {
        let dir = out.join(streamlab_labs::REVIEW);
        let cards = streamlab_labs::review::write_cards(&reports, &dir, langs)?;
        println!("review: {} cards written to {}", cards.len(), dir.display());
    }
    Ok(reports)
}

/// `--engine flink|spark|both` as (flink, spark).
pub(crate) fn engine_choice(engine: &str) -> Result<(bool, bool)> {
    match engine {
        "flink" => Ok((true, false)),
        "spark" => Ok((false, true)),
        "both" => Ok((true, true)),
        _ => Err(bad(format!("--engine `{engine}`: use flink, spark or both"))),
    }
}

/// `10s`, `250ms`, `2m`, `1h` or a bare number of milliseconds.
fn parse_ms(flag: &str, s: &str) -> Result<u64> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "ms"),
    };
    let factor = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => return Err(bad(format!("{flag}: `{s}` has an unknown unit; use ms, s, m or h, e.g. 500ms or 10s"))),
    };
    let n: u64 = num.parse().map_err(|_| bad(format!("{flag}: `{s}` is not a duration like 500ms or 10s")))?;
    n.checked_mul(factor)
        .filter(|ms| *ms <= MAX_MS)
        .ok_or_else(|| bad(format!("{flag}: `{s}` is above {MAX_MS} ms (about 31 years)")))
}

fn parse_window(s: &str) -> Result<WindowSpec> {
    let parts: Vec<&str> = s.split(':').collect();
    let w = match parts.as_slice() {
        ["none"] => WindowSpec::None,
        ["tumbling", size] => WindowSpec::Tumbling { size_ms: parse_ms("--window", size)? },
        ["sliding", size, slide] => {
            WindowSpec::Sliding { size_ms: parse_ms("--window", size)?, slide_ms: parse_ms("--window", slide)? }
        }
        ["session", gap] => WindowSpec::Session { gap_ms: parse_ms("--window", gap)? },
        _ => {
            return Err(bad(format!(
                "--window `{s}`: use tumbling:SIZE, sliding:SIZE:SLIDE, session:GAP or none (e.g. tumbling:10s)"
            )));
        }
    };
    w.validate().and_then(|()| budget::sliding_fits(&w)).map_err(|e| bad(format!("--window `{s}`: {e}")))?;
    Ok(w)
}

fn compare(arg: &str, seed: Option<u64>, out: &Path) -> Result<()> {
    let mut scenario = load_scenario(arg)?;
    if scenario.pipeline.is_none() {
        return Err(bad(format!(
            "{arg} has no [pipeline] table: add one to say what the engines compute (see `streamlab scenario show flink-vs-spark`)"
        )));
    }
    if let Some(seed) = seed {
        scenario.run.seed = seed;
    }
    for line in Derived::of(&scenario).lines(&scenario.name, scenario.run.seed) {
        println!("{line}");
    }
    let results = simulate(&scenario)?;
    for line in results.engine_table() {
        println!("{line}");
    }
    write_results(&results, out)
}

fn write_results(results: &Results, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating output folder {}", out.display()))?;
    let path = out.join("results.json");
    std::fs::write(&path, results.to_json()).with_context(|| format!("writing {}", path.display()))?;
    println!("results: {}", path.display());
    Ok(())
}

fn grade_check_course(exercises: &Path, opts: &crate::grader::Options) -> Result<()> {
    let problems = crate::grader::check_course(exercises, opts)?;
    if problems.is_empty() {
        println!("course check passed: stubs score 0, reference solutions full marks, wrong solutions lose points");
        return Ok(());
    }
    bail!("course check failed:\n  {}", problems.join("\n  "));
}

fn grade(
    student: &str,
    exercises: &Path,
    format: &str,
    out: Option<&Path>,
    opts: &crate::grader::Options,
) -> Result<()> {
    let render: fn(&crate::grader::report::Grade) -> String = match format {
        "text" => |g| g.text(),
        "json" => |g| g.json(),
        "gradescope" => |g| g.gradescope(),
        "junit" => |g| g.junit(),
        _ => return Err(bad(format!("--format `{format}`: use text, json, gradescope or junit"))),
    };
    let g = crate::grader::grade(exercises, student, opts).map_err(|e| bad(format!("{e:#}")))?;
    let text = render(&g);
    match out {
        Some(path) => std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}

fn exercise(action: &str, id: Option<&str>, student: &str) -> Result<()> {
    use crate::grader::{CODE_EXERCISES, MEASURES};
    let seed = crate::grader::student_seed(student);
    match (action, id) {
        ("list", _) => {
            for ex in CODE_EXERCISES {
                println!("{:<20} code: exercises/{}/{}.rs", ex.id, ex.folder, ex.id);
            }
            for m in MEASURES {
                println!(
                    "{:<20} measurement ({} points): streamlab exercise show {} --student ID",
                    m.id, m.points, m.id
                );
            }
            println!("{:<20} concept questions: streamlab exercise show c1", "c1 .. c6");
            Ok(())
        }
        ("show", Some(id)) => {
            if let Some(m) = MEASURES.iter().find(|m| m.id == id) {
                let (_, q) = (m.variant)(seed);
                println!("{id} (student {student})\n\nkk: {}\nen: {}\n", q.kk, q.en);
                println!("streamlab exercise scenario {id} --student {student} > {id}.toml");
                println!("then answer in exercises/answers.toml: [measure] {id} = NUMBER");
                return Ok(());
            }
            if let Some(c) = crate::grader::concept_text(id) {
                println!(
                    "{id}\n\n{}\n\n{}\n\nanswer in exercises/answers.toml: [concept] {id} = \"LETTER\"",
                    c.kk, c.en
                );
                return Ok(());
            }
            if let Some(ex) = crate::grader::find_code(id) {
                println!("exercises/{}/README.md describes it; edit exercises/{}/{}.rs", ex.folder, ex.folder, ex.id);
                return Ok(());
            }
            Err(bad(format!("no exercise `{id}`: see `streamlab exercise list`")))
        }
        ("scenario", Some(id)) => {
            let m = MEASURES
                .iter()
                .find(|m| m.id == id)
                .ok_or_else(|| bad(format!("`{id}` is not a measurement exercise (m1, m2, m3)")))?;
            let (s, _) = (m.variant)(seed);
            print!("# {id}: the scenario of student {student}\n{}", s.to_toml());
            Ok(())
        }
        _ => Err(bad("use `exercise list`, `exercise show ID [--student S]` or `exercise scenario ID --student S`")),
    }
}

fn unknown_scenario(name: &str) -> anyhow::Error {
    let names: Vec<&str> = scenarios::BUILTIN.iter().map(|(n, _)| *n).collect();
    bad(format!("no built-in scenario named `{name}`; built-in scenarios: {}", names.join(", ")))
}

fn parse_topics(spec: &str) -> Result<BTreeMap<String, u32>> {
    let mut topics = BTreeMap::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, n) = item
            .split_once(':')
            .ok_or_else(|| bad(format!("--topics: `{item}` should be NAME:PARTITIONS, e.g. t0:3")))?;
        let n: u32 =
            n.parse().map_err(|_| bad(format!("--topics: `{n}` in `{item}` is not a whole number of partitions")))?;
        if name.is_empty() {
            return Err(bad(format!("--topics: `{item}` has no topic name")));
        }
        topics.insert(name.to_string(), n);
    }
    if topics.is_empty() {
        return Err(bad("--topics needs at least one NAME:PARTITIONS, e.g. --topics t0:3,t1:3"));
    }
    Ok(topics)
}

/// `c1=t0-0,t0-2;c2=t0-1`: each member's partitions, which must exist in `topics`.
fn parse_previous(spec: &str, topics: &BTreeMap<String, u32>) -> Result<Assignment> {
    let mut previous = Assignment::new();
    for entry in spec.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let (member, parts) = entry.split_once('=').ok_or_else(|| {
            bad(format!("--previous: `{entry}` should be MEMBER=TOPIC-PARTITION,..., e.g. c1=t0-0,t0-2"))
        })?;
        let mut owned = Vec::new();
        for item in parts.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let tp = item
                .rsplit_once('-')
                .and_then(|(t, p)| Some(TopicPartition { topic: t.to_string(), partition: p.parse().ok()? }))
                .filter(|tp| topics.get(&tp.topic).is_some_and(|&n| tp.partition < n))
                .ok_or_else(|| {
                    bad(format!("--previous: `{item}` is not a partition of --topics (TOPIC-PARTITION, e.g. t0-2)"))
                })?;
            owned.push(tp);
        }
        previous.insert(member.trim().to_string(), owned);
    }
    Ok(previous)
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

fn run_scenario(arg: &str, seed: Option<u64>, out: &Path) -> Result<()> {
    let mut scenario = load_scenario(arg)?;
    if let Some(seed) = seed {
        scenario.run.seed = seed;
    }
    for line in Derived::of(&scenario).lines(&scenario.name, scenario.run.seed) {
        println!("{line}");
    }
    let results = simulate(&scenario)?;
    for line in results.summary_lines() {
        println!("{line}");
    }
    if !results.engines.is_empty() {
        for line in results.engine_table() {
            println!("{line}");
        }
    }
    write_results(&results, out)
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
