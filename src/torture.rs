//! `streamlab torture`: the randomized fault checker's command. The drawing and the checking live in
//! `streamlab_sim::torture`; this prints the first violation as something to reproduce it with.

use anyhow::{Result, bail};
use std::time::Instant;
use streamlab_sim::Scenario;
use streamlab_sim::torture::{Tally, check, draw, engines};

/// Checks seeds `from..from + seeds`, each a Kafka run and an engine case (or the one scenario given, a
/// Kafka run alone). Returns an error (exit 1) at the first violation, after printing its seed, what
/// reproduces it and the broken invariant.
pub fn torture(seeds: u64, from: u64, scenario: Option<Scenario>) -> Result<()> {
    let started = Instant::now();
    let mut last_progress = started;
    let (mut tally, mut engine_tally) = (Tally::default(), engines::Tally::default());
    let one = scenario.is_some();
    let count = if one { 1 } else { seeds };
    let Some(end) = from.checked_add(count) else {
        return Err(crate::cli::bad(format!(
            "--from {from} with --seeds {seeds} runs past the last seed ({}): start at most at {}",
            u64::MAX,
            u64::MAX - count
        )));
    };
    let mut scenario = scenario;
    for seed in from..end {
        let s = scenario.take().unwrap_or_else(|| draw(seed));
        let verdict = check(&s);
        tally.add(&verdict);
        if let Some(broken) = verdict.broken {
            println!("violation at seed {}: {broken}", s.run.seed);
            println!("ledger: {:?}", verdict.ledger);
            println!(
                "# reproduce: save what follows as torture-{}.toml, then `streamlab run torture-{}.toml`",
                s.run.seed, s.run.seed
            );
            println!("{}", s.to_toml().trim_end());
            bail!("invariant broken at seed {} after {} seeds", s.run.seed, tally.seeds);
        }
        if !one {
            let case = engines::draw(seed);
            let verdict = engines::check(&case);
            engine_tally.add(&case, &verdict);
            if let Some(broken) = verdict.broken {
                println!("engine violation at seed {seed}: {broken}");
                println!("pipeline: {:?}", case.pipe);
                match &case.flink {
                    Some(cfg) => println!("flink: {cfg:?}"),
                    None => println!("spark: continuous processing"),
                }
                println!("task failures at ms: {:?}; {} records", case.failures_ms, case.records.len());
                println!("# reproduce: `streamlab torture --from {seed} --seeds 1`");
                bail!("engine invariant broken at seed {seed} after {} seeds", engine_tally.seeds);
            }
        }
        if last_progress.elapsed().as_secs() >= 10 {
            last_progress = Instant::now();
            eprintln!("  seed {seed}: {} ({:.1} seeds/s)", tally.line(), per_second(&tally, started));
            eprintln!("  seed {seed}: {}", engine_tally.line());
        }
    }
    println!("{}", tally.line());
    if !one {
        println!("{}", engine_tally.line());
    }
    println!("{:.1} seeds/s", per_second(&tally, started));
    Ok(())
}

fn per_second(tally: &Tally, started: Instant) -> f64 {
    tally.seeds as f64 / started.elapsed().as_secs_f64().max(1e-9)
}
