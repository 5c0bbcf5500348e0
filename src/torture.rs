//! `streamlab torture`: the randomized fault checker's command. The drawing and the checking live in
//! `streamlab_sim::torture`; this prints the first violation as a scenario `streamlab run` reproduces.

use anyhow::{Result, bail};
use std::time::Instant;
use streamlab_sim::Scenario;
use streamlab_sim::torture::{Tally, check, draw};

/// Checks seeds `from..from + seeds` (or the one scenario given). Returns an error (exit 1) at the first
/// violation, after printing its seed, scenario and broken invariant.
pub fn torture(seeds: u64, from: u64, scenario: Option<Scenario>) -> Result<()> {
    let started = Instant::now();
    let mut last_progress = started;
    let mut tally = Tally::default();
    let one = scenario.is_some();
    let mut scenario = scenario;
    for seed in from..from.saturating_add(if one { 1 } else { seeds }) {
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
        if last_progress.elapsed().as_secs() >= 10 {
            last_progress = Instant::now();
            eprintln!("  seed {seed}: {} ({:.1} seeds/s)", tally.line(), per_second(&tally, started));
        }
    }
    println!("{}", tally.line());
    println!("{:.1} seeds/s", per_second(&tally, started));
    Ok(())
}

fn per_second(tally: &Tally, started: Instant) -> f64 {
    tally.seeds as f64 / started.elapsed().as_secs_f64().max(1e-9)
}
