//! The randomized fault checker (`streamlab torture`), in the spirit of TigerBeetle's VOPR and Jepsen:
//! one seed draws a cluster, a client configuration and a fault schedule; the run goes on until every
//! fault has healed and the group has drained; then the checker holds the run to what its configuration
//! promises.
//!
//! ```text
//!  seed --draw--> scenario (brokers, RF, min ISR, acks, idempotence, unclean, group, faults)
//!                    |  World::run: crashes, restarts, network spikes ... every fault heals
//!                    v
//!               ledger + cluster --check--> the first broken invariant, or none
//! ```
//!
//! The printed scenario reproduces the run with `streamlab run`.

pub mod engines;

use crate::dist::DistSpec;
use crate::kafka::assignor::Strategy;
use crate::ledger::LedgerSummary;
use crate::rng::{SimRng, stream};
use crate::scenario::{Acks, Arrival, CommitMode, Fault, Keys, ProducerConfig, Scenario, SpikeScope};
use crate::world::World;
use rand::RngExt;

/// What one seed's run showed.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The first invariant the run broke.
    pub broken: Option<String>,
    /// The configuration promises no loss (acks=all, min.insync.replicas >= 2, clean election).
    pub promises_no_loss: bool,
    pub ledger: LedgerSummary,
}

/// Draws seed `seed`'s cluster, clients and fault schedule. Every crashed broker and consumer restarts and
/// every spike ends before the producers stop, so the run can drain.
pub fn draw(seed: u64) -> Scenario {
    let mut r = stream(seed, "torture");
    let mut s = Scenario::from_toml("name = \"torture\"").expect("the defaults are valid");
    s.name = format!("torture-{seed}");
    s.run.seed = seed;
    s.run.duration_ms = r.random_range(4_000..10_000);
    s.run.drain_ms = 300_000;
    s.engines.clear();
    let c = &mut s.cluster;
    c.brokers = r.random_range(3..=5);
    c.network_delay = DistSpec::Exponential { mean_ms: r.random_range(0.1..1.0) };
    c.append_time = DistSpec::Exponential { mean_ms: r.random_range(0.02..0.2) };
    c.replica_lag_time_max_ms = pick(&mut r, &[1_000, 3_000, 10_000, 30_000]);
    c.broker_session_timeout_ms = r.random_range(1_000..6_000);
    s.topic.partitions = r.random_range(1..=6);
    let rf = r.random_range(2..=c.brokers.min(3));
    s.topic.replication_factor = rf;
    // Half the seeds promise no loss; the others take one of the shortcuts the lesson warns about.
    let (acks, min_insync, unclean) = match r.random_range(0..6) {
        0..=2 => (Acks::All, r.random_range(2..=rf), false),
        3 => (Acks::Leader, r.random_range(1..=rf), r.random_bool(0.3)),
        4 => (Acks::All, 1, r.random_bool(0.3)),
        _ => (pick(&mut r, &[Acks::All, Acks::Leader]), r.random_range(1..=rf), true),
    };
    c.min_insync_replicas = min_insync;
    c.unclean_leader_election = unclean;
    let linger_ms = r.random_range(0..10);
    let request_timeout_ms = r.random_range(300..3_000);
    s.producers = vec![ProducerConfig {
        count: r.random_range(1..=3),
        rate_per_s: r.random_range(200.0..1_500.0),
        arrival: Arrival::Poisson,
        keys: if r.random_bool(0.5) { Keys::None } else { Keys::Uniform { count: 50 } },
        acks,
        linger_ms,
        idempotence: match (acks, r.random_range(0..3)) {
            (Acks::All, 0) => Some(true),
            (_, 1) => Some(false),
            _ => None,
        },
        max_in_flight: r.random_range(1..=5),
        request_timeout_ms,
        delivery_timeout_ms: linger_ms + request_timeout_ms + r.random_range(0..30_000),
        ..ProducerConfig::default()
    }];
    let g = &mut s.consumer_group;
    g.members = r.random_range(1..=4);
    g.assignor = pick(&mut r, &[Strategy::Range, Strategy::RoundRobin, Strategy::Sticky]);
    g.commit = if r.random_bool(0.5) { CommitMode::Auto } else { CommitMode::AfterProcessing };
    g.session_timeout_ms = r.random_range(3_000..10_000);
    g.heartbeat_interval_ms = 1_000;
    g.initial_rebalance_delay_ms = 0;
    g.auto_commit_interval_ms = pick(&mut r, &[100, 1_000, 5_000]);
    g.processing_time = DistSpec::Exponential { mean_ms: r.random_range(0.01..0.2) };
    let (brokers, members, end) = (c.brokers, g.members, s.run.duration_ms);
    // (is a broker, id, crash, restart): a broker or member is crashed again only after its restart.
    let mut down: Vec<(bool, u32, u64, u64)> = Vec::new();
    let mut free = |broker: bool, id: u32, from: u64, to: u64| {
        let overlaps = down.iter().any(|&(b, i, f, t)| b == broker && i == id && from <= t && f <= to);
        if !overlaps {
            down.push((broker, id, from, to));
        }
        !overlaps
    };
    for _ in 0..r.random_range(1..=5) {
        let at_ms = r.random_range(500..end - 400);
        let lasts_ms = r.random_range(200..(end - at_ms).clamp(201, 8_000));
        let heal_ms = at_ms + lasts_ms;
        match r.random_range(0..4) {
            0 | 1 => {
                let broker = r.random_range(0..brokers);
                if !free(true, broker, at_ms, heal_ms) {
                    continue;
                }
                // Often the nastiest order: replication slows first, so followers are behind at the crash.
                if r.random_bool(0.5) {
                    let lead_ms = r.random_range(100..=at_ms.min(2_000));
                    s.faults.push(Fault::NetworkSpike {
                        at_ms: at_ms - lead_ms,
                        duration_ms: lead_ms + r.random_range(0..=heal_ms - at_ms),
                        extra_ms: r.random_range(500.0..3_000.0_f64).round(),
                        scope: SpikeScope::Replication,
                    });
                }
                s.faults.push(Fault::BrokerCrash { at_ms, broker });
                s.faults.push(Fault::BrokerRestart { at_ms: heal_ms, broker });
            }
            2 => {
                let member = r.random_range(0..members);
                if !free(false, member, at_ms, heal_ms) {
                    continue;
                }
                s.faults.push(Fault::ConsumerCrash { at_ms, member });
                s.faults.push(Fault::ConsumerRestart { at_ms: heal_ms, member });
            }
            _ => s.faults.push(Fault::NetworkSpike {
                at_ms,
                duration_ms: lasts_ms,
                extra_ms: r.random_range(10.0..3_000.0_f64).round(),
                scope: if r.random_bool(0.5) { SpikeScope::All } else { SpikeScope::Replication },
            }),
        }
    }
    s.faults.sort_by_key(Fault::at_ms);
    s.validate().expect("a drawn scenario is valid");
    s
}

fn pick<T: Copy>(r: &mut SimRng, choices: &[T]) -> T {
    choices[r.random_range(0..choices.len())]
}

/// Runs a scenario and checks the invariants its configuration promises, in order of importance.
pub fn check(s: &Scenario) -> Verdict {
    let mut w = World::new(s);
    let run = w.run();
    let ledger = w.ledger_summary();
    let c = &s.cluster;
    let promises_no_loss =
        s.producers.iter().all(|p| p.acks == Acks::All) && c.min_insync_replicas >= 2 && !c.unclean_leader_election;
    let idempotent = s.producers.iter().all(|p| p.idempotent());
    let offline: Vec<u32> = w.cluster_state().partitions.iter().filter(|p| p.leader.is_none()).map(|p| p.id).collect();
    let l = &ledger;
    let broken = if let Err(e) = run {
        Some(format!("the run completes with a balanced ledger: {e}"))
    } else if promises_no_loss && l.lost > 0 {
        Some(format!(
            "acks=all, min.insync.replicas >= 2 and clean election lose no acknowledged record: {} lost",
            l.lost
        ))
    } else if idempotent && l.log_duplicates > 0 {
        Some(format!("an idempotent producer writes each record once: {} records are in a log twice", l.log_duplicates))
    } else if idempotent && l.log_out_of_order > 0 {
        Some(format!(
            "an idempotent producer keeps its order per partition: {} batches follow a later batch",
            l.log_out_of_order
        ))
    } else if l.unconsumed > 0 {
        Some(format!(
            "the group delivers every acknowledged record still in the log at least once: {} never delivered",
            l.unconsumed
        ))
    } else if !offline.is_empty() {
        Some(format!("once every fault has healed every partition has a leader: {offline:?} have none"))
    } else if !w.drained() || l.in_flight > 0 {
        Some(format!(
            "once every fault has healed the producers finish and the group drains within run.drain_ms: {} records in flight",
            l.in_flight
        ))
    } else {
        None
    };
    Verdict { broken, promises_no_loss, ledger }
}

/// The seeds run so far and what they showed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub seeds: u64,
    pub violations: u64,
    /// Seeds whose configuration promises no loss, and acknowledged records they lost (must stay 0).
    pub safe_seeds: u64,
    pub safe_lost: u64,
    /// Seeds with acks=1, min.insync.replicas = 1 or unclean election; how many lost records, and how many.
    pub unsafe_seeds: u64,
    pub unsafe_seeds_losing: u64,
    pub unsafe_lost: u64,
    pub records: u64,
}

impl Tally {
    pub fn add(&mut self, v: &Verdict) {
        self.seeds += 1;
        self.violations += u64::from(v.broken.is_some());
        self.records += v.ledger.produced;
        if v.promises_no_loss {
            self.safe_seeds += 1;
            self.safe_lost += v.ledger.lost;
        } else {
            self.unsafe_seeds += 1;
            self.unsafe_seeds_losing += u64::from(v.ledger.lost > 0);
            self.unsafe_lost += v.ledger.lost;
        }
    }

    /// One line for the end of a run (and for progress).
    pub fn line(&self) -> String {
        format!(
            "{} seeds, {} violations; no-loss configurations: {} seeds, {} records lost; acks=1, min.insync.replicas=1 or unclean election: {} seeds, {} of them lost records ({} in total); {} records produced",
            self.seeds,
            self.violations,
            self.safe_seeds,
            self.safe_lost,
            self.unsafe_seeds,
            self.unsafe_seeds_losing,
            self.unsafe_lost,
            self.records
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_draws_the_same_scenario_and_its_toml_reproduces_it() {
        let s = draw(42);
        assert_eq!(s, draw(42));
        assert_ne!(s, draw(43));
        assert_eq!(Scenario::from_toml(&s.to_toml()).expect("valid"), s);
        assert!((3..=5).contains(&s.cluster.brokers) && (2..=3).contains(&s.topic.replication_factor));
    }

    /// Every crash is followed by a restart, so the run can check liveness.
    #[test]
    fn every_drawn_fault_heals() {
        for seed in 0..200 {
            let s = draw(seed);
            for f in &s.faults {
                let healed = match f {
                    Fault::BrokerCrash { broker, at_ms } => s
                        .faults
                        .iter()
                        .any(|g| matches!(g, Fault::BrokerRestart { broker: b, at_ms: t } if b == broker && t > at_ms)),
                    Fault::ConsumerCrash { member, at_ms } => s.faults.iter().any(
                        |g| matches!(g, Fault::ConsumerRestart { member: m, at_ms: t } if m == member && t > at_ms),
                    ),
                    Fault::NetworkSpike { at_ms, duration_ms, .. } => at_ms + duration_ms <= s.run.duration_ms,
                    _ => true,
                };
                assert!(healed, "seed {seed}: {f:?}");
            }
        }
    }
}
