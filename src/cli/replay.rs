//! `replay` and `export`: a hand-made trace through the engines' rules, and the same settings as a job for
//! the real engines. Durations are given like 10s, 500ms, 2m.

use super::{bad, out_dir};
use crate::export::{self, Target};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use streamlab_sim::budget;
use streamlab_sim::engine::replay::{ReplaySettings, check, replay};
use streamlab_sim::engine::spark::OutputMode;
use streamlab_sim::engine::window::WindowSpec;
use streamlab_sim::time::MAX_MS;

#[derive(Args)]
pub struct ReplayArgs {
    /// The engines that replay the trace.
    #[arg(long, value_enum, default_value_t = EngineChoice::Both)]
    engine: EngineChoice,
    #[command(flatten)]
    flags: ReplayFlags,
    /// The trace.
    events: PathBuf,
}

impl ReplayArgs {
    pub fn run(self) -> Result<()> {
        let (flink, spark) = self.engine.runs();
        let settings = self.flags.settings(flink, spark, Spelling::Flag)?;
        self.flags.note_unused(flink, spark);
        let events = &self.events;
        let text = std::fs::read_to_string(events)
            .map_err(|e| bad(format!("cannot read the trace {}: {e}", events.display())))?;
        let rows = budget::checked_trace(&text, &settings).map_err(|e| bad(format!("{}: {e}", events.display())))?;
        print!("{}", replay(&rows, &settings));
        Ok(())
    }
}

#[derive(Args)]
pub struct ExportArgs {
    /// The engine the job is written for.
    #[arg(long, value_enum)]
    engine: Target,
    /// A scenario file or built-in name: export its pipeline reading Kafka instead.
    scenario: Option<String>,
    #[command(flatten)]
    flags: ReplayFlags,
    /// Where job.py (and README.txt) go.
    #[arg(long, default_value = "out/export")]
    out: PathBuf,
}

impl ExportArgs {
    pub fn run(self) -> Result<()> {
        let (target, flags, out) = (self.engine, &self.flags, &self.out);
        out_dir("--out", out)?;
        let (job, readme) = match &self.scenario {
            Some(name) => {
                if let Some((flag, _)) = flags.given().next() {
                    return Err(bad(format!(
                        "--{flag} sets a trace export; a scenario's job takes its settings from the scenario's \
                         [pipeline], [flink] and [spark] tables: edit those in a copy of {name}, or leave out {name} \
                         to export these flags"
                    )));
                }
                let sc = super::load_scenario(name)?;
                let (job, readme) = export::kafka_job(target, &sc).map_err(|e| bad(format!("{name}: {e}")))?;
                (job, Some(readme))
            }
            None => {
                let (flink, spark) = (target == Target::Flink, target == Target::Spark);
                let settings = flags.settings(flink, spark, Spelling::Flag)?;
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
}

/// Which engines replay a trace.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum EngineChoice {
    Flink,
    Spark,
    Both,
}

impl EngineChoice {
    /// (flink, spark): whether each runs.
    pub(crate) fn runs(self) -> (bool, bool) {
        match self {
            EngineChoice::Flink => (true, false),
            EngineChoice::Spark => (false, true),
            EngineChoice::Both => (true, true),
        }
    }
}

/// Spark's output modes, as the command line names them.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum SparkOutputMode {
    Append,
    Update,
    Complete,
}

impl From<SparkOutputMode> for OutputMode {
    fn from(m: SparkOutputMode) -> OutputMode {
        match m {
            SparkOutputMode::Append => OutputMode::Append,
            SparkOutputMode::Update => OutputMode::Update,
            SparkOutputMode::Complete => OutputMode::Complete,
        }
    }
}

/// The engines' settings shared by `replay` and `export`. Durations like 10s, 500ms, 2m.
#[derive(Args, Default)]
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
    /// Spark only (default append).
    #[arg(long, value_enum)]
    pub(crate) output_mode: Option<SparkOutputMode>,
}

/// How a message names a replay setting: as the command's flag, or as the live lab's query parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Spelling {
    Flag,
    Query,
}

impl Spelling {
    /// The setting `key` (as `watermark-delay`): `--watermark-delay` or `watermark_delay`.
    pub(crate) fn name(self, key: &str) -> String {
        match self {
            Spelling::Flag => format!("--{key}"),
            Spelling::Query => key.replace('-', "_"),
        }
    }

    /// The setting `key` given `value`: `--watermark-delay 2s` or `watermark_delay=2s`.
    fn given(self, key: &str, value: &str) -> String {
        match self {
            Spelling::Flag => format!("--{key} {value}"),
            Spelling::Query => format!("{}={value}", self.name(key)),
        }
    }
}

impl ReplayFlags {
    /// The settings the flags give; a message names a setting as `spelling` says.
    pub(crate) fn settings(&self, flink: bool, spark: bool, spelling: Spelling) -> Result<ReplaySettings> {
        let need = |v: &Option<String>, key: &str, example: &str| {
            let name = spelling.name(key);
            v.clone().ok_or_else(|| bad(format!("{name} is needed, e.g. {}", spelling.given(key, example))))
        };
        let ms = |v: &Option<String>, key: &str, default: &str| {
            parse_ms(&spelling.name(key), v.as_deref().unwrap_or(default))
        };
        let s = ReplaySettings {
            flink,
            spark,
            window: parse_window(&need(&self.window, "window", "tumbling:10s")?, &spelling.name("window"))?,
            watermark_delay_ms: parse_ms(
                &spelling.name("watermark-delay"),
                &need(&self.watermark_delay, "watermark-delay", "2s")?,
            )?,
            watermark_interval_ms: ms(&self.watermark_interval, "watermark-interval", "200ms")?,
            trigger_ms: ms(&self.trigger, "trigger", "1s")?,
            allowed_lateness_ms: ms(&self.allowed_lateness, "allowed-lateness", "0s")?,
            output_mode: self.output_mode.unwrap_or(SparkOutputMode::Append).into(),
        };
        check(&s).map_err(|reason| {
            let (mode, flink) = (spelling.name("output-mode"), spelling.given("engine", "flink"));
            bad(format!("{reason} Use another {mode} or window, or {flink}."))
        })?;
        Ok(s)
    }

    /// Notes on stderr for the flags the running engines ignore.
    fn note_unused(&self, flink: bool, spark: bool) {
        if !spark {
            for (flag, given) in [("--trigger", self.trigger.is_some()), ("--output-mode", self.output_mode.is_some())]
            {
                if given {
                    eprintln!("note: {flag} applies to Spark only; Flink fires windows on the watermark");
                }
            }
        }
        if !flink {
            for (flag, given) in [
                ("--allowed-lateness", self.allowed_lateness.is_some()),
                ("--watermark-interval", self.watermark_interval.is_some()),
            ] {
                if given {
                    eprintln!("note: {flag} applies to Flink only; Spark's watermark moves once per batch");
                }
            }
        }
    }

    /// The flags given, as (flag without `--`, value), in the order `--help` lists them.
    fn given(&self) -> impl Iterator<Item = (&'static str, String)> {
        let mode = self.output_mode.and_then(|m| m.to_possible_value()).map(|v| v.get_name().to_string());
        [
            ("window", self.window.clone()),
            ("watermark-delay", self.watermark_delay.clone()),
            ("watermark-interval", self.watermark_interval.clone()),
            ("trigger", self.trigger.clone()),
            ("allowed-lateness", self.allowed_lateness.clone()),
            ("output-mode", mode),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
    }

    /// The flags as given, for the exported job's header.
    fn describe(&self) -> String {
        self.given().map(|(k, v)| format!("--{k} {v}")).collect::<Vec<_>>().join(" ")
    }
}

/// `10s`, `250ms`, `2m`, `1h`, or `0`. Any other bare number is refused: read as milliseconds, `5` meant
/// for 5 s would silently be a thousand times shorter.
fn parse_ms(flag: &str, s: &str) -> Result<u64> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None if s.bytes().all(|b| b == b'0') => (s, "ms"),
        None => return Err(bad(format!("{flag}: `{s}`: give a unit: {s}ms, {s}s, {s}m or {s}h"))),
    };
    let factor = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ if s.starts_with('-') => return Err(bad(format!("{flag}: `{s}` is negative; a duration is 0 or more"))),
        // `1.5s`: the unit would be `.5s`.
        _ if unit.starts_with('.') => {
            return Err(bad(format!("{flag}: `{s}` is not a whole number; give a smaller unit, e.g. 1500ms for 1.5s")));
        }
        _ => return Err(bad(format!("{flag}: `{s}` has an unknown unit; use ms, s, m or h, e.g. 500ms or 10s"))),
    };
    let n: u64 = num.parse().map_err(|_| bad(format!("{flag}: `{s}` is not a duration like 500ms or 10s")))?;
    n.checked_mul(factor)
        .filter(|ms| *ms <= MAX_MS)
        .ok_or_else(|| bad(format!("{flag}: `{s}` is above {MAX_MS} ms (about 31 years)")))
}

/// The window `s` describes; `flag` names the setting in messages.
fn parse_window(s: &str, flag: &str) -> Result<WindowSpec> {
    let parts: Vec<&str> = s.split(':').collect();
    let w = match parts.as_slice() {
        ["none"] => WindowSpec::None,
        ["tumbling", size] => WindowSpec::Tumbling { size_ms: parse_ms(flag, size)? },
        ["sliding", size, slide] => {
            WindowSpec::Sliding { size_ms: parse_ms(flag, size)?, slide_ms: parse_ms(flag, slide)? }
        }
        ["session", gap] => WindowSpec::Session { gap_ms: parse_ms(flag, gap)? },
        _ => {
            return Err(bad(format!(
                "{flag} `{s}`: use tumbling:SIZE, sliding:SIZE:SLIDE, session:GAP or none (e.g. tumbling:10s)"
            )));
        }
    };
    w.validate().and_then(|()| w.check_slide()).map_err(|e| bad(format!("{flag} `{s}`: {e}")))?;
    Ok(w)
}
