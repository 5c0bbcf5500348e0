use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use streamlab_labs::scenarios;
use streamlab_labs::text::Lang;
use streamlab_sim::engine::replay::{ReplaySettings, parse_trace, replay};
use streamlab_sim::engine::spark::OutputMode;
use streamlab_sim::engine::window::WindowSpec;
use streamlab_sim::kafka::assignor::{self, Assignment, Strategy, TopicPartition};
use streamlab_sim::kafka::partitioner::partition_for_key;
use streamlab_sim::report::{Derived, Results};
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
    Replay {
        /// flink, spark or both.
        #[arg(long, default_value = "both")]
        engine: String,
        /// tumbling:SIZE, sliding:SIZE:SLIDE, session:GAP or none; durations like 10s, 500ms, 2m.
        #[arg(long)]
        window: String,
        /// Bounded out-of-orderness (Flink) and withWatermark delay (Spark).
        #[arg(long)]
        watermark_delay: String,
        /// Flink's periodic watermark interval; 0 emits after every record.
        #[arg(long, default_value = "200ms")]
        watermark_interval: String,
        /// Spark's processing-time trigger; 0 is the default trigger.
        #[arg(long, default_value = "1s")]
        trigger: String,
        /// Flink's allowed lateness.
        #[arg(long, default_value = "0s")]
        allowed_lateness: String,
        /// Spark's output mode: append, update or complete.
        #[arg(long, default_value = "append")]
        output_mode: String,
        /// The trace.
        events: PathBuf,
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
    /// Grade the exercises (each in isolation) and report.
    Grade {
        /// Student id: selects the personal variant of the measurement questions and checks.
        #[arg(long, default_value = "anonymous")]
        student: String,
        #[arg(long, default_value = "exercises")]
        exercises: PathBuf,
        /// text, json, gradescope or junit.
        #[arg(long, default_value = "text")]
        format: String,
        /// Write the report here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Instructors and CI: stubs score 0, reference solutions full marks, wrong solutions lose points.
        #[arg(long)]
        check_course: bool,
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
    /// Measure simulated records per second on the fixed benchmark scenario.
    Bench {
        /// Records to produce.
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        /// Also run the flink-vs-spark pipeline on the Flink and Spark engines (the engine stage).
        #[arg(long)]
        engines: bool,
    },
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
            ExitCode::from(if e.downcast_ref::<BadInput>().is_some() { 2 } else { 1 })
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

fn bad(msg: impl Into<String>) -> anyhow::Error {
    BadInput(msg.into()).into()
}

fn run(cli: Cli) -> Result<()> {
    let Some(command) = cli.command else { return main_job(Path::new("out")) };
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
            let topics = parse_topics(&topics)?;
            let previous = parse_previous(&previous, &topics)?;
            let a = assignor::assign(strategy, &members, &topics, &previous);
            for (m, parts) in &a {
                let list: Vec<String> = parts.iter().map(ToString::to_string).collect();
                println!("{m}: {}", list.join(" "));
            }
            Ok(())
        }
        Command::Bench { records, engines } => bench(records, engines),
        Command::Compare { scenario, seed, out } => compare(&scenario, seed, &out),
        Command::Torture { seeds, from, scenario } => {
            crate::torture::torture(seeds, from, scenario.as_deref().map(load_scenario).transpose()?)
        }
        Command::Book { out, src, seed } => build_book(&src, &out, seed),
        Command::Grade { student, exercises, format, out, check_course } => {
            grade(&student, &exercises, &format, out.as_deref(), check_course)
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
        Command::Replay {
            engine,
            window,
            watermark_delay,
            watermark_interval,
            trigger,
            allowed_lateness,
            output_mode,
            events,
        } => {
            let (flink, spark) = match engine.as_str() {
                "flink" => (true, false),
                "spark" => (false, true),
                "both" => (true, true),
                _ => return Err(bad(format!("--engine `{engine}`: use flink, spark or both"))),
            };
            let settings = ReplaySettings {
                flink,
                spark,
                window: parse_window(&window)?,
                watermark_delay_ms: parse_ms("--watermark-delay", &watermark_delay)?,
                watermark_interval_ms: parse_ms("--watermark-interval", &watermark_interval)?,
                trigger_ms: parse_ms("--trigger", &trigger)?,
                allowed_lateness_ms: parse_ms("--allowed-lateness", &allowed_lateness)?,
                output_mode: match output_mode.as_str() {
                    "append" => OutputMode::Append,
                    "update" => OutputMode::Update,
                    "complete" => OutputMode::Complete,
                    _ => return Err(bad(format!("--output-mode `{output_mode}`: use append, update or complete"))),
                },
            };
            let text = std::fs::read_to_string(&events)
                .map_err(|e| bad(format!("cannot read the trace {}: {e}", events.display())))?;
            let rows = parse_trace(&text).map_err(|e| bad(format!("{}: {e}", events.display())))?;
            print!("{}", replay(&rows, &settings));
            Ok(())
        }
    }
}

/// Everything at once: every built-in scenario except the benchmark into out/runs/NAME, then every lab
/// and the review cards into out/labs.
fn main_job(out: &Path) -> Result<()> {
    let start = std::time::Instant::now();
    for (name, _) in scenarios::BUILTIN.iter().filter(|(n, _)| *n != "bench") {
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

fn build_book(src: &Path, out: &Path, seed: Option<u64>) -> Result<()> {
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
        // A lab fails on what it was given: a scenario that does not fit it, or one that cannot run.
        let report = run(seed, scenario, &mut progress).map_err(|e| bad(format!("lab {lab}: {e}")))?;
        let dir = out.join(lab);
        report.write(&dir, langs).map_err(|e| anyhow::anyhow!(e))?;
        for line in &report.summary {
            println!("{lab}: {}", line.get(langs[0]));
        }
        println!("{lab}: written to {}", dir.display());
        reports.push(report);
    }
    if id == "all" || id == "review" {
        let dir = out.join(streamlab_labs::REVIEW);
        let cards = streamlab_labs::review::write_cards(&reports, &dir, langs).map_err(|e| anyhow::anyhow!(e))?;
        println!("review: {} cards written to {}", cards.len(), dir.display());
    }
    Ok(reports)
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
    Ok(n * factor)
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
    w.validate().map_err(|e| bad(format!("--window `{s}`: {e}")))?;
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

fn grade(student: &str, exercises: &Path, format: &str, out: Option<&Path>, check_course: bool) -> Result<()> {
    if check_course {
        let problems = crate::grader::check_course(exercises)?;
        if problems.is_empty() {
            println!("course check passed: stubs score 0, reference solutions full marks, wrong solutions lose points");
            return Ok(());
        }
        bail!("course check failed:\n  {}", problems.join("\n  "));
    }
    let render: fn(&crate::grader::report::Grade) -> String = match format {
        "text" => |g| g.text(),
        "json" => |g| g.json(),
        "gradescope" => |g| g.gradescope(),
        "junit" => |g| g.junit(),
        _ => return Err(bad(format!("--format `{format}`: use text, json, gradescope or junit"))),
    };
    let g = crate::grader::grade(exercises, student).map_err(|e| bad(format!("{e:#}")))?;
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
            if let Some(ex) = CODE_EXERCISES.iter().find(|e| e.id == id) {
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
    let (text, origin) = if path.exists() {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading scenario file {}", path.display()))?;
        (text, path.display().to_string())
    } else if let Some(text) = scenarios::find(arg) {
        (text.to_string(), format!("built-in scenario {arg}"))
    } else if arg.ends_with(".toml") || arg.contains('/') {
        return Err(bad(format!("scenario file {arg} does not exist")));
    } else {
        return Err(unknown_scenario(arg));
    };
    Scenario::from_toml(&text).map_err(|e| bad(format!("{origin}: {e}")))
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
    let mut world = World::new(scenario);
    let end = SimTime::from_millis(scenario.run.duration_ms + scenario.run.drain_ms);
    let step = SimTime::from_millis((scenario.run.duration_ms / 20).max(1));
    let show = std::io::stderr().is_terminal();
    let mut t = SimTime::ZERO;
    while !world.is_finished() {
        t += step;
        world.run_until(t)?;
        if show {
            let pct = (t.as_nanos() as f64 / end.as_nanos() as f64 * 100.0).min(100.0);
            eprint!("\r  simulated {:>8.1} s ({pct:>3.0} % of the longest possible run)", world.now().as_secs_f64());
        }
    }
    if show {
        eprintln!();
    }
    Ok(Results::of(&world))
}

fn bench(records: u64, engines: bool) -> Result<()> {
    if records == 0 {
        return Err(bad("--records must be at least 1"));
    }
    let mut scenario = Scenario::from_toml(scenarios::find("bench").expect("bench scenario is built in"))?;
    if !engines {
        scenario.pipeline = None;
    }
    let rate: f64 = scenario.producers.iter().map(|p| p.rate_per_s * f64::from(p.count)).sum();
    scenario.run.duration_ms = ((records as f64 / rate) * 1000.0).ceil().max(1.0) as u64;
    let start = std::time::Instant::now();
    let mut world = World::new(&scenario);
    world.run()?;
    let wall_s = start.elapsed().as_secs_f64();
    let results = Results::of(&world);
    let produced = results.ledger.produced;
    if results.ledger.delivered < results.ledger.acknowledged {
        bail!("benchmark run did not deliver every acknowledged record: {:?}", results.ledger);
    }
    let line = serde_json::json!({
        "records": produced,
        "engines": engines,
        "events": world.events_processed(),
        "wall_s": (wall_s * 1000.0).round() / 1000.0,
        "records_per_s": (produced as f64 / wall_s).round(),
        "peak_rss_mb": peak_rss_mb(),
    });
    println!("{line}");
    Ok(())
}

/// Peak resident memory of this process (VmHWM), in MB; null where /proc is not available.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}
