//! `streamlab bench`: simulated records per second on a fixed model, and the same model in SimPy for scale.

use crate::cli::bad;
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use streamlab_labs::scenarios;
use streamlab_sim::report::Results;
use streamlab_sim::{Scenario, World};

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Model {
    /// labs/scenarios/bench.toml: 4 producers -> 12 partitions, replication factor 3, acks=all -> 6 consumers.
    Kafka,
    /// labs/scenarios/mm1.toml: twelve M/M/1 queues at utilisation 0.8 (mean time in system 0.4 ms).
    Mm1,
}

/// The SimPy twin of the mm1 model, fed to `python -` on stdin.
const MM1_SIMPY: &str = include_str!("../sim/benches/mm1_simpy.py");
const SIMPY: &str = "simpy==4.1.2";
/// How this binary was built: timings from a debug build say little, and scripts/pgo.sh builds with
/// `--cfg streamlab_pgo`.
const BUILD: &str = if cfg!(debug_assertions) {
    "debug"
} else if cfg!(streamlab_pgo) {
    "release, profile-guided"
} else {
    "release"
};
/// `--records` at most: about 10^9 events, a few minutes.
const MAX_RECORDS: u64 = 100_000_000;

pub fn run(records: u64, engines: bool, model: Model, against_simpy: bool) -> Result<()> {
    if records == 0 || records > MAX_RECORDS {
        return Err(bad(format!("--records must be between 1 and {MAX_RECORDS} (got {records})")));
    }
    if engines && !matches!(model, Model::Kafka) {
        return Err(bad("--engines applies to --model kafka only: the mm1 model has no pipeline"));
    }
    if against_simpy && !matches!(model, Model::Mm1) {
        return Err(bad("--against-simpy needs --model mm1: SimPy runs only the M/M/1 model"));
    }
    let name = match model {
        Model::Kafka => "bench",
        Model::Mm1 => "mm1",
    };
    let mut scenario = Scenario::from_toml(scenarios::find(name).expect("bench models are built in"))?;
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
    let records_per_s = (produced as f64 / wall_s).round();
    let per_record = |events: u64| ((events as f64 / produced as f64) * 100.0).round() / 100.0;
    let line = serde_json::json!({
        "model": name,
        "build": BUILD,
        "records": produced,
        "engines": engines,
        "events": world.events_processed(),
        "events_per_record": per_record(world.events_processed()),
        "handler_calls_per_record": per_record(world.events_processed() + world.handoffs()),
        "heap_events_per_record": per_record(world.events_processed() - world.same_instant_events()),
        "wall_s": (wall_s * 1000.0).round() / 1000.0,
        "records_per_s": records_per_s,
        "mean_time_in_system_ms": results.end_to_end_latency_ms.mean_ms,
        "peak_rss_mb": peak_rss_mb(),
    });
    println!("{line}");
    if against_simpy {
        let simpy = run_simpy(produced)?;
        println!("{simpy}");
        let theirs = simpy["records_per_s"].as_f64().context("SimPy printed no records_per_s")?;
        println!("streamlab / SimPy: {:.1}x records per second", records_per_s / theirs);
    }
    Ok(())
}

/// Runs the mm1 model in SimPy, installing it in a venv under the target folder when missing.
fn run_simpy(records: u64) -> Result<serde_json::Value> {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let venv = target.join("venv-simpy");
    let python = venv.join("bin/python");
    if !python.exists() {
        eprintln!("installing {SIMPY} into {}", venv.display());
        let status = Command::new("python3").args(["-m", "venv"]).arg(&venv).status();
        if !status.is_ok_and(|s| s.success()) {
            bail!("could not create a Python venv at {}: is python3 (with venv) installed?", venv.display());
        }
        let status = Command::new(&python).args(["-m", "pip", "install", "-q", SIMPY]).status()?;
        if !status.success() {
            bail!("pip could not install {SIMPY} into {}", venv.display());
        }
    }
    let mut child = Command::new(&python)
        .args(["-", &records.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", python.display()))?;
    std::io::Write::write_all(&mut child.stdin.take().expect("piped"), MM1_SIMPY.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("the SimPy model failed ({})", out.status);
    }
    serde_json::from_slice(&out.stdout).context("reading SimPy's JSON line")
}

/// Peak resident memory of this process (VmHWM), in MB; null where /proc is not available.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some((kb / 1024.0 * 10.0).round() / 10.0)
}
